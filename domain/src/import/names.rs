//! Turning another app's exercise names ("Bench Press (Barbell)") into catalog slugs, and
//! making the user's own exercise for a name the catalog does not know, so no history is lost.

use std::collections::{BTreeSet, HashMap};

use crate::catalog::{Catalog, ExerciseInfo, Muscle};
use crate::profile::MAX_EXERCISES;
use crate::slug::{first_free, slugify, words};
use crate::units::Equipment;

/// Names Strong and Hevy use that the word match below cannot pair with the catalog.
const ALIASES: &[(&str, &str)] = &[
    ("squat (barbell)", "squat"),
    ("back squat (barbell)", "squat"),
    ("bent over row (barbell)", "barbell-row"),
    ("bent over one arm row (dumbbell)", "dumbbell-row"),
    ("dumbbell row", "dumbbell-row"),
    ("bicep curl (barbell)", "barbell-curl"),
    ("bicep curl (dumbbell)", "dumbbell-curl"),
    ("bicep curl (cable)", "cable-curl"),
    ("shoulder press (dumbbell)", "dumbbell-shoulder-press"),
    (
        "seated shoulder press (dumbbell)",
        "dumbbell-shoulder-press",
    ),
    ("shoulder press (machine)", "shoulder-press-machine"),
    ("incline bench press (dumbbell)", "dumbbell-incline-press"),
    ("overhead press (dumbbell)", "dumbbell-shoulder-press"),
    ("strict military press (barbell)", "overhead-press"),
    ("seated row (cable)", "seated-cable-row"),
    ("seated cable row - v grip (cable)", "seated-cable-row"),
    ("seated row (machine)", "machine-row"),
    (
        "triceps pushdown (cable - straight bar)",
        "triceps-pushdown",
    ),
    ("triceps rope pushdown", "triceps-pushdown"),
    ("triceps extension (dumbbell)", "overhead-triceps-extension"),
    ("triceps extension (cable)", "overhead-cable-extension"),
    ("skullcrusher (barbell)", "skull-crusher"),
    ("skull crusher (barbell)", "skull-crusher"),
    ("lying leg curl (machine)", "leg-curl"),
    ("seated leg curl (machine)", "leg-curl"),
    ("calf raise (machine)", "standing-calf-raise"),
    ("standing calf raise (machine)", "standing-calf-raise"),
    ("seated calf raise (machine)", "seated-calf-raise"),
    ("chest fly (dumbbell)", "dumbbell-fly"),
    ("chest fly (machine)", "pec-deck"),
    ("butterfly (pec deck)", "pec-deck"),
    ("cable crossover", "cable-fly"),
    ("chest press (machine)", "chest-press-machine"),
    ("shrug (barbell)", "barbell-shrug"),
    ("shrug (dumbbell)", "dumbbell-shrug"),
    ("lunge (barbell)", "barbell-lunge"),
    ("lunge (dumbbell)", "dumbbell-lunge"),
    ("walking lunge (dumbbell)", "dumbbell-lunge"),
    ("goblet squat (kettlebell)", "goblet-squat"),
    ("goblet squat (dumbbell)", "goblet-squat"),
    ("romanian deadlift (dumbbell)", "dumbbell-romanian-deadlift"),
    ("hip thrust (barbell)", "hip-thrust"),
    ("lateral raise (dumbbell)", "lateral-raise"),
    ("lateral raise (cable)", "cable-lateral-raise"),
    ("reverse fly (dumbbell)", "rear-delt-fly"),
    ("rear delt reverse fly (dumbbell)", "rear-delt-fly"),
    ("pull up", "pull-up"),
    ("pull up (weighted)", "pull-up"),
    ("chin up", "chin-up"),
    ("chin up (weighted)", "chin-up"),
    ("push up", "push-up"),
    ("triceps dip", "dip"),
    ("chest dip", "dip"),
    ("dip (weighted)", "dip"),
    ("hanging knee raise", "hanging-leg-raise"),
    ("back extension (hyperextension)", "back-extension"),
    ("hyperextension", "back-extension"),
    ("swing (kettlebell)", "kettlebell-swing"),
    ("russian kettlebell swing", "kettlebell-swing"),
    ("leg press (machine)", "leg-press"),
    ("hack squat (machine)", "hack-squat"),
    ("split squat (dumbbell)", "bulgarian-split-squat"),
    ("bulgarian split squat", "bulgarian-split-squat"),
    ("step up (dumbbell)", "dumbbell-step-up"),
    ("clean (barbell)", "power-clean"),
    ("power clean", "power-clean"),
];

