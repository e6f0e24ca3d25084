//! `from_tlv` reads every fiscal-document form and bare requisite lists
//! (`tests/vectors/documents/`): the dump for every form, the typed receipt only for 3 / 31, and
//! a 5007 that says what it saw when a bare list is handed over as a document.

use fiskal_json::Code;
use serde_json::{json, Value};
use std::path::PathBuf;

fn vectors() -> Vec<(String, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/documents");
    let mut out: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .expect("documents vectors")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
        .map(|e| {
            let v = serde_json::from_str(&std::fs::read_to_string(e.path()).expect("read"))
                .expect("json");
            (e.file_name().to_string_lossy().into_owned(), v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(out.len() >= 13);
    out
}

fn call(input: Value) -> Result<Value, fiskal_json::ApiError> {
    fiskal_json::from_tlv(&input.to_string()).map(|s| serde_json::from_str(&s).expect("json out"))
}

#[test]
fn every_document_form_decodes_to_a_dump_and_receipts_to_a_receipt() {
    for (name, v) in vectors() {
        let hex = v["tlv_hex"].as_str().expect("hex");
        let bare = v["bare"] == json!(true);
        let mut input = json!({"version": 1, "hex": hex});
        if bare {
            input["bare"] = json!(true);
            if !v["form"].is_null() {
                input["form"] = v["form"].clone();
            }
        }
        let out = call(input).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(out["form"], v["form"], "{name}: form");
        assert_eq!(out["bare"], json!(bare), "{name}");
        assert_eq!(out["size"], v["size"], "{name}: size");
        if v["receipt"].is_null() {
            assert_eq!(out["receipt"], Value::Null, "{name}: no typed receipt");
            assert_eq!(out["valid"], Value::Null, "{name}");
            assert_eq!(out["violations"], json!([]), "{name}");
        } else {
            assert!(out["receipt"].is_object(), "{name}: typed receipt");
            assert_eq!(out["valid"], v["receipt"]["valid"], "{name}: {out}");
        }
        if bare && v["form"].is_null() {
            let list = out["dump"]
                .as_array()
                .expect("a bare list dumps as an array");
            assert_eq!(list.len(), v["requisites"].as_array().expect("list").len());
            assert!(list.iter().all(|r| r["name"].is_string()), "{name}");
        } else {
            assert_eq!(out["form_name"], v["form_name"], "{name}: form_name");
            assert_eq!(
                out["dump"]["name"], v["form_name"],
                "{name}: dump names the form"
            );
        }
    }
}

#[test]
fn registration_report_is_no_longer_not_a_receipt() {
    let v = &vectors()[0].1; // 001: the real form 11
    let out = call(json!({"version": 1, "hex": v["tlv_hex"]})).expect("form 11 decodes");
    assert_eq!(out["form"], json!(11));
    assert_eq!(
        out["form_name"],
        json!("отчет об изменении параметров регистрации")
    );
    let names: Vec<&str> = out["dump"]["value"]
        .as_array()
        .expect("children")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert!(
        names.contains(&"ИНН ОФД") && names.contains(&"номер ФН"),
        "{names:?}"
    );
}

#[test]
fn a_bare_list_as_a_document_is_5007_saying_what_was_seen() {
    let (_, v) = vectors()
        .into_iter()
        .find(|(n, _)| n.starts_with("012_"))
        .expect("012");
    let e = call(json!({"version": 1, "hex": v["tlv_hex"]})).expect_err("not a document");
    assert_eq!(e.code, Code::TlvTrailingData);
    assert_eq!(e.code.number(), 5007);
    let d = e.details.as_ref().expect("details");
    assert_eq!(d["offset"], json!(20));
    assert_eq!(d["tag"], Value::Null);
    assert_eq!(d["first_tag"], json!(1041));
    assert_eq!(d["first_len"], json!(16));
    assert_eq!(d["looks_like_bare_list"], json!(true));
    assert!(
        e.message_en
            .contains("tag 1041 (номер ФН) of 16 bytes ends at byte 20")
            && e.message_en.contains("bare = true"),
        "{}",
        e.message_en
    );
    assert!(e.message_ru.contains("bare: true"), "{}", e.message_ru);
    // A document followed by one stray byte is not called a bare list.
    let e = call(json!({"version": 1, "hex": "030005001E04010001FF"})).expect_err("stray");
    let d = e.details.as_ref().expect("details");
    assert_eq!(d["looks_like_bare_list"], json!(false));
    assert!(!e.message_en.contains("bare"), "{}", e.message_en);
}

#[test]
fn form_needs_bare_and_a_receipt_form_that_is_incomplete_is_still_5100() {
    let e = call(json!({"version": 1, "hex": "0300050009040100FF", "form": 3})).expect_err("form");
    assert_eq!(e.path.as_deref(), Some("form"));
    // A bare list read as form 3 that lacks the mandatory 1054 / 1020: 5100 with the dump.
    let e = call(json!({"version": 1, "hex": "B904010004", "bare": true, "form": 3}))
        .expect_err("not a complete receipt");
    assert_eq!(e.code.number(), 5100);
    assert!(e.details.as_ref().expect("details")["dump"].is_object());
}
