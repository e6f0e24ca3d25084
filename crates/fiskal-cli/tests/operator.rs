//! The operator's command line: credentials checked online, the journal read without secrets,
//! readable views, the accountant's report, batch work, shell completions and the man page.

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

#[test]
fn reading_the_journal_needs_neither_config_nor_secrets() {
    let emu = atol(20);
    let dir = scratch("read");
    let cfg = atol_config(&dir, &emu.base_url_v5());
    let db = dir.join("shop.db");
    let (c, d) = (p(&cfg), p(&db));
    let add = run_pw(&[
        "queue",
        "--config",
        c,
        "--db",
        d,
        "add",
        &atol_receipt(),
        "--key",
        "r-1",
    ]);
    assert!(add.status.success(), "{}", stderr(&add));
    let add = run_pw(&[
        "queue",
        "--config",
        c,
        "--db",
        d,
        "add",
        &atol_receipt(),
        "--key",
        "r-2",
    ]);
    assert!(add.status.success(), "{}", stderr(&add));
    let w = run_pw(&["worker", "--config", c, "--db", d, "--until-settled"]);
    assert!(w.status.success(), "{}", stderr(&w));
    let add = run_pw(&[
        "queue",
        "--config",
        c,
        "--db",
        d,
        "add",
        &atol_receipt(),
        "--key",
        "r-3",
    ]);
    assert!(add.status.success(), "{}", stderr(&add));
    // The config is gone, and so is the password: the journal alone answers.
    std::fs::remove_file(&cfg).expect("rm config");
    let tz = [("TZ", "UTC")];
    for args in [
        vec!["queue", "--db", d, "list"],
        vec!["queue", "--db", d, "list", "--state", "all"],
        vec!["queue", "--db", d, "show", "r-1"],
        vec!["queue", "--db", d, "audit", "r-1"],
        vec!["queue", "--db", d, "render", "r-1"],
        vec!["queue", "--db", d, "stats"],
    ] {
        let o = run(&args, &tz);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    }
    // FISKAL_DB stands in for --db.
    let o = run(
        &["--json", "queue", "list", "--state", "all"],
        &[("FISKAL_DB", d)],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let keys: Vec<String> = json(&o)["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["key"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(keys.len(), 3, "{keys:?}");
    // Writing still needs the config, and says where it may come from.
    let o = run(
        &["queue", "--db", d, "add", &atol_receipt(), "--key", "r-4"],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("или в переменной окружения FISKAL_CONFIG"),
        "{}",
        stderr(&o)
    );
    // Local times, not epoch milliseconds: the same moment in two time zones.
    let utc = stdout(&run(&["queue", "--db", d, "audit", "r-1"], &tz));
    let vl = stdout(&run(
        &["queue", "--db", d, "audit", "r-1"],
        &[("TZ", "Asia/Vladivostok")],
    ));
    for line in utc.lines() {
        assert!(starts_with_local_time(line), "{line}");
    }
    let hour = |text: &str| -> u32 {
        let line = text.lines().next().expect("a line");
        let t = line.split_whitespace().nth(1).expect("time");
        t[..2].parse().expect("hour")
    };
    assert_eq!((hour(&utc) + 10) % 24, hour(&vl), "{utc}\n{vl}");
    assert!(utc.contains("→ queued"), "{utc}");
    // What each state means and what to do, in both languages.
    let ru = stdout(&run(&["queue", "--db", d, "show", "r-1"], &tz));
    assert!(
        ru.contains("done — пробит: фискальные реквизиты получены"),
        "{ru}"
    );
    let since = ru
        .lines()
        .find(|l| l.starts_with("в состоянии с"))
        .unwrap_or_else(|| panic!("{ru}"));
    assert!(
        starts_with_local_time(since.trim_start_matches("в состоянии с")),
        "{since}"
    );
    let en = stdout(&run(
        &["--lang", "en", "queue", "--db", d, "show", "r-3"],
        &tz,
    ));
    assert!(
        en.contains("queued — waiting to be sent; nothing to do"),
        "{en}"
    );
    let ru = stdout(&run(&["queue", "--db", d, "list", "--state", "all"], &tz));
    assert!(ru.contains("  queued: ждёт отправки"), "{ru}");
    assert!(ru.contains("  done: пробит"), "{ru}");
    assert!(ru.contains("Всего: 3"), "{ru}");
    let en = stdout(&run(
        &[
            "--lang", "en", "queue", "--db", d, "list", "--state", "bogus",
        ],
        &tz,
    ));
    assert!(en.is_empty());
    // The stored receipt as the buyer sees it, with its fiscal attributes.
    let o = run(&["queue", "--db", d, "render", "r-1"], &tz);
    let text = stdout(&o);
    for want in ["КАССОВЫЙ ЧЕК", "ИТОГ", "=5651.95", "ФД ", "ФП "] {
        assert!(text.contains(want), "{want} missing:\n{text}");
    }
    let html = dir.join("r-3.html");
    let o = run(
        &[
            "queue",
            "--db",
            d,
            "render",
            "r-3",
            "--format",
            "html",
            "--out",
            p(&html),
        ],
        &tz,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let page = std::fs::read_to_string(&html).expect("html");
    assert!(page.contains("<html") && page.contains("ЧЕК НЕ ФИСКАЛИЗИРОВАН"));
    for (lang, want) in [
        ("ru", "в очереди нет записи с ключом \"nope\""),
        ("en", "no entry with key \"nope\" in the outbox"),
    ] {
        for cmd in ["audit", "render"] {
            let o = run(&["--lang", lang, "queue", "--db", d, cmd, "nope"], &tz);
            assert_eq!(o.status.code(), Some(1));
            assert!(stderr(&o).contains(want), "{}", stderr(&o));
        }
    }
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
fn the_report_totals_the_done_receipts_exactly() {
    let emu = atol(10);
    let dir = scratch("report");
    let cfg = atol_config(&dir, &emu.base_url_v5());
    let db = dir.join("shop.db");
    let (c, d) = (p(&cfg), p(&db));
    let base: Value =
        serde_json::from_str(&std::fs::read_to_string(atol_receipt()).expect("r")).expect("j");
    // A sale, a smaller sale (the first two items), a refund of the sale.
    let mut small = base.clone();
    let items: Vec<Value> = base["items"].as_array().expect("items")[..2].to_vec();
    let small_total: u64 = items
        .iter()
        .map(|i| kopecks(i["sum"].as_str().expect("sum")))
        .sum();
    small["items"] = Value::Array(items);
    let t = format!("{}.{:02}", small_total / 100, small_total % 100);
    small["total"] = Value::String(t.clone());
    small["payments"] = serde_json::json!({"electronic": t});
    let mut refund = base.clone();
    refund["operation"] = Value::String("sell_refund".into());
    let receipts = [
        ("rep-sale", &base),
        ("rep-small", &small),
        ("rep-refund", &refund),
    ];
    let mut files = Vec::new();
    for (key, r) in receipts {
        let f = dir.join(format!("{key}.json"));
        std::fs::write(&f, r.to_string()).expect("write");
        files.push(f);
    }
    let mut args = vec!["queue", "--config", c, "--db", d, "add"];
    args.extend(files.iter().map(|f| p(f)));
    let add = run_pw(&args);
    assert!(add.status.success(), "{}", stderr(&add));
    let w = run_pw(&["worker", "--config", c, "--db", d, "--until-settled"]);
    assert!(w.status.success(), "{}", stderr(&w));
    // Expected, from the receipts themselves: totals per operation and per VAT rate.
    let mut want_total = std::collections::BTreeMap::<(String, String), u64>::new();
    let mut want_vat = std::collections::BTreeMap::<(String, String), u64>::new();
    for (_, r) in receipts {
        let op = r["operation"].as_str().expect("op").to_owned();
        *want_total.entry((op.clone(), "total".into())).or_default() +=
            kopecks(r["total"].as_str().expect("total"));
        for it in r["items"].as_array().expect("items") {
            let rate = it["vat"].as_str().expect("vat").to_owned();
            let sum = kopecks(it["sum"].as_str().expect("sum"));
            *want_total.entry((op.clone(), rate.clone())).or_default() += sum;
            let r: u64 = match rate.as_str() {
                "vat22" => 22,
                "vat10" => 10,
                "vat20" => 20,
                _ => 0,
            };
            let vat = if r == 0 {
                0
            } else {
                (sum * r * 2 + 100 + r) / (2 * (100 + r))
            };
            *want_vat.entry((op.clone(), rate)).or_default() += vat;
            *want_vat.entry((op.clone(), "total".into())).or_default() += vat;
        }
    }
    let out = dir.join("report.csv");
    let o = run(
        &[
            "report",
            "--db",
            d,
            "--from",
            "2000-01-01",
            "--to",
            "2099-12-31",
            "--out",
            p(&out),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("чеков 3"), "{}", stdout(&o));
    let csv = std::fs::read_to_string(&out).expect("csv");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("date,route,operation,vat_rate,receipts,amount,vat")
    );
    let mut got_total = std::collections::BTreeMap::<(String, String), u64>::new();
    let mut got_vat = std::collections::BTreeMap::<(String, String), u64>::new();
    let mut receipts_sell = 0;
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        assert_eq!(f.len(), 7, "{l}");
        if f[1] == "all" {
            continue;
        }
        assert_eq!(f[1], "atol", "{l}");
        assert_eq!(f[0].len(), 10, "a day: {l}");
        if f[2] == "sell" && f[3] == "total" {
            receipts_sell += f[4].parse::<u64>().expect("n");
        }
        *got_total.entry((f[2].into(), f[3].into())).or_default() += kopecks(f[5]);
        *got_vat.entry((f[2].into(), f[3].into())).or_default() += kopecks(f[6]);
    }
    assert_eq!(receipts_sell, 2);
    assert_eq!(got_total, want_total, "{csv}");
    assert_eq!(got_vat, want_vat, "{csv}");
    // JSON: the same totals, in kopecks too.
    let o = run(
        &[
            "--json",
            "report",
            "--db",
            d,
            "--from",
            "2000-01-01",
            "--to",
            "2099-12-31",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["receipts"], 3);
    assert_eq!(
        v["totals"]["sell"]["amount_kopecks"].as_u64(),
        want_total.get(&("sell".into(), "total".into())).copied()
    );
    assert_eq!(
        v["totals"]["sell_refund"]["amount"],
        base["total"].as_str().expect("t")
    );
    // A period without receipts, and a bad date.
    let o = run(
        &[
            "--json",
            "report",
            "--db",
            d,
            "--from",
            "2000-01-01",
            "--to",
            "2000-01-31",
        ],
        &[],
    );
    assert_eq!(json(&o)["receipts"], 0);
    for (lang, want) in [
        ("ru", "--from \"01.12.2026\": нужна дата ГГГГ-ММ-ДД"),
        ("en", "--from \"01.12.2026\": expected a date YYYY-MM-DD"),
    ] {
        let o = run(
            &[
                "--lang",
                lang,
                "report",
                "--db",
                d,
                "--from",
                "01.12.2026",
                "--to",
                "2026-12-31",
            ],
            &[],
        );
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains(want), "{}", stderr(&o));
    }
}

#[test]
fn validate_a_folder_one_line_per_file() {
    let dir = scratch("vdir");
    let good = std::fs::read_to_string(atol_receipt()).expect("r");
    std::fs::write(dir.join("a-good.json"), &good).expect("w");
    std::fs::write(
        dir.join("b-bad.json"),
        good.replace("\"total\": \"5651.95\"", "\"total\": \"1.00\""),
    )
    .expect("w");
    std::fs::write(dir.join("notes.txt"), "not a receipt").expect("w");
    let ru = run(&["validate", p(&dir)], &[]);
    assert_eq!(ru.status.code(), Some(1), "{}", stdout(&ru));
    let text = stdout(&ru);
    assert!(
        text.contains("OK      ") && text.contains("a-good.json"),
        "{text}"
    );
    assert!(
        text.contains("ОШИБКА  ") && text.contains("b-bad.json"),
        "{text}"
    );
    assert!(
        text.contains("Файлов: 2, корректных 1, с ошибками 1"),
        "{text}"
    );
    assert!(!text.contains("notes.txt"));
    let en = run(&["--lang", "en", "validate", p(&dir)], &[]);
    assert!(
        stdout(&en).contains("Files: 2, valid 1, invalid 1"),
        "{}",
        stdout(&en)
    );
    let v = json(&run(&["--json", "validate", p(&dir)], &[]));
    assert_eq!(v["invalid"], 1);
    assert_eq!(v["files"][1]["valid"], false);
    std::fs::remove_file(dir.join("b-bad.json")).expect("rm");
    let ok = run(&["validate", p(&dir)], &[]);
    assert!(ok.status.success(), "{}", stdout(&ok));
}

#[test]
fn queue_add_takes_many_files_and_splits_a_large_cart() {
    let dir = scratch("batch");
    let cfg = atol_config(&dir, "http://127.0.0.1:9/possystem/v5/");
    let db = dir.join("shop.db");
    let (c, d) = (p(&cfg), p(&db));
    let r = std::fs::read_to_string(atol_receipt()).expect("r");
    let (f1, f2) = (dir.join("order-7.json"), dir.join("order-8.json"));
    std::fs::write(&f1, &r).expect("w");
    std::fs::write(&f2, &r).expect("w");
    let o = run_pw(&[
        "--json",
        "queue",
        "--config",
        c,
        "--db",
        d,
        "add",
        p(&f1),
        p(&f2),
        "--key-prefix",
        "shop-",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["stored"], 2);
    assert_eq!(v["entries"][0]["key"], "shop-order-7");
    assert_eq!(v["entries"][1]["key"], "shop-order-8");
    // A file that is an enqueue request (`{"key", "receipt"}`) names its own key.
    let req = dir.join("request.json");
    std::fs::write(
        &req,
        format!(r#"{{"key": "req-77", "receipt": {r}, "route": "atol"}}"#),
    )
    .expect("w");
    let f4 = dir.join("order-11.json");
    std::fs::write(&f4, &r).expect("w");
    let o = run_pw(&[
        "--json",
        "queue",
        "--config",
        c,
        "--db",
        d,
        "add",
        p(&req),
        p(&f4),
        "--key-prefix",
        "shop-",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["entries"][0]["key"], "req-77");
    assert_eq!(v["entries"][1]["key"], "shop-order-11");
    // A file of many that is not a receipt is named.
    let odd = dir.join("odd.json");
    std::fs::write(&odd, r.replacen('{', r#"{"colour": "red", "#, 1)).expect("w");
    for lang in ["ru", "en"] {
        let o = run_pw(&[
            "--lang",
            lang,
            "queue",
            "--config",
            c,
            "--db",
            d,
            "add",
            p(&f4),
            p(&odd),
        ]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("{}: [", odd.display())) && stderr(&o).contains("colour"),
            "{}",
            stderr(&o)
        );
    }
    // --key names one receipt.
    for (lang, want) in [
        (
            "ru",
            "--key называет один чек; для нескольких файлов укажите --key-prefix",
        ),
        (
            "en",
            "--key names one receipt; for several files give --key-prefix",
        ),
    ] {
        let o = run_pw(&[
            "--lang",
            lang,
            "queue",
            "--config",
            c,
            "--db",
            d,
            "add",
            p(&f1),
            p(&f2),
            "--key",
            "x",
        ]);
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains(want), "{}", stderr(&o));
    }
    // One invalid file in a batch: nothing stored, the file named.
    let bad = dir.join("order-9.json");
    std::fs::write(
        &bad,
        r.replace("\"total\": \"5651.95\"", "\"total\": \"1.00\""),
    )
    .expect("w");
    let f3 = dir.join("order-10.json");
    std::fs::write(&f3, &r).expect("w");
    for (lang, want) in [
        (
            "ru",
            "1 из 2 чеков не прошли проверку; в очередь ничего не записано",
        ),
        ("en", "1 of 2 receipts are invalid; nothing was enqueued"),
    ] {
        let o = run_pw(&[
            "--lang",
            lang,
            "queue",
            "--config",
            c,
            "--db",
            d,
            "add",
            p(&f3),
            p(&bad),
        ]);
        assert_eq!(o.status.code(), Some(1));
        assert!(stderr(&o).contains(want), "{}", stderr(&o));
        assert!(stdout(&o).contains("order-9.json"), "{}", stdout(&o));
    }
    let o = run(&["--json", "queue", "--db", d, "show", "order-10"], &[]);
    assert_eq!(o.status.code(), Some(1));
    // The big cart, split for ATOL (100 items a receipt) into <key>-n.
    let cart = format!("{ROOT}/examples/data/big_cart.json");
    let o = run_pw(&[
        "--json", "queue", "--config", c, "--db", d, "add", &cart, "--key", "cart-1", "--split",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["stored"], 3, "{v}");
    for (i, e) in v["entries"].as_array().expect("entries").iter().enumerate() {
        assert_eq!(e["key"], format!("cart-1-{}", i + 1));
    }
    // The same parts as files.
    let parts = dir.join("parts");
    let o = run(
        &[
            "split",
            &cart,
            "--key",
            "cart-1",
            "--provider",
            "atol",
            "--out",
            p(&parts),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&format!("Части записаны в {}: 3", parts.display())),
        "{}",
        stdout(&o)
    );
    let mut total = 0;
    for i in 1..=3 {
        let f = parts.join(format!("cart-1-{i}.json"));
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(&f).expect("part")).expect("json");
        let stored = stdout(&run(
            &["queue", "--db", d, "render", &format!("cart-1-{i}")],
            &[],
        ));
        let want = format!("={}", v["total"].as_str().expect("total"));
        assert!(
            stored.contains(&want),
            "part {i}: {want} missing:\n{stored}"
        );
        total += kopecks(v["total"].as_str().expect("total"));
        let o = run(&["validate", p(&f)], &[]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let cart_v: Value =
        serde_json::from_str(&std::fs::read_to_string(&cart).expect("cart")).expect("json");
    assert_eq!(total, kopecks(cart_v["total"].as_str().expect("total")));
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
