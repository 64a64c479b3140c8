//! The thin JSON API under `/api/v1`, used by the browser and by other clients.

pub mod data;
pub mod doc;
pub mod error;
pub mod training;
pub mod workouts;

pub use error::ApiError;

/// The most a request body may hold.
pub const MAX_BODY: usize = 64 * 1024;
