//! The SQLite journal's schema: the DDL of each version and the migrations, run in one
//! `BEGIN IMMEDIATE` transaction at [`SqliteStore::open`](super::SqliteStore::open).

use crate::error::OutboxError;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 4;

const SCHEMA_V2: &str = "CREATE INDEX audit_at ON audit(at);";

/// v3: per route, the refusal of our credentials or configuration not yet followed by a
/// success (see [`RouteAlarm`](crate::store::RouteAlarm)). A row exists exactly while the route is unhealthy.
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

/// The highest migration applied to the file (0 for a new file).
pub(super) fn schema_version(conn: &Connection) -> Result<i64, OutboxError> {
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

/// Creates the schema of a new file or brings an older one up to [`SCHEMA_VERSION`], in one
/// transaction; a file newer than this build is [`OutboxError::SchemaTooNew`].
pub(super) fn migrate(conn: &mut Connection) -> Result<(), OutboxError> {
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

/// Whether the journal has the table of schema v3 (a v2 file opened read-only has not).
pub(super) fn has_route_alarms(conn: &Connection) -> Result<bool, OutboxError> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'route_alarms')",
        [],
        |r| r.get(0),
    )?)
}

/// Whether the audit table has the columns of schema v4 (`who`, `note`).
pub(super) fn has_operator_columns(conn: &Connection) -> Result<bool, OutboxError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) = 2 FROM pragma_table_info('audit') WHERE name IN ('who', 'note')",
        [],
        |r| r.get(0),
    )?)
}
