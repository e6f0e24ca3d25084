//! Receipt → the body of `POST /kkt/cloud/receipt` (`{"Request": {…}}`).
//!
//! Sources: OFD.ru «Программный интерфейс приложений (API) … Ferma»
//! (<https://ofd.ru/razrabotchikam/ferma>, versions 2.63–2.66; its request tables were not
//! readable in the public copies) and the field names as public clients send them (a typed
//! TypeScript client quoting that document, the PHP `mirocow` Yii component `OfdFermaApi.php`,
//! eComKassa's `Unlocker/efir-import-corrections` templates). Names marked *weak* below come
//! from one recent client only; they are listed as open questions in `docs/providers.md`.
//!
//! Every receipt field is sent or the receipt is refused before sending
//! ([`ProviderError::Unsupported`] naming the field):
//!
//! | receipt | Ferma |
//! |---|---|
//! | `company.inn` | `Request.Inn` |
//! | operation + correction | `Request.Type`: `Income`, `IncomeReturn`, `Expense`, `ExpenseReturn`, `IncomeCorrection`, `IncomeReturnCorrection`, `BuyCorrection`, `ExpenseReturnCorrection` |
//! | document id | `Request.InvoiceId` (the idempotency key) |
//! | callback URL | `Request.CallbackUrl` |
//! | `cashier.name`, `inn` (1021, 1203) | `Request.Cashier {Name, Inn}` |
//! | `tax_system` (1055) | `CustomerReceipt.TaxationSystem`: `Common`, `SimpleIn`, `SimpleInOut`, `Unified`, `UnifiedAgricultural`, `Patent` (required) |
//! | `client.contact` (1008) | `Email` (an e-mail) or `Phone` (`+7…`, rule in `crate::contact`) |
//! | `client.*` (1.2: 1227, 1228, 1243–1246, 1254) | `ClientInfo {Name, Inn, Birthday, Citizenship, IdDocType, IdDocData, Address}` |
//! | `company.payment_place` (1187) | `BillAddress` |
//! | `register.automat_number` (1036) | `AutomatNumber` |
//! | `additional_check_props` (1192) | `AdditionalReceiptProp` |
//! | `additional_user_prop` (1084) | `CustomUserProperty {Name, Value}` |
//! | `operating_check_props` (1270, 1.2) | `OperationRequisite {Id, Details, DateTime}` (`DateTime`: the FFD UnixTime of the local time) |
//! | `sectoral_check_props[0]` (1261, 1.2) | `IndustryItemRequisite {FoivId, DocDate, DocNumber, Value}` (one only) |
//! | `payments` | `PaymentItems [{PaymentType, Sum}]`: cash 0, electronic 1, prepaid 2, credit 3, consideration 4 (*weak*) |
//! | `total` (1020) | no field: Ferma sums the items; it must equal the payments sent (`crate::carried`) |
//! | `vat_totals` | no field: the register computes them from the items; validation makes given ones agree |
//! | `correction` (1173, 1178, 1179, 1177) | `CorrectionInfo {Type: SELF \| INSTRUCTION, ReceiptDate: ДД.ММ.ГГГГ, ReceiptId, Description}` |
//! | `items[].name`, `price`, `quantity`, `sum` | `Label`, `Price`, `Quantity`, `Amount` |
//! | `items[].vat` (1199) | `Vat`: `Vat20`, `Vat10`, `CalculatedVat20120`, `CalculatedVat10110`, `Vat0`, `VatNo`, `Vat5`, `Vat7`, `CalculatedVat5105`, `CalculatedVat7107`; `Vat22`, `CalculatedVat22122` (*weak*, [`FermaConfig::vat22`]) |
//! | `items[].vat_sum` (1200) | no field: the register computes it; a value that differs from price-based VAT is refused |
//! | `items[].payment_method`, `payment_subject` (1214, 1212) | `PaymentMethod`, `PaymentType` (numbers) |
//! | `items[].measure` (2108, 1.2) | `Measure` (`PIECE`, `KILOGRAM` …) |
//! | `items[].excise`, `country_code`, `declaration_number`, `user_data` (1229, 1230, 1231, 1191) | `Excise`, `OriginCountryCode`, `CustomsDeclarationNumber`, `AdditionalRequisite` |
//! | `items[].sectoral_props[0]` (1260, 1.2) | `IndustryItemRequisite` (one only) |
//! | `items[].agent` (1222–1226) | `PaymentAgentInfo {AgentType, PaymentAgentOperation, PaymentAgentPhone, ReceiverPhone, TransferAgentPhone, TransferAgentName, TransferAgentAddress, TransferAgentINN, SupplierName, SupplierPhone, SupplierInn}` (*weak* field list; one phone each) |
//! | `items[].mark` (1.2) | `MarkingCodeData {Code: the scan (tag 2000 form), PlannedStatus, Type (with [`FermaConfig::mark_type_names`]), Fractional}` |
//! | `items[].fraction` (1291) | `MarkingCodeData.Fractional {Numerator, Denominator}` (needs a mark) |
//!
//! Refused: `other_tags`, every `register` field but `automat_number`, `company.email` (1117)
//! and `company.payment_address` (1009: the register's registered address), the buyer's name
//! and INN in ФФД 1.05 (`ClientInfo` is ФФД 1.2), `items[].unit` (1197) and `unit_vat` (1198),
//! a mark in ФФД 1.05 (the 1.05 `MarkingCode` form is known only from a weak source), a mark
//! without its scan, `mark.check_result` (2106), a second 1260/1261, more than one phone where
//! Ferma has one. `company.name` (1048) is not sent: the register prints the name of its
//! registration, as with Orange Data.
//!
//! Numbers are written from integer kopecks and exact decimals as JSON number text
//! (`serde_json::value::RawValue`), never through `f64`.

