//! The editor's fields for one day and its exercises, each with its problems beside it.

use std::sync::Arc;

use domain::program_form::{Action, DayForm, SlotForm, KINDS};
use leptos::prelude::*;

use super::Problems;

/// The problems of `field`, as the line shown under it.
pub fn problem_at(problems: &Problems, field: &str) -> Option<AnyView> {
    problems.get(field).map(|messages| {
        view! {
            <p class="field-problem" data-field=field.to_owned() data-testid="field-problem">
                {messages.join("; ")}
            </p>
        }
        .into_any()
    })
}

/// `days[0].slots[1].progression.sets` as a lifter reads it: "Day 1, exercise 2, sets:".
pub fn label_of(field: &str) -> String {
    let mut out = Vec::new();
    let mut rest = field;
    if let Some(after) = rest.strip_prefix("days[") {
        if let Some((i, tail)) = after.split_once(']') {
            out.push(format!("Day {}", i.parse::<usize>().map_or(0, |i| i + 1)));
            rest = tail.trim_start_matches('.');
        }
    }
    if let Some(after) = rest.strip_prefix("slots[") {
        if let Some((j, tail)) = after.split_once(']') {
            out.push(format!(
                "exercise {}",
                j.parse::<usize>().map_or(0, |j| j + 1)
            ));
            rest = tail.trim_start_matches('.');
        }
    }
    let name = rest.trim_start_matches("progression.");
    let name = match name {
        "kind" => "rule",
        "min_reps" => "rep range",
        "deload_after" | "deload_percent" => "deload",
        "increment_kg" => "load step",
        "training_max_percent" => "training max",
        "group" => "superset",
        "days_per_week" => "sessions a week",
        "slots" => "exercises",
        other => other,
    };
    if !name.is_empty() {
        out.push(name.replace('_', " "));
    }
    let mut text = out.join(", ");
    if let Some(first) = text.get(..1) {
        text = first.to_uppercase() + &text[1..];
    }
    text + ":"
}

/// An action button: posts the form to the editor, which applies it and renders it again.
fn change_button(
    action: Action,
    label: String,
    text: &'static str,
    testid: &'static str,
) -> impl IntoView {
    view! {
        <button type="submit" formaction="/programs/edit" name="action"
            value=action.encode() class="button ghost small" aria-label=label data-testid=testid>{text}</button>
    }
}

#[component]
pub fn DayFields(i: usize, day: DayForm, days: usize, problems: Arc<Problems>) -> impl IntoView {
    let name = format!("days[{i}].name");
    let id = format!("day-{i}-name");
    let slots = day.slots.len();
    let at = {
        let problems = problems.clone();
        move |f: &str| problem_at(&problems, f)
    };
    view! {
        <fieldset class="card editor-day" data-testid="editor-day">
            <legend>{format!("Day {}", i + 1)}</legend>
            <label for=id.clone()>"Day name"</label>
            <input id=id name=name.clone() type="text" maxlength="80" value=day.name
                aria-invalid=at(&name).is_some().then_some("true")/>
            {at(&name)}
            {at(&format!("days[{i}].slots"))}
            <ol class="editor-slots">
                {day.slots.into_iter().enumerate().map(|(j, slot)| {
                    view! { <SlotFields i j fields=slot slots problems=problems.clone()/> }
                }).collect_view()}
            </ol>
            <div class="actions">
                {change_button(Action::AddSlot(i), format!("Add an exercise to day {}", i + 1), "Add an exercise", "add-slot")}
                {(i > 0).then(|| change_button(Action::DayUp(i), format!("Move day {} earlier", i + 1), "Day ↑", "day-up"))}
                {(i + 1 < days).then(|| change_button(Action::DayDown(i), format!("Move day {} later", i + 1), "Day ↓", "day-down"))}
                {(days > 1).then(|| change_button(Action::RemoveDay(i), format!("Remove day {}", i + 1), "Remove day", "remove-day"))}
            </div>
        </fieldset>
    }
    .into_any()
}

/// A number field of a rule; `rules` are the rule kinds it belongs to (CSS shows it only
/// under those).
#[allow(clippy::too_many_arguments)]
fn param(
    prefix: &str,
    field: &'static str,
    label: &'static str,
    value: String,
    rules: &'static str,
    step: &'static str,
    problems: &Problems,
) -> impl IntoView {
    let name = format!("{prefix}.{field}");
    let id = name.replace(['[', ']', '.'], "-");
    let problem = problem_at(problems, &name);
    view! {
        <div class=format!("param {rules}")>
            <label for=id.clone()>{label}</label>
            <input id=id name=name type="number" inputmode="decimal" step=step value=value
                aria-invalid=problem.is_some().then_some("true")/>
            {problem}
        </div>
    }
}

