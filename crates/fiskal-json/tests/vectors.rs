//! The shared golden vectors (`tests/vectors/{tlv,invalid,tlv_errors,marks,calc}`) through the
//! JSON operations: the same bytes and the same errors as the Rust crates' own vector tests
//! (`crates/fiskal-ffd/tests/vectors.rs`, `crates/fiskal-marks/tests/vectors.rs`,
//! `crates/fiskal-calc/tests/vectors.rs`). Every file is checked by the shared runner
//! (`tests/vectors/runner.rs`); failures name the file.

#[path = "../../../tests/vectors/runner.rs"]
mod runner;

use fiskal_json::{ApiError, Code};
use serde_json::{json, Value};

fn out(r: Result<String, ApiError>) -> Result<Value, String> {
    let s = r.map_err(|e| format!("unexpected error {}", e.to_json()))?;
    let v: Value = serde_json::from_str(&s).map_err(|e| format!("output is not JSON: {e}"))?;
    if v["version"] != 1 {
        return Err(format!("output version {}", v["version"]));
    }
    Ok(v)
}

fn check_tlv(v: &Value) -> Result<(), String> {
    let receipt = serde_json::to_string(&v["receipt"]).map_err(|e| e.to_string())?;
    let want = v["tlv_hex"].as_str().ok_or("no tlv_hex")?;
    let o = out(fiskal_json::to_tlv(&receipt))?;
    if o["hex"] != want {
        return Err(format!("hex {} != {want}", o["hex"]));
    }
    if o["size"] != v["size"] || o["size"].as_u64() != Some(want.len() as u64 / 2) {
        return Err(format!("size {} != {}", o["size"], v["size"]));
    }
    // Decoding (hex and Base64 alike) gives a valid receipt that re-encodes to the same bytes.
    for input in [
        json!({"version": 1, "hex": want}),
        json!({"version": 1, "base64": o["base64"]}),
    ] {
        let d = out(fiskal_json::from_tlv(&input.to_string()))?;
        if d["valid"] != true || d["size"] != v["size"] {
            return Err(format!("decoded: valid {} size {}", d["valid"], d["size"]));
        }
        if d["dump"]["tag"] != v["requisites"][0] {
            return Err(format!("dump tag {}", d["dump"]["tag"]));
        }
        let again = out(fiskal_json::to_tlv(&d["receipt"].to_string()))?;
        if again["hex"] != want {
            return Err("decode → encode changed the bytes".into());
        }
    }
    // validate agrees and returns the receipt.
    let val = out(fiskal_json::validate(&receipt))?;
    if val["receipt"]["ffd"] != v["receipt"]["ffd"] {
        return Err("validate changed ffd".into());
    }
    Ok(())
}

fn check_invalid(v: &Value) -> Result<(), String> {
    let text = match &v["input"] {
        Value::String(s) => s.clone(),
        _ => serde_json::to_string(&v["receipt"]).map_err(|e| e.to_string())?,
    };
    let expect = &v["expect"];
    for (op, result) in [
        ("validate", fiskal_json::validate(&text)),
        ("to_tlv", fiskal_json::to_tlv(&text)),
    ] {
        let err = match result {
            Ok(_) => return Err(format!("{op}: accepted")),
            Err(e) => e,
        };
        // The error JSON is what C sees; check through it.
        let e: Value = serde_json::from_str(&err.to_json()).map_err(|e| e.to_string())?;
        match expect["kind"].as_str() {
            Some("json") => {
                if err.code != Code::InvalidJson {
                    return Err(format!("{op}: {}", err.to_json()));
                }
                let path = err.path.clone().unwrap_or_default();
                if Some(path.as_str()) != expect["path"].as_str() {
                    return Err(format!("{op}: path {path:?} != {}", expect["path"]));
                }
            }
            Some("invalid") => {
                if err.code != Code::ReceiptInvalid || e["code"] != 2000 {
                    return Err(format!("{op}: {}", err.to_json()));
                }
                let got: Vec<(Value, Value)> = e["details"]
                    .as_array()
                    .ok_or("details is not an array")?
                    .iter()
                    .map(|x| (x["path"].clone(), x["name"].clone()))
                    .collect();
                let want: Vec<(Value, Value)> = expect["violations"]
                    .as_array()
                    .ok_or("violations")?
                    .iter()
                    .map(|x| (x["path"].clone(), x["code"].clone()))
                    .collect();
                if got != want {
                    return Err(format!("{op}: violations {got:?} != {want:?}"));
                }
                for x in e["details"].as_array().into_iter().flatten() {
                    let n = x["code"].as_u64().unwrap_or(0);
                    if !(2001..=2034).contains(&n)
                        || x["message_ru"].as_str().is_none_or(str::is_empty)
                        || x["message_en"].as_str().is_none_or(str::is_empty)
                    {
                        return Err(format!("{op}: bad violation {x}"));
                    }
                }
            }
            other => return Err(format!("unknown kind {other:?}")),
        }
    }
    Ok(())
}

