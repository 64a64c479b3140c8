//! Read models in MongoDB. Collection `read_models`: one document per user,
//! `{_id: user, generation, built_at, stale, version, inputs, held_until, plan}` (the plan as
//! JSON text), index `stale`. Collection `read_model_progress`: Progress's facts, one document
//! per model built, `{_id: "<user>/<built_at>", user, built_at, progress}`, index
//! `{user, built_at}`. The facts grow to tens of KB for years of history and a server reads a
//! whole document even to return one field, so the plan's view, which reads the small record,
//! never touches them.
//!
//! A generation is raised with `$inc` and a model stored with a filter on the generation it was
//! built at (and on no hold), both single-document writes, so the server decides every race.
//! Storing writes the facts under their generation first, then the record; the facts of the
//! generations before the one the record named until then are removed after. So the record's
//! generation always has its facts, and so does the one before it, for a view that read the
//! record just before a newer model was stored. The model's JSON is read only when its version is this
//! one, and a part that is missing or does not decode is no model: the view replays and has
//! the record rebuilt. The projector must read the primary (`MongoStore::on_primary`): one
//! that read an old generation from a secondary would only lose its race, but one that read an
//! old history would store a wrong model.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::engine::Plan;
use domain::progress::ProgressFacts;
use domain::read_model::{ReadModel, VERSION};
use mongodb::bson::{self, doc, Document};
use mongodb::options::{Acknowledgment, CollectionOptions, IndexOptions, WriteConcern};
use mongodb::{Collection, IndexModel};
use serde::Deserialize;
use service::read_model::{Part, Put, ReadModelStore, StoredModel};
use service::StoreError;

use super::{db_err, strings_of, MongoStore};

pub const READ_MODELS: &str = "read_models";
pub const READ_MODEL_PROGRESS: &str = "read_model_progress";

#[derive(Deserialize)]
struct ModelDoc {
    #[serde(rename = "_id")]
    user: String,
    #[serde(default)]
    generation: i64,
    #[serde(default)]
    built_at: i64,
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    held_until: Option<bson::DateTime>,
    #[serde(default)]
    inputs: Option<String>,
    #[serde(default)]
    plan: Option<String>,
}

#[derive(Deserialize)]
struct ProgressDoc {
    #[serde(default)]
    progress: Option<String>,
}

/// The `_id` of the facts of `user`'s model built at `generation`.
fn progress_key(user: &str, generation: i64) -> String {
    format!("{user}/{generation}")
}

/// A part of a model from its JSON text: none when it does not decode (the record is rebuilt).
fn decoded<T: serde::de::DeserializeOwned>(user: &str, json: Option<&str>) -> Option<T> {
    serde_json::from_str(json?)
        .map_err(|e| {
            tracing::warn!(%user, error = %e, "a read model that does not decode is rebuilt");
        })
        .ok()
}

fn count(n: i64, user: &str) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::corrupt(user.to_owned(), "negative generation"))
}

impl MongoStore {
    fn models(&self) -> Collection<Document> {
        self.model_collection(READ_MODELS)
    }

    fn progress_parts(&self) -> Collection<Document> {
        self.model_collection(READ_MODEL_PROGRESS)
    }

    fn model_collection(&self, name: &str) -> Collection<Document> {
        // Reads follow the store's preference: the views' reads may go to a secondary (a model
        // that lags is an older exact one), the projector's store is `on_primary`.
        self.db.collection_with_options(
            name,
            CollectionOptions::builder()
                .write_concern(
                    WriteConcern::builder()
                        .w(Acknowledgment::Majority)
                        .journal(true)
                        .build(),
                )
                .build(),
        )
    }

    pub(crate) async fn ensure_read_model_indexes(&self) -> Result<(), StoreError> {
        let stale = IndexModel::builder()
            .keys(doc! {"stale": 1})
            .options(IndexOptions::builder().name("stale".to_owned()).build())
            .build();
        self.models().create_index(stale).await.map_err(db_err)?;
        let by_user = IndexModel::builder()
            .keys(doc! {"user": 1, "built_at": 1})
            .options(
                IndexOptions::builder()
                    .name("user_built_at".to_owned())
                    .build(),
            )
            .build();
        self.progress_parts()
            .create_index(by_user)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}

/// The update that raises a generation and marks the document stale.
fn raise() -> Document {
    doc! {"$inc": {"generation": 1_i64}, "$set": {"stale": true}}
}

/// The first write error or write concern error of an `update` command's answer.
fn update_failed(answer: &Document) -> Option<String> {
    if let Ok(errors) = answer.get_array("writeErrors") {
        if let Some(first) = errors.first() {
            return Some(first.to_string());
        }
    }
    answer
        .get_document("writeConcernError")
        .ok()
        .map(ToString::to_string)
}

#[async_trait]
impl ReadModelStore for MongoStore {
    async fn mark_stale(&self, users: &[String]) -> Result<(), StoreError> {
        if users.is_empty() {
            return Ok(());
        }
        // One round trip for the batch's users.
        let updates: Vec<Document> = users
            .iter()
            .map(|u| doc! {"q": {"_id": u}, "u": raise(), "upsert": true})
            .collect();
        let answer = self
            .db
            .run_command(doc! {
                "update": READ_MODELS,
                "updates": updates,
                "ordered": false,
                "writeConcern": {"w": "majority", "j": true},
            })
            .await
            .map_err(db_err)?;
        match update_failed(&answer) {
            // Retried with the batch: raising a generation twice only costs a rebuild.
            Some(error) => Err(StoreError::unavailable(format!(
                "raising read model generations failed: {error}"
            ))),
            None => Ok(()),
        }
    }

