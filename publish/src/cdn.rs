//! The CloudFront side: invalidating the paths whose content changed under the same name.

use anyhow::{Context, Result};
use aws_sdk_cloudfront::types::{InvalidationBatch, Paths};
use aws_sdk_cloudfront::Client;

pub struct Distribution {
    client: Client,
    id: String,
}

impl Distribution {
    pub fn new(client: Client, id: String) -> Self {
        Self { client, id }
    }

    /// Invalidates `paths` (each starting with `/`); returns the invalidation's id.
    pub async fn invalidate(&self, paths: &[String], reference: &str) -> Result<String> {
        let quantity = i32::try_from(paths.len()).context("too many paths")?;
        let batch = InvalidationBatch::builder()
            .caller_reference(reference)
            .paths(
                Paths::builder()
                    .quantity(quantity)
                    .set_items(Some(paths.to_vec()))
                    .build()?,
            )
            .build()?;
        let out = self
            .client
            .create_invalidation()
            .distribution_id(&self.id)
            .invalidation_batch(batch)
            .send()
            .await
            .with_context(|| {
                format!(
                    "invalidating {} paths on distribution {}",
                    paths.len(),
                    self.id
                )
            })?;
        Ok(out
            .invalidation()
            .map(|i| i.id().to_owned())
            .unwrap_or_default())
    }
}
