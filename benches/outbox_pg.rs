//! The outbox on PostgreSQL (issue 14), measured by hand against a server (not in CI):
//!
//! 1. **Durable enqueue** through `PgStore` (one per commit, 100 per commit), each against the
//!    same JSON inserted straight into a plain table with the same batching (the server's
//!    commit floor).
//! 2. **Receipts to done** through the ATOL emulator (10 ms processing) with 1, 2 and 4
//!    `fiskal-worker` processes on one journal (each `--until-settled`, concurrency 32),
//!    against the ATOL client alone driving the same emulator in the same run (submit, poll
//!    every 20 ms, 64 in flight).
//! 3. **Memory**: the resident set (VmHWM, the peak) of one `fiskal-worker` process working
//!    for a fixed time (15 s) on a journal with 10 000 and with 1 000 000 queued (filled by
//!    one `INSERT … SELECT generate_series` of the same receipt JSON).
//!
//! Needs `FISKAL_BENCH_PG_URL` (e.g. the cluster of `scripts/test-pg`, or any throw-away one)
//! and a release `fiskal-worker` built with the feature `postgres` (`FISKAL_WORKER_BIN`,
//! default `target/release/fiskal-worker`). Sizes: `FISKAL_PG_BENCH_RECEIPTS` (default 2000),
//! `FISKAL_PG_BENCH_MEMORY` (default "10000,1000000"; empty: skip). Command and figures:
//! benches/README.md, "Outbox on PostgreSQL".

use fiskal_emulator::atol::{AtolConfig as EmuConfig, AtolEmulator};
use fiskal_outbox::{Config, NewEntry, PgConfig, PgStore, Store, Timestamp};
use fiskal_providers::atol::{AtolClient, AtolConfig};
use fiskal_providers::{DocumentKind, Outcome, Provider, StatusQuery, Submission};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A line on stdout (the figures).
macro_rules! say {
    ($($t:tt)*) => {{
        let _ = writeln!(std::io::stdout().lock(), $($t)*);
    }};
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

fn receipt() -> fiskal_ffd::Receipt {
    let json = fiskal_benches::receipt_json_1_2(10)
        .replace("7701000001", "5544332219")
        .replace("vat22", "vat20");
    fiskal_ffd::json::parse_and_validate(&json).expect("bench receipt is valid")
}

fn store(url: &str, schema: &str) -> PgStore {
    let mut c = PgConfig::new(url);
    c.schema = schema.to_owned();
    c.pool_size = 2;
    PgStore::open(c, Config::default()).expect("open the journal")
}

/// Runs SQL on its own connection (and thread: callable anywhere).
fn sql(url: &str, q: &str) {
    let (url, q) = (url.to_owned(), q.to_owned());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .expect("connect");
            let driver = tokio::spawn(conn);
            client.batch_execute(&q).await.expect("sql");
            drop(client);
            let _ = driver.await;
        })
    })
    .join()
    .expect("sql thread");
}

