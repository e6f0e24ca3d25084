//! ATOL error catalogue («АТОЛ Онлайн. Описание протокола v4 (ФФД 1.05)», doc version 5.15,
//! <https://online.atol.ru/files/API_atol_online_v4.pdf>, §8.1 Table 6 and §8.2 Table 7): codes,
//! texts, HTTP statuses, and the error envelope `{"error": {"error_id", "code", "text", "type"},
//! "status"?, "timestamp", "uuid"?}`.
//!
//! `status` is present only where Table 6 gives one (`fail` for 30 and 32, `wait` for 33 and 34);
//! `uuid` only for 33 (the original document).

use crate::fiscal::{atol_timestamp, new_uuid, now_msk};
use crate::journal::DocError;
use crate::server::Reply;
use serde_json::json;

/// A service error answered synchronously.
#[derive(Debug, Clone)]
pub(crate) struct AtolError {
    pub(crate) http: u16,
    pub(crate) code: i64,
    pub(crate) text: String,
    pub(crate) error_type: &'static str,
    pub(crate) status: Option<&'static str>,
    pub(crate) uuid: Option<String>,
}

fn system(http: u16, code: i64, text: impl Into<String>) -> AtolError {
    AtolError {
        http,
        code,
        text: text.into(),
        error_type: "system",
        status: None,
        uuid: None,
    }
}

impl AtolError {
    /// 10 MissingToken.
    pub(crate) fn missing_token() -> AtolError {
        system(401, 10, "Не распознан токен запроса")
    }

    /// 11 ExpiredToken (also for a token the service never issued).
    pub(crate) fn expired_token() -> AtolError {
        system(401, 11, "Переданный токен не активен")
    }

    /// 12 WrongLoginOrPassword.
    pub(crate) fn wrong_credentials() -> AtolError {
        system(401, 12, "Неверный логин или пароль")
    }

    /// 20 GroupCodeAndTokenDontMatch (also for a group the service does not know).
    pub(crate) fn group_mismatch() -> AtolError {
        system(
            401,
            20,
            "Код группы, указанный в запросе, не соответствует токену",
        )
    }

    /// 21 NotSupportedGroupCodeForProtocol.
    pub(crate) fn protocol_mismatch() -> AtolError {
        system(
            401,
            21,
            "Код группы не поддерживает данную версию протокола",
        )
    }

    /// 30 MissingUuid.
    pub(crate) fn bad_uuid(uuid: &str) -> AtolError {
        let mut e = system(
            400,
            30,
            format!(
                "Передан некорректный UUID : \"{uuid}\". Необходимо повторить запрос с корректными данными"
            ),
        );
        e.status = Some("fail");
        e
    }

    /// 31 IncomingOperationNotSupported.
    pub(crate) fn unsupported_operation(op: &str) -> AtolError {
        system(400, 31, format!("Операция \"{op}\" не поддерживается"))
    }

    /// 32 IncomingValidationException with the list of failing fields.
    pub(crate) fn validation(fields: &[String]) -> AtolError {
        AtolError::validation_text(format!(
            "Ошибка валидации входного чека. Ошибочные поля : {}",
            fields.join(", ")
        ))
    }

    /// 32 with a text of its own (the vat18 rule).
    pub(crate) fn validation_text(text: String) -> AtolError {
        let mut e = system(400, 32, text);
        e.status = Some("fail");
        e
    }

    /// 32 as `getToken` words it (A4 capture: «входящего», not «входного»).
    pub(crate) fn token_validation(fields: &[String]) -> AtolError {
        AtolError::validation_text(format!(
            "Ошибка валидации входящего чека. Ошибочные поля : {}",
            fields.join(", ")
        ))
    }

    /// 33 IncomingExternalIdAlreadyExists, carrying the original uuid.
    pub(crate) fn duplicate(external_id: &str, group: &str, uuid: String) -> AtolError {
        let mut e = system(
            400,
            33,
            format!("В системе существует чек с external_id : {external_id} и group_code: {group}"),
        );
        e.status = Some("wait");
        e.uuid = Some(uuid);
        e
    }

