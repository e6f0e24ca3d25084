//! The SQLite implementation of [`Store`](super::Store): WAL, `synchronous=FULL`, one
//! `BEGIN IMMEDIATE` transaction per change, versioned rows, an append-only audit table.

use super::*;
use crate::error::OutboxError;
use crate::state::{check_operator, operator_event, transition, Event, EventKind, State};
use fiskal_providers::Outcome;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 4;

const SCHEMA_V2: &str = "CREATE INDEX audit_at ON audit(at);";

/// v3: per route, the refusal of our credentials or configuration not yet followed by a
/// success (see [`RouteAlarm`]). A row exists exactly while the route is unhealthy.
const SCHEMA_V3: &str = "
CREATE TABLE route_alarms (
    route     TEXT    PRIMARY KEY,
    since     INTEGER NOT NULL,
    at        INTEGER NOT NULL,
    code      TEXT,
    message   TEXT    NOT NULL,
    failures  INTEGER NOT NULL
);
";

/// v4: who did an operator action (requeue, cancel) and why; NULL for the machine's events.
/// (`ALTER TABLE … ADD COLUMN` changes no row: the append-only triggers are not involved.)
const SCHEMA_V4: &str = "
ALTER TABLE audit ADD COLUMN who TEXT;
ALTER TABLE audit ADD COLUMN note TEXT;
";

const SCHEMA_V1: &str = "
CREATE TABLE entries (
    id            INTEGER PRIMARY KEY,
    key           TEXT    NOT NULL UNIQUE,
    receipt_json  TEXT    NOT NULL,
    body_hash     TEXT    NOT NULL,
    provider      TEXT    NOT NULL,
    state         TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    attempt       INTEGER NOT NULL,
    tries         INTEGER NOT NULL,
    provider_id   TEXT,
    due_at        INTEGER,
    deadline      INTEGER,
    fiscal_json   TEXT,
    last_code     TEXT,
    last_message  TEXT,
    created_at    INTEGER NOT NULL,
    state_since   INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX entries_due ON entries(due_at) WHERE due_at IS NOT NULL;
CREATE INDEX entries_state ON entries(state, state_since);
CREATE INDEX entries_deadline ON entries(deadline) WHERE deadline IS NOT NULL;
CREATE TABLE audit (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    key         TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    from_state  TEXT,
    to_state    TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    detail      TEXT    NOT NULL,
    attempt     INTEGER NOT NULL
);
CREATE INDEX audit_key ON audit(key, seq);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
";

const COLUMNS: &str = "key, receipt_json, body_hash, provider, state, version, attempt, tries, \
     provider_id, due_at, deadline, fiscal_json, last_code, last_message, created_at, \
     state_since, updated_at";

/// States [`Store::claim_due`] looks at. Invariant (kept by `plan`, `lease` and `poke`, and
/// asserted by the store tests): an entry has a `due_at` exactly when it is in one of these, so
/// the queries below select on `due_at` alone and stay on the partial index `entries_due`
/// (O(log n) at a million queued; filtering on `state` too made SQLite scan).
const CLAIMABLE: [State; 5] = [
    State::Queued,
    State::RetryLater,
    State::Sending,
    State::Accepted,
    State::InDoubt,
];

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

fn schema_version(conn: &Connection) -> Result<i64, OutboxError> {
    let has_table: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version')",
        [],
        |r| r.get(0),
    )?;
    if !has_table {
        return Ok(0);
    }
    let v: Option<i64> = conn
        .query_row("SELECT MAX(version) FROM schema_version", [], |r| r.get(0))
        .optional()?
        .flatten();
    Ok(v.unwrap_or(0))
}

