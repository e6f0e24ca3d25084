//! The outbox against the МодульКасса emulator, configured through the settings JSON
//! (`"provider": "modulkassa"`): receipts sent while the shop's register is offline wait —
//! shown as `waiting_for_register`, never sent again under a new id — and are fiscalised once
//! it is back; lost answers, resets before the service took a document and 5xx answers are
//! resolved by the id, and each receipt is fiscalised exactly once.

use fiskal_emulator::modulkassa::{
    ModulKassaConfig as EmulatorConfig, ModulKassaEmulator, RegisterState, TEST_PASSWORD,
    TEST_USER_NAME,
};
use fiskal_emulator::{Endpoint, Fault, Faults};
use fiskal_outbox::{Outbox, OutboxSettings, State};
use std::time::Duration;

#[path = "support/e2e.rs"]
mod e2e;
use e2e::*;

fn receipt() -> fiskal_ffd::Receipt {
    receipt_of(include_str!(
        "../../fiskal-providers/tests/fixtures/modulkassa/receipt_sell.json"
    ))
}

fn settings(base_url: &str) -> OutboxSettings {
    outbox_settings(
        "mk",
        serde_json::json!({
            "provider": "modulkassa", "base_url": base_url,
            "user_name": TEST_USER_NAME, "password": TEST_PASSWORD,
            "http": {"timeout_ms": 1000}
        }),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipts_wait_for_an_offline_register_and_are_fiscalised_once() {
    let faults = Faults::none()
        .script(Endpoint::Register, Fault::ResetAfterAccept)
        .script(Endpoint::Register, Fault::ResetBeforeAccept)
        .script(Endpoint::Register, Fault::ServerError(500))
        .script(
            Endpoint::Register,
            Fault::Unavailable {
                retry_after_secs: 1,
            },
        )
        .script(Endpoint::Report, Fault::ServerError(502));
    let emu = ModulKassaEmulator::start(
        EmulatorConfig::default()
            .with_take_delay(Duration::from_millis(20))
            .with_register(RegisterState::Offline)
            .with_faults(faults),
    )
    .await
    .expect("emulator");
    let settings = settings(&emu.base_url());
    let path = db("mk", "offline");
    let keys: Vec<String> = (0..6).map(|i| format!("mk-order-{i}")).collect();
    let ks = keys.clone();
    let outbox = tokio::task::spawn_blocking(move || {
        let outbox = Outbox::open(&path, &settings).expect("open");
        enqueue_all(&outbox, &ks, &receipt());
        outbox.start().expect("start");
        // Every receipt reaches the service and waits for the register, shown as such.
        wait_until("all waiting for the register", || {
            ks.iter().all(|k| {
                outbox.get(k).expect("get").is_some_and(|e| {
                    e.state == State::Accepted
                        && e.last_code.as_deref() == Some("waiting_for_register")
                })
            })
        });
        outbox
    })
    .await
    .expect("join");
    for k in &keys {
        let e = outbox.get(k).expect("get").expect("entry");
        assert_eq!(e.attempt, 1, "{k}: never a new id while it waits");
        assert!(e
            .last_message
            .as_deref()
            .is_some_and(|m| m.contains("QUEUED")));
    }
    assert_eq!(emu.journal().pending(), keys.len());
    assert_eq!(
        outbox
            .waiting_count(fiskal_providers::WaitingFor::Register)
            .expect("count"),
        6
    );
    emu.set_register(RegisterState::Online);
    let outbox = tokio::task::spawn_blocking(move || {
        wait_until("all done", || outbox.stats().expect("stats")[3].count == 6);
        outbox.stop().expect("stop");
        outbox
    })
    .await
    .expect("join");
    for k in &keys {
        let e = outbox.get(k).expect("get").expect("entry");
        assert_eq!(e.state, State::Done, "{k}");
        assert_eq!(e.last_code, None, "{k}: the wait reason is gone");
    }
    assert_each_fiscalised_once(&emu.journal(), &keys, "one document");
    assert_eq!(
        outbox
            .waiting_count(fiskal_providers::WaitingFor::Register)
            .expect("count"),
        0
    );
    emu.shutdown().await;
}
