//! Property tests (bounded so that the whole suite stays fast): allocation hits its target
//! exactly with every line priced within the register tolerance, and split parts fit the
//! budget, pay exactly their totals and add back up to the cart.
//!
//! Random carts of 1–10 000 lines (random prices, quantities, all twelve rates, marks, name
//! lengths, exclusions, adjustments and payment mixes): 256 cases of small carts (allocation
//! 1–39 lines, splitting 1–299) and 16 cases of large ones (allocation 40–10 000, splitting
//! 300–10 000). The whole file runs in a few seconds in a debug build.

use fiskal_calc::allocate::{
    allocate, largest_remainder, Adjustment, AllocationRequest, Direction, Exclusions,
};
use fiskal_calc::split::{split_receipt, ProviderLimits, SplitOptions, PAYMENT_ORDER};
use fiskal_calc::vat::receipt_vat;
use fiskal_calc::Kopecks;
use fiskal_ffd::size::{document_size_bound, RegisterAssumptions};
use fiskal_ffd::validate::price_times;
use fiskal_ffd::{Item, Money, Receipt, VatRate};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::json;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

const MARK_VALUE: &str = "010460123456789321sTxR2k9aQ7mZ4";

/// One random line: (price kopecks, quantity, rate, marked, name length).
#[derive(Debug, Clone)]
struct Line {
    price: u64,
    qty: Decimal,
    rate: u8,
    marked: bool,
    name_len: usize,
}

fn line() -> impl Strategy<Value = Line> {
    let qty = prop_oneof![
        (1u32..=20).prop_map(Decimal::from),
        (1i64..=20_000).prop_map(|m| Decimal::new(m, 3)),
    ];
    (
        1u64..=2_000_000,
        qty,
        1u8..=12,
        prop::bool::weighted(0.2),
        1usize..=128,
    )
        .prop_map(|(price, qty, rate, marked, name_len)| Line {
            price,
            qty: if marked { Decimal::ONE } else { qty },
            rate,
            marked,
            name_len,
        })
}

fn item(l: &Line, i: usize) -> Item {
    let sum = price_times(l.price, l.qty).expect("small");
    let name: String = format!("Товар {i} ")
        .chars()
        .chain(std::iter::repeat('я'))
        .take(l.name_len)
        .collect();
    let mut v = json!({
        "name": name, "price": Money::from_kopecks(l.price), "quantity": l.qty.to_string(),
        "sum": Money::from_kopecks(sum), "measure": "piece", "vat": VatRate(l.rate).name(),
        "payment_method": "full_payment",
        "payment_subject": if l.marked { "marked" } else { "commodity" }
    });
    if l.marked {
        v["mark"] = json!({"kind": 1305, "value": MARK_VALUE, "processing_mode": 0});
    }
    serde_json::from_value(v).expect("valid item")
}

/// A valid 1.2 cart whose total is paid over the five kinds in proportion to `weights`.
fn cart(lines: &[Line], weights: [u64; 5]) -> Receipt {
    let items: Vec<Item> = lines.iter().enumerate().map(|(i, l)| item(l, i)).collect();
    let total: u64 = items.iter().map(|i| i.sum.kopecks().expect("valid")).sum();
    let w: u64 = weights.iter().sum::<u64>().max(1);
    let mut amounts: Vec<u64> = weights
        .iter()
        .map(|x| u64::try_from(u128::from(total) * u128::from(*x) / u128::from(w)).expect("fits"))
        .collect();
    let given: u64 = amounts.iter().sum();
    amounts[0] += total - given;
    let m = Money::from_kopecks;
    serde_json::from_value(json!({
        "version": 1, "ffd": "1.2", "operation": "sell",
        "company": {"inn": "7701000001", "payment_place": "https://shop.example.ru"},
        "items": items,
        "payments": {"cash": m(amounts[0]), "electronic": m(amounts[1]), "prepaid": m(amounts[2]),
                     "credit": m(amounts[3]), "consideration": m(amounts[4])},
        "total": m(total)
    }))
    .expect("valid cart")
}

fn k(m: &Money) -> u64 {
    m.kopecks().expect("valid money")
}

#[derive(Debug, Clone)]
enum Adj {
    DiscountShare(u32),
    Percent(u32, bool),
    Markup(u64),
    Target(u32),
}

