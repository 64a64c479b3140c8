//! RabbitMQ (Debian's package): one node, or a cluster of several on one machine, each node
//! with its own directory and ports, all sharing one epmd and one cookie.

use std::fs::File;
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::tls::Pki;
use crate::{free_port, tmpfs_tempdir, wait_for_port, which, Proc};

const RABBIT_SERVER: &str = "/usr/lib/rabbitmq/bin/rabbitmq-server";
const RABBIT_CTL: &str = "/usr/lib/rabbitmq/bin/rabbitmqctl";

struct Node {
    name: String,
    port: u16,
    dist_port: u16,
    base: PathBuf,
    proc: Option<Proc>,
}

pub struct RabbitMq {
    nodes: Vec<Node>,
    /// Our own epmd, in the foreground: the one a node would start daemonizes and outlives it.
    epmd: Option<Proc>,
    epmd_port: u16,
    /// HOME for the nodes and `rabbitmqctl`: holds the shared Erlang cookie.
    home: PathBuf,
    /// Nodes listen for `amqps://` only.
    tls: bool,
    _dir: tempfile::TempDir,
}

impl RabbitMq {
    /// One node.
    pub fn start() -> Result<Self> {
        Self::start_cluster(1)
    }

    /// `size` nodes clustered by classic peer discovery; returns once every node runs and sees
    /// all the others. Quorum queues declared afterwards get a member on each node.
    pub fn start_cluster(size: usize) -> Result<Self> {
        Self::start_with(size, None)
    }

    /// One node that speaks only AMQP over TLS with `pki`'s server certificate and demands a
    /// client certificate signed by `pki`'s CA (mutual TLS).
    pub fn start_tls(pki: &Pki) -> Result<Self> {
        Self::start_with(1, Some(pki))
    }

    fn start_with(size: usize, tls: Option<&Pki>) -> Result<Self> {
        if !Path::new(RABBIT_SERVER).exists() {
            bail!("{RABBIT_SERVER} is missing: install the rabbitmq-server package (the README's test command does)");
        }
        if size == 0 {
            bail!("a RabbitMQ cluster needs at least one node");
        }
        // On tmpfs: measured here, publisher confirms stalled 55-180 ms while the machine
        // wrote back the test binaries the build had just linked, since the broker's fsyncs
        // queue behind that writeback on the one shared disk.
        let dir = tmpfs_tempdir("ironlog-rabbitmq")?;
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home)?;
        let cookie = home.join(".erlang.cookie");
        std::fs::write(&cookie, format!("IRONLOGTEST{}", std::process::id()))?;
        std::fs::set_permissions(&cookie, std::fs::Permissions::from_mode(0o400))?;

        let epmd_port = free_port()?;
        let mut epmd_cmd = Command::new(epmd_binary()?);
        epmd_cmd.args(["-port", &epmd_port.to_string(), "-address", "127.0.0.1"]);
        let epmd = Proc::spawn(&format!("epmd-{epmd_port}"), epmd_cmd)?;
        wait_for_port(epmd_port, Duration::from_secs(10))?;

