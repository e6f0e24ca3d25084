//! The exports called as C would: versions, NULLs, UTF-8, ownership, the last error per thread.

use fiskal_ffi::*;
use fiskal_json::Code;
use std::ffi::CStr;
use std::os::raw::c_char;
use std::ptr;

/// What an out-pointer holds before a call that may fail: a failing call must leave it as it is
/// (starting from NULL could not tell "untouched" from "set to NULL"). Never dereferenced.
fn sentinel<T>() -> *mut T {
    ptr::NonNull::dangling().as_ptr()
}

/// What an out-length holds before a call that may fail, likewise.
const LEN_SENTINEL: usize = 12_345;

/// Calls an operation export; `Ok(output)` or `Err((code, last error JSON))`.
fn call(
    f: extern "C" fn(*const c_char, usize, *mut *mut c_char, *mut usize) -> Code,
    input: &[u8],
) -> Result<String, (Code, serde_json::Value)> {
    let mut out: *mut c_char = sentinel();
    let mut len = LEN_SENTINEL;
    let code = f(input.as_ptr().cast(), input.len(), &mut out, &mut len);
    if code == Code::Ok {
        assert!(!out.is_null() && out != sentinel());
        // SAFETY: on success `out` is a NUL-terminated string made by the library.
        let s = unsafe { CStr::from_ptr(out) }
            .to_str()
            .expect("UTF-8")
            .to_owned();
        assert_eq!(s.len(), len);
        fiskal_string_free(out);
        Ok(s)
    } else {
        assert_eq!(out, sentinel(), "out written on failure");
        assert_eq!(len, LEN_SENTINEL, "out_len written on failure");
        Err((code, last_error()))
    }
}

fn last_error() -> serde_json::Value {
    let mut out: *mut c_char = ptr::null_mut();
    assert_eq!(fiskal_last_error(&mut out, ptr::null_mut()), Code::Ok);
    // SAFETY: on success `out` is a NUL-terminated string made by the library.
    let s = unsafe { CStr::from_ptr(out) }
        .to_str()
        .expect("UTF-8")
        .to_owned();
    fiskal_string_free(out);
    serde_json::from_str(&s).expect("last error is JSON")
}

#[test]
fn version_string_is_the_cargo_version() {
    // SAFETY: fiskal_version returns a static NUL-terminated string.
    let v = unsafe { CStr::from_ptr(fiskal_version()) }
        .to_str()
        .expect("UTF-8");
    assert_eq!(v, env!("CARGO_PKG_VERSION"));
    // …which is the workspace version in the root Cargo.toml.
    let root = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml"))
        .expect("Cargo.toml");
    let package = root
        .split("[workspace.package]")
        .nth(1)
        .expect("[workspace.package]");
    assert!(
        package.contains(&format!("\nversion = \"{v}\"")),
        "workspace version != {v}"
    );
    let mut out: *mut c_char = ptr::null_mut();
    assert_eq!(fiskal_version_json(&mut out, ptr::null_mut()), Code::Ok);
    // SAFETY: on success `out` is a NUL-terminated string made by the library.
    let j = unsafe { CStr::from_ptr(out) }
        .to_str()
        .expect("UTF-8")
        .to_owned();
    fiskal_string_free(out);
    assert!(j.contains(&format!("\"library_version\":\"{v}\"")));
}

