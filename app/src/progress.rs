//! Progress: the analytics of the whole history, computed in the browser (Wasm) from the JSON
//! API: estimated-1RM trend and records per exercise, weekly sets per muscle group, a training
//! calendar and streaks; and the bodyweight log with its trend. The server only sends the page;
//! the work is done where it is shown.

use std::sync::Arc;

use chrono::{Datelike, Duration, NaiveDate};
use domain::analytics::{week_start, Analytics, CalendarDay, Trend, Week};
use domain::bodyweight::{Bodyweight, Weighing, MAX_KG, MIN_KG};
use domain::catalog::Muscle;
use domain::units::Unit;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::charts::{BarChart, Cell, HeatMap, LineChart, Mark};

/// Weeks shown in the volume chart.
const VOLUME_WEEKS: i64 = 16;
/// Weeks shown in the calendar.
const CALENDAR_WEEKS: i64 = 53;

#[derive(Clone)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Load {
    /// Sessions read so far.
    Loading(usize),
    Ready(Arc<Ready>),
    Failed(String),
}

#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
struct Ready {
    analytics: Analytics,
    bodyweight: Bodyweight,
    /// False when the bodyweight log could not be read: Progress shows without it.
    bodyweight_read: bool,
    unit: Unit,
    /// Milliseconds the analytics took in this browser (the median when benchmarking).
    compute_ms: f64,
    today: NaiveDate,
}

fn day(date: NaiveDate) -> String {
    date.format("%-d %b %Y").to_string()
}

/// The axis ticks' date format for points from `first` to `last`: days for a few months of
/// points, months and years for longer.
fn tick_format(first: Option<NaiveDate>, last: Option<NaiveDate>) -> &'static str {
    let span = match (first, last) {
        (Some(a), Some(b)) => (b - a).num_days(),
        _ => 0,
    };
    if span < 180 {
        "%-d %b"
    } else {
        "%b %Y"
    }
}

/// The e1RM points of one exercise, in the user's unit.
pub fn trend_marks(trend: &Trend, unit: Unit) -> Vec<Mark> {
    let tick = tick_format(
        trend.points.first().map(|p| p.date),
        trend.points.last().map(|p| p.date),
    );
    trend
        .points
        .iter()
        .map(|p| Mark {
            value: unit.from_kg(p.e1rm_kg),
            tick: p.date.format(tick).to_string(),
            label: format!(
                "{}: estimated 1RM {} (from {} × {})",
                day(p.date),
                unit.show(p.e1rm_kg),
                unit.show(p.weight_kg),
                p.reps
            ),
        })
        .collect()
}

/// The bodyweight trend at each weighing (`trend`, [`Bodyweight::trend`] of `log`), in the
/// user's unit.
pub fn bodyweight_marks(log: &Bodyweight, trend: &[Weighing], unit: Unit) -> Vec<Mark> {
    let tick = tick_format(
        log.weighings().first().map(|w| w.date),
        log.weighings().last().map(|w| w.date),
    );
    trend
        .iter()
        .zip(log.weighings())
        .map(|(t, w)| Mark {
            value: unit.from_kg(t.kg),
            tick: t.date.format(tick).to_string(),
            label: format!(
                "{}: weighed {}, trend {}",
                day(t.date),
                unit.show(w.kg),
                unit.show(t.kg)
            ),
        })
        .collect()
}

/// Sets per week for one muscle group over the last weeks up to `today`, empty weeks included.
pub fn volume_marks(weeks: &[Week], muscle: Muscle, today: NaiveDate, unit: Unit) -> Vec<Mark> {
    let last = week_start(today);
    (0..VOLUME_WEEKS)
        .rev()
        .map(|back| {
            let start = last - Duration::weeks(back);
            let (sets, volume) = weeks
                .iter()
                .find(|w| w.start == start)
                .and_then(|w| w.muscles.iter().find(|m| m.muscle == muscle))
                .map_or((0.0, 0.0), |m| (m.sets, m.volume_kg));
            Mark {
                value: sets,
                tick: start.format("%-d %b").to_string(),
                label: format!(
                    "Week of {}: {} sets for {}, {} {} moved",
                    day(start),
                    crate::format::number(sets),
                    muscle.name(),
                    crate::format::thousands(unit.from_kg(volume)),
                    unit.symbol()
                ),
            }
        })
        .collect()
}

