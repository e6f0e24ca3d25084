//! Batch work: a folder validated one line per file, many files queued at once and a large cart
//! split.

use super::*;

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
