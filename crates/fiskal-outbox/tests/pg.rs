//! What only the PostgreSQL store has: fenced leases between workers on many machines, two
//! workers on one journal, the LISTEN/NOTIFY wake-up, connection settings and their secrets.
//! (The store contract itself runs on both engines in tests/store.rs.) Needs
//! `FISKAL_TEST_PG_URL` (bash scripts/test-pg); fails without it.
#![cfg(feature = "postgres")]

mod pg_support;
mod support;

use fiskal_outbox::{
    Change, Config, Event, Jitter, NewEntry, OutboxError, PgConfig, PgStore, Route, State, Store,
    Timestamp, Worker, WorkerConfig,
};
use fiskal_providers::{InDoubtResolution, Outcome};
use pg_support::PgHarness;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use support::FakeCloud;

const T0: Timestamp = Timestamp(1_772_000_000_000);

fn at(secs: i64) -> Timestamp {
    Timestamp(T0.0 + secs * 1000)
}

fn enqueue(s: &PgStore, key: &str, now: Timestamp) {
    let r = support::receipt();
    s.enqueue(
        &NewEntry {
            key,
            receipt: &r,
            provider: "main",
        },
        now,
    )
    .expect("enqueue");
}

fn accepted() -> Outcome {
    Outcome::Accepted {
        provider_id: "u-1".into(),
        duplicate: false,
    }
}

#[test]
fn a_worker_whose_lease_was_taken_over_cannot_write_the_journal() {
    let h = PgHarness::new("takeover");
    let a = h.store(Config::default()).expect("worker a");
    let b = h.store(Config::default()).expect("worker b");
    assert_ne!(a.owner(), b.owner());
    enqueue(&a, "k", T0);
    let lease = Duration::from_secs(30);
    let mine = a.claim_due(at(1), 10, lease).expect("a claims");
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].state, State::Sending);
    let o = accepted();
    // While a's lease runs, b cannot write, not even with the version it just read.
    let cur = b.get("k").expect("get").expect("entry");
    assert_eq!(cur.version, mine[0].version);
    let err = b
        .apply("k", cur.version, &Event::ProviderOutcome(&o), at(2))
        .expect_err("b is not the holder");
    assert_eq!(err.code(), "conflict", "{err}");
    // Nor claim it.
    assert!(b.claim_due(at(2), 10, lease).expect("claim").is_empty());
    // a's lease runs out (a hangs); b takes the entry over: in doubt, under a new epoch.
    let taken = b.claim_due(at(31), 10, lease).expect("b takes over");
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].state, State::InDoubt);
    // a's late answer is fenced off, with the version it held and with the current one.
    let late = a.apply("k", mine[0].version, &Event::ProviderOutcome(&o), at(32));
    assert_eq!(late.expect_err("stale version").code(), "conflict");
    let now_v = a.get("k").expect("get").expect("entry").version;
    let late = a.apply("k", now_v, &Event::ProviderOutcome(&o), at(33));
    assert_eq!(late.expect_err("lease held by b").code(), "conflict");
    assert_eq!(
        a.get("k").expect("get").expect("entry"),
        taken[0],
        "the journal is as b left it"
    );
    // b, the holder, writes.
    let e = b
        .apply("k", taken[0].version, &Event::ProviderOutcome(&o), at(34))
        .expect("b writes");
    assert_eq!(e.state, State::Accepted);
    let reasons: Vec<String> = b
        .audit("k")
        .expect("audit")
        .into_iter()
        .map(|r| r.reason)
        .collect();
    assert_eq!(
        reasons,
        ["enqueued", "claimed_for_send", "lease_expired", "accepted"]
    );
    // Once b's answer ended its lease, anyone holding the current version may write again.
    let v = a.get("k").expect("get").expect("entry").version;
    a.apply("k", v, &Event::Deadline, at(35))
        .expect("no lease any more");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_on_one_journal_never_send_a_document_twice() {
    const N: usize = 200;
    let h = PgHarness::new("two_workers");
    let cfg = support::fast_config();
    let a = Arc::new(h.store(cfg.clone()).expect("store a"));
    let b = Arc::new(h.store(cfg).expect("store b"));
    let r = support::receipt();
    let keys: Vec<String> = (0..N).map(|i| format!("two-{i}")).collect();
    let batch: Vec<NewEntry<'_>> = keys
        .iter()
        .map(|k| NewEntry {
            key: k,
            receipt: &r,
            provider: "main",
        })
        .collect();
    let out = a.enqueue_batch(&batch, Timestamp::now()).expect("batch");
    assert!(out.iter().all(|r| r.as_ref().is_ok_and(|e| e.created)));
    let cloud = FakeCloud::new("fake", InDoubtResolution::ResendSameId);
    let wcfg = WorkerConfig {
        concurrency: 8,
        lease: Duration::from_secs(10),
        call_timeout: Duration::from_secs(2),
        idle_wait: Duration::from_millis(50),
        ..WorkerConfig::default()
    };
    let worker = |s: &Arc<PgStore>| {
        let routes: HashMap<String, Route<FakeCloud>> =
            HashMap::from([("main".to_owned(), Route::new(cloud.clone()))]);
        Worker::new(Arc::clone(s), routes, wcfg.clone()).expect("worker")
    };
    let (wa, wb) = (worker(&a), worker(&b));
    let limit = || tokio::time::sleep(Duration::from_secs(60));
    let (sa, sb) = tokio::join!(wa.run_until_settled(limit()), wb.run_until_settled(limit()));
    assert!(sa && sb, "settled: {:?} {:?}", wa.counters(), wb.counters());
    let (ca, cb) = (wa.counters(), wb.counters());
    eprintln!("worker a: {ca:?}\nworker b: {cb:?}");
    assert!(ca.submits > 0 && cb.submits > 0, "both workers sent");
    // Every document id went out once, and every receipt was fiscalised once.
    let mut sent: HashMap<String, usize> = HashMap::new();
    for (id, _) in cloud.submits() {
        *sent.entry(id).or_default() += 1;
    }
    assert_eq!(sent.len(), N);
    assert!(sent.values().all(|&n| n == 1), "a document sent twice");
    assert_eq!(ca.submits + cb.submits, u64::try_from(N).expect("n"));
    let fiscalised = cloud.fiscalised();
    assert_eq!(fiscalised.len(), N);
    assert!(fiscalised.values().all(|&n| n == 1));
    let stats = a.stats(Timestamp::now()).expect("stats");
    let done = stats.iter().find(|s| s.state == State::Done).expect("done");
    assert_eq!(done.count, u64::try_from(N).expect("n"));
}

