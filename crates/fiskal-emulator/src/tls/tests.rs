//! Tests of the emulators' TLS: the client-certificate checker against committed fixtures and Orange Data's own test certificate, and handshakes with the generated certificates.

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
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").map_err(|e| e.to_string())?;
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
