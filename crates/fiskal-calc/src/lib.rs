//! # fiskal-calc
//!
//! Money in kopecks, VAT, receipt-level discounts, line splitting, receipt splitting and order
//! lifecycle helpers for Russian fiscal receipts (54-ФЗ), on top of [`fiskal_ffd`]'s model.
//!
//! * [`kopecks`]: [`Kopecks`] (checked integer money) and [`CalcProfile`] (quantity scale,
//!   rounding rule).
//! * [`rates`]: the twelve VAT rates as data with their periods, and date warnings.
//! * [`vat`]: VAT per item (half-up), per rate and per receipt; net → gross.
//! * [`allocate`]: a receipt-level discount or markup spread by the largest-remainder method.
//! * [`lines`]: splitting a line so price × quantity matches its sum.
//! * [`split`]: one cart into several receipts that fit the size budget and provider limits.
//! * [`lifecycle`]: full settlement after a prepayment; full and partial refunds.
//!
//! Everything is pure: no I/O, no clock, no panics on any input (checked arithmetic with `u128`
//! intermediates). Every rounding names its [`fiskal_ffd::Rounding`] rule; half-up is the default.
//! Inputs, and results that are receipts, are checked with every rule of
//! [`fiskal_ffd::validate()`] before they are used or returned, except the document size (carts
//! may exceed one document's size until [`split`] divides them; split parts pass every rule,
//! the size rule applied to their exactly measured length).
//!
//! ```
//! use fiskal_calc::allocate::{allocate, Adjustment, AllocationRequest, Exclusions};
//! use fiskal_calc::Kopecks;
//! let json = include_str!("../data/receipt_1_2.json");
//! let cart = fiskal_ffd::json::parse_and_validate(json).unwrap();
//! // 10 % off everything but the delivery line (index 2).
//! let req = AllocationRequest::new(Adjustment::DiscountPercent("10".parse().unwrap()))
//!     .exclude(Exclusions::indices(&[2]));
//! let out = allocate(&cart, &req).unwrap();
//! // 10 % of 5589.70 = 558.97 off; the delivery keeps its 350.00.
//! assert_eq!(out.amount, Kopecks::new(55_897).unwrap());
//! assert_eq!(out.receipt.total.to_string(), "5380.73");
//! ```
#![forbid(unsafe_code)]

pub mod allocate;
mod error;
pub mod kopecks;
pub mod lifecycle;
pub mod lines;
pub mod rates;
pub mod split;
pub mod vat;

pub use error::CalcError;
pub use kopecks::{CalcProfile, Kopecks};