fn adj() -> impl Strategy<Value = Adj> {
    prop_oneof![
        (0u32..=1000).prop_map(Adj::DiscountShare),
        (0u32..=10_000, any::<bool>()).prop_map(|(p, up)| Adj::Percent(p, up)),
        (0u64..=1_000_000).prop_map(Adj::Markup),
        (0u32..=2000).prop_map(Adj::Target),
    ]
}

/// Allocates `a` over a cart of `lines` (each with its exclusion flag) and checks every
/// property: the target is hit exactly, every line is within the register tolerance (exact for
/// integer quantities), each item's lines add up to its new sum, excluded items are untouched,
/// the result validates (`fits_one_document`: every rule; else every rule but the document
/// size), and the only errors are the ones the inputs call for.
fn check_allocation(
    lines: &[(Line, bool)],
    a: Adj,
    fits_one_document: bool,
) -> Result<(), TestCaseError> {
    let (lines, excl): (Vec<Line>, Vec<bool>) = lines.iter().cloned().unzip();
    let c = cart(&lines, [1, 0, 0, 0, 0]);
    let sums: Vec<u64> = c.items.iter().map(|i| k(&i.sum)).collect();
    let excluded: Vec<usize> = (0..lines.len()).filter(|i| excl[*i]).collect();
    let e: u64 = sums
        .iter()
        .enumerate()
        .filter(|(i, _)| !excl[*i])
        .map(|(_, s)| s)
        .sum();
    let x: u64 = sums.iter().sum::<u64>() - e;
    let (adjustment, target) = match a {
        Adj::DiscountShare(p) => {
            let d = e * u64::from(p) / 1000;
            (
                Adjustment::Discount(Kopecks::new(d).expect("small")),
                e - d + x,
            )
        }
        Adj::Percent(p, up) => {
            let pct = Decimal::new(i64::from(p), 2);
            // half-up of e × p / 10000
            let amt = (u128::from(e) * u128::from(p) * 2 + 10_000) / 20_000;
            let amt = u64::try_from(amt).expect("fits");
            if up {
                (Adjustment::MarkupPercent(pct), e + amt + x)
            } else {
                (Adjustment::DiscountPercent(pct), e.saturating_sub(amt) + x)
            }
        }
        Adj::Markup(m) => (
            Adjustment::Markup(Kopecks::new(m).expect("small")),
            e + m + x,
        ),
        Adj::Target(p) => {
            let t = x + e * u64::from(p) / 1000;
            (Adjustment::TargetTotal(Kopecks::new(t).expect("small")), t)
        }
    };
    let req = AllocationRequest::new(adjustment).exclude(Exclusions::indices(&excluded));
    match allocate(&c, &req) {
        Ok(out) => {
            let r = &out.receipt;
            prop_assert_eq!(k(&r.total), target);
            let lines_total: u64 = r.items.iter().map(|i| k(&i.sum)).sum();
            prop_assert_eq!(lines_total, target);
            prop_assert_eq!(out.item_sums.iter().map(|s| s.get()).sum::<u64>(), target);
            // Each original item: its lines add up to its new sum; excluded ones untouched.
            let mut per = vec![0u64; sums.len()];
            for (l, src) in r.items.iter().zip(&out.sources) {
                per[*src] += k(&l.sum);
                let expect = price_times(k(&l.price), l.quantity.as_decimal()).expect("small");
                if l.quantity.as_decimal().fract().is_zero() {
                    prop_assert_eq!(expect, k(&l.sum), "integer quantity must be exact: {:?}", l);
                } else {
                    prop_assert!(
                        expect.abs_diff(k(&l.sum)) <= 1,
                        "line off by more than a kopeck: {:?}",
                        l
                    );
                }
            }
            for (i, s) in per.iter().enumerate() {
                prop_assert_eq!(*s, out.item_sums[i].get());
                match out.direction {
                    Direction::Discount => prop_assert!(*s <= sums[i]),
                    Direction::Markup => prop_assert!(*s >= sums[i]),
                    _ => prop_assert_eq!(*s, sums[i]),
                }
                if excl[i] {
                    prop_assert_eq!(*s, sums[i]);
                }
            }
            if fits_one_document {
                prop_assert!(fiskal_ffd::validate(r).is_ok());
            } else {
                prop_assert!(fiskal_ffd::validate_with(r, &without_size_rule()).is_empty());
            }
        }
        Err(err) => {
            // Only these, and only when the inputs really call for them.
            match err.code() {
                "zero_total" => prop_assert_eq!(target, 0),
                "nothing_eligible" => prop_assert_eq!(e, 0),
                other => prop_assert!(false, "unexpected error {}: {}", other, err),
            }
        }
    }
    Ok(())
}

