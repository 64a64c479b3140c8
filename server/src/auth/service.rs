//! Accounts and sessions as the server uses them: sign-up, log-in, password change and
//! log-out over the account and session stores, the password hasher and the cookie policy.

use std::sync::Arc;

use chrono::Utc;
use service::{Account, AccountError, AccountStore, Chain, StoreError, WorkoutStore};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::cookie::CookiePolicy;
use super::deletion::{self, Deleted};
use super::password::{self, Hasher};
use super::proxy::TrustedProxy;
use super::session::Sessions;
use crate::error::ApiError;

#[derive(Clone)]
pub struct Auth {
    pub accounts: Arc<dyn AccountStore>,
    pub sessions: Arc<Sessions>,
    pub hasher: Hasher,
    pub cookie: CookiePolicy,
    /// Set in trusted-proxy mode: the proxy's signed header is then the only identity, and
    /// password accounts are refused.
    pub proxy: Option<Arc<TrustedProxy>>,
    /// The workouts, which an account's deletion removes.
    pub workouts: Arc<dyn WorkoutStore>,
    /// Stops the background retries of a deletion the stores could not finish at once.
    pub shutdown: CancellationToken,
}

/// Why signing up or logging in did not work.
#[derive(Debug, thiserror::Error)]
pub enum AuthFailure {
    #[error("{field} {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("an account with this email already exists")]
    EmailTaken,
    /// The same answer for an unknown email and a wrong password.
    #[error("email or password is incorrect")]
    BadCredentials,
    #[error("accounts are unavailable right now")]
    Unavailable,
    #[error("accounts are managed by the sign-in proxy")]
    ProxyManaged,
}

impl From<AuthFailure> for ApiError {
    fn from(f: AuthFailure) -> Self {
        match f {
            AuthFailure::Invalid { field, message } => {
                ApiError::InvalidInput(vec![domain::Problem::new(field, message)])
            }
            AuthFailure::EmailTaken => ApiError::Conflict(f.to_string()),
            AuthFailure::BadCredentials => ApiError::BadCredentials,
            AuthFailure::Unavailable => ApiError::Unavailable("accounts are unavailable"),
            AuthFailure::ProxyManaged => {
                ApiError::Forbidden("accounts are managed by the sign-in proxy")
            }
        }
    }
}

fn unavailable(e: impl Into<AuthError>) -> AuthFailure {
    let e: AuthError = e.into();
    tracing::warn!(error = %Chain(&e), "account store failed");
    AuthFailure::Unavailable
}

/// What can fail underneath an account operation.
#[derive(Debug, thiserror::Error)]
enum AuthError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("password hashing failed")]
    Hash(#[from] password::HashError),
}

/// A signed-in session: the user and the cookie token.
pub struct SignedIn {
    pub user_id: String,
    pub token: String,
}

impl Auth {
    /// Password accounts exist only without a trusted proxy.
    fn passwords_allowed(&self) -> Result<(), AuthFailure> {
        match self.proxy {
            Some(_) => Err(AuthFailure::ProxyManaged),
            None => Ok(()),
        }
    }

    /// Creates an account and signs it in.
    pub async fn sign_up(&self, email: &str, password: &str) -> Result<SignedIn, AuthFailure> {
        self.passwords_allowed()?;
        let email = domain::account::normalize_email(email).map_err(|m| AuthFailure::Invalid {
            field: "email",
            message: m.to_owned(),
        })?;
        let password_hash = self.hash_new_password("password", password).await?;
        let account = Account {
            id: Uuid::now_v7().to_string(),
            email,
            password_hash,
            created_at: Utc::now(),
            deleting_since: None,
        };
        match self.accounts.create_account(&account).await {
            Ok(()) => {}
            Err(AccountError::EmailTaken) => return Err(AuthFailure::EmailTaken),
            Err(AccountError::Store(e)) => return Err(unavailable(e)),
        }
        self.start(&account.id).await
    }

