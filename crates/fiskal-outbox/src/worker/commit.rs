//! Group commit of the worker's answers: the state changes that tasks write at about the same
//! time go to the store together, in one [`Store::commit_batch`] (SQLite: one transaction, one
//! sync), instead of one synced commit each.
//!
//! # Invariant
//! **Nothing that depends on a change being durable happens before the commit that holds it
//! has returned.** A task hands its change over and waits; it gets its answer (the entry after
//! the change, or why it was refused) only from the batch's [`Store::commit_batch`], after
//! that returned. So the worker's next step for the entry (observers told "done", counters,
//! a resubmit or failover, the next provider call after the next claim) always follows a
//! durable write; a batch that fails (disk full …) answers every change with the error and
//! nothing of it is acted on. Claims are not batched here: [`Store::claim_due`] already claims
//! many entries in one commit, and a provider is called only for an entry it returned, after
//! that commit, or for an entry a change of this queue keeps leased ([`Change::hold`]), after
//! the commit holding that change.
//!
//! # How
//! No timer and no extra wait: the first change that finds no commit running starts one on
//! the blocking pool; changes arriving while it syncs queue up and form the next batch (up to
//! [`MAX_BATCH`]). Under light load a batch is one change, as before; under heavy load a
//! batch holds what accumulated during one sync. The committer is not a task of its caller:
//! a task aborted at shutdown does not strand the queue (the committer finishes its batch and
//! drains the queue; if the runtime drops it before it ran, the queued changes are answered
//! with an error and nothing is stored).

use super::answer::EventOwned;
use super::timings::{Span, Timings};
use crate::error::OutboxError;
use crate::store::{Change, Entry, Jitter, Store, Timestamp};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// Most changes in one batch.
pub(super) const MAX_BATCH: usize = 256;

/// One change waiting for its batch, and where its answer goes.
struct Pending {
    key: String,
    expected_version: u64,
    event: EventOwned,
    now: Timestamp,
    jitter: Jitter,
    hold: Option<Duration>,
    reply: oneshot::Sender<Result<Entry, OutboxError>>,
}

#[derive(Default)]
struct Queue {
    pending: Vec<Pending>,
    /// A committer is running (it drains `pending` before it stops).
    running: bool,
}

/// The queue of changes waiting for a group commit (one per worker).
#[derive(Default)]
pub(super) struct GroupCommit {
    queue: Mutex<Queue>,
}

fn lock(m: &Mutex<Queue>) -> MutexGuard<'_, Queue> {
    // The queue stays consistent whatever panicked while holding it (pushes and drains only).
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl GroupCommit {
    /// Writes `event` to the entry `key` read at `expected_version` (keeping it leased when
    /// `hold`: [`Change::hold`]), in the next batch; returns once that batch's commit has
    /// returned, with this change's answer. `timings`: where the batch's time goes, if kept.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn apply<S: Store + 'static>(
        self: &Arc<Self>,
        store: &Arc<S>,
        key: String,
        expected_version: u64,
        event: EventOwned,
        now: Timestamp,
        jitter: Jitter,
        hold: Option<Duration>,
        timings: Option<&Arc<Timings>>,
    ) -> Result<Entry, OutboxError> {
        let (reply, answer) = oneshot::channel();
        let start = {
            let mut q = lock(&self.queue);
            q.pending.push(Pending {
                key,
                expected_version,
                event,
                now,
                jitter,
                hold,
                reply,
            });
            !std::mem::replace(&mut q.running, true)
        };
        if start {
            let committer = Committer {
                queue: Arc::clone(self),
                store: Arc::clone(store),
                timings: timings.cloned(),
                finished: false,
            };
            // Not awaited: the committer runs whether or not this task lives on.
            drop(tokio::task::spawn_blocking(move || committer.run()));
        }
        answer.await.unwrap_or_else(|_| {
            Err(OutboxError::Database {
                message: "the group commit stopped before this change was written".into(),
            })
        })
    }
}

/// Drains the queue batch by batch on a blocking thread.
struct Committer<S> {
    queue: Arc<GroupCommit>,
    store: Arc<S>,
    timings: Option<Arc<Timings>>,
    finished: bool,
}

impl<S: Store> Committer<S> {
    fn run(mut self) {
        loop {
            let batch: Vec<Pending> = {
                let mut q = lock(&self.queue.queue);
                if q.pending.is_empty() {
                    // Checked and cleared under the lock: a change pushed after this starts a
                    // new committer.
                    q.running = false;
                    self.finished = true;
                    return;
                }
                let n = q.pending.len().min(MAX_BATCH);
                q.pending.drain(..n).collect()
            };
            let events: Vec<_> = batch.iter().map(|p| p.event.as_event()).collect();
            let changes: Vec<Change<'_>> = batch
                .iter()
                .zip(events)
                .map(|(p, event)| Change {
                    key: &p.key,
                    expected_version: p.expected_version,
                    event,
                    now: p.now,
                    jitter: p.jitter,
                    hold: p.hold,
                })
                .collect();
            let t0 = self.timings.as_ref().map(|_| Instant::now());
            let result = self.store.commit_batch(&changes);
            if let (Some(t), Some(t0)) = (&self.timings, t0) {
                t.add(
                    Span::Batch,
                    t0,
                    u64::try_from(changes.len()).unwrap_or(u64::MAX),
                );
            }
            drop(changes);
            // Only now, the commit having returned, does any task learn its answer.
            match result {
                Ok(answers) if answers.len() == batch.len() => {
                    for (p, a) in batch.into_iter().zip(answers) {
                        // A task gone (aborted at shutdown) leaves its change stored; the
                        // entry is picked up again by a later claim.
                        let _ = p.reply.send(a);
                    }
                }
                Ok(answers) => {
                    let e = OutboxError::Database {
                        message: format!(
                            "commit_batch answered {} changes for a batch of {}",
                            answers.len(),
                            batch.len()
                        ),
                    };
                    for p in batch {
                        let _ = p.reply.send(Err(e.clone()));
                    }
                }
                Err(e) => {
                    for p in batch {
                        let _ = p.reply.send(Err(e.clone()));
                    }
                }
            }
        }
    }
}

impl<S> Drop for Committer<S> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        // Dropped before it ran (the runtime shut down) or it panicked: nothing queued will be
        // written by it. Answer the waiting changes (nothing of them is stored) and let the
        // next change start a new committer.
        let mut q = lock(&self.queue.queue);
        q.running = false;
        for p in q.pending.drain(..) {
            let _ = p.reply.send(Err(OutboxError::Database {
                message: "the group commit stopped before this change was written".into(),
            }));
        }
    }
}
