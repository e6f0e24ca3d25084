//! The crash test: the `fiskal-worker` process runs against the ATOL emulator with random
//! faults and is killed with SIGKILL at random points, again and again, then restarted until
//! the queue settles. Every enqueued receipt must end `done` in the journal and be fiscalised
//! exactly once at the emulator (over all its attempts).
//!
//! Size: `FISKAL_CRASH_RECEIPTS` (default 60) receipts, `FISKAL_CRASH_KILLS` (default 25)
//! kills; `FISKAL_CRASH_SEED` repeats a run (the seed is printed). The larger run reported in
//! the closing note: `FISKAL_CRASH_RECEIPTS=1000 FISKAL_CRASH_KILLS=100 cargo test --release
//! -p fiskal-outbox --test crash -- --nocapture`.

mod support;

use fiskal_emulator::atol::{AtolConfig as EmulatorConfig, AtolEmulator};
use fiskal_emulator::{Fault, Faults};
use fiskal_outbox::{NewEntry, SqliteStore, State, Store, Timestamp};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn splitmix(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn worker_command(db: &std::path::Path, settings: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fiskal-worker"));
    c.arg("--db")
        .arg(db)
        .arg("--settings")
        .arg(settings)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_points_loses_and_doubles_nothing() {
    let receipts = env_num("FISKAL_CRASH_RECEIPTS", 60);
    let kills = env_num("FISKAL_CRASH_KILLS", 25);
    let seed = env_num(
        "FISKAL_CRASH_SEED",
        u64::try_from(Timestamp::now().as_millis()).unwrap_or(1),
    );
    eprintln!("crash test: {receipts} receipts, {kills} kills, FISKAL_CRASH_SEED={seed}");
    let started = Instant::now();

    // The provider, with random faults on every endpoint (token, register, report).
    let faults = Faults::random(
        seed,
        150,
        vec![
            Fault::ServerError(500),
            Fault::ServerError(502),
            Fault::Unavailable {
                retry_after_secs: 1,
            },
            Fault::Delay(Duration::from_millis(1500)),
            Fault::ResetAfterAccept,
            Fault::ResetBeforeAccept,
            Fault::kkt_error(68),
        ],
    );
    let emu = AtolEmulator::start(
        EmulatorConfig::default()
            .with_processing_delay(Duration::from_millis(100))
            .with_faults(faults),
    )
    .await
    .expect("emulator");

    let dir = support::dir("crash");
    let db = dir.join("outbox.db");
    let settings = dir.join("settings.json");
    let json = serde_json::json!({
        "routes": {"atol": {"provider": {
            "provider": "atol", "api": "v5", "preset": "test", "base_url": emu.base_url_v5(),
            "http": {"timeout_ms": 5000, "connect_timeout_ms": 1000},
            "report_interval_ms": 20
        }}},
        "default_route": "atol",
        "worker": {"concurrency": 8, "lease_ms": 1500, "call_timeout_ms": 1000,
                   "idle_wait_ms": 50, "drain_timeout_ms": 500, "register_resubmits": 20},
        "timing": {"poll_first_ms": 150, "poll_max_ms": 500, "retry_base_ms": 50,
                   "retry_max_ms": 1000}
    });
    std::fs::write(&settings, json.to_string()).expect("settings");

    // Enqueue everything first (durable before the worker ever runs).
    let keys: Vec<String> = (0..receipts).map(|i| format!("crash-{i}")).collect();
    {
        let store = SqliteStore::open(&db, fiskal_outbox::Config::default()).expect("open");
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

    // Kill the worker at random points.
    let mut rng = seed;
    let mut killed_mid_flight = 0u32;
    let in_flight = |db: &std::path::Path| -> bool {
        SqliteStore::open_read_only(db)
            .and_then(|s| s.stats(Timestamp::now()))
            .map(|stats| {
                stats
                    .iter()
                    .any(|s| matches!(s.state, State::Sending | State::InDoubt) && s.count > 0)
            })
            .unwrap_or(false)
    };
    for round in 0..kills {
        let mut child = worker_command(&db, &settings).spawn().expect("spawn");
        if round % 2 == 0 {
            // At a random moment.
            let alive = Duration::from_millis(50 + splitmix(&mut rng) % 900);
            tokio::time::sleep(alive).await;
        } else {
            // The moment the journal shows a send claimed or in doubt (a send is in flight or
            // just about to be), after a random extra 0–20 ms; bounded by a deadline, so a
            // worker with nothing left to send is still killed.
            let deadline = Instant::now() + Duration::from_millis(2000);
            while Instant::now() < deadline && !in_flight(&db) {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            tokio::time::sleep(Duration::from_millis(splitmix(&mut rng) % 20)).await;
        }
        child.kill().expect("SIGKILL");
        let status = child.wait().expect("wait");
        assert!(!status.success(), "the worker was killed");
        let store = SqliteStore::open_read_only(&db).expect("open");
        let stats = store.stats(Timestamp::now()).expect("stats");
        if stats
            .iter()
            .any(|s| matches!(s.state, State::Sending | State::InDoubt) && s.count > 0)
        {
            killed_mid_flight += 1;
        }
    }

    // Then let one run to the end.
    let mut last = worker_command(&db, &settings);
    last.arg("--until-settled").arg("--max-seconds").arg("300");
    let status = tokio::task::spawn_blocking(move || last.status())
        .await
        .expect("join")
        .expect("run");
    assert!(status.success(), "the last worker did not settle: {status}");

    let store = SqliteStore::open_read_only(&db).expect("open");
    let journal = emu.journal();
    let mut resubmitted = 0;
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
            .map(|a| journal.fiscalised_count(&format!("{k}-{a}")))
            .sum();
        assert_eq!(fiscalised, 1, "{k} fiscalised {fiscalised} times");
        if e.attempt > 1 {
            resubmitted += 1;
        }
    }
    let done_at_emulator = journal.entries().iter().filter(|e| e.is_done()).count();
    assert_eq!(done_at_emulator, keys.len(), "no stray fiscalisation");
    eprintln!(
        "crash test passed in {:.1} s: {} receipts done once each, {kills} kills \
         ({killed_mid_flight} with sends in flight or in doubt), {resubmitted} resubmitted \
         after register errors, {} documents at the emulator",
        started.elapsed().as_secs_f64(),
        keys.len(),
        journal.len()
    );
    assert!(
        kills == 0 || killed_mid_flight > 0,
        "no kill hit a send in flight; the test proved nothing"
    );
    emu.shutdown().await;
}
