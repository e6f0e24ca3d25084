//! ATOL error codes → what the caller does: **one table**, [`ERRORS`], tested row by row.
//!
//! ATOL reports errors as `{"error": {"code", "text", "type", "error_id"}}`, in the answer to a
//! request (service errors, «АТОЛ Онлайн. Описание протокола v4 (ФФД 1.05)», doc version 5.15,
//! <https://online.atol.ru/files/API_atol_online_v4.pdf>, §8.1 Table 6) or in a report with `status: "fail"`
//! (register, agent, queue errors, §8.2 Table 7). The same number means different things by
//! `type` (code `1` is a service error, a KKT «Соединение не установлено», or the queue
//! timeout), so a row is keyed by [`ErrorScope`] and code.
//!
//! Codes not in the table: a `driver` (KKT) code is [`RejectKind::Register`]; an `agent` code
//! is [`RejectKind::Validation`]; any other is decided by the HTTP status (see
//! [`AtolClient`](super::AtolClient)).
//!
//! Why each service error is what it is (the "which are safe to resend" question; doc 5.15, §6.2
//! and §8):
//!
//! * 10, 11 — token missing or expired: the token is refreshed once and the request sent once
//!   more; a second refusal is [`RejectKind::Auth`]. Nothing was registered.
//!
//! The kinds below are those of an answer to a **registration**. An error answer to a
//! **report request** (`GET report/<uuid>`) is never a verdict on the document (ATOL accepted
//! it and may have fiscalised it): there only auth and configuration refusals keep their kind,
//! everything else (30 included) is [`Outcome::RetryLater`] with the code kept — see
//! `report_reply`. Only a report with `status: "fail"` refuses the document.
//! * 12, 14 — credentials / blocked user: [`RejectKind::Auth`], no retry.
//! * 13, 30, 32, 40 — the request is invalid, nothing registered: [`RejectKind::Validation`].
//! * 20, 21, 31 — wrong group, protocol version or operation: [`RejectKind::Configuration`].
//! * 33 — the `external_id` is already there: [`Outcome::Accepted`] with `duplicate: true` and
//!   the uuid ATOL returns with it (without a uuid: [`Outcome::InDoubt`]).
//! * 34 — «state not found, try later»: [`Outcome::Pending`] (do **not** resend).
//! * 0, 1, 41 — unknown/processing failure/content type: [`RejectKind::Other`].
//! * 50 — server error: the document may or may not have been registered. On a submit this is
//!   [`Outcome::InDoubt`] (resending the same `external_id` is the safe way to find out: ATOL
//!   answers 33 with the uuid if it has it); on a report it is [`Outcome::RetryLater`].

use super::report::{Envelope, ErrorJson};
use crate::outcome::{Outcome, RejectKind};
use std::time::Duration;

/// The reading of one HTTP answer.
// One per answer, matched at once: the size of `Outcome::Done` does not matter here.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Interp {
    /// Final for this request.
    Outcome(Outcome),
    /// The token was refused (10, 11, or a bare 401): refresh it and send once more.
    Refresh {
        /// The code, for the [`RejectKind::Auth`] if the second attempt fails too.
        code: String,
        /// ATOL's text.
        message: String,
    },
}

/// How long to wait after a transient failure when the service did not say (Retry-After):
/// ATOL asks for at least 1 s after a system error (doc 5.15, §6.3).
pub(crate) const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// The error of an answer: `(scope, code, code text, message)`, with the HTTP status standing
/// in when the body says nothing.
pub(crate) fn error_parts(http: u16, env: Option<&Envelope>) -> (Option<i64>, String, String) {
    let err = env.and_then(|e| e.error.as_ref());
    let code = err.and_then(ErrorJson::code);
    let code_text = err
        .map(ErrorJson::code_text)
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| http.to_string());
    let message = err
        .map(ErrorJson::message)
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| format!("HTTP {http}"));
    (code, code_text, message)
}

