//! The stats JSON of `OutboxHandle` (what the C ABI and the bindings return) counts the
//! receipts a provider holds until the shop's register is online — МодульКасса's QUEUED —
//! as `waiting_for_register`, and the count falls to zero once the register takes them.

use fiskal_emulator::modulkassa::{
    ModulKassaConfig, ModulKassaEmulator, RegisterState, TEST_PASSWORD, TEST_USER_NAME,
};
use fiskal_json::OutboxHandle;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const RECEIPT: &str =
    include_str!("../../fiskal-providers/tests/fixtures/modulkassa/receipt_sell.json");

fn stats(h: &OutboxHandle) -> Value {
    serde_json::from_str(&h.stats().expect("stats")).expect("stats JSON")
}

fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(Instant::now() < until, "{what}: not within 30 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn stats_count_the_receipts_waiting_for_an_offline_register() {
    // The emulator serves from its own runtime; the handle is called from this plain thread,
    // as under the C ABI.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let _in_runtime = rt.enter();
    let emu = rt
        .block_on(ModulKassaEmulator::start(
            ModulKassaConfig::default()
                .with_take_delay(Duration::from_millis(20))
                .with_register(RegisterState::Offline),
        ))
        .expect("emulator");
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("api-waiting-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let settings = json!({
        "routes": {"mk": {"provider": {
            "provider": "modulkassa", "base_url": emu.base_url(),
            "user_name": TEST_USER_NAME, "password": TEST_PASSWORD,
            "http": {"timeout_ms": 1000}
        }}},
        "default_route": "mk",
        "worker": {"concurrency": 2, "lease_ms": 5000, "call_timeout_ms": 2000,
                   "idle_wait_ms": 20, "drain_timeout_ms": 2000},
        "timing": {"poll_first_ms": 50, "poll_max_ms": 200, "retry_base_ms": 50}
    });
    let h = OutboxHandle::open(
        dir.join("outbox.db").to_str().expect("utf-8 path"),
        &settings.to_string(),
        None,
    )
    .expect("open");
    assert_eq!(stats(&h)["waiting_for_register"], 0, "nothing enqueued yet");

    let receipt: Value = serde_json::from_str(RECEIPT).expect("fixture");
    for k in ["mk-wait-1", "mk-wait-2"] {
        h.enqueue(&json!({"key": k, "receipt": receipt}).to_string())
            .expect("enqueue");
    }
    h.start().expect("start");
    wait_until("both receipts waiting for the register", || {
        stats(&h)["waiting_for_register"] == 2
    });

    emu.set_register(RegisterState::Online);
    wait_until("both receipts done", || {
        let s = stats(&h);
        s["states"]
            .as_array()
            .expect("states")
            .iter()
            .any(|st| st["state"] == "done" && st["count"] == 2)
    });
    assert_eq!(stats(&h)["waiting_for_register"], 0, "{}", stats(&h));
    h.stop().expect("stop");
}
