//! The XML documents of the 1C equipment-driver interface for ККТ, read and written with
//! `quick-xml`'s serde support (never by string concatenation).
//!
//! Element and attribute names follow 1C's «Требования к разработке драйверов подключаемого
//! оборудования» (its.1c.ru, metod8dev, `…/developers/additional/guides/i8104829.htm`), section
//! «Требования к разработке драйверов для ККТ с функцией передачи в ОФД» (checked against the
//! text of version 3.4, the FFD 1.2 edition, and the change list of 4.4 / 4.5): `CheckPackage`
//! (`Parameters`, `Positions` with `FiscalString` / `TextString` / `Barcode`, `Payments`),
//! `DocumentPackage` (root `Document`), `InputParameters`, `TableParametersKKT`,
//! `OutputParameters` with `OperationCounters`, `DocumentOutputParameters`, and the marking
//! documents `RequestKM` / `RequestKMResult` / `ProcessingKMResult`. Where the text gives a
//! table and no example, the element layout is the one callers read: the open configuration
//! `IRPTeam/IRP` (`IRP/src/CommonModules/EquipmentFiscalPrinter_CommonAPI/Module.bsl`,
//! `FillDataFromDeviceResponse`: a structure-typed attribute is read from its `Parameters`
//! child) and 1C's own sample CheckPackage of the FFD 1.2 demo environment, kept in
//! `VitalyKravtsov2016/MITSUFP` `Doc/Требования1С/3.4.2/xml_1.2.txt`.
//!
//! Every input structure denies unknown attributes and elements: an attribute the driver does
//! not know is refused with its name (the "no silent drop" rule), never ignored.
//!
//! (Over 800 lines: every XML document of the driver interface as serde types in one place, so
//! each element and attribute name is written once.)

use serde::{Deserialize, Serialize};

use super::KktError;

/// The XML declaration every output document starts with.
const DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

/// Parses one input document; a syntax error or an unknown field is [`KktError::Xml`] naming
/// the document and quick-xml's message (which names the field).
pub(crate) fn parse<T: for<'de> Deserialize<'de>>(
    document: &'static str,
    text: &str,
) -> Result<T, KktError> {
    quick_xml::de::from_str(text).map_err(|e| KktError::Xml {
        document,
        message: e.to_string(),
    })
}

/// Serialises one output document with the XML declaration.
pub(crate) fn write<T: Serialize>(value: &T) -> Result<String, KktError> {
    let body = quick_xml::se::to_string(value).map_err(|e| KktError::Xml {
        document: "output",
        message: e.to_string(),
    })?;
    let mut out = String::with_capacity(DECLARATION.len() + body.len());
    out.push_str(DECLARATION);
    out.push_str(&body);
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// CheckPackage
// ---------------------------------------------------------------------------------------------

/// `CheckPackage`: the receipt of `ProcessCheck` / `ProcessCorrectionCheck`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct CheckPackage {
    /// `Parameters`: the document-level data.
    #[serde(rename = "Parameters")]
    pub(crate) parameters: CheckParameters,
    /// `Positions`: fiscal strings, text strings, barcodes.
    #[serde(rename = "Positions", default)]
    pub(crate) positions: Positions,
    /// `Payments`.
    #[serde(rename = "Payments", default)]
    pub(crate) payments: Payments,
}

/// `CheckPackage/Parameters`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct CheckParameters {
    /// `CashierName` (1021).
    #[serde(rename = "@CashierName")]
    pub(crate) cashier_name: Option<String>,
    /// `CashierINN` (1203).
    #[serde(rename = "@CashierINN")]
    pub(crate) cashier_inn: Option<String>,
    /// `OperationType`: 1 приход, 2 возврат прихода, 3 расход, 4 возврат расхода (1054).
    #[serde(rename = "@OperationType")]
    pub(crate) operation_type: Option<u8>,
    /// `TaxationSystem`: 0 ОСН, 1 УСН доход, 2 УСН доход − расход, 3 ЕНВД, 4 ЕСХН, 5 ПСН.
    #[serde(rename = "@TaxationSystem")]
    pub(crate) taxation_system: Option<u8>,
    /// `CustomerEmail` (1008).
    #[serde(rename = "@CustomerEmail")]
    pub(crate) customer_email: Option<String>,
    /// `CustomerPhone` (1008).
    #[serde(rename = "@CustomerPhone")]
    pub(crate) customer_phone: Option<String>,
    /// `SenderEmail` (1117).
    #[serde(rename = "@SenderEmail")]
    pub(crate) sender_email: Option<String>,
    /// `SaleAddress` (1009).
    #[serde(rename = "@SaleAddress")]
    pub(crate) sale_address: Option<String>,
    /// `SaleLocation` (1187).
    #[serde(rename = "@SaleLocation")]
    pub(crate) sale_location: Option<String>,
    /// `AutomatNumber` (1036): the register's, refused (the cloud register owns it).
    #[serde(rename = "@AutomatNumber")]
    pub(crate) automat_number: Option<String>,
    /// `AgentType`: the agent sign for every position without its own `CalculationAgent`.
    #[serde(rename = "@AgentType")]
    pub(crate) agent_type: Option<String>,
    /// `AdditionalAttribute` (1192).
    #[serde(rename = "@AdditionalAttribute")]
    pub(crate) additional_attribute: Option<String>,
    /// `OperationOnline` (4.4): the settlement is made on the internet; a cloud register
    /// always is one, so the flag is accepted and changes nothing.
    #[serde(rename = "@OperationOnline")]
    pub(crate) operation_online: Option<bool>,
    /// `CorrectionData` (correction receipts).
    #[serde(rename = "CorrectionData")]
    pub(crate) correction: Option<CorrectionData>,
    /// `CustomerDetail` (1256).
    #[serde(rename = "CustomerDetail")]
    pub(crate) customer: Option<CustomerDetail>,
    /// `AgentData` for every position without its own.
    #[serde(rename = "AgentData")]
    pub(crate) agent: Option<AgentData>,
    /// `VendorData` (or `PurveyorData`) for every position without its own.
    #[serde(rename = "VendorData", alias = "PurveyorData")]
    pub(crate) vendor: Option<VendorData>,
    /// `UserAttribute` (1084).
    #[serde(rename = "UserAttribute")]
    pub(crate) user_attribute: Option<UserAttribute>,
    /// `OperationalAttribute` (1270).
    #[serde(rename = "OperationalAttribute")]
    pub(crate) operational: Option<OperationalAttribute>,
    /// `IndustryAttribute` (1261), repeatable.
    #[serde(rename = "IndustryAttribute", default)]
    pub(crate) industry: Vec<IndustryAttribute>,
}

