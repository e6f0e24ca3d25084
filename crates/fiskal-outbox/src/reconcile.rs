//! Reconciliation: the journal's `done` entries compared with what the providers report.
//!
//! "Done" in the journal means the provider answered with fiscal attributes. Reconciliation
//! asks the provider again, for every entry done in a period, and lists what does not agree:
//! receipts unknown at the provider, not done there, with other fiscal attributes, or stored
//! without complete attributes (no fiscal drive number, document number or fiscal sign: such
//! a receipt may have been printed but cannot be proven to the tax service). Whether the
//! register has passed a document on to the OFD is not part of the status answers of ATOL
//! Online, Orange Data and Business.ru today (they report it per register, not per receipt);
//! where a provider does report it ([`FiscalAttributes::ofd_delivered`]), a receipt still not
//! delivered [`WorkerConfig::ofd_delivery_grace`] after it became `done` is listed in
//! [`Reconciliation::not_delivered`] (the provider's latest answer counts, else the stored one).
//!
//! Done receipts that want attention although they are fiscalised — a negative marking-code
//! check or provider warnings ([`Entry::attention`]) — are listed in
//! [`Reconciliation::attention`], so that a shop can act (stop selling that code).
//!
//! [`FiscalAttributes::ofd_delivered`]: fiskal_providers::FiscalAttributes::ofd_delivered
//! [`WorkerConfig::ofd_delivery_grace`]: crate::worker::WorkerConfig::ofd_delivery_grace
//!
//! It also lists, without asking the providers, the entries that became `stuck` in the period
//! (a person must look at them: status calls that kept failing, refused credentials, a
//! register refusal left for an operator), and among them the id conflicts: a provider
//! reported a fiscalised document under our document id that is not our receipt.

use crate::error::OutboxError;
use crate::state::State;
use crate::store::{Attention, Entry, Store, Timestamp, ID_CONFLICT_CODE};
use crate::worker::Worker;
use fiskal_providers::{FiscalAttributes, Outcome, Provider};

/// One receipt that does not agree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The idempotency key.
    pub key: String,
    /// The document id at the provider.
    pub document_id: String,
    /// The route.
    pub route: String,
    /// What was found.
    pub detail: String,
}

/// The result of [`reconcile`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reconciliation {
    /// Entries compared.
    pub checked: usize,
    /// Entries the provider confirmed with the same fiscal attributes.
    pub matched: usize,
    /// Done in the journal, unknown at the provider.
    pub unknown_at_provider: Vec<Finding>,
    /// Done in the journal, but the provider reports another state (pending, refused …).
    pub not_done_at_provider: Vec<Finding>,
    /// Done at both, with different fiscal drive, document number or fiscal sign.
    pub mismatched: Vec<Finding>,
    /// Done in the journal without complete fiscal attributes.
    pub missing_fiscal: Vec<Finding>,
    /// The provider could not be asked (network, limits, no such route): try again later.
    pub unchecked: Vec<Finding>,
    /// Stopped in the period because the provider reported, under our document id, a
    /// fiscalised document that is not our receipt (another total or operation). `detail`
    /// holds what it reported.
    pub id_conflicts: Vec<Finding>,
    /// Became `stuck` in the period for any other reason (its last code and message in
    /// `detail`): status calls that kept failing, refused credentials, an operator's case.
    pub stuck: Vec<Finding>,
    /// Done in the period, fiscalised, but with a negative marking-code check or provider
    /// warnings (`detail` says which: [`Attention::summary`]).
    pub attention: Vec<Finding>,
    /// Done in the period, and the provider reports the document not delivered to the ОФД
    /// longer than [`WorkerConfig::ofd_delivery_grace`] after it became done: "fiscalised but
    /// not delivered".
    ///
    /// [`WorkerConfig::ofd_delivery_grace`]: crate::worker::WorkerConfig::ofd_delivery_grace
    pub not_delivered: Vec<Finding>,
}

impl Reconciliation {
    /// Whether everything checked agrees and nothing wants a person's look (no attention, no
    /// undelivered document either).
    pub fn is_clean(&self) -> bool {
        self.unknown_at_provider.is_empty()
            && self.not_done_at_provider.is_empty()
            && self.mismatched.is_empty()
            && self.missing_fiscal.is_empty()
            && self.unchecked.is_empty()
            && self.id_conflicts.is_empty()
            && self.stuck.is_empty()
            && self.attention.is_empty()
            && self.not_delivered.is_empty()
    }
}

fn finding(e: &Entry, detail: impl Into<String>) -> Finding {
    Finding {
        key: e.key.clone(),
        document_id: e.document_id(),
        route: e.provider.clone(),
        detail: detail.into(),
    }
}

