//! The Business.ru Open API emulator over plain HTTP with a hand-rolled client: signature
//! verification exactly as the inferred server (PHP re-encoding), tokens, commands,
//! validation, processing, the missing idempotency, faults.

use fiskal_emulator::business_ru::{
    BusinessRuConfig, BusinessRuEmulator, BusinessRuHandle, CNumFilter, TEST_APP_ID_V1, TEST_SECRET,
};
use fiskal_emulator::{Endpoint, Fault};
use md5::{Digest, Md5};
use serde_json::Value;
use std::time::Duration;

mod poll;
use poll::poll_until;

fn md5_hex(s: &str) -> String {
    let mut h = Md5::new();
    h.update(s.as_bytes());
    h.update(TEST_SECRET.as_bytes());
    hex::encode(h.finalize())
}

async fn start(cfg: BusinessRuConfig) -> BusinessRuHandle {
    BusinessRuEmulator::start(cfg.with_processing_delay(Duration::from_millis(150)))
        .await
        .expect("emulator")
}

fn http() -> reqwest::Client {
    // reqwest is built without a TLS provider; plain http needs none, but the builder insists.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()
        .expect("client")
}

/// GET with `params` (already in sorted order) in the query and the sign over them.
async fn get(
    br: &BusinessRuHandle,
    tail: &str,
    params: &[(&str, &str)],
    sign: Option<&str>,
) -> (u16, Value) {
    let json: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("\"{k}\":\"{v}\""))
        .collect();
    let signed = format!("{{{}}}", json.join(","));
    let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let url = format!("{}{tail}?{}", br.base_url_v1(), query.join("&"));
    let sign = sign.map_or_else(|| md5_hex(&signed), str::to_owned);
    let r = http()
        .get(url)
        .header("sign", sign)
        .send()
        .await
        .expect("send");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn token(br: &BusinessRuHandle) -> String {
    let (s, v) = get(
        br,
        "Token",
        &[("app_id", TEST_APP_ID_V1), ("nonce", "nonce_1")],
        None,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    v["token"].as_str().expect("token").to_owned()
}

async fn post(br: &BusinessRuHandle, body: &str, signed: &str) -> (u16, Value) {
    let r = http()
        .post(format!("{}Command", br.base_url_v1()))
        .header("content-type", "application/json")
        .header("sign", md5_hex(signed))
        .body(body.to_owned())
        .send()
        .await
        .expect("send");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn envelope(token: &str, c_num: &str, price: &str) -> String {
    format!(
        r#"{{"app_id":"{TEST_APP_ID_V1}","command":{{"author":"Кассир","c_num":"{c_num}","payed_cashless":{price},"goods":[{{"name":"Товар 1\/2","count":1,"price":{price},"sum":{price},"nds_value":20,"nds_not_apply":false,"payment_mode":4,"item_type":1}}]}},"nonce":"nonce_2","token":"{token}","type":"printCheck"}}"#
    )
}

#[tokio::test]
async fn token_checks() {
    let br = start(BusinessRuConfig::default()).await;
    assert!(!token(&br).await.is_empty());
    let (s, v) = get(
        &br,
        "Token",
        &[("app_id", TEST_APP_ID_V1), ("nonce", "n")],
        Some("00"),
    )
    .await;
    assert_eq!((s, v["error"]["code"].as_i64()), (401, Some(3)), "bad sign");
    let (s, v) = get(&br, "Token", &[("app_id", "nobody"), ("nonce", "n")], None).await;
    assert_eq!(
        (s, v["error"]["code"].as_i64()),
        (401, Some(2)),
        "unknown app"
    );
    let (s, _) = get(&br, "Token", &[("app_id", TEST_APP_ID_V1)], None).await;
    assert_eq!(s, 400, "no nonce");
    let r = http()
        .get(format!(
            "{}Token?app_id={TEST_APP_ID_V1}&nonce=n",
            br.base_url_v1()
        ))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 401, "no sign");
    // The ФФД 1.2 account through v1: 401 with `result`.
    let url = format!(
        "{}Token?app_id={}&nonce=n",
        br.base_url_v1(),
        fiskal_emulator::business_ru::TEST_APP_ID_V2
    );
    let signed = format!(
        r#"{{"app_id":"{}","nonce":"n"}}"#,
        fiskal_emulator::business_ru::TEST_APP_ID_V2
    );
    let r = http()
        .get(url)
        .header("sign", md5_hex(&signed))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 401);
    let v: Value = r.json().await.expect("json");
    assert!(v.get("result").is_some(), "{v}");
}