/// `CorrectionData`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct CorrectionData {
    /// `Type`: 0 самостоятельно, 1 по предписанию (1173).
    #[serde(rename = "@Type")]
    pub(crate) kind: Option<u8>,
    /// `Description` (1177, ФФД 1.05 only).
    #[serde(rename = "@Description")]
    pub(crate) description: Option<String>,
    /// `Date`: the date of the corrected settlement (1178), `YYYY-MM-DD[THH:MM:SS]`.
    #[serde(rename = "@Date")]
    pub(crate) date: Option<String>,
    /// `Number`: the tax authority's order number (1179).
    #[serde(rename = "@Number")]
    pub(crate) number: Option<String>,
    /// `FiscalResponse`: the ФП of the corrected document (not a ФФД 1.2 requisite).
    #[serde(rename = "@FiscalResponse")]
    pub(crate) fiscal_response: Option<String>,
}

/// `CustomerDetail` (1256).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct CustomerDetail {
    /// `Info` (1227).
    #[serde(rename = "@Info")]
    pub(crate) info: Option<String>,
    /// `INN` (1228).
    #[serde(rename = "@INN")]
    pub(crate) inn: Option<String>,
    /// `DateOfBirth` (1243), `DD.MM.YYYY`.
    #[serde(rename = "@DateOfBirth")]
    pub(crate) date_of_birth: Option<String>,
    /// `Citizenship` (1244).
    #[serde(rename = "@Citizenship")]
    pub(crate) citizenship: Option<String>,
    /// `DocumentTypeCode` (1245).
    #[serde(rename = "@DocumentTypeCode")]
    pub(crate) document_type_code: Option<String>,
    /// `DocumentData` (1246).
    #[serde(rename = "@DocumentData")]
    pub(crate) document_data: Option<String>,
    /// `Address` (1254).
    #[serde(rename = "@Address")]
    pub(crate) address: Option<String>,
}

/// `AgentData` (1223).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct AgentData {
    /// `AgentOperation` (1044).
    #[serde(rename = "@AgentOperation")]
    pub(crate) operation: Option<String>,
    /// `AgentPhone` (1073), several separated by `,`.
    #[serde(rename = "@AgentPhone")]
    pub(crate) phone: Option<String>,
    /// `PaymentProcessorPhone` (1074).
    #[serde(rename = "@PaymentProcessorPhone")]
    pub(crate) processor_phone: Option<String>,
    /// `AcquirerOperatorPhone` (1075).
    #[serde(rename = "@AcquirerOperatorPhone")]
    pub(crate) acquirer_phone: Option<String>,
    /// `AcquirerOperatorName` (1026).
    #[serde(rename = "@AcquirerOperatorName")]
    pub(crate) acquirer_name: Option<String>,
    /// `AcquirerOperatorAddress` (1005).
    #[serde(rename = "@AcquirerOperatorAddress")]
    pub(crate) acquirer_address: Option<String>,
    /// `AcquirerOperatorINN` (1016).
    #[serde(rename = "@AcquirerOperatorINN")]
    pub(crate) acquirer_inn: Option<String>,
}

/// `VendorData` (1224, 1226).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct VendorData {
    /// `VendorPhone` (1171), several separated by `,`.
    #[serde(rename = "@VendorPhone")]
    pub(crate) phone: Option<String>,
    /// `VendorName` (1225).
    #[serde(rename = "@VendorName")]
    pub(crate) name: Option<String>,
    /// `VendorINN` (1226).
    #[serde(rename = "@VendorINN")]
    pub(crate) inn: Option<String>,
}