#[test]
fn an_enqueue_elsewhere_wakes_a_watching_worker() {
    let h = PgHarness::new("notify");
    let watcher = h.store(Config::default()).expect("watcher");
    let other = h.store(Config::default()).expect("other process");
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let tx = std::sync::Mutex::new(tx);
    watcher.watch(Arc::new(move || {
        let _ = tx.lock().map(|t| t.send(()));
    }));
    // The listener wakes once when it is connected (whatever was notified before it listened).
    rx.recv_timeout(Duration::from_secs(20))
        .expect("the listener connected");
    while rx.try_recv().is_ok() {}
    enqueue(&other, "wake-me", T0);
    rx.recv_timeout(Duration::from_secs(20))
        .expect("woken by the enqueue's NOTIFY");
}

#[test]
fn poll_only_listens_to_nothing_and_still_works() {
    let h = PgHarness::new("poll_only");
    let mut settings = h.settings();
    settings.poll_only = true;
    let s = PgStore::open(settings, Config::default()).expect("open");
    s.watch(Arc::new(|| panic!("poll_only must not listen")));
    enqueue(&s, "p", T0);
    assert_eq!(
        s.claim_due(at(1), 5, Duration::from_secs(5))
            .expect("claim")
            .len(),
        1
    );
}

#[test]
fn secrets_never_appear_in_debug_or_errors() {
    let mut settings = PgConfig::new("postgres://fiskal:url-s3cret@127.0.0.1:1/journal");
    settings.password = Some("pw-s3cret".into());
    settings.connect_timeout = Duration::from_secs(2);
    let debug = format!("{settings:?}");
    assert!(!debug.contains("s3cret"), "{debug}");
    // Nothing listens on port 1: unavailable, named without the password.
    let err = PgStore::open(settings, Config::default()).expect_err("refused");
    assert_eq!(err.code(), "unavailable", "{err}");
    let text = format!("{err} {err:?}");
    assert!(!text.contains("s3cret"), "{text}");
    assert!(text.contains("127.0.0.1:1/journal"), "{text}");
    // A malformed URL is not quoted back either.
    let bad = PgConfig::new("postgres://fiskal:url-s3cret@host:notaport/db");
    let err = PgStore::open(bad, Config::default()).expect_err("bad url");
    assert!(
        matches!(&err, OutboxError::InvalidConfig { field: Some(f), .. } if f == "db"),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains("s3cret"));
    // A store that opened shows the server, never the password.
    let h = PgHarness::new("secrets");
    let mut settings = h.settings();
    settings.password = Some("pw-s3cret".into());
    let s = PgStore::open(settings, Config::default()).expect("trust auth ignores it");
    assert!(!format!("{s:?}").contains("s3cret"));
}

