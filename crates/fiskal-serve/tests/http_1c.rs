//! The 1C example over plain HTTP (`examples/1c/ФискализацияЧерезHTTP.bsl`) against the real
//! gateway: the routes it calls exist with the methods it uses, the request it builds is
//! accepted (201, then 200 on a repeat), the key it percent-encodes finds the entry, and every
//! field it reads (`Получить("…")`) and every state it compares is what the gateway answers.
//! 1C itself cannot run here; this keeps the example from drifting from the API.

mod support;

use fiskal_serve::{Access, Role, ROUTES};
use serde_json::Value;
use std::collections::BTreeSet;
use support::{call, receipt, start, wait_state, TOKEN};

fn example() -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/1c/ФискализацияЧерезHTTP.bsl");
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The string literals right after `marker` in the BSL (`Получить("state")` → `state`).
fn literals_after(bsl: &str, marker: &str) -> BTreeSet<String> {
    bsl.match_indices(marker)
        .filter_map(|(i, _)| {
            let rest = &bsl[i + marker.len()..];
            rest.split('"').next().map(str::to_owned)
        })
        .collect()
}

/// Every object key anywhere in `v`.
fn keys(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                out.insert(k.clone());
                keys(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| keys(x, out)),
        _ => {}
    }
}

fn route(method: &str, path: &str) -> Option<Access> {
    ROUTES
        .iter()
        .find(|(m, p, _)| *m == method && *p == path)
        .map(|(_, _, a)| *a)
}

#[test]
fn the_1c_http_example_calls_what_the_gateway_answers() {
    let bsl = example();
    // POST /v1/receipts (ОтправитьДляОбработки is POST) and GET /v1/receipts/{key} (Получить).
    assert!(
        bsl.contains("Новый HTTPЗапрос(\"/v1/receipts\","),
        "enqueue request"
    );
    assert!(bsl.contains(".ОтправитьДляОбработки(Запрос)"));
    assert!(bsl.contains(
        "\"/v1/receipts/\" + КодироватьСтроку(Ключ, СпособКодированияСтроки.КодировкаURL)"
    ));
    assert!(bsl.contains(".Получить(Запрос)"));
    assert_eq!(
        route("POST", "/v1/receipts"),
        Some(Access::Bearer(Role::Submit))
    );
    assert_eq!(
        route("GET", "/v1/receipts/{key}"),
        Some(Access::Bearer(Role::Read))
    );
    // The body as the example builds it, with its headers.
    assert!(bsl.contains(
        r#"Тело = "{""key"": " + СтрокаJSON(Ключ) + ", ""receipt"": " + ЧекJSON + "}";"#
    ));
    let s = start("1c-http", |_| {});
    let key = "order/1842-sell";
    let body = format!(
        "{{\"key\": {}, \"receipt\": {}}}",
        serde_json::to_string(key).expect("key"),
        support::RECEIPT
    );
    let auth = format!("Bearer {TOKEN}");
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json; charset=utf-8"),
        ("Accept-Language", "ru"),
    ];
    let enqueue = |body: &str| {
        call(
            s.addr,
            "POST",
            "/v1/receipts",
            None,
            &headers,
            body.as_bytes(),
        )
    };
    let r = enqueue(&body);
    assert_eq!(r.status, 201, "{}", r.text());
    let r = enqueue(&body);
    assert_eq!(r.status, 200, "a repeat is safe: {}", r.text());
    // КодировкаURL writes `/` as %2F; the gateway finds the entry under the key.
    let r = call(
        s.addr,
        "GET",
        "/v1/receipts/order%2F1842-sell",
        None,
        &headers,
        b"",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["key"], key);
    let done = wait_state(s.addr, "order%2F1842-sell", "done");

    // An invalid receipt: the error fields the example reads.
    let mut bad = receipt();
    bad["company"]["inn"] = Value::String("1234567890".into());
    let bad_body = format!("{{\"key\": \"bad-1\", \"receipt\": {bad}}}");
    let r = enqueue(&bad_body);
    assert_eq!(r.status, 422, "{}", r.text());
    let error = r.json();
    assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));

    let mut answered = BTreeSet::new();
    keys(&done, &mut answered);
    keys(&error, &mut answered);
    let read = literals_after(&bsl, ".Получить(\"");
    assert!(
        read.contains("state") && read.contains("fiscal_sign"),
        "{read:?}"
    );
    let missing: Vec<_> = read.difference(&answered).collect();
    assert!(
        missing.is_empty(),
        "the example reads fields the gateway does not answer: {missing:?}"
    );
    // Every state the example compares is one of the entry's states.
    let api: Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json"),
        )
        .expect("openapi"),
    )
    .expect("openapi json");
    let states = api.to_string();
    let compared = literals_after(&bsl, "Состояние = \"");
    assert!(
        compared.contains("done") && compared.contains("stuck"),
        "{compared:?}"
    );
    for st in &compared {
        assert!(
            states.contains(&format!("\"{st}\"")),
            "state {st} is not in docs/openapi.json"
        );
    }
    assert_eq!(done["state"], "done");
}
