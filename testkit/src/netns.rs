//! A private network namespace for a test that must listen on the fixed ports a deployment
//! names (a container's `0.0.0.0:3000`): inside it those ports are free whatever else runs on
//! the machine, and nothing outside can reach them.
//!
//! A namespace belongs to a whole process and the test harness runs tests on threads, so the
//! test runs again as a child of `unshare --net`: [`in_private_netns`] tells the two runs apart.

use std::os::unix::process::CommandExt;
use std::process::Command;

use anyhow::{bail, Context, Result};

/// Names, to the inner run, a file it creates to show it ran (a test renamed without updating
/// the name given to the rerun would otherwise match nothing and "pass").
const MARKER: &str = "IRONLOG_TEST_IN_PRIVATE_NETNS";

/// True in the run started by [`rerun_in_private_netns`], after checking it is in a namespace
/// of its own and bringing its loopback up.
pub fn in_private_netns() -> Result<bool> {
    let Some(ran) = std::env::var_os(MARKER) else {
        return Ok(false);
    };
    let ns = |pid: &str| std::fs::read_link(format!("/proc/{pid}/ns/net")).ok();
    if ns("self").is_none() || ns("self") == ns("1") {
        bail!("{MARKER} is set but this process shares the network namespace of pid 1");
    }
    loopback_up()?;
    std::fs::write(&ran, b"ran").context("marking the inner run")?;
    Ok(true)
}

/// Runs the test named `test` (its full path, as `cargo test -- --exact` takes it) of the
/// current test binary again in a new network namespace, with its output shown, and fails if
/// it fails. Needs root (or CAP_SYS_ADMIN), as the image checks do.
pub fn rerun_in_private_netns(test: &str) -> Result<()> {
    let exe = std::env::current_exe().context("the test binary's path")?;
    let dir = tempfile::tempdir()?;
    let ran = dir.path().join("ran");
    let mut cmd = Command::new("unshare");
    cmd.arg("--net")
        .arg("--")
        .arg(&exe)
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(MARKER, &ran);
    // unshare execs the test binary in place: if this run is killed (a timeout), so is it,
    // and with it the services it started.
    // SAFETY: prctl is async-signal-safe and touches nothing of the parent.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let status = cmd
        .status()
        .context("running `unshare --net` (util-linux)")?;
    if !status.success() {
        bail!("{test} failed in its network namespace ({status})");
    }
    if !ran.exists() {
        bail!("no test named {test} ran in the network namespace: was it renamed?");
    }
    Ok(())
}

/// A new network namespace has only `lo`, and it is down.
fn loopback_up() -> Result<()> {
    // SAFETY: plain ioctls on a socket this function owns, with an `ifreq` it initialises.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0);
        if fd < 0 {
            bail!("socket: {}", std::io::Error::last_os_error());
        }
        let mut req: libc::ifreq = std::mem::zeroed();
        for (dst, src) in req.ifr_name.iter_mut().zip(b"lo\0") {
            *dst = *src as libc::c_char;
        }
        let result = if libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut req) < 0 {
            Err(std::io::Error::last_os_error())
        } else {
            req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
            if libc::ioctl(fd, libc::SIOCSIFFLAGS, &req) < 0 {
                Err(std::io::Error::last_os_error())
            } else {
                Ok(())
            }
        };
        libc::close(fd);
        result.context("bringing up the loopback interface")
    }
}
