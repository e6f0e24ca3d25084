//! Group commit in the worker: answers that arrive together share one
//! [`Store::commit_batch`], and nothing follows from an answer (an observer told, the next
//! step) before the commit holding it has returned; a batch the storage refuses acknowledges
//! nothing, and its receipts are resolved later, each fiscalised once.

use super::*;
use fiskal_outbox::{
    AuditRecord, Change, Enqueued, Entry, Event, Jitter, OutboxError, RouteAlarm, StateStats,
    WindowMetrics,
};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU32, AtomicUsize};

type Ready = Box<dyn Fn() -> bool + Send + Sync>;

/// An SQLite store that records what the worker commits and how: the sizes of the batches,
/// the (key, version) pairs known durable (their commit returned), direct `apply` calls; it
/// can hold its first batch until a condition holds and fail batches as a full disk would.
struct Recording {
    inner: SqliteStore,
    /// The first `commit_batch` waits (up to 10 s) until this is true.
    hold_first: Mutex<Option<Ready>>,
    /// Batches fail with `disk_full`, storing nothing, until this many changes failed.
    fail: AtomicUsize,
    batches: Mutex<Vec<usize>>,
    durable: Mutex<HashSet<(String, u64)>>,
    direct_applies: AtomicU32,
}

impl Recording {
    fn new(name: &str, hold_first: Option<Ready>, fail: usize) -> Recording {
        Recording {
            inner: SqliteStore::open(support::dir(name).join("outbox.db"), fast_config())
                .expect("open"),
            hold_first: Mutex::new(hold_first),
            fail: AtomicUsize::new(fail),
            batches: Mutex::default(),
            durable: Mutex::default(),
            direct_applies: AtomicU32::new(0),
        }
    }

    fn durable(&self, entries: &[&Entry]) {
        let mut d = self.durable.lock().expect("lock");
        for e in entries {
            d.insert((e.key.clone(), e.version));
        }
    }

    fn is_durable(&self, e: &Entry) -> bool {
        self.durable
            .lock()
            .expect("lock")
            .contains(&(e.key.clone(), e.version))
    }
}

