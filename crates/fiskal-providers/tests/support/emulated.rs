//! Helpers for end-to-end tests against `fiskal-emulator`: receipt fixtures, a fresh Orange
//! Data signing key, submit-then-poll. Generic over [`Provider`], so any adapter (or
//! `AnyProvider`) can use them.

use aws_lc_rs::encoding::AsDer;
use base64::Engine as _;
use fiskal_providers::orange::RequestSigner;
use fiskal_providers::{
    DocumentKind, FiscalAttributes, Outcome, Provider, Secret, StatusQuery, Submission,
};
use std::time::Duration;

/// The provider tests' fixture directory.
pub(crate) const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// A receipt fixture (`atol/receipt_sell_v4.json` …), parsed and validated.
pub(crate) fn receipt(path: &str) -> fiskal_ffd::Receipt {
    let text = std::fs::read_to_string(format!("{FIXTURES}/{path}"))
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    fiskal_ffd::json::parse_and_validate(&text).unwrap_or_else(|e| panic!("{path}: {e:?}"))
}

/// A fresh RSA-2048 key as PKCS#8 PEM (generated: no key material is committed).
pub(crate) fn rsa_key_pem() -> String {
    let kp = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).expect("keygen");
    let der = kp.as_der().expect("pkcs8");
    let b64 = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
    let mut pem = String::from("-----BEGIN PRIVATE KEY-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(chunk).expect("ascii"));
        pem.push('\n');
    }
    pem.push_str("-----END PRIVATE KEY-----\n");
    pem
}

/// The DER public key of a PEM private key (what the Orange Data emulator registers).
pub(crate) fn public_der(pem: &str) -> Vec<u8> {
    RequestSigner::from_pem(&Secret::new(pem))
        .expect("key")
        .public_key_der()
}

/// Submits `receipt` under `document_id` (expects a first-time acceptance), then polls the
/// status every 50 ms until it is no longer accepted / pending (10 s at most) and returns the
/// fiscal attributes of `Done`.
pub(crate) async fn submit_until_done<P: Provider>(
    provider: &P,
    document_id: &str,
    receipt: &fiskal_ffd::Receipt,
) -> FiscalAttributes {
    let s = Submission {
        document_id,
        receipt,
        callback_url: None,
        timestamp: "2026-03-02T10:15:00".parse().expect("time"),
    };
    let provider_id = match provider.submit(&s).await {
        Ok(Outcome::Accepted {
            provider_id,
            duplicate: false,
        }) => provider_id,
        other => panic!("{}: submit gave {other:?}", provider.name()),
    };
    let q = StatusQuery {
        provider_id: Some(&provider_id),
        document_id,
        kind: DocumentKind::of(receipt).expect("kind"),
    };
    for _ in 0..200 {
        match provider.status(&q).await {
            Ok(Outcome::Pending { .. } | Outcome::Accepted { .. }) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Ok(Outcome::Done {
                provider_id: id,
                fiscal,
            }) => {
                assert_eq!(id, provider_id);
                return fiscal;
            }
            other => panic!("{}: status gave {other:?}", provider.name()),
        }
    }
    panic!("{}: {document_id} not done after 10 s", provider.name())
}
