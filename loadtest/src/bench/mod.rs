//! The benchmark harness: each figure of Ironlog beside a baseline measured in the same run on
//! the same parts, printed as one table. Timings are for reading, never asserted (shared
//! machines flake); the first load's size is a byte count, so `--budget` fails on it.

mod amqp;
mod browser;
mod bundle;
mod cpu;
mod drain;
mod events;
mod rate;
mod read;
mod views;
mod write;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use testkit::{Stack, StackConfig};

use crate::stats::{ms, table};

#[derive(Debug, Clone)]
pub struct BenchConfig {
    pub bin_dir: PathBuf,
    pub site_root: PathBuf,
    /// The end2end directory with Playwright installed, for time to interactive.
    pub end2end_dir: PathBuf,
    /// Length of each fixed-rate or saturating run.
    pub run_for: Duration,
    /// Events pre-filled for the consumer benchmark.
    pub backlog: usize,
    /// Sessions of the read benchmark's user.
    pub history: usize,
    /// The sections to run (see [`SECTIONS`]); all when empty.
    pub only: Vec<String>,
    /// Fail when the first load is over [`bundle::FIRST_LOAD_BUDGET`] (after the table).
    pub budget: bool,
}

/// The parts of the benchmark, in the order they run.
pub const SECTIONS: &[&str] = &["bundle", "read", "views", "tti", "write", "consumer"];

impl BenchConfig {
    /// Whether `section` runs: it is named by `--only`, or `--only` names none.
    pub fn wants(&self, section: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|s| s == section)
    }
}

/// One line of the result table.
pub struct Figure {
    pub what: String,
    pub ironlog: String,
    pub baseline: String,
    pub ratio: String,
    pub target: String,
}

impl Figure {
    fn new(what: &str, ironlog: String, baseline: String, ratio: String, target: &str) -> Self {
        Self {
            what: what.to_owned(),
            ironlog,
            baseline,
            ratio,
            target: target.to_owned(),
        }
    }
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 {
        format!("{:.2}", a / b)
    } else {
        "-".into()
    }
}

fn p50_p99(l: &rate::Latencies) -> String {
    format!(
        "{} / {} ms",
        ms(crate::stats::percentile(&l.sorted, 0.5)),
        ms(crate::stats::percentile(&l.sorted, 0.99))
    )
}

/// Peak resident memory of a process (VmHWM), in MiB.
fn peak_rss_mib(pid: Option<u32>) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// Keeps `new` and prints it at once, so a long run shows its figures as they come.
fn report(figures: &mut Vec<Figure>, new: Vec<Figure>) {
    for f in &new {
        eprintln!(
            "  = {}: {} | baseline {} | ratio {}",
            f.what, f.ironlog, f.baseline, f.ratio
        );
    }
    figures.extend(new);
}

pub async fn run(config: &BenchConfig) -> Result<()> {
    let mut figures = Vec::new();

    let mut first_load = None;
    if config.wants("bundle") {
        first_load = Some(bundle_figures(config, &mut figures)?);
    }
    if SECTIONS[1..].iter().any(|s| config.wants(s)) {
        stack_figures(config, &mut figures).await?;
    }
    print_table(figures)?;
    match first_load {
        Some(brotli) if config.budget => bundle::within_budget(brotli),
        _ => Ok(()),
    }
}

