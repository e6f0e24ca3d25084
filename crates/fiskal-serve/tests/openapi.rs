//! `docs/openapi.json` against the running gateway, both ways: every route of the router
//! ([`fiskal_serve::ROUTES`], the table the router is built from) is in the document and every
//! path and method of the document is a route; and every (method, route, status) the document
//! lists is answered by the server in the scenario below, and every answer the scenario got is
//! in the document.

mod support;

use fiskal_emulator::{Endpoint, Fault, Faults};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use support::{call, get, post, receipt, wait_state, RECEIPT, TOKEN};

fn document() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("docs/openapi.json"))
        .expect("openapi JSON")
}

/// (METHOD, path, status) of every response the document lists.
fn documented(doc: &Value) -> BTreeSet<(String, String, u16)> {
    let mut out = BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for (method, op) in ops.as_object().expect("operations") {
            for status in op["responses"].as_object().expect("responses").keys() {
                let s: u16 = status.parse().expect("numeric status");
                out.insert((method.to_uppercase(), path.clone(), s));
            }
        }
    }
    out
}

#[test]
fn the_document_lists_exactly_the_routes_of_the_router() {
    let doc = document();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    let in_doc: BTreeSet<(String, String)> = documented(&doc)
        .into_iter()
        .map(|(m, p, _)| (m, p))
        .collect();
    let routes: BTreeSet<(String, String)> = fiskal_serve::ROUTES
        .iter()
        .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let missing: Vec<_> = routes.difference(&in_doc).collect();
    assert!(
        missing.is_empty(),
        "routes not in docs/openapi.json: {missing:?}"
    );
    let extra: Vec<_> = in_doc.difference(&routes).collect();
    assert!(extra.is_empty(), "documented but not routed: {extra:?}");
    // The document says who may call each route as the router does: the bearer token for
    // the API (and 401 documented), the page's session cookie, or nothing.
    for (method, path, access) in fiskal_serve::ROUTES {
        let op = &doc["paths"][*path][method.to_lowercase()];
        let security = op.get("security").cloned().unwrap_or(json!(null));
        match access {
            fiskal_serve::Access::Bearer(role) => {
                assert!(
                    security.is_null(),
                    "{path}: the document's default (bearer)"
                );
                assert!(op["responses"].get("401").is_some(), "{method} {path}");
                assert!(op["responses"].get("403").is_some(), "{method} {path}");
                assert_eq!(op["x-fiskal-role"], role.name(), "{method} {path}");
            }
            fiskal_serve::Access::Session => assert!(
                security == json!([{"session": []}]) || security == json!([]),
                "{method} {path}: {security}"
            ),
            _ => assert_eq!(security, json!([]), "{path}"),
        }
    }
}

