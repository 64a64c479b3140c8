//! A user's training settings: their equipment and unit, their own exercises and programs,
//! and which program is active. Stored as one record per user beside the account.

use serde::{Deserialize, Serialize};

use crate::catalog::{builtin, Catalog, ExerciseInfo};
use crate::engine::Settings;
use crate::program::{builtin_program, builtin_programs, Program};
use crate::slug::{first_free, slugify};
use crate::units::Gym;
use crate::Problem;

pub const MAX_EXERCISES: usize = 200;
pub const MAX_PROGRAMS: usize = 20;
/// The program a new user starts with.
pub const DEFAULT_PROGRAM: &str = "full-body-3x";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    #[serde(default = "Gym::metric")]
    pub gym: Gym,
    #[serde(default = "yes")]
    pub warmups: bool,
    /// The slug of the active program: one of the user's own, or a built-in one.
    #[serde(default = "default_program")]
    pub active_program: String,
    #[serde(default)]
    pub exercises: Vec<ExerciseInfo>,
    #[serde(default)]
    pub programs: Vec<Program>,
}

/// Why a program could not be removed or changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoveProgram {
    /// Built-in programs stay as they are: copy one to change it.
    BuiltIn,
    /// Neither the user's nor built in.
    Missing,
}

fn yes() -> bool {
    true
}

fn default_program() -> String {
    DEFAULT_PROGRAM.to_owned()
}

impl Default for Profile {
    fn default() -> Self {
        Self {
            gym: Gym::metric(),
            warmups: true,
            active_program: default_program(),
            exercises: Vec::new(),
            programs: Vec::new(),
        }
    }
}

impl Profile {
    pub fn catalog(&self) -> Catalog {
        Catalog::with_custom(self.exercises.clone())
    }

    pub fn settings(&self) -> Settings {
        Settings {
            gym: self.gym.clone(),
            warmups: self.warmups,
        }
    }

    /// The program with this slug: the user's own, else a built-in one.
    pub fn program(&self, slug: &str) -> Option<Program> {
        self.programs
            .iter()
            .find(|p| p.slug == slug)
            .cloned()
            .or_else(|| builtin_program(slug))
    }

    /// Every program the user can choose: built-in first, then their own.
    pub fn all_programs(&self) -> Vec<Program> {
        let mut all = builtin_programs();
        all.extend(self.programs.iter().cloned());
        all
    }

    /// The active program (the default one if the active slug has gone).
    pub fn active(&self) -> Program {
        self.program(&self.active_program)
            .or_else(|| builtin_program(DEFAULT_PROGRAM))
            .unwrap_or_else(|| builtin_programs().swap_remove(0))
    }

    /// Where the user's own program `slug` is in `programs`; only those may change.
    pub fn own_program(&self, slug: &str) -> Result<usize, RemoveProgram> {
        self.programs.iter().position(|p| p.slug == slug).ok_or(
            if builtin_program(slug).is_some() {
                RemoveProgram::BuiltIn
            } else {
                RemoveProgram::Missing
            },
        )
    }

    /// Removes one of the user's own programs; if it was running, the default program runs.
    pub fn remove_program(&mut self, slug: &str) -> Result<(), RemoveProgram> {
        let at = self.own_program(slug)?;
        self.programs.remove(at);
        if self.active_program == slug {
            self.active_program = DEFAULT_PROGRAM.to_owned();
        }
        Ok(())
    }

    /// Adds a copy of the program `slug` to the user's own, under the first free slug of
    /// `my-<slug>`, `my-<slug>-2`, … and the name "My <name>"; the new slug, or `None` when
    /// there is no such program. The copy is checked when the profile is saved.
    pub fn copy_program(&mut self, slug: &str) -> Option<String> {
        let mut copy = self.program(slug)?;
        let stem: String = format!("my-{}", copy.slug.trim_start_matches("my-"))
            .chars()
            .take(60)
            .collect::<String>()
            .trim_end_matches('-')
            .to_owned();
        let free = first_free(&stem, |s| self.program(s).is_some());
        copy.slug = free.clone();
        copy.name = format!("My {}", copy.name.trim_start_matches("My "))
            .chars()
            .take(80)
            .collect();
        self.programs.push(copy);
        Some(free)
    }

