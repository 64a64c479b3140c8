//! Programs: days of exercises, each with a set/rep scheme and the rule that progresses it.
//! Built-in templates and user-built programs share these types; a user has one active
//! program, and the engine ([`crate::engine`]) turns it and the history into today's plan.

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::Problem;

/// How an exercise's load and reps move from one session to the next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Progression {
    /// `sets`×`reps` at one load; add the increment after a session where every set made its
    /// reps; after `deload_after` missed sessions in a row, take `deload_percent` off.
    Linear {
        sets: u32,
        reps: u32,
        #[serde(default = "default_deload_after")]
        deload_after: u32,
        #[serde(default = "default_deload_percent")]
        deload_percent: f64,
    },
    /// Build reps from `min_reps` to `max_reps` at one load; when every set reaches
    /// `max_reps`, add the increment and start again at `min_reps`. After `deload_after`
    /// sessions without a rep gained, take `deload_percent` off.
    Double {
        sets: u32,
        min_reps: u32,
        max_reps: u32,
        #[serde(default = "default_deload_after")]
        deload_after: u32,
        #[serde(default = "default_deload_percent")]
        deload_percent: f64,
    },
    /// The load that makes `reps` land at `rpe`, from the estimated 1RM of the most comparable
    /// recent set.
    Rpe { sets: u32, reps: u32, rpe: f64 },
    /// GZCLP's tiers: T1 5×3+ → 6×2+ → 10×1+, T2 3×10 → 3×8 → 3×6, T3 3×15+ (see
    /// [`crate::engine`]).
    Gzclp { tier: u8 },
    /// Wendler's 5/3/1: a training max (`training_max_percent` of the estimated 1RM, 90 by
    /// default), a four-week wave of 5/5/5+, 3/3/3+, 5/3/1+ and a deload, and the training
    /// max raised each cycle.
    FiveThreeOne {
        // Left out at its default, so servers of the version before it still read the program
        // (a rolling update runs both).
        #[serde(
            default = "default_training_max_percent",
            skip_serializing_if = "is_default_training_max"
        )]
        training_max_percent: f64,
    },
}

fn default_deload_after() -> u32 {
    3
}

fn default_deload_percent() -> f64 {
    10.0
}

fn default_training_max_percent() -> f64 {
    90.0
}

fn is_default_training_max(percent: &f64) -> bool {
    *percent == default_training_max_percent()
}

