//! Ferma on the wire, offline, against a scripted server: the exact requests (token body,
//! `?AuthToken=` query, `Content-Type`, the receipt body byte for byte against a fixture), and
//! canned answers shaped as Ferma's — the envelope read by body whatever the HTTP status (F1 §1:
//! the Russian text says always 200, the English one that a failure is not 200).

#[allow(dead_code)]
#[path = "support/scripted_server.rs"]
mod scripted_server;

use fiskal_ffd::FfdVersion;
use fiskal_providers::ferma::{FermaClient, FermaConfig};
use fiskal_providers::{DocumentKind, Outcome, Provider, RejectKind, StatusQuery, Submission};
use scripted_server::{expect, serve};
use std::time::Duration;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ferma");

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{name}")).expect("fixture")
}

fn receipt() -> fiskal_ffd::Receipt {
    fiskal_ffd::json::parse_and_validate(&fixture("receipt_sell_1_05.json")).expect("receipt")
}

fn client(base: &str) -> FermaClient {
    let mut cfg = FermaConfig::new(
        format!("{base}/api"),
        "fermatest1",
        "Hjsf3321klsadfAA",
        FfdVersion::V105,
    );
    cfg.http.timeout = Duration::from_secs(2);
    FermaClient::new(cfg).expect("client")
}

fn submission<'a>(r: &'a fiskal_ffd::Receipt) -> Submission<'a> {
    Submission {
        document_id: "order-1001-sell-1",
        receipt: r,
        callback_url: Some("https://shop.example.ru/ferma/callback?key=k1"),
        timestamp: "2026-03-02T10:15:00".parse().expect("time"),
    }
}

const TOKEN_OK: &str = r#"{"Status":"Success","Data":{"AuthToken":"f3accdfda7574736ba94a78d00e974f4","ExpirationDateUtc":"2099-01-24T14:44:21"}}"#;

/// The body is exactly the fixture (written by hand from the documented fields: money and
/// quantities as exact decimal numbers, the envelope `{"Request": …}`).
#[test]
fn the_receipt_body_is_exact() {
    let c = client("http://127.0.0.1:9");
    let r = receipt();
    let body = String::from_utf8(c.request_body(&submission(&r)).expect("body")).expect("utf-8");
    // Compared as text: parsing would turn `250.00` into `250.0`.
    assert_eq!(body, fixture("request_sell_1_05.json").trim_end());
    // The numbers keep their exact text.
    for n in [
        r#""Price":899.00"#,
        r#""Quantity":0.347"#,
        r#""Amount":311.95"#,
        r#""Sum":11.95"#,
    ] {
        assert!(body.contains(n), "{n} in {body}");
    }
}

#[tokio::test]
async fn token_then_receipt_with_the_token_in_the_query() {
    let (base, seen) = serve(vec![
        expect("POST", "/api/Authorization/CreateAuthToken").reply(200, TOKEN_OK),
        expect("POST", "/api/kkt/cloud/receipt").reply(
            200,
            r#"{"Status":"Success","Data":{"ReceiptId":"29bd861f-aa7a-4a63-8385-b82a02febe3e"}}"#,
        ),
    ])
    .await;
    let c = client(&base);
    let r = receipt();
    assert_eq!(
        c.submit(&submission(&r)).await.expect("submit"),
        Outcome::Accepted {
            provider_id: "29bd861f-aa7a-4a63-8385-b82a02febe3e".into(),
            duplicate: false
        }
    );
    let seen = seen.lock().expect("seen").clone();
    assert_eq!(
        seen[0].body,
        r#"{"Login":"fermatest1","Password":"Hjsf3321klsadfAA"}"#
    );
    assert_eq!(seen[0].header("content-type"), Some("application/json"));
    assert_eq!(
        seen[1].path,
        "/api/kkt/cloud/receipt?AuthToken=f3accdfda7574736ba94a78d00e974f4"
    );
    assert_eq!(seen[1].header("content-type"), Some("application/json"));
    let sent: serde_json::Value = serde_json::from_str(&seen[1].body).expect("json");
    assert_eq!(
        sent["Request"]["CallbackUrl"],
        "https://shop.example.ru/ferma/callback?key=k1"
    );
}

