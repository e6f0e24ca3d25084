//! The store contract, written once and run against every engine: `sqlite::…` against
//! [`SqliteStore`], `pg::…` against `PgStore` (feature `postgres`; each test in its own
//! PostgreSQL schema, so they run in parallel; without `FISKAL_TEST_PG_URL` they fail, they do
//! not skip). Idempotent enqueue, the state table through the store, audit, claims, leases,
//! batches, metrics, operator actions, read-only storage. The SQLite-only tests (file paths,
//! WAL, page caps, migrations of old files) follow at the end.
//!
//! (Over 800 lines: the store contract written once for both engines; the `contract!` list that
//! instantiates it per engine must see every test.)

#[cfg(feature = "postgres")]
mod pg_support;

use fiskal_outbox::store::MAX_KEY_LEN;
use fiskal_outbox::{
    Config, Event, EventKind, NewEntry, OperatorAction, OutboxError, SqliteStore, State, Store,
    Timestamp, TRANSITIONS,
};
use fiskal_providers::{FiscalAttributes, Outcome, RejectKind};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// One journal of one engine, for one test: opens stores (connections) on it.
pub trait Harness: Sync {
    /// A new store on this journal; an error as [`Store`] opening returns it.
    fn try_open_with(&self, cfg: Config) -> Result<Box<dyn Store>, OutboxError>;
    /// A store that can only read this journal (SQLite opened read-only; PostgreSQL a session
    /// with `default_transaction_read_only`, as on a replica).
    fn open_read_only(&self) -> Box<dyn Store>;
    /// Runs raw SQL on the journal, `{s}` standing for the schema prefix of its tables.
    fn raw(&self, sql: &str) -> Result<(), String>;
    /// A second, empty journal of the same engine.
    fn another(&self) -> Box<dyn Harness>;

    /// A new store on this journal with the default configuration.
    fn try_open(&self) -> Result<Box<dyn Store>, OutboxError> {
        self.try_open_with(Config::default())
    }
    /// A new store on this journal (panics when it cannot be opened).
    fn open(&self) -> Box<dyn Store> {
        self.try_open().expect("open the store")
    }
}

/// A SQLite journal in a fresh directory.
struct SqliteHarness {
    path: PathBuf,
}

impl SqliteHarness {
    fn new(name: &str) -> SqliteHarness {
        SqliteHarness {
            path: dir(name).join("outbox.db"),
        }
    }
}

impl Harness for SqliteHarness {
    fn try_open_with(&self, cfg: Config) -> Result<Box<dyn Store>, OutboxError> {
        Ok(Box::new(SqliteStore::open(&self.path, cfg)?))
    }
    fn open_read_only(&self) -> Box<dyn Store> {
        Box::new(SqliteStore::open_read_only(&self.path).expect("open read-only"))
    }
    fn raw(&self, sql: &str) -> Result<(), String> {
        let c = rusqlite::Connection::open(&self.path).map_err(|e| e.to_string())?;
        c.execute_batch(&sql.replace("{s}", ""))
            .map_err(|e| e.to_string())
    }
    fn another(&self) -> Box<dyn Harness> {
        Box::new(SqliteHarness::new("another"))
    }
}

#[cfg(feature = "postgres")]
/// The harness of the generic store contract (tests/store.rs).
impl Harness for pg_support::PgHarness {
    fn try_open_with(&self, cfg: Config) -> Result<Box<dyn Store>, OutboxError> {
        Ok(Box::new(self.store(cfg)?))
    }
    fn open_read_only(&self) -> Box<dyn Store> {
        let mut s = self.settings();
        s.url = self.url_with_option("-c default_transaction_read_only=on");
        Box::new(fiskal_outbox::PgStore::open(s, Config::default()).expect("open read-only"))
    }
    fn raw(&self, sql: &str) -> Result<(), String> {
        pg_support::raw_sql(&self.url, &sql.replace("{s}", &format!("{}.", self.schema)))
    }
    fn another(&self) -> Box<dyn Harness> {
        Box::new(pg_support::PgHarness::new("another"))
    }
}

/// Instantiates every contract test once per engine: `sqlite::name` and (feature `postgres`)
/// `pg::name`.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    super::$name(&super::SqliteHarness::new(stringify!($name)));
                }
            )*
        }
        #[cfg(feature = "postgres")]
        mod pg {
            $(
                #[test]
                fn $name() {
                    super::$name(&super::pg_support::PgHarness::new(stringify!($name)));
                }
            )*
        }
    };
}

contract!(
    enqueue_is_idempotent,
    enqueue_with_another_receipt_under_the_same_key_is_a_conflict,
    bad_keys_are_refused,
    happy_path_with_audit_trail,
    every_table_row_through_the_store,
    schedules_follow_the_outcomes,
    stale_version_is_a_conflict,
    claims_are_exclusive_across_connections,
    expired_send_lease_becomes_in_doubt,
    deadlines_mark_entries_stuck,
    reopening_keeps_everything,
    append_only_audit_and_a_newer_schema_refused,
    stats_count_and_age_per_state,
    read_only_storage_refuses_writes_and_stores_nothing,
    retry_backoff_grows_across_send_cycles,
    batches_store_all_in_one_transaction_with_per_entry_answers,
    window_metrics_count_outcomes_and_latency,
    poke_and_next_due,
    jitter_spreads_delays_within_bounds,
    failover_only_before_any_acceptance,
    a_large_overdue_backlog_is_marked_stuck_in_batches,
    route_alarms_rise_on_refused_credentials_and_clear_on_success,
    an_id_conflict_is_stuck_with_what_the_provider_reported,
    a_requeue_takes_a_new_document_id_only_where_no_provider_can_hold_the_old_one,
    a_requeue_is_refused_where_the_entry_moves_by_itself_or_is_over,
    a_cancel_only_while_no_provider_can_hold_the_entry,
    operator_actions_need_a_known_key_a_name_and_a_reason,
    a_raw_operator_event_that_does_not_fit_the_history_is_refused,
    a_resolve_marks_only_a_stuck_entry_done_with_the_attributes_entered_by_hand,
    a_resolve_checks_the_fiscal_attributes_before_anything_is_written,
    a_late_worker_answer_after_a_resolve_is_a_conflict,
    a_batch_fences_each_change_and_a_refused_one_fails_alone,
    a_batch_writes_what_apply_writes,
    a_read_only_store_stores_nothing_of_a_batch,
    a_held_change_keeps_an_accepted_entry_from_claims,
);

/// The group-commit contract (`Store::commit_batch`).
#[path = "store/batch.rs"]
mod batch;
use batch::*;

const T0: Timestamp = Timestamp(1_772_000_000_000);

fn at(secs: i64) -> Timestamp {
    Timestamp(T0.0 + secs * 1000)
}

/// A fresh directory under the target dir (removed at the start, kept after a failure).
fn dir(name: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "outbox-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("mkdir");
    d
}

fn open(name: &str) -> (SqliteStore, PathBuf) {
    let path = dir(name).join("outbox.db");
    (
        SqliteStore::open(&path, Config::default()).expect("open"),
        path,
    )
}

fn receipt() -> fiskal_ffd::Receipt {
    fiskal_ffd::json::parse(include_str!("fixtures/receipt_sell.json")).expect("receipt")
}

fn other_receipt() -> fiskal_ffd::Receipt {
    let text = include_str!("fixtures/receipt_sell.json").replace("Петрова", "Сидорова");
    fiskal_ffd::json::parse(&text).expect("receipt")
}

fn fiscal() -> FiscalAttributes {
    serde_json::from_value(serde_json::json!({
        "fn_number": "9999078900001234",
        "fd_number": 1234,
        "fiscal_sign": 3_826_187_301u32,
        "shift_number": 12,
        "receipt_number": 5,
        "date_time": "2026-03-02T10:15:42",
        "kkt_reg_number": null,
        "ofd_inn": null,
        "receipt_url": null,
        "total": "500.00",
        "operation": "sell"
    }))
    .expect("fiscal attributes")
}

/// The fiscal attributes of the fixture receipt (total 5902.05, sell) as an operator enters
/// them to resolve a stuck entry by hand.
fn hand_fiscal() -> FiscalAttributes {
    let mut f = fiscal();
    f.total = receipt().total;
    f.fd_number = 777;
    f
}

/// [`hand_fiscal`] for events that borrow it for the whole test.
static HAND_FISCAL: std::sync::LazyLock<FiscalAttributes> = std::sync::LazyLock::new(hand_fiscal);

