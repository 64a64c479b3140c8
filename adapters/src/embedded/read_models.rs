//! Read models in the embedded redb file. Each user has a small control row (generation, the
//! generation, version and profile fingerprint of the model built, a hold) apart from the
//! model's two parts (the plan, Progress's facts), each in a table of its own, so marking a
//! record stale never reads a model, a view reads only the part it shows, and a model an older
//! version wrote, whatever its shape, is rebuilt rather than decoded. A set of users whose record is stale sits beside them. A
//! redb write transaction is the only writer while it runs, so raising a generation and
//! storing a model at one never interleave.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::engine::Plan;
use domain::progress::ProgressFacts;
use domain::read_model::{ReadModel, VERSION};
use redb::{ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use service::read_model::{Part, Put, ReadModelStore, StoredModel};
use service::StoreError;

use super::accounts::EmbeddedAccounts;
use super::handle::store_err;
use super::read_model_tables::{forget_model_in, PLANS, PROGRESS, READ_MODELS, STALE};

#[derive(Serialize, Deserialize, Default)]
struct Control {
    generation: u64,
    built_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    inputs: Option<String>,
    /// Milliseconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    held_until: Option<i64>,
}

fn err(e: impl Into<service::BoxError>) -> StoreError {
    store_err(e)
}

fn read_control(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    user: &str,
) -> Result<Option<Control>, StoreError> {
    table
        .get(user)
        .map_err(err)?
        .map(|v| {
            serde_json::from_slice(v.value()).map_err(|e| StoreError::corrupt(user.to_owned(), e))
        })
        .transpose()
}

/// Raises `user`'s generation inside `txn` (creating the record), and holds it until `hold`
/// if that is later than its hold.
fn raise(
    txn: &redb::WriteTransaction,
    user: &str,
    hold: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    let mut rows = txn.open_table(READ_MODELS).map_err(err)?;
    let mut control = read_control(&rows, user)?.unwrap_or_default();
    control.generation += 1;
    if let Some(until) = hold {
        let until = until.timestamp_millis();
        control.held_until = Some(control.held_until.map_or(until, |h| h.max(until)));
    }
    let body = serde_json::to_vec(&control).map_err(err)?;
    rows.insert(user, body.as_slice()).map_err(err)?;
    txn.open_table(STALE)
        .map_err(err)?
        .insert(user, ())
        .map_err(err)?;
    Ok(())
}

/// A part of `user`'s model from `table`: none when it is missing or does not decode.
fn read_part<T: serde::de::DeserializeOwned>(
    txn: &redb::ReadTransaction,
    table: TableDefinition<'static, &'static str, &'static [u8]>,
    user: &str,
) -> Result<Option<T>, StoreError> {
    let table = txn.open_table(table).map_err(err)?;
    let found = table.get(user).map_err(err)?;
    Ok(
        found.and_then(|v| match serde_json::from_slice::<T>(v.value()) {
            Ok(part) => Some(part),
            Err(e) => {
                tracing::warn!(%user, error = %e, "a read model that does not decode is rebuilt");
                None
            }
        }),
    )
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
                    raise(&txn, user, None)?;
                }
                txn.commit().map_err(err)
            })
            .await
    }

    async fn hold(&self, user: &str, until: DateTime<Utc>) -> Result<(), StoreError> {
        let user = user.to_owned();
        self.db
            .run::<_, StoreError>(move |db| {
                let txn = db.begin_write().map_err(err)?;
                raise(&txn, &user, Some(until))?;
                txn.commit().map_err(err)
            })
            .await
    }

    async fn mark_outdated(&self, version: u32) -> Result<u64, StoreError> {
        self.db
            .run::<_, StoreError>(move |db| {
                let txn = db.begin_write().map_err(err)?;
                let mut outdated = Vec::new();
                {
                    let rows = txn.open_table(READ_MODELS).map_err(err)?;
                    for entry in rows.iter().map_err(err)? {
                        let (user, body) = entry.map_err(err)?;
                        let control: Control = serde_json::from_slice(body.value())
                            .map_err(|e| StoreError::corrupt(user.value().to_owned(), e))?;
                        if control.version.is_none_or(|v| v < version) {
                            outdated.push(user.value().to_owned());
                        }
                    }
                }
                for user in &outdated {
                    raise(&txn, user, None)?;
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

    async fn stored_part(&self, user: &str, part: Part) -> Result<Option<StoredModel>, StoreError> {
        let user = user.to_owned();
        self.db
            .run::<_, StoreError>(move |db| {
                let txn = db.begin_read().map_err(err)?;
                let rows = txn.open_table(READ_MODELS).map_err(err)?;
                let Some(control) = read_control(&rows, &user)? else {
                    return Ok(None);
                };
                // Only a model of this version is read; a part that does not decode is no
                // model (the record is rebuilt), never an error that would stop the views.
                let current = control.version == Some(VERSION);
                let plan: Option<Plan> = if current && part.plan() {
                    read_part(&txn, PLANS, &user)?
                } else {
                    None
                };
                let progress: Option<ProgressFacts> = if current && part.progress() {
                    read_part(&txn, PROGRESS, &user)?
                } else {
                    None
                };
                crate::documents_read("read_models", 1);
                Ok(Some(StoredModel {
                    generation: control.generation,
                    built_at: control.built_at,
                    version: control.version,
                    held_until: control
                        .held_until
                        .and_then(DateTime::<Utc>::from_timestamp_millis),
                    inputs: control.inputs,
                    plan,
                    progress,
                }))
            })
            .await
    }

    async fn put_model(
        &self,
        user: &str,
        generation: u64,
        model: &ReadModel,
        now: DateTime<Utc>,
    ) -> Result<Put, StoreError> {
        let user = user.to_owned();
        let plan = serde_json::to_vec(&model.plan).map_err(err)?;
        let progress = serde_json::to_vec(&model.progress).map_err(err)?;
        let (version, inputs) = (model.version, model.inputs.clone());
        self.db
            .run::<_, StoreError>(move |db| {
                let txn = db.begin_write().map_err(err)?;
                let put = {
                    let mut rows = txn.open_table(READ_MODELS).map_err(err)?;
                    match read_control(&rows, &user)? {
                        Some(c) if c.generation != generation => Put::Moved,
                        None => Put::Moved,
                        Some(c) if c.held_until.is_some_and(|h| h > now.timestamp_millis()) => {
                            Put::Held
                        }
                        Some(mut control) => {
                            control.built_at = generation;
                            control.version = Some(version);
                            control.inputs = Some(inputs);
                            control.held_until = None;
                            let bytes = serde_json::to_vec(&control).map_err(err)?;
                            rows.insert(user.as_str(), bytes.as_slice()).map_err(err)?;
                            Put::Stored
                        }
                    }
                };
                if put == Put::Stored {
                    txn.open_table(PLANS)
                        .map_err(err)?
                        .insert(user.as_str(), plan.as_slice())
                        .map_err(err)?;
                    txn.open_table(PROGRESS)
                        .map_err(err)?
                        .insert(user.as_str(), progress.as_slice())
                        .map_err(err)?;
                    txn.open_table(STALE)
                        .map_err(err)?
                        .remove(user.as_str())
                        .map_err(err)?;
                }
                txn.commit().map_err(err)?;
                Ok(put)
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
