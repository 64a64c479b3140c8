//! The program editor (`/programs/edit?slug=…`): one of the user's own programs as a plain
//! form, with the next four weeks beside it (the [`preview`] island).
//!
//! The form works without JavaScript. Saving posts to `POST /programs/save`, which saves a
//! valid program or renders this page again from the values sent, with `check` (the problems
//! shown at their fields). Adding, removing and moving days and exercises are buttons that
//! post the form to `POST /programs/edit` with an `action`: the page is rendered from the
//! values sent with the change applied, so nothing is saved until Save. The server provides
//! the values sent as a [`Draft`] (`server/src/forms/editor.rs`); a GET has only the slug.

mod fields;
mod preview;

use std::collections::BTreeMap;

use domain::catalog::{Catalog, ExerciseInfo};
use domain::program::Program;
use domain::program_form::{Action, ProgramForm};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use fields::DayFields;
use preview::Preview;

/// What the editor needs from the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EditorData {
    /// The user's own program of that slug, if there is one.
    pub program: Option<Program>,
    /// Whether the slug names a built-in program (which is copied, not edited).
    pub built_in: bool,
    /// The user's own exercises, offered beside the catalog's.
    pub exercises: Vec<ExerciseInfo>,
}

#[server(endpoint = "program_editor")]
pub async fn program_editor(#[server(default)] slug: String) -> Result<EditorData, ServerFnError> {
    let ctx = crate::ssr::training()?;
    let user = crate::ssr::user_id()?;
    let profile = ctx.profile(&user).await.map_err(|e| {
        tracing::error!(error = %e, "program editor unavailable");
        ServerFnError::new("your programs are unavailable right now; try again in a moment")
    })?;
    Ok(EditorData {
        program: profile.programs.iter().find(|p| p.slug == slug).cloned(),
        built_in: domain::program::builtin_program(&slug).is_some(),
        exercises: profile.exercises,
    })
}

/// The editor's form as posted to the server (its buttons, a refused save), which the page is
/// rendered from instead of the saved program: provided as context by the server's handlers.
#[derive(Clone, Debug, Default)]
pub struct Draft(pub Vec<(String, String)>);

/// Each field's problems, by the field's name.
pub type Problems = BTreeMap<String, Vec<String>>;

