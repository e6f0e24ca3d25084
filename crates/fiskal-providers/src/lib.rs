//! Cloud cash-register adapters (work in progress).
#![forbid(unsafe_code)]
