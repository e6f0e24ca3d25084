//! Orange Data answers → [`Outcome`] (providers.md §2.5, §2.7, §2.11).

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
        // Queue full: the document was not taken (§2.5).
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
    #[serde(rename = "deviceRN")]
    device_rn: Option<String>,
    fs_number: String,
    ofdinn: Option<String>,
    document_number: u32,
    shift_number: Option<u32>,
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
    total_sum: Money,
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
                let (Some(date_time), Ok(fiscal_sign)) =
                    (local_time(&p.processed_at), p.fp.trim().parse::<u32>())
                else {
                    return Outcome::RetryLater {
                        after: None,
                        code: Some("200".into()),
                        message: "processed, but processedAt or fp is unreadable".into(),
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
                        kkt_reg_number: p.device_rn.map(|s| s.trim().to_owned()),
                        ofd_inn: p.ofdinn,
                        receipt_url: None,
                        total: p.content.total_sum,
                        operation: Operation(p.content.operation),
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
        // Expired in the queue before processing: must be sent again with a new id (§2.7).
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
