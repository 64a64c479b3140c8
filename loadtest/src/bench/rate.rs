//! Two ways to drive an operation: open loop at a fixed rate (latency measured from when each
//! operation was due, so a stall counts against every operation it delayed), and closed loop
//! with a fixed number in flight (throughput).

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::load::open_loop;

/// Latencies of the successful operations, sorted, and the number that failed.
pub struct Latencies {
    pub sorted: Vec<Duration>,
    pub failed: usize,
}

pub async fn fixed_rate<F, Fut>(rate: f64, duration: Duration, op: F) -> Latencies
where
    F: Fn(u64) -> Fut,
    Fut: Future<Output = bool> + Send + 'static,
{
    let start = Instant::now();
    let results = open_loop(
        start,
        rate,
        |t| t < duration,
        |i, scheduled| {
            let fut = op(i);
            async move {
                let ok = fut.await;
                (ok, (start + scheduled).elapsed())
            }
        },
    )
    .await;
    let mut sorted = Vec::with_capacity(results.len());
    let mut failed = 0;
    for result in results {
        match result {
            Some((true, took)) => sorted.push(took),
            _ => failed += 1,
        }
    }
    sorted.sort();
    Latencies { sorted, failed }
}

/// Operations completed per second with `concurrency` always in flight, and the failures.
pub async fn saturate<F, Fut>(concurrency: usize, duration: Duration, op: F) -> (f64, u64)
where
    F: Fn(u64) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = bool> + Send + 'static,
{
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (op, ok, failed, next) = (op.clone(), ok.clone(), failed.clone(), next.clone());
            tokio::spawn(async move {
                while start.elapsed() < duration {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if op(i).await {
                        ok.fetch_add(1, Ordering::Relaxed);
                    } else {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.await;
    }
    let elapsed = start.elapsed().as_secs_f64();
    (
        ok.load(Ordering::Relaxed) as f64 / elapsed,
        failed.load(Ordering::Relaxed),
    )
}
