//! The outbox on PostgreSQL (issue 14), measured by hand against a server (not in CI). Each
//! figure has its baseline in the same run, and the whole set is repeated
//! `FISKAL_PG_BENCH_RUNS` times (default 3; each run's figures, then the spread):
//!
//! 1. **Durable enqueue** through `PgStore::enqueue_batch`, batches of 1, 100 and 1 000 (one
//!    commit each), against the same rows written by a raw multi-row `INSERT … VALUES (…), …`
//!    of the same JSON through tokio-postgres, one statement and one commit per batch (the
//!    server's floor: parse, WAL, fsync), batch by batch interleaved with ours.
//! 2. **Receipts to done** through the ATOL emulator (10 ms processing,
//!    `FISKAL_PG_BENCH_DELAY_MS`; every answer `FISKAL_PG_BENCH_CALL_MS` late, default 0) with 1, 2 and 4 `fiskal-worker` processes on one journal
//!    (each `--until-settled`, concurrency 32 (`FISKAL_PG_BENCH_CONCURRENCY`), polls
//!    from 20 ms after acceptance, every other setting its default), against the ATOL client
//!    alone driving the same emulator just before (submit, then poll from 20 ms, with as many
//!    receipts in flight as the workers together: 32 per process). With the CPU each side
//!    used: the workers, this process (the emulator and the client), the PostgreSQL server
//!    (its processes, found by the URL's port; "n/a" when it is not on this machine).
//! 3. **Memory**: the resident set (VmHWM, the peak) of one `fiskal-worker` process working
//!    for a fixed time (15 s) on a journal with 10 000 and with 1 000 000 queued (filled by
//!    one `INSERT … SELECT generate_series` of the same receipt JSON).
//!
//! Needs `FISKAL_BENCH_PG_URL` (e.g. the cluster of `scripts/test-pg`, or any throw-away one)
//! and a release `fiskal-worker` built with the feature `postgres` (`FISKAL_WORKER_BIN`,
//! default `target/release/fiskal-worker`). Sizes: `FISKAL_PG_BENCH_RECEIPTS` (default 2000),
//! `FISKAL_PG_BENCH_WORKERS` (default "1,2,4"), `FISKAL_PG_BENCH_MEMORY` (default
//! "10000,1000000"; empty: skip). Command and figures: benches/README.md, "Outbox on
//! PostgreSQL".

use fiskal_emulator::atol::{AtolConfig as EmuConfig, AtolEmulator};
use fiskal_emulator::{Fault, Faults};
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

/// Receipts each worker process has in flight (its `worker.concurrency`), unless
/// `FISKAL_PG_BENCH_CONCURRENCY` says otherwise.
const CONCURRENCY: usize = 32;

/// The emulator's processing time per receipt in ms, unless `FISKAL_PG_BENCH_DELAY_MS` says
/// otherwise (10: a register that answers at once, so the machine's CPU is the limit; a real
/// cloud register takes seconds, where each worker's in-flight limit is).
const DELAY_MS: u64 = 10;

/// Every request to the emulator answered this many ms late, unless
/// `FISKAL_PG_BENCH_CALL_MS` says otherwise (0: at once). A cloud register's HTTP round trip
/// from a shop's server is tens to hundreds of ms: with it, what bounds one worker is its
/// `worker.concurrency` (provider calls in flight), not the machine's CPU, and a second worker
/// process (on another machine, in production) adds its own calls in flight.
const CALL_MS: u64 = 0;

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

/// Lowest and highest of some figures, as "a–b".
fn spread(v: &[f64], decimals: usize) -> String {
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{lo:.decimals$}–{hi:.decimals$}")
}

/// One enqueue figure of a run: entries per second through the store and through the raw
/// insert.
struct EnqueueFigure {
    per_commit: usize,
    ours: f64,
    raw: f64,
}

