//! Import fixtures for Strong and Hevy exports (and Ironlog's own CSV), including malformed
//! rows, which are reported with their line and never stop the rest of the file.

use chrono::{FixedOffset, TimeZone, Utc};
use domain::catalog::Catalog;
use domain::export::to_csv;
use domain::import::{content_id, parse, Import, ImportError, Options, Source};
use domain::units::Unit;
use domain::{SetKind, WorkoutLogged, EVENT_VERSION};

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/import/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn options() -> Options {
    Options {
        user_id: "u1".into(),
        unit: Unit::Kg,
        utc_offset: FixedOffset::east_opt(0).unwrap(),
        now: Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap(),
    }
}

fn read(name: &str) -> Import {
    parse(&fixture(name), None, &Catalog::default(), &options()).unwrap()
}

/// (kg rounded to grams, reps, rpe)
type Set = (f64, u32, Option<f64>);

/// (slug, sets of work) per exercise entry of one workout: warm-ups are left out here and
/// checked on their own.
fn shape(import: &Import, i: usize) -> Vec<(String, Vec<Set>)> {
    import.workouts[i]
        .exercises
        .iter()
        .map(|e| {
            let sets = e
                .sets
                .iter()
                .filter(|s| s.kind.counts())
                .map(|s| ((s.weight_kg * 1000.0).round() / 1000.0, s.reps, s.rpe))
                .collect();
            (e.exercise.clone(), sets)
        })
        .collect()
}

#[test]
fn strong_sessions_sets_and_skips() {
    let import = read("strong.csv");
    assert_eq!(import.source, Source::Strong);
    assert_eq!(import.rows, 12);
    assert!(import.rejected.is_empty(), "{:?}", import.rejected);
    assert_eq!(import.warmup_sets, 1);
    assert_eq!(import.non_strength_sets, 2, "the plank hold and the run");
    assert_eq!(import.workouts.len(), 2);
    assert_eq!(
        import.workouts[0].performed_at,
        Utc.with_ymd_and_hms(2024, 3, 4, 18, 2, 11).unwrap()
    );
    assert_eq!(
        shape(&import, 0),
        [
            (
                "squat".to_owned(),
                vec![
                    (100.0, 5, None),
                    (100.0, 5, Some(8.0)),
                    (100.0, 5, Some(8.5))
                ]
            ),
            (
                "bench-press".to_owned(),
                vec![(70.0, 8, None), (70.0, 8, None)]
            ),
            (
                "bench-press-smith-machine".to_owned(),
                vec![(50.0, 10, None)]
            ),
        ]
    );
    assert_eq!(
        shape(&import, 1),
        [
            ("deadlift".to_owned(), vec![(140.0, 5, None)]),
            ("pull-up".to_owned(), vec![(0.0, 8, None), (0.0, 7, None)]),
        ]
    );
    // The one name the catalog lacks became the user's own exercise.
    let made: Vec<&str> = import
        .new_exercises
        .iter()
        .map(|e| e.slug.as_str())
        .collect();
    assert_eq!(made, ["bench-press-smith-machine"]);
}

#[test]
fn strong_with_semicolons_decimal_commas_and_units_per_row() {
    let import = read("strong_semicolon_lbs.csv");
    assert!(import.rejected.is_empty(), "{:?}", import.rejected);
    assert_eq!(
        shape(&import, 0),
        [
            (
                "bench-press".to_owned(),
                vec![(83.915, 5, None), (83.915, 5, None)]
            ),
            ("overhead-press".to_owned(), vec![(42.5, 6, Some(7.5))]),
        ]
    );
}

