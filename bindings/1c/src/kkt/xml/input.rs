//! The input documents: `CheckPackage` (the receipt of `ProcessCheck` /
//! `ProcessCorrectionCheck`, with its lines and payments), `DocumentPackage` and
//! `InputParameters`. Each denies unknown attributes and elements.

use super::*;

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
