//! Property tests: no input panics the parser, and every accepted spelling of a valid code
//! parses to the same thing.

use fiskal_marks::{gs1_check_digit, MarkCode, ProductGroup};
use proptest::prelude::*;

const GS: &str = "\u{1d}";

fn config() -> ProptestConfig {
    // Bounded: the suite runs on every `cargo test`.
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// A GTIN-14 with a valid check digit.
fn gtin() -> impl Strategy<Value = String> {
    "0[0-9]{12}".prop_map(|payload| {
        let check = gs1_check_digit(&payload).expect("digits");
        format!("{payload}{check}")
    })
}

fn base64_chars(len: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[A-Za-z0-9+/]{{{len}}}")).expect("valid regex")
}

/// The product-group layouts of `fiskal_marks::ProductGroup` (published by ЦРПТ partners; see
/// its docs): (serial length, tail elements as (ai, value)).
fn tail() -> impl Strategy<Value = (usize, Vec<(&'static str, String)>)> {
    prop_oneof![
        ("[A-Za-z]{4}", base64_chars(88)).prop_map(|(k, c)| (13, vec![("91", k), ("92", c)])),
        ("[A-Za-z]{4}", base64_chars(44)).prop_map(|(k, c)| (13, vec![("91", k), ("92", c)])),
        "[A-Za-z]{4}".prop_map(|c| (13, vec![("93", c)])),
        "[A-Za-z]{4}".prop_map(|c| (7, vec![("93", c)])),
        "[A-Za-z]{4}".prop_map(|c| (6, vec![("93", c)])),
        ("[0-9]{6}", "[A-Za-z]{4}").prop_map(|(p, c)| (7, vec![("8005", p), ("93", c)])),
    ]
}

/// A valid code: GTIN, a letters-only serial of the group's length, and the group's tail.
/// Letters-only serials keep the GS-less form unambiguous.
fn valid_code() -> impl Strategy<Value = (String, String, Vec<(&'static str, String)>)> {
    (gtin(), tail()).prop_flat_map(|(gtin, (serial_len, tail))| {
        let serial = proptest::string::string_regex(&format!("[A-Za-z]{{{serial_len}}}"))
            .expect("valid regex");
        (Just(gtin), serial, Just(tail))
    })
}

/// Renders a code with `sep` between elements the way tag 2000 does.
fn render(gtin: &str, serial: &str, tail: &[(&str, String)], sep: &str) -> String {
    let mut out = format!("01{gtin}21{serial}");
    for (ai, value) in tail {
        out.push_str(sep);
        out.push_str(ai);
        out.push_str(value);
    }
    out
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_text_never_panics(input in any::<String>()) {
        let _ = MarkCode::parse(&input).map(|m| (m.tag_1162(), m.tag_1163(), m.mark_type()));
    }

    #[test]
    fn arbitrary_bytes_never_panic(input in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = MarkCode::parse_bytes(&input).map(|m| m.tag_1162());
    }

    #[test]
    fn code_like_text_never_panics(input in "(\\]d2)?[0-9A-Za-z\u{1d}<>{}\\\\%/+=-]{0,160}") {
        if let Ok(mark) = MarkCode::parse(&input) {
            let _ = (mark.tag_1162(), mark.tag_1163(), mark.product_group(), mark.mark_type());
            let _ = fiskal_marks::provider::atol_v5_mark_code(&mark).to_json();
        }
    }

    #[test]
    fn bracketed_text_never_panics(input in "(\\((01|21|91|92|93|3103|8005|17|10)\\)|[0-9A-Za-z()<>&*;]){0,40}") {
        if let Ok(mark) = MarkCode::parse(&input) {
            let _ = (mark.tag_1162(), mark.tag_1163(), mark.product_group_basis().note());
        }
    }

    #[test]
    fn tag_2000_round_trips((gtin, serial, tail) in valid_code()) {
        let code = render(&gtin, &serial, &tail, GS);
        let mark = MarkCode::parse(&code).expect("valid code");
        prop_assert_eq!(mark.gtin(), Some(gtin.as_str()));
        prop_assert_eq!(mark.serial(), Some(serial.as_str()));
        prop_assert_eq!(mark.tag_2000(), code.as_str());
        prop_assert!(mark.warnings().is_empty());
        // Every generated layout names a group, except the unconfirmed 7 + 93 one (beer).
        prop_assert!(
            mark.product_group() != ProductGroup::Unknown
                || mark.product_group_basis() == fiskal_marks::GroupBasis::UnconfirmedLayout
        );
        let again = MarkCode::parse(mark.tag_2000()).expect("tag 2000 parses");
        prop_assert_eq!(&again, &mark);
        let tag = mark.tag_1162().expect("encodable");
        prop_assert!(tag.len() <= 32);
        let child = mark.tag_1163();
        prop_assert_eq!(child.value(), format!("01{gtin}21{serial}"));
    }

    #[test]
    fn every_accepted_spelling_gives_the_same_code((gtin, serial, tail) in valid_code(), form in 0usize..9) {
        let canonical = render(&gtin, &serial, &tail, GS);
        let spelled = match form {
            0 => format!("]d2{canonical}"),
            1 => format!("{GS}{canonical}"),
            2 => format!("\u{e8}{canonical}"),
            3 => render(&gtin, &serial, &tail, "<GS>"),
            4 => render(&gtin, &serial, &tail, "\\u001d"),
            5 => render(&gtin, &serial, &tail, "\\x1d"),
            6 => format!("{{FNC1}}{}", render(&gtin, &serial, &tail, "{GS}")),
            7 => format!(" ]d2{canonical}{GS}\r\n"),
            // No GS at all: the boundary is recovered from the group's serial length.
            _ => render(&gtin, &serial, &tail, ""),
        };
        let mark = MarkCode::parse(&spelled).expect("accepted spelling");
        prop_assert_eq!(mark.tag_2000(), canonical.as_str());
        prop_assert!(!mark.warnings().is_empty());
    }
}
