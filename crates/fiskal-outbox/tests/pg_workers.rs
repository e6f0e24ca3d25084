//! Many workers, one PostgreSQL journal: two `fiskal-worker` processes (two "machines", each
//! with its own lease-holder name) share one journal given as `--db postgres://…` and
//! fiscalise N receipts against the ATOL emulator with random faults. Machine B is killed
//! with SIGKILL while it holds a send under its lease (the crash test's method), again and
//! again, and started again each time under a new name; the other takes its entries over when
//! the lease runs out. Every receipt must end `done` and be fiscalised exactly once at the
//! emulator (over all its attempts), and every entry a killed worker held must have been
//! finished by another.
//!
//! Size: `FISKAL_PG_WORKERS_RECEIPTS` (default 200), `FISKAL_PG_WORKERS_KILLS` (default 5);
//! `FISKAL_CRASH_SEED` repeats a run. Runs
//! through `bash scripts/test-pg` (needs `FISKAL_TEST_PG_URL`; fails without it).
#![cfg(feature = "postgres")]

mod pg_support;
mod support;

use fiskal_emulator::atol::{AtolConfig as EmulatorConfig, AtolEmulator};
use fiskal_emulator::{Fault, Faults};
use fiskal_outbox::{Config, NewEntry, State, Store, Timestamp};
use pg_support::PgHarness;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn splitmix(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Rows of one text column (own connection, thread and runtime: callable from an async test).
fn query_texts(url: &str, sql: &str) -> Vec<String> {
    pg_support::query_rows(url, sql)
        .iter()
        .map(|r| r.get::<_, Option<String>>(0).unwrap_or_default())
        .collect()
}

/// The settings of one "machine": the route to the emulator, the journal's schema, the
/// password from an env var (trust authentication ignores it; the source is exercised), and
/// the lease holder's name.
fn write_settings(path: &Path, base_url: &str, schema: &str, owner: &str) {
    let json = serde_json::json!({
        "routes": {"atol": {"provider": {
            "provider": "atol", "api": "v5", "preset": "test", "base_url": base_url,
            "http": {"timeout_ms": 5000, "connect_timeout_ms": 1000},
            "report_interval_ms": 20
        }}},
        "default_route": "atol",
        "worker": {"concurrency": 4, "lease_ms": 1500, "call_timeout_ms": 1000,
                   "idle_wait_ms": 50, "drain_timeout_ms": 500, "register_resubmits": 20},
        "timing": {"poll_first_ms": 150, "poll_max_ms": 500, "retry_base_ms": 50,
                   "retry_max_ms": 1000},
        "postgres": {"schema": schema, "pool_size": 4, "owner": owner,
                     "password": {"env": "FISKAL_TEST_PG_PASSWORD"}}
    });
    std::fs::write(path, json.to_string()).expect("settings");
}

/// How long a worker may run before it gives up (`--max-seconds`): 60 s for the CI size, about
/// 0.1 s a receipt beyond (the full-size run, 10 000 receipts, gets 1 000 s).
fn max_seconds() -> String {
    (env_num("FISKAL_PG_WORKERS_RECEIPTS", 200) / 10)
        .max(60)
        .to_string()
}

fn worker(url: &str, settings: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_fiskal-worker"))
        .arg("--db")
        .arg(url)
        .arg("--settings")
        .arg(settings)
        .args(["--until-settled", "--max-seconds", &max_seconds()])
        .env("FISKAL_TEST_PG_PASSWORD", "not-needed-with-trust")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn fiskal-worker")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_worker_processes_one_killed_again_and_again_fiscalise_each_receipt_once() {
    let receipts = env_num("FISKAL_PG_WORKERS_RECEIPTS", 200);
    let kills = env_num("FISKAL_PG_WORKERS_KILLS", 5);
    let seed = env_num(
        "FISKAL_CRASH_SEED",
        u64::try_from(Timestamp::now().as_millis()).unwrap_or(1),
    );
    eprintln!(
        "pg workers: {receipts} receipts, 2 worker processes, {kills} kills, \
         FISKAL_CRASH_SEED={seed}"
    );
    let started = Instant::now();

    let faults = Faults::random(
        seed,
        100,
        vec![
            Fault::ServerError(500),
            Fault::Unavailable {
                retry_after_secs: 1,
            },
            Fault::Delay(Duration::from_millis(800)),
            Fault::ResetAfterAccept,
            Fault::ResetBeforeAccept,
        ],
    );
    let emu = AtolEmulator::start(
        EmulatorConfig::default()
            .with_processing_delay(Duration::from_millis(100))
            .with_faults(faults),
    )
    .await
    .expect("emulator");

    let pg = PgHarness::new("two_workers");
    let s = pg.schema.clone();
    let dir = support::dir("pg-workers");
    let settings_a = dir.join("machine-a.json");
    write_settings(&settings_a, &emu.base_url_v5(), &s, "machine-a");

    // Everything enqueued first, durable before any worker runs.
    let keys: Vec<String> = (0..receipts).map(|i| format!("pgw-{i}")).collect();
    {
        let store = pg.store(Config::default()).expect("open");
        let r = support::receipt_v5();
        let batch: Vec<NewEntry<'_>> = keys
            .iter()
            .map(|k| NewEntry {
                key: k,
                receipt: &r,
                provider: "atol",
            })
            .collect();
        for res in store
            .enqueue_batch(&batch, Timestamp::now())
            .expect("batch")
        {
            assert!(res.expect("entry").created);
        }
    }

    let mut a = worker(&pg.url, &settings_a);

    // Machine B is killed again and again, each time while it holds a send: the moment the
    // journal shows an entry in `sending` under its lease, after a random 0–20 ms more. Each
    // restart is a new process with a new lease holder's name (as after a reboot).
    let mut rng = seed;
    let mut taken_over: Vec<(String, String)> = Vec::new();
    for round in 0..kills {
        let owner = format!("machine-b{round}");
        let settings = dir.join(format!("{owner}.json"));
        write_settings(&settings, &emu.base_url_v5(), &s, &owner);
        let mut b = worker(&pg.url, &settings);
        let held_sending = format!(
            "SELECT key FROM {s}.entries WHERE lease_owner = '{owner}' AND state = 'sending'"
        );
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && query_texts(&pg.url, &held_sending).is_empty() {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        tokio::time::sleep(Duration::from_millis(splitmix(&mut rng) % 20)).await;
        b.kill().expect("SIGKILL");
        let status = b.wait().expect("wait");
        assert!(!status.success(), "{owner} was killed");
        // What the dead worker left under its lease: to be taken over by another.
        let left = query_texts(
            &pg.url,
            &format!(
                "SELECT key FROM {s}.entries WHERE lease_owner = '{owner}' \
                 AND state IN ('sending', 'accepted', 'in_doubt') ORDER BY key"
            ),
        );
        eprintln!("{owner} killed holding {} entries: {left:?}", left.len());
        taken_over.extend(left.into_iter().map(|k| (k, owner.clone())));
    }
    assert!(
        kills == 0 || !taken_over.is_empty(),
        "no killed worker held anything: the test proved nothing"
    );

    // B comes back once more; both run until nothing is left.
    let settings_last = dir.join("machine-b-last.json");
    write_settings(&settings_last, &emu.base_url_v5(), &s, "machine-b-last");
    let b = worker(&pg.url, &settings_last);
    let (status_a, status_b) = tokio::task::spawn_blocking(move || {
        let sa = a.wait().expect("wait a");
        let mut b = b;
        let sb = b.wait().expect("wait b");
        (sa, sb)
    })
    .await
    .expect("join");
    assert!(status_a.success(), "machine-a did not settle: {status_a}");
    assert!(
        status_b.success(),
        "machine-b-last did not settle: {status_b}"
    );

    let store = pg.store(Config::default()).expect("open");
    let journal = emu.journal();
    for k in &keys {
        let e = store.get(k).expect("get").expect("entry");
        assert_eq!(
            e.state,
            State::Done,
            "{k}: {:?}",
            store.audit(k).expect("audit")
        );
        assert!(e.fiscal.is_some(), "{k}");
        let fiscalised: usize = (1..=e.attempt)
            .map(|n| journal.fiscalised_count(&format!("{k}-{n}")))
            .sum();
        assert_eq!(fiscalised, 1, "{k} fiscalised {fiscalised} times");
    }
    let done_at_emulator = journal.entries().iter().filter(|e| e.is_done()).count();
    assert_eq!(done_at_emulator, keys.len(), "no stray fiscalisation");

    // Both machines worked on the journal, and another finished what the dead one held.
    let owners = query_texts(
        &pg.url,
        &format!("SELECT DISTINCT lease_owner FROM {s}.audit WHERE lease_owner IS NOT NULL"),
    );
    assert!(
        owners.iter().any(|x| x == "machine-a")
            && owners.iter().any(|x| x.starts_with("machine-b")),
        "one machine wrote nothing: {owners:?}"
    );
    for (k, dead) in &taken_over {
        let finishers = query_texts(
            &pg.url,
            &format!("SELECT lease_owner FROM {s}.audit WHERE key = '{k}' AND to_state = 'done'"),
        );
        assert!(
            !finishers.is_empty() && finishers.iter().all(|o| o != dead),
            "{k} held by the killed {dead} was finished by {finishers:?}"
        );
    }
    eprintln!(
        "pg workers passed in {:.1} s: {} receipts done once each by {owners:?}, {kills} kills, {} \
         entries taken over from killed workers, {} documents at the emulator",
        started.elapsed().as_secs_f64(),
        keys.len(),
        taken_over.len(),
        journal.len()
    );
    emu.shutdown().await;
}
