//! The HTTP/1.1 accept loop, in place of `axum::serve`, which has no header-read or idle
//! timeout and no cap on connections: a self-hosted server exposed directly could be held
//! down by a few thousand idle or trickling sockets (slowloris) and then fail every accept
//! with "too many open files".
//!
//! Every connection is watched by its own deadline, with three phases:
//! - idle (just accepted, or its last response finished): closed when nothing arrives for
//!   `idle_timeout`;
//! - reading a request head (a first byte came): closed unless the whole head is in within
//!   `header_read_timeout`, however slowly it trickles;
//! - in a request: the router's request timeout bounds the handler; after that, a response
//!   that sends nothing for `idle_timeout` (a client that stopped reading) is closed.
//!
//! Connections are capped in total and per client address (an IPv6 client's whole /64). A
//! connection over a client's share is closed at once; one over the total cap asks the idle
//! connections to close and waits a moment for a place, so clients that are actually sending
//! requests get the capacity back.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use ipnet::IpNet;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The connection limits, from the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Open connections in all.
    pub max_connections: usize,
    /// Open connections from one client address (trusted proxies excepted: every client
    /// behind them shares their address).
    pub max_per_client: usize,
    /// From a request's first byte to its complete head.
    pub header_read_timeout: Duration,
    /// With no request in progress and nothing received.
    pub idle_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: 768,
            max_per_client: 64,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
        }
    }
}

/// How long connections that are finishing a request get after the server is told to stop.
const DRAIN: Duration = Duration::from_secs(20);

/// After an accept error (most often: out of file descriptors), wait before the next accept
/// instead of spinning on it; and log such errors at most this often.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);
const ACCEPT_LOG_EVERY: Duration = Duration::from_secs(5);

/// How long a connection over the total cap waits for an idle one to make room, and how many
/// may wait at once.
const MAKE_ROOM: Duration = Duration::from_millis(200);
const MAX_WAITING: usize = 32;

fn refuse(stream: TcpStream) {
    metrics::counter!("ironlog_connections_refused_total").increment(1);
    drop(stream);
}

/// The address a client is counted under: an IPv6 client owns its whole /64 (one subnet is
/// one site, and its addresses are free to rotate through).
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let bits = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(std::net::Ipv6Addr::from(bits))
            }
        },
    }
}

