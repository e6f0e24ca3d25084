//! The journal: the [`Store`] trait and its embedded implementation [`SqliteStore`].
//!
//! # Contracts
//! * **Durable before acknowledged.** Every operation that changes the journal runs in one
//!   transaction and returns only after it committed; [`SqliteStore`] runs SQLite in WAL mode
//!   with `synchronous=FULL`, so a commit is on disk (fsync) when the call returns. An error
//!   (read-only file system, full disk …) means nothing of that operation was stored.
//! * **Idempotent enqueue.** The key is unique. Enqueuing a key again with the same receipt
//!   (same canonical JSON, compared by SHA-256) returns the existing entry; with a different
//!   receipt it is [`OutboxError::KeyConflict`].
//! * **Document id.** The id sent to a provider ([`Submission::document_id`]) is
//!   `key + "-" + attempt` ([`document_id`]), attempt starting at 1. Resending the same
//!   document id is how ATOL resolves an in-doubt send (the duplicate answer carries its uuid),
//!   and the id Orange Data and Business.ru (`c_num`) are looked up by. The attempt is raised
//!   only by [`Event::Resubmit`], from `failed_at_register`, i.e. when the provider is known to
//!   have refused the previous document id, by [`Event::Failover`] (attempt 1, never accepted),
//!   and by an operator's [`Event::OperatorRequeue`], only where no provider can hold the
//!   previous id ([`operator_event`], checked again inside the
//!   transaction of [`Store::apply`]).
//! * **Every change through the state table.** [`Store::apply`] validates the event with
//!   [`transition`](crate::state::transition) and writes the new state and one audit row in one transaction, guarded by
//!   the entry's `version` (optimistic concurrency): of two workers moving the same entry, one
//!   gets [`OutboxError::Conflict`].
//! * **Group commit.** [`Store::commit_batch`] applies many events, each fenced by its own
//!   `version` exactly as [`Store::apply`] would, and answers each on its own. A change that
//!   is refused (stale version, unknown key, an event the state table or the entry's history
//!   does not allow) fails **only itself**, with the same typed error `apply` gives
//!   ([`OutboxError::Conflict`] …), and stores nothing of itself; the others are stored. The
//!   storage failing ([`OutboxError::is_storage_failure`]: read-only, disk full …) fails the
//!   whole call and stores nothing of the batch ([`SqliteStore`]: one transaction, one sync).
//!   A change answered `Ok` is committed and synced when the call returns; nothing answered
//!   `Err` is stored. A change may ask to keep its entry leased ([`Change::hold`]): an entry
//!   it leaves `accepted` is then due only when that lease runs out after its poll time, so no
//!   claim takes it while its writer waits to poll it (stores whose [`Store::holds_leases`]
//!   is true).
//! * **No clock inside.** Every operation takes `now`; tests are deterministic.
//!
//! [`Submission::document_id`]: fiskal_providers::Submission::document_id

use crate::error::OutboxError;
use crate::state::{check_operator, operator_event, Event, OperatorAction, State};
use fiskal_ffd::Receipt;
use fiskal_providers::FiscalAttributes as Fiscal;
use fiskal_providers::{FiscalAttributes, MarkCheck, ProviderWarning};
use std::time::Duration;

/// A point in time: milliseconds since 1970-01-01 UTC. The store never reads a clock; callers
/// pass `now` (use [`Timestamp::now`] in production, fixed values in tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The system clock.
    pub fn now() -> Timestamp {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Timestamp(ms)
    }

    /// Milliseconds since 1970-01-01 UTC.
    pub fn as_millis(self) -> i64 {
        self.0
    }

    /// `self + d`, saturating.
    pub fn plus(self, d: Duration) -> Timestamp {
        let ms = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        Timestamp(self.0.saturating_add(ms))
    }

    /// How long after `earlier` this is (zero if it is not after).
    pub fn since(self, earlier: Timestamp) -> Duration {
        let ms = self.0.saturating_sub(earlier.0);
        Duration::from_millis(u64::try_from(ms).unwrap_or(0))
    }
}

/// The document id sent to a provider for an attempt: `key-attempt` (see the module docs).
pub fn document_id(key: &str, attempt: u32) -> String {
    format!("{key}-{attempt}")
}

