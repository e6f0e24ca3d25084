//! Every export of the C ABI (`crates/fiskal-ffi`) called with arbitrary arguments: each pointer
//! NULL or valid memory, each length anything up to the buffer (any length with NULL), each
//! input arbitrary bytes (often JSON from the corpus), handles made here or NULL.
//!
//! Properties: no crash, no panic escaping (104 is a bug too: the boundary caught one), and
//! the ABI conventions hold: a success writes a NUL-terminated UTF-8 JSON string whose length
//! is `*out_len`; a failure leaves the outputs as they were and sets a last error whose code
//! is the result.
#![no_main]

use std::ffi::{c_char, c_void, CStr};
use std::ptr;
use std::sync::OnceLock;

use fiskal_json::Code;
use fiskal_ffi::*;
use libfuzzer_sys::fuzz_target;

/// Reads the fuzzer's bytes as a sequence of choices.
struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }

    /// A chunk: a length byte (255: a 16-bit little-endian length follows), then up to that
    /// many bytes.
    fn chunk(&mut self) -> &'a [u8] {
        let n = match self.byte() {
            255 => usize::from(u16::from_le_bytes([self.byte(), self.byte()])),
            n => usize::from(n),
        };
        let n = n.min(self.0.len());
        let (c, rest) = self.0.split_at(n);
        self.0 = rest;
        c
    }
}

/// An input argument: (pointer, length) for `bytes`, as a caller might pass it.
fn arg(inp: &mut Input<'_>, bytes: &[u8]) -> (*const c_char, usize) {
    match inp.byte() % 8 {
        // NULL with length 0 and with a length.
        0 => (ptr::null(), 0),
        1 => (ptr::null(), inp.u32() as usize),
        // Valid memory, a shorter length than the buffer.
        2 => (
            bytes.as_ptr().cast(),
            inp.byte() as usize % (bytes.len() + 1),
        ),
        // Valid memory, length 0 (a dangling but non-NULL pointer for an empty buffer).
        3 => (bytes.as_ptr().cast(), 0),
        _ => (bytes.as_ptr().cast(), bytes.len()),
    }
}

/// The output pair: `(out_json, out_len)`, each NULL or a slot holding a marker.
struct Out {
    json: *mut c_char,
    len: usize,
    null_json: bool,
    null_len: bool,
}

/// What a fresh output slot holds, to see that a failure does not write it.
const MARK: usize = 0x5EED;

impl Out {
    fn new(inp: &mut Input<'_>) -> Out {
        let b = inp.byte();
        Out {
            json: MARK as *mut c_char,
            len: MARK,
            null_json: b % 8 == 0,
            null_len: b % 8 == 1,
        }
    }

    fn ptrs(&mut self) -> (*mut *mut c_char, *mut usize) {
        (
            if self.null_json {
                ptr::null_mut()
            } else {
                &mut self.json
            },
            if self.null_len {
                ptr::null_mut()
            } else {
                &mut self.len
            },
        )
    }

    /// Checks the conventions after a call that returned `code`, and frees the result.
    fn check(self, code: u32, what: &str) {
        assert_ne!(code, 104, "{what}: a panic was caught at the boundary");
        if code == 0 {
            assert!(!self.null_json, "{what}: success without out_json");
            assert!(
                !self.json.is_null() && self.json as usize != MARK,
                "{what}: no result"
            );
            // SAFETY: on success the library wrote a NUL-terminated string it owns.
            let s = unsafe { CStr::from_ptr(self.json) };
            if !self.null_len {
                assert_eq!(self.len, s.to_bytes().len(), "{what}: *out_len");
            }
            let text = s.to_str().expect("the result is UTF-8");
            serde_json::from_str::<serde_json::Value>(text).expect("the result is JSON");
            fiskal_string_free(self.json);
        } else {
            assert!(
                self.json as usize == MARK,
                "{what}: out_json written on failure"
            );
            assert!(self.len == MARK, "{what}: out_len written on failure");
            assert_eq!(
                fiskal_last_error_code() as u32,
                code,
                "{what}: the last error's code"
            );
            let mut e = Out {
                json: MARK as *mut c_char,
                len: MARK,
                null_json: false,
                null_len: false,
            };
            let (j, l) = e.ptrs();
            assert_eq!(fiskal_last_error(j, l) as u32, 0);
            // SAFETY: as above.
            let s = unsafe { CStr::from_ptr(e.json) };
            let v: serde_json::Value =
                serde_json::from_str(s.to_str().expect("UTF-8")).expect("the last error is JSON");
            assert_eq!(v["code"], code, "{what}: {v}");
            if let Some(p) = v["path"].as_str() {
                assert!(
                    !p.split('.').any(|s| s == "?"),
                    "{what}: an unnamed path segment: {v}"
                );
            }
            fiskal_string_free(e.json);
        }
    }
}

