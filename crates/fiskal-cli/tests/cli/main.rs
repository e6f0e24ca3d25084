//! The `fiskal` binary as a user runs it: output, `--json`, exit codes.
//!
//! (Split by concern: the queue and its journal in `queue`; the one-shot commands here.)

mod queue;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_fiskal");
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn fiskal(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run fiskal")
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
        .join(format!("cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("mkdir");
    d
}

/// Asks `probe` again every 20 ms until it answers `Ok`, for at most 30 s; then fails naming
/// `what` and the last answer (an `Err`). For waiting on a condition instead of a fixed sleep.
fn poll_until<T>(what: &str, mut probe: impl FnMut() -> Result<T, String>) -> T {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        match probe() {
            Ok(v) => return v,
            Err(last) => assert!(
                std::time::Instant::now() < deadline,
                "{what}: not within 30 s; last: {last}"
            ),
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

fn sample() -> String {
    format!("{ROOT}/examples/data/receipt_1_2.json")
}

#[test]
fn the_demo_fiscalises_every_sample_exactly_once() {
    let o = fiskal(&["--json", "demo"]);
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    let v = json(&o);
    let receipts = v["receipts"].as_array().expect("receipts");
    assert!(receipts.len() >= 10, "{v}");
    let routes: std::collections::HashSet<&str> = receipts
        .iter()
        .filter_map(|r| r["route"].as_str())
        .collect();
    for r in [
        "atol_v4",
        "atol_v5",
        "orange",
        "business_ru",
        "ferma",
        "komtet",
        "modulkassa",
    ] {
        assert!(routes.contains(r), "no receipt through {r}");
    }
    for r in receipts {
        assert_eq!(r["state"], "done", "{r}");
        assert_eq!(r["fiscalised_at_provider"], 1, "{r}");
        assert!(r["qr"].as_str().is_some_and(|q| q.starts_with("t=")), "{r}");
    }
    // The 500-item cart was split into parts of at most 100 items (ATOL's limit).
    let parts = receipts
        .iter()
        .filter(|r| {
            r["key"]
                .as_str()
                .is_some_and(|k| k.starts_with("demo-cart500-"))
        })
        .count();
    assert_eq!(parts, 5);
    // The МодульКасса refund sent while the register was offline waited at the service and was
    // fiscalised under its first document id: never sent again under a new one.
    let offline = receipts
        .iter()
        .find(|r| r["key"] == "demo-mk-refund")
        .expect("the offline-register receipt");
    assert_eq!(offline["route"], "modulkassa", "{offline}");
    assert_eq!(offline["document_id"], "demo-mk-refund-1", "{offline}");
}

#[test]
fn the_demo_speaks_russian_by_default_and_english_on_request() {
    let ru = fiskal(&["demo"]);
    assert!(ru.status.success(), "{}", stderr(&ru));
    assert!(
        stdout(&ru).contains("пробиты ровно один раз"),
        "{}",
        stdout(&ru)
    );
    let en = fiskal(&["--lang", "en", "demo"]);
    assert!(en.status.success(), "{}", stderr(&en));
    assert!(
        stdout(&en).contains("fiscalised exactly once"),
        "{}",
        stdout(&en)
    );
    // The offline МодульКасса register: the document was seen waiting for it, then done.
    assert!(
        stdout(&en).contains(
            "document demo-mk-refund-1 waits in МодульКасса's queue for the register \
             (QUEUED, waiting_for_register)"
        ),
        "{}",
        stdout(&en)
    );
}

#[test]
fn the_emulator_command_names_every_provider() {
    let help = fiskal(&["--lang", "en", "emulator", "--help"]);
    assert!(help.status.success(), "{}", stderr(&help));
    // Without a provider: the help on stderr, exit 2 (a command line that does not parse).
    let usage = fiskal(&["emulator"]);
    assert_eq!(usage.status.code(), Some(2), "{}", stderr(&usage));
    let emulator = fiskal_emulator::cli::command();
    let providers: Vec<&clap::Command> = emulator.get_subcommands().collect();
    assert_eq!(providers.len(), 6);
    for p in providers {
        let about = p.get_about().map(ToString::to_string).unwrap_or_default();
        for (what, text) in [("--help", stdout(&help)), ("usage", stderr(&usage))] {
            assert!(
                text.lines()
                    .any(|l| l.trim_start().starts_with(p.get_name()) && l.contains(&about)),
                "`fiskal emulator` {what} does not list {} ({about}): {text}",
                p.get_name()
            );
        }
        // Each provider's options, with the emulator's own help texts.
        let sub = fiskal(&["--lang", "en", "emulator", p.get_name(), "--help"]);
        assert!(sub.status.success(), "{}", stderr(&sub));
        for a in p
            .get_arguments()
            .filter(|a| a.get_long().is_some_and(|l| l != "help"))
        {
            let long = format!("--{}", a.get_long().unwrap_or_default());
            let text = a.get_help().map(ToString::to_string).unwrap_or_default();
            assert!(
                stdout(&sub).contains(&long) && stdout(&sub).contains(&text),
                "`fiskal emulator {} --help` lacks {long} {text}: {}",
                p.get_name(),
                stdout(&sub)
            );
        }
    }
}

#[test]
fn validate_says_what_is_wrong_and_exits_1() {
    let ok = fiskal(&["validate", &sample()]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("Чек корректен"));

    let dir = scratch("validate");
    let bad = dir.join("bad.json");
    let text = std::fs::read_to_string(sample())
        .expect("sample")
        .replace("7701000001", "7701000002");
    std::fs::write(&bad, text).expect("write");
    let o = fiskal(&["validate", bad.to_str().expect("path")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("company.inn"), "{}", stderr(&o));
    let o = fiskal(&["--json", "validate", bad.to_str().expect("path")]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(v["error"]["exit_code"], 1);
    assert_eq!(v["error"]["details"][0]["path"], "company.inn");
    let missing = fiskal(&["validate", "/nonexistent/receipt.json"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn tlv_encode_then_decode_round_trips() {
    let dir = scratch("tlv");
    let bin = dir.join("receipt.tlv");
    let o = fiskal(&[
        "tlv",
        "encode",
        &sample(),
        "--format",
        "bin",
        "--out",
        bin.to_str().expect("p"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let hex = fiskal(&["--json", "tlv", "encode", &sample()]);
    let v = json(&hex);
    let bytes = std::fs::read(&bin).expect("tlv");
    assert_eq!(
        v["size"].as_u64(),
        Some(u64::try_from(bytes.len()).expect("len"))
    );
    assert_eq!(
        v["hex"].as_str().map(str::to_lowercase),
        Some(hex::encode(&bytes))
    );
    let d = fiskal(&["tlv", "decode", bin.to_str().expect("p"), "--format", "bin"]);
    assert!(d.status.success(), "{}", stderr(&d));
    assert!(stdout(&d).contains("ИНН пользователя"), "{}", stdout(&d));
    let garbage = dir.join("garbage.hex");
    std::fs::write(&garbage, "0300ff").expect("write");
    let g = fiskal(&["tlv", "decode", garbage.to_str().expect("p")]);
    assert_eq!(g.status.code(), Some(1), "{}", stderr(&g));
}

#[test]
fn mark_prints_every_form() {
    let scan = "0104601234567893215Abc000000001\u{1d}93abcd";
    let o = fiskal(&["mark", scan]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("04601234567893"), "{out}");
    assert!(out.contains("1162"), "{out}");
    let j = json(&fiskal(&["--json", "mark", scan]));
    assert_eq!(j["gtin"], "04601234567893");
    let bad = fiskal(&["mark", "not a mark"]);
    assert_eq!(bad.status.code(), Some(1));
}

#[test]
fn split_respects_the_provider_limits() {
    let dir = scratch("split");
    let mut cart: Value =
        serde_json::from_str(&std::fs::read_to_string(sample()).expect("sample")).expect("json");
    let item = cart["items"][1].clone();
    let mut items = Vec::new();
    for _ in 0..150 {
        items.push(item.clone());
    }
    cart["items"] = Value::Array(items);
    cart["total"] = Value::String("89955.00".into());
    cart["payments"] = serde_json::json!({"electronic": "89955.00"});
    let f = dir.join("cart.json");
    std::fs::write(&f, cart.to_string()).expect("write");
    let o = fiskal(&[
        "--json",
        "split",
        f.to_str().expect("p"),
        "--key",
        "o-1",
        "--provider",
        "atol",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["count"], 2);
    assert_eq!(v["parts"][0]["key"], "o-1-1");
}

fn write_config(dir: &Path, base_url: &str) -> PathBuf {
    let p = dir.join("fiskal.toml");
    std::fs::write(
        &p,
        format!(
            r#"default_route = "atol"

[routes.atol.provider]
provider = "atol"
api = "v5"
preset = "test"
base_url = "{base_url}"
password = {{ env = "FISKAL_CLI_TEST_ATOL_PASSWORD" }}
"#
        ),
    )
    .expect("config");
    p
}

#[test]
fn config_check_names_what_is_missing() {
    let dir = scratch("config");
    let cfg = write_config(&dir, "http://127.0.0.1:9/possystem/v5/");
    let o = Command::new(BIN)
        .args(["config", "check", cfg.to_str().expect("p")])
        .env_remove("FISKAL_CLI_TEST_ATOL_PASSWORD")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("routes.atol.provider.password"), "{err}");
    assert!(err.contains("FISKAL_CLI_TEST_ATOL_PASSWORD"), "{err}");
    let o = Command::new(BIN)
        .args(["config", "check", cfg.to_str().expect("p")])
        .env("FISKAL_CLI_TEST_ATOL_PASSWORD", "zUr0OxfI")
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stdout(&o).contains("zUr0OxfI"), "secrets never printed");
    // A password written into the file itself is refused, without echoing it.
    let inline = dir.join("inline.toml");
    let text = std::fs::read_to_string(&cfg).expect("config").replace(
        "{ env = \"FISKAL_CLI_TEST_ATOL_PASSWORD\" }",
        "\"zUr0OxfI\"",
    );
    std::fs::write(&inline, text).expect("write");
    let o = fiskal(&["config", "check", inline.to_str().expect("p")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("routes.atol.provider.password"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("zUr0OxfI"));
}

#[test]
fn render_prints_a_receipt_and_writes_the_qr_code() {
    let dir = scratch("render");
    let fiscal = dir.join("fiscal.json");
    std::fs::write(
        &fiscal,
        r#"{"fn_number":"7380440700076549","fd_number":4127,"fiscal_sign":2915739404,
            "shift_number":86,"receipt_number":17,"date_time":"2026-03-02T10:15:00",
            "kkt_reg_number":"0001234567012345","ofd_inn":"7812345675","receipt_url":null,
            "total":"5939.70","operation":"sell"}"#,
    )
    .expect("fiscal");
    let png = dir.join("qr.png");
    let o = fiskal(&[
        "render",
        &sample(),
        "--fiscal",
        fiscal.to_str().expect("p"),
        "--qr-png",
        png.to_str().expect("p"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for want in [
        "КАССОВЫЙ ЧЕК",
        "ПРИХОД",
        "ИТОГ",
        "=5939.70",
        "ФД 4127",
        "ФП 2915739404",
    ] {
        assert!(text.contains(want), "{want} missing:\n{text}");
    }
    let bytes = std::fs::read(&png).expect("png");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let html = fiskal(&["render", &sample(), "--format", "html", "--width", "48"]);
    assert!(html.status.success());
    assert!(stdout(&html).contains("<html"), "{}", stdout(&html));
    assert!(stdout(&html).contains("ЧЕК НЕ ФИСКАЛИЗИРОВАН"));
    let bad = fiskal(&["render", &sample(), "--width", "40"]);
    assert_eq!(bad.status.code(), Some(2));
}

/// Runs `fiskal` with the test password in the environment.
fn fiskal_env(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("FISKAL_CLI_TEST_ATOL_PASSWORD", "zUr0OxfI")
        .stdin(Stdio::null())
        .output()
        .expect("run fiskal")
}

#[test]
fn validation_details_print_each_violation_code_in_both_languages() {
    let dir = scratch("codes");
    let mut r: Value =
        serde_json::from_str(&std::fs::read_to_string(sample()).expect("sample")).expect("json");
    r["company"]["inn"] = Value::String("7701000002".into());
    let f = dir.join("bad.json");
    std::fs::write(&f, r.to_string()).expect("write");
    let f = f.to_str().expect("p");
    let ru = fiskal(&["validate", f]);
    assert_eq!(ru.status.code(), Some(1));
    assert!(
        stderr(&ru).contains("  company.inn: [2007] неверный ИНН: не сходится контрольное число"),
        "{}",
        stderr(&ru)
    );
    let en = fiskal(&["--lang", "en", "validate", f]);
    assert!(
        stderr(&en).contains("  company.inn: [2007] is not a valid INN: check digit mismatch"),
        "{}",
        stderr(&en)
    );
    assert!(!stderr(&ru).contains("[null]") && !stderr(&en).contains("[null]"));
}

#[test]
fn status_without_provider_id_says_what_is_missing() {
    let dir = scratch("status");
    let cfg = write_config(&dir, "http://127.0.0.1:9/possystem/v5/");
    let c = cfg.to_str().expect("p");
    let ru = fiskal_env(&["status", "--config", c, "--document-id", "order-1-1"]);
    assert_eq!(ru.status.code(), Some(2), "{}", stderr(&ru));
    assert!(
        stderr(&ru).contains(
            "ищет документ только по своему идентификатору (uuid): укажите --provider-id"
        ),
        "{}",
        stderr(&ru)
    );
    let en = fiskal_env(&[
        "--lang",
        "en",
        "status",
        "--config",
        c,
        "--document-id",
        "order-1-1",
    ]);
    assert!(
        stderr(&en).contains("looks a document up only by its own id (uuid): give --provider-id"),
        "{}",
        stderr(&en)
    );
    assert!(!stderr(&en).contains("cannot be sent"), "{}", stderr(&en));
}

#[test]
fn help_is_in_the_language_asked_for() {
    let ru = fiskal(&["--help"]);
    assert!(ru.status.success());
    let text = stdout(&ru);
    for want in [
        "Использование: fiskal",
        "Проверить чек (JSON)",
        "Показать справку",
        "Коды выхода:",
        "4  сбой хранилища очереди",
    ] {
        assert!(text.contains(want), "{want:?} missing:\n{text}");
    }
    assert!(!text.contains("Validate a receipt"), "{text}");
    let en = stdout(&fiskal(&["--lang", "en", "--help"]));
    for want in [
        "Usage: fiskal",
        "Validate a receipt (JSON file, `-` for stdin)",
        "Exit codes:",
        "4  outbox storage failed",
    ] {
        assert!(en.contains(want), "{want:?} missing:\n{en}");
    }
    assert!(!en.contains("Проверить чек"), "{en}");
    // Option help of a subcommand, with --lang anywhere on the line.
    let ru = stdout(&fiskal(&["queue", "add", "--help"]));
    assert!(
        ru.contains("Ключ идемпотентности (заказ + операция + часть)"),
        "{ru}"
    );
    let en = stdout(&fiskal(&["queue", "add", "--help", "--lang", "en"]));
    assert!(
        en.contains("The idempotency key (order + operation + part)"),
        "{en}"
    );
    assert!(!en.contains("Ключ идемпотентности"), "{en}");
}

#[test]
fn render_honours_json() {
    let o = fiskal(&["--json", "render", &sample()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["format"], "text");
    assert!(
        v["document"].as_str().is_some_and(|d| d.contains("ИТОГ")),
        "{v}"
    );
}

#[test]
fn usage_errors_honour_json_and_say_what_kind_in_russian() {
    let o = fiskal(&["--json", "queue", "add", "--config", "c.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let v = json(&o);
    assert_eq!(v["error"]["exit_code"], 2);
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("<FILES>")),
        "{v}"
    );
    let ru = fiskal(&["queue", "add", "x.json", "--bogus"]);
    assert_eq!(ru.status.code(), Some(2));
    assert!(
        stderr(&ru).starts_with("fiskal: неизвестный параметр"),
        "{}",
        stderr(&ru)
    );
    let en = fiskal(&["--lang", "en", "queue", "add", "x.json", "--bogus"]);
    assert!(
        stderr(&en).starts_with("error: unexpected argument '--bogus'"),
        "{}",
        stderr(&en)
    );
}
