//! The exercise catalog: common barbell, dumbbell, cable, machine, kettlebell and bodyweight
//! exercises with the muscles they train, their equipment and the load step they progress by.
//! Slugs are stable because stored workouts refer to them. Users add their own exercises
//! beside these ([`Catalog`]).

use serde::{Deserialize, Serialize};

use crate::units::Equipment;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Muscle {
    Chest,
    Lats,
    UpperBack,
    LowerBack,
    Shoulders,
    RearDelts,
    Biceps,
    Triceps,
    Forearms,
    Abs,
    Quads,
    Hamstrings,
    Glutes,
    Adductors,
    Calves,
}

impl Muscle {
    pub const ALL: [Muscle; 15] = [
        Muscle::Chest,
        Muscle::Lats,
        Muscle::UpperBack,
        Muscle::LowerBack,
        Muscle::Shoulders,
        Muscle::RearDelts,
        Muscle::Biceps,
        Muscle::Triceps,
        Muscle::Forearms,
        Muscle::Abs,
        Muscle::Quads,
        Muscle::Hamstrings,
        Muscle::Glutes,
        Muscle::Adductors,
        Muscle::Calves,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Muscle::Chest => "Chest",
            Muscle::Lats => "Lats",
            Muscle::UpperBack => "Upper back",
            Muscle::LowerBack => "Lower back",
            Muscle::Shoulders => "Shoulders",
            Muscle::RearDelts => "Rear delts",
            Muscle::Biceps => "Biceps",
            Muscle::Triceps => "Triceps",
            Muscle::Forearms => "Forearms",
            Muscle::Abs => "Abs",
            Muscle::Quads => "Quads",
            Muscle::Hamstrings => "Hamstrings",
            Muscle::Glutes => "Glutes",
            Muscle::Adductors => "Adductors",
            Muscle::Calves => "Calves",
        }
    }
}

/// A built-in exercise.
#[derive(Debug)]
pub struct Exercise {
    pub slug: &'static str,
    pub name: &'static str,
    pub equipment: Equipment,
    /// The load added when the lifter progresses, in kilograms (rounded to the user's
    /// equipment, and never less than its smallest step).
    pub increment_kg: f64,
    pub primary: &'static [Muscle],
    pub secondary: &'static [Muscle],
}

macro_rules! exercises {
    ($($slug:literal, $name:literal, $eq:ident, $inc:literal, [$($p:ident),*], [$($s:ident),*];)*) => {
        &[$(Exercise {
            slug: $slug,
            name: $name,
            equipment: Equipment::$eq,
            increment_kg: $inc,
            primary: &[$(Muscle::$p),*],
            secondary: &[$(Muscle::$s),*],
        }),*]
    };
}

