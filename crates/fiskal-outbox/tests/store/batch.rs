//! The group-commit contract ([`Store::commit_batch`]), run on every engine through the
//! `contract!` list of `tests/store.rs`: each change fenced by its own version, a refused
//! change failing only itself with the typed error `apply` gives, and nothing of a batch
//! stored when the storage refuses it.

use super::{at, dir, enqueue, outcome, Harness, T0};
use fiskal_outbox::{
    Change, Config, Event, EventKind, Jitter, OutboxError, SqliteStore, State, Store,
};
use fiskal_providers::Outcome;
use std::time::Duration;

/// The answers of a batch as `Ok(state after)` or `Err(error code)`.
fn codes(out: &[Result<fiskal_outbox::Entry, OutboxError>]) -> Vec<Result<State, &'static str>> {
    out.iter()
        .map(|r| r.as_ref().map(|e| e.state).map_err(OutboxError::code))
        .collect()
}

fn change<'a>(key: &'a str, version: u64, event: Event<'a>) -> Change<'a> {
    Change {
        key,
        expected_version: version,
        event,
        now: at(1),
        jitter: Jitter::NONE,
        hold: None,
    }
}

/// One stale, one unknown, one refused by the state table, one repeated with the version it
/// had before the batch: each of those fails alone, with `apply`'s error; the rest is stored,
/// one audit row per stored change, and survives a reopen.
pub(crate) fn a_batch_fences_each_change_and_a_refused_one_fails_alone(h: &dyn Harness) {
    let s = h.open();
    let a = enqueue(&*s, "a", T0);
    let b = enqueue(&*s, "b", T0);
    let c = enqueue(&*s, "c", T0);
    let d = enqueue(&*s, "d", T0);
    // b moves on behind the batch's back: the batch's change of b is stale.
    s.apply("b", b.version, &Event::ClaimedForSend, at(1))
        .expect("b claimed elsewhere");
    let done = outcome(EventKind::Done).expect("done outcome");
    let batch = [
        change("a", a.version, Event::ClaimedForSend),
        change("b", b.version, Event::ClaimedForSend),
        change("nope", 1, Event::ClaimedForSend),
        // queued --done--> is not in the state table.
        change("c", c.version, Event::ProviderOutcome(&done)),
        // a again at the version read before the batch: the first change of a raised it.
        change("a", a.version, Event::Deadline),
        change("d", d.version, Event::ClaimedForSend),
    ];
    let out = s.commit_batch(&batch).expect("batch");
    assert_eq!(
        codes(&out),
        [
            Ok(State::Sending),
            Err("conflict"),
            Err("not_found"),
            Err("invalid_transition"),
            Err("conflict"),
            Ok(State::Sending),
        ]
    );
    assert!(
        matches!(&out[1], Err(OutboxError::Conflict { key, expected, found })
            if key == "b" && *expected == b.version && *found == b.version + 1),
        "{:?}",
        out[1]
    );
    let a_after = out[0].as_ref().expect("a");
    assert_eq!(a_after.version, a.version + 1);
    drop(s);
    let s = h.open();
    let state = |k: &str| s.get(k).expect("get").expect("entry");
    assert_eq!(state("a"), *a_after, "the answer is what is stored");
    assert_eq!(state("d").state, State::Sending);
    assert_eq!(state("c").state, State::Queued, "refused: nothing of it");
    assert_eq!(state("c").version, c.version);
    assert_eq!(state("b").version, b.version + 1, "only the other claim");
    assert_eq!(s.get("nope").expect("get"), None);
    let rows = |k: &str| s.audit(k).expect("audit").len();
    assert_eq!(
        (rows("a"), rows("b"), rows("c"), rows("d")),
        (2, 2, 1, 2),
        "one audit row per stored change, none for a refused one"
    );
    // An empty batch is an empty answer.
    assert!(s.commit_batch(&[]).expect("empty").is_empty());
}

