//! Progress: estimated-1RM trend and records per exercise, weekly sets per muscle group, a
//! training calendar and streaks; and the bodyweight log with its trend.
//!
//! The figures come precomputed from the read model (`service::Training::progress`, the same
//! `GET /api/v1/progress` answers): a few kilobytes whatever the history's length. The server
//! renders the whole page; the lazy island only makes the pickers and charts interactive, so
//! the page shows before its Wasm arrives and, through the service worker, offline. The
//! island hydrates only what the pickers switch; the bodyweight card and the year's calendar
//! beside it are the server's alone, made interactive by listeners it holds.

use chrono::{Datelike, Duration, NaiveDate};
use domain::analytics::{week_start, CalendarDay, Week};
use domain::bodyweight::{Bodyweight, Weighing, MAX_KG, MIN_KG};
use domain::catalog::Muscle;
use domain::progress::{smoothed, ExerciseProgress, Progress, CALENDAR_WEEKS, VOLUME_WEEKS};
use domain::units::Unit;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::charts::{on_chart_key, on_chart_mark, BarChart, Cell, HeatMap, LineChart, Mark};

/// What the page is rendered from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProgressStart {
    pub progress: Progress,
    pub weighings: Vec<Weighing>,
    /// False when the bodyweight log could not be read: Progress shows without it.
    pub bodyweight_read: bool,
    pub unit: Unit,
}

/// The page's figures, precomputed, with the bodyweight log and the user's unit.
#[server(endpoint = "progress_figures")]
pub async fn progress_figures() -> Result<ProgressStart, ServerFnError> {
    let ctx = crate::ssr::training()?;
    let user = crate::ssr::user_id()?;
    let unavailable = |e: service::StoreError| {
        tracing::error!(error = %e, "reading progress failed");
        ServerFnError::new("your progress is unavailable right now; try again in a moment")
    };
    let profile = ctx.profile(&user).await.map_err(unavailable)?;
    let progress = ctx
        .progress(&user, service::read_model::today())
        .await
        .map_err(unavailable)?;
    // Without the bodyweight log (a store away), the rest still shows; the card says so.
    let (weighings, bodyweight_read) = match ctx.bodyweight(&user).await {
        Ok(log) => (log.weighings().to_vec(), true),
        Err(e) => {
            tracing::warn!(error = %e, "reading the bodyweight log failed; Progress shows without it");
            (Vec::new(), false)
        }
    };
    Ok(ProgressStart {
        progress,
        weighings,
        bodyweight_read,
        unit: profile.gym.unit,
    })
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

/// An estimate to the nearest whole unit: an estimate's decimals claim more than it knows.
fn about(kg: f64, unit: Unit) -> String {
    format!("{} {}", unit.from_kg(kg).round(), unit.symbol())
}

/// "1 set", "2 sets".
fn counted(n: f64, one: &str) -> String {
    let shown = crate::format::number(n);
    if shown == "1" {
        format!("1 {one}")
    } else {
        format!("{shown} {one}s")
    }
}

/// One exercise's weekly best estimates as points, and the trend through them, in the
/// user's unit.
pub fn strength_marks(e: &ExerciseProgress, unit: Unit) -> (Vec<Mark>, Vec<f64>) {
    let weekly = &e.weekly;
    let trend = smoothed(&weekly.e1rm_kg);
    let mondays: Vec<NaiveDate> = (0..weekly.week.len())
        .filter_map(|i| weekly.monday(i))
        .collect();
    let tick = tick_format(mondays.first().copied(), mondays.last().copied());
    let marks = mondays
        .iter()
        .zip(&weekly.e1rm_kg)
        .zip(weekly.weight_kg.iter().zip(&weekly.reps))
        .zip(&trend)
        .map(|(((monday, e1rm), (weight, reps)), t)| Mark {
            value: unit.from_kg(*e1rm),
            tick: monday.format(tick).to_string(),
            label: format!(
                "Week of {}: best estimated 1RM {} (from {} × {reps}), trend {}",
                day(*monday),
                about(*e1rm, unit),
                unit.show(*weight),
                about(*t, unit)
            ),
        })
        .collect();
    (marks, trend.iter().map(|t| unit.from_kg(*t)).collect())
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
                    "Week of {}: {} for {}, {} {} moved",
                    day(start),
                    counted(sets, "set"),
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
            n => format!(
                "{}: {}, {}",
                day(date),
                counted(f64::from(n), "session"),
                counted(f64::from(sets), "set")
            ),
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

/// Every muscle group for the picker, those with the most sets in the recent weeks first (so
/// the chart opens on the one trained most, and a lifter back after a break can still pick).
fn muscles_by_recent_sets(weeks: &[Week], today: NaiveDate) -> Vec<Muscle> {
    let since = week_start(today) - Duration::weeks(VOLUME_WEEKS - 1);
    let mut totals: Vec<(Muscle, f64)> = Muscle::ALL.iter().map(|m| (*m, 0.0)).collect();
    for w in weeks.iter().filter(|w| w.start >= since) {
        for m in &w.muscles {
            if let Some(t) = totals.iter_mut().find(|(muscle, _)| *muscle == m.muscle) {
                t.1 += m.sets;
            }
        }
    }
    // Stable: the untrained keep the catalog's order.
    totals.sort_by(|a, b| b.1.total_cmp(&a.1));
    totals.into_iter().map(|(m, _)| m).collect()
}

#[component]
pub fn ProgressPage() -> impl IntoView {
    let start = Resource::new(|| (), |()| progress_figures());
    view! {
        <Title text="Progress"/>
        <div class="page-head">
            <h1>"Progress"</h1>
        </div>
        <Suspense fallback=|| view! { <p class="muted" role="status">"Reading your progress…"</p> }>
            {move || Suspend::new(async move {
                match start.await {
                    Err(e) => view! {
                        <p class="alert error" role="alert">{format!("Couldn't show your progress: {}", crate::history::clean_error(&e))}</p>
                    }.into_any(),
                    Ok(start) => figures(start).into_any(),
                }
            })}
        </Suspense>
    }
}

/// The figures the pickers draw from: in the page as JSON (`#progress-figures`), parsed only
/// when the lifter first picks another lift or muscle, so hydrating the page parses nothing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub exercises: Vec<ExerciseProgress>,
    pub weeks: Vec<Week>,
}

const FIGURES_ID: &str = "progress-figures";

/// What the island hydrates from.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BoardStart {
    pub today: NaiveDate,
    pub unit: Unit,
    /// None before the first workout.
    pub picks: Option<Picks>,
}

