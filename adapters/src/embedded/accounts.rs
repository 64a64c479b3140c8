//! Accounts in the embedded redb file, beside the workouts: accounts by id, an email → id
//! table that makes emails unique, sessions by id and a (user, session) table for ending all
//! of a user's sessions at once.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use async_trait::async_trait;
use redb::{ReadableTable, TableDefinition};

use super::handle::{store_err, Db};
use serde::de::DeserializeOwned;

use domain::bodyweight::Weighing;
use domain::profile::Profile;
use service::{
    Account, AccountError, AccountStore, ProfileStore, Session, SessionStore, StoreError,
};

pub(crate) const ACCOUNTS: TableDefinition<&str, &[u8]> = TableDefinition::new("accounts");
pub(crate) const EMAILS: TableDefinition<&str, &str> = TableDefinition::new("account_emails");
pub(crate) const SESSIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("sessions");
/// User id → the profile as JSON.
pub(crate) const PROFILES: TableDefinition<&str, &[u8]> = TableDefinition::new("profiles");
/// (user id, day as YYYY-MM-DD) → kilograms: a user's weighings, in order of day.
pub(crate) const BODYWEIGHT: TableDefinition<(&str, &str), f64> =
    TableDefinition::new("bodyweight");
pub(crate) const SESSIONS_BY_USER: TableDefinition<(&str, &str), ()> =
    TableDefinition::new("sessions_by_user");

#[derive(Clone)]
pub struct EmbeddedAccounts {
    pub(crate) db: Arc<Db>,
}

/// redb fails only when the disk or the file does: an I/O failure passes once the file is
/// reopened, anything else will not.
fn err(e: impl Into<service::BoxError>) -> StoreError {
    store_err(e)
}

fn decode<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::corrupt(key.to_owned(), e))
}

impl EmbeddedAccounts {
    async fn read<T: DeserializeOwned + Send + 'static>(
        &self,
        table: TableDefinition<'static, &'static str, &'static [u8]>,
        key: String,
    ) -> Result<Option<T>, StoreError> {
        self.db
            .run::<_, StoreError>(move |db| {
                let txn = db.begin_read().map_err(err)?;
                let table = txn.open_table(table).map_err(err)?;
                let found = table.get(key.as_str()).map_err(err)?;
                found.map(|v| decode(&key, v.value())).transpose()
            })
            .await
    }
}

#[async_trait]
impl AccountStore for EmbeddedAccounts {
    async fn create_account(&self, account: &Account) -> Result<(), AccountError> {
        let account = account.clone();
        let created = self
            .db
            .run::<_, StoreError>(move |db| {
                let txn = db.begin_write().map_err(err)?;
                {
                    let mut emails = txn.open_table(EMAILS).map_err(err)?;
                    if emails.get(account.email.as_str()).map_err(err)?.is_some() {
                        return Ok(false);
                    }
                    emails
                        .insert(account.email.as_str(), account.id.as_str())
                        .map_err(err)?;
                    let body = serde_json::to_vec(&account).map_err(err)?;
                    txn.open_table(ACCOUNTS)
                        .map_err(err)?
                        .insert(account.id.as_str(), body.as_slice())
                        .map_err(err)?;
                }
                txn.commit().map_err(err)?;
                Ok(true)
            })
            .await?;
        if created {
            Ok(())
        } else {
            Err(AccountError::EmailTaken)
        }
    }

    async fn account_by_email(&self, email: &str) -> Result<Option<Account>, StoreError> {
        let email = email.to_owned();
        let id = self
            .db
            .run::<_, StoreError>(move |db| {
                let txn = db.begin_read().map_err(err)?;
                let emails = txn.open_table(EMAILS).map_err(err)?;
                let id = emails
                    .get(email.as_str())
                    .map_err(err)?
                    .map(|v| v.value().to_owned());
                Ok(id)
            })
            .await?;
        match id {
            Some(id) => self.account(&id).await,
            None => Ok(None),
        }
    }

    async fn account(&self, id: &str) -> Result<Option<Account>, StoreError> {
        self.read(ACCOUNTS, id.to_owned()).await
    }

    async fn set_password(&self, id: &str, password_hash: &str) -> Result<(), StoreError> {
        let (id, hash) = (id.to_owned(), password_hash.to_owned());
        self.db
            .run::<_, StoreError>(move |db| {
                let txn = db.begin_write().map_err(err)?;
                {
                    let mut accounts = txn.open_table(ACCOUNTS).map_err(err)?;
                    let mut account: Account = match accounts.get(id.as_str()).map_err(err)? {
                        Some(v) => decode(&id, v.value())?,
                        None => return Err(err(format!("no account {id}"))),
                    };
                    account.password_hash = hash;
                    let body = serde_json::to_vec(&account).map_err(err)?;
                    accounts.insert(id.as_str(), body.as_slice()).map_err(err)?;
                    end_sessions(&txn, &id)?;
                }
                txn.commit().map_err(err)
            })
            .await
    }

