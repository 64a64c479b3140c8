//! What `ironlog-publish` shares with its tests: how it configures the AWS SDK.
//!
//! # Layout
//!
//! - `aws` (this library): the SDK's configuration.
//! - The binary's own modules, beside `main.rs`: `release` (one publish: upload, copy inside
//!   S3, skip, prune, invalidate), `bucket` (S3), `cdn` (CloudFront invalidations), `index`
//!   (the releases kept, `_ironlog/releases.json`).

pub mod aws;
