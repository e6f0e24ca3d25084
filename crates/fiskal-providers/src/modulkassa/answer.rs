//! МодульКасса answers → [`Outcome`]. Source: «API фискализации документов» 2.0
//! (<https://modulkassa.github.io/backend-api/fn>), §2.4.3, §2.5.3, §2.6.3 (HTTP codes; every
//! error is documented «Без содержимого», no body), §3.2 FNStatus, §3.11 DocumentStatus,
//! §3.12 FiscalInfo, §3.13 FailureInfo; §1.4–1.5 and §2.4.5 for the life of a document.
//!
//! | `status` | meaning (document 2.0; `WAIT_FOR_CALLBACK` from the vendor's older PDF as quoted by integrations) | outcome of a status call |
//! |---|---|---|
//! | `QUEUED` | accepted, waiting for the shop's Android register to take it (it polls every 5 s; nothing happens while it is offline, and there is no time limit) | [`Outcome::Waiting`] for [`WaitingFor::Register`] |
//! | `REQUEUED` | put back in the queue by `re-queue` | [`Outcome::Waiting`] for [`WaitingFor::Register`] |
//! | `PENDING` | taken by the register, being fiscalised | [`Outcome::Pending`] |
//! | `PRINTED`, `WAIT_FOR_CALLBACK`, `COMPLETED` | fiscalised (`fiscalInfo` filled); the last two are about the shop's callback | [`Outcome::Done`] |
//! | `FAILED` | the register could not fiscalise it (`failureInfo.type`: `FN_MEMORY_OVERFLOW`, `FN_EXPIRED`, `FN_GENERIC_FAILURE`, `NON_FN_FAILURE`) | [`Outcome::Rejected`] [`RejectKind::Register`], code = the type |
//! | anything else | not in document 2.0 | [`Outcome::RetryLater`] (asked again; never a verdict) |
//!
//! FiscalInfo → [`FiscalAttributes`] (`tests/no_silent_drops_modulkassa.rs` walks it leaf by
//! leaf): `fnNumber` → `fn_number` (1041), `fnDocNumber` → `fd_number` (1040), `fnDocMark` →
//! `fiscal_sign` (1077), `shiftNumber` → `shift_number` (1038), `checkNumber` →
//! `receipt_number` (1042), `kktNumber` → `kkt_serial_number` (1013; §3.12 «Заводской номер
//! ККТ»), `ecrRegistrationNumber` → `kkt_reg_number` (1037: §3.12 labels it «Заводской номер»
//! too, but its values are the 16-digit registration number — an inference), `sum` (a number,
//! or a string in the §2.4.4 example) → `total` (1020), `checkType` (`SALE`, `RETURN`,
//! `PURCHASE`, `RETURN_PURCHASE`, and the `*_CORRECTION` ones) → `operation` (1054), and the
//! time 1012 from the QR payload `qr` (`t=YYYYMMDDTHHMM`, the register's local time as printed)
//! with the seconds of `date` (ISO 8601 with an offset, `+00:00` or `+0000`); without a
//! readable `qr`, `date` moved to [`ModulKassaConfig::utc_offset_minutes`](super::ModulKassaConfig::utc_offset_minutes).
//! `qr` itself is not kept: [`FiscalAttributes::qr_string`] rebuilds it. No ОФД data is
//! returned.

use crate::fiscal::FiscalAttributes;
use crate::outcome::{Outcome, RejectKind, WaitingFor};
use fiskal_ffd::datetime::LocalDateTime;
use fiskal_ffd::{Money, Operation};
use serde_json::Value;
use std::time::Duration;

/// A DocumentStatus (§3.11), leniently read: every field optional, numbers or strings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocumentStatus {
    /// `status`.
    pub status: Option<String>,
    /// `fnState`.
    pub fn_state: Option<String>,
    /// `fiscalInfo` (the raw object).
    pub fiscal_info: Option<Value>,
    /// `failureInfo.type`.
    pub failure_type: Option<String>,
    /// `failureInfo.message`.
    pub failure_message: Option<String>,
    /// `message`.
    pub message: Option<String>,
    /// `timeStatusChanged`.
    pub time_status_changed: Option<String>,
}

