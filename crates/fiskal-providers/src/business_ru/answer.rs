//! Open API answers → [`Outcome`]: **one table**, [`TABLE`], tested row by row
//! (the vendor SDK's handling of each status: `OpenClient::throwStatusCode` in
//! <https://github.com/business-ru/open-api-sdk-php>).
//!
//! | HTTP | body | request | action |
//! |---|---|---|---|
//! | 200 | — | `POST Command` | [`Outcome::Accepted`] with `command_id` (none in the body: [`Outcome::InDoubt`]) |
//! | 200 | — | `GET Command/{id}` | read the command: done / pending / failed ([`status_outcome`]) |
//! | 400, 422 | any | `GET Token` | [`RejectKind::Auth`]: the token request (app id, sign) was refused, not a receipt |
//! | 400, 422 | any | lookups | [`Outcome::RetryLater`], code kept: a refused lookup is no verdict on the command |
//! | 400, 422 | any | `POST Command` | [`RejectKind::Validation`] (nothing registered; the vendor SDK returns the body to the caller) |
//! | 401 | has `result` | any | [`RejectKind::Configuration`]: the account's FFD version does not match the URL (vendor SDK commit «Exception для ФФД 1.2») |
//! | 401 | no `result` | any | token expired: fetch a new one **once** and send once more (new nonce and sign); a second refusal is [`RejectKind::Auth`] |
//! | 403 | any | any | as 401 without `result` (the vendor SDK refreshes on 403 too) |
//! | 404 | any | `POST Command`, `GET Token` | [`RejectKind::Configuration`] (no such endpoint: wrong `base_url`) |
//! | 404 | any | lookups | [`Outcome::RetryLater`], code kept: the service does not know the command id it gave us (or the list endpoint); the command is not refused by that |
//!
//! Only the command's own state (a non-zero `result` with `result_msg`, [`status_outcome`]) is
//! the service's verdict on a receipt after it was taken; a lookup's HTTP error never is, and
//! [`RejectKind::Auth`] / [`RejectKind::Configuration`] say our credentials or configuration
//! are wrong, not the receipt (the outbox waits for them to be fixed).
//! | 429, 503 | any | any | [`Outcome::RetryLater`] after `Retry-After` (1 s when absent): the request was not taken |
//! | other (500, 502, 504 …) | any | `POST Command` | [`Outcome::InDoubt`]: the command may have been queued, and the Open API has **no idempotency key** — resolve by [`status`](crate::Provider::status) with `provider_id: None` (a lookup by `c_num`) before any resend |
//! | other | any | GETs | [`Outcome::RetryLater`] (a lookup registers nothing) |

use crate::fiscal::FiscalAttributes;
use crate::outcome::{Outcome, RejectKind};
use fiskal_ffd::datetime::LocalDateTime;
use fiskal_ffd::{Money, Operation};
use serde_json::Value;
use std::time::Duration;

/// Which request an answer belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `GET Token`, and `GET StateSystem` (the health check: a 404 there is a wrong base URL
    /// too, and a 400/422 a refusal of the credentials).
    Token,
    /// `POST Command` (a receipt).
    Submit,
    /// `GET Command/{id}` or `GET Command?c_num=…`.
    Lookup,
}

/// Which HTTP statuses a row covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Exactly this status.
    Is(u16),
    /// Anything no earlier row matched.
    Other,
}

/// What a row says about the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// Any body.
    Any,
    /// A JSON object with a `result` member.
    HasResult,
}

/// Which requests a row covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Calls {
    /// Every request.
    All,
    /// Only this one.
    Only(Call),
    /// The GETs (token and lookups).
    Gets,
}

/// What the caller does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Success: read the body.
    Read,
    /// Definitive refusal of this kind.
    Reject(RejectKind),
    /// Fetch a new token and send once more.
    Refresh,
    /// Transient, not taken: send again later.
    RetryLater,
    /// Unknown whether the command was queued.
    InDoubt,
}

/// One row of [`TABLE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// HTTP status.
    pub status: Status,
    /// Body condition.
    pub body: Body,
    /// Requests covered.
    pub calls: Calls,
    /// The action.
    pub action: Action,
}

const fn row(status: Status, body: Body, calls: Calls, action: Action) -> Row {
    Row {
        status,
        body,
        calls,
        action,
    }
}

