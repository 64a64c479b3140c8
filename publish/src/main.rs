//! `ironlog-publish`: puts the built site on S3 for CloudFront (README, "Static assets on S3
//! and CloudFront"). Credentials and region come from the standard AWS chain (environment,
//! profile, SSO, web identity, instance role); `AWS_ENDPOINT_URL` or `--endpoint-url` points
//! it at another S3/CloudFront (a test server).

mod bucket;
mod cdn;
mod index;
mod release;

use std::path::PathBuf;

use anyhow::{Context, Result};
use assets::Site;
use clap::Parser;

use crate::bucket::Bucket;
use crate::cdn::Distribution;

#[derive(Debug, Parser)]
#[command(name = "ironlog-publish", version, about)]
struct Args {
    /// The built site (scripts/build.sh).
    #[arg(long, env = "IRONLOG_PUBLISH_SITE", default_value = "target/site")]
    site: PathBuf,
    /// The assets bucket (the CloudFormation stack's BucketName output).
    #[arg(long, env = "IRONLOG_PUBLISH_BUCKET")]
    bucket: String,
    /// The CloudFront distribution to invalidate changed stable paths on (DistributionId).
    #[arg(long, env = "IRONLOG_PUBLISH_DISTRIBUTION")]
    distribution: Option<String>,
    /// How many releases to keep: pages open in browsers, and the previous service worker,
    /// still load the files of the releases before this one.
    #[arg(long, env = "IRONLOG_PUBLISH_KEEP_RELEASES", default_value_t = 10,
          value_parser = clap::value_parser!(u16).range(2..=1000))]
    keep_releases: u16,
    /// Another S3 and CloudFront endpoint (also AWS_ENDPOINT_URL); addresses buckets by path.
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    endpoint_url: Option<String>,
    /// Also write the summary as JSON to this file.
    #[arg(long)]
    report: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let site = Site::scan(&args.site).context("reading the site")?;
    eprintln!(
        "publishing {} ({} files, release {}) to s3://{}",
        args.site.display(),
        site.files.len(),
        site.release,
        args.bucket
    );

    let mut loader = publish::aws::config_loader();
    if let Some(url) = &args.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    let s3_config = aws_sdk_s3::config::Builder::from(&config)
        .force_path_style(args.endpoint_url.is_some())
        .build();
    let bucket = Bucket::new(
        aws_sdk_s3::Client::from_conf(s3_config),
        args.bucket.clone(),
    );
    let distribution = args
        .distribution
        .clone()
        .map(|id| Distribution::new(aws_sdk_cloudfront::Client::new(&config), id));

    let summary = release::publish(
        &site,
        &bucket,
        distribution.as_ref(),
        usize::from(args.keep_releases),
    )
    .await?;
    eprintln!(
        "done in {:.1} s: release {}, {} uploaded ({} bytes), {} copied in S3, {} unchanged, {} stable paths changed, {} releases pruned",
        summary.seconds,
        summary.release,
        summary.uploaded.len(),
        summary.bytes_uploaded,
        summary.copied.len(),
        summary.unchanged,
        summary.invalidated.len(),
        summary.pruned.len()
    );
    if let Some(path) = &args.report {
        std::fs::write(path, serde_json::to_vec_pretty(&summary)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