/// Serves `router` on `listener` until `stop` is cancelled, then lets the requests in flight
/// finish (for at most [`DRAIN`]).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    trusted_proxies: Arc<[IpNet]>,
    stop: CancellationToken,
) {
    let tracker = TaskTracker::new();
    let counts = Arc::new(Counts::default());
    let waiting = Arc::new(tokio::sync::Semaphore::new(MAX_WAITING));
    // Bumped when the cap is reached: idle connections close on seeing it change.
    let (shed, _) = watch::channel(0u64);
    let mut last_accept_log: Option<Instant> = None;
    loop {
        let accepted = tokio::select! {
            _ = stop.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                if last_accept_log.is_none_or(|t| t.elapsed() >= ACCEPT_LOG_EVERY) {
                    tracing::error!(error = %e, "accepting a connection failed (if \"too many open files\": raise the file limit or lower IRONLOG_MAX_CONNECTIONS)");
                    last_accept_log = Some(Instant::now());
                }
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        let exempt = trusted_proxies.iter().any(|n| n.contains(&peer.ip()));
        let client = client_key(peer.ip());
        let slot = match counts.admit(client, exempt, &limits) {
            Admission::Admitted(slot) => slot,
            Admission::ClientFull => {
                refuse(stream);
                continue;
            }
            Admission::Full => {
                // Ask the idle connections to make room, and give this one a moment to get
                // a place, on a task of its own so that accepting goes on meanwhile; a few
                // such waits at once, or it would be a way around the cap.
                let Ok(waiting) = waiting.clone().try_acquire_owned() else {
                    refuse(stream);
                    continue;
                };
                let released = counts.released.clone().notified_owned();
                shed.send_modify(|g| *g = g.wrapping_add(1));
                let (counts, router, stop, shed) = (
                    counts.clone(),
                    router.clone(),
                    stop.clone(),
                    shed.subscribe(),
                );
                tracker.spawn(async move {
                    let _ = tokio::time::timeout(MAKE_ROOM, released).await;
                    let slot = match counts.admit(client, exempt, &limits) {
                        Admission::Admitted(slot) => slot,
                        _ => return refuse(stream),
                    };
                    drop(waiting);
                    connection(stream, peer, router, limits, stop, shed).await;
                    drop(slot);
                });
                continue;
            }
        };
        let router = router.clone();
        let stop = stop.clone();
        let shed = shed.subscribe();
        tracker.spawn(async move {
            connection(stream, peer, router, limits, stop, shed).await;
            drop(slot);
        });
    }
    tracker.close();
    if tokio::time::timeout(DRAIN, tracker.wait()).await.is_err() {
        tracing::warn!(
            open = counts.total(),
            "stopped with connections still open after {DRAIN:?}"
        );
    }
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: ConnectionLimits,
    stop: CancellationToken,
    mut shed: watch::Receiver<u64>,
) {
    let _ = stream.set_nodelay(true);
    let phase = Arc::new(Phase::new());
    let io = Watched {
        inner: stream,
        phase: phase.clone(),
    };
    let service_phase = phase.clone();
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        service_phase.start_request();
        req.extensions_mut().insert(ConnectInfo(peer));
        let phase = service_phase.clone();
        let router = router.clone();
        async move {
            let response = match tower::ServiceExt::oneshot(router, req.map(Body::new)).await {
                Ok(r) => r,
                Err(never) => match never {},
            };
            Ok::<_, std::convert::Infallible>(
                response.map(|body| Body::new(EndsRequest::new(body, phase))),
            )
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    // Only idle connections may be closed by the deadlines, the cap or the stop: one in the
    // middle of a request finishes it (graceful shutdown ends it after the response).
    let mut stopping = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                }
                return;
            }
            reason = phase.expired(&limits) => {
                metrics::counter!("ironlog_connections_timed_out_total", "phase" => reason).increment(1);
                tracing::debug!(%peer, reason, "closing a connection");
                return;
            }
            _ = stop.cancelled(), if !stopping => {
                if phase.is_idle() {
                    return;
                }
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
            changed = shed.changed() => {
                if changed.is_err() || phase.is_idle() {
                    return;
                }
            }
        }
    }
}

/// Open connections, in all and per client address.
#[derive(Default)]
struct Counts {
    per_client: Mutex<HashMap<IpAddr, usize>>,
    total: std::sync::atomic::AtomicUsize,
    /// Told whenever a connection closes.
    released: Arc<Notify>,
}

enum Admission {
    Admitted(Slot),
    /// This client has its share.
    ClientFull,
    /// The server has its cap.
    Full,
}

impl Counts {
    fn admit(self: &Arc<Self>, ip: IpAddr, exempt: bool, limits: &ConnectionLimits) -> Admission {
        let mut per_client = self.per_client.lock().unwrap_or_else(|p| p.into_inner());
        let mine = per_client.entry(ip).or_default();
        if !exempt && *mine >= limits.max_per_client {
            return Admission::ClientFull;
        }
        if self.total.load(Ordering::Relaxed) >= limits.max_connections {
            if *mine == 0 {
                per_client.remove(&ip);
            }
            return Admission::Full;
        }
        *mine += 1;
        self.total.fetch_add(1, Ordering::Relaxed);
        metrics::gauge!("ironlog_connections_open").increment(1.0);
        Admission::Admitted(Slot {
            counts: self.clone(),
            ip,
        })
    }

    fn total(&self) -> usize {
        self.total.load(Ordering::Relaxed)
    }
}

/// One admitted connection; dropping it gives the place back.
struct Slot {
    counts: Arc<Counts>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut per_client = self
            .counts
            .per_client
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(n) = per_client.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                per_client.remove(&self.ip);
            }
        }
        self.counts.total.fetch_sub(1, Ordering::Relaxed);
        drop(per_client);
        self.counts.released.notify_waiters();
        metrics::gauge!("ironlog_connections_open").decrement(1.0);
    }
}

const IDLE: u8 = 0;
const READING_HEAD: u8 = 1;
const IN_REQUEST: u8 = 2;

/// Where a connection is, and since when (in ms since `origin`).
struct Phase {
    state: AtomicU8,
    since_ms: AtomicU64,
    origin: Instant,
    changed: Notify,
}

