//! The bucket's record of published releases (`_ironlog/releases.json`), newest first: which
//! files each holds, so a new release can copy unchanged files from an earlier one inside S3
//! and old releases can be pruned. Pages never load it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub const INDEX_KEY: &str = "_ironlog/releases.json";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub releases: Vec<Release>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    pub id: String,
    /// RFC 3339, when this release was last published.
    pub published_at: String,
    /// Object key → SHA-256 of its content.
    pub files: BTreeMap<String, String>,
}

impl Index {
    /// An earlier object with this content, if one is recorded.
    pub fn object_with(&self, sha256: &str) -> Option<&str> {
        self.releases.iter().find_map(|r| {
            r.files
                .iter()
                .find(|(_, sha)| sha.as_str() == sha256)
                .map(|(key, _)| key.as_str())
        })
    }

    /// Puts `release` first (replacing an earlier record of the same id) and returns the
    /// releases beyond the `keep` newest, removed from the index.
    pub fn record(&mut self, release: Release, keep: usize) -> Vec<Release> {
        self.releases.retain(|r| r.id != release.id);
        self.releases.insert(0, release);
        let keep = keep.max(1);
        if self.releases.len() > keep {
            self.releases.split_off(keep)
        } else {
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(id: &str, files: &[(&str, &str)]) -> Release {
        Release {
            id: id.into(),
            published_at: "2026-12-01T00:00:00Z".into(),
            files: files
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
        }
    }

    #[test]
    fn the_newest_releases_are_kept_and_a_republished_one_moves_first() {
        let mut index = Index::default();
        for id in ["a", "b", "c"] {
            assert!(index.record(release(id, &[]), 3).is_empty());
        }
        let pruned = index.record(release("d", &[]), 3);
        assert_eq!(
            pruned.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["a"]
        );
        let ids = |i: &Index| i.releases.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&index), ["d", "c", "b"]);
        // Publishing "b" again (a rollback) keeps it, now newest.
        assert!(index.record(release("b", &[]), 3).is_empty());
        assert_eq!(ids(&index), ["b", "d", "c"]);
        // Never fewer than one: the release just published.
        assert_eq!(index.record(release("e", &[]), 0).len(), 3);
        assert_eq!(ids(&index), ["e"]);
    }

    #[test]
    fn an_unchanged_file_is_found_in_an_earlier_release() {
        let mut index = Index::default();
        index.record(
            release("a", &[("pkg/a/x.js", "111"), ("pkg/a/y.wasm", "222")]),
            5,
        );
        assert_eq!(index.object_with("222"), Some("pkg/a/y.wasm"));
        assert_eq!(index.object_with("333"), None);
    }
}
