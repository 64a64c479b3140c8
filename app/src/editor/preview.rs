//! The next four weeks of the program as the form stands, computed in the browser with the
//! domain's engine from the user's real history and recomputed as the form changes. A lazy
//! island: its code (the engine) loads only on the editor.

use std::sync::Arc;

use domain::engine::PlannedExercise;
use domain::preview::Session;
use domain::units::Unit;
use leptos::prelude::*;

#[derive(Clone)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum State {
    /// Before the island's code has run (and for good without JavaScript).
    Waiting,
    /// Sessions of history read so far.
    Loading(usize),
    Failed(String),
    /// The form has problems; the preview waits for a program the engine can run.
    Invalid(Vec<String>),
    Ready(Arc<Vec<Session>>, Unit),
}

#[island(lazy)]
pub fn Preview() -> impl IntoView {
    let state = RwSignal::new(State::Waiting);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| leptos::task::spawn_local(run(state)));
    view! {
        // Focusable: on a desktop it scrolls on its own, and a keyboard must reach all of it.
        <aside class="card preview" aria-labelledby="preview-heading" tabindex="0" data-testid="preview">
            <h2 id="preview-heading">"The next four weeks"</h2>
            <p class="hint">"What Ironlog would prescribe from your history if you did every session as planned. It follows the form as you change it; nothing is saved until you save."</p>
            {move || match state.get() {
                State::Waiting => view! {
                    <p class="muted" data-testid="preview-waiting">"The preview needs JavaScript. Without it, save and look at Today."</p>
                }.into_any(),
                State::Loading(n) => view! {
                    <p class="muted" role="status">{format!("Reading your history… {n} sessions")}</p>
                }.into_any(),
                State::Failed(message) => view! {
                    <p class="alert error" role="alert">{format!("No preview: {message}")}</p>
                }.into_any(),
                State::Invalid(problems) => view! {
                    <div class="alert info" data-testid="preview-invalid">
                        <p>"The preview waits for a program Ironlog can run:"</p>
                        <ul>{problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul>
                    </div>
                }.into_any(),
                State::Ready(sessions, unit) => view! { <Weeks sessions unit/> }.into_any(),
            }}
        </aside>
    }
}

/// "3 × 62.5 kg × 5" when the work sets are alike, else each set.
fn work_sets(exercise: &PlannedExercise, unit: Unit) -> String {
    let work: Vec<String> = exercise
        .sets
        .iter()
        .filter(|s| !s.warmup)
        .map(|s| crate::plan::describe_set(s, unit))
        .collect();
    match work.first() {
        Some(first) if work.len() > 1 && work.iter().all(|w| w == first) => {
            format!("{} × {first}", work.len())
        }
        _ => work.join(", "),
    }
}

#[component]
fn Weeks(sessions: Arc<Vec<Session>>, unit: Unit) -> impl IntoView {
    let weeks = sessions.last().map_or(0, |s| s.week);
    view! {
        <ol class="preview-weeks">
            {(1..=weeks).map(|week| view! {
                <li class="preview-week">
                    <h3>{format!("Week {week}")}</h3>
                    <ol class="preview-sessions">
                        {sessions.iter().filter(|s| s.week == week).map(|s| view! {
                            <li class="preview-session" data-testid="preview-session" data-day=s.plan.day_index.to_string()>
                                <h4>{s.plan.day.clone()}</h4>
                                <ul>
                                    {s.plan.exercises.iter().map(|e| view! {
                                        <li data-exercise=e.exercise.clone() data-testid="preview-exercise">
                                            <span class="preview-name">{e.name.clone()}</span>" "
                                            <span class="load">{work_sets(e, unit)}</span>
                                            <span class="set-reason">{e.reason.clone()}</span>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            </li>
                        }).collect_view()}
                    </ol>
                </li>
            }).collect_view()}
        </ol>
    }
    .into_any()
}

#[cfg(feature = "hydrate")]
struct Inputs {
    history: Vec<domain::WorkoutLogged>,
    catalog: domain::catalog::Catalog,
    settings: domain::engine::Settings,
    unit: Unit,
}

#[cfg(feature = "hydrate")]
async fn run(state: RwSignal<State>) {
    use std::cell::Cell;
    use std::rc::Rc;

    state.set(State::Loading(0));
    let profile: domain::profile::Profile = match crate::client::get_json("/api/v1/profile").await {
        Ok(p) => p,
        Err(e) => return state.set(State::Failed(e)),
    };
    let history = match crate::client::all_workouts(|n| state.set(State::Loading(n))).await {
        Ok(h) => h,
        Err(e) => return state.set(State::Failed(e)),
    };
    let inputs = Rc::new(Inputs {
        history,
        catalog: profile.catalog(),
        settings: profile.settings(),
        unit: profile.gym.unit,
    });
    state.set(compute(&inputs));
    // Typing fires an event a key: recompute once the typing pauses.
    let generation = Rc::new(Cell::new(0u64));
    let listen = move |_| {
        let inputs = inputs.clone();
        let generation = generation.clone();
        let mine = generation.get() + 1;
        generation.set(mine);
        leptos::task::spawn_local(async move {
            gloo_timers::future::sleep(std::time::Duration::from_millis(150)).await;
            if generation.get() == mine {
                state.set(compute(&inputs));
            }
        });
    };
    let on_input = window_event_listener(leptos::ev::input, listen.clone());
    let on_change = window_event_listener(leptos::ev::change, listen);
    // The listeners live as long as the page.
    std::mem::forget((on_input, on_change));
}

#[cfg(feature = "hydrate")]
fn compute(inputs: &Inputs) -> State {
    use domain::program_form::ProgramForm;

    let Some(pairs) = form_pairs() else {
        return State::Failed("the editor's form is missing from the page".into());
    };
    let form = ProgramForm::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    match form.to_program(&inputs.catalog) {
        Err(problems) => State::Invalid(
            problems
                .into_iter()
                .map(|p| format!("{} {}", super::fields::label_of(&p.field), p.message))
                .collect(),
        ),
        Ok(program) => {
            let now = chrono::DateTime::from_timestamp_millis(js_sys::Date::now() as i64)
                .unwrap_or_default();
            State::Ready(
                Arc::new(domain::preview::weeks(
                    &program,
                    &inputs.history,
                    &inputs.catalog,
                    &inputs.settings,
                    now,
                    domain::preview::WEEKS,
                )),
                inputs.unit,
            )
        }
    }
}

/// The editor form's fields as the browser would send them.
#[cfg(feature = "hydrate")]
fn form_pairs() -> Option<Vec<(String, String)>> {
    use wasm_bindgen::JsCast;

    let form = document()
        .get_element_by_id("program-editor")?
        .dyn_into::<web_sys::HtmlFormElement>()
        .ok()?;
    let data = web_sys::FormData::new_with_form(&form).ok()?;
    let mut out = Vec::new();
    for entry in js_sys::try_iter(&data).ok()?? {
        let pair: js_sys::Array = entry.ok()?.unchecked_into();
        out.push((
            pair.get(0).as_string()?,
            pair.get(1).as_string().unwrap_or_default(),
        ));
    }
    Some(out)
}