/// 503 and 429: the service did not take the request; send it again after `Retry-After`.
pub(crate) fn busy(
    http: u16,
    retry_after: Option<Duration>,
    env: Option<&Envelope>,
) -> Option<Outcome> {
    if http != 503 && http != 429 {
        return None;
    }
    let (_, code, message) = error_parts(http, env);
    Some(Outcome::RetryLater {
        after: Some(retry_after.unwrap_or(DEFAULT_RETRY_AFTER)),
        code: Some(code),
        message,
    })
}

/// The answer to an operation (`sell`, `buy_correction` …), see the module docs.
pub(crate) fn submit_reply(http: u16, retry_after: Option<Duration>, body: &[u8]) -> Interp {
    let env: Option<Envelope> = serde_json::from_slice(body).ok();
    if let Some(o) = busy(http, retry_after, env.as_ref()) {
        return Interp::Outcome(o);
    }
    let (code, code_text, message) = error_parts(http, env.as_ref());
    let uuid = env
        .as_ref()
        .and_then(|e| e.uuid.clone())
        .filter(|u| !u.is_empty());
    let in_doubt = |why: &str| {
        Interp::Outcome(Outcome::InDoubt {
            reason: format!(
                "{why} (code {code_text}: {message}); resend the same document id: ATOL answers 33 with the uuid if it has the document"
            ),
        })
    };
    match code.and_then(|c| action(ErrorScope::Service, c)) {
        Some(RefreshToken) => Interp::Refresh {
            code: code_text,
            message,
        },
        Some(Duplicate) => match uuid {
            Some(provider_id) => Interp::Outcome(Outcome::Accepted {
                provider_id,
                duplicate: true,
            }),
            None => in_doubt("duplicate external_id but the answer has no uuid"),
        },
        Some(Reject(kind)) => Interp::Outcome(Outcome::Rejected {
            kind,
            code: code_text,
            message: with_receipt_fields(message),
        }),
        Some(ServerError) => in_doubt("server error"),
        Some(Pending | QueueTimeout) => in_doubt("unexpected answer to a registration"),
        None => {
            let failed = env
                .as_ref()
                .is_some_and(|e| e.status.as_deref() == Some("fail"));
            if (200..300).contains(&http) && !failed {
                match uuid {
                    Some(provider_id) => Interp::Outcome(Outcome::Accepted {
                        provider_id,
                        duplicate: false,
                    }),
                    None => in_doubt("the answer has no uuid"),
                }
            } else if http == 401 {
                if env.as_ref().is_some_and(|e| e.result.is_some()) {
                    Interp::Outcome(Outcome::Rejected {
                        kind: Configuration,
                        code: code_text,
                        message: format!("{message} (the group does not take this FFD version)"),
                    })
                } else {
                    Interp::Refresh {
                        code: code_text,
                        message,
                    }
                }
            } else if http == 403 {
                Interp::Outcome(Outcome::Rejected {
                    kind: Auth,
                    code: code_text,
                    message,
                })
            } else if (400..500).contains(&http) {
                Interp::Outcome(Outcome::Rejected {
                    kind: Other,
                    code: code_text,
                    message,
                })
            } else {
                in_doubt(&format!("HTTP {http}"))
            }
        }
    }
}

/// ATOL field names that differ from the receipt's fields they are filled from, where the
/// same name means another requisite in the receipt: (ATOL's path, the receipt's path,
/// requisite). See `wire.rs` (`company`): 1187 goes to ATOL's `company.payment_address`,
/// 1009 to ATOL's `company.location`.
const WIRE_FIELDS: &[(&str, &str, &str)] = &[
    ("company.payment_address", "company.payment_place", "1187"),
    ("company.location", "company.payment_address", "1009"),
];

