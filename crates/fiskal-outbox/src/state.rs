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
//! ```
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
use fiskal_providers::{Outcome, RejectKind};

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
    /// Stayed in a state past its deadline: needs an operator. Final for the machine.
    Stuck,
}

impl State {
    /// Every state, in a stable order.
    pub const ALL: [State; 9] = [
        State::Queued,
        State::Sending,
        State::Accepted,
        State::Done,
        State::InDoubt,
        State::RetryLater,
        State::FailedAtRegister,
        State::Rejected,
        State::Stuck,
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
        }
    }

    /// The state of a stored name.
    pub fn from_name(name: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Whether no event moves the entry any more.
    pub fn is_final(self) -> bool {
        matches!(self, State::Done | State::Rejected | State::Stuck)
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
}

impl EventKind {
    /// Every kind, in a stable order.
    pub const ALL: [EventKind; 16] = [
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
            Event::ProviderOutcome(o) => match o {
                Outcome::Accepted { duplicate, .. } => {
                    if *duplicate {
                        EventKind::Duplicate
                    } else {
                        EventKind::Accepted
                    }
                }
                Outcome::Pending { .. } => EventKind::Pending,
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
/// * a fiscalised document that is not our receipt (`id_conflict`) is never `done`.
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
