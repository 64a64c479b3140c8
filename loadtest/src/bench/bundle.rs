//! The first-load bundle: what a browser downloads before the page is interactive.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
// The scripts of `public/` every page loads (the device store, its page side, the worker's
// registration) are part of the first load as much as the Wasm is.
use assets::PAGE_SCRIPTS;

/// What every page may download before it is interactive, brotli, in bytes (KB = 1,000 B).
pub const FIRST_LOAD_BUDGET: usize = 180_000;

/// Fails when the first load (`brotli` bytes) reaches [`FIRST_LOAD_BUDGET`].
pub fn within_budget(brotli: usize) -> Result<()> {
    if brotli >= FIRST_LOAD_BUDGET {
        anyhow::bail!(
            "the first load every page shares is {:.1} KB brotli, at or over its budget of {} KB",
            brotli as f64 / 1000.0,
            FIRST_LOAD_BUDGET / 1000
        );
    }
    Ok(())
}

pub struct Sizes {
    pub name: String,
    pub raw: usize,
    pub gzip: usize,
    pub brotli: usize,
}

fn compress(bytes: &[u8]) -> Result<(usize, usize)> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes)?;
    let gzip = gz.finish()?.len();
    let mut br = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut br, 4096, 11, 22);
        w.write_all(bytes)?;
    }
    Ok((gzip, br.len()))
}

/// The brotli size of `bytes` at the best level.
pub fn brotli_of(bytes: &[u8]) -> Result<usize> {
    Ok(compress(bytes)?.1)
}

/// The brotli size of a file of the built site, by its path under the site's root
/// (`pkg/ironlog.wasm`, `device-store.js`).
pub fn brotli_size(site_root: &Path, name: &str) -> Result<usize> {
    let path = site_root.join(name);
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    Ok(compress(&bytes)?.1)
}

/// The wasm, js and css every page loads, raw and compressed at the best levels, by their path
/// under the site's root: `pkg/`'s and [`PAGE_SCRIPTS`]; with a split build, also the split
/// loader (`__wasm_split.*.js`). The lazy islands' chunks
/// (`split_*.wasm`, `chunk_*.wasm`) come only with the pages that have those islands: see
/// `browser::page_loads`.
pub fn measure(site_root: &Path) -> Result<Vec<Sizes>> {
    let pkg = site_root.join("pkg");
    let mut names: Vec<String> = ["ironlog.wasm", "ironlog.js", "ironlog.css"]
        .iter()
        .map(|n| format!("pkg/{n}"))
        .collect();
    if let Ok(entries) = std::fs::read_dir(&pkg) {
        names.extend(
            entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| n.starts_with("__wasm_split") && n.ends_with(".js"))
                .map(|n| format!("pkg/{n}")),
        );
    }
    names.extend(
        PAGE_SCRIPTS
            .iter()
            .map(|n| n.trim_start_matches('/').to_owned()),
    );
    names
        .iter()
        .map(|name| {
            let path = site_root.join(name);
            let bytes = std::fs::read(&path)
                .with_context(|| format!("reading {} (build the site first)", path.display()))?;
            let (gzip, brotli) = compress(&bytes)?;
            Ok(Sizes {
                name: name.clone(),
                raw: bytes.len(),
                gzip,
                brotli,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_a_hard_line() {
        assert!(within_budget(FIRST_LOAD_BUDGET - 1).is_ok());
        let over = within_budget(FIRST_LOAD_BUDGET).expect_err("at the budget fails");
        assert!(over.to_string().contains("180.0 KB"), "{over}");
    }
}
