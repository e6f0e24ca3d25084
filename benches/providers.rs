//! Provider adapters (issue 5): requests built (and signed) per second per provider, and
//! end-to-end ATOL receipts per second against the emulator on loopback with 64 in flight.
//! Run: `cargo bench -p fiskal-benches --bench providers -- --warm-up-time 1 --measurement-time 5`
//! Figures go to benches/README.md.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use fiskal_emulator::atol::{AtolConfig as EmuConfig, AtolEmulator};
use fiskal_providers::atol::{AtolClient, AtolConfig};
use fiskal_providers::http::ClientIdentity;
use fiskal_providers::orange::{build_request, OrangeConfig, RequestSigner};
use fiskal_providers::{Outcome, Provider, Secret, Submission};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A 10-item ФФД 1.2 receipt of the ATOL test company, 20 % VAT (every provider has a code).
fn receipt(inn: &str) -> fiskal_ffd::Receipt {
    let json = fiskal_benches::receipt_json_1_2(10)
        .replace("7701000001", inn)
        .replace("vat22", "vat20")
        // The Orange body needs the scanned code; ATOL v5 takes kind + value as well.
        .replace(
            "\"processing_mode\":0}",
            "\"processing_mode\":0,\"code\":\"0104601234567893215Abc000000001\\u001d93abcd\"}",
        );
    fiskal_ffd::json::parse_and_validate(&json).expect("bench receipt is valid")
}

fn build(c: &mut Criterion) {
    let ts = "2026-03-02T10:15:00".parse().expect("time");
    let r = receipt("5544332219");
    let s = Submission {
        document_id: "bench-1",
        receipt: &r,
        callback_url: None,
        timestamp: ts,
    };
    let mut g = c.benchmark_group("request_build");
    g.throughput(Throughput::Elements(1));
    for (name, cfg) in [
        ("atol_v4", AtolConfig::test_v4()),
        ("atol_v5", AtolConfig::test_v5()),
    ] {
        let client = AtolClient::new(cfg).expect("client");
        let r105;
        let sub = if name == "atol_v4" {
            // v4 is ФФД 1.05: the same items without 1.2-only fields.
            let mut x = r.clone();
            x.ffd = fiskal_ffd::FfdVersion::V105;
            for it in &mut x.items {
                it.measure = None;
                if let Some(m) = &mut it.mark {
                    m.kind = None;
                    m.value = None;
                    m.processing_mode = None;
                }
                if it.mark.is_some() {
                    it.payment_subject = fiskal_ffd::PaymentSubject::COMMODITY;
                }
            }
            r105 = x;
            Submission {
                receipt: &r105,
                ..s
            }
        } else {
            s
        };
        client.request_body(&sub).expect("v4/v5 body builds");
        g.bench_function(name, |b| {
            b.iter(|| {
                client
                    .request_body(black_box(&sub))
                    .expect("builds")
                    .1
                    .len()
            })
        });
    }
    // Business.ru Open API (ФФД 1.2 via /v2): command JSON + PHP-style sorted encoding + md5 sign.
    {
        use fiskal_providers::business_ru::{BusinessRuClient, BusinessRuConfig};
        let br = BusinessRuClient::new(BusinessRuConfig::test(
            "bench-app",
            Secret::new("0123456789abcdef0123456789abcdef"),
        ))
        .expect("client");
        let token = Secret::new("0123456789abcdef0123456789abcdef");
        let mut r105 = r.clone();
        r105.ffd = fiskal_ffd::FfdVersion::V105;
        for it in &mut r105.items {
            it.measure = None;
            if let Some(m) = &mut it.mark {
                m.kind = None;
                m.value = None;
                m.processing_mode = None;
            }
            if it.mark.is_some() {
                it.payment_subject = fiskal_ffd::PaymentSubject::COMMODITY;
            }
        }
        let sub = Submission {
            receipt: &r105,
            ..s
        };
        let (ty, cmd) = br.command(&sub).expect("business.ru command builds");
        let _ = br.command_request(ty, &cmd, "nonce_1", &token);
        g.bench_function("business_ru_command_and_sign", |b| {
            b.iter(|| {
                let (ty, cmd) = br.command(black_box(&sub)).expect("builds");
                br.command_request(ty, &cmd, "nonce_1", &token)
            })
        });
    }
    let key = fiskal_emulator::orange::generate_signing_key()
        .expect("signing key")
        .private_pem;
    let identity = ClientIdentity {
        cert_chain_pem: String::new(),
        key_pem: Secret::new(""),
    };
    let ocfg = OrangeConfig::new(
        "https://127.0.0.1",
        "5544332219",
        Secret::new(key.clone()),
        identity,
    );
    let signer = RequestSigner::from_pem(&Secret::new(key)).expect("key");
    build_request(&ocfg, "bench-1", &r, None).expect("orange body builds");
    g.bench_function("orange_data_build_and_sign", |b| {
        b.iter(|| {
            let (body, _) = build_request(&ocfg, "bench-1", black_box(&r), None).expect("builds");
            signer.sign(&body).expect("signs").len()
        })
    });
    g.finish();
}

/// Submits `n` receipts with at most `in_flight` at a time; returns receipts per second of
/// accepted registrations.
fn atol_end_to_end(
    rt: &tokio::runtime::Runtime,
    client: &AtolClient,
    receipt: &Arc<fiskal_ffd::Receipt>,
    n: u64,
    in_flight: usize,
    run: u64,
) -> f64 {
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    rt.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..in_flight {
            let (client, receipt, next) = (client.clone(), Arc::clone(receipt), Arc::clone(&next));
            tasks.spawn(async move {
                let ts = "2026-03-02T10:15:00".parse().expect("time");
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let id = format!("e2e-{run}-{i}");
                    let s = Submission {
                        document_id: &id,
                        receipt: &receipt,
                        callback_url: None,
                        timestamp: ts,
                    };
                    match client.submit(&s).await {
                        Ok(Outcome::Accepted {
                            duplicate: false, ..
                        }) => {}
                        other => panic!("unexpected {other:?}"),
                    }
                }
            });
        }
        while tasks.join_next().await.is_some() {}
    });
    n as f64 / start.elapsed().as_secs_f64()
}

fn end_to_end(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let emu = rt
        .block_on(AtolEmulator::start(
            EmuConfig::default().with_processing_delay(Duration::from_millis(10)),
        ))
        .expect("emulator");
    let mut cfg = AtolConfig::test_v5();
    cfg.base_url = emu.base_url_v5();
    let client = AtolClient::new(cfg).expect("client");
    let receipt = Arc::new(receipt("5544332219"));
    let mut g = c.benchmark_group("atol_end_to_end");
    g.sample_size(10);
    g.throughput(Throughput::Elements(640));
    let mut run = 0u64;
    g.bench_function("submit_640_receipts_64_in_flight", |b| {
        b.iter(|| {
            run += 1;
            atol_end_to_end(&rt, &client, &receipt, 640, 64, run)
        })
    });
    g.finish();
    rt.block_on(emu.shutdown());
}

criterion_group!(benches, build, end_to_end);
criterion_main!(benches);