/// Every validation rule but the document size: a cart of 2 000 lines is larger than one
/// document, which is what splitting is for (and is tested below).
fn without_size_rule() -> fiskal_ffd::Profile {
    fiskal_ffd::Profile::for_version(fiskal_ffd::FfdVersion::V12).without_size_limit()
}

/// Splits a cart of `lines` paid in proportion to `weights` and checks every property: parts
/// are numbered, non-empty, in item order, within `max_items` and the budget (the bound being
/// the exact `document_size_bound` of the part), each pays exactly its total, and together they
/// add up to the cart: items, total, each payment kind and VAT per rate. Every part validates.
fn check_split(
    lines: &[Line],
    weights: [u64; 5],
    budget: usize,
    max_items: Option<usize>,
) -> Result<(), TestCaseError> {
    let c = cart(lines, weights);
    let opts = SplitOptions::with_limits(ProviderLimits::new(max_items, None)).budget(budget);
    let parts = split_receipt(&c, "order", &opts).expect("every item fits alone in 2 000 bytes");
    prop_assert!(!parts.is_empty());
    let mut next = 0usize;
    let mut total = 0u64;
    let mut per_kind = [0u64; 5];
    let mut vat = [0u64; 13];
    for (j, p) in parts.iter().enumerate() {
        let r = &p.receipt;
        prop_assert_eq!(p.index, j);
        prop_assert_eq!(p.count, parts.len());
        prop_assert_eq!(&p.key, &format!("order-{}", j + 1));
        prop_assert!(!r.items.is_empty());
        prop_assert_eq!(p.items.start, next);
        next = p.items.end;
        prop_assert_eq!(&r.items[..], &c.items[p.items.clone()]);
        if let Some(m) = max_items {
            prop_assert!(r.items.len() <= m);
        }
        let bound = document_size_bound(r, &RegisterAssumptions::default()).expect("encodes");
        prop_assert_eq!(bound, p.size_bound);
        prop_assert!(bound <= budget, "part {} is {} bytes", j, bound);
        let t = k(&r.total);
        let paid: u64 = PAYMENT_ORDER
            .iter()
            .map(|kind| k(&kind.get(&r.payments)))
            .sum();
        prop_assert_eq!(paid, t);
        prop_assert_eq!(r.items.iter().map(|i| k(&i.sum)).sum::<u64>(), t);
        total += t;
        for (n, kind) in PAYMENT_ORDER.iter().enumerate() {
            per_kind[n] += k(&kind.get(&r.payments));
        }
        for (rate, _, v) in receipt_vat(r).expect("valid").rows() {
            vat[usize::from(rate.0)] += v;
        }
        prop_assert!(fiskal_ffd::validate(r).is_ok());
    }
    prop_assert_eq!(next, c.items.len());
    prop_assert_eq!(total, k(&c.total));
    for (n, kind) in PAYMENT_ORDER.iter().enumerate() {
        prop_assert_eq!(per_kind[n], k(&kind.get(&c.payments)));
    }
    let whole = receipt_vat(&c).expect("valid");
    for rate in VatRate::KNOWN {
        prop_assert_eq!(vat[usize::from(rate.0)], whole.vat(*rate));
    }
    Ok(())
}

fn excludable_line() -> impl Strategy<Value = (Line, bool)> {
    (line(), prop::bool::weighted(0.2))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn allocation_hits_the_target_exactly(
        lines in prop::collection::vec(excludable_line(), 1..40),
        a in adj(),
    ) {
        check_allocation(&lines, a, true)?;
    }

    #[test]
    fn split_parts_fit_and_add_up(
        lines in prop::collection::vec(line(), 1..300),
        weights in prop::array::uniform5(0u64..5),
        budget in prop_oneof![Just(2_000usize), Just(5_000), Just(30_720)],
        max_items in prop_oneof![Just(None), (1usize..50).prop_map(Some)],
    ) {
        check_split(&lines, weights, budget, max_items)?;
    }
}

