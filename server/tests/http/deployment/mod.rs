//! The rendered prod overlay against the real binaries: `ironlog-server` and
//! `ironlog-consumer` start with exactly the command, environment and mounted Secret files
//! their Deployments give them (as their user, the files with the volumes' modes), against
//! RabbitMQ and SecantusDB that demand mutual TLS; then every probe, the ServiceMonitors'
//! ports, the route's backend port, the NetworkPolicies' ports and the KEDA trigger's queue are
//! checked against what the running processes serve and declare. A renamed variable, port,
//! path, Secret key or queue fails here.
//!
//! What is translated, and only this: paths. A volume's files are written under a temporary
//! root and the image's files (the site) are read from where the Containerfile copies them
//! from; every absolute path in the environment is moved the same way. The fixed ports the
//! manifests name (0.0.0.0:3000) are kept: the test runs in its own network namespace.

mod manifests;

use std::collections::{BTreeMap, HashSet};
use std::os::unix::fs::{chown, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use serde_json::Value;
use testkit::tls::Pki;
use testkit::{Proc, RabbitMq, Secantus};
use uuid::Uuid;

use crate::support::{post, signed_in_client, workout};
use manifests::{labels, resolve_port, selects, str_at, Container, Rendered};

/// Secret name → key → content: what the operators, cert-manager and the platform team
/// (k8s/README.md) put in the namespace, pointed at this test's broker and database.
type Secrets = BTreeMap<String, BTreeMap<String, Vec<u8>>>;

#[test]
fn the_prod_overlay_runs_the_real_binaries_as_it_configures_them() {
    testkit::full_tier!("kubectl, RabbitMQ, SecantusDB and root (a private network namespace)");
    if !testkit::netns::in_private_netns().expect("the private network namespace") {
        testkit::netns::rerun_in_private_netns(
            "deployment::the_prod_overlay_runs_the_real_binaries_as_it_configures_them",
        )
        .unwrap_or_else(|e| panic!("{e:#}"));
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    if let Err(e) = runtime.block_on(check_prod_overlay()) {
        panic!("{e:#}");
    }
}

async fn check_prod_overlay() -> Result<()> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("the workspace")?
        .to_path_buf();
    let rendered = Rendered::overlay(&repo.join("k8s/overlays/prod"))?;
    let server = Container::of_deployment(&rendered, &repo, "ironlog-server")?;
    let consumer = Container::of_deployment(&rendered, &repo, "ironlog-consumer")?;

    let pki = Pki::generate()?;
    let broker = RabbitMq::start_tls(&pki)?;
    let mongo = Secantus::start_tls(&pki)?;
    let amqp_url = act_as_topology_operator(&rendered, &broker)?;
    let secrets = secrets(&rendered, &pki, &amqp_url, &mongo)?;

    let before = connections(&broker)?;
    let pods = tempfile::tempdir()?;
    std::fs::set_permissions(pods.path(), std::fs::Permissions::from_mode(0o755))?;
    let mut consumer_proc = start(&consumer, &secrets, &pods.path().join("consumer"), &repo)?;
    probes_pass(&consumer, &mut consumer_proc).await?;
    // The metrics listener starts before the broker connections are made: one per worker.
    let workers: usize = consumer
        .env
        .get("IRONLOG_CONSUMER_WORKERS")
        .map_or(Ok(2), |w| w.parse())
        .context("IRONLOG_CONSUMER_WORKERS")?;
    let with_consumer = before + workers;
    within_15s("the consumer's workers to connect to the broker", || {
        Ok(Some(()).filter(|_| connections(&broker).is_ok_and(|n| n == with_consumer)))
    })
    .await?;
    let mut server_proc = start(&server, &secrets, &pods.path().join("server"), &repo)?;
    probes_pass(&server, &mut server_proc).await?;
    // Without its AMQP_URL the server would run the embedded store and still answer.
    within_15s("the server to connect to the broker", || {
        Ok(Some(()).filter(|_| connections(&broker).is_ok_and(|n| n == with_consumer + 1)))
    })
    .await?;

    for c in [&server, &consumer] {
        scraped(&rendered, c).await?;
        policies_admit_only_container_ports(&rendered, c)?;
    }
    // A workout through the port the gateway's route names, into MongoDB and back.
    let port = route_backend_port(&rendered, &server)?;
    let base = format!("http://127.0.0.1:{port}");
    let client = signed_in_client(&base).await;
    let id = Uuid::now_v7();
    let (status, _, _) = post(&client, &base, &workout(id, 5)).await;
    ensure!(status == 202, "logging a workout answered {status}");
    crate::support::await_exactly(
        &client,
        &base,
        &HashSet::from([id.to_string()]),
        Duration::from_secs(30),
    )
    .await;

    // The queue the consumer scales on is the one the binaries use, with the overlay's policy.
    let queue = keda_queue(&rendered, "ironlog-consumer")?;
    within_15s(
        &format!("a consumer on {queue}, the KEDA trigger's queue"),
        || {
            let consumers = broker.queue_info(&queue, "consumers")?;
            Ok(Some(()).filter(|_| consumers.parse::<u32>().is_ok_and(|n| n >= 1)))
        },
    )
    .await?;
    // Debian's RabbitMQ applied the policy to any queue type (see act_as_topology_operator);
    // in the cluster it applies only to the type the Policy names.
    for policy in rendered.of_kind("Policy") {
        if policy["spec"]["applyTo"] == "quorum_queues" {
            let kind = broker.queue_info(&queue, "type")?;
            ensure!(
                kind == "quorum",
                "the Policy applies to quorum queues, but {queue} is a {kind} queue"
            );
        }
    }
    let policy = broker.queue_info(&queue, "policy")?;
    ensure!(
        rendered
            .of_kind("Policy")
            .any(|p| p["spec"]["name"] == policy.as_str()),
        "the queue {queue} has policy {policy:?}, not one of the overlay's Policies"
    );

    Ok(())
}

/// Polls `check` until it gives a value.
async fn within_15s<T>(what: &str, mut check: impl FnMut() -> Result<Option<T>>) -> Result<T> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(value) = check()? {
            return Ok(value);
        }
        ensure!(Instant::now() < deadline, "waited 15 s for {what}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// What the Messaging Topology Operator does with the overlay's `User`, `Permission` and
/// `Policy` objects, done with rabbitmqctl: the binaries then connect as Ironlog's user, with
/// only the permissions the overlay grants, and their queues get the overlay's policies.
/// Returns the AMQP URL for that user.
fn act_as_topology_operator(rendered: &Rendered, broker: &RabbitMq) -> Result<String> {
    let user = rendered.named("User", "ironlog")?;
    let username = str_at(user, "/metadata/name")?;
    let password = Uuid::new_v4().simple().to_string();
    broker.ctl(&["add_user", username, &password])?;
    let mut granted = false;
    for permission in rendered.of_kind("Permission") {
        let spec = &permission["spec"];
        if spec["userReference"]["name"] != username {
            continue;
        }
        let p = &spec["permissions"];
        broker.ctl(&[
            "set_permissions",
            "-p",
            str_at(spec, "/vhost")?,
            username,
            p["configure"].as_str().unwrap_or(""),
            p["write"].as_str().unwrap_or(""),
            p["read"].as_str().unwrap_or(""),
        ])?;
        granted = true;
    }
    ensure!(granted, "no Permission for the RabbitMQ user {username}");
    for policy in rendered.of_kind("Policy") {
        let spec = &policy["spec"];
        let apply_to = match spec["applyTo"].as_str().unwrap_or("all") {
            // RabbitMQ 3.12 added the narrower target; Debian's 3.10 knows `queues`.
            "quorum_queues" | "classic_queues" | "streams" => "queues",
            other => other,
        };
        let priority = spec["priority"].as_i64().unwrap_or(0).to_string();
        broker.ctl(&[
            "set_policy",
            "-p",
            str_at(spec, "/vhost")?,
            "--priority",
            &priority,
            "--apply-to",
            apply_to,
            str_at(spec, "/name")?,
            str_at(spec, "/pattern")?,
            &spec["definition"].to_string(),
        ])?;
    }
    let url = broker.url();
    ensure!(url.contains("guest:guest@"), "unexpected broker URL {url}");
    Ok(url.replacen("guest:guest@", &format!("{username}:{password}@"), 1))
}

/// The Secrets the Deployments mount, made the way their owners make them: the MongoDB
/// operator's connection string (its format, the resource's options), cert-manager's keys for
/// each Certificate (a combined PEM only where the Certificate asks for one), and the AMQP URL
/// the platform team writes.
fn secrets(rendered: &Rendered, pki: &Pki, amqp_url: &str, mongo: &Secantus) -> Result<Secrets> {
    let mut secrets = Secrets::new();
    secrets.insert(
        "ironlog-amqp".into(),
        BTreeMap::from([("url".into(), amqp_url.as_bytes().to_vec())]),
    );

    let mdb = rendered
        .of_kind("MongoDBCommunity")
        .next()
        .context("no MongoDBCommunity")?;
    let mut options = vec![
        // The operator names the replica set after the resource; SecantusDB's is fixed.
        "replicaSet=secantus".to_owned(),
        format!("ssl={}", mdb["spec"]["security"]["tls"]["enabled"] == true),
    ];
    for (k, v) in mdb["spec"]["additionalConnectionStringConfig"]
        .as_object()
        .into_iter()
        .flatten()
    {
        options.push(format!("{k}={}", v.to_string().trim_matches('"')));
    }
    let host = mongo
        .uri("")
        .split('/')
        .nth(2)
        .context("SecantusDB's address")?
        .to_owned();
    for user in mdb["spec"]["users"].as_array().into_iter().flatten() {
        // SecantusDB has no users: the connection string carries no credentials.
        let uri = format!(
            "mongodb://{host}/{}?{}",
            str_at(user, "/db")?,
            options.join("&")
        );
        secrets.insert(
            str_at(user, "/connectionStringSecretName")?.to_owned(),
            BTreeMap::from([("connectionString.standard".into(), uri.into_bytes())]),
        );
    }

    let client = std::fs::read_to_string(&pki.client)?;
    let (key, cert): (Vec<&str>, Vec<&str>) = pem_blocks(&client)
        .into_iter()
        .partition(|b| b.contains("PRIVATE KEY"));
    let (key, cert) = (key.concat(), cert.concat());
    let ca = std::fs::read(&pki.ca)?;
    for certificate in rendered.of_kind("Certificate") {
        let spec = &certificate["spec"];
        let mut keys = BTreeMap::from([
            ("ca.crt".to_owned(), ca.clone()),
            ("tls.crt".to_owned(), cert.clone().into_bytes()),
        ]);
        // The adapters read PKCS#8 keys only; cert-manager writes PKCS#1 unless told.
        if spec["privateKey"]["encoding"] == "PKCS8" {
            keys.insert("tls.key".into(), key.clone().into_bytes());
            let combined = spec["additionalOutputFormats"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|f| f["type"] == "CombinedPEM");
            if combined {
                // cert-manager's order: the key, then the chain.
                keys.insert(
                    "tls-combined.pem".into(),
                    format!("{key}{cert}").into_bytes(),
                );
            }
        }
        secrets.insert(str_at(spec, "/secretName")?.to_owned(), keys);
    }
    Ok(secrets)
}

fn pem_blocks(text: &str) -> Vec<&str> {
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let Some(end_marker) = rest[start..].find("-----END ") else {
            break;
        };
        let end = start
            + end_marker
            + rest[start + end_marker..]
                .find('\n')
                .map_or(rest.len() - start - end_marker, |n| n + 1);
        blocks.push(&rest[start..end]);
        rest = &rest[end..];
    }
    blocks
}

/// Writes the container's Secret files under `root` and starts its command as its user.
fn start(c: &Container, secrets: &Secrets, root: &Path, repo: &Path) -> Result<Proc> {
    std::fs::create_dir_all(root)?;
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755))?;
    for file in &c.files {
        let content = secrets
            .get(&file.secret)
            .and_then(|keys| keys.get(&file.key))
            .with_context(|| {
                format!(
                    "{} mounts key {} of Secret {}, which nothing in the cluster makes \
                     (k8s/README.md lists who makes each Secret)",
                    c.deployment, file.key, file.secret
                )
            })?;
        let path = c.host_path(&file.path, root, repo);
        let dir = path.parent().context("a file's directory")?;
        std::fs::create_dir_all(dir)?;
        for d in dir.ancestors().take_while(|d| d.starts_with(root)) {
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755))?;
        }
        std::fs::write(&path, content)?;
        // The kubelet's secret volume: owned by root, group fsGroup, the item's mode.
        chown(&path, Some(0), Some(c.fs_group))?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(file.mode))?;
    }

    let (program, args) = c.command.split_first().context("an empty command")?;
    let program = host_binary(c, program, repo)?;
    let mut cmd = Command::new(&program);
    cmd.args(args)
        .env_clear()
        .envs(c.host_env(root, repo))
        // The kubelet gives fsGroup as a supplementary group; the standard library drops
        // those when it changes the user, so the files' group is only readable through the
        // primary group: the manifests keep runAsGroup equal to fsGroup.
        .uid(c.uid)
        .gid(c.gid);
    ensure!(
        c.gid == c.fs_group,
        "{}: runAsGroup {} differs from fsGroup {}: this test cannot model it",
        c.deployment,
        c.gid,
        c.fs_group
    );
    Proc::spawn(&format!("k8s-{}", c.deployment), cmd)
}

