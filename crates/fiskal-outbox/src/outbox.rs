//! [`Outbox`]: the journal, its routes and its worker behind one handle, configured by
//! [`OutboxSettings`]. What the C ABI, the bindings and the CLI hold.

use crate::error::OutboxError;
use crate::reconcile::{reconcile, Reconciliation};
use crate::settings::OutboxSettings;
use crate::state::{OperatorAction, State};
use crate::store::{
    AuditRecord, Enqueued, Entry, NewEntry, RouteAlarm, SqliteStore, StateStats, Store, Timestamp,
    WindowMetrics,
};
use crate::worker::{Transition, Worker, WorkerCounters, WorkerThread};
use fiskal_ffd::Receipt;
use fiskal_providers::AnyProvider;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A function called after every change the worker writes.
pub type Observer = Box<dyn Fn(&Transition) + Send + Sync>;

/// The outbox over an SQLite journal with real provider clients.
///
/// ```no_run
/// # fn main() -> Result<(), fiskal_outbox::OutboxError> {
/// use fiskal_outbox::{Outbox, OutboxSettings};
/// let settings = OutboxSettings::from_json(&std::fs::read_to_string("outbox.json").unwrap_or_default())?;
/// let outbox = Outbox::open("/var/lib/shop/fiskal.db", &settings)?;
/// let receipt = fiskal_ffd::json::parse(r#"{"version": "1.2", "…": "…"}"#).map_err(|e| {
///     fiskal_outbox::OutboxError::InvalidReceipt { violations: vec![], message: e.to_string() }
/// })?;
/// outbox.enqueue("order-1842-sell", &receipt, None)?; // durable when it returns
/// outbox.start()?; // the worker on its own thread
/// # Ok(()) }
/// ```
pub struct Outbox {
    worker: Worker<SqliteStore, AnyProvider>,
    default_route: Option<String>,
    thread: Mutex<Option<WorkerThread>>,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("path", &self.worker.store().path())
            .field("worker", &self.worker)
            .finish_non_exhaustive()
    }
}

impl Outbox {
    /// Opens (creating) the journal at `path` and builds the routes' clients (reads secrets;
    /// no network). The worker is not started.
    pub fn open(path: impl AsRef<Path>, settings: &OutboxSettings) -> Result<Outbox, OutboxError> {
        Outbox::open_observed(path, settings, None)
    }

    /// [`Outbox::open`] with an observer called after every change the worker writes (e.g.
    /// 1C's ExternalEvent for "receipt done").
    pub fn open_observed(
        path: impl AsRef<Path>,
        settings: &OutboxSettings,
        observer: Option<Observer>,
    ) -> Result<Outbox, OutboxError> {
        settings.check()?;
        let routes = settings.build_routes()?;
        let store = Arc::new(SqliteStore::open(path, settings.store_config())?);
        let mut worker = Worker::new(store, routes, settings.worker_config())?;
        if let Some(f) = observer {
            worker = worker.on_transition(f)?;
        }
        Ok(Outbox {
            worker,
            default_route: settings.default_route.clone(),
            thread: Mutex::new(None),
        })
    }

    /// Validates the receipt (FFD rules) and stores it under `key` for `route` (or the
    /// default route), committed and synced before returning. Idempotent: the same key with
    /// the same receipt returns the stored entry. Wakes a worker running in this process.
    pub fn enqueue(
        &self,
        key: &str,
        receipt: &Receipt,
        route: Option<&str>,
    ) -> Result<Enqueued, OutboxError> {
        let route = self.route_name(route)?;
        if let Err(violations) = fiskal_ffd::validate(receipt) {
            let message = violations
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ");
            return Err(OutboxError::InvalidReceipt {
                violations,
                message,
            });
        }
        let r = self.worker.store().enqueue(
            &NewEntry {
                key,
                receipt,
                provider: route,
            },
            Timestamp::now(),
        )?;
        self.worker.wake();
        Ok(r)
    }

