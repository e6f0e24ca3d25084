//! ATOL request JSON → [`fiskal_ffd::Receipt`], so that the emulated register can run the FFD
//! rules and the TLV size check of fiskal-ffd on what it was sent.
//!
//! Runs only on requests that passed `validate`, so types and enumerations are known to be
//! right; anything still unexpected is reported as an `Err` text (the register then refuses the
//! document with KKT error 13), never a panic.
//!
//! Mapping choices (each also in the crate docs):
//! * `company.payment_address` → 1187 (`payment_place`), `company.location` → 1009;
//! * `client.email` wins over `client.phone` for 1008 (the OFD mails the receipt then, ATOL
//!   doc 5.15, Table 2);
//! * payment types 5–9 ("extended", mapped in the ATOL cabinet) count as electronic (1081);
//! * receipt `vats` replace the item `vat.sum`s (doc 5.15, Table 2: if both are given, only
//!   `vats` is used); only
//!   the rates with a receipt-level VAT-amount tag (20, 10, 20/120, 10/110) are carried;
//! * `vat18`/`vat118` (legal only in refunds and corrections) are counted as 20 % / 20/120 for
//!   the size and without an item VAT sum;
//! * receipt-level `agent_info`/`supplier_info` have no field in the model and are left out of
//!   the size estimate (a few hundred bytes at most);
//! * v4 `nomenclature_code` as hex pairs → `mark.code_1162`; as a GS1 string → `mark.code`
//!   (fiskal-marks derives 1162); v5 `gs1m` is Base64-decoded into `mark.code`, the other
//!   `mark_code` kinds go to `mark.kind`/`mark.value` as sent (on goods that are not marked,
//!   `ean13`, `gs10` and the like go to `product_code`).

use super::validate::{kopecks, number_text, parse_atol_datetime, MARK_KINDS};
use super::{ApiVersion, Operation};
use crate::fields::{obj_of as obj, str_of as s, string_of as so, u8_of as int_u8, Obj};
use base64::Engine;
use fiskal_ffd::model::{
    AgentInfo, Buyer, Cashier, Company, Correction, Fraction, ItemAgent, Mark, OperatingProp,
    Payments, ProductCode, SectoralProp, Supplier, UserProp, VatTotals,
};
use fiskal_ffd::{
    AgentType, CorrectionType, FfdVersion, Item, Measure, Money, PaymentMethod, PaymentSubject,
    PlannedStatus, Quantity, Receipt, TaxSystem, VatRate,
};
use serde_json::Value;

/// Decodes a v5 `gs1m` value: Base64 of a code that starts with `01` + 14 digits.
pub(crate) fn decode_gs1m(b64: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    let code = String::from_utf8(bytes).ok()?;
    let ok = code.starts_with("01") && code.get(2..16)?.bytes().all(|c| c.is_ascii_digit());
    ok.then_some(code)
}

/// The result of a conversion.
#[derive(Debug)]
pub(crate) struct Converted {
    pub(crate) receipt: Receipt,
    /// 1020 as sent (v4 corrections have no total: the sum of the payments).
    pub(crate) total_kopecks: u64,
    /// (item position, code as sent) of every v5 `mark_code`, for `marks_result`.
    pub(crate) marks: Vec<(usize, String)>,
}

fn objs<'a>(o: &'a Obj, key: &str) -> impl Iterator<Item = &'a Obj> {
    o.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
}

fn strings(o: Option<&Obj>, key: &str) -> Vec<String> {
    o.and_then(|o| o.get(key))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

fn money(o: &Obj, key: &str) -> Result<Money, String> {
    let k = o
        .get(key)
        .ok_or_else(|| format!("{key}: missing"))
        .and_then(|v| kopecks(v).map_err(|e| format!("{key}: {e}")))?;
    Ok(Money::from_kopecks(k))
}

fn opt_money(o: &Obj, key: &str) -> Result<Option<Money>, String> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => money(o, key).map(Some),
    }
}

