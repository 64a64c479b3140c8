//! `with-stack [--mode embedded|distributed] [--release|--debug] [--unlimited] [--cdn [--publisher PATH]] -- COMMAND...`
//!
//! Starts Ironlog on free loopback ports — alone on a temporary embedded store, or with
//! RabbitMQ, SecantusDB and a consumer — runs COMMAND with `BASE_URL` set to the server, stops
//! everything, and exits with COMMAND's status. The browser tests run under it in both modes.
//!
//! In distributed mode COMMAND also gets `IRONLOG_TEST_AMQP_URL` and `IRONLOG_TEST_MONGODB_URI`,
//! the services' addresses. COMMAND always gets `IRONLOG_CONTROL_URL`, where a browser test can change the world under the
//! page: `POST /server/new-build` restarts the server on the same port with a new build of the
//! site (a copy whose stylesheet differs), and, in distributed mode, `POST /broker/stop` and
//! `POST /broker/start` take RabbitMQ away and bring it back.
//!
//! With `--cdn`, the site is first published by `ironlog-publish` to a bucket of a local S3
//! (moto) and the server is started with `IRONLOG_ASSETS_URL` pointing there, so its pages load
//! their scripts, Wasm and CSS from another origin; COMMAND gets it as `IRONLOG_ASSETS_ORIGIN`.
//! `--publisher` names the `ironlog-publish` to use (by default the one of the chosen profile).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use testkit::{Server, Stack, StackConfig};

struct Args {
    distributed: bool,
    /// Lift the rate limits (for generated traffic such as Schemathesis').
    unlimited: bool,
    /// Publish the site to a local S3 and serve pages that load it from there.
    cdn: bool,
    /// The ironlog-publish binary, when not the profile's.
    publisher: Option<PathBuf>,
    profile: String,
    command: Vec<String>,
}

fn parse_args() -> Result<Args> {
    let mut args = std::env::args().skip(1);
    let mut out = Args {
        distributed: false,
        unlimited: false,
        cdn: false,
        publisher: None,
        profile: "release".into(),
        command: Vec::new(),
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--mode" => match args.next().as_deref() {
                Some("embedded") => out.distributed = false,
                Some("distributed") => out.distributed = true,
                other => bail!("--mode takes embedded or distributed, got {other:?}"),
            },
            "--debug" => out.profile = "debug".into(),
            "--unlimited" => out.unlimited = true,
            "--cdn" => out.cdn = true,
            "--publisher" => {
                let path = PathBuf::from(args.next().context("--publisher takes a path")?);
                if !path.is_file() {
                    bail!("--publisher {}: no such file", path.display());
                }
                out.publisher = Some(path);
            }
            "--release" => out.profile = "release".into(),
            "--" => {
                out.command = args.collect();
                break;
            }
            other => bail!("unknown argument {other:?}; usage: with-stack [--mode embedded|distributed] [--release|--debug] [--unlimited] [--cdn [--publisher PATH]] -- COMMAND..."),
        }
    }
    if out.command.is_empty() {
        bail!("no command given; usage: with-stack [--mode embedded|distributed] -- COMMAND...");
    }
    Ok(out)
}

/// The binary built with `profile`, or with the other profile if only that one exists (the
/// consumer is usually built by `cargo test`, in debug).
fn bin(profile: &str, name: &str) -> Result<PathBuf> {
    let other = if profile == "release" {
        "debug"
    } else {
        "release"
    };
    [profile, other]
        .iter()
        .map(|p| PathBuf::from("target").join(p).join(name))
        .find(|p| p.is_file())
        .with_context(|| format!("target/{profile}/{name} is missing: build it first (the README's test command does)"))
}

/// What runs under the command: the distributed stack, or the embedded server alone.
struct Services {
    stack: Option<Stack>,
    embedded: Option<Server>,
    /// The site copies of `/server/new-build`, removed when the services stop.
    builds: Vec<tempfile::TempDir>,
}

impl Services {
    fn server(&mut self) -> Result<&mut Server> {
        match (&mut self.stack, &mut self.embedded) {
            (Some(stack), _) => Ok(&mut stack.servers[0]),
            (None, Some(server)) => Ok(server),
            (None, None) => bail!("no server is running"),
        }
    }

