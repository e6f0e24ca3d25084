//! Every core error variant maps to its own code; the operations' envelopes, versions and
//! argument errors.
//!
//! The guard tests walk the real variants: `variants::assert_every_variant` compares each
//! test's cases with the enum's declaration in its crate's source, so a variant added there
//! without a case here (and so without a checked code of its own) fails the test; and every
//! code of a layer but its fallback must be some variant's. `Code` itself cannot lose a
//! variant: its names and texts come from one table whose `match`es are exhaustive.

mod variants;

use fiskal_calc::CalcError;
use fiskal_ffd::money::MoneyProblem;
use fiskal_ffd::tlv::DecodeErrorKind;
use fiskal_json::{calc_code, decode_code, mark_code, Code};
use fiskal_marks::MarkError;
use serde_json::{json, Value};
use std::collections::HashSet;

/// Every code of a layer (`in_layer`) but `fallback` is one of `codes` (each variant's).
fn every_layer_code_is_a_variants(codes: &[Code], in_layer: fn(&Code) -> bool, fallback: Code) {
    for c in Code::ALL.iter().filter(|c| in_layer(c)) {
        assert!(
            *c == fallback || codes.contains(c),
            "{c:?} is no variant's code"
        );
    }
}

fn distinct(codes: &[Code], other: Code) {
    let set: HashSet<u32> = codes.iter().map(|c| c.number()).collect();
    assert_eq!(
        set.len(),
        codes.len(),
        "two variants share a code: {codes:?}"
    );
    assert!(!codes.contains(&other), "a known variant maps to {other:?}");
}

#[test]
fn every_mark_error_has_its_own_code() {
    let all = [
        MarkError::Empty,
        MarkError::TooLong { length: 1, max: 1 },
        MarkError::UnexpectedChar {
            position: 0,
            found: 'x',
            expected: "y",
        },
        MarkError::RussianKeyboardLayout {
            position: 0,
            found: 'ж',
        },
        MarkError::BadCheckDigit {
            position: 0,
            expected: 1,
            found: 2,
        },
        MarkError::Truncated {
            position: 0,
            expected: "y",
        },
        MarkError::UnknownAi { position: 0 },
        MarkError::DuplicateAi {
            position: 0,
            ai: "21",
        },
        MarkError::MissingAi { ai: "01" },
        MarkError::BadLength {
            position: 0,
            ai: "92",
            length: 1,
            expected: "44",
        },
        MarkError::MissingSeparator { position: 0 },
        MarkError::AmbiguousSeparator { position: 0 },
        MarkError::UnrecognizedFormat { length: 3 },
        MarkError::NotEncodable { target: "tag 1162" },
    ];
    variants::assert_every_variant(&all, "fiskal-marks/src/error.rs", "MarkError");
    let codes: Vec<Code> = all.iter().map(mark_code).collect();
    distinct(&codes, Code::MarkOther);
    every_layer_code_is_a_variants(&codes, |c| c.is_mark_error(), Code::MarkOther);
    for (e, c) in all.iter().zip(&codes) {
        assert!(c.is_mark_error());
        // The details keep fiskal-marks' own stable code.
        let api = fiskal_json::ApiError::from(e.clone());
        assert_eq!(
            api.details.as_ref().map(|d| d["reason"].clone()),
            Some(json!(e.code()))
        );
    }
}

#[test]
fn every_decode_error_has_its_own_code() {
    let all = [
        DecodeErrorKind::TruncatedHeader { available: 0 },
        DecodeErrorKind::LengthPastEnd {
            declared: 1,
            available: 0,
        },
        DecodeErrorKind::WrongWidth {
            expected: 1,
            actual: 2,
        },
        DecodeErrorKind::VlnTooWide { max: 6, actual: 7 },
        DecodeErrorKind::BadFvln { actual: 0 },
        DecodeErrorKind::TooDeep,
        DecodeErrorKind::TrailingData { len: 1 },
        DecodeErrorKind::Tainted,
    ];
    variants::assert_every_variant(&all, "fiskal-ffd/src/tlv/reader.rs", "DecodeErrorKind");
    let codes: Vec<Code> = all.iter().map(decode_code).collect();
    distinct(&codes, Code::TlvOther);
    // 51xx: well-formed TLV that is not a receipt (not a decode error kind).
    every_layer_code_is_a_variants(
        &codes,
        |c| (5000..5100).contains(&c.number()),
        Code::TlvOther,
    );
    assert!(codes.iter().all(|c| c.is_tlv_error()));
}

