//! The journal read without configuration or secrets, in readable views, and the accountant's
//! report of the done receipts.

use super::*;

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
