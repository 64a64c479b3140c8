//! Sessions: a random 256-bit token in an `HttpOnly` cookie; the store keeps its SHA-256 with
//! the user and the expiry. Validation is served from memory on the hot path, so logging
//! workouts never waits for the database: a session checked against the store less than
//! `recheck` ago is trusted as is; one checked longer ago (but within `outage_grace`) is
//! trusted for this request while one background check asks the store again. A session that
//! check finds ended is forgotten, so log-out and password changes take effect at once on the
//! server that handles them and within about `recheck` on every other; while the store is
//! unreachable, known sessions keep working until `outage_grace` (nothing can be revoked
//! then anyway). Only a session this server has never seen waits for the store.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use moka::sync::Cache;
use rand::RngCore as _;
use service::{Chain, Session, SessionStore, StoreError};
use sha2::{Digest, Sha256};
// Tokio's clock, so tests can pause and advance it.
use tokio::time::Instant;

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

#[derive(Clone)]
struct Known {
    user_id: Arc<str>,
    expires_at: DateTime<Utc>,
    checked: Instant,
    /// A background check of this session is under way.
    refreshing: Arc<AtomicBool>,
}

/// The most sessions remembered; past it, the least used are forgotten (they are asked of the
/// store again when they come back).
const MAX_KNOWN: u64 = 100_000;

pub struct Sessions {
    store: Arc<dyn SessionStore>,
    config: SessionConfig,
    /// Bounded in size and by `outage_grace` after the last check, past which an entry is of no
    /// use; eviction is `moka`'s, amortized, never a scan under a lock.
    known: Cache<String, Known>,
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
    pub fn new(store: Arc<dyn SessionStore>, config: SessionConfig) -> Self {
        Self::with_capacity(store, config, MAX_KNOWN)
    }

    fn with_capacity(store: Arc<dyn SessionStore>, config: SessionConfig, max: u64) -> Self {
        let known = Cache::builder()
            .max_capacity(max)
            .time_to_live(config.outage_grace)
            .support_invalidation_closures()
            .build();
        Self {
            store,
            config,
            known,
        }
    }

    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    fn remember(&self, id: String, user_id: String, expires_at: DateTime<Utc>) {
        self.known.insert(
            id,
            Known {
                user_id: user_id.into(),
                expires_at,
                checked: Instant::now(),
                refreshing: Arc::new(AtomicBool::new(false)),
            },
        );
    }

    fn forget(&self, id: &str) {
        self.known.invalidate(id);
    }

    /// Starts a session for `user_id`; returns the token for the cookie.
    pub async fn start(&self, user_id: &str) -> Result<String, StoreError> {
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
        Ok(token)
    }

    /// The user the token belongs to, or `None` when it is unknown, ended or expired.
    pub async fn user_for(
        self: &Arc<Self>,
        token: &str,
    ) -> Result<Option<String>, SessionsUnavailable> {
        if !plausible(token) {
            return Ok(None);
        }
        let id = token_id(token);
        let now = Utc::now();
        enum Seen {
            Fresh(String),
            Stale { user: String, refresh: bool },
            Expired,
            Unknown,
        }
        let seen = match self.known.get(&id) {
            Some(k) if k.expires_at <= now => Seen::Expired,
            Some(k) if k.checked.elapsed() < self.config.recheck => {
                Seen::Fresh(k.user_id.to_string())
            }
            Some(k) if k.checked.elapsed() < self.config.outage_grace => Seen::Stale {
                user: k.user_id.to_string(),
                // Only the first request to find it stale starts a check.
                refresh: !k.refreshing.swap(true, Ordering::AcqRel),
            },
            _ => Seen::Unknown,
        };
        match seen {
            Seen::Fresh(user) => return Ok(Some(user)),
            Seen::Expired => {
                self.forget(&id);
                return Ok(None);
            }
            Seen::Stale { user, refresh } => {
                if refresh {
                    let sessions = self.clone();
                    tokio::spawn(async move { sessions.recheck(id).await });
                }
                return Ok(Some(user));
            }
            Seen::Unknown => {}
        }
        self.ask_store(id).await.map_err(SessionsUnavailable)
    }

    /// Asks the store about session `id` and remembers the answer: its user while it is valid,
    /// forgotten once it has ended or expired.
    async fn ask_store(&self, id: String) -> Result<Option<String>, StoreError> {
        match self.store.session(&id).await? {
            Some(s) if s.expires_at > Utc::now() => {
                let user = s.user_id.clone();
                self.remember(id, s.user_id, s.expires_at);
                Ok(Some(user))
            }
            _ => {
                self.forget(&id);
                Ok(None)
            }
        }
    }

