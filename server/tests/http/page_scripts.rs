//! The page scripts' twins of Rust logic, run in Node against the Rust they copy: a workout
//! the server refuses from the outbox (`public/offline-ui.js`) names its problems on History
//! exactly as the Log form names them (`app::draft`): the same rows, the same labels.

use app::draft::{describe_field, ExerciseDraft, SetDraft, WorkoutDraft};

fn set(weight: &str, reps: &str) -> SetDraft {
    SetDraft {
        weight: weight.into(),
        reps: reps.into(),
        ..SetDraft::default()
    }
}

#[test]
fn the_outbox_names_a_refused_workouts_problems_as_the_log_form_does() {
    testkit::full_tier!("node (Node.js runs the page script)");
    // Blank rows are skipped on the way to the API, so JSON positions and form rows differ.
    let draft = WorkoutDraft {
        exercises: vec![
            ExerciseDraft::default(),
            ExerciseDraft {
                exercise: "squat".into(),
                sets: vec![set("", ""), set("100", "5"), set("100", "x")],
                ..ExerciseDraft::default()
            },
            ExerciseDraft {
                exercise: "bench-press".into(),
                sets: vec![set("60", "8")],
                ..ExerciseDraft::default()
            },
        ],
        ..WorkoutDraft::default()
    };
    let (_, positions) = draft.to_body();
    let fields = [
        "exercises[0].sets[1].reps",
        "exercises[0].sets[0].weight_kg",
        "exercises[1].exercise",
        "exercises[1].notes",
        "exercises[7].sets[0].rpe",
        "performed_at",
        "id",
        "notes",
        "",
    ];
    let rust: Vec<String> = fields
        .iter()
        .map(|f| describe_field(&positions.to_form_field(f)))
        .collect();

    let script = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../public/offline-ui.js"
    ))
    .expect("public/offline-ui.js");
    let from = script
        .find("  function toFormField(")
        .expect("offline-ui.js has toFormField");
    let to = script[from..]
        .find("  function when(")
        .map(|n| from + n)
        .expect("describe is followed by when");
    let program = format!(
        "{}\nconst [positions, fields] = JSON.parse(process.argv[1]);\n\
         console.log(JSON.stringify(fields.map((f) => describe(toFormField(f, positions)))));",
        &script[from..to]
    );
    let input = serde_json::to_string(&(&positions, &fields)).expect("the input as JSON");
    let out = std::process::Command::new("node")
        .args(["-e", &program, &input])
        .output()
        .expect("node runs (scripts/setup.sh installs it)");
    assert!(
        out.status.success(),
        "node: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let js: Vec<String> = serde_json::from_slice(&out.stdout).expect("node printed JSON");
    assert_eq!(
        js, rust,
        "offline-ui.js and app::draft name the fields differently"
    );
    assert_eq!(
        rust[0], "Exercise 2, set 3: reps",
        "the form's rows, not the JSON's"
    );
}
