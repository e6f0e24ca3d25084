//! End to end under faults: the ATOL adapter against `fiskal-emulator` with injected failures.
//! Every case ends with the receipt fiscalised exactly once (the emulator's journal), and the
//! outcomes on the way are the ones the outbox acts on: in doubt → resubmit the same id (ATOL
//! answers "duplicate" with the original uuid), retry later → resend, rejected by the register →
//! resubmit under a new document id.

use fiskal_emulator::atol::{AtolConfig as EmulatorConfig, AtolEmulator, AtolHandle};
use fiskal_emulator::{Endpoint, Fault};
use fiskal_providers::atol::{AtolClient, AtolConfig};
use fiskal_providers::{DocumentKind, Outcome, Provider, RejectKind, StatusQuery, Submission};
use std::time::Duration;

const RECEIPT: &str = include_str!("fixtures/atol/receipt_sell_v5.json");

async fn setup() -> (AtolHandle, AtolClient, fiskal_ffd::Receipt) {
    let emu = AtolEmulator::start(
        EmulatorConfig::default().with_processing_delay(Duration::from_millis(50)),
    )
    .await
    .expect("emulator");
    let mut cfg = AtolConfig::test_v5();
    cfg.base_url = emu.base_url_v5();
    cfg.report_interval = Duration::from_millis(10);
    cfg.http.timeout = Duration::from_millis(800);
    let client = AtolClient::new(cfg).expect("client");
    let receipt = fiskal_ffd::json::parse(RECEIPT).expect("receipt");
    (emu, client, receipt)
}

fn submission<'a>(id: &'a str, r: &'a fiskal_ffd::Receipt) -> Submission<'a> {
    Submission {
        document_id: id,
        receipt: r,
        callback_url: None,
        timestamp: "2026-03-02T10:15:00".parse().expect("time"),
    }
}

/// Polls until the document is done or definitively rejected.
async fn settle(client: &AtolClient, uuid: &str, id: &str) -> Outcome {
    let q = StatusQuery {
        provider_id: Some(uuid),
        document_id: id,
        kind: DocumentKind::Sell,
    };
    for _ in 0..100 {
        match client.status(&q).await.expect("status sent") {
            Outcome::Pending { .. } | Outcome::RetryLater { .. } => {
                tokio::time::sleep(Duration::from_millis(30)).await
            }
            other => return other,
        }
    }
    panic!("{id}: never settled");
}

fn group() -> String {
    AtolConfig::test_v5().group_code
}

#[tokio::test]
async fn reset_after_accept_is_in_doubt_then_resubmission_finds_the_same_document() {
    let (emu, client, r) = setup().await;
    emu.push_fault(Endpoint::Register, Fault::ResetAfterAccept);
    let s = submission("faults-reset-after", &r);
    assert!(
        matches!(client.submit(&s).await, Ok(Outcome::InDoubt { .. })),
        "the answer was lost"
    );
    let uuid = match client.submit(&s).await {
        Ok(Outcome::Accepted {
            provider_id,
            duplicate: true,
        }) => provider_id,
        other => panic!("resubmission: {other:?}"),
    };
    assert!(matches!(
        settle(&client, &uuid, s.document_id).await,
        Outcome::Done { .. }
    ));
    assert_eq!(
        emu.journal().fiscalised_count(s.document_id),
        1,
        "exactly once"
    );
    assert_eq!(
        emu.journal()
            .by_external_id(&group(), s.document_id)
            .map(|e| e.uuid),
        Some(uuid)
    );
}

#[tokio::test]
async fn reset_before_accept_is_in_doubt_then_resubmission_registers_once() {
    let (emu, client, r) = setup().await;
    emu.push_fault(Endpoint::Register, Fault::ResetBeforeAccept);
    let s = submission("faults-reset-before", &r);
    assert!(matches!(
        client.submit(&s).await,
        Ok(Outcome::InDoubt { .. })
    ));
    let uuid = match client.submit(&s).await {
        Ok(Outcome::Accepted {
            provider_id,
            duplicate: false,
        }) => provider_id,
        other => panic!("resubmission: {other:?}"),
    };
    assert!(matches!(
        settle(&client, &uuid, s.document_id).await,
        Outcome::Done { .. }
    ));
    assert_eq!(emu.journal().fiscalised_count(s.document_id), 1);
}

