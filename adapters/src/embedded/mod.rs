//! The embedded default: one redb file holds the store and a durable queue, so a single
//! process with no services keeps every promise the distributed stack does. A publish commits
//! (fsync) before it returns; the worker acknowledges by deleting the row after the store write,
//! so a crash between the two redelivers, and the upsert makes that harmless.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use domain::{Cursor, WorkoutChange, WorkoutLogged};
use redb::{Database, ReadableTable, ReadableTableMetadata, TableDefinition};
use tokio::sync::Notify;
use uuid::Uuid;

use service::{
    BoxError, Delivery, EventSource, Page, PublishError, Publisher, QueueError, StoreError,
    WorkoutStore,
};

use accounts::EmbeddedAccounts;
use handle::{store_err, Db};

mod accounts;
mod handle;
mod read_model_tables;
mod read_models;
mod space;

pub use space::space;

/// (user_id, workout id) → the event as JSON: workout ids are scoped per user.
const WORKOUTS: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("user_workouts");
/// The layout before ids were scoped per user (workout id → event); moved into [`WORKOUTS`]
/// when the database is opened.
const LEGACY_WORKOUTS: TableDefinition<&str, &[u8]> = TableDefinition::new("workouts");
/// (user_id, workout id) → when it was deleted (millis): a deleted workout's tombstone.
const TOMBSTONES: TableDefinition<(&str, &str), i64> = TableDefinition::new("workout_tombstones");
/// (user_id, performed_at millis, id) → (): the history index, scanned backwards.
const BY_USER: TableDefinition<(&str, i64, &str), ()> = TableDefinition::new("workouts_by_user");
const QUEUE: TableDefinition<u64, &[u8]> = TableDefinition::new("queue");
const DEAD: TableDefinition<u64, &[u8]> = TableDefinition::new("dead_letters");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const NEXT_SEQ: &str = "next_seq";

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open embedded database {path}: {source}")]
    Open {
        path: String,
        source: redb::DatabaseError,
    },
    #[error("embedded database error")]
    Db(#[source] BoxError),
}

fn db_err(e: impl Into<BoxError>) -> BoxError {
    e.into()
}

/// The embedded database: open once, then hand out the store, publisher and source.
#[derive(Clone)]
pub struct EmbeddedDb {
    db: Arc<Db>,
    published: Arc<Notify>,
}

impl EmbeddedDb {
    /// Opens (or creates) `ironlog.redb` under `dir`, creating the directory if needed.
    pub fn open(dir: &Path) -> Result<Self, EmbeddedError> {
        std::fs::create_dir_all(dir).map_err(|source| EmbeddedError::DataDir {
            path: dir.display().to_string(),
            source,
        })?;
        let path = dir.join("ironlog.redb");
        let db = Database::create(&path).map_err(|source| EmbeddedError::Open {
            path: path.display().to_string(),
            source,
        })?;
        // Create every table up front so readers never meet a missing one.
        let txn = db.begin_write().map_err(|e| EmbeddedError::Db(db_err(e)))?;
        {
            txn.open_table(WORKOUTS)
                .map_err(|e| EmbeddedError::Db(db_err(e)))?;
            txn.open_table(BY_USER)
                .map_err(|e| EmbeddedError::Db(db_err(e)))?;
            txn.open_table(TOMBSTONES)
                .map_err(|e| EmbeddedError::Db(db_err(e)))?;
            txn.open_table(QUEUE)
                .map_err(|e| EmbeddedError::Db(db_err(e)))?;
            txn.open_table(DEAD)
                .map_err(|e| EmbeddedError::Db(db_err(e)))?;
            txn.open_table(META)
                .map_err(|e| EmbeddedError::Db(db_err(e)))?;
            txn.open_table(accounts::ACCOUNTS)
                .map_err(|e| EmbeddedError::Db(db_err(e)))?;
            txn.open_table(accounts::EMAILS)
                .map_err(|e| EmbeddedError::Db(db_err(e)))?;
            txn.open_table(accounts::SESSIONS)
                .map_err(|e| EmbeddedError::Db(db_err(e)))?;
            txn.open_table(accounts::SESSIONS_BY_USER)
                .map_err(|e| EmbeddedError::Db(db_err(e)))?;
            txn.open_table(accounts::PROFILES)
                .map_err(|e| EmbeddedError::Db(db_err(e)))?;
            txn.open_table(accounts::BODYWEIGHT)
                .map_err(|e| EmbeddedError::Db(db_err(e)))?;
            txn.open_table(read_model_tables::READ_MODELS)
                .map_err(|e| EmbeddedError::Db(db_err(e)))?;
            txn.open_table(read_model_tables::PLANS)
                .map_err(|e| EmbeddedError::Db(db_err(e)))?;
            txn.open_table(read_model_tables::PROGRESS)
                .map_err(|e| EmbeddedError::Db(db_err(e)))?;
            txn.open_table(read_model_tables::STALE)
                .map_err(|e| EmbeddedError::Db(db_err(e)))?;
        }
        txn.commit().map_err(|e| EmbeddedError::Db(db_err(e)))?;
        migrate_legacy_workouts(&db).map_err(EmbeddedError::Db)?;
        Ok(Self {
            db: Arc::new(Db::new(path, db)),
            published: Arc::new(Notify::new()),
        })
    }

