//! Receipt → Orange Data request body («Протокол взаимодействия с интернет-кассой» 2.31.3,
//! `orangedata-official/API`, `orangedata_API_Russian_ffd_1.2.pdf`: §2.1.1 receipts, §2.3.1
//! FFD 1.05 corrections, §2.7.1 FFD 1.2 corrections).
//!
//! Every receipt field is sent or the receipt is refused before sending
//! ([`ProviderError::Unsupported`] naming the field):
//!
//! | receipt | Orange Data |
//! |---|---|
//! | `company.inn` | top-level `inn` (must equal [`OrangeConfig::inn`], else refused) |
//! | `client.contact` (1008) | `customerContact`, a phone as `+<digits>` (rule in `crate::contact`, §2.1.1.1 «формат +{Ц} или {С}@{С}»); `none` when absent |
//! | `client.name`, `inn` (1.05) | `customer`, `customerINN` |
//! | `client.*` (1.2) | `customerInfo` (§2.1.1.8) |
//! | `cashier.name`, `inn` | `cashier`, `cashierINN` |
//! | `company.email` (1117) | `senderEmail` |
//! | `company.payment_address` (1009), `payment_place` (1187) | `settlementAddress`, `settlementPlace` with [`OrangeConfig::send_settlement_place`]; otherwise the protocol forbids them («не должно передаваться») and the group's registered values are printed |
//! | `register.automat_number` (1036) | `automatNumber` |
//! | `additional_check_props` (1192), `additional_user_prop` (1084) | `additionalAttribute`, `additionalUserAttribute` |
//! | `operating_check_props` (1270) | `operationalAttribute {date, id, value}` (§2.1.1.9) |
//! | `sectoral_check_props[0]` (1261) | `industryAttribute {foivId, causeDocumentDate, causeDocumentNumber, value}` (§2.1.1.10; one only: a second is refused) |
//! | `items[].agent.type` (1222), `agent_info` (1223) | `agentType`, `agentInfo {paymentAgentOperation, paymentAgentPhoneNumbers, paymentOperatorPhoneNumbers, paymentTransferOperatorPhoneNumbers, paymentOperatorName, paymentOperatorAddress, paymentOperatorINN}` (§2.1.1.7) |
//! | `items[].agent.supplier` (1224, 1226) | `supplierInfo {phoneNumbers, name}` (§2.1.1.6), `supplierINN` |
//! | `items[].sectoral_props` (1260) | `industryAttribute` (the first), `industryAttributes` (the rest, in order; §2.1.1.2) |
//! | `items[].fraction` (1291) | `fractionalQuantity {Numerator, Denominator}`; a `text` must read `n/d` |
//! | `items[].name`, `price`, `quantity` | `text`, `price`, `quantity`; `sum` (1043) has no field: the register computes price × quantity, so a `sum` that is not exactly that, rounded half-up, is refused (for a fraction of a marked unit, 1291, give the price of the fraction: the protocol's example keeps `quantity` 1) |
//! | `items[].mark` | 1.05: `nomenclatureCode` (Base64 of 1162); 1.2: `itemCode` (the scan), `plannedStatus`; without a scan, `kind` + `value` of 1301–1304, 1307–1309, 1320–1325 as `barcodes {ean8, ean13, itf14, gs1, mi, egais20, egais30, f1…f6}` (§2.1.1.11) |
//!
//! Refused: `other_tags`, every `register` field but `automat_number`, `correction.description`
//! (1177), `mark.check_result` (2106: the register records its own check), a mark's 1162 / 1163
//! value that differs from its scan, and in an FFD 1.05 correction (§2.3.1.1, a totals record)
//! items, the cashier, the buyer's name and INN and the additional requisites. `company.name`
//! (1048) is not sent: the register prints the name of its registration.
//!
//! Numbers are written from integer kopecks and exact decimals as JSON number *text*
//! (`serde_json::value::RawValue`), never through `f64`. The body is produced once, as bytes, and
//! those exact bytes are both signed and sent.

