//! `fiskal tlv decode` reads every fiscal-document form of `tests/vectors/documents/` (the
//! dump with Russian names), and bare requisite lists with `--bare` (and `--form`).

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_fiskal");

fn fiskal(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run fiskal")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn vectors() -> Vec<Value> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/documents");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("vectors")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).expect("read")).expect("json"))
        .collect()
}

fn scratch(name: &str, hex: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("tlv_forms_{name}.hex"));
    std::fs::write(&p, hex).expect("write");
    p
}

#[test]
fn tlv_decode_reads_every_form_and_bare_lists() {
    let mut seen = 0;
    for (k, v) in vectors().iter().enumerate() {
        let file = scratch(&k.to_string(), v["tlv_hex"].as_str().expect("hex"));
        let path = file.to_str().expect("path");
        if v["bare"] == Value::Bool(true) {
            // As a document: refused, with the advice to pass --bare.
            let o = fiskal(&["tlv", "decode", path]);
            assert_eq!(o.status.code(), Some(1), "{}", text(&o));
            assert!(text(&o).contains("bare"), "{}", text(&o));
            let o = fiskal(&["tlv", "decode", path, "--bare"]);
            assert!(o.status.success(), "{}", text(&o));
            assert!(text(&o).contains("номер ФН"), "{}", text(&o));
            if v["form"] == 3 {
                let o = fiskal(&["--json", "tlv", "decode", path, "--bare", "--form", "3"]);
                let j: Value = serde_json::from_slice(&o.stdout).expect("json");
                assert_eq!(j["form"], 3);
                assert!(j["receipt"].is_object(), "{j}");
            }
        } else {
            let o = fiskal(&["tlv", "decode", path]);
            assert!(o.status.success(), "form {}: {}", v["form"], text(&o));
            let out = text(&o);
            let name = v["form_name"].as_str().expect("form name");
            assert!(out.contains(name), "form {}: {out}", v["form"]);
            seen += 1;
        }
    }
    assert!(seen >= 11, "documents read: {seen}");
}