/// The pickers' choices, and the server's HTML of the charts they open on.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Picks {
    /// (slug, name), the exercise trained most first: the chart opens on it.
    pub exercises: Vec<(String, String)>,
    /// Most sets first.
    pub muscles: Vec<Muscle>,
    /// Rendered on the server and never sent in the island's props: hydration leaves the
    /// server's DOM in place (`inner_html`), and the charts are drawn in the browser only
    /// once a picker changes.
    #[serde(skip)]
    pub strength_html: String,
    #[serde(skip)]
    pub volume_html: String,
}

fn figures(start: ProgressStart) -> impl IntoView {
    let ProgressStart {
        progress,
        weighings,
        bodyweight_read,
        unit,
    } = start;
    let today = progress.today;
    let body =
        view! { <BodyweightCard log=Bodyweight::new(weighings) read=bodyweight_read unit today/> };
    if progress.sessions == 0 {
        let start = BoardStart {
            today,
            unit,
            picks: None,
        };
        return view! { <Board start/>{body} }.into_any();
    }
    let cells = calendar_cells(&progress.calendar, today);
    let days_trained = cells.iter().filter(|c| c.level > 0).count();
    let muscles = muscles_by_recent_sets(&progress.weeks, today);
    let picks = Picks {
        exercises: progress
            .exercises
            .iter()
            .map(|e| (e.exercise.clone(), e.name.clone()))
            .collect(),
        strength_html: progress
            .exercises
            .first()
            .map(|e| strength_chart(e, unit).to_html())
            .unwrap_or_default(),
        volume_html: volume_chart(
            &progress.weeks,
            muscles.first().copied().unwrap_or(Muscle::Chest),
            today,
            unit,
        )
        .to_html(),
        muscles,
    };
    let s = progress.streaks;
    let (sessions, sets) = (progress.sessions, progress.sets);
    let sessions_label = if sessions == 1 { "session" } else { "sessions" };
    let sets_label = if sets == 1 { "set" } else { "sets" };
    // `<` escaped, so no text in the figures (an exercise's name) can close the script.
    let json = serde_json::to_string(&Figures {
        exercises: progress.exercises,
        weeks: progress.weeks,
    })
    .map(|j| j.replace('<', "\\u003c"))
    .unwrap_or_else(|_e| {
        #[cfg(feature = "ssr")]
        tracing::error!(error = %_e, "encoding Progress's figures failed; the pickers will say so");
        String::new()
    });
    let start = BoardStart {
        today,
        unit,
        picks: Some(picks),
    };
    view! {
        <section class="stats" aria-label="Totals and streaks" data-testid="progress-stats">
            <div class="stat card"><span class="stat-value">{sessions}</span><span class="stat-label">{sessions_label}</span></div>
            <div class="stat card"><span class="stat-value">{crate::format::thousands(f64::from(sets))}</span><span class="stat-label">{sets_label}</span></div>
            <div class="stat card"><span class="stat-value">{s.current_weeks}</span><span class="stat-label">{format!("week streak · best {}", s.longest_weeks)}</span></div>
            <div class="stat card"><span class="stat-value">{s.current_days}</span><span class="stat-label">{format!("day streak · best {}", s.longest_days)}</span></div>
        </section>
        <script type="application/json" id=FIGURES_ID inner_html=json></script>
        <Board start/>
        {body}
        <section class="card">
            <h2>"Training calendar"</h2>
            <HeatMap id="calendar" title="Training days over the last year".to_owned()
                desc=format!("{days_trained} training days in the last {CALENDAR_WEEKS} weeks; darker days had more sets.")
                cells/>
        </section>
    }
    .into_any()
}

