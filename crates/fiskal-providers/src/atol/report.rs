//! ATOL's response envelope, the report (`GET report/<uuid>`) and the callback that carries
//! the same JSON («АТОЛ Онлайн. Описание протокола v4», doc version 5.15,
//! <https://online.atol.ru/files/API_atol_online_v4.pdf>, §6.2 Table 4 and §6.3 Table 5), turned
//! into an [`Outcome`].
//!
//! | report | outcome |
//! |---|---|
//! | `status: "wait"` (also code 34 «Состояние чека не найдено») | [`Outcome::Pending`] |
//! | `status: "done"` with a readable `payload` | [`Outcome::Done`] with [`FiscalAttributes`] |
//! | `status: "done"`, payload unreadable | [`Outcome::RetryLater`] (ask again) |
//! | `status: "fail"` | by `error.type` and `code`, see [`errors`]: always [`Outcome::Rejected`] (re-send under a **new** document id), except a queue timeout with [`AtolConfig::queue_timeout_is_retry`](super::AtolConfig::queue_timeout_is_retry) |
//!
//! Every field of a report, and where it goes ([`FiscalAttributes`] unless said otherwise;
//! A4 = «АТОЛ Онлайн. Описание протокола v4», doc version 5.15, §6.3 table 5; the v5 additions
//! from the v5 clients quoting the v5 document, see `docs/emulators.md`):
//!
//! | report field | goes to |
//! |---|---|
//! | `uuid` | the outcome's `provider_id` |
//! | `status`, `error.*` | the outcome (table above) |
//! | `external_id` | [`AtolCallback::external_id`] (our document id) |
//! | `payload.fn_number` | `fn_number` (1041) |
//! | `payload.fiscal_document_number` | `fd_number` (1040) |
//! | `payload.fiscal_document_attribute` | `fiscal_sign` (1077) |
//! | `payload.shift_number` | `shift_number` (1038) |
//! | `payload.fiscal_receipt_number` | `receipt_number` (1042) |
//! | `payload.receipt_datetime` (`dd.mm.yyyy HH:MM:SS`) | `date_time` (1012) |
//! | `payload.ecr_registration_number` | `kkt_reg_number` (1037) |
//! | `payload.total` (read from the number's text, never through `f64`) | `total` (1020) |
//! | `payload.fns_site` | `fns_site` (1060) |
//! | `payload.ofd_inn` | `ofd_inn` (1017) |
//! | `payload.ofd_receipt_url` | `receipt_url` |
//! | `payload.marks_result[]` (v5: `position`, `mark_code`, `result` = 2106) | `mark_checks`; an entry that cannot be read becomes a warning naming it |
//! | `warnings` (`null`, or an object such as `{"callback_url": "callback_url не соответствует маске"}`) | `warnings`, one per key, the key as the field |
//! | `timestamp` | ignored: when ATOL wrote the answer, not a requisite (the document's time is `receipt_datetime`) |
//! | `group_code` | ignored: our own group, from the configuration |
//! | `daemon_code`, `device_code` | ignored: ATOL's internal names of its processing service and device; the register is identified by `ecr_registration_number` and `fn_number` |
//! | `callback_url` | ignored: the URL we sent, echoed |
//!
//! The operation (1054) is not in the report: it comes from the [`DocumentKind`] the caller
//! looked up. `tests/no_silent_drops_answers.rs` walks a maximal report leaf by leaf against
//! this table.

use super::errors::{self, ErrorAction, ErrorScope, Interp};
use crate::error::ProviderError;
use crate::fiscal::{FiscalAttributes, MarkCheck, MarkCheckResult, ProviderWarning};
use crate::outcome::{Outcome, RejectKind};
use crate::provider::DocumentKind;
use fiskal_ffd::datetime::LocalDateTime;
use fiskal_ffd::{Money, Operation};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::time::Duration;

