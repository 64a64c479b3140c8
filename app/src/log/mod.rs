//! Log: pick exercises, add sets of weight × reps (optional RPE), save.
//!
//! Hydrated, the form keeps its draft on the device and saves through the device's outbox
//! (`crate::device`), which posts JSON to `POST /api/v1/workouts` with an id made on this
//! device, so every resend (a timeout, a 503, coming back online) is the same workout. Before
//! hydration (or without JavaScript) the same form posts to `/log`, which runs the same
//! validation and publish.
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
    Invalid(Vec<Problem>),
    Failed(String),
    /// In the outbox on this device; true when the server asked to sign in again.
    Kept(bool),
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

/// Rows for the form: a set's fields as signals, created under `owner` (see `LogForm`).
fn rows_from(
    owner: &Owner,
    next_key: impl Fn() -> usize,
    draft: Vec<ExerciseDraft>,
) -> Vec<ExerciseRow> {
    owner.with(|| {
        draft
            .into_iter()
            .map(|e| ExerciseRow {
                key: next_key(),
                exercise: RwSignal::new(e.exercise),
                extra: RwSignal::new(e.extra),
                sets: RwSignal::new(
                    e.sets
                        .into_iter()
                        .map(|s| SetRow {
                            weight: RwSignal::new(s.weight),
                            reps: RwSignal::new(s.reps),
                            rpe: RwSignal::new(s.rpe),
                        })
                        .collect(),
                ),
            })
            .collect()
    })
}

/// The exercises the form starts with: today's plan, or one empty exercise.
fn first_exercises(plan: Option<Vec<Prefill>>) -> Vec<ExerciseDraft> {
    match plan {
        Some(plan) => plan
            .into_iter()
            .map(|e| {
                let builtin = EXERCISES.iter().any(|b| b.slug == e.exercise);
                ExerciseDraft {
                    extra: (!builtin).then(|| (e.exercise.clone(), e.name)),
                    exercise: e.exercise,
                    sets: e
                        .sets
                        .into_iter()
                        .map(|(weight, reps, rpe)| SetDraft { weight, reps, rpe })
                        .collect(),
                }
            })
            .collect(),
        None => vec![blank_exercise(EXERCISES[0].slug)],
    }
}

fn blank_exercise(slug: &str) -> ExerciseDraft {
    ExerciseDraft {
        exercise: slug.to_owned(),
        extra: None,
        sets: vec![SetDraft::default(); ROWS_PER_NEW_EXERCISE],
    }
}