fn migrate(conn: &mut Connection) -> Result<(), OutboxError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TEXT NOT NULL)",
    )?;
    let version = schema_version(&tx)?;
    if version > SCHEMA_VERSION {
        return Err(OutboxError::SchemaTooNew {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    if version < 1 {
        tx.execute_batch(SCHEMA_V1)?;
        tx.execute(
            "INSERT INTO schema_version (version, applied_at) VALUES (1, datetime('now'))",
            [],
        )?;
    }
    if version < 2 {
        // v2: the window metrics read the audit trail by time.
        tx.execute_batch(SCHEMA_V2)?;
        tx.execute(
            "INSERT INTO schema_version (version, applied_at) VALUES (2, datetime('now'))",
            [],
        )?;
    }
    if version < 3 {
        // v3: route alarms (refusals of the credentials or the configuration).
        tx.execute_batch(SCHEMA_V3)?;
        tx.execute(
            "INSERT INTO schema_version (version, applied_at) VALUES (3, datetime('now'))",
            [],
        )?;
    }
    if version < 4 {
        // v4: the operator and the reason of operator actions in the audit trail.
        tx.execute_batch(SCHEMA_V4)?;
        tx.execute(
            "INSERT INTO schema_version (version, applied_at) VALUES (4, datetime('now'))",
            [],
        )?;
    }
    // Later versions: `if version < 5 { … }`, each in this same transaction.
    tx.commit()?;
    Ok(())
}

fn body_hash(json: &str) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, json.as_bytes()))
}

fn corrupt(key: &str, message: impl Into<String>) -> OutboxError {
    OutboxError::Corrupt {
        key: key.to_owned(),
        message: message.into(),
    }
}

fn to_u64(key: &str, what: &str, v: i64) -> Result<u64, OutboxError> {
    u64::try_from(v).map_err(|_| corrupt(key, format!("{what} {v} is negative")))
}

fn to_u32(key: &str, what: &str, v: i64) -> Result<u32, OutboxError> {
    u32::try_from(v).map_err(|_| corrupt(key, format!("{what} {v} is out of range")))
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// A row as stored (raw column values).
type RawRow = (
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    (i64, i64, i64),
);

fn raw_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
        r.get(11)?,
        r.get(12)?,
        r.get(13)?,
        (r.get(14)?, r.get(15)?, r.get(16)?),
    ))
}

fn entry_of(raw: RawRow) -> Result<Entry, OutboxError> {
    let (
        key,
        receipt_json,
        body_hash,
        provider,
        state,
        version,
        attempt,
        tries,
        provider_id,
        due_at,
        deadline,
        fiscal_json,
        last_code,
        last_message,
        (created_at, state_since, updated_at),
    ) = raw;
    let state = State::from_name(&state)
        .ok_or_else(|| corrupt(&key, format!("unknown state {state:?}")))?;
    let fiscal = match fiscal_json {
        Some(j) => Some(
            serde_json::from_str(&j)
                .map_err(|e| corrupt(&key, format!("fiscal attributes JSON: {e}")))?,
        ),
        None => None,
    };
    Ok(Entry {
        version: to_u64(&key, "version", version)?,
        attempt: to_u32(&key, "attempt", attempt)?,
        tries: to_u32(&key, "tries", tries)?,
        receipt_json,
        body_hash,
        provider,
        state,
        provider_id,
        due_at: due_at.map(Timestamp),
        deadline: deadline.map(Timestamp),
        fiscal,
        last_code,
        last_message,
        created_at: Timestamp(created_at),
        state_since: Timestamp(state_since),
        updated_at: Timestamp(updated_at),
        key,
    })
}

fn load(conn: &Connection, key: &str) -> Result<Option<Entry>, OutboxError> {
    let raw = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM entries WHERE key = ?1"),
            [key],
            raw_row,
        )
        .optional()?;
    raw.map(entry_of).transpose()
}

/// What an event changes in an entry.
struct Plan {
    next: Entry,
    reason: EventKind,
    detail: String,
    /// The operator and the reason of an operator action.
    operator: Option<(String, String)>,
}

