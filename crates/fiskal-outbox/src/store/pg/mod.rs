//! The PostgreSQL implementation of [`Store`] (feature `postgres`): one journal shared by
//! workers on many machines.
//!
//! * **The same rules.** What an event does is decided by the backend-independent rules the
//!   SQLite store uses (`plan`); this module only loads, writes and commits.
//! * **Durable before acknowledged.** Every change is one transaction, committed before the call
//!   returns; [`PgStore::open`] refuses a session with `synchronous_commit = off` (a commit
//!   that is not on disk when acknowledged).
//! * **Claims** lock due rows with `FOR UPDATE SKIP LOCKED` on the due index: two workers never
//!   claim the same entry, and never wait for each other's rows.
//! * **Leases and fencing.** A claim writes the lease's holder ([`PgConfig::owner`]) and raises
//!   the entry's `lease_epoch` (the fencing token) and version. Every later change of the entry
//!   is fenced: it must name the version it read, and while a lease runs only its holder, with
//!   the epoch it claimed, may write. A worker whose lease ran out and was taken over gets
//!   [`OutboxError::Conflict`] and drops its answer: it can never overwrite the journal.
//!   As with SQLite, the worker keeps every provider call inside its lease
//!   ([`WorkerConfig::call_timeout`](crate::WorkerConfig::call_timeout) plus the poll queue
//!   must be shorter than [`WorkerConfig::lease`](crate::WorkerConfig::lease), checked by
//!   [`Worker::new`](crate::Worker::new)). Lease times are the callers' clocks: keep the
//!   machines' clocks in step (NTP); the margin between the lease and the call timeout must
//!   exceed their skew.
//! * **Wake-up.** Enqueue and poke send `NOTIFY` in their transaction (delivered on commit);
//!   the store LISTENs on a dedicated connection and wakes the worker ([`Store::watch`]). The
//!   worker polls as well (NOTIFY is best effort). [`PgConfig::poll_only`] turns LISTEN off
//!   (PgBouncer transaction pooling, where LISTEN does not work).
//! * **Failures** map to typed errors by SQLSTATE: [`OutboxError::Unavailable`] (refused,
//!   starting, shutting down), [`OutboxError::ConnectionLost`] (lost mid-transaction: rolled
//!   back), [`OutboxError::ReadOnly`] (a read-only replica), [`OutboxError::DiskFull`].
//!   After a connection failure the store waits before connecting again, doubling the wait up
//!   to [`PgConfig::reconnect_max`] (calls meanwhile fail fast with `Unavailable`).
//!
//! (Over 800 lines: each `Store` method's SQL beside its fencing rule; the schema and migrations
//! are in `schema.rs`, the row mapping in `rows.rs`, LISTEN in `listen.rs`.)

use super::plan::{
    check_operator_history, claim_step, enqueued_deadline, extend_lease, plan, route_alarm_change,
    Claim, Plan, RouteAlarmChange,
};
use super::*;
use crate::error::OutboxError;
use crate::state::{Event, EventKind, State};
use deadpool_postgres::GenericClient;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use rows::{
    audit_of, connect_error, corrupt, count, entries_of, leased_of, pg_error, to_i64, Leased,
    AUDIT_COLUMNS, COLUMNS,
};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_postgres::types::ToSql;

mod listen;
mod rows;
mod schema;

pub use schema::PG_SCHEMA_VERSION;

/// How to reach the PostgreSQL journal. The URL and the password are secrets: they never
/// appear in `Debug`, in errors or in logs.
///
/// [`OutboxError::InvalidConfig`] names the setting as the user wrote it: the journal location
/// (`--db`, the C ABI's `path`) as `db`, the other fields as in the outbox settings' `postgres`
/// section (`postgres.schema`, `postgres.pool_size`, `postgres.ca_file`).
#[derive(Clone)]
pub struct PgConfig {
    /// `postgres://user@host:port/db?sslmode=require` (or the key=value form). A password in
    /// the URL works, but prefer [`PgConfig::password`] (taken from an environment variable or
    /// a file, like other secrets). `sslmode=require` uses TLS (rustls; the web PKI roots plus
    /// [`PgConfig::ca_file`]); `host=/dir` connects over a Unix socket.
    pub url: String,
    /// The password (overrides one in the URL).
    pub password: Option<String>,
    /// The PostgreSQL schema (namespace) holding the journal's tables, created if missing:
    /// lower-case ASCII letters, digits and `_`, starting with a letter or `_`, at most 50
    /// bytes. Default `fiskal_outbox`. Several journals may share a database under different
    /// schemas.
    pub schema: String,
    /// Connections in the pool. Default 8.
    pub pool_size: usize,
    /// No LISTEN (the worker finds new entries by its periodic poll only): for PgBouncer in
    /// transaction pooling mode, where LISTEN does not work. NOTIFY is still sent. Default
    /// false.
    pub poll_only: bool,
    /// Longest wait to connect (and for a pooled connection). Default 5 s.
    pub connect_timeout: Duration,
    /// Longest wait between reconnection attempts after the server went away (the wait starts
    /// at 100 ms and doubles). Default 5 s.
    pub reconnect_max: Duration,
    /// A PEM file of extra root certificates for TLS (a private CA).
    pub ca_file: Option<std::path::PathBuf>,
    /// The name this store writes as the holder of its leases. Default: host name, process id
    /// and a random suffix, unique per store. Two stores must never share it.
    pub owner: Option<String>,
}

