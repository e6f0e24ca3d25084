//! The worker: claims due entries, sends them, polls them, resolves in-doubt sends, and
//! writes every answer through the state table.
//!
//! # What it does with each claimed entry
//! | state | action | then |
//! |---|---|---|
//! | `sending` (was queued / retry_later) | [`Provider::submit`] under `key-attempt` | the answer's transition |
//! | `accepted` | [`Provider::status`] (after the route's poll slot) | done, or poll again with backoff |
//! | `in_doubt` | as the provider says ([`InDoubtResolution`]): ATOL resends the **same** id, Orange Data and Business.ru look it up | accepted/done, or `not_found` → retry_later (then sent, same id) |
//!
//! Before an answer is written it is checked against the entry: a `done` whose total (1020) or
//! operation (1054) is not the stored receipt's is written as
//! [`Event::IdConflict`](crate::Event::IdConflict) (→ `stuck`, never `done` with someone
//! else's fiscal data); a status answer naming another provider id than the stored one is
//! written as a retry with code [`PROVIDER_ID_MISMATCH`] (nothing of it applied). A refusal of
//! our credentials or configuration is `refused_config` (the entry waits; see
//! [`state`](crate::state)).
//!
//! After a register refusal (`failed_at_register`) the worker resubmits under a new attempt id
//! up to [`WorkerConfig::register_resubmits`] times unless the code is listed in
//! [`WorkerConfig::no_resubmit_codes`]; after [`Failover::after_tries`] transient failures of a
//! receipt no provider ever accepted, it moves it to the failover route.
//!
//! # Why nothing is lost or doubled
//! * The store acknowledged the receipt before the worker ever sees it.
//! * A claim is a lease: if this process dies mid-send, the next claim after the lease finds
//!   the entry still `sending` and moves it to `in_doubt`, which is resolved with the provider
//!   before any resend.
//! * Every write is guarded by the entry's version: a worker that lost its lease (too slow)
//!   gets [`OutboxError::Conflict`] and drops its answer; the entry is then resolved again.
//! * Answers written at about the same time share one commit ([`Store::commit_batch`], group
//!   commit), and nothing follows from an answer before that commit has returned: the
//!   invariant is in the `commit` module.
//! * Provider calls are timed out inside the lease ([`WorkerConfig::call_timeout`]).
//!
//! # Kept polls
//! An answer that leaves the entry `accepted` is written with [`Change::hold`](crate::Change::hold)
//! (stores whose [`Store::holds_leases`] is true, up to [`WorkerConfig::held_polls`] entries):
//! the entry stays leased to the task until a lease after its poll time, and the task polls it
//! itself at that time, again while it stays accepted, with no claim through the journal in
//! between. The order holds: the poll starts only after the commit of the `accepted` answer
//! (with the provider's id) has returned, so the next state is always written after it. A
//! waiting task holds no [`WorkerConfig::concurrency`] slot, only its status request does (a
//! slot bounds the provider calls in flight: it is given back when the call returns, before
//! the answer's commit).
//! Its writes stay fenced by the entry's version: if the lease was taken over meanwhile (a
//! poke through the journal, a lease run out, the deadline), the poll's answer is a conflict
//! and nothing of it is written. [`Worker::poke`] rings the waiting task (it polls at once);
//! a stopping worker gives its waiting entries back to the journal due at their poll time
//! ([`Store::poke`]); a process that dies leaves them to be claimed when the lease runs out.
//!
//! # Running it
//! * inside an async host: [`Worker::run`] with a shutdown future, or
//!   [`Worker::run_until_settled`] to drain what is due and return;
//! * on its own thread with its own runtime: [`Worker::spawn_thread`] (what the C ABI uses);
//! * as its own process: the `fiskal-worker` binary.

mod answer;
mod commit;
mod config;
mod counters;
mod route;
mod timings;

pub use answer::PROVIDER_ID_MISMATCH;
pub use config::WorkerConfig;
pub use route::{Failover, Route};

use answer::{local_refusal, not_our_receipt, same_document, still_unknown, EventOwned};
pub use counters::WorkerCounters;
use counters::{bump, Counters};
use timings::Timings;
pub use timings::{Span, SpanStats, WorkerTimings};