/// The sections that need a running stack.
async fn stack_figures(config: &BenchConfig, figures: &mut Vec<Figure>) -> Result<()> {
    let mut stack_config = StackConfig::new(
        config.bin_dir.join("ironlog-server"),
        config.bin_dir.join("ironlog-consumer"),
    );
    stack_config.server_env = vec![
        (
            "LEPTOS_SITE_ROOT".into(),
            config.site_root.display().to_string(),
        ),
        ("LEPTOS_OUTPUT_NAME".into(), "ironlog".into()),
        ("RUST_LOG".into(), "warn".into()),
    ];
    // One account writing thousands of workouts a second: the limits would be the figure.
    stack_config.lift_rate_limits();
    stack_config.consumer_env = vec![("RUST_LOG".into(), "warn".into())];
    // The fastest MongoDB-wire server installed: the read figures measure Ironlog, not a
    // database that answers a few dozen queries a second.
    stack_config.engine = testkit::Engine::fastest();
    eprintln!("bench: starting RabbitMQ, SecantusDB, a consumer and a server…");
    let mut stack = tokio::task::spawn_blocking(move || Stack::start(&stack_config))
        .await
        .context("starting the stack")??;

    if config.wants("read") {
        report(figures, read::run(&stack, config).await?);
    }
    if config.wants("tti") {
        let base = stack.servers[0].base_url();
        report(figures, browser::time_to_interactive(&base, config).await?);
        report(figures, browser::page_loads(&base, config).await?);
        report(figures, browser::worker_sizes(&base, config).await?);
        report(figures, vec![browser::outbox_drain(&base, config).await?]);
    }
    if config.wants("views") {
        report(figures, views_embedded(config).await?);
        let engine = match stack.mongo.engine() {
            testkit::Engine::Rust => "SecantusDB (Rust server)",
            testkit::Engine::Python => "SecantusDB (Python server)",
        };
        let target = views::Target {
            store: engine,
            base: stack.servers[0].base_url(),
            metrics: format!("http://127.0.0.1:{}/metrics", stack.server_metrics_ports[0]),
        };
        report(figures, views::run(&target, config).await?);
    }
    if config.wants("write") {
        report(figures, write::run(&mut stack, config).await?);
    }
    if config.wants("consumer") {
        report(figures, drain::run(&mut stack, config).await?);
    }
    report(figures, vec![memory(&stack)]);
    drop(stack);
    Ok(())
}

/// The views on the embedded store: a server of its own on a fresh data directory.
async fn views_embedded(config: &BenchConfig) -> Result<Vec<Figure>> {
    let data = tempfile::tempdir().context("a data directory")?;
    let metrics = testkit::free_port()?;
    let mut env: Vec<(&str, String)> = vec![
        ("IRONLOG_DATA_DIR", data.path().display().to_string()),
        ("IRONLOG_METRICS_ADDR", format!("127.0.0.1:{metrics}")),
        ("LEPTOS_SITE_ROOT", config.site_root.display().to_string()),
        ("LEPTOS_OUTPUT_NAME", "ironlog".into()),
        ("RUST_LOG", "warn".into()),
    ];
    env.extend(
        testkit::UNLIMITED
            .iter()
            .map(|(k, v)| (*k, (*v).to_owned())),
    );
    let bin = config.bin_dir.join("ironlog-server");
    let server = tokio::task::spawn_blocking(move || testkit::Server::start(&bin, &env))
        .await
        .context("starting the embedded server")??;
    let target = views::Target {
        store: "embedded (redb)",
        base: server.base_url(),
        metrics: format!("http://127.0.0.1:{metrics}/metrics"),
    };
    let figures = views::run(&target, config).await;
    drop(server);
    figures
}

/// Adds the bundle's figures; returns the first load in brotli bytes.
fn bundle_figures(config: &BenchConfig, figures: &mut Vec<Figure>) -> Result<usize> {
    eprintln!("bench: bundle sizes…");
    let sizes = bundle::measure(&config.site_root)?;
    let mut total_br = 0;
    for s in &sizes {
        total_br += s.brotli;
        figures.push(Figure::new(
            &format!("bundle: {}", s.name),
            format!("{} / {} / {} B", s.raw, s.gzip, s.brotli),
            "-".into(),
            "-".into(),
            "raw / gzip / brotli",
        ));
    }
    figures.push(Figure::new(
        "bundle: first load, brotli",
        format!("{:.1} KB", total_br as f64 / 1000.0),
        "-".into(),
        "-".into(),
        &format!("< {} KB", bundle::FIRST_LOAD_BUDGET / 1000),
    ));
    Ok(total_br)
}

fn memory(stack: &Stack) -> Figure {
    let server_rss = peak_rss_mib(stack.servers[0].proc.pid());
    let consumer_rss = peak_rss_mib(stack.consumers[0].proc.pid());
    Figure::new(
        "memory: peak RSS (server: whole run; consumer: since its last start)",
        format!(
            "server {:.0} MiB, consumer {:.0} MiB",
            server_rss.unwrap_or(0.0),
            consumer_rss.unwrap_or(0.0)
        ),
        "-".into(),
        "-".into(),
        "-",
    )
}

fn print_table(figures: Vec<Figure>) -> Result<()> {
    let rows: Vec<Vec<String>> = figures
        .into_iter()
        .map(|f| vec![f.what, f.ironlog, f.baseline, f.ratio, f.target])
        .collect();
    println!(
        "\n{}",
        table(
            &["benchmark", "Ironlog", "baseline", "ratio", "target"],
            &rows
        )
    );
    Ok(())
}