pub const EXERCISES: &[Exercise] = exercises! {
    // Barbell
    "squat", "Back squat", Barbell, 5.0, [Quads, Glutes], [Hamstrings, Adductors, LowerBack];
    "front-squat", "Front squat", Barbell, 2.5, [Quads], [Glutes, UpperBack, Abs];
    "bench-press", "Bench press", Barbell, 2.5, [Chest], [Triceps, Shoulders];
    "incline-bench-press", "Incline bench press", Barbell, 2.5, [Chest, Shoulders], [Triceps];
    "deadlift", "Deadlift", Barbell, 5.0, [Hamstrings, Glutes, LowerBack], [Quads, UpperBack, Forearms];
    "romanian-deadlift", "Romanian deadlift", Barbell, 5.0, [Hamstrings, Glutes], [LowerBack, Forearms];
    "overhead-press", "Overhead press", Barbell, 2.5, [Shoulders], [Triceps, UpperBack];
    "barbell-row", "Barbell row", Barbell, 2.5, [UpperBack, Lats], [Biceps, RearDelts, LowerBack];
    "sumo-deadlift", "Sumo deadlift", Barbell, 5.0, [Glutes, Hamstrings, Adductors], [Quads, LowerBack];
    "trap-bar-deadlift", "Trap bar deadlift", Barbell, 5.0, [Quads, Glutes, Hamstrings], [UpperBack, Forearms];
    "close-grip-bench-press", "Close-grip bench press", Barbell, 2.5, [Triceps, Chest], [Shoulders];
    "decline-bench-press", "Decline bench press", Barbell, 2.5, [Chest], [Triceps];
    "pendlay-row", "Pendlay row", Barbell, 2.5, [UpperBack, Lats], [Biceps, LowerBack];
    "push-press", "Push press", Barbell, 2.5, [Shoulders], [Triceps, Quads];
    "power-clean", "Power clean", Barbell, 2.5, [Glutes, Hamstrings, UpperBack], [Quads, Calves, Forearms];
    "good-morning", "Good morning", Barbell, 2.5, [Hamstrings, LowerBack], [Glutes];
    "barbell-curl", "Barbell curl", Barbell, 2.5, [Biceps], [Forearms];
    "skull-crusher", "Skull crusher", Barbell, 2.5, [Triceps], [];
    "barbell-shrug", "Barbell shrug", Barbell, 5.0, [UpperBack], [Forearms];
    "hip-thrust", "Hip thrust", Barbell, 5.0, [Glutes], [Hamstrings];
    "barbell-lunge", "Barbell lunge", Barbell, 2.5, [Quads, Glutes], [Adductors, Hamstrings];
    "box-squat", "Box squat", Barbell, 5.0, [Quads, Glutes], [Hamstrings, LowerBack];
    // Dumbbell
    "dumbbell-bench-press", "Dumbbell bench press", Dumbbell, 2.0, [Chest], [Triceps, Shoulders];
    "dumbbell-incline-press", "Incline dumbbell press", Dumbbell, 2.0, [Chest, Shoulders], [Triceps];
    "dumbbell-shoulder-press", "Dumbbell shoulder press", Dumbbell, 2.0, [Shoulders], [Triceps];
    "arnold-press", "Arnold press", Dumbbell, 2.0, [Shoulders], [Triceps];
    "dumbbell-row", "One-arm dumbbell row", Dumbbell, 2.0, [Lats, UpperBack], [Biceps, RearDelts];
    "dumbbell-fly", "Dumbbell fly", Dumbbell, 2.0, [Chest], [Shoulders];
    "dumbbell-curl", "Dumbbell curl", Dumbbell, 2.0, [Biceps], [Forearms];
    "hammer-curl", "Hammer curl", Dumbbell, 2.0, [Biceps, Forearms], [];
    "incline-dumbbell-curl", "Incline dumbbell curl", Dumbbell, 2.0, [Biceps], [];
    "lateral-raise", "Lateral raise", Dumbbell, 2.0, [Shoulders], [UpperBack];
    "rear-delt-fly", "Rear delt fly", Dumbbell, 2.0, [RearDelts], [UpperBack];
    "overhead-triceps-extension", "Overhead triceps extension", Dumbbell, 2.0, [Triceps], [];
    "goblet-squat", "Goblet squat", Dumbbell, 2.0, [Quads, Glutes], [Abs, Adductors];
    "dumbbell-lunge", "Dumbbell lunge", Dumbbell, 2.0, [Quads, Glutes], [Hamstrings, Adductors];
    "bulgarian-split-squat", "Bulgarian split squat", Dumbbell, 2.0, [Quads, Glutes], [Adductors, Hamstrings];
    "dumbbell-romanian-deadlift", "Dumbbell Romanian deadlift", Dumbbell, 2.0, [Hamstrings, Glutes], [LowerBack, Forearms];
    "dumbbell-step-up", "Dumbbell step-up", Dumbbell, 2.0, [Quads, Glutes], [Calves];
    "dumbbell-shrug", "Dumbbell shrug", Dumbbell, 2.0, [UpperBack], [Forearms];
    // Cable
    "lat-pulldown", "Lat pulldown", Cable, 5.0, [Lats], [Biceps, UpperBack];
    "seated-cable-row", "Seated cable row", Cable, 5.0, [UpperBack, Lats], [Biceps, RearDelts];
    "triceps-pushdown", "Triceps pushdown", Cable, 2.5, [Triceps], [];
    "overhead-cable-extension", "Overhead cable extension", Cable, 2.5, [Triceps], [];
    "face-pull", "Face pull", Cable, 2.5, [RearDelts, UpperBack], [Shoulders];
    "cable-fly", "Cable fly", Cable, 2.5, [Chest], [Shoulders];
    "cable-curl", "Cable curl", Cable, 2.5, [Biceps], [Forearms];
    "cable-lateral-raise", "Cable lateral raise", Cable, 2.5, [Shoulders], [];
    "straight-arm-pulldown", "Straight-arm pulldown", Cable, 2.5, [Lats], [Triceps];
    "cable-crunch", "Cable crunch", Cable, 5.0, [Abs], [];
    "cable-pull-through", "Cable pull-through", Cable, 5.0, [Glutes, Hamstrings], [LowerBack];
    // Machine
    "leg-press", "Leg press", Machine, 10.0, [Quads, Glutes], [Hamstrings, Adductors];
    "hack-squat", "Hack squat", Machine, 5.0, [Quads], [Glutes];
    "leg-extension", "Leg extension", Machine, 5.0, [Quads], [];
    "leg-curl", "Leg curl", Machine, 5.0, [Hamstrings], [Calves];
    "standing-calf-raise", "Standing calf raise", Machine, 5.0, [Calves], [];
    "seated-calf-raise", "Seated calf raise", Machine, 5.0, [Calves], [];
    "chest-press-machine", "Machine chest press", Machine, 5.0, [Chest], [Triceps, Shoulders];
    "shoulder-press-machine", "Machine shoulder press", Machine, 5.0, [Shoulders], [Triceps];
    "pec-deck", "Pec deck", Machine, 5.0, [Chest], [];
    "machine-row", "Machine row", Machine, 5.0, [UpperBack, Lats], [Biceps];
    "hip-abduction", "Hip abduction", Machine, 5.0, [Glutes], [];
    "hip-adduction", "Hip adduction", Machine, 5.0, [Adductors], [];
    // Bodyweight (load is what is added: a belt, a vest)
    "pull-up", "Pull-up", Bodyweight, 2.5, [Lats], [Biceps, UpperBack];
    "chin-up", "Chin-up", Bodyweight, 2.5, [Lats, Biceps], [UpperBack];
    "dip", "Dip", Bodyweight, 2.5, [Chest, Triceps], [Shoulders];
    "push-up", "Push-up", Bodyweight, 2.5, [Chest], [Triceps, Shoulders, Abs];
    "inverted-row", "Inverted row", Bodyweight, 2.5, [UpperBack, Lats], [Biceps];
    "hanging-leg-raise", "Hanging leg raise", Bodyweight, 2.5, [Abs], [Forearms];
    "back-extension", "Back extension", Bodyweight, 2.5, [LowerBack, Glutes], [Hamstrings];
    "ab-wheel-rollout", "Ab wheel rollout", Bodyweight, 2.5, [Abs], [Lats];
    "nordic-curl", "Nordic curl", Bodyweight, 2.5, [Hamstrings], [];
    // Kettlebell
    "kettlebell-swing", "Kettlebell swing", Kettlebell, 4.0, [Glutes, Hamstrings], [LowerBack, Shoulders];
    "turkish-get-up", "Turkish get-up", Kettlebell, 4.0, [Shoulders, Abs], [Glutes];
};