#[test]
fn a_read_only_server_refuses_a_new_journal_clearly() {
    let h = PgHarness::new("replica");
    let mut settings = h.settings();
    settings.url = h.url_with_option("-c default_transaction_read_only=on");
    let err = PgStore::open(settings, Config::default()).expect_err("read-only");
    assert_eq!(err.code(), "read_only", "{err}");
}

#[test]
fn schema_names_and_pool_sizes_are_checked() {
    for bad in ["", "Bad", "has-dash", "1st", "pg_catalog", &"x".repeat(51)] {
        let mut s = PgConfig::new(pg_support::url());
        s.schema = bad.to_owned();
        match PgStore::open(s, Config::default()) {
            Err(OutboxError::InvalidConfig { field: Some(f), .. }) => {
                assert_eq!(f, "postgres.schema", "{bad:?}");
            }
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    // Each error names the setting the user wrote: the `postgres` section of the outbox
    // settings (`postgres.pool_size`, `postgres.ca_file`), the journal location (`db`).
    let mut s = PgConfig::new(pg_support::url());
    s.pool_size = 0;
    let err = PgStore::open(s, Config::default()).expect_err("pool 0");
    assert_eq!(err.code(), "invalid_config");
    assert!(
        matches!(&err, OutboxError::InvalidConfig { field: Some(f), .. } if f == "postgres.pool_size"),
        "{err:?}"
    );
    let mut s = PgConfig::new(pg_support::url());
    s.ca_file = Some(std::path::PathBuf::from("/nonexistent/fiskal-ca.pem"));
    let err = PgStore::open(s, Config::default()).expect_err("no CA file");
    assert!(
        matches!(&err, OutboxError::InvalidConfig { field: Some(f), .. } if f == "postgres.ca_file"),
        "{err:?}"
    );
    // Through the settings (what the C ABI, the bindings and the command read): the same names.
    let settings: fiskal_outbox::PostgresSettings =
        serde_json::from_str(r#"{"schema": "Not-Valid"}"#).expect("settings");
    let err = PgStore::open(
        settings.pg_config(&pg_support::url()).expect("config"),
        Config::default(),
    )
    .expect_err("bad schema");
    assert!(
        matches!(&err, OutboxError::InvalidConfig { field: Some(f), .. } if f == "postgres.schema"),
        "{err:?}"
    );
}

/// The restore guard: a journal that goes back in time under a running store (restored from a
/// backup, here dropped and re-created with less in it) is refused by that store's next claim,
/// which claims nothing; a store that opens the journal afresh works on it.
#[test]
fn a_store_refuses_to_claim_from_a_journal_that_went_back() {
    let h = PgHarness::new("rewind");
    let running = h.store(Config::default()).expect("open");
    for k in ["a", "b", "c"] {
        enqueue(&running, k, at(0));
    }
    assert_eq!(
        running
            .claim_due(at(1), 10, Duration::from_secs(30))
            .expect("claim")
            .len(),
        3
    );
    // The "restore": the schema replaced by an older journal holding one queued entry.
    pg_support::raw_sql(&h.url, &format!("DROP SCHEMA {} CASCADE", h.schema)).expect("drop");
    let restored = h.store(Config::default()).expect("re-create");
    enqueue(&restored, "a", at(0));
    let err = running
        .claim_due(at(2), 10, Duration::from_secs(30))
        .expect_err("a claim from a journal that went back");
    assert_eq!(err.code(), "corrupt", "{err}");
    assert!(err.to_string().contains("went back"), "{err}");
    // It claimed nothing: the entry is still queued, and still refused on the next try.
    assert_eq!(
        running.get("a").expect("get").expect("entry").state,
        State::Queued
    );
    assert!(running
        .claim_due(at(3), 10, Duration::from_secs(30))
        .is_err());
    // A store opened on the journal as it now is claims it.
    let fresh = h.store(Config::default()).expect("open again");
    assert_eq!(
        fresh
            .claim_due(at(4), 10, Duration::from_secs(30))
            .expect("claim")
            .len(),
        1
    );
}

/// Runs `sql` (`{s}`: the journal's schema) and reads the one `bigint` it answers.
fn query_i64(h: &PgHarness, sql: &str) -> i64 {
    let rows = pg_support::query_rows(&h.url, &sql.replace("{s}", &h.schema));
    assert_eq!(rows.len(), 1, "one row expected from {sql}");
    rows[0].get(0)
}

fn raw(h: &PgHarness, sql: &str) {
    pg_support::raw_sql(&h.url, &sql.replace("{s}", &h.schema)).expect("raw SQL");
}

/// A large batch goes in as a few multi-row statements (counted by a statement-level
/// trigger on the entries table), not one statement per entry; every entry is created with
/// its one `enqueued` audit row, and claims take them in the batch's order.
#[test]
fn a_large_batch_is_enqueued_in_a_few_statements_in_its_order() {
    const N: usize = 2500;
    let h = PgHarness::new("batch_statements");
    let s = h.store(Config::default()).expect("open");
    raw(
        &h,
        "CREATE TABLE {s}.insert_statements (n INT);
         CREATE FUNCTION {s}.count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN INSERT INTO {s}.insert_statements VALUES (1); RETURN NULL; END $$;
         CREATE TRIGGER count_insert AFTER INSERT ON {s}.entries
             FOR EACH STATEMENT EXECUTE FUNCTION {s}.count_insert();",
    );
    let r = support::receipt();
    // Not in sorted order: the order kept is the batch's, not the keys'.
    let keys: Vec<String> = (0..N).map(|i| format!("big-{}", (i * 7919) % N)).collect();
    let batch: Vec<NewEntry<'_>> = keys
        .iter()
        .map(|k| NewEntry {
            key: k,
            receipt: &r,
            provider: "main",
        })
        .collect();
    let out = s.enqueue_batch(&batch, at(0)).expect("batch");
    assert_eq!(out.len(), N);
    for (k, o) in keys.iter().zip(&out) {
        let e = o.as_ref().expect("enqueued");
        assert!(e.created, "{k}");
        assert_eq!(&e.entry.key, k);
        assert_eq!(e.entry.state, State::Queued);
    }
    // The answer is the entry as stored.
    for i in [0, N / 2, N - 1] {
        let stored = s.get(&keys[i]).expect("get").expect("stored");
        assert_eq!(
            out[i].as_ref().expect("enqueued").entry,
            stored,
            "{}",
            keys[i]
        );
    }
    let statements = query_i64(&h, "SELECT COUNT(*) FROM {s}.insert_statements");
    assert!(
        (1..=3).contains(&statements),
        "{N} entries took {statements} INSERT statements (one per thousand at most)"
    );
    assert_eq!(
        query_i64(
            &h,
            "SELECT COUNT(*) FROM {s}.audit WHERE reason = 'enqueued' AND to_state = 'queued'"
        ),
        i64::try_from(N).expect("n")
    );
    assert_eq!(s.audit("big-17").expect("audit").len(), 1);
    let claimed = s
        .claim_due(at(1), N, Duration::from_secs(60))
        .expect("claim");
    let order: Vec<&str> = claimed.iter().map(|e| e.key.as_str()).collect();
    let want: Vec<&str> = keys.iter().map(String::as_str).collect();
    assert_eq!(order, want, "claimed in the batch's order");
}

/// A key repeated in one batch is stored once: its first occurrence creates it, a later one
/// with the same receipt finds it (`created: false`), one with another receipt is a key
/// conflict, as is a key stored before with another receipt; an invalid key fails alone.
#[test]
fn a_key_repeated_in_a_batch_is_stored_once() {
    let h = PgHarness::new("batch_repeats");
    let s = h.store(Config::default()).expect("open");
    enqueue(&s, "before", at(0));
    let r = support::receipt();
    let text = include_str!("fixtures/receipt_sell.json").replace("Петрова", "Сидорова");
    let other = fiskal_ffd::json::parse(&text).expect("other receipt");
    let e = |key, receipt| NewEntry {
        key,
        receipt,
        provider: "main",
    };
    let batch = [
        e("k1", &r),
        e("k1", &r),
        e("k2", &r),
        e("k2", &other),
        e("bad key", &r),
        e("before", &other),
        e("before", &r),
        e("k1", &other),
    ];
    let out = s.enqueue_batch(&batch, at(1)).expect("batch");
    let codes: Vec<Result<bool, &str>> = out
        .iter()
        .map(|r| r.as_ref().map(|e| e.created).map_err(|e| e.code()))
        .collect();
    assert_eq!(
        codes,
        [
            Ok(true),
            Ok(false),
            Ok(true),
            Err("key_conflict"),
            Err("invalid_key"),
            Err("key_conflict"),
            Ok(false),
            Err("key_conflict"),
        ]
    );
    let first = out[0].as_ref().expect("k1");
    let again = out[1].as_ref().expect("k1 again");
    assert_eq!(
        first.entry, again.entry,
        "the repeat answers the stored entry"
    );
    assert_eq!(
        out[6].as_ref().expect("before").entry.created_at,
        at(0),
        "the entry stored before"
    );
    for k in ["k1", "k2", "before"] {
        assert_eq!(s.audit(k).expect("audit").len(), 1, "{k}: one audit row");
    }
    assert_eq!(query_i64(&h, "SELECT COUNT(*) FROM {s}.entries"), 3);
}

/// A group commit is one transaction: every row it changed carries the same `xmin` (the
/// transaction that wrote it), and a failure of the server on one change (here a trigger
/// answering SQLSTATE 53100, disk full, for one key) fails the whole call and stores none of
/// the batch, the changes before it included.
#[test]
fn a_group_commit_is_one_transaction_and_a_storage_failure_stores_none_of_it() {
    let h = PgHarness::new("batch_one_tx");
    let s = h.store(Config::default()).expect("open");
    let keys = ["a", "b", "c", "boom", "d"];
    for k in keys {
        enqueue(&s, k, at(0));
    }
    let v = |k: &str| s.get(k).expect("get").expect("entry").version;
    let change = |key| Change {
        key,
        expected_version: v(key),
        event: Event::ClaimedForSend,
        now: at(1),
        jitter: Jitter::NONE,
        hold: None,
    };
    let batch: Vec<Change<'_>> = ["a", "b", "c"].into_iter().map(change).collect();
    let out = s.commit_batch(&batch).expect("batch");
    assert!(out
        .iter()
        .all(|r| r.as_ref().is_ok_and(|e| e.state == State::Sending)));
    assert_eq!(
        query_i64(
            &h,
            "SELECT COUNT(DISTINCT xmin::text) FROM {s}.entries WHERE key IN ('a', 'b', 'c')"
        ),
        1,
        "one transaction for the batch"
    );
    raw(
        &h,
        "CREATE FUNCTION {s}.no_space() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'no space left' USING ERRCODE = 'disk_full'; END $$;
         CREATE TRIGGER no_space BEFORE UPDATE ON {s}.entries
             FOR EACH ROW WHEN (NEW.key = 'boom') EXECUTE FUNCTION {s}.no_space();",
    );
    let before: Vec<u64> = ["d", "boom"].into_iter().map(v).collect();
    let batch: Vec<Change<'_>> = ["d", "boom"].into_iter().map(change).collect();
    let err = s.commit_batch(&batch).expect_err("the server failed");
    assert_eq!(err.code(), "disk_full", "{err}");
    let after: Vec<u64> = ["d", "boom"].into_iter().map(v).collect();
    assert_eq!(after, before, "nothing of the batch stored");
    assert_eq!(s.get("d").expect("get").expect("d").state, State::Queued);
    assert_eq!(s.audit("d").expect("audit").len(), 1);
}
