//! The baseline publisher: lapin with publisher confirms, nothing else, on the queue topology
//! Ironlog declares.

use std::sync::Arc;

use adapters::rabbit::{declare_topology, publish_settings, EXCHANGE, QUEUE, ROUTING_KEY};
use anyhow::{Context, Result};
use lapin::options::{ConfirmSelectOptions, QueueDeclareOptions, QueuePurgeOptions};
use lapin::publisher_confirm::Confirmation;
use lapin::types::FieldTable;
use lapin::{Channel, Connection, ConnectionProperties};

pub struct BarePublisher {
    _conn: Connection,
    channel: Channel,
}

impl BarePublisher {
    pub async fn connect(url: &str) -> Result<Arc<Self>> {
        let conn = Connection::connect(url, ConnectionProperties::default())
            .await
            .context("connecting to RabbitMQ")?;
        let channel = conn.create_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        declare_topology(&channel)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Arc::new(Self {
            _conn: conn,
            channel,
        }))
    }

    /// Empties Ironlog's persist queue; returns how many messages it dropped.
    pub async fn purge(&self) -> Result<u32> {
        Ok(self
            .channel
            .queue_purge(QUEUE, QueuePurgeOptions::default())
            .await?)
    }

    /// Messages waiting in Ironlog's persist queue (ready, not yet delivered).
    pub async fn ready(&self) -> Result<u32> {
        let passive = QueueDeclareOptions {
            passive: true,
            ..Default::default()
        };
        let queue = self
            .channel
            .queue_declare(QUEUE, passive, FieldTable::default())
            .await?;
        Ok(queue.message_count())
    }

    /// Publishes as the server does and waits for the broker's confirm; true when acknowledged.
    pub async fn publish(&self, id: &str, body: &[u8]) -> bool {
        let (options, props) = publish_settings(id);
        match self
            .channel
            .basic_publish(EXCHANGE, ROUTING_KEY, options, body, props)
            .await
        {
            Ok(confirm) => matches!(confirm.await, Ok(Confirmation::Ack(None))),
            Err(_) => false,
        }
    }
}