/// `UserAttribute` (1084).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserAttribute {
    /// `Name` (1085).
    #[serde(rename = "@Name")]
    pub(crate) name: Option<String>,
    /// `Value` (1086).
    #[serde(rename = "@Value")]
    pub(crate) value: Option<String>,
}

/// `OperationalAttribute` (1270).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct OperationalAttribute {
    /// `DateTime` (1273), `YYYY-MM-DDTHH:MM:SS`.
    #[serde(rename = "@DateTime")]
    pub(crate) date_time: Option<String>,
    /// `OperationID` (1271).
    #[serde(rename = "@OperationID")]
    pub(crate) id: Option<u8>,
    /// `OperationData` (1272).
    #[serde(rename = "@OperationData")]
    pub(crate) data: Option<String>,
}

/// `IndustryAttribute` (1260 / 1261).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct IndustryAttribute {
    /// `IdentifierFOIV` (1262).
    #[serde(rename = "@IdentifierFOIV")]
    pub(crate) foiv: Option<String>,
    /// `DocumentDate` (1263), `DD.MM.YYYY`.
    #[serde(rename = "@DocumentDate")]
    pub(crate) date: Option<String>,
    /// `DocumentNumber` (1264).
    #[serde(rename = "@DocumentNumber")]
    pub(crate) number: Option<String>,
    /// `AttributeValue` (1265).
    #[serde(rename = "@AttributeValue")]
    pub(crate) value: Option<String>,
}

/// `Positions`: the lines in document order.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub(crate) struct Positions {
    /// The lines.
    #[serde(rename = "$value", default)]
    pub(crate) lines: Vec<Line>,
}

/// One line of `Positions`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub(crate) enum Line {
    /// `FiscalString`: a position of the receipt.
    FiscalString(Box<FiscalString>),
    /// `TextString`: a printed line (no ФФД requisite).
    TextString(TextString),
    /// `Barcode`: a printed barcode (no ФФД requisite).
    Barcode(Barcode),
}

/// `FiscalString`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct FiscalString {
    /// `Name` (1030).
    #[serde(rename = "@Name")]
    pub(crate) name: Option<String>,
    /// `Quantity` (1023), decimal text.
    #[serde(rename = "@Quantity")]
    pub(crate) quantity: Option<String>,
    /// `PriceWithDiscount` (1079), roubles.
    #[serde(rename = "@PriceWithDiscount")]
    pub(crate) price: Option<String>,
    /// `AmountWithDiscount` (1043), roubles.
    #[serde(rename = "@AmountWithDiscount")]
    pub(crate) amount: Option<String>,
    /// `DiscountAmount`: printed only, already inside the price and the amount.
    #[serde(rename = "@DiscountAmount")]
    pub(crate) discount: Option<String>,
    /// `Department`: the register's section, printed only.
    #[serde(rename = "@Department")]
    pub(crate) department: Option<String>,
    /// `VATRate`: `"none"`, `"0"`, `"5"`, `"7"`, `"10"`, `"20"`, `"22"`, `"5/105"`, …
    #[serde(rename = "@VATRate")]
    pub(crate) vat_rate: Option<String>,
    /// `VATAmount` (1200), roubles.
    #[serde(rename = "@VATAmount")]
    pub(crate) vat_amount: Option<String>,
    /// `PaymentMethod` (1214), 1–7.
    #[serde(rename = "@PaymentMethod")]
    pub(crate) payment_method: Option<u8>,
    /// `CalculationSubject` (1212).
    #[serde(rename = "@CalculationSubject")]
    pub(crate) calculation_subject: Option<u8>,
    /// `CalculationAgent` (1222), the agent sign's number 0–6.
    #[serde(rename = "@CalculationAgent")]
    pub(crate) calculation_agent: Option<String>,
    /// `MeasureOfQuantity` (2108).
    #[serde(rename = "@MeasureOfQuantity")]
    pub(crate) measure: Option<u8>,
    /// `MeasurementUnit` (1197, ФФД 1.05).
    #[serde(rename = "@MeasurementUnit")]
    pub(crate) unit: Option<String>,
    /// `MarkingCode`: the raw scan, Base64.
    #[serde(rename = "@MarkingCode")]
    pub(crate) marking_code: Option<String>,
    /// `CountryOfOrigin` (1230).
    #[serde(rename = "@CountryOfOrigin")]
    pub(crate) country: Option<String>,
    /// `CustomsDeclaration` (1231).
    #[serde(rename = "@CustomsDeclaration")]
    pub(crate) declaration: Option<String>,
    /// `ExciseAmount` (1229), roubles.
    #[serde(rename = "@ExciseAmount")]
    pub(crate) excise: Option<String>,
    /// `AdditionalAttribute` (1191).
    #[serde(rename = "@AdditionalAttribute")]
    pub(crate) additional_attribute: Option<String>,
    /// `FractionalQuantity` (1291).
    #[serde(rename = "FractionalQuantity")]
    pub(crate) fraction: Option<FractionalQuantity>,
    /// `GoodCodeData`: the product code (1163) when there is no `MarkingCode`; one attribute
    /// (`EAN13`, `GS1.0`, …) with the code in Base64.
    #[serde(rename = "GoodCodeData")]
    pub(crate) good_code: Option<GoodCodeData>,
    /// `AgentData` of this position.
    #[serde(rename = "AgentData")]
    pub(crate) agent: Option<AgentData>,
    /// `VendorData` (or `PurveyorData`) of this position.
    #[serde(rename = "VendorData", alias = "PurveyorData")]
    pub(crate) vendor: Option<VendorData>,
    /// `IndustryAttribute` (1260), repeatable.
    #[serde(rename = "IndustryAttribute", default)]
    pub(crate) industry: Vec<IndustryAttribute>,
}

