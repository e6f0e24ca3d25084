//! Arbitrary bytes through the mark-code parser and every encoder.
//! Properties: never panics; an accepted code, re-read from its normalised tag 2000 form, gives
//! the same GTIN, serial, 1163 value and 1162 bytes (normalisation is idempotent).
#![no_main]

use fiskal_marks::{provider, MarkCode, TypePrefix};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mark) = MarkCode::parse_bytes(data) else { return };
    let again = MarkCode::parse(mark.tag_2000()).expect("a normalised code parses again");
    assert_eq!(again.gtin(), mark.gtin());
    assert_eq!(again.serial(), mark.serial());
    assert_eq!(again.tag_1163().value(), mark.tag_1163().value());
    assert_eq!(again.tag_1162().ok().map(|t| t.to_hex()), mark.tag_1162().ok().map(|t| t.to_hex()));
    let _ = provider::atol_v4_nomenclature_code(&mark);
    let _ = provider::atol_v5_mark_code(&mark).to_json();
    let _ = provider::orange_data_nomenclature_code(&mark);
    let _ = provider::business_ru_nomenclature_code(&mark, TypePrefix::Omitted);
});