/// The envelope ATOL wraps every answer in (registration, report, callback, errors). Unknown
/// fields are ignored; numbers are kept as their text.
#[derive(Deserialize, Default)]
pub(crate) struct Envelope {
    #[serde(default)]
    pub(crate) uuid: Option<String>,
    #[serde(default)]
    pub(crate) status: Option<String>,
    #[serde(default)]
    pub(crate) error: Option<ErrorJson>,
    #[serde(default)]
    pub(crate) payload: Option<PayloadJson>,
    #[serde(default)]
    pub(crate) external_id: Option<String>,
    /// Business.ru's ATOL-compatible service answers an FFD-version mismatch with HTTP 401 and
    /// a `result` field (the vendor's <https://github.com/business-ru/atol-api-sdk-php>
    /// reads it so).
    #[serde(default)]
    pub(crate) result: Option<serde::de::IgnoredAny>,
    /// `warnings`: `null`, or an object of field → text.
    #[serde(default)]
    pub(crate) warnings: Option<serde_json::Value>,
}

/// `error`.
#[derive(Deserialize, Default)]
pub(crate) struct ErrorJson {
    #[serde(default)]
    pub(crate) code: Option<Box<RawValue>>,
    #[serde(default)]
    pub(crate) text: Option<String>,
    #[serde(default, rename = "type")]
    pub(crate) ty: Option<String>,
    #[serde(default)]
    pub(crate) error_id: Option<String>,
}

impl ErrorJson {
    /// The code as a number (`32`, `"001"` → 1, `-2146233033`), if it is one.
    pub(crate) fn code(&self) -> Option<i64> {
        self.code
            .as_ref()
            .and_then(|c| unquote(c.get()).parse().ok())
    }

    /// The code as text for [`Outcome`]s: the number in decimal, or the raw text.
    pub(crate) fn code_text(&self) -> String {
        match (self.code(), &self.code) {
            (Some(n), _) => n.to_string(),
            (None, Some(raw)) => unquote(raw.get()).to_owned(),
            (None, None) => String::new(),
        }
    }

    /// ATOL's text, with the `error_id` support asks for.
    pub(crate) fn message(&self) -> String {
        let text = self.text.clone().unwrap_or_default();
        match &self.error_id {
            Some(id) if !id.is_empty() => format!("{text} (error_id {id})"),
            _ => text,
        }
    }

    /// The scope of the error's `type`.
    pub(crate) fn scope(&self) -> ErrorScope {
        ErrorScope::from_type(self.ty.as_deref())
    }
}

/// `payload` of a `done` report.
#[derive(Deserialize, Default)]
pub(crate) struct PayloadJson {
    #[serde(default)]
    total: Option<Box<RawValue>>,
    #[serde(default)]
    fn_number: Option<Box<RawValue>>,
    #[serde(default)]
    shift_number: Option<Box<RawValue>>,
    #[serde(default)]
    receipt_datetime: Option<String>,
    #[serde(default)]
    fiscal_receipt_number: Option<Box<RawValue>>,
    #[serde(default)]
    fiscal_document_number: Option<Box<RawValue>>,
    #[serde(default)]
    ecr_registration_number: Option<Box<RawValue>>,
    #[serde(default)]
    fiscal_document_attribute: Option<Box<RawValue>>,
    #[serde(default)]
    ofd_inn: Option<Box<RawValue>>,
    #[serde(default)]
    ofd_receipt_url: Option<String>,
    #[serde(default)]
    fns_site: Option<String>,
    /// v5: `[{position, mark_code, result}]`.
    #[serde(default)]
    marks_result: Option<Vec<serde_json::Value>>,
}