/// Words for the match: lowercase alphanumeric runs. "Pull-Up (Weighted)" → pull, up, weighted.
fn equipment_word(e: Equipment) -> &'static str {
    match e {
        Equipment::Barbell => "barbell",
        Equipment::Dumbbell => "dumbbell",
        Equipment::Cable => "cable",
        Equipment::Machine => "machine",
        Equipment::Bodyweight => "bodyweight",
        Equipment::Kettlebell => "kettlebell",
    }
}

/// The catalog's exercises keyed by their words with and without the equipment, so
/// "Bench Press (Barbell)" and "Lat Pulldown" both find theirs.
fn word_index(catalog: &Catalog) -> HashMap<BTreeSet<String>, String> {
    let mut index = HashMap::new();
    for e in catalog.all() {
        for text in [&e.name, &e.slug] {
            let base: BTreeSet<String> = words(text).collect();
            let mut with_equipment = base.clone();
            with_equipment.insert(equipment_word(e.equipment).to_owned());
            // The first exercise claiming a key keeps it: built-ins come first.
            index
                .entry(with_equipment)
                .or_insert_with(|| e.slug.clone());
            index.entry(base).or_insert_with(|| e.slug.clone());
        }
    }
    index
}

/// What the import did with a name.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    Known(String),
    /// A new exercise of the user's, made from the name.
    Created(String),
}

/// Resolves names within one import: each distinct name is looked at once.
pub struct Resolver {
    catalog: Catalog,
    index: HashMap<BTreeSet<String>, String>,
    seen: HashMap<String, Result<String, String>>,
    pub created: Vec<ExerciseInfo>,
}

impl Resolver {
    pub fn new(catalog: &Catalog) -> Self {
        Self {
            index: word_index(catalog),
            catalog: catalog.clone(),
            seen: HashMap::new(),
            created: Vec::new(),
        }
    }

    /// The slug for an exercise name (or a slug), creating the user's own exercise when
    /// nothing matches. Fails only when the user already has as many exercises as allowed.
    pub fn slug(&mut self, name: &str) -> Result<String, String> {
        let key = name.trim().to_ascii_lowercase();
        if let Some(done) = self.seen.get(&key) {
            return done.clone();
        }
        let found = self.find(&key).map_or_else(|| self.create(name.trim()), Ok);
        self.seen.insert(key, found.clone());
        found
    }

    /// A slug from Ironlog's own export: kept if the catalog or this import knows it, else
    /// made the user's own exercise under that slug and name.
    pub fn slug_or_create(&mut self, slug: &str, name: &str) -> Result<String, String> {
        if self.catalog.find(slug).is_some() || self.created.iter().any(|e| e.slug == slug) {
            return Ok(slug.to_owned());
        }
        self.create_as(slug, name.trim())
    }

    fn find(&self, key: &str) -> Option<String> {
        if self.catalog.find(key).is_some() {
            return Some(key.to_owned());
        }
        if let Some(e) = self
            .catalog
            .custom
            .iter()
            .chain(&self.created)
            .find(|e| e.name.eq_ignore_ascii_case(key))
        {
            return Some(e.slug.clone());
        }
        if let Some((_, slug)) = ALIASES.iter().find(|(alias, _)| *alias == key) {
            return Some((*slug).to_owned());
        }
        let key_words: BTreeSet<String> = words(key).collect();
        self.index.get(&key_words).cloned()
    }

    fn create(&mut self, name: &str) -> Result<String, String> {
        self.create_as(&slugify(name), name)
    }

    fn create_as(&mut self, slug: &str, name: &str) -> Result<String, String> {
        if self.catalog.custom.len() + self.created.len() >= MAX_EXERCISES {
            return Err(format!(
                "\"{name}\" is not in the catalog, and you already have {MAX_EXERCISES} exercises of your own"
            ));
        }
        let slug = self.free_slug(slug);
        let lower = name.to_ascii_lowercase();
        let equipment = guess_equipment(&lower);
        self.created.push(ExerciseInfo {
            slug: slug.clone(),
            // A file's name may carry anything; an own exercise's name is one clean line.
            name: name
                .chars()
                .filter(|c| !c.is_control())
                .take(crate::rules::MAX_NAME_CHARS)
                .collect(),
            equipment,
            increment_kg: default_increment(equipment),
            primary: guess_muscles(&lower),
            secondary: Vec::new(),
            custom: true,
        });
        Ok(slug)
    }

