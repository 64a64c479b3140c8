//! History is ordered newest first by `(performed_at, id)`; a cursor names the last item seen.

use chrono::{DateTime, Utc};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub performed_at: DateTime<Utc>,
    pub id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadCursor;

impl fmt::Display for BadCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("must be a cursor returned in `next` by an earlier page")
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}_{}",
            self.performed_at.timestamp_millis(),
            self.id.simple()
        )
    }
}

impl FromStr for Cursor {
    type Err = BadCursor;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Only the form `Display` writes (the API description's pattern, CURSOR_PATTERN), so
        // what the description allows and what the server takes are the same.
        let (millis, id) = s.split_once('_').ok_or(BadCursor)?;
        let digits = millis.strip_prefix('-').unwrap_or(millis);
        let canonical = (1..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && id.len() == 32
            && id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !canonical {
            return Err(BadCursor);
        }
        let millis: i64 = millis.parse().map_err(|_| BadCursor)?;
        let performed_at = DateTime::from_timestamp_millis(millis).ok_or(BadCursor)?;
        let id = Uuid::try_parse(id).map_err(|_| BadCursor)?;
        Ok(Self { performed_at, id })
    }
}

/// What a cursor looks like: milliseconds since the epoch, `_`, the id as 32 hex digits.
pub const CURSOR_PATTERN: &str = "^-?[0-9]{1,15}_[0-9a-f]{32}$";

/// Page sizes accepted by the history API.
pub const DEFAULT_PAGE: usize = 20;
pub const MAX_PAGE: usize = 100;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let c = Cursor {
            performed_at: DateTime::from_timestamp_millis(1_700_000_000_123).unwrap(),
            id: Uuid::now_v7(),
        };
        assert_eq!(c.to_string().parse::<Cursor>(), Ok(c));
    }

    #[test]
    fn takes_exactly_what_the_pattern_describes() {
        let c = Cursor {
            performed_at: DateTime::from_timestamp_millis(-5).unwrap(),
            id: Uuid::now_v7(),
        };
        let text = c.to_string();
        let digits_then_hex = text.split_once('_').unwrap();
        assert!(digits_then_hex.1.len() == 32 && text.starts_with("-5_"));
        assert_eq!(text.parse::<Cursor>(), Ok(c));
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "abc",
            "12_",
            "_x",
            "x_0190a0a0a0a0a0a0a0a0a0a0a0a0a0a0",
            "1_not-a-uuid",
            "+1_0190a0a0a0a0a0a0a0a0a0a0a0a0a0",
            "1_0190A0A0A0A0A0A0A0A0A0A0A0A0A0",
            "1_0190a0a0-a0a0-a0a0-a0a0-a0a0a0a0a0a0",
            "1234567890123456_0190a0a0a0a0a0a0a0a0a0a0a0a0a0a0",
        ] {
            assert_eq!(bad.parse::<Cursor>(), Err(BadCursor), "{bad:?}");
        }
    }
}
