//! The operator's command line: credentials checked online, the journal read without secrets,
//! readable views, the accountant's report, batch work, shell completions and the man page.
//!
//! (Split by concern: the journal's views and the accountant's report in `journal`, batch work in
//! `batch`; credentials, waiting, completions and the man page here.)

mod batch;
mod journal;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_fiskal");
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
const PASSWORD_VAR: &str = "FISKAL_OP_TEST_ATOL_PASSWORD";
const SECRET_VAR: &str = "FISKAL_OP_TEST_BR_SECRET";

/// Runs `fiskal` with `env` set and every FISKAL_* variable of the caller removed.
fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .stdin(Stdio::null())
        .env_remove("FISKAL_CONFIG")
        .env_remove("FISKAL_DB")
        .env_remove(PASSWORD_VAR)
        .env_remove(SECRET_VAR);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run fiskal")
}

/// With the right ATOL test password.
fn run_pw(args: &[&str]) -> Output {
    run(args, &[(PASSWORD_VAR, "zUr0OxfI")])
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("op-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("mkdir");
    d
}

fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

fn atol_receipt() -> String {
    format!("{ROOT}/examples/data/receipt_atol_v5.json")
}

/// A config with one ATOL v5 route (the password from PASSWORD_VAR).
fn atol_config(dir: &Path, base_url: &str) -> PathBuf {
    let f = dir.join("fiskal.toml");
    std::fs::write(
        &f,
        format!(
            r#"default_route = "atol"

[routes.atol.provider]
provider = "atol"
api = "v5"
preset = "test"
base_url = "{base_url}"
report_interval_ms = 50
password = {{ env = "{PASSWORD_VAR}" }}

[timing]
poll_first_ms = 100
poll_max_ms = 300
"#
        ),
    )
    .expect("config");
    f
}

fn atol(delay_ms: u64) -> fiskal_emulator::atol::BackgroundAtol {
    fiskal_emulator::atol::BackgroundAtol::start(
        fiskal_emulator::atol::AtolConfig::default()
            .with_processing_delay(Duration::from_millis(delay_ms)),
    )
    .expect("emulator")
}

/// Kopecks of a money string `"123.45"` (the test's own parser, independent of the CLI's).
fn kopecks(s: &str) -> u64 {
    let (r, k) = s.split_once('.').unwrap_or((s, "0"));
    let k = format!("{k:0<2}");
    r.parse::<u64>().expect("roubles") * 100 + k[..2].parse::<u64>().expect("kopecks")
}

#[test]
fn config_check_online_says_per_route_what_is_wrong() {
    use fiskal_emulator::business_ru::{
        BusinessRuConfig, BusinessRuEmulator, TEST_APP_ID_V1, TEST_SECRET,
    };
    use fiskal_emulator::orange::{OrangeConfig, OrangeEmulator};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let emu = atol(10);
    let (br, orange) = rt.block_on(async {
        (
            BusinessRuEmulator::start(BusinessRuConfig::default())
                .await
                .expect("business.ru"),
            OrangeEmulator::start(OrangeConfig::default())
                .await
                .expect("orange"),
        )
    });
    let dir = scratch("online");
    let w = |name: &str, text: &str| {
        let f = dir.join(name);
        std::fs::write(&f, text).expect("write");
        f.display().to_string()
    };
    let signing = w(
        "sign.pem",
        &orange.issue_signing_key("7701000001").expect("key"),
    );
    let id = orange.issue_client_identity().expect("identity");
    let cert = w("cert.pem", &id.cert_pem);
    let key = w("key.pem", &id.key_pem);
    let ca = w("ca.pem", orange.ca_pem());
    let cfg = dir.join("routes.toml");
    std::fs::write(
        &cfg,
        format!(
            r#"default_route = "atol"

[routes.atol.provider]
provider = "atol"
api = "v5"
preset = "test"
base_url = "{atol}"
password = {{ env = "{PASSWORD_VAR}" }}

[routes.shop_br.provider]
provider = "business_ru"
api = "v1"
base_url = "{br}"
app_id = "{TEST_APP_ID_V1}"
secret = {{ env = "{SECRET_VAR}" }}

[routes.orange.provider]
provider = "orange_data"
base_url = "{orange}"
inn = "7701000001"
signing_key = {{ file = "{signing}" }}
client_cert = {{ file = "{cert}" }}
client_key = {{ file = "{key}" }}
http = {{ builtin_roots = false, ca = {{ file = "{ca}" }} }}
"#,
            atol = emu.base_url_v5(),
            br = br.base_url_v1(),
            orange = orange.base_url(),
        ),
    )
    .expect("config");
    let c = p(&cfg);
    // Right credentials: every route says so; Orange Data has no health call, and says so.
    for (lang, ok_atol, orange_says) in [
        (
            "ru",
            "  atol (atol_v5): учётные данные приняты",
            "нет проверки связи без чека: учётные данные проверит только тестовый чек",
        ),
        (
            "en",
            "  atol (atol_v5): the credentials are accepted",
            "has no health call that registers nothing: only a test receipt checks the credentials",
        ),
    ] {
        let o = run(
            &["--lang", lang, "config", "check", c, "--online"],
            &[(PASSWORD_VAR, "zUr0OxfI"), (SECRET_VAR, TEST_SECRET)],
        );
        assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
        let text = stdout(&o);
        assert!(text.contains(ok_atol), "{text}");
        assert!(text.contains("  shop_br (business_ru_v1): "), "{text}");
        assert!(text.contains(orange_says), "{text}");
        assert!(!text.contains("zUr0OxfI") && !text.contains(TEST_SECRET));
    }
    // Wrong password and secret: each route named with what is wrong, exit 2.
    for (lang, refused) in [
        (
            "ru",
            "провайдер отклонил учётные данные или настройки (auth",
        ),
        (
            "en",
            "the provider refuses the credentials or settings (auth",
        ),
    ] {
        let o = run(
            &["--lang", lang, "config", "check", c, "--online"],
            &[
                (PASSWORD_VAR, "wrong-password"),
                (SECRET_VAR, "wrong-secret-0123456789abcdef012"),
            ],
        );
        assert_eq!(o.status.code(), Some(2), "{}\n{}", stdout(&o), stderr(&o));
        let text = stdout(&o);
        for route in ["  atol (atol_v5): ", "  shop_br (business_ru_v1): "] {
            let line = text
                .lines()
                .find(|l| l.starts_with(route))
                .unwrap_or_else(|| panic!("no line for {route}:\n{text}"));
            assert!(line.contains(refused), "{line}");
        }
        assert!(!text.contains("wrong-password") && !stderr(&o).contains("wrong-password"));
    }
    let o = run(
        &["--json", "config", "check", c, "--online"],
        &[(PASSWORD_VAR, "wrong-password"), (SECRET_VAR, TEST_SECRET)],
    );
    assert_eq!(o.status.code(), Some(2));
    let v = json(&o);
    assert_eq!(v["ok"], false);
    let status = |route: &str| {
        v["routes"]
            .as_array()
            .and_then(|a| a.iter().find(|r| r["route"] == route))
            .map(|r| r["status"].clone())
    };
    assert_eq!(status("atol"), Some("refused".into()));
    assert_eq!(status("shop_br"), Some("ok".into()));
    assert_eq!(status("orange"), Some("unsupported".into()));
    // `fiskal ping` is the same check, the config from FISKAL_CONFIG.
    let o = run(
        &["--json", "ping"],
        &[
            (PASSWORD_VAR, "zUr0OxfI"),
            (SECRET_VAR, TEST_SECRET),
            ("FISKAL_CONFIG", c),
        ],
    );
    assert!(o.status.success(), "{}", stdout(&o));
    assert_eq!(json(&o)["ok"], true);
    // Nothing listening: unreachable, exit 3.
    let dead = atol_config(&dir, "http://127.0.0.1:9/possystem/v5/");
    let o = run_pw(&["--lang", "en", "config", "check", p(&dead), "--online"]);
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("the provider cannot be reached or fails"),
        "{}",
        stdout(&o)
    );
    drop(rt);
}

