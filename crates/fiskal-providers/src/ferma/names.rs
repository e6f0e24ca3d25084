//! Ferma's names for the FFD values: `Request.Type`, `TaxationSystem`, `Vat`, `Measure`,
//! `AgentType`, `PlannedStatus`, `MarkingCodeData.Type` (sources in the module docs of
//! [`super::request`]).

use super::{FermaConfig, MarkTypeNames, PROVIDER};
use crate::error::ProviderError;
use crate::provider::DocumentKind;
use fiskal_ffd::{TaxSystem, VatRate};

fn unsupported(path: impl Into<String>, message: impl Into<String>) -> ProviderError {
    ProviderError::Unsupported {
        provider: PROVIDER,
        path: path.into(),
        message: message.into(),
    }
}

/// `Request.Type` of a document kind.
pub(crate) fn receipt_type(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Sell => "Income",
        DocumentKind::SellRefund => "IncomeReturn",
        DocumentKind::Buy => "Expense",
        DocumentKind::BuyRefund => "ExpenseReturn",
        DocumentKind::SellCorrection => "IncomeCorrection",
        DocumentKind::SellRefundCorrection => "IncomeReturnCorrection",
        DocumentKind::BuyCorrection => "BuyCorrection",
        DocumentKind::BuyRefundCorrection => "ExpenseReturnCorrection",
    }
}

/// `TaxationSystem` (1055).
pub(crate) fn taxation_system(ts: Option<TaxSystem>) -> Result<&'static str, ProviderError> {
    Ok(match ts {
        Some(TaxSystem::OSN) => "Common",
        Some(TaxSystem::USN_INCOME) => "SimpleIn",
        Some(TaxSystem::USN_INCOME_OUTCOME) => "SimpleInOut",
        Some(TaxSystem::ENVD) => "Unified",
        Some(TaxSystem::ESN) => "UnifiedAgricultural",
        Some(TaxSystem::PATENT) => "Patent",
        Some(other) => {
            return Err(unsupported(
                "tax_system",
                format!("tax system {} has no Ferma TaxationSystem", other.0),
            ))
        }
        None => {
            return Err(unsupported(
                "tax_system",
                "Ferma requires CustomerReceipt.TaxationSystem",
            ))
        }
    })
}

/// `Vat` (1199).
pub(crate) fn vat(
    cfg: &FermaConfig,
    path: &str,
    rate: VatRate,
) -> Result<&'static str, ProviderError> {
    Ok(match rate {
        VatRate::VAT20 => "Vat20",
        VatRate::VAT10 => "Vat10",
        VatRate::VAT120 => "CalculatedVat20120",
        VatRate::VAT110 => "CalculatedVat10110",
        VatRate::VAT0 => "Vat0",
        VatRate::NONE => "VatNo",
        VatRate::VAT5 => "Vat5",
        VatRate::VAT7 => "Vat7",
        VatRate::VAT105 => "CalculatedVat5105",
        VatRate::VAT107 => "CalculatedVat7107",
        VatRate::VAT22 | VatRate::VAT122 if !cfg.vat22 => {
            return Err(unsupported(
                path,
                "Ferma's names for 22 % and 22/122 (Vat22, CalculatedVat22122) come from one \
                 unreviewed client; enable FermaConfig::vat22 (settings `vat22`) once confirmed",
            ))
        }
        VatRate::VAT22 => "Vat22",
        VatRate::VAT122 => "CalculatedVat22122",
        other => {
            return Err(unsupported(
                path,
                format!("VAT rate {} is not defined", other.0),
            ))
        }
    })
}

