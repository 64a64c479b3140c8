//! The open redb file, reopened after an I/O failure. redb refuses every operation after one
//! failed write ("Previous I/O error occurred. Please close and re-open the database"), so
//! without this a full disk, once freed, would still take the embedded server down until a
//! restart. Operations run on the blocking pool through [`Db::run`]; one that fails with an
//! I/O error marks the file broken, and the next operation reopens it (redb repairs it on
//! open), or fails again while the disk is still full.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redb::{Database, StorageError};
use service::BoxError;

/// Reopening is tried at most this often while it keeps failing (a disk still full).
const REOPEN_EVERY: Duration = Duration::from_millis(250);

pub(crate) struct Db {
    path: PathBuf,
    state: Mutex<State>,
    /// When an operation last failed on the file's I/O.
    last_io_failure: Mutex<Option<Instant>>,
}

/// A write is expected to fail below this much free space (redb grows its file in steps).
const LEAST_FREE: u64 = 1024 * 1024;

/// After an I/O failure the database is reported unusable for this long, even if it reopens:
/// the next write would most likely fail the same way.
const FAILURE_HOLDS: Duration = Duration::from_secs(5);

enum State {
    Open(Arc<Database>),
    /// Failed; not reopened before `retry_at`.
    Broken {
        retry_at: Instant,
    },
}

#[derive(Debug, thiserror::Error)]
#[error("the embedded database could not be reopened after an I/O error")]
struct Reopen(#[source] redb::DatabaseError);

#[derive(Debug, thiserror::Error)]
#[error("the embedded database failed to write (is the disk full?) and is not reopened yet")]
struct StillBroken;

impl Db {
    pub(crate) fn new(path: PathBuf, db: Database) -> Self {
        Self {
            path,
            state: Mutex::new(State::Open(Arc::new(db))),
            last_io_failure: Mutex::new(None),
        }
    }

    /// The open database, reopening it first if an I/O error broke it.
    fn handle(&self) -> Result<Arc<Database>, BoxError> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match &*state {
            State::Open(db) => return Ok(db.clone()),
            State::Broken { retry_at } if Instant::now() < *retry_at => {
                return Err(Box::new(StillBroken))
            }
            State::Broken { .. } => {}
        }
        // Operations that still hold the old handle end quickly (they fail too), and redb
        // opens a file only once per process: until they have, this fails and is retried.
        match Database::create(&self.path) {
            Ok(db) => {
                tracing::warn!(path = %self.path.display(), "embedded database reopened after an I/O error");
                let db = Arc::new(db);
                *state = State::Open(db.clone());
                Ok(db)
            }
            Err(e) => {
                *state = State::Broken {
                    retry_at: Instant::now() + REOPEN_EVERY,
                };
                Err(Box::new(Reopen(e)))
            }
        }
    }

    /// Whether writes can be expected to succeed now: the file is open, no I/O failure in
    /// the last [`FAILURE_HOLDS`], and the disk has room. Cheap and never blocking (readiness
    /// asks it): a broken file is reopened on the blocking pool, and the next call sees it.
    pub(crate) fn is_usable(self: &Arc<Self>) -> bool {
        let failed_lately = self
            .last_io_failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some_and(|at| at.elapsed() < FAILURE_HOLDS);
        let dir = self.path.parent().unwrap_or(&self.path);
        let room = super::space(dir).is_ok_and(|(free, _)| free >= LEAST_FREE);
        let open = matches!(
            &*self.state.lock().unwrap_or_else(|p| p.into_inner()),
            State::Open(_)
        );
        if !open && room {
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                let this = self.clone();
                runtime.spawn_blocking(move || this.handle().is_ok());
            }
        }
        !failed_lately && room && open
    }

    fn broke(&self, failed: &Arc<Database>) {
        *self
            .last_io_failure
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if matches!(&*state, State::Open(db) if Arc::ptr_eq(db, failed)) {
            tracing::error!(path = %self.path.display(), "embedded database write failed; it will be reopened");
            *state = State::Broken {
                retry_at: Instant::now(),
            };
        }
    }

    /// Runs `f` on the blocking pool against the open database.
    pub(crate) async fn run<T: Send + 'static, E: Failure>(
        self: &Arc<Self>,
        f: impl FnOnce(&Database) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let db = this.handle().map_err(E::from_box)?;
            let result = f(&db);
            if let Err(e) = &result {
                if e.is_io() {
                    this.broke(&db);
                }
            }
            result
        })
        .await
        .map_err(|e| E::from_box(Box::new(e)))?
    }
}

/// The error types operations return: a boxed error, or the store's.
pub(crate) trait Failure: Send + 'static {
    fn from_box(e: BoxError) -> Self;
    fn is_io(&self) -> bool;
}

impl Failure for BoxError {
    fn from_box(e: BoxError) -> Self {
        e
    }
    fn is_io(&self) -> bool {
        is_io_failure(self.as_ref())
    }
}

impl Failure for service::StoreError {
    fn from_box(e: BoxError) -> Self {
        store_err(e)
    }
    fn is_io(&self) -> bool {
        is_io_failure(self)
    }
}

/// A redb failure as the store's error: the file's I/O failing passes once it is reopened
/// (a full disk freed); anything else will not.
pub(crate) fn store_err(e: impl Into<BoxError>) -> service::StoreError {
    let e = e.into();
    if is_io_failure(e.as_ref()) || e.is::<StillBroken>() || e.is::<Reopen>() {
        service::StoreError::unavailable(e)
    } else {
        service::StoreError::rejected(e)
    }
}

/// Whether `e` (any of redb's error types, or one wrapping it) is the file's I/O failing, which
/// only reopening clears.
fn is_io_failure(e: &(dyn std::error::Error + 'static)) -> bool {
    let storage = |s: &StorageError| matches!(s, StorageError::Io(_) | StorageError::PreviousIo);
    let mut next = Some(e);
    while let Some(e) = next {
        let hit = if let Some(s) = e.downcast_ref::<StorageError>() {
            storage(s)
        } else if let Some(e) = e.downcast_ref::<redb::TransactionError>() {
            matches!(e, redb::TransactionError::Storage(s) if storage(s))
        } else if let Some(e) = e.downcast_ref::<redb::CommitError>() {
            matches!(e, redb::CommitError::Storage(s) if storage(s))
        } else if let Some(e) = e.downcast_ref::<redb::TableError>() {
            matches!(e, redb::TableError::Storage(s) if storage(s))
        } else if let Some(e) = e.downcast_ref::<redb::Error>() {
            matches!(e, redb::Error::Io(_) | redb::Error::PreviousIo)
        } else {
            false
        };
        if hit {
            return true;
        }
        next = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_failures_are_told_from_other_errors() {
        let io: BoxError = Box::new(redb::CommitError::Storage(StorageError::Io(
            std::io::Error::other("No space left on device"),
        )));
        assert!(is_io_failure(io.as_ref()));
        let previous: BoxError =
            Box::new(redb::TransactionError::Storage(StorageError::PreviousIo));
        assert!(is_io_failure(previous.as_ref()));
        let other: BoxError = Box::new(redb::TableError::TableDoesNotExist("x".into()));
        assert!(!is_io_failure(other.as_ref()));
    }
}
