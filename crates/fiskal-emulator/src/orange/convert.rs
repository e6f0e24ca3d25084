//! Orange Data request `content` → [`fiskal_ffd::Receipt`], so that the emulated register can run
//! the FFD rules and the TLV size check of fiskal-ffd on what it was sent.
//!
//! Runs only on documents that passed [`super::checks`]; anything still unexpected is an
//! `Err` text (a 400 finding), never a panic. Left out of the model (and so of the size
//! estimate): receipt-level agent data (1.05), `operationalAttribute`, `industryAttribute(s)`,
//! `barcodes`, `electronicPaymentsInfo`; `vat7Sum`…`vat10Sum` have no receipt-level tag.
//! An `itemCode` the marking check will refuse is left out too (that is the 422 of processing,
//! not a 400).

use super::checks::{kopecks, line_sum, micro_text, micro_units, Obj};
use crate::fields::{obj_of as obj, str_of as s, string_of as so, u8_of};
use base64::Engine;
use fiskal_ffd::model::{
    Buyer, Cashier, Company, Correction, Fraction, ItemAgent, Mark, Payments, Supplier, UserProp,
    VatTotals,
};
use fiskal_ffd::{
    AgentType, CorrectionType, FfdVersion, Item, Measure, Money, Operation, PaymentMethod,
    PaymentSubject, PlannedStatus, Quantity, Receipt, TaxSystem, VatRate,
};
use serde_json::Value;

fn money(o: &Obj, key: &str) -> Result<Option<Money>, String> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => kopecks(v)
            .map(|k| Some(Money::from_kopecks(k)))
            .map_err(|e| format!("{key}: {e}")),
    }
}

/// Orange Data's `taxationSystem` ordinal → 1055.
fn tax_system(n: u8) -> Option<TaxSystem> {
    [
        TaxSystem::OSN,
        TaxSystem::USN_INCOME,
        TaxSystem::USN_INCOME_OUTCOME,
        TaxSystem::ENVD,
        TaxSystem::ESN,
        TaxSystem::PATENT,
    ]
    .get(usize::from(n))
    .copied()
}

