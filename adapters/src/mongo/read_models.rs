//! Read models in MongoDB: collection `read_models`, one document per user,
//! `{_id: user, generation, built_at, stale, version, json}`, index `stale`. A generation is
//! raised with `$inc` and a model stored with a filter on the generation it was built at,
//! both single-document writes, so the server decides every race. The projector must read the
//! primary (`MongoStore::on_primary`): one that read an old generation from a secondary would
//! only lose its race, but one that read an old history would store a wrong model.

use async_trait::async_trait;
use domain::read_model::ReadModel;
use mongodb::bson::{doc, Document};
use mongodb::options::{Acknowledgment, CollectionOptions, IndexOptions, WriteConcern};
use mongodb::{Collection, IndexModel};
use serde::Deserialize;
use service::read_model::{ReadModelStore, StoredModel};
use service::StoreError;

use super::{db_err, strings_of, MongoStore};

pub const READ_MODELS: &str = "read_models";

#[derive(Deserialize)]
struct ModelDoc {
    #[serde(rename = "_id")]
    user: String,
    #[serde(default)]
    generation: i64,
    #[serde(default)]
    built_at: i64,
    #[serde(default)]
    json: Option<String>,
}

fn count(n: i64, user: &str) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::corrupt(user.to_owned(), "negative generation"))
}

impl MongoStore {
    fn models(&self) -> Collection<Document> {
        // Reads follow the store's preference: the views' reads may go to a secondary (a model
        // that lags is an older exact one), the projector's store is `on_primary`.
        self.db.collection_with_options(
            READ_MODELS,
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
        Ok(())
    }
}

/// The update that raises a generation and marks the document stale.
fn raise() -> Document {
    doc! {"$inc": {"generation": 1_i64}, "$set": {"stale": true}}
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
        if let Ok(errors) = answer.get_array("writeErrors") {
            if let Some(first) = errors.first() {
                return Err(StoreError::rejected(format!(
                    "raising read model generations failed: {first}"
                )));
            }
        }
        Ok(())
    }

    async fn mark_outdated(&self, version: Option<u32>) -> Result<u64, StoreError> {
        let filter = match version {
            Some(v) => doc! {"version": {"$ne": i64::from(v)}},
            None => doc! {},
        };
        let done = self
            .models()
            .update_many(filter, raise())
            .await
            .map_err(db_err)?;
        Ok(done.modified_count)
    }

    async fn stale_users(&self, limit: usize) -> Result<Vec<String>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        strings_of(self.models().find(doc! {"stale": true}).limit(limit), "_id").await
    }

    async fn stored_model(&self, user: &str) -> Result<Option<StoredModel>, StoreError> {
        let found = self
            .models()
            .clone_with_type::<ModelDoc>()
            .find_one(doc! {"_id": user})
            .await
            .map_err(db_err)?;
        crate::documents_read(READ_MODELS, usize::from(found.is_some()));
        found
            .map(|d| {
                let model = d
                    .json
                    .as_deref()
                    .map(serde_json::from_str::<ReadModel>)
                    .transpose()
                    .map_err(|e| StoreError::corrupt(d.user.clone(), e))?;
                Ok(StoredModel {
                    generation: count(d.generation, &d.user)?,
                    built_at: count(d.built_at, &d.user)?,
                    model,
                })
            })
            .transpose()
    }

    async fn put_model(
        &self,
        user: &str,
        generation: u64,
        model: &ReadModel,
    ) -> Result<bool, StoreError> {
        let json = serde_json::to_string(model).map_err(StoreError::rejected)?;
        let generation =
            i64::try_from(generation).map_err(|_| StoreError::rejected("a generation past i64"))?;
        let done = self
            .models()
            .update_one(
                doc! {"_id": user, "generation": generation},
                doc! {"$set": {
                    "built_at": generation,
                    "stale": false,
                    "version": i64::from(model.version),
                    "json": json,
                }},
            )
            .await
            .map_err(db_err)?;
        Ok(done.matched_count == 1)
    }

    async fn forget_model(&self, user: &str) -> Result<(), StoreError> {
        self.models()
            .delete_one(doc! {"_id": user})
            .await
            .map_err(db_err)?;
        Ok(())
    }
}