impl Progression {
    /// 5/3/1 as Wendler wrote it: the training max at 90% of the estimated 1RM.
    pub fn five_three_one() -> Self {
        Progression::FiveThreeOne {
            training_max_percent: default_training_max_percent(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Slot {
    pub exercise: String,
    pub progression: Progression,
    /// Overrides the catalog's load step for this slot, in kilograms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub increment_kg: Option<f64>,
    /// A superset: slots of a day with the same group (1 = A … 26 = Z) are done together,
    /// alternating sets. The Log form and History show it as the letter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Day {
    pub name: String,
    pub slots: Vec<Slot>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Program {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// How many of its days a week the program is meant for (the days repeat in order).
    pub days_per_week: u32,
    pub days: Vec<Day>,
}

pub const MAX_DAYS: usize = 14;
pub const MAX_SLOTS: usize = 20;
pub const MAX_SETS: u32 = 20;

impl Progression {
    /// The rule's name as a lifter would say it.
    pub fn rule_name(&self) -> &'static str {
        match self {
            Progression::Linear { .. } => "linear progression",
            Progression::Double { .. } => "double progression",
            Progression::Rpe { .. } => "RPE targets",
            Progression::Gzclp { .. } => "GZCLP tiers",
            Progression::FiveThreeOne { .. } => "5/3/1 waves",
        }
    }

    /// Every rule this progression breaks; `at` names it in the answers.
    fn problems(&self, at: &str, out: &mut Vec<Problem>) {
        let mut check = |ok: bool, field: &str, message: &str| {
            if !ok {
                out.push(Problem::new(format!("{at}.{field}"), message));
            }
        };
        let sets_ok = |s: u32| (1..=MAX_SETS).contains(&s);
        let reps_ok = |r: u32| (1..=50).contains(&r);
        let deload_ok = |after: u32, pct: f64| {
            (1..=10).contains(&after) && pct.is_finite() && (1.0..=50.0).contains(&pct)
        };
        match *self {
            Progression::Linear {
                sets,
                reps,
                deload_after,
                deload_percent,
            } => {
                check(sets_ok(sets), "sets", "must be 1 to 20");
                check(reps_ok(reps), "reps", "must be 1 to 50");
                check(
                    deload_ok(deload_after, deload_percent),
                    "deload_after",
                    "deload after 1 to 10 misses, by 1 to 50 percent",
                );
            }
            Progression::Double {
                sets,
                min_reps,
                max_reps,
                deload_after,
                deload_percent,
            } => {
                check(sets_ok(sets), "sets", "must be 1 to 20");
                check(
                    reps_ok(min_reps) && reps_ok(max_reps) && min_reps < max_reps,
                    "min_reps",
                    "must be 1 to 50 and below max_reps",
                );
                check(
                    deload_ok(deload_after, deload_percent),
                    "deload_after",
                    "deload after 1 to 10 misses, by 1 to 50 percent",
                );
            }
            Progression::Rpe { sets, reps, rpe } => {
                check(sets_ok(sets), "sets", "must be 1 to 20");
                check(crate::strength::percent_of_max(reps, rpe).is_some() && crate::rules::check_rpe(rpe).is_none() && rpe >= 6.0,
                    "rpe", "reps and RPE must be on the RPE table (RPE 6 to 10, at most 12 reps to failure)");
            }
            Progression::Gzclp { tier } => {
                check((1..=3).contains(&tier), "tier", "must be 1, 2 or 3")
            }
            Progression::FiveThreeOne {
                training_max_percent,
            } => check(
                training_max_percent.is_finite() && (70.0..=100.0).contains(&training_max_percent),
                "training_max_percent",
                "must be 70 to 100 percent",
            ),
        }
    }
}

impl Program {
    /// The progression rules the program uses, each once, in the order they first appear.
    pub fn rules(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for slot in self.days.iter().flat_map(|d| &d.slots) {
            let name = slot.progression.rule_name();
            if !out.contains(&name) {
                out.push(name);
            }
        }
        out
    }

    /// Every rule this program breaks, judged against the user's catalog.
    pub fn problems(&self, catalog: &Catalog) -> Vec<Problem> {
        let mut out = Vec::new();
        if let Some(m) = crate::rules::check_slug(&self.slug) {
            out.push(Problem::new("slug", m));
        }
        if let Some(m) = crate::rules::check_name(&self.name) {
            out.push(Problem::new("name", m));
        }
        if self.description.chars().count() > 2000 {
            out.push(Problem::new(
                "description",
                "must be at most 2000 characters",
            ));
        } else if let Some(m) = crate::rules::check_text(&self.description) {
            out.push(Problem::new("description", m));
        }
        if !(1..=7).contains(&self.days_per_week) {
            out.push(Problem::new("days_per_week", "must be 1 to 7"));
        }
        if self.days.is_empty() || self.days.len() > MAX_DAYS {
            out.push(Problem::new(
                "days",
                format!("must have 1 to {MAX_DAYS} days"),
            ));
        }
        for (i, day) in self.days.iter().enumerate() {
            if let Some(m) = crate::rules::check_name(&day.name) {
                out.push(Problem::new(format!("days[{i}].name"), m));
            }
            if day.slots.is_empty() || day.slots.len() > MAX_SLOTS {
                out.push(Problem::new(
                    format!("days[{i}].slots"),
                    format!("must have 1 to {MAX_SLOTS} exercises"),
                ));
            }
            for (j, slot) in day.slots.iter().enumerate() {
                let at = format!("days[{i}].slots[{j}]");
                if catalog.find(&slot.exercise).is_none() {
                    out.push(Problem::new(
                        format!("{at}.exercise"),
                        "is not in the catalog or your exercises",
                    ));
                }
                if day.slots[..j].iter().any(|s| s.exercise == slot.exercise) {
                    out.push(Problem::new(
                        format!("{at}.exercise"),
                        "appears twice on this day",
                    ));
                }
                if let Some(inc) = slot.increment_kg {
                    if !(inc.is_finite() && (0.5..=50.0).contains(&inc)) {
                        out.push(Problem::new(
                            format!("{at}.increment_kg"),
                            "must be between 0.5 and 50 kg",
                        ));
                    }
                }
                if let Some(m) = slot.group.and_then(crate::rules::check_group) {
                    out.push(Problem::new(format!("{at}.group"), m));
                }
                slot.progression
                    .problems(&format!("{at}.progression"), &mut out);
                // A superset of one exercise is a typo, not a plan.
                if let Some(g) = slot.group {
                    if day.slots.iter().filter(|s| s.group == Some(g)).count() < 2 {
                        out.push(Problem::new(
                            format!("{at}.group"),
                            "a superset needs at least two exercises of the day",
                        ));
                    }
                }
            }
        }
        out
    }
}

fn slot(exercise: &str, progression: Progression) -> Slot {
    Slot {
        exercise: exercise.to_owned(),
        progression,
        increment_kg: None,
        group: None,
    }
}

fn linear(sets: u32, reps: u32) -> Progression {
    Progression::Linear {
        sets,
        reps,
        deload_after: 3,
        deload_percent: 10.0,
    }
}

fn double(sets: u32, min_reps: u32, max_reps: u32) -> Progression {
    Progression::Double {
        sets,
        min_reps,
        max_reps,
        deload_after: 3,
        deload_percent: 10.0,
    }
}

fn rpe(sets: u32, reps: u32, rpe: f64) -> Progression {
    Progression::Rpe { sets, reps, rpe }
}

fn day(name: &str, slots: Vec<Slot>) -> Day {
    Day {
        name: name.to_owned(),
        slots,
    }
}

/// The built-in templates.
/// Who a built-in program suits; the user's own programs say nothing.
pub fn builtin_level(slug: &str) -> Option<&'static str> {
    match slug {
        "full-body-3x" | "gzclp" => Some("Beginner"),
        "upper-lower-4x" | "push-pull-legs" | "five-three-one" => Some("Intermediate"),
        _ => None,
    }
}

pub fn builtin_programs() -> Vec<Program> {
    let t = |tier| Progression::Gzclp { tier };
    vec![
        Program {
            slug: "full-body-3x".into(),
            name: "Full body, 3× a week".into(),
            description: "Three alternating full-body days. Main lifts 3×5 with linear progression; accessories in rep ranges.".into(),
            days_per_week: 3,
            days: vec![
                day("Full body A", vec![slot("squat", linear(3, 5)), slot("bench-press", linear(3, 5)), slot("barbell-row", linear(3, 5)), slot("lateral-raise", double(3, 12, 15))]),
                day("Full body B", vec![slot("deadlift", linear(1, 5)), slot("overhead-press", linear(3, 5)), slot("pull-up", double(3, 5, 10)), slot("triceps-pushdown", double(3, 10, 15))]),
                day("Full body C", vec![slot("squat", linear(3, 5)), slot("dumbbell-bench-press", double(3, 8, 12)), slot("seated-cable-row", double(3, 8, 12)), slot("dumbbell-curl", double(3, 10, 15))]),
            ],
        },
        Program {
            slug: "upper-lower-4x".into(),
            name: "Upper/lower, 4× a week".into(),
            description: "Two upper and two lower days. Main lifts loaded by RPE from your estimated max; the rest by double progression.".into(),
            days_per_week: 4,
            days: vec![
                day("Upper A", vec![slot("bench-press", rpe(4, 6, 8.0)), slot("barbell-row", double(4, 6, 10)), slot("overhead-press", double(3, 8, 12)), slot("lat-pulldown", double(3, 10, 12)), slot("dumbbell-curl", double(3, 10, 15))]),
                day("Lower A", vec![slot("squat", rpe(4, 6, 8.0)), slot("romanian-deadlift", double(3, 8, 12)), slot("leg-press", double(3, 10, 15)), slot("leg-curl", double(3, 10, 15)), slot("standing-calf-raise", double(3, 10, 15))]),
                day("Upper B", vec![slot("incline-bench-press", double(3, 8, 12)), slot("pull-up", double(3, 6, 10)), slot("dumbbell-shoulder-press", double(3, 8, 12)), slot("seated-cable-row", double(3, 10, 12)), slot("triceps-pushdown", double(3, 10, 15))]),
                day("Lower B", vec![slot("deadlift", rpe(3, 5, 8.0)), slot("front-squat", double(3, 6, 10)), slot("bulgarian-split-squat", double(3, 8, 12)), slot("leg-extension", double(3, 10, 15)), slot("hanging-leg-raise", double(3, 8, 15))]),
            ],
        },
        Program {
            slug: "push-pull-legs".into(),
            name: "Push/pull/legs".into(),
            description: "Push, pull and leg days in turn; run them three or six days a week.".into(),
            days_per_week: 3,
            days: vec![
                day("Push", vec![slot("bench-press", linear(3, 5)), slot("overhead-press", double(3, 8, 12)), slot("dumbbell-incline-press", double(3, 8, 12)), slot("lateral-raise", double(3, 12, 20)), slot("triceps-pushdown", double(3, 10, 15))]),
                day("Pull", vec![slot("deadlift", linear(1, 5)), slot("lat-pulldown", double(3, 8, 12)), slot("seated-cable-row", double(3, 8, 12)), slot("face-pull", double(3, 12, 20)), slot("hammer-curl", double(3, 10, 15))]),
                day("Legs", vec![slot("squat", linear(3, 5)), slot("romanian-deadlift", double(3, 8, 12)), slot("leg-press", double(3, 10, 15)), slot("leg-curl", double(3, 10, 15)), slot("standing-calf-raise", double(3, 10, 20))]),
            ],
        },
        Program {
            slug: "five-three-one".into(),
            name: "5/3/1".into(),
            description: "Wendler's four-week waves on a training max of 90% of your estimated 1RM, raised every cycle, with accessories.".into(),
            days_per_week: 4,
            days: vec![
                day("Press day", vec![slot("overhead-press", Progression::five_three_one()), slot("dumbbell-row", double(5, 10, 15))]),
                day("Deadlift day", vec![slot("deadlift", Progression::five_three_one()), slot("hanging-leg-raise", double(5, 8, 15))]),
                day("Bench day", vec![slot("bench-press", Progression::five_three_one()), slot("chin-up", double(5, 5, 10))]),
                day("Squat day", vec![slot("squat", Progression::five_three_one()), slot("leg-curl", double(5, 10, 15))]),
            ],
        },
        Program {
            slug: "gzclp".into(),
            name: "GZCLP".into(),
            description: "Cody Lefever's linear progression in three tiers: heavy T1 triples, T2 volume, T3 pump work; each tier changes its sets and reps when you stall.".into(),
            days_per_week: 3,
            days: vec![
                day("A1", vec![slot("squat", t(1)), slot("bench-press", t(2)), slot("lat-pulldown", t(3))]),
                day("B1", vec![slot("overhead-press", t(1)), slot("deadlift", t(2)), slot("dumbbell-row", t(3))]),
                day("A2", vec![slot("bench-press", t(1)), slot("squat", t(2)), slot("lat-pulldown", t(3))]),
                day("B2", vec![slot("deadlift", t(1)), slot("overhead-press", t(2)), slot("dumbbell-row", t(3))]),
            ],
        },
    ]
}

/// The built-in program with this slug.
pub fn builtin_program(slug: &str) -> Option<Program> {
    builtin_programs().into_iter().find(|p| p.slug == slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_program_says_who_it_suits_and_which_rules_it_uses() {
        for p in builtin_programs() {
            assert!(builtin_level(&p.slug).is_some(), "{}", p.slug);
            assert!(!p.rules().is_empty(), "{}", p.slug);
        }
        let gzclp = builtin_program("gzclp").unwrap();
        assert_eq!(gzclp.rules(), ["GZCLP tiers"]);
        let full = builtin_program("full-body-3x").unwrap();
        assert_eq!(full.rules(), ["linear progression", "double progression"]);
        assert_eq!(builtin_level("mine"), None);
    }

    #[test]
    fn built_in_programs_are_valid() {
        let catalog = Catalog::default();
        let programs = builtin_programs();
        assert_eq!(programs.len(), 5);
        for p in &programs {
            assert_eq!(p.problems(&catalog), vec![], "{}", p.slug);
        }
    }

    #[test]
    fn user_programs_round_trip_and_are_checked() {
        let p = builtin_program("gzclp").unwrap();
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<Program>(&json).unwrap(), p);
        let mut bad = p.clone();
        bad.days[0].slots[0].exercise = "no-such-lift".into();
        bad.days[1].slots[0].progression = Progression::Linear {
            sets: 0,
            reps: 5,
            deload_after: 3,
            deload_percent: 10.0,
        };
        let fields: Vec<String> = bad
            .problems(&Catalog::default())
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(
            fields,
            [
                "days[0].slots[0].exercise",
                "days[1].slots[0].progression.sets"
            ]
        );
        let unknown = json.replacen("\"kind\":\"gzclp\"", "\"kind\":\"gzclp\",\"extra\":1", 1);
        assert!(serde_json::from_str::<Program>(&unknown).is_err());
    }
}
