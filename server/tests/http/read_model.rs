//! The read model in the embedded server: built in-process as workouts are stored, serving
//! the plan the API would replay, and rebuilt when it is of another engine version, by the
//! `rebuild-read-models` command or on start.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use adapters::embedded::EmbeddedDb;
use domain::read_model::VERSION;
use serde_json::Value;
use service::{AccountStore, ReadModelStore};

use crate::support::*;
use crate::training::{do_as_planned, plan};

fn start(data: &Path) -> InProcess {
    InProcess::start(&[("IRONLOG_DATA_DIR", data.display().to_string())]).unwrap()
}

/// The only account's id and its stored model's state: (fresh, version, plan as JSON).
async fn model_of(data: &Path) -> (String, Option<(u32, Value)>) {
    let db = EmbeddedDb::open(data).unwrap();
    let accounts = db.accounts();
    let ids = accounts.all_ids().await.unwrap();
    assert_eq!(ids.len(), 1, "{ids:?}");
    let fresh = accounts
        .stored_model(&ids[0])
        .await
        .unwrap()
        .and_then(|s| s.fresh())
        .map(|m| (m.version, serde_json::to_value(&m.plan).unwrap()));
    (ids[0].clone(), fresh)
}

/// Stores the user's model again as if an older engine had built it.
async fn make_outdated(data: &Path, user: &str) {
    let db = EmbeddedDb::open(data).unwrap();
    let accounts = db.accounts();
    let stored = accounts.stored_model(user).await.unwrap().unwrap();
    let mut old = stored.clone().fresh().unwrap();
    old.version = VERSION - 1;
    accounts
        .mark_stale(std::slice::from_ref(&user.to_owned()))
        .await
        .unwrap();
    assert_eq!(
        accounts
            .put_model(user, stored.generation + 1, &old, chrono::Utc::now())
            .await
            .unwrap(),
        service::read_model::Put::Stored
    );
    assert_eq!(
        accounts.stored_model(user).await.unwrap().unwrap().fresh(),
        None,
        "a model of another version is not served"
    );
}

