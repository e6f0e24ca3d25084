//! Money, VAT, discounts and receipt splitting (work in progress).
#![forbid(unsafe_code)]
