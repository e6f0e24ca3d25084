//! The state table, walked pair by pair against an independent copy of it.

use fiskal_outbox::state::transition_kind;
use fiskal_outbox::{transition, Event, EventKind, OutboxError, State, TRANSITIONS};
use fiskal_providers::{Outcome, RejectKind};
use std::collections::HashSet;

/// The expected machine, written out separately from `TRANSITIONS` on purpose.
fn expected(from: State, event: EventKind) -> Option<State> {
    use EventKind as E;
    use State as S;
    let outcome = |after_send: bool| -> Option<State> {
        Some(match event {
            E::Accepted | E::Duplicate | E::Pending => S::Accepted,
            E::Done => S::Done,
            E::RejectedRegister => S::FailedAtRegister,
            E::Rejected => S::Rejected,
            E::RetryLater if after_send => S::RetryLater,
            E::InDoubt if after_send => S::InDoubt,
            _ => return None,
        })
    };
    match (from, event) {
        // Operator actions, written out per state. A new document id only where the provider
        // refused the old one (rejected, failed_at_register) or from stuck (the store reads the
        // audit trail to allow it only where no provider can hold the id); the same id back
        // into accepted or in_doubt only from stuck.
        (S::Rejected | S::FailedAtRegister | S::Stuck, E::OperatorRequeue) => Some(S::Queued),
        (S::Stuck, E::OperatorResume) => Some(S::Accepted),
        (S::Stuck, E::OperatorRecheck) => Some(S::InDoubt),
        (_, E::OperatorRequeue | E::OperatorResume | E::OperatorRecheck) => None,
        // Cancel only what no provider can hold.
        (
            S::Queued | S::RetryLater | S::FailedAtRegister | S::Rejected | S::Stuck,
            E::OperatorCancel,
        ) => Some(S::Cancelled),
        (_, E::OperatorCancel) => None,
        // Resolved by hand (the operator found it fiscalised): only out of stuck, into done.
        (S::Stuck, E::OperatorResolve) => Some(S::Done),
        (_, E::OperatorResolve) => None,
        (S::Done | S::Rejected | S::Stuck | S::Cancelled, _) => None,
        (_, E::Deadline) => Some(S::Stuck),
        (S::Queued | S::RetryLater, E::ClaimedForSend) => Some(S::Sending),
        (S::Sending, E::LeaseExpired) => Some(S::InDoubt),
        // Done, but not our receipt: for a person, never done.
        (S::Sending | S::Accepted | S::InDoubt, E::IdConflict) => Some(S::Stuck),
        // Our credentials or configuration were refused: nothing was taken, wait and resend.
        (S::Sending, E::RefusedConfig) => Some(S::RetryLater),
        (S::Sending, _) => outcome(true),
        // A failed poll keeps polling: the document is at the provider. A status call refused
        // for our credentials says nothing about the document either.
        (S::Accepted, E::RetryLater | E::InDoubt | E::RefusedConfig) => Some(S::Accepted),
        // Accepted once: "not found" later is a provider glitch, never a resend.
        (S::Accepted, E::NotFound) => Some(S::Accepted),
        (S::Accepted, _) => outcome(false),
        // A failed lookup keeps it in doubt; only a confirmed "not found" makes it sendable.
        (S::InDoubt, E::RetryLater | E::InDoubt | E::RefusedConfig) => Some(S::InDoubt),
        (S::InDoubt, E::NotFound) => Some(S::RetryLater),
        (S::RetryLater, E::Failover) => Some(S::Queued),
        (S::InDoubt, _) => outcome(false),
        (S::FailedAtRegister, E::Resubmit) => Some(S::Queued),
        _ => None,
    }
}

#[test]
fn every_state_event_pair_matches_the_table() {
    let mut allowed = 0;
    for from in State::ALL {
        for event in EventKind::ALL {
            let got = transition_kind(from, event);
            match expected(from, event) {
                Some(to) => {
                    allowed += 1;
                    assert_eq!(got.ok(), Some(to), "{from} --{event}-->");
                }
                None => assert!(
                    matches!(got, Err(OutboxError::InvalidTransition { .. })),
                    "{from} --{event}--> must be refused, got {got:?}"
                ),
            }
        }
    }
    assert_eq!(allowed, TRANSITIONS.len(), "no row unaccounted for");
}

