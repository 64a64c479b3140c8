//! One typed configuration, from flags or the environment (12-factor), parsed and checked by
//! `clap` at start-up. Secrets (the MongoDB and RabbitMQ URIs, which hold passwords) come only
//! from the environment or a file named by `<NAME>_FILE`, never from flags, and are held as
//! `secrecy` strings whose `Debug` output shows nothing.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

use adapters::secrets::{secret, SecretError};
use adapters::tls::TlsFiles;
use axum::http::HeaderName;
use clap::Parser;
use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretString};

use crate::auth::proxy::{ProxyConfig, ProxyConfigError, DEFAULT_HEADER};
use crate::import_jobs::ImportCaps;
use crate::limits::LimitConfig;
use crate::serve::ConnectionLimits;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("set both MONGODB_URI and AMQP_URL for the distributed mode, or neither for the embedded one (only {0} is set)")]
    HalfDistributed(&'static str),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Proxy(#[from] ProxyConfigError),
    #[error(transparent)]
    Flags(#[from] clap::Error),
}

/// The flags and variables, as `clap` reads them; [`Config`] is what the server runs with.
#[derive(Parser)]
#[command(
    name = "ironlog-server",
    version,
    about = "Ironlog's web server: pages, JSON API, health and metrics. With neither MONGODB_URI nor AMQP_URL set it runs everything in-process on an embedded store.",
    after_help = "Secrets: MONGODB_URI and AMQP_URL (comma-separated amqp:// or amqps:// addresses) are read from the environment, or from the file named by MONGODB_URI_FILE / AMQP_URL_FILE; never from flags."
)]
pub struct Flags {
    /// Where to listen.
    #[arg(long, env = "LEPTOS_SITE_ADDR", default_value = "127.0.0.1:3000")]
    site_addr: SocketAddr,
    /// Where Prometheus metrics are served at /metrics (e.g. 0.0.0.0:9186 in a pod); unset:
    /// not served. Never on the app's own address, which the public reaches.
    #[arg(long, env = "IRONLOG_METRICS_ADDR")]
    metrics_addr: Option<SocketAddr>,
    /// Embedded mode's data directory (store and queue in one redb file).
    #[arg(long, env = "IRONLOG_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
    /// How long a publish may wait for the broker's confirm before the API answers 503 (ms).
    #[arg(long, env = "IRONLOG_PUBLISH_TIMEOUT_MS", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(1..=60_000))]
    publish_timeout_ms: u64,
    /// Where browsers reach Ironlog, e.g. https://ironlog.example; https:// turns on Secure
    /// cookies and HSTS, and cross-site checks compare against it.
    #[arg(long, env = "IRONLOG_PUBLIC_URL", value_parser = parse_public_url)]
    public_url: Option<String>,
    /// Where the built site's files are published (ironlog-publish: the CloudFront
    /// distribution, e.g. https://d111111abcdef8.cloudfront.net): pages load their scripts,
    /// Wasm and CSS from there. Unset: from this server.
    #[arg(long, env = "IRONLOG_ASSETS_URL", value_parser = parse_assets_url)]
    assets_url: Option<AssetsUrl>,
    /// Sign-ups and log-ins per client address per minute.
    #[arg(long, env = "IRONLOG_AUTH_PER_IP_PER_MINUTE", default_value_t = 30, value_parser = count())]
    auth_per_ip_per_minute: u32,
    /// Log-ins per account from one client address per minute.
    #[arg(long, env = "IRONLOG_LOGIN_PER_ACCOUNT_PER_MINUTE", default_value_t = 10, value_parser = count())]
    login_per_account_per_minute: u32,
    /// Log-ins per account from all addresses together per minute: a ceiling well above the
    /// per-client limit, so a guesser at one address cannot lock the owner out.
    #[arg(long, env = "IRONLOG_LOGIN_ACCOUNT_CEILING_PER_MINUTE", default_value_t = 100, value_parser = count())]
    login_account_ceiling_per_minute: u32,
    /// Logged workouts per user per second, sustained.
    #[arg(long, env = "IRONLOG_WRITES_PER_SECOND", default_value_t = 10, value_parser = count())]
    writes_per_second: u32,
    /// Logged workouts a user may send at once.
    #[arg(long, env = "IRONLOG_WRITE_BURST", default_value_t = 100, value_parser = count())]
    write_burst: u32,
    /// New sessions one import may bring; a larger file is refused whole.
    #[arg(long, env = "IRONLOG_MAX_IMPORT_SESSIONS", default_value_t = 5_000, value_parser = count())]
    max_import_sessions: u32,
    /// Sessions one account's history may hold through imports.
    #[arg(long, env = "IRONLOG_MAX_ACCOUNT_SESSIONS", default_value_t = 20_000, value_parser = count())]
    max_account_sessions: u32,
    /// Imported sessions per user per hour (each session is charged, not each file).
    #[arg(long, env = "IRONLOG_IMPORT_SESSIONS_PER_HOUR", default_value_t = 10_000, value_parser = count())]
    import_sessions_per_hour: u32,
    /// Seconds a validated session is trusted before the store is asked again: the bound on
    /// how long a log-out takes to reach the other servers.
    #[arg(long, env = "IRONLOG_SESSION_RECHECK_SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    session_recheck_secs: u64,
    /// Addresses or networks (comma-separated, e.g. 10.0.0.0/8,127.0.0.1) of the proxies in
    /// front of Ironlog whose Forwarded / X-Forwarded-For headers are believed. Nobody else's
    /// are: without this, the client is the TCP peer.
    #[arg(long, env = "IRONLOG_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_net)]
    trusted_proxies: Vec<IpNet>,
    /// Open connections in all; more are closed at once (idle ones are closed first to make
    /// room). The process's open-file limit must exceed it (checked at start).
    #[arg(long, env = "IRONLOG_MAX_CONNECTIONS", default_value_t = 768,
          value_parser = clap::value_parser!(u32).range(8..=1_000_000))]
    max_connections: u32,
    /// Open connections from one client address (trusted proxies are exempt).
    #[arg(long, env = "IRONLOG_MAX_CONNECTIONS_PER_CLIENT", default_value_t = 64, value_parser = count())]
    max_connections_per_client: u32,
    /// Seconds from a request's first byte to its complete head before the connection is
    /// closed (slow or trickling clients).
    #[arg(long, env = "IRONLOG_HEADER_READ_TIMEOUT_SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=300))]
    header_read_timeout_secs: u64,
    /// Seconds a connection may sit idle (no request in progress, nothing received) before it
    /// is closed.
    #[arg(long, env = "IRONLOG_IDLE_TIMEOUT_SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    idle_timeout_secs: u64,
    /// Trusted-proxy identity: the JWKS or PEM file of the keys the proxy signs identities with.
    #[arg(long, env = "IRONLOG_TRUSTED_PROXY_KEYS_FILE")]
    trusted_proxy_keys_file: Option<PathBuf>,
    /// Trusted-proxy identity: the token's required issuer.
    #[arg(long, env = "IRONLOG_TRUSTED_PROXY_ISSUER")]
    trusted_proxy_issuer: Option<String>,
    /// Trusted-proxy identity: accepted audiences, comma-separated.
    #[arg(long, env = "IRONLOG_TRUSTED_PROXY_AUDIENCE", value_delimiter = ',')]
    trusted_proxy_audience: Vec<String>,
    /// Trusted-proxy identity: the header carrying the token.
    #[arg(long, env = "IRONLOG_TRUSTED_PROXY_HEADER", default_value = DEFAULT_HEADER)]
    trusted_proxy_header: String,
    #[command(subcommand)]
    command: Option<Command>,
}

