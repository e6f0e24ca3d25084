//! End to end: the KOMTET Kassa adapter against `fiskal-emulator`'s KOMTET server on loopback —
//! sell, refund, correction, status new → done, the queue as health check, a wrong secret and
//! queue, refusals, and the faults (resets before and after acceptance, 5xx, slow answers,
//! register errors, a passive queue), asserting no receipt is fiscalised twice and none is
//! lost.

use fiskal_emulator::komtet::{
    KomtetConfig as EmulatorConfig, KomtetEmulator, KomtetHandle, TEST_QUEUE_ID, TEST_SECRET,
    TEST_SHOP_ID,
};
use fiskal_emulator::{Endpoint, Fault};
use fiskal_providers::komtet::{KomtetClient, KomtetConfig};
use fiskal_providers::{
    DocumentKind, Health, InDoubtResolution, Outcome, Provider, RejectKind, StatusQuery, Submission,
};
use std::time::Duration;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/komtet");

async fn emulator() -> KomtetHandle {
    KomtetEmulator::start(
        EmulatorConfig::default().with_processing_delay(Duration::from_millis(100)),
    )
    .await
    .expect("emulator")
}

fn client_with(k: &KomtetHandle, secret: &str, queue: &str) -> KomtetClient {
    let mut cfg = KomtetConfig::new(k.base_url(), TEST_SHOP_ID, secret, queue);
    cfg.http.timeout = Duration::from_secs(2);
    KomtetClient::new(cfg).expect("client")
}

fn client(k: &KomtetHandle) -> KomtetClient {
    client_with(k, TEST_SECRET, TEST_QUEUE_ID)
}

fn receipt(operation: &str) -> fiskal_ffd::Receipt {
    let text = std::fs::read_to_string(format!("{FIXTURES}/receipt_sell.json")).expect("fixture");
    let text = text.replace(
        "\"operation\": \"sell\"",
        &format!("\"operation\": \"{operation}\""),
    );
    fiskal_ffd::json::parse(&text).expect("receipt")
}

fn submission<'a>(id: &'a str, r: &'a fiskal_ffd::Receipt) -> Submission<'a> {
    Submission {
        document_id: id,
        receipt: r,
        callback_url: None,
        timestamp: "2026-03-02T10:15:00".parse().expect("time"),
    }
}

fn query<'a>(provider_id: &'a str, id: &'a str, r: &fiskal_ffd::Receipt) -> StatusQuery<'a> {
    StatusQuery {
        provider_id: Some(provider_id),
        document_id: id,
        kind: DocumentKind::of(r).expect("kind"),
    }
}

async fn accepted(c: &KomtetClient, s: &Submission<'_>) -> String {
    match c.submit(s).await {
        Ok(Outcome::Accepted {
            provider_id,
            duplicate: false,
        }) => provider_id,
        other => panic!("submit gave {other:?}"),
    }
}

/// Polls until the task leaves `new`.
async fn settle(c: &KomtetClient, q: &StatusQuery<'_>) -> Outcome {
    for _ in 0..100 {
        match c.status(q).await.expect("status") {
            Outcome::Pending { .. } | Outcome::Accepted { .. } => {
                tokio::time::sleep(Duration::from_millis(30)).await;
            }
            other => return other,
        }
    }
    panic!("never settled")
}

