//! The variants of a core crate's error enum, read from its source: the guard tests walk the
//! real variants with them, so a variant added to an enum without a case in the test (and so
//! without a checked code of its own) fails the test by name. The enums are
//! `#[non_exhaustive]`, so outside their crate no `match` on them can be exhaustive; their
//! declaration is the one complete list.

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::path::Path;

/// `line` without its string literals (so braces in `#[error("{field}")]` do not count) and
/// without a trailing `//` comment.
fn code_only(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                while let Some(s) = chars.next() {
                    match s {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
                out.push_str("\"\"");
            }
            '/' if chars.clone().next() == Some('/') => break,
            _ => out.push(c),
        }
    }
    out
}

/// The variant names of `pub enum <name>` in `file` (a path under `crates/`, e.g.
/// `fiskal-marks/src/error.rs`), in declaration order.
pub(crate) fn declared(file: &str, name: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(file);
    let src = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let head = format!("pub enum {name} {{");
    let mut lines = src.lines().skip_while(|l| !l.contains(&head));
    assert!(lines.next().is_some(), "no `{head}` in {file}");
    let mut depth = 1usize;
    let mut variants = Vec::new();
    for line in lines {
        let code = code_only(line);
        let t = code.trim_start();
        if depth == 1 && t.starts_with(|c: char| c.is_ascii_uppercase()) {
            let ident: String = t
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            variants.push(ident);
        }
        for c in code.chars() {
            match c {
                '{' | '(' | '[' => depth += 1,
                '}' | ')' | ']' => depth -= 1,
                _ => {}
            }
        }
        if depth == 0 {
            assert!(
                !variants.is_empty(),
                "no variants read from {name} in {file}"
            );
            return variants;
        }
    }
    panic!("`pub enum {name}` in {file} does not end");
}

/// The variant name of a value of an enum with a derived `Debug` (`TooLong { .. }` → `TooLong`).
pub(crate) fn variant_of<T: Debug>(v: &T) -> String {
    format!("{v:?}")
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// Asserts that `cases` hold every variant `pub enum <name>` in `file` declares, and no other.
pub(crate) fn assert_every_variant<'a, T: Debug + 'a>(
    cases: impl IntoIterator<Item = &'a T>,
    file: &str,
    name: &str,
) {
    let declared: BTreeSet<String> = declared(file, name).into_iter().collect();
    let tested: BTreeSet<String> = cases.into_iter().map(variant_of).collect();
    let missing: Vec<_> = declared.difference(&tested).collect();
    let unknown: Vec<_> = tested.difference(&declared).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "{name} ({file}): variants without a case here (give each its own code in fiskal-json, \
         then a case): {missing:?}; cases of no declared variant (the reader lost track): {unknown:?}"
    );
}
