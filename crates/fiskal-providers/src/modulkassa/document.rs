//! Receipt → МодульКасса `Document`, the body of `POST /v2/doc`. Source: «API фискализации
//! документов» 2.0 (<https://modulkassa.github.io/backend-api/fn>), §2.4.4 (the request
//! example) and §3.3–3.10 (Document, MoneyPosition, InventPosition, AgentInformation,
//! PayingAgent, ReceivePaymentsOperator, MoneyTransferOperator, SupplierInformation).
//!
//! | receipt | Document field |
//! |---|---|
//! | [`Submission::document_id`](crate::Submission::document_id) | `id` (the service's key of the document, also its status lookup) and `docNum` |
//! | `operation` 1054 | `docType`: `SALE`, `RETURN`, `BUY`, `BUY_RETURN` (see below) |
//! | [`Submission::timestamp`](crate::Submission::timestamp) | `checkoutDateTime`, ISO 8601 with [`ModulKassaConfig::utc_offset_minutes`] |
//! | `client.contact` 1008 (e-mail, or a phone as `+7XXXXXXXXXX`), else [`ModulKassaConfig::default_email`] | `email` (required: one field for both, §3.3) |
//! | `cashier.name` 1021 / `cashier.inn` 1203 | `cashierName` (≤ 64) / `cashierInn` |
//! | `tax_system` 1055 | `taxMode`: `COMMON`, `SIMPLIFIED`, `SIMPLIFIED_WITH_EXPENSE`, `ENVD`, `COMMON_AGRICULTURAL`, `PATENT` |
//! | `client.name` 1227 / `client.inn` 1228 | `clientName` / `clientInn` |
//! | [`Submission::callback_url`](crate::Submission::callback_url) | `responseURL` |
//! | [`ModulKassaConfig::print_receipt`] | `printReceipt` |
//! | `payments.cash` 1031 / `electronic` 1081 / `prepaid` 1215 / `credit` 1216 / `consideration` 1217 (non-zero ones; a receipt paid with nothing sends `CASH` 0) | `moneyPositions[]`: `CASH` / `CARD` / `PREPAID` / `POSTPAY` / `OTHER` with `sum` |
//! | `items[].name` 1030, `price` 1079, `quantity` 1023 | `inventPositions[].name`, `price`, `quantity` |
//! | `items[].sum` 1043 | `price` × `quantity` (rounded half up), or see [`ModulKassaConfig::disc_sum`] |
//! | `items[].vat` 1199 | `vatTag`: 1102 20 %, 1103 10 %, 1104 0 %, 1105 без НДС, 1106 20/120, 1107 10/110 (§3.5); 1109 5 %, 1110 7 %, 1111 5/105, 1112 7/107, 1113 22 %, 1114 22/122 ([`ModulKassaConfig::unconfirmed_vat_tags`]) |
//! | `items[].vat_sum` 1200 | `vatSum` |
//! | `items[].payment_subject` 1212 (1–18) / `payment_method` 1214 | `paymentObject` / `paymentMethod` (the §3.5 names) |
//! | `items[].country_code` 1230 / `declaration_number` 1231 | `originCountryCode` / `customsDeclarationNumber` |
//! | `items[].mark`, ФФД 1.05 | `nomenclatureCode`: the 1162 bytes as hex separated by spaces (§3.5), from `code_1162` or derived from the scan |
//! | `items[].mark`, ФФД 1.2 | `productMark`: the scanned code as read (≤ 255; how public integrations send Честный ЗНАК codes) |
//! | `items[].agent` 1222 / 1044, 1073 / 1074 / 1075, 1026, 1005, 1016 | `agentInfo.types[]` / `payingAgent.operation`, `.phones` / `receivePaymentsOperator.phones` / `moneyTransferOperator.phones`, `.name`, `.address`, `.inn` |
//! | `items[].agent.supplier` 1224: 1225 / 1171 / 1226 | `supplierInfo.name` / `.phones` / `.inn` |
//!
//! Decisions where the document is unclear:
//! * **`docType`, not `documentType`**: the §3.3 table names the field `documentType`, but the
//!   §2.4.4 example and every public integration send `docType`.
//! * **`discSum`** is not sent by default ([`ModulKassaConfig::disc_sum`]).
//! * **Money** is a JSON number in roubles (§2.4.4: `100.00`), written from integer kopecks as
//!   exact text (`1999.00`); quantities as their exact decimal (`1`, `0.347`). Never `f64`.
//!
//! Not sent because the register prints them from its own registration: `company.inn` (1018),
//! `company.name` (1048), `company.email` (1117), `company.payment_place` (1187),
//! `company.payment_address` (1009). Not sent because the register computes the same value:
//! `vat_totals` (1102–1107; accepted only when equal to what the items add up to) and `total`
//! (1020; accepted only when it equals the payments). `items[].measure` «штуки» (0) is what the
//! register records without a field.
//!
//! Refused with [`ProviderError::Unsupported`] because the Document has no field for them:
//! corrections (the API has no correction document), `additional_check_props` 1192,
//! `additional_user_prop` 1084, operating and sectoral props, `register`, `other_tags`, FFD 1.2
//! buyer details (1243–1246, 1254), `items[]`: `measure` other than pieces (2108), `unit` 1197,
//! `unit_vat` 1198, `excise` 1229, `fraction` 1291, `user_data` 1191, sectoral props 1260,
//! payment subjects above 18 (no name in §3.5), a mark's `planned_status` 2003,
//! `processing_mode` 2102 and `check_result` 2106, a mark without its scan in ФФД 1.2, and a
//! `code_1162` / `kind` / `value` that differs from the scan's.

