//! The stateful methods through the mock platform, against the ATOL emulator on loopback:
//! the provider client (СоздатьКлиента, Отправить, Статус), the outbox (ОткрытьОчередь,
//! ПоставитьВОчередь, СостояниеЧека, ЗапуститьОбработку, …) and the worker's `ExternalEvent`.

mod host;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use fiskal_emulator::atol::{AtolConfig, BackgroundAtol};
use host::{AddIn, Value};
use serde_json::{json, Value as Json};

fn s(text: &str) -> Value {
    Value::Str(text.to_owned())
}

/// The emulator on its own runtime, alive for the test; the add-in is driven from plain threads.
/// The ATOL emulator on its own runtime (these tests call the blocking API).
fn emulator() -> BackgroundAtol {
    BackgroundAtol::start(AtolConfig::default().with_processing_delay(Duration::from_millis(30)))
        .expect("emulator")
}

fn provider_settings(base_url: &str) -> Json {
    json!({"provider": "atol", "api": "v5", "preset": "test", "base_url": base_url,
           "password": "zUr0OxfI", "report_interval_ms": 20})
}

fn outbox_settings(base_url: &str) -> Json {
    json!({
        "routes": {"atol": {"provider": provider_settings(base_url)}},
        "default_route": "atol",
        "worker": {"concurrency": 2, "lease_ms": 5000, "call_timeout_ms": 2000,
                   "idle_wait_ms": 20, "drain_timeout_ms": 2000},
        "timing": {"poll_first_ms": 50, "poll_max_ms": 200, "retry_base_ms": 50}
    })
}

/// The sample receipt, issued by the ATOL v5 test account's company.
fn receipt() -> Json {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/data/receipt_1_2.json");
    let mut r: Json =
        serde_json::from_str(&std::fs::read_to_string(path).expect("receipt")).expect("json");
    r["company"]["inn"] = json!("5544332219");
    r["company"]["payment_place"] = json!("https://v5.online.atol.ru");
    r
}

