//! RabbitMQ adapter. The topology is declared by whoever connects first (server or consumer)
//! and re-declared on every reconnect, so either may start first.
//!
//! ```text
//! ironlog.workouts (topic) --workout.logged--> ironlog.workouts.persist (quorum)
//!                                                 | rejected
//!                                                 v
//!                               ironlog.workouts.dlx (fanout) --> ironlog.workouts.dead (quorum)
//! ```

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use futures::{FutureExt, StreamExt};
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions, BasicRejectOptions,
    ConfirmSelectOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::publisher_confirm::Confirmation;
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use tokio_util::sync::CancellationToken;

use service::{Delivery, EventSource, PublishError, Publisher, QueueError};

use crate::tls::{AmqpTls, TlsFiles};

pub const EXCHANGE: &str = "ironlog.workouts";
pub const ROUTING_KEY: &str = "workout.logged";
pub const QUEUE: &str = "ironlog.workouts.persist";
pub const DEAD_EXCHANGE: &str = "ironlog.workouts.dlx";
pub const DEAD_QUEUE: &str = "ironlog.workouts.dead";

/// Broker addresses: `AMQP_URL` may list several nodes separated by commas; connections try
/// them in turn, so a cluster survives the loss of any one node.
#[derive(Debug, Clone)]
pub struct BrokerAddrs {
    urls: Vec<String>,
    tls: AmqpTls,
}

impl BrokerAddrs {
    pub fn parse(list: &str) -> Result<Self, QueueError> {
        let urls: Vec<String> = list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if urls.is_empty() {
            return Err(QueueError::broker("AMQP_URL lists no broker address"));
        }
        for url in &urls {
            if !(url.starts_with("amqp://") || url.starts_with("amqps://")) {
                return Err(QueueError::broker(format!(
                    "broker address must start with amqp:// or amqps://, got {}",
                    redact(url)
                )));
            }
        }
        Ok(Self {
            urls,
            tls: AmqpTls::default(),
        })
    }

    /// Verifies `amqps://` brokers with `files`' CA and presents its client certificate.
    pub fn with_tls(mut self, files: &TlsFiles) -> Result<Self, QueueError> {
        self.tls = files.amqp_config().map_err(QueueError::broker)?;
        Ok(self)
    }

    /// Connects to the first node that answers, starting after the last one that worked.
    pub async fn connect(&self, start: &mut usize) -> Result<Connection, QueueError> {
        let mut last_err = None;
        let n = self.urls.len();
        for i in 0..n {
            let idx = (*start + i) % n;
            let props = ConnectionProperties::default()
                .with_executor(tokio_executor_trait::Tokio::current())
                .with_reactor(tokio_reactor_trait::Tokio)
                .with_connection_name("ironlog".into());
            let url = &self.urls[idx];
            let connecting = Connection::connect_with_config(url, props, self.tls.lapin_config());
            match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
                Ok(Ok(conn)) => {
                    *start = idx;
                    return Ok(conn);
                }
                Ok(Err(e)) => last_err = Some(format!("{}: {e}", redact(url))),
                Err(_) => last_err = Some(format!("{}: connect timed out", redact(url))),
            }
            *start = (idx + 1) % n;
        }
        Err(QueueError::disconnected(
            last_err.unwrap_or_else(|| "no broker address".to_owned()),
        ))
    }
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Hides the password in `amqp://user:password@host` for logs and errors.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..])
        }
        _ => url.to_owned(),
    }
}

fn broker(e: lapin::Error) -> QueueError {
    QueueError::broker(e)
}

