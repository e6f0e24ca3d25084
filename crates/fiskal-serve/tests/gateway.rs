//! The gateway end to end: over real HTTP on an ephemeral loopback port, in front of the ATOL
//! emulator; status codes, errors, auth refusals, limits, operator actions, metrics.

mod support;

use serde_json::{json, Value};
use std::time::{Duration, Instant};
use support::{call, get, post, receipt, sample, start, wait_state, RECEIPT, TOKEN};

#[test]
fn enqueue_until_done_with_fiscal_attributes_qr_audit_and_metrics() {
    let s = start("e2e", |_| {});
    let req = json!({"key": "order-1-sell", "receipt": receipt()});
    let r = post(s.addr, "/v1/receipts", &req);
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    assert_eq!(v["created"], true);
    assert_eq!(v["key"], "order-1-sell");
    assert_eq!(v["route"], "atol");

    // The same key and receipt: 200, the stored entry.
    let r = post(s.addr, "/v1/receipts", &req);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["created"], false);

    // The same key, another receipt: 409 with fiskal-json's code.
    let mut other = receipt();
    other["cashier"]["name"] = json!("Сидоров С.С.");
    let r = post(
        s.addr,
        "/v1/receipts",
        &json!({"key": "order-1-sell", "receipt": other}),
    );
    assert_eq!(r.status, 409, "{}", r.text());
    assert_eq!(r.json()["code"], 7002);
    assert_eq!(r.json()["path"], "key");

    let done = wait_state(s.addr, "order-1-sell", "done");
    assert!(done["fiscal"]["fn_number"].is_string(), "{done}");
    let qr = done["qr"].as_str().expect("qr");
    assert!(qr.starts_with("t=") && qr.contains("&s=5651.95&"), "{qr}");
    let audit = done["audit"].as_array().expect("audit");
    assert_eq!(audit.first().expect("first")["reason"], "enqueued");
    assert_eq!(audit.last().expect("last")["to"], "done");

    // The buyer's view: HTML with the QR code; text; the QR as PNG.
    let r = get(s.addr, "/v1/receipts/order-1-sell/render?format=html");
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .is_some_and(|c| c.starts_with("text/html")));
    assert!(r.text().contains("<svg"), "QR in the HTML");
    let r = get(
        s.addr,
        "/v1/receipts/order-1-sell/render?format=text&width=48",
    );
    assert!(r.text().contains("КАССОВЫЙ ЧЕК"));
    let r = get(s.addr, "/v1/receipts/order-1-sell/render?format=qr_png");
    assert_eq!(&r.body[..8], b"\x89PNG\r\n\x1a\n");

    // List and filter: by state and route; by time.
    let r = get(s.addr, "/v1/receipts?state=done&route=atol");
    let keys: Vec<Value> = r.json()["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["key"].clone())
        .collect();
    assert_eq!(keys, vec![json!("order-1-sell")]);
    assert_eq!(
        get(s.addr, "/v1/receipts?route=other").json()["entries"],
        json!([])
    );
    let created = done["created_at_ms"].as_i64().expect("created");
    let later = format!("/v1/receipts?from_ms={}", created + 1);
    assert_eq!(get(s.addr, &later).json()["entries"], json!([]));
    let r = get(s.addr, "/v1/receipts?state=sent");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["path"], "state");

    // Stats, window metrics, reconcile.
    let st = get(s.addr, "/v1/stats").json();
    let done_count = st["states"]
        .as_array()
        .expect("states")
        .iter()
        .find(|x| x["state"] == "done")
        .map(|x| x["count"].clone());
    assert_eq!(done_count, Some(json!(1)), "{st}");
    let w = get(s.addr, "/v1/stats/window?seconds=600").json();
    assert_eq!(w["done"], 1, "{w}");
    assert_eq!(get(s.addr, "/v1/stats/window?seconds=0").status, 400);
    let rec = post(s.addr, "/v1/reconcile", &json!({}));
    assert_eq!(rec.status, 200, "{}", rec.text());
    assert_eq!(rec.json()["matched"], 1, "{}", rec.text());

    // Metrics, parsed back.
    let deadline = Instant::now() + Duration::from_secs(10);
    let text = loop {
        let m = get(s.addr, "/metrics");
        assert_eq!(m.status, 200);
        assert!(m
            .header("content-type")
            .is_some_and(|c| c.starts_with("application/openmetrics-text")));
        let t = m.text();
        // The latency is read from the audit trail after the change: wait for it.
        if sample(&t, "fiskal_first_send_to_done_seconds_count") == Some(1.0) {
            break t;
        }
        assert!(Instant::now() < deadline, "no latency sample: {t}");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(text.trim_end().ends_with("# EOF"), "{text}");
    assert_eq!(
        sample(&text, "fiskal_entries{state=\"done\"}"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(sample(&text, "fiskal_entries{state=\"queued\"}"), Some(0.0));
    assert_eq!(sample(&text, "fiskal_stuck_entries"), Some(0.0));
    assert_eq!(
        sample(
            &text,
            "fiskal_route_outcomes_total{route=\"atol\",outcome=\"done\"}"
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(sample(&text, "fiskal_worker_running"), Some(1.0));
    assert_eq!(sample(&text, "fiskal_store_errors_total"), Some(0.0));
    let sum = sample(&text, "fiskal_first_send_to_done_seconds_sum").expect("sum");
    assert!(sum > 0.0 && sum < 30.0, "{sum}");
    assert!(text.contains("# TYPE fiskal_first_send_to_done_seconds histogram"));
    // Exactly once at the provider.
    let doc = done["document_id"].as_str().expect("doc");
    assert_eq!(s.emu.journal().fiscalised_count(doc), 1);

    // Readiness: store, worker, routes.
    let r = get(s.addr, "/readyz");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["ready"], true);
}

#[test]
fn invalid_receipts_answer_422_with_every_violation_and_its_path() {
    let s = start("invalid", |o| o.start_worker = false);
    let mut bad = receipt();
    bad["company"]["inn"] = json!("5544332218"); // wrong check digit
    bad["items"][0]["quantity"] = json!("0");
    let r = post(
        s.addr,
        "/v1/receipts",
        &json!({"key": "bad-1", "receipt": bad}),
    );
    assert_eq!(r.status, 422, "{}", r.text());
    let v = r.json();
    assert_eq!(v["code"], 7008);
    assert_eq!(v["path"], "receipt");
    let paths: Vec<&str> = v["details"]
        .as_array()
        .expect("violations")
        .iter()
        .filter_map(|d| d["path"].as_str())
        .collect();
    assert!(paths.contains(&"company.inn"), "{paths:?}");
    assert!(paths.iter().any(|p| p.starts_with("items[0]")), "{paths:?}");
    // Nothing was stored.
    assert_eq!(get(s.addr, "/v1/receipts/bad-1").status, 404);
    // A type error names the field inside the receipt.
    let mut bad = receipt();
    bad["items"][1]["price"] = json!(true);
    let r = post(
        s.addr,
        "/v1/receipts",
        &json!({"key": "bad-2", "receipt": bad}),
    );
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.json()["code"], 102);
    assert_eq!(r.json()["path"], "receipt.items[1].price");
    // An invalid key.
    let r = post(
        s.addr,
        "/v1/receipts",
        &json!({"key": "a b", "receipt": receipt()}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["code"], 7001);
}

#[test]
fn tokens_are_required_and_refusals_say_nothing() {
    let s = start("auth", |o| o.start_worker = false);
    let a = s.addr;
    // /healthz is open.
    let r = call(a, "GET", "/healthz", None, &[], b"");
    assert_eq!(r.status, 200);
    // Everything else is not: no token, a wrong one, another scheme, a prefix of the token.
    let tries: [Option<&str>; 4] = [
        None,
        Some("wrong"),
        Some(""),
        Some(&TOKEN[..TOKEN.len() - 1]),
    ];
    let mut bodies = Vec::new();
    let bearer = fiskal_serve::ROUTES
        .iter()
        .filter(|(_, _, a)| matches!(a, fiskal_serve::Access::Bearer(_)));
    for (method, path, _) in bearer {
        let path = path.replace("{key}", "k1");
        for t in tries {
            let r = call(a, method, &path, t, &[], b"{}");
            assert_eq!(r.status, 401, "{method} {path} {t:?}: {}", r.text());
            assert_eq!(
                r.header("www-authenticate"),
                Some("Bearer realm=\"fiskal\"")
            );
            bodies.push(r.body.clone());
        }
        let r = call(
            a,
            method,
            &path,
            None,
            &[("Authorization", &format!("Basic {TOKEN}"))],
            b"",
        );
        assert_eq!(r.status, 401);
    }
    // The same answer whatever was wrong, and it never echoes what was sent.
    bodies.dedup();
    assert_eq!(bodies.len(), 1, "one refusal body");
    let body = String::from_utf8_lossy(&bodies[0]).into_owned();
    assert!(
        !body.contains("wrong") && !body.contains(&TOKEN[..10]),
        "{body}"
    );
    assert!(body.contains("\"code\":8001"), "{body}");
    // The right token, with the scheme in another case, passes.
    let r = call(
        a,
        "GET",
        "/v1/version",
        None,
        &[("Authorization", &format!("bearer {TOKEN}"))],
        b"",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    // Nothing in Debug shows it, nor the provider's password.
    let debug = format!("{:?}", s.gw);
    assert!(
        !debug.contains(TOKEN) && !debug.contains("zUr0OxfI"),
        "{debug}"
    );
    let t = fiskal_serve::Token::new("short-secret", "TOKEN_FILE").expect_err("too short");
    assert!(t.to_string().contains("TOKEN_FILE") && !t.to_string().contains("short-secret"));
}

#[test]
fn oversized_bodies_bad_utf8_and_malformed_json_are_json_errors_in_the_clients_language() {
    let s = start("limits", |o| {
        o.start_worker = false;
        o.max_body_bytes = 64 * 1024;
    });
    let a = s.addr;
    let big = vec![b' '; 64 * 1024 + 1];
    let r = call(a, "POST", "/v1/receipts", Some(TOKEN), &[], &big);
    assert_eq!(r.status, 413, "{}", r.text());
    assert_eq!(r.json()["code"], 103);
    assert_eq!(r.json()["details"]["max"], 65536);
    let r = call(
        a,
        "POST",
        "/v1/validate",
        Some(TOKEN),
        &[],
        b"{\"version\": \"\xff\xfe\"}",
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["code"], 101);
    assert_eq!(r.json()["details"]["offset"], 13);
    let r = call(a, "POST", "/v1/receipts", Some(TOKEN), &[], b"{\"key\": ");
    assert_eq!(r.status, 400);
    let v = r.json();
    assert_eq!(v["code"], 102);
    assert_eq!(v["message"], v["message_ru"], "Russian by default");
    assert_eq!(r.header("content-language"), Some("ru"));
    let r = call(
        a,
        "POST",
        "/v1/receipts",
        Some(TOKEN),
        &[("Accept-Language", "en-GB,en;q=0.9,ru;q=0.5")],
        b"[",
    );
    let v = r.json();
    assert_eq!(v["message"], v["message_en"]);
    assert_eq!(r.header("content-language"), Some("en"));
    // Unknown routes and methods: JSON too.
    let r = get(a, "/v2/receipts");
    assert_eq!((r.status, r.json()["code"].clone()), (404, json!(8002)));
    let r = call(a, "DELETE", "/v1/receipts", Some(TOKEN), &[], b"");
    assert_eq!(r.status, 405);
}

#[test]
fn a_client_that_never_finishes_its_headers_is_dropped() {
    use std::io::{Read, Write};
    let s = start("slow", |o| {
        o.start_worker = false;
        o.header_timeout = Duration::from_millis(300);
    });
    let mut c = std::net::TcpStream::connect(s.addr).expect("connect");
    c.write_all(b"GET /v1/stats HTTP/1.1\r\nHost: x\r\n")
        .expect("write");
    c.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let started = Instant::now();
    let mut buf = Vec::new();
    // The server closes the connection (with a 408 or nothing); it does not wait for ever.
    let _ = c.read_to_end(&mut buf);
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(15), "closed after {waited:?}");
    assert!(
        waited >= Duration::from_millis(250),
        "closed after {waited:?}"
    );
    let text = String::from_utf8_lossy(&buf);
    assert!(!text.contains("200 OK"), "{text}");
    // Others are still served.
    assert_eq!(get(s.addr, "/v1/stats").status, 200);
}

#[test]
fn concurrent_enqueues_of_one_key_make_exactly_one_entry() {
    let s = start("concurrent", |o| o.start_worker = false);
    let addr = s.addr;
    let body = json!({"key": "race-1", "receipt": receipt()});
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let body = body.clone();
            std::thread::spawn(move || post(addr, "/v1/receipts", &body).status)
        })
        .collect();
    let statuses: Vec<u16> = threads
        .into_iter()
        .map(|t| t.join().expect("thread"))
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        15,
        "{statuses:?}"
    );
    let all = get(addr, "/v1/receipts").json();
    assert_eq!(all["entries"].as_array().map(Vec::len), Some(1), "{all}");
}

