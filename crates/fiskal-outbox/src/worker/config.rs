//! [`WorkerConfig`]: how the worker runs (concurrency, lease, timeouts, resubmits).

use std::time::Duration;

/// How the worker runs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Provider calls in flight at once: an entry takes a slot for its call and gives it back
    /// when the call returns (its answer's commit and the wait for a kept entry's poll time
    /// take none). Default 16.
    pub concurrency: usize,
    /// Lease of a claimed entry: if this worker has not written an answer by then, another
    /// claim treats it as dead (sending → in_doubt). Must exceed [`Self::call_timeout`].
    /// Default 60 s.
    pub lease: Duration,
    /// Longest wait for one provider call; a submit without an answer by then is in doubt, a
    /// status call is retried later. Default 30 s.
    pub call_timeout: Duration,
    /// Longest sleep when nothing is due (entries enqueued by other processes are seen within
    /// this). Default 1 s. [`Worker::wake`](super::Worker::wake) cuts it short in-process.
    pub idle_wait: Duration,
    /// How often entries past their deadline are moved to `stuck`. Default 30 s.
    pub stuck_scan: Duration,
    /// Automatic resubmits (new attempt id) after register refusals; beyond, the entry waits
    /// in `failed_at_register` for an operator (and becomes `stuck` at its deadline).
    /// Default 2.
    pub register_resubmits: u32,
    /// Register codes never resubmitted automatically (the receipt itself must change).
    pub no_resubmit_codes: Vec<String>,
    /// On shutdown, how long in-flight calls may finish; then they are abandoned (their leases
    /// run out and the entries are resolved as in doubt by the next run). Default 30 s.
    pub drain_timeout: Duration,
    /// The shop's offset from UTC in minutes, for the document time sent to providers (the
    /// enqueue time in local time). Default 180 (Moscow).
    pub utc_offset_minutes: i32,
    /// How long after `done` a receipt the provider reports as not delivered to the ОФД
    /// (`ofd_delivered == false`) may stay so before [`reconcile`](crate::reconcile::reconcile)
    /// lists it as "fiscalised but not delivered" (a register sends its documents to the ОФД
    /// within minutes when it is online). Default 1 hour.
    pub ofd_delivery_grace: Duration,
    /// Most accepted entries the worker keeps between an answer and their next poll: the task
    /// that wrote `accepted` keeps the entry leased (the lease runs [`Self::lease`] past the
    /// poll time) and polls it itself at the poll time, with no claim through the journal in
    /// between. A kept entry does not take a [`Self::concurrency`] slot while it waits, only
    /// for its status request. Beyond this many, and with a store that does not keep leases
    /// ([`Store::holds_leases`](crate::Store::holds_leases): PostgreSQL), accepted entries go
    /// back to the journal and are claimed again at their poll time. `0` turns keeping off.
    /// Default 1024.
    pub held_polls: usize,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            concurrency: 16,
            lease: Duration::from_secs(60),
            call_timeout: Duration::from_secs(30),
            idle_wait: Duration::from_secs(1),
            stuck_scan: Duration::from_secs(30),
            register_resubmits: 2,
            no_resubmit_codes: Vec::new(),
            drain_timeout: Duration::from_secs(30),
            utc_offset_minutes: 180,
            ofd_delivery_grace: Duration::from_secs(60 * 60),
            held_polls: 1024,
        }
    }
}