/// The answer table, first match wins (see the module docs).
pub const TABLE: &[Row] = &[
    row(Status::Is(200), Body::Any, Calls::All, Action::Read),
    row(
        Status::Is(400),
        Body::Any,
        Calls::Only(Call::Token),
        Action::Reject(RejectKind::Auth),
    ),
    row(
        Status::Is(400),
        Body::Any,
        Calls::Only(Call::Lookup),
        Action::RetryLater,
    ),
    row(
        Status::Is(400),
        Body::Any,
        Calls::All,
        Action::Reject(RejectKind::Validation),
    ),
    row(
        Status::Is(422),
        Body::Any,
        Calls::Only(Call::Token),
        Action::Reject(RejectKind::Auth),
    ),
    row(
        Status::Is(422),
        Body::Any,
        Calls::Only(Call::Lookup),
        Action::RetryLater,
    ),
    row(
        Status::Is(422),
        Body::Any,
        Calls::All,
        Action::Reject(RejectKind::Validation),
    ),
    row(
        Status::Is(401),
        Body::HasResult,
        Calls::All,
        Action::Reject(RejectKind::Configuration),
    ),
    row(Status::Is(401), Body::Any, Calls::All, Action::Refresh),
    row(Status::Is(403), Body::Any, Calls::All, Action::Refresh),
    row(
        Status::Is(404),
        Body::Any,
        Calls::Only(Call::Submit),
        Action::Reject(RejectKind::Configuration),
    ),
    row(
        Status::Is(404),
        Body::Any,
        Calls::Only(Call::Token),
        Action::Reject(RejectKind::Configuration),
    ),
    row(
        Status::Is(404),
        Body::Any,
        Calls::Only(Call::Lookup),
        Action::RetryLater,
    ),
    row(Status::Is(429), Body::Any, Calls::All, Action::RetryLater),
    row(Status::Is(503), Body::Any, Calls::All, Action::RetryLater),
    row(
        Status::Other,
        Body::Any,
        Calls::Only(Call::Submit),
        Action::InDoubt,
    ),
    row(Status::Other, Body::Any, Calls::Gets, Action::RetryLater),
];

/// The action for an answer.
pub fn classify(call: Call, status: u16, body: &[u8]) -> Action {
    let has_result = serde_json::from_slice::<Value>(body)
        .ok()
        .is_some_and(|v| v.get("result").is_some());
    for r in TABLE {
        let s = match r.status {
            Status::Is(s) => s == status,
            Status::Other => true,
        };
        let b = match r.body {
            Body::Any => true,
            Body::HasResult => has_result,
        };
        let c = match r.calls {
            Calls::All => true,
            Calls::Only(only) => only == call,
            Calls::Gets => call != Call::Submit,
        };
        if s && b && c {
            return r.action;
        }
    }
    // Unreachable: the last two rows cover every call.
    Action::InDoubt
}