    /// `base`, or `base-2`, `base-3`… when an exercise already has it.
    fn free_slug(&self, base: &str) -> String {
        first_free(base, |s| {
            self.catalog.find(s).is_some() || self.created.iter().any(|e| e.slug == s)
        })
    }
}

fn guess_equipment(name: &str) -> Equipment {
    let has = |w: &str| name.contains(w);
    if has("barbell") || has("ez bar") || has("trap bar") {
        Equipment::Barbell
    } else if has("dumbbell") {
        Equipment::Dumbbell
    } else if has("cable") {
        Equipment::Cable
    } else if has("kettlebell") {
        Equipment::Kettlebell
    } else if has("bodyweight") || has("weighted") || has("assisted") {
        Equipment::Bodyweight
    } else {
        Equipment::Machine
    }
}

fn default_increment(e: Equipment) -> f64 {
    match e {
        Equipment::Barbell | Equipment::Bodyweight | Equipment::Cable => 2.5,
        Equipment::Dumbbell => 2.0,
        Equipment::Kettlebell => 4.0,
        Equipment::Machine => 5.0,
    }
}

/// The muscles a name suggests, so imported volume lands somewhere sensible; the user can
/// correct them. Unknown names list none and count toward no muscle group.
fn guess_muscles(name: &str) -> Vec<Muscle> {
    const HINTS: &[(&str, Muscle)] = &[
        ("calf", Muscle::Calves),
        ("curl", Muscle::Biceps),
        ("tricep", Muscle::Triceps),
        ("pushdown", Muscle::Triceps),
        ("bench", Muscle::Chest),
        ("chest", Muscle::Chest),
        ("fly", Muscle::Chest),
        ("squat", Muscle::Quads),
        ("leg press", Muscle::Quads),
        ("lunge", Muscle::Quads),
        ("deadlift", Muscle::Hamstrings),
        ("row", Muscle::UpperBack),
        ("pull", Muscle::Lats),
        ("shoulder", Muscle::Shoulders),
        ("raise", Muscle::Shoulders),
        ("press", Muscle::Shoulders),
        ("crunch", Muscle::Abs),
        ("plank", Muscle::Abs),
        ("glute", Muscle::Glutes),
    ];
    HINTS
        .iter()
        .find(|(hint, _)| name.contains(hint))
        .map(|(_, m)| vec![*m])
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::MAX_SLUG_LEN;

    #[test]
    fn names_from_strong_and_hevy_find_the_catalog() {
        let mut r = Resolver::new(&Catalog::default());
        for (name, slug) in [
            ("Bench Press (Barbell)", "bench-press"),
            ("Bench Press (Dumbbell)", "dumbbell-bench-press"),
            ("Squat (Barbell)", "squat"),
            ("Deadlift (Barbell)", "deadlift"),
            ("Romanian Deadlift (Barbell)", "romanian-deadlift"),
            ("Overhead Press (Barbell)", "overhead-press"),
            ("Lat Pulldown (Cable)", "lat-pulldown"),
            ("Leg Extension (Machine)", "leg-extension"),
            ("Pull Up", "pull-up"),
            (
                "Triceps Pushdown (Cable - Straight Bar)",
                "triceps-pushdown",
            ),
            ("face pull (cable)", "face-pull"),
            ("squat", "squat"),
        ] {
            assert_eq!(r.slug(name).as_deref(), Ok(slug), "{name}");
        }
        assert!(r.created.is_empty());
    }

    #[test]
    fn unknown_names_become_the_users_own_exercises_once() {
        let mut r = Resolver::new(&Catalog::default());
        let a = r.slug("Bench Press (Smith Machine)").unwrap();
        assert_eq!(a, "bench-press-smith-machine");
        assert_eq!(r.slug("bench press (smith machine)").unwrap(), a);
        assert_eq!(r.created.len(), 1);
        let made = &r.created[0];
        assert!(made.custom && made.problems().is_empty(), "{made:?}");
        assert_eq!(made.primary, [Muscle::Chest]);
        // A name whose slug is taken by a built-in gets a numbered slug.
        let mut r = Resolver::new(&Catalog::default());
        assert_eq!(r.slug("Squat!!").unwrap(), "squat");
        assert_eq!(r.slug("Dip ").unwrap(), "dip");
        assert_eq!(r.free_slug("squat"), "squat-2");
        assert_eq!(slugify("  ¿?  "), "exercise");
        assert!(slugify(&"very long name ".repeat(20)).len() <= MAX_SLUG_LEN);
    }
}