    pub fn store(&self) -> EmbeddedStore {
        EmbeddedStore {
            db: self.db.clone(),
        }
    }

    pub fn accounts(&self) -> EmbeddedAccounts {
        EmbeddedAccounts {
            db: self.db.clone(),
        }
    }

    pub fn publisher(&self) -> EmbeddedPublisher {
        EmbeddedPublisher {
            db: self.db.clone(),
            published: self.published.clone(),
        }
    }

    /// The queue's consuming side. Only one may run at a time per database.
    pub fn source(&self) -> EmbeddedSource {
        EmbeddedSource {
            db: self.db.clone(),
            published: self.published.clone(),
            next_key: 0,
        }
    }

    /// Messages waiting in the queue (not yet acknowledged).
    pub async fn queue_depth(&self) -> Result<u64, QueueError> {
        self.db
            .run::<_, BoxError>(move |db| {
                let txn = db.begin_read().map_err(db_err)?;
                let len = txn
                    .open_table(QUEUE)
                    .map_err(db_err)?
                    .len()
                    .map_err(db_err)?;
                Ok(len)
            })
            .await
            .map_err(QueueError::Broker)
    }

    /// Every row of every table whose key or value contains `needle` (as text), named by its
    /// table; fails if the file holds a table this does not know how to read, so a table
    /// added later cannot hide a user's data from the account-deletion tests.
    #[cfg(feature = "test-support")]
    pub async fn rows_mentioning(&self, needle: &str) -> Result<Vec<String>, StoreError> {
        let needle = needle.to_owned();
        self.db
            .run::<_, BoxError>(move |db| {
                use redb::TableHandle;
                let txn = db.begin_read().map_err(db_err)?;
                let mut out = Vec::new();
                let mut known = std::collections::HashSet::new();
                let mut hit = |table: &str, text: String| {
                    if text.contains(&needle) {
                        out.push(format!("{table}: {text}"));
                    }
                };
                macro_rules! scan {
                    ($def:expr, |$k:ident, $v:ident| $text:expr) => {{
                        let def = $def;
                        known.insert(def.name().to_owned());
                        let table = txn.open_table(def).map_err(db_err)?;
                        for row in table.iter().map_err(db_err)? {
                            let (k, v) = row.map_err(db_err)?;
                            let ($k, $v) = (k.value(), v.value());
                            hit(def.name(), $text);
                        }
                    }};
                }
                let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
                scan!(WORKOUTS, |k, v| format!("{k:?} {}", text(v)));
                scan!(BY_USER, |k, v| format!("{k:?} {v:?}"));
                scan!(TOMBSTONES, |k, v| format!("{k:?} {v}"));
                scan!(QUEUE, |k, v| format!("{k} {}", text(v)));
                scan!(DEAD, |k, v| format!("{k} {}", text(v)));
                scan!(META, |k, v| format!("{k} {v}"));
                scan!(accounts::ACCOUNTS, |k, v| format!("{k} {}", text(v)));
                scan!(accounts::EMAILS, |k, v| format!("{k} {v}"));
                scan!(accounts::SESSIONS, |k, v| format!("{k} {}", text(v)));
                scan!(accounts::SESSIONS_BY_USER, |k, v| format!("{k:?} {v:?}"));
                scan!(accounts::PROFILES, |k, v| format!("{k} {}", text(v)));
                scan!(accounts::BODYWEIGHT, |k, v| format!("{k:?} {v}"));
                scan!(read_model_tables::READ_MODELS, |k, v| format!(
                    "{k} {}",
                    text(v)
                ));
                scan!(read_model_tables::PLANS, |k, v| format!("{k} {}", text(v)));
                scan!(read_model_tables::PROGRESS, |k, v| format!(
                    "{k} {}",
                    text(v)
                ));
                scan!(read_model_tables::STALE, |k, v| format!("{k} {v:?}"));
                for table in txn.list_tables().map_err(db_err)? {
                    if !known.contains(table.name()) {
                        return Err(format!("table {} is not scanned", table.name()).into());
                    }
                }
                Ok(out)
            })
            .await
            .map_err(store_err)
    }

