//! The one error type of fiskal-json, and how every core error maps onto it.

use crate::code::Code;
use fiskal_calc::CalcError;
use fiskal_ffd::tlv::{DecodeError, DecodeErrorKind};
use fiskal_ffd::Violation;
use fiskal_marks::MarkError;
use serde::Serialize;
use serde_json::{json, Value};

/// Why an operation failed: a stable [`Code`], where (a JSON path into the input), messages in
/// Russian and English, and machine-readable details.
///
/// Serialised (`to_json`) as
/// `{"code": 2000, "name": "receipt_invalid", "path": null, "message_ru": "…", "message_en": "…",
/// "details": […]}`. The messages are for people and are **not** a stable contract: match on
/// `code` (and on the violation numbers in `details` for code 2000). Messages never contain
/// secrets: they quote only the caller's own input and the library's limits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiError {
    /// What went wrong.
    pub code: Code,
    /// Where in the input, as a JSON path (`receipt.items[2].price`, `hex`); `None` when the
    /// error is about the input as a whole.
    ///
    /// For a JSON syntax error (102: the text breaks off, a stray character) the path is the
    /// innermost value that was being read when the text stopped making sense (`receipt.items[0]`
    /// for `{"receipt": {"items": [{"name": "Чай"`), `None` if that is the document itself; the
    /// exact place is `details.line` and `details.column` (1-based). It never holds a segment
    /// that could not be named.
    pub path: Option<String>,
    /// The message in Russian.
    pub message_ru: String,
    /// The message in English.
    pub message_en: String,
    /// Machine-readable details: for 2000 the array of every violation
    /// (`{"code": 2007, "name": "inn_check_digit", "path": "company.inn", "message_ru", "message_en"}`),
    /// for 4xxx `{"reason", "position"}`, for 5xxx `{"reason", "offset", "tag"}`, for 3xxx
    /// `{"reason", …the numbers involved}`.
    pub details: Option<Value>,
}

impl ApiError {
    /// An error with the generic messages of its code.
    pub fn new(code: Code) -> ApiError {
        ApiError {
            code,
            path: None,
            message_ru: code.message_ru().to_owned(),
            message_en: code.message_en().to_owned(),
            details: None,
        }
    }

    /// An error with its own messages.
    pub fn with_messages(
        code: Code,
        message_ru: impl Into<String>,
        message_en: impl Into<String>,
    ) -> ApiError {
        ApiError {
            code,
            path: None,
            message_ru: message_ru.into(),
            message_en: message_en.into(),
            details: None,
        }
    }

    /// The same error about `path`.
    #[must_use]
    pub fn at(mut self, path: impl Into<String>) -> ApiError {
        self.path = Some(path.into());
        self
    }

    /// The same error about `path`, unless `path` is empty (the input as a whole). Segments a
    /// parser could not name (`?`, as in `receipt.?` when the text breaks off inside `receipt`)
    /// are dropped: the path then names the innermost value it could.
    #[must_use]
    pub fn at_nonempty(self, path: String) -> ApiError {
        let path = named_segments(&path);
        if path.is_empty() {
            self
        } else {
            self.at(path)
        }
    }

    /// The same error with details.
    #[must_use]
    pub fn details(mut self, details: Value) -> ApiError {
        self.details = Some(details);
        self
    }

