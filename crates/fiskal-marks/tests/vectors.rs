//! Golden vectors shared with the Python, PHP and 1C bindings: `tests/vectors/marks/*.json`
//! at the repository root. The schema is in `tests/vectors/marks/README.md`.
//!
//! `cargo test -p fiskal-marks --test vectors` checks every file through the shared runner
//! (`tests/vectors/runner.rs`) and names each one that fails. With
//! `FISKAL_REGENERATE_VECTORS=1` it instead rewrites the `expected` / `error` part of every
//! file from the current code (inputs, options and descriptions are kept); review the diff
//! before committing it.

#[path = "../../../tests/vectors/runner.rs"]
mod runner;

use std::fmt::Write as _;

use fiskal_marks::provider::{self, TypePrefix};
use fiskal_marks::{Crypto44, MarkCode, MarkError, ParseOptions, Unrecognized};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Case {
    description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    input: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    input_hex: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    options: Option<Options>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expected: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<Value>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Options {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    textual_separators: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    crypto44: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    unrecognized: Option<String>,
}

#[derive(Debug, Serialize)]
struct Expected {
    format: &'static str,
    product_group: &'static str,
    product_group_basis: &'static str,
    product_group_note: &'static str,
    gtin: Option<String>,
    serial: Option<String>,
    elements: Vec<[String; 2]>,
    mark_type: u8,
    tag_1163: Tag1163,
    tag_2000: String,
    tag_1162: Option<Tag1162>,
    providers: Providers,
    warnings: Vec<WarningOut>,
}

#[derive(Debug, Serialize)]
struct Tag1163 {
    tag: u16,
    value: String,
}

#[derive(Debug, Serialize)]
struct Tag1162 {
    hex: String,
    hex_spaced: String,
    base64: String,
}

#[derive(Debug, Serialize)]
struct Providers {
    atol_v4_nomenclature_code: Option<String>,
    atol_v5_mark_code: Value,
    orange_data_nomenclature_code: Option<String>,
    orange_data_item_code: String,
    business_ru_nomenclature_code: Option<BusinessRu>,
}

#[derive(Debug, Serialize)]
struct BusinessRu {
    omitted: String,
    included: String,
}

#[derive(Debug, Serialize)]
struct WarningOut {
    code: &'static str,
    position: Option<usize>,
}

#[derive(Debug, Serialize)]
struct ErrorOut {
    code: &'static str,
    position: Option<usize>,
}

fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.len() % 2 != 0 {
        return Err("input_hex has an odd number of digits".to_owned());
    }
    digits
        .chunks(2)
        .map(|pair| {
            let s = std::str::from_utf8(pair).map_err(|e| e.to_string())?;
            u8::from_str_radix(s, 16).map_err(|e| format!("input_hex: {e}"))
        })
        .collect()
}

fn options_of(case: &Case) -> Result<ParseOptions, String> {
    let mut options = ParseOptions::new();
    let Some(o) = &case.options else {
        return Ok(options);
    };
    if let Some(on) = o.textual_separators {
        options = options.with_textual_separators(on);
    }
    match o.crypto44.as_deref() {
        None | Some("checked") => {}
        Some("unchecked") => options = options.with_crypto44(Crypto44::Unchecked),
        Some(other) => return Err(format!("unknown options.crypto44 {other:?}")),
    }
    match o.unrecognized.as_deref() {
        None | Some("reject") => {}
        Some("accept") => options = options.with_unrecognized(Unrecognized::Accept),
        Some(other) => return Err(format!("unknown options.unrecognized {other:?}")),
    }
    Ok(options)
}

/// Runs the parser on a case: `Ok(expected)` or `Err(error)` as JSON values.
fn outcome(case: &Case) -> Result<Result<Value, Value>, String> {
    let options = options_of(case)?;
    let parsed = match (&case.input, &case.input_hex) {
        (Some(text), None) => MarkCode::parse_with(text, &options),
        (None, Some(hex)) => MarkCode::parse_bytes_with(&parse_hex(hex)?, &options),
        _ => return Err("exactly one of input and input_hex must be given".to_owned()),
    };
    let value = |v: Result<Value, serde_json::Error>| v.map_err(|e| e.to_string());
    Ok(match parsed {
        Ok(mark) => Ok(value(serde_json::to_value(describe(&mark)))?),
        Err(err) => Err(value(serde_json::to_value(describe_error(&err)))?),
    })
}