/// ATOL's refusal text, plus — when it names an ATOL field whose name is another field of the
/// receipt (error 32 lists ATOL's paths) — which receipt field to fix.
pub(crate) fn with_receipt_fields(message: String) -> String {
    let hints: Vec<String> = WIRE_FIELDS
        .iter()
        .filter(|(wire, _, _)| message.contains(wire))
        .map(|(wire, ours, tag)| format!("ATOL's `{wire}` is the receipt's `{ours}` ({tag})"))
        .collect();
    if hints.is_empty() {
        message
    } else {
        format!("{message} [{}]", hints.join("; "))
    }
}

/// The `error.type` family a code belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorScope {
    /// Service errors (`type` `system` / `unknown`, Table 6), including report-time system
    /// errors such as −2146233033.
    Service,
    /// Service-side checks before the register (`type` `agent`, 2003–2009).
    Agent,
    /// Register (KKT driver) errors (`type` `driver`).
    Driver,
    /// The queue wait ran out (`type` `timeout`).
    Timeout,
}

impl ErrorScope {
    /// The scope of an `error.type` value; anything unknown counts as a service error.
    pub fn from_type(ty: Option<&str>) -> ErrorScope {
        match ty {
            Some("driver") => ErrorScope::Driver,
            Some("agent") => ErrorScope::Agent,
            Some("timeout") => ErrorScope::Timeout,
            _ => ErrorScope::Service,
        }
    }
}

/// What an ATOL error means for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorAction {
    /// Duplicate `external_id`: accepted earlier; [`Outcome::Accepted`] `{duplicate: true}`.
    Duplicate,
    /// Not processed yet: [`Outcome::Pending`].
    Pending,
    /// Token missing or expired: refresh it once and send once more; then
    /// [`RejectKind::Auth`].
    RefreshToken,
    /// Definitive: [`Outcome::Rejected`] of this kind.
    Reject(RejectKind),
    /// Server-side failure: [`Outcome::InDoubt`] for a submit, [`Outcome::RetryLater`] for a
    /// report.
    ServerError,
    /// Queue timeout in a report: [`RejectKind::Register`], or [`Outcome::RetryLater`] with
    /// [`AtolConfig::queue_timeout_is_retry`](super::AtolConfig::queue_timeout_is_retry).
    QueueTimeout,
}

/// One row of [`ERRORS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorRow {
    /// The `error.type` family.
    pub scope: ErrorScope,
    /// The code.
    pub code: i64,
    /// ATOL's name (service errors) or a short English name.
    pub name: &'static str,
    /// The HTTP status ATOL documents with it (service errors only).
    pub http: Option<u16>,
    /// What it means.
    pub action: ErrorAction,
    /// ATOL's text (abridged for KKT errors).
    pub text: &'static str,
}

const fn row(
    scope: ErrorScope,
    code: i64,
    name: &'static str,
    http: Option<u16>,
    action: ErrorAction,
    text: &'static str,
) -> ErrorRow {
    ErrorRow {
        scope,
        code,
        name,
        http,
        action,
        text,
    }
}

use ErrorAction::{Duplicate, Pending, QueueTimeout, RefreshToken, Reject, ServerError};
use ErrorScope::{Agent, Driver, Service, Timeout};
use RejectKind::{Auth, Configuration, Other, Register, Validation};

/// Driver (KKT) error: "fix the request and resend" (the remedy doc 5.15, §8.2 Table 7, gives it).
const fn fix(code: i64, text: &'static str) -> ErrorRow {
    row(
        Driver,
        code,
        "kkt_request_error",
        None,
        Reject(Validation),
        text,
    )
}

