//! History: the user's sessions, newest first, a page at a time.

use domain::units::Unit;
use domain::WorkoutLogged;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::format;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryView {
    pub items: Vec<WorkoutLogged>,
    /// The user's unit, for showing the weights.
    pub unit: Unit,
    /// Cursor of the next (older) page.
    pub next: Option<String>,
}

/// At `/api/history_page`, a stable address for clients and the API description.
#[server(endpoint = "history_page")]
pub async fn history_page(before: Option<String>) -> Result<HistoryView, ServerFnError> {
    use domain::cursor::{Cursor, DEFAULT_PAGE};

    let ctx = crate::ssr::training()?;
    let before = match before.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            s.parse::<Cursor>()
                .map_err(|e| crate::ssr::bad_input(format!("before: {e}")))?,
        ),
    };
    let user = crate::ssr::user_id()?;
    let page = ctx
        .workouts()
        .list(&user, DEFAULT_PAGE, before)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "reading history failed");
            ServerFnError::new("history is unavailable right now; try again in a moment")
        })?;
    let unit = match ctx.profile(&user).await {
        Ok(profile) => profile.gym.unit,
        Err(e) => {
            tracing::warn!(error = %e, "profile unavailable for History; showing kg");
            Unit::Kg
        }
    };
    Ok(HistoryView {
        items: page.items,
        unit,
        next: page.next.map(|c| c.to_string()),
    })
}

#[component]
pub fn HistoryPage() -> impl IntoView {
    let query = use_query_map();
    let before = move || query.read().get("before").filter(|s| !s.is_empty());
    let logged = move || query.read().get("logged");
    // After an edit: the revision History waits for.
    let revision = move || {
        query
            .read()
            .get("revision")
            .and_then(|r| r.parse::<u64>().ok())
    };
    let page = Resource::new(before, history_page);
    // Logging is asynchronous: a workout answered 202 a moment ago may not be stored yet.
    let pending = move |view: &HistoryView| {
        let want = revision().unwrap_or(0);
        logged().filter(|id| {
            before().is_none()
                && !view
                    .items
                    .iter()
                    .any(|w| w.id.to_string() == *id && w.revision >= want)
        })
    };

    view! {
        <Title text="History"/>
        <div class="page-head">
            <h1>"History"</h1>
            <a class="button" href="/">"Log a workout"</a>
        </div>
        <Suspense fallback=|| view! { <p class="muted">"Loading your history…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Err(e) => view! {
                        <p class="alert error" role="alert">{format!("Couldn't load your history: {}", clean_error(&e))}</p>
                    }.into_any(),
                    Ok(view) => {
                        let pending = pending(&view);
                        let empty = view.items.is_empty() && pending.is_none();
                        let next = view.next.clone();
                        view! {
                            {pending.map(|id| view! { <PendingNotice id revision=revision()/> })}
                            <Show when=move || empty>
                                <section class="card empty">
                                    <p>"No workouts yet."</p>
                                    <a class="button primary" href="/">"Log your first workout"</a>
                                </section>
                            </Show>
                            <ol class="sessions" aria-label="Workouts, newest first">
                                {view.items.into_iter().map(|w| view! { <WorkoutCard workout=w unit=view.unit/> }).collect_view()}
                            </ol>
                            <nav class="pager" aria-label="Pages">
                                <Show when=move || before().is_some()>
                                    <a class="button" href="/history">"← Newest"</a>
                                </Show>
                                {next.map(|c| view! {
                                    <a class="button" rel="next" href=format!("/history?before={c}")>"Older →"</a>
                                })}
                            </nav>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// How long to keep looking for a workout that was just logged but is not stored yet.
const PENDING_POLLS: u32 = 30;

/// An island on History after logging: until the new workout is stored, say so, look again,
/// and reload the page once it is there.
#[island]
fn PendingNotice(id: String, revision: Option<u64>) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        if crate::client::wait_until_stored(&id, revision, PENDING_POLLS).await {
            if let Some(window) = web_sys::window() {
                let _ = window.location().reload();
            }
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (id, revision, PENDING_POLLS);
    view! {
        <p class="alert info" role="status" data-testid="pending">
            "Saving your workout… it will appear here in a moment."
        </p>
    }
}

pub fn clean_error(e: &ServerFnError) -> String {
    match e {
        ServerFnError::ServerError(m) => m.clone(),
        other => other.to_string(),
    }
}

#[component]
fn WorkoutCard(workout: WorkoutLogged, unit: Unit) -> impl IntoView {
    let when = format::when(&workout.performed_at);
    let stamp = workout.performed_at.to_rfc3339();
    let sets = workout.set_count();
    let volume = format::thousands(unit.from_kg(workout.volume_kg()));
    let symbol = unit.symbol();
    let id = workout.id.to_string();
    let summary = workout
        .exercises
        .iter()
        .map(|e| domain::catalog::display_name(&e.exercise))
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <li class="card session" data-id=id.clone() data-summary=summary>
            <header class="session-head">
                <time datetime=stamp>{when}</time>
                <span class="muted">{format!("{sets} set{} · {volume} {symbol}", if sets == 1 { "" } else { "s" })}</span>
            </header>
            <ul class="exercises">
                {workout.exercises.into_iter().map(|ex| {
                    let name = domain::catalog::display_name(&ex.exercise).to_owned();
                    let group = ex.group.map(|g| view! {
                        <span class="superset" title="Superset">{format!("Superset {}", crate::draft::group_letter(g))}</span>
                    });
                    view! {
                        <li class:in-superset=ex.group.is_some()>
                            <h2 class="exercise-name">{name}{group}</h2>
                            <ul class="sets">
                                {ex.sets.into_iter().map(|s| {
                                    let rpe = s.rpe.map(|r| format!(" @{}", format::number(r))).unwrap_or_default();
                                    let kind = (!s.kind.is_working()).then(|| crate::draft::kind_label(s.kind));
                                    view! {
                                        <li class="chip" class:warmup=s.kind == domain::SetKind::Warmup data-kind=s.kind.as_str()>
                                            {format!("{} × {}{}", unit.show(s.weight_kg), s.reps, rpe)}
                                            {kind.map(|k| view! { <span class="kind">{k}</span> })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                            {ex.notes.map(|n| view! { <p class="exercise-note">{n}</p> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {workout.notes.map(|n| view! { <p class="workout-note">{n}</p> })}
            <form class="session-actions delete-workout" method="post" action="/history/delete">
                <input type="hidden" name="id" value=id.clone()/>
                <a class="button small" href=format!("/?edit={id}") data-testid="edit">"Edit"</a>
                <button type="submit" class="button ghost small danger" data-testid="delete">"Delete"</button>
            </form>
        </li>
    }
}
