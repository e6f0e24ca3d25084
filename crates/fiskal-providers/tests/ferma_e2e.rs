//! End to end: the Ferma adapter against `fiskal-emulator`'s Ferma server on loopback —
//! token, ФФД 1.05 and 1.2 receipts, status pending → done, the duplicate `InvoiceId`, token
//! expiry, refusals, status failures that must not end a receipt, and the faults, asserting no
//! receipt is fiscalised twice and none is lost.

use fiskal_emulator::ferma::{
    FermaConfig as EmulatorConfig, FermaEmulator, FermaHandle, TEST_LOGIN_FFD_1_05,
    TEST_LOGIN_FFD_1_2, TEST_PASSWORD_FFD_1_05, TEST_PASSWORD_FFD_1_2,
};
use fiskal_emulator::{Endpoint, Fault};
use fiskal_ffd::FfdVersion;
use fiskal_providers::ferma::{FermaClient, FermaConfig};
use fiskal_providers::{
    AnyProvider, DocumentKind, Health, InDoubtResolution, Outcome, Provider, RejectKind,
    StatusQuery, Submission,
};
use std::time::Duration;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ferma");

async fn emulator() -> FermaHandle {
    FermaEmulator::start(
        EmulatorConfig::default().with_processing_delay(Duration::from_millis(200)),
    )
    .await
    .expect("emulator")
}

fn config(f: &FermaHandle, ffd: FfdVersion) -> FermaConfig {
    let (login, password) = match ffd {
        FfdVersion::V12 => (TEST_LOGIN_FFD_1_2, TEST_PASSWORD_FFD_1_2),
        _ => (TEST_LOGIN_FFD_1_05, TEST_PASSWORD_FFD_1_05),
    };
    let mut cfg = FermaConfig::new(f.base_url(), login, password, ffd);
    cfg.http.timeout = Duration::from_secs(2);
    cfg
}

fn client(f: &FermaHandle, ffd: FfdVersion) -> FermaClient {
    FermaClient::new(config(f, ffd)).expect("client")
}

