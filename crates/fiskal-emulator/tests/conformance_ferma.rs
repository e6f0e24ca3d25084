//! Conformance of the Ferma emulator with OFD.ru's Ferma API document (F1,
//! <https://ofd.ru/razrabotchikam/ferma>) and the request and answer shapes of its public
//! clients: every test here is a row of the Ferma table of docs/emulators.md. Bodies come from
//! `tests/fixtures/ferma/` (see its README).

use fiskal_emulator::ferma::{
    FermaConfig, FermaEmulator, FermaHandle, TEST_LOGIN_FFD_1_05, TEST_LOGIN_FFD_1_2,
    TEST_PASSWORD_FFD_1_05, TEST_PASSWORD_FFD_1_2,
};
use fiskal_emulator::{Endpoint, Fault};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/ferma/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("json")
}

async fn start() -> FermaHandle {
    FermaEmulator::start(FermaConfig::default().with_processing_delay(Duration::from_millis(60)))
        .await
        .expect("emulator")
}

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()
        .expect("client")
}

/// A POST with `Content-Type: application/json`: (HTTP status, body).
async fn post(url: String, body: &Value) -> (u16, Value) {
    let r = http()
        .post(url)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("send");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn token(f: &FermaHandle, login: &str, password: &str) -> String {
    let (status, v) = post(
        format!("{}/Authorization/CreateAuthToken", f.base_url()),
        &json!({"Login": login, "Password": password}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(v["Status"], "Success", "{v}");
    v["Data"]["AuthToken"].as_str().expect("token").to_owned()
}

async fn call(f: &FermaHandle, path: &str, token: &str, body: &Value) -> Value {
    let (status, v) = post(format!("{}/{path}?AuthToken={token}", f.base_url()), body).await;
    // F1 §1: whatever the outcome, HTTP 200.
    assert_eq!(status, 200, "{v}");
    v
}

fn error_code(v: &Value) -> i64 {
    assert_eq!(v["Status"], "Failed", "{v}");
    v["Error"]["Code"].as_i64().expect("code")
}

/// Polls `status` by `ReceiptId` until it leaves NEW / PROCESSED (3 s at most).
async fn settle(f: &FermaHandle, token: &str, receipt_id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let v = call(
            f,
            "kkt/cloud/status",
            token,
            &json!({"Request": {"ReceiptId": receipt_id}}),
        )
        .await;
        let code = v["Data"]["StatusCode"].as_i64().expect("StatusCode");
        if code >= 2 || Instant::now() > deadline {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// F1 §2: `CreateAuthToken` answers `AuthToken` (32 hex digits, as the document's sample) and
/// `ExpirationDateUtc` (`YYYY-MM-DDTHH:MM:SS`, no offset); wrong credentials are `Failed`.
#[tokio::test]
async fn token_shape_and_refused_credentials() {
    let f = start().await;
    let (status, v) = post(
        format!("{}/Authorization/CreateAuthToken", f.base_url()),
        &json!({"Login": TEST_LOGIN_FFD_1_2, "Password": TEST_PASSWORD_FFD_1_2}),
    )
    .await;
    assert_eq!(status, 200);
    let t = v["Data"]["AuthToken"].as_str().expect("token");
    assert!(
        t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit()),
        "{t}"
    );
    let exp = v["Data"]["ExpirationDateUtc"].as_str().expect("expiry");
    assert_eq!(exp.len(), 19, "{exp}");
    assert!(
        exp.parse::<fiskal_ffd::datetime::LocalDateTime>().is_ok(),
        "{exp}"
    );
    let (status, v) = post(
        format!("{}/Authorization/CreateAuthToken", f.base_url()),
        &json!({"Login": TEST_LOGIN_FFD_1_2, "Password": "nope"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_ne!(error_code(&v), 0);
}

/// F1 §1: `Content-Type: application/json` is required; the refusal is an envelope too.
#[tokio::test]
async fn content_type_is_required() {
    let f = start().await;
    let r = http()
        .post(format!("{}/Authorization/CreateAuthToken", f.base_url()))
        .body(json!({"Login": TEST_LOGIN_FFD_1_2, "Password": TEST_PASSWORD_FFD_1_2}).to_string())
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["Status"], "Failed");
}

/// A receipt as a client builds it (test INN `0123456789`): `ReceiptId` (a GUID), then NEW /
/// PROCESSED, then CONFIRMED with the register's data in the captured answer's shape.
#[tokio::test]
async fn receipt_then_status_by_receipt_id_and_by_invoice_id() {
    let f = start().await;
    let t = token(&f, TEST_LOGIN_FFD_1_2, TEST_PASSWORD_FFD_1_2).await;
    let v = call(&f, "kkt/cloud/receipt", &t, &fixture("income_ffd12.json")).await;
    assert_eq!(v["Status"], "Success", "{v}");
    let id = v["Data"]["ReceiptId"]
        .as_str()
        .expect("ReceiptId")
        .to_owned();
    assert_eq!(id.len(), 36);
    let first = call(
        &f,
        "kkt/cloud/status",
        &t,
        &json!({"Request": {"ReceiptId": id}}),
    )
    .await;
    assert!(
        matches!(first["Data"]["StatusCode"].as_i64(), Some(0 | 1)),
        "{first}"
    );
    let done = settle(&f, &t, &id).await;
    let d = &done["Data"];
    assert_eq!(d["StatusCode"], 2, "{done}");
    assert_eq!(d["StatusName"], "CONFIRMED");
    assert!(
        d["Device"]["FDN"].is_string() && d["Device"]["FPD"].is_string(),
        "{done}"
    );
    assert_eq!(d["Device"]["FN"].as_str().map(str::len), Some(16));
    assert!(d["ReceiptDateTimeIso"]
        .as_str()
        .is_some_and(|s| s.ends_with("+03:00[Europe/Moscow]")));
    let url = d["Device"]["OfdReceiptUrl"].as_str().expect("url");
    assert!(url.starts_with("https://check-demo.ofd.ru/rec/"), "{url}");
    let entry = f.journal().by_uuid(&id).expect("journaled");
    assert_eq!(entry.fiscal().expect("done").total_kopecks, 120_000);
    // By InvoiceId: the same receipt.
    let by_invoice = call(
        &f,
        "kkt/cloud/status",
        &t,
        &json!({"Request": {"InvoiceId": "order-1001-sale-1"}}),
    )
    .await;
    assert_eq!(by_invoice["Data"]["ReceiptId"], id.as_str());
    // Unknown: an error envelope.
    let unknown = call(
        &f,
        "kkt/cloud/status",
        &t,
        &json!({"Request": {"InvoiceId": "never"}}),
    )
    .await;
    assert_eq!(error_code(&unknown), 1010);
}

/// F2 (quoting F1): `InvoiceId` prevents duplicates — a repeat is refused with 1019 (the code
/// a public PHP client decodes as «Идентификатор счета … уже существует»), never a second
/// receipt.
#[tokio::test]
async fn a_repeated_invoice_id_is_refused_1019() {
    let f = start().await;
    let t = token(&f, TEST_LOGIN_FFD_1_2, TEST_PASSWORD_FFD_1_2).await;
    let body = fixture("income_ffd12.json");
    assert_eq!(
        call(&f, "kkt/cloud/receipt", &t, &body).await["Status"],
        "Success"
    );
    let again = call(&f, "kkt/cloud/receipt", &t, &body).await;
    assert_eq!(error_code(&again), 1019);
    assert_eq!(f.journal().count("order-1001-sale-1"), 1);
}

/// F2: `Price × Quantity` must equal `Amount`; the refusal names the field.
#[tokio::test]
async fn amount_must_be_price_times_quantity() {
    let f = start().await;
    let t = token(&f, TEST_LOGIN_FFD_1_2, TEST_PASSWORD_FFD_1_2).await;
    let mut body = fixture("income_ffd12.json");
    body["Request"]["CustomerReceipt"]["Items"][0]["Amount"] = json!(899.99);
    let v = call(&f, "kkt/cloud/receipt", &t, &body).await;
    error_code(&v);
    let msg = v["Error"]["Message"].as_str().expect("message");
    assert!(
        msg.contains("Request.CustomerReceipt.Items[0].Amount"),
        "{msg}"
    );
    assert!(f.journal().is_empty());
}

/// inf: Σ `PaymentItems.Sum` = Σ `Amount`; F3: `PaymentItems` may be `null`.
#[tokio::test]
async fn payments_must_add_up_and_may_be_null() {
    let f = start().await;
    let t = token(&f, TEST_LOGIN_FFD_1_2, TEST_PASSWORD_FFD_1_2).await;
    let mut body = fixture("income_ffd12.json");
    body["Request"]["CustomerReceipt"]["PaymentItems"][0]["Sum"] = json!(1100.00);
    let v = call(&f, "kkt/cloud/receipt", &t, &body).await;
    assert!(v["Error"]["Message"]
        .as_str()
        .is_some_and(|m| m.contains("PaymentItems")));
    let t1 = token(&f, TEST_LOGIN_FFD_1_05, TEST_PASSWORD_FFD_1_05).await;
    let v = call(
        &f,
        "kkt/cloud/receipt",
        &t1,
        &fixture("income_ffd11_null_payments.json"),
    )
    .await;
    assert_eq!(v["Status"], "Success", "{v}");
}

/// F2/F4: a correction needs `CorrectionInfo` (inside `CustomerReceipt`), `ReceiptDate`
/// `ДД.ММ.ГГГГ`; an ordinary receipt must not carry it.
#[tokio::test]
async fn corrections_carry_correction_info() {
    let f = start().await;
    let t = token(&f, TEST_LOGIN_FFD_1_2, TEST_PASSWORD_FFD_1_2).await;
    let body = fixture("correction_ffd12.json");
    assert_eq!(
        call(&f, "kkt/cloud/receipt", &t, &body).await["Status"],
        "Success"
    );
    let mut without = body.clone();
    without["Request"]["InvoiceId"] = json!("corr-2");
    without["Request"]["CustomerReceipt"]
        .as_object_mut()
        .expect("object")
        .remove("CorrectionInfo");
    let v = call(&f, "kkt/cloud/receipt", &t, &without).await;
    assert!(v["Error"]["Message"]
        .as_str()
        .is_some_and(|m| m.contains("CorrectionInfo")));
    let mut bad_date = body.clone();
    bad_date["Request"]["InvoiceId"] = json!("corr-3");
    bad_date["Request"]["CustomerReceipt"]["CorrectionInfo"]["ReceiptDate"] = json!("2019-08-15");
    let v = call(&f, "kkt/cloud/receipt", &t, &bad_date).await;
    assert!(v["Error"]["Message"]
        .as_str()
        .is_some_and(|m| m.contains("ReceiptDate")));
}

/// F2 (via F1): `MarkingCodeData`, `Measure` are ФФД 1.2 — refused by the 1.05/1.1 register.
#[tokio::test]
async fn ffd_1_2_requisites_need_a_1_2_register() {
    let f = start().await;
    let mut body = fixture("income_ffd12.json");
    body["Request"]["CustomerReceipt"]["Items"][0]["MarkingCodeData"] = json!({
        "Code": "010469025752852321G+mgsHw<DiLN_\u{1d}91EE05\u{1d}92Y4O/9CcUX4YrsehY0jUvHmlWpY5gQ2P8HzJ15ZtlzLU=",
        "PlannedStatus": "PIECE_PRODUCT_INCOME"
    });
    let t1 = token(&f, TEST_LOGIN_FFD_1_05, TEST_PASSWORD_FFD_1_05).await;
    let v = call(&f, "kkt/cloud/receipt", &t1, &body).await;
    let msg = v["Error"]["Message"].as_str().expect("message");
    assert!(
        msg.contains("MarkingCodeData") && msg.contains("Measure"),
        "{msg}"
    );
    let t2 = token(&f, TEST_LOGIN_FFD_1_2, TEST_PASSWORD_FFD_1_2).await;
    assert_eq!(
        call(&f, "kkt/cloud/receipt", &t2, &body).await["Status"],
        "Success"
    );
}

/// F1 §2: calls need a valid `AuthToken`; an expired or unknown one is an error envelope.
#[tokio::test]
async fn an_expired_token_is_refused() {
    let f = start().await;
    let t = token(&f, TEST_LOGIN_FFD_1_2, TEST_PASSWORD_FFD_1_2).await;
    f.expire_tokens();
    let v = call(&f, "kkt/cloud/receipt", &t, &fixture("income_ffd12.json")).await;
    assert_eq!(error_code(&v), 1001);
    let v = call(
        &f,
        "kkt/cloud/status",
        "",
        &json!({"Request": {"ReceiptId": "x"}}),
    )
    .await;
    assert_eq!(error_code(&v), 1001);
    assert!(f.journal().is_empty());
}

/// Faults: a register error ends the receipt `KKT_ERROR` (3) with a description; nothing is
/// fiscalised, and the `InvoiceId` stays taken (F2: re-issue under a new one).
#[tokio::test]
async fn a_register_error_is_kkt_error() {
    let f = start().await;
    let t = token(&f, TEST_LOGIN_FFD_1_2, TEST_PASSWORD_FFD_1_2).await;
    f.push_fault(Endpoint::Register, Fault::kkt_error(134));
    let body = fixture("income_ffd12.json");
    let v = call(&f, "kkt/cloud/receipt", &t, &body).await;
    let id = v["Data"]["ReceiptId"].as_str().expect("id").to_owned();
    let done = settle(&f, &t, &id).await;
    assert_eq!(done["Data"]["StatusCode"], 3, "{done}");
    assert_eq!(done["Data"]["StatusName"], "KKT_ERROR");
    assert!(done["Data"]["Description"]
        .as_str()
        .is_some_and(|d| d.contains("134")));
    assert_eq!(f.journal().fiscalised_count("order-1001-sale-1"), 0);
    assert_eq!(
        error_code(&call(&f, "kkt/cloud/receipt", &t, &body).await),
        1019
    );
}

/// F3 (capture): `list2` by `ReceiptId` echoes the request as `Receipt` with
/// `cashboxInfoHolder.totalSum` and the register's numbers as strings.
#[tokio::test]
async fn list2_echoes_the_receipt_with_its_total() {
    let f = start().await;
    let t = token(&f, TEST_LOGIN_FFD_1_2, TEST_PASSWORD_FFD_1_2).await;
    let v = call(&f, "kkt/cloud/receipt", &t, &fixture("income_ffd12.json")).await;
    let id = v["Data"]["ReceiptId"].as_str().expect("id").to_owned();
    settle(&f, &t, &id).await;
    let list = call(
        &f,
        "kkt/cloud/list2",
        &t,
        &json!({"Request": {"ReceiptId": id}}),
    )
    .await;
    let item = &list["Data"][0];
    assert_eq!(item["ReceiptId"], id.as_str(), "{list}");
    assert_eq!(item["InvoiceId"], "order-1001-sale-1");
    let holder = &item["Receipt"]["cashboxInfoHolder"];
    assert_eq!(holder["totalSum"].as_f64(), Some(1200.0));
    assert!(
        holder["FDN"].is_string() && holder["shiftNum"].is_string(),
        "{holder}"
    );
    assert_eq!(
        item["Receipt"]["CustomerReceipt"]["Items"][1]["Label"],
        "Доставка"
    );
}
