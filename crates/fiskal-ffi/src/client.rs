//! `fiskal_client`: one cloud cash register (ATOL Online, Orange Data, Business.ru) as a shared,
//! thread-safe handle over `fiskal_json::Client`. Cargo feature `providers` (default on);
//! without it every function here returns `FISKAL_RESULT_FEATURE_DISABLED`.

use crate::error::{disabled, finish};
use crate::handle::{free_arc, to_arc_const_ptr, try_arc_from_ptr, Castable, OwnershipArc};
use crate::io::{check_out, input_str, write_handle, write_string};
#[cfg(not(feature = "providers"))]
use crate::left_out::Client;
use crate::panic::ffi_panic_boundary;
#[cfg(feature = "providers")]
use fiskal_json::Client;
use fiskal_json::Code;
use std::os::raw::c_char;

/// The feature that provides this module's functions.
const FEATURE: &str = "providers";

/// A provider client: one cloud cash register configured by its settings JSON, with its own
/// I/O thread. Opaque; created by `fiskal_client_new`, released by `fiskal_client_free`.
///
/// **Thread-safe**: one client may be used from any number of threads at once (each call blocks
/// only its caller); the methods take `const fiskal_client *` and never mutate it. It must not
/// be freed while another thread is still inside one of its methods.
///
/// Methods: `fiskal_client_new`, `fiskal_client_submit`, `fiskal_client_status`,
/// `fiskal_client_free`.
///
/// Part of the library's `providers` feature (on by default). A library built without it
/// (`cargo build -p fiskal-ffi --no-default-features`) still exports these functions: each then
/// returns `FISKAL_RESULT_FEATURE_DISABLED` without looking at its arguments or writing any
/// output, the last error's `details.feature` being `"providers"`; `fiskal_client_free` does
/// nothing.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct fiskal_client {
    _private: [u8; 0],
}

impl Castable for fiskal_client {
    type Ownership = OwnershipArc;
    type RustType = Client;
}

/// Creates a provider client from `ProviderSettings` JSON (docs/provider-settings.md): reads
/// the secrets, checks every value, sets up TLS and starts one I/O thread. Nothing is sent.
///
/// `settings_json`/`settings_len`: UTF-8, borrowed for the call only (secrets inside are copied
/// into the client and never appear in errors). On success `*out` is a new handle **owned by
/// the caller**, released with `fiskal_client_free` exactly once. On failure `*out` is not
/// written and the thread's last error is set: `FISKAL_RESULT_PROVIDER_CONFIG` (6003) with the
/// settings field in `path` (`password`, `http.timeout_ms`), `FISKAL_RESULT_PROVIDER_TLS`
/// (6005), `FISKAL_RESULT_PROVIDER_TIMEOUT` (6006: no I/O thread). `out` must not be NULL.
///
/// Feature `providers` (default on); a build without it returns
/// `FISKAL_RESULT_FEATURE_DISABLED` (see `fiskal_client`).
#[no_mangle]
pub extern "C" fn fiskal_client_new(
    settings_json: *const c_char,
    settings_len: usize,
    out: *mut *mut fiskal_client,
) -> Code {
    ffi_panic_boundary! {
        if !cfg!(feature = "providers") {
            return disabled(FEATURE);
        }
        finish((|| {
            check_out(out, "out")?;
            let text = input_str(settings_json, settings_len, "settings_json")?;
            let client = Client::new(text)?;
            write_handle(to_arc_const_ptr::<fiskal_client>(client).cast_mut(), out);
            Ok(())
        })())
    }
}

/// Submits a receipt and waits for the provider's answer.
///
/// `request_json`: `{"document_id": "order-1-1", "receipt": {…}, "callback_url": null,
/// "timestamp": "2026-03-02T10:15:00"}` (`callback_url` and `timestamp` optional; the timestamp
/// defaults to now, Moscow time), borrowed for the call only. `timeout_ms`: the longest wait
/// (0: the client's own connect and request timeouts).
///
/// On success (`FISKAL_RESULT_OK`) `*out_json` is the Outcome JSON — `accepted`, `pending`,
/// `done` (with `fiscal` and the FNS `qr` string), `rejected`, `retry_later`, `in_doubt`,
/// `not_found` (docs/c-api.md) — a new NUL-terminated string owned by the caller (free it with
/// `fiskal_string_free`), `*out_len` (if not NULL) its length. A provider's answer, a refusal
/// included, is never an error, and a call that runs out of time is `in_doubt` (resubmit the
/// same `document_id`: never a second receipt). Errors mean nothing was sent:
/// `FISKAL_RESULT_INVALID_JSON` (path into the request), 6001–6006; then nothing is written.
///
/// Thread-safe: any number of threads may submit through one client at once.
///
/// Feature `providers` (default on); a build without it returns
/// `FISKAL_RESULT_FEATURE_DISABLED` (see `fiskal_client`).
#[no_mangle]
pub extern "C" fn fiskal_client_submit(
    client: *const fiskal_client,
    request_json: *const c_char,
    request_len: usize,
    timeout_ms: u32,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> Code {
    ffi_panic_boundary! {
        if !cfg!(feature = "providers") {
            return disabled(FEATURE);
        }
        let c = try_arc_from_ptr!(client, "client");
        finish((|| {
            check_out(out_json, "out_json")?;
            let text = input_str(request_json, request_len, "request_json")?;
            write_string(c.submit(text, timeout_ms)?, out_json, out_len)
        })())
    }
}

/// Looks a document up at the provider and waits for the answer.
///
/// `query_json`: `{"document_id": "order-1-1", "provider_id": "… or null", "kind": "sell"}`
/// (`kind` optional, default `sell`: sell, sell_refund, buy, buy_refund, sell_correction,
/// sell_refund_correction, buy_correction, buy_refund_correction). ATOL needs the
/// `provider_id` (else `FISKAL_RESULT_PROVIDER_UNSUPPORTED` with `path` `provider_id`).
/// `timeout_ms`, output, ownership, errors and thread-safety as for `fiskal_client_submit`.
///
/// Feature `providers` (default on); a build without it returns
/// `FISKAL_RESULT_FEATURE_DISABLED` (see `fiskal_client`).
#[no_mangle]
pub extern "C" fn fiskal_client_status(
    client: *const fiskal_client,
    query_json: *const c_char,
    query_len: usize,
    timeout_ms: u32,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> Code {
    ffi_panic_boundary! {
        if !cfg!(feature = "providers") {
            return disabled(FEATURE);
        }
        let c = try_arc_from_ptr!(client, "client");
        finish((|| {
            check_out(out_json, "out_json")?;
            let text = input_str(query_json, query_len, "query_json")?;
            write_string(c.status(text, timeout_ms)?, out_json, out_len)
        })())
    }
}

/// Releases a client made by `fiskal_client_new` (its I/O thread stops once no call is
/// running). NULL is a no-op. Call it exactly once per client, after every thread is done with
/// it; the handle is invalid afterwards.
///
/// Feature `providers` (default on); in a build without it this does nothing (see `fiskal_client`).
#[no_mangle]
pub extern "C" fn fiskal_client_free(client: *mut fiskal_client) {
    ffi_panic_boundary! {
        // Without the feature no client was ever made, so there is nothing to release.
        if cfg!(feature = "providers") {
            free_arc::<fiskal_client>(client.cast_const());
        }
    }
}