/// Longest key accepted: leaves room for `-attempt` within the 128 characters of ATOL's
/// `external_id`.
pub const MAX_KEY_LEN: usize = 100;

/// Checks an idempotency key: 1 to [`MAX_KEY_LEN`] bytes of ASCII letters, digits and `-_.:/`
/// (safe in every provider's document id and in a URL).
pub fn check_key(key: &str) -> Result<(), OutboxError> {
    let bad = |reason| {
        Err(OutboxError::InvalidKey {
            key: key.to_owned(),
            reason,
        })
    };
    if key.is_empty() {
        return bad("empty");
    }
    if key.len() > MAX_KEY_LEN {
        return bad("longer than 100 bytes");
    }
    if !key
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.:/".contains(&b))
    {
        return bad("only ASCII letters, digits and -_.:/ are allowed");
    }
    Ok(())
}

/// Timing of the state machine: deadlines per state (→ stuck) and the delays the store writes
/// into `due_at`. The worker adds jitter on top; the store stays deterministic.
#[derive(Debug, Clone)]
pub struct Config {
    /// How long an entry may stay in `queued` before it is stuck.
    pub deadline_queued: Option<Duration>,
    /// … in `sending`.
    pub deadline_sending: Option<Duration>,
    /// … in `accepted` (fiscalisation takes seconds; hours mean a problem).
    pub deadline_accepted: Option<Duration>,
    /// … in `in_doubt`.
    pub deadline_in_doubt: Option<Duration>,
    /// … in `retry_later`.
    pub deadline_retry_later: Option<Duration>,
    /// … in `failed_at_register`.
    pub deadline_failed_at_register: Option<Duration>,
    /// First status poll after acceptance (~3 s).
    pub poll_first: Duration,
    /// Longest delay between polls.
    pub poll_max: Duration,
    /// First delay of the retry backoff (doubles per try).
    pub retry_base: Duration,
    /// Longest retry delay.
    pub retry_max: Duration,
    /// Lease of [`Store::apply`]`(ClaimedForSend)` outside [`Store::claim_due`].
    pub default_lease: Duration,
    /// Spread of every computed delay (backoff, polls, resubmits), in percent either way,
    /// drawn by the caller ([`Jitter`]) so that entries that failed together do not come back
    /// together. A provider's `Retry-After` is only ever lengthened. Default 20.
    pub jitter_percent: u32,
    /// Caps the database file at this many pages (SQLite `max_page_count`; pages are 4 KiB):
    /// a write beyond fails with [`OutboxError::DiskFull`] and stores nothing, as on a full
    /// disk. `None`: no cap but the disk's.
    pub max_page_count: Option<u32>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            deadline_queued: Some(Duration::from_secs(15 * 60)),
            deadline_sending: Some(Duration::from_secs(15 * 60)),
            deadline_accepted: Some(Duration::from_secs(60 * 60)),
            deadline_in_doubt: Some(Duration::from_secs(60 * 60)),
            deadline_retry_later: Some(Duration::from_secs(6 * 60 * 60)),
            deadline_failed_at_register: Some(Duration::from_secs(24 * 60 * 60)),
            poll_first: Duration::from_secs(3),
            poll_max: Duration::from_secs(60),
            retry_base: Duration::from_secs(1),
            retry_max: Duration::from_secs(5 * 60),
            default_lease: Duration::from_secs(60),
            jitter_percent: 20,
            max_page_count: None,
        }
    }
}

impl Config {
    /// The deadline of a state (`None`: no deadline; final states have none).
    pub fn deadline(&self, state: State) -> Option<Duration> {
        match state {
            State::Queued => self.deadline_queued,
            State::Sending => self.deadline_sending,
            State::Accepted => self.deadline_accepted,
            State::InDoubt => self.deadline_in_doubt,
            State::RetryLater => self.deadline_retry_later,
            State::FailedAtRegister => self.deadline_failed_at_register,
            _ => None,
        }
    }
}

pub(super) fn backoff(base: Duration, max: Duration, tries: u32) -> Duration {
    base.saturating_mul(1u32 << tries.min(20)).min(max)
}

/// A random draw in `0..=65535` for the spread of delays ([`Config::jitter_percent`]). The
/// store never draws itself (it stays deterministic); the worker passes a fresh draw to every
/// [`Store::apply_jittered`]. [`Jitter::NONE`] (the midpoint) leaves delays as computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Jitter(pub u16);

