//! The operations. Each takes a JSON document and returns one; `docs/c-api.md` shows every
//! shape with an example.

mod compute;
mod mark;
mod split;
mod tlv;

pub use compute::compute;
pub use mark::mark;
pub use split::split;
pub use tlv::{from_tlv, to_tlv};

use crate::error::ApiError;
use crate::input::{check_len, envelope, parse, probe_version, unsupported, Versioned};
use crate::{MAX_INPUT_LEN, OPERATIONS, SCHEMA_VERSION};
use fiskal_ffd::FiscalAttributes;
use fiskal_ffd::Receipt;
use serde::{Deserialize, Serialize};

/// Serialises an output struct (plain structs of strings and numbers: this cannot fail, but a
/// failure would still be an error, not a panic).
pub(crate) fn to_json<T: Serialize>(v: &T) -> Result<String, ApiError> {
    serde_json::to_string(v).map_err(|e| {
        ApiError::with_messages(
            crate::Code::Internal,
            crate::Code::Internal.message_ru(),
            format!("cannot serialise the output: {e}"),
        )
    })
}

#[derive(Serialize)]
struct VersionOut {
    version: u32,
    library: &'static str,
    library_version: &'static str,
    ffd_versions: [&'static str; 2],
    receipt_format_versions: [u32; 1],
    schema_version: u32,
    max_input_len: usize,
    operations: Vec<&'static str>,
}

/// `version`: what this library is and reads. The input is ignored (pass `{}` or nothing).
///
/// Output: `{"version": 1, "library": "fiskal", "library_version": "0.1.0",
/// "ffd_versions": ["1.05", "1.2"], "receipt_format_versions": [1], "schema_version": 1,
/// "max_input_len": 16777216, "operations": ["version", …]}`.
pub fn version(_input: &str) -> Result<String, ApiError> {
    to_json(&VersionOut {
        version: SCHEMA_VERSION,
        library: "fiskal",
        library_version: env!("CARGO_PKG_VERSION"),
        ffd_versions: [
            fiskal_ffd::FfdVersion::V105.as_str(),
            fiskal_ffd::FfdVersion::V12.as_str(),
        ],
        receipt_format_versions: [fiskal_ffd::model::FORMAT_VERSION],
        schema_version: SCHEMA_VERSION,
        max_input_len: MAX_INPUT_LEN,
        operations: OPERATIONS.iter().map(|(n, _)| *n).collect(),
    })
}

#[derive(Serialize)]
struct ValidateOut<'a> {
    version: u32,
    receipt: &'a Receipt,
}

/// `validate`: the input **is** a receipt (docs/receipt-json.md, its own `"version"`); the
/// output is `{"version": 1, "receipt": {…}}` with the receipt as fiskal prints it (money with
/// two decimals, enums by name). Failure: [`crate::Code::InvalidJson`] with the path of the
/// field, or [`crate::Code::ReceiptInvalid`] with every violation.
pub fn validate(input: &str) -> Result<String, ApiError> {
    check_len(input)?;
    let receipt = fiskal_ffd::json::parse_and_validate(input)?;
    to_json(&ValidateOut {
        version: SCHEMA_VERSION,
        receipt: &receipt,
    })
}

#[derive(Serialize)]
struct QrOut {
    version: u32,
    qr: String,
}

#[derive(Deserialize)]
struct QrVersion {
    version: u32,
}

impl Versioned for QrVersion {
    fn version(&self) -> u32 {
        self.version
    }
}

/// `qr`: fiscal attributes (as a provider reports them) → the FNS QR-code string.
///
/// Input: `{"version": 1, "fn_number": "9999078900001234", "fd_number": 1234,
/// "fiscal_sign": 3826187301, "date_time": "2026-03-02T10:15:42", "total": "599.70",
/// "operation": "sell"}` (optionally `shift_number`, `receipt_number`, `kkt_reg_number`,
/// `ofd_inn`, `receipt_url`). Output: `{"version": 1, "qr": "t=20260302T1015&s=599.70&…"}`.
pub fn qr(input: &str) -> Result<String, ApiError> {
    check_len(input)?;
    // The attributes are the document itself, next to "version" (FiscalAttributes ignores
    // the extra key), so check the version first.
    match probe_version(input) {
        Some(v) if v != SCHEMA_VERSION => return Err(unsupported(v)),
        Some(_) => {}
        None => {
            envelope::<QrVersion>(input)?;
        }
    }
    let attrs: FiscalAttributes = parse(input)?;
    to_json(&QrOut {
        version: SCHEMA_VERSION,
        qr: attrs.qr_string(),
    })
}
