//! The exercises offered when logging. A fuller catalog (muscles, equipment, increments) comes
//! with the training engine; slugs are stable because stored workouts refer to them.

pub struct Exercise {
    pub slug: &'static str,
    pub name: &'static str,
}

pub const EXERCISES: &[Exercise] = &[
    Exercise {
        slug: "squat",
        name: "Back squat",
    },
    Exercise {
        slug: "front-squat",
        name: "Front squat",
    },
    Exercise {
        slug: "bench-press",
        name: "Bench press",
    },
    Exercise {
        slug: "incline-bench-press",
        name: "Incline bench press",
    },
    Exercise {
        slug: "deadlift",
        name: "Deadlift",
    },
    Exercise {
        slug: "romanian-deadlift",
        name: "Romanian deadlift",
    },
    Exercise {
        slug: "overhead-press",
        name: "Overhead press",
    },
    Exercise {
        slug: "barbell-row",
        name: "Barbell row",
    },
    Exercise {
        slug: "pull-up",
        name: "Pull-up",
    },
    Exercise {
        slug: "chin-up",
        name: "Chin-up",
    },
    Exercise {
        slug: "dip",
        name: "Dip",
    },
    Exercise {
        slug: "lat-pulldown",
        name: "Lat pulldown",
    },
    Exercise {
        slug: "seated-cable-row",
        name: "Seated cable row",
    },
    Exercise {
        slug: "dumbbell-bench-press",
        name: "Dumbbell bench press",
    },
    Exercise {
        slug: "dumbbell-curl",
        name: "Dumbbell curl",
    },
    Exercise {
        slug: "triceps-pushdown",
        name: "Triceps pushdown",
    },
    Exercise {
        slug: "leg-press",
        name: "Leg press",
    },
    Exercise {
        slug: "leg-curl",
        name: "Leg curl",
    },
    Exercise {
        slug: "lateral-raise",
        name: "Lateral raise",
    },
    Exercise {
        slug: "hip-thrust",
        name: "Hip thrust",
    },
];

/// The display name for a slug, or the slug itself for exercises not in the catalog.
pub fn display_name(slug: &str) -> &str {
    EXERCISES
        .iter()
        .find(|e| e.slug == slug)
        .map_or(slug, |e| e.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_valid_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for e in EXERCISES {
            assert_eq!(crate::rules::check_slug(e.slug), None, "{}", e.slug);
            assert!(seen.insert(e.slug), "duplicate {}", e.slug);
        }
    }
}
