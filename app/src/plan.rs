//! Today: the session the progression engine prescribes from the active program and the
//! history, every set with its reason, and a way to log it.

use domain::engine::{Plan, PlannedExercise, PlannedSet};
use domain::units::Unit;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::timer::RestTimer;

/// The same plan `GET /api/v1/plan` answers.
#[server(endpoint = "todays_plan")]
pub async fn todays_plan() -> Result<Plan, ServerFnError> {
    let ctx = crate::ssr::training()?;
    let user = crate::ssr::user_id()?;
    ctx.plan(&user).await.map_err(|e| {
        tracing::error!(error = %e, "planning failed");
        ServerFnError::new("today's plan is unavailable right now; try again in a moment")
    })
}

/// Today: server HTML, with the rest timer as its one island.
#[component]
pub fn TodayPage() -> impl IntoView {
    let plan = Resource::new(|| (), |()| todays_plan());
    view! {
        <Title text="Today"/>
        <Suspense fallback=|| view! { <p class="muted">"Working out today's session…"</p> }>
            {move || Suspend::new(async move {
                match plan.await {
                    Err(e) => view! {
                        <p class="alert error" role="alert">{format!("Couldn't plan today's session: {}", crate::history::clean_error(&e))}</p>
                    }.into_any(),
                    Ok(plan) => view! { <PlanView plan/> }.into_any(),
                }
            })}
        </Suspense>
        <RestTimer/>
    }
}

#[component]
fn PlanView(plan: Plan) -> impl IntoView {
    let unit = plan.unit;
    view! {
        <div class="page-head">
            <div>
                <p class="eyebrow">{plan.program_name.clone()}" · "<a href="/programs" data-testid="change-program">"Change"</a></p>
                <h1>{format!("Today: {}", plan.day)}</h1>
            </div>
            <a class="button primary" href="/?plan=today" data-testid="start">"Log this workout"</a>
        </div>
        <ol class="plan" aria-label="Exercises">
            {plan.exercises.into_iter().map(|e| view! { <PlannedCard exercise=e unit/> }).collect_view()}
        </ol>
    }
}

/// "100 kg × 5", "5+" for as many as possible, "@8" for a target effort.
pub fn describe_set(set: &PlannedSet, unit: Unit) -> String {
    let plus = if set.amrap { "+" } else { "" };
    let rpe = set
        .rpe
        .map(|r| format!(" @{}", domain::units::trim(r)))
        .unwrap_or_default();
    format!("{} × {}{plus}{rpe}", unit.show(set.weight_kg), set.reps)
}

#[component]
fn PlannedCard(exercise: PlannedExercise, unit: Unit) -> impl IntoView {
    let (warmups, work): (Vec<PlannedSet>, Vec<PlannedSet>) =
        exercise.sets.into_iter().partition(|s| s.warmup);
    let reason = exercise.reason.clone();
    let group = exercise.group.map(|g| {
        view! {
            <span class="superset" title="Superset" data-testid="superset">
                {format!("Superset {}", crate::draft::group_letter(g))}
            </span>
        }
    });
    view! {
        <li class="card planned" class:in-superset=exercise.group.is_some() data-exercise=exercise.exercise.clone()>
            <h2>{exercise.name}{group}</h2>
            <p class="reason" data-testid="reason">{exercise.reason}</p>
            {(!warmups.is_empty()).then(|| view! {
                <p class="warmups">
                    <span class="col-label">"Warm-up "</span>
                    {warmups.iter().map(|s| match &s.plates {
                        Some(p) => format!("{} ({})", describe_set(s, unit), unit.show_plates(p)),
                        None => describe_set(s, unit),
                    }).collect::<Vec<_>>().join(" · ")}
                </p>
            })}
            <ol class="work-sets">
                {work.into_iter().enumerate().map(|(i, s)| {
                    // A set's own reason is shown only where it differs from the exercise's.
                    let own = (s.reason != reason).then(|| s.reason.clone());
                    view! {
                        <li class="work-set" data-testid="work-set">
                            <span class="set-no">{i + 1}</span>
                            <span class="load">{describe_set(&s, unit)}</span>
                            {s.plates.as_ref().map(|p| {
                                let short = matches!(p, domain::plates::Loading::Unreachable { .. });
                                view! { <span class="plates" class:short=short data-testid="plates">{unit.show_plates(p)}</span> }
                            })}
                            {own.map(|r| view! { <span class="set-reason">{r}</span> })}
                        </li>
                    }
                }).collect_view()}
            </ol>
        </li>
    }
}
