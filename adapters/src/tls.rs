//! TLS to RabbitMQ and MongoDB: a CA to verify the server with, and optionally a client
//! certificate for mutual TLS, each from a PEM file named in the environment:
//!
//! | variable | meaning |
//! |---|---|
//! | `IRONLOG_AMQP_CA_FILE`, `IRONLOG_MONGODB_CA_FILE` | CA certificates (PEM) that sign the server's certificate, trusted besides the system's |
//! | `IRONLOG_AMQP_CERT_KEY_FILE`, `IRONLOG_MONGODB_CERT_KEY_FILE` | the client certificate (and any intermediates) followed by its PKCS#8 private key, in one PEM file, as `mongod`'s `tlsCertificateKeyFile` |
//!
//! TLS itself is turned on by the address: `amqps://` for RabbitMQ, `tls=true` in the MongoDB
//! URI (a CA file also turns it on). The files are read and checked at start-up, so a wrong
//! path or a key without its certificate stops the process with a message naming the file.

use std::path::{Path, PathBuf};

use lapin::tcp::{OwnedIdentity, OwnedTLSConfig};
use mongodb::options::{ClientOptions, Tls, TlsOptions};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {var} ({path}): {source}")]
    Unreadable {
        var: String,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{var} ({path}) {problem}")]
    Invalid {
        var: String,
        path: PathBuf,
        problem: String,
    },
}

/// The TLS files for one dependency.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsFiles {
    /// The `IRONLOG_<SERVICE>` prefix of the variables, for error messages.
    prefix: String,
    pub ca_file: Option<PathBuf>,
    pub cert_key_file: Option<PathBuf>,
}

impl TlsFiles {
    /// `IRONLOG_<service>_CA_FILE` and `IRONLOG_<service>_CERT_KEY_FILE` (service: `AMQP` or
    /// `MONGODB`).
    pub fn from_env(service: &str) -> Self {
        let prefix = format!("IRONLOG_{service}");
        let path = |suffix: &str| {
            std::env::var(format!("{prefix}_{suffix}"))
                .ok()
                .filter(|v| !v.trim().is_empty())
                .map(|v| PathBuf::from(v.trim()))
        };
        Self {
            ca_file: path("CA_FILE"),
            cert_key_file: path("CERT_KEY_FILE"),
            prefix,
        }
    }