impl Jitter {
    /// No spread: delays exactly as computed.
    pub const NONE: Jitter = Jitter(32_768);

    /// `d` spread by ±`percent` %: from `d·(1 − p)` (draw 0) to just under `d·(1 + p)`.
    pub fn spread(self, d: Duration, percent: u32) -> Duration {
        let ms = d.as_millis();
        let span = ms.saturating_mul(u128::from(percent.min(100))) / 100;
        let ms = ms - span + span.saturating_mul(2 * u128::from(self.0)) / 65_536;
        Duration::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
    }

    /// `d` lengthened by up to `percent` % (never shortened): for a provider's `Retry-After`.
    /// Draws up to the midpoint leave it as it is.
    pub fn later(self, d: Duration, percent: u32) -> Duration {
        let ms = d.as_millis();
        let span = ms.saturating_mul(u128::from(percent.min(100))) / 100;
        let above = u128::from(self.0.saturating_sub(Jitter::NONE.0));
        let ms = ms + span.saturating_mul(2 * above) / 65_536;
        Duration::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
    }
}

/// Measures over a recent window, from the audit trail: the capacity signals of the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WindowMetrics {
    /// The window (e.g. the last hour).
    pub window: Duration,
    /// Entries that became `done` in the window.
    pub done: u64,
    /// Entries that became `rejected` in the window.
    pub rejected: u64,
    /// Register refusals (`failed_at_register`) in the window.
    pub failed_at_register: u64,
    /// Entries that became `stuck` in the window.
    pub stuck: u64,
    /// Latency from the first send to `done`, of the entries done in the window: median.
    pub latency_p50: Option<Duration>,
    /// … 95th percentile.
    pub latency_p95: Option<Duration>,
    /// … the longest.
    pub latency_max: Option<Duration>,
}

/// A route whose provider refused our credentials or configuration
/// ([`EventKind::RefusedConfig`](crate::state::EventKind::RefusedConfig)) and has not accepted,
/// reported or refused a document since: the route is unhealthy. Its receipts wait (backoff,
/// then `stuck` at their deadline) and go out by themselves once the configuration is fixed;
/// the next answer that proves the credentials work clears the alarm.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RouteAlarm {
    /// The route (routing name).
    pub route: String,
    /// The first refusal of this run of failures.
    pub since: Timestamp,
    /// The latest refusal.
    pub at: Timestamp,
    /// The provider's code of the latest refusal (`"12"`, `"401"`, `"local:config"` …).
    pub code: Option<String>,
    /// The provider's words (or the local error) of the latest refusal.
    pub message: String,
    /// Refusals since `since`.
    pub failures: u64,
}

/// The `last_code` of an entry stopped by [`Event::IdConflict`].
pub const ID_CONFLICT_CODE: &str = "id_conflict";

/// One receipt to enqueue.
#[derive(Debug, Clone, Copy)]
pub struct NewEntry<'a> {
    /// The caller's idempotency key (order id + operation + part), see [`check_key`].
    pub key: &'a str,
    /// The receipt.
    pub receipt: &'a Receipt,
    /// The provider (routing name) it goes to.
    pub provider: &'a str,
}

/// An entry of the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Entry {
    /// The idempotency key.
    pub key: String,
    /// The receipt as canonical JSON ([`fiskal_ffd::json::to_string`]).
    pub receipt_json: String,
    /// SHA-256 of `receipt_json`, hex.
    pub body_hash: String,
    /// The provider it goes to.
    pub provider: String,
    /// Where it is.
    pub state: State,
    /// Raised by every change: the token of optimistic concurrency for [`Store::apply`].
    pub version: u64,
    /// The attempt number (from 1) of the current document id.
    pub attempt: u32,
    /// Tries in the current state (sends, polls or lookups), for the backoff.
    pub tries: u32,
    /// The provider's id once accepted.
    pub provider_id: Option<String>,
    /// When the worker should act next (for `sending`, and for a claimed entry: when its lease
    /// ends). `None` when nothing is scheduled.
    pub due_at: Option<Timestamp>,
    /// When it becomes stuck if still in this state.
    pub deadline: Option<Timestamp>,
    /// The fiscal attributes once done.
    pub fiscal: Option<FiscalAttributes>,
    /// The last provider code (refusal, retry).
    pub last_code: Option<String>,
    /// The last provider message or in-doubt reason.
    pub last_message: Option<String>,
    /// When it was enqueued.
    pub created_at: Timestamp,
    /// When it entered its state.
    pub state_since: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

