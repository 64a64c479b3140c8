//! An open-loop load generator: requests start on a fixed schedule whatever the answers, so a
//! slow server cannot slow the load down and hide its own latency (no coordinated omission).
//! Each request behaves like the browser client: on 503 or a network error it retries the same
//! workout id with backoff, on the next server, as a load balancer would route it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use uuid::Uuid;

use crate::workload;

#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// Requests started per second.
    pub rate: f64,
    pub duration: Duration,
    /// Keeps the load going past `duration` while something else is still under way.
    pub hold: Option<Hold>,
    /// Base URLs of the servers; request `i` goes first to server `i % len`.
    pub servers: Vec<String>,
    /// Attempts per request before it counts as unanswered.
    pub max_attempts: u32,
    /// The longest wait for one answer.
    pub attempt_timeout: Duration,
    /// Print a progress line this often (None: silent).
    pub progress: Option<Duration>,
    /// `Cookie` headers of signed-in accounts; request `i` acts as account `i % len`.
    pub sessions: Vec<String>,
}

/// After its duration, the load goes on while `running` is set, but never past `at_most`.
#[derive(Debug, Clone)]
pub struct Hold {
    pub running: Arc<AtomicBool>,
    pub at_most: Duration,
}

/// One HTTP attempt: when it started (since the load began), how long it took, and the status
/// (None when no answer came: refused connection, reset, or timeout).
#[derive(Debug, Clone)]
pub struct Attempt {
    pub at: Duration,
    pub took: Duration,
    pub status: Option<u16>,
    pub timed_out: bool,
}

/// One logical request: a workout id and every attempt to log it.
#[derive(Debug, Clone)]
pub struct Request {
    pub id: Uuid,
    pub scheduled: Duration,
    pub attempts: Vec<Attempt>,
}

impl Request {
    pub fn accepted(&self) -> bool {
        self.attempts.last().and_then(|a| a.status) == Some(202)
    }
}

#[derive(Default)]
struct Progress {
    started: AtomicU64,
    accepted: AtomicU64,
    unavailable: AtomicU64,
    failed: AtomicU64,
}

pub fn client() -> reqwest::Client {
    client_with(reqwest::header::HeaderMap::new())
}

/// A client that sends `headers` (a session cookie, say) with every request.
pub fn client_with(headers: reqwest::header::HeaderMap) -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .tcp_nodelay(true)
        .default_headers(headers)
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// Calls `op(i, scheduled)` at `start + scheduled`, `rate` times a second for as long as
/// `more(scheduled)` holds, whatever the earlier ones are doing, runs each as its own task, and
/// waits for all. Returns their results in order; `None` for one that panicked.
pub async fn open_loop<T, F, Fut>(
    start: Instant,
    rate: f64,
    more: impl Fn(Duration) -> bool,
    mut op: F,
) -> Vec<Option<T>>
where
    F: FnMut(u64, Duration) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let mut tasks = Vec::new();
    for i in 0.. {
        let scheduled = Duration::from_secs_f64(i as f64 / rate);
        if !more(scheduled) {
            break;
        }
        tokio::time::sleep_until(start + scheduled).await;
        tasks.push(tokio::spawn(op(i, scheduled)));
    }
    let mut out = Vec::with_capacity(tasks.len());
    for task in tasks {
        out.push(task.await.ok());
    }
    out
}

/// Runs the load to completion (every request answered or given up) and returns each request.
pub async fn run(config: &LoadConfig, client: &reqwest::Client) -> Vec<Request> {
    let start = Instant::now();
    let progress = Arc::new(Progress::default());
    let reporter = config.progress.map(|every| {
        let progress = progress.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                eprintln!(
                    "  t={:>5.1}s started {:>6}  202 {:>6}  503 {:>5}  no answer {:>4}",
                    start.elapsed().as_secs_f64(),
                    progress.started.load(Ordering::Relaxed),
                    progress.accepted.load(Ordering::Relaxed),
                    progress.unavailable.load(Ordering::Relaxed),
                    progress.failed.load(Ordering::Relaxed),
                );
            }
        })
    });
    let more = |scheduled: Duration| {
        scheduled < config.duration
            || config.hold.as_ref().is_some_and(|hold| {
                scheduled < hold.at_most && hold.running.load(Ordering::Relaxed)
            })
    };
    let requests = open_loop(start, config.rate, more, |i, scheduled| {
        progress.started.fetch_add(1, Ordering::Relaxed);
        let (client, config, progress) = (client.clone(), config.clone(), progress.clone());
        async move { one_request(&client, &config, i as usize, start, scheduled, &progress).await }
    })
    .await;
    let out: Vec<Request> = requests.into_iter().flatten().collect();
    if let Some(r) = reporter {
        r.abort();
    }
    out
}

async fn one_request(
    client: &reqwest::Client,
    config: &LoadConfig,
    index: usize,
    start: Instant,
    scheduled: Duration,
    progress: &Progress,
) -> Request {
    let id = Uuid::now_v7();
    let body = serde_json::to_vec(&workload::workout(id)).unwrap_or_default();
    let mut attempts = Vec::new();
    let mut delay = Duration::from_millis(100);
    for attempt in 0..config.max_attempts {
        let server = &config.servers[(index + attempt as usize) % config.servers.len()];
        let began = Instant::now();
        let sent = client
            .post(format!("{server}/api/v1/workouts"))
            .header("content-type", "application/json")
            .header(
                "cookie",
                config
                    .sessions
                    .get(index % config.sessions.len().max(1))
                    .map_or("", String::as_str),
            )
            .body(body.clone())
            .timeout(config.attempt_timeout)
            .send()
            .await;
        let took = began.elapsed();
        let (status, timed_out) = match &sent {
            Ok(r) => (Some(r.status().as_u16()), false),
            Err(e) => (None, e.is_timeout()),
        };
        attempts.push(Attempt {
            at: began - start,
            took,
            status,
            timed_out,
        });
        match status {
            Some(202) => {
                progress.accepted.fetch_add(1, Ordering::Relaxed);
                break;
            }
            Some(503) => progress.unavailable.fetch_add(1, Ordering::Relaxed),
            None => progress.failed.fetch_add(1, Ordering::Relaxed),
            // Anything else is final: the request was refused for a reason retrying won't fix.
            Some(_) => break,
        };
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(2));
    }
    Request {
        id,
        scheduled,
        attempts,
    }
}