fn enqueue<S: Store + ?Sized>(s: &S, key: &str, now: Timestamp) -> fiskal_outbox::Entry {
    let r = receipt();
    s.enqueue(
        &NewEntry {
            key,
            receipt: &r,
            provider: "atol_v5",
        },
        now,
    )
    .expect("enqueue")
    .entry
}

/// One owned outcome per outcome-driven event kind.
fn outcome(kind: EventKind) -> Option<Outcome> {
    Some(match kind {
        EventKind::Accepted => Outcome::Accepted {
            provider_id: "uuid-1".into(),
            duplicate: false,
        },
        EventKind::Duplicate => Outcome::Accepted {
            provider_id: "uuid-1".into(),
            duplicate: true,
        },
        EventKind::Pending => Outcome::Pending {
            provider_id: "uuid-1".into(),
        },
        EventKind::Done => Outcome::Done {
            provider_id: "uuid-1".into(),
            fiscal: fiscal(),
        },
        EventKind::RetryLater => Outcome::RetryLater {
            after: Some(Duration::from_secs(7)),
            code: Some("503".into()),
            message: "service unavailable".into(),
        },
        EventKind::InDoubt => Outcome::InDoubt {
            reason: "timeout after sending".into(),
        },
        EventKind::RejectedRegister => Outcome::Rejected {
            kind: RejectKind::Register,
            code: "234".into(),
            message: "ФН переполнен".into(),
        },
        EventKind::Rejected => Outcome::Rejected {
            kind: RejectKind::Validation,
            code: "32".into(),
            message: "ИНН не совпадает".into(),
        },
        EventKind::NotFound => Outcome::NotFound {
            message: "no such document".into(),
        },
        EventKind::RefusedConfig => Outcome::Rejected {
            kind: RejectKind::Auth,
            code: "12".into(),
            message: "Неверный логин или пароль".into(),
        },
        _ => return None,
    })
}

fn event(kind: EventKind, o: Option<&Outcome>) -> Event<'_> {
    match (kind, o) {
        (_, Some(o)) => Event::ProviderOutcome(o),
        (EventKind::ClaimedForSend, _) => Event::ClaimedForSend,
        (EventKind::LeaseExpired, _) => Event::LeaseExpired,
        (EventKind::Deadline, _) => Event::Deadline,
        (EventKind::Resubmit, _) => Event::Resubmit,
        (EventKind::Failover, _) => Event::Failover { provider: "orange" },
        (EventKind::IdConflict, _) => Event::IdConflict {
            detail: "total 100.00 (ours 5902.05)",
        },
        (EventKind::OperatorRequeue, _) => Event::OperatorRequeue {
            who: "anna",
            reason: "table row",
        },
        (EventKind::OperatorResume, _) => Event::OperatorResume {
            who: "anna",
            reason: "table row",
        },
        (EventKind::OperatorRecheck, _) => Event::OperatorRecheck {
            who: "anna",
            reason: "table row",
        },
        (EventKind::OperatorCancel, _) => Event::OperatorCancel {
            who: "anna",
            reason: "table row",
        },
        (EventKind::OperatorResolve, _) => Event::OperatorResolve {
            who: "anna",
            reason: "table row",
            fiscal: &HAND_FISCAL,
        },
        (k, None) => panic!("no event for {k}"),
    }
}

fn apply<S: Store + ?Sized>(
    s: &S,
    key: &str,
    kind: EventKind,
    now: Timestamp,
) -> fiskal_outbox::Entry {
    let cur = s.get(key).expect("get").expect("entry");
    let o = outcome(kind);
    s.apply(key, cur.version, &event(kind, o.as_ref()), now)
        .unwrap_or_else(|e| panic!("{key}: {} --{kind}--> {e}", cur.state))
}

/// Brings a new entry to `state` by allowed events only.
fn drive_to<S: Store + ?Sized>(s: &S, key: &str, state: State) {
    enqueue(s, key, T0);
    let via = |k| apply(s, key, k, at(1));
    match state {
        State::Queued => {}
        State::Stuck => {
            via(EventKind::Deadline);
        }
        State::Cancelled => {
            via(EventKind::OperatorCancel);
        }
        _ => {
            via(EventKind::ClaimedForSend);
            match state {
                State::Sending => {}
                State::Accepted => {
                    via(EventKind::Accepted);
                }
                State::Done => {
                    via(EventKind::Done);
                }
                State::InDoubt => {
                    via(EventKind::InDoubt);
                }
                State::RetryLater => {
                    via(EventKind::RetryLater);
                }
                State::FailedAtRegister => {
                    via(EventKind::RejectedRegister);
                }
                State::Rejected => {
                    via(EventKind::Rejected);
                }
                other => panic!("no path to {other}"),
            }
        }
    }
    assert_eq!(s.get(key).expect("get").expect("entry").state, state);
}

fn enqueue_is_idempotent(h: &dyn Harness) {
    let s = h.open();
    let r = receipt();
    let new = NewEntry {
        key: "order-1001-sell",
        receipt: &r,
        provider: "atol_v5",
    };
    let first = s.enqueue(&new, T0).expect("first");
    assert!(first.created);
    assert_eq!(first.entry.state, State::Queued);
    assert_eq!(first.entry.attempt, 1);
    assert_eq!(first.entry.document_id(), "order-1001-sell-1");
    assert_eq!(first.entry.due_at, Some(T0));
    let again = s.enqueue(&new, at(60)).expect("again");
    assert!(!again.created);
    assert_eq!(again.entry, first.entry, "the stored entry, untouched");
    assert_eq!(s.audit("order-1001-sell").expect("audit").len(), 1);
    assert_eq!(first.entry.receipt().expect("parse back"), r);
}

fn enqueue_with_another_receipt_under_the_same_key_is_a_conflict(h: &dyn Harness) {
    let s = h.open();
    enqueue(&*s, "order-1", T0);
    let r2 = other_receipt();
    let err = s
        .enqueue(
            &NewEntry {
                key: "order-1",
                receipt: &r2,
                provider: "atol_v5",
            },
            at(1),
        )
        .expect_err("conflict");
    assert!(matches!(err, OutboxError::KeyConflict { ref key } if key == "order-1"));
    assert_eq!(err.code(), "key_conflict");
    // The stored receipt is the first one.
    let e = s.get("order-1").expect("get").expect("entry");
    assert_eq!(e.receipt().expect("receipt"), receipt());
}

fn bad_keys_are_refused(h: &dyn Harness) {
    let s = h.open();
    let r = receipt();
    let long = "k".repeat(MAX_KEY_LEN + 1);
    for key in ["", "order 1", "заказ-1", long.as_str()] {
        let err = s
            .enqueue(
                &NewEntry {
                    key,
                    receipt: &r,
                    provider: "p",
                },
                T0,
            )
            .expect_err(key);
        assert_eq!(err.code(), "invalid_key", "{key:?}");
    }
}

fn happy_path_with_audit_trail(h: &dyn Harness) {
    let s = h.open();
    let key = "order-7-sell";
    enqueue(&*s, key, T0);
    let claimed = s
        .claim_due(at(1), 10, Duration::from_secs(30))
        .expect("claim");
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].state, State::Sending);
    assert_eq!(claimed[0].due_at, Some(at(31)), "lease end");
    let accepted = apply(&*s, key, EventKind::Accepted, at(2));
    assert_eq!(accepted.provider_id.as_deref(), Some("uuid-1"));
    assert_eq!(accepted.due_at, Some(at(5)), "first poll after 3 s");
    assert!(s
        .claim_due(at(4), 10, Duration::from_secs(30))
        .expect("claim")
        .is_empty());
    let polled = s
        .claim_due(at(5), 10, Duration::from_secs(30))
        .expect("claim");
    assert_eq!(polled.len(), 1);
    assert_eq!(polled[0].state, State::Accepted, "a poll keeps the state");
    let pending = apply(&*s, key, EventKind::Pending, at(6));
    assert_eq!(pending.state, State::Accepted);
    assert_eq!(pending.tries, 1);
    let done = apply(&*s, key, EventKind::Done, at(9));
    assert_eq!(done.state, State::Done);
    assert_eq!(done.fiscal, Some(fiscal()));
    assert_eq!(done.due_at, None);
    assert_eq!(done.deadline, None);
    assert_eq!(s.get(key).expect("get"), Some(done));

    let trail = s.audit(key).expect("audit");
    let steps: Vec<(Option<State>, State, &str)> = trail
        .iter()
        .map(|a| (a.from, a.to, a.reason.as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            (None, State::Queued, "enqueued"),
            (Some(State::Queued), State::Sending, "claimed_for_send"),
            (Some(State::Sending), State::Accepted, "accepted"),
            (Some(State::Accepted), State::Accepted, "pending"),
            (Some(State::Accepted), State::Done, "done"),
        ]
    );
    assert_eq!(
        trail.iter().map(|a| a.at).collect::<Vec<_>>(),
        [T0, at(1), at(2), at(6), at(9)]
    );
    assert!(trail[4].detail.contains("fd 1234"), "{}", trail[4].detail);
    assert!(trail.windows(2).all(|w| w[0].seq < w[1].seq));
}

