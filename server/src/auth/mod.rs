//! Accounts, sessions and the request's identity. `middleware::authenticate` runs on every
//! request and puts the session's user (an [`service::CurrentUser`]) into the request's
//! extensions; API handlers take [`crate::extract::User`], which answers 401 without one, and
//! pages redirect to log-in (`middleware::require_login`).

pub(crate) mod cookie;
pub(crate) mod deletion;
pub(crate) mod middleware;
pub(crate) mod password;
pub(crate) mod proxy;
pub(crate) mod service;
pub(crate) mod session;