    /// The error as one JSON object (see the type docs for the shape). The `name` key is the
    /// code's snake_case name.
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Out<'a> {
            code: u32,
            name: &'static str,
            path: &'a Option<String>,
            message_ru: &'a str,
            message_en: &'a str,
            details: &'a Option<Value>,
        }
        serde_json::to_string(&Out {
            code: self.code.number(),
            name: self.code.name(),
            path: &self.path,
            message_ru: &self.message_ru,
            message_en: &self.message_en,
            details: &self.details,
        })
        // Strings, numbers and JSON values only: this cannot fail; keep a valid document anyway.
        .unwrap_or_else(|_| {
            format!(
                "{{\"code\":{},\"name\":\"{}\"}}",
                self.code.number(),
                self.code.name()
            )
        })
    }

    /// An invalid receipt: code 2000 with every violation in `details`.
    pub fn invalid(violations: &[Violation]) -> ApiError {
        let n = violations.len();
        let first = violations.first();
        let where_ = |v: &Violation| {
            if v.path.is_empty() {
                String::new()
            } else {
                format!("{}: ", v.path)
            }
        };
        let (ru, en) = match first {
            Some(v) => (
                format!(
                    "чек не прошёл проверку ({n} ош.); первая: {}{}",
                    where_(v),
                    v.message_ru()
                ),
                format!(
                    "the receipt is invalid ({n} problem(s)); first: {}{}",
                    where_(v),
                    v.message_en()
                ),
            ),
            None => (
                Code::ReceiptInvalid.message_ru().to_owned(),
                Code::ReceiptInvalid.message_en().to_owned(),
            ),
        };
        ApiError::with_messages(Code::ReceiptInvalid, ru, en).details(Value::Array(
            violations.iter().map(violation_json).collect(),
        ))
    }

    /// Prefixes the path with `prefix` (`receipt` + `items[0]` = `receipt.items[0]`).
    #[must_use]
    pub fn under(mut self, prefix: &str) -> ApiError {
        self.path = Some(match self.path.take() {
            None => prefix.to_owned(),
            Some(p) if p.is_empty() => prefix.to_owned(),
            Some(p) if p.starts_with('[') => format!("{prefix}{p}"),
            Some(p) => format!("{prefix}.{p}"),
        });
        self
    }
}

impl ApiError {
    /// Turns a fiskal-calc path (relative to its arguments: `input`, `items[3].sum`,
    /// `exclusions.indices[0]`) into a path into the operation's input envelope
    /// (`receipt`, `receipt.items[3].sum`, `exclude[0]`); other paths (`parts[1]`, `result`)
    /// are kept.
    #[must_use]
    pub(crate) fn under_calc(mut self) -> ApiError {
        self.path = self.path.map(|p| {
            if p == "input" {
                "receipt".to_owned()
            } else if p.starts_with("items[") {
                format!("receipt.{p}")
            } else if let Some(rest) = p.strip_prefix("exclusions.indices") {
                format!("exclude{rest}")
            } else {
                p
            }
        });
        self
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.path {
            Some(p) => write!(
                f,
                "{} [{}] at `{p}`: {}",
                self.code.number(),
                self.code.name(),
                self.message_en
            ),
            None => write!(
                f,
                "{} [{}]: {}",
                self.code.number(),
                self.code.name(),
                self.message_en
            ),
        }
    }
}

impl std::error::Error for ApiError {}

/// `path` without its unnamed segments (`?`, serde_path_to_error's mark for a place it could
/// not name): `receipt.?` → `receipt`, `items[0].?` → `items[0]`, `?` → `` (the document).
fn named_segments(path: &str) -> String {
    if !path.split('.').any(|s| s == "?") {
        return path.to_owned();
    }
    path.split('.')
        .filter(|s| *s != "?")
        .collect::<Vec<_>>()
        .join(".")
}

/// One violation as JSON: its own number (2001–2034), name, path and both messages.
pub fn violation_json(v: &Violation) -> Value {
    json!({
        "code": v.kind.number(),
        "name": v.code(),
        "path": v.path,
        "message_ru": v.message_ru(),
        "message_en": v.message_en(),
    })
}

impl From<fiskal_ffd::Error> for ApiError {
    fn from(e: fiskal_ffd::Error) -> ApiError {
        use fiskal_ffd::Error as E;
        match e {
            E::Json {
                path,
                line,
                column,
                message,
            } => ApiError::with_messages(
                Code::InvalidJson,
                format!("ошибка JSON (строка {line}, столбец {column}): {message}"),
                format!("JSON error (line {line}, column {column}): {message}"),
            )
            .at_nonempty(path)
            .details(json!({"line": line, "column": column})),
            E::Invalid(violations) => ApiError::invalid(&violations),
            E::Decode(d) => ApiError::from(d),
            E::TooLong { tag, len } => ApiError::with_messages(
                Code::TlvValueTooLong,
                format!("реквизит {tag}: значение {len} байт не помещается в TLV (не более 65535)"),
                format!("tag {tag}: a value of {len} bytes does not fit a TLV (at most 65535)"),
            )
            .details(json!({"tag": tag.0, "len": len})),
            E::Document { path, tag, message } => ApiError::with_messages(
                Code::TlvNotAReceipt,
                format!("документ TLV не читается как чек: {message}"),
                format!("the TLV document cannot be read as a receipt: {message}"),
            )
            .at_nonempty(path)
            .details(json!({"tag": tag.map(|t| t.0)})),
            other => ApiError::with_messages(
                Code::Internal,
                Code::Internal.message_ru(),
                format!("internal error: {other}"),
            ),
        }
    }
}

