//! `fiskal_validate_verdict`: the verdict of `fiskal_validate` for the same bytes (code and last
//! error), without an output, over every receipt of the shared vectors.

use fiskal_ffi::*;
use fiskal_json::Code;
use std::ffi::CStr;
use std::os::raw::c_char;
use std::path::Path;
use std::ptr;

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

/// `fiskal_validate`'s code and last error for `input` (the output freed).
fn full(input: &[u8]) -> (Code, serde_json::Value) {
    let mut out: *mut c_char = ptr::null_mut();
    let code = fiskal_validate(
        input.as_ptr().cast(),
        input.len(),
        &mut out,
        ptr::null_mut(),
    );
    fiskal_string_free(out);
    (code, last_error())
}

fn verdict(input: &[u8]) -> (Code, serde_json::Value) {
    let code = fiskal_validate_verdict(input.as_ptr().cast(), input.len());
    (code, last_error())
}

/// Every receipt of tests/vectors/{tlv,invalid}: the text of `input`, or `receipt` as JSON.
fn vector_inputs() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors");
    let mut out = Vec::new();
    for dir in ["tlv", "invalid"] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(dir))
            .expect("vectors")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for f in files {
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&f).expect("read")).expect("JSON");
            let text = match (&v["input"], &v["receipt"]) {
                (serde_json::Value::String(s), _) => s.clone(),
                (_, r) if !r.is_null() => r.to_string(),
                _ => continue,
            };
            out.push((f.display().to_string(), text));
        }
    }
    out
}

#[test]
fn the_verdict_is_validates_code_and_last_error_for_every_vector() {
    let inputs = vector_inputs();
    assert!(inputs.len() >= 30, "vectors found: {}", inputs.len());
    let (mut ok, mut bad) = (0, 0);
    for (name, text) in &inputs {
        let expected = full(text.as_bytes());
        let got = verdict(text.as_bytes());
        assert_eq!(got, expected, "{name}");
        if got.0 == Code::Ok {
            ok += 1;
        } else {
            bad += 1;
        }
    }
    // Both kinds are there: a verdict that always said "ok" (or never) would fail above.
    assert!(ok >= 8 && bad >= 20, "ok {ok}, failed {bad}");
}

#[test]
fn a_passing_receipt_clears_the_last_error_and_nothing_is_written() {
    let (code, _) = verdict(b"{");
    assert_eq!(code, Code::InvalidJson);
    let receipt = vector_inputs()
        .into_iter()
        .find(|(n, _)| n.contains("tlv/001_"))
        .expect("tlv/001")
        .1;
    let (code, err) = verdict(receipt.as_bytes());
    assert_eq!(code, Code::Ok);
    assert_eq!(err["code"], 0, "{err}");
}

#[test]
fn null_oversized_and_non_utf8_inputs_are_typed_errors() {
    let code = fiskal_validate_verdict(ptr::null(), 0);
    assert_eq!(code, Code::NullParameter);
    assert_eq!(last_error()["path"], "input");

    let (code, err) = verdict(b"{\"version\": 1, \"ffd\": \"1.2\", \"x\": \"\xff\"}");
    assert_eq!(code, Code::InvalidUtf8);
    assert_eq!(err["path"], "input");

    let huge = vec![b' '; fiskal_json::MAX_INPUT_LEN + 1];
    let (code, err) = verdict(&huge);
    assert_eq!(code, Code::InputTooLarge);
    assert_eq!(err, full(&huge).1);
}