    /// Overwrites the row `key` of the text-keyed table `table` with `value`, whatever it
    /// holds: how tests make a record nobody can read.
    #[cfg(feature = "test-support")]
    pub async fn put_raw(&self, table: &str, key: &str, value: &[u8]) -> Result<(), StoreError> {
        let (table, key, value) = (table.to_owned(), key.to_owned(), value.to_vec());
        self.db
            .run::<_, BoxError>(move |db| {
                let txn = db.begin_write().map_err(db_err)?;
                txn.open_table(redb::TableDefinition::<&str, &[u8]>::new(&table))
                    .map_err(db_err)?
                    .insert(key.as_str(), value.as_slice())
                    .map_err(db_err)?;
                txn.commit().map_err(db_err)?;
                Ok(())
            })
            .await
            .map_err(store_err)
    }

    /// The bodies of dead-lettered messages, oldest first.
    pub async fn dead_letters(&self) -> Result<Vec<Vec<u8>>, QueueError> {
        self.db
            .run::<_, BoxError>(move |db| {
                let txn = db.begin_read().map_err(db_err)?;
                let table = txn.open_table(DEAD).map_err(db_err)?;
                let mut out = Vec::new();
                for row in table.iter().map_err(db_err)? {
                    let (_, v) = row.map_err(db_err)?;
                    out.push(v.value().to_vec());
                }
                Ok(out)
            })
            .await
            .map_err(QueueError::Broker)
    }
}

/// Moves workouts stored under their id alone to the (user, id) key, in one transaction, and
/// drops the old table: after it, every workout is where [`EmbeddedStore`] reads.
fn migrate_legacy_workouts(db: &Database) -> Result<(), BoxError> {
    let txn = db.begin_write().map_err(db_err)?;
    let moved = {
        let legacy = txn.open_table(LEGACY_WORKOUTS).map_err(db_err)?;
        let mut workouts = txn.open_table(WORKOUTS).map_err(db_err)?;
        let mut moved = 0u64;
        for row in legacy.iter().map_err(db_err)? {
            let (id, body) = row.map_err(db_err)?;
            let event = decode_record(id.value(), body.value()).map_err(db_err)?;
            workouts
                .insert((event.user_id.as_str(), id.value()), body.value())
                .map_err(db_err)?;
            moved += 1;
        }
        moved
    };
    txn.delete_table(LEGACY_WORKOUTS).map_err(db_err)?;
    txn.commit().map_err(db_err)?;
    if moved > 0 {
        tracing::info!(moved, "workouts moved to keys scoped per user");
    }
    Ok(())
}

#[derive(Clone)]
pub struct EmbeddedStore {
    db: Arc<Db>,
}

#[async_trait]
impl WorkoutStore for EmbeddedStore {
    async fn ensure_indexes(&self) -> Result<(), StoreError> {
        // The history index is a table maintained on every write; nothing to build.
        Ok(())
    }

