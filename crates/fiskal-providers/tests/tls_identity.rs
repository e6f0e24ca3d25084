//! Client certificates and signing keys as Orange Data issues them, loaded locally (no
//! connection): X.509 v1 and v3 client certificates, chains, PKCS#8 and PKCS#1 keys, Orange
//! Data's own published test certificate and key, a key that is not the certificate's, broken
//! DER; and the request-signing key in Orange Data's .NET XML form.
//!
//! Fixtures: `tests/fixtures/certs/` (made by `scripts/make-test-certs`, see its README) and
//! `tests/fixtures/orange/official/` (Orange Data's `files_for_test/`).

use base64::Engine as _;
use fiskal_providers::http::{tls_config, ClientIdentity, HttpConfig};
use fiskal_providers::orange::RequestSigner;
use fiskal_providers::{ProviderError, Secret};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn config(cert: &str, key: &str) -> HttpConfig {
    let mut cfg = HttpConfig::default();
    cfg.client_identity = Some(ClientIdentity {
        cert_chain_pem: cert.to_owned(),
        key_pem: Secret::new(key),
    });
    cfg
}

/// The TLS error message of loading this pair (panics if it loads).
fn tls_error(cert: &str, key: &str) -> String {
    match tls_config(&config(cert, key)) {
        Err(ProviderError::Tls { message }) => message,
        Err(other) => panic!("expected a TLS error, got {other:?}"),
        Ok(_) => panic!("expected a TLS error, the identity loaded"),
    }
}

fn loads(cert: &str, key: &str) {
    if let Err(e) = tls_config(&config(cert, key)) {
        panic!("the identity should load: {e}");
    }
}

#[test]
fn v1_client_certificate_loads() {
    // Before: "client certificate and key do not fit: invalid peer certificate:
    // Other(OtherError(UnsupportedCertVersion))".
    loads(
        &fixture("certs/client-v1.crt"),
        &fixture("certs/client-v1.key"),
    );
    loads(
        &fixture("certs/client-v1.crt"),
        &fixture("certs/client-v1-pkcs1.key"),
    );
}

#[test]
fn v3_client_certificate_loads() {
    loads(
        &fixture("certs/client-v3.crt"),
        &fixture("certs/client-v3.key"),
    );
}

#[test]
fn leaf_and_intermediate_chain_loads() {
    let chain = fixture("certs/client-via-intermediate-chain.crt");
    assert_eq!(chain.matches("BEGIN CERTIFICATE").count(), 2);
    loads(&chain, &fixture("certs/client-via-intermediate.key"));
}

#[test]
fn orange_datas_own_test_certificate_and_key_load_and_fit() {
    let cert = fixture("orange/official/client.crt");
    let key = fixture("orange/official/client.key");
    loads(&cert, &key);
    // Another key does not fit it.
    let message = tls_error(&cert, &fixture("certs/client-v1.key"));
    assert!(message.contains("do not match"), "{message}");
}

#[test]
fn a_key_that_is_not_the_certificates_is_a_typed_error_without_key_material() {
    let key = fixture("certs/client-v3.key");
    for cert in [
        "certs/client-v1.crt",
        "certs/client-via-intermediate-chain.crt",
    ] {
        let message = tls_error(&fixture(cert), &key);
        assert_eq!(
            message,
            "client certificate and key do not match: the certificate's public key is not the key's",
            "{cert}"
        );
    }
    // No line of the key's Base64 shows up anywhere.
    let cfg = config(&fixture("certs/client-v1.crt"), &key);
    let err = tls_config(&cfg).expect_err("mismatch");
    let shown = format!("{err} {err:?} {cfg:?}");
    for line in key.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!shown.contains(line), "key material in {shown}");
    }
}

/// A PEM `CERTIFICATE` block around these bytes.
fn pem_of(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    format!("-----BEGIN CERTIFICATE-----\n{b64}\n-----END CERTIFICATE-----\n")
}

fn der_of(pem: &str) -> Vec<u8> {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("base64")
}

#[test]
fn malformed_certificates_are_typed_errors_never_panics() {
    let key = fixture("certs/client-v1.key");
    let good = der_of(&fixture("certs/client-v1.crt"));
    let mut trailing = good.clone();
    trailing.push(0);
    let mut wrong_tag = good.clone();
    wrong_tag[0] = 0x31;
    let mut cases: Vec<Vec<u8>> = vec![
        b"\x30\x03\x02\x01\x01".to_vec(),
        b"\x30\x80\x00\x00".to_vec(),
        b"\x30\x84\xff\xff\xff\xff".to_vec(),
        b"not DER at all".to_vec(),
        trailing,
        wrong_tag,
    ];
    // Every proper prefix of a real certificate.
    for n in (1..good.len()).step_by(7) {
        cases.push(good[..n].to_vec());
    }
    for der in cases {
        let message = tls_error(&pem_of(&der), &key);
        assert!(
            message.starts_with("client certificate cannot be parsed as X.509 DER"),
            "{message}"
        );
    }
    // A broken second certificate of the chain is named by its place.
    let chain = format!("{}{}", fixture("certs/client-v1.crt"), pem_of(b"\x30\x01"));
    let message = tls_error(&chain, &key);
    assert!(message.contains("certificate #2"), "{message}");
    // No certificate, no key, a key that is not a key.
    assert!(tls_error("", &key).contains("no certificate"));
    let cert = fixture("certs/client-v1.crt");
    assert!(tls_error(&cert, "").contains("no private key"));
    let not_a_key = "-----BEGIN PRIVATE KEY-----\nMAMCAQE=\n-----END PRIVATE KEY-----\n";
    assert!(tls_error(&cert, not_a_key).contains("not a usable private key"));
}

