//! MongoDB adapter. Reads follow the read preference in the URI (`secondaryPreferred` in
//! production); writes use majority write concern with journaling.

use crate::tls::TlsFiles;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{Cursor, ExerciseLog, WorkoutChange, WorkoutDeleted, WorkoutLogged};
use futures::TryStreamExt;
use mongodb::bson::{self, doc, Document};
use mongodb::error::ErrorKind;
use mongodb::options::{
    Acknowledgment, ClientOptions, DatabaseOptions, IndexOptions, ReadPreference,
    SelectionCriteria, WriteConcern,
};
use mongodb::{Client, Collection, IndexModel};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use uuid::Uuid;

use service::{Page, StoreError, WorkoutStore};

mod accounts;
mod read_models;

pub const COLLECTION: &str = "workouts";
const HISTORY_INDEX: &str = "user_history";

/// The stored shape: `_id` is the user and the workout id ([`key`]), so ids are scoped per
/// user; dates are BSON dates. Documents written before that have the bare workout id as
/// `_id` and no `workout_id`, until [`MongoStore::ensure_indexes`] moves them.
#[derive(Debug, Serialize, Deserialize)]
struct WorkoutDoc {
    #[serde(rename = "_id")]
    key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    workout_id: Option<String>,
    v: u32,
    user_id: String,
    /// Absent in documents of version 1 events (revision 0).
    #[serde(default)]
    revision: i64,
    performed_at: bson::DateTime,
    received_at: bson::DateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    notes: Option<String>,
    exercises: Vec<ExerciseLog>,
}

impl From<&WorkoutLogged> for WorkoutDoc {
    fn from(e: &WorkoutLogged) -> Self {
        Self {
            key: key(&e.user_id, e.id),
            workout_id: Some(e.id.to_string()),
            v: e.v,
            user_id: e.user_id.clone(),
            // Revisions are checked to be at most a day past now in milliseconds.
            revision: i64::try_from(e.revision).unwrap_or(i64::MAX),
            performed_at: bson::DateTime::from_millis(e.performed_at.timestamp_millis()),
            received_at: bson::DateTime::from_millis(e.received_at.timestamp_millis()),
            notes: e.notes.clone(),
            exercises: e.exercises.clone(),
        }
    }
}

impl TryFrom<WorkoutDoc> for WorkoutLogged {
    type Error = StoreError;
    fn try_from(d: WorkoutDoc) -> Result<Self, StoreError> {
        let corrupt = |reason: &str| StoreError::corrupt(d.key.clone(), reason);
        let date = |b: bson::DateTime| DateTime::<Utc>::from_timestamp_millis(b.timestamp_millis());
        let id = d.workout_id.as_deref().unwrap_or(&d.key);
        Ok(Self {
            v: d.v,
            id: Uuid::try_parse(id).map_err(|_| corrupt("the workout id is not a UUID"))?,
            user_id: d.user_id.clone(),
            revision: u64::try_from(d.revision).map_err(|_| corrupt("negative revision"))?,
            performed_at: date(d.performed_at)
                .ok_or_else(|| corrupt("performed_at out of range"))?,
            received_at: date(d.received_at).ok_or_else(|| corrupt("received_at out of range"))?,
            notes: d.notes,
            exercises: d.exercises,
        })
    }
}

/// A workout's `_id`: its user and its id. The id is a UUID of fixed length at the end, so
/// no two (user, id) pairs share a key whatever the user id holds.
fn key(user_id: &str, id: Uuid) -> String {
    format!("{user_id}/{id}")
}

/// Legacy documents moved per round.
const MIGRATION_BATCH: i64 = 1000;

/// The driver's error, kept whole, classified: no server to talk to, a lost connection or an
/// error the server labels retryable may pass; anything else will not.
pub(crate) fn db_err(e: mongodb::error::Error) -> StoreError {
    let transient = matches!(
        *e.kind,
        ErrorKind::ServerSelection { .. }
            | ErrorKind::Io(_)
            | ErrorKind::ConnectionPoolCleared { .. }
    ) || e.contains_label(mongodb::error::RETRYABLE_WRITE_ERROR)
        || e.contains_label(mongodb::error::TRANSIENT_TRANSACTION_ERROR);
    if transient {
        StoreError::unavailable(e)
    } else {
        StoreError::rejected(e)
    }
}

#[derive(Clone)]
pub struct MongoStore {
    client: Client,
    pub(crate) db: mongodb::Database,
    workouts: Collection<WorkoutDoc>,
}