#[component]
pub fn EditorPage() -> impl IntoView {
    let sent: Vec<(String, String)> = match use_context::<Draft>() {
        Some(Draft(sent)) => sent,
        None => use_query_map().with_untracked(|q| {
            q.latest_values()
                .filter(|(k, _)| *k == "slug")
                .map(|(k, v)| (k.to_string(), v.to_owned()))
                .collect()
        }),
    };
    let slug = sent
        .iter()
        .find(|(k, _)| k == "slug")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let data = Resource::new(move || slug.clone(), program_editor);
    view! {
        <Title text="Edit program"/>
        <Suspense fallback=|| view! { <p class="muted">"Reading your program…"</p> }>
            {move || {
                let sent = sent.clone();
                Suspend::new(async move {
                    match data.await {
                        Err(e) => view! {
                            <p class="alert error" role="alert">{format!("Couldn't read your program: {}", crate::history::clean_error(&e))}</p>
                        }.into_any(),
                        Ok(EditorData { program: Some(program), exercises, .. }) => {
                            view! { <Editor program exercises sent/> }.into_any()
                        }
                        Ok(EditorData { program: None, built_in, .. }) => view! {
                            <div class="page-head"><h1>"Edit program"</h1></div>
                            <p class="alert info" role="status" data-testid="not-editable">
                                {if built_in {
                                    "Built-in programs stay as they are: copy one on Programs to make it yours, then edit the copy."
                                } else {
                                    "You have no program of that name. Pick one on Programs."
                                }}
                            </p>
                            <p><a class="button" href="/programs">"Back to Programs"</a></p>
                        }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// The form to show: the values sent (a re-render) or the saved program, with the button's
/// change applied, and the problems when a save was refused.
fn draft(
    program: &Program,
    catalog: &Catalog,
    sent: &[(String, String)],
) -> (ProgramForm, Problems) {
    let value = |name: &str| {
        sent.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let mut form = if value("name").is_some() {
        let mut form = ProgramForm::from_pairs(sent.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        // The slug is the address's: a form cannot rename another program into this one.
        form.slug = program.slug.clone();
        form
    } else {
        ProgramForm::from_program(program)
    };
    if let Some(action) = value("action").and_then(Action::decode) {
        form.apply(action);
    }
    let mut problems = Problems::new();
    if value("check").is_some() {
        for p in form.to_program(catalog).err().unwrap_or_default() {
            problems.entry(p.field).or_default().push(p.message);
        }
    }
    (form, problems)
}

#[component]
fn Editor(
    program: Program,
    exercises: Vec<ExerciseInfo>,
    sent: Vec<(String, String)>,
) -> impl IntoView {
    let catalog = Catalog::with_custom(exercises);
    let (form, problems) = draft(&program, &catalog, &sent);
    let choices: Vec<(String, String)> = catalog
        .all()
        .into_iter()
        .map(|e| (e.slug, e.name))
        .collect();
    let summary = (!problems.is_empty()).then(|| {
        view! {
            <div class="alert error" role="alert" data-testid="editor-problems">
                <p>"Not saved: fix the fields marked below."</p>
                <ul>
                    {problems.iter().flat_map(|(field, messages)| {
                        messages.iter().map(move |m| view! { <li>{fields::label_of(field)}" "{m.clone()}</li> })
                    }).collect_view()}
                </ul>
            </div>
        }
    });
    let problems = std::sync::Arc::new(problems);
    let at = {
        let problems = problems.clone();
        move |field: &str| fields::problem_at(&problems, field)
    };
    let days = form.days.len();
    view! {
        <div class="page-head">
            <div>
                <p class="eyebrow"><a href="/programs">"Programs"</a></p>
                <h1>{format!("Edit {}", program.name)}</h1>
            </div>
        </div>
        {summary}
        // On a phone the preview comes after the form: a way there.
        <p class="to-preview"><a href="#preview-heading">"See the next four weeks"</a></p>
        <div class="editor-layout">
            <form id="program-editor" class="editor" method="post" action="/programs/save" novalidate>
                // Enter in a field saves, as the first submit button of a form is the default.
                <button type="submit" class="sr-only" tabindex="-1" aria-hidden="true">"Save"</button>
                <input type="hidden" name="slug" value=form.slug.clone()/>
                <section class="card editor-basics">
                    <label for="program-name">"Name"</label>
                    <input id="program-name" name="name" type="text" maxlength="80" value=form.name.clone()
                        aria-invalid=at("name").is_some().then_some("true")/>
                    {at("name")}
                    <label for="program-description">"What it is for"</label>
                    <textarea id="program-description" name="description" rows="2" maxlength="2000">{form.description.clone()}</textarea>
                    {at("description")}
                    <label for="program-days-per-week">"Sessions a week"</label>
                    <input id="program-days-per-week" name="days_per_week" type="number" inputmode="numeric" min="1" max="7"
                        value=form.days_per_week.clone() aria-invalid=at("days_per_week").is_some().then_some("true")/>
                    {at("days_per_week")}
                    {at("days")}
                </section>
                {form.days.into_iter().enumerate().map(|(i, day)| {
                    view! { <DayFields i day days problems=problems.clone()/> }
                }).collect_view()}
                <div class="actions editor-actions">
                    <button type="submit" formaction="/programs/edit" name="action"
                        value=Action::AddDay.encode() class="button" data-testid="add-day">"Add a day"</button>
                    <button type="submit" class="button primary" data-testid="save-program">"Save program"</button>
                    <a class="button ghost" href="/programs">"Cancel"</a>
                </div>
                <datalist id="exercise-choices">
                    {choices.into_iter().map(|(slug, name)| view! { <option value=slug label=name/> }).collect_view()}
                </datalist>
            </form>
            <Preview/>
        </div>
    }
    .into_any()
}