    async fn apply(&self, changes: &[WorkoutChange]) -> Result<(), StoreError> {
        let changes = changes.to_vec();
        self.db
            .run::<_, BoxError>(move |db| {
                let txn = db.begin_write().map_err(db_err)?;
                {
                    let mut workouts = txn.open_table(WORKOUTS).map_err(db_err)?;
                    let mut by_user = txn.open_table(BY_USER).map_err(db_err)?;
                    let mut tombstones = txn.open_table(TOMBSTONES).map_err(db_err)?;
                    for change in &changes {
                        let id = change.id().to_string();
                        let key = (change.user_id(), id.as_str());
                        if tombstones.get(key).map_err(db_err)?.is_some() {
                            continue;
                        }
                        // A record that cannot be read is replaced (its index entry stays
                        // behind, which the history skips); refusing it would stop every
                        // write behind it.
                        let previous = match workouts.get(key).map_err(db_err)? {
                            Some(old) => match decode_record(&id, old.value()) {
                                Ok(old) => Some(old),
                                Err(e) => {
                                    tracing::error!(error = %service::Chain(&e), "replacing a stored workout that cannot be read");
                                    None
                                }
                            },
                            None => None,
                        };
                        if let (WorkoutChange::Saved(new), Some(old)) = (change, &previous) {
                            if old.revision > new.revision {
                                continue;
                            }
                        }
                        if let Some(old) = &previous {
                            let old_key = (key.0, old.performed_at.timestamp_millis(), key.1);
                            by_user.remove(old_key).map_err(db_err)?;
                        }
                        match change {
                            WorkoutChange::Saved(event) => {
                                let body = serde_json::to_vec(event).map_err(db_err)?;
                                workouts.insert(key, body.as_slice()).map_err(db_err)?;
                                let at = event.performed_at.timestamp_millis();
                                by_user.insert((key.0, at, key.1), ()).map_err(db_err)?;
                            }
                            WorkoutChange::Deleted(deleted) => {
                                workouts.remove(key).map_err(db_err)?;
                                let at = deleted.received_at.timestamp_millis();
                                tombstones.insert(key, at).map_err(db_err)?;
                            }
                        }
                    }
                }
                txn.commit().map_err(db_err)
            })
            .await
            .map_err(store_err)
    }

    async fn delete_user(&self, user_id: &str) -> Result<(), StoreError> {
        let user = user_id.to_owned();
        self.db
            .run::<_, BoxError>(move |db| {
                let txn = db.begin_write().map_err(db_err)?;
                {
                    let mut workouts = txn.open_table(WORKOUTS).map_err(db_err)?;
                    let mut by_user = txn.open_table(BY_USER).map_err(db_err)?;
                    let mut tombstones = txn.open_table(TOMBSTONES).map_err(db_err)?;
                    let u = user.as_str();
                    let ids: Vec<String> = user_keys(&workouts, u)?;
                    for id in &ids {
                        workouts.remove((u, id.as_str())).map_err(db_err)?;
                    }
                    let entries: Vec<(i64, String)> = by_user
                        .range((u, i64::MIN, "")..)
                        .map_err(db_err)?
                        .map_while(|row| {
                            let (key, _) = row.ok()?;
                            let (owner, at, id) = key.value();
                            (owner == u).then(|| (at, id.to_owned()))
                        })
                        .collect();
                    for (at, id) in &entries {
                        by_user.remove((u, *at, id.as_str())).map_err(db_err)?;
                    }
                    for id in user_keys(&tombstones, u)? {
                        tombstones.remove((u, id.as_str())).map_err(db_err)?;
                    }
                    // Dead letters are kept as they came, readable or not, so they are found
                    // by the user's id in their bytes: a UUID no other user's message holds.
                    let mut dead = txn.open_table(DEAD).map_err(db_err)?;
                    let mut theirs = Vec::new();
                    for row in dead.iter().map_err(db_err)? {
                        let (tag, body) = row.map_err(db_err)?;
                        if !u.is_empty() && body.value().windows(u.len()).any(|w| w == u.as_bytes())
                        {
                            theirs.push(tag.value());
                        }
                    }
                    for tag in theirs {
                        dead.remove(tag).map_err(db_err)?;
                    }
                }
                txn.commit().map_err(db_err)
            })
            .await
            .map_err(store_err)
    }