/// An exercise as the API and the engine see it: built in or the user's own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExerciseInfo {
    pub slug: String,
    pub name: String,
    pub equipment: Equipment,
    pub increment_kg: f64,
    pub primary: Vec<Muscle>,
    #[serde(default)]
    pub secondary: Vec<Muscle>,
    /// Made by the user rather than built in.
    #[serde(default)]
    pub custom: bool,
}

impl From<&Exercise> for ExerciseInfo {
    fn from(e: &Exercise) -> Self {
        Self {
            slug: e.slug.to_owned(),
            name: e.name.to_owned(),
            equipment: e.equipment,
            increment_kg: e.increment_kg,
            primary: e.primary.to_vec(),
            secondary: e.secondary.to_vec(),
            custom: false,
        }
    }
}

impl ExerciseInfo {
    /// Every rule a user's own exercise breaks.
    pub fn problems(&self) -> Vec<crate::Problem> {
        let mut out = Vec::new();
        if let Some(m) = crate::rules::check_slug(&self.slug) {
            out.push(crate::Problem::new("slug", m));
        }
        if let Some(m) = crate::rules::check_name(self.name.trim()) {
            out.push(crate::Problem::new("name", m));
        }
        if !(self.increment_kg.is_finite() && (0.5..=50.0).contains(&self.increment_kg)) {
            out.push(crate::Problem::new(
                "increment_kg",
                "must be between 0.5 and 50 kg",
            ));
        }
        out
    }
}

/// The built-in exercise with this slug.
pub fn builtin(slug: &str) -> Option<&'static Exercise> {
    EXERCISES.iter().find(|e| e.slug == slug)
}