impl PgConfig {
    /// The defaults for `url`.
    pub fn new(url: impl Into<String>) -> PgConfig {
        PgConfig {
            url: url.into(),
            password: None,
            schema: "fiskal_outbox".to_owned(),
            pool_size: 8,
            poll_only: false,
            connect_timeout: Duration::from_secs(5),
            reconnect_max: Duration::from_secs(5),
            ca_file: None,
            owner: None,
        }
    }
}

impl std::fmt::Debug for PgConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgConfig")
            .field("url", &"<redacted>")
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("schema", &self.schema)
            .field("pool_size", &self.pool_size)
            .field("poll_only", &self.poll_only)
            .field("connect_timeout", &self.connect_timeout)
            .field("reconnect_max", &self.reconnect_max)
            .field("ca_file", &self.ca_file)
            .field("owner", &self.owner)
            .finish()
    }
}

/// Reconnection backoff: while `until` is ahead, calls fail fast.
#[derive(Debug, Default)]
struct Backoff {
    until: Option<Instant>,
    delay: Duration,
    last: String,
}

/// The journal on PostgreSQL (module docs). Blocking calls, like [`SqliteStore`]: the worker
/// runs them on Tokio's blocking pool; the store runs its connections on a small runtime of
/// its own, so it can be called from any thread.
pub struct PgStore {
    rt: Option<tokio::runtime::Runtime>,
    pool: Pool,
    pg: tokio_postgres::Config,
    tls: tokio_postgres_rustls::MakeRustlsConnect,
    config: Config,
    schema: String,
    channel: String,
    owner: String,
    poll_only: bool,
    target: String,
    reconnect_max: Duration,
    backoff: Mutex<Backoff>,
    /// The epoch of every lease this store holds, by key.
    leases: Mutex<HashMap<String, i64>>,
    listener: Mutex<Option<listen::Listener>>,
    /// The restore guard: the newest audit row (`seq`) this store has seen. The audit trail is
    /// append-only, so in a live journal this never goes down; a claim that finds it lower
    /// refuses (the journal was restored from a backup under a running worker).
    seen_seq: AtomicI64,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("target", &self.target)
            .field("schema", &self.schema)
            .field("owner", &self.owner)
            .field("poll_only", &self.poll_only)
            .finish_non_exhaustive()
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        if let Ok(mut l) = self.listener.lock() {
            l.take();
        }
        // Dropping a runtime inside an async context would panic: let it go in the background.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

fn invalid(field: &str, message: impl Into<String>) -> OutboxError {
    OutboxError::InvalidConfig {
        field: Some(field.to_owned()),
        message: message.into(),
    }
}

fn check_schema(s: &str) -> Result<(), OutboxError> {
    let ok = !s.is_empty()
        && s.len() <= 50
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !s.as_bytes()[0].is_ascii_digit()
        && !s.starts_with("pg_");
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "postgres.schema",
            format!(
                "schema {s:?}: 1 to 50 lower-case ASCII letters, digits and _, not starting \
                 with a digit or pg_"
            ),
        ))
    }
}

fn tls_config(ca_file: Option<&std::path::Path>) -> Result<rustls::ClientConfig, OutboxError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = ca_file {
        let pem = std::fs::read(path).map_err(|e| {
            invalid(
                "postgres.ca_file",
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        let mut n = 0;
        for c in rustls_pemfile::certs(&mut pem.as_slice()) {
            let c = c.map_err(|e| invalid("postgres.ca_file", format!("PEM: {e}")))?;
            roots
                .add(c)
                .map_err(|e| invalid("postgres.ca_file", format!("certificate: {e}")))?;
            n += 1;
        }
        if n == 0 {
            return Err(invalid("postgres.ca_file", "no certificate in the file"));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid("db", format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// The URL with its scheme in lower case (`PostgreSQL://…` → `postgresql://…`; the parser
/// takes lower case only, while a journal location is told from a path in any case) and no
/// surrounding blanks.
fn lower_scheme(url: &str) -> String {
    let url = url.trim();
    match url.find("://") {
        Some(i)
            if url[..i].eq_ignore_ascii_case("postgres")
                || url[..i].eq_ignore_ascii_case("postgresql") =>
        {
            format!("{}{}", url[..i].to_ascii_lowercase(), &url[i..])
        }
        _ => url.to_owned(),
    }
}

/// `host:port/db as user`, without the password: names the server in errors and `Debug`.
fn describe(pg: &tokio_postgres::Config) -> String {
    let host = match pg.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = pg.get_ports().first().copied().unwrap_or(5432);
    format!(
        "{host}:{port}/{} as {}",
        pg.get_dbname().unwrap_or(""),
        pg.get_user().unwrap_or("")
    )
}

fn default_owner() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "host".to_owned());
    let mut r = [0u8; 6];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut r);
    format!("{host}-{}-{}", std::process::id(), hex::encode(r))
}

fn body_hash(json: &str) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, json.as_bytes()))
}

