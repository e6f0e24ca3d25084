//! One outcome type for every provider: what happened to a receipt, in the terms a caller (and
//! the outbox) acts on.
//!
//! | outcome | meaning | what to do |
//! |---|---|---|
//! | [`Outcome::Accepted`] | the provider has the document (maybe from an earlier attempt: `duplicate`) | poll [`status`](crate::Provider::status) |
//! | [`Outcome::Pending`] | accepted, still being fiscalised | poll again later |
//! | [`Outcome::Done`] | fiscalised | keep the [`FiscalAttributes`] |
//! | [`Outcome::Rejected`] | definitive no: fix the receipt, the credentials, or the register | do not resend as is |
//! | [`Outcome::RetryLater`] | transient, and the document was **not** taken | resend the same document id after `after` |
//! | [`Outcome::InDoubt`] | unknown whether the provider took it (timeout, reset after sending) | look it up by status before any resend |
//! | [`Outcome::NotFound`] | (status lookups only) the provider says it has no document with this id | it was never taken: sending it (same id) is safe |
//!
//! The provider's own code and text are always kept.

use crate::fiscal::FiscalAttributes;
use std::time::Duration;

/// Why a document was rejected definitively.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RejectKind {
    /// The receipt is invalid for the provider (fields, sums, INN vs group …): fix the receipt.
    Validation,
    /// Credentials, token, certificate or signature refused: fix the configuration.
    Auth,
    /// The register or fiscal drive refused the document (KKT error code kept).
    Register,
    /// The provider's configuration does not allow it (unknown group, protocol version …).
    Configuration,
    /// Anything else the provider called final.
    Other,
}

impl RejectKind {
    /// Stable snake_case name.
    pub fn code(self) -> &'static str {
        match self {
            RejectKind::Validation => "validation",
            RejectKind::Auth => "auth",
            RejectKind::Register => "register",
            RejectKind::Configuration => "configuration",
            RejectKind::Other => "other",
        }
    }
}

/// The result of a submit or a status call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The provider holds the document under `provider_id`.
    Accepted {
        /// The provider's id of the document (ATOL uuid, Orange Data id, Business.ru command id).
        provider_id: String,
        /// True when the provider said it already had this document id (an earlier attempt got
        /// through): not an error and never a second receipt.
        duplicate: bool,
    },
    /// Accepted and still being processed.
    Pending {
        /// The provider's id of the document.
        provider_id: String,
    },
    /// Fiscalised.
    Done {
        /// The provider's id of the document.
        provider_id: String,
        /// What the register and the fiscal drive assigned.
        fiscal: FiscalAttributes,
    },
    /// Definitively refused.
    Rejected {
        /// What kind of refusal.
        kind: RejectKind,
        /// The provider's own error code, as text (`"32"`, `"2009"`, `"400"` …).
        code: String,
        /// The provider's own message.
        message: String,
    },
    /// Transient failure; the document was not taken.
    RetryLater {
        /// How long to wait, when the provider said (Retry-After) or a policy applies.
        after: Option<Duration>,
        /// The provider's code, if any.
        code: Option<String>,
        /// What happened.
        message: String,
    },
    /// Unknown whether the provider took the document: resolve by status before resending.
    InDoubt {
        /// What happened (timeout, connection reset after the request was sent …).
        reason: String,
    },
    /// Only from a [`status`](crate::Provider::status) lookup: the provider answered that it
    /// has no document with this id, i.e. it never took it, and sending it (under the same id)
    /// is safe. How an in-doubt send is resolved at Orange Data (status 400/404) and
    /// Business.ru (no command with that `c_num`).
    NotFound {
        /// The provider's words.
        message: String,
    },
}

impl Outcome {
    /// Whether the document is known to be at the provider (accepted, pending or done).
    pub fn is_at_provider(&self) -> bool {
        matches!(
            self,
            Outcome::Accepted { .. } | Outcome::Pending { .. } | Outcome::Done { .. }
        )
    }

    /// Stable snake_case name of the variant (for logs, JSON and the C ABI).
    pub fn code(&self) -> &'static str {
        match self {
            Outcome::Accepted { .. } => "accepted",
            Outcome::Pending { .. } => "pending",
            Outcome::Done { .. } => "done",
            Outcome::Rejected { .. } => "rejected",
            Outcome::RetryLater { .. } => "retry_later",
            Outcome::InDoubt { .. } => "in_doubt",
            Outcome::NotFound { .. } => "not_found",
        }
    }
}