/// Converts a checked `content`. `extra_tax` maps extra `tax` codes to 1199 values;
/// `refused_codes` are the positions whose `itemCode` fails the marking check.
pub(crate) fn to_receipt(
    content: &Obj,
    inn: &str,
    group: &super::OrangeGroup,
    ffd12: bool,
    extra_tax: &[(u8, u8)],
    refused_codes: &[usize],
) -> Result<Receipt, String> {
    let ffd = if ffd12 {
        FfdVersion::V12
    } else {
        FfdVersion::V105
    };
    let contact = so(content, "customerContact").filter(|c| c != "none");
    let info = obj(content, "customerInfo");
    let client = Buyer {
        contact,
        name: so(content, "customer").or_else(|| info.and_then(|i| so(i, "name"))),
        inn: so(content, "customerINN").or_else(|| info.and_then(|i| so(i, "inn"))),
        birth_date: info.and_then(|i| so(i, "birthDate")),
        citizenship: info
            .and_then(|i| so(i, "citizenship"))
            .map(|c| format!("{c:<3}")),
        document_code: info.and_then(|i| so(i, "identityDocumentCode")),
        document_data: info.and_then(|i| so(i, "identityDocumentData")),
        address: info.and_then(|i| so(i, "address")),
    };
    let mut items = Vec::new();
    for (i, p) in content
        .get("positions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .enumerate()
    {
        let it = item(p, ffd12, extra_tax, refused_codes.contains(&i))
            .map_err(|e| format!("content.positions[{i}].{e}"))?;
        items.push(it);
    }
    let mut payments = Payments::default();
    let cc = obj(content, "checkClose").ok_or("content.checkClose: missing")?;
    for p in cc
        .get("payments")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
    {
        let amount = money(p, "amount")?.unwrap_or_default();
        let slot = match p.get("type").and_then(Value::as_u64) {
            Some(1) => &mut payments.cash,
            Some(14) => &mut payments.prepaid,
            Some(15) => &mut payments.credit,
            Some(16) => &mut payments.consideration,
            _ => &mut payments.electronic,
        };
        let sum = slot
            .kopecks()
            .ok()
            .zip(amount.kopecks().ok())
            .and_then(|(a, b)| a.checked_add(b))
            .ok_or("content.checkClose.payments: overflow")?;
        *slot = Money::from_kopecks(sum);
    }
    let vt = VatTotals {
        vat20: money(content, "vat1Sum")?,
        vat10: money(content, "vat2Sum")?,
        vat0_sum: money(content, "vat3Sum")?,
        no_vat_sum: money(content, "vat4Sum")?,
        vat120: money(content, "vat5Sum")?,
        vat110: money(content, "vat6Sum")?,
    };
    let correction = match content.get("correctionType").and_then(Value::as_u64) {
        Some(t) => Some(Correction {
            correction_type: CorrectionType(u8::try_from(t).unwrap_or(0)),
            date: s(content, "causeDocumentDate")
                .and_then(|d| d.get(..19))
                .and_then(|d| d.parse().ok())
                .ok_or("content.causeDocumentDate")?,
            number: so(content, "causeDocumentNumber"),
            description: None,
        }),
        None => None,
    };
    // totalSum may be left out (§2.1.1.1, see checks.rs): Σ of the positions then.
    let total = match money(content, "totalSum")? {
        Some(t) => t,
        None => items
            .iter()
            .try_fold(0u64, |t, it| t.checked_add(it.sum.kopecks().ok()?))
            .map(Money::from_kopecks)
            .ok_or("content.positions: overflow")?,
    };
    Ok(Receipt {
        version: fiskal_ffd::model::FORMAT_VERSION,
        ffd,
        operation: Operation(u8_of(content, "type").unwrap_or(1)),
        tax_system: u8_of(cc, "taxationSystem").and_then(tax_system),
        company: Company {
            inn: inn.to_owned(),
            name: None,
            // Absent (a group without "automat data"): the register's registration gives them.
            payment_place: so(content, "settlementPlace")
                .or_else(|| Some(group.settlement_place.clone())),
            payment_address: so(content, "settlementAddress")
                .or_else(|| group.settlement_address.clone()),
            email: so(content, "senderEmail"),
        },
        cashier: so(content, "cashier").map(|name| Cashier {
            name,
            inn: so(content, "cashierINN"),
        }),
        client: (client != Buyer::default()).then_some(client),
        items,
        payments,
        total,
        vat_totals: (vt != VatTotals::default()).then_some(vt),
        additional_check_props: so(content, "additionalAttribute"),
        additional_user_prop: obj(content, "additionalUserAttribute").map(|u| UserProp {
            name: so(u, "name").unwrap_or_default(),
            value: so(u, "value").unwrap_or_default(),
        }),
        operating_check_props: None,
        sectoral_check_props: Vec::new(),
        correction,
        register: None,
        other_tags: Vec::new(),
    })
}

fn item(p: &Obj, ffd12: bool, extra_tax: &[(u8, u8)], code_refused: bool) -> Result<Item, String> {
    let price = money(p, "price")?.ok_or("price: missing")?;
    let qv = p.get("quantity").ok_or("quantity: missing")?;
    let micro = micro_units(qv).map_err(|e| format!("quantity: {e}"))?;
    // From the exact value (the JSON text may be in exponent form, `1e-06`).
    let quantity: Quantity =
        serde_json::from_str(&micro_text(micro)).map_err(|_| "quantity: ожидается число")?;
    let sum = line_sum(price.kopecks().map_err(|_| "price")?, micro);
    let tax = u8_of(p, "tax").ok_or("tax")?;
    let rate = match tax {
        1..=10 => VatRate(tax),
        other => VatRate(
            extra_tax
                .iter()
                .find(|(code, _)| *code == other)
                .map(|(_, v)| *v)
                .ok_or("tax")?,
        ),
    };
    let mut it = Item::new(
        so(p, "text").unwrap_or_default(),
        price,
        quantity,
        Money::from_kopecks(sum),
        rate,
        PaymentMethod(u8_of(p, "paymentMethodType").unwrap_or(4)),
        PaymentSubject(u8_of(p, "paymentSubjectType").unwrap_or(1)),
    );
    it.name = so(p, "text");
    // taxSum: "0 ⇒ tag omitted"; ignored for 0 % and «без НДС» (protocol §2.1.1.2).
    it.vat_sum = money(p, "taxSum")?.filter(|m| !m.is_zero() && rate.fraction().is_some());
    it.unit_vat = money(p, "unitTaxSum")?;
    it.excise = money(p, "excise")?;
    it.country_code = so(p, "manufacturerCountryCode").map(|c| format!("{c:<3}"));
    it.declaration_number = so(p, "customsDeclarationNumber");
    it.user_data = so(p, "additionalAttribute");
    let supplier = obj(p, "supplierInfo");
    let supplier_inn = so(p, "supplierINN");
    let agent_type = u8_of(p, "agentType").map(AgentType);
    if agent_type.is_some() || supplier.is_some() || supplier_inn.is_some() {
        it.agent = Some(ItemAgent {
            agent_type,
            agent_info: None,
            supplier: Some(Supplier {
                name: supplier.and_then(|s| so(s, "name")),
                phones: supplier
                    .and_then(|s| s.get("phoneNumbers"))
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                inn: supplier_inn,
            }),
        });
    }
    if ffd12 {
        it.measure = Some(Measure(u8_of(p, "quantityMeasurementUnit").unwrap_or(0)));
        if let Some(fq) = obj(p, "fractionalQuantity") {
            let get = |k: &str| {
                fq.get(k)
                    .or_else(|| fq.get(&k.to_lowercase()))
                    .and_then(Value::as_u64)
                    .ok_or(format!("fractionalQuantity.{k}"))
            };
            it.fraction = Some(Fraction {
                numerator: get("Numerator")?,
                denominator: get("Denominator")?,
                text: None,
            });
        }
        if let Some(code) = s(p, "itemCode").filter(|_| !code_refused) {
            it.mark = Some(Mark {
                code: Some(code.to_owned()),
                planned_status: u8_of(p, "plannedStatus").map(PlannedStatus),
                ..Mark::default()
            });
        }
    } else {
        it.unit = so(p, "unitOfMeasurement");
        if let Some(nc) = s(p, "nomenclatureCode") {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(nc)
                .map_err(|_| "nomenclatureCode")?;
            it.mark = Some(Mark {
                code_1162: Some(hex::encode_upper(bytes)),
                ..Mark::default()
            });
        }
    }
    Ok(it)
}

/// Drops the characters CP866 cannot encode from every text of `content` (not from
/// `itemCode`, which goes to the FN as it was scanned), as the service does (protocol §1.2.6:
/// «Сок «Мечта»» becomes «Сок Мечта»).
pub(crate) fn drop_non_cp866(content: &mut Obj) {
    fn walk(v: &mut Value) {
        match v {
            Value::String(s) => s.retain(|c| fiskal_ffd::cp866::encode_char(c).is_some()),
            Value::Array(a) => a.iter_mut().for_each(walk),
            Value::Object(o) => o
                .iter_mut()
                .filter(|(k, _)| k.as_str() != "itemCode")
                .for_each(|(_, v)| walk(v)),
            _ => {}
        }
    }
    content
        .iter_mut()
        .filter(|(k, _)| k.as_str() != "itemCode")
        .for_each(|(_, v)| walk(v));
}

/// The API's own JSON path (`content.positions[0].paymentSubjectType`, `inn`) of a path of
/// fiskal's model (`items[0].payment_subject`), so that a finding of the register's rules names
/// the field the client sent. A model field with no request field of its own is named by the
/// nearest one that produced it.
pub(crate) fn api_path(model: &str, ffd12: bool) -> String {
    if model == "company.inn" {
        return "inn".into();
    }
    if let Some(rest) = model.strip_prefix("items[") {
        let (index, field) = rest.split_once(']').unwrap_or((rest, ""));
        let field = field.strip_prefix('.').unwrap_or(field);
        let mapped = item_field(field, ffd12);
        return if mapped.is_empty() {
            format!("content.positions[{index}]")
        } else {
            format!("content.positions[{index}].{mapped}")
        };
    }
    let (head, tail) = split_first_two(model);
    let name = match head.as_str() {
        "client.contact" => "customerContact".to_owned(),
        "client.name" if ffd12 => "customerInfo.name".to_owned(),
        "client.name" => "customer".to_owned(),
        "client.inn" if ffd12 => "customerInfo.inn".to_owned(),
        "client.inn" => "customerINN".to_owned(),
        "client.birth_date" => "customerInfo.birthDate".to_owned(),
        "client.citizenship" => "customerInfo.citizenship".to_owned(),
        "client.document_code" => "customerInfo.identityDocumentCode".to_owned(),
        "client.document_data" => "customerInfo.identityDocumentData".to_owned(),
        "client.address" => "customerInfo.address".to_owned(),
        "cashier.name" => "cashier".to_owned(),
        "cashier.inn" => "cashierINN".to_owned(),
        "company.email" => "senderEmail".to_owned(),
        "company.payment_place" => "settlementPlace".to_owned(),
        "company.payment_address" => "settlementAddress".to_owned(),
        "additional_user_prop.name" => "additionalUserAttribute.name".to_owned(),
        "additional_user_prop.value" => "additionalUserAttribute.value".to_owned(),
        "correction.number" => "causeDocumentNumber".to_owned(),
        "correction.date" => "causeDocumentDate".to_owned(),
        "correction.correction_type" => "correctionType".to_owned(),
        "vat_totals.vat20" => "vat1Sum".to_owned(),
        "vat_totals.vat10" => "vat2Sum".to_owned(),
        "vat_totals.vat0_sum" => "vat3Sum".to_owned(),
        "vat_totals.no_vat_sum" => "vat4Sum".to_owned(),
        "vat_totals.vat120" => "vat5Sum".to_owned(),
        "vat_totals.vat110" => "vat6Sum".to_owned(),
        _ => {
            let first = head.split('.').next().unwrap_or_default();
            let one = match first {
                "total" => "totalSum",
                "tax_system" => "checkClose.taxationSystem",
                "payments" => "checkClose.payments",
                "additional_check_props" => "additionalAttribute",
                "operating_check_props" => "operationalAttribute",
                "sectoral_check_props" => "industryAttribute",
                "items" => "positions",
                "" => "",
                _ => return format!("content.{model}"),
            };
            return if one.is_empty() {
                "content".into()
            } else {
                format!("content.{one}")
            };
        }
    };
    format!("content.{name}{tail}")
}

/// `a.b` and the rest (`[0]`, `.c` …) of a dotted path.
fn split_first_two(p: &str) -> (String, String) {
    let end = p
        .char_indices()
        .filter(|(_, c)| *c == '.' || *c == '[')
        .map(|(i, _)| i)
        .nth(1)
        .unwrap_or(p.len());
    (p[..end].to_owned(), p[end..].to_owned())
}

/// The request name of a field of an item (the part after `items[i].`).
fn item_field(field: &str, ffd12: bool) -> String {
    let (head, tail) = match field.find(['.', '[']) {
        Some(i) => (&field[..i], &field[i..]),
        None => (field, ""),
    };
    let sub = tail.strip_prefix('.').unwrap_or(tail);
    match head {
        "" => String::new(),
        "name" => "text".into(),
        "price" | "sum" => "price".into(),
        "quantity" => "quantity".into(),
        "measure" => "quantityMeasurementUnit".into(),
        "unit" => "unitOfMeasurement".into(),
        "vat" => "tax".into(),
        "vat_sum" => "taxSum".into(),
        "unit_vat" => "unitTaxSum".into(),
        "payment_method" => "paymentMethodType".into(),
        "payment_subject" => "paymentSubjectType".into(),
        "excise" => "excise".into(),
        "country_code" => "manufacturerCountryCode".into(),
        "declaration_number" => "customsDeclarationNumber".into(),
        "user_data" => "additionalAttribute".into(),
        "sectoral_props" => format!("industryAttribute{tail}"),
        "fraction" => match sub {
            "numerator" => "fractionalQuantity.Numerator".into(),
            "denominator" => "fractionalQuantity.Denominator".into(),
            _ => "fractionalQuantity".into(),
        },
        "mark" => match sub {
            "planned_status" => "plannedStatus".into(),
            _ if ffd12 => "itemCode".into(),
            _ => "nomenclatureCode".into(),
        },
        "agent" => {
            if let Some(s) = sub.strip_prefix("supplier") {
                match s.trim_start_matches('.') {
                    "inn" => "supplierINN".into(),
                    x if x.starts_with("phones") => {
                        format!("supplierInfo.phoneNumbers{}", &x["phones".len()..])
                    }
                    _ => "supplierInfo.name".into(),
                }
            } else if sub.starts_with("agent_info") {
                "agentInfo".into()
            } else {
                "agentType".into()
            }
        }
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::api_path;

    #[test]
    fn model_paths_become_request_paths() {
        for (model, ffd12, want) in [
            ("client.contact", true, "content.customerContact"),
            (
                "items[0].payment_subject",
                true,
                "content.positions[0].paymentSubjectType",
            ),
            ("items[2].mark.code", true, "content.positions[2].itemCode"),
            (
                "items[2].mark.code_1162",
                false,
                "content.positions[2].nomenclatureCode",
            ),
            (
                "items[1].agent.supplier.inn",
                false,
                "content.positions[1].supplierINN",
            ),
            (
                "items[1].agent.supplier.phones[0]",
                true,
                "content.positions[1].supplierInfo.phoneNumbers[0]",
            ),
            ("items[3].name", true, "content.positions[3].text"),
            ("items[3]", true, "content.positions[3]"),
            ("client.inn", false, "content.customerINN"),
            ("client.inn", true, "content.customerInfo.inn"),
            ("cashier.inn", true, "content.cashierINN"),
            ("company.inn", true, "inn"),
            ("vat_totals.vat20", true, "content.vat1Sum"),
            ("total", true, "content.totalSum"),
            ("items", true, "content.positions"),
            ("", true, "content"),
        ] {
            assert_eq!(api_path(model, ffd12), want, "{model}");
        }
    }
}
