//! Golden files: the rendered text (and one HTML page) of each test receipt must equal the file
//! under `tests/golden/`. After a deliberate change of the layout, regenerate and review the diff:
//! `FISKAL_REGENERATE=1 cargo test -p fiskal-render --test golden`.

mod support;

use fiskal_render::{render_html, render_text, Options, Width};
use std::path::PathBuf;
use support::{fiscal, receipt};

fn check_golden(file: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(file);
    if std::env::var_os("FISKAL_REGENERATE").is_some() {
        std::fs::write(&path, actual).expect("write golden file");
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == actual,
        "tests/golden/{file} differs from the output; if the change is intended, run \
         FISKAL_REGENERATE=1 cargo test -p fiskal-render --test golden\n\
         --- golden ---\n{expected}\n--- output ---\n{actual}"
    );
}

/// What every text form must satisfy, whatever the receipt.
fn check_text_shape(name: &str, text: &str, width: Width) {
    assert!(text.ends_with('\n'), "{name}: ends with a newline");
    for (i, line) in text.lines().enumerate() {
        let n = line.chars().count();
        assert!(
            n <= width.columns(),
            "{name}: line {} has {n} > {} columns: {line:?}",
            i + 1,
            width.columns()
        );
        assert_eq!(
            line.trim_end(),
            line,
            "{name}: trailing space, line {}",
            i + 1
        );
    }
    // The receipts are valid, so their texts are CP866; so are the labels: a register's print
    // command could take the text as it is.
    assert!(fiskal_ffd::cp866::encode(text).is_ok(), "{name}: not CP866");
}

fn case(name: &str, with_fiscal: bool, width: Width) -> String {
    let r = receipt(name);
    let f = with_fiscal.then(|| fiscal(&r, 4127));
    let text = render_text(&r, f.as_ref(), &Options::with_width(width));
    check_text_shape(name, &text, width);
    let total_line = text
        .lines()
        .find(|l| l.starts_with("ИТОГ"))
        .unwrap_or_else(|| panic!("{name}: no ИТОГ"));
    assert!(total_line.ends_with(&format!("={}", r.total)), "{name}");
    assert_eq!(
        text.contains("ЧЕК НЕ ФИСКАЛИЗИРОВАН"),
        !with_fiscal,
        "{name}"
    );
    text
}

#[test]
fn sell_1_2() {
    check_golden("sell_1_2.txt", &case("sell_1_2", true, Width::Cols42));
}

#[test]
fn sell_1_2_48_columns() {
    check_golden("sell_1_2_48.txt", &case("sell_1_2", true, Width::Cols48));
}

#[test]
fn sell_1_05() {
    check_golden("sell_1_05.txt", &case("sample_1_05", true, Width::Cols42));
}

#[test]
fn sample_1_2_not_fiscalised() {
    check_golden(
        "sample_1_2_not_fiscalised.txt",
        &case("sample_1_2", false, Width::Cols42),
    );
}

#[test]
fn refund_1_2() {
    let text = case("refund_1_2", true, Width::Cols42);
    assert!(text.contains("ВОЗВРАТ ПРИХОДА"));
    check_golden("refund_1_2.txt", &text);
}

#[test]
fn correction_1_2() {
    let text = case("correction_1_2", true, Width::Cols48);
    assert!(text.contains("КАССОВЫЙ ЧЕК КОРРЕКЦИИ") && text.contains("ПО ПРЕДПИСАНИЮ"));
    check_golden("correction_1_2.txt", &text);
}

#[test]
fn correction_1_05_without_items() {
    let text = case("correction_1_05", true, Width::Cols42);
    assert!(text.contains("РАСХОД") && text.contains("САМОСТОЯТЕЛЬНО"));
    check_golden("correction_1_05.txt", &text);
}

#[test]
fn marked_and_agent_items_1_2() {
    let text = case("marked_agent_1_2", true, Width::Cols42);
    assert!(text.contains("[М+] Кроссовки"));
    assert!(text.contains("ПЛ. АГЕНТ") && text.contains("КОМИССИОНЕР"));
    check_golden("marked_agent_1_2.txt", &text);
}

#[test]
fn marked_and_agent_items_1_05() {
    let text = case("marked_agent_1_05", false, Width::Cols42);
    assert!(text.contains("[М] Туфли") && text.contains("ПОВЕРЕННЫЙ"));
    check_golden("marked_agent_1_05.txt", &text);
}

#[test]
fn product_codes_of_goods_not_marked_1_2() {
    // 1163 of goods that are not marked: the child's name and the code, on the item, after
    // 1214/1212; no mark indication before the name (the goods are not marked).
    let text = case("product_code_1_2", true, Width::Cols42);
    let lines: Vec<&str> = text.lines().collect();
    for (name, kind, value) in [
        ("Чай черный листовой 100 г", "КТ EAN-13", "4601234567893"),
        (
            "Вино красное сухое 0,75 л",
            "КТ ЕГАИС-3.0",
            "13N1234567890A",
        ),
        ("Набор посуды", "КТ Н", "ART-000123"),
    ] {
        let head = lines
            .iter()
            .position(|l| l.ends_with(&format!(". {name}")))
            .unwrap_or_else(|| panic!("{name} (no mark indication before it):\n{text}"));
        let line = lines[head..]
            .iter()
            .take_while(|l| !l.is_empty() && !l.starts_with('-'))
            .find(|l| l.trim_start().starts_with(&format!("{kind} ")))
            .unwrap_or_else(|| panic!("{kind} under {name}:\n{text}"));
        assert!(line.starts_with("   ") && line.ends_with(value), "{line:?}");
    }
    assert!(!text.contains("[М"), "no item is marked:\n{text}");
    check_golden("product_code_1_2.txt", &text);

    // 48 columns: the same lines, wider.
    let wide = case("product_code_1_2", true, Width::Cols48);
    assert!(wide.lines().any(|l| l.starts_with("   КТ EAN-13 ")
        && l.ends_with("4601234567893")
        && l.chars().count() == 48));

    // A kind fiskal-ffd does not know stays visible, with its tag.
    let mut r = receipt("product_code_1_2");
    if let Some(c) = r.items[0].product_code.as_mut() {
        c.kind = 1399;
    }
    let text = render_text(&r, None, &Options::default());
    assert!(
        text.contains("[1163=1399]") && text.contains("4601234567893"),
        "{text}"
    );
}

#[test]
fn html_page() {
    let r = receipt("sell_1_2");
    let f = fiscal(&r, 4127);
    check_golden(
        "sell_1_2.html",
        &render_html(&r, Some(&f), &Options::default()),
    );
}
