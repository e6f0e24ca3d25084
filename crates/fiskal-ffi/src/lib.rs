//! # fiskal-ffi
//!
//! The C ABI of fiskal (library `libfiskal.so` / `libfiskal.a` when installed with cargo-c,
//! `libfiskal_ffi.so` / `.a` from a plain `cargo build`; header `include/fiskal.h`,
//! preprocessor-free copy `include/fiskal_php.h` for PHP FFI). JSON in, JSON out: every
//! operation of [`fiskal_json`] is one function here, with the same behaviour byte for byte.
//!
//! The conventions (README, "C API conventions"), in short:
//!
//! * Every function returns a `fiskal_result` (`uint32_t`, [`fiskal_json::Code`]): 0 is success.
//!   Numbers are fixed and never reused.
//! * Input strings are `(const char *ptr, size_t len)`: UTF-8, no NUL needed, borrowed for the
//!   call only. `ptr` must not be NULL, even when `len` is 0.
//! * Outputs go through out-pointers, written **only on success**. An output string is
//!   NUL-terminated UTF-8 owned by the caller, released with [`fiskal_string_free`]
//!   (`fiskal_string_free(NULL)` is a no-op). Its length goes to `*out_len` when `out_len` is
//!   not NULL.
//! * On failure the thread's last error (code, path, Russian and English messages, details) is
//!   recorded and [`fiskal_last_error`] returns it as JSON; a successful operation clears it.
//! * No function unwinds into C: a panic is caught and returned as `FISKAL_RESULT_PANIC`.
//! * Every function is thread-safe: the operations share no state; the last error is per thread.
//! * Handles: `fiskal_client` (a cloud cash register) and `fiskal_outbox` (the durable outbox)
//!   are shared, reference-counted handles: one handle may be used from many threads at once,
//!   and is released by exactly one `_free` (`_free(NULL)` is a no-op).
//!
//! ## Features
//!
//! `providers` (the `fiskal_client_*` functions: HTTP, TLS, tokio) and `outbox` (the
//! `fiskal_outbox_*` functions: SQLite; implies `providers`), both on by default. Built with
//! `--no-default-features` the library is the stateless operations only and compiles none of
//! reqwest, rustls, ring, tokio or SQLite. It still exports every function of the one
//! header: those of a left-out part return `FISKAL_RESULT_FEATURE_DISABLED` (110) before looking
//! at their arguments, write nothing and name the feature in the last error's
//! `details.feature`; their `_free` does nothing. Absent symbols (rustls-ffi's way for its
//! `fips` feature: `[defines]` in its `librustls/cbindgen.toml`, `#if defined(DEFINE_FIPS)` in
//! its header, <https://github.com/rustls/rustls-ffi>) were not chosen: PHP's `FFI::cdef` binds
//! every function the header declares when it loads the library ("Failed resolving C
//! function" in `ext/ffi/ffi.c`, <https://github.com/php/php-src>), so a header with functions
//! the library lacks would not load at all, and one header per build would have to ship with
//! each binding; here one header and one symbol list serve every build, and a program linked
//! against the full library runs against the minimal one, with a typed error where it reaches
//! a missing part.
#![allow(
    // The exports are safe `extern "C"` functions called from C, which cannot see `unsafe`; each
    // checks its pointers for NULL and documents what the caller guarantees for the rest.
    clippy::not_unsafe_ptr_arg_deref
)]

mod client;
mod error;
mod handle;
mod io;
#[cfg(not(all(feature = "providers", feature = "outbox")))]
mod left_out;
mod outbox;
mod panic;
mod verdict;

pub use crate::client::{
    fiskal_client, fiskal_client_free, fiskal_client_new, fiskal_client_status,
    fiskal_client_submit,
};
pub use crate::outbox::{
    fiskal_outbox, fiskal_outbox_audit, fiskal_outbox_cancel, fiskal_outbox_drain,
    fiskal_outbox_enqueue, fiskal_outbox_free, fiskal_outbox_get, fiskal_outbox_list,
    fiskal_outbox_observer, fiskal_outbox_open, fiskal_outbox_poke, fiskal_outbox_reconcile,
    fiskal_outbox_requeue, fiskal_outbox_resolve, fiskal_outbox_start, fiskal_outbox_stats,
    fiskal_outbox_stop,
};
pub use crate::verdict::fiskal_validate_verdict;

