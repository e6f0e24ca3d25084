//! Where a receipt's time goes: optional timing spans of the worker's steps, summed per span
//! ([`Worker::record_timings`](super::Worker::record_timings), read with
//! [`Worker::timings`](super::Worker::timings)). Off by default; when off the worker reads no
//! clock for them and takes no lock (one `Option` check per step).

use crate::store::Timestamp;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A step of an entry's way through the worker, timed when
/// [`Worker::record_timings`](super::Worker::record_timings) asked for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Span {
    /// One claim of the worker's loop ([`Store::claim_due`](crate::Store::claim_due)), from
    /// the call until the claimed entries are in hand: the store's transaction and sync and
    /// the hop to the blocking pool. Items: entries claimed.
    Claim,
    /// From a free slot (a task ended or went to wait for its next poll) until the loop's next
    /// claim starts.
    SlotToClaim,
    /// From the claim's return until the entry's task starts.
    ClaimToStart,
    /// A submit (first send or same-id resend): the provider call.
    Submit,
    /// After a submit: the wait for the group commit of its answer.
    SubmitCommit,
    /// A poll of an accepted entry: from the time it was due (the poll time its last answer
    /// scheduled) until its status request starts: a claim through the journal, or the wake-up
    /// of the task that kept the entry.
    PollLag,
    /// A status request (poll or in-doubt lookup): the route's poll slot and the provider call.
    Status,
    /// After a status request: the wait for the group commit of its answer.
    StatusCommit,
    /// One group commit ([`Store::commit_batch`](crate::Store::commit_batch)), the store call.
    /// Items: changes in the batch.
    Batch,
}

impl Span {
    /// Every span, in the order of an entry's way.
    pub const ALL: [Span; 9] = [
        Span::Claim,
        Span::SlotToClaim,
        Span::ClaimToStart,
        Span::Submit,
        Span::SubmitCommit,
        Span::PollLag,
        Span::Status,
        Span::StatusCommit,
        Span::Batch,
    ];

    /// A short name (`claim`, `submit_commit` …).
    pub fn name(self) -> &'static str {
        match self {
            Span::Claim => "claim",
            Span::SlotToClaim => "slot_to_claim",
            Span::ClaimToStart => "claim_to_start",
            Span::Submit => "submit",
            Span::SubmitCommit => "submit_commit",
            Span::PollLag => "poll_lag",
            Span::Status => "status",
            Span::StatusCommit => "status_commit",
            Span::Batch => "batch",
        }
    }

    fn index(self) -> usize {
        Span::ALL.iter().position(|&s| s == self).unwrap_or(0)
    }
}

/// The sums of one span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SpanStats {
    /// The span.
    pub span: Span,
    /// How many were timed.
    pub count: u64,
    /// Their items (entries per claim, changes per batch; 1 for the others).
    pub items: u64,
    /// Their time, summed.
    pub total: Duration,
    /// The longest.
    pub max: Duration,
}

impl SpanStats {
    /// The mean time (zero when none was timed).
    pub fn mean(&self) -> Duration {
        match u32::try_from(self.count) {
            Ok(0) => Duration::ZERO,
            Ok(n) => self.total / n,
            Err(_) => Duration::from_micros(
                u64::try_from(self.total.as_micros()).unwrap_or(u64::MAX) / self.count,
            ),
        }
    }
}

/// The timing spans recorded so far, one row per [`Span`] in [`Span::ALL`] order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkerTimings {
    /// One row per span.
    pub spans: Vec<SpanStats>,
}

impl WorkerTimings {
    /// The row of a span.
    pub fn get(&self, span: Span) -> SpanStats {
        self.spans
            .iter()
            .find(|s| s.span == span)
            .copied()
            .unwrap_or(SpanStats {
                span,
                count: 0,
                items: 0,
                total: Duration::ZERO,
                max: Duration::ZERO,
            })
    }
}

impl std::fmt::Display for WorkerTimings {
    /// A plain table: span, count, items, mean, max, total (milliseconds).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{:<15} {:>7} {:>7} {:>9} {:>9} {:>10}",
            "span", "count", "items", "mean ms", "max ms", "total ms"
        )?;
        for s in &self.spans {
            writeln!(
                f,
                "{:<15} {:>7} {:>7} {:>9.3} {:>9.3} {:>10.1}",
                s.span.name(),
                s.count,
                s.items,
                s.mean().as_secs_f64() * 1e3,
                s.max.as_secs_f64() * 1e3,
                s.total.as_secs_f64() * 1e3
            )?;
        }
        Ok(())
    }
}

#[derive(Debug, Default)]
struct Acc {
    count: AtomicU64,
    items: AtomicU64,
    total_us: AtomicU64,
    max_us: AtomicU64,
}

/// The live sums (shared by the worker's loop, its tasks and the committer).
#[derive(Debug, Default)]
pub(super) struct Timings {
    acc: [Acc; Span::ALL.len()],
    /// Poll times of accepted entries released to the journal, by key: for [`Span::PollLag`]
    /// when the entry is claimed again.
    poll_due: Mutex<HashMap<String, Timestamp>>,
}

impl Timings {
    /// Adds one `span` that started at `since`, with `items`.
    pub(super) fn add(&self, span: Span, since: Instant, items: u64) {
        self.add_duration(span, since.elapsed(), items);
    }

    /// Adds one `span` of `d`.
    pub(super) fn add_duration(&self, span: Span, d: Duration, items: u64) {
        let a = &self.acc[span.index()];
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        a.count.fetch_add(1, Ordering::Relaxed);
        a.items.fetch_add(items, Ordering::Relaxed);
        a.total_us.fetch_add(us, Ordering::Relaxed);
        a.max_us.fetch_max(us, Ordering::Relaxed);
    }

    /// Notes when a released accepted entry is due for its poll.
    pub(super) fn poll_due(&self, key: &str, at: Timestamp) {
        if let Ok(mut m) = self.poll_due.lock() {
            m.insert(key.to_owned(), at);
        }
    }

    /// The poll time noted for `key` (taken out).
    pub(super) fn take_poll_due(&self, key: &str) -> Option<Timestamp> {
        self.poll_due.lock().ok().and_then(|mut m| m.remove(key))
    }

    pub(super) fn snapshot(&self) -> WorkerTimings {
        WorkerTimings {
            spans: Span::ALL
                .iter()
                .map(|&span| {
                    let a = &self.acc[span.index()];
                    SpanStats {
                        span,
                        count: a.count.load(Ordering::Relaxed),
                        items: a.items.load(Ordering::Relaxed),
                        total: Duration::from_micros(a.total_us.load(Ordering::Relaxed)),
                        max: Duration::from_micros(a.max_us.load(Ordering::Relaxed)),
                    }
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_sum_count_and_keep_the_longest() {
        let t = Timings::default();
        t.add_duration(Span::Claim, Duration::from_millis(2), 5);
        t.add_duration(Span::Claim, Duration::from_millis(4), 3);
        let s = t.snapshot();
        let c = s.get(Span::Claim);
        assert_eq!((c.count, c.items), (2, 8));
        assert_eq!(c.total, Duration::from_millis(6));
        assert_eq!(c.max, Duration::from_millis(4));
        assert_eq!(c.mean(), Duration::from_millis(3));
        assert_eq!(s.get(Span::Batch).count, 0);
        assert_eq!(s.get(Span::Batch).mean(), Duration::ZERO);
        assert!(s.to_string().contains("claim"), "{s}");
        t.poll_due("k", Timestamp(7));
        assert_eq!(t.take_poll_due("k"), Some(Timestamp(7)));
        assert_eq!(t.take_poll_due("k"), None);
    }
}
