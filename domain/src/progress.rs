//! What the Progress page shows, made small: the analytics of a whole history reduced to the
//! page's charts, so the page reads a few kilobytes rather than the history.
//!
//! [`ProgressFacts`] is what the read model keeps: the strength of each exercise as its best
//! estimate per week, its records, and only the recent weeks and days the charts show. It
//! depends on the day it was built only through those windows, which it keeps a little
//! wider, and through the current streaks, which it keeps as facts (the last run and when it
//! ended); [`ProgressFacts::on`] answers for any later day as analysing the history on that
//! day would.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::analytics::{
    week_start, Analytics, CalendarDay, Record, StreakFacts, Streaks, Trend, Week,
};

/// Weeks the volume chart shows, this one included.
pub const VOLUME_WEEKS: i64 = 16;
/// Weeks the training calendar shows, this one included.
pub const CALENDAR_WEEKS: i64 = 53;
/// Weeks of recent training that rank the exercises.
const RECENT_WEEKS: i64 = 12;
/// Extra weeks kept before the windows, for a reader whose day is behind the builder's.
const SLACK_WEEKS: i64 = 1;
/// The most points an exercise's strength chart has, whatever the history's length: the
/// recent weeks one by one, and before them the best week of each span.
pub const MAX_POINTS: usize = 60;
/// Of those, the recent weeks always shown one by one.
const RECENT_POINTS: usize = 26;

/// One exercise's best estimated 1RM per week trained, as columns: the last [`RECENT_POINTS`]
/// weeks trained each, and before them, when there are more than [`MAX_POINTS`] weeks, only the
/// best week of each span of weeks, so a chart of any history has at most [`MAX_POINTS`]
/// points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Weekly {
    /// The Monday of the first week trained.
    pub first: Option<NaiveDate>,
    /// Each week trained, in weeks after `first`.
    pub week: Vec<u32>,
    /// The week's best estimate, to 0.1 kg.
    pub e1rm_kg: Vec<f64>,
    /// The set it came from.
    pub weight_kg: Vec<f64>,
    pub reps: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExerciseProgress {
    pub exercise: String,
    pub name: String,
    /// Days it was trained.
    pub days: u32,
    pub weekly: Weekly,
    /// The heaviest set for each rep count (see `analytics::Records`).
    pub records: Vec<Record>,
}

/// What the read model keeps for Progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgressFacts {
    pub sessions: u32,
    pub sets: u32,
    pub streaks: StreakFacts,
    /// Exercises with an estimate, the one trained most first: most days in the weeks
    /// before the last session, then most days, then the heaviest.
    pub exercises: Vec<ExerciseProgress>,
    /// The weeks from a little before the volume chart's first, as of the build.
    pub weeks: Vec<Week>,
    /// The days trained from a little before the calendar's first, as of the build.
    pub calendar: Vec<CalendarDay>,
}

/// What the Progress page reads: [`ProgressFacts`] as of a day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub today: NaiveDate,
    pub sessions: u32,
    pub sets: u32,
    pub streaks: Streaks,
    pub exercises: Vec<ExerciseProgress>,
    /// The weeks of the volume chart that had sets (the chart fills the others with zero).
    pub weeks: Vec<Week>,
    /// The days trained in the calendar's weeks.
    pub calendar: Vec<CalendarDay>,
}

fn first_week(today: NaiveDate, shown: i64) -> NaiveDate {
    week_start(today) - Duration::weeks(shown - 1)
}

fn tenth(kg: f64) -> f64 {
    (kg * 10.0).round() / 10.0
}