#[test]
fn every_operation_through_the_abi() {
    let receipt = include_bytes!("../data/receipt_1_2.json");
    let tlv = call(fiskal_to_tlv, receipt).expect("to_tlv");
    let hex: serde_json::Value = serde_json::from_str(&tlv).expect("json");
    let input = serde_json::json!({"version": 1, "hex": hex["hex"]}).to_string();
    let back = call(fiskal_from_tlv, input.as_bytes()).expect("from_tlv");
    assert!(back.contains("\"valid\":true"));
    assert!(call(fiskal_validate, receipt).is_ok());
    let r: serde_json::Value = serde_json::from_slice(receipt).expect("json");
    let env = serde_json::json!({"version": 1, "receipt": r, "key": "k"}).to_string();
    assert!(call(fiskal_split, env.as_bytes()).is_ok());
    let env = serde_json::json!({"version": 1, "receipt": r}).to_string();
    assert!(call(fiskal_compute, env.as_bytes()).is_ok());
    assert!(call(fiskal_mark, br#"{"version": 1, "code": "4606203090785"}"#).is_ok());
    let qr = br#"{"version":1,"fn_number":"1","fd_number":1,"fiscal_sign":1,"date_time":"2026-01-01T00:00:00","total":"1.00","operation":"sell"}"#;
    assert!(call(fiskal_qr, qr).is_ok());
    // By name.
    let mut out: *mut c_char = ptr::null_mut();
    let op = b"to_tlv";
    let code = fiskal_call(
        op.as_ptr().cast(),
        op.len(),
        receipt.as_ptr().cast(),
        receipt.len(),
        &mut out,
        ptr::null_mut(),
    );
    assert_eq!(code, Code::Ok);
    // SAFETY: on success `out` is a NUL-terminated string made by the library.
    let by_name = unsafe { CStr::from_ptr(out) };
    assert_eq!(by_name.to_str().ok(), Some(tlv.as_str()));
    fiskal_string_free(out);
}

#[test]
fn errors_are_codes_and_the_last_error() {
    let (code, e) = call(fiskal_validate, b"\xff\xfe").expect_err("not UTF-8");
    assert_eq!((code, e["code"].as_u64()), (Code::InvalidUtf8, Some(101)));
    let (code, e) = call(fiskal_validate, b"{").expect_err("not JSON");
    assert_eq!(code, Code::InvalidJson);
    assert!(e["message_ru"].is_string() && e["message_en"].is_string());
    let (code, _) =
        call(fiskal_mark, br#"{"version":1,"code":"4606203090786"}"#).expect_err("check digit");
    assert_eq!(code, Code::MarkBadCheckDigit);
    assert_eq!(fiskal_last_error_code(), Code::MarkBadCheckDigit);
    // Success clears it.
    assert!(call(fiskal_mark, br#"{"version":1,"code":"4606203090785"}"#).is_ok());
    assert_eq!(fiskal_last_error_code(), Code::Ok);
    assert_eq!(last_error()["code"], 0);

    // NULLs: nothing is read or written.
    let mut out: *mut c_char = sentinel();
    assert_eq!(
        fiskal_validate(ptr::null(), 0, &mut out, ptr::null_mut()),
        Code::NullParameter
    );
    assert_eq!(last_error()["path"], "input");
    assert_eq!(
        fiskal_validate(b"{}".as_ptr().cast(), 2, ptr::null_mut(), ptr::null_mut()),
        Code::NullParameter
    );
    assert_eq!(last_error()["path"], "out_json");
    assert_eq!(out, sentinel(), "untouched on failure");
    assert_eq!(
        fiskal_last_error(ptr::null_mut(), ptr::null_mut()),
        Code::NullParameter
    );
    assert_eq!(
        fiskal_version_json(ptr::null_mut(), ptr::null_mut()),
        Code::NullParameter
    );
    fiskal_string_free(ptr::null_mut());
    // A length above the limit is refused before the bytes are read.
    let one = b"x";
    assert_eq!(
        fiskal_validate(
            one.as_ptr().cast(),
            fiskal_json::MAX_INPUT_LEN + 1,
            &mut out,
            ptr::null_mut()
        ),
        Code::InputTooLarge
    );
    let op = b"nope";
    assert_eq!(
        fiskal_call(
            op.as_ptr().cast(),
            op.len(),
            one.as_ptr().cast(),
            1,
            &mut out,
            ptr::null_mut()
        ),
        Code::UnknownOperation
    );
    assert_eq!(out, sentinel(), "untouched on failure");
}

#[test]
fn result_names_and_messages() {
    for c in Code::ALL {
        // SAFETY: fiskal_result_name returns a static NUL-terminated string.
        let name = unsafe { CStr::from_ptr(fiskal_result_name(c.number())) };
        assert_eq!(name.to_str().ok(), Some(c.name()));
        let mut buf = [0 as c_char; 256];
        let mut n = 0usize;
        assert_eq!(
            fiskal_result_message(c.number(), buf.as_mut_ptr(), buf.len(), &mut n),
            Code::Ok
        );
        assert_eq!(n, c.message_en().len());
    }
    // SAFETY: fiskal_result_name returns a static NUL-terminated string.
    let unknown = unsafe { CStr::from_ptr(fiskal_result_name(7777)) };
    assert_eq!(unknown.to_str().ok(), Some("unknown"));
    let mut small = [0x55 as c_char; 4];
    let mut n = 99usize;
    assert_eq!(
        fiskal_result_message(2000, small.as_mut_ptr(), small.len(), &mut n),
        Code::BufferTooSmall
    );
    assert_eq!(
        (small, n),
        ([0x55 as c_char; 4], 99),
        "nothing written on failure"
    );
    assert_eq!(
        fiskal_result_message(2000, ptr::null_mut(), 10, &mut n),
        Code::NullParameter
    );
}

#[test]
fn the_last_error_is_per_thread() {
    let threads: Vec<_> = (0..8)
        .map(|t| {
            std::thread::spawn(move || {
                for _ in 0..50 {
                    let (input, want): (&[u8], Code) = match t % 4 {
                        0 => (b"{", Code::InvalidJson),
                        1 => (b"\xff", Code::InvalidUtf8),
                        2 => (br#"{"version":1,"code":""}"#, Code::MarkEmpty),
                        _ => (br#"{"version":1,"code":"4606203090785"}"#, Code::Ok),
                    };
                    let f = if t % 4 >= 2 {
                        fiskal_mark
                    } else {
                        fiskal_validate
                    };
                    let got = call(f, input).err().map_or(Code::Ok, |(c, _)| c);
                    assert_eq!(got, want);
                    assert_eq!(fiskal_last_error_code(), want);
                }
            })
        })
        .collect();
    for t in threads {
        assert!(t.join().is_ok());
    }
}