/// The last year of training days as a grid: a column per week, a row per weekday.
pub fn calendar_cells(calendar: &[CalendarDay], today: NaiveDate) -> Vec<Cell> {
    let first = week_start(today) - Duration::weeks(CALENDAR_WEEKS - 1);
    let busiest = calendar.iter().map(|d| d.sets).max().unwrap_or(0).max(1);
    let mut cells = Vec::new();
    let mut date = first;
    while date <= today {
        let offset = (date - first).num_days() as usize;
        let found = calendar.iter().find(|d| d.date == date);
        let (sessions, sets) = found.map_or((0, 0), |d| (d.sessions, d.sets));
        let level = if sessions == 0 {
            0
        } else {
            1 + (3 * sets / busiest).min(3) as u8
        };
        let label = match sessions {
            0 => format!("{}: rest", day(date)),
            1 => format!("{}: 1 session, {sets} sets", day(date)),
            n => format!("{}: {n} sessions, {sets} sets", day(date)),
        };
        cells.push(Cell {
            week: offset / 7,
            weekday: offset % 7,
            level,
            label,
            month: (date.day() <= 7 && offset.is_multiple_of(7))
                .then(|| date.format("%b").to_string()),
        });
        date += Duration::days(1);
    }
    cells
}

/// Muscles trained in the recent weeks, most sets first.
fn recent_muscles(weeks: &[Week], today: NaiveDate) -> Vec<Muscle> {
    let since = week_start(today) - Duration::weeks(VOLUME_WEEKS - 1);
    let mut totals: Vec<(Muscle, f64)> = Muscle::ALL.iter().map(|m| (*m, 0.0)).collect();
    for w in weeks.iter().filter(|w| w.start >= since) {
        for m in &w.muscles {
            if let Some(t) = totals.iter_mut().find(|(muscle, _)| *muscle == m.muscle) {
                t.1 += m.sets;
            }
        }
    }
    totals.retain(|(_, sets)| *sets > 0.0);
    totals.sort_by(|a, b| b.1.total_cmp(&a.1));
    totals.into_iter().map(|(m, _)| m).collect()
}

#[component]
pub fn ProgressPage() -> impl IntoView {
    view! {
        <Title text="Progress"/>
        <div class="page-head">
            <h1>"Progress"</h1>
        </div>
        <noscript>
            <p class="alert info">"Progress is computed in your browser: turn on JavaScript to see it."</p>
        </noscript>
        <Board/>
    }
}

/// A lazy island: its code (the analytics, the charts) is split from the first-load Wasm and
/// fetched when the page is visited.
#[island(lazy)]
fn Board() -> impl IntoView {
    let state = RwSignal::new(Load::Loading(0));
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| leptos::task::spawn_local(load(state)));
    view! {
        {move || match state.get() {
            Load::Loading(n) => view! {
                <p class="muted" role="status" data-testid="progress-loading">
                    {if n == 0 { "Reading your history…".to_owned() } else { format!("Reading your history… {n} sessions") }}
                </p>
            }.into_any(),
            Load::Failed(message) => view! {
                <p class="alert error" role="alert">{format!("Couldn't compute your progress: {message}")}</p>
            }.into_any(),
            Load::Ready(ready) => view! { <Dashboard ready/> }.into_any(),
        }}
    }
}