fn check_tlv_error(v: &Value) -> Result<(), String> {
    let input = json!({"version": 1, "hex": v["hex"]}).to_string();
    let err = match fiskal_json::from_tlv(&input) {
        Ok(_) => return Err("decoded".into()),
        Err(e) => e,
    };
    let want = &v["error"];
    let d = err.details.clone().unwrap_or(Value::Null);
    if d["reason"] != want["kind"] || d["offset"] != want["offset"] || d["tag"] != want["tag"] {
        return Err(format!("{} != {want}", err.to_json()));
    }
    let expected_code = match want["kind"].as_str() {
        Some("truncated_header") => Code::TlvTruncatedHeader,
        Some("length_past_end") => Code::TlvLengthPastEnd,
        Some("wrong_width") => Code::TlvWrongWidth,
        Some("vln_too_wide") => Code::TlvVlnTooWide,
        Some("bad_fvln") => Code::TlvBadFvln,
        Some("too_deep") => Code::TlvTooDeep,
        Some("trailing_data") => Code::TlvTrailingData,
        other => return Err(format!("unknown kind {other:?}")),
    };
    if err.code != expected_code {
        return Err(format!("code {:?} != {expected_code:?}", err.code));
    }
    Ok(())
}

fn check_mark(v: &Value) -> Result<(), String> {
    let mut input = json!({"version": 1});
    for key in ["input", "input_hex"] {
        if let Some(x) = v.get(key) {
            input[if key == "input" { "code" } else { "code_hex" }] = x.clone();
        }
    }
    if let Some(o) = v.get("options") {
        input["options"] = o.clone();
    }
    match (
        fiskal_json::mark(&input.to_string()),
        v.get("expected"),
        v.get("error"),
    ) {
        (Ok(s), Some(expected), None) => {
            let mut got: Value = serde_json::from_str(&s).map_err(|e| e.to_string())?;
            if got["version"] != 1 {
                return Err("no version".into());
            }
            if let Some(m) = got.as_object_mut() {
                m.remove("version");
            }
            if &got != expected {
                return Err(format!("got {got}\nexpected {expected}"));
            }
            Ok(())
        }
        (Err(e), None, Some(want)) => {
            let d = e.details.clone().unwrap_or(Value::Null);
            if d["reason"] != want["code"]
                || d["position"] != want["position"]
                || !e.code.is_mark_error()
            {
                return Err(format!("{} != {want}", e.to_json()));
            }
            Ok(())
        }
        (Ok(s), _, _) => Err(format!("expected an error, got {s}")),
        (Err(e), _, _) => Err(format!("unexpected error {}", e.to_json())),
    }
}

const MARK_VALUE: &str = "010460123456789321sTxR2k9aQ7mZ4";

fn kop(text: &str) -> u64 {
    text.parse::<fiskal_ffd::Money>()
        .ok()
        .and_then(|m| m.kopecks().ok())
        .unwrap_or_else(|| panic!("bad amount {text}"))
}