fn describe(mark: &MarkCode) -> Expected {
    let tag_1162 = mark.tag_1162().ok();
    let child = mark.tag_1163();
    let atol5 = provider::atol_v5_mark_code(mark);
    let business_ru = match (
        provider::business_ru_nomenclature_code(mark, TypePrefix::BUSINESS_RU_OPEN_API),
        provider::business_ru_nomenclature_code(mark, TypePrefix::Included),
    ) {
        (Ok(omitted), Ok(included)) => Some(BusinessRu { omitted, included }),
        _ => None,
    };
    Expected {
        format: mark.format().as_str(),
        product_group: mark.product_group().as_str(),
        product_group_basis: mark.product_group_basis().code(),
        product_group_note: mark.product_group_basis().note(),
        gtin: mark.gtin().map(str::to_owned),
        serial: mark.serial().map(str::to_owned),
        elements: mark
            .elements()
            .map(|e| [e.ai.to_owned(), e.value.to_owned()])
            .collect(),
        mark_type: mark.mark_type().value(),
        tag_1163: Tag1163 {
            tag: child.tag(),
            value: child.value().to_owned(),
        },
        tag_2000: mark.tag_2000().to_owned(),
        tag_1162: tag_1162.as_ref().map(|t| Tag1162 {
            hex: t.to_hex(),
            hex_spaced: t.to_hex_spaced(),
            base64: t.to_base64(),
        }),
        providers: Providers {
            atol_v4_nomenclature_code: provider::atol_v4_nomenclature_code(mark).ok(),
            atol_v5_mark_code: serde_json::from_str(&atol5.to_json()).expect("to_json is JSON"),
            orange_data_nomenclature_code: provider::orange_data_nomenclature_code(mark).ok(),
            orange_data_item_code: provider::orange_data_item_code(mark).to_owned(),
            business_ru_nomenclature_code: business_ru,
        },
        warnings: mark
            .warnings()
            .iter()
            .map(|w| WarningOut {
                code: w.code(),
                position: w.position(),
            })
            .collect(),
    }
}

fn describe_error(err: &MarkError) -> ErrorOut {
    ErrorOut {
        code: err.code(),
        position: err.position(),
    }
}

fn diff(expected: &Value, actual: &Value) -> String {
    let mut out = String::new();
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for key in e.keys().chain(a.keys().filter(|k| !e.contains_key(*k))) {
                let (ev, av) = (e.get(key), a.get(key));
                if ev != av {
                    let _ = writeln!(
                        out,
                        "  {key}:\n    file:   {}\n    actual: {}",
                        ev.map_or("<missing>".to_owned(), Value::to_string),
                        av.map_or("<missing>".to_owned(), Value::to_string)
                    );
                }
            }
        }
        _ => {
            let _ = writeln!(out, "  file:   {expected}\n  actual: {actual}");
        }
    }
    out
}

fn check_file(v: &runner::Vector, regenerate: bool) -> Result<(), String> {
    let mut case: Case =
        serde_json::from_value(v.json.clone()).map_err(|e| format!("bad schema: {e}"))?;
    let result = outcome(&case)?;
    if regenerate {
        match result {
            Ok(v) => (case.expected, case.error) = (Some(v), None),
            Err(v) => (case.expected, case.error) = (None, Some(v)),
        }
        let mut out = serde_json::to_string_pretty(&case).map_err(|e| e.to_string())?;
        out.push('\n');
        return std::fs::write(&v.path, out).map_err(|e| e.to_string());
    }
    match (&case.expected, &case.error, &result) {
        (Some(expected), None, Ok(actual)) if expected == actual => Ok(()),
        (None, Some(expected), Err(actual)) if expected == actual => Ok(()),
        (Some(expected), None, Ok(actual)) | (None, Some(expected), Err(actual)) => {
            Err(format!("outputs differ:\n{}", diff(expected, actual)))
        }
        (Some(_), None, Err(actual)) => Err(format!("expected success, got error {actual}")),
        (None, Some(expected), Ok(_)) => {
            Err(format!("expected error {expected}, but the code parsed"))
        }
        _ => Err("exactly one of expected and error must be given".to_owned()),
    }
}

#[test]
fn marks_vectors() {
    let regenerate = std::env::var_os("FISKAL_REGENERATE_VECTORS").is_some_and(|v| v == "1");
    runner::run("marks", |v| check_file(v, regenerate));
}

/// The two worked examples of tag 1162 (the EAN-13 example of ММВ-7-20/229@ ред. 29.08.2019,
/// quoted in <https://github.com/shtrih-m/fr_drv_ng/issues/97>, and the develop-1c.ru shoe
/// code) must be among the vectors, with their published bytes (guards against regenerating
/// them into something else).
#[test]
fn worked_examples_are_pinned() {
    for (file, hex) in [
        (
            "001_shoes_worked_example.json",
            "44 4D 04 44 09 22 46 CB 47 2B 6D 67 73 48 77 3C 44 69 4C 4E 5F",
        ),
        ("002_ean13_worked_example.json", "45 0D 04 30 77 19 57 61"),
    ] {
        let text = std::fs::read_to_string(runner::root().join("marks").join(file))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let case: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(case["expected"]["tag_1162"]["hex_spaced"], hex, "{file}");
    }
}
