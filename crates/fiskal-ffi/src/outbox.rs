//! `fiskal_outbox`: the durable outbox (journal, routes, worker) as a shared, thread-safe
//! handle over `fiskal_json::OutboxHandle`. Cargo feature `outbox` (default on); without it
//! every function here returns `FISKAL_RESULT_FEATURE_DISABLED`.

use crate::error::{disabled, finish};
use crate::handle::{free_arc, to_arc_const_ptr, try_arc_from_ptr, Castable, OwnershipArc};
use crate::io::{check_out, input_str, write_bool, write_handle, write_string};
#[cfg(not(feature = "outbox"))]
use crate::left_out::{EventObserver, OutboxHandle};
use crate::panic::ffi_panic_boundary;
use fiskal_json::{ApiError, Code};
#[cfg(feature = "outbox")]
use fiskal_json::{EventObserver, OutboxHandle};
use std::ffi::{c_void, CString};
use std::os::raw::c_char;

/// The feature that provides this module's functions.
const FEATURE: &str = "outbox";

/// The durable outbox: an SQLite journal of receipts under idempotency keys, the routes'
/// provider clients and a worker thread that sends, polls and resolves them. Opaque; created by
/// `fiskal_outbox_open`, released by `fiskal_outbox_free`.
///
/// **Thread-safe**: one outbox may be used from any number of threads at once; the methods take
/// `const fiskal_outbox *`. It must not be freed while another thread is still inside one of
/// its methods. Open one outbox per journal file per process.
///
/// Methods: `fiskal_outbox_open`, `fiskal_outbox_enqueue`, `fiskal_outbox_get`,
/// `fiskal_outbox_list`, `fiskal_outbox_audit`, `fiskal_outbox_stats`, `fiskal_outbox_start`,
/// `fiskal_outbox_stop`, `fiskal_outbox_drain`, `fiskal_outbox_poke`,
/// `fiskal_outbox_reconcile`, `fiskal_outbox_requeue`, `fiskal_outbox_cancel`,
/// `fiskal_outbox_resolve`, `fiskal_outbox_free`.
///
/// Part of the library's `outbox` feature (on by default; it implies `providers`). A library
/// built without it (`cargo build -p fiskal-ffi --no-default-features`) still exports these
/// functions: each then returns `FISKAL_RESULT_FEATURE_DISABLED` without looking at its
/// arguments or writing any output (the observer is never called), the last error's
/// `details.feature` being `"outbox"`; `fiskal_outbox_free` does nothing.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct fiskal_outbox {
    _private: [u8; 0],
}

impl Castable for fiskal_outbox {
    type Ownership = OwnershipArc;
    type RustType = OutboxHandle;
}

/// Called from the outbox's worker thread after every change the worker writes: `context` is
/// the pointer given to `fiskal_outbox_open`; `event_json`/`len` the entry JSON plus `"from"`
/// (the state before) and `"event"`: `"done"` (it became done), `"done_with_attention"` (it
/// became done and its `"attention"` is set: a negative marking-code check, provider warnings,
/// not delivered to the OFD; fiscalised all the same) or `"transition"` (any other change);
/// NUL-terminated, **borrowed for the call only** (copy it to keep it; do not free it). It
/// must return quickly, must not call back into the outbox, and must not
/// unwind (no C++ exception, no longjmp out of it).
#[allow(non_camel_case_types)]
pub type fiskal_outbox_observer =
    Option<unsafe extern "C" fn(context: *mut c_void, event_json: *const c_char, len: usize)>;

/// The observer's function and context, moved to the worker thread.
struct CObserver {
    f: unsafe extern "C" fn(*mut c_void, *const c_char, usize),
    context: *mut c_void,
}

// SAFETY: the context pointer is only handed back to the caller's own function; by the
// documented contract of `fiskal_outbox_open` the caller makes it usable from the worker
// thread (it is what an observer is for). The library never dereferences it.
unsafe impl Send for CObserver {}
// SAFETY: as above; the library only copies the pointer.
unsafe impl Sync for CObserver {}

impl CObserver {
    fn call(&self, event: &str) {
        let Ok(c) = CString::new(event) else {
            return;
        };
        // SAFETY: `f` is the caller's non-NULL function of the documented signature; the string
        // is NUL-terminated, `event.len()` bytes long, and lives until the call returns.
        unsafe { (self.f)(self.context, c.as_ptr(), event.len()) };
    }
}