fn every_table_row_through_the_store(h: &dyn Harness) {
    let s = h.open();
    for (i, row) in TRANSITIONS.iter().enumerate() {
        let key = format!("row-{i}");
        // A stuck entry goes back under the same id only where the provider may hold it: it
        // went stuck after acceptance (provider id known) or in doubt.
        match (row.from, row.event) {
            (State::Stuck, EventKind::OperatorResume) => {
                drive_to(&*s, &key, State::Accepted);
                apply(&*s, &key, EventKind::Deadline, at(2));
            }
            (State::Stuck, EventKind::OperatorRecheck) => {
                drive_to(&*s, &key, State::InDoubt);
                apply(&*s, &key, EventKind::Deadline, at(2));
            }
            _ => drive_to(&*s, &key, row.from),
        }
        let before = s.audit(&key).expect("audit").len();
        let e = apply(&*s, &key, row.event, at(100));
        assert_eq!(e.state, row.to, "{row:?}");
        // The claim queries select on due_at alone: it is set exactly for claimable states.
        let claimable = matches!(
            e.state,
            State::Queued | State::RetryLater | State::Sending | State::Accepted | State::InDoubt
        );
        assert_eq!(
            e.due_at.is_some(),
            claimable,
            "{row:?}: due_at {:?}",
            e.due_at
        );
        let trail = s.audit(&key).expect("audit");
        assert_eq!(trail.len(), before + 1, "one audit row per event");
        let last = trail.last().expect("last");
        assert_eq!(
            (last.from, last.to, last.reason.as_str()),
            (Some(row.from), row.to, row.event.name())
        );
    }
    // Every pair not in the table is refused and changes nothing.
    for (i, from) in State::ALL.into_iter().enumerate() {
        let key = format!("refused-{i}");
        drive_to(&*s, &key, from);
        for kind in EventKind::ALL {
            if TRANSITIONS
                .iter()
                .any(|r| r.from == from && r.event == kind)
            {
                continue;
            }
            let cur = s.get(&key).expect("get").expect("entry");
            let o = outcome(kind);
            let err = s
                .apply(&key, cur.version, &event(kind, o.as_ref()), at(100))
                .expect_err("refused");
            assert_eq!(err.code(), "invalid_transition", "{from} --{kind}-->");
            assert_eq!(s.get(&key).expect("get"), Some(cur));
        }
    }
}

fn schedules_follow_the_outcomes(h: &dyn Harness) {
    let s = h.open();
    drive_to(&*s, "r", State::RetryLater);
    let e = s.get("r").expect("get").expect("entry");
    assert_eq!(
        e.due_at,
        Some(at(8)),
        "Retry-After 7 s from the answer at 1 s"
    );
    assert_eq!(e.last_code.as_deref(), Some("503"));
    assert_eq!(e.attempt, 1, "the same document id is sent again");

    drive_to(&*s, "f", State::FailedAtRegister);
    let e = apply(&*s, "f", EventKind::Resubmit, at(50));
    assert_eq!(
        (e.state, e.attempt, e.document_id().as_str()),
        (State::Queued, 2, "f-2")
    );
    // The register's trouble may last: the second attempt waits retry_base (1 s).
    assert_eq!(e.due_at, Some(at(51)));
    assert_eq!(e.provider_id, None);

    // In doubt: resolved right away; a failed lookup backs off and stays in doubt.
    drive_to(&*s, "d", State::InDoubt);
    let e = s.get("d").expect("get").expect("entry");
    assert_eq!(e.due_at, Some(at(1)));
    let e = apply(&*s, "d", EventKind::RetryLater, at(2));
    assert_eq!((e.state, e.due_at), (State::InDoubt, Some(at(9))));
    let e = apply(&*s, "d", EventKind::NotFound, at(10));
    assert_eq!(e.state, State::RetryLater);
}

fn stale_version_is_a_conflict(h: &dyn Harness) {
    let s = h.open();
    let e = enqueue(&*s, "k", T0);
    s.apply("k", e.version, &Event::ClaimedForSend, at(1))
        .expect("first");
    let err = s
        .apply("k", e.version, &Event::ClaimedForSend, at(1))
        .expect_err("second");
    assert!(matches!(err, OutboxError::Conflict { expected, found, .. } if found == expected + 1));
    // Two connections (two workers) that read the same version: exactly one wins.
    let h2 = h.another();
    let s1 = h2.open();
    let e = enqueue(&*s1, "k", T0);
    let s2 = h2.open();
    let r1 = s1.apply("k", e.version, &Event::ClaimedForSend, at(1));
    let r2 = s2.apply("k", e.version, &Event::Deadline, at(1));
    assert!(r1.is_ok());
    assert_eq!(r2.expect_err("loser").code(), "conflict");
    assert_eq!(s2.get("k").expect("get").expect("e").state, State::Sending);
    assert_eq!(
        s2.audit("k").expect("audit").len(),
        2,
        "no audit row for the loser"
    );
    let err = s
        .apply("nope", 1, &Event::ClaimedForSend, at(1))
        .expect_err("missing");
    assert_eq!(err.code(), "not_found");
}

fn claims_are_exclusive_across_connections(h: &dyn Harness) {
    let s = h.open();
    const N: usize = 200;
    for i in 0..N {
        enqueue(&*s, &format!("k-{i}"), T0);
    }
    // Both workers claim at the same moment in every round (a barrier before each claim), for
    // enough rounds to drain the queue: they really contend, and both are sure to get work
    // (a free-running loop let one thread drain everything first on a busy machine).
    const BATCH: usize = 7;
    const ROUNDS: usize = N / (2 * BATCH) + 2;
    let start = std::sync::Barrier::new(2);
    let claimed: Vec<Vec<String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                // Each worker has its own connection, as separate processes would.
                let mine = h.open();
                let start = &start;
                scope.spawn(move || {
                    let mut got = Vec::new();
                    for _ in 0..ROUNDS {
                        start.wait();
                        let batch = mine
                            .claim_due(at(1), BATCH, Duration::from_secs(60))
                            .expect("claim");
                        got.extend(batch.into_iter().map(|e| {
                            assert_eq!(e.state, State::Sending);
                            e.key
                        }));
                    }
                    got
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("thread"))
            .collect()
    });
    eprintln!("claimed: {} + {}", claimed[0].len(), claimed[1].len());
    assert!(
        !claimed[0].is_empty() && !claimed[1].is_empty(),
        "both workers must have competed"
    );
    let a: HashSet<&String> = claimed[0].iter().collect();
    let b: HashSet<&String> = claimed[1].iter().collect();
    assert!(a.is_disjoint(&b), "an entry claimed twice");
    assert_eq!(claimed[0].len() + claimed[1].len(), N);
    assert_eq!(a.len() + b.len(), N);
}

fn expired_send_lease_becomes_in_doubt(h: &dyn Harness) {
    let s = h.open();
    enqueue(&*s, "k", T0);
    let c = s
        .claim_due(at(1), 10, Duration::from_secs(30))
        .expect("claim");
    assert_eq!(c.len(), 1);
    assert!(s
        .claim_due(at(30), 10, Duration::from_secs(30))
        .expect("claim")
        .is_empty());
    // The worker died: after the lease, the entry comes back in doubt (never queued).
    let c = s
        .claim_due(at(31), 10, Duration::from_secs(30))
        .expect("claim");
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].state, State::InDoubt);
    assert_eq!(c[0].due_at, Some(at(61)), "leased for the lookup");
    let last = s.audit("k").expect("audit").pop().expect("row");
    assert_eq!(last.reason, "lease_expired");
}

