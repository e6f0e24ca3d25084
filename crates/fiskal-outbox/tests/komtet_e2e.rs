//! The outbox against the KOMTET Kassa emulator, configured through the settings JSON
//! (`"provider": "komtet"`), with faults: resets before the service took a task, 5xx and 503
//! answers, a failing status call, and a lost answer after acceptance — resolved by resending
//! the same `external_id` (KOMTET answers `VLD11`), so each receipt is fiscalised exactly once.
//! The lost answer leaves its receipt accepted without a task id (`task_id_unknown`): KOMTET's
//! public API has no lookup by `external_id` (docs/providers.md, KOMTET).

use fiskal_emulator::komtet::{
    KomtetConfig as EmulatorConfig, KomtetEmulator, TEST_QUEUE_ID, TEST_SECRET, TEST_SHOP_ID,
};
use fiskal_emulator::{Endpoint, Fault, Faults};
use fiskal_outbox::{Outbox, OutboxSettings, State};
use std::time::Duration;

#[path = "support/e2e.rs"]
mod e2e;
use e2e::*;

fn receipt() -> fiskal_ffd::Receipt {
    receipt_of(include_str!(
        "../../fiskal-providers/tests/fixtures/komtet/receipt_sell.json"
    ))
}

fn settings(base_url: &str) -> OutboxSettings {
    outbox_settings(
        "kt",
        serde_json::json!({
            "provider": "komtet", "base_url": base_url, "shop_id": TEST_SHOP_ID,
            "secret": TEST_SECRET, "queue_id": TEST_QUEUE_ID,
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
        .script(Endpoint::Register, Fault::ServerError(502))
        .script(Endpoint::Report, Fault::ServerError(502))
        .script(Endpoint::Report, Fault::ResetBeforeAccept);
    let emu = KomtetEmulator::start(
        EmulatorConfig::default()
            .with_processing_delay(Duration::from_millis(50))
            .with_faults(faults),
    )
    .await
    .expect("emulator");
    let settings = settings(&emu.base_url());
    let path = db("kt", "faults");
    let keys: Vec<String> = (0..6).map(|i| format!("kt-order-{i}")).collect();
    let ks = keys.clone();
    tokio::task::spawn_blocking(move || run_until_all_done(&path, &settings, &ks, &receipt()))
        .await
        .expect("join");
    assert_each_fiscalised_once(&emu.journal(), &keys, "one task");
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_is_resent_under_the_same_id_and_never_fiscalised_twice() {
    let faults = Faults::none().script(Endpoint::Register, Fault::ResetAfterAccept);
    let emu = KomtetEmulator::start(
        EmulatorConfig::default()
            .with_processing_delay(Duration::from_millis(50))
            .with_faults(faults),
    )
    .await
    .expect("emulator");
    let settings = settings(&emu.base_url());
    let path = db("kt", "lost");
    let journal = emu.journal();
    let outbox = tokio::task::spawn_blocking(move || {
        let outbox = Outbox::open(&path, &settings).expect("open");
        assert!(
            outbox
                .enqueue("kt-lost", &receipt(), None)
                .expect("enqueue")
                .created
        );
        outbox.start().expect("start");
        wait_until("fiscalised at the emulator, and the entry accepted", || {
            journal.fiscalised_count("kt-lost-1") == 1
                && outbox.get("kt-lost").expect("get").is_some_and(|e| {
                    e.state == State::Accepted && e.last_code.as_deref() == Some("task_id_unknown")
                })
        });
        // Polled a while longer: never a new id, never a second task.
        std::thread::sleep(Duration::from_millis(500));
        outbox.stop().expect("stop");
        outbox
    })
    .await
    .expect("join");
    let e = outbox.get("kt-lost").expect("get").expect("entry");
    assert_eq!(e.attempt, 1, "the same external_id");
    assert_eq!(e.state, State::Accepted);
    assert_eq!(emu.journal().len(), 1);
    assert_eq!(emu.journal().fiscalised_count("kt-lost-1"), 1);
    emu.shutdown().await;
}
