//! Ironlog's domain: plain Rust with no I/O, shared by the server, the consumer and the browser.
//!
//! # Layout
//!
//! - Workouts and their changes: `workout` (`NewWorkout`, `WorkoutLogged` and the event
//!   versions), `change` (`WorkoutChange`, saved or deleted, and which of two wins), `decode`
//!   (client JSON to a `NewWorkout`, every problem at once), `rules` (the limits the decoder
//!   and the consumer's re-check share, and what names and other typed text may hold),
//!   `problem`, `cursor` (the history's cursor), `account` (email normalization), `slug`.
//! - The training engine: `catalog`, `units`, `plates`, `strength`, `program`, `engine`
//!   (today's plan), `analytics`, `bodyweight`, `profile`, `preview` (the coming weeks),
//!   `progress` (what Progress shows), `program_form` (a program as the editor's form), and
//!   `read_model` (the plan and Progress as one stored record, its `VERSION` and
//!   `ENGINE_FINGERPRINTS`).
//! - Data in and out: `import/` (Strong, Hevy and Ironlog CSV), `export` (Ironlog's CSV),
//!   `sample` (synthetic history for the benchmarks).

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
