//! Orange Data adapter: signature, request body (wire-exact against a fixture), answers.

use base64::Engine as _;
use fiskal_providers::http::ClientIdentity;
use fiskal_providers::orange::{
    build_request, status_outcome, submit_outcome, OrangeConfig, RequestSigner,
};
use fiskal_providers::{Outcome, ProviderError, RejectKind, Secret};
use std::time::Duration;

/// An RSA-2048 key as PKCS#8 PEM (generated, once per test process: no key material is
/// committed, and generation takes a good part of a second in the test profile).
fn test_key_pem() -> String {
    static KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        fiskal_emulator::orange::generate_signing_key()
            .expect("keygen")
            .private_pem
    })
    .clone()
}

/// A fresh RSA key of `bits` bits and public exponent `e`, by RustCrypto `rsa`: PKCS#8 PEM and
/// PKCS#1 PEM.
fn rsa_key_pems(bits: usize, e: u64) -> (String, String) {
    use rsa::pkcs1::EncodeRsaPrivateKey as _;
    use rsa::pkcs8::EncodePrivateKey as _;
    let key = rsa::RsaPrivateKey::new_with_exp(&mut rsa::rand_core::OsRng, bits, &e.into())
        .expect("keygen");
    let pkcs8 = key
        .to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
        .expect("pkcs8")
        .to_string();
    let pkcs1 = key
        .to_pkcs1_pem(rsa::pkcs8::LineEnding::LF)
        .expect("pkcs1")
        .to_string();
    (pkcs8, pkcs1)
}

fn config(key_pem: &str) -> OrangeConfig {
    let identity = ClientIdentity {
        cert_chain_pem: String::new(),
        key_pem: Secret::new("unused in these tests"),
    };
    let mut cfg = OrangeConfig::test_environment(Secret::new(key_pem), identity);
    cfg.group = Some("Main_2".into());
    cfg
}