use crate::error::OutboxError;
use crate::state::State;
use crate::store::{Attention, Entry, Jitter, Store, Timestamp};
use fiskal_ffd::datetime::LocalDateTime;
use fiskal_providers::{
    DocumentKind, InDoubtResolution, Outcome, Provider, ProviderError, StatusQuery, Submission,
};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{watch, Notify, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;

/// How many `failed_at_register` entries one scan looks at (oldest first).
const RESUBMIT_SCAN: usize = 1000;

/// A change the worker made, for observers ([`Worker::on_transition`]): 1C's ExternalEvent,
/// a host's log, a progress bar.
#[derive(Debug, Clone)]
pub struct Transition {
    /// The state before.
    pub from: State,
    /// The entry after.
    pub entry: Entry,
}

impl Transition {
    /// Whether this change made the receipt `done` (it was not before).
    pub fn became_done(&self) -> bool {
        self.entry.state == State::Done && self.from != State::Done
    }

    /// When this change made the receipt `done` and it wants attention (negative mark check,
    /// warnings, not delivered to the ОФД), why: the "done with attention" event.
    pub fn attention(&self) -> Option<Attention> {
        if self.became_done() {
            self.entry.attention()
        } else {
            None
        }
    }
}

type Observer = Arc<dyn Fn(&Transition) + Send + Sync>;

struct Inner<S, P> {
    store: Arc<S>,
    routes: HashMap<String, Route<P>>,
    cfg: WorkerConfig,
    wake: Arc<Notify>,
    counters: Counters,
    observer: Option<Observer>,
    rng: AtomicU64,
    commits: Arc<commit::GroupCommit>,
    timings: Option<Arc<Timings>>,
    /// One permit per [`WorkerConfig::concurrency`] slot: held by an entry's task for its
    /// provider call, not while its answer waits for the group commit nor while it waits for
    /// a kept entry's poll time.
    slots: Arc<Semaphore>,
    /// Told whenever a slot is given back (the loop waits on it when full).
    slot_freed: Arc<Notify>,
    /// Whether accepted entries are kept for their poll ([`WorkerConfig::held_polls`] and a
    /// store that keeps leases).
    keep: bool,
    /// Entries kept now (or about to be: counted before their commit).
    kept: AtomicUsize,
    /// The kept entries by key, each with the bell that makes its task poll at once
    /// ([`Worker::poke`]).
    kept_by_key: Mutex<HashMap<String, Arc<Notify>>>,
}

/// A [`WorkerConfig::concurrency`] slot, given back (and the loop told) when dropped.
struct Slot {
    permit: Option<OwnedSemaphorePermit>,
    freed: Arc<Notify>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        // Given back first, then told: the loop that wakes sees it free (a notification with
        // no loop waiting is kept until it waits).
        drop(self.permit.take());
        self.freed.notify_one();
    }
}

/// The outbox worker over a store and the routes' providers. Cheap to clone (shared state).
pub struct Worker<S, P> {
    inner: Arc<Inner<S, P>>,
}

