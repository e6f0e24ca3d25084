//! The states of an outbox entry and the one table of allowed transitions.
//!
//! ```text
//! queued ──claimed_for_send──► sending ──accepted/duplicate/pending──► accepted ──done──► done
//!   ▲                            │  ├──done──────────────────────────────────────────────► done
//!   │                            │  ├──retry_later──► retry_later ──claimed_for_send──► sending
//!   │                            │  ├──refused_config (auth / configuration)──► retry_later
//!   │                            │  ├──in_doubt / lease_expired──► in_doubt
//!   │                            │  ├──rejected_register──► failed_at_register
//!   │                            │  ├──rejected (the document itself)──► rejected
//!   │                            │  └──id_conflict (done, but not our receipt)──► stuck
//!   └──────resubmit (attempt + 1)── failed_at_register
//! accepted ── a poll: pending ──► accepted; done ──► done; the provider's refusal of the
//!             document ──► rejected / failed_at_register; a poll that fails in any other way
//!             (retry_later, in_doubt, not_found, refused_config) ──► accepted (poll again);
//!             id_conflict ──► stuck
//! in_doubt ── a status lookup (or, for ATOL, a resend of the SAME document id) ──► accepted,
//!             done, rejected, failed_at_register; a lookup that fails (retry_later, in_doubt,
//!             refused_config) stays in_doubt; id_conflict ──► stuck;
//!             not_found (the provider confirmed it never took the document) ──► retry_later
//! retry_later ──failover (attempt 1 only: never accepted anywhere)──► queued at the second provider
//! any state that is not final ──deadline──► stuck
//!
//! operator actions (a person, with a name and a reason kept in the audit trail):
//! rejected, failed_at_register ──operator_requeue (attempt + 1)──► queued
//! stuck ──operator_requeue (attempt + 1)──► queued      only where no provider can hold it
//! stuck ──operator_resume (same id)──► accepted         the provider holds it (provider id known)
//! stuck ──operator_recheck (same id)──► in_doubt        it may be at the provider
//! queued, retry_later, failed_at_register, rejected, stuck ──operator_cancel──► cancelled
//! stuck ──operator_resolve (fiscal attributes entered by hand)──► done
//! ```
//!
//! # Operator actions
//!
//! `requeue` and `cancel` ([`Outbox::requeue`](crate::Outbox::requeue),
//! [`Outbox::cancel`](crate::Outbox::cancel)) are events like the others, each with its rows in
//! [`TRANSITIONS`]; the only rows out of `rejected` and `stuck` are theirs. Which event a
//! requeue of a `stuck` entry is depends on its history, which the table cannot see;
//! [`operator_event`] decides it from the entry and its audit trail:
//!
//! * a **new document id** (attempt + 1, [`EventKind::OperatorRequeue`]) only where no provider
//!   can hold the current one: after the provider refused the document (`rejected`,
//!   `failed_at_register`, or `stuck` out of `failed_at_register`), after an
//!   [`EventKind::IdConflict`] (the document under our id is someone else's), or when the
//!   current attempt never reached `accepted` or `in_doubt` and went stuck out of `queued` or
//!   `retry_later` (every send of this attempt was answered "not taken");
//! * otherwise the **same document id**: with a provider id the provider told us it holds the
//!   document, so the entry goes back to `accepted` ([`EventKind::OperatorResume`]) and is
//!   polled by that id, where a lookup that does not find it never leads to a resend; without
//!   one it goes to `in_doubt` ([`EventKind::OperatorRecheck`]) and is resolved the provider's
//!   way before anything is sent (ATOL resends the same id and gets "duplicate" with its uuid,
//!   Orange Data and Business.ru look the id up; only a confirmed "not found" sends it, under
//!   the same id).
//!
//! `cancel` ([`EventKind::OperatorCancel`] → [`State::Cancelled`], final) only while no provider
//! can hold the entry: `queued`, `retry_later`, `failed_at_register`, `rejected`, and a `stuck`
//! entry a requeue would send under a new id. Anything the provider may hold (`sending`,
//! `accepted`, `in_doubt`, such a `stuck` one) may still be fiscalised: it is refused, and a
//! receipt already fiscalised is undone by a refund receipt, never by cancelling.
//!
//! `resolve` ([`EventKind::OperatorResolve`] → [`State::Done`], [`Outbox::resolve`](crate::Outbox::resolve))
//! only from `stuck`: the operator found the receipt fiscalised (in the ОФД's or the provider's
//! personal account) although the machine could not learn it (the status lookup keeps failing,
//! or the provider no longer knows the id), and enters its fiscal attributes by hand. They are
//! checked against the stored receipt first ([`check_resolve_fiscal`]: ФН 16 digits, ФД and ФП
//! above zero, the receipt's total and operation); the audit row says they were entered by hand.
//!
//! Only the provider's verdict on the **document** ends an entry as `rejected` or
//! `failed_at_register` ([`EventKind::Rejected`], [`EventKind::RejectedRegister`]: ATOL `fail`
//! with its error in the report, an Orange Data 400 on the document, a Business.ru command
//! error). A refusal of our credentials or configuration ([`RejectKind::Auth`],
//! [`RejectKind::Configuration`]: wrong password, inactive token, unknown group, a certificate
//! problem) is [`EventKind::RefusedConfig`]: it says nothing about the receipt, so the entry
//! waits (with backoff) and goes out by itself once the configuration is fixed, or becomes
//! `stuck` at its deadline for an operator.
//!
//! [`TRANSITIONS`] is the whole machine: [`transition`] only looks it up, and a test walks every
//! (state, event kind) pair against an independent copy of it. The names of [`State`] and
//! [`EventKind`] are stored in the database and the audit trail: they never change.