fn c_observer(f: fiskal_outbox_observer, context: *mut c_void) -> Option<EventObserver> {
    let f = f?;
    let o = CObserver { f, context };
    Some(Box::new(move |event: &str| o.call(event)))
}

/// Opens (creating) the outbox journal at `path` with `OutboxSettings` JSON (routes with their
/// provider settings, worker and timing options; crates/fiskal-outbox/src/settings.rs), builds
/// the routes' clients (reads secrets; no network). The worker is **not** started
/// (`fiskal_outbox_start`).
///
/// `path`/`path_len` and `settings_json`/`settings_len`: UTF-8, borrowed for the call only.
/// `observer` (may be NULL) is called with `context` from the worker thread after every change
/// the worker writes (see `fiskal_outbox_observer`), until `fiskal_outbox_stop` or
/// `fiskal_outbox_free` returns; `context` is never dereferenced by the library.
///
/// On success `*out` is a new handle **owned by the caller**, released with
/// `fiskal_outbox_free` exactly once. On failure `*out` is not written and the thread's last
/// error is set: `FISKAL_RESULT_OUTBOX_INVALID_CONFIG` (7007; `path` names the settings field
/// when known, e.g. `worker.lease_ms`, `routes.atol.provider.password`),
/// `FISKAL_RESULT_OUTBOX_OPEN` (7013), `FISKAL_RESULT_OUTBOX_SCHEMA_TOO_NEW` (7015), other 7xxx.
/// `out` must not be NULL.
///
/// `path` may also be a `postgres://user@host:port/db` URL: the journal on PostgreSQL, shared
/// by workers on many machines, with the password and the other connection options from the
/// settings' `postgres` section (docs/outbox.md, "Scaling out"). That needs the library's
/// `postgres` feature (off by default); a library built without it returns
/// `FISKAL_RESULT_FEATURE_DISABLED` with `details.feature` `"postgres"`, opens nothing, and
/// does not quote the URL. Errors never show a password.
///
/// Feature `outbox` (default on); a build without it returns `FISKAL_RESULT_FEATURE_DISABLED`
/// (see `fiskal_outbox`).
#[no_mangle]
pub extern "C" fn fiskal_outbox_open(
    path: *const c_char,
    path_len: usize,
    settings_json: *const c_char,
    settings_len: usize,
    observer: fiskal_outbox_observer,
    context: *mut c_void,
    out: *mut *mut fiskal_outbox,
) -> Code {
    ffi_panic_boundary! {
        if !cfg!(feature = "outbox") {
            return disabled(FEATURE);
        }
        finish((|| {
            check_out(out, "out")?;
            let path = input_str(path, path_len, "path")?;
            let settings = input_str(settings_json, settings_len, "settings_json")?;
            let outbox = OutboxHandle::open(path, settings, c_observer(observer, context))?;
            write_handle(to_arc_const_ptr::<fiskal_outbox>(outbox).cast_mut(), out);
            Ok(())
        })())
    }
}

/// Runs `f` on a borrowed outbox and hands its JSON output to C.
fn json_call(
    outbox: *const fiskal_outbox,
    input: Option<(*const c_char, usize, &str)>,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
    f: impl FnOnce(&OutboxHandle, &str) -> Result<String, ApiError>,
) -> Code {
    let o = try_arc_from_ptr!(outbox, "outbox");
    finish((|| {
        check_out(out_json, "out_json")?;
        let text = match input {
            Some((ptr, len, name)) => input_str(ptr, len, name)?,
            None => "",
        };
        write_string(f(&o, text)?, out_json, out_len)
    })())
}

