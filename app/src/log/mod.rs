//! Log: pick exercises, add sets of weight × reps (optional RPE), save.
//!
//! Hydrated, the form posts JSON to `POST /api/v1/workouts` with an id made on this device, so a
//! retry after a timeout or a 503 is the same workout. Before hydration (or without
//! JavaScript) the same form posts to `/log`, which runs the same validation and publish.
//!
//! From Today's "Log this workout" (`/?plan=today`) the form starts filled with the plan's
//! working sets, which the person can still change.

pub mod draft;

use domain::catalog::EXERCISES;
use domain::engine::Plan;
use domain::units::Unit;
use domain::Problem;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use draft::{describe_field, ExerciseDraft, SetDraft, WorkoutDraft};

#[derive(Clone, Copy)]
struct SetRow {
    weight: RwSignal<String>,
    reps: RwSignal<String>,
    rpe: RwSignal<String>,
}

#[derive(Clone, Copy)]
struct ExerciseRow {
    key: usize,
    exercise: RwSignal<String>,
    /// Slug and name of an exercise the built-in list lacks (the user's own, from a plan).
    extra: RwSignal<Option<(String, String)>>,
    sets: RwSignal<Vec<SetRow>>,
}

/// What the form says to the person after a submit. Only the browser submits, so the server
/// build never leaves `Idle`.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Clone, Debug, PartialEq)]
enum Status {
    Idle,
    Saving,
    Retrying(u32),
    Invalid(Vec<Problem>),
    Failed(String),
}

const ROWS_PER_NEW_EXERCISE: usize = 3;

/// Whether the last submit found a problem with the form field at `path` (form positions).
fn has_problem(status: RwSignal<Status>, path: &str) -> bool {
    status.with(
        |s| matches!(s, Status::Invalid(problems) if problems.iter().any(|p| p.field == path)),
    )
}

/// What the form takes from today's plan: each exercise's working sets as the form's text
/// (weight in the user's unit, reps, RPE). These are the island's props, serialized into the page, so the
/// reasons and warm-ups stay on the server and the Wasm decodes only strings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Prefill {
    exercise: String,
    name: String,
    sets: Vec<(String, String, String)>,
}

impl Prefill {
    #[cfg_attr(not(feature = "ssr"), allow(dead_code))]
    fn from_plan(plan: Plan) -> Vec<Prefill> {
        let unit = plan.unit;
        plan.exercises
            .into_iter()
            .map(|e| Prefill {
                sets: e
                    .sets
                    .iter()
                    .filter(|s| !s.warmup)
                    .map(|s| {
                        (
                            domain::units::trim(unit.from_kg(s.weight_kg)),
                            s.reps.to_string(),
                            s.rpe.map(domain::units::trim).unwrap_or_default(),
                        )
                    })
                    .collect(),
                exercise: e.exercise,
                name: e.name,
            })
            .collect()
    }
}

/// What the Log form starts from: the user's unit and, from Today, the plan's working sets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormStart {
    unit: Unit,
    plan: Option<Vec<Prefill>>,
}