/// What the process does instead of serving.
#[derive(clap::Subcommand, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Rebuilds every user's read model (plan and analytics) from the stored history, then
    /// exits. The consumers (and the embedded server) rebuild models of an older version by
    /// themselves on start; this is for a repair. Embedded: run it while the server is stopped (the store is one
    /// file, open in one process). Distributed: run it beside the running stack.
    RebuildReadModels,
}

fn count() -> clap::builder::RangedI64ValueParser<u32> {
    clap::value_parser!(u32).range(1..=1_000_000)
}

fn parse_net(v: &str) -> Result<IpNet, String> {
    let v = v.trim();
    v.parse::<IpNet>()
        .or_else(|_| v.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{v:?} is not an IP address or network like 10.0.0.0/8"))
}

/// An http(s) URL without credentials, query or fragment: its lower-cased
/// `scheme://host[:port]` and its path without the trailing `/`; `None` for anything else.
fn http_url(v: &str) -> Option<(String, String)> {
    let uri: axum::http::Uri = v.trim().parse().ok()?;
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let authority = uri.authority()?.as_str().to_ascii_lowercase();
    ((scheme == "http" || scheme == "https")
        && uri.query().is_none()
        && !v.contains('#')
        && !authority.contains('@'))
    .then(|| {
        (
            format!("{scheme}://{authority}"),
            uri.path().trim_end_matches('/').to_owned(),
        )
    })
}

/// `IRONLOG_ASSETS_URL`: where the site's files are published, and the origin that is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetsUrl {
    /// The URL without its trailing `/`.
    pub url: String,
    /// Its `scheme://host[:port]`, for the CSP.
    pub origin: String,
}