use super::config::ModulKassaConfig;
use crate::carried;
use crate::contact;
use crate::error::ProviderError;
use crate::provider::DocumentKind;
use fiskal_ffd::datetime::LocalDateTime;
use fiskal_ffd::model::{Item, ItemAgent, Receipt};
use fiskal_ffd::money::Rounding;
use fiskal_ffd::{FfdVersion, Measure, Money, PaymentMethod, PaymentSubject, TaxSystem, VatRate};
use serde::Serialize;
use serde_json::value::RawValue;

pub(crate) const PROVIDER: &str = "modulkassa";

pub(crate) fn unsupported(path: impl Into<String>, message: impl Into<String>) -> ProviderError {
    ProviderError::Unsupported {
        provider: PROVIDER,
        path: path.into(),
        message: message.into(),
    }
}

/// A JSON number from text we produced ourselves (digits, one dot).
fn number(text: String) -> Box<RawValue> {
    // Our text is always a valid JSON number; the fallback (never taken) keeps this total.
    RawValue::from_string(text).unwrap_or_else(|_| RawValue::NULL.to_owned())
}

/// Roubles with two decimals from kopecks: `1999.00`, `0.05`.
pub(crate) fn roubles(k: u64) -> String {
    format!("{}.{:02}", k / 100, k % 100)
}

fn money(path: &str, m: &Money) -> Result<Box<RawValue>, ProviderError> {
    let k = m
        .kopecks()
        .map_err(|_| unsupported(path, "not a whole number of kopecks"))?;
    Ok(number(roubles(k)))
}

/// The `docType` of a document kind (§3.3; §2.4.4 example). Corrections have none.
pub fn doc_type(kind: DocumentKind) -> Result<&'static str, ProviderError> {
    match kind {
        DocumentKind::Sell => Ok("SALE"),
        DocumentKind::SellRefund => Ok("RETURN"),
        DocumentKind::Buy => Ok("BUY"),
        DocumentKind::BuyRefund => Ok("BUY_RETURN"),
        other => Err(unsupported(
            "correction",
            format!(
                "МодульКасса «API фискализации документов» has no correction document \
                 (`{}`)",
                other.atol_operation()
            ),
        )),
    }
}