/// The code of a TLV decode error kind.
pub fn decode_code(kind: &DecodeErrorKind) -> Code {
    match kind {
        DecodeErrorKind::TruncatedHeader { .. } => Code::TlvTruncatedHeader,
        DecodeErrorKind::LengthPastEnd { .. } => Code::TlvLengthPastEnd,
        DecodeErrorKind::WrongWidth { .. } => Code::TlvWrongWidth,
        DecodeErrorKind::VlnTooWide { .. } => Code::TlvVlnTooWide,
        DecodeErrorKind::BadFvln { .. } => Code::TlvBadFvln,
        DecodeErrorKind::TooDeep => Code::TlvTooDeep,
        DecodeErrorKind::TrailingData { .. } => Code::TlvTrailingData,
        DecodeErrorKind::Tainted => Code::TlvTainted,
        _ => Code::TlvOther,
    }
}

impl From<DecodeError> for ApiError {
    fn from(e: DecodeError) -> ApiError {
        let code = decode_code(&e.kind);
        let tag = e.tag.map(|t| t.0);
        let at = match tag {
            Some(t) => format!(" (реквизит {t})"),
            None => String::new(),
        };
        ApiError::with_messages(
            code,
            format!(
                "ошибка разбора TLV в байте {}{at}: {}",
                e.offset,
                code.message_ru()
            ),
            e.to_string(),
        )
        .details(json!({"reason": e.kind.code(), "offset": e.offset, "tag": tag}))
        .with_trailing(e.trailing.as_ref())
    }
}

impl ApiError {
    /// For a 5007 error: what was read before the trailing bytes (`first_tag`, `first_len`,
    /// `looks_like_bare_list`), and the advice in Russian too.
    fn with_trailing(mut self, t: Option<&fiskal_ffd::tlv::Trailing>) -> ApiError {
        let Some(t) = t else { return self };
        if let Some(Value::Object(m)) = &mut self.details {
            m.insert("first_tag".into(), json!(t.first_tag.0));
            m.insert("first_len".into(), json!(t.first_len));
            m.insert(
                "looks_like_bare_list".into(),
                json!(t.looks_like_bare_list()),
            );
        }
        if t.looks_like_bare_list() {
            self.message_ru.push_str(&format!(
                ": в начале полный реквизит {} длиной {} байт, за ним ещё реквизиты — это похоже \
                 на список реквизитов без конверта документа; передайте bare: true",
                t.first_tag, t.first_len
            ));
        }
        self
    }
}

/// The code of a mark error.
pub fn mark_code(e: &MarkError) -> Code {
    match e {
        MarkError::Empty => Code::MarkEmpty,
        MarkError::TooLong { .. } => Code::MarkTooLong,
        MarkError::UnexpectedChar { .. } => Code::MarkUnexpectedChar,
        MarkError::RussianKeyboardLayout { .. } => Code::MarkRussianKeyboardLayout,
        MarkError::BadCheckDigit { .. } => Code::MarkBadCheckDigit,
        MarkError::Truncated { .. } => Code::MarkTruncated,
        MarkError::UnknownAi { .. } => Code::MarkUnknownAi,
        MarkError::DuplicateAi { .. } => Code::MarkDuplicateAi,
        MarkError::MissingAi { .. } => Code::MarkMissingAi,
        MarkError::BadLength { .. } => Code::MarkBadLength,
        MarkError::MissingSeparator { .. } => Code::MarkMissingSeparator,
        MarkError::AmbiguousSeparator { .. } => Code::MarkAmbiguousSeparator,
        MarkError::UnrecognizedFormat { .. } => Code::MarkUnrecognizedFormat,
        MarkError::NotEncodable { .. } => Code::MarkNotEncodable,
        _ => Code::MarkOther,
    }
}

