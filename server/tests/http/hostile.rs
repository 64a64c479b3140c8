//! What an attacker's sweep tries: methods the app does not serve, hostile log-in redirect
//! targets, and whether private answers may be cached.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::*;

/// Sends one raw request and returns the head of its answer, or None when the connection
/// ended without one (a handler that panicked takes its connection with it).
async fn raw_head(addr: std::net::SocketAddr, request: &str) -> Option<String> {
    let mut s = TcpStream::connect(addr).await.ok()?;
    s.write_all(request.as_bytes()).await.ok()?;
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
    }
    (!answer.is_empty()).then(|| String::from_utf8_lossy(&answer).into_owned())
}

/// The status of the answer to one raw request.
async fn raw_status(addr: std::net::SocketAddr, request: &str) -> Option<u16> {
    let head = raw_head(addr, request).await?;
    head.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

#[tokio::test]
async fn every_method_on_every_route_family_is_answered_without_a_server_error() {
    let app = TestApp::spawn();
    let server = &app.server;
    let addr = server.addr();
    let (_, cookie) = sign_up(&server.base_url()).await;
    let paths = [
        "/",
        "/login",
        "/today",
        "/history",
        "/log",
        "/api/v1/workouts",
        "/api/v1/plan",
        "/api/v1/profile",
        "/api/v1/export",
        "/api/openapi.json",
        "/api/history_page",
        "/api/todays_plan",
        "/healthz",
        "/readyz",
        "/pkg/ironlog.js",
        "/no/such/page",
    ];
    let methods = [
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "PROPFIND",
        "BREW",
    ];
    for signed_in in [false, true] {
        let auth = if signed_in {
            format!("Cookie: {cookie}\r\n")
        } else {
            String::new()
        };
        for method in methods {
            for path in paths {
                let req = format!(
                    "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\n{auth}Content-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let status = raw_status(addr, &req).await;
                let status = status.unwrap_or_else(|| {
                    panic!("{method} {path} (signed in: {signed_in}) got no answer")
                });
                assert!(
                    status < 500,
                    "{method} {path} (signed in: {signed_in}) answered {status}"
                );
                if ["TRACE", "CONNECT", "PROPFIND", "BREW"].contains(&method) {
                    assert_eq!(status, 405, "{method} {path}");
                }
            }
        }
        // CONNECT's own form of target, an authority instead of a path.
        let req = format!("CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\n{auth}Connection: close\r\n\r\n");
        assert_eq!(raw_status(addr, &req).await, Some(405), "CONNECT a:1");
        let req = format!("OPTIONS * HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n");
        let status = raw_status(addr, &req).await.expect("OPTIONS * is answered");
        assert!(status < 500, "OPTIONS * answered {status}");
    }
}

#[tokio::test]
async fn hostile_next_values_end_on_a_same_site_path() {
    let data = tempfile::tempdir().unwrap();
    let env = [
        ("IRONLOG_DATA_DIR", data.path().display().to_string()),
        // Forty log-ins in a row from one address: not what this test is about.
        ("IRONLOG_AUTH_PER_IP_PER_MINUTE", "1000".to_owned()),
        ("IRONLOG_LOGIN_PER_ACCOUNT_PER_MINUTE", "1000".to_owned()),
    ];
    let server = InProcess::start(&env).unwrap();
    let base = server.base_url();
    let (email, _) = sign_up(&base).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let hostile = [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r/evil.example",
        "/\r\nSet-Cookie: stolen=1",
        "/\x0b/evil.example",
        "/\x0c/evil.example",
        "/\0/evil.example",
        "\t/\t/evil.example",
        "//evil.example",
        "/\\evil.example",
        "\\/evil.example",
        "https://evil.example/",
        "http:evil.example",
        "javascript:alert(1)",
        "/ /evil.example",
        "/\u{a0}/evil.example",
        "/\u{2028}/evil.example",
        "",
    ];
    for next in hostile {
        for form in ["/login", "/signup"] {
            // Sign-up with a taken email answers the form again; log-in signs in.
            let resp = client
                .post(format!("{base}{form}"))
                .header("origin", &base)
                .form(&[
                    ("email", email.as_str()),
                    ("password", PASSWORD),
                    ("next", next),
                ])
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            assert!(status < 500, "{form} next={next:?}: {status}");
            if let Some(location) = resp.headers().get("location") {
                let location = location.to_str().expect("a visible-ASCII location");
                assert!(
                    location.starts_with('/')
                        && !location.starts_with("//")
                        && !location.contains('\\')
                        && location.bytes().all(|b| b.is_ascii_graphic())
                        && !location.contains("evil"),
                    "{form} next={next:?} redirects to {location:?}"
                );
            }
            if form == "/login" {
                assert_eq!(status, 303, "log-in next={next:?}");
                assert_eq!(resp.headers()["location"], "/", "next={next:?}");
            }
        }
    }
    // A plain path is kept.
    let resp = client
        .post(format!("{base}/login"))
        .header("origin", &base)
        .form(&[
            ("email", email.as_str()),
            ("password", PASSWORD),
            ("next", "/history?week=2"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["location"], "/history?week=2");
}

#[tokio::test]
async fn private_answers_are_not_stored_by_caches() {
    let app = TestApp::spawn();
    let base = app.base.clone();
    let (_, cookie) = sign_up(&base).await;
    let user = client_with_cookie(&cookie);
    for path in [
        "/",
        "/history",
        "/today",
        "/api/v1/workouts",
        "/api/v1/plan",
        "/api/v1/profile",
        "/api/v1/export?format=csv",
        "/api/v1/auth/me",
    ] {
        let resp = user.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(
            resp.headers()
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some("no-store"),
            "{path} ({})",
            resp.status()
        );
    }
}

#[tokio::test]
async fn passwords_of_only_spaces_or_control_characters_are_refused() {
    let app = TestApp::spawn();
    let base = app.base.clone();
    for password in [
        " ".repeat(16),
        "\t".repeat(16),
        "\u{1}".repeat(16),
        "a\nb".repeat(8),
    ] {
        let resp = client()
            .post(format!("{base}/api/v1/auth/signup"))
            .json(&serde_json::json!({"email": "spaces@example.com", "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 422, "{password:?}");
        assert_eq!(problem_fields(resp).await, vec!["password"], "{password:?}");
    }
}

#[tokio::test]
async fn wrong_passwords_from_one_address_do_not_lock_the_owner_out() {
    let data = tempfile::tempdir().unwrap();
    // The test connects from 127.0.0.1, a trusted proxy here, so each X-Forwarded-For is a
    // client address of its own.
    let env = [
        ("IRONLOG_DATA_DIR", data.path().display().to_string()),
        ("IRONLOG_TRUSTED_PROXIES", "127.0.0.1/32".to_owned()),
        ("IRONLOG_AUTH_PER_IP_PER_MINUTE", "1000".to_owned()),
        ("IRONLOG_LOGIN_PER_ACCOUNT_PER_MINUTE", "5".to_owned()),
    ];
    let server = InProcess::start(&env).unwrap();
    let base = server.base_url();
    let (email, _) = sign_up(&base).await;
    let login = |from: &'static str, password: &'static str| {
        let email = email.clone();
        let base = base.clone();
        async move {
            client()
                .post(format!("{base}/api/v1/auth/login"))
                .header("x-forwarded-for", from)
                .json(&serde_json::json!({"email": email, "password": password}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    for _ in 0..5 {
        assert_eq!(login("198.51.100.66", "wrong password!").await, 401);
    }
    assert_eq!(
        login("198.51.100.66", PASSWORD).await,
        429,
        "the guessing address is limited"
    );
    assert_eq!(
        login("198.51.100.7", PASSWORD).await,
        200,
        "the owner, elsewhere, signs in"
    );
}

#[tokio::test]
async fn a_large_body_announced_with_expect_continue_is_refused_before_it_is_sent() {
    let app = TestApp::spawn();
    let server = &app.server;
    let addr = server.addr();
    let (_, cookie) = sign_up(&server.base_url()).await;
    for (path, content_type, size) in [
        ("/api/v1/import", "text/csv", 20 * 1024 * 1024),
        ("/api/v1/workouts", "application/json", 1024 * 1024),
        (
            "/import",
            "multipart/form-data; boundary=x",
            20 * 1024 * 1024,
        ),
    ] {
        let req = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nCookie: {cookie}\r\nContent-Type: {content_type}\r\nContent-Length: {size}\r\nExpect: 100-continue\r\n\r\n"
        );
        // The first answer is the refusal; a "100 Continue" would come first otherwise.
        assert_eq!(raw_status(addr, &req).await, Some(413), "{path}");
    }
}

#[tokio::test]
async fn metrics_are_served_on_their_own_address_only() {
    let data = tempfile::tempdir().unwrap();
    let port = testkit::free_port().unwrap();
    let env = [
        ("IRONLOG_DATA_DIR", data.path().display().to_string()),
        ("IRONLOG_METRICS_ADDR", format!("127.0.0.1:{port}")),
    ];
    let server = InProcess::start(&env).unwrap();
    let base = server.base_url();
    assert_eq!(
        client()
            .get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let public = client()
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(public.status(), 404, "not on the public address");
    let text = client()
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("ironlog_http_request_seconds"), "{text}");
}

#[tokio::test]
async fn a_server_function_answers_a_bad_cursor_with_400() {
    let app = TestApp::spawn();
    let base = app.base.clone();
    let (_, cookie) = sign_up(&base).await;
    let user = client_with_cookie(&cookie);
    let call = |before: &'static str| {
        user.post(format!("{base}/api/history_page"))
            .header("origin", &base)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("before={before}"))
            .send()
    };
    assert_eq!(call("").await.unwrap().status(), 200, "the first page");
    let bad = call("not-a-cursor").await.unwrap();
    assert_eq!(bad.status(), 400);
    let anonymous = client()
        .post(format!("{base}/api/history_page"))
        .header("origin", &base)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("before=")
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn early_answers_carry_the_security_headers_too() {
    let app = TestApp::spawn();
    let server = &app.server;
    let addr = server.addr();
    for request in [
        format!("TRACE / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
        format!("POST /api/v1/import HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nContent-Length: 99999999\r\nConnection: close\r\n\r\n"),
    ] {
        let head = raw_head(addr, &request)
            .await
            .expect("an answer")
            .to_ascii_lowercase();
        for header in ["content-security-policy:", "x-content-type-options: nosniff", "cache-control: no-store"] {
            assert!(head.contains(header), "{header} missing in:\n{head}");
        }
    }
}

/// The same-origin check compares the origin exactly: the right host and port with another
/// scheme, a trailing slash, capitals, or a second Origin header are all
/// another site, and a state-changing request carrying one is refused before it does anything.
#[tokio::test]
async fn an_origin_that_is_not_exactly_this_sites_is_refused_even_for_the_right_host() {
    let app = TestApp::spawn();
    let addr = app.server.addr();
    let (email, cookie) = sign_up(&app.base).await;
    // Raw requests: an HTTP client would normalise some of these headers.
    let delete_account = |origins: &[String]| {
        let origins: String = origins.iter().map(|o| format!("Origin:{o}\r\n")).collect();
        let body = format!(r#"{{"password": "{PASSWORD}"}}"#);
        format!(
            "POST /api/v1/auth/delete-account HTTP/1.1\r\nHost: {addr}\r\n{origins}Cookie: {cookie}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    for origins in [
        vec![format!(" https://{addr}")],
        vec![format!(" http://{addr}/")],
        vec![format!(" HTTP://{addr}")],
        vec![format!(" http://{addr}"), " http://evil.example".to_owned()],
    ] {
        let status = raw_status(addr, &delete_account(&origins)).await;
        assert_eq!(status, Some(403), "{origins:?}");
    }
    // The account is still there: log in with it.
    let resp = client()
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "the account was not deleted");
}
