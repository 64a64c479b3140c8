//! The Progress page's analytics over five years of history (800 sessions, 20,000 sets),
//! computed in Wasm in headless Chromium, beside the same computation natively in this
//! process. The history is imported through the API, as a user moving from another app would.

use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use domain::catalog::Catalog;

use super::{ratio, BenchConfig, Figure};

const RUNS: usize = 20;

pub async fn run(base_url: &str, config: &BenchConfig) -> Result<Vec<Figure>> {
    eprintln!("bench: analytics over 5 years of history, in Wasm (Chromium) and natively…");
    let account = crate::accounts::one(base_url).await?;
    let history = domain::sample::five_years(&account.user_id);
    let csv = domain::export::to_csv(&history, &Catalog::default())?;
    let client = reqwest::Client::new();
    let resp = client
        .post(format!("{base_url}/api/v1/import"))
        .header("cookie", &account.cookie)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .context("importing the history")?;
    if !resp.status().is_success() {
        bail!("the import answered {}", resp.status());
    }
    await_stored(&client, base_url, &account.cookie, history.len()).await?;

    let today = NaiveDate::from_ymd_opt(2026, 11, 1).context("date")?;
    let catalog = Catalog::default();
    let mut native: Vec<f64> = (0..RUNS * 5)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(domain::analytics::analyze(
                &history,
                &catalog,
                &Default::default(),
                today,
            ));
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    native.sort_by(f64::total_cmp);
    let native = native[native.len() / 2];

    let parsed = super::browser::run_script(
        config,
        "analytics.mjs",
        &account.cookie,
        vec![base_url.to_owned(), RUNS.to_string()],
    )
    .await?;
    let wasm = parsed["median_ms"].as_f64().context("no median_ms")?;
    let sets: usize = history.iter().map(|w| w.set_count()).sum();
    Ok(vec![Figure::new(
        &format!(
            "analytics in Wasm, Chromium ({} sessions, {sets} sets; baseline native)",
            history.len()
        ),
        format!("{wasm:.2} ms"),
        format!("{native:.2} ms"),
        ratio(wasm, native),
        "< 10 ms",
    )])
}

/// Waits until the user's history holds `n` workouts (the import is stored asynchronously).
async fn await_stored(client: &reqwest::Client, base: &str, cookie: &str, n: usize) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let mut count = 0;
        let mut url = format!("{base}/api/v1/workouts?limit=100");
        loop {
            let page: serde_json::Value = client
                .get(&url)
                .header("cookie", cookie)
                .send()
                .await?
                .json()
                .await?;
            count += page["items"].as_array().map_or(0, Vec::len);
            match page["next"].as_str() {
                Some(next) => url = format!("{base}/api/v1/workouts?limit=100&before={next}"),
                None => break,
            }
        }
        if count >= n {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("only {count} of {n} imported workouts were stored after 120 s");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