/// The ATOL error table (doc 5.15, §8, Tables 6 and 7).
#[rustfmt::skip]
pub const ERRORS: &[ErrorRow] = &[
    // Service errors (Table 6): answers to getToken, operations and report requests.
    row(Service, 0, "Undefined", Some(400), Reject(Other), "Неизвестная ошибка обработки"),
    row(Service, 1, "IncomingChequeProcessingFailed", Some(400), Reject(Other), "Сервер не смог обработать входной чек"),
    row(Service, 10, "MissingToken", Some(401), RefreshToken, "Не распознан токен запроса"),
    row(Service, 11, "ExpiredToken", Some(401), RefreshToken, "Переданный токен не активен"),
    row(Service, 12, "WrongLoginOrPassword", Some(401), Reject(Auth), "Неверный логин или пароль"),
    row(Service, 13, "ValidationException", Some(400), Reject(Validation), "Ошибка валидации входящего запроса. Ошибочные поля : {0}"),
    row(Service, 14, "UserBlocked", Some(403), Reject(Auth), "Пользователь заблокирован"),
    row(Service, 20, "GroupCodeAndTokenDontMatch", Some(401), Reject(Configuration), "Код группы, указанный в запросе, не соответствует токену"),
    row(Service, 21, "NotSupportedGroupCodeForProtocol", Some(401), Reject(Configuration), "Код группы не поддерживает данную версию протокола"),
    row(Service, 30, "MissingUuid", Some(400), Reject(Validation), "Передан некорректный UUID : \"{0}\". Необходимо повторить запрос с корректными данными"),
    row(Service, 31, "IncomingOperationNotSupported", Some(400), Reject(Configuration), "Операция \"{0}\" не поддерживается"),
    row(Service, 32, "IncomingValidationException", Some(400), Reject(Validation), "Ошибка валидации входного чека. Ошибочные поля : {1}"),
    row(Service, 33, "IncomingExternalIdAlreadyExists", Some(400), Duplicate, "В системе существует чек с external_id : {0} и group_code: {1}"),
    row(Service, 34, "StateCheckNotFound", Some(200), Pending, "Состояние чека не найдено. Попробуйте позднее"),
    row(Service, 40, "BadRequest", Some(400), Reject(Validation), "Некорректный запрос"),
    row(Service, 41, "UnsupportedMediaType", Some(415), Reject(Other), "Некорректный Content-Type: {0}"),
    row(Service, 50, "ErrorServerConfiguration", Some(500), ServerError, "Ошибка сервера. Обратитесь к Администратору"),
    row(Service, -2_146_233_033, "ReceiptFormattingError", None, Reject(Validation), "Ошибка форматирования чека"),
    // The queue wait (300 s) ran out.
    row(Timeout, 1, "QueueTimeout", None, QueueTimeout, "Превышено время ожидания чека в очереди"),
    // Agent errors (Table 7, type agent).
    row(Agent, 2003, "CompanyInnMismatch", None, Reject(Validation), "ИНН в чеке не совпадает с ИНН компании"),
    row(Agent, 2004, "InternalError", None, Reject(Other), "Внутренняя ошибка сервиса"),
    row(Agent, 2005, "InternalError", None, Reject(Other), "Внутренняя ошибка сервиса"),
    row(Agent, 2006, "BadJsonFormat", None, Reject(Validation), "Некорректный формат JSON"),
    row(Agent, 2007, "BadJsonValue", None, Reject(Validation), "Некорректное значение в JSON"),
    row(Agent, 2009, "GroupInnMismatch", None, Reject(Validation), "ИНН в запросе не совпадает с ИНН на кассе"),
    // Register (driver) errors the document says to fix in the request.
    fix(13, "Некорректное значение параметра"),
    fix(16, "Неверная цена (сумма)"),
    fix(17, "Неверное количество"),
    fix(23, "Невозможно начислить скидку/надбавку"),
    fix(24, "Неверный код товара"),
    fix(27, "Неверная длина"),
    fix(41, "Недостаточное количество товара"),
    fix(48, "Неверный тип чека"),
    fix(52, "Сумма не наличных платежей превышает сумму чека"),
    fix(53, "Накопление меньше суммы возврата или аннулирования"),
    fix(60, "Неверный вид оплаты"),
    fix(66, "Чек оплачен не полностью"),
    fix(98, "Невозможно закрыть чек данным типом оплаты"),
    fix(110, "Недопустимое кол-во позиций в чеке"),
    fix(128, "Некорректная сумма налога"),
    // Not starred in the document, but the fix is on our side: split the receipt.
    fix(134, "Превышение размеров TLV данных ФН"),
    fix(143, "Некорректная СНО"),
    fix(144, "Недопустимый номер ставки налога"),
    fix(145, "Недопустимый тип оплаты товара"),
    fix(147, "Недопустима регистрация подакцизного товара"),
    fix(161, "Не указаны обязательные реквизиты"),
    fix(163, "Переполнение чисел с плавающей точкой"),
    fix(193, "Неверное значение GTIN"),
    fix(215, "Недопустимое сочетание реквизитов 1212 и 1030"),
    fix(216, "Некорректный признак способа расчета"),
    fix(217, "Некорректный признак предмета расчета"),
    fix(228, "Запрещена одновременная передача КМ и реквизита 1162"),
    fix(231, "Некорректная сумма акциза"),
    fix(243, "Некорректная сумма налога"),
    fix(244, "Некорректное значение типа кода маркировки"),
    fix(261, "Отсутствует позиция оплаты"),
    fix(265, "Подакцизный товар без акциза"),
    fix(405, "Неверный код GS1"),
    fix(408, "Переполнена таблица хранения КМ"),
    fix(409, "Некорректный код маркировки"),
    fix(412, "Некорректное значение единиц измерения"),
    // Register failures worth naming (every other driver code is Register too).
    row(Driver, 36, "kkt_clock", None, Reject(Register), "Переданные дата/время меньше даты/времени последнего ФД"),
    row(Driver, 40, "kkt_buffer", None, Reject(Register), "Переполнение буфера чека"),
    row(Driver, 68, "kkt_shift_over_24h", None, Reject(Register), "Смена превысила 24 часа"),
    row(Driver, 421, "kkt_mark_check_timeout", None, Reject(Register), "Истёк таймаут проверки КМ"),
];