    fn route_name<'a>(&'a self, route: Option<&'a str>) -> Result<&'a str, OutboxError> {
        let name =
            route
                .or(self.default_route.as_deref())
                .ok_or_else(|| OutboxError::InvalidConfig {
                    field: None,
                    message: "no route given and no default_route configured".into(),
                })?;
        if self.worker.route(name).is_none() {
            return Err(OutboxError::UnknownRoute {
                name: name.to_owned(),
            });
        }
        Ok(name)
    }

    /// The entry of a key.
    pub fn get(&self, key: &str) -> Result<Option<Entry>, OutboxError> {
        self.worker.store().get(key)
    }

    /// Up to `limit` entries in a state, oldest first.
    pub fn list(&self, state: State, limit: usize) -> Result<Vec<Entry>, OutboxError> {
        self.worker.store().list(state, limit)
    }

    /// An operator sends an entry again: a `rejected` or `failed_at_register` one, or a `stuck`
    /// one where no provider can hold its document id, under a new document id (attempt + 1,
    /// due now); a `stuck` one the provider may hold under the same id, back to `accepted`
    /// (provider id known: polled) or `in_doubt` (resolved the provider's way before any
    /// resend). See [`state`](crate::state) for the rule. `who` and `reason` are required and
    /// kept in the audit trail; the change is committed and synced before this returns, and
    /// a worker running in this process is woken.
    ///
    /// Errors: [`OutboxError::NotFound`] (unknown key), [`OutboxError::ActionNotAllowed`] (the
    /// state does not allow it, with what to do instead), [`OutboxError::InvalidArgument`]
    /// (`who` or `reason` empty or too long), storage errors.
    pub fn requeue(&self, key: &str, who: &str, reason: &str) -> Result<Entry, OutboxError> {
        let e = self.worker.store().operator_action(
            key,
            OperatorAction::Requeue,
            who,
            reason,
            Timestamp::now(),
        )?;
        self.worker.wake();
        Ok(e)
    }

    /// An operator cancels an entry that must not go out: allowed only while no provider can
    /// hold it (`queued`, `retry_later`, `failed_at_register`, `rejected`, a `stuck` one that
    /// no provider can hold). It becomes `cancelled` (final) with `who` and `reason` in the
    /// audit trail, committed and synced before this returns. Anything a provider may hold
    /// (`sending`, `accepted`, `in_doubt`) is refused: it may be fiscalised, and a fiscalised
    /// receipt is undone by a refund receipt. Errors as [`Outbox::requeue`].
    pub fn cancel(&self, key: &str, who: &str, reason: &str) -> Result<Entry, OutboxError> {
        self.worker.store().operator_action(
            key,
            OperatorAction::Cancel,
            who,
            reason,
            Timestamp::now(),
        )
    }

    /// Count and oldest age per state.
    pub fn stats(&self) -> Result<Vec<StateStats>, OutboxError> {
        self.worker.store().stats(Timestamp::now())
    }

    /// How many `done` entries want attention ([`Entry::attention`]: a negative marking-code
    /// check, provider warnings, not delivered to the ОФД).
    pub fn attention_count(&self) -> Result<u64, OutboxError> {
        self.worker.store().count_attention()
    }

    /// How many entries the provider holds but cannot process yet because they wait for
    /// `waiting_for` (МодульКасса: the shop's register is offline): `accepted`, last code
    /// `waiting_for_register`. They are polled under the same document id and flagged `stuck`
    /// at the accepted deadline.
    pub fn waiting_count(
        &self,
        waiting_for: fiskal_providers::WaitingFor,
    ) -> Result<u64, OutboxError> {
        self.worker.store().count_waiting(waiting_for)
    }

    /// Up to `limit` `done` entries that want attention, oldest done first.
    pub fn list_attention(&self, limit: usize) -> Result<Vec<Entry>, OutboxError> {
        self.worker.store().list_attention(limit)
    }

