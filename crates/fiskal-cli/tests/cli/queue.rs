//! `fiskal queue` and `fiskal worker`: against the emulator, options around the subcommand, the
//! journal's folder and permissions, operator actions, errors in both languages.

use super::*;

#[test]
fn queue_and_worker_against_the_emulator() {
    let emu = fiskal_emulator::atol::BackgroundAtol::start(
        fiskal_emulator::atol::AtolConfig::default()
            .with_processing_delay(std::time::Duration::from_millis(50)),
    )
    .expect("emulator");
    let dir = scratch("queue");
    let cfg = write_config(&dir, &emu.base_url_v5());
    let db = dir.join("outbox.db");
    let receipt = format!("{ROOT}/crates/fiskal-outbox/tests/fixtures/receipt_sell_v5.json");
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .env("FISKAL_CLI_TEST_ATOL_PASSWORD", "zUr0OxfI")
            .output()
            .expect("run")
    };
    let (c, d) = (cfg.to_str().expect("p"), db.to_str().expect("p"));
    let add = run(&[
        "queue", "--config", c, "--db", d, "add", &receipt, "--key", "cli-1",
    ]);
    assert!(add.status.success(), "{}", stderr(&add));
    let again = run(&[
        "--json", "queue", "--config", c, "--db", d, "add", &receipt, "--key", "cli-1",
    ]);
    assert_eq!(json(&again)["created"], false);
    let w = run(&["worker", "--config", c, "--db", d, "--until-settled"]);
    assert!(w.status.success(), "{}\n{}", stdout(&w), stderr(&w));
    let show = run(&["--json", "queue", "--config", c, "--db", d, "show", "cli-1"]);
    let v = json(&show);
    assert_eq!(v["state"], "done");
    assert!(v["audit"].as_array().is_some_and(|a| a.len() >= 4));
    let stats = run(&["--json", "queue", "--config", c, "--db", d, "stats"]);
    assert_eq!(json(&stats)["last_hour"]["done"], 1);
    // Latency for people: a duration with its unit, never Rust's `Some(…)`.
    for (lang, want) in [("ru", "задержка p50 "), ("en", "latency p50 ")] {
        let text = stdout(&run(&[
            "--lang", lang, "queue", "--config", c, "--db", d, "stats",
        ]));
        let line = text
            .lines()
            .find(|l| l.contains(want))
            .unwrap_or_else(|| panic!("no latency line:\n{text}"));
        assert!(!line.contains("Some(") && !line.contains("None"), "{line}");
        let unit = if lang == "ru" { " мс" } else { " ms" };
        let unit_s = if lang == "ru" { " с" } else { " s" };
        assert!(line.contains(unit) || line.contains(unit_s), "{line}");
    }
    let rec = run(&["--json", "queue", "--config", c, "--db", d, "reconcile"]);
    assert!(rec.status.success(), "{}", stdout(&rec));
    assert_eq!(json(&rec)["matched"], 1);
    assert_eq!(emu.journal().fiscalised_count("cli-1-1"), 1);
    // Direct send and status.
    let send = run(&[
        "--json",
        "send",
        "--config",
        c,
        "--document-id",
        "cli-direct-1",
        &receipt,
    ]);
    assert!(send.status.success(), "{}", stderr(&send));
    let id = json(&send)["provider_id"]
        .as_str()
        .expect("uuid")
        .to_owned();
    // Pending until the emulator has fiscalised it, then done.
    poll_until("status of cli-direct-1 done", || {
        let st = run(&[
            "--json",
            "status",
            "--config",
            c,
            "--document-id",
            "cli-direct-1",
            "--provider-id",
            &id,
        ]);
        let v = json(&st);
        assert!(st.status.success(), "{v} {}", stderr(&st));
        match v["outcome"].as_str() {
            Some("done") => Ok(()),
            Some("pending") => Err(v.to_string()),
            _ => panic!("neither pending nor done: {v}"),
        }
    });
}

