use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::Problem;
use serde_json::json;
use service::{Chain, ChangeError, ProfileError, PublishError, StoreError};

/// Every API failure, answered as `{"error": code, "message": text, "problems": [...]}`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("the body is larger than {0} bytes")]
    TooLarge(usize),
    #[error("send the body as {0}")]
    UnsupportedMediaType(&'static str),
    #[error("the request has {} problem(s)", .0.len())]
    Invalid(Vec<Problem>),
    #[error("the request has {} problem(s)", .0.len())]
    InvalidInput(Vec<Problem>),
    #[error("the query has {} problem(s)", .0.len())]
    InvalidQuery(Vec<Problem>),
    #[error("not found")]
    NotFound,
    #[error("{0}; try again shortly")]
    Unavailable(&'static str),
    /// The queue did not take a workout; the client retries with the same id.
    #[error("the write queue is unavailable; try again shortly")]
    Publish {
        id: uuid::Uuid,
        #[source]
        source: PublishError,
    },
    /// A store failed under the request; the source is logged once, when the answer is made.
    #[error("{what}; try again shortly")]
    Store {
        what: &'static str,
        #[source]
        source: StoreError,
    },
    #[error("this method is not served here")]
    MethodNotAllowed,
    #[error("sign in first")]
    Unauthorized,
    #[error("email or password is incorrect")]
    BadCredentials,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Forbidden(&'static str),
    /// A device's outbox sent a workout saved for another user than the session's: it waits
    /// on the device for that user (its own code, so the device tells it from other 403s).
    #[error("this workout was saved on this device by another account; sign in as that account to send it")]
    OtherAccount,
    #[error("too many requests; try again in {0} s")]
    TooManyRequests(u64),
    /// A bug or a broken invariant on the server; logged where it happens.
    #[error("{0}")]
    Internal(&'static str),
}

/// A change the service did not accept, as the API answers it.
impl From<ChangeError> for ApiError {
    fn from(e: ChangeError) -> Self {
        match e {
            ChangeError::Invalid(problems) => ApiError::Invalid(problems),
            ChangeError::NotFound => ApiError::NotFound,
            ChangeError::Unavailable { id, source } => ApiError::Publish { id, source },
        }
    }
}

impl ApiError {
    /// Maps a store's failure to the answer `what` (e.g. "your history is unavailable").
    pub fn store(what: &'static str) -> impl FnOnce(StoreError) -> ApiError {
        move |source| ApiError::Store { what, source }
    }

    /// As [`ApiError::store`] for saving a profile: its problems are the client's (422).
    pub fn profile(what: &'static str) -> impl FnOnce(ProfileError) -> ApiError {
        move |e| match e {
            ProfileError::Invalid(problems) => ApiError::InvalidInput(problems),
            ProfileError::AccountGone => ApiError::Unauthorized,
            ProfileError::Store(source) => ApiError::Store { what, source },
        }
    }

    fn parts(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::MalformedJson(_) => (StatusCode::BAD_REQUEST, "malformed_json"),
            ApiError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
            ApiError::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_workout"),
            ApiError::InvalidInput(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
            ApiError::InvalidQuery(_) => (StatusCode::BAD_REQUEST, "invalid_query"),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::Unavailable(_) | ApiError::Store { .. } | ApiError::Publish { .. } => {
                (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
            }
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::BadCredentials => (StatusCode::UNAUTHORIZED, "bad_credentials"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::OtherAccount => (StatusCode::FORBIDDEN, "other_account"),
            ApiError::TooManyRequests(_) => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.parts();
        // The one place a failure with an underlying cause is logged, with every source; the
        // others were logged where they arose (the account service, the identity middleware).
        if std::error::Error::source(&self).is_some() {
            tracing::warn!(error = %Chain(&self), %status, "request failed");
        }
        let problems = match &self {
            ApiError::Invalid(p) | ApiError::InvalidInput(p) | ApiError::InvalidQuery(p) => {
                p.clone()
            }
            _ => Vec::new(),
        };
        let body = json!({"error": code, "message": self.to_string(), "problems": problems});
        let mut response = (status, Json(body)).into_response();
        let retry_after = match &self {
            ApiError::TooManyRequests(secs) => Some(*secs),
            _ if status == StatusCode::SERVICE_UNAVAILABLE => Some(1),
            _ => None,
        };
        if matches!(self, ApiError::TooLarge(_)) {
            // The rest of the body is never read, so the connection cannot carry another
            // request: say so, or a client reuses it and its next request fails with the
            // connection closing under it.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
