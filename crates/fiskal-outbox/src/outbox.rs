//! [`Outbox`]: the journal, its routes and its worker behind one handle, configured by
//! [`OutboxSettings`]. What the C ABI, the bindings and the CLI hold.

use crate::error::OutboxError;
use crate::reconcile::{reconcile, Reconciliation};
use crate::settings::{OutboxSettings, PostgresSettings};
use crate::state::{Event, OperatorAction, State};
use crate::store::{
    AuditRecord, Change, Config, Enqueued, Entry, Jitter, NewEntry, RouteAlarm, SqliteStore,
    StateStats, Store, Timestamp, Wake, WindowMetrics,
};
#[cfg(feature = "postgres")]
use crate::store::{PgConfig, PgStore};
use crate::worker::{Transition, Worker, WorkerCounters, WorkerThread};
use fiskal_ffd::Receipt;
use fiskal_providers::AnyProvider;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A function called after every change the worker writes.
pub type Observer = Box<dyn Fn(&Transition) + Send + Sync>;

/// Whether a journal location names a PostgreSQL server (`postgres://…` or
/// `postgresql://…`, any case) rather than an SQLite file.
pub fn is_postgres_url(location: &str) -> bool {
    let l = location.trim_start();
    ["postgres://", "postgresql://"].iter().any(|p| {
        l.get(..p.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(p))
    })
}

/// The journal an [`Outbox`] runs on: an SQLite file (one machine, the default) or, with the
/// feature `postgres`, a PostgreSQL database shared by workers on many machines. It is a
/// [`Store`] that hands every call to the engine it holds.
#[derive(Debug)]
#[non_exhaustive]
// Made once per outbox and kept behind an `Arc`: the size of the variants does not matter.
#[allow(clippy::large_enum_variant)]
pub enum JournalStore {
    /// The embedded journal.
    Sqlite(SqliteStore),
    /// The journal on PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(PgStore),
}

/// Runs `$body` with `$s` bound to the engine the journal holds.
macro_rules! on_engine {
    ($journal:expr, $s:ident => $body:expr) => {
        match $journal {
            JournalStore::Sqlite($s) => $body,
            #[cfg(feature = "postgres")]
            JournalStore::Postgres($s) => $body,
        }
    };
}

impl JournalStore {
    /// Opens (creating) the journal at `location`: a `postgres://` URL ([`is_postgres_url`])
    /// on PostgreSQL with the connection options `postgres` (feature `postgres`; without it
    /// [`OutboxError::InvalidConfig`] for the field `db`, never quoting the URL), anything
    /// else as an SQLite file. `config` is the store's timing.
    pub fn open(
        location: impl AsRef<Path>,
        postgres: Option<&PostgresSettings>,
        config: Config,
    ) -> Result<JournalStore, OutboxError> {
        let location = location.as_ref();
        match location.to_str() {
            Some(url) if is_postgres_url(url) => {
                open_postgres_journal(url.trim_start(), postgres, config)
            }
            _ => Ok(JournalStore::Sqlite(SqliteStore::open(location, config)?)),
        }
    }

    /// The SQLite file (`None` on PostgreSQL).
    pub fn path(&self) -> Option<&Path> {
        match self {
            JournalStore::Sqlite(s) => Some(s.path()),
            #[cfg(feature = "postgres")]
            JournalStore::Postgres(_) => None,
        }
    }

    /// The journal for people: the SQLite file's path, or `postgres://host:port/db as user
    /// (schema s)`, never a password.
    pub fn describe(&self) -> String {
        match self {
            JournalStore::Sqlite(s) => s.path().display().to_string(),
            #[cfg(feature = "postgres")]
            JournalStore::Postgres(s) => {
                format!("postgres://{} (schema {})", s.target(), s.schema())
            }
        }
    }

    /// Whether the journal is on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        !matches!(self, JournalStore::Sqlite(_))
    }
}

impl From<SqliteStore> for JournalStore {
    fn from(s: SqliteStore) -> JournalStore {
        JournalStore::Sqlite(s)
    }
}

#[cfg(feature = "postgres")]
impl From<PgStore> for JournalStore {
    fn from(s: PgStore) -> JournalStore {
        JournalStore::Postgres(s)
    }
}

