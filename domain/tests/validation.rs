use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::{decode_new_workout, NewWorkout, Problem, WorkoutLogged};
use proptest::prelude::*;
use serde_json::{json, Value};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
}

fn valid() -> Value {
    json!({
        "id": "0192e4a0-7b1c-7cc0-a5b2-3f0c1d2e4f5a",
        "performed_at": "2026-11-23T10:30:00+01:00",
        "exercises": [
            {"exercise": "squat", "sets": [{"weight_kg": 100.0, "reps": 5, "rpe": 8.0}, {"weight_kg": 100, "reps": 5}]},
            {"exercise": "bench-press", "sets": [{"weight_kg": 70.5, "reps": 8, "rpe": null}]}
        ]
    })
}

fn fields(body: &Value) -> Vec<String> {
    let mut f: Vec<String> = decode_new_workout(body, now())
        .expect_err("should be invalid")
        .into_iter()
        .map(|p| p.field)
        .collect();
    f.sort();
    f
}

#[test]
fn accepts_a_valid_workout_in_kilograms_and_utc() {
    let w = decode_new_workout(&valid(), now()).unwrap();
    assert_eq!(
        w.performed_at,
        Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).unwrap()
    );
    assert_eq!(w.exercises[0].sets[0].rpe, Some(8.0));
    assert_eq!(w.exercises[0].sets[1].rpe, None);
    assert_eq!(w.exercises[1].sets[0].weight_kg, 70.5);
}

#[test]
fn names_the_path_of_an_out_of_range_value() {
    let mut body = valid();
    body["exercises"][0]["sets"][1]["reps"] = json!(0);
    let problems = decode_new_workout(&body, now()).unwrap_err();
    assert_eq!(
        problems,
        vec![Problem::new(
            "exercises[0].sets[1].reps",
            "must be between 1 and 100"
        )]
    );
    assert_eq!(
        problems[0].to_string(),
        "exercises[0].sets[1].reps: must be between 1 and 100"
    );
}

#[test]
fn reports_every_problem_at_once() {
    let body = json!({
        "id": "not-a-uuid",
        "performed_at": 12,
        "extra": true,
        "exercises": [
            {"exercise": "Bench Press", "sets": [{"weight_kg": -1, "reps": 2.5, "rpe": 11, "tempo": "3-1-1"}]},
            {"exercise": "squat", "sets": []},
            "deadlift"
        ]
    });
    assert_eq!(
        fields(&body),
        vec![
            "exercises[0].exercise",
            "exercises[0].sets[0].reps",
            "exercises[0].sets[0].rpe",
            "exercises[0].sets[0].tempo",
            "exercises[0].sets[0].weight_kg",
            "exercises[1].sets",
            "exercises[2]",
            "extra",
            "id",
            "performed_at",
        ]
    );
}

#[test]
fn reports_missing_fields_and_wrong_top_level_types() {
    assert_eq!(fields(&json!({})), vec!["exercises", "id", "performed_at"]);
    assert_eq!(fields(&json!([1, 2])), vec![""]);
    assert_eq!(
        fields(
            &json!({"id": "0192e4a0-7b1c-7cc0-a5b2-3f0c1d2e4f5a", "performed_at": "2026-11-23T10:30:00Z", "exercises": {}})
        ),
        vec!["exercises"]
    );
}

#[test]
fn rejects_nil_ids_future_and_ancient_dates() {
    let mut body = valid();
    body["id"] = json!("00000000-0000-0000-0000-000000000000");
    body["performed_at"] = json!((now() + Duration::hours(25)).to_rfc3339());
    assert_eq!(fields(&body), vec!["id", "performed_at"]);
    body["id"] = valid()["id"].clone();
    body["performed_at"] = json!("1999-12-31T23:59:59Z");
    assert_eq!(fields(&body), vec!["performed_at"]);
}

#[test]
fn rejects_too_many_exercises_and_sets() {
    let mut body = valid();
    let set = json!({"weight_kg": 20, "reps": 10});
    body["exercises"][0]["sets"] = Value::Array(vec![set; 101]);
    assert_eq!(fields(&body), vec!["exercises[0].sets"]);
    let ex = valid()["exercises"][1].clone();
    body["exercises"] = Value::Array(vec![ex; 51]);
    assert_eq!(fields(&body), vec!["exercises"]);
}

#[test]
fn rpe_accepts_half_steps_only() {
    for (rpe, ok) in [
        (6.5, true),
        (10.0, true),
        (1.0, true),
        (7.25, false),
        (0.5, false),
        (10.5, false),
    ] {
        let mut body = valid();
        body["exercises"][0]["sets"][0]["rpe"] = json!(rpe);
        assert_eq!(decode_new_workout(&body, now()).is_ok(), ok, "rpe {rpe}");
    }
}

