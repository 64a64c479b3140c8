//! Trusted-proxy mode (off by default): behind an authenticating proxy such as Cloudflare
//! Access or oauth2-proxy, the user is whoever the proxy's signed JWT says, and nothing else.
//! The token's signature is checked against public keys from a file (PEM or a JWKS), and its
//! issuer, audience and expiry against the configuration. A token signed with any other key,
//! an unsigned one, or one with a symmetric algorithm (which would let a public key be used as
//! an HMAC secret) is refused, as is a request without the header: the session cookie is not
//! consulted in this mode, so a request that bypassed the proxy is anonymous.
//!
//! The first token of an email creates its account (with an unusable random password).
//! Verified tokens and each email's account are remembered, so a request costs one hash
//! lookup, not a signature check or a database round trip.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderName};
use chrono::Utc;
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use moka::sync::Cache;
use serde::Deserialize;
use service::{Account, AccountError, AccountStore, StoreError};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::password::Hasher;

/// Cloudflare Access's header; oauth2-proxy users set `IRONLOG_TRUSTED_PROXY_HEADER`.
pub const DEFAULT_HEADER: &str = "cf-access-jwt-assertion";
/// Clock skew allowed for `exp` and `nbf`, in seconds.
pub const LEEWAY_SECS: u64 = 30;
/// Verified tokens remembered; past it the memory is cleared and tokens are checked again.
const MAX_REMEMBERED: u64 = 50_000;

#[derive(Debug, thiserror::Error)]
pub enum ProxyConfigError {
    #[error("cannot read the trusted-proxy keys file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the trusted-proxy keys file {path}: {reason}")]
    Keys { path: PathBuf, reason: String },
    #[error("{0} is required in trusted-proxy mode")]
    Missing(&'static str),
    #[error("IRONLOG_TRUSTED_PROXY_HEADER is not a valid header name: {0:?}")]
    Header(String),
}

/// The proxy's settings, from `IRONLOG_TRUSTED_PROXY_*`.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    pub header: HeaderName,
    pub keys_file: PathBuf,
    pub issuer: String,
    pub audiences: Vec<String>,
}

/// Why a proxy token was refused; logged, never shown in detail to the client.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refusal {
    #[error("the token is not a JWT")]
    Malformed,
    #[error("the token's algorithm {0:?} is not accepted")]
    Algorithm(Algorithm),
    #[error("no configured key has the token's key id")]
    UnknownKey,
    #[error("the token failed verification: {0}")]
    Invalid(String),
    #[error("the token carries no usable email")]
    NoEmail,
}

/// A proxy user's account could not be found or made.
#[derive(Debug, thiserror::Error)]
pub enum ProxyUserError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot make an account: {0}")]
    Hash(String),
    #[error("an account vanished while it was created")]
    Vanished,
}

/// One verification key and the algorithms it may be used with.
struct Key {
    kid: Option<String>,
    key: DecodingKey,
    algorithms: &'static [Algorithm],
}

const EC: &[Algorithm] = &[Algorithm::ES256, Algorithm::ES384];
const RSA: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
];
const ED: &[Algorithm] = &[Algorithm::EdDSA];

#[derive(Deserialize)]
struct Claims {
    email: Option<String>,
    /// Required and checked by the validation; kept to know how long to trust the token.
    exp: i64,
}

/// Checks a proxy token's signature, issuer, audience and times.
pub struct Verifier {
    issuer: String,
    audiences: Vec<String>,
    keys: Vec<Key>,
}

/// Checks proxy tokens and maps them to accounts.
pub struct TrustedProxy {
    header: HeaderName,
    verifier: Verifier,
    accounts: Arc<dyn AccountStore>,
    hasher: Hasher,
    /// SHA-256 of a verified token → its user and expiry (Unix seconds); bounded, and an entry
    /// lives no longer than the longest a token is valid for.
    verified: Cache<[u8; 32], (String, i64)>,
    /// Normalized email → account id; bounded, least used forgotten first.
    users: Cache<String, String>,
}

