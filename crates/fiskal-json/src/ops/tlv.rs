//! `to_tlv` and `from_tlv`: receipt JSON ⇄ the TLV document (hex / Base64).

use super::to_json;
use crate::error::{violation_json, ApiError};
use crate::input::{check_len, envelope, invalid_argument, Versioned};
use crate::SCHEMA_VERSION;
use base64::Engine as _;
use fiskal_ffd::{Receipt, Tlv};
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
    /// The bytes are a bare requisite list (no form envelope).
    #[serde(default)]
    bare: bool,
    /// With `bare`: the form the requisites belong to (3 reads them as a receipt).
    #[serde(default)]
    form: Option<u16>,
}

impl Versioned for FromTlvIn {
    fn version(&self) -> u32 {
        self.version
    }
}

#[derive(Serialize)]
struct FromTlvOut<'a> {
    version: u32,
    form: Option<u16>,
    form_name: Option<&'static str>,
    bare: bool,
    size: usize,
    receipt: Option<&'a Receipt>,
    valid: Option<bool>,
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
/// fiscal document of any form the tag dictionary knows, nothing after it) → `{"version": 1,
/// "form": 3, "form_name": "кассовый чек", "bare": false, "size": 265, "receipt": {…},
/// "valid": true, "violations": [], "dump": {…}}`.
///
/// * `dump` is the readable form with Russian tag names, for every form: registration (1) and
///   its change (11), shift open (2) and close (5), receipt (3), correction (31), БСО (4, 41),
///   FN close (6), operator confirmation (7), state report (21), and any other well-formed TLV.
/// * `receipt` is the typed receipt only for forms 3 and 31 (the typed model covers no other
///   form); `violations` are the FFD rules it breaks (a decoded receipt is returned even if it
///   breaks some) and `valid` says whether there are none. For every other form `receipt` and
///   `valid` are `null` and `violations` is empty: that is a success, not an error.
/// * Bare requisite lists (what drive and archive readers return: `1041 …`, `1040 …`, without
///   the form envelope) are read with `"bare": true`; `dump` is then the array of requisites and
///   `form` is `null`, unless the caller names the form (`"form": 3`), in which case the list is
///   read as that document (a receipt for 3 / 31). Without `bare`, such input fails with 5007 and
///   a message saying it looks like a bare list.
///
/// Failure: 5001–5008 with `offset` and `tag` in the details (5007 also `first_tag`,
/// `first_len` and `looks_like_bare_list`), or 5100 when a form 3 / 31 document is well-formed
/// but cannot be read as a receipt (a mandatory requisite missing; details carry the dump).
pub fn from_tlv(input: &str) -> Result<String, ApiError> {
    check_len(input)?;
    let i: FromTlvIn = envelope(input)?;
    let bytes = input_bytes(&i)?;
    if i.form.is_some() && !i.bare {
        return Err(invalid_argument(
            "form",
            "поле form указывается только вместе с bare: true".into(),
            "form is given only together with bare: true".into(),
        ));
    }
    let doc = if i.bare {
        let list = fiskal_ffd::tlv::decode_bare(&bytes)?;
        match i.form {
            Some(f) => Tlv::new(fiskal_ffd::Tag(f), fiskal_ffd::Value::Stlv(list)),
            None => {
                return to_json(&FromTlvOut {
                    version: SCHEMA_VERSION,
                    form: None,
                    form_name: None,
                    bare: true,
                    size: bytes.len(),
                    receipt: None,
                    valid: None,
                    violations: Vec::new(),
                    dump: fiskal_ffd::dump::dump_list(&list),
                })
            }
        }
    } else {
        fiskal_ffd::tlv::decode_document(&bytes)?
    };
    let dump = fiskal_ffd::dump::dump(&doc);
    let is_receipt = matches!(
        doc.tag,
        fiskal_ffd::Tag::RECEIPT | fiskal_ffd::Tag::CORRECTION_RECEIPT
    );
    let receipt = if is_receipt {
        match fiskal_ffd::from_tlv(&doc) {
            Ok(r) => Some(r),
            Err(e) => {
                let mut err = ApiError::from(e);
                if let Some(Value::Object(m)) = &mut err.details {
                    m.insert("dump".into(), dump);
                }
                return Err(err);
            }
        }
    } else {
        None
    };
    let violations: Vec<Value> = match receipt.as_ref().map(fiskal_ffd::validate) {
        Some(Err(v)) => v.iter().map(violation_json).collect(),
        _ => Vec::new(),
    };
    to_json(&FromTlvOut {
        version: SCHEMA_VERSION,
        form: Some(doc.tag.0),
        form_name: doc.tag.name_ru().filter(|_| doc.tag.is_document_form()),
        bare: i.bare,
        size: bytes.len(),
        receipt: receipt.as_ref(),
        valid: receipt.as_ref().map(|_| violations.is_empty()),
        violations,
        dump,
    })
}
