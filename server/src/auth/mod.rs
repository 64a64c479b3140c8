//! Accounts, sessions and the request's identity. `authenticate` runs on every request and
//! puts the session's user (an [`app::ssr::CurrentUser`]) into the request's extensions;
//! handlers take [`User`], which answers 401 without one, and pages redirect to log-in.

pub mod api;
pub mod cookie;
pub mod forms;
pub mod password;
pub mod proxy;
pub mod session;

use std::sync::Arc;

use app::ssr::CurrentUser;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use chrono::Utc;
use consumer::accounts::{Account, AccountError, AccountStore};
use uuid::Uuid;

use crate::api::ApiError;
use crate::router::AppState;
use cookie::CookiePolicy;
use password::Hasher;
use proxy::TrustedProxy;
use session::Sessions;

#[derive(Clone)]
pub struct Auth {
    pub accounts: Arc<dyn AccountStore>,
    pub sessions: Arc<Sessions>,
    pub hasher: Hasher,
    pub cookie: CookiePolicy,
    /// Set in trusted-proxy mode: the proxy's signed header is then the only identity, and
    /// password accounts are refused.
    pub proxy: Option<Arc<TrustedProxy>>,
}

/// Locks `m`, carrying on past a panic elsewhere: the maps behind these locks stay valid.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Marks a request whose session could not be checked (store down, session not seen here).
#[derive(Clone, Copy)]
struct SessionsDown;

/// Resolves the session cookie (or, in trusted-proxy mode, the proxy's token) to a user, if
/// there is one.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let user = if let Some(proxy) = &state.auth.proxy {
        proxy
            .user_for(req.headers())
            .await
            .map_err(|e| e.to_string())
    } else if let Some(token) = state.auth.cookie.read(req.headers()) {
        state
            .auth
            .sessions
            .user_for(&token)
            .await
            .map_err(|e| e.to_string())
    } else {
        Ok(None)
    };
    match user {
        Ok(Some(id)) => {
            req.extensions_mut().insert(CurrentUser { id });
        }
        Ok(None) => {}
        Err(error) => {
            tracing::warn!(%error, "cannot establish the request's user");
            req.extensions_mut().insert(SessionsDown);
        }
    }
    next.run(req).await
}

/// The signed-in user of an API request; 401 without one.
pub struct User(pub String);

impl<S: Send + Sync> FromRequestParts<S> for User {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        if let Some(user) = parts.extensions.get::<CurrentUser>() {
            Ok(User(user.id.clone()))
        } else if parts.extensions.get::<SessionsDown>().is_some() {
            Err(ApiError::Unavailable("sign-in cannot be checked right now"))
        } else {
            Err(ApiError::Unauthorized)
        }
    }
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

fn unavailable(e: impl std::fmt::Display) -> AuthFailure {
    tracing::warn!(error = %e, "account store failed");
    AuthFailure::Unavailable
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
        let Some(account) = account.filter(|_| verified) else {
            return Err(AuthFailure::BadCredentials);
        };
        if let Some(old) = previous {
            self.end_session(old).await;
        }
        self.start(&account.id).await
    }

    /// Replaces the password after checking the current one; every session of the account
    /// ends and a new one starts for this browser.
    pub async fn change_password(
        &self,
        user_id: &str,
        current: &str,
        new: &str,
    ) -> Result<SignedIn, AuthFailure> {
        self.passwords_allowed()?;
        let account = self
            .accounts
            .account(user_id)
            .await
            .map_err(unavailable)?
            .ok_or(AuthFailure::BadCredentials)?;
        let verified = self
            .hasher
            .verify(current.to_owned(), Some(account.password_hash))
            .await
            .map_err(unavailable)?;
        if !verified {
            return Err(AuthFailure::BadCredentials);
        }
        let hash = self.hash_new_password("new_password", new).await?;
        self.accounts
            .set_password(user_id, &hash)
            .await
            .map_err(unavailable)?;
        self.sessions.forget_user(user_id);
        self.start(user_id).await
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
    pub fn cookie_for(&self, signed_in: &SignedIn) -> Option<axum::http::HeaderValue> {
        self.cookie
            .set(&signed_in.token, self.sessions.config().lifetime)
    }
}
