//! Receipt → ATOL API v5 (ФФД 1.2) request body. No public copy of ATOL's v5 protocol was
//! found; the fields follow the v5 clients that quote it (<https://github.com/ili/atol-online>
//! `AtolOnline/V5`, <https://github.com/sushi-market/atol-online-sdk> `src/V5`).
//!
//! The same envelope and objects as v4 (see [`super::v4`]), with these differences:
//!
//! * `items[].measure` (2108, integer, required) replaces `measurement_unit`;
//!   `items[].payment_object` is the 1212 **integer** (1–27, 30–33).
//! * `client` may carry `birthdate`, `citizenship`, `document_code`, `document_data`, `address`;
//!   `cashier_inn` (1203); `operating_check_props` (1270: `name` = the operation id as text,
//!   `value`, `timestamp`), `sectoral_check_props` / `sectoral_item_props` (1261 / 1260).
//! * `ism_optional` from [`AtolConfig::ism_optional`](super::AtolConfig::ism_optional).
//! * Marks: `mark_code` (one key, see below), `mark_processing_mode: "0"`, `mark_quantity`
//!   from `fraction` (1291), `planned_status` (2003).
//! * Corrections (all four kinds): `correction` is a whole receipt body plus `correction_info
//!   {type, base_date, base_number?}`; the buyer is optional there.
//! * `device_number` (1036) from `register.automat_number`; every other `register` field,
//!   `other_tags`, `correction.description` (1177), `items[].unit` (1197), `unit_vat` (1198)
//!   and `mark.check_result` (2106: the register records the result of its own check) are
//!   refused with [`ProviderError::Unsupported`]. `company.name` (1048) is not sent: the
//!   register prints the name of its registration.
//! * `company.email` (1117) is sent only when the receipt has `company.email`. The maintained
//!   v5 clients declare it required (e.g. <https://github.com/sushi-market/atol-online-sdk>
//!   `src/V5/DTO/DocumentRegistration/CompanyDTO.php`, <https://github.com/ili/atol-online>
//!   `AtolOnline/V5/Entities/Company.cs`), but no public copy of ATOL's v5 protocol was found
//!   to say the service refuses a receipt without it, and the v4 document's JSON schema does not
//!   require it (its table does). So it stays optional here; the ATOL emulator refuses it only
//!   in `strict` mode (`docs/emulators.md`). Set it if your ATOL account's support says so.
//!
//! **`mark_code`** — the raw scan `mark.code` wins when given, because only it holds the whole
//! code (crypto tail included) that ATOL wants Base64-encoded in `gs1m`:
//! `fiskal_marks::provider::atol_v5_mark_code`. Without a scan, `mark.kind` + `mark.value`
//! (the 1163 child) are used: key by `CodeKind::atol_v5_key`, value as given, Base64 for
//! `gs1m` (that value has no crypto tail, so Честный ЗНАК may not verify it: give the scan
//! when you have it). Kinds 1320–1325 have no ATOL key. When the scan and `kind` + `value` are
//! both given they must agree (the 1163 value of the scan), else the receipt is refused.
//! `mark.processing_mode` 0 is sent as `mark_processing_mode: "0"`; `fraction.text` must read
//! `numerator/denominator` (only the numbers are sent as `mark_quantity`).
//!
//! **`product_code`** (1163 of goods that are not marked) goes in the same `mark_code` object,
//! whose keys `ean8`, `ean13`, `itf14`, `gs10`, `egais20`, `egais30`, `unknown` are the 1163
//! children of such goods, with `mark_processing_mode: "0"` as the API asks for beside any
//! `mark_code` and no `planned_status`. ATOL takes `mark_code` only on a quantity of 1, so a
//! product code on another quantity is refused (by name), as are kinds 1320–1325 (no key).
//!
//! **`planned_status`** — required by ATOL for `gs1m` and `short`. `mark.planned_status` when
//! given (1–6 are sent; 255 «не изменился» has no ATOL value); otherwise derived from the
//! operation: приход → 1 (штучный реализован) or 2 (мерный, when `fraction` is set), возврат
//! прихода → 3 or 4. For расход / возврат расхода nothing is derived: give it explicitly.

