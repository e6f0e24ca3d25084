//! TLS for the emulators: a throwaway certificate authority generated at run time (nothing is
//! committed), the server certificate it issues for the loopback addresses, and client
//! certificates for APIs that authenticate clients by certificate (Orange Data).
//!
//! ```
//! let ca = fiskal_emulator::TestCa::new().unwrap();
//! assert!(ca.cert_pem().starts_with("-----BEGIN CERTIFICATE-----"));
//! let client = ca.issue_client("5544332219").unwrap();
//! assert!(client.key_pem.contains("PRIVATE KEY"));
//! ```

use crate::error::EmulatorError;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use std::sync::Arc;

fn tls_err(e: impl std::fmt::Display) -> EmulatorError {
    EmulatorError::Tls {
        message: e.to_string(),
    }
}

/// A certificate authority made for one emulator run: trust its [`cert_pem`](TestCa::cert_pem)
/// in the client under test.
pub struct TestCa {
    cert: rcgen::Certificate,
    key: rcgen::KeyPair,
}

impl std::fmt::Debug for TestCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key stays out of Debug output.
        f.debug_struct("TestCa").finish_non_exhaustive()
    }
}

/// A certificate with its private key, both PEM (for a client identity).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IssuedCert {
    /// The certificate, PEM.
    pub cert_pem: String,
    /// Its private key (PKCS#8), PEM.
    pub key_pem: String,
}

impl std::fmt::Debug for IssuedCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCert")
            .field("cert_pem", &self.cert_pem)
            .field("key_pem", &"<redacted>")
            .finish()
    }
}

