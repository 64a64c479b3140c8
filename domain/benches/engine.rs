//! Plan generation and the full analytics computation over five years of history: about 800
//! sessions and 20,000 sets, a lifter following the upper/lower program. Target: < 2 ms each,
//! natively. `cargo bench -p domain --bench engine`.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion};
use domain::catalog::Catalog;
use domain::engine::{plan, Settings};
use domain::program::builtin_program;

fn engine(c: &mut Criterion) {
    let history = domain::sample::five_years("bench");
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
        b.iter(|| {
            domain::analytics::analyze(black_box(&history), &catalog, &Default::default(), today)
        })
    });
}

criterion_group!(benches, engine);
criterion_main!(benches);
