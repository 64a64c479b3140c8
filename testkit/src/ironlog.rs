//! Ironlog's own binaries as processes.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::{free_port, wait_for_http, Proc};

/// The workspace's `target/<profile>` directory holding the binary that runs this code.
pub fn bin_dir() -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let mut dir = exe.parent().context("no parent dir")?.to_path_buf();
    // Test binaries live in target/<profile>/deps.
    if dir.ends_with("deps") {
        dir.pop();
    }
    Ok(dir)
}

/// An Ironlog binary built beside the running one (`cargo build --bins`).
pub fn ironlog_bin(name: &str) -> Result<PathBuf> {
    let path = bin_dir()?.join(name);
    if !path.is_file() {
        bail!(
            "{} is not built: run `cargo build --bins` first",
            path.display()
        );
    }
    Ok(path)
}

/// An Ironlog binary with the caller's `RUST_LOG` (or a quiet default) and `env` on top.
fn command(bin: &Path, env: &[(String, String)]) -> Command {
    let mut cmd = Command::new(bin);
    cmd.env(
        "RUST_LOG",
        std::env::var("RUST_LOG").unwrap_or_else(|_| "info,lapin=warn".into()),
    );
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    cmd
}

fn owned(env: &[(&str, String)]) -> Vec<(String, String)> {
    env.iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// An `ironlog-server` process on a free port.
pub struct Server {
    pub proc: Proc,
    pub port: u16,
    bin: PathBuf,
    env: Vec<(String, String)>,
}

impl Server {
    /// Starts the server with `env` (e.g. `AMQP_URL`, `MONGODB_URI` or `IRONLOG_DATA_DIR`) and
    /// waits for `/healthz`.
    pub fn start(bin: &Path, env: &[(&str, String)]) -> Result<Self> {
        let port = free_port()?;
        let env = owned(env);
        let proc = Self::spawn(bin, port, &env)?;
        Ok(Self {
            proc,
            port,
            bin: bin.to_path_buf(),
            env,
        })
    }

    fn spawn(bin: &Path, port: u16, env: &[(String, String)]) -> Result<Proc> {
        let mut cmd = command(bin, env);
        cmd.env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"));
        let proc = Proc::spawn(&format!("ironlog-server-{port}"), cmd)?;
        if let Err(e) = wait_for_http(port, "/healthz", Duration::from_secs(30)) {
            bail!("ironlog-server did not start: {e}\n{}", proc.tail(30));
        }
        Ok(proc)
    }

    /// Stops the process gracefully (SIGTERM) and starts it again on the same port. Returns
    /// whether the old process exited on its own within the grace period.
    pub fn restart(&mut self) -> Result<bool> {
        let graceful = self.proc.terminate(Duration::from_secs(10));
        self.proc = Self::spawn(&self.bin, self.port, &self.env)?;
        Ok(graceful)
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Sets (or replaces) one variable of the environment the next [`Server::restart`] uses.
    pub fn set_env(&mut self, key: &str, value: String) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value));
    }
}

/// An `ironlog-consumer` process that can be killed and started again with the same settings.
pub struct Consumer {
    pub proc: Proc,
    bin: PathBuf,
    env: Vec<(String, String)>,
    name: String,
}

impl Consumer {
    /// Starts the consumer with `env` (`AMQP_URL`, `MONGODB_URI`, ...); `name` tells its log
    /// apart from other consumers'.
    pub fn start(bin: &Path, name: &str, env: &[(&str, String)]) -> Result<Self> {
        let env = owned(env);
        let proc = Self::spawn(bin, name, &env)?;
        Ok(Self {
            proc,
            bin: bin.to_path_buf(),
            env,
            name: name.to_owned(),
        })
    }

    fn spawn(bin: &Path, name: &str, env: &[(String, String)]) -> Result<Proc> {
        Proc::spawn(name, command(bin, env))
    }

    /// SIGKILL, as a crash would.
    pub fn kill9(&mut self) {
        self.proc.kill9();
    }

    /// Starts the process again (after [`Consumer::kill9`] or an exit).
    pub fn start_again(&mut self) -> Result<()> {
        self.proc = Self::spawn(&self.bin, &self.name, &self.env)?;
        Ok(())
    }
}

/// An `ironlog-consumer` process reading `amqp_url` and writing `mongodb_uri`.
pub fn start_consumer(bin: &Path, amqp_url: &str, mongodb_uri: &str) -> Result<Consumer> {
    Consumer::start(
        bin,
        "ironlog-consumer",
        &[
            ("AMQP_URL", amqp_url.to_owned()),
            ("MONGODB_URI", mongodb_uri.to_owned()),
        ],
    )
}