use crate::error::OutboxError;
use crate::store::{AuditRecord, Entry};
use fiskal_providers::{FiscalAttributes, Outcome, RejectKind};

/// Where an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum State {
    /// Stored, waiting to be sent.
    Queued,
    /// Claimed by a worker that is sending it (under a lease: `due_at` is when it expires).
    Sending,
    /// The provider holds the document (`provider_id` known); being polled.
    Accepted,
    /// Fiscalised: the fiscal attributes are stored. Final.
    Done,
    /// Unknown whether the provider took it: resolve by status lookup before any resend.
    InDoubt,
    /// Not taken (a transient failure, or our credentials or configuration refused): send
    /// again, with the same document id, at `due_at`.
    RetryLater,
    /// The register refused it (KKT code kept): resubmit under a new attempt id once the cause
    /// is gone, or leave it for an operator.
    FailedAtRegister,
    /// The provider refused the document for good (validation …): needs a fix. Final.
    /// Never reached through a refusal of the credentials or the configuration
    /// ([`EventKind::RefusedConfig`]) nor through a failed status call.
    Rejected,
    /// Stayed in a state past its deadline: needs an operator. Final for the machine (only an
    /// operator action moves it on).
    Stuck,
    /// Cancelled by an operator before any provider could hold it: it must not go out. Final.
    Cancelled,
}

impl State {
    /// Every state, in a stable order.
    pub const ALL: [State; 10] = [
        State::Queued,
        State::Sending,
        State::Accepted,
        State::Done,
        State::InDoubt,
        State::RetryLater,
        State::FailedAtRegister,
        State::Rejected,
        State::Stuck,
        State::Cancelled,
    ];