/// One exercise's chart of weekly best estimates with its trend, and its records.
fn strength_chart(e: &ExerciseProgress, unit: Unit) -> impl IntoView {
    let (marks, trend) = strength_marks(e, unit);
    let (first, last) = (
        e.weekly.monday(0),
        e.weekly.monday(e.weekly.week.len().saturating_sub(1)),
    );
    let desc = format!(
        "The best estimate of each of {} weeks trained from {} to {}, and the trend through them: from {} to {}.",
        marks.len(),
        first.map(day).unwrap_or_default(),
        last.map(day).unwrap_or_default(),
        trend.first().map(|t| format!("{} {}", t.round(), unit.symbol())).unwrap_or_default(),
        trend.last().map(|t| format!("{} {}", t.round(), unit.symbol())).unwrap_or_default(),
    );
    let best = e.records.clone();
    view! {
        <LineChart id="e1rm-chart" title=format!("Estimated 1RM of {}, in {}", e.name, unit.symbol()) desc marks trend/>
        <table class="records">
            <caption>{format!("Personal records: {}", e.name)}</caption>
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
}

/// Weekly sets for one muscle group.
fn volume_chart(weeks: &[Week], m: Muscle, today: NaiveDate, unit: Unit) -> impl IntoView {
    let marks = volume_marks(weeks, m, today, unit);
    let total: f64 = marks.iter().map(|k| k.value).sum();
    view! {
        <BarChart id="volume-chart" title=format!("Weekly sets for {}", m.name())
            desc=format!("Sets per week over the last {VOLUME_WEEKS} weeks, {} in all; a secondary mover counts half a set.", crate::format::number(total))
            marks/>
    }
}

/// The figures from the page, once.
#[cfg(feature = "hydrate")]
fn read_figures() -> Result<Figures, String> {
    let text = document()
        .get_element_by_id(FIGURES_ID)
        .and_then(|e| e.text_content())
        .ok_or_else(|| "the page holds no figures".to_owned())?;
    // Where, not serde_json's message: formatting its error brings the whole of std::io's
    // error texts into the first-load Wasm (a data segment is never split off).
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "the page's figures don't read (line {}, column {})",
            e.line(),
            e.column()
        )
    })
}

#[cfg(not(feature = "hydrate"))]
fn read_figures() -> Result<Figures, String> {
    Err("the figures are read in the browser".to_owned())
}