fn deadlines_mark_entries_stuck(h: &dyn Harness) {
    let s = h.open();
    enqueue(&*s, "old", T0);
    enqueue(&*s, "new", at(600));
    drive_to(&*s, "fin", State::Done);
    let deadline = Config::default().deadline_queued.expect("queued deadline");
    let now = T0.plus(deadline);
    assert_eq!(s.mark_stuck(now).expect("sweep"), 1);
    assert_eq!(s.get("old").expect("get").expect("e").state, State::Stuck);
    assert_eq!(s.get("new").expect("get").expect("e").state, State::Queued);
    assert_eq!(s.get("fin").expect("get").expect("e").state, State::Done);
    assert_eq!(s.mark_stuck(now).expect("sweep"), 0);
}

fn reopening_keeps_everything(h: &dyn Harness) {
    {
        let s = h.open();
        enqueue(&*s, "a", T0);
        drive_to(&*s, "b", State::Done);
        drive_to(&*s, "c", State::InDoubt);
    }
    let s = h.open();
    assert_eq!(s.get("a").expect("get").expect("a").state, State::Queued);
    let b = s.get("b").expect("get").expect("b");
    assert_eq!((b.state, b.fiscal), (State::Done, Some(fiscal())));
    assert_eq!(s.get("c").expect("get").expect("c").state, State::InDoubt);
    assert_eq!(s.audit("b").expect("audit").len(), 3);
    // Enqueue after reopening is still idempotent.
    assert!(
        !s.enqueue(
            &NewEntry {
                key: "a",
                receipt: &receipt(),
                provider: "atol_v5"
            },
            at(5)
        )
        .expect("again")
        .created
    );
    let ro = h.open_read_only();
    assert_eq!(ro.list(State::Queued, 10).expect("list").len(), 1);
}

#[test]
fn the_sqlite_journal_is_wal_at_the_current_schema() {
    let (s, path) = open("pragmas");
    enqueue(&s, "k", T0);
    drop(s);
    let c = rusqlite::Connection::open(&path).expect("raw");
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
    let v: i64 = c
        .query_row("SELECT MAX(version) FROM schema_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(v, fiskal_outbox::store::SCHEMA_VERSION);
}

/// The audit trail is append-only in the database itself (raw SQL is refused too), and a
/// journal written by a newer build is refused.
fn append_only_audit_and_a_newer_schema_refused(h: &dyn Harness) {
    let s = h.open();
    enqueue(&*s, "k", T0);
    drop(s);
    assert!(h.raw("DELETE FROM {s}audit").is_err(), "DELETE");
    assert!(h.raw("UPDATE {s}audit SET reason = 'x'").is_err(), "UPDATE");
    let trail = h.open().audit("k").expect("audit");
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0].reason, "enqueued");
    h.raw("INSERT INTO {s}schema_version (version, applied_at) VALUES (99, CURRENT_TIMESTAMP)")
        .expect("bump");
    let err = match h.try_open() {
        Ok(_) => panic!("a journal of schema 99 was opened"),
        Err(e) => e,
    };
    assert_eq!(err.code(), "schema_too_new");
}

fn stats_count_and_age_per_state(h: &dyn Harness) {
    let s = h.open();
    enqueue(&*s, "q1", T0);
    enqueue(&*s, "q2", at(10));
    drive_to(&*s, "d1", State::Done);
    drive_to(&*s, "x1", State::Rejected);
    let stats = s.stats(at(100)).expect("stats");
    assert_eq!(stats.len(), State::ALL.len());
    let of = |st: State| stats.iter().find(|x| x.state == st).expect("state").clone();
    assert_eq!(of(State::Queued).count, 4 - 2, "two still queued");
    assert_eq!(of(State::Queued).oldest_age, Some(Duration::from_secs(100)));
    assert_eq!(of(State::Done).count, 1);
    assert_eq!(of(State::Done).oldest_age, Some(Duration::from_secs(99)));
    assert_eq!(of(State::Rejected).count, 1);
    assert_eq!(of(State::Sending).count, 0);
    assert_eq!(of(State::Sending).oldest_age, None);
    assert_eq!(s.list(State::Queued, 10).expect("list").len(), 2);
    assert_eq!(s.list(State::Queued, 1).expect("list")[0].key, "q1");
}

#[test]
fn unwritable_storage_is_a_clear_error_and_nothing_is_acknowledged() {
    // A path whose directory does not exist cannot be created.
    let missing = dir("ro").join("no-such-dir").join("outbox.db");
    let err = SqliteStore::open(&missing, Config::default()).expect_err("missing dir");
    assert_eq!(err.code(), "open", "{err}");
    assert!(err.to_string().contains("no-such-dir"), "{err}");

    // A read-only directory (only meaningful when not running as root, who may write anyway).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let d = dir("ro3");
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o555)).expect("chmod");
        let probe = d.join("probe");
        let root = std::fs::write(&probe, b"x").is_ok();
        if !root {
            let err = SqliteStore::open(d.join("outbox.db"), Config::default())
                .expect_err("read-only directory");
            assert!(
                matches!(err.code(), "open" | "read_only"),
                "unexpected {err}"
            );
        }
        let _ = std::fs::remove_file(&probe);
        let _ = std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755));
    }
}

/// A journal that can only be read (SQLite opened read-only; PostgreSQL a read-only replica or
/// session): every write fails with read_only, nothing is stored.
fn read_only_storage_refuses_writes_and_stores_nothing(h: &dyn Harness) {
    let s = h.open();
    enqueue(&*s, "stored", T0);
    drop(s);
    let ro = h.open_read_only();
    let r = receipt();
    let err = ro
        .enqueue(
            &NewEntry {
                key: "lost",
                receipt: &r,
                provider: "atol_v5",
            },
            at(1),
        )
        .expect_err("read-only enqueue");
    assert_eq!(err.code(), "read_only", "{err}");
    let e = ro.get("stored").expect("get").expect("entry");
    assert_eq!(
        ro.apply("stored", e.version, &Event::ClaimedForSend, at(1))
            .expect_err("read-only apply")
            .code(),
        "read_only"
    );
    let rw = h.open();
    assert_eq!(rw.get("lost").expect("get"), None);
    assert!(rw.audit("lost").expect("audit").is_empty());
    assert_eq!(
        rw.get("stored").expect("get").expect("e").state,
        State::Queued
    );
}

#[test]
fn full_disk_is_a_clear_error_and_nothing_is_acknowledged() {
    let path = dir("full").join("outbox.db");
    {
        let s = SqliteStore::open(&path, Config::default()).expect("open");
        enqueue(&s, "stored", T0);
    }
    let pages = {
        let c = rusqlite::Connection::open(&path).expect("raw");
        let n: u32 = c
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .expect("pages");
        n
    };
    let cfg = Config {
        max_page_count: Some(pages),
        ..Config::default()
    };
    let s = SqliteStore::open(&path, cfg).expect("open capped");
    // Big receipts until the file would have to grow.
    let base = include_str!("fixtures/receipt_sell.json");
    let mut failed = None;
    for i in 0..200 {
        let text = base.replace("Петрова А.А.", &format!("Кассир {i} {}", "x".repeat(200)));
        let r = fiskal_ffd::json::parse(&text).expect("receipt");
        let key = format!("big-{i}");
        match s.enqueue(
            &NewEntry {
                key: &key,
                receipt: &r,
                provider: "atol_v5",
            },
            at(1),
        ) {
            Ok(_) => {}
            Err(e) => {
                failed = Some((key, e));
                break;
            }
        }
    }
    let (key, err) = failed.expect("the cap is reached");
    assert_eq!(err.code(), "disk_full", "{err}");
    drop(s);
    let s = SqliteStore::open(&path, Config::default()).expect("reopen uncapped");
    assert_eq!(s.get(&key).expect("get"), None, "nothing half-stored");
    assert!(s.audit(&key).expect("audit").is_empty());
    assert_eq!(
        s.get("stored").expect("get").expect("e").state,
        State::Queued
    );
}

fn retry_backoff_grows_across_send_cycles(h: &dyn Harness) {
    let s = h.open();
    enqueue(&*s, "k", T0);
    let no_after = Outcome::RetryLater {
        after: None,
        code: None,
        message: "connect refused".into(),
    };
    let mut now = at(0);
    let mut waits = Vec::new();
    for _ in 0..4 {
        let c = s.claim_due(now, 1, Duration::from_secs(30)).expect("claim");
        assert_eq!(c.len(), 1);
        let e = s
            .apply("k", c[0].version, &Event::ProviderOutcome(&no_after), now)
            .expect("retry");
        let due = e.due_at.expect("due");
        waits.push(due.since(now).as_secs());
        now = due;
    }
    assert_eq!(waits, [1, 2, 4, 8]);
    let c = s.claim_due(now, 1, Duration::from_secs(30)).expect("claim");
    let accepted = Outcome::Accepted {
        provider_id: "u".into(),
        duplicate: false,
    };
    let e = s
        .apply("k", c[0].version, &Event::ProviderOutcome(&accepted), now)
        .expect("accepted");
    assert_eq!(e.tries, 0, "progress resets the backoff");
}