impl Weekly {
    /// Keeps the best week of each span of the older weeks, so at most [`MAX_POINTS`] remain.
    fn thin(&mut self) {
        let n = self.week.len();
        if n <= MAX_POINTS {
            return;
        }
        let older = n - RECENT_POINTS;
        let spans = MAX_POINTS - RECENT_POINTS;
        let mut keep: Vec<usize> = (0..spans)
            .filter_map(|k| {
                let (from, to) = (k * older / spans, (k + 1) * older / spans);
                (from..to).max_by(|a, b| self.e1rm_kg[*a].total_cmp(&self.e1rm_kg[*b]))
            })
            .collect();
        keep.extend(older..n);
        let pick = |column: &[f64]| keep.iter().map(|&i| column[i]).collect::<Vec<_>>();
        self.e1rm_kg = pick(&self.e1rm_kg);
        self.weight_kg = pick(&self.weight_kg);
        self.week = keep.iter().map(|&i| self.week[i]).collect();
        self.reps = keep.iter().map(|&i| self.reps[i]).collect();
    }

    /// The Monday of the `i`th week trained.
    pub fn monday(&self, i: usize) -> Option<NaiveDate> {
        Some(self.first? + Duration::weeks(i64::from(*self.week.get(i)?)))
    }
}

fn weekly(trend: &Trend) -> Weekly {
    let first = trend.points.first().map(|p| week_start(p.date));
    let mut out = Weekly {
        first,
        week: Vec::new(),
        e1rm_kg: Vec::new(),
        weight_kg: Vec::new(),
        reps: Vec::new(),
    };
    let Some(start) = first else { return out };
    for p in &trend.points {
        let week = ((week_start(p.date) - start).num_weeks()) as u32;
        let e1rm = tenth(p.e1rm_kg);
        if out.week.last() == Some(&week) {
            let i = out.week.len() - 1;
            if e1rm > out.e1rm_kg[i] {
                out.e1rm_kg[i] = e1rm;
                out.weight_kg[i] = p.weight_kg;
                out.reps[i] = p.reps;
            }
        } else {
            out.week.push(week);
            out.e1rm_kg.push(e1rm);
            out.weight_kg.push(p.weight_kg);
            out.reps.push(p.reps);
        }
    }
    out.thin();
    out
}

impl ProgressFacts {
    /// The facts of `analytics`, computed on `built`.
    pub fn of(analytics: &Analytics, built: NaiveDate) -> Self {
        // Recent as of the last session, not of the build, so the order is the history's.
        let last = analytics.calendar.last().map_or(built, |d| d.date);
        let recent_from = first_week(last, RECENT_WEEKS);
        let mut ranked: Vec<(u32, u32, f64, ExerciseProgress)> = analytics
            .trends
            .iter()
            .map(|t| {
                let recent = t.points.iter().filter(|p| p.date >= recent_from).count() as u32;
                let heaviest = t.points.iter().map(|p| p.e1rm_kg).fold(0.0, f64::max);
                let records = analytics
                    .records
                    .iter()
                    .find(|r| r.exercise == t.exercise)
                    .map(|r| r.by_reps.clone())
                    .unwrap_or_default();
                let progress = ExerciseProgress {
                    exercise: t.exercise.clone(),
                    name: t.name.clone(),
                    days: t.points.len() as u32,
                    weekly: weekly(t),
                    records,
                };
                (recent, progress.days, heaviest, progress)
            })
            .collect();
        ranked.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then(b.1.cmp(&a.1))
                .then(b.2.total_cmp(&a.2))
                .then(a.3.name.cmp(&b.3.name))
        });
        let weeks_from = first_week(built, VOLUME_WEEKS + SLACK_WEEKS);
        let days_from = first_week(built, CALENDAR_WEEKS + SLACK_WEEKS);
        Self {
            sessions: analytics.sessions,
            sets: analytics.sets,
            streaks: StreakFacts::of(analytics.calendar.iter().map(|d| d.date)),
            exercises: ranked.into_iter().map(|r| r.3).collect(),
            weeks: analytics
                .weeks
                .iter()
                .filter(|w| w.start >= weeks_from)
                .cloned()
                .collect(),
            calendar: analytics
                .calendar
                .iter()
                .filter(|d| d.date >= days_from)
                .cloned()
                .collect(),
        }
    }

    /// The page's data on `today`, the day of the build or later.
    pub fn on(&self, today: NaiveDate) -> Progress {
        let weeks_from = first_week(today, VOLUME_WEEKS);
        let days_from = first_week(today, CALENDAR_WEEKS);
        Progress {
            today,
            sessions: self.sessions,
            sets: self.sets,
            streaks: self.streaks.on(today),
            exercises: self.exercises.clone(),
            weeks: self
                .weeks
                .iter()
                .filter(|w| w.start >= weeks_from && w.start <= today)
                .cloned()
                .collect(),
            calendar: self
                .calendar
                .iter()
                .filter(|d| d.date >= days_from && d.date <= today)
                .cloned()
                .collect(),
        }
    }
}