use super::wire::{
    self, AgentInfoJson, ClientJson, CompanyJson, CorrectionInfoJson, Ctx, Num, PaymentJson,
    SectoralJson, ServiceJson, SupplierInfoJson, UserPropJson, VatJson,
};
use crate::error::ProviderError;
use crate::provider::Submission;
use fiskal_ffd::model::{Item, Mark, ProductCode, Receipt};
use fiskal_ffd::{Operation, PaymentSubject, PlannedStatus};
use fiskal_marks::CodeKind;
use serde::Serialize;

#[derive(Serialize)]
struct Request {
    timestamp: String,
    external_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    service: Option<ServiceJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ism_optional: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    receipt: Option<ReceiptJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    correction: Option<ReceiptJson>,
}

#[derive(Serialize)]
struct ReceiptJson {
    #[serde(skip_serializing_if = "Option::is_none")]
    client: Option<ClientJson>,
    company: CompanyJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    correction_info: Option<CorrectionInfoJson>,
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
    cashier_inn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    additional_user_props: Option<UserPropJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    operating_check_props: Option<OperatingJson>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    sectoral_check_props: Vec<SectoralJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    device_number: Option<String>,
}

#[derive(Serialize)]
struct OperatingJson {
    name: String,
    value: String,
    timestamp: String,
}

#[derive(Serialize)]
struct ItemJson {
    name: String,
    price: Num,
    quantity: Num,
    sum: Num,
    measure: u8,
    payment_method: &'static str,
    payment_object: u8,
    vat: VatJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    mark_code: Option<MarkCodeJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mark_processing_mode: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mark_quantity: Option<MarkQuantityJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    planned_status: Option<u8>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    sectoral_item_props: Vec<SectoralJson>,
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

/// The `mark_code` object: exactly one key.
struct MarkCodeJson {
    key: &'static str,
    value: String,
}

impl Serialize for MarkCodeJson {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry(self.key, &self.value)?;
        m.end()
    }
}

#[derive(Serialize)]
struct MarkQuantityJson {
    numerator: u64,
    denominator: u64,
}

/// The v5 `payment_object` integer: the 1212 code itself, for the values ATOL lists (1–27,
/// 30–33).
pub(crate) fn payment_object(s: PaymentSubject) -> Option<u8> {
    match s.0 {
        1..=27 | 30..=33 if s.is_known() => Some(s.0),
        _ => None,
    }
}

/// Builds the body of a v5 operation.
pub(crate) fn build(ctx: &Ctx<'_>, s: &Submission<'_>) -> Result<String, ProviderError> {
    let r = s.receipt;
    ctx.common_refusals(r)?;
    let correction = ctx.kind.is_correction();
    let body = receipt(ctx, r, correction)?;
    let (receipt, correction) = if correction {
        (None, Some(body))
    } else {
        (Some(body), None)
    };
    wire::to_body(&Request {
        timestamp: wire::date_time(s.timestamp),
        external_id: s.document_id.to_owned(),
        service: s.callback_url.map(|u| ServiceJson {
            callback_url: u.to_owned(),
        }),
        ism_optional: ctx.cfg.ism_optional,
        receipt,
        correction,
    })
}

fn receipt(ctx: &Ctx<'_>, r: &Receipt, correction: bool) -> Result<ReceiptJson, ProviderError> {
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
    let correction_info = if correction {
        let c = r
            .correction
            .as_ref()
            .ok_or_else(|| ctx.unsupported("correction", "a correction needs correction data"))?;
        Some(CorrectionInfoJson {
            ty: c
                .correction_type
                .name()
                .ok_or_else(|| ctx.unsupported("correction.type", "unknown correction type"))?,
            base_date: wire::date(c.date),
            base_number: c.number.clone(),
        })
    } else {
        None
    };
    let items = r
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| item(ctx, r.operation, &format!("items[{i}]"), it))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ReceiptJson {
        client: ctx.client(r, !correction, true)?,
        company: ctx.company(r, true)?,
        correction_info,
        items,
        payments: ctx.payments(r)?,
        vats: ctx.vats(r)?,
        total: ctx.money("total", r.total)?,
        additional_check_props: r.additional_check_props.clone(),
        cashier: r.cashier.as_ref().map(|c| c.name.clone()),
        cashier_inn: r.cashier.as_ref().and_then(|c| c.inn.clone()),
        additional_user_props: r.additional_user_prop.as_ref().map(|p| UserPropJson {
            name: p.name.clone(),
            value: p.value.clone(),
        }),
        operating_check_props: r.operating_check_props.as_ref().map(|o| OperatingJson {
            name: o.id.to_string(),
            value: o.data.clone(),
            timestamp: wire::date_time(o.time),
        }),
        sectoral_check_props: wire::sectoral(&r.sectoral_check_props),
        device_number: ctx.device_number(r)?,
    })
}

