//! `with-stack [--mode embedded|distributed] [--release|--debug] [--unlimited] -- COMMAND...`
//!
//! Starts Ironlog on free loopback ports — alone on a temporary embedded store, or with
//! RabbitMQ, SecantusDB and a consumer — runs COMMAND with `BASE_URL` set to the server, stops
//! everything, and exits with COMMAND's status. The browser tests run under it in both modes.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use anyhow::{bail, Context, Result};
use testkit::{Server, Stack, StackConfig};

struct Args {
    distributed: bool,
    /// Lift the rate limits (for generated traffic such as Schemathesis').
    unlimited: bool,
    profile: String,
    command: Vec<String>,
}

fn parse_args() -> Result<Args> {
    let mut args = std::env::args().skip(1);
    let mut out = Args {
        distributed: false,
        unlimited: false,
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
            "--release" => out.profile = "release".into(),
            "--" => {
                out.command = args.collect();
                break;
            }
            other => bail!("unknown argument {other:?}; usage: with-stack [--mode embedded|distributed] [--release|--debug] -- COMMAND..."),
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

fn run() -> Result<ExitCode> {
    let args = parse_args()?;
    let site_root = PathBuf::from("target/site");
    if !site_root.join("pkg/ironlog.wasm").is_file() {
        bail!("target/site has no built site: run `cargo leptos build --release --split` first");
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
    // Held until the command finishes; dropping them stops the services.
    let (stack, embedded) = if args.distributed {
        eprintln!("with-stack: starting RabbitMQ, SecantusDB, the consumer and the server…");
        let mut config = StackConfig::new(server_bin, bin(&args.profile, "ironlog-consumer")?);
        config.server_env = site;
        (Some(Stack::start(&config)?), None)
    } else {
        let mut env: Vec<(&str, String)> =
            site.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        env.push(("IRONLOG_DATA_DIR", data.path().display().to_string()));
        let server = Server::start(&server_bin, &env)?;
        testkit::wait_for_http(server.port, "/readyz", std::time::Duration::from_secs(30))
            .with_context(|| format!("server not ready\n{}", server.proc.tail(20)))?;
        (None, Some(server))
    };
    let server = match &stack {
        Some(stack) => &stack.servers[0],
        None => embedded
            .as_ref()
            .context("the embedded server did not start")?,
    };
    eprintln!(
        "with-stack: Ironlog ({}) at {}; running {:?}",
        if args.distributed {
            "distributed"
        } else {
            "embedded"
        },
        server.base_url(),
        args.command
    );
    let status = Command::new(&args.command[0])
        .args(&args.command[1..])
        .env("BASE_URL", server.base_url())
        .env(
            "IRONLOG_MODE",
            if args.distributed {
                "distributed"
            } else {
                "embedded"
            },
        )
        .status()
        .with_context(|| format!("running {:?}", args.command))?;
    if !status.success() {
        eprintln!(
            "with-stack: command failed; server log tail:\n{}",
            server.proc.tail(40)
        );
    }
    drop(embedded);
    drop(stack);
    Ok(ExitCode::from(
        status.code().unwrap_or(1).clamp(0, 255) as u8
    ))
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
