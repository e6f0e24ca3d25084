//! The one runner of the shared golden vectors for the Rust tests: each crate's
//! `tests/vectors.rs` includes this file (`#[path = "../../../tests/vectors/runner.rs"] mod
//! runner;`) and calls [`run`] once a folder. Every `NNN_name.json` of the folder, in order, goes
//! through one check; a failure (an `Err`, or a panic such as a failed `assert!`) names the file,
//! and the test fails listing every failing file. A folder without vectors, a file not named
//! `NNN_name.json` and a number used twice in a folder fail too (tests/vectors/README.md,
//! «Common rules»). The vectors live outside the crates, so they are never published.

// Each crate's vector test uses its own part of this file (the marks test alone rewrites files).
#![allow(dead_code)]

use serde_json::Value;
use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// `tests/vectors/` of the workspace (every crate is `crates/<name>`).
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
}

/// One vector file, read and parsed.
#[derive(Debug)]
pub(crate) struct Vector {
    /// Its path under `tests/vectors/` (`tlv/001_receipt_1_2.json`), for messages.
    pub(crate) rel: String,
    /// Where it is (for a test that rewrites it).
    pub(crate) path: PathBuf,
    /// Its content.
    pub(crate) json: Value,
}

/// Whether `name` is `NNN_name.json`: three digits, `_`, lower-case ASCII letters, digits, `_`.
fn well_named(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".json") else {
        return false;
    };
    let b = stem.as_bytes();
    b.len() > 4
        && b[..3].iter().all(u8::is_ascii_digit)
        && b[3] == b'_'
        && b[4..]
            .iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
}

/// The text of a caught panic.
fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "panicked".to_owned())
}

/// Runs `check` on every vector of `tests/vectors/<sub>` and fails listing every file that
/// fails it (or cannot be read, or is misnamed).
pub(crate) fn run(sub: &str, mut check: impl FnMut(&Vector) -> Result<(), String>) {
    let dir = root().join(sub);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("tests/vectors/{sub}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "tests/vectors/{sub} has no vectors");
    let mut numbers = BTreeSet::new();
    let mut failures = Vec::new();
    for path in files.iter().cloned() {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let rel = format!("{sub}/{name}");
        if !well_named(&name) {
            failures.push(format!(
                "{rel}: file name must be NNN_name.json (lower-case name, digits and _)"
            ));
            continue;
        }
        if !numbers.insert(name[..3].to_owned()) {
            failures.push(format!("{rel}: number used twice"));
        }
        let json = match std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str(&t).map_err(|e| format!("not JSON: {e}")))
        {
            Ok(json) => json,
            Err(e) => {
                failures.push(format!("{rel}: {e}"));
                continue;
            }
        };
        let v = Vector { rel, path, json };
        match catch_unwind(AssertUnwindSafe(|| check(&v))) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => failures.push(format!("{}: {e}", v.rel)),
            Err(p) => failures.push(format!("{}: {}", v.rel, panic_text(p.as_ref()))),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} vectors in tests/vectors/{sub} failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