/// The largest-remainder method as documented, with a full sort: floor shares, then one kopeck
/// each to the largest remainders, ties to the lower index.
fn largest_remainder_by_sorting(weights: &[u64], amount: u64) -> Vec<u64> {
    let total: u128 = weights.iter().map(|w| u128::from(*w)).sum();
    let a = u128::from(amount);
    let mut shares: Vec<u64> = weights
        .iter()
        .map(|w| u64::try_from(a * u128::from(*w) / total).expect("fits"))
        .collect();
    let mut rems: Vec<(u128, usize)> = weights
        .iter()
        .enumerate()
        .map(|(i, w)| (a * u128::from(*w) % total, i))
        .collect();
    rems.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
    let left = amount - shares.iter().sum::<u64>();
    for (_, i) in rems.iter().take(usize::try_from(left).expect("fits")) {
        shares[*i] += 1;
    }
    shares
}

proptest! {
    #![proptest_config(config())]

    // Small weights and amounts: many equal remainders, so the tie-break is exercised.
    #[test]
    fn largest_remainder_matches_its_definition(
        weights in prop::collection::vec(0u64..20, 1..80),
        amount in 0u64..5_000,
    ) {
        prop_assume!(weights.iter().any(|w| *w > 0));
        let got = largest_remainder(&weights, amount).expect("allocates");
        prop_assert_eq!(got, largest_remainder_by_sorting(&weights, amount));
    }
}

// Large carts, as the issue asks (random carts of up to thousands of lines), with fewer cases
// so that the debug test run stays short.
proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..config() })]

    #[test]
    fn allocation_over_large_carts(
        lines in prop::collection::vec(excludable_line(), 40..=10_000),
        a in adj(),
    ) {
        check_allocation(&lines, a, false)?;
    }

    #[test]
    fn split_of_large_carts(
        lines in prop::collection::vec(line(), 300..=10_000),
        weights in prop::array::uniform5(0u64..5),
        budget in prop_oneof![Just(5_000usize), Just(30_720)],
        max_items in prop_oneof![Just(None), Just(Some(100)), (1usize..500).prop_map(Some)],
    ) {
        check_split(&lines, weights, budget, max_items)?;
    }
}

fn marked_cart(n: usize) -> Receipt {
    let lines: Vec<Line> = (0..n)
        .map(|i| Line {
            price: 100 + (i as u64 * 7919) % 500_000,
            qty: Decimal::ONE,
            rate: 11,
            marked: true,
            name_len: 20 + i % 100,
        })
        .collect();
    cart(&lines, [1, 3, 0, 0, 1])
}

#[test]
fn five_hundred_marked_items_split_into_valid_parts() {
    let c = marked_cart(500);
    assert!(
        fiskal_ffd::validate(&c).is_err(),
        "one document cannot hold 500 marked items"
    );
    for opts in [
        SplitOptions::default(),
        SplitOptions::with_limits(ProviderLimits::ATOL),
    ] {
        let parts = split_receipt(&c, "order-500", &opts).expect("splits");
        assert!(parts.len() >= 3);
        assert_eq!(
            parts.iter().map(|p| p.receipt.items.len()).sum::<usize>(),
            500
        );
        for p in &parts {
            assert!(fiskal_ffd::validate(&p.receipt).is_ok(), "{}", p.key);
            assert!(p.size_bound <= fiskal_ffd::size::DEFAULT_BUDGET);
        }
    }
}

#[test]
fn ten_thousand_lines_allocate_then_split() {
    let lines: Vec<Line> = (0..10_000)
        .map(|i| Line {
            price: 100 + (i as u64 * 104_729) % 1_000_000,
            qty: if i % 3 == 0 {
                Decimal::new(1250, 3)
            } else {
                Decimal::from(1 + i % 5)
            },
            rate: [1, 2, 7, 11, 6][i % 5],
            marked: false,
            name_len: 30,
        })
        .collect();
    let c = cart(&lines, [1, 1, 0, 0, 0]);
    let total = k(&c.total);
    let target = total - total / 7;
    let pay = fiskal_ffd::model::Payments {
        electronic: Money::from_kopecks(target),
        ..Default::default()
    };
    let req = AllocationRequest::new(Adjustment::TargetTotal(
        Kopecks::new(target).expect("small"),
    ))
    .payments(pay);
    let out = allocate(&c, &req).expect("allocates");
    assert_eq!(k(&out.receipt.total), target);
    let parts = split_receipt(
        &out.receipt,
        "big",
        &SplitOptions::with_limits(ProviderLimits::ATOL),
    )
    .expect("splits");
    assert_eq!(
        parts.iter().map(|p| k(&p.receipt.total)).sum::<u64>(),
        target
    );
    assert_eq!(
        parts.iter().map(|p| p.receipt.items.len()).sum::<usize>(),
        out.receipt.items.len()
    );
}