#[tokio::test]
async fn unavailable_is_retry_later_with_the_servers_delay() {
    let (emu, client, r) = setup().await;
    emu.push_fault(
        Endpoint::Register,
        Fault::Unavailable {
            retry_after_secs: 3,
        },
    );
    let s = submission("faults-503", &r);
    match client.submit(&s).await {
        Ok(Outcome::RetryLater { after, .. }) => assert_eq!(after, Some(Duration::from_secs(3))),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        emu.journal().fiscalised_count(s.document_id),
        0,
        "nothing was taken"
    );
    let uuid = match client.submit(&s).await {
        Ok(Outcome::Accepted { provider_id, .. }) => provider_id,
        other => panic!("{other:?}"),
    };
    assert!(matches!(
        settle(&client, &uuid, s.document_id).await,
        Outcome::Done { .. }
    ));
    assert_eq!(emu.journal().fiscalised_count(s.document_id), 1);
}

#[tokio::test]
async fn server_error_and_slow_answer_are_in_doubt_and_resolved_by_resubmission() {
    for (name, fault) in [
        ("faults-500", Fault::ServerError(500)),
        ("faults-slow", Fault::Delay(Duration::from_secs(2))),
    ] {
        let (emu, client, r) = setup().await;
        emu.push_fault(Endpoint::Register, fault);
        let s = submission(name, &r);
        assert!(
            matches!(client.submit(&s).await, Ok(Outcome::InDoubt { .. })),
            "{name}"
        );
        let uuid = match client.submit(&s).await {
            Ok(Outcome::Accepted { provider_id, .. }) => provider_id,
            other => panic!("{name}: {other:?}"),
        };
        assert!(
            matches!(
                settle(&client, &uuid, s.document_id).await,
                Outcome::Done { .. }
            ),
            "{name}"
        );
        assert_eq!(
            emu.journal().fiscalised_count(s.document_id),
            1,
            "{name}: exactly once"
        );
    }
}

#[tokio::test]
async fn register_failures_are_rejections_and_a_new_attempt_id_fiscalises_once() {
    let (emu, client, r) = setup().await;
    emu.push_fault(Endpoint::Register, Fault::QueueTimeout);
    emu.push_fault(Endpoint::Register, Fault::kkt_error(68)); // «Смена превысила 24 часа»
    for (attempt, expect_kind) in [
        ("faults-order-1", RejectKind::Register),
        ("faults-order-2", RejectKind::Register),
    ] {
        let s = submission(attempt, &r);
        let uuid = match client.submit(&s).await {
            Ok(Outcome::Accepted { provider_id, .. }) => provider_id,
            other => panic!("{attempt}: {other:?}"),
        };
        match settle(&client, &uuid, attempt).await {
            Outcome::Rejected { kind, .. } => assert_eq!(kind, expect_kind, "{attempt}"),
            other => panic!("{attempt}: {other:?}"),
        }
    }
    // The caller resubmits under a new attempt id: this one goes through.
    let s = submission("faults-order-3", &r);
    let uuid = match client.submit(&s).await {
        Ok(Outcome::Accepted {
            provider_id,
            duplicate: false,
        }) => provider_id,
        other => panic!("{other:?}"),
    };
    assert!(matches!(
        settle(&client, &uuid, s.document_id).await,
        Outcome::Done { .. }
    ));
    let fiscalised: usize = ["faults-order-1", "faults-order-2", "faults-order-3"]
        .iter()
        .map(|id| emu.journal().fiscalised_count(id))
        .sum();
    assert_eq!(fiscalised, 1, "one receipt for the order, not three");
}
