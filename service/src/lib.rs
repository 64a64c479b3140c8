//! Ironlog's service layer. The ports are traits the adapters implement (`adapters` crate:
//! MongoDB, RabbitMQ, redb); the services are what the pages and the JSON API do with them.
//! Nothing here knows a database, a broker or a UI framework, so the UI crate and the
//! server can depend on it without pulling those in.
//!
//! # Layout
//!
//! - The ports: `store` (`WorkoutStore`, `Page`), `queue` (`Publisher` and `EventSource`, the
//!   durable queue's two ends, and their errors), `accounts` (`AccountStore`, `SessionStore`,
//!   `ProfileStore`: profiles and weighings), `read_model` (`ReadModelStore`, and the
//!   projector that keeps each user's read model exact).
//! - `error`: `StoreError`, which says whether trying again may help, and `Chain`, an error
//!   printed with its sources.
//! - The services: `changes` (`Changes`: a workout logged, edited or deleted is validated,
//!   stamped and published, with no store read; `ChangeError`, its refusal in the domain's
//!   terms) and `training` (`Training`: a user's profile, bodyweight log, history, plan and
//!   Progress).
//!
//! Only `read_model` is public; the other modules' items are re-exported here.

mod accounts;
mod changes;
mod error;
mod identity;
mod queue;
pub mod read_model;
mod store;
mod training;

pub use accounts::{Account, AccountError, AccountStore, ProfileStore, Session, SessionStore};
pub use changes::{ChangeError, Changes};
pub use error::{BoxError, Chain, StoreError};
pub use identity::CurrentUser;
pub use queue::{Delivery, EventSource, PublishError, Publisher, QueueError};
pub use read_model::{ReadModelStore, StoredModel};
pub use store::{Page, WorkoutStore};
pub use training::{ProfileError, Training};