/// `FractionalQuantity`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct FractionalQuantity {
    /// `Numerator` (1293).
    #[serde(rename = "@Numerator")]
    pub(crate) numerator: u64,
    /// `Denominator` (1294).
    #[serde(rename = "@Denominator")]
    pub(crate) denominator: u64,
}

/// `GoodCodeData`: its attributes as given (the standard's names `NotIdentified`, `EAN8`,
/// `EAN13`, `ITF14`, `GS1.0`, `GS1.M`, `KMK`, `MI`, `EGAIS20`, `EGAIS30`, `F1`…`F6`, each a
/// Base64 value); the mapping turns the one given into the 1163 child or refuses it by name.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub(crate) struct GoodCodeData {
    /// The attributes given.
    #[serde(flatten)]
    pub(crate) fields: std::collections::BTreeMap<String, String>,
}

/// `TextString`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct TextString {
    /// `Text`.
    #[serde(rename = "@Text")]
    pub(crate) text: Option<String>,
}

/// `Barcode`: the standard's attributes are `Type` (EAN8, EAN13, CODE39, QR) and
/// `ValueBase64` (the value in Base64); `BarcodeType` / `Barcode` / `Value` (plain text) are
/// still read, as the first version of this driver documented them.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct Barcode {
    /// `Type` (or `BarcodeType`).
    #[serde(rename = "@Type", alias = "@BarcodeType")]
    pub(crate) kind: Option<String>,
    /// `ValueBase64`.
    #[serde(rename = "@ValueBase64")]
    pub(crate) value_base64: Option<String>,
    /// `Barcode` / `Value`: the value as plain text.
    #[serde(rename = "@Barcode", alias = "@Value")]
    pub(crate) value: Option<String>,
}

impl Barcode {
    /// Checks a printed barcode (a cloud register prints nothing, but a wrong one is refused
    /// as a register refuses it): the type is one of the four the standard names and the value
    /// is given, `ValueBase64` as Base64. `at` is the element's path.
    pub(crate) fn check(&self, at: &str) -> Result<(), KktError> {
        use base64::Engine as _;
        let bad = |attr: &str, ru: String, en: String| KktError::Field {
            field: format!("{at}.{attr}"),
            message_ru: ru,
            message_en: en,
        };
        let kind = self.kind.as_deref().map(str::trim).unwrap_or("");
        if !matches!(kind, "EAN8" | "EAN13" | "CODE39" | "QR") {
            return Err(bad(
                "Type",
                format!("тип штрихкода «{kind}»: ожидается EAN8, EAN13, CODE39 или QR"),
                format!("barcode type «{kind}»: expected EAN8, EAN13, CODE39 or QR"),
            ));
        }
        match (self.value_base64.as_deref(), self.value.as_deref()) {
            (Some(b64), _) => base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map(drop)
                .map_err(|e| {
                    bad(
                        "ValueBase64",
                        format!("значение штрихкода не в Base64 ({e})"),
                        format!("the barcode value is not Base64 ({e})"),
                    )
                }),
            (None, Some(v)) if !v.trim().is_empty() => Ok(()),
            _ => Err(bad(
                "ValueBase64",
                "не указано значение штрихкода".into(),
                "the barcode value is missing".into(),
            )),
        }
    }
}

/// `Payments`, roubles with decimals.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct Payments {
    /// `Cash` (1031).
    #[serde(rename = "@Cash")]
    pub(crate) cash: Option<String>,
    /// `ElectronicPayment` (1081).
    #[serde(rename = "@ElectronicPayment")]
    pub(crate) electronic: Option<String>,
    /// `PrePayment` (1215).
    #[serde(rename = "@PrePayment")]
    pub(crate) prepayment: Option<String>,
    /// `PostPayment` (1216).
    #[serde(rename = "@PostPayment")]
    pub(crate) postpayment: Option<String>,
    /// `Barter` (1217).
    #[serde(rename = "@Barter")]
    pub(crate) barter: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// DocumentPackage, InputParameters
// ---------------------------------------------------------------------------------------------

/// `Document` of `PrintTextDocument` (DocumentPackage): printed lines only.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct DocumentPackage {
    /// `Positions`.
    #[serde(rename = "Positions", default)]
    pub(crate) positions: Positions,
}

/// `InputParameters/Parameters` of OpenShift, CloseShift, XReport, CashInOutcome, status.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub(crate) struct InputParameters {
    /// `Parameters`.
    #[serde(rename = "Parameters", default)]
    pub(crate) parameters: InputFields,
}

