//! fiskal-calc benchmarks (issue 3): a receipt-level discount allocated over 1k / 10k / 100k
//! lines, and a 1k / 10k / 100k-item marked cart split into receipts, to show linear growth.
//! Goal: each under 10 ms at 10 000 items. Baselines in the same run, over the same cart: a plain
//! `clone` of the cart and `fiskal_ffd::validate_with` without the size rule (the least any
//! function that reads every line, checks it and returns new lines does).
//! Run: `cargo bench -p fiskal-benches --bench calc -- --warm-up-time 1 --measurement-time 3`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use fiskal_calc::allocate::{allocate, Adjustment, AllocationRequest};
use fiskal_calc::split::{split_receipt, SplitOptions};
use fiskal_calc::Kopecks;
use fiskal_ffd::{Money, Profile, Receipt};
use serde_json::json;
use std::hint::black_box;

const SIZES: [usize; 3] = [1_000, 10_000, 100_000];

/// `n` lines at 22 %, paid by card: marked shoes (quantity 1) or socks (quantity 1–4), names of
/// ~30 Cyrillic characters, prices spread over 1.00–10 000.99 ₽.
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
                it["mark"] = json!({
                    "kind": 1305, "value": format!("0104601234567893215Abc{i:09}"),
                    "processing_mode": 0
                });
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
    .expect("bench cart is a receipt")
}

/// The two baselines of a group, over `cart`.
fn baselines(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    n: usize,
    cart: &Receipt,
) {
    let unsized_profile = Profile::for_version(cart.ffd).without_size_limit();
    assert!(fiskal_ffd::validate_with(cart, &unsized_profile).is_empty());
    g.bench_with_input(BenchmarkId::new("baseline_clone", n), cart, |b, c| {
        b.iter(|| black_box(c).clone())
    });
    g.bench_with_input(
        BenchmarkId::new("baseline_validate_unsized", n),
        cart,
        |b, c| b.iter(|| fiskal_ffd::validate_with(black_box(c), &unsized_profile)),
    );
}

fn allocation(c: &mut Criterion) {
    let mut g = c.benchmark_group("allocate_discount");
    for n in SIZES {
        if n > 10_000 {
            g.sample_size(10);
        }
        g.throughput(Throughput::Elements(n as u64));
        let cart = cart(n, false);
        let total = cart.total.kopecks().expect("valid total");
        // 1/7 off: almost every line gets an uneven share and is split in two.
        let req = AllocationRequest::new(Adjustment::Discount(
            Kopecks::new(total / 7).expect("small"),
        ));
        let out = allocate(&cart, &req).expect("allocates");
        assert!(out.receipt.items.len() > n);
        baselines(&mut g, n, &cart);
        g.bench_with_input(BenchmarkId::new("allocate", n), &cart, |b, c| {
            b.iter(|| allocate(black_box(c), &req).expect("allocates"))
        });
    }
    g.finish();
}

fn splitting(c: &mut Criterion) {
    let mut g = c.benchmark_group("split_marked_cart");
    let opts = SplitOptions::default();
    for n in SIZES {
        if n > 10_000 {
            g.sample_size(10);
        }
        g.throughput(Throughput::Elements(n as u64));
        let cart = cart(n, true);
        let parts = split_receipt(&cart, "order", &opts).expect("splits");
        assert!(parts.len() > n / 250);
        baselines(&mut g, n, &cart);
        g.bench_with_input(BenchmarkId::new("split", n), &cart, |b, c| {
            b.iter(|| split_receipt(black_box(c), "order", &opts).expect("splits"))
        });
    }
    g.finish();
}

criterion_group!(benches, allocation, splitting);
criterion_main!(benches);
