//! The durable queue between the server (publisher) and the worker (event source).

use async_trait::async_trait;
use domain::{WorkoutChange, WorkoutLogged};

use crate::BoxError;

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("the queue is not connected")]
    Unavailable,
    #[error("the queue did not confirm within {0:?}")]
    Timeout(std::time::Duration),
    /// The broker answered but did not take the message (nacked, or it had no route).
    #[error("the queue refused the message: {0}")]
    Refused(&'static str),
    #[error("queue error")]
    Broker(#[source] BoxError),
    /// The event could not be serialized: a bug, never worth retrying.
    #[error("the event could not be encoded")]
    Encode(#[from] serde_json::Error),
}

impl PublishError {
    pub fn broker(e: impl Into<BoxError>) -> Self {
        Self::Broker(e.into())
    }

    /// Whether publishing the same message again may succeed.
    pub fn is_transient(&self) -> bool {
        !matches!(self, Self::Encode(_))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The connection or channel is gone: reconnect and carry on.
    #[error("queue connection lost")]
    Disconnected(#[source] BoxError),
    #[error("queue error")]
    Broker(#[source] BoxError),
}

impl QueueError {
    pub fn disconnected(e: impl Into<BoxError>) -> Self {
        Self::Disconnected(e.into())
    }

    pub fn broker(e: impl Into<BoxError>) -> Self {
        Self::Broker(e.into())
    }
}

#[async_trait]
pub trait Publisher: Send + Sync + 'static {
    /// Returns once the queue has durably accepted the message, or fails; never waits longer
    /// than the publisher's configured timeout.
    async fn publish_bytes(&self, message_id: &str, body: Vec<u8>) -> Result<(), PublishError>;

    /// Whether a publish could succeed now (connected); for readiness checks.
    fn is_connected(&self) -> bool;

    async fn publish_change(&self, change: &WorkoutChange) -> Result<(), PublishError> {
        let body = change.encode()?;
        self.publish_bytes(&change.message_id(), body).await
    }

    /// Publishes a save (a workout logged or edited).
    async fn publish(&self, event: &WorkoutLogged) -> Result<(), PublishError> {
        self.publish_change(&WorkoutChange::Saved(event.clone()))
            .await
    }
}

/// A message handed to the worker; it stays in the queue until acknowledged.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub tag: u64,
    pub body: Vec<u8>,
    pub redelivered: bool,
}

#[async_trait]
pub trait EventSource: Send + 'static {
    /// Waits for at least one message, then returns those ready, at most `max`, oldest first.
    async fn next_batch(&mut self, max: usize) -> Result<Vec<Delivery>, QueueError>;

    /// Removes the given deliveries from the queue: they are persisted.
    async fn ack(&mut self, tags: &[u64]) -> Result<(), QueueError>;

    /// Moves a delivery to the dead letters: it can never be processed.
    async fn reject(&mut self, tag: u64) -> Result<(), QueueError>;
}
