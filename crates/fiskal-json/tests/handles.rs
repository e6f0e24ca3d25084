//! `Client` and `OutboxHandle` end to end against the ATOL emulator on loopback: every method,
//! the JSON shapes of docs/c-api.md and the error codes.

use fiskal_emulator::atol::{AtolConfig as EmulatorConfig, BackgroundAtol};
use fiskal_json::{Client, Code, OutboxHandle};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const RECEIPT: &str = include_str!("fixtures/receipt_sell_v5.json");

/// The emulator on its own runtime, kept alive for the test; the handles are called from plain
/// threads, as under the C ABI.
/// The ATOL emulator on its own runtime (these tests call the blocking API).
fn emulator() -> BackgroundAtol {
    BackgroundAtol::start(
        EmulatorConfig::default().with_processing_delay(Duration::from_millis(30)),
    )
    .expect("emulator")
}

fn provider_settings(base_url: &str) -> Value {
    json!({"provider": "atol", "api": "v5", "preset": "test", "base_url": base_url,
           "password": "zUr0OxfI", "report_interval_ms": 20})
}

fn outbox_settings(base_url: &str) -> Value {
    json!({
        "routes": {"atol": {"provider": provider_settings(base_url)}},
        "default_route": "atol",
        "worker": {"concurrency": 4, "lease_ms": 5000, "call_timeout_ms": 2000,
                   "idle_wait_ms": 20, "drain_timeout_ms": 2000},
        "timing": {"poll_first_ms": 50, "poll_max_ms": 200, "retry_base_ms": 50}
    })
}

fn receipt() -> Value {
    serde_json::from_str(RECEIPT).expect("fixture")
}

fn v(s: &str) -> Value {
    serde_json::from_str(s).expect("JSON output")
}

