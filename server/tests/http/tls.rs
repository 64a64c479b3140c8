//! TLS to the dependencies, against RabbitMQ and SecantusDB that speak only TLS and demand a
//! client certificate from a CA made for the test (mutual TLS). The adapters refuse servers
//! they cannot verify and are refused without the right certificate; the server and consumer
//! binaries, configured only through `IRONLOG_*_CA_FILE` and `IRONLOG_*_CERT_KEY_FILE`, carry
//! a logged workout from the API through the broker into the database and back.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::support::*;
use adapters::mongo::MongoStore;
use adapters::rabbit::BrokerAddrs;
use adapters::tls::TlsFiles;
use service::WorkoutStore;
use testkit::tls::Pki;
use testkit::{Consumer, RabbitMq, Secantus, Server};
use uuid::Uuid;

fn files(service: &str, ca: Option<&PathBuf>, client: Option<&PathBuf>) -> TlsFiles {
    TlsFiles::new(service, ca.cloned(), client.cloned())
}

/// Whether the broker accepts an AMQP connection made with `tls`.
async fn amqp_accepts(url: &str, tls: &TlsFiles) -> bool {
    let addrs = BrokerAddrs::parse(url).unwrap().with_tls(tls).unwrap();
    addrs.connect(&mut 0).await.is_ok()
}

/// Whether the database answers a ping made with `tls`.
async fn mongodb_accepts(uri: &str, tls: &TlsFiles) -> bool {
    let store = MongoStore::connect_with_tls(uri, tls).await.unwrap();
    store.ping().await.is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dependencies_are_reached_over_mutual_tls_only() {
    testkit::full_tier!("RabbitMQ and SecantusDB with TLS");
    let pki = Pki::generate().unwrap();
    let broker = RabbitMq::start_tls(&pki).expect("RabbitMQ with TLS");
    let mongo = Secantus::start_tls(&pki).expect("SecantusDB with TLS");
    let amqps = broker.url();
    assert!(amqps.starts_with("amqps://"));
    let uri = mongo.uri("ironlog");

    // The adapters: the right CA and client certificate, and nothing less.
    let ok = |s| files(s, Some(&pki.ca), Some(&pki.client));
    assert!(amqp_accepts(&amqps, &ok("AMQP")).await, "AMQP with mTLS");
    assert!(
        mongodb_accepts(&uri, &ok("MONGODB")).await,
        "MongoDB with mTLS"
    );
    for (what, ca, client) in [
        ("no client certificate", &pki.ca, None),
        (
            "a client certificate from another CA",
            &pki.ca,
            Some(&pki.stranger),
        ),
        (
            "a server certificate we do not trust",
            &pki.other_ca,
            Some(&pki.client),
        ),
    ] {
        let tls = files("TEST", Some(ca), client);
        assert!(!amqp_accepts(&amqps, &tls).await, "AMQP with {what}");
        assert!(!mongodb_accepts(&uri, &tls).await, "MongoDB with {what}");
    }
    let plain = amqps.replacen("amqps://", "amqp://", 1);
    assert!(!amqp_accepts(&plain, &ok("AMQP")).await, "plain AMQP");
    let plain_uri = uri.replace("&tls=true", "");
    assert!(
        !mongodb_accepts(&plain_uri, &TlsFiles::default()).await,
        "plain MongoDB"
    );

    // The binaries, configured through the environment.
    let env = |amqp_url: String| {
        vec![
            ("AMQP_URL", amqp_url),
            ("MONGODB_URI", uri.clone()),
            ("IRONLOG_AMQP_CA_FILE", pki.ca.display().to_string()),
            (
                "IRONLOG_AMQP_CERT_KEY_FILE",
                pki.client.display().to_string(),
            ),
            ("IRONLOG_MONGODB_CA_FILE", pki.ca.display().to_string()),
            (
                "IRONLOG_MONGODB_CERT_KEY_FILE",
                pki.client.display().to_string(),
            ),
        ]
    };
    let consumer_bin = testkit::ironlog_bin("ironlog-consumer").expect("consumer binary");
    let mut consumer_env = env(amqps.clone());
    consumer_env.push((
        "IRONLOG_METRICS_ADDR",
        format!("127.0.0.1:{}", testkit::free_port().unwrap()),
    ));
    let _consumer = Consumer::start(&consumer_bin, "tls", &consumer_env).expect("consumer");
    let server = Server::start(
        Path::new(env!("CARGO_BIN_EXE_ironlog-server")),
        &env(amqps.clone()),
    )
    .expect("server");
    let base = server.base_url();
    let client = signed_in_client(&base).await;
    let id = Uuid::now_v7();
    let (status, _, _) = post(&client, &base, &workout(id, 5)).await;
    assert_eq!(status, 202, "logged over TLS");
    await_exactly(
        &client,
        &base,
        &[id.to_string()].into_iter().collect(),
        Duration::from_secs(30),
    )
    .await;

    // A binary given a bad file stops at start-up and names it.
    let mut bad = env(amqps);
    bad.retain(|(k, _)| *k != "IRONLOG_AMQP_CERT_KEY_FILE");
    bad.push(("IRONLOG_AMQP_CERT_KEY_FILE", pki.ca.display().to_string()));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ironlog-server"))
        .envs(bad)
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("IRONLOG_AMQP_CERT_KEY_FILE") && stderr.contains("PRIVATE KEY"),
        "{stderr}"
    );
}