use crate::error::{finish, last_error_code, last_error_json};
use crate::io::{check_out, free_string, input_str, write_string, write_to_buffer};
use crate::panic::ffi_panic_boundary;
use fiskal_json::{Code, Operation};
use std::ffi::CStr;
use std::os::raw::c_char;
use std::sync::OnceLock;

/// The library version, NUL-terminated (the Cargo version of this crate).
const VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(v) => v,
        Err(_) => panic!("the crate version contains a NUL"),
    };

/// Runs one operation across the boundary: checks the out-pointer, reads the input, calls the
/// operation, hands the output to C, records or clears the last error.
fn run(
    op: Operation,
    input: *const c_char,
    input_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> Code {
    finish((|| {
        check_out(out_json, "out_json")?;
        let text = input_str(input, input_len, "input")?;
        write_string(op(text)?, out_json, out_len)
    })())
}

/// The library version, e.g. `"0.1.0"`: a static NUL-terminated string (do **not** free it),
/// equal to the Cargo version of the library. Never fails; does not touch the last error.
#[no_mangle]
pub extern "C" fn fiskal_version() -> *const c_char {
    ffi_panic_boundary! { VERSION.as_ptr() }
}

/// Operation `version`: a JSON description of the library (its version, the FFD versions and
/// receipt JSON versions it reads, the operation schema version, the input size limit, the
/// operation names).
///
/// On success `*out_json` is a new NUL-terminated string owned by the caller (free it with
/// `fiskal_string_free`) and `*out_len` (if `out_len` is not NULL) its length in bytes. On
/// failure nothing is written. `out_json` must not be NULL.
#[no_mangle]
pub extern "C" fn fiskal_version_json(out_json: *mut *mut c_char, out_len: *mut usize) -> Code {
    ffi_panic_boundary! {
        finish((|| {
            check_out(out_json, "out_json")?;
            write_string(fiskal_json::version("")?, out_json, out_len)
        })())
    }
}

/// Operation `validate`: `input` is a receipt JSON (docs/receipt-json.md); on success the
/// output is `{"version": 1, "receipt": {…normalised…}}`. Errors: `FISKAL_RESULT_INVALID_JSON`
/// (the last error's `path` names the field) or `FISKAL_RESULT_RECEIPT_INVALID` (its `details`
/// list every violation, each with its own 2001–2034 code, path and RU/EN message).
///
/// `input`/`input_len`: UTF-8 bytes, borrowed for the call only (no NUL needed; `input` must
/// not be NULL, even for length 0). On success `*out_json` is a new NUL-terminated string owned
/// by the caller (free it with `fiskal_string_free`) and `*out_len` (if not NULL) its length.
/// On failure nothing is written and the thread's last error is set. Thread-safe.
#[no_mangle]
pub extern "C" fn fiskal_validate(
    input: *const c_char,
    input_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> Code {
    ffi_panic_boundary! { run(fiskal_json::validate, input, input_len, out_json, out_len) }
}

/// Operation `compute`: prices and VAT per line and per rate, optionally after a receipt-level
/// discount or markup spread over the lines (docs/c-api.md). Input, output, ownership and
/// errors as for `fiskal_validate`; calculation errors are 3001–3023.
#[no_mangle]
pub extern "C" fn fiskal_compute(
    input: *const c_char,
    input_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> Code {
    ffi_panic_boundary! { run(fiskal_json::compute, input, input_len, out_json, out_len) }
}

/// Operation `split`: one cart → several receipts under the size budget and provider limits
/// (docs/c-api.md). Input, output, ownership and errors as for `fiskal_validate`.
#[no_mangle]
pub extern "C" fn fiskal_split(
    input: *const c_char,
    input_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> Code {
    ffi_panic_boundary! { run(fiskal_json::split, input, input_len, out_json, out_len) }
}

/// Operation `to_tlv`: a receipt JSON → `{"version": 1, "ffd", "form", "size", "hex",
/// "base64"}`, the TLV document and its exact size. Input, output, ownership and errors as for
/// `fiskal_validate`.
#[no_mangle]
pub extern "C" fn fiskal_to_tlv(
    input: *const c_char,
    input_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> Code {
    ffi_panic_boundary! { run(fiskal_json::to_tlv, input, input_len, out_json, out_len) }
}

/// Operation `from_tlv`: `{"version": 1, "hex": "…"}` or `{"version": 1, "base64": "…"}` → the
/// receipt JSON, its violations and the readable dump with Russian tag names. Decode errors are
/// 5001–5008 (the last error's details carry `offset` and `tag`). Ownership as for
/// `fiskal_validate`.
#[no_mangle]
pub extern "C" fn fiskal_from_tlv(
    input: *const c_char,
    input_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> Code {
    ffi_panic_boundary! { run(fiskal_json::from_tlv, input, input_len, out_json, out_len) }
}

/// Operation `mark`: `{"version": 1, "code": "<raw scan>"}` → the normalised code, warnings,
/// tag 1162 (hex, Base64), the 1163 child, tag 2000 and every provider string. Errors are
/// 4001–4014 (details: `reason`, `position`). Ownership as for `fiskal_validate`.
#[no_mangle]
pub extern "C" fn fiskal_mark(
    input: *const c_char,
    input_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> Code {
    ffi_panic_boundary! { run(fiskal_json::mark, input, input_len, out_json, out_len) }
}

/// Operation `qr`: fiscal attributes → `{"version": 1, "qr": "t=…&s=…&fn=…&i=…&fp=…&n=…"}`, the
/// FNS QR-code string. Ownership as for `fiskal_validate`.
#[no_mangle]
pub extern "C" fn fiskal_qr(
    input: *const c_char,
    input_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> Code {
    ffi_panic_boundary! { run(fiskal_json::qr, input, input_len, out_json, out_len) }
}

/// Any operation by name (`op`/`op_len`: `"validate"`, `"compute"`, `"split"`, `"to_tlv"`,
/// `"from_tlv"`, `"mark"`, `"qr"`, `"version"`), for bindings that dispatch by name.
/// `FISKAL_RESULT_UNKNOWN_OPERATION` for any other name. Same behaviour, ownership and errors as
/// the function of that operation.
#[no_mangle]
pub extern "C" fn fiskal_call(
    op: *const c_char,
    op_len: usize,
    input: *const c_char,
    input_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> Code {
    ffi_panic_boundary! {
        finish((|| {
            check_out(out_json, "out_json")?;
            let name = input_str(op, op_len, "op")?;
            let text = input_str(input, input_len, "input")?;
            write_string(fiskal_json::call(name, text)?, out_json, out_len)
        })())
    }
}

/// Releases a string returned by this library (`*out_json` of any function). NULL is a no-op.
/// Each string must be freed exactly once, and only with this function.
#[no_mangle]
pub extern "C" fn fiskal_string_free(s: *mut c_char) {
    ffi_panic_boundary! { free_string(s) }
}

/// The calling thread's last error as JSON: `{"code": 2000, "name": "receipt_invalid",
/// "path": …, "message_ru": "…", "message_en": "…", "details": …}`; `{"code": 0, "name": "ok",
/// …}` if the last operation on this thread succeeded or none ran yet.
///
/// On success `*out_json` is a new string owned by the caller (free it with
/// `fiskal_string_free`) and `*out_len` (if not NULL) its length. Reading the last error does
/// not change it. Returns `FISKAL_RESULT_NULL_PARAMETER` if `out_json` is NULL (and then leaves
/// the last error as it was).
#[no_mangle]
pub extern "C" fn fiskal_last_error(out_json: *mut *mut c_char, out_len: *mut usize) -> Code {
    ffi_panic_boundary! {
        if out_json.is_null() {
            return Code::NullParameter;
        }
        match write_string(last_error_json(), out_json, out_len) {
            Ok(()) => Code::Ok,
            Err(e) => e.code,
        }
    }
}

/// The code of the calling thread's last error (`FISKAL_RESULT_OK` if there is none). Does not
/// change it.
#[no_mangle]
pub extern "C" fn fiskal_last_error_code() -> Code {
    ffi_panic_boundary! { last_error_code() }
}

/// The snake_case name of a result code (`"receipt_invalid"`), or `"unknown"` for a number
/// that is not a code: a static NUL-terminated string (do **not** free it). Does not touch the
/// last error.
#[no_mangle]
pub extern "C" fn fiskal_result_name(code: u32) -> *const c_char {
    ffi_panic_boundary! {
        static NAMES: OnceLock<Vec<(u32, std::ffi::CString)>> = OnceLock::new();
        let names = NAMES.get_or_init(|| {
            Code::ALL
                .iter()
                .filter_map(|c| std::ffi::CString::new(c.name()).ok().map(|s| (c.number(), s)))
                .collect()
        });
        names
            .iter()
            .find(|(n, _)| *n == code)
            .map_or(c"unknown".as_ptr(), |(_, s)| s.as_ptr())
    }
}

/// Copies the generic English description of a result code (or "unknown result code") and a
/// NUL into `buf` (`buf_len` bytes); `*out_n` (if not NULL) gets its length without the NUL.
/// Descriptions are shorter than 256 bytes. `FISKAL_RESULT_BUFFER_TOO_SMALL` (nothing written)
/// if it does not fit; `FISKAL_RESULT_NULL_PARAMETER` if `buf` is NULL. Does not touch the
/// last error. For the specific message of a failure, in Russian and English, use
/// `fiskal_last_error`.
#[no_mangle]
pub extern "C" fn fiskal_result_message(
    code: u32,
    buf: *mut c_char,
    buf_len: usize,
    out_n: *mut usize,
) -> Code {
    ffi_panic_boundary! {
        let text = Code::from_u32(code).map_or("unknown result code", Code::message_en);
        match write_to_buffer(text, buf, buf_len, out_n) {
            Ok(()) => Code::Ok,
            Err(e) => e.code,
        }
    }
}

/// Whether `code` is 100–199: a problem with the call itself (NULL, UTF-8, JSON shape, size,
/// version, a caught panic).
#[no_mangle]
pub extern "C" fn fiskal_result_is_argument_error(code: u32) -> bool {
    ffi_panic_boundary! { (100..200).contains(&code) }
}

/// Whether `code` is 2000–2999: the receipt breaks FFD rules (fix the receipt).
#[no_mangle]
pub extern "C" fn fiskal_result_is_validation_error(code: u32) -> bool {
    ffi_panic_boundary! { (2000..3000).contains(&code) }
}

/// Whether `code` is 3000–3999: a calculation (discount allocation, splitting) cannot be done.
#[no_mangle]
pub extern "C" fn fiskal_result_is_calc_error(code: u32) -> bool {
    ffi_panic_boundary! { (3000..4000).contains(&code) }
}

/// Whether `code` is 4000–4999: a mark code cannot be read or encoded.
#[no_mangle]
pub extern "C" fn fiskal_result_is_mark_error(code: u32) -> bool {
    ffi_panic_boundary! { (4000..5000).contains(&code) }
}

/// Whether `code` is 5000–5999: TLV bytes cannot be decoded or read as a receipt.
#[no_mangle]
pub extern "C" fn fiskal_result_is_tlv_error(code: u32) -> bool {
    ffi_panic_boundary! { (5000..6000).contains(&code) }
}

/// Whether `code` is 6000–6999: a provider client failed locally, before anything was sent
/// (a provider's own answer is never an error but an Outcome).
#[no_mangle]
pub extern "C" fn fiskal_result_is_provider_error(code: u32) -> bool {
    ffi_panic_boundary! { (6000..7000).contains(&code) }
}

/// Whether `code` is 7000–7999: the outbox (settings, journal, worker).
#[no_mangle]
pub extern "C" fn fiskal_result_is_outbox_error(code: u32) -> bool {
    ffi_panic_boundary! { (7000..8000).contains(&code) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predicates_agree_with_the_code_groups() {
        for c in Code::ALL {
            let n = c.number();
            assert_eq!(fiskal_result_is_argument_error(n), c.is_argument_error());
            assert_eq!(
                fiskal_result_is_validation_error(n),
                c.is_validation_error()
            );
            assert_eq!(fiskal_result_is_calc_error(n), c.is_calc_error());
            assert_eq!(fiskal_result_is_mark_error(n), c.is_mark_error());
            assert_eq!(fiskal_result_is_tlv_error(n), c.is_tlv_error());
            assert_eq!(fiskal_result_is_provider_error(n), c.is_provider_error());
            assert_eq!(fiskal_result_is_outbox_error(n), c.is_outbox_error());
        }
    }
}