/// An http(s) URL with an optional path, without its trailing `/`.
fn parse_assets_url(v: &str) -> Result<AssetsUrl, String> {
    http_url(v).map(|(origin, path)| AssetsUrl { url: format!("{origin}{path}"), origin }).ok_or_else(|| {
        format!("{v:?} is not an http:// or https:// URL without a query, like https://d111111abcdef8.cloudfront.net")
    })
}

/// `scheme://host[:port]` of an http(s) URL with no path beyond `/`.
fn parse_public_url(v: &str) -> Result<String, String> {
    http_url(v)
        .filter(|(_, path)| path.is_empty())
        .map(|(origin, _)| origin)
        .ok_or_else(|| {
            format!("{v:?} is not an http:// or https:// URL with no path, like https://ironlog.example")
        })
}

#[derive(Debug, Clone)]
pub enum Mode {
    /// No services: redb store and queue under `data_dir`, worker in-process.
    Embedded { data_dir: PathBuf },
    /// RabbitMQ for writes, MongoDB for reads; a separate consumer persists.
    Distributed {
        amqp_url: SecretString,
        mongodb_uri: SecretString,
        /// `IRONLOG_AMQP_CA_FILE`, `IRONLOG_AMQP_CERT_KEY_FILE`.
        amqp_tls: TlsFiles,
        /// `IRONLOG_MONGODB_CA_FILE`, `IRONLOG_MONGODB_CERT_KEY_FILE`.
        mongodb_tls: TlsFiles,
    },
}

