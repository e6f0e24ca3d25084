//! Wire-exact tests of the Business.ru Open API adapter: the `printCheck` body and `sign` for a
//! sample receipt against a hand-written fixture (`tests/fixtures/business_ru/`), and the
//! requests as a scripted HTTP server on 127.0.0.1 sees them (method, path, query, headers).
//!
//! The expected signatures were computed independently with Python's `hashlib.md5` over a
//! PHP-`json_encode`-compatible serialisation (top-level `ksort`, `\/`, raw UTF-8) of the
//! fixture, secret `0123456789abcdef0123456789abcdef`:
//!
//! * `print_check.json` → `419e92f68c995a3cebca60b457fabaee`
//! * `{"app_id":"7f3c2a10-0b7e-4c1f-9a55-fiskal000001","nonce":"nonce_1700000000123000"}`
//!   → `1e1ea081b4b58f95bb6db073acbaf083`

use fiskal_providers::business_ru::php_json::{self, Php, UnicodeEscaping};
use fiskal_providers::business_ru::{sign_params, ApiVersion, BusinessRuClient, BusinessRuConfig};
use fiskal_providers::{
    DocumentKind, Outcome, Provider, ProviderError, Secret, StatusQuery, Submission,
};

// Only part of the shared scripted server is used here.
#[allow(dead_code)]
#[path = "support/scripted_server.rs"]
mod server;
use server::{compact, expect, serve};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/business_ru");
const APP_ID: &str = "7f3c2a10-0b7e-4c1f-9a55-fiskal000001";
const SECRET: &str = "0123456789abcdef0123456789abcdef";
const TOKEN: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
const DOC_ID: &str = "order-1001/sell-1";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn receipt() -> fiskal_ffd::Receipt {
    fiskal_ffd::json::parse(&fixture("receipt_sell.json")).expect("receipt")
}

fn client(base: &str) -> BusinessRuClient {
    let cfg = BusinessRuConfig::new(ApiVersion::V1, base, APP_ID, SECRET);
    BusinessRuClient::new(cfg).expect("client")
}

fn submission(r: &fiskal_ffd::Receipt) -> Submission<'_> {
    Submission {
        document_id: DOC_ID,
        receipt: r,
        callback_url: None,
        timestamp: "2026-03-02T10:15:00".parse().expect("time"),
    }
}

#[test]
fn print_check_body_and_sign_match_the_fixture() {
    let c = client("https://check-dev.business.ru/open-api/v1/");
    let r = receipt();
    let (ty, command) = c.command(&submission(&r)).expect("command");
    assert_eq!(ty, "printCheck");
    let signed = c.command_request(ty, &command, "nonce_1700000000123000", &Secret::new(TOKEN));
    let want = compact(&fixture("print_check.json"));
    assert_eq!(signed.params_string, want, "exact bytes");
    assert_eq!(signed.sign, "419e92f68c995a3cebca60b457fabaee");
}

#[test]
fn token_params_sign() {
    let p = Php::Obj(vec![
        ("nonce".into(), Php::str("nonce_1700000000123000")),
        ("app_id".into(), Php::str(APP_ID)),
    ]);
    let s = sign_params(p, &Secret::new(SECRET), UnicodeEscaping::Raw);
    assert_eq!(s.sign, "1e1ea081b4b58f95bb6db073acbaf083");
    assert_eq!(s.sign, php_json::sign(&s.params_string, SECRET));
}

#[test]
fn refund_is_print_purchase_return_and_other_operations_are_unsupported() {
    let c = client("https://check-dev.business.ru/open-api/v1/");
    let text = fixture("receipt_sell.json");
    let refund = fiskal_ffd::json::parse(
        &text.replace("\"operation\": \"sell\"", "\"operation\": \"sell_refund\""),
    )
    .expect("refund");
    assert_eq!(
        c.command(&submission(&refund)).expect("refund").0,
        "printPurchaseReturn"
    );
    for op in ["buy", "buy_refund"] {
        let r = fiskal_ffd::json::parse(&text.replace(
            "\"operation\": \"sell\"",
            &format!("\"operation\": \"{op}\""),
        ))
        .expect("receipt");
        match c.command(&submission(&r)) {
            Err(ProviderError::Unsupported { path, message, .. }) => {
                assert_eq!(path, "operation");
                assert!(message.contains(op), "{message}");
            }
            other => panic!("{op}: {other:?}"),
        }
    }
    let calc = fiskal_ffd::json::parse(&text.replace("\"vat\": \"vat0\"", "\"vat\": \"vat120\""))
        .expect("receipt");
    assert!(matches!(
        c.command(&submission(&calc)),
        Err(ProviderError::Unsupported { .. })
    ));
}