/// 1. Durable enqueue against a raw multi-row insert of the same rows, batch by batch
///    interleaved (ours, then the raw insert of the same size), each batch one commit.
fn enqueue(url: &str, r: &fiskal_ffd::Receipt, run: usize) -> Vec<EnqueueFigure> {
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
    let mut out = Vec::new();
    for (per_commit, commits) in [(1usize, 300usize), (100, 50), (1000, 10)] {
        // One statement of `per_commit` rows: VALUES ($1, $2), ($3, $4), …
        let values: Vec<String> = (0..per_commit)
            .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
            .collect();
        let insert = rt
            .block_on(raw.prepare(&format!(
                "INSERT INTO bench_raw.t (key, body) VALUES {}",
                values.join(", ")
            )))
            .expect("prepare");
        let (mut ours, mut base) = (Duration::ZERO, Duration::ZERO);
        for c in 0..commits {
            let keys: Vec<String> = (0..per_commit)
                .map(|i| format!("enq-{run}-{per_commit}-{c}-{i}"))
                .collect();
            let batch: Vec<NewEntry<'_>> = keys
                .iter()
                .map(|k| NewEntry {
                    key: k,
                    receipt: r,
                    provider: "atol",
                })
                .collect();
            let t = Instant::now();
            let answers = s.enqueue_batch(&batch, Timestamp::now()).expect("enqueue");
            ours += t.elapsed();
            assert!(answers.iter().all(|a| a.as_ref().is_ok_and(|e| e.created)));
            let raw_keys: Vec<String> = keys.iter().map(|k| format!("raw-{k}")).collect();
            let t = Instant::now();
            rt.block_on(async {
                let mut params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
                    Vec::with_capacity(2 * per_commit);
                for k in &raw_keys {
                    params.push(k);
                    params.push(&json);
                }
                raw.batch_execute("BEGIN").await.expect("begin");
                raw.execute(&insert, &params).await.expect("insert");
                raw.batch_execute("COMMIT").await.expect("commit");
            });
            base += t.elapsed();
        }
        let n = u64::try_from(per_commit * commits).unwrap_or(u64::MAX);
        let f = EnqueueFigure {
            per_commit,
            ours: rate(n, ours),
            raw: rate(n, base),
        };
        say!(
            "run {run}: enqueue_batch of {per_commit}: {:.0} /s (raw multi-row INSERT of the \
             same rows: {:.0} /s): {:.2}x",
            f.ours,
            f.raw,
            f.ours / f.raw
        );
        out.push(f);
    }
    drop(s);
    sql(
        url,
        "DROP SCHEMA bench_raw CASCADE; DROP SCHEMA bench_enq CASCADE;",
    );
    out
}

