//! The backend-independent rules of the journal: what an event does to an entry (next state,
//! due time, attempt, tries and backoff, deadlines, lease), which operator events an entry's
//! history allows, and what an event means for its route's alarm. Pure functions of an entry,
//! an event, `now` and the [`Config`]; a backend (SQLite today) only loads, writes and
//! commits what they decide, so a second backend follows the same rules by calling them.

use super::{backoff, AuditRecord, Config, Entry, Jitter, Timestamp, ID_CONFLICT_CODE};
use crate::error::OutboxError;
use crate::state::{check_operator, operator_event, transition, Event, EventKind, State};
use fiskal_providers::Outcome;
use std::time::Duration;

/// States [`Store::claim_due`](super::Store::claim_due) looks at. Invariant (kept by [`plan`],
/// [`extend_lease`] and the backends' `poke`, and asserted by the store tests): an entry has a
/// `due_at` exactly when it is in one of these, so a backend may select due entries on `due_at`
/// alone (the SQLite backend stays on its partial index `entries_due`: O(log n) at a million
/// queued; filtering on `state` too made SQLite scan).
pub(crate) const CLAIMABLE: [State; 5] = [
    State::Queued,
    State::RetryLater,
    State::Sending,
    State::Accepted,
    State::InDoubt,
];

/// What claiming a due entry does, by its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Claim {
    /// Queued or retry_later: [`plan`] [`Event::ClaimedForSend`] (to `sending`, leased).
    Send,
    /// Sending whose lease ran out: [`plan`] [`Event::LeaseExpired`] (to `in_doubt`), then
    /// [`extend_lease`] the result.
    Expire,
    /// Accepted (to poll) or in_doubt (to resolve): [`extend_lease`], the state stays.
    Extend,
    /// Not claimable (cannot happen while the invariant of [`CLAIMABLE`] holds): never lease
    /// a final entry.
    Skip,
}

impl Claim {
    /// The event to [`plan`] for this step (`None`: no state change).
    pub(crate) fn event(self) -> Option<Event<'static>> {
        match self {
            Claim::Send => Some(Event::ClaimedForSend),
            Claim::Expire => Some(Event::LeaseExpired),
            Claim::Extend | Claim::Skip => None,
        }
    }
}

/// What claiming a due entry in `state` does.
pub(crate) fn claim_step(state: State) -> Claim {
    match state {
        st if !CLAIMABLE.contains(&st) => Claim::Skip,
        State::Queued | State::RetryLater => Claim::Send,
        State::Sending => Claim::Expire,
        _ => Claim::Extend,
    }
}

/// The entry with its lease extended to `now + lease`, keeping its state (accepted to poll,
/// in_doubt to resolve); the version is raised, no audit row is written.
pub(crate) fn extend_lease(cur: &Entry, now: Timestamp, lease: Duration) -> Entry {
    let mut n = cur.clone();
    n.version = cur.version.saturating_add(1);
    n.due_at = Some(now.plus(lease));
    n.updated_at = now;
    n
}

/// Keeps an entry that a change leaves `accepted` leased to the change's writer
/// ([`Change::hold`](super::Change::hold)): its `due_at` (the poll time) moves `lease` later,
/// so no claim takes it before its writer has polled it (the writer polls at `due_at − lease`).
/// Other states are left as they are.
pub(crate) fn hold_lease(n: &mut Entry, lease: Duration) {
    if n.state == State::Accepted {
        n.due_at = n.due_at.map(|t| t.plus(lease));
    }
}

/// The deadline of a newly enqueued entry (in `queued` from `now`).
pub(crate) fn enqueued_deadline(cfg: &Config, now: Timestamp) -> Option<Timestamp> {
    cfg.deadline(State::Queued).map(|d| now.plus(d))
}

