//! TLS for the emulators: a throwaway certificate authority generated at run time (nothing is
//! committed), the server certificate it issues for the loopback addresses, and client
//! certificates for APIs that authenticate clients by certificate (Orange Data).
//!
//! Client certificates are checked by [`ClientChecker`], which reads X.509 version 1 as well as
//! version 3 (Orange Data issues v1 client certificates; webpki reads only v3).
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

mod der;
mod x509;

fn tls_err(e: impl std::fmt::Display) -> EmulatorError {
    EmulatorError::Tls {
        message: e.to_string(),
    }
}

/// A fresh RSA-2048 key (two primes, exponent 65537): the private key as PKCS#8 DER and the
/// public half as PKCS#1 `RSAPublicKey` DER.
///
/// Key types here: the CA and the server certificates are ECDSA P-256 (rcgen on *ring*: fast,
/// and no client cares which type the emulator's own certificates are). RSA is used only where
/// Orange Data's practice is RSA and a client must get what Orange Data would issue: the v1
/// client certificates ([`TestCa::issue_client_v1`]) and the request-signing keys
/// (`orange::generate_signing_key`; `X-Signature` is RSA by protocol). *ring* cannot generate
/// RSA keys, so RustCrypto `rsa` generates them (0.3 to 1 s a key in the test profile on a
/// loaded 2-core machine, with the `opt-level = 3` the workspace sets for it); the key is then
/// read back by *ring*, which checks it the way the client will use it (fiskal-providers signs
/// with *ring*, rustls presents client keys through *ring*) and writes the public half.
pub(crate) fn generate_rsa_2048() -> Result<(Vec<u8>, Vec<u8>), EmulatorError> {
    use rsa::pkcs8::EncodePrivateKey as _;
    let err = |e: &dyn std::fmt::Display| tls_err(format!("RSA key generation: {e}"));
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).map_err(|e| err(&e))?;
    let pkcs8 = key.to_pkcs8_der().map_err(|e| err(&e))?;
    let pair = ring::signature::RsaKeyPair::from_pkcs8(pkcs8.as_bytes()).map_err(|e| err(&e))?;
    Ok((pkcs8.as_bytes().to_vec(), pair.public().as_ref().to_vec()))
}