/// The `warnings` of a report: one per key of the object (the key names the field), a plain
/// string as one warning about the document, an array as one warning per element.
pub(crate) fn warnings_of(v: Option<&serde_json::Value>) -> Vec<ProviderWarning> {
    use serde_json::Value;
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(o)) => o
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| ProviderWarning::new(Some(k.clone()), text(v)))
            .collect(),
        Some(Value::Array(a)) => a
            .iter()
            .filter(|v| !v.is_null())
            .map(|v| ProviderWarning::new(None, text(v)))
            .collect(),
        Some(Value::String(s)) if s.trim().is_empty() => Vec::new(),
        Some(other) => vec![ProviderWarning::new(None, text(other))],
    }
}

/// One `marks_result` entry, or why it cannot be read.
fn mark_check(v: &serde_json::Value) -> Result<MarkCheck, String> {
    use serde_json::Value;
    let int = |key: &str| -> Option<u64> {
        match v.get(key)? {
            // `2` or `2.0` (a client types the position as a float); never through `f64`.
            Value::Number(n) => n.as_u64().or_else(|| {
                let t = n.to_string();
                t.strip_suffix(".0").and_then(|i| i.parse().ok())
            }),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    };
    let position = int("position")
        .and_then(|p| u32::try_from(p).ok())
        .ok_or("no readable `position`")?;
    let result = int("result")
        .and_then(|r| u8::try_from(r).ok())
        .ok_or("no readable `result` (0–255)")?;
    let code = match v.get("mark_code") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        // v5 requests carry `mark_code` as an object of one kind; an echo of that shape is kept
        // as its JSON.
        Some(Value::Object(o)) if !o.is_empty() => Some(Value::Object(o.clone()).to_string()),
        _ => None,
    };
    Ok(MarkCheck::new(position, code, MarkCheckResult(result)))
}

/// A number or string's text without the quotes (no unescaping: these values are digits).
fn unquote(raw: &str) -> &str {
    let t = raw.trim();
    t.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(t)
}

fn text_of(v: &Option<Box<RawValue>>) -> Option<String> {
    v.as_ref()
        .map(|r| unquote(r.get()).trim().to_owned())
        .filter(|s| !s.is_empty() && s != "null")
}

fn u32_of(v: &Option<Box<RawValue>>, field: &str) -> Result<Option<u32>, String> {
    match text_of(v) {
        None => Ok(None),
        Some(t) => t
            .parse::<u32>()
            .map(Some)
            .map_err(|_| format!("`{field}` is not a 32-bit number: {t}")),
    }
}

fn required<T>(v: Option<T>, field: &str) -> Result<T, String> {
    v.ok_or_else(|| format!("`{field}` is missing"))
}

/// `dd.mm.yyyy HH:MM:SS` (or `dd.mm.yyyy HH:MM`) → [`LocalDateTime`].
pub(crate) fn parse_date_time(s: &str) -> Option<LocalDateTime> {
    let (date, time) = s.trim().split_once(' ')?;
    let mut d = date.split('.').map(|p| p.parse::<i64>().ok());
    let (day, month, year) = (d.next()??, d.next()??, d.next()??);
    let mut t = time.trim().split(':').map(|p| p.parse::<i64>().ok());
    let (h, mi) = (t.next()??, t.next()??);
    let sec = t.next().unwrap_or(Some(0))?;
    if d.next().is_some() || t.next().is_some() {
        return None;
    }
    LocalDateTime::new(year, month, day, h, mi, sec)
}

/// The operation (1054) of a document kind.
pub(crate) fn operation_of(kind: DocumentKind) -> Operation {
    match kind {
        DocumentKind::Sell | DocumentKind::SellCorrection => Operation::SELL,
        DocumentKind::SellRefund | DocumentKind::SellRefundCorrection => Operation::SELL_REFUND,
        DocumentKind::Buy | DocumentKind::BuyCorrection => Operation::BUY,
        DocumentKind::BuyRefund | DocumentKind::BuyRefundCorrection => Operation::BUY_REFUND,
    }
}