impl Store for Recording {
    fn enqueue(&self, new: &NewEntry<'_>, now: Timestamp) -> Result<Enqueued, OutboxError> {
        self.inner.enqueue(new, now)
    }
    fn claim_due(
        &self,
        now: Timestamp,
        limit: usize,
        lease: Duration,
    ) -> Result<Vec<Entry>, OutboxError> {
        let v = self.inner.claim_due(now, limit, lease)?;
        self.durable(&v.iter().collect::<Vec<_>>());
        Ok(v)
    }
    fn apply_jittered(
        &self,
        key: &str,
        expected_version: u64,
        event: &Event<'_>,
        now: Timestamp,
        jitter: Jitter,
    ) -> Result<Entry, OutboxError> {
        self.direct_applies.fetch_add(1, Ordering::SeqCst);
        let e = self
            .inner
            .apply_jittered(key, expected_version, event, now, jitter)?;
        self.durable(&[&e]);
        Ok(e)
    }
    fn commit_batch(
        &self,
        changes: &[Change<'_>],
    ) -> Result<Vec<Result<Entry, OutboxError>>, OutboxError> {
        let hold = self.hold_first.lock().expect("lock").take();
        if let Some(ready) = hold {
            let deadline = Instant::now() + Duration::from_secs(10);
            while !ready() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        self.batches.lock().expect("lock").push(changes.len());
        if self
            .fail
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n > 0).then(|| n.saturating_sub(changes.len()))
            })
            .is_ok()
        {
            return Err(OutboxError::DiskFull {
                message: "injected by the test".into(),
            });
        }
        let out = self.inner.commit_batch(changes)?;
        self.durable(
            &out.iter()
                .filter_map(|r| r.as_ref().ok())
                .collect::<Vec<_>>(),
        );
        Ok(out)
    }
    fn enqueue_batch(
        &self,
        batch: &[NewEntry<'_>],
        now: Timestamp,
    ) -> Result<Vec<Result<Enqueued, OutboxError>>, OutboxError> {
        self.inner.enqueue_batch(batch, now)
    }
    fn poke(&self, key: &str, now: Timestamp) -> Result<bool, OutboxError> {
        self.inner.poke(key, now)
    }
    fn next_due(&self) -> Result<Option<Timestamp>, OutboxError> {
        self.inner.next_due()
    }
    fn window_metrics(
        &self,
        now: Timestamp,
        window: Duration,
    ) -> Result<WindowMetrics, OutboxError> {
        self.inner.window_metrics(now, window)
    }
    fn done_between(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> Result<Vec<Entry>, OutboxError> {
        self.inner.done_between(from, to, limit)
    }
    fn changed_between(
        &self,
        state: State,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> Result<Vec<Entry>, OutboxError> {
        self.inner.changed_between(state, from, to, limit)
    }
    fn route_alarms(&self) -> Result<Vec<RouteAlarm>, OutboxError> {
        self.inner.route_alarms()
    }
    fn mark_stuck(&self, now: Timestamp) -> Result<usize, OutboxError> {
        self.inner.mark_stuck(now)
    }
    fn get(&self, key: &str) -> Result<Option<Entry>, OutboxError> {
        self.inner.get(key)
    }
    fn list(&self, state: State, limit: usize) -> Result<Vec<Entry>, OutboxError> {
        self.inner.list(state, limit)
    }
    fn stats(&self, now: Timestamp) -> Result<Vec<StateStats>, OutboxError> {
        self.inner.stats(now)
    }
    fn audit(&self, key: &str) -> Result<Vec<AuditRecord>, OutboxError> {
        self.inner.audit(key)
    }
}

/// A worker over the recording store whose observer notes every transition it was told of
/// before that state was durable.
fn recording_worker(
    s: &Arc<Recording>,
    cloud: &FakeCloud,
    cfg: WorkerConfig,
) -> (Worker<Recording, FakeCloud>, Arc<Mutex<Vec<String>>>) {
    let routes: HashMap<String, Route<FakeCloud>> =
        [("main".to_owned(), Route::new(cloud.clone()))].into();
    let early = Arc::new(Mutex::new(Vec::new()));
    let (store, seen) = (Arc::clone(s), Arc::clone(&early));
    let w = Worker::new(Arc::clone(s), routes, cfg)
        .expect("worker")
        .on_transition(move |t: &Transition| {
            if !store.is_durable(&t.entry) {
                seen.lock().expect("lock").push(format!(
                    "{} v{} {}",
                    t.entry.key, t.entry.version, t.entry.state
                ));
            }
        })
        .expect("observer");
    (w, early)
}

fn enqueue_all(s: &Recording, keys: &[String]) {
    let r = receipt();
    let batch: Vec<NewEntry<'_>> = keys
        .iter()
        .map(|k| NewEntry {
            key: k,
            receipt: &r,
            provider: "main",
        })
        .collect();
    for e in s.enqueue_batch(&batch, Timestamp::now()).expect("enqueue") {
        assert!(e.expect("entry").created);
    }
}

async fn settle_recording(w: &Worker<Recording, FakeCloud>) {
    let settled = w
        .run_until_settled(tokio::time::sleep(Duration::from_secs(20)))
        .await;
    assert!(settled, "not settled in 20 s: {:?}", w.counters());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_that_arrive_together_share_one_commit() {
    const N: usize = 24;
    let cloud = FakeCloud::new("fake", InDoubtResolution::ResendSameId);
    // The first commit waits until every receipt was sent: the other answers queue behind it.
    let c = cloud.clone();
    let s = Arc::new(Recording::new(
        "group-commit",
        Some(Box::new(move || c.submits().len() >= N)),
        0,
    ));
    let keys: Vec<String> = (0..N).map(|i| format!("g-{i}")).collect();
    enqueue_all(&s, &keys);
    let (w, early) = recording_worker(
        &s,
        &cloud,
        WorkerConfig {
            concurrency: N,
            ..cfg()
        },
    );
    settle_recording(&w).await;
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    assert_once(&cloud, &refs);
    for k in &keys {
        assert_eq!(s.get(k).expect("get").expect("entry").state, State::Done);
    }
    let batches = s.batches.lock().expect("lock").clone();
    let changes: usize = batches.iter().sum();
    // accepted + done per receipt (polls_to_done 1), all through commit_batch.
    assert_eq!(changes, 2 * N, "{batches:?}");
    assert_eq!(s.direct_applies.load(Ordering::SeqCst), 0);
    assert!(
        batches.iter().any(|&n| n >= 2),
        "the answers queued behind the held commit went together: {batches:?}"
    );
    assert!(batches.len() < changes, "{batches:?}");
    assert!(
        early.lock().expect("lock").is_empty(),
        "told before durable: {:?}",
        early.lock().expect("lock")
    );
    let c = w.counters();
    assert_eq!((c.done, c.conflicts, c.store_errors), (N as u64, 0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_group_commit_acknowledges_nothing_and_its_receipts_are_resolved_once() {
    const N: usize = 8;
    let cloud = FakeCloud::new("fake", InDoubtResolution::ResendSameId);
    let c = cloud.clone();
    // The batches holding the eight accepted answers (the first answer, then those queued
    // behind it) fail as on a full disk: all eight are lost with nothing stored.
    let s = Arc::new(Recording::new(
        "group-commit-fail",
        Some(Box::new(move || c.submits().len() >= N)),
        N,
    ));
    let keys: Vec<String> = (0..N).map(|i| format!("f-{i}")).collect();
    enqueue_all(&s, &keys);
    let (w, early) = recording_worker(
        &s,
        &cloud,
        WorkerConfig {
            concurrency: N,
            lease: Duration::from_millis(1500),
            call_timeout: Duration::from_millis(1000),
            ..cfg()
        },
    );
    settle_recording(&w).await;
    let batches = s.batches.lock().expect("lock").clone();
    // The batches that failed: those up to the one that reached N changes.
    let mut sum = 0;
    let failed = batches
        .iter()
        .take_while(|&&n| {
            let before = sum;
            sum += n;
            before < N
        })
        .count();
    assert_eq!(sum.min(N), N, "{batches:?}");
    assert!(failed < N, "the lost answers were batched: {batches:?}");
    assert!(early.lock().expect("lock").is_empty());
    let c = w.counters();
    assert_eq!(c.store_errors, N as u64, "each lost answer counted once");
    assert_eq!(c.done, N as u64);
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    assert_once(&cloud, &refs);
    for k in &keys {
        // The lost acceptance left the entry in `sending` under its lease; the next claim
        // after it found it so and resolved it as in doubt (ATOL-like: the same id again).
        assert_eq!(
            reasons(&s.inner, k),
            [
                "enqueued",
                "claimed_for_send",
                "lease_expired",
                "duplicate",
                "done"
            ],
            "{k}"
        );
    }
}
