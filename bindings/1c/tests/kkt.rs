//! The standard ККТ driver `AddIn.Fiskal.KKT` through the mock platform, against the ATOL v5
//! emulator on loopback: output parameters written into the caller's variables, the whole
//! sequence a 1C configuration performs, and a repeat after a timeout making one receipt.
//!
//! (Over 800 lines: a configuration's whole sequence of driver calls, with the mock-host helpers
//! it needs, in one file.)

mod host;

use std::path::PathBuf;
use std::time::Duration;

use fiskal_emulator::atol::{AtolConfig, BackgroundAtol};
use host::{AddIn, Value};
use serde_json::{json, Value as Json};

fn s(text: &str) -> Value {
    Value::Str(text.to_owned())
}

fn vector(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors/1c-driver")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn temp_db(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("fiskal-1c-kkt-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir.join("outbox.db").to_string_lossy().into_owned()
}

fn outbox_settings(base_url: &str) -> Json {
    json!({
        "routes": {"atol": {"provider": {"provider": "atol", "api": "v5", "preset": "test",
                   "base_url": base_url, "password": "zUr0OxfI", "report_interval_ms": 20}}},
        "default_route": "atol",
        "worker": {"concurrency": 2, "lease_ms": 5000, "call_timeout_ms": 2000,
                   "idle_wait_ms": 20, "drain_timeout_ms": 2000},
        "timing": {"poll_first_ms": 50, "poll_max_ms": 200, "retry_base_ms": 50}
    })
}

/// ConnectionParameters as БПО passes them: the parameters table's names with values. Built
/// with a tiny writer that escapes (the test's own, not the driver's).
fn connection(base_url: &str, journal: &str, wait_ms: u32) -> String {
    let esc = |v: &str| {
        v.replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('<', "&lt;")
    };
    let params = [
        ("OutboxSettings", outbox_settings(base_url).to_string()),
        ("JournalPath", journal.to_owned()),
        ("WaitTimeoutMs", wait_ms.to_string()),
        ("CompanyINN", "5544332219".to_owned()),
        ("PaymentPlace", "https://v5.online.atol.ru".to_owned()),
        ("FFDVersion", "1.2".to_owned()),
    ];
    let mut x = String::from("<Parameters>");
    for (n, v) in params {
        x.push_str(&format!(r#"<Parameter Name="{n}" Value="{}"/>"#, esc(&v)));
    }
    x.push_str("</Parameters>");
    x
}

fn out_str(v: &Value) -> &str {
    match v {
        Value::Str(s) => s,
        other => panic!("expected a string output, got {other:?}"),
    }
}

/// Calls a driver method that must succeed (`Истина`); the parameters after the call.
fn ok(a: &AddIn, name: &str, args: &[Value]) -> Vec<Value> {
    let (c, outs) = a.call_out(name, args);
    assert!(c.ok, "{name}: CallAsFunc returned false");
    if c.ret != Value::Bool(true) {
        let (_, e) = a.call_out("GetLastError", &[Value::Empty]);
        panic!("{name} failed: {:?} {:?}", c.ret, e);
    }
    outs
}

/// Calls a driver method that must fail (`Ложь`); `GetLastError`'s code and text.
fn fails(a: &AddIn, name: &str, args: &[Value]) -> (i32, String) {
    let (c, _) = a.call_out(name, args);
    assert!(c.ok, "{name}: CallAsFunc returned false (a 1C exception)");
    assert_eq!(c.ret, Value::Bool(false), "{name} should fail");
    let (c, outs) = a.call_out("ПолучитьОшибку", &[Value::Empty]);
    let Value::Int(code) = c.ret else {
        panic!("GetLastError returned {:?}", c.ret)
    };
    (code, out_str(&outs[0]).to_owned())
}

fn attr<'a>(xml: &'a str, name: &str) -> &'a str {
    let key = format!(" {name}=\"");
    let at = xml
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in {xml}"))
        + key.len();
    let end = xml[at..].find('"').expect("closing quote") + at;
    &xml[at..end]
}

#[test]
fn the_driver_class_has_every_method_by_both_names() {
    let a = AddIn::kkt();
    assert_eq!(a.extension_name, "KKT", "Новый(\"AddIn.Fiskal.KKT\")");
    for (ru, en) in [
        ("ПолучитьРевизиюИнтерфейса", "GetInterfaceRevision"),
        ("ПолучитьОписание", "GetDescription"),
        ("ПолучитьОшибку", "GetLastError"),
        ("ПараметрыОборудования", "EquipmentParameters"),
        ("ПодключитьОборудование", "ConnectEquipment"),
        ("ОтключитьОборудование", "DisconnectEquipment"),
        ("ТестированиеОборудования", "EquipmentTest"),
        ("ПолучитьДополнительныеДействия", "GetAdditionalActions"),
        ("ВыполнитьДополнительноеДействие", "DoAdditionalAction"),
        (
            "УстановитьИнформациюПриложения",
            "SetApplicationInformation",
        ),
        ("ПолучитьШаблонЛокализации", "GetLocalizationPattern"),
        ("УстановитьЛокализацию", "SetLocalization"),
        ("ПолучитьПараметры", "GetParameters"),
        ("УстановитьПараметр", "SetParameter"),
        ("Подключить", "Open"),
        ("Отключить", "Close"),
        ("ТестУстройства", "DeviceTest"),
        ("ПолучитьПараметрыККТ", "GetDataKKT"),
        ("ОперацияФН", "OperationFN"),
        ("ОткрытьСмену", "OpenShift"),
        ("ЗакрытьСмену", "CloseShift"),
        ("ПробитьЧек", "ProcessCheck"),
        ("ПробитьЧекКоррекции", "ProcessCorrectionCheck"),
        ("НапечататьТекстовыйДокумент", "PrintTextDocument"),
        ("Инкассация", "CashInOutcome"),
        ("НапечататьОтчетБезГашения", "PrintXReport"),
        ("НапечататьКопиюЧека", "PrintCheckCopy"),
        ("ПолучитьТекущееСостояние", "GetCurrentStatus"),
        (
            "ОтчетОТекущемСостоянииРасчетов",
            "ReportCurrentStatusOfSettlements",
        ),
        ("ОткрытьДенежныйЯщик", "OpenCashDrawer"),
        ("ПолучитьШиринуСтроки", "GetLineLength"),
        ("ОткрытьСессиюРегистрацииКМ", "OpenSessionRegistrationKM"),
        ("ЗапросКМ", "RequestKM"),
        ("ПолучитьРезультатыЗапросаКМ", "GetProcessingKMResult"),
        ("ПодтвердитьКМ", "ConfirmKM"),
        ("ЗакрытьСессиюРегистрацииКМ", "CloseSessionRegistrationKM"),
    ] {
        let n = a.find_method(en);
        assert!(n >= 0, "{en}");
        assert_eq!(a.find_method(ru), n, "{ru}");
        assert_eq!(a.find_method(&en.to_lowercase()), n, "{en} in lower case");
        assert_eq!(a.method_name(n, 0).as_deref(), Some(en));
        assert_eq!(a.method_name(n, 1).as_deref(), Some(ru));
    }
    // The general object's methods are not the driver's.
    assert_eq!(a.find_method("ПроверитьЧек"), -1);
    assert_eq!(a.find_prop("ПоследняяОшибка"), -1);
}

