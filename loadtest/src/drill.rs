//! The failover drill: a 3-node RabbitMQ cluster, SecantusDB, two consumers and two servers
//! under a steady load, while the database, a consumer, the quorum queue's leader node and a
//! server fail in turn. Afterwards every accepted workout must be stored exactly once.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use adapters::mongo::MongoStore;
use anyhow::{Context, Result};
use testkit::stack::{DEAD_QUEUE, PERSIST_QUEUE};
use testkit::{Stack, StackConfig};

use crate::load::{self, Hold, LoadConfig};
use crate::stats::{ms, percentile, table};

#[derive(Debug, Clone)]
pub struct DrillConfig {
    pub rate: f64,
    pub duration: Duration,
    pub db_outage: Duration,
    /// Where `ironlog-server` and `ironlog-consumer` are (e.g. target/release).
    pub bin_dir: PathBuf,
    /// The built site (target/site), for the server's pages.
    pub site_root: PathBuf,
}

impl DrillConfig {
    /// The full drill: 300 req/s for 60 s, the database down for 30 s.
    pub fn full(bin_dir: PathBuf, site_root: PathBuf) -> Self {
        Self {
            rate: 300.0,
            duration: Duration::from_secs(60),
            db_outage: Duration::from_secs(30),
            bin_dir,
            site_root,
        }
    }

