//! The outbox (issue 6): durable enqueues per second, single and batched, each against the
//! same SQLite write without the outbox (the fsync floor); and worker throughput end to end
//! against the ATOL emulator, against the provider client driven directly.
//! Run: `cargo bench -p fiskal-benches --bench outbox -- --warm-up-time 1 --measurement-time 5`
//! Memory with a large queue: `cargo bench -p fiskal-benches --bench outbox_memory`.
//! Figures go to benches/README.md. The worker cases print their timing spans (where a
//! receipt's time goes: `Worker::record_timings`) to stderr after their samples.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use fiskal_emulator::atol::{AtolConfig as EmuConfig, AtolEmulator};
use fiskal_outbox::{Config, NewEntry, Route, SqliteStore, Store, Timestamp, Worker, WorkerConfig};
use fiskal_providers::atol::{AtolClient, AtolConfig};
use fiskal_providers::{DocumentKind, Outcome, Provider, StatusQuery, Submission};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("fiskal-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("mkdir");
    d
}

fn receipt() -> fiskal_ffd::Receipt {
    let json = fiskal_benches::receipt_json_1_2(10)
        .replace("7701000001", "5544332219")
        .replace("vat22", "vat20");
    fiskal_ffd::json::parse_and_validate(&json).expect("bench receipt is valid")
}

/// The same row written without the outbox: WAL, synchronous=FULL, one INSERT per commit.
fn raw_sqlite(path: &std::path::Path) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(path).expect("open");
    let _: String = c
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .expect("wal");
    c.pragma_update(None, "synchronous", "FULL").expect("sync");
    c.execute_batch("CREATE TABLE t (key TEXT PRIMARY KEY, body TEXT NOT NULL)")
        .expect("table");
    c
}

fn enqueue(c: &mut Criterion) {
    let r = receipt();
    let json = fiskal_ffd::json::to_string(&r);
    let dir = scratch("enqueue");
    let store = SqliteStore::open(dir.join("outbox.db"), Config::default()).expect("open");
    let mut raw = raw_sqlite(&dir.join("raw.db"));
    let n = AtomicU64::new(0);
    let key = || format!("k-{}", n.fetch_add(1, Ordering::Relaxed));

    let mut g = c.benchmark_group("durable_enqueue");
    g.throughput(Throughput::Elements(1));
    g.bench_function("baseline_sqlite_insert_1_per_commit", |b| {
        b.iter(|| {
            raw.execute("INSERT INTO t (key, body) VALUES (?1, ?2)", [&key(), &json])
                .expect("insert")
        })
    });
    g.bench_function("enqueue_1_per_commit", |b| {
        b.iter(|| {
            let k = key();
            store
                .enqueue(
                    &NewEntry {
                        key: &k,
                        receipt: &r,
                        provider: "atol",
                    },
                    Timestamp::now(),
                )
                .expect("enqueue")
        })
    });
    g.throughput(Throughput::Elements(100));
    g.bench_function("baseline_sqlite_insert_100_per_commit", |b| {
        b.iter(|| {
            let tx = raw.transaction().expect("tx");
            for _ in 0..100 {
                tx.execute("INSERT INTO t (key, body) VALUES (?1, ?2)", [&key(), &json])
                    .expect("insert");
            }
            tx.commit().expect("commit")
        })
    });
    g.bench_function("enqueue_batch_100_per_commit", |b| {
        b.iter(|| {
            let keys: Vec<String> = (0..100).map(|_| key()).collect();
            let batch: Vec<NewEntry<'_>> = keys
                .iter()
                .map(|k| NewEntry {
                    key: k,
                    receipt: &r,
                    provider: "atol",
                })
                .collect();
            store
                .enqueue_batch(&batch, Timestamp::now())
                .expect("batch")
        })
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Direct: each task submits and polls until done, no journal.
fn direct(
    rt: &tokio::runtime::Runtime,
    client: &AtolClient,
    r: &Arc<fiskal_ffd::Receipt>,
    n: u64,
    in_flight: usize,
    run: u64,
) {
    let next = Arc::new(AtomicU64::new(0));
    rt.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..in_flight {
            let (client, r, next) = (client.clone(), Arc::clone(r), Arc::clone(&next));
            tasks.spawn(async move {
                let ts = "2026-03-02T10:15:00".parse().expect("time");
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let id = format!("d-{run}-{i}");
                    let s = Submission {
                        document_id: &id,
                        receipt: &r,
                        callback_url: None,
                        timestamp: ts,
                    };
                    let uuid = match client.submit(&s).await {
                        Ok(Outcome::Accepted { provider_id, .. }) => provider_id,
                        other => panic!("unexpected {other:?}"),
                    };
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    loop {
                        let q = StatusQuery {
                            provider_id: Some(&uuid),
                            document_id: &id,
                            kind: DocumentKind::Sell,
                        };
                        match client.status(&q).await {
                            Ok(Outcome::Done { .. }) => break,
                            Ok(Outcome::Pending { .. }) => {
                                tokio::time::sleep(Duration::from_millis(20)).await
                            }
                            other => panic!("unexpected {other:?}"),
                        }
                    }
                }
            });
        }
        while tasks.join_next().await.is_some() {}
    });
}