    /// Stable snake_case name, as stored in the database.
    pub fn name(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Sending => "sending",
            State::Accepted => "accepted",
            State::Done => "done",
            State::InDoubt => "in_doubt",
            State::RetryLater => "retry_later",
            State::FailedAtRegister => "failed_at_register",
            State::Rejected => "rejected",
            State::Stuck => "stuck",
            State::Cancelled => "cancelled",
        }
    }

    /// The state of a stored name.
    pub fn from_name(name: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Whether no event of the machine moves the entry any more (no deadline, never claimed).
    /// Of these, `rejected` and `stuck` still take an operator's requeue or cancel, and `stuck`
    /// a resolve ([`EventKind::is_operator`]); `done` and `cancelled` take nothing at all.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            State::Done | State::Rejected | State::Stuck | State::Cancelled
        )
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What happened to an entry.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Event<'a> {
    /// A worker claimed it to send it (queued or retry_later → sending).
    ClaimedForSend,
    /// The lease of a sending worker ran out (the worker died or hung): whether the document
    /// reached the provider is unknown.
    LeaseExpired,
    /// A provider answered a submit or a status lookup. A status lookup answering
    /// [`Outcome::NotFound`] is what makes an in-doubt entry sendable again; a plain
    /// `RetryLater` (the lookup failed) keeps it in doubt.
    ProviderOutcome(&'a Outcome),
    /// The entry stayed in its state past the state's deadline.
    Deadline,
    /// Send again under a new attempt id (attempt + 1): after a register refusal whose cause is
    /// gone. The document id changes, so this is never done while the provider may hold it.
    Resubmit,
    /// Route the entry to another provider (attempt + 1, so the document id is new there too).
    /// Allowed only from `retry_later` at attempt 1: no provider has ever accepted it.
    Failover {
        /// The provider (routing name) it goes to.
        provider: &'a str,
    },
    /// The provider reports, under our document id, a fiscalised document that is not our
    /// receipt (another total 1020 or operation 1054: the id was used before by another
    /// program). The entry is not marked done with someone else's fiscal data; it goes to
    /// `stuck` for a person, with what the provider reported in the audit trail.
    IdConflict {
        /// What the provider reported against what we hold (kept in the audit detail and as
        /// the entry's last message).
        detail: &'a str,
    },
    /// An operator sends the entry again under a new document id (attempt + 1). Only where no
    /// provider can hold the current document id (see [`operator_event`]).
    OperatorRequeue {
        /// Who asked (kept in the audit trail).
        who: &'a str,
        /// Why (kept in the audit trail).
        reason: &'a str,
    },
    /// An operator puts a `stuck` entry the provider holds (a provider id is known) back to
    /// `accepted`, same document id: it is polled again.
    OperatorResume {
        /// Who asked.
        who: &'a str,
        /// Why.
        reason: &'a str,
    },
    /// An operator puts a `stuck` entry that may be at the provider back to `in_doubt`, same
    /// document id: it is resolved the provider's way before anything is sent.
    OperatorRecheck {
        /// Who asked.
        who: &'a str,
        /// Why.
        reason: &'a str,
    },
    /// An operator cancels an entry no provider can hold: it must not go out.
    OperatorCancel {
        /// Who asked.
        who: &'a str,
        /// Why.
        reason: &'a str,
    },
    /// An operator marks a `stuck` entry as fiscalised, with the fiscal attributes found by
    /// hand (the ОФД's or the provider's personal account): it becomes `done` with them.
    OperatorResolve {
        /// Who asked.
        who: &'a str,
        /// Why.
        reason: &'a str,
        /// The fiscal attributes as entered (checked by [`check_resolve_fiscal`]).
        fiscal: &'a FiscalAttributes,
    },
}

impl Event<'_> {
    /// The operator and the reason of an operator action (`None` for the machine's events).
    pub fn operator(&self) -> Option<(&str, &str)> {
        match self {
            Event::OperatorRequeue { who, reason }
            | Event::OperatorResume { who, reason }
            | Event::OperatorRecheck { who, reason }
            | Event::OperatorCancel { who, reason }
            | Event::OperatorResolve { who, reason, .. } => Some((who, reason)),
            _ => None,
        }
    }
}

/// The kind of an [`Event`]: the rows of [`TRANSITIONS`] and the `reason` of an audit record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventKind {
    /// [`Event::ClaimedForSend`].
    ClaimedForSend,
    /// [`Event::LeaseExpired`].
    LeaseExpired,
    /// [`Outcome::Accepted`] with `duplicate: false`.
    Accepted,
    /// [`Outcome::Accepted`] with `duplicate: true` (an earlier send got through).
    Duplicate,
    /// [`Outcome::Pending`].
    Pending,
    /// [`Outcome::Done`].
    Done,
    /// [`Outcome::RetryLater`].
    RetryLater,
    /// [`Outcome::InDoubt`].
    InDoubt,
    /// [`Outcome::Rejected`] with [`RejectKind::Register`].
    RejectedRegister,
    /// [`Outcome::Rejected`] of a kind about the document (validation, other).
    Rejected,
    /// [`Outcome::Rejected`] of kind [`RejectKind::Auth`] or [`RejectKind::Configuration`]: our
    /// credentials or configuration were refused, not the document. Never ends the entry.
    RefusedConfig,
    /// [`Event::IdConflict`].
    IdConflict,
    /// [`Outcome::NotFound`] (a status lookup: the provider never took the document).
    NotFound,
    /// [`Event::Deadline`].
    Deadline,
    /// [`Event::Resubmit`].
    Resubmit,
    /// [`Event::Failover`].
    Failover,
    /// [`Event::OperatorRequeue`].
    OperatorRequeue,
    /// [`Event::OperatorResume`].
    OperatorResume,
    /// [`Event::OperatorRecheck`].
    OperatorRecheck,
    /// [`Event::OperatorCancel`].
    OperatorCancel,
    /// [`Event::OperatorResolve`].
    OperatorResolve,
}

