//! Log: pick exercises, add sets of weight × reps (optional RPE), save.
//!
//! Hydrated, the form keeps its draft on the device and saves through the device's outbox
//! (`crate::device`), which posts JSON to `POST /api/v1/workouts` with an id made on this
//! device, so every resend (a timeout, a 503, coming back online) is the same workout. Before
//! hydration (or without JavaScript) the same form posts to `/log`, which runs the same
//! validation and publish.
//!
//! From Today's "Log this workout" (`/?plan=today`) the form starts filled with the plan's
//! working sets, which the person can still change. From History's "Edit" (`/?edit=<id>`) it
//! opens a stored workout in the user's unit, and saving sends it to
//! `PUT /api/v1/workouts/{id}` with a revision larger than the one opened, through the same
//! outbox.

use domain::catalog::EXERCISES;
use domain::engine::Plan;
use domain::units::Unit;
use domain::{Problem, SetKind, WorkoutLogged};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::draft::{self, describe_field, group_letter, ExerciseDraft, SetDraft, WorkoutDraft};

#[derive(Clone, Copy)]
struct SetRow {
    weight: RwSignal<String>,
    reps: RwSignal<String>,
    rpe: RwSignal<String>,
    kind: RwSignal<String>,
    /// The stored load of a set opened for editing (see `SetDraft::stored_kg`).
    stored_kg: Option<f64>,
}

#[derive(Clone, Copy)]
struct ExerciseRow {
    key: usize,
    exercise: RwSignal<String>,
    /// Slug and name of an exercise the built-in list lacks (the user's own, from a plan).
    extra: RwSignal<Option<(String, String)>>,
    sets: RwSignal<Vec<SetRow>>,
    notes: RwSignal<String>,
    group: RwSignal<String>,
}

/// The superset letters the form offers.
const GROUP_LETTERS: [&str; 26] = [
    "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R", "S",
    "T", "U", "V", "W", "X", "Y", "Z",
];

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

/// Today's plan as the form's exercises: each exercise's working sets as the form's text
/// (weight in the user's unit, reps, RPE). They are the island's props, serialized into the
/// page, so the reasons and warm-ups stay on the server and the Wasm decodes only strings.
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
fn plan_exercises(plan: Plan) -> Vec<ExerciseDraft> {
    let unit = plan.unit;
    plan.exercises
        .into_iter()
        .map(|e| ExerciseDraft {
            sets: e
                .sets
                .iter()
                .filter(|s| !s.warmup)
                .map(|s| SetDraft {
                    weight: domain::units::trim(unit.from_kg(s.weight_kg)),
                    reps: s.reps.to_string(),
                    rpe: s.rpe.map(domain::units::trim).unwrap_or_default(),
                    kind: String::new(),
                    stored_kg: None,
                })
                .collect(),
            extra: named_if_own(&e.exercise, &e.name),
            exercise: e.exercise,
            notes: String::new(),
            group: e.group.map(group_letter).unwrap_or_default(),
        })
        .collect()
}

/// The name to show for an exercise the built-in list lacks.
fn named_if_own(slug: &str, name: &str) -> Option<(String, String)> {
    let builtin = EXERCISES.iter().any(|b| b.slug == slug);
    (!builtin).then(|| (slug.to_owned(), name.to_owned()))
}

/// A stored workout as the form's exercises, in `unit`.
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
fn from_workout(w: &WorkoutLogged, unit: Unit) -> Vec<ExerciseDraft> {
    w.exercises
        .iter()
        .map(|e| ExerciseDraft {
            exercise: e.exercise.clone(),
            extra: named_if_own(&e.exercise, domain::catalog::display_name(&e.exercise)),
            sets: e
                .sets
                .iter()
                .map(|s| SetDraft {
                    weight: draft::shown(s.weight_kg, unit),
                    stored_kg: Some(s.weight_kg),
                    reps: s.reps.to_string(),
                    rpe: s.rpe.map(domain::units::trim).unwrap_or_default(),
                    kind: if s.kind.is_working() {
                        String::new()
                    } else {
                        s.kind.as_str().to_owned()
                    },
                })
                .collect(),
            notes: e.notes.clone().unwrap_or_default(),
            group: e.group.map(group_letter).unwrap_or_default(),
        })
        .collect()
}

/// A stored workout opened for editing: what the form keeps besides its exercises.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EditStart {
    id: String,
    /// RFC 3339 (UTC); the browser shows it in its own time zone.
    performed_at: String,
    notes: String,
    /// The revision opened; saving sends a larger one.
    revision: u64,
}

