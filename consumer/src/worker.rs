//! Moves workout changes from a queue into a store: decode, check, apply the batch, discard
//! what belongs to deleted accounts, mark the batch's users' read models stale, then
//! acknowledge. A message is acknowledged only after all of that succeeded, so a crash at any
//! point redelivers it, and the store's rules (the largest revision wins, a delete is final)
//! make the redelivery harmless in any order.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use domain::WorkoutChange;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use adapters::retry;
use service::{
    AccountStore, Chain, Delivery, EventSource, QueueError, ReadModelStore, StoreError,
    WorkoutStore,
};

/// Histogram buckets for `ironlog_consumer_batch_size` (messages per batch).
pub const BATCH_SIZE_BUCKETS: &[f64] =
    &[1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0];

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// The most messages written in one store round trip.
    pub max_batch: usize,
    /// The shortest and longest wait between attempts while the store is failing (jittered).
    pub store_backoff: (Duration, Duration),
    /// Notified after a batch marked read models stale: the projector of this process, if
    /// it runs beside the worker.
    pub wake: Option<Arc<Notify>>,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            max_batch: 256,
            store_backoff: (Duration::from_millis(100), Duration::from_secs(2)),
            wake: None,
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

/// The change in a message, or why the message can never be processed (it then goes to the
/// dead letters).
fn decode(delivery: &Delivery) -> Result<WorkoutChange, String> {
    let event = WorkoutChange::decode(&delivery.body).map_err(|e| format!("undecodable: {e}"))?;
    let problems = event.problems(Utc::now());
    if problems.is_empty() {
        Ok(event)
    } else {
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        Err(format!("invalid: {}", list.join("; ")))
    }
}

/// Writes the batch, then removes whatever it wrote for accounts that are gone or being
/// deleted. Deleting an account marks it first and deletes its workouts after; this writes
/// first and looks at the accounts after. So either this sees the mark and deletes the
/// user's workouts itself, or it looked before the mark, which means its write came before
/// the deletion's and was deleted with the rest: nothing queued for a deleted account
/// survives, whichever order the two run in.
///
/// Last, the active users' read models are marked stale: after the write, so a projector that
/// sees the new generation reads a history that holds the batch.
async fn write<D: WorkoutStore + ?Sized, A: AccountStore + ?Sized, M: ReadModelStore + ?Sized>(
    store: &D,
    accounts: &A,
    models: &M,
    changes: &[WorkoutChange],
) -> Result<usize, StoreError> {
    store.apply(changes).await?;
    let mut users: Vec<String> = changes.iter().map(|c| c.user_id().to_owned()).collect();
    users.sort_unstable();
    users.dedup();
    let active = accounts.active(&users).await?;
    let mut discarded = 0;
    for user in users.iter().filter(|u| !active.contains(*u)) {
        store.delete_user(user).await?;
        let n = changes.iter().filter(|c| c.user_id() == user).count();
        tracing::info!(changes = n, "discarded changes of an account that is gone");
        discarded += n;
    }
    let kept: Vec<String> = users.into_iter().filter(|u| active.contains(u)).collect();
    models.mark_stale(&kept).await?;
    Ok(discarded)
}

/// Consumes until shutdown or a queue error.
pub async fn run<
    S: EventSource + ?Sized,
    D: WorkoutStore + ?Sized,
    A: AccountStore + ?Sized,
    M: ReadModelStore + ?Sized,
>(
    source: &mut S,
    store: &D,
    accounts: &A,
    models: &M,
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

        // One change per (user, id), the store's key: the one that would win across batches.
        // Queue order is kept otherwise: ids are time-ordered, so the database appends to its
        // indexes instead of scattering.
        let mut events: Vec<WorkoutChange> = Vec::with_capacity(batch.len());
        let mut tags: Vec<Vec<u64>> = Vec::with_capacity(batch.len());
        let mut position: HashMap<(String, uuid::Uuid), usize> =
            HashMap::with_capacity(batch.len());
        for delivery in &batch {
            match decode(delivery) {
                Ok(event) => match position.entry((event.user_id().to_owned(), event.id())) {
                    Entry::Occupied(at) => {
                        let i = *at.get();
                        if event.supersedes(&events[i]) {
                            events[i] = event;
                        }
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
            match write(store, accounts, models, &events).await {
                Ok(discarded) => {
                    if let Some(wake) = &config.wake {
                        wake.notify_one();
                    }
                    if discarded > 0 {
                        metrics::counter!("ironlog_consumer_discarded_total")
                            .increment(discarded as u64);
                    }
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