impl EventKind {
    /// Every kind, in a stable order.
    pub const ALL: [EventKind; 21] = [
        EventKind::ClaimedForSend,
        EventKind::LeaseExpired,
        EventKind::Accepted,
        EventKind::Duplicate,
        EventKind::Pending,
        EventKind::Done,
        EventKind::RetryLater,
        EventKind::InDoubt,
        EventKind::RejectedRegister,
        EventKind::Rejected,
        EventKind::NotFound,
        EventKind::Deadline,
        EventKind::Resubmit,
        EventKind::Failover,
        EventKind::RefusedConfig,
        EventKind::IdConflict,
        EventKind::OperatorRequeue,
        EventKind::OperatorResume,
        EventKind::OperatorRecheck,
        EventKind::OperatorCancel,
        EventKind::OperatorResolve,
    ];

    /// Stable snake_case name, as stored in the audit trail.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::ClaimedForSend => "claimed_for_send",
            EventKind::LeaseExpired => "lease_expired",
            EventKind::Accepted => "accepted",
            EventKind::Duplicate => "duplicate",
            EventKind::Pending => "pending",
            EventKind::Done => "done",
            EventKind::RetryLater => "retry_later",
            EventKind::InDoubt => "in_doubt",
            EventKind::RejectedRegister => "rejected_register",
            EventKind::Rejected => "rejected",
            EventKind::NotFound => "not_found",
            EventKind::Deadline => "deadline",
            EventKind::Resubmit => "resubmit",
            EventKind::Failover => "failover",
            EventKind::RefusedConfig => "refused_config",
            EventKind::IdConflict => "id_conflict",
            EventKind::OperatorRequeue => "operator_requeue",
            EventKind::OperatorResume => "operator_resume",
            EventKind::OperatorRecheck => "operator_recheck",
            EventKind::OperatorCancel => "operator_cancel",
            EventKind::OperatorResolve => "operator_resolve",
        }
    }

    /// Whether a person causes it (requeue, cancel, resolve), not the machine.
    pub fn is_operator(self) -> bool {
        self.operator_action().is_some()
    }

    /// The operator action this kind is one outcome of (`None` for the machine's events).
    pub fn operator_action(self) -> Option<OperatorAction> {
        match self {
            EventKind::OperatorRequeue | EventKind::OperatorResume | EventKind::OperatorRecheck => {
                Some(OperatorAction::Requeue)
            }
            EventKind::OperatorCancel => Some(OperatorAction::Cancel),
            EventKind::OperatorResolve => Some(OperatorAction::Resolve),
            _ => None,
        }
    }

    /// The kind of an event. `None` for an outcome variant this crate does not know yet
    /// (`Outcome` is non-exhaustive).
    pub fn of(event: &Event<'_>) -> Option<EventKind> {
        Some(match event {
            Event::ClaimedForSend => EventKind::ClaimedForSend,
            Event::LeaseExpired => EventKind::LeaseExpired,
            Event::Deadline => EventKind::Deadline,
            Event::Resubmit => EventKind::Resubmit,
            Event::Failover { .. } => EventKind::Failover,
            Event::IdConflict { .. } => EventKind::IdConflict,
            Event::OperatorRequeue { .. } => EventKind::OperatorRequeue,
            Event::OperatorResume { .. } => EventKind::OperatorResume,
            Event::OperatorRecheck { .. } => EventKind::OperatorRecheck,
            Event::OperatorCancel { .. } => EventKind::OperatorCancel,
            Event::OperatorResolve { .. } => EventKind::OperatorResolve,
            Event::ProviderOutcome(o) => match o {
                Outcome::Accepted { duplicate, .. } => {
                    if *duplicate {
                        EventKind::Duplicate
                    } else {
                        EventKind::Accepted
                    }
                }
                // A pending document that waits for the register (МодульКасса `QUEUED`) is
                // pending: polled, `stuck` at the accepted deadline, never sent again.
                Outcome::Pending { .. } | Outcome::Waiting { .. } => EventKind::Pending,
                Outcome::Done { .. } => EventKind::Done,
                Outcome::RetryLater { .. } => EventKind::RetryLater,
                Outcome::InDoubt { .. } => EventKind::InDoubt,
                Outcome::NotFound { .. } => EventKind::NotFound,
                Outcome::Rejected { kind, .. } => match kind {
                    RejectKind::Register => EventKind::RejectedRegister,
                    RejectKind::Auth | RejectKind::Configuration => EventKind::RefusedConfig,
                    _ => EventKind::Rejected,
                },
                _ => return None,
            },
        })
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One allowed transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// The state the entry is in.
    pub from: State,
    /// What happened.
    pub event: EventKind,
    /// The state it moves to (may equal `from`: a poll that is still pending).
    pub to: State,
}