#[test]
fn table_rows_are_unique_and_final_states_have_none() {
    let mut seen = HashSet::new();
    for r in TRANSITIONS {
        assert!(seen.insert((r.from, r.event)), "duplicate row {r:?}");
        // Out of a final state only a person moves an entry, and never out of done/cancelled.
        if r.from.is_final() {
            assert!(
                r.event.is_operator(),
                "machine row out of a final state: {r:?}"
            );
            assert!(
                matches!(r.from, State::Rejected | State::Stuck),
                "row out of {}: {r:?}",
                r.from
            );
        }
    }
}

#[test]
fn no_row_makes_a_possibly_held_document_sendable_under_a_new_id() {
    // Only failed_at_register (the provider refused the id) may lead to a new attempt; an
    // operator's requeue also from rejected and stuck (the store requires, for stuck, that no
    // provider can hold the id: see the store tests).
    for r in TRANSITIONS {
        if r.event == EventKind::Resubmit {
            assert_eq!(r.from, State::FailedAtRegister);
        }
        if r.event == EventKind::OperatorRequeue {
            assert!(
                matches!(
                    r.from,
                    State::FailedAtRegister | State::Rejected | State::Stuck
                ),
                "{r:?}"
            );
        }
        // Nothing a provider may hold is cancelled.
        if r.to == State::Cancelled {
            assert_eq!(r.event, EventKind::OperatorCancel);
            assert!(
                !matches!(
                    r.from,
                    State::Sending | State::Accepted | State::InDoubt | State::Done
                ),
                "{r:?}"
            );
        }
        // Done by hand only out of stuck: everything else moves by itself or was refused.
        if r.event == EventKind::OperatorResolve {
            assert_eq!((r.from, r.to), (State::Stuck, State::Done), "{r:?}");
        }
        // Another provider only for what no provider holds (the store also requires attempt 1).
        if r.event == EventKind::Failover {
            assert_eq!(r.from, State::RetryLater);
        }
        if matches!(r.from, State::Accepted | State::InDoubt) {
            assert!(
                !matches!(r.to, State::Queued | State::Sending),
                "{r:?} would resend a document the provider may hold"
            );
            if r.from == State::Accepted {
                assert_ne!(r.to, State::RetryLater, "{r:?}");
            }
        }
    }
}

#[test]
fn names_are_stable_and_round_trip() {
    let names: Vec<&str> = State::ALL.iter().map(|s| s.name()).collect();
    assert_eq!(
        names,
        [
            "queued",
            "sending",
            "accepted",
            "done",
            "in_doubt",
            "retry_later",
            "failed_at_register",
            "rejected",
            "stuck",
            "cancelled"
        ]
    );
    for s in State::ALL {
        assert_eq!(State::from_name(s.name()), Some(s));
    }
    // Stored in the audit trail: existing names never change.
    let stored: Vec<&str> = EventKind::ALL.iter().map(|k| k.name()).collect();
    assert_eq!(
        stored,
        [
            "claimed_for_send",
            "lease_expired",
            "accepted",
            "duplicate",
            "pending",
            "done",
            "retry_later",
            "in_doubt",
            "rejected_register",
            "rejected",
            "not_found",
            "deadline",
            "resubmit",
            "failover",
            "refused_config",
            "id_conflict",
            "operator_requeue",
            "operator_resume",
            "operator_recheck",
            "operator_cancel",
            "operator_resolve"
        ]
    );
    let kinds: HashSet<&str> = EventKind::ALL.iter().map(|k| k.name()).collect();
    assert_eq!(kinds.len(), EventKind::ALL.len());
    assert_eq!(State::from_name("bogus"), None);
}