use super::names::{
    agent_type, mark_type, measure, planned_status, receipt_type, taxation_system, vat,
};
use super::{FermaConfig, PROVIDER};
use crate::carried;
use crate::contact::{self, Contact};
use crate::error::ProviderError;
use crate::provider::DocumentKind;
use fiskal_ffd::model::{Item, Receipt};
use fiskal_ffd::{FfdVersion, Money};
use serde::Serialize;
use serde_json::value::RawValue;

fn unsupported(path: impl Into<String>, message: impl Into<String>) -> ProviderError {
    ProviderError::Unsupported {
        provider: PROVIDER,
        path: path.into(),
        message: message.into(),
    }
}

fn number(text: String) -> Box<RawValue> {
    // Our text is always a valid JSON number; the fallback (never taken) keeps this total.
    RawValue::from_string(text).unwrap_or_else(|_| RawValue::NULL.to_owned())
}

/// Kopecks as a JSON number in roubles with two decimals (`1200.00`).
pub(crate) fn kopecks_number(k: u64) -> Box<RawValue> {
    number(format!("{}.{:02}", k / 100, k % 100))
}

fn money(path: &str, m: &Money) -> Result<Box<RawValue>, ProviderError> {
    let k = m
        .kopecks()
        .map_err(|_| unsupported(path, "not a valid amount"))?;
    Ok(kopecks_number(k))
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Body<'a> {
    request: Request<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Request<'a> {
    inn: &'a str,
    #[serde(rename = "Type")]
    kind: &'static str,
    invoice_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    callback_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cashier: Option<NameInn<'a>>,
    customer_receipt: CustomerReceipt<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct NameInn<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    inn: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CustomerReceipt<'a> {
    taxation_system: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<String>,
    #[serde(rename = "KktFA", skip_serializing_if = "Option::is_none")]
    kkt_fa: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    automat_number: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bill_address: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_info: Option<ClientInfo<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_user_property: Option<NameValue<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    additional_receipt_prop: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    operation_requisite: Option<OperationRequisite<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    industry_item_requisite: Option<Industry<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    correction_info: Option<CorrectionInfo<'a>>,
    items: Vec<FermaItem<'a>>,
    payment_items: Vec<PaymentItem>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ClientInfo<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    inn: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    birthday: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    citizenship: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_doc_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_doc_data: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct NameValue<'a> {
    name: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct OperationRequisite<'a> {
    id: u8,
    details: &'a str,
    date_time: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Industry<'a> {
    foiv_id: &'a str,
    doc_date: &'a str,
    doc_number: &'a str,
    value: &'a str,
}

