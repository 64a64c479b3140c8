//! The read/write store of logged workouts.

use async_trait::async_trait;
use domain::{Cursor, WorkoutChange, WorkoutLogged};
use uuid::Uuid;

use crate::StoreError;

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

    /// Applies each change by its key, durably: the user and the workout id together, so ids
    /// are scoped per user (two users' workouts with one id are two records, neither aware of
    /// the other). The result never depends on the order changes arrive in:
    /// - a save is kept unless the workout is deleted or stored with a larger revision (the
    ///   same revision again replaces it: it is the same change, sent again);
    /// - a delete removes the workout and leaves a tombstone under its key, so no save, older
    ///   or late, brings it back. Tombstones stay until the account is deleted.
    async fn apply(&self, changes: &[WorkoutChange]) -> Result<(), StoreError>;

    /// Applies each event as a save: for seeding a history.
    async fn save(&self, events: &[WorkoutLogged]) -> Result<(), StoreError> {
        let changes: Vec<WorkoutChange> =
            events.iter().cloned().map(WorkoutChange::Saved).collect();
        self.apply(&changes).await
    }

    /// Removes every workout and tombstone of the user.
    async fn delete_user(&self, user_id: &str) -> Result<(), StoreError>;

    /// The ids of the user's deleted workouts (their tombstones): a save of one is dropped.
    async fn deleted_ids(
        &self,
        user_id: &str,
    ) -> Result<std::collections::HashSet<Uuid>, StoreError>;

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
impl Page {
    /// Splits `limit + 1` fetched rows into a page and the cursor of its last item: the extra
    /// row only tells that another page exists.
    pub fn from_overfetch(mut items: Vec<WorkoutLogged>, limit: usize) -> Self {
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
}

/// Every workout of the user, oldest first, read a page at a time.
pub(crate) async fn whole_history(
    workouts: &dyn WorkoutStore,
    user: &str,
) -> Result<Vec<WorkoutLogged>, StoreError> {
    let mut all = Vec::new();
    let mut before = None;
    loop {
        let page = workouts
            .list(user, domain::cursor::MAX_PAGE, before)
            .await?;
        all.extend(page.items);
        match page.next {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    all.reverse();
    Ok(all)
}
