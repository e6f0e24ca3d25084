//! The JSON forms of the outbox's answers (entries, events, audit records, stats, reconcile
//! reports), as the parent module's docs list them: one `*Out` struct per shape, serialised by
//! the `*_json` functions. Kept apart from `OutboxHandle`, which parses the requests and calls
//! the outbox.

use crate::error::ApiError;
use crate::ops::to_json;
use fiskal_outbox::reconcile::{Finding, Reconciliation};
use fiskal_outbox::worker::Transition;
use fiskal_outbox::{
    Attention, AuditRecord, Enqueued, Entry, RouteAlarm, State, StateStats, Timestamp,
    WindowMetrics, WorkerCounters,
};
use fiskal_providers::{FiscalAttributes, MarkCheck, ProviderWarning};
use serde::Serialize;
use std::time::Duration;

fn ms(t: Timestamp) -> i64 {
    t.as_millis()
}

fn dur_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[derive(Serialize)]
struct EntryOut<'a> {
    key: &'a str,
    state: &'static str,
    attempt: u32,
    document_id: String,
    route: &'a str,
    provider_id: Option<&'a str>,
    fiscal: Option<&'a FiscalAttributes>,
    qr: Option<String>,
    attention: Option<AttentionOut>,
    last_code: Option<&'a str>,
    last_message: Option<&'a str>,
    created_at_ms: i64,
    state_since_ms: i64,
    updated_at_ms: i64,
    due_at_ms: Option<i64>,
    deadline_ms: Option<i64>,
    version: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    created: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<&'static str>,
}

#[derive(Serialize)]
struct AttentionOut {
    reasons: Vec<&'static str>,
    negative_mark_checks: Vec<MarkCheck>,
    warnings: Vec<ProviderWarning>,
    ofd_not_delivered: bool,
    summary: String,
}

impl AttentionOut {
    fn new(a: Attention) -> AttentionOut {
        AttentionOut {
            reasons: a.reasons(),
            summary: a.summary(),
            ofd_not_delivered: a.ofd_not_delivered,
            negative_mark_checks: a.negative_mark_checks,
            warnings: a.warnings,
        }
    }
}

impl<'a> EntryOut<'a> {
    fn new(e: &'a Entry) -> EntryOut<'a> {
        EntryOut {
            key: &e.key,
            state: e.state.name(),
            attempt: e.attempt,
            document_id: e.document_id(),
            route: &e.provider,
            provider_id: e.provider_id.as_deref(),
            fiscal: e.fiscal.as_ref(),
            qr: e.fiscal.as_ref().map(FiscalAttributes::qr_string),
            attention: e.attention().map(AttentionOut::new),
            last_code: e.last_code.as_deref(),
            last_message: e.last_message.as_deref(),
            created_at_ms: ms(e.created_at),
            state_since_ms: ms(e.state_since),
            updated_at_ms: ms(e.updated_at),
            due_at_ms: e.due_at.map(ms),
            deadline_ms: e.deadline.map(ms),
            version: e.version,
            created: None,
            from: None,
            event: None,
        }
    }
}

/// An entry as its JSON form (see the module docs).
pub fn entry_json(e: &Entry) -> Result<String, ApiError> {
    to_json(&EntryOut::new(e))
}

/// An observer event: the entry after the change, plus `"from"`, the state before, and
/// `"event"` ([`event_kind`]).
pub fn event_json(t: &Transition) -> Result<String, ApiError> {
    let mut out = EntryOut::new(&t.entry);
    out.from = Some(t.from.name());
    out.event = Some(event_kind(t));
    to_json(&out)
}

/// The `"event"` of an observer event: `"done_with_attention"` when the change made the
/// receipt done and it wants attention (a negative mark check, warnings, not delivered to the
/// ОФД), `"done"` when it made it done otherwise, `"transition"` for any other change.
pub fn event_kind(t: &Transition) -> &'static str {
    if !t.became_done() {
        "transition"
    } else if t.entry.attention().is_some() {
        "done_with_attention"
    } else {
        "done"
    }
}