#[tokio::test]
async fn command_lifecycle_and_no_idempotency() {
    // A queue time long enough that the first look below finds the command still queued on a
    // loaded machine; the second look waits for the processing (polled, not slept).
    let br = BusinessRuEmulator::start(
        BusinessRuConfig::default().with_processing_delay(Duration::from_millis(1000)),
    )
    .await
    .expect("emulator");
    let t = token(&br).await;
    let body = envelope(&t, "order-7", "1000");
    let (s, v) = post(&br, &body, &body).await;
    assert_eq!(s, 200, "{v}");
    let id = v["command_id"].as_u64().expect("command_id").to_string();
    let params = [
        ("app_id", TEST_APP_ID_V1),
        ("nonce", "nonce_3"),
        ("token", t.as_str()),
    ];
    let (s, v) = get(&br, &format!("Command/{id}"), &params, None).await;
    assert_eq!(s, 200);
    assert!(v["fn_number"].is_null() && v["status"] == 0, "{v}");
    assert_eq!(v["command"]["goods"][0]["name"], "Товар 1/2");
    let v = poll_until("the command processed", Duration::from_secs(5), || async {
        let (_, v) = get(&br, &format!("Command/{id}"), &params, None).await;
        (v["status"] != 0).then_some(v)
    })
    .await;
    assert_eq!(v["status"], 2, "{v}");
    for f in [
        "fn_number",
        "fiscal_document_number",
        "fiscal_document_attribute",
        "receipt_datetime",
        "ecr_registration_number",
        "receipt_url",
    ] {
        assert!(!v[f].is_null(), "{f}: {v}");
    }
    assert_eq!(v["receipt_datetime"].as_str().map(str::len), Some(19));
    assert_eq!(v["total"], 1000);
    // The same c_num again is a second receipt: the API has no idempotency.
    let (s, _) = post(&br, &body, &body).await;
    assert_eq!(s, 200);
    assert_eq!(br.journal().count("order-7"), 2);
    // The list finds both by c_num.
    let params = [
        ("app_id", TEST_APP_ID_V1),
        ("c_num", "order-7"),
        ("nonce", "n4"),
        ("token", t.as_str()),
    ];
    let (s, v) = get(&br, "Command", &params, None).await;
    assert_eq!((s, v.as_array().map(Vec::len)), (200, Some(2)));
    // Another app's or an unknown id: 404.
    let params = [
        ("app_id", TEST_APP_ID_V1),
        ("nonce", "n5"),
        ("token", t.as_str()),
    ];
    assert_eq!(get(&br, "Command/1", &params, None).await.0, 404);
}

#[tokio::test]
async fn the_sign_is_checked_over_the_php_reencoding() {
    let br = start(BusinessRuConfig::default()).await;
    let t = token(&br).await;
    // `1000.00` in the body, signed as sent: PHP decodes it to a double and re-encodes `1000`,
    // so the hash differs — refused.
    let body = envelope(&t, "o-1", "1000.00");
    assert_eq!(post(&br, &body, &body).await.0, 401);
    // Signed over the canonical form, the same body passes.
    assert_eq!(post(&br, &body, &envelope(&t, "o-1", "1000")).await.0, 200);
    // Unsorted keys and an unescaped slash in the body: the server sorts and escapes.
    let unsorted = envelope(&t, "o-2", "5").replace("\\/", "/");
    let reordered = format!(
        "{{\"type\":\"printCheck\",{}",
        unsorted
            .trim_start_matches('{')
            .replace(",\"type\":\"printCheck\"", "")
    );
    assert_eq!(
        post(&br, &reordered, &envelope(&t, "o-2", "5")).await.0,
        200
    );
    // The sign over the `\u`-escaped encoding (what the vendor SDK signed for a few hours in
    // Nov 2021) is refused: the service checks the raw-text form only. The same body signed
    // over raw text passes.
    let body = envelope(&t, "o-3", "10");
    let escaped: String = body
        .chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                format!("\\u{:04x}", c as u32)
            }
        })
        .collect();
    assert_ne!(escaped, body);
    assert_eq!(post(&br, &body, &escaped).await.0, 401);
    assert_eq!(post(&br, &escaped, &escaped).await.0, 401);
    assert_eq!(
        post(&br, &escaped, &body).await.0,
        200,
        "escaped body, raw sign"
    );
    assert_eq!(br.journal().count("o-3"), 1);
}

