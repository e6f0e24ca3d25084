//! End to end: the Business.ru Open API adapter against `fiskal-emulator`'s Business.ru server
//! on loopback — token, sell, refund, status pending → done, a bad signature, token expiry,
//! an FFD-version mismatch, refusals, and the faults, asserting no receipt is fiscalised twice
//! and none is lost.

use fiskal_emulator::business_ru::{
    BusinessRuConfig as EmulatorConfig, BusinessRuEmulator, BusinessRuHandle, CNumFilter,
    TEST_APP_ID_V1, TEST_APP_ID_V2, TEST_SECRET,
};
use fiskal_emulator::{Endpoint, Fault};
use fiskal_providers::business_ru::{ApiVersion, BusinessRuClient, BusinessRuConfig};
use fiskal_providers::{
    DocumentKind, Health, Outcome, Provider, RejectKind, StatusQuery, Submission,
};
use std::time::Duration;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/business_ru");

async fn emulator() -> BusinessRuHandle {
    BusinessRuEmulator::start(
        EmulatorConfig::default().with_processing_delay(Duration::from_millis(200)),
    )
    .await
    .expect("emulator")
}

fn client_with(br: &BusinessRuHandle, app_id: &str, secret: &str) -> BusinessRuClient {
    let mut cfg = BusinessRuConfig::new(ApiVersion::V1, br.base_url_v1(), app_id, secret);
    cfg.http.timeout = Duration::from_secs(2);
    BusinessRuClient::new(cfg).expect("client")
}

fn client(br: &BusinessRuHandle) -> BusinessRuClient {
    client_with(br, TEST_APP_ID_V1, TEST_SECRET)
}

fn receipt(operation: &str) -> fiskal_ffd::Receipt {
    let text = std::fs::read_to_string(format!("{FIXTURES}/receipt_sell.json")).expect("fixture");
    let text = text.replace(
        "\"operation\": \"sell\"",
        &format!("\"operation\": \"{operation}\""),
    );
    fiskal_ffd::json::parse(&text).expect("receipt")
}

fn submission<'a>(id: &'a str, r: &'a fiskal_ffd::Receipt) -> Submission<'a> {
    Submission {
        document_id: id,
        receipt: r,
        callback_url: None,
        timestamp: "2026-03-02T10:15:00".parse().expect("time"),
    }
}

fn kind_of(r: &fiskal_ffd::Receipt) -> DocumentKind {
    DocumentKind::of(r).expect("kind")
}

async fn accepted(c: &BusinessRuClient, s: &Submission<'_>) -> String {
    match c.submit(s).await {
        Ok(Outcome::Accepted {
            provider_id,
            duplicate: false,
        }) => provider_id,
        other => panic!("submit gave {other:?}"),
    }
}

/// Polls until done; returns the final outcome.
async fn settle(c: &BusinessRuClient, q: &StatusQuery<'_>) -> Outcome {
    for _ in 0..60 {
        match c.status(q).await.expect("status") {
            Outcome::Pending { .. } | Outcome::Accepted { .. } => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            other => return other,
        }
    }
    panic!("never settled")
}

#[tokio::test]
async fn sell_and_refund_pending_then_done() {
    let br = emulator().await;
    let c = client(&br);
    for (op, id, n) in [
        ("sell", "e2e-sell-1", 1u8),
        ("sell_refund", "e2e-refund-1", 2),
    ] {
        let r = receipt(op);
        let s = submission(id, &r);
        let command_id = accepted(&c, &s).await;
        let q = StatusQuery {
            provider_id: Some(&command_id),
            document_id: id,
            kind: kind_of(&r),
        };
        assert_eq!(
            c.status(&q).await,
            Ok(Outcome::Pending {
                provider_id: command_id.clone()
            })
        );
        match settle(&c, &q).await {
            Outcome::Done {
                provider_id,
                fiscal,
            } => {
                assert_eq!(provider_id, command_id);
                assert_eq!(fiscal.total, r.total);
                assert_eq!(fiscal.fn_number.len(), 16);
                assert!(fiscal.receipt_url.is_some());
                assert!(
                    fiscal.qr_string().ends_with(&format!("&n={n}")),
                    "{}",
                    fiscal.qr_string()
                );
            }
            other => panic!("{op}: {other:?}"),
        }
        assert_eq!(br.journal().fiscalised_count(id), 1);
    }
    let ops: Vec<String> = br
        .journal()
        .entries()
        .into_iter()
        .map(|e| e.operation)
        .collect();
    assert_eq!(ops, ["printCheck", "printPurchaseReturn"]);
    assert_eq!(br.tokens_issued(), 1, "one token for everything");
    br.shutdown().await;
}

