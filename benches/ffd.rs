//! fiskal-ffd benchmarks: JSON → validated receipt → TLV, TLV encode, TLV decode, with bare
//! `serde_json::from_str::<serde_json::Value>` on the same bytes as the baseline.
//! Run: `cargo bench -p fiskal-benches --bench ffd`; figures go to benches/README.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use fiskal_benches::receipt_json_1_2;
use std::hint::black_box;

fn pipeline(c: &mut Criterion) {
    for n in [10usize, 200] {
        let json = receipt_json_1_2(n);
        // Sanity: the input is valid and the pipeline works (a benchmark of an error path is not
        // what we want to measure).
        let bytes = fiskal_ffd::json_to_tlv_bytes(&json).expect("bench receipt is valid");
        let mut g = c.benchmark_group(format!("receipt_{n}_items"));
        g.throughput(Throughput::Bytes(json.len() as u64));
        g.bench_function("baseline_serde_json_value", |b| {
            b.iter(|| serde_json::from_str::<serde_json::Value>(black_box(&json)).expect("json"))
        });
        g.bench_function("parse_validate_encode", |b| {
            b.iter(|| fiskal_ffd::json_to_tlv_bytes(black_box(&json)).expect("valid"))
        });
        g.bench_function("parse_only", |b| {
            b.iter(|| fiskal_ffd::json::parse(black_box(&json)).expect("parses"))
        });
        g.finish();

        let receipt = fiskal_ffd::json::parse(&json).expect("parses");
        let doc = fiskal_ffd::to_tlv(&receipt).expect("encodes");
        let mut g = c.benchmark_group(format!("tlv_{n}_items"));
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_with_input(BenchmarkId::new("encode", bytes.len()), &doc, |b, doc| {
            let mut out = Vec::with_capacity(bytes.len());
            b.iter(|| {
                out.clear();
                black_box(doc).encode(&mut out).expect("fits");
                black_box(out.len())
            })
        });
        g.bench_with_input(
            BenchmarkId::new("decode", bytes.len()),
            &bytes,
            |b, bytes| {
                b.iter(|| fiskal_ffd::tlv::decode_document(black_box(bytes)).expect("decodes"))
            },
        );
        g.bench_with_input(
            BenchmarkId::new("decode_to_receipt", bytes.len()),
            &bytes,
            |b, bytes| {
                b.iter(|| {
                    let doc = fiskal_ffd::tlv::decode_document(black_box(bytes)).expect("decodes");
                    fiskal_ffd::from_tlv(&doc).expect("reads")
                })
            },
        );
        g.finish();
    }
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
