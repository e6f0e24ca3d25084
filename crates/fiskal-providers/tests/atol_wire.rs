//! Wire-exact tests of the ATOL adapter against a scripted HTTP server on 127.0.0.1.
//!
//! Each `atol_test!` states the exchanges in order: the request we must send (method, path,
//! the `Token` header, the JSON body compared with a fixture in `tests/fixtures/atol/`, both as
//! JSON values and as exact text, so `599.70` ≠ `599.7`), the canned reply, and the typed
//! [`Outcome`] expected at the end. Nothing needs the network.

use fiskal_providers::atol::{AtolClient, AtolConfig, AtolVersion};
use fiskal_providers::{
    DocumentKind, Outcome, Provider, ProviderError, RejectKind, StatusQuery, Submission,
};
use std::time::Duration;

const UUID: &str = "2ea26f17-0884-4f08-b120-306fc096a58f";

#[path = "support/scripted_server.rs"]
mod server;
use server::{expect, serve, Exchange};
#[path = "support/atol_harness.rs"]
mod harness;
use harness::{assert_body, config, fixture, run, status, submit, GROUP, PASS};

/// `atol_test!(name, version, [tune: fn(&mut AtolConfig),] call: …, [exchanges], expected)`.
macro_rules! atol_test {
    (
        $name:ident, $version:ident, $(tune: $tune:expr,)? call: $call:expr,
        [ $($ex:expr),* $(,)? ],
        $expected:expr $(,)?
    ) => {
        #[tokio::test]
        async fn $name() {
            #[allow(unused_mut, unused_assignments)]
            let mut tune: fn(&mut AtolConfig) = |_| {};
            $( tune = $tune; )?
            let (got, _, _) = run(AtolVersion::$version, tune, $call, vec![$($ex),*]).await;
            let expected: Result<Outcome, ProviderError> = $expected;
            assert_eq!(got, expected);
        }
    };
}

const TOKEN_1: &str = r#"{"error":null,"token":"tok-1","timestamp":"02.03.2026 10:15:00"}"#;
const TOKEN_2: &str = r#"{"error":null,"token":"tok-2","timestamp":"02.03.2026 10:15:01"}"#;
const ACCEPTED: &str = r#"{"uuid":"2ea26f17-0884-4f08-b120-306fc096a58f","timestamp":"02.03.2026 10:15:06","error":null,"status":"wait"}"#;

fn v4(path: &str) -> String {
    format!("/possystem/v4/{path}")
}
fn v5(path: &str) -> String {
    format!("/possystem/v5/{path}")
}
fn token_v4() -> Exchange {
    expect("POST", &v4("getToken"))
        .body("get_token_v4.json")
        .reply(200, TOKEN_1)
}
fn token_v5() -> Exchange {
    expect("POST", &v5("getToken"))
        .body("get_token_v5.json")
        .reply(200, TOKEN_1)
}
fn accepted() -> Result<Outcome, ProviderError> {
    Ok(Outcome::Accepted {
        provider_id: UUID.into(),
        duplicate: false,
    })
}

// ---------------------------------------------------------------------------------------------
// Registration.

atol_test!(
    sell_v4_gets_a_token_then_is_accepted,
    V4,
    call: submit("receipt_sell_v4.json", "order-1001-sell-1"),
    [
        token_v4(),
        expect("POST", &v4("group_1/sell")).token("tok-1").body("sell_v4.json").reply(200, ACCEPTED),
    ],
    accepted()
);

atol_test!(
    sell_v5_with_a_marked_item,
    V5,
    call: submit("receipt_sell_v5.json", "order-1002-sell-1"),
    [
        token_v5(),
        expect("POST", &v5("group_1/sell")).token("tok-1").body("sell_v5.json").reply(200, ACCEPTED),
    ],
    accepted()
);