#[tokio::test]
async fn a_wrong_secret_is_an_auth_rejection() {
    let br = emulator().await;
    let c = client_with(&br, TEST_APP_ID_V1, "ffffffffffffffffffffffffffffffff");
    let r = receipt("sell");
    match c.submit(&submission("e2e-badsign", &r)).await {
        Ok(Outcome::Rejected {
            kind: RejectKind::Auth,
            code,
            message,
        }) => {
            assert_eq!(code, "3");
            assert!(message.contains("подпись"), "{message}");
            assert!(!message.contains("ffffffff"));
        }
        other => panic!("{other:?}"),
    }
    assert!(br.journal().is_empty());
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once() {
    let br = emulator().await;
    let c = client(&br);
    let r = receipt("sell");
    accepted(&c, &submission("e2e-tok-1", &r)).await;
    br.expire_tokens();
    // A clone shares the token cache.
    let c2 = c.clone();
    accepted(&c2, &submission("e2e-tok-2", &r)).await;
    assert_eq!(br.tokens_issued(), 2);
    assert_eq!(br.journal().len(), 2);
}

#[tokio::test]
async fn the_wrong_ffd_version_is_a_configuration_rejection() {
    let br = emulator().await;
    // The ФФД 1.2 account through the v1 URL.
    let c = client_with(&br, TEST_APP_ID_V2, TEST_SECRET);
    let r = receipt("sell");
    match c.submit(&submission("e2e-ffd", &r)).await {
        Ok(Outcome::Rejected { kind, code, .. }) => {
            assert_eq!((kind, code.as_str()), (RejectKind::Configuration, "1"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn refusals_by_the_service() {
    let br = emulator().await;
    // The full 1162 value (with 44 4D): the service would double the prefix; refused 422.
    let mut cfg = BusinessRuConfig::new(
        ApiVersion::V1,
        br.base_url_v1(),
        TEST_APP_ID_V1,
        TEST_SECRET,
    );
    cfg.mark_type_prefix = fiskal_marks::provider::TypePrefix::Included;
    let c = BusinessRuClient::new(cfg).expect("client");
    let r = receipt("sell");
    match c.submit(&submission("e2e-mark", &r)).await {
        Ok(Outcome::Rejected {
            kind: RejectKind::Validation,
            code,
            message,
        }) => {
            assert_eq!(code, "20");
            assert!(message.contains("44 4D"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // A register error after acceptance.
    let c = client(&br);
    br.push_fault(Endpoint::Register, Fault::QueueTimeout);
    let id = accepted(&c, &submission("e2e-queue", &r)).await;
    let q = StatusQuery {
        provider_id: Some(&id),
        document_id: "e2e-queue",
        kind: DocumentKind::Sell,
    };
    match settle(&c, &q).await {
        Outcome::Rejected {
            kind: RejectKind::Register,
            code,
            ..
        } => assert_eq!(code, "1"),
        other => panic!("{other:?}"),
    }
    assert_eq!(br.journal().fiscalised_count("e2e-queue"), 0);
    // An unknown command id: a lookup's error is no verdict on the command (the service gave
    // us this id): asked again, never a refusal of the receipt.
    let q = StatusQuery {
        provider_id: Some("999"),
        document_id: "x",
        kind: DocumentKind::Sell,
    };
    assert_eq!(c.status(&q).await.expect("status").code(), "retry_later");
    // An id that is not a number is still looked up (percent-encoded), not refused locally.
    let q = StatusQuery {
        provider_id: Some("9/9 9"),
        document_id: "x",
        kind: DocumentKind::Sell,
    };
    assert_eq!(c.status(&q).await.expect("status").code(), "retry_later");
}

#[tokio::test]
async fn reset_after_accept_is_in_doubt_and_resolved_by_lookup_without_a_second_receipt() {
    let br = emulator().await;
    let c = client(&br);
    let r = receipt("sell");
    let s = submission("e2e-doubt-1", &r);
    br.push_fault(Endpoint::Register, Fault::ResetAfterAccept);
    match c.submit(&s).await {
        Ok(Outcome::InDoubt { reason }) => assert!(reason.contains("idempotency"), "{reason}"),
        other => panic!("{other:?}"),
    }
    // The outbox resolves: status without a provider id looks the command up by c_num.
    let q = StatusQuery {
        provider_id: None,
        document_id: s.document_id,
        kind: DocumentKind::Sell,
    };
    let found = c.status(&q).await.expect("status");
    assert!(found.is_at_provider(), "{found:?}");
    assert!(matches!(settle(&c, &q).await, Outcome::Done { .. }));
    assert_eq!(br.journal().count("e2e-doubt-1"), 1);
    assert_eq!(br.journal().fiscalised_count("e2e-doubt-1"), 1);
}

#[tokio::test]
async fn reset_before_accept_is_in_doubt_then_not_found_then_resent_once() {
    let br = emulator().await;
    let c = client(&br);
    let r = receipt("sell");
    let s = submission("e2e-doubt-2", &r);
    br.push_fault(Endpoint::Register, Fault::ResetBeforeAccept);
    assert_eq!(c.submit(&s).await.expect("submit").code(), "in_doubt");
    let q = StatusQuery {
        provider_id: None,
        document_id: s.document_id,
        kind: DocumentKind::Sell,
    };
    match c.status(&q).await {
        Ok(Outcome::NotFound { message }) => {
            assert!(message.contains("was not taken"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    let id = accepted(&c, &s).await;
    let q = StatusQuery {
        provider_id: Some(&id),
        document_id: s.document_id,
        kind: DocumentKind::Sell,
    };
    assert!(matches!(settle(&c, &q).await, Outcome::Done { .. }));
    assert_eq!(br.journal().fiscalised_count("e2e-doubt-2"), 1);
}

#[tokio::test]
async fn transient_faults() {
    let br = emulator().await;
    let c = client(&br);
    let r = receipt("sell");
    let s = submission("e2e-503", &r);
    br.push_fault(
        Endpoint::Register,
        Fault::Unavailable {
            retry_after_secs: 3,
        },
    );
    match c.submit(&s).await {
        Ok(Outcome::RetryLater { after, .. }) => assert_eq!(after, Some(Duration::from_secs(3))),
        other => panic!("{other:?}"),
    }
    assert!(br.journal().is_empty());
    br.push_fault(Endpoint::Register, Fault::ServerError(500));
    assert_eq!(c.submit(&s).await.expect("submit").code(), "in_doubt");
    // A slow answer beyond the client's timeout: in doubt, and the command is there.
    br.push_fault(Endpoint::Register, Fault::Delay(Duration::from_secs(3)));
    assert_eq!(c.submit(&s).await.expect("submit").code(), "in_doubt");
    let q = StatusQuery {
        provider_id: None,
        document_id: s.document_id,
        kind: DocumentKind::Sell,
    };
    assert!(c.status(&q).await.expect("status").is_at_provider());
    // Lookups that fail are only retries.
    br.push_fault(Endpoint::Report, Fault::ServerError(502));
    assert_eq!(c.status(&q).await.expect("status").code(), "retry_later");
    br.push_fault(Endpoint::Token, Fault::ServerError(500));
    br.expire_tokens();
    assert_eq!(c.status(&q).await.expect("status").code(), "retry_later");
    assert!(matches!(settle(&c, &q).await, Outcome::Done { .. }));
    assert_eq!(br.journal().fiscalised_count("e2e-503"), 1);
}

#[tokio::test]
async fn ffd_1_2_through_open_api_v2() {
    let br = emulator().await;
    let cfg = BusinessRuConfig::new(
        ApiVersion::V2,
        br.base_url_v2(),
        TEST_APP_ID_V2,
        TEST_SECRET,
    );
    let c = BusinessRuClient::new(cfg).expect("client");
    let text = r#"{
      "version": 1, "ffd": "1.2", "operation": "sell", "tax_system": "osn",
      "company": { "inn": "5544332219", "payment_place": "https://shop.example.ru/", "payment_address": "https://shop.example.ru/" },
      "cashier": { "name": "Петрова А.А." },
      "client": { "contact": "+79990000001" },
      "items": [ { "name": "Услуга", "price": "1500.00", "quantity": "1", "sum": "1500.00",
                   "measure": "piece", "vat": "vat20", "payment_method": "full_payment",
                   "payment_subject": "service" } ],
      "payments": { "electronic": "1500.00" },
      "total": "1500.00"
    }"#;
    let r = fiskal_ffd::json::parse(text).expect("receipt");
    let s = submission("e2e-v2-1", &r);
    let id = accepted(&c, &s).await;
    let q = StatusQuery {
        provider_id: Some(&id),
        document_id: s.document_id,
        kind: DocumentKind::Sell,
    };
    match settle(&c, &q).await {
        Outcome::Done { fiscal, .. } => assert_eq!(fiscal.total, r.total),
        other => panic!("{other:?}"),
    }
    // A ФФД 1.05 receipt is refused locally by the v2 client; a kilogram measure has no field.
    let old = receipt("sell");
    assert_eq!(
        c.submit(&submission("e2e-v2-2", &old))
            .await
            .map_err(|e| e.code()),
        Err("unsupported")
    );
    let kg = fiskal_ffd::json::parse(&text.replace("\"piece\"", "\"kilogram\"")).expect("receipt");
    assert_eq!(
        c.submit(&submission("e2e-v2-3", &kg))
            .await
            .map_err(|e| e.code()),
        Err("unsupported")
    );
    assert_eq!(br.journal().len(), 1);
}

/// An emulator whose command list has `page_size` records a page and ignores `c_num` (the
/// service's own matching is not documented): the client must walk the pages.
async fn paged_emulator(page_size: usize) -> BusinessRuHandle {
    BusinessRuEmulator::start(
        EmulatorConfig::default()
            .with_processing_delay(Duration::from_millis(100))
            .with_list(page_size, CNumFilter::Ignored),
    )
    .await
    .expect("emulator")
}

/// `n` other receipts, accepted.
async fn fill(c: &BusinessRuClient, prefix: &str, n: usize) {
    let r = receipt("sell");
    for i in 0..n {
        let id = format!("{prefix}-{i}");
        accepted(c, &submission(&id, &r)).await;
    }
}

fn lookup(document_id: &str) -> StatusQuery<'_> {
    StatusQuery {
        provider_id: None,
        document_id,
        kind: DocumentKind::Sell,
    }
}

#[tokio::test]
async fn the_in_doubt_lookup_walks_the_pages_to_a_match_on_page_3() {
    let br = paged_emulator(5).await;
    let c = client(&br);
    fill(&c, "before", 10).await;
    let r = receipt("sell");
    let s = submission("e2e-page-3", &r);
    br.push_fault(Endpoint::Register, Fault::ResetAfterAccept);
    assert_eq!(c.submit(&s).await.expect("submit").code(), "in_doubt");
    fill(&c, "after", 3).await;
    // The 11th command: page 3 of 5-record pages.
    let q = lookup(s.document_id);
    let provider_id = match c.status(&q).await.expect("status") {
        Outcome::Accepted {
            provider_id,
            duplicate: true,
        } => provider_id,
        Outcome::Done { provider_id, .. } => provider_id,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        br.journal().by_uuid(&provider_id).map(|e| e.external_id),
        Some(s.document_id.to_owned())
    );
    assert!(matches!(settle(&c, &q).await, Outcome::Done { .. }));
    assert_eq!(br.journal().count("e2e-page-3"), 1);
    assert_eq!(br.journal().fiscalised_count("e2e-page-3"), 1);
}

#[tokio::test]
async fn not_found_only_after_the_last_page() {
    let br = paged_emulator(3).await;
    let c = client(&br);
    fill(&c, "other", 7).await;
    let r = receipt("sell");
    let s = submission("e2e-never-taken", &r);
    br.push_fault(Endpoint::Register, Fault::ResetBeforeAccept);
    assert_eq!(c.submit(&s).await.expect("submit").code(), "in_doubt");
    match c.status(&lookup(s.document_id)).await {
        Ok(Outcome::NotFound { message }) => {
            assert!(message.contains("every page"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    // Pages of 3 over 7 commands: 1, 2, 3 hold them, 4 is empty — a limit of 3 pages cannot
    // see the end, so the same lookup is incomplete, never "not found".
    let mut cfg = BusinessRuConfig::new(
        ApiVersion::V1,
        br.base_url_v1(),
        TEST_APP_ID_V1,
        TEST_SECRET,
    );
    cfg.lookup_max_pages = 3;
    let short = BusinessRuClient::new(cfg).expect("client");
    match short.status(&lookup(s.document_id)).await {
        Ok(Outcome::RetryLater { message, .. }) => {
            assert!(message.contains("incomplete"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(br.journal().count("e2e-never-taken"), 0);
}

#[tokio::test]
async fn a_page_failing_mid_walk_keeps_the_entry_in_doubt() {
    let br = paged_emulator(5).await;
    let c = client(&br);
    fill(&c, "before", 10).await;
    let r = receipt("sell");
    // Taken, answer lost: the command is on page 3.
    let taken = submission("e2e-midwalk-taken", &r);
    br.push_fault(Endpoint::Register, Fault::ResetAfterAccept);
    assert_eq!(c.submit(&taken).await.expect("submit").code(), "in_doubt");
    // Not taken at all.
    let lost = submission("e2e-midwalk-lost", &r);
    br.push_fault(Endpoint::Register, Fault::ResetBeforeAccept);
    assert_eq!(c.submit(&lost).await.expect("submit").code(), "in_doubt");
    for s in [&taken, &lost] {
        // Page 1 answers, page 2 fails: the walk is incomplete.
        br.push_fault(Endpoint::Report, Fault::Pass);
        br.push_fault(Endpoint::Report, Fault::ServerError(500));
        match c.status(&lookup(s.document_id)).await {
            Ok(Outcome::RetryLater { message, .. }) => {
                assert!(
                    message.contains("incomplete"),
                    "{}: {message}",
                    s.document_id
                )
            }
            other => panic!("{}: {other:?}", s.document_id),
        }
    }
    // Nothing was sent again.
    assert_eq!(br.journal().count("e2e-midwalk-taken"), 1);
    assert_eq!(br.journal().count("e2e-midwalk-lost"), 0);
    // Once the pages answer, each lookup completes: found, and not found.
    assert!(c
        .status(&lookup(taken.document_id))
        .await
        .expect("status")
        .is_at_provider());
    assert_eq!(
        c.status(&lookup(lost.document_id))
            .await
            .expect("status")
            .code(),
        "not_found"
    );
    assert!(matches!(
        settle(&c, &lookup(taken.document_id)).await,
        Outcome::Done { .. }
    ));
    assert_eq!(br.journal().fiscalised_count("e2e-midwalk-taken"), 1);
}

#[tokio::test]
async fn health_is_state_system() {
    let br = emulator().await;
    assert!(client(&br).health().await.is_ok());
    match client_with(&br, TEST_APP_ID_V1, "wrong-secret-0123456789abcdef012")
        .health()
        .await
    {
        Health::Failed(o) => assert_eq!(rejected(*o), RejectKind::Auth),
        other => panic!("{other:?}"),
    }
    // A base URL with no Open API behind it.
    let base = br.base_url_v1().replace("/open-api/", "/nothing/");
    let cfg = BusinessRuConfig::new(ApiVersion::V1, base, TEST_APP_ID_V1, TEST_SECRET);
    match BusinessRuClient::new(cfg).expect("client").health().await {
        Health::Failed(o) => assert_eq!(rejected(*o), RejectKind::Configuration),
        other => panic!("{other:?}"),
    }
    // Through AnyProvider too.
    let any = fiskal_providers::AnyProvider::from(client(&br));
    assert!(any.health().await.is_ok());
    br.push_fault(Endpoint::Report, Fault::ServerError(502));
    assert_eq!(
        client(&br).health().await,
        Health::Failed(Box::new(Outcome::RetryLater {
            after: Some(Duration::from_secs(1)),
            code: Some("502".into()),
            message: "HTTP 502: <html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n".into(),
        }))
    );
}

fn rejected(o: Outcome) -> RejectKind {
    match o {
        Outcome::Rejected { kind, .. } => kind,
        other => panic!("{other:?}"),
    }
}
