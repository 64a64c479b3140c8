//! The write path: `POST /api/v1/workouts` beside a bare lapin publisher sending the same
//! event bytes, with confirms, to the same broker.

use std::sync::Arc;

use anyhow::Result;
use testkit::Stack;
use uuid::Uuid;

use super::amqp::BarePublisher;
use super::cpu::{CpuUse, Part};
use super::rate::{fixed_rate, saturate};
use super::{events, p50_p99, ratio, BenchConfig, Figure};
use crate::stats::percentile;
use crate::workload;

const RATE: f64 = 1000.0;
/// Requests in flight when measuring throughput: enough to keep both sides busy.
const IN_FLIGHT: usize = 64;

pub async fn run(stack: &mut Stack, config: &BenchConfig) -> Result<Vec<Figure>> {
    let bare = BarePublisher::connect(&stack.broker.url()).await?;
    // The write path ends at the broker's confirm. With the consumer and the database at work
    // on the same cores, each side would also pay for persisting what it sent, and unequally
    // (the bare loop resends one id), so they rest here; the consumer has its own benchmark.
    stack.consumers[0]
        .proc
        .terminate(std::time::Duration::from_secs(10));
    let account = crate::accounts::one(&stack.servers[0].base_url()).await?;
    let event = events::event(&account.user_id, 0)?;
    let bytes: Arc<Vec<u8>> = Arc::new(events::bytes(&event));
    let id = event.id.to_string();

    let publish = {
        let (bare, bytes, id) = (bare.clone(), bytes.clone(), id.clone());
        move |_| {
            let (bare, bytes, id) = (bare.clone(), bytes.clone(), id.clone());
            async move { bare.publish(&id, &bytes).await }
        }
    };
    let client = account.client()?;
    let url = format!("{}/api/v1/workouts", stack.servers[0].base_url());
    let post = {
        let (client, url) = (client.clone(), url.clone());
        move |_| {
            let (client, url) = (client.clone(), url.clone());
            let body = serde_json::to_vec(&workload::workout(Uuid::now_v7())).unwrap_or_default();
            async move {
                client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().as_u16() == 202)
            }
        }
    };

    eprintln!("bench: write throughput, {IN_FLIGHT} in flight: bare lapin, then the API…");
    let _ = saturate(IN_FLIGHT, std::time::Duration::from_secs(2), post.clone()).await;
    let parts = [
        Part::Bench,
        Part::Server,
        Part::Broker,
        Part::Consumers,
        Part::Database,
    ];
    // Each run starts on an empty queue: a long queue costs the broker more per message.
    bare.purge().await?;
    let before = CpuUse::now(stack, &parts);
    let (bare_tput, bare_failed) = saturate(IN_FLIGHT, config.run_for, publish.clone()).await;
    let bare_cpu =
        CpuUse::now(stack, &parts).per_op(&before, bare_tput * config.run_for.as_secs_f64());
    bare.purge().await?;
    let before = CpuUse::now(stack, &parts);
    let (api_tput, api_failed) = saturate(IN_FLIGHT, config.run_for, post.clone()).await;
    let api_cpu =
        CpuUse::now(stack, &parts).per_op(&before, api_tput * config.run_for.as_secs_f64());
    eprintln!("bench: write latency at {RATE} req/s: bare lapin, then the API…");
    bare.purge().await?;
    let bare_lat = fixed_rate(RATE, config.run_for, publish).await;
    bare.purge().await?;
    let api_lat = fixed_rate(RATE, config.run_for, post).await;
    let purged = bare.purge().await?;
    eprintln!("bench: write: purged the {purged} events it queued");
    stack.consumers[0].start_again()?;

    let failed = |n: u64| {
        if n > 0 {
            format!(" ({n} failed)")
        } else {
            String::new()
        }
    };
    let p99 = |l: &super::rate::Latencies| percentile(&l.sorted, 0.99).as_secs_f64();
    Ok(vec![
        Figure::new(
            "write: throughput, 64 in flight",
            format!("{api_tput:.0} req/s{}", failed(api_failed)),
            format!("{bare_tput:.0} msg/s (bare lapin){}", failed(bare_failed)),
            ratio(api_tput, bare_tput),
            "ratio ≥ 0.8",
        ),
        Figure::new(
            "write: CPU µs per message (throughput runs)",
            api_cpu.describe(),
            bare_cpu.describe(),
            ratio(bare_cpu.total(), api_cpu.total()),
            "the bound on 2 shared cores",
        ),
        Figure::new(
            "write: p50 / p99 at 1,000 req/s",
            format!("{}{}", p50_p99(&api_lat), failed(api_lat.failed as u64)),
            format!(
                "{} (bare lapin){}",
                p50_p99(&bare_lat),
                failed(bare_lat.failed as u64)
            ),
            ratio(p99(&api_lat), p99(&bare_lat)),
            "p99 < 10 ms",
        ),
    ])
}
