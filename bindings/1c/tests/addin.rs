//! The add-in driven headless through the mock platform (`host`): the entry points, every
//! method under its Russian and English name, the properties, the error convention, memory
//! ownership, and the shared golden vectors (`tests/vectors`).
//!
//! (Over 800 lines: every method of the add-in through the mock host, the shared vectors included,
//! one section per method.)

mod host;

use std::path::PathBuf;

use fiskal_1c::{METHODS, PROPERTIES};
use host::{library, AddIn, Value};
use serde_json::{json, Value as Json};

/// An index or count as the platform's `long`.
fn n(i: usize) -> std::ffi::c_long {
    std::ffi::c_long::try_from(i).expect("fits a long")
}

fn s(text: &str) -> Value {
    Value::Str(text.to_owned())
}

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn receipt() -> String {
    read("examples/data/receipt_1_2.json")
}

/// Every `*.json` of a vector folder, sorted, with its file name.
fn vectors(sub: &str) -> Vec<(String, Json)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo("tests/vectors").join(sub))
        .unwrap_or_else(|e| panic!("tests/vectors/{sub}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "tests/vectors/{sub} is empty");
    files
        .into_iter()
        .map(|f| {
            let name = f
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("{name}: {e}"));
            (
                name.clone(),
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}")),
            )
        })
        .collect()
}

/// Checks the memory contract after a test: every block the add-in returned was ours and freed.
fn assert_clean(a: &AddIn) {
    assert_eq!(
        a.mem.foreign_frees(),
        0,
        "a free of memory the manager did not give out"
    );
    assert_eq!(a.mem.live_blocks(), 0, "memory left allocated");
}

// ---- the entry points and the object's interface -------------------------------------------

#[test]
fn entry_points_are_those_of_the_native_api() {
    let lib = library();
    // Two classes: the general object and the standard ККТ driver (tests/kkt.rs).
    assert_eq!(lib.class_names(), "Fiskal|KKT");
    // SAFETY: plain calls of the exported functions.
    unsafe {
        assert_eq!((lib.get_attach_type)(), 3, "AttachType::Any");
        assert_eq!((lib.set_platform_capabilities)(2), 3);
        assert_eq!((lib.destroy_object)(std::ptr::null_mut()), -1);
        let mut p = std::ptr::null_mut();
        assert_eq!((lib.get_class_object)(std::ptr::null(), &mut p), 0);
        assert_eq!(
            (lib.destroy_object)(&mut p),
            -1,
            "DestroyObject of a NULL object"
        );
    }
    assert!(AddIn::with_class("Other").is_none());
    assert!(
        AddIn::with_class("Fiskal|KKT").is_none(),
        "one class per call"
    );
    // The platform passes the name from GetClassNames; any case works.
    assert!(AddIn::with_class("fiskal").is_some());
}

#[test]
fn the_object_registers_as_fiskal() {
    let a = AddIn::new();
    assert_eq!(a.extension_name, "Fiskal", "Новый(\"AddIn.Fiskal.Fiskal\")");
    assert_eq!(a.info, 2000);
    assert_eq!(a.conn.depth(), 1000, "the event buffer is deepened in Init");
    assert_eq!(a.counts(), (n(METHODS.len()), n(PROPERTIES.len())));
    assert_clean(&a);
}

