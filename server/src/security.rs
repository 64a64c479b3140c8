//! Protections on every response and every state-changing request: security headers with a
//! per-request CSP nonce for the hydration script, and a same-origin check (CSRF).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use leptos::nonce::Nonce;

use crate::error::ApiError;
use crate::extract::forwarded_scheme;
use crate::state::AppState;

/// The Content-Security-Policy for a response whose inline scripts carry `nonce`: scripts only
/// from this origin or with the nonce (no `unsafe-inline`), Wasm compilation allowed, no
/// plugins, no framing, forms only to this origin. With `assets` (the CDN's origin), scripts,
/// styles and fetches (the Wasm, its chunks) may come from there too, and from nowhere else.
pub fn content_security_policy(nonce: &str, assets: Option<&str>) -> String {
    let cdn = assets.map(|o| format!(" {o}")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'{cdn} 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'{cdn}; img-src 'self' data:; connect-src 'self'{cdn}; font-src 'self'; \
         manifest-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// HSTS for one year, sent only when Ironlog is served over HTTPS.
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Adds the security headers; the nonce travels to the page renderer in the request.
pub async fn headers(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let nonce = Nonce::new();
    let csp = content_security_policy(
        nonce.as_inner(),
        state.cdn.as_deref().map(|c| c.origin.as_str()),
    );
    req.extensions_mut().insert(nonce);
    let cacheable = cacheable(req.uri().path());
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    if !cacheable && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if state.auth.cookie.secure {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    response
}

/// The methods the app serves; any other (CONNECT, TRACE, WebDAV's, made-up ones) is
/// answered 405 before it reaches a handler. Leptos' fallback, for one, cannot take a
/// CONNECT's authority-form target.
const SERVED_METHODS: [Method; 7] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
    Method::OPTIONS,
];

pub async fn served_methods(req: Request, next: Next) -> Response {
    if SERVED_METHODS.contains(req.method()) && req.uri().path().starts_with('/') {
        return next.run(req).await;
    }
    let mut response = ApiError::MethodNotAllowed.into_response();
    response.headers_mut().insert(
        header::ALLOW,
        HeaderValue::from_static("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"),
    );
    response
}

/// The largest body any route takes: the import, file and form fields around it.
pub const LARGEST_BODY: u64 = crate::importing::MAX_IMPORT_BODY as u64 + 64 * 1024;

/// Refuses a body announced (Content-Length) larger than any route takes, before a handler
/// runs: a client that sent `Expect: 100-continue` hears 413 instead of being told to send
/// it. Each route still enforces its own, smaller, limit as it reads.
pub async fn announced_size(req: Request, next: Next) -> Response {
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > LARGEST_BODY) {
        return ApiError::TooLarge(LARGEST_BODY as usize).into_response();
    }
    next.run(req).await
}

/// Whether a response may be kept by caches: only the built site's files (under `/pkg`) and
/// the public files the site ships (`pwa::public_files`). Pages and API answers, which are one
/// person's data, may not; a route added later is private unless listed there.
fn cacheable(path: &str) -> bool {
    path.starts_with("/pkg/") || crate::pwa::is_public_file(path)
}

/// scheme://host[:port] of an absolute URL, as a browser would send it in `Origin`.
fn origin_of(url: &str) -> Option<String> {
    let uri: Uri = url.parse().ok()?;
    Some(format!("{}://{}", uri.scheme_str()?, uri.authority()?))
}

/// The one value of the header `name`, or `Err` when it is sent more than once (a browser never
/// does; a second copy is an attempt to have one check read the first and another the second).
fn single(headers: &HeaderMap, name: header::HeaderName) -> Result<Option<&HeaderValue>, ()> {
    let mut values = headers.get_all(name).iter();
    let first = values.next();
    match values.next() {
        Some(_) => Err(()),
        None => Ok(first),
    }
}

/// True when the request may change state: a safe method, or an Origin (or, lacking it, a
/// Referer) naming this site. A request with neither comes from a client that is not a
/// browser (browsers send Origin with every cross-site POST, and SameSite=Lax keeps the
/// session cookie off those anyway).
///
/// "This site" is `IRONLOG_PUBLIC_URL`'s origin or, unset, `scheme://` and the request's `Host`,
/// where `scheme` is `http` (what the server serves itself) unless a trusted proxy said the
/// browser came over HTTPS (`extract::forwarded_scheme`; asked only when it is needed). The
/// comparison is exact, scheme
/// included, as browsers serialise an origin: lowercase, no path, no trailing `/`, no spaces; a
/// header sent twice is refused.
fn same_origin_as(
    method: &Method,
    headers: &HeaderMap,
    public_origin: Option<&str>,
    scheme: impl FnOnce() -> &'static str,
) -> bool {
    if matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) {
        return true;
    }
    let (Ok(origin), Ok(referer)) = (
        single(headers, header::ORIGIN),
        single(headers, header::REFERER),
    ) else {
        return false;
    };
    let sent = match (origin, referer) {
        (Some(origin), _) => origin.to_str().ok().map(str::to_owned),
        (None, Some(referer)) => referer.to_str().ok().and_then(origin_of),
        (None, None) => return true,
    };
    // "null", not text or not a URL: never this site.
    let Some(sent) = sent else {
        return false;
    };
    match public_origin {
        Some(expected) => sent == expected,
        None => match single(headers, header::HOST) {
            Ok(Some(host)) => host
                .to_str()
                .is_ok_and(|host| sent == format!("{}://{}", scheme(), host.to_ascii_lowercase())),
            _ => false,
        },
    }
}

