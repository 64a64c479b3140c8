//! A program as the editor's HTML form holds it: every value as typed, named as the API's
//! validation names the field (`days[0].slots[1].progression.sets`), so a problem is shown at
//! its field whether it comes from parsing a number or from [`Program::problems`]. The same
//! code reads the form on the server (the plain form's post and its re-renders) and in the
//! browser (the preview), so both judge a form alike.

use std::collections::BTreeMap;

use crate::catalog::Catalog;
use crate::program::{Day, Program, Progression, Slot, MAX_DAYS, MAX_SLOTS};
use crate::Problem;

/// The rule kinds as the form's select sends them (the API's `progression.kind`).
pub const KINDS: [(&str, &str); 5] = [
    ("linear", "Linear: more weight each time"),
    ("double", "Double: reps, then weight"),
    ("rpe", "RPE: a target effort"),
    ("gzclp", "GZCLP tiers"),
    ("five_three_one", "5/3/1 waves"),
];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProgramForm {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub days_per_week: String,
    pub days: Vec<DayForm>,
    /// The form as sent named a day or exercise past what a program may hold. Those are not
    /// kept (so the page rendered back is bounded by the maximum, whatever was sent), and the
    /// form is refused for it rather than saved without them.
    pub beyond_the_maximum: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DayForm {
    pub name: String,
    pub slots: Vec<SlotForm>,
}

/// One exercise of a day. Every rule's parameters are kept, whichever rule is chosen, so
/// switching rules back and forth loses nothing typed.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotForm {
    pub exercise: String,
    pub kind: String,
    pub sets: String,
    pub reps: String,
    pub min_reps: String,
    pub max_reps: String,
    pub deload_after: String,
    pub deload_percent: String,
    pub rpe: String,
    pub tier: String,
    pub training_max_percent: String,
    pub increment_kg: String,
    /// The superset's letter, or empty.
    pub group: String,
}

impl Default for SlotForm {
    fn default() -> Self {
        Self {
            exercise: String::new(),
            kind: "linear".into(),
            sets: "3".into(),
            reps: "5".into(),
            min_reps: "8".into(),
            max_reps: "12".into(),
            deload_after: "3".into(),
            deload_percent: "10".into(),
            rpe: "8".into(),
            tier: "1".into(),
            training_max_percent: "90".into(),
            increment_kg: String::new(),
            group: String::new(),
        }
    }
}

/// The slot fields, as named after `days[i].slots[j].`.
const SLOT_FIELDS: [&str; 13] = [
    "exercise",
    "progression.kind",
    "progression.sets",
    "progression.reps",
    "progression.min_reps",
    "progression.max_reps",
    "progression.deload_after",
    "progression.deload_percent",
    "progression.rpe",
    "progression.tier",
    "progression.training_max_percent",
    "increment_kg",
    "group",
];

impl SlotForm {
    fn field_mut(&mut self, name: &str) -> Option<&mut String> {
        Some(match name {
            "exercise" => &mut self.exercise,
            "progression.kind" => &mut self.kind,
            "progression.sets" => &mut self.sets,
            "progression.reps" => &mut self.reps,
            "progression.min_reps" => &mut self.min_reps,
            "progression.max_reps" => &mut self.max_reps,
            "progression.deload_after" => &mut self.deload_after,
            "progression.deload_percent" => &mut self.deload_percent,
            "progression.rpe" => &mut self.rpe,
            "progression.tier" => &mut self.tier,
            "progression.training_max_percent" => &mut self.training_max_percent,
            "increment_kg" => &mut self.increment_kg,
            "group" => &mut self.group,
            _ => return None,
        })
    }