fn item(ctx: &Ctx<'_>, op: Operation, p: &str, it: &Item) -> Result<ItemJson, ProviderError> {
    ctx.refuse(
        it.unit.is_some(),
        &format!("{p}.unit"),
        "1197 (ФФД 1.05; v5 uses measure)",
    )?;
    ctx.refuse(it.unit_vat.is_some(), &format!("{p}.unit_vat"), "1198")?;
    ctx.item_refusals(p, it)?;
    let name = it
        .name
        .clone()
        .ok_or_else(|| ctx.unsupported(format!("{p}.name"), "ATOL requires an item name"))?;
    let measure = it.measure.ok_or_else(|| {
        ctx.unsupported(format!("{p}.measure"), "ATOL v5 requires measure (2108)")
    })?;
    if !measure.is_known() {
        return Err(ctx.unsupported(
            format!("{p}.measure"),
            format!("unknown measure {}", measure.0),
        ));
    }
    let payment_object = payment_object(it.payment_subject).ok_or_else(|| {
        ctx.unsupported(
            format!("{p}.payment_subject"),
            format!("1212 value {} has no API v5 code", it.payment_subject.0),
        )
    })?;
    let (agent_info, supplier_info) = match &it.agent {
        Some(a) => ctx.agent(p, a)?,
        None => (None, None),
    };
    let (mark_code, planned_status) = match (&it.mark, &it.product_code) {
        (Some(m), _) => {
            let code = mark_code(ctx, p, m)?;
            let status = planned_status(ctx, op, p, it, m, code.key)?;
            (Some(code), status)
        }
        (None, Some(c)) => (Some(product_code(ctx, p, it, c)?), None),
        (None, None) => (None, None),
    };
    if it.mark.is_none() && it.fraction.is_some() {
        return Err(ctx.unsupported(
            format!("{p}.fraction"),
            "ATOL sends mark_quantity (1291) only with a mark code",
        ));
    }
    Ok(ItemJson {
        name,
        price: ctx.money(&format!("{p}.price"), it.price)?,
        quantity: ctx.quantity(&format!("{p}.quantity"), it.quantity)?,
        sum: ctx.money(&format!("{p}.sum"), it.sum)?,
        measure: measure.0,
        payment_method: ctx.payment_method(&format!("{p}.payment_method"), it.payment_method)?,
        payment_object,
        vat: ctx.item_vat(p, it.vat, it.sum, it.vat_sum, false)?,
        mark_processing_mode: mark_code.as_ref().map(|_| "0"),
        mark_code,
        mark_quantity: it.fraction.as_ref().map(|f| MarkQuantityJson {
            numerator: f.numerator,
            denominator: f.denominator,
        }),
        planned_status,
        sectoral_item_props: wire::sectoral(&it.sectoral_props),
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

/// The `mark_code` object (rule in the module docs).
fn mark_code(ctx: &Ctx<'_>, p: &str, m: &Mark) -> Result<MarkCodeJson, ProviderError> {
    let mp = format!("{p}.mark");
    ctx.refuse(
        m.code_1162.is_some(),
        &format!("{mp}.code_1162"),
        "1162 (ФФД 1.05)",
    )?;
    if m.processing_mode.is_some_and(|v| v != 0) {
        return Err(ctx.unsupported(format!("{mp}.processing_mode"), "ATOL sends only mode 0"));
    }
    ctx.refuse(
        m.check_result.is_some(),
        &format!("{mp}.check_result"),
        "2106 (the register records the result of its own check)",
    )?;
    crate::carried::mark_1163_agrees(ctx.provider, &mp, m)?;
    if let Some(code) = &m.code {
        let parsed = fiskal_marks::MarkCode::parse(code)
            .map_err(|e| ctx.unsupported(format!("{mp}.code"), e.to_string()))?;
        let j = fiskal_marks::provider::atol_v5_mark_code(&parsed);
        return Ok(MarkCodeJson {
            key: j.key(),
            value: j.value().to_owned(),
        });
    }
    match (m.kind, &m.value) {
        (Some(kind), Some(value)) => {
            let k = CodeKind::from_tag(kind).ok_or_else(|| {
                ctx.unsupported(
                    format!("{mp}.kind"),
                    format!("1163 child {kind} has no ATOL mark_code key"),
                )
            })?;
            let value = if k == CodeKind::Gs1Marked {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD.encode(value.as_bytes())
            } else {
                value.clone()
            };
            Ok(MarkCodeJson {
                key: k.atol_v5_key(),
                value,
            })
        }
        _ => Err(ctx.unsupported(format!("{mp}.code"), "a mark needs code, or kind and value")),
    }
}

/// The `mark_code` object of a product code (rule in the module docs).
fn product_code(
    ctx: &Ctx<'_>,
    p: &str,
    it: &Item,
    c: &ProductCode,
) -> Result<MarkCodeJson, ProviderError> {
    let path = format!("{p}.product_code");
    let key = CodeKind::from_tag(c.kind)
        .filter(|k| !matches!(k, CodeKind::Gs1Marked | CodeKind::Short | CodeKind::Fur))
        .map(CodeKind::atol_v5_key)
        .ok_or_else(|| {
            ctx.unsupported(
                format!("{path}.kind"),
                format!("1163 child {} has no ATOL mark_code key", c.kind),
            )
        })?;
    if it.quantity.as_decimal() != fiskal_ffd::Quantity::ONE.as_decimal() {
        return Err(ctx.unsupported(
            path,
            "ATOL API v5 carries the product code in mark_code, which it takes only with \
             quantity 1: split the line into units or leave the code out",
        ));
    }
    Ok(MarkCodeJson {
        key,
        value: c.value.clone(),
    })
}

/// `planned_status` (rule in the module docs).
fn planned_status(
    ctx: &Ctx<'_>,
    op: Operation,
    p: &str,
    it: &Item,
    m: &Mark,
    key: &str,
) -> Result<Option<u8>, ProviderError> {
    let path = format!("{p}.mark.planned_status");
    if let Some(PlannedStatus(v)) = m.planned_status {
        return if (1..=6).contains(&v) {
            Ok(Some(v))
        } else {
            Err(ctx.unsupported(path, format!("ATOL planned_status is 1-6, not {v}")))
        };
    }
    if key != "gs1m" && key != "short" {
        return Ok(None);
    }
    let measured = it.fraction.is_some();
    match op {
        Operation::SELL => Ok(Some(if measured { 2 } else { 1 })),
        Operation::SELL_REFUND => Ok(Some(if measured { 4 } else { 3 })),
        _ => Err(ctx.unsupported(
            path,
            "ATOL requires planned_status for this mark; give it (nothing is derived for расход)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::AtolConfig;
    use crate::provider::DocumentKind;
    use fiskal_ffd::model::Fraction;
    use fiskal_ffd::{Money, PaymentMethod, Quantity, VatRate};

    fn item(mark: Mark) -> Item {
        let mut it = Item::new(
            "x",
            Money::from_kopecks(100),
            Quantity::ONE,
            Money::from_kopecks(100),
            VatRate::VAT20,
            PaymentMethod::FULL_PAYMENT,
            PaymentSubject::MARKED,
        );
        it.mark = Some(mark);
        it
    }

    #[test]
    fn a_product_code_goes_in_mark_code_on_one_unit_and_is_refused_otherwise() {
        let cfg = AtolConfig::test_v5();
        let ctx = Ctx {
            provider: "atol_v5",
            cfg: &cfg,
            kind: DocumentKind::Sell,
        };
        let mut it = item(Mark::default());
        it.mark = None;
        it.payment_subject = PaymentSubject::COMMODITY;
        let c = ProductCode {
            kind: 1302,
            value: "4601234567893".into(),
        };
        let j = product_code(&ctx, "items[0]", &it, &c).expect("ean13");
        assert_eq!((j.key, j.value.as_str()), ("ean13", "4601234567893"));
        // ATOL takes mark_code on a quantity of 1 only.
        it.quantity = Quantity::units(2);
        assert!(matches!(
            product_code(&ctx, "items[0]", &it, &c),
            Err(ProviderError::Unsupported { path, .. }) if path == "items[0].product_code"
        ));
        // 1320–1325 have no ATOL key.
        it.quantity = Quantity::ONE;
        let f1 = ProductCode {
            kind: 1320,
            value: "F1".into(),
        };
        assert!(matches!(
            product_code(&ctx, "items[0]", &it, &f1),
            Err(ProviderError::Unsupported { path, .. }) if path == "items[0].product_code.kind"
        ));
    }

    #[test]
    fn mark_code_from_kind_and_value_without_a_scan() {
        let cfg = AtolConfig::test_v5();
        let ctx = Ctx {
            provider: "atol_v5",
            cfg: &cfg,
            kind: DocumentKind::Sell,
        };
        let m = Mark {
            kind: Some(1305),
            value: Some("010460123456789321sTxR2k9aQ7mZ4".into()),
            ..Mark::default()
        };
        let j = mark_code(&ctx, "items[0]", &m).expect("gs1m");
        assert_eq!(j.key, "gs1m");
        assert_eq!(j.value, "MDEwNDYwMTIzNDU2Nzg5MzIxc1R4UjJrOWFRN21aNA==");
        let m = Mark {
            kind: Some(1302),
            value: Some("4600000000008".into()),
            ..Mark::default()
        };
        let j = mark_code(&ctx, "items[0]", &m).expect("ean13");
        assert_eq!((j.key, j.value.as_str()), ("ean13", "4600000000008"));
        let m = Mark {
            kind: Some(1320),
            value: Some("x".into()),
            ..Mark::default()
        };
        assert!(mark_code(&ctx, "items[0]", &m).is_err());
        assert!(mark_code(&ctx, "items[0]", &Mark::default()).is_err());
    }

    #[test]
    fn planned_status_is_given_or_derived_from_the_operation() {
        let cfg = AtolConfig::test_v5();
        let ctx = Ctx {
            provider: "atol_v5",
            cfg: &cfg,
            kind: DocumentKind::Sell,
        };
        let plain = item(Mark::default());
        let mut measured = item(Mark::default());
        measured.fraction = Some(Fraction {
            numerator: 1,
            denominator: 2,
            text: None,
        });
        let m = Mark::default();
        let st = |op, it: &Item, m: &Mark, key| planned_status(&ctx, op, "i", it, m, key);
        assert_eq!(st(Operation::SELL, &plain, &m, "gs1m"), Ok(Some(1)));
        assert_eq!(st(Operation::SELL, &measured, &m, "gs1m"), Ok(Some(2)));
        assert_eq!(st(Operation::SELL_REFUND, &plain, &m, "short"), Ok(Some(3)));
        assert_eq!(
            st(Operation::SELL_REFUND, &measured, &m, "gs1m"),
            Ok(Some(4))
        );
        assert_eq!(st(Operation::SELL, &plain, &m, "ean13"), Ok(None));
        assert!(st(Operation::BUY, &plain, &m, "gs1m").is_err());
        let given = Mark {
            planned_status: Some(PlannedStatus(5)),
            ..Mark::default()
        };
        assert_eq!(st(Operation::BUY, &plain, &given, "gs1m"), Ok(Some(5)));
        let unchanged = Mark {
            planned_status: Some(PlannedStatus::UNCHANGED),
            ..Mark::default()
        };
        assert!(st(Operation::SELL, &plain, &unchanged, "gs1m").is_err());
    }

    #[test]
    fn v5_payment_object_is_the_1212_code() {
        for s in PaymentSubject::KNOWN {
            assert_eq!(payment_object(*s), Some(s.0), "{s:?}");
        }
        assert_eq!(payment_object(PaymentSubject(28)), None);
        assert_eq!(payment_object(PaymentSubject(0)), None);
        assert_eq!(payment_object(PaymentSubject(34)), None);
    }
}
