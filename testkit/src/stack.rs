//! Ironlog's distributed stack on one machine: a RabbitMQ cluster, SecantusDB, and any number
//! of consumers and servers, all given every broker node's address.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::{free_port, wait_for_http, Consumer, RabbitMq, Secantus, Server};

/// The queue the servers publish to and the consumers read (see `consumer::queue::rabbit`).
pub const PERSIST_QUEUE: &str = "ironlog.workouts.persist";
pub const DEAD_QUEUE: &str = "ironlog.workouts.dead";

/// Server settings that lift the per-client rate limits, for load from one address and a few
/// accounts far busier than any person (the drill, the benchmark, bulk tests).
pub const UNLIMITED: &[(&str, &str)] = &[
    ("IRONLOG_AUTH_PER_IP_PER_MINUTE", "1000000"),
    ("IRONLOG_LOGIN_PER_ACCOUNT_PER_MINUTE", "1000000"),
    ("IRONLOG_WRITES_PER_SECOND", "1000000"),
    ("IRONLOG_WRITE_BURST", "1000000"),
    ("IRONLOG_LOGIN_ACCOUNT_CEILING_PER_MINUTE", "1000000"),
    ("IRONLOG_IMPORT_SESSIONS_PER_HOUR", "1000000"),
    // Load comes from one address here; a real one comes through trusted proxies.
    ("IRONLOG_MAX_CONNECTIONS_PER_CLIENT", "100000"),
];

#[derive(Debug, Clone)]
pub struct StackConfig {
    pub broker_nodes: usize,
    pub consumers: usize,
    pub servers: usize,
    pub server_bin: PathBuf,
    pub consumer_bin: PathBuf,
    /// Extra environment for every server (the site root, timeouts).
    pub server_env: Vec<(String, String)>,
    /// Extra environment for every consumer (prefetch).
    pub consumer_env: Vec<(String, String)>,
    /// Which SecantusDB server is the database.
    pub engine: crate::secantus::Engine,
}

impl StackConfig {
    /// Gives the servers [`UNLIMITED`] rate limits.
    pub fn lift_rate_limits(&mut self) {
        self.server_env.extend(
            UNLIMITED
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
    }

    pub fn new(server_bin: PathBuf, consumer_bin: PathBuf) -> Self {
        Self {
            broker_nodes: 1,
            consumers: 1,
            servers: 1,
            server_bin,
            consumer_bin,
            server_env: Vec::new(),
            consumer_env: Vec::new(),
            engine: crate::secantus::Engine::Python,
        }
    }
}

/// Fields drop in order: servers and consumers stop before the services they use.
pub struct Stack {
    pub servers: Vec<Server>,
    pub consumers: Vec<Consumer>,
    /// Where each consumer serves `/metrics`.
    pub consumer_metrics_ports: Vec<u16>,
    /// Where each server serves `/metrics` (never on its app port).
    pub server_metrics_ports: Vec<u16>,
    pub mongo: Secantus,
    pub broker: RabbitMq,
    /// The database URI the consumers and servers use.
    pub uri: String,
}

impl Stack {
    pub fn start(config: &StackConfig) -> Result<Self> {
        let broker = RabbitMq::start_cluster(config.broker_nodes).context("starting RabbitMQ")?;
        let mongo = Secantus::start_engine(config.engine).context("starting SecantusDB")?;
        let uri = mongo.uri("ironlog");
        let amqp = broker.urls();
        let mut stack = Self {
            servers: Vec::new(),
            consumers: Vec::new(),
            consumer_metrics_ports: Vec::new(),
            server_metrics_ports: Vec::new(),
            mongo,
            broker,
            uri: uri.clone(),
        };
        // The first server declares the quorum queue, now that every node is in the cluster.
        for _ in 0..config.servers {
            let metrics = free_port()?;
            let mut env: Vec<(&str, String)> = vec![
                ("AMQP_URL", amqp.clone()),
                ("MONGODB_URI", uri.clone()),
                ("IRONLOG_METRICS_ADDR", format!("127.0.0.1:{metrics}")),
            ];
            env.extend(
                config
                    .server_env
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.clone())),
            );
            let server = Server::start(&config.server_bin, &env)?;
            wait_for_http(server.port, "/readyz", Duration::from_secs(30))
                .with_context(|| format!("server not ready\n{}", server.proc.tail(20)))?;
            stack.servers.push(server);
            stack.server_metrics_ports.push(metrics);
        }
        for i in 0..config.consumers {
            let metrics = free_port()?;
            let mut env: Vec<(&str, String)> = vec![
                ("AMQP_URL", amqp.clone()),
                ("MONGODB_URI", uri.clone()),
                ("IRONLOG_METRICS_ADDR", format!("127.0.0.1:{metrics}")),
            ];
            env.extend(
                config
                    .consumer_env
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.clone())),
            );
            let name = format!("ironlog-consumer-{i}");
            stack
                .consumers
                .push(Consumer::start(&config.consumer_bin, &name, &env)?);
            stack.consumer_metrics_ports.push(metrics);
        }
        Ok(stack)
    }

    /// Messages ready or unacknowledged in `queue`, as the broker counts them.
    pub fn queue_messages(&self, queue: &str) -> Result<u64> {
        self.broker
            .queue_info(queue, "messages")?
            .parse()
            .with_context(|| format!("message count of {queue}"))
    }
}