use super::OrangeConfig;
use crate::carried;
use crate::contact;
use crate::error::ProviderError;
use crate::provider::DocumentKind;
use base64::Engine as _;
use fiskal_ffd::model::{Item, Receipt};
use fiskal_ffd::{FfdVersion, Money, TaxSystem, VatRate};
use serde::Serialize;
use serde_json::value::RawValue;

const PROVIDER: &str = "orange_data";

fn unsupported(path: impl Into<String>, message: impl Into<String>) -> ProviderError {
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

/// Money as a JSON number with two decimals (`1999.00`).
fn money(path: &str, m: &Money) -> Result<Box<RawValue>, ProviderError> {
    let k = m
        .kopecks()
        .map_err(|_| unsupported(path, "not a valid amount"))?;
    Ok(number(format!("{}.{:02}", k / 100, k % 100)))
}

fn kopecks_number(k: u64) -> Box<RawValue> {
    number(format!("{}.{:02}", k / 100, k % 100))
}

/// Orange Data's `tax` code for a VAT rate (§2.1.1.2): 1–10 equal the FFD values; 22 % and 22/122
/// have no documented code (protocol 2.31.3), so they come from the configuration.
pub(crate) fn tax_code(cfg: &OrangeConfig, path: &str, rate: VatRate) -> Result<u8, ProviderError> {
    match rate.0 {
        1..=10 => Ok(rate.0),
        11 => cfg.vat22_tax_code.ok_or_else(|| {
            unsupported(path, "Orange Data documents no tax code for 22 % (protocol 2.31.3): set OrangeConfig::vat22_tax_code")
        }),
        12 => cfg.vat122_tax_code.ok_or_else(|| {
            unsupported(path, "Orange Data documents no tax code for 22/122 (protocol 2.31.3): set OrangeConfig::vat122_tax_code")
        }),
        other => Err(unsupported(path, format!("VAT rate {other} is not defined"))),
    }
}

/// `checkClose.taxationSystem` (§2.1.1.3): ordinals, not the 1055 bitmask.
fn taxation_system(ts: Option<TaxSystem>) -> Result<u8, ProviderError> {
    match ts {
        Some(TaxSystem::OSN) => Ok(0),
        Some(TaxSystem::USN_INCOME) => Ok(1),
        Some(TaxSystem::USN_INCOME_OUTCOME) => Ok(2),
        Some(TaxSystem::ENVD) => Ok(3),
        Some(TaxSystem::ESN) => Ok(4),
        Some(TaxSystem::PATENT) => Ok(5),
        Some(other) => Err(unsupported(
            "tax_system",
            format!("tax system {} has no Orange Data code", other.0),
        )),
        None => Err(unsupported(
            "tax_system",
            "Orange Data requires the tax system (checkClose.taxationSystem)",
        )),
    }
}

mod wire;

use wire::{
    AgentInfo, Body, CheckClose, Content, Correction105Content, CustomerInfo, FractionalQuantity,
    IndustryAttribute, NameValue, OperationalAttribute, Payment, Position, SupplierInfo,
};

/// The endpoint path of a document kind (§2.1, §2.3, §2.7).
pub(crate) fn endpoint(ffd: FfdVersion, kind: DocumentKind) -> &'static str {
    match (kind.is_correction(), ffd) {
        (false, _) => "/api/v2/documents/",
        (true, FfdVersion::V12) => "/api/v2/correction12/",
        (true, _) => "/api/v2/corrections/",
    }
}

