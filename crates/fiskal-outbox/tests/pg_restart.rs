//! The PostgreSQL server crashes (`pg_ctl stop -m immediate`) and restarts while a worker is
//! sending: nothing is half-stored, operations during the outage fail with typed errors, and
//! the worker reconnects by itself and finishes every receipt, each fiscalised once. Its own
//! test binary: it stops the server every other PostgreSQL test uses. Needs the variables
//! scripts/test-pg exports (`FISKAL_TEST_PG_URL`, `FISKAL_TEST_PG_CTL`, `FISKAL_TEST_PG_DATA`,
//! `FISKAL_TEST_PG_OPTS`, `FISKAL_TEST_PG_AS`); fails without them.
#![cfg(feature = "postgres")]

mod pg_support;
mod support;

use fiskal_outbox::{NewEntry, PgStore, Route, State, Store, Timestamp, Worker, WorkerConfig};
use fiskal_providers::InDoubtResolution;
use pg_support::PgHarness;
use std::collections::HashMap;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::FakeCloud;

fn var(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} is not set: run this test through bash scripts/test-pg"))
}

/// `pg_ctl ARGS` as the server's user.
fn pg_ctl(args: &[&str]) {
    let ctl = var("FISKAL_TEST_PG_CTL");
    let as_user = std::env::var("FISKAL_TEST_PG_AS").unwrap_or_default();
    let mut words: Vec<String> = as_user.split_whitespace().map(str::to_owned).collect();
    words.push(ctl);
    words.extend(args.iter().map(|a| (*a).to_owned()));
    let status = Command::new(&words[0])
        .args(&words[1..])
        .status()
        .expect("run pg_ctl");
    assert!(status.success(), "pg_ctl {args:?}: {status}");
}

/// Waits for `cond` (checked every 50 ms) up to `limit`.
async fn wait_for(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_crash_mid_flight_stores_nothing_half_and_the_worker_carries_on() {
    const N: usize = 120;
    let data = var("FISKAL_TEST_PG_DATA");
    let opts = var("FISKAL_TEST_PG_OPTS");
    let h = PgHarness::new("restart");
    let mut settings = h.settings();
    settings.reconnect_max = Duration::from_millis(500);
    settings.connect_timeout = Duration::from_secs(2);
    let store = Arc::new(PgStore::open(settings, support::fast_config()).expect("open"));
    let r = support::receipt();
    let keys: Vec<String> = (0..N).map(|i| format!("rs-{i}")).collect();
    let batch: Vec<NewEntry<'_>> = keys
        .iter()
        .map(|k| NewEntry {
            key: k,
            receipt: &r,
            provider: "main",
        })
        .collect();
    store
        .enqueue_batch(&batch, Timestamp::now())
        .expect("batch");
    // Slow answers keep calls in flight when the server goes.
    let cloud = FakeCloud::new("fake", InDoubtResolution::ResendSameId);
    cloud.script((0..N).map(|_| support::Fault::Slow(Duration::from_millis(40))));
    let routes = HashMap::from([("main".to_owned(), Route::new(cloud.clone()))]);
    let cfg = WorkerConfig {
        concurrency: 4,
        lease: Duration::from_secs(3),
        call_timeout: Duration::from_secs(1),
        idle_wait: Duration::from_millis(100),
        ..WorkerConfig::default()
    };
    let worker = Worker::new(Arc::clone(&store), routes, cfg).expect("worker");
    let stop = Arc::new(tokio::sync::Notify::new());
    let run = {
        let (w, stop) = (worker.clone(), Arc::clone(&stop));
        tokio::spawn(async move { w.run(async move { stop.notified().await }).await })
    };
    // Mid-flight: some sent, most not.
    wait_for("the first submits", Duration::from_secs(30), || {
        cloud.submits().len() >= 8
    })
    .await;
    let d = data.clone();
    tokio::task::spawn_blocking(move || pg_ctl(&["-D", &d, "-m", "immediate", "stop"]))
        .await
        .expect("stop");
    // While it is down: a typed error, and nothing of it is stored afterwards.
    let s2 = Arc::clone(&store);
    let down = tokio::task::spawn_blocking(move || {
        let r = support::receipt();
        s2.enqueue(
            &NewEntry {
                key: "while-down",
                receipt: &r,
                provider: "main",
            },
            Timestamp::now(),
        )
    })
    .await
    .expect("join");
    let err = down.expect_err("the server is down");
    assert!(
        matches!(err.code(), "unavailable" | "connection_lost"),
        "{err}"
    );
    let log = format!("{data}/../restart.log");
    let (d, o) = (data.clone(), opts.clone());
    tokio::task::spawn_blocking(move || {
        pg_ctl(&["-D", &d, "-l", &log, "-w", "-t", "60", "-o", &o, "start"]);
    })
    .await
    .expect("start");
    // The worker reconnects by itself and finishes everything.
    let s3 = Arc::clone(&store);
    wait_for("every receipt done", Duration::from_secs(90), move || {
        s3.stats(Timestamp::now())
            .ok()
            .and_then(|v| v.into_iter().find(|s| s.state == State::Done))
            .is_some_and(|s| s.count == u64::try_from(N).unwrap_or(0))
    })
    .await;
    stop.notify_one();
    run.await.expect("worker task");
    let c = worker.counters();
    eprintln!("worker: {c:?}");
    assert!(c.store_errors > 0, "the worker saw the outage: {c:?}");
    let s4 = Arc::clone(&store);
    let (lost, trail) = tokio::task::spawn_blocking(move || {
        (
            s4.get("while-down").expect("get"),
            s4.audit("while-down").expect("audit"),
        )
    })
    .await
    .expect("join");
    assert_eq!(lost, None, "nothing half-stored");
    assert!(trail.is_empty());
    // Every receipt fiscalised exactly once.
    let fiscalised = cloud.fiscalised();
    assert_eq!(fiscalised.len(), N);
    assert!(fiscalised.values().all(|&n| n == 1), "{fiscalised:?}");
}