/// The new entry after `event`, by the state table and the timing rules (shared by every
/// backend): see [`Config`] for the delays.
fn plan(
    cfg: &Config,
    cur: &Entry,
    event: &Event<'_>,
    now: Timestamp,
    lease: Duration,
    jitter: Jitter,
) -> Result<Plan, OutboxError> {
    let to = transition(cur.state, event)?;
    let reason = EventKind::of(event).ok_or(OutboxError::UnknownOutcome)?;
    if let Some((who, why)) = event.operator() {
        check_operator(who, why)?;
    }
    let mut n = cur.clone();
    let same = to == cur.state;
    n.state = to;
    n.version = cur.version.saturating_add(1);
    n.updated_at = now;
    if !same {
        n.state_since = now;
        n.deadline = cfg.deadline(to).map(|d| now.plus(d));
    }
    // `tries` counts consecutive failures and polls, across the sending ⇄ retry_later cycle,
    // so the backoff grows; progress (accepted, done, a new attempt …) starts it again.
    n.tries = match reason {
        EventKind::ClaimedForSend
        | EventKind::LeaseExpired
        | EventKind::NotFound
        | EventKind::Deadline => cur.tries,
        EventKind::RetryLater | EventKind::InDoubt | EventKind::RefusedConfig => {
            cur.tries.saturating_add(1)
        }
        EventKind::Accepted | EventKind::Duplicate | EventKind::Pending if same => {
            cur.tries.saturating_add(1)
        }
        _ => 0,
    };
    let mut detail = String::new();
    let mut after: Option<Duration> = None;
    if let Event::ProviderOutcome(o) = event {
        match o {
            Outcome::Accepted { provider_id, .. } | Outcome::Pending { provider_id } => {
                n.provider_id = Some(provider_id.clone());
                detail = format!("provider_id {provider_id}");
            }
            Outcome::Done {
                provider_id,
                fiscal,
            } => {
                n.provider_id = Some(provider_id.clone());
                n.fiscal = Some(fiscal.clone());
                detail = format!(
                    "provider_id {provider_id}; fn {} fd {} fp {}",
                    fiscal.fn_number, fiscal.fd_number, fiscal.fiscal_sign
                );
            }
            Outcome::Rejected {
                kind,
                code,
                message,
            } => {
                n.last_code = Some(code.clone());
                n.last_message = Some(message.clone());
                detail = format!("{} {code}: {message}", kind.code());
            }
            Outcome::RetryLater {
                after: a,
                code,
                message,
            } => {
                after = *a;
                n.last_code.clone_from(code);
                n.last_message = Some(message.clone());
                detail = match code {
                    Some(c) => format!("{c}: {message}"),
                    None => message.clone(),
                };
            }
            Outcome::InDoubt { reason } => {
                n.last_message = Some(reason.clone());
                detail = reason.clone();
            }
            Outcome::NotFound { message } => {
                n.last_message = Some(message.clone());
                detail = message.clone();
            }
            _ => return Err(OutboxError::UnknownOutcome),
        }
    }
    // Every computed delay is spread by the caller's draw; a provider's Retry-After is only
    // lengthened.
    let pct = cfg.jitter_percent;
    let policy = |d: Duration| jitter.spread(d, pct);
    let told = |d: Duration| jitter.later(d, pct);
    // The n-th consecutive failure waits retry_base · 2^(n-1), unless the provider said.
    let retry = |tries: u32| {
        let d = backoff(cfg.retry_base, cfg.retry_max, tries.saturating_sub(1));
        now.plus(after.map_or_else(|| policy(d), told))
    };
    n.due_at = match to {
        // A resubmit waits like a retry (the register's trouble may last); the n-th attempt
        // waits retry_base · 2^(n-2).
        State::Queued if matches!(event, Event::Resubmit) => Some(now.plus(policy(backoff(
            cfg.retry_base,
            cfg.retry_max,
            cur.attempt.saturating_sub(1),
        )))),
        State::Queued => Some(now),
        State::Sending => Some(now.plus(lease)),
        // An operator put it back: poll at once.
        State::Accepted if matches!(event, Event::OperatorResume { .. }) => Some(now),
        State::Accepted if !same => Some(now.plus(policy(cfg.poll_first))),
        State::Accepted => {
            let poll = backoff(cfg.poll_first, cfg.poll_max, n.tries);
            Some(now.plus(after.map_or_else(|| policy(poll), |a| told(a.max(poll)))))
        }
        // Resolve right away after a failed send; back off while lookups keep failing.
        State::InDoubt if !same => Some(now),
        State::InDoubt | State::RetryLater => Some(retry(n.tries)),
        State::Done
        | State::Rejected
        | State::Stuck
        | State::FailedAtRegister
        | State::Cancelled => None,
    };
    if let Event::Resubmit = event {
        n.attempt = cur.attempt.saturating_add(1);
        n.provider_id = None;
        detail = format!(
            "new document id {} (was {})",
            n.document_id(),
            cur.document_id()
        );
    }
    if let Event::Failover { provider } = event {
        if cur.attempt != 1 {
            return Err(OutboxError::NotAllowed {
                key: cur.key.clone(),
                reason: "failover only before any provider accepted the receipt (attempt 1)",
            });
        }
        if *provider == cur.provider {
            return Err(OutboxError::NotAllowed {
                key: cur.key.clone(),
                reason: "failover to the provider it is already routed to",
            });
        }
        n.provider = (*provider).to_owned();
        n.attempt = cur.attempt.saturating_add(1);
        n.provider_id = None;
        detail = format!(
            "from {} to {provider}; new document id {}",
            cur.provider,
            n.document_id()
        );
    }
    if let Event::Deadline = event {
        detail = format!("in {} since {} ms", cur.state, cur.state_since.0);
    }
    if let Event::IdConflict { detail: d } = event {
        n.last_code = Some(ID_CONFLICT_CODE.to_owned());
        n.last_message = Some((*d).to_owned());
        detail = (*d).to_owned();
    }
    let operator = event
        .operator()
        .map(|(who, why)| (who.trim().to_owned(), why.trim().to_owned()));
    if let Some((who, why)) = &operator {
        let what = match event {
            Event::OperatorRequeue { .. } => {
                // A new attempt: what the provider said about the old document id stays in
                // the audit trail, not on the entry.
                n.attempt = cur.attempt.saturating_add(1);
                n.provider_id = None;
                n.fiscal = None;
                n.last_code = None;
                n.last_message = None;
                format!(
                    "new document id {} (was {})",
                    n.document_id(),
                    cur.document_id()
                )
            }
            Event::OperatorResume { .. } => format!(
                "same document id {}, polled by provider id {}",
                n.document_id(),
                n.provider_id.as_deref().unwrap_or("")
            ),
            Event::OperatorRecheck { .. } => format!(
                "same document id {}, resolved with the provider before any resend",
                n.document_id()
            ),
            _ => format!("document id {} never sent again", n.document_id()),
        };
        detail = format!("by {who}: {why}; {what}");
    }
    Ok(Plan {
        next: n,
        reason,
        detail,
        operator,
    })
}