fn position<'a>(
    cfg: &OrangeConfig,
    r: &Receipt,
    i: usize,
    it: &'a Item,
) -> Result<Position<'a>, ProviderError> {
    let p = |field: &str| format!("items[{i}].{field}");
    let text = it
        .name
        .as_deref()
        .ok_or_else(|| unsupported(p("name"), "Orange Data requires the item text"))?;
    let sum = it
        .sum
        .kopecks()
        .map_err(|_| unsupported(p("sum"), "not a valid amount"))?;
    let tax = tax_code(cfg, &p("vat"), it.vat)?;
    carried::other_tags_refused(PROVIDER, &format!("items[{i}]."), &it.other_tags)?;
    let v12 = r.ffd == FfdVersion::V12;
    // Requisites of the other FFD version have no field in this one (§2.1.1.2 columns).
    for (present, field) in [
        (it.unit.is_some() && v12, "unit"),
        (it.measure.is_some() && !v12, "measure"),
        (it.fraction.is_some() && !v12, "fraction"),
        (!it.sectoral_props.is_empty() && !v12, "sectoral_props"),
    ] {
        if present {
            return Err(unsupported(
                p(field),
                format!("no Orange Data field for it in ФФД {}", r.ffd),
            ));
        }
    }
    if let Some(f) = &it.fraction {
        carried::fraction_text_agrees(PROVIDER, &p("fraction"), f)?;
    }
    // A position has no sum (1043): the register computes price × quantity, so the
    // receipt's sum must be exactly that.
    if !sum_is_computed(it, sum) {
        return Err(unsupported(
            p("sum"),
            "Orange Data positions have no sum: the register computes price × quantity \
             (rounded half-up to kopecks), which differs from this sum",
        ));
    }
    if let Some(m) = &it.mark {
        mark_refusals(&p("mark"), m, v12)?;
    }
    // taxSum only for the rates that carry VAT (§2.1.1.2: ignored for 5, 6; 0 omits the tag).
    let tax_sum = match (&it.vat_sum, it.vat.fraction()) {
        (Some(v), Some(_)) => Some(money(&p("vat_sum"), v)?),
        (None, Some(_)) => it.vat.vat_of(sum).map(kopecks_number),
        _ => None,
    };
    let mut barcodes = None;
    let (nomenclature_code, item_code) = match (&it.mark, r.ffd) {
        (None, ffd) => match &it.product_code {
            None => (None, None),
            // The product code of goods that are not marked: the 1163 child in `barcodes`
            // (§2.1.1.11 «Штрих-коды предмета расчета»; the protocol's own example puts them
            // on a paymentSubjectType 1 position). 1300 has no key there (only itemCode, the
            // marking check's input), so it is refused.
            Some(c) if ffd == FfdVersion::V12 => {
                let key = barcode_key(Some(c.kind))
                    .filter(|_| c.kind != 1307)
                    .ok_or_else(|| {
                        unsupported(
                            p("product_code.kind"),
                            format!(
                                "Orange Data's barcodes have no key for the 1163 child {}",
                                c.kind
                            ),
                        )
                    })?;
                barcodes = Some(std::collections::BTreeMap::from([(key, c.value.as_str())]));
                (None, None)
            }
            Some(_) => {
                return Err(unsupported(
                    p("product_code"),
                    "1163 is a ФФД 1.2 requisite; Orange Data has no field for it in ФФД 1.05",
                ))
            }
        },
        (Some(m), FfdVersion::V12) if m.code.is_none() && barcode_key(m.kind).is_some() => {
            // A code without a scan: the 1163 child itself, in `barcodes` (§2.1.1.11).
            let key = barcode_key(m.kind).unwrap_or_default();
            let value = m
                .value
                .as_deref()
                .ok_or_else(|| unsupported(p("mark.value"), "a mark kind needs its value"))?;
            barcodes = Some(std::collections::BTreeMap::from([(key, value)]));
            (None, None)
        }
        (Some(m), FfdVersion::V12) => {
            let code = m.code.as_deref().ok_or_else(|| {
                unsupported(p("mark.code"), "Orange Data (FFD 1.2) needs the scanned code itself (itemCode), not only the 1163 value")
            })?;
            // itemCode: the code as read, with GS separators (`\u001d` in JSON): the normalised
            // tag 2000 form (AIM prefix, textual GS forms and FNC1 resolved by fiskal-marks).
            let parsed = fiskal_marks::MarkCode::parse(code)
                .map_err(|e| unsupported(p("mark.code"), e.to_string()))?;
            (None, Some(parsed.tag_2000().to_owned()))
        }
        (Some(m), _) => {
            let bytes = match (&m.code_1162, &m.code) {
                (Some(h), _) => {
                    hex::decode(h).map_err(|_| unsupported(p("mark.code_1162"), "not hex"))?
                }
                (None, Some(code)) => fiskal_marks::MarkCode::parse(code)
                    .and_then(|mc| mc.tag_1162())
                    .map_err(|e| unsupported(p("mark.code"), e.to_string()))?
                    .as_bytes()
                    .to_vec(),
                (None, None) => return Err(unsupported(p("mark"), "no mark code")),
            };
            (
                Some(base64::engine::general_purpose::STANDARD.encode(bytes)),
                None,
            )
        }
    };
    let agent = it.agent.as_ref();
    let supplier = agent.and_then(|a| a.supplier.as_ref());
    let supplier_info = match supplier.filter(|s| s.name.is_some() || !s.phones.is_empty()) {
        Some(s) => Some(SupplierInfo {
            phone_numbers: contact::phones(PROVIDER, &p("agent.supplier.phones"), &s.phones)?,
            name: s.name.as_deref(),
        }),
        None => None,
    };
    let agent_info = match agent.and_then(|a| a.agent_info.as_ref()) {
        Some(a) => Some(AgentInfo {
            payment_agent_operation: a.operation.as_deref(),
            payment_agent_phone_numbers: contact::phones(
                PROVIDER,
                &p("agent.agent_info.phones"),
                &a.phones,
            )?,
            payment_operator_phone_numbers: contact::phones(
                PROVIDER,
                &p("agent.agent_info.payment_operator_phones"),
                &a.payment_operator_phones,
            )?,
            payment_transfer_operator_phone_numbers: contact::phones(
                PROVIDER,
                &p("agent.agent_info.transfer_operator_phones"),
                &a.transfer_operator_phones,
            )?,
            payment_operator_name: a.transfer_operator_name.as_deref(),
            payment_operator_address: a.transfer_operator_address.as_deref(),
            payment_operator_inn: a.transfer_operator_inn.as_deref(),
        }),
        None => None,
    };
    let mut sectoral = it.sectoral_props.iter().map(IndustryAttribute::of);
    let industry_attribute = sectoral.next();
    let industry_attributes = sectoral.collect();
    Ok(Position {
        quantity: number(it.quantity.to_string()),
        price: money(&p("price"), &it.price)?,
        tax,
        tax_sum,
        text,
        payment_method_type: it.payment_method.0,
        payment_subject_type: it.payment_subject.0,
        nomenclature_code,
        item_code,
        planned_status: it
            .mark
            .as_ref()
            .and_then(|m| m.planned_status)
            .map(|s| s.0)
            .filter(|_| r.ffd == FfdVersion::V12),
        barcodes,
        quantity_measurement_unit: it.measure.map(|m| m.0).filter(|_| r.ffd == FfdVersion::V12),
        unit_of_measurement: it.unit.as_deref().filter(|_| r.ffd == FfdVersion::V105),
        additional_attribute: it.user_data.as_deref(),
        manufacturer_country_code: it.country_code.as_deref(),
        customs_declaration_number: it.declaration_number.as_deref(),
        excise: it
            .excise
            .as_ref()
            .map(|e| money(&p("excise"), e))
            .transpose()?,
        unit_tax_sum: it
            .unit_vat
            .as_ref()
            .map(|e| money(&p("unit_vat"), e))
            .transpose()?,
        agent_type: agent.and_then(|a| a.agent_type).map(|t| t.0),
        supplier_inn: supplier.and_then(|s| s.inn.as_deref()),
        supplier_info,
        agent_info,
        fractional_quantity: it.fraction.as_ref().map(|f| FractionalQuantity {
            numerator: f.numerator,
            denominator: f.denominator,
        }),
        industry_attribute,
        industry_attributes,
    })
}