    async fn begin_deletion(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.db
            .run::<_, StoreError>(move |db| {
                let txn = db.begin_write().map_err(err)?;
                {
                    let mut accounts = txn.open_table(ACCOUNTS).map_err(err)?;
                    let found: Option<Account> = accounts
                        .get(id.as_str())
                        .map_err(err)?
                        .map(|v| decode(&id, v.value()))
                        .transpose()?;
                    if let Some(mut account) = found {
                        account.deleting_since.get_or_insert(at);
                        let body = serde_json::to_vec(&account).map_err(err)?;
                        accounts.insert(id.as_str(), body.as_slice()).map_err(err)?;
                    }
                }
                end_sessions(&txn, &id)?;
                txn.commit().map_err(err)
            })
            .await
    }

    async fn all_ids(&self) -> Result<Vec<String>, StoreError> {
        self.db
            .run::<_, StoreError>(move |db| {
                let txn = db.begin_read().map_err(err)?;
                let accounts = txn.open_table(ACCOUNTS).map_err(err)?;
                let mut out = Vec::new();
                for row in accounts.iter().map_err(err)? {
                    out.push(row.map_err(err)?.0.value().to_owned());
                }
                Ok(out)
            })
            .await
    }

    async fn pending_deletions(&self) -> Result<Vec<String>, StoreError> {
        self.db
            .run::<_, StoreError>(move |db| {
                let txn = db.begin_read().map_err(err)?;
                let accounts = txn.open_table(ACCOUNTS).map_err(err)?;
                let mut out = Vec::new();
                for row in accounts.iter().map_err(err)? {
                    let (id, body) = row.map_err(err)?;
                    let account: Account = decode(id.value(), body.value())?;
                    if account.deleting_since.is_some() {
                        out.push(account.id);
                    }
                }
                Ok(out)
            })
            .await
    }

    async fn finish_deletion(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.db
            .run::<_, StoreError>(move |db| {
                let txn = db.begin_write().map_err(err)?;
                end_sessions(&txn, &id)?;
                {
                    let mut accounts = txn.open_table(ACCOUNTS).map_err(err)?;
                    let removed: Option<Account> = accounts
                        .remove(id.as_str())
                        .map_err(err)?
                        .map(|v| decode(&id, v.value()))
                        .transpose()?;
                    if let Some(account) = removed {
                        let mut emails = txn.open_table(EMAILS).map_err(err)?;
                        // The email is released only if it still names this account.
                        let owner = emails
                            .get(account.email.as_str())
                            .map_err(err)?
                            .map(|v| v.value().to_owned());
                        if owner.as_deref() == Some(id.as_str()) {
                            emails.remove(account.email.as_str()).map_err(err)?;
                        }
                    }
                }
                forget_in(&txn, &id)?;
                txn.commit().map_err(err)
            })
            .await
    }

    async fn active(&self, ids: &[String]) -> Result<HashSet<String>, StoreError> {
        let ids = ids.to_vec();
        self.db
            .run::<_, StoreError>(move |db| {
                let txn = db.begin_read().map_err(err)?;
                let accounts = txn.open_table(ACCOUNTS).map_err(err)?;
                let mut out = HashSet::new();
                for id in ids {
                    let found: Option<Account> = accounts
                        .get(id.as_str())
                        .map_err(err)?
                        .map(|v| decode(&id, v.value()))
                        .transpose()?;
                    if found.is_some_and(|a| a.deleting_since.is_none()) {
                        out.insert(id);
                    }
                }
                Ok(out)
            })
            .await
    }
}

/// Removes every session of the user.
fn end_sessions(txn: &redb::WriteTransaction, id: &str) -> Result<(), StoreError> {
    let mut by_user = txn.open_table(SESSIONS_BY_USER).map_err(err)?;
    let mut sessions = txn.open_table(SESSIONS).map_err(err)?;
    let mut ids = Vec::new();
    for entry in by_user.range((id, "")..).map_err(err)? {
        let (key, _) = entry.map_err(err)?;
        let (user, session) = key.value();
        if user != id {
            break;
        }
        ids.push(session.to_owned());
    }
    for session in &ids {
        sessions.remove(session.as_str()).map_err(err)?;
        by_user.remove((id, session.as_str())).map_err(err)?;
    }
    Ok(())
}

