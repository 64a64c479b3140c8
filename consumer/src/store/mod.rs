//! The read/write store of logged workouts.

pub mod mongo;

use async_trait::async_trait;
use domain::{Cursor, WorkoutLogged};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(String),
    #[error("stored record {id} is unreadable: {reason}")]
    Corrupt { id: String, reason: String },
}

/// One page of a user's history, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub items: Vec<WorkoutLogged>,
    /// Where the next (older) page starts, if there is one.
    pub next: Option<Cursor>,
}

#[async_trait]
pub trait WorkoutStore: Send + Sync + 'static {
    /// Creates what the store needs to answer queries fast; safe to call on every start.
    async fn ensure_indexes(&self) -> Result<(), StoreError>;

    /// Inserts or replaces each event by its id, durably. Writing the same event twice leaves
    /// one record. An id belongs to the user who stored it first: an event whose id is stored
    /// for another user never replaces that workout. Such events are not written, and their
    /// positions in `events` are returned (ascending) for the caller to set aside.
    async fn upsert(&self, events: &[WorkoutLogged]) -> Result<Vec<usize>, StoreError>;

    async fn get(&self, user_id: &str, id: Uuid) -> Result<Option<WorkoutLogged>, StoreError>;

    /// Up to `limit` of the user's workouts older than `before`, newest first.
    async fn list(
        &self,
        user_id: &str,
        limit: usize,
        before: Option<Cursor>,
    ) -> Result<Page, StoreError>;

    /// True when the store answers; used by readiness checks.
    async fn ping(&self) -> Result<(), StoreError>;
}

/// Creates the store's indexes in the background, retrying with backoff until the store
/// answers: the database may be down at start-up, and nothing else has to wait for it.
pub fn spawn_ensure_indexes<S: WorkoutStore + Clone>(store: S) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut backoff = crate::backoff::Backoff::default();
        while let Err(e) = store.ensure_indexes().await {
            tracing::warn!(error = %e, "cannot create indexes yet");
            tokio::time::sleep(backoff.next_delay()).await;
        }
    })
}

/// Splits a fetched `limit + 1` rows into a page and the cursor of its last item.
pub(crate) fn paginate(mut items: Vec<WorkoutLogged>, limit: usize) -> Page {
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|w| Cursor {
            performed_at: w.performed_at,
            id: w.id,
        })
    } else {
        None
    };
    Page { items, next }
}
