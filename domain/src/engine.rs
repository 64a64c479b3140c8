//! The progression engine: today's session from the active program and the history. Pure and
//! deterministic: the same program, history, catalog and settings give the same plan.
//!
//! The engine replays the history. Each past session is matched to the program day it was
//! (by the exercises it holds, following the program's order when days look alike), and each
//! slot's rule is replayed over the sessions where that exercise was done under the same rule,
//! so the load, the stage or the training max it ends with is what the history earned. A slot
//! with no such sessions starts from the estimated 1RM of any recent set of the exercise
//! (imported history, another program), or from the lightest load the equipment makes.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, ExerciseInfo};
use crate::program::{Program, Progression, Slot};
use crate::strength::{self, Formula};
use crate::units::{Equipment, Gym, Unit};
use crate::{SetLog, WorkoutLogged};

/// How the plan is made for this user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub gym: Gym,
    /// Add warm-up sets before heavy barbell work.
    pub warmups: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            gym: Gym::metric(),
            warmups: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedSet {
    pub weight_kg: f64,
    pub reps: u32,
    /// As many reps as possible: `reps` is the least.
    pub amrap: bool,
    /// The effort the load is meant to feel like, when the rule targets one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rpe: Option<f64>,
    pub warmup: bool,
    /// Why this load and these reps, in plain words.
    pub reason: String,
    /// For a barbell set: the plates a side from the user's bar and plates, or that they
    /// cannot make it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plates: Option<crate::plates::Loading>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedExercise {
    pub exercise: String,
    pub name: String,
    /// Why the working sets are what they are.
    pub reason: String,
    pub sets: Vec<PlannedSet>,
    /// The program's superset group for this exercise (1 = A), if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The program's slug.
    pub program: String,
    /// The program's name, as the lifter knows it.
    #[serde(default)]
    pub program_name: String,
    pub day: String,
    pub day_index: usize,
    pub unit: Unit,
    pub exercises: Vec<PlannedExercise>,
}

/// Today's session: the day after the last one done, with every slot's sets.
pub fn plan(
    program: &Program,
    history: &[WorkoutLogged],
    catalog: &Catalog,
    settings: &Settings,
) -> Plan {
    let mut sessions: Vec<&WorkoutLogged> = history.iter().collect();
    sessions.sort_by(|a, b| a.performed_at.cmp(&b.performed_at).then(a.id.cmp(&b.id)));
    let days = match_days(program, &sessions);
    let day_index = if program.days.is_empty() {
        0
    } else {
        days.iter()
            .rev()
            .find_map(|d| *d)
            .map_or(0, |d| (d + 1) % program.days.len())
    };
    let exercises = program
        .days
        .get(day_index)
        .map(|day| {
            day.slots
                .iter()
                .map(|slot| plan_slot(program, slot, &sessions, &days, catalog, settings))
                .collect()
        })
        .unwrap_or_default();
    Plan {
        program: program.slug.clone(),
        program_name: program.name.clone(),
        day: program
            .days
            .get(day_index)
            .map(|d| d.name.clone())
            .unwrap_or_default(),
        day_index,
        unit: settings.gym.unit,
        exercises,
    }
}

/// The program day each session was, if any: the day sharing the most exercises with it
/// (relative to the larger of the two), more than half; between equals, the one the program
/// expected next.
pub fn match_days(program: &Program, sessions: &[&WorkoutLogged]) -> Vec<Option<usize>> {
    let n = program.days.len();
    let mut expected = 0;
    let mut out = Vec::with_capacity(sessions.len());
    for session in sessions {
        let done: BTreeSet<&str> = session
            .exercises
            .iter()
            .map(|e| e.exercise.as_str())
            .collect();
        let score = |d: usize| {
            let slots = &program.days[d].slots;
            let hits = slots
                .iter()
                .filter(|s| done.contains(s.exercise.as_str()))
                .count();
            hits as f64 / slots.len().max(done.len()).max(1) as f64
        };
        let mut best: Option<(usize, f64)> = None;
        for k in 0..n {
            let d = (expected + k) % n;
            let s = score(d);
            if s > 0.5 && best.is_none_or(|(_, b)| s > b + 1e-9) {
                best = Some((d, s));
            }
        }
        if let Some((d, _)) = best {
            expected = (d + 1) % n;
        }
        out.push(best.map(|(d, _)| d));
    }
    out
}

