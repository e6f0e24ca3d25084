//! Arbitrary text through the receipt JSON parser, validation and the TLV encoder.
//! Properties: never panics; a valid receipt encodes, and its TLV reads back to a receipt that
//! encodes to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(receipt) = fiskal_ffd::json::parse(text) else { return };
    if fiskal_ffd::validate(&receipt).is_err() {
        let _ = fiskal_ffd::to_tlv(&receipt);
        return;
    }
    let doc = fiskal_ffd::to_tlv(&receipt).expect("a valid receipt encodes");
    let bytes = doc.to_bytes().expect("a valid receipt fits");
    let back = fiskal_ffd::from_tlv(&fiskal_ffd::tlv::decode_document(&bytes).expect("decodes"))
        .expect("reads back");
    let again = fiskal_ffd::to_tlv(&back).expect("re-encodes").to_bytes().expect("fits");
    assert_eq!(again, bytes);
});