#[test]
fn batch_answers_each_receipt_on_its_own() {
    let s = start("batch", |o| o.start_worker = false);
    let mut bad = receipt();
    bad["company"]["inn"] = json!("5544332218");
    let r = post(
        s.addr,
        "/v1/receipts/batch",
        &json!({"receipts": [
            {"key": "b-1", "receipt": receipt()},
            {"key": "b-2", "receipt": bad},
            {"key": "b-1", "receipt": receipt()},
        ]}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let res = r.json()["results"].clone();
    assert_eq!(res[0]["status"], 201);
    assert_eq!(res[0]["entry"]["key"], "b-1");
    assert_eq!(res[1]["status"], 422);
    assert_eq!(res[1]["error"]["code"], 7008);
    assert_eq!(res[1]["error"]["path"], "receipts[1].receipt");
    assert_eq!(res[2]["status"], 200);
    let r = post(s.addr, "/v1/receipts/batch", &json!({"receipts": {}}));
    assert_eq!((r.status, r.json()["code"].clone()), (400, json!(102)));
}

#[test]
fn operator_actions_are_checked_and_recorded_with_who() {
    let s = start("operator", |o| o.start_worker = false);
    let a = s.addr;
    assert_eq!(
        post(
            a,
            "/v1/receipts",
            &json!({"key": "op/1", "receipt": receipt()})
        )
        .status,
        201
    );
    // A key with `/` travels percent-encoded.
    let path = "/v1/receipts/op%2F1";
    assert_eq!(get(a, path).json()["state"], "queued");
    // Who and why are required.
    let r = post(
        a,
        &format!("{path}/cancel"),
        &json!({"who": " ", "reason": "дубль заказа"}),
    );
    assert_eq!((r.status, r.json()["path"].clone()), (400, json!("who")));
    let r = post(
        a,
        &format!("{path}/cancel"),
        &json!({"who": "Анна", "reason": "дубль заказа"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["state"], "cancelled");
    let audit = get(a, path).json()["audit"].clone();
    let last = audit
        .as_array()
        .and_then(|v| v.last())
        .cloned()
        .expect("audit");
    assert_eq!(last["who"], "Анна");
    assert_eq!(last["note"], "дубль заказа");
    // Not allowed now: 409 with what to do instead, in the asked language.
    let r = call(
        a,
        "POST",
        &format!("{path}/requeue"),
        Some(TOKEN),
        &[("Accept-Language", "en")],
        json!({"who": "Анна", "reason": "ещё раз"})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(r.status, 409, "{}", r.text());
    assert_eq!(r.json()["code"], 7019);
    assert!(
        r.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("new key")),
        "{}",
        r.text()
    );
    let r = post(
        a,
        "/v1/receipts/nope/requeue",
        &json!({"who": "Анна", "reason": "x"}),
    );
    assert_eq!(r.status, 404);
    let r = post(
        a,
        &format!("{path}/cancel"),
        &json!({"key": "other", "who": "А", "reason": "x"}),
    );
    assert_eq!((r.status, r.json()["path"].clone()), (400, json!("key")));
}

#[test]
fn stateless_operations_answer_the_c_abi_bytes() {
    let s = start("ops", |o| o.start_worker = false);
    let a = s.addr;
    let r = call(
        a,
        "POST",
        "/v1/validate",
        Some(TOKEN),
        &[],
        RECEIPT.as_bytes(),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), fiskal_json::validate(RECEIPT).expect("valid"));
    let r = call(
        a,
        "POST",
        "/v1/tlv/encode",
        Some(TOKEN),
        &[],
        RECEIPT.as_bytes(),
    );
    let tlv = fiskal_json::to_tlv(RECEIPT).expect("tlv");
    assert_eq!(r.text(), tlv);
    let hex = serde_json::from_str::<Value>(&tlv).expect("json")["hex"].clone();
    let dec = json!({"version": 1, "hex": hex});
    let r = post(a, "/v1/tlv/decode", &dec);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.text(),
        fiskal_json::from_tlv(&dec.to_string()).expect("decode")
    );
    // Errors: the same code, path and details as the C ABI.
    let m = json!({"version": 1, "code": "0104600000000002215abc"}).to_string();
    let want = fiskal_json::mark(&m).expect_err("bad mark");
    let r = call(a, "POST", "/v1/mark", Some(TOKEN), &[], m.as_bytes());
    assert_eq!(r.status, 422, "{}", r.text());
    let got = r.json();
    assert_eq!(got["code"], want.code.number());
    assert_eq!(got["details"], want.details.clone().unwrap_or(Value::Null));
    assert_eq!(got["path"], json!(want.path));
    assert_eq!(got["message_ru"], json!(want.message_ru));
    let mut bad = receipt();
    bad["total"] = json!("1.00");
    let r = post(a, "/v1/validate", &bad);
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["code"], 2000);
    // Rendering a receipt given in the request.
    let fiscal = json!({"fn_number": "9999078900001234", "fd_number": 1234,
        "fiscal_sign": 3826187301u64, "date_time": "2026-03-02T10:15:42", "total": "5651.95",
        "operation": "sell"});
    let r = post(
        a,
        "/v1/render",
        &json!({"receipt": receipt(), "fiscal": fiscal, "format": "qr_svg"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        r.text().starts_with("<svg") || r.text().starts_with("<?xml"),
        "{}",
        r.text()
    );
    let r = post(
        a,
        "/v1/render",
        &json!({"receipt": receipt(), "format": "qr_png"}),
    );
    assert_eq!((r.status, r.json()["path"].clone()), (400, json!("fiscal")));
    let r = get(a, "/v1/version");
    assert_eq!(r.text(), fiskal_json::version("").expect("version"));
}

#[test]
fn readiness_fails_while_the_worker_does_not_run() {
    let s = start("ready", |o| o.start_worker = false);
    let r = get(s.addr, "/readyz");
    assert_eq!(r.status, 503, "{}", r.text());
    let v = r.json();
    assert_eq!(
        (v["ready"].clone(), v["store"].clone(), v["worker"].clone()),
        (json!(false), json!(true), json!(false))
    );
    s.gw.outbox().start().expect("start");
    assert_eq!(get(s.addr, "/readyz").status, 200);
    let m = get(s.addr, "/metrics").text();
    assert_eq!(sample(&m, "fiskal_worker_running"), Some(1.0));
}

#[test]
fn a_refusal_is_counted_and_an_operator_sends_it_again() {
    use fiskal_emulator::{Endpoint, Fault, Faults};
    let s = support::start_with(
        "refusal",
        Faults::none().script(Endpoint::Register, Fault::kkt_error(134)),
        |_| {},
    );
    let a = s.addr;
    assert_eq!(
        post(
            a,
            "/v1/receipts",
            &json!({"key": "ref-1", "receipt": receipt()})
        )
        .status,
        201
    );
    // ATOL's 134 (TLV too large for the drive) is a refusal of the document: rejected.
    let failed = wait_state(a, "ref-1", "rejected");
    assert_eq!(failed["last_code"], "134", "{failed}");
    let m = get(a, "/metrics").text();
    assert_eq!(
        sample(
            &m,
            "fiskal_route_outcomes_total{route=\"atol\",outcome=\"refused\"}"
        ),
        Some(1.0),
        "{m}"
    );
    assert_eq!(
        sample(
            &m,
            "fiskal_provider_errors_total{route=\"atol\",kind=\"rejected\"}"
        ),
        Some(1.0),
        "{m}"
    );
    assert_eq!(sample(&m, "fiskal_entries{state=\"rejected\"}"), Some(1.0));
    let r = post(
        a,
        "/v1/receipts/ref-1/requeue",
        &json!({"who": "Анна", "reason": "касса починена"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["attempt"], 2);
    let done = wait_state(a, "ref-1", "done");
    assert_eq!(done["document_id"], "ref-1-2");
    let who: Vec<&Value> = done["audit"]
        .as_array()
        .expect("audit")
        .iter()
        .filter(|r| r["who"] == "Анна")
        .collect();
    assert_eq!(who.len(), 1, "{done}");
    assert_eq!(who[0]["note"], "касса починена");
    assert_eq!(s.emu.journal().fiscalised_count("ref-1-2"), 1);
}

#[test]
fn a_request_that_takes_too_long_is_answered_503() {
    use fiskal_emulator::{Endpoint, Fault, Faults};
    let s = start("timeout", |o| {
        o.request_timeout = Duration::from_millis(1500)
    });
    let a = s.addr;
    assert_eq!(
        post(
            a,
            "/v1/receipts",
            &json!({"key": "slow-1", "receipt": receipt()})
        )
        .status,
        201
    );
    wait_state(a, "slow-1", "done");
    // Reconciling asks the provider, which now holds its answer back for 6 s.
    s.emu
        .set_faults(Faults::none().script(Endpoint::Report, Fault::Delay(Duration::from_secs(6))));
    let started = Instant::now();
    let r = post(a, "/v1/reconcile", &json!({}));
    assert_eq!(r.status, 503, "{}", r.text());
    assert_eq!(r.json()["code"], 8004);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn each_token_may_do_what_its_roles_allow() {
    use fiskal_serve::{Access, Role};
    use support::{READ_TOKEN, SUBMIT_TOKEN};
    let s = start("roles", |o| o.start_worker = false);
    let a = s.addr;
    for (method, path, access) in fiskal_serve::ROUTES {
        let Access::Bearer(role) = access else {
            continue;
        };
        let path = path.replace("{key}", "k1");
        for (token, has) in [(READ_TOKEN, Role::Read), (SUBMIT_TOKEN, Role::Submit)] {
            let r = call(a, method, &path, Some(token), &[], b"{}");
            if *role == has {
                assert_ne!(r.status, 403, "{method} {path} with {has:?}: {}", r.text());
                assert_ne!(r.status, 401, "{method} {path}");
            } else {
                assert_eq!(r.status, 403, "{method} {path} with {has:?}: {}", r.text());
                assert_eq!(r.json()["code"], 8006);
            }
        }
    }
    // The submit token enqueues; the read token reads it; neither may act as an operator.
    let body = json!({"key": "roles-1", "receipt": receipt()}).to_string();
    assert_eq!(
        call(
            a,
            "POST",
            "/v1/receipts",
            Some(SUBMIT_TOKEN),
            &[],
            body.as_bytes()
        )
        .status,
        201
    );
    assert_eq!(
        call(a, "GET", "/v1/receipts/roles-1", Some(READ_TOKEN), &[], b"").status,
        200
    );
    let act = json!({"who": "Анна", "reason": "x"}).to_string();
    for t in [READ_TOKEN, SUBMIT_TOKEN] {
        let r = call(
            a,
            "POST",
            "/v1/receipts/roles-1/cancel",
            Some(t),
            &[],
            act.as_bytes(),
        );
        assert_eq!(r.status, 403);
    }
    assert_eq!(get(a, "/v1/receipts/roles-1").json()["state"], "queued");

    // The page: a submit-only token cannot sign in; a read token sees but cannot act.
    let r = call(
        a,
        "POST",
        "/login",
        None,
        &[],
        format!("token={SUBMIT_TOKEN}").as_bytes(),
    );
    assert_eq!(r.status, 401);
    let sess = support::sign_in_with(a, READ_TOKEN);
    let page = support::page_get(a, "/receipts/roles-1", &sess);
    assert_eq!(page.status, 200);
    assert!(
        !page.text().contains("id=\"form-cancel\""),
        "no actions without the role"
    );
    let form = format!("csrf={}&who=A&reason=r&confirm=yes", sess.csrf);
    let r = support::form_post(a, "/receipts/roles-1/cancel", &sess, &form);
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(
        support::form_post(a, "/reconcile", &sess, &format!("csrf={}", sess.csrf)).status,
        403
    );
    assert_eq!(get(a, "/v1/receipts/roles-1").json()["state"], "queued");
}

#[test]
fn a_stuck_receipt_is_resolved_by_hand_with_its_fiscal_attributes() {
    use fiskal_outbox::{Event, Store, Timestamp};
    let s = start("resolve", |o| o.start_worker = false);
    let a = s.addr;
    for key in ["rs/1", "rs-2"] {
        let r = post(
            a,
            "/v1/receipts",
            &json!({"key": key, "receipt": receipt()}),
        );
        assert_eq!(r.status, 201);
    }
    // rs/1 stays queued past its deadline: stuck (straight in the journal; no worker runs).
    let store = s.gw.outbox().outbox().worker().store();
    let e = store.get("rs/1").expect("get").expect("entry");
    store
        .apply("rs/1", e.version, &Event::Deadline, Timestamp::now())
        .expect("stuck");
    let total = receipt()["total"].clone();
    let fiscal = |total: Value, operation: &str| {
        json!({"fn_number": "9999078900001234", "fd_number": 4321,
               "fiscal_sign": 2911446123u64, "date_time": "2026-03-02T10:15:42",
               "shift_number": 3, "receipt_number": 7, "kkt_reg_number": null,
               "ofd_inn": null, "receipt_url": null, "total": total, "operation": operation})
    };
    let path = "/v1/receipts/rs%2F1";
    let resolve = |lang: &str, body: Value| {
        call(
            a,
            "POST",
            &format!("{path}/resolve"),
            Some(TOKEN),
            &[("Accept-Language", lang)],
            body.to_string().as_bytes(),
        )
    };
    // Attributes that are not this receipt's: 422 naming the field, both values in the text.
    let r = resolve(
        "en",
        json!({"who": "Анна", "reason": "ЛК ОФД", "fiscal": fiscal(json!("0.01"), "sell")}),
    );
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["code"], 107);
    assert_eq!(r.json()["path"], "fiscal.total");
    let m = r.json()["message"].as_str().unwrap_or("").to_owned();
    assert!(
        m.contains("0.01") && m.contains(total.as_str().unwrap_or("?")),
        "{m}"
    );
    let r = resolve(
        "ru",
        json!({"who": "Анна", "reason": "ЛК ОФД", "fiscal": fiscal(total.clone(), "sell_refund")}),
    );
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["path"], "fiscal.operation");
    assert!(
        r.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("возврат прихода") && m.contains("приход")),
        "{}",
        r.text()
    );
    // A missing attribute: the JSON reading names it.
    let mut partial = fiscal(total.clone(), "sell");
    partial.as_object_mut().map(|m| m.remove("fn_number"));
    let r = resolve("en", json!({"who": "А", "reason": "x", "fiscal": partial}));
    assert_eq!((r.status, r.json()["path"].clone()), (422, json!("fiscal")));
    // Who is required as for requeue and cancel.
    let r = resolve(
        "en",
        json!({"who": " ", "reason": "x", "fiscal": fiscal(total.clone(), "sell")}),
    );
    assert_eq!((r.status, r.json()["path"].clone()), (400, json!("who")));
    assert_eq!(get(a, path).json()["state"], "stuck", "nothing written");
    // Right: 200 with the entry, done with the attributes; who and why in the audit trail.
    let r = resolve(
        "ru",
        json!({"who": "Анна", "reason": "нашли в ЛК ОФД", "fiscal": fiscal(total.clone(), "sell")}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["state"], "done");
    assert_eq!(v["fiscal"]["fd_number"], 4321);
    assert!(v["qr"]
        .as_str()
        .is_some_and(|q| q.contains("fn=9999078900001234")));
    let audit = get(a, path).json()["audit"].clone();
    let last = audit
        .as_array()
        .and_then(|v| v.last())
        .cloned()
        .expect("audit");
    assert_eq!(last["reason"], "operator_resolve");
    assert_eq!(
        (last["who"].clone(), last["note"].clone()),
        (json!("Анна"), json!("нашли в ЛК ОФД"))
    );
    // Not stuck: 409 (7019) with what to do instead.
    let r = resolve(
        "en",
        json!({"who": "Анна", "reason": "again", "fiscal": fiscal(total.clone(), "sell")}),
    );
    assert_eq!((r.status, r.json()["code"].clone()), (409, json!(7019)));
    assert!(
        r.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("nothing to do")),
        "{}",
        r.text()
    );
    let r = call(
        a,
        "POST",
        "/v1/receipts/rs-2/resolve",
        Some(TOKEN),
        &[("Accept-Language", "ru")],
        json!({"who": "Анна", "reason": "x", "fiscal": fiscal(total.clone(), "sell")})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(r.status, 409);
    assert!(
        r.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("запись движется сама")),
        "{}",
        r.text()
    );
    // The operator role only.
    let r = call(
        a,
        "POST",
        "/v1/receipts/rs-2/resolve",
        Some(support::READ_TOKEN),
        &[],
        b"{}",
    );
    assert_eq!(r.status, 403);
}