    async fn deleted_ids(
        &self,
        user_id: &str,
    ) -> Result<std::collections::HashSet<Uuid>, StoreError> {
        let user = user_id.to_owned();
        self.db
            .run::<_, StoreError>(move |db| {
                let txn = db.begin_read().map_err(store_err)?;
                let tombstones = txn.open_table(TOMBSTONES).map_err(store_err)?;
                user_keys(&tombstones, &user)
                    .map_err(store_err)?
                    .iter()
                    .map(|id| Uuid::try_parse(id).map_err(|e| StoreError::corrupt(id.clone(), e)))
                    .collect()
            })
            .await
    }

    async fn get(&self, user_id: &str, id: Uuid) -> Result<Option<WorkoutLogged>, StoreError> {
        let user_id = user_id.to_owned();
        let found = self
            .db
            .run::<_, BoxError>(move |db| {
                let txn = db.begin_read().map_err(db_err)?;
                let table = txn.open_table(WORKOUTS).map_err(db_err)?;
                let row = table
                    .get((user_id.as_str(), id.to_string().as_str()))
                    .map_err(db_err)?;
                Ok(row.map(|v| v.value().to_vec()))
            })
            .await
            .map_err(store_err)?;
        crate::documents_read("workouts", usize::from(found.is_some()));
        found
            .map(|bytes| decode_record(&id.to_string(), &bytes))
            .transpose()
    }

    async fn list(
        &self,
        user_id: &str,
        limit: usize,
        before: Option<Cursor>,
    ) -> Result<Page, StoreError> {
        let user_id = user_id.to_owned();
        let rows = self
            .db
            .run::<_, BoxError>(move |db| {
                let txn = db.begin_read().map_err(db_err)?;
                let index = txn.open_table(BY_USER).map_err(db_err)?;
                let workouts = txn.open_table(WORKOUTS).map_err(db_err)?;
                let upper_id = before.map(|c| c.id.to_string());
                let upper = match (&before, &upper_id) {
                    (Some(c), Some(id)) => (
                        user_id.as_str(),
                        c.performed_at.timestamp_millis(),
                        id.as_str(),
                    ),
                    _ => (user_id.as_str(), i64::MAX, ""),
                };
                let lower = (user_id.as_str(), i64::MIN, "");
                let mut out = Vec::with_capacity(limit + 1);
                for row in index
                    .range(lower..upper)
                    .map_err(db_err)?
                    .rev()
                    .take(limit + 1)
                {
                    let (key, _) = row.map_err(db_err)?;
                    let id = key.value().2.to_owned();
                    if let Some(body) = workouts
                        .get((user_id.as_str(), id.as_str()))
                        .map_err(db_err)?
                    {
                        out.push((id, body.value().to_vec()));
                    }
                }
                Ok(out)
            })
            .await
            .map_err(store_err)?;
        crate::documents_read("workouts", rows.len());
        let items = rows
            .iter()
            .map(|(id, bytes)| decode_record(id, bytes))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_overfetch(items, limit))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.db
            .run(|db| db.begin_read().map(|_| ()).map_err(db_err))
            .await
            .map_err(store_err)
    }
}

/// The ids under `user` in a table keyed by (user, id).
pub(super) fn user_keys<V: redb::Value + 'static>(
    table: &impl ReadableTable<(&'static str, &'static str), V>,
    user: &str,
) -> Result<Vec<String>, BoxError> {
    let mut ids = Vec::new();
    for row in table.range((user, "")..).map_err(db_err)? {
        let (key, _) = row.map_err(db_err)?;
        let (owner, id) = key.value();
        if owner != user {
            break;
        }
        ids.push(id.to_owned());
    }
    Ok(ids)
}