#[test]
fn strongs_other_layout_numbered_workouts_and_units_in_the_headers() {
    let kg = read("strong_numbered_kg.csv");
    assert_eq!(kg.source, Source::Strong);
    assert!(kg.rejected.is_empty(), "{:?}", kg.rejected);
    assert_eq!(kg.rows, 8);
    assert_eq!(kg.warmup_sets, 1);
    assert_eq!(
        kg.non_strength_sets, 3,
        "the plank hold, the run, and the ride (a distance with a decimal comma, no time)"
    );
    // Workouts 1 and 2 share their start and name: the number keeps them apart.
    assert_eq!(kg.workouts.len(), 3);
    let shapes: Vec<_> = (0..3).map(|i| shape(&kg, i)).collect();
    assert!(shapes.contains(&vec![(
        "squat".to_owned(),
        vec![(102.5, 5, Some(8.0)), (102.5, 5, Some(8.5))]
    )]));
    assert!(shapes.contains(&vec![("deadlift".to_owned(), vec![(140.0, 3, None)])]));
    assert_eq!(
        shape(&kg, 2),
        [("bench-press".to_owned(), vec![(72.5, 8, None)])]
    );
    assert_eq!(
        kg.workouts[2].performed_at,
        Utc.with_ymd_and_hms(2024, 4, 4, 18, 0, 0).unwrap()
    );

    // A row whose own unit contradicts the header's is refused, not read in the wrong unit.
    let both = "Workout #;Date;Exercise Name;Set Order;Weight (kg);Weight Unit;Reps\n\
                1;2024-04-02 07:15:00;Squat (Barbell);1;100;lbs;5\n\
                1;2024-04-02 07:15:00;Squat (Barbell);2;100;kg;5\n";
    let mixed = parse(both, None, &Catalog::default(), &options()).unwrap();
    assert_eq!(mixed.rejected.len(), 1, "{:?}", mixed.rejected);
    assert_eq!(mixed.rejected[0].line, 2);
    assert!(
        mixed.rejected[0].reason.contains("contradicts"),
        "{:?}",
        mixed.rejected
    );
    assert_eq!(
        shape(&mixed, 0),
        [("squat".to_owned(), vec![(100.0, 5, None)])]
    );

    // Pounds in the header, whatever the user's unit; a drop set is a set.
    let lbs = read("strong_numbered_lbs.csv");
    assert!(lbs.rejected.is_empty(), "{:?}", lbs.rejected);
    assert_eq!(
        shape(&lbs, 0),
        [(
            "bench-press".to_owned(),
            vec![(83.915, 5, None), (61.235, 10, None)]
        )]
    );
}

#[test]
fn strong_local_times_take_the_given_offset() {
    let mut o = options();
    o.utc_offset = FixedOffset::east_opt(2 * 3600).unwrap();
    let import = parse(&fixture("strong.csv"), None, &Catalog::default(), &o).unwrap();
    assert_eq!(
        import.workouts[0].performed_at,
        Utc.with_ymd_and_hms(2024, 3, 4, 16, 2, 11).unwrap()
    );
}

#[test]
fn hevy_sessions_supersets_and_skips() {
    let import = read("hevy.csv");
    assert_eq!(import.source, Source::Hevy);
    assert!(import.rejected.is_empty(), "{:?}", import.rejected);
    assert_eq!((import.warmup_sets, import.non_strength_sets), (1, 1));
    assert_eq!(
        shape(&import, 0),
        [
            (
                "bench-press".to_owned(),
                vec![(80.0, 5, Some(8.0)), (80.0, 5, Some(9.0))]
            ),
            ("lateral-raise".to_owned(), vec![(10.0, 12, None)]),
            ("triceps-pushdown".to_owned(), vec![(25.0, 12, None)]),
            ("lateral-raise".to_owned(), vec![(10.0, 11, None)]),
        ]
    );
    assert_eq!(
        shape(&import, 1),
        [
            ("squat".to_owned(), vec![(110.0, 5, None)]),
            ("leg-press".to_owned(), vec![(200.0, 12, None)]),
        ]
    );
    assert_eq!(
        import.workouts[1].performed_at,
        Utc.with_ymd_and_hms(2024, 1, 17, 18, 0, 0).unwrap()
    );
    assert!(import.new_exercises.is_empty());
}

#[test]
fn hevy_in_pounds() {
    let import = read("hevy_lbs.csv");
    assert!(import.rejected.is_empty(), "{:?}", import.rejected);
    assert_eq!(
        shape(&import, 0),
        [
            ("deadlift".to_owned(), vec![(142.882, 3, None)]),
            ("lat-pulldown".to_owned(), vec![(54.431, 10, None)]),
        ]
    );
}

