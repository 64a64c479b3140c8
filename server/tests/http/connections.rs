//! Connections held open by clients that send nothing, or trickle a request head byte by
//! byte, are capped and closed on time, and never starve the clients that send requests.
//! Every address in 127.0.0.0/8 reaches the loopback interface, so each test client has an
//! address of its own.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::support::TestApp;

const IDLE_SECS: u64 = 3;
const HEADER_SECS: u64 = 2;

fn start(max: usize, per_client: usize) -> TestApp {
    let env = [
        ("IRONLOG_MAX_CONNECTIONS", max.to_string()),
        ("IRONLOG_MAX_CONNECTIONS_PER_CLIENT", per_client.to_string()),
        ("IRONLOG_IDLE_TIMEOUT_SECS", IDLE_SECS.to_string()),
        ("IRONLOG_HEADER_READ_TIMEOUT_SECS", HEADER_SECS.to_string()),
    ];
    TestApp::spawn_with(&env)
}

async fn connect_from(ip: &str, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::new(ip.parse().unwrap(), 0))
        .unwrap();
    socket.connect(to).await.expect("the kernel accepts")
}

/// Whether the server has closed `s` (after giving a close a moment to arrive).
async fn is_closed(s: &mut TcpStream) -> bool {
    let mut buf = [0u8; 256];
    matches!(
        tokio::time::timeout(Duration::from_millis(50), s.read(&mut buf)).await,
        Ok(Ok(0) | Err(_))
    )
}

/// Waits until the server closes `s`; returns when, or None if it is still open at `deadline`.
async fn closed_by(s: &mut TcpStream, deadline: Instant) -> Option<Instant> {
    let mut buf = [0u8; 256];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, s.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return Some(Instant::now()),
            Ok(Ok(_)) => continue,
            Err(_) => return None,
        }
    }
}

/// `GET /healthz` on a fresh connection from 127.0.0.1.
async fn healthz(base: &str) -> Result<u16, reqwest::Error> {
    let client = reqwest::Client::builder()
        .local_address(IpAddr::from([127, 0, 0, 1]))
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    Ok(client
        .get(format!("{base}/healthz"))
        .send()
        .await?
        .status()
        .as_u16())
}

#[tokio::test]
async fn idle_and_trickling_connections_are_capped_per_client_and_closed_on_time() {
    let TestApp {
        server,
        data: _data,
        ..
    } = start(64, 6);
    let addr = server.addr();
    let base = server.base_url();

    // 30 idle connections from one address: 6 are kept, the rest closed at once.
    let opened = Instant::now();
    let mut idle = Vec::new();
    for _ in 0..30 {
        idle.push(connect_from("127.0.0.2", addr).await);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut kept = Vec::new();
    for mut s in idle {
        if !is_closed(&mut s).await {
            kept.push(s);
        }
    }
    assert_eq!(kept.len(), 6, "one client keeps its share and no more");

    // 6 connections from another address trickle a request head, a byte every 200 ms, for
    // longer than the header-read timeout.
    let trickling: Vec<_> = (0..6)
        .map(|_| {
            tokio::spawn(async move {
                let mut s = connect_from("127.0.0.3", addr).await;
                let started = Instant::now();
                for byte in b"GET /healthz HTTP/1.1\r\nX-Slow: "
                    .iter()
                    .chain([b'a'; 64].iter())
                {
                    if s.write_all(&[*byte]).await.is_err() {
                        return Some(started.elapsed());
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                let mut buf = [0u8; 64];
                match s.read(&mut buf).await {
                    Ok(0) | Err(_) => Some(started.elapsed()),
                    Ok(_) => None,
                }
            })
        })
        .collect();

    // Meanwhile a client that sends requests is answered every time.
    for _ in 0..10 {
        assert_eq!(healthz(&base).await.expect("answered"), 200);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let deadline = opened + Duration::from_secs(IDLE_SECS + 2);
    for mut s in kept {
        let at = closed_by(&mut s, deadline)
            .await
            .expect("an idle connection is closed within the idle timeout");
        let after = at - opened;
        assert!(
            after >= Duration::from_millis(IDLE_SECS * 1000 - 500),
            "closed after {after:?}: not before the idle timeout"
        );
    }
    for t in trickling {
        let lived = t
            .await
            .unwrap()
            .expect("a trickling head is closed, not answered");
        assert!(
            lived < Duration::from_secs(HEADER_SECS + 2),
            "a trickling head is closed within the header-read timeout, not after {lived:?}"
        );
    }
    assert_eq!(healthz(&base).await.expect("answered"), 200);
}

#[tokio::test]
async fn at_the_total_cap_idle_connections_make_room_for_requests() {
    let TestApp {
        server,
        data: _data,
        ..
    } = start(20, 5);
    let addr = server.addr();
    let base = server.base_url();
    let mut idle = Vec::new();
    for client in 10..16 {
        for _ in 0..5 {
            idle.push(connect_from(&format!("127.0.0.{client}"), addr).await);
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut open = 0;
    for s in &mut idle {
        if !is_closed(s).await {
            open += 1;
        }
    }
    assert!(open <= 20, "{open} idle connections open past a cap of 20");
    for _ in 0..5 {
        assert_eq!(
            healthz(&base).await.expect("answered at the cap"),
            200,
            "a request is answered while idle connections fill the cap"
        );
    }
}

#[tokio::test]
async fn a_keep_alive_connection_is_reused_within_the_idle_timeout_and_closed_after_it() {
    let TestApp {
        server,
        data: _data,
        ..
    } = start(64, 6);
    let mut s = connect_from("127.0.0.20", server.addr()).await;
    // Keep-alive: two requests on one connection, the second after a pause shorter than the
    // idle timeout, then an idle wait that closes it.
    for _ in 0..2 {
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 1024];
        let n = s.read(&mut buf).await.unwrap();
        assert!(
            String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"),
            "{}",
            String::from_utf8_lossy(&buf[..n])
        );
        tokio::time::sleep(Duration::from_millis(IDLE_SECS * 1000 - 1000)).await;
    }
    let closed = closed_by(&mut s, Instant::now() + Duration::from_secs(IDLE_SECS + 2)).await;
    assert!(closed.is_some(), "the idle keep-alive connection is closed");
}
