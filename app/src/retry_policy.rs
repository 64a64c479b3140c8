//! What the browser does with an answer to a write it may repeat (the workout's id makes every
//! attempt safe): pure, so it is tested natively; the browser client (`client.rs`) applies it,
//! waiting with `backon`'s jittered backoff.

use std::time::Duration;

/// The longest a `Retry-After` is honoured for: a person is waiting on the Save button.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(30);

/// What to do after an answer that was not the success the caller wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The answer stands (a refusal such as 400 or 422): show it, do not ask again.
    Final,
    /// Ask again after this long, as the server said (capped at [`RETRY_AFTER_CAP`]).
    RetryAfter(Duration),
    /// Ask again after the next jittered backoff delay.
    Backoff,
}

/// Decides from the status and the `Retry-After` header (if any). 429 and 5xx are worth
/// another attempt, honouring `Retry-After: <seconds>` when it is there; any other status is
/// final. A failure with no answer at all is [`Decision::Backoff`] (the caller knows that case).
pub fn decide(status: u16, retry_after: Option<&str>) -> Decision {
    if status != 429 && !(500..600).contains(&status) {
        return Decision::Final;
    }
    retry_after
        .and_then(seconds)
        .map_or(Decision::Backoff, |wait| {
            Decision::RetryAfter(wait.min(RETRY_AFTER_CAP))
        })
}

/// `Retry-After` as delay-seconds (RFC 9110 §10.2.3). The HTTP-date form is not honoured (this
/// server never sends it, and the browser's clock may be wrong): it falls back to the backoff.
fn seconds(value: &str) -> Option<Duration> {
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // All digits but too large for u64 is still "a long time": the cap applies.
    Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_many_requests_waits_as_long_as_the_server_says() {
        assert_eq!(
            decide(429, Some("7")),
            Decision::RetryAfter(Duration::from_secs(7))
        );
        assert_eq!(
            decide(503, Some(" 1 ")),
            Decision::RetryAfter(Duration::from_secs(1))
        );
        assert_eq!(decide(429, Some("0")), Decision::RetryAfter(Duration::ZERO));
    }

    #[test]
    fn retry_after_is_capped() {
        assert_eq!(
            decide(429, Some("3600")),
            Decision::RetryAfter(RETRY_AFTER_CAP)
        );
        assert_eq!(
            decide(503, Some("99999999999999999999999")),
            Decision::RetryAfter(RETRY_AFTER_CAP)
        );
    }

    #[test]
    fn retryable_answers_without_a_usable_retry_after_back_off() {
        assert_eq!(decide(429, None), Decision::Backoff);
        assert_eq!(decide(503, None), Decision::Backoff);
        assert_eq!(decide(500, None), Decision::Backoff);
        assert_eq!(decide(502, Some("")), Decision::Backoff);
        assert_eq!(decide(503, Some("-1")), Decision::Backoff);
        assert_eq!(decide(503, Some("1.5")), Decision::Backoff);
        assert_eq!(
            decide(503, Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            Decision::Backoff
        );
    }

    #[test]
    fn other_answers_are_final_whatever_the_header() {
        for status in [200, 202, 301, 400, 401, 403, 404, 409, 413, 422] {
            assert_eq!(decide(status, None), Decision::Final, "{status}");
            assert_eq!(decide(status, Some("5")), Decision::Final, "{status}");
        }
    }
}
