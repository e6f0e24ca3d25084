//! Shared by the integration tests: test receipts and made-up fiscal attributes.

#![allow(dead_code)] // each test file uses a different part

use fiskal_render::{FiscalAttributes, Receipt};

/// A test receipt: `tests/data/<name>.json`, or a sample from the workspace's `examples/data/`.
pub(crate) fn receipt(name: &str) -> Receipt {
    let json = match name {
        "sample_1_2" => include_str!("../../data/receipt_1_2.json"),
        "sample_1_05" => include_str!("../../data/receipt_1_05.json"),
        "sell_1_2" => include_str!("../data/sell_1_2.json"),
        "refund_1_2" => include_str!("../data/refund_1_2.json"),
        "correction_1_2" => include_str!("../data/correction_1_2.json"),
        "correction_1_05" => include_str!("../data/correction_1_05.json"),
        "marked_agent_1_2" => include_str!("../data/marked_agent_1_2.json"),
        "marked_agent_1_05" => include_str!("../data/marked_agent_1_05.json"),
        "product_code_1_2" => include_str!("../data/product_code_1_2.json"),
        other => panic!("no test receipt {other}"),
    };
    fiskal_ffd::json::parse_and_validate(json).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Made-up fiscal attributes for `receipt` (its total and operation), document number `fd`.
pub(crate) fn fiscal(receipt: &Receipt, fd: u32) -> FiscalAttributes {
    serde_json::from_value(serde_json::json!({
        "fn_number": "7380440700076549",
        "fd_number": fd,
        "fiscal_sign": 2_915_739_404_u32 - fd,
        "shift_number": 86,
        "receipt_number": fd % 100,
        "date_time": "2026-03-02T10:15:42",
        "kkt_reg_number": "0001234567012345",
        "ofd_inn": "7812345675",
        "receipt_url": null,
        "total": receipt.total,
        "operation": receipt.operation,
    }))
    .expect("fiscal attributes")
}