#[component]
fn SlotFields(
    i: usize,
    j: usize,
    fields: SlotForm,
    slots: usize,
    problems: Arc<Problems>,
) -> impl IntoView {
    let at = format!("days[{i}].slots[{j}]");
    let p = format!("{at}.progression");
    let exercise_name = format!("{at}.exercise");
    let exercise_id = format!("day-{i}-slot-{j}-exercise");
    let kind_name = format!("{p}.kind");
    let kind_id = format!("day-{i}-slot-{j}-kind");
    let group_name = format!("{at}.group");
    let group_id = format!("day-{i}-slot-{j}-group");
    let slot = fields;
    let exercise_slug = slot.exercise.clone();
    let kind = slot.kind.clone();
    let exercise_problem = problem_at(&problems, &exercise_name);
    view! {
        <li class="editor-slot" data-testid="editor-slot" data-exercise=exercise_slug>
            <div class="slot-head">
                <div class="slot-field">
                    <label for=exercise_id.clone()>{format!("Exercise {}", j + 1)}</label>
                    <input id=exercise_id name=exercise_name type="text" list="exercise-choices" autocomplete="off"
                        placeholder="Search exercises" value=slot.exercise aria-invalid=exercise_problem.is_some().then_some("true")/>
                    {exercise_problem}
                </div>
                <div class="slot-field">
                    <label for=kind_id.clone()>"Progression rule"</label>
                    <select id=kind_id name=kind_name.clone() class="rule">
                        {KINDS.iter().map(|(value, label)| view! {
                            <option value=*value selected=*value == kind>{*label}</option>
                        }).collect_view()}
                    </select>
                    {problem_at(&problems, &kind_name)}
                </div>
            </div>
            <div class="params">
                {param(&p, "sets", "Sets", slot.sets, "linear double rpe", "1", &problems)}
                {param(&p, "reps", "Reps", slot.reps, "linear rpe", "1", &problems)}
                {param(&p, "min_reps", "Reps from", slot.min_reps, "double", "1", &problems)}
                {param(&p, "max_reps", "Reps to", slot.max_reps, "double", "1", &problems)}
                {param(&p, "rpe", "Target RPE", slot.rpe, "rpe", "0.5", &problems)}
                {param(&p, "tier", "GZCLP tier (1–3)", slot.tier, "gzclp", "1", &problems)}
                {param(&p, "training_max_percent", "Training max, % of 1RM", slot.training_max_percent, "five_three_one", "any", &problems)}
                {param(&p, "deload_after", "Deload after misses", slot.deload_after, "linear double", "1", &problems)}
                {param(&p, "deload_percent", "Deload by %", slot.deload_percent, "linear double", "any", &problems)}
                {param(&at, "increment_kg", "Load step, kg", slot.increment_kg, "linear double rpe gzclp five_three_one", "any", &problems)}
                <div class="param linear double rpe gzclp five_three_one">
                    <label for=group_id.clone()>"Superset (A–Z)"</label>
                    <input id=group_id name=group_name.clone() type="text" maxlength="1" value=slot.group/>
                    {problem_at(&problems, &group_name)}
                </div>
            </div>
            <div class="actions slot-actions">
                {(j > 0).then(|| change_button(Action::SlotUp(i, j), format!("Move exercise {} of day {} up", j + 1, i + 1), "↑", "slot-up"))}
                {(j + 1 < slots).then(|| change_button(Action::SlotDown(i, j), format!("Move exercise {} of day {} down", j + 1, i + 1), "↓", "slot-down"))}
                {change_button(Action::RemoveSlot(i, j), format!("Remove exercise {} of day {}", j + 1, i + 1), "Remove", "remove-slot")}
            </div>
        </li>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_labelled_as_a_lifter_reads_them() {
        assert_eq!(
            label_of("days[0].slots[1].progression.min_reps"),
            "Day 1, exercise 2, rep range:"
        );
        assert_eq!(label_of("days_per_week"), "Sessions a week:");
        assert_eq!(label_of("days[2].name"), "Day 3, name:");
    }
}
