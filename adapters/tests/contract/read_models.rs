//! The read models' contract, on each store: generations decide every race, and whatever order
//! the changes arrive in, however often, and whenever the projector runs between them, the
//! model ends equal to a full replay of what the lifters did, for every built-in program.

use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use domain::bodyweight::{Bodyweight, Weighing};
use domain::profile::Profile;
use domain::program::builtin_programs;
use domain::read_model::{ReadModel, VERSION};
use domain::{ExerciseLog, SetKind, SetLog, WorkoutLogged};
use service::read_model::{today, Part, Projection, Put, ReadModelStore, Rebuilt, StoredModel};
use service::{Account, AccountStore, ProfileStore, WorkoutStore};
use testkit::changes::{Rng, Script, SeedableRng, StdRng};
use uuid::Uuid;

async fn account<A: AccountStore>(accounts: &A, id: &str) {
    accounts
        .create_account(&Account {
            id: id.to_owned(),
            email: format!("{id}@example.com"),
            password_hash: "h".into(),
            created_at: Utc::now(),
            deleting_since: None,
        })
        .await
        .unwrap();
}

/// The service's views and writes over these stores.
fn training_over<A, S>(accounts: &A, store: &S) -> service::Training
where
    A: AccountStore + ProfileStore + ReadModelStore + Clone,
    S: WorkoutStore + Clone,
{
    service::Training::new(
        Arc::new(store.clone()),
        Arc::new(accounts.clone()),
        Arc::new(accounts.clone()),
        Arc::new(accounts.clone()),
        Arc::new(tokio::sync::Notify::new()),
    )
}

fn empty_model() -> ReadModel {
    ReadModel::build(&Profile::default(), &[], &Bodyweight::default(), today())
}

/// Generations: a model is stored only at the generation it was built at, and served only
/// while nothing raised it since; a hold refuses models until it passes.
async fn generations<A: AccountStore + ReadModelStore>(accounts: &A) {
    let now = Utc::now();
    let user = format!("rm-{}", Uuid::now_v7());
    account(accounts, &user).await;
    assert_eq!(accounts.stored_model(&user).await.unwrap(), None);
    accounts
        .mark_stale(std::slice::from_ref(&user))
        .await
        .unwrap();
    let stored = accounts.stored_model(&user).await.unwrap().unwrap();
    assert_eq!((stored.generation, stored.built_at), (1, 0));
    assert!(!stored.outdated(), "marked: the projector has it");
    assert_eq!(stored.fresh(), None, "nothing built yet");
    assert!(accounts.stale_users(10_000).await.unwrap().contains(&user));

    let model = empty_model();
    assert_eq!(
        accounts.put_model(&user, 0, &model, now).await.unwrap(),
        Put::Moved,
        "built before the change: refused"
    );
    assert_eq!(
        accounts.put_model(&user, 1, &model, now).await.unwrap(),
        Put::Stored
    );
    let stored = accounts.stored_model(&user).await.unwrap().unwrap();
    assert_eq!(stored.version, Some(VERSION));
    assert_eq!(stored.fresh(), Some(model.clone()));
    assert!(!accounts.stale_users(10_000).await.unwrap().contains(&user));

    accounts
        .mark_stale(std::slice::from_ref(&user))
        .await
        .unwrap();
    assert_eq!(
        accounts.stored_model(&user).await.unwrap().unwrap().fresh(),
        None,
        "a change since the build: not served"
    );
    assert_eq!(
        accounts.put_model(&user, 1, &model, now).await.unwrap(),
        Put::Moved
    );
    assert_eq!(
        accounts.put_model(&user, 2, &model, now).await.unwrap(),
        Put::Stored
    );

    // A hold (a profile or weighing being written) raises the generation and refuses models
    // until it passes; the later of two holds counts.
    let soon = now + chrono::Duration::seconds(30);
    accounts.hold(&user, soon).await.unwrap();
    accounts
        .hold(&user, now + chrono::Duration::seconds(5))
        .await
        .unwrap();
    let held = accounts.stored_model(&user).await.unwrap().unwrap();
    assert_eq!(held.generation, 4);
    assert!(held.held(now) && held.held(soon - chrono::Duration::seconds(1)));
    assert_eq!(held.clone().fresh(), None);
    assert_eq!(
        accounts.put_model(&user, 4, &model, now).await.unwrap(),
        Put::Held
    );
    let after = soon + chrono::Duration::seconds(1);
    assert_eq!(
        accounts.put_model(&user, 4, &model, after).await.unwrap(),
        Put::Stored
    );
    let stored = accounts.stored_model(&user).await.unwrap().unwrap();
    assert!(!stored.held(now), "the hold ends with the build");
    assert!(stored.fresh().is_some());

    // A new version rebuilds what older ones built, and leaves a newer one's alone.
    accounts.mark_outdated(VERSION).await.unwrap();
    assert!(accounts
        .stored_model(&user)
        .await
        .unwrap()
        .unwrap()
        .fresh()
        .is_some());
    assert!(accounts.mark_outdated(VERSION + 1).await.unwrap() >= 1);
    let stored = accounts.stored_model(&user).await.unwrap().unwrap();
    assert_eq!(stored.clone().fresh(), None);
    assert!(!stored.outdated(), "marked, so the projector has it");
    assert!(accounts.stale_users(10_000).await.unwrap().contains(&user));

    // Gone with the account.
    accounts.begin_deletion(&user, Utc::now()).await.unwrap();
    accounts.finish_deletion(&user).await.unwrap();
    assert_eq!(accounts.stored_model(&user).await.unwrap(), None);
    assert!(!accounts.stale_users(10_000).await.unwrap().contains(&user));
}