#[test]
fn outcomes_map_to_the_contract() {
    let rejected = |kind| Outcome::Rejected {
        kind,
        code: "32".into(),
        message: "x".into(),
    };
    let cases = [
        (
            Outcome::Accepted {
                provider_id: "u".into(),
                duplicate: false,
            },
            State::Accepted,
        ),
        (
            Outcome::Accepted {
                provider_id: "u".into(),
                duplicate: true,
            },
            State::Accepted,
        ),
        (
            Outcome::Pending {
                provider_id: "u".into(),
            },
            State::Accepted,
        ),
        (
            Outcome::RetryLater {
                after: None,
                code: None,
                message: "503".into(),
            },
            State::RetryLater,
        ),
        (
            Outcome::InDoubt {
                reason: "timeout".into(),
            },
            State::InDoubt,
        ),
        (rejected(RejectKind::Register), State::FailedAtRegister),
        (rejected(RejectKind::Validation), State::Rejected),
        // Our credentials or configuration, not the receipt: it waits and is sent again.
        (rejected(RejectKind::Auth), State::RetryLater),
        (rejected(RejectKind::Configuration), State::RetryLater),
        (rejected(RejectKind::Other), State::Rejected),
    ];
    for (o, to) in &cases {
        assert_eq!(
            transition(State::Sending, &Event::ProviderOutcome(o)).ok(),
            Some(*to),
            "{o:?}"
        );
    }
    assert_eq!(
        EventKind::of(&Event::ProviderOutcome(&cases[1].0)),
        Some(EventKind::Duplicate)
    );
    let not_found = Outcome::NotFound {
        message: "no such document".into(),
    };
    assert_eq!(
        transition(State::InDoubt, &Event::ProviderOutcome(&not_found)).ok(),
        Some(State::RetryLater)
    );
    assert_eq!(
        transition(State::Accepted, &Event::ProviderOutcome(&not_found)).ok(),
        Some(State::Accepted)
    );
    assert!(transition(State::Sending, &Event::ProviderOutcome(&not_found)).is_err());
    let refused = transition(State::Done, &Event::ClaimedForSend);
    assert_eq!(refused.err().map(|e| e.code()), Some("invalid_transition"));
}

/// Only the provider's refusal of the document ends an entry the provider holds (or may hold);
/// a refusal of our credentials or configuration never ends any entry.
#[test]
fn only_a_refusal_of_the_document_ends_an_accepted_or_in_doubt_entry() {
    let rejected = |kind| Outcome::Rejected {
        kind,
        code: "12".into(),
        message: "Неверный логин или пароль".into(),
    };
    for from in [State::Sending, State::Accepted, State::InDoubt] {
        for kind in [RejectKind::Auth, RejectKind::Configuration] {
            let o = rejected(kind);
            let event = Event::ProviderOutcome(&o);
            assert_eq!(EventKind::of(&event), Some(EventKind::RefusedConfig));
            let to = transition(from, &event).expect("allowed");
            assert!(!to.is_final(), "{from} --{kind:?}--> {to}");
            let want = if from == State::Sending {
                State::RetryLater
            } else {
                from
            };
            assert_eq!(to, want, "{from} --{kind:?}-->");
        }
        for kind in [RejectKind::Validation, RejectKind::Other] {
            let o = rejected(kind);
            assert_eq!(
                transition(from, &Event::ProviderOutcome(&o)).ok(),
                Some(State::Rejected)
            );
        }
    }
    // No row but the document-level ones leads to rejected or failed_at_register.
    for r in TRANSITIONS {
        if matches!(r.to, State::Rejected | State::FailedAtRegister) {
            assert!(
                matches!(r.event, EventKind::Rejected | EventKind::RejectedRegister),
                "{r:?}"
            );
        }
        if r.event == EventKind::RefusedConfig {
            assert!(!r.to.is_final(), "{r:?}");
        }
    }
}

#[test]
fn an_id_conflict_stops_the_entry_for_a_person_and_is_never_done() {
    for from in [State::Sending, State::Accepted, State::InDoubt] {
        let e = Event::IdConflict {
            detail: "total 100.00 (ours 5902.05)",
        };
        assert_eq!(EventKind::of(&e), Some(EventKind::IdConflict));
        assert_eq!(transition(from, &e).ok(), Some(State::Stuck), "{from}");
    }
    for from in [State::Queued, State::RetryLater, State::FailedAtRegister] {
        let e = Event::IdConflict { detail: "x" };
        assert!(transition(from, &e).is_err(), "{from}");
    }
}
