//! MongoDB adapter. Reads follow the read preference in the URI (`secondaryPreferred` in
//! production); writes use majority write concern with journaling.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{Cursor, ExerciseLog, WorkoutLogged};
use futures::TryStreamExt;
use mongodb::bson::{self, doc, Document};
use mongodb::options::{Acknowledgment, ClientOptions, IndexOptions, WriteConcern};
use mongodb::{Client, Collection, IndexModel};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{paginate, Page, StoreError, WorkoutStore};

pub const COLLECTION: &str = "workouts";
const HISTORY_INDEX: &str = "user_history";

/// The stored shape: `_id` is the workout id, dates are BSON dates.
#[derive(Debug, Serialize, Deserialize)]
struct WorkoutDoc {
    #[serde(rename = "_id")]
    id: String,
    v: u32,
    user_id: String,
    performed_at: bson::DateTime,
    received_at: bson::DateTime,
    exercises: Vec<ExerciseLog>,
}

impl From<&WorkoutLogged> for WorkoutDoc {
    fn from(e: &WorkoutLogged) -> Self {
        Self {
            id: e.id.to_string(),
            v: e.v,
            user_id: e.user_id.clone(),
            performed_at: bson::DateTime::from_millis(e.performed_at.timestamp_millis()),
            received_at: bson::DateTime::from_millis(e.received_at.timestamp_millis()),
            exercises: e.exercises.clone(),
        }
    }
}

impl TryFrom<WorkoutDoc> for WorkoutLogged {
    type Error = StoreError;
    fn try_from(d: WorkoutDoc) -> Result<Self, StoreError> {
        let corrupt = |reason: &str| StoreError::Corrupt {
            id: d.id.clone(),
            reason: reason.to_owned(),
        };
        let date = |b: bson::DateTime| DateTime::<Utc>::from_timestamp_millis(b.timestamp_millis());
        Ok(Self {
            v: d.v,
            id: Uuid::try_parse(&d.id).map_err(|_| corrupt("_id is not a UUID"))?,
            user_id: d.user_id.clone(),
            performed_at: date(d.performed_at)
                .ok_or_else(|| corrupt("performed_at out of range"))?,
            received_at: date(d.received_at).ok_or_else(|| corrupt("received_at out of range"))?,
            exercises: d.exercises,
        })
    }
}

fn db_err(e: mongodb::error::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

#[derive(Clone)]
pub struct MongoStore {
    client: Client,
    db: mongodb::Database,
    workouts: Collection<WorkoutDoc>,
}

impl MongoStore {
    /// Parses the URI and prepares a client; the driver connects lazily and reconnects itself,
    /// so this succeeds while the database is down.
    pub async fn connect(uri: &str) -> Result<Self, StoreError> {
        let mut options = ClientOptions::parse(uri).await.map_err(db_err)?;
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

    /// Every stored document id; for tests and the failover drill's final check.
    pub async fn all_ids(&self) -> Result<Vec<String>, StoreError> {
        let raw: Collection<Document> = self.workouts.clone_with_type();
        let docs: Vec<Document> = raw
            .find(doc! {})
            .projection(doc! {"_id": 1})
            .await
            .map_err(db_err)?
            .try_collect()
            .await
            .map_err(db_err)?;
        Ok(docs
            .iter()
            .filter_map(|d| d.get_str("_id").ok().map(str::to_owned))
            .collect())
    }
}

/// The document stored for `event`; public so the benchmark's baseline inserts exactly what
/// the consumer writes.
pub fn to_document(event: &WorkoutLogged) -> Result<Document, StoreError> {
    bson::to_document(&WorkoutDoc::from(event)).map_err(|e| StoreError::Database(e.to_string()))
}

/// Statements per `update` command: well under the server's 100,000 and, with the byte bound,
/// its 16 MiB command size.
const MAX_STATEMENTS: usize = 1000;
const MAX_CHUNK_BYTES: usize = 8 * 1024 * 1024;

/// One upsert statement per event (`{q: {_id}, u: doc, upsert: true}`), split into chunks that
/// each fit one command.
fn update_chunks(events: &[WorkoutLogged]) -> Result<Vec<Vec<Document>>, StoreError> {
    let mut chunks = Vec::new();
    let mut chunk = Vec::new();
    let mut bytes = 0;
    for event in events {
        let id = event.id.to_string();
        let body = to_document(event)?;
        let size = bson::to_vec(&body).map(|v| v.len()).unwrap_or(0);
        if !chunk.is_empty() && (chunk.len() == MAX_STATEMENTS || bytes + size > MAX_CHUNK_BYTES) {
            chunks.push(std::mem::take(&mut chunk));
            bytes = 0;
        }
        bytes += size;
        chunk.push(doc! {"q": {"_id": id}, "u": body, "upsert": true});
    }
    if !chunk.is_empty() {
        chunks.push(chunk);
    }
    Ok(chunks)
}

/// The driver reports a command's own failure as an error, but per-statement and write-concern
/// failures come back inside a successful reply.
fn check_write_reply(reply: &Document) -> Result<(), StoreError> {
    if let Ok(errors) = reply.get_array("writeErrors") {
        if !errors.is_empty() {
            return Err(StoreError::Database(format!(
                "{} of the batch's upserts failed, first: {:?}",
                errors.len(),
                errors[0]
            )));
        }
    }
    if let Ok(wc) = reply.get_document("writeConcernError") {
        return Err(StoreError::Database(format!("write concern not met: {wc}")));
    }
    Ok(())
}

impl MongoStore {
    /// Upserts a chunk in one round trip: one `update` command with a statement per event,
    /// unordered, majority-acknowledged and journaled.
    async fn update_batch(&self, updates: Vec<Document>) -> Result<(), StoreError> {
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
        check_write_reply(&reply)
    }
}

#[async_trait]
impl WorkoutStore for MongoStore {
    async fn ensure_indexes(&self) -> Result<(), StoreError> {
        let index = IndexModel::builder()
            .keys(doc! {"user_id": 1, "performed_at": -1, "_id": -1})
            .options(
                IndexOptions::builder()
                    .name(HISTORY_INDEX.to_owned())
                    .build(),
            )
            .build();
        self.workouts.create_index(index).await.map_err(db_err)?;
        Ok(())
    }

    async fn upsert(&self, events: &[WorkoutLogged]) -> Result<(), StoreError> {
        for chunk in update_chunks(events)? {
            self.update_batch(chunk).await?;
        }
        Ok(())
    }

    async fn get(&self, user_id: &str, id: Uuid) -> Result<Option<WorkoutLogged>, StoreError> {
        let found = self
            .workouts
            .find_one(doc! {"_id": id.to_string(), "user_id": user_id})
            .await
            .map_err(db_err)?;
        found.map(WorkoutLogged::try_from).transpose()
    }

    async fn list(
        &self,
        user_id: &str,
        limit: usize,
        before: Option<Cursor>,
    ) -> Result<Page, StoreError> {
        let filter = match before {
            None => doc! {"user_id": user_id},
            Some(c) => {
                let at = bson::DateTime::from_millis(c.performed_at.timestamp_millis());
                doc! {
                    "user_id": user_id,
                    "$or": [
                        {"performed_at": {"$lt": at}},
                        {"performed_at": at, "_id": {"$lt": c.id.to_string()}},
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
        let items = docs
            .into_iter()
            .map(WorkoutLogged::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(paginate(items, limit))
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
