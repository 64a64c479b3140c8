//! Reads that must not grow with the history: the plan, Today, Progress's data and History,
//! for a user with one week and a user with five years of history, each read at a fixed rate,
//! with the documents each view reads (the stores' `ironlog_store_documents_read_total`).
//! Run on the embedded store and on the distributed stack's database.

use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use domain::catalog::Catalog;
use domain::WorkoutLogged;

use super::rate::{fixed_rate, saturate, Latencies};
use super::{p50_p99, ratio, BenchConfig, Figure};
use crate::accounts::SignedIn;
use crate::stats::percentile;

const RATE: f64 = 1000.0;

/// The views read, by path.
const VIEWS: &[(&str, &str)] = &[
    ("plan (GET /api/v1/plan)", "/api/v1/plan"),
    ("Today (GET /today, SSR)", "/today"),
    ("Progress data (GET /api/v1/progress)", "/api/v1/progress"),
    ("History (GET /history, SSR)", "/history"),
];

/// A server under test: its address and where its metrics are.
pub struct Target<'a> {
    /// "embedded", "SecantusDB (Rust)".
    pub store: &'a str,
    pub base: String,
    pub metrics: String,
}

/// A user and their history.
struct Lifter {
    name: &'static str,
    account: SignedIn,
    client: reqwest::Client,
}

/// The sum of a counter's series in the Prometheus text at `url`, or of those whose labels
/// contain `labels`.
async fn counter(url: &str, name: &str, labels: &str) -> Result<f64> {
    let text = reqwest::get(url).await?.text().await?;
    Ok(text
        .lines()
        .filter(|l| l.starts_with(name) && l.contains(labels))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum())
}

/// Imports `history` as a Strong-like export of Ironlog's own format and waits until it is
/// stored.
async fn import(target: &Target<'_>, lifter: &Lifter, history: &[WorkoutLogged]) -> Result<()> {
    let csv = domain::export::to_csv(history, &Catalog::default())?;
    let resp = lifter
        .client
        .post(format!("{}/api/v1/import", target.base))
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .context("importing the history")?;
    if !resp.status().is_success() {
        bail!("the import answered {}", resp.status());
    }
    await_stored(
        &lifter.client,
        &target.base,
        &lifter.account.cookie,
        history.len(),
    )
    .await
}

