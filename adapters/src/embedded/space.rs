//! Free space on the data directory's filesystem: the embedded store's writes fail when it
//! is gone, so readiness and the operator's warnings look at it.

use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Free and total bytes of the filesystem holding `dir`, as an unprivileged writer sees them.
pub fn space(dir: &Path) -> io::Result<(u64, u64)> {
    let path = CString::new(dir.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a NUL in the path"))?;
    // SAFETY: statvfs writes into the zeroed struct we pass, which lives for the call, and
    // reads the NUL-terminated path.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(path.as_ptr(), &mut stat) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // The fields' types differ between platforms (32 or 64 bits).
    #[allow(clippy::unnecessary_cast)]
    let block = (stat.f_frsize as u64).max(1);
    #[allow(clippy::unnecessary_cast)]
    Ok((
        (stat.f_bavail as u64).saturating_mul(block),
        (stat.f_blocks as u64).saturating_mul(block),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_space_of_a_real_directory_is_read() {
        let (free, total) = space(Path::new(".")).unwrap();
        assert!(total > 0 && free <= total);
        assert!(space(Path::new("/no/such/dir")).is_err());
    }
}