    /// Adds an exercise of the user's own, or replaces the one with its slug; an empty slug is
    /// a new exercise, given the first free slug made from its name. The slug it is saved under,
    /// or `None` for a built-in exercise's slug (copy it under another name instead). Checked
    /// when the profile is saved.
    pub fn save_exercise(&mut self, mut exercise: ExerciseInfo) -> Option<String> {
        exercise.custom = true;
        if exercise.slug.is_empty() {
            let stem = slugify(&exercise.name);
            exercise.slug = first_free(&stem, |s| {
                builtin(s).is_some() || self.exercises.iter().any(|e| e.slug == s)
            });
        } else if builtin(&exercise.slug).is_some() {
            return None;
        }
        let slug = exercise.slug.clone();
        match self.exercises.iter_mut().find(|e| e.slug == slug) {
            Some(existing) => *existing = exercise,
            None => self.exercises.push(exercise),
        }
        Some(slug)
    }

    /// The profile with the control characters taken out of its names (programs, their days,
    /// own exercises) and, but for line breaks and tabs, its programs' descriptions. A profile
    /// saved before names refused them is read through this, so it can be saved again: one old
    /// name must not make every change to the profile refused.
    pub fn cleaned(mut self) -> Self {
        fn clean(text: &mut String, keep: &[char]) {
            if text.chars().any(|c| c.is_control() && !keep.contains(&c)) {
                text.retain(|c| !c.is_control() || keep.contains(&c));
            }
        }
        for program in &mut self.programs {
            clean(&mut program.name, &[]);
            clean(&mut program.description, &['\n', '\r', '\t']);
            for day in &mut program.days {
                clean(&mut day.name, &[]);
            }
        }
        for exercise in &mut self.exercises {
            clean(&mut exercise.name, &[]);
        }
        self
    }

