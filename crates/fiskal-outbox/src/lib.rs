//! # fiskal-outbox
//!
//! The durable outbox of fiskal receipts: every receipt is stored (committed and synced) under
//! the caller's idempotency key before anything is sent, and every step it takes afterwards is a
//! transition of one state machine, written with an audit trail.
//!
//! * [`state`]: the states, the events and the one table of allowed transitions.
//! * [`store`]: the [`Store`] trait and [`SqliteStore`] (embedded, WAL, `synchronous=FULL`);
//!   the contracts (durability, idempotent enqueue, document id `key-attempt`, optimistic
//!   concurrency, leases) are in its module docs.
//! * [`OutboxError`]: the one error type.
//!
//! The worker (claim, submit, poll, resolve in-doubt sends) comes next and drives a [`Store`]
//! through [`Store::claim_due`] and [`Store::apply`] only.
#![forbid(unsafe_code)]

mod error;
pub mod state;
pub mod store;

pub use error::OutboxError;
pub use state::{transition, Event, EventKind, State, TRANSITIONS};
pub use store::{
    document_id, AuditRecord, Config, Enqueued, Entry, NewEntry, SqliteStore, StateStats, Store,
    Timestamp,
};
