//! Where the CPU goes. Every part of the benchmark shares the same cores, so the CPU one
//! operation costs across all of them bounds the throughput: these figures explain a ratio.

use testkit::Stack;

/// A part of the stack whose CPU time is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// This process: the load generator or the bare baseline client.
    Bench,
    /// The first server.
    Server,
    /// Every RabbitMQ node.
    Broker,
    /// Every consumer.
    Consumers,
    /// SecantusDB.
    Database,
}

impl Part {
    fn label(self) -> &'static str {
        match self {
            Part::Bench => "bench",
            Part::Server => "server",
            Part::Broker => "broker",
            Part::Consumers => "consumer",
            Part::Database => "database",
        }
    }

    /// CPU seconds this part has used so far.
    fn seconds(self, stack: &Stack) -> f64 {
        let groups = |pids: Vec<u32>| pids.into_iter().map(testkit::group_cpu_seconds).sum();
        match self {
            Part::Bench => testkit::own_cpu_seconds(),
            Part::Server => groups(
                stack
                    .servers
                    .iter()
                    .take(1)
                    .filter_map(|s| s.proc.pid())
                    .collect(),
            ),
            Part::Broker => groups(stack.broker.node_pids()),
            Part::Consumers => groups(
                stack
                    .consumers
                    .iter()
                    .filter_map(|c| c.proc.pid())
                    .collect(),
            ),
            Part::Database => groups(stack.mongo.pid().into_iter().collect()),
        }
    }
}

/// CPU time per part: seconds used so far, or microseconds per operation.
pub struct CpuUse(Vec<(Part, f64)>);

impl CpuUse {
    pub fn now(stack: &Stack, parts: &[Part]) -> Self {
        Self(parts.iter().map(|&p| (p, p.seconds(stack))).collect())
    }

    /// Microseconds of CPU per operation since `before`, over `ops` operations.
    pub fn per_op(&self, before: &Self, ops: f64) -> Self {
        Self(
            self.0
                .iter()
                .zip(&before.0)
                .map(|(&(part, now), &(_, then))| {
                    (part, (now - then).max(0.0) * 1e6 / ops.max(1.0))
                })
                .collect(),
        )
    }

    /// The mean of two measurements of the same parts.
    pub fn mean_with(&self, other: &Self) -> Self {
        Self(
            self.0
                .iter()
                .zip(&other.0)
                .map(|(&(part, a), &(_, b))| (part, (a + b) / 2.0))
                .collect(),
        )
    }

    pub fn total(&self) -> f64 {
        self.0.iter().map(|(_, v)| v).sum()
    }

    /// "bench 21, server 37, … = 92 µs; 2 cores allow 21,700/s".
    pub fn describe(&self) -> String {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(p, v)| format!("{} {v:.0}", p.label()))
            .collect();
        format!(
            "{} = {:.0} µs; {cores:.0} cores allow {:.0}/s",
            parts.join(", "),
            self.total(),
            cores * 1e6 / self.total().max(1.0)
        )
    }
}
