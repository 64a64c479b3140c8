//! The S3 side: what is there, and the four things done to it.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, MetadataDirective, ObjectIdentifier};
use aws_sdk_s3::Client;

use crate::index::{Index, INDEX_KEY};

/// The user metadata key holding an object's SHA-256 (S3's ETag is not a content hash for
/// multipart uploads or KMS-encrypted objects).
const SHA256: &str = "sha256";

pub struct Bucket {
    client: Client,
    name: String,
}

impl Bucket {
    pub fn new(client: Client, name: String) -> Self {
        Self { client, name }
    }

    /// The SHA-256 recorded on the object at `key`, or `None` if there is no such object.
    pub async fn sha256_of(&self, key: &str) -> Result<Option<String>> {
        match self
            .client
            .head_object()
            .bucket(&self.name)
            .key(key)
            .send()
            .await
        {
            Ok(head) => Ok(Some(
                head.metadata()
                    .and_then(|m: &HashMap<String, String>| m.get(SHA256).cloned())
                    .unwrap_or_default(),
            )),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(None),
            Err(e) => Err(e).with_context(|| format!("HEAD s3://{}/{key}", self.name)),
        }
    }

    pub async fn upload(
        &self,
        key: &str,
        source: &Path,
        content_type: &str,
        cache_control: &str,
        sha256: &str,
    ) -> Result<()> {
        let body = ByteStream::from_path(source)
            .await
            .with_context(|| format!("reading {}", source.display()))?;
        self.client
            .put_object()
            .bucket(&self.name)
            .key(key)
            .body(body)
            .content_type(content_type)
            .cache_control(cache_control)
            .metadata(SHA256, sha256)
            .send()
            .await
            .with_context(|| format!("PUT s3://{}/{key}", self.name))?;
        Ok(())
    }

    /// A server-side copy: the bytes never leave S3; type, caching and hash come along.
    pub async fn copy(&self, from: &str, to: &str) -> Result<()> {
        self.client
            .copy_object()
            .bucket(&self.name)
            .copy_source(format!("{}/{}", self.name, from))
            .key(to)
            .metadata_directive(MetadataDirective::Copy)
            .send()
            .await
            .with_context(|| format!("COPY s3://{}/{from} to {to}", self.name))?;
        Ok(())
    }

    /// Deletes every object under `prefix`; returns how many.
    pub async fn delete_prefix(&self, prefix: &str) -> Result<usize> {
        let mut deleted = 0;
        loop {
            let page = self
                .client
                .list_objects_v2()
                .bucket(&self.name)
                .prefix(prefix)
                .send()
                .await
                .with_context(|| format!("LIST s3://{}/{prefix}", self.name))?;
            let ids = page
                .contents()
                .iter()
                .filter_map(|o| o.key())
                .map(|k| ObjectIdentifier::builder().key(k).build())
                .collect::<Result<Vec<_>, _>>()?;
            if ids.is_empty() {
                return Ok(deleted);
            }
            deleted += ids.len();
            let batch = Delete::builder()
                .set_objects(Some(ids))
                .quiet(true)
                .build()?;
            self.client
                .delete_objects()
                .bucket(&self.name)
                .delete(batch)
                .send()
                .await
                .with_context(|| format!("DELETE s3://{}/{prefix}…", self.name))?;
        }
    }

    /// The release index, empty when the bucket has none yet.
    pub async fn read_index(&self) -> Result<Index> {
        let got = self
            .client
            .get_object()
            .bucket(&self.name)
            .key(INDEX_KEY)
            .send()
            .await;
        let object = match got {
            Ok(o) => o,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => {
                return Ok(Index::default())
            }
            Err(e) => return Err(e).with_context(|| format!("GET s3://{}/{INDEX_KEY}", self.name)),
        };
        let bytes = object.body.collect().await?.into_bytes();
        serde_json::from_slice(&bytes)
            .with_context(|| format!("s3://{}/{INDEX_KEY} is not a release index", self.name))
    }

    pub async fn write_index(&self, index: &Index) -> Result<()> {
        self.client
            .put_object()
            .bucket(&self.name)
            .key(INDEX_KEY)
            .body(ByteStream::from(serde_json::to_vec_pretty(index)?))
            .content_type("application/json")
            .cache_control("no-store")
            .send()
            .await
            .with_context(|| format!("PUT s3://{}/{INDEX_KEY}", self.name))?;
        Ok(())
    }
}
