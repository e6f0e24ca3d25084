//! A status call that fails never ends an accepted or in-doubt receipt; an answer about another
//! document is not applied; the ОФД delivery state makes a done receipt want attention.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_status_call_never_ends_an_accepted_receipt() {
    use fiskal_outbox::reconcile::reconcile;
    use fiskal_providers::{Outcome, RejectKind};
    let store_cfg = fiskal_outbox::Config {
        deadline_accepted: Some(Duration::from_millis(600)),
        ..fast_config()
    };
    let s = open("status-auth", store_cfg);
    let cloud = FakeCloud::new("fake", InDoubtResolution::ResendSameId);
    let w = worker(
        &s,
        vec![("main", Route::new(cloud.clone()))],
        WorkerConfig {
            stuck_scan: Duration::from_millis(50),
            ..cfg()
        },
    );
    let started = Timestamp::now();
    // Taken, then every status call is refused: the token (11, after the one refresh), the
    // group (configuration), or ATOL's 30 / a 5xx (a retry with the provider's code).
    let cases = [
        (
            "s-token",
            refused(
                RejectKind::Auth,
                "11",
                "Переданный токен не активен (again after a new token)",
            ),
        ),
        (
            "s-group",
            refused(
                RejectKind::Configuration,
                "20",
                "Код группы не соответствует токену",
            ),
        ),
        (
            "s-uuid",
            Outcome::RetryLater {
                after: None,
                code: Some("30".into()),
                message: "Передан некорректный UUID".into(),
            },
        ),
    ];
    for (key, answer) in &cases {
        enqueue(&s, key, "main");
        cloud.status_answer(Some(answer.clone()));
        run_until(&w, "accepted and polled", |s| {
            let e = s.get(key).expect("get").expect("e");
            e.state == State::Accepted && e.tries >= 2
        })
        .await;
    }
    settle(&w).await;
    for (key, answer) in &cases {
        let e = s.get(key).expect("get").expect("e");
        assert_eq!(e.state, State::Stuck, "{key}");
        let r = reasons(&s, key);
        assert!(!r.iter().any(|x| x == "rejected"), "{key}: {r:?}");
        assert_eq!(r.last().map(String::as_str), Some("deadline"), "{key}");
        let want = if matches!(answer, Outcome::Rejected { .. }) {
            "refused_config"
        } else {
            "retry_later"
        };
        assert!(r.iter().any(|x| x == want), "{key}: {r:?}");
    }
    // Reconciliation lists them for a person.
    let rec = reconcile(
        &w,
        started,
        Timestamp::now().plus(Duration::from_secs(1)),
        100,
    )
    .await
    .expect("reconcile");
    let mut listed: Vec<&str> = rec.stuck.iter().map(|f| f.key.as_str()).collect();
    listed.sort_unstable();
    assert_eq!(listed, ["s-group", "s-token", "s-uuid"]);
    // The last answer (ATOL's 30 for all of them by then) is what a person sees.
    assert!(
        rec.stuck
            .iter()
            .all(|f| f.detail.starts_with("30: Передан некорректный UUID")),
        "{:?}",
        rec.stuck
    );
    assert!(!rec.is_clean());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_that_is_another_receipt_is_stuck_not_done() {
    use fiskal_ffd::Operation;
    use fiskal_outbox::reconcile::reconcile;
    let s = open("id-conflict", fast_config());
    let cloud = FakeCloud::new("fake", InDoubtResolution::ResendSameId);
    // Another program used our document ids before: another total, another operation.
    cloud.plant_foreign("other-total-1", "100.00", Operation::SELL);
    cloud.plant_foreign("other-op-1", "5902.05", Operation::SELL_REFUND);
    enqueue(&s, "other-total", "main");
    enqueue(&s, "other-op", "main");
    enqueue(&s, "ours", "main");
    let started = Timestamp::now();
    let w = worker(&s, vec![("main", Route::new(cloud.clone()))], cfg());
    settle(&w).await;
    for (key, reported) in [
        ("other-total", "total 100.00 (ours 5902.05)"),
        ("other-op", "operation 2 (ours 1)"),
    ] {
        let e = s.get(key).expect("get").expect("e");
        assert_eq!(e.state, State::Stuck, "{key}");
        assert_eq!(e.fiscal, None, "{key}: someone else's fiscal data stored");
        assert_eq!(
            e.last_code.as_deref(),
            Some(fiskal_outbox::ID_CONFLICT_CODE)
        );
        let audit = s.audit(key).expect("audit");
        let last = audit.last().expect("last");
        assert_eq!(last.reason, "id_conflict");
        assert!(last.detail.contains(reported), "{key}: {}", last.detail);
        assert!(last.detail.contains("fd 900"), "{}", last.detail);
        assert!(reasons(&s, key).contains(&"duplicate".to_owned()));
    }
    assert_eq!(state(&s, "ours"), State::Done);
    let rec = reconcile(
        &w,
        started,
        Timestamp::now().plus(Duration::from_secs(1)),
        100,
    )
    .await
    .expect("reconcile");
    let mut listed: Vec<&str> = rec.id_conflicts.iter().map(|f| f.key.as_str()).collect();
    listed.sort_unstable();
    assert_eq!(listed, ["other-op", "other-total"]);
    assert!(rec.stuck.is_empty() && !rec.is_clean());
    assert_eq!(rec.matched, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_answer_about_another_provider_id_is_not_applied() {
    let s = open("foreign-id", fast_config());
    let cloud = FakeCloud::new("fake", InDoubtResolution::ResendSameId);
    cloud.foreign_ids(2);
    enqueue(&s, "k", "main");
    let w = worker(&s, vec![("main", Route::new(cloud.clone()))], cfg());
    settle(&w).await;
    let e = s.get("k").expect("get").expect("e");
    assert_eq!(e.state, State::Done);
    assert_eq!(e.provider_id.as_deref(), Some("p-k-1"));
    let audit = s.audit("k").expect("audit");
    let ignored: Vec<&str> = audit
        .iter()
        .filter(|a| a.reason == "retry_later")
        .map(|a| a.detail.as_str())
        .collect();
    assert_eq!(ignored.len(), 2, "{audit:?}");
    assert!(ignored
        .iter()
        .all(|d| d.starts_with("provider_id_mismatch") && d.contains("p-someone-else")));
    assert_once(&cloud, &["k"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_call_that_cannot_be_made_says_so() {
    use fiskal_providers::ProviderError;
    let s = open("status-local", fast_config());
    let cloud = FakeCloud::new("fake", InDoubtResolution::ResendSameId);
    enqueue(&s, "k", "main");
    cloud.status_error(Some(ProviderError::Unsupported {
        provider: "fake",
        path: "provider_id".into(),
        message: "not a uuid".into(),
    }));
    let w = worker(&s, vec![("main", Route::new(cloud.clone()))], cfg());
    run_until(&w, "a failed status call", |s| {
        s.get("k").expect("get").expect("e").last_code.as_deref() == Some("local:unsupported")
    })
    .await;
    let e = s.get("k").expect("get").expect("e");
    assert_eq!(e.state, State::Accepted);
    let m = e.last_message.unwrap_or_default();
    assert!(!m.contains("cannot be sent"), "{m}");
    assert_eq!(
        m,
        "the status request was not made: fake: `provider_id`: not a uuid"
    );
}

/// Issue 24: a provider that reports the ОФД delivery state. A receipt fiscalised but not
/// delivered is `done` with attention (event, counter, stats); reconciliation lists it as
/// "fiscalised but not delivered" only once the configured grace has passed, and not at all
/// once the provider reports it delivered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receipt_not_delivered_to_the_ofd_is_done_with_attention_and_reconciled_after_the_grace()
{
    use fiskal_outbox::reconcile::reconcile;
    let s = open("ofd-undelivered", fast_config());
    let cloud = FakeCloud::new("fake", InDoubtResolution::LookUp);
    cloud.report_ofd_delivered(Some(false));
    let events: Seen = Arc::default();
    let seen = Arc::clone(&events);
    let build = |grace: Duration, seen: Option<Seen>| {
        let w = worker(
            &s,
            vec![("main", Route::new(cloud.clone()))],
            WorkerConfig {
                ofd_delivery_grace: grace,
                ..cfg()
            },
        );
        match seen {
            Some(seen) => w
                .on_transition(move |t: &Transition| {
                    if let Some(a) = t.attention() {
                        seen.lock()
                            .expect("lock")
                            .push((t.entry.key.clone(), a.reasons()));
                    }
                })
                .expect("observer"),
            None => w,
        }
    };
    let w = build(Duration::from_secs(3600), Some(seen));
    let started = Timestamp::now();
    enqueue(&s, "ofd-1", "main");
    settle(&w).await;
    let e = s.get("ofd-1").expect("get").expect("e");
    assert_eq!(e.state, State::Done);
    let a = e.attention().expect("attention");
    assert!(a.ofd_not_delivered);
    assert_eq!(a.reasons(), ["ofd_not_delivered"]);
    assert_eq!(
        *events.lock().expect("lock"),
        [("ofd-1".to_owned(), vec!["ofd_not_delivered"])],
        "one done-with-attention event"
    );
    assert_eq!(w.counters().done_with_attention, 1);
    assert_eq!(s.count_attention().expect("count"), 1);
    let to = Timestamp::now().plus(Duration::from_secs(1));
    // Within the grace: not yet a finding (the register may still be sending it).
    let rec = reconcile(&w, started, to, 100).await.expect("reconcile");
    assert!(rec.not_delivered.is_empty(), "{:?}", rec.not_delivered);
    assert!(rec.attention.is_empty(), "{:?}", rec.attention);
    assert_eq!(rec.matched, 1);
    // Past the grace: "fiscalised but not delivered".
    let w0 = build(Duration::ZERO, None);
    let rec = reconcile(&w0, started, to, 100).await.expect("reconcile");
    let keys: Vec<&str> = rec.not_delivered.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(keys, ["ofd-1"]);
    assert!(
        rec.not_delivered[0]
            .detail
            .contains("not delivered to the OFD"),
        "{:?}",
        rec.not_delivered
    );
    assert!(!rec.is_clean());
    // The provider's latest word counts: delivered now, nothing to report.
    cloud.report_ofd_delivered(Some(true));
    let rec = reconcile(&w0, started, to, 100).await.expect("reconcile");
    assert!(rec.not_delivered.is_empty(), "{:?}", rec.not_delivered);
    assert!(rec.is_clean(), "{rec:?}");
}