fn temp_db(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("fiskal-1c-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir.join("outbox.db").to_string_lossy().into_owned()
}

#[test]
fn client_methods_need_a_client_first() {
    let a = AddIn::new();
    for (m, args) in [
        ("Отправить", vec![s("{}")]),
        ("Submit", vec![s("{}"), Value::Int(10)]),
        ("Статус", vec![s("{}")]),
    ] {
        let e = a.err(m, &args);
        assert_eq!(e["code"], 100, "{m}: {e}");
        assert!(
            e["message_ru"]
                .as_str()
                .unwrap_or("")
                .contains("СоздатьКлиента"),
            "{e}"
        );
    }
    for (m, args) in [
        ("ПоставитьВОчередь", vec![s("{}")]),
        ("СостояниеЧека", vec![s("k")]),
        ("ЗапуститьОбработку", vec![]),
        ("ОстановитьОбработку", vec![]),
        ("СтатистикаОчереди", vec![]),
        ("ListEntries", vec![s("{}")]),
        ("EntryAudit", vec![s("k")]),
        ("DrainOutbox", vec![Value::Int(0)]),
        ("Poke", vec![s("k")]),
        ("Reconcile", vec![s("{}")]),
        ("ПоставитьВОчередьСнова", vec![s("k"), s("anna"), s("why")]),
        ("Cancel", vec![s("k"), s("anna"), s("why")]),
        (
            "ОтметитьРешенным",
            vec![s("k"), s("anna"), s("why"), s("{}")],
        ),
    ] {
        let e = a.err(m, &args);
        assert_eq!(e["code"], 100, "{m}: {e}");
        assert!(
            e["message_ru"]
                .as_str()
                .unwrap_or("")
                .contains("ОткрытьОчередь"),
            "{e}"
        );
    }
    assert_eq!(
        a.ok("ЗакрытьОчередь", &[]),
        json!({"version": 1, "closed": false})
    );
}

#[test]
fn client_settings_errors() {
    let a = AddIn::new();
    let e = a.err("СоздатьКлиента", &[s("{")]);
    assert_eq!(e["code"], 6003, "{e}");
    let mut bad = provider_settings("http://127.0.0.1:9/possystem/v5/");
    bad["http"] = json!({"timeout_ms": "soon"});
    let e = a.err("CreateClient", &[s(&bad.to_string())]);
    assert_eq!(e["code"], 6003);
    assert_eq!(e["path"], "http.timeout_ms");
    assert!(!e.to_string().contains("zUr0OxfI"), "no secret in errors");
}

#[test]
fn client_submit_and_status_until_done() {
    let emu = emulator();
    let a = AddIn::new();
    let c = a.ok(
        "СоздатьКлиента",
        &[s(&provider_settings(&emu.base_url_v5()).to_string())],
    );
    assert_eq!(c, json!({"version": 1, "provider": "atol_v5"}));
    let req =
        json!({"document_id": "1c-c-1", "receipt": receipt(), "timestamp": "2026-03-02T10:15:00"});
    // The timeout left out: GetParamDefValue gives 0 (the client's own timeouts).
    let out = a.ok("Отправить", &[s(&req.to_string())]);
    assert_eq!(out["outcome"], "accepted", "{out}");
    let again = a.ok("Submit", &[s(&req.to_string()), Value::Int(5000)]);
    assert_eq!(again["duplicate"], true, "{again}");
    let q = json!({"document_id": "1c-c-1", "provider_id": out["provider_id"], "kind": "sell"});
    let deadline = Instant::now() + Duration::from_secs(20);
    let done = loop {
        let o = a.ok("Статус", &[s(&q.to_string()), Value::Double(5000.0)]);
        if o["outcome"] == "done" {
            break o;
        }
        assert!(Instant::now() < deadline, "not done: {o}");
        std::thread::sleep(Duration::from_millis(30));
    };
    assert!(
        done["qr"].as_str().is_some_and(|q| q.starts_with("t=")),
        "{done}"
    );
    // A bad timeout is an argument error, a bad request a JSON error with its path.
    let e = a.err("Status", &[s(&q.to_string()), Value::Int(-1)]);
    assert_eq!(e["code"], 107);
    let e = a.err("Submit", &[s("{\"document_id\": 1}")]);
    assert_eq!(e["code"], 102);
    assert_eq!(e["path"], "document_id");
}

#[test]
fn outbox_enqueue_worker_and_external_event() {
    let emu = emulator();
    let a = AddIn::new();
    let path = temp_db("worker");
    let settings = outbox_settings(&emu.base_url_v5()).to_string();
    let o = a.ok("ОткрытьОчередь", &[s(&path), s(&settings)]);
    assert_eq!(o["path"], path.as_str());

    let req = json!({"key": "order-1842-sell", "receipt": receipt()}).to_string();
    let e = a.ok("ПоставитьВОчередь", &[s(&req)]);
    assert_eq!(e["created"], true, "{e}");
    assert_eq!(e["state"], "queued");
    let e = a.ok("Enqueue", &[s(&req)]);
    assert_eq!(e["created"], false, "idempotent per key");
    assert_eq!(
        a.ok("СостояниеЧека", &[s("order-1842-sell")])["state"],
        "queued"
    );

    assert_eq!(
        a.ok("ЗапуститьОбработку", &[]),
        json!({"version": 1, "running": true})
    );
    let events = a
        .conn
        .wait_events(Duration::from_secs(20), |ev| !ev.is_empty());
    assert_eq!(events.len(), 1, "{events:?}");
    let ev = &events[0];
    assert_eq!(
        (ev.source.as_str(), ev.event.as_str()),
        ("Fiskal", "ЧекПробит")
    );
    let data: Json = serde_json::from_str(&ev.data).expect("event data is JSON");
    assert_eq!(data["key"], "order-1842-sell");
    assert_eq!(data["state"], "done");
    assert!(
        data["from"].is_string() && data["fiscal"].is_object() && data["qr"].is_string(),
        "{data}"
    );

    let st = a.ok("EntryStatus", &[s("order-1842-sell")]);
    assert_eq!(st["state"], "done");
    let stats = a.ok("СтатистикаОчереди", &[]);
    assert_eq!(stats["worker"]["running"], true, "{stats}");
    assert_eq!(
        a.ok("ОстановитьОбработку", &[]),
        json!({"version": 1, "running": false})
    );
    assert_eq!(a.ok("OutboxStats", &[])["worker"]["running"], false);

    let list = a.ok("СписокЧеков", &[s(r#"{"state": "done"}"#)]);
    assert_eq!(list["entries"][0]["key"], "order-1842-sell");
    let audit = a.ok("ИсторияЧека", &[s("order-1842-sell")]);
    assert!(
        audit["records"].as_array().is_some_and(|r| r.len() >= 3),
        "{audit}"
    );
    assert_eq!(
        a.ok("Опросить", &[s("order-1842-sell")])["found"],
        false,
        "done: nothing waits"
    );
    let r = a.ok("Сверить", &[s(r#"{"from_ms": 0}"#)]);
    assert!(r["checked"].is_number(), "{r}");

    let e = a.err("СостояниеЧека", &[s("no-such-key")]);
    assert_eq!(e["code"], 7003);
    assert_eq!(
        a.ok("ЗакрытьОчередь", &[]),
        json!({"version": 1, "closed": true})
    );
    assert_eq!(a.err("СостояниеЧека", &[s("order-1842-sell")])["code"], 100);
}

#[test]
fn drain_in_the_call_and_reopen() {
    let emu = emulator();
    let a = AddIn::new();
    let path = temp_db("drain");
    let settings = outbox_settings(&emu.base_url_v5()).to_string();
    a.ok("OpenOutbox", &[s(&path), s(&settings)]);
    a.ok(
        "Enqueue",
        &[s(&json!({"key": "k-1", "receipt": receipt()}).to_string())],
    );
    let d = a.ok("ОбработатьОчередь", &[Value::Int(20000)]);
    assert_eq!(d, json!({"version": 1, "settled": true}));
    assert_eq!(a.ok("EntryStatus", &[s("k-1")])["state"], "done");
    // Opening again (the same journal) closes the first handle; the entry is still there.
    a.ok("OpenOutbox", &[s(&path), s(&settings)]);
    assert_eq!(a.ok("EntryStatus", &[s("k-1")])["state"], "done");
}

#[test]
fn enqueue_errors() {
    let emu = emulator();
    let a = AddIn::new();
    let e = a.err("ОткрытьОчередь", &[s(&temp_db("bad")), s("{")]);
    assert_eq!(e["code"], 7007, "{e}");
    a.ok(
        "ОткрытьОчередь",
        &[
            s(&temp_db("errors")),
            s(&outbox_settings(&emu.base_url_v5()).to_string()),
        ],
    );
    let mut bad = receipt();
    bad["total"] = json!("1.00");
    let e = a.err(
        "ПоставитьВОчередь",
        &[s(&json!({"key": "k-bad", "receipt": bad}).to_string())],
    );
    assert_eq!(e["code"], 7008, "{e}");
    assert!(
        e["details"].as_array().is_some_and(|v| !v.is_empty()),
        "violations: {e}"
    );
    let e = a.err("Enqueue", &[s("{\"key\": 5}")]);
    assert_eq!(e["code"], 102);
}

#[test]
fn destroying_the_object_stops_the_worker() {
    let emu = emulator();
    let a = AddIn::new();
    let conn = a.conn;
    a.ok(
        "OpenOutbox",
        &[
            s(&temp_db("destroy")),
            s(&outbox_settings(&emu.base_url_v5()).to_string()),
        ],
    );
    a.ok(
        "Enqueue",
        &[s(&json!({"key": "k-d", "receipt": receipt()}).to_string())],
    );
    a.ok("StartWorker", &[]);
    drop(a); // Done + DestroyObject: the worker stops, no event reaches the old connection.
    let n = conn.events().len();
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(conn.events().len(), n);
}

#[test]
fn requeue_and_cancel_with_who_and_why() {
    // Nothing is sent (no worker): the actions are journal changes.
    let a = AddIn::new();
    let path = temp_db("operator");
    let settings = outbox_settings("http://127.0.0.1:9/possystem/v5/").to_string();
    a.ok("ОткрытьОчередь", &[s(&path), s(&settings)]);
    for k in ["1c-op-1", "1c-op-2"] {
        let req = json!({"key": k, "receipt": receipt()}).to_string();
        a.ok("ПоставитьВОчередь", &[s(&req)]);
    }
    // Queued: sent by itself, a requeue is refused naming the state, in Russian too.
    let e = a.err(
        "ПоставитьВОчередьСнова",
        &[s("1c-op-1"), s("Анна"), s("ещё раз")],
    );
    assert_eq!(e["code"], 7019, "{e}");
    assert_eq!(e["details"]["state"], "queued");
    assert!(
        e["message_ru"]
            .as_str()
            .unwrap_or("")
            .contains("уже ждёт отправки"),
        "{e}"
    );
    let c = a.ok("Отменить", &[s("1c-op-1"), s("Анна"), s("покупатель ушёл")]);
    assert_eq!(c["state"], "cancelled", "{c}");
    let audit = a.ok("ИсторияЧека", &[s("1c-op-1")]);
    let last = audit["records"]
        .as_array()
        .and_then(|r| r.last().cloned())
        .expect("last record");
    assert_eq!(last["reason"], "operator_cancel");
    assert_eq!(last["who"], "Анна");
    assert_eq!(last["note"], "покупатель ушёл");
    let e = a.err("Cancel", &[s("1c-op-1"), s("anna"), s("again")]);
    assert_eq!(e["code"], 7019);
    let e = a.err("Requeue", &[s("1c-op-2"), s("anna"), s("")]);
    assert_eq!(
        (e["code"].clone(), e["path"].clone()),
        (json!(107), json!("reason"))
    );
    let e = a.err("Отменить", &[s("нет-такого"), s("anna"), s("why")]);
    assert_eq!(e["code"], 7003);
    assert_eq!(a.ok("СостояниеЧека", &[s("1c-op-2")])["state"], "queued");
}

#[test]
fn a_stuck_entry_is_resolved_by_hand() {
    // Nothing answers on port 9 and the deadlines are one second: the entry is soon stuck.
    let a = AddIn::new();
    let path = temp_db("resolve");
    let mut settings = outbox_settings("http://127.0.0.1:9/possystem/v5/");
    settings["timing"]["deadline_queued_s"] = json!(1);
    settings["timing"]["deadline_retry_later_s"] = json!(1);
    settings["timing"]["deadline_sending_s"] = json!(1);
    settings["worker"]["stuck_scan_ms"] = json!(50);
    a.ok("ОткрытьОчередь", &[s(&path), s(&settings.to_string())]);
    let req = json!({"key": "1c-rs-1", "receipt": receipt()}).to_string();
    a.ok("ПоставитьВОчередь", &[s(&req)]);
    let fiscal = |total: &Json| {
        json!({"fn_number": "9999078900001234", "fd_number": 4321,
               "fiscal_sign": 2911446123u64, "date_time": "2026-03-02T10:15:42",
               "shift_number": null, "receipt_number": null, "kkt_reg_number": null,
               "ofd_inn": null, "receipt_url": null, "total": total, "operation": "sell"})
        .to_string()
    };
    let total = receipt()["total"].clone();
    let e = a.err(
        "ОтметитьРешенным",
        &[s("1c-rs-1"), s("Анна"), s("ЛК ОФД"), s(&fiscal(&total))],
    );
    assert_eq!(
        (e["code"].clone(), e["details"]["state"].clone()),
        (json!(7019), json!("queued"))
    );
    a.ok("ЗапуститьОбработку", &[]);
    let until = std::time::Instant::now() + Duration::from_secs(30);
    while a.ok("СостояниеЧека", &[s("1c-rs-1")])["state"] != "stuck" {
        assert!(std::time::Instant::now() < until, "not stuck in time");
        std::thread::sleep(Duration::from_millis(20));
    }
    a.ok("ОстановитьОбработку", &[]);
    let e = a.err("Resolve", &[s("1c-rs-1"), s("anna"), s("x"), s("{")]);
    assert_eq!(
        (e["code"].clone(), e["path"].clone()),
        (json!(102), json!("fiscal"))
    );
    let e = a.err(
        "Resolve",
        &[s("1c-rs-1"), s("anna"), s("x"), s(&fiscal(&json!("0.01")))],
    );
    assert_eq!(
        (e["code"].clone(), e["path"].clone()),
        (json!(107), json!("fiscal.total"))
    );
    let done = a.ok(
        "ОтметитьРешенным",
        &[
            s("1c-rs-1"),
            s("Анна"),
            s("нашли в ЛК ОФД"),
            s(&fiscal(&total)),
        ],
    );
    assert_eq!(done["state"], "done", "{done}");
    let audit = a.ok("ИсторияЧека", &[s("1c-rs-1")]);
    let last = audit["records"]
        .as_array()
        .and_then(|r| r.last().cloned())
        .expect("last record");
    assert_eq!(
        (
            last["reason"].clone(),
            last["who"].clone(),
            last["note"].clone()
        ),
        (
            json!("operator_resolve"),
            json!("Анна"),
            json!("нашли в ЛК ОФД")
        )
    );
}

/// Issue 24: the register checks the marking code with a negative result (the emulator's
/// `Fault::negative_mark_check()`). 1C hears «ЧекПробит» (the receipt is fiscalised: handlers
/// that only know it keep working) followed by «ЧекПробитСЗамечаниями» with the same data, whose
/// `attention` names the negative check; the stats count it and the list filter finds it.
#[test]
fn a_negative_mark_check_makes_a_done_with_attention_event() {
    use fiskal_emulator::{Endpoint, Fault, Faults};
    let emu = BackgroundAtol::start(
        AtolConfig::default()
            .with_processing_delay(Duration::from_millis(30))
            .with_faults(Faults::none().script(Endpoint::Register, Fault::negative_mark_check())),
    )
    .expect("emulator");
    let a = AddIn::new();
    let path = temp_db("attention");
    let settings = outbox_settings(&emu.base_url_v5()).to_string();
    a.ok("ОткрытьОчередь", &[s(&path), s(&settings)]);
    let req = json!({"key": "order-marked-sell", "receipt": receipt()}).to_string();
    a.ok("ПоставитьВОчередь", &[s(&req)]);
    a.ok("ЗапуститьОбработку", &[]);
    let events = a
        .conn
        .wait_events(Duration::from_secs(20), |ev| ev.len() >= 2);
    let names: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(names, ["ЧекПробит", "ЧекПробитСЗамечаниями"], "{events:?}");
    let data: Json = serde_json::from_str(&events[1].data).expect("event data is JSON");
    assert_eq!(events[0].data, events[1].data, "the same data");
    assert_eq!(data["state"], "done");
    assert_eq!(data["event"], "done_with_attention");
    assert_eq!(
        data["attention"]["reasons"],
        json!(["negative_mark_check"]),
        "{data}"
    );
    assert_eq!(data["attention"]["negative_mark_checks"][0]["result"], 5);
    assert_eq!(
        data["attention"]["negative_mark_checks"][0]["verdict"],
        "negative"
    );
    a.ok("ОстановитьОбработку", &[]);
    assert_eq!(a.ok("СтатистикаОчереди", &[])["done_with_attention"], 1);
    let list = a.ok("СписокЧеков", &[s(r#"{"attention": true}"#)]);
    assert_eq!(list["entries"][0]["key"], "order-marked-sell", "{list}");
    let r = a.ok("Сверить", &[s(r#"{"from_ms": 0}"#)]);
    assert_eq!(r["attention"][0]["key"], "order-marked-sell", "{r}");
    a.ok("ЗакрытьОчередь", &[]);
}
