//! Deleting an account and everything under it. The order is what keeps a deleted account
//! deleted while its changes may still be queued: the account is marked first (no log-in, its
//! sessions end, and the consumer discards whatever it still gets for it), then its workouts
//! and tombstones go, then the account, its email, sessions and profile. A stop half-way leaves
//! the mark, and the next start (or the retry below) finishes the work.

use std::sync::Arc;
use std::time::Duration;

use service::{AccountStore, Chain, StoreError, WorkoutStore};
use tokio_util::sync::CancellationToken;

/// Removes what the account holds, after its mark.
async fn purge(
    accounts: &dyn AccountStore,
    workouts: &dyn WorkoutStore,
    user_id: &str,
) -> Result<(), StoreError> {
    workouts.delete_user(user_id).await?;
    accounts.finish_deletion(user_id).await
}

/// Whether the account's data is gone now, or will be by a retry in the background.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    Now,
    Later,
}

/// Finishes the deletion of a marked account: at once when the stores answer, otherwise
/// retried in the background with backoff until they do or the server stops.
pub async fn finish(
    accounts: Arc<dyn AccountStore>,
    workouts: Arc<dyn WorkoutStore>,
    user_id: String,
    shutdown: CancellationToken,
) -> Deleted {
    match purge(accounts.as_ref(), workouts.as_ref(), &user_id).await {
        Ok(()) => {
            tracing::info!(user = %user_id, "account deleted");
            Deleted::Now
        }
        Err(e) => {
            tracing::warn!(user = %user_id, error = %Chain(&e), "could not delete the account's data yet; retrying");
            tokio::spawn(retry(accounts, workouts, user_id, shutdown));
            Deleted::Later
        }
    }
}

async fn retry(
    accounts: Arc<dyn AccountStore>,
    workouts: Arc<dyn WorkoutStore>,
    user_id: String,
    shutdown: CancellationToken,
) {
    let mut backoff = backoff();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(backoff.next_delay()) => {}
            _ = shutdown.cancelled() => return,
        }
        match purge(accounts.as_ref(), workouts.as_ref(), &user_id).await {
            Ok(()) => {
                tracing::info!(user = %user_id, "account deleted");
                return;
            }
            Err(e) => {
                tracing::warn!(user = %user_id, error = %Chain(&e), "could not delete the account's data yet; retrying")
            }
        }
    }
}

/// Finishes every deletion a previous run left half-way; retries until the stores answer.
pub fn spawn_resume(
    accounts: Arc<dyn AccountStore>,
    workouts: Arc<dyn WorkoutStore>,
    shutdown: CancellationToken,
) {
    tokio::spawn(async move {
        let mut backoff = backoff();
        let pending = loop {
            match accounts.pending_deletions().await {
                Ok(pending) => break pending,
                Err(e) => {
                    tracing::warn!(error = %Chain(&e), "cannot look for unfinished account deletions yet");
                    tokio::select! {
                        _ = tokio::time::sleep(backoff.next_delay()) => {}
                        _ = shutdown.cancelled() => return,
                    }
                }
            }
        };
        for user_id in pending {
            tracing::info!(user = %user_id, "finishing an account deletion left half-way");
            finish(
                accounts.clone(),
                workouts.clone(),
                user_id,
                shutdown.clone(),
            )
            .await;
        }
    });
}

fn backoff() -> adapters::retry::Forever {
    adapters::retry::forever(Duration::from_secs(1), Duration::from_secs(60))
}