#[test]
fn malformed_strong_rows_are_reported_and_the_rest_imports() {
    let import = read("malformed_strong.csv");
    let lines: Vec<(u64, &str)> = import
        .rejected
        .iter()
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            (3, "date \"yesterday\" is not a date and time like 2024-03-01 18:30:00"),
            (4, "weight \"heavy\" is not a number"),
            (5, "reps \"5.5\" is not a whole number"),
            (6, "reps 500 must be between 1 and 100"),
            (7, "weight -20 kg must be between 0 and 1000 kg"),
            (8, "RPE 11 must be between 1 and 10 in steps of 0.5"),
            (9, "the exercise name is empty"),
            (10, "set order \"X\" is not a number, W, D or F"),
            (11, "reps are empty"),
            (12, "the session \"Old 1999-12-31 10:00:00\" (1 rows): its date must not be before 2000-01-01"),
        ]
    );
    assert_eq!(import.rows, 12, "the blank line is not a row");
    assert_eq!(
        shape(&import, 0),
        [("squat".to_owned(), vec![(100.0, 5, None); 2])]
    );
}

#[test]
fn malformed_hevy_rows_are_reported_and_the_rest_imports() {
    let import = read("malformed_hevy.csv");
    let lines: Vec<u64> = import.rejected.iter().map(|r| r.line).collect();
    assert_eq!(lines, [3, 4, 5, 6], "{:?}", import.rejected);
    assert!(import.rejected[0].reason.contains("set type \"superset\""));
    assert!(import.rejected[1].reason.contains("32 Jan 2024"));
    assert!(import.rejected[2].reason.contains("1000 kg"));
    assert_eq!(import.rejected[3].reason, "reps are empty");
    assert_eq!(
        shape(&import, 0),
        [("bench-press".to_owned(), vec![(80.0, 5, None)])]
    );
}

#[test]
fn files_that_cannot_be_read_say_why() {
    let c = Catalog::default();
    let o = options();
    assert_eq!(parse("", None, &c, &o), Err(ImportError::Empty));
    assert_eq!(parse("\n  \n", None, &c, &o), Err(ImportError::Empty));
    assert_eq!(
        parse("a,b,c\n1,2,3\n", None, &c, &o),
        Err(ImportError::UnknownFormat)
    );
    let missing = parse("Date,Exercise Name,Set Order\n", None, &c, &o).unwrap_err();
    assert_eq!(
        missing.to_string(),
        "the Strong header lacks the column(s) \"reps\", \"weight\" (or \"weight (kg)\" or \"weight (lbs)\")"
    );
    let forced = parse(&fixture("strong.csv"), Some(Source::Hevy), &c, &o).unwrap_err();
    assert!(matches!(
        forced,
        ImportError::MissingColumns {
            format: Source::Hevy,
            ..
        }
    ));
    let broken = "Date,Exercise Name,Set Order,Weight,Reps\n2024-01-01 10:00:00,\"Squat,1,100,5\n";
    assert!(matches!(
        parse(broken, None, &c, &o),
        Ok(_) | Err(ImportError::Unreadable { .. })
    ));
}

#[test]
fn ids_come_from_the_content_and_the_user() {
    let a = read("strong.csv");
    let b = read("strong.csv");
    assert_eq!(a.workouts, b.workouts, "same file, same sessions and ids");
    let w = &a.workouts[0];
    assert_eq!(w.id, content_id("u1", w.performed_at, &w.exercises));
    assert_ne!(
        w.id,
        content_id("u2", w.performed_at, &w.exercises),
        "per user"
    );
    let mut changed = w.exercises.clone();
    let work = changed[0]
        .sets
        .iter_mut()
        .find(|s| s.kind.counts())
        .unwrap();
    work.reps += 1;
    assert_ne!(w.id, content_id("u1", w.performed_at, &changed));
    assert_ne!(a.workouts[0].id, a.workouts[1].id);
}

/// An import's sessions as the store would hold them for user `u1`.
fn stored_as_u1(import: &domain::import::Import) -> Vec<WorkoutLogged> {
    import
        .workouts
        .iter()
        .map(|w| WorkoutLogged::new(w.clone(), "u1", options().now))
        .collect()
}

