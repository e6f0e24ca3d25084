//! The HTTPS client every adapter uses: rustls on the *ring* provider, certificate verification
//! always on (a custom CA may be added, e.g. the emulator's), connect and overall timeouts on
//! every call, optional client certificate (Orange Data's mutual TLS).
//!
//! The public part is settings and checks only ([`HttpConfig`], [`ClientIdentity`],
//! [`check_base_url`], [`tls_config`] with its opaque [`TlsConfig`]): no reqwest or rustls type
//! is part of this crate's API, so either can be upgraded or replaced without a breaking change.
//! The client itself and the mapping of its transport errors are the adapters' business
//! (crate-private).

use crate::error::ProviderError;
use crate::outcome::Outcome;
use crate::secret::Secret;
use std::sync::Arc;
use std::time::Duration;

mod identity;

/// A client certificate and its private key, in PEM.
///
/// X.509 version 1 certificates (no extensions), as Orange Data issues them, load as well as
/// version 3 ones. [`tls_config`] checks that the key is the one the leaf certificate was
/// issued for, before any connection.
#[derive(Debug, Clone)]
pub struct ClientIdentity {
    /// The certificate chain, PEM (leaf first, then any intermediate CAs).
    pub cert_chain_pem: String,
    /// The private key, PEM (PKCS#8, PKCS#1 or SEC1). Redacted in `Debug`.
    pub key_pem: Secret,
}

/// Network settings of an adapter.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HttpConfig {
    /// Time to establish the TCP + TLS connection.
    pub connect_timeout: Duration,
    /// Time for the whole request, response included.
    pub timeout: Duration,
    /// Trust the bundled Mozilla roots (webpki-roots). On by default; turn off to trust only
    /// `extra_roots_pem` (e.g. in tests against the emulator).
    pub builtin_roots: bool,
    /// More CA certificates to trust, PEM (the emulator's test CA, a corporate proxy's CA).
    pub extra_roots_pem: Option<String>,
    /// Client certificate for mutual TLS.
    pub client_identity: Option<ClientIdentity>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            builtin_roots: true,
            extra_roots_pem: None,
            client_identity: None,
        }
    }
}

fn tls_err(message: impl Into<String>) -> ProviderError {
    ProviderError::Tls {
        message: message.into(),
    }
}

fn certs_from_pem(
    pem: &str,
) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, ProviderError> {
    rustls_pemfile::certs(&mut pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| tls_err(format!("unreadable PEM certificate: {e}")))
}

/// Checks an adapter's base URL: `https://` with a host and no query or fragment; plain
/// `http://` only on a loopback host (the emulators). Shared by every adapter's configuration.
pub fn check_base_url(url: &str) -> Result<(), ProviderError> {
    let err = |message: &str| {
        Err(ProviderError::Config {
            field: "base_url",
            message: message.to_owned(),
        })
    };
    let rest = if let Some(r) = url.strip_prefix("https://") {
        r
    } else if let Some(r) = url.strip_prefix("http://") {
        if !is_loopback(r) {
            return err("plain http:// is allowed only on a loopback host; use https://");
        }
        r
    } else {
        return err("must start with https://");
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || rest.contains(['?', '#']) || rest.contains(char::is_whitespace) {
        return err("must be a plain URL with a host and no query or fragment");
    }
    Ok(())
}

/// Whether the authority at the start of `rest` (what follows `scheme://`) is a loopback host.
fn is_loopback(rest: &str) -> bool {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        authority.split(':').next().unwrap_or_default()
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A TLS client configuration built and checked by [`tls_config`]: the trusted roots and the
/// client certificate with its key, loaded. Opaque (rustls inside, not part of this crate's
/// API); `Debug` shows nothing of it.
pub struct TlsConfig(rustls::ClientConfig);

impl std::fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsConfig").finish_non_exhaustive()
    }
}