    /// Checks the credentials and starts a new session; `previous` (the request's own session
    /// token, if any) is ended, so a session fixed before log-in never becomes signed in.
    pub async fn log_in(
        &self,
        email: &str,
        password: &str,
        previous: Option<&str>,
    ) -> Result<SignedIn, AuthFailure> {
        self.passwords_allowed()?;
        if password.len() > password::MAX_BYTES {
            return Err(AuthFailure::BadCredentials);
        }
        let account = match domain::account::normalize_email(email) {
            Ok(email) => self
                .accounts
                .account_by_email(&email)
                .await
                .map_err(unavailable)?,
            Err(_) => None,
        };
        let verified = self
            .hasher
            .verify(
                password.to_owned(),
                account.as_ref().map(|a| a.password_hash.clone()),
            )
            .await
            .map_err(unavailable)?;
        // An account being deleted answers as if it were gone.
        let Some(account) = account.filter(|a| verified && a.deleting_since.is_none()) else {
            return Err(AuthFailure::BadCredentials);
        };
        if let Some(old) = previous {
            self.end_session(old).await;
        }
        self.start(&account.id).await
    }

    /// Checks that `password` is the signed-in account's own, before a change only its owner
    /// may make (password accounts only).
    async fn confirm_password(&self, user_id: &str, password: &str) -> Result<(), AuthFailure> {
        self.passwords_allowed()?;
        let account = self
            .accounts
            .account(user_id)
            .await
            .map_err(unavailable)?
            .ok_or(AuthFailure::BadCredentials)?;
        let verified = self
            .hasher
            .verify(password.to_owned(), Some(account.password_hash))
            .await
            .map_err(unavailable)?;
        if verified {
            Ok(())
        } else {
            Err(AuthFailure::BadCredentials)
        }
    }

    /// Replaces the password after checking the current one; every session of the account
    /// ends and a new one starts for this browser.
    pub async fn change_password(
        &self,
        user_id: &str,
        current: &str,
        new: &str,
    ) -> Result<SignedIn, AuthFailure> {
        self.confirm_password(user_id, current).await?;
        let hash = self.hash_new_password("new_password", new).await?;
        self.accounts
            .set_password(user_id, &hash)
            .await
            .map_err(unavailable)?;
        self.sessions.forget_user(user_id);
        self.start(user_id).await
    }

    /// Deletes the account after checking its password: marked at once (it can no longer log
    /// in, every session ends, whatever is still queued for it is discarded), then everything
    /// it holds is removed, now or, if the stores cannot answer, by retries in the background.
    pub async fn delete_account(
        &self,
        user_id: &str,
        password: &str,
    ) -> Result<Deleted, AuthFailure> {
        self.confirm_password(user_id, password).await?;
        self.accounts
            .begin_deletion(user_id, Utc::now())
            .await
            .map_err(unavailable)?;
        self.sessions.forget_user(user_id);
        Ok(deletion::finish(
            self.accounts.clone(),
            self.workouts.clone(),
            user_id.to_owned(),
            self.shutdown.clone(),
        )
        .await)
    }

    /// Ends the request's session, if it has one, here and in the store. False when the store
    /// could not be told: this server has forgotten the session, other servers may not.
    pub async fn log_out(&self, headers: &axum::http::HeaderMap) -> bool {
        match self.cookie.read(headers) {
            Some(token) => self.end_session(&token).await,
            None => true,
        }
    }

    async fn end_session(&self, token: &str) -> bool {
        match self.sessions.end(token).await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(error = %e, "could not end a session in the store");
                false
            }
        }
    }

    /// Checks a new password (`field` names it in the answer) and hashes it.
    async fn hash_new_password(
        &self,
        field: &'static str,
        password: &str,
    ) -> Result<String, AuthFailure> {
        password::check_new_password(password)
            .map_err(|message| AuthFailure::Invalid { field, message })?;
        self.hasher
            .hash(password.to_owned())
            .await
            .map_err(unavailable)
    }

    async fn start(&self, user_id: &str) -> Result<SignedIn, AuthFailure> {
        let token = self.sessions.start(user_id).await.map_err(unavailable)?;
        Ok(SignedIn {
            user_id: user_id.to_owned(),
            token,
        })
    }

    /// `Set-Cookie` for a session just started.
    pub fn cookie_for(&self, signed_in: &SignedIn) -> Result<axum::http::HeaderValue, ApiError> {
        self.cookie
            .set(&signed_in.token, self.sessions.config().lifetime)
            .map_err(|e| {
                tracing::error!(error = %e, "a session token cannot be sent as a cookie");
                ApiError::Internal("the session could not be started")
            })
    }
}