/// `taxMode` of a 1055 value (§3.3).
fn tax_mode(ts: TaxSystem) -> Result<&'static str, ProviderError> {
    Ok(match ts {
        TaxSystem::OSN => "COMMON",
        TaxSystem::USN_INCOME => "SIMPLIFIED",
        TaxSystem::USN_INCOME_OUTCOME => "SIMPLIFIED_WITH_EXPENSE",
        TaxSystem::ENVD => "ENVD",
        TaxSystem::ESN => "COMMON_AGRICULTURAL",
        TaxSystem::PATENT => "PATENT",
        other => {
            return Err(unsupported(
                "tax_system",
                format!("no taxMode for 1055 = {}", other.0),
            ))
        }
    })
}

/// `vatTag` of a VAT rate (§3.5; 1109–1114 unconfirmed, see the module docs).
pub fn vat_tag(cfg: &ModulKassaConfig, path: &str, rate: VatRate) -> Result<u16, ProviderError> {
    let documented = match rate {
        VatRate::VAT20 => Some(1102),
        VatRate::VAT10 => Some(1103),
        VatRate::VAT0 => Some(1104),
        VatRate::NONE => Some(1105),
        VatRate::VAT120 => Some(1106),
        VatRate::VAT110 => Some(1107),
        _ => None,
    };
    if let Some(t) = documented {
        return Ok(t);
    }
    let unconfirmed = match rate {
        VatRate::VAT5 => 1109,
        VatRate::VAT7 => 1110,
        VatRate::VAT105 => 1111,
        VatRate::VAT107 => 1112,
        VatRate::VAT22 => 1113,
        VatRate::VAT122 => 1114,
        other => {
            return Err(unsupported(
                path,
                format!("no vatTag for the VAT rate 1199 = {}", other.0),
            ))
        }
    };
    if cfg.unconfirmed_vat_tags {
        Ok(unconfirmed)
    } else {
        Err(unsupported(
            path,
            format!(
                "vatTag {unconfirmed} for this rate is not in «API фискализации документов» 2.0; \
                 set unconfirmed_vat_tags to send it"
            ),
        ))
    }
}

/// `paymentObject` of a 1212 value (§3.5: the 18 names of ФФД 1.05).
fn payment_object(path: &str, s: PaymentSubject) -> Result<&'static str, ProviderError> {
    Ok(match s {
        PaymentSubject::COMMODITY => "commodity",
        PaymentSubject::EXCISE => "excise",
        PaymentSubject::JOB => "job",
        PaymentSubject::SERVICE => "service",
        PaymentSubject::GAMBLING_BET => "gambling_bet",
        PaymentSubject::GAMBLING_PRIZE => "gambling_prize",
        PaymentSubject::LOTTERY => "lottery",
        PaymentSubject::LOTTERY_PRIZE => "lottery_prize",
        PaymentSubject::INTELLECTUAL_ACTIVITY => "intellectual_activity",
        PaymentSubject::PAYMENT => "payment",
        PaymentSubject::AGENT_COMMISSION => "agent_commission",
        PaymentSubject::AWARD => "composite",
        PaymentSubject::ANOTHER => "another",
        PaymentSubject::PROPERTY_RIGHT => "property_right",
        PaymentSubject::NON_OPERATING_GAIN => "non-operating_gain",
        PaymentSubject::INSURANCE_PREMIUM => "insurance_premium",
        PaymentSubject::SALES_TAX => "sales_tax",
        PaymentSubject::RESORT_FEE => "resort_fee",
        other => {
            return Err(unsupported(
                path,
                format!(
                    "paymentObject has no name for 1212 = {} (document 2.0 lists the ФФД 1.05 \
                     values 1–18)",
                    other.0
                ),
            ))
        }
    })
}