/// Checks, for an operator event, that it is the one the entry's history allows (a new
/// document id from `stuck` only where no provider can hold the old one, see
/// [`operator_event`]); any event must also be allowed by the state table. `trail` loads the
/// entry's audit trail, oldest first; it is called only for an operator event. A backend calls
/// this inside the transaction that applies the event, whoever the caller is.
pub(crate) fn check_operator_history(
    cur: &Entry,
    event: &Event<'_>,
    trail: impl FnOnce() -> Result<Vec<AuditRecord>, OutboxError>,
) -> Result<(), OutboxError> {
    transition(cur.state, event)?;
    if let Some(kind) = EventKind::of(event).filter(|k| k.is_operator()) {
        let action = kind.operator_action().ok_or(OutboxError::UnknownOutcome)?;
        let trail = trail()?;
        let fiscal = match event {
            Event::OperatorResolve { fiscal, .. } => Some(*fiscal),
            _ => None,
        };
        let allowed = operator_event(action, cur, &trail, "-", "-", fiscal)?;
        if EventKind::of(&allowed) != Some(kind) {
            return Err(OutboxError::NotAllowed {
                key: cur.key.clone(),
                reason: "this operator event does not fit the entry's history (a new \
                         document id only where no provider can hold the old one)",
            });
        }
    }
    Ok(())
}

/// What an event of an entry does to its route's alarm
/// ([`RouteAlarm`](super::RouteAlarm)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RouteAlarmChange {
    /// Raise the alarm, or repeat it (one more failure, the latest code and message).
    Raise,
    /// Clear it: the provider's answer proves the credentials and configuration work.
    Clear,
    /// Leave it as it is.
    Keep,
}

/// Keeps the route alarms in step with an answer of the entry's provider: a refusal of the
/// credentials or the configuration raises (or repeats) the route's alarm; an answer that
/// proves they work (the provider took, reported or refused a document) clears it. Transient
/// failures say nothing either way.
pub(crate) fn route_alarm_change(reason: EventKind) -> RouteAlarmChange {
    match reason {
        EventKind::RefusedConfig => RouteAlarmChange::Raise,
        EventKind::Accepted
        | EventKind::Duplicate
        | EventKind::Pending
        | EventKind::Done
        | EventKind::NotFound
        | EventKind::RejectedRegister
        | EventKind::Rejected
        | EventKind::IdConflict => RouteAlarmChange::Clear,
        _ => RouteAlarmChange::Keep,
    }
}

/// Forgets a wait reason ([`fiskal_providers::WaitingFor::entry_code`]) kept as the entry's
/// last code once the provider reports progress (taken, pending, done).
fn clear_waiting(n: &mut Entry) {
    if n.last_code
        .as_deref()
        .and_then(fiskal_providers::WaitingFor::from_entry_code)
        .is_some()
    {
        n.last_code = None;
        n.last_message = None;
    }
}

/// What an event changes in an entry: the backend writes `next` under the current version,
/// appends one audit row (`reason`, `detail`, `operator`) and applies
/// [`route_alarm_change`]`(reason)` to the entry's route, all in one transaction.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// The entry after the event (version raised by one).
    pub(crate) next: Entry,
    /// The kind of the event, the audit row's reason.
    pub(crate) reason: EventKind,
    /// The audit row's detail.
    pub(crate) detail: String,
    /// The operator and the reason of an operator action (trimmed).
    pub(crate) operator: Option<(String, String)>,
}

