//! The worker against a scripted fake provider: every path of the state machine driven by
//! real provider answers, each ending with every receipt fiscalised exactly once.
//!
//! (Split by concern: the status-call contract and the ОФД delivery state in `status`, operator
//! actions in `operator`; the state machine's own paths here.)

mod group_commit;
mod kept;
mod operator;
mod status;

#[path = "../support/mod.rs"]
mod support;

use fiskal_outbox::worker::Transition;
use fiskal_outbox::{NewEntry, Route, SqliteStore, State, Store, Timestamp, Worker, WorkerConfig};
use fiskal_providers::InDoubtResolution;
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{fast_config, open, receipt, FakeCloud, Fault};

fn cfg() -> WorkerConfig {
    WorkerConfig {
        concurrency: 4,
        lease: Duration::from_secs(5),
        call_timeout: Duration::from_secs(2),
        idle_wait: Duration::from_millis(20),
        drain_timeout: Duration::from_secs(5),
        ..WorkerConfig::default()
    }
}

fn enqueue(s: &SqliteStore, key: &str, route: &str) {
    let r = receipt();
    s.enqueue(
        &NewEntry {
            key,
            receipt: &r,
            provider: route,
        },
        Timestamp::now(),
    )
    .expect("enqueue");
}

fn worker(
    s: &Arc<SqliteStore>,
    routes: Vec<(&str, Route<FakeCloud>)>,
    cfg: WorkerConfig,
) -> Worker<SqliteStore, FakeCloud> {
    let routes: HashMap<String, Route<FakeCloud>> =
        routes.into_iter().map(|(n, r)| (n.to_owned(), r)).collect();
    Worker::new(Arc::clone(s), routes, cfg).expect("worker")
}

/// Runs until settled (at most 20 s).
async fn settle(w: &Worker<SqliteStore, FakeCloud>) {
    let settled = w
        .run_until_settled(tokio::time::sleep(Duration::from_secs(20)))
        .await;
    assert!(
        settled,
        "the worker did not settle in 20 s: {:?}",
        w.counters()
    );
}

fn state(s: &SqliteStore, key: &str) -> State {
    s.get(key).expect("get").expect("entry").state
}

fn reasons(s: &SqliteStore, key: &str) -> Vec<String> {
    s.audit(key)
        .expect("audit")
        .into_iter()
        .map(|a| a.reason)
        .collect()
}

