//! `to_tlv` and `from_tlv`: receipt JSON ⇄ the TLV document (hex / Base64).

use super::to_json;
use crate::error::{violation_json, ApiError};
use crate::input::{check_len, envelope, invalid_argument, Versioned};
use crate::SCHEMA_VERSION;
use base64::Engine as _;
use fiskal_ffd::Receipt;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Serialize)]
struct ToTlvOut {
    version: u32,
    ffd: &'static str,
    form: u16,
    size: usize,
    hex: String,
    base64: String,
}

/// `to_tlv`: the input **is** a receipt; it is validated (every FFD rule, the 32 KB size
/// included) and encoded. Output: `{"version": 1, "ffd": "1.2", "form": 3, "size": 265,
/// "hex": "0300…", "base64": "AwAJ…"}`: `size` is the exact length of the bytes.
pub fn to_tlv(input: &str) -> Result<String, ApiError> {
    check_len(input)?;
    let (receipt, doc) = fiskal_ffd::json::parse_validate_build(input)?;
    let bytes = doc.to_bytes().map_err(fiskal_ffd::Error::from)?;
    to_json(&ToTlvOut {
        version: SCHEMA_VERSION,
        ffd: receipt.ffd.as_str(),
        form: doc.tag.0,
        size: bytes.len(),
        hex: hex::encode_upper(&bytes),
        base64: base64::engine::general_purpose::STANDARD.encode(&bytes),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FromTlvIn {
    version: u32,
    #[serde(default)]
    hex: Option<String>,
    #[serde(default)]
    base64: Option<String>,
}

impl Versioned for FromTlvIn {
    fn version(&self) -> u32 {
        self.version
    }
}

#[derive(Serialize)]
struct FromTlvOut<'a> {
    version: u32,
    form: u16,
    size: usize,
    receipt: &'a Receipt,
    valid: bool,
    violations: Vec<Value>,
    dump: Value,
}

/// The bytes of a `from_tlv` input: exactly one of `hex` (any case, whitespace ignored) and
/// `base64` (standard alphabet, padded; whitespace ignored).
fn input_bytes(i: &FromTlvIn) -> Result<Vec<u8>, ApiError> {
    let strip = |s: &str| -> String { s.chars().filter(|c| !c.is_ascii_whitespace()).collect() };
    match (&i.hex, &i.base64) {
        (Some(h), None) => hex::decode(strip(h)).map_err(|e| {
            invalid_argument(
                "hex",
                format!("нужны байты в шестнадцатеричном виде: {e}"),
                format!("not hexadecimal bytes: {e}"),
            )
        }),
        (None, Some(b)) => base64::engine::general_purpose::STANDARD
            .decode(strip(b))
            .map_err(|e| {
                invalid_argument(
                    "base64",
                    format!("нужны байты в Base64: {e}"),
                    format!("not Base64: {e}"),
                )
            }),
        _ => Err(invalid_argument(
            "",
            "укажите ровно одно из полей hex и base64".into(),
            "give exactly one of hex and base64".into(),
        )
        .at_nonempty(String::new())),
    }
}

/// `from_tlv`: `{"version": 1, "hex": "…"}` or `{"version": 1, "base64": "…"}` (one whole
/// document: form 3 or 31, nothing after it) → `{"version": 1, "form": 3, "size": 265,
/// "receipt": {…}, "valid": true, "violations": [], "dump": {…}}`. `dump` is the readable form
/// with Russian tag names; `violations` are the FFD rules the decoded receipt breaks (a decoded
/// document is returned even if it breaks some). Failure: 5001–5008 with `offset` and `tag` in
/// the details, or 5100 when the TLV is well-formed but not a receipt (details carry the dump).
pub fn from_tlv(input: &str) -> Result<String, ApiError> {
    check_len(input)?;
    let i: FromTlvIn = envelope(input)?;
    let bytes = input_bytes(&i)?;
    let doc = fiskal_ffd::tlv::decode_document(&bytes)?;
    let dump = fiskal_ffd::dump::dump(&doc);
    let receipt = match fiskal_ffd::from_tlv(&doc) {
        Ok(r) => r,
        Err(e) => {
            let mut err = ApiError::from(e);
            if let Some(Value::Object(m)) = &mut err.details {
                m.insert("dump".into(), dump);
            }
            return Err(err);
        }
    };
    let violations: Vec<Value> = match fiskal_ffd::validate(&receipt) {
        Ok(()) => Vec::new(),
        Err(v) => v.iter().map(violation_json).collect(),
    };
    to_json(&FromTlvOut {
        version: SCHEMA_VERSION,
        form: doc.tag.0,
        size: bytes.len(),
        receipt: &receipt,
        valid: violations.is_empty(),
        violations,
        dump,
    })
}
