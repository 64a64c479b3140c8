//! `ironlog-publish` against moto (a local S3 and CloudFront) with the real built site:
//! every object's headers, nothing uploaded twice, only what changed uploaded, earlier
//! releases kept and old ones pruned, and only unhashed paths invalidated.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use assets::{CacheClass, Site};
use aws_sdk_cloudfront::types::{
    DefaultCacheBehavior, DistributionConfig, Origin, Origins, S3OriginConfig, ViewerProtocolPolicy,
};
use serde_json::Value;
use testkit::Moto;

const BUCKET: &str = "ironlog-assets";

async fn config(moto: &Moto) -> aws_config::SdkConfig {
    publish::aws::config_loader()
        .endpoint_url(moto.endpoint())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .load()
        .await
}

fn s3(config: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config)
            .force_path_style(true)
            .build(),
    )
}

async fn distribution(cf: &aws_sdk_cloudfront::Client) -> String {
    let origin = Origin::builder()
        .id("assets")
        .domain_name(format!("{BUCKET}.s3.us-east-1.amazonaws.com"))
        .s3_origin_config(S3OriginConfig::builder().origin_access_identity("").build())
        .build()
        .unwrap();
    let config = DistributionConfig::builder()
        .caller_reference("ironlog-publish-test")
        .comment("test")
        .enabled(true)
        .origins(
            Origins::builder()
                .quantity(1)
                .items(origin)
                .build()
                .unwrap(),
        )
        .default_cache_behavior(
            DefaultCacheBehavior::builder()
                .target_origin_id("assets")
                .viewer_protocol_policy(ViewerProtocolPolicy::HttpsOnly)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let out = cf
        .create_distribution()
        .distribution_config(config)
        .send()
        .await
        .expect("a distribution");
    out.distribution().unwrap().id().to_owned()
}

/// The built site (the README's test command builds it before the tests), copied so this
/// test can change it.
fn site_copy() -> tempfile::TempDir {
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/site");
    assert!(
        built.join("pkg").is_dir(),
        "{} is not built: scripts/build.sh",
        built.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", built.display()))
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    dir
}

/// Runs the publisher; returns its JSON report and what it printed.
fn publish(moto: &Moto, site: &Path, distribution: &str, keep: u16) -> (Value, String) {
    let report = tempfile::NamedTempFile::new().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ironlog-publish"))
        .envs(moto.env())
        .args(["--site", &site.display().to_string(), "--bucket", BUCKET])
        .args(["--distribution", distribution])
        .args(["--keep-releases", &keep.to_string()])
        .arg("--report")
        .arg(report.path())
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "ironlog-publish failed:\n{printed}");
    let report: Value = serde_json::from_slice(&std::fs::read(report.path()).unwrap()).unwrap();
    (report, printed)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

async fn exists(s3: &aws_sdk_s3::Client, key: &str) -> bool {
    s3.head_object()
        .bucket(BUCKET)
        .key(key)
        .send()
        .await
        .is_ok()
}

fn append(path: PathBuf, text: &str) {
    let mut content = std::fs::read(&path).unwrap();
    content.extend_from_slice(text.as_bytes());
    std::fs::write(path, content).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_site_is_published_once_with_its_headers_and_only_changes_follow() {
    testkit::full_tier!("moto (a local S3 and CloudFront)");
    let moto = Moto::start().expect("moto");
    let config = config(&moto).await;
    let s3 = s3(&config);
    let cf = aws_sdk_cloudfront::Client::new(&config);
    s3.create_bucket().bucket(BUCKET).send().await.unwrap();
    let dist = distribution(&cf).await;
    let dir = site_copy();

    // 1. A first publish uploads every file, with its type, caching and hash.
    let first = Site::scan(dir.path()).unwrap();
    let (report, printed) = publish(&moto, dir.path(), &dist, 2);
    assert_eq!(report["release"], first.release);
    assert_eq!(
        strings(&report["uploaded"]).len(),
        first.files.len(),
        "{printed}"
    );
    assert!(
        printed.contains(&format!("[{}/{}]", first.files.len(), first.files.len())),
        "progress: {printed}"
    );
    let mut types = BTreeMap::new();
    for file in &first.files {
        let key = first.key(file);
        let head = s3
            .head_object()
            .bucket(BUCKET)
            .key(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(head.content_type(), Some(file.content_type), "{key}");
        let immutable = "public, max-age=31536000, immutable";
        match file.cache_class() {
            CacheClass::Immutable => {
                assert!(key.starts_with(&format!("{}/pkg/", first.release)), "{key}");
                assert_eq!(head.cache_control(), Some(immutable), "{key}");
            }
            CacheClass::Revalidate => {
                assert!(!key.contains("pkg/"), "{key}");
                assert_ne!(head.cache_control(), Some(immutable), "{key}");
            }
        }
        assert_eq!(head.content_length(), Some(file.len as i64), "{key}");
        assert_eq!(
            head.metadata().and_then(|m| m.get("sha256")),
            Some(&file.sha256),
            "{key}"
        );
        types.insert(key, head.content_type().unwrap_or_default().to_owned());
    }
    let wasm = format!("{}/pkg/ironlog.wasm", first.release);
    assert_eq!(
        types.get(&wasm).map(String::as_str),
        Some("application/wasm")
    );
    let body = s3
        .get_object()
        .bucket(BUCKET)
        .key(&wasm)
        .send()
        .await
        .unwrap();
    let bytes = body.body.collect().await.unwrap().into_bytes();
    assert_eq!(
        bytes.as_ref(),
        std::fs::read(dir.path().join("pkg/ironlog.wasm")).unwrap()
    );
    for path in strings(&report["invalidated"]) {
        assert!(
            !path.starts_with("/pkg/"),
            "a content-addressed path invalidated: {path}"
        );
    }

    // 2. Again: nothing uploaded, copied or invalidated.
    let (again, _) = publish(&moto, dir.path(), &dist, 2);
    assert!(strings(&again["uploaded"]).is_empty(), "{again}");
    assert!(strings(&again["copied"]).is_empty(), "{again}");
    assert!(strings(&again["invalidated"]).is_empty(), "{again}");
    assert_eq!(again["unchanged"], first.files.len());
    assert!(again["invalidation_id"].is_null());

    // 3. One file of the release changed: a new release; only that file leaves this machine,
    // the others are copied inside S3; the previous release stays; nothing is invalidated.
    append(dir.path().join("pkg/ironlog.css"), "\n/* changed */\n");
    let second = Site::scan(dir.path()).unwrap();
    assert_ne!(second.release, first.release);
    let (changed, _) = publish(&moto, dir.path(), &dist, 2);
    assert_eq!(
        strings(&changed["uploaded"]),
        [format!("{}/pkg/ironlog.css", second.release)]
    );
    let pkg_files = second.files.iter().filter(|f| f.in_pkg()).count();
    assert_eq!(strings(&changed["copied"]).len(), pkg_files - 1);
    assert!(strings(&changed["invalidated"]).is_empty());
    assert!(exists(&s3, &wasm).await, "the previous release is kept");

    // 4. A stable (unhashed) file changed: uploaded and invalidated, and only it.
    append(dir.path().join("manifest.webmanifest"), " ");
    let (stable, _) = publish(&moto, dir.path(), &dist, 2);
    assert_eq!(strings(&stable["uploaded"]), ["manifest.webmanifest"]);
    assert_eq!(strings(&stable["invalidated"]), ["/manifest.webmanifest"]);
    let id = stable["invalidation_id"].as_str().expect("an invalidation");
    let inv = cf
        .get_invalidation()
        .distribution_id(&dist)
        .id(id)
        .send()
        .await
        .unwrap();
    let paths = inv
        .invalidation()
        .and_then(|i| i.invalidation_batch())
        .and_then(|b| b.paths())
        .map(|p| p.items().to_vec())
        .unwrap_or_default();
    assert_eq!(paths, ["/manifest.webmanifest"]);

    // 5. A third release with two kept: the first is pruned, whole.
    append(dir.path().join("pkg/ironlog.css"), "/* again */\n");
    let third = Site::scan(dir.path()).unwrap();
    let (pruning, _) = publish(&moto, dir.path(), &dist, 2);
    assert_eq!(
        strings(&pruning["pruned"]),
        std::slice::from_ref(&first.release)
    );
    assert!(!exists(&s3, &wasm).await, "the oldest release is gone");
    assert!(exists(&s3, &format!("{}/pkg/ironlog.wasm", second.release)).await);
    assert!(exists(&s3, &format!("{}/pkg/ironlog.wasm", third.release)).await);
}

#[test]
fn bad_input_is_a_clear_error() {
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_ironlog-publish"))
            .args(args)
            .env_remove("IRONLOG_PUBLISH_BUCKET")
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?} succeeded");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let dir = tempfile::tempdir().unwrap();
    let not_site = dir.path().display().to_string();
    assert!(run(&["--site", &not_site, "--bucket", "b"]).contains("is it a built site"));
    assert!(run(&["--site", &not_site]).contains("--bucket"));
    assert!(
        run(&["--site", &not_site, "--bucket", "b", "--keep-releases", "1"])
            .contains("keep-releases")
    );
}
