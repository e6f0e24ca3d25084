//! One outcome type for every provider: what happened to a receipt, in the terms a caller (and
//! the outbox) acts on.
//!
//! | outcome | meaning | what to do |
//! |---|---|---|
//! | [`Outcome::Accepted`] | the provider has the document (maybe from an earlier attempt: `duplicate`) | poll [`status`](crate::Provider::status) |
//! | [`Outcome::Pending`] | accepted, still being fiscalised | poll again later |
//! | [`Outcome::Waiting`] | accepted, a pending document that waits for something outside the provider's service ([`WaitingFor`]: an offline register) | poll again later; never resend it under a new id; flag it when it waits too long |
//! | [`Outcome::Done`] | fiscalised | keep the [`FiscalAttributes`] |
//! | [`Outcome::Rejected`] | definitive no: fix the receipt, the credentials, or the register | do not resend as is; of kind [`RejectKind::Auth`] / [`RejectKind::Configuration`] it is about our setup, not the document: resend once it is fixed (the outbox waits) |
//! | [`Outcome::RetryLater`] | transient, and the document was **not** taken | resend the same document id after `after` |
//! | [`Outcome::InDoubt`] | unknown whether the provider took it (timeout, reset after sending) | look it up by status before any resend |
//! | [`Outcome::NotFound`] | (status lookups only) the provider says it has no document with this id | it was never taken: sending it (same id) is safe |
//!
//! The provider's own code and text are always kept.
//!
//! JSON form (the C ABI, the bindings): see [`Outcome`].

use crate::fiscal::FiscalAttributes;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::time::Duration;

/// Why a request was refused. Serde: its [`code`](RejectKind::code).
///
/// [`Validation`](RejectKind::Validation), [`Register`](RejectKind::Register) and
/// [`Other`](RejectKind::Other) are the provider's verdict on the **document**; adapters use
/// them only for that (never for a failed status call). [`Auth`](RejectKind::Auth) and
/// [`Configuration`](RejectKind::Configuration) are about **our** credentials or settings, on
/// any request: the document was not judged, and the outbox keeps the receipt waiting until
/// they are fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
///
/// # JSON form
///
/// What the C ABI and the bindings exchange (`Serialize` / `Deserialize`): an object whose
/// first key `"outcome"` is [`Outcome::code`], then the variant's fields, always all of them
/// (`null` when absent). Unknown keys are refused when reading.
///
/// ```json
/// {"outcome":"accepted","provider_id":"6f0c…","duplicate":false}
/// {"outcome":"pending","provider_id":"6f0c…"}
/// {"outcome":"pending","provider_id":"6f0c…","waiting_for":"register","message":"…"}
/// {"outcome":"done","provider_id":"6f0c…","fiscal":{"fn_number":"9999078900001234","fd_number":1234,…}}
/// {"outcome":"rejected","kind":"validation","code":"32","message":"…"}
/// {"outcome":"retry_later","after_ms":3000,"code":"503","message":"…"}
/// {"outcome":"in_doubt","reason":"timeout: …"}
/// {"outcome":"not_found","message":"…"}
/// ```
///
/// [`Outcome::Waiting`] is a pending outcome in JSON too (`"outcome": "pending"`), with two more
/// keys: `waiting_for` ([`WaitingFor::code`]) and the provider's `message`; a reader that knows
/// only `pending` reads it as one. `kind` is [`RejectKind::code`]; `after_ms` is the delay in whole milliseconds (`null`: none
/// given); `fiscal` is [`FiscalAttributes`] as its serde form (money as a string with two
/// decimals, `date_time` as `YYYY-MM-DDTHH:MM:SS`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
// `Done` carries the whole fiscal result (mark checks, warnings, ОФД data); outcomes are few
// and short-lived, and boxing it would change every match on `Done { fiscal, .. }`.
#[allow(clippy::large_enum_variant)]
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
    /// Accepted, and a kind of [`Outcome::Pending`]: the provider holds the document but cannot
    /// start processing it, because it waits for something outside its service — МодульКасса's
    /// `QUEUED`: the shop's own Android cash register fetches documents from the service and
    /// takes nothing while it is offline, and the service sets no time limit on the wait
    /// («API фискализации документов» 2.0, §1.4–1.5, §2.4.5).
    ///
    /// Its [`code`](Outcome::code) and JSON `outcome` are `pending` (see the JSON form above),
    /// and everything that treats pending outcomes treats it the same (`is_pending`); what it
    /// adds is the reason, so that a journal can show the receipt as waiting for the register
    /// and raise it when it waits past a deadline. The document must never be sent again under
    /// a new id while it waits: the register would print it when it comes back.
    Waiting {
        /// The provider's id of the document.
        provider_id: String,
        /// What the document waits for.
        waiting_for: WaitingFor,
        /// The provider's words about the wait (status, message, the register's state).
        message: String,
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

/// What an [`Outcome::Waiting`] document waits for. Serde: its [`code`](WaitingFor::code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum WaitingFor {
    /// The cash register that fiscalises the provider's documents has not taken it: it is
    /// offline (or not yet polled). МодульКасса status `QUEUED`.
    Register,
}