impl From<MarkError> for ApiError {
    fn from(e: MarkError) -> ApiError {
        let code = mark_code(&e);
        let ru = match e.position() {
            Some(p) => format!("{} (символ {p})", code.message_ru()),
            None => code.message_ru().to_owned(),
        };
        ApiError::with_messages(code, ru, e.to_string())
            .details(json!({"reason": e.code(), "position": e.position()}))
    }
}

/// The code of a calculation error (`Invalid` is a receipt error: 2000).
pub fn calc_code(e: &CalcError) -> Code {
    match e {
        CalcError::Money { .. } => Code::CalcMoney,
        CalcError::Overflow { .. } => Code::CalcOverflow,
        CalcError::QuantityNotPositive { .. } => Code::CalcQuantityNotPositive,
        CalcError::QuantityScale { .. } => Code::CalcQuantityScale,
        CalcError::UnknownVatRate { .. } => Code::CalcUnknownVatRate,
        CalcError::BadPercent { .. } => Code::CalcBadPercent,
        CalcError::DiscountTooLarge { .. } => Code::CalcDiscountTooLarge,
        CalcError::TargetBelowExcluded { .. } => Code::CalcTargetBelowExcluded,
        CalcError::NothingEligible { .. } => Code::CalcNothingEligible,
        CalcError::ZeroTotal { .. } => Code::CalcZeroTotal,
        CalcError::IndexOutOfRange { .. } => Code::CalcIndexOutOfRange,
        CalcError::LineUnpriceable { .. } => Code::CalcLineUnpriceable,
        CalcError::MarkedLineSplit { .. } => Code::CalcMarkedLineSplit,
        CalcError::PaymentsMismatch { .. } => Code::CalcPaymentsMismatch,
        CalcError::HeaderTooLarge { .. } => Code::CalcHeaderTooLarge,
        CalcError::ItemTooLarge { .. } => Code::CalcItemTooLarge,
        CalcError::ProviderLimit { .. } => Code::CalcProviderLimit,
        CalcError::Encode { .. } => Code::CalcEncode,
        CalcError::Invalid { .. } => Code::ReceiptInvalid,
        CalcError::WrongKind { .. } => Code::CalcWrongKind,
        CalcError::PrepaidExceedsTotal { .. } => Code::CalcPrepaidExceedsTotal,
        CalcError::RefundQuantity { .. } => Code::CalcRefundQuantity,
        CalcError::InvalidDate { .. } => Code::CalcInvalidDate,
        _ => Code::CalcOther,
    }
}

/// The path a calculation error names, if any.
fn calc_path(e: &CalcError) -> Option<String> {
    match e {
        CalcError::Money { path, .. }
        | CalcError::Overflow { path }
        | CalcError::QuantityNotPositive { path }
        | CalcError::QuantityScale { path, .. }
        | CalcError::UnknownVatRate { path, .. }
        | CalcError::BadPercent { path, .. }
        | CalcError::ZeroTotal { path }
        | CalcError::IndexOutOfRange { path, .. }
        | CalcError::LineUnpriceable { path, .. }
        | CalcError::MarkedLineSplit { path }
        | CalcError::PaymentsMismatch { path, .. }
        | CalcError::ItemTooLarge { path, .. }
        | CalcError::ProviderLimit { path, .. }
        | CalcError::Encode { path, .. }
        | CalcError::Invalid { path, .. }
        | CalcError::WrongKind { path, .. }
        | CalcError::RefundQuantity { path, .. } => Some(path.clone()),
        _ => None,
    }
}