/// A lazy island: the pickers, and the keys and hover of every chart on the page (one set of
/// listeners on the window, `charts::on_chart_key` and `on_chart_mark`). Hydrating it is
/// cheap: the charts it opens on are the server's HTML, and it parses the figures and draws
/// only when a picker changes. Its code is split from the first-load Wasm.
#[island(lazy)]
fn Board(start: BoardStart) -> impl IntoView {
    let BoardStart { today, unit, picks } = start;
    // Effects run only in the browser: "true" once the island has taken over the page.
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));
    let listening = [
        window_event_listener(leptos::ev::keydown, on_chart_key),
        window_event_listener(leptos::ev::focusin, |ev| on_chart_mark(&ev)),
        window_event_listener(leptos::ev::mouseover, |ev| on_chart_mark(&ev)),
    ];
    on_cleanup(move || listening.into_iter().for_each(|l| l.remove()));
    // `Either` rather than `into_any()` throughout: a type-erased view is called through the
    // function table, which keeps a lazy island's drawing code in the first-load Wasm.
    let Some(Picks {
        exercises,
        muscles,
        strength_html,
        volume_html,
    }) = picks
    else {
        return Either::Left(view! {
            <div class="board" data-testid="progress-board" data-ready=move || ready.get().to_string()>
                <section class="card empty">
                    <p>"No workouts yet: your progress shows here once you log some."</p>
                    <a class="button primary" href="/">"Log a workout"</a>
                    " "
                    <a class="button" href="/data">"Import from Strong or Hevy"</a>
                </section>
            </div>
        });
    };
    // Read once, on the first pick. A StoredValue, not std's OnceLock: that one brings 50 KB of
    // std's tables into the first-load Wasm's data, which is never split off. Not `new_local`:
    // the server renders this too, and may drop it on another thread.
    let figures = StoredValue::new(None::<Result<Figures, String>>);
    // None: the chart the server drew.
    let exercise = RwSignal::new(None::<String>);
    let muscle = RwSignal::new(None::<Muscle>);
    let strength_view = move || match exercise.get() {
        None => {
            Either::Left(view! { <div class="chart-slot" inner_html=strength_html.clone()></div> })
        }
        Some(slug) => Either::Right(view! {
            <div class="chart-slot">
                {match drawn(figures, |f| f.exercises.iter().find(|e| e.exercise == slug).map(|e| strength_chart(e, unit))) {
                    Ok(chart) => Either::Right(chart),
                    Err(e) => Either::Left(unreadable(e)),
                }}
            </div>
        }),
    };
    let volume_view = move || match muscle.get() {
        None => {
            Either::Left(view! { <div class="chart-slot" inner_html=volume_html.clone()></div> })
        }
        Some(m) => Either::Right(view! {
            <div class="chart-slot">
                {match drawn(figures, |f| volume_chart(&f.weeks, m, today, unit)) {
                    Ok(chart) => Either::Right(chart),
                    Err(e) => Either::Left(unreadable(e)),
                }}
            </div>
        }),
    };

    Either::Right(view! {
        <div class="board" data-testid="progress-board" data-ready=move || ready.get().to_string()>
            <section class="card">
                <div class="section-head">
                    <h2 id="e1rm-heading">"Strength"</h2>
                    // autocomplete off: a browser restoring the pick on Back would show a
                    // lift the chart under it is not of.
                    <select aria-label="Exercise" autocomplete="off" on:change=move |ev| exercise.set(Some(event_target_value(&ev)))>
                        {exercises.into_iter().map(|(slug, name)| view! { <option value=slug>{name}</option> }).collect_view()}
                    </select>
                </div>
                {strength_view}
            </section>

            <section class="card">
                <div class="section-head">
                    <h2>"Weekly volume"</h2>
                    <select aria-label="Muscle group" autocomplete="off" on:change=move |ev| {
                        let value = event_target_value(&ev);
                        if let Some(m) = Muscle::ALL.iter().find(|m| m.name() == value) { muscle.set(Some(*m)) }
                    }>
                        {muscles.iter().map(|m| view! { <option value=m.name()>{m.name()}</option> }).collect_view()}
                    </select>
                </div>
                {volume_view}
            </section>
        </div>
    })
}