/// Compares up to `limit` entries done in `from..to` with their providers (one status request
/// each, within the routes' poll limits), and lists up to `limit` entries that became `stuck`
/// in `from..to`.
pub async fn reconcile<S, P>(
    worker: &Worker<S, P>,
    from: Timestamp,
    to: Timestamp,
    limit: usize,
) -> Result<Reconciliation, OutboxError>
where
    S: Store + 'static,
    P: Provider + 'static,
{
    let store = std::sync::Arc::clone(worker.store());
    let entries = tokio::task::spawn_blocking(move || store.done_between(from, to, limit))
        .await
        .map_err(|e| OutboxError::Database {
            message: format!("store call did not complete: {e}"),
        })??;
    let store = std::sync::Arc::clone(worker.store());
    let stuck =
        tokio::task::spawn_blocking(move || store.changed_between(State::Stuck, from, to, limit))
            .await
            .map_err(|e| OutboxError::Database {
                message: format!("store call did not complete: {e}"),
            })??;
    let mut r = Reconciliation::default();
    for e in &stuck {
        let detail = match (&e.last_code, &e.last_message) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            (None, Some(m)) => m.clone(),
            (Some(c), None) => c.clone(),
            (None, None) => "stuck".to_owned(),
        };
        if e.last_code.as_deref() == Some(ID_CONFLICT_CODE) {
            r.id_conflicts.push(finding(e, detail));
        } else {
            r.stuck.push(finding(e, detail));
        }
    }
    let grace = worker.config().ofd_delivery_grace;
    let now = Timestamp::now();
    for e in &entries {
        r.checked += 1;
        if let Some(a) = e.attention() {
            let a = Attention {
                ofd_not_delivered: false,
                ..a
            };
            if !a.reasons().is_empty() {
                r.attention.push(finding(e, a.summary()));
            }
        }
        let Some(mine) = &e.fiscal else {
            r.missing_fiscal
                .push(finding(e, "no fiscal attributes stored"));
            continue;
        };
        if mine.fn_number.trim().is_empty() || mine.fd_number == 0 || mine.fiscal_sign == 0 {
            r.missing_fiscal.push(finding(
                e,
                format!(
                    "incomplete: fn {:?}, fd {}, fp {}",
                    mine.fn_number, mine.fd_number, mine.fiscal_sign
                ),
            ));
            continue;
        }
        match worker.look_up(e).await {
            Err(msg) => r.unchecked.push(finding(e, msg)),
            Ok(Outcome::Done { fiscal, .. }) => {
                not_delivered(&mut r, e, &fiscal, grace, now);
                if fiscal.fn_number == mine.fn_number
                    && fiscal.fd_number == mine.fd_number
                    && fiscal.fiscal_sign == mine.fiscal_sign
                {
                    r.matched += 1;
                } else {
                    r.mismatched.push(finding(
                        e,
                        format!(
                            "journal fn {} fd {} fp {}; provider fn {} fd {} fp {}",
                            mine.fn_number,
                            mine.fd_number,
                            mine.fiscal_sign,
                            fiscal.fn_number,
                            fiscal.fd_number,
                            fiscal.fiscal_sign
                        ),
                    ));
                }
            }
            Ok(Outcome::NotFound { message }) => r.unknown_at_provider.push(finding(e, message)),
            Ok(o @ (Outcome::RetryLater { .. } | Outcome::InDoubt { .. })) => {
                not_delivered(&mut r, e, mine, grace, now);
                r.unchecked.push(finding(e, format!("{o:?}")));
            }
            Ok(o) => r
                .not_done_at_provider
                .push(finding(e, format!("provider says {}", o.code()))),
        }
    }
    Ok(r)
}

/// Lists `e` as "fiscalised but not delivered" when `fiscal` (the provider's latest word, or the
/// stored one when the provider could not be asked) says the ОФД has not received it and it
/// has been `done` for at least `grace`.
fn not_delivered(
    r: &mut Reconciliation,
    e: &Entry,
    fiscal: &FiscalAttributes,
    grace: std::time::Duration,
    now: Timestamp,
) {
    if fiscal.ofd_delivered != Some(false) {
        return;
    }
    let waited = now.since(e.state_since);
    if waited < grace {
        return;
    }
    r.not_delivered.push(finding(
        e,
        format!(
            "fiscalised (fn {} fd {} fp {}) but not delivered to the OFD {} s after done",
            fiscal.fn_number,
            fiscal.fd_number,
            fiscal.fiscal_sign,
            waited.as_secs()
        ),
    ));
}
