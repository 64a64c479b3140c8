//! Pages whose scripts, Wasm and CSS come from the CDN (`IRONLOG_ASSETS_URL`): where this
//! build's files are there, and the origin the CSP must allow for them.

use std::path::Path;

use assets::{Site, SiteError};

/// This build's files on the CDN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CdnAssets {
    /// `<assets URL>/<release>`: Leptos' root for `pkg/…`, as ironlog-publish lays it out.
    pub root: String,
    /// `scheme://host[:port]` of the assets URL, for the CSP.
    pub origin: String,
}

impl CdnAssets {
    /// The release is computed from the site this server serves, the same way ironlog-publish
    /// computes it, so the pages name exactly the files that build published.
    pub fn for_site(assets_url: &str, site_root: &Path) -> Result<Self, SiteError> {
        let site = Site::scan(site_root)?;
        let origin = match assets_url.find("://") {
            Some(i) => match assets_url[i + 3..].find('/') {
                Some(j) => assets_url[..i + 3 + j].to_owned(),
                None => assets_url.to_owned(),
            },
            None => assets_url.to_owned(),
        };
        Ok(Self {
            root: format!("{assets_url}/{}", site.release),
            origin,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_names_this_builds_release_and_the_origin_has_no_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("pkg")).unwrap();
        std::fs::write(dir.path().join("pkg/ironlog.js"), b"js").unwrap();
        let release = Site::scan(dir.path()).unwrap().release;
        let cdn = CdnAssets::for_site("https://cdn.example/ironlog", dir.path()).unwrap();
        assert_eq!(cdn.root, format!("https://cdn.example/ironlog/{release}"));
        assert_eq!(cdn.origin, "https://cdn.example");
        let bare = CdnAssets::for_site("http://127.0.0.1:9000", dir.path()).unwrap();
        assert_eq!(bare.origin, "http://127.0.0.1:9000");
        assert!(CdnAssets::for_site("https://cdn.example", &dir.path().join("nope")).is_err());
    }
}
