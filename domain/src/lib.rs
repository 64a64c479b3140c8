//! Ironlog's domain: plain Rust with no I/O, shared by the server, the consumer and the browser.

pub mod account;
pub mod analytics;
pub mod bodyweight;
pub mod catalog;
pub mod change;
pub mod cursor;
pub mod decode;
pub mod engine;
pub mod export;
pub mod import;
pub mod plates;
pub mod preview;
pub mod problem;
pub mod profile;
pub mod program;
pub mod program_form;
pub mod progress;
pub mod read_model;
pub mod rules;
pub mod sample;
pub mod slug;
pub mod strength;
pub mod units;
pub mod workout;

pub use change::{WorkoutChange, WorkoutDeleted};
pub use cursor::Cursor;
pub use decode::decode_new_workout;
pub use problem::Problem;
pub use workout::{
    ExerciseLog, NewWorkout, SetKind, SetLog, WorkoutLogged, EVENT_VERSION, FIRST_EVENT_VERSION,
};
