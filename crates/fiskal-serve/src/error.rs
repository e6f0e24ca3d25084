//! Errors: [`ServeError`] (starting the gateway) and the JSON error answers of the HTTP API.
//!
//! Every error answer is fiskal-json's error object (`code`, `name`, `path`, `message_ru`,
//! `message_en`, `details`, as the C ABI returns it) plus `message`, the text in the language
//! the client asked for with `Accept-Language` (Russian unless English is preferred). The codes
//! are fiskal-json's [`Code`]s; what only HTTP has (no or a wrong token, no such route, the
//! gateway not ready) gets a [`GatewayCode`] in 8000–8099, a range fiskal-json does not use.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use fiskal_json::{ApiError, Code};
use serde_json::{json, Value};

/// Why the gateway could not start. `Display` texts are for people, not a contract; they never
/// contain a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The outbox could not be opened (settings, journal): fiskal-json's error with its code.
    #[error("outbox: {0}")]
    Outbox(ApiError),
    /// The bearer token is missing, unreadable or too weak; `source` says where it was looked
    /// for (a file path or an environment variable name), never its value.
    #[error("token ({source_name}): {problem}")]
    Token {
        /// The file path or the environment variable the token was read from.
        source_name: String,
        /// What is wrong.
        problem: String,
    },
    /// The listening socket could not be opened or served.
    #[error("listen on {addr}: {message}")]
    Listen {
        /// The address.
        addr: String,
        /// The system's words.
        message: String,
    },
    /// The TLS certificate or key could not be read or used; `file` names it, never its
    /// content.
    #[error("TLS ({file}): {problem}")]
    Tls {
        /// The certificate or key file (or what stands for it).
        file: String,
        /// What is wrong.
        problem: String,
    },
    /// The metrics registry refused a metric (a bug; not expected).
    #[error("metrics: {0}")]
    Metrics(String),
}

/// One table drives the gateway's codes: the enum, [`GatewayCode::ALL`], the number, the name,
/// the HTTP status and both messages. `scripts/book-tables` reads the same rows (the
/// `gateway_codes!` invocation below) into the book's code tables
/// (`book/ru/src/errors/codes.md`, `book/en/src/codes.md`), and `tests/codes.rs` fails when a
/// code is missing there or in `docs/gateway.md`.
macro_rules! gateway_codes {
    ($( $(#[$doc:meta])* $variant:ident = $n:literal, $name:literal, $status:ident,
        $ru:literal, $en:literal; )*) => {
        /// The gateway's own error codes (8000–8099): what only an HTTP service has (no or a
        /// wrong token, no such route, the gateway not ready). fiskal-json's result codes do
        /// not use this range, so a client tells them apart by number alone; the C ABI and the
        /// bindings never return them. Numbers are never reused.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum GatewayCode {
            $( $(#[$doc])* $variant, )*
        }

        impl GatewayCode {
            /// Every gateway code, in numeric order.
            pub const ALL: &'static [GatewayCode] = &[ $( GatewayCode::$variant, )* ];

            /// The number.
            pub fn number(self) -> u32 {
                match self { $( GatewayCode::$variant => $n, )* }
            }

            /// The snake_case name.
            pub fn name(self) -> &'static str {
                match self { $( GatewayCode::$variant => $name, )* }
            }

            /// A short generic description in Russian (what the answer's `message_ru` says).
            pub fn message_ru(self) -> &'static str {
                match self { $( GatewayCode::$variant => $ru, )* }
            }

            /// A short generic description in English (the answer's `message_en`).
            pub fn message_en(self) -> &'static str {
                match self { $( GatewayCode::$variant => $en, )* }
            }

            /// The HTTP status it is answered with.
            pub fn status(self) -> StatusCode {
                match self { $( GatewayCode::$variant => StatusCode::$status, )* }
            }
        }
    };
}