impl Entry {
    /// The document id of the current attempt: `key-attempt`.
    pub fn document_id(&self) -> String {
        document_id(&self.key, self.attempt)
    }

    /// Whether (and why) this receipt, `done`, wants a person's look ([`Attention`]): always
    /// `None` in other states.
    pub fn attention(&self) -> Option<Attention> {
        if self.state != State::Done {
            return None;
        }
        self.fiscal.as_ref().and_then(Attention::of)
    }

    /// The receipt, parsed back from its JSON.
    pub fn receipt(&self) -> Result<Receipt, OutboxError> {
        fiskal_ffd::json::parse(&self.receipt_json).map_err(|e| OutboxError::Corrupt {
            key: self.key.clone(),
            message: format!("receipt JSON: {e}"),
        })
    }
}

/// Why a `done` receipt wants a person's look: it is fiscalised, but the provider reported a
/// negative marking-code check (2106), warnings, or that the ОФД has not received it. Derived
/// from the stored fiscal attributes ([`FiscalAttributes::needs_attention`]); nothing extra is
/// stored. A shop acts on it: stops selling a code whose check was negative, reads the
/// warnings, chases the register whose documents do not reach the ОФД.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attention {
    /// The marking-code checks with a negative result (see
    /// [`fiskal_providers::MarkCheckResult::is_negative`]).
    pub negative_mark_checks: Vec<MarkCheck>,
    /// The provider's warnings about the document.
    pub warnings: Vec<ProviderWarning>,
    /// The provider says the ОФД has not received the document (`ofd_delivered == false`).
    pub ofd_not_delivered: bool,
}

impl Attention {
    /// Reason code: a negative marking-code check.
    pub const NEGATIVE_MARK_CHECK: &'static str = "negative_mark_check";
    /// Reason code: provider warnings.
    pub const WARNINGS: &'static str = "warnings";
    /// Reason code: not delivered to the ОФД.
    pub const OFD_NOT_DELIVERED: &'static str = "ofd_not_delivered";

    /// What in these fiscal attributes wants attention; `None` when nothing does.
    pub fn of(fiscal: &FiscalAttributes) -> Option<Attention> {
        if !fiscal.needs_attention() {
            return None;
        }
        Some(Attention {
            negative_mark_checks: fiscal.negative_mark_checks().cloned().collect(),
            warnings: fiscal.warnings.clone(),
            ofd_not_delivered: fiscal.ofd_delivered == Some(false),
        })
    }

    /// The reason codes, in a fixed order: [`Attention::NEGATIVE_MARK_CHECK`],
    /// [`Attention::WARNINGS`], [`Attention::OFD_NOT_DELIVERED`] (those that apply).
    pub fn reasons(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if !self.negative_mark_checks.is_empty() {
            v.push(Self::NEGATIVE_MARK_CHECK);
        }
        if !self.warnings.is_empty() {
            v.push(Self::WARNINGS);
        }
        if self.ofd_not_delivered {
            v.push(Self::OFD_NOT_DELIVERED);
        }
        v
    }

    /// One line in English for logs and reports, e.g. `negative mark check: item 0 (result 5:
    /// …); warning callback_url: …`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        for m in &self.negative_mark_checks {
            parts.push(format!(
                "negative mark check: item {} (result {}: {})",
                m.position,
                m.result.0,
                m.result.meaning()
            ));
        }
        for w in &self.warnings {
            parts.push(match &w.field {
                Some(f) => format!("warning {f}: {}", w.message),
                None => format!("warning: {}", w.message),
            });
        }
        if self.ofd_not_delivered {
            parts.push("not delivered to the OFD".to_owned());
        }
        parts.join("; ")
    }
}

/// The result of [`Store::enqueue`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enqueued {
    /// The entry (new, or the existing one for a repeated enqueue).
    pub entry: Entry,
    /// False when the key was already there with the same receipt.
    pub created: bool,
}

