//! Inputs the fuzzer (fuzz/fuzz_targets/mark_parse.rs) found, kept as regression tests.

use fiskal_marks::MarkCode;

/// Re-reading an accepted code from its normalised tag 2000 form must give the same code.
fn assert_idempotent(input: &[u8]) {
    let Ok(mark) = MarkCode::parse_bytes(input) else {
        return;
    };
    let again = MarkCode::parse(mark.tag_2000()).unwrap_or_else(|e| {
        panic!(
            "{:?} normalised to {:?} which fails: {e:?}",
            String::from_utf8_lossy(input),
            mark.tag_2000()
        )
    });
    assert_eq!(again.gtin(), mark.gtin());
    assert_eq!(again.serial(), mark.serial());
    assert_eq!(again.tag_1163().value(), mark.tag_1163().value());
}

#[test]
fn leading_text_before_gs_then_gs1() {
    assert_idempotent(b"2000\x1d01000000000000000000000001581059905221637A2919z70003478");
}

#[test]
fn gs1_code_must_start_with_01_with_or_without_gs() {
    let with_gs =
        MarkCode::parse_bytes(b"2000\x1d01000000000000000000000001581059905221637A2919z70003478");
    assert_eq!(with_gs.unwrap_err().code(), "missing_ai");
    let without = MarkCode::parse("200001000000000000000000000001581059905221637A2919z70003478");
    assert_eq!(without.unwrap_err().code(), "unrecognized_format");
}

/// A КИ whose 12-character serial ends in `93` + 4 characters: with the GS the input is
/// unambiguous; its GS-free tag 2000 form reads as serial `6319z0` + `93 3038` (the documented
/// preference for a product-group tail), with a `separator_recovered` warning saying so.
#[test]
fn gs_free_form_of_a_ki_can_be_ambiguous_and_says_so() {
    let with_gs = MarkCode::parse_bytes(b"\x1d0100000000000000\x1d216319z0933038").expect("parses");
    assert_eq!(with_gs.serial(), Some("6319z0933038"));
    assert!(!with_gs.tag_2000().contains('\u{1d}'));
    let again = MarkCode::parse(with_gs.tag_2000()).expect("parses");
    assert_eq!(again.serial(), Some("6319z0"));
    assert!(again
        .warnings()
        .iter()
        .any(|w| w.code() == "separator_recovered"));
}

/// `01` + GTIN + `21` + an 11-character serial is 29 characters without GS, the length of a
/// tobacco pack; when the first 14 characters fail the GTIN check it is read as GS1.
#[test]
fn twenty_nine_characters_starting_with_01_and_failing_gtin_check_is_gs1() {
    let m = MarkCode::parse("01000000000000002121639378738").expect("parses");
    assert_eq!(m.format(), fiskal_marks::CodeFormat::Gs1);
    assert_eq!(m.serial(), Some("21639378738"));
}
