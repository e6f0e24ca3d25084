//! The handle exports (`fiskal_client_*`, `fiskal_outbox_*`) called as C would, against the
//! ATOL emulator on loopback: NULLs, bad settings, ownership, the observer, threads.

use fiskal_emulator::atol::{AtolConfig, BackgroundAtol};
use fiskal_ffi::*;
use fiskal_json::Code;
use serde_json::{json, Value};
use std::ffi::{c_void, CStr};
use std::os::raw::c_char;
use std::ptr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const RECEIPT: &str = include_str!("../../fiskal-json/tests/fixtures/receipt_sell_v5.json");

/// What an out-pointer holds before a call that may fail: a failing call must leave it as it is
/// (starting from NULL could not tell "untouched" from "set to NULL"). Never dereferenced.
fn sentinel<T>() -> *mut T {
    ptr::NonNull::dangling().as_ptr()
}

/// What an out-length holds before a call that may fail, likewise.
const LEN_SENTINEL: usize = 12_345;

/// The ATOL emulator on its own runtime (these tests call the blocking API).
fn emulator() -> BackgroundAtol {
    BackgroundAtol::start(AtolConfig::default().with_processing_delay(Duration::from_millis(30)))
        .expect("emulator")
}

fn provider_settings(base_url: &str) -> Value {
    json!({"provider": "atol", "api": "v5", "preset": "test", "base_url": base_url,
           "password": "zUr0OxfI", "report_interval_ms": 20})
}

fn outbox_settings(base_url: &str) -> String {
    json!({
        "routes": {"atol": {"provider": provider_settings(base_url)}},
        "default_route": "atol",
        "worker": {"concurrency": 4, "lease_ms": 5000, "call_timeout_ms": 2000,
                   "idle_wait_ms": 20, "drain_timeout_ms": 2000},
        "timing": {"poll_first_ms": 50, "poll_max_ms": 200, "retry_base_ms": 50}
    })
    .to_string()
}

fn receipt() -> Value {
    serde_json::from_str(RECEIPT).expect("fixture")
}

fn take(out: *mut c_char, len: usize) -> Value {
    assert!(!out.is_null());
    // SAFETY: on success `out` is a NUL-terminated string made by the library.
    let s = unsafe { CStr::from_ptr(out) }
        .to_str()
        .expect("UTF-8")
        .to_owned();
    assert_eq!(s.len(), len);
    fiskal_string_free(out);
    serde_json::from_str(&s).expect("JSON")
}

fn last_error() -> Value {
    let mut out: *mut c_char = ptr::null_mut();
    let mut len = 0;
    assert_eq!(fiskal_last_error(&mut out, &mut len), Code::Ok);
    take(out, len)
}

type JsonFn<H> =
    extern "C" fn(*const H, *const c_char, usize, *mut *mut c_char, *mut usize) -> Code;

/// Calls a JSON method; `Ok(output)` or `Err((code, last error))`, checking that nothing is
/// written on failure.
fn call<H>(f: JsonFn<H>, h: *const H, input: &str) -> Result<Value, (Code, Value)> {
    let mut out: *mut c_char = sentinel();
    let mut len = LEN_SENTINEL;
    let code = f(h, input.as_ptr().cast(), input.len(), &mut out, &mut len);
    if code == Code::Ok {
        assert_ne!(out, sentinel(), "no output on success");
        Ok(take(out, len))
    } else {
        assert!(
            out == sentinel() && len == LEN_SENTINEL,
            "written on failure"
        );
        Err((code, last_error()))
    }
}

fn client_call(
    f: extern "C" fn(
        *const fiskal_client,
        *const c_char,
        usize,
        u32,
        *mut *mut c_char,
        *mut usize,
    ) -> Code,
    c: *const fiskal_client,
    input: &str,
    timeout_ms: u32,
) -> Result<Value, (Code, Value)> {
    let mut out: *mut c_char = sentinel();
    let mut len = LEN_SENTINEL;
    let code = f(
        c,
        input.as_ptr().cast(),
        input.len(),
        timeout_ms,
        &mut out,
        &mut len,
    );
    if code == Code::Ok {
        assert_ne!(out, sentinel(), "no output on success");
        Ok(take(out, len))
    } else {
        assert!(
            out == sentinel() && len == LEN_SENTINEL,
            "written on failure"
        );
        Err((code, last_error()))
    }
}

