//! Kept polls (`WorkerConfig::held_polls`): the task whose answer leaves an entry `accepted`
//! keeps it leased and polls it itself at its poll time, with no claim through the journal in
//! between; a lease taken over meanwhile stops its write; a poke polls it at once; a stop gives
//! it back to the journal due at its poll time.

use super::*;
use std::sync::atomic::AtomicBool;

/// Runs the worker until `done(worker)` holds (at most 20 s), then stops it.
async fn run_until_worker(
    w: &Worker<SqliteStore, FakeCloud>,
    what: &str,
    done: impl Fn(&Worker<SqliteStore, FakeCloud>) -> bool,
) {
    let stop = Arc::new(tokio::sync::Notify::new());
    let task = {
        let w = w.clone();
        let stop = Arc::clone(&stop);
        tokio::spawn(async move { w.run(async move { stop.notified().await }).await })
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(w) {
        assert!(Instant::now() < deadline, "not reached in 20 s: {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    stop.notify_one();
    task.await.expect("worker task");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accepted_entry_is_polled_by_the_task_that_sent_it_without_a_second_claim() {
    let s = open("kept-polls", fast_config());
    // Pending twice, then done.
    let cloud = FakeCloud::new("fake", InDoubtResolution::ResendSameId).polls_to_done(3);
    let w = worker(
        &s,
        vec![("main", Route::new(cloud.clone()))],
        WorkerConfig {
            concurrency: 2,
            ..cfg()
        },
    );
    let keys: Vec<String> = (0..8).map(|i| format!("kp-{i}")).collect();
    for k in &keys {
        enqueue(&s, k, "main");
    }
    settle(&w).await;
    let c = w.counters();
    assert_eq!(c.claimed, 8, "one claim per receipt: {c:?}");
    assert_eq!(c.status_calls, 24, "{c:?}");
    assert_eq!(
        c.kept_polls, 24,
        "every poll by the task that kept it: {c:?}"
    );
    assert_eq!(c.conflicts, 0, "{c:?}");
    assert_eq!(c.done, 8, "{c:?}");
    for k in &keys {
        assert_eq!(state(&s, k), State::Done, "{k}");
        let r = reasons(&s, k);
        assert_eq!(
            r.iter().filter(|x| *x == "claimed_for_send").count(),
            1,
            "{k}: {r:?}"
        );
        assert_eq!(r.last().map(String::as_str), Some("done"), "{k}: {r:?}");
    }
    assert_eq!(cloud.fiscalised().values().sum::<u32>(), 8);
    // Waiting for a poll takes no slot, a poll does: never more calls at once than slots.
    assert!(cloud.max_in_flight.load(Ordering::SeqCst) <= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_held_polls_zero_every_poll_goes_through_a_claim() {
    let s = open("kept-off", fast_config());
    let cloud = FakeCloud::new("fake", InDoubtResolution::ResendSameId).polls_to_done(2);
    let w = worker(
        &s,
        vec![("main", Route::new(cloud.clone()))],
        WorkerConfig {
            held_polls: 0,
            ..cfg()
        },
    );
    for i in 0..3 {
        enqueue(&s, &format!("ko-{i}"), "main");
    }
    settle(&w).await;
    let c = w.counters();
    assert_eq!(c.claimed, 3 + 6, "a claim per send and per poll: {c:?}");
    assert_eq!(c.kept_polls, 0, "{c:?}");
    assert_eq!(c.done, 3, "{c:?}");
}

/// Between the accepted answer and the poll, the entry's lease is taken over (another worker
/// claims it after a poke through the journal): the task that kept it polls at its time, but
/// its answer is fenced off (a conflict) and nothing of it is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_entry_whose_lease_was_taken_over_writes_nothing() {
    let s = open("kept-taken-over", fast_config());
    let cloud = FakeCloud::new("fake", InDoubtResolution::ResendSameId);
    let taken = Arc::new(AtomicBool::new(false));
    let (store, flag) = (Arc::clone(&s), Arc::clone(&taken));
    let w = worker(&s, vec![("main", Route::new(cloud.clone()))], cfg())
        .on_transition(move |t: &Transition| {
            if t.entry.state == State::Accepted
                && t.from == State::Sending
                && !flag.swap(true, Ordering::SeqCst)
            {
                // Another worker: made due through the journal, then claimed for a minute.
                let now = Timestamp::now();
                assert!(store.poke(&t.entry.key, now).expect("poke"));
                let claimed = store
                    .claim_due(now, 10, Duration::from_secs(60))
                    .expect("claim");
                assert_eq!(claimed.len(), 1, "the other worker takes it");
            }
        })
        .expect("observer");
    enqueue(&s, "kt-1", "main");
    run_until_worker(&w, "the kept poll's answer refused", |w| {
        w.counters().conflicts >= 1
    })
    .await;
    let c = w.counters();
    assert!(taken.load(Ordering::SeqCst));
    assert_eq!(
        (c.kept_polls, c.status_calls, c.conflicts),
        (1, 1, 1),
        "{c:?}"
    );
    assert_eq!(c.done, 0, "{c:?}");
    let e = s.get("kt-1").expect("get").expect("entry");
    assert_eq!(
        e.state,
        State::Accepted,
        "the other worker's lease holds it"
    );
    assert!(!reasons(&s, "kt-1").iter().any(|r| r == "done"));
}

/// A callback for a kept entry (by key or by document id) makes its task poll at once,
/// instead of at its poll time ten seconds away, still without a claim.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poke_makes_the_task_that_keeps_an_entry_poll_at_once() {
    let s = open(
        "kept-poke",
        fiskal_outbox::Config {
            poll_first: Duration::from_secs(10),
            poll_max: Duration::from_secs(20),
            ..fast_config()
        },
    );
    let cloud = FakeCloud::new("fake", InDoubtResolution::ResendSameId);
    let w = worker(
        &s,
        vec![("main", Route::new(cloud.clone()))],
        WorkerConfig {
            lease: Duration::from_secs(30),
            ..cfg()
        },
    );
    enqueue(&s, "kk-1", "main");
    enqueue(&s, "kk-2", "main");
    let stop = Arc::new(tokio::sync::Notify::new());
    let task = {
        let w = w.clone();
        let stop = Arc::clone(&stop);
        tokio::spawn(async move { w.run(async move { stop.notified().await }).await })
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while !["kk-1", "kk-2"]
        .iter()
        .all(|k| state(&s, k) == State::Accepted)
    {
        assert!(Instant::now() < deadline, "not accepted");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // The worker's own poke takes the kept task, by key and by document id; the journal is
    // not touched (the entries stay leased to their tasks).
    let poked = Instant::now();
    assert!(w.poke("kk-1").expect("poke"));
    assert!(w.poke("kk-2-1").expect("poke by document id"));
    while !["kk-1", "kk-2"].iter().all(|k| state(&s, k) == State::Done) {
        assert!(
            poked.elapsed() < Duration::from_secs(5),
            "not polled at once: {:?}",
            w.counters()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    stop.notify_one();
    task.await.expect("worker task");
    let c = w.counters();
    assert_eq!((c.claimed, c.kept_polls, c.conflicts), (2, 2, 0), "{c:?}");
}

/// A worker stopped while it keeps an entry gives it back to the journal due at its poll
/// time, not a lease later: the next run polls it on time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_worker_gives_its_kept_entries_back_due_at_their_poll_time() {
    let poll_first = Duration::from_secs(2);
    let s = open(
        "kept-stop",
        fiskal_outbox::Config {
            poll_first,
            poll_max: Duration::from_secs(4),
            ..fast_config()
        },
    );
    let cloud = FakeCloud::new("fake", InDoubtResolution::ResendSameId);
    let lease = Duration::from_secs(30);
    let w = worker(
        &s,
        vec![("main", Route::new(cloud.clone()))],
        WorkerConfig { lease, ..cfg() },
    );
    enqueue(&s, "ks-1", "main");
    run_until(&w, "accepted", |s| {
        s.get("ks-1").expect("get").expect("e").state == State::Accepted
    })
    .await;
    let e = s.get("ks-1").expect("get").expect("entry");
    assert_eq!(e.state, State::Accepted);
    let due = e.due_at.expect("due");
    // The poll time: poll_first after acceptance, ±20 % jitter; never the lease's end.
    let earliest = e.state_since.plus(poll_first.mul_f64(0.79));
    let latest = e.state_since.plus(poll_first.mul_f64(1.21));
    assert!(
        earliest <= due && due <= latest,
        "due {} ms after acceptance",
        due.0 - e.state_since.0
    );
    assert_eq!(w.counters().status_calls, 0);
}