impl TrustedProxy {
    pub fn new(
        config: &ProxyConfig,
        accounts: Arc<dyn AccountStore>,
        hasher: Hasher,
    ) -> Result<Self, ProxyConfigError> {
        let text = std::fs::read_to_string(&config.keys_file).map_err(|source| {
            ProxyConfigError::Read {
                path: config.keys_file.clone(),
                source,
            }
        })?;
        let verifier =
            Verifier::new(&text, &config.issuer, &config.audiences).map_err(|reason| {
                ProxyConfigError::Keys {
                    path: config.keys_file.clone(),
                    reason,
                }
            })?;
        Ok(Self {
            header: config.header.clone(),
            verifier,
            accounts,
            hasher,
            verified: Cache::builder()
                .max_capacity(MAX_REMEMBERED)
                .time_to_live(Duration::from_secs(24 * 3600))
                .build(),
            users: Cache::builder()
                .max_capacity(MAX_REMEMBERED)
                .time_to_idle(Duration::from_secs(24 * 3600))
                .build(),
        })
    }

    /// The user the proxy vouches for: `Ok(None)` without a header or with a refused token;
    /// `Err` when a new email's account cannot be looked up.
    pub async fn user_for(&self, headers: &HeaderMap) -> Result<Option<String>, ProxyUserError> {
        let Some(token) = headers.get(&self.header).and_then(|v| v.to_str().ok()) else {
            return Ok(None);
        };
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let now = Utc::now().timestamp();
        if let Some(user) = self.remembered(&digest, now) {
            return Ok(Some(user));
        }
        let (email, exp) = match self.verifier.verify(token) {
            Ok(v) => v,
            Err(refusal) => {
                tracing::warn!(%refusal, "refused a trusted-proxy token");
                return Ok(None);
            }
        };
        let user = self.account_for(&email).await?;
        self.verified.insert(digest, (user.clone(), exp));
        Ok(Some(user))
    }

    fn remembered(&self, digest: &[u8; 32], now: i64) -> Option<String> {
        let (user, exp) = self.verified.get(digest)?;
        // The same leeway as the first check, so a token is not refused later than verified.
        (now <= exp.saturating_add(LEEWAY_SECS as i64)).then_some(user)
    }

    /// The account of `email`, created on its first visit.
    async fn account_for(&self, email: &str) -> Result<String, ProxyUserError> {
        if let Some(id) = self.users.get(email) {
            return Ok(id);
        }
        let id = match self.accounts.account_by_email(email).await? {
            Some(account) => account.id,
            None => self.create(email).await?,
        };
        self.users.insert(email.to_owned(), id.clone());
        Ok(id)
    }

    async fn create(&self, email: &str) -> Result<String, ProxyUserError> {
        // Nobody knows this password: the account signs in only through the proxy.
        let unusable = Uuid::new_v4().to_string() + &Uuid::new_v4().to_string();
        let password_hash = self
            .hasher
            .hash(unusable)
            .await
            .map_err(|e| ProxyUserError::Hash(e.to_string()))?;
        let account = Account {
            id: Uuid::now_v7().to_string(),
            email: email.to_owned(),
            password_hash,
            created_at: Utc::now(),
            deleting_since: None,
        };
        match self.accounts.create_account(&account).await {
            Ok(()) => {
                tracing::info!(user = %account.id, "created an account for a trusted-proxy user");
                Ok(account.id)
            }
            // Another server created it first.
            Err(AccountError::EmailTaken) => self
                .accounts
                .account_by_email(email)
                .await?
                .map(|a| a.id)
                .ok_or(ProxyUserError::Vanished),
            Err(AccountError::Store(e)) => Err(e.into()),
        }
    }
}

impl Verifier {
    /// `keys`: a JWKS document or PEM public keys (see [`parse_keys`]).
    pub fn new(keys: &str, issuer: &str, audiences: &[String]) -> Result<Self, String> {
        Ok(Self {
            issuer: issuer.to_owned(),
            audiences: audiences.to_vec(),
            keys: parse_keys(keys)?,
        })
    }