/// The Base64 content of `<name>` in Orange Data's XML key.
fn xml_value(xml: &str, name: &str) -> Vec<u8> {
    let open = format!("<{name}>");
    let start = xml.find(&open).expect(name) + open.len();
    let end = start + xml[start..].find('<').expect(name);
    base64::engine::general_purpose::STANDARD
        .decode(xml[start..end].trim())
        .expect("base64")
}

/// Verifies `signature_b64` over `body` with the public half written in the XML key
/// (`<Modulus>`, `<Exponent>`), by *ring*: independent of how the signer read the key.
fn verify_with_xml_public_half(xml: &str, body: &[u8], signature_b64: &str) -> bool {
    let public = ring::signature::RsaPublicKeyComponents {
        n: xml_value(xml, "Modulus"),
        e: xml_value(xml, "Exponent"),
    };
    let signature = base64::engine::general_purpose::STANDARD
        .decode(signature_b64)
        .expect("base64");
    public
        .verify(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            body,
            &signature,
        )
        .is_ok()
}

#[test]
fn orange_datas_xml_signing_key_signs_and_its_public_half_verifies() {
    let xml = fixture("orange/official/private_key_test.xml");
    assert!(xml.starts_with("<RSAKeyValue>"));
    let signer = RequestSigner::from_pem(&Secret::new(xml.clone())).expect("XML key");
    let body = br#"{"id":"1","inn":"7727401209","key":"7727401209"}"#;
    let signature = signer.sign(body).expect("sign");
    assert!(verify_with_xml_public_half(&xml, body, &signature));
    assert!(!verify_with_xml_public_half(
        &xml,
        b"another body",
        &signature
    ));
    assert!(!format!("{signer:?}").contains(&xml[20..60]));
}

#[test]
fn xml_signing_key_with_declaration_namespace_line_breaks_and_indentation() {
    let xml = fixture("orange/official/private_key_test.xml");
    let mut pretty = String::from("\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n");
    pretty.push_str(&xml.replace("><", ">\r\n  <").replace(
        "<RSAKeyValue>",
        "<RSAKeyValue xmlns=\"http://www.w3.org/2000/09/xmldsig#\">",
    ));
    // Base64 wrapped at 64 characters inside an element.
    let start = pretty.find("<Modulus>").expect("Modulus") + "<Modulus>".len();
    pretty.insert_str(start + 64, "\n    ");
    let signer = RequestSigner::from_pem(&Secret::new(pretty)).expect("pretty XML key");
    let signature = signer.sign(b"x").expect("sign");
    assert!(verify_with_xml_public_half(&xml, b"x", &signature));
}

#[test]
fn xml_key_without_its_private_part_is_a_config_error() {
    let xml = fixture("orange/official/private_key_test.xml");
    let end = xml.find("</Exponent>").expect("Exponent") + "</Exponent>".len();
    let public_only = format!("{}</RSAKeyValue>", &xml[..end]);
    match RequestSigner::from_pem(&Secret::new(public_only)) {
        Err(ProviderError::Config { field, message }) => {
            assert_eq!(field, "signing_key_pem");
            assert!(message.contains("public key"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // Tampered: a damaged CRT exponent does not fit this key (ring reads dP only when it signs,
    // and never uses D: the loader's self-check signature catches it).
    let dp = xml_value(&xml, "DP");
    let mut other = dp.clone();
    other[10] ^= 0xff;
    let b64 = |v: &[u8]| base64::engine::general_purpose::STANDARD.encode(v);
    let tampered = xml.replace(&b64(&dp), &b64(&other));
    assert_ne!(tampered, xml);
    let e = RequestSigner::from_pem(&Secret::new(tampered)).expect_err("inconsistent key");
    assert_eq!(e.code(), "config");
}

#[test]
fn pem_signing_keys_still_load() {
    for key in ["certs/client-v1.key", "certs/client-v1-pkcs1.key"] {
        let signer = RequestSigner::from_pem(&Secret::new(fixture(key))).expect(key);
        assert!(!signer.sign(b"x").expect("sign").is_empty());
    }
}
