//! Strings across the boundary: inputs are `(const char *ptr, size_t len)` UTF-8 (no NUL needed;
//! the bytes are borrowed for the call and never kept); outputs are NUL-terminated UTF-8 strings
//! allocated by the library, with their length, released with `fiskal_string_free`.

use crate::error::null_parameter;
use fiskal_json::{ApiError, Code, MAX_INPUT_LEN};
use std::ffi::CString;
use std::os::raw::c_char;

/// Reads an input string: NULL, oversized and non-UTF-8 inputs are errors, checked in that
/// order and before the bytes are read as text.
pub(crate) fn input_str<'a>(
    ptr: *const c_char,
    len: usize,
    name: &str,
) -> Result<&'a str, ApiError> {
    if ptr.is_null() {
        return Err(null_parameter(name));
    }
    if len > MAX_INPUT_LEN {
        return Err(ApiError::with_messages(
            Code::InputTooLarge,
            format!("{name}: {len} байт, допускается не более {MAX_INPUT_LEN}"),
            format!("{name}: {len} bytes, at most {MAX_INPUT_LEN} allowed"),
        )
        .at(name)
        .details(serde_json::json!({"len": len, "max": MAX_INPUT_LEN})));
    }
    // SAFETY: `ptr` is not NULL (checked above) and `len` ≤ MAX_INPUT_LEN < isize::MAX. By the
    // API contract it points to `len` readable bytes that stay valid and unmodified for the
    // duration of the call; the slice does not outlive the call (the caller's lifetime 'a ends
    // before the export returns).
    let bytes = unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) };
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        ApiError::with_messages(
            Code::InvalidUtf8,
            format!("{name}: не UTF-8 (байт {at})"),
            format!("{name}: not UTF-8 (byte {at})"),
        )
        .at(name)
        .details(serde_json::json!({"offset": at}))
    })
}

/// Checks an out-pointer before any work is done.
pub(crate) fn check_out<T>(ptr: *mut T, name: &str) -> Result<(), ApiError> {
    if ptr.is_null() {
        Err(null_parameter(name))
    } else {
        Ok(())
    }
}

/// Hands `s` to C: `*out` gets a NUL-terminated copy owned by the caller (free it with
/// `fiskal_string_free`), `*out_len` (if not NULL) its length in bytes without the NUL.
/// `out` must have been checked with [`check_out`]. Nothing is written on error.
pub(crate) fn write_string(
    s: String,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> Result<(), ApiError> {
    let len = s.len();
    // Outputs are JSON (control characters escaped), so an inner NUL means a bug.
    let c = CString::new(s).map_err(|_| {
        ApiError::with_messages(
            Code::Internal,
            Code::Internal.message_ru(),
            "internal error: the output contains a NUL byte",
        )
    })?;
    if out.is_null() {
        return Err(null_parameter("out"));
    }
    let raw = c.into_raw();
    // SAFETY: `out` is not NULL (checked above); by the API contract it points to a writable,
    // aligned `char *`.
    unsafe { *out = raw };
    if !out_len.is_null() {
        // SAFETY: not NULL; by the API contract it points to a writable, aligned `size_t`.
        unsafe { *out_len = len };
    }
    Ok(())
}

/// Hands a new handle to C through an out-pointer already checked with [`check_out`].
pub(crate) fn write_handle<T>(handle: *mut T, out: *mut *mut T) {
    if out.is_null() {
        return;
    }
    // SAFETY: `out` is not NULL (checked above, and by the caller with `check_out` before any work); by the API contract
    // it points to a writable, aligned handle pointer.
    unsafe { *out = handle };
}

/// Writes a `bool` result through an out-pointer already checked with [`check_out`].
pub(crate) fn write_bool(value: bool, out: *mut bool) {
    if out.is_null() {
        return;
    }
    // SAFETY: `out` is not NULL (checked above, and by the caller with `check_out` before any work); by the API contract
    // it points to a writable `bool`.
    unsafe { *out = value };
}

/// Copies `text` and a NUL into a caller's buffer of `cap` bytes; `*out_n` (if not NULL) gets
/// the length without the NUL. [`Code::BufferTooSmall`] (nothing written) when it does not fit.
pub(crate) fn write_to_buffer(
    text: &str,
    buf: *mut c_char,
    cap: usize,
    out_n: *mut usize,
) -> Result<(), ApiError> {
    if buf.is_null() {
        return Err(null_parameter("buf"));
    }
    if text.len() >= cap {
        return Err(ApiError::new(Code::BufferTooSmall)
            .at("buf")
            .details(serde_json::json!({"needed": text.len() + 1, "len": cap})));
    }
    // SAFETY: `buf` is not NULL and, by the API contract, points to `cap` writable bytes;
    // `text.len() + 1 <= cap` (checked above); source and destination cannot overlap (the
    // source is the library's own static text).
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), buf.cast::<u8>(), text.len());
        *buf.add(text.len()) = 0;
    }
    if !out_n.is_null() {
        // SAFETY: not NULL; by the API contract a writable, aligned `size_t`.
        unsafe { *out_n = text.len() };
    }
    Ok(())
}

/// Releases a string made by [`write_string`]. NULL is a no-op.
pub(crate) fn free_string(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    // SAFETY: not NULL; by the API contract it was returned by this library (so by
    // `CString::into_raw` in `write_string`) and is freed exactly once.
    drop(unsafe { CString::from_raw(s) });
}