#[test]
fn signature_verifies_with_an_independent_library_and_key_stays_secret() {
    let pem = test_key_pem();
    let signer = RequestSigner::from_pem(&Secret::new(pem.clone())).expect("key loads");
    let body = br#"{"id":"order-1","inn":"7727401209"}"#;
    let sig = base64::engine::general_purpose::STANDARD
        .decode(signer.sign(body).expect("signs"))
        .expect("base64");
    assert_eq!(sig.len(), 256);
    // ring verifies: PKCS#1 v1.5 with SHA-256 over the exact body bytes (the vectors of
    // tests/vectors/orange_sign hold the exact bytes; tests/orange_sign_vectors.rs).
    let public = ring::signature::UnparsedPublicKey::new(
        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        signer.public_key_der(),
    );
    public.verify(body, &sig).expect("valid signature");
    assert!(public
        .verify(br#"{"id":"order-2","inn":"7727401209"}"#, &sig)
        .is_err());
    // No key material in Debug output of the signer or the configuration.
    let body_of_key: String = pem.lines().nth(1).expect("pem line").to_owned();
    assert!(!format!("{signer:?}").contains(&body_of_key));
    assert!(!format!("{:?}", config(&pem)).contains(&body_of_key));
}

#[test]
fn bad_key_is_a_config_error_without_key_material() {
    let e = RequestSigner::from_pem(&Secret::new(
        "-----BEGIN PRIVATE KEY-----\nQUJDREVG\n-----END PRIVATE KEY-----\n",
    ))
    .unwrap_err();
    assert_eq!(e.code(), "config");
    assert!(!e.to_string().contains("QUJDREVG"));
}

#[test]
fn keys_ring_cannot_sign_with_are_config_errors_naming_the_rule() {
    // Each in both PEM forms: PKCS#8 (from_pkcs8) and PKCS#1 (from_der).
    let cases = [
        // Under 2048 bits (refused before the move to ring as well).
        (rsa_key_pems(1024, 65_537), "at least 2048 bits"),
        // Exponent 3: a valid RSA key; AWS-LC signed with it (no minimum exponent), ring refuses.
        (rsa_key_pems(2048, 3), "at least 65537"),
        // 2560 bits: AWS-LC took any size from 2048 to 8192 bits; ring wants a multiple of 512.
        (rsa_key_pems(2560, 65_537), "multiple of 512 bits"),
    ];
    for ((pkcs8, pkcs1), want) in cases {
        for pem in [&pkcs8, &pkcs1] {
            let e = RequestSigner::from_pem(&Secret::new(pem.clone())).unwrap_err();
            match &e {
                ProviderError::Config { field, message } => {
                    assert_eq!(*field, "signing_key_pem");
                    assert!(message.contains(want), "{message}");
                }
                other => panic!("expected Config, got {other:?}"),
            }
            let body_of_key = pem.lines().nth(1).expect("pem line");
            assert!(!e.to_string().contains(body_of_key), "{e}");
            assert!(!format!("{e:?}").contains(body_of_key), "{e:?}");
        }
    }
}

const RECEIPT: &str = include_str!("fixtures/orange/sell_1_2.receipt.json");
const SAMPLE_22: &str = include_str!("../data/receipt_1_2.json");

#[test]
fn vat22_without_a_configured_code_fails_clearly() {
    let mut cfg = config(&test_key_pem());
    let receipt = fiskal_ffd::json::parse_and_validate(SAMPLE_22).expect("sample");
    // Orange Data registers under the configured INN: the sample's must match it.
    cfg.inn = receipt.company.inn.clone();
    match build_request(&cfg, "order-42-1", &receipt, None) {
        Err(ProviderError::Unsupported { path, message, .. }) => {
            assert_eq!(path, "items[0].vat");
            assert!(message.contains("vat22_tax_code"), "{message}");
        }
        other => panic!("expected Unsupported, got {other:?}"),
    }
}

#[test]
fn request_body_is_wire_exact() {
    let cfg = config(&test_key_pem());
    let receipt = fiskal_ffd::json::parse_and_validate(RECEIPT).expect("sample");
    let (body, path) = build_request(
        &cfg,
        "order-42-1",
        &receipt,
        Some("https://shop.example.ru/od-callback"),
    )
    .expect("builds");
    assert_eq!(path, "/api/v2/documents/");
    let want = include_str!("fixtures/orange/sell_1_2.json").trim_end();
    assert_eq!(std::str::from_utf8(&body).expect("utf-8"), want);
}

#[test]
fn post_answers_map_to_outcomes() {
    let id = "order-42-1";
    assert_eq!(
        submit_outcome(201, None, b"", id),
        Outcome::Accepted {
            provider_id: id.into(),
            duplicate: false
        }
    );
    assert_eq!(
        submit_outcome(409, None, b"", id),
        Outcome::Accepted {
            provider_id: id.into(),
            duplicate: true
        }
    );
    match submit_outcome(
        400,
        None,
        "{\"errors\":[\"Подпись не прошла проверку\"]}".as_bytes(),
        id,
    ) {
        Outcome::Rejected {
            kind: RejectKind::Auth,
            code,
            message,
        } => {
            assert_eq!(code, "400");
            assert_eq!(message, "Подпись не прошла проверку");
        }
        other => panic!("{other:?}"),
    }
    match submit_outcome(
        400,
        None,
        br#"{"errors":["Document ID 'Id' not specified"]}"#,
        id,
    ) {
        Outcome::Rejected {
            kind: RejectKind::Validation,
            ..
        } => {}
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        submit_outcome(401, None, b"", id),
        Outcome::Rejected {
            kind: RejectKind::Auth,
            ..
        }
    ));
    match submit_outcome(
        503,
        Some(Duration::from_secs(7)),
        br#"{"errors":["queue is full"]}"#,
        id,
    ) {
        Outcome::RetryLater { after, code, .. } => {
            assert_eq!(after, Some(Duration::from_secs(7)));
            assert_eq!(code.as_deref(), Some("503"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        submit_outcome(502, None, b"bad gateway", id),
        Outcome::InDoubt { .. }
    ));
}

#[test]
fn status_answers_map_to_outcomes() {
    let id = "order-42-1";
    let processed = br#"{"id":"order-42-1","deviceSN":"0000000000001358","deviceRN":"0000000400054952","fsNumber":"9999078900001341","ofdName":"OFD","ofdWebsite":"www.ofd-ya.ru","ofdinn":"7728699517","fnsWebsite":"www.nalog.ru","companyINN":"7727401209","companyName":"X","documentNumber":117,"shiftNumber":20,"documentIndex":5,"processedAt":"2026-02-14T14:16:00.123","content":{"type":1,"totalSum":5939.70},"change":0.00,"fp":"2364009522","callbackUrl":null,"meta":null}"#;
    match status_outcome(200, processed, id) {
        Outcome::Done {
            provider_id,
            fiscal,
        } => {
            assert_eq!(provider_id, id);
            assert_eq!(fiscal.fn_number, "9999078900001341");
            assert_eq!(fiscal.fd_number, 117);
            assert_eq!(fiscal.fiscal_sign, 2_364_009_522);
            assert_eq!(fiscal.total.kopecks(), Ok(593_970));
            assert_eq!(
                fiscal.qr_string(),
                "t=20260214T1416&s=5939.70&fn=9999078900001341&i=117&fp=2364009522&n=1"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        status_outcome(202, b"", id),
        Outcome::Pending {
            provider_id: id.into()
        }
    );
    assert!(matches!(
        status_outcome(400, br#"{"errors":["not found"]}"#, id),
        Outcome::NotFound { message } if message == "HTTP 400: document not found at Orange Data: not found"
    ));
    assert!(matches!(
        status_outcome(524, b"", id),
        Outcome::Rejected {
            kind: RejectKind::Register,
            ..
        }
    ));
    assert!(matches!(
        status_outcome(422, b"[]", id),
        Outcome::Rejected {
            kind: RejectKind::Validation,
            ..
        }
    ));
    // Unreadable, or no verdict (5xx): asked again, with the status kept.
    assert!(matches!(
        status_outcome(200, b"{not json", id),
        Outcome::RetryLater { code: Some(c), .. } if c == "200"
    ));
    assert!(matches!(
        status_outcome(500, b"oops", id),
        Outcome::RetryLater { code: Some(c), .. } if c == "500"
    ));
}

const CORRECTION_105: &str = include_str!("fixtures/orange/correction_1_05.receipt.json");

fn correction_105() -> fiskal_ffd::Receipt {
    fiskal_ffd::json::parse_and_validate(CORRECTION_105).expect("1.05 correction")
}

#[test]
fn ffd105_correction_body_is_wire_exact() {
    let mut cfg = config(&test_key_pem());
    cfg.group = Some("Main".into());
    let (body, path) = build_request(
        &cfg,
        "corr-105-1",
        &correction_105(),
        Some("https://shop.example.ru/od-callback"),
    )
    .expect("builds");
    assert_eq!(path, "/api/v2/corrections/");
    let want = include_str!("fixtures/orange/correction_1_05.json").trim_end();
    assert_eq!(std::str::from_utf8(&body).expect("utf-8"), want);
}

#[test]
fn ffd105_correction_refusals() {
    let cfg = config(&test_key_pem());
    // Only приход and расход exist for 1.05 corrections.
    let mut r = correction_105();
    r.operation = fiskal_ffd::Operation(2);
    match build_request(&cfg, "c-1", &r, None) {
        Err(ProviderError::Unsupported { path, .. }) => assert_eq!(path, "operation"),
        other => panic!("expected Unsupported, got {other:?}"),
    }
    // By prescription without the prescription's number.
    let mut r = correction_105();
    if let Some(c) = r.correction.as_mut() {
        c.number = None;
    }
    match build_request(&cfg, "c-2", &r, None) {
        Err(ProviderError::Unsupported { path, .. }) => assert_eq!(path, "correction.number"),
        other => panic!("expected Unsupported, got {other:?}"),
    }
    // Self-initiated: no number needed; расход is accepted; zero sums are left out.
    let mut r = correction_105();
    r.operation = fiskal_ffd::Operation(3);
    if let Some(c) = r.correction.as_mut() {
        c.correction_type = fiskal_ffd::CorrectionType::SELF_INITIATED;
        c.number = None;
    }
    let (body, _) = build_request(&cfg, "c-3", &r, None).expect("builds");
    let text = std::str::from_utf8(&body).expect("utf-8");
    assert!(text.contains(r#""correctionType":0,"type":3,"causeDocumentDate":"2026-02-27T00:00:00","totalSum":1500.50"#), "{text}");
    assert!(
        !text.contains("prepaymentSum") && !text.contains("positions"),
        "{text}"
    );
}