fn batches_store_all_in_one_transaction_with_per_entry_answers(h: &dyn Harness) {
    let s = h.open();
    enqueue(&*s, "existing", T0);
    let r = receipt();
    let other = other_receipt();
    let batch = [
        NewEntry {
            key: "b-1",
            receipt: &r,
            provider: "atol_v5",
        },
        NewEntry {
            key: "existing",
            receipt: &r,
            provider: "atol_v5",
        },
        NewEntry {
            key: "existing",
            receipt: &other,
            provider: "atol_v5",
        },
        NewEntry {
            key: "bad key",
            receipt: &r,
            provider: "atol_v5",
        },
        NewEntry {
            key: "b-2",
            receipt: &r,
            provider: "atol_v5",
        },
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
            Err("key_conflict"),
            Err("invalid_key"),
            Ok(true)
        ]
    );
    drop(s);
    let s = h.open();
    assert!(s.get("b-1").expect("get").is_some() && s.get("b-2").expect("get").is_some());
    // A read-only store refuses the whole batch.
    let ro = h.open_read_only();
    let batch = [NewEntry {
        key: "b-3",
        receipt: &r,
        provider: "atol_v5",
    }];
    let err = ro.enqueue_batch(&batch, at(2)).expect_err("read-only");
    assert_eq!(err.code(), "read_only");
    assert_eq!(s.get("b-3").expect("get"), None);
}

fn window_metrics_count_outcomes_and_latency(h: &dyn Harness) {
    let s = h.open();
    // Two done (latency 3 s and 5 s from the claim), one rejected, one stuck, one old done.
    for (key, claim, done) in [("m1", 10, 13), ("m2", 20, 25), ("old", -7200, -7190)] {
        enqueue(&*s, key, at(claim - 1));
        let c = s.get(key).expect("get").expect("e");
        s.apply(key, c.version, &Event::ClaimedForSend, at(claim))
            .expect("claim");
        apply(&*s, key, EventKind::Done, at(done));
    }
    enqueue(&*s, "r", at(30));
    drive_to(&*s, "r", State::Rejected);
    enqueue(&*s, "st", at(30));
    let c = s.get("st").expect("get").expect("e");
    s.apply("st", c.version, &Event::Deadline, at(31))
        .expect("stuck");
    let m = s
        .window_metrics(at(60), Duration::from_secs(3600))
        .expect("metrics");
    assert_eq!((m.done, m.rejected, m.stuck), (2, 1, 1));
    assert_eq!(m.latency_p50, Some(Duration::from_secs(3)));
    assert_eq!(m.latency_p95, Some(Duration::from_secs(5)));
    assert_eq!(m.latency_max, Some(Duration::from_secs(5)));
    let done = s.done_between(at(0), at(60), 10).expect("done");
    let keys: Vec<&str> = done.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["m1", "m2"]);
}

fn poke_and_next_due(h: &dyn Harness) {
    let s = h.open();
    assert_eq!(s.next_due().expect("next"), None);
    enqueue(&*s, "p", at(0));
    assert_eq!(s.next_due().expect("next"), Some(at(0)));
    assert!(!s.poke("p", at(1)).expect("poke"), "queued is not pokable");
    drive_to(&*s, "p", State::Accepted);
    let due = s.get("p").expect("get").expect("e").due_at.expect("due");
    assert!(due > at(1));
    assert!(s.poke("p", at(1)).expect("poke"));
    assert_eq!(s.get("p").expect("get").expect("e").due_at, Some(at(1)));
    assert!(!s.poke("nope", at(1)).expect("poke"));
}

fn jitter_spreads_delays_within_bounds(h: &dyn Harness) {
    use fiskal_outbox::Jitter;
    let d = Duration::from_secs(10);
    assert_eq!(Jitter::NONE.spread(d, 20), d);
    assert_eq!(Jitter(0).spread(d, 20), Duration::from_secs(8));
    assert!(Jitter(u16::MAX).spread(d, 20) < Duration::from_secs(12));
    assert!(Jitter(u16::MAX).spread(d, 20) > Duration::from_millis(11_990));
    // A provider's delay is only ever lengthened.
    assert_eq!(Jitter(0).later(d, 20), d);
    assert_eq!(Jitter::NONE.later(d, 20), d);
    assert!(Jitter(u16::MAX).later(d, 20) > Duration::from_millis(11_990));
    // Through the store: a retry with a low draw comes sooner than the policy.
    let s = h.open();
    enqueue(&*s, "j", at(0));
    let c = s.get("j").expect("get").expect("e");
    let c = s
        .apply("j", c.version, &Event::ClaimedForSend, at(0))
        .expect("claim");
    let retry = Outcome::RetryLater {
        after: None,
        code: None,
        message: "x".into(),
    };
    let e = s
        .apply_jittered(
            "j",
            c.version,
            &Event::ProviderOutcome(&retry),
            at(1),
            Jitter(0),
        )
        .expect("apply");
    // retry_base 1 s, spread −20 %: 0.8 s.
    assert_eq!(e.due_at, Some(Timestamp(at(1).0 + 800)));
}

fn failover_only_before_any_acceptance(h: &dyn Harness) {
    let s = h.open();
    enqueue(&*s, "f", at(0));
    drive_to(&*s, "f", State::RetryLater);
    let c = s.get("f").expect("get").expect("e");
    let same = s
        .apply(
            "f",
            c.version,
            &Event::Failover {
                provider: "atol_v5",
            },
            at(1),
        )
        .expect_err("same provider");
    assert_eq!(same.code(), "not_allowed");
    let e = s
        .apply(
            "f",
            c.version,
            &Event::Failover { provider: "orange" },
            at(1),
        )
        .expect("failover");
    assert_eq!(
        (e.state, e.provider.as_str(), e.document_id().as_str()),
        (State::Queued, "orange", "f-2")
    );
    // Back in retry_later at attempt 2: no second failover.
    drive_to(&*s, "f", State::RetryLater);
    let c = s.get("f").expect("get").expect("e");
    let again = s
        .apply(
            "f",
            c.version,
            &Event::Failover {
                provider: "atol_v5",
            },
            at(2),
        )
        .expect_err("attempt 2");
    assert_eq!(again.code(), "not_allowed");
}

fn a_large_overdue_backlog_is_marked_stuck_in_batches(h: &dyn Harness) {
    let s = h.open();
    let r = receipt();
    let keys: Vec<String> = (0..1203).map(|i| format!("old-{i}")).collect();
    let batch: Vec<NewEntry<'_>> = keys
        .iter()
        .map(|k| NewEntry {
            key: k,
            receipt: &r,
            provider: "atol_v5",
        })
        .collect();
    s.enqueue_batch(&batch, at(0)).expect("batch");
    // Queued entries are stuck after 15 minutes.
    assert_eq!(s.mark_stuck(at(16 * 60)).expect("stuck"), 1203);
    let stats = s.stats(at(16 * 60)).expect("stats");
    assert_eq!(
        stats
            .iter()
            .find(|x| x.state == State::Stuck)
            .map(|x| x.count),
        Some(1203)
    );
    assert_eq!(s.mark_stuck(at(17 * 60)).expect("again"), 0);
}

fn route_alarms_rise_on_refused_credentials_and_clear_on_success(h: &dyn Harness) {
    let s = h.open();
    assert_eq!(s.route_alarms().expect("alarms"), []);
    drive_to(&*s, "a", State::Sending);
    drive_to(&*s, "b", State::Sending);
    // Refused for our credentials: waits (retry_later, due again), the route is flagged.
    let e = apply(&*s, "a", EventKind::RefusedConfig, at(10));
    assert_eq!(e.state, State::RetryLater);
    assert!(e.due_at.is_some() && e.deadline.is_some());
    assert_eq!(e.last_code.as_deref(), Some("12"));
    apply(&*s, "b", EventKind::RefusedConfig, at(20));
    let alarms = s.route_alarms().expect("alarms");
    assert_eq!(alarms.len(), 1);
    let a = &alarms[0];
    assert_eq!(
        (
            a.route.as_str(),
            a.since,
            a.at,
            a.code.as_deref(),
            a.message.as_str(),
            a.failures
        ),
        (
            "atol_v5",
            at(10),
            at(20),
            Some("12"),
            "Неверный логин или пароль",
            2
        )
    );
    // A transient failure says nothing about the credentials.
    apply(&*s, "a", EventKind::ClaimedForSend, at(30));
    apply(&*s, "a", EventKind::RetryLater, at(31));
    assert_eq!(s.route_alarms().expect("alarms").len(), 1);
    // The provider took a document: the credentials work again.
    apply(&*s, "b", EventKind::ClaimedForSend, at(40));
    apply(&*s, "b", EventKind::Accepted, at(41));
    assert_eq!(s.route_alarms().expect("alarms"), []);
}

