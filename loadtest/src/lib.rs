//! The failover drill and the benchmark harness. Both start real processes through `testkit`
//! and drive them over loopback HTTP; neither is a test (nothing here is timed in the suite).
//!
//! # Layout
//!
//! - `drill`: the failover drill. `bench/`: the benchmark harness, a module per section
//!   (`bundle`, `read`, `views`, `browser` for time to interactive, `write`, `drain` for the
//!   consumer), with the bare publisher it compares against (`amqp`), `rate`, `cpu` and
//!   `events`.
//! - Shared: `load` (the open-loop load generator), `workload` (what it sends), `accounts`
//!   (signed-in clients), `metrics` (reading `/metrics`), `stats` (percentiles, tables), `cli`
//!   (argument checks).
//! - The binaries: `bin/drill.rs` (`ironlog-drill`) and `bin/bench.rs` (`ironlog-bench`).

pub mod accounts;
pub mod bench;
pub mod cli;
pub mod drill;
pub mod load;
pub mod metrics;
pub mod stats;
pub mod workload;