/// A `Failed` envelope decides whatever the HTTP status; a body that is no envelope falls back
/// to the status line.
#[tokio::test]
async fn the_body_decides_not_the_http_status() {
    let refused = r#"{"Status":"Failed","Error":{"Code":1004,"Message":"Неверный ИНН"}}"#;
    let (base, _) = serve(vec![
        expect("POST", "/api/Authorization/CreateAuthToken").reply(200, TOKEN_OK),
        expect("POST", "/api/kkt/cloud/receipt").reply(400, refused),
        expect("POST", "/api/kkt/cloud/receipt").reply(502, "<html>502 Bad Gateway</html>"),
        expect("POST", "/api/kkt/cloud/receipt")
            .reply(503, "<html>busy</html>")
            .header("Retry-After", "7"),
    ])
    .await;
    let c = client(&base);
    let r = receipt();
    let s = submission(&r);
    assert_eq!(
        c.submit(&s).await.expect("submit"),
        Outcome::Rejected {
            kind: RejectKind::Validation,
            code: "1004".into(),
            message: "Неверный ИНН".into()
        }
    );
    assert!(matches!(
        c.submit(&s).await.expect("submit"),
        Outcome::InDoubt { .. }
    ));
    assert!(matches!(
        c.submit(&s).await.expect("submit"),
        Outcome::RetryLater { after: Some(d), .. } if d == Duration::from_secs(7)
    ));
}

/// The captured status answer (F3) read field by field; the lookup by `InvoiceId` when the
/// `ReceiptId` is unknown; the registry's total (F3 `list2` capture) for a receipt this client
/// did not send.
#[tokio::test]
async fn the_captured_status_answer_is_done() {
    let (base, seen) = serve(vec![
        expect("POST", "/api/Authorization/CreateAuthToken").reply(200, TOKEN_OK),
        expect("POST", "/api/kkt/cloud/status").reply(200, &fixture("status_confirmed.json")),
        expect("POST", "/api/kkt/cloud/list2").reply(200, &fixture("list2_confirmed.json")),
    ])
    .await;
    let c = client(&base);
    let q = StatusQuery {
        provider_id: None,
        document_id: "wRcpt2S5B1UX3EHGGBIWMTN3CAZLLE3G1",
        kind: DocumentKind::Sell,
    };
    let Outcome::Done {
        provider_id,
        fiscal,
    } = c.status(&q).await.expect("status")
    else {
        panic!("not done")
    };
    assert_eq!(provider_id, "29bd861f-aa7a-4a63-8385-b82a02febe3e");
    assert_eq!(fiscal.fn_number, "9999078902009656");
    assert_eq!(fiscal.fd_number, 19158);
    assert_eq!(fiscal.fiscal_sign, 1_261_762_727);
    assert_eq!(fiscal.shift_number, Some(208));
    assert_eq!(fiscal.receipt_number, Some(152));
    assert_eq!(fiscal.kkt_reg_number.as_deref(), Some("0000000001015454"));
    assert_eq!(fiscal.kkt_serial_number.as_deref(), Some("9934666226"));
    assert_eq!(fiscal.date_time.to_string(), "2023-01-16T17:46:25");
    assert_eq!(fiscal.total.kopecks(), Ok(29_000));
    assert_eq!(
        fiscal.qr_string(),
        "t=20230116T1746&s=290.00&fn=9999078902009656&i=19158&fp=1261762727&n=1"
    );
    let seen = seen.lock().expect("seen").clone();
    assert_eq!(
        seen[1].body,
        r#"{"Request":{"InvoiceId":"wRcpt2S5B1UX3EHGGBIWMTN3CAZLLE3G1"}}"#
    );
    assert_eq!(
        seen[2].body,
        r#"{"Request":{"ReceiptId":"29bd861f-aa7a-4a63-8385-b82a02febe3e"}}"#
    );
}