impl<'a> Industry<'a> {
    fn of(p: &'a fiskal_ffd::model::SectoralProp) -> Industry<'a> {
        Industry {
            foiv_id: &p.fois_id,
            doc_date: &p.date,
            doc_number: &p.number,
            value: &p.value,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CorrectionInfo<'a> {
    #[serde(rename = "Type")]
    kind: &'static str,
    receipt_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    receipt_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PaymentItem {
    payment_type: u8,
    sum: Box<RawValue>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct FermaItem<'a> {
    label: &'a str,
    price: Box<RawValue>,
    quantity: Box<RawValue>,
    amount: Box<RawValue>,
    vat: &'static str,
    payment_method: u8,
    payment_type: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    measure: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    excise: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin_country_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    customs_declaration_number: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    additional_requisite: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    industry_item_requisite: Option<Industry<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_agent_info: Option<AgentInfo<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    marking_code_data: Option<MarkingCodeData>,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "PascalCase")]
struct AgentInfo<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    agent_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_agent_operation: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_agent_phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    receiver_phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    transfer_agent_phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    transfer_agent_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    transfer_agent_address: Option<&'a str>,
    #[serde(rename = "TransferAgentINN", skip_serializing_if = "Option::is_none")]
    transfer_agent_inn: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    supplier_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    supplier_phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    supplier_inn: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct MarkingCodeData {
    #[serde(rename = "Type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    planned_status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fractional: Option<Fractional>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Fractional {
    numerator: u64,
    denominator: u64,
}

/// One phone of a list where Ferma has a single field.
fn one_phone(path: &str, phones: &[String]) -> Result<Option<String>, ProviderError> {
    match phones {
        [] => Ok(None),
        [p] => contact::phone(PROVIDER, &format!("{path}[0]"), p).map(Some),
        _ => Err(unsupported(
            format!("{path}[1]"),
            "Ferma carries one phone here",
        )),
    }
}

fn agent_info<'a>(
    p: &dyn Fn(&str) -> String,
    agent: &'a fiskal_ffd::model::ItemAgent,
) -> Result<Option<AgentInfo<'a>>, ProviderError> {
    let mut info = AgentInfo {
        agent_type: agent
            .agent_type
            .map(|t| agent_type(&p("agent.type"), t))
            .transpose()?,
        ..AgentInfo::default()
    };
    if let Some(a) = &agent.agent_info {
        info.payment_agent_operation = a.operation.as_deref();
        info.payment_agent_phone = one_phone(&p("agent.agent_info.phones"), &a.phones)?;
        info.receiver_phone = one_phone(
            &p("agent.agent_info.payment_operator_phones"),
            &a.payment_operator_phones,
        )?;
        info.transfer_agent_phone = one_phone(
            &p("agent.agent_info.transfer_operator_phones"),
            &a.transfer_operator_phones,
        )?;
        info.transfer_agent_name = a.transfer_operator_name.as_deref();
        info.transfer_agent_address = a.transfer_operator_address.as_deref();
        info.transfer_agent_inn = a.transfer_operator_inn.as_deref();
    }
    if let Some(s) = &agent.supplier {
        info.supplier_name = s.name.as_deref();
        info.supplier_phone = one_phone(&p("agent.supplier.phones"), &s.phones)?;
        info.supplier_inn = s.inn.as_deref();
    }
    Ok(Some(info))
}

fn marking_code_data(
    cfg: &FermaConfig,
    p: &dyn Fn(&str) -> String,
    it: &Item,
    v12: bool,
) -> Result<Option<MarkingCodeData>, ProviderError> {
    if it.product_code.is_some() {
        return Err(unsupported(
            p("product_code"),
            "Ferma's MarkingCodeData carries a scanned marking code; it has no field for the \
             product code (1163) of goods that are not marked",
        ));
    }
    let Some(m) = &it.mark else {
        if it.fraction.is_some() {
            return Err(unsupported(
                p("fraction"),
                "Ferma carries 1291 only inside MarkingCodeData: give the item's mark",
            ));
        }
        return Ok(None);
    };
    if !v12 {
        return Err(unsupported(
            p("mark"),
            "a mark in a ФФД 1.05/1.1 receipt: Ferma's MarkingCode form is known only from one \
             unreviewed client (open question in docs/providers.md)",
        ));
    }
    if m.check_result.is_some() {
        return Err(unsupported(
            p("mark.check_result"),
            "2106: Ferma has no field for it (the register records its own check)",
        ));
    }
    if m.processing_mode.is_some_and(|v| v != 0) {
        return Err(unsupported(p("mark.processing_mode"), "2102 must be 0"));
    }
    if m.code_1162.is_some() {
        return Err(unsupported(
            p("mark.code_1162"),
            "1162 is ФФД 1.05; Ferma (ФФД 1.2) takes the scanned code",
        ));
    }
    let Some(code) = m.code.as_deref() else {
        return Err(unsupported(
            p("mark.code"),
            "Ferma's MarkingCodeData.Code is the code as scanned: the 1163 value alone cannot \
             be sent",
        ));
    };
    carried::mark_1163_agrees(PROVIDER, &p("mark"), m)?;
    let parsed = fiskal_marks::MarkCode::parse(code)
        .map_err(|e| unsupported(p("mark.code"), e.to_string()))?;
    if let Some(f) = &it.fraction {
        carried::fraction_text_agrees(PROVIDER, &p("fraction"), f)?;
    }
    Ok(Some(MarkingCodeData {
        kind: mark_type(cfg.mark_type_names, parsed.code_kind()),
        code: parsed.tag_2000().to_owned(),
        planned_status: m
            .planned_status
            .map(|s| planned_status(&p("mark.planned_status"), s))
            .transpose()?,
        fractional: it.fraction.as_ref().map(|f| Fractional {
            numerator: f.numerator,
            denominator: f.denominator,
        }),
    }))
}

fn item<'a>(
    cfg: &FermaConfig,
    r: &Receipt,
    i: usize,
    it: &'a Item,
) -> Result<FermaItem<'a>, ProviderError> {
    let p = |field: &str| format!("items[{i}].{field}");
    let v12 = r.ffd == FfdVersion::V12;
    carried::other_tags_refused(PROVIDER, &format!("items[{i}]."), &it.other_tags)?;
    let label = it
        .name
        .as_deref()
        .ok_or_else(|| unsupported(p("name"), "Ferma requires the item Label"))?;
    let sum = it
        .sum
        .kopecks()
        .map_err(|_| unsupported(p("sum"), "not a valid amount"))?;
    for (present, field, why) in [
        (it.unit.is_some(), "unit", "1197 has no Ferma field"),
        (it.unit_vat.is_some(), "unit_vat", "1198 has no Ferma field"),
        (
            it.measure.is_some() && !v12,
            "measure",
            "Measure (2108) is ФФД 1.2",
        ),
        (
            !it.sectoral_props.is_empty() && !v12,
            "sectoral_props",
            "IndustryItemRequisite (1260) is ФФД 1.2",
        ),
        (
            it.sectoral_props.len() > 1,
            "sectoral_props[1]",
            "Ferma carries one IndustryItemRequisite per item",
        ),
    ] {
        if present {
            return Err(unsupported(p(field), why));
        }
    }
    let rate = vat(cfg, &p("vat"), it.vat)?;
    // No VAT amount field: the register computes it from the sum; a different one is refused.
    if let Some(v) = &it.vat_sum {
        let given = v.kopecks().ok();
        let computed = it.vat.vat_of(sum).or(Some(0));
        if given != computed {
            return Err(unsupported(
                p("vat_sum"),
                "Ferma has no VAT amount field: the register computes it from the sum, which \
                 gives another value",
            ));
        }
    }
    let marking_code_data = marking_code_data(cfg, &p, it, v12)?;
    let payment_agent_info = match &it.agent {
        Some(a) => agent_info(&p, a)?,
        None => None,
    };
    Ok(FermaItem {
        label,
        price: money(&p("price"), &it.price)?,
        quantity: number(it.quantity.to_string()),
        amount: kopecks_number(sum),
        vat: rate,
        payment_method: it.payment_method.0,
        payment_type: it.payment_subject.0,
        measure: it.measure.map(|m| measure(&p("measure"), m)).transpose()?,
        excise: it
            .excise
            .as_ref()
            .map(|e| money(&p("excise"), e))
            .transpose()?,
        origin_country_code: it.country_code.as_deref(),
        customs_declaration_number: it.declaration_number.as_deref(),
        additional_requisite: it.user_data.as_deref(),
        industry_item_requisite: it.sectoral_props.first().map(Industry::of),
        payment_agent_info,
        marking_code_data,
    })
}

