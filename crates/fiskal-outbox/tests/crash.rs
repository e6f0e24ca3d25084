//! The crash tests: the `fiskal-worker` process runs against an emulated provider with random
//! faults and is killed with SIGKILL at random points, again and again, then restarted until
//! the queue settles. Every enqueued receipt must end `done` in the journal and be fiscalised
//! exactly once at the emulator (over all its attempts).
//!
//! * `sigkill_at_random_points_loses_and_doubles_nothing`: the ATOL v5 emulator.
//! * `sigkill_against_modulkassa_with_an_offline_register`: the МодульКасса emulator, its
//!   register offline for the first third of the kills (documents wait in `QUEUED`; no receipt
//!   may reach the service under a second id while it waits), then back online.
//!
//! Size (each test): `FISKAL_CRASH_RECEIPTS` (default 60) receipts, `FISKAL_CRASH_KILLS`
//! (default 25) kills; `FISKAL_CRASH_SEED` repeats a run (the seed is printed). The two tests
//! run side by side, so the command takes about as long as one (~25 s). The larger run
//! reported in the closing note: `FISKAL_CRASH_RECEIPTS=1000 FISKAL_CRASH_KILLS=100 cargo test
//! --release -p fiskal-outbox --test crash -- --nocapture`.

mod support;

use fiskal_emulator::atol::{AtolConfig, AtolEmulator};
use fiskal_emulator::modulkassa::{
    ModulKassaConfig, ModulKassaEmulator, RegisterState, TEST_PASSWORD, TEST_USER_NAME,
};
use fiskal_emulator::{Endpoint, Fault, Faults, Journal};
use fiskal_outbox::{NewEntry, SqliteStore, State, Store, Timestamp};
use std::path::{Path, PathBuf};
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

