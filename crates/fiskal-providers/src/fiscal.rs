//! The fiscal result of a receipt, as the register reports it, and the FNS QR-code string.
//!
//! The types live in [`fiskal_ffd::fiscal`] (pure data, no I/O), so that the layers which only
//! show or store a fiscalised receipt (rendering, the JSON operations of the C ABI) need not
//! depend on the HTTP stack of this crate. They are re-exported here unchanged, under the same
//! paths as before: `fiskal_providers::fiscal::FiscalAttributes` and
//! `fiskal_providers::FiscalAttributes` are the very same type as
//! `fiskal_ffd::FiscalAttributes`.

pub use fiskal_ffd::fiscal::{
    FiscalAttributes, MarkCheck, MarkCheckResult, MarkVerdict, ProviderWarning,
};