/// Creates the store's indexes in the background, retrying with backoff until the store
/// answers: the database may be down at start-up, and nothing else has to wait for it.
pub fn spawn_ensure_indexes(store: MongoStore) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut backoff = crate::retry::forever(Duration::from_millis(100), Duration::from_secs(5));
        loop {
            // Account indexes first: they guard sign-up and sessions, and must not wait for
            // the workouts' migration.
            let done = async {
                store.ensure_account_indexes().await?;
                store.ensure_indexes().await
            };
            match done.await {
                Ok(()) => return,
                Err(e) => {
                    tracing::warn!(error = %service::Chain(&e), "cannot create indexes yet");
                    tokio::time::sleep(backoff.next_delay()).await;
                }
            }
        }
    })
}

impl MongoStore {
    /// Parses the URI and prepares a client; the driver connects lazily and reconnects itself,
    /// so this succeeds while the database is down.
    pub async fn connect(uri: &str) -> Result<Self, StoreError> {
        Self::connect_with_tls(uri, &TlsFiles::default()).await
    }

    /// As [`MongoStore::connect`], verifying the server with `tls`' CA and presenting its
    /// client certificate.
    pub async fn connect_with_tls(uri: &str, tls: &TlsFiles) -> Result<Self, StoreError> {
        let mut options = ClientOptions::parse(uri).await.map_err(db_err)?;
        tls.apply_to_mongodb(&mut options)
            .map_err(StoreError::rejected)?;
        if options.app_name.is_none() {
            options.app_name = Some("ironlog".into());
        }
        let db_name = options
            .default_database
            .clone()
            .unwrap_or_else(|| "ironlog".into());
        let client = Client::with_options(options).map_err(db_err)?;
        let majority = WriteConcern::builder()
            .w(Acknowledgment::Majority)
            .journal(true)
            .build();
        let workouts = client.database(&db_name).collection_with_options(
            COLLECTION,
            mongodb::options::CollectionOptions::builder()
                .write_concern(majority)
                .build(),
        );
        let db = client.database(&db_name);
        Ok(Self {
            client,
            db,
            workouts,
        })
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The same store reading from the primary whatever the URI asks: for the read models'
    /// projector, which must see every change that raised the generation it read.
    pub fn on_primary(&self) -> Self {
        let primary = SelectionCriteria::ReadPreference(ReadPreference::Primary);
        let db = self.client.database_with_options(
            self.db.name(),
            DatabaseOptions::builder()
                .selection_criteria(primary.clone())
                .build(),
        );
        let workouts = self.workouts.clone_with_type::<WorkoutDoc>();
        let workouts = db.collection_with_options(
            workouts.name(),
            mongodb::options::CollectionOptions::builder()
                .selection_criteria(primary)
                .write_concern(self.workouts.write_concern().cloned())
                .build(),
        );
        Self {
            client: self.client.clone(),
            db,
            workouts,
        }
    }

    /// Every stored workout id (of all users); for tests and the failover drill's final
    /// check.
    #[cfg(feature = "test-support")]
    pub async fn all_ids(&self) -> Result<Vec<String>, StoreError> {
        let raw: Collection<Document> = self.workouts.clone_with_type();
        strings_of(raw.find(doc! {"deleted": {"$ne": true}}), "workout_id").await
    }
}

impl MongoStore {
    /// Every document of every collection in the database whose text contains `needle`,
    /// named by its collection: for the account-deletion tests.
    #[cfg(feature = "test-support")]
    pub async fn documents_mentioning(&self, needle: &str) -> Result<Vec<String>, StoreError> {
        let mut out = Vec::new();
        for name in self.db.list_collection_names().await.map_err(db_err)? {
            let docs: Vec<Document> = self
                .db
                .collection::<Document>(&name)
                .find(doc! {})
                .await
                .map_err(db_err)?
                .try_collect()
                .await
                .map_err(db_err)?;
            out.extend(
                docs.iter()
                    .map(|d| format!("{name}: {d}"))
                    .filter(|text| text.contains(needle)),
            );
        }
        Ok(out)
    }
}

/// The text field `field` of every document `find` matches (the documents without it left
/// out), fetching that field alone.
pub(crate) async fn strings_of(
    find: mongodb::action::Find<'_, Document>,
    field: &str,
) -> Result<Vec<String>, StoreError> {
    let docs: Vec<Document> = find
        .projection(doc! {field: 1})
        .await
        .map_err(db_err)?
        .try_collect()
        .await
        .map_err(db_err)?;
    Ok(docs
        .iter()
        .filter_map(|d| d.get_str(field).ok().map(str::to_owned))
        .collect())
}

/// The document stored for `event`; public so the benchmark's baseline inserts exactly what
/// the consumer writes.
pub fn to_document(event: &WorkoutLogged) -> Result<Document, StoreError> {
    bson::to_document(&WorkoutDoc::from(event)).map_err(StoreError::rejected)
}

/// Documents per write command: well under the server's 100,000 and, with the byte bound,
/// its 16 MiB command size.
const MAX_BATCH_DOCS: usize = 1000;
const MAX_BATCH_BYTES: usize = 8 * 1024 * 1024;

/// The documents, split into chunks that each fit one command.
fn document_chunks(docs: Vec<Document>) -> Vec<Vec<Document>> {
    let mut chunks = Vec::new();
    let mut chunk = Vec::new();
    let mut bytes = 0;
    for doc in docs {
        let size = bson::to_vec(&doc).map(|v| v.len()).unwrap_or(0);
        if !chunk.is_empty() && (chunk.len() == MAX_BATCH_DOCS || bytes + size > MAX_BATCH_BYTES) {
            chunks.push(std::mem::take(&mut chunk));
            bytes = 0;
        }
        bytes += size;
        chunk.push(doc);
    }
    if !chunk.is_empty() {
        chunks.push(chunk);
    }
    chunks
}

/// What a deleted workout leaves under its key: enough to refuse any later save of it.
fn tombstone(deleted: &WorkoutDeleted) -> Document {
    doc! {
        "_id": key(&deleted.user_id, deleted.id),
        "workout_id": deleted.id.to_string(),
        "user_id": &deleted.user_id,
        "deleted": true,
        "deleted_at": bson::DateTime::from_millis(deleted.received_at.timestamp_millis()),
    }
}

const DUPLICATE_KEY: i32 = 11000;

/// The indexes of the statements that failed only because the `_id` exists; any other
/// failure, or an unmet write concern, is an error. (The driver reports a command's own failure
/// as an error, but per-statement and write-concern failures come back in a successful reply.)
fn duplicates_in_reply(reply: &Document) -> Result<Vec<usize>, StoreError> {
    if let Ok(wc) = reply.get_document("writeConcernError") {
        return Err(StoreError::unavailable(format!(
            "write concern not met: {wc}"
        )));
    }
    let Ok(errors) = reply.get_array("writeErrors") else {
        return Ok(Vec::new());
    };
    let mut duplicates = Vec::with_capacity(errors.len());
    for error in errors {
        let error = error.as_document();
        let code = error.and_then(|e| e.get_i32("code").ok());
        let index = error.and_then(|e| e.get_i32("index").ok());
        match (code, index) {
            (Some(DUPLICATE_KEY), Some(i)) => {
                duplicates.push(usize::try_from(i).unwrap_or(usize::MAX))
            }
            _ => {
                return Err(StoreError::rejected(format!(
                    "{} of the batch's writes failed, e.g. {error:?}",
                    errors.len()
                )))
            }
        }
    }
    Ok(duplicates)
}

/// The positions of the documents `insert_many` refused only because their `_id` exists; any
/// other failure, or an unmet write concern, is an error.
fn duplicates_in_error(error: mongodb::error::Error) -> Result<Vec<usize>, StoreError> {
    let ErrorKind::InsertMany(failure) = *error.kind else {
        return Err(db_err(error));
    };
    if let Some(wc) = failure.write_concern_error {
        return Err(StoreError::unavailable(format!(
            "write concern not met: {}",
            wc.message
        )));
    }
    let errors = failure.write_errors.unwrap_or_default();
    if let Some(other) = errors.iter().find(|e| e.code != DUPLICATE_KEY) {
        return Err(StoreError::rejected(format!(
            "{} of the batch's writes failed, e.g. code {}: {}",
            errors.len(),
            other.code,
            other.message
        )));
    }
    Ok(errors.iter().map(|e| e.index).collect())
}

impl MongoStore {
    /// Writes a chunk of saves durably in one round trip when their keys are new, which is
    /// nearly always: an unordered `insert_many`. Keys already stored (a redelivery, a client's
    /// retry, an edit) are then replaced in a second command, each only where the stored
    /// document is not a tombstone and has no larger revision; where it is or has, the upsert
    /// meets the key and fails with a duplicate key, and the stored version stays.
    /// Inserting first is about 2.5 times faster than upserting every document, and the
    /// driver's `insert_many` (documents sent as an OP_MSG sequence) cost SecantusDB about half
    /// the CPU of the same documents inside an `insert` command (measured with
    /// `ironlog-bench`).
    async fn write_chunk(&self, docs: Vec<Document>) -> Result<(), StoreError> {
        let duplicates = match self
            .workouts
            .clone_with_type::<Document>()
            .insert_many(&docs)
            .ordered(false)
            .await
        {
            Ok(_) => return Ok(()),
            Err(e) => duplicates_in_error(e)?,
        };
        let mut updates = Vec::with_capacity(duplicates.len());
        for &i in &duplicates {
            let doc = docs.get(i).ok_or_else(|| {
                StoreError::rejected(format!(
                    "the server reported a write error for statement {i}, which was not sent"
                ))
            })?;
            let key = doc.get("_id").cloned().unwrap_or(bson::Bson::Null);
            let revision = doc.get("revision").cloned().unwrap_or(bson::Bson::Int64(0));
            updates.push(doc! {
                "q": {
                    "_id": key,
                    "deleted": {"$ne": true},
                    "$or": [{"revision": {"$lte": revision}}, {"revision": {"$exists": false}}],
                },
                "u": doc,
                "upsert": true,
            });
        }
        // A duplicate key here is a newer version or a tombstone that stays.
        self.update(updates).await?;
        Ok(())
    }