#[test]
fn the_csv_export_imports_back_to_the_same_sessions() {
    let import = read("hevy.csv");
    let catalog = Catalog::with_custom(import.new_exercises.clone());
    let stored = stored_as_u1(&import);
    assert!(stored.iter().all(|w| w.v == EVENT_VERSION));
    let csv = to_csv(&stored, &catalog).unwrap();
    assert!(csv.starts_with(
        "workout_id,performed_at,exercise,exercise_name,set,weight_kg,reps,rpe,kind,superset,exercise_notes,workout_notes\n"
    ));
    let again = parse(&csv, None, &catalog, &options()).unwrap();
    assert_eq!(again.source, Source::Ironlog);
    assert!(again.rejected.is_empty(), "{:?}", again.rejected);
    assert_eq!(
        again.workouts, import.workouts,
        "same content, so the same ids"
    );
}

#[test]
fn formula_payloads_round_trip_and_never_start_a_cell_of_the_export() {
    let payloads = [
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "'=already quoted",
    ];
    let mut strong = String::from("Date,Workout Name,Exercise Name,Set Order,Weight,Reps\n");
    for (i, p) in payloads.iter().enumerate() {
        strong.push_str(&format!(
            "2024-01-0{} 10:00:00,Day,\"{}\",1,100,5\n",
            i + 1,
            p.replace('"', "\"\"")
        ));
    }
    let import = parse(&strong, None, &Catalog::default(), &options()).unwrap();
    assert!(import.rejected.is_empty(), "{:?}", import.rejected);
    let names: Vec<&str> = import
        .new_exercises
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    for p in payloads {
        assert!(
            names.contains(&p),
            "{p:?} is an exercise of its own: {names:?}"
        );
    }
    let catalog = Catalog::with_custom(import.new_exercises.clone());
    let stored = stored_as_u1(&import);
    let csv = to_csv(&stored, &catalog).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    for record in reader.records() {
        for cell in record.unwrap().iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a cell of the export starts a formula: {cell:?}"
            );
        }
    }
    let again = parse(&csv, None, &catalog, &options()).unwrap();
    assert!(again.rejected.is_empty(), "{:?}", again.rejected);
    assert_eq!(
        again.workouts, import.workouts,
        "lossless: same sessions, same ids"
    );
}

#[test]
fn a_summary_reads_as_sentences() {
    use domain::import::{Rejection, Summary};
    let summary = Summary {
        format: Source::Strong,
        rows: 12,
        sessions: 3,
        imported: 2,
        duplicates: 1,
        deleted: 0,
        failed: 0,
        warmup_sets: 2,
        non_strength_sets: 0,
        rejected: vec![Rejection {
            line: 7,
            reason: "reps \"x\" is not a whole number".into(),
        }],
        rejected_total: 3,
        new_exercises: vec!["Zercher squat".into()],
    };
    assert_eq!(
        summary.message(),
        "2 of 3 sessions imported, 1 already there, 3 rows rejected."
    );
    let deleted = Summary {
        imported: 1,
        deleted: 1,
        ..summary.clone()
    };
    assert_eq!(
        deleted.message(),
        "1 of 3 sessions imported, 1 already there, 1 you deleted before (left deleted), 3 rows rejected."
    );
    assert_eq!(
        summary.facts(),
        [
            "12 rows read (Strong file)",
            "2 warm-up sets kept as warm-ups (they count toward no record or volume)",
            "New exercises of yours: Zercher squat"
        ]
    );
    assert_eq!(
        summary.rejection_lines(),
        ["Line 7: reps \"x\" is not a whole number", "…and 2 more"]
    );
}

#[test]
fn strong_set_orders_and_notes_are_kept() {
    let import = read("strong_notes_kinds.csv");
    assert!(import.rejected.is_empty(), "{:?}", import.rejected);
    assert_eq!(import.warmup_sets, 2);
    let w = &import.workouts[0];
    assert_eq!(w.notes.as_deref(), Some("Slept badly.\nStill a PR."));
    let bench = &w.exercises[0];
    assert_eq!(bench.notes.as_deref(), Some("Elbows tucked"));
    let kinds: Vec<SetKind> = bench.sets.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            SetKind::Warmup,
            SetKind::Warmup,
            SetKind::Working,
            SetKind::Failure,
            SetKind::Drop
        ]
    );
    assert_eq!(bench.sets[2].rpe, Some(9.0));
    assert_eq!(w.exercises[1].notes, None);
    assert_eq!(w.exercises[1].sets[0].rpe, Some(8.5));
}