/// The result of an enqueue: the entry JSON plus `"created"`.
pub fn enqueued_json(r: &Enqueued) -> Result<String, ApiError> {
    let mut out = EntryOut::new(&r.entry);
    out.created = Some(r.created);
    to_json(&out)
}

/// A list of entries: `{"entries": [entry…]}`.
pub fn entries_json(entries: &[Entry]) -> Result<String, ApiError> {
    #[derive(Serialize)]
    struct Out<'a> {
        entries: Vec<EntryOut<'a>>,
    }
    to_json(&Out {
        entries: entries.iter().map(EntryOut::new).collect(),
    })
}

/// An audit trail: `{"records": [{"seq", "at_ms", "from", "to", "reason", "detail",
/// "attempt", "who", "note"}]}`.
pub fn audit_json(records: &[AuditRecord]) -> Result<String, ApiError> {
    #[derive(Serialize)]
    struct Out<'a> {
        records: Vec<AuditOut<'a>>,
    }
    to_json(&Out {
        records: records.iter().map(AuditOut::new).collect(),
    })
}

/// Counts per state, a window's metrics (reported as `last_hour`) and the worker's counters,
/// without route alarms (`unhealthy_routes` empty) nor the attention count (`0`): see
/// [`stats_full_json`].
pub fn stats_json(
    states: &[StateStats],
    last_hour: &WindowMetrics,
    running: bool,
    counters: &WorkerCounters,
) -> Result<String, ApiError> {
    stats_full_json(states, 0, 0, last_hour, &[], running, counters)
}

/// Every part of the stats JSON (module docs): [`stats_json`] plus the unhealthy routes
/// (`Outbox::route_alarms`: those whose provider refused our credentials or configuration and
/// has not taken a document since), `done_with_attention`, the done entries that want
/// attention (`Outbox::attention_count`), and `waiting_for_register`, the accepted entries
/// whose provider holds the document until its register comes online (МодульКасса's QUEUED:
/// `Outbox::waiting_count(WaitingFor::Register)`).
#[allow(clippy::too_many_arguments)] // one argument per part of the JSON, each named at the call
pub fn stats_full_json(
    states: &[StateStats],
    done_with_attention: u64,
    waiting_for_register: u64,
    last_hour: &WindowMetrics,
    alarms: &[RouteAlarm],
    running: bool,
    counters: &WorkerCounters,
) -> Result<String, ApiError> {
    #[derive(Serialize)]
    struct AlarmOut<'a> {
        route: &'a str,
        since_ms: i64,
        at_ms: i64,
        code: Option<&'a str>,
        message: &'a str,
        failures: u64,
    }
    #[derive(Serialize)]
    struct StateOut {
        state: &'static str,
        count: u64,
        oldest_age_ms: Option<u64>,
    }
    #[derive(Serialize)]
    struct LastHour {
        done: u64,
        rejected: u64,
        failed_at_register: u64,
        stuck: u64,
        latency_p50_ms: Option<u64>,
        latency_p95_ms: Option<u64>,
        latency_max_ms: Option<u64>,
    }
    #[derive(Serialize)]
    struct Out<'a> {
        states: Vec<StateOut>,
        done_with_attention: u64,
        waiting_for_register: u64,
        last_hour: LastHour,
        worker: WorkerOut,
        unhealthy_routes: Vec<AlarmOut<'a>>,
    }
    let m = last_hour;
    to_json(&Out {
        states: states
            .iter()
            .map(|s| StateOut {
                state: s.state.name(),
                count: s.count,
                oldest_age_ms: s.oldest_age.map(dur_ms),
            })
            .collect(),
        done_with_attention,
        waiting_for_register,
        last_hour: LastHour {
            done: m.done,
            rejected: m.rejected,
            failed_at_register: m.failed_at_register,
            stuck: m.stuck,
            latency_p50_ms: m.latency_p50.map(dur_ms),
            latency_p95_ms: m.latency_p95.map(dur_ms),
            latency_max_ms: m.latency_max.map(dur_ms),
        },
        worker: WorkerOut::new(running, counters),
        unhealthy_routes: alarms
            .iter()
            .map(|a| AlarmOut {
                route: &a.route,
                since_ms: ms(a.since),
                at_ms: ms(a.at),
                code: a.code.as_deref(),
                message: &a.message,
                failures: a.failures,
            })
            .collect(),
    })
}