/// The numbers a calculation error carries, as JSON (kopecks unless named otherwise).
fn calc_numbers(e: &CalcError) -> Value {
    match e {
        CalcError::QuantityScale { max, actual, .. } => json!({"max": max, "actual": actual}),
        CalcError::UnknownVatRate { code, .. } => json!({"vat_code": code}),
        CalcError::BadPercent { percent, .. } => json!({"percent": percent}),
        CalcError::DiscountTooLarge { discount, eligible } => {
            json!({"discount": discount, "eligible": eligible})
        }
        CalcError::TargetBelowExcluded { target, excluded } => {
            json!({"target": target, "excluded": excluded})
        }
        CalcError::NothingEligible { amount } => json!({"amount": amount}),
        CalcError::IndexOutOfRange { index, len, .. } => json!({"index": index, "len": len}),
        CalcError::LineUnpriceable {
            sum,
            quantity,
            best_diff,
            ..
        } => json!({"sum": sum, "quantity": quantity, "best_diff": best_diff}),
        CalcError::PaymentsMismatch {
            expected, actual, ..
        } => json!({"expected": expected, "actual": actual}),
        CalcError::HeaderTooLarge { size, budget }
        | CalcError::ItemTooLarge { size, budget, .. } => {
            json!({"size": size, "budget": budget})
        }
        CalcError::ProviderLimit {
            limit, max, actual, ..
        } => json!({"limit": limit, "max": max, "actual": actual}),
        CalcError::PrepaidExceedsTotal { prepaid, total } => {
            json!({"prepaid": prepaid, "total": total})
        }
        CalcError::RefundQuantity {
            requested,
            available,
            ..
        } => json!({"requested": requested, "available": available}),
        _ => json!({}),
    }
}

impl From<CalcError> for ApiError {
    fn from(e: CalcError) -> ApiError {
        if let CalcError::Invalid { path, violations } = &e {
            return ApiError::invalid(violations).at(path.clone());
        }
        let code = calc_code(&e);
        let mut details = calc_numbers(&e);
        if let Value::Object(m) = &mut details {
            m.insert("reason".into(), Value::from(e.code()));
        }
        let mut err =
            ApiError::with_messages(code, code.message_ru(), e.to_string()).details(details);
        err.path = calc_path(&e);
        err
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unnamed_segments_are_dropped() {
        let e = ApiError::new(Code::InvalidJson).at_nonempty("?".to_owned());
        assert_eq!(e.path, None);
        let e = ApiError::new(Code::InvalidJson).at_nonempty("receipt.items[0].?".to_owned());
        assert_eq!(e.path.as_deref(), Some("receipt.items[0]"));
        let e = ApiError::new(Code::InvalidJson).at_nonempty("items[1].name".to_owned());
        assert_eq!(e.path.as_deref(), Some("items[1].name"));
    }

    #[test]
    fn truncated_json_names_where_it_broke_off() {
        // Issue 23: a truncated document gave `"path": "?"`.
        let e = crate::to_tlv("{").expect_err("truncated");
        assert_eq!(e.code, Code::InvalidJson);
        assert_eq!(e.path, None, "the document itself");
        assert_eq!(e.details, Some(json!({"line": 1, "column": 1})));
        let v: serde_json::Value = serde_json::from_str(&e.to_json()).expect("json");
        assert!(v["path"].is_null(), "{v}");
        let e = crate::to_tlv(r#"{"version": 1, "items": [{"name": "Чай""#).expect_err("truncated");
        assert_eq!(e.code, Code::InvalidJson);
        assert_eq!(e.path.as_deref(), Some("items[0]"), "{:?}", e.details);
    }

    #[test]
    fn under_joins_paths() {
        let e = ApiError::new(Code::InvalidJson)
            .at("items[0].price")
            .under("receipt");
        assert_eq!(e.path.as_deref(), Some("receipt.items[0].price"));
        let e = ApiError::new(Code::InvalidJson).under("receipt");
        assert_eq!(e.path.as_deref(), Some("receipt"));
    }

    #[test]
    fn json_shape() {
        let v: Value = serde_json::from_str(&ApiError::new(Code::Panic).to_json()).expect("json");
        assert_eq!(v["code"], 104);
        assert_eq!(v["name"], "panic");
        assert!(v["path"].is_null() && v["details"].is_null());
        assert!(v["message_ru"].is_string() && v["message_en"].is_string());
    }
}
