//! `--db postgres://…` at the command line. With the feature `postgres` (run by
//! `bash scripts/test-pg`, which starts a throw-away server and exports `FISKAL_TEST_PG_URL`;
//! fails without it): `queue add`, `worker --until-settled` and `queue show/stats` work on a
//! PostgreSQL journal, with the password taken from an env var named in the config; `report`
//! prints the same report from a PostgreSQL journal as from an SQLite one; a journal
//! URL's password is never printed. Without the feature: such a `--db` is refused with a
//! clear error, again without the password.

use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_fiskal");

fn run(args: &[&str], envs: &[(&str, &str)]) -> Output {
    Command::new(BIN)
        .args(args)
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .env_remove("FISKAL_CONFIG")
        .env_remove("FISKAL_DB")
        .output()
        .expect("run fiskal")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A URL naming a closed port, with a password that must never be printed.
const SECRET: &str = "hunter2-Do-Not-Print";

#[test]
fn an_inline_journal_password_in_the_config_is_refused() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("pg-inline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let config = dir.join("fiskal.json");
    std::fs::write(
        &config,
        serde_json::json!({
            "routes": {"atol": {"provider": {
                "provider": "atol", "api": "v5", "preset": "test",
                "password": {"env": "ATOL_TEST_PASSWORD"}
            }}},
            "postgres": {"password": SECRET}
        })
        .to_string(),
    )
    .expect("config");
    let o = run(
        &[
            "--lang",
            "en",
            "config",
            "check",
            config.to_str().expect("utf-8"),
        ],
        &[("ATOL_TEST_PASSWORD", "zUr0OxfI")],
    );
    assert!(!o.status.success());
    let t = text(&o);
    assert!(t.contains("postgres.password"), "{t}");
    assert!(!t.contains(SECRET), "{t}");
}

#[cfg(not(feature = "postgres"))]
#[test]
fn a_postgres_db_without_the_feature_is_refused_without_the_password() {
    let url = format!("postgres://shop:{SECRET}@127.0.0.1:1/fiskal");
    for args in [
        vec!["--lang", "en", "queue", "--db", &url, "stats"],
        vec![
            "--lang",
            "en",
            "report",
            "--db",
            &url,
            "--from",
            "2026-01-01",
            "--to",
            "2026-01-02",
        ],
    ] {
        let o = run(&args, &[]);
        assert!(!o.status.success());
        let t = text(&o);
        assert!(t.contains("feature `postgres`"), "{t}");
        assert!(!t.contains(SECRET), "{t}");
        assert!(!t.contains("no such file"), "not taken for a file: {t}");
    }
}

#[cfg(feature = "postgres")]
mod pg {
    use super::*;
    use serde_json::Value;
    use std::time::Duration;

    const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

    fn url() -> String {
        match std::env::var("FISKAL_TEST_PG_URL") {
            Ok(u) if !u.is_empty() => u,
            _ => {
                panic!("FISKAL_TEST_PG_URL is not set: run this test through bash scripts/test-pg")
            }
        }
    }

    #[test]
    fn an_unreachable_postgres_db_is_a_clear_error_without_the_password() {
        let url = format!("postgres://shop:{SECRET}@127.0.0.1:1/fiskal?password={SECRET}");
        for args in [
            vec!["--lang", "en", "queue", "--db", &url, "stats"],
            vec!["--lang", "en", "--json", "queue", "--db", &url, "list"],
        ] {
            let o = run(&args, &[]);
            assert!(!o.status.success());
            let t = text(&o);
            assert!(!t.contains(SECRET), "{t}");
            assert!(t.contains("127.0.0.1"), "the error names the server: {t}");
        }
    }

    #[test]
    fn queue_and_worker_run_on_a_postgres_journal() {
        let emu = fiskal_emulator::atol::BackgroundAtol::start(
            fiskal_emulator::atol::AtolConfig::default()
                .with_processing_delay(Duration::from_millis(20)),
        )
        .expect("emulator");
        let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("pg-journal-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("mkdir");
        let schema = format!("t_cli_{}", std::process::id());
        let config = dir.join("fiskal.json");
        std::fs::write(
            &config,
            serde_json::json!({
                "routes": {"atol": {"provider": {
                    "provider": "atol", "api": "v5", "preset": "test",
                    "base_url": emu.base_url_v5(), "password": {"env": "ATOL_TEST_PASSWORD"},
                    "report_interval_ms": 20
                }}},
                "default_route": "atol",
                "worker": {"concurrency": 2, "lease_ms": 5000, "call_timeout_ms": 2000,
                           "idle_wait_ms": 20, "drain_timeout_ms": 2000},
                "timing": {"poll_first_ms": 50, "poll_max_ms": 200, "retry_base_ms": 50},
                "postgres": {"schema": schema, "pool_size": 2,
                             "password": {"env": "FISKAL_TEST_PG_PASSWORD"}}
            })
            .to_string(),
        )
        .expect("config");
        let envs = [
            ("ATOL_TEST_PASSWORD", "zUr0OxfI"),
            ("FISKAL_TEST_PG_PASSWORD", "unused-with-trust"),
        ];
        let (c, db) = (config.to_str().expect("utf-8"), url());
        let receipt = format!("{ROOT}/examples/data/receipt_atol_v5.json");

        let add = |key: &str| {
            let o = run(
                &[
                    "--lang", "en", "queue", "--config", c, "--db", &db, "add", &receipt, "--key",
                    key,
                ],
                &envs,
            );
            assert!(o.status.success(), "{}", text(&o));
        };
        add("pg-cli-1");
        add("pg-cli-2");

        let w = run(
            &[
                "--lang",
                "en",
                "--json",
                "worker",
                "--config",
                c,
                "--db",
                &db,
                "--until-settled",
            ],
            &envs,
        );
        assert!(w.status.success(), "{}", text(&w));

        for key in ["pg-cli-1", "pg-cli-2"] {
            let o = run(
                &["--json", "queue", "--config", c, "--db", &db, "show", key],
                &envs,
            );
            assert!(o.status.success(), "{}", text(&o));
            let v: Value = serde_json::from_slice(&o.stdout).expect("JSON");
            assert_eq!(v["state"], "done", "{v}");
        }
        let o = run(
            &["--json", "queue", "--config", c, "--db", &db, "stats"],
            &envs,
        );
        assert!(o.status.success(), "{}", text(&o));
        let v: Value = serde_json::from_slice(&o.stdout).expect("JSON");
        let done = v["states"]
            .as_array()
            .and_then(|a| a.iter().find(|s| s["state"] == "done"))
            .map(|s| s["count"].clone());
        assert_eq!(done, Some(Value::from(2)), "{v}");
        // The same journal without --config: the default schema, which holds none of these.
        let o = run(&["--json", "queue", "--db", &db, "show", "pg-cli-1"], &[]);
        assert!(!o.status.success(), "{}", text(&o));
    }

    /// `fiskal report` reads a PostgreSQL journal as it reads an SQLite one: the same receipts
    /// worked off through the same emulator give the same report, byte for byte.
    #[test]
    fn report_is_the_same_on_postgres_as_on_sqlite() {
        let emu = fiskal_emulator::atol::BackgroundAtol::start(
            fiskal_emulator::atol::AtolConfig::default()
                .with_processing_delay(Duration::from_millis(20)),
        )
        .expect("emulator");
        let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("pg-report-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("mkdir");
        let config = dir.join("fiskal.json");
        std::fs::write(
            &config,
            serde_json::json!({
                "routes": {"atol": {"provider": {
                    "provider": "atol", "api": "v5", "preset": "test",
                    "base_url": emu.base_url_v5(), "password": {"env": "ATOL_TEST_PASSWORD"},
                    "report_interval_ms": 20
                }}},
                "default_route": "atol",
                "worker": {"concurrency": 2, "lease_ms": 5000, "call_timeout_ms": 2000,
                           "idle_wait_ms": 20, "drain_timeout_ms": 2000},
                "timing": {"poll_first_ms": 50, "poll_max_ms": 200, "retry_base_ms": 50},
                "postgres": {"schema": format!("t_report_{}", std::process::id()),
                             "pool_size": 2,
                             "password": {"env": "FISKAL_TEST_PG_PASSWORD"}}
            })
            .to_string(),
        )
        .expect("config");
        let envs = [
            ("ATOL_TEST_PASSWORD", "zUr0OxfI"),
            ("FISKAL_TEST_PG_PASSWORD", "unused-with-trust"),
        ];
        let c = config.to_str().expect("utf-8");
        let sqlite = dir.join("journal.db");
        let pg = url();
        let receipt = format!("{ROOT}/examples/data/receipt_atol_v5.json");
        let mut reports = Vec::new();
        for (engine, db) in [
            ("sqlite", sqlite.to_str().expect("utf-8")),
            ("pg", pg.as_str()),
        ] {
            for key in ["report-1", "report-2", "report-3"] {
                let key = format!("{engine}-{key}");
                let o = run(
                    &[
                        "--lang", "en", "queue", "--config", c, "--db", db, "add", &receipt,
                        "--key", &key,
                    ],
                    &envs,
                );
                assert!(o.status.success(), "{}", text(&o));
            }
            let w = run(
                &[
                    "--lang",
                    "en",
                    "worker",
                    "--config",
                    c,
                    "--db",
                    db,
                    "--until-settled",
                ],
                &envs,
            );
            assert!(w.status.success(), "{}", text(&w));
            let mut one = Vec::new();
            for format in ["csv", "json"] {
                let o = run(
                    &[
                        "--lang",
                        "en",
                        "report",
                        "--config",
                        c,
                        "--db",
                        db,
                        "--from",
                        "2000-01-01",
                        "--to",
                        "2099-12-31",
                        "--format",
                        format,
                    ],
                    &envs,
                );
                assert!(o.status.success(), "{engine} {format}: {}", text(&o));
                one.push(String::from_utf8(o.stdout).expect("UTF-8"));
            }
            reports.push(one);
        }
        let v: Value = serde_json::from_str(&reports[1][1]).expect("JSON report");
        assert!(
            v.to_string().contains("\"receipts\":3"),
            "three receipts reported: {v}"
        );
        assert!(!reports[1][0].trim().is_empty());
        assert_eq!(
            reports[0], reports[1],
            "SQLite and PostgreSQL reports differ"
        );
    }
}
