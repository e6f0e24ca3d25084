//! HTTPS: the gateway's certificate chain and private key from PEM files, served with rustls
//! (the *ring* provider, TLS 1.2 and 1.3, HTTP/1.1 over ALPN). Under TLS the page's session
//! cookie is marked `Secure`.

use crate::ServeError;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::Arc;

/// The gateway's TLS identity: a certificate chain and its private key, ready for rustls.
/// `Debug` shows neither.
#[derive(Clone)]
pub struct Tls {
    pub(crate) config: Arc<rustls::ServerConfig>,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls").finish_non_exhaustive()
    }
}

/// Marks a request that came over TLS (a request extension set by [`Gateway::serve_tls`]).
///
/// [`Gateway::serve_tls`]: crate::Gateway::serve_tls
#[derive(Debug, Clone, Copy)]
pub(crate) struct OverTls;

impl Tls {
    /// Reads the certificate chain (PEM, the server's certificate first, then intermediates)
    /// and the private key (PEM: PKCS#8, PKCS#1 RSA or SEC1 EC) from files.
    ///
    /// # Errors
    /// [`ServeError::Tls`] naming the file and what is wrong (never the key's content).
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<Tls, ServeError> {
        let read = |p: &Path| {
            std::fs::read(p).map_err(|e| ServeError::Tls {
                file: p.display().to_string(),
                problem: format!("cannot read the file: {}", e.kind()),
            })
        };
        let cert_pem = read(cert)?;
        let key_pem = read(key)?;
        Tls::from_pem(
            &cert_pem,
            &key_pem,
            &cert.display().to_string(),
            &key.display().to_string(),
        )
    }

    /// [`Tls::from_pem_files`] from PEM already in memory; `cert_name` and `key_name` name them
    /// in errors.
    ///
    /// # Errors
    /// [`ServeError::Tls`] naming the source and what is wrong.
    pub fn from_pem(
        cert_pem: &[u8],
        key_pem: &[u8],
        cert_name: &str,
        key_name: &str,
    ) -> Result<Tls, ServeError> {
        let bad = |file: &str, problem: String| ServeError::Tls {
            file: file.to_owned(),
            problem,
        };
        let chain: Vec<CertificateDer<'static>> = rustls_pemfile::certs(&mut &cert_pem[..])
            .collect::<Result<_, _>>()
            .map_err(|e| bad(cert_name, format!("unreadable PEM: {}", e.kind())))?;
        if chain.is_empty() {
            return Err(bad(
                cert_name,
                "no CERTIFICATE block in the PEM file".into(),
            ));
        }
        let key: PrivateKeyDer<'static> = rustls_pemfile::private_key(&mut &key_pem[..])
            .map_err(|e| bad(key_name, format!("unreadable PEM: {}", e.kind())))?
            .ok_or_else(|| bad(key_name, "no private key block in the PEM file".into()))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| bad(cert_name, e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            // rustls' words say which (key mismatch, unsupported key type), not the key itself.
            .map_err(|e| {
                bad(
                    key_name,
                    format!("the key does not fit the certificate: {e}"),
                )
            })?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Tls {
            config: Arc::new(config),
        })
    }
}
