//! # fiskal-ffd
//!
//! The typed model of Russian fiscal receipts (ФФД 1.05 and 1.2), its validation, its versioned
//! JSON form ("fiskal receipt JSON") and the binary TLV codec with exact sizes.
//!
//! ```
//! let json = include_str!("../data/receipt_1_2.json");
//! let receipt = fiskal_ffd::json::parse_and_validate(json).unwrap();
//! let doc = fiskal_ffd::to_tlv(&receipt).unwrap();
//! let bytes = doc.to_bytes().unwrap();
//! assert_eq!(bytes.len(), doc.encoded_len());
//! let back = fiskal_ffd::from_tlv(&fiskal_ffd::tlv::decode_document(&bytes).unwrap()).unwrap();
//! assert_eq!(back.items.len(), receipt.items.len());
//! ```
//!
//! Layers, bottom up: [`cp866`] (text encoding), [`tag`] (the one tag dictionary), [`tlv`]
//! (generic codec), [`money`] / [`datetime`] / [`enums`] (value types), [`model`] (the receipt),
//! [`mod@validate`] (FFD rules, all findings at once), [`convert`] (receipt ⇄ TLV), [`json`],
//! [`dump`] (readable TLV), [`size`] (size model for the 30 KB budget), [`fiscal`] (what the
//! register reports about a fiscalised receipt, and its FNS QR string).
#![forbid(unsafe_code)]

pub mod convert;
pub mod cp866;
pub mod datetime;
pub mod dump;
pub mod enums;
mod error;
pub mod fiscal;
pub mod json;
pub mod model;
pub mod money;
mod path;
pub mod size;
pub mod tag;
pub mod tlv;
pub mod validate;
pub mod vat_totals;
pub mod violation;

pub use convert::{from_tlv, to_tlv};
pub use enums::{
    AgentType, CorrectionType, FfdVersion, Measure, Operation, PaymentMethod, PaymentSubject,
    PlannedStatus, TaxSystem, VatRate,
};
pub use error::Error;
pub use fiscal::FiscalAttributes;
pub use model::{Item, Receipt};
pub use money::{Money, Quantity, Rounding};
pub use tag::{Len, Tag, TagInfo, ValueType, Versions};
pub use tlv::{DecodeError, DecodeErrorKind, Fvln, Tlv, Value};
pub use validate::{validate, validate_with, Profile};
pub use violation::{Violation, ViolationKind};

/// Parses, validates and encodes receipt JSON in one call: the TLV document bytes.
pub fn json_to_tlv_bytes(json: &str) -> Result<Vec<u8>, Error> {
    let (_, doc) = json::parse_validate_build(json)?;
    Ok(doc.to_bytes()?)
}