/// The attributes of `InputParameters/Parameters`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct InputFields {
    /// `CashierName`.
    #[serde(rename = "@CashierName")]
    pub(crate) cashier_name: Option<String>,
    /// `CashierINN`.
    #[serde(rename = "@CashierINN")]
    pub(crate) cashier_inn: Option<String>,
    /// `SaleAddress`.
    #[serde(rename = "@SaleAddress")]
    pub(crate) sale_address: Option<String>,
    /// `SaleLocation`.
    #[serde(rename = "@SaleLocation")]
    pub(crate) sale_location: Option<String>,
    /// `PrintRequired`.
    #[serde(rename = "@PrintRequired")]
    pub(crate) print_required: Option<bool>,
}

// ---------------------------------------------------------------------------------------------
// Output tables
// ---------------------------------------------------------------------------------------------

/// `DocumentOutputParameters` (ProcessCheck, ProcessCorrectionCheck).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename = "DocumentOutputParameters")]
pub(crate) struct DocumentOutputParameters {
    /// `Parameters`.
    #[serde(rename = "Parameters")]
    pub(crate) parameters: DocumentOutputFields,
}

/// The attributes of `DocumentOutputParameters/Parameters`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub(crate) struct DocumentOutputFields {
    /// `ShiftNumber` (1038).
    #[serde(rename = "@ShiftNumber")]
    pub(crate) shift_number: u32,
    /// `CheckNumber`: the ФД number (1040).
    #[serde(rename = "@CheckNumber")]
    pub(crate) check_number: u32,
    /// `ShiftClosingCheckNumber`: the receipt number in the shift (1042).
    #[serde(rename = "@ShiftClosingCheckNumber")]
    pub(crate) shift_check_number: u32,
    /// `AddressSiteInspections`: the FNS site (1060).
    #[serde(rename = "@AddressSiteInspections")]
    pub(crate) fns_site: String,
    /// `FiscalSign`: the ФП (1077).
    #[serde(rename = "@FiscalSign")]
    pub(crate) fiscal_sign: String,
    /// `DateTime` (1012), `YYYY-MM-DDTHH:MM:SS`.
    #[serde(rename = "@DateTime")]
    pub(crate) date_time: String,
}

/// `OutputParameters` (OpenShift, CloseShift, GetCurrentStatus, …).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename = "OutputParameters")]
pub(crate) struct OutputParameters {
    /// `Parameters`.
    #[serde(rename = "Parameters")]
    pub(crate) parameters: OutputFields,
}

/// The attributes of `OutputParameters/Parameters` and its counters.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub(crate) struct OutputFields {
    /// `ShiftNumber`.
    #[serde(rename = "@ShiftNumber")]
    pub(crate) shift_number: u32,
    /// `CheckNumber`: the last ФД number known.
    #[serde(rename = "@CheckNumber")]
    pub(crate) check_number: u32,
    /// `ShiftClosingCheckNumber`: the receipts of the shift.
    #[serde(rename = "@ShiftClosingCheckNumber")]
    pub(crate) shift_check_number: u32,
    /// `DateTime`.
    #[serde(rename = "@DateTime")]
    pub(crate) date_time: String,
    /// `ShiftState`: 1 closed, 2 open, 3 expired.
    #[serde(rename = "@ShiftState")]
    pub(crate) shift_state: u8,
    /// `CashBalance`, roubles.
    #[serde(rename = "@CashBalance")]
    pub(crate) cash_balance: String,
    /// `BacklogDocumentsCounter`: receipts enqueued and not yet fiscalised.
    #[serde(rename = "@BacklogDocumentsCounter")]
    pub(crate) backlog: u32,
    /// `FNError`.
    #[serde(rename = "@FNError")]
    pub(crate) fn_error: bool,
    /// `FNOverflow`.
    #[serde(rename = "@FNOverflow")]
    pub(crate) fn_overflow: bool,
    /// `FNFail`.
    #[serde(rename = "@FNFail")]
    pub(crate) fn_fail: bool,
    /// `CountersOperationType1` (приход).
    #[serde(rename = "CountersOperationType1")]
    pub(crate) counters1: OperationCounters,
    /// `CountersOperationType2` (возврат прихода).
    #[serde(rename = "CountersOperationType2")]
    pub(crate) counters2: OperationCounters,
    /// `CountersOperationType3` (расход).
    #[serde(rename = "CountersOperationType3")]
    pub(crate) counters3: OperationCounters,
    /// `CountersOperationType4` (возврат расхода).
    #[serde(rename = "CountersOperationType4")]
    pub(crate) counters4: OperationCounters,
}

/// One `CountersOperationTypeN`: an `OperationCounters` structure, which the standard lays out
/// as the other structures, its attributes on a `Parameters` child
/// (`<CountersOperationType1><Parameters CheckCount=… /></CountersOperationType1>`); IRP's
/// reader takes them from `Data.Parameters` (`TransformToTypeBySource`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub(crate) struct OperationCounters {
    /// `Parameters`.
    #[serde(rename = "Parameters")]
    pub(crate) parameters: Counters,
}