#[tokio::test]
async fn the_wire_token_then_command_then_status() {
    let script = vec![
        expect("GET", "").reply(200, &format!(r#"{{"token":"{TOKEN}"}}"#)),
        expect("POST", "").reply(200, r#"{"command_id":100001}"#),
        expect("GET", "").reply(
            200,
            r#"{"id":100001,"status":0,"fn_number":null,"result":null}"#,
        ),
    ];
    let (base, seen) = serve(script).await;
    let c = client(&format!("{base}/open-api/v1/"));
    let r = receipt();
    let out = c.submit(&submission(&r)).await.expect("submit");
    assert_eq!(
        out,
        Outcome::Accepted {
            provider_id: "100001".into(),
            duplicate: false
        }
    );
    let q = StatusQuery {
        provider_id: Some("100001"),
        document_id: DOC_ID,
        kind: DocumentKind::Sell,
    };
    assert_eq!(
        c.status(&q).await,
        Ok(Outcome::Pending {
            provider_id: "100001".into()
        })
    );
    let seen = seen.lock().expect("seen").clone();
    assert_eq!(seen.len(), 3);

    // GET Token?app_id=…&nonce=…, sign over {"app_id","nonce"}.
    let t = &seen[0];
    assert_eq!(t.method, "GET");
    let (path, query) = t.path.split_once('?').expect("query");
    assert_eq!(path, "/open-api/v1/Token");
    let nonce = query
        .strip_prefix(&format!("app_id={APP_ID}&nonce="))
        .expect("app_id then nonce");
    assert!(nonce.starts_with("nonce_") && nonce.len() > 10, "{nonce}");
    let params = format!(r#"{{"app_id":"{APP_ID}","nonce":"{nonce}"}}"#);
    assert_eq!(
        t.header("sign"),
        Some(php_json::sign(&params, SECRET).as_str())
    );

    // POST Command: the body is the fixture (with this request's nonce) and is what was signed.
    let p = &seen[1];
    assert_eq!(
        (p.method.as_str(), p.path.as_str()),
        ("POST", "/open-api/v1/Command")
    );
    assert_eq!(p.header("content-type"), Some("application/json"));
    let sent_nonce = p
        .body
        .split("\"nonce\":\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("nonce");
    assert_ne!(sent_nonce, nonce, "a fresh nonce per request");
    let want = compact(&fixture("print_check.json")).replace("nonce_1700000000123000", sent_nonce);
    assert_eq!(p.body, want);
    assert_eq!(
        p.header("sign"),
        Some(php_json::sign(&want, SECRET).as_str())
    );

    // GET Command/100001?app_id&nonce&token.
    let s = &seen[2];
    let (path, query) = s.path.split_once('?').expect("query");
    assert_eq!(path, "/open-api/v1/Command/100001");
    let parts: Vec<&str> = query.split('&').collect();
    assert_eq!(parts.len(), 3);
    assert!(
        parts[0].starts_with("app_id=")
            && parts[1].starts_with("nonce=")
            && parts[2] == format!("token={TOKEN}")
    );
    let n = parts[1].trim_start_matches("nonce=");
    let params = format!(r#"{{"app_id":"{APP_ID}","nonce":"{n}","token":"{TOKEN}"}}"#);
    assert_eq!(
        s.header("sign"),
        Some(php_json::sign(&params, SECRET).as_str())
    );
}

#[tokio::test]
async fn errors_never_show_the_secret_or_the_token() {
    let script = vec![
        expect("GET", "").reply(200, &format!(r#"{{"token":"{TOKEN}"}}"#)),
        expect("POST", "").reply(
            422,
            r#"{"error":{"code":20,"text":"Сумма оплат не совпадает"}}"#,
        ),
        expect("POST", "").hang_up(),
    ];
    let (base, _) = serve(script).await;
    let c = client(&format!("{base}/open-api/v1/"));
    let r = receipt();
    for _ in 0..2 {
        let out = c.submit(&submission(&r)).await.expect("submit");
        let text = format!("{out:?} {c:?} {:?}", c.config());
        assert!(!text.contains(SECRET) && !text.contains(TOKEN), "{text}");
    }
}

/// Percent-decodes a query value (the client encodes all but RFC 3986 unreserved bytes).
fn unquote(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).expect("hex"));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("utf-8")
}

/// The in-doubt lookup on the wire: `GET Command` with `c_num`, `page` 1, 2, … and the date
/// window, every parameter signed; it reads pages until an empty one.
#[tokio::test]
async fn the_lookup_walks_pages_with_a_date_window_until_an_empty_page() {
    let other = r#"[{"id":7,"c_num":"someone-else"}]"#;
    let script = vec![
        expect("GET", "").reply(200, &format!(r#"{{"token":"{TOKEN}"}}"#)),
        expect("GET", "").reply(200, other),
        expect("GET", "").reply(200, r#"{"commands":[{"id":8,"c_num":"x"}],"page":2}"#),
        expect("GET", "").reply(200, "[]"),
    ];
    let (base, seen) = serve(script).await;
    let c = client(&format!("{base}/open-api/v1/"));
    let q = StatusQuery {
        provider_id: None,
        document_id: DOC_ID,
        kind: DocumentKind::Sell,
    };
    match c.status(&q).await {
        Ok(Outcome::NotFound { .. }) => {}
        other => panic!("{other:?}"),
    }
    let seen = seen.lock().expect("seen").clone();
    assert_eq!(seen.len(), 4);
    let window = c.lookup_window(DOC_ID).expect("window");
    for (i, s) in seen[1..].iter().enumerate() {
        let (path, query) = s.path.split_once('?').expect("query");
        assert_eq!(path, "/open-api/v1/Command");
        let params: Vec<(String, String)> = query
            .split('&')
            .map(|kv| {
                let (k, v) = kv.split_once('=').expect("k=v");
                (k.to_owned(), unquote(v))
            })
            .collect();
        let keys: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "app_id",
                "c_num",
                "filter_date_create_from",
                "filter_date_create_to",
                "nonce",
                "page",
                "token"
            ]
        );
        let get = |k: &str| {
            params
                .iter()
                .find(|(kk, _)| kk == k)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(get("c_num").as_deref(), Some(DOC_ID));
        assert_eq!(get("page"), Some((i + 1).to_string()));
        // Never sent by this client: the window reaches back by the lookback and a day.
        let (from, to) = (
            get("filter_date_create_from").expect("from"),
            get("filter_date_create_to").expect("to"),
        );
        assert_eq!((from.len(), to.len()), (19, 19), "{from} {to}");
        assert!(from < to, "{from} {to}");
        assert!(from <= window.0, "{from} {window:?}");
        assert!(to <= window.1, "{to} {window:?}");
        let signed = Php::Obj(
            params
                .iter()
                .map(|(k, v)| (k.clone(), Php::str(v.as_str())))
                .collect(),
        )
        .encode(UnicodeEscaping::Raw);
        assert_eq!(
            s.header("sign"),
            Some(php_json::sign(&signed, SECRET).as_str())
        );
    }
}

/// A service that ignores `page` (the same page again), or answers something that is not a
/// list: the lookup cannot be completed, so it is a retry — never "not found".
#[tokio::test]
async fn a_lookup_that_cannot_complete_is_never_not_found() {
    let page = r#"[{"id":7,"c_num":"someone-else"}]"#;
    for second in [page, r#"{"error":"no"}"#, "<html>"] {
        let script = vec![
            expect("GET", "").reply(200, &format!(r#"{{"token":"{TOKEN}"}}"#)),
            expect("GET", "").reply(200, page),
            expect("GET", "").reply(200, second),
        ];
        let (base, _) = serve(script).await;
        let c = client(&format!("{base}/open-api/v1/"));
        let q = StatusQuery {
            provider_id: None,
            document_id: DOC_ID,
            kind: DocumentKind::Sell,
        };
        match c.status(&q).await {
            Ok(Outcome::RetryLater { message, .. }) => {
                assert!(message.contains("incomplete"), "{second}: {message}")
            }
            other => panic!("{second}: {other:?}"),
        }
    }
}

/// The window starts a day before this client's first send of the document; for a document it
/// never sent (e.g. sent before a restart), the lookback (7 days) earlier.
#[tokio::test]
async fn the_lookup_window_starts_at_the_first_send() {
    let script = vec![
        expect("GET", "").reply(200, &format!(r#"{{"token":"{TOKEN}"}}"#)),
        expect("POST", "").reply(502, "<html>"),
    ];
    let (base, _) = serve(script).await;
    let c = client(&format!("{base}/open-api/v1/"));
    let before = c.lookup_window(DOC_ID).expect("window");
    let r = receipt();
    assert_eq!(
        c.submit(&submission(&r)).await.expect("submit").code(),
        "in_doubt"
    );
    let after = c.lookup_window(DOC_ID).expect("window");
    let secs = |t: &str| -> i64 {
        let t: fiskal_ffd::datetime::LocalDateTime = t.replace(' ', "T").parse().expect("time");
        i64::from(t.unix())
    };
    // Sent now: from a day before now to a day after (a few seconds of slack).
    let span = secs(&after.1) - secs(&after.0);
    assert!((2 * 86_400..2 * 86_400 + 5).contains(&span), "{after:?}");
    // Never sent: 7 days of lookback + a day, to a day after.
    let span = secs(&before.1) - secs(&before.0);
    assert!((9 * 86_400..9 * 86_400 + 5).contains(&span), "{before:?}");
    let mut cfg = BusinessRuConfig::new(
        ApiVersion::V1,
        format!("{base}/open-api/v1/"),
        APP_ID,
        SECRET,
    );
    cfg.lookup_date_filter = false;
    assert_eq!(
        BusinessRuClient::new(cfg)
            .expect("client")
            .lookup_window(DOC_ID),
        None
    );
}
