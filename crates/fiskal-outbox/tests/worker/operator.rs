//! Operator actions through the worker: a requeue sends once under a new attempt, a cancel is
//! refused where the provider may hold the receipt.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_requeued_rejected_receipt_goes_out_under_attempt_2_once() {
    use fiskal_outbox::OperatorAction;
    let s = open("requeue-rejected", fast_config());
    let cloud = FakeCloud::new("fake", InDoubtResolution::ResendSameId);
    cloud.script([Fault::Reject]);
    enqueue(&s, "fixed", "main");
    let w = worker(&s, vec![("main", Route::new(cloud.clone()))], cfg());
    settle(&w).await;
    assert_eq!(state(&s, "fixed"), State::Rejected);
    // The cause was fixed at the provider (e.g. the group's INN): an operator requeues it.
    let e = s
        .operator_action(
            "fixed",
            OperatorAction::Requeue,
            "anna",
            "INN of the group corrected",
            Timestamp::now(),
        )
        .expect("requeue");
    assert_eq!((e.state, e.attempt), (State::Queued, 2));
    settle(&w).await;
    let e = s.get("fixed").expect("get").expect("entry");
    assert_eq!(e.state, State::Done);
    assert_eq!(e.document_id(), "fixed-2");
    assert_eq!(e.provider_id.as_deref(), Some("p-fixed-2"));
    assert_once(&cloud, &["fixed"]);
    assert_eq!(submits_of(&cloud, "fixed"), ["fixed-1", "fixed-2"]);
    let r = reasons(&s, "fixed");
    assert_eq!(
        r,
        [
            "enqueued",
            "claimed_for_send",
            "rejected",
            "operator_requeue",
            "claimed_for_send",
            "accepted",
            "done"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_requeued_stuck_receipt_the_provider_holds_is_resolved_without_a_second_document() {
    use fiskal_outbox::OperatorAction;
    use fiskal_providers::Outcome;
    let store_cfg = fiskal_outbox::Config {
        deadline_accepted: Some(Duration::from_millis(400)),
        deadline_in_doubt: Some(Duration::from_millis(400)),
        ..fast_config()
    };
    let s = open("requeue-held", store_cfg);
    // Lookups resolve in-doubt sends (Orange Data, Business.ru).
    let cloud = FakeCloud::new("fake", InDoubtResolution::LookUp).polls_to_done(1);
    let w = worker(
        &s,
        vec![("main", Route::new(cloud.clone()))],
        WorkerConfig {
            stuck_scan: Duration::from_millis(50),
            ..cfg()
        },
    );
    // Every status call fails for a while: one entry accepted (provider id known), one taken
    // but in doubt (no provider id). Both become stuck at their deadlines.
    cloud.status_answer(Some(Outcome::RetryLater {
        after: None,
        code: Some("30".into()),
        message: "Передан некорректный UUID".into(),
    }));
    enqueue(&s, "held", "main");
    run_until(&w, "held accepted", |s| {
        matches!(
            s.get("held").expect("get").expect("e").state,
            State::Accepted | State::Stuck
        )
    })
    .await;
    cloud.script([Fault::TakenInDoubt]);
    enqueue(&s, "doubt", "main");
    settle(&w).await;
    for key in ["held", "doubt"] {
        assert_eq!(state(&s, key), State::Stuck, "{key}");
    }
    assert!(cloud.fiscalised().is_empty());
    // Fixed at the provider; an operator requeues both: same document ids.
    cloud.status_answer(None);
    let held = s
        .operator_action(
            "held",
            OperatorAction::Requeue,
            "anna",
            "ATOL answers again",
            Timestamp::now(),
        )
        .expect("requeue held");
    assert_eq!((held.state, held.attempt), (State::Accepted, 1));
    assert_eq!(held.provider_id.as_deref(), Some("p-held-1"));
    let doubt = s
        .operator_action(
            "doubt",
            OperatorAction::Requeue,
            "anna",
            "look it up",
            Timestamp::now(),
        )
        .expect("requeue doubt");
    assert_eq!((doubt.state, doubt.attempt), (State::InDoubt, 1));
    // Neither may be cancelled: the provider may fiscalise them.
    settle(&w).await;
    for key in ["held", "doubt"] {
        let e = s.get(key).expect("get").expect("entry");
        assert_eq!(e.state, State::Done, "{key}");
        assert_eq!(e.attempt, 1, "{key}: same document id");
        assert_eq!(
            submits_of(&cloud, key),
            [format!("{key}-1")],
            "{key}: never sent again"
        );
    }
    assert_once(&cloud, &["held", "doubt"]);
    assert!(reasons(&s, "held").contains(&"operator_resume".to_owned()));
    assert!(reasons(&s, "doubt").contains(&"operator_recheck".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_an_accepted_receipt_is_refused_and_a_cancelled_one_never_goes_out() {
    use fiskal_outbox::{OperatorAction, OutboxError};
    let s = open("cancel", fast_config());
    let cloud = FakeCloud::new("fake", InDoubtResolution::ResendSameId).polls_to_done(1_000);
    enqueue(&s, "taken", "main");
    enqueue(&s, "not-yet", "main");
    let cancelled = s
        .operator_action(
            "not-yet",
            OperatorAction::Cancel,
            "anna",
            "the customer left",
            Timestamp::now(),
        )
        .expect("cancel queued");
    assert_eq!(cancelled.state, State::Cancelled);
    let w = worker(&s, vec![("main", Route::new(cloud.clone()))], cfg());
    run_until(&w, "accepted", |s| {
        s.get("taken").expect("get").expect("e").state == State::Accepted
    })
    .await;
    match s.operator_action(
        "taken",
        OperatorAction::Cancel,
        "anna",
        "wrong price",
        Timestamp::now(),
    ) {
        Err(e @ OutboxError::ActionNotAllowed { .. }) => {
            assert!(
                e.to_string().contains("issue a refund receipt instead"),
                "{e}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(state(&s, "taken"), State::Accepted);
    assert!(submits_of(&cloud, "not-yet").is_empty(), "never sent");
    assert_eq!(state(&s, "not-yet"), State::Cancelled);
}
