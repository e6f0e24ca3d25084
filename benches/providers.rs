//! Provider adapters (issues 5, 13): requests built (and signed) per second per provider, and
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
///
/// Each marked item also carries its raw scan (`mark.code`: the Orange and Ferma bodies need
/// it), made from that item's own 1163 value plus a crypto tail, so the scan and the 1163
/// `kind` + `value` agree as the adapters require (a scan that differs from the 1163 value is
/// refused naming `items[i].mark.value`: one scan shared by every item was, once that rule
/// came).
fn receipt(inn: &str) -> fiskal_ffd::Receipt {
    let json = fiskal_benches::receipt_json_1_2(10)
        .replace("7701000001", inn)
        .replace("vat22", "vat20");
    let mut v: serde_json::Value = serde_json::from_str(&json).expect("bench receipt JSON");
    let items = v["items"].as_array_mut().expect("items");
    for item in items {
        let mark = &mut item["mark"];
        if let Some(value) = mark["value"].as_str() {
            mark["code"] = format!("{value}\u{1d}93abcd").into();
        }
    }
    fiskal_ffd::json::parse_and_validate(&v.to_string()).expect("bench receipt is valid")
}

/// The same receipt as ФФД 1.05 (ATOL v4, Business.ru v1, МодульКасса): the items without the
/// 1.2-only fields, marks as the scan alone (1162 is derived from it), marked goods as commodities.
fn as_ffd_1_05(r: &fiskal_ffd::Receipt) -> fiskal_ffd::Receipt {
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
    x
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
            r105 = as_ffd_1_05(&r);
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
        let r105 = as_ffd_1_05(&r);
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

/// KOMTET Kassa (ФФД 1.2, api/shop/v2): task JSON with exact numbers + HMAC-MD5 signature, for
/// the same 10-item receipt (marks given as their 1163 kind + value).
fn build_komtet(c: &mut Criterion) {
    use fiskal_providers::komtet::{signature, KomtetClient, KomtetConfig};
    let mut r = receipt("5544332219");
    r.company.payment_address = Some("г. Москва, ул. Примерная, д. 1".into());
    for it in &mut r.items {
        if let Some(m) = &mut it.mark {
            m.code = None;
        }
    }
    let s = Submission {
        document_id: "bench-1",
        receipt: &r,
        callback_url: None,
        timestamp: "2026-03-02T10:15:00".parse().expect("time"),
    };
    let kt = KomtetClient::new(KomtetConfig::production("bench-shop", "bench-secret", "1"))
        .expect("client");
    kt.task_body(&s).expect("komtet task builds");
    let secret = Secret::new("bench-secret");
    let url = kt.task_url();
    let mut g = c.benchmark_group("request_build");
    g.throughput(Throughput::Elements(1));
    g.bench_function("komtet_task_and_sign", |b| {
        b.iter(|| {
            let body = kt.task_body(black_box(&s)).expect("builds");
            signature(&secret, "POST", &url, body.as_bytes())
        })
    });
    g.finish();
}

/// OFD.ru Ferma (ФФД 1.2 account): the `kkt/cloud/receipt` body with exact numbers, for the
/// same 10-item receipt (marks as the scan, with their planned status). Ferma has no field for
/// 1117 (the seller's e-mail): the receipt goes without it, as Ferma would otherwise refuse it.
/// No signature: the token travels in the query string, fetched once per day or so.
fn build_ferma(c: &mut Criterion) {
    use fiskal_providers::ferma::{FermaClient, FermaConfig};
    let mut r = receipt("5544332219");
    r.company.email = None;
    let s = Submission {
        document_id: "bench-1",
        receipt: &r,
        callback_url: None,
        timestamp: "2026-03-02T10:15:00".parse().expect("time"),
    };
    let ferma = FermaClient::new(FermaConfig::test_ffd_1_2()).expect("client");
    ferma.request_body(&s).expect("ferma body builds");
    let mut g = c.benchmark_group("request_build");
    g.throughput(Throughput::Elements(1));
    g.bench_function("ferma_receipt", |b| {
        b.iter(|| ferma.request_body(black_box(&s)).expect("builds").len())
    });
    g.finish();
}

/// МодульКасса: the `POST /v2/doc` Document (ФФД 1.05: its API names no payment subject for
/// ФФД 1.2 marked goods, docs/providers.md), exact numbers in roubles, marks as `nomenclatureCode`
/// (1162, spaced hex). No signature: HTTP Basic with a fixed pair.
fn build_modulkassa(c: &mut Criterion) {
    use fiskal_providers::modulkassa::{ModulKassaClient, ModulKassaConfig};
    let r = as_ffd_1_05(&receipt("5544332219"));
    let s = Submission {
        document_id: "bench-1",
        receipt: &r,
        callback_url: None,
        timestamp: "2026-03-02T10:15:00".parse().expect("time"),
    };
    let mk = ModulKassaClient::new(ModulKassaConfig::production(
        "4f4c789c-3863-41d3-aea9-c35b5a9e7f18",
        Secret::new("bench-password"),
    ))
    .expect("client");
    mk.document(&s).expect("modulkassa document builds");
    let mut g = c.benchmark_group("request_build");
    g.throughput(Throughput::Elements(1));
    g.bench_function("modulkassa_document", |b| {
        b.iter(|| mk.document(black_box(&s)).expect("builds").len())
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

criterion_group!(
    benches,
    build,
    build_komtet,
    build_ferma,
    build_modulkassa,
    end_to_end
);
criterion_main!(benches);
