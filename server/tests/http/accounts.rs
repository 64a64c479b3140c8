//! Accounts and the protections around them, against the real server binary (embedded mode):
//! sign-up, log-in, log-out and password change; every workout endpoint scoped to its user;
//! cookies, CSRF and security headers.

use crate::support::*;
use serde_json::{json, Value};
use uuid::Uuid;

/// The server and its data directory, as the scenarios below name them.
fn start(env: &[(&str, String)]) -> (InProcess, tempfile::TempDir) {
    let TestApp { server, data, .. } = TestApp::spawn_with(env);
    (server, data)
}

fn anonymous() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn status_of(req: reqwest::RequestBuilder) -> u16 {
    req.send().await.unwrap().status().as_u16()
}

async fn me(client: &reqwest::Client, base: &str) -> u16 {
    status_of(client.get(format!("{base}/api/v1/auth/me"))).await
}

async fn log_in(
    base: &str,
    email: &str,
    password: &str,
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut req = anonymous()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}));
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    req.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_sessions_and_protections() {
    // Everything logged, so the scan at the end covers every log line a request can cause.
    // The real binary: the test reads its whole log.
    let data = tempfile::tempdir().unwrap();
    let server = testkit::Server::start(
        std::path::Path::new(env!("CARGO_BIN_EXE_ironlog-server")),
        &[
            ("RUST_LOG", "debug".into()),
            ("IRONLOG_DATA_DIR", data.path().display().to_string()),
        ],
    )
    .unwrap();
    let base = server.base_url();
    let anon = anonymous();
    let id = Uuid::now_v7();

    // Without a session: the API answers 401 and the pages send to log-in.
    let url = format!("{base}/api/v1/workouts");
    assert_eq!(status_of(anon.post(&url).json(&workout(id, 5))).await, 401);
    assert_eq!(status_of(anon.get(&url)).await, 401);
    assert_eq!(status_of(anon.get(format!("{url}/{id}"))).await, 401);
    assert_eq!(me(&anon, &base).await, 401);
    assert_eq!(
        status_of(
            anon.post(format!("{base}/api/v1/auth/password"))
                .json(&json!({"current_password": "x", "new_password": "y"}))
        )
        .await,
        401
    );
    for page in ["/", "/history"] {
        let resp = anon.get(format!("{base}{page}")).send().await.unwrap();
        assert_eq!(resp.status(), 303, "{page}");
        let to = resp.headers()["location"].to_str().unwrap();
        assert!(to.starts_with("/login?next="), "{page} → {to}");
    }
    let resp = anon
        .post(format!("{base}/log"))
        .form(&[("id", id.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);

    // Sign-up: a session cookie with every protective attribute.
    let email = format!("ada-{id}@example.com");
    let resp = anon
        .post(format!("{base}/api/v1/auth/signup"))
        .json(&json!({"email": email.to_uppercase(), "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let set_cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=2592000"] {
        assert!(
            set_cookie.contains(attribute),
            "{set_cookie} lacks {attribute}"
        );
    }
    assert!(!set_cookie.contains("Secure"), "plain HTTP: no Secure flag");
    let first = session_cookie(&resp).unwrap();
    let a = client_with_cookie(&first);
    assert_eq!(me(&a, &base).await, 200);

    // Sign-up refusals.
    let signup = |body: Value| anon.post(format!("{base}/api/v1/auth/signup")).json(&body);
    assert_eq!(
        status_of(signup(json!({"email": email, "password": PASSWORD}))).await,
        409
    );
    let resp = signup(json!({"email": "not-an-email", "password": "short"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let fields = problem_fields(resp).await;
    assert_eq!(fields, ["email"], "the first problem found is reported");
    assert_eq!(
        status_of(signup(
            json!({"email": email, "password": PASSWORD, "admin": true})
        ))
        .await,
        422
    );

    // Log-in: one answer for an unknown account and a wrong password.
    let unknown = log_in(&base, "nobody@example.com", PASSWORD, None).await;
    let wrong = log_in(&base, &email, "wrong password!", None).await;
    assert_eq!(unknown.status(), 401);
    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.text().await.unwrap(), wrong.text().await.unwrap());

    // Log-in rotates the session: the token sent with it stops working.
    let resp = log_in(&base, &email, PASSWORD, Some(&first)).await;
    assert_eq!(resp.status(), 200);
    let second = session_cookie(&resp).unwrap();
    assert_ne!(first, second);
    assert_eq!(me(&a, &base).await, 401, "the pre-login session ended");
    let a = client_with_cookie(&second);
    assert_eq!(me(&a, &base).await, 200);

    // Workouts belong to their user: B neither sees nor reads A's.
    assert_eq!(status_of(a.post(&url).json(&workout(id, 5))).await, 202);
    let b = signed_in_client(&base).await;
    let mut seen = false;
    for _ in 0..50 {
        if listed_ids(&a, &base).await.contains(&id.to_string()) {
            seen = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(seen, "A sees A's workout");
    assert!(listed_ids(&b, &base).await.is_empty(), "B's list is empty");
    assert_eq!(status_of(b.get(format!("{url}/{id}"))).await, 404);
    assert_eq!(status_of(a.get(format!("{url}/{id}"))).await, 200);
    let history = b
        .get(format!("{base}/history"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        history.contains("class=\"card empty\""),
        "B's History page is empty"
    );

    // CSRF: a state-changing request from another site is refused and has no effect.
    let other = Uuid::now_v7();
    let resp = a
        .post(&url)
        .header("origin", "http://evil.example")
        .json(&workout(other, 5))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let host = base.trim_start_matches("http://");
    let same_site = a
        .post(&url)
        .header("origin", format!("http://{host}"))
        .json(&workout(Uuid::now_v7(), 5));
    assert_eq!(status_of(same_site).await, 202);
    let form_from_elsewhere = a
        .post(format!("{base}/logout"))
        .header("referer", "http://evil.example/page");
    assert_eq!(status_of(form_from_elsewhere).await, 403);
    assert_eq!(me(&a, &base).await, 200, "the refused logout did nothing");
    assert_eq!(status_of(a.get(format!("{url}/{other}"))).await, 404);

    // Security headers, and the CSP nonce on the hydration scripts.
    let resp = anon.get(format!("{base}/login")).send().await.unwrap();
    let headers = resp.headers().clone();
    let csp = headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|r| r.split('\'').next())
        .unwrap()
        .to_owned();
    let html = resp.text().await.unwrap();
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "the page's scripts carry the header's nonce"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert!(
        headers.get("strict-transport-security").is_none(),
        "no HSTS over plain HTTP"
    );
    let again = anon.get(format!("{base}/login")).send().await.unwrap();
    assert_ne!(
        again.headers()["content-security-policy"].to_str().unwrap(),
        csp,
        "a new nonce per response"
    );

    // Password change ends every other session; the old password stops working.
    let other_device = session_cookie(&log_in(&base, &email, PASSWORD, None).await).unwrap();
    let other_device = client_with_cookie(&other_device);
    assert_eq!(me(&other_device, &base).await, 200);
    let new_password = "an even better passphrase";
    let resp = a
        .post(format!("{base}/api/v1/auth/password"))
        .json(&json!({"current_password": PASSWORD, "new_password": new_password}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let third = session_cookie(&resp).unwrap();
    assert_eq!(me(&other_device, &base).await, 401, "other sessions ended");
    assert_eq!(
        me(&a, &base).await,
        401,
        "this browser's old session ended too"
    );
    let a = client_with_cookie(&third);
    assert_eq!(me(&a, &base).await, 200);
    assert_eq!(log_in(&base, &email, PASSWORD, None).await.status(), 401);
    assert_eq!(
        log_in(&base, &email, new_password, None).await.status(),
        200
    );

    // Log-out ends the session and clears the cookie.
    let resp = a
        .post(format!("{base}/api/v1/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert!(resp.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(me(&a, &base).await, 401);

    // No password and no session token ever reaches the log.
    let log = std::fs::read_to_string(&server.proc.log).unwrap();
    assert!(log.contains("Ironlog listening"), "the log is the server's");
    let token = |cookie: &str| cookie.split_once('=').unwrap().1.to_owned();
    for secret in [
        PASSWORD.to_owned(),
        new_password.to_owned(),
        token(&first),
        token(&second),
        token(&third),
    ] {
        assert!(!log.contains(&secret), "the log holds a secret: {secret}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_https_cookies_are_secure_and_hsts_is_sent() {
    let (server, _data) = start(&[("IRONLOG_PUBLIC_URL", "https://ironlog.example".into())]);
    let base = server.base_url();
    let resp = anonymous()
        .post(format!("{base}/api/v1/auth/signup"))
        .json(&json!({"email": "tls@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let set_cookie = resp.headers()["set-cookie"].to_str().unwrap();
    assert!(
        set_cookie.starts_with("__Host-ironlog_session="),
        "{set_cookie}"
    );
    assert!(set_cookie.contains("; Secure"), "{set_cookie}");
    assert!(resp.headers()["strict-transport-security"]
        .to_str()
        .unwrap()
        .starts_with("max-age="));
    // Cross-site checks compare with the configured origin, not the request's Host.
    let post = |origin: &'static str| {
        anonymous()
            .post(format!("{base}/api/v1/auth/login"))
            .header("origin", origin)
            .json(&json!({"email": "tls@example.com", "password": PASSWORD}))
    };
    assert_eq!(status_of(post("https://ironlog.example")).await, 200);
    assert_eq!(status_of(post("http://ironlog.example")).await, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_answer_429_with_retry_after() {
    let (server, _data) = start(&[
        ("IRONLOG_AUTH_PER_IP_PER_MINUTE", "6".into()),
        ("IRONLOG_LOGIN_PER_ACCOUNT_PER_MINUTE", "3".into()),
        ("IRONLOG_WRITES_PER_SECOND", "1".into()),
        ("IRONLOG_WRITE_BURST", "3".into()),
    ]);
    let base = server.base_url();
    let (email, a) = sign_up(&base).await;
    let (_, b) = sign_up(&base).await;
    let retry_after = |r: &reqwest::Response| -> u64 {
        r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap()
    };

    // Log-in per account: three wrong guesses, then the account is refused for a while.
    for _ in 0..3 {
        assert_eq!(
            log_in(&base, &email, "a wrong guess", None).await.status(),
            401
        );
    }
    let refused = log_in(&base, &email, PASSWORD, None).await;
    assert_eq!(refused.status(), 429, "even the right password waits");
    assert!((1..=60).contains(&retry_after(&refused)));

    // Per address: six attempts in a minute (2 sign-ups + 4 log-ins so far), then none.
    let resp = anonymous()
        .post(format!("{base}/api/v1/auth/signup"))
        .json(&json!({"email": "late@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert!(retry_after(&resp) >= 1);

    // Writes per user: a burst of three, then 429; another user has their own allowance.
    let a = client_with_cookie(&a);
    let url = format!("{base}/api/v1/workouts");
    for _ in 0..3 {
        assert_eq!(
            status_of(a.post(&url).json(&workout(Uuid::now_v7(), 5))).await,
            202
        );
    }
    let resp = a
        .post(&url)
        .json(&workout(Uuid::now_v7(), 5))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(retry_after(&resp), 1);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "too_many_requests");
    let b = client_with_cookie(&b);
    assert_eq!(
        status_of(b.post(&url).json(&workout(Uuid::now_v7(), 5))).await,
        202
    );
}

/// A device's outbox sends each workout with the user it was saved for; under another user's
/// session it is refused, never stored as theirs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outbox_workout_is_only_stored_for_the_user_it_was_saved_for() {
    let (app, _data) = start(&[]);
    let base = app.base_url();
    let (_, first) = sign_up(&base).await;
    let (_, second) = sign_up(&base).await;
    let first = client_with_cookie(&first);
    let second = client_with_cookie(&second);
    let first_id = get_json(&first, &format!("{base}/api/v1/auth/me")).await["user_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let id = Uuid::now_v7();
    let sent_for_first = |client: &reqwest::Client| {
        client
            .post(format!("{base}/api/v1/workouts"))
            .header("X-Ironlog-User", &first_id)
            .json(&workout(id, 5))
    };
    let refused = sent_for_first(&second).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    let body: Value = refused.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("another account"),
        "{body}"
    );
    assert_eq!(sent_for_first(&first).send().await.unwrap().status(), 202);
    await_exactly(
        &first,
        &base,
        &[id.to_string()].into_iter().collect(),
        std::time::Duration::from_secs(10),
    )
    .await;
    assert!(
        listed_ids(&second, &base).await.is_empty(),
        "nothing stored for the other user"
    );
}