    fn fields(&self) -> [(&'static str, &str); 13] {
        [
            (SLOT_FIELDS[0], &self.exercise),
            (SLOT_FIELDS[1], &self.kind),
            (SLOT_FIELDS[2], &self.sets),
            (SLOT_FIELDS[3], &self.reps),
            (SLOT_FIELDS[4], &self.min_reps),
            (SLOT_FIELDS[5], &self.max_reps),
            (SLOT_FIELDS[6], &self.deload_after),
            (SLOT_FIELDS[7], &self.deload_percent),
            (SLOT_FIELDS[8], &self.rpe),
            (SLOT_FIELDS[9], &self.tier),
            (SLOT_FIELDS[10], &self.training_max_percent),
            (SLOT_FIELDS[11], &self.increment_kg),
            (SLOT_FIELDS[12], &self.group),
        ]
    }

    fn from_slot(slot: &Slot) -> Self {
        let mut form = SlotForm {
            exercise: slot.exercise.clone(),
            increment_kg: slot.increment_kg.map(|k| k.to_string()).unwrap_or_default(),
            group: slot.group.map(group_letter).unwrap_or_default(),
            ..SlotForm::default()
        };
        match slot.progression {
            Progression::Linear {
                sets,
                reps,
                deload_after,
                deload_percent,
            } => {
                form.kind = "linear".into();
                form.sets = sets.to_string();
                form.reps = reps.to_string();
                form.deload_after = deload_after.to_string();
                form.deload_percent = deload_percent.to_string();
            }
            Progression::Double {
                sets,
                min_reps,
                max_reps,
                deload_after,
                deload_percent,
            } => {
                form.kind = "double".into();
                form.sets = sets.to_string();
                form.min_reps = min_reps.to_string();
                form.max_reps = max_reps.to_string();
                form.deload_after = deload_after.to_string();
                form.deload_percent = deload_percent.to_string();
            }
            Progression::Rpe { sets, reps, rpe } => {
                form.kind = "rpe".into();
                form.sets = sets.to_string();
                form.reps = reps.to_string();
                form.rpe = rpe.to_string();
            }
            Progression::Gzclp { tier } => {
                form.kind = "gzclp".into();
                form.tier = tier.to_string();
            }
            Progression::FiveThreeOne {
                training_max_percent,
            } => {
                form.kind = "five_three_one".into();
                form.training_max_percent = training_max_percent.to_string();
            }
        }
        form
    }

    fn to_slot(&self, at: &str, out: &mut Vec<Problem>) -> Option<Slot> {
        let before = out.len();
        let p = format!("{at}.progression");
        let mut whole = |value: &str, field: &str| -> u32 {
            value.trim().parse::<u32>().unwrap_or_else(|_| {
                out.push(Problem::new(
                    format!("{p}.{field}"),
                    "must be a whole number",
                ));
                0
            })
        };
        let progression = match self.kind.as_str() {
            "linear" => Progression::Linear {
                sets: whole(&self.sets, "sets"),
                reps: whole(&self.reps, "reps"),
                deload_after: whole(&self.deload_after, "deload_after"),
                deload_percent: 0.0,
            },
            "double" => Progression::Double {
                sets: whole(&self.sets, "sets"),
                min_reps: whole(&self.min_reps, "min_reps"),
                max_reps: whole(&self.max_reps, "max_reps"),
                deload_after: whole(&self.deload_after, "deload_after"),
                deload_percent: 0.0,
            },
            "rpe" => Progression::Rpe {
                sets: whole(&self.sets, "sets"),
                reps: whole(&self.reps, "reps"),
                rpe: 0.0,
            },
            "gzclp" => Progression::Gzclp {
                tier: u8::try_from(whole(&self.tier, "tier")).unwrap_or(0),
            },
            "five_three_one" => Progression::five_three_one(),
            _ => {
                out.push(Problem::new(
                    format!("{p}.kind"),
                    "is not a rule Ironlog knows",
                ));
                Progression::five_three_one()
            }
        };
        let mut decimal = |value: &str, field: String| -> Option<f64> {
            match value.trim().parse::<f64>() {
                Ok(v) if v.is_finite() => Some(v),
                _ => {
                    out.push(Problem::new(field, "must be a number"));
                    None
                }
            }
        };
        let progression = match progression {
            Progression::Linear {
                sets,
                reps,
                deload_after,
                ..
            } => Progression::Linear {
                sets,
                reps,
                deload_after,
                deload_percent: decimal(&self.deload_percent, format!("{p}.deload_percent"))
                    .unwrap_or(0.0),
            },
            Progression::Double {
                sets,
                min_reps,
                max_reps,
                deload_after,
                ..
            } => Progression::Double {
                sets,
                min_reps,
                max_reps,
                deload_after,
                deload_percent: decimal(&self.deload_percent, format!("{p}.deload_percent"))
                    .unwrap_or(0.0),
            },
            Progression::Rpe { sets, reps, .. } => Progression::Rpe {
                sets,
                reps,
                rpe: decimal(&self.rpe, format!("{p}.rpe")).unwrap_or(0.0),
            },
            Progression::FiveThreeOne { .. } => Progression::FiveThreeOne {
                training_max_percent: decimal(
                    &self.training_max_percent,
                    format!("{p}.training_max_percent"),
                )
                .unwrap_or(0.0),
            },
            other => other,
        };
        let increment_kg = match self.increment_kg.trim() {
            "" => None,
            typed => decimal(typed, format!("{at}.increment_kg")),
        };
        let group = match self.group.trim() {
            "" => None,
            letter => {
                let n = parse_group(letter);
                if n.is_none() {
                    out.push(Problem::new(
                        format!("{at}.group"),
                        "must be a letter A to Z",
                    ));
                }
                n
            }
        };
        (out.len() == before).then(|| Slot {
            exercise: self.exercise.trim().to_owned(),
            progression,
            increment_kg,
            group,
        })
    }
}

/// A superset's letter: 1 is A.
pub fn group_letter(group: u8) -> String {
    char::from(b'A' + group.saturating_sub(1).min(25)).to_string()
}

fn parse_group(letter: &str) -> Option<u8> {
    let mut chars = letter.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii_alphabetic() => Some(c.to_ascii_uppercase() as u8 - b'A' + 1),
        _ => None,
    }
}

