//! `fiskal modulkassa associate` as a user runs it against the МодульКасса emulator: the
//! account password from the environment (never the command line), the association's password
//! written to a 0600 file and never printed, the settings to use, and the warning that
//! associating again replaces the password — which a second run then does.

use fiskal_emulator::modulkassa::{
    ModulKassaConfig, ModulKassaEmulator, TEST_ACCOUNT_LOGIN, TEST_ACCOUNT_PASSWORD,
    TEST_RETAIL_POINT_ID,
};
use fiskal_providers::{AnyProvider, Provider};
use std::path::PathBuf;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_fiskal");

fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("mk-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("mkdir");
    d
}

fn associate(base_url: &str, file: &std::path::Path, lang: &str) -> (bool, String, String) {
    let o = Command::new(BIN)
        .args([
            "--lang",
            lang,
            "modulkassa",
            "associate",
            "--retail-point",
            TEST_RETAIL_POINT_ID,
            "--login",
            TEST_ACCOUNT_LOGIN,
            "--base-url",
            base_url,
            "--out",
        ])
        .arg(file)
        .env("FISKAL_MODULKASSA_ACCOUNT_PASSWORD", TEST_ACCOUNT_PASSWORD)
        .output()
        .expect("run fiskal");
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

async fn works(base_url: &str, user: &str, password: &str) -> bool {
    let p = AnyProvider::from_json(
        &serde_json::json!({"provider": "modulkassa", "base_url": base_url,
                            "user_name": user, "password": password})
        .to_string(),
    )
    .expect("settings");
    p.health().await.is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn associate_stores_the_password_and_says_it_rotates() {
    let emu = ModulKassaEmulator::start(ModulKassaConfig::default())
        .await
        .expect("emulator");
    let base = emu.base_url();
    let dir = scratch("associate");
    let file = dir.join("modulkassa.password");
    let (b, f) = (base.clone(), file.clone());
    let (ok, stdout, stderr) = tokio::task::spawn_blocking(move || associate(&b, &f, "en"))
        .await
        .expect("join");
    assert!(ok, "{stdout}\n{stderr}");
    let first = std::fs::read_to_string(&file).expect("secret file");
    let first = first.trim_end().to_owned();
    assert_eq!(first.len(), 10, "a password like the document's example");
    assert!(
        !stdout.contains(&first) && !stderr.contains(&first),
        "never printed"
    );
    assert!(!stdout.contains(TEST_ACCOUNT_PASSWORD));
    assert!(stdout.contains("replaces its password"), "{stdout}");
    assert!(
        stdout.contains(r#""password":{"file":"#),
        "the settings to use: {stdout}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let user = stdout
        .split("userName ")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .expect("userName in the output")
        .to_owned();
    assert!(works(&base, &user, &first).await);

    // Again: a new password in the file; the first pair stops working.
    let (b, f) = (base.clone(), file.clone());
    let (ok, stdout, _) = tokio::task::spawn_blocking(move || associate(&b, &f, "ru"))
        .await
        .expect("join");
    assert!(ok);
    assert!(stdout.contains("меняет пароль"), "{stdout}");
    let second = std::fs::read_to_string(&file).expect("secret file");
    let second = second.trim_end().to_owned();
    assert_ne!(first, second);
    assert!(!works(&base, &user, &first).await);
    assert!(works(&base, &user, &second).await);

    // No password: a clear error, exit code 2, nothing written.
    let o = Command::new(BIN)
        .args([
            "modulkassa",
            "associate",
            "--retail-point",
            "x",
            "--login",
            "y",
            "--out",
        ])
        .arg(dir.join("never"))
        .env_remove("FISKAL_MODULKASSA_ACCOUNT_PASSWORD")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(!dir.join("never").exists());
    emu.shutdown().await;
}

/// `fiskal send` then `fiskal status` while the register is offline: the status says the
/// document waits for the register (and not to send it again), exit 0; once the register is
/// back, it is fiscalised.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_says_the_document_waits_for_the_register() {
    use fiskal_emulator::modulkassa::{RegisterState, TEST_PASSWORD, TEST_USER_NAME};
    let emu = ModulKassaEmulator::start(
        ModulKassaConfig::default().with_register(RegisterState::Offline),
    )
    .await
    .expect("emulator");
    let dir = scratch("status");
    let config = dir.join("fiskal.toml");
    std::fs::write(
        &config,
        format!(
            "default_route = \"mk\"\n\n[routes.mk.provider]\nprovider = \"modulkassa\"\n\
             base_url = \"{}\"\nuser_name = \"{TEST_USER_NAME}\"\n\
             password = {{ env = \"FISKAL_TEST_MK_PASSWORD\" }}\n",
            emu.base_url()
        ),
    )
    .expect("config");
    let receipt = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fiskal-providers/tests/fixtures/modulkassa/receipt_sell.json"
    );
    let run = |args: Vec<String>| {
        let o = Command::new(BIN)
            .args(&args)
            .env("FISKAL_TEST_MK_PASSWORD", TEST_PASSWORD)
            .output()
            .expect("run fiskal");
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        )
    };
    let c = config.display().to_string();
    let send = vec![
        "--lang".into(),
        "en".into(),
        "send".into(),
        "--config".into(),
        c.clone(),
        "--document-id".into(),
        "cli-mk-1".into(),
        receipt.into(),
    ];
    let status: Vec<String> = vec![
        "--lang".into(),
        "en".into(),
        "status".into(),
        "--config".into(),
        c,
        "--document-id".into(),
        "cli-mk-1".into(),
    ];
    let (code, stdout) = tokio::task::spawn_blocking(move || run(send))
        .await
        .expect("join");
    assert_eq!(code, Some(0), "{stdout}");
    let st = status.clone();
    let (code, stdout) = tokio::task::spawn_blocking(move || run(st))
        .await
        .expect("join");
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains("Waiting for the register") && stdout.contains("do not send it again"),
        "{stdout}"
    );
    emu.set_register(RegisterState::Online);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let st = status.clone();
        let (_, stdout) = tokio::task::spawn_blocking(move || run(st))
            .await
            .expect("join");
        if stdout.contains("Done:") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{stdout}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(emu.journal().fiscalised_count("cli-mk-1"), 1);
}