fn receipt(name: &str) -> fiskal_ffd::Receipt {
    let text = std::fs::read_to_string(format!("{FIXTURES}/{name}")).expect("fixture");
    fiskal_ffd::json::parse_and_validate(&text).unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

fn submission<'a>(id: &'a str, r: &'a fiskal_ffd::Receipt) -> Submission<'a> {
    Submission {
        document_id: id,
        receipt: r,
        callback_url: None,
        timestamp: "2026-03-02T10:15:00".parse().expect("time"),
    }
}

fn query<'a>(provider_id: Option<&'a str>, id: &'a str) -> StatusQuery<'a> {
    StatusQuery {
        provider_id,
        document_id: id,
        kind: DocumentKind::Sell,
    }
}

/// Polls until the outcome is no longer accepted / pending.
async fn settle(c: &FermaClient, q: &StatusQuery<'_>) -> Outcome {
    for _ in 0..100 {
        match c.status(q).await.expect("status") {
            Outcome::Pending { .. } | Outcome::Accepted { .. } => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            other => return other,
        }
    }
    panic!("never settled")
}

async fn accepted(c: &FermaClient, s: &Submission<'_>) -> String {
    match c.submit(s).await {
        Ok(Outcome::Accepted {
            provider_id,
            duplicate: false,
        }) => provider_id,
        other => panic!("submit gave {other:?}"),
    }
}

#[tokio::test]
async fn a_1_05_sale_is_fiscalised_once_with_the_registers_data() {
    let f = emulator().await;
    let c = client(&f, FfdVersion::V105);
    let r = receipt("receipt_sell_1_05.json");
    let id = accepted(&c, &submission("order-1001-sell-1", &r)).await;
    // A GUID assigned by Ferma, not our id.
    assert_eq!(id.len(), 36, "{id}");
    let first = c
        .status(&query(Some(&id), "order-1001-sell-1"))
        .await
        .expect("status");
    assert!(matches!(first, Outcome::Pending { .. }), "{first:?}");
    let Outcome::Done {
        provider_id,
        fiscal,
    } = settle(&c, &query(Some(&id), "order-1001-sell-1")).await
    else {
        panic!("not done")
    };
    assert_eq!(provider_id, id);
    let entry = f.journal().by_uuid(&id).expect("journaled");
    let reg = entry.fiscal().expect("fiscalised");
    assert_eq!(fiscal.fn_number, reg.fn_number);
    assert_eq!(fiscal.fd_number, reg.fiscal_document_number);
    assert_eq!(fiscal.fiscal_sign, reg.fiscal_document_attribute);
    assert_eq!(fiscal.total.kopecks(), Ok(111_195));
    assert_eq!(fiscal.operation, fiskal_ffd::Operation::SELL);
    assert!(fiscal
        .receipt_url
        .as_deref()
        .is_some_and(|u| u.contains(&reg.fn_number)));
    assert_eq!(f.journal().fiscalised_count("order-1001-sell-1"), 1);
    // The body on the wire: envelope, InvoiceId, money as exact decimals.
    let body: serde_json::Value = serde_json::from_str(&entry.body).expect("json");
    assert_eq!(body["Request"]["InvoiceId"], "order-1001-sell-1");
    assert!(entry.body.contains(r#""Amount":311.95"#), "{}", entry.body);
    assert!(entry.body.contains(r#""Quantity":0.347"#), "{}", entry.body);
}

#[tokio::test]
async fn a_1_2_sale_carries_the_mark_as_scanned_and_its_planned_status() {
    let f = emulator().await;
    let c = client(&f, FfdVersion::V12);
    let r = receipt("receipt_sell_1_2.json");
    let id = accepted(&c, &submission("order-1002-sell-1", &r)).await;
    assert!(matches!(
        settle(&c, &query(Some(&id), "order-1002-sell-1")).await,
        Outcome::Done { .. }
    ));
    let body = f.journal().by_uuid(&id).expect("journaled").body;
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    let mark = &v["Request"]["CustomerReceipt"]["Items"][0]["MarkingCodeData"];
    assert_eq!(
        mark["Code"].as_str().expect("code"),
        "010469025752852321G+mgsHw<DiLN_\u{1d}91EE05\u{1d}92Y4O/9CcUX4YrsehY0jUvHmlWpY5gQ2P8HzJ15ZtlzLU="
    );
    assert_eq!(mark["PlannedStatus"], "PIECE_PRODUCT_INCOME");
    assert_eq!(v["Request"]["CustomerReceipt"]["Phone"], "+79991234567");
    assert_eq!(
        v["Request"]["CustomerReceipt"]["ClientInfo"]["Inn"],
        "7707083893"
    );
}

#[tokio::test]
async fn a_receipt_of_the_other_ffd_version_is_refused_before_sending() {
    let f = emulator().await;
    let c = client(&f, FfdVersion::V105);
    let r = receipt("receipt_sell_1_2.json");
    match c.submit(&submission("x-1", &r)).await {
        Err(fiskal_providers::ProviderError::Unsupported { path, .. }) => assert_eq!(path, "ffd"),
        other => panic!("{other:?}"),
    }
    assert!(f.journal().is_empty());
}

#[tokio::test]
async fn a_repeated_invoice_id_is_the_same_receipt_never_a_second_one() {
    let f = emulator().await;
    let c = client(&f, FfdVersion::V105);
    let r = receipt("receipt_sell_1_05.json");
    let s = submission("order-1003-sell-1", &r);
    let id = accepted(&c, &s).await;
    match c.submit(&s).await.expect("submit") {
        Outcome::Accepted {
            provider_id,
            duplicate: true,
        } => assert_eq!(provider_id, id),
        other => panic!("{other:?}"),
    }
    // Another client (a restart) that never saw the ReceiptId finds it by InvoiceId, and the
    // total the status answer lacks in the registry (list2).
    let other = client(&f, FfdVersion::V105);
    let _ = settle(&c, &query(Some(&id), "order-1003-sell-1")).await;
    f.push_fault(Endpoint::Report, Fault::Pass);
    f.push_fault(Endpoint::Report, Fault::ServerError(500));
    match other
        .status(&query(None, "order-1003-sell-1"))
        .await
        .expect("status")
    {
        // The registry failed: confirmed, but no total to report, so no `Done`.
        Outcome::RetryLater { code, message, .. } => {
            assert_eq!(code.as_deref(), Some("CONFIRMED"));
            assert!(message.contains(&id), "{message}");
        }
        o => panic!("{o:?}"),
    }
    match other
        .status(&query(None, "order-1003-sell-1"))
        .await
        .expect("status")
    {
        Outcome::Done {
            provider_id,
            fiscal,
        } => {
            assert_eq!(provider_id, id);
            assert_eq!(fiscal.total, r.total);
        }
        o => panic!("{o:?}"),
    }
    assert_eq!(f.journal().count("order-1003-sell-1"), 1);
    assert_eq!(f.journal().fiscalised_count("order-1003-sell-1"), 1);
}

#[tokio::test]
async fn an_expired_token_is_replaced_and_the_request_sent_once_more() {
    let f = emulator().await;
    let c = client(&f, FfdVersion::V105);
    let r = receipt("receipt_sell_1_05.json");
    accepted(&c, &submission("order-1004-sell-1", &r)).await;
    assert_eq!(f.tokens_issued(), 1);
    f.expire_tokens();
    let id = accepted(&c, &submission("order-1004-sell-2", &r)).await;
    assert_eq!(f.tokens_issued(), 2);
    assert!(matches!(
        settle(&c, &query(Some(&id), "order-1004-sell-2")).await,
        Outcome::Done { .. }
    ));
    // A token close to its expiry is renewed before use.
    let short = FermaEmulator::start(
        EmulatorConfig::default().with_token_lifetime(Duration::from_secs(30)),
    )
    .await
    .expect("emulator");
    let c = client(&short, FfdVersion::V105); // margin 60 s > lifetime 30 s
    accepted(&c, &submission("t-1", &r)).await;
    accepted(&c, &submission("t-2", &r)).await;
    assert_eq!(short.tokens_issued(), 2);
}

#[tokio::test]
async fn a_refusal_by_ferma_is_a_validation_rejection_even_after_a_new_token() {
    let f = emulator().await;
    // The ФФД 1.05 account's register gets a ФФД 1.2 receipt (with Measure and a mark): Ferma
    // refuses it; the adapter is told the account is 1.2, so it sends it.
    let mut cfg = config(&f, FfdVersion::V105);
    cfg.ffd = FfdVersion::V12;
    let c = FermaClient::new(cfg).expect("client");
    // First a cached token: the refusal is then retried once with a new one.
    let ok = receipt("receipt_sell_1_2.json");
    let _ = c.health().await;
    assert_eq!(f.tokens_issued(), 1);
    match c.submit(&submission("bad-1", &ok)).await.expect("submit") {
        Outcome::Rejected {
            kind: RejectKind::Validation,
            code,
            message,
        } => {
            assert_eq!(code, "1000");
            assert!(message.contains("Measure"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(f.tokens_issued(), 2);
    assert!(f.journal().is_empty());
}

#[tokio::test]
async fn a_lost_answer_is_settled_by_sending_the_same_invoice_id() {
    let f = emulator().await;
    let c = client(&f, FfdVersion::V105);
    assert_eq!(c.in_doubt_resolution(), InDoubtResolution::ResendSameId);
    let r = receipt("receipt_sell_1_05.json");
    let s = submission("order-1005-sell-1", &r);
    f.push_fault(Endpoint::Register, Fault::ResetAfterAccept);
    assert!(matches!(
        c.submit(&s).await.expect("submit"),
        Outcome::InDoubt { .. }
    ));
    let id = match c.submit(&s).await.expect("resend") {
        Outcome::Accepted {
            provider_id,
            duplicate: true,
        } => provider_id,
        other => panic!("{other:?}"),
    };
    assert!(matches!(
        settle(&c, &query(Some(&id), "order-1005-sell-1")).await,
        Outcome::Done { .. }
    ));
    assert_eq!(f.journal().count("order-1005-sell-1"), 1);
    assert_eq!(f.journal().fiscalised_count("order-1005-sell-1"), 1);
}

#[tokio::test]
async fn faults_before_acceptance_are_retries_and_server_errors_in_doubt() {
    let f = emulator().await;
    let c = client(&f, FfdVersion::V105);
    let r = receipt("receipt_sell_1_05.json");
    let s = submission("order-1006-sell-1", &r);
    f.push_fault(
        Endpoint::Register,
        Fault::Unavailable {
            retry_after_secs: 2,
        },
    );
    match c.submit(&s).await.expect("submit") {
        Outcome::RetryLater { after, .. } => assert_eq!(after, Some(Duration::from_secs(2))),
        other => panic!("{other:?}"),
    }
    f.push_fault(Endpoint::Register, Fault::ServerError(500));
    assert!(matches!(
        c.submit(&s).await.expect("submit"),
        Outcome::InDoubt { .. }
    ));
    f.push_fault(Endpoint::Register, Fault::ResetBeforeAccept);
    assert!(matches!(
        c.submit(&s).await.expect("submit"),
        Outcome::InDoubt { .. }
    ));
    assert!(f.journal().is_empty());
    accepted(&c, &s).await;
    assert_eq!(f.journal().count("order-1006-sell-1"), 1);
}

#[tokio::test]
async fn a_slow_answer_is_in_doubt_and_never_shows_the_token() {
    let f = emulator().await;
    let mut cfg = config(&f, FfdVersion::V105);
    cfg.http.timeout = Duration::from_millis(300);
    let c = FermaClient::new(cfg).expect("client");
    let r = receipt("receipt_sell_1_05.json");
    f.push_fault(Endpoint::Register, Fault::Delay(Duration::from_secs(2)));
    match c.submit(&submission("slow-1", &r)).await.expect("submit") {
        Outcome::InDoubt { reason } => {
            assert!(!reason.contains("AuthToken"), "{reason}");
            assert!(!reason.contains("http://"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_register_error_ends_the_receipt_as_a_register_refusal() {
    let f = emulator().await;
    let c = client(&f, FfdVersion::V105);
    let r = receipt("receipt_sell_1_05.json");
    f.push_fault(Endpoint::Register, Fault::kkt_error(134));
    let id = accepted(&c, &submission("order-1007-sell-1", &r)).await;
    match settle(&c, &query(Some(&id), "order-1007-sell-1")).await {
        Outcome::Rejected {
            kind: RejectKind::Register,
            code,
            ..
        } => assert_eq!(code, "KKT_ERROR"),
        other => panic!("{other:?}"),
    }
    assert_eq!(f.journal().fiscalised_count("order-1007-sell-1"), 0);
    // The same InvoiceId cannot re-issue it: the resend reports the register's refusal.
    assert!(matches!(
        c.submit(&submission("order-1007-sell-1", &r))
            .await
            .expect("resend"),
        Outcome::Rejected {
            kind: RejectKind::Register,
            ..
        }
    ));
}

#[tokio::test]
async fn a_failed_status_call_never_ends_a_receipt() {
    let f = emulator().await;
    let c = client(&f, FfdVersion::V105);
    // An unknown ReceiptId: Ferma's error, not a verdict on any receipt.
    assert!(matches!(
        c.status(&query(Some("00000000-0000-4000-8000-000000000000"), "x"))
            .await
            .expect("status"),
        Outcome::RetryLater { .. }
    ));
    f.push_fault(Endpoint::Report, Fault::ServerError(502));
    assert!(matches!(
        c.status(&query(Some("abc"), "x")).await.expect("status"),
        Outcome::RetryLater { .. }
    ));
    // With the not-found code configured, a lookup by InvoiceId says "never taken".
    let mut cfg = config(&f, FfdVersion::V105);
    cfg.not_found_codes = vec![1010];
    let c = FermaClient::new(cfg).expect("client");
    let before = f.tokens_issued();
    for _ in 0..2 {
        assert!(matches!(
            c.status(&query(None, "never-sent")).await.expect("status"),
            Outcome::NotFound { .. }
        ));
    }
    // "No such receipt" is not taken for a token problem: one token for both calls.
    assert_eq!(f.tokens_issued(), before + 1);
}

#[tokio::test]
async fn health_is_a_token_request() {
    let f = emulator().await;
    assert!(client(&f, FfdVersion::V12).health().await.is_ok());
    let c = FermaClient::new(FermaConfig::new(
        f.base_url(),
        TEST_LOGIN_FFD_1_2,
        "wrong-password",
        FfdVersion::V12,
    ))
    .expect("client");
    match c.health().await {
        Health::Failed(o) => assert!(
            matches!(
                *o,
                Outcome::Rejected {
                    kind: RejectKind::Auth,
                    ..
                }
            ),
            "{o:?}"
        ),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn settings_json_builds_the_ferma_client() {
    let f = emulator().await;
    let json = format!(
        r#"{{"provider": "ferma", "base_url": "{}", "login": "{TEST_LOGIN_FFD_1_05}",
            "password": "{TEST_PASSWORD_FFD_1_05}", "ffd": "1.05",
            "in_doubt": "look_up", "http": {{"timeout_ms": 2000}}}}"#,
        f.base_url()
    );
    let p = AnyProvider::from_json(&json).expect("settings");
    assert_eq!(p.name(), "ferma");
    assert_eq!(p.in_doubt_resolution(), InDoubtResolution::LookUp);
    assert!(!format!("{p:?}").contains(TEST_PASSWORD_FFD_1_05));
    let r = receipt("receipt_sell_1_05.json");
    let s = submission("order-1008-sell-1", &r);
    assert!(matches!(
        p.submit(&s).await.expect("submit"),
        Outcome::Accepted { .. }
    ));
    // An unknown key is refused, naming it.
    let bad = json.replace(r#""ffd": "1.05""#, r#""ffd": "1.05", "vat_22": true"#);
    match AnyProvider::from_json(&bad) {
        Err(fiskal_providers::ProviderError::Config { message, .. }) => {
            assert!(message.contains("vat_22"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}
