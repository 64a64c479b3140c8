//! The baseline publisher: lapin with publisher confirms, nothing else, on the queue topology
//! Ironlog declares.

use std::sync::Arc;

use anyhow::{Context, Result};
use consumer::queue::rabbit::{declare_topology, EXCHANGE, QUEUE, ROUTING_KEY};
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions, QueuePurgeOptions};
use lapin::publisher_confirm::Confirmation;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};

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

    /// Publishes persistently and waits for the broker's confirm; true when acknowledged.
    pub async fn publish(&self, id: &str, body: &[u8]) -> bool {
        let props = BasicProperties::default()
            .with_delivery_mode(2)
            .with_content_type("application/json".into())
            .with_message_id(id.into());
        let options = BasicPublishOptions {
            mandatory: true,
            ..Default::default()
        };
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