/// Whether `sum` (kopecks) is price × quantity rounded half-up to kopecks: a position has no
/// sum, and §2.1.1.2 defines none other (with `fractionalQuantity` the protocol's example keeps
/// `quantity` 1, so give the price of the fraction sold).
fn sum_is_computed(it: &Item, sum: u64) -> bool {
    let by_quantity = it
        .price
        .as_decimal()
        .checked_mul(it.quantity.as_decimal())
        .map(|d| fiskal_ffd::Rounding::HalfUp.round(d, 2))
        .and_then(|d| Money::from_decimal(d).kopecks().ok());
    by_quantity == Some(sum)
}

/// The `barcodes` key (§2.1.1.11) of a 1163 child given without a scan; `None` for the kinds
/// that need the scanned code itself in `itemCode` (1300, 1305, 1306).
fn barcode_key(kind: Option<u16>) -> Option<&'static str> {
    Some(match kind? {
        1301 => "ean8",
        1302 => "ean13",
        1303 => "itf14",
        1304 => "gs1",
        1307 => "mi",
        1308 => "egais20",
        1309 => "egais30",
        1320 => "f1",
        1321 => "f2",
        1322 => "f3",
        1323 => "f4",
        1324 => "f5",
        1325 => "f6",
        _ => return None,
    })
}