impl Phase {
    fn new() -> Self {
        Self {
            state: AtomicU8::new(IDLE),
            since_ms: AtomicU64::new(0),
            origin: Instant::now(),
            changed: Notify::new(),
        }
    }

    /// Milliseconds since the connection was accepted.
    fn now_ms(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn set(&self, state: u8) {
        self.since_ms.store(self.now_ms(), Ordering::Release);
        self.state.store(state, Ordering::Release);
        self.changed.notify_one();
    }

    /// A byte arrived: an idle connection starts reading a head.
    fn received(&self) {
        if self
            .state
            .compare_exchange(IDLE, READING_HEAD, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            self.set(READING_HEAD);
        }
    }

    fn start_request(&self) {
        self.set(IN_REQUEST);
    }

    /// Bytes went out: a request in progress is not stalled. No wake-up is needed: the
    /// watchdog finds the later time when its sleep ends.
    fn wrote(&self) {
        if self.state.load(Ordering::Acquire) == IN_REQUEST {
            self.since_ms.store(self.now_ms(), Ordering::Release);
        }
    }

    fn end_request(&self) {
        self.set(IDLE);
    }

    fn is_idle(&self) -> bool {
        self.state.load(Ordering::Acquire) == IDLE
    }

    /// Resolves when the current phase outlives its limit, with the phase's name.
    async fn expired(&self, limits: &ConnectionLimits) -> &'static str {
        loop {
            let notified = self.changed.notified();
            let since = self.origin + Duration::from_millis(self.since_ms.load(Ordering::Acquire));
            let (limit, name) = match self.state.load(Ordering::Acquire) {
                IDLE => (Some(limits.idle_timeout), "idle"),
                READING_HEAD => (Some(limits.header_read_timeout), "header"),
                // The router times the handler out (15 s); this catches a response that
                // stops going out (a client that stops reading holds its slot otherwise).
                _ => (Some(limits.idle_timeout), "stalled"),
            };
            match limit {
                Some(limit) => {
                    tokio::select! {
                        _ = tokio::time::sleep_until(since + limit) => {
                            // Only if nothing moved it on meanwhile.
                            let now_since = self.origin + Duration::from_millis(self.since_ms.load(Ordering::Acquire));
                            if now_since == since {
                                return name;
                            }
                        }
                        _ = notified => {}
                    }
                }
                None => notified.await,
            }
        }
    }
}

/// The socket, telling its [`Phase`] when bytes arrive.
struct Watched {
    inner: TcpStream,
    phase: Arc<Phase>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.phase.received();
        }
        result
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.phase.wrote();
        }
        result
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.phase.wrote();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// A response body that puts its connection back to idle once it has been sent (or dropped:
/// hyper drops it when the client goes away).
struct EndsRequest {
    body: Body,
    phase: Option<Arc<Phase>>,
}

impl EndsRequest {
    fn new(body: Body, phase: Arc<Phase>) -> Self {
        Self {
            body,
            phase: Some(phase),
        }
    }

    fn end(&mut self) {
        if let Some(phase) = self.phase.take() {
            phase.end_request();
        }
    }
}

impl Drop for EndsRequest {
    fn drop(&mut self) {
        self.end();
    }
}

impl HttpBody for EndsRequest {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) {
            self.end();
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// Raises the process's soft limit on open files to its hard limit, and checks that the
/// connection cap fits under it with room for the store, the broker and the log.
pub fn raise_file_limit(limits: &ConnectionLimits) -> Result<u64, FileLimitError> {
    const RESERVE: u64 = 128;
    let mut rl = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we pass, which lives for the call.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) } != 0 {
        return Err(FileLimitError::Read(io::Error::last_os_error()));
    }
    if rl.rlim_cur < rl.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: rl.rlim_max,
            rlim_max: rl.rlim_max,
        };
        // SAFETY: as above; setrlimit only reads the struct.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            rl.rlim_cur = rl.rlim_max;
        }
    }
    // rlim_t is 64 bits wide on the platforms Ironlog runs on.
    #[allow(clippy::useless_conversion)]
    let limit = u64::try_from(rl.rlim_cur).unwrap_or(u64::MAX);
    let needed = (limits.max_connections as u64).saturating_add(RESERVE);
    if needed > limit {
        return Err(FileLimitError::TooLow {
            limit,
            max_connections: limits.max_connections,
            needed,
        });
    }
    Ok(limit)
}

