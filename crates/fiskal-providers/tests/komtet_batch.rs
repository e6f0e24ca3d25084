//! KOMTET Kassa batches: `KomtetClient::submit_batch` (`POST …/queues/{qid}/multi-tasks`, the
//! Python SDK's `create_tasks`) against `fiskal-emulator`'s KOMTET server on loopback — each
//! task answered on its own (accepted, refused naming `tasks[i]`, duplicate), whole-request
//! refusals and lost answers, and every receipt fiscalised once.

use fiskal_emulator::komtet::{
    KomtetConfig as EmulatorConfig, KomtetEmulator, KomtetHandle, TEST_QUEUE_ID, TEST_SECRET,
    TEST_SHOP_ID,
};
use fiskal_emulator::{Endpoint, Fault, Faults};
use fiskal_providers::komtet::{signature, BatchAnswer, KomtetClient, KomtetConfig};
use fiskal_providers::{
    DocumentKind, Outcome, Provider, ProviderError, RejectKind, Secret, StatusQuery, Submission,
};
use std::time::Duration;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/komtet");

async fn emulator(faults: Faults) -> KomtetHandle {
    KomtetEmulator::start(
        EmulatorConfig::default()
            .with_processing_delay(Duration::from_millis(50))
            .with_faults(faults),
    )
    .await
    .expect("emulator")
}

fn client_with(k: &KomtetHandle, secret: &str) -> KomtetClient {
    let mut cfg = KomtetConfig::new(k.base_url(), TEST_SHOP_ID, secret, TEST_QUEUE_ID);
    cfg.http.timeout = Duration::from_secs(2);
    // So that a ФФД 1.05 receipt reaches the adapter's own refusal (`ffd`).
    cfg.validate_receipts = false;
    KomtetClient::new(cfg).expect("client")
}

