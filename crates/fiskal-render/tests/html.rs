//! The HTML form: escaping, self-containedness, the QR code.

mod support;

use fiskal_render::{render_html, render_text, HtmlQr, Options};
use support::{fiscal, receipt};

const NASTY: &str = r#"<script>alert("x")</script> & 'Рога' <b>"#;

#[test]
fn every_text_field_is_escaped() {
    let mut r = receipt("marked_agent_1_2");
    r.company.name = Some(NASTY.into());
    r.company.payment_address = Some(NASTY.into());
    r.company.payment_place = Some(NASTY.into());
    r.company.email = Some(NASTY.into());
    if let Some(c) = r.cashier.as_mut() {
        c.name = NASTY.into();
    }
    if let Some(c) = r.client.as_mut() {
        c.name = Some(NASTY.into());
        c.contact = Some(NASTY.into());
    }
    for it in &mut r.items {
        it.name = Some(NASTY.into());
        it.user_data = Some(NASTY.into());
        if let Some(s) = it.agent.as_mut().and_then(|a| a.supplier.as_mut()) {
            s.name = Some(NASTY.into());
        }
    }
    r.additional_check_props = Some(NASTY.into());
    let mut f = fiscal(&r, 1);
    f.receipt_url = Some(format!("https://ofd.example.ru/?a=1&b=\"{NASTY}"));
    let html = render_html(&r, Some(&f), &Options::default());

    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<b>"), "{html}");
    assert!(!html.contains("alert(\"x\")"));
    let escaped =
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Рога&#39; &lt;b&gt;";
    // Company (name, address, place), e-mail, cashier, buyer (name, contact), 1192, and per
    // item: name, 1191, supplier name (items 2 and 3).
    let count = html.matches(escaped).count();
    assert!(count >= 12, "escaped {count} times:\n{html}");
    // The link's address is escaped inside the attribute too.
    assert!(html.contains("href=\"https://ofd.example.ru/?a=1&amp;b=&quot;&lt;script&gt;"));

    // The text form prints the same fields unescaped.
    let text = render_text(&r, Some(&f), &Options::default());
    assert!(text.contains("<script>alert(\"x\")</script>"));
}

#[test]
fn self_contained_with_qr_when_fiscalised() {
    let r = receipt("sample_1_2");
    let f = fiscal(&r, 4127);
    let html = render_html(&r, Some(&f), &Options::default());
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"ru\">"));
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert_eq!(html.matches("<svg").count(), 1);
    // The QR code's <title> is the FNS string (escaped).
    let qr = f.qr_string().replace('&', "&amp;");
    assert!(html.contains(&format!("<title>{qr}</title>")), "{html}");
    // Nothing is loaded from elsewhere.
    for needle in ["<link", "<script", "<img", "src=", "url(", "@import"] {
        assert!(!html.contains(needle), "{needle}");
    }
    assert!(!html.contains("НЕ ФИСКАЛИЗИРОВАН"));
}

#[test]
fn not_fiscalised_has_notice_and_no_qr() {
    let r = receipt("sample_1_2");
    let html = render_html(&r, None, &Options::default());
    assert!(html.contains("ЧЕК НЕ ФИСКАЛИЗИРОВАН"));
    assert!(!html.contains("<svg"));
    assert!(!html.contains("ФН"));
}

#[test]
fn qr_as_image_or_omitted() {
    let r = receipt("sell_1_2");
    let f = fiscal(&r, 7);
    let mut opts = Options::default();
    opts.html_qr = HtmlQr::Image {
        src: "cid:qr@receipt\"x".into(),
    };
    let html = render_html(&r, Some(&f), &opts);
    assert!(html.contains("<img src=\"cid:qr@receipt&quot;x\""));
    assert!(!html.contains("<svg"));
    opts.html_qr = HtmlQr::Omit;
    let html = render_html(&r, Some(&f), &opts);
    assert!(!html.contains("<svg") && !html.contains("<img"));
}

#[test]
fn html_and_text_say_the_same() {
    // Every line of the text form, stripped of layout spaces, appears in the HTML as words.
    let r = receipt("marked_agent_1_2");
    let f = fiscal(&r, 3);
    let opts = Options::default();
    let text = render_text(&r, Some(&f), &opts);
    let html = render_html(&r, Some(&f), &opts).replace("&quot;", "\"");
    for line in text.lines() {
        for word in line.split_whitespace() {
            if word.chars().all(|c| c == '-' || c == '*') {
                continue;
            }
            assert!(html.contains(word), "{word:?} missing from HTML");
        }
    }
}

#[test]
fn product_codes_of_goods_not_marked() {
    // Each 1163 of goods that are not marked is one row of the item: the child's name on the
    // left, the code on the right, as in the text form.
    let r = receipt("product_code_1_2");
    let f = fiscal(&r, 11);
    let html = render_html(&r, Some(&f), &Options::default());
    for (kind, value) in [
        ("КТ EAN-13", "4601234567893"),
        ("КТ ЕГАИС-3.0", "13N1234567890A"),
        ("КТ Н", "ART-000123"),
    ] {
        let at = html
            .find(&format!(">{kind}</td>"))
            .unwrap_or_else(|| panic!("{kind} missing:\n{html}"));
        let row = &html[at..at + html[at..].find("</tr>").expect("row end")];
        assert!(row.contains(&format!(">{value}</td>")), "{kind}: {row}");
    }
    // The buyer sees the same lines in both forms.
    let text = render_text(&r, Some(&f), &Options::default());
    assert!(text.contains("КТ EAN-13") && text.contains("4601234567893"));
}