/// A session of `program`'s day `n`: each slot's exercise, warm-up and work sets at loads and
/// reps that vary, so every rule has progress, stalls and misses to read.
fn session_of(program: &domain::program::Program, n: usize, rng: &mut StdRng) -> Vec<ExerciseLog> {
    let day = &program.days[n % program.days.len()];
    day.slots
        .iter()
        .map(|slot| {
            let base = 40.0 + (n as f64) * 2.5;
            let mut sets = vec![SetLog {
                kind: SetKind::Warmup,
                weight_kg: 20.0,
                reps: 8,
                rpe: None,
            }];
            for _ in 0..rng.random_range(1..=4) {
                sets.push(SetLog {
                    kind: SetKind::Working,
                    weight_kg: base + f64::from(rng.random_range(0..4_u8)) * 2.5,
                    reps: rng.random_range(2..=12),
                    rpe: rng
                        .random_bool(0.5)
                        .then(|| f64::from(rng.random_range(6..=10_u8))),
                });
            }
            ExerciseLog {
                exercise: slot.exercise.clone(),
                sets,
                ..ExerciseLog::default()
            }
        })
        .collect()
}

/// The replay of what the lifter did: the script's surviving workouts, in order.
fn replay(history: &[WorkoutLogged], profile: &Profile, bodyweight: &Bodyweight) -> ReadModel {
    let mut sorted = history.to_vec();
    sorted.sort_by(|a, b| a.performed_at.cmp(&b.performed_at).then(a.id.cmp(&b.id)));
    ReadModel::build(profile, &sorted, bodyweight, today())
}

