//! Ironlog's write side. Adapters for the two stores (MongoDB, embedded redb) and the two queues
//! (RabbitMQ, embedded redb), behind traits that one contract test suite exercises, and the
//! worker that moves logged workouts from a queue into a store exactly once in effect.

pub mod accounts;
pub mod backoff;
pub mod embedded;
pub mod queue;
pub mod secrets;
pub mod signal;
pub mod store;
pub mod tls;
pub mod worker;

pub use queue::{Delivery, EventSource, PublishError, Publisher, QueueError};
pub use store::{Page, StoreError, WorkoutStore};
