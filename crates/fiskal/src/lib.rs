//! # fiskal
//!
//! Russian fiscal receipts (54-ФЗ, ФФД 1.05 and 1.2) through cloud cash registers, as one
//! dependency. This crate holds no logic of its own: it re-exports the layers of the fiskal
//! workspace as modules, the light ones always and the ones with I/O behind cargo features.
//!
//! | module | crate | feature | what it is |
//! |---|---|---|---|
//! | `fiskal::ffd` | `fiskal-ffd` | always | typed receipt model, validation against ФФД 1.05/1.2, versioned JSON, TLV codec |
//! | `fiskal::marks` | `fiskal-marks` | always | Честный ЗНАК mark codes: scans to 1162 / 1163 / 2000 values and provider strings |
//! | `fiskal::calc` | `fiskal-calc` | always | money in kopecks, VAT, discount allocation, line and receipt splitting |
//! | `fiskal::providers` | `fiskal-providers` | `providers` | ATOL Online v4/v5, Orange Data, Business.ru, OFD.ru Ferma, KOMTET Kassa, МодульКасса adapters (async and blocking) |
//! | `fiskal::outbox` | `fiskal-outbox` | `outbox` | durable journal + worker: stored before sent, resolved when unclear |
//! | `fiskal::render` | `fiskal-render` | `render` | the receipt as a person sees it: text, HTML, the FNS QR code |
//! | `fiskal::emulator` | `fiskal-emulator` | `emulator` | local emulators of the providers' APIs, for tests and CI |
//!
//! The default features are empty: `cargo add fiskal` gives the pure layers (no I/O, no async,
//! no HTTP or TLS stack); `cargo add fiskal --features providers,outbox` adds sending. `full`
//! turns every feature on. The C library built from this workspace is a separate package
//! (`fiskal-ffi`, C artifact `libfiskal`).
//!
//! ## From a receipt to a fiscalised receipt
//!
//! **1. A receipt as JSON, validated.** The receipt JSON (version 1) is parsed exactly (money
//! never goes through a float) and checked against every rule of its ФФД version at once; each
//! violation names the field by its JSON path.
//!
//! ```
//! let json = r#"{
//!   "version": 1, "ffd": "1.2", "operation": "sell", "tax_system": "osn",
//!   "company": {"inn": "5544332219", "payment_place": "https://shop.example.ru",
//!               "email": "shop@example.ru"},
//!   "client": {"contact": "+79990000001"},
//!   "items": [
//!     {"name": "Сыр весовой", "price": "899.00", "quantity": "0.347", "sum": "311.95",
//!      "measure": "kilogram", "vat": "vat10", "payment_method": "full_payment",
//!      "payment_subject": "commodity"},
//!     {"name": "Доставка курьером", "price": "350", "quantity": "1", "sum": "350.00",
//!      "measure": "piece", "vat": "none", "payment_method": "full_payment",
//!      "payment_subject": "service"}
//!   ],
//!   "payments": {"electronic": "661.95"},
//!   "total": "661.95"
//! }"#;
//! let receipt: fiskal::ffd::Receipt = fiskal::ffd::json::parse_and_validate(json)?;
//! assert_eq!(receipt.items.len(), 2);
//!
//! // A wrong sum is refused, naming the field.
//! let broken = json.replace(r#""sum": "350.00""#, r#""sum": "351.00""#);
//! let err = fiskal::ffd::json::parse_and_validate(&broken).unwrap_err();
//! assert!(err.to_string().contains("items[1]"), "{err}");
//!
//! // The same receipt as the register writes it: a TLV document of an exact size.
//! let tlv = fiskal::ffd::to_tlv(&receipt)?;
//! assert_eq!(tlv.to_bytes()?.len(), tlv.encoded_len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! **2. Money, VAT and splitting** (`fiskal::calc`): VAT per item from integer kopecks,
//! rounded as the register rounds, and a cart cut into receipts that fit a provider's limits.
//!
//! ```
//! # let json = r#"{"version": 1, "ffd": "1.2", "operation": "sell", "tax_system": "osn",
//! #   "company": {"inn": "5544332219", "payment_place": "https://shop.example.ru"},
//! #   "client": {"contact": "+79990000001"},
//! #   "items": [{"name": "Сыр весовой", "price": "899.00", "quantity": "0.347", "sum": "311.95",
//! #     "measure": "kilogram", "vat": "vat10", "payment_method": "full_payment",
//! #     "payment_subject": "commodity"}],
//! #   "payments": {"electronic": "311.95"}, "total": "311.95"}"#;
//! # let receipt = fiskal::ffd::json::parse_and_validate(json)?;
//! use fiskal::calc::split::{split_receipt, ProviderLimits, SplitOptions};
//!
//! // 10 % VAT included in 311.95 ₽ is 28.36 ₽ (31195 × 10 / 110 = 2835.9, half-up).
//! assert_eq!(fiskal::calc::vat::item_vat_of(&receipt.items[0], "items[0]")?, 2836);
//!
//! let parts = split_receipt(&receipt, "order-42", &SplitOptions::with_limits(ProviderLimits::ATOL))?;
//! assert_eq!(parts.len(), 1); // one line fits one receipt
//! assert_eq!(parts[0].key, "order-42-1"); // each part has its own idempotency key
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! **3. A provider, the outbox, the fiscal attributes, the printed receipt** (features
//! `outbox`, `render` and, for a provider on loopback instead of an account, `emulator`).
//! The outbox stores the receipt before anything is sent, then its worker submits it to the
//! route's provider, polls the status and keeps what the register answered: the fiscal
//! attributes (ФН, ФД, ФП, the date and the QR string). `fiskal::render` prints the receipt
//! with them. `examples/first_receipt.rs` is the same walk as a program, printing each step.
//!
//! ```
//! # #[cfg(all(feature = "outbox", feature = "render", feature = "emulator"))]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let json = r#"{"version": 1, "ffd": "1.2", "operation": "sell", "tax_system": "osn",
//! #   "company": {"inn": "5544332219", "payment_place": "https://shop.example.ru",
//! #               "email": "shop@example.ru"},
//! #   "client": {"contact": "+79990000001"},
//! #   "items": [{"name": "Сыр весовой", "price": "899.00", "quantity": "0.347", "sum": "311.95",
//! #     "measure": "kilogram", "vat": "vat10", "payment_method": "full_payment",
//! #     "payment_subject": "commodity"}],
//! #   "payments": {"electronic": "311.95"}, "total": "311.95"}"#;
//! # let receipt = fiskal::ffd::json::parse_and_validate(json)?;
//! use fiskal::outbox::{Outbox, OutboxSettings, State};
//! use std::time::Duration;
//!
//! // ATOL Online v5's public test group, served on loopback (with an account: a route with
//! // your login, password and group code, secrets from the environment or a file).
//! let atol = fiskal::emulator::atol::BackgroundAtol::start(Default::default())?;
//! let settings = OutboxSettings::from_json(
//!     &serde_json::json!({
//!         "routes": {"atol": {"provider": atol.settings_json_v5()}},
//!         "default_route": "atol",
//!         "timing": {"poll_first_ms": 100}
//!     })
//!     .to_string(),
//! )?;
//! let dir = std::env::temp_dir().join(format!("fiskal-guide-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let outbox = Outbox::open(dir.join("outbox.db"), &settings)?;
//!
//! // Stored and synced before `enqueue` returns; the key makes a retry of this call harmless.
//! outbox.enqueue("order-42-1", &receipt, None)?;
//! // A service runs `outbox.start()` once; here: work until nothing is left to do.
//! assert!(outbox.drain(Duration::from_secs(30))?);
//!
//! let entry = outbox.get("order-42-1")?.ok_or("stored entry missing")?;
//! assert_eq!(entry.state, State::Done);
//! let fiscal = entry.fiscal.ok_or("done without fiscal attributes")?;
//! assert!(fiscal.qr_string().starts_with("t=")); // the FNS QR string
//!
//! let text = fiskal::render::render_text(&receipt, Some(&fiscal), &Default::default());
//! assert!(text.contains("КАССОВЫЙ ЧЕК"));
//! assert!(!text.contains("НЕ ФИСКАЛИЗИРОВАН"));
//! # drop(outbox);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok(())
//! # }
//! # #[cfg(not(all(feature = "outbox", feature = "render", feature = "emulator")))]
//! # fn main() {}
//! ```
//!
//! Without the outbox, a provider is called directly: `fiskal::providers::atol::AtolClient`
//! (async) or `fiskal::providers::blocking::BlockingProvider`, each answering with one
//! `Outcome` (accepted, pending, done with the fiscal attributes, rejected, retry later, in
//! doubt). The layers, their contracts and where to add a provider are described in
//! `docs/architecture.md` of the repository.
//!
//! ## The guide
//!
//! This API documentation stays in English. The guide for integrators, in Russian (complete)
//! and English, is an mdBook in `book/` of the repository: quick starts for Rust, C, Python,
//! PHP, 1C and the command line, the receipt JSON field by field with its FFD tags, providers
//! and their settings, the outbox in operation, marks, splitting, error codes, troubleshooting
//! and a glossary of fiscal terms. `bash scripts/build-book` builds it into `target/book/ru`
//! and `target/book/en`.
#![forbid(unsafe_code)]

pub use fiskal_calc as calc;
pub use fiskal_ffd as ffd;
pub use fiskal_marks as marks;

#[cfg(feature = "providers")]
pub use fiskal_providers as providers;

#[cfg(feature = "outbox")]
pub use fiskal_outbox as outbox;

#[cfg(feature = "render")]
pub use fiskal_render as render;

#[cfg(feature = "emulator")]
pub use fiskal_emulator as emulator;