/// Waits until the lifter's plan is served from a fresh read model (the projector has caught
/// up with the import).
async fn await_fresh(target: &Target<'_>, lifter: &Lifter) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(180);
    let name = "ironlog_read_model_reads_total";
    loop {
        let before = counter(&target.metrics, name, "result=\"fresh\"").await?;
        lifter
            .client
            .get(format!("{}/api/v1/plan", target.base))
            .send()
            .await?
            .error_for_status()?;
        if counter(&target.metrics, name, "result=\"fresh\"").await? > before {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{}'s read model was not rebuilt within 180 s", lifter.name);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Documents read per request of `path`, over `n` requests one at a time.
async fn documents_per_view(target: &Target<'_>, lifter: &Lifter, path: &str) -> Result<f64> {
    const N: usize = 40;
    let name = "ironlog_store_documents_read_total";
    let before = counter(&target.metrics, name, "").await?;
    for _ in 0..N {
        lifter
            .client
            .get(format!("{}{path}", target.base))
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
    }
    Ok((counter(&target.metrics, name, "").await? - before) / N as f64)
}

fn reader(
    client: &reqwest::Client,
    url: String,
) -> impl Fn(u64) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>> + Clone {
    let client = client.clone();
    move |_| {
        let (client, url) = (client.clone(), url.clone());
        Box::pin(async move {
            match client.get(&url).send().await {
                Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                _ => false,
            }
        })
    }
}

/// The compressed bytes of Progress's first load for `lifter`: the page, which carries its
/// figures (brotli, as browsers ask).
async fn progress_transfer(target: &Target<'_>, lifter: &Lifter) -> Result<(usize, usize)> {
    let get = |encoding: &'static str| {
        lifter
            .client
            .get(format!("{}/progress", target.base))
            .header("accept-encoding", encoding)
            .send()
    };
    let compressed = get("br").await?.error_for_status()?.bytes().await?.len();
    let raw = get("identity")
        .await?
        .error_for_status()?
        .bytes()
        .await?
        .len();
    Ok((compressed, raw))
}

pub async fn run(target: &Target<'_>, config: &BenchConfig) -> Result<Vec<Figure>> {
    let store = target.store;
    eprintln!("bench: views on {store}: a user with one week, a user with five years…");
    let five_years = {
        let account = crate::accounts::one(&target.base).await?;
        let client = account.client()?;
        Lifter {
            name: "five years",
            account,
            client,
        }
    };
    let one_week = {
        let account = crate::accounts::one(&target.base).await?;
        let client = account.client()?;
        Lifter {
            name: "one week",
            account,
            client,
        }
    };
    let long = domain::sample::five_years(&five_years.account.user_id);
    let short: Vec<WorkoutLogged> = domain::sample::five_years(&one_week.account.user_id)
        .split_off(domain::sample::SESSIONS - 3);
    import(target, &one_week, &short).await?;
    import(target, &five_years, &long).await?;
    await_fresh(target, &one_week).await?;
    await_fresh(target, &five_years).await?;

    let mut figures = Vec::new();
    let mut p99s: Vec<(&str, f64, f64)> = Vec::new();
    for (what, path) in VIEWS {
        // Each view at 1,000 req/s unless its capacity for the five-year user is lower (an
        // open-loop run above capacity measures only a growing queue): the slowest view no
        // longer holds the others below the target.
        let url = format!("{}{path}", target.base);
        let (capacity, _) =
            saturate(8, Duration::from_secs(2), reader(&five_years.client, url)).await;
        let rate = RATE.min((capacity * 0.8).floor()).max(1.0);
        eprintln!(
            "bench: {store}: {what} answers {capacity:.0}/s at most; reading at {rate} req/s"
        );
        let mut per: Vec<(Latencies, f64)> = Vec::new();
        for lifter in [&one_week, &five_years] {
            let docs = documents_per_view(target, lifter, path).await?;
            eprintln!(
                "bench: {store}: {what} for {} at {rate} req/s…",
                lifter.name
            );
            let url = format!("{}{path}", target.base);
            let l = fixed_rate(rate, config.run_for, reader(&lifter.client, url)).await;
            per.push((l, docs));
        }
        let p99 = |l: &Latencies| percentile(&l.sorted, 0.99).as_secs_f64();
        let failed = |l: &Latencies| {
            if l.failed > 0 {
                format!(" ({} failed)", l.failed)
            } else {
                String::new()
            }
        };
        let (week, years) = (&per[0], &per[1]);
        p99s.push((what, p99(&week.0), p99(&years.0)));
        figures.push(Figure::new(
            &format!(
                "views, {store}: {what} p50 / p99 at {rate} req/s, five years (baseline one week)"
            ),
            format!("{}{}", p50_p99(&years.0), failed(&years.0)),
            format!("{}{}", p50_p99(&week.0), failed(&week.0)),
            ratio(p99(&years.0), p99(&week.0)),
            "≤ 1.5",
        ));
        figures.push(Figure::new(
            &format!(
                "views, {store}: {what} documents read per view, five years (baseline one week)"
            ),
            format!("{:.1}", years.1),
            format!("{:.1}", week.1),
            ratio(years.1, week.1),
            "-",
        ));
    }
    let history = p99s
        .iter()
        .find(|(what, ..)| what.starts_with("History"))
        .map(|p| p.2);
    let plan = p99s
        .iter()
        .find(|(what, ..)| what.starts_with("plan"))
        .map(|p| p.2);
    if let (Some(plan), Some(history)) = (plan, history) {
        figures.push(Figure::new(
            &format!("views, {store}: the plan's p99 against a History page's, five years"),
            format!("{:.2} ms", plan * 1000.0),
            format!("{:.2} ms", history * 1000.0),
            ratio(plan, history),
            "≤ 2",
        ));
    }
    let (compressed, raw) = progress_transfer(target, &five_years).await?;
    figures.push(Figure::new(
        &format!("views, {store}: Progress's first load, five years: the page with its figures, brotli (raw)"),
        format!("{:.1} KB", compressed as f64 / 1000.0),
        format!("{:.1} KB raw", raw as f64 / 1000.0),
        "-".into(),
        "< 100 KB",
    ));
    Ok(figures)
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
