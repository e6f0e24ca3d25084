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
