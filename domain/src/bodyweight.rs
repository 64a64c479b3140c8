//! The lifter's bodyweight: one weighing a day, the trend under the daily swing, and what a
//! bodyweight exercise really lifts (a pull-up with 10 kg added at 80 kg is 90 kg).

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::Problem;

/// The lightest and heaviest weighings taken, in kilograms: anything outside is a typo
/// (a weight in grams, a missing decimal point).
pub const MIN_KG: f64 = 20.0;
pub const MAX_KG: f64 = 400.0;
/// A weighing a day for 27 years: the log is read whole for Progress.
pub const MAX_WEIGHINGS: usize = 10_000;
/// How much of each day's difference the trend takes in (The Hacker's Diet's 10 %): enough to
/// follow a real change within weeks, little enough to hide water and food.
const SMOOTHING: f64 = 0.1;

/// What the lifter weighed on a day.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weighing {
    pub date: NaiveDate,
    pub kg: f64,
}

/// The first day a weighing may have: nobody's log starts earlier.
fn earliest() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// Every rule a weighing of `kg` breaks; the date may be up to a day past `today`, for a
/// lifter whose time zone is ahead of the server's.
pub fn problems(date: NaiveDate, kg: f64, today: NaiveDate) -> Vec<Problem> {
    let mut out = Vec::new();
    if date < earliest() || date > today + Duration::days(1) {
        out.push(Problem::new(
            "date",
            "must be a day from 1900 to today (or tomorrow, in a time zone ahead)",
        ));
    }
    if !(kg.is_finite() && (MIN_KG..=MAX_KG).contains(&kg)) {
        out.push(Problem::new(
            "kg",
            format!("must be between {MIN_KG} and {MAX_KG} kg"),
        ));
    }
    out
}

/// A user's weighings, oldest first, at most one a day.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bodyweight {
    weighings: Vec<Weighing>,
}

impl Bodyweight {
    /// Sorts `weighings` by day; of two on the same day, the later one given is kept.
    pub fn new(weighings: Vec<Weighing>) -> Self {
        let mut weighings: Vec<Weighing> = weighings.into_iter().rev().collect();
        weighings.sort_by_key(|w| w.date);
        weighings.dedup_by_key(|w| w.date);
        Self { weighings }
    }

    pub fn weighings(&self) -> &[Weighing] {
        &self.weighings
    }

    pub fn latest(&self) -> Option<Weighing> {
        self.weighings.last().copied()
    }

    /// What the lifter weighed on `date`: the last weighing on or before it, else the first
    /// one after it (a lifter who began weighing later was nearest that first weighing);
    /// `None` only when nothing has been logged.
    pub fn on(&self, date: NaiveDate) -> Option<f64> {
        let after = self.weighings.partition_point(|w| w.date <= date);
        after
            .checked_sub(1)
            .and_then(|i| self.weighings.get(i))
            .or_else(|| self.weighings.first())
            .map(|w| w.kg)
    }

    /// The trend at each weighing: an exponentially smoothed average that takes in 10 % of
    /// the difference for every day passed, so a gap of days counts as those days.
    pub fn trend(&self) -> Vec<Weighing> {
        let mut out: Vec<Weighing> = Vec::with_capacity(self.weighings.len());
        for w in &self.weighings {
            let kg = match out.last() {
                None => w.kg,
                Some(previous) => {
                    let days = (w.date - previous.date).num_days().clamp(1, 365) as i32;
                    let take = 1.0 - (1.0 - SMOOTHING).powi(days);
                    previous.kg + take * (w.kg - previous.kg)
                }
            };
            out.push(Weighing { date: w.date, kg });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn w(m: u32, day: u32, kg: f64) -> Weighing {
        Weighing {
            date: d(m, day),
            kg,
        }
    }

    #[test]
    fn the_weight_of_a_day_is_the_last_weighing_before_it_or_else_the_first() {
        let none = Bodyweight::default();
        assert_eq!(none.on(d(3, 1)), None);
        let log = Bodyweight::new(vec![w(3, 10, 81.0), w(3, 1, 80.0), w(3, 10, 82.0)]);
        assert_eq!(log.weighings().len(), 2, "one a day, the later one given");
        assert_eq!(
            log.on(d(2, 1)),
            Some(80.0),
            "before any weighing: the first"
        );
        assert_eq!(log.on(d(3, 1)), Some(80.0));
        assert_eq!(log.on(d(3, 9)), Some(80.0));
        assert_eq!(log.on(d(3, 10)), Some(82.0));
        assert_eq!(log.on(d(12, 31)), Some(82.0));
        assert_eq!(log.latest(), Some(w(3, 10, 82.0)));
    }

    #[test]
    fn the_trend_follows_a_real_change_and_hides_a_days_swing() {
        let mut days: Vec<Weighing> = (1..=28).map(|day| w(3, day, 80.0)).collect();
        days[14].kg = 83.0; // one salty dinner
        let trend = Bodyweight::new(days).trend();
        let peak = trend.iter().map(|t| t.kg).fold(0.0, f64::max);
        assert!(peak < 80.4, "a day's swing moves the trend {peak}");
        // A gap of ten days takes in as much as ten daily weighings would.
        let gap = Bodyweight::new(vec![w(3, 1, 80.0), w(3, 11, 70.0)]).trend();
        let expected = 80.0 - 10.0 * (1.0 - 0.9f64.powi(10));
        assert!((gap[1].kg - expected).abs() < 1e-9, "{}", gap[1].kg);
    }

    #[test]
    fn weighings_outside_a_lifters_range_or_the_calendar_are_refused() {
        let today = d(6, 1);
        assert!(problems(today, 80.0, today).is_empty());
        assert!(
            problems(d(6, 2), 80.0, today).is_empty(),
            "a time zone ahead"
        );
        let fields = |p: Vec<Problem>| p.into_iter().map(|p| p.field).collect::<Vec<_>>();
        assert_eq!(fields(problems(d(6, 3), 80.0, today)), ["date"]);
        assert_eq!(fields(problems(today, 8000.0, today)), ["kg"]);
        assert_eq!(fields(problems(today, f64::NAN, today)), ["kg"]);
        assert_eq!(fields(problems(today, 19.9, today)), ["kg"]);
    }
}
