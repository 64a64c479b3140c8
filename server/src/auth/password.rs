//! Password hashing with argon2id: 19 MiB of memory, 2 passes, 1 lane (OWASP's recommended
//! minimum), a fresh 16-byte salt per hash, stored in PHC string form. Hashing runs on the
//! blocking pool, a few at a time: each costs its memory and tens of milliseconds of a core,
//! and sign-up and log-in must not starve the write path.

use std::sync::{Arc, OnceLock};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

pub const MEMORY_KIB: u32 = 19 * 1024;
pub const PASSES: u32 = 2;
pub const LANES: u32 = 1;

/// Shortest and longest accepted passwords, in characters and bytes.
pub const MIN_CHARS: usize = 10;
pub const MAX_BYTES: usize = 1024;
/// The longest new password, in characters (so at most 1024 bytes of UTF-8).
pub const MAX_CHARS: usize = 256;

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing failed: {0}")]
    Failed(String),
}

fn argon2() -> Result<Argon2<'static>, HashError> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None)
        .map_err(|e| HashError::Failed(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Why a new password is refused, in words for the person choosing it.
pub fn check_new_password(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_CHARS {
        Err(format!("must be at least {MIN_CHARS} characters"))
    } else if password.chars().count() > MAX_CHARS {
        Err(format!("must be at most {MAX_CHARS} characters"))
    } else if password.chars().any(char::is_control) {
        // Tabs, newlines and the like cannot be typed the same way twice on every device.
        Err("must not contain control characters such as tabs or line breaks".into())
    } else if password.chars().all(char::is_whitespace) {
        Err("must contain something besides spaces".into())
    } else {
        Ok(())
    }
}

#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
}

impl Hasher {
    /// At most `concurrent` hashes at once.
    pub fn new(concurrent: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(concurrent.max(1))),
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> Result<T, HashError> + Send + 'static,
    ) -> Result<T, HashError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| HashError::Failed(e.to_string()))?;
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| HashError::Failed(e.to_string()))?
    }

    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        self.run(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2()?
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| HashError::Failed(e.to_string()))
        })
        .await
    }

    /// True when `password` matches `hash`. Without a hash (no such account) it checks against
    /// a stand-in, so the answer takes as long either way and timing does not tell whether an
    /// account exists.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, HashError> {
        let known = hash.is_some();
        let hash = match hash {
            Some(h) => h,
            None => stand_in_hash()?.to_owned(),
        };
        let matches = self
            .run(move || {
                let parsed =
                    PasswordHash::new(&hash).map_err(|e| HashError::Failed(e.to_string()))?;
                // Verification uses the parameters stored in the hash; argon2() only for its
                // algorithm, which rejects hashes of another kind.
                Ok(argon2()?
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok())
            })
            .await?;
        Ok(known && matches)
    }
}

/// A hash of a random password, made once, for [`Hasher::verify`] without an account.
fn stand_in_hash() -> Result<&'static str, HashError> {
    static STAND_IN: OnceLock<String> = OnceLock::new();
    if let Some(h) = STAND_IN.get() {
        return Ok(h);
    }
    let salt = SaltString::generate(&mut OsRng);
    let random = SaltString::generate(&mut OsRng);
    let hash = argon2()?
        .hash_password(random.as_str().as_bytes(), &salt)
        .map_err(|e| HashError::Failed(e.to_string()))?
        .to_string();
    Ok(STAND_IN.get_or_init(|| hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_with_the_documented_parameters_and_verify() {
        let hasher = Hasher::new(2);
        let hash = hasher.hash("correct horse battery".into()).await.unwrap();
        assert!(
            hash.starts_with(&format!(
                "$argon2id$v=19$m={MEMORY_KIB},t={PASSES},p={LANES}$"
            )),
            "{hash}"
        );
        let again = hasher.hash("correct horse battery".into()).await.unwrap();
        assert_ne!(hash, again, "each hash has its own salt");
        assert!(hasher
            .verify("correct horse battery".into(), Some(hash.clone()))
            .await
            .unwrap());
        assert!(!hasher
            .verify("correct horse battery!".into(), Some(hash))
            .await
            .unwrap());
        assert!(!hasher
            .verify("correct horse battery".into(), None)
            .await
            .unwrap());
    }

    #[test]
    fn new_passwords_have_a_length_range() {
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("long enough pw").is_ok());
        assert!(check_new_password(&"x".repeat(MAX_CHARS + 1)).is_err());
        assert!(check_new_password(&"é".repeat(MAX_CHARS)).is_ok());
        assert!(check_new_password(&" ".repeat(20)).is_err());
        assert!(check_new_password(&"\u{3000}".repeat(20)).is_err());
        assert!(check_new_password("tab\tinside password").is_err());
        assert!(check_new_password(&"\u{1}".repeat(20)).is_err());
        assert!(check_new_password("spaces are fine in a passphrase").is_ok());
    }
}