fn rate(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

/// 1. Durable enqueue against raw inserts of the same JSON, one and 100 per commit.
fn enqueue(url: &str, r: &fiskal_ffd::Receipt) {
    let json = fiskal_ffd::json::to_string(r);
    sql(
        url,
        "DROP SCHEMA IF EXISTS bench_raw CASCADE; DROP SCHEMA IF EXISTS bench_enq CASCADE;
         CREATE SCHEMA bench_raw;
         CREATE TABLE bench_raw.t (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                                   key TEXT NOT NULL UNIQUE, body TEXT NOT NULL);",
    );
    let s = store(url, "bench_enq");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (raw, conn) = rt
        .block_on(tokio_postgres::connect(url, tokio_postgres::NoTls))
        .expect("connect");
    rt.spawn(conn);
    let insert = rt
        .block_on(raw.prepare("INSERT INTO bench_raw.t (key, body) VALUES ($1, $2)"))
        .expect("prepare");
    for (per_commit, commits) in [(1u64, 500u64), (100, 50)] {
        let n = per_commit * commits;
        let t = Instant::now();
        for c in 0..commits {
            rt.block_on(async {
                raw.batch_execute("BEGIN").await.expect("begin");
                for i in 0..per_commit {
                    let k = format!("raw-{per_commit}-{c}-{i}");
                    raw.execute(&insert, &[&k, &json]).await.expect("insert");
                }
                raw.batch_execute("COMMIT").await.expect("commit");
            });
        }
        let base = t.elapsed();
        let keys: Vec<String> = (0..n).map(|i| format!("enq-{per_commit}-{i}")).collect();
        let t = Instant::now();
        for chunk in keys.chunks(usize::try_from(per_commit).unwrap_or(1)) {
            let batch: Vec<NewEntry<'_>> = chunk
                .iter()
                .map(|k| NewEntry {
                    key: k,
                    receipt: r,
                    provider: "atol",
                })
                .collect();
            s.enqueue_batch(&batch, Timestamp::now()).expect("enqueue");
        }
        let ours = t.elapsed();
        say!(
            "enqueue, {per_commit} per commit: {:.0} /s (raw insert {:.0} /s): {:.2}x",
            rate(n, ours),
            rate(n, base),
            base.as_secs_f64() / ours.as_secs_f64()
        );
    }
}

/// The ATOL client alone: submit, poll every 20 ms until done, `in_flight` at a time.
async fn direct(client: &AtolClient, r: &Arc<fiskal_ffd::Receipt>, n: u64, in_flight: usize) {
    let next = Arc::new(AtomicU64::new(0));
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
                let id = format!("direct-{}-{i}", std::process::id());
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
}

fn settings_file(dir: &Path, base_url: &str, schema: &str, name: &str) -> PathBuf {
    let p = dir.join(format!("{name}.json"));
    let json = serde_json::json!({
        "routes": {"atol": {"provider": {
            "provider": "atol", "api": "v5", "preset": "test", "base_url": base_url,
            "password": {"env": "FISKAL_BENCH_ATOL_PASSWORD"}, "report_interval_ms": 1
        }}},
        "default_route": "atol",
        "worker": {"concurrency": 32, "idle_wait_ms": 5},
        "timing": {"poll_first_ms": 20, "poll_max_ms": 40},
        "postgres": {"schema": schema, "pool_size": 4}
    });
    std::fs::write(&p, json.to_string()).expect("settings");
    p
}

fn spawn_worker(bin: &Path, url: &str, settings: &Path, until_settled: bool) -> Child {
    let mut c = Command::new(bin);
    c.arg("--db").arg(url).arg("--settings").arg(settings);
    if until_settled {
        c.args(["--until-settled", "--max-seconds", "600"]);
    }
    c.env("FISKAL_BENCH_ATOL_PASSWORD", "zUr0OxfI")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn fiskal-worker (FISKAL_WORKER_BIN)")
}

fn fill(s: &PgStore, r: &fiskal_ffd::Receipt, prefix: &str, n: u64) {
    let keys: Vec<String> = (0..n).map(|i| format!("{prefix}-{i}")).collect();
    for chunk in keys.chunks(1000) {
        let batch: Vec<NewEntry<'_>> = chunk
            .iter()
            .map(|k| NewEntry {
                key: k,
                receipt: r,
                provider: "atol",
            })
            .collect();
        s.enqueue_batch(&batch, Timestamp::now()).expect("fill");
    }
}

/// `size` queued entries of the receipt `json` written by one `INSERT … SELECT
/// generate_series` (what `enqueue_batch` writes, without the audit rows: a million in tens of
/// seconds rather than minutes).
fn fill_sql(url: &str, schema: &str, json: &str, size: u64) {
    let now = Timestamp::now().0;
    let size = i64::try_from(size).unwrap_or(i64::MAX);
    sql(
        url,
        &format!(
            "INSERT INTO {schema}.entries (key, receipt_json, body_hash, provider, state, version,
                 attempt, tries, due_at, created_at, state_since, updated_at)
             SELECT 'm-' || g, {j}, md5(g::text), 'atol', 'queued', 1, 1, 0, {now}, {now},
                 {now}, {now}
             FROM generate_series(1, {size}) g; ANALYZE {schema}.entries;",
            j = quote(json)
        ),
    );
}

