//! Every gateway code ([`GatewayCode::ALL`], from the one `gateway_codes!` table in
//! `src/error.rs`) is documented: a row in the book's code tables (written by
//! `scripts/book-tables` from that table, so a stale book fails here and in
//! `scripts/build-book`), a row in `docs/gateway.md`, and inside the range the book's error
//! chapter names. A new code without its documentation fails this test.

use fiskal_serve::GatewayCode;

fn repo_file(rel: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_gateway_code_is_in_the_book_and_the_gateway_doc() {
    let ru = repo_file("book/ru/src/errors/codes.md");
    let en = repo_file("book/en/src/codes.md");
    let doc = repo_file("docs/gateway.md");
    let mut missing = Vec::new();
    for c in GatewayCode::ALL {
        let head = format!(
            "| {} | `{}` | {} |",
            c.number(),
            c.name(),
            c.status().as_u16()
        );
        for (file, text, message) in [
            ("book/ru/src/errors/codes.md", &ru, Some(c.message_ru())),
            ("book/en/src/codes.md", &en, Some(c.message_en())),
            ("docs/gateway.md", &doc, None),
        ] {
            let row = match message {
                Some(m) => format!("{head} {m} |"),
                None => head.clone(),
            };
            if !text.lines().any(|l| l.starts_with(&row)) {
                missing.push(format!("{file}: no row `{row}`"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "undocumented gateway codes (run `python3 scripts/book-tables`, add the row to \
         docs/gateway.md):\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_error_chapter_names_the_whole_gateway_range() {
    let first = GatewayCode::ALL.first().expect("codes").number();
    let last = GatewayCode::ALL.last().expect("codes").number();
    let range = format!("{first}–{last}");
    let index = repo_file("book/ru/src/errors/index.md");
    assert!(
        index.contains(&format!("| {range} |")),
        "book/ru/src/errors/index.md: the gateway's row should name {range}"
    );
}

#[test]
fn gateway_codes_are_in_their_range_in_order_and_answered_as_listed() {
    let numbers: Vec<u32> = GatewayCode::ALL.iter().map(|c| c.number()).collect();
    let mut sorted = numbers.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(numbers, sorted, "ALL is in numeric order, without repeats");
    for c in GatewayCode::ALL {
        assert!((8000..8100).contains(&c.number()), "{c:?}");
        assert!(
            fiskal_json::Code::from_u32(c.number()).is_none(),
            "{c:?} collides with fiskal-json"
        );
        assert!(c.status().is_client_error() || c.status().is_server_error());
        let e = fiskal_serve::HttpError::gateway(*c, fiskal_serve::Lang::En);
        assert_eq!(e.status(), c.status());
    }
}