#[test]
fn queue_options_work_before_or_after_the_subcommand() {
    let dir = scratch("options");
    let cfg = write_config(&dir, "http://127.0.0.1:9/possystem/v5/");
    let db = dir.join("outbox.db");
    let (c, d) = (cfg.to_str().expect("p"), db.to_str().expect("p"));
    let receipt = format!("{ROOT}/examples/data/receipt_atol_v5.json");
    let after = fiskal_env(&[
        "--json", "queue", "add", &receipt, "--key", "opt-1", "--config", c, "--db", d,
    ]);
    assert!(after.status.success(), "{}", stderr(&after));
    assert_eq!(json(&after)["created"], true);
    let mixed = fiskal_env(&["--json", "queue", "--db", d, "show", "opt-1", "--config", c]);
    assert!(mixed.status.success(), "{}", stderr(&mixed));
    assert_eq!(json(&mixed)["state"], "queued");
    // Without --config, a command that writes says what is missing and where it may go.
    let ru = fiskal_env(&["queue", "add", &receipt, "--key", "opt-2", "--db", d]);
    assert_eq!(ru.status.code(), Some(2));
    assert!(
        stderr(&ru)
            .contains("`fiskal queue` требует --config: его можно указать до или после подкоманды"),
        "{}",
        stderr(&ru)
    );
    let en = fiskal_env(&[
        "--lang", "en", "queue", "add", &receipt, "--key", "opt-2", "--db", d,
    ]);
    assert!(
        stderr(&en)
            .contains("`fiskal queue` needs --config: give it before or after the subcommand"),
        "{}",
        stderr(&en)
    );
}

#[test]
fn a_journal_in_a_missing_folder_is_a_storage_error_that_names_the_folder() {
    let dir = scratch("nofolder");
    let cfg = write_config(&dir, "http://127.0.0.1:9/possystem/v5/");
    let missing = dir.join("no-such-folder");
    let db = missing.join("outbox.db");
    let (c, d) = (cfg.to_str().expect("p"), db.to_str().expect("p"));
    let receipt = format!("{ROOT}/examples/data/receipt_atol_v5.json");
    let m = missing.display();
    for (lang, want) in [
        ("ru", format!("папки {m} нет; создайте её (mkdir -p {m})")),
        (
            "en",
            format!("the folder {m} does not exist; create it (mkdir -p {m})"),
        ),
    ] {
        for args in [
            vec!["--lang", lang, "queue", "--config", c, "--db", d, "stats"],
            vec![
                "--lang", lang, "queue", "--config", c, "--db", d, "add", &receipt, "--key", "k",
            ],
            vec![
                "--lang",
                lang,
                "worker",
                "--config",
                c,
                "--db",
                d,
                "--until-settled",
            ],
        ] {
            let o = fiskal_env(&args);
            assert_eq!(o.status.code(), Some(4), "{args:?}: {}", stderr(&o));
            assert!(stderr(&o).contains(&want), "{args:?}: {}", stderr(&o));
        }
    }
    assert!(!missing.exists(), "nothing is created");
}