fn worker_command(db: &Path, settings: &Path) -> Command {
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

/// The size of a run and its seed, from the environment (printed, so a run can be repeated).
struct Size {
    receipts: u64,
    kills: u64,
    seed: u64,
}

fn size(name: &str) -> Size {
    let s = Size {
        receipts: env_num("FISKAL_CRASH_RECEIPTS", 60),
        kills: env_num("FISKAL_CRASH_KILLS", 25),
        seed: env_num(
            "FISKAL_CRASH_SEED",
            u64::try_from(Timestamp::now().as_millis()).unwrap_or(1),
        ),
    };
    eprintln!(
        "crash test ({name}): {} receipts, {} kills, FISKAL_CRASH_SEED={}",
        s.receipts, s.kills, s.seed
    );
    s
}

/// Random faults on every endpoint, `per_mille` of the requests.
fn random_faults(seed: u64, per_mille: u16) -> Faults {
    Faults::random(
        seed,
        per_mille,
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
    )
}

/// A journal with `receipts` receipts enqueued for `provider` (durable before the worker ever
/// runs), and the worker's settings file with `route` as the only route.
fn prepare(
    name: &str,
    provider: &str,
    route: serde_json::Value,
    receipt: &fiskal_ffd::Receipt,
    receipts: u64,
) -> (PathBuf, PathBuf, Vec<String>) {
    let dir = support::dir(name);
    let db = dir.join("outbox.db");
    let settings = dir.join("settings.json");
    let json = serde_json::json!({
        "routes": {provider: {"provider": route}},
        "default_route": provider,
        "worker": {"concurrency": 8, "lease_ms": 1500, "call_timeout_ms": 1000,
                   "idle_wait_ms": 50, "drain_timeout_ms": 500, "register_resubmits": 20},
        "timing": {"poll_first_ms": 150, "poll_max_ms": 500, "retry_base_ms": 50,
                   "retry_max_ms": 1000}
    });
    std::fs::write(&settings, json.to_string()).expect("settings");
    let keys: Vec<String> = (0..receipts).map(|i| format!("{name}-{i}")).collect();
    let store = SqliteStore::open(&db, fiskal_outbox::Config::default()).expect("open");
    let batch: Vec<NewEntry<'_>> = keys
        .iter()
        .map(|k| NewEntry {
            key: k,
            receipt,
            provider,
        })
        .collect();
    for res in store
        .enqueue_batch(&batch, Timestamp::now())
        .expect("batch")
    {
        assert!(res.expect("entry").created);
    }
    (db, settings, keys)
}

/// Whether the journal shows a send claimed or in doubt.
fn in_flight(db: &Path) -> bool {
    SqliteStore::open_read_only(db)
        .and_then(|s| s.stats(Timestamp::now()))
        .map(|stats| {
            stats
                .iter()
                .any(|s| matches!(s.state, State::Sending | State::InDoubt) && s.count > 0)
        })
        .unwrap_or(false)
}

/// Starts the worker `kills` times and SIGKILLs it: on even rounds at a random moment, on odd
/// ones the moment a send is in flight (bounded by a deadline, so a worker with nothing left to
/// send is still killed). `before` runs before each round. Returns how many kills hit a send in
/// flight or in doubt.
async fn kill_rounds(
    db: &Path,
    settings: &Path,
    kills: u64,
    rng: &mut u64,
    mut before: impl FnMut(u64),
) -> u32 {
    let mut killed_mid_flight = 0u32;
    for round in 0..kills {
        before(round);
        let mut child = worker_command(db, settings).spawn().expect("spawn");
        if round % 2 == 0 {
            let alive = Duration::from_millis(50 + splitmix(rng) % 900);
            tokio::time::sleep(alive).await;
        } else {
            // After a random extra 0–4 ms: a send is in flight for a few milliseconds only
            // (since kept polls, a worker finishes the sends of a small queue in its first
            // rounds), and a longer pause mostly killed it after the answer was stored.
            let deadline = Instant::now() + Duration::from_millis(2000);
            while Instant::now() < deadline && !in_flight(db) {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            tokio::time::sleep(Duration::from_millis(splitmix(rng) % 5)).await;
        }
        child.kill().expect("SIGKILL");
        let status = child.wait().expect("wait");
        assert!(!status.success(), "the worker was killed");
        if in_flight(db) {
            killed_mid_flight += 1;
        }
    }
    killed_mid_flight
}

/// Runs one worker until the queue settles.
async fn settle(db: &Path, settings: &Path) {
    let mut last = worker_command(db, settings);
    last.arg("--until-settled").arg("--max-seconds").arg("300");
    let status = tokio::task::spawn_blocking(move || last.status())
        .await
        .expect("join")
        .expect("run");
    assert!(status.success(), "the last worker did not settle: {status}");
}

/// Every key `done` in the journal and fiscalised exactly once at the emulator over all its
/// attempts (document ids `<key>-<attempt>`), and nothing else fiscalised. Returns how many
/// receipts were resubmitted (after register errors).
fn assert_each_fiscalised_once(db: &Path, keys: &[String], journal: &Journal) -> usize {
    let store = SqliteStore::open_read_only(db).expect("open");
    let mut resubmitted = 0;
    for k in keys {
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
    resubmitted
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_points_loses_and_doubles_nothing() {
    let Size {
        receipts,
        kills,
        seed,
    } = size("atol");
    let started = Instant::now();
    // The provider, with random faults on every endpoint (token, register, report), and the
    // first half of the registrations held 300 ms, so that the first rounds' kills land while
    // sends are in flight (a worker sends a queue this small within its first rounds; without
    // the hold a run could end with no kill during a send, proving nothing).
    let emu = AtolEmulator::start(
        AtolConfig::default()
            .with_processing_delay(Duration::from_millis(100))
            .with_faults(random_faults(seed, 150).script_n(
                Endpoint::Register,
                Fault::Delay(Duration::from_millis(300)),
                usize::try_from(receipts / 2).unwrap_or(usize::MAX),
            )),
    )
    .await
    .expect("emulator");
    let route = serde_json::json!({
        "provider": "atol", "api": "v5", "preset": "test", "base_url": emu.base_url_v5(),
        "http": {"timeout_ms": 5000, "connect_timeout_ms": 1000},
        "report_interval_ms": 20
    });
    let (db, settings, keys) = prepare("crash", "atol", route, &support::receipt_v5(), receipts);

    let mut rng = seed;
    let killed_mid_flight = kill_rounds(&db, &settings, kills, &mut rng, |_| {}).await;
    settle(&db, &settings).await;

    let journal = emu.journal();
    let resubmitted = assert_each_fiscalised_once(&db, &keys, &journal);
    eprintln!(
        "crash test (atol) passed in {:.1} s: {} receipts done once each, {kills} kills \
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_against_modulkassa_with_an_offline_register() {
    let Size {
        receipts,
        kills,
        seed,
    } = size("modulkassa");
    let started = Instant::now();
    // The register starts offline: every document the worker gets through waits in QUEUED.
    let emu = ModulKassaEmulator::start(
        ModulKassaConfig::default()
            .with_take_delay(Duration::from_millis(50))
            .with_register(RegisterState::Offline)
            .with_faults(random_faults(seed ^ 0x6d6b, 150)),
    )
    .await
    .expect("emulator");
    let route = serde_json::json!({
        "provider": "modulkassa", "base_url": emu.base_url(),
        "user_name": TEST_USER_NAME, "password": TEST_PASSWORD,
        "http": {"timeout_ms": 5000, "connect_timeout_ms": 1000}
    });
    let receipt = fiskal_ffd::json::parse(include_str!(
        "../../fiskal-providers/tests/fixtures/modulkassa/receipt_sell.json"
    ))
    .expect("receipt");
    let (db, settings, keys) = prepare("crash-mk", "modulkassa", route, &receipt, receipts);

    // The first third of the kills with the register offline, the rest online.
    let offline_rounds = kills.div_ceil(3);
    let journal = emu.journal();
    let mut held_while_offline = 0usize;
    let mut rng = seed;
    let killed_mid_flight = kill_rounds(&db, &settings, kills, &mut rng, |round| {
        if round == offline_rounds {
            // While the register was offline nothing was fiscalised, and no receipt reached
            // the service under a second id (a waiting document is never resent).
            assert_eq!(
                journal.entries().iter().filter(|e| e.is_done()).count(),
                0,
                "fiscalised while the register was offline"
            );
            let entries = journal.entries();
            for k in &keys {
                let prefix = format!("{k}-");
                let docs = entries
                    .iter()
                    .filter(|e| e.external_id.starts_with(&prefix))
                    .count();
                assert!(
                    docs <= 1,
                    "{k}: {docs} documents while the register was offline"
                );
            }
            held_while_offline = journal.pending();
            emu.set_register(RegisterState::Online);
        }
    })
    .await;
    if kills <= offline_rounds {
        emu.set_register(RegisterState::Online);
    }
    settle(&db, &settings).await;

    let resubmitted = assert_each_fiscalised_once(&db, &keys, &journal);
    eprintln!(
        "crash test (modulkassa) passed in {:.1} s: {} receipts done once each, {kills} kills \
         ({killed_mid_flight} with sends in flight or in doubt; the first {offline_rounds} \
         with the register offline, {held_while_offline} documents waiting in QUEUED when it \
         came back), {resubmitted} resubmitted after register errors, {} documents at the \
         emulator",
        started.elapsed().as_secs_f64(),
        keys.len(),
        journal.len()
    );
    assert!(
        kills == 0 || killed_mid_flight > 0,
        "no kill hit a send in flight; the test proved nothing"
    );
    assert!(
        kills <= offline_rounds || held_while_offline > 0,
        "no document waited for the offline register; the offline part proved nothing"
    );
    emu.shutdown().await;
}