#[cfg(feature = "hydrate")]
async fn load(state: RwSignal<Load>) {
    use domain::catalog::{Catalog, ExerciseInfo};

    #[derive(serde::Deserialize)]
    struct Gym {
        unit: Unit,
    }
    #[derive(serde::Deserialize)]
    struct ProfileView {
        gym: Gym,
        exercises: Vec<ExerciseInfo>,
    }
    #[derive(serde::Deserialize)]
    struct BodyweightView {
        weighings: Vec<domain::bodyweight::Weighing>,
    }

    let profile: ProfileView = match crate::client::get_json("/api/v1/profile").await {
        Ok(p) => p,
        Err(e) => return state.set(Load::Failed(e)),
    };
    // Without the bodyweight log (a copy kept offline before it existed, a store away), the
    // rest still shows; the card says the log could not be read.
    let (bodyweight, bodyweight_read) =
        match crate::client::get_json::<BodyweightView>("/api/v1/bodyweight").await {
            Ok(b) => (Bodyweight::new(b.weighings), true),
            Err(_) => (Bodyweight::default(), false),
        };
    let history = match crate::client::all_workouts(|n| state.set(Load::Loading(n))).await {
        Ok(h) => h,
        Err(e) => return state.set(Load::Failed(e)),
    };

    let catalog = Catalog::with_custom(profile.exercises);
    let now = js_sys::Date::new_0();
    let today = NaiveDate::from_ymd_opt(
        now.get_full_year() as i32,
        now.get_month() + 1,
        now.get_date(),
    )
    .unwrap_or_default();
    // `?bench=N` repeats the computation N times and reports the median, for the benchmark.
    let runs = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|q| {
            q.split("bench=")
                .nth(1)
                .and_then(|n| n.split('&').next()?.parse::<usize>().ok())
        })
        .unwrap_or(1)
        .clamp(1, 200);
    let performance = web_sys::window().and_then(|w| w.performance());
    let clock = || {
        performance
            .as_ref()
            .map_or_else(js_sys::Date::now, |p| p.now())
    };
    let mut times = Vec::with_capacity(runs);
    let mut analytics = None;
    for _ in 0..runs {
        let started = clock();
        analytics = Some(domain::analytics::analyze(
            &history,
            &catalog,
            &bodyweight,
            today,
        ));
        times.push(clock() - started);
    }
    times.sort_by(f64::total_cmp);
    let Some(analytics) = analytics else { return };
    state.set(Load::Ready(Arc::new(Ready {
        analytics,
        bodyweight,
        bodyweight_read,
        unit: profile.gym.unit,
        compute_ms: times[times.len() / 2],
        today,
    })));
}

