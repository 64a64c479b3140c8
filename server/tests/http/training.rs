//! The training engine through the JSON API on the embedded server: the catalog, the
//! programs, the profile, and a plan that follows the history — log the plan as prescribed
//! and the next plan for that exercise progresses.

use std::time::Duration;

use crate::support::*;
use serde_json::{json, Value};
use uuid::Uuid;

pub(crate) async fn plan(client: &reqwest::Client, base: &str) -> Value {
    get_json(client, &format!("{base}/api/v1/plan")).await
}

fn working_sets<'a>(plan: &'a Value, exercise: &str) -> Vec<&'a Value> {
    plan["exercises"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["exercise"] == exercise)
        .unwrap_or_else(|| panic!("{exercise} in {plan}"))["sets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["warmup"] == false)
        .collect()
}

/// Logs the plan exactly as prescribed (every rep made) and waits until it is stored.
pub(crate) async fn do_as_planned(
    client: &reqwest::Client,
    base: &str,
    plan: &Value,
    expected: &mut Vec<String>,
) {
    let id = Uuid::now_v7();
    let exercises: Vec<Value> = plan["exercises"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let sets: Vec<Value> = e["sets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| json!({"weight_kg": s["weight_kg"], "reps": s["reps"]}))
                .collect();
            json!({"exercise": e["exercise"], "sets": sets})
        })
        .collect();
    let body =
        json!({"id": id, "performed_at": chrono::Utc::now().to_rfc3339(), "exercises": exercises});
    assert_eq!(post(client, base, &body).await.0, 202, "{body}");
    expected.push(id.to_string());
    await_exactly(
        client,
        base,
        &expected.iter().cloned().collect(),
        Duration::from_secs(10),
    )
    .await;
    // Stored is not yet counted: the worker raises the read model's generation just after it
    // persists (docs/ARCHITECTURE.md, Read model), and until then the plan is the one before.
    // A session done as planned always changes the next plan.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while get_json(client, &format!("{base}/api/v1/plan")).await == *plan {
        assert!(
            std::time::Instant::now() < deadline,
            "the plan still prescribes the session just logged"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plan_follows_the_history_and_the_profile() {
    let app = TestApp::spawn();
    let base = app.base.clone();
    let a = signed_in_client(&base).await;
    let b = signed_in_client(&base).await;

    let catalog = get_json(&a, &format!("{base}/api/v1/exercises")).await;
    let exercises = catalog["exercises"]
        .as_array()
        .unwrap_or_else(|| panic!("{catalog}"));
    assert!(exercises.len() >= 60, "{}", exercises.len());
    let squat = exercises.iter().find(|e| e["slug"] == "squat").unwrap();
    assert_eq!(squat["equipment"], "barbell");
    assert!(squat["primary"]
        .as_array()
        .unwrap()
        .contains(&json!("quads")));

    let programs = get_json(&a, &format!("{base}/api/v1/programs")).await;
    assert_eq!(programs["active"], "full-body-3x");
    let slugs: Vec<&str> = programs["programs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    for s in [
        "full-body-3x",
        "upper-lower-4x",
        "push-pull-legs",
        "five-three-one",
        "gzclp",
    ] {
        assert!(slugs.contains(&s), "{s} in {slugs:?}");
    }

    // A new user: day A from the empty bar, every set with its reason.
    let first = plan(&a, &base).await;
    assert_eq!(first["day"], "Full body A");
    let squat_sets = working_sets(&first, "squat");
    assert_eq!(squat_sets.len(), 3);
    assert_eq!(squat_sets[0]["weight_kg"], 20.0);
    assert!(first["exercises"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["sets"].as_array().unwrap())
        .all(|s| !s["reason"].as_str().unwrap().is_empty()));

    // Done as prescribed: the next day comes, and squat (days A and C) goes up 5 kg.
    let mut logged = Vec::new();
    do_as_planned(&a, &base, &first, &mut logged).await;
    let second = plan(&a, &base).await;
    assert_eq!(second["day"], "Full body B");
    do_as_planned(&a, &base, &second, &mut logged).await;
    let third = plan(&a, &base).await;
    assert_eq!(third["day"], "Full body C");
    let squat_sets = working_sets(&third, "squat");
    assert_eq!(squat_sets[0]["weight_kg"], 25.0);
    assert!(
        squat_sets[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("+5 kg: all 3×5 made"),
        "{}",
        squat_sets[0]["reason"]
    );

    // B's plan is untouched by A's history.
    assert_eq!(plan(&b, &base).await["day"], "Full body A");

    // A's own exercise and program, in pounds.
    let profile = json!({
        "gym": {"unit": "lb", "bar": 45, "smallest_plate": 2.5, "dumbbell_step": 5, "machine_step": 10},
        "active_program": "my-press",
        "exercises": [{"slug": "landmine-press", "name": "Landmine press", "equipment": "barbell", "increment_kg": 2.5, "primary": ["shoulders"], "custom": true}],
        "programs": [{"slug": "my-press", "name": "My press", "days_per_week": 2, "days": [
            {"name": "Press", "slots": [
                {"exercise": "landmine-press", "progression": {"kind": "double", "sets": 3, "min_reps": 8, "max_reps": 12}},
                {"exercise": "squat", "progression": {"kind": "linear", "sets": 3, "reps": 5}}
            ]}
        ]}]
    });
    let resp = a
        .put(format!("{base}/api/v1/profile"))
        .json(&profile)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let mine = plan(&a, &base).await;
    assert_eq!(
        (mine["program"].as_str(), mine["unit"].as_str()),
        (Some("my-press"), Some("lb"))
    );
    let squat_sets = working_sets(&mine, "squat");
    let pounds = squat_sets[0]["weight_kg"].as_f64().unwrap() / 0.453_592_37;
    assert!(
        (pounds - pounds.round()).abs() < 0.01 && pounds.round() as i64 % 5 == 0,
        "{pounds} lb"
    );
    let mine_catalog = get_json(&a, &format!("{base}/api/v1/exercises")).await;
    assert!(mine_catalog["exercises"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["slug"] == "landmine-press"));
    let theirs = get_json(&b, &format!("{base}/api/v1/exercises")).await;
    assert!(!theirs["exercises"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["slug"] == "landmine-press"));
    assert_eq!(
        get_json(&b, &format!("{base}/api/v1/profile")).await["active_program"],
        "full-body-3x"
    );

    // A bad profile is refused with every problem, and nothing changes.
    let bad = json!({"active_program": "nope", "exercises": [{"slug": "squat", "name": "Mine", "equipment": "barbell", "increment_kg": 0, "primary": []}]});
    let resp = a
        .put(format!("{base}/api/v1/profile"))
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let fields = problem_fields(resp).await;
    assert_eq!(
        fields,
        [
            "exercises[0].increment_kg",
            "exercises[0].slug",
            "active_program"
        ]
    );
    assert_eq!(
        get_json(&a, &format!("{base}/api/v1/profile")).await["active_program"],
        "my-press"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_programs_page_lists_every_program_and_its_plain_form_starts_one() {
    let app = TestApp::spawn();
    let base = app.base.clone();
    let a = signed_in_client(&base).await;
    let page = get_text(&a, &format!("{base}/programs")).await;
    for shown in [
        "Full body, 3× a week",
        "GZCLP",
        "5/3/1",
        "3× a week · 4 days · Beginner · GZCLP tiers",
        "Running",
    ] {
        assert!(page.contains(shown), "{shown} on the page");
    }
    let form = |body: &'static str| post_form(&a, &base, "/programs/activate", body);
    let started = form("slug=gzclp").await;
    assert_eq!(started.status(), 303);
    assert_eq!(started.headers()["location"], "/today");
    let programs = get_json(&a, &format!("{base}/api/v1/programs")).await;
    assert_eq!(programs["active"], "gzclp");
    let today = plan(&a, &base).await;
    assert_eq!(
        (today["program"].as_str(), today["program_name"].as_str()),
        (Some("gzclp"), Some("GZCLP"))
    );

    let unknown = form("slug=nope").await;
    assert_eq!(unknown.status(), 404);
    assert!(unknown
        .text()
        .await
        .unwrap()
        .contains("neither a built-in program"));
    let programs = get_json(&a, &format!("{base}/api/v1/programs")).await;
    assert_eq!(programs["active"], "gzclp", "nothing changed");

    // Copy it, start the copy, delete the copy: the default program runs again.
    let copied = post_form(&a, &base, "/programs/copy", "slug=gzclp").await;
    assert_eq!(copied.status(), 303);
    assert_eq!(copied.headers()["location"], "/programs/edit?slug=my-gzclp");
    let mine = get_json(&a, &format!("{base}/api/v1/programs/my-gzclp")).await;
    assert_eq!(mine["name"], "My GZCLP");
    assert!(get_text(&a, &format!("{base}/programs"))
        .await
        .contains("Yours"));
    post_form(&a, &base, "/programs/activate", "slug=my-gzclp").await;
    let built_in = post_form(&a, &base, "/programs/delete", "slug=gzclp").await;
    assert_eq!(built_in.status(), 403);
    let deleted = post_form(&a, &base, "/programs/delete", "slug=my-gzclp").await;
    assert_eq!(deleted.status(), 303);
    let programs = get_json(&a, &format!("{base}/api/v1/programs")).await;
    assert_eq!(programs["active"], "full-body-3x");
    assert_eq!(programs["programs"].as_array().unwrap().len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_exercises_are_added_and_corrected_through_the_programs_page_form() {
    let app = TestApp::spawn();
    let base = app.base.clone();
    let a = signed_in_client(&base).await;
    let save = |body: &'static str| post_form(&a, &base, "/exercises/save", body);
    let added = save(
        "slug=&unit=kg&name=Zercher+squat&equipment=barbell&step=2.5&primary=Quads&secondary=Abs",
    )
    .await;
    assert_eq!(added.status(), 303);
    assert_eq!(
        added.headers()["location"],
        "/programs#exercise-zercher-squat"
    );
    let own = |all: &Value| -> Vec<Value> {
        all["exercises"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["custom"] == true)
            .cloned()
            .collect()
    };
    let mine = own(&get_json(&a, &format!("{base}/api/v1/exercises")).await);
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["slug"], "zercher-squat");
    assert_eq!(mine[0]["primary"], json!(["quads"]));
    // Corrected: pounds, other muscles.
    let fixed = save(
        "slug=zercher-squat&unit=lb&name=Zercher+squat&equipment=barbell&step=10&primary=Quads&primary=Glutes",
    )
    .await;
    assert_eq!(fixed.status(), 303);
    let mine = own(&get_json(&a, &format!("{base}/api/v1/exercises")).await);
    assert_eq!(mine.len(), 1, "replaced, not added");
    assert_eq!(mine[0]["primary"], json!(["quads", "glutes"]));
    let step = mine[0]["increment_kg"].as_f64().unwrap();
    assert!((step - 4.5359).abs() < 1e-3, "10 lb is {step} kg");
    assert!(get_text(&a, &format!("{base}/programs"))
        .await
        .contains("Zercher squat"));

    let built_in =
        save("slug=squat&unit=kg&name=Squat&equipment=barbell&step=5&primary=Quads").await;
    assert_eq!(built_in.status(), 403);
    let bad = save("slug=&unit=kg&name=&equipment=barbell&step=5&primary=Quads").await;
    assert_eq!(bad.status(), 422, "a name is needed");
    let bad = save("slug=&unit=kg&name=Thing&equipment=barbell&step=x").await;
    assert_eq!(bad.status(), 422);
    assert_eq!(
        own(&get_json(&a, &format!("{base}/api/v1/exercises")).await).len(),
        1,
        "nothing else was saved"
    );
}
