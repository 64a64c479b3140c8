//! Plan generation and the full analytics computation over five years of history: about 800
//! sessions and 20,000 sets, a lifter following the upper/lower program. Target: < 2 ms each,
//! natively. `cargo bench -p domain --bench engine`.

use std::hint::black_box;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use domain::catalog::Catalog;
use domain::engine::{plan, Settings};
use domain::program::builtin_program;
use domain::{ExerciseLog, SetLog, WorkoutLogged};
use uuid::Uuid;

const SESSIONS: usize = 800;
const SETS_PER_EXERCISE: usize = 5;

/// Five years of the upper/lower program, loads creeping up, a few reps missed now and then.
fn history() -> Vec<WorkoutLogged> {
    let program = builtin_program("upper-lower-4x").expect("built in");
    let start = Utc
        .with_ymd_and_hms(2021, 11, 1, 18, 0, 0)
        .single()
        .expect("date");
    (0..SESSIONS)
        .map(|i| {
            let day = &program.days[i % program.days.len()];
            let at = start + Duration::hours(i as i64 * 24 * 365 * 5 / SESSIONS as i64);
            let exercises = day
                .slots
                .iter()
                .enumerate()
                .map(|(j, slot)| ExerciseLog {
                    exercise: slot.exercise.clone(),
                    sets: (0..SETS_PER_EXERCISE)
                        .map(|k| SetLog {
                            weight_kg: 40.0 + (i / 8) as f64 * 0.5 + j as f64 * 5.0,
                            reps: 6 + ((i + k) % 5) as u32,
                            rpe: (k % 2 == 0).then_some(8.0),
                        })
                        .collect(),
                })
                .collect();
            WorkoutLogged {
                v: 1,
                id: Uuid::from_u128(i as u128 + 1),
                user_id: "bench".into(),
                performed_at: at,
                received_at: at,
                exercises,
            }
        })
        .collect()
}

fn engine(c: &mut Criterion) {
    let history = history();
    let sets: usize = history.iter().map(|w| w.set_count()).sum();
    eprintln!("history: {} sessions, {sets} sets", history.len());
    let catalog = Catalog::default();
    let settings = Settings::default();
    let program = builtin_program("upper-lower-4x").expect("built in");
    let today = NaiveDate::from_ymd_opt(2026, 11, 1).expect("date");
    c.bench_function("plan: upper/lower, 5 years of history", |b| {
        b.iter(|| {
            plan(
                black_box(&program),
                black_box(&history),
                &catalog,
                &settings,
            )
        })
    });
    c.bench_function("analytics: 5 years of history", |b| {
        b.iter(|| domain::analytics::analyze(black_box(&history), &catalog, today))
    });
}

criterion_group!(benches, engine);
criterion_main!(benches);