fn arb_set() -> impl Strategy<Value = Value> {
    (0u32..=4000, 1u32..=100, proptest::option::of(2u32..=20)).prop_map(
        |(quarter_kg, reps, half_rpe)| {
            let mut s = json!({"weight_kg": f64::from(quarter_kg) / 4.0, "reps": reps});
            if let Some(h) = half_rpe {
                s["rpe"] = json!(f64::from(h) / 2.0);
            }
            s
        },
    )
}

fn arb_workout() -> impl Strategy<Value = Value> {
    let exercise = (
        proptest::sample::select(
            domain::catalog::EXERCISES
                .iter()
                .map(|e| e.slug)
                .collect::<Vec<_>>(),
        ),
        proptest::collection::vec(arb_set(), 1..8),
    )
        .prop_map(|(slug, sets)| json!({"exercise": slug, "sets": sets}));
    (
        any::<u128>(),
        0i64..(26 * 365 * 86_400),
        proptest::collection::vec(exercise, 1..6),
    )
        .prop_map(|(id, secs, exercises)| {
            let id = uuid::Uuid::from_u128(id | 1);
            let at = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap() + Duration::seconds(secs);
            json!({"id": id, "performed_at": at.to_rfc3339(), "exercises": exercises})
        })
}

/// The three places a value can break a rule, with the field path each must be reported at.
#[derive(Debug, Clone)]
enum Breakage {
    Reps(u64),
    Weight(f64),
    Rpe(f64),
}

fn arb_breakage() -> impl Strategy<Value = Breakage> {
    prop_oneof![
        prop_oneof![Just(0u64), 101u64..100_000].prop_map(Breakage::Reps),
        prop_oneof![-1e6..-0.001f64, 1000.001..1e9f64].prop_map(Breakage::Weight),
        prop_oneof![-10.0..0.99f64, 10.01..100.0f64].prop_map(Breakage::Rpe),
    ]
}

/// Any JSON value, nested up to a few levels: objects with the workout's own keys among
/// random ones, so generated values reach the decoder's checks, not only its first refusal.
fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        "\\PC{0,20}".prop_map(Value::from),
        Just(json!("2026-11-23T10:30:00Z")),
        Just(json!("0192e4a0-7b1c-7cc0-a5b2-3f0c1d2e4f5a")),
    ];
    let key = prop_oneof![
        Just("id".to_owned()),
        Just("performed_at".to_owned()),
        Just("exercises".to_owned()),
        Just("exercise".to_owned()),
        Just("sets".to_owned()),
        Just("reps".to_owned()),
        Just("weight_kg".to_owned()),
        Just("rpe".to_owned()),
        "[a-z_]{1,8}",
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            proptest::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn every_valid_workout_decodes_to_what_was_sent(body in arb_workout()) {
        let w: NewWorkout = decode_new_workout(&body, now()).expect("valid");
        prop_assert_eq!(w.exercises.len(), body["exercises"].as_array().unwrap().len());
        let re = serde_json::to_value(&w).unwrap();
        prop_assert_eq!(decode_new_workout(&re, now()), Ok(w.clone()));
        // The decoder and the consumer's re-check agree on what is valid.
        let event = WorkoutLogged::new(w, "u", now());
        prop_assert!(event.problems(now()).is_empty());
    }

    #[test]
    fn each_broken_value_is_reported_at_its_path(
        body in arb_workout(),
        breaks in proptest::collection::vec((any::<prop::sample::Index>(), arb_breakage()), 1..5),
    ) {
        let mut body = body;
        let mut expected = std::collections::BTreeSet::new();
        for (idx, breakage) in breaks {
            let n_ex = body["exercises"].as_array().unwrap().len();
            let i = idx.index(n_ex);
            let n_sets = body["exercises"][i]["sets"].as_array().unwrap().len();
            let j = idx.index(n_sets);
            let set = &mut body["exercises"][i]["sets"][j];
            let (key, value) = match breakage {
                Breakage::Reps(r) => ("reps", json!(r)),
                Breakage::Weight(w) => ("weight_kg", json!(w)),
                Breakage::Rpe(r) => ("rpe", json!(r)),
            };
            set[key] = value;
            expected.insert(format!("exercises[{i}].sets[{j}].{key}"));
        }
        let problems = decode_new_workout(&body, now()).expect_err("broken");
        let got: std::collections::BTreeSet<String> = problems.iter().map(|p| p.field.clone()).collect();
        prop_assert_eq!(&got, &expected);
        // The consumer's re-check finds the same fields when the broken values reach the queue
        // as an event (another publisher, an older version): built here without the decoder.
        let mut event = body.clone();
        event["v"] = json!(domain::EVENT_VERSION);
        event["user_id"] = json!("u");
        event["revision"] = json!(1);
        event["received_at"] = json!(now().to_rfc3339());
        let event: WorkoutLogged = serde_json::from_value(event).expect("the event decodes");
        let rechecked: std::collections::BTreeSet<String> =
            event.problems(now()).into_iter().map(|p| p.field).collect();
        prop_assert_eq!(rechecked, expected);
    }

    #[test]
    fn arbitrary_json_never_panics_and_errors_are_never_empty(v in arb_json()) {
        if let Err(problems) = decode_new_workout(&v, now()) {
            prop_assert!(!problems.is_empty());
        }
    }

    #[test]
    fn a_valid_workout_with_any_value_swapped_in_never_panics(
        path in proptest::sample::select(vec![
            "/id", "/performed_at", "/exercises", "/exercises/0", "/exercises/0/exercise",
            "/exercises/0/sets", "/exercises/0/sets/0", "/exercises/0/sets/0/reps",
            "/exercises/0/sets/0/weight_kg", "/exercises/0/sets/0/rpe", "/exercises/1/sets/0",
        ]),
        value in arb_json(),
    ) {
        let mut body = valid();
        if let Some(slot) = body.pointer_mut(path) {
            *slot = value;
        }
        // Whatever the value, the answer is a workout or a non-empty list of problems, and a
        // workout it accepts is one the consumer's re-check accepts too.
        match decode_new_workout(&body, now()) {
            Ok(w) => prop_assert!(WorkoutLogged::new(w, "u", now()).problems(now()).is_empty()),
            Err(problems) => prop_assert!(!problems.is_empty()),
        }
    }

    #[test]
    fn arbitrary_values_in_a_set_never_panic(v in proptest::arbitrary::any::<i64>(), f in proptest::num::f64::ANY) {
        let mut body = valid();
        body["exercises"][0]["sets"][0]["reps"] = json!(v);
        body["exercises"][0]["sets"][0]["weight_kg"] = json!(f);
        let _ = decode_new_workout(&body, now());
    }
}

