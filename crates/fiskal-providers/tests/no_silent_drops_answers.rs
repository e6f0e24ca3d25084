//! Nothing a provider answers about a fiscalised document is dropped silently (issue 24): the
//! answer side of `no_silent_drops` (`tests/no_silent_drops/`).
//!
//! For every provider, the documented answers (the provider's published samples, and a maximal
//! answer with every documented field filled) are walked leaf by leaf; every leaf path must be
//! named by that provider's table below, as
//!
//! * `M(check)` — mapped: the value is in the parsed [`FiscalAttributes`] (`check` compares the
//!   answer's value with the attribute);
//! * `O(what)` — read for the outcome itself (state, error, ids), not a fiscal attribute;
//! * `I(reason)` — ignored, for the stated reason (an echo of what we sent, a provider-internal
//!   value, …).
//!
//! A path is exact (`payload.fn_number`, arrays as `[]`) or a prefix pattern ending in `.*`
//! (`warnings.*`, any key below). A field added to a provider's answer appears as an unnamed leaf
//! and fails the test until someone decides where it goes; a row no answer uses fails too, so the
//! tables do not rot. The same tables are in the rustdoc of `atol::report`, `orange::status` and
//! `business_ru::answer::status_outcome`.

use fiskal_ffd::{Money, Operation};
use fiskal_providers::business_ru::answer as br;
use fiskal_providers::{DocumentKind, FiscalAttributes, MarkCheckResult, Outcome};
use serde_json::{json, Value};

/// How a leaf is used.
#[derive(Clone, Copy)]
enum Use {
    /// Mapped to the attributes: the check must hold.
    M(fn(&FiscalAttributes, &Value) -> bool),
    /// Read for the outcome.
    O(&'static str),
    /// Ignored, with the reason.
    I(&'static str),
}
use Use::{I, M, O};

type Table = &'static [(&'static str, Use)];

/// Every leaf of `v` with its path (`a.b[].c`); `null`, `{}` and `[]` are leaves too.
fn leaves(v: &Value, path: &str, out: &mut Vec<(String, Value)>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_owned()
        } else {
            format!("{path}.{k}")
        }
    };
    match v {
        Value::Object(o) if !o.is_empty() => {
            for (k, x) in o {
                leaves(x, &join(k), out);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for x in a {
                leaves(x, &format!("{path}[]"), out);
            }
        }
        _ => out.push((path.to_owned(), v.clone())),
    }
}

fn row_matches(row: &str, path: &str) -> bool {
    match row.strip_suffix(".*") {
        Some(prefix) => {
            path == prefix
                || path.starts_with(&format!("{prefix}."))
                || path.starts_with(&format!("{prefix}[]"))
        }
        None => row == path,
    }
}

/// The row of `path`: the first exact match, else the first pattern.
fn row_of(table: Table, path: &str) -> Option<(usize, Use)> {
    table
        .iter()
        .enumerate()
        .find(|(_, (r, _))| !r.ends_with(".*") && *r == path)
        .or_else(|| {
            table
                .iter()
                .enumerate()
                .find(|(_, (r, _))| row_matches(r, path))
        })
        .map(|(i, (_, u))| (i, *u))
}

/// Walks `answer` against `table`: the paths no row names, and the mapped values the
/// attributes do not carry. Marks the rows used in `used`.
fn walk(
    table: Table,
    answer: &Value,
    fiscal: Option<&FiscalAttributes>,
    used: &mut [bool],
) -> Vec<String> {
    let mut all = Vec::new();
    leaves(answer, "", &mut all);
    let mut problems = Vec::new();
    for (path, value) in all {
        match row_of(table, &path) {
            None => problems.push(format!("{path}: no row says where it goes")),
            Some((i, u)) => {
                used[i] = true;
                if let (M(check), Some(f)) = (u, fiscal) {
                    if !check(f, &value) {
                        problems.push(format!("{path}: {value} is not in the attributes"));
                    }
                }
            }
        }
    }
    problems
}

/// Walks every answer (with its parsed attributes, for a done one) and asserts: no unnamed
/// path, every mapped value carried, every row used by some answer.
fn check_all(name: &str, table: Table, answers: &[(Value, Option<FiscalAttributes>)]) {
    let mut used = vec![false; table.len()];
    let mut problems = Vec::new();
    for (a, f) in answers {
        problems.extend(walk(table, a, f.as_ref(), &mut used));
    }
    for (i, (row, u)) in table.iter().enumerate() {
        if !used[i] {
            problems.push(format!("row `{row}` is used by no answer"));
        }
        if let I(reason) | O(reason) = u {
            assert!(!reason.trim().is_empty(), "{name}: `{row}` needs a reason");
        }
    }
    assert!(problems.is_empty(), "{name}:\n{}", problems.join("\n"));
}

