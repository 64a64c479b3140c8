//! SecantusDB, the MongoDB wire-protocol server the tests use.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::tls::Pki;
use crate::{free_port, tmpfs_tempdir, wait_for_port, which, Proc};

/// SecantusDB (PyPI), a MongoDB wire-protocol server on WiredTiger. Its storage survives
/// [`Secantus::stop`], [`Secantus::crash`] and [`Secantus::start_again`], as a real
/// database's would.
///
/// Its files live on tmpfs (`/dev/shm`) where there is one. In production the database has
/// its own machine and disk; on one test machine, the writeback of a killed database's dirty
/// pages stalls RabbitMQ's fsyncs for 100-200 ms (measured: slow publisher confirms about 2 s
/// after the kill), which would test the shared disk rather than Ironlog.
pub struct Secantus {
    proc: Option<Proc>,
    engine: Engine,
    pub port: u16,
    dir: tempfile::TempDir,
    /// Server certificate, key and the CA client certificates must chain to.
    tls: Option<[PathBuf; 3]>,
}

/// Which of SecantusDB's servers runs: the Python one (`pip install SecantusDB`), or the Rust
/// one (`cargo install secantus-mdb`, `secantusd-rs`), much faster and with the same flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Python,
    Rust,
}

impl Engine {
    pub fn binary(self) -> &'static str {
        match self {
            Engine::Python => "secantusd-py",
            Engine::Rust => "secantusd-rs",
        }
    }

    /// The fastest one installed: the Rust server when it is on the PATH.
    pub fn fastest() -> Self {
        if which(Engine::Rust.binary()).is_some() {
            Engine::Rust
        } else {
            Engine::Python
        }
    }
}

impl Secantus {
    pub fn start() -> Result<Self> {
        Self::start_with(None, Engine::Python)
    }

    /// The given server, on a fresh data directory.
    pub fn start_engine(engine: Engine) -> Result<Self> {
        Self::start_with(None, engine)
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Speaks only TLS, with `pki`'s server certificate, and demands a client certificate
    /// signed by `pki`'s CA (mutual TLS).
    pub fn start_tls(pki: &Pki) -> Result<Self> {
        Self::start_with(
            Some([
                pki.server_cert.clone(),
                pki.server_key.clone(),
                pki.ca.clone(),
            ]),
            Engine::Python,
        )
    }

    fn start_with(tls: Option<[PathBuf; 3]>, engine: Engine) -> Result<Self> {
        let dir = tmpfs_tempdir("ironlog-secantus")?;
        let mut me = Self {
            proc: None,
            engine,
            port: free_port()?,
            dir,
            tls,
        };
        me.start_again()?;
        Ok(me)
    }

    pub fn start_again(&mut self) -> Result<()> {
        if self.proc.is_some() {
            return Ok(());
        }
        let bin = which(self.engine.binary()).with_context(|| match self.engine {
            Engine::Python => "secantusd-py is missing: pip install SecantusDB==0.7.0b3 (the README's test command does)",
            Engine::Rust => "secantusd-rs is missing: cargo install secantus-mdb --version 0.5.3-beta.196 --locked --ignore-rust-version (needs cmake)",
        })?;
        let mut cmd = Command::new(bin);
        cmd.args([
            "--host",
            "127.0.0.1",
            "--port",
            &self.port.to_string(),
            "--log-level",
            "WARNING",
            "--sync-on-commit",
        ])
        .arg("--storage-path")
        .arg(self.dir.path().join("data"));
        if let Some([cert, key, ca]) = &self.tls {
            cmd.arg("--tls-cert-file")
                .arg(cert)
                .arg("--tls-key-file")
                .arg(key)
                .arg("--tls-ca-file")
                .arg(ca)
                .arg("--tls-require-client-cert");
        }
        let proc = Proc::spawn(&format!("secantus-{}", self.port), cmd)?;
        self.proc = Some(proc);
        if let Err(e) = wait_for_port(self.port, Duration::from_secs(60)) {
            let tail = self.proc.as_ref().map(|p| p.tail(30)).unwrap_or_default();
            self.stop();
            bail!("SecantusDB did not start: {e}\n{tail}");
        }
        Ok(())
    }

    /// Stops the server cleanly (SIGINT, as Ctrl-C would), SIGKILL if it has not exited in
    /// 10 s.
    pub fn stop(&mut self) {
        if let Some(mut p) = self.proc.take() {
            p.stop_with(libc::SIGINT, Duration::from_secs(10));
        }
    }

    /// Kills the server at once, as a crash or a lost machine would.
    pub fn crash(&mut self) {
        if let Some(mut p) = self.proc.take() {
            p.kill9();
        }
    }

    /// The database server's process id while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.proc.as_ref().and_then(Proc::pid)
    }

    /// With TLS, the URI asks for it; the client brings the CA and its certificate.
    pub fn uri(&self, db: &str) -> String {
        let tls = if self.tls.is_some() { "&tls=true" } else { "" };
        format!(
            "mongodb://127.0.0.1:{}/{db}?directConnection=true&serverSelectionTimeoutMS=2000{tls}",
            self.port
        )
    }
}

impl Drop for Secantus {
    fn drop(&mut self) {
        self.stop();
    }
}
