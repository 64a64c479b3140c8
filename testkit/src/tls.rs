//! Certificates made for a test: a CA, a server certificate for `127.0.0.1`/`localhost`, and
//! client certificates for mutual TLS — one from the same CA, one from a CA nobody trusts.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

/// PEM files in a temporary directory, removed when dropped.
pub struct Pki {
    /// The CA that signed the server and client certificates.
    pub ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    /// The client's certificate followed by its PKCS#8 key, in one file.
    pub client: PathBuf,
    /// A client certificate and key from another CA.
    pub stranger: PathBuf,
    /// A CA that signed none of these.
    pub other_ca: PathBuf,
    _dir: tempfile::TempDir,
}

struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

impl Ca {
    fn new(name: &str) -> Result<Self> {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name = named(name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate()?;
        let cert = params.self_signed(&key)?;
        Ok(Self { cert, key })
    }

    /// A leaf certificate and its key, as PEM.
    fn issue(
        &self,
        name: &str,
        sans: &[&str],
        usage: ExtendedKeyUsagePurpose,
    ) -> Result<(String, String)> {
        let mut params =
            CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>())?;
        params.distinguished_name = named(name);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![usage];
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.cert, &self.key)?;
        Ok((cert.pem(), key.serialize_pem()))
    }
}

fn named(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn
}

fn write(dir: &Path, name: &str, text: &str) -> Result<PathBuf> {
    let path = dir.join(name);
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

impl Pki {
    pub fn generate() -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let d = dir.path();
        let ca = Ca::new("Ironlog test CA")?;
        let other = Ca::new("Untrusted CA")?;
        let (server_cert, server_key) = ca.issue(
            "127.0.0.1",
            &["127.0.0.1", "localhost"],
            ExtendedKeyUsagePurpose::ServerAuth,
        )?;
        let (client_cert, client_key) =
            ca.issue("ironlog", &[], ExtendedKeyUsagePurpose::ClientAuth)?;
        let (stranger_cert, stranger_key) =
            other.issue("stranger", &[], ExtendedKeyUsagePurpose::ClientAuth)?;
        Ok(Self {
            ca: write(d, "ca.pem", &ca.cert.pem())?,
            server_cert: write(d, "server-cert.pem", &server_cert)?,
            server_key: write(d, "server-key.pem", &server_key)?,
            client: write(d, "client.pem", &(client_cert + &client_key))?,
            stranger: write(d, "stranger.pem", &(stranger_cert + &stranger_key))?,
            other_ca: write(d, "other-ca.pem", &other.cert.pem())?,
            _dir: dir,
        })
    }
}
