//! A user's training settings: their equipment and unit, their own exercises and programs,
//! and which program is active. Stored as one record per user beside the account.

use serde::{Deserialize, Serialize};

use crate::catalog::{builtin, Catalog, ExerciseInfo};
use crate::engine::Settings;
use crate::program::{builtin_program, builtin_programs, Program};
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