impl TestCa {
    /// Generates a new CA (ECDSA P-256, the rcgen default).
    pub fn new() -> Result<TestCa, EmulatorError> {
        let key = rcgen::KeyPair::generate().map_err(tls_err)?;
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(tls_err)?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "fiskal-emulator test CA");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params.self_signed(&key).map_err(tls_err)?;
        Ok(TestCa { cert, key })
    }

    /// The CA certificate, PEM.
    pub fn cert_pem(&self) -> String {
        self.cert.pem()
    }

    fn issue(
        &self,
        names: Vec<String>,
        common_name: &str,
        usage: rcgen::ExtendedKeyUsagePurpose,
    ) -> Result<(rcgen::Certificate, rcgen::KeyPair), EmulatorError> {
        let key = rcgen::KeyPair::generate().map_err(tls_err)?;
        let mut params = rcgen::CertificateParams::new(names).map_err(tls_err)?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, common_name);
        params.extended_key_usages = vec![usage];
        let cert = params
            .signed_by(&key, &self.cert, &self.key)
            .map_err(tls_err)?;
        Ok((cert, key))
    }

    /// A client certificate with this common name (Orange Data: the organisation's INN).
    pub fn issue_client(&self, common_name: &str) -> Result<IssuedCert, EmulatorError> {
        let (cert, key) = self.issue(
            Vec::new(),
            common_name,
            rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        )?;
        Ok(IssuedCert {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }

    /// A client certificate with this common name, its chain (leaf, then this CA) as one PEM.
    pub(crate) fn issue_client_chain(
        &self,
        common_name: &str,
    ) -> Result<IssuedCert, EmulatorError> {
        let mut id = self.issue_client(common_name)?;
        id.cert_pem.push_str(&self.cert.pem());
        Ok(id)
    }

    /// The verifier of client certificates issued by this CA.
    fn client_verifier(
        &self,
    ) -> Result<Arc<dyn rustls::server::danger::ClientCertVerifier>, EmulatorError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.cert.der().clone()).map_err(tls_err)?;
        rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(tls_err)
    }

    /// A checker of client certificate chains against this CA, for servers built with
    /// [`TestCa::server_config_any_client`].
    pub(crate) fn client_checker(&self) -> Result<ClientChecker, EmulatorError> {
        Ok(ClientChecker {
            inner: self.client_verifier()?,
        })
    }

    /// A server configuration that asks for a client certificate, lets every client finish the
    /// handshake (with any certificate whose key the client proves to hold, or none), and leaves
    /// the verdict on the chain to the request handler ([`ClientChecker`] on
    /// [`crate::server::Req::peer_certs`]): so that it can answer HTTP 401 as Orange Data does.
    pub(crate) fn server_config_any_client(
        &self,
    ) -> Result<Arc<rustls::ServerConfig>, EmulatorError> {
        let verifier = Arc::new(AnyClientCert {
            inner: self.client_verifier()?,
        });
        self.server_config_with(Some(verifier))
    }

    /// The server configuration: a certificate for `localhost`, `127.0.0.1` and `::1`; with
    /// `client_auth`, clients must present a certificate issued by this CA.
    pub(crate) fn server_config(
        &self,
        client_auth: bool,
    ) -> Result<Arc<rustls::ServerConfig>, EmulatorError> {
        let verifier = if client_auth {
            Some(self.client_verifier()?)
        } else {
            None
        };
        self.server_config_with(verifier)
    }

    fn server_config_with(
        &self,
        verifier: Option<Arc<dyn rustls::server::danger::ClientCertVerifier>>,
    ) -> Result<Arc<rustls::ServerConfig>, EmulatorError> {
        let names = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
        let (cert, key) = self.issue(
            names,
            "fiskal-emulator",
            rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        )?;
        let chain = vec![cert.der().clone(), self.cert.der().clone()];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(tls_err)?;
        let builder = match verifier {
            Some(verifier) => builder.with_client_cert_verifier(verifier),
            None => builder.with_no_client_auth(),
        };
        let mut config = builder.with_single_cert(chain, key).map_err(tls_err)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

/// Checks a client's certificate chain against the test CA (after the handshake).
#[derive(Debug, Clone)]
pub(crate) struct ClientChecker {
    inner: Arc<dyn rustls::server::danger::ClientCertVerifier>,
}

impl ClientChecker {
    /// Whether `chain` (leaf first, as the client sent it) is a valid client certificate of
    /// the CA now. An empty chain is not.
    pub(crate) fn is_valid(&self, chain: &[CertificateDer<'static>]) -> bool {
        let Some((leaf, intermediates)) = chain.split_first() else {
            return false;
        };
        self.inner
            .verify_client_cert(leaf, intermediates, UnixTime::now())
            .is_ok()
    }
}

/// Asks for a client certificate, accepts any (or none) at the handshake, but still makes the
/// client prove it holds the certificate's key (the handshake signatures are verified).
#[derive(Debug)]
struct AnyClientCert {
    inner: Arc<dyn rustls::server::danger::ClientCertVerifier>,
}

impl rustls::server::danger::ClientCertVerifier for AnyClientCert {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[rustls::DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<rustls::server::danger::ClientCertVerified, rustls::Error> {
        Ok(rustls::server::danger::ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::{serve, Handler, Reply, Req};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    struct Ok200;

    impl Handler for Ok200 {
        async fn handle(self: Arc<Self>, _req: Req) -> Reply {
            Reply::text(200, "text/plain", "hello".into())
        }
    }

    fn client_config(ca: &TestCa, identity: Option<&IssuedCert>) -> rustls::ClientConfig {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(ca.cert.der().clone()).expect("CA");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let b = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(roots);
        match identity {
            None => b.with_no_client_auth(),
            Some(id) => {
                let chain = rustls_pemfile::certs(&mut id.cert_pem.as_bytes())
                    .collect::<Result<Vec<_>, _>>()
                    .expect("cert");
                let key = rustls_pemfile::private_key(&mut id.key_pem.as_bytes())
                    .expect("pem")
                    .expect("key");
                b.with_client_auth_cert(chain, key).expect("identity")
            }
        }
    }

    /// One GET over TLS; the status line, or the error.
    async fn get(addr: std::net::SocketAddr, cfg: rustls::ClientConfig) -> Result<String, String> {
        let tcp = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| e.to_string())?;
        let name =
            rustls::pki_types::ServerName::try_from("127.0.0.1").map_err(|e| e.to_string())?;
        let mut tls = tokio_rustls::TlsConnector::from(Arc::new(cfg))
            .connect(name, tcp)
            .await
            .map_err(|e| e.to_string())?;
        tls.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        tls.read_to_end(&mut out).await.map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&out).to_string();
        text.lines().next().map(str::to_owned).ok_or(text)
    }

    #[tokio::test]
    async fn mutual_tls_requires_a_certificate_of_the_ca() {
        let ca = TestCa::new().expect("CA");
        let server = ca.server_config(true).expect("server config");
        let running = serve(0, Arc::new(Ok200), Some(server))
            .await
            .expect("serve");
        let id = ca.issue_client("5544332219").expect("client cert");
        let ok = get(running.addr, client_config(&ca, Some(&id))).await;
        assert_eq!(ok.as_deref(), Ok("HTTP/1.1 200 OK"));
        assert!(get(running.addr, client_config(&ca, None)).await.is_err());
        let stranger = TestCa::new().expect("CA").issue_client("1").expect("cert");
        assert!(get(running.addr, client_config(&ca, Some(&stranger)))
            .await
            .is_err());
        assert!(format!("{id:?}").contains("<redacted>"));
        running.shutdown().await;
    }
}