#[async_trait]
impl SessionStore for EmbeddedAccounts {
    async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        let session = session.clone();
        self.db
            .run::<_, StoreError>(move |db| {
                let txn = db.begin_write().map_err(err)?;
                {
                    let body = serde_json::to_vec(&session).map_err(err)?;
                    txn.open_table(SESSIONS)
                        .map_err(err)?
                        .insert(session.id.as_str(), body.as_slice())
                        .map_err(err)?;
                    txn.open_table(SESSIONS_BY_USER)
                        .map_err(err)?
                        .insert((session.user_id.as_str(), session.id.as_str()), ())
                        .map_err(err)?;
                }
                txn.commit().map_err(err)
            })
            .await
    }

    async fn session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        self.read(SESSIONS, id.to_owned()).await
    }

    async fn delete_session(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.db
            .run::<_, StoreError>(move |db| {
                let txn = db.begin_write().map_err(err)?;
                {
                    let mut sessions = txn.open_table(SESSIONS).map_err(err)?;
                    let removed: Option<Session> = sessions
                        .remove(id.as_str())
                        .map_err(err)?
                        .map(|v| decode(&id, v.value()))
                        .transpose()?;
                    if let Some(s) = removed {
                        txn.open_table(SESSIONS_BY_USER)
                            .map_err(err)?
                            .remove((s.user_id.as_str(), id.as_str()))
                            .map_err(err)?;
                    }
                }
                txn.commit().map_err(err)
            })
            .await
    }
}

#[async_trait]
impl ProfileStore for EmbeddedAccounts {
    async fn profile(&self, user_id: &str) -> Result<Option<Profile>, StoreError> {
        let found: Option<Profile> = self.read(PROFILES, user_id.to_owned()).await?;
        crate::documents_read("profiles", usize::from(found.is_some()));
        Ok(found)
    }

    async fn put_profile(&self, user_id: &str, profile: &Profile) -> Result<(), StoreError> {
        let id = user_id.to_owned();
        let body = serde_json::to_vec(profile).map_err(err)?;
        self.db
            .run::<_, StoreError>(move |db| {
                let txn = db.begin_write().map_err(err)?;
                txn.open_table(PROFILES)
                    .map_err(err)?
                    .insert(id.as_str(), body.as_slice())
                    .map_err(err)?;
                txn.commit().map_err(err)
            })
            .await
    }

    async fn weighings(&self, user_id: &str) -> Result<Vec<Weighing>, StoreError> {
        let id = user_id.to_owned();
        self.db
            .run::<_, StoreError>(move |db| {
                let txn = db.begin_read().map_err(err)?;
                let table = txn.open_table(BODYWEIGHT).map_err(err)?;
                let mut out = Vec::new();
                // Keys sort by user, then day: the user's rows run from (id, "") to the
                // first row of another user, as `user_keys` reads them.
                for row in table.range((id.as_str(), "")..).map_err(err)? {
                    let (key, kg) = row.map_err(err)?;
                    let (owner, day) = key.value();
                    if owner != id {
                        break;
                    }
                    let date = day
                        .parse::<NaiveDate>()
                        .map_err(|e| StoreError::corrupt(format!("{id} {day}"), e))?;
                    out.push(Weighing {
                        date,
                        kg: kg.value(),
                    });
                }
                crate::documents_read("bodyweight", out.len());
                Ok(out)
            })
            .await
    }

    async fn put_weighing(&self, user_id: &str, weighing: &Weighing) -> Result<(), StoreError> {
        let (id, day, kg) = (user_id.to_owned(), weighing.date.to_string(), weighing.kg);
        self.db
            .run::<_, StoreError>(move |db| {
                let txn = db.begin_write().map_err(err)?;
                txn.open_table(BODYWEIGHT)
                    .map_err(err)?
                    .insert((id.as_str(), day.as_str()), kg)
                    .map_err(err)?;
                txn.commit().map_err(err)
            })
            .await
    }

    async fn forget(&self, user_id: &str) -> Result<(), StoreError> {
        let id = user_id.to_owned();
        self.db
            .run::<_, StoreError>(move |db| {
                let txn = db.begin_write().map_err(err)?;
                forget_in(&txn, &id)?;
                txn.commit().map_err(err)
            })
            .await
    }

    async fn delete_weighing(&self, user_id: &str, date: NaiveDate) -> Result<bool, StoreError> {
        let (id, day) = (user_id.to_owned(), date.to_string());
        self.db
            .run::<_, StoreError>(move |db| {
                let txn = db.begin_write().map_err(err)?;
                let removed = txn
                    .open_table(BODYWEIGHT)
                    .map_err(err)?
                    .remove((id.as_str(), day.as_str()))
                    .map_err(err)?
                    .is_some();
                txn.commit().map_err(err)?;
                Ok(removed)
            })
            .await
    }
}

/// Removes `id`'s profile, weighings and read model inside `txn`.
fn forget_in(txn: &redb::WriteTransaction, id: &str) -> Result<(), StoreError> {
    super::read_model_tables::forget_model_in(txn, id)?;
    txn.open_table(PROFILES)
        .map_err(err)?
        .remove(id)
        .map_err(err)?;
    let mut weighings = txn.open_table(BODYWEIGHT).map_err(err)?;
    for day in super::user_keys(&weighings, id).map_err(err)? {
        weighings.remove((id, day.as_str())).map_err(err)?;
    }
    Ok(())
}