gateway_codes! {
    /// 8001: no bearer token, or not the right one (401). The message says nothing about
    /// which: no token and a wrong token read the same.
    Unauthorized = 8001, "unauthorized", UNAUTHORIZED,
        "нужен верный токен доступа", "a valid bearer token is required";
    /// 8002: no such route (404).
    NoRoute = 8002, "no_route", NOT_FOUND,
        "нет такого адреса", "no such route";
    /// 8003: the route exists but not with this method (405).
    MethodNotAllowed = 8003, "method_not_allowed", METHOD_NOT_ALLOWED,
        "метод не допускается для этого адреса", "method not allowed for this route";
    /// 8004: the request took longer than the gateway's request timeout (503).
    Timeout = 8004, "timeout", SERVICE_UNAVAILABLE,
        "запрос не выполнен вовремя", "the request took too long";
    /// 8005: the gateway is not ready (`/readyz`: 503).
    NotReady = 8005, "not_ready", SERVICE_UNAVAILABLE,
        "шлюз не готов", "the gateway is not ready";
    /// 8006: the token is right but lacks the route's role (403).
    Forbidden = 8006, "forbidden", FORBIDDEN,
        "у этого токена нет прав на это действие", "this token is not allowed to do this";
}

/// The language of a client's messages, from `Accept-Language`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Russian (the default).
    #[default]
    Ru,
    /// English.
    En,
}

impl Lang {
    /// The language `Accept-Language` prefers among Russian and English (by q-value, the
    /// first listed on a tie); Russian when it names neither.
    pub fn from_headers(headers: &HeaderMap) -> Lang {
        let Some(v) = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
        else {
            return Lang::Ru;
        };
        let mut best: Option<(u32, Lang)> = None;
        for part in v.split(',') {
            let mut it = part.split(';');
            let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
            let lang = if tag == "ru" || tag.starts_with("ru-") {
                Lang::Ru
            } else if tag == "en" || tag.starts_with("en-") {
                Lang::En
            } else {
                continue;
            };
            // q in thousandths, parsed without floats: "q=0.8" → 800.
            let q = it
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(1000, parse_q);
            if q > 0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::Ru, |(_, l)| l)
    }

    /// The `Content-Language` value.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }
}

/// A q-value (`1`, `0.8`, `0.125`) in thousandths; 0 for anything else.
fn parse_q(s: &str) -> u32 {
    let s = s.trim();
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let whole = match int {
        "1" => 1000,
        "0" => 0,
        _ => return 0,
    };
    let mut thousandths = 0u32;
    let mut scale = 100u32;
    for c in frac.chars().take(3) {
        let Some(d) = c.to_digit(10) else { return 0 };
        thousandths += d * scale;
        scale /= 10;
    }
    (whole + thousandths).min(1000)
}