/// Whether the text (after its indentation) starts with a local time `YYYY-MM-DD HH:MM:SS`,
/// not with milliseconds since the epoch.
fn starts_with_local_time(text: &str) -> bool {
    let t = text.trim_start();
    let shape = "dddd-dd-dd dd:dd:dd";
    t.len() >= shape.len()
        && t.chars().zip(shape.chars()).all(|(c, s)| match s {
            'd' => c.is_ascii_digit(),
            s => c == s,
        })
}

#[test]
fn send_wait_waits_for_the_fiscal_attributes_or_says_it_timed_out() {
    let emu = atol(300);
    let dir = scratch("wait");
    let cfg = atol_config(&dir, &emu.base_url_v5());
    let c = p(&cfg);
    let o = run(
        &[
            "--json",
            "send",
            "--document-id",
            "wait-1",
            &atol_receipt(),
            "--wait",
            "--timeout",
            "30s",
        ],
        &[(PASSWORD_VAR, "zUr0OxfI"), ("FISKAL_CONFIG", c)],
    );
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    let v = json(&o);
    assert_eq!(v["outcome"], "done", "{v}");
    assert!(v["qr"].as_str().is_some_and(|q| q.starts_with("t=")));
    let slow = atol(60_000);
    let cfg2 = dir.join("slow.toml");
    std::fs::write(
        &cfg2,
        std::fs::read_to_string(&cfg)
            .expect("cfg")
            .replace(&emu.base_url_v5(), &slow.base_url_v5()),
    )
    .expect("w");
    for (lang, id, want) in [
        (
            "ru",
            "wait-2",
            "фискальные реквизиты не пришли; документ у провайдера",
        ),
        (
            "en",
            "wait-3",
            "no fiscal attributes within 1.0 s; the provider holds the document",
        ),
    ] {
        let o = run_pw(&[
            "--lang",
            lang,
            "send",
            "--config",
            p(&cfg2),
            "--document-id",
            id,
            &atol_receipt(),
            "--wait",
            "--timeout",
            "1s",
        ]);
        assert_eq!(o.status.code(), Some(5), "{}\n{}", stdout(&o), stderr(&o));
        assert!(stderr(&o).contains(want), "{}", stderr(&o));
    }
    let o = run_pw(&[
        "send",
        "--config",
        c,
        "--document-id",
        "w",
        &atol_receipt(),
        "--wait",
        "--timeout",
        "soon",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--timeout \"soon\": нужна длительность вроде 60s"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn completions_and_the_man_page_come_from_the_command_definitions() {
    let o = run(&["completions", "bash"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bash = stdout(&o);
    assert!(bash.contains("_fiskal()"), "{bash}");
    for sub in [
        "queue",
        "report",
        "validate",
        "completions",
        "render",
        "requeue",
    ] {
        assert!(bash.contains(sub), "{sub} missing");
    }
    for shell in ["zsh", "fish"] {
        let o = run(&["completions", shell], &[]);
        assert!(o.status.success());
        assert!(stdout(&o).contains("report"), "{shell}");
    }
    let dir = scratch("man");
    let page = dir.join("fiskal.1");
    let o = run(&["--lang", "en", "man", "--out", p(&page)], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let roff = std::fs::read_to_string(&page).expect("man");
    assert!(
        roff.starts_with(".ie") || roff.contains(".TH fiskal"),
        "{roff}"
    );
    assert!(roff.contains(".TH fiskal"), "{roff}");
    assert!(roff.contains(".SH NAME"), "{roff}");
    assert!(roff.contains("fiskal \\- "), "{roff}");
    assert!(roff.contains("report"), "{roff}");
    // Russian by default.
    let ru = stdout(&run(&["man"], &[]));
    assert!(ru.contains("Проверить чек"), "{ru}");
}
