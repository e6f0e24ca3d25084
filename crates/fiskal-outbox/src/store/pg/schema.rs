//! The PostgreSQL journal's schema: the DDL of each version and the migrations, applied at
//! [`PgStore::open`](super::PgStore::open) in one transaction under an advisory lock (two
//! workers starting together do not race), in the store's own schema (namespace).

use super::rows::pg_error;
use crate::error::OutboxError;
use tokio_postgres::{Client, GenericClient};

/// The schema version this build writes in PostgreSQL (its own numbering; the SQLite file has
/// [`SCHEMA_VERSION`](crate::store::SCHEMA_VERSION)).
pub const PG_SCHEMA_VERSION: i64 = 1;

/// v1. The same entries and audit trail as the SQLite journal (times in ms since 1970 UTC,
/// written from the caller's `now`), plus the lease of a claimed entry: its holder
/// (`lease_owner`, the store's [`PgConfig::owner`](super::PgConfig::owner)) and `lease_epoch`,
/// raised by every claim (the fencing token). The audit trail is append-only in the database:
/// a trigger refuses every UPDATE, DELETE and TRUNCATE, whoever sends it.
const SCHEMA_V1: &str = "
CREATE TABLE {s}.entries (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key           TEXT    NOT NULL UNIQUE,
    receipt_json  TEXT    NOT NULL,
    body_hash     TEXT    NOT NULL,
    provider      TEXT    NOT NULL,
    state         TEXT    NOT NULL,
    version       BIGINT  NOT NULL,
    attempt       BIGINT  NOT NULL,
    tries         BIGINT  NOT NULL,
    provider_id   TEXT,
    due_at        BIGINT,
    deadline      BIGINT,
    fiscal_json   TEXT,
    last_code     TEXT,
    last_message  TEXT,
    created_at    BIGINT  NOT NULL,
    state_since   BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL,
    lease_owner   TEXT,
    lease_epoch   BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX entries_due ON {s}.entries (due_at, id) WHERE due_at IS NOT NULL;
CREATE INDEX entries_state ON {s}.entries (state, state_since, id);
CREATE INDEX entries_deadline ON {s}.entries (deadline, id) WHERE deadline IS NOT NULL;
CREATE TABLE {s}.audit (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key          TEXT    NOT NULL,
    at           BIGINT  NOT NULL,
    from_state   TEXT,
    to_state     TEXT    NOT NULL,
    reason       TEXT    NOT NULL,
    detail       TEXT    NOT NULL,
    attempt      BIGINT  NOT NULL,
    who          TEXT,
    note         TEXT,
    lease_owner  TEXT,
    lease_epoch  BIGINT
);
CREATE INDEX audit_key ON {s}.audit (key, seq);
CREATE INDEX audit_at ON {s}.audit (at);
CREATE TABLE {s}.route_alarms (
    route     TEXT    PRIMARY KEY,
    since     BIGINT  NOT NULL,
    at        BIGINT  NOT NULL,
    code      TEXT,
    message   TEXT    NOT NULL,
    failures  BIGINT  NOT NULL
);
CREATE FUNCTION {s}.audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only' USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON {s}.audit
    FOR EACH ROW EXECUTE FUNCTION {s}.audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON {s}.audit
    FOR EACH STATEMENT EXECUTE FUNCTION {s}.audit_append_only();
";

/// The highest migration applied (0: no journal in this schema yet).
async fn version(c: &impl GenericClient, s: &str) -> Result<i64, OutboxError> {
    let has: bool = c
        .query_one(
            "SELECT to_regclass($1) IS NOT NULL",
            &[&format!("{s}.schema_version")],
        )
        .await
        .map_err(|e| pg_error(&e))?
        .try_get(0)
        .map_err(|e| pg_error(&e))?;
    if !has {
        return Ok(0);
    }
    let v: Option<i64> = c
        .query_one(&format!("SELECT MAX(version) FROM {s}.schema_version"), &[])
        .await
        .map_err(|e| pg_error(&e))?
        .try_get(0)
        .map_err(|e| pg_error(&e))?;
    Ok(v.unwrap_or(0))
}

/// Creates the schema or brings it up to [`PG_SCHEMA_VERSION`]. Reads the version first
/// without writing (a current journal opens on a read-only replica too, and then refuses
/// writes with [`OutboxError::ReadOnly`]); migrates in one transaction holding a transaction
/// advisory lock keyed by the schema name, re-reading the version under it. A journal newer
/// than this build is [`OutboxError::SchemaTooNew`].
pub(super) async fn migrate(c: &mut Client, s: &str) -> Result<(), OutboxError> {
    let v = version(c, s).await?;
    if v > PG_SCHEMA_VERSION {
        return Err(OutboxError::SchemaTooNew {
            found: v,
            supported: PG_SCHEMA_VERSION,
        });
    }
    if v == PG_SCHEMA_VERSION {
        return Ok(());
    }
    let tx = c.transaction().await.map_err(|e| pg_error(&e))?;
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
        &[&format!("fiskal-outbox migrate {s}")],
    )
    .await
    .map_err(|e| pg_error(&e))?;
    tx.batch_execute(&format!(
        "CREATE SCHEMA IF NOT EXISTS {s};
         CREATE TABLE IF NOT EXISTS {s}.schema_version (
             version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
    ))
    .await
    .map_err(|e| pg_error(&e))?;
    // Under the lock: another worker may have migrated meanwhile.
    let v = version(&tx, s).await?;
    if v > PG_SCHEMA_VERSION {
        return Err(OutboxError::SchemaTooNew {
            found: v,
            supported: PG_SCHEMA_VERSION,
        });
    }
    if v < 1 {
        tx.batch_execute(&SCHEMA_V1.replace("{s}", s))
            .await
            .map_err(|e| pg_error(&e))?;
        tx.execute(
            &format!("INSERT INTO {s}.schema_version (version) VALUES (1)"),
            &[],
        )
        .await
        .map_err(|e| pg_error(&e))?;
    }
    // Later versions: `if v < 2 { … }`, each in this same transaction.
    tx.commit().await.map_err(|e| pg_error(&e))?;
    Ok(())
}
