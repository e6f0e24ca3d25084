//! The readable TLV dump (Russian names) and the size model.

use fiskal_ffd::json;
use fiskal_ffd::size::{document_size_bound, register_overhead, RegisterAssumptions};
use fiskal_ffd::tlv::decode_document;

const SAMPLE: &str = include_str!("../data/receipt_1_2.json");

#[test]
fn dump_names_tags_in_russian_and_shows_money_in_roubles() {
    let r = json::parse(SAMPLE).expect("sample");
    let bytes = fiskal_ffd::to_tlv(&r)
        .expect("encodes")
        .to_bytes()
        .expect("fits");
    let v = fiskal_ffd::dump::dump(&decode_document(&bytes).expect("decodes"));
    assert_eq!(v["tag"], 3);
    assert_eq!(v["name"], "кассовый чек");
    let children = v["value"].as_array().expect("children");
    let op = children.iter().find(|c| c["tag"] == 1054).expect("1054");
    assert_eq!(op["meaning"], "приход");
    let total = children.iter().find(|c| c["tag"] == 1020).expect("1020");
    assert_eq!(total["value"], "5939.70");
    let item = children.iter().find(|c| c["tag"] == 1059).expect("item");
    let name = item["value"]
        .as_array()
        .expect("item children")
        .iter()
        .find(|c| c["tag"] == 1030)
        .expect("1030");
    assert_eq!(name["name"], "наименование предмета расчета");
    assert_eq!(name["value"], "Кроссовки беговые, размер 42");
    let qty = item["value"]
        .as_array()
        .expect("item")
        .iter()
        .find(|c| c["tag"] == 1023)
        .expect("1023");
    assert_eq!(qty["value"], "1");
    let vat = item["value"]
        .as_array()
        .expect("item")
        .iter()
        .find(|c| c["tag"] == 1199)
        .expect("1199");
    assert_eq!(vat["meaning"], "ставка НДС 22%");
}

#[test]
fn dump_keeps_unknown_tags_as_hex() {
    // form 3 { 1234 (2025 tag of unconfirmed type) = AB CD, 9999 (unknown) = 01 }
    let bytes = hex::decode("03000B00D2040200ABCD0F27010001").expect("hex");
    let doc = decode_document(&bytes).expect("decodes");
    let v = fiskal_ffd::dump::dump(&doc);
    assert_eq!(v["value"][0]["tag"], 1234);
    assert_eq!(
        v["value"][0]["name"],
        "сведения обо всех оплатах по чеку безналичными"
    );
    assert_eq!(v["value"][0]["value"], "ABCD");
    assert_eq!(v["value"][1]["tag"], 9999);
    assert!(v["value"][1].get("name").is_none());
    assert_eq!(v["value"][1]["value"], "01");
}

#[test]
fn size_bound_counts_only_what_the_register_adds() {
    let r = json::parse(SAMPLE).expect("sample");
    let exact = fiskal_ffd::to_tlv(&r).expect("encodes").encoded_len();
    let a = RegisterAssumptions::default();
    let overhead = register_overhead(&r, &a);
    // The sample carries 1187 and 1117 itself; the register adds 1048 (256), 1037 (20), 1038,
    // 1040, 1042, 1012 (4 each), 1041 (16), 1077 (6), 1009 (256), 1060 (16), 1108 (1), 2107 (1),
    // each with a 4-byte header.
    let expected = [256, 20, 4, 4, 16, 4, 4, 6, 256, 16, 1, 1]
        .iter()
        .map(|n| n + 4)
        .sum::<usize>();
    assert_eq!(overhead, expected);
    assert_eq!(
        document_size_bound(&r, &a).expect("bound"),
        exact + expected
    );
    // A tighter assumption gives a smaller bound.
    let mut small = a.clone();
    small.user_name_len = 20;
    assert_eq!(register_overhead(&r, &small), expected - 236);
}

#[test]
fn item_and_header_sizes_add_up_to_the_document() {
    let r = json::parse(SAMPLE).expect("sample");
    let a = RegisterAssumptions::default();
    let items: usize = r
        .items
        .iter()
        .map(|it| fiskal_ffd::size::item_encoded_len(it, r.ffd).expect("item"))
        .sum();
    let header = fiskal_ffd::size::header_size_bound(&r, &a).expect("header");
    assert_eq!(header + items, document_size_bound(&r, &a).expect("bound"));
    assert!(r.without_items().items.is_empty());
    assert_eq!(r.without_items().total, r.total);
    assert_eq!(r.payments.total_kopecks(), Ok(593_970));
}