/// One past session of an exercise: when, and the sets in the order they were logged.
struct Done<'a> {
    at: DateTime<Utc>,
    sets: Vec<&'a SetLog>,
}

impl Done<'_> {
    /// The heaviest load and the reps of every set at it, in order.
    fn working(&self) -> (f64, Vec<u32>) {
        let top = self.sets.iter().map(|s| s.weight_kg).fold(0.0, f64::max);
        let reps = self
            .sets
            .iter()
            .filter(|s| s.weight_kg >= top - 1e-9)
            .map(|s| s.reps)
            .collect();
        (top, reps)
    }
}

fn done_in<'a>(session: &'a WorkoutLogged, slug: &str) -> Option<Done<'a>> {
    let sets: Vec<&SetLog> = session
        .exercises
        .iter()
        .filter(|e| e.exercise == slug)
        .flat_map(|e| &e.sets)
        .filter(|s| s.kind.shows_strength())
        .collect();
    (!sets.is_empty()).then_some(Done {
        at: session.performed_at,
        sets,
    })
}

/// What the rules need to know about the exercise and the gym.
struct Ctx<'a> {
    exercise: ExerciseInfo,
    gym: &'a Gym,
    /// The load step for progress, in kilograms: the slot's or the catalog's, and never less
    /// than the equipment's smallest step.
    increment: f64,
}

impl Ctx<'_> {
    fn equipment(&self) -> Equipment {
        self.exercise.equipment
    }

    fn round(&self, kg: f64) -> f64 {
        clean(
            self.gym
                .round_kg(self.equipment(), kg)
                .min(crate::rules::MAX_WEIGHT_KG),
        )
    }

    fn round_down(&self, kg: f64) -> f64 {
        clean(
            self.gym
                .round_down_kg(self.equipment(), kg)
                .min(crate::rules::MAX_WEIGHT_KG),
        )
    }

    fn lightest(&self) -> f64 {
        clean(self.gym.lightest_kg(self.equipment()))
    }

    fn show(&self, kg: f64) -> String {
        if self.equipment() == Equipment::Bodyweight && kg <= 0.0 {
            "bodyweight".into()
        } else {
            self.gym.unit.show(kg)
        }
    }

    fn change(&self, kg: f64) -> String {
        self.gym.unit.show_change(kg)
    }

    /// `top` less `percent`, if that is a load the equipment makes below `top`.
    fn lighter(&self, top: f64, percent: f64) -> Option<f64> {
        let kg = self.round_down(top * (1.0 - percent / 100.0));
        (kg < top - 1e-9).then_some(kg)
    }

    /// An estimate, to the nearest whole unit: "112 kg".
    fn about(&self, kg: f64) -> String {
        let unit = self.gym.unit;
        format!("{} {}", unit.from_kg(kg).round(), unit.symbol())
    }
}

/// Kilograms to the gram, so unit conversions leave no float dust in the answers.
fn clean(kg: f64) -> f64 {
    (kg * 1000.0).round() / 1000.0
}

/// The working sets a rule prescribes and why.
struct Prescription {
    sets: Vec<Work>,
    reason: String,
}

#[derive(Clone, Copy)]
struct Work {
    kg: f64,
    reps: u32,
    amrap: bool,
    rpe: Option<f64>,
}

fn straight(sets: u32, kg: f64, reps: u32) -> Vec<Work> {
    (0..sets)
        .map(|_| Work {
            kg,
            reps,
            amrap: false,
            rpe: None,
        })
        .collect()
}