/// Builds the TLS configuration (rustls on the *ring* provider, safe defaults): what every
/// adapter's client is made with, and a local check of the settings before any connection.
///
/// With a [`ClientIdentity`], its certificate chain and key are loaded and checked to belong
/// together (the leaf's public key is the key's), and offered to every server that asks.
///
/// # Errors
/// [`ProviderError::Tls`]: unreadable PEM, no trusted roots, a certificate that is not X.509
/// DER, an unusable key, or a key that does not match the client certificate (no key material
/// in any message).
pub fn tls_config(cfg: &HttpConfig) -> Result<TlsConfig, ProviderError> {
    let mut roots = rustls::RootCertStore::empty();
    if cfg.builtin_roots {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    if let Some(pem) = &cfg.extra_roots_pem {
        let certs = certs_from_pem(pem)?;
        if certs.is_empty() {
            return Err(tls_err("extra_roots_pem holds no certificate"));
        }
        for c in certs {
            roots
                .add(c)
                .map_err(|e| tls_err(format!("bad CA certificate: {e}")))?;
        }
    }
    if roots.is_empty() {
        return Err(tls_err(
            "no trusted roots: enable builtin_roots or give extra_roots_pem",
        ));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    // The identity is loaded with the same provider the connections will use.
    let identity = match &cfg.client_identity {
        None => None,
        Some(id) => Some(identity::certified_key(id, &provider)?),
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_err(e.to_string()))?
        .with_root_certificates(roots);
    Ok(TlsConfig(match identity {
        None => builder.with_no_client_auth(),
        // Not `with_client_auth_cert`: it re-parses the certificate with webpki, which refuses
        // the X.509 v1 certificates Orange Data issues (see the `identity` module).
        Some(key) => builder.with_client_cert_resolver(Arc::new(identity::OneClientCert(key))),
    }))
}

/// Builds the HTTP client of an adapter.
pub(crate) fn build_client(cfg: &HttpConfig) -> Result<reqwest::Client, ProviderError> {
    let TlsConfig(tls) = tls_config(cfg)?;
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .connect_timeout(cfg.connect_timeout)
        .timeout(cfg.timeout)
        .user_agent(concat!("fiskal/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| tls_err(format!("HTTP client: {e}")))
}

/// The outcome of a request that failed on the wire before a response was read.
///
/// A failure to connect means nothing reached the provider: [`Outcome::RetryLater`]. Anything
/// after the request may have been sent (timeout, reset, a broken response) is
/// [`Outcome::InDoubt`]: the provider may have taken the document.
pub(crate) fn transport_outcome(err: &reqwest::Error) -> Outcome {
    if err.is_connect() {
        Outcome::RetryLater {
            after: None,
            code: None,
            message: format!("cannot connect: {}", without_url(err)),
        }
    } else if err.is_timeout() {
        Outcome::InDoubt {
            reason: format!("timeout: {}", without_url(err)),
        }
    } else {
        Outcome::InDoubt {
            reason: format!("transport: {}", without_url(err)),
        }
    }
}

/// What went wrong, without the URL (which may carry a token in its query): the kind of failure
/// and its innermost cause (connection refused, reset by peer …).
fn without_url(err: &reqwest::Error) -> String {
    let kind = if err.is_connect() {
        "connect error"
    } else if err.is_timeout() {
        "timed out"
    } else if err.is_body() || err.is_decode() {
        "broken response body"
    } else {
        "request error"
    };
    let mut root: &dyn std::error::Error = err;
    while let Some(inner) = root.source() {
        root = inner;
    }
    let root = root.to_string();
    if root.contains("://") {
        kind.to_owned()
    } else {
        format!("{kind}: {root}")
    }
}

/// `s` as one URL path segment: RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`) as
/// they are, every other byte of its UTF-8 percent-encoded (`/` → `%2F`). Used for every
/// provider id and document id put in a status URL, and for the keys and values of a query
/// string (Business.ru).
pub(crate) fn url_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_client_builds_with_builtin_roots() {
        assert!(build_client(&HttpConfig::default()).is_ok());
    }

    #[test]
    fn bad_pem_is_a_clear_error_without_key_material() {
        let cfg = HttpConfig {
            client_identity: Some(ClientIdentity {
                cert_chain_pem: "not a pem".into(),
                key_pem: Secret::new(
                    "-----BEGIN PRIVATE KEY-----\nSECRETSECRET\n-----END PRIVATE KEY-----\n",
                ),
            }),
            ..HttpConfig::default()
        };
        let e = tls_config(&cfg).unwrap_err();
        assert_eq!(e.code(), "tls");
        assert!(!e.to_string().contains("SECRETSECRET"));
        assert!(!format!("{cfg:?}").contains("SECRETSECRET"));
    }

    #[test]
    fn base_urls() {
        for ok in [
            "https://online.atol.ru/possystem/v5",
            "http://127.0.0.1:8080/x",
            "http://localhost/",
            "http://[::1]:9/",
        ] {
            assert!(check_base_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://online.atol.ru/",
            "ftp://x",
            "https://",
            "https://x/?a=1",
            "https://x y/",
        ] {
            assert_eq!(check_base_url(bad).unwrap_err().code(), "config", "{bad}");
        }
    }

    #[test]
    fn no_roots_is_an_error() {
        let cfg = HttpConfig {
            builtin_roots: false,
            ..HttpConfig::default()
        };
        assert_eq!(tls_config(&cfg).unwrap_err().code(), "tls");
    }
}