/// An island: the form's code ships as Wasm; the page around it is server HTML.
///
/// Every change is kept on the device as the draft (`device.rs`), restored when the form opens
/// again (a reload, a crash, a closed browser), and cleared once the workout is stored or in the
/// outbox, or when the person discards it.
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
    let new_exercise = Callback::new({
        let owner = owner.clone();
        move |slug: &'static str| {
            rows_from(&owner, next_key, vec![blank_exercise(slug)])
                .pop()
                .expect("one exercise in, one row out")
        }
    });

    let id = RwSignal::new(new_id());
    let performed_at = RwSignal::new(String::new());
    let exercises = RwSignal::new(rows_from(&owner, next_key, first_exercises(plan)));
    let status = RwSignal::new(Status::Idle);
    // A draft from an earlier visit was put back into the form.
    let restored = RwSignal::new(false);
    // Keeping the draft on the device failed: say so, once, by the form.
    let draft_trouble = RwSignal::new(None::<String>);

    // Read with tracking: the draft Effect below follows every field.
    let draft = move || WorkoutDraft {
        id: id.get(),
        performed_at: performed_at.get(),
        unit,
        exercises: exercises
            .get()
            .iter()
            .map(|ex| ExerciseDraft {
                exercise: ex.exercise.get(),
                extra: ex.extra.get(),
                sets: ex
                    .sets
                    .get()
                    .iter()
                    .map(|s| SetDraft {
                        weight: s.weight.get(),
                        reps: s.reps.get(),
                        rpe: s.rpe.get(),
                    })
                    .collect(),
            })
            .collect(),
    };

    // What the form held when it opened (fresh, or the restored draft) or was last reset to:
    // kept only once it differs, so opening the form never leaves a draft behind.
    let baseline = StoredValue::new(None::<WorkoutDraft>);
    #[cfg(feature = "hydrate")]
    {
        let owner = owner.clone();
        // What hydration found: a draft is restored only over a form nobody has typed in yet.
        let opened = untrack(draft);
        leptos::task::spawn_local(async move {
            match crate::device::load_draft().await {
                Ok(Some(text)) => match serde_json::from_str::<WorkoutDraft>(&text) {
                    Ok(_) if untrack(draft) != opened => {}
                    Ok(kept) => {
                        let kept = kept.in_unit(unit);
                        id.set(kept.id.clone());
                        performed_at.set(kept.performed_at.clone());
                        exercises.set(rows_from(&owner, next_key, kept.exercises));
                        restored.set(true);
                    }
                    Err(e) => leptos::logging::warn!("the kept draft is unreadable: {e}"),
                },
                Ok(None) => {}
                Err(e) => draft_trouble.set(Some(device_trouble(&e))),
            }
            baseline.set_value(Some(untrack(draft)));
        });
        Effect::new(move |_| {
            let now = draft();
            let Some(start) = baseline.get_value() else {
                return;
            };
            if now == start {
                return;
            }
            let Ok(text) = serde_json::to_string(&now) else {
                return;
            };
            leptos::task::spawn_local(async move {
                match crate::device::save_draft(&text).await {
                    Ok(()) => draft_trouble.set(None),
                    Err(e) => draft_trouble.set(Some(device_trouble(&e))),
                }
            });
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (draft, draft_trouble, baseline);

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        if !matches!(status.get_untracked(), Status::Saving) {
            let mut typed = untrack(draft);
            status.set(Status::Saving);
            let owner = owner.clone();
            leptos::task::spawn_local(async move {
                // "Now" is when Save was pressed, also for the copy kept to fix it later.
                if typed.performed_at.trim().is_empty() {
                    typed.performed_at = crate::client::now_local();
                }
                let summary = serde_json::json!({"lines": typed.summary_lines()});
                let form = serde_json::to_string(&typed).unwrap_or_default();
                typed.performed_at = crate::client::to_rfc3339(&typed.performed_at);
                let (body, positions) = typed.to_json();
                let kept_positions = serde_json::to_string(&positions).unwrap_or_default();
                match crate::device::save(&body, &form, &summary, &kept_positions).await {
                    Ok(crate::device::Saved::Stored { id: saved }) => {
                        let _ = crate::device::clear_draft().await;
                        if let Some(window) = web_sys::window() {
                            let _ = window
                                .location()
                                .assign(&format!("/history?logged={saved}"));
                        }
                    }
                    Ok(crate::device::Saved::Refused { message, problems }) => {
                        status.set(if problems.is_empty() {
                            Status::Failed(message)
                        } else {
                            // Name the rows the person sees, not the JSON's positions.
                            Status::Invalid(
                                problems
                                    .into_iter()
                                    .map(|p| Problem::new(positions.to_form_field(&p.field), p.message))
                                    .collect(),
                            )
                        })
                    }
                    Ok(crate::device::Saved::Pending { reason }) => {
                        // In the outbox now: the form starts empty for the next workout (not
                        // with the plan again, which would look unsaved).
                        let _ = crate::device::clear_draft().await;
                        id.set(new_id());
                        performed_at.set(String::new());
                        exercises.set(rows_from(
                            &owner,
                            next_key,
                            vec![blank_exercise(EXERCISES[0].slug)],
                        ));
                        restored.set(false);
                        baseline.set_value(Some(untrack(draft)));
                        status.set(Status::Kept(reason == "signin"));
                    }
                    Ok(crate::device::Saved::Quota) => status.set(Status::Failed(
                        "This device is out of storage for Ironlog, so the workout could not be kept here. Free some space, or keep this page open and save again once you're online.".into(),
                    )),
                    Err(e) => status.set(Status::Failed(format!(
                        "The workout could not be saved on this device ({}). Your entries are still here; reload the page and save again.",
                        device_trouble(&e)
                    ))),
                }
            });
        }
    };

    let discard = move |_| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let _ = crate::device::clear_draft().await;
            if let Some(window) = web_sys::window() {
                let _ = window.location().reload();
            }
        });
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
            <Show when=move || restored.get()>
                <div class="alert info restored" role="status" data-testid="restored">
                    <span>"Your unsaved workout is back, as you left it."</span>
                    <button type="button" class="button ghost small" on:click=discard>"Discard it"</button>
                </div>
            </Show>
            {move || draft_trouble.get().map(|t| view! {
                <p class="alert error" role="alert" data-testid="draft-trouble">{t}</p>
            })}
            // Nothing changes under a save in flight: what is sent is what the form shows.
            <fieldset class="form-body" disabled=move || matches!(status.get(), Status::Saving)>
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
            </fieldset>
            <StatusMessage status/>
            <div class="actions">
                <button
                    type="submit"
                    class="button primary wide"
                    data-testid="save"
                    disabled=move || matches!(status.get(), Status::Saving)
                >
                    {move || match status.get() {
                        Status::Saving => "Saving…",
                        _ => "Save workout",
                    }}
                </button>
            </div>
        </form>
    }
}

/// The device store's trouble, for the person.
#[cfg(feature = "hydrate")]
fn device_trouble(e: &crate::device::DeviceError) -> String {
    match e {
        crate::device::DeviceError::Full => {
            "This device is out of storage: the form is not being kept on it.".to_owned()
        }
        crate::device::DeviceError::Unavailable(why) => {
            format!("This browser is not keeping the form on the device: {why}")
        }
    }
}

#[component]
fn StatusMessage(status: RwSignal<Status>) -> impl IntoView {
    // The message sits by the Save button; on a long form (or one just emptied for the next
    // workout), bring it into view.
    let alert = NodeRef::<leptos::html::Div>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if matches!(
            status.get(),
            Status::Invalid(_) | Status::Failed(_) | Status::Kept(_)
        ) {
            if let Some(el) = alert.get() {
                el.scroll_into_view_with_bool(false);
            }
        }
    });
    move || match status.get() {
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
        Status::Kept(false) => view! {
            <div class="alert info" role="status" data-testid="kept" node_ref=alert>
                "Saved on this device. It will be sent as soon as Ironlog can reach the server; "
                <a href="/history">"History"</a>" lists it until then."
            </div>
        }
        .into_any(),
        Status::Kept(true) => view! {
            <div class="alert info" role="status" data-testid="kept" node_ref=alert>
                "Saved on this device. Your session has ended: "<a href="/login">"log in again"</a>
                " and it will be sent."
            </div>
        }
        .into_any(),
        Status::Idle | Status::Saving => ().into_any(),
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
