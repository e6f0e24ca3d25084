//! The build probe of docs/c-api.md ("Features: a library without the handles"): a NULL call to
//! `fiskal_client_new` / `fiskal_outbox_open` tells a full library (`NULL_PARAMETER`, the out
//! argument is checked) from a light one (`FEATURE_DISABLED`, nothing is checked), in whichever
//! build this test is compiled. The light library's whole behaviour is checked from C by
//! `scripts/test-c --minimal` (tests/c/test_minimal.c).

use fiskal_ffi::{fiskal_client_new, fiskal_last_error_code, fiskal_outbox_open};
use fiskal_json::Code;
use std::ptr::{null, null_mut};

#[test]
fn a_null_call_tells_which_parts_the_library_has() {
    let client = fiskal_client_new(null(), 0, null_mut());
    let outbox = fiskal_outbox_open(null(), 0, null(), 0, None, null_mut(), null_mut());
    let expect = |on: bool| {
        if on {
            Code::NullParameter
        } else {
            Code::FeatureDisabled
        }
    };
    assert_eq!(client, expect(cfg!(feature = "providers")));
    assert_eq!(outbox, expect(cfg!(feature = "outbox")));
    assert_eq!(fiskal_last_error_code(), outbox);
}