const fn t(from: State, event: EventKind, to: State) -> Transition {
    Transition { from, event, to }
}

use EventKind as E;
use State as S;

/// Every allowed transition; any (state, event) pair not listed is refused with
/// [`OutboxError::InvalidTransition`].
///
/// Safety rules this table encodes:
/// * nothing that may be at the provider (accepted, in_doubt) is ever sent under a new attempt
///   id, and a failed poll or a failed lookup never makes it sendable again — only
///   [`Outcome::NotFound`] from a lookup does, and never for an accepted entry;
/// * failover to another provider only for an entry no provider ever accepted;
/// * a lease that runs out while sending means "unknown", i.e. in_doubt, never queued;
/// * only the provider's refusal of the document (`rejected`, `rejected_register`) ends an
///   accepted or in-doubt entry; a refusal of our credentials or configuration
///   (`refused_config`) never ends any entry: it waits, and is `stuck` at its deadline;
/// * a fiscalised document that is not our receipt (`id_conflict`) is never `done`;
/// * only an operator moves an entry out of `rejected` or `stuck`, and nothing moves one out
///   of `done` or `cancelled`; a new document id from `stuck` and a cancel of a `stuck` entry
///   only where no provider can hold it ([`operator_event`] reads the audit trail for that);
///   nothing a provider may hold (`sending`, `accepted`, `in_doubt`) is cancelled;
/// * only `stuck` is marked `done` by hand (`operator_resolve`, with the fiscal attributes the
///   operator found): everything else either moves by itself or was refused by the provider.
pub const TRANSITIONS: &[Transition] = &[
    // queued
    t(S::Queued, E::ClaimedForSend, S::Sending),
    t(S::Queued, E::Deadline, S::Stuck),
    // sending: the answer to a submit
    t(S::Sending, E::Accepted, S::Accepted),
    t(S::Sending, E::Duplicate, S::Accepted),
    t(S::Sending, E::Pending, S::Accepted),
    t(S::Sending, E::Done, S::Done),
    t(S::Sending, E::RetryLater, S::RetryLater),
    t(S::Sending, E::InDoubt, S::InDoubt),
    t(S::Sending, E::LeaseExpired, S::InDoubt),
    t(S::Sending, E::RejectedRegister, S::FailedAtRegister),
    t(S::Sending, E::Rejected, S::Rejected),
    // Not taken (the credentials or the configuration were refused): wait and send again.
    t(S::Sending, E::RefusedConfig, S::RetryLater),
    t(S::Sending, E::IdConflict, S::Stuck),
    t(S::Sending, E::Deadline, S::Stuck),
    // accepted: the answer to a status poll; a failed poll keeps polling
    t(S::Accepted, E::Accepted, S::Accepted),
    t(S::Accepted, E::Duplicate, S::Accepted),
    t(S::Accepted, E::Pending, S::Accepted),
    t(S::Accepted, E::Done, S::Done),
    t(S::Accepted, E::RetryLater, S::Accepted),
    t(S::Accepted, E::InDoubt, S::Accepted),
    // Accepted once: a lookup that does not find it is the provider's glitch, never a resend.
    t(S::Accepted, E::NotFound, S::Accepted),
    t(S::Accepted, E::RejectedRegister, S::FailedAtRegister),
    t(S::Accepted, E::Rejected, S::Rejected),
    // A status call refused for our credentials says nothing about the document.
    t(S::Accepted, E::RefusedConfig, S::Accepted),
    t(S::Accepted, E::IdConflict, S::Stuck),
    t(S::Accepted, E::Deadline, S::Stuck),
    // in_doubt: the answer to a status lookup (or an ATOL resend of the same document id)
    t(S::InDoubt, E::Accepted, S::Accepted),
    t(S::InDoubt, E::Duplicate, S::Accepted),
    t(S::InDoubt, E::Pending, S::Accepted),
    t(S::InDoubt, E::Done, S::Done),
    t(S::InDoubt, E::RetryLater, S::InDoubt),
    t(S::InDoubt, E::InDoubt, S::InDoubt),
    t(S::InDoubt, E::NotFound, S::RetryLater),
    t(S::InDoubt, E::RejectedRegister, S::FailedAtRegister),
    t(S::InDoubt, E::Rejected, S::Rejected),
    t(S::InDoubt, E::RefusedConfig, S::InDoubt),
    t(S::InDoubt, E::IdConflict, S::Stuck),
    t(S::InDoubt, E::Deadline, S::Stuck),
    // retry_later: send again with the same document id
    t(S::RetryLater, E::ClaimedForSend, S::Sending),
    t(S::RetryLater, E::Failover, S::Queued),
    t(S::RetryLater, E::Deadline, S::Stuck),
    // failed_at_register: a new attempt id
    t(S::FailedAtRegister, E::Resubmit, S::Queued),
    t(S::FailedAtRegister, E::Deadline, S::Stuck),
    // operator actions: requeue under a new id where no provider can hold the current one …
    t(S::FailedAtRegister, E::OperatorRequeue, S::Queued),
    t(S::Rejected, E::OperatorRequeue, S::Queued),
    t(S::Stuck, E::OperatorRequeue, S::Queued),
    // … or under the same id where it may be at the provider: resolved before any resend
    t(S::Stuck, E::OperatorResume, S::Accepted),
    t(S::Stuck, E::OperatorRecheck, S::InDoubt),
    // cancel only what no provider can hold
    t(S::Queued, E::OperatorCancel, S::Cancelled),
    t(S::RetryLater, E::OperatorCancel, S::Cancelled),
    t(S::FailedAtRegister, E::OperatorCancel, S::Cancelled),
    t(S::Rejected, E::OperatorCancel, S::Cancelled),
    t(S::Stuck, E::OperatorCancel, S::Cancelled),
    // resolved by hand: the operator found it fiscalised and enters its fiscal attributes
    t(S::Stuck, E::OperatorResolve, S::Done),
];

