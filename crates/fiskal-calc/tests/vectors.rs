//! Runs the shared vectors in `tests/vectors/calc/{vat,alloc,split,lifecycle}` (schemas: the
//! README.md of each folder). Every file is checked by the shared runner
//! (`tests/vectors/runner.rs`); a failure names the file and the row. An empty folder fails.

#[path = "../../../tests/vectors/runner.rs"]
mod runner;

use fiskal_calc::allocate::{allocate, Adjustment, AllocationRequest, Direction, Exclusions};
use fiskal_calc::lifecycle::{refund_full, refund_lines, settle_prepayment, RefundLine};
use fiskal_calc::lines::FractionalPolicy;
use fiskal_calc::rates::{check_rate, Date};
use fiskal_calc::split::{split_receipt, ProviderLimits, SplitOptions, PAYMENT_ORDER};
use fiskal_calc::vat::{gross_from_net, receipt_vat, vat_with};
use fiskal_calc::{CalcProfile, Kopecks};
use fiskal_ffd::{FfdVersion, Money, Quantity, Receipt, Rounding, VatRate};
use serde_json::{json, Value};

const MARK_VALUE: &str = "010460123456789321sTxR2k9aQ7mZ4";

fn s<'a>(v: &'a Value, key: &str) -> Result<&'a str, String> {
    v.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("missing string `{key}`"))
}

fn kop(text: &str) -> Result<u64, String> {
    text.parse::<Money>()
        .ok()
        .and_then(|m| m.kopecks().ok())
        .ok_or_else(|| format!("bad amount {text:?}"))
}

fn rub(k: u64) -> String {
    Money::from_kopecks(k).to_string()
}

fn rate(v: &Value) -> Result<VatRate, String> {
    let name = s(v, "vat")?;
    VatRate::from_name(name).ok_or_else(|| format!("unknown rate {name:?}"))
}

fn rounding(v: &Value) -> Result<Rounding, String> {
    match v
        .get("rounding")
        .and_then(Value::as_str)
        .unwrap_or("half_up")
    {
        "half_up" => Ok(Rounding::HalfUp),
        "down" => Ok(Rounding::Down),
        "half_even" => Ok(Rounding::HalfEven),
        other => Err(format!("unknown rounding {other:?}")),
    }
}

fn rows<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The sale receipt a vector's `items` describe (schema in the READMEs).
fn receipt(items: &[Value], payments: Option<&Value>) -> Result<Receipt, String> {
    receipt_op(items, payments, "sell")
}

/// [`receipt`] with another operation (`sell`, `sell_refund`, `buy`, `buy_refund`).
fn receipt_op(
    items: &[Value],
    payments: Option<&Value>,
    operation: &str,
) -> Result<Receipt, String> {
    let mut total = 0u64;
    let mut out = Vec::new();
    for (i, x) in items.iter().enumerate() {
        let sum = s(x, "sum")?;
        total += kop(sum)?;
        let marked = x.get("marked").and_then(Value::as_bool).unwrap_or(false);
        let subject = x
            .get("subject")
            .and_then(Value::as_str)
            .unwrap_or(if marked { "marked" } else { "commodity" });
        let name = x
            .get("name")
            .and_then(Value::as_str)
            .map_or_else(|| format!("Позиция {}", i + 1), str::to_owned);
        let method = x
            .get("payment_method")
            .and_then(Value::as_str)
            .unwrap_or("full_payment");
        let mut item = json!({
            "name": name, "price": s(x, "price")?, "quantity": s(x, "quantity")?, "sum": sum,
            "measure": "piece", "vat": x.get("vat").and_then(Value::as_str).unwrap_or("vat22"),
            "payment_method": method, "payment_subject": subject
        });
        if marked {
            item["mark"] = json!({"kind": 1305, "value": MARK_VALUE, "processing_mode": 0});
            if let Some(st) = x.get("planned_status") {
                item["mark"]["planned_status"] = st.clone();
            }
        }
        out.push(item);
    }
    let payments = payments
        .cloned()
        .unwrap_or_else(|| json!({"electronic": rub(total)}));
    let r = json!({
        "version": 1, "ffd": "1.2", "operation": operation,
        "company": {"inn": "7701000001", "payment_place": "https://shop.example.ru"},
        "items": out, "payments": payments, "total": rub(total)
    });
    serde_json::from_value(r).map_err(|e| format!("cannot build the receipt: {e}"))
}