/// The binary the image's entrypoint is: the one the Containerfile copies there, as built for
/// this test's profile.
fn host_binary(c: &Container, program: &str, repo: &Path) -> Result<PathBuf> {
    let source = c.host_path(program, Path::new("/nonexistent"), repo);
    ensure!(
        source.starts_with(repo),
        "{}: the image copies nothing to {program}",
        c.deployment
    );
    let name = source
        .file_name()
        .and_then(|n| n.to_str())
        .context("a binary's name")?;
    testkit::ironlog_bin(name)
}

/// The startup probe passes within its budget, then the readiness and liveness probes pass.
/// A failure shows the end of the process's log.
async fn probes_pass(c: &Container, proc: &mut Proc) -> Result<()> {
    probes_pass_quietly(c, proc)
        .await
        .with_context(|| format!("{}'s log ends:\n{}", c.deployment, proc.tail(25)))
}

async fn probes_pass_quietly(c: &Container, proc: &mut Proc) -> Result<()> {
    ensure!(
        c.probes.iter().any(|p| p.kind == "startup"),
        "{} has no startup probe",
        c.deployment
    );
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    for probe in &c.probes {
        let url = format!("http://127.0.0.1:{}{}", probe.port, probe.path);
        let attempts = if probe.kind == "startup" {
            probe.failure_threshold
        } else {
            1
        };
        let mut last = String::from("not tried");
        let mut passed = false;
        for _ in 0..attempts {
            ensure!(proc.is_running(), "{} exited", c.deployment);
            let started = Instant::now();
            let answer = client
                .get(&url)
                .timeout(Duration::from_secs(probe.timeout_secs))
                .send()
                .await;
            match answer {
                // The kubelet's rule: 200 to 399 passes.
                Ok(r) if (200..400).contains(&r.status().as_u16()) => {
                    passed = true;
                    break;
                }
                Ok(r) => last = format!("answered {}", r.status()),
                Err(e) => last = e.to_string(),
            }
            let period = Duration::from_secs(probe.period_secs);
            tokio::time::sleep(period.saturating_sub(started.elapsed())).await;
        }
        ensure!(
            passed,
            "{}'s {} probe {url} failed {attempts} times; last: {last}",
            c.deployment,
            probe.kind
        );
    }
    Ok(())
}

