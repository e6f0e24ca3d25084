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
//! The documents are in submodules, re-exported here: the input documents (`input.rs`), the
//! output tables (`output.rs`), the marking documents (`marking.rs`), the driver description
//! and parameters table (`driver.rs`).

use serde::{Deserialize, Serialize};

use super::KktError;

mod driver;
mod input;
mod marking;
mod output;

pub(crate) use driver::*;
pub(crate) use input::*;
pub(crate) use marking::*;
pub(crate) use output::*;

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
