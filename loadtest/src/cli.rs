//! Argument checks shared by `ironlog-drill` and `ironlog-bench`.

use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, bail, Result};

/// A finite number above zero.
pub fn positive(flag: &str, value: &str) -> Result<f64> {
    match value.parse::<f64>() {
        Ok(n) if n > 0.0 && n.is_finite() => Ok(n),
        _ => bail!("{flag} must be a positive number, got {value:?}"),
    }
}

/// A positive number of seconds.
pub fn seconds(flag: &str, value: &str) -> Result<Duration> {
    positive(flag, value)
        .map(Duration::from_secs_f64)
        .map_err(|_| anyhow!("{flag} must be a positive number of seconds, got {value:?}"))
}

/// Fails with the commands that build them when Ironlog's binaries are not in `bin_dir`.
pub fn require_binaries(bin_dir: &Path) -> Result<()> {
    for bin in ["ironlog-server", "ironlog-consumer"] {
        if !bin_dir.join(bin).is_file() {
            bail!(
                "{} is missing: build it first (scripts/build.sh; cargo build --release -p consumer)",
                bin_dir.join(bin).display()
            );
        }
    }
    Ok(())
}
