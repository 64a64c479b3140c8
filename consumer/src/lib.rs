//! Ironlog's consumer: the worker loop that moves logged workouts from a queue into a store,
//! exactly once in effect. The `ironlog-consumer` binary runs it on RabbitMQ and MongoDB; the
//! server runs the same loop in-process on the embedded queue and store.

pub mod worker;