/// A SQL string literal.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Peak resident set of a process, KiB (Linux).
fn hwm_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let url = std::env::var("FISKAL_BENCH_PG_URL")
        .expect("FISKAL_BENCH_PG_URL: a PostgreSQL server to measure against");
    let bin = PathBuf::from(env_or("FISKAL_WORKER_BIN", "target/release/fiskal-worker"));
    assert!(
        bin.is_file(),
        "{}: build it (cargo build --release -p fiskal-outbox --features postgres --bin fiskal-worker)",
        bin.display()
    );
    let n: u64 = env_or("FISKAL_PG_BENCH_RECEIPTS", "2000")
        .parse()
        .expect("FISKAL_PG_BENCH_RECEIPTS");
    let dir = std::env::temp_dir().join(format!("fiskal-bench-pg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let r = receipt();
    let r_arc = Arc::new(r.clone());

    enqueue(&url, &r);

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
    cfg.report_interval = Duration::from_millis(1);
    let client = AtolClient::new(cfg).expect("client");

    for workers in [1usize, 2, 4] {
        let t = Instant::now();
        rt.block_on(direct(&client, &r_arc, n, 64));
        let base = t.elapsed();
        let schema = format!("bench_done_{workers}");
        sql(&url, &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        let s = store(&url, &schema);
        let settings = settings_file(&dir, &emu.base_url_v5(), &schema, &schema);
        let t = Instant::now();
        fill(&s, &r, &format!("w{workers}"), n);
        let children: Vec<Child> = (0..workers)
            .map(|_| spawn_worker(&bin, &url, &settings, true))
            .collect();
        for mut c in children {
            assert!(c.wait().expect("wait").success(), "a worker failed");
        }
        let ours = t.elapsed();
        let stats = s.stats(Timestamp::now()).expect("stats");
        let done = stats
            .iter()
            .find(|x| x.state == fiskal_outbox::State::Done)
            .map_or(0, |x| x.count);
        assert_eq!(done, n, "every receipt done");
        say!(
            "{n} receipts to done, {workers} worker process(es): {:.0} /s (client alone, 64 in \
             flight: {:.0} /s): {:.2}x",
            rate(n, ours),
            rate(n, base),
            base.as_secs_f64() / ours.as_secs_f64()
        );
    }

    let sizes: Vec<u64> = env_or("FISKAL_PG_BENCH_MEMORY", "10000,1000000")
        .split(',')
        .filter_map(|x| x.trim().parse().ok())
        .collect();
    for size in sizes {
        let schema = format!("bench_mem_{size}");
        sql(&url, &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        let s = store(&url, &schema);
        let t = Instant::now();
        fill_sql(&url, &schema, &fiskal_ffd::json::to_string(&r), size);
        let filled = t.elapsed();
        let settings = settings_file(&dir, &emu.base_url_v5(), &schema, &schema);
        let mut c = spawn_worker(&bin, &url, &settings, false);
        let pid = c.id();
        // A fixed working time: the worker claims, sends and polls all along.
        std::thread::sleep(Duration::from_secs(15));
        let peak = hwm_kib(pid);
        let _ = c.kill();
        let _ = c.wait();
        let done = s
            .stats(Timestamp::now())
            .expect("stats")
            .iter()
            .find(|x| x.state == fiskal_outbox::State::Done)
            .map_or(0, |x| x.count);
        say!(
            "memory: {size} queued (filled in {:.1} s, {:.0} /s): worker peak RSS {peak} KiB \
             after 15 s ({done} done meanwhile)",
            filled.as_secs_f64(),
            rate(size, filled)
        );
        sql(&url, &format!("DROP SCHEMA {schema} CASCADE"));
    }
    rt.block_on(emu.shutdown());
    let _ = std::fs::remove_dir_all(&dir);
}