/// What a mark may carry that Orange Data has no field for (see the module table).
fn mark_refusals(path: &str, m: &fiskal_ffd::model::Mark, v12: bool) -> Result<(), ProviderError> {
    let refuse = |field: &str, what: &str| Err(unsupported(format!("{path}.{field}"), what));
    if m.check_result.is_some() {
        return refuse(
            "check_result",
            "2106: Orange Data has no field for it (the register records its own check)",
        );
    }
    if m.processing_mode.is_some_and(|v| v != 0) {
        return refuse("processing_mode", "2102 must be 0");
    }
    if v12 {
        if m.code_1162.is_some() {
            return refuse("code_1162", "1162 is ФФД 1.05; ФФД 1.2 sends itemCode");
        }
        carried::mark_1163_agrees(PROVIDER, path, m)
    } else {
        if m.planned_status.is_some() {
            return refuse("planned_status", "plannedStatus (2003) is ФФД 1.2 only");
        }
        if m.processing_mode.is_some() {
            return refuse("processing_mode", "2102 is ФФД 1.2 only");
        }
        carried::mark_1162_agrees(PROVIDER, path, m)
    }
}

/// The requisites both receipts and corrections refuse or check (module docs).
fn document_refusals(cfg: &OrangeConfig, receipt: &Receipt) -> Result<(), ProviderError> {
    if receipt.company.inn != cfg.inn {
        return Err(unsupported(
            "company.inn",
            format!(
                "Orange Data registers the receipt under the configured INN {}, not this one",
                cfg.inn
            ),
        ));
    }
    carried::other_tags_refused(PROVIDER, "", &receipt.other_tags)?;
    carried::register_refusals(PROVIDER, receipt.register.as_ref(), &["automat_number"])?;
    if receipt
        .correction
        .as_ref()
        .is_some_and(|c| c.description.is_some())
    {
        return Err(unsupported(
            "correction.description",
            "1177 (legacy 1.05 documents only) has no Orange Data field",
        ));
    }
    Ok(())
}

