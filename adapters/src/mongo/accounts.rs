//! Accounts in MongoDB: `accounts` (unique `email`) and `sessions` (by `_id`, the token's
//! hash; a TTL index removes expired ones where the server supports it), `profiles` (by user)
//! and `bodyweight` (a user's weighings, one document a day).

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashSet;

use mongodb::bson::{self, doc, Document};
use mongodb::error::{ErrorKind, WriteFailure};
use mongodb::options::{IndexOptions, ReadPreference, SelectionCriteria};
use mongodb::{Collection, IndexModel};
use serde::{Deserialize, Serialize};

use super::{db_err, strings_of, MongoStore};
use domain::bodyweight::Weighing;
use domain::profile::Profile;
use service::{
    Account, AccountError, AccountStore, ProfileStore, Session, SessionStore, StoreError,
};

const DUPLICATE_KEY: i32 = 11000;

#[derive(Serialize, Deserialize)]
struct AccountDoc {
    #[serde(rename = "_id")]
    id: String,
    email: String,
    password_hash: String,
    created_at: bson::DateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deleting_since: Option<bson::DateTime>,
}

/// The profile as JSON text: it is configuration read and written whole, never queried.
#[derive(Serialize, Deserialize)]
struct ProfileDoc {
    #[serde(rename = "_id")]
    user_id: String,
    json: String,
    updated_at: bson::DateTime,
}

/// One weighing; `_id` is `<user>|<day>`, so a second weighing of a day replaces the first.
#[derive(Serialize, Deserialize)]
struct WeighingDoc {
    #[serde(rename = "_id")]
    id: String,
    user_id: String,
    /// YYYY-MM-DD, which sorts as the days do.
    date: String,
    kg: f64,
}

fn weighing_id(user_id: &str, date: NaiveDate) -> String {
    format!("{user_id}|{date}")
}

#[derive(Serialize, Deserialize)]
struct SessionDoc {
    #[serde(rename = "_id")]
    id: String,
    user_id: String,
    created_at: bson::DateTime,
    expires_at: bson::DateTime,
}

fn to_bson(t: DateTime<Utc>) -> bson::DateTime {
    bson::DateTime::from_millis(t.timestamp_millis())
}

fn from_bson(id: &str, t: bson::DateTime) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(t.timestamp_millis())
        .ok_or_else(|| StoreError::corrupt(id.to_owned(), "date out of range"))
}

impl TryFrom<AccountDoc> for Account {
    type Error = StoreError;
    fn try_from(d: AccountDoc) -> Result<Self, StoreError> {
        let deleting_since = d.deleting_since.map(|t| from_bson(&d.id, t)).transpose()?;
        Ok(Self {
            created_at: from_bson(&d.id, d.created_at)?,
            deleting_since,
            id: d.id,
            email: d.email,
            password_hash: d.password_hash,
        })
    }
}

impl TryFrom<SessionDoc> for Session {
    type Error = StoreError;
    fn try_from(d: SessionDoc) -> Result<Self, StoreError> {
        Ok(Self {
            created_at: from_bson(&d.id, d.created_at)?,
            expires_at: from_bson(&d.id, d.expires_at)?,
            id: d.id,
            user_id: d.user_id,
        })
    }
}

impl MongoStore {
    /// The ids of the accounts matching `filter`, read from the primary: deletions rely on
    /// seeing a mark just written.
    async fn account_ids(&self, filter: Document) -> Result<Vec<String>, StoreError> {
        let raw: Collection<Document> = self.db.collection("accounts");
        let primary = SelectionCriteria::ReadPreference(ReadPreference::Primary);
        strings_of(raw.find(filter).selection_criteria(primary), "_id").await
    }

    fn accounts(&self) -> Collection<AccountDoc> {
        self.db.collection("accounts")
    }

    fn sessions(&self) -> Collection<SessionDoc> {
        self.db.collection("sessions")
    }

    fn profiles(&self) -> Collection<ProfileDoc> {
        self.db.collection("profiles")
    }