fn temp_db(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("fiskal-json-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir.join("outbox.db")
}

#[test]
fn client_settings_errors_name_the_field() {
    let e = Client::new("{").expect_err("not JSON");
    assert_eq!(e.code, Code::ProviderConfig);
    let mut s = provider_settings("http://127.0.0.1:9/possystem/v5/");
    s["http"] = json!({"timeout_ms": "soon"});
    let e = Client::new(&s.to_string()).expect_err("bad type");
    assert_eq!(e.code, Code::ProviderConfig);
    assert_eq!(e.path.as_deref(), Some("http.timeout_ms"));
    let mut s = provider_settings("http://127.0.0.1:9/possystem/v5/");
    s["password"] = json!({"env": "FISKAL_API_TEST_NO_SUCH_VAR"});
    let e = Client::new(&s.to_string()).expect_err("env");
    assert_eq!(e.code, Code::ProviderConfig);
    assert_eq!(e.path.as_deref(), Some("password"));
    assert!(e.message_en.contains("FISKAL_API_TEST_NO_SUCH_VAR"));
    // A secret never shows in an error or in Debug.
    let mut s = provider_settings("http://127.0.0.1:9/possystem/v5/");
    s["login"] = json!(42);
    let e = Client::new(&s.to_string()).expect_err("type");
    assert!(!e.to_json().contains("zUr0OxfI"));
    let c = Client::new(&provider_settings("http://127.0.0.1:9/possystem/v5/").to_string())
        .expect("valid");
    assert!(!format!("{c:?}").contains("zUr0OxfI"));
    assert_eq!(c.name(), "atol_v5");
}

#[test]
fn client_submit_and_status_until_done() {
    let emu = emulator();
    let client = Client::new(&provider_settings(&emu.base_url_v5()).to_string()).expect("client");
    let req = json!({"document_id": "api-c-1", "receipt": receipt(),
                     "timestamp": "2026-03-02T10:15:00"});
    let out = v(&client.submit(&req.to_string(), 5000).expect("submit"));
    assert_eq!(out["outcome"], "accepted", "{out}");
    assert_eq!(out["duplicate"], false);
    let provider_id = out["provider_id"].as_str().expect("uuid").to_owned();
    // The same document id again: a duplicate, never a second receipt.
    let again = v(&client.submit(&req.to_string(), 0).expect("again"));
    assert_eq!(again["outcome"], "accepted");
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["provider_id"], provider_id.as_str());

    let q = json!({"document_id": "api-c-1", "provider_id": provider_id, "kind": "sell"});
    let deadline = Instant::now() + Duration::from_secs(20);
    let done = loop {
        let o = v(&client.status(&q.to_string(), 5000).expect("status"));
        if o["outcome"] == "done" {
            break o;
        }
        assert!(
            o["outcome"] == "pending" || o["outcome"] == "accepted",
            "{o}"
        );
        assert!(Instant::now() < deadline, "not done");
        std::thread::sleep(Duration::from_millis(30));
    };
    assert!(done["fiscal"]["fn_number"].is_string(), "{done}");
    let qr = done["qr"].as_str().expect("qr");
    assert!(qr.starts_with("t=") && qr.contains("&s=5651.95&"), "{qr}");
    // The key order of the Outcome form is kept: `outcome` first, `qr` last.
    let text = client.status(&q.to_string(), 0).expect("status");
    assert!(text.starts_with("{\"outcome\":\"done\""), "{text}");
    assert!(text.ends_with(&format!(",\"qr\":\"{qr}\"}}")), "{text}");

    // Request errors.
    let e = client.submit("{\"document_id\": 1}", 0).expect_err("type");
    assert_eq!(e.code, Code::InvalidJson);
    assert_eq!(e.path.as_deref(), Some("document_id"));
    let mut bad = receipt();
    bad["items"][0]["price"] = json!("abc");
    let e = client
        .submit(
            &json!({"document_id": "x-1", "receipt": bad}).to_string(),
            0,
        )
        .expect_err("money");
    assert_eq!(e.code, Code::InvalidJson);
    assert_eq!(e.path.as_deref(), Some("receipt.items[0].price"));
    let mut bad = receipt();
    bad["items"] = json!([]);
    let e = client
        .submit(
            &json!({"document_id": "x-2", "receipt": bad}).to_string(),
            0,
        )
        .expect_err("invalid");
    assert_eq!(e.code, Code::ProviderInvalidReceipt, "{e}");
    assert!(e.details.as_ref().is_some_and(Value::is_array));
    let e = client
        .status(&json!({"document_id": "x", "kind": "gift"}).to_string(), 0)
        .expect_err("kind");
    assert_eq!(e.code, Code::InvalidArgument);
    assert_eq!(e.path.as_deref(), Some("kind"));
    let e = client
        .status(&json!({"version": 2, "document_id": "x"}).to_string(), 0)
        .expect_err("version");
    assert_eq!(e.code, Code::UnsupportedVersion);
    // ATOL looks documents up by uuid only: nothing is sent without one.
    let e = client
        .status(&json!({"document_id": "never-sent-1"}).to_string(), 5000)
        .expect_err("no uuid");
    assert_eq!(e.code, Code::ProviderUnsupported);
    assert_eq!(e.path.as_deref(), Some("provider_id"));
    // The texts say the lookup failed, not that a receipt cannot be sent.
    assert_eq!(
        e.message_ru,
        "документ нельзя запросить у кассового сервиса: поле `provider_id`"
    );
    assert!(
        e.message_en
            .starts_with("cannot look the document up at atol_v"),
        "{}",
        e.message_en
    );
    assert!(!e.message_en.contains("cannot be sent"), "{}", e.message_en);
    // Unknown at the provider: an answer, not an error.
    let o = v(&client
        .status(
            &json!({"document_id": "never-sent-1",
                    "provider_id": "00000000-0000-0000-0000-000000000000"})
            .to_string(),
            5000,
        )
        .expect("status"));
    assert!(o["outcome"].is_string(), "{o}");
}