fn write(conn: &Connection, cur: &Entry, p: &Plan) -> Result<(), OutboxError> {
    let n = &p.next;
    let fiscal_json = match &n.fiscal {
        Some(f) => Some(serde_json::to_string(f).map_err(|e| OutboxError::Database {
            message: format!("fiscal attributes to JSON: {e}"),
        })?),
        None => None,
    };
    let changed = conn.execute(
        "UPDATE entries SET state = ?1, version = ?2, attempt = ?3, tries = ?4, provider_id = ?5,
            due_at = ?6, deadline = ?7, fiscal_json = ?8, last_code = ?9, last_message = ?10,
            state_since = ?11, updated_at = ?12, provider = ?15
         WHERE key = ?13 AND version = ?14",
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
        conn.execute(
            "INSERT INTO audit (key, at, from_state, to_state, reason, detail, attempt, who, note)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                n.key,
                n.updated_at.0,
                cur.state.name(),
                n.state.name(),
                p.reason.name(),
                p.detail,
                n.attempt,
                p.operator.as_ref().map(|o| o.0.as_str()),
                p.operator.as_ref().map(|o| o.1.as_str()),
            ],
        )?;
    }
    route_alarm(conn, n, p.reason)?;
    Ok(())
}

/// Keeps `route_alarms` in step with an answer of the entry's provider: a refusal of the
/// credentials or the configuration raises (or repeats) the route's alarm; an answer that
/// proves they work (the provider took, reported or refused a document) clears it. Transient
/// failures say nothing either way.
fn route_alarm(conn: &Connection, n: &Entry, reason: EventKind) -> Result<(), OutboxError> {
    match reason {
        EventKind::RefusedConfig => {
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
        EventKind::Accepted
        | EventKind::Duplicate
        | EventKind::Pending
        | EventKind::Done
        | EventKind::NotFound
        | EventKind::RejectedRegister
        | EventKind::Rejected
        | EventKind::IdConflict => {
            conn.execute(
                "DELETE FROM route_alarms WHERE route = ?1",
                params![n.provider],
            )?;
        }
        _ => {}
    }
    Ok(())
}

/// Whether the journal has the table of schema v3 (a v2 file opened read-only has not).
fn has_route_alarms(conn: &Connection) -> Result<bool, OutboxError> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'route_alarms')",
        [],
        |r| r.get(0),
    )?)
}