/// The row of a code, if the table has one.
pub fn lookup(scope: ErrorScope, code: i64) -> Option<&'static ErrorRow> {
    ERRORS.iter().find(|r| r.scope == scope && r.code == code)
}

/// What a code means: its row's action, or the default of its scope (`driver` → register,
/// `agent` → validation, `timeout` → queue timeout); `None` for an unknown service code.
pub fn action(scope: ErrorScope, code: i64) -> Option<ErrorAction> {
    match lookup(scope, code) {
        Some(r) => Some(r.action),
        None => match scope {
            ErrorScope::Driver => Some(Reject(Register)),
            ErrorScope::Agent => Some(Reject(Validation)),
            ErrorScope::Timeout => Some(QueueTimeout),
            ErrorScope::Service => None,
        },
    }
}

/// The outcome of a report-time `fail` with this error.
pub(crate) fn fail_outcome(
    scope: ErrorScope,
    code: Option<i64>,
    code_text: String,
    message: String,
    queue_timeout_is_retry: bool,
) -> Outcome {
    let act = code.and_then(|c| action(scope, c)).or(match scope {
        ErrorScope::Timeout => Some(QueueTimeout),
        ErrorScope::Driver => Some(Reject(Register)),
        ErrorScope::Agent => Some(Reject(Validation)),
        ErrorScope::Service => None,
    });
    match act {
        Some(Reject(kind)) => Outcome::Rejected {
            kind,
            code: code_text,
            message,
        },
        Some(QueueTimeout) if queue_timeout_is_retry => Outcome::RetryLater {
            after: Some(std::time::Duration::from_secs(1)),
            code: Some(code_text),
            message,
        },
        Some(QueueTimeout) => Outcome::Rejected {
            kind: Register,
            code: code_text,
            message,
        },
        // A `fail` is final for this uuid whatever the code says otherwise.
        Some(Duplicate | Pending | RefreshToken | ServerError) | None => Outcome::Rejected {
            kind: Other,
            code: code_text,
            message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn keys_are_unique_and_service_rows_have_http() {
        let mut seen = HashSet::new();
        for r in ERRORS {
            assert!(seen.insert((r.scope, r.code)), "duplicate row {r:?}");
            assert!(!r.text.is_empty() && !r.name.is_empty());
            if r.scope == Service && r.code >= 0 {
                assert!(r.http.is_some(), "{r:?}");
            }
        }
    }

    #[test]
    fn defaults_for_codes_not_in_the_table() {
        assert_eq!(action(Driver, 999), Some(Reject(Register)));
        assert_eq!(action(Agent, 2999), Some(Reject(Validation)));
        assert_eq!(action(Timeout, 7), Some(QueueTimeout));
        assert_eq!(action(Service, 77), None);
        assert_eq!(ErrorScope::from_type(Some("driver")), Driver);
        assert_eq!(ErrorScope::from_type(Some("unknown")), Service);
        assert_eq!(ErrorScope::from_type(None), Service);
    }

    fn body(r: &ErrorRow, status: Option<&str>) -> Vec<u8> {
        let ty = match r.scope {
            Service => "system",
            Agent => "agent",
            Driver => "driver",
            Timeout => "timeout",
        };
        let mut v = serde_json::json!({
            "uuid": "u-1",
            "error": {"code": r.code, "text": r.text, "type": ty, "error_id": "e-1"},
            "timestamp": "01.01.2026 00:00:00"
        });
        if let Some(s) = status {
            v["status"] = serde_json::Value::from(s);
        }
        v.to_string().into_bytes()
    }

    fn message(r: &ErrorRow) -> String {
        format!("{} (error_id e-1)", r.text)
    }

    /// Every row, through the function that reads real answers: a registration answer for
    /// service errors, a `fail` report and a status-less report answer for all.
    #[test]
    fn every_row_through_the_answer_readers() {
        use crate::provider::DocumentKind;
        let read_report = |http, b: &[u8]| {
            super::super::report::report_reply(http, None, b, "u-0", DocumentKind::Sell, false)
        };
        for r in ERRORS {
            let code = r.code.to_string();
            let http = r.http.unwrap_or(400);
            if r.scope == Service {
                let got = submit_reply(http, None, &body(r, Some("fail")));
                match (r.action, got) {
                    (
                        RefreshToken,
                        Interp::Refresh {
                            code: c,
                            message: m,
                        },
                    ) => {
                        assert_eq!((c, m), (code.clone(), message(r)));
                    }
                    (
                        Duplicate,
                        Interp::Outcome(Outcome::Accepted {
                            provider_id,
                            duplicate,
                        }),
                    ) => {
                        assert_eq!((provider_id.as_str(), duplicate), ("u-1", true));
                    }
                    (Pending | ServerError, Interp::Outcome(Outcome::InDoubt { reason })) => {
                        assert!(reason.contains(&code), "{r:?}: {reason}");
                    }
                    (
                        Reject(k),
                        Interp::Outcome(Outcome::Rejected {
                            kind,
                            code: c,
                            message: m,
                        }),
                    ) => {
                        assert_eq!((kind, c, m), (k, code.clone(), message(r)));
                    }
                    (a, Interp::Outcome(o)) => panic!("{r:?}: {a:?} gave {o:?}"),
                    (a, Interp::Refresh { .. }) => panic!("{r:?}: {a:?} gave a refresh"),
                }
                // Without a status (an error answer to a report request).
                let got = read_report(http, &body(r, None));
                match (r.action, got) {
                    (RefreshToken, Interp::Refresh { .. }) => {}
                    (Pending, Interp::Outcome(Outcome::Pending { provider_id })) => {
                        assert_eq!(provider_id, "u-1");
                    }
                    // About our credentials or configuration: kept, never final in the outbox.
                    (
                        Reject(k @ (Auth | Configuration)),
                        Interp::Outcome(Outcome::Rejected { kind, .. }),
                    ) => {
                        assert_eq!(kind, k, "{r:?}");
                    }
                    // Not a verdict on the document: ask again, ATOL's code kept.
                    (
                        Reject(Validation | Register | Other) | Duplicate | ServerError,
                        Interp::Outcome(Outcome::RetryLater { code: c, .. }),
                    ) => {
                        assert_eq!(c, Some(code.clone()), "{r:?}");
                    }
                    (a, Interp::Outcome(o)) => panic!("{r:?} (report): {a:?} gave {o:?}"),
                    (a, Interp::Refresh { .. }) => panic!("{r:?} (report): {a:?} gave a refresh"),
                }
            }
            // A `fail` report with this error.
            let got = read_report(200, &body(r, Some("fail")));
            match (r.action, got) {
                (RefreshToken, Interp::Refresh { .. }) => {}
                (
                    Reject(k),
                    Interp::Outcome(Outcome::Rejected {
                        kind,
                        code: c,
                        message: m,
                    }),
                ) => {
                    assert_eq!((kind, c, m), (k, code.clone(), message(r)), "{r:?}");
                }
                (QueueTimeout, Interp::Outcome(Outcome::Rejected { kind, .. })) => {
                    assert_eq!(kind, Register);
                }
                (
                    Duplicate | Pending | ServerError,
                    Interp::Outcome(Outcome::Rejected { kind, .. }),
                ) => {
                    assert_eq!(kind, Other, "{r:?}");
                }
                (a, Interp::Outcome(o)) => panic!("{r:?} (fail): {a:?} gave {o:?}"),
                (a, Interp::Refresh { .. }) => panic!("{r:?} (fail): {a:?} gave a refresh"),
            }
        }
    }

    #[test]
    fn a_refusal_naming_atol_fields_names_the_receipt_fields_too() {
        let body = serde_json::json!({"error": {"code": 32, "type": "system",
            "text": "Ошибка валидации входного чека. Ошибочные поля : company.payment_address"}})
        .to_string();
        let Interp::Outcome(Outcome::Rejected { kind, message, .. }) =
            submit_reply(400, None, body.as_bytes())
        else {
            panic!("32")
        };
        assert_eq!(kind, Validation);
        assert_eq!(
            message,
            "Ошибка валидации входного чека. Ошибочные поля : company.payment_address \
             [ATOL's `company.payment_address` is the receipt's `company.payment_place` (1187)]"
        );
        assert_eq!(
            with_receipt_fields("Ошибочные поля : company.location".into()),
            "Ошибочные поля : company.location [ATOL's `company.location` is the receipt's \
             `company.payment_address` (1009)]"
        );
        assert_eq!(with_receipt_fields("items[0].sum".into()), "items[0].sum");
    }

    #[test]
    fn http_without_a_code() {
        let out = |http, body: &[u8]| match submit_reply(http, Some(Duration::from_secs(9)), body) {
            Interp::Outcome(o) => o.code(),
            Interp::Refresh { .. } => "refresh",
        };
        assert_eq!(
            out(200, br#"{"uuid":"u","status":"wait","error":null}"#),
            "accepted"
        );
        assert_eq!(out(201, br#"{"uuid":"u"}"#), "accepted");
        assert_eq!(out(200, b"{}"), "in_doubt");
        assert_eq!(out(401, b""), "refresh");
        assert_eq!(out(401, br#"{"result":"ffd"}"#), "rejected");
        assert_eq!(out(403, b""), "rejected");
        assert_eq!(out(404, b"<html>"), "rejected");
        assert_eq!(out(500, b"<html>"), "in_doubt");
        assert_eq!(out(502, b""), "in_doubt");
        assert_eq!(out(503, b""), "retry_later");
        assert_eq!(out(429, b""), "retry_later");
        assert_eq!(
            out(400, br#"{"error":{"code":9999,"text":"new"}}"#),
            "rejected"
        );
        let Interp::Outcome(Outcome::RetryLater { after, .. }) = submit_reply(503, None, b"")
        else {
            panic!("503")
        };
        assert_eq!(after, Some(DEFAULT_RETRY_AFTER));
    }

    /// A report request refused by ATOL, code by code: never a refusal of the document.
    #[test]
    fn report_request_errors_never_refuse_the_document() {
        use crate::provider::DocumentKind;
        let read = |http: u16, body: &[u8]| {
            super::super::report::report_reply(http, None, body, "u-0", DocumentKind::Sell, false)
        };
        let err = |code: i64, text: &str| {
            serde_json::json!({"error": {"code": code, "text": text, "type": "system"}})
                .to_string()
                .into_bytes()
        };
        let what = |i: Interp| match i {
            Interp::Refresh { code, .. } => ("refresh".to_owned(), code),
            Interp::Outcome(Outcome::Rejected { kind, code, .. }) => {
                (format!("rejected:{}", kind.code()), code)
            }
            Interp::Outcome(Outcome::RetryLater { code, .. }) => {
                ("retry_later".to_owned(), code.unwrap_or_default())
            }
            Interp::Outcome(o) => (o.code().to_owned(), String::new()),
        };
        let cases: &[(i64, u16, &str)] = &[
            (10, 401, "refresh"),
            (11, 401, "refresh"),
            (12, 401, "rejected:auth"),
            (14, 403, "rejected:auth"),
            (20, 401, "rejected:configuration"),
            (21, 401, "rejected:configuration"),
            (31, 400, "rejected:configuration"),
            (30, 400, "retry_later"),
            (13, 400, "retry_later"),
            (32, 400, "retry_later"),
            (40, 400, "retry_later"),
            (0, 400, "retry_later"),
            (1, 400, "retry_later"),
            (41, 415, "retry_later"),
            (50, 500, "retry_later"),
            (-2_146_233_033, 400, "retry_later"),
            (9_999, 400, "retry_later"),
        ];
        for &(code, http, want) in cases {
            let got = what(read(http, &err(code, "t")));
            assert_eq!(got, (want.to_owned(), code.to_string()), "code {code}");
        }
        // 30 says why it is not the receipt's refusal.
        let Interp::Outcome(Outcome::RetryLater { message, .. }) =
            read(400, &err(30, "Передан некорректный UUID"))
        else {
            panic!("30")
        };
        assert!(
            message.contains("Передан некорректный UUID") && message.contains("32 days"),
            "{message}"
        );
        // Without an ATOL error: by HTTP status, never a refusal of the document.
        for (http, want) in [
            (500, "retry_later"),
            (502, "retry_later"),
            (404, "retry_later"),
            (400, "retry_later"),
            (503, "retry_later"),
        ] {
            assert_eq!(what(read(http, b"<html>")).0, want, "HTTP {http}");
        }
        // Only a report is a verdict: `fail` with a register error refuses the document.
        let fail =
            br#"{"uuid":"u-0","status":"fail","error":{"code":234,"text":"fn","type":"driver"}}"#;
        assert_eq!(what(read(200, fail)).0, "rejected:register");
    }

    #[test]
    fn report_fail_never_asks_to_resend_the_same_id_by_default() {
        for r in ERRORS {
            let o = fail_outcome(
                r.scope,
                Some(r.code),
                r.code.to_string(),
                r.text.into(),
                false,
            );
            assert!(matches!(o, Outcome::Rejected { .. }), "{r:?} -> {o:?}");
        }
        let o = fail_outcome(Timeout, Some(1), "1".into(), "t".into(), true);
        assert!(matches!(o, Outcome::RetryLater { .. }));
    }
}