#[test]
fn every_calc_error_has_its_own_code() {
    let p = || "x".to_owned();
    let all = [
        CalcError::Money {
            path: p(),
            problem: MoneyProblem::Negative,
        },
        CalcError::Overflow { path: p() },
        CalcError::QuantityNotPositive { path: p() },
        CalcError::QuantityScale {
            path: p(),
            max: 3,
            actual: 4,
        },
        CalcError::UnknownVatRate {
            path: p(),
            code: 99,
        },
        CalcError::BadPercent {
            path: p(),
            percent: "-1".into(),
        },
        CalcError::DiscountTooLarge {
            discount: 2,
            eligible: 1,
        },
        CalcError::TargetBelowExcluded {
            target: 1,
            excluded: 2,
        },
        CalcError::NothingEligible { amount: 1 },
        CalcError::ZeroTotal { path: p() },
        CalcError::IndexOutOfRange {
            path: p(),
            index: 1,
            len: 1,
        },
        CalcError::LineUnpriceable {
            path: p(),
            sum: 1,
            quantity: "3.3".into(),
            best_diff: 2,
        },
        CalcError::MarkedLineSplit { path: p() },
        CalcError::PaymentsMismatch {
            path: p(),
            expected: 1,
            actual: 2,
        },
        CalcError::HeaderTooLarge { size: 2, budget: 1 },
        CalcError::ItemTooLarge {
            path: p(),
            size: 2,
            budget: 1,
        },
        CalcError::ProviderLimit {
            path: p(),
            limit: "max_items",
            max: 1,
            actual: 2,
        },
        CalcError::Encode {
            path: p(),
            message: "m".into(),
        },
        CalcError::Invalid {
            path: p(),
            violations: vec![],
        },
        CalcError::WrongKind {
            path: p(),
            reason: "r",
        },
        CalcError::PrepaidExceedsTotal {
            prepaid: 2,
            total: 1,
        },
        CalcError::RefundQuantity {
            path: p(),
            requested: "2".into(),
            available: "1".into(),
        },
        CalcError::InvalidDate {
            year: 2025,
            month: 2,
            day: 30,
        },
    ];
    variants::assert_every_variant(&all, "fiskal-calc/src/error.rs", "CalcError");
    let codes: Vec<Code> = all.iter().map(calc_code).collect();
    distinct(&codes, Code::CalcOther);
    every_layer_code_is_a_variants(&codes, |c| c.is_calc_error(), Code::CalcOther);
    for (e, c) in all.iter().zip(&codes) {
        match e {
            CalcError::Invalid { .. } => assert_eq!(*c, Code::ReceiptInvalid),
            _ => assert!(c.is_calc_error(), "{e:?}"),
        }
    }
}

fn v(s: &str) -> Value {
    serde_json::from_str(s).expect("output is JSON")
}

