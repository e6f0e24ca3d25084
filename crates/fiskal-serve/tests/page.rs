//! The operator's page over HTTP against a seeded journal: what a person sees (the stuck
//! receipt first, the counts of the journal, refusals with the provider's code, the latest
//! receipts), the language switch, sign-in, CSRF, confirmation, and an action that changes the
//! state and the audit trail. (Assertions on the HTML; a headless browser run is not part of
//! this suite yet.)

mod support;

use fiskal_emulator::{Endpoint, Fault, Faults};
use serde_json::json;
use support::{call, form_post, page_get, post, receipt, sign_in, wait_state};

/// The journal: one done, one refused (ATOL 134), one stuck (the provider answers 500, so the
/// send is in doubt, until the deadline passes).
fn seeded() -> support::Server {
    let s = support::start_full(
        "page",
        Faults::none(),
        |v| {
            v["timing"]["deadline_retry_later_s"] = json!(1);
            v["timing"]["deadline_in_doubt_s"] = json!(1);
            v["worker"]["stuck_scan_ms"] = json!(50);
        },
        |_| {},
    );
    let a = s.addr;
    let enq = |k: &str| post(a, "/v1/receipts", &json!({"key": k, "receipt": receipt()})).status;
    assert_eq!(enq("page-done"), 201);
    wait_state(a, "page-done", "done");
    s.emu
        .set_faults(Faults::none().script(Endpoint::Register, Fault::kkt_error(134)));
    assert_eq!(enq("page/refused"), 201);
    wait_state(a, "page%2Frefused", "rejected");
    s.emu
        .set_faults(Faults::none().script_n(Endpoint::Register, Fault::ServerError(500), 10_000));
    assert_eq!(enq("page-stuck"), 201);
    wait_state(a, "page-stuck", "stuck");
    s
}