#[test]
fn every_method_answers_to_its_russian_and_english_name() {
    let a = AddIn::new();
    let mut seen = Vec::new();
    for (i, m) in METHODS.iter().enumerate() {
        let i = n(i);
        for name in [
            m.name_ru.to_owned(),
            m.name_en.to_owned(),
            m.name_ru.to_lowercase(),
            m.name_en.to_uppercase(),
        ] {
            assert_eq!(a.find_method(&name), i, "FindMethod({name})");
        }
        assert_eq!(
            a.method_name(i, 0).as_deref(),
            Some(m.name_en),
            "alias 0 is English"
        );
        assert_eq!(
            a.method_name(i, 1).as_deref(),
            Some(m.name_ru),
            "alias 1 is Russian"
        );
        assert_eq!(a.signature(i), (n(m.params), true));
        for p in 0..m.params {
            let default = (p >= m.required).then_some(Value::Int(0));
            assert_eq!(a.default_value(i, n(p)), default, "{} {p}", m.name_en);
        }
        seen.push(m.name_en);
    }
    assert_eq!(a.find_method("НетТакого"), -1);
    assert_eq!(a.method_name(n(METHODS.len()), 0), None);
    // The methods of the brief, by both names.
    for (ru, en) in [
        ("ПроверитьЧек", "ValidateReceipt"),
        ("Вычислить", "Compute"),
        ("РазбитьЧек", "SplitReceipt"),
        ("ВТЛВ", "ToTlv"),
        ("ИзТЛВ", "FromTlv"),
        ("КодМаркировки", "EncodeMark"),
        ("QRКод", "QrString"),
    ] {
        assert!(
            a.find_method(ru) >= 0 && a.find_method(ru) == a.find_method(en),
            "{ru}/{en}"
        );
    }
    assert_clean(&a);
}

#[test]
fn properties_are_read_only_strings() {
    let a = AddIn::new();
    for (i, p) in PROPERTIES.iter().enumerate() {
        let i = n(i);
        assert_eq!(a.find_prop(p.name_ru), i);
        assert_eq!(a.find_prop(&p.name_en.to_lowercase()), i);
        assert_eq!(a.prop_name(i, 0).as_deref(), Some(p.name_en));
        assert_eq!(a.prop_name(i, 1).as_deref(), Some(p.name_ru));
        assert_eq!(a.prop_access(i), (true, false));
        assert!(
            !a.set_prop(p.name_ru, &s("x")),
            "{} is read-only",
            p.name_ru
        );
    }
    assert_eq!(a.find_prop("Нет"), -1);
    assert_eq!(a.prop("Версия"), Some(s(env!("CARGO_PKG_VERSION"))));
    assert_eq!(a.prop("Version"), a.prop("Версия"));
    // One version: the add-in's is the library's (`version` operation).
    let v = a.ok("Call", &[s("version"), s("{}")]);
    assert_eq!(
        a.prop("Версия"),
        Some(s(v["library_version"].as_str().unwrap_or("")))
    );
    assert_eq!(a.prop("LastError"), Some(s("")), "no error before any call");
    assert_clean(&a);
}

// ---- every method --------------------------------------------------------------------------

#[test]
fn validate_receipt_in_both_languages() {
    let a = AddIn::new();
    let ru = a.ok("ПроверитьЧек", &[s(&receipt())]);
    let en = a.ok("ValidateReceipt", &[s(&receipt())]);
    assert_eq!(ru, en);
    assert_eq!(ru["version"], 1);
    assert_eq!(ru["receipt"]["ffd"], "1.2");
    assert_eq!(
        ru,
        serde_json::from_str::<Json>(&fiskal_json::validate(&receipt()).expect("valid"))
            .expect("json")
    );
    assert_clean(&a);
}

#[test]
fn to_tlv_and_back() {
    let a = AddIn::new();
    let t = a.ok("ВТЛВ", &[s(&receipt())]);
    assert_eq!(t, a.ok("ToTlv", &[s(&receipt())]));
    let hex = t["hex"].as_str().expect("hex");
    assert_eq!(t["size"].as_u64(), Some(hex.len() as u64 / 2));
    let env = json!({"version": 1, "hex": hex}).to_string();
    let d = a.ok("ИзТЛВ", &[s(&env)]);
    assert_eq!(d, a.ok("FromTlv", &[s(&env)]));
    assert_eq!(d["valid"], true);
    // ДвоичныеДанные: the document's own bytes.
    let bytes = hex::decode(hex).expect("hex");
    assert_eq!(a.ok("ИзТЛВ", &[Value::Blob(bytes)]), d);
    assert_clean(&a);
}

