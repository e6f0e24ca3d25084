//! Many workers, one PostgreSQL journal: three `fiskal-worker` processes (three "machines",
//! each with its own lease-holder name) share one journal given as `--db postgres://…` and
//! fiscalise N receipts against the ATOL emulator with random faults. Again and again one of
//! them, chosen at random, is killed with SIGKILL while it holds a send under its lease (the
//! crash test's method) and started again at once under a new name; the others take its
//! entries over when the lease runs out. Every receipt must end `done` and be fiscalised
//! exactly once at the emulator (over all its attempts), and every entry a killed worker held
//! must have been finished by another.
//!
//! Size: `FISKAL_PG_WORKERS_RECEIPTS` (default 200), `FISKAL_PG_WORKERS_KILLS` (default 5),
//! `FISKAL_PG_WORKERS_PROCS` (default 3, at least 2); `FISKAL_CRASH_SEED` repeats a run. Runs
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
async fn worker_processes_killed_at_random_fiscalise_each_receipt_once() {
    let receipts = env_num("FISKAL_PG_WORKERS_RECEIPTS", 200);
    let kills = env_num("FISKAL_PG_WORKERS_KILLS", 5);
    let procs = usize::try_from(env_num("FISKAL_PG_WORKERS_PROCS", 3))
        .expect("FISKAL_PG_WORKERS_PROCS")
        .max(2);
    let seed = env_num(
        "FISKAL_CRASH_SEED",
        u64::try_from(Timestamp::now().as_millis()).unwrap_or(1),
    );
    eprintln!(
        "pg workers: {receipts} receipts, {procs} worker processes, {kills} kills, \
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

    let pg = PgHarness::new("many_workers");
    let s = pg.schema.clone();
    let dir = support::dir("pg-workers");

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

    // One process per machine; each restart is a new process with a new lease holder's name
    // (as after a reboot): `machine-<m>` first, then `machine-<m>-r<round>`.
    let start = |owner: &str| {
        let settings = dir.join(format!("{owner}.json"));
        write_settings(&settings, &emu.base_url_v5(), &s, owner);
        worker(&pg.url, &settings)
    };
    let mut machines: Vec<(String, Child)> = (0..procs)
        .map(|m| {
            let owner = format!("machine-{m}");
            let child = start(&owner);
            (owner, child)
        })
        .collect();

    // A machine chosen at random is killed while it holds a send: the moment the journal shows
    // an entry in `sending` under its lease, after a random 0–20 ms more; then it is started
    // again at once.
    let mut rng = seed;
    let mut taken_over: Vec<(String, String)> = Vec::new();
    for round in 0..kills {
        let m = usize::try_from(splitmix(&mut rng) % procs as u64).expect("index");
        let owner = machines[m].0.clone();
        let held_sending = format!(
            "SELECT key FROM {s}.entries WHERE lease_owner = '{owner}' AND state = 'sending'"
        );
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && query_texts(&pg.url, &held_sending).is_empty() {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        tokio::time::sleep(Duration::from_millis(splitmix(&mut rng) % 20)).await;
        let victim = &mut machines[m].1;
        victim.kill().expect("SIGKILL");
        let status = victim.wait().expect("wait");
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
        let next = format!("machine-{m}-r{round}");
        machines[m] = (next.clone(), start(&next));
    }
    assert!(
        kills == 0 || !taken_over.is_empty(),
        "no killed worker held anything: the test proved nothing"
    );

    // Every machine's last process runs until nothing is left.
    let statuses = tokio::task::spawn_blocking(move || {
        machines
            .into_iter()
            .map(|(owner, mut c)| (owner, c.wait().expect("wait")))
            .collect::<Vec<_>>()
    })
    .await
    .expect("join");
    for (owner, status) in &statuses {
        assert!(status.success(), "{owner} did not settle: {status}");
    }

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

    // Every machine worked on the journal, and another finished what a dead one held.
    let owners = query_texts(
        &pg.url,
        &format!("SELECT DISTINCT lease_owner FROM {s}.audit WHERE lease_owner IS NOT NULL"),
    );
    for m in 0..procs {
        let machine = format!("machine-{m}");
        assert!(
            owners
                .iter()
                .any(|x| x == &machine || x.starts_with(&format!("{machine}-r"))),
            "{machine} wrote nothing: {owners:?}"
        );
    }
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
        "pg workers passed in {:.1} s: {} receipts done once each by {} worker processes on \
         {procs} machines, {kills} kills, {} entries taken over from killed workers, {} \
         documents at the emulator",
        started.elapsed().as_secs_f64(),
        keys.len(),
        owners.len(),
        taken_over.len(),
        journal.len()
    );
    emu.shutdown().await;
}
