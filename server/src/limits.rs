//! Rate limits, answered with `429 Too Many Requests` and `Retry-After`: sign-up and log-in per
//! client address and log-in per account (against password guessing), and writes per user
//! (one account cannot flood the queue). Limits are per server process: behind a load
//! balancer with N servers a client may get up to N times the rate.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::ApiError;
use crate::serve::client_key;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitConfig {
    /// Sign-ups and log-ins per client address per minute (also the burst).
    pub auth_per_ip_per_minute: NonZeroU32,
    /// Log-ins per account (email) from one client address per minute (also the burst).
    pub login_per_account_per_minute: NonZeroU32,
    /// Log-ins per account from all addresses together: much higher, so one client guessing
    /// cannot lock the owner out, while a spread-out guesser still meets a ceiling.
    pub login_account_ceiling_per_minute: NonZeroU32,
    /// Logged workouts per user per second, sustained.
    pub writes_per_second: NonZeroU32,
    /// Logged workouts a user may send at once before the sustained rate applies.
    pub write_burst: NonZeroU32,
    /// Imported sessions per user per hour, each charged.
    pub import_sessions_per_hour: NonZeroU32,
}

impl Default for LimitConfig {
    fn default() -> Self {
        Self {
            auth_per_ip_per_minute: NonZeroU32::new(30).unwrap_or(NonZeroU32::MIN),
            login_per_account_per_minute: NonZeroU32::new(10).unwrap_or(NonZeroU32::MIN),
            login_account_ceiling_per_minute: NonZeroU32::new(100).unwrap_or(NonZeroU32::MIN),
            writes_per_second: NonZeroU32::new(10).unwrap_or(NonZeroU32::MIN),
            write_burst: NonZeroU32::new(100).unwrap_or(NonZeroU32::MIN),
            import_sessions_per_hour: NonZeroU32::new(10_000).unwrap_or(NonZeroU32::MIN),
        }
    }
}

pub struct Limits {
    auth_by_ip: DefaultKeyedRateLimiter<IpAddr>,
    login_by_account_and_client: DefaultKeyedRateLimiter<(String, IpAddr)>,
    login_by_account: DefaultKeyedRateLimiter<String>,
    writes_by_user: DefaultKeyedRateLimiter<String>,
    imported_by_user: DefaultKeyedRateLimiter<String>,
}

/// How long to wait before trying again, in whole seconds (at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

fn check<K: Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
) -> Result<(), RetryAfter> {
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        RetryAfter((wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1))
    })
}

impl Limits {
    pub fn new(config: LimitConfig) -> Self {
        let per_minute = |n: NonZeroU32| Quota::per_minute(n).allow_burst(n);
        Self {
            auth_by_ip: RateLimiter::keyed(per_minute(config.auth_per_ip_per_minute)),
            login_by_account_and_client: RateLimiter::keyed(per_minute(
                config.login_per_account_per_minute,
            )),
            login_by_account: RateLimiter::keyed(per_minute(
                config.login_account_ceiling_per_minute,
            )),
            writes_by_user: RateLimiter::keyed(
                Quota::per_second(config.writes_per_second).allow_burst(config.write_burst),
            ),
            imported_by_user: RateLimiter::keyed(
                Quota::per_hour(config.import_sessions_per_hour)
                    .allow_burst(config.import_sessions_per_hour),
            ),
        }
    }

    pub fn auth_attempt(&self, ip: IpAddr) -> Result<(), RetryAfter> {
        check(&self.auth_by_ip, &client_key(ip))
    }

    /// A log-in to `email` from `client`: limited per (account, client), then per account
    /// (the pair first, so one client past its own limit does not use up the account's).
    pub fn login_attempt(&self, email: &str, client: IpAddr) -> Result<(), RetryAfter> {
        let account = email.trim().to_lowercase();
        check(
            &self.login_by_account_and_client,
            &(account.clone(), client_key(client)),
        )?;
        check(&self.login_by_account, &account)
    }

    pub fn write(&self, user_id: &str) -> Result<(), RetryAfter> {
        check(&self.writes_by_user, &user_id.to_owned())
    }

    /// Charges an import's `sessions` new sessions, each one a write. More than an hour's
    /// allowance at once can never pass, and says so.
    pub fn import_sessions(&self, user_id: &str, sessions: usize) -> Result<(), ApiError> {
        let Some(n) = NonZeroU32::new(u32::try_from(sessions).unwrap_or(u32::MAX)) else {
            return Ok(());
        };
        match self.imported_by_user.check_key_n(&user_id.to_owned(), n) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(not_until)) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                Err(ApiError::TooManyRequests(wait.as_secs().max(1)))
            }
            Err(capacity) => Err(ApiError::InvalidInput(vec![domain::Problem::new(
                "file",
                format!(
                    "holds {sessions} new sessions; at most {} may be imported per hour",
                    capacity.0
                ),
            )])),
        }
    }

    /// Drops the state of keys that are back to a full allowance, so memory follows the
    /// number of recently active clients, not every client ever seen.
    pub fn forget_idle(&self) {
        self.auth_by_ip.retain_recent();
        self.login_by_account_and_client.retain_recent();
        self.login_by_account.retain_recent();
        self.writes_by_user.retain_recent();
        self.imported_by_user.retain_recent();
    }

    /// Calls [`Limits::forget_idle`] every `every`, for as long as the process runs.
    pub fn spawn_cleanup(self: &std::sync::Arc<Self>, every: Duration) {
        let limits = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                limits.forget_idle();
            }
        });
    }
}

impl From<RetryAfter> for ApiError {
    fn from(r: RetryAfter) -> Self {
        ApiError::TooManyRequests(r.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_limit_refuses_past_its_burst_and_says_when_to_retry() {
        let three = NonZeroU32::new(3).unwrap();
        let limits = Limits::new(LimitConfig {
            auth_per_ip_per_minute: three,
            login_per_account_per_minute: three,
            login_account_ceiling_per_minute: NonZeroU32::new(5).unwrap(),
            writes_per_second: NonZeroU32::MIN,
            write_burst: three,
            import_sessions_per_hour: three,
        });
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..3 {
            assert_eq!(limits.auth_attempt(ip), Ok(()));
            assert_eq!(limits.login_attempt("Ada@example.com", ip), Ok(()));
            assert_eq!(limits.write("u1"), Ok(()));
        }
        let RetryAfter(secs) = limits.auth_attempt(ip).unwrap_err();
        assert!((1..=20).contains(&secs), "{secs}");
        assert!(
            limits.login_attempt(" ada@EXAMPLE.com", ip).is_err(),
            "same account and client, however typed"
        );
        // The owner, elsewhere, still gets in; the account's ceiling stops a spread-out guess.
        let owner: IpAddr = "198.51.100.7".parse().unwrap();
        assert_eq!(limits.login_attempt("ada@example.com", owner), Ok(()));
        assert_eq!(limits.login_attempt("ada@example.com", owner), Ok(()));
        assert!(
            limits
                .login_attempt("ada@example.com", "203.0.113.9".parse().unwrap())
                .is_err(),
            "5 attempts from all clients reach the account's ceiling"
        );
        assert_eq!(limits.write("u1"), Err(RetryAfter(1)));
        // Other keys have their own allowance.
        assert_eq!(limits.auth_attempt("192.0.2.2".parse().unwrap()), Ok(()));
        assert_eq!(limits.write("u2"), Ok(()));
    }
}