#[test]
fn outputs_are_written_into_the_callers_variables() {
    let a = AddIn::kkt();
    let (c, _) = a.call_out("GetInterfaceRevision", &[]);
    assert_eq!(c.ret, Value::Int(4007));
    // The output variable held a string before the call: it is replaced (and the old value
    // freed through the platform's manager: the host checks every block).
    let (c, outs) = a.call_out("ПолучитьОписание", &[s("старое значение")]);
    assert_eq!(c.ret, Value::Bool(true));
    let d = out_str(&outs[0]);
    assert!(
        d.starts_with("<?xml") && d.contains("<DriverDescription "),
        "{d}"
    );
    assert_eq!(attr(d, "EquipmentType"), "ККТ");
    let (c, outs) = a.call_out("EquipmentParameters", &[s("ККТ"), Value::Empty]);
    assert_eq!(c.ret, Value::Bool(true));
    let t = out_str(&outs[1]);
    for p in [
        "OutboxSettings",
        "JournalPath",
        "StatePath",
        "WaitTimeoutMs",
        "CompanyINN",
        "Route",
    ] {
        assert!(t.contains(&format!("Name=\"{p}\"")), "{p} in {t}");
    }
    // A fixed set of values is a choice list.
    let ffd = &t[t.find(r#"Name="FFDVersion""#).expect("FFDVersion")..];
    let ffd = &ffd[..ffd.find("</Parameter>").expect("FFDVersion has children")];
    assert!(
        ffd.contains(
            r#"<ChoiceList><Item Value="1.2">1.2</Item><Item Value="1.05">1.05</Item></ChoiceList>"#
        ),
        "{ffd}"
    );
    assert!(t.contains(r#"Name="TaxationSystems""#), "{t}");
    // Inputs are left as they were.
    assert_eq!(outs[0], s("ККТ"));
    // An error: Ложь, and GetLastError writes the Russian text into its parameter.
    let (code, text) = fails(&a, "GetDataKKT", &[s("nope"), Value::Empty]);
    assert_eq!(code, 3);
    assert!(text.contains("не подключено"), "{text}");
    // GetLastError keeps the error until the next call; after a success it is 0 and "".
    assert_eq!(fails(&a, "GetDataKKT", &[s("nope"), Value::Empty]).0, 3);
    ok(&a, "GetDescription", &[Value::Empty]);
    let (c, outs) = a.call_out("GetLastError", &[s("x")]);
    assert_eq!(c.ret, Value::Int(0));
    assert_eq!(outs[0], s(""));
}

#[test]
fn connect_refuses_missing_parameters_by_name() {
    let a = AddIn::kkt();
    let (code, text) = fails(
        &a,
        "ConnectEquipment",
        &[
            s("ККТ"),
            s(r#"<Parameters><Parameter Name="JournalPath" Value="/tmp/x.db"/></Parameters>"#),
            Value::Empty,
        ],
    );
    assert_eq!(code, 4);
    assert!(text.contains("OutboxSettings"), "{text}");
    // Outbox settings the outbox refuses: the error names the path, never the password.
    let mut bad = outbox_settings("http://127.0.0.1:9/possystem/v5/");
    bad["worker"]["concurrency"] = json!("many");
    let conn = connection(
        "http://127.0.0.1:9/possystem/v5/",
        &temp_db("bad-settings"),
        100,
    )
    .replace(
        &outbox_settings("http://127.0.0.1:9/possystem/v5/")
            .to_string()
            .replace('"', "&quot;"),
        &bad.to_string().replace('"', "&quot;"),
    );
    assert!(conn.contains("many"), "{conn}");
    let (code, text) = fails(&a, "ConnectEquipment", &[s("ККТ"), s(&conn), Value::Empty]);
    assert_eq!(code, 7007, "{text}");
    assert!(text.contains("worker.concurrency"), "{text}");
    assert!(!text.contains("zUr0OxfI"), "no secret in errors: {text}");
}

/// `conn` (made by [`connection`]) with more parameters.
fn with_params(conn: &str, extra: &[(&str, &str)]) -> String {
    let mut tail = String::new();
    for (n, v) in extra {
        let v = v
            .replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('<', "&lt;");
        tail.push_str(&format!(r#"<Parameter Name="{n}" Value="{v}"/>"#));
    }
    conn.replace("</Parameters>", &format!("{tail}</Parameters>"))
}

fn read_state(path: &std::path::Path) -> Json {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("state file {}: {e}", path.display()));
    serde_json::from_str(&text).expect("state JSON")
}

#[test]
fn the_shift_state_sits_beside_a_file_journal_or_at_state_path() {
    // No network: nothing is sent, the shift is the driver's own.
    let base = "http://127.0.0.1:9/possystem/v5/";
    let journal = temp_db("state-place");
    let beside = PathBuf::from(format!("{journal}.kkt.json"));
    let input = vector("input_parameters.xml");
    let a = AddIn::kkt();

    // A file journal without StatePath: `<journal>.kkt.json`, where installations made before
    // StatePath keep their state.
    let outs = ok(
        &a,
        "ConnectEquipment",
        &[s("ККТ"), s(&connection(base, &journal, 100)), Value::Empty],
    );
    let id = out_str(&outs[2]).to_owned();
    ok(&a, "OpenShift", &[s(&id), s(&input), Value::Empty]);
    ok(&a, "CloseShift", &[s(&id), s(&input), Value::Empty]);
    let outs = ok(&a, "OpenShift", &[s(&id), s(&input), Value::Empty]);
    assert_eq!(attr(out_str(&outs[2]), "ShiftNumber"), "2");
    let kept = read_state(&beside);
    assert_eq!(kept["shift_number"], 2, "{kept}");
    ok(&a, "DisconnectEquipment", &[s(&id)]);

    // StatePath given: the state is there. It starts fresh (shift 1, not the journal's
    // neighbour's shift 2), and the file beside the journal is left alone.
    let elsewhere = PathBuf::from(&journal).with_file_name("workplace-1.kkt-state.json");
    let conn = with_params(
        &connection(base, &journal, 100),
        &[("StatePath", elsewhere.to_str().expect("utf-8 path"))],
    );
    let outs = ok(&a, "ConnectEquipment", &[s("ККТ"), s(&conn), Value::Empty]);
    let id = out_str(&outs[2]).to_owned();
    let outs = ok(&a, "OpenShift", &[s(&id), s(&input), Value::Empty]);
    assert_eq!(attr(out_str(&outs[2]), "ShiftNumber"), "1");
    let there = read_state(&elsewhere);
    assert_eq!(there["shift_open"], true, "{there}");
    assert_eq!(
        read_state(&beside),
        kept,
        "the file beside the journal is untouched"
    );
    ok(&a, "DisconnectEquipment", &[s(&id)]);
}

#[test]
fn a_postgres_journal_needs_state_path() {
    let base = "http://127.0.0.1:9/possystem/v5/";
    let url = "postgres://fiskal:pg-s3cret@127.0.0.1:9/fiskal";
    let a = AddIn::kkt();
    let conn = connection(base, url, 100);

    // No StatePath: refused before anything is opened, naming the parameter, never the URL.
    let (code, text) = fails(&a, "ConnectEquipment", &[s("ККТ"), s(&conn), Value::Empty]);
    assert_eq!(code, 4, "{text}");
    assert!(text.starts_with("параметр StatePath: не задан"), "{text}");
    assert!(
        !text.contains("pg-s3cret") && !text.contains("127.0.0.1"),
        "{text}"
    );
    // The device test says the same.
    let (code, text) = fails(
        &a,
        "EquipmentTest",
        &[s("ККТ"), s(&conn), Value::Empty, Value::Empty],
    );
    assert_eq!(code, 4, "{text}");
    assert!(text.contains("StatePath"), "{text}");

    // With StatePath the state's place is settled: the connect goes on to the journal itself
    // (this build may have no PostgreSQL journal, or no server listens: either way it is the
    // journal's error now, not the parameter's), and no secret is shown.
    let state = PathBuf::from(temp_db("pg-state")).with_file_name("kkt.json");
    let conn = with_params(&conn, &[("StatePath", state.to_str().expect("utf-8 path"))]);
    let (code, text) = fails(&a, "ConnectEquipment", &[s("ККТ"), s(&conn), Value::Empty]);
    assert_ne!(code, 4, "{text}");
    assert!(!text.contains("StatePath"), "{text}");
    assert!(!text.contains("pg-s3cret"), "{text}");
}

#[test]
fn a_third_decimal_is_refused_naming_the_position() {
    let emu = BackgroundAtol::start(AtolConfig::default()).expect("emulator");
    let a = AddIn::kkt();
    let outs = ok(
        &a,
        "ПодключитьОборудование",
        &[
            s("ККТ"),
            s(&connection(&emu.base_url_v5(), &temp_db("decimals"), 5000)),
            Value::Empty,
        ],
    );
    let id = out_str(&outs[2]).to_owned();
    let (code, text) = fails(
        &a,
        "ProcessCheck",
        &[
            s(&id),
            Value::Bool(true),
            s(&vector("check_three_decimals.xml")),
            Value::Empty,
        ],
    );
    assert_eq!(code, 2);
    assert!(
        text.contains("Positions.FiscalString[2].PriceWithDiscount"),
        "{text}"
    );
}

#[test]
fn the_whole_sequence_of_a_configuration() {
    let emu = BackgroundAtol::start(
        AtolConfig::default().with_processing_delay(Duration::from_millis(30)),
    )
    .expect("emulator");
    let journal = temp_db("sequence");
    let a = AddIn::kkt();
    let input = vector("input_parameters.xml");

    let outs = ok(
        &a,
        "ConnectEquipment",
        &[
            s("ККТ"),
            s(&connection(&emu.base_url_v5(), &journal, 20_000)),
            Value::Empty,
        ],
    );
    let id = out_str(&outs[2]).to_owned();
    assert!(!id.is_empty());

    let outs = ok(&a, "GetDataKKT", &[s(&id), Value::Empty]);
    let t = out_str(&outs[1]);
    assert_eq!(attr(t, "INN"), "5544332219");
    assert_eq!(attr(t, "FFDVersionKKT"), "1.2");
    assert_eq!(attr(t, "IsOnline"), "true");
    // Every attribute of the standard's TableParametersKKT table is written, the required
    // `IsAutomatic` among them.
    for name in [
        "KKTNumber",
        "KKTSerialNumber",
        "FirmwareVersion",
        "Fiscal",
        "FFDVersionFN",
        "FNSerialNumber",
        "DocumentNumber",
        "DateTime",
        "CompanyName",
        "SaleAddress",
        "SaleLocation",
        "TaxationSystems",
        "IsOffline",
        "IsEncrypted",
        "IsService",
        "IsExcisable",
        "IsGambling",
        "IsLottery",
        "BSOSing",
        "IsAutomaticPrinter",
        "IsMarking",
        "IsPawnshop",
        "IsAssurance",
        "AgentTypes",
        "AutomaticNumber",
        "OFDCompany",
        "OFDCompanyINN",
        "FNSURL",
        "SenderEmail",
    ] {
        attr(t, name);
    }
    assert_eq!(attr(t, "IsAutomatic"), "false");

    let outs = ok(&a, "OpenShift", &[s(&id), s(&input), Value::Empty]);
    let o = out_str(&outs[2]);
    assert_eq!(attr(o, "ShiftState"), "2");
    assert_eq!(attr(o, "ShiftNumber"), "1");

    // Marking session: the code of the marked position.
    ok(&a, "OpenSessionRegistrationKM", &[s(&id)]);
    let req = vector("request_km.xml");
    let outs = ok(&a, "RequestKM", &[s(&id), s(&req), Value::Empty]);
    let r = out_str(&outs[2]);
    assert_eq!(
        attr(r, "Checking"),
        "false",
        "no ФН checked the crypto tail"
    );
    let (c, outs) = a.call_out(
        "GetProcessingKMResult",
        &[s(&id), Value::Empty, Value::Empty],
    );
    assert_eq!(c.ret, Value::Bool(true));
    let p = out_str(&outs[1]);
    assert_eq!(attr(p, "GUID"), "6f1c2d3e-0000-4000-8000-000000000001");
    assert_eq!(attr(p, "ResultCode"), "0", "2106 = 0: not checked");
    assert_eq!(outs[2], Value::Int(2), "the result cannot be received");
    ok(
        &a,
        "ConfirmKM",
        &[
            s(&id),
            s("6f1c2d3e-0000-4000-8000-000000000001"),
            Value::Int(0),
        ],
    );

    let outs = ok(
        &a,
        "ProcessCheck",
        &[
            s(&id),
            Value::Bool(true),
            s(&vector("check_sell.xml")),
            Value::Empty,
        ],
    );
    let d = out_str(&outs[3]).to_owned();
    assert!(d.contains("<DocumentOutputParameters>"), "{d}");
    let fd: u32 = attr(&d, "CheckNumber").parse().expect("ФД number");
    assert!(fd > 0, "{d}");
    assert!(!attr(&d, "FiscalSign").is_empty(), "{d}");
    assert!(!attr(&d, "DateTime").is_empty(), "{d}");
    assert_eq!(attr(&d, "ShiftNumber"), "1", "the shift OpenShift reported");
    assert_eq!(attr(&d, "ShiftClosingCheckNumber"), "1");
    // GetDataKKT now carries the register data the provider reported.
    let outs = ok(&a, "GetDataKKT", &[s(&id), Value::Empty]);
    let t = out_str(&outs[1]);
    assert!(!attr(t, "KKTNumber").is_empty(), "{t}");
    assert!(!attr(t, "FNSerialNumber").is_empty(), "{t}");
    ok(&a, "CloseSessionRegistrationKM", &[s(&id)]);

    let outs = ok(&a, "GetCurrentStatus", &[s(&id), s(&input), Value::Empty]);
    let st = out_str(&outs[2]).to_owned();
    assert_eq!(attr(&st, "ShiftState"), "2");
    assert_eq!(attr(&st, "CheckNumber"), fd.to_string());
    assert_eq!(attr(&st, "ShiftClosingCheckNumber"), "1");
    assert_eq!(attr(&st, "CashBalance"), "490.00", "the receipt's cash");
    // OperationCounters as a structure: its attributes on a `Parameters` child (the standard's
    // layout; IRP reads `CountersOperationType1.Parameters`).
    let c1 = &st[st
        .find("<CountersOperationType1><Parameters ")
        .expect("counters 1 with a Parameters child")..];
    assert_eq!(attr(c1, "CheckCount"), "1");
    assert_eq!(attr(c1, "TotalChecksAmount"), "5490.00");

    // Cash in and out (Число from 1C), and a withdrawal above the balance is refused.
    ok(
        &a,
        "CashInOutcome",
        &[s(&id), s(&input), Value::Double(100.5)],
    );
    ok(&a, "Инкассация", &[s(&id), s(&input), Value::Double(-90.5)]);
    let (code, text) = fails(
        &a,
        "CashInOutcome",
        &[s(&id), s(&input), Value::Int(-10_000)],
    );
    assert_eq!(code, 8);
    assert!(text.contains("больше остатка"), "{text}");
    ok(&a, "PrintXReport", &[s(&id), s(&input)]);
    ok(
        &a,
        "PrintTextDocument",
        &[s(&id), s(&vector("document_package.xml"))],
    );
    ok(&a, "OpenCashDrawer", &[s(&id)]);

    let outs = ok(
        &a,
        "ProcessCorrectionCheck",
        &[s(&id), s(&vector("check_correction.xml")), Value::Empty],
    );
    let cd = out_str(&outs[2]).to_owned();
    let fd2: u32 = attr(&cd, "CheckNumber").parse().expect("ФД number");
    assert_ne!(fd2, fd, "a second document");

    let outs = ok(&a, "CloseShift", &[s(&id), s(&input), Value::Empty]);
    let cl = out_str(&outs[2]).to_owned();
    assert_eq!(attr(&cl, "ShiftClosingCheckNumber"), "2");
    assert_eq!(
        attr(&cl, "CashBalance"),
        "800.00",
        "490 + 100.50 − 90.50 + 300"
    );
    let c1 = &cl[cl
        .find("<CountersOperationType1><Parameters ")
        .expect("counters 1")..];
    assert_eq!(attr(c1, "CorrectionCheckCount"), "1");
    assert_eq!(attr(c1, "TotalCorrectionChecksAmount"), "300.00");
    let outs = ok(&a, "GetCurrentStatus", &[s(&id), s(&input), Value::Empty]);
    assert_eq!(attr(out_str(&outs[2]), "ShiftState"), "1");

    ok(&a, "DisconnectEquipment", &[s(&id)]);
    let (code, _) = fails(&a, "GetCurrentStatus", &[s(&id), s(&input), Value::Empty]);
    assert_eq!(code, 3);

    // The journal kept both receipts, with the marked position's code and planned status.
    let f = AddIn::new();
    f.ok(
        "ОткрытьОчередь",
        &[
            s(&journal),
            s(&outbox_settings(&emu.base_url_v5()).to_string()),
        ],
    );
    let list = f.ok("СписокЧеков", &[s(r#"{"state": "done"}"#)]);
    let entries = list["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 2, "{list}");
    // The marked position's code reached the register (ATOL v5 reports its check).
    assert!(
        entries.iter().any(|e| e["fiscal"]["mark_checks"]
            .as_array()
            .is_some_and(|m| m.len() == 1)),
        "{list}"
    );
}

#[test]
fn a_repeat_after_a_timeout_makes_exactly_one_receipt() {
    let emu = BackgroundAtol::start(
        AtolConfig::default().with_processing_delay(Duration::from_millis(1500)),
    )
    .expect("emulator");
    let journal = temp_db("timeout");
    let a = AddIn::kkt();
    let outs = ok(
        &a,
        "ConnectEquipment",
        &[
            s("ККТ"),
            s(&connection(&emu.base_url_v5(), &journal, 200)),
            Value::Empty,
        ],
    );
    let id = out_str(&outs[2]).to_owned();
    let check = vector("check_sell.xml");
    let args = [s(&id), Value::Bool(true), s(&check), Value::Empty];
    let (code, text) = fails(&a, "ProcessCheck", &args);
    assert_eq!(code, 5, "{text}");
    assert!(text.contains("повторите"), "{text}");
    // 1C repeats the same call until it succeeds: every repeat waits for the same entry.
    let mut answer = None;
    for _ in 0..100 {
        let (c, outs) = a.call_out("ProcessCheck", &args);
        if c.ret == Value::Bool(true) {
            answer = Some(out_str(&outs[3]).to_owned());
            break;
        }
    }
    let answer = answer.expect("fiscalised within the repeats");
    assert!(answer.contains("FiscalSign"), "{answer}");
    ok(&a, "DisconnectEquipment", &[s(&id)]);
    let f = AddIn::new();
    f.ok(
        "ОткрытьОчередь",
        &[
            s(&journal),
            s(&outbox_settings(&emu.base_url_v5()).to_string()),
        ],
    );
    let mut total = 0;
    for state in [
        "queued",
        "sending",
        "accepted",
        "done",
        "in_doubt",
        "retry_later",
        "failed_at_register",
        "rejected",
        "stuck",
        "cancelled",
    ] {
        let q = json!({"state": state}).to_string();
        let n = f.ok("СписокЧеков", &[s(&q)])["entries"]
            .as_array()
            .map_or(0, Vec::len);
        total += n;
        if state == "done" {
            assert_eq!(n, 1, "the receipt is done");
        }
    }
    assert_eq!(total, 1, "exactly one receipt in the journal");
}

#[test]
fn a_code_rejected_in_the_marking_session_is_not_sold() {
    let emu = BackgroundAtol::start(AtolConfig::default()).expect("emulator");
    let a = AddIn::kkt();
    let outs = ok(
        &a,
        "ConnectEquipment",
        &[
            s("ККТ"),
            s(&connection(&emu.base_url_v5(), &temp_db("km-reject"), 5000)),
            Value::Empty,
        ],
    );
    let id = out_str(&outs[2]).to_owned();
    let req = vector("request_km.xml");
    // Without a session RequestKM is refused.
    let (code, text) = fails(&a, "RequestKM", &[s(&id), s(&req), Value::Empty]);
    assert_eq!(code, 8, "{text}");
    ok(&a, "ОткрытьСессиюРегистрацииКМ", &[s(&id)]);
    // A code fiskal-marks cannot read is refused by the local check.
    let bad = req.replacen("MarkingCode=\"", "MarkingCode=\"QUJD", 1);
    let (code, _) = fails(&a, "ЗапросКМ", &[s(&id), s(&bad), Value::Empty]);
    assert_ne!(code, 0);
    ok(&a, "ЗапросКМ", &[s(&id), s(&req), Value::Empty]);
    ok(
        &a,
        "ПодтвердитьКМ",
        &[
            s(&id),
            s("6f1c2d3e-0000-4000-8000-000000000001"),
            Value::Int(1),
        ],
    );
    let (code, text) = fails(
        &a,
        "ProcessCheck",
        &[
            s(&id),
            Value::Bool(true),
            s(&vector("check_sell.xml")),
            Value::Empty,
        ],
    );
    assert_eq!(code, 2);
    assert!(
        text.starts_with("Positions.FiscalString[1].MarkingCode"),
        "{text}"
    );
    // Nothing was enqueued: the status shows no backlog and no receipt.
    let outs = ok(
        &a,
        "GetCurrentStatus",
        &[s(&id), Value::Empty, Value::Empty],
    );
    let st = out_str(&outs[2]);
    assert_eq!(attr(st, "BacklogDocumentsCounter"), "0");
    assert_eq!(attr(st, "CheckNumber"), "0");
    ok(&a, "ЗакрытьСессиюРегистрацииКМ", &[s(&id)]);
}

#[test]
fn the_3x_methods_and_equipment_test() {
    let emu = BackgroundAtol::start(AtolConfig::default()).expect("emulator");
    let journal = temp_db("3x");
    let a = AddIn::kkt();
    let outs = ok(&a, "ПолучитьПараметры", &[Value::Empty]);
    assert!(out_str(&outs[0]).contains("<Settings>"));
    // EquipmentTest: a description, nothing connected, the journal not created.
    let conn = connection(&emu.base_url_v5(), &journal, 5000);
    let outs = ok(
        &a,
        "ТестированиеОборудования",
        &[s("ККТ"), s(&conn), Value::Empty, Value::Empty],
    );
    assert!(out_str(&outs[2]).contains("Параметры верны"), "{outs:?}");
    assert!(!std::path::Path::new(&journal).exists());
    let broken = conn.replace("OutboxSettings", "Outbox");
    let (code, text) = fails(
        &a,
        "EquipmentTest",
        &[s("ККТ"), s(&broken), Value::Empty, Value::Empty],
    );
    assert_eq!(code, 4);
    assert!(text.contains("OutboxSettings"), "{text}");
    // 3.x: SetParameter one by one (a number as 1C's Число), Open, DeviceTest, Close.
    for (n, v) in [
        (
            "OutboxSettings",
            s(&outbox_settings(&emu.base_url_v5()).to_string()),
        ),
        ("JournalPath", s(&journal)),
        ("WaitTimeoutMs", Value::Int(5000)),
        ("CompanyINN", s("5544332219")),
        ("PaymentPlace", s("https://v5.online.atol.ru")),
    ] {
        ok(&a, "УстановитьПараметр", &[s(n), v]);
    }
    let outs = ok(&a, "Подключить", &[Value::Empty]);
    let id = out_str(&outs[0]).to_owned();
    let outs = ok(&a, "DeviceTest", &[Value::Empty, Value::Empty]);
    assert!(out_str(&outs[0]).contains("Параметры верны"));
    assert_eq!(outs[1], s(""), "DemoModeIsActivated");
    let (code, text) = fails(&a, "OperationFN", &[s(&id), Value::Int(1), s("")]);
    assert_eq!(code, 8);
    assert!(text.contains("у провайдера"), "{text}");
    let outs = ok(&a, "GetLineLength", &[s(&id), Value::Empty]);
    assert_eq!(outs[1], Value::Int(48));
    let outs = ok(&a, "GetAdditionalActions", &[Value::Empty]);
    assert!(out_str(&outs[0]).contains("Actions"));
    let (code, _) = fails(&a, "DoAdditionalAction", &[s("X")]);
    assert_eq!(code, 8);
    ok(
        &a,
        "SetApplicationInformation",
        &[s("<ApplicationSettings/>")],
    );
    // CloseShift of a shift never opened is refused, as a register refuses it.
    let (code, _) = fails(&a, "CloseShift", &[s(&id), Value::Empty, Value::Empty]);
    assert_eq!(code, 8);
    ok(&a, "Отключить", &[s(&id)]);
    let (code, _) = fails(&a, "GetLineLength", &[s(&id), Value::Empty]);
    assert_eq!(code, 3);
}

/// The sale and the correction of the vectors through another provider's emulator: connect,
/// OpenShift, ProcessCheck, ProcessCorrectionCheck, GetCurrentStatus, CloseShift, disconnect.
/// `refusals`: what this provider's wire cannot carry, in the order the adapter finds it: the
/// field the refusal must name, and the CheckPackage change that leaves it out. Each refusal is
/// final (code 6) and named; the sale without those fields then goes through.
/// `no_correction`: the provider's API has no correction receipt; the refusal names this field.
fn sequence_through(
    name: &str,
    provider: Json,
    refusals: &[(&str, &str, &str)],
    no_correction: Option<&str>,
    extra: &[(&str, &str)],
) {
    let journal = temp_db(&format!("provider-{name}"));
    let settings = json!({
        "routes": {name: {"provider": provider}},
        "default_route": name,
        "worker": {"concurrency": 2, "lease_ms": 5000, "call_timeout_ms": 2000,
                   "idle_wait_ms": 20, "drain_timeout_ms": 2000},
        "timing": {"poll_first_ms": 50, "poll_max_ms": 200, "retry_base_ms": 50}
    });
    let esc = |v: &str| v.replace('&', "&amp;").replace('"', "&quot;");
    let mut conn = format!(
        r#"<Parameters><Parameter Name="OutboxSettings" Value="{}"/><Parameter Name="JournalPath" Value="{}"/><Parameter Name="WaitTimeoutMs" Value="20000"/><Parameter Name="CompanyINN" Value="5544332219"/>"#,
        esc(&settings.to_string()),
        esc(&journal)
    );
    for (n, v) in extra {
        conn.push_str(&format!(r#"<Parameter Name="{n}" Value="{}"/>"#, esc(v)));
    }
    conn.push_str("</Parameters>");
    let a = AddIn::kkt();
    let input = vector("input_parameters.xml");
    let outs = ok(&a, "ConnectEquipment", &[s("ККТ"), s(&conn), Value::Empty]);
    let id = out_str(&outs[2]).to_owned();
    ok(&a, "OpenShift", &[s(&id), s(&input), Value::Empty]);
    let mut sell = vector("check_sell.xml");
    for (field, from, to) in refusals {
        let (code, text) = fails(
            &a,
            "ProcessCheck",
            &[s(&id), Value::Bool(true), s(&sell), Value::Empty],
        );
        assert_eq!(code, 6, "{name}: {text}");
        // The text starts with the CheckPackage field and names the provider.
        assert!(
            text.starts_with(field),
            "{name}: {field} at the start of {text}"
        );
        assert!(text.contains(name), "{name} in {text}");
        assert!(sell.contains(from), "{from}");
        sell = sell.replacen(from, to, 1);
    }
    let outs = ok(
        &a,
        "ProcessCheck",
        &[s(&id), Value::Bool(true), s(&sell), Value::Empty],
    );
    let d = out_str(&outs[3]).to_owned();
    assert!(!attr(&d, "FiscalSign").is_empty(), "{name}: {d}");
    let correction = [s(&id), s(&vector("check_correction.xml")), Value::Empty];
    let receipts = if let Some(field) = no_correction {
        let (code, text) = fails(&a, "ProcessCorrectionCheck", &correction);
        assert_eq!(code, 6, "{name}: {text}");
        assert!(
            text.starts_with(field),
            "{name}: {field} at the start of {text}"
        );
        assert!(text.contains(name), "{name} in {text}");
        1
    } else {
        let outs = ok(&a, "ProcessCorrectionCheck", &correction);
        assert!(!attr(out_str(&outs[2]), "FiscalSign").is_empty(), "{name}");
        2
    };
    let outs = ok(&a, "CloseShift", &[s(&id), s(&input), Value::Empty]);
    let cl = out_str(&outs[2]).to_owned();
    assert_eq!(
        attr(&cl, "ShiftClosingCheckNumber"),
        receipts.to_string(),
        "{name}: {cl}"
    );
    ok(&a, "DisconnectEquipment", &[s(&id)]);
}

/// The `MarkingCode` attribute of `check_sell.xml`.
const MARK_ATTR: &str = r#" MarkingCode="MDEwNDYwMTIzNDU2Nzg5MzIxNVJ0JUtwMihMbTgveB05MUZGMDEdOTJsSDJaUlo4b3hZeWJnKzlzVk80MEo1ZGV1TXhKY1NIcTI0SXNISWZZdWZBPQ==""#;

#[test]
fn the_sequence_through_orange_business_ru_ferma_komtet_and_modulkassa() {
    use fiskal_emulator::business_ru::{
        BusinessRuConfig, BusinessRuEmulator, TEST_APP_ID_V2, TEST_SECRET,
    };
    use fiskal_emulator::ferma::{
        FermaConfig, FermaEmulator, TEST_LOGIN_FFD_1_2, TEST_PASSWORD_FFD_1_2,
    };
    use fiskal_emulator::komtet::{
        KomtetConfig, KomtetEmulator, TEST_QUEUE_ID, TEST_SECRET as KOMTET_SECRET, TEST_SHOP_ID,
    };
    use fiskal_emulator::modulkassa::{
        ModulKassaConfig, ModulKassaEmulator, TEST_PASSWORD as MODUL_PASSWORD, TEST_USER_NAME,
    };
    use fiskal_emulator::orange::{OrangeConfig, OrangeEmulator};
    // The emulators run on their own runtime's worker threads; the add-in is driven from here.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let br = rt
        .block_on(BusinessRuEmulator::start(BusinessRuConfig::default()))
        .expect("business.ru emulator");
    let ferma = rt
        .block_on(FermaEmulator::start(FermaConfig::default()))
        .expect("ferma emulator");
    let komtet = rt
        .block_on(KomtetEmulator::start(KomtetConfig::default()))
        .expect("komtet emulator");
    let modul = rt
        .block_on(ModulKassaEmulator::start(ModulKassaConfig::default()))
        .expect("modulkassa emulator");
    let orange = rt
        .block_on(OrangeEmulator::start(OrangeConfig::default()))
        .expect("orange data emulator");
    // Orange Data: mTLS with the emulator's CA and a client certificate it issued, requests
    // signed with a key registered for the INN, which is also the receipt's company.
    let orange_inn = "7727401209";
    let signing = orange.issue_signing_key(orange_inn).expect("signing key");
    let identity = orange.issue_client_identity().expect("client certificate");
    let ca = PathBuf::from(temp_db("orange-ca")).with_file_name("ca.pem");
    std::fs::write(&ca, orange.ca_pem()).expect("ca file");
    sequence_through(
        "orange",
        json!({"provider": "orange_data", "base_url": orange.base_url(), "inn": orange_inn,
               "signing_key": signing, "client_cert": identity.cert_pem,
               "client_key": identity.key_pem,
               "http": {"builtin_roots": false, "ca": {"file": ca}, "timeout_ms": 5000}}),
        // Orange Data's protocol (2.31.3) has no tax code for 22 % yet: refused until
        // `vat22_tax_code` is set; the sale goes at 20 %.
        &[
            (
                "Positions.FiscalString[1].VATRate",
                r#"VATRate="22"
                  VATAmount="899.84""#,
                r#"VATRate="20"
                  VATAmount="831.67""#,
            ),
            (
                "Positions.FiscalString[2].VATRate",
                r#"VATRate="22""#,
                r#"VATRate="20""#,
            ),
        ],
        None,
        &[("CompanyINN", orange_inn)],
    );
    sequence_through(
        "business_ru",
        json!({"provider": "business_ru", "api": "v2", "base_url": br.base_url_v2(),
               "app_id": TEST_APP_ID_V2, "secret": TEST_SECRET}),
        &[
            ("Positions.FiscalString[1].MarkingCode", MARK_ATTR, ""),
            (
                "Positions.FiscalString[2].MeasureOfQuantity",
                r#"MeasureOfQuantity="11""#,
                r#"MeasureOfQuantity="0""#,
            ),
            (
                "Positions.FiscalString[3].VATRate",
                r#"VATRate="5/105""#,
                r#"VATRate="5""#,
            ),
        ],
        Some("Parameters.CorrectionData"),
        &[],
    );
    sequence_through(
        "ferma",
        json!({"provider": "ferma", "base_url": ferma.base_url(), "login": TEST_LOGIN_FFD_1_2,
               "password": TEST_PASSWORD_FFD_1_2, "ffd": "1.2"}),
        &[(
            "Parameters.SaleAddress",
            r#"SaleAddress="г. Москва, ул. Примерная, д. 1""#,
            r#"SaleAddress="""#,
        )],
        None,
        &[],
    );
    sequence_through(
        "komtet",
        json!({"provider": "komtet", "base_url": komtet.base_url(), "shop_id": TEST_SHOP_ID,
               "secret": KOMTET_SECRET, "queue_id": TEST_QUEUE_ID}),
        &[],
        None,
        // KOMTET requires 1009; the correction vector has no SaleAddress: the device's.
        &[("PaymentAddress", "г. Москва, ул. Примерная, д. 1")],
    );
    // 1212 = 33 (ФФД 1.2 marked goods) has no МодульКасса name; a marked position must be 33,
    // so the position goes without its code.
    let marked_subject = format!(
        "CalculationSubject=\"33\" MeasureOfQuantity=\"0\"\n                  {}",
        MARK_ATTR.trim_start()
    );
    sequence_through(
        "modulkassa",
        json!({"provider": "modulkassa", "base_url": modul.base_url(),
               "user_name": TEST_USER_NAME, "password": MODUL_PASSWORD}),
        &[
            (
                "Positions.FiscalString[1].CalculationSubject",
                &marked_subject,
                r#"CalculationSubject="1" MeasureOfQuantity="0""#,
            ),
            (
                "Positions.FiscalString[2].MeasureOfQuantity",
                r#"MeasureOfQuantity="11""#,
                r#"MeasureOfQuantity="0""#,
            ),
        ],
        Some("Parameters.CorrectionData"),
        &[],
    );
}

/// A CheckPackage in the shape 1C's own callers write it (the FFD 1.2 demo package of БПО and
/// IRP's `CheckPackage_ToXML`): empty `AgentData` / `VendorData` / `CustomerDetail` /
/// `IndustryAttribute` elements, a product code in `GoodCodeData` (Base64), a barcode as
/// `Type` + `ValueBase64`, and a correction with `Description`. Our own words and values.
const BPO_SHAPED_SALE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<CheckPackage>
  <Parameters CashierName="Петрова А.А." CashierINN="" OperationType="1" TaxationSystem="0"
              SaleAddress="г. Москва, ул. Примерная, д. 1" SaleLocation="https://v5.online.atol.ru"
              CustomerEmail="buyer@example.ru" CustomerPhone="">
    <AgentData/>
    <VendorData/>
    <CustomerDetail/>
    <IndustryAttribute/>
  </Parameters>
  <Positions>
    <FiscalString Name="Чай листовой" Quantity="1" PriceWithDiscount="240" AmountWithDiscount="240"
                  DiscountAmount="" Department="1" VATRate="none" VATAmount="" PaymentMethod="4"
                  CalculationSubject="33" MeasureOfQuantity="0">
      <GoodCodeData GS1.M="MDEwNDYwMzAyMDUwODExMDIxNU1kTDlwSDJjUTR4Wg=="/>
      <AgentData/>
      <VendorData/>
      <IndustryAttribute/>
    </FiscalString>
    <TextString Text="Бонусы: 12"/>
    <Barcode Type="EAN13" ValueBase64="NDYwMTIzNDU2Nzg5Mw=="/>
  </Positions>
  <Payments Cash="240" ElectronicPayment="0" PrePayment="0" PostPayment="0" Barter="0"/>
</CheckPackage>"#;

fn connect_atol(a: &AddIn, base_url: &str, journal: &str, extra: &str) -> String {
    let conn = connection(base_url, journal, 20_000)
        .replace("</Parameters>", &format!("{extra}</Parameters>"));
    let outs = ok(a, "ConnectEquipment", &[s("ККТ"), s(&conn), Value::Empty]);
    out_str(&outs[2]).to_owned()
}

#[test]
fn a_package_in_the_shape_1c_writes_is_fiscalised() {
    let emu = BackgroundAtol::start(AtolConfig::default()).expect("emulator");
    let journal = temp_db("bpo-shape");
    let a = AddIn::kkt();
    let id = connect_atol(&a, &emu.base_url_v5(), &journal, "");
    let outs = ok(
        &a,
        "ProcessCheck",
        &[s(&id), Value::Bool(false), s(BPO_SHAPED_SALE), Value::Empty],
    );
    assert!(!attr(out_str(&outs[3]), "FiscalSign").is_empty());
    // The correction as callers send it: `Description` filled.
    let correction = vector("check_correction.xml").replace(
        r#"Number=""/>"#,
        r#"Number="" Description="Чек не пробит: сбой связи"/>"#,
    );
    assert!(correction.contains("Description"), "{correction}");
    let outs = ok(
        &a,
        "ProcessCorrectionCheck",
        &[s(&id), s(&correction), Value::Empty],
    );
    assert!(!attr(out_str(&outs[2]), "FiscalSign").is_empty());
    // A text document as the standard writes it: root `Document`, `Barcode Type ValueBase64`.
    let doc = r#"<Document><Positions><TextString Text="Слип"/><Barcode Type="QR" ValueBase64="aHR0cHM6Ly9leGFtcGxlLnJ1"/></Positions></Document>"#;
    ok(&a, "PrintTextDocument", &[s(&id), s(doc)]);
    // A barcode type the standard does not name is refused by its path.
    let (code, text) = fails(
        &a,
        "ProcessCheck",
        &[
            s(&id),
            Value::Bool(false),
            s(&BPO_SHAPED_SALE.replace(
                r#"Type="EAN13" ValueBase64"#,
                r#"Type="PDF417" ValueBase64"#,
            )),
            Value::Empty,
        ],
    );
    assert_eq!(code, 2, "{text}");
    assert!(text.starts_with("Positions.Barcode[1].Type"), "{text}");
    ok(&a, "DisconnectEquipment", &[s(&id)]);
    // The product code reached the register as the 1163 child GS1.M (ATOL reports its check).
    let f = AddIn::new();
    f.ok(
        "ОткрытьОчередь",
        &[
            s(&journal),
            s(&outbox_settings(&emu.base_url_v5()).to_string()),
        ],
    );
    let list = f.ok("СписокЧеков", &[s(r#"{"state": "done"}"#)]);
    let entries = list["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 2, "{list}");
    assert!(
        entries.iter().any(|e| e["fiscal"]["mark_checks"]
            .as_array()
            .is_some_and(|m| m.len() == 1)),
        "{list}"
    );
}

/// 1C's FFD 1.2 sample sends `GoodCodeData EAN13` on an ordinary good: the product code (1163)
/// of goods that are not marked (before: refused as a mark on a non-marked subject).
#[test]
fn an_ean13_product_code_on_an_ordinary_good_is_fiscalised() {
    let emu = BackgroundAtol::start(AtolConfig::default()).expect("emulator");
    let journal = temp_db("ean13-ordinary");
    let a = AddIn::kkt();
    let id = connect_atol(&a, &emu.base_url_v5(), &journal, "");
    let sale = BPO_SHAPED_SALE
        .replace(r#"CalculationSubject="33""#, r#"CalculationSubject="1""#)
        .replace(
            r#"GS1.M="MDEwNDYwMzAyMDUwODExMDIxNU1kTDlwSDJjUTR4Wg==""#,
            r#"EAN13="NDYwMTIzNDU2Nzg5Mw==""#,
        );
    assert!(sale.contains(r#"EAN13="NDYw"#), "{sale}");
    let outs = ok(
        &a,
        "ProcessCheck",
        &[s(&id), Value::Bool(false), s(&sale), Value::Empty],
    );
    assert!(!attr(out_str(&outs[3]), "FiscalSign").is_empty());
    ok(&a, "DisconnectEquipment", &[s(&id)]);
    // The code reached the register: ATOL v5 carries it in `mark_code` (key `ean13`), and the
    // emulator reports every `mark_code` it was sent.
    let f = AddIn::new();
    f.ok(
        "ОткрытьОчередь",
        &[
            s(&journal),
            s(&outbox_settings(&emu.base_url_v5()).to_string()),
        ],
    );
    let list = f.ok("СписокЧеков", &[s(r#"{"state": "done"}"#)]);
    let entries = list["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 1, "{list}");
    assert_eq!(
        entries[0]["fiscal"]["mark_checks"][0]["mark_code"], "4601234567893",
        "{list}"
    );
}

#[test]
fn the_correction_of_revision_4_4_passes_electronically() {
    let emu = BackgroundAtol::start(AtolConfig::default()).expect("emulator");
    let a = AddIn::kkt();
    let id = connect_atol(&a, &emu.base_url_v5(), &temp_db("correction-44"), "");
    // (DeviceID, Electronically, CheckPackage, DocumentOutputParameters).
    let outs = ok(
        &a,
        "ПробитьЧекКоррекции",
        &[
            s(&id),
            Value::Bool(true),
            s(&vector("check_correction.xml")),
            Value::Empty,
        ],
    );
    let d = out_str(&outs[3]);
    assert!(!attr(d, "FiscalSign").is_empty(), "{d}");
    assert_eq!(outs[1], Value::Bool(true), "the input is left as it was");
}

#[test]
fn taxation_systems_are_the_registers_and_checked() {
    let emu = BackgroundAtol::start(AtolConfig::default()).expect("emulator");
    let a = AddIn::kkt();
    // A code outside the standard's table is refused naming the parameter.
    let conn = connection(&emu.base_url_v5(), &temp_db("tax-bad"), 5000).replace(
        "</Parameters>",
        r#"<Parameter Name="TaxationSystems" Value="0,9"/></Parameters>"#,
    );
    let (code, text) = fails(&a, "ConnectEquipment", &[s("ККТ"), s(&conn), Value::Empty]);
    assert_eq!(code, 4, "{text}");
    assert!(text.contains("TaxationSystems"), "{text}");
    let id = connect_atol(
        &a,
        &emu.base_url_v5(),
        &temp_db("tax"),
        r#"<Parameter Name="TaxationSystems" Value="1, 2"/><Parameter Name="CompanyName" Value="ООО «Ромашка»"/>"#,
    );
    let outs = ok(&a, "GetDataKKT", &[s(&id), Value::Empty]);
    let t = out_str(&outs[1]);
    assert_eq!(attr(t, "TaxationSystems"), "1,2");
    assert_eq!(attr(t, "CompanyName"), "ООО «Ромашка»");
    // The sale vector is ОСН (0): not the register's, refused before anything is enqueued.
    let (code, text) = fails(
        &a,
        "ProcessCheck",
        &[
            s(&id),
            Value::Bool(true),
            s(&vector("check_sell.xml")),
            Value::Empty,
        ],
    );
    assert_eq!(code, 2, "{text}");
    assert!(text.starts_with("Parameters.TaxationSystem"), "{text}");
    let outs = ok(
        &a,
        "GetCurrentStatus",
        &[s(&id), Value::Empty, Value::Empty],
    );
    assert_eq!(attr(out_str(&outs[2]), "BacklogDocumentsCounter"), "0");
    // The correction vector is УСН доход (1): accepted.
    ok(
        &a,
        "ProcessCorrectionCheck",
        &[s(&id), s(&vector("check_correction.xml")), Value::Empty],
    );
}