    /// 40 BadRequest (also: a body that is not a JSON object, a wrong method).
    pub(crate) fn bad_request() -> AtolError {
        system(400, 40, "Некорректный запрос")
    }

    /// 41 UnsupportedMediaType.
    pub(crate) fn media_type(content_type: &str) -> AtolError {
        system(
            415,
            41,
            format!("Некорректный Content-Type: {content_type}"),
        )
    }

    /// 50 ErrorServerConfiguration (the 500 fault).
    pub(crate) fn server_error() -> AtolError {
        system(500, 50, "Ошибка сервера. Обратитесь к Администратору")
    }

    /// The HTTP answer.
    pub(crate) fn reply(&self) -> Reply {
        let mut body = json!({
            "error": {
                "error_id": new_uuid(),
                "code": self.code,
                "text": self.text,
                "type": self.error_type,
            },
            "timestamp": atol_timestamp(now_msk()),
        });
        if let Some(status) = self.status {
            body["status"] = json!(status);
        }
        if let Some(uuid) = &self.uuid {
            body["uuid"] = json!(uuid);
        }
        Reply::json(self.http, body.to_string())
    }
}

/// Queue timeout (report `fail`, type `timeout`).
pub(crate) fn queue_timeout() -> DocError {
    DocError {
        code: 1,
        text: "Превышено время ожидания чека в очереди".into(),
        error_type: "timeout".into(),
    }
}

/// INN of the receipt ≠ INN of the group (report `fail`, code 2009, type `agent`; A4 wording).
pub(crate) fn inn_mismatch(inn: &str, group_inn: &str) -> DocError {
    DocError {
        code: 2009,
        text: format!(
            "ИНН, указанный в чеке {inn}, не соответствует ИНН группы касс {group_inn}. Попыток регистрировать чек не производилось."
        ),
        error_type: "agent".into(),
    }
}

/// A KKT (driver) error for the report.
pub(crate) fn kkt_error(code: i64) -> DocError {
    DocError {
        code,
        text: kkt_error_text(code).into(),
        error_type: "driver".into(),
    }
}

/// Texts of the KKT errors the emulator produces or that tests commonly script
/// (doc 5.15, §8.2 Table 7). Others: «Неизвестная ошибка» (015).
pub(crate) fn kkt_error_text(code: i64) -> &'static str {
    match code {
        1 => "Соединение не установлено",
        2 => "Нет связи",
        13 => "Некорректное значение параметра",
        16 => "Неверная цена (сумма)",
        17 => "Неверное количество",
        40 => "Переполнение буфера чека",
        52 => "Сумма не наличных платежей превышает сумму чека",
        63 => "Переполнение итога чека",
        66 => "Чек оплачен не полностью",
        68 => "Смена превысила 24 часа",
        73 => "Смена закрыта",
        104 => "Ошибка обмена с фискальным модулем",
        117 => "Неверное состояние ФН",
        128 => "Некорректная сумма налога",
        134 => "Превышение размеров TLV данных ФН",
        143 => "Некорректная СНО",
        144 => "Недопустимый номер ставки налога",
        145 => "Недопустимый тип оплаты товара",
        161 => "Не указаны обязательные реквизиты",
        216 => "Некорректный признак способа расчета",
        217 => "Некорректный признак предмета расчета",
        227 => "Неверный итог чека",
        228 => "Запрещена одновременная передача КМ и реквизита 1162",
        241 => "Соединение с ККТ потеряно",
        408 => "Переполнена таблица хранения КМ",
        409 => "Некорректный код маркировки",
        412 => "Некорректное значение единиц измерения",
        421 => "Истёк таймаут проверки КМ",
        _ => "Неизвестная ошибка",
    }
}