fn plan_slot(
    program: &Program,
    slot: &Slot,
    sessions: &[&WorkoutLogged],
    days: &[Option<usize>],
    catalog: &Catalog,
    settings: &Settings,
) -> PlannedExercise {
    let exercise = catalog
        .find(&slot.exercise)
        .unwrap_or_else(|| ExerciseInfo {
            slug: slot.exercise.clone(),
            name: slot.exercise.clone(),
            equipment: Equipment::Machine,
            increment_kg: 2.5,
            primary: vec![],
            secondary: vec![],
            custom: true,
        });
    let step = settings.gym.step_kg(exercise.equipment);
    let increment = slot.increment_kg.unwrap_or(exercise.increment_kg).max(step);
    let ctx = Ctx {
        exercise,
        gym: &settings.gym,
        increment,
    };
    // Sessions where this exercise was done under this very rule, and every session with it.
    let same_rule = |d: usize| {
        program.days[d]
            .slots
            .iter()
            .any(|s| s.exercise == slot.exercise && s.progression == slot.progression)
    };
    let own: Vec<Done> = sessions
        .iter()
        .zip(days)
        .filter(|(_, d)| d.is_some_and(same_rule))
        .filter_map(|(s, _)| done_in(s, &slot.exercise))
        .collect();
    let any: Vec<Done> = sessions
        .iter()
        .filter_map(|s| done_in(s, &slot.exercise))
        .collect();
    let p = match slot.progression {
        Progression::Linear {
            sets,
            reps,
            deload_after,
            deload_percent,
        } => linear(&ctx, &own, &any, sets, reps, deload_after, deload_percent),
        Progression::Double {
            sets,
            min_reps,
            max_reps,
            deload_after,
            deload_percent,
        } => double(
            &ctx,
            &own,
            &any,
            (sets, min_reps, max_reps),
            deload_after,
            deload_percent,
        ),
        Progression::Rpe { sets, reps, rpe } => by_rpe(&ctx, &any, sets, reps, rpe),
        Progression::Gzclp { tier } => gzclp(&ctx, &own, &any, tier),
        Progression::FiveThreeOne {
            training_max_percent,
        } => five_three_one(&ctx, &own, &any, training_max_percent / 100.0),
    };
    let warmups = settings.warmups
        && ctx.equipment() == Equipment::Barbell
        && !matches!(slot.progression, Progression::FiveThreeOne { .. });
    let mut sets = Vec::new();
    if warmups {
        if let Some(first) = p.sets.first() {
            sets.extend(warm_up(&ctx, first.kg));
        }
    }
    sets.extend(p.sets.iter().map(|w| PlannedSet {
        weight_kg: w.kg,
        reps: w.reps,
        amrap: w.amrap,
        rpe: w.rpe,
        warmup: false,
        reason: p.reason.clone(),
        plates: None,
    }));
    if ctx.equipment() == Equipment::Barbell {
        let inventory = settings.gym.inventory();
        for set in &mut sets {
            set.plates = Some(crate::plates::load(set.weight_kg, &inventory));
        }
    }
    PlannedExercise {
        exercise: slot.exercise.clone(),
        name: ctx.exercise.name.clone(),
        reason: p.reason,
        sets,
        group: slot.group,
    }
}

/// An estimated 1RM and the set it came from.
struct Estimate<'a> {
    e1rm: f64,
    set: &'a SetLog,
    formula: Formula,
    at: DateTime<Utc>,
}

impl Estimate<'_> {
    fn source(&self, ctx: &Ctx) -> String {
        let rpe = self
            .set
            .rpe
            .map(|r| format!(" @ RPE {}", crate::units::trim(r)))
            .unwrap_or_default();
        format!(
            "{}×{}{rpe} on {}, {}",
            ctx.show(self.set.weight_kg),
            self.set.reps,
            self.at.format("%b %-d"),
            self.formula.name()
        )
    }
}

/// How many recent sessions of an exercise are searched for a comparable set.
const RECENT_SESSIONS: usize = 3;