#[test]
fn version_op() {
    let o = v(&fiskal_json::version("").expect("version"));
    assert_eq!(o["version"], 1);
    assert_eq!(o["library_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(o["ffd_versions"], json!(["1.05", "1.2"]));
    assert_eq!(o["schema_version"], fiskal_json::SCHEMA_VERSION);
    assert_eq!(
        o["operations"].as_array().map(Vec::len),
        Some(fiskal_json::OPERATIONS.len())
    );
    // Output starts with "version".
    assert!(fiskal_json::version("{}")
        .expect("version")
        .starts_with("{\"version\":1,"));
}

#[test]
fn qr_op() {
    let input = json!({
        "version": 1, "fn_number": "9999078900001234", "fd_number": 1234,
        "fiscal_sign": 3826187301u32, "date_time": "2026-03-02T10:15:42",
        "total": "599.70", "operation": "sell"
    });
    let o = v(&fiskal_json::qr(&input.to_string()).expect("qr"));
    assert_eq!(
        o["qr"],
        "t=20260302T1015&s=599.70&fn=9999078900001234&i=1234&fp=3826187301&n=1"
    );
    let mut bad = input.clone();
    bad["version"] = json!(2);
    assert_eq!(
        fiskal_json::qr(&bad.to_string()).map_err(|e| e.code),
        Err(Code::UnsupportedVersion)
    );
    let mut bad = input;
    bad["total"] = json!(true);
    let e = fiskal_json::qr(&bad.to_string()).expect_err("bad total");
    assert_eq!(
        (e.code, e.path.as_deref()),
        (Code::InvalidJson, Some("total"))
    );
}

#[test]
fn envelope_errors() {
    let e = fiskal_json::mark(r#"{"version": 2, "code": "x", "new_field": 1}"#).expect_err("v2");
    assert_eq!(
        (e.code, e.path.as_deref()),
        (Code::UnsupportedVersion, Some("version"))
    );
    let e = fiskal_json::mark(r#"{"code": "x"}"#).expect_err("no version");
    assert_eq!(e.code, Code::InvalidJson);
    let e = fiskal_json::mark(r#"{"version": 1, "cod": "x"}"#).expect_err("unknown field");
    assert_eq!(
        (e.code, e.path.as_deref()),
        (Code::InvalidJson, Some("cod"))
    );
    let e = fiskal_json::mark(r#"{"version": 1}"#).expect_err("no code");
    assert_eq!(e.code, Code::InvalidArgument);
    let e = fiskal_json::from_tlv(r#"{"version": 1, "hex": "zz"}"#).expect_err("hex");
    assert_eq!(
        (e.code, e.path.as_deref()),
        (Code::InvalidArgument, Some("hex"))
    );
    let e = fiskal_json::from_tlv(r#"{"version": 1, "hex": "00", "base64": "AA=="}"#)
        .expect_err("both");
    assert_eq!(e.code, Code::InvalidArgument);
    let e = fiskal_json::call("nope", "{}").expect_err("unknown op");
    assert_eq!(e.code, Code::UnknownOperation);
    let huge = " ".repeat(fiskal_json::MAX_INPUT_LEN + 1);
    for (_, op) in fiskal_json::OPERATIONS
        .iter()
        .filter(|(n, _)| *n != "version")
    {
        assert_eq!(op(&huge).map_err(|e| e.code), Err(Code::InputTooLarge));
    }
}

#[test]
fn compute_paths_point_into_the_envelope() {
    let receipt: Value =
        serde_json::from_str(include_str!("../data/receipt_1_2.json")).expect("json");
    let mut bad = receipt.clone();
    bad["items"][0]["price"] = json!(true);
    let e =
        fiskal_json::compute(&json!({"version": 1, "receipt": bad}).to_string()).expect_err("bad");
    assert_eq!(
        (e.code, e.path.as_deref()),
        (Code::InvalidJson, Some("receipt.items[0].price"))
    );
    let e = fiskal_json::compute(
        &json!({"version": 1, "receipt": receipt, "adjustment": {"kind": "discount", "value": "1.00"}, "exclude": [99]})
            .to_string(),
    )
    .expect_err("index");
    assert_eq!(
        (e.code, e.path.as_deref()),
        (Code::CalcIndexOutOfRange, Some("exclude[0]"))
    );
    let mut invalid = receipt.clone();
    invalid["company"]["inn"] = json!("7701000002");
    let e = fiskal_json::compute(&json!({"version": 1, "receipt": invalid}).to_string())
        .expect_err("inn");
    assert_eq!(
        (e.code, e.path.as_deref()),
        (Code::ReceiptInvalid, Some("receipt"))
    );
    assert_eq!(
        e.details.as_ref().map(|d| d[0]["code"].clone()),
        Some(json!(2007))
    );
    // Without an adjustment, compute reports the receipt's own VAT.
    let o = v(
        &fiskal_json::compute(&json!({"version": 1, "receipt": receipt}).to_string()).expect("ok"),
    );
    assert_eq!(o["total"], receipt["total"]);
    assert!(o.get("allocation").is_none());
}

#[test]
fn the_variant_reader_sees_variants_not_fields_attributes_or_comments() {
    let v = variants::declared("fiskal-marks/src/error.rs", "MarkError");
    assert_eq!(v.first().map(String::as_str), Some("Empty"));
    assert_eq!(v.last().map(String::as_str), Some("NotEncodable"));
    assert!(v.contains(&"BadCheckDigit".to_owned()));
    // Field names are lower case; the reader must not take a type or a doc word for a variant.
    assert!(v.iter().all(|n| n != "Self" && n != "GS1"), "{v:?}");
    let c = variants::declared("fiskal-calc/src/error.rs", "CalcError");
    assert!(c.contains(&"InvalidDate".to_owned()) && !c.contains(&"Violation".to_owned()));
    assert_eq!(variants::variant_of(&MarkError::Empty), "Empty");
    assert_eq!(
        variants::variant_of(&MarkError::MissingAi { ai: "01" }),
        "MissingAi"
    );
}

/// Every code: its own number (in numeric order, so no two share one), its own snake_case
/// name, texts in both languages, the way back from its number, the range predicate of its
/// layer, and a line in the C API's table of codes (docs/c-api.md «Result codes»).
/// (include/fiskal.h naming every code with its number is fiskal-ffi's
/// `header_names_every_result_code_with_its_number`.)
#[test]
fn every_code_has_its_own_number_name_texts_and_doc_line() {
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/c-api.md"),
    )
    .expect("docs/c-api.md");
    let listed = |n: u32, name: &str| {
        let needle = format!("{n} {name}");
        docs.match_indices(&needle).any(|(i, _)| {
            let before = docs[..i].chars().next_back();
            let after = docs[i + needle.len()..].chars().next();
            !before.is_some_and(|c| c.is_ascii_digit())
                && !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    };
    let mut names = HashSet::new();
    for pair in Code::ALL.windows(2) {
        assert!(
            pair[0].number() < pair[1].number(),
            "{:?} and {:?} out of order or sharing a number",
            pair[0],
            pair[1]
        );
    }
    for c in Code::ALL {
        let (n, name) = (c.number(), c.name());
        assert!(names.insert(name), "two codes named {name}");
        assert!(
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                && name.starts_with(|c: char| c.is_ascii_lowercase()),
            "{name}"
        );
        assert_eq!(Code::from_u32(n), Some(*c));
        assert!(
            !c.message_en().is_empty() && !c.message_ru().is_empty(),
            "{c:?}"
        );
        let layers = [
            c.is_argument_error(),
            c.is_validation_error(),
            c.is_calc_error(),
            c.is_mark_error(),
            c.is_tlv_error(),
            c.is_provider_error(),
            c.is_outbox_error(),
        ];
        let in_layers = layers.iter().filter(|b| **b).count();
        assert_eq!(
            in_layers,
            usize::from(n != 0),
            "{c:?} in {in_layers} layers"
        );
        // The table writes the calc, mark and TLV codes without their layer prefix.
        let short = ["calc_", "mark_", "tlv_"]
            .iter()
            .find_map(|p| name.strip_prefix(p).filter(|_| !name.ends_with("_other")))
            .unwrap_or(name);
        assert!(
            n == 0 && docs.contains("`FISKAL_RESULT_OK`") || listed(n, short),
            "docs/c-api.md «Result codes» does not list {n} {short}"
        );
    }
}