fn new_client(settings: &str) -> Result<*mut fiskal_client, (Code, Value)> {
    let mut c: *mut fiskal_client = sentinel();
    match fiskal_client_new(settings.as_ptr().cast(), settings.len(), &mut c) {
        Code::Ok => {
            assert_ne!(c, sentinel(), "no handle on success");
            Ok(c)
        }
        code => {
            assert_eq!(c, sentinel(), "written on failure");
            Err((code, last_error()))
        }
    }
}

fn temp_db(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("fiskal-ffi-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir.join("outbox.db").to_str().expect("utf-8").to_owned()
}

fn open(
    path: &str,
    settings: &str,
    observer: fiskal_outbox_observer,
    ctx: *mut c_void,
) -> Result<*mut fiskal_outbox, (Code, Value)> {
    let mut o: *mut fiskal_outbox = sentinel();
    match fiskal_outbox_open(
        path.as_ptr().cast(),
        path.len(),
        settings.as_ptr().cast(),
        settings.len(),
        observer,
        ctx,
        &mut o,
    ) {
        Code::Ok => {
            assert_ne!(o, sentinel(), "no handle on success");
            Ok(o)
        }
        code => {
            assert_eq!(o, sentinel(), "written on failure");
            Err((code, last_error()))
        }
    }
}

#[test]
fn null_arguments_are_refused_and_free_null_is_a_no_op() {
    let s = provider_settings("http://127.0.0.1:9/possystem/v5/").to_string();
    let mut out: *mut c_char = sentinel();
    let mut c: *mut fiskal_client = sentinel();
    assert_eq!(
        fiskal_client_new(ptr::null(), 0, &mut c),
        Code::NullParameter
    );
    assert_eq!(c, sentinel(), "untouched on failure");
    assert_eq!(last_error()["path"], "settings_json");
    assert_eq!(
        fiskal_client_new(s.as_ptr().cast(), s.len(), ptr::null_mut()),
        Code::NullParameter
    );
    assert_eq!(
        fiskal_client_submit(ptr::null(), c"{}".as_ptr(), 2, 0, &mut out, ptr::null_mut()),
        Code::NullParameter
    );
    assert_eq!(last_error()["path"], "client");
    let client = new_client(&s).expect("client");
    assert_eq!(
        fiskal_client_submit(client, ptr::null(), 0, 0, &mut out, ptr::null_mut()),
        Code::NullParameter
    );
    assert_eq!(
        fiskal_client_status(
            client,
            c"{}".as_ptr(),
            2,
            0,
            ptr::null_mut(),
            ptr::null_mut()
        ),
        Code::NullParameter
    );
    assert_eq!(
        fiskal_client_status(ptr::null(), c"{}".as_ptr(), 2, 0, &mut out, ptr::null_mut()),
        Code::NullParameter
    );
    assert_eq!(out, sentinel(), "untouched on failure");
    fiskal_client_free(client);
    fiskal_client_free(ptr::null_mut());

    let path = temp_db("nulls");
    let os = outbox_settings("http://127.0.0.1:9/possystem/v5/");
    let mut o: *mut fiskal_outbox = sentinel();
    assert_eq!(
        fiskal_outbox_open(
            ptr::null(),
            0,
            os.as_ptr().cast(),
            os.len(),
            None,
            ptr::null_mut(),
            &mut o
        ),
        Code::NullParameter
    );
    assert_eq!(
        fiskal_outbox_open(
            path.as_ptr().cast(),
            path.len(),
            ptr::null(),
            0,
            None,
            ptr::null_mut(),
            &mut o
        ),
        Code::NullParameter
    );
    assert_eq!(
        fiskal_outbox_open(
            path.as_ptr().cast(),
            path.len(),
            os.as_ptr().cast(),
            os.len(),
            None,
            ptr::null_mut(),
            ptr::null_mut()
        ),
        Code::NullParameter
    );
    assert_eq!(o, sentinel(), "untouched on failure");
    let o = open(&path, &os, None, ptr::null_mut()).expect("open");
    let n: *const fiskal_outbox = ptr::null();
    for f in [
        fiskal_outbox_enqueue as JsonFn<fiskal_outbox>,
        fiskal_outbox_get,
        fiskal_outbox_list,
        fiskal_outbox_audit,
        fiskal_outbox_reconcile,
        fiskal_outbox_requeue,
        fiskal_outbox_cancel,
        fiskal_outbox_resolve,
    ] {
        assert_eq!(
            f(n, c"{}".as_ptr(), 2, &mut out, ptr::null_mut()),
            Code::NullParameter
        );
        assert_eq!(
            f(o, ptr::null(), 0, &mut out, ptr::null_mut()),
            Code::NullParameter
        );
        assert_eq!(
            f(o, c"{}".as_ptr(), 2, ptr::null_mut(), ptr::null_mut()),
            Code::NullParameter
        );
    }
    assert_eq!(
        fiskal_outbox_stats(n, &mut out, ptr::null_mut()),
        Code::NullParameter
    );
    assert_eq!(
        fiskal_outbox_stats(o, ptr::null_mut(), ptr::null_mut()),
        Code::NullParameter
    );
    assert_eq!(fiskal_outbox_start(n), Code::NullParameter);
    assert_eq!(fiskal_outbox_stop(n), Code::NullParameter);
    let mut b = true;
    assert_eq!(fiskal_outbox_drain(n, 0, &mut b), Code::NullParameter);
    assert_eq!(
        fiskal_outbox_drain(o, 0, ptr::null_mut()),
        Code::NullParameter
    );
    assert_eq!(
        fiskal_outbox_poke(n, c"k".as_ptr(), 1, &mut b),
        Code::NullParameter
    );
    assert_eq!(
        fiskal_outbox_poke(o, ptr::null(), 0, &mut b),
        Code::NullParameter
    );
    assert_eq!(
        fiskal_outbox_poke(o, c"k".as_ptr(), 1, ptr::null_mut()),
        Code::NullParameter
    );
    assert!(b, "untouched on failure");
    assert_eq!(out, sentinel(), "untouched on failure");
    fiskal_outbox_free(o);
    fiskal_outbox_free(ptr::null_mut());
}

#[test]
fn bad_settings_give_the_code_and_the_path() {
    let mut s = provider_settings("http://127.0.0.1:9/possystem/v5/");
    s["http"] = json!({"timeout_ms": 0});
    let (code, e) = new_client(&s.to_string()).expect_err("zero timeout");
    assert_eq!(code, Code::ProviderConfig);
    assert_eq!(e["code"], 6003);
    assert_eq!(e["name"], "provider_config");
    assert_eq!(e["path"], "http.timeout_ms");
    assert!(!e.to_string().contains("zUr0OxfI"));
    let (code, _) = new_client("{\"provider\": \"atol\"").expect_err("truncated");
    assert_eq!(code, Code::ProviderConfig);
    let bad = [0xffu8, 0xfe];
    let mut c: *mut fiskal_client = ptr::null_mut();
    assert_eq!(
        fiskal_client_new(bad.as_ptr().cast(), 2, &mut c),
        Code::InvalidUtf8
    );

    let path = temp_db("bad-settings");
    let mut v: Value =
        serde_json::from_str(&outbox_settings("http://127.0.0.1:9/possystem/v5/")).expect("json");
    v["timing"]["poll_first_ms"] = json!(-1);
    let (code, e) = open(&path, &v.to_string(), None, ptr::null_mut()).expect_err("negative");
    assert_eq!(code, Code::OutboxInvalidConfig);
    assert_eq!(e["code"], 7007);
    assert_eq!(e["path"], "timing.poll_first_ms");
    let (code, _) = open(
        "/proc/none/x.db",
        &outbox_settings("http://127.0.0.1:9/"),
        None,
        ptr::null_mut(),
    )
    .expect_err("cannot open");
    assert_eq!(code, Code::OutboxOpen);
}

#[test]
fn client_submit_and_status_and_threads() {
    let emu = emulator();
    let client = new_client(&provider_settings(&emu.base_url_v5()).to_string()).expect("client");
    let req = json!({"document_id": "ffi-c-1", "receipt": receipt()}).to_string();
    let out = client_call(fiskal_client_submit, client, &req, 5000).expect("submit");
    assert_eq!(out["outcome"], "accepted");
    let q = json!({"document_id": "ffi-c-1", "provider_id": out["provider_id"]}).to_string();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let o = client_call(fiskal_client_status, client, &q, 5000).expect("status");
        if o["outcome"] == "done" {
            assert!(o["qr"].as_str().is_some_and(|s| s.starts_with("t=")));
            break;
        }
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(30));
    }
    let (code, e) = client_call(fiskal_client_submit, client, "{\"document_id\":\"x\"}", 0)
        .expect_err("no receipt");
    assert_eq!(code, Code::InvalidJson);
    assert_eq!(e["code"], 102);

    // Many threads share the handle.
    let addr = client as usize;
    let threads: Vec<_> = (0..8)
        .map(|i| {
            std::thread::spawn(move || {
                let c = addr as *const fiskal_client;
                let req =
                    json!({"document_id": format!("ffi-t-{i}"), "receipt": receipt()}).to_string();
                client_call(fiskal_client_submit, c, &req, 10_000).map(|o| o["outcome"].clone())
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().expect("thread").expect("submit"), "accepted");
    }
    fiskal_client_free(client);
}

static EVENTS: Mutex<Vec<Value>> = Mutex::new(Vec::new());

unsafe extern "C" fn record(ctx: *mut c_void, json: *const c_char, len: usize) {
    assert_eq!(ctx as usize, 0x5eed);
    // SAFETY: the library passes `len` readable bytes, NUL-terminated.
    let bytes = unsafe { std::slice::from_raw_parts(json.cast::<u8>(), len) };
    // SAFETY: as above.
    assert_eq!(unsafe { *json.add(len) }, 0);
    let v: Value = serde_json::from_slice(bytes).expect("event JSON");
    EVENTS.lock().expect("lock").push(v);
}

#[test]
fn outbox_end_to_end_with_observer() {
    let emu = emulator();
    let path = temp_db("e2e");
    let o = open(
        &path,
        &outbox_settings(&emu.base_url_v5()),
        Some(record),
        0x5eed as *mut c_void,
    )
    .expect("open");
    for i in 0..3 {
        let req = json!({"key": format!("ffi-o-{i}"), "receipt": receipt()}).to_string();
        let e = call(fiskal_outbox_enqueue, o, &req).expect("enqueue");
        assert_eq!(e["created"], true);
    }
    let (code, e) = call(fiskal_outbox_get, o, "nobody").expect_err("unknown");
    assert_eq!(code, Code::OutboxNotFound);
    assert_eq!(e["code"], 7003);
    let mut bad = receipt();
    bad["items"] = json!([]);
    let (code, e) = call(
        fiskal_outbox_enqueue,
        o,
        &json!({"key": "ffi-bad", "receipt": bad}).to_string(),
    )
    .expect_err("invalid");
    assert_eq!(code, Code::OutboxInvalidReceipt);
    assert!(e["details"].as_array().is_some_and(|a| !a.is_empty()));

    // Threads enqueue and read while the worker runs.
    assert_eq!(fiskal_outbox_start(o), Code::Ok);
    let addr = o as usize;
    let threads: Vec<_> = (0..4)
        .map(|i| {
            std::thread::spawn(move || {
                let o = addr as *const fiskal_outbox;
                for j in 0..3 {
                    let key = format!("ffi-t-{i}-{j}");
                    call(
                        fiskal_outbox_enqueue,
                        o,
                        &json!({"key": key, "receipt": receipt()}).to_string(),
                    )
                    .expect("enqueue");
                    call(fiskal_outbox_get, o, &key).expect("get");
                    let mut s: *mut c_char = ptr::null_mut();
                    let mut n = 0;
                    assert_eq!(fiskal_outbox_stats(o, &mut s, &mut n), Code::Ok);
                    take(s, n);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut s: *mut c_char = ptr::null_mut();
        let mut n = 0;
        assert_eq!(fiskal_outbox_stats(o, &mut s, &mut n), Code::Ok);
        let st = take(s, n);
        if st["states"][3]["state"] == "done" && st["states"][3]["count"] == 15 {
            assert_eq!(st["worker"]["running"], true);
            break;
        }
        assert!(Instant::now() < deadline, "{st}");
        std::thread::sleep(Duration::from_millis(30));
    }
    assert_eq!(fiskal_outbox_stop(o), Code::Ok);
    let n_events = EVENTS.lock().expect("lock").len();
    assert!(
        EVENTS
            .lock()
            .expect("lock")
            .iter()
            .filter(|e| e["state"] == "done")
            .count()
            >= 15,
        "{n_events} events"
    );
    let mut settled = false;
    assert_eq!(fiskal_outbox_drain(o, 1000, &mut settled), Code::Ok);
    assert!(settled);
    let mut found = true;
    assert_eq!(
        fiskal_outbox_poke(o, c"ffi-o-0".as_ptr(), 7, &mut found),
        Code::Ok
    );
    assert!(!found, "done entries are not poked");
    let l = call(fiskal_outbox_list, o, "{\"state\":\"done\",\"limit\":5}").expect("list");
    assert_eq!(l["entries"].as_array().map(Vec::len), Some(5));
    let a = call(fiskal_outbox_audit, o, "ffi-o-0").expect("audit");
    assert!(a["records"].as_array().is_some_and(|r| r.len() >= 3));
    let r = call(fiskal_outbox_reconcile, o, "{}").expect("reconcile");
    assert_eq!(r["checked"], 15);
    assert_eq!(r["matched"], 15);
    fiskal_outbox_free(o);
}

#[test]
fn operator_requeue_and_cancel() {
    // Nothing is sent (no worker): the actions are journal changes.
    let path = temp_db("operator");
    let o = open(
        &path,
        &outbox_settings("http://127.0.0.1:9/possystem/v5/"),
        None,
        ptr::null_mut(),
    )
    .expect("open");
    let req =
        |key: &str, reason: &str| json!({"key": key, "who": "Анна", "reason": reason}).to_string();
    for k in ["c-1", "c-2"] {
        call(
            fiskal_outbox_enqueue,
            o,
            &json!({"key": k, "receipt": receipt()}).to_string(),
        )
        .expect("enqueue");
    }
    // Queued: a requeue is refused (it is sent by itself), nothing written, the last error
    // names the state.
    let (code, err) = call(fiskal_outbox_requeue, o, &req("c-1", "again")).expect_err("queued");
    assert_eq!(code, Code::OutboxActionNotAllowed);
    assert_eq!(code as u32, 7019);
    assert_eq!(err["details"]["state"], "queued");
    assert_eq!(err["details"]["action"], "requeue");
    // Cancel while nothing was sent.
    let e = call(fiskal_outbox_cancel, o, &req("c-1", "покупатель ушёл")).expect("cancel");
    assert_eq!(e["state"], "cancelled");
    let audit = call(fiskal_outbox_audit, o, "c-1").expect("audit");
    let last = audit["records"]
        .as_array()
        .and_then(|r| r.last().cloned())
        .expect("last");
    assert_eq!(
        (
            last["reason"].as_str(),
            last["who"].as_str(),
            last["note"].as_str()
        ),
        (
            Some("operator_cancel"),
            Some("Анна"),
            Some("покупатель ушёл")
        )
    );
    let (code, _) = call(fiskal_outbox_cancel, o, &req("c-1", "again")).expect_err("final");
    assert_eq!(code, Code::OutboxActionNotAllowed);
    let (code, err) = call(fiskal_outbox_cancel, o, &req("c-2", "")).expect_err("empty");
    assert_eq!(
        (code, err["path"].as_str()),
        (Code::InvalidArgument, Some("reason"))
    );
    let (code, _) = call(fiskal_outbox_requeue, o, &req("nope", "x")).expect_err("unknown");
    assert_eq!(code, Code::OutboxNotFound);
    let (code, _) = call(fiskal_outbox_requeue, o, "{").expect_err("json");
    assert_eq!(code, Code::InvalidJson);
    assert_eq!(
        call(fiskal_outbox_get, o, "c-2").expect("get")["state"],
        "queued"
    );
    fiskal_outbox_free(o);
}

#[test]
fn operator_resolve_of_a_stuck_entry() {
    // Nothing answers on port 9: every send is "not taken", and with one-second deadlines the
    // entry is stuck soon (the worker's stuck scan).
    let mut settings: Value =
        serde_json::from_str(&outbox_settings("http://127.0.0.1:9/possystem/v5/")).expect("json");
    settings["timing"]["deadline_queued_s"] = json!(1);
    settings["timing"]["deadline_retry_later_s"] = json!(1);
    settings["timing"]["deadline_sending_s"] = json!(1);
    settings["worker"]["stuck_scan_ms"] = json!(50);
    let path = temp_db("resolve");
    let o = open(&path, &settings.to_string(), None, ptr::null_mut()).expect("open");
    call(
        fiskal_outbox_enqueue,
        o,
        &json!({"key": "r-1", "receipt": receipt()}).to_string(),
    )
    .expect("enqueue");
    let total = receipt()["total"].clone();
    let req = |total: &Value| {
        json!({"key": "r-1", "who": "Анна", "reason": "нашли в ЛК ОФД", "fiscal": {
            "fn_number": "9999078900001234", "fd_number": 4321, "fiscal_sign": 2911446123u64,
            "date_time": "2026-03-02T10:15:42", "shift_number": null, "receipt_number": null,
            "kkt_reg_number": null, "ofd_inn": null, "receipt_url": null,
            "total": total, "operation": "sell"}})
        .to_string()
    };
    // Queued: refused, it moves by itself; nothing written.
    let (code, err) = call(fiskal_outbox_resolve, o, &req(&total)).expect_err("queued");
    assert_eq!(code, Code::OutboxActionNotAllowed);
    assert_eq!(err["details"]["action"], "resolve");
    assert_eq!(err["details"]["state"], "queued");
    assert_eq!(fiskal_outbox_start(o), Code::Ok);
    let until = Instant::now() + Duration::from_secs(30);
    while call(fiskal_outbox_get, o, "r-1").expect("get")["state"] != "stuck" {
        assert!(Instant::now() < until, "not stuck in time");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(fiskal_outbox_stop(o), Code::Ok);
    // Another total: the attribute is named, both values in the message.
    let (code, err) = call(fiskal_outbox_resolve, o, &req(&json!("0.01"))).expect_err("total");
    assert_eq!(
        (code, err["path"].as_str()),
        (Code::InvalidArgument, Some("fiscal.total"))
    );
    assert!(
        err["message_en"]
            .as_str()
            .is_some_and(|m| m.contains("0.01")),
        "{err}"
    );
    let e = call(fiskal_outbox_resolve, o, &req(&total)).expect("resolve");
    assert_eq!(e["state"], "done");
    assert_eq!(e["fiscal"]["fn_number"], "9999078900001234");
    let audit = call(fiskal_outbox_audit, o, "r-1").expect("audit");
    let last = audit["records"]
        .as_array()
        .and_then(|r| r.last().cloned())
        .expect("last");
    assert_eq!(
        (last["reason"].as_str(), last["who"].as_str()),
        (Some("operator_resolve"), Some("Анна"))
    );
    let (code, _) = call(fiskal_outbox_resolve, o, &req(&total)).expect_err("done");
    assert_eq!(code, Code::OutboxActionNotAllowed);
    fiskal_outbox_free(o);
}
