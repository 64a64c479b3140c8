//! Sessions: a random 256-bit token in an `HttpOnly` cookie; the store keeps its SHA-256 with
//! the user and the expiry. Validation is served from memory on the hot path: a session
//! checked against the store less than `recheck` ago is trusted without asking again, so
//! logging workouts never waits for the database. While the store is unreachable, sessions
//! this server has seen within `outage_grace` keep working (nothing can be revoked then
//! anyway). Logout and password changes take effect at once on the server that handles them
//! and within `recheck` on every other server.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use consumer::accounts::{AccountStore, Session};
use consumer::StoreError;
use rand::RngCore as _;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// How long a session lasts after log-in.
    pub lifetime: Duration,
    /// How long a validated session is trusted before the store is asked again.
    pub recheck: Duration,
    /// How long a known session keeps working while the store cannot be asked.
    pub outage_grace: Duration,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            lifetime: Duration::from_secs(30 * 24 * 3600),
            recheck: Duration::from_secs(30),
            outage_grace: Duration::from_secs(15 * 60),
        }
    }
}

/// The session's user could not be established: the store did not answer and this server has
/// not seen the session recently.
#[derive(Debug, thiserror::Error)]
#[error("sessions cannot be checked right now: {0}")]
pub struct SessionsUnavailable(pub StoreError);

struct Known {
    user_id: String,
    expires_at: DateTime<Utc>,
    checked: Instant,
}

/// The most sessions remembered; past it, those not checked recently are forgotten.
const MAX_KNOWN: usize = 100_000;

pub struct Sessions {
    store: Arc<dyn AccountStore>,
    config: SessionConfig,
    known: Mutex<HashMap<String, Known>>,
}

/// A new random token, as sent in the cookie.
fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the store keeps of a token.
pub fn token_id(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Tokens are 43 URL-safe base64 characters; anything else is not worth a store lookup.
fn plausible(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Sessions {
    pub fn new(store: Arc<dyn AccountStore>, config: SessionConfig) -> Self {
        Self {
            store,
            config,
            known: Mutex::new(HashMap::new()),
        }
    }

    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    fn remember(&self, id: String, user_id: String, expires_at: DateTime<Utc>) {
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        if known.len() >= MAX_KNOWN {
            let grace = self.config.outage_grace;
            known.retain(|_, k| k.checked.elapsed() < grace);
        }
        known.insert(
            id,
            Known {
                user_id,
                expires_at,
                checked: Instant::now(),
            },
        );
    }

    fn forget(&self, id: &str) {
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        known.remove(id);
    }

    /// Starts a session for `user_id`; returns the token for the cookie and its expiry.
    pub async fn start(&self, user_id: &str) -> Result<(String, DateTime<Utc>), StoreError> {
        let token = new_token();
        let now = Utc::now();
        let lifetime =
            chrono::Duration::from_std(self.config.lifetime).unwrap_or(chrono::Duration::days(30));
        let session = Session {
            id: token_id(&token),
            user_id: user_id.to_owned(),
            created_at: now,
            expires_at: now + lifetime,
        };
        self.store.create_session(&session).await?;
        self.remember(session.id, session.user_id, session.expires_at);
        Ok((token, now + lifetime))
    }

    /// The user the token belongs to, or `None` when it is unknown, ended or expired.
    pub async fn user_for(&self, token: &str) -> Result<Option<String>, SessionsUnavailable> {
        if !plausible(token) {
            return Ok(None);
        }
        let id = token_id(token);
        let now = Utc::now();
        let cached = {
            let known = self.known.lock().unwrap_or_else(|p| p.into_inner());
            known
                .get(&id)
                .map(|k| (k.user_id.clone(), k.expires_at, k.checked.elapsed()))
        };
        if let Some((user, expires_at, age)) = &cached {
            if *expires_at <= now {
                self.forget(&id);
                return Ok(None);
            }
            if *age < self.config.recheck {
                return Ok(Some(user.clone()));
            }
        }
        match self.store.session(&id).await {
            Ok(Some(s)) if s.expires_at > now => {
                let user = s.user_id.clone();
                self.remember(id, s.user_id, s.expires_at);
                Ok(Some(user))
            }
            Ok(_) => {
                self.forget(&id);
                Ok(None)
            }
            Err(e) => match cached {
                Some((user, _, age)) if age < self.config.outage_grace => {
                    tracing::debug!(error = %e, "session store unreachable; trusting a known session");
                    Ok(Some(user))
                }
                _ => Err(SessionsUnavailable(e)),
            },
        }
    }

    /// Ends the session of `token`, here at once and in the store.
    pub async fn end(&self, token: &str) -> Result<(), StoreError> {
        let id = token_id(token);
        self.forget(&id);
        self.store.delete_session(&id).await
    }

    /// Forgets every remembered session of `user_id` (after a password change ended them in
    /// the store), so this server asks the store again.
    pub fn forget_user(&self, user_id: &str) {
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        known.retain(|_, k| k.user_id != user_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert!(plausible(&a) && plausible(&b), "{a}");
        assert_eq!(token_id(&a).len(), 64);
        assert_ne!(token_id(&a), a);
        assert!(!plausible("short"));
        assert!(!plausible(&format!("{}!", &a[..42])));
    }
}
