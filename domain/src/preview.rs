//! What a program would prescribe over the coming weeks: the engine's plan, done as
//! prescribed, then the next plan from the history with it, and so on. The program editor
//! shows it beside the form (in the browser) so a lifter sees a change's consequences before
//! saving it. Each session's plan is exactly what `engine::plan` gives once the sessions before
//! it are logged as prescribed; a test logs them through the API and compares.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use crate::catalog::Catalog;
use crate::engine::{plan, Plan, Settings};
use crate::program::Program;
use crate::workout::{ExerciseLog, SetKind, SetLog, WorkoutLogged, EVENT_VERSION};

/// How far ahead the editor looks.
pub const WEEKS: u32 = 4;

#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// 1 for the first week ahead.
    pub week: u32,
    pub performed_at: DateTime<Utc>,
    pub plan: Plan,
}

/// The next `weeks` weeks of `program` (its `days_per_week` sessions a week) from `history`,
/// the first session at `start`. Sessions a week apart are spread evenly over it.
pub fn weeks(
    program: &Program,
    history: &[WorkoutLogged],
    catalog: &Catalog,
    settings: &Settings,
    start: DateTime<Utc>,
    weeks: u32,
) -> Vec<Session> {
    let per_week = program.days_per_week.clamp(1, 7);
    let gap = Duration::minutes(7 * 24 * 60 / i64::from(per_week));
    // No session may land before one already logged: the engine orders by time.
    let start = history
        .iter()
        .map(|w| w.performed_at + Duration::hours(1))
        .fold(start, DateTime::max);
    let mut done: Vec<WorkoutLogged> = history.to_vec();
    let mut out = Vec::new();
    for k in 0..per_week * weeks {
        let performed_at = start + gap * i32::try_from(k).unwrap_or(i32::MAX);
        let next = plan(program, &done, catalog, settings);
        done.push(as_prescribed(
            &next,
            Uuid::from_u128(u128::from(k) + 1),
            performed_at,
        ));
        out.push(Session {
            week: k / per_week + 1,
            performed_at,
            plan: next,
        });
    }
    out
}