/// Where the run's databases go: a directory of this process in /dev/shm (memory: SQLite's
/// syncs cost nothing there) or the temp directory.
fn scratch_dir() -> std::path::PathBuf {
    let shm = std::path::Path::new("/dev/shm");
    let base = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    base.join(format!("fiskal-fuzz-{}", std::process::id()))
}

extern "C" {
    /// C's `atexit`: libFuzzer ends the process with `exit()`, so Rust destructors of statics
    /// never run; the scratch directory is removed from here.
    fn atexit(f: extern "C" fn()) -> std::ffi::c_int;
}

/// Removes the run's scratch directory (registered with `atexit`).
extern "C" fn remove_scratch() {
    let _ = std::fs::remove_dir_all(scratch_dir());
}

/// One outbox for the whole run (opening one per input would measure SQLite, not the ABI).
fn outbox() -> *const fiskal_outbox {
    struct Ptr(*const fiskal_outbox);
    // SAFETY: the handle is thread-safe (an Arc behind the ABI).
    unsafe impl Send for Ptr {}
    unsafe impl Sync for Ptr {}
    static OUTBOX: OnceLock<Ptr> = OnceLock::new();
    OUTBOX
        .get_or_init(|| {
            let dir = scratch_dir();
            std::fs::create_dir_all(&dir).expect("temp dir");
            // SAFETY: registers a plain function with no arguments.
            unsafe { atexit(remove_scratch) };
            let path = dir.join("outbox.db");
            let path = path.to_str().expect("UTF-8 temp path");
            // A route to a port where nothing listens (127.0.0.1:9): the worker's sends fail
            // fast; the outbox itself is real.
            let settings = r#"{"routes": {"atol": {"provider": {"provider": "atol", "api": "v5",
                "preset": "test", "base_url": "http://127.0.0.1:9/possystem/v5/",
                "password": "fuzz-pass"}}}, "default_route": "atol",
                "worker": {"concurrency": 1, "call_timeout_ms": 50, "idle_wait_ms": 5,
                           "drain_timeout_ms": 50}}"#;
            let mut out = ptr::null_mut();
            let code = fiskal_outbox_open(
                path.as_ptr().cast(),
                path.len(),
                settings.as_ptr().cast(),
                settings.len(),
                None,
                ptr::null_mut(),
                &mut out,
            );
            assert_eq!(code as u32, 0, "the fuzz outbox opens");
            Ptr(out.cast_const())
        })
        .0
}

/// An outbox handle argument: NULL or the run's outbox.
fn outbox_arg(inp: &mut Input<'_>) -> *const fiskal_outbox {
    if inp.byte() % 4 == 0 {
        ptr::null()
    } else {
        outbox()
    }
}

type JsonFn = extern "C" fn(*const c_char, usize, *mut *mut c_char, *mut usize) -> Code;

