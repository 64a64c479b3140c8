//! The program editor on the embedded server: its plain form saves a valid program and sends
//! a form with problems back to the editor, each problem at its field, saving nothing; its
//! buttons reshape the form without saving; and its preview (the domain's, which the browser
//! runs) is what `GET /api/v1/plan` answers once the previewed sessions are logged.

use std::time::Duration;

use chrono::Utc;
use domain::catalog::Catalog;
use domain::engine::Plan;
use domain::profile::Profile;
use domain::program::{Program, Progression};
use domain::program_form::{Action, DayForm, ProgramForm, SlotForm};
use domain::WorkoutLogged;
use serde_json::json;
use uuid::Uuid;

use crate::support::*;

fn encode(form: &ProgramForm) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form.to_pairs())
        .finish()
}

async fn program(client: &reqwest::Client, base: &str, slug: &str) -> Program {
    serde_json::from_value(get_json(client, &format!("{base}/api/v1/programs/{slug}")).await)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_editor_saves_a_valid_form_and_shows_a_refused_ones_problems_at_their_fields() {
    let app = TestApp::spawn();
    let base = app.base.clone();
    let a = signed_in_client(&base).await;
    let copied = post_form(&a, &base, "/programs/copy", "slug=full-body-3x").await;
    assert_eq!(
        copied.headers()["location"],
        "/programs/edit?slug=my-full-body-3x"
    );
    let page = get_text(&a, &format!("{base}/programs/edit?slug=my-full-body-3x")).await;
    assert!(
        page.contains(r#"name="days[0].slots[0].progression.sets""#),
        "{page}"
    );
    assert!(page.contains("The next four weeks"));

    // Squat to double progression, 6–10 reps: saved.
    let saved = program(&a, &base, "my-full-body-3x").await;
    let mut form = ProgramForm::from_program(&saved);
    for slot in form.days.iter_mut().flat_map(|d| &mut d.slots) {
        if slot.exercise == "squat" {
            slot.kind = "double".into();
            slot.min_reps = "6".into();
            slot.max_reps = "10".into();
        }
    }
    let ok = post_form(&a, &base, "/programs/save", &encode(&form)).await;
    assert_eq!(ok.status(), 303);
    assert_eq!(
        ok.headers()["location"],
        "/programs#program-my-full-body-3x"
    );
    let after = program(&a, &base, "my-full-body-3x").await;
    let squat = &after.days[0]
        .slots
        .iter()
        .find(|s| s.exercise == "squat")
        .unwrap()
        .progression;
    assert!(
        matches!(
            squat,
            Progression::Double {
                min_reps: 6,
                max_reps: 10,
                ..
            }
        ),
        "{squat:?}"
    );

    // 0 sets and a rep range upside down: back to the editor, each at its field, nothing saved.
    let mut bad = form.clone();
    bad.days[0].slots[0].sets = "0".into();
    let squat_at = bad.days[0]
        .slots
        .iter()
        .position(|s| s.exercise == "squat")
        .unwrap();
    bad.days[0].slots[squat_at].min_reps = "10".into();
    bad.days[0].slots[squat_at].max_reps = "6".into();
    let refused = post_form(&a, &base, "/programs/save", &encode(&bad)).await;
    assert_eq!(refused.status(), 422);
    let shown = refused.text().await.unwrap();
    for field in [
        "days[0].slots[0].progression.sets".to_owned(),
        format!("days[0].slots[{squat_at}].progression.min_reps"),
    ] {
        assert!(
            shown.contains(&format!(r#"data-field="{field}""#)),
            "{field} in {shown}"
        );
    }
    assert!(shown.contains("Not saved"));
    // The values typed are kept, so they can be fixed.
    assert!(shown.contains(r#"name="days[0].slots[0].progression.sets" type="number" inputmode="decimal" step="1" value="0""#), "{shown}");
    assert_eq!(
        program(&a, &base, "my-full-body-3x").await,
        after,
        "nothing saved"
    );

    // A button reshapes the form without saving; the values typed stay.
    let n = form.days[0].slots.len();
    let mut typed = form.clone();
    typed.name = "Typed, not saved".into();
    let button = |action: &str| format!("{}&action={action}", encode(&typed));
    let added = post_form(
        &a,
        &base,
        "/programs/edit",
        &button(&Action::AddSlot(0).encode()),
    )
    .await;
    assert_eq!(added.status(), 200);
    let added = added.text().await.unwrap();
    assert!(added.contains(&format!(r#"name="days[0].slots[{n}].exercise""#)));
    assert!(added.contains("Typed, not saved"));
    let moved = post_form(
        &a,
        &base,
        "/programs/edit",
        &button(&Action::SlotDown(0, 0).encode()),
    )
    .await;
    let moved = moved.text().await.unwrap();
    let first = |html: &str| {
        let at = html.find(r#"name="days[0].slots[0].exercise""#).unwrap();
        html[at..]
            .split("value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(first(&moved), form.days[0].slots[1].exercise);
    let removed = post_form(
        &a,
        &base,
        "/programs/edit",
        &button(&Action::RemoveDay(0).encode()),
    )
    .await;
    let removed = removed.text().await.unwrap();
    let last_day = format!(r#"name="days[{}].name""#, form.days.len() - 1);
    assert!(!removed.contains(&last_day));
    // Out of range, or not an action at all: the form as it was, no error.
    let odd = post_form(
        &a,
        &base,
        "/programs/edit",
        &button("slot_down:0:18446744073709551615"),
    )
    .await;
    assert_eq!(odd.status(), 200);
    assert!(odd.text().await.unwrap().contains(&last_day));
    assert_eq!(
        program(&a, &base, "my-full-body-3x").await,
        after,
        "nothing saved"
    );
    // An address cannot fill the form in: only the slug is read from it.
    let linked = get_text(
        &a,
        &format!("{base}/programs/edit?slug=my-full-body-3x&name=Evil"),
    )
    .await;
    assert!(linked.contains("name=\"days[0].name\""));
    assert!(!linked.contains("Evil"));

    // A program of the largest size allowed, every field filled in, fits the form.
    let mut largest = form.clone();
    let slot = largest.days[0].slots[0].clone();
    let exercises = Catalog::default().all();
    largest.days = vec![
        DayForm {
            name: "A long day name, as long as it may be, to fill the form up".into(),
            slots: (0..20)
                .map(|k| SlotForm {
                    exercise: exercises[k].slug.clone(),
                    ..slot.clone()
                })
                .collect(),
        };
        14
    ];
    let big = encode(&largest);
    assert!(big.len() > 64 * 1024, "{} bytes", big.len());
    let saved = post_form(&a, &base, "/programs/save", &big).await;
    assert_eq!(saved.status(), 303, "{}", saved.text().await.unwrap());
    assert_eq!(program(&a, &base, "my-full-body-3x").await.days.len(), 14);

    // A form past the maximum (indices up to twice it) is refused with the reason, and the
    // page rendered back holds no more than a program may: 14 days of 20 exercises.
    let mut beyond = format!("slug={}&name=x&days_per_week=3", form.slug);
    for i in 0..28 {
        for j in 0..40 {
            beyond.push_str(&format!("&days%5B{i}%5D.slots%5B{j}%5D.exercise=squat"));
        }
    }
    let refused = post_form(&a, &base, "/programs/save", &beyond).await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("must have 1 to 14 days"),
        "the reason is shown"
    );
    assert!(page.contains(r#"name="days[13].slots[19].exercise""#));
    assert!(
        !page.contains(r#"name="days[14]."#),
        "no day past the maximum"
    );
    assert!(
        !page.contains(".slots[20]."),
        "no exercise past the maximum"
    );
    assert_eq!(program(&a, &base, "my-full-body-3x").await.days.len(), 14);

    // A description typed over several lines comes as a textarea's CR LF: it is kept.
    let mut lines = largest.clone();
    lines.description = "Heavy days first.\r\nThen the light ones.".into();
    let saved = post_form(&a, &base, "/programs/save", &encode(&lines)).await;
    assert_eq!(saved.status(), 303, "{}", saved.text().await.unwrap());

    // Built-in programs are copied, not edited; an unknown slug is nobody's.
    let mut built_in = form.clone();
    built_in.slug = "gzclp".into();
    let forbidden = post_form(&a, &base, "/programs/save", &encode(&built_in)).await;
    assert_eq!(forbidden.status(), 403);
    built_in.slug = "nope".into();
    assert_eq!(
        post_form(&a, &base, "/programs/save", &encode(&built_in))
            .await
            .status(),
        404
    );
    let page = get_text(&a, &format!("{base}/programs/edit?slug=gzclp")).await;
    assert!(page.contains("not-editable"));

    // Another user cannot save over this user's program.
    let b = signed_in_client(&base).await;
    let theirs = post_form(&b, &base, "/programs/save", &encode(&form)).await;
    assert_eq!(theirs.status(), 404);
    assert_eq!(program(&a, &base, "my-full-body-3x").await.days.len(), 14);
}

async fn wait_for(client: &reqwest::Client, base: &str, n: usize) -> Vec<WorkoutLogged> {
    for _ in 0..200 {
        let page = get_json(client, &format!("{base}/api/v1/workouts?limit=100")).await;
        let items: Vec<WorkoutLogged> = serde_json::from_value(page["items"].clone()).unwrap();
        if items.len() >= n {
            return items.into_iter().rev().collect();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{n} workouts never stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_preview_is_what_the_plan_becomes_once_its_sessions_are_logged() {
    let app = TestApp::spawn();
    let base = app.base.clone();
    let a = signed_in_client(&base).await;
    // A program using every rule kind but 5/3/1 (which wants a program of its own), with a
    // superset, run from a real history.
    let mut mixed = domain::program::builtin_program("gzclp").unwrap();
    mixed.slug = "mixed".into();
    mixed.name = "Mixed".into();
    mixed.days[0].slots[2].progression = Progression::Double {
        sets: 3,
        min_reps: 6,
        max_reps: 10,
        deload_after: 3,
        deload_percent: 10.0,
    };
    mixed.days[1].slots[2].progression = Progression::Rpe {
        sets: 3,
        reps: 5,
        rpe: 8.0,
    };
    mixed.days[2].slots[2].progression = Progression::Linear {
        sets: 3,
        reps: 8,
        deload_after: 2,
        deload_percent: 10.0,
    };
    let put = a
        .put(format!("{base}/api/v1/programs/mixed"))
        .header("origin", &base)
        .json(&mixed)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200, "{}", put.text().await.unwrap());
    let started = post_form(&a, &base, "/programs/activate", "slug=mixed").await;
    assert_eq!(started.status(), 303);

    let long_ago = Utc::now() - chrono::Duration::days(60);
    let first = json!({
        "id": Uuid::new_v4(),
        "performed_at": long_ago,
        "exercises": [{"exercise": "squat", "sets": [{"weight_kg": 90.0, "reps": 5}, {"weight_kg": 90.0, "reps": 5}]}]
    });
    assert_eq!(post(&a, &base, &first).await.0, 202);
    let history = wait_for(&a, &base, 1).await;
    let profile: Profile =
        serde_json::from_value(get_json(&a, &format!("{base}/api/v1/profile")).await).unwrap();
    let catalog: Catalog = profile.catalog();
    let preview = domain::preview::weeks(
        &profile.active(),
        &history,
        &catalog,
        &profile.settings(),
        long_ago + chrono::Duration::days(1),
        domain::preview::WEEKS,
    );
    assert_eq!(preview.len(), 12);

    for (k, session) in preview.iter().enumerate() {
        let today: Plan =
            serde_json::from_value(get_json(&a, &format!("{base}/api/v1/plan")).await).unwrap();
        assert_eq!(today, session.plan, "session {k} of the preview");
        let done =
            domain::preview::as_prescribed(&session.plan, Uuid::new_v4(), session.performed_at);
        let body = json!({
            "id": done.id,
            "performed_at": done.performed_at,
            "exercises": done.exercises,
        });
        let (status, ..) = post(&a, &base, &body).await;
        assert_eq!(status, 202, "session {k}");
        wait_for(&a, &base, k + 2).await;
    }
    // The engine moved on over the four weeks: a preview that repeated today would fail above.
    assert_ne!(preview[0].plan, preview[preview.len() - 1].plan);
}
