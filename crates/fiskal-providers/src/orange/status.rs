//! Orange Data answers → [`Outcome`].
//!
//! Source: «Протокол взаимодействия с интернет кассой (Облачный сервис OrangeData)», version
//! 2.31.3 of 10.09.2025 (`orangedata_API_Russian_ffd_1.2.pdf` in
//! <https://github.com/orangedata-official/API>), §2.1 and §2.2 (answer codes), §2.2.1 (the
//! body of a processed document), §2.2.2 (422: marking-code check failed).
//!
//! Every field of the §2.2.1 body, and where it goes ([`FiscalAttributes`] unless said
//! otherwise; `tests/no_silent_drops_answers.rs` walks the protocol's sample leaf by leaf):
//!
//! | field | goes to |
//! |---|---|
//! | `fsNumber` | `fn_number` (1041) |
//! | `documentNumber` | `fd_number` (1040) |
//! | `fp` (10 digits as a string) | `fiscal_sign` (1077) |
//! | `shiftNumber` | `shift_number` (1038) |
//! | `documentIndex` | `receipt_number` (1042) |
//! | `processedAt` (ISO 8601, local time) | `date_time` (1012) |
//! | `deviceRN` | `kkt_reg_number` (1037) |
//! | `deviceSN` | `kkt_serial_number` (1013) |
//! | `ofdinn` (the table says `ofdINN`; both are read) | `ofd_inn` (1017) |
//! | `ofdName` | `ofd_name` |
//! | `ofdWebsite` (the table says `odfWebsite`; both are read) | `ofd_site` |
//! | `fnsWebsite` | `fns_site` (1060) |
//! | `content.type` | `operation` (1054) |
//! | `content.totalSum`, else Σ round(`price` × `quantity`) of `content.positions` (the protocol's own sample has no `totalSum`) | `total` (1020) |
//! | `content.*` (everything else) | ignored: the document we sent, echoed (§2.1.1.1) |
//! | `id` | ignored: our document id, which the lookup was made with |
//! | `companyINN`, `companyName` | ignored: the shop's own ИНН and name as registered, from its configuration |
//! | `change` | ignored: the change given from the payments (§2.2.1 «Сдача»), not a requisite of the receipt; the payments are the shop's own |
//! | `callbackUrl`, `meta` | ignored: what we sent, echoed |
//!
//! Orange Data's answer for a processed document says nothing about the marking-code checks
//! (a failed check is the 422 answer, kept whole in the refusal's message) or about the
//! document's delivery to the ОФД.

use crate::fiscal::FiscalAttributes;
use crate::outcome::{Outcome, RejectKind};
use fiskal_ffd::datetime::LocalDateTime;
use fiskal_ffd::{Money, Operation};
use std::time::Duration;

fn errors_text(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Errors {
        errors: Vec<String>,
    }
    match serde_json::from_slice::<Errors>(body) {
        Ok(e) if !e.errors.is_empty() => e.errors.join("; "),
        _ => String::from_utf8_lossy(body).chars().take(500).collect(),
    }
}