/// The attributes of `OperationCounters/Parameters`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub(crate) struct Counters {
    /// `CheckCount`.
    #[serde(rename = "@CheckCount")]
    pub(crate) check_count: u32,
    /// `TotalChecksAmount`, roubles.
    #[serde(rename = "@TotalChecksAmount")]
    pub(crate) total: String,
    /// `CorrectionCheckCount`.
    #[serde(rename = "@CorrectionCheckCount")]
    pub(crate) correction_count: u32,
    /// `TotalCorrectionChecksAmount`, roubles.
    #[serde(rename = "@TotalCorrectionChecksAmount")]
    pub(crate) correction_total: String,
}

/// `TableParametersKKT` (GetDataKKT): one flat `Parameters` element with attributes, as
/// certified drivers answer it (the MITSU/Shtrih-M driver's `TableParametersToXML` in
/// `VitalyKravtsov2016/MITSUFP` `Src/MitsuDrv1C/Units/Devices1C3.pas`; IRP reads the root or its
/// `Parameters` child). Every attribute of the standard's table is written: those marked
/// «Да» (`KKTSerialNumber`, `Fiscal`, `FNSerialNumber`, `IsAutomatic`) and those «Нет*»
/// (required for a fiscalised ФН, which a cloud register always is).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename = "Parameters")]
pub(crate) struct KktFields {
    /// `KKTNumber` (1037), when the provider reported it.
    #[serde(rename = "@KKTNumber")]
    pub(crate) kkt_number: String,
    /// `KKTSerialNumber` (1013), when the provider reported it.
    #[serde(rename = "@KKTSerialNumber")]
    pub(crate) kkt_serial: String,
    /// `FirmwareVersion`: this driver's version.
    #[serde(rename = "@FirmwareVersion")]
    pub(crate) firmware: String,
    /// `Fiscal`.
    #[serde(rename = "@Fiscal")]
    pub(crate) fiscal: bool,
    /// `FFDVersionFN`.
    #[serde(rename = "@FFDVersionFN")]
    pub(crate) ffd_fn: String,
    /// `FFDVersionKKT`.
    #[serde(rename = "@FFDVersionKKT")]
    pub(crate) ffd_kkt: String,
    /// `FNSerialNumber` (1041), when known.
    #[serde(rename = "@FNSerialNumber")]
    pub(crate) fn_serial: String,
    /// `DocumentNumber`: the ФН registration report's number (not reported by providers).
    #[serde(rename = "@DocumentNumber")]
    pub(crate) document_number: String,
    /// `DateTime`: the ФН registration's date (not reported by providers).
    #[serde(rename = "@DateTime")]
    pub(crate) date_time: String,
    /// `CompanyName`.
    #[serde(rename = "@CompanyName")]
    pub(crate) company_name: String,
    /// `INN`.
    #[serde(rename = "@INN")]
    pub(crate) inn: String,
    /// `SaleAddress`.
    #[serde(rename = "@SaleAddress")]
    pub(crate) sale_address: String,
    /// `SaleLocation`.
    #[serde(rename = "@SaleLocation")]
    pub(crate) sale_location: String,
    /// `TaxationSystems`: codes separated by `,`.
    #[serde(rename = "@TaxationSystems")]
    pub(crate) taxation_systems: String,
    /// `IsOffline`.
    #[serde(rename = "@IsOffline")]
    pub(crate) is_offline: bool,
    /// `IsEncrypted`.
    #[serde(rename = "@IsEncrypted")]
    pub(crate) is_encrypted: bool,
    /// `IsService`.
    #[serde(rename = "@IsService")]
    pub(crate) is_service: bool,
    /// `IsExcisable`.
    #[serde(rename = "@IsExcisable")]
    pub(crate) is_excisable: bool,
    /// `IsGambling`.
    #[serde(rename = "@IsGambling")]
    pub(crate) is_gambling: bool,
    /// `IsLottery`.
    #[serde(rename = "@IsLottery")]
    pub(crate) is_lottery: bool,
    /// `BSOSing`.
    #[serde(rename = "@BSOSing")]
    pub(crate) bso: bool,
    /// `IsOnline`: a register for internet settlements (the cloud's case).
    #[serde(rename = "@IsOnline")]
    pub(crate) is_online: bool,
    /// `IsAutomaticPrinter`.
    #[serde(rename = "@IsAutomaticPrinter")]
    pub(crate) is_automatic_printer: bool,
    /// `IsAutomatic` (required): never — the driver refuses `AutomatNumber`.
    #[serde(rename = "@IsAutomatic")]
    pub(crate) is_automatic: bool,
    /// `IsMarking`.
    #[serde(rename = "@IsMarking")]
    pub(crate) is_marking: bool,
    /// `IsPawnshop`.
    #[serde(rename = "@IsPawnshop")]
    pub(crate) is_pawnshop: bool,
    /// `IsAssurance`.
    #[serde(rename = "@IsAssurance")]
    pub(crate) is_assurance: bool,
    /// `AgentTypes`: codes 0–6 separated by `,` (empty: not known).
    #[serde(rename = "@AgentTypes")]
    pub(crate) agent_types: String,
    /// `AutomaticNumber`.
    #[serde(rename = "@AutomaticNumber")]
    pub(crate) automatic_number: String,
    /// `OFDCompany`.
    #[serde(rename = "@OFDCompany")]
    pub(crate) ofd_company: String,
    /// `OFDCompanyINN`.
    #[serde(rename = "@OFDCompanyINN")]
    pub(crate) ofd_company_inn: String,
    /// `FNSURL` (1060).
    #[serde(rename = "@FNSURL")]
    pub(crate) fns_url: String,
    /// `SenderEmail` (1117).
    #[serde(rename = "@SenderEmail")]
    pub(crate) sender_email: String,
}

