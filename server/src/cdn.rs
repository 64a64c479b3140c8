//! Pages whose scripts, Wasm and CSS come from the CDN (`IRONLOG_ASSETS_URL`): where this
//! build's files are there, and the origin the CSP must allow for them.

use std::collections::BTreeMap;
use std::path::Path;

use assets::{Site, SiteError};

use crate::config::AssetsUrl;

/// This build's files on the CDN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CdnAssets {
    /// `<assets URL>/<release>`: Leptos' root for `pkg/…`, as ironlog-publish lays it out.
    pub root: String,
    /// `scheme://host[:port]` of the assets URL, for the CSP.
    pub origin: String,
    /// Every script and Wasm file of the build by its URL on the CDN, with its Subresource
    /// Integrity (`sha384-…`); the service worker precaches with it.
    pub integrity: BTreeMap<String, String>,
    /// The same as an import map (JSON, safe inside `<script>`): the browser checks module
    /// loads against it, and the page's `pkg-integrity.js` gives the Wasm fetches the same.
    pub import_map: String,
}

impl CdnAssets {
    /// The release is computed from the site this server serves, the same way ironlog-publish
    /// computes it, so the pages name exactly the files that build published.
    pub fn for_site(assets: &AssetsUrl, site_root: &Path) -> Result<Self, SiteError> {
        let site = Site::scan(site_root)?;
        let root = format!("{}/{}", assets.url, site.release);
        let integrity: BTreeMap<String, String> = site
            .files
            .iter()
            .filter(|f| f.in_pkg() && (f.path.ends_with(".js") || f.path.ends_with(".wasm")))
            .map(|f| (format!("{root}/{}", f.path), f.integrity.clone()))
            .collect();
        // Inside a <script> element: no `<` may appear as itself (`</script>` would end it).
        let import_map = serde_json::json!({ "integrity": integrity })
            .to_string()
            .replace('<', "\\u003c");
        Ok(Self {
            root,
            origin: assets.origin.clone(),
            integrity,
            import_map,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_names_this_builds_release() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("pkg")).unwrap();
        std::fs::write(dir.path().join("pkg/ironlog.js"), b"js").unwrap();
        let release = Site::scan(dir.path()).unwrap().release;
        let assets = AssetsUrl {
            url: "https://cdn.example/ironlog".into(),
            origin: "https://cdn.example".into(),
        };
        let cdn = CdnAssets::for_site(&assets, dir.path()).unwrap();
        assert_eq!(cdn.root, format!("https://cdn.example/ironlog/{release}"));
        assert_eq!(cdn.origin, "https://cdn.example");
        let map: serde_json::Value = serde_json::from_str(&cdn.import_map).unwrap();
        assert_eq!(
            map,
            serde_json::json!({ "integrity": {
                format!("https://cdn.example/ironlog/{release}/pkg/ironlog.js"):
                    "sha384-jQYcGOzPwkUhEe8g4GIYQ+uZMxWmWzNY4mzMebMhwTFZacpnmridbTjaURxAo3Ne"
            }})
        );
        assert!(CdnAssets::for_site(&assets, &dir.path().join("nope")).is_err());
    }

    #[test]
    fn the_import_map_cannot_end_its_script_element() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("pkg")).unwrap();
        std::fs::write(dir.path().join("pkg/ironlog.js"), b"js").unwrap();
        let assets = AssetsUrl {
            url: "https://cdn.example/</script>".into(),
            origin: "https://cdn.example".into(),
        };
        let cdn = CdnAssets::for_site(&assets, dir.path()).unwrap();
        assert!(!cdn.import_map.contains('<'), "{}", cdn.import_map);
        let map: serde_json::Value = serde_json::from_str(&cdn.import_map).unwrap();
        assert!(map["integrity"]
            .as_object()
            .unwrap()
            .keys()
            .all(|url| url.starts_with("https://cdn.example/</script>/")));
    }
}