    fn broker(&mut self) -> Result<&mut testkit::RabbitMq> {
        Ok(&mut self
            .stack
            .as_mut()
            .context("no broker in embedded mode")?
            .broker)
    }
}

/// The services the control endpoint acts on; `None` once the command has finished.
type Shared = Arc<Mutex<Option<Services>>>;

/// Serves the control requests to the command on a free loopback port; returns its URL.
fn serve_control(services: Shared, site_root: PathBuf) -> Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").context("binding the control endpoint")?;
    let url = format!("http://{}", listener.local_addr()?);
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let mut line = String::new();
            let mut reader = BufReader::new(&conn);
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            // The request's headers (a body is never needed) up to the blank line.
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                header.clear();
            }
            let (status, text) = match control(&services, &site_root, line.trim()) {
                Ok(done) => ("200 OK", done),
                Err(e) => ("500 Internal Server Error", format!("{e:#}")),
            };
            let _ = write!(
                &conn,
                "HTTP/1.1 {status}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                text.len()
            );
        }
    });
    Ok(url)
}

fn control(services: &Shared, site_root: &Path, request_line: &str) -> Result<String> {
    let mut guard = services
        .lock()
        .map_err(|_| anyhow::anyhow!("the services' lock is poisoned"))?;
    let services = guard.as_mut().context("the services are stopped")?;
    match request_line.split_whitespace().take(2).collect::<Vec<_>>()[..] {
        ["POST", "/broker/stop"] => {
            let broker = services.broker()?;
            (0..broker.size()).for_each(|i| broker.kill_node(i));
            eprintln!("with-stack: RabbitMQ stopped");
            Ok("stopped".into())
        }
        ["POST", "/broker/start"] => {
            let broker = services.broker()?;
            for i in 0..broker.size() {
                broker.start_node(i)?;
            }
            eprintln!("with-stack: RabbitMQ started");
            Ok("started".into())
        }
        ["POST", "/server/new-build"] => {
            let copy = new_build(site_root, services.builds.len() + 1)?;
            let server = services.server()?;
            server.set_env("LEPTOS_SITE_ROOT", copy.path().display().to_string());
            server.restart()?;
            testkit::wait_for_http(server.port, "/readyz", Duration::from_secs(30))
                .context("the restarted server is not ready")?;
            services.builds.push(copy);
            eprintln!("with-stack: the server restarted on a new build");
            Ok("restarted".into())
        }
        _ => bail!(
            "unknown request {request_line:?}; POST /server/new-build, /broker/stop or /broker/start"
        ),
    }
}

/// A copy of the site whose stylesheet differs from the original: another build, as far as the
/// browser and the service worker can tell.
fn new_build(site_root: &Path, n: usize) -> Result<tempfile::TempDir> {
    let copy = tempfile::tempdir()?;
    copy_dir(site_root, copy.path())?;
    let css = copy.path().join("pkg/ironlog.css");
    let mut text = std::fs::read_to_string(&css).with_context(|| css.display().to_string())?;
    text.push_str(&format!("\n/* with-stack build {n} */\n"));
    std::fs::write(&css, text)?;
    Ok(copy)
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from).with_context(|| from.display().to_string())? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

