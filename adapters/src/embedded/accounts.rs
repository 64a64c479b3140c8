//! Accounts in the embedded redb file, beside the workouts: accounts by id, an email → id
//! table that makes emails unique, sessions by id and a (user, session) table for ending all
//! of a user's sessions at once.

use std::sync::Arc;

use async_trait::async_trait;
use redb::{ReadableTable, TableDefinition};

use super::handle::{store_err, Db};
use serde::de::DeserializeOwned;

use domain::profile::Profile;
use service::{
    Account, AccountError, AccountStore, ProfileStore, Session, SessionStore, StoreError,
};

pub(crate) const ACCOUNTS: TableDefinition<&str, &[u8]> = TableDefinition::new("accounts");
pub(crate) const EMAILS: TableDefinition<&str, &str> = TableDefinition::new("account_emails");
pub(crate) const SESSIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("sessions");
/// User id → the profile as JSON.
pub(crate) const PROFILES: TableDefinition<&str, &[u8]> = TableDefinition::new("profiles");
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
                    let mut by_user = txn.open_table(SESSIONS_BY_USER).map_err(err)?;
                    let mut sessions = txn.open_table(SESSIONS).map_err(err)?;
                    let ids: Vec<String> = by_user
                        .range((id.as_str(), "")..)
                        .map_err(err)?
                        .map_while(|entry| {
                            let (key, _) = entry.ok()?;
                            let (user, session) = key.value();
                            (user == id).then(|| session.to_owned())
                        })
                        .collect();
                    for session in &ids {
                        sessions.remove(session.as_str()).map_err(err)?;
                        by_user
                            .remove((id.as_str(), session.as_str()))
                            .map_err(err)?;
                    }
                }
                txn.commit().map_err(err)
            })
            .await
    }
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
        self.read(PROFILES, user_id.to_owned()).await
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
}