/// The audit trail of a key, oldest first.
fn audit_of(conn: &Connection, key: &str) -> Result<Vec<AuditRecord>, OutboxError> {
    // A version-3 journal opened read-only has no operator columns.
    let operator_columns = if has_operator_columns(conn)? {
        "who, note"
    } else {
        "NULL, NULL"
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT seq, key, at, from_state, to_state, reason, detail, attempt, {operator_columns}
         FROM audit WHERE key = ?1 ORDER BY seq"
    ))?;
    let rows = stmt.query_map([key], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, String>(6)?,
            r.get::<_, i64>(7)?,
            (
                r.get::<_, Option<String>>(8)?,
                r.get::<_, Option<String>>(9)?,
            ),
        ))
    })?;
    let mut out = Vec::new();
    for r in rows {
        let (seq, k, at, from, to, reason, detail, attempt, (who, note)) = r?;
        let from = match from {
            Some(f) => Some(
                State::from_name(&f)
                    .ok_or_else(|| corrupt(&k, format!("audit: unknown state {f:?}")))?,
            ),
            None => None,
        };
        let to = State::from_name(&to)
            .ok_or_else(|| corrupt(&k, format!("audit: unknown state {to:?}")))?;
        out.push(AuditRecord {
            seq,
            at: Timestamp(at),
            from,
            to,
            reason,
            detail,
            attempt: to_u32(&k, "attempt", attempt)?,
            who,
            note,
            key: k,
        });
    }
    Ok(out)
}

/// Whether the audit table has the columns of schema v4 (`who`, `note`).
fn has_operator_columns(conn: &Connection) -> Result<bool, OutboxError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) = 2 FROM pragma_table_info('audit') WHERE name IN ('who', 'note')",
        [],
        |r| r.get(0),
    )?)
}

