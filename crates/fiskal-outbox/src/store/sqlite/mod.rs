//! The SQLite implementation of [`Store`]: WAL, `synchronous=FULL`, one
//! `BEGIN IMMEDIATE` transaction per change (per batch for [`Store::commit_batch`]: group
//! commit), versioned rows, an append-only audit table.

use super::plan::{
    check_operator_history, claim_step, enqueued_deadline, extend_lease, hold_lease, plan,
    route_alarm_change, Claim, Plan, RouteAlarmChange,
};
use super::*;
use crate::error::OutboxError;
use crate::state::{Event, EventKind, State};
use rusqlite::{params, Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

mod rows;
mod schema;

use rows::{audit_of, corrupt, entries, entry_of, load, raw_row, to_i64, to_u64, COLUMNS};
pub use schema::SCHEMA_VERSION;
use schema::{has_route_alarms, migrate, schema_version};

/// The embedded journal: one SQLite file (WAL, `synchronous=FULL`) at a path the caller gives.
/// Several `SqliteStore`s (threads or processes) may open the same file; writers are
/// serialised by SQLite (`BEGIN IMMEDIATE`, 5 s busy timeout).
#[derive(Debug)]
pub struct SqliteStore {
    conn: Mutex<Connection>,
    config: Config,
    path: PathBuf,
}

fn open_error(path: &Path, e: rusqlite::Error) -> OutboxError {
    match OutboxError::from(e) {
        OutboxError::Open { message, .. } => OutboxError::Open {
            path: path.display().to_string(),
            message,
        },
        other => other,
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the journal at `path`, switches it to WAL with
    /// `synchronous=FULL`, and creates or migrates the schema. A path that cannot be written
    /// fails here ([`OutboxError::Open`] or [`OutboxError::ReadOnly`]), not at the first enqueue.
    pub fn open(path: impl AsRef<Path>, config: Config) -> Result<SqliteStore, OutboxError> {
        let path = path.as_ref();
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags).map_err(|e| open_error(path, e))?;
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(|e| open_error(path, e))?;
        // Room for every statement of the worker's hot path (claim, load, update, audit,
        // lease, route alarm, enqueue): each is parsed once per connection, not per call.
        conn.set_prepared_statement_cache_capacity(32);
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(|e| open_error(path, e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(OutboxError::Open {
                path: path.display().to_string(),
                message: format!("cannot switch to WAL mode (journal_mode is {mode})"),
            });
        }
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(|e| open_error(path, e))?;
        let sync: i64 = conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .map_err(|e| open_error(path, e))?;
        if sync != 2 {
            return Err(OutboxError::Open {
                path: path.display().to_string(),
                message: format!("cannot set synchronous=FULL (it is {sync})"),
            });
        }
        migrate(&mut conn).map_err(|e| match e {
            OutboxError::Open { message, .. } => OutboxError::Open {
                path: path.display().to_string(),
                message,
            },
            other => other,
        })?;
        if let Some(pages) = config.max_page_count {
            // Returns the cap in effect (never below the current size); nothing to check.
            let _: i64 = conn
                .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
                    r.get(0)
                })
                .map_err(|e| open_error(path, e))?;
        }
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            config,
            path: path.to_owned(),
        })
    }

    /// Opens an existing journal read-only (for inspection: status, lists, stats, audit).
    /// Every write fails with [`OutboxError::ReadOnly`].
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<SqliteStore, OutboxError> {
        let path = path.as_ref();
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| open_error(path, e))?;
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(|e| open_error(path, e))?;
        let version = schema_version(&conn)?;
        if version > SCHEMA_VERSION {
            return Err(OutboxError::SchemaTooNew {
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            config: Config::default(),
            path: path.to_owned(),
        })
    }

    /// The path it was opened at.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The timing configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Connection>, OutboxError> {
        self.conn.lock().map_err(|_| OutboxError::Poisoned)
    }
}

