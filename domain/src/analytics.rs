//! Progress analytics from the history, computed where they are shown (in the browser, as
//! Wasm): estimated-1RM trends, weekly sets and volume per muscle group, personal records by
//! rep count, a training calendar and streaks. Pure and deterministic.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::bodyweight::Bodyweight;
use crate::catalog::{Catalog, Muscle};
use crate::strength;
use crate::WorkoutLogged;

/// Records are kept for 1 to this many reps.
pub const RECORD_REPS: u32 = 12;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    pub date: NaiveDate,
    /// The best estimated 1RM of the day, in kilograms.
    pub e1rm_kg: f64,
    /// The set it came from.
    pub weight_kg: f64,
    pub reps: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    pub exercise: String,
    pub name: String,
    pub points: Vec<TrendPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MuscleWeek {
    pub muscle: Muscle,
    /// Sets that trained it: 1 where it is a primary mover, ½ where secondary.
    pub sets: f64,
    /// Σ weight × reps of those sets (halved for secondary), in kilograms.
    pub volume_kg: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Week {
    /// The Monday that starts the week.
    pub start: NaiveDate,
    pub muscles: Vec<MuscleWeek>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub reps: u32,
    /// The load lifted: for a bodyweight exercise, the lifter's bodyweight that day and
    /// what was added.
    pub weight_kg: f64,
    pub date: NaiveDate,
    /// The part of the lifter's bodyweight included in `weight_kg`, for a bodyweight
    /// exercise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bodyweight_kg: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Records {
    pub exercise: String,
    pub name: String,
    /// The heaviest set for each rep count done (a heavier set of more reps counts for fewer).
    pub by_reps: Vec<Record>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalendarDay {
    pub date: NaiveDate,
    pub sessions: u32,
    pub sets: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Streaks {
    /// Weeks in a row with at least one session, up to this week (or last week, if this
    /// week has none yet).
    pub current_weeks: u32,
    pub longest_weeks: u32,
    /// Days in a row with a session, ending today or yesterday.
    pub current_days: u32,
    pub longest_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analytics {
    pub trends: Vec<Trend>,
    pub weeks: Vec<Week>,
    pub records: Vec<Records>,
    pub calendar: Vec<CalendarDay>,
    pub streaks: Streaks,
    pub sessions: u32,
    pub sets: u32,
}

/// The Monday of `date`'s week.
pub fn week_start(date: NaiveDate) -> NaiveDate {
    date - Duration::days(i64::from(date.weekday().num_days_from_monday()))
}

/// Everything the analytics page shows, as of `today`. A bodyweight exercise's sets lift its
/// share of the lifter's bodyweight that day ([`crate::catalog::bodyweight_share`]) plus what
/// was added (its `weight_kg`), for estimates, records and volume; with no weighing logged,
/// only what was added.
pub fn analyze(
    history: &[WorkoutLogged],
    catalog: &Catalog,
    bodyweight: &Bodyweight,
    today: NaiveDate,
) -> Analytics {
    let mut trends: BTreeMap<&str, BTreeMap<NaiveDate, TrendPoint>> = BTreeMap::new();
    // Per week, (sets, volume) for each muscle in `Muscle::ALL` order.
    let mut weeks: BTreeMap<NaiveDate, [(f64, f64); Muscle::ALL.len()]> = BTreeMap::new();
    let mut best: BTreeMap<&str, BTreeMap<u32, Record>> = BTreeMap::new();
    let mut calendar: BTreeMap<NaiveDate, CalendarDay> = BTreeMap::new();
    // Per exercise: (muscle index, share) for its primary (1) and secondary (½) movers.
    let mut movers: BTreeMap<&str, Vec<(usize, f64)>> = BTreeMap::new();

    let mut total_sets = 0u32;
    for workout in history {
        let date = workout.performed_at.date_naive();
        let day = calendar.entry(date).or_insert(CalendarDay {
            date,
            sessions: 0,
            sets: 0,
        });
        day.sessions += 1;
        let week = weeks
            .entry(week_start(date))
            .or_insert([(0.0, 0.0); Muscle::ALL.len()]);
        for ex in &workout.exercises {
            let slug = ex.exercise.as_str();
            let movers = movers
                .entry(slug)
                .or_insert_with(|| muscle_shares(catalog, slug));
            let share = crate::catalog::bodyweight_share(slug);
            let body = (share > 0.0)
                .then(|| bodyweight.on(date))
                .flatten()
                .map(|kg| kg * share);
            let points = trends.entry(slug).or_default();
            let records = best.entry(slug).or_default();
            // Warm-ups are not work: they count toward no set total, volume or record.
            let sets = ex.sets.iter().filter(|s| s.kind.counts()).count() as u32;
            day.sets += sets;
            total_sets += sets;
            for logged in ex.sets.iter().filter(|s| s.kind.counts()) {
                let lifted = crate::SetLog {
                    weight_kg: logged.weight_kg + body.unwrap_or(0.0),
                    ..logged.clone()
                };
                let set = &lifted;
                let volume = set.weight_kg * f64::from(set.reps);
                for &(m, share) in movers.iter() {
                    week[m].0 += share;
                    week[m].1 += share * volume;
                }
                if let Some((e1rm, _)) = strength::estimate(set) {
                    if points.get(&date).is_none_or(|p| e1rm > p.e1rm_kg) {
                        points.insert(
                            date,
                            TrendPoint {
                                date,
                                e1rm_kg: e1rm,
                                weight_kg: set.weight_kg,
                                reps: set.reps,
                            },
                        );
                    }
                }
                if set.kind.shows_strength()
                    && set.weight_kg > 0.0
                    && (1..=RECORD_REPS).contains(&set.reps)
                {
                    let beats = records.get(&set.reps).is_none_or(|r| {
                        set.weight_kg > r.weight_kg
                            || (set.weight_kg == r.weight_kg && date < r.date)
                    });
                    if beats {
                        records.insert(
                            set.reps,
                            Record {
                                reps: set.reps,
                                weight_kg: set.weight_kg,
                                date,
                                bodyweight_kg: body,
                            },
                        );
                    }
                }
            }
        }
    }
    trends.retain(|_, points| !points.is_empty());
    best.retain(|_, records| !records.is_empty());
    let name = |slug: &str| catalog.name(slug).to_owned();
    Analytics {
        trends: trends
            .into_iter()
            .map(|(slug, points)| Trend {
                exercise: slug.to_owned(),
                name: name(slug),
                points: points.into_values().collect(),
            })
            .collect(),
        weeks: weeks
            .into_iter()
            .map(|(start, m)| Week {
                start,
                muscles: Muscle::ALL
                    .iter()
                    .zip(m)
                    .filter(|(_, (sets, _))| *sets > 0.0)
                    .map(|(&muscle, (sets, volume_kg))| MuscleWeek {
                        muscle,
                        sets,
                        volume_kg,
                    })
                    .collect(),
            })
            .collect(),
        records: best
            .into_iter()
            .map(|(slug, by)| Records {
                exercise: slug.to_owned(),
                name: name(slug),
                by_reps: dominant(by.into_values().collect()),
            })
            .collect(),
        streaks: streaks(calendar.keys().copied(), today),
        sessions: calendar.values().map(|d| d.sessions).sum(),
        calendar: calendar.into_values().collect(),
        sets: total_sets,
    }
}

fn muscle_shares(catalog: &Catalog, slug: &str) -> Vec<(usize, f64)> {
    let index = |m: &Muscle| Muscle::ALL.iter().position(|x| x == m);
    catalog.find(slug).map_or_else(Vec::new, |e| {
        let primary = e.primary.iter().filter_map(index).map(|i| (i, 1.0));
        let secondary = e.secondary.iter().filter_map(index).map(|i| (i, 0.5));
        primary.chain(secondary).collect()
    })
}

/// Records that no heavier set of more reps beats: 100 kg × 5 makes 95 kg × 3 no record.
fn dominant(mut by_reps: Vec<Record>) -> Vec<Record> {
    by_reps.sort_by_key(|r| r.reps);
    let mut out: Vec<Record> = Vec::with_capacity(by_reps.len());
    let mut heaviest_above = f64::MIN;
    for r in by_reps.into_iter().rev() {
        if r.weight_kg > heaviest_above {
            heaviest_above = r.weight_kg;
            out.push(r);
        }
    }
    out.reverse();
    out
}

/// The streaks of the days trained, `days` (oldest first), as of `today`.
fn streaks(days: impl Iterator<Item = NaiveDate>, today: NaiveDate) -> Streaks {
    StreakFacts::of(days).on(today)
}

/// The streaks, as what they will be on any later day depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct StreakFacts {
    pub longest_days: u32,
    pub longest_weeks: u32,
    /// The last day trained, and the runs of days and of weeks that end with it.
    pub last_day: Option<NaiveDate>,
    pub last_days_run: u32,
    pub last_weeks_run: u32,
}

impl StreakFacts {
    /// The streaks as of `today` (a run is current until a whole day, or week, passes
    /// without a session).
    pub fn on(&self, today: NaiveDate) -> Streaks {
        let mut s = Streaks {
            longest_days: self.longest_days,
            longest_weeks: self.longest_weeks,
            ..Streaks::default()
        };
        if let Some(last) = self.last_day {
            if today - last <= Duration::days(1) {
                s.current_days = self.last_days_run;
            }
            if week_start(today) - week_start(last) <= Duration::days(7) {
                s.current_weeks = self.last_weeks_run;
            }
        }
        s
    }

    /// The facts of the days trained, `days` (oldest first, each once).
    pub fn of(days: impl Iterator<Item = NaiveDate>) -> Self {
        let days: Vec<NaiveDate> = days.collect();
        let (longest_days, last_days_run) = runs(&days, Duration::days(1));
        let mut weeks: Vec<NaiveDate> = days.iter().map(|d| week_start(*d)).collect();
        weeks.dedup();
        let (longest_weeks, last_weeks_run) = runs(&weeks, Duration::days(7));
        Self {
            longest_days,
            longest_weeks,
            last_day: days.last().copied(),
            last_days_run,
            last_weeks_run,
        }
    }
}

/// The longest run of `dates` (ascending, each once) each `step` after the one before, and the
/// run that ends with the last of them.
fn runs(dates: &[NaiveDate], step: Duration) -> (u32, u32) {
    let (mut longest, mut run) = (0, 0);
    let mut previous: Option<NaiveDate> = None;
    for &date in dates {
        run = match previous {
            Some(p) if date - p == step => run + 1,
            _ => 1,
        };
        longest = longest.max(run);
        previous = Some(date);
    }
    (longest, run)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ExerciseLog, SetLog};
    use chrono::{TimeZone, Utc};
    use uuid::Uuid;

    fn workout(y: i32, m: u32, d: u32, exercise: &str, sets: &[(f64, u32)]) -> WorkoutLogged {
        let at = Utc.with_ymd_and_hms(y, m, d, 18, 0, 0).single().unwrap();
        WorkoutLogged {
            revision: 0,
            notes: None,
            v: 1,
            id: Uuid::now_v7(),
            user_id: "u".into(),
            performed_at: at,
            received_at: at,
            exercises: vec![ExerciseLog {
                notes: None,
                group: None,
                exercise: exercise.into(),
                sets: sets
                    .iter()
                    .map(|&(weight_kg, reps)| SetLog {
                        kind: Default::default(),
                        weight_kg,
                        reps,
                        rpe: None,
                    })
                    .collect(),
            }],
        }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn trends_keep_each_days_best_estimate() {
        let h = [
            workout(2026, 3, 2, "squat", &[(100.0, 5), (110.0, 1)]),
            workout(2026, 3, 4, "squat", &[(105.0, 5)]),
        ];
        let a = analyze(
            &h,
            &Catalog::default(),
            &Bodyweight::default(),
            date(2026, 3, 4),
        );
        let t = &a.trends[0];
        assert_eq!(t.name, "Back squat");
        assert_eq!(t.points.len(), 2);
        assert!((t.points[0].e1rm_kg - 112.5).abs() < 1e-9, "Brzycki 100×5");
        assert!((t.points[1].e1rm_kg - 118.125).abs() < 1e-9);
    }

    #[test]
    fn weekly_sets_count_primary_movers_fully_and_secondary_by_half() {
        let h = [workout(
            2026,
            3,
            4,
            "bench-press",
            &[(100.0, 5), (100.0, 5)],
        )];
        let a = analyze(
            &h,
            &Catalog::default(),
            &Bodyweight::default(),
            date(2026, 3, 4),
        );
        assert_eq!(a.weeks[0].start, date(2026, 3, 2));
        let get = |m| {
            a.weeks[0]
                .muscles
                .iter()
                .find(|w| w.muscle == m)
                .unwrap()
                .clone()
        };
        assert_eq!(get(Muscle::Chest).sets, 2.0);
        assert_eq!(get(Muscle::Chest).volume_kg, 1000.0);
        assert_eq!(get(Muscle::Triceps).sets, 1.0);
    }

    #[test]
    fn records_are_by_rep_count_and_dominated_ones_drop() {
        let h = [
            workout(2026, 3, 2, "deadlift", &[(140.0, 3), (150.0, 1)]),
            workout(2026, 3, 9, "deadlift", &[(145.0, 5)]),
        ];
        let a = analyze(
            &h,
            &Catalog::default(),
            &Bodyweight::default(),
            date(2026, 3, 9),
        );
        let r: Vec<(u32, f64)> = a.records[0]
            .by_reps
            .iter()
            .map(|r| (r.reps, r.weight_kg))
            .collect();
        assert_eq!(r, [(1, 150.0), (5, 145.0)]);
    }

    #[test]
    fn streaks_count_days_and_weeks() {
        let h = [
            workout(2026, 3, 2, "squat", &[(100.0, 5)]),
            workout(2026, 3, 3, "squat", &[(100.0, 5)]),
            workout(2026, 3, 4, "squat", &[(100.0, 5)]),
            workout(2026, 3, 11, "squat", &[(100.0, 5)]),
            workout(2026, 3, 25, "squat", &[(100.0, 5)]),
            workout(2026, 3, 30, "squat", &[(100.0, 5)]),
        ];
        let a = analyze(
            &h,
            &Catalog::default(),
            &Bodyweight::default(),
            date(2026, 3, 31),
        );
        assert_eq!(
            a.streaks,
            Streaks {
                current_weeks: 2,
                longest_weeks: 2,
                current_days: 1,
                longest_days: 3
            }
        );
        assert_eq!((a.sessions, a.sets, a.calendar.len()), (6, 6, 6));
        let later = analyze(
            &h,
            &Catalog::default(),
            &Bodyweight::default(),
            date(2026, 4, 20),
        );
        assert_eq!(
            (later.streaks.current_weeks, later.streaks.current_days),
            (0, 0)
        );
    }

    #[test]
    fn warm_ups_count_for_nothing_and_drop_sets_only_for_volume() {
        use crate::SetKind;
        let mut w = workout(
            2026,
            3,
            4,
            "bench-press",
            &[(200.0, 5), (100.0, 5), (150.0, 1), (120.0, 3)],
        );
        let kinds = [
            SetKind::Warmup,
            SetKind::Working,
            SetKind::Drop,
            SetKind::Failure,
        ];
        for (set, kind) in w.exercises[0].sets.iter_mut().zip(kinds) {
            set.kind = kind;
        }
        let a = analyze(
            &[w],
            &Catalog::default(),
            &Bodyweight::default(),
            date(2026, 3, 4),
        );
        let chest = a.weeks[0]
            .muscles
            .iter()
            .find(|m| m.muscle == Muscle::Chest)
            .unwrap();
        assert_eq!(chest.sets, 3.0, "the warm-up is not a set of work");
        assert_eq!(chest.volume_kg, 500.0 + 150.0 + 360.0);
        let records: Vec<(u32, f64)> = a.records[0]
            .by_reps
            .iter()
            .map(|r| (r.reps, r.weight_kg))
            .collect();
        assert_eq!(
            records,
            [(3, 120.0), (5, 100.0)],
            "neither the warm-up nor the drop set"
        );
        // The set to failure estimates as RPE 10: 120 kg for 3 is 92.2 % of a max.
        let best = a.trends[0].points[0].e1rm_kg;
        assert!((best - 120.0 / 0.922).abs() < 0.5, "{best}");
    }

    #[test]
    fn bodyweight_exercises_lift_the_lifters_bodyweight_of_the_day() {
        use crate::bodyweight::Weighing;
        let h = [
            workout(2026, 3, 2, "pull-up", &[(10.0, 1), (0.0, 8)]),
            workout(2026, 3, 9, "pull-up", &[(10.0, 1)]),
            workout(2026, 3, 9, "squat", &[(100.0, 1)]),
        ];
        let weighed = Bodyweight::new(vec![
            Weighing {
                date: date(2026, 3, 1),
                kg: 80.0,
            },
            Weighing {
                date: date(2026, 3, 8),
                kg: 84.0,
            },
        ]);
        let a = analyze(&h, &Catalog::default(), &weighed, date(2026, 3, 9));
        let pull = &a.records[0];
        assert_eq!(pull.exercise, "pull-up");
        let records: Vec<(u32, f64, Option<f64>)> = pull
            .by_reps
            .iter()
            .map(|r| (r.reps, r.weight_kg, r.bodyweight_kg))
            .collect();
        // +10 kg at 84 kg is 94 kg; 8 reps at 80 kg bodyweight alone is a record of 8.
        assert_eq!(records, [(1, 94.0, Some(84.0)), (8, 80.0, Some(80.0))]);
        let e1rm: Vec<f64> = a.trends[0].points.iter().map(|p| p.e1rm_kg).collect();
        assert!(
            (e1rm[0] - 80.0 * (1.0 + 8.0 / 30.0)).abs() < 1e-9,
            "{e1rm:?}"
        );
        assert_eq!(e1rm[1], 94.0);
        // Back muscles' volume counts the body moved.
        let lats = a.weeks[0]
            .muscles
            .iter()
            .find(|m| m.muscle == Muscle::Lats)
            .unwrap();
        assert_eq!(lats.volume_kg, 90.0 + 640.0);
        // A barbell squat is not carried by the body.
        assert_eq!(a.records[1].by_reps[0].weight_kg, 100.0);
        assert_eq!(a.records[1].by_reps[0].bodyweight_kg, None);

        // A push-up lifts about two thirds of the body; an exercise of the user's own (an
        // assisted pull-up, whose weight is help) and a leg raise count what was added.
        let others = [
            workout(2026, 3, 9, "push-up", &[(0.0, 10)]),
            workout(2026, 3, 9, "hanging-leg-raise", &[(5.0, 10)]),
            workout(2026, 3, 9, "assisted-pull-up", &[(40.0, 8)]),
        ];
        let mut catalog = Catalog::default();
        catalog.custom.push(crate::catalog::ExerciseInfo {
            slug: "assisted-pull-up".into(),
            name: "Assisted pull-up".into(),
            equipment: crate::units::Equipment::Bodyweight,
            increment_kg: 2.5,
            primary: vec![Muscle::Lats],
            secondary: vec![],
            custom: true,
        });
        let a = analyze(&others, &catalog, &weighed, date(2026, 3, 9));
        let best = |slug: &str| {
            let r = a.records.iter().find(|r| r.exercise == slug).unwrap();
            (r.by_reps[0].weight_kg, r.by_reps[0].bodyweight_kg)
        };
        assert_eq!(best("push-up"), (84.0 * 0.64, Some(84.0 * 0.64)));
        assert_eq!(best("hanging-leg-raise"), (5.0, None));
        assert_eq!(best("assisted-pull-up"), (40.0, None));

        // No weighing logged: only what was added counts, as before.
        let a = analyze(
            &h,
            &Catalog::default(),
            &Bodyweight::default(),
            date(2026, 3, 9),
        );
        assert_eq!(a.records[0].by_reps[0].weight_kg, 10.0);
        assert_eq!(a.records[0].by_reps[0].bodyweight_kg, None);
    }
}