impl DocumentStatus {
    /// Reads a DocumentStatus; `None` when the body is not a JSON object.
    pub fn parse(body: &[u8]) -> Option<DocumentStatus> {
        let v: Value = serde_json::from_slice(body).ok()?;
        let o = v.as_object()?;
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
        let failure = o.get("failureInfo").and_then(Value::as_object);
        Some(DocumentStatus {
            status: text(o.get("status")),
            fn_state: text(o.get("fnState")),
            fiscal_info: o.get("fiscalInfo").filter(|v| v.is_object()).cloned(),
            failure_type: text(failure.and_then(|f| f.get("type"))),
            failure_message: text(failure.and_then(|f| f.get("message"))),
            message: text(o.get("message")),
            time_status_changed: text(o.get("timeStatusChanged")),
        })
    }

    /// `status (fnState …, since …): message` for people.
    fn describe(&self) -> String {
        let mut s = self.status.clone().unwrap_or_else(|| "no status".into());
        let mut extra = Vec::new();
        if let Some(f) = &self.fn_state {
            extra.push(format!("register state {f}"));
        }
        if let Some(t) = &self.time_status_changed {
            extra.push(format!("since {t}"));
        }
        if !extra.is_empty() {
            s.push_str(&format!(" ({})", extra.join(", ")));
        }
        if let Some(m) = &self.message {
            s.push_str(": ");
            s.push_str(m);
        }
        s
    }
}

fn body_text(body: &[u8]) -> String {
    let t: String = String::from_utf8_lossy(body).chars().take(500).collect();
    if t.trim().is_empty() {
        "no body (as documented for every error)".into()
    } else {
        t
    }
}