fn run() -> Result<ExitCode> {
    let args = parse_args()?;
    let site_root = PathBuf::from("target/site");
    if !site_root.join("pkg/ironlog.wasm").is_file() {
        bail!("target/site has no built site: run `scripts/build.sh` first");
    }
    let server_bin = bin(&args.profile, "ironlog-server")?;
    let data = tempfile::tempdir()?;
    let mut site = vec![
        (
            "LEPTOS_SITE_ROOT".to_owned(),
            site_root.display().to_string(),
        ),
        ("LEPTOS_OUTPUT_NAME".to_owned(), "ironlog".to_owned()),
    ];

    if args.unlimited {
        site.extend(
            testkit::UNLIMITED
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
    }
    let (_moto, assets_origin) = if args.cdn {
        let publisher = match &args.publisher {
            Some(path) => path.clone(),
            None => bin(&args.profile, "ironlog-publish")?,
        };
        let (moto, assets_url) = publish_to_local_s3(&publisher, &site_root)?;
        let origin = assets_url
            .rsplit_once('/')
            .map(|(origin, _)| origin.to_owned())
            .context("the assets URL")?;
        site.push(("IRONLOG_ASSETS_URL".to_owned(), assets_url));
        (Some(moto), Some(origin))
    } else {
        (None, None)
    };
    let services = if args.distributed {
        eprintln!("with-stack: starting RabbitMQ, SecantusDB, the consumer and the server…");
        let mut config = StackConfig::new(server_bin, bin(&args.profile, "ironlog-consumer")?);
        config.server_env = site;
        Services {
            stack: Some(Stack::start(&config)?),
            embedded: None,
            builds: Vec::new(),
        }
    } else {
        let mut env: Vec<(&str, String)> =
            site.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        env.push(("IRONLOG_DATA_DIR", data.path().display().to_string()));
        let server = Server::start(&server_bin, &env)?;
        testkit::wait_for_http(server.port, "/readyz", Duration::from_secs(30))
            .with_context(|| format!("server not ready\n{}", server.proc.tail(20)))?;
        Services {
            stack: None,
            embedded: Some(server),
            builds: Vec::new(),
        }
    };
    // Where the services are, for commands that start processes of their own against them
    // (the image smoke test).
    let service_env: Vec<(&str, String)> = match &services.stack {
        Some(stack) => vec![
            ("IRONLOG_TEST_AMQP_URL", stack.broker.urls()),
            ("IRONLOG_TEST_MONGODB_URI", stack.uri.clone()),
        ],
        None => Vec::new(),
    };
    let shared: Shared = Arc::new(Mutex::new(Some(services)));
    let base_url = {
        let mut guard = shared.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
        guard
            .as_mut()
            .context("the services are stopped")?
            .server()?
            .base_url()
    };
    let control = serve_control(shared.clone(), site_root)?;
    let mode = if args.distributed {
        "distributed"
    } else {
        "embedded"
    };
    eprintln!(
        "with-stack: Ironlog ({mode}) at {base_url}; running {:?}",
        args.command
    );
    let status = Command::new(&args.command[0])
        .args(&args.command[1..])
        .env("BASE_URL", &base_url)
        .env("IRONLOG_MODE", mode)
        .env("IRONLOG_CONTROL_URL", &control)
        .envs(service_env)
        .envs(assets_origin.map(|o| ("IRONLOG_ASSETS_ORIGIN", o)))
        .status()
        .with_context(|| format!("running {:?}", args.command))?;
    // Taken out of the control endpoint's hands, then dropped: the services stop.
    let mut services = shared.lock().ok().and_then(|mut s| s.take());
    if !status.success() {
        let tail = services
            .as_mut()
            .and_then(|s| s.server().ok())
            .map(|server| server.proc.tail(40))
            .unwrap_or_default();
        eprintln!("with-stack: command failed; server log tail:\n{tail}");
    }
    drop(services);
    Ok(ExitCode::from(
        status.code().unwrap_or(1).clamp(0, 255) as u8
    ))
}

const BUCKET: &str = "ironlog-assets";

/// Starts moto, makes the bucket and publishes `site_root` into it with ironlog-publish;
/// returns the server and the assets URL (the bucket, path-style, through a signing edge).
fn publish_to_local_s3(publish: &Path, site_root: &Path) -> Result<(testkit::Moto, String)> {
    let moto = testkit::Moto::start()?;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", moto.port))?;
    write!(
        stream,
        "PUT /{BUCKET} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        moto.port
    )?;
    let mut status = String::new();
    BufReader::new(stream).read_line(&mut status)?;
    if !status.starts_with("HTTP/1.1 200") {
        bail!("creating the bucket on moto answered {status:?}");
    }
    eprintln!(
        "with-stack: publishing {} to moto's s3://{BUCKET}…",
        site_root.display()
    );
    let out = Command::new(publish)
        .envs(moto.env())
        .arg("--site")
        .arg(site_root)
        .args(["--bucket", BUCKET])
        .output()
        .with_context(|| format!("running {}", publish.display()))?;
    if !out.status.success() {
        bail!(
            "ironlog-publish failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Browsers reach the private bucket through an edge that signs, as CloudFront does.
    let edge = testkit::Edge::start(moto.port)?;
    let url = format!("{}/{BUCKET}", edge.url());
    Ok((moto, url))
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("with-stack: {e:#}");
            ExitCode::from(2)
        }
    }
}