fn rejected(o: Outcome) -> (RejectKind, String) {
    match o {
        Outcome::Rejected { kind, code, .. } => (kind, code),
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[tokio::test]
async fn sell_refund_and_correction_new_then_done() {
    let k = emulator().await;
    let c = client(&k);
    assert_eq!(c.name(), "komtet");
    assert_eq!(c.in_doubt_resolution(), InDoubtResolution::ResendSameId);
    let mut correction = receipt("sell");
    correction.correction = Some(fiskal_ffd::model::Correction {
        correction_type: fiskal_ffd::CorrectionType::SELF_INITIATED,
        date: "2026-03-01T00:00:00".parse().expect("date"),
        number: None,
        description: None,
    });
    for (r, id, n, intent) in [
        (receipt("sell"), "e2e-sell-1", 1u8, "sell"),
        (receipt("sell_refund"), "e2e-refund-1", 2, "sellReturn"),
        (correction, "e2e-corr-1", 1, "sellCorrection"),
    ] {
        let s = submission(id, &r);
        let task_id = accepted(&c, &s).await;
        assert!(task_id.parse::<u64>().is_ok(), "{task_id}");
        let q = query(&task_id, id, &r);
        assert_eq!(
            c.status(&q).await,
            Ok(Outcome::Pending {
                provider_id: task_id.clone()
            })
        );
        match settle(&c, &q).await {
            Outcome::Done {
                provider_id,
                fiscal,
            } => {
                assert_eq!(provider_id, task_id);
                assert_eq!(fiscal.total, r.total);
                assert_eq!(fiscal.total.to_string(), "5801.95");
                assert_eq!(fiscal.fn_number.len(), 16);
                assert_eq!(fiscal.operation.0, n);
                assert!(
                    fiscal.qr_string().contains("&s=5801.95&"),
                    "{}",
                    fiscal.qr_string()
                );
            }
            other => panic!("{id}: {other:?}"),
        }
        assert_eq!(k.journal().fiscalised_count(id), 1);
        let entry = k
            .journal()
            .entries()
            .into_iter()
            .find(|e| e.external_id == id)
            .expect("journaled");
        assert_eq!(entry.operation, intent);
    }
    k.shutdown().await;
}

#[tokio::test]
async fn the_same_external_id_is_a_duplicate_never_a_second_receipt() {
    let k = emulator().await;
    let c = client(&k);
    let r = receipt("sell");
    let s = submission("dup-1", &r);
    let task_id = accepted(&c, &s).await;
    assert_eq!(
        c.submit(&s).await,
        Ok(Outcome::Accepted {
            provider_id: String::new(),
            duplicate: true
        })
    );
    assert_eq!(k.journal().count("dup-1"), 1);
    let q = query(&task_id, "dup-1", &r);
    assert!(matches!(settle(&c, &q).await, Outcome::Done { .. }));
    // Without the task id there is no lookup: a retry, never a verdict.
    let unknown = StatusQuery {
        provider_id: Some(""),
        document_id: "dup-1",
        kind: DocumentKind::Sell,
    };
    match c.status(&unknown).await {
        Ok(Outcome::RetryLater { code, .. }) => {
            assert_eq!(code.as_deref(), Some("task_id_unknown"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(k.journal().fiscalised_count("dup-1"), 1);
    k.shutdown().await;
}

#[tokio::test]
async fn reset_after_accept_is_in_doubt_and_the_same_id_resent_is_a_duplicate() {
    let k = emulator().await;
    let c = client(&k);
    let r = receipt("sell");
    let s = submission("lost-answer-1", &r);
    k.push_fault(Endpoint::Register, Fault::ResetAfterAccept);
    assert!(matches!(c.submit(&s).await, Ok(Outcome::InDoubt { .. })));
    assert_eq!(
        k.journal().count("lost-answer-1"),
        1,
        "accepted before the reset"
    );
    // The outbox resends under the same external_id: KOMTET refuses a second task.
    assert!(matches!(
        c.submit(&s).await,
        Ok(Outcome::Accepted {
            duplicate: true,
            ..
        })
    ));
    // Until nothing waits for processing any more (so nothing more can be fiscalised), bounded
    // by a deadline; then it was fiscalised once.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while k.journal().pending() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "still pending after 20 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(k.journal().fiscalised_count("lost-answer-1"), 1);
    k.shutdown().await;
}

#[tokio::test]
async fn reset_before_accept_and_server_errors_are_resent_once() {
    let k = emulator().await;
    let c = client(&k);
    let r = receipt("sell");
    for (i, fault) in [
        Fault::ResetBeforeAccept,
        Fault::ServerError(500),
        Fault::ServerError(502),
    ]
    .into_iter()
    .enumerate()
    {
        let id = format!("fault-{i}");
        let s = submission(&id, &r);
        k.push_fault(Endpoint::Register, fault.clone());
        match c.submit(&s).await {
            Ok(Outcome::InDoubt { .. }) => {}
            other => panic!("{fault:?}: {other:?}"),
        }
        assert_eq!(k.journal().count(&id), 0, "{fault:?}: nothing registered");
        let task_id = accepted(&c, &s).await;
        let q = query(&task_id, &id, &r);
        assert!(matches!(settle(&c, &q).await, Outcome::Done { .. }));
        assert_eq!(k.journal().fiscalised_count(&id), 1);
    }
    k.push_fault(
        Endpoint::Register,
        Fault::Unavailable {
            retry_after_secs: 2,
        },
    );
    match c.submit(&submission("busy-1", &r)).await {
        Ok(Outcome::RetryLater { after, .. }) => assert_eq!(after, Some(Duration::from_secs(2))),
        other => panic!("{other:?}"),
    }
    assert_eq!(k.journal().count("busy-1"), 0);
    k.shutdown().await;
}

#[tokio::test]
async fn a_slow_answer_times_out_in_doubt_without_a_second_receipt() {
    let k = emulator().await;
    let mut cfg = KomtetConfig::new(k.base_url(), TEST_SHOP_ID, TEST_SECRET, TEST_QUEUE_ID);
    cfg.http.timeout = Duration::from_millis(300);
    let c = KomtetClient::new(cfg).expect("client");
    let r = receipt("sell");
    let s = submission("slow-1", &r);
    k.push_fault(Endpoint::Register, Fault::Delay(Duration::from_millis(900)));
    assert!(matches!(c.submit(&s).await, Ok(Outcome::InDoubt { .. })));
    assert!(matches!(
        c.submit(&s).await,
        Ok(Outcome::Accepted {
            duplicate: true,
            ..
        })
    ));
    assert_eq!(k.journal().count("slow-1"), 1);
    k.shutdown().await;
}

#[tokio::test]
async fn register_errors_end_the_task_and_failed_status_calls_do_not() {
    let k = emulator().await;
    let c = client(&k);
    let r = receipt("sell");
    let s = submission("kkt-error-1", &r);
    k.push_fault(Endpoint::Register, Fault::kkt_error(134));
    let task_id = accepted(&c, &s).await;
    let q = query(&task_id, "kkt-error-1", &r);
    let (kind, code) = rejected(settle(&c, &q).await);
    assert_eq!((kind, code.as_str()), (RejectKind::Register, "error"));
    assert_eq!(k.journal().fiscalised_count("kkt-error-1"), 0);

    // A status call that fails says nothing about the document.
    let s2 = submission("status-fault-1", &r);
    let task_id = accepted(&c, &s2).await;
    let q2 = query(&task_id, "status-fault-1", &r);
    for fault in [Fault::ServerError(500), Fault::ResetBeforeAccept] {
        k.push_fault(Endpoint::Report, fault.clone());
        match c.status(&q2).await {
            Ok(Outcome::RetryLater { .. }) => {}
            other => panic!("{fault:?}: {other:?}"),
        }
    }
    assert!(matches!(settle(&c, &q2).await, Outcome::Done { .. }));
    let wrong = client_with(&k, "not-the-secret", TEST_QUEUE_ID);
    let (kind, _) = rejected(wrong.status(&q2).await.expect("status"));
    assert_eq!(kind, RejectKind::Auth);
    k.shutdown().await;
}

#[tokio::test]
async fn auth_queue_and_validation_refusals() {
    let k = emulator().await;
    let r = receipt("sell");
    let s = submission("refused-1", &r);
    let (kind, _) = rejected(
        client_with(&k, "not-the-secret", TEST_QUEUE_ID)
            .submit(&s)
            .await
            .expect("sent"),
    );
    assert_eq!(kind, RejectKind::Auth);
    let (kind, _) = rejected(
        client_with(&k, TEST_SECRET, "999")
            .submit(&s)
            .await
            .expect("sent"),
    );
    assert_eq!(kind, RejectKind::Configuration);
    // Sums that disagree are refused by the service (the adapter's own validation off).
    let mut cfg = KomtetConfig::new(k.base_url(), TEST_SHOP_ID, TEST_SECRET, TEST_QUEUE_ID);
    cfg.validate_receipts = false;
    let loose = KomtetClient::new(cfg).expect("client");
    let mut bad = receipt("sell");
    bad.total = "5800.95".parse().expect("money");
    bad.payments.cash = "800.95".parse().expect("money");
    let (kind, code) = rejected(
        loose
            .submit(&submission("bad-sum-1", &bad))
            .await
            .expect("sent"),
    );
    assert_eq!((kind, code.as_str()), (RejectKind::Validation, "VLD01"));
    assert_eq!(k.journal().len(), 0);
    k.shutdown().await;
}

#[tokio::test]
async fn health_is_the_queue_state() {
    let k = emulator().await;
    let c = client(&k);
    assert!(c.health().await.is_ok());
    assert!(k.set_queue_active(TEST_QUEUE_ID, false));
    match c.health().await {
        Health::Failed(o) => match *o {
            Outcome::RetryLater { code, .. } => assert_eq!(code.as_deref(), Some("passive")),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    // A passive queue holds its tasks in `new`; they are fiscalised once it is active again.
    let r = receipt("sell");
    let task_id = accepted(&c, &submission("held-1", &r)).await;
    tokio::time::sleep(Duration::from_millis(350)).await;
    let q = query(&task_id, "held-1", &r);
    assert!(matches!(c.status(&q).await, Ok(Outcome::Pending { .. })));
    assert!(k.set_queue_active(TEST_QUEUE_ID, true));
    assert!(matches!(settle(&c, &q).await, Outcome::Done { .. }));
    match client_with(&k, "not-the-secret", TEST_QUEUE_ID)
        .health()
        .await
    {
        Health::Failed(o) => assert!(matches!(
            *o,
            Outcome::Rejected {
                kind: RejectKind::Auth,
                ..
            }
        )),
        other => panic!("{other:?}"),
    }
    match client_with(&k, TEST_SECRET, "999").health().await {
        Health::Failed(o) => assert!(matches!(
            *o,
            Outcome::Rejected {
                kind: RejectKind::Configuration,
                ..
            }
        )),
        other => panic!("{other:?}"),
    }
    k.shutdown().await;
}

#[tokio::test]
async fn through_any_provider_settings_json() {
    let k = emulator().await;
    let json = format!(
        r#"{{"provider": "komtet", "base_url": "{}", "shop_id": "{TEST_SHOP_ID}",
            "secret": "{TEST_SECRET}", "queue_id": "{TEST_QUEUE_ID}"}}"#,
        k.base_url()
    );
    let p = fiskal_providers::AnyProvider::from_json(&json).expect("settings");
    assert_eq!(p.name(), "komtet");
    let r = receipt("sell");
    let s = submission("any-1", &r);
    let task_id = match p.submit(&s).await {
        Ok(Outcome::Accepted { provider_id, .. }) => provider_id,
        other => panic!("{other:?}"),
    };
    let q = query(&task_id, "any-1", &r);
    for _ in 0..100 {
        if let Ok(Outcome::Done { .. }) = p.status(&q).await {
            assert_eq!(k.journal().fiscalised_count("any-1"), 1);
            k.shutdown().await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    panic!("never done");
}