/// `paymentMethod` of a 1214 value (§3.5).
fn payment_method(path: &str, m: PaymentMethod) -> Result<&'static str, ProviderError> {
    Ok(match m {
        PaymentMethod::FULL_PREPAYMENT => "full_prepayment",
        PaymentMethod::PREPAYMENT => "prepayment",
        PaymentMethod::ADVANCE => "advance",
        PaymentMethod::FULL_PAYMENT => "full_payment",
        PaymentMethod::PARTIAL_PAYMENT => "partial_payment",
        PaymentMethod::CREDIT => "credit",
        PaymentMethod::CREDIT_PAYMENT => "credit_payment",
        other => {
            return Err(unsupported(
                path,
                format!("no paymentMethod for 1214 = {}", other.0),
            ))
        }
    })
}

/// The `types` of AgentInformation (§3.6) of a 1222 bit mask.
fn agent_types(path: &str, t: fiskal_ffd::AgentType) -> Result<Vec<&'static str>, ProviderError> {
    const NAMES: [(u8, &str); 7] = [
        (1, "bank_paying_agent"),
        (2, "bank_paying_subagent"),
        (4, "paying_agent"),
        (8, "paying_subagent"),
        (16, "attorney"),
        (32, "commission_agent"),
        (64, "another"),
    ];
    if t.0 & 0x80 != 0 || t.0 == 0 {
        return Err(unsupported(
            path,
            format!("no agent type for 1222 = {}", t.0),
        ));
    }
    Ok(NAMES
        .iter()
        .filter(|(bit, _)| t.0 & bit != 0)
        .map(|(_, n)| *n)
        .collect())
}

fn refuse_if<T>(v: &Option<T>, path: impl Into<String>, what: &str) -> Result<(), ProviderError> {
    if v.is_some() {
        return Err(unsupported(
            path,
            format!("the МодульКасса Document has no field for {what}"),
        ));
    }
    Ok(())
}

/// A document body ready to send: the exact bytes.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document<'a> {
    id: &'a str,
    doc_num: &'a str,
    doc_type: &'static str,
    checkout_date_time: String,
    email: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    print_receipt: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    cashier_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cashier_inn: Option<&'a str>,
    #[serde(rename = "responseURL", skip_serializing_if = "Option::is_none")]
    response_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tax_mode: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_inn: Option<&'a str>,
    invent_positions: Vec<InventPosition<'a>>,
    money_positions: Vec<MoneyPosition>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MoneyPosition {
    payment_type: &'static str,
    sum: Box<RawValue>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InventPosition<'a> {
    name: &'a str,
    price: Box<RawValue>,
    quantity: Box<RawValue>,
    vat_tag: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    disc_sum: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vat_sum: Option<Box<RawValue>>,
    payment_object: &'static str,
    payment_method: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin_country_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    customs_declaration_number: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nomenclature_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    product_mark: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    agent_info: Option<AgentInformation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    supplier_info: Option<SupplierInformation<'a>>,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct AgentInformation {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    types: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    paying_agent: Option<PayingAgent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    receive_payments_operator: Option<Phones>,
    #[serde(skip_serializing_if = "Option::is_none")]
    money_transfer_operator: Option<MoneyTransferOperator>,
}

#[derive(Serialize)]
struct PayingAgent {
    #[serde(skip_serializing_if = "Option::is_none")]
    operation: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    phones: Vec<String>,
}

#[derive(Serialize)]
struct Phones {
    phones: Vec<String>,
}

#[derive(Serialize)]
struct MoneyTransferOperator {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    phones: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    inn: Option<String>,
}

#[derive(Serialize)]
struct SupplierInformation<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    phones: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    inn: Option<&'a str>,
}

/// `YYYY-MM-DDTHH:MM:SS+HH:MM`.
fn iso_with_offset(t: LocalDateTime, offset: &str) -> String {
    let (y, mo, d, h, mi, s) = t.fields();
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{offset}")
}