impl WaitingFor {
    /// Every reason, in a stable order.
    pub const ALL: [WaitingFor; 1] = [WaitingFor::Register];

    /// Stable snake_case name (`register`), the JSON `waiting_for`.
    pub fn code(self) -> &'static str {
        match self {
            WaitingFor::Register => "register",
        }
    }

    /// The code a journal shows for an entry that waits for this (`waiting_for_register`):
    /// the outbox's `last_code`.
    pub fn entry_code(self) -> &'static str {
        match self {
            WaitingFor::Register => "waiting_for_register",
        }
    }

    /// The reason whose [`entry_code`](WaitingFor::entry_code) is `code`.
    pub fn from_entry_code(code: &str) -> Option<WaitingFor> {
        WaitingFor::ALL.into_iter().find(|w| w.entry_code() == code)
    }
}

impl Outcome {
    /// Whether the document is known to be at the provider (accepted, pending, waiting or
    /// done).
    pub fn is_at_provider(&self) -> bool {
        matches!(
            self,
            Outcome::Accepted { .. }
                | Outcome::Pending { .. }
                | Outcome::Waiting { .. }
                | Outcome::Done { .. }
        )
    }

    /// Whether it is a pending outcome: [`Outcome::Pending`] or [`Outcome::Waiting`].
    pub fn is_pending(&self) -> bool {
        matches!(self, Outcome::Pending { .. } | Outcome::Waiting { .. })
    }

    /// What the document waits for, for an [`Outcome::Waiting`].
    pub fn waiting_for(&self) -> Option<WaitingFor> {
        match self {
            Outcome::Waiting { waiting_for, .. } => Some(*waiting_for),
            _ => None,
        }
    }

    /// Stable snake_case name of the variant (for logs, JSON and the C ABI); `pending` for
    /// [`Outcome::Waiting`] too (a kind of pending).
    pub fn code(&self) -> &'static str {
        match self {
            Outcome::Accepted { .. } => "accepted",
            Outcome::Pending { .. } | Outcome::Waiting { .. } => "pending",
            Outcome::Done { .. } => "done",
            Outcome::Rejected { .. } => "rejected",
            Outcome::RetryLater { .. } => "retry_later",
            Outcome::InDoubt { .. } => "in_doubt",
            Outcome::NotFound { .. } => "not_found",
        }
    }
}

impl Serialize for Outcome {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("outcome", self.code())?;
        match self {
            Outcome::Accepted {
                provider_id,
                duplicate,
            } => {
                m.serialize_entry("provider_id", provider_id)?;
                m.serialize_entry("duplicate", duplicate)?;
            }
            Outcome::Pending { provider_id } => m.serialize_entry("provider_id", provider_id)?,
            Outcome::Waiting {
                provider_id,
                waiting_for,
                message,
            } => {
                m.serialize_entry("provider_id", provider_id)?;
                m.serialize_entry("waiting_for", waiting_for)?;
                m.serialize_entry("message", message)?;
            }
            Outcome::Done {
                provider_id,
                fiscal,
            } => {
                m.serialize_entry("provider_id", provider_id)?;
                m.serialize_entry("fiscal", fiscal)?;
            }
            Outcome::Rejected {
                kind,
                code,
                message,
            } => {
                m.serialize_entry("kind", kind)?;
                m.serialize_entry("code", code)?;
                m.serialize_entry("message", message)?;
            }
            Outcome::RetryLater {
                after,
                code,
                message,
            } => {
                let after_ms = after.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
                m.serialize_entry("after_ms", &after_ms)?;
                m.serialize_entry("code", code)?;
                m.serialize_entry("message", message)?;
            }
            Outcome::InDoubt { reason } => m.serialize_entry("reason", reason)?,
            Outcome::NotFound { message } => m.serialize_entry("message", message)?,
        }
        m.end()
    }
}

