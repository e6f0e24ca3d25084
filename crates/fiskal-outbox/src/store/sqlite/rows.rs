//! Rows of the SQLite journal: the column list, a row to an [`Entry`] (checked: a value out of
//! range is [`OutboxError::Corrupt`], never a panic), and the reads of one entry and of its
//! audit trail.

use super::schema::has_operator_columns;
use crate::error::OutboxError;
use crate::state::State;
use crate::store::{AuditRecord, Entry, Timestamp};
use rusqlite::{Connection, OptionalExtension};

pub(super) const COLUMNS: &str =
    "key, receipt_json, body_hash, provider, state, version, attempt, tries, \
     provider_id, due_at, deadline, fiscal_json, last_code, last_message, created_at, \
     state_since, updated_at";

pub(super) fn corrupt(key: &str, message: impl Into<String>) -> OutboxError {
    OutboxError::Corrupt {
        key: key.to_owned(),
        message: message.into(),
    }
}

pub(super) fn to_u64(key: &str, what: &str, v: i64) -> Result<u64, OutboxError> {
    u64::try_from(v).map_err(|_| corrupt(key, format!("{what} {v} is negative")))
}

pub(super) fn to_u32(key: &str, what: &str, v: i64) -> Result<u32, OutboxError> {
    u32::try_from(v).map_err(|_| corrupt(key, format!("{what} {v} is out of range")))
}

pub(super) fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// A row as stored (raw column values).
pub(super) type RawRow = (
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

pub(super) fn raw_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawRow> {
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

pub(super) fn entry_of(raw: RawRow) -> Result<Entry, OutboxError> {
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

/// Runs a query of [`COLUMNS`] and reads every row as an [`Entry`].
pub(super) fn entries(
    stmt: &mut rusqlite::Statement<'_>,
    params: impl rusqlite::Params,
) -> Result<Vec<Entry>, OutboxError> {
    stmt.query_map(params, raw_row)?
        .map(|r| -> Result<Entry, OutboxError> { entry_of(r?) })
        .collect()
}

pub(super) fn load(conn: &Connection, key: &str) -> Result<Option<Entry>, OutboxError> {
    // Cached: the worker loads an entry for every change it writes.
    let raw = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM entries WHERE key = ?1"))?
        .query_row([key], raw_row)
        .optional()?;
    raw.map(entry_of).transpose()
}
/// The audit trail of a key, oldest first.
pub(super) fn audit_of(conn: &Connection, key: &str) -> Result<Vec<AuditRecord>, OutboxError> {
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