/// Changes shuffled and redelivered, applied a few at a time as workers do (write, then mark),
/// with the projector running between them, including a build that a change overtakes.
async fn stays_a_replay<A, S>(accounts: &A, store: &S, seed: u64)
where
    A: AccountStore + ProfileStore + ReadModelStore + Clone,
    S: WorkoutStore + Clone,
{
    let programs = builtin_programs();
    let users: Vec<String> = programs
        .iter()
        .map(|p| format!("rm-{}-{}", p.slug, Uuid::now_v7()))
        .collect();
    for (user, program) in users.iter().zip(&programs) {
        account(accounts, user).await;
        let profile = Profile {
            active_program: program.slug.clone(),
            ..Profile::default()
        };
        accounts.put_profile(user, &profile).await.unwrap();
    }
    // A weighing counts for bodyweight exercises' loads.
    let weighed = Weighing {
        date: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
        kg: 80.0,
    };
    accounts.put_weighing(&users[0], &weighed).await.unwrap();

    let by_user = |user: &str| {
        let i = users.iter().position(|u| u == user).unwrap_or(0);
        programs[i].clone()
    };
    let script = Script::generate_with(&users, users.len() * 14, seed, |user, n, rng| {
        session_of(&by_user(user), n, rng)
    });
    let delivered = script.delivered(4, seed + 1);
    let projection = Projection::new(Arc::new(store.clone()), Arc::new(accounts.clone()));
    let running = tokio_util::sync::CancellationToken::new();
    let mut rng = StdRng::seed_from_u64(seed + 2);
    let mut overtaken = 0;
    let chunks: Vec<_> = delivered.chunks(9).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        // A build that starts now, and a change that lands before it is stored.
        let racing = (i % 4 == 1).then(|| chunk[0].user_id().to_owned());
        let started = match &racing {
            Some(user) => Some(
                accounts
                    .stored_model(user)
                    .await
                    .unwrap()
                    .map_or(0, |s| s.generation),
            ),
            None => None,
        };
        store.apply(chunk).await.unwrap();
        let mut touched: Vec<String> = chunk.iter().map(|c| c.user_id().to_owned()).collect();
        touched.sort();
        touched.dedup();
        accounts.mark_stale(&touched).await.unwrap();
        if let (Some(user), Some(generation)) = (racing, started) {
            let stale = empty_model();
            assert_eq!(
                accounts
                    .put_model(&user, generation, &stale, Utc::now())
                    .await
                    .unwrap(),
                Put::Moved,
                "a build overtaken by a change is not stored"
            );
            overtaken += 1;
        }
        if rng.random_bool(0.3) {
            let user = &users[rng.random_range(0..users.len())];
            let done = projection.rebuild(user, today()).await.unwrap();
            assert_ne!(done, Rebuilt::Gone);
        }
    }
    assert!(overtaken > 0);
    let caught_up = projection.catch_up(8, &running, |_| {}).await.unwrap();
    assert_eq!(caught_up.failed, 0);

    let expected = script.expected();
    for (user, program) in users.iter().zip(&programs) {
        let history: Vec<WorkoutLogged> = expected
            .iter()
            .filter(|((u, _), _)| u == user)
            .filter_map(|(_, w)| w.clone())
            .collect();
        assert!(history.len() > 5, "{user}: a history to replay");
        let profile = accounts.profile(user).await.unwrap().unwrap();
        let bodyweight = Bodyweight::new(accounts.weighings(user).await.unwrap());
        let want = replay(&history, &profile, &bodyweight);
        let got = accounts
            .stored_model(user)
            .await
            .unwrap()
            .and_then(|s| s.fresh())
            .unwrap_or_else(|| panic!("{user}: a fresh model after catching up"));
        assert_eq!(got.plan, want.plan, "{}: the plan", program.slug);
        assert_eq!(
            got.progress_on(today()),
            want.progress_on(today()),
            "{}: the progress",
            program.slug
        );
        assert!(!got.plan.exercises.is_empty());
    }

    // A weighing or a profile saved through the service marks the model stale (and holds it
    // while the write lands: here for no time, the hold itself is checked above), and the
    // views replay until it is rebuilt.
    let training = training_over(accounts, store).holding_for(chrono::TimeDelta::zero());
    let heavier = Weighing {
        date: NaiveDate::from_ymd_opt(2026, 6, 2).unwrap(),
        kg: 82.0,
    };
    training.weigh(&users[0], heavier, today()).await.unwrap();
    assert_eq!(
        accounts
            .stored_model(&users[0])
            .await
            .unwrap()
            .unwrap()
            .fresh(),
        None
    );
    let mut other = accounts.profile(&users[1]).await.unwrap().unwrap();
    other.active_program = programs[0].slug.clone();
    training.save_profile(&users[1], &other).await.unwrap();
    let replayed = training.plan(&users[1]).await.unwrap();
    let history = training.history(&users[1]).await.unwrap();
    assert_eq!(
        replayed,
        domain::engine::plan(
            &other.active(),
            &history,
            &other.catalog(),
            &other.settings()
        ),
        "a stale model is not served: the plan is replayed"
    );
    projection.catch_up(8, &running, |_| {}).await.unwrap();
    let rebuilt = accounts
        .stored_model(&users[1])
        .await
        .unwrap()
        .and_then(|s| s.fresh())
        .unwrap();
    assert_eq!(rebuilt.plan, replayed);
    assert_eq!(training.plan(&users[1]).await.unwrap(), replayed);

    // Removing a weighing marks it too.
    let fresh = |user: &String| {
        let user = user.clone();
        async move {
            accounts
                .stored_model(&user)
                .await
                .unwrap()
                .and_then(|s| s.fresh())
        }
    };
    assert!(fresh(&users[0]).await.is_some());
    training.unweigh(&users[0], heavier.date).await.unwrap();
    assert_eq!(fresh(&users[0]).await, None);

    // A history no worker marked (written before read models existed): the first view
    // replays it and asks for a build, which the projector makes.
    let unmarked = format!("rm-unmarked-{}", Uuid::now_v7());
    account(accounts, &unmarked).await;
    let old: Vec<WorkoutLogged> = expected
        .iter()
        .filter(|((u, _), _)| u == &users[2])
        .filter_map(|(_, w)| w.clone())
        .map(|mut w| {
            w.user_id = unmarked.clone();
            w
        })
        .collect();
    store.save(&old).await.unwrap();
    assert_eq!(accounts.stored_model(&unmarked).await.unwrap(), None);
    let first = training.plan(&unmarked).await.unwrap();
    assert!(accounts
        .stale_users(10_000)
        .await
        .unwrap()
        .contains(&unmarked));
    projection.catch_up(8, &running, |_| {}).await.unwrap();
    assert_eq!(fresh(&unmarked).await.map(|m| m.plan), Some(first));

    // An account deleted while its record is stale: the rebuild removes the record.
    accounts
        .begin_deletion(&users[3], Utc::now())
        .await
        .unwrap();
    accounts
        .mark_stale(std::slice::from_ref(&users[3]))
        .await
        .unwrap();
    assert_eq!(
        projection.rebuild(&users[3], today()).await.unwrap(),
        Rebuilt::Gone
    );
    assert_eq!(accounts.stored_model(&users[3]).await.unwrap(), None);
}

