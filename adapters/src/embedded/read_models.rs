//! Read models in the embedded redb file: one row per user with its generation and the model
//! last built, and the set of users whose row is stale. A redb write transaction is the
//! only writer while it runs, so raising a generation and storing a model at one never
//! interleave.

use async_trait::async_trait;
use domain::read_model::ReadModel;
use redb::{ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use service::read_model::{ReadModelStore, StoredModel};
use service::StoreError;

use super::accounts::EmbeddedAccounts;
use super::handle::store_err;

/// User id → [`Row`] as JSON.
pub(crate) const READ_MODELS: TableDefinition<&str, &[u8]> = TableDefinition::new("read_models");
/// The users whose row is stale (its generation is past the one its model was built at).
pub(crate) const STALE: TableDefinition<&str, ()> = TableDefinition::new("read_models_stale");

#[derive(Serialize, Deserialize, Default)]
struct Row {
    generation: u64,
    built_at: u64,
    model: Option<ReadModel>,
}

fn err(e: impl Into<service::BoxError>) -> StoreError {
    store_err(e)
}

fn decode(user: &str, bytes: &[u8]) -> Result<Row, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::corrupt(user.to_owned(), e))
}

/// Raises `user`'s generation inside `txn`, creating the row.
fn raise(txn: &redb::WriteTransaction, user: &str) -> Result<(), StoreError> {
    let mut rows = txn.open_table(READ_MODELS).map_err(err)?;
    let mut row = match rows.get(user).map_err(err)? {
        Some(v) => decode(user, v.value())?,
        None => Row::default(),
    };
    row.generation += 1;
    let body = serde_json::to_vec(&row).map_err(err)?;
    rows.insert(user, body.as_slice()).map_err(err)?;
    txn.open_table(STALE)
        .map_err(err)?
        .insert(user, ())
        .map_err(err)?;
    Ok(())
}

/// Removes `user`'s row inside `txn`.
pub(crate) fn forget_model_in(txn: &redb::WriteTransaction, user: &str) -> Result<(), StoreError> {
    txn.open_table(READ_MODELS)
        .map_err(err)?
        .remove(user)
        .map_err(err)?;
    txn.open_table(STALE)
        .map_err(err)?
        .remove(user)
        .map_err(err)?;
    Ok(())
}

#[async_trait]
impl ReadModelStore for EmbeddedAccounts {
    async fn mark_stale(&self, users: &[String]) -> Result<(), StoreError> {
        if users.is_empty() {
            return Ok(());
        }
        let users = users.to_vec();
        self.db
            .run::<_, StoreError>(move |db| {
                let txn = db.begin_write().map_err(err)?;
                for user in &users {
                    raise(&txn, user)?;
                }
                txn.commit().map_err(err)
            })
            .await
    }

    async fn mark_outdated(&self, version: Option<u32>) -> Result<u64, StoreError> {
        self.db
            .run::<_, StoreError>(move |db| {
                let txn = db.begin_write().map_err(err)?;
                let mut outdated = Vec::new();
                {
                    let rows = txn.open_table(READ_MODELS).map_err(err)?;
                    for entry in rows.iter().map_err(err)? {
                        let (user, body) = entry.map_err(err)?;
                        let row = decode(user.value(), body.value())?;
                        let built_by = row.model.as_ref().map(|m| m.version);
                        if version.is_none() || built_by != version {
                            outdated.push(user.value().to_owned());
                        }
                    }
                }
                for user in &outdated {
                    raise(&txn, user)?;
                }
                txn.commit().map_err(err)?;
                Ok(outdated.len() as u64)
            })
            .await
    }

    async fn stale_users(&self, limit: usize) -> Result<Vec<String>, StoreError> {
        self.db
            .run::<_, StoreError>(move |db| {
                let txn = db.begin_read().map_err(err)?;
                let stale = txn.open_table(STALE).map_err(err)?;
                let mut out = Vec::new();
                for entry in stale.iter().map_err(err)?.take(limit) {
                    out.push(entry.map_err(err)?.0.value().to_owned());
                }
                Ok(out)
            })
            .await
    }

    async fn stored_model(&self, user: &str) -> Result<Option<StoredModel>, StoreError> {
        let user = user.to_owned();
        self.db
            .run::<_, StoreError>(move |db| {
                let txn = db.begin_read().map_err(err)?;
                let rows = txn.open_table(READ_MODELS).map_err(err)?;
                let found = rows.get(user.as_str()).map_err(err)?;
                crate::documents_read("read_models", usize::from(found.is_some()));
                found
                    .map(|v| {
                        decode(&user, v.value()).map(|row| StoredModel {
                            generation: row.generation,
                            built_at: row.built_at,
                            model: row.model,
                        })
                    })
                    .transpose()
            })
            .await
    }

    async fn put_model(
        &self,
        user: &str,
        generation: u64,
        model: &ReadModel,
    ) -> Result<bool, StoreError> {
        let user = user.to_owned();
        let model = model.clone();
        self.db
            .run::<_, StoreError>(move |db| {
                let txn = db.begin_write().map_err(err)?;
                let stored = {
                    let mut rows = txn.open_table(READ_MODELS).map_err(err)?;
                    let current = match rows.get(user.as_str()).map_err(err)? {
                        Some(v) => Some(decode(&user, v.value())?),
                        None => None,
                    };
                    match current {
                        Some(row) if row.generation == generation => {
                            let row = Row {
                                generation,
                                built_at: generation,
                                model: Some(model),
                            };
                            let body = serde_json::to_vec(&row).map_err(err)?;
                            rows.insert(user.as_str(), body.as_slice()).map_err(err)?;
                            true
                        }
                        _ => false,
                    }
                };
                if stored {
                    txn.open_table(STALE)
                        .map_err(err)?
                        .remove(user.as_str())
                        .map_err(err)?;
                }
                txn.commit().map_err(err)?;
                Ok(stored)
            })
            .await
    }

    async fn forget_model(&self, user: &str) -> Result<(), StoreError> {
        let user = user.to_owned();
        self.db
            .run::<_, StoreError>(move |db| {
                let txn = db.begin_write().map_err(err)?;
                forget_model_in(&txn, &user)?;
                txn.commit().map_err(err)
            })
            .await
    }
}