fn worker(c: &mut Criterion) {
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
    // The emulator does not limit reports; the real service allows one per second per group.
    cfg.report_interval = Duration::from_millis(1);
    let client = AtolClient::new(cfg).expect("client");
    let r = Arc::new(receipt());
    let dir = scratch("worker");
    let store = Arc::new(
        SqliteStore::open(
            dir.join("outbox.db"),
            Config {
                poll_first: Duration::from_millis(20),
                poll_max: Duration::from_millis(40),
                ..Config::default()
            },
        )
        .expect("open"),
    );
    let make = |held_polls: usize| {
        let routes: HashMap<String, Route<AtolClient>> =
            [("atol".to_owned(), Route::new(client.clone()))].into();
        Worker::new(
            Arc::clone(&store),
            routes,
            WorkerConfig {
                concurrency: 64,
                idle_wait: Duration::from_millis(5),
                held_polls,
                ..WorkerConfig::default()
            },
        )
        .expect("worker")
        .record_timings()
        .expect("timings")
    };
    // Accepted entries kept by the task that sent them (the default) and, for comparison,
    // every poll claimed again through the journal (`held_polls: 0`, the schedule before).
    let kept = make(WorkerConfig::default().held_polls);
    let claimed_again = make(0);
    const N: u64 = 640;
    let mut g = c.benchmark_group("receipts_to_done");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N));
    let mut run = 0u64;
    g.bench_function("baseline_client_submit_and_poll_64_in_flight", |b| {
        b.iter(|| {
            run += 1;
            direct(&rt, &client, &r, N, 64, run)
        })
    });
    for (name, w) in [
        ("outbox_enqueue_batch_then_worker_64_in_flight", &kept),
        (
            "outbox_enqueue_batch_then_worker_64_in_flight_polls_claimed_again",
            &claimed_again,
        ),
    ] {
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    run += 1;
                    let keys: Vec<String> = (0..N).map(|i| format!("w-{run}-{i}")).collect();
                    let start = Instant::now();
                    let batch: Vec<NewEntry<'_>> = keys
                        .iter()
                        .map(|k| NewEntry {
                            key: k,
                            receipt: &r,
                            provider: "atol",
                        })
                        .collect();
                    store
                        .enqueue_batch(&batch, Timestamp::now())
                        .expect("batch");
                    // The timer is made inside the runtime (tokio::time needs its context).
                    let settled = rt.block_on(async {
                        w.run_until_settled(tokio::time::sleep(Duration::from_secs(120)))
                            .await
                    });
                    assert!(settled);
                    total += start.elapsed();
                }
                total
            })
        });
        print_timings(name, w);
    }
    g.finish();
    rt.block_on(emu.shutdown());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The worker's timing spans so far, per receipt done, to stderr.
fn print_timings<S: Store + 'static>(name: &str, w: &Worker<S, AtolClient>) {
    let Some(t) = w.timings() else { return };
    let done = w.counters().done.max(1);
    eprintln!("\n{name}: timing spans over {done} receipts done (warm-up included)\n{t}");
    for s in &t.spans {
        let per = s.total.as_secs_f64() * 1e3 / done as f64;
        eprintln!("  {:<15} {:>8.3} ms per receipt", s.span.name(), per);
    }
}

criterion_group!(benches, enqueue, worker);
criterion_main!(benches);
