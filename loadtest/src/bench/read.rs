//! The read path: a user with five years of history, read through the API and the History
//! page, beside the same query sent straight to the database.

use std::sync::Arc;

use anyhow::{Context, Result};
use consumer::store::mongo::MongoStore;
use consumer::store::WorkoutStore;
use domain::DEFAULT_USER;
use testkit::Stack;

use super::rate::fixed_rate;
use super::{events, p50_p99, BenchConfig, Figure};
use crate::stats::percentile;

const RATE: f64 = 1000.0;

pub async fn run(stack: &Stack, config: &BenchConfig) -> Result<Vec<Figure>> {
    eprintln!(
        "bench: seeding {} sessions (5 years) for one user…",
        config.history
    );
    let store = Arc::new(MongoStore::connect(&stack.uri).await?);
    store.ensure_indexes().await.context("creating indexes")?;
    let span_days = 5 * 365;
    let history: Vec<_> = (0..config.history)
        .map(|i| events::event(DEFAULT_USER, (i * span_days / config.history.max(1)) as i64))
        .collect::<Result<_>>()?;
    for chunk in history.chunks(500) {
        store.upsert(chunk).await.context("seeding history")?;
    }

    let client = crate::load::client();
    let base = stack.servers[0].base_url();
    let warm = |url: String| {
        let client = client.clone();
        async move {
            for _ in 0..200 {
                let _ = client.get(&url).send().await;
            }
        }
    };
    warm(format!("{base}/api/v1/workouts")).await;
    warm(format!("{base}/history")).await;

    eprintln!("bench: read baseline, the same query straight to the database at {RATE} req/s…");
    let baseline = fixed_rate(RATE, config.run_for, |_| {
        let store = store.clone();
        async move {
            store
                .list(DEFAULT_USER, 20, None)
                .await
                .is_ok_and(|p| p.items.len() == 20)
        }
    })
    .await;

    let get = |path: &'static str| {
        let (client, base) = (client.clone(), base.clone());
        move |_| {
            let (client, url) = (client.clone(), format!("{base}{path}"));
            async move {
                match client.get(&url).send().await {
                    Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                    _ => false,
                }
            }
        }
    };
    eprintln!("bench: GET /api/v1/workouts at {RATE} req/s…");
    let api = fixed_rate(RATE, config.run_for, get("/api/v1/workouts")).await;
    eprintln!("bench: GET /history (server-rendered) at {RATE} req/s…");
    let page = fixed_rate(RATE, config.run_for, get("/history")).await;

    let p99 = |l: &super::rate::Latencies| percentile(&l.sorted, 0.99).as_secs_f64();
    let failures = |l: &super::rate::Latencies| {
        if l.failed > 0 {
            format!(" ({} failed)", l.failed)
        } else {
            String::new()
        }
    };
    Ok(vec![
        Figure::new(
            "read: GET /api/v1/workouts p50 / p99 at 1,000 req/s",
            format!("{}{}", p50_p99(&api), failures(&api)),
            format!(
                "{} (driver find){}",
                p50_p99(&baseline),
                failures(&baseline)
            ),
            super::ratio(p99(&api), p99(&baseline)),
            "p99 < 5 ms",
        ),
        Figure::new(
            "read: GET /history (SSR) p50 / p99 at 1,000 req/s",
            format!("{}{}", p50_p99(&page), failures(&page)),
            format!("{} (driver find)", p50_p99(&baseline)),
            super::ratio(p99(&page), p99(&baseline)),
            "-",
        ),
    ])
}
