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

mod x509;

/// DER and PEM writing for [`TestCa::issue_client_v1`] (RFC 5280 §4.1, X.690).
mod der {
    use base64::Engine as _;

    /// `ecdsa-with-SHA256` (1.2.840.10045.4.3.2), no parameters (RFC 5758 §3.2).
    const ECDSA_WITH_SHA256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
    /// `rsaEncryption` (1.2.840.113549.1.1.1) with NULL parameters (RFC 3279 §2.3.1).
    const RSA_ENCRYPTION: &[u8] = &[
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    /// `id-at-commonName` (2.5.4.3).
    const COMMON_NAME: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x03];

    /// One element: tag, definite length, content.
    pub(super) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        match u8::try_from(content.len()) {
            Ok(short) if short < 0x80 => out.push(short),
            _ => {
                let len = content.len().to_be_bytes();
                let skip = len.iter().take_while(|&&b| b == 0).count();
                out.push(0x80 | u8::try_from(len.len() - skip).unwrap_or(0x7f));
                out.extend_from_slice(&len[skip..]);
            }
        }
        out.extend_from_slice(content);
        out
    }

    fn seq(parts: &[&[u8]]) -> Vec<u8> {
        tlv(0x30, &parts.concat())
    }

    /// A version 1 `tbsCertificate` (no `[0]` version element, no extensions): serial,
    /// ecdsa-with-SHA256, `issuer` (a whole Name element), 1975-01-01 … 4096-01-01, `CN=`
    /// `common_name`, and the RSA public key (PKCS#1 `RSAPublicKey` DER).
    pub(super) fn tbs_v1(
        serial: &[u8],
        issuer: &[u8],
        common_name: &str,
        rsa_public_key: &[u8],
    ) -> Vec<u8> {
        let validity = seq(&[&tlv(0x17, b"750101000000Z"), &tlv(0x18, b"40960101000000Z")]);
        let rdn = tlv(
            0x31,
            &seq(&[COMMON_NAME, &tlv(0x0c, common_name.as_bytes())]),
        );
        let subject = seq(&[&rdn]);
        let key_bits = [&[0u8][..], rsa_public_key].concat();
        let spki = seq(&[&seq(&[RSA_ENCRYPTION]), &tlv(0x03, &key_bits)]);
        seq(&[
            &tlv(0x02, serial),
            &seq(&[ECDSA_WITH_SHA256]),
            issuer,
            &validity,
            &subject,
            &spki,
        ])
    }

    /// The certificate: `tbs`, its algorithm again, and the signature.
    pub(super) fn certificate(tbs: &[u8], signature: &[u8]) -> Vec<u8> {
        let sig_bits = [&[0u8][..], signature].concat();
        seq(&[tbs, &seq(&[ECDSA_WITH_SHA256]), &tlv(0x03, &sig_bits)])
    }

    /// PEM with 64-character lines.
    pub(super) fn pem(label: &str, der: &[u8]) -> String {
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        let mut out = format!("-----BEGIN {label}-----\n");
        for line in b64.as_bytes().chunks(64) {
            out.push_str(&String::from_utf8_lossy(line));
            out.push('\n');
        }
        out.push_str(&format!("-----END {label}-----\n"));
        out
    }
}

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

    const FIXTURES: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fiskal-providers/tests/fixtures/"
    );

    /// A committed fixture (made by `scripts/make-test-certs`, or Orange Data's own).
    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!("{FIXTURES}{name}")).expect(name)
    }

    fn certs(pem: &str) -> Vec<CertificateDer<'static>> {
        rustls_pemfile::certs(&mut pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .expect("certificates")
    }

    fn fixture_checker() -> ClientChecker {
        ClientChecker::new(certs(&fixture("certs/ca.crt"))).expect("checker")
    }

    /// Offers one certificate chain and key, without rustls' webpki check of the pair (which
    /// refuses v1 certificates): what fiskal-providers does.
    #[derive(Debug)]
    struct Offer(Arc<rustls::sign::CertifiedKey>);

    impl rustls::client::ResolvesClientCert for Offer {
        fn resolve(
            &self,
            _hints: &[&[u8]],
            _schemes: &[rustls::SignatureScheme],
        ) -> Option<Arc<rustls::sign::CertifiedKey>> {
            Some(Arc::clone(&self.0))
        }

        fn has_certs(&self) -> bool {
            true
        }
    }

    /// A client trusting `ca`, offering `chain_pem` with the key `key_pem` (need not match),
    /// over TLS 1.2 only when `tls12`.
    fn raw_client_config(
        ca: &TestCa,
        chain_pem: &str,
        key_pem: &str,
        tls12: bool,
    ) -> rustls::ClientConfig {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(ca.cert.der().clone()).expect("CA");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = rustls_pemfile::private_key(&mut key_pem.as_bytes())
            .expect("pem")
            .expect("key");
        let key = provider
            .key_provider
            .load_private_key(key)
            .expect("usable key");
        let certified = rustls::sign::CertifiedKey::new(certs(chain_pem), key);
        let versions: &[&rustls::SupportedProtocolVersion] = if tls12 {
            &[&rustls::version::TLS12]
        } else {
            &[&rustls::version::TLS13]
        };
        rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(versions)
            .expect("versions")
            .with_root_certificates(roots)
            .with_client_cert_resolver(Arc::new(Offer(Arc::new(certified))))
    }

    #[test]
    fn checker_accepts_v1_and_v3_leaves_and_chains_of_its_cas() {
        let checker = fixture_checker();
        let now = UnixTime::now();
        let chain = |names: &[&str]| {
            names
                .iter()
                .flat_map(|n| certs(&fixture(&format!("certs/{n}"))))
                .collect::<Vec<_>>()
        };
        for ok in [
            &["client-v1.crt"][..],
            &["client-v3.crt"],
            &["client-via-intermediate-chain.crt"],
            // Unrelated extra certificates do not spoil a chain.
            &["client-v1.crt", "foreign-ca.crt"],
        ] {
            assert_eq!(checker.verify(&chain(ok), now), Ok(()), "{ok:?}");
        }
        use rustls::CertificateError as E;
        for (bad, why) in [
            (&["client-via-intermediate.crt"][..], E::UnknownIssuer),
            (&["foreign-client.crt"], E::UnknownIssuer),
            (&["foreign-client.crt", "ca.crt"], E::UnknownIssuer),
            (&["intermediate.crt"], E::InvalidPurpose),
            (&[], E::BadEncoding),
        ] {
            assert_eq!(checker.verify(&chain(bad), now), Err(why), "{bad:?}");
        }
        // A v1 leaf whose signature was tampered with (last byte of the DER).
        let mut forged = chain(&["client-v1.crt"])[0].as_ref().to_vec();
        if let Some(last) = forged.last_mut() {
            *last ^= 0x01;
        }
        assert_eq!(
            checker.verify(&[CertificateDer::from(forged)], now),
            Err(E::UnknownIssuer)
        );
        assert!(!checker.is_valid(&[CertificateDer::from(b"\x30\x03junk".to_vec())]));
    }

    #[tokio::test]
    async fn v1_certificates_of_the_test_ca_are_what_orange_data_issues() {
        let ca = TestCa::new().expect("CA");
        let id = ca.issue_client_v1("5544332219").expect("v1 certificate");
        let chain = certs(&id.cert_pem);
        let leaf = x509::Cert::parse(chain[0].as_ref()).expect("parses");
        assert_eq!(leaf.version, 1);
        assert!(!leaf.is_ca);
        assert!(id.key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        // rustls' own key/certificate check cannot read it (webpki: v3 only)…
        let key = rustls_pemfile::private_key(&mut id.key_pem.as_bytes())
            .expect("pem")
            .expect("key");
        let provider = rustls::crypto::ring::default_provider();
        assert!(rustls::sign::CertifiedKey::from_der(chain.clone(), key, &provider).is_err());
        // …but this CA's checker accepts it, another CA's does not.
        let checker = ca.client_checker(Vec::new()).expect("checker");
        assert_eq!(checker.verify(&chain, UnixTime::now()), Ok(()));
        let other = TestCa::new()
            .expect("CA")
            .client_checker(Vec::new())
            .expect("checker");
        assert!(other.verify(&chain, UnixTime::now()).is_err());
        // And it completes a handshake that the CA's strict server checks.
        let server = serve(
            0,
            Arc::new(Ok200),
            Some(ca.server_config(true).expect("config")),
        )
        .await
        .expect("serve");
        let cfg = raw_client_config(&ca, &id.cert_pem, &id.key_pem, false);
        assert_eq!(
            get(server.addr, cfg).await.as_deref(),
            Ok("HTTP/1.1 200 OK")
        );
        server.shutdown().await;
    }

    #[test]
    fn orange_datas_own_test_certificate_chains_to_its_client_ca_within_its_dates() {
        let checker = ClientChecker::new(certs(&fixture("orange/official/client_ca.crt")))
            .expect("Orange Data's CA");
        let leaf = certs(&fixture("orange/official/client.crt"));
        let at = |secs| UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs));
        // 2023-11-14; valid 2018-03-15 16:46:01 … 2028-03-12 16:46:01 UTC.
        assert_eq!(checker.verify(&leaf, at(1_700_000_000)), Ok(()));
        assert_eq!(
            checker.verify(&leaf, at(1_521_132_360)),
            Err(rustls::CertificateError::NotValidYet)
        );
        assert_eq!(
            checker.verify(&leaf, at(1_836_492_362)),
            Err(rustls::CertificateError::Expired)
        );
        // Not accepted by a checker of another CA.
        assert!(fixture_checker().verify(&leaf, at(1_700_000_000)).is_err());
    }

    #[test]
    fn unreadable_client_ca_pem_is_a_config_error_naming_it() {
        match ca_certs_from_pem("no PEM here", "client_ca_pems[0]") {
            Err(EmulatorError::Config { field, .. }) => assert_eq!(field, "client_ca_pems[0]"),
            other => panic!("{other:?}"),
        }
        let junk = "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n";
        assert!(matches!(
            ca_certs_from_pem(junk, "x"),
            Err(EmulatorError::Config { .. })
        ));
        assert_eq!(
            ca_certs_from_pem(&fixture("certs/ca.crt"), "x")
                .expect("CA")
                .len(),
            1
        );
    }

    #[tokio::test]
    async fn v1_client_certificates_complete_the_handshake_over_tls12_and_tls13() {
        let ca = TestCa::new().expect("CA");
        let ca_checker = ca
            .client_checker(certs(&fixture("certs/ca.crt")))
            .expect("checker");
        let strict = ca
            .server_config_for_clients(ca_checker.clone(), true)
            .expect("server config");
        let lenient = ca
            .server_config_for_clients(ca_checker, false)
            .expect("server config");
        let strict = serve(0, Arc::new(Ok200), Some(strict))
            .await
            .expect("serve");
        let lenient = serve(0, Arc::new(Ok200), Some(lenient))
            .await
            .expect("serve");
        let v1 = fixture("certs/client-v1.crt");
        let v1_key = fixture("certs/client-v1.key");
        let chain = fixture("certs/client-via-intermediate-chain.crt");
        let chain_key = fixture("certs/client-via-intermediate.key");
        let foreign = fixture("certs/foreign-client.crt");
        let foreign_key = fixture("certs/foreign-client.key");
        let ok = Ok("HTTP/1.1 200 OK".to_owned());
        for tls12 in [false, true] {
            let cfg = |c: &str, k: &str| raw_client_config(&ca, c, k, tls12);
            assert_eq!(get(strict.addr, cfg(&v1, &v1_key)).await, ok, "{tls12}");
            assert_eq!(get(strict.addr, cfg(&chain, &chain_key)).await, ok);
            assert!(get(strict.addr, cfg(&foreign, &foreign_key)).await.is_err());
            // The lenient server lets the foreign certificate in (the handler decides)…
            assert_eq!(get(lenient.addr, cfg(&foreign, &foreign_key)).await, ok);
            assert_eq!(get(lenient.addr, cfg(&v1, &v1_key)).await, ok);
            // …but not a client that does not hold the certificate's key.
            assert!(get(lenient.addr, cfg(&v1, &foreign_key)).await.is_err());
            assert!(get(strict.addr, cfg(&v1, &foreign_key)).await.is_err());
        }
        strict.shutdown().await;
        lenient.shutdown().await;
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
