//! What a provider reported about the fiscalised receipt (issue 24) and is on a real receipt is
//! shown — the FNS site the register printed, the ОФД link, the register's own mark check —
//! and what is not on a receipt (warnings, the ОФД's name and site) is not.

mod support;

use fiskal_render::{render_html, render_text, Options};
use support::{fiscal, receipt};

fn with_answer(mut v: serde_json::Value) -> fiskal_render::FiscalAttributes {
    v["fns_site"] = "www.nalog.ru".into();
    v["receipt_url"] = "https://consumer.1-ofd.ru/v1?fn=7380440700076549&i=4127".into();
    v["ofd_name"] = "ООО ОФД-ТЕСТ".into();
    v["ofd_site"] = "www.ofd-test.example".into();
    v["warnings"] =
        serde_json::json!([{"field": "callback_url", "message": "ПРЕДУПРЕЖДЕНИЕ-ТЕСТ"}]);
    v["mark_checks"] = serde_json::json!([{"position": 0, "result": 5}]);
    serde_json::from_value(v).expect("attributes")
}

#[test]
fn the_reported_fns_site_link_and_mark_check_are_printed_nothing_else() {
    let r = receipt("marked_agent_1_2");
    let plain = fiscal(&r, 4127);
    let before = render_text(&r, Some(&plain), &Options::default());
    assert!(before.contains("[М+]"), "{before}");
    assert!(before.contains("www.nalog.gov.ru"), "{before}");

    let f = with_answer(serde_json::to_value(&plain).expect("json"));
    assert!(f.has_negative_mark_check());
    for text in [
        render_text(&r, Some(&f), &Options::default()),
        render_html(&r, Some(&f), &Options::default()),
    ] {
        // The register's 1060, not the configured default.
        assert!(text.contains("www.nalog.ru"), "{text}");
        assert!(!text.contains("www.nalog.gov.ru"), "{text}");
        // (the text form wraps the link at its width)
        assert!(text.contains("https://consumer.1-ofd.ru/v1?fn="), "{text}");
        // The register found the code wrong: [М-] and 2107 «есть неподтвержденные».
        assert!(text.contains("[М-]") && !text.contains("[М+]"), "{text}");
        assert!(
            text.contains("ПРОВЕРКА КМ: ЕСТЬ НЕПОДТВЕРЖДЕННЫЕ"),
            "{text}"
        );
        // Not on a receipt.
        for absent in [
            "ПРЕДУПРЕЖДЕНИЕ-ТЕСТ",
            "ООО ОФД-ТЕСТ",
            "www.ofd-test.example",
        ] {
            assert!(!text.contains(absent), "{absent} in\n{text}");
        }
    }

    // All checks positive: [М+] and «все положительно».
    let mut v = serde_json::to_value(&plain).expect("json");
    v["mark_checks"] = serde_json::json!([{"position": 0, "result": 15}]);
    let ok: fiskal_render::FiscalAttributes = serde_json::from_value(v).expect("attributes");
    let text = render_text(&r, Some(&ok), &Options::default());
    assert!(
        text.contains("[М+]") && text.contains("ПРОВЕРКА КМ: ВСЕ ПОЛОЖИТЕЛЬНО"),
        "{text}"
    );
}