/// The state an event moves an entry in `from` to, by [`TRANSITIONS`].
pub fn transition(from: State, event: &Event<'_>) -> Result<State, OutboxError> {
    let kind = EventKind::of(event).ok_or(OutboxError::UnknownOutcome)?;
    transition_kind(from, kind)
}

/// [`transition`] by event kind.
pub fn transition_kind(from: State, event: EventKind) -> Result<State, OutboxError> {
    TRANSITIONS
        .iter()
        .find(|r| r.from == from && r.event == event)
        .map(|r| r.to)
        .ok_or(OutboxError::InvalidTransition {
            from: from.name(),
            event: event.name(),
        })
}

/// What an operator asks for ([`operator_event`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OperatorAction {
    /// Send it again: under a new document id where no provider can hold the current one,
    /// otherwise resolve it under the same id (module docs).
    Requeue,
    /// It must not go out: only while no provider can hold it.
    Cancel,
    /// It was fiscalised after all (found by hand): only from `stuck`, with the fiscal
    /// attributes ([`operator_event`]'s `fiscal`).
    Resolve,
}

impl OperatorAction {
    /// Stable snake_case name (`requeue`, `cancel`, `resolve`), as in errors and the C ABI.
    pub fn name(self) -> &'static str {
        match self {
            OperatorAction::Requeue => "requeue",
            OperatorAction::Cancel => "cancel",
            OperatorAction::Resolve => "resolve",
        }
    }
}

impl std::fmt::Display for OperatorAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Longest operator name accepted, in characters.
pub const MAX_WHO_CHARS: usize = 100;
/// Longest operator reason accepted, in characters.
pub const MAX_REASON_CHARS: usize = 1000;

/// Checks the operator's name and reason of an action: both required (not blank), at most
/// [`MAX_WHO_CHARS`] / [`MAX_REASON_CHARS`] characters, no control characters. Returns them
/// trimmed. The error names the field (`who`, `reason`).
pub fn check_operator<'a>(
    who: &'a str,
    reason: &'a str,
) -> Result<(&'a str, &'a str), OutboxError> {
    fn check<'a>(field: &'static str, v: &'a str, max: usize) -> Result<&'a str, OutboxError> {
        let v = v.trim();
        let bad = |problem| OutboxError::InvalidArgument { field, problem };
        if v.is_empty() {
            return Err(bad(
                "empty: say who acts and why, it is kept in the audit trail",
            ));
        }
        if v.chars().count() > max {
            return Err(bad(if max == MAX_WHO_CHARS {
                "longer than 100 characters"
            } else {
                "longer than 1000 characters"
            }));
        }
        if v.chars().any(char::is_control) {
            return Err(bad(
                "control characters (line breaks, tabs …) are not allowed",
            ));
        }
        Ok(v)
    }
    Ok((
        check("who", who, MAX_WHO_CHARS)?,
        check("reason", reason, MAX_REASON_CHARS)?,
    ))
}

