//! The output tables: `DocumentOutputParameters`, `OutputParameters` with
//! `OperationCounters`, and `TableParametersKKT`.

use super::*;

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
