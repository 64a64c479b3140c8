//! The read path: a user with five years of history, read through the API and the History
//! page, beside the same query sent straight to the database.

use std::sync::Arc;
use std::time::Duration;

use adapters::mongo::MongoStore;
use anyhow::{Context, Result};
use service::WorkoutStore;
use testkit::Stack;

use super::rate::{fixed_rate, saturate};
use super::{events, p50_p99, BenchConfig, Figure};
use crate::stats::percentile;

const RATE: f64 = 1000.0;

pub async fn run(stack: &Stack, config: &BenchConfig) -> Result<Vec<Figure>> {
    eprintln!(
        "bench: seeding {} sessions (5 years) for one user…",
        config.history
    );
    let base = stack.servers[0].base_url();
    let account = crate::accounts::one(&base).await?;
    let user = account.user_id.clone();
    let store = Arc::new(MongoStore::connect(&stack.uri).await?);
    store.ensure_indexes().await.context("creating indexes")?;
    let span_days = 5 * 365;
    let history: Vec<_> = (0..config.history)
        .map(|i| events::event(&user, (i * span_days / config.history.max(1)) as i64))
        .collect::<Result<_>>()?;
    for chunk in history.chunks(500) {
        store.save(chunk).await.context("seeding history")?;
    }

    let client = account.client()?;
    let warm = |url: String| {
        let client = client.clone();
        async move {
            for _ in 0..20 {
                let _ = client.get(&url).send().await;
            }
        }
    };
    warm(format!("{base}/api/v1/workouts")).await;
    warm(format!("{base}/history")).await;

    let query = {
        let (store, user) = (store.clone(), user.clone());
        move |_| {
            let (store, user) = (store.clone(), user.clone());
            async move {
                store
                    .list(&user, 20, None)
                    .await
                    .is_ok_and(|p| p.items.len() == 20)
            }
        }
    };
    // An open-loop run above what the database can answer only measures a growing queue, so
    // the rate is capped at 80% of the database's own capacity for this query.
    let (capacity, _) = saturate(8, Duration::from_secs(3), query.clone()).await;
    let rate = RATE.min((capacity * 0.8).floor()).max(1.0);
    eprintln!(
        "bench: the database answers this query {capacity:.0} times/s at most; reading at {rate} req/s"
    );
    eprintln!("bench: read baseline, the same query straight to the database at {rate} req/s…");
    let baseline = fixed_rate(rate, config.run_for, query).await;

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
    eprintln!("bench: GET /api/v1/workouts at {rate} req/s…");
    let api = fixed_rate(rate, config.run_for, get("/api/v1/workouts")).await;
    eprintln!("bench: GET /history (server-rendered) at {rate} req/s…");
    let page = fixed_rate(rate, config.run_for, get("/history")).await;

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
            "read: database capacity for the history query (8 in flight)",
            format!("{capacity:.0} queries/s"),
            "-".into(),
            "-".into(),
            "≥ 1,000/s to test 1,000 req/s",
        ),
        Figure::new(
            &format!("read: GET /api/v1/workouts p50 / p99 at {rate} req/s"),
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
            &format!("read: GET /history (SSR) p50 / p99 at {rate} req/s"),
            format!("{}{}", p50_p99(&page), failures(&page)),
            format!("{} (driver find)", p50_p99(&baseline)),
            super::ratio(p99(&page), p99(&baseline)),
            "-",
        ),
    ])
}