fuzz_target!(|data: &[u8]| {
    let mut inp = Input(data);
    for _ in 0..4 {
        if inp.0.is_empty() {
            break;
        }
        let op = inp.byte();
        let bytes = inp.chunk().to_vec();
        match op % 24 {
            0..=6 => {
                let f: JsonFn = [
                    fiskal_validate,
                    fiskal_compute,
                    fiskal_split,
                    fiskal_to_tlv,
                    fiskal_from_tlv,
                    fiskal_mark,
                    fiskal_qr,
                ][usize::from(op % 24)];
                let (p, n) = arg(&mut inp, &bytes);
                let mut out = Out::new(&mut inp);
                let (j, l) = out.ptrs();
                let code = f(p, n, j, l) as u32;
                out.check(code, "json op");
            }
            7 => {
                let name = inp.chunk().to_vec();
                let names: [&[u8]; 4] = [b"validate", b"to_tlv", b"version", &name];
                let name = names[usize::from(inp.byte() % 4)];
                let (op_p, op_n) = arg(&mut inp, name);
                let (p, n) = arg(&mut inp, &bytes);
                let mut out = Out::new(&mut inp);
                let (j, l) = out.ptrs();
                let code = fiskal_call(op_p, op_n, p, n, j, l) as u32;
                out.check(code, "fiskal_call");
            }
            8 => {
                let mut out = Out::new(&mut inp);
                let (j, l) = out.ptrs();
                let code = fiskal_version_json(j, l) as u32;
                out.check(code, "fiskal_version_json");
                // SAFETY: a static NUL-terminated string.
                assert!(!unsafe { CStr::from_ptr(fiskal_version()) }
                    .to_bytes()
                    .is_empty());
            }
            9 => {
                let code = inp.u32() % 9000;
                // SAFETY: static NUL-terminated strings (or NULL for an unknown code).
                let name = fiskal_result_name(code);
                if !name.is_null() {
                    assert!(!unsafe { CStr::from_ptr(name) }.to_bytes().is_empty());
                }
                let mut buf = vec![0x55_u8; usize::from(inp.byte())];
                let buf_len = if buf.is_empty() {
                    0
                } else {
                    usize::from(inp.byte()) % (buf.len() + 1)
                };
                let p = if inp.byte() % 4 == 0 {
                    ptr::null_mut()
                } else {
                    buf.as_mut_ptr().cast()
                };
                let mut n = MARK;
                let np = if inp.byte() % 4 == 0 {
                    ptr::null_mut()
                } else {
                    &mut n as *mut usize
                };
                let r = fiskal_result_message(code, p, buf_len, np) as u32;
                assert_ne!(r, 104);
                if r == 0 && !p.is_null() {
                    assert!(buf[..buf_len].contains(&0), "NUL-terminated within buf_len");
                }
                let _ = (
                    fiskal_result_is_argument_error(code),
                    fiskal_result_is_validation_error(code),
                    fiskal_result_is_calc_error(code),
                    fiskal_result_is_mark_error(code),
                    fiskal_result_is_tlv_error(code),
                    fiskal_result_is_provider_error(code),
                    fiskal_result_is_outbox_error(code),
                );
            }
            10 => {
                // fiskal_client_new → submit/status with tiny timeouts → free.
                let (p, n) = arg(&mut inp, &bytes);
                let mut client = MARK as *mut fiskal_client;
                let outp = if inp.byte() % 8 == 0 {
                    ptr::null_mut()
                } else {
                    &mut client as *mut _
                };
                let code = fiskal_client_new(p, n, outp) as u32;
                assert_ne!(code, 104);
                let made = code == 0 && !outp.is_null();
                if !made {
                    assert_eq!(client as usize, MARK, "out written on failure");
                }
                let handle = if made {
                    client.cast_const()
                } else {
                    ptr::null()
                };
                let req = inp.chunk().to_vec();
                let (rp, rn) = arg(&mut inp, &req);
                let mut out = Out::new(&mut inp);
                let (j, l) = out.ptrs();
                let timeout = u32::from(inp.byte() % 20) + 1;
                let code = if inp.byte() % 2 == 0 {
                    fiskal_client_submit(handle, rp, rn, timeout, j, l) as u32
                } else {
                    fiskal_client_status(handle, rp, rn, timeout, j, l) as u32
                };
                out.check(code, "client call");
                fiskal_client_free(if made { client } else { ptr::null_mut() });
            }
            11 => {
                // Opening with arbitrary settings, at a path in a scratch directory only.
                let dir = scratch_dir();
                let path = dir.join("open.db");
                let path = path.to_str().expect("UTF-8").as_bytes().to_vec();
                let (pp, pn) = arg(&mut inp, &path);
                let (p, n) = arg(&mut inp, &bytes);
                let mut o = MARK as *mut fiskal_outbox;
                let outp = if inp.byte() % 8 == 0 {
                    ptr::null_mut()
                } else {
                    &mut o as *mut _
                };
                let code = fiskal_outbox_open(pp, pn, p, n, None, ptr::null_mut(), outp) as u32;
                assert_ne!(code, 104);
                if code == 0 && !outp.is_null() {
                    fiskal_outbox_free(o);
                } else {
                    assert_eq!(o as usize, MARK, "out written on failure");
                    fiskal_outbox_free(ptr::null_mut());
                }
                let _ = std::fs::remove_file(dir.join("open.db"));
            }
            12..=16 => {
                type OutboxFn = extern "C" fn(
                    *const fiskal_outbox,
                    *const c_char,
                    usize,
                    *mut *mut c_char,
                    *mut usize,
                ) -> Code;
                let f: OutboxFn = [
                    fiskal_outbox_enqueue,
                    fiskal_outbox_get,
                    fiskal_outbox_list,
                    fiskal_outbox_audit,
                    fiskal_outbox_reconcile,
                ][usize::from(op % 24 - 12)];
                let o = outbox_arg(&mut inp);
                let (p, n) = arg(&mut inp, &bytes);
                let mut out = Out::new(&mut inp);
                let (j, l) = out.ptrs();
                let code = f(o, p, n, j, l) as u32;
                out.check(code, "outbox call");
            }
            17 => {
                let o = outbox_arg(&mut inp);
                let mut out = Out::new(&mut inp);
                let (j, l) = out.ptrs();
                let code = fiskal_outbox_stats(o, j, l) as u32;
                out.check(code, "fiskal_outbox_stats");
            }
            18 => {
                let o = outbox_arg(&mut inp);
                let mut settled = false;
                let sp = if inp.byte() % 4 == 0 {
                    ptr::null_mut()
                } else {
                    &mut settled as *mut bool
                };
                assert_ne!(
                    fiskal_outbox_drain(o, u32::from(inp.byte() % 2), sp) as u32,
                    104
                );
            }
            19 => {
                let o = outbox_arg(&mut inp);
                let (p, n) = arg(&mut inp, &bytes);
                let mut found = false;
                let fp = if inp.byte() % 4 == 0 {
                    ptr::null_mut()
                } else {
                    &mut found as *mut bool
                };
                assert_ne!(fiskal_outbox_poke(o, p, n, fp) as u32, 104);
            }
            20 => {
                let o = outbox_arg(&mut inp);
                assert_ne!(fiskal_outbox_start(o) as u32, 104);
                assert_ne!(fiskal_outbox_stop(o) as u32, 104);
            }
            21 => {
                let mut out = Out::new(&mut inp);
                let (j, l) = out.ptrs();
                let code = fiskal_last_error(j, l) as u32;
                assert_ne!(code, 104);
                if code == 0 {
                    fiskal_string_free(out.json);
                }
            }
            _ => {
                fiskal_string_free(ptr::null_mut());
                fiskal_client_free(ptr::null_mut());
                fiskal_outbox_free(ptr::null_mut());
                let _ = fiskal_last_error_code();
                let _: *mut c_void = ptr::null_mut();
            }
        }
    }
});
