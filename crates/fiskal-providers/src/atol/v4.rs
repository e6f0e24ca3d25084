//! Receipt → ATOL API v4 (ФФД 1.05) request body («АТОЛ Онлайн. Описание протокола v4 (ФФД
//! 1.05)», doc version 5.15, <https://online.atol.ru/files/API_atol_online_v4.pdf>: Table 2
//! receipts, Table 3 corrections).
//!
//! | receipt field | v4 field |
//! |---|---|
//! | `Submission.document_id`, `.timestamp`, `.callback_url` | `external_id`, `timestamp` (`dd.mm.yyyy HH:MM:SS`), `service.callback_url` |
//! | `client.contact` (`@` → e-mail, else phone as `+<digits>`: `8 999 123-45-67` → `+79991234567`), `name`, `inn` | `receipt.client.{email,phone,name,inn}` |
//! | `company.email`, `tax_system`, `company.inn`, `payment_place` (1187), `payment_address` (1009) | `company.{email,sno,inn,payment_address,location}` |
//! | `items[]` | `items[]`: `name`, `price`, `quantity`, `sum`, `measurement_unit` (1197), `payment_method`, `payment_object` (string), `vat {type, sum}`, `nomenclature_code` (1162), `agent_info`, `supplier_info`, `user_data`, `excise`, `country_code`, `declaration_number` |
//! | `payments` | `payments[] {type, sum}` (see [`PaymentTypes`](super::PaymentTypes)) |
//! | `vat_totals` | `vats[]` |
//! | `total`, `cashier.name`, `additional_check_props`, `additional_user_prop` | `total`, `cashier`, `additional_check_props`, `additional_user_props` |
//! | `register.automat_number` (1036) | `device_number` (receipts and corrections, doc 5.15 Tables 2, 3) |
//! | `correction` (v4 corrections) | `correction.correction_info {type, base_date, base_number}` |
//!
//! `nomenclature_code`: `mark.code_1162` (hex) when given, re-written as upper-case bytes
//! separated by spaces; otherwise derived from the raw scan `mark.code` by
//! `fiskal_marks::provider::atol_v4_nomenclature_code`. When both are given they must agree
//! (the hex is the 1162 value of the scan), else `mark.code_1162` is refused.
//!
//! A v4 correction (Table 3) has no `total` and no `company.email`: the total must equal the
//! sum of the payments (else `total` is refused) and `company.email` is refused.
//! `company.name` (1048) is not sent: the register prints the name of its registration.
//!
//! Required by ATOL and refused locally when missing ([`ProviderError::Unsupported`]):
//! `client.contact` (receipts; corrections carry no buyer), `company.payment_place`, item
//! `name`, at least one non-zero payment, 1 to [`AtolConfig::max_items`](super::AtolConfig::max_items)
//! items; in a v4 correction also `correction.number` (`base_number` is required there even
//! for `self`) and `vat_totals` (`vats` is required). Money must be whole kopecks up to
//! 42 949 672.95; quantities positive, ≤ 99 999.999 with at most
//! [`AtolConfig::max_quantity_decimals`](super::AtolConfig::max_quantity_decimals) decimals.
//! `company.name` (1048) is not sent: ATOL takes it from the register's registration.
//!
//! Refused with [`ProviderError::Unsupported`] (no v4 field): `cashier.inn` (1203), the 1.2
//! buyer fields, `unit_vat` (1198), `measure`, `fraction`, sectoral and operating requisites,
//! `mark.planned_status`, `other_tags`, every `register` field but `automat_number`,
//! `correction.description` (1177); items in a v4 correction (Table 3 has none); the refund
//! corrections (v5 only).

use super::wire::{
    self, AgentInfoJson, ClientJson, CompanyJson, CorrectionInfoJson, Ctx, Num, PaymentJson,
    ServiceJson, SupplierInfoJson, UserPropJson, VatJson,
};
use crate::error::ProviderError;
use crate::provider::Submission;
use fiskal_ffd::model::{Item, Receipt};
use fiskal_ffd::PaymentSubject;
use serde::Serialize;

#[derive(Serialize)]
struct Request {
    timestamp: String,
    external_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    service: Option<ServiceJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    receipt: Option<ReceiptJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    correction: Option<CorrectionJson>,
}

#[derive(Serialize)]
struct ReceiptJson {
    client: ClientJson,
    company: CompanyJson,
    items: Vec<ItemJson>,
    payments: Vec<PaymentJson>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    vats: Vec<VatJson>,
    total: Num,
    #[serde(skip_serializing_if = "Option::is_none")]
    additional_check_props: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cashier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    additional_user_props: Option<UserPropJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    device_number: Option<String>,
}

