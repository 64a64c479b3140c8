//! Time to interactive in headless Chromium, through Playwright (end2end/bench/tti.mjs).

use std::process::Command;

use anyhow::{bail, Context, Result};

use super::{BenchConfig, Figure};

pub async fn time_to_interactive(base_url: &str, config: &BenchConfig) -> Result<Figure> {
    eprintln!("bench: time to interactive, 20 cold loads in Chromium…");
    let account = crate::accounts::one(base_url).await?;
    let (base, dir) = (base_url.to_owned(), config.end2end_dir.clone());
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .current_dir(&dir)
            .env("IRONLOG_COOKIE", &account.cookie)
            .args(["bench/tti.mjs", &base, "20"])
            .output()
    })
    .await?
    .context("running node bench/tti.mjs (is Node.js installed?)")?;
    if !out.status.success() {
        bail!(
            "the time-to-interactive script failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let parsed: serde_json::Value = serde_json::from_slice(&out.stdout)
        .context("reading the time-to-interactive script's output")?;
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