fn check_error(v: &Value, got: &fiskal_calc::CalcError) -> Result<(), String> {
    let Some(want) = v.get("error") else {
        return Err(format!("unexpected error {got:?}"));
    };
    let code = s(want, "code")?;
    if got.code() != code {
        return Err(format!("error {} ({got}), expected {code}", got.code()));
    }
    if let Some(path) = want.get("path").and_then(Value::as_str) {
        let dbg = format!("{got:?}");
        if !dbg.contains(&format!("path: \"{path}\"")) {
            return Err(format!("error {got:?} does not name {path}"));
        }
    }
    Ok(())
}

fn check_vat(v: &Value) -> Result<(), String> {
    for (i, row) in rows(v, "item_vat").iter().enumerate() {
        let got = vat_with(rate(row)?, kop(s(row, "sum")?)?, rounding(row)?)
            .map_err(|e| format!("item_vat[{i}]: {e}"))?;
        let want = kop(s(row, "vat_sum")?)?;
        if got != want {
            return Err(format!(
                "item_vat[{i}]: got {}, expected {}",
                rub(got),
                rub(want)
            ));
        }
    }
    for (i, row) in rows(v, "net_to_gross").iter().enumerate() {
        let g = gross_from_net(rate(row)?, kop(s(row, "net")?)?, rounding(row)?)
            .map_err(|e| format!("net_to_gross[{i}]: {e}"))?;
        let want = (kop(s(row, "vat_sum")?)?, kop(s(row, "gross")?)?);
        if (g.vat, g.gross) != want {
            return Err(format!("net_to_gross[{i}]: got {g:?}, expected {want:?}"));
        }
    }
    for (i, row) in rows(v, "rate_dates").iter().enumerate() {
        let d =
            Date::parse_iso(s(row, "date")?).ok_or_else(|| format!("rate_dates[{i}]: bad date"))?;
        let got = check_rate(rate(row)?, d).map(|w| w.code());
        let want = row.get("warning").and_then(Value::as_str);
        if got != want {
            return Err(format!("rate_dates[{i}]: got {got:?}, expected {want:?}"));
        }
    }
    if let Some(rc) = v.get("receipt") {
        let items: Vec<Value> = rows(rc, "items")
            .iter()
            .map(|x| json!({"price": x["sum"], "quantity": "1", "sum": x["sum"], "vat": x["vat"]}))
            .collect();
        let r = receipt(&items, None)?;
        let b = receipt_vat(&r).map_err(|e| e.to_string())?;
        let got: Vec<Value> = b
            .rows()
            .into_iter()
            .map(|(rt, sum, vat)| json!({"vat": rt.name(), "sum": rub(sum), "vat_sum": rub(vat)}))
            .collect();
        let want = rows(rc, "per_rate");
        if got.as_slice() != want {
            return Err(format!("per_rate: got {got:?}, expected {want:?}"));
        }
        let vt = serde_json::to_value(b.to_vat_totals()).map_err(|e| e.to_string())?;
        if Some(&vt) != rc.get("vat_totals") {
            return Err(format!(
                "vat_totals: got {vt}, expected {:?}",
                rc.get("vat_totals")
            ));
        }
    }
    Ok(())
}

