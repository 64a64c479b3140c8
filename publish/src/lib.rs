//! What `ironlog-publish` shares with its tests: how it configures the AWS SDK.

pub mod aws;