#[test]
fn the_page_shows_the_journal_stuck_first_and_an_action_changes_it() {
    let s = seeded();
    let a = s.addr;

    // Signed out: the sign-in page, and a wrong token is refused.
    let r = call(a, "GET", "/", None, &[], b"");
    assert_eq!(r.status, 401);
    assert!(r.text().contains("name=\"token\""), "{}", r.text());
    let r = call(a, "POST", "/login", None, &[], b"token=not-the-token");
    assert_eq!(r.status, 401);
    assert!(r.text().contains("id=\"login-failed\""));
    assert!(r.header("set-cookie").is_none());

    let sess = sign_in(a);
    let r = page_get(a, "/", &sess);
    assert_eq!(r.status, 200);
    let csp = r.header("content-security-policy").expect("CSP");
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
    let html = r.text();
    assert!(html.contains("<html lang=\"ru\""), "Russian by default");
    assert!(html.contains("Зависшие чеки (1)"), "{html}");
    // The stuck receipt comes first on the page, with its reason and age.
    let stuck_at = html.find("id=\"stuck\"").expect("stuck section");
    let counts_at = html.find("id=\"counts\"").expect("counts");
    assert!(
        stuck_at < counts_at,
        "stuck receipts come before everything else"
    );
    let stuck = &html[stuck_at..counts_at];
    assert!(
        stuck.contains("/receipts/page-stuck") && stuck.contains("class=\"stuck-row\""),
        "{stuck}"
    );
    // The reason in the page's language: what the journal records (stuck at its deadline while
    // in doubt), not the adapter's English in-doubt text, which stays on the receipt's page.
    let reason = reason_cell(stuck);
    assert!(
        reason.starts_with("неизвестно, получил ли провайдер чек"),
        "{reason}"
    );
    assert!(
        !reason.chars().any(|c| c.is_ascii_alphabetic()),
        "English in the Russian page's stuck reason: {reason}"
    );
    let en = page_get(a, "/?lang=en", &sess).text();
    let en_stuck =
        &en[en.find("id=\"stuck\"").expect("stuck")..en.find("id=\"counts\"").expect("counts")];
    assert!(
        reason_cell(en_stuck).starts_with("unknown whether the provider got the receipt"),
        "{en_stuck}"
    );
    // The provider's and the adapter's own words are on the receipt's page.
    let one = page_get(a, "/receipts/page-stuck", &sess).text();
    let last = support::get(a, "/v1/receipts/page-stuck").json()["last_message"].clone();
    let last = last.as_str().expect("the in-doubt reason is kept");
    assert!(one.contains(&esc(last)), "{one}");
    // The counts are the journal's.
    let stats = support::get(a, "/v1/stats").json();
    for st in stats["states"].as_array().expect("states") {
        let name = st["state"].as_str().expect("name");
        let row = format!("<tr data-state=\"{name}\">");
        let at = html.find(&row).unwrap_or_else(|| panic!("row {name}"));
        let cell = &html[at..at + 200];
        assert!(
            cell.contains(&format!(">{}</td>", st["count"])),
            "{name}: {cell} vs {st}"
        );
    }
    for (state, n) in [("done", 1), ("rejected", 1), ("stuck", 1), ("queued", 0)] {
        let at = html
            .find(&format!("<tr data-state=\"{state}\">"))
            .expect("row");
        assert!(
            html[at..at + 200].contains(&format!(">{n}</td>")),
            "{state}"
        );
    }
    // Refusals with the provider's code and text; the latest receipts with route and latency.
    let refusals = &html[html.find("id=\"refusals\"").expect("refusals")..];
    assert!(refusals.contains("/receipts/page%2Frefused") && refusals.contains("<td>134</td>"));
    assert!(refusals.contains("Превышение размеров TLV данных ФН"));
    let last = &html[html.find("id=\"last\"").expect("last")..];
    assert!(last.contains("/receipts/page-done") && last.contains("<td>atol</td>"));
    assert!(last.contains(" с</td>"), "latency in seconds: {last}");
    assert!(html.contains("id=\"routes\""));

    // English on request, remembered.
    let r = page_get(a, "/?lang=en", &sess);
    assert!(r.text().contains("Stuck receipts (1)"));
    let lang = r.header("set-cookie").expect("lang cookie").to_owned();
    assert!(lang.starts_with("fiskal_lang=en"), "{lang}");
    let both = format!("{}; fiskal_lang=en", sess.cookie);
    let r = call(a, "GET", "/", None, &[("Cookie", &both)], b"");
    assert!(r.text().contains("<html lang=\"en\"") && r.text().contains("Refusals"));

    // The refused receipt: actions need the CSRF token and the confirmation.
    let r = page_get(a, "/receipts/page%2Frefused", &sess);
    assert_eq!(r.status, 200);
    assert!(
        r.text().contains("id=\"form-requeue\"") && r.text().contains("data-state=\"rejected\"")
    );
    assert!(
        r.text().contains("src=\"/receipts/page%2Frefused/view\""),
        "the buyer's view"
    );
    let path = "/receipts/page%2Frefused/requeue";
    let body = |csrf: &str, confirm: bool| {
        format!(
            "csrf={csrf}&who=%D0%90%D0%BD%D0%BD%D0%B0+%3Cb%3E&reason=%D0%BA%D0%B0%D1%81%D1%81%D0%B0{}",
            if confirm { "&confirm=yes" } else { "" }
        )
    };
    assert_eq!(form_post(a, path, &sess, &body("forged", true)).status, 403);
    let r = form_post(a, path, &sess, &body(&sess.csrf, false));
    assert_eq!(r.status, 400);
    assert!(
        r.text().contains("id=\"notice\""),
        "asks for the confirmation"
    );
    assert_eq!(
        support::get(a, "/v1/receipts/page%2Frefused").json()["state"],
        "rejected"
    );
    let r = form_post(a, path, &sess, &body(&sess.csrf, true));
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.header("location"), Some("/receipts/page%2Frefused"));
    let v = support::get(a, "/v1/receipts/page%2Frefused").json();
    assert_ne!(v["state"], "rejected", "{v}");
    assert_eq!(v["attempt"], 2);
    let page = page_get(a, "/receipts/page%2Frefused", &sess).text();
    // Who acted is in the audit trail, escaped.
    assert!(page.contains("<td>Анна &lt;b&gt;</td>"), "{page}");
    assert!(!page.contains("Анна <b>"));
    // The audit trail's event kinds and states are in the page's language, from the page's
    // one table; the JSON API keeps the machine names.
    let trail = &page[page.find("id=\"audit\"").expect("audit")..];
    let events = cells(trail, "<span class=\"audit-event\">");
    let changes = cells(trail, "<td class=\"audit-change\">");
    assert!(
        events.len() >= 4 && events.len() == changes.len(),
        "{trail}"
    );
    for text in events.iter().chain(&changes) {
        assert!(
            !text.chars().any(|c| c.is_ascii_alphabetic()),
            "English in the Russian page's audit trail: {text:?}"
        );
    }
    assert_eq!(
        events[..2],
        ["поставлен в очередь", "взят на отправку"],
        "{events:?}"
    );
    for ru in [
        "отклонён провайдером",
        "оператор отправил снова под новым номером документа",
    ] {
        assert!(events.iter().any(|e| e == ru), "{ru} in {events:?}");
    }
    assert_eq!(changes[1], "в очереди → отправляется", "{changes:?}");
    let api = support::get(a, "/v1/receipts/page%2Frefused").json();
    let reasons: Vec<&str> = api["audit"]
        .as_array()
        .expect("audit")
        .iter()
        .filter_map(|r| r["reason"].as_str())
        .collect();
    assert_eq!(reasons[..2], ["enqueued", "claimed_for_send"], "{api}");
    assert!(
        reasons.contains(&"rejected") && reasons.contains(&"operator_requeue"),
        "{api}"
    );
    let en_page = page_get(a, "/receipts/page%2Frefused?lang=en", &sess).text();
    let en_events = cells(&en_page, "<span class=\"audit-event\">");
    assert_eq!(
        en_events[..2],
        ["enqueued", "taken for sending"],
        "{en_events:?}"
    );

    // The buyer's view of the done receipt: fiskal-render's HTML with the QR code.
    let r = page_get(a, "/receipts/page-done/view", &sess);
    assert_eq!(r.status, 200);
    assert!(r.text().contains("<svg") && r.text().contains("КАССОВЫЙ ЧЕК"));

    // Signing out ends the session.
    let r = form_post(a, "/logout", &sess, &format!("csrf={}", sess.csrf));
    assert_eq!(r.status, 303);
    assert_eq!(page_get(a, "/", &sess).status, 401);
}