#[test]
fn notes_set_kinds_groups_and_revisions_are_read_and_checked() {
    let mut body = valid();
    body["notes"] = json!("Gym was packed.\nShort rest.");
    body["revision"] = json!(1_764_000_000_000u64);
    body["exercises"][0]["notes"] = json!("belt from set 2");
    body["exercises"][0]["group"] = json!(1);
    body["exercises"][1]["group"] = json!(1);
    body["exercises"][0]["sets"][0]["kind"] = json!("warmup");
    body["exercises"][1]["sets"][0]["kind"] = json!("failure");
    let w = decode_new_workout(&body, now()).expect("valid");
    assert_eq!(w.notes.as_deref(), Some("Gym was packed.\nShort rest."));
    assert_eq!(w.revision, 1_764_000_000_000);
    assert_eq!(w.exercises[0].group, Some(1));
    assert_eq!(w.exercises[0].sets[0].kind, domain::SetKind::Warmup);
    assert_eq!(w.exercises[1].sets[0].kind, domain::SetKind::Failure);
    assert_eq!(w.exercises[0].sets[1].kind, domain::SetKind::Working);
    // A blank note is no note; a first log without a revision is revision 1.
    let mut plain = valid();
    plain["notes"] = json!("   ");
    let w = decode_new_workout(&plain, now()).expect("valid");
    assert_eq!((w.notes, w.revision), (None, 1));

    let mut bad = valid();
    bad["notes"] = json!("a\u{0007}bell");
    bad["revision"] = json!(0);
    bad["exercises"][0]["notes"] = json!("x".repeat(1001));
    bad["exercises"][0]["group"] = json!(27);
    bad["exercises"][1]["group"] = json!("A");
    bad["exercises"][0]["sets"][1]["kind"] = json!("cluster");
    assert_eq!(
        fields(&bad),
        [
            "exercises[0].group",
            "exercises[0].notes",
            "exercises[0].sets[1].kind",
            "exercises[1].group",
            "notes",
            "revision",
        ]
    );
    let mut ahead = valid();
    ahead["revision"] =
        json!(u64::try_from((now() + chrono::Duration::days(2)).timestamp_millis()).unwrap());
    assert_eq!(fields(&ahead), ["revision"]);
}

#[test]
fn a_whole_number_written_with_a_zero_fraction_is_the_integer_the_schema_allows() {
    let mut body = valid();
    body["exercises"][0]["sets"][0]["reps"] = json!(5.0);
    body["exercises"][0]["group"] = json!(1.0);
    body["revision"] = json!(2.0);
    let w = decode_new_workout(&body, now()).expect("17.0 is an integer to JSON Schema");
    assert_eq!(w.exercises[0].sets[0].reps, 5);
    assert_eq!(w.exercises[0].group, Some(1));
    assert_eq!(w.revision, 2);
    let mut half = valid();
    half["exercises"][0]["sets"][0]["reps"] = json!(5.5);
    half["exercises"][0]["group"] = json!(-1.0);
    assert_eq!(
        fields(&half),
        ["exercises[0].group", "exercises[0].sets[0].reps"]
    );
}
