//! Starts the real parts Ironlog's tests run against — RabbitMQ, SecantusDB (a MongoDB
//! wire-protocol server) and Ironlog's own binaries — on free loopback ports, each in its own
//! process group, and stops them when the handle is dropped, so a failing test cleans up too.

use std::fs::File;
use std::io::Write as _;
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// A port nobody listens on right now.
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("binding an ephemeral port")?;
    Ok(listener.local_addr()?.port())
}

/// Waits until something accepts TCP connections on the port.
pub fn wait_for_port(port: u16, within: Duration) -> Result<()> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200))
            .is_ok()
        {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("nothing listened on 127.0.0.1:{port} within {within:?}")
}

/// Where test processes write their output; kept after the run for post-mortems.
pub fn log_dir() -> PathBuf {
    let dir = std::env::temp_dir().join("ironlog-testkit");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// A child process in its own process group; dropping it stops the whole group.
pub struct Proc {
    name: String,
    child: Option<Child>,
    pub log: PathBuf,
}

impl Proc {
    pub fn spawn(name: &str, mut cmd: Command) -> Result<Self> {
        let log = log_dir().join(format!("{name}-{}.log", std::process::id()));
        let out = File::options().create(true).append(true).open(&log)?;
        let err = out.try_clone()?;
        cmd.stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0);
        // If the test process itself dies (a timeout's SIGKILL), take the child with it.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = cmd
            .spawn()
            .with_context(|| format!("starting {name} ({cmd:?})"))?;
        Ok(Self {
            name: name.to_owned(),
            child: Some(child),
            log,
        })
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    fn signal_group(&self, sig: i32) {
        if let Some(pid) = self.pid() {
            unsafe {
                libc::kill(-(pid as i32), sig);
            }
        }
    }

    /// SIGKILL, as a crash would.
    pub fn kill9(&mut self) {
        self.signal_group(libc::SIGKILL);
        if let Some(mut c) = self.child.take() {
            let _ = c.wait();
        }
    }

    /// SIGTERM and wait up to `grace`, then SIGKILL. Returns whether it exited on its own.
    pub fn terminate(&mut self, grace: Duration) -> bool {
        self.stop_with(libc::SIGTERM, grace)
    }

    /// Sends `signal` to the group and waits up to `grace`, then SIGKILL. Returns whether it
    /// exited on its own.
    pub fn stop_with(&mut self, signal: i32, grace: Duration) -> bool {
        let Some(mut child) = self.child.take() else {
            return true;
        };
        self.signal_group(signal);
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                // Leftovers in the group (helpers) go too.
                unsafe {
                    libc::kill(-(child.id() as i32), libc::SIGKILL);
                }
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        unsafe {
            libc::kill(-(child.id() as i32), libc::SIGKILL);
        }
        let _ = child.wait();
        false
    }

    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// The last lines of the process's output, for failure messages.
    pub fn tail(&self, lines: usize) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.terminate(Duration::from_secs(10));
    }
}

/// One RabbitMQ node (Debian's package), alone in a temporary directory.
pub struct RabbitMq {
    node: Option<Proc>,
    /// Our own epmd, in the foreground: the one a node would start daemonizes and outlives it.
    epmd: Option<Proc>,
    pub port: u16,
    /// What `rabbitmqctl` needs to find this node: its name, cookie (HOME) and epmd.
    ctl_env: Vec<(&'static str, String)>,
    _dir: tempfile::TempDir,
}

const RABBIT_SERVER: &str = "/usr/lib/rabbitmq/bin/rabbitmq-server";
const RABBIT_CTL: &str = "/usr/lib/rabbitmq/bin/rabbitmqctl";

impl RabbitMq {
    pub fn start() -> Result<Self> {
        if !Path::new(RABBIT_SERVER).exists() {
            bail!("{RABBIT_SERVER} is missing: install the rabbitmq-server package (the README's test command does)");
        }
        let dir = tempfile::tempdir()?;
        let port = free_port()?;
        let dist_port = free_port()?;
        let epmd_port = free_port()?;
        let base = dir.path();
        let conf = base.join("rabbitmq.conf");
        let mut f = File::create(&conf)?;
        writeln!(f, "listeners.tcp.default = 127.0.0.1:{port}")?;
        writeln!(f, "loopback_users = none")?;
        writeln!(
            f,
            "log.console = true\nlog.console.level = warning\nlog.file = false"
        )?;
        std::fs::write(base.join("enabled_plugins"), "[].")?;
        let ctl_env = vec![
            ("RABBITMQ_NODENAME", format!("ironlog{port}@localhost")),
            ("HOME", base.display().to_string()),
            ("ERL_EPMD_PORT", epmd_port.to_string()),
            ("ERL_EPMD_ADDRESS", "127.0.0.1".to_owned()),
        ];
        let mut cmd = Command::new(RABBIT_SERVER);
        cmd.env("RABBITMQ_NODENAME", format!("ironlog{port}@localhost"))
            .env("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
            .env("RABBITMQ_NODE_PORT", port.to_string())
            .env("RABBITMQ_DIST_PORT", dist_port.to_string())
            .env("RABBITMQ_BASE", base)
            .env("RABBITMQ_MNESIA_BASE", base.join("mnesia"))
            .env("RABBITMQ_LOG_BASE", base.join("log"))
            .env("RABBITMQ_CONFIG_FILE", &conf)
            .env(
                "RABBITMQ_ENABLED_PLUGINS_FILE",
                base.join("enabled_plugins"),
            )
            .env("RABBITMQ_PID_FILE", base.join("rabbit.pid"))
            .env("HOME", base)
            .env("ERL_EPMD_ADDRESS", "127.0.0.1")
            .env("ERL_EPMD_PORT", epmd_port.to_string());
        let mut epmd_cmd = Command::new(epmd_binary()?);
        epmd_cmd.args(["-port", &epmd_port.to_string(), "-address", "127.0.0.1"]);
        let epmd = Proc::spawn(&format!("epmd-{epmd_port}"), epmd_cmd)?;
        wait_for_port(epmd_port, Duration::from_secs(10))?;
        let node = Proc::spawn(&format!("rabbitmq-{port}"), cmd)?;
        let mut me = Self {
            node: Some(node),
            epmd: Some(epmd),
            port,
            ctl_env,
            _dir: dir,
        };
        if let Err(e) = wait_for_port(port, Duration::from_secs(90)) {
            let tail = me.node.as_ref().map(|n| n.tail(30)).unwrap_or_default();
            me.stop();
            bail!("RabbitMQ did not start: {e}\n{tail}");
        }
        Ok(me)
    }

    pub fn url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}/%2f", self.port)
    }