impl Mode {
    /// A one-line description safe for logs.
    pub fn describe(&self) -> String {
        match self {
            Mode::Embedded { data_dir } => format!("embedded (data in {})", data_dir.display()),
            Mode::Distributed { amqp_url, .. } => {
                let nodes = amqp_url
                    .expose_secret()
                    .split(',')
                    .filter(|s| !s.trim().is_empty())
                    .count();
                format!("distributed ({nodes} broker address(es), MongoDB)")
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub mode: Mode,
    pub site_addr: SocketAddr,
    pub metrics_addr: Option<SocketAddr>,
    /// How long a publish may wait for the broker's confirm before the API answers 503.
    pub publish_timeout: Duration,
    /// `IRONLOG_PUBLIC_URL` reduced to `scheme://host[:port]`.
    pub public_origin: Option<String>,
    /// `IRONLOG_ASSETS_URL`.
    pub assets_url: Option<AssetsUrl>,
    pub limits: LimitConfig,
    pub import_caps: ImportCaps,
    pub session_recheck: Duration,
    /// Peers whose forwarding headers name the client.
    pub trusted_proxies: Vec<IpNet>,
    /// Trusted-proxy identity mode, when `IRONLOG_TRUSTED_PROXY_KEYS_FILE` is set.
    pub trusted_proxy: Option<ProxyConfig>,
    pub connections: ConnectionLimits,
    /// A command to run instead of serving.
    pub command: Option<Command>,
}

fn nonzero(n: u32) -> NonZeroU32 {
    // The parsers' ranges start at 1.
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

impl Config {
    /// The process's flags and environment.
    pub fn load() -> Result<Self, ConfigError> {
        Self::from_flags(Flags::try_parse()?)
    }

    /// Flags given as arguments (the environment still fills the rest), e.g. from a test.
    pub fn from_args<I, T>(args: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        Self::from_flags(Flags::try_parse_from(args)?)
    }

    fn from_flags(f: Flags) -> Result<Self, ConfigError> {
        let secret = |name| secret(name).map(|v| v.map(SecretString::from));
        let mode = match (secret("MONGODB_URI")?, secret("AMQP_URL")?) {
            (None, None) => Mode::Embedded {
                data_dir: f.data_dir,
            },
            (Some(mongodb_uri), Some(amqp_url)) => Mode::Distributed {
                amqp_url,
                mongodb_uri,
                amqp_tls: TlsFiles::from_env("AMQP"),
                mongodb_tls: TlsFiles::from_env("MONGODB"),
            },
            (Some(_), None) => return Err(ConfigError::HalfDistributed("MONGODB_URI")),
            (None, Some(_)) => return Err(ConfigError::HalfDistributed("AMQP_URL")),
        };
        let trusted_proxy = match f.trusted_proxy_keys_file {
            None => None,
            Some(keys_file) => {
                let issuer = f
                    .trusted_proxy_issuer
                    .filter(|i| !i.trim().is_empty())
                    .ok_or(ProxyConfigError::Missing("IRONLOG_TRUSTED_PROXY_ISSUER"))?;
                let audiences: Vec<String> = f
                    .trusted_proxy_audience
                    .iter()
                    .map(|a| a.trim().to_owned())
                    .filter(|a| !a.is_empty())
                    .collect();
                if audiences.is_empty() {
                    return Err(ProxyConfigError::Missing("IRONLOG_TRUSTED_PROXY_AUDIENCE").into());
                }
                let header = HeaderName::from_bytes(f.trusted_proxy_header.trim().as_bytes())
                    .map_err(|_| ProxyConfigError::Header(f.trusted_proxy_header.clone()))?;
                Some(ProxyConfig {
                    header,
                    keys_file,
                    issuer: issuer.trim().to_owned(),
                    audiences,
                })
            }
        };
        Ok(Self {
            mode,
            site_addr: f.site_addr,
            metrics_addr: f.metrics_addr,
            publish_timeout: Duration::from_millis(f.publish_timeout_ms),
            public_origin: f.public_url,
            assets_url: f.assets_url,
            limits: LimitConfig {
                auth_per_ip_per_minute: nonzero(f.auth_per_ip_per_minute),
                login_per_account_per_minute: nonzero(f.login_per_account_per_minute),
                login_account_ceiling_per_minute: nonzero(f.login_account_ceiling_per_minute),
                writes_per_second: nonzero(f.writes_per_second),
                write_burst: nonzero(f.write_burst),
                import_sessions_per_hour: nonzero(f.import_sessions_per_hour),
            },
            import_caps: ImportCaps {
                per_import: f.max_import_sessions as usize,
                per_account: f.max_account_sessions as usize,
            },
            session_recheck: Duration::from_secs(f.session_recheck_secs),
            trusted_proxies: f.trusted_proxies,
            trusted_proxy,
            connections: ConnectionLimits {
                max_connections: f.max_connections as usize,
                max_per_client: f.max_connections_per_client as usize,
                header_read_timeout: Duration::from_secs(f.header_read_timeout_secs),
                idle_timeout: Duration::from_secs(f.idle_timeout_secs),
            },
            command: f.command,
        })
    }

    /// The command-line flag that sets the variable `env`, for tests and tools that hold
    /// settings as variables but start the server in-process.
    pub fn flag_for(env: &str) -> Option<String> {
        use clap::CommandFactory;
        Flags::command()
            .get_arguments()
            .find(|a| a.get_env().is_some_and(|e| e == env))
            .and_then(|a| a.get_long().map(|l| format!("--{l}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_normalised() {
        let url = |url: &str, origin: &str| AssetsUrl {
            url: url.into(),
            origin: origin.into(),
        };
        assert_eq!(
            parse_assets_url("HTTPS://CDN.example/ironlog/"),
            Ok(url("https://cdn.example/ironlog", "https://cdn.example"))
        );
        assert_eq!(
            parse_assets_url("http://127.0.0.1:9000"),
            Ok(url("http://127.0.0.1:9000", "http://127.0.0.1:9000"))
        );
        for bad in [
            "ftp://cdn.example",
            "https://cdn.example/?v=1",
            "https://u:p@cdn.example",
            "cdn.example",
            "https://cdn.example/#x",
        ] {
            assert!(parse_assets_url(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_public_url("https://Ironlog.example/").as_deref(),
            Ok("https://ironlog.example")
        );
        assert!(parse_public_url("https://ironlog.example/app").is_err());
    }

    #[test]
    fn debug_output_shows_no_password() {
        let config = Config {
            mode: Mode::Distributed {
                amqp_url: SecretString::from("amqp://ironlog:hunter2-amqp@rabbit:5672"),
                mongodb_uri: SecretString::from("mongodb://ironlog:hunter2-mongo@db/ironlog"),
                amqp_tls: TlsFiles::default(),
                mongodb_tls: TlsFiles::default(),
            },
            ..Config::from_args(["ironlog-server"]).unwrap()
        };
        let shown = format!("{config:?} {config:#?} {}", config.mode.describe());
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("Distributed"),
            "still describes the mode: {shown}"
        );
    }

    #[test]
    fn flags_are_checked_with_their_ranges() {
        let c = Config::from_args([
            "s",
            "--publish-timeout-ms",
            "250",
            "--trusted-proxies",
            "10.0.0.0/8,127.0.0.1",
        ])
        .unwrap();
        assert_eq!(c.publish_timeout, Duration::from_millis(250));
        assert_eq!(c.trusted_proxies.len(), 2);
        for bad in [
            vec!["s", "--publish-timeout-ms", "0"],
            vec!["s", "--write-burst", "1000001"],
            vec!["s", "--session-recheck-secs", "3601"],
            vec!["s", "--public-url", "https://ironlog.example/app"],
            vec!["s", "--trusted-proxies", "not-an-ip"],
        ] {
            let e = Config::from_args(bad.clone()).expect_err("refused");
            assert!(matches!(e, ConfigError::Flags(_)), "{bad:?}: {e}");
        }
        let c = Config::from_args(["s", "--public-url", "HTTPS://Ironlog.example/"]).unwrap();
        assert_eq!(c.public_origin.as_deref(), Some("https://ironlog.example"));
    }

    #[test]
    fn the_rebuild_command_is_read() {
        let c = Config::from_args(["ironlog-server", "rebuild-read-models"]).unwrap();
        assert_eq!(c.command, Some(Command::RebuildReadModels));
        assert_eq!(Config::from_args(["ironlog-server"]).unwrap().command, None);
        assert!(Config::from_args(["ironlog-server", "rebuild"]).is_err());
    }

    #[test]
    fn every_variable_has_a_flag() {
        assert_eq!(
            Config::flag_for("IRONLOG_DATA_DIR").as_deref(),
            Some("--data-dir")
        );
        assert_eq!(
            Config::flag_for("LEPTOS_SITE_ADDR").as_deref(),
            Some("--site-addr")
        );
        assert_eq!(
            Config::flag_for("MONGODB_URI"),
            None,
            "secrets have no flag"
        );
    }
}