    async fn hold(&self, user: &str, until: DateTime<Utc>) -> Result<(), StoreError> {
        let until = bson::DateTime::from_millis(until.timestamp_millis());
        // `$max` keeps the later of two holds.
        self.models()
            .update_one(
                doc! {"_id": user},
                doc! {
                    "$inc": {"generation": 1_i64},
                    "$set": {"stale": true},
                    "$max": {"held_until": until},
                },
            )
            .upsert(true)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn mark_outdated(&self, version: u32) -> Result<u64, StoreError> {
        let older = doc! {"$or": [
            {"version": {"$lt": i64::from(version)}},
            {"version": {"$exists": false}},
        ]};
        let done = self
            .models()
            .update_many(older, raise())
            .await
            .map_err(db_err)?;
        Ok(done.modified_count)
    }

    async fn stale_users(&self, limit: usize) -> Result<Vec<String>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        strings_of(self.models().find(doc! {"stale": true}).limit(limit), "_id").await
    }

    async fn stored_part(&self, user: &str, part: Part) -> Result<Option<StoredModel>, StoreError> {
        // `progress` is left out for the records the layout before kept it in.
        let mut skip = doc! {"progress": 0};
        if !part.plan() {
            skip.insert("plan", 0);
        }
        let models = self.models().clone_with_type::<ModelDoc>();
        let Some(d) = models
            .find_one(doc! {"_id": user})
            .projection(skip)
            .await
            .map_err(db_err)?
        else {
            crate::documents_read(READ_MODELS, 0);
            return Ok(None);
        };
        crate::documents_read(READ_MODELS, 1);
        let version = d.version.and_then(|v| u32::try_from(v).ok());
        // Only a model of this version is read, and its facts only while it is fresh.
        let current = version == Some(VERSION);
        let plan: Option<Plan> = current
            .then(|| decoded(&d.user, d.plan.as_deref()))
            .flatten();
        let progress: Option<ProgressFacts> =
            if current && part.progress() && d.built_at == d.generation {
                let found = self
                    .progress_parts()
                    .clone_with_type::<ProgressDoc>()
                    .find_one(doc! {"_id": progress_key(user, d.built_at)})
                    .await
                    .map_err(db_err)?;
                crate::documents_read(READ_MODEL_PROGRESS, usize::from(found.is_some()));
                found.and_then(|p| decoded(&d.user, p.progress.as_deref()))
            } else {
                None
            };
        Ok(Some(StoredModel {
            generation: count(d.generation, &d.user)?,
            built_at: count(d.built_at, &d.user)?,
            version,
            held_until: d
                .held_until
                .and_then(|h| DateTime::<Utc>::from_timestamp_millis(h.timestamp_millis())),
            inputs: d.inputs,
            plan,
            progress,
        }))
    }

    async fn put_model(
        &self,
        user: &str,
        generation: u64,
        model: &ReadModel,
        now: DateTime<Utc>,
    ) -> Result<Put, StoreError> {
        let plan = serde_json::to_string(&model.plan).map_err(StoreError::rejected)?;
        let progress = serde_json::to_string(&model.progress).map_err(StoreError::rejected)?;
        let generation =
            i64::try_from(generation).map_err(|_| StoreError::rejected("a generation past i64"))?;
        let now = bson::DateTime::from_millis(now.timestamp_millis());
        // The facts first: a record is stored naming only a generation whose facts are there.
        let key = progress_key(user, generation);
        self.progress_parts()
            .replace_one(
                doc! {"_id": &key},
                doc! {"_id": &key, "user": user, "built_at": generation, "progress": progress},
            )
            .upsert(true)
            .await
            .map_err(db_err)?;
        let before = self
            .models()
            .find_one_and_update(
                doc! {
                    "_id": user,
                    "generation": generation,
                    "$or": [{"held_until": {"$exists": false}}, {"held_until": {"$lte": now}}],
                },
                doc! {
                    "$set": {
                        "built_at": generation,
                        "stale": false,
                        "version": i64::from(model.version),
                        "inputs": &model.inputs,
                        "plan": plan,
                    },
                    "$unset": {"held_until": "", "progress": ""},
                },
            )
            .projection(doc! {"built_at": 1})
            .await
            .map_err(db_err)?;
        if let Some(before) = before {
            // The record names this generation now, never an older one again. The one it named
            // until now keeps its facts until the next store, for a view that has just read it.
            let previous = before.get_i64("built_at").unwrap_or(0).min(generation);
            if let Err(e) = self
                .progress_parts()
                .delete_many(doc! {"user": user, "built_at": {"$lt": previous}})
                .await
            {
                tracing::warn!(%user, error = %e, "removing older read model facts failed; the next build removes them");
            }
            return Ok(Put::Stored);
        }
        // Not stored. Its facts stay until a later store removes them (another projector may
        // have stored this generation). Say whether a hold or a newer generation refused it.
        let held = self
            .models()
            .find_one(doc! {"_id": user, "generation": generation, "held_until": {"$gt": now}})
            .projection(doc! {"_id": 1})
            .await
            .map_err(db_err)?;
        Ok(if held.is_some() {
            Put::Held
        } else {
            Put::Moved
        })
    }

    async fn forget_model(&self, user: &str) -> Result<(), StoreError> {
        self.progress_parts()
            .delete_many(doc! {"user": user})
            .await
            .map_err(db_err)?;
        self.models()
            .delete_one(doc! {"_id": user})
            .await
            .map_err(db_err)?;
        Ok(())
    }
}