    /// Runs `updates` as one unordered `update` command, durably; the statements that failed
    /// only on a duplicate key, by position (see [`duplicates_in_reply`]).
    async fn update(&self, updates: Vec<Document>) -> Result<Vec<usize>, StoreError> {
        let reply = self
            .db
            .run_command(doc! {
                "update": COLLECTION,
                "updates": updates,
                "ordered": false,
                "writeConcern": {"w": "majority", "j": true},
            })
            .await
            .map_err(db_err)?;
        duplicates_in_reply(&reply)
    }

    /// Replaces each workout with its tombstone, whatever was stored: a delete is final.
    async fn write_tombstones(&self, deleted: &[&WorkoutDeleted]) -> Result<(), StoreError> {
        for chunk in deleted.chunks(MAX_BATCH_DOCS) {
            let updates: Vec<Document> = chunk
                .iter()
                .map(|d| {
                    let t = tombstone(d);
                    doc! {"q": {"_id": key(&d.user_id, d.id)}, "u": t, "upsert": true}
                })
                .collect();
            // Two writers upserting one new key at once: one meets the other's insert. The
            // batch is tried again, and the replacement then finds the key.
            if !self.update(updates).await?.is_empty() {
                return Err(StoreError::unavailable(
                    "another writer stored the same workout at the same moment",
                ));
            }
        }
        Ok(())
    }