    /// The unhealthy routes: those whose provider refused our credentials or configuration and
    /// has not taken or reported a document since ([`RouteAlarm`]). Empty when all is well.
    pub fn route_alarms(&self) -> Result<Vec<RouteAlarm>, OutboxError> {
        self.worker.store().route_alarms()
    }

    /// Done / refused / stuck counts and latency over the last `window`.
    pub fn window_metrics(&self, window: Duration) -> Result<WindowMetrics, OutboxError> {
        self.worker.store().window_metrics(Timestamp::now(), window)
    }

    /// The audit trail of a key.
    pub fn audit(&self, key: &str) -> Result<Vec<AuditRecord>, OutboxError> {
        self.worker.store().audit(key)
    }

    /// The worker's counters.
    pub fn counters(&self) -> WorkerCounters {
        self.worker.counters()
    }

    /// A callback arrived for a key or document id: poll it now.
    pub fn poke(&self, key_or_document_id: &str) -> Result<bool, OutboxError> {
        self.worker.poke(key_or_document_id)
    }

    /// Starts the worker on its own thread (no-op when running).
    pub fn start(&self) -> Result<(), OutboxError> {
        let mut t = self.thread.lock().map_err(|_| OutboxError::Poisoned)?;
        if t.is_none() {
            *t = Some(self.worker.spawn_thread()?);
        }
        Ok(())
    }

    /// Stops the worker gracefully (in-flight calls finish, up to the drain timeout); no-op
    /// when it is not running.
    pub fn stop(&self) -> Result<(), OutboxError> {
        let t = self
            .thread
            .lock()
            .map_err(|_| OutboxError::Poisoned)?
            .take();
        if let Some(t) = t {
            t.stop();
        }
        Ok(())
    }

    /// Whether the worker thread runs.
    pub fn is_running(&self) -> bool {
        self.thread.lock().map(|t| t.is_some()).unwrap_or(false)
    }

    /// Runs the worker until nothing is scheduled (or `limit` passes); returns whether it
    /// settled. Blocks the caller (the worker runs on a thread of its own, so this may be
    /// called from anywhere, an async task included). For scripts, the CLI and tests.
    pub fn drain(&self, limit: Duration) -> Result<bool, OutboxError> {
        let w = self.worker.clone();
        on_own_runtime(
            move || async move { Ok(w.run_until_settled(tokio::time::sleep(limit)).await) },
        )
    }

    /// Compares the journal's `done` entries of `from..to` with the providers (blocking, like
    /// [`Outbox::drain`]; see [`reconcile`]).
    pub fn reconcile(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> Result<Reconciliation, OutboxError> {
        let w = self.worker.clone();
        on_own_runtime(move || async move { reconcile(&w, from, to, limit).await })
    }

    /// The worker (for async hosts that run it themselves).
    pub fn worker(&self) -> &Worker<SqliteStore, AnyProvider> {
        &self.worker
    }
}

/// Runs a future to completion on a new thread with its own runtime: safe from any caller
/// (a plain thread, a runtime's blocking pool, an async task), unlike a nested `block_on`.
fn on_own_runtime<T, F, Fut>(make: F) -> Result<T, OutboxError>
where
    T: Send + 'static,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<T, OutboxError>>,
{
    let thread = std::thread::Builder::new()
        .name("fiskal-outbox-call".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .map_err(|e| OutboxError::InvalidConfig {
                    field: None,
                    message: format!("cannot start a runtime: {e}"),
                })?;
            rt.block_on(make())
        })
        .map_err(|e| OutboxError::InvalidConfig {
            field: None,
            message: format!("cannot start a thread: {e}"),
        })?;
    thread.join().map_err(|_| OutboxError::Database {
        message: "the outbox call panicked".into(),
    })?
}

impl Drop for Outbox {
    fn drop(&mut self) {
        if let Ok(mut t) = self.thread.lock() {
            if let Some(t) = t.take() {
                t.stop();
            }
        }
    }
}
