//! One publish: the release's files uploaded (or copied inside S3 from an earlier release, or
//! left alone when already there), the other files replaced where they changed, the index
//! updated, old releases pruned, changed stable paths invalidated.

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::{bail, Result};
use assets::{cache_control, Site, SiteFile};
use serde::Serialize;

use crate::bucket::Bucket;
use crate::cdn::Distribution;
use crate::index::Release;

/// What a publish did, printed at the end and written with `--report`.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub release: String,
    pub files: usize,
    pub uploaded: Vec<String>,
    pub bytes_uploaded: u64,
    pub copied: Vec<String>,
    pub unchanged: usize,
    pub invalidated: Vec<String>,
    pub invalidation_id: Option<String>,
    pub pruned: Vec<String>,
    pub seconds: f64,
}

pub async fn publish(
    site: &Site,
    bucket: &Bucket,
    distribution: Option<&Distribution>,
    keep: usize,
) -> Result<Summary> {
    let started = Instant::now();
    let mut summary = Summary {
        release: site.release.clone(),
        files: site.files.len(),
        ..Summary::default()
    };
    let mut index = bucket.read_index().await?;
    // The release's files first: the stable files may name them.
    let mut files: Vec<&SiteFile> = site.files.iter().collect();
    files.sort_by_key(|f| !f.in_pkg());
    let width = files.len().to_string().len();
    let mut recorded = BTreeMap::new();
    for (i, file) in files.iter().enumerate() {
        let key = site.key(file);
        let n = i + 1;
        let total = files.len();
        if file.in_pkg() {
            recorded.insert(key.clone(), file.sha256.clone());
        }
        if bucket.sha256_of(&key).await?.as_deref() == Some(file.sha256.as_str()) {
            eprintln!("[{n:>width$}/{total}] unchanged {key}");
            summary.unchanged += 1;
            continue;
        }
        let earlier = file
            .in_pkg()
            .then(|| index.object_with(&file.sha256))
            .flatten()
            .map(str::to_owned);
        if let Some(from) = earlier {
            if bucket.copy(&from, &key).await.is_ok() {
                eprintln!("[{n:>width$}/{total}] copied    {key} (from {from})");
                summary.copied.push(key);
                continue;
            }
            // The index named an object that is gone: send the file itself.
        }
        bucket
            .upload(
                &key,
                &file.source,
                file.content_type,
                cache_control(file.cache_class()),
                &file.sha256,
            )
            .await?;
        eprintln!(
            "[{n:>width$}/{total}] uploaded  {key} ({}, {})",
            human(file.len),
            file.content_type
        );
        summary.bytes_uploaded += file.len;
        if !file.in_pkg() {
            summary.invalidated.push(format!("/{key}"));
        }
        summary.uploaded.push(key);
    }

    let release = Release {
        id: site.release.clone(),
        published_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        files: recorded,
    };
    let pruned = index.record(release, keep);
    bucket.write_index(&index).await?;
    for old in pruned {
        if !is_release_id(&old.id) {
            bail!("the index names a release {:?}, which is not a release id: not deleting anything under it", old.id);
        }
        let deleted = bucket.delete_prefix(&format!("{}/", old.id)).await?;
        eprintln!("pruned release {} ({deleted} objects)", old.id);
        summary.pruned.push(old.id);
    }

    if !summary.invalidated.is_empty() {
        match distribution {
            Some(d) => {
                let reference = format!("ironlog-publish-{}-{}", site.release, chrono::Utc::now().timestamp_millis());
                let id = d.invalidate(&summary.invalidated, &reference).await?;
                eprintln!("invalidated {} paths ({id}): {}", summary.invalidated.len(), summary.invalidated.join(" "));
                summary.invalidation_id = Some(id);
            }
            None => eprintln!(
                "warning: {} stable paths changed but no distribution was given: nothing invalidated",
                summary.invalidated.len()
            ),
        }
    }
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

fn is_release_id(id: &str) -> bool {
    id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

fn human(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_looks_like_a_release_id_is_ever_pruned() {
        assert!(is_release_id("0123456789abcdef"));
        for bad in [
            "",
            "..",
            "0123456789abcde",
            "0123456789abcdeg",
            "a/b/../../x12345",
        ] {
            assert!(!is_release_id(bad), "{bad}");
        }
    }
}
