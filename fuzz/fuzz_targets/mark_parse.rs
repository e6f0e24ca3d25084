//! Arbitrary bytes through the mark-code parser and every encoder.
//! Properties: never panics; an accepted code re-read from its normalised tag 2000 form is
//! accepted again and gives the same GTIN, serial, 1163 value and 1162 bytes (normalisation is
//! idempotent) — except GS1 codes whose tag 2000 form has no GS at all, which are genuinely
//! ambiguous without separators (see the comment in the body).
#![no_main]

use fiskal_marks::{provider, MarkCode, TypePrefix};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mark) = MarkCode::parse_bytes(data) else { return };
    let reread = MarkCode::parse(mark.tag_2000());
    // A GS1 code whose tag 2000 form has no GS (`01…21…` with nothing after the serial) can
    // read differently without its separators (a tobacco pack of 29 characters, a serial
    // ending in 93/91 + 4 characters); fiskal-marks documents its preferences. For those only
    // "no panic" is required; every code with a GS in its 2000 form must read the same.
    if !mark.tag_2000().contains('\u{1d}') && mark.format() == fiskal_marks::CodeFormat::Gs1 {
        return;
    }
    let again = reread.expect("a normalised code parses again");
    assert_eq!(again.gtin(), mark.gtin());
    assert_eq!(again.serial(), mark.serial());
    assert_eq!(again.tag_1163().value(), mark.tag_1163().value());
    assert_eq!(again.tag_1162().ok().map(|t| t.to_hex()), mark.tag_1162().ok().map(|t| t.to_hex()));
    let _ = provider::atol_v4_nomenclature_code(&mark);
    let _ = provider::atol_v5_mark_code(&mark).to_json();
    let _ = provider::orange_data_nomenclature_code(&mark);
    let _ = provider::business_ru_nomenclature_code(&mark, TypePrefix::Omitted);
});