#[test]
fn compute_and_split() {
    let a = AddIn::new();
    let r: Json = serde_json::from_str(&receipt()).expect("json");
    let input =
        json!({"version": 1, "receipt": r, "adjustment": {"kind": "discount", "value": "100.00"}})
            .to_string();
    let c = a.ok("Вычислить", &[s(&input)]);
    assert_eq!(c, a.ok("Compute", &[s(&input)]));
    assert_eq!(
        c,
        serde_json::from_str::<Json>(&fiskal_json::compute(&input).expect("compute"))
            .expect("json")
    );
    assert!(c["allocation"].is_object());

    let input = json!({"version": 1, "receipt": r, "key": "order-42"}).to_string();
    let p = a.ok("РазбитьЧек", &[s(&input)]);
    assert_eq!(p, a.ok("SplitReceipt", &[s(&input)]));
    assert_eq!(p["count"], 1);
    assert_eq!(p["parts"][0]["key"], "order-42-1");
    assert_clean(&a);
}

#[test]
fn encode_mark_and_qr() {
    let a = AddIn::new();
    let input = json!({"version": 1, "code": "4606203090785"}).to_string();
    let m = a.ok("КодМаркировки", &[s(&input)]);
    assert_eq!(m, a.ok("EncodeMark", &[s(&input)]));
    assert_eq!(m["tag_1162"]["hex"], "450D043077195761");

    let input = json!({"version": 1, "fn_number": "9999078900001234", "fd_number": 1234,
        "fiscal_sign": 3826187301u64, "date_time": "2026-03-02T10:15:42", "total": "599.70",
        "operation": "sell"})
    .to_string();
    let q = a.ok("QRКод", &[s(&input)]);
    assert_eq!(q, a.ok("QrString", &[s(&input)]));
    assert!(
        q["qr"]
            .as_str()
            .expect("qr")
            .starts_with("t=20260302T1015&s=599.70&"),
        "{q}"
    );
    assert_clean(&a);
}

#[test]
fn call_runs_any_operation_by_name() {
    let a = AddIn::new();
    let v = a.ok("Выполнить", &[s("version"), s("{}")]);
    assert_eq!(v, a.ok("Call", &[s("version"), s("{}")]));
    assert_eq!(v["library"], "fiskal");
    assert_eq!(
        a.ok("Call", &[s("to_tlv"), s(&receipt())]),
        a.ok("ToTlv", &[s(&receipt())])
    );
    let e = a.err("Call", &[s("nope"), s("{}")]);
    assert_eq!(e["code"], 108);
    assert_clean(&a);
}

// ---- the error convention ------------------------------------------------------------------

#[test]
fn invalid_json_sets_last_error_and_a_success_clears_it() {
    let a = AddIn::new();
    let e = a.err("ПроверитьЧек", &[s("{not json")]);
    assert_eq!(e["code"], 102);
    assert_eq!(e["name"], "invalid_json");
    for key in ["path", "message_ru", "message_en", "details"] {
        assert!(e.get(key).is_some(), "ПоследняяОшибка has {key}: {e}");
    }
    assert!(!e["message_ru"].as_str().unwrap_or("").is_empty());
    // The error stays until the next call …
    assert_eq!(a.last_error(), Some(e));
    // … which clears it when it succeeds.
    a.ok("ValidateReceipt", &[s(&receipt())]);
    assert_eq!(a.prop("ПоследняяОшибка"), Some(s("")));
    assert_clean(&a);
}

#[test]
fn invalid_receipt_is_2000_with_every_violation() {
    let a = AddIn::new();
    let mut r: Json = serde_json::from_str(&receipt()).expect("json");
    r["company"]["inn"] = json!("7701000002");
    r["total"] = json!("600.00");
    let e = a.err("ПроверитьЧек", &[s(&r.to_string())]);
    assert_eq!(e["code"], 2000);
    assert_eq!(e["name"], "receipt_invalid");
    let v = e["details"].as_array().expect("violations");
    let paths: Vec<&str> = v.iter().filter_map(|x| x["path"].as_str()).collect();
    assert!(
        paths.contains(&"company.inn") && paths.contains(&"total"),
        "{e}"
    );
    for x in v {
        assert!(
            (2001..=2034).contains(&x["code"].as_u64().unwrap_or(0)),
            "{x}"
        );
        assert!(!x["message_ru"].as_str().unwrap_or("").is_empty());
        assert!(!x["message_en"].as_str().unwrap_or("").is_empty());
    }
    assert_clean(&a);
}