#[test]
fn hevy_set_types_supersets_and_notes_are_kept() {
    let import = read("hevy_notes_supersets.csv");
    assert!(import.rejected.is_empty(), "{:?}", import.rejected);
    let w = &import.workouts[0];
    assert_eq!(w.notes.as_deref(), Some("Gym was packed"));
    let entries: Vec<(&str, Option<u8>, usize)> = w
        .exercises
        .iter()
        .map(|e| (e.exercise.as_str(), e.group, e.sets.len()))
        .collect();
    // Hevy's superset 3 keeps its number; superset 7 is past the letters a form offers but a
    // group can be it too.
    assert_eq!(
        entries,
        [
            ("overhead-press", None, 3),
            ("barbell-row", Some(3), 1),
            ("dumbbell-curl", Some(7), 1),
            ("triceps-pushdown", Some(7), 1),
            ("dumbbell-curl", Some(7), 1),
            ("triceps-pushdown", Some(7), 1),
            ("lat-pulldown", Some(3), 1),
        ]
    );
    let press = &w.exercises[0];
    assert_eq!(press.notes.as_deref(), Some("Strict, no leg drive"));
    assert_eq!(
        press.sets.iter().map(|s| s.kind).collect::<Vec<_>>(),
        [SetKind::Warmup, SetKind::Working, SetKind::Failure]
    );
    assert_eq!(w.exercises[3].sets[0].kind, SetKind::Drop);
    assert_eq!(w.exercises[1].sets[0].rpe, Some(7.5));
}

#[test]
fn notes_set_kinds_and_supersets_survive_an_export_and_an_import() {
    for file in [
        "strong_notes_kinds.csv",
        "hevy_notes_supersets.csv",
        "hevy.csv",
        "strong.csv",
    ] {
        let import = read(file);
        let catalog = Catalog::with_custom(import.new_exercises.clone());
        let stored = stored_as_u1(&import);
        let csv = to_csv(&stored, &catalog).unwrap();
        let again = parse(&csv, None, &catalog, &options()).unwrap();
        assert!(again.rejected.is_empty(), "{file}: {:?}", again.rejected);
        assert_eq!(again.workouts, import.workouts, "{file}: nothing lost");
    }
}

#[test]
fn warm_ups_and_notes_leave_the_content_id_as_it_was_before_they_were_kept() {
    let import = read("strong_notes_kinds.csv");
    let w = &import.workouts[0];
    let mut bare = w.exercises.clone();
    for e in &mut bare {
        e.notes = None;
        e.group = None;
        e.sets.retain(|s| s.kind.counts());
        for s in &mut e.sets {
            s.kind = SetKind::Working;
        }
    }
    assert_eq!(w.id, content_id("u1", w.performed_at, &bare));
}

#[test]
fn an_ironlog_exports_workout_ids_stay_with_their_sessions_when_sorted() {
    // The export lists the newest first; the import sorts oldest first, ids alongside.
    let (newer, older) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let csv = format!(
        "workout_id,performed_at,exercise,exercise_name,set,weight_kg,reps,rpe,kind,superset,exercise_notes,workout_notes\n\
         {newer},2024-03-02T18:00:00Z,squat,Back squat,1,100,5,,working,,,\n\
         {older},2024-03-01T18:00:00Z,squat,Back squat,1,90,5,,working,,,\n"
    );
    let import = parse(&csv, Some(Source::Ironlog), &Catalog::default(), &options()).unwrap();
    let pairs: Vec<(f64, Option<uuid::Uuid>)> = import
        .workouts
        .iter()
        .zip(&import.file_ids)
        .map(|(w, id)| (w.exercises[0].sets[0].weight_kg, *id))
        .collect();
    assert_eq!(pairs, [(90.0, Some(older)), (100.0, Some(newer))]);
}