atol_test!(
    sell_correction_v4,
    V4,
    call: submit("receipt_sell_correction_v4.json", "corr-1"),
    [
        token_v4(),
        expect("POST", &v4("group_1/sell_correction"))
            .token("tok-1")
            .body("sell_correction_v4.json")
            .reply(200, ACCEPTED),
    ],
    accepted()
);

atol_test!(
    sell_correction_v5,
    V5,
    tune: |c| c.ism_optional = Some(true),
    call: submit("receipt_sell_correction_v5.json", "corr-2"),
    [
        token_v5(),
        expect("POST", &v5("group_1/sell_correction"))
            .token("tok-1")
            .body("sell_correction_v5.json")
            .reply(200, ACCEPTED),
    ],
    accepted()
);

atol_test!(
    duplicate_external_id_is_accepted_with_the_original_uuid,
    V4,
    call: submit("receipt_sell_v4.json", "order-1001-sell-1"),
    [
        token_v4(),
        expect("POST", &v4("group_1/sell")).token("tok-1").body("sell_v4.json").reply(
            400,
            r#"{"uuid":"2ea26f17-0884-4f08-b120-306fc096a58f","timestamp":"02.03.2026 10:16:00","status":"wait","error":{"error_id":"0a1b","code":33,"text":"В системе существует чек с external_id : order-1001-sell-1 и group_code: group_1","type":"system"}}"#,
        ),
    ],
    Ok(Outcome::Accepted { provider_id: UUID.into(), duplicate: true })
);

atol_test!(
    duplicate_without_uuid_is_in_doubt,
    V4,
    call: submit("receipt_sell_v4.json", "order-1001-sell-1"),
    [
        token_v4(),
        expect("POST", &v4("group_1/sell")).token("tok-1").body("sell_v4.json").reply(
            400,
            r#"{"status":"wait","error":{"code":33,"text":"В системе существует чек","type":"system"}}"#,
        ),
    ],
    Ok(Outcome::InDoubt {
        reason: "duplicate external_id but the answer has no uuid (code 33: В системе существует чек); \
                 resend the same document id: ATOL answers 33 with the uuid if it has the document"
            .into()
    })
);

atol_test!(
    expired_token_is_refreshed_once_and_the_request_resent,
    V4,
    call: submit("receipt_sell_v4.json", "order-1001-sell-1"),
    [
        token_v4(),
        expect("POST", &v4("group_1/sell")).token("tok-1").body("sell_v4.json").reply(
            401,
            r#"{"error":{"error_id":"e1","code":11,"text":"Переданный токен не активен","type":"system"},"timestamp":"02.03.2026 10:15:02"}"#,
        ),
        expect("POST", &v4("getToken")).body("get_token_v4.json").reply(200, TOKEN_2),
        expect("POST", &v4("group_1/sell")).token("tok-2").body("sell_v4.json").reply(200, ACCEPTED),
    ],
    accepted()
);