/// Starts the server on `data` until its projector has made the model fresh (a stop may cut
/// a rebuild short; the next start finishes it), without a request that could mark it.
async fn until_rebuilt_on_start(data: &Path) -> (u32, Value) {
    for _ in 0..50 {
        let server = start(data);
        tokio::time::sleep(Duration::from_millis(200)).await;
        drop(server);
        if let (_, Some(fresh)) = model_of(data).await {
            return fresh;
        }
    }
    panic!("the model is rebuilt on start");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_read_model_serves_the_replayed_plan_and_is_rebuilt_for_a_new_engine() {
    let data = tempfile::tempdir().unwrap();
    let server = start(data.path());
    let base = server.base_url();
    let client = signed_in_client(&base).await;
    let mut logged = Vec::new();
    for _ in 0..3 {
        let today = plan(&client, &base).await;
        do_as_planned(&client, &base, &today, &mut logged).await;
    }
    let served = plan(&client, &base).await;
    let progress = get_json(&client, &format!("{base}/api/v1/progress")).await;
    assert_eq!(progress["sessions"], 3, "{progress}");
    let first = &progress["exercises"][0];
    assert_eq!(first["days"], 1, "three sessions, all today: {progress}");
    assert_eq!(
        first["weekly"]["week"].as_array().map(Vec::len),
        first["weekly"]["e1rm_kg"].as_array().map(Vec::len)
    );
    drop(server);

    // The in-process projector built the model of the three sessions: the plan the API served.
    let (user, fresh) = model_of(data.path()).await;
    let (version, from_model) = match fresh {
        Some(f) => f,
        None => until_rebuilt_on_start(data.path()).await,
    };
    assert_eq!(version, VERSION);
    assert_eq!(from_model, served, "the model's plan is the replayed plan");

    // The command rebuilds a model an older engine built.
    make_outdated(data.path(), &user).await;
    let config = server::Config::from_args([
        "ironlog-server",
        "--data-dir",
        &data.path().display().to_string(),
        "rebuild-read-models",
    ])
    .unwrap();
    let done = server::rebuild_read_models(&config).await.unwrap();
    assert_eq!((done.fresh, done.failed), (1, 0));
    assert_eq!(
        model_of(data.path()).await.1,
        Some((VERSION, served.clone()))
    );

    // So does a start, with no request asking.
    make_outdated(data.path(), &user).await;
    assert_eq!(
        until_rebuilt_on_start(data.path()).await,
        (VERSION, served.clone())
    );

    // And the plan served from the model is the one served before.
    let server = start(data.path());
    let base = server.base_url();
    // Served from the fresh model (nothing changed since it was built), the plan and Progress
    // are what replaying the history gives. (The session cookie outlives the restart.)
    let items = get_json(&client, &format!("{base}/api/v1/workouts?limit=100")).await;
    let history: Vec<domain::WorkoutLogged> =
        serde_json::from_value(items["items"].clone()).unwrap();
    assert_eq!(history.len(), 3);
    let profile: domain::profile::Profile =
        serde_json::from_value(get_json(&client, &format!("{base}/api/v1/profile")).await).unwrap();
    let today = service::read_model::today();
    let replayed_plan = domain::read_model::plan_of(&profile, &history);
    let replayed_progress = domain::read_model::progress_of(
        &profile,
        &history,
        &domain::bodyweight::Bodyweight::default(),
        today,
    )
    .on(today);
    assert_eq!(plan(&client, &base).await, served);
    assert_eq!(served, serde_json::to_value(&replayed_plan).unwrap());
    let from_model = get_json(&client, &format!("{base}/api/v1/progress")).await;
    assert_eq!(from_model, progress);
    assert_eq!(
        from_model,
        serde_json::to_value(&replayed_progress).unwrap(),
        "Progress from the model is Progress replayed"
    );
}

const NAMED_TO_BREAK_OUT: &str = "Curl </script><b>x</b>";

/// A Strong export of `sessions` sessions, two a week, of three lifts and one the catalog does
/// not know, which becomes the lifter's own exercise under a name that could end a script.
fn strong_export(sessions: u32) -> String {
    let mut csv = String::from(
        "Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,Workout Notes,RPE\n",
    );
    let first = chrono::NaiveDate::from_ymd_opt(2023, 1, 2).unwrap();
    for n in 0..sessions {
        let day = first + chrono::Duration::days(i64::from(n / 2 * 7 + n % 2 * 3));
        for (lift, base) in [
            ("Squat (Barbell)", 60.0),
            ("Bench Press (Barbell)", 40.0),
            ("Deadlift (Barbell)", 80.0),
            (NAMED_TO_BREAK_OUT, 10.0),
        ] {
            for set in 1..=3 {
                let kg = base + f64::from(n % 40) * 1.25;
                csv.push_str(&format!(
                    "{day} 18:00:00,\"Day\",1h,\"{lift}\",{set},{kg},5,0,0,\"\",\"\",\n"
                ));
            }
        }
    }
    csv
}

/// The Progress page of a lifter with two years of workouts, rendered many times at once
/// across the server's worker threads: whole every time (nothing the page keeps for the
/// browser may be bound to the thread that made it: a page long enough to be sent in several
/// writes is dropped on whichever thread sent the last), with the opening chart drawn and the
/// figures the pickers draw from in the page, equal to the API's, with no `<` that could end
/// their script.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_progress_page_carries_its_figures_and_renders_on_any_thread() {
    // A panic in the server's tasks only drops a connection, maybe after the page was sent:
    // note any of this kind, whichever test's.
    static DROPPED_ELSEWHERE: AtomicBool = AtomicBool::new(false);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.to_string().contains("SendWrapper") {
            DROPPED_ELSEWHERE.store(true, Ordering::SeqCst);
        }
        previous(info);
    }));
    let data = tempfile::tempdir().unwrap();
    let server = InProcess::start(&[
        ("IRONLOG_DATA_DIR", data.path().display().to_string()),
        ("IRONLOG_IMPORT_SESSIONS_PER_HOUR", "1000".to_owned()),
    ])
    .unwrap();
    let base = server.base_url();
    let client = signed_in_client(&base).await;
    let sessions = 200;
    let imported = client
        .post(format!("{base}/api/v1/import?format=strong&unit=kg"))
        .header("content-type", "text/csv")
        .body(strong_export(sessions))
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), 200, "{}", imported.text().await.unwrap());
    let mut progress = Value::Null;
    for _ in 0..200 {
        progress = get_json(&client, &format!("{base}/api/v1/progress")).await;
        if progress["sessions"] == sessions {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(progress["sessions"], sessions, "all stored");

    let pages =
        futures::future::join_all((0..32).map(|_| client.get(format!("{base}/progress")).send()))
            .await;
    for page in pages {
        let page = page.expect("the page is answered");
        assert_eq!(page.status(), 200);
        let html = page.text().await.expect("the page is sent whole");
        assert!(
            html.contains(r#"data-testid="e1rm-chart""#),
            "the opening chart is drawn"
        );
        let (_, from) = html
            .split_once(r#"id="progress-figures">"#)
            .expect("the page holds the figures");
        let (figures, _) = from.split_once("</script>").unwrap();
        assert!(!figures.contains('<'), "{figures}");
        let figures: Value = serde_json::from_str(figures).unwrap();
        assert_eq!(figures["exercises"], progress["exercises"]);
        assert_eq!(figures["weeks"], progress["weeks"]);
        assert!(
            figures.to_string().contains(NAMED_TO_BREAK_OUT),
            "the lifter's own exercise is in the figures, whole"
        );
        // The island's props are the pickers' choices, not the charts the server drew.
        let (_, props) = html
            .split_once(r#"data-props=""#)
            .expect("the island has props");
        let (props, _) = props.split_once('"').unwrap();
        assert!(!props.contains("e1rm-chart"), "{props}");
    }
    drop(server);
    assert!(
        !DROPPED_ELSEWHERE.load(Ordering::SeqCst),
        "no value the page kept was dropped on another thread"
    );
}
