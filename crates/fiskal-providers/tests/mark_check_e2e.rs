//! End to end (issue 24): what the ATOL v5 emulator reports about a fiscalised receipt — the
//! register's marking-code checks, the FNS site, the ОФД link — reaches the shop through the
//! adapter; a negative check injected with `Fault::negative_mark_check()` (what users' CI uses
//! to exercise the path) is `done`, visibly so.

use fiskal_emulator::atol::{AtolConfig as EmulatorConfig, AtolEmulator, AtolHandle};
use fiskal_emulator::{Endpoint, Fault};
use fiskal_providers::atol::{AtolClient, AtolConfig};
use fiskal_providers::{
    DocumentKind, FiscalAttributes, MarkCheckResult, MarkVerdict, Outcome, Provider, StatusQuery,
    Submission,
};
use std::time::Duration;

const RECEIPT: &str = include_str!("fixtures/atol/receipt_sell_v5.json");

async fn setup() -> (AtolHandle, AtolClient, fiskal_ffd::Receipt) {
    let emu = AtolEmulator::start(
        EmulatorConfig::default().with_processing_delay(Duration::from_millis(20)),
    )
    .await
    .expect("emulator");
    let mut cfg = AtolConfig::test_v5();
    cfg.base_url = emu.base_url_v5();
    cfg.report_interval = Duration::from_millis(10);
    let client = AtolClient::new(cfg).expect("client");
    let receipt = fiskal_ffd::json::parse(RECEIPT).expect("receipt");
    (emu, client, receipt)
}

/// Submits and polls until done.
async fn fiscalise(client: &AtolClient, id: &str, r: &fiskal_ffd::Receipt) -> FiscalAttributes {
    let s = Submission {
        document_id: id,
        receipt: r,
        callback_url: None,
        timestamp: "2026-03-02T10:15:00".parse().expect("time"),
    };
    let uuid = match client.submit(&s).await {
        Ok(Outcome::Accepted { provider_id, .. }) => provider_id,
        other => panic!("{id}: {other:?}"),
    };
    let q = StatusQuery {
        provider_id: Some(&uuid),
        document_id: id,
        kind: DocumentKind::Sell,
    };
    for _ in 0..200 {
        match client.status(&q).await.expect("status sent") {
            Outcome::Pending { .. } | Outcome::RetryLater { .. } => {
                tokio::time::sleep(Duration::from_millis(20)).await
            }
            Outcome::Done { fiscal, .. } => return fiscal,
            other => panic!("{id}: {other:?}"),
        }
    }
    panic!("{id}: never done");
}

#[tokio::test]
async fn a_negative_mark_check_is_done_and_visible() {
    let (emu, client, r) = setup().await;
    let marked: Vec<u32> = r
        .items
        .iter()
        .enumerate()
        .filter(|(_, it)| it.mark.is_some())
        .map(|(i, _)| u32::try_from(i).expect("index"))
        .collect();
    assert!(!marked.is_empty(), "the fixture has a marked item");

    // Without a fault: every check positive (15), nothing to look at.
    let ok = fiscalise(&client, "marks-ok", &r).await;
    assert_eq!(
        ok.mark_checks
            .iter()
            .map(|m| m.position)
            .collect::<Vec<_>>(),
        marked
    );
    assert!(ok
        .mark_checks
        .iter()
        .all(|m| m.result == MarkCheckResult(15) && m.result.verdict() == MarkVerdict::Positive));
    assert!(!ok.needs_attention());
    assert!(ok.fns_site.is_some(), "fns_site is reported");
    assert!(ok.receipt_url.is_some(), "ofd_receipt_url is reported");

    // The register finds the code wrong: still a receipt, but flagged.
    emu.push_fault(Endpoint::Register, Fault::negative_mark_check());
    let bad = fiscalise(&client, "marks-negative", &r).await;
    assert!(bad.has_negative_mark_check() && bad.needs_attention());
    assert!(bad
        .mark_checks
        .iter()
        .all(|m| m.result == MarkCheckResult(5) && m.mark_code.is_some()));
    assert_eq!(emu.journal().fiscalised_count("marks-negative"), 1);
    emu.shutdown().await;
}