#[test]
fn wrong_argument_types_are_errors_not_exceptions() {
    let a = AddIn::new();
    for (value, ty) in [
        (Value::Int(5), "Number"),
        (Value::Double(1.5), "Number"),
        (Value::Bool(true), "Boolean"),
        (Value::Empty, "Undefined"),
    ] {
        let e = a.err("ВТЛВ", &[value]);
        assert_eq!(e["code"], 107, "{e}");
        assert_eq!(e["details"], json!({"parameter": 1, "type": ty}));
        assert!(
            e["message_ru"].as_str().unwrap_or("").contains("ВТЛВ"),
            "{e}"
        );
        assert!(
            e["message_en"].as_str().unwrap_or("").contains("ToTlv"),
            "{e}"
        );
    }
    let e = a.err("Call", &[s("version"), Value::Int(1)]);
    assert_eq!(e["details"]["parameter"], 2);
    assert_clean(&a);
}

#[test]
fn text_may_come_as_binary_data() {
    let a = AddIn::new();
    let v = a.ok("ПроверитьЧек", &[Value::Blob(receipt().into_bytes())]);
    assert_eq!(v, a.ok("ПроверитьЧек", &[s(&receipt())]));
    let e = a.err("ПроверитьЧек", &[Value::Blob(vec![b'{', 0xFF, b'}'])]);
    assert_eq!(e["code"], 101);
    assert_eq!(e["details"]["offset"], 1);
    assert_clean(&a);
}

#[test]
fn unpaired_surrogates_are_101() {
    let a = AddIn::new();
    let mut units: Vec<u16> = "{\"a\":\"".encode_utf16().collect();
    units.push(0xDC00);
    let e = a.err("ПроверитьЧек", &[Value::Utf16(units)]);
    assert_eq!(e["code"], 101);
    assert_eq!(e["details"]["offset"], 6);
    assert_clean(&a);
}

#[test]
fn cyrillic_and_astral_text_round_trips() {
    let a = AddIn::new();
    let mut r: Json = serde_json::from_str(&receipt()).expect("json");
    r["items"][0]["name"] = json!("Носки «Ёж» 𝄞");
    let e = a.err("ПроверитьЧек", &[s(&r.to_string())]);
    // « » and 𝄞 are not CP866: a violation whose path names the item; the name came through.
    assert_eq!(e["code"], 2000);
    assert_eq!(e["details"][0]["path"], "items[0].name");
    r["items"][0]["name"] = json!("Носки «Ёж»".replace(['«', '»'], "\""));
    let v = a.ok("ПроверитьЧек", &[s(&r.to_string())]);
    assert_eq!(v["receipt"]["items"][0]["name"], "Носки \"Ёж\"");
    assert_clean(&a);
}

#[test]
fn called_as_a_procedure() {
    let a = AddIn::new();
    let c = a.call_proc("ВТЛВ", &[s("{")]);
    assert!(c.ok, "no exception");
    assert_eq!(c.ret, Value::Empty);
    assert_eq!(a.last_error().expect("error")["code"], 102);
    let c = a.call_proc("ToTlv", &[s(&receipt())]);
    assert!(c.ok);
    assert_eq!(a.last_error(), None);
    assert_clean(&a);
}

#[test]
fn empty_string_when_the_platform_refuses_zero_bytes() {
    let a = AddIn::new();
    a.mem
        .refuse_empty
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let c = a.call("ВТЛВ", &[s("{")]);
    assert!(c.ok);
    assert_eq!(c.ret, Value::Empty, "Неопределено instead of \"\"");
    assert_eq!(a.last_error().expect("error")["code"], 102);
    assert_clean(&a);
}

