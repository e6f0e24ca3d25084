//! Rows of the PostgreSQL journal (a row to an [`Entry`], checked: a value out of range is
//! [`OutboxError::Corrupt`], never a panic) and the errors of the client mapped to
//! [`OutboxError`] by SQLSTATE.

use crate::error::OutboxError;
use crate::state::State;
use crate::store::{AuditRecord, Entry, Timestamp};
use tokio_postgres::error::SqlState;
use tokio_postgres::Row;

/// The columns of an [`Entry`], then the lease (`lease_owner`, `lease_epoch`).
pub(super) const COLUMNS: &str =
    "key, receipt_json, body_hash, provider, state, version, attempt, tries, \
     provider_id, due_at, deadline, fiscal_json, last_code, last_message, created_at, \
     state_since, updated_at, lease_owner, lease_epoch";

/// An entry with the lease it is under.
#[derive(Debug, Clone)]
pub(super) struct Leased {
    pub(super) entry: Entry,
    pub(super) owner: Option<String>,
    pub(super) epoch: i64,
}

pub(super) fn corrupt(key: &str, message: impl Into<String>) -> OutboxError {
    OutboxError::Corrupt {
        key: key.to_owned(),
        message: message.into(),
    }
}

fn to_u64(key: &str, what: &str, v: i64) -> Result<u64, OutboxError> {
    u64::try_from(v).map_err(|_| corrupt(key, format!("{what} {v} is negative")))
}

pub(super) fn to_u32(key: &str, what: &str, v: i64) -> Result<u32, OutboxError> {
    u32::try_from(v).map_err(|_| corrupt(key, format!("{what} {v} is out of range")))
}

pub(super) fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

pub(super) fn count(key: &str, v: i64) -> Result<u64, OutboxError> {
    to_u64(key, "count", v)
}

/// Reads a column, a wrong type being [`OutboxError::Corrupt`].
pub(super) fn col<'a, T: tokio_postgres::types::FromSql<'a>>(
    r: &'a Row,
    i: usize,
) -> Result<T, OutboxError> {
    r.try_get(i)
        .map_err(|e| corrupt("", format!("column {i}: {e}")))
}

/// A row of [`COLUMNS`].
pub(super) fn leased_of(r: &Row) -> Result<Leased, OutboxError> {
    let key: String = col(r, 0)?;
    let state: String = col(r, 4)?;
    let state = State::from_name(&state)
        .ok_or_else(|| corrupt(&key, format!("unknown state {state:?}")))?;
    let fiscal = match col::<Option<String>>(r, 11)? {
        Some(j) => Some(
            serde_json::from_str(&j)
                .map_err(|e| corrupt(&key, format!("fiscal attributes JSON: {e}")))?,
        ),
        None => None,
    };
    let entry = Entry {
        receipt_json: col(r, 1)?,
        body_hash: col(r, 2)?,
        provider: col(r, 3)?,
        state,
        version: to_u64(&key, "version", col(r, 5)?)?,
        attempt: to_u32(&key, "attempt", col(r, 6)?)?,
        tries: to_u32(&key, "tries", col(r, 7)?)?,
        provider_id: col(r, 8)?,
        due_at: col::<Option<i64>>(r, 9)?.map(Timestamp),
        deadline: col::<Option<i64>>(r, 10)?.map(Timestamp),
        fiscal,
        last_code: col(r, 12)?,
        last_message: col(r, 13)?,
        created_at: Timestamp(col(r, 14)?),
        state_since: Timestamp(col(r, 15)?),
        updated_at: Timestamp(col(r, 16)?),
        key,
    };
    Ok(Leased {
        entry,
        owner: col(r, 17)?,
        epoch: col(r, 18)?,
    })
}

/// Rows of [`COLUMNS`] as entries.
pub(super) fn entries_of(rows: &[Row]) -> Result<Vec<Entry>, OutboxError> {
    rows.iter().map(|r| leased_of(r).map(|l| l.entry)).collect()
}

/// The audit columns read by [`audit_of`].
pub(super) const AUDIT_COLUMNS: &str =
    "seq, key, at, from_state, to_state, reason, detail, attempt, who, note";

/// A row of [`AUDIT_COLUMNS`].
pub(super) fn audit_of(r: &Row) -> Result<AuditRecord, OutboxError> {
    let key: String = col(r, 1)?;
    let state = |name: String| {
        State::from_name(&name)
            .ok_or_else(|| corrupt(&key, format!("audit: unknown state {name:?}")))
    };
    let from = match col::<Option<String>>(r, 3)? {
        Some(f) => Some(state(f)?),
        None => None,
    };
    let to = state(col(r, 4)?)?;
    Ok(AuditRecord {
        seq: col(r, 0)?,
        at: Timestamp(col(r, 2)?),
        from,
        to,
        reason: col(r, 5)?,
        detail: col(r, 6)?,
        attempt: to_u32(&key, "attempt", col(r, 7)?)?,
        who: col(r, 8)?,
        note: col(r, 9)?,
        key,
    })
}