#[test]
fn a_journal_that_cannot_be_written_can_still_be_read() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("readonly");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let cfg = write_config(&dir, "http://127.0.0.1:9/possystem/v5/");
    let jdir = dir.join("journal");
    std::fs::create_dir(&jdir).expect("mkdir");
    let db = jdir.join("outbox.db");
    let (c, d) = (cfg.to_str().expect("p"), db.to_str().expect("p"));
    let receipt = format!("{ROOT}/examples/data/receipt_atol_v5.json");
    let add = fiskal_env(&[
        "queue", "--config", c, "--db", d, "add", &receipt, "--key", "ro-1",
    ]);
    assert!(add.status.success(), "{}", stderr(&add));
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    std::fs::set_permissions(&jdir, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    // Permissions do not bind root: then the commands run as `nobody`.
    let privileged = std::fs::write(jdir.join("probe"), b"").is_ok();
    let run = |args: &[&str]| {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env("FISKAL_CLI_TEST_ATOL_PASSWORD", "zUr0OxfI")
            .stdin(Stdio::null());
        if privileged {
            use std::os::unix::process::CommandExt;
            cmd.uid(65534).gid(65534);
        }
        cmd.output().expect("run fiskal")
    };
    let show = run(&["--json", "queue", "--config", c, "--db", d, "show", "ro-1"]);
    assert!(show.status.success(), "{}", stderr(&show));
    assert_eq!(json(&show)["state"], "queued");
    let list = run(&["--json", "queue", "--config", c, "--db", d, "list"]);
    assert!(list.status.success(), "{}", stderr(&list));
    let stats = run(&["queue", "--config", c, "--db", d, "stats"]);
    assert!(stats.status.success(), "{}", stderr(&stats));
    for (lang, want) in [
        ("ru", "файл нельзя открыть на запись"),
        ("en", "the file cannot be opened for writing"),
    ] {
        let add = run(&[
            "--lang", lang, "queue", "--config", c, "--db", d, "add", &receipt, "--key", "ro-2",
        ]);
        assert_eq!(add.status.code(), Some(4), "{}", stderr(&add));
        assert!(stderr(&add).contains(want), "{}", stderr(&add));
    }
    // A new journal in a folder that cannot be written: which folder, and why.
    let new_db = jdir.join("new.db");
    let n = new_db.to_str().expect("p");
    for (lang, want) in [
        (
            "ru",
            format!("нельзя создать файл в папке {}", jdir.display()),
        ),
        (
            "en",
            format!("cannot create a file in the folder {}", jdir.display()),
        ),
    ] {
        let o = run(&["--lang", lang, "queue", "--config", c, "--db", n, "stats"]);
        assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
        assert!(stderr(&o).contains(&want), "{}", stderr(&o));
    }
    std::fs::set_permissions(&jdir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[test]
fn errors_of_the_queue_and_files_are_in_both_languages() {
    let dir = scratch("errors");
    let cfg = write_config(&dir, "http://127.0.0.1:9/possystem/v5/");
    let db = dir.join("outbox.db");
    let (c, d) = (cfg.to_str().expect("p"), db.to_str().expect("p"));
    let ru = fiskal_env(&[
        "queue", "--config", c, "--db", d, "list", "--state", "bogus",
    ]);
    assert_eq!(ru.status.code(), Some(2));
    assert!(
        stderr(&ru).contains("нет состояния \"bogus\"; есть: queued"),
        "{}",
        stderr(&ru)
    );
    let en = fiskal_env(&[
        "--lang", "en", "queue", "--config", c, "--db", d, "list", "--state", "bogus",
    ]);
    assert!(
        stderr(&en).contains("no state \"bogus\"; the states: queued"),
        "{}",
        stderr(&en)
    );
    let missing = dir.join("missing.json");
    let m = missing.to_str().expect("p");
    let ru = fiskal(&["validate", m]);
    assert!(
        stderr(&ru).contains(&format!("{m}: файл не найден")),
        "{}",
        stderr(&ru)
    );
    let en = fiskal(&["--lang", "en", "validate", m]);
    assert!(
        stderr(&en).contains(&format!("{m}: no such file")),
        "{}",
        stderr(&en)
    );
    // A receipt the outbox refuses: the summary and every violation in the language asked for.
    let mut r: Value =
        serde_json::from_str(&std::fs::read_to_string(sample()).expect("sample")).expect("json");
    r["total"] = Value::String("1.00".into());
    let bad = dir.join("bad.json");
    std::fs::write(&bad, r.to_string()).expect("write");
    let b = bad.to_str().expect("p");
    let ru = fiskal_env(&[
        "queue", "--config", c, "--db", d, "add", b, "--key", "bad-1",
    ]);
    assert_eq!(ru.status.code(), Some(1), "{}", stderr(&ru));
    assert!(
        stderr(&ru).contains("чек не прошёл проверку"),
        "{}",
        stderr(&ru)
    );
    assert!(stderr(&ru).contains("  total: [2019] "), "{}", stderr(&ru));
    let en = fiskal_env(&[
        "--lang", "en", "queue", "--config", c, "--db", d, "add", b, "--key", "bad-1",
    ]);
    assert!(stderr(&en).contains("invalid receipt"), "{}", stderr(&en));
    assert!(!stderr(&en).contains("чек не прошёл"), "{}", stderr(&en));
    let receipt = format!("{ROOT}/examples/data/receipt_atol_v5.json");
    let ru = fiskal_env(&[
        "queue", "--config", c, "--db", d, "add", &receipt, "--key", "bad key",
    ]);
    assert_eq!(ru.status.code(), Some(1), "{}", stderr(&ru));
    assert!(
        stderr(&ru).contains("неверный ключ \"bad key\""),
        "{}",
        stderr(&ru)
    );
    let en = fiskal_env(&[
        "--lang", "en", "queue", "--config", c, "--db", d, "add", &receipt, "--key", "bad key",
    ]);
    assert!(
        stderr(&en).contains("invalid key \"bad key\""),
        "{}",
        stderr(&en)
    );
}

#[test]
fn queue_requeue_and_cancel_with_a_reason_in_both_languages() {
    let dir = scratch("operator");
    let cfg = write_config(&dir, "http://127.0.0.1:9/possystem/v5/");
    let db = dir.join("outbox.db");
    let (c, d) = (cfg.to_str().expect("p"), db.to_str().expect("p"));
    let receipt = format!("{ROOT}/examples/data/receipt_atol_v5.json");
    for key in ["op-1", "op-2"] {
        let o = fiskal_env(&[
            "queue", "--config", c, "--db", d, "add", &receipt, "--key", key,
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    // Queued: it goes out by itself; a requeue is refused, naming the state, exit 1.
    let ru = fiskal_env(&[
        "queue",
        "--config",
        c,
        "--db",
        d,
        "requeue",
        "op-1",
        "--reason",
        "ещё раз",
    ]);
    assert_eq!(ru.status.code(), Some(1), "{}", stderr(&ru));
    assert!(
        stderr(&ru).contains("в состоянии queued: запись уже ждёт отправки"),
        "{}",
        stderr(&ru)
    );
    let en = fiskal_env(&[
        "--lang", "en", "queue", "--config", c, "--db", d, "requeue", "op-1", "--reason", "again",
    ]);
    assert_eq!(en.status.code(), Some(1));
    assert!(
        stderr(&en).contains("in state queued: it is waiting to be sent already"),
        "{}",
        stderr(&en)
    );
    // Cancel, with who and why in the audit trail.
    let ru = fiskal_env(&[
        "queue",
        "--config",
        c,
        "--db",
        d,
        "cancel",
        "op-1",
        "--reason",
        "покупатель ушёл",
        "--who",
        "Анна",
    ]);
    assert!(ru.status.success(), "{}", stderr(&ru));
    assert!(
        stdout(&ru).contains("Чек op-1 отменён и не будет отправлен."),
        "{}",
        stdout(&ru)
    );
    let show = fiskal_env(&["--json", "queue", "--config", c, "--db", d, "show", "op-1"]);
    let v = json(&show);
    assert_eq!(v["state"], "cancelled");
    let last = v["audit"]
        .as_array()
        .and_then(|a| a.last())
        .cloned()
        .expect("audit");
    assert_eq!(last["reason"], "operator_cancel");
    assert_eq!(last["who"], "Анна");
    assert_eq!(last["note"], "покупатель ушёл");
    let en = fiskal_env(&[
        "--lang",
        "en",
        "--json",
        "queue",
        "--config",
        c,
        "--db",
        d,
        "cancel",
        "op-2",
        "--reason",
        "duplicate order",
    ]);
    assert!(en.status.success(), "{}", stderr(&en));
    assert_eq!(json(&en)["state"], "cancelled");
    let en = fiskal_env(&[
        "--lang", "en", "queue", "--config", c, "--db", d, "cancel", "op-2", "--reason", "again",
    ]);
    assert_eq!(en.status.code(), Some(1));
    assert!(
        stderr(&en).contains("it is cancelled already"),
        "{}",
        stderr(&en)
    );
    // An empty reason names the field.
    let ru = fiskal_env(&[
        "queue", "--config", c, "--db", d, "requeue", "op-2", "--reason", " ",
    ]);
    assert_eq!(ru.status.code(), Some(1));
    assert!(stderr(&ru).contains("«reason»: пусто"), "{}", stderr(&ru));
    let list = fiskal_env(&[
        "--json",
        "queue",
        "--config",
        c,
        "--db",
        d,
        "list",
        "--state",
        "cancelled",
    ]);
    assert!(list.status.success(), "{}", stderr(&list));
    assert_eq!(json(&list)["entries"].as_array().map(Vec::len), Some(2));
}

#[test]
fn queue_resolve_marks_a_stuck_receipt_done_by_hand() {
    use fiskal_outbox::{Config, Event, SqliteStore, State, Store, Timestamp};
    let dir = scratch("resolve");
    let cfg = write_config(&dir, "http://127.0.0.1:9/possystem/v5/");
    let db = dir.join("outbox.db");
    let (c, d) = (cfg.to_str().expect("p"), db.to_str().expect("p"));
    let receipt = format!("{ROOT}/examples/data/receipt_atol_v5.json");
    for key in ["rs-1", "rs-2"] {
        let o = fiskal_env(&[
            "queue", "--config", c, "--db", d, "add", &receipt, "--key", key,
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    // rs-1 stays queued past its deadline: stuck (written straight into the journal).
    let (total, operation) = {
        let s = SqliteStore::open(&db, Config::default()).expect("journal");
        let e = s.get("rs-1").expect("get").expect("entry");
        s.apply("rs-1", e.version, &Event::Deadline, Timestamp::now())
            .expect("stuck");
        let r = e.receipt().expect("receipt");
        (
            r.total.to_string(),
            r.operation.name().expect("known").to_owned(),
        )
    };
    let attrs = |total: &str| {
        serde_json::json!({
            "fn_number": "9999078900001234",
            "fd_number": 4321,
            "fiscal_sign": 2_911_446_123u32,
            "shift_number": 3,
            "receipt_number": 7,
            "date_time": "2026-03-02T10:15:42",
            "kkt_reg_number": null,
            "ofd_inn": null,
            "receipt_url": null,
            "total": total,
            "operation": operation,
        })
    };
    let good = dir.join("fiscal.json");
    std::fs::write(&good, attrs(&total).to_string()).expect("write");
    let wrong = dir.join("wrong.json");
    std::fs::write(&wrong, attrs("0.01").to_string()).expect("write");
    let (g, w) = (good.to_str().expect("p"), wrong.to_str().expect("p"));
    // `resolve KEY --reason REASON --fiscal FILE`, in English.
    let resolve_en = |key: &str, reason: &str, fiscal: &str| {
        fiskal_env(&[
            "--lang", "en", "queue", "--config", c, "--db", d, "resolve", key, "--reason", reason,
            "--fiscal", fiscal,
        ])
    };
    // Another total: refused before anything is written, naming the field and both values.
    let ru = fiskal_env(&[
        "queue",
        "--config",
        c,
        "--db",
        d,
        "resolve",
        "rs-1",
        "--reason",
        "нашли в ЛК ОФД",
        "--fiscal",
        w,
    ]);
    assert_eq!(ru.status.code(), Some(1), "{}", stderr(&ru));
    let err = stderr(&ru);
    assert!(
        err.contains("«fiscal.total»") && err.contains("0.01") && err.contains(&total),
        "{err}"
    );
    // A queued receipt moves by itself: refused, naming the state.
    let en = resolve_en("rs-2", "found", g);
    assert_eq!(en.status.code(), Some(1));
    assert!(
        stderr(&en).contains("in state queued: it moves by itself"),
        "{}",
        stderr(&en)
    );
    // Not JSON: says so, exit 1.
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\"fn_number\": 1").expect("write");
    let o = resolve_en("rs-1", "x", bad.to_str().expect("p"));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("the fiscal attributes cannot be read"),
        "{}",
        stderr(&o)
    );
    // A wrongly typed attribute: named with its path.
    let typed = dir.join("typed.json");
    let mut wrong: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&good).expect("read")).expect("json");
    wrong["fd_number"] = serde_json::json!("четыре");
    std::fs::write(&typed, wrong.to_string()).expect("write");
    let o = resolve_en("rs-1", "x", typed.to_str().expect("p"));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("the fiscal attributes cannot be read: fiscal.fd_number: invalid type"),
        "{}",
        stderr(&o)
    );
    // The stuck one, with the right attributes: done, who and why in the audit trail.
    let ru = fiskal_env(&[
        "--json",
        "queue",
        "--config",
        c,
        "--db",
        d,
        "resolve",
        "rs-1",
        "--reason",
        "нашли в ЛК ОФД",
        "--who",
        "Анна",
        "--fiscal",
        g,
    ]);
    assert!(ru.status.success(), "{}", stderr(&ru));
    let v = json(&ru);
    assert_eq!(v["state"], "done");
    assert_eq!(v["fiscal"]["fd_number"], 4321);
    let show = fiskal_env(&["--json", "queue", "--config", c, "--db", d, "show", "rs-1"]);
    let v = json(&show);
    assert_eq!(v["state"], "done");
    assert_eq!(v["fiscal"]["fn_number"], "9999078900001234");
    let last = v["audit"]
        .as_array()
        .and_then(|a| a.last())
        .cloned()
        .expect("audit");
    assert_eq!(last["reason"], "operator_resolve");
    assert_eq!(last["who"], "Анна");
    assert_eq!(last["note"], "нашли в ЛК ОФД");
    assert!(
        last["detail"]
            .as_str()
            .is_some_and(|t| t.contains("entered by hand")),
        "{last}"
    );
    let s = SqliteStore::open(&db, Config::default()).expect("journal");
    assert_eq!(s.get("rs-1").expect("get").expect("e").state, State::Done);
    // Done: nothing to do.
    let en = resolve_en("rs-1", "x", g);
    assert_eq!(en.status.code(), Some(1));
    assert!(stderr(&en).contains("nothing to do"), "{}", stderr(&en));
}