fn limit_i64(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

fn fiscal_json(n: &Entry) -> Result<Option<String>, OutboxError> {
    n.fiscal
        .as_ref()
        .map(|f| {
            serde_json::to_string(f).map_err(|e| OutboxError::Database {
                message: format!("fiscal attributes to JSON: {e}"),
            })
        })
        .transpose()
}

/// Runs `$body` in one transaction on a pooled connection: committed when it evaluates to
/// `Ok`, rolled back (the transaction dropped) on `Err`. A connection failure backs off.
macro_rules! in_tx {
    ($store:expr, $tx:ident => $body:block) => {
        async {
            let store = $store;
            let mut client = store.client().await?;
            let owned = client
                .transaction()
                .await
                .map_err(|e| store.note(pg_error(&e)))?;
            let r: Result<_, OutboxError> = {
                let $tx = &owned;
                async { $body }.await
            };
            let r = r.map_err(|e| store.note(e))?;
            owned.commit().await.map_err(|e| store.note(pg_error(&e)))?;
            Ok(r)
        }
    };
}

impl PgStore {
    /// Connects to the journal, creates or migrates its schema (under an advisory lock) and
    /// checks the session: a schema newer than this build is [`OutboxError::SchemaTooNew`];
    /// `synchronous_commit = off` is refused ([`OutboxError::InvalidConfig`]). A server that
    /// cannot be reached is [`OutboxError::Unavailable`]; wrong credentials or database
    /// [`OutboxError::Open`].
    pub fn open(settings: PgConfig, config: Config) -> Result<PgStore, OutboxError> {
        check_schema(&settings.schema)?;
        if settings.pool_size == 0 {
            return Err(invalid("postgres.pool_size", "at least 1"));
        }
        // The URL parser's error may quote the URL: never pass it on.
        let mut pg: tokio_postgres::Config = lower_scheme(&settings.url).parse().map_err(|_| {
            invalid(
                "db",
                "not a PostgreSQL connection string (postgres://user@host:port/db or key=value)",
            )
        })?;
        if let Some(p) = &settings.password {
            pg.password(p.as_bytes());
        }
        pg.connect_timeout(settings.connect_timeout);
        if pg.get_application_name().is_none() {
            pg.application_name("fiskal-outbox");
        }
        let target = describe(&pg);
        let tls =
            tokio_postgres_rustls::MakeRustlsConnect::new(tls_config(settings.ca_file.as_deref())?);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("fiskal-outbox-pg")
            .enable_all()
            .build()
            .map_err(|e| OutboxError::InvalidConfig {
                field: None,
                message: format!("cannot start the PostgreSQL runtime: {e}"),
            })?;
        let manager = Manager::from_config(
            pg.clone(),
            tls.clone(),
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = {
            let _guard = rt.enter();
            Pool::builder(manager)
                .max_size(settings.pool_size)
                .runtime(deadpool_postgres::Runtime::Tokio1)
                .wait_timeout(Some(settings.connect_timeout))
                .create_timeout(Some(settings.connect_timeout))
                .build()
                .map_err(|e| OutboxError::InvalidConfig {
                    field: None,
                    message: format!("connection pool: {e}"),
                })?
        };
        let schema = settings.schema.clone();
        let store = PgStore {
            rt: Some(rt),
            pool,
            pg,
            tls,
            config,
            channel: format!("{schema}_wake"),
            schema,
            owner: settings.owner.clone().unwrap_or_else(default_owner),
            poll_only: settings.poll_only,
            target,
            reconnect_max: settings.reconnect_max,
            backoff: Mutex::new(Backoff::default()),
            leases: Mutex::new(HashMap::new()),
            listener: Mutex::new(None),
            seen_seq: AtomicI64::new(0),
        };
        store.run(async {
            let mut c = store.client().await?;
            let sync: String = c
                .query_one("SHOW synchronous_commit", &[])
                .await
                .map_err(|e| pg_error(&e))?
                .try_get(0)
                .map_err(|e| pg_error(&e))?;
            if sync == "off" {
                return Err(invalid(
                    "db",
                    "the server's synchronous_commit is off for this session: an acknowledged \
                     enqueue could be lost in a crash (set it to on)",
                ));
            }
            let client: &mut tokio_postgres::Client = &mut c;
            schema::migrate(client, &store.schema).await
        })?;
        Ok(store)
    }

    /// The server, database and user (never the password).
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The schema holding the journal.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// The name this store writes as the holder of its leases.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The timing configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    fn rt(&self) -> &tokio::runtime::Runtime {
        self.rt
            .as_ref()
            .unwrap_or_else(|| unreachable!("the runtime lives as long as the store"))
    }

    /// Runs `f` to completion on the store's runtime. From inside an async context (where a
    /// runtime cannot block) it runs on a short-lived thread of its own.
    fn run<T: Send>(
        &self,
        f: impl Future<Output = Result<T, OutboxError>> + Send,
    ) -> Result<T, OutboxError> {
        if tokio::runtime::Handle::try_current().is_ok() {
            std::thread::scope(|s| {
                s.spawn(|| self.rt().block_on(f))
                    .join()
                    .unwrap_or_else(|_| {
                        Err(OutboxError::Database {
                            message: "the store's thread panicked".to_owned(),
                        })
                    })
            })
        } else {
            self.rt().block_on(f)
        }
    }

    fn sql(&self, q: &str) -> String {
        q.replace("{s}", &self.schema)
    }

    /// A pooled connection, or [`OutboxError::Unavailable`] at once while backing off after a
    /// connection failure.
    async fn client(&self) -> Result<deadpool_postgres::Object, OutboxError> {
        {
            let b = self.backoff.lock().map_err(|_| OutboxError::Poisoned)?;
            if let Some(until) = b.until {
                let now = Instant::now();
                if now < until {
                    return Err(OutboxError::Unavailable {
                        message: format!(
                            "{}: reconnecting in {} ms after: {}",
                            self.target,
                            until.duration_since(now).as_millis(),
                            b.last
                        ),
                    });
                }
            }
        }
        match self.pool.get().await {
            Ok(c) => {
                let mut b = self.backoff.lock().map_err(|_| OutboxError::Poisoned)?;
                b.until = None;
                b.delay = Duration::ZERO;
                Ok(c)
            }
            Err(e) => {
                let err = match connect_error(&e) {
                    OutboxError::Unavailable { message } => OutboxError::Unavailable {
                        message: format!("{}: {message}", self.target),
                    },
                    OutboxError::Open { message, .. } => OutboxError::Open {
                        path: self.target.clone(),
                        message,
                    },
                    other => other,
                };
                if let OutboxError::Unavailable { message } = &err {
                    self.failed(message);
                }
                Err(err)
            }
        }
    }

    /// Notes a connection failure: the next attempt waits (100 ms, doubling up to
    /// [`PgConfig::reconnect_max`]).
    fn failed(&self, message: &str) {
        if let Ok(mut b) = self.backoff.lock() {
            b.delay = (b.delay * 2)
                .max(Duration::from_millis(100))
                .min(self.reconnect_max);
            b.until = Some(Instant::now() + b.delay);
            message.clone_into(&mut b.last);
        }
    }

    /// A connection lost mid-operation also backs off (the server is probably restarting).
    fn note(&self, e: OutboxError) -> OutboxError {
        if let OutboxError::ConnectionLost { message } = &e {
            self.failed(message);
        }
        e
    }

    async fn q(
        &self,
        c: &impl GenericClient,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>, OutboxError> {
        let stmt = c
            .prepare_cached(&self.sql(sql))
            .await
            .map_err(|e| pg_error(&e))?;
        c.query(&stmt, params).await.map_err(|e| pg_error(&e))
    }

    async fn exec(
        &self,
        c: &impl GenericClient,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, OutboxError> {
        let stmt = c
            .prepare_cached(&self.sql(sql))
            .await
            .map_err(|e| pg_error(&e))?;
        c.execute(&stmt, params).await.map_err(|e| pg_error(&e))
    }

    /// A read outside a transaction.
    async fn read(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>, OutboxError> {
        let c = self.client().await?;
        self.q(&c, sql, params).await.map_err(|e| self.note(e))
    }

    async fn load(
        &self,
        c: &impl GenericClient,
        key: &str,
        lock: bool,
    ) -> Result<Option<Leased>, OutboxError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM {{s}}.entries WHERE key = $1{}",
            if lock { " FOR UPDATE" } else { "" }
        );
        let rows = self.q(c, &sql, &[&key]).await?;
        rows.first().map(leased_of).transpose()
    }

    async fn audit_trail(
        &self,
        c: &impl GenericClient,
        key: &str,
    ) -> Result<Vec<AuditRecord>, OutboxError> {
        let rows = self
            .q(
                c,
                &format!("SELECT {AUDIT_COLUMNS} FROM {{s}}.audit WHERE key = $1 ORDER BY seq"),
                &[&key],
            )
            .await?;
        rows.iter().map(audit_of).collect()
    }

    /// Writes `n` over the row read as `cur` (fenced by its version) with the lease given,
    /// and the audit row of `p` (if any) and the route alarm change.
    async fn write(
        &self,
        c: &impl GenericClient,
        cur: &Entry,
        n: &Entry,
        lease: Option<(&str, i64)>,
        p: Option<&Plan>,
    ) -> Result<(), OutboxError> {
        let fiscal = fiscal_json(n)?;
        let owner = lease.map(|l| l.0);
        let epoch = lease.map(|l| l.1);
        let changed = self
            .exec(
                c,
                "UPDATE {s}.entries SET state = $1, version = $2, attempt = $3, tries = $4,
                    provider_id = $5, due_at = $6, deadline = $7, fiscal_json = $8,
                    last_code = $9, last_message = $10, state_since = $11, updated_at = $12,
                    provider = $13, lease_owner = $14, lease_epoch = COALESCE($15, lease_epoch)
                 WHERE key = $16 AND version = $17",
                &[
                    &n.state.name(),
                    &to_i64(n.version),
                    &i64::from(n.attempt),
                    &i64::from(n.tries),
                    &n.provider_id,
                    &n.due_at.map(|t| t.0),
                    &n.deadline.map(|t| t.0),
                    &fiscal,
                    &n.last_code,
                    &n.last_message,
                    &n.state_since.0,
                    &n.updated_at.0,
                    &n.provider,
                    &owner,
                    &epoch,
                    &n.key,
                    &to_i64(cur.version),
                ],
            )
            .await?;
        if changed != 1 {
            return Err(OutboxError::Conflict {
                key: cur.key.clone(),
                expected: cur.version,
                found: n.version,
            });
        }
        if let Some(p) = p {
            self.exec(
                c,
                "INSERT INTO {s}.audit (key, at, from_state, to_state, reason, detail, attempt,
                    who, note, lease_owner, lease_epoch)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                &[
                    &n.key,
                    &p.next.updated_at.0,
                    &cur.state.name(),
                    &p.next.state.name(),
                    &p.reason.name(),
                    &p.detail,
                    &i64::from(p.next.attempt),
                    &p.operator.as_ref().map(|o| o.0.as_str()),
                    &p.operator.as_ref().map(|o| o.1.as_str()),
                    &owner,
                    &epoch,
                ],
            )
            .await?;
            self.route_alarm(c, &p.next, p.reason).await?;
        }
        Ok(())
    }

    async fn route_alarm(
        &self,
        c: &impl GenericClient,
        n: &Entry,
        reason: EventKind,
    ) -> Result<(), OutboxError> {
        match route_alarm_change(reason) {
            RouteAlarmChange::Raise => {
                self.exec(
                    c,
                    "INSERT INTO {s}.route_alarms (route, since, at, code, message, failures)
                     VALUES ($1, $2, $2, $3, $4, 1)
                     ON CONFLICT (route) DO UPDATE SET at = excluded.at, code = excluded.code,
                        message = excluded.message,
                        failures = {s}.route_alarms.failures + 1",
                    &[
                        &n.provider,
                        &n.updated_at.0,
                        &n.last_code,
                        &n.last_message.clone().unwrap_or_default(),
                    ],
                )
                .await?;
            }
            RouteAlarmChange::Clear => {
                self.exec(
                    c,
                    "DELETE FROM {s}.route_alarms WHERE route = $1",
                    &[&n.provider],
                )
                .await?;
            }
            RouteAlarmChange::Keep => {}
        }
        Ok(())
    }

    async fn notify(&self, c: &impl GenericClient) -> Result<(), OutboxError> {
        self.exec(c, "SELECT pg_notify($1, '')", &[&self.channel])
            .await
            .map(|_| ())
    }

    /// Inserts one entry (or finds the identical one) inside the caller's transaction.
    async fn insert(
        &self,
        c: &impl GenericClient,
        new: &NewEntry<'_>,
        json: &str,
        now: Timestamp,
    ) -> Result<Enqueued, OutboxError> {
        let hash = body_hash(json);
        let deadline = enqueued_deadline(&self.config, now).map(|t| t.0);
        let rows = self
            .q(
                c,
                &format!(
                    "WITH ins AS (
                        INSERT INTO {{s}}.entries (key, receipt_json, body_hash, provider, state,
                            version, attempt, tries, due_at, deadline, created_at, state_since,
                            updated_at)
                        VALUES ($1, $2, $3, $4, 'queued', 1, 1, 0, $5, $6, $5, $5, $5)
                        ON CONFLICT (key) DO NOTHING
                        RETURNING {COLUMNS}),
                     aud AS (
                        INSERT INTO {{s}}.audit (key, at, from_state, to_state, reason, detail,
                            attempt)
                        SELECT key, $5, NULL, 'queued', 'enqueued', $7, 1 FROM ins)
                     SELECT * FROM ins"
                ),
                &[
                    &new.key,
                    &json,
                    &hash,
                    &new.provider,
                    &now.0,
                    &deadline,
                    &format!("provider {}", new.provider),
                ],
            )
            .await?;
        if let Some(r) = rows.first() {
            return Ok(Enqueued {
                entry: leased_of(r)?.entry,
                created: true,
            });
        }
        let existing = self
            .load(c, new.key, false)
            .await?
            .ok_or_else(|| corrupt(new.key, "key conflict without a row"))?
            .entry;
        if existing.body_hash == hash && existing.receipt_json == json {
            Ok(Enqueued {
                entry: existing,
                created: false,
            })
        } else {
            Err(OutboxError::KeyConflict {
                key: new.key.to_owned(),
            })
        }
    }

    /// The restore guard, checked by every claim inside its transaction: the newest audit row
    /// must not be older than the newest one this store saw before. The audit trail is
    /// append-only (a trigger refuses `UPDATE`, `DELETE`, `TRUNCATE`), so only a journal put
    /// back from a backup (or dropped and re-created) goes back; its entries may show as still
    /// to send receipts that the providers fiscalised after the backup was taken. Such a
    /// journal is [`OutboxError::Corrupt`] for this store: it claims nothing, so it sends
    /// nothing, until an operator has reconciled the journal with the providers and restarted
    /// the workers (docs/outbox.md, "Scaling out": backups).
    async fn check_not_rewound(&self, c: &impl GenericClient) -> Result<(), OutboxError> {
        let r = self
            .q(c, "SELECT COALESCE(MAX(seq), 0) FROM {s}.audit", &[])
            .await?;
        let newest = r
            .first()
            .map(|r| rows::col::<i64>(r, 0))
            .transpose()?
            .unwrap_or(0);
        let seen = self.seen_seq.fetch_max(newest, Ordering::AcqRel);
        if newest < seen {
            return Err(OutboxError::Corrupt {
                key: String::new(),
                message: format!(
                    "the journal went back: its audit trail ends at row {newest}, but this \
                     worker saw row {seen} (restored from a backup, or re-created, while it \
                     ran?). Claims stop: entries of an old journal may be receipts the \
                     providers already fiscalised. Reconcile it with the providers, then \
                     restart the workers"
                ),
            });
        }
        Ok(())
    }

    /// Whether this store may write the row: no lease on it, its own lease (same epoch), or a
    /// lease that ran out.
    fn may_write(&self, row: &Leased, now: Timestamp) -> Result<bool, OutboxError> {
        let Some(owner) = &row.owner else {
            return Ok(true);
        };
        let held = self
            .leases
            .lock()
            .map_err(|_| OutboxError::Poisoned)?
            .get(&row.entry.key)
            .copied();
        if *owner == self.owner && held == Some(row.epoch) {
            return Ok(true);
        }
        Ok(row.entry.due_at.is_none_or(|d| d <= now))
    }

    fn hold(&self, key: &str, epoch: Option<i64>) {
        if let Ok(mut l) = self.leases.lock() {
            match epoch {
                Some(e) => {
                    l.insert(key.to_owned(), e);
                }
                None => {
                    l.remove(key);
                }
            }
        }
    }

    async fn each_attention(&self, limit: usize) -> Result<Vec<Entry>, OutboxError> {
        let rows = self
            .read(
                &format!(
                    "SELECT {COLUMNS} FROM {{s}}.entries WHERE state = 'done'
                       AND fiscal_json IS NOT NULL
                       AND (fiscal_json LIKE '%\"mark_checks\"%'
                            OR fiscal_json LIKE '%\"warnings\"%'
                            OR fiscal_json LIKE '%\"ofd_delivered\":false%')
                     ORDER BY state_since, id"
                ),
                &[],
            )
            .await?;
        let mut out = Vec::new();
        for e in entries_of(&rows)? {
            if out.len() >= limit {
                break;
            }
            if e.attention().is_some() {
                out.push(e);
            }
        }
        Ok(out)
    }
}