/// One row of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditRecord {
    /// Order of the record in the whole journal.
    pub seq: i64,
    /// The entry's key.
    pub key: String,
    /// When.
    pub at: Timestamp,
    /// The state before (`None` for the enqueue).
    pub from: Option<State>,
    /// The state after.
    pub to: State,
    /// The reason kind: an [`EventKind::name`](crate::state::EventKind::name), or `"enqueued"`.
    pub reason: String,
    /// Details: provider code and message, provider id, attempt …
    pub detail: String,
    /// The attempt after the change.
    pub attempt: u32,
    /// The operator of an operator action (requeue, cancel); `None` for the machine's events.
    pub who: Option<String>,
    /// The operator's reason for an operator action; `None` for the machine's events.
    pub note: Option<String>,
}

/// Counters of one state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateStats {
    /// The state.
    pub state: State,
    /// How many entries are in it.
    pub count: u64,
    /// How long the oldest of them has been in it (`None` when empty).
    pub oldest_age: Option<Duration>,
}

/// One change of a [`Store::commit_batch`]: `event` for the entry `key`, which the caller
/// read at `expected_version`, at `now`, with `jitter` for the delay it schedules (the
/// arguments of [`Store::apply_jittered`]).
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// The entry's key.
    pub key: &'a str,
    /// The version the caller read: the change is fenced by it, as in [`Store::apply`].
    pub expected_version: u64,
    /// The event.
    pub event: Event<'a>,
    /// When it happened.
    pub now: Timestamp,
    /// A random draw for the spread of the delay it schedules ([`Jitter::NONE`]: none).
    pub jitter: Jitter,
    /// `Some(lease)`: the caller keeps the entry. When the change leaves it `accepted` (to be
    /// polled), it stays leased to the caller until `lease` after its poll time: no claim
    /// takes it before then, and the caller polls it itself at the poll time, which is the
    /// answered entry's `due_at` minus `lease` (a caller that dies is replaced when the lease
    /// runs out). Other states are written as with `None`. Honoured only by a store whose
    /// [`Store::holds_leases`] is true; the default [`Store::commit_batch`] ignores it.
    pub hold: Option<Duration>,
}

/// Wakes a sleeping worker: given to [`Store::watch`].
pub type Wake = std::sync::Arc<dyn Fn() + Send + Sync>;

/// The journal's storage. [`SqliteStore`] is the embedded one; `PgStore` (feature `postgres`:
/// row locks with `SKIP LOCKED` in `claim_due`, fenced leases) follows the same contracts
/// (module docs).
pub trait Store: Send + Sync {
    /// Asks the store to call `wake` when another process made something due (PostgreSQL:
    /// LISTEN/NOTIFY). Best effort: the worker polls as well. The default (SQLite) does
    /// nothing.
    fn watch(&self, wake: Wake) {
        let _ = wake;
    }