    /// Moves documents stored under the bare workout id (before ids were scoped per user) to
    /// their (user, id) key: the new document is inserted only where that key is still free
    /// (a newer write there wins over the old copy), then the old one is removed, so a stop
    /// half-way loses nothing, a second mover does no harm, and the next start finishes. A
    /// document that cannot be read is left in place and reported, not retried forever.
    async fn migrate_legacy_keys(&self) -> Result<u64, StoreError> {
        let raw: Collection<Document> = self.workouts.clone_with_type();
        let mut moved = 0;
        let mut unreadable: Vec<bson::Bson> = Vec::new();
        loop {
            let legacy: Vec<Document> = raw
                .find(doc! {"workout_id": {"$exists": false}, "_id": {"$nin": &unreadable}})
                .limit(MIGRATION_BATCH)
                .await
                .map_err(db_err)?
                .try_collect()
                .await
                .map_err(db_err)?;
            if legacy.is_empty() {
                if !unreadable.is_empty() {
                    tracing::error!(
                        count = unreadable.len(),
                        "workouts of the old layout could not be read and were left in place"
                    );
                }
                return Ok(moved);
            }
            let mut old_keys = Vec::with_capacity(legacy.len());
            let mut fresh = Vec::with_capacity(legacy.len());
            for d in legacy {
                let key = d.get("_id").cloned().unwrap_or(bson::Bson::Null);
                let event = bson::from_document::<WorkoutDoc>(d)
                    .map_err(StoreError::rejected)
                    .and_then(WorkoutLogged::try_from);
                match event {
                    Ok(event) => {
                        fresh.push(to_document(&event)?);
                        old_keys.push(key);
                    }
                    Err(e) => {
                        tracing::error!(key = %key, error = %service::Chain(&e), "a workout of the old layout cannot be read");
                        unreadable.push(key);
                    }
                }
            }
            if !fresh.is_empty() {
                match raw.insert_many(&fresh).ordered(false).await {
                    // Keys already taken hold a newer write (or another mover's copy): kept.
                    Ok(_) => {}
                    Err(e) => {
                        duplicates_in_error(e)?;
                    }
                }
            }
            raw.delete_many(doc! {"_id": {"$in": &old_keys}})
                .await
                .map_err(db_err)?;
            moved += old_keys.len() as u64;
        }
    }
}

/// The index behind the history query (a user's workouts, newest first); every insert pays
/// for it, so the benchmark's bare-insert baseline builds it too.
pub fn history_index() -> IndexModel {
    IndexModel::builder()
        .keys(doc! {"user_id": 1, "performed_at": -1, "_id": -1})
        .options(
            IndexOptions::builder()
                .name(HISTORY_INDEX.to_owned())
                .build(),
        )
        .build()
}

#[async_trait]
impl WorkoutStore for MongoStore {
    async fn ensure_indexes(&self) -> Result<(), StoreError> {
        self.workouts
            .create_index(history_index())
            .await
            .map_err(db_err)?;
        let moved = self.migrate_legacy_keys().await?;
        if moved > 0 {
            tracing::info!(moved, "workouts moved to keys scoped per user");
        }
        Ok(())
    }

