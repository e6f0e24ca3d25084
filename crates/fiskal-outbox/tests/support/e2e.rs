//! Helpers of the outbox's end-to-end tests against the provider emulators (`ferma_e2e.rs`,
//! `komtet_e2e.rs`, `modulkassa_e2e.rs`), included by each with `#[path]`: the settings JSON
//! around one provider route, a fresh database path, waiting for a condition, and the
//! exactly-once checks of the emulator's journal.
// Each test uses a part of these.
#![allow(dead_code)]

use fiskal_emulator::Journal;
use fiskal_outbox::{Outbox, OutboxSettings, State};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The receipt of a fixture's JSON text.
pub(crate) fn receipt_of(json: &str) -> fiskal_ffd::Receipt {
    fiskal_ffd::json::parse(json).expect("receipt")
}

/// Outbox settings with the one route `route` (the default) to `provider` (its settings JSON),
/// and short worker and timing intervals.
pub(crate) fn outbox_settings(route: &str, provider: serde_json::Value) -> OutboxSettings {
    let json = serde_json::json!({
        "routes": {route: {"provider": provider}},
        "default_route": route,
        "worker": {"concurrency": 4, "lease_ms": 5000, "call_timeout_ms": 2000,
                   "idle_wait_ms": 20, "drain_timeout_ms": 2000},
        "timing": {"poll_first_ms": 50, "poll_max_ms": 200, "retry_base_ms": 50}
    });
    OutboxSettings::from_json(&json.to_string()).expect("settings")
}

/// A database path in an emptied directory `outbox-{prefix}-{name}-{pid}` of the test tmp dir.
pub(crate) fn db(prefix: &str, name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("outbox-{prefix}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("mkdir");
    d.join("outbox.db")
}

/// Polls `cond` every 20 ms; fails the test if it does not hold within 30 s.
pub(crate) fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(Instant::now() < until, "{what}: not within 30 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether the entry `key` exists and is in `state`.
pub(crate) fn is_in(outbox: &Outbox, key: &str, state: State) -> bool {
    outbox
        .get(key)
        .expect("get")
        .is_some_and(|e| e.state == state)
}

/// Enqueues `r` under each key (each a new entry).
pub(crate) fn enqueue_all(outbox: &Outbox, keys: &[String], r: &fiskal_ffd::Receipt) {
    for k in keys {
        assert!(outbox.enqueue(k, r, None).expect("enqueue").created);
    }
}

/// Blocking: opens the outbox at `path`, enqueues `r` under each key, runs the workers until
/// every entry is done, and stops them.
pub(crate) fn run_until_all_done(
    path: &Path,
    settings: &OutboxSettings,
    keys: &[String],
    r: &fiskal_ffd::Receipt,
) {
    let outbox = Outbox::open(path, settings).expect("open");
    enqueue_all(&outbox, keys, r);
    outbox.start().expect("start");
    wait_until("all done", || {
        keys.iter().all(|k| is_in(&outbox, k, State::Done))
    });
    outbox.stop().expect("stop");
}

/// The emulator took each key's first attempt (`{key}-1`) once (`what`: one task / receipt /
/// document) and fiscalised it once, and took nothing else.
pub(crate) fn assert_each_fiscalised_once(journal: &Journal, keys: &[String], what: &str) {
    for k in keys {
        let id = format!("{k}-1");
        assert_eq!(journal.count(&id), 1, "{id}: {what}");
        assert_eq!(journal.fiscalised_count(&id), 1, "{id}: fiscalised once");
    }
    assert_eq!(journal.len(), keys.len());
}
