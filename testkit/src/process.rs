//! Child processes that cannot outlive the test that started them.

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

/// Where test processes write their output; kept after the run for post-mortems.
pub fn log_dir() -> PathBuf {
    let dir = std::env::temp_dir().join("ironlog-testkit");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// A temporary directory on tmpfs (`/dev/shm`) where there is one, else in the usual place.
///
/// Services keep their files there: in production each has its own disk, but on one test
/// machine their fsyncs queue behind every other writer's writeback (see [`crate::Secantus`]
/// and [`crate::RabbitMq`] for what was measured).
pub fn tmpfs_tempdir(prefix: &str) -> Result<tempfile::TempDir> {
    let shm = std::path::Path::new("/dev/shm");
    Ok(if shm.is_dir() {
        tempfile::Builder::new().prefix(prefix).tempdir_in(shm)?
    } else {
        tempfile::tempdir()?
    })
}

/// Spawns `cmd` from one thread that lives as long as the process. `PR_SET_PDEATHSIG` fires
/// when the *thread* that forked the child exits, so a child spawned from a short-lived thread
/// (tokio's blocking pool, a fault-injection thread) would be killed with it.
fn spawn_on_lasting_thread(cmd: Command) -> std::io::Result<Child> {
    type Job = (Command, mpsc::Sender<std::io::Result<Child>>);
    static SPAWNER: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();
    let spawner = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("testkit-spawner".into())
            .spawn(move || {
                for (mut cmd, reply) in rx {
                    let _ = reply.send(cmd.spawn());
                }
            })
            .map(|_| ())
            .unwrap_or_else(|e| eprintln!("testkit: cannot start the spawner thread: {e}"));
        Mutex::new(tx)
    });
    let (reply_tx, reply_rx) = mpsc::channel();
    spawner
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .send((cmd, reply_tx))
        .map_err(|_| std::io::Error::other("the spawner thread is gone"))?;
    reply_rx
        .recv()
        .map_err(|_| std::io::Error::other("the spawner thread is gone"))?
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
        let description = format!("starting {name} ({cmd:?})");
        let child = spawn_on_lasting_thread(cmd).context(description)?;
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
        // Signal before taking the child: the group is found through it.
        self.signal_group(signal);
        let Some(mut child) = self.child.take() else {
            return true;
        };
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

/// CPU time (user + system, in seconds) used so far by the live processes of process group
/// `pgid`: every process testkit starts leads its own group, so this covers what it spawned
/// (RabbitMQ's beam.smp under its start script, for instance).
pub fn group_cpu_seconds(pgid: u32) -> f64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    entries
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.parse::<u32>().is_ok())
        })
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter_map(|stat| {
            let (pgrp, ticks) = parse_stat(&stat)?;
            (pgrp == pgid).then_some(ticks)
        })
        .sum::<f64>()
        / clock_ticks()
}

/// CPU time (user + system, in seconds) used so far by this process, all threads.
pub fn own_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| parse_stat(&s))
        .map_or(0.0, |(_, ticks)| ticks / clock_ticks())
}

/// The process group and utime + stime (clock ticks) of a `/proc/<pid>/stat` line. The
/// command name is in parentheses and may hold spaces, so fields are counted after the last `)`.
fn parse_stat(stat: &str) -> Option<(u32, f64)> {
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let pgrp = fields.get(2)?.parse().ok()?;
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((pgrp, utime + stime))
}

fn clock_ticks() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 {
        ticks as f64
    } else {
        100.0
    }
}

#[cfg(test)]
mod cpu_tests {
    use super::*;

    #[test]
    fn stat_fields_are_counted_after_the_command_name() {
        let line = "42 (a (b) c) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0";
        assert_eq!(parse_stat(line), Some((42, 300.0)));
    }

    #[test]
    fn busy_work_shows_up_in_own_cpu_time() {
        // Spin until 0.1 s of CPU shows up; the wall-clock cap only stops a broken reading
        // from hanging the test, so a busy machine cannot make it fail.
        let before = own_cpu_seconds();
        let mut x = 0u64;
        let start = std::time::Instant::now();
        while own_cpu_seconds() - before < 0.1
            && start.elapsed() < std::time::Duration::from_secs(30)
        {
            for _ in 0..100_000 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
            }
        }
        assert!(own_cpu_seconds() - before >= 0.1, "{x}");
    }
}