    fn weighing_docs(&self) -> Collection<WeighingDoc> {
        self.db.collection("bodyweight")
    }
}

fn is_duplicate_key(e: &mongodb::error::Error) -> bool {
    matches!(&*e.kind, ErrorKind::Write(WriteFailure::WriteError(w)) if w.code == DUPLICATE_KEY)
}

#[async_trait]
impl AccountStore for MongoStore {
    async fn create_account(&self, account: &Account) -> Result<(), AccountError> {
        let doc = AccountDoc {
            id: account.id.clone(),
            email: account.email.clone(),
            password_hash: account.password_hash.clone(),
            created_at: to_bson(account.created_at),
            deleting_since: account.deleting_since.map(to_bson),
        };
        match self.accounts().insert_one(doc).await {
            Ok(_) => Ok(()),
            Err(e) if is_duplicate_key(&e) => Err(AccountError::EmailTaken),
            Err(e) => Err(AccountError::Store(db_err(e))),
        }
    }

    async fn account_by_email(&self, email: &str) -> Result<Option<Account>, StoreError> {
        let found = self
            .accounts()
            .find_one(doc! {"email": email})
            .await
            .map_err(db_err)?;
        found.map(Account::try_from).transpose()
    }

    async fn account(&self, id: &str) -> Result<Option<Account>, StoreError> {
        let found = self
            .accounts()
            .find_one(doc! {"_id": id})
            .await
            .map_err(db_err)?;
        found.map(Account::try_from).transpose()
    }

    async fn set_password(&self, id: &str, password_hash: &str) -> Result<(), StoreError> {
        let updated = self
            .accounts()
            .update_one(
                doc! {"_id": id},
                doc! {"$set": {"password_hash": password_hash}},
            )
            .await
            .map_err(db_err)?;
        if updated.matched_count == 0 {
            return Err(StoreError::rejected(format!("no account {id}")));
        }
        self.sessions()
            .delete_many(doc! {"user_id": id})
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn begin_deletion(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.accounts()
            .update_one(
                doc! {"_id": id, "deleting_since": {"$exists": false}},
                doc! {"$set": {"deleting_since": to_bson(at)}},
            )
            .await
            .map_err(db_err)?;
        self.sessions()
            .delete_many(doc! {"user_id": id})
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn pending_deletions(&self) -> Result<Vec<String>, StoreError> {
        self.account_ids(doc! {"deleting_since": {"$exists": true}})
            .await
    }

    async fn all_ids(&self) -> Result<Vec<String>, StoreError> {
        self.account_ids(doc! {}).await
    }

    async fn finish_deletion(&self, id: &str) -> Result<(), StoreError> {
        self.sessions()
            .delete_many(doc! {"user_id": id})
            .await
            .map_err(db_err)?;
        ProfileStore::forget(self, id).await?;
        self.accounts()
            .delete_one(doc! {"_id": id})
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn active(&self, ids: &[String]) -> Result<HashSet<String>, StoreError> {
        let found = self
            .account_ids(doc! {"_id": {"$in": ids}, "deleting_since": {"$exists": false}})
            .await?;
        Ok(found.into_iter().collect())
    }
}

#[async_trait]
impl SessionStore for MongoStore {
    async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        let doc = SessionDoc {
            id: session.id.clone(),
            user_id: session.user_id.clone(),
            created_at: to_bson(session.created_at),
            expires_at: to_bson(session.expires_at),
        };
        self.sessions().insert_one(doc).await.map_err(db_err)?;
        Ok(())
    }

    async fn session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        let found = self
            .sessions()
            .find_one(doc! {"_id": id})
            .await
            .map_err(db_err)?;
        found.map(Session::try_from).transpose()
    }

    async fn delete_session(&self, id: &str) -> Result<(), StoreError> {
        self.sessions()
            .delete_one(doc! {"_id": id})
            .await
            .map_err(db_err)?;
        Ok(())
    }
}

#[async_trait]
impl ProfileStore for MongoStore {
    async fn profile(&self, user_id: &str) -> Result<Option<Profile>, StoreError> {
        let found = self
            .profiles()
            .find_one(doc! {"_id": user_id})
            .await
            .map_err(db_err)?;
        crate::documents_read("profiles", usize::from(found.is_some()));
        found
            .map(|d| {
                serde_json::from_str(&d.json).map_err(|e| StoreError::corrupt(d.user_id.clone(), e))
            })
            .transpose()
    }