#[test]
fn every_documented_status_is_answered_and_every_answer_is_documented() {
    let s = support::start_with(
        "openapi",
        Faults::none()
            .script(Endpoint::Register, Fault::kkt_error(134))
            .script(Endpoint::Register, Fault::kkt_error(134))
            .script(Endpoint::Register, Fault::kkt_error(134)),
        |o| o.max_body_bytes = 256 * 1024,
    );
    let a = s.addr;
    let too_big = vec![b'x'; 256 * 1024 + 1];
    // Every API route without a token, every POST too large, every API POST not UTF-8.
    for (method, path, access) in fiskal_serve::ROUTES {
        let p = path.replace("{key}", "k1");
        let api = matches!(access, fiskal_serve::Access::Bearer(_));
        if let fiskal_serve::Access::Bearer(role) = access {
            assert_eq!(call(a, method, &p, None, &[], b"").status, 401, "{p}");
            // A token without the route's role.
            let other = if *role == fiskal_serve::Role::Read {
                support::SUBMIT_TOKEN
            } else {
                support::READ_TOKEN
            };
            assert_eq!(
                call(a, method, &p, Some(other), &[], b"").status,
                403,
                "{p}"
            );
        }
        if *method == "POST" {
            let r = call(a, method, &p, Some(TOKEN), &[], &too_big);
            assert_eq!(r.status, 413, "{p}");
        }
        if *method == "POST" && api {
            let r = call(a, method, &p, Some(TOKEN), &[], b"{\"\xc3\x28\"}");
            assert_eq!(r.status, 400, "{p}");
        }
    }
    assert_eq!(call(a, "GET", "/healthz", None, &[], b"").status, 200);
    assert_eq!(get(a, "/metrics").status, 200);
    assert_eq!(get(a, "/v1/version").status, 200);

    // The outbox: three refusals first (the scripted faults), then a receipt that goes through.
    let enq = |key: &str, r: Value| post(a, "/v1/receipts", &json!({"key": key, "receipt": r}));
    assert_eq!(enq("oa-1", receipt()).status, 201);
    wait_state(a, "oa-1", "rejected");
    assert_eq!(enq("oa-2", receipt()).status, 201);
    wait_state(a, "oa-2", "rejected");
    assert_eq!(enq("oa-8", receipt()).status, 201);
    wait_state(a, "oa-8", "rejected");
    assert_eq!(enq("oa-3", receipt()).status, 201);
    assert_eq!(enq("oa-3", receipt()).status, 200);
    let mut other = receipt();
    other["cashier"]["name"] = json!("Сидоров С.С.");
    assert_eq!(enq("oa-3", other).status, 409);
    let mut bad = receipt();
    bad["total"] = json!("1.00");
    assert_eq!(enq("oa-4", bad.clone()).status, 422);
    wait_state(a, "oa-3", "done");
    assert_eq!(get(a, "/readyz").status, 200);
    assert_eq!(get(a, "/v1/receipts?state=done").status, 200);
    assert_eq!(get(a, "/v1/receipts?state=nope").status, 400);
    assert_eq!(
        post(
            a,
            "/v1/receipts/batch",
            &json!({"receipts": [{"key": "oa-5", "receipt": receipt()}]})
        )
        .status,
        200
    );
    assert_eq!(get(a, "/v1/receipts/oa-3").status, 200);
    assert_eq!(get(a, "/v1/receipts/none").status, 404);
    assert_eq!(get(a, "/v1/receipts/oa-3/render?format=html").status, 200);
    assert_eq!(get(a, "/v1/receipts/oa-3/render?width=50").status, 400);
    assert_eq!(get(a, "/v1/receipts/none/render").status, 404);
    let who = json!({"who": "Анна", "reason": "проверка"});
    assert_eq!(post(a, "/v1/receipts/oa-1/requeue", &who).status, 200);
    assert_eq!(post(a, "/v1/receipts/oa-3/requeue", &who).status, 409);
    assert_eq!(post(a, "/v1/receipts/none/requeue", &who).status, 404);
    assert_eq!(post(a, "/v1/receipts/oa-2/cancel", &who).status, 200);
    assert_eq!(post(a, "/v1/receipts/oa-2/cancel", &who).status, 409);
    assert_eq!(post(a, "/v1/receipts/none/cancel", &who).status, 404);
    assert_eq!(get(a, "/v1/stats").status, 200);
    assert_eq!(get(a, "/v1/stats/window?seconds=60").status, 200);
    assert_eq!(get(a, "/v1/stats/window?seconds=x").status, 400);
    assert_eq!(post(a, "/v1/reconcile", &json!({"limit": 10})).status, 200);

    // The stateless operations: a success and a refusal of the content each.
    let ok =
        |p: &str, b: &[u8]| assert_eq!(call(a, "POST", p, Some(TOKEN), &[], b).status, 200, "{p}");
    let no =
        |p: &str, b: &[u8]| assert_eq!(call(a, "POST", p, Some(TOKEN), &[], b).status, 422, "{p}");
    ok("/v1/validate", RECEIPT.as_bytes());
    no("/v1/validate", bad.to_string().as_bytes());
    let compute = json!({"version": 1, "receipt": receipt()});
    ok("/v1/compute", compute.to_string().as_bytes());
    let too_much = json!({"version": 1, "receipt": receipt(),
                          "adjustment": {"kind": "discount", "value": "99999.00"}});
    no("/v1/compute", too_much.to_string().as_bytes());
    ok(
        "/v1/split",
        json!({"version": 1, "receipt": receipt(), "key": "c"})
            .to_string()
            .as_bytes(),
    );
    let tiny = json!({"version": 1, "receipt": receipt(), "key": "c", "options": {"budget": 10}});
    no("/v1/split", tiny.to_string().as_bytes());
    ok("/v1/mark", json!({"version": 1, "code": "010469025752852321G+mgsHw<DiLN_\u{1d}91EE05\u{1d}92Y4O/9CcUX4YrsehY0jUvHmlWpY5gQ2P8HzJ15ZtlzLU="}).to_string().as_bytes());
    no(
        "/v1/mark",
        json!({"version": 1, "code": "0104600000000002215abc"})
            .to_string()
            .as_bytes(),
    );
    ok("/v1/tlv/encode", RECEIPT.as_bytes());
    no("/v1/tlv/encode", bad.to_string().as_bytes());
    let hex = serde_json::from_str::<Value>(&fiskal_json::to_tlv(RECEIPT).expect("tlv"))
        .expect("json")["hex"]
        .clone();
    ok(
        "/v1/tlv/decode",
        json!({"version": 1, "hex": hex}).to_string().as_bytes(),
    );
    no(
        "/v1/tlv/decode",
        json!({"version": 1, "hex": "0100"}).to_string().as_bytes(),
    );
    let fiscal = json!({"version": 1, "fn_number": "9999078900001234", "fd_number": 1234,
        "fiscal_sign": 3826187301u64, "date_time": "2026-03-02T10:15:42", "total": "599.70",
        "operation": "sell"});
    ok("/v1/qr", fiscal.to_string().as_bytes());
    ok(
        "/v1/render",
        json!({"receipt": receipt(), "format": "text"})
            .to_string()
            .as_bytes(),
    );

    // The page: signed out, signed in, its forms.
    for p in ["/", "/receipts/oa-3", "/receipts/oa-3/view"] {
        assert_eq!(call(a, "GET", p, None, &[], b"").status, 401, "{p}");
    }
    for p in [
        "/receipts/oa-5/requeue",
        "/receipts/oa-5/cancel",
        "/receipts/oa-5/resolve",
        "/reconcile",
    ] {
        assert_eq!(call(a, "POST", p, None, &[], b"csrf=x").status, 401, "{p}");
    }
    assert_eq!(call(a, "GET", "/login", None, &[], b"").status, 200);
    assert_eq!(
        call(a, "POST", "/login", None, &[], b"token=nope").status,
        401
    );
    let sess = support::sign_in(a);
    assert_eq!(support::page_get(a, "/receipts/oa-3", &sess).status, 200);
    assert_eq!(support::page_get(a, "/receipts/none", &sess).status, 404);
    assert_eq!(
        support::page_get(a, "/receipts/oa-3/view", &sess).status,
        200
    );
    assert_eq!(
        support::page_get(a, "/receipts/none/view", &sess).status,
        404
    );
    let c = &sess.csrf;
    let form = |who: &str| format!("csrf={c}&who={who}&reason=test&confirm=yes");
    for what in ["requeue", "cancel"] {
        let path = format!("/receipts/oa-3/{what}");
        assert_eq!(
            support::form_post(a, &path, &sess, "csrf=wrong&who=A&reason=r&confirm=yes").status,
            403
        );
        assert_eq!(
            support::form_post(a, &path, &sess, &format!("csrf={c}&who=A&reason=r")).status,
            400
        );
        assert_eq!(
            support::form_post(a, &path, &sess, &form("A")).status,
            409,
            "{path}"
        );
        let none = format!("/receipts/none/{what}");
        assert_eq!(support::form_post(a, &none, &sess, &form("A")).status, 404);
    }
    assert_eq!(
        support::form_post(a, "/receipts/oa-8/requeue", &sess, &form("A")).status,
        303
    );
    // With the worker stopped, a new receipt stays queued: the page cancels it.
    s.gw.outbox().stop().expect("stop");
    assert_eq!(enq("oa-7", receipt()).status, 201);
    assert_eq!(
        support::form_post(a, "/receipts/oa-7/cancel", &sess, &form("A")).status,
        303
    );
    assert_eq!(
        support::form_post(a, "/receipts/oa-7/requeue", &sess, &form("A")).status,
        409
    );
    // Resolved by hand: two receipts left queued past their deadline (stuck).
    for key in ["oa-9", "oa-10"] {
        assert_eq!(enq(key, receipt()).status, 201);
        stuck(&s, key);
    }
    let fiscal = |fn_number: &str, total: Value| {
        json!({"fn_number": fn_number, "fd_number": 4321, "fiscal_sign": 2911446123u64,
               "date_time": "2026-03-02T10:15:42", "shift_number": null,
               "receipt_number": null, "kkt_reg_number": null, "ofd_inn": null,
               "receipt_url": null, "total": total, "operation": "sell"})
    };
    let total = receipt()["total"].clone();
    let resolve = |key: &str, f: Value| {
        post(
            a,
            &format!("/v1/receipts/{key}/resolve"),
            &json!({"who": "Анна", "reason": "нашли в ЛК ОФД", "fiscal": f}),
        )
    };
    let r = resolve("oa-9", fiscal("9999078900001234", json!("0.01")));
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["path"], "fiscal.total");
    assert_eq!(resolve("oa-9", fiscal("123", total.clone())).status, 422);
    assert_eq!(
        resolve("oa-9", fiscal("9999078900001234", total.clone())).status,
        200
    );
    assert_eq!(
        resolve("oa-9", fiscal("9999078900001234", total.clone())).status,
        409
    );
    assert_eq!(
        resolve("none", fiscal("9999078900001234", total.clone())).status,
        404
    );
    let resolve_form = |fn_number: &str| {
        format!(
            "csrf={c}&fn_number={fn_number}&fd_number=4321&fiscal_sign=2911446123\
             &date_time=2026-03-02T10%3A15&who=A&reason=r&confirm=yes"
        )
    };
    let path = "/receipts/oa-10/resolve";
    assert_eq!(
        support::form_post(
            a,
            path,
            &sess,
            &resolve_form("1").replace(c.as_str(), "wrong")
        )
        .status,
        403
    );
    assert_eq!(
        support::form_post(
            a,
            path,
            &sess,
            &resolve_form("1").replace("&confirm=yes", "")
        )
        .status,
        400
    );
    assert_eq!(
        support::form_post(a, path, &sess, &resolve_form("12345")).status,
        422
    );
    assert_eq!(
        support::form_post(a, path, &sess, &resolve_form("9999078900001234")).status,
        303
    );
    assert_eq!(
        support::form_post(a, path, &sess, &resolve_form("9999078900001234")).status,
        409
    );
    assert_eq!(
        support::form_post(
            a,
            "/receipts/none/resolve",
            &sess,
            &resolve_form("9999078900001234")
        )
        .status,
        404
    );
    assert_eq!(
        support::form_post(a, "/reconcile", &sess, "csrf=bad").status,
        403
    );
    assert_eq!(
        support::form_post(a, "/reconcile", &sess, &format!("csrf={c}")).status,
        200
    );
    assert_eq!(
        support::form_post(a, "/logout", &sess, &format!("csrf={c}")).status,
        303
    );
    assert_eq!(support::page_get(a, "/", &sess).status, 401, "signed out");

    // Not ready once the worker stops.
    assert_eq!(get(a, "/readyz").status, 503);

    let answered = s.gw.answered();
    let doc = documented(&document());
    let undocumented: Vec<_> = answered.difference(&doc).collect();
    assert!(
        undocumented.is_empty(),
        "answered but not in docs/openapi.json: {undocumented:?}"
    );
    let unanswered: Vec<_> = doc.difference(&answered).collect();
    assert!(
        unanswered.is_empty(),
        "documented but never answered: {unanswered:?}"
    );
}

/// Moves a queued entry past its deadline, straight in the journal: `stuck` (the worker is
/// stopped, nothing else moves it).
fn stuck(s: &support::Server, key: &str) {
    use fiskal_outbox::{Event, Store, Timestamp};
    let store = s.gw.outbox().outbox().worker().store();
    let e = store.get(key).expect("get").expect("entry");
    let e = store
        .apply(key, e.version, &Event::Deadline, Timestamp::now())
        .expect("deadline");
    assert_eq!(e.state, fiskal_outbox::State::Stuck);
}