    /// Checks the token; its normalized email and expiry.
    pub fn verify(&self, token: &str) -> Result<(String, i64), Refusal> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| Refusal::Malformed)?;
        let candidates: Vec<&Key> = self
            .keys
            .iter()
            .filter(|k| match (&header.kid, &k.kid) {
                (Some(want), Some(have)) => want == have,
                _ => true,
            })
            .collect();
        if candidates.is_empty() {
            return Err(Refusal::UnknownKey);
        }
        let usable: Vec<&Key> = candidates
            .into_iter()
            .filter(|k| k.algorithms.contains(&header.alg))
            .collect();
        if usable.is_empty() {
            return Err(Refusal::Algorithm(header.alg));
        }
        let mut validation = Validation::new(header.alg);
        validation.algorithms = vec![header.alg];
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&self.audiences);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        let mut last = Refusal::UnknownKey;
        for key in usable {
            match jsonwebtoken::decode::<Claims>(token, &key.key, &validation) {
                Ok(data) => {
                    let email = data
                        .claims
                        .email
                        .as_deref()
                        .and_then(|e| domain::account::normalize_email(e.trim()).ok())
                        .ok_or(Refusal::NoEmail)?;
                    return Ok((email, data.claims.exp));
                }
                Err(e) => last = Refusal::Invalid(e.to_string()),
            }
        }
        Err(last)
    }
}

/// Public keys from a JWKS document (`{"keys": [...]}`, as Cloudflare publishes at
/// `/cdn-cgi/access/certs`) or from concatenated PEM `PUBLIC KEY` blocks (EC, RSA or Ed25519).
fn parse_keys(text: &str) -> Result<Vec<Key>, String> {
    let keys = if text.trim_start().starts_with('{') {
        jwks_keys(text)?
    } else {
        pem_keys(text)?
    };
    if keys.is_empty() {
        return Err("holds no public key".into());
    }
    Ok(keys)
}

fn jwks_keys(text: &str) -> Result<Vec<Key>, String> {
    let set: JwkSet = serde_json::from_str(text).map_err(|e| format!("is not a JWKS: {e}"))?;
    set.keys
        .iter()
        .map(|jwk| {
            let algorithms = match jwk.algorithm {
                AlgorithmParameters::EllipticCurve(_) => EC,
                AlgorithmParameters::RSA(_) => RSA,
                AlgorithmParameters::OctetKeyPair(_) => ED,
                AlgorithmParameters::OctetKey(_) => {
                    return Err("holds a symmetric key, which is never accepted".to_owned())
                }
            };
            let key = DecodingKey::from_jwk(jwk).map_err(|e| format!("has a bad key: {e}"))?;
            Ok(Key {
                kid: jwk.common.key_id.clone(),
                key,
                algorithms,
            })
        })
        .collect()
}

