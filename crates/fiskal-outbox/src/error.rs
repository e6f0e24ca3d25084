//! The one error type of the outbox.

/// Everything that can go wrong in the outbox. When an operation returns an error, nothing it
/// was asked to store is acknowledged: either the whole transaction committed (and was synced)
/// or none of it did.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum OutboxError {
    /// The idempotency key is empty, too long, or has characters a provider may refuse in a
    /// document id.
    #[error("invalid key {key:?}: {reason}")]
    InvalidKey {
        /// The key as given.
        key: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The key is already in the journal with a different receipt: an idempotency key names one
    /// receipt for ever.
    #[error("key {key:?} is already enqueued with a different receipt")]
    KeyConflict {
        /// The key.
        key: String,
    },
    /// No entry has this key.
    #[error("no entry with key {key:?}")]
    NotFound {
        /// The key.
        key: String,
    },
    /// The state table does not allow this event in this state.
    #[error("event {event} is not allowed in state {from}")]
    InvalidTransition {
        /// The entry's state.
        from: &'static str,
        /// The event kind.
        event: &'static str,
    },
    /// The state table allows the event, but not for this entry (e.g. a failover after a
    /// provider accepted an earlier attempt).
    #[error("entry {key:?}: {reason}")]
    NotAllowed {
        /// The key.
        key: String,
        /// Why.
        reason: &'static str,
    },
    /// An operator action (requeue, cancel) that the entry's state does not allow: `why` says
    /// what to do instead (e.g. for `accepted`: "the provider may fiscalise it; issue a refund
    /// receipt instead"). Nothing was changed.
    #[error("cannot {action} entry {key:?} in state {state}: {why}")]
    ActionNotAllowed {
        /// The key.
        key: String,
        /// The action asked for: `requeue` or `cancel`.
        action: &'static str,
        /// The entry's state (stored name).
        state: &'static str,
        /// Why not, and what to do instead.
        why: &'static str,
    },
    /// An argument of an operation is missing or malformed (an operator action's `who` or
    /// `reason`). Nothing was changed.
    #[error("invalid {field}: {problem}")]
    InvalidArgument {
        /// The argument (`who`, `reason`).
        field: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The fiscal attributes an operator entered by hand to resolve a `stuck` entry
    /// ([`Outbox::resolve`](crate::Outbox::resolve)) are malformed or are not this receipt's
    /// (another total or operation: both values are named). Nothing was changed.
    #[error("invalid {field}: {problem}")]
    InvalidFiscal {
        /// The attribute's path: `fiscal.fn_number`, `fiscal.fd_number`, `fiscal.fiscal_sign`,
        /// `fiscal.total`, `fiscal.operation`.
        field: &'static str,
        /// What is wrong with it, in English (with both values for a mismatch).
        problem: String,
        /// The same in Russian.
        problem_ru: String,
    },
    /// The receipt breaks FFD rules: nothing was stored (a provider would refuse it).
    #[error("invalid receipt: {message}")]
    InvalidReceipt {
        /// Every violation, with its JSON path and code.
        violations: Vec<fiskal_ffd::Violation>,
        /// The violations as one line.
        message: String,
    },
    /// No route (provider) of this name is configured.
    #[error("no provider route named {name:?}")]
    UnknownRoute {
        /// The routing name.
        name: String,
    },
    /// The worker or store configuration is inconsistent (or the worker's thread or runtime
    /// cannot be started).
    #[error("invalid outbox configuration: {}{message}", field.as_deref().map(|f| format!("{f}: ")).unwrap_or_default())]
    InvalidConfig {
        /// The settings path at fault (`worker.lease_ms`, `routes.atol.provider.password`),
        /// when there is one.
        field: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// A provider outcome this version of the outbox does not know (the enum is
    /// non-exhaustive): the entry is left as it was.
    #[error("provider outcome not known to this version of the outbox")]
    UnknownOutcome,
    /// Someone else moved the entry first (optimistic concurrency): re-read it and decide again.
    #[error("entry {key:?} changed concurrently: expected version {expected}, found {found}")]
    Conflict {
        /// The key.
        key: String,
        /// The version the caller read.
        expected: u64,
        /// The version in the journal.
        found: u64,
    },
    /// The database or its directory cannot be written (read-only file, directory or file
    /// system, or a store opened read-only). Nothing was stored.
    #[error("outbox database is read-only: {message}")]
    ReadOnly {
        /// What SQLite said.
        message: String,
    },
    /// The disk (or the database's size limit) is full. Nothing was stored.
    #[error("outbox disk is full: {message}")]
    DiskFull {
        /// What SQLite said.
        message: String,
    },
    /// The database file cannot be opened or created (missing directory, permissions).
    #[error("cannot open outbox database {path}: {message}")]
    Open {
        /// The path given.
        path: String,
        /// What SQLite said.
        message: String,
    },
    /// Another connection held the database locked for longer than the busy timeout.
    #[error("outbox database is busy: {message}")]
    Busy {
        /// What SQLite said.
        message: String,
    },
    /// The database was written by a newer version of this crate.
    #[error("outbox schema version {found} is newer than this build supports ({supported})")]
    SchemaTooNew {
        /// The version in the file.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// A stored row cannot be read back (unknown state name, bad JSON): the file was changed
    /// outside the outbox or is damaged.
    #[error("corrupt outbox row {key:?}: {message}")]
    Corrupt {
        /// The key of the row, when known.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// Any other database error.
    #[error("outbox database error: {message}")]
    Database {
        /// What the database said.
        message: String,
    },
    /// A lock inside the store was poisoned by a panicking thread.
    #[error("outbox store lock poisoned")]
    Poisoned,
    /// The database server cannot be reached or refuses connections (down, restarting, too
    /// many connections, in recovery): nothing was done. The store reconnects with backoff;
    /// retry later.
    #[error("outbox database unavailable: {message}")]
    Unavailable {
        /// What the connection attempt or the server said (never the password).
        message: String,
    },
    /// The connection to the database server was lost during the operation: the server rolled
    /// its transaction back, so nothing of it was stored, unless the loss came while the commit
    /// itself was in flight, when the operation may have committed. Every operation is safe to
    /// repeat (enqueue is idempotent, a repeated `apply` is a [`OutboxError::Conflict`]).
    #[error("outbox database connection lost: {message}")]
    ConnectionLost {
        /// What the client library said.
        message: String,
    },
}

impl OutboxError {
    /// Stable snake_case code (for logs, metrics and the C ABI).
    pub fn code(&self) -> &'static str {
        match self {
            OutboxError::InvalidKey { .. } => "invalid_key",
            OutboxError::KeyConflict { .. } => "key_conflict",
            OutboxError::NotFound { .. } => "not_found",
            OutboxError::InvalidTransition { .. } => "invalid_transition",
            OutboxError::NotAllowed { .. } => "not_allowed",
            OutboxError::ActionNotAllowed { .. } => "action_not_allowed",
            OutboxError::InvalidArgument { .. } | OutboxError::InvalidFiscal { .. } => {
                "invalid_argument"
            }
            OutboxError::UnknownRoute { .. } => "unknown_route",
            OutboxError::InvalidReceipt { .. } => "invalid_receipt",
            OutboxError::InvalidConfig { .. } => "invalid_config",
            OutboxError::UnknownOutcome => "unknown_outcome",
            OutboxError::Conflict { .. } => "conflict",
            OutboxError::ReadOnly { .. } => "read_only",
            OutboxError::DiskFull { .. } => "disk_full",
            OutboxError::Open { .. } => "open",
            OutboxError::Busy { .. } => "busy",
            OutboxError::SchemaTooNew { .. } => "schema_too_new",
            OutboxError::Corrupt { .. } => "corrupt",
            OutboxError::Database { .. } => "database",
            OutboxError::Poisoned => "poisoned",
            OutboxError::Unavailable { .. } => "unavailable",
            OutboxError::ConnectionLost { .. } => "connection_lost",
        }
    }

    /// Whether this is the storage failing (read-only, full, busy, unreachable, a database
    /// error) rather than a refusal of one request (stale version, unknown key, an event the
    /// state table refuses …). In a [`Store::commit_batch`](crate::Store::commit_batch) the
    /// first fails the whole batch, the second only its change.
    pub fn is_storage_failure(&self) -> bool {
        matches!(
            self,
            OutboxError::ReadOnly { .. }
                | OutboxError::DiskFull { .. }
                | OutboxError::Open { .. }
                | OutboxError::Busy { .. }
                | OutboxError::SchemaTooNew { .. }
                | OutboxError::Database { .. }
                | OutboxError::Poisoned
                | OutboxError::Unavailable { .. }
                | OutboxError::ConnectionLost { .. }
        )
    }
}

impl From<rusqlite::Error> for OutboxError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        let message = e.to_string();
        match e.sqlite_error_code() {
            Some(ErrorCode::ReadOnly) => OutboxError::ReadOnly { message },
            Some(ErrorCode::DiskFull) => OutboxError::DiskFull { message },
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                OutboxError::Busy { message }
            }
            Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => OutboxError::Open {
                path: String::new(),
                message,
            },
            _ => OutboxError::Database { message },
        }
    }
}
