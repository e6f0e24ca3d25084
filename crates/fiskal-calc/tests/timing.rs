//! Timings of the hot paths at 1k / 10k / 100k lines (best of a few runs), to show linear
//! growth; the criterion bench `benches/calc.rs` is the reference. Ignored by default (debug
//! builds say little); run with
//! `cargo test -p fiskal-calc --release --test timing -- --ignored --nocapture`.

use fiskal_calc::allocate::{allocate, Adjustment, AllocationRequest};
use fiskal_calc::split::{split_receipt, ProviderLimits, SplitOptions};
use fiskal_calc::Kopecks;
use fiskal_ffd::{Money, Receipt};
use serde_json::json;
use std::time::{Duration, Instant};

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

/// Best of `runs` timings of `f` (the first run warms the allocator and caches up).
fn best<R>(runs: usize, mut f: impl FnMut() -> R) -> (Duration, R) {
    let mut out = None;
    let mut min = Duration::MAX;
    for _ in 0..runs.max(1) {
        let t0 = Instant::now();
        let r = f();
        min = min.min(t0.elapsed());
        out = Some(r);
    }
    (min, out.expect("at least one run"))
}

#[test]
#[ignore = "timing; run in release with --ignored --nocapture"]
fn timings() {
    for n in [1_000usize, 10_000, 100_000] {
        let runs = if n > 10_000 { 2 } else { 5 };
        let c = cart(n, false);
        let total = c.total.kopecks().expect("valid");
        let req = AllocationRequest::new(Adjustment::Discount(
            Kopecks::new(total / 7).expect("small"),
        ));
        // Baselines: the full validation (with the whole-document encoding of the size rule) and
        // a plain clone of the cart.
        let (validate, valid) = best(runs, || fiskal_ffd::validate(&c).is_ok());
        let (clone, _) = best(runs, || c.clone());
        let (alloc, out) = best(runs, || allocate(&c, &req).expect("allocates"));
        let m = cart(n, true);
        let opts = SplitOptions::with_limits(ProviderLimits::NONE);
        let (split, parts) = best(runs, || split_receipt(&m, "k", &opts).expect("splits"));
        println!(
            "n = {n:>6}: validate {validate:>10.2?} ({valid}); clone {clone:>10.2?}; allocate {alloc:>10.2?} ({} lines out); split marked cart {split:>10.2?} ({} parts)",
            out.receipt.items.len(),
            parts.len()
        );
    }
}