fn vat_rate(t: &str) -> Result<VatRate, String> {
    match t {
        "vat18" => Ok(VatRate::VAT20),
        "vat118" => Ok(VatRate::VAT120),
        other => VatRate::from_name(other).ok_or_else(|| format!("vat type {other}")),
    }
}

fn sectoral(o: &Obj, key: &str) -> Vec<SectoralProp> {
    objs(o, key)
        .map(|p| SectoralProp {
            fois_id: so(p, "federal_id").unwrap_or_default(),
            date: so(p, "date").unwrap_or_default(),
            number: so(p, "number").unwrap_or_default(),
            value: so(p, "value").unwrap_or_default(),
        })
        .collect()
}

/// Converts a validated request of `op` in version `v`.
pub(crate) fn to_receipt(body: &Obj, op: Operation, v: ApiVersion) -> Result<Converted, String> {
    let key = if op.is_correction() {
        "correction"
    } else {
        "receipt"
    };
    let r = obj(body, key).ok_or_else(|| format!("{key}: missing"))?;
    let ffd = match v {
        ApiVersion::V4 => FfdVersion::V105,
        ApiVersion::V5 => FfdVersion::V12,
    };
    let co = obj(r, "company").ok_or("company: missing")?;
    let company = Company {
        inn: so(co, "inn").unwrap_or_default(),
        name: None,
        payment_place: so(co, "payment_address"),
        payment_address: so(co, "location"),
        email: so(co, "email"),
    };
    let tax_system = match s(co, "sno") {
        Some(t) => Some(TaxSystem::from_name(t).ok_or_else(|| format!("sno {t}"))?),
        None => None,
    };
    let cashier = so(r, "cashier").map(|name| Cashier {
        name,
        inn: so(r, "cashier_inn"),
    });
    let client = obj(r, "client").map(|cl| Buyer {
        contact: so(cl, "email").or_else(|| so(cl, "phone")),
        name: so(cl, "name"),
        inn: so(cl, "inn"),
        birth_date: so(cl, "birthdate"),
        citizenship: so(cl, "citizenship"),
        document_code: so(cl, "document_code"),
        document_data: so(cl, "document_data"),
        address: so(cl, "address"),
    });
    let receipt_vats = r
        .get("vats")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    let mut items = Vec::new();
    let mut marks = Vec::new();
    for (i, it) in objs(r, "items").enumerate() {
        let (item, mark) = item(it, v, receipt_vats).map_err(|e| format!("items[{i}].{e}"))?;
        if let Some(m) = mark {
            marks.push((i, m));
        }
        items.push(item);
    }
    let mut payments = Payments::default();
    let mut paid = 0u64;
    for p in objs(r, "payments") {
        let k =
            kopecks(p.get("sum").unwrap_or(&Value::Null)).map_err(|e| format!("payments: {e}"))?;
        paid = paid.checked_add(k).ok_or("payments: overflow")?;
        let slot = match p.get("type").and_then(Value::as_u64) {
            Some(0) => &mut payments.cash,
            Some(2) => &mut payments.prepaid,
            Some(3) => &mut payments.credit,
            Some(4) => &mut payments.consideration,
            _ => &mut payments.electronic,
        };
        let before = slot.kopecks().map_err(|_| "payments: amount")?;
        *slot = Money::from_kopecks(before.checked_add(k).ok_or("payments: overflow")?);
    }
    let mut vat_totals = VatTotals::default();
    let mut any_total = false;
    for vt in objs(r, "vats") {
        let sum = Some(money(vt, "sum").map_err(|e| format!("vats.{e}"))?);
        any_total = true;
        match s(vt, "type") {
            Some("vat20") => vat_totals.vat20 = sum,
            Some("vat10") => vat_totals.vat10 = sum,
            Some("vat120") => vat_totals.vat120 = sum,
            Some("vat110") => vat_totals.vat110 = sum,
            _ => {}
        }
    }
    let total_kopecks = match r.get("total") {
        Some(t) => kopecks(t).map_err(|e| format!("total: {e}"))?,
        None => paid,
    };
    let correction = match obj(r, "correction_info") {
        Some(ci) => {
            let t = s(ci, "type").unwrap_or_default();
            let date = s(ci, "base_date")
                .and_then(|d| parse_atol_datetime(d, false))
                .ok_or("correction_info.base_date")?;
            Some(Correction {
                correction_type: CorrectionType::from_name(t)
                    .ok_or_else(|| format!("correction_info.type {t}"))?,
                date,
                number: so(ci, "base_number"),
                description: None,
            })
        }
        None => None,
    };
    let operating_check_props = match obj(r, "operating_check_props") {
        Some(oc) => Some(OperatingProp {
            id: s(oc, "name").and_then(|n| n.parse().ok()).unwrap_or(0),
            data: so(oc, "value").unwrap_or_default(),
            time: s(oc, "timestamp")
                .and_then(|t| parse_atol_datetime(t, true))
                .ok_or("operating_check_props.timestamp")?,
        }),
        None => None,
    };
    let receipt = Receipt {
        version: fiskal_ffd::model::FORMAT_VERSION,
        ffd,
        operation: op.ffd_operation(),
        tax_system,
        company,
        cashier,
        client,
        items,
        payments,
        total: Money::from_kopecks(total_kopecks),
        vat_totals: any_total.then_some(vat_totals),
        additional_check_props: so(r, "additional_check_props"),
        additional_user_prop: obj(r, "additional_user_props").map(|up| UserProp {
            name: so(up, "name").unwrap_or_default(),
            value: so(up, "value").unwrap_or_default(),
        }),
        operating_check_props,
        sectoral_check_props: sectoral(r, "sectoral_check_props"),
        correction,
        register: None,
        other_tags: Vec::new(),
    };
    Ok(Converted {
        receipt,
        total_kopecks,
        marks,
    })
}