fn decode_record(id: &str, bytes: &[u8]) -> Result<WorkoutLogged, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::corrupt(id.to_owned(), e))
}

#[derive(Clone)]
pub struct EmbeddedPublisher {
    db: Arc<Db>,
    published: Arc<Notify>,
}

#[async_trait]
impl Publisher for EmbeddedPublisher {
    async fn publish_bytes(&self, _message_id: &str, body: Vec<u8>) -> Result<(), PublishError> {
        self.db
            .run::<_, BoxError>(move |db| {
                let txn = db.begin_write().map_err(db_err)?;
                {
                    let mut meta = txn.open_table(META).map_err(db_err)?;
                    let seq = meta.get(NEXT_SEQ).map_err(db_err)?.map_or(0, |v| v.value());
                    meta.insert(NEXT_SEQ, seq + 1).map_err(db_err)?;
                    let mut queue = txn.open_table(QUEUE).map_err(db_err)?;
                    queue.insert(seq, body.as_slice()).map_err(db_err)?;
                }
                // Commit is durable (fsync) before the caller may answer 202.
                txn.commit().map_err(db_err)
            })
            .await
            .map_err(PublishError::Broker)?;
        self.published.notify_one();
        Ok(())
    }

    /// False while the file is broken by an I/O error and cannot be reopened yet (a full
    /// disk): readiness says so, instead of answering ready to writes that would all fail.
    fn is_connected(&self) -> bool {
        self.db.is_usable()
    }
}

pub struct EmbeddedSource {
    db: Arc<Db>,
    published: Arc<Notify>,
    /// Messages below this key were delivered in this process; a restart delivers all again.
    next_key: u64,
}

/// How long the worker sleeps when idle before looking again, should a notification be missed.
const IDLE_POLL: Duration = Duration::from_millis(500);

#[async_trait]
impl EventSource for EmbeddedSource {
    async fn next_batch(&mut self, max: usize) -> Result<Vec<Delivery>, QueueError> {
        loop {
            let from = self.next_key;
            let max = max.max(1);
            let rows = self
                .db
                .run::<_, BoxError>(move |db| {
                    let txn = db.begin_read().map_err(db_err)?;
                    let queue = txn.open_table(QUEUE).map_err(db_err)?;
                    let mut out = Vec::new();
                    for row in queue.range(from..).map_err(db_err)?.take(max) {
                        let (k, v) = row.map_err(db_err)?;
                        out.push(Delivery {
                            tag: k.value(),
                            body: v.value().to_vec(),
                            redelivered: false,
                        });
                    }
                    Ok(out)
                })
                .await
                .map_err(QueueError::Broker)?;
            if let Some(last) = rows.last() {
                self.next_key = last.tag + 1;
                return Ok(rows);
            }
            let _ = tokio::time::timeout(IDLE_POLL, self.published.notified()).await;
        }
    }

    async fn ack(&mut self, tags: &[u64]) -> Result<(), QueueError> {
        let tags = tags.to_vec();
        self.db
            .run::<_, BoxError>(move |db| {
                let txn = db.begin_write().map_err(db_err)?;
                {
                    let mut queue = txn.open_table(QUEUE).map_err(db_err)?;
                    for tag in tags {
                        queue.remove(tag).map_err(db_err)?;
                    }
                }
                txn.commit().map_err(db_err)
            })
            .await
            .map_err(QueueError::Broker)
    }

    async fn reject(&mut self, tag: u64) -> Result<(), QueueError> {
        self.db
            .run::<_, BoxError>(move |db| {
                let txn = db.begin_write().map_err(db_err)?;
                {
                    let mut queue = txn.open_table(QUEUE).map_err(db_err)?;
                    let body = queue
                        .remove(tag)
                        .map_err(db_err)?
                        .map(|v| v.value().to_vec());
                    if let Some(body) = body {
                        txn.open_table(DEAD)
                            .map_err(db_err)?
                            .insert(tag, body.as_slice())
                            .map_err(db_err)?;
                    }
                }
                txn.commit().map_err(db_err)
            })
            .await
            .map_err(QueueError::Broker)
    }
}