/// The ATOL client alone: submit, then poll from 20 ms after until done (every 20 ms),
/// `in_flight` at a time.
async fn direct(client: &AtolClient, r: &Arc<fiskal_ffd::Receipt>, n: u64, in_flight: usize) {
    let next = Arc::new(AtomicU64::new(0));
    let run = Arc::new(format!("{}-{}", std::process::id(), Timestamp::now().0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..in_flight {
        let (client, r, next, run) = (
            client.clone(),
            Arc::clone(r),
            Arc::clone(&next),
            Arc::clone(&run),
        );
        tasks.spawn(async move {
            let ts = "2026-03-02T10:15:00".parse().expect("time");
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let id = format!("direct-{run}-{i}");
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

/// The worker's settings: `concurrency` receipts in flight, the first poll 20 ms after acceptance (as the
/// client alone), ATOL's report pacing at 1 ms (as the client alone); everything else (idle
/// wait, lease, call timeout, pool size) its default.
fn settings_file(
    dir: &Path,
    base_url: &str,
    schema: &str,
    name: &str,
    concurrency: usize,
) -> PathBuf {
    let p = dir.join(format!("{name}.json"));
    let json = serde_json::json!({
        "routes": {"atol": {"provider": {
            "provider": "atol", "api": "v5", "preset": "test", "base_url": base_url,
            "password": {"env": "FISKAL_BENCH_ATOL_PASSWORD"}, "report_interval_ms": 1
        }}},
        "default_route": "atol",
        "worker": {"concurrency": concurrency},
        "timing": {"poll_first_ms": 20, "poll_max_ms": 40},
        "postgres": {"schema": schema}
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

/// The fields of `/proc/PID/stat` after the command name (field 3 on: state, ppid, …).
fn stat_fields(pid: &str) -> Option<(String, Vec<u64>)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let open = s.find('(')?;
    let close = s.rfind(')')?;
    let comm = s.get(open + 1..close)?.to_owned();
    let rest: Vec<u64> = s
        .get(close + 2..)?
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    Some((comm, rest))
}

/// CPU seconds per clock tick (`getconf CLK_TCK`; 100 when unknown).
fn tick() -> f64 {
    let hz: f64 = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0);
    1.0 / hz
}

/// CPU ticks so far: this process (utime + stime) and its waited-for children (cutime +
/// cstime). In `stat_fields`, utime is index 11 (field 14).
fn own_ticks() -> (u64, u64) {
    match stat_fields("self") {
        Some((_, f)) if f.len() > 14 => (f[11] + f[12], f[13] + f[14]),
        _ => (0, 0),
    }
}

/// The PostgreSQL server listening on `port` on this machine: its postmaster's pid (the
/// `postgres` process whose command line names the port and whose parent is not `postgres`).
fn postmaster(port: u16) -> Option<String> {
    let needle = format!("-p\0{port}\0");
    for d in std::fs::read_dir("/proc").ok()?.flatten() {
        let pid = d.file_name().to_string_lossy().into_owned();
        if !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Some((comm, f)) = stat_fields(&pid) else {
            continue;
        };
        if comm != "postgres" {
            continue;
        }
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let parent_is_pg = f
            .get(1)
            .and_then(|pp| stat_fields(&pp.to_string()))
            .is_some_and(|(c, _)| c == "postgres");
        if !parent_is_pg && String::from_utf8_lossy(&cmdline).contains(&needle) {
            return Some(pid);
        }
    }
    None
}

/// CPU ticks of the server so far: every live process of the postmaster (itself included),
/// plus the children it reaped (connections that ended).
fn server_ticks(pm: &str) -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let mut total = 0;
    for d in dir.flatten() {
        let pid = d.file_name().to_string_lossy().into_owned();
        let Some((_, f)) = stat_fields(&pid) else {
            continue;
        };
        if f.len() <= 14 {
            continue;
        }
        if pid == pm {
            total += f[11] + f[12] + f[13] + f[14];
        } else if f[1].to_string() == pm {
            total += f[11] + f[12];
        }
    }
    total
}

fn url_port(url: &str) -> Option<u16> {
    let rest = url.split("://").nth(1)?;
    let host = rest.split('/').next()?;
    let host = host.rsplit('@').next()?;
    host.rsplit_once(':')?.1.parse().ok()
}

/// One worker figure of a run.
struct WorkerFigure {
    workers: usize,
    ours: f64,
    client: f64,
}

fn main() {
    let url = std::env::var("FISKAL_BENCH_PG_URL")
        .expect("FISKAL_BENCH_PG_URL: a PostgreSQL server to measure against");
    // Cargo runs a bench in its package's directory (benches/): the default is the workspace's.
    let bin = PathBuf::from(env_or(
        "FISKAL_WORKER_BIN",
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../target/release/fiskal-worker"
        ),
    ));
    assert!(
        bin.is_file(),
        "{}: build it (cargo build --release -p fiskal-outbox --features postgres --bin fiskal-worker)",
        bin.display()
    );
    let n: u64 = env_or("FISKAL_PG_BENCH_RECEIPTS", "2000")
        .parse()
        .expect("FISKAL_PG_BENCH_RECEIPTS");
    let runs: usize = env_or("FISKAL_PG_BENCH_RUNS", "3")
        .parse()
        .expect("FISKAL_PG_BENCH_RUNS");
    let worker_counts: Vec<usize> = env_or("FISKAL_PG_BENCH_WORKERS", "1,2,4")
        .split(',')
        .filter_map(|x| x.trim().parse().ok())
        .collect();
    let concurrency: usize = env_or("FISKAL_PG_BENCH_CONCURRENCY", &CONCURRENCY.to_string())
        .parse()
        .expect("FISKAL_PG_BENCH_CONCURRENCY");
    let delay_ms: u64 = env_or("FISKAL_PG_BENCH_DELAY_MS", &DELAY_MS.to_string())
        .parse()
        .expect("FISKAL_PG_BENCH_DELAY_MS");
    let call_ms: u64 = env_or("FISKAL_PG_BENCH_CALL_MS", &CALL_MS.to_string())
        .parse()
        .expect("FISKAL_PG_BENCH_CALL_MS");
    let dir = std::env::temp_dir().join(format!("fiskal-bench-pg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let r = receipt();
    let r_arc = Arc::new(r.clone());
    let tick = tick();
    let pm = url_port(&url).and_then(postmaster);

    let mut enq: Vec<EnqueueFigure> = Vec::new();
    for run in 1..=runs {
        enq.extend(enqueue(&url, &r, run));
    }
    for size in [1usize, 100, 1000] {
        let f: Vec<&EnqueueFigure> = enq.iter().filter(|f| f.per_commit == size).collect();
        let ours: Vec<f64> = f.iter().map(|f| f.ours).collect();
        let raw: Vec<f64> = f.iter().map(|f| f.raw).collect();
        let ratio: Vec<f64> = f.iter().map(|f| f.ours / f.raw).collect();
        say!(
            "enqueue_batch of {size}, {} runs: {} /s, raw insert {} /s, ratio {}",
            f.len(),
            spread(&ours, 0),
            spread(&raw, 0),
            spread(&ratio, 2)
        );
    }

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let emu = rt
        .block_on(AtolEmulator::start(
            EmuConfig::default()
                .with_processing_delay(Duration::from_millis(delay_ms))
                .with_faults(if call_ms == 0 {
                    Faults::none()
                } else {
                    // Every request (1000 per mille) held back `call_ms`, then answered.
                    Faults::random(1, 1000, vec![Fault::Delay(Duration::from_millis(call_ms))])
                }),
        ))
        .expect("emulator");
    say!(
        "emulator processing {delay_ms} ms, every answer {call_ms} ms late; \
         worker.concurrency {concurrency}"
    );
    let mut cfg = AtolConfig::test_v5();
    cfg.base_url = emu.base_url_v5();
    cfg.report_interval = Duration::from_millis(1);
    let client = AtolClient::new(cfg).expect("client");

    let mut figures: Vec<WorkerFigure> = Vec::new();
    for run in 1..=runs {
        for &workers in &worker_counts {
            let in_flight = concurrency * workers;
            let t = Instant::now();
            rt.block_on(direct(&client, &r_arc, n, in_flight));
            let base = t.elapsed();
            let schema = format!("bench_done_{workers}");
            sql(&url, &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            let s = store(&url, &schema);
            let settings = settings_file(&dir, &emu.base_url_v5(), &schema, &schema, concurrency);
            fill(&s, &r, &format!("w{run}-{workers}"), n);
            let (self0, kids0) = own_ticks();
            let pg0 = pm.as_deref().map(server_ticks);
            let t = Instant::now();
            let children: Vec<Child> = (0..workers)
                .map(|_| spawn_worker(&bin, &url, &settings, true))
                .collect();
            for mut c in children {
                assert!(c.wait().expect("wait").success(), "a worker failed");
            }
            let ours = t.elapsed();
            let (self1, kids1) = own_ticks();
            let pg = pm
                .as_deref()
                .map(server_ticks)
                .zip(pg0)
                .map(|(b, a)| format!("{:.2}", (b - a) as f64 * tick))
                .unwrap_or_else(|| "n/a".to_owned());
            let stats = s.stats(Timestamp::now()).expect("stats");
            let done = stats
                .iter()
                .find(|x| x.state == fiskal_outbox::State::Done)
                .map_or(0, |x| x.count);
            assert_eq!(done, n, "every receipt done");
            drop(s);
            sql(&url, &format!("DROP SCHEMA {schema} CASCADE"));
            let f = WorkerFigure {
                workers,
                ours: rate(n, ours),
                client: rate(n, base),
            };
            say!(
                "run {run}: {n} receipts to done, {workers} worker process(es) × {concurrency}: \
                 {:.0} /s in {:.2} s (client alone, {in_flight} in flight: {:.0} /s): {:.2}x; \
                 CPU s: workers {:.2}, this process (emulator) {:.2}, PostgreSQL {pg} (of \
                 {:.2} on 2 cores)",
                f.ours,
                ours.as_secs_f64(),
                f.client,
                f.ours / f.client,
                (kids1 - kids0) as f64 * tick,
                (self1 - self0) as f64 * tick,
                2.0 * ours.as_secs_f64()
            );
            figures.push(f);
        }
    }
    let one: Vec<f64> = figures
        .iter()
        .filter(|f| f.workers == 1)
        .map(|f| f.ours)
        .collect();
    for &workers in &worker_counts {
        let f: Vec<&WorkerFigure> = figures.iter().filter(|f| f.workers == workers).collect();
        let ours: Vec<f64> = f.iter().map(|f| f.ours).collect();
        let client: Vec<f64> = f.iter().map(|f| f.client).collect();
        let ratio: Vec<f64> = f.iter().map(|f| f.ours / f.client).collect();
        // Against one process of the same run.
        let scale: Vec<f64> = ours.iter().zip(&one).map(|(o, b)| o / b).collect();
        say!(
            "{workers} worker process(es), {} runs: {} /s, client alone {} /s, ratio {}, vs 1 \
             process {}",
            f.len(),
            spread(&ours, 0),
            spread(&client, 0),
            spread(&ratio, 2),
            spread(&scale, 2)
        );
    }

    // Set but empty: no memory figures.
    let sizes: Vec<u64> = std::env::var("FISKAL_PG_BENCH_MEMORY")
        .unwrap_or_else(|_| "10000,1000000".to_owned())
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
        let settings = settings_file(&dir, &emu.base_url_v5(), &schema, &schema, concurrency);
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
        drop(s);
        sql(&url, &format!("DROP SCHEMA {schema} CASCADE"));
    }
    rt.block_on(emu.shutdown());
    let _ = std::fs::remove_dir_all(&dir);
}
