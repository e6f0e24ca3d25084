//! Arbitrary bytes through the TLV decoder and the receipt reader.
//! Properties (as tls_codec's `inverse` target): never panics; whatever decodes re-encodes to a
//! value of exactly `encoded_len()` bytes that decodes to the same tree.
#![no_main]

use fiskal_ffd::tlv::{decode_all, decode_document};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = decode_document(data) {
        let bytes = doc.to_bytes().expect("a decoded tree always fits");
        assert_eq!(bytes.len(), doc.encoded_len());
        assert_eq!(decode_document(&bytes).expect("re-decodes"), doc);
        if let Ok(receipt) = fiskal_ffd::from_tlv(&doc) {
            let _ = fiskal_ffd::validate(&receipt);
            let _ = fiskal_ffd::to_tlv(&receipt);
        }
        let _ = fiskal_ffd::dump::dump(&doc);
    }
    let _ = decode_all(data);
});