/// The fields of each variant as read from JSON (`outcome` removed).
mod json {
    use super::{FiscalAttributes, RejectKind, WaitingFor};
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Accepted {
        pub(super) provider_id: String,
        pub(super) duplicate: bool,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Pending {
        pub(super) provider_id: String,
        #[serde(default)]
        pub(super) waiting_for: Option<WaitingFor>,
        #[serde(default)]
        pub(super) message: Option<String>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Done {
        pub(super) provider_id: String,
        pub(super) fiscal: FiscalAttributes,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Rejected {
        pub(super) kind: RejectKind,
        pub(super) code: String,
        pub(super) message: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct RetryLater {
        #[serde(default)]
        pub(super) after_ms: Option<u64>,
        #[serde(default)]
        pub(super) code: Option<String>,
        pub(super) message: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct InDoubt {
        pub(super) reason: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Message {
        pub(super) message: String,
    }
}

/// Read through a `serde_json::Value`, not serde's internally-tagged derive: that buffers the
/// input in a way that loses the exact text [`fiskal_ffd::Money`] is parsed from.
impl<'de> Deserialize<'de> for Outcome {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        use serde_json::Value;
        const CODES: &[&str] = &[
            "accepted",
            "pending",
            "done",
            "rejected",
            "retry_later",
            "in_doubt",
            "not_found",
        ];
        let Value::Object(mut map) = Value::deserialize(d)? else {
            return Err(D::Error::custom(
                "an outcome is an object with an `outcome` field",
            ));
        };
        let tag = match map.remove("outcome") {
            Some(Value::String(tag)) => tag,
            Some(_) => return Err(D::Error::custom("`outcome` must be a string")),
            None => return Err(D::Error::missing_field("outcome")),
        };
        let rest = Value::Object(map);
        let e = |err: serde_json::Error| D::Error::custom(format!("outcome `{tag}`: {err}"));
        Ok(match tag.as_str() {
            "accepted" => {
                let v: json::Accepted = serde_json::from_value(rest).map_err(e)?;
                Outcome::Accepted {
                    provider_id: v.provider_id,
                    duplicate: v.duplicate,
                }
            }
            "pending" => {
                let v: json::Pending = serde_json::from_value(rest).map_err(e)?;
                match (v.waiting_for, v.message) {
                    (Some(waiting_for), message) => Outcome::Waiting {
                        provider_id: v.provider_id,
                        waiting_for,
                        message: message.unwrap_or_default(),
                    },
                    (None, None) => Outcome::Pending {
                        provider_id: v.provider_id,
                    },
                    (None, Some(_)) => {
                        return Err(D::Error::custom(
                            "outcome `pending`: `message` is given only with `waiting_for`",
                        ))
                    }
                }
            }
            "done" => {
                let v: json::Done = serde_json::from_value(rest).map_err(e)?;
                Outcome::Done {
                    provider_id: v.provider_id,
                    fiscal: v.fiscal,
                }
            }
            "rejected" => {
                let v: json::Rejected = serde_json::from_value(rest).map_err(e)?;
                Outcome::Rejected {
                    kind: v.kind,
                    code: v.code,
                    message: v.message,
                }
            }
            "retry_later" => {
                let v: json::RetryLater = serde_json::from_value(rest).map_err(e)?;
                Outcome::RetryLater {
                    after: v.after_ms.map(Duration::from_millis),
                    code: v.code,
                    message: v.message,
                }
            }
            "in_doubt" => {
                let v: json::InDoubt = serde_json::from_value(rest).map_err(e)?;
                Outcome::InDoubt { reason: v.reason }
            }
            "not_found" => {
                let v: json::Message = serde_json::from_value(rest).map_err(e)?;
                Outcome::NotFound { message: v.message }
            }
            other => return Err(D::Error::unknown_variant(other, CODES)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A waiting outcome is pending in JSON (a reader that knows only `pending` reads it as
    /// one), with its reason and the provider's words; it reads back as itself, and a plain
    /// pending outcome keeps its old JSON.
    #[test]
    fn waiting_is_pending_with_a_reason() {
        let w = Outcome::Waiting {
            provider_id: "d-1".into(),
            waiting_for: WaitingFor::Register,
            message: "QUEUED: Document queued for printing".into(),
        };
        assert_eq!(w.code(), "pending");
        assert!(w.is_pending() && w.is_at_provider());
        assert_eq!(w.waiting_for(), Some(WaitingFor::Register));
        let text = serde_json::to_string(&w).expect("json");
        assert_eq!(
            text,
            r#"{"outcome":"pending","provider_id":"d-1","waiting_for":"register","message":"QUEUED: Document queued for printing"}"#
        );
        assert_eq!(serde_json::from_str::<Outcome>(&text).expect("read"), w);
        let p = Outcome::Pending {
            provider_id: "d-1".into(),
        };
        assert_eq!(
            serde_json::to_string(&p).expect("json"),
            r#"{"outcome":"pending","provider_id":"d-1"}"#
        );
        assert!(p.is_pending() && p.waiting_for().is_none());
        assert!(serde_json::from_str::<Outcome>(
            r#"{"outcome":"pending","provider_id":"d-1","message":"x"}"#
        )
        .is_err());
        assert!(serde_json::from_str::<Outcome>(
            r#"{"outcome":"pending","provider_id":"d-1","waiting_for":"moon"}"#
        )
        .is_err());
        assert_eq!(
            WaitingFor::from_entry_code("waiting_for_register"),
            Some(WaitingFor::Register)
        );
        assert_eq!(WaitingFor::from_entry_code("503"), None);
    }
}