/// The workout of a lifter who did `plan` exactly: every set at its load and reps (an AMRAP
/// set at its least), warm-ups as warm-ups, in the program's supersets.
pub fn as_prescribed(plan: &Plan, id: Uuid, performed_at: DateTime<Utc>) -> WorkoutLogged {
    WorkoutLogged {
        v: EVENT_VERSION,
        id,
        user_id: String::new(),
        revision: 1,
        performed_at,
        received_at: performed_at,
        notes: None,
        exercises: plan
            .exercises
            .iter()
            .map(|e| ExerciseLog {
                exercise: e.exercise.clone(),
                sets: e
                    .sets
                    .iter()
                    .map(|s| SetLog {
                        weight_kg: s.weight_kg,
                        reps: s.reps,
                        rpe: s.rpe,
                        kind: if s.warmup {
                            SetKind::Warmup
                        } else {
                            SetKind::Working
                        },
                    })
                    .collect(),
                notes: None,
                group: e.group,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::program::{builtin_program, Progression};

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 18, 0, 0).unwrap()
    }

    #[test]
    fn each_session_is_the_plan_after_the_ones_before_it_done_as_prescribed() {
        let program = builtin_program("gzclp").unwrap();
        let (catalog, settings) = (Catalog::default(), Settings::default());
        let sessions = weeks(&program, &[], &catalog, &settings, start(), WEEKS);
        assert_eq!(sessions.len(), (program.days_per_week * WEEKS) as usize);
        assert_eq!(sessions.last().map(|s| s.week), Some(WEEKS));
        let mut done = Vec::new();
        for s in &sessions {
            assert_eq!(s.plan, plan(&program, &done, &catalog, &settings));
            done.push(as_prescribed(&s.plan, Uuid::from_u128(99), s.performed_at));
        }
        // The days rotate and the loads move: a preview that repeated today would pass neither.
        assert_ne!(sessions[0].plan.day_index, sessions[1].plan.day_index);
        let squat = |s: &Session| {
            s.plan
                .exercises
                .iter()
                .find(|e| e.exercise == "squat")
                .and_then(|e| e.sets.iter().rev().find(|s| !s.warmup))
                .map(|s| s.weight_kg)
        };
        let squats: Vec<f64> = sessions.iter().filter_map(squat).collect();
        assert!(squats.windows(2).any(|w| w[1] > w[0]), "{squats:?}");
    }

    #[test]
    fn starts_after_the_last_logged_session() {
        let program = builtin_program("full-body-3x").unwrap();
        let (catalog, settings) = (Catalog::default(), Settings::default());
        let first = weeks(&program, &[], &catalog, &settings, start(), 1);
        let later = start() + Duration::days(3);
        let done = as_prescribed(&first[0].plan, Uuid::from_u128(99), later);
        let next = weeks(&program, &[done], &catalog, &settings, start(), 1);
        assert!(next[0].performed_at > later);
        assert_eq!(next[0].plan.day_index, 1);
    }

    #[test]
    fn a_rule_change_changes_the_preview() {
        let mut program = builtin_program("full-body-3x").unwrap();
        let (catalog, settings) = (Catalog::default(), Settings::default());
        let before = weeks(&program, &[], &catalog, &settings, start(), 2);
        for slot in program.days.iter_mut().flat_map(|d| &mut d.slots) {
            if slot.exercise == "squat" {
                slot.progression = Progression::Double {
                    sets: 3,
                    min_reps: 6,
                    max_reps: 10,
                    deload_after: 3,
                    deload_percent: 10.0,
                };
            }
        }
        let after = weeks(&program, &[], &catalog, &settings, start(), 2);
        let reps = |s: &[Session]| -> Vec<u32> {
            s.iter()
                .flat_map(|s| &s.plan.exercises)
                .filter(|e| e.exercise == "squat")
                .flat_map(|e| e.sets.iter().filter(|s| !s.warmup).map(|s| s.reps))
                .collect()
        };
        assert_ne!(reps(&before), reps(&after));
        assert!(reps(&after).iter().all(|r| (6..=10).contains(r)));
    }

    #[test]
    fn a_lower_training_max_prescribes_lighter_five_three_one_loads() {
        let (catalog, settings) = (Catalog::default(), Settings::default());
        let pressed = WorkoutLogged {
            v: EVENT_VERSION,
            id: Uuid::from_u128(1),
            user_id: String::new(),
            revision: 1,
            performed_at: start() - Duration::days(7),
            received_at: start() - Duration::days(7),
            notes: None,
            exercises: vec![ExerciseLog {
                exercise: "overhead-press".into(),
                sets: vec![SetLog {
                    weight_kg: 60.0,
                    reps: 5,
                    rpe: None,
                    kind: SetKind::Working,
                }],
                notes: None,
                group: None,
            }],
        };
        let mut program = builtin_program("five-three-one").unwrap();
        let top = |program: &Program| {
            let today = plan(program, std::slice::from_ref(&pressed), &catalog, &settings);
            let press = today.exercises[0].clone();
            (press.sets.last().unwrap().weight_kg, press.reason)
        };
        let (wendler, reason) = top(&program);
        assert!(reason.contains("90% of your estimated 1RM"), "{reason}");
        for slot in program.days.iter_mut().flat_map(|d| &mut d.slots) {
            if let Progression::FiveThreeOne {
                training_max_percent,
            } = &mut slot.progression
            {
                *training_max_percent = 80.0;
            }
        }
        let (lighter, reason) = top(&program);
        assert!(lighter < wendler, "{lighter} < {wendler}");
        assert!(reason.contains("80% of your estimated 1RM"), "{reason}");
    }
}
