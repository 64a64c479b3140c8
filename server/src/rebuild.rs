//! `ironlog-server rebuild-read-models`: every user's read model rebuilt from the stored
//! history, with progress on standard error.

use std::sync::Arc;

use adapters::embedded::EmbeddedDb;
use adapters::mongo::MongoStore;
use secrecy::ExposeSecret;
use service::read_model::{CaughtUp, Projection};
use service::StoreError;

use crate::backend::BackendError;
use crate::config::{Config, Mode};

/// Users marked per write, and rebuilt per round.
const CHUNK: usize = 256;

#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    #[error("opening the store (an embedded store is open in one process at a time: stop the server first)")]
    Open(#[from] BackendError),
    #[error("rebuilding the read models")]
    Store(#[from] StoreError),
}

/// Marks every account's model stale, then rebuilds them all, printing progress. Writes go on
/// meanwhile: a change during the rebuild marks its user again, and that user is rebuilt once
/// more before this returns.
pub async fn rebuild_read_models(config: &Config) -> Result<CaughtUp, RebuildError> {
    let projection = match &config.mode {
        Mode::Embedded { data_dir } => {
            let db = EmbeddedDb::open(data_dir).map_err(BackendError::from)?;
            Projection::new(Arc::new(db.store()), Arc::new(db.accounts()))
        }
        Mode::Distributed {
            mongodb_uri,
            mongodb_tls,
            ..
        } => {
            let store = MongoStore::connect_with_tls(mongodb_uri.expose_secret(), mongodb_tls)
                .await
                .map_err(BackendError::Database)?;
            let primary = Arc::new(store.on_primary());
            Projection::new(primary.clone(), primary)
        }
    };
    let users = projection.accounts.all_ids().await?;
    eprintln!("rebuilding the read models of {} accounts…", users.len());
    for chunk in users.chunks(CHUNK) {
        projection.models.mark_stale(chunk).await?;
    }
    let total = users.len();
    // Runs to the end: Ctrl-C stops the process, and what is left stays stale for the
    // projectors.
    let never = tokio_util::sync::CancellationToken::new();
    let done = projection
        .catch_up(CHUNK, &never, |fresh| {
            eprintln!("  {fresh} of {total} rebuilt");
        })
        .await?;
    Ok(done)
}
