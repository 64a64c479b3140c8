//! Moves logged workouts from a queue into a store: decode, check, upsert the batch, then
//! acknowledge. A message is acknowledged only after its write succeeded, so a crash at any
//! point redelivers it, and the upsert by id makes the redelivery harmless.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use domain::WorkoutLogged;
use tokio_util::sync::CancellationToken;

use adapters::retry;
use service::{Chain, Delivery, EventSource, QueueError, WorkoutStore};

/// Histogram buckets for `ironlog_consumer_batch_size` (messages per batch).
pub const BATCH_SIZE_BUCKETS: &[f64] =
    &[1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0];

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// The most messages written in one store round trip.
    pub max_batch: usize,
    /// The shortest and longest wait between attempts while the store is failing (jittered).
    pub store_backoff: (Duration, Duration),
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            max_batch: 256,
            store_backoff: (Duration::from_millis(100), Duration::from_secs(2)),
        }
    }
}

/// Why [`run`] returned.
#[derive(Debug)]
pub enum Stopped {
    /// Shutdown was requested; everything taken from the queue was persisted and acknowledged,
    /// or left unacknowledged for redelivery.
    Shutdown,
    /// The queue failed; the caller reconnects and calls [`run`] again.
    Queue(QueueError),
}

/// The event in a message, or why the message can never be processed (it then goes to the
/// dead letters).
fn decode(delivery: &Delivery) -> Result<WorkoutLogged, String> {
    let event: WorkoutLogged =
        serde_json::from_slice(&delivery.body).map_err(|e| format!("undecodable: {e}"))?;
    let problems = event.problems(Utc::now());
    if problems.is_empty() {
        Ok(event)
    } else {
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        Err(format!("invalid: {}", list.join("; ")))
    }
}

/// Consumes until shutdown or a queue error.
pub async fn run<S: EventSource + ?Sized, D: WorkoutStore + ?Sized>(
    source: &mut S,
    store: &D,
    config: &WorkerConfig,
    shutdown: &CancellationToken,
) -> Stopped {
    let (min_wait, max_wait) = config.store_backoff;
    let mut backoff = retry::forever(min_wait, max_wait);
    loop {
        let batch = tokio::select! {
            b = source.next_batch(config.max_batch) => b,
            _ = shutdown.cancelled() => return Stopped::Shutdown,
        };
        let batch = match batch {
            Ok(b) => b,
            Err(e) => return Stopped::Queue(e),
        };
        metrics::histogram!("ironlog_consumer_batch_size").record(batch.len() as f64);
        let redelivered = batch.iter().filter(|d| d.redelivered).count();
        if redelivered > 0 {
            metrics::counter!("ironlog_consumer_redeliveries_total").increment(redelivered as u64);
        }

        // Last write wins within a batch, as it would across batches, per (user, id): the
        // store's key. Queue order is kept:
        // ids are time-ordered, so the database appends to its indexes instead of scattering.
        let mut events: Vec<WorkoutLogged> = Vec::with_capacity(batch.len());
        let mut tags: Vec<Vec<u64>> = Vec::with_capacity(batch.len());
        let mut position: HashMap<(String, uuid::Uuid), usize> =
            HashMap::with_capacity(batch.len());
        for delivery in &batch {
            match decode(delivery) {
                Ok(event) => match position.entry((event.user_id.clone(), event.id)) {
                    Entry::Occupied(at) => {
                        let i = *at.get();
                        events[i] = event;
                        tags[i].push(delivery.tag);
                    }
                    Entry::Vacant(slot) => {
                        slot.insert(events.len());
                        events.push(event);
                        tags.push(vec![delivery.tag]);
                    }
                },
                Err(reason) => {
                    tracing::warn!(tag = delivery.tag, %reason, "dead-lettering a message that can never be stored");
                    if let Err(e) = source.reject(delivery.tag).await {
                        return Stopped::Queue(e);
                    }
                    metrics::counter!("ironlog_consumer_dead_lettered_total").increment(1);
                }
            }
        }
        if events.is_empty() {
            continue;
        }

        // Keep the messages unacknowledged while the store is down: they stay safe in the queue.
        loop {
            match store.upsert(&events).await {
                Ok(()) => {
                    backoff = retry::forever(min_wait, max_wait);
                    break;
                }
                Err(e) => {
                    metrics::counter!("ironlog_consumer_db_errors_total").increment(1);
                    let delay = backoff.next_delay();
                    tracing::warn!(error = %Chain(&e), retry_in = ?delay, batch = events.len(), "store write failed; will retry");
                    tokio::select! {
                        _ = tokio::time::sleep(delay) => {}
                        _ = shutdown.cancelled() => return Stopped::Shutdown,
                    }
                }
            }
        }
        let stored: Vec<u64> = tags.into_iter().flatten().collect();
        if let Err(e) = source.ack(&stored).await {
            return Stopped::Queue(e);
        }
        metrics::counter!("ironlog_consumer_persisted_total").increment(stored.len() as u64);
    }
}