fn connections(broker: &RabbitMq) -> Result<usize> {
    let out = broker.ctl(&["list_connections", "name", "-q", "--no-table-headers"])?;
    Ok(out.lines().filter(|l| !l.trim().is_empty()).count())
}

/// The Services that select the container's pods.
fn services_of<'a>(rendered: &'a Rendered, c: &Container) -> Vec<&'a Value> {
    rendered
        .of_kind("Service")
        .filter(|service| {
            let selector = labels(service, "/spec/selector");
            !selector.is_empty() && selector.iter().all(|(k, v)| c.pod_labels.get(k) == Some(v))
        })
        .collect()
}

/// A Service port (by name or number) → the container port it sends to.
fn service_target(c: &Container, service: &Value, port: &Value) -> Result<u16> {
    let ports = service["spec"]["ports"]
        .as_array()
        .context("a Service's ports")?;
    let entry = ports
        .iter()
        .find(|p| match port {
            Value::String(_) => p["name"] == *port,
            _ => p["port"] == *port,
        })
        .with_context(|| format!("Service {} has no port {port}", service["metadata"]["name"]))?;
    let target = entry.get("targetPort").unwrap_or(&entry["port"]);
    resolve_port(&c.ports, target).with_context(|| {
        format!(
            "Service {}'s port {port} targets {target}",
            service["metadata"]["name"]
        )
    })
}