/// Requisites of ФФД 1.2 in a ФФД 1.05 document, and a second 1261: no field for them.
fn version_refusals(receipt: &Receipt) -> Result<(), ProviderError> {
    let v12 = receipt.ffd == FfdVersion::V12;
    if let Some(c) = receipt.client.as_ref().filter(|_| !v12) {
        // 1243–1254 exist only in ФФД 1.2 (customerInfo); ФФД 1.05 has customer, customerINN.
        for (present, path) in [
            (c.birth_date.is_some(), "client.birth_date"),
            (c.citizenship.is_some(), "client.citizenship"),
            (c.document_code.is_some(), "client.document_code"),
            (c.document_data.is_some(), "client.document_data"),
            (c.address.is_some(), "client.address"),
        ] {
            if present {
                return Err(unsupported(path, "no Orange Data field for it in ФФД 1.05"));
            }
        }
    }
    if !v12 {
        if receipt.operating_check_props.is_some() {
            return Err(unsupported(
                "operating_check_props",
                "operationalAttribute (1270) is ФФД 1.2 only",
            ));
        }
        if !receipt.sectoral_check_props.is_empty() {
            return Err(unsupported(
                "sectoral_check_props",
                "industryAttribute (1261) is ФФД 1.2 only",
            ));
        }
    }
    if receipt.sectoral_check_props.len() > 1 {
        return Err(unsupported(
            "sectoral_check_props[1]",
            "Orange Data carries one receipt-level industryAttribute (1261, §2.1.1.10)",
        ));
    }
    Ok(())
}

/// `customerContact` (1008): the contact normalised, or `none` without one (§2.1.1.1).
fn customer_contact(receipt: &Receipt) -> Result<Option<String>, ProviderError> {
    receipt
        .client
        .as_ref()
        .and_then(|c| c.contact.as_deref())
        .map(|s| {
            contact::buyer_contact(PROVIDER, "client.contact", s).map(|c| c.as_str().to_owned())
        })
        .transpose()
}