/// A batch answers each change as `apply` would, schedules included: the same events through
/// `apply` on a second journal end in the same entries.
pub(crate) fn a_batch_writes_what_apply_writes(h: &dyn Harness) {
    let one = h.open();
    let other = h.another();
    let two = other.open();
    let accepted = outcome(EventKind::Accepted).expect("accepted");
    let retry = outcome(EventKind::RetryLater).expect("retry");
    for s in [&*one, &*two] {
        for k in ["x", "y"] {
            enqueue(s, k, T0);
            let e = s.get(k).expect("get").expect("entry");
            s.apply(k, e.version, &Event::ClaimedForSend, at(1))
                .expect("claim");
        }
    }
    let v = |s: &dyn Store, k: &str| s.get(k).expect("get").expect("entry").version;
    let jitter = Jitter(1000);
    let batch = [
        Change {
            jitter,
            ..change("x", v(&*one, "x"), Event::ProviderOutcome(&accepted))
        },
        Change {
            jitter,
            ..change("y", v(&*one, "y"), Event::ProviderOutcome(&retry))
        },
    ];
    let out = one.commit_batch(&batch).expect("batch");
    for (c, r) in batch.iter().zip(&out) {
        let applied = two
            .apply_jittered(c.key, c.expected_version, &c.event, c.now, c.jitter)
            .expect("apply");
        let batched = r.as_ref().expect("batched");
        assert_eq!(batched.state, applied.state, "{}", c.key);
        assert_eq!(batched.due_at, applied.due_at, "{}: same schedule", c.key);
        assert_eq!(batched.deadline, applied.deadline, "{}", c.key);
        assert_eq!(batched.version, applied.version, "{}", c.key);
        assert_eq!(batched.provider_id, applied.provider_id, "{}", c.key);
    }
    let reasons = |s: &dyn Store, k: &str| -> Vec<String> {
        s.audit(k)
            .expect("audit")
            .into_iter()
            .map(|r| r.reason)
            .collect()
    };
    for k in ["x", "y"] {
        assert_eq!(reasons(&*one, k), reasons(&*two, k), "{k}");
    }
    // Due in the window retry_later asked for (7 s, lengthened by the jitter at most 20 %).
    let y = out[1].as_ref().expect("y");
    let wait = y.due_at.expect("due").since(at(1));
    assert!(wait >= Duration::from_secs(7) && wait <= Duration::from_millis(8400));
}

/// Storage that refuses writes refuses the batch: every change fails with `read_only`
/// (the whole call, or each answer for an engine that commits change by change) and nothing
/// of it is stored.
pub(crate) fn a_read_only_store_stores_nothing_of_a_batch(h: &dyn Harness) {
    let s = h.open();
    let a = enqueue(&*s, "a", T0);
    let b = enqueue(&*s, "b", T0);
    drop(s);
    let ro = h.open_read_only();
    let batch = [
        change("a", a.version, Event::ClaimedForSend),
        change("b", b.version, Event::ClaimedForSend),
    ];
    match ro.commit_batch(&batch) {
        Err(e) => assert_eq!(e.code(), "read_only", "{e}"),
        Ok(out) => assert_eq!(codes(&out), [Err("read_only"), Err("read_only")]),
    }
    let rw = h.open();
    for (k, v) in [("a", a.version), ("b", b.version)] {
        let e = rw.get(k).expect("get").expect("entry");
        assert_eq!((e.state, e.version), (State::Queued, v), "{k}");
        assert_eq!(rw.audit(k).expect("audit").len(), 1, "{k}");
    }
}

/// SQLite: a batch whose writes outgrow the file (the page cap standing for a full disk) is
/// refused as a whole with `disk_full`, its first changes included (they fitted): one
/// transaction, nothing half-stored.
#[test]
fn sqlite_a_full_disk_fails_the_whole_batch_and_stores_none_of_it() {
    let path = dir("batch-full").join("outbox.db");
    const N: usize = 40;
    let keys: Vec<String> = (0..N).map(|i| format!("k-{i}")).collect();
    let mut versions = Vec::new();
    {
        let s = SqliteStore::open(&path, Config::default()).expect("open");
        for k in &keys {
            let e = enqueue(&s, k, T0);
            let e = s
                .apply(k, e.version, &Event::ClaimedForSend, at(1))
                .expect("claim");
            versions.push(e.version);
        }
    }
    let pages: u32 = rusqlite::Connection::open(&path)
        .expect("raw")
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .expect("pages");
    let s = SqliteStore::open(
        &path,
        Config {
            max_page_count: Some(pages),
            ..Config::default()
        },
    )
    .expect("open capped");
    // Each change stores a 4 KiB message twice (entry and audit row): the first fit in the
    // free pages, the batch as a whole does not.
    let retry = Outcome::RetryLater {
        after: None,
        code: Some("503".into()),
        message: "x".repeat(4096),
    };
    let batch: Vec<Change<'_>> = keys
        .iter()
        .zip(&versions)
        .map(|(k, v)| change(k, *v, Event::ProviderOutcome(&retry)))
        .collect();
    let err = s.commit_batch(&batch).expect_err("the cap is reached");
    assert_eq!(err.code(), "disk_full", "{err}");
    assert!(err.is_storage_failure());
    drop(s);
    let s = SqliteStore::open(&path, Config::default()).expect("reopen uncapped");
    for (k, v) in keys.iter().zip(&versions) {
        let e = s.get(k).expect("get").expect("entry");
        assert_eq!((e.state, e.version), (State::Sending, *v), "{k}: untouched");
        assert_eq!(s.audit(k).expect("audit").len(), 2, "{k}: no audit row");
    }
    // With room again the same batch goes through whole.
    let out = s.commit_batch(&batch).expect("batch");
    assert!(out
        .iter()
        .all(|r| r.as_ref().is_ok_and(|e| e.state == State::RetryLater)));
}