/// The document-level refusals (module table).
fn refusals(r: &Receipt) -> Result<(), ProviderError> {
    let v12 = r.ffd == FfdVersion::V12;
    carried::other_tags_refused(PROVIDER, "", &r.other_tags)?;
    carried::register_refusals(PROVIDER, r.register.as_ref(), &["automat_number"])?;
    let client = r.client.as_ref();
    for (present, path, why) in [
        (
            r.company.email.is_some(),
            "company.email",
            "1117 has no Ferma field (the register's own e-mail is printed)",
        ),
        (
            r.company.payment_address.is_some(),
            "company.payment_address",
            "1009 has no Ferma field: the register prints its registered address; the site \
             goes in payment_place (1187, BillAddress)",
        ),
        (
            !v12 && client.is_some_and(|c| c.name.is_some()),
            "client.name",
            "ClientInfo (1227) is ФФД 1.2 in Ferma",
        ),
        (
            !v12 && client.is_some_and(|c| c.inn.is_some()),
            "client.inn",
            "ClientInfo (1228) is ФФД 1.2 in Ferma",
        ),
        (
            !v12 && r.operating_check_props.is_some(),
            "operating_check_props",
            "OperationRequisite (1270) is ФФД 1.2",
        ),
        (
            !v12 && !r.sectoral_check_props.is_empty(),
            "sectoral_check_props",
            "IndustryItemRequisite (1261) is ФФД 1.2",
        ),
        (
            r.sectoral_check_props.len() > 1,
            "sectoral_check_props[1]",
            "Ferma carries one receipt-level IndustryItemRequisite",
        ),
        (
            r.items.is_empty(),
            "items",
            "Ferma requires Items (corrections too)",
        ),
    ] {
        if present {
            return Err(unsupported(path, why));
        }
    }
    // The 1.2-only buyer fields in a 1.05 receipt (validation also refuses them).
    if let Some(c) = client.filter(|_| !v12) {
        for (present, path) in [
            (c.birth_date.is_some(), "client.birth_date"),
            (c.citizenship.is_some(), "client.citizenship"),
            (c.document_code.is_some(), "client.document_code"),
            (c.document_data.is_some(), "client.document_data"),
            (c.address.is_some(), "client.address"),
        ] {
            if present {
                return Err(unsupported(path, "ClientInfo is ФФД 1.2 in Ferma"));
            }
        }
    }
    carried::total_is_payments(PROVIDER, r)
}