/// A trend through weekly bests: each week's value pulled toward the weeks before, so one
/// good or bad week moves it a little and a real change moves it for good.
pub fn smoothed(values: &[f64]) -> Vec<f64> {
    /// The weight of the new week.
    const ALPHA: f64 = 0.3;
    let mut out = Vec::with_capacity(values.len());
    let mut level: Option<f64> = None;
    for &v in values {
        let next = level.map_or(v, |l| l + ALPHA * (v - l));
        out.push(next);
        level = Some(next);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::analyze;
    use crate::bodyweight::Bodyweight;
    use crate::profile::Profile;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("a test date")
    }

    fn analytics_on(today: NaiveDate) -> Analytics {
        let history = crate::sample::five_years("u");
        analyze(
            &history,
            &Profile::default().catalog(),
            &Bodyweight::default(),
            today,
        )
    }

    #[test]
    fn facts_built_on_one_day_answer_for_any_later_day_as_a_fresh_analysis() {
        let built = day("2026-10-28");
        let facts = ProgressFacts::of(&analytics_on(built), built);
        for later in [
            "2026-10-28",
            "2026-10-29",
            "2026-11-02",
            "2026-11-20",
            "2027-06-01",
        ] {
            let later = day(later);
            assert_eq!(
                facts.on(later),
                ProgressFacts::of(&analytics_on(later), later).on(later),
                "{later}"
            );
        }
    }

    #[test]
    fn five_years_fit_in_a_few_kilobytes_of_the_page() {
        let built = day("2026-10-28");
        let progress = ProgressFacts::of(&analytics_on(built), built).on(built);
        let json = serde_json::to_string(&progress).expect("serializes");
        assert!(json.len() < 60_000, "{} bytes", json.len());
        let full = serde_json::to_string(&analytics_on(built)).expect("serializes");
        assert!(
            json.len() * 4 < full.len(),
            "{} of {}",
            json.len(),
            full.len()
        );
        assert_eq!(progress.weeks.len(), VOLUME_WEEKS as usize);
        assert!(progress.calendar.len() <= (CALENDAR_WEEKS * 7) as usize);
    }

    #[test]
    fn weekly_bests_keep_each_weeks_best_and_at_most_a_chart_of_points() {
        let built = day("2026-10-28");
        let a = analytics_on(built);
        let facts = ProgressFacts::of(&a, built);
        let squat = facts
            .exercises
            .iter()
            .find(|e| e.exercise == "squat")
            .expect("squat trained");
        let trend = a
            .trends
            .iter()
            .find(|t| t.exercise == "squat")
            .expect("trend");
        let weekly = &squat.weekly;
        assert_eq!(weekly.week.len(), MAX_POINTS, "five years, thinned");
        assert!(weekly.week.windows(2).all(|w| w[0] < w[1]));
        let best_of = |monday: NaiveDate| {
            trend
                .points
                .iter()
                .filter(|p| week_start(p.date) == monday)
                .map(|p| p.e1rm_kg)
                .fold(0.0, f64::max)
        };
        // Every point is its week's best.
        for i in 0..weekly.week.len() {
            let monday = weekly.monday(i).expect("a week");
            assert_eq!(weekly.e1rm_kg[i], tenth(best_of(monday)), "point {i}");
        }
        // The recent weeks are all there, one by one.
        let mut mondays: Vec<NaiveDate> = trend.points.iter().map(|p| week_start(p.date)).collect();
        mondays.dedup();
        let recent = &mondays[mondays.len() - RECENT_POINTS..];
        let kept: Vec<NaiveDate> = (0..weekly.week.len())
            .filter_map(|i| weekly.monday(i))
            .collect();
        assert_eq!(&kept[MAX_POINTS - RECENT_POINTS..], recent);
        // No week of the first of the older spans beats the one kept for it.
        let older = mondays.len() - RECENT_POINTS;
        let first_span = &mondays[..older / (MAX_POINTS - RECENT_POINTS)];
        let span_best = first_span
            .iter()
            .map(|m| tenth(best_of(*m)))
            .fold(0.0, f64::max);
        assert!(first_span.contains(&kept[0]));
        assert_eq!(tenth(best_of(kept[0])), span_best);
        // A short history keeps every week.
        let history = crate::sample::five_years("u")[..60].to_vec();
        let built = day("2022-03-01");
        let catalog = Profile::default().catalog();
        let short = analyze(&history, &catalog, &Bodyweight::default(), built);
        let facts = ProgressFacts::of(&short, built);
        let trend = short
            .trends
            .iter()
            .find(|t| t.exercise == "squat")
            .expect("squat");
        let mut weeks: Vec<NaiveDate> = trend.points.iter().map(|p| week_start(p.date)).collect();
        weeks.dedup();
        let squat = facts
            .exercises
            .iter()
            .find(|e| e.exercise == "squat")
            .expect("squat");
        assert!(weeks.len() < MAX_POINTS);
        assert_eq!(squat.weekly.week.len(), weeks.len());
    }

    #[test]
    fn the_exercise_trained_most_recently_and_often_comes_first() {
        let built = day("2026-10-28");
        let mut a = analytics_on(built);
        // Lat pulldown trained every day of the last weeks: it leads.
        let pulldown = a
            .trends
            .iter_mut()
            .find(|t| t.exercise == "lat-pulldown")
            .expect("lat pulldown");
        let template = pulldown.points[0].clone();
        for d in 0..30 {
            let mut p = template.clone();
            p.date = built - Duration::days(d);
            pulldown.points.push(p);
        }
        pulldown.points.sort_by_key(|p| p.date);
        pulldown.points.dedup_by_key(|p| p.date);
        let facts = ProgressFacts::of(&a, built);
        assert_eq!(facts.exercises[0].exercise, "lat-pulldown");
        // Without that, ties go to the heaviest lift, not the alphabet.
        let facts = ProgressFacts::of(&analytics_on(built), built);
        let first = &facts.exercises[0];
        assert!(
            facts.exercises.iter().all(|e| e.days <= first.days),
            "{}",
            first.name
        );
        assert_ne!(first.name, "Barbell row");
    }

    #[test]
    fn streaks_end_when_days_pass() {
        let calendar: Vec<CalendarDay> = ["2026-11-02", "2026-11-03", "2026-11-04"]
            .iter()
            .map(|d| CalendarDay {
                date: day(d),
                sessions: 1,
                sets: 3,
            })
            .collect();
        let facts = StreakFacts::of(calendar.iter().map(|d| d.date));
        assert_eq!(facts.on(day("2026-11-05")).current_days, 3);
        assert_eq!(facts.on(day("2026-11-06")).current_days, 0);
        assert_eq!(facts.on(day("2026-11-15")).current_weeks, 1);
        assert_eq!(facts.on(day("2026-11-16")).current_weeks, 0);
        assert_eq!(facts.on(day("2026-11-16")).longest_days, 3);
    }

    #[test]
    fn the_trend_follows_a_change_and_hides_a_single_week() {
        let flat = [100.0; 10];
        assert_eq!(smoothed(&flat), flat.to_vec());
        let mut spike = [100.0; 10];
        spike[5] = 130.0;
        let s = smoothed(&spike);
        assert!(s[5] < 110.0 && s[9] < 103.0, "{s:?}");
        let step: Vec<f64> = (0..20).map(|i| if i < 5 { 100.0 } else { 120.0 }).collect();
        assert!(smoothed(&step)[19] > 119.0);
    }
}
