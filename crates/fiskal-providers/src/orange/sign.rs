//! The `X-Signature` of Orange Data requests: RSA PKCS#1 v1.5 with SHA-256 over the exact body
//! bytes, standard Base64 (providers.md §2.2). Signed with AWS-LC (aws-lc-rs), the fastest of the
//! candidates measured (benches/README.md, "sign").

use crate::error::ProviderError;
use crate::secret::Secret;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use base64::Engine as _;
use rustls::pki_types::PrivateKeyDer;
use std::fmt;

/// An RSA private key that signs request bodies. `Debug` shows only the key size.
pub struct RequestSigner {
    key: RsaKeyPair,
    rng: SystemRandom,
}

impl fmt::Debug for RequestSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "RequestSigner(RSA-{} bits, ***)",
            self.key.public_modulus_len() * 8
        )
    }
}

fn key_err(message: &str) -> ProviderError {
    ProviderError::Config {
        field: "signing_key_pem",
        message: message.to_owned(),
    }
}

impl RequestSigner {
    /// Reads a PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`).
    /// Errors never contain key material.
    pub fn from_pem(pem: &Secret) -> Result<RequestSigner, ProviderError> {
        let der = rustls_pemfile::private_key(&mut pem.expose().as_bytes())
            .map_err(|_| key_err("unreadable PEM"))?
            .ok_or_else(|| key_err("no private key in the PEM"))?;
        let key = match &der {
            PrivateKeyDer::Pkcs8(k) => RsaKeyPair::from_pkcs8(k.secret_pkcs8_der()),
            PrivateKeyDer::Pkcs1(k) => RsaKeyPair::from_der(k.secret_pkcs1_der()),
            _ => return Err(key_err("not an RSA key (PKCS#8 or PKCS#1 expected)")),
        }
        .map_err(|_| key_err("not a usable RSA private key"))?;
        if key.public_modulus_len() < 256 {
            return Err(key_err("RSA keys shorter than 2048 bits are refused"));
        }
        Ok(RequestSigner {
            key,
            rng: SystemRandom::new(),
        })
    }

    /// The Base64 signature of `body` for the `X-Signature` header.
    pub fn sign(&self, body: &[u8]) -> Result<String, ProviderError> {
        let mut sig = vec![0u8; self.key.public_modulus_len()];
        self.key
            .sign(&RSA_PKCS1_SHA256, &self.rng, body, &mut sig)
            .map_err(|_| key_err("signing failed"))?;
        Ok(base64::engine::general_purpose::STANDARD.encode(sig))
    }

    /// The public key (DER, PKCS#1 RSAPublicKey) — what the provider (or the emulator) verifies with.
    pub fn public_key_der(&self) -> Vec<u8> {
        use aws_lc_rs::signature::KeyPair as _;
        self.key.public_key().as_ref().to_vec()
    }
}