    /// Runs `rabbitmqctl` against this node and returns its output.
    pub fn ctl(&self, args: &[&str]) -> Result<String> {
        let out = Command::new(RABBIT_CTL)
            .args(args)
            .envs(self.ctl_env.iter().map(|(k, v)| (*k, v.as_str())))
            .output()
            .context("running rabbitmqctl")?;
        if !out.status.success() {
            bail!(
                "rabbitmqctl {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    pub fn stop(&mut self) {
        if let Some(mut node) = self.node.take() {
            node.terminate(Duration::from_secs(15));
        }
        if let Some(mut epmd) = self.epmd.take() {
            epmd.terminate(Duration::from_secs(5));
        }
    }
}

impl Drop for RabbitMq {
    fn drop(&mut self) {
        self.stop();
    }
}

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
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Secantus {
    pub fn start() -> Result<Self> {
        let shm = Path::new("/dev/shm");
        let dir = if shm.is_dir() {
            tempfile::Builder::new()
                .prefix("ironlog-secantus")
                .tempdir_in(shm)?
        } else {
            tempfile::tempdir()?
        };
        let mut me = Self {
            proc: None,
            port: free_port()?,
            dir,
        };
        me.start_again()?;
        Ok(me)
    }

    pub fn start_again(&mut self) -> Result<()> {
        if self.proc.is_some() {
            return Ok(());
        }
        let bin = which("secantusd-py").context("secantusd-py is missing: pip install SecantusDB==0.7.0b3 (the README's test command does)")?;
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
        let proc = Proc::spawn(&format!("secantus-{}", self.port), cmd)?;
        self.proc = Some(proc);
        if let Err(e) = wait_for_port(self.port, Duration::from_secs(60)) {
            let tail = self.proc.as_ref().map(|p| p.tail(30)).unwrap_or_default();
            self.stop();
            bail!("SecantusDB did not start: {e}\n{tail}");
        }
        Ok(())
    }

    /// Stops the server: SIGINT (it ignores SIGTERM), SIGKILL if it has not exited in 10 s,
    /// which happens while clients hold connections.
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

    pub fn uri(&self, db: &str) -> String {
        format!(
            "mongodb://127.0.0.1:{}/{db}?directConnection=true&serverSelectionTimeoutMS=2000",
            self.port
        )
    }
}

impl Drop for Secantus {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Debian installs epmd inside the Erlang runtime, off the PATH.
fn epmd_binary() -> Result<PathBuf> {
    if let Some(p) = which("epmd") {
        return Ok(p);
    }
    let erts = std::fs::read_dir("/usr/lib/erlang")
        .context("Erlang is not installed (/usr/lib/erlang): install rabbitmq-server")?;
    erts.filter_map(|e| e.ok())
        .map(|e| e.path().join("bin/epmd"))
        .find(|p| p.is_file())
        .context("no epmd under /usr/lib/erlang/erts-*/bin")
}

pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

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

/// Waits until `GET http://127.0.0.1:{port}{path}` answers 200.
pub fn wait_for_http(port: u16, path: &str, within: Duration) -> Result<()> {
    use std::io::{Read, Write};
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Ok(mut s) =
            TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200))
        {
            let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
            let req =
                format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            if s.write_all(req.as_bytes()).is_ok() {
                let mut buf = [0u8; 16];
                if s.read(&mut buf).is_ok() && buf.starts_with(b"HTTP/1.1 200") {
                    return Ok(());
                }
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("http://127.0.0.1:{port}{path} did not answer 200 within {within:?}")
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
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        let proc = Self::spawn(bin, port, &env)?;
        Ok(Self {
            proc,
            port,
            bin: bin.to_path_buf(),
            env,
        })
    }

    fn spawn(bin: &Path, port: u16, env: &[(String, String)]) -> Result<Proc> {
        let mut cmd = Command::new(bin);
        cmd.env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "info,lapin=warn".into()),
            );
        for (k, v) in env {
            cmd.env(k, v);
        }
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
}

/// An `ironlog-consumer` process.
pub fn start_consumer(bin: &Path, amqp_url: &str, mongodb_uri: &str) -> Result<Proc> {
    let mut cmd = Command::new(bin);
    cmd.env("AMQP_URL", amqp_url)
        .env("MONGODB_URI", mongodb_uri)
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "info,lapin=warn".into()),
        );
    Proc::spawn("ironlog-consumer", cmd)
}
