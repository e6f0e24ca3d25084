//! # fiskal-outbox
//!
//! The durable outbox of fiskal receipts: every receipt is stored (committed and synced) under
//! the caller's idempotency key before anything is sent, and every step it takes afterwards is a
//! transition of one state machine, written with an audit trail.
//!
//! * [`state`]: the states, the events and the one table of allowed transitions.
//! * [`store`]: the [`Store`] trait and [`SqliteStore`] (embedded, WAL, `synchronous=FULL`),
//!   and with the feature `postgres` `PgStore` (one journal for workers on many machines);
//!   the contracts (durability, idempotent enqueue, document id `key-attempt`, optimistic
//!   concurrency, leases) are in its module docs.
//! * [`Outbox`]: the journal, routes and worker behind one handle, configured by
//!   [`OutboxSettings`] (JSON / TOML); what the C ABI, the bindings and the CLI hold. Its
//!   journal ([`JournalStore`]) is an SQLite file or, with the feature `postgres`, a
//!   `postgres://` URL ([`PostgresSettings`] for the password and the pool).
//! * [`reconcile`]: the journal's done entries compared with the providers.
//! * [`OutboxError`]: the one error type.
//! * [`worker`]: the [`Worker`] that claims due entries, submits, polls and resolves in-doubt
//!   sends per provider, with routes, poll limits, failover and graceful shutdown.
#![forbid(unsafe_code)]

mod error;
mod outbox;
pub mod reconcile;
pub mod settings;
pub mod state;
pub mod store;
pub mod worker;

pub use error::OutboxError;
pub use outbox::{is_postgres_url, JournalStore, Observer, Outbox};
pub use reconcile::{Finding, Reconciliation};
pub use settings::{OutboxSettings, PostgresSettings};
pub use state::{transition, Event, EventKind, OperatorAction, State, TRANSITIONS};
pub use store::{
    document_id, Attention, AuditRecord, Change, Config, Enqueued, Entry, Jitter, NewEntry,
    RouteAlarm, SqliteStore, StateStats, Store, Timestamp, WindowMetrics, ID_CONFLICT_CODE,
};
#[cfg(feature = "postgres")]
pub use store::{PgConfig, PgStore};
pub use worker::{Route, Worker, WorkerConfig, WorkerCounters};