/// A GET as SDK releases before 1.0.11 sent it: no query, the parameters as a JSON body.
#[tokio::test]
async fn get_parameters_in_a_json_body_are_read_when_there_is_no_query() {
    let br = start(BusinessRuConfig::default()).await;
    let signed = format!(r#"{{"app_id":"{TEST_APP_ID_V1}","nonce":"nonce_9"}}"#);
    // The old SDK encoded the body without sorting; the server sorts before checking.
    let body = format!(r#"{{"nonce":"nonce_9","app_id":"{TEST_APP_ID_V1}"}}"#);
    let r = http()
        .get(format!("{}Token", br.base_url_v1()))
        .header("content-type", "application/json")
        .header("sign", md5_hex(&signed))
        .body(body.clone())
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().await.expect("json");
    assert!(v["token"].as_str().is_some_and(|t| !t.is_empty()), "{v}");
    // With a query the query wins: these parameters lack the nonce.
    let r = http()
        .get(format!("{}Token?app_id={TEST_APP_ID_V1}", br.base_url_v1()))
        .header(
            "sign",
            md5_hex(&format!(r#"{{"app_id":"{TEST_APP_ID_V1}"}}"#)),
        )
        .body(body)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 400);
}

#[tokio::test]
async fn state_system_answers_for_the_account() {
    let br = start(BusinessRuConfig::default()).await;
    let t = token(&br).await;
    let params = [
        ("app_id", TEST_APP_ID_V1),
        ("nonce", "nonce_3"),
        ("token", t.as_str()),
    ];
    let (s, v) = get(&br, "StateSystem", &params, None).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["result"], 0);
    assert_eq!(v["app_id"], TEST_APP_ID_V1);
    assert_eq!(v["kkt"][0]["fn_number"].as_str().map(str::len), Some(16));
    // Authenticated like every call: no token, 401.
    let (s, _) = get(
        &br,
        "StateSystem",
        &[("app_id", TEST_APP_ID_V1), ("nonce", "nonce_4")],
        None,
    )
    .await;
    assert_eq!(s, 401);
    // A fault on the GETs reaches it too.
    br.push_fault(Endpoint::Report, Fault::ServerError(502));
    assert_eq!(get(&br, "StateSystem", &params, None).await.0, 502);
}

/// `GET Command`: pages of `list_page_size` in command-id order, past the end `[]`, the
/// `c_num` filter (exact, or ignored as configured) and the date filters.
#[tokio::test]
async fn the_command_list_is_paged_and_filtered() {
    for mode in [CNumFilter::Exact, CNumFilter::Ignored] {
        let br = start(BusinessRuConfig::default().with_list(2, mode)).await;
        let t = token(&br).await;
        for i in 1..=5 {
            let body = envelope(&t, &format!("l-{i}"), "10");
            assert_eq!(post(&br, &body, &body).await.0, 200);
        }
        let list = |page: &'static str, c_num: Option<&'static str>, from: Option<&'static str>| {
            let t = t.clone();
            let br = &br;
            async move {
                let mut p: Vec<(&str, String)> = vec![("app_id", TEST_APP_ID_V1.to_owned())];
                if let Some(c) = c_num {
                    p.push(("c_num", c.to_owned()));
                }
                if let Some(f) = from {
                    p.push(("filter_date_create_from", f.to_owned()));
                }
                p.push(("nonce", "nonce_5".to_owned()));
                p.push(("page", page.to_owned()));
                p.push(("token", t));
                let p: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
                get(br, "Command", &p, None).await
            }
        };
        let c_nums = |v: &Value| -> Vec<String> {
            v.as_array()
                .expect("array")
                .iter()
                .map(|c| c["c_num"].as_str().expect("c_num").to_owned())
                .collect()
        };
        let (s, v) = list("1", None, None).await;
        assert_eq!((s, c_nums(&v)), (200, vec!["l-1".into(), "l-2".into()]));
        let (_, v) = list("3", None, None).await;
        assert_eq!(c_nums(&v), vec!["l-5".to_owned()]);
        let (s, v) = list("4", None, None).await;
        assert_eq!((s, v), (200, Value::Array(vec![])), "past the end");
        let (_, v) = list("1", Some("l-4"), None).await;
        match mode {
            CNumFilter::Exact => assert_eq!(c_nums(&v), vec!["l-4".to_owned()]),
            _ => assert_eq!(c_nums(&v), vec!["l-1".to_owned(), "l-2".to_owned()]),
        }
        // A window that starts after every command: nothing; one that starts long before:
        // all of them.
        let (_, v) = list("1", None, Some("2999-01-01")).await;
        assert_eq!(v, Value::Array(vec![]));
        let (_, v) = list("3", None, Some("2000-01-01 00:00:00")).await;
        assert_eq!(c_nums(&v), vec!["l-5".to_owned()]);
        for (page, from) in [("0", None), ("x", None), ("1", Some("01.02.2026"))] {
            let (s, v) = list(page, None, from).await;
            assert_eq!(s, 400, "page {page} from {from:?}: {v}");
        }
    }
}

#[tokio::test]
async fn validation() {
    let br = start(BusinessRuConfig::default()).await;
    let t = token(&br).await;
    let ok = envelope(&t, "v-1", "10");
    let cases = [
        (ok.replace("\"nds_value\":20", "\"nds_value\":18"), 400),
        (ok.replace("\"count\":1", "\"count\":2"), 422),
        (
            ok.replace("\"payed_cashless\":10", "\"payed_cashless\":9"),
            422,
        ),
        (ok.replace("\"payment_mode\":4", "\"payment_mode\":9"), 400),
        (
            ok.replace("\"type\":\"printCheck\"", "\"type\":\"printBuy\""),
            400,
        ),
        (ok.replace("\"price\":10", "\"price\":10.001"), 400),
    ];
    for (body, status) in cases {
        let (s, v) = post(&br, &body, &body).await;
        assert_eq!(s, status, "{body}: {v}");
        assert!(v["error"]["text"].is_string(), "{v}");
    }
    assert!(br.journal().is_empty());
    // An expired token.
    br.expire_tokens();
    let (s, v) = post(&br, &ok, &ok).await;
    assert_eq!((s, v["error"]["code"].as_i64()), (401, Some(4)));
}

#[tokio::test]
async fn faults() {
    let br = start(BusinessRuConfig::default()).await;
    let t = token(&br).await;
    let body = envelope(&t, "f-1", "10");
    br.push_fault(Endpoint::Register, Fault::ResetAfterAccept);
    let r = http()
        .post(format!("{}Command", br.base_url_v1()))
        .header("sign", md5_hex(&body))
        .body(body.clone())
        .send()
        .await;
    assert!(r.is_err(), "connection closed unanswered");
    assert_eq!(br.journal().count("f-1"), 1, "but the command was queued");
    br.push_fault(
        Endpoint::Register,
        Fault::Unavailable {
            retry_after_secs: 2,
        },
    );
    let r = http()
        .post(format!("{}Command", br.base_url_v1()))
        .header("sign", md5_hex(&body))
        .body(body.clone())
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 503);
    assert_eq!(
        r.headers().get("retry-after").and_then(|v| v.to_str().ok()),
        Some("2")
    );
    br.push_fault(Endpoint::Register, Fault::kkt_error(134));
    let (s, v) = post(&br, &body, &body).await;
    assert_eq!(s, 200);
    let id = v["command_id"].to_string();
    let params = [
        ("app_id", TEST_APP_ID_V1),
        ("nonce", "n"),
        ("token", t.as_str()),
    ];
    let v = poll_until("the command processed", Duration::from_secs(5), || async {
        let (_, v) = get(&br, &format!("Command/{id}"), &params, None).await;
        (v["status"] != 0).then_some(v)
    })
    .await;
    assert_eq!(
        (v["status"].as_i64(), v["result"].as_i64()),
        (Some(3), Some(134)),
        "{v}"
    );
    assert!(v["fn_number"].is_null());
    assert_eq!(br.journal().fiscalised_count("f-1"), 1);
}
