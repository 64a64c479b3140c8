//! Programs: the built-in programs and the user's own, each with what it is for, and a plain
//! form to start one (`POST /programs/activate`). Server HTML, no island: it works without
//! JavaScript.

use domain::catalog::{ExerciseInfo, Muscle};
use domain::units::{Equipment, Unit};
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DayCard {
    pub name: String,
    pub exercises: Vec<String>,
}

/// One program as the page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProgramCard {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub days_per_week: u32,
    /// Who a built-in program suits; none for the user's own.
    pub level: Option<String>,
    pub rules: Vec<String>,
    pub days: Vec<DayCard>,
    pub own: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Choices {
    pub active: String,
    pub programs: Vec<ProgramCard>,
    /// The user's own exercises (made by hand or by an import).
    pub exercises: Vec<ExerciseInfo>,
    pub unit: Unit,
}

/// Every program the user can run, built-in first, and the one running.
#[server(endpoint = "program_choices")]
pub async fn program_choices() -> Result<Choices, ServerFnError> {
    let ctx = crate::ssr::training()?;
    let user = crate::ssr::user_id()?;
    let profile = ctx.profile(&user).await.map_err(|e| {
        tracing::error!(error = %e, "programs unavailable");
        ServerFnError::new("your programs are unavailable right now; try again in a moment")
    })?;
    let catalog = profile.catalog();
    let own: Vec<String> = profile.programs.iter().map(|p| p.slug.clone()).collect();
    Ok(Choices {
        exercises: profile.exercises.clone(),
        unit: profile.gym.unit,
        active: profile.active().slug,
        programs: profile
            .all_programs()
            .into_iter()
            .map(|p| ProgramCard {
                level: domain::program::builtin_level(&p.slug).map(str::to_owned),
                rules: p.rules().into_iter().map(str::to_owned).collect(),
                days: p
                    .days
                    .iter()
                    .map(|d| DayCard {
                        name: d.name.clone(),
                        exercises: d
                            .slots
                            .iter()
                            .map(|s| catalog.name(&s.exercise).to_owned())
                            .collect(),
                    })
                    .collect(),
                own: own.contains(&p.slug),
                slug: p.slug,
                name: p.name,
                description: p.description,
                days_per_week: p.days_per_week,
            })
            .collect(),
    })
}

