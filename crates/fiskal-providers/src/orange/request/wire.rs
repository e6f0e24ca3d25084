//! The request body's JSON shapes, field for field as the protocol names them (2.31.3, §2.1.1
//! «Создание чека», §2.3.1 and §2.7.1 corrections; <https://github.com/orangedata-official/API>,
//! `orangedata_API_Russian_ffd_1.2.pdf`). The parent module fills them from a receipt and
//! refuses what they cannot carry; numbers are JSON number text (`RawValue`), never `f64`.

use serde::Serialize;
use serde_json::value::RawValue;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Body<'a, C> {
    pub(super) id: &'a str,
    pub(super) inn: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) group: Option<&'a str>,
    pub(super) key: &'a str,
    pub(super) content: C,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) callback_url: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Content<'a> {
    pub(super) ffd_version: u8,
    #[serde(rename = "type")]
    pub(super) operation: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) correction_type: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) cause_document_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) cause_document_number: Option<&'a str>,
    pub(super) positions: Vec<Position<'a>>,
    pub(super) check_close: CheckClose,
    pub(super) customer_contact: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) customer: Option<&'a str>,
    #[serde(rename = "customerINN", skip_serializing_if = "Option::is_none")]
    pub(super) customer_inn: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) customer_info: Option<CustomerInfo<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) cashier: Option<&'a str>,
    #[serde(rename = "cashierINN", skip_serializing_if = "Option::is_none")]
    pub(super) cashier_inn: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) sender_email: Option<&'a str>,
    pub(super) total_sum: Box<RawValue>,
    #[serde(flatten)]
    pub(super) vat_sums: std::collections::BTreeMap<String, Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) additional_attribute: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) additional_user_attribute: Option<NameValue<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) settlement_address: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) settlement_place: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) automat_number: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) operational_attribute: Option<OperationalAttribute<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) industry_attribute: Option<IndustryAttribute<'a>>,
}

/// `operationalAttribute` (1270, §2.1.1.9).
#[derive(Serialize)]
pub(super) struct OperationalAttribute<'a> {
    pub(super) date: String,
    pub(super) id: u8,
    pub(super) value: &'a str,
}

/// `industryAttribute` (1260 / 1261, §2.1.1.10).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct IndustryAttribute<'a> {
    pub(super) foiv_id: &'a str,
    pub(super) cause_document_date: &'a str,
    pub(super) cause_document_number: &'a str,
    pub(super) value: &'a str,
}

impl<'a> IndustryAttribute<'a> {
    pub(super) fn of(p: &'a fiskal_ffd::model::SectoralProp) -> IndustryAttribute<'a> {
        IndustryAttribute {
            foiv_id: &p.fois_id,
            cause_document_date: &p.date,
            cause_document_number: &p.number,
            value: &p.value,
        }
    }
}

/// `agentInfo` (1223, §2.1.1.7).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AgentInfo<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) payment_agent_operation: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) payment_agent_phone_numbers: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) payment_operator_phone_numbers: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) payment_transfer_operator_phone_numbers: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) payment_operator_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) payment_operator_address: Option<&'a str>,
    #[serde(rename = "paymentOperatorINN", skip_serializing_if = "Option::is_none")]
    pub(super) payment_operator_inn: Option<&'a str>,
}

/// The `content` of an FFD 1.05 correction (`/api/v2/corrections/`, §2.3.1.1): a totals record,
/// no positions, payments as named sums, VAT totals as `taxNSum`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Correction105Content<'a> {
    pub(super) correction_type: u8,
    #[serde(rename = "type")]
    pub(super) operation: u8,
    pub(super) cause_document_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) cause_document_number: Option<&'a str>,
    pub(super) total_sum: Box<RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) cash_sum: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) e_cash_sum: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) prepayment_sum: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) postpayment_sum: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) other_payment_type_sum: Option<Box<RawValue>>,
    #[serde(flatten)]
    pub(super) tax_sums: std::collections::BTreeMap<String, Box<RawValue>>,
    pub(super) taxation_system: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) settlement_address: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) settlement_place: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) automat_number: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) customer_contact: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) sender_email: Option<&'a str>,
}

#[derive(Serialize)]
pub(super) struct NameValue<'a> {
    pub(super) name: &'a str,
    pub(super) value: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CustomerInfo<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) inn: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) birth_date: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) citizenship: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) identity_document_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) identity_document_data: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) address: Option<&'a str>,
}

#[derive(Serialize)]
pub(super) struct CheckClose {
    pub(super) payments: Vec<Payment>,
    #[serde(rename = "taxationSystem")]
    pub(super) taxation_system: u8,
}

#[derive(Serialize)]
pub(super) struct Payment {
    #[serde(rename = "type")]
    pub(super) kind: u8,
    pub(super) amount: Box<RawValue>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Position<'a> {
    pub(super) quantity: Box<RawValue>,
    pub(super) price: Box<RawValue>,
    pub(super) tax: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) tax_sum: Option<Box<RawValue>>,
    pub(super) text: &'a str,
    pub(super) payment_method_type: u8,
    pub(super) payment_subject_type: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) nomenclature_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) item_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) planned_status: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) barcodes: Option<std::collections::BTreeMap<&'static str, &'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) quantity_measurement_unit: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) unit_of_measurement: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) additional_attribute: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) manufacturer_country_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) customs_declaration_number: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) excise: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) unit_tax_sum: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) agent_type: Option<u8>,
    #[serde(rename = "supplierINN", skip_serializing_if = "Option::is_none")]
    pub(super) supplier_inn: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) supplier_info: Option<SupplierInfo<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) agent_info: Option<AgentInfo<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) fractional_quantity: Option<FractionalQuantity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) industry_attribute: Option<IndustryAttribute<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) industry_attributes: Vec<IndustryAttribute<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SupplierInfo<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) phone_numbers: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) name: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct FractionalQuantity {
    pub(super) numerator: u64,
    pub(super) denominator: u64,
}
