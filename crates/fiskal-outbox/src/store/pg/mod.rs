//! The PostgreSQL implementation of [`Store`] (feature `postgres`): one journal shared by
//! workers on many machines.
//!
//! * **The same rules.** What an event does is decided by the backend-independent rules the
//!   SQLite store uses (`plan`); this module only loads, writes and commits.
//! * **Durable before acknowledged.** Every change is one transaction, committed before the call
//!   returns; [`PgStore::open`] refuses a session with `synchronous_commit = off` (a commit
//!   that is not on disk when acknowledged).
//! * **Batches.** [`Store::commit_batch`] (the worker's group commit) is one transaction for
//!   the whole batch, its rows locked in key order by one statement; [`Store::enqueue_batch`]
//!   inserts up to a thousand entries (and their audit rows) per statement. Both keep the
//!   per-change answers of the one-by-one calls.
//! * **Claims** lock due rows with `FOR UPDATE SKIP LOCKED` on the due index: two workers never
//!   claim the same entry, and never wait for each other's rows.
//! * **Leases and fencing.** A claim writes the lease's holder ([`PgConfig::owner`]) and raises
//!   the entry's `lease_epoch` (the fencing token) and version. Every later change of the entry
//!   is fenced: it must name the version it read, and while a lease runs only its holder, with
//!   the epoch it claimed, may write. A worker whose lease ran out and was taken over gets
//!   [`OutboxError::Conflict`] and drops its answer: it can never overwrite the journal.
//!   As with SQLite, the worker keeps every provider call inside its lease
//!   ([`WorkerConfig::call_timeout`](crate::WorkerConfig::call_timeout) plus the poll queue
//!   must be shorter than [`WorkerConfig::lease`](crate::WorkerConfig::lease), checked by
//!   [`Worker::new`](crate::Worker::new)). Lease times are the callers' clocks: keep the
//!   machines' clocks in step (NTP); the margin between the lease and the call timeout must
//!   exceed their skew.
//! * **Wake-up.** Enqueue and poke send `NOTIFY` in their transaction (delivered on commit);
//!   the store LISTENs on a dedicated connection and wakes the worker ([`Store::watch`]). The
//!   worker polls as well (NOTIFY is best effort). [`PgConfig::poll_only`] turns LISTEN off
//!   (PgBouncer transaction pooling, where LISTEN does not work).
//! * **Failures** map to typed errors by SQLSTATE: [`OutboxError::Unavailable`] (refused,
//!   starting, shutting down), [`OutboxError::ConnectionLost`] (lost mid-transaction: rolled
//!   back), [`OutboxError::ReadOnly`] (a read-only replica), [`OutboxError::DiskFull`].
//!   After a connection failure the store waits before connecting again, doubling the wait up
//!   to [`PgConfig::reconnect_max`] (calls meanwhile fail fast with `Unavailable`).
//!
//! The settings are in `config.rs`, opening and the connections in `connect.rs`, the fenced
//! statements the `Store` methods are built from in `journal.rs`, the schema and migrations in
//! `schema.rs`, the row mapping and the SQLSTATE mapping in `rows.rs`, LISTEN in `listen.rs`;
//! this file keeps the store itself and each `Store` method's transaction.

use super::plan::{
    check_operator_history, claim_step, enqueued_deadline, extend_lease, hold_lease, plan,
    route_alarm_change, Claim, Plan, RouteAlarmChange,
};
use super::*;
use crate::error::OutboxError;
use crate::state::{Event, EventKind, State};
use deadpool_postgres::GenericClient;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use rows::{
    audit_of, connect_error, corrupt, count, entries_of, leased_of, pg_error, to_i64, Leased,
    AUDIT_COLUMNS, COLUMNS,
};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_postgres::types::ToSql;

mod config;
mod connect;
mod journal;
mod listen;
mod rows;
mod schema;

pub use config::PgConfig;
use connect::Backoff;
pub use schema::PG_SCHEMA_VERSION;