/// Every ServiceMonitor endpoint that reaches the container serves Prometheus text there, and
/// at least one does.
async fn scraped(rendered: &Rendered, c: &Container) -> Result<()> {
    let services = services_of(rendered, c);
    let mut scraped = 0;
    for monitor in rendered.of_kind("ServiceMonitor") {
        let selector = &monitor["spec"]["selector"];
        for service in &services {
            if !selects(selector, &labels(service, "/metadata/labels"))? {
                continue;
            }
            for endpoint in monitor["spec"]["endpoints"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let port = service_target(c, service, &endpoint["port"])?;
                let path = endpoint["path"].as_str().unwrap_or("/metrics");
                let url = format!("http://127.0.0.1:{port}{path}");
                let body = reqwest::get(&url).await?.error_for_status()?.text().await?;
                ensure!(
                    body.contains("# TYPE ironlog_"),
                    "{url} (ServiceMonitor {}) serves no Ironlog metrics",
                    monitor["metadata"]["name"]
                );
                scraped += 1;
            }
        }
    }
    ensure!(scraped > 0, "no ServiceMonitor scrapes {}", c.deployment);
    Ok(())
}

/// Every ingress port a NetworkPolicy opens to the container's pods is one of its ports, and
/// every port it has is opened by some policy (the namespace denies by default).
fn policies_admit_only_container_ports(rendered: &Rendered, c: &Container) -> Result<()> {
    let mut opened = HashSet::new();
    for policy in rendered.of_kind("NetworkPolicy") {
        if !selects(&policy["spec"]["podSelector"], &c.pod_labels)? {
            continue;
        }
        for rule in policy["spec"]["ingress"].as_array().into_iter().flatten() {
            for port in rule["ports"].as_array().into_iter().flatten() {
                let number = resolve_port(&c.ports, &port["port"]).with_context(|| {
                    format!(
                        "NetworkPolicy {} opens a port {} does not have",
                        policy["metadata"]["name"], c.deployment
                    )
                })?;
                opened.insert(number);
            }
        }
    }
    for (name, port) in &c.ports {
        ensure!(
            opened.contains(port),
            "{}'s port {name} ({port}) is closed by the default deny",
            c.deployment
        );
    }
    Ok(())
}

/// The queue the KEDA trigger scaling `deployment` watches.
fn keda_queue(rendered: &Rendered, deployment: &str) -> Result<String> {
    let scaled = rendered
        .of_kind("ScaledObject")
        .find(|s| s["spec"]["scaleTargetRef"]["name"] == deployment)
        .with_context(|| format!("no ScaledObject scales {deployment}"))?;
    let trigger = scaled["spec"]["triggers"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| t["type"] == "rabbitmq")
        .context("no rabbitmq trigger")?;
    Ok(str_at(trigger, "/metadata/queueName")?.to_owned())
}

/// The container port behind the HTTPRoute that sends the public host to the server.
fn route_backend_port(rendered: &Rendered, c: &Container) -> Result<u16> {
    let services = services_of(rendered, c);
    for route in rendered.of_kind("HTTPRoute") {
        for rule in route["spec"]["rules"].as_array().into_iter().flatten() {
            for backend in rule["backendRefs"].as_array().into_iter().flatten() {
                if let Some(service) = services
                    .iter()
                    .find(|s| s["metadata"]["name"] == backend["name"])
                {
                    return service_target(c, service, &backend["port"]);
                }
            }
        }
    }
    bail!("no HTTPRoute sends traffic to {}", c.deployment)
}