fn assert_once(cloud: &FakeCloud, keys: &[&str]) {
    let f = cloud.fiscalised();
    for k in keys {
        assert_eq!(
            f.get(*k).copied(),
            Some(1),
            "{k} fiscalised {:?} times",
            f.get(*k)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn happy_path_sends_polls_and_records_fiscal_attributes() {
    let s = open("happy", fast_config());
    let cloud = FakeCloud::new("fake", InDoubtResolution::ResendSameId).polls_to_done(2);
    let keys: Vec<String> = (0..20).map(|i| format!("order-{i}")).collect();
    for k in &keys {
        enqueue(&s, k, "main");
    }
    let w = worker(&s, vec![("main", Route::new(cloud.clone()))], cfg());
    settle(&w).await;
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    assert_once(&cloud, &refs);
    for k in &keys {
        let e = s.get(k).expect("get").expect("entry");
        assert_eq!(e.state, State::Done, "{k}");
        assert_eq!(e.provider_id.as_deref(), Some(format!("p-{k}-1").as_str()));
        assert!(e.fiscal.is_some());
        assert_eq!(
            reasons(&s, k),
            [
                "enqueued",
                "claimed_for_send",
                "accepted",
                "pending",
                "done"
            ]
        );
    }
    let c = w.counters();
    assert_eq!(
        (c.submits, c.done, c.conflicts, c.store_errors),
        (20, 20, 0, 0)
    );
    assert_eq!(c.status_calls, 40, "two polls each");
    assert!(cloud.max_in_flight.load(Ordering::SeqCst) <= 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_doubt_is_resolved_by_resending_the_same_id_when_the_provider_says_so() {
    let s = open("resend", fast_config());
    let cloud = FakeCloud::new("atol-like", InDoubtResolution::ResendSameId);
    cloud.script([Fault::TakenInDoubt]);
    enqueue(&s, "a", "main");
    let w = worker(&s, vec![("main", Route::new(cloud.clone()))], cfg());
    settle(&w).await;
    assert_eq!(state(&s, "a"), State::Done);
    assert_once(&cloud, &["a"]);
    assert_eq!(
        reasons(&s, "a"),
        [
            "enqueued",
            "claimed_for_send",
            "in_doubt",
            "duplicate",
            "done"
        ]
    );
    assert_eq!(cloud.held(), ["a-1"], "one document id, never a new one");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_doubt_is_looked_up_before_any_resend() {
    let s = open("lookup", fast_config());
    let cloud = FakeCloud::new("orange-like", InDoubtResolution::LookUp);
    // First receipt: taken but the answer lost → the lookup finds it, no resend.
    // Second: lost before it was taken → the lookup says not found → resent, same id.
    cloud.script([Fault::TakenInDoubt]);
    enqueue(&s, "taken", "main");
    let w = worker(&s, vec![("main", Route::new(cloud.clone()))], cfg());
    settle(&w).await;
    cloud.script([Fault::LostInDoubt]);
    enqueue(&s, "lost", "main");
    settle(&w).await;
    assert_once(&cloud, &["taken", "lost"]);
    assert_eq!(
        reasons(&s, "taken"),
        ["enqueued", "claimed_for_send", "in_doubt", "done"]
    );
    assert_eq!(
        reasons(&s, "lost"),
        [
            "enqueued",
            "claimed_for_send",
            "in_doubt",
            "not_found",
            "claimed_for_send",
            "accepted",
            "done"
        ]
    );
    let sends: Vec<String> = cloud.submits().into_iter().map(|(id, _)| id).collect();
    assert_eq!(
        sends,
        ["taken-1", "lost-1", "lost-1"],
        "no send while in doubt"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured() {
    let s = open("retry-after", fast_config());
    let cloud = FakeCloud::new("fake", InDoubtResolution::ResendSameId);
    cloud.script([Fault::RetryLater(Some(Duration::from_millis(400)))]);
    enqueue(&s, "r", "main");
    let w = worker(&s, vec![("main", Route::new(cloud.clone()))], cfg());
    settle(&w).await;
    assert_once(&cloud, &["r"]);
    let sends = cloud.submits();
    assert_eq!(sends.len(), 2);
    let gap = sends[1].1.duration_since(sends[0].1);
    assert!(gap >= Duration::from_millis(400), "resent after {gap:?}");
    // Jitter only ever lengthens a provider's delay, by at most 20 %; allow scheduling slack.
    assert!(gap < Duration::from_millis(400 * 12 / 10 + 300), "{gap:?}");
    assert_eq!(
        s.get("r").expect("get").expect("e").document_id(),
        "r-1",
        "the same document id is sent again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_refusals_are_resubmitted_under_a_new_id_up_to_the_limit() {
    let s = open("register", fast_config());
    let cloud = FakeCloud::new("fake", InDoubtResolution::ResendSameId);
    let w = worker(
        &s,
        vec![("main", Route::new(cloud.clone()))],
        WorkerConfig {
            register_resubmits: 1,
            no_resubmit_codes: vec!["65".into()],
            ..cfg()
        },
    );
    // Transient register failure once: resubmitted as x-2 and done.
    cloud.script([Fault::RegisterRefusal("234")]);
    enqueue(&s, "x", "main");
    settle(&w).await;
    let e = s.get("x").expect("get").expect("e");
    assert_eq!((e.state, e.attempt), (State::Done, 2));
    assert_eq!(cloud.held(), ["x-1", "x-2"]);
    assert_once(&cloud, &["x"]);
    // Twice: the limit (1 resubmit) leaves it for an operator.
    cloud.script([Fault::RegisterRefusal("234"), Fault::RegisterRefusal("234")]);
    enqueue(&s, "y", "main");
    settle(&w).await;
    let e = s.get("y").expect("get").expect("e");
    assert_eq!((e.state, e.attempt), (State::FailedAtRegister, 2));
    assert_eq!(e.last_code.as_deref(), Some("234"));
    // A code listed as not resubmittable: left at once.
    cloud.script([Fault::RegisterRefusal("65")]);
    enqueue(&s, "z", "main");
    settle(&w).await;
    let e = s.get("z").expect("get").expect("e");
    assert_eq!((e.state, e.attempt), (State::FailedAtRegister, 1));
    assert_eq!(w.counters().resubmits, 2);
    assert!(!cloud.fiscalised().contains_key("y") && !cloud.fiscalised().contains_key("z"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_moves_only_receipts_nobody_accepted() {
    let s = open("failover", fast_config());
    let primary = FakeCloud::new("primary", InDoubtResolution::ResendSameId);
    let backup = FakeCloud::new("backup", InDoubtResolution::LookUp);
    primary.script([
        Fault::RetryLater(None),
        Fault::RetryLater(None),
        Fault::RetryLater(None),
    ]);
    enqueue(&s, "f", "primary");
    let w = worker(
        &s,
        vec![
            ("primary", Route::new(primary.clone()).failover("backup", 3)),
            ("backup", Route::new(backup.clone())),
        ],
        cfg(),
    );
    settle(&w).await;
    let e = s.get("f").expect("get").expect("e");
    assert_eq!(
        (e.state, e.provider.as_str(), e.attempt),
        (State::Done, "backup", 2)
    );
    assert!(primary.fiscalised().is_empty() && primary.held().is_empty());
    assert_once(&backup, &["f"]);
    assert!(reasons(&s, "f").contains(&"failover".to_owned()));
    assert_eq!(w.counters().failovers, 1);

    // Accepted once at the primary (then refused by its register): never failed over.
    primary.script([Fault::RegisterRefusal("234"), Fault::RetryLater(None)]);
    primary.script([Fault::RetryLater(None), Fault::RetryLater(None)]);
    enqueue(&s, "g", "primary");
    settle(&w).await;
    let e = s.get("g").expect("get").expect("e");
    assert_eq!((e.state, e.provider.as_str()), (State::Done, "primary"));
    assert_once(&primary, &["g"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_whose_worker_died_is_resolved_as_in_doubt() {
    let s = open("lease", fast_config());
    let cloud = FakeCloud::new("fake", InDoubtResolution::LookUp);
    enqueue(&s, "dead", "main");
    // A worker claimed it and died before writing anything (its lease: 50 ms).
    let claimed = s
        .claim_due(Timestamp::now(), 10, Duration::from_millis(50))
        .expect("claim");
    assert_eq!(claimed[0].state, State::Sending);
    tokio::time::sleep(Duration::from_millis(80)).await;
    let w = worker(&s, vec![("main", Route::new(cloud.clone()))], cfg());
    settle(&w).await;
    assert_once(&cloud, &["dead"]);
    assert_eq!(
        reasons(&s, "dead"),
        [
            "enqueued",
            "claimed_for_send",
            "lease_expired",
            "not_found",
            "claimed_for_send",
            "accepted",
            "done"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_calls_in_flight_finish_and_records_them() {
    let s = open("shutdown", fast_config());
    let cloud = FakeCloud::new("fake", InDoubtResolution::ResendSameId);
    cloud.script([Fault::Slow(Duration::from_millis(400))]);
    enqueue(&s, "slow", "main");
    let w = worker(&s, vec![("main", Route::new(cloud.clone()))], cfg());
    let started = Instant::now();
    w.run(tokio::time::sleep(Duration::from_millis(100))).await;
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "waited for the call"
    );
    assert_eq!(state(&s, "slow"), State::Accepted, "the answer was written");
    // Nothing more was claimed after the shutdown began.
    assert_eq!(cloud.status_calls.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_past_the_timeout_is_in_doubt_and_then_resolved() {
    let s = open("timeout", fast_config());
    let cloud = FakeCloud::new("fake", InDoubtResolution::ResendSameId);
    cloud.script([Fault::Slow(Duration::from_millis(600))]);
    enqueue(&s, "t", "main");
    let w = worker(
        &s,
        vec![("main", Route::new(cloud.clone()))],
        WorkerConfig {
            call_timeout: Duration::from_millis(200),
            ..cfg()
        },
    );
    settle(&w).await;
    let r = reasons(&s, "t");
    assert_eq!(&r[..3], ["enqueued", "claimed_for_send", "in_doubt"]);
    assert_eq!(state(&s, "t"), State::Done);
    assert_once(&cloud, &["t"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polls_respect_the_route_limit() {
    let s = open("gate", fast_config());
    let cloud = FakeCloud::new("fake", InDoubtResolution::ResendSameId);
    for i in 0..6 {
        enqueue(&s, &format!("p{i}"), "main");
    }
    let route = Route::new(cloud.clone()).polls_per_second(NonZeroU32::new(10).expect("10"));
    let w = worker(&s, vec![("main", route)], cfg());
    let started = Instant::now();
    settle(&w).await;
    // Six polls at most ten per second: the last one no sooner than 0.5 s after the first.
    assert_eq!(cloud.status_calls.load(Ordering::SeqCst), 6);
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_makes_the_worker_poll_at_once() {
    let mut c = fast_config();
    c.poll_first = Duration::from_secs(30);
    let s = open("poke", c);
    let cloud = FakeCloud::new("fake", InDoubtResolution::ResendSameId);
    enqueue(&s, "cb", "main");
    let seen: Arc<Mutex<Vec<(State, State)>>> = Arc::default();
    let seen2 = Arc::clone(&seen);
    let w = worker(&s, vec![("main", Route::new(cloud.clone()))], cfg())
        .on_transition(move |t: &Transition| {
            seen2.lock().expect("lock").push((t.from, t.entry.state));
        })
        .expect("observer");
    let w2 = w.clone();
    let poke = async move {
        // Wait until it is accepted, then "receive the callback" for its document id.
        loop {
            tokio::time::sleep(Duration::from_millis(20)).await;
            if w2.store().get("cb").ok().flatten().map(|e| e.state) == Some(State::Accepted) {
                assert!(w2.poke("cb-1").expect("poke"));
                break;
            }
        }
    };
    let started = Instant::now();
    let (settled, ()) = tokio::join!(
        w.run_until_settled(tokio::time::sleep(Duration::from_secs(20))),
        poke
    );
    assert!(settled);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "did not wait for the 30 s poll"
    );
    assert_eq!(state(&s, "cb"), State::Done);
    assert_eq!(
        *seen.lock().expect("lock"),
        [
            (State::Sending, State::Accepted),
            (State::Accepted, State::Done)
        ]
    );
    assert!(!w.poke("unknown").expect("poke"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejections_are_final_and_unrouted_entries_wait() {
    let s = open("reject", fast_config());
    let cloud = FakeCloud::new("fake", InDoubtResolution::ResendSameId);
    cloud.script([Fault::Reject]);
    enqueue(&s, "bad", "main");
    let w = worker(&s, vec![("main", Route::new(cloud.clone()))], cfg());
    settle(&w).await;
    let e = s.get("bad").expect("get").expect("e");
    assert_eq!(
        (e.state, e.last_code.as_deref()),
        (State::Rejected, Some("32"))
    );
    assert!(cloud.fiscalised().is_empty());
    // A route removed from the configuration: the entry is claimed, never sent, and stays in
    // the journal (in doubt after its lease, stuck at its deadline) for an operator.
    enqueue(&s, "orphan", "removed-route");
    w.run(tokio::time::sleep(Duration::from_millis(200))).await;
    assert!(w.counters().unrouted >= 1);
    assert_eq!(state(&s, "orphan"), State::Sending);
    assert_eq!(
        cloud.submits().len(),
        1,
        "only the first receipt was ever sent"
    );
}

#[test]
fn configuration_mistakes_are_refused() {
    let s = open("config", fast_config());
    let cloud = FakeCloud::new("fake", InDoubtResolution::ResendSameId);
    let bad = |routes: Vec<(&str, Route<FakeCloud>)>, cfg: WorkerConfig| {
        let routes: HashMap<String, Route<FakeCloud>> =
            routes.into_iter().map(|(n, r)| (n.to_owned(), r)).collect();
        Worker::new(Arc::clone(&s), routes, cfg)
            .map(|_| ())
            .expect_err("refused")
            .to_string()
    };
    assert!(bad(
        vec![("a", Route::new(cloud.clone()).failover("b", 1))],
        cfg()
    )
    .contains("unknown route \"b\""));
    assert!(bad(
        vec![("a", Route::new(cloud.clone()))],
        WorkerConfig {
            concurrency: 0,
            ..cfg()
        }
    )
    .contains("concurrency"));
    assert!(bad(
        vec![("a", Route::new(cloud.clone()))],
        WorkerConfig {
            call_timeout: Duration::from_secs(60),
            lease: Duration::from_secs(60),
            ..cfg()
        }
    )
    .contains("shorter than the lease"));
}

#[test]
fn a_worker_thread_drains_and_stops() {
    let s = open("thread", fast_config());
    let cloud = FakeCloud::new("fake", InDoubtResolution::ResendSameId);
    for i in 0..5 {
        enqueue(&s, &format!("t{i}"), "main");
    }
    let w = worker(&s, vec![("main", Route::new(cloud.clone()))], cfg());
    let t = w.spawn_thread().expect("thread");
    let deadline = Instant::now() + Duration::from_secs(20);
    while s.stats(Timestamp::now()).expect("stats")[3].count < 5 {
        assert!(Instant::now() < deadline, "not done in 20 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    t.stop();
    assert_once(&cloud, &["t0", "t1", "t2", "t3", "t4"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_whose_resubmit_was_never_written_is_resubmitted_after_a_restart() {
    use fiskal_outbox::Event;
    use fiskal_providers::{Outcome, RejectKind};
    let s = open("refused-restart", fast_config());
    let cloud = FakeCloud::new("fake", InDoubtResolution::ResendSameId);
    enqueue(&s, "r", "main");
    // A worker got the register's refusal written, then died before writing the resubmit.
    let e = s.get("r").expect("get").expect("e");
    let e = s
        .apply("r", e.version, &Event::ClaimedForSend, Timestamp::now())
        .expect("claim");
    let refusal = Outcome::Rejected {
        kind: RejectKind::Register,
        code: "234".into(),
        message: "ФН переполнен".into(),
    };
    let e = s
        .apply(
            "r",
            e.version,
            &Event::ProviderOutcome(&refusal),
            Timestamp::now(),
        )
        .expect("refusal");
    assert_eq!((e.state, e.due_at), (State::FailedAtRegister, None));
    let w = worker(&s, vec![("main", Route::new(cloud.clone()))], cfg());
    settle(&w).await;
    let e = s.get("r").expect("get").expect("e");
    assert_eq!((e.state, e.attempt), (State::Done, 2));
    assert_once(&cloud, &["r"]);
    assert_eq!(w.counters().resubmits, 1);
}

/// Runs `w` in the background until `done` holds for the store (at most 20 s), then stops it.
async fn run_until(
    w: &Worker<SqliteStore, FakeCloud>,
    what: &str,
    done: impl Fn(&SqliteStore) -> bool,
) {
    let stop = Arc::new(tokio::sync::Notify::new());
    let task = {
        let w = w.clone();
        let stop = Arc::clone(&stop);
        tokio::spawn(async move { w.run(async move { stop.notified().await }).await })
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(w.store()) {
        assert!(Instant::now() < deadline, "not reached in 20 s: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.notify_one();
    task.await.expect("worker task");
}

fn refused(
    kind: fiskal_providers::RejectKind,
    code: &str,
    message: &str,
) -> fiskal_providers::Outcome {
    fiskal_providers::Outcome::Rejected {
        kind,
        code: code.into(),
        message: message.into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_makes_receipts_wait_and_they_go_out_once_it_is_fixed() {
    use fiskal_providers::RejectKind;
    let s = open("wrong-password", fast_config());
    let cloud = FakeCloud::new("fake", InDoubtResolution::ResendSameId);
    cloud.refuse_all(Some(refused(
        RejectKind::Auth,
        "12",
        "Неверный логин или пароль",
    )));
    for k in ["w1", "w2", "w3"] {
        enqueue(&s, k, "main");
    }
    let w = worker(&s, vec![("main", Route::new(cloud.clone()))], cfg());
    // Every receipt is refused at least twice and waits: never rejected.
    run_until(&w, "three refusals each", |s| {
        ["w1", "w2", "w3"].iter().all(|k| {
            reasons(s, k)
                .iter()
                .filter(|r| r.as_str() == "refused_config")
                .count()
                >= 2
        })
    })
    .await;
    for k in ["w1", "w2", "w3"] {
        let e = s.get(k).expect("get").expect("e");
        assert!(
            matches!(e.state, State::RetryLater | State::Sending),
            "{k}: {:?}",
            e.state
        );
        assert_eq!(e.last_code.as_deref(), Some("12"));
        assert!(!reasons(&s, k).iter().any(|r| r == "rejected"), "{k}");
    }
    // The route is flagged unhealthy, with the provider's code and words.
    let alarms = s.route_alarms().expect("alarms");
    assert_eq!(alarms.len(), 1, "{alarms:?}");
    assert_eq!(
        (
            alarms[0].route.as_str(),
            alarms[0].code.as_deref(),
            alarms[0].message.as_str()
        ),
        ("main", Some("12"), "Неверный логин или пароль")
    );
    assert!(alarms[0].failures >= 6 && alarms[0].since <= alarms[0].at);
    // The password is fixed: the receipts go out by themselves, once each; the alarm clears.
    cloud.refuse_all(None);
    settle(&w).await;
    for k in ["w1", "w2", "w3"] {
        assert_eq!(state(&s, k), State::Done, "{k}");
    }
    assert_once(&cloud, &["w1", "w2", "w3"]);
    assert_eq!(s.route_alarms().expect("alarms"), []);
}

fn submits_of(cloud: &FakeCloud, key: &str) -> Vec<String> {
    cloud
        .submits()
        .into_iter()
        .map(|(id, _)| id)
        .filter(|id| support::key_of(id) == key)
        .collect()
}

/// Keys seen done with attention, with their reasons.
type Seen = Arc<Mutex<Vec<(String, Vec<&'static str>)>>>;
