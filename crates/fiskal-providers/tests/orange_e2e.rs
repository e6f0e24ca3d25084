//! End to end: the Orange Data adapter against `fiskal-emulator`'s Orange Data server on
//! loopback (HTTPS with client certificates, signed requests): submit → Pending → Done with the
//! fiscal attributes and the QR string, duplicates, a foreign signing key, a foreign client
//! certificate, 503 + Retry-After, the in-doubt reset, 500, marking-check and expiry
//! failures, an FFD 1.2 correction (`correction12`) and an FFD 1.05 one (`corrections`). Every scenario ends with "fiscalised exactly once" or
//! "not fiscalised" checked in the emulator's journal.

use fiskal_emulator::orange::{
    generate_signing_key, OrangeConfig as EmulatorConfig, OrangeEmulator, OrangeHandle, SigningKey,
};
use fiskal_emulator::{Endpoint, Fault, TestCa};
use fiskal_ffd::model::Correction;
use fiskal_ffd::{CorrectionType, Receipt};
use fiskal_providers::http::ClientIdentity;
use fiskal_providers::orange::{OrangeClient, OrangeConfig};
use fiskal_providers::{
    DocumentKind, FiscalAttributes, Outcome, Provider, RejectKind, Secret, StatusQuery, Submission,
};
use std::time::Duration;

const INN: &str = "7727401209";
const RECEIPT: &str = include_str!("fixtures/orange/sell_1_2.receipt.json");

/// A fresh signing key (generated: no key material is committed).
fn key() -> SigningKey {
    generate_signing_key().expect("signing key")
}

/// The signing key of this test process, generated once (RSA-2048 generation takes a good part
/// of a second in the test profile); [`key`] gives a different one.
fn shared_key() -> SigningKey {
    static KEY: std::sync::OnceLock<SigningKey> = std::sync::OnceLock::new();
    KEY.get_or_init(key).clone()
}

/// An adapter for the emulator: its CA trusted (and nothing else), this identity and key.
fn client_with(emu: &OrangeHandle, key_pem: &str, identity: ClientIdentity) -> OrangeClient {
    let mut cfg = OrangeConfig::new(emu.base_url(), INN, Secret::new(key_pem), identity);
    cfg.http.builtin_roots = false;
    cfg.http.extra_roots_pem = Some(emu.ca_pem().to_owned());
    cfg.http.timeout = Duration::from_secs(5);
    OrangeClient::new(cfg).expect("client")
}

fn identity_of(emu: &OrangeHandle) -> ClientIdentity {
    let id = emu.issue_client_identity().expect("client certificate");
    ClientIdentity {
        cert_chain_pem: id.cert_pem,
        key_pem: Secret::new(id.key_pem),
    }
}

/// A started emulator with a registered key, and the adapter that uses it.
async fn setup(cfg: EmulatorConfig) -> (OrangeHandle, OrangeClient) {
    let emu = OrangeEmulator::start(cfg).await.expect("emulator");
    let key = shared_key();
    emu.register_key(INN, key.public_der.clone());
    let pem = key.private_pem;
    let client = client_with(&emu, &pem, identity_of(&emu));
    (emu, client)
}

fn fast() -> EmulatorConfig {
    EmulatorConfig::default().with_processing_delay(Duration::from_millis(150))
}

fn receipt() -> Receipt {
    fiskal_ffd::json::parse_and_validate(RECEIPT).expect("receipt")
}

fn submission<'a>(id: &'a str, r: &'a Receipt) -> Submission<'a> {
    Submission {
        document_id: id,
        receipt: r,
        callback_url: None,
        timestamp: "2026-03-02T10:15:00".parse().expect("time"),
    }
}

fn query(id: &str, kind: DocumentKind) -> StatusQuery<'_> {
    StatusQuery {
        provider_id: Some(id),
        document_id: id,
        kind,
    }
}

/// Polls until the status is no longer `Pending` (5 s at most).
async fn settle(client: &OrangeClient, id: &str, kind: DocumentKind) -> Outcome {
    for _ in 0..100 {
        match client.status(&query(id, kind)).await.expect("status") {
            Outcome::Pending { .. } => tokio::time::sleep(Duration::from_millis(50)).await,
            other => return other,
        }
    }
    panic!("{id}: still pending after 5 s");
}