    /// Asks the store about a known session again (in the background); keeps it as it was if
    /// the store cannot answer.
    async fn recheck(&self, id: String) {
        if let Err(e) = self.ask_store(id.clone()).await {
            tracing::debug!(error = %Chain(&e), "session store unreachable; still trusting a known session");
            if let Some(k) = self.known.get(&id) {
                k.refreshing.store(false, Ordering::Release);
            }
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
        let user: Arc<str> = user_id.into();
        if let Err(e) = self
            .known
            .invalidate_entries_if(move |_, k| k.user_id == user)
        {
            // Only if the cache were built without invalidation closures: forget everything
            // rather than keep an ended session.
            tracing::error!(error = %e, "cannot forget one user's sessions; forgetting all");
            self.known.invalidate_all();
        }
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

#[cfg(test)]
mod stale_tests {
    use super::*;
    use async_trait::async_trait;
    use std::sync::Mutex;

    /// A session store whose lookups take `delay`, then answer `answer`: a stand-in for a
    /// database that is down or has ended the session (the failover drill does it for real).
    struct SlowStore {
        delay: Duration,
        answer: Mutex<Option<Result<Option<Session>, &'static str>>>,
    }

    #[async_trait]
    impl SessionStore for SlowStore {
        async fn create_session(&self, _: &Session) -> Result<(), StoreError> {
            Ok(())
        }
        async fn session(&self, _: &str) -> Result<Option<Session>, StoreError> {
            tokio::time::sleep(self.delay).await;
            let answer = self.answer.lock().unwrap().clone();
            answer.unwrap_or(Ok(None)).map_err(StoreError::unavailable)
        }
        async fn delete_session(&self, _: &str) -> Result<(), StoreError> {
            Ok(())
        }
    }

    fn down(delay: Duration) -> Arc<SlowStore> {
        Arc::new(SlowStore {
            delay,
            answer: Mutex::new(Some(Err("database down"))),
        })
    }

    fn sessions(store: Arc<SlowStore>) -> Arc<Sessions> {
        Arc::new(Sessions::new(
            store,
            SessionConfig {
                recheck: Duration::from_millis(50),
                ..SessionConfig::default()
            },
        ))
    }

    // Tokio's clock is paused: it moves only when every task waits, so "answered at once"
    // means no time passed at all, however busy the machine is.
    #[tokio::test(start_paused = true)]
    async fn a_stale_session_is_answered_from_memory_and_rechecked_in_the_background() {
        let store = down(Duration::from_secs(2));
        let sessions = sessions(store.clone());
        let token = sessions.start("u1").await.unwrap();
        tokio::time::sleep(Duration::from_millis(80)).await;

        // Stale, and the store takes 2 s to fail: the answer still comes at once.
        let started = Instant::now();
        assert_eq!(
            sessions.user_for(&token).await.unwrap().as_deref(),
            Some("u1")
        );
        assert_eq!(started.elapsed(), Duration::ZERO);

        // The store says the session ended: once a background check has run, it is gone.
        tokio::time::sleep(Duration::from_millis(2100)).await; // the failing check finishes
        *store.answer.lock().unwrap() = Some(Ok(None));
        assert_eq!(
            sessions.user_for(&token).await.unwrap().as_deref(),
            Some("u1")
        );
        tokio::time::sleep(Duration::from_millis(2100)).await; // the next check finds it ended
        assert_eq!(sessions.user_for(&token).await.unwrap(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_known_session_outlives_an_outage_only_within_the_grace() {
        let store = down(Duration::from_millis(10));
        let sessions = Arc::new(Sessions::new(
            store,
            SessionConfig {
                recheck: Duration::from_secs(30),
                outage_grace: Duration::from_secs(15 * 60),
                ..SessionConfig::default()
            },
        ));
        let token = sessions.start("u1").await.unwrap();
        tokio::time::sleep(Duration::from_secs(14 * 60)).await;
        assert_eq!(
            sessions.user_for(&token).await.unwrap().as_deref(),
            Some("u1")
        );
        tokio::time::sleep(Duration::from_secs(2 * 60)).await;
        assert!(
            sessions.user_for(&token).await.is_err(),
            "past the grace the store must answer, and it is down"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_unknown_session_waits_for_the_store_and_fails_when_it_is_down() {
        let sessions = sessions(down(Duration::from_millis(10)));
        let token = new_token();
        assert!(sessions.user_for(&token).await.is_err());
    }

    #[tokio::test]
    async fn two_hundred_thousand_sessions_stay_within_the_bound() {
        let store = Arc::new(SlowStore {
            delay: Duration::ZERO,
            answer: Mutex::new(None),
        });
        let max = 10_000;
        let sessions = Arc::new(Sessions::with_capacity(
            store,
            SessionConfig::default(),
            max,
        ));
        let mut last = String::new();
        for i in 0..200_000u32 {
            last = format!("session-{i}");
            sessions.remember(
                last.clone(),
                format!("user-{}", i % 1000),
                Utc::now() + chrono::Duration::days(1),
            );
        }
        sessions.known.run_pending_tasks();
        assert!(
            sessions.known.entry_count() <= max,
            "{} entries kept",
            sessions.known.entry_count()
        );
        // Still a working cache: a session just remembered is answered from memory.
        sessions.remember(
            last.clone(),
            "user-x".into(),
            Utc::now() + chrono::Duration::days(1),
        );
        assert!(sessions.known.get(&last).is_some());
        // Forgetting a user's sessions finds them without a scan under a lock.
        sessions.forget_user("user-x");
        sessions.known.run_pending_tasks();
        assert!(sessions.known.get(&last).is_none());
    }
}
