//! End to end: the МодульКасса adapter against `fiskal-emulator`'s МодульКасса server on
//! loopback — association, submit, status QUEUED → COMPLETED, an offline register (waiting for
//! the register), a register failure and its re-queue, health, refused credentials, and the
//! faults, asserting no receipt is fiscalised twice and none is lost.

use fiskal_emulator::modulkassa::{
    ModulKassaConfig as EmulatorConfig, ModulKassaEmulator, ModulKassaHandle, RegisterState,
    TEST_ACCOUNT_LOGIN, TEST_ACCOUNT_PASSWORD, TEST_PASSWORD, TEST_RETAIL_POINT_ID, TEST_USER_NAME,
};
use fiskal_emulator::{Endpoint, Fault};
use fiskal_providers::modulkassa::{associate, AssociateError, ModulKassaClient, ModulKassaConfig};
use fiskal_providers::{
    DocumentKind, Health, InDoubtResolution, Outcome, Provider, RejectKind, Secret, StatusQuery,
    Submission, WaitingFor,
};
use std::time::{Duration, Instant};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/modulkassa");

async fn emulator() -> ModulKassaHandle {
    ModulKassaEmulator::start(EmulatorConfig::default().with_take_delay(Duration::from_millis(30)))
        .await
        .expect("emulator")
}

fn client_with(mk: &ModulKassaHandle, user: &str, password: &str) -> ModulKassaClient {
    let mut cfg = ModulKassaConfig::new(mk.base_url(), user, Secret::new(password));
    cfg.http.timeout = Duration::from_secs(2);
    ModulKassaClient::new(cfg).expect("client")
}

fn client(mk: &ModulKassaHandle) -> ModulKassaClient {
    client_with(mk, TEST_USER_NAME, TEST_PASSWORD)
}

fn receipt() -> fiskal_ffd::Receipt {
    let text = std::fs::read_to_string(format!("{FIXTURES}/receipt_sell.json")).expect("fixture");
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

fn query(id: &str) -> StatusQuery<'_> {
    StatusQuery {
        provider_id: Some(id),
        document_id: id,
        kind: DocumentKind::Sell,
    }
}