fn an_id_conflict_is_stuck_with_what_the_provider_reported(h: &dyn Harness) {
    let s = h.open();
    drive_to(&*s, "k", State::Accepted);
    let e = apply(&*s, "k", EventKind::IdConflict, at(50));
    assert_eq!(e.state, State::Stuck);
    assert_eq!(e.fiscal, None);
    assert_eq!(e.due_at, None);
    assert_eq!(
        e.last_code.as_deref(),
        Some(fiskal_outbox::ID_CONFLICT_CODE)
    );
    assert_eq!(
        e.last_message.as_deref(),
        Some("total 100.00 (ours 5902.05)")
    );
    let last = s.audit("k").expect("audit").pop().expect("last");
    assert_eq!(
        (last.reason.as_str(), last.detail.as_str()),
        ("id_conflict", "total 100.00 (ours 5902.05)")
    );
    // Listed by period for reconciliation.
    let stuck = s
        .changed_between(State::Stuck, at(50), at(51), 10)
        .expect("stuck");
    assert_eq!(stuck.len(), 1);
    assert!(s
        .changed_between(State::Stuck, at(51), at(60), 10)
        .expect("stuck")
        .is_empty());
}

#[test]
fn a_journal_of_schema_2_is_migrated_and_read_only_opens_still_work() {
    let (s, path) = open("v2");
    enqueue(&s, "k", T0);
    drop(s);
    // Turn the file back into schema 2 (as written by the previous build).
    let c = rusqlite::Connection::open(&path).expect("raw");
    c.execute_batch(
        "DROP TABLE route_alarms; ALTER TABLE audit DROP COLUMN who;
         ALTER TABLE audit DROP COLUMN note; DELETE FROM schema_version WHERE version >= 3;",
    )
    .expect("downgrade");
    drop(c);
    // Read-only (no migration): no alarms table, no error.
    let ro = SqliteStore::open_read_only(&path).expect("read-only");
    assert_eq!(ro.route_alarms().expect("alarms"), []);
    drop(ro);
    let s = SqliteStore::open(&path, Config::default()).expect("migrate");
    assert_eq!(
        s.get("k").expect("get").expect("entry").state,
        State::Queued
    );
    drive_to(&s, "m", State::Sending);
    apply(&s, "m", EventKind::RefusedConfig, at(5));
    assert_eq!(s.route_alarms().expect("alarms").len(), 1);
}

/// An entry in `stuck` reached along `path` (event kinds from `queued`), then the deadline.
fn stuck_after<S: Store + ?Sized>(s: &S, key: &str, path: &[EventKind]) -> fiskal_outbox::Entry {
    enqueue(s, key, T0);
    for (i, k) in (1i64..).zip(path.iter()) {
        apply(s, key, *k, at(i));
    }
    let last = s.get(key).expect("get").expect("entry");
    if last.state == State::Stuck {
        return last;
    }
    apply(s, key, EventKind::Deadline, at(50))
}

fn requeue<S: Store + ?Sized>(s: &S, key: &str) -> Result<fiskal_outbox::Entry, OutboxError> {
    s.operator_action(
        key,
        OperatorAction::Requeue,
        " Anna Petrova ",
        " the register was repaired ",
        at(100),
    )
}

fn cancel<S: Store + ?Sized>(s: &S, key: &str) -> Result<fiskal_outbox::Entry, OutboxError> {
    s.operator_action(
        key,
        OperatorAction::Cancel,
        "anna",
        "the order was paid twice",
        at(100),
    )
}

fn a_requeue_takes_a_new_document_id_only_where_no_provider_can_hold_the_old_one(h: &dyn Harness) {
    use EventKind as E;
    let s = h.open();
    // (key, how it got where it is, state then, what a requeue makes of it, new attempt?)
    let claim = E::ClaimedForSend;
    let cases: Vec<(&str, Vec<EventKind>, State, State, bool)> = vec![
        // The provider refused the document: a new id.
        (
            "rejected",
            vec![claim, E::Rejected],
            State::Rejected,
            State::Queued,
            true,
        ),
        (
            "register",
            vec![claim, E::RejectedRegister],
            State::FailedAtRegister,
            State::Queued,
            true,
        ),
        (
            "stuck-register",
            vec![claim, E::Accepted, E::RejectedRegister, E::Deadline],
            State::Stuck,
            State::Queued,
            true,
        ),
        // Never taken anywhere: a new id.
        ("stuck-queued", vec![], State::Stuck, State::Queued, true),
        (
            "stuck-retry",
            vec![claim, E::RetryLater, claim, E::RefusedConfig],
            State::Stuck,
            State::Queued,
            true,
        ),
        // The document under our id is another receipt: a new id.
        (
            "stuck-conflict",
            vec![claim, E::Duplicate, E::IdConflict],
            State::Stuck,
            State::Queued,
            true,
        ),
        // The provider may hold it: the same id, polled or resolved first.
        (
            "stuck-accepted",
            vec![claim, E::Accepted],
            State::Stuck,
            State::Accepted,
            false,
        ),
        (
            "stuck-in-doubt",
            vec![claim, E::InDoubt],
            State::Stuck,
            State::InDoubt,
            false,
        ),
        (
            "stuck-sending",
            vec![claim],
            State::Stuck,
            State::InDoubt,
            false,
        ),
        // In doubt once in this attempt, then confirmed "not found": still resolved first.
        (
            "stuck-once-in-doubt",
            vec![claim, E::InDoubt, E::NotFound],
            State::Stuck,
            State::InDoubt,
            false,
        ),
    ];
    for (key, path_to, stuck_or_not, to, new_id) in &cases {
        let before = if *stuck_or_not == State::Stuck {
            stuck_after(&*s, key, path_to)
        } else {
            enqueue(&*s, key, T0);
            for (i, k) in (1i64..).zip(path_to.iter()) {
                apply(&*s, key, *k, at(i));
            }
            s.get(key).expect("get").expect("entry")
        };
        assert_eq!(before.state, *stuck_or_not, "{key}");
        let e = requeue(&*s, key).unwrap_or_else(|e| panic!("{key}: {e}"));
        assert_eq!(e.state, *to, "{key}");
        let want_attempt = if *new_id {
            before.attempt + 1
        } else {
            before.attempt
        };
        assert_eq!(e.attempt, want_attempt, "{key}");
        assert_eq!(e.due_at, Some(at(100)), "{key}: due at once");
        if *new_id {
            assert_eq!(e.provider_id, None, "{key}");
            assert_eq!(e.last_code, None, "{key}");
        } else {
            assert_eq!(e.provider_id, before.provider_id, "{key}");
        }
        let last = s.audit(key).expect("audit").pop().expect("row");
        let kind = match (to, new_id) {
            (_, true) => "operator_requeue",
            (State::Accepted, _) => "operator_resume",
            _ => "operator_recheck",
        };
        assert_eq!(
            (last.from, last.to, last.reason.as_str()),
            (Some(*stuck_or_not), *to, kind),
            "{key}"
        );
        assert_eq!(last.who.as_deref(), Some("Anna Petrova"), "{key}");
        assert_eq!(last.note.as_deref(), Some("the register was repaired"));
        assert!(
            last.detail
                .contains("by Anna Petrova: the register was repaired"),
            "{key}: {}",
            last.detail
        );
        let id = format!("{key}-{want_attempt}");
        assert!(last.detail.contains(&id), "{key}: {}", last.detail);
    }
    // Durable: a new connection reads the same trail.
    drop(s);
    let s = h.open();
    let last = s.audit("rejected").expect("audit").pop().expect("row");
    assert_eq!(
        (last.reason.as_str(), last.who.as_deref()),
        ("operator_requeue", Some("Anna Petrova"))
    );
    assert_eq!(s.get("rejected").expect("get").expect("e").attempt, 2);
}