/// `draw` over the page's figures, read on first use; or why they could not be read.
fn drawn<T>(
    figures: StoredValue<Option<Result<Figures, String>>>,
    draw: impl FnOnce(&Figures) -> T,
) -> Result<T, String> {
    figures
        .try_update_value(|read| match read.get_or_insert_with(read_figures) {
            Ok(f) => Ok(draw(f)),
            Err(e) => Err(e.clone()),
        })
        .unwrap_or_else(|| Err("the page has moved on".to_owned()))
}

fn unreadable(e: String) -> impl IntoView {
    view! {
        <p class="alert error" role="alert">{format!("Couldn't draw that chart: {e}. Reload the page to try again.")}</p>
    }
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
    use domain::analytics::MuscleWeek;
    use domain::progress::Weekly;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn strength_marks_speak_whole_units_and_carry_the_trend() {
        let e = ExerciseProgress {
            exercise: "squat".into(),
            name: "Back squat".into(),
            days: 2,
            weekly: Weekly {
                first: Some(date(2024, 3, 4)),
                week: vec![0, 2],
                e1rm_kg: vec![140.6, 150.0],
                weight_kg: vec![120.0, 130.0],
                reps: vec![5, 4],
            },
            records: vec![],
        };
        let (marks, trend) = strength_marks(&e, Unit::Kg);
        assert_eq!(
            marks[0].label,
            "Week of 4 Mar 2024: best estimated 1RM 141 kg (from 120 kg × 5), trend 141 kg"
        );
        assert!(marks[1]
            .label
            .starts_with("Week of 18 Mar 2024: best estimated 1RM 150 kg"));
        assert_eq!(trend.len(), 2);
        assert!(trend[1] > 140.6 && trend[1] < 150.0, "{trend:?}");
        let (lb, _) = strength_marks(&e, Unit::Lb);
        assert!((lb[0].value - 309.97).abs() < 0.01, "{}", lb[0].value);
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
        let picked = muscles_by_recent_sets(&weeks, today);
        assert_eq!(picked.len(), Muscle::ALL.len(), "every group can be picked");
        assert_eq!(picked[0], Muscle::Quads, "the one trained most first");
        assert_eq!(
            muscles_by_recent_sets(&[], today),
            Muscle::ALL,
            "with no recent sets, the catalog's order"
        );
        let one = vec![Week {
            start: week_start(today),
            muscles: vec![MuscleWeek {
                muscle: Muscle::Quads,
                sets: 1.0,
                volume_kg: 100.0,
            }],
        }];
        let marks = volume_marks(&one, Muscle::Quads, today, Unit::Kg);
        assert!(marks.last().unwrap().label.contains(": 1 set for Quads"));
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn an_unreadable_bodyweight_log_is_said_and_the_rest_still_shows() {
        let owner = Owner::new();
        owner.set();
        let html = view! { <BodyweightCard log=Bodyweight::default() read=false unit=Unit::Kg today=date(2024, 3, 6)/> }
            .to_html();
        assert!(html.contains("couldn't be read just now"), "{html}");
        let html = view! { <BodyweightCard log=Bodyweight::default() read=true unit=Unit::Kg today=date(2024, 3, 6)/> }
            .to_html();
        assert!(html.contains("Log what you weigh"), "{html}");
    }

    #[test]
    fn calendar_covers_a_year_of_weeks() {
        let today = date(2024, 3, 6);
        let cal = vec![
            CalendarDay {
                date: today,
                sessions: 1,
                sets: 20,
            },
            CalendarDay {
                date: today - Duration::days(1),
                sessions: 1,
                sets: 1,
            },
        ];
        let cells = calendar_cells(&cal, today);
        assert_eq!(
            cells.last().unwrap().label,
            "6 Mar 2024: 1 session, 20 sets"
        );
        assert_eq!(cells[cells.len() - 2].label, "5 Mar 2024: 1 session, 1 set");
        assert_eq!(cells.last().unwrap().level, 4);
        assert_eq!(cells.last().unwrap().week, CALENDAR_WEEKS as usize - 1);
        assert_eq!(cells.iter().filter(|c| c.level > 0).count(), 2);
        assert_eq!(cells[0].weekday, 0, "columns start on Monday");
    }
}
