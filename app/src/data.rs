//! Your data: export everything (JSON or CSV, plain links that work without JavaScript) and
//! import a Strong, Hevy or Ironlog CSV export with live progress and a summary.

use domain::import::Summary;
use domain::units::{trim, Gym, Unit};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Import {
    Idle,
    Reading,
    /// Sessions handled of those in the file.
    Sending(usize, usize),
    Done(Summary),
    Failed(String),
}

/// The user's unit and equipment, for the settings form.
#[server(endpoint = "gym_settings")]
pub async fn gym_settings() -> Result<Gym, ServerFnError> {
    let ctx = crate::ssr::training()?;
    let user = crate::ssr::user_id()?;
    ctx.profile(&user).await.map(|p| p.gym).map_err(|e| {
        tracing::error!(error = %e, "reading the profile failed");
        ServerFnError::new("your settings are unavailable right now; try again in a moment")
    })
}

#[component]
pub fn DataPage() -> impl IntoView {
    let gym = Resource::new(|| (), |()| gym_settings());
    let query = use_query_map();
    let saved = move || query.read().get("saved").is_some_and(|s| s == "settings");
    view! {
        <Title text="Your data"/>
        <div class="page-head"><h1>"Your data"</h1></div>

        <section class="card">
            <h2>"Units and equipment"</h2>
            <p class="muted">"Weights are shown and typed in your unit; plans round to the loads your equipment makes."</p>
            <Show when=saved>
                <p class="alert info" role="status" data-testid="settings-saved">"Settings saved."</p>
            </Show>
            <Suspense fallback=|| view! { <p class="muted">"Reading your settings…"</p> }>
                {move || Suspend::new(async move {
                    match gym.await {
                        Ok(gym) => view! { <GymForm gym/> }.into_any(),
                        Err(e) => view! {
                            <p class="alert error" role="alert">{format!("Couldn't read your settings: {}", crate::history::clean_error(&e))}</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>

        <section class="card">
            <h2>"Import"</h2>
            <p class="muted">
                "Bring your history from Strong or Hevy (Settings → Export data, a CSV file), or an Ironlog CSV export. "
                "Importing the same file again adds nothing twice."
            </p>
            <noscript>
                <p class="alert info">"Without JavaScript the file is sent as a plain upload: no progress bar, and times in the file are read as UTC."</p>
            </noscript>
            <ImportForm/>
        </section>

        <section class="card">
            <h2>"Export"</h2>
            <p class="muted">"Everything you logged, and your settings, exercises and programs."</p>
            <div class="export-links">
                <a class="button" href="/api/v1/export?format=json" download data-testid="export-json">"Download JSON"</a>
                <a class="button" href="/api/v1/export?format=csv" download data-testid="export-csv">"Download CSV"</a>
            </div>
        </section>

        <DeleteAccount/>
    }
}

/// A plain form (no Wasm): `POST /account/delete` checks the password and deletes the account,
/// or comes back here with `delete_error`. The export is offered in the same place first.
#[component]
fn DeleteAccount() -> impl IntoView {
    let query = use_query_map();
    let error = move || {
        query.read().get("delete_error").map(|code| match code.as_str() {
            "credentials" => "That password is not right; nothing was deleted.",
            "proxy" => "Your account is managed by your organisation's sign-in: ask them to remove it.",
            _ => "Accounts can't be reached right now; nothing was deleted. Try again in a moment.",
        })
    };
    view! {
        <section class="card danger-zone" id="delete-account" aria-labelledby="delete-account-title">
            <h2 id="delete-account-title">"Delete your account"</h2>
            <p>
                "This deletes your account, your settings, programs and every workout, on every device, for good. "
                "Download your data first if you want to keep it: "
                <a href="/api/v1/export?format=json" download>"JSON"</a>" or "
                <a href="/api/v1/export?format=csv" download>"CSV"</a>"."
            </p>
            {move || error().map(|text| view! {
                <p class="alert error" role="alert" data-testid="delete-error">{text}</p>
            })}
            <form class="settings-form" method="post" action="/account/delete">
                <label for="delete-password">"Your password, to confirm"</label>
                <input id="delete-password" name="password" type="password" required autocomplete="current-password"/>
                <button type="submit" class="button danger" data-testid="delete-account">"Delete my account"</button>
            </form>
        </section>
    }
}

/// A plain form (no Wasm): `POST /settings` checks and saves it, then comes back here.
#[component]
fn GymForm(gym: Gym) -> impl IntoView {
    let field = |id: &'static str, label: &'static str, value: f64| {
        view! {
            <label for=id>{format!("{label} ({})", gym.unit.symbol())}</label>
            <input id=id name=id type="text" inputmode="decimal" required value=trim(value)/>
        }
    };
    view! {
        <form class="settings-form" method="post" action="/settings">
            <label for="unit">"Unit"</label>
            <select id="unit" name="unit">
                <option value="kg" selected=gym.unit == Unit::Kg>"Kilograms (kg)"</option>
                <option value="lb" selected=gym.unit == Unit::Lb>"Pounds (lb)"</option>
            </select>
            {field("bar", "Bar", gym.bar)}
            {field("smallest_plate", "Smallest plate", gym.smallest_plate)}
            {field("dumbbell_step", "Dumbbell step", gym.dumbbell_step)}
            {field("machine_step", "Machine step", gym.machine_step)}
            <label for="plates">{format!("Plates you have ({}, size × pairs)", gym.unit.symbol())}</label>
            <input id="plates" name="plates" type="text" value=domain::units::format_plates(&gym.plate_pairs())/>
            <p class="hint">"Today and the Log form show the plates a side of every barbell set from these and your bar."</p>
            <p class="hint">"Switching the unit with the default equipment switches to that unit's defaults."</p>
            <button type="submit" class="button primary">"Save settings"</button>
        </form>
    }
}

/// A lazy island: the import's code loads when the page is visited.
#[island(lazy)]
fn ImportForm() -> impl IntoView {
    let state = RwSignal::new(Import::Idle);
    let format = RwSignal::new("auto".to_owned());
    let unit = RwSignal::new(String::new());
    let file_input = NodeRef::<leptos::html::Input>::new();
    // This island's code arrives after the page (lazy): say when it has taken over the form
    // (for tests; until then the form is a plain upload).
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let busy = matches!(state.get_untracked(), Import::Reading | Import::Sending(..));
        #[cfg(feature = "hydrate")]
        if !busy {
            let Some(file) = file_input
                .get_untracked()
                .and_then(|input| input.files())
                .and_then(|files| files.get(0))
            else {
                state.set(Import::Failed("Choose a CSV file first.".into()));
                return;
            };
            let query = import_query(&format.get_untracked(), &unit.get_untracked());
            state.set(Import::Reading);
            leptos::task::spawn_local(async move {
                let outcome = crate::client::import_file(file, &query, move |done, total| {
                    state.set(Import::Sending(done, total))
                })
                .await;
                state.set(match outcome {
                    Ok(summary) => Import::Done(summary),
                    Err(message) => Import::Failed(message),
                });
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (busy, format, unit, file_input);
    };

    view! {
            // A real upload form: before this island's code has loaded, or without JavaScript,
            // it posts to `/import` and the server answers with the summary as a page.
            <form class="import-form" method="post" action="/import" enctype="multipart/form-data"
                on:submit=on_submit data-ready=move || ready.get().to_string()>
                <label for="import-file">"Export file (.csv)"</label>
                <input id="import-file" name="file" type="file" accept=".csv,text/csv" node_ref=file_input data-testid="import-file"/>
                <div class="import-options">
                    <label>"Format"
                        <select name="format" on:change=move |ev| format.set(event_target_value(&ev)) prop:value=move || format.get()>
                            <option value="auto">"Detect"</option>
                            <option value="strong">"Strong"</option>
                            <option value="hevy">"Hevy"</option>
                            <option value="ironlog">"Ironlog"</option>
                        </select>
                    </label>
                    <label>"Weights without a unit are in"
                        <select name="unit" on:change=move |ev| unit.set(event_target_value(&ev)) prop:value=move || unit.get()>
                            <option value="">"my unit"</option>
                            <option value="kg">"kg"</option>
                            <option value="lb">"lb"</option>
                        </select>
                    </label>
                </div>
                <button type="submit" class="button primary" data-testid="import"
                    disabled=move || matches!(state.get(), Import::Reading | Import::Sending(..))>"Import"</button>
            </form>
            {move || match state.get() {
                Import::Idle => ().into_any(),
                Import::Reading => view! { <p role="status">"Reading the file…"</p> }.into_any(),
                Import::Sending(done, total) => view! {
                    <div role="status" class="import-progress">
                        <progress max=total.max(1) value=done></progress>
                        <span>{format!("{done} of {total} sessions")}</span>
                    </div>
                }.into_any(),
                Import::Failed(message) => view! { <p class="alert error" role="alert">{message}</p> }.into_any(),
                Import::Done(summary) => view! { <SummaryView summary/> }.into_any(),
            }}

    }
}

/// The import's query string: the chosen format and unit, and this device's offset from UTC
/// for files that carry local times.
#[cfg(feature = "hydrate")]
fn import_query(format: &str, unit: &str) -> String {
    // getTimezoneOffset is UTC minus local, in minutes.
    let minutes = -(js_sys::Date::new_0().get_timezone_offset() as i32);
    let sign = if minutes < 0 { "-" } else { "%2B" };
    let offset = format!("{sign}{:02}:{:02}", minutes.abs() / 60, minutes.abs() % 60);
    let mut query = format!("?format={format}&utc_offset={offset}");
    if !unit.is_empty() {
        query.push_str(&format!("&unit={unit}"));
    }
    query
}

#[component]
fn SummaryView(summary: Summary) -> impl IntoView {
    let tone = if summary.failed > 0 {
        "alert error"
    } else {
        "alert info"
    };
    let rejections = summary.rejection_lines();
    view! {
        <div class="import-summary" role="status" data-testid="import-summary">
            <p class=tone>{summary.message()}</p>
            <ul class="summary-facts">
                {summary.facts().into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}
            </ul>
            {(!rejections.is_empty()).then(|| view! {
                <details open=summary.rejected_total <= 10>
                    <summary>{format!("{} rejected rows", summary.rejected_total)}</summary>
                    <ul class="rejections" data-testid="rejections">
                        {rejections.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}
                    </ul>
                </details>
            })}
        </div>
    }
}