impl Store for PgStore {
    fn enqueue(&self, new: &NewEntry<'_>, now: Timestamp) -> Result<Enqueued, OutboxError> {
        check_key(new.key)?;
        let json = fiskal_ffd::json::to_string(new.receipt);
        self.run(in_tx!(self, tx => {
            let r = self.insert(tx, new, &json, now).await?;
            if r.created {
                self.notify(tx).await?;
            }
            Ok(r)
        }))
    }

    fn enqueue_batch(
        &self,
        batch: &[NewEntry<'_>],
        now: Timestamp,
    ) -> Result<Vec<Result<Enqueued, OutboxError>>, OutboxError> {
        let jsons: Vec<String> = batch
            .iter()
            .map(|n| fiskal_ffd::json::to_string(n.receipt))
            .collect();
        self.run(in_tx!(self, tx => {
            let mut out = Vec::with_capacity(batch.len());
            let mut created = false;
            for (new, json) in batch.iter().zip(&jsons) {
                let r = match check_key(new.key) {
                    Err(e) => Err(e),
                    Ok(()) => match self.insert(tx, new, json, now).await {
                        // Per-entry refusals; anything else is the storage failing: all or
                        // nothing.
                        Err(e @ OutboxError::KeyConflict { .. }) => Err(e),
                        Err(e) => return Err(e),
                        Ok(r) => Ok(r),
                    },
                };
                created |= r.as_ref().is_ok_and(|r| r.created);
                out.push(r);
            }
            if created {
                self.notify(tx).await?;
            }
            Ok(out)
        }))
    }

    fn apply_jittered(
        &self,
        key: &str,
        expected_version: u64,
        event: &Event<'_>,
        now: Timestamp,
        jitter: Jitter,
    ) -> Result<Entry, OutboxError> {
        let lease = self.config.default_lease;
        let r = self.run(in_tx!(self, tx => {
            let row = self
                .load(tx, key, true)
                .await?
                .ok_or_else(|| OutboxError::NotFound {
                    key: key.to_owned(),
                })?;
            let cur = &row.entry;
            if cur.version != expected_version || !self.may_write(&row, now)? {
                // Another worker claimed it (its lease runs), or it moved on.
                return Err(OutboxError::Conflict {
                    key: key.to_owned(),
                    expected: expected_version,
                    found: cur.version,
                });
            }
            let trail = match EventKind::of(event).filter(|k| k.is_operator()) {
                Some(_) => Some(self.audit_trail(tx, key).await?),
                None => None,
            };
            check_operator_history(cur, event, || Ok(trail.unwrap_or_default()))?;
            let p = plan(&self.config, cur, event, now, lease, jitter)?;
            // Claimed for sending: this store holds the new lease (a new epoch); any other
            // change ends the lease.
            let epoch = (p.next.state == State::Sending).then_some(row.epoch + 1);
            let owner = epoch.map(|e| (self.owner.as_str(), e));
            self.write(tx, cur, &p.next, owner, Some(&p)).await?;
            Ok((p.next, epoch))
        }));
        match r {
            Ok((next, epoch)) => {
                self.hold(key, epoch);
                Ok(next)
            }
            Err(e) => {
                if let OutboxError::Conflict { .. } = e {
                    self.hold(key, None);
                }
                Err(e)
            }
        }
    }

    fn claim_due(
        &self,
        now: Timestamp,
        limit: usize,
        lease_for: Duration,
    ) -> Result<Vec<Entry>, OutboxError> {
        let claimed = self.run(in_tx!(self, tx => {
            self.check_not_rewound(tx).await?;
            let rows = self
                .q(
                    tx,
                    &format!(
                        "SELECT {COLUMNS} FROM {{s}}.entries
                         WHERE due_at IS NOT NULL AND due_at <= $1
                         ORDER BY due_at, id LIMIT $2
                         FOR UPDATE SKIP LOCKED"
                    ),
                    &[&now.0, &limit_i64(limit)],
                )
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let row = leased_of(r)?;
                let cur = &row.entry;
                let step = claim_step(cur.state);
                if step == Claim::Skip {
                    continue;
                }
                let epoch = row.epoch + 1;
                let lease = Some((self.owner.as_str(), epoch));
                let next = match step.event() {
                    Some(event) => {
                        let p = plan(&self.config, cur, &event, now, lease_for, Jitter::NONE)?;
                        // An expired send goes to in_doubt (audited), then is leased to resolve.
                        let n = if step == Claim::Expire {
                            extend_lease(&p.next, now, lease_for)
                        } else {
                            p.next.clone()
                        };
                        self.write(tx, cur, &n, lease, Some(&p)).await?;
                        n
                    }
                    None => {
                        let n = extend_lease(cur, now, lease_for);
                        self.write(tx, cur, &n, lease, None).await?;
                        n
                    }
                };
                out.push((next, epoch));
            }
            Ok(out)
        }))?;
        Ok(claimed
            .into_iter()
            .map(|(e, epoch)| {
                self.hold(&e.key, Some(epoch));
                e
            })
            .collect())
    }

