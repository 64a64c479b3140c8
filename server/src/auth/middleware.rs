//! The identity middleware: who the request is from (`authenticate`), and the log-in
//! redirect for pages (`require_login`), which denies by default.

use std::collections::HashSet;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use service::CurrentUser;

use super::service::Auth;

/// Marks a request whose session could not be checked (store down, session not seen here):
/// the extractors of the user answer 503 for it rather than "sign in".
#[derive(Clone, Copy)]
pub struct SessionsDown;

/// Resolves the session cookie (or, in trusted-proxy mode, the proxy's token) to a user, if
/// there is one.
pub async fn authenticate(State(auth): State<Auth>, mut req: Request, next: Next) -> Response {
    let user = if let Some(proxy) = &auth.proxy {
        proxy
            .user_for(req.headers())
            .await
            .map_err(|e| e.to_string())
    } else if let Some(token) = auth.cookie.read(req.headers()) {
        auth.sessions
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

/// The pages anyone may see; every other page of the app needs a session.
pub const PUBLIC_PAGES: &[&str] = &["/login", "/signup"];

/// Where to go after signing in: a plain path on this site, never another site. Browsers
/// drop tabs and newlines from a `Location` and read `\\` as `/`, so `/\t/evil.example` would
/// leave the site; only visible ASCII is taken (anything else arrives percent-encoded from
/// a real link), and control characters could not go into a header anyway.
pub fn safe_next(next: Option<&str>) -> String {
    let plain = |p: &str| {
        p.starts_with('/')
            && !p.starts_with("//")
            && p.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
            && p.parse::<http::uri::PathAndQuery>().is_ok()
    };
    match next {
        Some(p) if plain(p) => p.to_owned(),
        _ => "/".to_owned(),
    }
}

/// `/login?next=…` for a page the visitor may not see yet.
pub fn to_login(path_and_query: &str) -> Response {
    let next: String = form_urlencoded::byte_serialize(path_and_query.as_bytes()).collect();
    Redirect::to(&format!("/login?next={next}")).into_response()
}

/// Sends visitors without a session to log-in from every page of the app (`pages`: the
/// paths its router declares) except [`PUBLIC_PAGES`]. A page added later is private unless
/// it is listed there.
pub async fn require_login(
    State(pages): State<Arc<HashSet<String>>>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    let private = (req.method() == Method::GET || req.method() == Method::HEAD)
        && pages.contains(path)
        && !PUBLIC_PAGES.contains(&path);
    if private && req.extensions().get::<CurrentUser>().is_none() {
        let target = req
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        return to_login(&target);
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/history?x=1")), "/history?x=1");
        assert_eq!(safe_next(Some("/progress#top")), "/progress#top");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\nSet-Cookie: x=1",
            "/\x0b/evil.example",
            "/\x0c/evil.example",
            "/\0/evil.example",
            "/ /evil.example",
            "/\u{a0}/evil.example",
            "/\u{3000}evil.example",
            "\t//evil.example",
            "javascript:alert(1)",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
