//! Property tests (bounded, run in CI): codec inverse laws and "never panics" on hostile input.
//! Regressions proptest finds are saved next to this file (`properties.proptest-regressions`)
//! and committed.

use fiskal_ffd::tlv::{decode_all, decode_document, Fvln, Tlv, Value};
use fiskal_ffd::{json, Tag, ValueType};
use proptest::prelude::*;

mod json_paths;
use json_paths::{collect_paths, pointer_mut};

fn cases() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        max_shrink_iters: 2_000,
        ..ProptestConfig::default()
    }
}

/// A value of the kind the dictionary gives `tag` (unknown tags: raw bytes), so that decoding,
/// which reads by the dictionary, can reproduce it.
fn value_for(tag: Tag, depth: u32) -> BoxedStrategy<Value> {
    let ty = tag.info().map(|i| (i.ty, i.len.max()));
    match ty {
        Some((ValueType::Byte, _)) => any::<u8>().prop_map(Value::Byte).boxed(),
        Some((ValueType::U16, _)) => any::<u16>().prop_map(Value::U16).boxed(),
        Some((ValueType::U32, _)) => any::<u32>().prop_map(Value::U32).boxed(),
        Some((ValueType::UnixTime, _)) => any::<u32>().prop_map(Value::UnixTime).boxed(),
        Some((ValueType::Vln, max)) => {
            let bits = u32::from(max.min(8)) * 8;
            let limit = if bits >= 64 {
                u64::MAX
            } else {
                (1u64 << bits) - 1
            };
            (0..=limit).prop_map(Value::Vln).boxed()
        }
        Some((ValueType::Fvln, _)) => (any::<u8>(), 0u64..(1 << 56))
            .prop_map(|(scale, mantissa)| Value::Fvln(Fvln { scale, mantissa }))
            .boxed(),
        Some((ValueType::Str, max)) => {
            proptest::collection::vec(any::<u8>(), 0..=usize::from(max.min(300)))
                .prop_map(Value::Str)
                .boxed()
        }
        Some((ValueType::Stlv, _)) if depth > 0 => proptest::collection::vec(tlv(depth - 1), 0..6)
            .prop_map(Value::Stlv)
            .boxed(),
        Some((ValueType::Stlv, _)) => Just(Value::Stlv(Vec::new())).boxed(),
        _ => proptest::collection::vec(any::<u8>(), 0..64)
            .prop_map(Value::Bytes)
            .boxed(),
    }
}

fn tag() -> impl Strategy<Value = Tag> {
    prop_oneof![
        4 => proptest::sample::select(fiskal_ffd::tag::ALL_TAGS),
        1 => (5000u16..u16::MAX).prop_map(Tag),
    ]
}

fn tlv(depth: u32) -> BoxedStrategy<Tlv> {
    tag()
        .prop_flat_map(move |t| value_for(t, depth).prop_map(move |v| Tlv::new(t, v)))
        .boxed()
}

proptest! {
    #![proptest_config(cases())]

    /// decode(encode(x)) = x, encoded_len = len(encode(x)), nothing left over.
    #[test]
    fn tlv_inverse(t in tlv(3)) {
        let bytes = t.to_bytes().expect("generated trees fit");
        prop_assert_eq!(bytes.len(), t.encoded_len());
        let back = decode_document(&bytes).expect("decodes");
        prop_assert_eq!(back, t);
    }

    /// Arbitrary bytes never panic the decoder; whatever decodes re-encodes to itself.
    #[test]
    fn decoder_total_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(doc) = decode_document(&bytes) {
            let again = doc.to_bytes().expect("fits");
            prop_assert_eq!(again.len(), doc.encoded_len());
            prop_assert_eq!(decode_document(&again).expect("re-decodes"), doc.clone());
            if let Ok(r) = fiskal_ffd::from_tlv(&doc) {
                let _ = fiskal_ffd::validate(&r);
                let _ = fiskal_ffd::to_tlv(&r);
            }
        }
        let _ = decode_all(&bytes);
    }

    /// Receipt-shaped bytes (a valid document with some bytes flipped or cut) never panic the
    /// decoder or the receipt reader.
    #[test]
    fn mutated_documents_never_panic(flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
                                     cut in any::<prop::sample::Index>()) {
        let doc = json::parse(SAMPLE).expect("sample").clone();
        let mut bytes = fiskal_ffd::to_tlv(&doc).expect("encodes").to_bytes().expect("fits");
        for (i, b) in flips {
            let i = i.index(bytes.len());
            bytes[i] ^= b;
        }
        let cut = cut.index(bytes.len() + 1);
        for input in [&bytes[..], &bytes[..cut]] {
            if let Ok(t) = decode_document(input) {
                if let Ok(r) = fiskal_ffd::from_tlv(&t) {
                    let _ = fiskal_ffd::validate(&r);
                    let _ = json::to_string(&r);
                }
                let _ = fiskal_ffd::dump::dump(&t);
            }
        }
    }

    /// Arbitrary text never panics the JSON parser.
    #[test]
    fn parser_total_on_arbitrary_text(s in "\\PC{0,200}") {
        let _ = json::parse_and_validate(&s);
    }

    /// The sample receipt with one value replaced by arbitrary JSON never panics parser,
    /// validator or encoder; when it is still valid it round-trips through TLV.
    #[test]
    fn mutated_receipt_json_never_panics(path_pick in any::<prop::sample::Index>(), replacement in json_value()) {
        let mut v: serde_json::Value = serde_json::from_str(SAMPLE).expect("sample");
        let mut paths = Vec::new();
        collect_paths(&v, &mut Vec::new(), &mut paths);
        let path = &paths[path_pick.index(paths.len())];
        if let Some(slot) = pointer_mut(&mut v, path) {
            *slot = replacement;
        }
        let text = serde_json::to_string(&v).expect("json");
        if let Ok(r) = json::parse(&text) {
            let valid = fiskal_ffd::validate(&r).is_ok();
            let encoded = fiskal_ffd::to_tlv(&r);
            if valid {
                let bytes = encoded.expect("valid encodes").to_bytes().expect("fits");
                let back = fiskal_ffd::from_tlv(&decode_document(&bytes).expect("decodes")).expect("reads");
                let again = fiskal_ffd::to_tlv(&back).expect("encodes").to_bytes().expect("fits");
                prop_assert_eq!(again, bytes);
            }
        }
    }
}