/// A change that asks to keep its entry ([`Change::hold`]): an entry it leaves `accepted` is
/// due only a lease after its poll time, so no claim takes it while its writer waits to poll;
/// the writer's next change (under the version it got) is stored; once that lease has run out
/// a claim takes the entry, and the old writer's change is then a conflict. Other states are
/// written as without the hold. A store that does not hold leases ignores it.
pub(crate) fn a_held_change_keeps_an_accepted_entry_from_claims(h: &dyn Harness) {
    let s = h.open();
    let lease = Duration::from_secs(60);
    let hold = Duration::from_secs(30);
    for k in ["a", "b", "c"] {
        enqueue(&*s, k, T0);
    }
    let claimed = s.claim_due(at(1), 10, lease).expect("claim");
    assert_eq!(claimed.len(), 3);
    let v = |k: &str| s.get(k).expect("get").expect("entry").version;
    let accepted = outcome(EventKind::Accepted).expect("accepted");
    let retry = outcome(EventKind::RetryLater).expect("retry");
    let held = |key, event| Change {
        hold: Some(hold),
        ..change(key, v(key), event)
    };
    let batch = [
        held("a", Event::ProviderOutcome(&accepted)),
        held("b", Event::ProviderOutcome(&retry)),
        held("c", Event::ProviderOutcome(&accepted)),
    ];
    let out = s.commit_batch(&batch).expect("batch");
    let (a, b, c) = (
        out[0].clone().expect("a"),
        out[1].clone().expect("b"),
        out[2].clone().expect("c"),
    );
    let poll = at(1).plus(Config::default().poll_first);
    // The retry outcome carries the provider's Retry-After (7 s).
    let retry_at = at(1).plus(Duration::from_secs(7));
    assert_eq!(b.due_at, Some(retry_at), "not accepted: written as planned");
    if !s.holds_leases() {
        assert_eq!(a.due_at, Some(poll), "the hold is ignored");
        return;
    }
    assert_eq!(a.state, State::Accepted);
    assert_eq!(
        a.due_at,
        Some(poll.plus(hold)),
        "leased until a hold after the poll"
    );
    assert_eq!(s.get("a").expect("get").expect("a"), a, "as stored");
    // At the poll time (and just before the hold runs out) nobody else takes a or c.
    assert!(s.claim_due(poll, 10, lease).expect("claim").is_empty());
    let before_end = fiskal_outbox::Timestamp(poll.plus(hold).0 - 1);
    let keys =
        |v: Vec<fiskal_outbox::Entry>| -> Vec<String> { v.into_iter().map(|e| e.key).collect() };
    // b (retry_later, due at its Retry-After) is claimable; a and c are not.
    assert_eq!(
        keys(s.claim_due(before_end, 10, lease).expect("claim")),
        ["b"]
    );
    // The writer polls a itself and writes the answer under the version it holds.
    let done = outcome(EventKind::Done).expect("done");
    let a_done = s
        .commit_batch(&[change("a", a.version, Event::ProviderOutcome(&done))])
        .expect("batch")
        .remove(0)
        .expect("the holder writes");
    assert_eq!(a_done.state, State::Done);
    // c's writer is too slow: its hold runs out and another claim takes c.
    let taken = s.claim_due(poll.plus(hold), 10, lease).expect("claim");
    assert_eq!(keys(taken), ["c"]);
    let late = s
        .commit_batch(&[change("c", c.version, Event::ProviderOutcome(&done))])
        .expect("batch")
        .remove(0);
    assert!(
        matches!(late, Err(OutboxError::Conflict { .. })),
        "{late:?}"
    );
    assert_eq!(s.get("c").expect("get").expect("c").state, State::Accepted);
}