/// Whole number from a JSON number or numeric string.
fn int(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `sum` as exact money: a JSON number's own text, or a string.
fn money(v: Option<&Value>) -> Option<Money> {
    let t = match v? {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_owned(),
        _ => return None,
    };
    let m: Money = t.parse().ok()?;
    m.kopecks().ok().map(|_| m)
}

/// `YYYY-MM-DDTHH:MM:SS[.fff](+HH:MM|+HHMM|Z)` → the UTC instant as a [`LocalDateTime`]
/// (seconds since 1970, no zone).
fn utc_of(s: &str) -> Option<LocalDateTime> {
    let local: LocalDateTime = s.get(..19)?.parse().ok()?;
    let mut rest = &s[19..];
    if let Some(r) = rest.strip_prefix('.') {
        rest = r.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset_secs: i64 = if rest == "Z" || rest.is_empty() {
        0
    } else {
        let sign = match rest.as_bytes().first()? {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        let digits: String = rest[1..].chars().filter(|c| *c != ':').collect();
        if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let h: i64 = digits[..2].parse().ok()?;
        let m: i64 = digits[2..].parse().ok()?;
        sign * (h * 3600 + m * 60)
    };
    let secs = i64::from(local.unix()) - offset_secs;
    u32::try_from(secs).ok().map(LocalDateTime::from_unix)
}

/// `t=YYYYMMDDTHHMM[SS]` of a QR payload.
fn qr_time(qr: &str) -> Option<(i64, i64, i64, i64, i64)> {
    let t = qr
        .split('&')
        .find_map(|kv| kv.strip_prefix("t="))?
        .as_bytes();
    let n = |r: std::ops::Range<usize>| -> Option<i64> {
        let p = t.get(r)?;
        p.iter()
            .all(u8::is_ascii_digit)
            .then(|| p.iter().fold(0i64, |a, &c| a * 10 + i64::from(c - b'0')))
    };
    if t.get(8) != Some(&b'T') {
        return None;
    }
    Some((n(0..4)?, n(4..6)?, n(6..8)?, n(9..11)?, n(11..13)?))
}

fn operation(check_type: Option<&str>, qr: Option<&str>) -> Option<Operation> {
    let by_type = match check_type? {
        "SALE" | "SALE_CORRECTION" => Some(Operation::SELL),
        "RETURN" | "RETURN_CORRECTION" => Some(Operation::SELL_REFUND),
        "PURCHASE" | "PURCHASE_CORRECTION" => Some(Operation::BUY),
        "RETURN_PURCHASE" | "RETURN_PURCHASE_CORRECTION" => Some(Operation::BUY_REFUND),
        _ => None,
    };
    by_type.or_else(|| {
        let n = qr?.split('&').find_map(|kv| kv.strip_prefix("n="))?;
        n.parse::<u8>().ok().map(Operation)
    })
}

/// FiscalInfo (§3.12) → [`FiscalAttributes`]; `Err` names what is missing or unreadable.
pub fn fiscal_attributes(
    fi: &Value,
    utc_offset_minutes: i16,
) -> Result<FiscalAttributes, &'static str> {
    let o = fi.as_object().ok_or("fiscalInfo is not an object")?;
    let fn_number = text(o.get("fnNumber")).ok_or("fiscalInfo.fnNumber")?;
    let fd_number = int(o.get("fnDocNumber"))
        .and_then(|n| u32::try_from(n).ok())
        .ok_or("fiscalInfo.fnDocNumber")?;
    let fiscal_sign = int(o.get("fnDocMark"))
        .and_then(|n| u32::try_from(n).ok())
        .ok_or("fiscalInfo.fnDocMark")?;
    let total = money(o.get("sum")).ok_or("fiscalInfo.sum")?;
    let qr = o.get("qr").and_then(Value::as_str);
    let utc = o.get("date").and_then(Value::as_str).and_then(utc_of);
    let date_time = match (qr.and_then(qr_time), utc) {
        (Some((y, mo, d, h, mi)), utc) => {
            let sec = utc.map_or(0, |u| u.fields().5);
            LocalDateTime::new(y, mo, d, h, mi, sec)
        }
        (None, Some(u)) => {
            let secs = i64::from(u.unix()) + i64::from(utc_offset_minutes) * 60;
            u32::try_from(secs).ok().map(LocalDateTime::from_unix)
        }
        (None, None) => None,
    }
    .ok_or("fiscalInfo.date / fiscalInfo.qr")?;
    let operation =
        operation(o.get("checkType").and_then(Value::as_str), qr).ok_or("fiscalInfo.checkType")?;
    Ok(FiscalAttributes {
        fn_number,
        fd_number,
        fiscal_sign,
        shift_number: int(o.get("shiftNumber")).and_then(|n| u32::try_from(n).ok()),
        receipt_number: int(o.get("checkNumber")).and_then(|n| u32::try_from(n).ok()),
        date_time,
        kkt_reg_number: text(o.get("ecrRegistrationNumber")),
        ofd_inn: None,
        receipt_url: None,
        total,
        operation,
        fns_site: None,
        kkt_serial_number: text(o.get("kktNumber")),
        ofd_name: None,
        ofd_site: None,
        ofd_delivered: None,
        warnings: Vec::new(),
        mark_checks: Vec::new(),
    })
}

/// A DocumentStatus → outcome (the table in the module docs). `document_id` is also the
/// provider id: the service keys documents by our `id`.
pub fn document_outcome(d: &DocumentStatus, document_id: &str, utc_offset_minutes: i16) -> Outcome {
    let provider_id = document_id.to_owned();
    match d.status.as_deref() {
        Some("QUEUED" | "REQUEUED") => Outcome::Waiting {
            provider_id,
            waiting_for: WaitingFor::Register,
            message: format!(
                "{}; the register takes documents only while it is online, and the service \
                 sets no time limit",
                d.describe()
            ),
        },
        Some("PENDING") => Outcome::Pending { provider_id },
        Some("PRINTED" | "WAIT_FOR_CALLBACK" | "COMPLETED") => match d
            .fiscal_info
            .as_ref()
            .ok_or("fiscalInfo")
            .and_then(|fi| fiscal_attributes(fi, utc_offset_minutes))
        {
            Ok(fiscal) => Outcome::Done {
                provider_id,
                fiscal,
            },
            Err(what) => Outcome::RetryLater {
                after: None,
                code: Some("200".into()),
                message: format!(
                    "{}: fiscalised, but {what} is missing or unreadable",
                    d.describe()
                ),
            },
        },
        Some("FAILED") => Outcome::Rejected {
            kind: RejectKind::Register,
            code: d.failure_type.clone().unwrap_or_else(|| "FAILED".into()),
            message: format!(
                "{}{}",
                d.describe(),
                d.failure_message
                    .as_deref()
                    .map(|m| format!("; failureInfo: {m}"))
                    .unwrap_or_default()
            ),
        },
        _ => Outcome::RetryLater {
            after: None,
            code: Some("200".into()),
            message: format!(
                "an answer without a known document status: {}",
                d.describe()
            ),
        },
    }
}

/// `Retry-After` seconds, when given.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// The answer to `POST /v2/doc` (§2.4.3): 200 with a DocumentStatus (normally `QUEUED`).
pub fn submit_outcome(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
    document_id: &str,
    utc_offset_minutes: i16,
) -> Outcome {
    match status {
        200..=202 => match DocumentStatus::parse(body) {
            Some(d) => match document_outcome(&d, document_id, utc_offset_minutes) {
                // Taken: the status poll tells the rest.
                Outcome::Waiting { .. } | Outcome::Pending { .. } | Outcome::RetryLater { .. } => {
                    Outcome::Accepted {
                        provider_id: document_id.to_owned(),
                        duplicate: false,
                    }
                }
                other => other,
            },
            // 200 is "OK": the service holds the document whatever its body says.
            None => Outcome::Accepted {
                provider_id: document_id.to_owned(),
                duplicate: false,
            },
        },
        400 => Outcome::Rejected {
            kind: RejectKind::Validation,
            code: "400".into(),
            message: format!("Некорректный запрос: {}", body_text(body)),
        },
        401 => Outcome::Rejected {
            kind: RejectKind::Auth,
            code: "401".into(),
            message: "the association's userName / password were refused (re-associating the \
                      retail point replaces the password)"
                .into(),
        },
        403 => Outcome::Rejected {
            kind: RejectKind::Auth,
            code: "403".into(),
            message: "the association has no rights for this".into(),
        },
        404 | 405 => Outcome::Rejected {
            kind: RejectKind::Configuration,
            code: status.to_string(),
            message: "no such endpoint: check base_url".into(),
        },
        // Not stored: the gateway or the service said so before taking it.
        429 | 503 => Outcome::RetryLater {
            after: retry_after,
            code: Some(status.to_string()),
            message: body_text(body),
        },
        other => Outcome::InDoubt {
            reason: format!(
                "HTTP {other}: {}; look the document up by its id before any resend",
                body_text(body)
            ),
        },
    }
}

/// The answer to `GET /v1/doc/{id}/status` or `PUT /v1/doc/{id}/re-queue` (§2.5.3, §2.6.3).
/// Only a DocumentStatus can end the document; a failed call asks again.
pub fn status_outcome(
    status: u16,
    body: &[u8],
    document_id: &str,
    utc_offset_minutes: i16,
    status_400_is_not_found: bool,
) -> Outcome {
    match status {
        200 => match DocumentStatus::parse(body) {
            Some(d) => document_outcome(&d, document_id, utc_offset_minutes),
            None => Outcome::RetryLater {
                after: None,
                code: Some("200".into()),
                message: "the status answer is not a DocumentStatus object".into(),
            },
        },
        404 => Outcome::NotFound {
            message: format!("HTTP 404: no document {document_id:?} at МодульКасса"),
        },
        400 if status_400_is_not_found => Outcome::NotFound {
            message: format!(
                "HTTP 400 for document {document_id:?}: the status call has no other answer \
                 for an id the service does not hold (document 2.0, §2.5.3); it was not taken"
            ),
        },
        401 | 403 => Outcome::Rejected {
            kind: RejectKind::Auth,
            code: status.to_string(),
            message: "the association's userName / password were refused".into(),
        },
        other => Outcome::RetryLater {
            after: None,
            code: Some(other.to_string()),
            message: format!("status request: HTTP {other}: {}", body_text(body)),
        },
    }
}

/// FNStatus (§3.2), the answer to `GET /v1/status`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FnStatus {
    /// `status`: `READY`, `ASSOCIATED`, `FAILED`, `DISABLED` (or another word, kept).
    pub status: String,
    /// `dateTime` (older documents: `statusDateTime`): when the state was set. An old value
    /// means the register has not reported for that long (offline, app removed).
    pub date_time: Option<String>,
}

impl FnStatus {
    /// Reads FNStatus; the status word is upper-cased (older documents used lower case).
    pub fn parse(body: &[u8]) -> Option<FnStatus> {
        let v: Value = serde_json::from_slice(body).ok()?;
        let o = v.as_object()?;
        let status = o.get("status")?.as_str()?.trim().to_uppercase();
        let date_time = o
            .get("dateTime")
            .or_else(|| o.get("statusDateTime"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        Some(FnStatus { status, date_time })
    }

    /// Whether the register is connected and can fiscalise (`READY`).
    pub fn is_ready(&self) -> bool {
        self.status == "READY"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_and_qr_times() {
        let u = utc_of("2019-09-04T07:14:00+00:00").expect("t");
        assert_eq!(u.fields(), (2019, 9, 4, 7, 14, 0));
        let u = utc_of("2020-02-26T00:31:19.000+0000").expect("t");
        assert_eq!(u.fields(), (2020, 2, 26, 0, 31, 19));
        let u = utc_of("2020-02-26T07:31:19+07:00").expect("t");
        assert_eq!(u.fields(), (2020, 2, 26, 0, 31, 19));
        assert!(utc_of("2020-02-26T07:31:19+7").is_none());
        assert_eq!(
            qr_time("t=20200226T073119&s=57.00&fn=92&i=0000000046&fp=92&n=1"),
            Some((2020, 2, 26, 7, 31))
        );
    }

    /// The §2.4.4 example answer: `sum` as a string, `date` with `.000+0000`, the local time
    /// from `qr` (UTC+7) with the seconds of `date`.
    #[test]
    fn the_document_example_answer_is_done() {
        let body = br#"{"status":"COMPLETED","fnState":"READY","fiscalInfo":{"shiftNumber":29,
            "checkNumber":77,"kktNumber":"99921192","fnNumber":"92","fnDocNumber":46,
            "fnDocMark":92,"date":"2020-02-26T00:31:19.000+0000","sum":"57.00",
            "checkType":"SALE","qr":"t=20200226T073119&s=57.00&fn=92&i=0000000046&fp=92&n=1"},
            "failureInfo":null,"message":"Document queued for printing",
            "timeStatusChanged":"2020-02-26T07:32:19+07:00"}"#;
        let Outcome::Done {
            fiscal,
            provider_id,
        } = status_outcome(200, body, "d-1", 180, true)
        else {
            panic!("not done")
        };
        assert_eq!(provider_id, "d-1");
        assert_eq!(fiscal.fd_number, 46);
        assert_eq!(fiscal.fiscal_sign, 92);
        assert_eq!(fiscal.total, Money::from_kopecks(5700));
        assert_eq!(fiscal.date_time.fields(), (2020, 2, 26, 7, 31, 19));
        assert_eq!(fiscal.operation, Operation::SELL);
        assert_eq!(fiscal.kkt_serial_number.as_deref(), Some("99921192"));
    }

    #[test]
    fn statuses_and_http_codes() {
        let doc = |s: &str| format!(r#"{{"status":"{s}","fnState":"FAILED","message":"m"}}"#);
        let code = |o: Outcome| match o {
            Outcome::Rejected { kind, code, .. } => format!("rejected:{}:{code}", kind.code()),
            Outcome::Waiting { waiting_for, .. } => format!("waiting:{}", waiting_for.code()),
            o => o.code().to_owned(),
        };
        let st = |s: &str| code(status_outcome(200, doc(s).as_bytes(), "d", 180, true));
        assert_eq!(st("QUEUED"), "waiting:register");
        assert_eq!(st("REQUEUED"), "waiting:register");
        assert_eq!(st("PENDING"), "pending");
        // Fiscalised, but no fiscalInfo: asked again, never a verdict.
        assert_eq!(st("PRINTED"), "retry_later");
        assert_eq!(st("SOMETHING_NEW"), "retry_later");
        let failed =
            r#"{"status":"FAILED","failureInfo":{"type":"FN_EXPIRED","message":"ФН истёк"}}"#
                .as_bytes();
        assert_eq!(
            code(status_outcome(200, failed, "d", 180, true)),
            "rejected:register:FN_EXPIRED"
        );
        assert_eq!(code(status_outcome(400, b"", "d", 180, true)), "not_found");
        assert_eq!(
            code(status_outcome(400, b"", "d", 180, false)),
            "retry_later"
        );
        assert_eq!(code(status_outcome(404, b"", "d", 180, false)), "not_found");
        assert_eq!(
            code(status_outcome(401, b"", "d", 180, true)),
            "rejected:auth:401"
        );
        for s in [500, 502, 503, 504, 429] {
            assert_eq!(
                code(status_outcome(s, b"", "d", 180, true)),
                "retry_later",
                "{s}"
            );
        }
        let sub = |s: u16, b: &[u8]| code(submit_outcome(s, None, b, "d", 180));
        assert_eq!(sub(200, doc("QUEUED").as_bytes()), "accepted");
        assert_eq!(sub(200, b""), "accepted");
        assert_eq!(sub(400, b""), "rejected:validation:400");
        assert_eq!(sub(401, b""), "rejected:auth:401");
        assert_eq!(sub(404, b""), "rejected:configuration:404");
        assert_eq!(sub(503, b""), "retry_later");
        assert_eq!(sub(500, b""), "in_doubt");
        assert_eq!(sub(502, b"<html>"), "in_doubt");
    }

    #[test]
    fn fn_status_reads_old_and_new_names() {
        let s = FnStatus::parse(br#"{"status":"READY","dateTime":"2019-09-17T03:31:56+00:00"}"#)
            .expect("status");
        assert!(s.is_ready());
        let s = FnStatus::parse(br#"{"status":"failed","statusDateTime":"x"}"#).expect("status");
        assert_eq!(s.status, "FAILED");
        assert_eq!(s.date_time.as_deref(), Some("x"));
        assert!(FnStatus::parse(b"[]").is_none());
    }
}