fn text_eq(a: Option<&str>, v: &Value) -> bool {
    match v {
        Value::String(s) => a == Some(s.trim()),
        Value::Number(n) => a == Some(n.to_string().as_str()),
        _ => false,
    }
}

fn num_eq(a: Option<u32>, v: &Value) -> bool {
    match v {
        Value::Number(n) => n.as_u64() == a.map(u64::from),
        Value::String(s) => s.trim().parse::<u32>().ok() == a,
        _ => false,
    }
}

fn money_eq(m: Money, v: &Value) -> bool {
    v.to_string().trim_matches('"').parse::<Money>().ok() == Some(m)
}

fn done(o: Outcome) -> FiscalAttributes {
    match o {
        Outcome::Done { fiscal, .. } => fiscal,
        other => panic!("not done: {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// ATOL Online v4 / v5: the report (`GET report/<uuid>`, also the callback body).

const ATOL: Table = &[
    ("uuid", O("the outcome's provider_id")),
    ("status", O("done / wait / fail")),
    ("error", O("null on done")),
    ("error.code", O("the refusal's code")),
    ("error.text", O("the refusal's message")),
    ("error.type", O("the error's scope")),
    ("error.error_id", O("appended to the message for ATOL's support")),
    ("external_id", O("AtolCallback::external_id")),
    ("payload", O("null unless done")),
    ("payload.fn_number", M(|f, v| text_eq(Some(&f.fn_number), v))),
    ("payload.fiscal_document_number", M(|f, v| num_eq(Some(f.fd_number), v))),
    ("payload.fiscal_document_attribute", M(|f, v| num_eq(Some(f.fiscal_sign), v))),
    ("payload.shift_number", M(|f, v| num_eq(f.shift_number, v))),
    ("payload.fiscal_receipt_number", M(|f, v| num_eq(f.receipt_number, v))),
    ("payload.receipt_datetime", M(|f, v| {
        let (y, mo, d, h, mi, s) = f.date_time.fields();
        v.as_str() == Some(format!("{d:02}.{mo:02}.{y:04} {h:02}:{mi:02}:{s:02}").as_str())
    })),
    ("payload.ecr_registration_number", M(|f, v| text_eq(f.kkt_reg_number.as_deref(), v))),
    ("payload.total", M(|f, v| money_eq(f.total, v))),
    ("payload.fns_site", M(|f, v| text_eq(f.fns_site.as_deref(), v))),
    ("payload.ofd_inn", M(|f, v| text_eq(f.ofd_inn.as_deref(), v))),
    ("payload.ofd_receipt_url", M(|f, v| text_eq(f.receipt_url.as_deref(), v))),
    ("payload.marks_result[].position", M(|f, v| {
        f.mark_checks.iter().any(|m| v.as_u64() == Some(u64::from(m.position)))
    })),
    ("payload.marks_result[].mark_code", M(|f, v| {
        f.mark_checks.iter().any(|m| text_eq(m.mark_code.as_deref(), v))
    })),
    ("payload.marks_result[].result", M(|f, v| {
        f.mark_checks.iter().any(|m| v.as_u64() == Some(u64::from(m.result.0)))
    })),
    ("warnings", O("null: no warnings")),
    ("warnings.*", M(|f, v| f.warnings.iter().any(|w| text_eq(Some(&w.message), v)))),
    ("timestamp", I("when ATOL wrote the answer; the document's time is receipt_datetime")),
    ("group_code", I("our own group, from the configuration")),
    ("daemon_code", I("ATOL's internal name of its processing service")),
    ("device_code", I("ATOL's internal name of the device; the register is ecr_registration_number + fn_number")),
    ("callback_url", I("the URL we sent, echoed")),
];

/// ATOL's documented report (A4 = «АТОЛ Онлайн. Описание протокола v4», 5.15, §6.3 «Пример
/// ответа при успешной фискализации»), with the `warnings` object of A4 table 2
/// (`callback_url`) and, for v5, `marks_result` as the v5 clients quoting the v5 document type
/// it (<https://github.com/sushi-market/atol-online-sdk>, `src/V5/DTO/DocumentInfo/`:
/// `position`, `mark_code`, `result` = 2106).
fn atol_v5_maximal() -> Value {
    json!({
        "uuid": "2ea26f17-0884-4f08-b120-306fc096a58f",
        "error": null,
        "status": "done",
        "payload": {
            "total": 1598,
            "fns_site": "www.nalog.ru",
            "fn_number": "1110000100238211",
            "shift_number": 23,
            "receipt_datetime": "12.04.2017 20:16:00",
            "fiscal_receipt_number": 6,
            "fiscal_document_number": 133,
            "ecr_registration_number": "0000111118041361",
            "fiscal_document_attribute": 3_449_555_941_u32,
            "ofd_inn": "7709364346",
            "ofd_receipt_url": "https://consumer.1-ofd.ru/v1?fn=9288000100014915&fp=3004144185&i=108&t=20180522T122800&s=4500.00&n=1",
            "marks_result": [
                {"position": 0, "mark_code": "MDEwNDYwMTIzNDU2Nzg5MzIxNUFiYzAwMDAwMDAwMQ==", "result": 15},
                {"position": 1, "mark_code": "MDEwNDYwMTIzNDU2Nzg5MzIxNUFiYzAwMDAwMDAwMg==", "result": 5}
            ]
        },
        "timestamp": "12.04.2017 20:15:08",
        "group_code": "MyCompany_MyShop",
        "daemon_code": "prod-agent-1",
        "device_code": "KSR13.00-1-11",
        "external_id": "TRF10601_1",
        "callback_url": "",
        "warnings": {"callback_url": "callback_url не соответствует маске"}
    })
}

fn atol_fixture(name: &str) -> Value {
    let path = format!(
        "{}/../fiskal-emulator/tests/fixtures/atol/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The attributes of a done report (`None` for any other answer, e.g. the uuid-less `wait`).
fn atol_fiscal(v: &Value) -> Option<FiscalAttributes> {
    let cb =
        fiskal_providers::atol::parse_callback(v.to_string().as_bytes(), DocumentKind::Sell, false)
            .ok()?;
    match cb.outcome {
        Outcome::Done { fiscal, .. } => Some(fiscal),
        _ => None,
    }
}

#[test]
fn atol_every_report_field_is_mapped_or_ignored() {
    let mut answers = Vec::new();
    for v in [
        atol_v5_maximal(),
        // The protocol's sample as captured (v4: no marks_result, no warnings).
        atol_fixture("captured_responseSuccessFiscalization.json"),
        // A real `fail` report from ATOL's test service (error 2009, warnings null).
        atol_fixture("captured_responseFailFiscalization-02.json"),
        // The "not yet" answer (34, `wait`, with `error_id`).
        atol_fixture("captured_responseFailFiscalization.json"),
    ] {
        let f = atol_fiscal(&v);
        answers.push((v, f));
    }
    let max = answers[0].1.clone().expect("the maximal report is done");
    assert_eq!(max.mark_checks.len(), 2);
    assert_eq!(max.mark_checks[1].result, MarkCheckResult(5));
    assert!(max.has_negative_mark_check() && max.needs_attention());
    assert_eq!(max.warnings[0].field.as_deref(), Some("callback_url"));
    check_all("ATOL", ATOL, &answers);
}

// ---------------------------------------------------------------------------------------------
// Orange Data: the status of a processed document (§2.2.1).

const ORANGE: Table = &[
    ("fsNumber", M(|f, v| text_eq(Some(&f.fn_number), v))),
    ("documentNumber", M(|f, v| num_eq(Some(f.fd_number), v))),
    ("fp", M(|f, v| num_eq(Some(f.fiscal_sign), v))),
    ("shiftNumber", M(|f, v| num_eq(f.shift_number, v))),
    ("documentIndex", M(|f, v| num_eq(f.receipt_number, v))),
    (
        "processedAt",
        M(|f, v| {
            v.as_str()
                .and_then(|s| s.get(..19))
                .and_then(|s| s.parse().ok())
                == Some(f.date_time)
        }),
    ),
    (
        "deviceRN",
        M(|f, v| text_eq(f.kkt_reg_number.as_deref(), v)),
    ),
    (
        "deviceSN",
        M(|f, v| text_eq(f.kkt_serial_number.as_deref(), v)),
    ),
    ("ofdinn", M(|f, v| text_eq(f.ofd_inn.as_deref(), v))),
    ("ofdName", M(|f, v| text_eq(f.ofd_name.as_deref(), v))),
    ("ofdWebsite", M(|f, v| text_eq(f.ofd_site.as_deref(), v))),
    ("fnsWebsite", M(|f, v| text_eq(f.fns_site.as_deref(), v))),
    (
        "content.type",
        M(|f, v| v.as_u64() == Some(u64::from(f.operation.0))),
    ),
    ("content.totalSum", M(|f, v| money_eq(f.total, v))),
    (
        "content.positions[].price",
        I("the document we sent, echoed; read only for the total when totalSum is missing"),
    ),
    (
        "content.positions[].quantity",
        I("the document we sent, echoed; read only for the total when totalSum is missing"),
    ),
    ("content.*", I("the document we sent, echoed (§2.1.1.1)")),
    ("id", I("our document id, which the lookup was made with")),
    (
        "companyINN",
        I("the shop's own ИНН as registered, from its configuration"),
    ),
    (
        "companyName",
        I("the shop's own name as registered, from its configuration"),
    ),
    (
        "change",
        I("the change given from the payments, not a requisite of the receipt"),
    ),
    ("callbackUrl", I("the URL we sent, echoed")),
    ("meta", I("the metadata we sent, echoed")),
];

#[test]
fn orange_every_status_field_is_mapped_or_ignored() {
    let path = format!(
        "{}/../fiskal-emulator/tests/fixtures/orange/protocol_2_2_1_status_response.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let sample: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("sample")).expect("json");
    // Maximal: the sample plus the §2.2.1 fields it leaves out.
    let mut max = sample.clone();
    max["callbackUrl"] = json!("https://shop.example.ru/od");
    max["meta"] = json!("order-1001");
    max["content"]["totalSum"] = json!(132.35);
    let mut answers = Vec::new();
    for v in [sample, max] {
        let f = done(fiskal_providers::orange::status_outcome(
            200,
            v.to_string().as_bytes(),
            "12345678990",
        ));
        assert_eq!(f.total, Money::from_kopecks(13_235));
        answers.push((v, Some(f)));
    }
    check_all("Orange Data", ORANGE, &answers);
}

// ---------------------------------------------------------------------------------------------
// Business.ru Open API: the command record (`GET Command/{id}`).

const BUSINESS_RU: Table = &[
    ("fn_number", M(|f, v| text_eq(Some(&f.fn_number), v))),
    ("fiscal_document_number", M(|f, v| num_eq(Some(f.fd_number), v))),
    ("fiscal_document_attribute", M(|f, v| num_eq(Some(f.fiscal_sign), v))),
    ("receipt_datetime", M(|f, v| {
        v.as_str().and_then(br::parse_datetime) == Some(f.date_time)
    })),
    ("result_shift_number", M(|f, v| num_eq(f.shift_number, v))),
    ("ecr_registration_number", M(|f, v| text_eq(f.kkt_reg_number.as_deref(), v))),
    ("receipt_url", M(|f, v| text_eq(f.receipt_url.as_deref(), v))),
    ("total", M(|f, v| money_eq(f.total, v))),
    ("type", M(|f, v| match v.as_str() {
        Some("printCheck") => f.operation == Operation::SELL,
        Some("printPurchaseReturn") => f.operation == Operation::SELL_REFUND,
        _ => false,
    })),
    ("result", O("non-zero: the command failed")),
    ("result_msg", O("the failure's message")),
    ("status", I("Business.ru's numeric state, codes not documented; the state is read from the fiscal fields and result")),
    ("id", I("the command id the lookup was made with")),
    ("command.goods[].sum", I("the command we sent, echoed; read only for the total when total is missing")),
    ("command.*", I("the command we sent, echoed")),
    ("c_num", I("our own value, echoed")),
    ("author", I("our own value, echoed")),
    ("client_name", I("our own value, echoed")),
    ("payment_mode_check", I("our own value, echoed")),
    ("shift_ref", I("Business.ru's internal id of the shift record; the shift's number is result_shift_number")),
    ("user_ref", I("Business.ru's internal id of the user")),
    ("date_create", I("when Business.ru stored the command, not a requisite")),
    ("date_update", I("when Business.ru updated the command, not a requisite")),
    ("date_result", I("when Business.ru got the result, not a requisite; the document's time is receipt_datetime")),
    ("check_type_id", I("the same as type, as Business.ru's internal number")),
    ("command_type_id", I("the same as type, as Business.ru's internal number")),
    ("external_id", I("a field of Business.ru's ATOL-compatible flow, empty for Open API commands")),
    ("atol_id", I("a field of Business.ru's ATOL-compatible flow, empty for Open API commands")),
    ("atol_callback_url", I("a field of Business.ru's ATOL-compatible flow, empty for Open API commands")),
    ("atol_callback_status", I("a field of Business.ru's ATOL-compatible flow, empty for Open API commands")),
    ("full_payment_command", I("a link to a later command the shop itself sends")),
    ("refund_command", I("a link to a later command the shop itself sends")),
];

/// A done command record with every field the service returns filled (Business.ru's reference
/// is not public; the field list is the one the service answers with, as observed, and the
/// command is the vendor SDK README's «Печать чека прихода»).
fn business_ru_maximal() -> Value {
    serde_json::from_str(
        r#"{
        "id": 7, "shift_ref": 3, "user_ref": 1, "c_num": "ORD-1001", "author": "Петрова А.А.",
        "date_create": "2026-03-02 10:15:40", "date_update": "2026-03-02 10:15:43",
        "check_type_id": 1, "fn_number": "9999078900001234",
        "ecr_registration_number": "0000000001002003", "fiscal_document_number": 102,
        "fiscal_document_attribute": "3826187301", "result_shift_number": 7,
        "external_id": null, "atol_id": null, "receipt_datetime": "2026-03-02 10:15:42",
        "result_msg": null, "payment_mode_check": null, "client_name": "Иванов И.И.",
        "status": 2, "result": 0, "total": 1000, "command_type_id": 1,
        "date_result": "2026-03-02 10:15:43", "atol_callback_url": null,
        "atol_callback_status": null, "full_payment_command": null, "refund_command": null,
        "type": "printCheck", "receipt_url": "https://ofd.example/r?fn=9999078900001234",
        "command": {
            "author": "Петрова А.А.", "smsEmail54FZ": "test@test.ru", "c_num": "ORD-1001",
            "payed_cashless": 1000, "goods": [
                {"count": 2, "price": 500, "sum": 1000, "name": "Товар", "nds_value": 20,
                 "payment_mode": 1, "item_type": 1}
            ]
        }
    }"#,
    )
    .expect("json")
}

#[test]
fn business_ru_every_record_field_is_mapped_or_ignored() {
    let max = business_ru_maximal();
    let f = done(br::status_outcome(&max, "7", Operation::SELL, true));
    // Without `total`: the sum of the echoed goods.
    let mut no_total = max.clone();
    no_total["total"] = Value::Null;
    let g = done(br::status_outcome(&no_total, "7", Operation::SELL, true));
    assert_eq!(g.total, Money::from_kopecks(100_000));
    let failed = json!({"id": 7, "status": 3, "result": 3, "result_msg": "timeout"});
    assert_eq!(
        br::status_outcome(&failed, "7", Operation::SELL, true).code(),
        "rejected"
    );
    check_all(
        "Business.ru",
        BUSINESS_RU,
        &[(max, Some(f)), (failed, None)],
    );
}

// ---------------------------------------------------------------------------------------------
// The walk itself fails when it should.

#[test]
fn a_new_answer_field_or_a_lost_value_fails_the_walk() {
    let mut v = atol_v5_maximal();
    let f = atol_fiscal(&v).expect("done");
    let mut used = vec![false; ATOL.len()];
    assert!(walk(ATOL, &v, Some(&f), &mut used).is_empty());
    // A field ATOL adds tomorrow.
    v["payload"]["ofd_status"] = json!("delivered");
    let problems = walk(ATOL, &v, Some(&f), &mut used);
    assert_eq!(problems, ["payload.ofd_status: no row says where it goes"]);
    // A mapped value the attributes lost.
    let mut lost = f.clone();
    lost.mark_checks.clear();
    lost.fns_site = None;
    let problems = walk(ATOL, &atol_v5_maximal(), Some(&lost), &mut used);
    assert!(
        problems.iter().any(|p| p.starts_with("payload.fns_site"))
            && problems
                .iter()
                .any(|p| p.starts_with("payload.marks_result[].result")),
        "{problems:?}"
    );
}
