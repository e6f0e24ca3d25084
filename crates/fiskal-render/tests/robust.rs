//! Receipts that are not valid still render (whatever the model holds is printed), within the
//! width, without panicking.

use fiskal_render::{render_html, render_text, Options, Width};

const ODD: &str = r#"{
  "version": 1, "ffd": "1.2", "operation": 9, "tax_system": 64,
  "company": { "inn": "1", "name": "" },
  "cashier": { "name": "Оченьдлинноеимякассирабезпробеловкотороенепомещаетсявстроку" },
  "items": [
    { "price": "1.555", "quantity": "0.0000001", "sum": "-3", "vat": 13, "measure": 200,
      "payment_method": 99, "payment_subject": 77,
      "agent": { "type": 129 },
      "mark": { "check_result": 5 } }
  ],
  "payments": { "cash": "0" },
  "total": "12345678901234.567"
}"#;

#[test]
fn odd_values_render_within_the_width() {
    let r = fiskal_ffd::json::parse(ODD).expect("parses (not validated)");
    for width in [Width::Cols42, Width::Cols48] {
        let text = render_text(&r, None, &Options::with_width(width));
        for line in text.lines() {
            assert!(line.chars().count() <= width.columns(), "{line:?}");
        }
        for needle in [
            "[1054=9]",
            "[1055=64]",
            "[1199=13]",
            "[2108=200]",
            "[1214=99]",
            "[1212=77]",
            "БАНК. ПЛ. АГЕНТ, [1222=128]",
            "[М-] ПРЕДМЕТ РАСЧЕТА",
            "=-3",
            "x 1.555",
            "=12345678901234.567",
        ] {
            assert!(text.contains(needle), "{needle} missing:\n{text}");
        }
        // No payment form of zero is printed.
        assert!(!text.contains("НАЛИЧНЫМИ"));
    }
    let html = render_html(&r, None, &Options::default());
    assert!(html.contains("[1199=13]"));
}

#[test]
fn empty_receipt_renders() {
    let json = r#"{"version":1,"ffd":"1.05","operation":"sell","company":{"inn":"7701000001"},"total":"0"}"#;
    let r = fiskal_ffd::json::parse(json).expect("parses");
    let text = render_text(&r, None, &Options::default());
    assert!(text.contains("ИТОГ") && text.contains("=0.00"));
    assert!(!text.contains("\n\n"), "no empty lines:\n{text}");
}