/// The fiscal attributes of a `done` payload, with the report's `warnings`.
pub(crate) fn fiscal_attributes(
    p: &PayloadJson,
    warnings: Option<&serde_json::Value>,
    kind: DocumentKind,
) -> Result<FiscalAttributes, String> {
    let when = required(p.receipt_datetime.as_deref(), "receipt_datetime")?;
    let total = required(text_of(&p.total), "total")?;
    let total: Money = total
        .parse()
        .map_err(|_| format!("`total` is not an amount: {total}"))?;
    if total.kopecks().is_err() {
        return Err("`total` is not an amount in kopecks".into());
    }
    let mut warnings = warnings_of(warnings);
    let mut mark_checks = Vec::new();
    for (i, m) in p.marks_result.iter().flatten().enumerate() {
        match mark_check(m) {
            Ok(c) => mark_checks.push(c),
            // A result we cannot read is still a result: kept, visibly, as a warning.
            Err(why) => warnings.push(ProviderWarning::new(
                Some(format!("payload.marks_result[{i}]")),
                format!("unreadable mark check result ({why}): {m}"),
            )),
        }
    }
    Ok(FiscalAttributes {
        fn_number: required(text_of(&p.fn_number), "fn_number")?,
        fd_number: required(
            u32_of(&p.fiscal_document_number, "fiscal_document_number")?,
            "fiscal_document_number",
        )?,
        fiscal_sign: required(
            u32_of(&p.fiscal_document_attribute, "fiscal_document_attribute")?,
            "fiscal_document_attribute",
        )?,
        shift_number: u32_of(&p.shift_number, "shift_number")?,
        receipt_number: u32_of(&p.fiscal_receipt_number, "fiscal_receipt_number")?,
        date_time: parse_date_time(when)
            .ok_or_else(|| format!("`receipt_datetime` is not dd.mm.yyyy HH:MM:SS: {when}"))?,
        kkt_reg_number: text_of(&p.ecr_registration_number),
        ofd_inn: text_of(&p.ofd_inn),
        receipt_url: p.ofd_receipt_url.clone().filter(|s| !s.is_empty()),
        total,
        operation: operation_of(kind),
        fns_site: p.fns_site.clone().filter(|s| !s.trim().is_empty()),
        kkt_serial_number: None,
        ofd_name: None,
        ofd_site: None,
        ofd_delivered: None,
        warnings,
        mark_checks,
    })
}

/// What a report says, or `None` when it does not say (no `status`, no known error).
pub(crate) fn report_outcome(
    env: &Envelope,
    provider_id: &str,
    kind: DocumentKind,
    queue_timeout_is_retry: bool,
) -> Option<Outcome> {
    let provider_id = env
        .uuid
        .clone()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| provider_id.to_owned());
    match env.status.as_deref() {
        Some("done") => Some(
            match env
                .payload
                .as_ref()
                .map(|p| fiscal_attributes(p, env.warnings.as_ref(), kind))
            {
                Some(Ok(fiscal)) => Outcome::Done {
                    provider_id,
                    fiscal,
                },
                Some(Err(why)) => unreadable(&why),
                None => unreadable("`payload` is missing"),
            },
        ),
        Some("wait") => Some(Outcome::Pending { provider_id }),
        Some("fail") => {
            let e = env.error.as_ref();
            Some(errors::fail_outcome(
                e.map_or(ErrorScope::Service, ErrorJson::scope),
                e.and_then(ErrorJson::code),
                e.map(ErrorJson::code_text).unwrap_or_default(),
                e.map(ErrorJson::message)
                    .unwrap_or_else(|| "fail without an error".into()),
                queue_timeout_is_retry,
            ))
        }
        _ => match env.error.as_ref().and_then(ErrorJson::code) {
            Some(34) => Some(Outcome::Pending { provider_id }),
            _ => None,
        },
    }
}