/// Where a field of a day or of one of its exercises sits.
enum Path<'a> {
    /// `days[3].name` → (3, "name").
    Day(usize, &'a str),
    /// `days[3].slots[1].progression.sets` → (3, 1, "progression.sets").
    Slot(usize, usize, &'a str),
    /// A day or slot index past [`MAX_DAYS`] or [`MAX_SLOTS`].
    Beyond,
}

/// The pair that carries [`ProgramForm::beyond_the_maximum`] through `to_pairs`.
const BEYOND_THE_MAXIMUM: &str = "beyond_the_maximum";

/// A field's place in the form. Indices past what a program may hold are `Beyond`: a form
/// cannot make the server hold or render more than a program may have (`days[4000000000]`).
fn parse_path(key: &str) -> Option<Path<'_>> {
    let rest = key.strip_prefix("days[")?;
    let (i, rest) = rest.split_once(']')?;
    let i: usize = i.parse().ok()?;
    let rest = rest.strip_prefix('.')?;
    let path = if let Some(rest) = rest.strip_prefix("slots[") {
        let (j, field) = rest.split_once(']')?;
        let j: usize = j.parse().ok()?;
        if j >= MAX_SLOTS {
            return Some(Path::Beyond);
        }
        Path::Slot(i, j, field.strip_prefix('.')?)
    } else {
        Path::Day(i, rest)
    };
    Some(if i >= MAX_DAYS { Path::Beyond } else { path })
}

/// A structural change the form asks for with one of its buttons (`action=…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    AddDay,
    RemoveDay(usize),
    DayUp(usize),
    DayDown(usize),
    AddSlot(usize),
    RemoveSlot(usize, usize),
    SlotUp(usize, usize),
    SlotDown(usize, usize),
}

impl Action {
    /// The button's value: `add_slot:0`, `slot_up:1:2`.
    pub fn encode(self) -> String {
        match self {
            Action::AddDay => "add_day".into(),
            Action::RemoveDay(i) => format!("remove_day:{i}"),
            Action::DayUp(i) => format!("day_up:{i}"),
            Action::DayDown(i) => format!("day_down:{i}"),
            Action::AddSlot(i) => format!("add_slot:{i}"),
            Action::RemoveSlot(i, j) => format!("remove_slot:{i}:{j}"),
            Action::SlotUp(i, j) => format!("slot_up:{i}:{j}"),
            Action::SlotDown(i, j) => format!("slot_down:{i}:{j}"),
        }
    }

    pub fn decode(value: &str) -> Option<Self> {
        let mut parts = value.split(':');
        let name = parts.next()?;
        // No index past what a program may hold: `slot_down:0:18446744073709551615` is refused.
        let mut n = || {
            parts
                .next()?
                .parse::<usize>()
                .ok()
                .filter(|n| *n < MAX_DAYS.max(MAX_SLOTS))
        };
        let action = match name {
            "add_day" => Action::AddDay,
            "remove_day" => Action::RemoveDay(n()?),
            "day_up" => Action::DayUp(n()?),
            "day_down" => Action::DayDown(n()?),
            "add_slot" => Action::AddSlot(n()?),
            "remove_slot" => Action::RemoveSlot(n()?, n()?),
            "slot_up" => Action::SlotUp(n()?, n()?),
            "slot_down" => Action::SlotDown(n()?, n()?),
            _ => return None,
        };
        Some(action)
    }
}

