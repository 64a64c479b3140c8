//! Pages whose scripts, Wasm and CSS come from the CDN (`IRONLOG_ASSETS_URL`): where this
//! build's files are there, and the origin the CSP must allow for them.

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
}

impl CdnAssets {
    /// The release is computed from the site this server serves, the same way ironlog-publish
    /// computes it, so the pages name exactly the files that build published.
    pub fn for_site(assets: &AssetsUrl, site_root: &Path) -> Result<Self, SiteError> {
        let site = Site::scan(site_root)?;
        Ok(Self {
            root: format!("{}/{}", assets.url, site.release),
            origin: assets.origin.clone(),
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
        assert!(CdnAssets::for_site(&assets, &dir.path().join("nope")).is_err());
    }
}