/// The new entry after `event`, by the state table and the timing rules (shared by every
/// backend): see [`Config`] for the delays.
pub(crate) fn plan(
    cfg: &Config,
    cur: &Entry,
    event: &Event<'_>,
    now: Timestamp,
    lease: Duration,
    jitter: Jitter,
) -> Result<Plan, OutboxError> {
    let to = transition(cur.state, event)?;
    let reason = EventKind::of(event).ok_or(OutboxError::UnknownOutcome)?;
    if let Some((who, why)) = event.operator() {
        check_operator(who, why)?;
    }
    let mut n = cur.clone();
    let same = to == cur.state;
    n.state = to;
    n.version = cur.version.saturating_add(1);
    n.updated_at = now;
    if !same {
        n.state_since = now;
        n.deadline = cfg.deadline(to).map(|d| now.plus(d));
    }
    // `tries` counts consecutive failures and polls, across the sending ⇄ retry_later cycle,
    // so the backoff grows; progress (accepted, done, a new attempt …) starts it again.
    n.tries = match reason {
        EventKind::ClaimedForSend
        | EventKind::LeaseExpired
        | EventKind::NotFound
        | EventKind::Deadline => cur.tries,
        EventKind::RetryLater | EventKind::InDoubt | EventKind::RefusedConfig => {
            cur.tries.saturating_add(1)
        }
        EventKind::Accepted | EventKind::Duplicate | EventKind::Pending if same => {
            cur.tries.saturating_add(1)
        }
        _ => 0,
    };
    let mut detail = String::new();
    let mut after: Option<Duration> = None;
    if let Event::ProviderOutcome(o) = event {
        match o {
            Outcome::Accepted { provider_id, .. } | Outcome::Pending { provider_id } => {
                n.provider_id = Some(provider_id.clone());
                detail = format!("provider_id {provider_id}");
                clear_waiting(&mut n);
            }
            // Pending, and what it waits for is the entry's last code and message, so that
            // `queue show` and the stats can tell it (`waiting_for_register`).
            Outcome::Waiting {
                provider_id,
                waiting_for,
                message,
            } => {
                n.provider_id = Some(provider_id.clone());
                n.last_code = Some(waiting_for.entry_code().to_owned());
                n.last_message = Some(message.clone());
                detail = format!(
                    "provider_id {provider_id}; {}: {message}",
                    waiting_for.entry_code()
                );
            }
            Outcome::Done {
                provider_id,
                fiscal,
            } => {
                clear_waiting(&mut n);
                n.provider_id = Some(provider_id.clone());
                n.fiscal = Some(fiscal.clone());
                detail = format!(
                    "provider_id {provider_id}; fn {} fd {} fp {}",
                    fiscal.fn_number, fiscal.fd_number, fiscal.fiscal_sign
                );
            }
            Outcome::Rejected {
                kind,
                code,
                message,
            } => {
                n.last_code = Some(code.clone());
                n.last_message = Some(message.clone());
                detail = format!("{} {code}: {message}", kind.code());
            }
            Outcome::RetryLater {
                after: a,
                code,
                message,
            } => {
                after = *a;
                n.last_code.clone_from(code);
                n.last_message = Some(message.clone());
                detail = match code {
                    Some(c) => format!("{c}: {message}"),
                    None => message.clone(),
                };
            }
            Outcome::InDoubt { reason } => {
                n.last_message = Some(reason.clone());
                detail = reason.clone();
            }
            Outcome::NotFound { message } => {
                n.last_message = Some(message.clone());
                detail = message.clone();
            }
            _ => return Err(OutboxError::UnknownOutcome),
        }
    }
    // Every computed delay is spread by the caller's draw; a provider's Retry-After is only
    // lengthened.
    let pct = cfg.jitter_percent;
    let policy = |d: Duration| jitter.spread(d, pct);
    let told = |d: Duration| jitter.later(d, pct);
    // The n-th consecutive failure waits retry_base · 2^(n-1), unless the provider said.
    let retry = |tries: u32| {
        let d = backoff(cfg.retry_base, cfg.retry_max, tries.saturating_sub(1));
        now.plus(after.map_or_else(|| policy(d), told))
    };
    n.due_at = match to {
        // A resubmit waits like a retry (the register's trouble may last); the n-th attempt
        // waits retry_base · 2^(n-2).
        State::Queued if matches!(event, Event::Resubmit) => Some(now.plus(policy(backoff(
            cfg.retry_base,
            cfg.retry_max,
            cur.attempt.saturating_sub(1),
        )))),
        State::Queued => Some(now),
        State::Sending => Some(now.plus(lease)),
        // An operator put it back: poll at once.
        State::Accepted if matches!(event, Event::OperatorResume { .. }) => Some(now),
        State::Accepted if !same => Some(now.plus(policy(cfg.poll_first))),
        State::Accepted => {
            let poll = backoff(cfg.poll_first, cfg.poll_max, n.tries);
            Some(now.plus(after.map_or_else(|| policy(poll), |a| told(a.max(poll)))))
        }
        // Resolve right away after a failed send; back off while lookups keep failing.
        State::InDoubt if !same => Some(now),
        State::InDoubt | State::RetryLater => Some(retry(n.tries)),
        State::Done
        | State::Rejected
        | State::Stuck
        | State::FailedAtRegister
        | State::Cancelled => None,
    };
    if let Event::Resubmit = event {
        n.attempt = cur.attempt.saturating_add(1);
        n.provider_id = None;
        detail = format!(
            "new document id {} (was {})",
            n.document_id(),
            cur.document_id()
        );
    }
    if let Event::Failover { provider } = event {
        if cur.attempt != 1 {
            return Err(OutboxError::NotAllowed {
                key: cur.key.clone(),
                reason: "failover only before any provider accepted the receipt (attempt 1)",
            });
        }
        if *provider == cur.provider {
            return Err(OutboxError::NotAllowed {
                key: cur.key.clone(),
                reason: "failover to the provider it is already routed to",
            });
        }
        n.provider = (*provider).to_owned();
        n.attempt = cur.attempt.saturating_add(1);
        n.provider_id = None;
        detail = format!(
            "from {} to {provider}; new document id {}",
            cur.provider,
            n.document_id()
        );
    }
    if let Event::Deadline = event {
        detail = format!("in {} since {} ms", cur.state, cur.state_since.0);
    }
    if let Event::IdConflict { detail: d } = event {
        n.last_code = Some(ID_CONFLICT_CODE.to_owned());
        n.last_message = Some((*d).to_owned());
        detail = (*d).to_owned();
    }
    let operator = event
        .operator()
        .map(|(who, why)| (who.trim().to_owned(), why.trim().to_owned()));
    if let Some((who, why)) = &operator {
        let what = match event {
            Event::OperatorRequeue { .. } => {
                // A new attempt: what the provider said about the old document id stays in
                // the audit trail, not on the entry.
                n.attempt = cur.attempt.saturating_add(1);
                n.provider_id = None;
                n.fiscal = None;
                n.last_code = None;
                n.last_message = None;
                format!(
                    "new document id {} (was {})",
                    n.document_id(),
                    cur.document_id()
                )
            }
            Event::OperatorResume { .. } => format!(
                "same document id {}, polled by provider id {}",
                n.document_id(),
                n.provider_id.as_deref().unwrap_or("")
            ),
            Event::OperatorRecheck { .. } => format!(
                "same document id {}, resolved with the provider before any resend",
                n.document_id()
            ),
            Event::OperatorResolve { fiscal, .. } => {
                n.fiscal = Some((*fiscal).clone());
                format!(
                    "fiscal attributes entered by hand: fn {} fd {} fp {} at {}",
                    fiscal.fn_number, fiscal.fd_number, fiscal.fiscal_sign, fiscal.date_time
                )
            }
            _ => format!("document id {} never sent again", n.document_id()),
        };
        detail = format!("by {who}: {why}; {what}");
    }
    Ok(Plan {
        next: n,
        reason,
        detail,
        operator,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = Timestamp(1_000_000);
    const LEASE: Duration = Duration::from_secs(60);

    fn entry(state: State) -> Entry {
        Entry {
            key: "k1".to_owned(),
            receipt_json: "{}".to_owned(),
            body_hash: "00".to_owned(),
            provider: "atol".to_owned(),
            state,
            version: 7,
            attempt: 1,
            tries: 0,
            provider_id: None,
            due_at: None,
            deadline: None,
            fiscal: None,
            last_code: None,
            last_message: None,
            created_at: Timestamp(0),
            state_since: Timestamp(500),
            updated_at: Timestamp(500),
        }
    }

    fn record(from: Option<State>, to: State, reason: &str, attempt: u32) -> AuditRecord {
        AuditRecord {
            seq: 1,
            key: "k1".to_owned(),
            at: Timestamp(0),
            from,
            to,
            reason: reason.to_owned(),
            detail: String::new(),
            attempt,
            who: None,
            note: None,
        }
    }

    fn run(cur: &Entry, event: &Event<'_>) -> Result<Plan, OutboxError> {
        plan(&Config::default(), cur, event, NOW, LEASE, Jitter::NONE)
    }

    fn retry_later() -> Outcome {
        Outcome::RetryLater {
            after: None,
            code: Some("503".to_owned()),
            message: "busy".to_owned(),
        }
    }

    #[test]
    fn claim_leases_and_starts_the_deadline_of_sending() {
        let cur = entry(State::Queued);
        let p = run(&cur, &Event::ClaimedForSend).unwrap();
        assert_eq!(p.next.state, State::Sending);
        assert_eq!(p.next.version, 8);
        assert_eq!(p.next.due_at, Some(NOW.plus(LEASE)));
        assert_eq!(p.next.state_since, NOW);
        assert_eq!(p.next.updated_at, NOW);
        let sending = Config::default().deadline_sending.unwrap();
        assert_eq!(p.next.deadline, Some(NOW.plus(sending)));
        assert_eq!(p.reason, EventKind::ClaimedForSend);
        assert_eq!(p.operator, None);
    }

    #[test]
    fn retries_back_off_exponentially_up_to_the_cap() {
        let cfg = Config::default();
        let outcome = retry_later();
        let mut cur = entry(State::Sending);
        let mut waits = Vec::new();
        for _ in 0..12 {
            let p = run(&cur, &Event::ProviderOutcome(&outcome)).unwrap();
            assert_eq!(p.next.state, State::RetryLater);
            assert_eq!(p.next.last_code.as_deref(), Some("503"));
            assert_eq!(p.detail, "503: busy");
            waits.push(p.next.due_at.unwrap().0 - NOW.0);
            // Back to sending, keeping the count of consecutive failures.
            let claimed = run(&p.next, &Event::ClaimedForSend).unwrap();
            assert_eq!(claimed.next.tries, p.next.tries);
            cur = claimed.next;
        }
        let base = i64::try_from(cfg.retry_base.as_millis()).unwrap();
        let max = i64::try_from(cfg.retry_max.as_millis()).unwrap();
        assert_eq!(waits[0], base);
        assert_eq!(waits[1], 2 * base);
        assert_eq!(waits[2], 4 * base);
        assert_eq!(*waits.last().unwrap(), max);
        assert!(waits.windows(2).all(|w| w[0] <= w[1]), "{waits:?}");
    }

    #[test]
    fn a_providers_retry_after_is_kept_and_only_lengthened_by_jitter() {
        let after = Duration::from_secs(30);
        let outcome = Outcome::RetryLater {
            after: Some(after),
            code: None,
            message: "later".to_owned(),
        };
        let cur = entry(State::Sending);
        let cfg = Config::default();
        for draw in [0u16, Jitter::NONE.0, u16::MAX] {
            let p = plan(
                &cfg,
                &cur,
                &Event::ProviderOutcome(&outcome),
                NOW,
                LEASE,
                Jitter(draw),
            )
            .unwrap();
            let due = p.next.due_at.unwrap();
            assert!(due >= NOW.plus(after), "draw {draw}: {due:?}");
            assert_eq!(p.detail, "later");
        }
    }

    #[test]
    fn progress_resets_tries_and_polls_first_after_accepted() {
        let mut cur = entry(State::Sending);
        cur.tries = 5;
        let outcome = Outcome::Accepted {
            provider_id: "u-1".to_owned(),
            duplicate: false,
        };
        let p = run(&cur, &Event::ProviderOutcome(&outcome)).unwrap();
        assert_eq!(p.next.state, State::Accepted);
        assert_eq!(p.next.tries, 0);
        assert_eq!(p.next.provider_id.as_deref(), Some("u-1"));
        assert_eq!(p.next.due_at, Some(NOW.plus(Config::default().poll_first)));
        assert_eq!(p.detail, "provider_id u-1");
    }

    #[test]
    fn a_final_state_has_no_due_time_and_no_deadline() {
        let cur = entry(State::Sending);
        let outcome = Outcome::Rejected {
            kind: fiskal_providers::RejectKind::Validation,
            code: "E1".to_owned(),
            message: "bad".to_owned(),
        };
        let p = run(&cur, &Event::ProviderOutcome(&outcome)).unwrap();
        assert_eq!(p.next.state, State::Rejected);
        assert_eq!(p.next.due_at, None);
        assert_eq!(p.next.deadline, None);
        assert_eq!(p.next.last_code.as_deref(), Some("E1"));
    }

    #[test]
    fn resubmit_raises_the_attempt_and_forgets_the_provider_id() {
        let mut cur = entry(State::FailedAtRegister);
        cur.provider_id = Some("u-1".to_owned());
        let p = run(&cur, &Event::Resubmit).unwrap();
        assert_eq!(p.next.state, State::Queued);
        assert_eq!(p.next.attempt, 2);
        assert_eq!(p.next.provider_id, None);
        assert_eq!(p.detail, "new document id k1-2 (was k1-1)");
        // The first resubmit waits retry_base · 2^0.
        assert_eq!(p.next.due_at, Some(NOW.plus(Config::default().retry_base)));
    }

    #[test]
    fn failover_only_at_attempt_one_and_to_another_provider() {
        let cur = entry(State::RetryLater);
        let p = run(&cur, &Event::Failover { provider: "orange" }).unwrap();
        assert_eq!(p.next.provider, "orange");
        assert_eq!(p.next.attempt, 2);
        assert_eq!(p.next.due_at, Some(NOW));
        let same = run(&cur, &Event::Failover { provider: "atol" });
        assert!(
            matches!(same, Err(OutboxError::NotAllowed { .. })),
            "{same:?}"
        );
        let mut later = entry(State::RetryLater);
        later.attempt = 2;
        let late = run(&later, &Event::Failover { provider: "orange" });
        assert!(
            matches!(late, Err(OutboxError::NotAllowed { .. })),
            "{late:?}"
        );
    }

    #[test]
    fn an_event_the_state_table_refuses_plans_nothing() {
        let r = run(&entry(State::Done), &Event::ClaimedForSend);
        assert!(
            matches!(r, Err(OutboxError::InvalidTransition { .. })),
            "{r:?}"
        );
    }

    #[test]
    fn an_operator_event_is_checked_and_trimmed_into_the_audit_detail() {
        let cur = entry(State::Rejected);
        let blank = run(
            &cur,
            &Event::OperatorRequeue {
                who: " ",
                reason: "fixed",
            },
        );
        assert!(
            matches!(
                blank,
                Err(OutboxError::InvalidArgument { field: "who", .. })
            ),
            "{blank:?}"
        );
        let p = run(
            &cur,
            &Event::OperatorRequeue {
                who: " ivan ",
                reason: " fixed the VAT ",
            },
        )
        .unwrap();
        assert_eq!(p.next.state, State::Queued);
        assert_eq!(p.next.attempt, 2);
        assert_eq!(
            p.operator,
            Some(("ivan".to_owned(), "fixed the VAT".to_owned()))
        );
        assert_eq!(
            p.detail,
            "by ivan: fixed the VAT; new document id k1-2 (was k1-1)"
        );
    }

    #[test]
    fn the_history_check_reads_the_trail_only_for_operator_events() {
        let cur = entry(State::Queued);
        let called = std::cell::Cell::new(false);
        check_operator_history(&cur, &Event::ClaimedForSend, || {
            called.set(true);
            Ok(Vec::new())
        })
        .unwrap();
        assert!(!called.get());
        let r = check_operator_history(&entry(State::Done), &Event::ClaimedForSend, || {
            Ok(Vec::new())
        });
        assert!(
            matches!(r, Err(OutboxError::InvalidTransition { .. })),
            "{r:?}"
        );
    }

    #[test]
    fn a_new_document_id_from_stuck_only_where_no_provider_can_hold_the_old_one() {
        let cur = entry(State::Stuck);
        let requeue = Event::OperatorRequeue {
            who: "ivan",
            reason: "retry",
        };
        // Went stuck while being sent: the provider may hold it.
        let held = vec![
            record(None, State::Queued, "enqueued", 1),
            record(Some(State::Queued), State::Sending, "claimed_for_send", 1),
            record(Some(State::Sending), State::Stuck, "deadline", 1),
        ];
        let r = check_operator_history(&cur, &requeue, || Ok(held));
        assert!(matches!(r, Err(OutboxError::NotAllowed { .. })), "{r:?}");
        // Refused by the register first: nobody holds the old id.
        let refused = vec![
            record(None, State::Queued, "enqueued", 1),
            record(Some(State::FailedAtRegister), State::Stuck, "deadline", 1),
        ];
        check_operator_history(&cur, &requeue, || Ok(refused)).unwrap();
    }

    #[test]
    fn claim_steps_by_state() {
        assert_eq!(claim_step(State::Queued), Claim::Send);
        assert_eq!(claim_step(State::RetryLater), Claim::Send);
        assert_eq!(claim_step(State::Sending), Claim::Expire);
        assert_eq!(claim_step(State::Accepted), Claim::Extend);
        assert_eq!(claim_step(State::InDoubt), Claim::Extend);
        for st in [
            State::Done,
            State::Rejected,
            State::Stuck,
            State::FailedAtRegister,
            State::Cancelled,
        ] {
            assert_eq!(claim_step(st), Claim::Skip, "{st}");
        }
        assert!(matches!(Claim::Send.event(), Some(Event::ClaimedForSend)));
        assert!(matches!(Claim::Expire.event(), Some(Event::LeaseExpired)));
        assert!(Claim::Extend.event().is_none());
        assert!(Claim::Skip.event().is_none());
    }

    #[test]
    fn extending_a_lease_keeps_the_state_and_raises_the_version() {
        let cur = entry(State::Accepted);
        let n = extend_lease(&cur, NOW, LEASE);
        assert_eq!(n.state, State::Accepted);
        assert_eq!(n.version, 8);
        assert_eq!(n.due_at, Some(NOW.plus(LEASE)));
        assert_eq!(n.state_since, cur.state_since);
        assert_eq!(n.updated_at, NOW);
    }

    #[test]
    fn a_held_accepted_entry_is_due_a_lease_after_its_poll_time() {
        let cur = entry(State::Sending);
        let outcome = Outcome::Accepted {
            provider_id: "u-1".to_owned(),
            duplicate: false,
        };
        let mut n = run(&cur, &Event::ProviderOutcome(&outcome)).unwrap().next;
        let poll = NOW.plus(Config::default().poll_first);
        assert_eq!(n.due_at, Some(poll));
        hold_lease(&mut n, LEASE);
        assert_eq!(n.due_at, Some(poll.plus(LEASE)));
        // Anything but accepted is left as planned.
        let retry = run(&cur, &Event::ProviderOutcome(&retry_later()))
            .unwrap()
            .next;
        let mut held = retry.clone();
        hold_lease(&mut held, LEASE);
        assert_eq!(held, retry);
    }

    #[test]
    fn route_alarms_rise_on_refused_configuration_and_clear_on_a_real_answer() {
        assert_eq!(
            route_alarm_change(EventKind::RefusedConfig),
            RouteAlarmChange::Raise
        );
        for k in [
            EventKind::Accepted,
            EventKind::Done,
            EventKind::Rejected,
            EventKind::NotFound,
        ] {
            assert_eq!(
                route_alarm_change(k),
                RouteAlarmChange::Clear,
                "{}",
                k.name()
            );
        }
        for k in [
            EventKind::RetryLater,
            EventKind::InDoubt,
            EventKind::LeaseExpired,
        ] {
            assert_eq!(
                route_alarm_change(k),
                RouteAlarmChange::Keep,
                "{}",
                k.name()
            );
        }
    }

    #[test]
    fn a_new_entry_gets_the_deadline_of_queued() {
        let cfg = Config::default();
        assert_eq!(
            enqueued_deadline(&cfg, NOW),
            Some(NOW.plus(cfg.deadline_queued.unwrap()))
        );
        let none = Config {
            deadline_queued: None,
            ..Config::default()
        };
        assert_eq!(enqueued_deadline(&none, NOW), None);
    }
}
