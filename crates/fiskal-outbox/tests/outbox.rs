//! The `Outbox` handle and its settings, end to end against the ATOL emulator; reconciliation
//! against the scripted fake provider.

mod support;

use fiskal_emulator::atol::{AtolConfig as EmulatorConfig, AtolEmulator};
use fiskal_outbox::reconcile::reconcile;
use fiskal_outbox::{
    NewEntry, Outbox, OutboxError, OutboxSettings, Route, State, Store, Timestamp, Worker,
    WorkerConfig,
};
use fiskal_providers::InDoubtResolution;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{fast_config, open, FakeCloud};

fn settings_json(base_url: &str) -> serde_json::Value {
    serde_json::json!({
        "routes": {"atol": {"provider": {
            "provider": "atol", "api": "v5", "preset": "test", "base_url": base_url,
            "password": "zUr0OxfI", "report_interval_ms": 20
        }}},
        "default_route": "atol",
        "worker": {"concurrency": 4, "lease_ms": 5000, "call_timeout_ms": 2000,
                   "idle_wait_ms": 20, "drain_timeout_ms": 2000},
        "timing": {"poll_first_ms": 100, "poll_max_ms": 300, "retry_base_ms": 50}
    })
}

#[test]
fn settings_errors_name_the_field() {
    let err = |v: serde_json::Value| {
        OutboxSettings::from_json(&v.to_string())
            .expect_err("refused")
            .to_string()
    };
    let ok = settings_json("http://127.0.0.1:9/possystem/v5/");
    let s = OutboxSettings::from_json(&ok.to_string()).expect("valid");
    assert_eq!(s.worker_config().concurrency, 4);
    assert_eq!(s.worker_config().lease, Duration::from_secs(5));
    assert_eq!(s.store_config().poll_first, Duration::from_millis(100));
    assert_eq!(
        s.store_config().deadline_accepted,
        fiskal_outbox::Config::default().deadline_accepted
    );

    let mut v = ok.clone();
    v["worker"]["lease_ms"] = serde_json::json!("soon");
    assert!(err(v).contains("worker.lease_ms"));
    let mut v = ok.clone();
    v["worker"]["speed"] = serde_json::json!(1);
    assert!(err(v).contains("speed"));
    let mut v = ok.clone();
    v["default_route"] = serde_json::json!("orange");
    assert!(err(v).contains("default_route"));
    let mut v = ok.clone();
    v["routes"]["atol"]["failover"] = serde_json::json!({"to": "nowhere", "after_tries": 3});
    assert!(err(v).contains("routes.atol.failover.to"));
    let v = serde_json::json!({"routes": {}});
    assert!(err(v).contains("routes"));
    // Provider settings errors carry the route and the provider key.
    let mut v = ok.clone();
    v["routes"]["atol"]["provider"]["password"] =
        serde_json::json!({"env": "FISKAL_NO_SUCH_VAR_42"});
    let s = OutboxSettings::from_json(&v.to_string()).expect("parsed; secrets read later");
    let e = s
        .build_routes()
        .map(|_| ())
        .expect_err("missing env var")
        .to_string();
    assert!(e.contains("routes.atol.provider.password"), "{e}");
    assert!(e.contains("FISKAL_NO_SUCH_VAR_42"), "{e}");
    // Debug never shows an inline secret.
    let s = OutboxSettings::from_json(&ok.to_string()).expect("valid");
    assert!(!format!("{s:?}").contains("zUr0OxfI"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enqueue_start_stop_and_reconcile_through_the_handle() {
    let emu = AtolEmulator::start(
        EmulatorConfig::default().with_processing_delay(Duration::from_millis(50)),
    )
    .await
    .expect("emulator");
    let settings = OutboxSettings::from_json(&settings_json(&emu.base_url_v5()).to_string())
        .expect("settings");
    let path = support::dir("handle").join("outbox.db");
    let done_seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = Arc::clone(&done_seen);
    // The blocking handle lives on its own threads, as it does under the C ABI.
    let (outbox, keys) = tokio::task::spawn_blocking(move || {
        let outbox = Outbox::open_observed(
            &path,
            &settings,
            Some(Box::new(move |t: &fiskal_outbox::worker::Transition| {
                if t.entry.state == State::Done {
                    seen.lock().expect("lock").push(t.entry.key.clone());
                }
            })),
        )
        .expect("open");
        let r = support::receipt_v5();
        let keys: Vec<String> = (0..5).map(|i| format!("h-{i}")).collect();
        for k in &keys {
            assert!(outbox.enqueue(k, &r, None).expect("enqueue").created);
        }
        assert!(
            !outbox
                .enqueue("h-0", &r, Some("atol"))
                .expect("again")
                .created
        );
        let unknown = outbox
            .enqueue("h-x", &r, Some("orange"))
            .expect_err("route");
        assert!(matches!(unknown, OutboxError::UnknownRoute { .. }));
        // An invalid receipt is refused with its violations, and not stored.
        let mut bad = r.clone();
        bad.items.clear();
        match outbox.enqueue("h-bad", &bad, None) {
            Err(OutboxError::InvalidReceipt { violations, .. }) => {
                assert!(!violations.is_empty());
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(outbox.get("h-bad").expect("get"), None);
        outbox.start().expect("start");
        assert!(outbox.is_running());
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while outbox.stats().expect("stats")[3].count < 5 {
            assert!(std::time::Instant::now() < deadline, "not done in 30 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        outbox.stop().expect("stop");
        assert!(!outbox.is_running());
        (outbox, keys)
    })
    .await
    .expect("join");
    for k in &keys {
        assert_eq!(emu.journal().fiscalised_count(&format!("{k}-1")), 1, "{k}");
        let trail = outbox.audit(k).expect("audit");
        assert_eq!(trail.last().map(|a| a.to), Some(State::Done));
    }
    let mut seen = done_seen.lock().expect("lock").clone();
    seen.sort();
    assert_eq!(seen, keys);
    let m = outbox
        .window_metrics(Duration::from_secs(3600))
        .expect("metrics");
    assert_eq!(m.done, 5);
    assert!(m.latency_p50.is_some());
    // Reconciliation against the emulator: every receipt confirmed.
    let r = tokio::task::spawn_blocking(move || {
        outbox.reconcile(
            Timestamp(0),
            Timestamp::now().plus(Duration::from_secs(1)),
            100,
        )
    })
    .await
    .expect("join")
    .expect("reconcile");
    assert_eq!((r.checked, r.matched), (5, 5), "{r:?}");
    assert!(r.is_clean());
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconciliation_lists_what_does_not_agree() {
    let s = open("reconcile", fast_config());
    let cloud = FakeCloud::new("fake", InDoubtResolution::LookUp);
    let r = support::receipt();
    for k in ["ok", "gone", "tampered", "hollow"] {
        s.enqueue(
            &NewEntry {
                key: k,
                receipt: &r,
                provider: "main",
            },
            Timestamp::now(),
        )
        .expect("enqueue");
    }
    let routes: HashMap<String, Route<FakeCloud>> =
        [("main".to_owned(), Route::new(cloud.clone()))].into();
    let w = Worker::new(
        Arc::clone(&s),
        routes,
        WorkerConfig {
            idle_wait: Duration::from_millis(20),
            ..WorkerConfig::default()
        },
    )
    .expect("worker");
    assert!(
        w.run_until_settled(tokio::time::sleep(Duration::from_secs(20)))
            .await
    );
    // The provider loses one; the journal of two others is changed behind the outbox's back.
    cloud.forget("gone-1");
    let db = s.path().to_owned();
    let raw = rusqlite::Connection::open(&db).expect("raw");
    raw.execute(
        "UPDATE entries SET fiscal_json = replace(fiscal_json, '\"fiscal_sign\":', '\"fiscal_sign\":9') WHERE key = 'tampered'",
        [],
    )
    .expect("tamper");
    raw.execute(
        "UPDATE entries SET fiscal_json = replace(fiscal_json, '9999078900001234', '') WHERE key = 'hollow'",
        [],
    )
    .expect("hollow");
    let rec = reconcile(
        &w,
        Timestamp(0),
        Timestamp::now().plus(Duration::from_secs(1)),
        10,
    )
    .await
    .expect("reconcile");
    let keys = |v: &Vec<fiskal_outbox::Finding>| -> Vec<String> {
        v.iter().map(|f| f.key.clone()).collect()
    };
    assert_eq!(rec.checked, 4);
    assert_eq!(rec.matched, 1);
    assert_eq!(keys(&rec.unknown_at_provider), ["gone"]);
    assert_eq!(keys(&rec.mismatched), ["tampered"]);
    assert_eq!(keys(&rec.missing_fiscal), ["hollow"]);
    assert!(!rec.is_clean());
}

#[test]
fn blocking_calls_work_from_inside_a_runtime_too() {
    let settings =
        OutboxSettings::from_json(&settings_json("http://127.0.0.1:9/possystem/v5/").to_string())
            .expect("settings");
    let outbox = Outbox::open(support::dir("rt").join("outbox.db"), &settings).expect("open");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    // Nothing queued: settles at once, no nested-runtime panic.
    let settled = rt.block_on(async { outbox.drain(Duration::from_secs(5)) });
    assert!(settled.expect("drain"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_requeue_and_cancel_through_the_handle_at_the_emulator() {
    use fiskal_emulator::{Endpoint, Fault, Faults};
    // The register refuses the first document for good (KKT error 134, the document exceeds
    // the fiscal drive's TLV size: `rejected`); it waits for a person.
    let emu = AtolEmulator::start(
        EmulatorConfig::default()
            .with_processing_delay(Duration::from_millis(30))
            .with_faults(Faults::none().script(Endpoint::Register, Fault::kkt_error(134))),
    )
    .await
    .expect("emulator");
    let mut json = settings_json(&emu.base_url_v5());
    json["worker"]["register_resubmits"] = serde_json::json!(0);
    let settings = OutboxSettings::from_json(&json.to_string()).expect("settings");
    let path = support::dir("operator").join("outbox.db");
    let outbox = tokio::task::spawn_blocking(move || {
        let outbox = Outbox::open(&path, &settings).expect("open");
        let r = support::receipt_v5();
        outbox.enqueue("op-refused", &r, None).expect("enqueue");
        assert!(outbox.drain(Duration::from_secs(20)).expect("drain"));
        let e = outbox.get("op-refused").expect("get").expect("entry");
        assert_eq!(e.state, State::Rejected, "{e:?}");
        // A receipt that must not go out: cancelled before the worker sees it.
        outbox.enqueue("op-never", &r, None).expect("enqueue");
        let c = outbox
            .cancel("op-never", "anna", "the customer left")
            .expect("cancel");
        assert_eq!(c.state, State::Cancelled);
        // The cause is gone (the fault was the emulator's one-off): the operator requeues; a
        // running worker takes it at once.
        outbox.start().expect("start");
        let e = outbox
            .requeue("op-refused", "anna", "the register was repaired")
            .expect("requeue");
        assert_eq!((e.state, e.attempt), (State::Queued, 2));
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while outbox.get("op-refused").expect("get").expect("e").state != State::Done {
            assert!(std::time::Instant::now() < deadline, "not done in 20 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        outbox.stop().expect("stop");
        // Done: neither cancelled nor requeued any more.
        let err = outbox
            .cancel("op-refused", "anna", "wrong price")
            .expect_err("done");
        assert!(
            matches!(err, OutboxError::ActionNotAllowed { state: "done", .. }),
            "{err}"
        );
        outbox
    })
    .await
    .expect("join");
    let j = emu.journal();
    assert_eq!(
        j.fiscalised_count("op-refused-1"),
        0,
        "refused by the register"
    );
    assert_eq!(j.fiscalised_count("op-refused-2"), 1, "fiscalised once");
    assert_eq!(j.fiscalised_count("op-never-1"), 0, "never sent");
    assert_eq!(
        outbox.get("op-never").expect("get").expect("e").state,
        State::Cancelled
    );
    let trail = outbox.audit("op-refused").expect("audit");
    let requeued = trail
        .iter()
        .find(|a| a.reason == "operator_requeue")
        .expect("audited");
    assert_eq!(requeued.who.as_deref(), Some("anna"));
    assert_eq!(requeued.note.as_deref(), Some("the register was repaired"));
    emu.shutdown().await;
}

/// Keys seen done with attention, with their reasons.
type Seen = Arc<Mutex<Vec<(String, Vec<&'static str>)>>>;

/// Issue 24 end to end: the ATOL v5 emulator checks the marking code with a negative result
/// (`Fault::negative_mark_check()`, its report's `marks_result`). The receipt is `done` — it is
/// fiscalised — but visibly so: the entry's attention, one done-with-attention event, the
/// count, the list, the worker's counter and reconciliation's `attention` findings. The next
/// receipt, checked positively, is plain `done`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_negative_mark_check_at_the_emulator_is_done_with_attention_everywhere() {
    use fiskal_emulator::{Endpoint, Fault, Faults};
    let emu = AtolEmulator::start(
        EmulatorConfig::default()
            .with_processing_delay(Duration::from_millis(20))
            .with_faults(Faults::none().script(Endpoint::Register, Fault::negative_mark_check())),
    )
    .await
    .expect("emulator");
    let mut json = settings_json(&emu.base_url_v5());
    // Reconciliation may report "not delivered" at once (the emulator does not say either way).
    json["worker"]["ofd_delivery_grace_ms"] = serde_json::json!(0);
    let settings = OutboxSettings::from_json(&json.to_string()).expect("settings");
    assert_eq!(
        settings.worker_config().ofd_delivery_grace,
        Duration::ZERO,
        "worker.ofd_delivery_grace_ms is read"
    );
    let path = support::dir("attention").join("outbox.db");
    let events: Seen = Arc::default();
    let seen = Arc::clone(&events);
    let started = Timestamp::now();
    let outbox = tokio::task::spawn_blocking(move || {
        let outbox = Outbox::open_observed(
            &path,
            &settings,
            Some(Box::new(move |t: &fiskal_outbox::worker::Transition| {
                if let Some(a) = t.attention() {
                    seen.lock()
                        .expect("lock")
                        .push((t.entry.key.clone(), a.reasons()));
                }
            })),
        )
        .expect("open");
        let r = support::receipt_v5();
        outbox.enqueue("att-negative", &r, None).expect("enqueue");
        assert!(outbox.drain(Duration::from_secs(20)).expect("drain"));
        outbox.enqueue("att-positive", &r, None).expect("enqueue");
        assert!(outbox.drain(Duration::from_secs(20)).expect("drain"));
        outbox
    })
    .await
    .expect("join");
    let neg = outbox.get("att-negative").expect("get").expect("entry");
    assert_eq!(neg.state, State::Done, "fiscalised all the same");
    let a = neg.attention().expect("attention");
    assert_eq!(a.reasons(), ["negative_mark_check"]);
    assert_eq!(a.negative_mark_checks.len(), 1, "{a:?}");
    assert_eq!(a.negative_mark_checks[0].result.0, 5);
    assert!(
        a.summary().contains("negative mark check"),
        "{}",
        a.summary()
    );
    let pos = outbox.get("att-positive").expect("get").expect("entry");
    assert_eq!(pos.state, State::Done);
    assert!(
        pos.fiscal
            .as_ref()
            .is_some_and(|f| !f.mark_checks.is_empty()),
        "checked, positively"
    );
    assert_eq!(pos.attention(), None);
    assert_eq!(
        *events.lock().expect("lock"),
        [("att-negative".to_owned(), vec!["negative_mark_check"])]
    );
    assert_eq!(outbox.attention_count().expect("count"), 1);
    let listed: Vec<String> = outbox
        .list_attention(10)
        .expect("list")
        .into_iter()
        .map(|e| e.key)
        .collect();
    assert_eq!(listed, ["att-negative"]);
    assert!(outbox.list_attention(0).expect("list").is_empty());
    assert_eq!(outbox.counters().done_with_attention, 1);
    assert_eq!(outbox.counters().done, 2);
    let rec = tokio::task::spawn_blocking(move || {
        outbox.reconcile(started, Timestamp::now().plus(Duration::from_secs(1)), 100)
    })
    .await
    .expect("join")
    .expect("reconcile");
    assert_eq!(rec.matched, 2, "{rec:?}");
    let keys: Vec<&str> = rec.attention.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(keys, ["att-negative"]);
    assert!(
        rec.attention[0].detail.contains("result 5"),
        "{:?}",
        rec.attention
    );
    assert!(rec.not_delivered.is_empty(), "the emulator does not say");
    assert!(!rec.is_clean());
    emu.shutdown().await;
}