/// The journal on PostgreSQL (module docs). Blocking calls, like [`SqliteStore`]: the worker
/// runs them on Tokio's blocking pool; the store runs its connections on a small runtime of
/// its own, so it can be called from any thread.
pub struct PgStore {
    rt: Option<tokio::runtime::Runtime>,
    pool: Pool,
    pg: tokio_postgres::Config,
    tls: tokio_postgres_rustls::MakeRustlsConnect,
    config: Config,
    schema: String,
    channel: String,
    owner: String,
    poll_only: bool,
    target: String,
    reconnect_max: Duration,
    backoff: Mutex<Backoff>,
    /// The epoch of every lease this store holds, by key.
    leases: Mutex<HashMap<String, i64>>,
    listener: Mutex<Option<listen::Listener>>,
    /// The restore guard: the newest audit row (`seq`) this store has seen. The audit trail is
    /// append-only, so in a live journal this never goes down; a claim that finds it lower
    /// refuses (the journal was restored from a backup under a running worker).
    seen_seq: AtomicI64,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("target", &self.target)
            .field("schema", &self.schema)
            .field("owner", &self.owner)
            .field("poll_only", &self.poll_only)
            .finish_non_exhaustive()
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        if let Ok(mut l) = self.listener.lock() {
            l.take();
        }
        // Dropping a runtime inside an async context would panic: let it go in the background.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

fn limit_i64(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// Runs `$body` in one transaction on a pooled connection: committed when it evaluates to
/// `Ok`, rolled back (the transaction dropped) on `Err`. A connection failure backs off.
macro_rules! in_tx {
    ($store:expr, $tx:ident => $body:block) => {
        async {
            let store = $store;
            let mut client = store.client().await?;
            let owned = client
                .transaction()
                .await
                .map_err(|e| store.note(pg_error(&e)))?;
            let r: Result<_, OutboxError> = {
                let $tx = &owned;
                async { $body }.await
            };
            let r = r.map_err(|e| store.note(e))?;
            owned.commit().await.map_err(|e| store.note(pg_error(&e)))?;
            Ok(r)
        }
    };
}

impl Store for PgStore {
    fn enqueue(&self, new: &NewEntry<'_>, now: Timestamp) -> Result<Enqueued, OutboxError> {
        check_key(new.key)?;
        let json = fiskal_ffd::json::to_string(new.receipt);
        self.run(in_tx!(self, tx => {
            let r = self.insert(tx, new, &json, now).await?;
            if r.created {
                self.notify(tx).await?;
            }
            Ok(r)
        }))
    }

    fn enqueue_batch(
        &self,
        batch: &[NewEntry<'_>],
        now: Timestamp,
    ) -> Result<Vec<Result<Enqueued, OutboxError>>, OutboxError> {
        let jsons: Vec<String> = batch
            .iter()
            .map(|n| fiskal_ffd::json::to_string(n.receipt))
            .collect();
        // A few statements for the whole batch (journal.rs, `insert_many`), not one per entry.
        self.run(in_tx!(self, tx => {
            let out = self.insert_many(tx, batch, &jsons, now).await?;
            if out.iter().any(|r| r.as_ref().is_ok_and(|r| r.created)) {
                self.notify(tx).await?;
            }
            Ok(out)
        }))
    }

    fn apply_jittered(
        &self,
        key: &str,
        expected_version: u64,
        event: &Event<'_>,
        now: Timestamp,
        jitter: Jitter,
    ) -> Result<Entry, OutboxError> {
        let change = Change {
            key,
            expected_version,
            event: *event,
            now,
            jitter,
            hold: None,
        };
        let r = self.run(in_tx!(self, tx => {
            let row = self.load(tx, key, true).await?;
            let held = self.held(key)?;
            self.apply_row(tx, row.as_ref(), &change, held).await
        }));
        match r {
            Ok((next, epoch)) => {
                self.hold(key, epoch);
                Ok(next)
            }
            Err(e) => {
                if let OutboxError::Conflict { .. } = e {
                    self.hold(key, None);
                }
                Err(e)
            }
        }
    }

    /// One transaction (one commit, one WAL flush) for the whole batch: its rows are locked
    /// first, all in one statement and in key order (two batches over the same keys take their
    /// locks in the same order: they queue, they do not deadlock), then each change is checked
    /// and written as [`Store::apply_jittered`] would. A refused change writes nothing and
    /// fails alone; an error of the server rolls the whole batch back (`Err`).
    fn commit_batch(
        &self,
        changes: &[Change<'_>],
    ) -> Result<Vec<Result<Entry, OutboxError>>, OutboxError> {
        if changes.is_empty() {
            return Ok(Vec::new());
        }
        let answers = self.run(in_tx!(self, tx => {
            let mut keys: Vec<&str> = changes.iter().map(|c| c.key).collect();
            keys.sort_unstable();
            keys.dedup();
            let rows = self
                .q(
                    tx,
                    &format!(
                        "SELECT {COLUMNS} FROM {{s}}.entries WHERE key = ANY($1)
                         ORDER BY key FOR UPDATE"
                    ),
                    &[&keys],
                )
                .await?;
            // A row that does not read back fails the changes of its key only.
            let mut loaded: HashMap<String, Result<Leased, OutboxError>> =
                HashMap::with_capacity(rows.len());
            for r in &rows {
                let key: String = rows::col(r, 0)?;
                loaded.insert(key, leased_of(r));
            }
            // The lease epochs the batch's earlier changes left (`leases` learns them after
            // the commit).
            let mut epochs: HashMap<&str, Option<i64>> = HashMap::new();
            let mut out = Vec::with_capacity(changes.len());
            for c in changes {
                let row = match loaded.get(c.key) {
                    Some(Err(e)) => {
                        out.push(Err(e.clone()));
                        continue;
                    }
                    Some(Ok(l)) => Some(l),
                    None => None,
                };
                let held = match epochs.get(c.key) {
                    Some(h) => *h,
                    None => self.held(c.key)?,
                };
                match self.apply_row(tx, row, c, held).await {
                    Ok((next, epoch)) => {
                        // A later change of the same key is fenced by what this one wrote.
                        if let Some(Ok(l)) = loaded.get_mut(c.key) {
                            l.entry = next.clone();
                            l.owner = epoch.map(|_| self.owner.clone());
                            l.epoch = epoch.unwrap_or(l.epoch);
                        }
                        epochs.insert(c.key, epoch);
                        out.push(Ok((next, epoch)));
                    }
                    Err(e) if e.is_storage_failure() => return Err(e),
                    Err(e) => out.push(Err(e)),
                }
            }
            Ok(out)
        }))?;
        // Committed: the leases taken and ended are this store's now.
        Ok(changes
            .iter()
            .zip(answers)
            .map(|(c, r)| match r {
                Ok((next, epoch)) => {
                    self.hold(c.key, epoch);
                    Ok(next)
                }
                Err(e) => {
                    if let OutboxError::Conflict { .. } = e {
                        self.hold(c.key, None);
                    }
                    Err(e)
                }
            })
            .collect())
    }

    fn holds_leases(&self) -> bool {
        true
    }

    fn claim_due(
        &self,
        now: Timestamp,
        limit: usize,
        lease_for: Duration,
    ) -> Result<Vec<Entry>, OutboxError> {
        let claimed = self.run(in_tx!(self, tx => {
            self.check_not_rewound(tx).await?;
            let rows = self
                .q(
                    tx,
                    &format!(
                        "SELECT {COLUMNS} FROM {{s}}.entries
                         WHERE due_at IS NOT NULL AND due_at <= $1
                         ORDER BY due_at, id LIMIT $2
                         FOR UPDATE SKIP LOCKED"
                    ),
                    &[&now.0, &limit_i64(limit)],
                )
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let row = leased_of(r)?;
                let cur = &row.entry;
                let step = claim_step(cur.state);
                if step == Claim::Skip {
                    continue;
                }
                let epoch = row.epoch + 1;
                let lease = Some((self.owner.as_str(), epoch));
                let next = match step.event() {
                    Some(event) => {
                        let p = plan(&self.config, cur, &event, now, lease_for, Jitter::NONE)?;
                        // An expired send goes to in_doubt (audited), then is leased to resolve.
                        let n = if step == Claim::Expire {
                            extend_lease(&p.next, now, lease_for)
                        } else {
                            p.next.clone()
                        };
                        self.write(tx, cur, &n, lease, Some(&p)).await?;
                        n
                    }
                    None => {
                        let n = extend_lease(cur, now, lease_for);
                        self.write(tx, cur, &n, lease, None).await?;
                        n
                    }
                };
                out.push((next, epoch));
            }
            Ok(out)
        }))?;
        Ok(claimed
            .into_iter()
            .map(|(e, epoch)| {
                self.hold(&e.key, Some(epoch));
                e
            })
            .collect())
    }

    fn poke(&self, key: &str, now: Timestamp) -> Result<bool, OutboxError> {
        self.run(in_tx!(self, tx => {
            let n = self
                .exec(
                    tx,
                    "UPDATE {s}.entries SET due_at = $1
                     WHERE key = $2 AND state IN ('accepted', 'in_doubt', 'retry_later')
                       AND due_at > $1",
                    &[&now.0, &key],
                )
                .await?;
            if n > 0 {
                self.notify(tx).await?;
                return Ok(true);
            }
            // Already due counts as found.
            let rows = self
                .q(
                    tx,
                    "SELECT EXISTS (SELECT 1 FROM {s}.entries
                     WHERE key = $1 AND state IN ('accepted', 'in_doubt', 'retry_later'))",
                    &[&key],
                )
                .await?;
            rows.first()
                .map(|r| rows::col::<bool>(r, 0))
                .transpose()
                .map(|b| b.unwrap_or(false))
        }))
    }

    fn next_due(&self) -> Result<Option<Timestamp>, OutboxError> {
        self.run(async {
            let rows = self
                .read(
                    "SELECT due_at FROM {s}.entries WHERE due_at IS NOT NULL
                     ORDER BY due_at LIMIT 1",
                    &[],
                )
                .await?;
            rows.first()
                .map(|r| rows::col::<i64>(r, 0).map(Timestamp))
                .transpose()
        })
    }

    fn window_metrics(
        &self,
        now: Timestamp,
        window: Duration,
    ) -> Result<WindowMetrics, OutboxError> {
        let from = now
            .0
            .saturating_sub(i64::try_from(window.as_millis()).unwrap_or(i64::MAX));
        self.run(async {
            let rows = self
                .read(
                    "SELECT to_state, COUNT(*) FROM {s}.audit
                     WHERE at > $1 AND at <= $2
                       AND to_state IN ('done', 'rejected', 'failed_at_register', 'stuck')
                       AND (from_state IS NULL OR from_state <> to_state)
                     GROUP BY to_state",
                    &[&from, &now.0],
                )
                .await?;
            let mut counts: HashMap<String, u64> = HashMap::new();
            for r in &rows {
                counts.insert(rows::col(r, 0)?, count("", rows::col(r, 1)?)?);
            }
            // Latency: from the first claim for sending to done, of the entries done in the
            // window; the percentiles by nearest rank, as the SQLite store computes them.
            let lat = self
                .read(
                    "SELECT d.at - (SELECT MIN(c.at) FROM {s}.audit c
                                     WHERE c.key = d.key AND c.reason = 'claimed_for_send')
                     FROM {s}.audit d
                     WHERE d.at > $1 AND d.at <= $2 AND d.to_state = 'done'
                       AND d.from_state <> 'done'",
                    &[&from, &now.0],
                )
                .await?;
            let mut v: Vec<i64> = Vec::with_capacity(lat.len());
            for r in &lat {
                if let Some(ms) = rows::col::<Option<i64>>(r, 0)? {
                    v.push(ms.max(0));
                }
            }
            v.sort_unstable();
            let rank = |q: usize| {
                if v.is_empty() {
                    return None;
                }
                let i = (v.len() * q).div_ceil(100).clamp(1, v.len());
                v.get(i - 1)
                    .map(|&ms| Duration::from_millis(u64::try_from(ms).unwrap_or(0)))
            };
            let get = |s: &str| counts.get(s).copied().unwrap_or(0);
            Ok(WindowMetrics {
                window,
                done: get("done"),
                rejected: get("rejected"),
                failed_at_register: get("failed_at_register"),
                stuck: get("stuck"),
                latency_p50: rank(50),
                latency_p95: rank(95),
                latency_max: rank(100),
            })
        })
    }

    fn done_between(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> Result<Vec<Entry>, OutboxError> {
        self.changed_between(State::Done, from, to, limit)
    }

    fn changed_between(
        &self,
        state: State,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> Result<Vec<Entry>, OutboxError> {
        self.run(async {
            let rows = self
                .read(
                    &format!(
                        "SELECT {COLUMNS} FROM {{s}}.entries
                         WHERE state = $1 AND state_since >= $2 AND state_since < $3
                         ORDER BY state_since, id LIMIT $4"
                    ),
                    &[&state.name(), &from.0, &to.0, &limit_i64(limit)],
                )
                .await?;
            entries_of(&rows)
        })
    }

    fn route_alarms(&self) -> Result<Vec<RouteAlarm>, OutboxError> {
        self.run(async {
            let rows = self
                .read(
                    "SELECT route, since, at, code, message, failures FROM {s}.route_alarms
                     ORDER BY route",
                    &[],
                )
                .await?;
            rows.iter()
                .map(|r| {
                    let route: String = rows::col(r, 0)?;
                    Ok(RouteAlarm {
                        failures: count(&route, rows::col(r, 5)?)?,
                        since: Timestamp(rows::col(r, 1)?),
                        at: Timestamp(rows::col(r, 2)?),
                        code: rows::col(r, 3)?,
                        message: rows::col(r, 4)?,
                        route,
                    })
                })
                .collect()
        })
    }

    fn mark_stuck(&self, now: Timestamp) -> Result<usize, OutboxError> {
        // In batches, each its own transaction; rows another transaction holds are skipped
        // (the next scan takes them). Final states carry no deadline.
        const BATCH: i64 = 500;
        let mut n = 0usize;
        loop {
            let (moved, seen) = self.run(in_tx!(self, tx => {
                let rows = self
                    .q(
                        tx,
                        &format!(
                            "SELECT {COLUMNS} FROM {{s}}.entries WHERE deadline <= $1
                             ORDER BY deadline, id LIMIT $2 FOR UPDATE SKIP LOCKED"
                        ),
                        &[&now.0, &BATCH],
                    )
                    .await?;
                let mut moved = 0usize;
                for e in entries_of(&rows)?.iter().filter(|e| !e.state.is_final()) {
                    let p = plan(
                        &self.config,
                        e,
                        &Event::Deadline,
                        now,
                        self.config.default_lease,
                        Jitter::NONE,
                    )?;
                    self.write(tx, e, &p.next, None, Some(&p)).await?;
                    moved += 1;
                }
                Ok((moved, rows.len()))
            }))?;
            n += moved;
            if moved == 0 || i64::try_from(seen).unwrap_or(0) < BATCH {
                return Ok(n);
            }
        }
    }

    fn get(&self, key: &str) -> Result<Option<Entry>, OutboxError> {
        self.run(async {
            let c = self.client().await?;
            let r = self.load(&c, key, false).await.map_err(|e| self.note(e))?;
            Ok(r.map(|l| l.entry))
        })
    }

    fn list(&self, state: State, limit: usize) -> Result<Vec<Entry>, OutboxError> {
        self.run(async {
            let rows = self
                .read(
                    &format!(
                        "SELECT {COLUMNS} FROM {{s}}.entries WHERE state = $1
                         ORDER BY state_since, id LIMIT $2"
                    ),
                    &[&state.name(), &limit_i64(limit)],
                )
                .await?;
            entries_of(&rows)
        })
    }

    fn stats(&self, now: Timestamp) -> Result<Vec<StateStats>, OutboxError> {
        self.run(async {
            let rows = self
                .read(
                    "SELECT state, COUNT(*), MIN(state_since) FROM {s}.entries GROUP BY state",
                    &[],
                )
                .await?;
            let mut out: Vec<StateStats> = State::ALL
                .iter()
                .map(|&state| StateStats {
                    state,
                    count: 0,
                    oldest_age: None,
                })
                .collect();
            for r in &rows {
                let name: String = rows::col(r, 0)?;
                let state = State::from_name(&name)
                    .ok_or_else(|| corrupt("", format!("unknown state {name:?}")))?;
                if let Some(s) = out.iter_mut().find(|s| s.state == state) {
                    s.count = count("", rows::col(r, 1)?)?;
                    s.oldest_age = rows::col::<Option<i64>>(r, 2)?.map(|t| now.since(Timestamp(t)));
                }
            }
            Ok(out)
        })
    }

    fn audit(&self, key: &str) -> Result<Vec<AuditRecord>, OutboxError> {
        self.run(async {
            let c = self.client().await?;
            self.audit_trail(&c, key).await.map_err(|e| self.note(e))
        })
    }

    fn list_attention(&self, limit: usize) -> Result<Vec<Entry>, OutboxError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        self.run(self.each_attention(limit))
    }

    fn count_attention(&self) -> Result<u64, OutboxError> {
        let n = self.run(self.each_attention(usize::MAX))?.len();
        Ok(u64::try_from(n).unwrap_or(u64::MAX))
    }

    fn watch(&self, wake: Wake) {
        if self.poll_only {
            return;
        }
        let Ok(mut l) = self.listener.lock() else {
            return;
        };
        match l.as_mut() {
            Some(listener) => listener.add(wake),
            None => {
                *l = Some(listen::Listener::start(
                    self.rt().handle(),
                    self.pg.clone(),
                    self.tls.clone(),
                    self.channel.clone(),
                    self.reconnect_max,
                    wake,
                ));
            }
        }
    }
}