/// [`same_origin_as`] a site served over plain HTTP by this server.
#[cfg(test)]
fn same_origin(method: &Method, headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    same_origin_as(method, headers, public_origin, || "http")
}

/// Refuses cross-site state-changing requests with 403.
pub async fn csrf(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| peer.ip());
    let scheme = || match peer {
        Some(peer) => forwarded_scheme(peer, req.headers(), &state.trusted_proxies),
        None => "http",
    };
    if same_origin_as(
        req.method(),
        req.headers(),
        state.public_origin.as_deref(),
        scheme,
    ) {
        next.run(req).await
    } else {
        tracing::warn!(path = %req.uri().path(), "refused a cross-site request");
        ApiError::Forbidden("cross-site requests are refused").into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn cross_site_posts_are_refused_and_same_site_ones_pass() {
        let post = Method::POST;
        let host = ("host", "ironlog.test:8080");
        assert!(same_origin(
            &post,
            &headers(&[host, ("origin", "http://ironlog.test:8080")]),
            None
        ));
        assert!(!same_origin(
            &post,
            &headers(&[host, ("origin", "http://evil.test")]),
            None
        ));
        assert!(!same_origin(
            &post,
            &headers(&[host, ("origin", "null")]),
            None
        ));
        assert!(!same_origin(
            &post,
            &headers(&[host, ("referer", "http://evil.test/x")]),
            None
        ));
        assert!(same_origin(
            &post,
            &headers(&[host, ("referer", "http://ironlog.test:8080/log")]),
            None
        ));
        assert!(
            same_origin(&post, &headers(&[host]), None),
            "no browser headers: not a browser"
        );
        assert!(same_origin(
            &Method::GET,
            &headers(&[host, ("origin", "http://evil.test")]),
            None
        ));
        let public = Some("https://ironlog.example");
        assert!(same_origin(
            &post,
            &headers(&[("origin", "https://ironlog.example")]),
            public
        ));
        assert!(!same_origin(
            &post,
            &headers(&[("origin", "http://ironlog.example")]),
            public
        ));
    }

    #[test]
    fn the_origin_must_be_this_site_exactly_scheme_included_and_sent_once() {
        let post = Method::POST;
        let host = ("host", "127.0.0.1:8080");
        for refused in [
            "https://127.0.0.1:8080",
            "http://127.0.0.1:8080/",
            "HTTP://127.0.0.1:8080",
            " http://127.0.0.1:8080",
            "http://127.0.0.1:8081",
            "http://127.0.0.1",
        ] {
            let mut h = headers(&[host]);
            h.insert("origin", HeaderValue::from_str(refused).unwrap());
            assert!(!same_origin(&post, &h, None), "{refused:?} was accepted");
        }
        let mut twice = headers(&[host, ("origin", "http://127.0.0.1:8080")]);
        twice.append("origin", HeaderValue::from_static("http://evil.test"));
        assert!(!same_origin(&post, &twice, None), "a second Origin");
        let mut referers = headers(&[host, ("referer", "http://127.0.0.1:8080/log")]);
        referers.append("referer", HeaderValue::from_static("http://evil.test/"));
        assert!(!same_origin(&post, &referers, None), "a second Referer");
        assert!(!same_origin(
            &post,
            &headers(&[host, ("referer", "https://127.0.0.1:8080/log")]),
            None
        ));
        assert!(
            !same_origin(
                &post,
                &headers(&[("origin", "http://127.0.0.1:8080")]),
                None
            ),
            "no Host and no public URL: nothing to compare with"
        );
        let public = Some("https://ironlog.example");
        for refused in [
            "https://ironlog.example/",
            "HTTPS://ironlog.example",
            "https://IRONLOG.example",
        ] {
            let mut h = HeaderMap::new();
            h.insert("origin", HeaderValue::from_str(refused).unwrap());
            assert!(!same_origin(&post, &h, public), "{refused:?} was accepted");
        }
        assert!(same_origin(
            &post,
            &headers(&[host, ("origin", "http://127.0.0.1:8080")]),
            None
        ));
        // Behind a proxy that ends TLS and says so, the site is the https one.
        let tls = headers(&[host, ("origin", "https://127.0.0.1:8080")]);
        assert!(same_origin_as(&post, &tls, None, || "https"));
        let plain = headers(&[host, ("origin", "http://127.0.0.1:8080")]);
        assert!(!same_origin_as(&post, &plain, None, || "https"));
    }

    #[test]
    fn the_policy_never_allows_inline_script_without_the_nonce() {
        let csp = content_security_policy("abc", None);
        assert!(csp.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval'"));
        let cdn = content_security_policy("abc", Some("https://cdn.example"));
        assert!(cdn.contains("script-src 'self' https://cdn.example 'nonce-abc'"));
        assert!(cdn.contains("style-src 'self' https://cdn.example;"));
        assert!(cdn.contains("connect-src 'self' https://cdn.example;"));
        assert_eq!(cdn.matches("https://cdn.example").count(), 3, "{cdn}");
        assert!(!csp.contains("unsafe-inline"));
        assert!(csp.contains("frame-ancestors 'none'"));
    }
}
