//! Settings that hold secrets (passwords inside `MONGODB_URI` and `AMQP_URL`) come from the
//! environment or from a file named by `<NAME>_FILE` (a mounted Kubernetes or Docker secret),
//! never from the command line. Their values are never logged.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("set {name} or {name}_FILE, not both")]
    Both { name: String },
    #[error("cannot read {name}_FILE ({path}): {source}")]
    Unreadable {
        name: String,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{name}_FILE ({path}) is empty")]
    Empty { name: String, path: PathBuf },
}

/// The value of `name`, from the environment or from the file `<name>_FILE` names (trailing
/// whitespace removed); `None` when neither is set.
pub fn secret(name: &str) -> Result<Option<String>, SecretError> {
    let set = |n: &str| std::env::var(n).ok().filter(|v| !v.trim().is_empty());
    let file_var = format!("{name}_FILE");
    match (set(name), set(&file_var)) {
        (Some(_), Some(_)) => Err(SecretError::Both {
            name: name.to_owned(),
        }),
        (Some(v), None) => Ok(Some(v)),
        (None, None) => Ok(None),
        (None, Some(path)) => {
            let path = PathBuf::from(path);
            let text =
                std::fs::read_to_string(&path).map_err(|source| SecretError::Unreadable {
                    name: name.to_owned(),
                    path: path.clone(),
                    source,
                })?;
            let value = text.trim_end().to_owned();
            if value.trim().is_empty() {
                return Err(SecretError::Empty {
                    name: name.to_owned(),
                    path,
                });
            }
            Ok(Some(value))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Each test uses its own variable names: tests run in parallel in one process.
    #[test]
    fn a_secret_comes_from_the_variable_or_its_file_never_both() {
        assert!(secret("IRONLOG_TEST_UNSET").unwrap().is_none());

        std::env::set_var("IRONLOG_TEST_PLAIN", "amqp://u:p@host");
        assert_eq!(
            secret("IRONLOG_TEST_PLAIN").unwrap().as_deref(),
            Some("amqp://u:p@host")
        );

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("uri");
        std::fs::write(&file, "mongodb://u:p@db/ironlog\n").unwrap();
        std::env::set_var("IRONLOG_TEST_FROMFILE_FILE", &file);
        assert_eq!(
            secret("IRONLOG_TEST_FROMFILE").unwrap().as_deref(),
            Some("mongodb://u:p@db/ironlog"),
            "read from the file, trailing newline removed"
        );

        std::env::set_var("IRONLOG_TEST_BOTH", "x");
        std::env::set_var("IRONLOG_TEST_BOTH_FILE", &file);
        assert!(matches!(
            secret("IRONLOG_TEST_BOTH"),
            Err(SecretError::Both { .. })
        ));

        std::env::set_var("IRONLOG_TEST_MISSING_FILE", dir.path().join("nope"));
        let err = secret("IRONLOG_TEST_MISSING").unwrap_err().to_string();
        assert!(err.contains("IRONLOG_TEST_MISSING_FILE"), "{err}");

        let empty = dir.path().join("empty");
        std::fs::write(&empty, "\n").unwrap();
        std::env::set_var("IRONLOG_TEST_EMPTY_FILE", &empty);
        assert!(matches!(
            secret("IRONLOG_TEST_EMPTY"),
            Err(SecretError::Empty { .. })
        ));
    }
}