/// Declares exchanges and queues idempotently.
pub async fn declare_topology(channel: &Channel) -> Result<(), QueueError> {
    let durable_exchange = ExchangeDeclareOptions {
        durable: true,
        ..Default::default()
    };
    let durable_queue = QueueDeclareOptions {
        durable: true,
        ..Default::default()
    };
    let quorum = |extra: &[(&str, AMQPValue)]| {
        let mut args = FieldTable::default();
        args.insert(
            "x-queue-type".into(),
            AMQPValue::LongString("quorum".into()),
        );
        for (k, v) in extra {
            args.insert(ShortString::from(*k), v.clone());
        }
        args
    };
    channel
        .exchange_declare(
            EXCHANGE,
            ExchangeKind::Topic,
            durable_exchange,
            FieldTable::default(),
        )
        .await
        .map_err(broker)?;
    channel
        .exchange_declare(
            DEAD_EXCHANGE,
            ExchangeKind::Fanout,
            durable_exchange,
            FieldTable::default(),
        )
        .await
        .map_err(broker)?;
    channel
        .queue_declare(DEAD_QUEUE, durable_queue, quorum(&[]))
        .await
        .map_err(broker)?;
    channel
        .queue_bind(
            DEAD_QUEUE,
            DEAD_EXCHANGE,
            "",
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(broker)?;
    channel
        .queue_declare(
            QUEUE,
            durable_queue,
            quorum(&[(
                "x-dead-letter-exchange",
                AMQPValue::LongString(DEAD_EXCHANGE.into()),
            )]),
        )
        .await
        .map_err(broker)?;
    channel
        .queue_bind(
            QUEUE,
            EXCHANGE,
            ROUTING_KEY,
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(broker)?;
    Ok(())
}

/// Publishes with confirms over a connection that a background task keeps alive. While the
/// broker is unreachable, publishes fail at once rather than wait, so the server can answer 503
/// fast and the client retries.
#[derive(Clone)]
pub struct RabbitPublisher {
    channel: Arc<Mutex<Option<Channel>>>,
    confirm_timeout: Duration,
}

impl RabbitPublisher {
    /// Starts the connection task; it runs until `shutdown` is cancelled.
    pub fn start(
        addrs: BrokerAddrs,
        confirm_timeout: Duration,
        shutdown: CancellationToken,
    ) -> Self {
        let channel = Arc::new(Mutex::new(None));
        let publisher = Self {
            channel: channel.clone(),
            confirm_timeout,
        };
        tokio::spawn(keep_connected(addrs, channel, shutdown));
        publisher
    }

    fn current(&self) -> Option<Channel> {
        let guard = self.channel.lock().unwrap_or_else(|p| p.into_inner());
        guard.as_ref().filter(|c| c.status().connected()).cloned()
    }

    /// Waits up to `within` for the first connection; for start-up and tests.
    pub async fn wait_connected(&self, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        while tokio::time::Instant::now() < deadline {
            if self.current().is_some() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }
}

async fn keep_connected(
    addrs: BrokerAddrs,
    slot: Arc<Mutex<Option<Channel>>>,
    shutdown: CancellationToken,
) {
    let mut backoff = crate::retry::forever(Duration::from_millis(100), Duration::from_secs(5));
    let mut node = 0;
    let set = |c: Option<Channel>| *slot.lock().unwrap_or_else(|p| p.into_inner()) = c;
    loop {
        let attempt = async {
            let conn = addrs.connect(&mut node).await?;
            let channel = conn.create_channel().await.map_err(broker)?;
            channel
                .confirm_select(ConfirmSelectOptions::default())
                .await
                .map_err(broker)?;
            declare_topology(&channel).await?;
            Ok::<_, QueueError>((conn, channel))
        };
        let result = tokio::select! {
            r = attempt => r,
            _ = shutdown.cancelled() => return,
        };
        match result {
            Ok((conn, channel)) => {
                tracing::info!("publisher connected to the broker");
                backoff = crate::retry::forever(Duration::from_millis(100), Duration::from_secs(5));
                set(Some(channel.clone()));
                let lost = Arc::new(tokio::sync::Notify::new());
                let notify = lost.clone();
                conn.on_error(move |e| {
                    tracing::warn!(error = %e, "publisher lost its broker connection");
                    notify.notify_one();
                });
                loop {
                    tokio::select! {
                        _ = lost.notified() => break,
                        _ = tokio::time::sleep(Duration::from_millis(250)) => {
                            if !conn.status().connected() || !channel.status().connected() { break; }
                        }
                        _ = shutdown.cancelled() => {
                            set(None);
                            let _ = conn.close(200, "shutting down").await;
                            return;
                        }
                    }
                }
                set(None);
                metrics::counter!("ironlog_publisher_reconnects_total").increment(1);
            }
            Err(e) => {
                tracing::warn!(error = %e, "publisher cannot reach the broker; retrying");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff.next_delay()) => {}
            _ = shutdown.cancelled() => return,
        }
    }
}

/// How every logged workout is published: persistent JSON tagged with its id, and mandatory,
/// so a message no queue would take is returned rather than dropped.
pub fn publish_settings(message_id: &str) -> (BasicPublishOptions, BasicProperties) {
    let options = BasicPublishOptions {
        mandatory: true,
        ..Default::default()
    };
    let props = BasicProperties::default()
        .with_delivery_mode(2)
        .with_content_type("application/json".into())
        .with_message_id(message_id.into());
    (options, props)
}

#[async_trait]
impl Publisher for RabbitPublisher {
    async fn publish_bytes(&self, message_id: &str, body: Vec<u8>) -> Result<(), PublishError> {
        let channel = self.current().ok_or(PublishError::Unavailable)?;
        let (options, props) = publish_settings(message_id);
        let started = std::time::Instant::now();
        let confirmed = tokio::time::timeout(self.confirm_timeout, async {
            channel
                .basic_publish(EXCHANGE, ROUTING_KEY, options, &body, props)
                .await?
                .await
        })
        .await;
        let waited = started.elapsed();
        metrics::histogram!("ironlog_publish_confirm_seconds").record(waited.as_secs_f64());
        if waited >= Duration::from_millis(50) {
            tracing::warn!(?waited, "slow publisher confirm");
        }
        match confirmed {
            Err(_) => Err(PublishError::Timeout(self.confirm_timeout)),
            Ok(Err(e)) => Err(PublishError::broker(e)),
            Ok(Ok(Confirmation::Ack(None))) => Ok(()),
            Ok(Ok(Confirmation::Ack(Some(_)))) => {
                Err(PublishError::Refused("no queue is bound to receive it"))
            }
            Ok(Ok(Confirmation::Nack(_))) => Err(PublishError::Refused("the broker nacked it")),
            Ok(Ok(Confirmation::NotRequested)) => {
                Err(PublishError::broker("confirms are not enabled"))
            }
        }
    }

    fn is_connected(&self) -> bool {
        self.current().is_some()
    }
}

/// The consuming side of one connection. On any error the worker drops it and connects anew;
/// unacknowledged messages return to the queue.
pub struct RabbitSource {
    conn: Connection,
    channel: Channel,
    consumer: lapin::Consumer,
    /// Delivered and not yet acknowledged or rejected, so acks can be cumulative when safe.
    outstanding: BTreeSet<u64>,
}

impl RabbitSource {
    pub async fn connect(
        addrs: &BrokerAddrs,
        node: &mut usize,
        prefetch: u16,
    ) -> Result<Self, QueueError> {
        let conn = addrs.connect(node).await?;
        let channel = conn.create_channel().await.map_err(broker)?;
        declare_topology(&channel).await?;
        channel
            .basic_qos(prefetch, BasicQosOptions::default())
            .await
            .map_err(broker)?;
        let consumer = channel
            .basic_consume(
                QUEUE,
                "",
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(broker)?;
        tokio::spawn(report_depth(conn.create_channel().await.map_err(broker)?));
        Ok(Self {
            conn,
            channel,
            consumer,
            outstanding: BTreeSet::new(),
        })
    }

    pub async fn close(self) {
        let _ = self.channel.close(200, "bye").await;
        let _ = self.conn.close(200, "bye").await;
    }
}

/// Publishes the queue's depth (messages ready for delivery) as the consumer sees it, until
/// the connection closes.
async fn report_depth(channel: Channel) {
    let passive = QueueDeclareOptions {
        passive: true,
        ..Default::default()
    };
    loop {
        match channel
            .queue_declare(QUEUE, passive, FieldTable::default())
            .await
        {
            Ok(q) => {
                metrics::gauge!("ironlog_consumer_queue_depth").set(f64::from(q.message_count()))
            }
            Err(_) => return,
        }
        tokio::time::sleep(DEPTH_INTERVAL).await;
    }
}

const DEPTH_INTERVAL: Duration = Duration::from_secs(1);

fn to_delivery(d: lapin::message::Delivery) -> Delivery {
    Delivery {
        tag: d.delivery_tag,
        body: d.data,
        redelivered: d.redelivered,
    }
}

#[async_trait]
impl EventSource for RabbitSource {
    async fn next_batch(&mut self, max: usize) -> Result<Vec<Delivery>, QueueError> {
        let first = match self.consumer.next().await {
            Some(Ok(d)) => d,
            Some(Err(e)) => return Err(QueueError::disconnected(e)),
            None => return Err(QueueError::disconnected("consumer cancelled")),
        };
        let mut batch = vec![to_delivery(first)];
        // Take what has already arrived without waiting: batches grow with the load.
        while batch.len() < max {
            match self.consumer.next().now_or_never() {
                Some(Some(Ok(d))) => batch.push(to_delivery(d)),
                Some(Some(Err(e))) => return Err(QueueError::disconnected(e)),
                Some(None) | None => break,
            }
        }
        self.outstanding.extend(batch.iter().map(|d| d.tag));
        Ok(batch)
    }

    async fn ack(&mut self, tags: &[u64]) -> Result<(), QueueError> {
        let Some(&highest) = tags.iter().max() else {
            return Ok(());
        };
        for tag in tags {
            self.outstanding.remove(tag);
        }
        let lost = |e: lapin::Error| QueueError::disconnected(e);
        // One cumulative ack when nothing older is still in flight, else one per message.
        if self
            .outstanding
            .first()
            .is_none_or(|&oldest| oldest > highest)
        {
            self.channel
                .basic_ack(highest, BasicAckOptions { multiple: true })
                .await
                .map_err(lost)?;
        } else {
            for &tag in tags {
                self.channel
                    .basic_ack(tag, BasicAckOptions::default())
                    .await
                    .map_err(lost)?;
            }
        }
        Ok(())
    }

    async fn reject(&mut self, tag: u64) -> Result<(), QueueError> {
        self.outstanding.remove(&tag);
        self.channel
            .basic_reject(tag, BasicRejectOptions { requeue: false })
            .await
            .map_err(QueueError::disconnected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("amqp://guest:s3cret@host:5672/%2f"),
            "amqp://guest:***@host:5672/%2f"
        );
        assert_eq!(redact("amqp://host:5672"), "amqp://host:5672");
    }

    #[test]
    fn parses_broker_lists() {
        let a = BrokerAddrs::parse("amqp://a:1, amqp://b:2,").unwrap();
        assert_eq!(a.urls, vec!["amqp://a:1", "amqp://b:2"]);
        assert!(BrokerAddrs::parse(" , ").is_err());
        assert!(BrokerAddrs::parse("http://a").is_err());
    }
}