/// The request body (exact bytes to sign and send) and the endpoint path.
pub fn build(
    cfg: &OrangeConfig,
    document_id: &str,
    receipt: &Receipt,
    callback_url: Option<&str>,
) -> Result<(Vec<u8>, &'static str), ProviderError> {
    let kind = DocumentKind::of(receipt)?;
    if document_id.is_empty() || document_id.chars().count() > 64 {
        return Err(unsupported(
            "document_id",
            "Orange Data ids are 1..64 characters",
        ));
    }
    document_refusals(cfg, receipt)?;
    version_refusals(receipt)?;
    if kind.is_correction() && receipt.ffd != FfdVersion::V12 {
        let bytes = correction_105(cfg, document_id, receipt, callback_url)?;
        return Ok((bytes, endpoint(receipt.ffd, kind)));
    }
    let positions = receipt
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| position(cfg, receipt, i, it))
        .collect::<Result<Vec<_>, _>>()?;
    let pay = [
        (1u8, &receipt.payments.cash),
        (2, &receipt.payments.electronic),
        (14, &receipt.payments.prepaid),
        (15, &receipt.payments.credit),
        (16, &receipt.payments.consideration),
    ];
    let mut payments = Vec::new();
    for (kind, m) in pay {
        if !m.is_zero() {
            payments.push(Payment {
                kind,
                amount: money("payments", m)?,
            });
        }
    }
    // vat1Sum..vat6Sum are 1102..1107 in tag order (§2.1.1.1).
    let mut vat_sums = std::collections::BTreeMap::new();
    for (tag, k) in fiskal_ffd::vat_totals::receipt_vat_requisites(receipt)? {
        let n = tag.0 - 1101; // 1102 -> vat1Sum … 1107 -> vat6Sum
        vat_sums.insert(format!("vat{n}Sum"), kopecks_number(k));
    }
    let client = receipt.client.as_ref();
    let correction = receipt.correction.as_ref();
    let content = Content {
        ffd_version: receipt.ffd.code(),
        operation: receipt.operation.0,
        correction_type: correction.map(|c| c.correction_type.0),
        cause_document_date: correction.map(|c| {
            let (y, m, d, ..) = c.date.fields();
            format!("{y:04}-{m:02}-{d:02}T00:00:00")
        }),
        cause_document_number: correction.and_then(|c| c.number.as_deref()),
        positions,
        check_close: CheckClose {
            payments,
            taxation_system: taxation_system(receipt.tax_system)?,
        },
        customer_contact: customer_contact(receipt)?.unwrap_or_else(|| "none".to_owned()),
        customer: client
            .and_then(|c| c.name.as_deref())
            .filter(|_| receipt.ffd == FfdVersion::V105),
        customer_inn: client
            .and_then(|c| c.inn.as_deref())
            .filter(|_| receipt.ffd == FfdVersion::V105),
        customer_info: client
            .filter(|_| receipt.ffd == FfdVersion::V12)
            .and_then(|c| {
                let info = CustomerInfo {
                    name: c.name.as_deref(),
                    inn: c.inn.as_deref(),
                    birth_date: c.birth_date.as_deref(),
                    citizenship: c.citizenship.as_deref(),
                    identity_document_code: c.document_code.as_deref(),
                    identity_document_data: c.document_data.as_deref(),
                    address: c.address.as_deref(),
                };
                let any = info.name.is_some()
                    || info.inn.is_some()
                    || info.birth_date.is_some()
                    || info.address.is_some()
                    || info.citizenship.is_some()
                    || info.identity_document_code.is_some()
                    || info.identity_document_data.is_some();
                any.then_some(info)
            }),
        cashier: receipt.cashier.as_ref().map(|c| c.name.as_str()),
        cashier_inn: receipt.cashier.as_ref().and_then(|c| c.inn.as_deref()),
        sender_email: receipt.company.email.as_deref(),
        total_sum: money("total", &receipt.total)?,
        vat_sums,
        additional_attribute: receipt.additional_check_props.as_deref(),
        additional_user_attribute: receipt.additional_user_prop.as_ref().map(|p| NameValue {
            name: &p.name,
            value: &p.value,
        }),
        // Only groups with "automat data" accept these (§2.1.1.1); others take them from the group.
        settlement_address: receipt
            .company
            .payment_address
            .as_deref()
            .filter(|_| cfg.send_settlement_place),
        settlement_place: receipt
            .company
            .payment_place
            .as_deref()
            .filter(|_| cfg.send_settlement_place),
        automat_number: automat_number(receipt),
        operational_attribute: receipt.operating_check_props.as_ref().map(|o| {
            let (y, mo, d, h, mi, s) = o.time.fields();
            OperationalAttribute {
                date: format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}"),
                id: o.id,
                value: &o.data,
            }
        }),
        industry_attribute: receipt
            .sectoral_check_props
            .first()
            .map(IndustryAttribute::of),
    };
    let body = Body {
        id: document_id,
        inn: &cfg.inn,
        group: cfg.group.as_deref(),
        key: &cfg.key_name,
        content,
        callback_url,
    };
    Ok((to_bytes(&body)?, endpoint(receipt.ffd, kind)))
}

/// `automatNumber` (1036): `register.automat_number`.
fn automat_number(receipt: &Receipt) -> Option<&str> {
    receipt
        .register
        .as_ref()
        .and_then(|g| g.automat_number.as_deref())
}

/// Serialises a body; the bytes are what gets signed and sent.
fn to_bytes<C: Serialize>(body: &Body<'_, C>) -> Result<Vec<u8>, ProviderError> {
    serde_json::to_vec(body).map_err(|e| unsupported("", format!("cannot serialise: {e}")))
}

