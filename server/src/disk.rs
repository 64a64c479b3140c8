//! Watches the free space of the embedded mode's data directory: a full disk fails every
//! write (503s, nothing lost), so the operator is warned while there is still room, and the
//! figure is a metric (`ironlog_data_dir_free_bytes`) to alert on.

use std::path::PathBuf;
use std::time::Duration;

use adapters::embedded::space;

use tokio_util::sync::CancellationToken;

/// Below this much free space (or this share of the filesystem) a warning is logged.
const LOW_BYTES: u64 = 512 * 1024 * 1024;
const LOW_SHARE: f64 = 0.05;

/// How often the space is looked at.
const EVERY: Duration = Duration::from_secs(30);

/// Whether `free` of `total` bytes is low enough to warn about.
fn is_low(free: u64, total: u64) -> bool {
    free < LOW_BYTES.min(total / 4) || (total > 0 && (free as f64) < (total as f64) * LOW_SHARE)
}

/// Looks at `dir`'s free space every [`EVERY`] until `stop`, warning while it is low.
pub fn spawn_watch(dir: PathBuf, stop: CancellationToken) {
    tokio::spawn(async move {
        loop {
            match space(&dir) {
                Ok((free, total)) => {
                    metrics::gauge!("ironlog_data_dir_free_bytes").set(free as f64);
                    if is_low(free, total) {
                        tracing::warn!(dir = %dir.display(), free_mib = free / (1 << 20), total_mib = total / (1 << 20), "the data directory's disk is nearly full: writes will fail with 503 when it is");
                    }
                }
                Err(e) => {
                    tracing::warn!(dir = %dir.display(), error = %e, "cannot read the data directory's free space")
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(EVERY) => {}
                _ = stop.cancelled() => return,
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn low_space_is_told() {
        let gib = 1 << 30;
        assert!(is_low(10 << 20, 100 * gib), "10 MiB of 100 GiB");
        assert!(is_low(4 * gib, 100 * gib), "4%");
        assert!(!is_low(20 * gib, 100 * gib));
        assert!(is_low(1 << 20, 16 << 20), "1 MiB of a 16 MiB filesystem");
        assert!(!is_low(12 << 20, 16 << 20));
    }
}
