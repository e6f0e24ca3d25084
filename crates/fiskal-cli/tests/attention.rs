//! Issue 24 at the command line: a receipt fiscalised with a negative marking-code check is
//! `done`, and `queue show` says so in a line of its own (RU/EN), `queue stats` counts it (text
//! and `--json`), read from the journal alone (no config, no secrets).

use fiskal_emulator::atol::{AtolConfig, BackgroundAtol};
use fiskal_emulator::{Endpoint, Fault, Faults};
use fiskal_outbox::{Outbox, OutboxSettings, State};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_fiskal");
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .env_remove("FISKAL_CONFIG")
        .env_remove("FISKAL_DB")
        .output()
        .expect("run fiskal")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A journal with two receipts done at the ATOL v5 emulator: `neg-1`, whose marking code the
/// register checked with a negative result, and `ok-1`, checked positively.
fn journal() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("attention-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let emu = BackgroundAtol::start(
        AtolConfig::default()
            .with_processing_delay(Duration::from_millis(20))
            .with_faults(Faults::none().script(Endpoint::Register, Fault::negative_mark_check())),
    )
    .expect("emulator");
    let settings = OutboxSettings::from_json(
        &serde_json::json!({
            "routes": {"atol": {"provider": {
                "provider": "atol", "api": "v5", "preset": "test",
                "base_url": emu.base_url_v5(), "password": "zUr0OxfI", "report_interval_ms": 20
            }}},
            "default_route": "atol",
            "worker": {"concurrency": 2, "lease_ms": 5000, "call_timeout_ms": 2000,
                       "idle_wait_ms": 20, "drain_timeout_ms": 2000},
            "timing": {"poll_first_ms": 50, "poll_max_ms": 200, "retry_base_ms": 50}
        })
        .to_string(),
    )
    .expect("settings");
    let db = dir.join("outbox.db");
    let receipt = fiskal_ffd::json::parse(
        &std::fs::read_to_string(format!("{ROOT}/examples/data/receipt_atol_v5.json"))
            .expect("receipt"),
    )
    .expect("receipt JSON");
    let outbox = Outbox::open(&db, &settings).expect("open");
    for key in ["neg-1", "ok-1"] {
        outbox.enqueue(key, &receipt, None).expect("enqueue");
        assert!(outbox.drain(Duration::from_secs(20)).expect("drain"));
        let e = outbox.get(key).expect("get").expect("entry");
        assert_eq!(e.state, State::Done, "{key}: {e:?}");
    }
    drop(outbox);
    db
}

#[test]
fn queue_show_and_stats_make_a_negative_mark_check_visible() {
    let db = journal();
    let d = db.to_str().expect("utf-8");

    let ru = run(&["--lang", "ru", "queue", "--db", d, "show", "neg-1"]);
    assert!(
        ru.status.success(),
        "{}",
        String::from_utf8_lossy(&ru.stderr)
    );
    let line = stdout(&ru)
        .lines()
        .find(|l| l.starts_with("требует внимания"))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no attention line: {}", stdout(&ru)));
    assert!(line.contains("отрицательная проверка КМ"), "{line}");
    assert!(line.contains("2106 = 5"), "{line}");
    let en = run(&["--lang", "en", "queue", "--db", d, "show", "neg-1"]);
    assert!(
        stdout(&en)
            .lines()
            .any(|l| l.starts_with("needs attention") && l.contains("negative mark check")),
        "{}",
        stdout(&en)
    );
    // The positively checked receipt has no such line.
    let ok = run(&["--lang", "en", "queue", "--db", d, "show", "ok-1"]);
    assert!(ok.status.success());
    assert!(!stdout(&ok).contains("needs attention"), "{}", stdout(&ok));
    // --json: the entry's attention.
    let js = run(&["--json", "queue", "--db", d, "show", "neg-1"]);
    let v: Value = serde_json::from_slice(&js.stdout).expect("JSON");
    assert_eq!(
        v["attention"]["reasons"],
        serde_json::json!(["negative_mark_check"])
    );
    let js = run(&["--json", "queue", "--db", d, "show", "ok-1"]);
    let v: Value = serde_json::from_slice(&js.stdout).expect("JSON");
    assert!(v["attention"].is_null(), "{v}");

    let st = run(&["--lang", "en", "queue", "--db", d, "stats"]);
    assert!(st.status.success());
    assert!(
        stdout(&st).contains(
            "Done with attention (negative mark check, warnings, not delivered to the OFD): 1"
        ),
        "{}",
        stdout(&st)
    );
    let st = run(&["--lang", "ru", "queue", "--db", d, "stats"]);
    assert!(
        stdout(&st).contains("Пробито с замечаниями"),
        "{}",
        stdout(&st)
    );
    let js = run(&["--json", "queue", "--db", d, "stats"]);
    let v: Value = serde_json::from_slice(&js.stdout).expect("JSON");
    assert_eq!(v["done_with_attention"], 1, "{v}");
}