fn a_requeue_is_refused_where_the_entry_moves_by_itself_or_is_over(h: &dyn Harness) {
    let s = h.open();
    for (i, st) in [
        State::Queued,
        State::Sending,
        State::RetryLater,
        State::Accepted,
        State::InDoubt,
        State::Done,
        State::Cancelled,
    ]
    .into_iter()
    .enumerate()
    {
        let key = format!("k{i}");
        drive_to(&*s, &key, st);
        let cur = s.get(&key).expect("get").expect("e");
        let trail = s.audit(&key).expect("audit").len();
        match requeue(&*s, &key) {
            Err(OutboxError::ActionNotAllowed { action, state, .. }) => {
                assert_eq!((action, state), ("requeue", st.name()));
            }
            other => panic!("{st}: {other:?}"),
        }
        assert_eq!(s.get(&key).expect("get"), Some(cur), "{st}: unchanged");
        assert_eq!(s.audit(&key).expect("audit").len(), trail);
    }
    drive_to(&*s, "done", State::Done);
    let err = requeue(&*s, "done").expect_err("done");
    assert_eq!(err.code(), "action_not_allowed");
    assert!(err.to_string().contains("refund receipt"), "{err}");
}

fn a_cancel_only_while_no_provider_can_hold_the_entry(h: &dyn Harness) {
    use EventKind as E;
    let s = h.open();
    for (i, st) in [
        State::Queued,
        State::RetryLater,
        State::FailedAtRegister,
        State::Rejected,
    ]
    .into_iter()
    .enumerate()
    {
        let key = format!("ok{i}");
        drive_to(&*s, &key, st);
        let e = cancel(&*s, &key).unwrap_or_else(|e| panic!("{st}: {e}"));
        assert_eq!(e.state, State::Cancelled, "{st}");
        assert_eq!((e.due_at, e.deadline), (None, None), "{st}: never claimed");
        let last = s.audit(&key).expect("audit").pop().expect("row");
        assert_eq!(
            (last.from, last.reason.as_str(), last.who.as_deref()),
            (Some(st), "operator_cancel", Some("anna"))
        );
        assert_eq!(last.note.as_deref(), Some("the order was paid twice"));
    }
    stuck_after(&*s, "stuck-never", &[]);
    stuck_after(
        &*s,
        "stuck-conflict",
        &[E::ClaimedForSend, E::Duplicate, E::IdConflict],
    );
    for key in ["stuck-never", "stuck-conflict"] {
        assert_eq!(cancel(&*s, key).expect(key).state, State::Cancelled);
    }
    // Nothing cancelled is ever claimed, nor marked stuck; stats count it.
    assert!(s
        .claim_due(at(10_000_000), 100, Duration::from_secs(60))
        .expect("claim")
        .iter()
        .all(|e| !e.key.starts_with("ok") && !e.key.starts_with("stuck")));
    s.mark_stuck(at(10_000_000)).expect("scan");
    assert_eq!(
        s.get("ok0").expect("get").expect("e").state,
        State::Cancelled
    );
    let stats = s.stats(at(100)).expect("stats");
    let cancelled = stats
        .iter()
        .find(|x| x.state == State::Cancelled)
        .expect("cancelled counted");
    assert_eq!(cancelled.count, 6);
    // Refused: anything a provider may hold, and what is over.
    stuck_after(&*s, "stuck-held", &[E::ClaimedForSend, E::Accepted]);
    drive_to(&*s, "sending", State::Sending);
    drive_to(&*s, "accepted", State::Accepted);
    drive_to(&*s, "in-doubt", State::InDoubt);
    drive_to(&*s, "done", State::Done);
    for key in [
        "stuck-held",
        "sending",
        "accepted",
        "in-doubt",
        "done",
        "ok0",
    ] {
        let cur = s.get(key).expect("get").expect("e");
        let err = cancel(&*s, key).expect_err(key);
        match &err {
            OutboxError::ActionNotAllowed { action, state, .. } => {
                assert_eq!((*action, *state), ("cancel", cur.state.name()), "{key}");
            }
            other => panic!("{key}: {other:?}"),
        }
        assert_eq!(s.get(key).expect("get"), Some(cur), "{key}: unchanged");
    }
    let err = cancel(&*s, "accepted").expect_err("accepted");
    assert_eq!(
        err.to_string(),
        "cannot cancel entry \"accepted\" in state accepted: the provider may fiscalise it; \
         issue a refund receipt instead"
    );
}