/// The exact body of `POST /kkt/cloud/receipt` for this receipt under `invoice_id`.
///
/// # Errors
/// [`ProviderError::Unsupported`] naming the field Ferma cannot carry.
pub fn build(
    cfg: &FermaConfig,
    invoice_id: &str,
    r: &Receipt,
    callback_url: Option<&str>,
) -> Result<Vec<u8>, ProviderError> {
    let kind = DocumentKind::of(r)?;
    if invoice_id.is_empty() || invoice_id.chars().count() > cfg.max_invoice_id_chars {
        return Err(unsupported(
            "document_id",
            format!(
                "InvoiceId must be 1..{} characters (FermaConfig::max_invoice_id_chars)",
                cfg.max_invoice_id_chars
            ),
        ));
    }
    refusals(r)?;
    let v12 = r.ffd == FfdVersion::V12;
    let items = r
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| item(cfg, r, i, it))
        .collect::<Result<Vec<_>, _>>()?;
    let mut payment_items = Vec::new();
    for (ty, m, path) in [
        (0u8, &r.payments.cash, "payments.cash"),
        (1, &r.payments.electronic, "payments.electronic"),
        (2, &r.payments.prepaid, "payments.prepaid"),
        (3, &r.payments.credit, "payments.credit"),
        (4, &r.payments.consideration, "payments.consideration"),
    ] {
        if !m.is_zero() {
            payment_items.push(PaymentItem {
                payment_type: ty,
                sum: money(path, m)?,
            });
        }
    }
    let (email, phone) = match r.client.as_ref().and_then(|c| c.contact.as_deref()) {
        None => (None, None),
        Some(s) => match contact::buyer_contact(PROVIDER, "client.contact", s)? {
            Contact::Email(e) => (Some(e), None),
            Contact::Phone(p) => (None, Some(p)),
        },
    };
    let client_info = r.client.as_ref().filter(|_| v12).and_then(|c| {
        let info = ClientInfo {
            name: c.name.as_deref(),
            inn: c.inn.as_deref(),
            birthday: c.birth_date.as_deref(),
            citizenship: c.citizenship.as_deref(),
            id_doc_type: c.document_code.as_deref(),
            id_doc_data: c.document_data.as_deref(),
            address: c.address.as_deref(),
        };
        let any = [
            info.name,
            info.inn,
            info.birthday,
            info.citizenship,
            info.id_doc_type,
            info.id_doc_data,
            info.address,
        ]
        .iter()
        .any(Option::is_some);
        any.then_some(info)
    });
    let correction_info = match (&r.correction, kind.is_correction()) {
        (Some(c), true) => {
            let (y, m, d, ..) = c.date.fields();
            Some(CorrectionInfo {
                kind: if c.correction_type == fiskal_ffd::CorrectionType::BY_PRESCRIPTION {
                    "INSTRUCTION"
                } else {
                    "SELF"
                },
                receipt_date: format!("{d:02}.{m:02}.{y:04}"),
                receipt_id: c.number.as_deref(),
                description: c.description.as_deref(),
            })
        }
        _ => None,
    };
    let body = Body {
        request: Request {
            inn: &r.company.inn,
            kind: receipt_type(kind),
            invoice_id,
            callback_url,
            cashier: r.cashier.as_ref().map(|c| NameInn {
                name: &c.name,
                inn: c.inn.as_deref(),
            }),
            customer_receipt: CustomerReceipt {
                taxation_system: taxation_system(r.tax_system)?,
                email,
                phone,
                kkt_fa: cfg.kkt_fa,
                automat_number: r
                    .register
                    .as_ref()
                    .and_then(|g| g.automat_number.as_deref()),
                bill_address: r.company.payment_place.as_deref(),
                client_info,
                custom_user_property: r.additional_user_prop.as_ref().map(|p| NameValue {
                    name: &p.name,
                    value: &p.value,
                }),
                additional_receipt_prop: r.additional_check_props.as_deref(),
                operation_requisite: r
                    .operating_check_props
                    .as_ref()
                    .map(|o| OperationRequisite {
                        id: o.id,
                        details: &o.data,
                        date_time: o.time.unix(),
                    }),
                industry_item_requisite: r.sectoral_check_props.first().map(Industry::of),
                correction_info,
                items,
                payment_items,
            },
        },
    };
    serde_json::to_vec(&body).map_err(|e| unsupported("", format!("cannot serialise: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ferma::MarkTypeNames;

    const SCAN: &str = "0104601234567893215Abc000000001\u{1d}91EE05\u{1d}92Y4O/9CcUX4YrsehY0jUvHmlWpY5gQ2P8HzJ15ZtlzLU=";

    fn marked() -> Receipt {
        // JSON text: the GS separator escaped.
        let scan = SCAN.replace('\u{1d}', "\\u001d");
        let text = format!(
            r#"{{"version": 1, "ffd": "1.2", "operation": "sell_refund", "tax_system": "osn",
                "company": {{"inn": "7727401209"}},
                "items": [{{"name": "Туфли", "price": "10.00", "quantity": "1", "sum": "10.00",
                    "vat": "vat22", "payment_method": "full_payment", "payment_subject": "marked",
                    "mark": {{"code": "{scan}", "planned_status": "piece_returned"}}}}],
                "payments": {{"cash": "10.00"}}, "total": "10.00"}}"#
        );
        fiskal_ffd::json::parse(&text).expect("receipt")
    }

    fn item(cfg: &FermaConfig) -> serde_json::Value {
        let body = build(cfg, "i-1", &marked(), None).expect("body");
        let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(v["Request"]["Type"], "IncomeReturn");
        v["Request"]["CustomerReceipt"]["Items"][0].clone()
    }

    /// The mark type comes from fiskal-marks' classification, in the configured spelling.
    #[test]
    fn mark_type_and_planned_status() {
        let mut cfg = FermaConfig::new("https://ferma.ofd.ru/api", "l", "p", FfdVersion::V12);
        let it = item(&cfg);
        assert!(it["MarkingCodeData"].get("Type").is_none());
        assert_eq!(
            it["MarkingCodeData"]["PlannedStatus"],
            "PIECE_PRODUCT_RETURN"
        );
        assert_eq!(it["Vat"], "Vat22");
        cfg.mark_type_names = MarkTypeNames::Compact;
        assert_eq!(item(&cfg)["MarkingCodeData"]["Type"], "GS1M");
        cfg.mark_type_names = MarkTypeNames::Underscored;
        assert_eq!(item(&cfg)["MarkingCodeData"]["Type"], "GS_1M");
        cfg.vat22 = false;
        assert!(matches!(
            build(&cfg, "i-1", &marked(), None),
            Err(ProviderError::Unsupported { path, .. }) if path == "items[0].vat"
        ));
    }

    #[test]
    fn invoice_id_length_is_checked() {
        let cfg = FermaConfig::new("https://ferma.ofd.ru/api", "l", "p", FfdVersion::V12);
        let long = "x".repeat(65);
        assert!(matches!(
            build(&cfg, &long, &marked(), None),
            Err(ProviderError::Unsupported { path, .. }) if path == "document_id"
        ));
        assert!(build(&cfg, &"x".repeat(64), &marked(), None).is_ok());
    }
}
