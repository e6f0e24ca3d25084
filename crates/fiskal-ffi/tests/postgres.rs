//! `fiskal_outbox_open` on a `postgres://` journal, as C calls it. Without the feature
//! `postgres` (the default library): `FISKAL_RESULT_FEATURE_DISABLED` naming `postgres`, nothing
//! opened as a file, the URL's password nowhere in the last error. With it (`bash
//! scripts/test-pg` builds it): a server that cannot be reached is a 7xxx storage error that
//! names the server but never the password. The end-to-end runs against a live server are
//! tests/c/test_pg.c and bindings/python/tests/pg_outbox.py (both run by scripts/test-pg).
#![cfg(feature = "outbox")]

use fiskal_ffi::*;
use fiskal_json::Code;
use serde_json::json;
use std::ffi::CStr;
use std::os::raw::c_char;
use std::ptr;

/// Must never be shown: in the URL's user info and in its query.
const SECRET: &str = "hunter2-Do-Not-Print";

fn settings() -> String {
    json!({
        "routes": {"atol": {"provider": {
            "provider": "atol", "api": "v5", "preset": "test",
            "base_url": "http://127.0.0.1:9/possystem/v5/", "password": "zUr0OxfI"}}},
        "default_route": "atol",
        "postgres": {"connect_timeout_ms": 2000, "reconnect_max_ms": 200}
    })
    .to_string()
}

fn last_error_text() -> String {
    let mut out: *mut c_char = ptr::null_mut();
    let mut len = 0;
    assert_eq!(fiskal_last_error(&mut out, &mut len), Code::Ok);
    assert!(!out.is_null());
    // SAFETY: on success `out` is a NUL-terminated string made by the library.
    let s = unsafe { CStr::from_ptr(out) }
        .to_str()
        .expect("UTF-8")
        .to_owned();
    fiskal_string_free(out);
    s
}

/// Opens `location` and returns the result code, the last error's JSON text and whether `out`
/// was left untouched.
fn open(location: &str) -> (Code, String, bool) {
    let s = settings();
    let sentinel = 0x5a5a_usize as *mut fiskal_outbox;
    let mut out = sentinel;
    let code = fiskal_outbox_open(
        location.as_ptr().cast(),
        location.len(),
        s.as_ptr().cast(),
        s.len(),
        None,
        ptr::null_mut(),
        &mut out,
    );
    if code == Code::Ok {
        fiskal_outbox_free(out);
        return (code, String::new(), false);
    }
    (code, last_error_text(), out == sentinel)
}

fn locations() -> Vec<String> {
    vec![
        format!("postgres://shop:{SECRET}@127.0.0.1:1/fiskal?password={SECRET}"),
        format!("  PostgreSQL://shop:{SECRET}@127.0.0.1:1/fiskal"),
    ]
}

#[cfg(not(feature = "postgres"))]
#[test]
fn a_postgres_journal_without_the_feature_is_feature_disabled_naming_postgres() {
    let cwd = std::env::current_dir().expect("cwd");
    let before: Vec<_> = std::fs::read_dir(&cwd)
        .expect("ls")
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    for location in locations() {
        let (code, text, untouched) = open(&location);
        assert_eq!(code, Code::FeatureDisabled, "{location}: {text}");
        assert_eq!(code as u32, 110);
        assert!(untouched, "out written on failure");
        let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(v["code"], 110, "{v}");
        assert_eq!(v["details"]["feature"], "postgres", "{v}");
        assert!(!text.contains(SECRET), "{text}");
        assert!(
            !text.contains("127.0.0.1"),
            "the location is not quoted: {text}"
        );
    }
    // Nothing named "postgres:…" (or anything else) was created as an SQLite file.
    let after: Vec<_> = std::fs::read_dir(&cwd)
        .expect("ls")
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    assert_eq!(before.len(), after.len(), "{after:?}");
    assert!(!cwd.join("postgres:").exists());
}

#[cfg(feature = "postgres")]
#[test]
fn an_unreachable_postgres_journal_is_a_storage_error_without_the_password() {
    for location in locations() {
        let (code, text, untouched) = open(&location);
        assert_ne!(code, Code::Ok);
        assert_ne!(code, Code::FeatureDisabled, "{text}");
        assert!((7000..8000).contains(&(code as u32)), "{code:?}: {text}");
        assert!(untouched, "out written on failure");
        assert!(!text.contains(SECRET), "{text}");
        assert!(text.contains("127.0.0.1"), "the server is named: {text}");
    }
}
