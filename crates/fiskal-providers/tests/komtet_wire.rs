//! Wire-exact tests of the KOMTET Kassa adapter against a scripted server answering with the
//! artefacts of `tests/fixtures/komtet/` (see its README): the signature vectors of the
//! official Python SDK, the exact bytes signed and sent, the task body, and every answer
//! mapped to its outcome.

use fiskal_providers::komtet::{signature, KomtetClient, KomtetConfig};
use fiskal_providers::{
    DocumentKind, Health, Outcome, Provider, ProviderError, RejectKind, Secret, StatusQuery,
    Submission,
};
use md5::{Digest, Md5};
use serde_json::Value;

// Only part of the shared scripted server is used here.
#[allow(dead_code)]
#[path = "support/scripted_server.rs"]
mod server;
use server::{expect, serve};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/komtet");
const SHOP: &str = "shop-id";
const SECRET: &str = "secret-key";
const QUEUE: &str = "5179";
const DOC_ID: &str = "order-1001/sell-1";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn receipt() -> fiskal_ffd::Receipt {
    fiskal_ffd::json::parse(&fixture("receipt_sell.json")).expect("receipt")
}

fn client(base: &str) -> KomtetClient {
    KomtetClient::new(KomtetConfig::new(base, SHOP, SECRET, QUEUE)).expect("client")
}

fn submission(r: &fiskal_ffd::Receipt) -> Submission<'_> {
    Submission {
        document_id: DOC_ID,
        receipt: r,
        callback_url: None,
        timestamp: "2026-03-02T10:15:00".parse().expect("time"),
    }
}

/// A second HMAC-MD5 (RFC 2104), written out here, independent of the adapter's.
fn hmac_md5(key: &[u8], msg: &[u8]) -> String {
    let mut k = [0u8; 64];
    k[..key.len()].copy_from_slice(key);
    let ipad: Vec<u8> = k
        .iter()
        .map(|b| b ^ 0x36)
        .chain(msg.iter().copied())
        .collect();
    let inner = Md5::digest(&ipad);
    let opad: Vec<u8> = k
        .iter()
        .map(|b| b ^ 0x5c)
        .chain(inner.iter().copied())
        .collect();
    hex::encode(Md5::digest(&opad))
}

#[test]
fn the_python_sdk_signature_vectors() {
    let f: Value = serde_json::from_str(&fixture("sdk_signatures.json")).expect("json");
    let secret = Secret::new(f["secret"].as_str().expect("secret"));
    let vectors = f["vectors"].as_array().expect("vectors");
    assert_eq!(vectors.len(), 5);
    for v in vectors {
        let s = |k: &str| v[k].as_str().expect(k);
        assert_eq!(
            signature(&secret, s("method"), s("url"), s("body").as_bytes()),
            s("signature"),
            "{v}"
        );
        assert_eq!(
            hmac_md5(
                b"secret-key",
                format!("{}{}{}", s("method"), s("url"), s("body")).as_bytes()
            ),
            s("signature")
        );
    }
}