#[test]
fn client_is_shared_by_threads() {
    let emu = emulator();
    let client =
        Arc::new(Client::new(&provider_settings(&emu.base_url_v5()).to_string()).expect("client"));
    let threads: Vec<_> = (0..6)
        .map(|i| {
            let c = Arc::clone(&client);
            std::thread::spawn(move || {
                let req = json!({"document_id": format!("api-t-{i}"), "receipt": receipt()});
                v(&c.submit(&req.to_string(), 10_000).expect("submit"))["outcome"].clone()
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().expect("thread"), "accepted");
    }
}

#[test]
fn a_timeout_after_sending_is_in_doubt() {
    // Accepts connections (the kernel's backlog) and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!(
        "http://{}/possystem/v5/",
        silent.local_addr().expect("addr")
    );
    let client = Client::new(&provider_settings(&url).to_string()).expect("client");
    let req = json!({"document_id": "api-slow-1", "receipt": receipt()});
    let started = Instant::now();
    let o = v(&client
        .submit(&req.to_string(), 300)
        .expect("an outcome, not an error"));
    assert_eq!(o["outcome"], "in_doubt", "{o}");
    assert!(o["reason"].as_str().is_some_and(|r| r.contains("timeout")));
    assert!(started.elapsed() < Duration::from_secs(5));
    let o = v(&client
        .status(
            &json!({"document_id": "api-slow-1",
                    "provider_id": "00000000-0000-0000-0000-000000000000"})
            .to_string(),
            200,
        )
        .expect("status"));
    assert_eq!(o["outcome"], "in_doubt");
}

#[test]
fn outbox_open_errors() {
    let path = temp_db("open-errors");
    let p = path.to_str().expect("utf-8");
    let mut s = outbox_settings("http://127.0.0.1:9/possystem/v5/");
    s["worker"]["lease_ms"] = json!("soon");
    let e = OutboxHandle::open(p, &s.to_string(), None).expect_err("bad type");
    assert_eq!(e.code, Code::OutboxInvalidConfig);
    assert_eq!(e.path.as_deref(), Some("worker.lease_ms"));
    let mut s = outbox_settings("http://127.0.0.1:9/possystem/v5/");
    s["routes"]["atol"]["provider"]["password"] = json!({"env": "FISKAL_API_TEST_NO_SUCH_VAR"});
    let e = OutboxHandle::open(p, &s.to_string(), None).expect_err("env");
    assert_eq!(e.code, Code::OutboxInvalidConfig);
    assert_eq!(e.path.as_deref(), Some("routes.atol.provider.password"));
    let e = OutboxHandle::open(p, "[]", None).expect_err("not an object");
    assert_eq!(e.code, Code::OutboxInvalidConfig);
    let good = outbox_settings("http://127.0.0.1:9/possystem/v5/").to_string();
    let e = OutboxHandle::open("", &good, None).expect_err("empty path");
    assert_eq!(e.code, Code::InvalidArgument);
    let e = OutboxHandle::open("/proc/no/such/dir/outbox.db", &good, None).expect_err("open");
    assert_eq!(e.code, Code::OutboxOpen, "{e}");
}

#[test]
fn outbox_end_to_end() {
    let emu = emulator();
    let path = temp_db("e2e");
    let events: Arc<Mutex<Vec<Value>>> = Arc::default();
    let seen = Arc::clone(&events);
    let outbox = OutboxHandle::open(
        path.to_str().expect("utf-8"),
        &outbox_settings(&emu.base_url_v5()).to_string(),
        Some(Box::new(move |e: &str| {
            seen.lock().expect("lock").push(v(e));
        })),
    )
    .expect("open");

    let keys: Vec<String> = (0..4).map(|i| format!("api-o-{i}")).collect();
    for k in &keys {
        let out = v(&outbox
            .enqueue(&json!({"key": k, "receipt": receipt(), "route": null}).to_string())
            .expect("enqueue"));
        assert_eq!(out["created"], true);
        assert_eq!(out["state"], "queued");
        assert_eq!(out["document_id"], format!("{k}-1"));
        assert_eq!(out["route"], "atol");
        assert!(out["fiscal"].is_null() && out["qr"].is_null());
    }
    let again = v(&outbox
        .enqueue(&json!({"key": "api-o-0", "receipt": receipt(), "route": "atol"}).to_string())
        .expect("again"));
    assert_eq!(again["created"], false);

    // Errors of enqueue and get.
    let mut other = receipt();
    other["client"]["contact"] = json!("+79990000002");
    let e = outbox
        .enqueue(&json!({"key": "api-o-0", "receipt": other}).to_string())
        .expect_err("conflict");
    assert_eq!(e.code, Code::OutboxKeyConflict);
    let e = outbox
        .enqueue(&json!({"key": "api-o-x", "receipt": receipt(), "route": "orange"}).to_string())
        .expect_err("route");
    assert_eq!(e.code, Code::OutboxUnknownRoute);
    let e = outbox
        .enqueue(&json!({"key": "bad key!", "receipt": receipt()}).to_string())
        .expect_err("key");
    assert_eq!(e.code, Code::OutboxInvalidKey);
    let mut bad = receipt();
    bad["items"] = json!([]);
    let e = outbox
        .enqueue(&json!({"key": "api-o-bad", "receipt": bad}).to_string())
        .expect_err("invalid");
    assert_eq!(e.code, Code::OutboxInvalidReceipt);
    assert!(e
        .details
        .as_ref()
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty()));
    let e = outbox.get("api-o-bad").expect_err("not stored");
    assert_eq!(e.code, Code::OutboxNotFound);
    let e = outbox.enqueue("{\"key\": \"k\"}").expect_err("no receipt");
    assert_eq!(e.code, Code::InvalidJson);

    let queued = v(&outbox
        .list(&json!({"state": "queued"}).to_string())
        .expect("list"));
    assert_eq!(queued["entries"].as_array().map(Vec::len), Some(4));
    let e = outbox.list("{\"state\": \"lost\"}").expect_err("state");
    assert_eq!(e.code, Code::InvalidArgument);

    let stats = v(&outbox.stats().expect("stats"));
    assert_eq!(stats["worker"]["running"], false);
    assert_eq!(stats["states"][0]["state"], "queued");
    assert_eq!(stats["states"][0]["count"], 4);
    assert_eq!(
        stats["unhealthy_routes"],
        json!([]),
        "no refusal of the credentials yet"
    );

    assert!(
        !outbox.poke("api-o-0").expect("poke"),
        "queued entries are not poked"
    );
    outbox.start().expect("start");
    outbox.start().expect("start twice is a no-op");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let s = v(&outbox.stats().expect("stats"));
        let done = s["states"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["state"] == "done"))
            .map(|x| x["count"].clone());
        if done == Some(json!(4)) {
            assert_eq!(s["worker"]["running"], true);
            assert!(s["worker"]["done"].as_u64() >= Some(4));
            assert!(s["worker"]["submits"].as_u64() >= Some(4));
            assert_eq!(s["last_hour"]["done"], 4);
            assert!(s["last_hour"]["latency_p50_ms"].is_u64());
            break;
        }
        assert!(Instant::now() < deadline, "not done: {s}");
        std::thread::sleep(Duration::from_millis(30));
    }
    outbox.stop().expect("stop");
    outbox.stop().expect("stop twice is a no-op");
    assert_eq!(
        v(&outbox.stats().expect("stats"))["worker"]["running"],
        false
    );

    let entry = v(&outbox.get("api-o-1").expect("get"));
    assert_eq!(entry["state"], "done");
    assert!(entry["fiscal"]["fn_number"].is_string());
    assert!(entry["qr"].as_str().is_some_and(|q| q.starts_with("t=")));
    assert!(entry["provider_id"].is_string());
    let audit = v(&outbox.audit("api-o-1").expect("audit"));
    let records = audit["records"].as_array().expect("records");
    assert!(records.len() >= 3, "{audit}");
    assert!(records[0]["from"].is_null());
    assert_eq!(records[0]["to"], "queued");
    assert_eq!(records.last().map(|r| r["to"].clone()), Some(json!("done")));
    assert_eq!(
        v(&outbox.audit("nobody").expect("audit"))["records"],
        json!([])
    );

    let evs = events.lock().expect("lock").clone();
    for k in &keys {
        assert!(
            evs.iter()
                .any(|e| e["key"] == k.as_str() && e["state"] == "done" && e["from"].is_string()),
            "no done event for {k}"
        );
    }

    assert!(outbox.drain(1000).expect("drain"), "nothing left to do");
    let r = v(&outbox.reconcile("{}").expect("reconcile"));
    assert_eq!(r["checked"], 4, "{r}");
    assert_eq!(r["matched"], 4, "{r}");
    for k in [
        "unknown_at_provider",
        "not_done_at_provider",
        "mismatched",
        "missing_fiscal",
        "unchecked",
        "id_conflicts",
        "stuck",
    ] {
        assert_eq!(r[k], json!([]), "{k}");
    }
    let r = v(&outbox
        .reconcile(&json!({"from_ms": 0, "to_ms": 1, "limit": 10}).to_string())
        .expect("reconcile"));
    assert_eq!(r["checked"], 0);
    let done = v(&outbox
        .list(&json!({"state": "done", "limit": 2}).to_string())
        .expect("list"));
    assert_eq!(done["entries"].as_array().map(Vec::len), Some(2));
}