/// Validates a receipt (FFD rules) and stores it under its idempotency key, committed and synced
/// before this returns; wakes the worker if it runs.
///
/// `request_json`: `{"key": "order-1842-sell", "receipt": {…}, "route": null}` (`route`
/// optional: the settings' `default_route`), borrowed for the call only. On success `*out_json`
/// is the entry JSON plus `"created"` (false: the key was already stored with the same
/// receipt), a new string owned by the caller (free it with `fiskal_string_free`); `*out_len`
/// (if not NULL) its length. Errors (nothing stored, nothing written):
/// `FISKAL_RESULT_INVALID_JSON`, `FISKAL_RESULT_OUTBOX_INVALID_RECEIPT` (7008, every violation
/// in `details`), `_INVALID_KEY` (7001), `_KEY_CONFLICT` (7002), `_UNKNOWN_ROUTE` (7006),
/// `_DISK_FULL` (7012) …. Thread-safe.
///
/// Feature `outbox` (default on); a build without it returns `FISKAL_RESULT_FEATURE_DISABLED`
/// (see `fiskal_outbox`).
#[no_mangle]
pub extern "C" fn fiskal_outbox_enqueue(
    outbox: *const fiskal_outbox,
    request_json: *const c_char,
    request_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> Code {
    ffi_panic_boundary! {
        if !cfg!(feature = "outbox") {
            return disabled(FEATURE);
        }
        json_call(outbox, Some((request_json, request_len, "request_json")), out_json, out_len,
            |o, t| o.enqueue(t))
    }
}

/// The entry of a key (`key`/`key_len`: UTF-8, borrowed for the call) as entry JSON:
/// `{"key", "state", "attempt", "document_id", "route", "provider_id", "fiscal", "qr",
/// "attention", "last_code", "last_message", "created_at_ms", "state_since_ms",
/// "updated_at_ms", "due_at_ms", "deadline_ms", "version"}`; `attention` is `null` except on a
/// `done` receipt that wants a person's look: `{"reasons": ["negative_mark_check" |
/// "warnings" | "ofd_not_delivered"…], "negative_mark_checks": […], "warnings": […],
/// "ofd_not_delivered", "summary"}`. `FISKAL_RESULT_OUTBOX_NOT_FOUND` (7003) for an
/// unknown key. Output ownership as for `fiskal_outbox_enqueue`. Thread-safe.
///
/// Feature `outbox` (default on); a build without it returns `FISKAL_RESULT_FEATURE_DISABLED`
/// (see `fiskal_outbox`).
#[no_mangle]
pub extern "C" fn fiskal_outbox_get(
    outbox: *const fiskal_outbox,
    key: *const c_char,
    key_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> Code {
    ffi_panic_boundary! {
        if !cfg!(feature = "outbox") {
            return disabled(FEATURE);
        }
        json_call(outbox, Some((key, key_len, "key")), out_json, out_len, |o, k| o.get(k))
    }
}

/// Entries in one state, oldest first: `query_json` `{"state": "done", "limit": 100}`
/// (`limit` optional, default 100) → `{"entries": [entry…]}`; `{"attention": true}` lists the
/// done entries whose `attention` is set. An unknown or missing state is
/// `FISKAL_RESULT_INVALID_ARGUMENT` (path `state`). Ownership as for `fiskal_outbox_enqueue`.
/// Thread-safe.
///
/// Feature `outbox` (default on); a build without it returns `FISKAL_RESULT_FEATURE_DISABLED`
/// (see `fiskal_outbox`).
#[no_mangle]
pub extern "C" fn fiskal_outbox_list(
    outbox: *const fiskal_outbox,
    query_json: *const c_char,
    query_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> Code {
    ffi_panic_boundary! {
        if !cfg!(feature = "outbox") {
            return disabled(FEATURE);
        }
        json_call(outbox, Some((query_json, query_len, "query_json")), out_json, out_len,
            |o, q| o.list(q))
    }
}

/// The audit trail of a key, oldest first: `{"records": [{"seq", "at_ms", "from", "to",
/// "reason", "detail", "attempt", "who", "note"}]}` (`from` is null for the enqueue; `who` and
/// `note`, the operator and the operator's reason, are set for `operator_*` reasons and null
/// otherwise; an unknown key has no records). Ownership as for `fiskal_outbox_enqueue`.
/// Thread-safe.
///
/// Feature `outbox` (default on); a build without it returns `FISKAL_RESULT_FEATURE_DISABLED`
/// (see `fiskal_outbox`).
#[no_mangle]
pub extern "C" fn fiskal_outbox_audit(
    outbox: *const fiskal_outbox,
    key: *const c_char,
    key_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> Code {
    ffi_panic_boundary! {
        if !cfg!(feature = "outbox") {
            return disabled(FEATURE);
        }
        json_call(outbox, Some((key, key_len, "key")), out_json, out_len, |o, k| o.audit(k))
    }
}

/// Counts per state, the last hour's metrics and the worker's counters:
/// `{"states": [{"state", "count", "oldest_age_ms"}], "done_with_attention",
/// "waiting_for_register", "last_hour":
/// {"done", "rejected", "failed_at_register", "stuck", "latency_p50_ms", "latency_p95_ms",
/// "latency_max_ms"}, "worker": {"running", "claimed", "submits", "status_calls", "done",
/// "done_with_attention", "resubmits", "failovers", "conflicts", "store_errors", "unrouted"},
/// "unhealthy_routes": [{"route",
/// "since_ms", "at_ms", "code", "message", "failures"}]}` (`states` lists every state, zero
/// counts included, `cancelled` too; `done_with_attention`: done entries whose `attention` is
/// set; `waiting_for_register`: accepted entries whose provider holds the document until its
/// register is online (МодульКасса's QUEUED); `unhealthy_routes`: the routes whose provider
/// refused our
/// credentials or configuration and has not taken, reported or refused a document since,
/// empty when all is well). Ownership as for `fiskal_outbox_enqueue`. Thread-safe.
///
/// Feature `outbox` (default on); a build without it returns `FISKAL_RESULT_FEATURE_DISABLED`
/// (see `fiskal_outbox`).
#[no_mangle]
pub extern "C" fn fiskal_outbox_stats(
    outbox: *const fiskal_outbox,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> Code {
    ffi_panic_boundary! {
        if !cfg!(feature = "outbox") {
            return disabled(FEATURE);
        }
        json_call(outbox, None, out_json, out_len, |o, _| o.stats())
    }
}

/// Starts the worker on a thread of its own (a no-op when it runs). Thread-safe.
///
/// Feature `outbox` (default on); a build without it returns `FISKAL_RESULT_FEATURE_DISABLED`
/// (see `fiskal_outbox`).
#[no_mangle]
pub extern "C" fn fiskal_outbox_start(outbox: *const fiskal_outbox) -> Code {
    ffi_panic_boundary! {
        if !cfg!(feature = "outbox") {
            return disabled(FEATURE);
        }
        let o = try_arc_from_ptr!(outbox, "outbox");
        finish(o.start())
    }
}

/// Stops the worker gracefully: calls in flight finish (up to the settings' drain timeout),
/// then the thread ends; after it returns the observer is not called any more. A no-op when the
/// worker does not run. Thread-safe.
///
/// Feature `outbox` (default on); a build without it returns `FISKAL_RESULT_FEATURE_DISABLED`
/// (see `fiskal_outbox`).
#[no_mangle]
pub extern "C" fn fiskal_outbox_stop(outbox: *const fiskal_outbox) -> Code {
    ffi_panic_boundary! {
        if !cfg!(feature = "outbox") {
            return disabled(FEATURE);
        }
        let o = try_arc_from_ptr!(outbox, "outbox");
        finish(o.stop())
    }
}

/// Runs the worker on the calling thread's behalf until nothing is scheduled or `timeout_ms`
/// passes (for scripts and tests); `*settled` gets whether it settled. `settled` must not be
/// NULL; it is written only on success. Thread-safe.
///
/// Feature `outbox` (default on); a build without it returns `FISKAL_RESULT_FEATURE_DISABLED`
/// (see `fiskal_outbox`).
#[no_mangle]
pub extern "C" fn fiskal_outbox_drain(
    outbox: *const fiskal_outbox,
    timeout_ms: u32,
    settled: *mut bool,
) -> Code {
    ffi_panic_boundary! {
        if !cfg!(feature = "outbox") {
            return disabled(FEATURE);
        }
        let o = try_arc_from_ptr!(outbox, "outbox");
        finish((|| {
            check_out(settled, "settled")?;
            write_bool(o.drain(timeout_ms)?, settled);
            Ok(())
        })())
    }
}

/// A provider callback arrived for a key or document id (`id`/`id_len`, UTF-8, borrowed):
/// polls that entry now. `*found` gets whether an accepted, in-doubt or retry-later entry had
/// it. `found` must not be NULL; it is written only on success. Thread-safe.
///
/// Feature `outbox` (default on); a build without it returns `FISKAL_RESULT_FEATURE_DISABLED`
/// (see `fiskal_outbox`).
#[no_mangle]
pub extern "C" fn fiskal_outbox_poke(
    outbox: *const fiskal_outbox,
    id: *const c_char,
    id_len: usize,
    found: *mut bool,
) -> Code {
    ffi_panic_boundary! {
        if !cfg!(feature = "outbox") {
            return disabled(FEATURE);
        }
        let o = try_arc_from_ptr!(outbox, "outbox");
        finish((|| {
            check_out(found, "found")?;
            let id = input_str(id, id_len, "id")?;
            write_bool(o.poke(id)?, found);
            Ok(())
        })())
    }
}

/// Compares the journal's done entries of a period with the providers (one status request
/// each; blocks): `query_json` `{"from_ms": 0, "to_ms": 1800000000000, "limit": 1000}` (all
/// optional: 0, now, 1000) → `{"checked", "matched", "unknown_at_provider": [finding],
/// "not_done_at_provider", "mismatched", "missing_fiscal", "unchecked", "id_conflicts",
/// "stuck", "attention", "not_delivered"}`, finding `{"key", "document_id", "route",
/// "detail"}`; `id_conflicts` and `stuck` come from the journal alone: the entries that became
/// `stuck` in the period because the provider reported another receipt under our document id,
/// and the other stuck ones (with their last code and message in `detail`); `attention`: done
/// with a negative marking-code check or provider warnings; `not_delivered`: the provider
/// reports it not delivered to the OFD longer than `worker.ofd_delivery_grace_ms` after done.
/// Ownership as for `fiskal_outbox_enqueue`.
/// Thread-safe.
///
/// Feature `outbox` (default on); a build without it returns `FISKAL_RESULT_FEATURE_DISABLED`
/// (see `fiskal_outbox`).
#[no_mangle]
pub extern "C" fn fiskal_outbox_reconcile(
    outbox: *const fiskal_outbox,
    query_json: *const c_char,
    query_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> Code {
    ffi_panic_boundary! {
        if !cfg!(feature = "outbox") {
            return disabled(FEATURE);
        }
        json_call(outbox, Some((query_json, query_len, "query_json")), out_json, out_len,
            |o, q| o.reconcile(q))
    }
}

/// An operator sends an entry again, with their name and reason kept in the audit trail.
///
/// `request_json`: `{"key": "order-1842-sell", "who": "Anna", "reason": "the register was
/// repaired"}` (`who` and `reason` required, not blank, at most 100 / 1000 characters, no
/// control characters), borrowed for the call only. A `rejected` or `failed_at_register` entry,
/// or a `stuck` one no provider can hold (it never reached `accepted`/`in_doubt`, or the
/// document under its id is another receipt), goes back to `queued` under a **new** document
/// id (attempt + 1); a `stuck` one the provider may hold keeps its document id and goes back to
/// `accepted` (provider id known: polled) or `in_doubt` (resolved with the provider before any
/// resend), so a receipt is never fiscalised twice. The change is committed and synced before
/// this returns; a running worker is woken.
///
/// On success `*out_json` is the entry JSON after the action (ownership as for
/// `fiskal_outbox_enqueue`). Errors (nothing changed, nothing written):
/// `FISKAL_RESULT_INVALID_JSON`, `FISKAL_RESULT_INVALID_ARGUMENT` (path `who` or `reason`),
/// `FISKAL_RESULT_OUTBOX_NOT_FOUND` (7003), `FISKAL_RESULT_OUTBOX_ACTION_NOT_ALLOWED` (7019:
/// the state does not allow it; the message says what to do instead, `details` has `action`
/// and `state`), storage errors 7011–7018. Thread-safe.
///
/// Feature `outbox` (default on); a build without it returns `FISKAL_RESULT_FEATURE_DISABLED`
/// (see `fiskal_outbox`).
#[no_mangle]
pub extern "C" fn fiskal_outbox_requeue(
    outbox: *const fiskal_outbox,
    request_json: *const c_char,
    request_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> Code {
    ffi_panic_boundary! {
        if !cfg!(feature = "outbox") {
            return disabled(FEATURE);
        }
        json_call(outbox, Some((request_json, request_len, "request_json")), out_json, out_len,
            |o, r| o.requeue(r))
    }
}

/// An operator cancels an entry that must not go out, with their name and reason kept in the
/// audit trail: allowed only while no provider can hold it (`queued`, `retry_later`,
/// `failed_at_register`, `rejected`, a `stuck` one no provider can hold); it becomes
/// `cancelled`, a final state. Anything a provider may hold (`sending`, `accepted`,
/// `in_doubt`, a `stuck` one it may hold) is refused with
/// `FISKAL_RESULT_OUTBOX_ACTION_NOT_ALLOWED` (7019; for `accepted`: "the provider may fiscalise
/// it; issue a refund receipt instead"). `request_json`, output, errors and thread safety as
/// for `fiskal_outbox_requeue`.
///
/// Feature `outbox` (default on); a build without it returns `FISKAL_RESULT_FEATURE_DISABLED`
/// (see `fiskal_outbox`).
#[no_mangle]
pub extern "C" fn fiskal_outbox_cancel(
    outbox: *const fiskal_outbox,
    request_json: *const c_char,
    request_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> Code {
    ffi_panic_boundary! {
        if !cfg!(feature = "outbox") {
            return disabled(FEATURE);
        }
        json_call(outbox, Some((request_json, request_len, "request_json")), out_json, out_len,
            |o, r| o.cancel(r))
    }
}

/// An operator marks a `stuck` entry as resolved by hand: the receipt was fiscalised after all
/// (found in the ОФД's or the provider's personal account) although the worker could not learn
/// it. `request_json` is `{"key", "who", "reason", "fiscal": {"fn_number", "fd_number",
/// "fiscal_sign", "date_time", "total", "operation", …}}` (UTF-8, `request_len` bytes;
/// `fiscal` as in the entry JSON), borrowed for the call only. The attributes are checked
/// before anything is written: `fiscal.fn_number` 16 digits, `fiscal.fd_number` and
/// `fiscal.fiscal_sign` above zero, `fiscal.total` and `fiscal.operation` the stored
/// receipt's. The entry becomes `done` with them and the audit trail gets an
/// `operator_resolve` row with `who`, `reason` and the note that they were entered by hand;
/// committed and synced before this returns.
///
/// On success `*out_json` is the entry JSON after the action (ownership as for
/// `fiskal_outbox_enqueue`). Errors (nothing changed, nothing written):
/// `FISKAL_RESULT_INVALID_JSON` (path into `fiscal` for a missing or mistyped attribute),
/// `FISKAL_RESULT_INVALID_ARGUMENT` (path `who`, `reason` or the attribute, e.g.
/// `fiscal.total`, both values in the message), `FISKAL_RESULT_OUTBOX_NOT_FOUND` (7003),
/// `FISKAL_RESULT_OUTBOX_ACTION_NOT_ALLOWED` (7019: any state but `stuck`; the message says
/// what to do instead, `details` has `action` `"resolve"` and `state`), storage errors
/// 7011–7018. Thread-safe.
///
/// Feature `outbox` (default on); a build without it returns `FISKAL_RESULT_FEATURE_DISABLED`
/// (see `fiskal_outbox`).
#[no_mangle]
pub extern "C" fn fiskal_outbox_resolve(
    outbox: *const fiskal_outbox,
    request_json: *const c_char,
    request_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> Code {
    ffi_panic_boundary! {
        if !cfg!(feature = "outbox") {
            return disabled(FEATURE);
        }
        json_call(outbox, Some((request_json, request_len, "request_json")), out_json, out_len,
            |o, r| o.resolve(r))
    }
}

/// Releases an outbox made by `fiskal_outbox_open`: stops the worker (graceful drain, as
/// `fiskal_outbox_stop`) and closes the journal; the observer is not called after it returns.
/// NULL is a no-op. Call it exactly once, after every thread is done with the outbox; the
/// handle is invalid afterwards.
///
/// Feature `outbox` (default on); in a build without it this does nothing (see `fiskal_outbox`).
#[no_mangle]
pub extern "C" fn fiskal_outbox_free(outbox: *mut fiskal_outbox) {
    ffi_panic_boundary! {
        // Without the feature no outbox was ever made, so there is nothing to release.
        if cfg!(feature = "outbox") {
            free_arc::<fiskal_outbox>(outbox.cast_const());
        }
    }
}