/// The 1162 value of a mark (ФФД 1.05) as `nomenclatureCode`: hex bytes separated by spaces,
/// at most 32 bytes (§3.5).
fn nomenclature_code(path: &str, m: &fiskal_ffd::model::Mark) -> Result<String, ProviderError> {
    let bytes = if let Some(h) = &m.code_1162 {
        hex::decode(h).map_err(|_| unsupported(format!("{path}.code_1162"), "not hex"))?
    } else {
        let code = m
            .code
            .as_deref()
            .ok_or_else(|| unsupported(path, "ФФД 1.05 needs the scanned code or code_1162"))?;
        fiskal_marks::MarkCode::parse(code)
            .and_then(|c| c.tag_1162())
            .map_err(|e| unsupported(format!("{path}.code"), e.to_string()))?
            .as_bytes()
            .to_vec()
    };
    if bytes.is_empty() || bytes.len() > 32 {
        return Err(unsupported(
            format!("{path}.code_1162"),
            "nomenclatureCode holds 1..32 bytes",
        ));
    }
    Ok(bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" "))
}

/// Price, quantity and discount of a line: `sum` must be what the service computes from them
/// (module docs, [`ModulKassaConfig::disc_sum`]).
fn line_numbers(
    cfg: &ModulKassaConfig,
    i: usize,
    it: &Item,
) -> Result<(Box<RawValue>, Option<Box<RawValue>>), ProviderError> {
    let p = |f: &str| format!("items[{i}].{f}");
    let price_k = it
        .price
        .kopecks()
        .map_err(|_| unsupported(p("price"), "not a whole number of kopecks"))?;
    it.sum
        .kopecks()
        .map_err(|_| unsupported(p("sum"), "not a whole number of kopecks"))?;
    let q = it.quantity.as_decimal();
    let line = it
        .price
        .as_decimal()
        .checked_mul(q)
        .ok_or_else(|| unsupported(p("sum"), "price × quantity overflows"))?;
    let line_rounded = Rounding::HalfUp.round(line, 2);
    let sum = it.sum.as_decimal();
    if line_rounded == sum {
        return Ok((number(roubles(price_k)), None));
    }
    if cfg.disc_sum {
        let disc = line - sum;
        if disc.is_sign_positive() && disc.normalize().scale() <= 2 {
            let disc_k = Money::from_decimal(disc).kopecks().map_err(|_| {
                unsupported(p("sum"), "the discount is not a whole number of kopecks")
            })?;
            return Ok((number(roubles(price_k)), Some(number(roubles(disc_k)))));
        }
        return Err(unsupported(
            p("sum"),
            "discSum = price × quantity − sum must be a non-negative whole number of kopecks",
        ));
    }
    if !q.is_zero() {
        if let Some(unit) = sum.checked_div(q) {
            let unit = unit.normalize();
            if unit.scale() <= 2 && unit.is_sign_positive() {
                let unit_k = Money::from_decimal(unit).kopecks().map_err(|_| {
                    unsupported(p("sum"), "the discounted unit price is not whole kopecks")
                })?;
                // The service multiplies again: the line must come out exactly.
                if unit.checked_mul(q).map(|v| Rounding::HalfUp.round(v, 2)) == Some(sum) {
                    return Ok((number(roubles(unit_k)), None));
                }
            }
        }
    }
    Err(unsupported(
        p("sum"),
        "the line sum is not price × quantity and sum / quantity is not a whole number of \
         kopecks: split the line, or set disc_sum to send the discount as discSum",
    ))
}