/// The HTTP status of a fiskal-json error code.
pub fn status_of(code: Code) -> StatusCode {
    let n = code.number();
    match code {
        Code::InputTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Code::OutboxNotFound => StatusCode::NOT_FOUND,
        Code::OutboxKeyConflict | Code::OutboxActionNotAllowed | Code::OutboxConflict => {
            StatusCode::CONFLICT
        }
        Code::ReceiptInvalid | Code::OutboxInvalidReceipt | Code::ProviderInvalidReceipt => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Code::OutboxBusy
        | Code::OutboxReadOnly
        | Code::OutboxDiskFull
        | Code::OutboxOpen
        | Code::OutboxDatabase
        | Code::OutboxPoisoned
        | Code::OutboxCorrupt
        | Code::OutboxSchemaTooNew => StatusCode::SERVICE_UNAVAILABLE,
        Code::Panic | Code::Internal | Code::OutboxOther | Code::OutboxUnknownOutcome => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
        // Calculations, marks and TLV: well-formed input whose content cannot be used.
        _ if (3000..6000).contains(&n) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// Whether a code means the journal failed (for the `fiskal_store_errors_total` metric).
pub fn is_store_error(code: Code) -> bool {
    matches!(
        code,
        Code::OutboxBusy
            | Code::OutboxReadOnly
            | Code::OutboxDiskFull
            | Code::OutboxOpen
            | Code::OutboxDatabase
            | Code::OutboxPoisoned
            | Code::OutboxCorrupt
    )
}

/// An error answer: a status and the error object (module docs), in the client's language.
#[derive(Debug)]
pub struct HttpError {
    status: StatusCode,
    body: Value,
    lang: Lang,
    www_authenticate: bool,
}

impl HttpError {
    /// A fiskal-json error, with the status [`status_of`] its code.
    pub fn api(e: &ApiError, lang: Lang) -> HttpError {
        let mut body: Value = serde_json::from_str(&e.to_json())
            .unwrap_or_else(|_| json!({"code": e.code.number(), "name": e.code.name()}));
        let msg = match lang {
            Lang::Ru => e.message_ru.clone(),
            Lang::En => e.message_en.clone(),
        };
        if let Value::Object(m) = &mut body {
            m.insert("message".into(), Value::String(msg));
        }
        HttpError {
            status: status_of(e.code),
            body,
            lang,
            www_authenticate: false,
        }
    }

    /// A gateway error.
    pub fn gateway(code: GatewayCode, lang: Lang) -> HttpError {
        let (ru, en) = (code.message_ru(), code.message_en());
        HttpError {
            status: code.status(),
            body: json!({
                "code": code.number(), "name": code.name(), "path": null,
                "message_ru": ru, "message_en": en,
                "details": null,
                "message": match lang { Lang::Ru => ru, Lang::En => en },
            }),
            lang,
            www_authenticate: code == GatewayCode::Unauthorized,
        }
    }

    /// The same error answered with another status (e.g. 422 where the code's own
    /// [`status_of`] is 400 but the input was well-formed JSON whose content cannot be used).
    pub fn with_status(mut self, status: StatusCode) -> HttpError {
        self.status = status;
        self
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let mut r = (self.status, axum::Json(self.body)).into_response();
        r.headers_mut().insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(self.lang.tag()),
        );
        if self.www_authenticate {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"fiskal\""),
            );
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(v: &str) -> Lang {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_str(v).expect("header"),
        );
        Lang::from_headers(&h)
    }

    #[test]
    fn accept_language_picks_by_q() {
        assert_eq!(Lang::from_headers(&HeaderMap::new()), Lang::Ru);
        assert_eq!(lang("en"), Lang::En);
        assert_eq!(lang("en-US,en;q=0.9"), Lang::En);
        assert_eq!(lang("ru-RU,ru;q=0.9,en-US;q=0.8"), Lang::Ru);
        assert_eq!(lang("de, en;q=0.5, ru;q=0.4"), Lang::En);
        assert_eq!(lang("ru;q=0.3, en;q=0.7"), Lang::En);
        assert_eq!(lang("en;q=0, ru;q=0.1"), Lang::Ru);
        assert_eq!(lang("fr"), Lang::Ru);
        assert_eq!(parse_q("0.125"), 125);
        assert_eq!(parse_q("2"), 0);
    }

    #[test]
    fn statuses() {
        assert_eq!(status_of(Code::InvalidJson), StatusCode::BAD_REQUEST);
        assert_eq!(status_of(Code::OutboxKeyConflict), StatusCode::CONFLICT);
        assert_eq!(
            status_of(Code::OutboxInvalidReceipt),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            status_of(Code::MarkBadCheckDigit),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            status_of(Code::OutboxDiskFull),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            status_of(Code::InputTooLarge),
            StatusCode::PAYLOAD_TOO_LARGE
        );
        let mut n: Vec<u32> = GatewayCode::ALL.iter().map(|c| c.number()).collect();
        n.dedup();
        assert_eq!(n.len(), GatewayCode::ALL.len());
        for c in GatewayCode::ALL {
            assert!(
                Code::from_u32(c.number()).is_none(),
                "{c:?} collides with fiskal-json"
            );
        }
    }
}