/// The cart a calc vector describes (tests/vectors/calc/alloc/README.md), as receipt JSON.
fn cart(v: &Value) -> Value {
    let mut total = 0u64;
    let items: Vec<Value> = v["items"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, x)| {
            total += kop(x["sum"].as_str().unwrap_or("0"));
            let marked = x["marked"].as_bool().unwrap_or(false);
            let mut item = json!({
                "name": x["name"].as_str().map_or_else(|| format!("Позиция {}", i + 1), str::to_owned),
                "price": x["price"], "quantity": x["quantity"], "sum": x["sum"],
                "measure": "piece", "vat": x["vat"].as_str().unwrap_or("vat22"),
                "payment_method": "full_payment",
                "payment_subject": x["subject"].as_str().unwrap_or(if marked { "marked" } else { "commodity" }),
            });
            if marked {
                item["mark"] = json!({"kind": 1305, "value": MARK_VALUE, "processing_mode": 0});
            }
            item
        })
        .collect();
    let total = fiskal_ffd::Money::from_kopecks(total).to_string();
    let payments = v
        .get("payments")
        .cloned()
        .unwrap_or_else(|| json!({"electronic": total}));
    json!({
        "version": 1, "ffd": "1.2", "operation": "sell",
        "company": {"inn": "7701000001", "payment_place": "https://shop.example.ru"},
        "items": items, "payments": payments, "total": total
    })
}

fn check_calc_error(v: &Value, e: &ApiError) -> Result<(), String> {
    let want = v
        .get("error")
        .ok_or_else(|| format!("unexpected error {}", e.to_json()))?;
    let reason = e.details.as_ref().and_then(|d| d.get("reason")).cloned();
    if reason.as_ref() != want.get("code") || !e.code.is_calc_error() {
        return Err(format!("{} != {want}", e.to_json()));
    }
    if let Some(p) = want["path"].as_str() {
        if !e.path.as_deref().is_some_and(|x| x.ends_with(p)) {
            return Err(format!("path {:?} does not name {p}", e.path));
        }
    }
    Ok(())
}

