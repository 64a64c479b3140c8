//! Configuration from the environment (12-factor). Secrets such as passwords inside URIs are
//! never printed: see [`Mode::describe`].

use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

use crate::limits::LimitConfig;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("set both MONGODB_URI and AMQP_URL for the distributed mode, or neither for the embedded one (only {0} is set)")]
    HalfDistributed(&'static str),
    #[error(transparent)]
    Secret(consumer::secrets::SecretError),
    #[error(transparent)]
    Proxy(#[from] crate::auth::proxy::ProxyConfigError),
    #[error("{name} must be {expected}, got {got:?}")]
    Invalid {
        name: &'static str,
        expected: &'static str,
        got: String,
    },
}

#[derive(Debug, Clone)]
pub enum Mode {
    /// No services: redb store and queue under `data_dir`, worker in-process.
    Embedded { data_dir: PathBuf },
    /// RabbitMQ for writes, MongoDB for reads; a separate consumer persists.
    Distributed {
        amqp_url: String,
        mongodb_uri: String,
        /// `IRONLOG_AMQP_CA_FILE`, `IRONLOG_AMQP_CERT_KEY_FILE`.
        amqp_tls: consumer::tls::TlsFiles,
        /// `IRONLOG_MONGODB_CA_FILE`, `IRONLOG_MONGODB_CERT_KEY_FILE`.
        mongodb_tls: consumer::tls::TlsFiles,
    },
}

impl Mode {
    /// A one-line description safe for logs.
    pub fn describe(&self) -> String {
        match self {
            Mode::Embedded { data_dir } => format!("embedded (data in {})", data_dir.display()),
            Mode::Distributed { amqp_url, .. } => {
                let nodes = amqp_url.split(',').filter(|s| !s.trim().is_empty()).count();
                format!("distributed ({nodes} broker address(es), MongoDB)")
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub mode: Mode,
    /// How long a publish may wait for the broker's confirm before the API answers 503.
    pub publish_timeout: Duration,
    /// `IRONLOG_PUBLIC_URL` reduced to `scheme://host[:port]`: where browsers reach Ironlog.
    /// `https://` turns on `Secure` cookies and HSTS.
    pub public_origin: Option<String>,
    pub limits: LimitConfig,
    /// How long a validated session is trusted before the store is asked again
    /// (`IRONLOG_SESSION_RECHECK_SECS`, default 30): the bound on how long a log-out takes to
    /// reach the other servers.
    pub session_recheck: Duration,
    /// Trusted-proxy mode, when `IRONLOG_TRUSTED_PROXY_KEYS_FILE` is set.
    pub trusted_proxy: Option<crate::auth::proxy::ProxyConfig>,
}

/// A whole number from 1 to 1,000,000 from `name`, or `default` when unset.
fn count(name: &'static str, default: NonZeroU32) -> Result<NonZeroU32, ConfigError> {
    match non_empty(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n <= 1_000_000)
            .and_then(NonZeroU32::new)
            .ok_or(ConfigError::Invalid {
                name,
                expected: "a whole number from 1 to 1000000",
                got: v,
            }),
    }
}

/// `IRONLOG_SESSION_RECHECK_SECS`: 1 to 3600, default 30.
fn session_recheck_secs() -> Result<u32, ConfigError> {
    let secs = count(
        "IRONLOG_SESSION_RECHECK_SECS",
        NonZeroU32::new(30).unwrap_or(NonZeroU32::MIN),
    )?
    .get();
    if secs > 3600 {
        return Err(ConfigError::Invalid {
            name: "IRONLOG_SESSION_RECHECK_SECS",
            expected: "a whole number of seconds from 1 to 3600",
            got: secs.to_string(),
        });
    }
    Ok(secs)
}

fn limits_from_env() -> Result<LimitConfig, ConfigError> {
    let d = LimitConfig::default();
    Ok(LimitConfig {
        auth_per_ip_per_minute: count("IRONLOG_AUTH_PER_IP_PER_MINUTE", d.auth_per_ip_per_minute)?,
        login_per_account_per_minute: count(
            "IRONLOG_LOGIN_PER_ACCOUNT_PER_MINUTE",
            d.login_per_account_per_minute,
        )?,
        writes_per_second: count("IRONLOG_WRITES_PER_SECOND", d.writes_per_second)?,
        write_burst: count("IRONLOG_WRITE_BURST", d.write_burst)?,
    })
}

/// `scheme://host[:port]` of an http(s) URL with no path beyond `/`.
fn parse_public_url(v: &str) -> Option<String> {
    let uri: axum::http::Uri = v.trim().parse().ok()?;
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let authority = uri.authority()?.as_str().to_ascii_lowercase();
    let bare_path = matches!(uri.path(), "" | "/") && uri.query().is_none();
    ((scheme == "http" || scheme == "https") && bare_path && !authority.contains('@'))
        .then(|| format!("{scheme}://{authority}"))
}

fn non_empty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let secret = |name| consumer::secrets::secret(name).map_err(ConfigError::Secret);
        let mode = match (secret("MONGODB_URI")?, secret("AMQP_URL")?) {
            (None, None) => Mode::Embedded {
                data_dir: non_empty("IRONLOG_DATA_DIR")
                    .unwrap_or_else(|| "./data".into())
                    .into(),
            },
            (Some(mongodb_uri), Some(amqp_url)) => Mode::Distributed {
                amqp_url,
                mongodb_uri,
                amqp_tls: consumer::tls::TlsFiles::from_env("AMQP"),
                mongodb_tls: consumer::tls::TlsFiles::from_env("MONGODB"),
            },
            (Some(_), None) => return Err(ConfigError::HalfDistributed("MONGODB_URI")),
            (None, Some(_)) => return Err(ConfigError::HalfDistributed("AMQP_URL")),
        };
        let publish_timeout = match non_empty("IRONLOG_PUBLISH_TIMEOUT_MS") {
            None => Duration::from_millis(1000),
            Some(v) => match v.parse::<u64>() {
                Ok(ms) if (1..=60_000).contains(&ms) => Duration::from_millis(ms),
                _ => {
                    return Err(ConfigError::Invalid {
                        name: "IRONLOG_PUBLISH_TIMEOUT_MS",
                        expected: "a whole number of milliseconds from 1 to 60000",
                        got: v,
                    })
                }
            },
        };
        let public_origin = match non_empty("IRONLOG_PUBLIC_URL") {
            None => None,
            Some(v) => Some(parse_public_url(&v).ok_or(ConfigError::Invalid {
                name: "IRONLOG_PUBLIC_URL",
                expected: "an http:// or https:// URL with no path, like https://ironlog.example",
                got: v,
            })?),
        };
        Ok(Self {
            mode,
            publish_timeout,
            public_origin,
            limits: limits_from_env()?,
            session_recheck: Duration::from_secs(u64::from(session_recheck_secs()?)),
            trusted_proxy: crate::auth::proxy::config_from_env()?,
        })
    }
}