/// A record that is fresh but whose part is missing or does not decode is no model: the view
/// replays and marks it, and the projector mends it. `spoil(user, part)` damages one stored
/// part the way the store keeps it.
pub async fn unreadable_parts_are_rebuilt<A, S, F, Fut>(accounts: &A, store: &S, spoil: F)
where
    A: AccountStore + ProfileStore + ReadModelStore + Clone,
    S: WorkoutStore + Clone,
    F: Fn(String, Part) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let user = format!("rm-spoiled-{}", Uuid::now_v7());
    account(accounts, &user).await;
    let logged = super::event(&user, super::day(3), 5);
    store.save(std::slice::from_ref(&logged)).await.unwrap();
    let projection = Projection::new(Arc::new(store.clone()), Arc::new(accounts.clone()));
    let training = training_over(accounts, store);
    let want = replay(
        std::slice::from_ref(&logged),
        &Profile::default(),
        &Bodyweight::default(),
    );
    let has = |stored: &StoredModel, part: Part| match part {
        Part::Plan => stored.plan.is_some(),
        _ => stored.progress.is_some(),
    };
    for part in [Part::Plan, Part::Progress] {
        accounts
            .mark_stale(std::slice::from_ref(&user))
            .await
            .unwrap();
        assert_eq!(
            projection.rebuild(&user, today()).await.unwrap(),
            Rebuilt::Fresh
        );
        let stored = accounts.stored_part(&user, part).await.unwrap().unwrap();
        assert!(has(&stored, part), "{part:?} stored");

        spoil(user.clone(), part).await;
        let stored = accounts.stored_part(&user, part).await.unwrap().unwrap();
        assert!(stored.current(), "the record still says fresh");
        assert!(!has(&stored, part), "{part:?} spoiled: not read");
        match part {
            Part::Plan => assert_eq!(training.plan(&user).await.unwrap(), want.plan),
            _ => assert_eq!(
                training.progress(&user, today()).await.unwrap(),
                want.progress_on(today()),
            ),
        }
        assert!(
            accounts.stale_users(10_000).await.unwrap().contains(&user),
            "{part:?}: the view asked for a rebuild"
        );
        assert_eq!(
            projection.rebuild(&user, today()).await.unwrap(),
            Rebuilt::Fresh
        );
        let mended = accounts.stored_part(&user, part).await.unwrap().unwrap();
        assert!(mended.current() && has(&mended, part), "{part:?} mended");
    }
}

pub async fn read_model_contract<A, S>(accounts: &A, store: &S)
where
    A: AccountStore + ProfileStore + ReadModelStore + Clone,
    S: WorkoutStore + Clone,
{
    generations(accounts).await;
    stays_a_replay(accounts, store, 19).await;
}