// ---------------------------------------------------------------------------------------------
// Marking
// ---------------------------------------------------------------------------------------------

/// `RequestKM`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct RequestKm {
    /// `GUID`: made by 1C, names the request in `ConfirmKM`.
    #[serde(rename = "@GUID")]
    pub(crate) guid: String,
    /// `WaitForResult`.
    #[serde(rename = "@WaitForResult")]
    pub(crate) wait_for_result: Option<bool>,
    /// `MarkingCode`: the raw scan, Base64.
    #[serde(rename = "@MarkingCode")]
    pub(crate) marking_code: String,
    /// `PlannedStatus` (2003), 1–5 / 255.
    #[serde(rename = "@PlannedStatus")]
    pub(crate) planned_status: Option<u8>,
    /// `Quantity`.
    #[serde(rename = "@Quantity")]
    pub(crate) quantity: Option<String>,
    /// `MeasureOfQuantity` (2108).
    #[serde(rename = "@MeasureOfQuantity")]
    pub(crate) measure: Option<u8>,
    /// `NotSendToServer`.
    #[serde(rename = "@NotSendToServer")]
    pub(crate) not_send_to_server: Option<bool>,
    /// `FractionalQuantity`.
    #[serde(rename = "FractionalQuantity")]
    pub(crate) fraction: Option<FractionalQuantity>,
}

/// `RequestKMResult`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename = "RequestKMResult")]
pub(crate) struct RequestKmResult {
    /// `Checking`: whether the ФН checked the code's crypto tail (never here: no ФН).
    #[serde(rename = "@Checking")]
    pub(crate) checking: bool,
    /// `CheckingResult`.
    #[serde(rename = "@CheckingResult")]
    pub(crate) checking_result: bool,
}

/// `ProcessingKMResult`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename = "ProcessingKMResult")]
pub(crate) struct ProcessingKmResult {
    /// `GUID` of the request.
    #[serde(rename = "@GUID")]
    pub(crate) guid: String,
    /// `Result`: whether an answer of the marking system came back.
    #[serde(rename = "@Result")]
    pub(crate) result: bool,
    /// `ResultCode` (2106); 0: the code was not checked.
    #[serde(rename = "@ResultCode")]
    pub(crate) result_code: u8,
}

// ---------------------------------------------------------------------------------------------
// Driver description and the parameters table
// ---------------------------------------------------------------------------------------------

/// `DriverDescription` (GetDescription).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename = "DriverDescription")]
pub(crate) struct DriverDescription {
    /// `Name`.
    #[serde(rename = "@Name")]
    pub(crate) name: String,
    /// `Description`.
    #[serde(rename = "@Description")]
    pub(crate) description: String,
    /// `EquipmentType`.
    #[serde(rename = "@EquipmentType")]
    pub(crate) equipment_type: String,
    /// `IntegrationComponent`.
    #[serde(rename = "@IntegrationComponent")]
    pub(crate) integration_component: bool,
    /// `MainDriverInstalled`.
    #[serde(rename = "@MainDriverInstalled")]
    pub(crate) main_driver_installed: bool,
    /// `DriverVersion`.
    #[serde(rename = "@DriverVersion")]
    pub(crate) driver_version: String,
    /// `IntegrationComponentVersion`.
    #[serde(rename = "@IntegrationComponentVersion")]
    pub(crate) integration_component_version: String,
    /// `IsEmulator`.
    #[serde(rename = "@IsEmulator")]
    pub(crate) is_emulator: bool,
    /// `LocalizationSupported`.
    #[serde(rename = "@LocalizationSupported")]
    pub(crate) localization_supported: bool,
    /// `AutoSetup`.
    #[serde(rename = "@AutoSetup")]
    pub(crate) auto_setup: bool,
    /// `DownloadURL`.
    #[serde(rename = "@DownloadURL")]
    pub(crate) download_url: String,
    /// `EnvironmentInformation`.
    #[serde(rename = "@EnvironmentInformation")]
    pub(crate) environment: String,
    /// `LogIsEnabled`.
    #[serde(rename = "@LogIsEnabled")]
    pub(crate) log_is_enabled: bool,
    /// `LogPath`.
    #[serde(rename = "@LogPath")]
    pub(crate) log_path: String,
}

/// `Actions` (GetAdditionalActions): this driver has none.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename = "Actions")]
pub(crate) struct Actions {}

/// `Settings`: the parameters table of `EquipmentParameters` / `GetParameters`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename = "Settings")]
pub(crate) struct Settings {
    /// `Page`.
    #[serde(rename = "Page")]
    pub(crate) page: Page,
}

/// `Settings/Page`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub(crate) struct Page {
    /// `Caption`.
    #[serde(rename = "@Caption")]
    pub(crate) caption: String,
    /// `Group`s.
    #[serde(rename = "Group")]
    pub(crate) groups: Vec<Group>,
}

