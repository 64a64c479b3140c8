//! How a published file is served: its `Content-Type` and how long it may be cached.

/// Files under a release prefix never change; the few others are revalidated soon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheClass {
    /// `<release>/pkg/…`: the key changes whenever the content does.
    Immutable,
    /// Stable names (the manifest, icons, the worker's scripts): invalidated on publish.
    Revalidate,
}

/// The `Cache-Control` header of a class.
pub fn cache_control(class: CacheClass) -> &'static str {
    match class {
        CacheClass::Immutable => "public, max-age=31536000, immutable",
        CacheClass::Revalidate => "public, max-age=300, must-revalidate",
    }
}

/// The `Content-Type` of a site file by its extension, or `None` for a kind the site does not
/// have (publishing it with a guessed type could break it, so the publisher refuses).
pub fn content_type(path: &str) -> Option<&'static str> {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
    Some(match ext.as_str() {
        // `application/wasm` is what lets `WebAssembly.instantiateStreaming` compile while
        // downloading; anything else falls back to buffering the whole module.
        "wasm" => "application/wasm",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "html" => "text/html; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "webp" => "image/webp",
        "woff2" => "font/woff2",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_file_has_its_type() {
        assert_eq!(content_type("pkg/x/ironlog.wasm"), Some("application/wasm"));
        assert_eq!(
            content_type("pkg/x/ironlog.js"),
            Some("text/javascript; charset=utf-8")
        );
        assert_eq!(
            content_type("manifest.webmanifest"),
            Some("application/manifest+json")
        );
        assert_eq!(content_type("icon.SVG"), Some("image/svg+xml"));
        assert_eq!(content_type("README"), None);
        assert_eq!(content_type("archive.zip"), None);
    }

    #[test]
    fn release_files_are_cached_for_a_year_and_never_revalidated() {
        assert_eq!(
            cache_control(CacheClass::Immutable),
            "public, max-age=31536000, immutable"
        );
        assert!(!cache_control(CacheClass::Revalidate).contains("immutable"));
    }
}