fn operator_actions_need_a_known_key_a_name_and_a_reason(h: &dyn Harness) {
    let s = h.open();
    drive_to(&*s, "r", State::Rejected);
    let cur = s.get("r").expect("get");
    for (who, why, field) in [
        ("", "x", "who"),
        ("   ", "x", "who"),
        ("anna", "", "reason"),
        ("anna", " \t ", "reason"),
        ("anna", "line\nbreak", "reason"),
    ] {
        for action in [OperatorAction::Requeue, OperatorAction::Cancel] {
            match s.operator_action("r", action, who, why, at(5)) {
                Err(OutboxError::InvalidArgument { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{who:?}/{why:?}: {other:?}"),
            }
        }
    }
    let long = "x".repeat(1001);
    let err = s
        .operator_action("r", OperatorAction::Requeue, "anna", &long, at(5))
        .expect_err("long");
    assert_eq!(err.code(), "invalid_argument");
    assert_eq!(s.get("r").expect("get"), cur, "nothing changed");
    match s.operator_action("nope", OperatorAction::Cancel, "anna", "why", at(5)) {
        Err(OutboxError::NotFound { key }) => assert_eq!(key, "nope"),
        other => panic!("{other:?}"),
    }
    // The raw event with an empty reason is refused too.
    let v = s.get("r").expect("get").expect("e").version;
    let err = s
        .apply(
            "r",
            v,
            &Event::OperatorCancel {
                who: "anna",
                reason: "",
            },
            at(6),
        )
        .expect_err("empty");
    assert_eq!(err.code(), "invalid_argument");
}

fn a_raw_operator_event_that_does_not_fit_the_history_is_refused(h: &dyn Harness) {
    use EventKind as E;
    let s = h.open();
    // Accepted, then stuck: the provider holds it, a new document id would double it.
    let e = stuck_after(&*s, "held", &[E::ClaimedForSend, E::Accepted]);
    for ev in [
        Event::OperatorRequeue {
            who: "anna",
            reason: "x",
        },
        Event::OperatorRecheck {
            who: "anna",
            reason: "x",
        },
        Event::OperatorCancel {
            who: "anna",
            reason: "x",
        },
    ] {
        let err = s
            .apply("held", e.version, &ev, at(60))
            .expect_err("refused");
        assert!(
            matches!(err.code(), "not_allowed" | "action_not_allowed"),
            "{ev:?}: {err}"
        );
    }
    assert_eq!(s.get("held").expect("get"), Some(e));
}

#[test]
fn a_journal_of_schema_3_reads_without_operator_columns_and_is_migrated() {
    let (s, path) = open("v3");
    enqueue(&s, "k", T0);
    drop(s);
    let c = rusqlite::Connection::open(&path).expect("raw");
    c.execute_batch(
        "ALTER TABLE audit DROP COLUMN who; ALTER TABLE audit DROP COLUMN note;
         DELETE FROM schema_version WHERE version = 4;",
    )
    .expect("downgrade");
    drop(c);
    let ro = SqliteStore::open_read_only(&path).expect("read-only");
    let trail = ro.audit("k").expect("audit");
    assert_eq!(trail.len(), 1);
    assert_eq!(
        (trail[0].who.as_deref(), trail[0].note.as_deref()),
        (None, None)
    );
    drop(ro);
    let s = SqliteStore::open(&path, Config::default()).expect("migrate");
    let e = cancel(&s, "k").expect("cancel");
    assert_eq!(e.state, State::Cancelled);
    assert_eq!(
        s.audit("k")
            .expect("audit")
            .pop()
            .expect("row")
            .who
            .as_deref(),
        Some("anna")
    );
}

fn resolve<S: Store + ?Sized>(
    s: &S,
    key: &str,
    fiscal: &FiscalAttributes,
) -> Result<fiskal_outbox::Entry, OutboxError> {
    s.operator_resolve(
        key,
        " Anna Petrova ",
        " found in the OFD account ",
        fiscal,
        at(100),
    )
}

fn a_resolve_marks_only_a_stuck_entry_done_with_the_attributes_entered_by_hand(h: &dyn Harness) {
    use EventKind as E;
    let s = h.open();
    // Stuck however it got there: held by the provider, in doubt, never sent, id conflict.
    let cases: [(&str, &[EventKind]); 4] = [
        ("held", &[E::ClaimedForSend, E::Accepted]),
        ("doubt", &[E::ClaimedForSend, E::InDoubt]),
        ("never", &[]),
        (
            "conflict",
            &[E::ClaimedForSend, E::Duplicate, E::IdConflict],
        ),
    ];
    let want = hand_fiscal();
    for (key, path) in cases {
        let before = stuck_after(&*s, key, path);
        let e = resolve(&*s, key, &want).unwrap_or_else(|e| panic!("{key}: {e}"));
        assert_eq!(e.state, State::Done, "{key}");
        assert_eq!(e.fiscal.as_ref(), Some(&want), "{key}");
        assert_eq!(e.attempt, before.attempt, "{key}: same document id");
        assert_eq!(e.provider_id, before.provider_id, "{key}");
        assert_eq!((e.due_at, e.deadline), (None, None), "{key}: never claimed");
        assert_eq!(e.version, before.version + 1, "{key}");
        let last = s.audit(key).expect("audit").pop().expect("row");
        assert_eq!(
            (
                last.from,
                last.to,
                last.reason.as_str(),
                last.who.as_deref(),
                last.note.as_deref()
            ),
            (
                Some(State::Stuck),
                State::Done,
                "operator_resolve",
                Some("Anna Petrova"),
                Some("found in the OFD account")
            ),
            "{key}"
        );
        assert!(
            last.detail.contains("entered by hand")
                && last
                    .detail
                    .contains("fn 9999078900001234 fd 777 fp 3826187301"),
            "{key}: {}",
            last.detail
        );
    }
    // Durable: a new connection reads it done, with the attributes; nothing claims it.
    drop(s);
    let s = h.open();
    let e = s.get("held").expect("get").expect("e");
    assert_eq!((e.state, e.fiscal), (State::Done, Some(want.clone())));
    assert!(s
        .claim_due(at(10_000_000), 100, Duration::from_secs(60))
        .expect("claim")
        .is_empty());
    assert_eq!(s.mark_stuck(at(10_000_000)).expect("scan"), 0);
    // Every other state is refused, naming it, and nothing is written.
    for (i, st) in State::ALL
        .into_iter()
        .filter(|st| *st != State::Stuck)
        .enumerate()
    {
        let key = format!("other{i}");
        drive_to(&*s, &key, st);
        let cur = s.get(&key).expect("get").expect("e");
        let trail = s.audit(&key).expect("audit");
        match resolve(&*s, &key, &want) {
            Err(OutboxError::ActionNotAllowed { action, state, .. }) => {
                assert_eq!((action, state), ("resolve", st.name()));
            }
            other => panic!("{st}: {other:?}"),
        }
        assert_eq!(s.get(&key).expect("get"), Some(cur), "{st}: unchanged");
        assert_eq!(s.audit(&key).expect("audit"), trail, "{st}: no audit row");
    }
    // What to do instead, per state.
    let why = |key: &str| resolve(&*s, key, &want).expect_err(key).to_string();
    assert!(why("held").contains("nothing to do"), "{}", why("held"));
    drive_to(&*s, "acc", State::Accepted);
    assert!(why("acc").contains("moves by itself"), "{}", why("acc"));
    drive_to(&*s, "rej", State::Rejected);
    assert!(
        why("rej").contains("requeue it or cancel it"),
        "{}",
        why("rej")
    );
}

fn a_resolve_checks_the_fiscal_attributes_before_anything_is_written(h: &dyn Harness) {
    use EventKind as E;
    let s = h.open();
    let e = stuck_after(&*s, "k", &[E::ClaimedForSend, E::Accepted]);
    let trail = s.audit("k").expect("audit");
    let with = |f: fn(&mut FiscalAttributes)| {
        let mut x = hand_fiscal();
        f(&mut x);
        x
    };
    let cases: Vec<(FiscalAttributes, &str, Vec<&str>)> = vec![
        (
            with(|f| f.fn_number = "999907890000123".into()),
            "fiscal.fn_number",
            vec!["16 digits"],
        ),
        (
            with(|f| f.fn_number = "99990789000012ab".into()),
            "fiscal.fn_number",
            vec!["16 digits"],
        ),
        (
            with(|f| f.fn_number = "99990789000012345".into()),
            "fiscal.fn_number",
            vec!["16 digits"],
        ),
        (with(|f| f.fd_number = 0), "fiscal.fd_number", vec!["zero"]),
        (
            with(|f| f.fiscal_sign = 0),
            "fiscal.fiscal_sign",
            vec!["zero"],
        ),
        (
            with(|f| f.total = fiskal_ffd::Money::from_kopecks(50_000)),
            "fiscal.total",
            vec!["500.00", "5902.05"],
        ),
        (
            with(|f| f.operation = fiskal_ffd::Operation::SELL_REFUND),
            "fiscal.operation",
            vec!["sell_refund", "sell", "(2)", "(1)"],
        ),
    ];
    for (fiscal, field, words) in cases {
        let err = resolve(&*s, "k", &fiscal).expect_err(field);
        match &err {
            OutboxError::InvalidFiscal {
                field: f,
                problem,
                problem_ru,
            } => {
                assert_eq!(*f, field, "{err}");
                for w in &words {
                    assert!(problem.contains(w), "{field}: {problem} lacks {w}");
                }
                assert!(!problem_ru.is_empty());
            }
            other => panic!("{field}: {other:?}"),
        }
        assert_eq!(err.code(), "invalid_argument");
        // Checked again inside the store's transaction: the raw event is refused too.
        let raw = s.apply(
            "k",
            e.version,
            &Event::OperatorResolve {
                who: "anna",
                reason: "raw",
                fiscal: &fiscal,
            },
            at(101),
        );
        assert!(
            matches!(raw, Err(OutboxError::InvalidFiscal { field: f, .. }) if f == field),
            "{field}: {raw:?}"
        );
    }
    // Who and reason as for requeue and cancel.
    for (who, why, field) in [("", "x", "who"), ("anna", "a\nb", "reason")] {
        match s.operator_resolve("k", who, why, &hand_fiscal(), at(100)) {
            Err(OutboxError::InvalidArgument { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{who:?}/{why:?}: {other:?}"),
        }
    }
    let long = "x".repeat(101);
    let err = s
        .operator_resolve("k", &long, "why", &hand_fiscal(), at(100))
        .expect_err("long");
    assert_eq!(err.code(), "invalid_argument");
    match s.operator_resolve("nope", "anna", "why", &hand_fiscal(), at(100)) {
        Err(OutboxError::NotFound { key }) => assert_eq!(key, "nope"),
        other => panic!("{other:?}"),
    }
    assert_eq!(s.get("k").expect("get"), Some(e), "nothing changed");
    assert_eq!(s.audit("k").expect("audit"), trail, "no audit row");
}

fn a_late_worker_answer_after_a_resolve_is_a_conflict(h: &dyn Harness) {
    let s = h.open();
    drive_to(&*s, "k", State::Accepted);
    // A worker holds the accepted entry (claimed to poll) when its deadline passes.
    let held = s
        .claim_due(at(10_000), 10, Duration::from_secs(60))
        .expect("claim")
        .into_iter()
        .find(|e| e.key == "k")
        .expect("claimed");
    apply(&*s, "k", EventKind::Deadline, at(10_001));
    let resolved = resolve(&*s, "k", &hand_fiscal()).expect("resolve");
    // The worker's late answer (done, with the provider's attributes) is fenced.
    let late = Outcome::Done {
        provider_id: "uuid-1".into(),
        fiscal: fiscal(),
    };
    let err = s
        .apply(
            "k",
            held.version,
            &Event::ProviderOutcome(&late),
            at(10_002),
        )
        .expect_err("fenced");
    assert!(matches!(err, OutboxError::Conflict { .. }), "{err:?}");
    assert_eq!(s.get("k").expect("get"), Some(resolved));
    // And a raw resolve of a done entry is refused by the state table.
    let cur = s.get("k").expect("get").expect("e");
    let err = s
        .apply(
            "k",
            cur.version,
            &Event::OperatorResolve {
                who: "anna",
                reason: "again",
                fiscal: &HAND_FISCAL,
            },
            at(10_003),
        )
        .expect_err("done");
    assert_eq!(err.code(), "invalid_transition");
}
