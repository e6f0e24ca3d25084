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

pub use answer::PROVIDER_ID_MISMATCH;
pub use config::WorkerConfig;
pub use route::{Failover, Route};

use answer::{local_refusal, not_our_receipt, same_document, still_unknown, EventOwned};
pub use counters::WorkerCounters;
use counters::{bump, Counters};

use crate::error::OutboxError;
use crate::state::State;
use crate::store::{Attention, Entry, Jitter, Store, Timestamp};
use fiskal_ffd::datetime::LocalDateTime;
use fiskal_providers::{
    DocumentKind, InDoubtResolution, Outcome, Provider, ProviderError, StatusQuery, Submission,
};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
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
            }),
        })
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
            let free = cfg.concurrency.saturating_sub(tasks.len());
            let mut claimed = 0usize;
            let mut store_failed = false;
            if free > 0 {
                let lease = cfg.lease;
                match self.blocking(move |s| s.claim_due(now, free, lease)).await {
                    Ok(entries) => {
                        claimed = entries.len();
                        for e in entries {
                            bump(&inner.counters.claimed);
                            let w = self.clone();
                            tasks.spawn(async move { w.process(e).await });
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
                    _ = tasks.join_next() => {}
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
            let wait = match next {
                Some(t) => t.since(Timestamp::now()).min(cfg.idle_wait),
                None => cfg.idle_wait,
            };
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
                () = inner.wake.notified() => {}
                () = tokio::time::sleep(wait.max(Duration::from_millis(1))) => {}
            }
        }
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

    /// Writes `event` to the entry read as `cur` (in the next group commit: [`commit`]);
    /// returns once it is durable. `None` when the entry moved on meanwhile or the store failed
    /// (both leave it to a later claim).
    async fn apply(&self, cur: &Entry, event: EventOwned) -> Option<Entry> {
        let jitter = self.draw();
        let now = Timestamp::now();
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
            )
            .await;
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

    async fn process(&self, e: Entry) {
        let inner = &self.inner;
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
        let document_id = e.document_id();
        let kind = DocumentKind::of(&receipt);
        let provider = &*route.provider;
        let call = Call {
            route,
            entry: &e,
            receipt: &receipt,
            document_id: &document_id,
        };
        let outcome = match e.state {
            State::Sending => match self.submit(&call, kind).await {
                Ok(o) => o,
                // Nothing was sent and it cannot be: the receipt or the setup must change.
                Err(err) => local_refusal(&err),
            },
            State::Accepted => {
                let r = match kind {
                    Ok(k) => self.status(&call, k).await,
                    Err(err) => Err(err),
                };
                r.map_or_else(|err| still_unknown(&err), |o| same_document(&e, o))
            }
            State::InDoubt => {
                let r = match provider.in_doubt_resolution() {
                    InDoubtResolution::ResendSameId => self.submit(&call, kind).await,
                    _ => match kind {
                        Ok(k) => self.status(&call, k).await,
                        Err(err) => Err(err),
                    },
                };
                // A local failure settles nothing: the first send may be at the provider.
                r.map_or_else(|err| still_unknown(&err), |o| same_document(&e, o))
            }
            _ => return,
        };
        let event = match not_our_receipt(&receipt, &document_id, &outcome) {
            Some(detail) => {
                tracing::error!(key = %e.key, %detail, "the provider reports another receipt under our document id");
                EventOwned::IdConflict(detail)
            }
            None => EventOwned::Outcome(Box::new(outcome)),
        };
        let Some(next) = self.apply(&e, event).await else {
            return;
        };
        self.follow_up(route, next).await;
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
        match tokio::time::timeout(cfg.call_timeout, c.route.provider.submit(&submission)).await {
            Ok(r) => r,
            Err(_) => Ok(Outcome::InDoubt {
                reason: format!("no answer within {:?} after sending", cfg.call_timeout),
            }),
        }
    }

    async fn status(&self, c: &Call<'_, P>, kind: DocumentKind) -> Result<Outcome, ProviderError> {
        let cfg = &self.inner.cfg;
        if let Some(gate) = &c.route.gate {
            tokio::time::sleep(gate.reserve()).await;
        }
        bump(&self.inner.counters.status_calls);
        let q = StatusQuery {
            provider_id: c.entry.provider_id.as_deref(),
            document_id: c.document_id,
            kind,
        };
        match tokio::time::timeout(cfg.call_timeout, c.route.provider.status(&q)).await {
            Ok(r) => r,
            Err(_) => Ok(Outcome::RetryLater {
                after: None,
                code: None,
                message: format!("status: no answer within {:?}", cfg.call_timeout),
            }),
        }
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
                    && self.apply(&next, EventOwned::Resubmit).await.is_some()
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
                            .apply(&next, EventOwned::Failover(f.to.clone()))
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