#[component]
pub fn ProgramsPage() -> impl IntoView {
    let choices = Resource::new(|| (), |()| program_choices());
    view! {
        <Title text="Programs"/>
        <div class="page-head">
            <h1>"Programs"</h1>
        </div>
        <p class="hint">"Your history stays whatever you run: the new program's plan starts from it."</p>
        <Suspense fallback=|| view! { <p class="muted">"Reading your programs…"</p> }>
            {move || Suspend::new(async move {
                match choices.await {
                    Err(e) => view! {
                        <p class="alert error" role="alert">{format!("Couldn't read your programs: {}", crate::history::clean_error(&e))}</p>
                    }.into_any(),
                    Ok(choices) => view! {
                        <ul class="programs">
                            {choices.programs.into_iter().map(|p| {
                                let active = p.slug == choices.active;
                                view! { <ProgramItem program=p active/> }
                            }).collect_view()}
                        </ul>
                        <OwnExercises exercises=choices.exercises unit=choices.unit/>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// "3× a week · 3 days · Beginner · linear progression, double progression".
pub fn facts(p: &ProgramCard) -> String {
    let days = match p.days.len() {
        1 => "1 day".to_owned(),
        n => format!("{n} days"),
    };
    let mut parts = vec![format!("{}× a week", p.days_per_week), days];
    parts.extend(p.level.clone());
    if p.own {
        parts.push("Yours".to_owned());
    }
    parts.push(p.rules.join(", "));
    parts.join(" · ")
}

#[component]
fn ProgramItem(program: ProgramCard, active: bool) -> impl IntoView {
    let facts = facts(&program);
    view! {
        <li class="card program" class:active=active id=format!("program-{}", program.slug) data-slug=program.slug.clone() data-testid="program">
            <div class="program-head">
                <h2>{program.name.clone()}</h2>
                {active.then(|| view! { <span class="badge" data-testid="running">"Running"</span> })}
            </div>
            <p class="program-facts">{facts}</p>
            {(!program.description.is_empty()).then(|| view! { <p>{program.description.clone()}</p> })}
            <details>
                <summary>"Days and exercises"</summary>
                <ul class="program-days">
                    {program.days.into_iter().map(|d| view! {
                        <li><strong>{d.name}</strong>": "{d.exercises.join(", ")}</li>
                    }).collect_view()}
                </ul>
            </details>
            <div class="actions">
                {(!active).then(|| view! {
                    <form method="post" action="/programs/activate">
                        <input type="hidden" name="slug" value=program.slug.clone()/>
                        <button type="submit" class="button primary" data-testid="start-program">"Start this program"</button>
                    </form>
                })}
                <form method="post" action="/programs/copy">
                    <input type="hidden" name="slug" value=program.slug.clone()/>
                    <button type="submit" class="button" data-testid="copy-program">"Copy"</button>
                </form>
                {program.own.then(|| view! {
                    <a class="button" href=format!("/programs/edit?slug={}", program.slug) data-testid="edit-program">"Edit"</a>
                })}
                {program.own.then(|| view! {
                    <form method="post" action="/programs/delete">
                        <input type="hidden" name="slug" value=program.slug.clone()/>
                        <button type="submit" class="button ghost" data-testid="delete-program">"Delete"</button>
                    </form>
                })}
            </div>
        </li>
    }
    .into_any()
}

const EQUIPMENT: [(Equipment, &str); 6] = [
    (Equipment::Barbell, "Barbell"),
    (Equipment::Dumbbell, "Dumbbell"),
    (Equipment::Cable, "Cable"),
    (Equipment::Machine, "Machine"),
    (Equipment::Bodyweight, "Bodyweight"),
    (Equipment::Kettlebell, "Kettlebell"),
];

/// The user's own exercises, each editable, and a form to add one: plain forms that post to
/// `POST /exercises/save`.
#[component]
fn OwnExercises(exercises: Vec<ExerciseInfo>, unit: Unit) -> impl IntoView {
    view! {
        <section class="card own-exercises" aria-labelledby="own-exercises-heading">
            <h2 id="own-exercises-heading">"Your exercises"</h2>
            <p class="hint">"Used by Log, the plans and Progress like the built-in ones. An import that met a name it did not know made one here and guessed its muscles: correct them."</p>
            <ul class="own-list">
                {exercises.into_iter().map(|e| {
                    let anchor = format!("exercise-{}", e.slug);
                    let name = e.name.clone();
                    let movers = format!(" · {}", e.primary.iter().map(|m| m.name()).collect::<Vec<_>>().join(", "));
                    view! {
                        <li id=anchor data-testid="own-exercise">
                            <details>
                                <summary><strong>{name}</strong><span class="muted">{movers}</span></summary>
                                <ExerciseForm exercise=Some(e) unit/>
                            </details>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <details class="add-exercise">
                <summary data-testid="add-exercise">"Add an exercise"</summary>
                <ExerciseForm exercise=None unit/>
            </details>
        </section>
    }
    .into_any()
}

#[component]
fn ExerciseForm(exercise: Option<ExerciseInfo>, unit: Unit) -> impl IntoView {
    let id = exercise
        .as_ref()
        .map_or("new".to_owned(), |e| e.slug.clone());
    let field = move |name: &str| format!("{name}-{id}");
    let slug = exercise
        .as_ref()
        .map(|e| e.slug.clone())
        .unwrap_or_default();
    let name = exercise
        .as_ref()
        .map(|e| e.name.clone())
        .unwrap_or_default();
    let equipment = exercise
        .as_ref()
        .map_or(Equipment::Machine, |e| e.equipment);
    let step = exercise
        .as_ref()
        .map_or(unit.from_kg(2.5), |e| unit.from_kg(e.increment_kg));
    let primary = exercise
        .as_ref()
        .map(|e| e.primary.clone())
        .unwrap_or_default();
    let secondary = exercise
        .as_ref()
        .map(|e| e.secondary.clone())
        .unwrap_or_default();
    let muscles = |list: &'static str, chosen: Vec<Muscle>| {
        Muscle::ALL
            .iter()
            .map(|m| {
                view! {
                    <label class="check">
                        <input type="checkbox" name=list value=m.name() checked=chosen.contains(m)/>
                        {m.name()}
                    </label>
                }
            })
            .collect_view()
    };
    view! {
        <form class="settings-form exercise-form" method="post" action="/exercises/save">
            <input type="hidden" name="slug" value=slug/>
            <input type="hidden" name="unit" value=unit.symbol()/>
            <label for=field("name")>"Name"</label>
            <input id=field("name") name="name" type="text" required maxlength="80" value=name/>
            <label for=field("equipment")>"Equipment"</label>
            <select id=field("equipment") name="equipment">
                {EQUIPMENT.iter().map(|(e, label)| {
                    let value = serde_json::to_value(e).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
                    view! { <option value=value selected=*e == equipment>{*label}</option> }
                }).collect_view()}
            </select>
            <label for=field("step")>{format!("Load step ({})", unit.symbol())}</label>
            <input id=field("step") name="step" type="number" step="any" min="0" required value=domain::units::trim(step)/>
            <fieldset class="muscles">
                <legend>"Primary muscles"</legend>
                {muscles("primary", primary)}
            </fieldset>
            <fieldset class="muscles">
                <legend>"Secondary muscles"</legend>
                {muscles("secondary", secondary)}
            </fieldset>
            <button type="submit" class="button primary" data-testid="save-exercise">"Save exercise"</button>
        </form>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_say_how_often_how_many_days_who_for_and_which_rules() {
        let card = ProgramCard {
            slug: "gzclp".into(),
            name: "GZCLP".into(),
            description: String::new(),
            days_per_week: 3,
            level: Some("Beginner".into()),
            rules: vec!["GZCLP tiers".into()],
            days: vec![
                DayCard {
                    name: "A1".into(),
                    exercises: vec![],
                };
                4
            ],
            own: false,
        };
        assert_eq!(facts(&card), "3× a week · 4 days · Beginner · GZCLP tiers");
        let mine = ProgramCard {
            level: None,
            own: true,
            days: vec![card.days[0].clone()],
            ..card
        };
        assert_eq!(facts(&mine), "3× a week · 1 day · Yours · GZCLP tiers");
    }
}
