//! Reading operation inputs: the size limit, envelopes with JSON paths in errors, the
//! `"version"` check.

use crate::code::Code;
use crate::error::ApiError;
use crate::{MAX_INPUT_LEN, SCHEMA_VERSION};
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// Fails with [`Code::InputTooLarge`] above [`MAX_INPUT_LEN`].
pub(crate) fn check_len(input: &str) -> Result<(), ApiError> {
    if input.len() > MAX_INPUT_LEN {
        return Err(ApiError::with_messages(
            Code::InputTooLarge,
            format!(
                "входные данные {} байт, допускается не более {MAX_INPUT_LEN}",
                input.len()
            ),
            format!(
                "the input is {} bytes, at most {MAX_INPUT_LEN} allowed",
                input.len()
            ),
        )
        .details(serde_json::json!({"len": input.len(), "max": MAX_INPUT_LEN})));
    }
    Ok(())
}

/// A JSON error at `path` (empty: the document as a whole).
pub(crate) fn json_error(path: String, e: &serde_json::Error) -> ApiError {
    let (line, column) = (e.line(), e.column());
    ApiError::with_messages(
        Code::InvalidJson,
        format!("ошибка JSON (строка {line}, столбец {column}): {e}"),
        format!("JSON error (line {line}, column {column}): {e}"),
    )
    .at_nonempty(path)
    .details(serde_json::json!({"line": line, "column": column}))
}

/// Deserialises `text` as `T`; errors name the JSON path of the field.
pub(crate) fn parse<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let v: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        json_error(path, e.inner())
    })?;
    de.end().map_err(|e| json_error(String::new(), &e))?;
    Ok(v)
}

/// Parses an envelope (an operation input with `"version"`): a document of another version is
/// reported as [`Code::UnsupportedVersion`] (it may well have fields version 1 lacks), not as
/// the JSON error its parse gave.
pub(crate) fn envelope<T: DeserializeOwned + Versioned>(text: &str) -> Result<T, ApiError> {
    check_len(text)?;
    match parse::<T>(text) {
        Ok(v) if v.version() == SCHEMA_VERSION => Ok(v),
        Ok(v) => Err(unsupported(v.version())),
        Err(e) => match probe_version(text) {
            Some(v) if v != SCHEMA_VERSION => Err(unsupported(v)),
            _ => Err(e),
        },
    }
}

/// The `"version"` of a JSON object, if it is one and has a numeric version.
pub(crate) fn probe_version(text: &str) -> Option<u32> {
    #[derive(Deserialize)]
    struct Probe {
        version: Option<u32>,
    }
    serde_json::from_str::<Probe>(text).ok()?.version
}

/// [`Code::UnsupportedVersion`] for `version`.
pub(crate) fn unsupported(version: u32) -> ApiError {
    ApiError::with_messages(
        Code::UnsupportedVersion,
        format!(
            "версия входных данных {version} не поддерживается (поддерживается {SCHEMA_VERSION})"
        ),
        format!("input version {version} is not supported (this library reads {SCHEMA_VERSION})"),
    )
    .at("version")
    .details(serde_json::json!({"version": version, "supported": [SCHEMA_VERSION]}))
}

/// An envelope: an input object with a `"version"`.
pub(crate) trait Versioned {
    /// Its `"version"`.
    fn version(&self) -> u32;
}

/// Parses a receipt that sits in an envelope at `field`; error paths start with `field`.
pub(crate) fn receipt_at(
    raw: &serde_json::value::RawValue,
    field: &str,
) -> Result<fiskal_ffd::Receipt, ApiError> {
    fiskal_ffd::json::parse(raw.get()).map_err(|e| ApiError::from(e).under(field))
}

/// [`Code::InvalidArgument`] at `path`.
pub(crate) fn invalid_argument(path: &str, ru: String, en: String) -> ApiError {
    ApiError::with_messages(Code::InvalidArgument, ru, en).at(path)
}