/// `Settings/Page/Group`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub(crate) struct Group {
    /// `Caption`.
    #[serde(rename = "@Caption")]
    pub(crate) caption: String,
    /// `Parameter`s.
    #[serde(rename = "Parameter")]
    pub(crate) parameters: Vec<ParameterDef>,
}

/// `Settings/Page/Group/Parameter`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub(crate) struct ParameterDef {
    /// `Name`.
    #[serde(rename = "@Name")]
    pub(crate) name: String,
    /// `Caption`.
    #[serde(rename = "@Caption")]
    pub(crate) caption: String,
    /// `Description`.
    #[serde(rename = "@Description")]
    pub(crate) description: String,
    /// `TypeValue`: `String`, `Number`, `Boolean`.
    #[serde(rename = "@TypeValue")]
    pub(crate) type_value: String,
    /// `DefaultValue`.
    #[serde(rename = "@DefaultValue")]
    pub(crate) default_value: String,
    /// `ReadOnly`.
    #[serde(rename = "@ReadOnly")]
    pub(crate) read_only: bool,
    /// `ChoiceList`: the values the setup form offers
    /// (`<ChoiceList><Item Value="1.2">1.2</Item>…</ChoiceList>`).
    #[serde(rename = "ChoiceList", skip_serializing_if = "Option::is_none")]
    pub(crate) choice_list: Option<ChoiceList>,
}

/// `Parameter/ChoiceList`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub(crate) struct ChoiceList {
    /// `Item`s.
    #[serde(rename = "Item")]
    pub(crate) items: Vec<ChoiceItem>,
}

/// `ChoiceList/Item`: the value in `Value`, the text shown as the element's text.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub(crate) struct ChoiceItem {
    /// `Value`.
    #[serde(rename = "@Value")]
    pub(crate) value: String,
    /// The text shown.
    #[serde(rename = "$text")]
    pub(crate) text: String,
}

/// The connection parameters of `ConnectEquipment` / `EquipmentTest`: any element with a
/// `Name` attribute and a `Value` attribute, at any depth (`<Parameters><Parameter Name=…
/// Value=…/></Parameters>`, or the `Settings` table with `Value`s filled in).
pub(crate) fn connection_values(
    text: &str,
) -> Result<std::collections::BTreeMap<String, String>, KktError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut out = std::collections::BTreeMap::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                let mut name = None;
                let mut value = None;
                for a in e.attributes() {
                    let a = a.map_err(|err| KktError::Xml {
                        document: "ConnectionParameters",
                        message: err.to_string(),
                    })?;
                    let v = a
                        .decode_and_unescape_value(reader.decoder())
                        .map_err(|err| KktError::Xml {
                            document: "ConnectionParameters",
                            message: err.to_string(),
                        })?
                        .into_owned();
                    match a.key.as_ref() {
                        b"Name" => name = Some(v),
                        b"Value" => value = Some(v),
                        _ => {}
                    }
                }
                if let (Some(n), Some(v)) = (name, value) {
                    out.insert(n, v);
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(err) => {
                return Err(KktError::Xml {
                    document: "ConnectionParameters",
                    message: err.to_string(),
                })
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_keep_order_and_kinds() {
        let p: CheckPackage = parse(
            "CheckPackage",
            r#"<CheckPackage><Parameters OperationType="1" TaxationSystem="0"/>
               <Positions><FiscalString Name="A" Quantity="1" PriceWithDiscount="1" AmountWithDiscount="1" VATRate="20" PaymentMethod="4" CalculationSubject="1"/>
               <TextString Text="thanks"/><Barcode BarcodeType="QR" Barcode="x"/></Positions>
               <Payments Cash="1"/></CheckPackage>"#,
        )
        .expect("parses");
        assert_eq!(p.positions.lines.len(), 3);
        assert!(matches!(p.positions.lines[1], Line::TextString(_)));
        assert_eq!(p.payments.cash.as_deref(), Some("1"));
    }

    #[test]
    fn an_unknown_attribute_is_refused_by_name() {
        let e = parse::<CheckPackage>(
            "CheckPackage",
            r#"<CheckPackage><Parameters OperationType="1" Colour="red"/></CheckPackage>"#,
        )
        .expect_err("unknown");
        assert!(e.to_string().contains("Colour"), "{e}");
    }

    #[test]
    fn outputs_are_attributes_with_a_declaration() {
        let x = write(&RequestKmResult {
            checking: false,
            checking_result: false,
        })
        .expect("writes");
        assert_eq!(
            x,
            r#"<?xml version="1.0" encoding="UTF-8"?><RequestKMResult Checking="false" CheckingResult="false"/>"#
        );
    }

    #[test]
    fn connection_values_are_read_at_any_depth() {
        let v = connection_values(
            r#"<Settings><Page><Group><Parameter Name="A" Value="1&amp;2"/></Group></Page><Parameter Name="B" Value=""/></Settings>"#,
        )
        .expect("reads");
        assert_eq!(v.get("A").map(String::as_str), Some("1&2"));
        assert_eq!(v.get("B").map(String::as_str), Some(""));
    }
}
