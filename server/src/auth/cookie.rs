//! The session cookie: `HttpOnly` (scripts never see it), `SameSite=Lax` (not sent on
//! cross-site posts; still sent when a link from elsewhere opens Ironlog), `Path=/`, a
//! `Max-Age` equal to the session's lifetime, and `Secure` with the `__Host-` prefix when
//! Ironlog is served over HTTPS.

use std::time::Duration;

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

    /// `Set-Cookie` for a new session.
    pub fn set(&self, token: &str, lifetime: Duration) -> Option<HeaderValue> {
        let value = format!(
            "{}={token}{}",
            self.name(),
            self.attributes(lifetime.as_secs())
        );
        HeaderValue::from_str(&value).ok()
    }

    /// `Set-Cookie` that removes the session cookie.
    pub fn clear(&self) -> HeaderValue {
        let value = format!("{}={}", self.name(), self.attributes(0));
        HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static(""))
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
}