#[server(endpoint = "log_setup")]
pub async fn log_setup(#[server(default)] from_plan: bool) -> Result<FormStart, ServerFnError> {
    let ctx = crate::ssr::training()?;
    let user = crate::ssr::user_id()?;
    let unit = match ctx.profile(&user).await {
        Ok(profile) => profile.gym.unit,
        Err(e) => {
            // The form still works in kilograms; the person can log now.
            tracing::warn!(error = %e, "profile unavailable for the Log form");
            Unit::Kg
        }
    };
    let plan = if from_plan {
        match ctx.plan(&user).await {
            Ok(plan) => Some(Prefill::from_plan(plan)),
            Err(e) => {
                tracing::warn!(error = %e, "plan unavailable for the Log form");
                None
            }
        }
    } else {
        None
    };
    Ok(FormStart { unit, plan })
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[component]
pub fn LogPage() -> impl IntoView {
    let query = use_query_map();
    let from_plan = move || query.read().get("plan").is_some();
    let setup = Resource::new(from_plan, log_setup);
    view! {
        <Title text="Log"/>
        <div class="page-head">
            <h1>"Log a workout"</h1>
        </div>
        <Suspense fallback=|| view! { <p class="muted">"Filling in today's plan…"</p> }>
            {move || setup.get().map(|setup| match setup {
                Ok(FormStart { unit, plan }) => view! { <LogForm unit plan/> }.into_any(),
                Err(e) => view! {
                    <p class="alert error" role="alert">{format!("Couldn't open the form: {}", crate::history::clean_error(&e))}</p>
                }.into_any(),
            })}
        </Suspense>
        <crate::timer::RestTimer/>
    }
}

/// An island: the form's code ships as Wasm; the page around it is server HTML.
#[island]
fn LogForm(unit: Unit, plan: Option<Vec<Prefill>>) -> impl IntoView {
    // Rows are added from click handlers deep in the list, and the list re-renders: create
    // their signals under this page's owner, or a re-render would dispose of them.
    let owner = Owner::current().unwrap_or_default();
    let keys = StoredValue::new(0usize);
    let next_key = move || {
        keys.update_value(|k| *k += 1);
        keys.get_value()
    };
    let new_set = Callback::new({
        let owner = owner.clone();
        move |()| {
            owner.with(|| SetRow {
                weight: RwSignal::new(String::new()),
                reps: RwSignal::new(String::new()),
                rpe: RwSignal::new(String::new()),
            })
        }
    });
    let new_exercise = Callback::new(move |slug: &'static str| {
        let sets = (0..ROWS_PER_NEW_EXERCISE)
            .map(|_| new_set.run(()))
            .collect();
        owner.with(|| ExerciseRow {
            key: next_key(),
            exercise: RwSignal::new(slug.to_owned()),
            extra: RwSignal::new(None),
            sets: RwSignal::new(sets),
        })
    });
    let first_rows = match plan {
        Some(plan) => plan
            .into_iter()
            .map(|e| {
                let sets = e
                    .sets
                    .into_iter()
                    .map(|(weight, reps, rpe)| SetRow {
                        weight: RwSignal::new(weight),
                        reps: RwSignal::new(reps),
                        rpe: RwSignal::new(rpe),
                    })
                    .collect();
                let builtin = EXERCISES.iter().any(|b| b.slug == e.exercise);
                ExerciseRow {
                    key: next_key(),
                    extra: RwSignal::new((!builtin).then(|| (e.exercise.clone(), e.name))),
                    exercise: RwSignal::new(e.exercise),
                    sets: RwSignal::new(sets),
                }
            })
            .collect(),
        None => vec![new_exercise.run(EXERCISES[0].slug)],
    };

    let id = RwSignal::new(new_id());
    let performed_at = RwSignal::new(String::new());
    let exercises = RwSignal::new(first_rows);
    let status = RwSignal::new(Status::Idle);

    let draft = move || WorkoutDraft {
        id: id.get_untracked(),
        performed_at: performed_at.get_untracked(),
        unit,
        exercises: exercises
            .get_untracked()
            .iter()
            .map(|ex| ExerciseDraft {
                exercise: ex.exercise.get_untracked(),
                sets: ex
                    .sets
                    .get_untracked()
                    .iter()
                    .map(|s| SetDraft {
                        weight: s.weight.get_untracked(),
                        reps: s.reps.get_untracked(),
                        rpe: s.rpe.get_untracked(),
                    })
                    .collect(),
            })
            .collect(),
    };

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if matches!(status.get_untracked(), Status::Saving | Status::Retrying(_)) {
            return;
        }
        #[cfg(feature = "hydrate")]
        {
            let draft = draft();
            status.set(Status::Saving);
            leptos::task::spawn_local(async move {
                match crate::client::submit_workout(draft, |attempt| {
                    status.set(Status::Retrying(attempt))
                })
                .await
                {
                    Ok(saved) => {
                        status.set(Status::Idle);
                        id.set(new_id());
                        if let Some(window) = web_sys::window() {
                            let _ = window
                                .location()
                                .assign(&format!("/history?logged={saved}"));
                        }
                    }
                    Err(crate::client::SubmitError::Invalid(problems)) => {
                        status.set(Status::Invalid(problems))
                    }
                    Err(crate::client::SubmitError::Failed(message)) => {
                        status.set(Status::Failed(message))
                    }
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = draft;
    };

    let add_exercise = move |_| {
        let used: Vec<String> = exercises
            .get_untracked()
            .iter()
            .map(|e| e.exercise.get_untracked())
            .collect();
        let slug = EXERCISES
            .iter()
            .map(|e| e.slug)
            .find(|s| !used.iter().any(|u| u == s))
            .unwrap_or(EXERCISES[0].slug);
        exercises.update(|list| list.push(new_exercise.run(slug)));
    };

    view! {
        <form class="log-form" method="post" action="/log" on:submit=on_submit novalidate>
            <input type="hidden" name="id" value=move || id.get()/>
            <input type="hidden" name="unit" value=unit.symbol()/>
            <section class="card when">
                <label for="performed_at">"When"</label>
                <input
                    id="performed_at"
                    type="datetime-local"
                    name="performed_at"
                    aria-invalid=move || has_problem(status, "performed_at").to_string()
                    prop:value=move || performed_at.get()
                    on:input=move |ev| performed_at.set(event_target_value(&ev))
                />
                <p class="hint">"Leave empty for now."</p>
            </section>
            {move || {
                let list = exercises.get();
                let count = list.len();
                list.into_iter()
                    .enumerate()
                    .map(|(i, ex)| view! { <ExerciseBlock index=i row=ex count exercises new_set status unit/> })
                    .collect_view()
            }}
            <button type="button" class="button ghost wide" on:click=add_exercise>"+ Add exercise"</button>
            <StatusMessage status/>
            <div class="actions">
                <button
                    type="submit"
                    class="button primary wide"
                    data-testid="save"
                    disabled=move || matches!(status.get(), Status::Saving | Status::Retrying(_))
                >
                    {move || match status.get() {
                        Status::Saving => "Saving…".to_owned(),
                        Status::Retrying(n) => format!("Retrying ({n})…"),
                        _ => "Save workout".to_owned(),
                    }}
                </button>
            </div>
        </form>
    }
}

#[component]
fn StatusMessage(status: RwSignal<Status>) -> impl IntoView {
    // The message sits by the Save button; on a long form, bring it into view.
    let alert = NodeRef::<leptos::html::Div>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if matches!(status.get(), Status::Invalid(_) | Status::Failed(_)) {
            if let Some(el) = alert.get() {
                el.scroll_into_view_with_bool(false);
            }
        }
    });
    move || {
        match status.get() {
        Status::Invalid(problems) => view! {
            <div class="alert error" role="alert" data-testid="problems" node_ref=alert>
                <p>"Please fix:"</p>
                <ul>
                    {problems.into_iter().map(|p| view! {
                        <li>{format!("{} {}", describe_field(&p.field), p.message)}</li>
                    }).collect_view()}
                </ul>
            </div>
        }
        .into_any(),
        Status::Failed(message) => view! {
            <div class="alert error" role="alert" node_ref=alert>{message}</div>
        }
        .into_any(),
        Status::Retrying(_) => view! {
            <div class="alert info" role="status">"The server is busy; retrying. Your workout is kept."</div>
        }
        .into_any(),
        Status::Idle | Status::Saving => ().into_any(),
    }
    }
}

#[component]
fn ExerciseBlock(
    index: usize,
    row: ExerciseRow,
    count: usize,
    exercises: RwSignal<Vec<ExerciseRow>>,
    new_set: Callback<(), SetRow>,
    status: RwSignal<Status>,
    unit: Unit,
) -> impl IntoView {
    let field = move |rest: &str| format!("exercises[{index}][{rest}]");
    let remove = move |_| exercises.update(|list| list.retain(|e| e.key != row.key));
    let add_set = move |_| row.sets.update(|sets| sets.push(new_set.run(())));
    view! {
        <fieldset class="card exercise" data-testid="exercise">
            <legend class="sr-only">{format!("Exercise {}", index + 1)}</legend>
            <div class="exercise-head">
                <select
                    name=field("exercise")
                    aria-label=format!("Exercise {}", index + 1)
                    aria-invalid=move || has_problem(status, &format!("exercises[{index}].exercise")).to_string()
                    on:change=move |ev| row.exercise.set(event_target_value(&ev))
                    prop:value=move || row.exercise.get()
                >
                    {move || row.extra.get().map(|(slug, name)| view! { <option value=slug selected=true>{name}</option> })}
                    {EXERCISES.iter().map(|e| view! {
                        <option value=e.slug selected=move || row.exercise.get() == e.slug>{e.name}</option>
                    }).collect_view()}
                </select>
                <Show when=move || { count > 1 }>
                    <button type="button" class="button ghost small" on:click=remove aria-label=format!("Remove exercise {}", index + 1)>"Remove"</button>
                </Show>
            </div>
            <div class="set-grid" role="group" aria-label="Sets">
                <span class="col-label">"Set"</span>
                <span class="col-label">{unit.symbol()}</span>
                <span class="col-label">"Reps"</span>
                <span class="col-label">"RPE"</span>
                {move || row.sets.get().into_iter().enumerate().map(|(j, s)| {
                    let name = move |k: &str| format!("exercises[{index}][sets][{j}][{k}]");
                    let invalid = move |k: &str| {
                        let path = format!("exercises[{index}].sets[{j}].{k}");
                        move || has_problem(status, &path).to_string()
                    };
                    view! {
                        <span class="set-no">{j + 1}</span>
                        <input type="text" inputmode="decimal" name=name("weight") placeholder="0"
                            aria-label=format!("Set {} weight in {}", j + 1, unit.symbol()) aria-invalid=invalid("weight_kg")
                            prop:value=move || s.weight.get() on:input=move |ev| s.weight.set(event_target_value(&ev))/>
                        <input type="text" inputmode="numeric" name=name("reps") placeholder="—"
                            aria-label=format!("Set {} reps", j + 1) aria-invalid=invalid("reps")
                            prop:value=move || s.reps.get() on:input=move |ev| s.reps.set(event_target_value(&ev))/>
                        <input type="text" inputmode="decimal" name=name("rpe") placeholder="opt."
                            aria-label=format!("Set {} RPE (optional)", j + 1) aria-invalid=invalid("rpe")
                            prop:value=move || s.rpe.get() on:input=move |ev| s.rpe.set(event_target_value(&ev))/>
                    }
                }).collect_view()}
            </div>
            <button type="button" class="button ghost small" on:click=add_set>"+ Add set"</button>
        </fieldset>
    }
}