/// What the Log form starts from: the user's unit, and the exercises of today's plan or of
/// the workout being edited.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormStart {
    unit: Unit,
    exercises: Option<Vec<ExerciseDraft>>,
    edit: Option<EditStart>,
    /// The user's bar and plates, and the barbell exercises of their catalog: the form shows
    /// the plates a side of every barbell set as it is typed.
    plates: Option<domain::plates::Inventory>,
    barbell: Vec<String>,
    /// The user's own exercises, (slug, name), offered after the built-in ones.
    own: Vec<(String, String)>,
}

#[server(endpoint = "log_setup")]
pub async fn log_setup(
    #[server(default)] from_plan: bool,
    #[server(default)] edit: Option<String>,
) -> Result<FormStart, ServerFnError> {
    let ctx = crate::ssr::training()?;
    let user = crate::ssr::user_id()?;
    let (unit, plates, barbell, own) = match ctx.profile(&user).await {
        Ok(profile) => {
            let yours = profile
                .exercises
                .iter()
                .map(|e| (e.slug.clone(), e.name.clone()))
                .collect();
            let own = profile
                .exercises
                .iter()
                .filter(|e| e.equipment == domain::units::Equipment::Barbell)
                .map(|e| e.slug.clone());
            let barbell = EXERCISES
                .iter()
                .filter(|e| e.equipment == domain::units::Equipment::Barbell)
                .map(|e| e.slug.to_owned())
                .chain(own)
                .collect();
            (
                profile.gym.unit,
                Some(profile.gym.inventory()),
                barbell,
                yours,
            )
        }
        Err(e) => {
            // The form still works in kilograms, without plates; the person can log now.
            tracing::warn!(error = %e, "profile unavailable for the Log form");
            (Unit::Kg, None, Vec::new(), Vec::new())
        }
    };
    if let Some(edit) = edit.filter(|e| !e.is_empty()) {
        let gone = || {
            crate::ssr::bad_input(
                "that workout is not in your history: it may have been deleted".to_owned(),
            )
        };
        let id = uuid::Uuid::try_parse(&edit).map_err(|_| gone())?;
        let stored = ctx.workouts().get(&user, id).await.map_err(|e| {
            tracing::error!(error = %e, "reading a workout to edit failed");
            ServerFnError::new("history is unavailable right now; try again in a moment")
        })?;
        let w = stored.ok_or_else(gone)?;
        return Ok(FormStart {
            unit,
            plates,
            barbell,
            own,
            exercises: Some(from_workout(&w, unit)),
            edit: Some(EditStart {
                id: w.id.to_string(),
                performed_at: w.performed_at.to_rfc3339(),
                notes: w.notes.clone().unwrap_or_default(),
                revision: w.revision,
            }),
        });
    }
    let exercises = if from_plan {
        match ctx.plan(&user).await {
            Ok(plan) => Some(plan_exercises(plan)),
            Err(e) => {
                tracing::warn!(error = %e, "plan unavailable for the Log form");
                None
            }
        }
    } else {
        None
    };
    Ok(FormStart {
        unit,
        exercises,
        edit: None,
        plates,
        barbell,
        own,
    })
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[component]
pub fn LogPage() -> impl IntoView {
    let query = use_query_map();
    let from_plan = move || query.read().get("plan").is_some();
    let edit = move || query.read().get("edit");
    let setup = Resource::new(move || (from_plan(), edit()), |(p, e)| log_setup(p, e));
    view! {
        <Title text=move || if edit().is_some() { "Edit workout" } else { "Log" }/>
        <div class="page-head">
            <h1>{move || if edit().is_some() { "Edit workout" } else { "Log a workout" }}</h1>
        </div>
        <Suspense fallback=|| view! { <p class="muted">"Opening the form…"</p> }>
            {move || setup.get().map(|setup| match setup {
                Ok(FormStart { unit, exercises, edit, plates, barbell, own }) => {
                    view! { <LogForm unit exercises edit plates barbell own/> }.into_any()
                }
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
                            kind: RwSignal::new(s.kind),
                            stored_kg: s.stored_kg,
                        })
                        .collect(),
                ),
                notes: RwSignal::new(e.notes),
                group: RwSignal::new(e.group),
            })
            .collect()
    })
}

/// The exercises the form starts with: the plan's or the edited workout's, or one empty one.
fn first_exercises(start: Option<Vec<ExerciseDraft>>) -> Vec<ExerciseDraft> {
    start
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| vec![blank_exercise(EXERCISES[0].slug)])
}

fn blank_exercise(slug: &str) -> ExerciseDraft {
    ExerciseDraft {
        exercise: slug.to_owned(),
        sets: vec![SetDraft::default(); ROWS_PER_NEW_EXERCISE],
        ..ExerciseDraft::default()
    }
}

