//! Reconnect loops (broker, database at start-up, the consumer's store) never give up; each
//! waits on a jittered exponential backoff from `backon`, so many processes restarted together
//! do not hammer a recovering broker or database in step.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};

/// Delays from `min`, doubling up to `max`, each with random jitter; never ends. Build a new one
/// to start again from `min` after a success.
pub fn forever(min: Duration, max: Duration) -> Forever {
    Forever {
        delays: ExponentialBuilder::default()
            .with_min_delay(min)
            .with_max_delay(max)
            .with_jitter()
            .without_max_times()
            .build(),
        max,
    }
}

/// An endless backoff; see [`forever`].
#[derive(Debug)]
pub struct Forever {
    delays: ExponentialBackoff,
    max: Duration,
}

impl Forever {
    /// The delay to wait before the next attempt.
    pub fn next_delay(&mut self) -> Duration {
        // Without a limit on attempts the iterator never ends; the ceiling is only a guard.
        self.delays.next().unwrap_or(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_to_the_ceiling_with_jitter_and_never_ends() {
        let (min, max) = (Duration::from_millis(100), Duration::from_millis(400));
        let delays: Vec<Duration> = {
            let mut b = forever(min, max);
            (0..50).map(|_| b.next_delay()).collect()
        };
        assert!(
            delays.iter().all(|d| *d >= min && *d <= max * 2),
            "{delays:?}"
        );
        // Jitter: two backoffs started together do not wait the same.
        let mut a = forever(min, max);
        let mut b = forever(min, max);
        let a: Vec<_> = (0..10).map(|_| a.next_delay()).collect();
        let b: Vec<_> = (0..10).map(|_| b.next_delay()).collect();
        assert_ne!(a, b, "jittered delays differ between backoffs");
        assert!(
            delays[10..].iter().all(|d| *d >= max),
            "reaches the ceiling"
        );
    }
}
