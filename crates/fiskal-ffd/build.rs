//! Turns every golden vector file under `tests/vectors/{tlv,invalid,tlv_errors}` into its own
//! `#[test]` (included by `tests/vectors.rs`), so a failure names the file and a new file is
//! picked up without editing any list. The vectors are not part of the published crate; there
//! the generated list is empty.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let root = Path::new(&manifest).join("../../tests/vectors");
    let mut out = String::new();
    for (sub, mac) in [
        ("tlv", "golden"),
        ("invalid", "invalid"),
        ("tlv_errors", "tlv_error"),
    ] {
        let dir = root.join(sub);
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(".json"))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        for name in names {
            let ident: String = name
                .trim_end_matches(".json")
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '_'
                    }
                })
                .collect();
            let _ = writeln!(out, "{mac}!({sub}_{ident}, \"{sub}/{name}\");");
        }
    }
    let out_dir = std::env::var("OUT_DIR").unwrap_or_default();
    let _ = std::fs::write(Path::new(&out_dir).join("vectors.rs"), out);
}