/// A PKCS#8 private key (DER) as PEM (`BEGIN PRIVATE KEY`, 64-character lines).
pub(crate) fn private_key_pem(pkcs8: &[u8]) -> String {
    der::pem("PRIVATE KEY", pkcs8)
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

    /// A client certificate made the way Orange Data makes them: X.509 **version 1** (no
    /// extensions), an RSA-2048 key (PKCS#8), signed by this CA (ECDSA P-256 with SHA-256, over
    /// a `tbsCertificate` encoded here: rcgen writes only v3), valid from 1975 to 4096 like
    /// the CA. Clients built on webpki's certificate parser cannot load it (that is the point:
    /// it is what Orange Data's customers really get).
    pub fn issue_client_v1(&self, common_name: &str) -> Result<IssuedCert, EmulatorError> {
        let (key_der, rsa_public) = generate_rsa_2048()?;
        let ca_der = self.cert.der();
        let ca = x509::Cert::parse(ca_der.as_ref()).map_err(tls_err)?;
        let rng = ring::rand::SystemRandom::new();
        let mut serial = [0u8; 16];
        ring::rand::SecureRandom::fill(&rng, &mut serial).map_err(|_| tls_err("random serial"))?;
        serial[0] = (serial[0] & 0x7f) | 0x01; // positive, 16 bytes, minimal
        let tbs = der::tbs_v1(&serial, ca.subject, common_name, &rsa_public);
        let signer = ring::signature::EcdsaKeyPair::from_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
            self.key.serialized_der(),
            &rng,
        )
        .map_err(tls_err)?;
        let signature = signer.sign(&rng, &tbs).map_err(|_| tls_err("signing"))?;
        let cert = der::certificate(&tbs, signature.as_ref());
        Ok(IssuedCert {
            cert_pem: der::pem("CERTIFICATE", &cert),
            key_pem: der::pem("PRIVATE KEY", &key_der),
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

    /// The CA certificate, DER.
    pub(crate) fn cert_der(&self) -> CertificateDer<'static> {
        self.cert.der().clone()
    }

    /// A checker of client certificate chains against this CA and `more_cas` (DER).
    pub(crate) fn client_checker(
        &self,
        more_cas: Vec<CertificateDer<'static>>,
    ) -> Result<ClientChecker, EmulatorError> {
        let mut anchors = vec![self.cert_der()];
        anchors.extend(more_cas);
        ClientChecker::new(anchors)
    }

    /// A server configuration that asks for a client certificate and leaves the verdict on
    /// the chain to the request handler ([`ClientChecker`] on
    /// [`crate::server::Req::peer_certs`]), so that it can answer HTTP 401 as Orange Data does:
    /// every client finishes the handshake, with any certificate whose key it proves to hold,
    /// or none. With `refuse_unknown`, the handshake itself is refused to a client without a
    /// certificate `checker` accepts.
    pub(crate) fn server_config_for_clients(
        &self,
        checker: ClientChecker,
        refuse_unknown: bool,
    ) -> Result<Arc<rustls::ServerConfig>, EmulatorError> {
        let verifier = Arc::new(ClientCertVerifier {
            hints: checker.root_hints(),
            checker,
            mandatory: refuse_unknown,
        });
        self.server_config_with(Some(verifier))
    }

    /// The server configuration: a certificate for `localhost`, `127.0.0.1` and `::1`; with
    /// `client_auth`, clients must present a certificate issued by this CA.
    pub(crate) fn server_config(
        &self,
        client_auth: bool,
    ) -> Result<Arc<rustls::ServerConfig>, EmulatorError> {
        if client_auth {
            self.server_config_for_clients(self.client_checker(Vec::new())?, true)
        } else {
            self.server_config_with(None)
        }
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

/// Certificates from PEM (`what` names the setting in the error). At least one is required,
/// and each must be X.509 DER this module can read.
pub(crate) fn ca_certs_from_pem(
    pem: &str,
    what: &str,
) -> Result<Vec<CertificateDer<'static>>, EmulatorError> {
    let bad = |message: String| EmulatorError::Config {
        field: what.to_owned(),
        message,
    };
    let certs = rustls_pemfile::certs(&mut pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(format!("unreadable PEM: {e}")))?;
    if certs.is_empty() {
        return Err(bad("no certificate in the PEM".into()));
    }
    for c in &certs {
        x509::Cert::parse(c.as_ref()).map_err(|e| bad(format!("not an X.509 certificate: {e}")))?;
    }
    Ok(certs)
}

/// Checks a client's certificate chain against the trusted client CAs (after the handshake,
/// or in it with [`TestCa::server_config`]).
///
/// webpki (and so rustls' `WebPkiClientVerifier`) reads X.509 version 3 only; Orange Data
/// issues its clients version 1 certificates (its test certificate `files_for_test/client.crt`
/// in <https://github.com/orangedata-official/API> is one). So the chain is checked here: the
/// leaf (v1 or v3) must be within its validity period and signed — over the exact
/// `tbsCertificate` bytes, verified by *ring* through rustls' ring provider — by a trusted CA,
/// directly or through intermediates the client sent (each a v3 CA certificate within its
/// validity). Trusted CAs are taken as given (their own dates are not checked, as in webpki).
/// A v3 leaf with an extended key usage must allow client authentication, and an unknown
/// critical extension refuses a certificate. Revocation is not checked.
#[derive(Debug, Clone)]
pub(crate) struct ClientChecker {
    anchors: Arc<Vec<CertificateDer<'static>>>,
    algs: rustls::crypto::WebPkiSupportedAlgorithms,
}

/// Longest chain of intermediates followed from a leaf to a trusted CA.
const MAX_INTERMEDIATES: usize = 4;

impl ClientChecker {
    /// A checker trusting these CA certificates (DER; each must parse).
    pub(crate) fn new(
        anchors: Vec<CertificateDer<'static>>,
    ) -> Result<ClientChecker, EmulatorError> {
        for a in &anchors {
            x509::Cert::parse(a.as_ref()).map_err(|e| tls_err(format!("client CA: {e}")))?;
        }
        Ok(ClientChecker {
            anchors: Arc::new(anchors),
            algs: rustls::crypto::ring::default_provider().signature_verification_algorithms,
        })
    }

    /// The trusted CAs' subjects (sent to clients in the certificate request).
    fn root_hints(&self) -> Vec<rustls::DistinguishedName> {
        self.anchors
            .iter()
            .filter_map(|a| x509::Cert::parse(a.as_ref()).ok())
            .map(|c| rustls::DistinguishedName::from(c.subject.to_vec()))
            .collect()
    }

    /// Whether `chain` (leaf first, as the client sent it) is a valid client certificate of
    /// a trusted CA now. An empty chain is not.
    pub(crate) fn is_valid(&self, chain: &[CertificateDer<'static>]) -> bool {
        self.verify(chain, UnixTime::now()).is_ok()
    }

    /// Why `chain` is not a valid client certificate at `now`, if it is not.
    pub(crate) fn verify(
        &self,
        chain: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<(), rustls::CertificateError> {
        use rustls::CertificateError as E;
        let now = now.as_secs();
        let (leaf, intermediates) = chain.split_first().ok_or(E::BadEncoding)?;
        let leaf = x509::Cert::parse(leaf.as_ref()).map_err(|_| E::BadEncoding)?;
        leaf.check_time(now)?;
        if leaf.unknown_critical {
            return Err(E::UnhandledCriticalExtension);
        }
        // A CA certificate is no client's certificate (webpki refuses it as well).
        if !leaf.client_auth_allowed || leaf.is_ca {
            return Err(E::InvalidPurpose);
        }
        let intermediates = intermediates
            .iter()
            .filter_map(|c| x509::Cert::parse(c.as_ref()).ok())
            .collect::<Vec<_>>();
        let mut current = leaf;
        for _ in 0..=MAX_INTERMEDIATES {
            for anchor in self.anchors.iter() {
                let Ok(anchor) = x509::Cert::parse(anchor.as_ref()) else {
                    continue;
                };
                if anchor.subject == current.issuer && current.signed_by(&anchor, &self.algs) {
                    return Ok(());
                }
            }
            let issuer = intermediates.iter().find(|i| {
                i.subject == current.issuer
                    && i.version == 3
                    && i.is_ca
                    && !i.unknown_critical
                    && i.check_time(now).is_ok()
                    && current.signed_by(i, &self.algs)
            });
            match issuer {
                Some(i) => current = i.clone(),
                None => return Err(E::UnknownIssuer),
            }
        }
        Err(E::UnknownIssuer)
    }
}

/// Asks every client for a certificate, sends the trusted CAs as hints, checks the chain in
/// the handshake only when `mandatory` (otherwise the request handler does), and always makes
/// the client prove it holds the certificate's key (the handshake signature is verified
/// against the certificate's public key, read by [`x509`], not by webpki).
#[derive(Debug)]
struct ClientCertVerifier {
    checker: ClientChecker,
    mandatory: bool,
    hints: Vec<rustls::DistinguishedName>,
}

impl rustls::server::danger::ClientCertVerifier for ClientCertVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        self.mandatory
    }

    fn root_hint_subjects(&self) -> &[rustls::DistinguishedName] {
        &self.hints
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<rustls::server::danger::ClientCertVerified, rustls::Error> {
        if self.mandatory {
            let mut chain = vec![end_entity.clone()];
            chain.extend(intermediates.iter().cloned());
            self.checker.verify(&chain, now)?;
        }
        Ok(rustls::server::danger::ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        x509::verify_handshake_signature(&self.checker.algs, message, cert, dss, false)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        x509::verify_handshake_signature(&self.checker.algs, message, cert, dss, true)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.checker.algs.supported_schemes()
    }
}

#[cfg(test)]
mod tests;