#[derive(Serialize)]
struct CorrectionJson {
    company: CompanyJson,
    correction_info: CorrectionInfoJson,
    payments: Vec<PaymentJson>,
    vats: Vec<VatJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cashier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    device_number: Option<String>,
}

#[derive(Serialize)]
struct ItemJson {
    name: String,
    price: Num,
    quantity: Num,
    sum: Num,
    #[serde(skip_serializing_if = "Option::is_none")]
    measurement_unit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nomenclature_code: Option<String>,
    payment_method: &'static str,
    payment_object: &'static str,
    vat: VatJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    agent_info: Option<AgentInfoJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    supplier_info: Option<SupplierInfoJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    excise: Option<Num>,
    #[serde(skip_serializing_if = "Option::is_none")]
    country_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    declaration_number: Option<String>,
}

/// The v4 `payment_object` string of a 1212 value (doc 5.15, Table 2). The names are the
/// receipt JSON's, except `non_operating_gain`, which ATOL spells `non-operating_gain`.
/// `resort_fee` (18) is not in ATOL's v4 document 5.15 but is sent by production integrations
/// (Bitrix) and is sent as is. 27 and 30–33 exist only in ФФД 1.2.
pub(crate) fn payment_object(s: PaymentSubject) -> Option<&'static str> {
    match s {
        PaymentSubject::NON_OPERATING_GAIN => Some("non-operating_gain"),
        PaymentSubject(1..=26) => s.name(),
        _ => None,
    }
}

/// Builds the body of a v4 operation.
pub(crate) fn build(ctx: &Ctx<'_>, s: &Submission<'_>) -> Result<String, ProviderError> {
    let r = s.receipt;
    common_refusals(ctx, r)?;
    let (receipt, correction) = if ctx.kind.is_correction() {
        (None, Some(correction(ctx, r)?))
    } else {
        (Some(receipt(ctx, r)?), None)
    };
    wire::to_body(&Request {
        timestamp: wire::date_time(s.timestamp),
        external_id: s.document_id.to_owned(),
        service: s.callback_url.map(|u| ServiceJson {
            callback_url: u.to_owned(),
        }),
        receipt,
        correction,
    })
}

/// What v4 has no field for, at receipt level.
fn common_refusals(ctx: &Ctx<'_>, r: &Receipt) -> Result<(), ProviderError> {
    ctx.refuse(
        r.cashier.as_ref().is_some_and(|c| c.inn.is_some()),
        "cashier.inn",
        "1203 «ИНН кассира»",
    )?;
    ctx.refuse(
        r.operating_check_props.is_some(),
        "operating_check_props",
        "1270 (ФФД 1.2)",
    )?;
    ctx.refuse(
        !r.sectoral_check_props.is_empty(),
        "sectoral_check_props",
        "1261 (ФФД 1.2)",
    )?;
    ctx.common_refusals(r)
}

fn receipt(ctx: &Ctx<'_>, r: &Receipt) -> Result<ReceiptJson, ProviderError> {
    if r.items.is_empty() || r.items.len() > ctx.cfg.max_items {
        return Err(ctx.unsupported(
            "items",
            format!(
                "ATOL takes 1 to {} items, not {}",
                ctx.cfg.max_items,
                r.items.len()
            ),
        ));
    }
    let items = r
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| item(ctx, &format!("items[{i}]"), it))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ReceiptJson {
        client: ctx.client(r, true, false)?.ok_or_else(|| {
            ctx.unsupported("client", "ATOL requires the buyer's e-mail or phone")
        })?,
        company: ctx.company(r, true)?,
        items,
        payments: ctx.payments(r)?,
        vats: ctx.vats(r)?,
        total: ctx.money("total", r.total)?,
        additional_check_props: r.additional_check_props.clone(),
        cashier: r.cashier.as_ref().map(|c| c.name.clone()),
        additional_user_props: r.additional_user_prop.as_ref().map(|p| UserPropJson {
            name: p.name.clone(),
            value: p.value.clone(),
        }),
        device_number: ctx.device_number(r)?,
    })
}