fn receipt(ffd: &str) -> fiskal_ffd::Receipt {
    let text = std::fs::read_to_string(format!("{FIXTURES}/receipt_sell.json")).expect("fixture");
    let text = text.replace("\"ffd\": \"1.2\"", &format!("\"ffd\": \"{ffd}\""));
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

fn accepted(a: &BatchAnswer) -> (String, bool) {
    match &a.outcome {
        Ok(Outcome::Accepted {
            provider_id,
            duplicate,
        }) => (provider_id.clone(), *duplicate),
        other => panic!("tasks[{}] ({}): {other:?}", a.index, a.external_id),
    }
}

/// Polls the task until it leaves `new`.
async fn settle(c: &KomtetClient, provider_id: &str, id: &str, r: &fiskal_ffd::Receipt) -> Outcome {
    let q = StatusQuery {
        provider_id: Some(provider_id),
        document_id: id,
        kind: DocumentKind::of(r).expect("kind"),
    };
    for _ in 0..150 {
        match c.status(&q).await.expect("status") {
            Outcome::Pending { .. } => tokio::time::sleep(Duration::from_millis(20)).await,
            other => return other,
        }
    }
    panic!("{id}: still pending");
}

/// The Python SDK's vector for `multi-tasks` (its `tests.py` at commit a1b237f, «загрузка
/// таски через множественную загрузку», `test_create_task_success`): the batch is signed like
/// every request, over `POST` + the full URL + the JSON array sent.
#[test]
fn the_batch_is_signed_like_every_request() {
    let s = signature(
        &Secret::new("secret-key"),
        "POST",
        "https://kassa.komtet.ru/api/shop/v1/queues/3/multi-tasks",
        br#"[{"key": 10.0}]"#,
    );
    assert_eq!(s, "9093db5f962b1874e44338227c0964a6");
    let c = KomtetClient::new(KomtetConfig::production("shop-id", "secret-key", "5179"))
        .expect("client");
    assert_eq!(
        c.multi_tasks_url(),
        "https://kassa.komtet.ru/api/shop/v2/queues/5179/multi-tasks"
    );
}

#[tokio::test]
async fn a_batch_queues_each_task_and_each_is_fiscalised_once() {
    let k = emulator(Faults::none()).await;
    let c = client_with(&k, TEST_SECRET);
    let r = receipt("1.2");
    let ids = ["batch-0", "batch-1", "batch-2"];
    let subs: Vec<Submission<'_>> = ids.iter().map(|id| submission(id, &r)).collect();
    let answers = c.submit_batch(&subs).await;
    assert_eq!(answers.len(), 3);
    let mut task_ids = std::collections::HashSet::new();
    for (a, id) in answers.iter().zip(ids) {
        assert_eq!(a.external_id, id);
        let (task, duplicate) = accepted(a);
        assert!(!duplicate && task_ids.insert(task.clone()), "{a:?}");
        assert!(matches!(
            settle(&c, &task, id, &r).await,
            Outcome::Done { .. }
        ));
        assert_eq!(k.journal().fiscalised_count(id), 1, "{id}");
    }
    assert_eq!(k.journal().len(), 3);
    assert!(c.submit_batch(&[]).await.is_empty(), "nothing to send");
    assert_eq!(k.journal().len(), 3);
}

#[tokio::test]
async fn each_task_is_answered_on_its_own() {
    let k = emulator(Faults::none()).await;
    let c = client_with(&k, TEST_SECRET);
    let r = receipt("1.2");
    let old = receipt("1.05");
    // KOMTET already holds `held` (sent alone before).
    assert!(matches!(
        c.submit(&submission("held", &r)).await,
        Ok(Outcome::Accepted { .. })
    ));
    let too_long = "x".repeat(65); // KOMTET's external_id is at most 64 characters.
    let subs = [
        submission("fresh", &r),
        submission("held", &r),
        submission("old-ffd", &old),
        submission("fresh", &r),
        submission(&too_long, &r),
    ];
    let answers = c.submit_batch(&subs).await;
    let (fresh, dup) = accepted(&answers[0]);
    assert!(!dup && !fresh.is_empty());
    assert!(accepted(&answers[1]).1, "held: a duplicate (VLD11)");
    match &answers[2].outcome {
        Err(ProviderError::Unsupported { path, .. }) => assert_eq!(path, "tasks[2].ffd"),
        other => panic!("old-ffd: {other:?}"),
    }
    assert_eq!(accepted(&answers[3]), (fresh.clone(), true), "a repeat");
    match &answers[4].outcome {
        Ok(Outcome::Rejected {
            kind: RejectKind::Validation,
            code,
            message,
        }) => {
            assert_eq!(code, "VLD01");
            assert!(message.starts_with("tasks[4]"), "{message}");
        }
        other => panic!("too long: {other:?}"),
    }
    // Each receipt once at the provider.
    assert_eq!(k.journal().count("fresh"), 1);
    assert_eq!(k.journal().count("held"), 1);
    assert_eq!(k.journal().count("old-ffd"), 0);
    assert_eq!(k.journal().len(), 2);
    assert!(matches!(
        settle(&c, &fresh, "fresh", &r).await,
        Outcome::Done { .. }
    ));
}

#[tokio::test]
async fn whole_request_refusals_and_lost_answers() {
    let k = emulator(Faults::none()).await;
    let r = receipt("1.2");
    let subs = [submission("lost-0", &r), submission("lost-1", &r)];

    // A wrong secret: every task refused (auth), naming it.
    let wrong = client_with(&k, "not-the-secret");
    for (i, a) in wrong.submit_batch(&subs).await.iter().enumerate() {
        match &a.outcome {
            Ok(Outcome::Rejected {
                kind: RejectKind::Auth,
                message,
                ..
            }) => assert!(message.starts_with(&format!("tasks[{i}]")), "{message}"),
            other => panic!("{other:?}"),
        }
    }
    assert!(k.journal().is_empty());

    // Taken, the answer lost: in doubt; then a 502: in doubt; then the same batch again:
    // KOMTET holds both, so each is answered on its own as a duplicate.
    k.set_faults(
        Faults::none()
            .script(Endpoint::Register, Fault::ResetAfterAccept)
            .script(Endpoint::Register, Fault::ServerError(502)),
    );
    let c = client_with(&k, TEST_SECRET);
    for _ in 0..2 {
        for a in c.submit_batch(&subs).await {
            assert!(matches!(a.outcome, Ok(Outcome::InDoubt { .. })), "{a:?}");
        }
    }
    for a in c.submit_batch(&subs).await {
        assert!(accepted(&a).1, "{a:?}");
    }
    for id in ["lost-0", "lost-1"] {
        assert_eq!(k.journal().count(id), 1, "{id}");
    }
}
