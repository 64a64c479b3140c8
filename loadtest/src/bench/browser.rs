//! Figures measured in headless Chromium through Playwright scripts (end2end/bench/*.mjs):
//! time to interactive and what each page downloads here, the analytics computation in
//! `analytics.rs`.

use std::process::Command;

use anyhow::{bail, Context, Result};

use super::{BenchConfig, Figure};

/// Runs `node bench/<script> <args>` in the end2end directory, signed in with `cookie`, and
/// reads the JSON it prints.
pub async fn run_script(
    config: &BenchConfig,
    script: &str,
    cookie: &str,
    args: Vec<String>,
) -> Result<serde_json::Value> {
    let (dir, path, cookie) = (
        config.end2end_dir.clone(),
        format!("bench/{script}"),
        cookie.to_owned(),
    );
    let out = tokio::task::spawn_blocking({
        let path = path.clone();
        move || {
            Command::new("node")
                .current_dir(&dir)
                .env("IRONLOG_COOKIE", &cookie)
                .arg(&path)
                .args(&args)
                .output()
        }
    })
    .await?
    .with_context(|| format!("running node {path} (is Node.js installed?)"))?;
    if !out.status.success() {
        bail!(
            "node {path} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    serde_json::from_slice(&out.stdout).with_context(|| format!("reading the output of {path}"))
}

pub async fn time_to_interactive(base_url: &str, config: &BenchConfig) -> Result<Figure> {
    eprintln!("bench: time to interactive, 20 cold loads in Chromium…");
    let account = crate::accounts::one(base_url).await?;
    let parsed = run_script(
        config,
        "tti.mjs",
        &account.cookie,
        vec![base_url.to_owned(), "20".into()],
    )
    .await?;
    let mut loads: Vec<f64> = parsed["loads_ms"]
        .as_array()
        .context("no loads_ms in the script's output")?
        .iter()
        .filter_map(serde_json::Value::as_f64)
        .collect();
    loads.sort_by(f64::total_cmp);
    let median = loads.get(loads.len() / 2).copied().unwrap_or(0.0);
    Ok(Figure::new(
        "time to interactive (median of 20 cold loads)",
        format!(
            "{median:.0} ms (min {:.0}, max {:.0})",
            loads.first().copied().unwrap_or(0.0),
            loads.last().copied().unwrap_or(0.0)
        ),
        "-".into(),
        "-".into(),
        "< 300 ms",
    ))
}

/// The pages whose downloads are reported, with what they are.
const PAGES: &[(&str, &str)] = &[
    ("/", "Log"),
    ("/today", "Today"),
    ("/history", "History"),
    ("/data", "Your data"),
    ("/progress", "Progress"),
];

/// What a cold load of each page downloads of the site's code (brotli), as Chromium fetched
/// it: the shared first load plus the chunks of the page's lazy islands.
pub async fn page_loads(base_url: &str, config: &BenchConfig) -> Result<Vec<Figure>> {
    eprintln!("bench: what each page downloads, in Chromium…");
    let account = crate::accounts::one(base_url).await?;
    let mut args = vec![base_url.to_owned()];
    args.extend(PAGES.iter().map(|(path, _)| (*path).to_owned()));
    let parsed = run_script(config, "pages.mjs", &account.cookie, args).await?;
    let mut figures = Vec::new();
    for (path, what) in PAGES {
        let files = parsed["pages"][path]
            .as_array()
            .with_context(|| format!("no downloads reported for {path}"))?;
        let mut total = 0;
        let mut lazy = Vec::new();
        for name in files.iter().filter_map(serde_json::Value::as_str) {
            let size = super::bundle::brotli_size(&config.site_root, name)?;
            total += size;
            if name.starts_with("split_") || name.starts_with("chunk_") {
                // split_board_loader_1274….wasm → split_board_loader
                let short = name.trim_end_matches(".wasm");
                let short = match short.strip_prefix("split_") {
                    Some(_) => short
                        .trim_end_matches(|c: char| c.is_ascii_digit())
                        .trim_end_matches('_'),
                    None => short,
                };
                lazy.push(format!("{short} {:.1} KB", size as f64 / 1000.0));
            }
        }
        let detail = if lazy.is_empty() {
            String::new()
        } else {
            format!(" (lazy: {})", lazy.join(", "))
        };
        figures.push(Figure::new(
            &format!("bundle: a cold load of {path} ({what}), brotli"),
            format!("{:.1} KB{detail}", total as f64 / 1000.0),
            "-".into(),
            "-".into(),
            "-",
        ));
    }
    Ok(figures)
}