    /// Files given directly (tests, tools), named `IRONLOG_<service>_…` in errors.
    pub fn new(service: &str, ca_file: Option<PathBuf>, cert_key_file: Option<PathBuf>) -> Self {
        Self {
            prefix: format!("IRONLOG_{service}"),
            ca_file,
            cert_key_file,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.ca_file.is_none() && self.cert_key_file.is_none()
    }

    fn read(&self, suffix: &str, path: &Path) -> Result<Vec<u8>, TlsError> {
        std::fs::read(path).map_err(|source| TlsError::Unreadable {
            var: format!("{}_{suffix}", self.prefix),
            path: path.to_owned(),
            source,
        })
    }

    fn invalid(&self, suffix: &str, path: &Path, problem: impl Into<String>) -> TlsError {
        TlsError::Invalid {
            var: format!("{}_{suffix}", self.prefix),
            path: path.to_owned(),
            problem: problem.into(),
        }
    }

    /// Checks that the CA file holds certificates and the client file a certificate chain and
    /// a PKCS#8 key; returns the CA PEM and (chain, key) in DER.
    fn load(&self) -> Result<(Option<String>, Option<ClientIdentity>), TlsError> {
        let ca = match &self.ca_file {
            None => None,
            Some(path) => {
                let pem = self.read("CA_FILE", path)?;
                let certs = certificates(&pem)
                    .map_err(|e| self.invalid("CA_FILE", path, format!("is not PEM: {e}")))?;
                if certs.is_empty() {
                    return Err(self.invalid("CA_FILE", path, "holds no CERTIFICATE block"));
                }
                let text = String::from_utf8(pem)
                    .map_err(|_| self.invalid("CA_FILE", path, "is not text"))?;
                Some(text)
            }
        };
        let identity = match &self.cert_key_file {
            None => None,
            Some(path) => {
                let pem = self.read("CERT_KEY_FILE", path)?;
                let chain = certificates(&pem)
                    .map_err(|e| self.invalid("CERT_KEY_FILE", path, format!("is not PEM: {e}")))?;
                if chain.is_empty() {
                    return Err(self.invalid(
                        "CERT_KEY_FILE",
                        path,
                        "holds no CERTIFICATE block (put the client certificate first, then its key)",
                    ));
                }
                let key = pkcs8_key(&pem).ok_or_else(|| {
                    self.invalid(
                        "CERT_KEY_FILE",
                        path,
                        "holds no PKCS#8 PRIVATE KEY block (convert one with `openssl pkcs8 -topk8 -nocrypt`)",
                    )
                })?;
                Some(ClientIdentity { chain, key })
            }
        };
        Ok((ca, identity))
    }

    /// The TLS settings for `amqps://` connections.
    pub fn amqp_config(&self) -> Result<AmqpTls, TlsError> {
        let (cert_chain, identity) = self.load()?;
        let pkcs12 = match (identity, &self.cert_key_file) {
            (Some(id), Some(path)) => Some(
                id.pkcs12()
                    .map_err(|e| self.invalid("CERT_KEY_FILE", path, e))?,
            ),
            _ => None,
        };
        Ok(AmqpTls { cert_chain, pkcs12 })
    }

    /// Adds the files to the driver's options; a CA file turns TLS on.
    pub fn apply_to_mongodb(&self, options: &mut ClientOptions) -> Result<(), TlsError> {
        if self.is_empty() {
            return Ok(());
        }
        self.load()?;
        let mut tls = match options.tls.take() {
            Some(Tls::Enabled(existing)) => existing,
            _ => TlsOptions::default(),
        };
        if let Some(ca) = &self.ca_file {
            tls.ca_file_path = Some(ca.clone());
        }
        if let Some(cert_key) = &self.cert_key_file {
            tls.cert_key_file_path = Some(cert_key.clone());
        }
        options.tls = Some(Tls::Enabled(tls));
        Ok(())
    }
}

/// Checked TLS material for lapin, which takes it by value on every connection.
#[derive(Debug, Clone, Default)]
pub struct AmqpTls {
    cert_chain: Option<String>,
    /// The client identity as PKCS#12 DER, under [`PKCS12_PASSWORD`].
    pkcs12: Option<Vec<u8>>,
}

impl AmqpTls {
    pub fn lapin_config(&self) -> OwnedTLSConfig {
        OwnedTLSConfig {
            identity: self.pkcs12.as_ref().map(|der| OwnedIdentity {
                der: der.clone(),
                password: PKCS12_PASSWORD.to_owned(),
            }),
            cert_chain: self.cert_chain.clone(),
        }
    }
}

struct ClientIdentity {
    chain: Vec<Vec<u8>>,
    key: Vec<u8>,
}

/// lapin takes a client identity only as PKCS#12; this one lives in memory, under a password
/// that exists only here.
const PKCS12_PASSWORD: &str = "ironlog-in-memory";

impl ClientIdentity {
    fn pkcs12(&self) -> Result<Vec<u8>, String> {
        let chain = self
            .chain
            .iter()
            .map(|der| p12_keystore::Certificate::from_der(der))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("holds an unreadable certificate: {e}"))?;
        let mut store = p12_keystore::KeyStore::new();
        store.add_entry(
            "client",
            p12_keystore::KeyStoreEntry::PrivateKeyChain(p12_keystore::PrivateKeyChain::new(
                &self.key, b"client", chain,
            )),
        );
        store
            .writer(PKCS12_PASSWORD)
            .write()
            .map_err(|e| format!("cannot be packaged for the AMQP client: {e}"))
    }
}

fn certificates(pem: &[u8]) -> Result<Vec<Vec<u8>>, std::io::Error> {
    rustls_pemfile::certs(&mut &pem[..])
        .map(|c| c.map(|c| c.as_ref().to_vec()))
        .collect()
}

fn pkcs8_key(pem: &[u8]) -> Option<Vec<u8>> {
    rustls_pemfile::pkcs8_private_keys(&mut &pem[..])
        .filter_map(Result::ok)
        .next()
        .map(|k| k.secret_pkcs8_der().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_checked_with_messages_naming_the_variable() {
        let dir = tempfile::tempdir().unwrap();
        let not_pem = dir.path().join("not.pem");
        std::fs::write(&not_pem, "hello").unwrap();
        let missing = dir.path().join("missing.pem");
        let cases = [
            (
                TlsFiles::new("AMQP", Some(missing.clone()), None),
                "cannot read IRONLOG_AMQP_CA_FILE",
            ),
            (
                TlsFiles::new("AMQP", Some(not_pem.clone()), None),
                "IRONLOG_AMQP_CA_FILE",
            ),
            (
                TlsFiles::new("MONGODB", None, Some(not_pem.clone())),
                "IRONLOG_MONGODB_CERT_KEY_FILE",
            ),
        ];
        for (files, expected) in cases {
            let err = files.amqp_config().unwrap_err().to_string();
            assert!(err.contains(expected), "{err}");
        }
    }

    #[test]
    fn no_files_means_no_client_identity_and_the_system_roots() {
        let config = TlsFiles::default().amqp_config().unwrap().lapin_config();
        assert!(config.identity.is_none() && config.cert_chain.is_none());
    }
}