#[component]
fn Dashboard(ready: Arc<Ready>) -> impl IntoView {
    let a = &ready.analytics;
    let body =
        view! { <BodyweightCard log=ready.bodyweight.clone() read=ready.bodyweight_read unit=ready.unit today=ready.today/> }
            .into_any();
    if a.sessions == 0 {
        return view! {
            <section class="card empty">
                <p>"No workouts yet: your progress shows here once you log some."</p>
                <a class="button primary" href="/">"Log a workout"</a>
                " "
                <a class="button" href="/data">"Import from Strong or Hevy"</a>
            </section>
            {body}
        }
        .into_any();
    }
    let unit = ready.unit;
    let today = ready.today;
    let s = a.streaks;

    let mut trends: Vec<Trend> = a
        .trends
        .iter()
        .filter(|t| !t.points.is_empty())
        .cloned()
        .collect();
    trends.sort_by(|x, y| {
        y.points
            .len()
            .cmp(&x.points.len())
            .then(x.name.cmp(&y.name))
    });
    let exercise = RwSignal::new(
        trends
            .first()
            .map(|t| t.exercise.clone())
            .unwrap_or_default(),
    );
    let muscles = recent_muscles(&a.weeks, today);
    let muscle = RwSignal::new(muscles.first().copied().unwrap_or(Muscle::Chest));

    let trend_view = {
        let trends = trends.clone();
        let records = a.records.clone();
        move || {
            let slug = exercise.get();
            let Some(trend) = trends.iter().find(|t| t.exercise == slug) else {
                return ().into_any();
            };
            let marks = trend_marks(trend, unit);
            let (first, last) = (
                marks.first().map(|m| m.value),
                marks.last().map(|m| m.value),
            );
            let desc = format!(
                "{} points from {} to {}; from {} to {} {}.",
                marks.len(),
                trend
                    .points
                    .first()
                    .map(|p| day(p.date))
                    .unwrap_or_default(),
                trend.points.last().map(|p| day(p.date)).unwrap_or_default(),
                first.map(crate::format::number).unwrap_or_default(),
                last.map(crate::format::number).unwrap_or_default(),
                unit.symbol()
            );
            let best = records
                .iter()
                .find(|r| r.exercise == slug)
                .map(|r| r.by_reps.clone())
                .unwrap_or_default();
            view! {
                <LineChart id="e1rm-chart" title=format!("Estimated 1RM of {}, in {}", trend.name, unit.symbol()) desc marks/>
                <table class="records">
                    <caption>{format!("Personal records: {}", trend.name)}</caption>
                    <thead><tr><th scope="col">"Reps"</th><th scope="col">"Best"</th><th scope="col">"Date"</th></tr></thead>
                    <tbody>
                        {best.into_iter().map(|r| view! {
                            <tr>
                                <th scope="row">{r.reps}</th>
                                <td>
                                    {unit.show(r.weight_kg)}
                                    {r.bodyweight_kg.map(|b| view! {
                                        <span class="muted">{format!(" (bodyweight {} + {})", unit.show(b), unit.show(r.weight_kg - b))}</span>
                                    })}
                                </td>
                                <td>{day(r.date)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }
            .into_any()
        }
    };
    let weeks = a.weeks.clone();
    let volume_view = move || {
        let m = muscle.get();
        let marks = volume_marks(&weeks, m, today, unit);
        let total: f64 = marks.iter().map(|k| k.value).sum();
        view! {
            <BarChart id="volume-chart" title=format!("Weekly sets for {}", m.name())
                desc=format!("Sets per week over the last {VOLUME_WEEKS} weeks, {} in all; a secondary mover counts half a set.", crate::format::number(total))
                marks/>
        }
    };
    let cells = calendar_cells(&a.calendar, today);
    let days_trained = cells.iter().filter(|c| c.level > 0).count();

    view! {
        <section class="stats" aria-label="Totals and streaks">
            <div class="stat card"><span class="stat-value">{a.sessions}</span><span class="stat-label">"sessions"</span></div>
            <div class="stat card"><span class="stat-value">{crate::format::thousands(f64::from(a.sets))}</span><span class="stat-label">"sets"</span></div>
            <div class="stat card"><span class="stat-value">{s.current_weeks}</span><span class="stat-label">{format!("week streak · best {}", s.longest_weeks)}</span></div>
            <div class="stat card"><span class="stat-value">{s.current_days}</span><span class="stat-label">{format!("day streak · best {}", s.longest_days)}</span></div>
        </section>

        <section class="card">
            <div class="section-head">
                <h2 id="e1rm-heading">"Strength"</h2>
                <select aria-label="Exercise" on:change=move |ev| exercise.set(event_target_value(&ev)) prop:value=move || exercise.get()>
                    {trends.iter().map(|t| view! { <option value=t.exercise.clone()>{t.name.clone()}</option> }).collect_view()}
                </select>
            </div>
            {trend_view}
        </section>

        <section class="card">
            <div class="section-head">
                <h2>"Weekly volume"</h2>
                <select aria-label="Muscle group" on:change=move |ev| {
                    let value = event_target_value(&ev);
                    if let Some(m) = Muscle::ALL.iter().find(|m| m.name() == value) { muscle.set(*m) }
                }>
                    {muscles.iter().map(|m| view! { <option value=m.name()>{m.name()}</option> }).collect_view()}
                </select>
            </div>
            {volume_view}
        </section>

        {body}

        <section class="card">
            <h2>"Training calendar"</h2>
            <HeatMap id="calendar" title="Training days over the last year".to_owned()
                desc=format!("{days_trained} training days in the last {CALENDAR_WEEKS} weeks; darker days had more sets.")
                cells/>
        </section>
        <p class="hint" data-testid="compute-time" data-compute-ms=format!("{:.3}", ready.compute_ms)>
            {format!("Computed in your browser from {} sessions in {:.1} ms.", a.sessions, ready.compute_ms)}
        </p>
    }
    .into_any()
}

/// The bodyweight log: the latest weighing and trend, the trend chart, a plain form for a
/// day's weight (`POST /progress/bodyweight`) and the recent weighings with Delete.
#[component]
fn BodyweightCard(log: Bodyweight, read: bool, unit: Unit, today: NaiveDate) -> impl IntoView {
    /// Weighings listed under the chart, newest first; the chart has them all.
    const LISTED: usize = 14;
    let trend = log.trend();
    let summary = match (log.latest(), trend.last()) {
        _ if !read => "Your bodyweight log couldn't be read just now: the figures above count only the weight added to bodyweight exercises."
            .to_owned(),
        (Some(w), Some(t)) => format!(
            "{} on {}; trend {}.",
            unit.show(w.kg),
            day(w.date),
            unit.show(t.kg)
        ),
        _ => {
            "Log what you weigh to follow its trend and to count it in pull-ups, chin-ups and dips."
                .to_owned()
        }
    };
    let marks = bodyweight_marks(&log, &trend, unit);
    let chart = (marks.len() >= 2).then(|| {
        let desc = format!(
            "{} weighings from {} to {}; the trend went from {} to {}.",
            marks.len(),
            log.weighings().first().map(|w| day(w.date)).unwrap_or_default(),
            log.weighings().last().map(|w| day(w.date)).unwrap_or_default(),
            trend.first().map(|t| unit.show(t.kg)).unwrap_or_default(),
            trend.last().map(|t| unit.show(t.kg)).unwrap_or_default(),
        );
        view! { <LineChart id="bodyweight-chart" title=format!("Bodyweight trend, in {}", unit.symbol()) desc marks/> }
            .into_any()
    });
    let recent: Vec<_> = log.weighings().iter().rev().take(LISTED).copied().collect();
    let count = log.weighings().len();
    let bound = |kg: f64| domain::units::trim((unit.from_kg(kg) * 10.0).round() / 10.0);
    view! {
        <section class="card" id="bodyweight" aria-labelledby="bodyweight-heading">
            <h2 id="bodyweight-heading">"Bodyweight"</h2>
            <p data-testid="bodyweight-summary">{summary}</p>
            {chart}
            <form class="bodyweight-form" method="post" action="/progress/bodyweight">
                <input type="hidden" name="unit" value=unit.symbol()/>
                <label>"Day"
                    <input type="date" name="date" required value=today.to_string()/>
                </label>
                <label>{format!("Weight ({})", unit.symbol())}
                    <input type="number" name="weight" required step="any" inputmode="decimal"
                        min=bound(MIN_KG) max=bound(MAX_KG) data-testid="bodyweight-input"/>
                </label>
                <button type="submit" class="button primary">"Save"</button>
            </form>
            {(count > 0).then(|| view! {
                <table class="records weighings">
                    <caption>{format!("Weighings ({count} in all, newest first)")}</caption>
                    <tbody>
                        {recent.into_iter().map(|w| view! {
                            <tr data-testid="weighing">
                                <th scope="row">{day(w.date)}</th>
                                <td>{unit.show(w.kg)}</td>
                                <td>
                                    <form method="post" action="/progress/bodyweight/delete">
                                        <input type="hidden" name="date" value=w.date.to_string()/>
                                        <button type="submit" class="button ghost small" aria-label=format!("Delete the weighing of {}", day(w.date))>"Delete"</button>
                                    </form>
                                </td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any())}
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::analytics::{MuscleWeek, TrendPoint};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn trend_marks_speak_the_users_unit() {
        let trend = Trend {
            exercise: "squat".into(),
            name: "Back squat".into(),
            points: vec![TrendPoint {
                date: date(2024, 3, 4),
                e1rm_kg: 116.7,
                weight_kg: 100.0,
                reps: 5,
            }],
        };
        let marks = trend_marks(&trend, Unit::Kg);
        assert_eq!(
            marks[0].label,
            "4 Mar 2024: estimated 1RM 116.7 kg (from 100 kg × 5)"
        );
        let lb = trend_marks(&trend, Unit::Lb);
        assert!((lb[0].value - 257.28).abs() < 0.01, "{}", lb[0].value);
    }

    #[test]
    fn volume_marks_fill_empty_weeks() {
        let today = date(2024, 3, 6);
        let weeks = vec![Week {
            start: week_start(today),
            muscles: vec![MuscleWeek {
                muscle: Muscle::Quads,
                sets: 9.0,
                volume_kg: 4500.0,
            }],
        }];
        let marks = volume_marks(&weeks, Muscle::Quads, today, Unit::Kg);
        assert_eq!(marks.len(), VOLUME_WEEKS as usize);
        assert_eq!(marks.iter().filter(|m| m.value > 0.0).count(), 1);
        assert_eq!(
            marks.last().unwrap().label,
            "Week of 4 Mar 2024: 9 sets for Quads, 4\u{202f}500 kg moved"
        );
        assert_eq!(recent_muscles(&weeks, today), [Muscle::Quads]);
    }

    #[test]
    fn calendar_covers_a_year_of_weeks() {
        let today = date(2024, 3, 6);
        let cal = vec![CalendarDay {
            date: today,
            sessions: 1,
            sets: 20,
        }];
        let cells = calendar_cells(&cal, today);
        assert_eq!(
            cells.last().unwrap().label,
            "6 Mar 2024: 1 session, 20 sets"
        );
        assert_eq!(cells.last().unwrap().level, 4);
        assert_eq!(cells.last().unwrap().week, CALENDAR_WEEKS as usize - 1);
        assert_eq!(cells.iter().filter(|c| c.level > 0).count(), 1);
        assert_eq!(cells[0].weekday, 0, "columns start on Monday");
    }
}