const SAMPLE: &str = include_str!("../data/receipt_1_2.json");

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{json, Value as J};
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "[0-9]{1,20}(\\.[0-9]{1,6})?".prop_map(J::String),
        "\\PC{0,140}".prop_map(J::String),
        Just(json!("vat22")),
        Just(json!("«»")),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(serde_json::Value::Array),
            proptest::collection::btree_map("[a-z_]{1,12}", inner, 0..3)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A valid FFD 1.2 receipt built from random parts.
fn valid_receipt() -> impl Strategy<Value = fiskal_ffd::Receipt> {
    use fiskal_ffd::money::{Money, Quantity};
    use fiskal_ffd::{model::*, *};
    let item = (
        "[А-Яа-яA-Za-z0-9 ,.№-]{1,128}",
        1u64..10_000_000,
        prop_oneof![
            (1u32..50).prop_map(rust_decimal::Decimal::from),
            (1i64..100_000).prop_map(|m| rust_decimal::Decimal::new(m, 3))
        ],
        proptest::sample::select(VatRate::KNOWN),
        proptest::sample::select(
            &[
                PaymentMethod::FULL_PAYMENT,
                PaymentMethod::FULL_PREPAYMENT,
                PaymentMethod::ADVANCE,
            ][..],
        ),
        proptest::sample::select(
            &[
                PaymentSubject::COMMODITY,
                PaymentSubject::SERVICE,
                PaymentSubject::JOB,
            ][..],
        ),
        proptest::sample::select(Measure::KNOWN),
    )
        .prop_filter_map(
            "name must not be blank",
            |(name, price, qty, vat, method, subject, measure)| {
                let sum = fiskal_ffd::validate::price_times(price, qty)?;
                let mut item = Item::new(
                    name,
                    Money::from_kopecks(price),
                    Quantity::from_decimal(qty),
                    Money::from_kopecks(sum),
                    vat,
                    method,
                    subject,
                );
                item.measure = Some(measure);
                Some(item)
            },
        );
    (
        proptest::collection::vec(item, 1..40),
        any::<bool>(),
        proptest::sample::select(TaxSystem::KNOWN),
    )
        .prop_map(|(items, cash, tax)| {
            let total: u64 = items.iter().map(|i| i.sum.kopecks().unwrap_or(0)).sum();
            let mut payments = Payments::default();
            if cash {
                payments.cash = Money::from_kopecks(total);
            } else {
                payments.electronic = Money::from_kopecks(total);
            }
            Receipt {
                version: 1,
                ffd: FfdVersion::V12,
                operation: Operation::SELL,
                tax_system: Some(tax),
                company: Company {
                    inn: "7701000001".into(),
                    payment_place: Some("shop.example.ru".into()),
                    ..Company::default()
                },
                cashier: None,
                client: None,
                items,
                payments,
                total: Money::from_kopecks(total),
                vat_totals: None,
                additional_check_props: None,
                additional_user_prop: None,
                operating_check_props: None,
                sectoral_check_props: Vec::new(),
                correction: None,
                register: None,
                other_tags: Vec::new(),
            }
        })
}

proptest! {
    #![proptest_config(cases())]

    /// Valid receipts: JSON round-trips exactly; TLV decode gives the same receipt plus the
    /// computed VAT, and re-encodes to the same bytes.
    #[test]
    fn valid_receipts_round_trip(r in valid_receipt()) {
        prop_assert!(fiskal_ffd::validate(&r).is_ok(), "{:?}", fiskal_ffd::validate(&r));
        let text = json::to_string(&r);
        prop_assert_eq!(json::parse(&text).expect("parses"), r.clone());

        let doc = fiskal_ffd::to_tlv(&r).expect("encodes");
        let bytes = doc.to_bytes().expect("fits");
        prop_assert_eq!(bytes.len(), doc.encoded_len());
        let back = fiskal_ffd::from_tlv(&decode_document(&bytes).expect("decodes")).expect("reads");
        prop_assert_eq!(fiskal_ffd::to_tlv(&back).expect("encodes").to_bytes().expect("fits"), bytes);
        prop_assert_eq!(back.items.len(), r.items.len());
        for (a, b) in back.items.iter().zip(&r.items) {
            prop_assert_eq!(&a.name, &b.name);
            prop_assert_eq!(a.price, b.price);
            prop_assert_eq!(a.quantity.as_decimal(), b.quantity.as_decimal());
            prop_assert_eq!(a.sum, b.sum);
            prop_assert_eq!(a.vat, b.vat);
            prop_assert_eq!(a.vat_sum.map(|m| m.kopecks()), b.vat.vat_of(b.sum.kopecks().expect("valid")).filter(|_| b.vat.fraction().is_some()).map(Ok));
        }
        prop_assert_eq!(back.total, r.total);
        prop_assert_eq!(back.payments, r.payments);
    }
}