/// How much of the lifter's bodyweight an exercise lifts: all of it hanging or on the bars
/// (pull-ups, chin-ups, dips), about two thirds in a push-up (the feet carry the rest). Others,
/// and the user's own (an assisted pull-up's weight is help, not load), count only what was
/// added.
pub fn bodyweight_share(slug: &str) -> f64 {
    match slug {
        "pull-up" | "chin-up" | "dip" => 1.0,
        "push-up" => 0.64,
        _ => 0.0,
    }
}

/// The display name for a slug, or the slug itself for exercises not in the catalog.
pub fn display_name(slug: &str) -> &str {
    builtin(slug).map_or(slug, |e| e.name)
}

/// The built-in exercises and one user's own.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    pub custom: Vec<ExerciseInfo>,
}

impl Catalog {
    pub fn with_custom(custom: Vec<ExerciseInfo>) -> Self {
        Self { custom }
    }

    /// The exercise with this slug: the user's own first (they may not reuse a built-in slug,
    /// but older data might), then the built-in one.
    pub fn find(&self, slug: &str) -> Option<ExerciseInfo> {
        self.custom
            .iter()
            .find(|e| e.slug == slug)
            .cloned()
            .or_else(|| builtin(slug).map(ExerciseInfo::from))
    }

    /// Every exercise, built-in first, then the user's own.
    pub fn all(&self) -> Vec<ExerciseInfo> {
        EXERCISES
            .iter()
            .map(ExerciseInfo::from)
            .chain(self.custom.iter().cloned())
            .collect()
    }

    /// The name to show for a slug.
    pub fn name<'a>(&'a self, slug: &'a str) -> &'a str {
        self.custom
            .iter()
            .find(|e| e.slug == slug)
            .map_or_else(|| display_name(slug), |e| e.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_is_large_valid_and_unique() {
        assert!(EXERCISES.len() >= 60, "{}", EXERCISES.len());
        let mut seen = std::collections::HashSet::new();
        for e in EXERCISES {
            assert_eq!(crate::rules::check_slug(e.slug), None, "{}", e.slug);
            assert!(seen.insert(e.slug), "duplicate {}", e.slug);
            assert!(!e.primary.is_empty(), "{}", e.slug);
            assert!(e.increment_kg > 0.0, "{}", e.slug);
            assert!(ExerciseInfo::from(e).problems().is_empty(), "{}", e.slug);
        }
    }

    #[test]
    fn slugs_of_stored_workouts_stay() {
        for slug in [
            "squat",
            "front-squat",
            "bench-press",
            "incline-bench-press",
            "deadlift",
            "romanian-deadlift",
            "overhead-press",
            "barbell-row",
            "pull-up",
            "chin-up",
            "dip",
            "lat-pulldown",
            "seated-cable-row",
            "dumbbell-bench-press",
            "dumbbell-curl",
            "triceps-pushdown",
            "leg-press",
            "leg-curl",
            "lateral-raise",
            "hip-thrust",
        ] {
            assert!(builtin(slug).is_some(), "{slug}");
        }
    }

    #[test]
    fn a_users_exercise_is_found_beside_the_built_in_ones() {
        let mine = ExerciseInfo {
            slug: "landmine-press".into(),
            name: "Landmine press".into(),
            equipment: Equipment::Barbell,
            increment_kg: 2.5,
            primary: vec![Muscle::Shoulders],
            secondary: vec![],
            custom: true,
        };
        let catalog = Catalog::with_custom(vec![mine.clone()]);
        assert_eq!(catalog.find("landmine-press"), Some(mine));
        assert_eq!(
            catalog.find("squat").map(|e| e.name),
            Some("Back squat".into())
        );
        assert_eq!(catalog.all().len(), EXERCISES.len() + 1);
        assert_eq!(catalog.name("landmine-press"), "Landmine press");
        assert_eq!(catalog.name("unknown-thing"), "unknown-thing");
    }

    #[test]
    fn bad_user_exercises_are_refused_with_reasons() {
        let bad = ExerciseInfo {
            slug: "Not A Slug".into(),
            name: " ".into(),
            equipment: Equipment::Machine,
            increment_kg: 0.0,
            primary: vec![],
            secondary: vec![],
            custom: true,
        };
        let fields: Vec<String> = bad.problems().into_iter().map(|p| p.field).collect();
        // No muscles is allowed: such an exercise counts toward no muscle group.
        assert_eq!(fields, ["slug", "name", "increment_kg"]);
    }
}
