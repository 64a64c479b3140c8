//! Estimated one-rep maxes and the RPE table.
//!
//! Each formula is used where it is accurate: a single is its own 1RM; Brzycki for 2–6 reps
//! (it tracks tested maxes best at low reps, where Epley runs high); Epley for 7–12 (Brzycki's
//! denominator makes it run away as reps approach 37). Sets of more than 12 reps say little
//! about a max and give no estimate. A set with an RPE is read through the RPE table instead:
//! its reps plus the reps left in reserve are what the lifter could have done.

use crate::SetLog;

/// Sets of more reps than this give no 1RM estimate.
pub const MAX_ESTIMATE_REPS: u32 = 12;

/// Which formula produced an estimate, for the reasons shown to users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Formula {
    Single,
    Brzycki,
    Epley,
    RpeTable,
}

impl Formula {
    pub fn name(self) -> &'static str {
        match self {
            Formula::Single => "a single",
            Formula::Brzycki => "Brzycki",
            Formula::Epley => "Epley",
            Formula::RpeTable => "the RPE table",
        }
    }
}

pub fn epley(weight: f64, reps: u32) -> f64 {
    if reps <= 1 {
        weight
    } else {
        weight * (1.0 + f64::from(reps) / 30.0)
    }
}

pub fn brzycki(weight: f64, reps: u32) -> f64 {
    let reps = reps.clamp(1, 36);
    weight * 36.0 / (37.0 - f64::from(reps))
}

/// Percent of 1RM for a set taken to failure (RPE 10), by reps (the Tuchscherer/RTS chart).
const AT_RPE_10: [f64; 12] = [
    100.0, 95.5, 92.2, 89.2, 86.3, 83.7, 81.1, 78.6, 76.2, 73.9, 70.7, 68.0,
];

/// The fraction of 1RM a lifter can do `reps` with at `rpe` (reps in reserve = 10 − RPE),
/// interpolated between whole reps; `None` past the chart (more than 12 reps to failure).
pub fn percent_of_max(reps: u32, rpe: f64) -> Option<f64> {
    if reps == 0 || !rpe.is_finite() || !(5.0..=10.0).contains(&rpe) {
        return None;
    }
    let to_failure = f64::from(reps) + (10.0 - rpe);
    if to_failure > AT_RPE_10.len() as f64 {
        return None;
    }
    let low = to_failure.floor() as usize;
    let frac = to_failure - low as f64;
    let at = |n: usize| AT_RPE_10[n - 1];
    let pct = if frac == 0.0 {
        at(low)
    } else {
        at(low) + (at(low + 1) - at(low)) * frac
    };
    Some(pct / 100.0)
}

/// The estimated 1RM of one set and how it was estimated; `None` for unloaded sets and sets
/// too long to say anything about a max.
pub fn estimate(set: &SetLog) -> Option<(f64, Formula)> {
    if set.weight_kg <= 0.0 || set.reps == 0 || !set.kind.shows_strength() {
        return None;
    }
    if let Some(rpe) = effort(set) {
        if let Some(pct) = percent_of_max(set.reps, rpe) {
            return Some((set.weight_kg / pct, Formula::RpeTable));
        }
    }
    match set.reps {
        1 => Some((set.weight_kg, Formula::Single)),
        2..=6 => Some((brzycki(set.weight_kg, set.reps), Formula::Brzycki)),
        7..=MAX_ESTIMATE_REPS => Some((epley(set.weight_kg, set.reps), Formula::Epley)),
        _ => None,
    }
}

/// How many reps to failure a set represents (reps + reps in reserve), for choosing the most
/// comparable set to a target.
pub fn reps_to_failure(set: &SetLog) -> f64 {
    f64::from(set.reps) + effort(set).map_or(0.0, |r| 10.0 - r)
}

/// The set's RPE: as logged, or 10 for a set taken to failure without one.
fn effort(set: &SetLog) -> Option<f64> {
    set.rpe
        .or((set.kind == crate::workout::SetKind::Failure).then_some(10.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(weight_kg: f64, reps: u32, rpe: Option<f64>) -> SetLog {
        SetLog {
            kind: Default::default(),
            weight_kg,
            reps,
            rpe,
        }
    }

    #[test]
    fn formulas_agree_with_their_definitions() {
        assert!((epley(100.0, 10) - 133.333).abs() < 0.01);
        assert!((brzycki(100.0, 5) - 112.5).abs() < 1e-9);
        assert_eq!(epley(100.0, 1), 100.0);
    }

    #[test]
    fn each_formula_is_used_in_its_range() {
        assert_eq!(estimate(&set(100.0, 1, None)).unwrap().1, Formula::Single);
        assert_eq!(estimate(&set(100.0, 5, None)).unwrap().1, Formula::Brzycki);
        assert_eq!(estimate(&set(100.0, 8, None)).unwrap().1, Formula::Epley);
        assert!(estimate(&set(100.0, 20, None)).is_none());
        assert!(estimate(&set(0.0, 5, None)).is_none());
        let (e1rm, how) = estimate(&set(100.0, 5, Some(8.0))).unwrap();
        assert_eq!(how, Formula::RpeTable);
        // 5 reps at RPE 8 is 7 to failure: 81.1%.
        assert!((e1rm - 100.0 / 0.811).abs() < 1e-9);
    }

    #[test]
    fn the_rpe_table_interpolates_half_points() {
        assert_eq!(percent_of_max(1, 10.0), Some(1.0));
        let half = percent_of_max(1, 9.5).unwrap();
        assert!((half - 0.9775).abs() < 1e-9);
        assert!(percent_of_max(12, 9.0).is_none());
        assert!(percent_of_max(3, 11.0).is_none());
    }
}
