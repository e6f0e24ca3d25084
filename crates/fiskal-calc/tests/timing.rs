//! Timings of the hot paths at 1k / 10k / 100k lines, to show linear growth. Ignored by default
//! (debug builds say little); run with
//! `cargo test -p fiskal-calc --release --test timing -- --ignored --nocapture`.

use fiskal_calc::allocate::{allocate, Adjustment, AllocationRequest};
use fiskal_calc::split::{split_receipt, ProviderLimits, SplitOptions};
use fiskal_calc::Kopecks;
use fiskal_ffd::{Money, Receipt};
use serde_json::json;
use std::time::Instant;

const MARK_VALUE: &str = "010460123456789321sTxR2k9aQ7mZ4";

/// `n` lines: marked shoes (quantity 1) or socks (quantity 1–4), 22 %, paid by card.
fn cart(n: usize, marked: bool) -> Receipt {
    let mut total = 0u64;
    let items: Vec<_> = (0..n)
        .map(|i| {
            let price = 100 + (i as u64 * 104_729) % 1_000_000;
            let qty = if marked { 1 } else { 1 + i as u64 % 4 };
            total += price * qty;
            let mut it = json!({
                "name": format!("Кроссовки беговые, артикул {i}"), "price": Money::from_kopecks(price),
                "quantity": qty, "sum": Money::from_kopecks(price * qty), "measure": "piece",
                "vat": "vat22", "payment_method": "full_payment",
                "payment_subject": if marked { "marked" } else { "commodity" }
            });
            if marked {
                it["mark"] = json!({"kind": 1305, "value": MARK_VALUE, "processing_mode": 0});
            }
            it
        })
        .collect();
    let t = Money::from_kopecks(total);
    serde_json::from_value(json!({
        "version": 1, "ffd": "1.2", "operation": "sell",
        "company": {"inn": "7701000001", "payment_place": "https://shop.example.ru"},
        "items": items, "payments": {"electronic": t}, "total": t
    }))
    .expect("valid cart")
}

#[test]
#[ignore = "timing; run in release with --ignored --nocapture"]
fn timings() {
    for n in [1_000usize, 10_000, 100_000] {
        let c = cart(n, false);
        let total = c.total.kopecks().expect("valid");
        let req = AllocationRequest::new(Adjustment::Discount(
            Kopecks::new(total / 7).expect("small"),
        ));
        let t0 = Instant::now();
        let valid = fiskal_ffd::validate(&c).is_ok();
        let validate = t0.elapsed();
        let t0 = Instant::now();
        let out = allocate(&c, &req).expect("allocates");
        let alloc = t0.elapsed();
        let m = cart(n, true);
        let t0 = Instant::now();
        let parts = split_receipt(&m, "k", &SplitOptions::with_limits(ProviderLimits::NONE))
            .expect("splits");
        let split = t0.elapsed();
        println!(
            "n = {n:>6}: validate {validate:>10.2?} ({valid}); allocate {alloc:>10.2?} ({} lines out); split marked cart {split:>10.2?} ({} parts)",
            out.receipt.items.len(),
            parts.len()
        );
    }
}