impl ProgramForm {
    pub fn from_program(program: &Program) -> Self {
        Self {
            slug: program.slug.clone(),
            name: program.name.clone(),
            description: program.description.clone(),
            days_per_week: program.days_per_week.to_string(),
            days: program
                .days
                .iter()
                .map(|d| DayForm {
                    name: d.name.clone(),
                    slots: d.slots.iter().map(SlotForm::from_slot).collect(),
                })
                .collect(),
            beyond_the_maximum: false,
        }
    }

    /// The form from its fields as sent. Unknown fields are ignored (the buttons, the CSRF
    /// token); days and slots come in index order, gaps closed.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut form = ProgramForm::default();
        let mut days: BTreeMap<usize, (String, BTreeMap<usize, SlotForm>)> = BTreeMap::new();
        for (key, value) in pairs {
            match key {
                "slug" => form.slug = value.to_owned(),
                "name" => form.name = value.to_owned(),
                "description" => form.description = value.to_owned(),
                "days_per_week" => form.days_per_week = value.to_owned(),
                // Kept by `to_pairs`, so a refused form rendered back is still refused.
                BEYOND_THE_MAXIMUM => form.beyond_the_maximum = true,
                _ => match parse_path(key) {
                    Some(Path::Day(i, "name")) => days.entry(i).or_default().0 = value.to_owned(),
                    Some(Path::Slot(i, j, field)) => {
                        let slot = days.entry(i).or_default().1.entry(j).or_default();
                        if let Some(f) = slot.field_mut(field) {
                            *f = value.to_owned();
                        }
                    }
                    Some(Path::Beyond) => form.beyond_the_maximum = true,
                    _ => {}
                },
            }
        }
        form.days = days
            .into_values()
            .map(|(name, slots)| DayForm {
                name,
                slots: slots.into_values().collect(),
            })
            .collect();
        form
    }

    /// The form's fields, in the order the page shows them.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut out = vec![
            ("slug".to_owned(), self.slug.clone()),
            ("name".to_owned(), self.name.clone()),
            ("description".to_owned(), self.description.clone()),
            ("days_per_week".to_owned(), self.days_per_week.clone()),
        ];
        if self.beyond_the_maximum {
            out.push((BEYOND_THE_MAXIMUM.to_owned(), "1".to_owned()));
        }
        for (i, day) in self.days.iter().enumerate() {
            out.push((format!("days[{i}].name"), day.name.clone()));
            for (j, slot) in day.slots.iter().enumerate() {
                for (field, value) in slot.fields() {
                    out.push((format!("days[{i}].slots[{j}].{field}"), value.to_owned()));
                }
            }
        }
        out
    }

    /// Applies a button's change; one that names no day or exercise of the form changes
    /// nothing.
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::AddDay if self.days.len() < MAX_DAYS => self.days.push(DayForm {
                name: format!("Day {}", self.days.len() + 1),
                slots: vec![SlotForm::default()],
            }),
            Action::RemoveDay(i) if i < self.days.len() => {
                self.days.remove(i);
            }
            Action::DayUp(i) if i > 0 && i < self.days.len() => self.days.swap(i - 1, i),
            Action::DayDown(i) if i + 1 < self.days.len() => self.days.swap(i, i + 1),
            Action::AddSlot(i) => {
                if let Some(day) = self.days.get_mut(i).filter(|d| d.slots.len() < MAX_SLOTS) {
                    day.slots.push(SlotForm::default());
                }
            }
            Action::RemoveSlot(i, j) => {
                if let Some(day) = self.days.get_mut(i).filter(|d| j < d.slots.len()) {
                    day.slots.remove(j);
                }
            }
            Action::SlotUp(i, j) => {
                if let Some(day) = self.days.get_mut(i).filter(|d| j > 0 && j < d.slots.len()) {
                    day.slots.swap(j - 1, j);
                }
            }
            Action::SlotDown(i, j) => {
                if let Some(day) = self.days.get_mut(i).filter(|d| j + 1 < d.slots.len()) {
                    day.slots.swap(j, j + 1);
                }
            }
            _ => {}
        }
    }

    /// The program the form describes, or every problem with it, each named by its field.
    pub fn to_program(&self, catalog: &Catalog) -> Result<Program, Vec<Problem>> {
        let mut problems = Vec::new();
        if self.beyond_the_maximum {
            problems.push(Problem::new(
                "days",
                format!("must have 1 to {MAX_DAYS} days, each with 1 to {MAX_SLOTS} exercises"),
            ));
        }
        let days_per_week = self
            .days_per_week
            .trim()
            .parse::<u32>()
            .unwrap_or_else(|_| {
                problems.push(Problem::new("days_per_week", "must be a whole number"));
                0
            });
        let mut days = Vec::with_capacity(self.days.len());
        for (i, day) in self.days.iter().enumerate() {
            let slots: Vec<Slot> = day
                .slots
                .iter()
                .enumerate()
                .filter_map(|(j, s)| s.to_slot(&format!("days[{i}].slots[{j}]"), &mut problems))
                .collect();
            days.push(Day {
                name: day.name.trim().to_owned(),
                slots,
            });
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        // A name typed instead of a slug (as the suggestions show both) is the exercise's.
        for slot in days.iter_mut().flat_map(|d| &mut d.slots) {
            if catalog.find(&slot.exercise).is_none() {
                if let Some(e) = catalog
                    .all()
                    .into_iter()
                    .find(|e| e.name.eq_ignore_ascii_case(&slot.exercise))
                {
                    slot.exercise = e.slug;
                }
            }
        }
        let program = Program {
            slug: self.slug.clone(),
            name: self.name.trim().to_owned(),
            description: self.description.trim().to_owned(),
            days_per_week,
            days,
        };
        let problems = program.problems(catalog);
        if problems.is_empty() {
            Ok(program)
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::builtin_programs;

    fn pairs(form: &ProgramForm) -> Vec<(String, String)> {
        form.to_pairs()
    }

    fn reread(form: &ProgramForm) -> ProgramForm {
        let p = pairs(form);
        ProgramForm::from_pairs(p.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    #[test]
    fn every_builtin_program_survives_the_form() {
        let catalog = Catalog::default();
        for program in builtin_programs() {
            let form = ProgramForm::from_program(&program);
            assert_eq!(reread(&form), form);
            assert_eq!(form.to_program(&catalog), Ok(program));
        }
    }

    #[test]
    fn problems_are_named_as_the_api_names_them() {
        let mut form = ProgramForm::from_program(&builtin_programs()[0]);
        form.days[0].slots[0].sets = "0".into();
        form.days[0].slots[1].kind = "double".into();
        form.days[0].slots[1].min_reps = "12".into();
        form.days[0].slots[1].max_reps = "8".into();
        form.days[1].slots[0].reps = "five".into();
        form.days[1].slots[0].group = "AB".into();
        let parse = form.to_program(&Catalog::default()).unwrap_err();
        let fields: Vec<&str> = parse.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "days[1].slots[0].progression.reps",
                "days[1].slots[0].group"
            ]
        );
        form.days[1].slots[0].reps = "5".into();
        form.days[1].slots[0].group = String::new();
        let rules = form.to_program(&Catalog::default()).unwrap_err();
        let fields: Vec<&str> = rules.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "days[0].slots[0].progression.sets",
                "days[0].slots[1].progression.min_reps"
            ]
        );
    }

    #[test]
    fn buttons_add_remove_and_reorder() {
        let mut form = ProgramForm::from_program(&builtin_programs()[0]);
        let first = form.days[0].slots[0].exercise.clone();
        let second = form.days[0].slots[1].exercise.clone();
        let action = Action::decode(&Action::SlotDown(0, 0).encode()).unwrap();
        form.apply(action);
        assert_eq!(form.days[0].slots[0].exercise, second);
        assert_eq!(form.days[0].slots[1].exercise, first);
        form.apply(Action::SlotUp(0, 1));
        assert_eq!(form.days[0].slots[0].exercise, first);
        let n = form.days[0].slots.len();
        form.apply(Action::AddSlot(0));
        assert_eq!(form.days[0].slots.len(), n + 1);
        form.apply(Action::RemoveSlot(0, 0));
        assert_eq!(form.days[0].slots[0].exercise, second);
        let days = form.days.len();
        let (a, b) = (form.days[0].name.clone(), form.days[1].name.clone());
        form.apply(Action::DayDown(0));
        assert_eq!((&form.days[0].name, &form.days[1].name), (&b, &a));
        form.apply(Action::DayUp(1));
        assert_eq!(form.days[0].name, a);
        form.apply(Action::AddDay);
        form.apply(Action::RemoveDay(0));
        assert_eq!(form.days.len(), days);
        // Out of range: nothing happens, nothing panics.
        let before = form.clone();
        form.apply(Action::RemoveSlot(99, 0));
        form.apply(Action::SlotUp(0, 0));
        form.apply(Action::SlotDown(0, 999));
        form.apply(Action::DayUp(0));
        form.apply(Action::DayDown(days - 1));
        assert_eq!(form, before);
        assert_eq!(Action::decode("remove_slot:1"), None);
        assert_eq!(Action::decode("slot_down:0:18446744073709551615"), None);
        assert_eq!(Action::decode("slot_down:0:99999"), None);
        assert_eq!(Action::decode("explode"), None);
    }

    #[test]
    fn an_exercise_typed_by_its_name_is_the_catalogs() {
        let mut form = ProgramForm::from_program(&builtin_programs()[0]);
        form.days[0].slots[0].exercise = "bench PRESS".into();
        form.days[0].slots[1].exercise = "back SQUAT".into();
        let program = form.to_program(&Catalog::default()).unwrap();
        assert_eq!(program.days[0].slots[0].exercise, "bench-press");
        assert_eq!(program.days[0].slots[1].exercise, "squat");
        form.days[0].slots[0].exercise = "Bench pressing".into();
        let problems = form.to_program(&Catalog::default()).unwrap_err();
        assert_eq!(problems[0].field, "days[0].slots[0].exercise");
    }

    #[test]
    fn five_three_one_keeps_wendlers_training_max_unless_told() {
        let read: Progression = serde_json::from_str(r#"{"kind":"five_three_one"}"#).unwrap();
        assert_eq!(read, Progression::five_three_one());
        assert_eq!(
            serde_json::to_string(&read).unwrap(),
            r#"{"kind":"five_three_one"}"#
        );
        let mut form =
            ProgramForm::from_program(&crate::program::builtin_program("five-three-one").unwrap());
        assert_eq!(form.days[0].slots[0].training_max_percent, "90");
        form.days[0].slots[0].training_max_percent = "101".into();
        let problems = form.to_program(&Catalog::default()).unwrap_err();
        assert_eq!(
            problems[0].field,
            "days[0].slots[0].progression.training_max_percent"
        );
        form.days[0].slots[0].training_max_percent = "85".into();
        let program = form.to_program(&Catalog::default()).unwrap();
        assert_eq!(
            program.days[0].slots[0].progression,
            Progression::FiveThreeOne {
                training_max_percent: 85.0
            }
        );
    }

    #[test]
    fn indices_past_the_maximum_are_not_kept_and_refuse_the_form() {
        let form = ProgramForm::from_pairs([
            ("days[4000000000].name", "x"),
            ("days[0].slots[99999].exercise", "squat"),
            ("days[0].name", "A"),
        ]);
        assert_eq!(form.days.len(), 1);
        assert!(form.days[0].slots.is_empty());
        assert!(form.beyond_the_maximum);

        // A full program and one index past it: what is rendered back is bounded by the
        // maximum (not twice it), and saving says why it cannot.
        let mut pairs = Vec::new();
        for i in 0..=MAX_DAYS {
            pairs.push((format!("days[{i}].name"), format!("Day {i}")));
            for j in 0..=MAX_SLOTS {
                pairs.push((format!("days[{i}].slots[{j}].exercise"), "squat".to_owned()));
            }
        }
        let form = ProgramForm::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        assert_eq!(form.days.len(), MAX_DAYS);
        assert!(form.days.iter().all(|d| d.slots.len() == MAX_SLOTS));
        let problems = form.to_program(&Catalog::default()).unwrap_err();
        assert_eq!(problems[0].field, "days");
        assert!(
            problems[0].message.contains("1 to 14 days"),
            "{:?}",
            problems[0]
        );
    }
}
