//! What handlers take from a request: its body within limits, the signed-in user, and the
//! client's address as the trusted proxies report it.

use std::net::{IpAddr, SocketAddr};

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use ipnet::IpNet;
use service::CurrentUser;

use crate::auth::middleware::SessionsDown;
use crate::error::ApiError;
use crate::state::AppState;

/// The most a request body may hold (the import has its own, larger, limit).
pub const MAX_BODY: usize = 64 * 1024;

/// Reads at most `MAX_BODY` bytes; a longer body is refused without reading the rest.
pub async fn read_body(body: Body) -> Result<axum::body::Bytes, ApiError> {
    read_at_most(body, MAX_BODY).await
}

/// Reads at most `max` bytes. A body announced longer (its Content-Length) is refused before
/// a byte is read, so a client that asked `Expect: 100-continue` is told 413, not to go on.
pub async fn read_at_most(body: Body, max: usize) -> Result<axum::body::Bytes, ApiError> {
    if http_body::Body::size_hint(&body).lower() > max as u64 {
        return Err(ApiError::TooLarge(max));
    }
    axum::body::to_bytes(body, max)
        .await
        .map_err(|_| ApiError::TooLarge(max))
}

/// The body as JSON: at most `MAX_BODY` bytes (413), well-formed (400).
pub async fn json_body(body: Body) -> Result<serde_json::Value, ApiError> {
    let bytes = read_body(body).await?;
    serde_json::from_slice(&bytes).map_err(|e| ApiError::MalformedJson(e.to_string()))
}

/// The body of a request that must be JSON: 415 unless its content type says so, then as
/// [`json_body`].
pub async fn json_request(headers: &HeaderMap, body: Body) -> Result<serde_json::Value, ApiError> {
    if !is_json(headers) {
        return Err(ApiError::UnsupportedMediaType("application/json"));
    }
    json_body(body).await
}

/// The request's media type, lowercased, without parameters: `text/csv; charset=utf-8` →
/// `text/csv`.
pub fn media_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| mime.trim().to_ascii_lowercase())
}

pub fn is_json(headers: &HeaderMap) -> bool {
    media_type(headers).is_some_and(|mime| {
        mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
    })
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

/// The client's address: the TCP peer, unless the peer is one of the configured trusted
/// proxies; then the address their `Forwarded` or `X-Forwarded-For` header names, read from the
/// right and skipping the trusted proxies' own hops, so a client cannot choose it by sending
/// the header itself.
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .ok_or(ApiError::Internal(
                "the server was started without peer addresses",
            ))?;
        Ok(ClientIp(client_ip(
            peer,
            &parts.headers,
            &state.trusted_proxies,
        )))
    }
}

fn is_trusted(ip: IpAddr, trusted: &[IpNet]) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    trusted.iter().any(|net| net.contains(&ip))
}

/// The comma-separated elements of every `name` header, in order (nearest hop last).
fn list_elements<'a>(
    headers: &'a HeaderMap,
    name: &'static str,
) -> impl DoubleEndedIterator<Item = &'a str> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
}

/// The value of `key` (`for`, `proto`) in one element of a `Forwarded` header (RFC 7239).
fn forwarded_param<'a>(element: &'a str, key: &str) -> Option<&'a str> {
    element
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

/// The addresses a forwarding header lists, nearest hop last. `Forwarded` (RFC 7239) wins over
/// `X-Forwarded-For` when both are present.
fn forwarded_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded: Vec<&str> = list_elements(headers, "forwarded").collect();
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .map(|element| forwarded_param(element, "for").and_then(parse_node))
            .collect();
    }
    list_elements(headers, "x-forwarded-for")
        .map(parse_node)
        .collect()
}

/// `192.0.2.1`, `"[2001:db8::1]:4711"`, `192.0.2.1:80`; `unknown` and obfuscated names are none.
fn parse_node(v: &str) -> Option<IpAddr> {
    let v = v.trim().trim_matches('"');
    if let Ok(ip) = v.parse() {
        return Some(ip);
    }
    if let Some(rest) = v.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    v.parse::<SocketAddr>().ok().map(|s| s.ip())
}

pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    if !is_trusted(peer, trusted) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded_chain(headers).into_iter().rev() {
        match hop {
            // A hop a trusted proxy vouches for; keep walking while it is one of ours.
            Some(ip) => {
                client = ip;
                if !is_trusted(ip, trusted) {
                    break;
                }
            }
            // An unreadable hop: nothing left of it can be believed.
            None => break,
        }
    }
    client
}

/// The scheme browsers reached this site with: `https` when a trusted proxy (the TCP peer is
/// one of `trusted`) says its nearest client hop came over HTTPS, in `Forwarded`'s `proto=` or,
/// lacking it, `X-Forwarded-Proto`; otherwise `http`, what this server itself serves. A header
/// from anyone else is not believed.
pub fn forwarded_scheme(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> &'static str {
    if !is_trusted(peer, trusted) {
        return "http";
    }
    let proto = match list_elements(headers, "forwarded").next_back() {
        Some(element) => forwarded_param(element, "proto").map(|v| v.trim_matches('"')),
        None => list_elements(headers, "x-forwarded-proto").next_back(),
    };
    match proto {
        Some(p) if p.eq_ignore_ascii_case("https") => "https",
        _ => "http",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_trusted_proxy_says_the_scheme_was_https() {
        let trusted = nets(&["10.0.0.0/8"]);
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let stranger: IpAddr = "203.0.113.9".parse().unwrap();
        let xfp = headers(&[("x-forwarded-proto", "https")]);
        assert_eq!(forwarded_scheme(proxy, &xfp, &trusted), "https");
        assert_eq!(forwarded_scheme(stranger, &xfp, &trusted), "http");
        assert_eq!(forwarded_scheme(proxy, &HeaderMap::new(), &trusted), "http");
        let fwd = headers(&[("forwarded", "for=198.51.100.1;proto=https")]);
        assert_eq!(forwarded_scheme(proxy, &fwd, &trusted), "https");
        // The nearest hop's word counts: a client's own "https" earlier in the chain does not.
        let chain = headers(&[("x-forwarded-proto", "https, http")]);
        assert_eq!(forwarded_scheme(proxy, &chain, &trusted), "http");
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn accepts_json_content_types_only() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, v.parse().unwrap());
            is_json(&h)
        };
        assert!(with("application/json"));
        assert!(with("application/json; charset=utf-8"));
        assert!(with("application/merge+json"));
        assert!(!with("text/plain"));
        assert!(!is_json(&HeaderMap::new()));
    }

    #[test]
    fn only_trusted_peers_are_believed() {
        let trusted = nets(&["10.0.0.0/8"]);
        let peer: IpAddr = "203.0.113.9".parse().unwrap();
        let forged = headers(&[("x-forwarded-for", "198.51.100.1")]);
        assert_eq!(
            client_ip(peer, &forged, &trusted),
            peer,
            "an untrusted peer's header is ignored"
        );
        assert_eq!(
            client_ip(peer, &forged, &[]),
            peer,
            "no trusted proxies: the peer"
        );

        let proxy: IpAddr = "10.1.2.3".parse().unwrap();
        let h = headers(&[("x-forwarded-for", "198.51.100.1, 192.0.2.7, 10.9.9.9")]);
        assert_eq!(
            client_ip(proxy, &h, &trusted),
            "192.0.2.7".parse::<IpAddr>().unwrap(),
            "the right-most address that is not our proxy: the client cannot pick it"
        );
        let h = headers(&[(
            "forwarded",
            "for=198.51.100.1, for=\"[2001:db8::7]:4711\";proto=https",
        )]);
        assert_eq!(
            client_ip(proxy, &h, &trusted),
            "2001:db8::7".parse::<IpAddr>().unwrap()
        );
        let h = headers(&[("x-forwarded-for", "garbage")]);
        assert_eq!(
            client_ip(proxy, &h, &trusted),
            proxy,
            "unreadable: the proxy itself"
        );
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &trusted), proxy);
    }
}