fn pem_keys(text: &str) -> Result<Vec<Key>, String> {
    const BEGIN: &str = "-----BEGIN ";
    let mut keys = Vec::new();
    for (i, block) in text.split(BEGIN).skip(1).enumerate() {
        let pem = format!("{BEGIN}{block}");
        let pem = pem.as_bytes();
        let key = if let Ok(k) = DecodingKey::from_ec_pem(pem) {
            (k, EC)
        } else if let Ok(k) = DecodingKey::from_rsa_pem(pem) {
            (k, RSA)
        } else if let Ok(k) = DecodingKey::from_ed_pem(pem) {
            (k, ED)
        } else {
            return Err(format!(
                "PEM block {} is not an EC, RSA or Ed25519 public key",
                i + 1
            ));
        };
        keys.push(Key {
            kid: None,
            key: key.0,
            algorithms: key.1,
        });
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};
    use testkit::jwt::{hmac_signed, now, unsigned, TokenIssuer};

    const ISS: &str = "https://team.cloudflareaccess.com";
    const AUD: &str = "ironlog-aud-tag";

    fn verifier(keys: &str) -> Verifier {
        Verifier::new(keys, ISS, &[AUD.to_owned()]).unwrap()
    }

    fn claims() -> Value {
        TokenIssuer::claims("Lifter@Example.com", ISS, AUD)
    }

    fn with(mut claims: Value, key: &str, value: Value) -> Value {
        claims[key] = value;
        claims
    }

    #[test]
    fn a_good_token_names_its_normalized_email() {
        let issuer = TokenIssuer::new("k1").unwrap();
        let v = verifier(&issuer.public_pem());
        let (email, exp) = v.verify(&issuer.sign(&claims()).unwrap()).unwrap();
        assert_eq!(email, "lifter@example.com");
        assert_eq!(exp, claims()["exp"].as_i64().unwrap());
    }

    #[test]
    fn tokens_not_signed_by_a_configured_key_are_refused() {
        let trusted = TokenIssuer::new("k1").unwrap();
        let other = TokenIssuer::new("k1").unwrap();
        let v = verifier(&trusted.public_pem());
        assert!(matches!(
            v.verify(&other.sign(&claims()).unwrap()),
            Err(Refusal::Invalid(_))
        ));
        // A valid token with its signature swapped for another key's.
        let good = trusted.sign(&claims()).unwrap();
        let forged = other.sign(&with(claims(), "email", json!("root@example.com")));
        let forged = forged.unwrap();
        let spliced = format!(
            "{}.{}",
            forged.rsplit_once('.').unwrap().0,
            good.rsplit_once('.').unwrap().1
        );
        assert!(matches!(v.verify(&spliced), Err(Refusal::Invalid(_))));
    }

    #[test]
    fn unsigned_and_symmetric_tokens_are_refused() {
        let issuer = TokenIssuer::new("k1").unwrap();
        let pem = issuer.public_pem();
        let v = verifier(&pem);
        assert_eq!(v.verify(&unsigned(&claims())), Err(Refusal::Malformed));
        // The public key used as an HMAC secret (algorithm confusion).
        let confused = hmac_signed(&claims(), pem.as_bytes()).unwrap();
        assert_eq!(
            v.verify(&confused),
            Err(Refusal::Algorithm(Algorithm::HS256))
        );
        assert_eq!(v.verify("not a token"), Err(Refusal::Malformed));
    }

    #[test]
    fn wrong_audience_issuer_and_times_are_refused() {
        let issuer = TokenIssuer::new("k1").unwrap();
        let v = verifier(&issuer.public_pem());
        let refused = |c: Value| v.verify(&issuer.sign(&c).unwrap());
        let t = now();
        for (what, c) in [
            ("audience", with(claims(), "aud", json!(["another-app"]))),
            (
                "issuer",
                with(claims(), "iss", json!("https://evil.example")),
            ),
            (
                "expired",
                with(claims(), "exp", json!(t - 2 * LEEWAY_SECS as i64)),
            ),
            ("not yet valid", with(claims(), "nbf", json!(t + 600))),
        ] {
            assert!(matches!(refused(c), Err(Refusal::Invalid(_))), "{what}");
        }
        for missing in ["exp", "iss", "aud"] {
            let mut c = claims();
            c.as_object_mut().unwrap().remove(missing);
            assert!(matches!(refused(c), Err(Refusal::Invalid(_))), "{missing}");
        }
        let mut c = claims();
        c.as_object_mut().unwrap().remove("email");
        assert_eq!(refused(c), Err(Refusal::NoEmail));
        assert_eq!(
            refused(with(claims(), "email", json!("not an email"))),
            Err(Refusal::NoEmail)
        );
        // Within the allowed clock skew: still good.
        assert!(refused(with(claims(), "exp", json!(t - 5))).is_ok());
    }

    #[test]
    fn jwks_keys_are_chosen_by_key_id() {
        let a = TokenIssuer::new("key-a").unwrap();
        let b = TokenIssuer::new("key-b").unwrap();
        let stranger = TokenIssuer::new("key-c").unwrap();
        let v = verifier(&json!({"keys": [a.jwk(), b.jwk()]}).to_string());
        assert!(v.verify(&a.sign(&claims()).unwrap()).is_ok());
        assert!(v.verify(&b.sign(&claims()).unwrap()).is_ok());
        assert_eq!(
            v.verify(&stranger.sign(&claims()).unwrap()),
            Err(Refusal::UnknownKey)
        );
    }

    #[test]
    fn every_pem_key_in_the_file_is_trusted() {
        let a = TokenIssuer::new("k").unwrap();
        let b = TokenIssuer::new("k").unwrap();
        let v = verifier(&format!("{}\n{}", a.public_pem(), b.public_pem()));
        assert!(v.verify(&b.sign(&claims()).unwrap()).is_ok());
    }

    #[test]
    fn key_files_without_usable_public_keys_are_refused() {
        let symmetric = json!({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}).to_string();
        for bad in [
            "",
            "{}",
            "{\"keys\": []}",
            &symmetric,
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        ] {
            assert!(Verifier::new(bad, ISS, &[AUD.to_owned()]).is_err(), "{bad}");
        }
    }
}
