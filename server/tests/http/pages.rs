//! Every page the app declares, anonymously: each one but the public few sends the visitor to
//! log in (deny by default, so a page added later is private unless listed as public); rate
//! limits key on the client a trusted proxy names, and on nobody's say-so otherwise; an
//! oversized log-in form is refused, not read as empty fields.

use crate::support::*;

fn anonymous() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn start(env: &[(&str, &str)]) -> TestApp {
    let owned: Vec<(&str, String)> = env.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
    TestApp::spawn_with(&owned)
}

#[tokio::test]
async fn every_page_but_the_public_ones_needs_a_session() {
    let TestApp {
        server,
        data: _data,
        ..
    } = start(&[]);
    let base = server.base_url();
    let pages = server::page_paths();
    for expected in [
        "/",
        "/history",
        "/today",
        "/progress",
        "/programs",
        "/data",
        "/login",
        "/signup",
    ] {
        assert!(
            pages.iter().any(|p| p == expected),
            "{expected} is declared: {pages:?}"
        );
    }
    let anon = anonymous();
    for page in &pages {
        let resp = anon.get(format!("{base}{page}")).send().await.unwrap();
        if server::PUBLIC_PAGES.contains(&page.as_str()) {
            assert_eq!(resp.status(), 200, "{page} is public");
        } else {
            assert_eq!(resp.status(), 303, "{page} sends an anonymous visitor away");
            let to = resp.headers()["location"].to_str().unwrap().to_owned();
            let next: String = form_urlencoded::byte_serialize(page.as_bytes()).collect();
            assert_eq!(to, format!("/login?next={next}"), "{page}");
        }
    }
    // Signed in, the same pages answer.
    let (_, cookie) = sign_up(&base).await;
    let user = client_with_cookie(&cookie);
    for page in pages
        .iter()
        .filter(|p| !server::PUBLIC_PAGES.contains(&p.as_str()))
    {
        let resp = user.get(format!("{base}{page}")).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{page} signed in");
    }
}

async fn login_status(client: &reqwest::Client, base: &str, forwarded_for: Option<&str>) -> u16 {
    let mut req = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "nobody@example.com", "password": "wrong password!"}));
    if let Some(ip) = forwarded_for {
        req = req.header("x-forwarded-for", ip);
    }
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn clients_behind_a_trusted_proxy_are_limited_separately() {
    let limit = [("IRONLOG_AUTH_PER_IP_PER_MINUTE", "2")];
    // The test connects from 127.0.0.1: here that is the trusted proxy.
    let TestApp {
        server,
        data: _data,
        ..
    } = start(&[limit[0], ("IRONLOG_TRUSTED_PROXIES", "127.0.0.1/32")]);
    let base = server.base_url();
    let c = anonymous();
    for _ in 0..2 {
        assert_eq!(login_status(&c, &base, Some("198.51.100.1")).await, 401);
    }
    assert_eq!(
        login_status(&c, &base, Some("198.51.100.1")).await,
        429,
        "A is limited"
    );
    assert_eq!(
        login_status(&c, &base, Some("198.51.100.2")).await,
        401,
        "B, behind the same proxy, is not"
    );

    // Without trusted proxies, the peer is the client: a forged header changes nothing.
    let TestApp {
        server,
        data: _data,
        ..
    } = start(&limit);
    let base = server.base_url();
    assert_eq!(login_status(&c, &base, Some("198.51.100.1")).await, 401);
    assert_eq!(login_status(&c, &base, Some("198.51.100.2")).await, 401);
    assert_eq!(
        login_status(&c, &base, Some("198.51.100.3")).await,
        429,
        "a new X-Forwarded-For each time does not escape the limit"
    );
}

#[tokio::test]
async fn an_oversized_log_in_form_is_refused() {
    let TestApp {
        server,
        data: _data,
        ..
    } = start(&[]);
    let base = server.base_url();
    let huge = format!("email=a%40example.com&password={}", "x".repeat(70 * 1024));
    let resp = anonymous()
        .post(format!("{base}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", &base)
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    assert!(resp.headers().get("set-cookie").is_none());
}

/// Every plain form posted without a session sends the browser to log in, and then back to
/// the page the form is on, never saving anything.
#[tokio::test]
async fn every_form_posted_without_a_session_returns_to_its_page_after_log_in() {
    let app = TestApp::spawn();
    let client = anonymous();
    for (form, page) in [
        ("/log", "/"),
        ("/history/delete", "/history"),
        ("/progress/bodyweight", "/progress"),
        ("/progress/bodyweight/delete", "/progress"),
        ("/account/delete", "/data"),
        ("/settings", "/data"),
        ("/programs/activate", "/programs"),
        ("/programs/copy", "/programs"),
        ("/programs/delete", "/programs"),
        ("/programs/edit", "/programs"),
        ("/programs/save", "/programs"),
        ("/exercises/save", "/programs"),
        ("/import", "/data"),
    ] {
        let resp = client
            .post(app.url(form))
            .header("origin", &app.base)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("slug=gzclp")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 303, "{form}");
        let next: String = form_urlencoded::byte_serialize(page.as_bytes()).collect();
        assert_eq!(
            resp.headers()["location"],
            format!("/login?next={next}").as_str(),
            "{form}"
        );
    }
}