/// The answer to a document POST. `document_id` is also Orange Data's id of the document.
pub fn submit_outcome(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
    document_id: &str,
) -> Outcome {
    match status {
        200..=202 => Outcome::Accepted {
            provider_id: document_id.to_owned(),
            duplicate: false,
        },
        // A document with this id exists already: accepted earlier; look it up by status.
        409 => Outcome::Accepted {
            provider_id: document_id.to_owned(),
            duplicate: true,
        },
        400 => {
            let message = errors_text(body);
            // A signature failure is a credentials problem, not a receipt problem.
            let kind = if message.contains("Подпись")
                || message.to_lowercase().contains("signature")
            {
                RejectKind::Auth
            } else {
                RejectKind::Validation
            };
            Outcome::Rejected {
                kind,
                code: "400".into(),
                message,
            }
        }
        401 | 403 => Outcome::Rejected {
            kind: RejectKind::Auth,
            code: status.to_string(),
            message: "client certificate rejected".into(),
        },
        // Queue full: the document was not taken (§2.1, answer codes).
        503 => Outcome::RetryLater {
            after: retry_after,
            code: Some("503".into()),
            message: errors_text(body),
        },
        // Any other answer (500, 502, 504 from a proxy …) does not say whether the document was
        // stored: resolve by status before resending.
        other => Outcome::InDoubt {
            reason: format!("HTTP {other}: {}", errors_text(body)),
        },
    }
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Processed {
    #[serde(default, rename = "deviceRN")]
    device_rn: Option<String>,
    #[serde(default, rename = "deviceSN")]
    device_sn: Option<String>,
    fs_number: String,
    #[serde(default, alias = "ofdINN")]
    ofdinn: Option<String>,
    #[serde(default)]
    ofd_name: Option<String>,
    #[serde(default, alias = "odfWebsite")]
    ofd_website: Option<String>,
    #[serde(default)]
    fns_website: Option<String>,
    document_number: u32,
    #[serde(default)]
    shift_number: Option<u32>,
    #[serde(default)]
    document_index: Option<u32>,
    processed_at: String,
    fp: String,
    content: ProcessedContent,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProcessedContent {
    #[serde(rename = "type")]
    operation: u8,
    #[serde(default)]
    total_sum: Option<Money>,
    #[serde(default)]
    positions: Vec<ProcessedPosition>,
}

#[derive(serde::Deserialize)]
struct ProcessedPosition {
    quantity: fiskal_ffd::money::Quantity,
    price: Money,
}

impl ProcessedContent {
    /// `totalSum`, else Σ price × quantity of the positions, each rounded half up to the
    /// kopeck (how the register computes 1043).
    fn total(&self) -> Option<Money> {
        if let Some(t) = self.total_sum {
            return Some(t);
        }
        if self.positions.is_empty() {
            return None;
        }
        let mut sum = Money::from_kopecks(0).as_decimal();
        for p in &self.positions {
            let line = p.price.as_decimal().checked_mul(p.quantity.as_decimal())?;
            sum = sum.checked_add(fiskal_ffd::money::Rounding::HalfUp.round(line, 2))?;
        }
        let total = Money::from_decimal(sum);
        total.kopecks().ok().map(|_| total)
    }
}

/// A text field: trimmed, `None` when empty.
fn text(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// `processedAt` is ISO-8601 local time, possibly with fractional seconds.
fn local_time(s: &str) -> Option<LocalDateTime> {
    s.get(..19)?.parse().ok()
}

/// The answer to a status GET.
pub fn status_outcome(status: u16, body: &[u8], document_id: &str) -> Outcome {
    match status {
        200 => match serde_json::from_slice::<Processed>(body) {
            Ok(p) => {
                let (Some(date_time), Ok(fiscal_sign), Some(total)) = (
                    local_time(&p.processed_at),
                    p.fp.trim().parse::<u32>(),
                    p.content.total(),
                ) else {
                    return Outcome::RetryLater {
                        after: None,
                        code: Some("200".into()),
                        message: "processed, but processedAt, fp or the total is unreadable".into(),
                    };
                };
                Outcome::Done {
                    provider_id: document_id.to_owned(),
                    fiscal: FiscalAttributes {
                        fn_number: p.fs_number,
                        fd_number: p.document_number,
                        fiscal_sign,
                        shift_number: p.shift_number,
                        receipt_number: p.document_index,
                        date_time,
                        kkt_reg_number: text(p.device_rn),
                        ofd_inn: text(p.ofdinn),
                        receipt_url: None,
                        total,
                        operation: Operation(p.content.operation),
                        fns_site: text(p.fns_website),
                        kkt_serial_number: text(p.device_sn),
                        ofd_name: text(p.ofd_name),
                        ofd_site: text(p.ofd_website),
                        ofd_delivered: None,
                        warnings: Vec::new(),
                        mark_checks: Vec::new(),
                    },
                }
            }
            Err(e) => Outcome::RetryLater {
                after: None,
                code: Some("200".into()),
                message: format!("processed, but the answer is unreadable: {e}"),
            },
        },
        202 => Outcome::Pending {
            provider_id: document_id.to_owned(),
        },
        // Organisation or document unknown: the document was never taken — safe to send with the
        // same id (this is how an in-doubt send is resolved).
        400 | 404 => Outcome::NotFound {
            message: format!(
                "HTTP {status}: document not found at Orange Data: {}",
                errors_text(body)
            ),
        },
        401 | 403 => Outcome::Rejected {
            kind: RejectKind::Auth,
            code: status.to_string(),
            message: "client certificate rejected".into(),
        },
        // Marking-code check failed: the id is used; fix and send under a new id.
        422 => Outcome::Rejected {
            kind: RejectKind::Validation,
            code: "422".into(),
            message: String::from_utf8_lossy(body).chars().take(1000).collect(),
        },
        // Expired in the queue before processing: must be sent again with a new id (§2.2).
        524 => Outcome::Rejected {
            kind: RejectKind::Register,
            code: "524".into(),
            message: "document expired before processing: send it again under a new id".into(),
        },
        // 5xx, a proxy's answer, anything else: a lookup registers nothing and says nothing
        // about the document: ask again, the status kept.
        other => Outcome::RetryLater {
            after: None,
            code: Some(other.to_string()),
            message: format!("status request: HTTP {other}: {}", errors_text(body)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The protocol's own §2.2.1 sample (no `totalSum`) is a done receipt with every
    /// attribute it gives; before, it could not be read at all.
    #[test]
    fn the_protocol_status_sample_is_done() {
        let body = include_bytes!(
            "../../../fiskal-emulator/tests/fixtures/orange/protocol_2_2_1_status_response.json"
        );
        let Outcome::Done { fiscal, .. } = status_outcome(200, body, "12345678990") else {
            panic!("not done")
        };
        assert_eq!(fiscal.fn_number, "9999078900001341");
        assert_eq!(fiscal.fiscal_sign, 2_364_009_522);
        // 123.45 × 1 + 4.45 × 2
        assert_eq!(fiscal.total, Money::from_kopecks(13_235));
        assert_eq!(
            fiscal.kkt_serial_number.as_deref(),
            Some("0000000000001358")
        );
        assert_eq!(fiscal.ofd_name.as_deref(), Some("ООО \"Ярус\"(\"ОФД-Я\")"));
        assert_eq!(fiscal.ofd_site.as_deref(), Some("www.ofd-ya.ru"));
        assert_eq!(fiscal.fns_site.as_deref(), Some("www.nalog.ru"));
        assert_eq!(fiscal.ofd_inn.as_deref(), Some("7728699517"));
        assert!(!fiscal.needs_attention());
    }

    #[test]
    fn total_sum_wins_and_rounding_is_half_up() {
        let body = br#"{"fsNumber":"1","documentNumber":2,"processedAt":"2026-03-02T10:15:42",
            "fp":"3","content":{"type":1,"totalSum":10.00,
            "positions":[{"quantity":1,"price":99}]}}"#;
        match status_outcome(200, body, "d") {
            Outcome::Done { fiscal, .. } => assert_eq!(fiscal.total, Money::from_kopecks(1000)),
            o => panic!("{o:?}"),
        }
        let body = br#"{"fsNumber":"1","documentNumber":2,"processedAt":"2026-03-02T10:15:42",
            "fp":"3","content":{"type":1,"positions":[{"quantity":0.333,"price":1.5},
            {"quantity":1,"price":2}]}}"#;
        match status_outcome(200, body, "d") {
            // 0.4995 → 0.50, + 2.00
            Outcome::Done { fiscal, .. } => assert_eq!(fiscal.total, Money::from_kopecks(250)),
            o => panic!("{o:?}"),
        }
    }

    /// Status by status: only 422 (marking codes) and 524 (expired in the queue) refuse the
    /// document; credentials keep their kind; everything else is asked again.
    #[test]
    fn status_answers_refuse_only_the_document() {
        let errors = r#"{"errors":["boom"]}"#.as_bytes();
        let kind = |status| match status_outcome(status, errors, "d-1") {
            Outcome::Rejected { kind, code, .. } => format!("rejected:{}:{code}", kind.code()),
            Outcome::RetryLater { code, .. } => format!("retry_later:{}", code.unwrap_or_default()),
            o => o.code().to_owned(),
        };
        assert_eq!(kind(202), "pending");
        assert_eq!(kind(400), "not_found");
        assert_eq!(kind(404), "not_found");
        assert_eq!(kind(401), "rejected:auth:401");
        assert_eq!(kind(403), "rejected:auth:403");
        assert_eq!(kind(422), "rejected:validation:422");
        assert_eq!(kind(524), "rejected:register:524");
        for s in [500, 502, 503, 504, 429, 418] {
            assert_eq!(kind(s), format!("retry_later:{s}"), "HTTP {s}");
        }
        // A 200 that cannot be read: asked again, never in doubt or refused.
        assert_eq!(kind(200), "retry_later:200");
    }
}
