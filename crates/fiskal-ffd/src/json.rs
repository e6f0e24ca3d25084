//! The versioned "fiskal receipt JSON": parse (exactly, with paths in errors) and print.
//!
//! The format is documented in `docs/receipt-json.md`; its JSON Schema, generated from the Rust
//! types by [`schema`], is committed as `docs/receipt.schema.json` and checked for drift by the
//! tests.

use crate::error::Error;
use crate::model::Receipt;
use crate::validate::{validate_with, Profile};

/// Parses receipt JSON. Wrong types, unknown fields and malformed numbers fail here with the
/// JSON path of the field; FFD rules are checked by [`crate::validate()`] / [`parse_and_validate`].
pub fn parse(json: &str) -> Result<Receipt, Error> {
    parse_v1(json).map_err(|e| match unsupported_version(json) {
        // A document of another format version (which may well have fields version 1 lacks)
        // is reported as such, not as "unknown field".
        Some(version) => Error::Invalid(vec![crate::violation::Violation::new(
            "version",
            crate::violation::ViolationKind::UnsupportedFormatVersion { version },
        )]),
        None => e,
    })
}

/// The `version` of a JSON object whose version is not 1 (looked at only after a failed parse).
fn unsupported_version(json: &str) -> Option<u32> {
    #[derive(serde::Deserialize)]
    struct Probe {
        version: Option<u32>,
    }
    let probe: Probe = serde_json::from_str(json).ok()?;
    probe.version.filter(|&v| v != crate::model::FORMAT_VERSION)
}

fn parse_v1(json: &str) -> Result<Receipt, Error> {
    // The common case, a well-formed receipt, takes the plain parser: tracking the path of
    // every field costs about as much as the parse itself, and only an error needs it. A failed
    // parse is repeated with tracking; both parsers read the same bytes with the same types, so
    // they fail on the same input, and the error (path, line, column, message) is the tracked
    // one, exactly as before.
    if let Ok(receipt) = serde_json::from_str::<Receipt>(json) {
        return Ok(receipt);
    }
    let mut de = serde_json::Deserializer::from_str(json);
    let receipt: Receipt = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        Error::Json {
            path: if path == "." { String::new() } else { path },
            line: inner.line(),
            column: inner.column(),
            message: inner.to_string(),
        }
    })?;
    de.end().map_err(|e| Error::Json {
        path: String::new(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    Ok(receipt)
}

/// Parses and validates with the default profile of the receipt's FFD version; every FFD
/// problem comes back at once in [`Error::Invalid`].
pub fn parse_and_validate(json: &str) -> Result<Receipt, Error> {
    let r = parse(json)?;
    let problems = validate_with(&r, &Profile::for_version(r.ffd));
    if problems.is_empty() {
        Ok(r)
    } else {
        Err(Error::Invalid(problems))
    }
}

/// Parses, validates and builds the TLV document (built once), with the default profile of the
/// receipt's FFD version.
pub fn parse_validate_build(json: &str) -> Result<(Receipt, crate::tlv::Tlv), Error> {
    let r = parse(json)?;
    let doc = crate::validate::build(&r, &Profile::for_version(r.ffd))?;
    Ok((r, doc))
}

/// Prints receipt JSON (compact). Money is printed as strings with two decimals.
pub fn to_string(r: &Receipt) -> String {
    // Serialising these plain structs cannot fail (no maps with non-string keys, no I/O).
    serde_json::to_string(r).unwrap_or_default()
}

/// Prints receipt JSON, indented.
pub fn to_string_pretty(r: &Receipt) -> String {
    serde_json::to_string_pretty(r).unwrap_or_default()
}

/// The JSON Schema of the receipt JSON (draft 2020-12), pretty-printed.
pub fn schema() -> String {
    let schema = schemars::schema_for!(Receipt);
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}