/// Whether a provider may hold the current document id of a `stuck` entry, from its audit
/// trail (oldest first): no only when the entry went stuck out of `failed_at_register` (the
/// provider refused the document), was stopped by [`EventKind::IdConflict`] (the document under
/// our id is another receipt), or went stuck out of `queued` / `retry_later` without the
/// current attempt ever reaching `accepted` or `in_doubt` and without a provider id. Anything
/// unclear (no audit row into `stuck`) counts as held.
pub fn stuck_may_be_held(entry: &Entry, audit: &[AuditRecord]) -> bool {
    let Some(into_stuck) = audit.iter().rev().find(|a| a.to == State::Stuck) else {
        return true;
    };
    if into_stuck.reason == EventKind::IdConflict.name() {
        return false;
    }
    match into_stuck.from {
        Some(State::FailedAtRegister) => false,
        Some(State::Queued | State::RetryLater) => {
            let reached = audit.iter().any(|a| {
                a.attempt == entry.attempt
                    && matches!(a.to, State::Accepted | State::InDoubt | State::Done)
            });
            reached || entry.provider_id.is_some()
        }
        _ => true,
    }
}

/// Checks the fiscal attributes an operator entered to resolve `entry` by hand, before anything
/// is written: `fiscal.fn_number` 16 digits, `fiscal.fd_number` and `fiscal.fiscal_sign` above
/// zero, `fiscal.total` and `fiscal.operation` those of the stored receipt (a mismatch names
/// both values). The error ([`OutboxError::InvalidFiscal`]) names the field.
pub fn check_resolve_fiscal(entry: &Entry, fiscal: &FiscalAttributes) -> Result<(), OutboxError> {
    let bad = |field: &'static str, problem: String, problem_ru: String| {
        Err(OutboxError::InvalidFiscal {
            field,
            problem,
            problem_ru,
        })
    };
    let fn_number = fiscal.fn_number.as_str();
    if fn_number.len() != 16 || !fn_number.bytes().all(|b| b.is_ascii_digit()) {
        return bad(
            "fiscal.fn_number",
            "the ФН number (1041) is 16 digits".to_owned(),
            "номер ФН (1041) — 16 цифр".to_owned(),
        );
    }
    if fiscal.fd_number == 0 {
        return bad(
            "fiscal.fd_number",
            "the ФД number (1040) is above zero".to_owned(),
            "номер ФД (1040) больше нуля".to_owned(),
        );
    }
    if fiscal.fiscal_sign == 0 {
        return bad(
            "fiscal.fiscal_sign",
            "the ФП (1077) is above zero".to_owned(),
            "ФП (1077) больше нуля".to_owned(),
        );
    }
    let receipt = entry.receipt()?;
    let same_total = match (fiscal.total.kopecks(), receipt.total.kopecks()) {
        (Ok(a), Ok(b)) => a == b,
        _ => fiscal.total == receipt.total,
    };
    if !same_total {
        return bad(
            "fiscal.total",
            format!(
                "{} is not the receipt's total (1020) {}",
                fiscal.total, receipt.total
            ),
            format!(
                "{} не равна сумме чека (1020) {}",
                fiscal.total, receipt.total
            ),
        );
    }
    if fiscal.operation != receipt.operation {
        let name =
            |o: fiskal_ffd::Operation| o.name().map_or_else(|| o.0.to_string(), str::to_owned);
        let name_ru =
            |o: fiskal_ffd::Operation| o.name_ru().map_or_else(|| o.0.to_string(), str::to_owned);
        return bad(
            "fiscal.operation",
            format!(
                "{} ({}) is not the receipt's operation (1054) {} ({})",
                name(fiscal.operation),
                fiscal.operation.0,
                name(receipt.operation),
                receipt.operation.0
            ),
            format!(
                "«{}» ({}) — не признак расчёта чека (1054) «{}» ({})",
                name_ru(fiscal.operation),
                fiscal.operation.0,
                name_ru(receipt.operation),
                receipt.operation.0
            ),
        );
    }
    Ok(())
}