fn correction(ctx: &Ctx<'_>, r: &Receipt) -> Result<CorrectionJson, ProviderError> {
    let Some(c) = &r.correction else {
        return Err(ctx.unsupported("correction", "a correction needs correction data"));
    };
    if !r.items.is_empty() {
        return Err(ctx.unsupported(
            "items",
            "ATOL v4 corrections carry no items (v4 Table 3); send totals and vat_totals only",
        ));
    }
    ctx.refuse(r.client.is_some(), "client", "a buyer in a v4 correction")?;
    ctx.refuse(
        r.additional_check_props.is_some(),
        "additional_check_props",
        "1192 in a v4 correction",
    )?;
    ctx.refuse(
        r.additional_user_prop.is_some(),
        "additional_user_prop",
        "1084 in a v4 correction",
    )?;
    ctx.refuse(
        r.company.email.is_some(),
        "company.email",
        "1117 in a v4 correction (Table 3 `company` has no `email`)",
    )?;
    // Table 3 has no `total`: the register takes the sum of the payments.
    crate::carried::total_is_payments(ctx.provider, r)?;
    let ty = c
        .correction_type
        .name()
        .ok_or_else(|| ctx.unsupported("correction.type", "unknown correction type"))?;
    let base_number = c.number.clone().ok_or_else(|| {
        ctx.unsupported(
            "correction.number",
            "ATOL v4 requires correction_info.base_number (1179) for every correction",
        )
    })?;
    let vats = ctx.vats(r)?;
    if vats.is_empty() {
        return Err(ctx.unsupported(
            "vat_totals",
            "ATOL v4 corrections require vats: give vat_totals",
        ));
    }
    Ok(CorrectionJson {
        company: ctx.company(r, false)?,
        correction_info: CorrectionInfoJson {
            ty,
            base_date: wire::date(c.date),
            base_number: Some(base_number),
        },
        payments: ctx.payments(r)?,
        vats,
        cashier: r.cashier.as_ref().map(|c| c.name.clone()),
        device_number: ctx.device_number(r)?,
    })
}

fn item(ctx: &Ctx<'_>, p: &str, it: &Item) -> Result<ItemJson, ProviderError> {
    ctx.refuse(
        it.measure.is_some(),
        &format!("{p}.measure"),
        "2108 (ФФД 1.2)",
    )?;
    ctx.refuse(it.unit_vat.is_some(), &format!("{p}.unit_vat"), "1198")?;
    ctx.refuse(
        it.fraction.is_some(),
        &format!("{p}.fraction"),
        "1291 (ФФД 1.2)",
    )?;
    ctx.refuse(
        !it.sectoral_props.is_empty(),
        &format!("{p}.sectoral_props"),
        "1260 (ФФД 1.2)",
    )?;
    ctx.item_refusals(p, it)?;
    let name = it
        .name
        .clone()
        .ok_or_else(|| ctx.unsupported(format!("{p}.name"), "ATOL requires an item name"))?;
    let payment_object = payment_object(it.payment_subject).ok_or_else(|| {
        ctx.unsupported(
            format!("{p}.payment_subject"),
            format!("1212 value {} has no API v4 name", it.payment_subject.0),
        )
    })?;
    let (agent_info, supplier_info) = match &it.agent {
        Some(a) => ctx.agent(p, a)?,
        None => (None, None),
    };
    Ok(ItemJson {
        name,
        price: ctx.money(&format!("{p}.price"), it.price)?,
        quantity: ctx.quantity(&format!("{p}.quantity"), it.quantity)?,
        sum: ctx.money(&format!("{p}.sum"), it.sum)?,
        measurement_unit: it.unit.clone(),
        nomenclature_code: nomenclature_code(ctx, p, it)?,
        payment_method: ctx.payment_method(&format!("{p}.payment_method"), it.payment_method)?,
        payment_object,
        vat: ctx.item_vat(p, it.vat, it.sum, it.vat_sum, true)?,
        agent_info,
        supplier_info,
        user_data: it.user_data.clone(),
        excise: it
            .excise
            .map(|m| ctx.money(&format!("{p}.excise"), m))
            .transpose()?,
        country_code: it.country_code.clone(),
        declaration_number: it.declaration_number.clone(),
    })
}