#[test]
fn a_result_the_platform_cannot_allocate_is_an_exception() {
    let a = AddIn::new();
    a.mem
        .refuse_over
        .store(200, std::sync::atomic::Ordering::SeqCst);
    // Arguments are the host's own allocations: make the argument small, the result large.
    let env = json!({"version": 1, "hex": "0300"}).to_string();
    let c = a.call("FromTlv", &[s(&env)]);
    assert!(c.ok, "a short error result fits");
    let big = a.call("Call", &[s("version"), s("{}")]);
    assert!(
        !big.ok,
        "CallAsFunc returns false: the platform raises an exception"
    );
    assert_eq!(big.ret, s(""));
    a.mem
        .refuse_over
        .store(usize::MAX, std::sync::atomic::Ordering::SeqCst);
    let e = a.last_error().expect("error");
    assert_eq!(e["code"], 199, "{e}");
    assert_clean(&a);
}

#[test]
fn input_over_16_mib_is_103() {
    let a = AddIn::new();
    let huge = "x".repeat(fiskal_json::MAX_INPUT_LEN + 1);
    let e = a.err("ПроверитьЧек", &[s(&huge)]);
    assert_eq!(e["code"], 103);
    let e = a.err("ПроверитьЧек", &[Value::Blob(huge.into_bytes())]);
    assert_eq!(e["code"], 103);
    assert_clean(&a);
}

#[test]
fn objects_keep_their_own_last_error() {
    let a = AddIn::new();
    let b = AddIn::new();
    a.err("ВТЛВ", &[s("{")]);
    assert_eq!(b.last_error(), None);
    b.err("ВТЛВ", &[Value::Int(1)]);
    assert_eq!(a.last_error().expect("a")["code"], 102);
    assert_eq!(b.last_error().expect("b")["code"], 107);
}