    async fn put_profile(&self, user_id: &str, profile: &Profile) -> Result<(), StoreError> {
        let json = serde_json::to_string(profile).map_err(StoreError::rejected)?;
        let doc = ProfileDoc {
            user_id: user_id.to_owned(),
            json,
            updated_at: to_bson(Utc::now()),
        };
        self.profiles()
            .replace_one(doc! {"_id": user_id}, doc)
            .upsert(true)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn weighings(&self, user_id: &str) -> Result<Vec<Weighing>, StoreError> {
        use futures::TryStreamExt;
        let docs: Vec<WeighingDoc> = self
            .weighing_docs()
            .find(doc! {"user_id": user_id})
            .sort(doc! {"date": 1})
            .await
            .map_err(db_err)?
            .try_collect()
            .await
            .map_err(db_err)?;
        crate::documents_read("bodyweight", docs.len());
        docs.into_iter()
            .map(|d| {
                let date = d
                    .date
                    .parse::<NaiveDate>()
                    .map_err(|e| StoreError::corrupt(d.id.clone(), e))?;
                Ok(Weighing { date, kg: d.kg })
            })
            .collect()
    }

    async fn put_weighing(&self, user_id: &str, weighing: &Weighing) -> Result<(), StoreError> {
        let id = weighing_id(user_id, weighing.date);
        let doc = WeighingDoc {
            id: id.clone(),
            user_id: user_id.to_owned(),
            date: weighing.date.to_string(),
            kg: weighing.kg,
        };
        self.weighing_docs()
            .replace_one(doc! {"_id": id}, doc)
            .upsert(true)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn forget(&self, user_id: &str) -> Result<(), StoreError> {
        self.profiles()
            .delete_one(doc! {"_id": user_id})
            .await
            .map_err(db_err)?;
        self.weighing_docs()
            .delete_many(doc! {"user_id": user_id})
            .await
            .map_err(db_err)?;
        service::ReadModelStore::forget_model(self, user_id).await
    }

    async fn delete_weighing(&self, user_id: &str, date: NaiveDate) -> Result<bool, StoreError> {
        let done = self
            .weighing_docs()
            .delete_one(doc! {"_id": weighing_id(user_id, date)})
            .await
            .map_err(db_err)?;
        Ok(done.deleted_count > 0)
    }
}

impl MongoStore {
    pub async fn ensure_account_indexes(&self) -> Result<(), StoreError> {
        let unique_email = IndexModel::builder()
            .keys(doc! {"email": 1})
            .options(
                IndexOptions::builder()
                    .name("unique_email".to_owned())
                    .unique(true)
                    .build(),
            )
            .build();
        self.accounts()
            .create_index(unique_email)
            .await
            .map_err(db_err)?;
        let by_user = IndexModel::builder()
            .keys(doc! {"user_id": 1})
            .options(IndexOptions::builder().name("by_user".to_owned()).build())
            .build();
        let expiry = IndexModel::builder()
            .keys(doc! {"expires_at": 1})
            .options(
                IndexOptions::builder()
                    .name("expiry".to_owned())
                    .expire_after(std::time::Duration::ZERO)
                    .build(),
            )
            .build();
        self.sessions()
            .create_indexes([by_user, expiry])
            .await
            .map_err(db_err)?;
        let by_day = IndexModel::builder()
            .keys(doc! {"user_id": 1, "date": 1})
            .options(
                IndexOptions::builder()
                    .name("by_user_day".to_owned())
                    .build(),
            )
            .build();
        self.weighing_docs()
            .create_index(by_day)
            .await
            .map_err(db_err)?;
        self.ensure_read_model_indexes().await
    }
}