#[derive(Debug, thiserror::Error)]
pub enum FileLimitError {
    #[error("reading the open-file limit")]
    Read(#[source] io::Error),
    #[error("IRONLOG_MAX_CONNECTIONS={max_connections} needs about {needed} open files but this process may open only {limit}: raise the limit (LimitNOFILE= in systemd, ulimit -n) or lower IRONLOG_MAX_CONNECTIONS")]
    TooLow {
        limit: u64,
        max_connections: usize,
        needed: u64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn an_idle_phase_expires_after_the_idle_timeout_and_a_head_after_the_header_timeout() {
        let limits = ConnectionLimits {
            idle_timeout: Duration::from_secs(60),
            header_read_timeout: Duration::from_secs(10),
            ..ConnectionLimits::default()
        };
        let phase = Phase::new();
        let started = Instant::now();
        assert_eq!(phase.expired(&limits).await, "idle");
        assert_eq!(started.elapsed().as_secs(), 60);

        let phase = Arc::new(Phase::new());
        tokio::time::sleep(Duration::from_secs(30)).await;
        phase.received();
        let started = Instant::now();
        assert_eq!(phase.expired(&limits).await, "header");
        assert_eq!(started.elapsed().as_secs(), 10);
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_sending_never_expires_and_a_stalled_one_does() {
        let limits = ConnectionLimits {
            idle_timeout: Duration::from_secs(5),
            header_read_timeout: Duration::from_secs(5),
            ..ConnectionLimits::default()
        };
        let phase = Arc::new(Phase::new());
        phase.received();
        phase.start_request();
        // A long response going out a little every second for ten minutes, then done.
        let sender = phase.clone();
        tokio::spawn(async move {
            for _ in 0..600 {
                tokio::time::sleep(Duration::from_secs(1)).await;
                sender.wrote();
            }
            sender.end_request();
        });
        let started = Instant::now();
        assert_eq!(phase.expired(&limits).await, "idle");
        assert_eq!(
            started.elapsed().as_secs(),
            605,
            "idle clock restarts at the end"
        );

        // A response that stops going out (the client stopped reading).
        let phase = Arc::new(Phase::new());
        phase.received();
        phase.start_request();
        phase.wrote();
        let started = Instant::now();
        assert_eq!(phase.expired(&limits).await, "stalled");
        assert_eq!(started.elapsed().as_secs(), 5);
    }

    #[test]
    fn an_ipv6_client_is_counted_by_its_64_and_a_mapped_v4_as_v4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(client_key(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn a_cap_above_the_open_file_limit_is_refused_at_start() {
        let fits = raise_file_limit(&ConnectionLimits::default()).expect("the default fits");
        assert!(fits >= 768 + 128);
        let e = raise_file_limit(&ConnectionLimits {
            max_connections: usize::MAX / 2,
            ..ConnectionLimits::default()
        })
        .unwrap_err();
        assert!(e.to_string().contains("LimitNOFILE"), "{e}");
    }

    #[test]
    fn the_cap_counts_per_client_and_in_all_and_exempts_trusted_proxies() {
        let limits = ConnectionLimits {
            max_connections: 3,
            max_per_client: 2,
            ..ConnectionLimits::default()
        };
        let counts = Arc::new(Counts::default());
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let admitted = |a: Admission| match a {
            Admission::Admitted(slot) => slot,
            _ => panic!("refused"),
        };
        let a1 = admitted(counts.admit(a, false, &limits));
        let _a2 = admitted(counts.admit(a, false, &limits));
        assert!(matches!(
            counts.admit(a, false, &limits),
            Admission::ClientFull
        ));
        let _b1 = admitted(counts.admit(b, true, &limits));
        assert!(matches!(counts.admit(b, true, &limits), Admission::Full));
        drop(a1);
        let _b2 = admitted(counts.admit(b, true, &limits));
        assert_eq!(counts.total(), 3);
        assert!(
            counts.per_client.lock().unwrap().get(&a) == Some(&1),
            "a closed connection gives its place back"
        );
        let c: IpAddr = "10.0.0.3".parse().unwrap();
        assert!(matches!(counts.admit(c, false, &limits), Admission::Full));
        assert!(
            !counts.per_client.lock().unwrap().contains_key(&c),
            "a client refused at the cap leaves no entry behind"
        );
    }
}