/// Extends the lease of an entry that keeps its state (accepted to poll, in_doubt to resolve).
fn lease(
    conn: &Connection,
    cur: &Entry,
    now: Timestamp,
    lease: Duration,
) -> Result<Entry, OutboxError> {
    let mut n = cur.clone();
    n.version = cur.version.saturating_add(1);
    n.due_at = Some(now.plus(lease));
    n.updated_at = now;
    let changed = conn.execute(
        "UPDATE entries SET version = ?1, due_at = ?2, updated_at = ?3 WHERE key = ?4 AND version = ?5",
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
    let deadline = cfg.deadline(State::Queued).map(|d| now.plus(d));
    tx.execute(
        &format!(
            "INSERT INTO entries ({COLUMNS}) VALUES
             (?1, ?2, ?3, ?4, 'queued', 1, 1, 0, NULL, ?5, ?6, NULL, NULL, NULL, ?5, ?5, ?5)"
        ),
        params![
            new.key,
            json,
            hash,
            new.provider,
            now.0,
            deadline.map(|t| t.0)
        ],
    )?;
    tx.execute(
        "INSERT INTO audit (key, at, from_state, to_state, reason, detail, attempt)
         VALUES (?1, ?2, NULL, 'queued', 'enqueued', ?3, 1)",
        params![new.key, now.0, format!("provider {}", new.provider)],
    )?;
    let entry = load(tx, new.key)?.ok_or_else(|| corrupt(new.key, "vanished after insert"))?;
    Ok(Enqueued {
        entry,
        created: true,
    })
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
        let cur = load(&tx, key)?.ok_or_else(|| OutboxError::NotFound {
            key: key.to_owned(),
        })?;
        if cur.version != expected_version {
            return Err(OutboxError::Conflict {
                key: key.to_owned(),
                expected: expected_version,
                found: cur.version,
            });
        }
        // An operator event must be the one the entry's history allows (a new document id from
        // stuck only where no provider can hold the old one): checked here, in the transaction,
        // whoever calls.
        transition(cur.state, event)?;
        if let Some(kind) = EventKind::of(event).filter(|k| k.is_operator()) {
            let action = kind.operator_action().ok_or(OutboxError::UnknownOutcome)?;
            let trail = audit_of(&tx, key)?;
            let allowed = operator_event(action, &cur, &trail, "-", "-")?;
            if EventKind::of(&allowed) != Some(kind) {
                return Err(OutboxError::NotAllowed {
                    key: key.to_owned(),
                    reason: "this operator event does not fit the entry's history (a new \
                             document id only where no provider can hold the old one)",
                });
            }
        }
        let p = plan(
            &self.config,
            &cur,
            event,
            now,
            self.config.default_lease,
            jitter,
        )?;
        write(&tx, &cur, &p)?;
        tx.commit()?;
        Ok(p.next)
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
            let mut stmt = tx.prepare(&format!(
                "SELECT {COLUMNS} FROM entries
                 WHERE due_at IS NOT NULL AND due_at <= ?1
                 ORDER BY due_at, id LIMIT ?2"
            ))?;
            let rows = stmt.query_map(params![now.0, limit_i64(limit)], raw_row)?;
            let mut v = Vec::new();
            for r in rows {
                v.push(entry_of(r?)?);
            }
            v
        };
        let mut out = Vec::with_capacity(due.len());
        for cur in due {
            let claimed = match cur.state {
                // Cannot happen while the invariant above holds; never lease a final entry.
                st if !CLAIMABLE.contains(&st) => continue,
                State::Queued | State::RetryLater => {
                    let p = plan(
                        &self.config,
                        &cur,
                        &Event::ClaimedForSend,
                        now,
                        lease_for,
                        Jitter::NONE,
                    )?;
                    write(&tx, &cur, &p)?;
                    p.next
                }
                State::Sending => {
                    let p = plan(
                        &self.config,
                        &cur,
                        &Event::LeaseExpired,
                        now,
                        lease_for,
                        Jitter::NONE,
                    )?;
                    write(&tx, &cur, &p)?;
                    lease(&tx, &p.next, now, lease_for)?
                }
                _ => lease(&tx, &cur, now, lease_for)?,
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
        let rows = stmt.query_map(params![from.0, to.0, limit_i64(limit)], raw_row)?;
        let mut v = Vec::new();
        for r in rows {
            v.push(entry_of(r?)?);
        }
        Ok(v)
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
        let rows = stmt.query_map(
            params![state.name(), from.0, to.0, limit_i64(limit)],
            raw_row,
        )?;
        let mut v = Vec::new();
        for r in rows {
            v.push(entry_of(r?)?);
        }
        Ok(v)
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
                let rows = stmt.query_map(params![now.0, BATCH], raw_row)?;
                let mut v = Vec::new();
                for r in rows {
                    v.push(entry_of(r?)?);
                }
                v
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
        let rows = stmt.query_map(params![state.name(), limit_i64(limit)], raw_row)?;
        let mut v = Vec::new();
        for r in rows {
            v.push(entry_of(r?)?);
        }
        Ok(v)
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
