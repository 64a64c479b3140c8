//! Accounts and their sessions: who may use Ironlog, and which browser is whom. Stored beside
//! the workouts (MongoDB, or the embedded redb file). Only sign-up, log-in, log-out and
//! password changes touch this store; the write path validates sessions from the server's
//! cache and never waits for it.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::StoreError;
use domain::bodyweight::Weighing;
use domain::profile::Profile;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Stable and opaque (a UUID v7); workouts are stored under it.
    pub id: String,
    /// Normalized: trimmed and lowercased.
    pub email: String,
    /// An argon2id hash in PHC string form.
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
    /// Set when its owner asked to delete it: it can no longer log in, and whatever the queue
    /// still carries for it is discarded. Cleared only by removing the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleting_since: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The SHA-256 of the token in the cookie, hex: a copy of the store does not hold tokens.
    pub id: String,
    pub user_id: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[async_trait]
pub trait AccountStore: Send + Sync + 'static {
    /// Stores a new account; `EmailTaken` when its email is in use.
    async fn create_account(&self, account: &Account) -> Result<(), AccountError>;

    async fn account_by_email(&self, email: &str) -> Result<Option<Account>, StoreError>;

    async fn account(&self, id: &str) -> Result<Option<Account>, StoreError>;

    /// Replaces the password hash and ends every session of the account.
    async fn set_password(&self, id: &str, password_hash: &str) -> Result<(), StoreError>;

    /// The first step of deleting an account: marks it (`deleting_since`) and ends its
    /// sessions, so it can no longer log in and [`AccountStore::active`] leaves it out. Its
    /// workouts are deleted next, and [`AccountStore::finish_deletion`] removes the rest.
    async fn begin_deletion(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError>;

    /// The id of every account, for a rebuild of every user's read model.
    async fn all_ids(&self) -> Result<Vec<String>, StoreError>;

    /// Accounts marked for deletion and not yet removed (a stop half-way).
    async fn pending_deletions(&self) -> Result<Vec<String>, StoreError>;

    /// Removes the account, its email, its sessions and its profile; call once its workouts
    /// are gone. Removing an account that is not there is not an error.
    async fn finish_deletion(&self, id: &str) -> Result<(), StoreError>;

    /// Of `ids`, those of accounts that exist and are not being deleted. Read from the
    /// primary: the consumer relies on it seeing a deletion that has begun.
    async fn active(&self, ids: &[String])
        -> Result<std::collections::HashSet<String>, StoreError>;
}

#[async_trait]
pub trait SessionStore: Send + Sync + 'static {
    async fn create_session(&self, session: &Session) -> Result<(), StoreError>;

    /// The session, if it exists (expired ones may still be returned: callers check).
    async fn session(&self, id: &str) -> Result<Option<Session>, StoreError>;

    async fn delete_session(&self, id: &str) -> Result<(), StoreError>;
}

#[async_trait]
pub trait ProfileStore: Send + Sync + 'static {
    /// The user's training settings, own exercises and programs, if they saved any.
    async fn profile(&self, user_id: &str) -> Result<Option<Profile>, StoreError>;

    /// Replaces the user's profile (already validated).
    async fn put_profile(&self, user_id: &str, profile: &Profile) -> Result<(), StoreError>;

    /// The user's bodyweight log, oldest first.
    async fn weighings(&self, user_id: &str) -> Result<Vec<Weighing>, StoreError>;

    /// Records the weighing of its day (already validated), replacing one already there.
    async fn put_weighing(&self, user_id: &str, weighing: &Weighing) -> Result<(), StoreError>;

    /// Removes the weighing of `date`; false when there was none.
    async fn delete_weighing(&self, user_id: &str, date: NaiveDate) -> Result<bool, StoreError>;

    /// Removes the user's profile and weighings: what a write that raced the account's
    /// deletion left behind.
    async fn forget(&self, user_id: &str) -> Result<(), StoreError>;
}
