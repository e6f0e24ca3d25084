//! Verdict-only validation: the checks of `fiskal_validate` without the normalised receipt in
//! the answer. For hosts that only need to know whether a receipt may go out (PHP, a web form),
//! where printing the normalised JSON and decoding it again on the host side would cost more
//! than the checks themselves (benches/README.md, "bindings").

use crate::error::finish;
use crate::io::input_str;
use crate::panic::ffi_panic_boundary;
use fiskal_json::{ApiError, Code};
use std::os::raw::c_char;

/// Operation `validate`, verdict only: parses `input` as a receipt JSON (docs/receipt-json.md)
/// and checks it against every FFD rule of its version (the 32 KB size of the TLV document
/// included), exactly as `fiskal_validate` does, but writes no output.
///
/// Returns `FISKAL_RESULT_OK` (0) when the receipt passes; then the thread's last error is
/// cleared. Otherwise returns the same code `fiskal_validate` would return for the same bytes
/// and records the same last error (`fiskal_last_error`): `FISKAL_RESULT_RECEIPT_INVALID` with
/// every violation in its `details`, `FISKAL_RESULT_INVALID_JSON` with the `path` of the field,
/// `FISKAL_RESULT_INPUT_TOO_LARGE`, `FISKAL_RESULT_INVALID_UTF8`, `FISKAL_RESULT_NULL_PARAMETER`
/// (`input` is NULL). So the caller reads the last error only when the code is not 0.
///
/// `input`/`input_len`: UTF-8 bytes, borrowed for the call only (no NUL needed; `input` must
/// not be NULL, even for length 0). Nothing is allocated for the caller, nothing to free.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn fiskal_validate_verdict(input: *const c_char, input_len: usize) -> Code {
    ffi_panic_boundary! {
        finish((|| {
            let text = input_str(input, input_len, "input")?;
            // fiskal_json::validate without its output: the same parse, rules and errors.
            fiskal_ffd::json::parse_and_validate(text)
                .map(drop)
                .map_err(ApiError::from)
        })())
    }
}