fn check_alloc(v: &Value) -> Result<(), String> {
    let excluded: Vec<usize> = v["items"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter(|(_, x)| x["excluded"].as_bool().unwrap_or(false))
        .map(|(i, _)| i)
        .collect();
    let mut input = json!({
        "version": 1, "receipt": cart(v), "adjustment": v["adjustment"], "exclude": excluded,
        "rounding": v["rounding"].as_str().unwrap_or("half_up"),
    });
    if let Some(p) = v.get("fractional_policy") {
        input["fractional_policy"] = p.clone();
    }
    let o = match fiskal_json::compute(&input.to_string()) {
        Ok(s) => serde_json::from_str::<Value>(&s).map_err(|e| e.to_string())?,
        Err(e) => return check_calc_error(v, &e),
    };
    let want = v
        .get("expected")
        .ok_or("succeeded, but an error is expected")?;
    let lines: Vec<Value> = o["lines"]
        .as_array()
        .ok_or("lines")?
        .iter()
        .map(|l| json!({"source": l["source"], "quantity": l["quantity"], "price": l["price"], "sum": l["sum"]}))
        .collect();
    let got = json!({
        "amount": o["allocation"]["amount"], "direction": o["allocation"]["direction"],
        "total": o["total"], "item_sums": o["allocation"]["item_sums"], "lines": lines,
    });
    if &got != want {
        return Err(format!("got {got}\nexpected {want}"));
    }
    Ok(())
}

fn check_split(v: &Value) -> Result<(), String> {
    let mut options = v.get("options").cloned().unwrap_or_else(|| json!({}));
    if options.as_object().is_some_and(serde_json::Map::is_empty) {
        options = json!({});
    }
    let input = json!({"version": 1, "receipt": cart(v), "key": v["key"], "options": options});
    let o = match fiskal_json::split(&input.to_string()) {
        Ok(s) => serde_json::from_str::<Value>(&s).map_err(|e| e.to_string())?,
        Err(e) => return check_calc_error(v, &e),
    };
    let want = v["expected"]["parts"]
        .as_array()
        .ok_or("succeeded, but an error is expected")?;
    let parts = o["parts"].as_array().ok_or("parts")?;
    if parts.len() != want.len() || o["count"] != want.len() {
        return Err(format!("{} parts, expected {}", parts.len(), want.len()));
    }
    let mut next_item = 0u64;
    for (j, (p, w)) in parts.iter().zip(want).enumerate() {
        let r = &p["receipt"];
        // VAT per rate of the part, through the compute operation.
        let c: Value = serde_json::from_str(
            &fiskal_json::compute(&json!({"version": 1, "receipt": r}).to_string())
                .map_err(|e| e.to_json())?,
        )
        .map_err(|e| e.to_string())?;
        let mut vat = serde_json::Map::new();
        for row in c["per_rate"].as_array().into_iter().flatten() {
            if !matches!(row["vat"].as_str(), Some("vat0" | "none")) {
                vat.insert(
                    row["vat"].as_str().unwrap_or_default().to_owned(),
                    row["vat_sum"].clone(),
                );
            }
        }
        let pay = &r["payments"];
        let payments = json!({
            "prepaid": pay["prepaid"], "electronic": pay["electronic"], "cash": pay["cash"],
            "credit": pay["credit"], "consideration": pay["consideration"],
        });
        let mut got = json!({
            "key_suffix": p["key_suffix"], "items": r["items"].as_array().map_or(0, Vec::len),
            "total": r["total"], "payments": payments, "vat": vat,
        });
        if w.get("size_bound").is_some() {
            got["size_bound"] = p["size_bound"].clone();
        }
        if &got != w {
            return Err(format!("parts[{j}]: got {got}\nexpected {w}"));
        }
        let key = format!(
            "{}{}",
            v["key"].as_str().unwrap_or_default(),
            p["key_suffix"].as_str().unwrap_or_default()
        );
        if p["key"] != key.as_str() || p["index"] != j || p["items"]["start"] != next_item {
            return Err(format!("parts[{j}]: numbering {p}"));
        }
        next_item = p["items"]["end"].as_u64().unwrap_or(0);
    }
    Ok(())
}

fn check_vat_receipt(v: &Value) -> Result<(), String> {
    let Some(rc) = v.get("receipt") else {
        return Ok(());
    };
    let items: Vec<Value> = rc["items"]
        .as_array()
        .ok_or("items")?
        .iter()
        .map(|x| json!({"price": x["sum"], "quantity": "1", "sum": x["sum"], "vat": x["vat"]}))
        .collect();
    let input = json!({"version": 1, "receipt": cart(&json!({"items": items}))});
    let o = out(fiskal_json::compute(&input.to_string()))?;
    if o["per_rate"] != rc["per_rate"] {
        return Err(format!("per_rate {} != {}", o["per_rate"], rc["per_rate"]));
    }
    if o["vat_totals"] != rc["vat_totals"] {
        return Err(format!(
            "vat_totals {} != {}",
            o["vat_totals"], rc["vat_totals"]
        ));
    }
    Ok(())
}

#[test]
fn tlv_vectors() {
    runner::run("tlv", |v| check_tlv(&v.json));
}

#[test]
fn invalid_vectors() {
    runner::run("invalid", |v| check_invalid(&v.json));
}

#[test]
fn tlv_error_vectors() {
    runner::run("tlv_errors", |v| check_tlv_error(&v.json));
}

#[test]
fn marks_vectors() {
    runner::run("marks", |v| check_mark(&v.json));
}

#[test]
fn calc_alloc_vectors() {
    runner::run("calc/alloc", |v| check_alloc(&v.json));
}

#[test]
fn calc_split_vectors() {
    runner::run("calc/split", |v| check_split(&v.json));
}

#[test]
fn calc_vat_receipt_vectors() {
    runner::run("calc/vat", |v| check_vat_receipt(&v.json));
}