/// `fiskal queue stats` counts the receipts waiting for the register (text and JSON), and
/// `queue show` names the wait, from a journal where one entry waits.
#[test]
fn queue_stats_and_show_tell_waiting_for_the_register() {
    use fiskal_outbox::{Config, Event, NewEntry, SqliteStore, Store, Timestamp};
    use fiskal_providers::{Outcome, WaitingFor};
    let dir = scratch("stats");
    let db = dir.join("outbox.db");
    {
        let s = SqliteStore::open(&db, Config::default()).expect("open");
        let r = fiskal_ffd::json::parse(include_str!(
            "../../fiskal-providers/tests/fixtures/modulkassa/receipt_sell.json"
        ))
        .expect("receipt");
        let now = Timestamp::now();
        let e = s
            .enqueue(
                &NewEntry {
                    key: "mk-wait-1",
                    receipt: &r,
                    provider: "mk",
                },
                now,
            )
            .expect("enqueue")
            .entry;
        let e = s
            .apply("mk-wait-1", e.version, &Event::ClaimedForSend, now)
            .expect("claim");
        let id = e.document_id();
        let waiting = Outcome::Waiting {
            provider_id: id,
            waiting_for: WaitingFor::Register,
            message: "QUEUED (register state FAILED): Document queued for printing".into(),
        };
        s.apply(
            "mk-wait-1",
            e.version,
            &Event::ProviderOutcome(&waiting),
            now,
        )
        .expect("waiting");
    }
    let d = db.display().to_string();
    let run = |args: &[&str]| {
        let o = Command::new(BIN).args(args).output().expect("run fiskal");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let text = run(&["--lang", "en", "queue", "--db", &d, "stats"]);
    assert!(
        text.contains("Waiting for the register (offline; never sent again, stuck at the accepted deadline): 1"),
        "{text}"
    );
    let js: serde_json::Value =
        serde_json::from_str(&run(&["--json", "queue", "--db", &d, "stats"])).expect("json");
    assert_eq!(js["waiting_for_register"], 1, "{js}");
    let show = run(&["--lang", "en", "queue", "--db", &d, "show", "mk-wait-1"]);
    assert!(
        show.contains("waiting_for_register") && show.contains("QUEUED"),
        "{show}"
    );
}
