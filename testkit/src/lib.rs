//! Starts the real parts Ironlog's tests, drill and benchmarks run against — RabbitMQ (one
//! node or a cluster), SecantusDB (a MongoDB wire-protocol server) and Ironlog's own binaries —
//! on free loopback ports, each in its own process group, and stops them when the handle is
//! dropped, so a failing test cleans up too.
//!
//! # Layout
//!
//! - Services: `rabbit` (one node or a cluster), `secantus`, `moto` (a local S3 and
//!   CloudFront), `edge` (a signing stand-in for CloudFront in front of moto).
//! - Ironlog: `ironlog` (the server and consumer binaries as processes), `stack` (the
//!   distributed stack on one machine).
//! - Underneath: `process` (children that cannot outlive the test), `net` (free ports,
//!   readiness probes), `netns` (a private network namespace).
//! - For tests: `gate` (the fast and full tiers, `full_tier!`), `changes` (scripts of workout
//!   changes and the state they must end in), `jwt` (a sign-in proxy's tokens), `tls`
//!   (certificates made for a test).
//! - `bin/with_stack.rs`: `with-stack`, a command run against a started stack;
//!   `tests/architecture.rs`: the crates' module graphs, checked for cycles.

pub mod changes;
mod edge;
pub mod gate;
mod ironlog;
pub mod jwt;
mod moto;
mod net;
pub mod netns;
mod process;
mod rabbit;
mod secantus;
pub mod stack;
pub mod tls;

pub use edge::Edge;
pub use ironlog::{bin_dir, ironlog_bin, start_consumer, Consumer, Server};
pub use moto::Moto;
pub use net::{free_port, wait_for_http, wait_for_port, which};
pub use process::{group_cpu_seconds, log_dir, own_cpu_seconds, tmpfs_tempdir, Proc};
pub use rabbit::RabbitMq;
pub use secantus::{Engine, Secantus};
pub use stack::{Stack, StackConfig, UNLIMITED};