    /// Every rule the profile breaks.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out: Vec<Problem> = self
            .gym
            .problems()
            .into_iter()
            .map(|p| Problem::new(format!("gym.{}", p.field), p.message))
            .collect();
        if self.exercises.len() > MAX_EXERCISES {
            out.push(Problem::new(
                "exercises",
                format!("must hold at most {MAX_EXERCISES} exercises"),
            ));
        }
        for (i, e) in self.exercises.iter().enumerate() {
            for p in e.problems() {
                out.push(Problem::new(
                    format!("exercises[{i}].{}", p.field),
                    p.message,
                ));
            }
            if builtin(&e.slug).is_some() || self.exercises[..i].iter().any(|o| o.slug == e.slug) {
                out.push(Problem::new(
                    format!("exercises[{i}].slug"),
                    "is already taken by another exercise",
                ));
            }
        }
        if self.programs.len() > MAX_PROGRAMS {
            out.push(Problem::new(
                "programs",
                format!("must hold at most {MAX_PROGRAMS} programs"),
            ));
        }
        let catalog = self.catalog();
        for (i, p) in self.programs.iter().enumerate() {
            for problem in p.problems(&catalog) {
                out.push(Problem::new(
                    format!("programs[{i}].{}", problem.field),
                    problem.message,
                ));
            }
            if builtin_program(&p.slug).is_some()
                || self.programs[..i].iter().any(|o| o.slug == p.slug)
            {
                out.push(Problem::new(
                    format!("programs[{i}].slug"),
                    "is already taken by another program",
                ));
            }
        }
        if self.program(&self.active_program).is_none() {
            out.push(Problem::new(
                "active_program",
                "is neither a built-in program nor one of yours",
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_profile_is_valid_and_runs_the_default_program() {
        let p = Profile::default();
        assert!(p.problems().is_empty());
        assert_eq!(p.active().slug, DEFAULT_PROGRAM);
        let parsed: Profile = serde_json::from_str("{}").unwrap();
        assert_eq!(parsed, p);
    }

    #[test]
    fn programs_are_copied_under_a_free_slug_and_only_own_ones_removed() {
        let mut p = Profile::default();
        assert_eq!(p.copy_program("gzclp").as_deref(), Some("my-gzclp"));
        assert_eq!(p.copy_program("gzclp").as_deref(), Some("my-gzclp-2"));
        assert_eq!(p.copy_program("my-gzclp").as_deref(), Some("my-gzclp-3"));
        assert_eq!(p.copy_program("nope"), None);
        assert_eq!(p.programs[0].name, "My GZCLP");
        assert_eq!(p.programs[2].name, "My GZCLP");
        assert!(p.problems().is_empty(), "{:?}", p.problems());

        p.active_program = "my-gzclp-2".into();
        assert_eq!(p.remove_program("my-gzclp-2"), Ok(()));
        assert_eq!(p.active_program, DEFAULT_PROGRAM, "the default runs again");
        assert_eq!(p.remove_program("gzclp"), Err(RemoveProgram::BuiltIn));
        assert_eq!(p.remove_program("my-gzclp-2"), Err(RemoveProgram::Missing));
        let slugs: Vec<&str> = p.programs.iter().map(|p| p.slug.as_str()).collect();
        assert_eq!(slugs, ["my-gzclp", "my-gzclp-3"]);
    }

    #[test]
    fn own_exercises_get_a_free_slug_and_are_replaced_by_it() {
        use crate::catalog::Muscle;
        use crate::units::Equipment;
        let mut p = Profile::default();
        let zercher = |slug: &str, step: f64| ExerciseInfo {
            slug: slug.into(),
            name: "Zercher squat".into(),
            equipment: Equipment::Barbell,
            increment_kg: step,
            primary: vec![Muscle::Quads],
            secondary: vec![Muscle::Abs],
            custom: false,
        };
        assert_eq!(
            p.save_exercise(zercher("", 2.5)).as_deref(),
            Some("zercher-squat")
        );
        assert_eq!(
            p.save_exercise(zercher("", 2.5)).as_deref(),
            Some("zercher-squat-2")
        );
        assert_eq!(
            p.save_exercise(zercher("zercher-squat", 5.0)).as_deref(),
            Some("zercher-squat")
        );
        assert_eq!(p.exercises.len(), 2);
        assert_eq!(p.exercises[0].increment_kg, 5.0);
        assert!(p.exercises.iter().all(|e| e.custom));
        assert_eq!(p.save_exercise(zercher("squat", 5.0)), None, "built in");
        // A name that slugs to a built-in exercise's slug gets another.
        let mut squat = zercher("", 2.5);
        squat.name = "Squat".into();
        assert_eq!(p.save_exercise(squat).as_deref(), Some("squat-2"));
        assert!(p.problems().is_empty(), "{:?}", p.problems());
    }

    #[test]
    fn a_profile_saved_before_names_refused_control_characters_is_read_clean() {
        let mut p = Profile::default();
        let mut mine = builtin_program("gzclp").unwrap();
        mine.slug = "my-gzclp".into();
        mine.name = "My\tGZCLP\u{1b}".into();
        mine.description = "Two\r\nlines\u{7}".into();
        mine.days[0].name = "Day\nA".into();
        p.programs.push(mine);
        assert!(!p.problems().is_empty(), "as stored, it breaks the rules");
        let clean = p.cleaned();
        assert!(clean.problems().is_empty(), "{:?}", clean.problems());
        assert_eq!(clean.programs[0].name, "MyGZCLP");
        assert_eq!(clean.programs[0].description, "Two\r\nlines");
        assert_eq!(clean.programs[0].days[0].name, "DayA");
    }

    #[test]
    fn own_programs_and_exercises_are_checked() {
        let mut p = Profile::default();
        let mut mine = builtin_program("gzclp").unwrap();
        mine.slug = "my-gzclp".into();
        p.programs.push(mine.clone());
        p.active_program = "my-gzclp".into();
        assert!(p.problems().is_empty(), "{:?}", p.problems());
        assert_eq!(p.active().slug, "my-gzclp");
        p.programs.push(mine);
        p.active_program = "nope".into();
        let fields: Vec<String> = p.problems().into_iter().map(|p| p.field).collect();
        assert_eq!(fields, ["programs[1].slug", "active_program"]);
    }
}
