//! The session cookie: `HttpOnly` (scripts never see it), `SameSite=Lax` (not sent on
//! cross-site posts; still sent when a link from elsewhere opens Ironlog), `Path=/`, a
//! `Max-Age` equal to the session's lifetime, and `Secure` with the `__Host-` prefix when
//! Ironlog is served over HTTPS.

use std::time::Duration;

use axum::http::header::InvalidHeaderValue;
use axum::http::{header, HeaderMap, HeaderValue};

#[derive(Debug, Clone, Copy)]
pub struct CookiePolicy {
    /// Served over HTTPS (directly or behind a TLS-terminating proxy).
    pub secure: bool,
}

impl CookiePolicy {
    pub fn name(&self) -> &'static str {
        if self.secure {
            "__Host-ironlog_session"
        } else {
            "ironlog_session"
        }
    }

    fn attributes(&self, max_age: u64) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!("; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
    }

    /// `Set-Cookie` for a new session; an error (never an empty header) if the token could not
    /// be sent in a header.
    pub fn set(&self, token: &str, lifetime: Duration) -> Result<HeaderValue, InvalidHeaderValue> {
        let value = format!(
            "{}={token}{}",
            self.name(),
            self.attributes(lifetime.as_secs())
        );
        HeaderValue::from_str(&value)
    }

    /// `Set-Cookie` that removes the session cookie.
    pub fn clear(&self) -> HeaderValue {
        // Built from constants only, so it is always a valid header.
        HeaderValue::from_static(if self.secure {
            "__Host-ironlog_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure"
        } else {
            "ironlog_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
        })
    }

    /// The session token sent with the request, if any.
    pub fn read(&self, headers: &HeaderMap) -> Option<String> {
        let name = self.name();
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.trim_matches('"').to_owned())
            .filter(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_carry_every_protective_attribute() {
        let plain = CookiePolicy { secure: false };
        let set = plain.set("tok", Duration::from_secs(60)).unwrap();
        assert_eq!(
            set.to_str().unwrap(),
            "ironlog_session=tok; Path=/; HttpOnly; SameSite=Lax; Max-Age=60"
        );
        let tls = CookiePolicy { secure: true };
        assert_eq!(
            tls.set("tok", Duration::from_secs(60))
                .unwrap()
                .to_str()
                .unwrap(),
            "__Host-ironlog_session=tok; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure"
        );
        assert!(tls.clear().to_str().unwrap().contains("Max-Age=0"));
    }

    #[test]
    fn reads_the_session_among_other_cookies() {
        let policy = CookiePolicy { secure: false };
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; ironlog_session=abc; other=1"),
        );
        assert_eq!(policy.read(&headers).as_deref(), Some("abc"));
        assert_eq!(CookiePolicy { secure: true }.read(&headers), None);
    }

    #[test]
    fn a_cookie_that_cannot_be_a_header_is_an_error_not_an_empty_header() {
        let policy = CookiePolicy { secure: false };
        assert!(policy
            .set("token\nInjected: yes", Duration::from_secs(60))
            .is_err());
        let ok = policy.set("abc", Duration::from_secs(60)).unwrap();
        assert!(ok
            .to_str()
            .unwrap()
            .starts_with("ironlog_session=abc; Path=/"));
        for secure in [false, true] {
            let policy = CookiePolicy { secure };
            let cleared = policy.clear();
            let text = cleared.to_str().unwrap();
            assert!(text.starts_with(&format!("{}=;", policy.name())), "{text}");
            assert!(text.contains("Max-Age=0"), "{text}");
            assert_eq!(text.contains("; Secure"), secure, "{text}");
        }
    }
}