/// From the last few sessions, the set whose reps to failure are nearest `target` (a later
/// one between equals), with its estimated 1RM.
fn comparable<'a>(any: &'a [Done<'a>], target: f64) -> Option<Estimate<'a>> {
    let mut best: Option<(f64, Estimate)> = None;
    for done in any.iter().rev().take(RECENT_SESSIONS) {
        for set in &done.sets {
            let Some((e1rm, formula)) = strength::estimate(set) else {
                continue;
            };
            let distance = (strength::reps_to_failure(set) - target).abs();
            if best.as_ref().is_none_or(|(d, _)| distance < *d - 1e-9) {
                best = Some((
                    distance,
                    Estimate {
                        e1rm,
                        set,
                        formula,
                        at: done.at,
                    },
                ));
            }
        }
    }
    best.map(|(_, e)| e)
}

/// The load for `reps` at `rpe` out of `e1rm`; past the RPE table, Epley's inverse.
fn load_for(e1rm: f64, reps: u32, rpe: f64) -> f64 {
    let pct = strength::percent_of_max(reps, rpe)
        .unwrap_or_else(|| 1.0 / (1.0 + (f64::from(reps) + 10.0 - rpe) / 30.0));
    e1rm * pct
}

/// Where a slot starts without its own history: about RPE 8 for `reps` from a recent
/// estimate, else the lightest load.
fn start(ctx: &Ctx, any: &[Done], reps: u32) -> (f64, String) {
    match comparable(any, f64::from(reps) + 2.0) {
        Some(est) => {
            let kg = ctx.round_down(load_for(est.e1rm, reps, 8.0));
            (
                kg,
                format!(
                    "first time in this program: {} leaves about 2 reps in reserve for {reps}, from your estimated 1RM of {} ({})",
                    ctx.show(kg),
                    ctx.about(est.e1rm),
                    est.source(ctx)
                ),
            )
        }
        None => {
            let kg = ctx.lightest();
            (
                kg,
                format!(
                    "first session: start with {} and add {} each time every set is made",
                    ctx.show(kg),
                    ctx.gym.unit.show(ctx.increment)
                ),
            )
        }
    }
}

fn linear(
    ctx: &Ctx,
    own: &[Done],
    any: &[Done],
    sets: u32,
    reps: u32,
    deload_after: u32,
    deload_percent: f64,
) -> Prescription {
    let (mut kg, mut reason) = start(ctx, any, reps);
    let mut misses = 0;
    for done in own {
        let (top, working) = done.working();
        let made = working.iter().filter(|r| **r >= reps).count() as u32;
        if made >= sets {
            kg = ctx.round(top + ctx.increment);
            misses = 0;
            reason = format!(
                "{}: all {sets}×{reps} made at {} last time",
                ctx.change(kg - top),
                ctx.show(top)
            );
        } else {
            misses += 1;
            let due = misses >= deload_after;
            if due {
                misses = 0;
            }
            match due.then(|| ctx.lighter(top, deload_percent)).flatten() {
                Some(lighter) => {
                    kg = lighter;
                    reason = format!(
                        "deload −{}%: {sets}×{reps} missed {deload_after} sessions in a row",
                        crate::units::trim(deload_percent)
                    );
                }
                None => {
                    kg = ctx.round(top);
                    reason = if due {
                        format!("same load: {made} of {sets} sets made {reps} reps last time, and there is no lighter load to deload to")
                    } else {
                        format!("same load: {made} of {sets} sets made {reps} reps last time ({misses} of {deload_after} misses before a deload)")
                    };
                }
            }
        }
    }
    Prescription {
        sets: straight(sets, kg, reps),
        reason,
    }
}

fn double(
    ctx: &Ctx,
    own: &[Done],
    any: &[Done],
    (sets, min_reps, max_reps): (u32, u32, u32),
    deload_after: u32,
    deload_percent: f64,
) -> Prescription {
    let (mut kg, mut reason) = start(ctx, any, max_reps);
    let mut target = min_reps;
    let mut stalls = 0;
    // The fewest reps per set at the current load last time.
    let mut previous: Option<(f64, u32)> = None;
    for done in own {
        let (top, working) = done.working();
        let fewest = if working.len() < sets as usize {
            0
        } else {
            working
                .iter()
                .take(sets as usize)
                .copied()
                .min()
                .unwrap_or(0)
        };
        if fewest >= max_reps {
            kg = ctx.round(top + ctx.increment);
            target = min_reps;
            stalls = 0;
            previous = None;
            reason = format!(
                "{}: all {sets} sets reached {max_reps} reps at {} last time",
                ctx.change(kg - top),
                ctx.show(top)
            );
            continue;
        }
        let gained = match previous {
            Some((load, before)) if (load - top).abs() < 1e-9 => fewest > before,
            _ => true,
        };
        stalls = if gained { 0 } else { stalls + 1 };
        let deload = if stalls >= deload_after {
            stalls = 0;
            ctx.lighter(top, deload_percent)
        } else {
            None
        };
        if let Some(lighter) = deload {
            kg = lighter;
            target = min_reps;
            stalls = 0;
            previous = None;
            reason = format!(
                "deload −{}%: no reps gained in {deload_after} sessions",
                crate::units::trim(deload_percent)
            );
        } else {
            kg = ctx.round(top);
            target = (fewest + 1).clamp(min_reps, max_reps);
            previous = Some((top, fewest));
            reason = if gained {
                format!("same load: {target}+ reps a set this time, working up to {max_reps} (fewest last time: {fewest})")
            } else {
                format!("same load: no reps gained last time ({stalls} of {deload_after} before a deload); aim for {target}+")
            };
        }
    }
    if own.is_empty() {
        target = min_reps;
    }
    Prescription {
        sets: straight(sets, kg, target),
        reason,
    }
}

fn by_rpe(ctx: &Ctx, any: &[Done], sets: u32, reps: u32, rpe: f64) -> Prescription {
    let (kg, reason) = match comparable(any, f64::from(reps) + 10.0 - rpe) {
        Some(est) => {
            let kg = ctx.round(load_for(est.e1rm, reps, rpe));
            let pct = 100.0 * load_for(1.0, reps, rpe);
            (
                kg,
                format!(
                    "{}: {reps} reps @ RPE {} is {}% of your estimated 1RM of {} ({})",
                    ctx.show(kg),
                    crate::units::trim(rpe),
                    pct.round(),
                    ctx.about(est.e1rm),
                    est.source(ctx)
                ),
            )
        }
        None => {
            let kg = ctx.lightest();
            (
                kg,
                format!(
                    "no recent set to estimate from: start with {}, log how hard it felt (RPE), and the load will follow",
                    ctx.show(kg)
                ),
            )
        }
    };
    let mut work = straight(sets, kg, reps);
    for w in &mut work {
        w.rpe = Some(rpe);
    }
    Prescription { sets: work, reason }
}

/// GZCLP's stages per tier: (sets, reps); the last set of T1 and T3 is as many as possible.
const T1: [(u32, u32); 3] = [(5, 3), (6, 2), (10, 1)];
const T2: [(u32, u32); 3] = [(3, 10), (3, 8), (3, 6)];
/// T3 is 3×15+, and adds load once the last set reaches this many.
const T3_ADVANCE: u32 = 25;
/// GZCLP restarts a tier's first stage at 85% after its last stage fails.
const GZCLP_RESET: f64 = 0.85;

fn gzclp(ctx: &Ctx, own: &[Done], any: &[Done], tier: u8) -> Prescription {
    let stages: &[(u32, u32)] = match tier {
        1 => &T1,
        2 => &T2,
        _ => &[(3, 15)],
    };
    let (mut kg, mut reason) = start(ctx, any, stages[0].1);
    let mut stage = 0;
    for done in own {
        let (top, working) = done.working();
        let (sets, reps) = stages[stage];
        let enough = working.len() >= sets as usize;
        if tier >= 3 {
            let last = if enough {
                working[sets as usize - 1]
            } else {
                0
            };
            if last >= T3_ADVANCE {
                kg = ctx.round(top + ctx.increment);
                reason = format!(
                    "{}: the last set reached {last} reps ({T3_ADVANCE} needed)",
                    ctx.change(kg - top)
                );
            } else {
                kg = ctx.round(top);
                reason = format!(
                    "same load: the last set reached {last} reps; {T3_ADVANCE} adds weight"
                );
            }
            continue;
        }
        let made = enough && working.iter().take(sets as usize).all(|r| *r >= reps);
        if made {
            kg = ctx.round(top + ctx.increment);
            reason = format!(
                "{}: {sets}×{reps} made at {} last time",
                ctx.change(kg - top),
                ctx.show(top)
            );
        } else if stage + 1 < stages.len() {
            stage += 1;
            kg = ctx.round(top);
            let (s, r) = stages[stage];
            reason = format!("{s}×{r} at the same load: {sets}×{reps} missed last time");
        } else {
            stage = 0;
            kg = ctx.round_down(top * GZCLP_RESET);
            let (s, r) = stages[0];
            reason = format!("reset −15%: {sets}×{reps} missed; back to {s}×{r}");
        }
    }
    let (sets, reps) = stages[stage];
    let mut work = straight(sets, kg, reps);
    if tier != 2 {
        if let Some(last) = work.last_mut() {
            last.amrap = true;
        }
    }
    Prescription { sets: work, reason }
}

/// The weeks of a 5/3/1 cycle: (percent of the training max, reps, as many as possible).
const WAVES: [[(f64, u32, bool); 3]; 4] = [
    [(0.65, 5, false), (0.75, 5, false), (0.85, 5, true)],
    [(0.70, 3, false), (0.80, 3, false), (0.90, 3, true)],
    [(0.75, 5, false), (0.85, 3, false), (0.95, 1, true)],
    [(0.40, 5, false), (0.50, 5, false), (0.60, 5, false)],
];
const WEEK_NAMES: [&str; 4] = ["5/5/5+", "3/3/3+", "5/3/1+", "deload"];
/// `share`: the training max's share of the estimated 1RM (0.9 as Wendler wrote it).
fn five_three_one(ctx: &Ctx, own: &[Done], any: &[Done], share: f64) -> Prescription {
    // The training max: `share` of the estimated 1RM from before this program's first session of
    // the lift. Without one, that first session's + set says what it was (its load was 85% of
    // the training max, capped by what the set itself shows); with no session at all, light
    // enough that even the heaviest set is the empty bar.
    // `any` is in time order, so the sessions before the first of this program are a prefix.
    let before = &any[..any
        .iter()
        .take_while(|d| own.first().is_none_or(|first| d.at < first.at))
        .count()];
    let from_first = |first: &Done| {
        let top = first
            .sets
            .iter()
            .copied()
            .max_by(|a, b| a.weight_kg.total_cmp(&b.weight_kg));
        let shown = top
            .and_then(strength::estimate)
            .map_or(f64::MAX, |(e1rm, _)| e1rm * share);
        (first.working().0 / WAVES[0][2].0).min(shown)
    };
    let mut tm = match (comparable(before, 5.0), own.first()) {
        (Some(est), _) => est.e1rm * share,
        (None, Some(first)) => from_first(first).max(ctx.lightest() / WAVES[2][2].0),
        (None, None) => ctx.lightest() / WAVES[2][2].0,
    };
    let mut reason = format!(
        "training max {} ({}% of your estimated 1RM)",
        ctx.about(tm),
        crate::units::trim(share * 100.0)
    );
    let mut missed = false;
    for (k, done) in own.iter().enumerate() {
        let week = k % 4;
        if week < 3 {
            // The + set counts only at the load it was meant for.
            let (pct, reps, _) = WAVES[week][2];
            let (top, working) = done.working();
            let light = top < ctx.round(tm * pct) - ctx.gym.step_kg(ctx.equipment()) / 2.0;
            if light || working.last().copied().unwrap_or(0) < reps {
                missed = true;
            }
        } else {
            if missed {
                tm *= 0.9;
                reason = format!(
                    "training max −10% to {}: a + set missed its reps last cycle",
                    ctx.about(tm)
                );
            } else {
                tm += ctx.increment;
                reason = format!(
                    "training max {} to {}: every + set made its reps last cycle",
                    ctx.change(ctx.increment),
                    ctx.about(tm)
                );
            }
            missed = false;
        }
    }
    let week = own.len() % 4;
    let cycle = own.len() / 4 + 1;
    let sets = WAVES[week]
        .iter()
        .map(|&(pct, reps, amrap)| Work {
            kg: ctx.round(tm * pct),
            reps,
            amrap,
            rpe: None,
        })
        .collect();
    Prescription {
        sets,
        reason: format!(
            "cycle {cycle}, week {} of 4 ({}): {reason}",
            week + 1,
            WEEK_NAMES[week]
        ),
    }
}

/// Ramp-up sets before a barbell load: the empty bar, then 40, 60 and 80%, each lighter than
/// the next and the work.
fn warm_up(ctx: &Ctx, work: f64) -> Vec<PlannedSet> {
    let bar = ctx.lightest();
    let step = ctx.gym.step_kg(Equipment::Barbell);
    let mut out: Vec<PlannedSet> = Vec::new();
    if work < bar + 4.0 * step {
        return out;
    }
    let ramp = [(0.0, 10), (0.4, 5), (0.6, 3), (0.8, 2)];
    for (pct, reps) in ramp {
        let kg = ctx.round_down((work * pct).max(bar));
        let lighter_than_work = kg < work - step / 2.0;
        let heavier_than_last = out.last().is_none_or(|l| kg > l.weight_kg + 1e-9);
        if lighter_than_work && heavier_than_last {
            let reason = if pct == 0.0 {
                "warm-up: the empty bar".to_owned()
            } else {
                format!("warm-up: {}% of {}", (pct * 100.0).round(), ctx.show(work))
            };
            out.push(PlannedSet {
                weight_kg: kg,
                reps,
                amrap: false,
                rpe: None,
                warmup: true,
                reason,
                plates: None,
            });
        }
    }
    out
}
