//! What the worker writes for an answer: the checks of a provider's answer against the entry
//! (another provider id, another receipt under our document id) and the outcomes of calls
//! that failed locally.

use crate::state::Event;
use crate::store::Entry;
use fiskal_providers::{Outcome, ProviderError, RejectKind};

/// An event the worker writes, owned (it crosses into the blocking pool).
pub(super) enum EventOwned {
    /// Boxed: an outcome with fiscal attributes is large, the other events are small.
    Outcome(Box<Outcome>),
    Resubmit,
    Failover(String),
    IdConflict(String),
}

impl EventOwned {
    pub(super) fn as_event(&self) -> Event<'_> {
        match self {
            EventOwned::Outcome(o) => Event::ProviderOutcome(o),
            EventOwned::Resubmit => Event::Resubmit,
            EventOwned::Failover(p) => Event::Failover { provider: p },
            EventOwned::IdConflict(d) => Event::IdConflict { detail: d },
        }
    }
}

/// The `last_code` of a status answer about another provider id than the one stored.
pub const PROVIDER_ID_MISMATCH: &str = "provider_id_mismatch";

/// A status answer about the entry's document, or — when it names another provider id than
/// the one the provider gave us at acceptance — a retry that applies nothing of it (audited,
/// polled again, `stuck` at the deadline if it persists).
pub(super) fn same_document(e: &Entry, o: Outcome) -> Outcome {
    let answered = match &o {
        Outcome::Accepted { provider_id, .. }
        | Outcome::Pending { provider_id }
        | Outcome::Waiting { provider_id, .. }
        | Outcome::Done { provider_id, .. } => provider_id,
        _ => return o,
    };
    match e.provider_id.as_deref() {
        Some(ours) if !ours.is_empty() && ours != answered => Outcome::RetryLater {
            after: None,
            code: Some(PROVIDER_ID_MISMATCH.into()),
            message: format!(
                "the status answer is about provider id {answered:?}, this receipt's is \
                 {ours:?}: not applied ({})",
                o.code()
            ),
        },
        _ => o,
    }
}

/// When a `done` answer describes another receipt than ours (another total 1020 or operation
/// 1054: the document id was used before, by someone else), what it reports against what we
/// hold; `None` when it is ours (or not a `done`).
pub(super) fn not_our_receipt(
    receipt: &fiskal_ffd::Receipt,
    document_id: &str,
    o: &Outcome,
) -> Option<String> {
    let Outcome::Done {
        provider_id,
        fiscal,
    } = o
    else {
        return None;
    };
    let same_total = match (fiscal.total.kopecks(), receipt.total.kopecks()) {
        (Ok(a), Ok(b)) => a == b,
        _ => fiscal.total == receipt.total,
    };
    if same_total && fiscal.operation == receipt.operation {
        return None;
    }
    Some(format!(
        "the provider reports document id {document_id} (provider id {provider_id}) fiscalised \
         as another receipt: total {} (ours {}), operation {} (ours {}); fn {} fd {} fp {} \
         {}; not marked done: the id was used before, check which receipt it is",
        fiscal.total,
        receipt.total,
        fiscal.operation.0,
        receipt.operation.0,
        fiscal.fn_number,
        fiscal.fd_number,
        fiscal.fiscal_sign,
        fiscal.date_time,
    ))
}

/// A send that failed locally (nothing went out, and it never will as it is): a refusal the
/// operator sees, with the local error's code.
pub(super) fn local_refusal(err: &ProviderError) -> Outcome {
    let kind = match err {
        ProviderError::Config { .. } | ProviderError::Tls { .. } => RejectKind::Configuration,
        _ => RejectKind::Validation,
    };
    Outcome::Rejected {
        kind,
        code: format!("local:{}", err.code()),
        message: err.to_string(),
    }
}

/// A status call or in-doubt resolution that failed locally: nothing is settled, try later.
/// The message says what failed: the lookup (or the same-id resend), never "cannot be sent".
pub(super) fn still_unknown(err: &ProviderError) -> Outcome {
    let what = match err {
        ProviderError::Unsupported {
            provider,
            path,
            message,
        } => format!("{provider}: `{path}`: {message}"),
        other => other.to_string(),
    };
    Outcome::RetryLater {
        after: None,
        code: Some(format!("local:{}", err.code())),
        message: format!("the status request was not made: {what}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::State;
    use crate::store::Timestamp;
    use fiskal_providers::WaitingFor;

    fn accepted(provider_id: &str) -> Entry {
        Entry {
            key: "k1".to_owned(),
            receipt_json: "{}".to_owned(),
            body_hash: "00".to_owned(),
            provider: "modulkassa".to_owned(),
            state: State::Accepted,
            version: 3,
            attempt: 1,
            tries: 0,
            provider_id: Some(provider_id.to_owned()),
            due_at: None,
            deadline: None,
            fiscal: None,
            last_code: None,
            last_message: None,
            created_at: Timestamp(0),
            state_since: Timestamp(0),
            updated_at: Timestamp(0),
        }
    }

    fn waiting(id: &str) -> Outcome {
        Outcome::Waiting {
            provider_id: id.to_owned(),
            waiting_for: WaitingFor::Register,
            message: "QUEUED".to_owned(),
        }
    }

    /// A "waiting for the register" answer is checked like any pending one: about our provider
    /// id it is applied as it is; about another one it is a retry that applies nothing.
    #[test]
    fn a_waiting_answer_must_be_about_our_document() {
        let e = accepted("k1-1");
        assert_eq!(same_document(&e, waiting("k1-1")), waiting("k1-1"));
        match same_document(&e, waiting("someone-else")) {
            Outcome::RetryLater { code, .. } => {
                assert_eq!(code.as_deref(), Some(PROVIDER_ID_MISMATCH));
            }
            o => panic!("{o:?}"),
        }
    }
}