        let mut nodes = Vec::with_capacity(size);
        for _ in 0..size {
            let port = free_port()?;
            let base = dir.path().join(format!("node{port}"));
            std::fs::create_dir_all(&base)?;
            nodes.push(Node {
                name: format!("ironlog{port}@localhost"),
                port,
                dist_port: free_port()?,
                base,
                proc: None,
            });
        }
        let names: Vec<String> = nodes.iter().map(|n| n.name.clone()).collect();
        for node in &nodes {
            write_config(node, &names, tls)?;
        }
        let mut me = Self {
            nodes,
            epmd: Some(epmd),
            epmd_port,
            home,
            tls: tls.is_some(),
            _dir: dir,
        };
        // The first node founds the cluster; the others then join it.
        me.start_node(0)?;
        for i in 1..size {
            me.spawn_node(i)?;
        }
        for i in 1..size {
            me.wait_node(i)?;
        }
        if size > 1 {
            me.wait_clustered(Duration::from_secs(90))?;
        }
        Ok(me)
    }

    pub fn size(&self) -> usize {
        self.nodes.len()
    }

    /// The first node's address.
    pub fn url(&self) -> String {
        self.node_url(0)
    }

    pub fn node_url(&self, i: usize) -> String {
        let scheme = if self.tls { "amqps" } else { "amqp" };
        format!(
            "{scheme}://guest:guest@127.0.0.1:{}/%2f",
            self.nodes[i].port
        )
    }

    /// Every node's address, comma-separated, as `AMQP_URL` takes them.
    pub fn urls(&self) -> String {
        (0..self.nodes.len())
            .map(|i| self.node_url(i))
            .collect::<Vec<_>>()
            .join(",")
    }

    fn spawn_node(&mut self, i: usize) -> Result<()> {
        let (epmd_port, home) = (self.epmd_port, self.home.clone());
        let node = &mut self.nodes[i];
        if node.proc.is_some() {
            return Ok(());
        }
        let base = &node.base;
        let mut cmd = Command::new(RABBIT_SERVER);
        cmd.env("RABBITMQ_NODENAME", &node.name)
            .env("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
            .env("RABBITMQ_NODE_PORT", node.port.to_string())
            .env("RABBITMQ_DIST_PORT", node.dist_port.to_string())
            .env("RABBITMQ_BASE", base)
            .env("RABBITMQ_MNESIA_BASE", base.join("mnesia"))
            .env("RABBITMQ_LOG_BASE", base.join("log"))
            .env("RABBITMQ_CONFIG_FILE", base.join("rabbitmq.conf"))
            .env(
                "RABBITMQ_ENABLED_PLUGINS_FILE",
                base.join("enabled_plugins"),
            )
            .env("RABBITMQ_PID_FILE", base.join("rabbit.pid"))
            .env("HOME", home)
            .env("ERL_EPMD_ADDRESS", "127.0.0.1")
            .env("ERL_EPMD_PORT", epmd_port.to_string());
        node.proc = Some(Proc::spawn(&format!("rabbitmq-{}", node.port), cmd)?);
        Ok(())
    }

    fn wait_node(&mut self, i: usize) -> Result<()> {
        let node = &self.nodes[i];
        if let Err(e) = wait_for_port(node.port, Duration::from_secs(90)) {
            let tail = node.proc.as_ref().map(|p| p.tail(30)).unwrap_or_default();
            self.stop();
            bail!("RabbitMQ node did not start: {e}\n{tail}");
        }
        Ok(())
    }

    /// Starts node `i` (again, after [`RabbitMq::kill_node`]) and waits until it accepts
    /// AMQP connections; a restarted node rejoins its cluster from its own files.
    pub fn start_node(&mut self, i: usize) -> Result<()> {
        self.spawn_node(i)?;
        self.wait_node(i)
    }

    /// SIGKILLs node `i`, as a lost machine would.
    pub fn kill_node(&mut self, i: usize) {
        if let Some(mut p) = self.nodes[i].proc.take() {
            p.kill9();
        }
    }

    /// The process ids of the running nodes (each leads its own process group).
    pub fn node_pids(&self) -> Vec<u32> {
        self.nodes
            .iter()
            .filter_map(|n| n.proc.as_ref().and_then(Proc::pid))
            .collect()
    }

    pub fn is_running(&mut self, i: usize) -> bool {
        self.nodes[i].proc.as_mut().is_some_and(Proc::is_running)
    }

    fn wait_clustered(&mut self, within: Duration) -> Result<()> {
        let deadline = Instant::now() + within;
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Ok(out) = self.ctl(&["cluster_status", "--formatter", "json"]) {
                let running = self
                    .nodes
                    .iter()
                    .filter(|n| {
                        out.split("\"running_nodes\"").nth(1).is_some_and(|rest| {
                            rest.split(']').next().unwrap_or("").contains(&n.name)
                        })
                    })
                    .count();
                if running == self.nodes.len() {
                    return Ok(());
                }
                last = out;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        self.stop();
        bail!("the RabbitMQ cluster did not form within {within:?}: {last}")
    }

    /// Runs `rabbitmqctl` against the first running node and returns its output.
    pub fn ctl(&self, args: &[&str]) -> Result<String> {
        let i = self
            .nodes
            .iter()
            .position(|n| n.proc.is_some())
            .context("no RabbitMQ node is running")?;
        self.ctl_on(i, args)
    }

    /// Runs `rabbitmqctl` against node `i`.
    pub fn ctl_on(&self, i: usize, args: &[&str]) -> Result<String> {
        let out = Command::new(RABBIT_CTL)
            .args(args)
            .env("RABBITMQ_NODENAME", &self.nodes[i].name)
            .env("HOME", &self.home)
            .env("ERL_EPMD_PORT", self.epmd_port.to_string())
            .env("ERL_EPMD_ADDRESS", "127.0.0.1")
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

    /// One `rabbitmqctl list_queues` column for `queue`: the rest of its line after the name.
    pub fn queue_info(&self, queue: &str, column: &str) -> Result<String> {
        let out = self.ctl(&["list_queues", "name", column, "-q", "--no-table-headers"])?;
        out.lines()
            .find_map(|l| {
                // Columns are tab-separated; an empty one (no policy) leaves a trailing tab.
                let (name, rest) = l.split_once('\t')?;
                (name.trim() == queue).then(|| rest.trim().to_owned())
            })
            .with_context(|| format!("queue {queue} is not listed: {out}"))
    }

    /// The index of the node leading quorum queue `queue`.
    pub fn leader_of(&self, queue: &str) -> Result<usize> {
        let leader = self.queue_info(queue, "leader")?;
        self.nodes
            .iter()
            .position(|n| n.name == leader)
            .with_context(|| format!("queue {queue} is led by {leader}, not one of ours"))
    }

    /// How many of our nodes hold a member of quorum queue `queue`.
    pub fn members_of(&self, queue: &str) -> Result<usize> {
        let members = self.queue_info(queue, "members")?;
        Ok(self
            .nodes
            .iter()
            .filter(|n| members.contains(&n.name))
            .count())
    }

    pub fn stop(&mut self) {
        for node in &mut self.nodes {
            if let Some(mut p) = node.proc.take() {
                p.terminate(Duration::from_secs(15));
            }
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

fn write_config(node: &Node, cluster: &[String], tls: Option<&Pki>) -> Result<()> {
    let mut f = File::create(node.base.join("rabbitmq.conf"))?;
    match tls {
        None => writeln!(f, "listeners.tcp.default = 127.0.0.1:{}", node.port)?,
        Some(pki) => {
            writeln!(f, "listeners.tcp = none")?;
            writeln!(f, "listeners.ssl.default = 127.0.0.1:{}", node.port)?;
            writeln!(f, "ssl_options.cacertfile = {}", pki.ca.display())?;
            writeln!(f, "ssl_options.certfile = {}", pki.server_cert.display())?;
            writeln!(f, "ssl_options.keyfile = {}", pki.server_key.display())?;
            writeln!(f, "ssl_options.verify = verify_peer")?;
            writeln!(f, "ssl_options.fail_if_no_peer_cert = true")?;
        }
    }
    writeln!(f, "loopback_users = none")?;
    writeln!(
        f,
        "log.console = true\nlog.console.level = warning\nlog.file = false"
    )?;
    if cluster.len() > 1 {
        writeln!(
            f,
            "cluster_formation.peer_discovery_backend = classic_config"
        )?;
        for (i, name) in cluster.iter().enumerate() {
            writeln!(
                f,
                "cluster_formation.classic_config.nodes.{} = {name}",
                i + 1
            )?;
        }
    }
    std::fs::write(node.base.join("enabled_plugins"), "[].")?;
    Ok(())
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
