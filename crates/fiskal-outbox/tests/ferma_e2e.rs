//! The outbox against the OFD.ru Ferma emulator, configured through the settings JSON
//! (`"provider": "ferma"`), with faults: resets before Ferma took a receipt, 5xx and 503
//! answers, failing status calls, a lost answer after acceptance — settled by sending the same
//! `InvoiceId` again (Ferma refuses a repeat with 1019; the adapter adopts the first receipt by
//! `InvoiceId`) — and a restart between acceptance and fiscalisation, where the new process
//! takes the total the status answer lacks from Ferma's registry (`list2`). Each receipt is
//! fiscalised exactly once.

use fiskal_emulator::ferma::{
    FermaConfig as EmulatorConfig, FermaEmulator, TEST_LOGIN_FFD_1_05, TEST_PASSWORD_FFD_1_05,
};
use fiskal_emulator::{Endpoint, Fault, Faults};
use fiskal_outbox::{Outbox, OutboxSettings, State};
use std::time::Duration;

#[path = "support/e2e.rs"]
mod e2e;
use e2e::*;

fn receipt() -> fiskal_ffd::Receipt {
    receipt_of(include_str!(
        "../../fiskal-providers/tests/fixtures/ferma/receipt_sell_1_05.json"
    ))
}

fn settings(base_url: &str, in_doubt: &str) -> OutboxSettings {
    outbox_settings(
        "ferma",
        serde_json::json!({
            "provider": "ferma", "base_url": base_url, "login": TEST_LOGIN_FFD_1_05,
            "password": TEST_PASSWORD_FFD_1_05, "ffd": "1.05", "in_doubt": in_doubt,
            "http": {"timeout_ms": 1000}
        }),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipts_are_fiscalised_once_through_faults() {
    let faults = Faults::none()
        .script(Endpoint::Register, Fault::ResetBeforeAccept)
        .script(Endpoint::Register, Fault::ServerError(500))
        .script(
            Endpoint::Register,
            Fault::Unavailable {
                retry_after_secs: 1,
            },
        )
        .script(Endpoint::Register, Fault::ResetAfterAccept)
        .script(Endpoint::Register, Fault::ServerError(502))
        .script(Endpoint::Report, Fault::ServerError(502))
        .script(Endpoint::Report, Fault::ResetBeforeAccept)
        .script(Endpoint::Token, Fault::ServerError(503));
    let emu = FermaEmulator::start(
        EmulatorConfig::default()
            .with_processing_delay(Duration::from_millis(50))
            .with_faults(faults),
    )
    .await
    .expect("emulator");
    let settings = settings(&emu.base_url(), "resend_same_id");
    let path = db("ferma", "faults");
    let keys: Vec<String> = (0..6).map(|i| format!("ferma-order-{i}")).collect();
    let ks = keys.clone();
    tokio::task::spawn_blocking(move || run_until_all_done(&path, &settings, &ks, &receipt()))
        .await
        .expect("join");
    assert_each_fiscalised_once(&emu.journal(), &keys, "one receipt");
    emu.shutdown().await;
}

/// A lost answer, with each in-doubt rule: resent under the same `InvoiceId` (the repeat is
/// refused 1019 and the first receipt adopted), or looked up by `InvoiceId` first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_is_settled_without_a_second_receipt() {
    for in_doubt in ["resend_same_id", "look_up"] {
        let faults = Faults::none().script(Endpoint::Register, Fault::ResetAfterAccept);
        let emu = FermaEmulator::start(
            EmulatorConfig::default()
                .with_processing_delay(Duration::from_millis(50))
                .with_faults(faults),
        )
        .await
        .expect("emulator");
        let settings = settings(&emu.base_url(), in_doubt);
        let path = db("ferma", &format!("lost-{in_doubt}"));
        let outbox = tokio::task::spawn_blocking(move || {
            let outbox = Outbox::open(&path, &settings).expect("open");
            assert!(
                outbox
                    .enqueue("ferma-lost", &receipt(), None)
                    .expect("enqueue")
                    .created
            );
            outbox.start().expect("start");
            wait_until("done", || is_in(&outbox, "ferma-lost", State::Done));
            outbox.stop().expect("stop");
            outbox
        })
        .await
        .expect("join");
        let e = outbox.get("ferma-lost").expect("get").expect("entry");
        assert_eq!(e.attempt, 1, "{in_doubt}: the same InvoiceId");
        assert_eq!(emu.journal().len(), 1, "{in_doubt}");
        assert_eq!(
            emu.journal().fiscalised_count("ferma-lost-1"),
            1,
            "{in_doubt}"
        );
        emu.shutdown().await;
    }
}

/// A restart between acceptance and fiscalisation: the new process's client never sent the
/// receipt, so it reads the total from Ferma's registry, and the entry ends done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_after_acceptance_still_ends_done() {
    let emu = FermaEmulator::start(
        EmulatorConfig::default().with_processing_delay(Duration::from_millis(1500)),
    )
    .await
    .expect("emulator");
    let settings = settings(&emu.base_url(), "resend_same_id");
    let path = db("ferma", "restart");
    let (s1, p1) = (settings.clone(), path.clone());
    tokio::task::spawn_blocking(move || {
        let outbox = Outbox::open(&p1, &s1).expect("open");
        assert!(
            outbox
                .enqueue("ferma-restart", &receipt(), None)
                .expect("enqueue")
                .created
        );
        outbox.start().expect("start");
        wait_until("accepted", || {
            is_in(&outbox, "ferma-restart", State::Accepted)
        });
        outbox.stop().expect("stop");
    })
    .await
    .expect("join");
    assert_eq!(emu.journal().fiscalised_count("ferma-restart-1"), 0);
    let entry = tokio::task::spawn_blocking(move || {
        let outbox = Outbox::open(&path, &settings).expect("reopen");
        outbox.start().expect("start");
        wait_until("done after the restart", || {
            is_in(&outbox, "ferma-restart", State::Done)
        });
        outbox.stop().expect("stop");
        outbox.get("ferma-restart").expect("get").expect("entry")
    })
    .await
    .expect("join");
    assert_eq!(entry.attempt, 1);
    assert_eq!(emu.journal().len(), 1);
    assert_eq!(emu.journal().fiscalised_count("ferma-restart-1"), 1);
    emu.shutdown().await;
}