fn item(it: &Obj, v: ApiVersion, receipt_vats: bool) -> Result<(Item, Option<String>), String> {
    let price = money(it, "price")?;
    let sum = money(it, "sum")?;
    let quantity: Quantity = it
        .get("quantity")
        .and_then(number_text)
        .and_then(|t| serde_json::from_str(&t).ok())
        .ok_or("quantity")?;
    let vat = obj(it, "vat").ok_or("vat: missing")?;
    let vat_type = s(vat, "type").unwrap_or_default();
    let rate = vat_rate(vat_type).map_err(|e| format!("vat.{e}"))?;
    let method = match s(it, "payment_method") {
        Some(m) => PaymentMethod::from_name(m).ok_or_else(|| format!("payment_method {m}"))?,
        None => PaymentMethod::FULL_PREPAYMENT,
    };
    let subject = match (v, it.get("payment_object")) {
        (_, None | Some(Value::Null)) => PaymentSubject::COMMODITY,
        (ApiVersion::V4, Some(p)) => {
            let name = p.as_str().unwrap_or_default().replace('-', "_");
            PaymentSubject::from_name(&name).ok_or_else(|| format!("payment_object {name}"))?
        }
        (ApiVersion::V5, Some(_)) => {
            PaymentSubject(int_u8(it, "payment_object").ok_or("payment_object")?)
        }
    };
    let mut item = Item::new(
        so(it, "name").unwrap_or_default(),
        price,
        quantity,
        sum,
        rate,
        method,
        subject,
    );
    item.name = so(it, "name");
    let legacy_rate = vat_type == "vat18" || vat_type == "vat118";
    item.vat_sum = if receipt_vats || legacy_rate {
        None
    } else {
        opt_money(vat, "sum").map_err(|e| format!("vat.{e}"))?
    };
    item.excise = opt_money(it, "excise")?;
    item.country_code = so(it, "country_code").map(|c| format!("{c:<3}"));
    item.declaration_number = so(it, "declaration_number");
    item.user_data = so(it, "user_data");
    let agent = obj(it, "agent_info");
    let supplier = obj(it, "supplier_info");
    if agent.is_some() || supplier.is_some() {
        let pa = agent.and_then(|a| obj(a, "paying_agent"));
        let mt = agent.and_then(|a| obj(a, "money_transfer_operator"));
        let info = AgentInfo {
            operation: pa.and_then(|p| so(p, "operation")),
            phones: strings(pa, "phones"),
            payment_operator_phones: strings(
                agent.and_then(|a| obj(a, "receive_payments_operator")),
                "phones",
            ),
            transfer_operator_phones: strings(mt, "phones"),
            transfer_operator_name: mt.and_then(|m| so(m, "name")),
            transfer_operator_address: mt.and_then(|m| so(m, "address")),
            transfer_operator_inn: mt.and_then(|m| so(m, "inn")),
        };
        let has_info = info != AgentInfo::default();
        item.agent = Some(ItemAgent {
            agent_type: agent
                .and_then(|a| s(a, "type"))
                .and_then(AgentType::from_name),
            agent_info: has_info.then_some(info),
            supplier: supplier.map(|sp| Supplier {
                name: so(sp, "name"),
                phones: strings(Some(sp), "phones"),
                inn: so(sp, "inn"),
            }),
        });
    }
    let mut sent_mark = None;
    match v {
        ApiVersion::V4 => {
            item.unit = so(it, "measurement_unit");
            if let Some(code) = s(it, "nomenclature_code") {
                let mut mark = Mark::default();
                if super::validate::is_hex_pairs(code) {
                    mark.code_1162 = Some(code.replace(' ', ""));
                } else {
                    mark.code = Some(code.to_owned());
                }
                item.mark = Some(mark);
            }
        }
        ApiVersion::V5 => {
            item.measure = Some(Measure(int_u8(it, "measure").ok_or("measure")?));
            item.sectoral_props = sectoral(it, "sectoral_item_props");
            if let Some(mq) = obj(it, "mark_quantity") {
                let part = |k: &str| {
                    mq.get(k)
                        .and_then(Value::as_u64)
                        .ok_or(format!("mark_quantity.{k}"))
                };
                item.fraction = Some(Fraction {
                    numerator: part("numerator")?,
                    denominator: part("denominator")?,
                    text: None,
                });
            }
            if let Some(mc) = obj(it, "mark_code") {
                let (key, value) = mc
                    .iter()
                    .find_map(|(k, v)| v.as_str().map(|s| (k.as_str(), s)))
                    .ok_or("mark_code")?;
                let tag = MARK_KINDS
                    .iter()
                    .find(|k| k.0 == key)
                    .map(|k| k.1)
                    .ok_or_else(|| format!("mark_code.{key}"))?;
                let mut mark = Mark {
                    processing_mode: s(it, "mark_processing_mode").and_then(|m| m.parse().ok()),
                    planned_status: int_u8(it, "planned_status").map(PlannedStatus),
                    ..Mark::default()
                };
                let marked = item.payment_subject == PaymentSubject::MARKED
                    || item.payment_subject == PaymentSubject::MARKED_EXCISE;
                if key == "gs1m" {
                    mark.code = Some(decode_gs1m(value).ok_or("mark_code.gs1m")?);
                    item.mark = Some(mark);
                } else if marked || matches!(key, "short" | "fur") {
                    mark.kind = Some(tag);
                    mark.value = Some(value.to_owned());
                    item.mark = Some(mark);
                } else {
                    // The product code of goods that are not marked (1163 without a mark).
                    item.product_code = Some(ProductCode {
                        kind: tag,
                        value: value.to_owned(),
                    });
                }
                sent_mark = Some(value.to_owned());
            }
        }
    }
    Ok((item, sent_mark))
}
