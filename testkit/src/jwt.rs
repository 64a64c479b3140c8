//! A stand-in for an authenticating proxy's token issuer (Cloudflare Access, oauth2-proxy):
//! an ECDSA P-256 key made for the test, its public half as PEM or JWKS, and signed tokens.

use anyhow::{Context, Result};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

pub struct TokenIssuer {
    key: rcgen::KeyPair,
    encoding: EncodingKey,
    kid: String,
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl TokenIssuer {
    /// A fresh P-256 key, named `kid` in JWKS documents and token headers.
    pub fn new(kid: &str) -> Result<Self> {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .context("generating a P-256 key")?;
        let encoding = EncodingKey::from_ec_pem(key.serialize_pem().as_bytes())
            .context("loading the key for signing")?;
        Ok(Self {
            key,
            encoding,
            kid: kid.to_owned(),
        })
    }

    /// The public key as a PEM `PUBLIC KEY` block.
    pub fn public_pem(&self) -> String {
        self.key.public_key_pem()
    }

    /// The public key as one JWK (EC, P-256, with `kid`).
    pub fn jwk(&self) -> Value {
        // Uncompressed point: 0x04 ‖ x ‖ y.
        let raw = self.key.public_key_raw();
        let (x, y) = raw[1..].split_at(32);
        json!({
            "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": self.kid,
            "x": URL_SAFE_NO_PAD.encode(x), "y": URL_SAFE_NO_PAD.encode(y),
        })
    }

    /// Typical proxy claims: `email`, `iss`, `aud`, issued now and valid for an hour.
    pub fn claims(email: &str, issuer: &str, audience: &str) -> Value {
        let now = now();
        json!({
            "email": email, "iss": issuer, "aud": [audience], "sub": email,
            "iat": now, "nbf": now, "exp": now + 3600,
        })
    }

    /// `claims` signed with ES256, with `kid` in the header.
    pub fn sign(&self, claims: &Value) -> Result<String> {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).context("signing a token")
    }
}

/// A token that claims to need no signature (`alg: none`): what a forger sends.
pub fn unsigned(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{body}.")
}

/// `claims` signed with HS256 using `secret` as the HMAC key — with a public key's PEM as the
/// secret, the algorithm-confusion attack.
pub fn hmac_signed(claims: &Value, secret: &[u8]) -> Result<String> {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .context("signing a token")
}