#[test]
fn outbox_is_shared_by_threads() {
    let path = temp_db("threads");
    let outbox = Arc::new(
        OutboxHandle::open(
            path.to_str().expect("utf-8"),
            &outbox_settings("http://127.0.0.1:9/possystem/v5/").to_string(),
            None,
        )
        .expect("open"),
    );
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let o = Arc::clone(&outbox);
            std::thread::spawn(move || {
                for j in 0..5 {
                    let key = format!("api-s-{i}-{j}");
                    let r = o.enqueue(&json!({"key": key, "receipt": receipt()}).to_string());
                    assert!(r.is_ok(), "{r:?}");
                    assert!(o.get(&key).is_ok());
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    let s = v(&outbox.stats().expect("stats"));
    assert_eq!(s["states"][0]["count"], 40);
}

#[test]
fn outbox_operator_actions() {
    // No worker runs and nothing is sent: the actions are journal changes.
    let path = temp_db("operator");
    let outbox = OutboxHandle::open(
        path.to_str().expect("utf-8"),
        &outbox_settings("http://127.0.0.1:9/possystem/v5/").to_string(),
        None,
    )
    .expect("open");
    for k in ["op-a", "op-b"] {
        outbox
            .enqueue(&json!({"key": k, "receipt": receipt()}).to_string())
            .expect("enqueue");
    }
    let req = |key: &str, who: &str, reason: &str| {
        json!({"key": key, "who": who, "reason": reason}).to_string()
    };
    // A queued entry is sent by itself: a requeue is refused, naming the state.
    let e = outbox
        .requeue(&req("op-a", "anna", "again"))
        .expect_err("queued");
    assert_eq!(e.code, Code::OutboxActionNotAllowed);
    assert_eq!(e.code.number(), 7019);
    assert_eq!(e.path.as_deref(), Some("key"));
    let d = e.details.clone().expect("details");
    assert_eq!(
        (d["action"].as_str(), d["state"].as_str()),
        (Some("requeue"), Some("queued"))
    );
    assert!(
        e.message_ru.contains("уже ждёт отправки"),
        "{}",
        e.message_ru
    );
    // Cancel: allowed while nothing was sent.
    let out = v(&outbox
        .cancel(&req("op-a", " Anna ", "the customer left"))
        .expect("cancel"));
    assert_eq!(out["state"], "cancelled");
    assert_eq!(out["key"], "op-a");
    assert!(out["due_at_ms"].is_null() && out["deadline_ms"].is_null());
    let audit = v(&outbox.audit("op-a").expect("audit"));
    let last = audit["records"]
        .as_array()
        .and_then(|r| r.last().cloned())
        .expect("record");
    assert_eq!(last["reason"], "operator_cancel");
    assert_eq!(last["who"], "Anna");
    assert_eq!(last["note"], "the customer left");
    assert!(audit["records"][0]["who"].is_null());
    let e = outbox
        .cancel(&req("op-a", "anna", "twice"))
        .expect_err("cancelled");
    assert_eq!(e.code, Code::OutboxActionNotAllowed);
    assert!(
        e.message_en.contains("cancelled already"),
        "{}",
        e.message_en
    );
    let e = outbox
        .requeue(&req("op-a", "anna", "back"))
        .expect_err("cancelled is final");
    assert_eq!(e.code, Code::OutboxActionNotAllowed);
    // Arguments.
    let e = outbox
        .cancel(&req("op-b", "anna", "  "))
        .expect_err("empty reason");
    assert_eq!(
        (e.code, e.path.as_deref()),
        (Code::InvalidArgument, Some("reason"))
    );
    let e = outbox
        .cancel(&req("op-b", "", "why"))
        .expect_err("empty who");
    assert_eq!(
        (e.code, e.path.as_deref()),
        (Code::InvalidArgument, Some("who"))
    );
    let e = outbox
        .cancel(&json!({"key": "op-b", "reason": "why"}).to_string())
        .expect_err("no who");
    assert_eq!(e.code, Code::InvalidJson);
    let e = outbox
        .requeue(&req("nobody", "anna", "why"))
        .expect_err("unknown");
    assert_eq!(
        (e.code, e.path.as_deref()),
        (Code::OutboxNotFound, Some("key"))
    );
    assert_eq!(v(&outbox.get("op-b").expect("get"))["state"], "queued");
    // The stats list the new state.
    let stats = v(&outbox.stats().expect("stats"));
    let cancelled = stats["states"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["state"] == "cancelled").cloned())
        .expect("cancelled in stats");
    assert_eq!(cancelled["count"], 1);
    let list = v(&outbox
        .list(&json!({"state": "cancelled"}).to_string())
        .expect("list"));
    assert_eq!(list["entries"][0]["key"], "op-a");
}

/// Issue 24, the JSON shapes: a receipt whose marking code the register checked negatively (the
/// emulator's `Fault::negative_mark_check()`) is `done` with `attention` in the entry JSON, the
/// observer event `"event": "done_with_attention"`, `done_with_attention` in stats (and the
/// worker's counter), the list filter, and reconcile's `attention`; a plain done receipt has
/// `"attention": null` and the event `"done"`.
#[test]
fn a_negative_mark_check_is_visible_in_every_json_shape() {
    use fiskal_emulator::{Endpoint, Fault, Faults};
    let emu = BackgroundAtol::start(
        EmulatorConfig::default()
            .with_processing_delay(Duration::from_millis(30))
            .with_faults(Faults::none().script(Endpoint::Register, Fault::negative_mark_check())),
    )
    .expect("emulator");
    let events: Arc<Mutex<Vec<Value>>> = Arc::default();
    let seen = Arc::clone(&events);
    let path = temp_db("attention");
    let outbox = OutboxHandle::open(
        path.to_str().expect("utf-8"),
        &outbox_settings(&emu.base_url_v5()).to_string(),
        Some(Box::new(move |js: &str| {
            seen.lock().expect("lock").push(v(js));
        })),
    )
    .expect("open");
    for key in ["api-neg", "api-ok"] {
        let req = json!({"key": key, "receipt": receipt()}).to_string();
        outbox.enqueue(&req).expect("enqueue");
        assert!(outbox.drain(20_000).expect("drain"));
    }
    let neg = v(&outbox.get("api-neg").expect("get"));
    assert_eq!(neg["state"], "done");
    let a = &neg["attention"];
    assert_eq!(a["reasons"], json!(["negative_mark_check"]), "{neg}");
    assert_eq!(a["negative_mark_checks"][0]["result"], 5);
    assert_eq!(a["negative_mark_checks"][0]["verdict"], "negative");
    assert_eq!(a["warnings"], json!([]));
    assert_eq!(a["ofd_not_delivered"], false);
    assert!(
        a["summary"]
            .as_str()
            .is_some_and(|s| s.contains("negative mark check")),
        "{a}"
    );
    let ok = v(&outbox.get("api-ok").expect("get"));
    assert_eq!(ok["state"], "done");
    assert!(ok["attention"].is_null(), "{ok}");

    let evs = events.lock().expect("lock").clone();
    let done: Vec<(&str, &str)> = evs
        .iter()
        .filter(|e| e["state"] == "done")
        .map(|e| {
            (
                e["key"].as_str().unwrap_or(""),
                e["event"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        done,
        [("api-neg", "done_with_attention"), ("api-ok", "done")]
    );
    assert!(
        evs.iter()
            .filter(|e| e["state"] != "done")
            .all(|e| e["event"] == "transition"),
        "{evs:?}"
    );

    let st = v(&outbox.stats().expect("stats"));
    assert_eq!(st["done_with_attention"], 1, "{st}");
    assert_eq!(st["worker"]["done_with_attention"], 1, "{st}");
    let list = v(&outbox.list(r#"{"attention": true}"#).expect("list"));
    let keys: Vec<&Value> = list["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| &e["key"])
        .collect();
    assert_eq!(keys, [&json!("api-neg")]);
    let list = v(&outbox
        .list(r#"{"state": "done", "attention": true, "limit": 0}"#)
        .expect("list"));
    assert_eq!(list["entries"], json!([]));
    let e = outbox
        .list(r#"{"state": "queued", "attention": true}"#)
        .expect_err("attention lists done only");
    assert_eq!(
        (e.code, e.path.as_deref()),
        (Code::InvalidArgument, Some("state"))
    );
    let e = outbox.list("{}").expect_err("state required");
    assert_eq!(
        (e.code, e.path.as_deref()),
        (Code::InvalidArgument, Some("state"))
    );

    let r = v(&outbox.reconcile("{}").expect("reconcile"));
    assert_eq!(r["matched"], 2, "{r}");
    assert_eq!(r["attention"][0]["key"], "api-neg", "{r}");
    assert_eq!(r["attention"].as_array().map(Vec::len), Some(1));
    assert_eq!(r["not_delivered"], json!([]));
}