/// The answer to `GET report/<uuid>`. Nothing here is in doubt (a report request changes
/// nothing), so whatever is not a clear answer is [`Outcome::RetryLater`].
///
/// Only a report (`status` `fail`, its error inside) is ATOL's verdict on the document. An
/// error answer to the *request* says nothing about the document, which ATOL accepted and may
/// already have fiscalised: a refusal of the credentials or the configuration (12, 14, 20, 21,
/// 31; 10 and 11 after the one token refresh, see [`AtolClient`](super::AtolClient)) keeps its
/// kind, [`RejectKind::Auth`] / [`RejectKind::Configuration`], which the outbox never treats as
/// final; anything else — 30 «некорректный UUID» (which ATOL also answers for documents older
/// than 32 days), 13, 32, 40, 0, 1, 50, 5xx, an unreadable body — is [`Outcome::RetryLater`]
/// with ATOL's code kept.
pub(crate) fn report_reply(
    http: u16,
    retry_after: Option<Duration>,
    body: &[u8],
    provider_id: &str,
    kind: DocumentKind,
    queue_timeout_is_retry: bool,
) -> Interp {
    let env: Option<Envelope> = serde_json::from_slice(body).ok();
    if let Some(o) = errors::busy(http, retry_after, env.as_ref()) {
        return Interp::Outcome(o);
    }
    let (code, code_text, message) = errors::error_parts(http, env.as_ref());
    let act = code.and_then(|c| errors::action(ErrorScope::Service, c));
    if act == Some(ErrorAction::RefreshToken)
        || (http == 401 && act.is_none() && env.as_ref().is_none_or(|e| e.result.is_none()))
    {
        return Interp::Refresh {
            code: code_text,
            message,
        };
    }
    if let Some(o) = env
        .as_ref()
        .and_then(|e| report_outcome(e, provider_id, kind, queue_timeout_is_retry))
    {
        return Interp::Outcome(o);
    }
    Interp::Outcome(match act {
        Some(ErrorAction::Reject(k @ (RejectKind::Auth | RejectKind::Configuration))) => {
            Outcome::Rejected {
                kind: k,
                code: code_text,
                message: format!("report request refused: {message}"),
            }
        }
        Some(ErrorAction::Reject(_)) if code == Some(30) => Outcome::RetryLater {
            after: Some(retry_after.unwrap_or(errors::DEFAULT_RETRY_AFTER)),
            code: Some(code_text),
            message: format!(
                "report request refused: {message} (ATOL answers 30 for a uuid it does not \
                 know and for documents older than 32 days; the document was accepted under \
                 this uuid: not a refusal of the receipt)"
            ),
        },
        None if http == 401 => Outcome::Rejected {
            kind: RejectKind::Configuration,
            code: code_text,
            message: format!("{message} (the group does not take this FFD version)"),
        },
        _ => Outcome::RetryLater {
            after: Some(retry_after.unwrap_or(errors::DEFAULT_RETRY_AFTER)),
            code: Some(code_text),
            message: format!("no report in the answer: {message}"),
        },
    })
}

fn unreadable(why: &str) -> Outcome {
    Outcome::RetryLater {
        after: Some(Duration::from_secs(1)),
        code: None,
        message: format!("the report says done but its payload is unreadable: {why}"),
    }
}

/// A callback from ATOL: the report JSON POSTed to `service.callback_url`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AtolCallback {
    /// ATOL's uuid of the document.
    pub uuid: String,
    /// The `external_id` (our document id), when present.
    pub external_id: Option<String>,
    /// What happened: [`Outcome::Done`], [`Outcome::Rejected`] (or [`Outcome::RetryLater`] for
    /// a queue timeout, see [`AtolConfig::queue_timeout_is_retry`](super::AtolConfig::queue_timeout_is_retry)),
    /// rarely [`Outcome::Pending`].
    pub outcome: Outcome,
}