fn check_alloc(v: &Value) -> Result<(), String> {
    let items = rows(v, "items");
    let cart = receipt(items, v.get("payments"))?;
    let adj = v.get("adjustment").ok_or("missing adjustment")?;
    let value = s(adj, "value")?;
    let pct = || {
        value
            .parse::<rust_decimal::Decimal>()
            .map_err(|e| e.to_string())
    };
    let amount = || kop(value).and_then(|k| Kopecks::new(k).ok_or_else(|| "too large".to_owned()));
    let adjustment = match s(adj, "kind")? {
        "discount" => Adjustment::Discount(amount()?),
        "markup" => Adjustment::Markup(amount()?),
        "discount_percent" => Adjustment::DiscountPercent(pct()?),
        "markup_percent" => Adjustment::MarkupPercent(pct()?),
        "target_total" => Adjustment::TargetTotal(amount()?),
        other => return Err(format!("unknown adjustment {other:?}")),
    };
    let policy = match v
        .get("fractional_policy")
        .and_then(Value::as_str)
        .unwrap_or("nearest_price_or_split")
    {
        "nearest_price" => FractionalPolicy::NearestPrice,
        "nearest_price_or_split" => FractionalPolicy::NearestPriceOrSplit,
        "exact_or_split" => FractionalPolicy::ExactOrSplit,
        other => return Err(format!("unknown policy {other:?}")),
    };
    let excluded: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, x)| x.get("excluded").and_then(Value::as_bool).unwrap_or(false))
        .map(|(i, _)| i)
        .collect();
    let req = AllocationRequest::new(adjustment)
        .exclude(Exclusions::indices(&excluded))
        .fractional(policy)
        .profile(CalcProfile::for_version(FfdVersion::V12).with_rounding(rounding(v)?));
    let out = match allocate(&cart, &req) {
        Ok(out) => out,
        Err(e) => return check_error(v, &e),
    };
    let want = v
        .get("expected")
        .ok_or("succeeded, but the vector expects an error")?;
    let direction = match out.direction {
        Direction::Discount => "discount",
        Direction::Markup => "markup",
        _ => "none",
    };
    let lines: Vec<Value> = out
        .receipt
        .items
        .iter()
        .zip(&out.sources)
        .map(|(l, src)| json!({"source": src, "quantity": l.quantity.to_string(), "price": l.price.to_string(), "sum": l.sum.to_string()}))
        .collect();
    let got = json!({
        "amount": out.amount.to_string(),
        "direction": direction,
        "total": out.receipt.total.to_string(),
        "item_sums": out.item_sums.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "lines": lines,
    });
    if &got != want {
        return Err(format!("got {got}\nexpected {want}"));
    }
    Ok(())
}

fn check_split(v: &Value) -> Result<(), String> {
    let items = rows(v, "items");
    let cart = receipt(items, v.get("payments"))?;
    let o = v.get("options").cloned().unwrap_or_else(|| json!({}));
    let opt = |k: &str| {
        o.get(k)
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
    };
    let limits = ProviderLimits::new(opt("max_items"), opt("max_payments"));
    let mut opts = SplitOptions::with_limits(limits);
    if let Some(b) = opt("budget") {
        opts = opts.budget(b);
    }
    let key = s(v, "key")?;
    let parts = match split_receipt(&cart, key, &opts) {
        Ok(p) => p,
        Err(e) => return check_error(v, &e),
    };
    let want = v
        .get("expected")
        .ok_or("succeeded, but the vector expects an error")?;
    let want_parts = rows(want, "parts");
    if parts.len() != want_parts.len() {
        return Err(format!(
            "{} parts, expected {}",
            parts.len(),
            want_parts.len()
        ));
    }
    for (j, (p, w)) in parts.iter().zip(want_parts).enumerate() {
        let r = &p.receipt;
        let payments: serde_json::Map<String, Value> = PAYMENT_ORDER
            .iter()
            .map(|k| {
                (
                    k.name().to_owned(),
                    Value::from(k.get(&r.payments).to_string()),
                )
            })
            .collect();
        let b = receipt_vat(r).map_err(|e| e.to_string())?;
        let vat: serde_json::Map<String, Value> = b
            .rows()
            .into_iter()
            .filter(|(rt, _, _)| rt.fraction().is_some())
            .map(|(rt, _, vat)| {
                (
                    rt.name().unwrap_or_default().to_owned(),
                    Value::from(rub(vat)),
                )
            })
            .collect();
        let mut got = json!({
            "key_suffix": p.key_suffix, "items": r.items.len(), "total": r.total.to_string(),
            "payments": payments, "vat": vat,
        });
        if w.get("size_bound").is_some() {
            got["size_bound"] = json!(p.size_bound);
        }
        if &got != w {
            return Err(format!("parts[{j}]: got {got}\nexpected {w}"));
        }
        if p.key != format!("{key}{}", p.key_suffix) || p.count != parts.len() || p.index != j {
            return Err(format!("parts[{j}]: numbering {p:?}"));
        }
    }
    Ok(())
}

/// The five payment kinds of `p` in [`PAYMENT_ORDER`], as roubles.
fn payments_json(p: &fiskal_ffd::model::Payments) -> Value {
    let m: serde_json::Map<String, Value> = PAYMENT_ORDER
        .iter()
        .map(|k| (k.name().to_owned(), Value::from(k.get(p).to_string())))
        .collect();
    Value::Object(m)
}

/// Σ item VAT per rate that has a VAT fraction, as roubles (`{"vat22": "1007.98"}`).
fn vat_json(r: &Receipt) -> Result<Value, String> {
    let b = receipt_vat(r).map_err(|e| e.to_string())?;
    let m: serde_json::Map<String, Value> = b
        .rows()
        .into_iter()
        .filter(|(rt, _, _)| rt.fraction().is_some())
        .map(|(rt, _, vat)| {
            (
                rt.name().unwrap_or_default().to_owned(),
                Value::from(rub(vat)),
            )
        })
        .collect();
    Ok(Value::Object(m))
}

