//! The provider trait and what is submitted.

use crate::error::ProviderError;
use crate::outcome::Outcome;
use fiskal_ffd::datetime::LocalDateTime;
use fiskal_ffd::{Operation, Receipt};
use std::future::Future;

/// Which document a receipt becomes at a provider: the operation 1054, plus whether it is a
/// correction (form 31).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DocumentKind {
    /// Приход.
    Sell,
    /// Возврат прихода.
    SellRefund,
    /// Расход.
    Buy,
    /// Возврат расхода.
    BuyRefund,
    /// Коррекция прихода.
    SellCorrection,
    /// Коррекция возврата прихода (ФФД 1.2).
    SellRefundCorrection,
    /// Коррекция расхода.
    BuyCorrection,
    /// Коррекция возврата расхода (ФФД 1.2).
    BuyRefundCorrection,
}

impl DocumentKind {
    /// The kind of a receipt; fails for an operation code this crate does not know.
    pub fn of(receipt: &Receipt) -> Result<DocumentKind, ProviderError> {
        let correction = receipt.correction.is_some();
        Ok(match (receipt.operation, correction) {
            (Operation::SELL, false) => DocumentKind::Sell,
            (Operation::SELL_REFUND, false) => DocumentKind::SellRefund,
            (Operation::BUY, false) => DocumentKind::Buy,
            (Operation::BUY_REFUND, false) => DocumentKind::BuyRefund,
            (Operation::SELL, true) => DocumentKind::SellCorrection,
            (Operation::SELL_REFUND, true) => DocumentKind::SellRefundCorrection,
            (Operation::BUY, true) => DocumentKind::BuyCorrection,
            (Operation::BUY_REFUND, true) => DocumentKind::BuyRefundCorrection,
            (op, _) => {
                return Err(ProviderError::Unsupported {
                    provider: "any",
                    path: "operation".into(),
                    message: format!("operation {} is not defined", op.0),
                })
            }
        })
    }

    /// The ATOL Online operation name (`sell`, `sell_refund_correction` …), also used by the
    /// Business.ru ATOL-compatible endpoints.
    pub fn atol_operation(self) -> &'static str {
        match self {
            DocumentKind::Sell => "sell",
            DocumentKind::SellRefund => "sell_refund",
            DocumentKind::Buy => "buy",
            DocumentKind::BuyRefund => "buy_refund",
            DocumentKind::SellCorrection => "sell_correction",
            DocumentKind::SellRefundCorrection => "sell_refund_correction",
            DocumentKind::BuyCorrection => "buy_correction",
            DocumentKind::BuyRefundCorrection => "buy_refund_correction",
        }
    }

    /// Whether it is a correction receipt.
    pub fn is_correction(self) -> bool {
        matches!(
            self,
            DocumentKind::SellCorrection
                | DocumentKind::SellRefundCorrection
                | DocumentKind::BuyCorrection
                | DocumentKind::BuyRefundCorrection
        )
    }
}

/// One receipt to fiscalise.
#[derive(Debug, Clone, Copy)]
pub struct Submission<'a> {
    /// The document id sent to the provider (ATOL `external_id`, Orange Data `id`, …): the
    /// caller's idempotency key plus the attempt number. Sending the same id again never makes a
    /// second receipt: the provider answers "duplicate" and the outcome is
    /// [`Outcome::Accepted`] with `duplicate: true`.
    pub document_id: &'a str,
    /// The receipt (validated by the caller or by the adapter).
    pub receipt: &'a Receipt,
    /// Where the provider should report the result, if it supports callbacks.
    pub callback_url: Option<&'a str>,
    /// The document's time in the shop's system (ATOL `timestamp`), local time.
    pub timestamp: LocalDateTime,
}

/// A status lookup.
#[derive(Debug, Clone, Copy)]
pub struct StatusQuery<'a> {
    /// The provider's id from [`Outcome::Accepted`], when known.
    pub provider_id: Option<&'a str>,
    /// The document id that was submitted.
    pub document_id: &'a str,
    /// The kind of document (some providers look corrections up elsewhere).
    pub kind: DocumentKind,
}

/// How a provider settles an [`Outcome::InDoubt`] send (the document may or may not have been
/// taken), so that nothing is fiscalised twice. Declared by each adapter; the outbox follows it
/// before any resend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InDoubtResolution {
    /// Submit again under the **same** document id: the provider never makes a second receipt
    /// for an id it holds and answers [`Outcome::Accepted`] with `duplicate: true` (ATOL: error
    /// 33 carrying the first uuid). Needs no lookup endpoint.
    ResendSameId,
    /// Look the document up by its document id ([`StatusQuery::provider_id`] `None`): an
    /// accepted, pending or done answer when it was taken, [`Outcome::NotFound`] when it was
    /// not (then sending it is safe). Orange Data, and Business.ru, whose API has no idempotency.
    LookUp,
}

impl InDoubtResolution {
    /// Stable snake_case name.
    pub fn code(self) -> &'static str {
        match self {
            InDoubtResolution::ResendSameId => "resend_same_id",
            InDoubtResolution::LookUp => "look_up",
        }
    }
}

/// What a provider's health check ([`Provider::health`]) found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Health {
    /// The service answered an authenticated request: it is reachable and takes these
    /// credentials. `detail` is a short summary of what it said (never a secret).
    Ok {
        /// What was asked and what the service said, in a few words.
        detail: String,
    },
    /// The check failed; the outcome says how: [`Outcome::Rejected`] with
    /// [`crate::RejectKind::Auth`] or [`crate::RejectKind::Configuration`] (fix the settings),
    /// [`Outcome::RetryLater`] (unreachable or failing now).
    Failed(Box<Outcome>),
    /// This provider has no health check (the trait's default).
    Unsupported,
}

impl Health {
    /// Whether the check passed.
    pub fn is_ok(&self) -> bool {
        matches!(self, Health::Ok { .. })
    }
}

/// A cloud cash register.
///
/// Implementations never panic, time out every call (connect and read timeouts), and report
/// everything that happened on the wire as an [`Outcome`]; `Err` means nothing was sent.
pub trait Provider: Send + Sync {
    /// A short name (`"atol_v4"`, `"orange_data"` …) for logs and metrics.
    fn name(&self) -> &'static str;

    /// How an in-doubt send is settled with this provider.
    fn in_doubt_resolution(&self) -> InDoubtResolution;

    /// The shortest interval this client keeps between status requests (it waits for its slot
    /// inside [`status`](Provider::status)); `None` when it has no such limit. The outbox
    /// spaces its polls to match, so that no call spends its timeout waiting in the adapter.
    fn status_interval(&self) -> Option<std::time::Duration> {
        None
    }

    /// Sends a receipt.
    fn submit<'a>(
        &'a self,
        submission: &'a Submission<'a>,
    ) -> impl Future<Output = Result<Outcome, ProviderError>> + Send + 'a;

    /// Looks a document up.
    fn status<'a>(
        &'a self,
        query: &'a StatusQuery<'a>,
    ) -> impl Future<Output = Result<Outcome, ProviderError>> + Send + 'a;

    /// Checks that the service is reachable and takes this configuration's credentials,
    /// without registering anything (for `fiskal config check --online` and monitoring).
    /// The default is [`Health::Unsupported`].
    fn health(&self) -> impl Future<Output = Health> + Send + '_ {
        std::future::ready(Health::Unsupported)
    }
}
