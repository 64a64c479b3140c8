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
    /// one record.
    async fn upsert(&self, events: &[WorkoutLogged]) -> Result<(), StoreError>;

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