/// The event an operator action is for this entry, or why it is refused
/// ([`OutboxError::ActionNotAllowed`], naming the state and what to do instead). `audit` is the
/// entry's audit trail, oldest first (it decides for `stuck`, see the module docs). `fiscal`
/// is for [`OperatorAction::Resolve`] only (the attributes entered by hand, checked by
/// [`check_resolve_fiscal`]; `None` there is [`OutboxError::InvalidArgument`] on `fiscal`),
/// ignored by the other actions. Pure: the store applies the event under the entry's version,
/// so the entry and its trail cannot have changed in between.
pub fn operator_event<'a>(
    action: OperatorAction,
    entry: &Entry,
    audit: &[AuditRecord],
    who: &'a str,
    reason: &'a str,
    fiscal: Option<&'a FiscalAttributes>,
) -> Result<Event<'a>, OutboxError> {
    let refuse = |why: &'static str| OutboxError::ActionNotAllowed {
        key: entry.key.clone(),
        action: action.name(),
        state: entry.state.name(),
        why,
    };
    let held = entry.state == State::Stuck && stuck_may_be_held(entry, audit);
    match action {
        OperatorAction::Requeue => match entry.state {
            State::Rejected | State::FailedAtRegister => Ok(Event::OperatorRequeue { who, reason }),
            State::Stuck if !held => Ok(Event::OperatorRequeue { who, reason }),
            State::Stuck if entry.provider_id.is_some() => {
                Ok(Event::OperatorResume { who, reason })
            }
            State::Stuck => Ok(Event::OperatorRecheck { who, reason }),
            State::Queued => Err(refuse("it is waiting to be sent already")),
            State::Sending => Err(refuse("a worker is sending it now; wait for the answer")),
            State::RetryLater => Err(refuse(
                "it is sent again by itself, under the same document id",
            )),
            State::Accepted => Err(refuse(
                "the provider holds it and it is being polled; wait for the result",
            )),
            State::InDoubt => Err(refuse(
                "it is being resolved with the provider; wait for the result",
            )),
            State::Done => Err(refuse(
                "it is fiscalised; to undo it, issue a refund receipt instead",
            )),
            State::Cancelled => Err(refuse(
                "it was cancelled; enqueue the receipt again under a new key",
            )),
        },
        OperatorAction::Cancel => match entry.state {
            State::Queued | State::RetryLater | State::FailedAtRegister | State::Rejected => {
                Ok(Event::OperatorCancel { who, reason })
            }
            State::Stuck if !held => Ok(Event::OperatorCancel { who, reason }),
            State::Stuck => Err(refuse(
                "the provider may hold it (it was accepted, in doubt or being sent) and may \
                 fiscalise it; requeue it to resolve it, and issue a refund receipt if it is \
                 fiscalised",
            )),
            State::Sending => Err(refuse(
                "a worker is sending it now and the provider may fiscalise it; wait for the \
                 answer",
            )),
            State::Accepted => Err(refuse(
                "the provider may fiscalise it; issue a refund receipt instead",
            )),
            State::InDoubt => Err(refuse(
                "the provider may hold it and fiscalise it; wait until it is resolved, and \
                 issue a refund receipt if it is fiscalised",
            )),
            State::Done => Err(refuse("it is fiscalised; issue a refund receipt instead")),
            State::Cancelled => Err(refuse("it is cancelled already")),
        },
        OperatorAction::Resolve => match entry.state {
            State::Stuck => {
                let fiscal = fiscal.ok_or(OutboxError::InvalidArgument {
                    field: "fiscal",
                    problem: "empty: give the fiscal attributes found by hand",
                })?;
                check_resolve_fiscal(entry, fiscal)?;
                Ok(Event::OperatorResolve {
                    who,
                    reason,
                    fiscal,
                })
            }
            State::Done => Err(refuse("it is fiscalised already; nothing to do")),
            State::Queued
            | State::Sending
            | State::Accepted
            | State::InDoubt
            | State::RetryLater => Err(refuse(
                "it moves by itself; wait for the result, or requeue it once it is stuck",
            )),
            State::Rejected | State::FailedAtRegister => {
                Err(refuse("the provider refused it; requeue it or cancel it"))
            }
            State::Cancelled => Err(refuse(
                "it was cancelled; enqueue the receipt again under a new key",
            )),
        },
    }
}