/// The text of the first stuck row's reason cell.
fn reason_cell(section: &str) -> &str {
    let at = section
        .find("<td class=\"stuck-reason\">")
        .unwrap_or_else(|| panic!("no reason cell in {section}"));
    let rest = &section[at + "<td class=\"stuck-reason\">".len()..];
    &rest[..rest.find("</td>").expect("cell end")]
}

/// The texts of every element that starts with `open` (up to the next tag).
fn cells(html: &str, open: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(open) {
        rest = &rest[at + open.len()..];
        let end = rest.find('<').expect("element end");
        out.push(rest[..end].to_owned());
        rest = &rest[end..];
    }
    out
}

/// HTML-escaped as the page writes text.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A stuck receipt's page offers "resolved by hand" (ФН, ФД, ФП, date-time; the total and the
/// operation shown from the receipt) to an operator only; the form is checked (CSRF,
/// confirmation, the attributes), and a right one makes it done with an `operator_resolve` row.
#[test]
fn a_stuck_receipt_is_resolved_by_hand_from_its_page() {
    use fiskal_outbox::{Event, Store, Timestamp};
    let s = support::start("page-resolve", |o| o.start_worker = false);
    let a = s.addr;
    for key in ["pr-1", "pr-2"] {
        let r = post(
            a,
            "/v1/receipts",
            &json!({"key": key, "receipt": receipt()}),
        );
        assert_eq!(r.status, 201);
    }
    // pr-1 stays queued past its deadline: stuck (straight in the journal; no worker runs).
    let store = s.gw.outbox().outbox().worker().store();
    let e = store.get("pr-1").expect("get").expect("entry");
    store
        .apply("pr-1", e.version, &Event::Deadline, Timestamp::now())
        .expect("stuck");
    let total = receipt()["total"].as_str().expect("total").to_owned();

    let sess = sign_in(a);
    let page = page_get(a, "/receipts/pr-1", &sess).text();
    let at = page.find("id=\"form-resolve\"").expect("the resolve form");
    let form = &page[at..at + page[at..].find("</form>").expect("form end")];
    for field in [
        "fn_number",
        "fd_number",
        "fiscal_sign",
        "date_time",
        "who",
        "reason",
    ] {
        assert!(
            form.contains(&format!("name=\"{field}\"")),
            "{field}: {form}"
        );
    }
    assert!(
        form.contains("name=\"confirm\" value=\"yes\" required"),
        "{form}"
    );
    assert!(
        form.contains(&format!("name=\"csrf\" value=\"{}\"", sess.csrf)),
        "{form}"
    );
    assert!(
        form.contains(&format!("<output id=\"resolve-total\">{total}</output>"))
            && form.contains("<output id=\"resolve-operation\">приход</output>"),
        "{form}"
    );
    assert!(form.contains("Пробит вручную"), "{form}");
    let en = page_get(a, "/receipts/pr-1?lang=en", &sess).text();
    assert!(
        en.contains("Resolved by hand")
            && en.contains("<output id=\"resolve-operation\">sell</output>"),
        "{en}"
    );
    // Not stuck: no such form.
    assert!(!page_get(a, "/receipts/pr-2", &sess)
        .text()
        .contains("form-resolve"));
    // A token without the operator role sees no actions and is refused.
    let reader = support::sign_in_with(a, support::READ_TOKEN);
    assert!(!page_get(a, "/receipts/pr-1", &reader)
        .text()
        .contains("form-resolve"));
    let body = |csrf: &str, fn_number: &str, confirm: bool| {
        format!(
            "csrf={csrf}&fn_number={fn_number}&fd_number=4321&fiscal_sign=2911446123\
             &date_time=2026-03-02T10%3A15&who=%D0%90%D0%BD%D0%BD%D0%B0&reason=%D0%9B%D0%9A{}",
            if confirm { "&confirm=yes" } else { "" }
        )
    };
    let path = "/receipts/pr-1/resolve";
    let good = "9999078900001234";
    assert_eq!(
        form_post(a, path, &reader, &body(&reader.csrf, good, true)).status,
        403
    );
    assert_eq!(
        form_post(a, path, &sess, &body("wrong", good, true)).status,
        403
    );
    let r = form_post(a, path, &sess, &body(&sess.csrf, good, false));
    assert_eq!(r.status, 400);
    assert!(r.text().contains("id=\"notice\""), "{}", r.text());
    // A ФН that is not 16 digits: 422, the page names the attribute; nothing written.
    let r = form_post(a, path, &sess, &body(&sess.csrf, "12345", true));
    assert_eq!(r.status, 422);
    assert!(r.text().contains("fiscal.fn_number"), "{}", r.text());
    assert_eq!(
        support::get(a, "/v1/receipts/pr-1").json()["state"],
        "stuck"
    );
    // Right: done with the attributes, the total and operation the receipt's.
    let r = form_post(a, path, &sess, &body(&sess.csrf, good, true));
    assert_eq!(r.status, 303, "{}", r.text());
    let v = support::get(a, "/v1/receipts/pr-1").json();
    assert_eq!(v["state"], "done");
    assert_eq!(v["fiscal"]["fn_number"], good);
    assert_eq!(v["fiscal"]["date_time"], "2026-03-02T10:15:00");
    assert_eq!(v["fiscal"]["total"], json!(total));
    assert_eq!(v["fiscal"]["operation"], "sell");
    let last = v["audit"]
        .as_array()
        .and_then(|r| r.last())
        .cloned()
        .expect("audit");
    assert_eq!(
        (
            last["reason"].clone(),
            last["who"].clone(),
            last["note"].clone()
        ),
        (json!("operator_resolve"), json!("Анна"), json!("ЛК"))
    );
    let page = page_get(a, "/receipts/pr-1", &sess).text();
    assert!(
        page.contains("data-state=\"done\"") && page.contains(good),
        "{page}"
    );
    assert!(!page.contains("form-resolve"));
    // Done: refused, with what to do instead.
    let r = form_post(a, path, &sess, &body(&sess.csrf, good, true));
    assert_eq!(r.status, 409);
}