    /// Stores a receipt under its key (committed and synced before returning), in `queued`,
    /// due now. Same key and receipt: the existing entry, `created: false`. Same key, other
    /// receipt: [`OutboxError::KeyConflict`].
    fn enqueue(&self, new: &NewEntry<'_>, now: Timestamp) -> Result<Enqueued, OutboxError>;

    /// Applies an event to the entry, which the caller read at `expected_version`: checks the
    /// state table, writes the new state, its schedule and one audit row in one transaction.
    fn apply(
        &self,
        key: &str,
        expected_version: u64,
        event: &Event<'_>,
        now: Timestamp,
    ) -> Result<Entry, OutboxError> {
        self.apply_jittered(key, expected_version, event, now, Jitter::NONE)
    }

    /// Atomically claims up to `limit` due entries (`due_at <= now`), oldest first, each under a
    /// lease until `now + lease` (their `due_at`): `queued` and `retry_later` move to `sending`
    /// (to be submitted); `sending` whose lease ran out moves to `in_doubt` (its worker died
    /// mid-send); `accepted` (to poll) and `in_doubt` (to resolve) keep their state. No two
    /// callers get the same entry while its lease runs.
    fn claim_due(
        &self,
        now: Timestamp,
        limit: usize,
        lease: Duration,
    ) -> Result<Vec<Entry>, OutboxError>;

    /// [`Store::apply`] with a random draw for the spread of the delay it schedules.
    fn apply_jittered(
        &self,
        key: &str,
        expected_version: u64,
        event: &Event<'_>,
        now: Timestamp,
        jitter: Jitter,
    ) -> Result<Entry, OutboxError>;

    /// Applies many events at once (group commit; the module docs give the contract): one
    /// answer per change, in order, each what [`Store::apply_jittered`] would have answered.
    /// A refused change fails only itself; the storage failing fails the whole call (`Err`),
    /// nothing of the batch stored. Every change answered `Ok` is committed and synced when
    /// this returns. Two changes of one key in a batch are applied in order, each fenced by
    /// its own `expected_version` (so the second, read before the first, is a conflict).
    ///
    /// The default applies the changes one by one, each in its own transaction (a storage
    /// failure is then the answer of the change it hit; the changes before it are stored),
    /// and ignores [`Change::hold`]; [`SqliteStore`] and the PostgreSQL store override it with
    /// one transaction (one sync) for the whole batch, and honour `hold`.
    fn commit_batch(
        &self,
        changes: &[Change<'_>],
    ) -> Result<Vec<Result<Entry, OutboxError>>, OutboxError> {
        Ok(changes
            .iter()
            .map(|c| self.apply_jittered(c.key, c.expected_version, &c.event, c.now, c.jitter))
            .collect())
    }

    /// Whether [`Store::commit_batch`] honours [`Change::hold`] (keeps an accepted entry
    /// leased to the caller until its poll). The worker asks for holds only then; otherwise
    /// every poll goes through [`Store::claim_due`]. The default: false.
    fn holds_leases(&self) -> bool {
        false
    }

    /// Stores many receipts in **one** transaction (one sync): the fast path for bulk loads.
    /// Each entry gets its own result (invalid key, key conflict …, as [`Store::enqueue`]);
    /// a storage failure (disk full, read-only) fails the whole batch and stores none of it.
    fn enqueue_batch(
        &self,
        batch: &[NewEntry<'_>],
        now: Timestamp,
    ) -> Result<Vec<Result<Enqueued, OutboxError>>, OutboxError>;

    /// A callback arrived: makes an `accepted`, `in_doubt` or `retry_later` entry due now (no
    /// state change, no audit row). False when there is no such entry in those states.
    fn poke(&self, key: &str, now: Timestamp) -> Result<bool, OutboxError>;

    /// The earliest `due_at` among entries a worker may claim (`None` when nothing is
    /// scheduled): how long the worker may sleep.
    fn next_due(&self) -> Result<Option<Timestamp>, OutboxError>;

    /// Done, refused and stuck counts and the first-send-to-done latency over the `window`
    /// before `now`.
    fn window_metrics(
        &self,
        now: Timestamp,
        window: Duration,
    ) -> Result<WindowMetrics, OutboxError>;

    /// Entries in `done` whose last change is in `from..to` (for reconciliation), oldest first,
    /// at most `limit`.
    fn done_between(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> Result<Vec<Entry>, OutboxError>;

    /// Entries in `state` that entered it in `from..to`, oldest first, at most `limit` (for
    /// reconciliation: the stuck ones of a period).
    fn changed_between(
        &self,
        state: State,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> Result<Vec<Entry>, OutboxError>;

    /// The routes whose credentials or configuration are refused now ([`RouteAlarm`]), by
    /// name.
    fn route_alarms(&self) -> Result<Vec<RouteAlarm>, OutboxError>;

    /// Moves every entry whose deadline has passed to `stuck` (one audit row each); returns
    /// how many.
    fn mark_stuck(&self, now: Timestamp) -> Result<usize, OutboxError>;

    /// The entry of a key.
    fn get(&self, key: &str) -> Result<Option<Entry>, OutboxError>;

    /// Up to `limit` entries in a state, oldest in the state first.
    fn list(&self, state: State, limit: usize) -> Result<Vec<Entry>, OutboxError>;

    /// Count and oldest age of every state (all states, zero included), in [`State::ALL`] order.
    fn stats(&self, now: Timestamp) -> Result<Vec<StateStats>, OutboxError>;

    /// Up to `limit` `done` entries that want attention ([`Entry::attention`]), oldest done
    /// first. The default reads every done entry; [`SqliteStore`] reads only those whose
    /// fiscal attributes carry mark checks, warnings or an ОФД delivery state.
    fn list_attention(&self, limit: usize) -> Result<Vec<Entry>, OutboxError> {
        Ok(self
            .list(State::Done, usize::MAX)?
            .into_iter()
            .filter(|e| e.attention().is_some())
            .take(limit)
            .collect())
    }

    /// How many `done` entries want attention ([`Entry::attention`]).
    fn count_attention(&self) -> Result<u64, OutboxError> {
        let n = self.list_attention(usize::MAX)?.len();
        Ok(u64::try_from(n).unwrap_or(u64::MAX))
    }

    /// How many `accepted` entries wait for `waiting_for` (their last code is its
    /// [`entry_code`](fiskal_providers::WaitingFor::entry_code), e.g. `waiting_for_register`:
    /// МодульКасса's register is offline). The default reads the accepted entries; a backend
    /// may count in its query instead.
    fn count_waiting(&self, waiting_for: fiskal_providers::WaitingFor) -> Result<u64, OutboxError> {
        let code = waiting_for.entry_code();
        let n = self
            .list(State::Accepted, usize::MAX)?
            .iter()
            .filter(|e| e.last_code.as_deref() == Some(code))
            .count();
        Ok(u64::try_from(n).unwrap_or(u64::MAX))
    }

    /// The audit trail of a key, oldest first.
    fn audit(&self, key: &str) -> Result<Vec<AuditRecord>, OutboxError>;
    /// An operator's action on an entry: requeue or cancel ([`operator_event`] decides the
    /// event from the entry and its audit trail, or refuses it with
    /// [`OutboxError::ActionNotAllowed`]), applied like any event (one transaction, committed
    /// and synced before returning) with `who` and `reason` in the audit row. `who` and
    /// `reason` are required ([`OutboxError::InvalidArgument`]); an unknown key is
    /// [`OutboxError::NotFound`]. The entry and the trail are read, then the event is applied
    /// under the version read: if a worker moved the entry in between, it is read and decided
    /// again (a few times, then [`OutboxError::Conflict`]).
    fn operator_action(
        &self,
        key: &str,
        action: OperatorAction,
        who: &str,
        reason: &str,
        now: Timestamp,
    ) -> Result<Entry, OutboxError> {
        run_operator(self, key, action, who, reason, None, now)
    }

    /// An operator marks a `stuck` entry as fiscalised by hand
    /// ([`OperatorAction::Resolve`]): it becomes `done` with `fiscal`, checked first against the
    /// stored receipt ([`check_resolve_fiscal`](crate::state::check_resolve_fiscal):
    /// [`OutboxError::InvalidFiscal`] naming the field), applied like
    /// [`Store::operator_action`] (same checks of `who` and `reason`, same re-check of the
    /// state inside the transaction: any other state is [`OutboxError::ActionNotAllowed`]).
    fn operator_resolve(
        &self,
        key: &str,
        who: &str,
        reason: &str,
        fiscal: &Fiscal,
        now: Timestamp,
    ) -> Result<Entry, OutboxError> {
        run_operator(
            self,
            key,
            OperatorAction::Resolve,
            who,
            reason,
            Some(fiscal),
            now,
        )
    }
}

/// The shared body of [`Store::operator_action`] and [`Store::operator_resolve`]: read the
/// entry and its trail, decide the event ([`operator_event`]), apply it under the version read;
/// decide again (a few times) if a worker moved the entry in between.
fn run_operator<S: Store + ?Sized>(
    store: &S,
    key: &str,
    action: OperatorAction,
    who: &str,
    reason: &str,
    fiscal: Option<&Fiscal>,
    now: Timestamp,
) -> Result<Entry, OutboxError> {
    let (who, reason) = check_operator(who, reason)?;
    let mut tries = 0;
    loop {
        let cur = store.get(key)?.ok_or_else(|| OutboxError::NotFound {
            key: key.to_owned(),
        })?;
        let audit = store.audit(key)?;
        let event = operator_event(action, &cur, &audit, who, reason, fiscal)?;
        match store.apply(key, cur.version, &event, now) {
            Err(OutboxError::Conflict { .. }) if tries < 4 => tries += 1,
            r => return r,
        }
    }
}

#[cfg(feature = "postgres")]
mod pg;
mod plan;
mod sqlite;

#[cfg(feature = "postgres")]
pub use pg::{PgConfig, PgStore, PG_SCHEMA_VERSION};
pub use sqlite::{SqliteStore, SCHEMA_VERSION};