/// The provider's code and text of an error answer: `{"result", "message"}` or
/// `{"error": {"code", "text"}}`, else the HTTP status and the start of the body.
pub fn error_parts(status: u16, body: &[u8]) -> (String, String) {
    let v: Option<Value> = serde_json::from_slice(body).ok();
    let text_of = |v: Option<&Value>| match v {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    if let Some(v) = &v {
        if let Some(code) = text_of(v.get("result")) {
            let msg = text_of(v.get("message")).unwrap_or_default();
            return (code, msg);
        }
        if let Some(e) = v.get("error") {
            let code = text_of(e.get("code")).unwrap_or_else(|| status.to_string());
            let msg = text_of(e.get("text"))
                .or_else(|| text_of(Some(e)))
                .unwrap_or_default();
            return (code, msg);
        }
    }
    let raw: String = String::from_utf8_lossy(body).chars().take(300).collect();
    (status.to_string(), format!("HTTP {status}: {raw}"))
}

/// The outcome of a non-[`Action::Read`], non-[`Action::Refresh`] action.
pub fn failure(action: Action, status: u16, retry_after: Option<Duration>, body: &[u8]) -> Outcome {
    let (code, message) = error_parts(status, body);
    match action {
        Action::Reject(kind) => Outcome::Rejected {
            kind,
            code,
            message,
        },
        Action::RetryLater => Outcome::RetryLater {
            after: Some(retry_after.unwrap_or(Duration::from_secs(1))),
            code: Some(code),
            message,
        },
        Action::Refresh => Outcome::Rejected {
            kind: RejectKind::Auth,
            code,
            message: format!("{message} (again after a new token)"),
        },
        Action::InDoubt | Action::Read => Outcome::InDoubt {
            reason: format!(
                "HTTP {status} ({code}: {message}); the command may have been queued and the \
                 Open API has no idempotency key: look it up by status(provider_id: None) \
                 before any resend"
            ),
        },
    }
}

/// The `command_id` of a `POST Command` answer.
pub fn command_id(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    match v.get("command_id")? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
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

fn number<T: std::str::FromStr>(v: Option<&Value>) -> Option<T> {
    text(v)?.parse().ok()
}

/// `receipt_datetime` (format not documented publicly): `YYYY-MM-DD HH:MM:SS`, the same with `T`, or
/// `DD.MM.YYYY HH:MM:SS`; fractions and offsets after the seconds are ignored.
pub fn parse_datetime(s: &str) -> Option<LocalDateTime> {
    let s = s.trim();
    let head = s.get(..19)?;
    let b = head.as_bytes();
    let num = |r: std::ops::Range<usize>| head.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = if b.get(4) == Some(&b'-') && b.get(7) == Some(&b'-') {
        (num(0..4)?, num(5..7)?, num(8..10)?)
    } else if b.get(2) == Some(&b'.') && b.get(5) == Some(&b'.') {
        (num(6..10)?, num(3..5)?, num(0..2)?)
    } else {
        return None;
    };
    if !matches!(b.get(10), Some(b' ' | b'T'))
        || b.get(13) != Some(&b':')
        || b.get(16) != Some(&b':')
    {
        return None;
    }
    LocalDateTime::new(y, mo, d, num(11..13)?, num(14..16)?, num(17..19)?)
}

/// Σ `command.goods[].sum` of a command record.
fn goods_total(cmd: &Value) -> Option<Money> {
    let goods = cmd.get("command")?.get("goods")?.as_array()?;
    let mut k = 0u64;
    for g in goods {
        k = k.checked_add(text(g.get("sum"))?.parse::<Money>().ok()?.kopecks().ok()?)?;
    }
    Some(Money::from_kopecks(k))
}

/// A `GET Command/{id}` object → done (the vendor's rule: `fn_number`,
/// `fiscal_document_number` and `receipt_datetime` all non-empty), failed (non-zero `result`
/// with a `result_msg`, when `nonzero_result_is_failure`), or pending.
///
/// Every field of the record (as the service returns it: Business.ru's own reference is not
/// public, and the vendor SDK <https://github.com/business-ru/open-api-sdk-php> reads only
/// `fn_number`, `fiscal_document_number` and `receipt_datetime`), and where it goes
/// ([`FiscalAttributes`] unless said otherwise; `tests/no_silent_drops_answers.rs` walks a
/// maximal record leaf by leaf):
///
/// | field | goes to |
/// |---|---|
/// | `fn_number` | `fn_number` (1041) |
/// | `fiscal_document_number` | `fd_number` (1040) |
/// | `fiscal_document_attribute` | `fiscal_sign` (1077) |
/// | `receipt_datetime` | `date_time` (1012) |
/// | `result_shift_number` | `shift_number` (1038) |
/// | `ecr_registration_number` | `kkt_reg_number` (1037) |
/// | `receipt_url` | `receipt_url` |
/// | `total`, else Σ `command.goods[].sum` | `total` (1020) |
/// | `type` (`printCheck`, `printPurchaseReturn`) | `operation` (1054) |
/// | `result`, `result_msg` | the outcome (failed, or pending) |
/// | `status` | ignored: Business.ru's numeric state, whose codes are not documented; the state is read from the fiscal fields and `result` |
/// | `id` | ignored: the command id the lookup was made with |
/// | `command.*` | ignored: the command we sent, echoed (only `goods[].sum` is read, for a missing `total`) |
/// | `c_num`, `author`, `client_name`, `payment_mode_check` | ignored: our own values, echoed |
/// | `shift_ref`, `user_ref` | ignored: Business.ru's internal record ids (the shift's number is `result_shift_number`) |
/// | `date_create`, `date_update`, `date_result` | ignored: when Business.ru stored and updated the command; the document's time is `receipt_datetime` |
/// | `check_type_id`, `command_type_id` | ignored: the same as `type`, as Business.ru's internal numbers |
/// | `external_id`, `atol_id`, `atol_callback_url`, `atol_callback_status` | ignored: fields of Business.ru's ATOL-compatible flow, empty for Open API commands |
/// | `full_payment_command`, `refund_command` | ignored: links to later commands the shop itself sends |
///
/// The record has no 1042 (receipt number in the shift), no ОФД data, no marking-code check
/// results and no delivery state.
pub fn status_outcome(
    cmd: &Value,
    provider_id: &str,
    operation: Operation,
    nonzero_result_is_failure: bool,
) -> Outcome {
    let fn_number = text(cmd.get("fn_number"));
    let fd = text(cmd.get("fiscal_document_number"));
    let dt = text(cmd.get("receipt_datetime"));
    if let (Some(fn_number), Some(fd), Some(dt)) = (fn_number, fd, dt) {
        let fp = number::<u32>(cmd.get("fiscal_document_attribute"));
        let (Ok(fd_number), Some(fiscal_sign), Some(date_time)) =
            (fd.parse::<u32>(), fp, parse_datetime(&dt))
        else {
            return Outcome::InDoubt {
                reason: format!(
                    "command {provider_id} is fiscalised, but its fiscal data is unreadable"
                ),
            };
        };
        // `total`, else the sum of the echoed command's goods.
        let total = text(cmd.get("total"))
            .and_then(|t| t.parse::<Money>().ok())
            .or_else(|| goods_total(cmd));
        let Some(total) = total else {
            return Outcome::InDoubt {
                reason: format!("command {provider_id} is fiscalised, but its total is unreadable"),
            };
        };
        // The record's own type wins over the caller's idea of it.
        let operation = match text(cmd.get("type")).as_deref() {
            Some("printPurchaseReturn") => Operation::SELL_REFUND,
            Some("printCheck") => Operation::SELL,
            _ => operation,
        };
        return Outcome::Done {
            provider_id: provider_id.to_owned(),
            fiscal: FiscalAttributes {
                fn_number,
                fd_number,
                fiscal_sign,
                shift_number: number(cmd.get("result_shift_number")),
                receipt_number: None,
                date_time,
                kkt_reg_number: text(cmd.get("ecr_registration_number")),
                ofd_inn: None,
                receipt_url: text(cmd.get("receipt_url")),
                total,
                operation,
                fns_site: None,
                kkt_serial_number: None,
                ofd_name: None,
                ofd_site: None,
                ofd_delivered: None,
                warnings: Vec::new(),
                mark_checks: Vec::new(),
            },
        };
    }
    let result = number::<i64>(cmd.get("result")).unwrap_or(0);
    let msg = text(cmd.get("result_msg"));
    match msg {
        Some(message) if result != 0 && nonzero_result_is_failure => Outcome::Rejected {
            kind: RejectKind::Register,
            code: result.to_string(),
            message,
        },
        _ => Outcome::Pending {
            provider_id: provider_id.to_owned(),
        },
    }
}

/// One record of a `GET Command` list page: its `id` (or `command_id`) and `c_num`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The command id, when the record has one.
    pub id: Option<String>,
    /// The record's `c_num`, when it has one.
    pub c_num: Option<String>,
}

/// The records of one `GET Command` list page: a JSON array of command objects, or an object
/// holding one (the list's shape is not documented publicly). `None` for any other answer (the
/// caller cannot tell an empty page from a foreign one then).
pub fn command_list(body: &[u8]) -> Option<Vec<Listed>> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let list = match &v {
        Value::Array(a) => a,
        Value::Object(o) => o.values().find_map(Value::as_array)?,
        _ => return None,
    };
    Some(
        list.iter()
            .map(|c| Listed {
                id: text(c.get("id")).or_else(|| text(c.get("command_id"))),
                c_num: text(c.get("c_num")),
            })
            .collect(),
    )
}

