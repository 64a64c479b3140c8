//! Ironlog's adapters: the ports of the `service` crate over real infrastructure. MongoDB
//! (official driver) and RabbitMQ (lapin) in a deployment; one embedded redb file (store and
//! queue together) by default. One contract suite (`tests/contract.rs`) holds every adapter
//! to the same behaviour.

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
