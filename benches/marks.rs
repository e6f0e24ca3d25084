//! fiskal-marks benchmark: raw scan → parsed code → 1162 bytes + 1163 value, in codes per second.
//! Baseline in the same run: copying the scan and splitting it at GS (the least any parser does).
//! Run: `cargo bench -p fiskal-benches --bench marks`; figures go to benches/README.md.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use fiskal_marks::MarkCode;
use std::hint::black_box;

fn codes() -> Vec<(&'static str, String)> {
    let c44 = "Y4O/9CcUX4YrsehY0jUvHmlWpY5gQ2P8HzJ15ZtlzLU=";
    let c88 = format!("{c44}{c44}");
    vec![
        (
            "shoes_127",
            format!("0104601234567893215Abc000000001\u{1d}91EE05\u{1d}92{c88}"),
        ),
        (
            "clothing_83",
            format!("0104601234567893215Abc000000001\u{1d}91EE05\u{1d}92{c44}"),
        ),
        ("milk_31", "0104601234567893215w9EJp\u{1d}93abc1".to_owned()),
        (
            "shoes_scanner_quirks",
            format!("]d2\u{e8}0104601234567893215Abc000000001<GS>91EE05<GS>92{c88}"),
        ),
        ("ean13", "4606203090785".to_owned()),
    ]
}

fn marks(c: &mut Criterion) {
    let mut g = c.benchmark_group("mark_parse_encode");
    g.throughput(Throughput::Elements(1));
    for (name, code) in codes() {
        let m = MarkCode::parse(&code).expect("bench code parses");
        assert!(m.tag_1162().is_ok());
        g.bench_function(format!("baseline_copy_split/{name}"), |b| {
            b.iter(|| {
                let s = String::from(black_box(code.as_str()));
                s.split('\u{1d}').count()
            })
        });
        g.bench_function(format!("parse_1162_1163/{name}"), |b| {
            b.iter(|| {
                let m = MarkCode::parse(black_box(&code)).expect("parses");
                let t = m.tag_1162().expect("1162");
                (t.as_bytes().len(), m.tag_1163().value().len())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, marks);
criterion_main!(benches);