/// The ids of the commands with this `c_num` in one `GET Command` list page
/// ([`command_list`]).
pub fn ids_with_c_num(body: &[u8], c_num: &str) -> Option<Vec<String>> {
    Some(
        command_list(body)?
            .into_iter()
            .filter(|c| c.c_num.as_deref() == Some(c_num))
            .filter_map(|c| c.id)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every row, with a sample answer that reaches it and the outcome it must give.
    #[test]
    fn every_row_of_the_table() {
        let with_result = br#"{"result":1,"message":"ffd"}"#.as_slice();
        let plain = br#"{"error":{"code":7,"text":"bad"}}"#.as_slice();
        let cases: &[(Call, u16, &[u8], Action)] = &[
            (Call::Submit, 200, b"{\"command_id\":5}", Action::Read),
            (Call::Token, 400, plain, Action::Reject(RejectKind::Auth)),
            (Call::Lookup, 400, plain, Action::RetryLater),
            (
                Call::Submit,
                400,
                plain,
                Action::Reject(RejectKind::Validation),
            ),
            (Call::Token, 422, plain, Action::Reject(RejectKind::Auth)),
            (Call::Lookup, 422, plain, Action::RetryLater),
            (
                Call::Submit,
                422,
                plain,
                Action::Reject(RejectKind::Validation),
            ),
            (
                Call::Lookup,
                401,
                with_result,
                Action::Reject(RejectKind::Configuration),
            ),
            (Call::Submit, 401, plain, Action::Refresh),
            (Call::Token, 403, b"", Action::Refresh),
            (
                Call::Submit,
                404,
                b"",
                Action::Reject(RejectKind::Configuration),
            ),
            (
                Call::Token,
                404,
                b"",
                Action::Reject(RejectKind::Configuration),
            ),
            (Call::Lookup, 404, plain, Action::RetryLater),
            (Call::Submit, 429, b"", Action::RetryLater),
            (Call::Submit, 503, b"<html>", Action::RetryLater),
            (Call::Submit, 500, plain, Action::InDoubt),
            (Call::Lookup, 502, b"", Action::RetryLater),
        ];
        assert_eq!(cases.len(), TABLE.len(), "one case per row");
        for (i, (call, status, body, want)) in cases.iter().enumerate() {
            assert_eq!(classify(*call, *status, body), *want, "row {i}");
            assert_eq!(TABLE[i].action, *want, "row {i} order");
        }
        // The same 500 on a lookup is only a retry.
        assert_eq!(classify(Call::Token, 500, b""), Action::RetryLater);
    }

    /// A lookup (status call) refused by the service, status by status: never a refusal of
    /// the command; only its credentials/configuration kinds survive, the rest is a retry with
    /// the service's code.
    #[test]
    fn lookup_errors_never_refuse_the_command() {
        let plain = br#"{"error":{"code":7,"text":"bad"}}"#.as_slice();
        for status in [400, 404, 422, 500, 502, 504, 429, 503] {
            let a = classify(Call::Lookup, status, plain);
            assert_eq!(a, Action::RetryLater, "HTTP {status}");
            match failure(a, status, None, plain) {
                Outcome::RetryLater { code, message, .. } => {
                    assert_eq!((code.as_deref(), message.as_str()), (Some("7"), "bad"));
                }
                other => panic!("HTTP {status}: {other:?}"),
            }
        }
        assert_eq!(
            classify(Call::Lookup, 401, br#"{"result":3,"message":"ffd"}"#),
            Action::Reject(RejectKind::Configuration)
        );
        assert_eq!(classify(Call::Lookup, 401, plain), Action::Refresh);
        assert_eq!(classify(Call::Lookup, 403, plain), Action::Refresh);
        // A second refusal after the refresh: our credentials, not the command.
        assert_eq!(
            failure(Action::Refresh, 401, None, plain),
            Outcome::Rejected {
                kind: RejectKind::Auth,
                code: "7".into(),
                message: "bad (again after a new token)".into()
            }
        );
        // A refused token request is about the credentials, on any request.
        for status in [400, 422] {
            assert_eq!(
                classify(Call::Token, status, plain),
                Action::Reject(RejectKind::Auth)
            );
        }
    }

    #[test]
    fn failures_keep_the_provider_code_and_text() {
        assert_eq!(
            failure(
                Action::Reject(RejectKind::Validation),
                400,
                None,
                br#"{"error":{"code":7,"text":"bad"}}"#
            ),
            Outcome::Rejected {
                kind: RejectKind::Validation,
                code: "7".into(),
                message: "bad".into()
            }
        );
        assert_eq!(
            failure(
                Action::Reject(RejectKind::Configuration),
                401,
                None,
                r#"{"result":3,"message":"ФФД"}"#.as_bytes()
            ),
            Outcome::Rejected {
                kind: RejectKind::Configuration,
                code: "3".into(),
                message: "ФФД".into()
            }
        );
        match failure(Action::RetryLater, 503, Some(Duration::from_secs(4)), b"") {
            Outcome::RetryLater { after, code, .. } => {
                assert_eq!(
                    (after, code.as_deref()),
                    (Some(Duration::from_secs(4)), Some("503"))
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(failure(Action::InDoubt, 500, None, b"").code(), "in_doubt");
    }

    #[test]
    fn command_states() {
        let pending = serde_json::json!({"id": 7, "status": 0, "fn_number": null, "result": null});
        assert_eq!(
            status_outcome(&pending, "7", Operation::SELL, true),
            Outcome::Pending {
                provider_id: "7".into()
            }
        );
        let failed = serde_json::json!({"id": 7, "result": 3, "result_msg": "timeout"});
        assert_eq!(
            status_outcome(&failed, "7", Operation::SELL, true).code(),
            "rejected"
        );
        assert_eq!(
            status_outcome(&failed, "7", Operation::SELL, false).code(),
            "pending"
        );
        let no_total = serde_json::json!({"fn_number": "9999078900001234",
            "fiscal_document_number": 5, "fiscal_document_attribute": 77,
            "receipt_datetime": "2026-03-02 10:15:42", "type": "printCheck",
            "command": {"goods": [{"sum": 311.95}, {"sum": 100}]}});
        match status_outcome(&no_total, "8", Operation::SELL_REFUND, true) {
            Outcome::Done { fiscal, .. } => {
                assert_eq!(fiscal.total, Money::from_kopecks(41_195));
                assert_eq!(fiscal.operation, Operation::SELL);
            }
            other => panic!("{other:?}"),
        }
        let done = serde_json::json!({"id": 7, "fn_number": "9999078900001234",
            "fiscal_document_number": 102, "fiscal_document_attribute": "3826187301",
            "receipt_datetime": "2026-03-02 10:15:42", "result_shift_number": 7,
            "ecr_registration_number": "0000000001002003", "total": 5902,
            "receipt_url": "https://ofd.example/r"});
        match status_outcome(&done, "7", Operation::SELL_REFUND, true) {
            Outcome::Done { fiscal, .. } => {
                assert_eq!(fiscal.fd_number, 102);
                assert_eq!(fiscal.fiscal_sign, 3_826_187_301);
                assert_eq!(fiscal.total, Money::from_kopecks(590_200));
                assert_eq!(fiscal.shift_number, Some(7));
                assert_eq!(
                    fiscal.qr_string(),
                    "t=20260302T1015&s=5902.00&fn=9999078900001234&i=102&fp=3826187301&n=2"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn datetimes_and_lists() {
        for s in [
            "2026-03-02 10:15:42",
            "2026-03-02T10:15:42.123+03:00",
            "02.03.2026 10:15:42",
        ] {
            assert_eq!(parse_datetime(s), "2026-03-02T10:15:42".parse().ok(), "{s}");
        }
        assert_eq!(parse_datetime("yesterday"), None);
        let body = br#"[{"id":1,"c_num":"a"},{"id":2,"c_num":"b"},{"id":3,"c_num":"a"}]"#;
        assert_eq!(
            ids_with_c_num(body, "a"),
            Some(vec!["1".into(), "3".into()])
        );
        let body = br#"{"commands":[{"id":9,"c_num":"a"}],"page":1}"#;
        assert_eq!(ids_with_c_num(body, "a"), Some(vec!["9".into()]));
        assert_eq!(ids_with_c_num(b"nope", "a"), None);
        assert_eq!(command_list(b"[]"), Some(vec![]));
        assert_eq!(command_list(br#"{"page":2}"#), None);
        assert_eq!(
            command_list(br#"[{"command_id":"5","c_num":7}]"#),
            Some(vec![Listed {
                id: Some("5".into()),
                c_num: Some("7".into())
            }])
        );
        assert_eq!(command_id(br#"{"command_id":42}"#).as_deref(), Some("42"));
        assert_eq!(command_id(b"{}"), None);
    }
}