    fn poke(&self, key: &str, now: Timestamp) -> Result<bool, OutboxError> {
        self.run(in_tx!(self, tx => {
            let n = self
                .exec(
                    tx,
                    "UPDATE {s}.entries SET due_at = $1
                     WHERE key = $2 AND state IN ('accepted', 'in_doubt', 'retry_later')
                       AND due_at > $1",
                    &[&now.0, &key],
                )
                .await?;
            if n > 0 {
                self.notify(tx).await?;
                return Ok(true);
            }
            // Already due counts as found.
            let rows = self
                .q(
                    tx,
                    "SELECT EXISTS (SELECT 1 FROM {s}.entries
                     WHERE key = $1 AND state IN ('accepted', 'in_doubt', 'retry_later'))",
                    &[&key],
                )
                .await?;
            rows.first()
                .map(|r| rows::col::<bool>(r, 0))
                .transpose()
                .map(|b| b.unwrap_or(false))
        }))
    }

    fn next_due(&self) -> Result<Option<Timestamp>, OutboxError> {
        self.run(async {
            let rows = self
                .read(
                    "SELECT due_at FROM {s}.entries WHERE due_at IS NOT NULL
                     ORDER BY due_at LIMIT 1",
                    &[],
                )
                .await?;
            rows.first()
                .map(|r| rows::col::<i64>(r, 0).map(Timestamp))
                .transpose()
        })
    }

    fn window_metrics(
        &self,
        now: Timestamp,
        window: Duration,
    ) -> Result<WindowMetrics, OutboxError> {
        let from = now
            .0
            .saturating_sub(i64::try_from(window.as_millis()).unwrap_or(i64::MAX));
        self.run(async {
            let rows = self
                .read(
                    "SELECT to_state, COUNT(*) FROM {s}.audit
                     WHERE at > $1 AND at <= $2
                       AND to_state IN ('done', 'rejected', 'failed_at_register', 'stuck')
                       AND (from_state IS NULL OR from_state <> to_state)
                     GROUP BY to_state",
                    &[&from, &now.0],
                )
                .await?;
            let mut counts: HashMap<String, u64> = HashMap::new();
            for r in &rows {
                counts.insert(rows::col(r, 0)?, count("", rows::col(r, 1)?)?);
            }
            // Latency: from the first claim for sending to done, of the entries done in the
            // window; the percentiles by nearest rank, as the SQLite store computes them.
            let lat = self
                .read(
                    "SELECT d.at - (SELECT MIN(c.at) FROM {s}.audit c
                                     WHERE c.key = d.key AND c.reason = 'claimed_for_send')
                     FROM {s}.audit d
                     WHERE d.at > $1 AND d.at <= $2 AND d.to_state = 'done'
                       AND d.from_state <> 'done'",
                    &[&from, &now.0],
                )
                .await?;
            let mut v: Vec<i64> = Vec::with_capacity(lat.len());
            for r in &lat {
                if let Some(ms) = rows::col::<Option<i64>>(r, 0)? {
                    v.push(ms.max(0));
                }
            }
            v.sort_unstable();
            let rank = |q: usize| {
                if v.is_empty() {
                    return None;
                }
                let i = (v.len() * q).div_ceil(100).clamp(1, v.len());
                v.get(i - 1)
                    .map(|&ms| Duration::from_millis(u64::try_from(ms).unwrap_or(0)))
            };
            let get = |s: &str| counts.get(s).copied().unwrap_or(0);
            Ok(WindowMetrics {
                window,
                done: get("done"),
                rejected: get("rejected"),
                failed_at_register: get("failed_at_register"),
                stuck: get("stuck"),
                latency_p50: rank(50),
                latency_p95: rank(95),
                latency_max: rank(100),
            })
        })
    }

    fn done_between(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> Result<Vec<Entry>, OutboxError> {
        self.changed_between(State::Done, from, to, limit)
    }

    fn changed_between(
        &self,
        state: State,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> Result<Vec<Entry>, OutboxError> {
        self.run(async {
            let rows = self
                .read(
                    &format!(
                        "SELECT {COLUMNS} FROM {{s}}.entries
                         WHERE state = $1 AND state_since >= $2 AND state_since < $3
                         ORDER BY state_since, id LIMIT $4"
                    ),
                    &[&state.name(), &from.0, &to.0, &limit_i64(limit)],
                )
                .await?;
            entries_of(&rows)
        })
    }

    fn route_alarms(&self) -> Result<Vec<RouteAlarm>, OutboxError> {
        self.run(async {
            let rows = self
                .read(
                    "SELECT route, since, at, code, message, failures FROM {s}.route_alarms
                     ORDER BY route",
                    &[],
                )
                .await?;
            rows.iter()
                .map(|r| {
                    let route: String = rows::col(r, 0)?;
                    Ok(RouteAlarm {
                        failures: count(&route, rows::col(r, 5)?)?,
                        since: Timestamp(rows::col(r, 1)?),
                        at: Timestamp(rows::col(r, 2)?),
                        code: rows::col(r, 3)?,
                        message: rows::col(r, 4)?,
                        route,
                    })
                })
                .collect()
        })
    }

    fn mark_stuck(&self, now: Timestamp) -> Result<usize, OutboxError> {
        // In batches, each its own transaction; rows another transaction holds are skipped
        // (the next scan takes them). Final states carry no deadline.
        const BATCH: i64 = 500;
        let mut n = 0usize;
        loop {
            let (moved, seen) = self.run(in_tx!(self, tx => {
                let rows = self
                    .q(
                        tx,
                        &format!(
                            "SELECT {COLUMNS} FROM {{s}}.entries WHERE deadline <= $1
                             ORDER BY deadline, id LIMIT $2 FOR UPDATE SKIP LOCKED"
                        ),
                        &[&now.0, &BATCH],
                    )
                    .await?;
                let mut moved = 0usize;
                for e in entries_of(&rows)?.iter().filter(|e| !e.state.is_final()) {
                    let p = plan(
                        &self.config,
                        e,
                        &Event::Deadline,
                        now,
                        self.config.default_lease,
                        Jitter::NONE,
                    )?;
                    self.write(tx, e, &p.next, None, Some(&p)).await?;
                    moved += 1;
                }
                Ok((moved, rows.len()))
            }))?;
            n += moved;
            if moved == 0 || i64::try_from(seen).unwrap_or(0) < BATCH {
                return Ok(n);
            }
        }
    }

    fn get(&self, key: &str) -> Result<Option<Entry>, OutboxError> {
        self.run(async {
            let c = self.client().await?;
            let r = self.load(&c, key, false).await.map_err(|e| self.note(e))?;
            Ok(r.map(|l| l.entry))
        })
    }

    fn list(&self, state: State, limit: usize) -> Result<Vec<Entry>, OutboxError> {
        self.run(async {
            let rows = self
                .read(
                    &format!(
                        "SELECT {COLUMNS} FROM {{s}}.entries WHERE state = $1
                         ORDER BY state_since, id LIMIT $2"
                    ),
                    &[&state.name(), &limit_i64(limit)],
                )
                .await?;
            entries_of(&rows)
        })
    }

    fn stats(&self, now: Timestamp) -> Result<Vec<StateStats>, OutboxError> {
        self.run(async {
            let rows = self
                .read(
                    "SELECT state, COUNT(*), MIN(state_since) FROM {s}.entries GROUP BY state",
                    &[],
                )
                .await?;
            let mut out: Vec<StateStats> = State::ALL
                .iter()
                .map(|&state| StateStats {
                    state,
                    count: 0,
                    oldest_age: None,
                })
                .collect();
            for r in &rows {
                let name: String = rows::col(r, 0)?;
                let state = State::from_name(&name)
                    .ok_or_else(|| corrupt("", format!("unknown state {name:?}")))?;
                if let Some(s) = out.iter_mut().find(|s| s.state == state) {
                    s.count = count("", rows::col(r, 1)?)?;
                    s.oldest_age = rows::col::<Option<i64>>(r, 2)?.map(|t| now.since(Timestamp(t)));
                }
            }
            Ok(out)
        })
    }

    fn audit(&self, key: &str) -> Result<Vec<AuditRecord>, OutboxError> {
        self.run(async {
            let c = self.client().await?;
            self.audit_trail(&c, key).await.map_err(|e| self.note(e))
        })
    }

    fn list_attention(&self, limit: usize) -> Result<Vec<Entry>, OutboxError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        self.run(self.each_attention(limit))
    }

    fn count_attention(&self) -> Result<u64, OutboxError> {
        let n = self.run(self.each_attention(usize::MAX))?.len();
        Ok(u64::try_from(n).unwrap_or(u64::MAX))
    }

    fn watch(&self, wake: Wake) {
        if self.poll_only {
            return;
        }
        let Ok(mut l) = self.listener.lock() else {
            return;
        };
        match l.as_mut() {
            Some(listener) => listener.add(wake),
            None => {
                *l = Some(listen::Listener::start(
                    self.rt().handle(),
                    self.pg.clone(),
                    self.tls.clone(),
                    self.channel.clone(),
                    self.reconnect_max,
                    wake,
                ));
            }
        }
    }
}
