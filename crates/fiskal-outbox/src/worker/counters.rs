//! The worker's counters: atomics bumped as it goes, read as [`WorkerCounters`].

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters since the worker was built (monotonic; read with
/// [`Worker::counters`](super::Worker::counters)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkerCounters {
    /// Entries claimed.
    pub claimed: u64,
    /// Submits sent (first sends, resends after retry_later, in-doubt resends).
    pub submits: u64,
    /// Status requests (polls and in-doubt lookups).
    pub status_calls: u64,
    /// … of them, polls of an entry this worker kept leased since its accepted answer
    /// ([`WorkerConfig::held_polls`](super::WorkerConfig::held_polls)): no claim in between.
    pub kept_polls: u64,
    /// Entries that reached `done` through this worker.
    pub done: u64,
    /// … of them, those that want attention (negative mark check, warnings, not delivered to
    /// the ОФД: [`Entry::attention`](crate::store::Entry::attention)).
    pub done_with_attention: u64,
    /// Automatic resubmits after register refusals.
    pub resubmits: u64,
    /// Failovers to another route.
    pub failovers: u64,
    /// Answers dropped because the entry had moved on (lease lost).
    pub conflicts: u64,
    /// Store operations that failed (disk full, read-only …); nothing of them was stored.
    pub store_errors: u64,
    /// Entries claimed whose route is not configured (left for their deadline).
    pub unrouted: u64,
}

/// The live counters, one per field of [`WorkerCounters`].
#[derive(Debug, Default)]
pub(super) struct Counters {
    pub(super) claimed: AtomicU64,
    pub(super) submits: AtomicU64,
    pub(super) status_calls: AtomicU64,
    pub(super) kept_polls: AtomicU64,
    pub(super) done: AtomicU64,
    pub(super) done_with_attention: AtomicU64,
    pub(super) resubmits: AtomicU64,
    pub(super) failovers: AtomicU64,
    pub(super) conflicts: AtomicU64,
    pub(super) store_errors: AtomicU64,
    pub(super) unrouted: AtomicU64,
}

/// Counts one.
pub(super) fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}