fn body_hash(json: &str) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, json.as_bytes()))
}

fn write(conn: &Connection, cur: &Entry, p: &Plan) -> Result<(), OutboxError> {
    let n = &p.next;
    let fiscal_json = match &n.fiscal {
        Some(f) => Some(serde_json::to_string(f).map_err(|e| OutboxError::Database {
            message: format!("fiscal attributes to JSON: {e}"),
        })?),
        None => None,
    };
    let changed = conn.prepare_cached(
        "UPDATE entries SET state = ?1, version = ?2, attempt = ?3, tries = ?4, provider_id = ?5,
            due_at = ?6, deadline = ?7, fiscal_json = ?8, last_code = ?9, last_message = ?10,
            state_since = ?11, updated_at = ?12, provider = ?15
         WHERE key = ?13 AND version = ?14",
    )?.execute(
        params![
            n.state.name(),
            to_i64(n.version),
            n.attempt,
            n.tries,
            n.provider_id,
            n.due_at.map(|t| t.0),
            n.deadline.map(|t| t.0),
            fiscal_json,
            n.last_code,
            n.last_message,
            n.state_since.0,
            n.updated_at.0,
            n.key,
            to_i64(cur.version),
            n.provider,
        ],
    )?;
    if changed != 1 {
        return Err(OutboxError::Conflict {
            key: cur.key.clone(),
            expected: cur.version,
            found: n.version,
        });
    }
    {
        conn.prepare_cached(
            "INSERT INTO audit (key, at, from_state, to_state, reason, detail, attempt, who, note)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            n.key,
            n.updated_at.0,
            cur.state.name(),
            n.state.name(),
            p.reason.name(),
            p.detail,
            n.attempt,
            p.operator.as_ref().map(|o| o.0.as_str()),
            p.operator.as_ref().map(|o| o.1.as_str()),
        ])?;
    }
    route_alarm(conn, n, p.reason)?;
    Ok(())
}

/// Keeps `route_alarms` in step with an answer of the entry's provider, as
/// [`route_alarm_change`] decides.
fn route_alarm(conn: &Connection, n: &Entry, reason: EventKind) -> Result<(), OutboxError> {
    match route_alarm_change(reason) {
        RouteAlarmChange::Raise => {
            conn.execute(
                "INSERT INTO route_alarms (route, since, at, code, message, failures)
                 VALUES (?1, ?2, ?2, ?3, ?4, 1)
                 ON CONFLICT(route) DO UPDATE SET at = excluded.at, code = excluded.code,
                    message = excluded.message, failures = failures + 1",
                params![
                    n.provider,
                    n.updated_at.0,
                    n.last_code,
                    n.last_message.clone().unwrap_or_default()
                ],
            )?;
        }
        RouteAlarmChange::Clear => {
            conn.prepare_cached("DELETE FROM route_alarms WHERE route = ?1")?
                .execute(params![n.provider])?;
        }
        RouteAlarmChange::Keep => {}
    }
    Ok(())
}

/// Extends the lease of an entry that keeps its state ([`extend_lease`]).
fn lease(
    conn: &Connection,
    cur: &Entry,
    now: Timestamp,
    lease: Duration,
) -> Result<Entry, OutboxError> {
    let n = extend_lease(cur, now, lease);
    let changed = conn.prepare_cached(
        "UPDATE entries SET version = ?1, due_at = ?2, updated_at = ?3 WHERE key = ?4 AND version = ?5",
    )?.execute(
        params![
            to_i64(n.version),
            n.due_at.map(|t| t.0),
            n.updated_at.0,
            n.key,
            to_i64(cur.version)
        ],
    )?;
    if changed != 1 {
        return Err(OutboxError::Conflict {
            key: cur.key.clone(),
            expected: cur.version,
            found: n.version,
        });
    }
    Ok(n)
}