#[tokio::test]
async fn the_wire_task_status_and_queue() {
    let script = vec![
        expect("POST", "").reply(200, &fixture("task_created.json")),
        expect("GET", "").reply(200, &fixture("task_done.json")),
        expect("GET", "").reply(200, &fixture("queue_active.json")),
    ];
    let (base, seen) = serve(script).await;
    let c = client(&base);
    let r = receipt();
    assert_eq!(
        c.submit(&submission(&r)).await,
        Ok(Outcome::Accepted {
            provider_id: "1".into(),
            duplicate: false
        })
    );
    let q = StatusQuery {
        provider_id: Some("234"),
        document_id: DOC_ID,
        kind: DocumentKind::Sell,
    };
    match c.status(&q).await {
        Ok(Outcome::Done {
            provider_id,
            fiscal,
        }) => {
            assert_eq!(provider_id, "234");
            assert_eq!(
                fiscal.qr_string(),
                "t=20260302T1015&s=5801.95&fn=9999078900001234&i=111&fp=555555555&n=1"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(c.health().await.is_ok());

    let seen = seen.lock().expect("seen").clone();
    assert_eq!(seen.len(), 3);
    let post = &seen[0];
    assert_eq!(post.method, "POST");
    assert_eq!(post.path, "/api/shop/v2/queues/5179/task");
    assert_eq!(post.header("authorization"), Some(SHOP));
    assert_eq!(post.header("content-type"), Some("application/json"));
    // Signed over the exact bytes that were sent.
    let url = format!("{base}/api/shop/v2/queues/5179/task");
    assert_eq!(
        post.header("x-hmac-signature"),
        Some(
            hmac_md5(
                SECRET.as_bytes(),
                format!("POST{url}{}", post.body).as_bytes()
            )
            .as_str()
        )
    );
    let sent: Value = serde_json::from_str(&post.body).expect("json body");
    let expected: Value = serde_json::from_str(&fixture("task_sell.json")).expect("fixture");
    assert_eq!(sent, expected, "{}", post.body);
    // Money and quantities as exact decimal text, never through f64.
    assert!(
        post.body
            .contains(r#""price":899,"quantity":0.347,"total":311.95"#),
        "{}",
        post.body
    );
    assert!(
        post.body.contains(r#"{"type":"cash","sum":801.95}"#),
        "{}",
        post.body
    );

    let get = &seen[1];
    assert_eq!(
        (get.method.as_str(), get.path.as_str()),
        ("GET", "/api/shop/v2/tasks/234")
    );
    let url = format!("{base}/api/shop/v2/tasks/234");
    assert_eq!(
        get.header("x-hmac-signature"),
        Some(hmac_md5(SECRET.as_bytes(), format!("GET{url}").as_bytes()).as_str())
    );
    assert_eq!(seen[2].path, "/api/shop/v2/queues/5179");
}

#[tokio::test]
async fn answers_and_their_outcomes() {
    let script = vec![
        expect("POST", "").reply(422, &fixture("vld11.json")),
        expect("POST", "").reply(
            422,
            r#"{"title":"Неверная сумма","code":"VLD05","description":"…"}"#,
        ),
        expect("POST", "").reply(
            403,
            r#"{"title":"Ошибка авторизации","code":"AUTH","description":"…"}"#,
        ),
        expect("POST", "").reply(404, "Not Found"),
        expect("POST", "").reply(500, r#"{"title":"Ошибка","code":"500","description":""}"#),
        expect("POST", "").header("Retry-After", "5").reply(503, "busy"),
        expect("POST", "").hang_up(),
        expect("GET", "").reply(200, &fixture("task_info_sdk.json")),
        expect("GET", "").reply(404, r#"{"title":"Задача не найдена"}"#),
        expect("GET", "").reply(
            200,
            r#"{"id":7,"external_id":"x","state":"error","error_description":"Нет бумаги","fiscal_data":null}"#,
        ),
        expect("GET", "").reply(502, "<html>bad gateway</html>"),
        expect("GET", "").reply(200, r#"{"id":1,"name":"Очередь 1","state":"passive"}"#),
    ];
    let (base, _) = serve(script).await;
    let c = client(&base);
    let r = receipt();
    let s = submission(&r);
    assert_eq!(
        c.submit(&s).await,
        Ok(Outcome::Accepted {
            provider_id: String::new(),
            duplicate: true
        })
    );
    let kind_code = |o: Outcome| match o {
        Outcome::Rejected { kind, code, .. } => (kind, code),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        kind_code(c.submit(&s).await.expect("sent")),
        (RejectKind::Validation, "VLD05".to_owned())
    );
    assert_eq!(
        kind_code(c.submit(&s).await.expect("sent")).0,
        RejectKind::Auth
    );
    assert_eq!(
        kind_code(c.submit(&s).await.expect("sent")).0,
        RejectKind::Configuration
    );
    assert!(matches!(c.submit(&s).await, Ok(Outcome::InDoubt { .. })));
    assert!(matches!(
        c.submit(&s).await,
        Ok(Outcome::RetryLater { after: Some(d), .. }) if d.as_secs() == 5
    ));
    assert!(matches!(c.submit(&s).await, Ok(Outcome::InDoubt { .. })));

    let q = StatusQuery {
        provider_id: Some("234"),
        document_id: DOC_ID,
        kind: DocumentKind::Sell,
    };
    // The SDK test's placeholder `t` is no date: the call failed, the document stays accepted.
    match c.status(&q).await {
        Ok(Outcome::RetryLater { code, .. }) => assert_eq!(code.as_deref(), Some("fiscal_data")),
        other => panic!("{other:?}"),
    }
    assert!(matches!(c.status(&q).await, Ok(Outcome::NotFound { .. })));
    match c.status(&q).await {
        Ok(Outcome::Rejected {
            kind: RejectKind::Register,
            message,
            ..
        }) => assert_eq!(message, "Нет бумаги"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(c.status(&q).await, Ok(Outcome::RetryLater { .. })));
    assert!(matches!(c.health().await, Health::Failed(_)));
}

#[test]
fn refusals_name_the_field() {
    let c = client("https://kassa.komtet.ru");
    let unsupported = |r: &fiskal_ffd::Receipt| match c.task_body(&submission(r)) {
        Err(ProviderError::Unsupported { provider, path, .. }) => {
            assert_eq!(provider, "komtet");
            path
        }
        other => panic!("{other:?}"),
    };
    let mut r = receipt();
    r.tax_system = None;
    assert_eq!(unsupported(&r), "tax_system");
    let mut r = receipt();
    r.company.payment_address = None;
    assert_eq!(unsupported(&r), "company.payment_address");
    let mut r = receipt();
    r.items[1].unit_vat = Some("1.00".parse().expect("money"));
    assert_eq!(unsupported(&r), "items[1].unit_vat");
    let text = fixture("receipt_sell.json").replace("\"ffd\": \"1.2\"", "\"ffd\": \"1.05\"");
    let r105: fiskal_ffd::Receipt = serde_json::from_str(&text).expect("1.05");
    let mut cfg = KomtetConfig::new("https://kassa.komtet.ru", SHOP, SECRET, QUEUE);
    cfg.validate_receipts = false;
    match KomtetClient::new(cfg)
        .expect("client")
        .task_body(&submission(&r105))
    {
        Err(ProviderError::Unsupported { path, .. }) => assert_eq!(path, "ffd"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn settings_errors_and_debug_never_show_the_secret() {
    let c = client("https://kassa.komtet.ru");
    assert!(!format!("{c:?}").contains(SECRET));
    let bad = KomtetClient::new(KomtetConfig::new(
        "https://kassa.komtet.ru/api/shop/v2",
        SHOP,
        SECRET,
        QUEUE,
    ));
    match bad {
        Err(ProviderError::Config { field, message }) => {
            assert_eq!(field, "base_url");
            assert!(!message.contains(SECRET));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_signed_callback_is_read_and_a_forged_one_refused() {
    let c = client("https://kassa.komtet.ru");
    let url = "https://shop.example.ru/komtet/callback";
    let body = fixture("task_done.json");
    let sig = hmac_md5(SECRET.as_bytes(), format!("POST{url}{body}").as_bytes());
    match c.callback(url, &sig, body.as_bytes()) {
        Ok((
            external_id,
            Outcome::Done {
                provider_id,
                fiscal,
            },
        )) => {
            assert_eq!(external_id, DOC_ID);
            assert_eq!(provider_id, "234");
            assert_eq!(fiscal.fd_number, 111);
        }
        other => panic!("{other:?}"),
    }
    let forged = body.replace("5801.95", "1.00");
    match c.callback(url, &sig, forged.as_bytes()) {
        Err(ProviderError::Malformed { message, .. }) => assert!(!message.contains(SECRET)),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_signed_url_is_the_one_sent_after_normalisation() {
    let script = vec![expect("GET", "").reply(200, &fixture("queue_active.json"))];
    let (base, seen) = serve(script).await;
    // `http://127.0.0.1:0PORT/`: the port's leading zero is gone from the URL that is sent,
    // and from the one that is signed.
    let padded = base.replace("127.0.0.1:", "127.0.0.1:0") + "/";
    let c = client(&padded);
    assert!(c.health().await.is_ok());
    let seen = seen.lock().expect("seen").clone();
    let url = format!("{base}/api/shop/v2/queues/5179");
    assert_eq!(
        seen[0].header("x-hmac-signature"),
        Some(hmac_md5(SECRET.as_bytes(), format!("GET{url}").as_bytes()).as_str())
    );
}

#[test]
fn base64_mark_values_when_configured() {
    let mut cfg = KomtetConfig::new("https://kassa.komtet.ru", SHOP, SECRET, QUEUE);
    cfg.mark_value = fiskal_providers::komtet::MarkValue::Base64;
    let c = KomtetClient::new(cfg).expect("client");
    let r = receipt();
    let body: Value =
        serde_json::from_str(&c.task_body(&submission(&r)).expect("body")).expect("json");
    use base64::Engine as _;
    let sent = body["positions"][2]["mark_code"]["gs1m"]
        .as_str()
        .expect("gs1m");
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(sent)
        .expect("base64");
    let expected: Value = serde_json::from_str(&fixture("task_sell.json")).expect("fixture");
    assert_eq!(
        String::from_utf8(decoded).expect("utf-8"),
        expected["positions"][2]["mark_code"]["gs1m"]
            .as_str()
            .expect("scan")
    );
}
