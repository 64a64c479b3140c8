//! The stores' error: it keeps the driver's error as its source and says whether trying again
//! may help, so callers decide between "try again" (503) and "this is broken" without reading
//! messages.

/// An adapter's underlying error (driver, I/O, codec), kept whole for logs.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store cannot be reached now (network, election, timeout): trying again may succeed.
    #[error("the store is unavailable")]
    Unavailable(#[source] BoxError),
    /// The store answered with an error that repeating the same request will not fix.
    #[error("the store refused the operation")]
    Rejected(#[source] BoxError),
    /// A stored record does not decode: data written by a bug or by hand.
    #[error("stored record {id} is unreadable")]
    Corrupt {
        id: String,
        #[source]
        source: BoxError,
    },
}

impl StoreError {
    pub fn unavailable(e: impl Into<BoxError>) -> Self {
        Self::Unavailable(e.into())
    }

    pub fn rejected(e: impl Into<BoxError>) -> Self {
        Self::Rejected(e.into())
    }

    pub fn corrupt(id: impl Into<String>, e: impl Into<BoxError>) -> Self {
        Self::Corrupt {
            id: id.into(),
            source: e.into(),
        }
    }

    /// Whether the same request may succeed later.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// Shows an error and every source under it, `outer: inner: root`, for the one log line
/// written where an error is handled.
pub struct Chain<'a>(pub &'a (dyn std::error::Error + 'static));

impl std::fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(e) = source {
            write!(f, ": {e}")?;
            source = e.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn keeps_its_source_and_says_whether_to_retry() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let e = StoreError::unavailable(io);
        assert!(e.is_transient());
        assert_eq!(
            e.source().map(|s| s.to_string()).as_deref(),
            Some("refused")
        );
        let e = StoreError::corrupt("w1", "bad json");
        assert!(!e.is_transient());
        assert_eq!(e.to_string(), "stored record w1 is unreadable");
        assert_eq!(
            e.source().map(|s| s.to_string()).as_deref(),
            Some("bad json")
        );
    }

    #[test]
    fn a_chain_shows_every_source() {
        let io = std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer in 30 s");
        let e = StoreError::unavailable(io);
        assert_eq!(
            Chain(&e).to_string(),
            "the store is unavailable: no answer in 30 s"
        );
    }
}