/// The QR string built from what the emulator's register recorded.
fn expected_qr(f: &fiskal_emulator::FiscalData, operation: u8) -> String {
    // receipt_datetime: dd.mm.yyyy HH:MM:SS
    let t = &f.receipt_datetime;
    format!(
        "t={}{}{}T{}{}&s={}.{:02}&fn={}&i={}&fp={}&n={operation}",
        &t[6..10],
        &t[3..5],
        &t[0..2],
        &t[11..13],
        &t[14..16],
        f.total_kopecks / 100,
        f.total_kopecks % 100,
        f.fn_number,
        f.fiscal_document_number,
        f.fiscal_document_attribute
    )
}

fn done(outcome: Outcome) -> FiscalAttributes {
    match outcome {
        Outcome::Done { fiscal, .. } => fiscal,
        other => panic!("expected Done, got {other:?}"),
    }
}

#[tokio::test]
async fn submit_pending_done_with_fiscal_attributes_and_qr() {
    let (emu, client) = setup(fast()).await;
    let r = receipt();
    let s = submission("e2e-1", &r);
    assert_eq!(
        client.submit(&s).await,
        Ok(Outcome::Accepted {
            provider_id: "e2e-1".into(),
            duplicate: false
        })
    );
    assert_eq!(
        client.status(&query("e2e-1", DocumentKind::Sell)).await,
        Ok(Outcome::Pending {
            provider_id: "e2e-1".into()
        })
    );
    let fiscal = done(settle(&client, "e2e-1", DocumentKind::Sell).await);
    let entry = emu
        .journal()
        .by_external_id(INN, "e2e-1")
        .expect("journaled");
    assert_eq!(entry.api, "orange");
    assert_eq!(entry.group_code, "Main_2");
    assert_eq!(entry.operation, "sell");
    let f = entry.fiscal().expect("fiscalised");
    assert_eq!(fiscal.fn_number, f.fn_number);
    assert!(fiscal.fn_number.starts_with("9999"));
    assert_eq!(fiscal.fd_number, f.fiscal_document_number);
    assert_eq!(fiscal.fiscal_sign, f.fiscal_document_attribute);
    assert_eq!(fiscal.fiscal_sign.to_string().len(), 10);
    assert_eq!(fiscal.shift_number, Some(f.shift_number));
    assert_eq!(fiscal.receipt_number, Some(f.fiscal_receipt_number));
    assert_eq!(
        fiscal.kkt_reg_number.as_deref(),
        Some(f.ecr_registration_number.as_str())
    );
    assert_eq!(fiscal.ofd_inn.as_deref(), Some("7728699517"));
    assert_eq!(fiscal.total, r.total);
    assert_eq!(fiscal.operation, r.operation);
    assert_eq!(fiscal.qr_string(), expected_qr(f, 1));
    assert!(fiscal.qr_string().contains("&s=5901.65&"));
    assert_eq!(emu.journal().fiscalised_count("e2e-1"), 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn duplicate_id_is_accepted_and_fiscalised_once() {
    let (emu, client) = setup(fast()).await;
    let r = receipt();
    let s = submission("e2e-dup", &r);
    assert!(matches!(
        client.submit(&s).await,
        Ok(Outcome::Accepted {
            duplicate: false,
            ..
        })
    ));
    assert_eq!(
        client.submit(&s).await,
        Ok(Outcome::Accepted {
            provider_id: "e2e-dup".into(),
            duplicate: true
        })
    );
    done(settle(&client, "e2e-dup", DocumentKind::Sell).await);
    // Also after processing: still a duplicate, still one document.
    assert_eq!(
        client.submit(&s).await,
        Ok(Outcome::Accepted {
            provider_id: "e2e-dup".into(),
            duplicate: true
        })
    );
    assert_eq!(emu.journal().len(), 1);
    assert_eq!(emu.journal().fiscalised_count("e2e-dup"), 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_foreign_signing_key_is_rejected_as_auth() {
    let (emu, _) = setup(fast()).await;
    let stranger = client_with(&emu, &key().private_pem, identity_of(&emu));
    let r = receipt();
    match stranger.submit(&submission("e2e-sig", &r)).await {
        Ok(Outcome::Rejected {
            kind: RejectKind::Auth,
            code,
            message,
        }) => {
            assert_eq!(code, "400");
            assert_eq!(message, "Подпись не прошла проверку");
        }
        other => panic!("expected Rejected{{Auth}}, got {other:?}"),
    }
    assert!(emu.journal().is_empty());
    emu.shutdown().await;
}

#[tokio::test]
async fn a_foreign_client_certificate_is_rejected_as_auth() {
    let (emu, _) = setup(fast()).await;
    let key = shared_key();
    emu.register_key(INN, key.public_der.clone());
    let pem = key.private_pem;
    let foreign = TestCa::new()
        .expect("CA")
        .issue_client(INN)
        .expect("certificate");
    let client = client_with(
        &emu,
        &pem,
        ClientIdentity {
            cert_chain_pem: foreign.cert_pem.clone(),
            key_pem: Secret::new(foreign.key_pem.clone()),
        },
    );
    let r = receipt();
    match client.submit(&submission("e2e-cert", &r)).await {
        Ok(Outcome::Rejected {
            kind: RejectKind::Auth,
            code,
            ..
        }) => assert_eq!(code, "401"),
        other => panic!("expected Rejected{{Auth}} 401, got {other:?}"),
    }
    assert!(matches!(
        client.status(&query("e2e-cert", DocumentKind::Sell)).await,
        Ok(Outcome::Rejected {
            kind: RejectKind::Auth,
            ..
        })
    ));
    assert!(emu.journal().is_empty());
    emu.shutdown().await;

    // The stricter emulator refuses the handshake itself: a transport outcome, nothing taken.
    let mut cfg = fast();
    cfg.refuse_handshake_without_certificate = true;
    let emu = OrangeEmulator::start(cfg).await.expect("emulator");
    emu.register_key(INN, key.public_der.clone());
    let client = client_with(
        &emu,
        &pem,
        ClientIdentity {
            cert_chain_pem: foreign.cert_pem,
            key_pem: Secret::new(foreign.key_pem),
        },
    );
    let outcome = client.submit(&submission("e2e-cert", &r)).await;
    assert!(
        matches!(
            outcome,
            Ok(Outcome::RetryLater { .. } | Outcome::InDoubt { .. })
        ),
        "{outcome:?}"
    );
    assert!(emu.journal().is_empty());
    emu.shutdown().await;
}

#[tokio::test]
async fn queue_full_is_retry_later_with_retry_after() {
    let (emu, client) = setup(fast()).await;
    emu.push_fault(
        Endpoint::Register,
        Fault::Unavailable {
            retry_after_secs: 7,
        },
    );
    let r = receipt();
    let s = submission("e2e-503", &r);
    match client.submit(&s).await {
        Ok(Outcome::RetryLater { after, code, .. }) => {
            assert_eq!(after, Some(Duration::from_secs(7)));
            assert_eq!(code.as_deref(), Some("503"));
        }
        other => panic!("expected RetryLater, got {other:?}"),
    }
    assert!(emu.journal().is_empty());
    // Sent again with the same id: taken, fiscalised once.
    assert!(matches!(
        client.submit(&s).await,
        Ok(Outcome::Accepted {
            duplicate: false,
            ..
        })
    ));
    done(settle(&client, "e2e-503", DocumentKind::Sell).await);
    assert_eq!(emu.journal().fiscalised_count("e2e-503"), 1);
    emu.shutdown().await;

    // A real queue limit: one document waiting fills it.
    let mut cfg = fast().with_processing_delay(Duration::from_millis(600));
    cfg.queue_capacity = Some(1);
    cfg.retry_after_secs = 3;
    let (emu, client) = setup(cfg).await;
    assert!(client
        .submit(&submission("q-1", &r))
        .await
        .expect("submit")
        .is_at_provider());
    match client.submit(&submission("q-2", &r)).await {
        Ok(Outcome::RetryLater { after, .. }) => assert_eq!(after, Some(Duration::from_secs(3))),
        other => panic!("expected RetryLater, got {other:?}"),
    }
    done(settle(&client, "q-1", DocumentKind::Sell).await);
    assert!(client
        .submit(&submission("q-2", &r))
        .await
        .expect("submit")
        .is_at_provider());
    emu.shutdown().await;
}

#[tokio::test]
async fn reset_after_accept_is_in_doubt_then_done_exactly_once() {
    let (emu, client) = setup(fast()).await;
    emu.push_fault(Endpoint::Register, Fault::ResetAfterAccept);
    let r = receipt();
    let s = submission("e2e-reset", &r);
    assert!(
        matches!(client.submit(&s).await, Ok(Outcome::InDoubt { .. })),
        "the answer was lost"
    );
    // Resolved by status: the document is there.
    assert!(client
        .status(&query("e2e-reset", DocumentKind::Sell))
        .await
        .expect("status")
        .is_at_provider());
    // A resend with the same id is a duplicate, never a second receipt.
    assert!(matches!(
        client.submit(&s).await,
        Ok(Outcome::Accepted {
            duplicate: true,
            ..
        })
    ));
    done(settle(&client, "e2e-reset", DocumentKind::Sell).await);
    assert_eq!(emu.journal().len(), 1);
    assert_eq!(emu.journal().fiscalised_count("e2e-reset"), 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn reset_before_accept_and_500_lose_nothing() {
    let (emu, client) = setup(fast()).await;
    emu.push_fault(Endpoint::Register, Fault::ResetBeforeAccept);
    emu.push_fault(Endpoint::Register, Fault::ServerError(500));
    let r = receipt();
    let s = submission("e2e-lost", &r);
    assert!(matches!(
        client.submit(&s).await,
        Ok(Outcome::InDoubt { .. })
    ));
    // Not there (400 not found): safe to resend with the same id.
    assert!(matches!(
        client.status(&query("e2e-lost", DocumentKind::Sell)).await,
        Ok(Outcome::NotFound { .. })
    ));
    assert!(matches!(
        client.submit(&s).await,
        Ok(Outcome::InDoubt { .. })
    ));
    assert!(emu.journal().is_empty());
    assert!(matches!(
        client.submit(&s).await,
        Ok(Outcome::Accepted {
            duplicate: false,
            ..
        })
    ));
    done(settle(&client, "e2e-lost", DocumentKind::Sell).await);
    assert_eq!(emu.journal().fiscalised_count("e2e-lost"), 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn marking_check_failure_and_expiry_are_rejections_without_receipt() {
    let (emu, client) = setup(fast()).await;
    emu.push_fault(Endpoint::Register, Fault::ItemCodeCheckFailed);
    emu.push_fault(Endpoint::Register, Fault::QueueTimeout);
    let r = receipt();
    for id in ["e2e-422", "e2e-524"] {
        assert!(client
            .submit(&submission(id, &r))
            .await
            .expect("submit")
            .is_at_provider());
    }
    match settle(&client, "e2e-422", DocumentKind::Sell).await {
        Outcome::Rejected {
            kind: RejectKind::Validation,
            code,
            message,
        } => {
            assert_eq!(code, "422");
            assert!(message.contains("\"position\":0"), "{message}");
        }
        other => panic!("expected 422, got {other:?}"),
    }
    match settle(&client, "e2e-524", DocumentKind::Sell).await {
        Outcome::Rejected {
            kind: RejectKind::Register,
            code,
            ..
        } => assert_eq!(code, "524"),
        other => panic!("expected 524, got {other:?}"),
    }
    assert_eq!(emu.journal().fiscalised_count("e2e-422"), 0);
    assert_eq!(emu.journal().fiscalised_count("e2e-524"), 0);
    emu.shutdown().await;
}

#[tokio::test]
async fn ffd12_correction_goes_through_correction12() {
    let (emu, client) = setup(fast()).await;
    let mut r = receipt();
    r.correction = Some(Correction {
        correction_type: CorrectionType::SELF_INITIATED,
        date: "2026-03-01T00:00:00".parse().expect("date"),
        number: None,
        description: None,
    });
    let s = submission("e2e-corr", &r);
    assert!(matches!(
        client.submit(&s).await,
        Ok(Outcome::Accepted {
            duplicate: false,
            ..
        })
    ));
    let fiscal = done(settle(&client, "e2e-corr", DocumentKind::SellCorrection).await);
    assert_eq!(fiscal.total, r.total);
    let entry = emu
        .journal()
        .by_external_id(INN, "e2e-corr")
        .expect("journaled");
    assert_eq!(entry.operation, "sell_correction");
    assert!(entry.body.contains("\"correctionType\":0"));
    // A correction is not found among the receipts.
    assert!(matches!(
        client.status(&query("e2e-corr", DocumentKind::Sell)).await,
        Ok(Outcome::NotFound { .. })
    ));
    assert_eq!(emu.journal().fiscalised_count("e2e-corr"), 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn ffd105_correction_goes_through_corrections() {
    // Long enough for the two status lookups to see the document still queued.
    let (emu, client) =
        setup(EmulatorConfig::default().with_processing_delay(Duration::from_millis(500))).await;
    let r: Receipt = fiskal_ffd::json::parse_and_validate(include_str!(
        "fixtures/orange/correction_1_05.receipt.json"
    ))
    .expect("1.05 correction");
    let s = submission("e2e-c105", &r);
    assert_eq!(
        client.submit(&s).await,
        Ok(Outcome::Accepted {
            provider_id: "e2e-c105".into(),
            duplicate: false
        })
    );
    // The status is looked up under correction12 first, then under corrections.
    assert_eq!(
        client
            .status(&query("e2e-c105", DocumentKind::SellCorrection))
            .await,
        Ok(Outcome::Pending {
            provider_id: "e2e-c105".into()
        })
    );
    // A duplicate is accepted once.
    assert_eq!(
        client.submit(&s).await,
        Ok(Outcome::Accepted {
            provider_id: "e2e-c105".into(),
            duplicate: true
        })
    );
    let fiscal = done(settle(&client, "e2e-c105", DocumentKind::SellCorrection).await);
    let entry = emu
        .journal()
        .by_external_id(INN, "e2e-c105")
        .expect("journaled");
    assert_eq!(entry.group_code, "Main");
    assert_eq!(entry.operation, "sell_correction");
    assert!(entry.body.contains("\"correctionType\":1"));
    let f = entry.fiscal().expect("fiscalised");
    assert_eq!(fiscal.fd_number, f.fiscal_document_number);
    assert_eq!(fiscal.fiscal_sign, f.fiscal_document_attribute);
    assert_eq!(fiscal.total, r.total);
    assert_eq!(fiscal.operation, r.operation);
    assert!(fiscal.qr_string().contains("&s=1500.50&"));
    // Again after processing: a duplicate, still one document.
    assert!(matches!(
        client.submit(&s).await,
        Ok(Outcome::Accepted {
            duplicate: true,
            ..
        })
    ));
    // A correction is not found among the receipts; an unknown correction stays not-found
    // after both lookups.
    assert!(matches!(
        client.status(&query("e2e-c105", DocumentKind::Sell)).await,
        Ok(Outcome::NotFound { .. })
    ));
    assert!(matches!(
        client
            .status(&query("e2e-c105-unknown", DocumentKind::SellCorrection))
            .await,
        Ok(Outcome::NotFound { message }) if message.starts_with("HTTP 400")
    ));
    assert_eq!(emu.journal().len(), 1);
    assert_eq!(emu.journal().fiscalised_count("e2e-c105"), 1);
    emu.shutdown().await;
}

/// A document id with `/` (an outbox key may hold one) is looked up as one path segment
/// (percent-encoded), not as extra path segments that Orange Data does not know.
#[tokio::test]
async fn a_document_id_with_a_slash_is_looked_up_percent_encoded() {
    let (_emu, client) = setup(fast()).await;
    let r = receipt();
    let id = "shop/order:7-1";
    assert_eq!(
        client.submit(&submission(id, &r)).await,
        Ok(Outcome::Accepted {
            provider_id: id.into(),
            duplicate: false
        })
    );
    let fiscal = done(settle(&client, id, DocumentKind::Sell).await);
    assert_eq!(fiscal.total, r.total);
}