    async fn apply(&self, changes: &[WorkoutChange]) -> Result<(), StoreError> {
        // Tombstones first: a save of the same workout in this call then meets one and stays
        // out, as it would have in any order.
        let deleted: Vec<&WorkoutDeleted> = changes
            .iter()
            .filter_map(|c| match c {
                WorkoutChange::Deleted(d) => Some(d),
                WorkoutChange::Saved(_) => None,
            })
            .collect();
        self.write_tombstones(&deleted).await?;
        let saves = changes
            .iter()
            .filter_map(|c| match c {
                WorkoutChange::Saved(e) => Some(to_document(e)),
                WorkoutChange::Deleted(_) => None,
            })
            .collect::<Result<Vec<_>, _>>()?;
        for chunk in document_chunks(saves) {
            self.write_chunk(chunk).await?;
        }
        Ok(())
    }

    async fn delete_user(&self, user_id: &str) -> Result<(), StoreError> {
        self.workouts
            .delete_many(doc! {"user_id": user_id})
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn deleted_ids(
        &self,
        user_id: &str,
    ) -> Result<std::collections::HashSet<Uuid>, StoreError> {
        let tombstones = self.workouts.clone_with_type::<Document>();
        let ids = strings_of(
            tombstones.find(doc! {"user_id": user_id, "deleted": true}),
            "workout_id",
        )
        .await?;
        ids.iter()
            .map(|id| Uuid::try_parse(id).map_err(|e| StoreError::corrupt(id.clone(), e)))
            .collect()
    }

    async fn get(&self, user_id: &str, id: Uuid) -> Result<Option<WorkoutLogged>, StoreError> {
        let found = self
            .workouts
            .find_one(doc! {"_id": key(user_id, id), "deleted": {"$ne": true}})
            .await
            .map_err(db_err)?;
        crate::documents_read(COLLECTION, usize::from(found.is_some()));
        found.map(WorkoutLogged::try_from).transpose()
    }

    async fn list(
        &self,
        user_id: &str,
        limit: usize,
        before: Option<Cursor>,
    ) -> Result<Page, StoreError> {
        let filter = match before {
            None => doc! {"user_id": user_id, "deleted": {"$ne": true}},
            Some(c) => {
                let at = bson::DateTime::from_millis(c.performed_at.timestamp_millis());
                doc! {
                    "user_id": user_id,
                    "deleted": {"$ne": true},
                    "$or": [
                        {"performed_at": {"$lt": at}},
                        {"performed_at": at, "_id": {"$lt": key(user_id, c.id)}},
                    ],
                }
            }
        };
        let fetch = i64::try_from(limit + 1).unwrap_or(i64::MAX);
        let docs: Vec<WorkoutDoc> = self
            .workouts
            .find(filter)
            .sort(doc! {"performed_at": -1, "_id": -1})
            .limit(fetch)
            .await
            .map_err(db_err)?
            .try_collect()
            .await
            .map_err(db_err)?;
        crate::documents_read(COLLECTION, docs.len());
        let items = docs
            .into_iter()
            .map(WorkoutLogged::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_overfetch(items, limit))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.client
            .database("admin")
            .run_command(doc! {"ping": 1})
            .await
            .map_err(db_err)?;
        Ok(())
    }
}