/// `nomenclature_code` (1162): explicit hex wins, else derived from the raw scan.
fn nomenclature_code(ctx: &Ctx<'_>, p: &str, it: &Item) -> Result<Option<String>, ProviderError> {
    ctx.refuse(
        it.product_code.is_some(),
        &format!("{p}.product_code"),
        "1163 «код товара» (ФФД 1.2; API v4 has nomenclature_code, 1162, only)",
    )?;
    let Some(m) = &it.mark else {
        return Ok(None);
    };
    let mp = format!("{p}.mark");
    ctx.refuse(
        m.kind.is_some() || m.value.is_some(),
        &format!("{mp}.kind"),
        "1163 (ФФД 1.2)",
    )?;
    ctx.refuse(
        m.processing_mode.is_some(),
        &format!("{mp}.processing_mode"),
        "2102 (ФФД 1.2)",
    )?;
    ctx.refuse(
        m.check_result.is_some(),
        &format!("{mp}.check_result"),
        "2106 (ФФД 1.2)",
    )?;
    ctx.refuse(
        m.planned_status.is_some(),
        &format!("{mp}.planned_status"),
        "2003 (ФФД 1.2)",
    )?;
    crate::carried::mark_1162_agrees(ctx.provider, &mp, m)?;
    if let Some(h) = &m.code_1162 {
        let bytes =
            hex::decode(h).map_err(|_| ctx.unsupported(format!("{mp}.code_1162"), "not hex"))?;
        if bytes.is_empty() || bytes.len() > fiskal_marks::TAG_1162_MAX_LEN {
            return Err(ctx.unsupported(format!("{mp}.code_1162"), "1162 holds 1 to 32 bytes"));
        }
        let spaced = bytes
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(" ");
        return Ok(Some(spaced));
    }
    let Some(code) = &m.code else {
        return Err(ctx.unsupported(format!("{mp}.code"), "a mark needs code or code_1162"));
    };
    let parsed = fiskal_marks::MarkCode::parse(code)
        .map_err(|e| ctx.unsupported(format!("{mp}.code"), e.to_string()))?;
    fiskal_marks::provider::atol_v4_nomenclature_code(&parsed)
        .map(Some)
        .map_err(|e| ctx.unsupported(format!("{mp}.code"), e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::AtolConfig;
    use crate::provider::DocumentKind;
    use fiskal_ffd::model::Mark;
    use fiskal_ffd::{Money, PaymentMethod, Quantity, VatRate};

    #[test]
    fn explicit_1162_hex_is_spaced_and_must_agree_with_a_scan() {
        let cfg = AtolConfig::test_v4();
        let ctx = Ctx {
            provider: "atol_v4",
            cfg: &cfg,
            kind: DocumentKind::Sell,
        };
        let mut it = Item::new(
            "x",
            Money::from_kopecks(100),
            Quantity::ONE,
            Money::from_kopecks(100),
            VatRate::VAT20,
            PaymentMethod::FULL_PAYMENT,
            PaymentSubject::COMMODITY,
        );
        it.mark = Some(Mark {
            code_1162: Some("444d0444092246cb47".into()),
            ..Mark::default()
        });
        assert_eq!(
            nomenclature_code(&ctx, "items[0]", &it),
            Ok(Some("44 4D 04 44 09 22 46 CB 47".into()))
        );
        // Given with a scan, the hex must be the scan's 1162 value: only one is sent.
        let scan = "0104601234567893215Abc000000001\u{1d}91EE05\u{1d}92Y4O/9CcUX4YrsehY0jUvHmlWpY5gQ2P8HzJ15ZtlzLU=";
        let derived = fiskal_marks::MarkCode::parse(scan)
            .and_then(|c| c.tag_1162())
            .expect("1162");
        it.mark = Some(Mark {
            code_1162: Some(hex::encode(derived.as_bytes())),
            code: Some(scan.into()),
            ..Mark::default()
        });
        assert_eq!(
            nomenclature_code(&ctx, "items[0]", &it),
            Ok(Some(derived.to_hex_spaced()))
        );
        it.mark = Some(Mark {
            code_1162: Some("444d0444092246cb47".into()),
            code: Some(scan.into()),
            ..Mark::default()
        });
        assert!(matches!(
            nomenclature_code(&ctx, "items[0]", &it),
            Err(ProviderError::Unsupported { path, .. }) if path == "items[0].mark.code_1162"
        ));
        it.mark = Some(Mark {
            code_1162: Some("zz".into()),
            ..Mark::default()
        });
        assert!(nomenclature_code(&ctx, "items[0]", &it).is_err());
        it.mark = Some(Mark::default());
        assert!(nomenclature_code(&ctx, "items[0]", &it).is_err());
    }

    #[test]
    fn every_1_05_payment_subject_has_a_v4_name() {
        for s in PaymentSubject::KNOWN {
            let name = payment_object(*s);
            match s.0 {
                1..=26 => assert!(name.is_some(), "{s:?}"),
                _ => assert_eq!(name, None, "{s:?}"),
            }
        }
        assert_eq!(
            payment_object(PaymentSubject::NON_OPERATING_GAIN),
            Some("non-operating_gain")
        );
        assert_eq!(payment_object(PaymentSubject::COMMODITY), Some("commodity"));
        assert_eq!(
            payment_object(PaymentSubject::CASINO_PAYMENT),
            Some("casino_payment")
        );
        assert_eq!(payment_object(PaymentSubject::MARKED), None);
    }
}