fn agent_info<'a>(
    i: usize,
    a: &'a ItemAgent,
) -> Result<(Option<AgentInformation>, Option<SupplierInformation<'a>>), ProviderError> {
    let p = |f: &str| format!("items[{i}].agent.{f}");
    let mut info = AgentInformation::default();
    if let Some(t) = a.agent_type {
        info.types = agent_types(&p("agent_type"), t)?;
    }
    if let Some(ai) = &a.agent_info {
        let phones = contact::phones(PROVIDER, &p("agent_info.phones"), &ai.phones)?;
        if ai.operation.is_some() || !phones.is_empty() {
            if ai
                .operation
                .as_deref()
                .is_some_and(|o| o.chars().count() > 24)
            {
                return Err(unsupported(
                    p("agent_info.operation"),
                    "payingAgent.operation holds at most 24 characters",
                ));
            }
            info.paying_agent = Some(PayingAgent {
                operation: ai.operation.clone(),
                phones,
            });
        }
        let rp = contact::phones(
            PROVIDER,
            &p("agent_info.payment_operator_phones"),
            &ai.payment_operator_phones,
        )?;
        if !rp.is_empty() {
            info.receive_payments_operator = Some(Phones { phones: rp });
        }
        let tp = contact::phones(
            PROVIDER,
            &p("agent_info.transfer_operator_phones"),
            &ai.transfer_operator_phones,
        )?;
        if !tp.is_empty()
            || ai.transfer_operator_name.is_some()
            || ai.transfer_operator_address.is_some()
            || ai.transfer_operator_inn.is_some()
        {
            info.money_transfer_operator = Some(MoneyTransferOperator {
                phones: tp,
                name: ai.transfer_operator_name.clone(),
                address: ai.transfer_operator_address.clone(),
                inn: ai.transfer_operator_inn.clone(),
            });
        }
    }
    let supplier = match &a.supplier {
        None => None,
        Some(s) => Some(SupplierInformation {
            phones: contact::phones(PROVIDER, &p("supplier.phones"), &s.phones)?,
            name: s.name.as_deref(),
            inn: s.inn.as_deref(),
        }),
    };
    let any = !info.types.is_empty()
        || info.paying_agent.is_some()
        || info.receive_payments_operator.is_some()
        || info.money_transfer_operator.is_some();
    Ok((any.then_some(info), supplier))
}