    /// The same faults in about two minutes, start-up included, for every CI run.
    pub fn short(bin_dir: PathBuf, site_root: PathBuf) -> Self {
        Self {
            rate: 150.0,
            duration: Duration::from_secs(40),
            db_outage: Duration::from_secs(10),
            ..Self::full(bin_dir, site_root)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Phase {
    Steady,
    DatabaseDown,
    DatabaseBack,
    ConsumerKilled,
    BrokerLeaderKilled,
    ServerRestart,
    After,
}

impl Phase {
    fn label(self) -> &'static str {
        match self {
            Phase::Steady => "steady",
            Phase::DatabaseDown => "database down",
            Phase::DatabaseBack => "database back",
            Phase::ConsumerKilled => "consumer SIGKILLed",
            Phase::BrokerLeaderKilled => "queue leader node SIGKILLed",
            Phase::ServerRestart => "server restarted (SIGTERM)",
            Phase::After => "after the faults",
        }
    }
}

/// When each phase began, relative to the start of the load.
#[derive(Default)]
struct Timeline(Mutex<Vec<(Duration, Phase)>>);

impl Timeline {
    fn mark(&self, start: Instant, phase: Phase) {
        let at = start.elapsed();
        eprintln!("drill: t={:>5.1}s {}", at.as_secs_f64(), phase.label());
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((at, phase));
    }

    fn phase_at(&self, t: Duration) -> Phase {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .rev()
            .find(|(at, _)| *at <= t)
            .map_or(Phase::Steady, |(_, p)| *p)
    }

    fn window(&self, phase: Phase) -> Option<(Duration, Duration)> {
        let marks = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let i = marks.iter().position(|(_, p)| *p == phase)?;
        let end = marks.get(i + 1).map_or(Duration::MAX, |(at, _)| *at);
        Some((marks[i].0, end))
    }
}

/// How long the load goes on after the last fault, so the table shows the system after them.
const AFTER_FAULTS: Duration = Duration::from_secs(3);

/// The faults, in sequence, on a plain thread (the harness is blocking). Returns the stack.
/// Clears `running` when they are over, which lets the load end: how long a broker node takes
/// to rejoin varies with the machine, so the faults set the load's length, not a fixed guess.
fn inject_faults(
    mut stack: Stack,
    config: &DrillConfig,
    start: Instant,
    timeline: &Timeline,
    running: &AtomicBool,
) -> (Stack, Result<()>) {
    let pause = |d: Duration| std::thread::sleep(d);
    let result = (|| -> Result<()> {
        pause(Duration::from_secs(3));
        timeline.mark(start, Phase::DatabaseDown);
        stack.mongo.crash();
        pause(config.db_outage);
        stack.mongo.start_again().context("restarting SecantusDB")?;
        timeline.mark(start, Phase::DatabaseBack);

        pause(Duration::from_secs(3));
        timeline.mark(start, Phase::ConsumerKilled);
        stack.consumers[0].kill9();
        pause(Duration::from_secs(2));
        stack.consumers[0]
            .start_again()
            .context("restarting the consumer")?;

        pause(Duration::from_secs(3));
        let leader = stack.broker.leader_of(PERSIST_QUEUE)?;
        timeline.mark(start, Phase::BrokerLeaderKilled);
        eprintln!("drill: the queue's leader is node {leader}");
        stack.broker.kill_node(leader);
        pause(Duration::from_secs(2));
        stack
            .broker
            .start_node(leader)
            .context("restarting the broker node")?;

        pause(Duration::from_secs(3));
        timeline.mark(start, Phase::ServerRestart);
        let graceful = stack.servers[1].restart().context("restarting a server")?;
        if !graceful {
            eprintln!("drill: the server did not exit within its grace period on SIGTERM");
        }
        timeline.mark(start, Phase::After);
        pause(AFTER_FAULTS);
        Ok(())
    })();
    running.store(false, Ordering::Relaxed);
    (stack, result)
}

#[derive(Default)]
struct Row {
    requests: usize,
    accepted: usize,
    unavailable: usize,
    retries: usize,
    latencies: Vec<Duration>,
    stored: usize,
    duplicates: usize,
    lost: usize,
    unanswered: usize,
}

impl Row {
    fn cells(&mut self, label: &str) -> Vec<String> {
        self.latencies.sort();
        vec![
            label.to_owned(),
            self.requests.to_string(),
            self.accepted.to_string(),
            self.unavailable.to_string(),
            self.retries.to_string(),
            ms(percentile(&self.latencies, 0.5)),
            ms(percentile(&self.latencies, 0.99)),
            ms(self.latencies.last().copied().unwrap_or_default()),
            self.stored.to_string(),
            self.duplicates.to_string(),
            self.lost.to_string(),
            self.unanswered.to_string(),
        ]
    }

    fn add(&mut self, other: &Row) {
        self.requests += other.requests;
        self.accepted += other.accepted;
        self.unavailable += other.unavailable;
        self.retries += other.retries;
        self.latencies.extend(&other.latencies);
        self.stored += other.stored;
        self.duplicates += other.duplicates;
        self.lost += other.lost;
        self.unanswered += other.unanswered;
    }
}

/// Runs the drill and prints its table; Ok(true) when every check held.
/// Accounts the load acts as: at 300 req/s, 5 requests a second each.
const USERS: usize = 60;

pub async fn run(config: &DrillConfig) -> Result<bool> {
    let mut stack_config = StackConfig::new(
        config.bin_dir.join("ironlog-server"),
        config.bin_dir.join("ironlog-consumer"),
    );
    stack_config.broker_nodes = 3;
    stack_config.consumers = 2;
    stack_config.servers = 2;
    stack_config.server_env = vec![
        (
            "LEPTOS_SITE_ROOT".into(),
            config.site_root.display().to_string(),
        ),
        ("LEPTOS_OUTPUT_NAME".into(), "ironlog".into()),
    ];
    // 60 accounts signed up from one address, each logging 5 workouts a second (with retries
    // during the faults): far beyond any person, so the per-client limits are lifted.
    stack_config.lift_rate_limits();
    // Sessions are re-checked every 2 s instead of 30, so every database outage, the short
    // one included, runs through re-checks that cannot reach the store.
    stack_config
        .server_env
        .push(("IRONLOG_SESSION_RECHECK_SECS".into(), "2".into()));
    eprintln!("drill: starting a 3-node RabbitMQ cluster, SecantusDB, 2 consumers and 2 servers…");
    let stack = tokio::task::spawn_blocking(move || Stack::start(&stack_config))
        .await
        .context("starting the stack")??;
    let members = stack.broker.members_of(PERSIST_QUEUE)?;
    eprintln!("drill: the quorum queue has {members} members");
    anyhow::ensure!(
        members == 3,
        "the quorum queue should be replicated on all 3 nodes, it has {members} members"
    );
    let servers: Vec<String> = stack.servers.iter().map(|s| s.base_url()).collect();
    let uri = stack.uri.clone();
    let metrics_urls: Vec<String> = stack
        .server_metrics_ports
        .iter()
        .chain(&stack.consumer_metrics_ports)
        .map(|p| format!("http://127.0.0.1:{p}/metrics"))
        .collect();

    let faults_running = Arc::new(AtomicBool::new(true));
    let load_config = LoadConfig {
        rate: config.rate,
        duration: config.duration,
        hold: Some(Hold {
            running: faults_running.clone(),
            at_most: config.duration * 3,
        }),
        servers,
        max_attempts: 12,
        attempt_timeout: Duration::from_secs(5),
        progress: Some(Duration::from_secs(5)),
        sessions: Vec::new(),
    };
    let client = load::client();
    eprintln!("drill: signing up {USERS} accounts and showing each session to every server…");
    let mut load_config = load_config;
    load_config.sessions = crate::accounts::sign_up(&client, &load_config.servers, USERS)
        .await?
        .into_iter()
        .map(|s| s.cookie)
        .collect();
    eprintln!(
        "drill: {} req/s for {:?}; faults: database down {:?}, consumer kill, queue leader kill, server restart",
        config.rate, config.duration, config.db_outage
    );
    let timeline = Arc::new(Timeline::default());
    let start = Instant::now();
    let faults = {
        let (timeline, config, running) = (timeline.clone(), config.clone(), faults_running);
        std::thread::spawn(move || inject_faults(stack, &config, start, &timeline, &running))
    };
    let requests = load::run(&load_config, &client).await;
    // When the load stopped starting requests (answers to the last ones come later).
    let load_end = requests
        .iter()
        .map(|r| r.scheduled)
        .max()
        .unwrap_or_default();
    let (stack, faults_result) = tokio::task::spawn_blocking(move || faults.join())
        .await
        .context("joining the fault thread")?
        .map_err(|_| anyhow::anyhow!("the fault thread panicked"))?;
    let faults_ok = match &faults_result {
        Ok(()) => true,
        Err(e) => {
            eprintln!("drill: a fault step failed: {e:#}");
            false
        }
    };
    let faults_in_time = timeline
        .window(Phase::After)
        .is_some_and(|(at, _)| at < load_end);

    // Drain: wait until every accepted id is stored and the queue is empty.
    let accepted: HashSet<String> = requests
        .iter()
        .filter(|r| r.accepted())
        .map(|r| r.id.to_string())
        .collect();
    let store = MongoStore::connect(&uri).await?;
    eprintln!("drill: load done; waiting for the queue to drain…");
    let drain_deadline = Instant::now() + Duration::from_secs(180);
    let stored_ids = loop {
        let ids = store.all_ids().await.unwrap_or_default();
        let have: HashSet<&String> = ids.iter().collect();
        let depth = stack.queue_messages(PERSIST_QUEUE).unwrap_or(u64::MAX);
        if (accepted.iter().all(|id| have.contains(id)) && depth == 0)
            || Instant::now() > drain_deadline
        {
            break ids;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    let depth = stack.queue_messages(PERSIST_QUEUE).unwrap_or(u64::MAX);
    let dead = stack.queue_messages(DEAD_QUEUE).unwrap_or(u64::MAX);
    let metrics = scrape(&client, &metrics_urls).await;
    drop(stack);

    let mut counts: HashMap<&str, usize> = HashMap::new();
    for id in &stored_ids {
        *counts.entry(id.as_str()).or_default() += 1;
    }
    let sent: HashSet<String> = requests.iter().map(|r| r.id.to_string()).collect();
    let phantoms = counts.keys().filter(|id| !sent.contains(**id)).count();

    let mut rows: HashMap<Phase, Row> = HashMap::new();
    let mut timeouts = 0;
    for r in &requests {
        let row = rows.entry(timeline.phase_at(r.scheduled)).or_default();
        let copies = counts.get(r.id.to_string().as_str()).copied().unwrap_or(0);
        row.requests += 1;
        if r.accepted() {
            if copies >= 1 {
                row.stored += 1;
            } else {
                row.lost += 1;
            }
        } else {
            row.unanswered += 1;
        }
        row.duplicates += copies.saturating_sub(1);
        for (n, a) in r.attempts.iter().enumerate() {
            let row = rows.entry(timeline.phase_at(a.at)).or_default();
            if n > 0 {
                row.retries += 1;
            }
            match a.status {
                Some(202) => row.accepted += 1,
                Some(503) => row.unavailable += 1,
                _ => {}
            }
            if a.status.is_some() {
                row.latencies.push(a.took);
            }
            if a.timed_out {
                timeouts += 1;
            }
        }
    }
    let slow_in_outage: Vec<Duration> = timeline
        .window(Phase::DatabaseDown)
        .map(|(from, to)| {
            requests
                .iter()
                .flat_map(|r| &r.attempts)
                .filter(|a| a.at >= from && a.at < to && a.took >= Duration::from_millis(100))
                .map(|a| a.took)
                .collect()
        })
        .unwrap_or_default();

    let mut phases: Vec<Phase> = rows.keys().copied().collect();
    phases.sort();
    let mut total = Row::default();
    let mut lines = Vec::new();
    for phase in phases {
        if let Some(row) = rows.get_mut(&phase) {
            total.add(row);
            lines.push(row.cells(phase.label()));
        }
    }
    lines.push(total.cells("total"));
    println!(
        "\n{}",
        table(
            &[
                "phase",
                "requests",
                "202s",
                "503s",
                "retries",
                "p50 ms",
                "p99 ms",
                "max ms",
                "stored",
                "duplicates",
                "lost",
                "unanswered",
            ],
            &lines,
        )
    );
    println!(
        "\nstored documents {} (distinct {}), never-sent ids stored {phantoms}, dead letters {dead}, queue depth {depth}, attempts without an answer in 5 s {timeouts}",
        stored_ids.len(),
        counts.len()
    );
    println!("{metrics}");

    let mut failures = Vec::new();
    if total.lost > 0 {
        failures.push(format!("{} accepted workouts were lost", total.lost));
    }
    if total.duplicates > 0 {
        failures.push(format!("{} duplicates stored", total.duplicates));
    }
    if phantoms > 0 {
        failures.push(format!("{phantoms} stored ids were never sent"));
    }
    if !slow_in_outage.is_empty() {
        failures.push(format!(
            "{} answers during the database outage took 100 ms or more (slowest {} ms)",
            slow_in_outage.len(),
            ms(slow_in_outage.iter().copied().max().unwrap_or_default())
        ));
    }
    if total.unanswered > 0 || timeouts > 0 {
        failures.push(format!(
            "{} requests never accepted, {timeouts} attempts unanswered",
            total.unanswered
        ));
    }
    if dead != 0 {
        failures.push(format!("{dead} dead letters"));
    }
    if depth != 0 {
        failures.push(format!("the queue did not drain ({depth} left)"));
    }
    if !faults_ok {
        failures.push("a fault could not be injected".into());
    } else if !faults_in_time {
        failures.push(format!(
            "the faults took longer than three times --duration ({:?}), where the load stops",
            config.duration * 3
        ));
    }
    if failures.is_empty() {
        println!("\ndrill PASSED: every accepted workout stored exactly once; the database outage never slowed an answer to 100 ms");
    } else {
        println!("\ndrill FAILED:\n  - {}", failures.join("\n  - "));
    }
    Ok(failures.is_empty())
}

/// The drill's view of the metrics: totals across servers and consumers of the counters that
/// explain a failure.
async fn scrape(client: &reqwest::Client, urls: &[String]) -> String {
    const WATCHED: &[&str] = &[
        "ironlog_workouts_accepted_total",
        "ironlog_publish_unavailable_total",
        "ironlog_publish_confirm_seconds_count",
        "ironlog_publish_confirm_seconds_sum",
        "ironlog_publisher_reconnects_total",
        "ironlog_consumer_persisted_total",
        "ironlog_consumer_batch_size_count",
        "ironlog_consumer_batch_size_sum",
        "ironlog_consumer_redeliveries_total",
        "ironlog_consumer_dead_lettered_total",
        "ironlog_consumer_db_errors_total",
        "ironlog_consumer_reconnects_total",
    ];
    let t = crate::metrics::totals(client, urls, WATCHED).await;
    let (get, mean) = (|k: &str| t.get(k), |s: &str, c: &str| t.mean(s, c));
    format!(
        "metrics (since each process last started): accepted {}, 503s {}, confirm mean {:.2} ms, publisher reconnects {}, persisted {}, mean batch {:.1}, redeliveries {}, dead-lettered {}, database errors {}, consumer reconnects {}",
        get("ironlog_workouts_accepted_total"),
        get("ironlog_publish_unavailable_total"),
        mean("ironlog_publish_confirm_seconds_sum", "ironlog_publish_confirm_seconds_count") * 1000.0,
        get("ironlog_publisher_reconnects_total"),
        get("ironlog_consumer_persisted_total"),
        mean("ironlog_consumer_batch_size_sum", "ironlog_consumer_batch_size_count"),
        get("ironlog_consumer_redeliveries_total"),
        get("ironlog_consumer_dead_lettered_total"),
        get("ironlog_consumer_db_errors_total"),
        get("ironlog_consumer_reconnects_total"),
    )
}