/// A reconciliation's findings (module docs).
pub fn reconcile_json(r: &Reconciliation) -> Result<String, ApiError> {
    to_json(&ReconcileOut::new(r))
}

#[derive(Serialize)]
struct AuditOut<'a> {
    seq: i64,
    at_ms: i64,
    from: Option<&'static str>,
    to: &'static str,
    reason: &'a str,
    detail: &'a str,
    attempt: u32,
    who: Option<&'a str>,
    note: Option<&'a str>,
}

impl<'a> AuditOut<'a> {
    fn new(r: &'a AuditRecord) -> AuditOut<'a> {
        AuditOut {
            seq: r.seq,
            at_ms: ms(r.at),
            from: r.from.map(State::name),
            to: r.to.name(),
            reason: &r.reason,
            detail: &r.detail,
            attempt: r.attempt,
            who: r.who.as_deref(),
            note: r.note.as_deref(),
        }
    }
}

#[derive(Serialize)]
struct FindingOut<'a> {
    key: &'a str,
    document_id: &'a str,
    route: &'a str,
    detail: &'a str,
}

fn findings(v: &[Finding]) -> Vec<FindingOut<'_>> {
    v.iter()
        .map(|f| FindingOut {
            key: &f.key,
            document_id: &f.document_id,
            route: &f.route,
            detail: &f.detail,
        })
        .collect()
}

#[derive(Serialize)]
struct ReconcileOut<'a> {
    checked: usize,
    matched: usize,
    unknown_at_provider: Vec<FindingOut<'a>>,
    not_done_at_provider: Vec<FindingOut<'a>>,
    mismatched: Vec<FindingOut<'a>>,
    missing_fiscal: Vec<FindingOut<'a>>,
    unchecked: Vec<FindingOut<'a>>,
    id_conflicts: Vec<FindingOut<'a>>,
    stuck: Vec<FindingOut<'a>>,
    attention: Vec<FindingOut<'a>>,
    not_delivered: Vec<FindingOut<'a>>,
}

impl<'a> ReconcileOut<'a> {
    fn new(r: &'a Reconciliation) -> ReconcileOut<'a> {
        ReconcileOut {
            checked: r.checked,
            matched: r.matched,
            unknown_at_provider: findings(&r.unknown_at_provider),
            not_done_at_provider: findings(&r.not_done_at_provider),
            mismatched: findings(&r.mismatched),
            missing_fiscal: findings(&r.missing_fiscal),
            unchecked: findings(&r.unchecked),
            id_conflicts: findings(&r.id_conflicts),
            stuck: findings(&r.stuck),
            attention: findings(&r.attention),
            not_delivered: findings(&r.not_delivered),
        }
    }
}

#[derive(Serialize)]
struct WorkerOut {
    running: bool,
    claimed: u64,
    submits: u64,
    status_calls: u64,
    done: u64,
    done_with_attention: u64,
    resubmits: u64,
    failovers: u64,
    conflicts: u64,
    store_errors: u64,
    unrouted: u64,
}

impl WorkerOut {
    fn new(running: bool, c: &WorkerCounters) -> WorkerOut {
        WorkerOut {
            running,
            claimed: c.claimed,
            submits: c.submits,
            status_calls: c.status_calls,
            done: c.done,
            done_with_attention: c.done_with_attention,
            resubmits: c.resubmits,
            failovers: c.failovers,
            conflicts: c.conflicts,
            store_errors: c.store_errors,
            unrouted: c.unrouted,
        }
    }
}