/// An FFD 1.05 correction (form 31) as the §2.3.1.1 `content` of `/api/v2/corrections/`: a
/// totals record. It has no `positions`, cashier, buyer name or INN and no additional
/// requisites, so a receipt with any of them is refused, naming the field.
fn correction_105(
    cfg: &OrangeConfig,
    document_id: &str,
    receipt: &Receipt,
    callback_url: Option<&str>,
) -> Result<Vec<u8>, ProviderError> {
    let Some(c) = receipt.correction.as_ref() else {
        return Err(unsupported(
            "correction",
            "a correction receipt needs its correction data",
        ));
    };
    // Only приход (1) and расход (3) exist for 1.05 corrections at Orange Data (§2.3.1.1).
    let operation = receipt.operation.0;
    if !matches!(operation, 1 | 3) {
        let message = format!(
            "Orange Data FFD 1.05 corrections are приход (1) or расход (3) only, not {operation}"
        );
        return Err(unsupported("operation", message));
    }
    for (present, path) in [
        (!receipt.items.is_empty(), "items"),
        (receipt.cashier.is_some(), "cashier"),
        (
            receipt.client.as_ref().is_some_and(|c| c.name.is_some()),
            "client.name",
        ),
        (
            receipt.client.as_ref().is_some_and(|c| c.inn.is_some()),
            "client.inn",
        ),
        (
            receipt.additional_check_props.is_some(),
            "additional_check_props",
        ),
        (
            receipt.additional_user_prop.is_some(),
            "additional_user_prop",
        ),
    ] {
        if present {
            return Err(unsupported(
                path,
                "an Orange Data FFD 1.05 correction (§2.3.1.1) has no field for it",
            ));
        }
    }
    // 1179 is required for a correction by prescription (1173 = 1).
    if c.correction_type.0 == 1 && c.number.as_deref().is_none_or(str::is_empty) {
        return Err(unsupported(
            "correction.number",
            "Orange Data requires causeDocumentNumber (1179) for a correction by prescription",
        ));
    }
    let (y, m, d, ..) = c.date.fields();
    let sum = |path: &str, m: &Money| -> Result<Option<Box<RawValue>>, ProviderError> {
        if m.is_zero() {
            Ok(None)
        } else {
            money(path, m).map(Some)
        }
    };
    // tax1Sum..tax6Sum are 1102..1107, the same rates as vat1Sum..vat6Sum (§2.3.1.1). 7–10 (5 %,
    // 7 %, 5/105, 7/107) have no receipt-level tag in the model, so they are never sent.
    let mut tax_sums = std::collections::BTreeMap::new();
    for (tag, k) in fiskal_ffd::vat_totals::receipt_vat_requisites(receipt)? {
        let n = tag.0 - 1101;
        tax_sums.insert(format!("tax{n}Sum"), kopecks_number(k));
    }
    let p = &receipt.payments;
    let content = Correction105Content {
        correction_type: c.correction_type.0,
        operation,
        cause_document_date: format!("{y:04}-{m:02}-{d:02}T00:00:00"),
        cause_document_number: c.number.as_deref(),
        total_sum: money("total", &receipt.total)?,
        cash_sum: sum("payments.cash", &p.cash)?,
        e_cash_sum: sum("payments.electronic", &p.electronic)?,
        prepayment_sum: sum("payments.prepaid", &p.prepaid)?,
        postpayment_sum: sum("payments.credit", &p.credit)?,
        other_payment_type_sum: sum("payments.consideration", &p.consideration)?,
        tax_sums,
        taxation_system: taxation_system(receipt.tax_system)?,
        settlement_address: receipt
            .company
            .payment_address
            .as_deref()
            .filter(|_| cfg.send_settlement_place),
        settlement_place: receipt
            .company
            .payment_place
            .as_deref()
            .filter(|_| cfg.send_settlement_place),
        automat_number: automat_number(receipt),
        customer_contact: customer_contact(receipt)?,
        sender_email: receipt.company.email.as_deref(),
    };
    to_bytes(&Body {
        id: document_id,
        inn: &cfg.inn,
        group: cfg.group.as_deref(),
        key: &cfg.key_name,
        content,
        callback_url,
    })
}