/// What an SQLSTATE means for the outbox (`None`: a plain [`OutboxError::Database`]).
///
/// SQLSTATE classes: PostgreSQL documentation, Appendix A "PostgreSQL Error Codes",
/// <https://www.postgresql.org/docs/current/errcodes-appendix.html>.
pub(super) fn sqlstate_error(code: &SqlState, message: String) -> OutboxError {
    let c = code.code();
    if *code == SqlState::READ_ONLY_SQL_TRANSACTION {
        // 25006: a hot standby (read-only replica), or default_transaction_read_only.
        OutboxError::ReadOnly { message }
    } else if *code == SqlState::DISK_FULL {
        // 53100
        OutboxError::DiskFull { message }
    } else if *code == SqlState::TOO_MANY_CONNECTIONS
        || *code == SqlState::CANNOT_CONNECT_NOW
        || c.starts_with("08")
    {
        // 53300, 57P03 (starting up, shutting down, in recovery), class 08 (connection
        // exception): the server cannot take us now.
        OutboxError::Unavailable { message }
    } else if *code == SqlState::ADMIN_SHUTDOWN || *code == SqlState::CRASH_SHUTDOWN {
        // 57P01 / 57P02: the server ended our session mid-operation.
        OutboxError::ConnectionLost { message }
    } else if *code == SqlState::T_R_SERIALIZATION_FAILURE
        || *code == SqlState::T_R_DEADLOCK_DETECTED
        || *code == SqlState::LOCK_NOT_AVAILABLE
        || *code == SqlState::QUERY_CANCELED
    {
        // 40001, 40P01, 55P03, 57014 (statement_timeout, lock_timeout): try again.
        OutboxError::Busy { message }
    } else if c.starts_with("28") || *code == SqlState::INVALID_CATALOG_NAME {
        // 28xxx (wrong user or password), 3D000 (no such database).
        OutboxError::Open {
            path: String::new(),
            message,
        }
    } else {
        OutboxError::Database { message }
    }
}

/// The error of a statement or a transaction. The client's messages carry the server's words
/// and never the connection string or the password.
pub(super) fn pg_error(e: &tokio_postgres::Error) -> OutboxError {
    let message = match e.as_db_error() {
        Some(db) => format!(
            "{}: {} (SQLSTATE {})",
            db.severity(),
            db.message(),
            db.code().code()
        ),
        None => e.to_string(),
    };
    if let Some(code) = e.code() {
        return sqlstate_error(code, message);
    }
    if e.is_closed() {
        return OutboxError::ConnectionLost { message };
    }
    let io = std::error::Error::source(e).and_then(|s| s.downcast_ref::<std::io::Error>());
    match io.map(std::io::Error::kind) {
        Some(std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::NotFound) => {
            OutboxError::Unavailable { message }
        }
        Some(_) => OutboxError::ConnectionLost { message },
        None if message.contains("error connecting") || message.contains("timeout") => {
            OutboxError::Unavailable { message }
        }
        None => OutboxError::Database { message },
    }
}

/// The error of taking a connection from the pool: the server cannot be reached or refuses
/// us ([`OutboxError::Unavailable`]), or refuses our credentials or database
/// ([`OutboxError::Open`]).
pub(super) fn connect_error(e: &deadpool_postgres::PoolError) -> OutboxError {
    use deadpool_postgres::PoolError;
    match e {
        PoolError::Backend(e) => match pg_error(e) {
            OutboxError::ConnectionLost { message } | OutboxError::Database { message } => {
                OutboxError::Unavailable { message }
            }
            other => other,
        },
        other => OutboxError::Unavailable {
            message: format!("connection pool: {other}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(c: &str) -> &'static str {
        sqlstate_error(&SqlState::from_code(c), "m".into()).code()
    }

    #[test]
    fn sqlstates_map_to_typed_errors() {
        assert_eq!(code("25006"), "read_only");
        assert_eq!(code("53100"), "disk_full");
        assert_eq!(code("53300"), "unavailable");
        assert_eq!(code("57P03"), "unavailable");
        assert_eq!(code("08006"), "unavailable");
        assert_eq!(code("57P01"), "connection_lost");
        assert_eq!(code("57P02"), "connection_lost");
        assert_eq!(code("40001"), "busy");
        assert_eq!(code("40P01"), "busy");
        assert_eq!(code("28P01"), "open");
        assert_eq!(code("3D000"), "open");
        assert_eq!(code("23505"), "database");
    }
}
