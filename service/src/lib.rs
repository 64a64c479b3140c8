//! Ironlog's service layer. The ports are traits the adapters implement (`adapters` crate:
//! MongoDB, RabbitMQ, redb); the services are what the pages and the JSON API do with them.
//! Nothing here knows a database, a broker or a UI framework, so the UI crate and the
//! server can depend on it without pulling those in.

mod accounts;
mod error;
mod queue;
pub mod read_model;
mod store;
mod training;

pub use accounts::{Account, AccountError, AccountStore, ProfileStore, Session, SessionStore};
pub use error::{BoxError, Chain, StoreError};
pub use queue::{Delivery, EventSource, PublishError, Publisher, QueueError};
pub use read_model::{ReadModelStore, StoredModel};
pub use store::{Page, WorkoutStore};
pub use training::{ProfileError, Training};
