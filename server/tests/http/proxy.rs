//! Trusted-proxy mode against the real server binary: identities come only from a JWT the
//! configured proxy key signed, for the configured issuer and audience.

use std::path::Path;

use crate::support::*;
use serde_json::{json, Value};
use testkit::jwt::{now, unsigned, TokenIssuer};
use testkit::Server;
use uuid::Uuid;

const ISS: &str = "https://team.cloudflareaccess.com";
const AUD: &str = "ironlog-audience";
const HEADER: &str = "cf-access-jwt-assertion";

fn claims(email: &str) -> Value {
    TokenIssuer::claims(email, ISS, AUD)
}

async fn me(client: &reqwest::Client, base: &str) -> (u16, Option<String>) {
    let resp = client
        .get(format!("{base}/api/v1/auth/me"))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    (status, body["user_id"].as_str().map(str::to_owned))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_tokens_signed_by_the_proxy_identify_users() {
    let proxy = TokenIssuer::new("proxy-key").unwrap();
    let stranger = TokenIssuer::new("proxy-key").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys.json");
    std::fs::write(&keys, json!({"keys": [proxy.jwk()]}).to_string()).unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_ironlog-server"));
    let server = Server::start(
        bin,
        &[
            (
                "IRONLOG_DATA_DIR",
                dir.path().join("data").display().to_string(),
            ),
            (
                "IRONLOG_TRUSTED_PROXY_KEYS_FILE",
                keys.display().to_string(),
            ),
            ("IRONLOG_TRUSTED_PROXY_ISSUER", ISS.into()),
            (
                "IRONLOG_TRUSTED_PROXY_AUDIENCE",
                format!("other-app, {AUD}"),
            ),
        ],
    )
    .unwrap();
    let base = server.base_url();
    let as_token = |t: &str| client_with_header(HEADER, t);

    // A's token identifies A, on the API and on pages; a later token of the same email is the
    // same account.
    let a = as_token(&proxy.sign(&claims("a@example.com")).unwrap());
    let (status, a_id) = me(&a, &base).await;
    assert_eq!(status, 200);
    let a_id = a_id.unwrap();
    let mut later = claims("A@example.com");
    later["iat"] = json!(now() + 1);
    let (_, again) = me(&as_token(&proxy.sign(&later).unwrap()), &base).await;
    assert_eq!(again.as_deref(), Some(a_id.as_str()));
    let page = a.get(format!("{base}/history")).send().await.unwrap();
    assert_eq!(page.status(), 200, "a page with the proxy's token");

    // A logs a workout; B (another email) cannot see it.
    let id = Uuid::now_v7();
    let (status, _, _) = post(&a, &base, &workout(id, 5)).await;
    assert_eq!(status, 202);
    await_exactly(
        &a,
        &base,
        &[id.to_string()].into_iter().collect(),
        std::time::Duration::from_secs(10),
    )
    .await;
    let b = as_token(&proxy.sign(&claims("b@example.com")).unwrap());
    let (status, b_id) = me(&b, &base).await;
    assert_eq!(status, 200);
    assert_ne!(b_id.as_deref(), Some(a_id.as_str()));
    assert!(listed_ids(&b, &base).await.is_empty());
    let resp = b
        .get(format!("{base}/api/v1/workouts/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);

    // Everything else is anonymous: no header, another key, an unsigned token, the wrong
    // audience or issuer, an expired token.
    let t = now();
    let mut refused = vec![
        ("no header", client()),
        (
            "another key",
            as_token(&stranger.sign(&claims("a@example.com")).unwrap()),
        ),
        ("unsigned", as_token(&unsigned(&claims("a@example.com")))),
        ("garbage", as_token("not-a-jwt")),
    ];
    for (what, field, value) in [
        ("wrong audience", "aud", json!(["another-app"])),
        ("wrong issuer", "iss", json!("https://evil.example")),
        ("expired", "exp", json!(t - 600)),
    ] {
        let mut c = claims("a@example.com");
        c[field] = value;
        refused.push((what, as_token(&proxy.sign(&c).unwrap())));
    }
    for (what, client) in &refused {
        assert_eq!(me(client, &base).await.0, 401, "{what}");
        let (status, _, _) = post(client, &base, &workout(Uuid::now_v7(), 5)).await;
        assert_eq!(status, 401, "{what}: writing");
    }

    // Password accounts are off: the proxy manages who may sign in.
    let resp = client()
        .post(format!("{base}/api/v1/auth/signup"))
        .json(&json!({"email": "c@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert!(session_cookie(&resp).is_none());
    assert_eq!(listed_ids(&a, &base).await, vec![id.to_string()]);
}

#[tokio::test]
async fn the_server_refuses_to_start_with_an_incomplete_proxy_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys.pem");
    std::fs::write(&keys, TokenIssuer::new("k").unwrap().public_pem()).unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_ironlog-server"));
    for (env, expected) in [
        (
            vec![(
                "IRONLOG_TRUSTED_PROXY_KEYS_FILE",
                keys.display().to_string(),
            )],
            "IRONLOG_TRUSTED_PROXY_ISSUER is required",
        ),
        (
            vec![
                (
                    "IRONLOG_TRUSTED_PROXY_KEYS_FILE",
                    "/nonexistent/keys.pem".to_owned(),
                ),
                ("IRONLOG_TRUSTED_PROXY_ISSUER", ISS.to_owned()),
                ("IRONLOG_TRUSTED_PROXY_AUDIENCE", AUD.to_owned()),
            ],
            "cannot read the trusted-proxy keys file",
        ),
    ] {
        let out = std::process::Command::new(bin)
            .envs(env)
            .env("IRONLOG_DATA_DIR", dir.path().join("data"))
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .output()
            .unwrap();
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{stderr}");
    }
}