fn position<'a>(
    cfg: &ModulKassaConfig,
    ffd: FfdVersion,
    i: usize,
    it: &'a Item,
) -> Result<InventPosition<'a>, ProviderError> {
    let p = |f: &str| format!("items[{i}].{f}");
    let name = it
        .name
        .as_deref()
        .ok_or_else(|| unsupported(p("name"), "МодульКасса requires the item name"))?;
    refuse_if(&it.excise, p("excise"), "excise (1229)")?;
    refuse_if(&it.unit_vat, p("unit_vat"), "the unit VAT (1198)")?;
    refuse_if(&it.unit, p("unit"), "the unit of measurement (1197)")?;
    refuse_if(&it.fraction, p("fraction"), "a fractional quantity (1291)")?;
    refuse_if(&it.user_data, p("user_data"), "the item's user data (1191)")?;
    if !it.sectoral_props.is_empty() {
        return Err(unsupported(
            p("sectoral_props"),
            "the МодульКасса Document has no field for sectoral props (1260)",
        ));
    }
    carried::other_tags_refused(PROVIDER, &format!("items[{i}]."), &it.other_tags)?;
    // 2108 = 0 (pieces) is what the register records without a field; the Document has none.
    if it.measure.is_some_and(|m| m != Measure::PIECE) {
        return Err(unsupported(
            p("measure"),
            "the МодульКасса Document has no field for the measure (2108); only pieces can be sent",
        ));
    }
    if let Some(c) = &it.country_code {
        if c.is_empty() || c.len() > 3 || !c.bytes().all(|b| b.is_ascii_digit()) {
            return Err(unsupported(
                p("country_code"),
                "originCountryCode is 1–3 digits (ОКСМ)",
            ));
        }
    }
    let (price, disc_sum) = line_numbers(cfg, i, it)?;
    refuse_if(
        &it.product_code,
        p("product_code"),
        "the product code (1163) of goods that are not marked (productMark is a marking code)",
    )?;
    let (nomenclature_code, product_mark) = match &it.mark {
        None => (None, None),
        Some(m) => {
            let mp = p("mark");
            refuse_if(&m.planned_status, format!("{mp}.planned_status"), "2003")?;
            refuse_if(&m.processing_mode, format!("{mp}.processing_mode"), "2102")?;
            refuse_if(&m.check_result, format!("{mp}.check_result"), "2106")?;
            carried::mark_1162_agrees(PROVIDER, &mp, m)?;
            if ffd == FfdVersion::V12 {
                carried::mark_1163_agrees(PROVIDER, &mp, m)?;
                let code = m.code.as_deref().ok_or_else(|| {
                    unsupported(
                        format!("{mp}.code"),
                        "ФФД 1.2 marks go as productMark, the scanned code; give the scan",
                    )
                })?;
                refuse_if(
                    &m.code_1162,
                    format!("{mp}.code_1162"),
                    "1162 in ФФД 1.2 (productMark carries the scan)",
                )?;
                if code.chars().count() > 255 {
                    return Err(unsupported(
                        format!("{mp}.code"),
                        "productMark holds at most 255 characters",
                    ));
                }
                (None, Some(code))
            } else {
                refuse_if(&m.kind, format!("{mp}.kind"), "1163 in ФФД 1.05")?;
                refuse_if(&m.value, format!("{mp}.value"), "1163 in ФФД 1.05")?;
                (Some(nomenclature_code(&mp, m)?), None)
            }
        }
    };
    let (agent_info, supplier_info) = match &it.agent {
        None => (None, None),
        Some(a) => agent_info(i, a)?,
    };
    Ok(InventPosition {
        name,
        price,
        quantity: number(it.quantity.as_decimal().normalize().to_string()),
        vat_tag: vat_tag(cfg, &p("vat"), it.vat)?,
        disc_sum,
        vat_sum: match &it.vat_sum {
            Some(v) => Some(money(&p("vat_sum"), v)?),
            None => None,
        },
        payment_object: payment_object(&p("payment_subject"), it.payment_subject)?,
        payment_method: payment_method(&p("payment_method"), it.payment_method)?,
        origin_country_code: it.country_code.as_deref(),
        customs_declaration_number: it.declaration_number.as_deref(),
        nomenclature_code,
        product_mark,
        agent_info,
        supplier_info,
    })
}

/// Receipt VAT totals (1102–1107): the Document has none, the register computes them from the
/// positions; given ones must equal what the items add up to, else the field is refused.
fn vat_totals_agree(r: &Receipt) -> Result<(), ProviderError> {
    let Some(given) = &r.vat_totals else {
        return Ok(());
    };
    let items = fiskal_ffd::vat_totals::RateTotals::of_items(&r.items);
    for (_, rate, name) in fiskal_ffd::vat_totals::RECEIPT_VAT_TAGS {
        if let Some(m) = given.given(rate) {
            if m.kopecks().ok() != Some(items.get(rate).unwrap_or(0)) {
                return Err(unsupported(
                    format!("vat_totals.{name}"),
                    "the Document has no VAT totals: the register computes them from the \
                     positions, and this value differs",
                ));
            }
        }
    }
    Ok(())
}

