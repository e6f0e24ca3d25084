//! Method arguments (1C values, read by [`crate::abi`]) → Rust strings, and name matching.

use addin1c::CStr1C;
use fiskal_json::{ApiError, Code, MAX_INPUT_LEN};
use serde_json::json;

use crate::abi::Arg;

/// The UTF-16 units of a platform string, without its NUL terminator.
pub(crate) fn units(s: &CStr1C) -> &[u16] {
    match s.split_last() {
        Some((0, rest)) => rest,
        _ => s,
    }
}

/// Whether two names are equal ignoring case (Cyrillic included): 1C:Enterprise's language is
/// case-insensitive, so `объект.вТЛВ(…)` must find `ВТЛВ`.
pub(crate) fn eq_ignore_case(a: &CStr1C, b: &CStr1C) -> bool {
    let a = String::from_utf16_lossy(units(a));
    let b = String::from_utf16_lossy(units(b));
    a == b || a.to_lowercase() == b.to_lowercase()
}

/// What a string parameter expects, for messages.
const STRING: (&str, &str) = ("строка", "a string");
/// What a number parameter expects, for messages.
const WHOLE: (&str, &str) = ("целое число от 0", "a whole number from 0");

/// The arguments of one call, with the method's names for messages.
pub(crate) struct Args<'a, 'b> {
    /// The method's Russian and English names.
    pub(crate) names: (&'static str, &'static str),
    /// The values the platform passed.
    pub(crate) values: &'a [Arg<'b>],
}

impl<'b> Args<'_, 'b> {
    /// A string argument (see [`text`]).
    pub(crate) fn text(&self, index: usize) -> Result<String, ApiError> {
        text(self.names, self.values, index)
    }

    /// An optional whole-number argument (see [`optional_u32`]).
    pub(crate) fn optional_u32(&self, index: usize) -> Result<Option<u32>, ApiError> {
        optional_u32(self.names, self.values, index)
    }

    /// The raw value of an argument.
    pub(crate) fn get(&self, index: usize) -> Option<Arg<'b>> {
        self.values.get(index).copied()
    }
}

/// The error for a parameter of the wrong type (`index` counts from 0).
pub(crate) fn wrong_type(
    (method_ru, method_en): (&str, &str),
    index: usize,
    value: &Arg<'_>,
    (want_ru, want_en): (&str, &str),
) -> ApiError {
    let (ru, en) = value.type_name();
    let n = index + 1;
    ApiError::with_messages(
        Code::InvalidArgument,
        format!(
            "параметр {n} метода {method_ru}: ожидается {want_ru}, получено значение типа {ru}"
        ),
        format!("parameter {n} of {method_en}: expected {want_en}, got a value of type {en}"),
    )
    .details(json!({"parameter": n, "type": en}))
}

/// A string argument: a 1C `Строка`, or `ДвоичныеДанные` holding UTF-8 text (a JSON file read
/// with `Новый ДвоичныеДанные(ИмяФайла)`).
fn text(method: (&str, &str), args: &[Arg<'_>], index: usize) -> Result<String, ApiError> {
    let Some(arg) = args.get(index) else {
        return Err(missing(method, index));
    };
    match *arg {
        Arg::Str(units) => utf16_to_string(units),
        Arg::Dangling { .. } => Err(dangling(method, index, arg)),
        Arg::Blob(bytes) => {
            if bytes.len() > MAX_INPUT_LEN {
                return Err(ApiError::new(Code::InputTooLarge));
            }
            String::from_utf8(bytes.to_vec()).map_err(|e| {
                ApiError::new(Code::InvalidUtf8)
                    .details(json!({"offset": e.utf8_error().valid_up_to()}))
            })
        }
        other => Err(wrong_type(method, index, &other, STRING)),
    }
}

/// An optional non-negative whole-number argument (`Неопределено` or absent: `None`).
fn optional_u32(
    method: (&str, &str),
    args: &[Arg<'_>],
    index: usize,
) -> Result<Option<u32>, ApiError> {
    let Some(&value) = args.get(index) else {
        return Ok(None);
    };
    match value {
        Arg::Empty => Ok(None),
        Arg::I32(n) => u32::try_from(n)
            .map(Some)
            .map_err(|_| wrong_type(method, index, &value, WHOLE)),
        Arg::F64(f) if f.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&f) => {
            // In range and whole: the conversion is exact.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Ok(Some(f as u32))
        }
        _ => Err(wrong_type(method, index, &value, WHOLE)),
    }
}

/// The error for a string or binary argument whose data pointer is NULL while its length is
/// not 0 (`index` counts from 0): the platform passed no data to read.
pub(crate) fn dangling(
    (method_ru, method_en): (&str, &str),
    index: usize,
    value: &Arg<'_>,
) -> ApiError {
    let (ru, en) = value.type_name();
    let len = match value {
        Arg::Dangling { len, .. } => *len,
        _ => 0,
    };
    let n = index + 1;
    ApiError::with_messages(
        Code::InvalidArgument,
        format!(
            "параметр {n} метода {method_ru}: значение типа {ru} длиной {len} без данных (указатель NULL)"
        ),
        format!(
            "parameter {n} of {method_en}: a {en} value of length {len} without data (a NULL pointer)"
        ),
    )
    .details(json!({"parameter": n, "type": en, "len": len, "data": null}))
}

/// The error for a missing parameter (the platform always passes `GetNParams` values; a host
/// that does not is answered, not trusted).
fn missing((method_ru, method_en): (&str, &str), index: usize) -> ApiError {
    let n = index + 1;
    ApiError::with_messages(
        Code::InvalidArgument,
        format!("метод {method_ru}: не передан параметр {n}"),
        format!("{method_en}: parameter {n} is missing"),
    )
    .details(json!({"parameter": n}))
}

/// 1C text (UTF-16, possibly with lone surrogates) → a Rust string.
pub(crate) fn utf16_to_string(units: &[u16]) -> Result<String, ApiError> {
    // Each UTF-16 unit is at least one UTF-8 byte: refuse before converting.
    if units.len() > MAX_INPUT_LEN {
        return Err(ApiError::new(Code::InputTooLarge));
    }
    String::from_utf16(units).map_err(|_| {
        let at = char::decode_utf16(units.iter().copied())
            .take_while(Result::is_ok)
            .map(|c| c.map_or(1, char::len_utf16))
            .sum::<usize>();
        ApiError::with_messages(
            Code::InvalidUtf8,
            format!("строка содержит непарный суррогат UTF-16 (позиция {at})"),
            format!("the string contains an unpaired UTF-16 surrogate (position {at})"),
        )
        .details(json!({"offset": at}))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_ignoring_case() {
        let a = addin1c::name!("ВТЛВ");
        let b = addin1c::name!("втлв");
        let c = addin1c::name!("ToTlv");
        assert!(eq_ignore_case(a, b));
        assert!(!eq_ignore_case(a, c));
        assert_eq!(units(c).len(), 5);
    }

    #[test]
    fn lone_surrogate_is_an_error() {
        let e = utf16_to_string(&[0x41, 0xD800, 0x42]).expect_err("lone surrogate");
        assert_eq!(e.code, Code::InvalidUtf8);
        assert_eq!(e.details, Some(json!({"offset": 1})));
        assert_eq!(utf16_to_string(&[0x41, 0x42]).expect("ascii"), "AB");
    }
}
