//! # fiskal-emulator
//!
//! Local emulators of the cloud cash-register APIs fiskal talks to, for tests, examples and
//! users' own CI: they listen on loopback, validate like the real service, process documents
//! asynchronously, refuse duplicates, expire tokens, and inject faults on request — and they
//! keep a [`Journal`] of every accepted document so that a test can assert that each receipt
//! was fiscalised exactly once and none was lost.
//!
//! Provided now: ATOL Online v4 and v5 ([`atol`]), Orange Data API v2 ([`orange`]), the
//! Business.ru Open API ([`business_ru`]), OFD.ru Ferma ([`ferma`]), KOMTET Kassa's shop API v2
//! ([`komtet`]) and МодульКасса's «API фискализации документов» ([`modulkassa`]), each a
//! `start(config) -> handle` pair on one shared service core (below).
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
//!
//! # Adding an emulator
//!
//! A new provider is a module `src/<provider>/` built on the
//! crate-private service core (`src/core.rs`) and field tables (`src/fields.rs`); it writes only
//! what is the provider's own:
//!
//! - **State**: a struct holding a `core::Core` (the [`Journal`], the fault plan, the stop
//!   switch), the provider's `Config`, and what it keeps per document. Tokens, when the
//!   provider has them: `core::Tokens` (owned by a login or app id, reused while valid, a
//!   lifetime, `expire_all`). Registers: `fiscal::Kkt` per group gives the fiscal numbers.
//! - **`core::Service`**: `route` (the request's route and fault [`Endpoint`], or an answer that
//!   takes no fault: 404, 405, a refused client certificate), `answer` (the provider's answer;
//!   `core::forced_outcome` turns a registration [`Fault`] into the document's outcome),
//!   `server_error` (its own HTTP 500 body) and, if it differs from the proxy's 503 page,
//!   `unavailable`. Implementing `Service` makes the state a server handler: the fault envelope
//!   (HTTP errors, outage, dropped connections before and after acceptance, held answers) is
//!   the core's, the same for every provider.
//! - **Processing**: `core::process_later(&state, delay, |state| async move { … })` fiscalises
//!   an accepted document after the queue time, unless the emulator was stopped; the document
//!   goes into the journal at acceptance (`Journal::insert_unique` refuses duplicates) and its
//!   outcome and callback ([`CallbackState`], `callback::post_json`) are recorded there.
//! - **Checks**: the request's fields as `const` tables of `fields::Field` rows (name,
//!   required, text length, digits, integer range or predicate, enumeration, money, boolean),
//!   each row with the source of its rule, run by one `fields::FieldChecker` implementation
//!   that words the findings as the provider does; rules across fields stay code. What the
//!   register refuses after acceptance comes from `fiskal_ffd::validate_with` on the converted
//!   receipt.
//! - **Public API**: `<Provider>Config` (defaults, `core::setters!` for the `with_*` builders,
//!   a `check` with `core::config_error`), `<Provider>Emulator::start`, and a
//!   `<Provider>Handle` wrapping `core::Served` (address, journal, faults, shutdown; dropping it
//!   stops the service), plus a section in docs/emulators.md listing every rule with its
//!   source, and conformance tests named there.
//! - **Command line** (feature `cli`): a variant of `cli::Provider` with its options struct
//!   (clap, and a `config()` from them) and an arm in `Provider::start` giving the lines to
//!   print and the closing line. The `fiskal-emulator` binary and `fiskal emulator` both get it
//!   from there; `cli`'s tests start every provider through the one run path.
#![forbid(unsafe_code)]

pub mod atol;
pub mod business_ru;
mod callback;
#[cfg(feature = "cli")]
pub mod cli;
mod core;
mod error;
mod faults;
pub mod ferma;
mod fields;
mod fiscal;
mod journal;
pub mod komtet;
pub mod modulkassa;
pub mod orange;
mod server;
mod tls;

pub use error::EmulatorError;
pub use faults::{Endpoint, Fault, Faults};
pub use fiscal::FiscalData;
pub use journal::{CallbackState, DocError, DocState, Journal, JournalEntry};
pub use tls::{IssuedCert, TestCa};