/// The body of `POST /v2/doc` for a receipt: exact bytes (UTF-8 JSON).
///
/// # Errors
/// [`ProviderError::Unsupported`] naming the receipt field the Document cannot carry.
pub fn build(
    cfg: &ModulKassaConfig,
    document_id: &str,
    r: &Receipt,
    timestamp: LocalDateTime,
    callback_url: Option<&str>,
) -> Result<Vec<u8>, ProviderError> {
    let kind = DocumentKind::of(r).map_err(|e| match e {
        ProviderError::Unsupported { path, message, .. } => unsupported(path, message),
        other => other,
    })?;
    let doc_type = doc_type(kind)?;
    refuse_if(&r.additional_check_props, "additional_check_props", "1192")?;
    refuse_if(&r.additional_user_prop, "additional_user_prop", "1084")?;
    refuse_if(&r.operating_check_props, "operating_check_props", "1270")?;
    if !r.sectoral_check_props.is_empty() {
        return Err(unsupported(
            "sectoral_check_props",
            "the МодульКасса Document has no field for 1261",
        ));
    }
    carried::other_tags_refused(PROVIDER, "", &r.other_tags)?;
    carried::register_refusals(PROVIDER, r.register.as_ref(), &[])?;
    carried::total_is_payments(PROVIDER, r)?;
    vat_totals_agree(r)?;
    if let Some(c) = &r.client {
        refuse_if(&c.birth_date, "client.birth_date", "1243")?;
        refuse_if(&c.citizenship, "client.citizenship", "1244")?;
        refuse_if(&c.document_code, "client.document_code", "1245")?;
        refuse_if(&c.document_data, "client.document_data", "1246")?;
        refuse_if(&c.address, "client.address", "1254")?;
    }
    if document_id.is_empty() || document_id.chars().any(char::is_control) {
        return Err(unsupported(
            "document_id",
            "the Document id: non-empty, without control characters",
        ));
    }
    let email = match r.client.as_ref().and_then(|c| c.contact.as_deref()) {
        Some(s) => {
            let c = contact::buyer_contact(PROVIDER, "client.contact", s)?;
            if let contact::Contact::Phone(p) = &c {
                if !(p.starts_with("+7") && p.len() == 12) {
                    return Err(unsupported(
                        "client.contact",
                        "МодульКасса takes a phone only as +7 and 10 digits (`email`, §3.3)",
                    ));
                }
            }
            c.as_str().to_owned()
        }
        None => cfg.default_email.clone().ok_or_else(|| {
            unsupported(
                "client.contact",
                "МодульКасса requires the buyer's e-mail or phone (`email`); give one, or set \
                 default_email",
            )
        })?,
    };
    let cashier = r.cashier.as_ref();
    if let Some(c) = cashier {
        if c.name.chars().count() > 64 {
            return Err(unsupported(
                "cashier.name",
                "cashierName holds at most 64 characters",
            ));
        }
    }
    let mut money_positions = Vec::new();
    let pays = [
        ("CASH", &r.payments.cash, "payments.cash"),
        ("CARD", &r.payments.electronic, "payments.electronic"),
        ("PREPAID", &r.payments.prepaid, "payments.prepaid"),
        ("POSTPAY", &r.payments.credit, "payments.credit"),
        ("OTHER", &r.payments.consideration, "payments.consideration"),
    ];
    for (ty, m, path) in pays {
        if !m.is_zero() {
            money_positions.push(MoneyPosition {
                payment_type: ty,
                sum: money(path, m)?,
            });
        }
    }
    if money_positions.is_empty() {
        // moneyPositions needs one entry (§3.3); a receipt paid with nothing pays 0 in cash.
        money_positions.push(MoneyPosition {
            payment_type: "CASH",
            sum: number("0.00".into()),
        });
    }
    let invent_positions = r
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| position(cfg, r.ffd, i, it))
        .collect::<Result<Vec<_>, _>>()?;
    let doc = Document {
        id: document_id,
        doc_num: document_id,
        doc_type,
        checkout_date_time: iso_with_offset(timestamp, &cfg.offset_text()),
        email,
        print_receipt: cfg.print_receipt,
        cashier_name: cashier.map(|c| c.name.as_str()),
        cashier_inn: cashier.and_then(|c| c.inn.as_deref()),
        response_url: callback_url,
        tax_mode: r.tax_system.map(tax_mode).transpose()?,
        client_name: r.client.as_ref().and_then(|c| c.name.as_deref()),
        client_inn: r.client.as_ref().and_then(|c| c.inn.as_deref()),
        invent_positions,
        money_positions,
    };
    serde_json::to_vec(&doc).map_err(|e| unsupported("receipt", e.to_string()))
}