impl<S, P> Clone for Worker<S, P> {
    fn clone(&self) -> Self {
        Worker {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<S, P> std::fmt::Debug for Worker<S, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut routes: Vec<&String> = self.inner.routes.keys().collect();
        routes.sort();
        f.debug_struct("Worker")
            .field("routes", &routes)
            .field("config", &self.inner.cfg)
            .finish_non_exhaustive()
    }
}

/// SplitMix64: a small, good-enough generator for spreading delays (not for secrets).
fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl<S, P> Worker<S, P>
where
    S: Store + 'static,
    P: Provider + 'static,
{
    /// A worker over `store` with these routes (routing name → route). Checks the
    /// configuration: every failover target is a route, concurrency ≥ 1, the call timeout
    /// shorter than the lease.
    pub fn new(
        store: Arc<S>,
        mut routes: HashMap<String, Route<P>>,
        cfg: WorkerConfig,
    ) -> Result<Worker<S, P>, OutboxError> {
        let bad = |field: String, message: String| {
            Err(OutboxError::InvalidConfig {
                field: Some(field),
                message,
            })
        };
        if cfg.concurrency == 0 {
            return bad(
                "worker.concurrency".into(),
                "concurrency must be at least 1".into(),
            );
        }
        if cfg.call_timeout >= cfg.lease {
            return bad(
                "worker.call_timeout_ms".into(),
                format!(
                    "call_timeout ({:?}) must be shorter than the lease ({:?})",
                    cfg.call_timeout, cfg.lease
                ),
            );
        }
        for (name, r) in &mut routes {
            if r.gate.is_none() {
                if let Some(d) = r.provider.status_interval().filter(|d| !d.is_zero()) {
                    r.gate = Some(route::PollGate::every(d));
                }
            }
            // Every task may queue for the route's poll slot inside its lease.
            if let Some(g) = &r.gate {
                let queue = g
                    .interval()
                    .saturating_mul(u32::try_from(cfg.concurrency).unwrap_or(u32::MAX));
                if cfg.call_timeout.saturating_add(queue) >= cfg.lease {
                    return bad(
                        format!("routes.{name}.polls_per_second"),
                        format!(
                            "route {name:?}: one status request per {:?} with concurrency {} may \
                         queue {queue:?}; call_timeout ({:?}) plus that must be shorter than the \
                         lease ({:?})",
                            g.interval(),
                            cfg.concurrency,
                            cfg.call_timeout,
                            cfg.lease
                        ),
                    );
                }
            }
        }
        for (name, r) in &routes {
            if let Some(f) = &r.failover {
                if !routes.contains_key(&f.to) {
                    return bad(
                        format!("routes.{name}.failover.to"),
                        format!("route {name:?} fails over to unknown route {:?}", f.to),
                    );
                }
                if f.to == *name {
                    return bad(
                        format!("routes.{name}.failover.to"),
                        format!("route {name:?} fails over to itself"),
                    );
                }
            }
        }
        let seed = u64::try_from(Timestamp::now().as_millis()).unwrap_or(0)
            ^ u64::from(std::process::id()).rotate_left(32);
        // Woken by the store too when another process made something due (PostgreSQL
        // LISTEN/NOTIFY); the periodic poll stays.
        let wake = Arc::new(Notify::new());
        let w = Arc::clone(&wake);
        store.watch(Arc::new(move || w.notify_one()));
        let keep = cfg.held_polls > 0 && store.holds_leases();
        let slots = Arc::new(Semaphore::new(cfg.concurrency.min(Semaphore::MAX_PERMITS)));
        Ok(Worker {
            inner: Arc::new(Inner {
                store,
                routes,
                cfg,
                wake,
                counters: Counters::default(),
                observer: None,
                rng: AtomicU64::new(seed),
                commits: Arc::default(),
                timings: None,
                slots,
                slot_freed: Arc::new(Notify::new()),
                keep,
                kept: AtomicUsize::new(0),
                kept_by_key: Mutex::default(),
            }),
        })
    }

    /// Records timing spans of the worker's steps from now on ([`Worker::timings`]): where a
    /// receipt's time goes. Off unless asked for. Set it before cloning or running the worker;
    /// returns the worker with it.
    pub fn record_timings(self) -> Result<Worker<S, P>, OutboxError> {
        let mut inner = Arc::try_unwrap(self.inner).map_err(|_| OutboxError::InvalidConfig {
            field: None,
            message: "ask for timings before cloning or running the worker".into(),
        })?;
        inner.timings = Some(Arc::default());
        Ok(Worker {
            inner: Arc::new(inner),
        })
    }

    /// The timing spans so far, when [`Worker::record_timings`] asked for them.
    pub fn timings(&self) -> Option<WorkerTimings> {
        self.inner.timings.as_ref().map(|t| t.snapshot())
    }

    /// The time now, when timings are recorded.
    fn clock(&self) -> Option<Instant> {
        self.inner.timings.as_ref().map(|_| Instant::now())
    }

    /// Adds a span that started at `since` (timings on).
    fn span(&self, span: Span, since: Option<Instant>, items: u64) {
        if let (Some(t), Some(since)) = (&self.inner.timings, since) {
            t.add(span, since, items);
        }
    }

    /// Calls `f` after every change the worker writes (from the worker's tasks: keep it
    /// short and non-blocking). Set it before running; returns the worker with it.
    pub fn on_transition(
        self,
        f: impl Fn(&Transition) + Send + Sync + 'static,
    ) -> Result<Worker<S, P>, OutboxError> {
        let mut inner = Arc::try_unwrap(self.inner).map_err(|_| OutboxError::InvalidConfig {
            field: None,
            message: "set the observer before cloning or running the worker".into(),
        })?;
        inner.observer = Some(Arc::new(f));
        Ok(Worker {
            inner: Arc::new(inner),
        })
    }

    /// The store.
    pub fn store(&self) -> &Arc<S> {
        &self.inner.store
    }

    /// The route of a routing name.
    pub fn route(&self, name: &str) -> Option<&Route<P>> {
        self.inner.routes.get(name)
    }

    /// Wakes a sleeping worker (something was enqueued in this process).
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// A callback arrived for `key` (or for a document id `key-attempt`): poll it now instead of
    /// at its scheduled time. The callback's content is not trusted; the worker asks the
    /// provider. Returns whether an entry was found to poke.
    pub fn poke(&self, key_or_document_id: &str) -> Result<bool, OutboxError> {
        if self.ring_kept(key_or_document_id) {
            return Ok(true);
        }
        let now = Timestamp::now();
        let store = &self.inner.store;
        let mut hit = store.poke(key_or_document_id, now)?;
        if !hit {
            if let Some((key, attempt)) = key_or_document_id.rsplit_once('-') {
                if attempt.bytes().all(|b| b.is_ascii_digit()) && !attempt.is_empty() {
                    hit = store.poke(key, now)?;
                }
            }
        }
        if hit {
            self.wake();
        }
        Ok(hit)
    }

    /// The counters so far.
    pub fn counters(&self) -> WorkerCounters {
        let c = &self.inner.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        WorkerCounters {
            claimed: get(&c.claimed),
            submits: get(&c.submits),
            status_calls: get(&c.status_calls),
            kept_polls: get(&c.kept_polls),
            done: get(&c.done),
            done_with_attention: get(&c.done_with_attention),
            resubmits: get(&c.resubmits),
            failovers: get(&c.failovers),
            conflicts: get(&c.conflicts),
            store_errors: get(&c.store_errors),
            unrouted: get(&c.unrouted),
        }
    }

    /// Runs until `shutdown` completes, then stops claiming and lets in-flight calls finish
    /// (up to [`WorkerConfig::drain_timeout`]). Store errors are counted and retried, never
    /// fatal: the worker keeps going while the disk is full and resumes when it is not.
    pub async fn run<F: Future<Output = ()>>(&self, shutdown: F) {
        self.run_loop(shutdown, false).await;
    }

    /// Runs until nothing is scheduled any more (every entry is final or waits for an
    /// operator), or until `shutdown` completes. Returns whether it settled.
    pub async fn run_until_settled<F: Future<Output = ()>>(&self, shutdown: F) -> bool {
        self.run_loop(shutdown, true).await
    }

    async fn run_loop<F: Future<Output = ()>>(&self, shutdown: F, until_settled: bool) -> bool {
        let inner = &self.inner;
        let cfg = &inner.cfg;
        tokio::pin!(shutdown);
        let mut tasks: JoinSet<()> = JoinSet::new();
        let mut last_scan: Option<tokio::time::Instant> = None;
        let mut settled = false;
        // Tells the tasks that wait for a kept entry's poll time to stop waiting (shutdown).
        let (stop, stopping) = watch::channel(false);
        // When the loop, full, was told of a free slot (timings only).
        let mut freed_at: Option<Instant> = None;
        loop {
            while let Some(done) = tasks.try_join_next() {
                if let Err(e) = done {
                    tracing::error!(error = %e, "outbox task failed");
                }
            }
            let now = Timestamp::now();
            if last_scan.is_none_or(|t| t.elapsed() >= cfg.stuck_scan) {
                last_scan = Some(tokio::time::Instant::now());
                match self.blocking(move |s| s.mark_stuck(now)).await {
                    Ok(0) => {}
                    Ok(n) => tracing::warn!(count = n, "outbox entries past their deadline: stuck"),
                    Err(e) => self.store_error("mark_stuck", &e),
                }
                // Register refusals whose automatic resubmit was not written (the process died
                // between the two commits): decide again. First thing after a start, then with
                // the deadline scan.
                self.resubmit_refused().await;
            }
            // Free slots: not the tasks, some of which only wait for a kept entry's poll time.
            let free = inner.slots.available_permits();
            let mut claimed = 0usize;
            let mut store_failed = false;
            if free > 0 {
                let lease = cfg.lease;
                let t0 = self.clock();
                if let (Some(freed), Some(t0)) = (freed_at.take(), t0) {
                    if let Some(t) = &inner.timings {
                        t.add_duration(Span::SlotToClaim, t0.saturating_duration_since(freed), 1);
                    }
                }
                match self.blocking(move |s| s.claim_due(now, free, lease)).await {
                    Ok(entries) => {
                        claimed = entries.len();
                        self.span(Span::Claim, t0, u64::try_from(claimed).unwrap_or(u64::MAX));
                        let claimed_at = self.clock();
                        for e in entries {
                            bump(&inner.counters.claimed);
                            // A slot for each; a kept entry's task may have taken one since
                            // the count: then the task waits for the next.
                            let slot = self.try_slot();
                            let w = self.clone();
                            let stopping = stopping.clone();
                            tasks.spawn(async move {
                                w.process(e, slot, stopping, claimed_at).await;
                            });
                        }
                    }
                    Err(e) => {
                        store_failed = true;
                        self.store_error("claim_due", &e);
                    }
                }
            }
            if claimed > 0 && claimed == free {
                // Full: wait for a slot (or shutdown).
                tokio::select! {
                    biased;
                    () = &mut shutdown => break,
                    () = inner.slot_freed.notified() => freed_at = self.clock(),
                    Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
                }
                continue;
            }
            if claimed > 0 {
                continue;
            }
            let next = if store_failed {
                None
            } else {
                match self.blocking(|s| s.next_due()).await {
                    Ok(n) => n,
                    Err(e) => {
                        self.store_error("next_due", &e);
                        None
                    }
                }
            };
            if until_settled && tasks.is_empty() && !store_failed && next.is_none() {
                settled = true;
                break;
            }
            // Until the next due entry exactly (the store's clock is in milliseconds), at most
            // `idle_wait`; woken earlier by a task's end, a freed slot when the loop was full,
            // an enqueue or a poke.
            let wait = match next {
                Some(t) => t.since(Timestamp::now()).min(cfg.idle_wait),
                None => cfg.idle_wait,
            };
            let full = free == 0;
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
                () = inner.slot_freed.notified(), if full => freed_at = self.clock(),
                () = inner.wake.notified() => {}
                () = tokio::time::sleep(wait.max(Duration::from_millis(1))) => {}
            }
        }
        // Tasks waiting for a kept entry's poll time stop: the entry's lease runs out and the
        // next run polls it.
        let _ = stop.send(true);
        let drain = async { while tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(cfg.drain_timeout, drain)
            .await
            .is_err()
        {
            tracing::warn!(
                in_flight = tasks.len(),
                "outbox worker stopped with calls in flight; their leases will expire and they \
                 will be resolved as in doubt"
            );
            tasks.abort_all();
        }
        settled
    }

    /// A free slot, if there is one now.
    fn try_slot(&self) -> Option<Slot> {
        Arc::clone(&self.inner.slots)
            .try_acquire_owned()
            .ok()
            .map(|p| Slot {
                permit: Some(p),
                freed: Arc::clone(&self.inner.slot_freed),
            })
    }

    /// Waits for a slot; `None` when the worker stops first (or the slots are closed).
    async fn slot(&self, stopping: &mut watch::Receiver<bool>) -> Option<Slot> {
        let slots = Arc::clone(&self.inner.slots);
        tokio::select! {
            p = slots.acquire_owned() => p.ok().map(|p| Slot {
                permit: Some(p),
                freed: Arc::clone(&self.inner.slot_freed),
            }),
            _ = stopping.wait_for(|s| *s) => None,
        }
    }

    /// Makes the task that keeps `key_or_document_id`'s entry poll it now; false when no task
    /// keeps it.
    fn ring_kept(&self, key_or_document_id: &str) -> bool {
        let Ok(kept) = self.inner.kept_by_key.lock() else {
            return false;
        };
        let bell = kept.get(key_or_document_id).or_else(|| {
            let (key, attempt) = key_or_document_id.rsplit_once('-')?;
            (!attempt.is_empty() && attempt.bytes().all(|b| b.is_ascii_digit()))
                .then(|| kept.get(key))
                .flatten()
        });
        match bell {
            Some(b) => {
                b.notify_one();
                true
            }
            None => false,
        }
    }

    /// Runs a store call on the blocking pool (SQLite syncs to disk).
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&S) -> Result<T, OutboxError> + Send + 'static,
    ) -> Result<T, OutboxError> {
        let store = Arc::clone(&self.inner.store);
        match tokio::task::spawn_blocking(move || f(&store)).await {
            Ok(r) => r,
            Err(e) => Err(OutboxError::Database {
                message: format!("store call did not complete: {e}"),
            }),
        }
    }

    fn store_error(&self, op: &str, e: &OutboxError) {
        bump(&self.inner.counters.store_errors);
        tracing::error!(op, code = e.code(), error = %e, "outbox store operation failed");
    }

    fn draw(&self) -> Jitter {
        let x = self
            .inner
            .rng
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
        Jitter(u16::try_from(splitmix(x) >> 48).unwrap_or(u16::MAX))
    }

    /// Writes `event` to the entry read as `cur` (in the next group commit: [`commit`]),
    /// keeping it leased when `hold` ([`Change::hold`](crate::Change::hold)); returns once it
    /// is durable. `None` when the entry moved on meanwhile or the store failed (both leave it
    /// to a later claim). `span`: the commit wait's timing span, if timed.
    async fn apply(
        &self,
        cur: &Entry,
        event: EventOwned,
        hold: Option<Duration>,
        span: Option<Span>,
    ) -> Option<Entry> {
        let jitter = self.draw();
        let now = Timestamp::now();
        let t0 = span.and(self.clock());
        let r = self
            .inner
            .commits
            .apply(
                &self.inner.store,
                cur.key.clone(),
                cur.version,
                event,
                now,
                jitter,
                hold,
                self.inner.timings.as_ref(),
            )
            .await;
        if let Some(span) = span {
            self.span(span, t0, 1);
        }
        match r {
            Ok(next) => {
                if next.state == State::Done && cur.state != State::Done {
                    bump(&self.inner.counters.done);
                    if let Some(a) = next.attention() {
                        bump(&self.inner.counters.done_with_attention);
                        tracing::warn!(key = %next.key, reasons = ?a.reasons(), detail = %a.summary(), "receipt done with attention");
                    }
                }
                tracing::debug!(key = %next.key, from = %cur.state, to = %next.state, "outbox transition");
                if let Some(f) = &self.inner.observer {
                    f(&Transition {
                        from: cur.state,
                        entry: next.clone(),
                    });
                }
                Some(next)
            }
            Err(OutboxError::Conflict { .. }) => {
                bump(&self.inner.counters.conflicts);
                tracing::info!(key = %cur.key, "entry moved on meanwhile; answer dropped");
                None
            }
            Err(e) => {
                self.store_error("apply", &e);
                None
            }
        }
    }

    /// Counts one more kept entry if there is room ([`WorkerConfig::held_polls`]): the lease
    /// to ask the commit for, or `None` (the entry goes back to the journal).
    fn reserve_keep(&self) -> Option<Duration> {
        let inner = &self.inner;
        if !inner.keep {
            return None;
        }
        inner
            .kept
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < inner.cfg.held_polls).then_some(n + 1)
            })
            .ok()
            .map(|_| inner.cfg.lease)
    }

    fn unreserve_keep(&self) {
        let _ = self
            .inner
            .kept
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
    }

    /// Waits for the poll time of an entry this task keeps (`next`, written with the lease
    /// `hold`: it is due `hold` after its poll time), or a poke, without a slot. False when the
    /// worker stops first: the entry is then given back to the journal, due at its poll time
    /// (a [`Store::poke`] at that time; if that fails, its lease runs out and a later claim
    /// polls it).
    async fn wait_kept(
        &self,
        next: &Entry,
        hold: Duration,
        bell: &Notify,
        stopping: &mut watch::Receiver<bool>,
    ) -> bool {
        let poll_at = next
            .due_at
            .map(|t| Timestamp(t.0.saturating_sub(i64::try_from(hold.as_millis()).unwrap_or(0))));
        let wait = poll_at.map_or(Duration::ZERO, |t| t.since(Timestamp::now()));
        let go = tokio::select! {
            () = tokio::time::sleep(wait) => true,
            () = bell.notified() => true,
            _ = stopping.wait_for(|s| *s) => false,
        };
        self.forget_kept(&next.key);
        self.unreserve_keep();
        if !go {
            self.give_back(&next.key, poll_at.unwrap_or_else(Timestamp::now))
                .await;
            return false;
        }
        if let (Some(t), Some(at)) = (&self.inner.timings, poll_at) {
            t.add_duration(Span::PollLag, Timestamp::now().since(at), 1);
        }
        true
    }

    /// Gives a kept entry back to the journal, due at `at` (a [`Store::poke`] at that time),
    /// when the worker stops before polling it. An accepted entry only ever stays accepted or
    /// ends, so making it due earlier never shortens anyone's send: at worst a second status
    /// request, whose answer is fenced by the entry's version. If this fails, the lease runs
    /// out and a later claim polls it.
    async fn give_back(&self, key: &str, at: Timestamp) {
        let key = key.to_owned();
        if let Err(e) = self.blocking(move |s| s.poke(&key, at)).await {
            self.store_error("poke", &e);
        }
    }

    /// Registers the bell that makes the task keeping `key` poll at once ([`Worker::poke`]).
    /// Rung before the task waits, it is kept: the task then polls without waiting.
    fn bell_for(&self, key: &str) -> Arc<Notify> {
        let bell = Arc::new(Notify::new());
        if let Ok(mut k) = self.inner.kept_by_key.lock() {
            k.insert(key.to_owned(), Arc::clone(&bell));
        }
        bell
    }

    fn forget_kept(&self, key: &str) {
        if let Ok(mut k) = self.inner.kept_by_key.lock() {
            k.remove(key);
        }
    }

    /// Works on a claimed entry: its provider call, the answer's commit, what follows; an
    /// entry the answer leaves `accepted` is kept, when there is room, and polled by this task
    /// at its poll time (again and again while it stays accepted).
    async fn process(
        &self,
        mut e: Entry,
        slot: Option<Slot>,
        mut stopping: watch::Receiver<bool>,
        claimed_at: Option<Instant>,
    ) {
        let inner = &self.inner;
        let mut slot = match slot {
            Some(s) => Some(s),
            None => match self.slot(&mut stopping).await {
                Some(s) => Some(s),
                // Stopping before it started: the claim's lease runs out.
                None => return,
            },
        };
        self.span(Span::ClaimToStart, claimed_at, 1);
        if e.state == State::Accepted {
            if let Some(t) = &inner.timings {
                if let Some(at) = t.take_poll_due(&e.key) {
                    t.add_duration(Span::PollLag, Timestamp::now().since(at), 1);
                }
            }
        }
        let Some(route) = inner.routes.get(&e.provider) else {
            bump(&inner.counters.unrouted);
            tracing::error!(key = %e.key, route = %e.provider, "no such route configured; the entry waits for its deadline");
            return;
        };
        let receipt = match e.receipt() {
            Ok(r) => r,
            Err(err) => {
                self.store_error("receipt", &err);
                return;
            }
        };
        let kind = DocumentKind::of(&receipt);
        let provider = &*route.provider;
        loop {
            let document_id = e.document_id();
            let call = Call {
                route,
                entry: &e,
                receipt: &receipt,
                document_id: &document_id,
            };
            let (outcome, span) = match e.state {
                State::Sending => match self.submit(&call, kind.clone()).await {
                    Ok(o) => (o, Span::SubmitCommit),
                    // Nothing was sent and it cannot be: the receipt or the setup must change.
                    Err(err) => (local_refusal(&err), Span::SubmitCommit),
                },
                State::Accepted => {
                    let r = match &kind {
                        Ok(k) => self.status(&call, *k).await,
                        Err(err) => Err(err.clone()),
                    };
                    (
                        r.map_or_else(|err| still_unknown(&err), |o| same_document(&e, o)),
                        Span::StatusCommit,
                    )
                }
                State::InDoubt => {
                    let (r, span) = match provider.in_doubt_resolution() {
                        InDoubtResolution::ResendSameId => {
                            (self.submit(&call, kind.clone()).await, Span::SubmitCommit)
                        }
                        _ => (
                            match &kind {
                                Ok(k) => self.status(&call, *k).await,
                                Err(err) => Err(err.clone()),
                            },
                            Span::StatusCommit,
                        ),
                    };
                    // A local failure settles nothing: the first send may be at the provider.
                    (
                        r.map_or_else(|err| still_unknown(&err), |o| same_document(&e, o)),
                        span,
                    )
                }
                _ => return,
            };
            // The call is over: its slot is free for another call while the answer waits for
            // its group commit (a slot bounds the provider calls in flight, not the commits).
            drop(slot.take());
            let event = match not_our_receipt(&receipt, &document_id, &outcome) {
                Some(detail) => {
                    tracing::error!(key = %e.key, %detail, "the provider reports another receipt under our document id");
                    EventOwned::IdConflict(detail)
                }
                None => EventOwned::Outcome(Box::new(outcome)),
            };
            let hold = self.reserve_keep();
            // Registered before the commit: a callback arriving meanwhile is not missed.
            let bell = hold.map(|_| self.bell_for(&e.key));
            let Some(next) = self.apply(&e, event, hold, Some(span)).await else {
                if hold.is_some() {
                    self.forget_kept(&e.key);
                    self.unreserve_keep();
                }
                return;
            };
            match (hold, &bell) {
                (Some(lease), Some(bell)) if next.state == State::Accepted => {
                    // Kept: the accepted answer is durable (its commit returned) and leases
                    // the entry to this task until a lease after its poll time. The task waits
                    // without a slot; the poll takes one again.
                    if !self.wait_kept(&next, lease, bell, &mut stopping).await {
                        return;
                    }
                    slot = match self.slot(&mut stopping).await {
                        Some(s) => Some(s),
                        None => {
                            // Stopping while it waited for a slot: due now, for the next run.
                            self.give_back(&next.key, Timestamp::now()).await;
                            return;
                        }
                    };
                    bump(&inner.counters.kept_polls);
                    e = next;
                }
                _ => {
                    if hold.is_some() {
                        self.forget_kept(&e.key);
                        self.unreserve_keep();
                    }
                    if next.state == State::Accepted {
                        if let (Some(t), Some(at)) = (&inner.timings, next.due_at) {
                            t.poll_due(&next.key, at);
                        }
                    }
                    self.follow_up(route, next).await;
                    return;
                }
            }
        }
    }

    async fn submit(
        &self,
        c: &Call<'_, P>,
        kind: Result<DocumentKind, ProviderError>,
    ) -> Result<Outcome, ProviderError> {
        kind?;
        let cfg = &self.inner.cfg;
        bump(&self.inner.counters.submits);
        let submission = Submission {
            document_id: c.document_id,
            receipt: c.receipt,
            callback_url: c.route.callback_url.as_deref(),
            timestamp: self.local_time(c.entry.created_at),
        };
        let t0 = self.clock();
        let r = match tokio::time::timeout(cfg.call_timeout, c.route.provider.submit(&submission))
            .await
        {
            Ok(r) => r,
            Err(_) => Ok(Outcome::InDoubt {
                reason: format!("no answer within {:?} after sending", cfg.call_timeout),
            }),
        };
        self.span(Span::Submit, t0, 1);
        r
    }

    async fn status(&self, c: &Call<'_, P>, kind: DocumentKind) -> Result<Outcome, ProviderError> {
        let cfg = &self.inner.cfg;
        let t0 = self.clock();
        if let Some(gate) = &c.route.gate {
            tokio::time::sleep(gate.reserve()).await;
        }
        bump(&self.inner.counters.status_calls);
        let q = StatusQuery {
            provider_id: c.entry.provider_id.as_deref(),
            document_id: c.document_id,
            kind,
        };
        let r = match tokio::time::timeout(cfg.call_timeout, c.route.provider.status(&q)).await {
            Ok(r) => r,
            Err(_) => Ok(Outcome::RetryLater {
                after: None,
                code: None,
                message: format!("status: no answer within {:?}", cfg.call_timeout),
            }),
        };
        self.span(Span::Status, t0, 1);
        r
    }

    /// The worker's configuration.
    pub fn config(&self) -> &WorkerConfig {
        &self.inner.cfg
    }

    /// Asks the entry's provider for its state (a status request within the route's poll
    /// limit), for reconciliation. `Err` with the reason when the provider cannot be asked.
    pub(crate) async fn look_up(&self, e: &Entry) -> Result<Outcome, String> {
        let route = self
            .inner
            .routes
            .get(&e.provider)
            .ok_or_else(|| format!("no route {:?} configured", e.provider))?;
        let receipt = e.receipt().map_err(|err| err.to_string())?;
        let kind = DocumentKind::of(&receipt).map_err(|err| err.to_string())?;
        let document_id = e.document_id();
        let call = Call {
            route,
            entry: e,
            receipt: &receipt,
            document_id: &document_id,
        };
        self.status(&call, kind)
            .await
            .map_err(|err| err.to_string())
    }

    /// Applies the resubmit policy to entries left in `failed_at_register` (see the call site).
    async fn resubmit_refused(&self) {
        let refused = match self
            .blocking(|s| s.list(State::FailedAtRegister, RESUBMIT_SCAN))
            .await
        {
            Ok(v) => v,
            Err(e) => {
                self.store_error("list failed_at_register", &e);
                return;
            }
        };
        for e in refused {
            if let Some(route) = self.inner.routes.get(&e.provider) {
                self.follow_up(route, e).await;
            }
        }
    }

    /// What the worker decides on its own after an answer: resubmit after a register refusal,
    /// fail over after repeated transient failures.
    async fn follow_up(&self, route: &Route<P>, next: Entry) {
        let cfg = &self.inner.cfg;
        match next.state {
            State::FailedAtRegister => {
                let code = next.last_code.clone().unwrap_or_default();
                let resubmits_so_far = next.attempt.saturating_sub(1);
                if resubmits_so_far < cfg.register_resubmits
                    && !cfg.no_resubmit_codes.contains(&code)
                    && self
                        .apply(&next, EventOwned::Resubmit, None, None)
                        .await
                        .is_some()
                {
                    bump(&self.inner.counters.resubmits);
                    self.wake();
                }
            }
            State::RetryLater => {
                if let Some(f) = &route.failover {
                    if next.attempt == 1
                        && next.tries >= f.after_tries
                        && self
                            .apply(&next, EventOwned::Failover(f.to.clone()), None, None)
                            .await
                            .is_some()
                    {
                        bump(&self.inner.counters.failovers);
                        tracing::warn!(key = %next.key, from = %next.provider, to = %f.to, "failover");
                        self.wake();
                    }
                }
            }
            _ => {}
        }
    }

    fn local_time(&self, t: Timestamp) -> LocalDateTime {
        let secs = t.as_millis().div_euclid(1000)
            + i64::from(self.inner.cfg.utc_offset_minutes).saturating_mul(60);
        LocalDateTime::from_unix(u32::try_from(secs.max(0)).unwrap_or(u32::MAX))
    }

    /// Runs the worker on a new thread with its own Tokio runtime (for hosts without one:
    /// the C ABI, 1C, PHP). [`WorkerThread::stop`] shuts it down gracefully.
    pub fn spawn_thread(&self) -> Result<WorkerThread, OutboxError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("fiskal-outbox")
            .enable_all()
            .build()
            .map_err(|e| OutboxError::InvalidConfig {
                field: None,
                message: format!("cannot start the worker runtime: {e}"),
            })?;
        let stop = Arc::new(Notify::new());
        let w = self.clone();
        let s = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("fiskal-outbox-worker".into())
            .spawn(move || {
                rt.block_on(async move {
                    w.run(async move { s.notified().await }).await;
                });
            })
            .map_err(|e| OutboxError::InvalidConfig {
                field: None,
                message: format!("cannot start the worker thread: {e}"),
            })?;
        Ok(WorkerThread {
            stop,
            thread: Some(thread),
        })
    }
}

/// A worker running on its own thread ([`Worker::spawn_thread`]). Dropping it stops it too.
#[derive(Debug)]
pub struct WorkerThread {
    stop: Arc<Notify>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl WorkerThread {
    /// Stops claiming, lets in-flight calls finish (up to the drain timeout) and joins the
    /// thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.notify_one();
        if let Some(t) = self.thread.take() {
            if t.join().is_err() {
                tracing::error!("outbox worker thread panicked");
            }
        }
    }
}

impl Drop for WorkerThread {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// One entry's provider call context.
struct Call<'a, P> {
    route: &'a Route<P>,
    entry: &'a Entry,
    receipt: &'a fiskal_ffd::Receipt,
    document_id: &'a str,
}
