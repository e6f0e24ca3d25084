//! # fiskal-emulator
//!
//! Local emulators of the cloud cash-register APIs fiskal talks to, for tests, examples and
//! users' own CI: they listen on loopback, validate like the real service, process documents
//! asynchronously, refuse duplicates, expire tokens, and inject faults on request — and they
//! keep a [`Journal`] of every accepted document so that a test can assert that each receipt
//! was fiscalised exactly once and none was lost.
//!
//! Provided now: ATOL Online v4 and v5 ([`atol`]), Orange Data API v2 ([`orange`]). Business.ru
//! follows the same shape (a `start(config) -> handle` pair over the shared server, journal and
//! fault modules).
//!
//! ```no_run
//! # async fn demo() -> Result<(), fiskal_emulator::EmulatorError> {
//! use fiskal_emulator::atol::{AtolConfig, AtolEmulator};
//! use fiskal_emulator::{Endpoint, Fault};
//! let atol = AtolEmulator::start(AtolConfig::default()).await?;
//! atol.push_fault(Endpoint::Register, Fault::ResetAfterAccept); // the next answer is lost
//! // … the client under test sends, retries, polls …
//! for e in atol.journal().entries() {
//!     assert_eq!(atol.journal().fiscalised_count(&e.external_id), 1);
//! }
//! atol.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Every request, however malformed, gets the provider's documented error answer; nothing in a
//! request can make the emulator panic.
#![forbid(unsafe_code)]

pub mod atol;
pub mod business_ru;
mod callback;
pub mod cli;
mod error;
mod faults;
mod fiscal;
mod journal;
pub mod orange;
mod server;
mod tls;

pub use error::EmulatorError;
pub use faults::{Endpoint, Fault, Faults};
pub use fiscal::FiscalData;
pub use journal::{CallbackState, DocError, DocState, Journal, JournalEntry};
pub use tls::{IssuedCert, TestCa};
