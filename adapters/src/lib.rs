//! Ironlog's adapters: the ports of the `service` crate over real infrastructure. MongoDB
//! (official driver) and RabbitMQ (lapin) in a deployment; one embedded redb file (store and
//! queue together) by default. One contract suite (`tests/contract.rs`) holds every adapter
//! to the same behaviour.

pub mod embedded;
pub mod mongo;
pub mod rabbit;
pub mod retry;
pub mod secrets;
pub mod signal;
pub mod tls;
