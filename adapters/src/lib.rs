//! Ironlog's adapters: the ports of the `service` crate over real infrastructure. MongoDB
//! (official driver) and RabbitMQ (lapin) in a deployment; one embedded redb file (store and
//! queue together) by default. One contract suite (`tests/contract.rs`) holds every adapter
//! to the same behaviour.
//!
//! # Layout
//!
//! - `mongo/`: `MongoStore`: workouts (`mod.rs`), accounts, sessions, profiles and weighings
//!   (`accounts.rs`), read models (`read_models.rs`).
//! - `rabbit`: `RabbitPublisher` and `RabbitSource`, and the topology both declare.
//! - `embedded/`: one redb file: the store, the queue and its dead letters (`mod.rs`),
//!   accounts, sessions, profiles and weighings (`accounts.rs`), read models
//!   (`read_models.rs`) and their tables (`read_model_tables.rs`, apart so that account
//!   deletion empties them without `accounts.rs` and `read_models.rs` importing each other),
//!   the file's handle, reopened after an I/O failure (`handle.rs`), free space (`space.rs`).
//! - For the binaries: `tls` (CA and client certificates), `secrets` (`<NAME>` or
//!   `<NAME>_FILE`), `retry` (endless jittered backoff), `signal` (shutdown signals).

pub mod embedded;
pub mod mongo;
pub mod rabbit;
pub mod retry;
pub mod secrets;
pub mod signal;
pub mod tls;

/// Counts the documents (rows) a read returned, by collection: what the benchmark divides by
/// the views served to tell how much each view reads (`ironlog_store_documents_read_total`).
pub(crate) fn documents_read(collection: &'static str, n: usize) {
    metrics::counter!("ironlog_store_documents_read_total", "collection" => collection)
        .increment(n as u64);
}