/// `Measure` (2108).
pub(crate) fn measure(path: &str, m: fiskal_ffd::Measure) -> Result<&'static str, ProviderError> {
    use fiskal_ffd::Measure as M;
    Ok(match m {
        M::PIECE => "PIECE",
        M::GRAM => "GRAM",
        M::KILOGRAM => "KILOGRAM",
        M::TON => "TON",
        M::CENTIMETER => "CENTIMETER",
        M::DECIMETER => "DECIMETER",
        M::METER => "METER",
        M::SQUARE_CENTIMETER => "SQUARE_CENTIMETER",
        M::SQUARE_DECIMETER => "SQUARE_DECIMETER",
        M::SQUARE_METER => "SQUARE_METER",
        M::MILLILITER => "MILLILITER",
        M::LITER => "LITER",
        M::CUBIC_METER => "CUBIC_METER",
        M::KILOWATT_HOUR => "KILOWATT_HOUR",
        M::GIGACALORIE => "GIGACALORIE",
        M::DAY => "DAY",
        M::HOUR => "HOUR",
        M::MINUTE => "MINUTE",
        M::SECOND => "SECOND",
        M::KILOBYTE => "KILOBYTE",
        M::MEGABYTE => "MEGABYTE",
        M::GIGABYTE => "GIGABYTE",
        M::TERABYTE => "TERABYTE",
        M::OTHER => "OTHER",
        other => {
            return Err(unsupported(
                path,
                format!("measure {} has no Ferma name", other.0),
            ))
        }
    })
}

/// `PaymentAgentInfo.AgentType` (1222).
pub(crate) fn agent_type(
    path: &str,
    t: fiskal_ffd::AgentType,
) -> Result<&'static str, ProviderError> {
    use fiskal_ffd::AgentType as A;
    Ok(match t {
        A::BANK_PAYING_AGENT => "BANK_PAYMENT_AGENT",
        A::BANK_PAYING_SUBAGENT => "BANK_PAYMENT_SUBAGENT",
        A::PAYING_AGENT => "PAYMENT_AGENT",
        A::PAYING_SUBAGENT => "PAYMENT_SUBAGENT",
        A::ATTORNEY => "CONFIDANT",
        A::COMMISSION_AGENT => "COMMISSIONER",
        A::ANOTHER => "AGENT",
        other => {
            return Err(unsupported(
                path,
                format!("agent type {} (a combination?) has no Ferma name", other.0),
            ))
        }
    })
}

/// `MarkingCodeData.PlannedStatus` (2003).
pub(crate) fn planned_status(
    path: &str,
    s: fiskal_ffd::PlannedStatus,
) -> Result<&'static str, ProviderError> {
    use fiskal_ffd::PlannedStatus as P;
    Ok(match s {
        P::PIECE_SOLD => "PIECE_PRODUCT_INCOME",
        P::MEASURED_SOLD => "MEASURED_PRODUCT_INCOME",
        P::PIECE_RETURNED => "PIECE_PRODUCT_RETURN",
        P::MEASURED_RETURNED => "MEASURED_PRODUCT_RETURN",
        P::UNCHANGED => "PRODUCT_STATUS_NOT_CHANGED",
        other => {
            return Err(unsupported(
                path,
                format!("planned status {} has no Ferma name", other.0),
            ))
        }
    })
}

/// `MarkingCodeData.Type` of a code kind in one of the two spellings seen in clients.
pub(crate) fn mark_type(
    names: MarkTypeNames,
    kind: fiskal_marks::CodeKind,
) -> Option<&'static str> {
    use fiskal_marks::CodeKind as K;
    let (compact, underscored) = match kind {
        K::Unidentified => ("UNKNOWN_PRODUCT_CODE", "UNKNOWN_PRODUCT_CODE"),
        K::Ean8 => ("EAN8", "EAN_8"),
        K::Ean13 => ("EAN13", "EAN_13"),
        K::Itf14 => ("ITF14", "ITF_14"),
        K::Gs1 => ("GS1", "GS_10"),
        K::Gs1Marked => ("GS1M", "GS_1M"),
        K::Short => ("SHORT_MC", "SHORT"),
        K::Fur => ("FUR", "FUR_GOODS"),
        K::Egais20 => ("EGAIS20", "EGAIS_20"),
        K::Egais30 => ("EGAIS30", "EGAIS_30"),
        _ => return None,
    };
    match names {
        MarkTypeNames::Omitted => None,
        MarkTypeNames::Compact => Some(compact),
        MarkTypeNames::Underscored => Some(underscored),
    }
}
