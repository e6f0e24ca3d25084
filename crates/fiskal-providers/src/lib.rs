//! # fiskal-providers
//!
//! Cloud cash-register adapters for fiskal receipts: one receipt model
//! ([`fiskal_ffd::Receipt`]), one [`Provider`] trait, one [`Outcome`] taxonomy, the provider
//! chosen by configuration.
//!
//! * [`Outcome`]: accepted (possibly a duplicate of an earlier attempt) · pending · done with
//!   [`FiscalAttributes`] · rejected (validation, auth, register …, with the provider's own code
//!   and text) · retry later · in doubt (resolve by status before any resend).
//! * [`ProviderError`]: local failures only — nothing was sent, so fixing and retrying is safe.
//! * [`Secret`]: passwords, tokens and keys never reach `Debug`, logs or errors.
//! * [`settings`]: provider configuration as data (JSON, TOML), and [`AnyProvider`], one type
//!   over every adapter built from it.
//! * [`http`]: rustls (ring) with verification always on, timeouts on every call.
#![forbid(unsafe_code)]

mod any;
pub mod atol;
pub mod blocking;
pub mod business_ru;
mod carried;
mod contact;
mod error;
pub mod ferma;
pub mod fiscal;
pub mod http;
pub mod komtet;
pub mod modulkassa;
pub mod orange;
mod outcome;
mod provider;
mod secret;
pub mod settings;

pub use any::AnyProvider;
pub use error::ProviderError;
pub use fiscal::{FiscalAttributes, MarkCheck, MarkCheckResult, MarkVerdict, ProviderWarning};
pub use outcome::{Outcome, RejectKind, WaitingFor};
pub use provider::{DocumentKind, Health, InDoubtResolution, Provider, StatusQuery, Submission};
pub use secret::Secret;