fn json_of<T: serde::Serialize>(v: &T) -> Result<Value, String> {
    serde_json::to_value(v).map_err(|e| e.to_string())
}

/// A receipt of a lifecycle vector (`{"operation", "items", "payments", "vat_totals"}`).
fn lifecycle_receipt(v: &Value, key: &str) -> Result<Receipt, String> {
    let r = v.get(key).ok_or_else(|| format!("missing `{key}`"))?;
    let op = r.get("operation").and_then(Value::as_str).unwrap_or("sell");
    let mut out = receipt_op(rows(r, "items"), r.get("payments"), op)?;
    if let Some(vt) = r.get("vat_totals") {
        out.vat_totals =
            Some(serde_json::from_value(vt.clone()).map_err(|e| format!("bad vat_totals: {e}"))?);
    }
    Ok(out)
}

fn payments_of(v: Option<&Value>) -> Result<Option<fiskal_ffd::model::Payments>, String> {
    v.map(|p| serde_json::from_value(p.clone()).map_err(|e| format!("bad payments: {e}")))
        .transpose()
}

fn check_lifecycle(v: &Value) -> Result<(), String> {
    let result = match s(v, "action")? {
        "settle_prepayment" => {
            let pre = lifecycle_receipt(v, "prepayment")?;
            let goods = receipt(rows(v, "items"), None)?.items;
            let rest = payments_of(v.get("rest"))?.unwrap_or_default();
            settle_prepayment(&pre, goods, rest)
        }
        "refund_full" => refund_full(&lifecycle_receipt(v, "original")?),
        "refund_lines" => {
            let orig = lifecycle_receipt(v, "original")?;
            let mut lines = Vec::new();
            for (i, l) in rows(v, "lines").iter().enumerate() {
                let index = l
                    .get("index")
                    .and_then(Value::as_u64)
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| format!("lines[{i}]: missing index"))?;
                lines.push(match l.get("quantity").and_then(Value::as_str) {
                    None => RefundLine::whole(index),
                    Some(q) => RefundLine::part(
                        index,
                        Quantity::from_decimal(
                            q.parse()
                                .map_err(|e| format!("lines[{i}]: bad quantity: {e}"))?,
                        ),
                    ),
                });
            }
            refund_lines(&orig, &lines, payments_of(v.get("payments"))?, None)
        }
        other => return Err(format!("unknown action {other:?}")),
    };
    let r = match result {
        Ok(r) => r,
        Err(e) => return check_error(v, &e),
    };
    let want = v
        .get("expected")
        .ok_or("succeeded, but the vector expects an error")?;
    // Whatever a helper returns must be a receipt every rule accepts.
    if let Err(violations) = fiskal_ffd::validate(&r) {
        return Err(format!("the result does not validate: {violations:?}"));
    }
    let mut lines = Vec::new();
    for l in &r.items {
        lines.push(json!({
            "quantity": l.quantity.to_string(), "price": l.price.to_string(),
            "sum": l.sum.to_string(), "vat": json_of(&l.vat)?,
            "payment_method": json_of(&l.payment_method)?,
            "payment_subject": json_of(&l.payment_subject)?,
            "mark": l.mark.as_ref().and_then(|m| m.value.clone()),
            "planned_status": json_of(&l.mark.as_ref().and_then(|m| m.planned_status))?,
        }));
    }
    let got = json!({
        "operation": json_of(&r.operation)?,
        "total": r.total.to_string(),
        "payments": payments_json(&r.payments),
        "vat": vat_json(&r)?,
        "vat_totals": json_of(&r.vat_totals)?,
        "lines": lines,
    });
    if &got != want {
        return Err(format!("got {got}\nexpected {want}"));
    }
    Ok(())
}

#[test]
fn vat_vectors() {
    runner::run("calc/vat", |v| check_vat(&v.json));
}

#[test]
fn alloc_vectors() {
    runner::run("calc/alloc", |v| check_alloc(&v.json));
}

#[test]
fn split_vectors() {
    runner::run("calc/split", |v| check_split(&v.json));
}

#[test]
fn lifecycle_vectors() {
    runner::run("calc/lifecycle", |v| check_lifecycle(&v.json));
}