atol_test!(
    a_second_token_refusal_is_an_auth_rejection,
    V4,
    call: submit("receipt_sell_v4.json", "order-1001-sell-1"),
    [
        token_v4(),
        expect("POST", &v4("group_1/sell")).token("tok-1").body("sell_v4.json").reply(401, r#"{"error":{"code":11,"text":"Переданный токен не активен","type":"system"}}"#),
        expect("POST", &v4("getToken")).body("get_token_v4.json").reply(200, TOKEN_2),
        expect("POST", &v4("group_1/sell")).token("tok-2").body("sell_v4.json").reply(401, r#"{"error":{"code":10,"text":"Не распознан токен запроса","type":"system"}}"#),
    ],
    Ok(Outcome::Rejected {
        kind: RejectKind::Auth,
        code: "10".into(),
        message: "Не распознан токен запроса (again after a new token)".into()
    })
);

atol_test!(
    wrong_password_is_an_auth_rejection_and_nothing_is_submitted,
    V4,
    call: submit("receipt_sell_v4.json", "order-1001-sell-1"),
    [expect("POST", &v4("getToken")).body("get_token_v4.json").reply(
        401,
        r#"{"error":{"error_id":"e2","code":12,"text":"Неверный логин или пароль","type":"system"},"timestamp":"02.03.2026 10:15:00"}"#,
    )],
    Ok(Outcome::Rejected {
        kind: RejectKind::Auth,
        code: "12".into(),
        message: "getToken: Неверный логин или пароль (error_id e2)".into()
    })
);

atol_test!(
    validation_error_32,
    V4,
    call: submit("receipt_sell_v4.json", "order-1001-sell-1"),
    [
        token_v4(),
        expect("POST", &v4("group_1/sell")).token("tok-1").body("sell_v4.json").reply(
            400,
            r#"{"timestamp":"02.03.2026 10:15:06","status":"fail","error":{"error_id":"475d6d8d","code":32,"text":"Ошибка валидации входного чека. Ошибочные поля : receipt.client","type":"system"}}"#,
        ),
    ],
    Ok(Outcome::Rejected {
        kind: RejectKind::Validation,
        code: "32".into(),
        message: "Ошибка валидации входного чека. Ошибочные поля : receipt.client (error_id 475d6d8d)".into()
    })
);

atol_test!(
    service_unavailable_with_retry_after,
    V4,
    call: submit("receipt_sell_v4.json", "order-1001-sell-1"),
    [
        token_v4(),
        expect("POST", &v4("group_1/sell"))
            .token("tok-1")
            .body("sell_v4.json")
            .header("Retry-After", "17")
            .reply(503, ""),
    ],
    Ok(Outcome::RetryLater { after: Some(Duration::from_secs(17)), code: Some("503".into()), message: "HTTP 503".into() })
);

atol_test!(
    server_error_500_on_submit_is_in_doubt,
    V4,
    call: submit("receipt_sell_v4.json", "order-1001-sell-1"),
    [
        token_v4(),
        expect("POST", &v4("group_1/sell")).token("tok-1").body("sell_v4.json").reply(
            500,
            r#"{"error":{"code":50,"text":"Ошибка сервера. Обратитесь к Администратору","type":"system"}}"#,
        ),
    ],
    Ok(Outcome::InDoubt {
        reason: "server error (code 50: Ошибка сервера. Обратитесь к Администратору); resend the same \
                 document id: ATOL answers 33 with the uuid if it has the document"
            .into()
    })
);

atol_test!(
    token_service_down_is_retry_later_not_in_doubt,
    V5,
    call: submit("receipt_sell_v5.json", "order-1002-sell-1"),
    [expect("POST", &v5("getToken")).body("get_token_v5.json").reply(502, "")],
    Ok(Outcome::RetryLater { after: Some(Duration::from_secs(1)), code: Some("502".into()), message: "getToken: HTTP 502".into() })
);

#[tokio::test]
async fn timeout_after_sending_is_in_doubt() {
    let script = vec![
        token_v4(),
        expect("POST", &v4("group_1/sell"))
            .token("tok-1")
            .body("sell_v4.json")
            .delay_ms(1500)
            .reply(200, ACCEPTED),
    ];
    let (got, _, _) = run(
        AtolVersion::V4,
        |c| c.http.timeout = Duration::from_millis(400),
        submit("receipt_sell_v4.json", "order-1001-sell-1"),
        script,
    )
    .await;
    match got {
        Ok(Outcome::InDoubt { reason }) => assert!(reason.starts_with("timeout"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn refused_connection_is_retry_later() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let client =
        AtolClient::new(config(AtolVersion::V4, &format!("http://{addr}"))).expect("client");
    let r = fiskal_ffd::json::parse(&fixture("receipt_sell_v4.json")).expect("receipt");
    let s = Submission {
        document_id: "x",
        receipt: &r,
        callback_url: None,
        timestamp: "2026-03-02T10:15:00".parse().expect("t"),
    };
    assert!(matches!(
        client.submit(&s).await,
        Ok(Outcome::RetryLater { .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// Reports.

const REPORT_DONE: &str = r#"{"uuid":"2ea26f17-0884-4f08-b120-306fc096a58f","error":null,"status":"done",
 "payload":{"total":5902.00,"fns_site":"www.nalog.gov.ru","fn_number":"9999078900001234","shift_number":23,
 "receipt_datetime":"02.03.2026 10:15:42","fiscal_receipt_number":6,"fiscal_document_number":133,
 "ecr_registration_number":"0000111118041361","fiscal_document_attribute":3449555941,"ofd_inn":"7709364346",
 "ofd_receipt_url":"https://consumer.1-ofd-test.ru/v1?fn=9999078900001234&fp=3449555941&i=133"},
 "timestamp":"02.03.2026 10:15:50","group_code":"group_1","daemon_code":"prod-agent-1","device_code":"KSR13.00-1-11",
 "external_id":"order-1001-sell-1","callback_url":"","warnings":null}"#;

fn report_path() -> String {
    v4(&format!("group_1/report/{UUID}"))
}

atol_test!(
    report_wait_is_pending,
    V4,
    call: status(UUID, DocumentKind::Sell),
    [
        token_v4(),
        expect("GET", &report_path()).token("tok-1").reply(
            200,
            r#"{"error":{"code":34,"text":"Состояние чека не найдено. Попробуйте позднее","type":"system","error_id":"x"},"status":"wait","timestamp":"02.03.2026 10:15:07","callback_url":""}"#,
        ),
    ],
    Ok(Outcome::Pending { provider_id: UUID.into() })
);

#[tokio::test]
async fn report_done_gives_the_fiscal_attributes() {
    let script = vec![
        token_v4(),
        expect("GET", &report_path())
            .token("tok-1")
            .reply(200, REPORT_DONE),
    ];
    let (got, _, _) = run(
        AtolVersion::V4,
        |_| {},
        status(UUID, DocumentKind::Sell),
        script,
    )
    .await;
    let Ok(Outcome::Done {
        provider_id,
        fiscal,
    }) = got
    else {
        panic!("{got:?}")
    };
    assert_eq!(provider_id, UUID);
    assert_eq!(fiscal.fn_number, "9999078900001234");
    assert_eq!((fiscal.fd_number, fiscal.fiscal_sign), (133, 3_449_555_941));
    assert_eq!(
        (fiscal.shift_number, fiscal.receipt_number),
        (Some(23), Some(6))
    );
    assert_eq!(fiscal.kkt_reg_number.as_deref(), Some("0000111118041361"));
    assert_eq!(fiscal.ofd_inn.as_deref(), Some("7709364346"));
    assert!(fiscal
        .receipt_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://consumer.1-ofd-test.ru/")));
    assert_eq!(
        fiscal.qr_string(),
        "t=20260302T1015&s=5902.00&fn=9999078900001234&i=133&fp=3449555941&n=1"
    );
}

atol_test!(
    report_fail_from_the_register,
    V4,
    call: status(UUID, DocumentKind::Sell),
    [
        token_v4(),
        expect("GET", &report_path()).token("tok-1").reply(
            200,
            r#"{"callback_url":"","daemon_code":"quasar","device_code":"KKT000132","warnings":null,"error":{"code":2009,"text":"ИНН, указанный в чеке 1234567891, не соответствует ИНН группы касс 5544332219. Попыток регистрировать чек не производилось.","type":"agent"},"external_id":"order-1001-sell-1","group_code":"group_1","payload":null,"status":"fail","uuid":"2ea26f17-0884-4f08-b120-306fc096a58f","timestamp":"27.01.2024 22:58:45"}"#,
        ),
    ],
    Ok(Outcome::Rejected {
        kind: RejectKind::Validation,
        code: "2009".into(),
        message: "ИНН, указанный в чеке 1234567891, не соответствует ИНН группы касс 5544332219. Попыток регистрировать чек не производилось.".into()
    })
);

// A report request whose token is refused again after the one refresh: our credentials, not
// the document (the outbox keeps the receipt accepted).
atol_test!(
    report_token_refused_twice_is_auth_not_a_refusal_of_the_document,
    V4,
    call: status(UUID, DocumentKind::Sell),
    [
        token_v4(),
        expect("GET", &report_path()).token("tok-1").reply(401, r#"{"error":{"code":11,"text":"Переданный токен не активен","type":"system"}}"#),
        expect("POST", &v4("getToken")).body("get_token_v4.json").reply(200, TOKEN_2),
        expect("GET", &report_path()).token("tok-2").reply(401, r#"{"error":{"code":11,"text":"Переданный токен не активен","type":"system"}}"#),
    ],
    Ok(Outcome::Rejected {
        kind: RejectKind::Auth,
        code: "11".into(),
        message: "Переданный токен не активен (again after a new token)".into()
    })
);

// 30 on a report request (an unknown uuid, or a document older than 32 days): asked again,
// with ATOL's code; never a refusal of a receipt ATOL accepted.
#[tokio::test]
async fn report_30_is_asked_again_not_a_refusal() {
    let (got, _, _) = run(
        AtolVersion::V4,
        |_| {},
        status(UUID, DocumentKind::Sell),
        vec![
            token_v4(),
            expect("GET", &report_path()).token("tok-1").reply(
                400,
                r#"{"error":{"code":30,"text":"Передан некорректный UUID : \"x\". Необходимо повторить запрос с корректными данными","type":"system"}}"#,
            ),
        ],
    )
    .await;
    match got {
        Ok(Outcome::RetryLater { code, message, .. }) => {
            assert_eq!(code.as_deref(), Some("30"));
            assert!(message.contains("Передан некорректный UUID"), "{message}");
            assert!(
                message.contains("not a refusal of the receipt"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
}

// An id outside the uuid alphabet is asked about, percent-encoded as one path segment.
atol_test!(
    report_of_an_id_outside_the_uuid_alphabet_is_percent_encoded,
    V4,
    call: status("../x y", DocumentKind::Sell),
    [
        token_v4(),
        expect("GET", &v4("group_1/report/..%2Fx%20y")).token("tok-1").reply(200, r#"{"uuid":"../x y","status":"wait"}"#),
    ],
    Ok(Outcome::Pending { provider_id: "../x y".into() })
);

atol_test!(
    report_fail_kkt_error,
    V4,
    call: status(UUID, DocumentKind::Sell),
    [
        token_v4(),
        expect("GET", &report_path()).token("tok-1").reply(
            200,
            r#"{"uuid":"2ea26f17-0884-4f08-b120-306fc096a58f","status":"fail","payload":null,"error":{"code":118,"text":"Неисправимая ошибка ФН","type":"driver","error_id":"d1"}}"#,
        ),
    ],
    Ok(Outcome::Rejected { kind: RejectKind::Register, code: "118".into(), message: "Неисправимая ошибка ФН (error_id d1)".into() })
);

atol_test!(
    report_queue_timeout_can_be_configured_as_retry,
    V4,
    tune: |c| c.queue_timeout_is_retry = true,
    call: status(UUID, DocumentKind::Sell),
    [
        token_v4(),
        expect("GET", &report_path()).token("tok-1").reply(
            200,
            r#"{"uuid":"2ea26f17-0884-4f08-b120-306fc096a58f","status":"fail","error":{"code":1,"text":"Превышено время ожидания чека в очереди","type":"timeout"}}"#,
        ),
    ],
    Ok(Outcome::RetryLater { after: Some(Duration::from_secs(1)), code: Some("1".into()), message: "Превышено время ожидания чека в очереди".into() })
);

atol_test!(
    report_server_error_is_retry_later,
    V5,
    call: status(UUID, DocumentKind::Sell),
    [token_v5(), expect("GET", &v5(&format!("group_1/report/{UUID}"))).token("tok-1").reply(500, "")],
    Ok(Outcome::RetryLater { after: Some(Duration::from_secs(1)), code: Some("500".into()), message: "no report in the answer: HTTP 500".into() })
);

#[tokio::test]
async fn status_without_uuid_is_refused_locally() {
    let client = AtolClient::new(config(AtolVersion::V4, "http://127.0.0.1:9")).expect("client");
    for id in [None, Some("")] {
        let q = StatusQuery {
            provider_id: id,
            document_id: "d",
            kind: DocumentKind::Sell,
        };
        assert!(
            matches!(
                client.status(&q).await,
                Err(ProviderError::Unsupported { .. })
            ),
            "{id:?}"
        );
    }
}

#[tokio::test]
async fn reports_are_paced_and_the_token_is_shared_by_clones() {
    let path = report_path();
    let wait = r#"{"status":"wait","uuid":"2ea26f17-0884-4f08-b120-306fc096a58f","error":null}"#;
    let script = vec![
        token_v4(),
        expect("GET", &path).token("tok-1").reply(200, wait),
        expect("GET", &path).token("tok-1").reply(200, wait),
        expect("GET", &path).token("tok-1").reply(200, wait),
    ];
    let (base, seen) = serve(script).await;
    let mut cfg = config(AtolVersion::V4, &base);
    cfg.report_interval = Duration::from_millis(150);
    let a = AtolClient::new(cfg).expect("client");
    let b = a.clone();
    let q = StatusQuery {
        provider_id: Some(UUID),
        document_id: "d",
        kind: DocumentKind::Sell,
    };
    let start = std::time::Instant::now();
    for c in [&a, &b, &a] {
        assert_eq!(
            c.status(&q).await,
            Ok(Outcome::Pending {
                provider_id: UUID.into()
            })
        );
    }
    // Three reports: the 2nd and 3rd wait for their slots (≥ 2 × 150 ms); one getToken only.
    assert!(
        start.elapsed() >= Duration::from_millis(300),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(seen.lock().expect("seen").len(), 4);
}

// ---------------------------------------------------------------------------------------------
// Callbacks, local refusals, secrets.

#[test]
fn callback_done_and_fail() {
    let cb =
        fiskal_providers::atol::parse_callback(REPORT_DONE.as_bytes(), DocumentKind::Sell, false)
            .expect("callback");
    assert_eq!(cb.uuid, UUID);
    assert_eq!(cb.external_id.as_deref(), Some("order-1001-sell-1"));
    assert!(matches!(cb.outcome, Outcome::Done { .. }));
    let fail = r#"{"uuid":"u-9","status":"fail","external_id":"e","error":{"code":2003,"text":"ИНН","type":"agent"}}"#;
    let cb =
        fiskal_providers::atol::parse_callback(fail.as_bytes(), DocumentKind::SellRefund, false)
            .expect("callback");
    assert_eq!(
        cb.outcome,
        Outcome::Rejected {
            kind: RejectKind::Validation,
            code: "2003".into(),
            message: "ИНН".into()
        }
    );
    assert!(fiskal_providers::atol::parse_callback(b"{}", DocumentKind::Sell, false).is_err());
}

/// Without 1187 the refusal names the receipt's field that holds it (`company.payment_place`),
/// not the receipt's `company.payment_address` (1009), which ATOL calls `location`.
#[test]
fn a_missing_place_of_settlement_names_the_receipt_field() {
    let client = AtolClient::new(AtolConfig::test_v4()).expect("client");
    let mut r = fiskal_ffd::json::parse(&fixture("receipt_sell_v4.json")).expect("receipt");
    r.company.payment_place = None;
    let s = Submission {
        document_id: "x",
        receipt: &r,
        callback_url: None,
        timestamp: "2026-03-02T10:15:00".parse().expect("t"),
    };
    match client.request_body(&s) {
        Err(ProviderError::Unsupported { path, message, .. }) => {
            assert_eq!(path, "company.payment_place");
            assert!(message.contains("`company.payment_place`"), "{message}");
            assert!(
                !message.contains("requires company.payment_address"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn what_atol_cannot_carry_is_refused_before_sending() {
    let client = AtolClient::new(AtolConfig::test_v4()).expect("client");
    let v5_receipt = fiskal_ffd::json::parse(&fixture("receipt_sell_v5.json")).expect("receipt");
    let s = Submission {
        document_id: "x",
        receipt: &v5_receipt,
        callback_url: None,
        timestamp: "2026-03-02T10:15:00".parse().expect("t"),
    };
    assert!(
        matches!(client.request_body(&s), Err(ProviderError::Unsupported { path, .. }) if path == "ffd")
    );

    let mut r = fiskal_ffd::json::parse(&fixture("receipt_sell_v4.json")).expect("receipt");
    r.items[0].unit_vat = Some(fiskal_ffd::Money::from_kopecks(1));
    let s = Submission { receipt: &r, ..s };
    assert!(
        matches!(client.request_body(&s), Err(ProviderError::Unsupported { path, .. }) if path == "items[0].unit_vat")
    );

    let r = fiskal_ffd::json::parse(&fixture("receipt_sell_v4.json")).expect("receipt");
    let long_id = "x".repeat(129);
    let s = Submission {
        receipt: &r,
        document_id: &long_id,
        ..s
    };
    assert!(
        matches!(client.request_body(&s), Err(ProviderError::Unsupported { path, .. }) if path == "document_id")
    );
}

#[tokio::test]
async fn secrets_never_show() {
    // A password and a token travel; neither appears in Debug or in any outcome text.
    let script = vec![
        expect("POST", &v4("getToken"))
            .body("get_token_v4.json")
            .reply(200, r#"{"error":null,"token":"TOKEN-VERY-SECRET"}"#),
        expect("POST", &v4("group_1/sell"))
            .token("TOKEN-VERY-SECRET")
            .body("sell_v4.json")
            .reply(
                401,
                r#"{"error":{"code":11,"text":"expired","type":"system"}}"#,
            ),
        expect("POST", &v4("getToken"))
            .body("get_token_v4.json")
            .reply(
                401,
                r#"{"error":{"code":12,"text":"Неверный логин или пароль","type":"system"}}"#,
            ),
    ];
    let (got, seen, client) = run(
        AtolVersion::V4,
        |_| {},
        submit("receipt_sell_v4.json", "order-1001-sell-1"),
        script,
    )
    .await;
    assert!(
        seen[0].body.contains(PASS),
        "the password is sent to getToken"
    );
    let texts = [
        format!("{got:?}"),
        format!("{client:?}"),
        format!("{:?}", client.config()),
        format!("{:?}", client.clone()),
    ];
    for t in &texts {
        assert!(!t.contains(PASS) && !t.contains("TOKEN-VERY-SECRET"), "{t}");
    }
    let bad = {
        let mut c = client.config().clone();
        c.login = String::new();
        AtolClient::new(c).expect_err("config")
    };
    assert!(!bad.to_string().contains(PASS) && !format!("{bad:?}").contains(PASS));
    assert!(matches!(
        got,
        Ok(Outcome::Rejected {
            kind: RejectKind::Auth,
            ..
        })
    ));
}

#[tokio::test]
async fn business_ru_atol_compatible_endpoint() {
    // Same protocol under another base URL; its FFD-version refusal is a 401 with `result`.
    let script = vec![
        expect("POST", "/api-bitrix24/v5/getToken")
            .body("get_token_v5.json")
            .reply(200, TOKEN_1),
        expect("POST", "/api-bitrix24/v5/group_1/sell")
            .token("tok-1")
            .body("sell_v5.json")
            .reply(401, r#"{"result":"error","message":"ФФД не совпадает"}"#),
    ];
    let (base, seen) = serve(script).await;
    let mut cfg =
        fiskal_providers::atol::AtolConfig::business_ru(AtolVersion::V5, "test-login", PASS, GROUP);
    cfg.base_url = format!("{base}/api-bitrix24/v5");
    let client = AtolClient::new(cfg).expect("client");
    assert_eq!(client.name(), "business_ru_atol_v5");
    let r = fiskal_ffd::json::parse(&fixture("receipt_sell_v5.json")).expect("receipt");
    let s = Submission {
        document_id: "order-1002-sell-1",
        receipt: &r,
        callback_url: None,
        timestamp: "2026-03-02T10:15:00".parse().expect("t"),
    };
    assert_eq!(
        client.submit(&s).await,
        Ok(Outcome::Rejected {
            kind: RejectKind::Configuration,
            code: "401".into(),
            message: "HTTP 401 (the group does not take this FFD version)".into()
        })
    );
    let seen = seen.lock().expect("seen");
    assert_eq!(seen.len(), 2);
    assert_body("sell_v5.json", &seen[1].body);
}

#[test]
fn callback_url_goes_to_service() {
    let client = AtolClient::new(AtolConfig::test_v4()).expect("client");
    let r = fiskal_ffd::json::parse(&fixture("receipt_sell_correction_v4.json")).expect("receipt");
    let s = Submission {
        document_id: "corr-1",
        receipt: &r,
        callback_url: Some("https://shop.example.ru/atol/cb?kind=sell_correction"),
        timestamp: "2026-03-02T10:15:00".parse().expect("t"),
    };
    let (kind, body) = client.request_body(&s).expect("body");
    assert_eq!(kind, DocumentKind::SellCorrection);
    assert!(
        body.starts_with(
            r#"{"timestamp":"02.03.2026 10:15:00","external_id":"corr-1","service":{"callback_url":"https://shop.example.ru/atol/cb?kind=sell_correction"},"correction":{"#
        ),
        "{body}"
    );
}

#[tokio::test]
async fn connection_closed_after_sending_is_in_doubt() {
    let script = vec![
        token_v4(),
        expect("POST", &v4("group_1/sell"))
            .token("tok-1")
            .body("sell_v4.json")
            .hang_up(),
    ];
    let call = submit("receipt_sell_v4.json", "order-1001-sell-1");
    let (got, _, _) = run(AtolVersion::V4, |_| {}, call, script).await;
    // The text after "transport:" is hyper's; only the kind is asserted.
    match got {
        Ok(Outcome::InDoubt { reason }) => assert!(reason.starts_with("transport:"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn concurrent_submits_share_one_token_fetch() {
    let sell = || {
        expect("POST", &v4("group_1/sell"))
            .token("tok-1")
            .body("sell_v4.json")
            .reply(200, ACCEPTED)
    };
    let (base, seen) = serve(vec![token_v4(), sell(), sell(), sell()]).await;
    let client = AtolClient::new(config(AtolVersion::V4, &base)).expect("client");
    let r = fiskal_ffd::json::parse(&fixture("receipt_sell_v4.json")).expect("receipt");
    let s = Submission {
        document_id: "order-1001-sell-1",
        receipt: &r,
        callback_url: None,
        timestamp: "2026-03-02T10:15:00".parse().expect("t"),
    };
    let other = client.clone();
    let (a, b, c) = tokio::join!(client.submit(&s), other.submit(&s), client.submit(&s));
    for got in [a, b, c] {
        assert_eq!(got, accepted());
    }
    let seen = seen.lock().expect("seen");
    let token_fetches = seen
        .iter()
        .filter(|x| x.path.ends_with("/getToken"))
        .count();
    assert_eq!((seen.len(), token_fetches), (4, 1));
}
