//! Ironlog's consumer: the worker loop that moves logged workouts from a queue into a store,
//! exactly once in effect. The `ironlog-consumer` binary runs it on RabbitMQ and MongoDB; the
//! server runs the same loop in-process on the embedded queue and store.
//!
//! # Layout
//!
//! - `worker`: the loop: decode, check, apply the batch, discard what belongs to deleted
//!   accounts, mark the batch's users' read models stale, then acknowledge.
//! - `main.rs` (the binary, not this library): `ironlog-consumer`'s settings, its worker loops
//!   on RabbitMQ and MongoDB, the read models' projector and the metrics endpoint.

pub mod worker;
