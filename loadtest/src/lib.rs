//! The failover drill and the benchmark harness. Both start real processes through `testkit`
//! and drive them over loopback HTTP; neither is a test (nothing here is timed in the suite).

pub mod accounts;
pub mod bench;
pub mod cli;
pub mod drill;
pub mod load;
pub mod metrics;
pub mod stats;
pub mod workload;