/// An island: the form's code ships as Wasm; the page around it is server HTML.
///
/// Every change is kept on the device as the draft (`device.rs`), restored when the form opens
/// again (a reload, a crash, a closed browser), and cleared once the workout is stored or in the
/// outbox, or when the person discards it.
#[island]
fn LogForm(
    unit: Unit,
    exercises: Option<Vec<ExerciseDraft>>,
    edit: Option<EditStart>,
    plates: Option<domain::plates::Inventory>,
    barbell: Vec<String>,
    own: Vec<(String, String)>,
) -> impl IntoView {
    let start = exercises;
    let plates = StoredValue::new(plates);
    let barbell = StoredValue::new(barbell);
    let own = StoredValue::new(own);
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
                kind: RwSignal::new(String::new()),
                stored_kg: None,
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

    // Editing: the workout's id, and the revision it was opened at.
    let base_revision = edit.as_ref().map(|e| e.revision);
    let editing = base_revision.is_some();
    let id = RwSignal::new(edit.as_ref().map_or_else(new_id, |e| e.id.clone()));
    // The server renders the stored time in UTC; the browser puts it in its own zone.
    let performed_at = RwSignal::new(
        edit.as_ref()
            .map(|e| e.performed_at.chars().take(16).collect())
            .unwrap_or_default(),
    );
    let notes = RwSignal::new(edit.as_ref().map(|e| e.notes.clone()).unwrap_or_default());
    // The stored time and the field's text it opened as: the stored time (with its seconds)
    // is sent while the field still reads the same.
    let opened_at = StoredValue::new(None::<(String, String)>);
    #[cfg(feature = "hydrate")]
    if let Some(e) = &edit {
        let text = crate::client::local_input(&e.performed_at);
        performed_at.set(text.clone());
        opened_at.set_value(Some((text, e.performed_at.clone())));
    }
    let exercises = RwSignal::new(rows_from(&owner, next_key, first_exercises(start)));
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
        notes: notes.get(),
        base_revision,
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
                        kind: s.kind.get(),
                        stored_kg: s.stored_kg,
                    })
                    .collect(),
                notes: ex.notes.get(),
                group: ex.group.get(),
            })
            .collect(),
    };

    // What the form held when it opened (fresh, or the restored draft) or was last reset to:
    // kept only once it differs, so opening the form never leaves a draft behind.
    let baseline = StoredValue::new(None::<WorkoutDraft>);
    // An edit is not kept as the draft: the draft is the next workout to log, and an edit
    // must not replace it.
    #[cfg(feature = "hydrate")]
    if !editing {
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
                        notes.set(kept.notes.clone());
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
    let _ = (draft, draft_trouble, baseline, opened_at);

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
                let summary = crate::device::Summary {
                    lines: typed.summary_lines(),
                };
                // The copy kept to fix the workout later: without it, a refused workout could
                // not be reopened, so nothing is saved rather than saved without it.
                let form = match serde_json::to_string(&typed) {
                    Ok(form) => form,
                    Err(e) => {
                        status.set(Status::Failed(format!("The form could not be kept: {e}")));
                        return;
                    }
                };
                typed.performed_at = match opened_at.get_value() {
                    Some((text, stored)) if text == typed.performed_at => stored,
                    _ => crate::client::to_rfc3339(&typed.performed_at),
                };
                let (mut body, positions) = typed.to_body();
                let revision = base_revision
                    .map(|base| draft::edit_revision(base, js_sys::Date::now() as u64));
                body.revision = revision;
                let method = if editing { "PUT" } else { "POST" };
                match crate::device::save(&body, &form, &summary, &positions, method).await {
                    Ok(crate::device::Saved::Stored { id: saved }) => {
                        if !editing {
                            let _ = crate::device::clear_draft().await;
                        }
                        let wait = revision.map(|r| format!("&revision={r}")).unwrap_or_default();
                        if let Some(window) = web_sys::window() {
                            let _ = window
                                .location()
                                .assign(&format!("/history?logged={saved}{wait}"));
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
                    Ok(crate::device::Saved::Pending { .. }) if editing => {
                        // In the outbox: History lists the edit until it is sent.
                        if let Some(window) = web_sys::window() {
                            let _ = window.location().assign("/history");
                        }
                    }
                    Ok(crate::device::Saved::Pending { reason }) => {
                        // In the outbox now: the form starts empty for the next workout (not
                        // with the plan again, which would look unsaved).
                        let _ = crate::device::clear_draft().await;
                        id.set(new_id());
                        performed_at.set(String::new());
                        notes.set(String::new());
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
            {base_revision.map(|r| view! { <input type="hidden" name="base_revision" value=r.to_string()/> })}
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
                    .map(|(i, ex)| view! { <ExerciseBlock index=i row=ex count exercises new_set status unit plates barbell own/> })
                    .collect_view()
            }}
            <button type="button" class="button ghost wide" on:click=add_exercise>"+ Add exercise"</button>
            <section class="card notes">
                <label for="workout-notes">"Notes"</label>
                <textarea
                    id="workout-notes"
                    name="notes"
                    rows="2"
                    maxlength="1000"
                    placeholder="How it went (optional)"
                    aria-invalid=move || has_problem(status, "notes").to_string()
                    prop:value=move || notes.get()
                    on:input=move |ev| notes.set(event_target_value(&ev))
                ></textarea>
            </section>
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
                        _ if editing => "Save changes",
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

/// The plates a side for a barbell set's typed weight (and whether the plates fall short), or
/// nothing for other exercises and weights that are not a load.
fn plates_line(
    exercise: &str,
    weight: &str,
    unit: Unit,
    plates: StoredValue<Option<domain::plates::Inventory>>,
    barbell: StoredValue<Vec<String>>,
) -> Option<(String, bool)> {
    if !barbell.with_value(|b| b.iter().any(|s| s == exercise)) {
        return None;
    }
    let typed = weight.trim().replace(',', ".").parse::<f64>().ok();
    let kg = typed
        .filter(|w| w.is_finite() && *w > 0.0)
        .map(|w| unit.to_kg(w))?;
    plates.with_value(|inventory| {
        inventory.as_ref().map(|inventory| {
            let loading = domain::plates::load(kg, inventory);
            let short = matches!(loading, domain::plates::Loading::Unreachable { .. });
            (unit.show_plates(&loading), short)
        })
    })
}

/// A set kind in the form's narrow column.
fn kind_short(kind: SetKind) -> &'static str {
    match kind {
        SetKind::Working => "Work",
        SetKind::Warmup => "Warm",
        SetKind::Drop => "Drop",
        SetKind::Failure => "Failure",
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
    plates: StoredValue<Option<domain::plates::Inventory>>,
    barbell: StoredValue<Vec<String>>,
    own: StoredValue<Vec<(String, String)>>,
) -> impl IntoView {
    let field = move |rest: &str| format!("exercises[{index}][{rest}]");
    let is_own = move |slug: &str| own.with_value(|o| o.iter().any(|(s, _)| s == slug));
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
                    {move || row.extra.get().filter(|(slug, _)| !is_own(slug)).map(|(slug, name)| view! { <option value=slug selected=true>{name}</option> })}
                    {EXERCISES.iter().map(|e| view! {
                        <option value=e.slug selected=move || row.exercise.get() == e.slug>{e.name}</option>
                    }).collect_view()}
                    {own.with_value(|o| (!o.is_empty()).then(|| {
                        let options = o.iter().cloned().map(|(slug, name)| {
                            let chosen = slug.clone();
                            view! { <option value=slug selected=move || row.exercise.get() == chosen>{name}</option> }
                        }).collect_view();
                        view! { <optgroup label="Your exercises">{options}</optgroup> }
                    }))}
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
                <span class="col-label">"Type"</span>
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
                        <select name=name("kind") aria-label=format!("Set {} type", j + 1) aria-invalid=invalid("kind")
                            on:change=move |ev| s.kind.set(event_target_value(&ev)) prop:value=move || s.kind.get()>
                            {SetKind::ALL.into_iter().map(|k| {
                                let value = if k.is_working() { "" } else { k.as_str() };
                                view! { <option value=value selected=move || s.kind.get() == value>{kind_short(k)}</option> }
                            }).collect_view()}
                        </select>
                        {move || plates_line(&row.exercise.get(), &s.weight.get(), unit, plates, barbell).map(|(text, short)| view! {
                            <span class="plates" class:short=short data-testid="plates" aria-live="polite">
                                {format!("Set {}: {text}", j + 1)}
                            </span>
                        })}
                    }
                }).collect_view()}
            </div>
            <button type="button" class="button ghost small" on:click=add_set>"+ Add set"</button>
            <div class="exercise-extras">
                <select
                    class="group-select"
                    name=field("group")
                    aria-label=format!("Superset of exercise {}", index + 1)
                    on:change=move |ev| row.group.set(event_target_value(&ev))
                    prop:value=move || row.group.get()
                >
                    <option value="" selected=move || row.group.get().is_empty()>"Not a superset"</option>
                    {GROUP_LETTERS.iter().map(|l| view! {
                        <option value=*l selected=move || row.group.get() == *l>{format!("Superset {l}")}</option>
                    }).collect_view()}
                </select>
                <input type="text" class="exercise-notes" name=field("notes") maxlength="1000"
                    placeholder="Notes on this exercise (optional)"
                    aria-label=format!("Notes on exercise {}", index + 1)
                    aria-invalid=move || has_problem(status, &format!("exercises[{index}].notes")).to_string()
                    prop:value=move || row.notes.get() on:input=move |ev| row.notes.set(event_target_value(&ev))/>
            </div>
        </fieldset>
    }
}