fn limit_i64(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// Inserts one entry (or finds the identical one) inside the caller's transaction.
fn insert(
    tx: &Connection,
    cfg: &Config,
    new: &NewEntry<'_>,
    now: Timestamp,
) -> Result<Enqueued, OutboxError> {
    let json = fiskal_ffd::json::to_string(new.receipt);
    let hash = body_hash(&json);
    if let Some(existing) = load(tx, new.key)? {
        if existing.body_hash == hash && existing.receipt_json == json {
            return Ok(Enqueued {
                entry: existing,
                created: false,
            });
        }
        return Err(OutboxError::KeyConflict {
            key: new.key.to_owned(),
        });
    }
    let deadline = enqueued_deadline(cfg, now);
    tx.prepare_cached(&format!(
        "INSERT INTO entries ({COLUMNS}) VALUES
             (?1, ?2, ?3, ?4, 'queued', 1, 1, 0, NULL, ?5, ?6, NULL, NULL, NULL, ?5, ?5, ?5)"
    ))?
    .execute(params![
        new.key,
        json,
        hash,
        new.provider,
        now.0,
        deadline.map(|t| t.0)
    ])?;
    tx.prepare_cached(
        "INSERT INTO audit (key, at, from_state, to_state, reason, detail, attempt)
         VALUES (?1, ?2, NULL, 'queued', 'enqueued', ?3, 1)",
    )?
    .execute(params![
        new.key,
        now.0,
        format!("provider {}", new.provider)
    ])?;
    let entry = load(tx, new.key)?.ok_or_else(|| corrupt(new.key, "vanished after insert"))?;
    Ok(Enqueued {
        entry,
        created: true,
    })
}

/// Applies one change inside the caller's transaction: fenced by the expected version, the
/// operator history checked, [`plan`]ned and written with its audit row. Writes nothing when
/// it fails for any reason but the storage's.
fn apply_in(tx: &Connection, cfg: &Config, c: &Change<'_>) -> Result<Entry, OutboxError> {
    let cur = load(tx, c.key)?.ok_or_else(|| OutboxError::NotFound {
        key: c.key.to_owned(),
    })?;
    if cur.version != c.expected_version {
        return Err(OutboxError::Conflict {
            key: c.key.to_owned(),
            expected: c.expected_version,
            found: cur.version,
        });
    }
    // An operator event must be the one the entry's history allows (a new document id from
    // stuck only where no provider can hold the old one): checked here, in the transaction,
    // whoever calls.
    check_operator_history(&cur, &c.event, || audit_of(tx, c.key))?;
    let mut p = plan(cfg, &cur, &c.event, c.now, cfg.default_lease, c.jitter)?;
    if let Some(lease) = c.hold {
        hold_lease(&mut p.next, lease);
    }
    write(tx, &cur, &p)?;
    Ok(p.next)
}

/// The value at quantile `q` (percent) of sorted `v`: nearest rank.
fn nearest_rank(v: &[i64], q: usize) -> Option<Duration> {
    if v.is_empty() {
        return None;
    }
    let rank = (v.len() * q).div_ceil(100).clamp(1, v.len());
    v.get(rank - 1)
        .map(|&ms| Duration::from_millis(u64::try_from(ms).unwrap_or(0)))
}

impl Store for SqliteStore {
    fn enqueue(&self, new: &NewEntry<'_>, now: Timestamp) -> Result<Enqueued, OutboxError> {
        check_key(new.key)?;
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let r = insert(&tx, &self.config, new, now)?;
        if r.created {
            tx.commit()?;
        }
        Ok(r)
    }

    fn enqueue_batch(
        &self,
        batch: &[NewEntry<'_>],
        now: Timestamp,
    ) -> Result<Vec<Result<Enqueued, OutboxError>>, OutboxError> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut out = Vec::with_capacity(batch.len());
        for new in batch {
            let r = match check_key(new.key) {
                Err(e) => Err(e),
                Ok(()) => match insert(&tx, &self.config, new, now) {
                    // Per-entry refusals; everything else is the storage failing: all or nothing.
                    Err(e @ OutboxError::KeyConflict { .. }) => Err(e),
                    Err(e) => return Err(e),
                    Ok(r) => Ok(r),
                },
            };
            out.push(r);
        }
        tx.commit()?;
        Ok(out)
    }

    fn apply_jittered(
        &self,
        key: &str,
        expected_version: u64,
        event: &Event<'_>,
        now: Timestamp,
        jitter: Jitter,
    ) -> Result<Entry, OutboxError> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let next = apply_in(
            &tx,
            &self.config,
            &Change {
                key,
                expected_version,
                event: *event,
                now,
                jitter,
                hold: None,
            },
        )?;
        tx.commit()?;
        Ok(next)
    }

    /// One `BEGIN IMMEDIATE` transaction and one sync for the whole batch. Each change runs
    /// under its own savepoint: a refused change rolls back to it (nothing of it stays) and is
    /// answered with its error; a storage failure rolls the whole transaction back.
    fn commit_batch(
        &self,
        changes: &[Change<'_>],
    ) -> Result<Vec<Result<Entry, OutboxError>>, OutboxError> {
        if changes.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.lock()?;
        let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut out = Vec::with_capacity(changes.len());
        for c in changes {
            let sp = tx.savepoint()?;
            match apply_in(&sp, &self.config, c) {
                Ok(next) => {
                    sp.commit()?;
                    out.push(Ok(next));
                }
                // Dropping the savepoint rolls back to it; the transaction is dropped (rolled
                // back) on the way out.
                Err(e) if e.is_storage_failure() => return Err(e),
                Err(e) => out.push(Err(e)),
            }
        }
        tx.commit()?;
        Ok(out)
    }

    fn holds_leases(&self) -> bool {
        true
    }

    fn claim_due(
        &self,
        now: Timestamp,
        limit: usize,
        lease_for: Duration,
    ) -> Result<Vec<Entry>, OutboxError> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let due: Vec<Entry> = {
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM entries
                 WHERE due_at IS NOT NULL AND due_at <= ?1
                 ORDER BY due_at, id LIMIT ?2"
            ))?;
            entries(&mut stmt, params![now.0, limit_i64(limit)])?
        };
        let mut out = Vec::with_capacity(due.len());
        for cur in due {
            let step = claim_step(cur.state);
            let claimed = match step.event() {
                _ if step == Claim::Skip => continue,
                Some(event) => {
                    let p = plan(&self.config, &cur, &event, now, lease_for, Jitter::NONE)?;
                    write(&tx, &cur, &p)?;
                    if step == Claim::Expire {
                        lease(&tx, &p.next, now, lease_for)?
                    } else {
                        p.next
                    }
                }
                None => lease(&tx, &cur, now, lease_for)?,
            };
            out.push(claimed);
        }
        tx.commit()?;
        Ok(out)
    }

    fn poke(&self, key: &str, now: Timestamp) -> Result<bool, OutboxError> {
        let conn = self.lock()?;
        let n = conn.execute(
            "UPDATE entries SET due_at = ?1
             WHERE key = ?2 AND state IN ('accepted', 'in_doubt', 'retry_later') AND due_at > ?1",
            params![now.0, key],
        )?;
        if n > 0 {
            return Ok(true);
        }
        // Already due counts as found.
        let found: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM entries
             WHERE key = ?1 AND state IN ('accepted', 'in_doubt', 'retry_later'))",
            [key],
            |r| r.get(0),
        )?;
        Ok(found)
    }

    fn next_due(&self) -> Result<Option<Timestamp>, OutboxError> {
        let conn = self.lock()?;
        let t: Option<i64> = conn.query_row(
            "SELECT MIN(due_at) FROM entries WHERE due_at IS NOT NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(t.map(Timestamp))
    }

    fn window_metrics(
        &self,
        now: Timestamp,
        window: Duration,
    ) -> Result<WindowMetrics, OutboxError> {
        let from = Timestamp(
            now.0
                .saturating_sub(i64::try_from(window.as_millis()).unwrap_or(i64::MAX)),
        );
        let conn = self.lock()?;
        let count = |to: &str| -> Result<u64, OutboxError> {
            let n: i64 = conn.query_row(
                "SELECT COUNT(*) FROM audit WHERE at > ?1 AND at <= ?2 AND to_state = ?3
                   AND (from_state IS NULL OR from_state <> to_state)",
                params![from.0, now.0, to],
                |r| r.get(0),
            )?;
            to_u64("", "count", n)
        };
        let done = count("done")?;
        let rejected = count("rejected")?;
        let failed_at_register = count("failed_at_register")?;
        let stuck = count("stuck")?;
        // Latency: from the first claim for sending to done, of the entries done in the window.
        let mut lat: Vec<i64> = {
            let mut stmt = conn.prepare(
                "SELECT d.at - (SELECT MIN(c.at) FROM audit c
                                 WHERE c.key = d.key AND c.reason = 'claimed_for_send')
                 FROM audit d
                 WHERE d.at > ?1 AND d.at <= ?2 AND d.to_state = 'done'
                   AND d.from_state <> 'done'",
            )?;
            let rows = stmt.query_map(params![from.0, now.0], |r| r.get::<_, Option<i64>>(0))?;
            let mut v = Vec::new();
            for r in rows {
                if let Some(ms) = r? {
                    v.push(ms.max(0));
                }
            }
            v
        };
        lat.sort_unstable();
        Ok(WindowMetrics {
            window,
            done,
            rejected,
            failed_at_register,
            stuck,
            latency_p50: nearest_rank(&lat, 50),
            latency_p95: nearest_rank(&lat, 95),
            latency_max: nearest_rank(&lat, 100),
        })
    }

    fn done_between(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> Result<Vec<Entry>, OutboxError> {
        let conn = self.lock()?;
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM entries
             WHERE state = 'done' AND state_since >= ?1 AND state_since < ?2
             ORDER BY state_since, id LIMIT ?3"
        ))?;
        entries(&mut stmt, params![from.0, to.0, limit_i64(limit)])
    }

    fn changed_between(
        &self,
        state: State,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> Result<Vec<Entry>, OutboxError> {
        let conn = self.lock()?;
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM entries
             WHERE state = ?1 AND state_since >= ?2 AND state_since < ?3
             ORDER BY state_since, id LIMIT ?4"
        ))?;
        entries(
            &mut stmt,
            params![state.name(), from.0, to.0, limit_i64(limit)],
        )
    }

    fn route_alarms(&self) -> Result<Vec<RouteAlarm>, OutboxError> {
        let conn = self.lock()?;
        if !has_route_alarms(&conn)? {
            return Ok(Vec::new());
        }
        let mut stmt = conn.prepare(
            "SELECT route, since, at, code, message, failures FROM route_alarms ORDER BY route",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for r in rows {
            let (route, since, at, code, message, failures) = r?;
            out.push(RouteAlarm {
                failures: to_u64(&route, "failures", failures)?,
                route,
                since: Timestamp(since),
                at: Timestamp(at),
                code,
                message,
            });
        }
        Ok(out)
    }

    fn mark_stuck(&self, now: Timestamp) -> Result<usize, OutboxError> {
        // In batches, each its own transaction, with the connection released in between: a
        // large overdue backlog (a provider down for a day) neither holds the write lock for
        // long nor loads every row at once. Final states carry no deadline.
        const BATCH: i64 = 500;
        let mut n = 0usize;
        loop {
            let mut conn = self.lock()?;
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let overdue: Vec<Entry> = {
                let mut stmt = tx.prepare(&format!(
                    "SELECT {COLUMNS} FROM entries WHERE deadline <= ?1 ORDER BY deadline, id LIMIT ?2"
                ))?;
                entries(&mut stmt, params![now.0, BATCH])?
            };
            let mut moved = 0usize;
            for cur in overdue.iter().filter(|e| !e.state.is_final()) {
                let p = plan(
                    &self.config,
                    cur,
                    &Event::Deadline,
                    now,
                    self.config.default_lease,
                    Jitter::NONE,
                )?;
                write(&tx, cur, &p)?;
                moved += 1;
            }
            tx.commit()?;
            n += moved;
            // A batch that moved nothing (only rows that cannot move) or was not full: done.
            if moved == 0 || i64::try_from(overdue.len()).unwrap_or(0) < BATCH {
                return Ok(n);
            }
        }
    }

    fn get(&self, key: &str) -> Result<Option<Entry>, OutboxError> {
        let conn = self.lock()?;
        load(&conn, key)
    }

    fn list(&self, state: State, limit: usize) -> Result<Vec<Entry>, OutboxError> {
        let conn = self.lock()?;
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM entries WHERE state = ?1 ORDER BY state_since, id LIMIT ?2"
        ))?;
        entries(&mut stmt, params![state.name(), limit_i64(limit)])
    }

    fn stats(&self, now: Timestamp) -> Result<Vec<StateStats>, OutboxError> {
        let conn = self.lock()?;
        let mut stmt =
            conn.prepare("SELECT state, COUNT(*), MIN(state_since) FROM entries GROUP BY state")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<i64>>(2)?,
            ))
        })?;
        let mut out: Vec<StateStats> = State::ALL
            .iter()
            .map(|&state| StateStats {
                state,
                count: 0,
                oldest_age: None,
            })
            .collect();
        for r in rows {
            let (name, count, oldest) = r?;
            let state = State::from_name(&name)
                .ok_or_else(|| corrupt("", format!("unknown state {name:?}")))?;
            if let Some(s) = out.iter_mut().find(|s| s.state == state) {
                s.count = to_u64("", "count", count)?;
                s.oldest_age = oldest.map(|t| now.since(Timestamp(t)));
            }
        }
        Ok(out)
    }

    fn audit(&self, key: &str) -> Result<Vec<AuditRecord>, OutboxError> {
        let conn = self.lock()?;
        audit_of(&conn, key)
    }

    fn list_attention(&self, limit: usize) -> Result<Vec<Entry>, OutboxError> {
        let mut v = Vec::new();
        if limit == 0 {
            return Ok(v);
        }
        self.each_attention(|e| {
            v.push(e);
            v.len() < limit
        })?;
        Ok(v)
    }

    fn count_attention(&self) -> Result<u64, OutboxError> {
        let mut n = 0u64;
        self.each_attention(|_| {
            n += 1;
            true
        })?;
        Ok(n)
    }
}

impl SqliteStore {
    /// Calls `f` with every `done` entry that wants attention, oldest done first, while it
    /// returns true. Only rows whose fiscal JSON names mark checks, warnings or an undelivered
    /// document are parsed (those keys are left out of the JSON when empty): no new column,
    /// and the rule stays [`Entry::attention`]'s.
    fn each_attention(&self, mut f: impl FnMut(Entry) -> bool) -> Result<(), OutboxError> {
        let conn = self.lock()?;
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM entries WHERE state = 'done' AND fiscal_json IS NOT NULL
               AND (fiscal_json LIKE '%\"mark_checks\"%' OR fiscal_json LIKE '%\"warnings\"%'
                    OR fiscal_json LIKE '%\"ofd_delivered\":false%')
             ORDER BY state_since, id"
        ))?;
        let rows = stmt.query_map([], raw_row)?;
        for r in rows {
            let e = entry_of(r?)?;
            if e.attention().is_some() && !f(e) {
                break;
            }
        }
        Ok(())
    }
}