#[test]
fn objects_on_several_threads() {
    let handles: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(|| {
                let a = AddIn::new();
                for _ in 0..20 {
                    assert_eq!(a.ok("ВТЛВ", &[s(&receipt())])["version"], 1);
                    a.err("ВТЛВ", &[s("[")]);
                }
                assert_clean(&a);
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread");
    }
}

#[test]
fn every_returned_string_comes_from_the_platform_manager() {
    let a = AddIn::new();
    let before = a.mem.allocations();
    a.ok("ВТЛВ", &[s(&receipt())]);
    a.err("ВТЛВ", &[s("{")]);
    let _ = a.prop("ПоследняяОшибка");
    // Argument strings (2) + result (2) + the error property (≥1): all through the manager,
    // all freed by the host (take_value asserts ownership before freeing).
    assert!(a.mem.allocations() - before >= 5);
    assert_clean(&a);
}

// ---- golden vectors ------------------------------------------------------------------------

#[test]
fn vectors_tlv() {
    let a = AddIn::new();
    for (name, v) in vectors("tlv") {
        let receipt = v["receipt"].to_string();
        let want = v["tlv_hex"].as_str().expect("tlv_hex");
        let out = a.ok("ВТЛВ", &[s(&receipt)]);
        assert_eq!(out["hex"], want, "{name}");
        assert_eq!(out["size"], v["size"], "{name}");
        let back = a.ok("ИзТЛВ", &[Value::Blob(hex::decode(want).expect("hex"))]);
        assert_eq!(back["valid"], true, "{name}");
        let again = a.ok("ToTlv", &[s(&back["receipt"].to_string())]);
        assert_eq!(again["hex"], want, "{name}: decode → encode");
    }
    assert_clean(&a);
}

#[test]
fn vectors_invalid() {
    let a = AddIn::new();
    for (name, v) in vectors("invalid") {
        let text = match &v["input"] {
            Json::String(t) => t.clone(),
            _ => v["receipt"].to_string(),
        };
        for method in ["ПроверитьЧек", "ToTlv"] {
            let e = a.err(method, &[s(&text)]);
            match v["expect"]["kind"].as_str() {
                Some("json") => {
                    assert_eq!(e["code"], 102, "{name}: {e}");
                    assert_eq!(
                        e["path"].as_str().unwrap_or(""),
                        v["expect"]["path"],
                        "{name}"
                    );
                }
                Some("invalid") => {
                    assert_eq!(e["code"], 2000, "{name}: {e}");
                    let got: Vec<(Json, Json)> = e["details"]
                        .as_array()
                        .expect("details")
                        .iter()
                        .map(|x| (x["path"].clone(), x["name"].clone()))
                        .collect();
                    let want: Vec<(Json, Json)> = v["expect"]["violations"]
                        .as_array()
                        .expect("violations")
                        .iter()
                        .map(|x| (x["path"].clone(), x["code"].clone()))
                        .collect();
                    assert_eq!(got, want, "{name}");
                }
                other => panic!("{name}: kind {other:?}"),
            }
        }
    }
    assert_clean(&a);
}

#[test]
fn vectors_tlv_errors() {
    let a = AddIn::new();
    for (name, v) in vectors("tlv_errors") {
        let e = a.err(
            "FromTlv",
            &[s(&json!({"version": 1, "hex": v["hex"]}).to_string())],
        );
        let code = e["code"].as_u64().unwrap_or(0);
        assert!((5001..=5099).contains(&code), "{name}: {e}");
        assert_eq!(e["details"]["reason"], v["error"]["kind"], "{name}");
        assert_eq!(e["details"]["offset"], v["error"]["offset"], "{name}");
        assert_eq!(e["details"]["tag"], v["error"]["tag"], "{name}");
    }
    assert_clean(&a);
}

#[test]
fn vectors_marks() {
    let a = AddIn::new();
    for (name, v) in vectors("marks") {
        let mut input = json!({"version": 1});
        if let Some(x) = v.get("input") {
            input["code"] = x.clone();
        }
        if let Some(x) = v.get("input_hex") {
            input["code_hex"] = x.clone();
        }
        if let Some(o) = v.get("options") {
            input["options"] = o.clone();
        }
        let input = input.to_string();
        if let Some(expected) = v.get("expected") {
            let mut got = a.ok("КодМаркировки", &[s(&input)]);
            got.as_object_mut().expect("object").remove("version");
            assert_eq!(&got, expected, "{name}");
        } else {
            let e = a.err("EncodeMark", &[s(&input)]);
            assert_eq!(e["details"]["reason"], v["error"]["code"], "{name}: {e}");
            assert_eq!(
                e["details"]["position"], v["error"]["position"],
                "{name}: {e}"
            );
        }
    }
    assert_clean(&a);
}

// ---- the BSL example (examples/1c) ---------------------------------------------------------

/// Every `Фискал.<Имя>` in the example is a method or a property of the object.
#[test]
fn the_bsl_example_uses_only_real_names() {
    let a = AddIn::new();
    let bsl = read("examples/1c/ПримерФискализации.bsl");
    let mut names = Vec::new();
    for (i, _) in bsl.match_indices("Фискал.") {
        let rest = &bsl[i + "Фискал.".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            names.push(name);
        }
    }
    assert!(names.len() >= 10, "{names:?}");
    for name in &names {
        assert!(
            a.find_method(name) >= 0 || a.find_prop(name) >= 0,
            "the example calls Фискал.{name}"
        );
    }
}

/// The receipt of the example, as 1C's ЗаписатьJSON writes it (numbers without trailing
/// zeros): valid; with ИНН 7701000002 the error the example describes.
#[test]
fn the_bsl_example_receipt() {
    let a = AddIn::new();
    let receipt = |inn: &str| {
        json!({"version": 1, "ffd": "1.2", "operation": "sell", "tax_system": "osn",
            "company": {"inn": inn, "payment_place": "https://shop.example.ru"},
            "items": [{"name": "Носки", "price": 199.9, "quantity": 3, "sum": 599.7,
                "measure": "piece", "vat": "vat22", "payment_method": "full_payment",
                "payment_subject": "commodity"}],
            "payments": {"electronic": 599.7}, "total": 599.7})
        .to_string()
    };
    let v = a.ok("ПроверитьЧек", &[s(&receipt("7701000001"))]);
    assert_eq!(v["receipt"]["total"], "599.70");
    assert!(a.ok("ВТЛВ", &[s(&receipt("7701000001"))])["size"]
        .as_u64()
        .is_some());
    let e = a.err("ПроверитьЧек", &[s(&receipt("7701000002"))]);
    assert_eq!(e["code"], 2000);
    assert_eq!(e["details"][0]["path"], "company.inn");
    assert_eq!(e["details"][0]["name"], "inn_check_digit");
}

// ---- what a platform may pass: NULL data, broken arrays, a broken allocator ----------------

/// The arguments of a call to `m` with `value` at position `at`: invalid JSON text for the
/// other required parameters, 0 for the optional ones.
fn args_with(m: &fiskal_1c::MethodInfo, at: usize, value: Value) -> Vec<Value> {
    (0..m.params)
        .map(|p| match p {
            _ if p == at => value.clone(),
            _ if p < m.required => s("{"),
            _ => Value::Int(0),
        })
        .collect()
}

/// A call's whole outcome: (CallAsFunc's answer, the result, ПоследняяОшибка).
fn outcome(a: &AddIn, name: &str, args: &[Value]) -> (bool, Value, Option<Json>) {
    let c = a.call(name, args);
    (c.ok, c.ret, a.last_error())
}

#[test]
fn null_data_with_length_0_is_the_empty_value_in_every_method() {
    // Issue 23: a VTYPE_PWSTR / VTYPE_BLOB with a NULL pointer and length 0 aborted the host.
    let a = AddIn::new();
    let mut calls = 0;
    for m in METHODS {
        for at in 0..m.params {
            for (null, empty) in [
                (Value::NullStr(0), s("")),
                (Value::NullBlob(0), Value::Blob(Vec::new())),
            ] {
                let want = outcome(&a, m.name_en, &args_with(m, at, empty.clone()));
                let got = outcome(&a, m.name_ru, &args_with(m, at, null.clone()));
                assert_eq!(
                    got,
                    want,
                    "{} parameter {}: {null:?} vs {empty:?}",
                    m.name_en,
                    at + 1
                );
                assert!(got.0, "{}: no exception", m.name_en);
                calls += 1;
            }
        }
    }
    assert!(calls >= 2 * METHODS.len());
    // "" where text is expected is the empty document: a JSON error, not a crash.
    let e = a.err("ВТЛВ", &[Value::NullStr(0)]);
    assert_eq!(e["code"], 102, "{e}");
    let e = a.err("ИзТЛВ", &[Value::NullBlob(0)]);
    assert_eq!(e, a.err("ИзТЛВ", &[Value::Blob(Vec::new())]));
    assert_clean(&a);
}

#[test]
fn null_data_with_a_length_is_107_naming_the_parameter() {
    let a = AddIn::new();
    let mut text_params = 0;
    for m in METHODS {
        for at in 0..m.params {
            for null in [Value::NullStr(9), Value::NullBlob(u32::MAX)] {
                let e = a.err(m.name_en, &args_with(m, at, null.clone()));
                assert_eq!(e["code"], 107, "{} {null:?}: {e}", m.name_en);
                assert_eq!(e["details"]["parameter"], at + 1, "{e}");
                if e["details"]["len"].is_null() {
                    // A number parameter: the type is named, the data is not read.
                    assert!(
                        ["String", "BinaryData"]
                            .contains(&e["details"]["type"].as_str().unwrap_or("")),
                        "{e}"
                    );
                } else {
                    // A text parameter: the length the platform claimed, no data.
                    let len = if null == Value::NullStr(9) {
                        9
                    } else {
                        u32::MAX
                    };
                    assert_eq!(e["details"]["len"], len, "{e}");
                    assert!(
                        e["message_ru"].as_str().unwrap_or("").contains(m.name_ru),
                        "{e}"
                    );
                    text_params += 1;
                }
            }
        }
    }
    assert!(text_params >= 2 * METHODS.len() - 10, "{text_params}");
    assert_clean(&a);
}

#[test]
fn broken_calls_are_refused_not_dereferenced() {
    let a = AddIn::new();
    for (entry, answer) in a.null_pointers() {
        assert!(!answer, "{entry} with a NULL pointer answered yes");
    }
    let num = a.find_method("ВТЛВ");
    let mut ret = host::TVariant::empty();
    // SAFETY: NULL arrays and bad counts are what is being tested; nothing valid is freed.
    unsafe {
        assert!(!a.call_raw(num, Some(&mut ret), std::ptr::null_mut(), 2).0);
        assert!(!a.call_raw(num, None, std::ptr::null_mut(), 1).0);
        let mut one = [host::TVariant::empty()];
        assert!(!a.call_raw(num, Some(&mut ret), one.as_mut_ptr(), -1).0);
        assert!(!a.call_raw(-5, Some(&mut ret), one.as_mut_ptr(), 1).0);
        assert_eq!(
            a.call_raw(num, Some(&mut ret), std::ptr::null_mut(), 0),
            (true, Some(s("")))
        );
    }
    // The object still works.
    assert_eq!(a.last_error().expect("missing parameter")["code"], 107);
    assert!(a.ok("ВТЛВ", &[s(&receipt())])["hex"].is_string());
    assert_clean(&a);
}

#[test]
fn unknown_tags_and_odd_bools_are_type_errors_and_come_back_unchanged() {
    let a = AddIn::new();
    let num = a.find_method("ВТЛВ");
    for (vt, byte, ty) in [
        (0x2003_u16, 1_u8, "an unknown type"), // VTYPE_ARRAY | VTYPE_I4
        (0x4016, 1, "an unknown type"),        // VTYPE_BYREF | VTYPE_PWSTR
        (999, 1, "an unknown type"),
        (11, 7, "Boolean"), // VTYPE_BOOL with a byte no C++ bool has
    ] {
        let mut arg = host::TVariant::empty();
        arg.vt = vt;
        arg.fill_value(byte);
        let mut ret = host::TVariant::empty();
        // SAFETY: one readable variant; its "pointer" bytes are never a string here.
        let (ok, value) = unsafe { a.call_raw(num, Some(&mut ret), &mut arg, 1) };
        assert!(ok);
        assert_eq!(value, Some(s("")));
        assert_eq!(arg.vt, vt, "the platform's tag is put back");
        let e = a.last_error().expect("error");
        assert_eq!(
            (e["code"].clone(), e["details"]["type"].clone()),
            (json!(107), json!(ty))
        );
    }
    assert_clean(&a);
}

#[test]
fn an_allocator_that_answers_null_is_an_exception_not_a_crash() {
    let a = AddIn::new();
    a.mem
        .null_blocks
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let c = a.call("ВТЛВ", &[s(&receipt())]);
    assert!(!c.ok, "the result could not be stored");
    assert_eq!(c.ret, Value::Empty);
    // An error result is "" and needs no memory: Неопределено, the error kept.
    let c = a.call("ВТЛВ", &[Value::NullStr(0)]);
    assert!(c.ok);
    assert_eq!(c.ret, Value::Empty);
    let blocks = |on| {
        a.mem
            .null_blocks
            .store(on, std::sync::atomic::Ordering::SeqCst)
    };
    blocks(false);
    assert_eq!(a.last_error().expect("error")["code"], 102);
    blocks(true);
    assert_eq!(
        a.prop("Версия"),
        None,
        "a property that cannot be stored is refused"
    );
    assert_eq!(
        a.method_name(0, 0),
        None,
        "a name that cannot be stored is refused"
    );
    blocks(false);
    assert_eq!(a.last_error().expect("error")["code"], 199);
    assert_clean(&a);
}