impl Store for JournalStore {
    fn watch(&self, wake: Wake) {
        on_engine!(self, s => s.watch(wake));
    }
    fn enqueue(&self, new: &NewEntry<'_>, now: Timestamp) -> Result<Enqueued, OutboxError> {
        on_engine!(self, s => s.enqueue(new, now))
    }
    fn apply(
        &self,
        key: &str,
        expected_version: u64,
        event: &Event<'_>,
        now: Timestamp,
    ) -> Result<Entry, OutboxError> {
        on_engine!(self, s => s.apply(key, expected_version, event, now))
    }
    fn claim_due(
        &self,
        now: Timestamp,
        limit: usize,
        lease: Duration,
    ) -> Result<Vec<Entry>, OutboxError> {
        on_engine!(self, s => s.claim_due(now, limit, lease))
    }
    fn apply_jittered(
        &self,
        key: &str,
        expected_version: u64,
        event: &Event<'_>,
        now: Timestamp,
        jitter: Jitter,
    ) -> Result<Entry, OutboxError> {
        on_engine!(self, s => s.apply_jittered(key, expected_version, event, now, jitter))
    }
    fn enqueue_batch(
        &self,
        batch: &[NewEntry<'_>],
        now: Timestamp,
    ) -> Result<Vec<Result<Enqueued, OutboxError>>, OutboxError> {
        on_engine!(self, s => s.enqueue_batch(batch, now))
    }
    fn commit_batch(
        &self,
        changes: &[Change<'_>],
    ) -> Result<Vec<Result<Entry, OutboxError>>, OutboxError> {
        on_engine!(self, s => s.commit_batch(changes))
    }
    fn holds_leases(&self) -> bool {
        on_engine!(self, s => s.holds_leases())
    }
    fn poke(&self, key: &str, now: Timestamp) -> Result<bool, OutboxError> {
        on_engine!(self, s => s.poke(key, now))
    }
    fn next_due(&self) -> Result<Option<Timestamp>, OutboxError> {
        on_engine!(self, s => s.next_due())
    }
    fn window_metrics(
        &self,
        now: Timestamp,
        window: Duration,
    ) -> Result<WindowMetrics, OutboxError> {
        on_engine!(self, s => s.window_metrics(now, window))
    }
    fn done_between(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> Result<Vec<Entry>, OutboxError> {
        on_engine!(self, s => s.done_between(from, to, limit))
    }
    fn changed_between(
        &self,
        state: State,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> Result<Vec<Entry>, OutboxError> {
        on_engine!(self, s => s.changed_between(state, from, to, limit))
    }
    fn route_alarms(&self) -> Result<Vec<RouteAlarm>, OutboxError> {
        on_engine!(self, s => s.route_alarms())
    }
    fn mark_stuck(&self, now: Timestamp) -> Result<usize, OutboxError> {
        on_engine!(self, s => s.mark_stuck(now))
    }
    fn get(&self, key: &str) -> Result<Option<Entry>, OutboxError> {
        on_engine!(self, s => s.get(key))
    }
    fn list(&self, state: State, limit: usize) -> Result<Vec<Entry>, OutboxError> {
        on_engine!(self, s => s.list(state, limit))
    }
    fn stats(&self, now: Timestamp) -> Result<Vec<StateStats>, OutboxError> {
        on_engine!(self, s => s.stats(now))
    }
    fn list_attention(&self, limit: usize) -> Result<Vec<Entry>, OutboxError> {
        on_engine!(self, s => s.list_attention(limit))
    }
    fn count_attention(&self) -> Result<u64, OutboxError> {
        on_engine!(self, s => s.count_attention())
    }
    fn count_waiting(&self, waiting_for: fiskal_providers::WaitingFor) -> Result<u64, OutboxError> {
        on_engine!(self, s => s.count_waiting(waiting_for))
    }
    fn audit(&self, key: &str) -> Result<Vec<AuditRecord>, OutboxError> {
        on_engine!(self, s => s.audit(key))
    }
    fn operator_action(
        &self,
        key: &str,
        action: OperatorAction,
        who: &str,
        reason: &str,
        now: Timestamp,
    ) -> Result<Entry, OutboxError> {
        on_engine!(self, s => s.operator_action(key, action, who, reason, now))
    }
    fn operator_resolve(
        &self,
        key: &str,
        who: &str,
        reason: &str,
        fiscal: &fiskal_providers::FiscalAttributes,
        now: Timestamp,
    ) -> Result<Entry, OutboxError> {
        on_engine!(self, s => s.operator_resolve(key, who, reason, fiscal, now))
    }
}

#[cfg(feature = "postgres")]
fn open_postgres_journal(
    url: &str,
    postgres: Option<&PostgresSettings>,
    config: Config,
) -> Result<JournalStore, OutboxError> {
    let pg = postgres.cloned().unwrap_or_default().pg_config(url)?;
    Ok(JournalStore::Postgres(PgStore::open(pg, config)?))
}

#[cfg(not(feature = "postgres"))]
fn open_postgres_journal(
    _url: &str,
    _postgres: Option<&PostgresSettings>,
    _config: Config,
) -> Result<JournalStore, OutboxError> {
    // Never quote the URL: it may carry a password.
    Err(OutboxError::InvalidConfig {
        field: Some("db".into()),
        message: "the journal is a postgres:// URL, but this build has no PostgreSQL support \
                  (build fiskal-outbox, or the fiskal command, with the feature `postgres`)"
            .into(),
    })
}

/// The outbox over a journal (SQLite, or PostgreSQL with the feature `postgres`) with real
/// provider clients.
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
    worker: Worker<JournalStore, AnyProvider>,
    default_route: Option<String>,
    thread: Mutex<Option<WorkerThread>>,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("journal", &self.worker.store().describe())
            .field("worker", &self.worker)
            .finish_non_exhaustive()
    }
}

impl Outbox {
    /// Opens (creating) the journal at `path` and builds the routes' clients (reads secrets;
    /// no network for SQLite). The worker is not started.
    ///
    /// `path` is an SQLite file, or a `postgres://user@host:port/db` URL
    /// ([`is_postgres_url`]; feature `postgres`, else [`OutboxError::InvalidConfig`] for the
    /// field `db`): then the journal is on PostgreSQL, with the password and the other
    /// connection options from [`OutboxSettings::postgres`], and the server is connected and
    /// the schema migrated before this returns.
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
        let store = JournalStore::open(path, settings.postgres.as_ref(), settings.store_config())?;
        Outbox::assemble(store, routes, settings, observer)
    }

    /// The outbox on a journal the caller opened (e.g. a `PgStore` with a `PgConfig`
    /// built in code). The store's timing is the caller's; `settings` gives the routes and the
    /// worker's options.
    pub fn open_store(
        store: impl Into<JournalStore>,
        settings: &OutboxSettings,
        observer: Option<Observer>,
    ) -> Result<Outbox, OutboxError> {
        settings.check()?;
        let routes = settings.build_routes()?;
        Outbox::assemble(store.into(), routes, settings, observer)
    }

    /// The outbox on PostgreSQL: connects with `config`, creates or migrates the schema, and
    /// takes the store's timing from `settings` (feature `postgres`).
    #[cfg(feature = "postgres")]
    pub fn open_postgres(
        config: PgConfig,
        settings: &OutboxSettings,
    ) -> Result<Outbox, OutboxError> {
        settings.check()?;
        let routes = settings.build_routes()?;
        let store = PgStore::open(config, settings.store_config())?;
        Outbox::assemble(JournalStore::Postgres(store), routes, settings, None)
    }

    fn assemble(
        store: JournalStore,
        routes: std::collections::HashMap<String, crate::worker::Route<AnyProvider>>,
        settings: &OutboxSettings,
        observer: Option<Observer>,
    ) -> Result<Outbox, OutboxError> {
        let store = Arc::new(store);
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

    /// An operator marks a `stuck` entry as resolved by hand: the receipt was fiscalised (the
    /// operator found it in the ОФД's or the provider's personal account) although the worker
    /// could not learn it (the status lookup keeps failing, or the provider no longer knows
    /// the id). It becomes `done` with `fiscal` (as a provider would report it: ФН, ФД, ФП,
    /// date-time, total, operation …), and the audit trail gets an `operator_resolve` row with
    /// `who`, `reason` and the note that the attributes were entered by hand; committed and
    /// synced before this returns. A worker still holding the entry (a late answer) is fenced:
    /// its write is a conflict.
    ///
    /// Errors: [`OutboxError::InvalidFiscal`] (checked before anything is written, naming the
    /// field: `fiscal.fn_number` not 16 digits, `fiscal.fd_number` or `fiscal.fiscal_sign`
    /// zero, `fiscal.total` or `fiscal.operation` not the stored receipt's),
    /// [`OutboxError::ActionNotAllowed`] (any state but `stuck`, with what to do instead),
    /// otherwise as [`Outbox::requeue`].
    pub fn resolve(
        &self,
        key: &str,
        who: &str,
        reason: &str,
        fiscal: &fiskal_providers::FiscalAttributes,
    ) -> Result<Entry, OutboxError> {
        self.worker
            .store()
            .operator_resolve(key, who, reason, fiscal, Timestamp::now())
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
    pub fn worker(&self) -> &Worker<JournalStore, AnyProvider> {
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
