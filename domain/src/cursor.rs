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
        let (millis, id) = s.split_once('_').ok_or(BadCursor)?;
        let millis: i64 = millis.parse().map_err(|_| BadCursor)?;
        let performed_at = DateTime::from_timestamp_millis(millis).ok_or(BadCursor)?;
        let id = Uuid::try_parse(id).map_err(|_| BadCursor)?;
        Ok(Self { performed_at, id })
    }
}

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
    fn rejects_garbage() {
        for bad in [
            "",
            "abc",
            "12_",
            "_x",
            "x_0190a0a0a0a0a0a0a0a0a0a0a0a0a0a0",
            "1_not-a-uuid",
        ] {
            assert_eq!(bad.parse::<Cursor>(), Err(BadCursor), "{bad:?}");
        }
    }
}