/// Parses the body of an ATOL callback (the report JSON, doc 5.15, §6.3 Table 5).
///
/// `kind` is the kind of the document the callback is about (the report does not say; keep it
/// with the document id, or in the callback URL). `queue_timeout_is_retry` as in
/// [`AtolConfig::queue_timeout_is_retry`](super::AtolConfig::queue_timeout_is_retry).
///
/// # Errors
/// [`ProviderError::Malformed`] when the body is not a report: not JSON, no `uuid`, no known
/// `status`.
pub fn parse_callback(
    body: &[u8],
    kind: DocumentKind,
    queue_timeout_is_retry: bool,
) -> Result<AtolCallback, ProviderError> {
    let bad = |message: String| ProviderError::Malformed {
        provider: "atol",
        message,
    };
    let env: Envelope =
        serde_json::from_slice(body).map_err(|e| bad(format!("not an ATOL report: {e}")))?;
    let uuid = env
        .uuid
        .clone()
        .filter(|u| !u.is_empty())
        .ok_or_else(|| bad("the report has no uuid".into()))?;
    let outcome = report_outcome(&env, &uuid, kind, queue_timeout_is_retry)
        .ok_or_else(|| bad("the report has no known status".into()))?;
    Ok(AtolCallback {
        uuid,
        external_id: env.external_id.clone(),
        outcome,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times() {
        assert_eq!(
            parse_date_time("12.04.2017 20:16:00"),
            LocalDateTime::new(2017, 4, 12, 20, 16, 0)
        );
        assert_eq!(
            parse_date_time("01.02.2026 09:05"),
            LocalDateTime::new(2026, 2, 1, 9, 5, 0)
        );
        for bad in [
            "",
            "2017-04-12 20:16:00",
            "32.01.2017 00:00:00",
            "12.04.2017",
            "1.2.3.4 1:2:3",
            "12.04.2017 20:16:00:01",
        ] {
            assert_eq!(parse_date_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_documented_report_becomes_fiscal_attributes() {
        let body = br#"{"uuid":"2ea26f17-0884-4f08-b120-306fc096a58f","error":null,"status":"done",
          "payload":{"total":1598,"fns_site":"www.nalog.ru","fn_number":"1110000100238211",
          "shift_number":23,"receipt_datetime":"12.04.2017 20:16:00","fiscal_receipt_number":6,
          "fiscal_document_number":133,"ecr_registration_number":"0000111118041361",
          "fiscal_document_attribute":3449555941,"ofd_inn":"7709364346",
          "ofd_receipt_url":"https://consumer.1-ofd.ru/v1?fn=1"},
          "timestamp":"12.04.2017 20:15:08","group_code":"MyCompany_MyShop","daemon_code":"prod-agent-1",
          "device_code":"KSR13.00-1-11","external_id":"TRF10601_1","callback_url":"","warnings":null}"#;
        let cb = parse_callback(body, DocumentKind::Sell, false).expect("report");
        assert_eq!(cb.external_id.as_deref(), Some("TRF10601_1"));
        let Outcome::Done {
            provider_id,
            fiscal,
        } = cb.outcome
        else {
            panic!("{:?}", cb.outcome)
        };
        assert_eq!(provider_id, "2ea26f17-0884-4f08-b120-306fc096a58f");
        assert_eq!(fiscal.fiscal_sign, 3_449_555_941);
        assert_eq!(fiscal.total, Money::from_kopecks(159_800));
        assert_eq!(
            fiscal.qr_string(),
            "t=20170412T2016&s=1598.00&fn=1110000100238211&i=133&fp=3449555941&n=1"
        );
    }

    /// A v5 report with a negative mark check (5), a positive one (15), the callback mask
    /// warning and `fns_site`: all of it reaches the outcome; the receipt is done, visibly so.
    #[test]
    fn v5_marks_result_warnings_and_fns_site_are_kept() {
        let body = r#"{"uuid":"u-5","error":null,"status":"done",
          "payload":{"total":240,"fns_site":"www.nalog.gov.ru","fn_number":"9999078900001234",
          "shift_number":7,"receipt_datetime":"02.03.2026 10:15:42","fiscal_receipt_number":3,
          "fiscal_document_number":104,"ecr_registration_number":"0000000001012345",
          "fiscal_document_attribute":1234567890,"ofd_inn":"7709364346",
          "ofd_receipt_url":"https://consumer.1-ofd.ru/v1?fn=1",
          "marks_result":[{"position":0,"mark_code":"MDEwNDYwMTIzNDU2Nzg5MzIxNUFiYw==","result":15},
                          {"position":2.0,"mark_code":"MDEwNDYwMTIzNDU2Nzg5MzIxNUFiZA==","result":5},
                          {"position":3,"result":"x"}]},
          "timestamp":"02.03.2026 10:15:43","group_code":"g","daemon_code":"d","device_code":"k",
          "external_id":"e","callback_url":"ftp://x",
          "warnings":{"callback_url":"callback_url не соответствует маске"}}"#;
        let cb = parse_callback(body.as_bytes(), DocumentKind::Sell, false).expect("report");
        let Outcome::Done { fiscal, .. } = cb.outcome else {
            panic!("{:?}", cb.outcome)
        };
        assert_eq!(fiscal.fns_site.as_deref(), Some("www.nalog.gov.ru"));
        assert_eq!(fiscal.mark_checks.len(), 2);
        assert_eq!(
            (fiscal.mark_checks[1].position, fiscal.mark_checks[1].result),
            (2, MarkCheckResult(5))
        );
        assert_eq!(
            fiscal.mark_checks[0].mark_code.as_deref(),
            Some("MDEwNDYwMTIzNDU2Nzg5MzIxNUFiYw==")
        );
        assert!(fiscal.has_negative_mark_check() && fiscal.needs_attention());
        assert_eq!(fiscal.warnings.len(), 2, "{:?}", fiscal.warnings);
        assert_eq!(fiscal.warnings[0].field.as_deref(), Some("callback_url"));
        assert_eq!(
            fiscal.warnings[0].message,
            "callback_url не соответствует маске"
        );
        assert_eq!(
            fiscal.warnings[1].field.as_deref(),
            Some("payload.marks_result[2]")
        );
    }

    #[test]
    fn warnings_of_every_shape() {
        use serde_json::json;
        assert!(warnings_of(None).is_empty());
        assert!(warnings_of(Some(&json!(null))).is_empty());
        assert!(warnings_of(Some(&json!({"callback_url": null}))).is_empty());
        let w = warnings_of(Some(&json!(["a", 7])));
        assert_eq!(
            w.iter().map(|w| w.message.as_str()).collect::<Vec<_>>(),
            ["a", "7"]
        );
        assert_eq!(warnings_of(Some(&json!("текст")))[0].message, "текст");
    }

    #[test]
    fn money_in_a_report_is_read_exactly() {
        let p: PayloadJson = serde_json::from_str(
            r#"{"total":0.1,"fn_number":"1","fiscal_document_number":"2","fiscal_document_attribute":"3","receipt_datetime":"01.01.2026 00:00:00"}"#,
        )
        .expect("json");
        let f = fiscal_attributes(&p, None, DocumentKind::SellRefund).expect("attributes");
        assert_eq!(f.total.kopecks(), Ok(10));
        assert_eq!(f.operation, Operation::SELL_REFUND);
        let p: PayloadJson = serde_json::from_str(r#"{"total":0.105}"#).expect("json");
        assert!(fiscal_attributes(&p, None, DocumentKind::Sell).is_err());
    }

    #[test]
    fn malformed_callbacks_are_errors() {
        for body in [
            &b"not json"[..],
            br#"{"status":"done"}"#,
            br#"{"uuid":"u","status":"strange"}"#,
        ] {
            let e = parse_callback(body, DocumentKind::Sell, false).expect_err("malformed");
            assert_eq!(e.code(), "malformed");
        }
    }
}