/// Polls until the outcome is not pending (bounded); returns it.
async fn settle(c: &ModulKassaClient, id: &str) -> Outcome {
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let o = c.status(&query(id)).await.expect("status");
        if !o.is_pending() && !matches!(o, Outcome::Accepted { .. }) {
            return o;
        }
        assert!(Instant::now() < until, "{id}: still {o:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_receipt_is_queued_then_fiscalised_once() {
    let mk = emulator().await;
    let c = client(&mk);
    assert_eq!(c.name(), "modulkassa");
    assert_eq!(c.in_doubt_resolution(), InDoubtResolution::LookUp);
    let r = receipt();
    let s = submission("order-1001-sell-1", &r);
    let o = c.submit(&s).await.expect("submit");
    assert_eq!(
        o,
        Outcome::Accepted {
            provider_id: "order-1001-sell-1".into(),
            duplicate: false
        }
    );
    let Outcome::Done {
        fiscal,
        provider_id,
    } = settle(&c, "order-1001-sell-1").await
    else {
        panic!("not done")
    };
    assert_eq!(provider_id, "order-1001-sell-1");
    let entry = mk
        .journal()
        .by_external_id(TEST_RETAIL_POINT_ID, "order-1001-sell-1")
        .expect("journaled");
    let f = entry.fiscal().expect("fiscalised");
    assert_eq!(fiscal.fn_number, f.fn_number);
    assert_eq!(fiscal.fd_number, f.fiscal_document_number);
    assert_eq!(fiscal.fiscal_sign, f.fiscal_document_attribute);
    assert_eq!(fiscal.total, r.total);
    assert_eq!(fiscal.operation, r.operation);
    assert_eq!(
        fiscal.kkt_reg_number.as_deref(),
        Some(f.ecr_registration_number.as_str())
    );
    // The register's local time (Moscow), to the second.
    let (d, t) = f.receipt_datetime.split_once(' ').expect("time");
    let (y, mo, dd, h, mi, sec) = fiscal.date_time.fields();
    assert_eq!(
        format!("{dd:02}.{mo:02}.{y:04} {h:02}:{mi:02}:{sec:02}"),
        format!("{d} {t}")
    );
    // Exact money on the wire, from kopecks.
    assert!(
        entry.body.contains(r#""price":899.00,"quantity":0.347"#),
        "{}",
        entry.body
    );
    assert!(entry.body.contains(r#""sum":902.05"#), "{}", entry.body);
    assert_eq!(mk.journal().fiscalised_count("order-1001-sell-1"), 1);
}

/// While the register is offline the document waits in QUEUED: the status says so
/// ([`Outcome::Waiting`] for the register), as long as it lasts; back online it is
/// fiscalised, once.
#[tokio::test]
async fn an_offline_register_is_waited_for() {
    let mk = emulator().await;
    mk.set_register(RegisterState::Offline);
    let c = client(&mk);
    let r = receipt();
    assert!(matches!(
        c.submit(&submission("offline-1", &r))
            .await
            .expect("submit"),
        Outcome::Accepted { .. }
    ));
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        match c.status(&query("offline-1")).await.expect("status") {
            Outcome::Waiting {
                provider_id,
                waiting_for,
                message,
            } => {
                assert_eq!(provider_id, "offline-1");
                assert_eq!(waiting_for, WaitingFor::Register);
                assert!(
                    message.contains("QUEUED") && message.contains("FAILED"),
                    "{message}"
                );
            }
            o => panic!("{o:?}"),
        }
    }
    assert!(!c.health().await.is_ok());
    mk.set_register(RegisterState::Online);
    assert!(matches!(
        settle(&c, "offline-1").await,
        Outcome::Done { .. }
    ));
    assert_eq!(mk.journal().fiscalised_count("offline-1"), 1);
}

/// FAILED is the register's refusal of the document (its failureInfo type kept); the
/// re-queue call runs it again under the same id.
#[tokio::test]
async fn a_register_failure_is_a_refusal_and_can_be_requeued() {
    let mk = emulator().await;
    mk.push_fault(
        Endpoint::Register,
        Fault::RegisterError {
            code: 235,
            text: "ФН переполнен".into(),
        },
    );
    let c = client(&mk);
    let r = receipt();
    c.submit(&submission("fail-1", &r)).await.expect("submit");
    match settle(&c, "fail-1").await {
        Outcome::Rejected {
            kind: RejectKind::Register,
            code,
            message,
        } => {
            assert_eq!(code, "FN_GENERIC_FAILURE");
            assert!(message.contains("ФН переполнен"), "{message}");
        }
        o => panic!("{o:?}"),
    }
    assert_eq!(mk.journal().fiscalised_count("fail-1"), 0);
    match c.requeue("fail-1").await {
        Outcome::Waiting { waiting_for, .. } => assert_eq!(waiting_for, WaitingFor::Register),
        o => panic!("{o:?}"),
    }
    assert!(matches!(settle(&c, "fail-1").await, Outcome::Done { .. }));
    assert_eq!(mk.journal().fiscalised_count("fail-1"), 1);
    // Not FAILED any more: a second re-queue is refused.
    assert!(matches!(
        c.requeue("fail-1").await,
        Outcome::Rejected {
            kind: RejectKind::Validation,
            ..
        }
    ));
}

/// The answer is lost after the service took the document: in doubt; the lookup by id finds
/// it (never a second document); a send lost before it was taken is found missing and can go
/// again under the same id.
#[tokio::test]
async fn lost_answers_are_resolved_by_the_id() {
    let mk = emulator().await;
    let c = client(&mk);
    let r = receipt();
    mk.push_fault(Endpoint::Register, Fault::ResetAfterAccept);
    assert!(matches!(
        c.submit(&submission("doubt-1", &r)).await.expect("submit"),
        Outcome::InDoubt { .. }
    ));
    let lookup = StatusQuery {
        provider_id: None,
        document_id: "doubt-1",
        kind: DocumentKind::Sell,
    };
    assert!(c.status(&lookup).await.expect("status").is_at_provider());
    assert!(matches!(settle(&c, "doubt-1").await, Outcome::Done { .. }));

    mk.push_fault(Endpoint::Register, Fault::ResetBeforeAccept);
    assert!(matches!(
        c.submit(&submission("doubt-2", &r)).await.expect("submit"),
        Outcome::InDoubt { .. }
    ));
    let lookup = StatusQuery {
        provider_id: None,
        document_id: "doubt-2",
        kind: DocumentKind::Sell,
    };
    assert!(matches!(
        c.status(&lookup).await.expect("status"),
        Outcome::NotFound { .. }
    ));
    assert!(matches!(
        c.submit(&submission("doubt-2", &r)).await.expect("resend"),
        Outcome::Accepted { .. }
    ));
    assert!(matches!(settle(&c, "doubt-2").await, Outcome::Done { .. }));
    // A resend of an id the service holds registers nothing new.
    assert!(c
        .submit(&submission("doubt-1", &r))
        .await
        .expect("again")
        .is_at_provider());
    for id in ["doubt-1", "doubt-2"] {
        assert_eq!(mk.journal().count(id), 1, "{id}");
        assert_eq!(mk.journal().fiscalised_count(id), 1, "{id}");
    }
}

/// 503 is "not taken" (retry later); a 500 may have stored it (in doubt); a failed status
/// call is only ever "ask again"; a slow answer past the timeout is in doubt.
#[tokio::test]
async fn server_faults_keep_their_meaning() {
    let mk = emulator().await;
    let c = client(&mk);
    let r = receipt();
    mk.push_fault(
        Endpoint::Register,
        Fault::Unavailable {
            retry_after_secs: 2,
        },
    );
    match c.submit(&submission("f-503", &r)).await.expect("submit") {
        Outcome::RetryLater { after, .. } => assert_eq!(after, Some(Duration::from_secs(2))),
        o => panic!("{o:?}"),
    }
    mk.push_fault(Endpoint::Register, Fault::ServerError(500));
    assert!(matches!(
        c.submit(&submission("f-500", &r)).await.expect("submit"),
        Outcome::InDoubt { .. }
    ));
    mk.push_fault(Endpoint::Report, Fault::ServerError(502));
    assert!(matches!(
        c.status(&query("f-500")).await.expect("status"),
        Outcome::RetryLater { .. }
    ));
    mk.push_fault(Endpoint::Register, Fault::Delay(Duration::from_secs(3)));
    assert!(matches!(
        c.submit(&submission("f-slow", &r)).await.expect("submit"),
        Outcome::InDoubt { .. }
    ));
    assert_eq!(mk.journal().count("f-503"), 0);
    assert_eq!(mk.journal().count("f-500"), 0);
    assert_eq!(mk.journal().count("f-slow"), 1);
}

/// `associate` gives a pair that works; associating again replaces the password, and the old
/// pair is refused (an auth refusal, never a verdict on the document).
#[tokio::test]
async fn association_and_rotation() {
    let mk = emulator().await;
    let http = fiskal_providers::http::HttpConfig::default();
    let account = Secret::new(TEST_ACCOUNT_PASSWORD);
    let a = associate(
        &mk.base_url(),
        TEST_ACCOUNT_LOGIN,
        &account,
        TEST_RETAIL_POINT_ID,
        Some("fiskal"),
        &http,
    )
    .await
    .expect("associate");
    assert!(!format!("{a:?}").contains(a.password.expose()));
    assert_eq!(a.name.as_deref(), Some("ТЦ \"Европа\""));
    let first = client_with(&mk, &a.user_name, a.password.expose());
    assert!(first.health().await.is_ok());
    let b = associate(
        &mk.base_url(),
        TEST_ACCOUNT_LOGIN,
        &account,
        TEST_RETAIL_POINT_ID,
        Some("fiskal"),
        &http,
    )
    .await
    .expect("again");
    assert_eq!(a.user_name, b.user_name);
    assert_ne!(a.password.expose(), b.password.expose());
    let r = receipt();
    match first
        .submit(&submission("rot-1", &r))
        .await
        .expect("submit")
    {
        Outcome::Rejected {
            kind: RejectKind::Auth,
            code,
            ..
        } => assert_eq!(code, "401"),
        o => panic!("{o:?}"),
    }
    let second = client_with(&mk, &b.user_name, b.password.expose());
    assert!(matches!(
        second
            .submit(&submission("rot-1", &r))
            .await
            .expect("submit"),
        Outcome::Accepted { .. }
    ));
    let wrong = associate(
        &mk.base_url(),
        TEST_ACCOUNT_LOGIN,
        &Secret::new("nope"),
        TEST_RETAIL_POINT_ID,
        None,
        &http,
    )
    .await;
    assert_eq!(wrong, Err(AssociateError::Unauthorized));
    let missing = associate(
        &mk.base_url(),
        TEST_ACCOUNT_LOGIN,
        &account,
        "no-such-point",
        None,
        &http,
    )
    .await;
    assert_eq!(missing, Err(AssociateError::RetailPointNotFound));
}

#[tokio::test]
async fn health_follows_the_register() {
    let mk = emulator().await;
    let c = client(&mk);
    match c.health().await {
        Health::Ok { detail } => assert!(detail.contains("READY"), "{detail}"),
        h => panic!("{h:?}"),
    }
    mk.set_register(RegisterState::Disabled);
    match c.health().await {
        Health::Failed(o) => assert!(matches!(
            *o,
            Outcome::Rejected {
                kind: RejectKind::Configuration,
                ..
            }
        )),
        h => panic!("{h:?}"),
    }
    mk.set_register(RegisterState::Online);
    let wrong = client_with(&mk, TEST_USER_NAME, "wrong-password");
    match wrong.health().await {
        Health::Failed(o) => assert!(matches!(
            *o,
            Outcome::Rejected {
                kind: RejectKind::Auth,
                ..
            }
        )),
        h => panic!("{h:?}"),
    }
}

/// The adapter's answers are read from the service's own samples: the §2.4.4 and §2.5.4
/// answers of «API фискализации документов» 2.0 and a public client's captured status.
#[test]
fn the_documented_answers_read() {
    use fiskal_providers::modulkassa::answer::{status_outcome, submit_outcome};
    let sample = |name: &str| {
        std::fs::read(format!(
            "{}/../fiskal-emulator/tests/fixtures/modulkassa/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("fixture")
    };
    let queued = sample("doc_2_5_4_status_response.json");
    assert!(matches!(
        status_outcome(200, &queued, "d", 180, true),
        Outcome::Waiting {
            waiting_for: WaitingFor::Register,
            ..
        }
    ));
    assert!(matches!(
        submit_outcome(200, None, &queued, "d", 180),
        Outcome::Accepted { .. }
    ));
    let Outcome::Done { fiscal, .. } =
        status_outcome(200, &sample("module_pos_doc_status.json"), "d", 180, true)
    else {
        panic!("not done")
    };
    assert_eq!(fiscal.fiscal_sign, 3_125_146_288);
    assert_eq!(fiscal.fd_number, 571);
    assert_eq!(fiscal.receipt_number, Some(1));
    assert_eq!(fiscal.shift_number, Some(8));
    assert_eq!(fiscal.kkt_reg_number.as_deref(), Some("0000000000028799"));
    assert_eq!(fiscal.kkt_serial_number.as_deref(), Some("199036005916"));
    assert_eq!(fiscal.total, fiskal_ffd::Money::from_kopecks(20_000));
    // Local time from the QR (UTC+7 there), seconds from `date`.
    assert_eq!(fiscal.date_time.fields(), (2019, 9, 4, 14, 14, 0));
    assert_eq!(
        fiscal.qr_string(),
        "t=20190904T1414&s=200.00&fn=9999078900008998&i=571&fp=3125146288&n=1"
    );
    let Outcome::Done { fiscal, .. } =
        submit_outcome(200, None, &sample("doc_2_4_4_response.json"), "d", 180)
    else {
        panic!("the fiscalised create answer is done")
    };
    assert_eq!(fiscal.total, fiskal_ffd::Money::from_kopecks(5_700));
}
