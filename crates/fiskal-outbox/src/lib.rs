//! Durable outbox for fiskal receipts (work in progress).
#![forbid(unsafe_code)]
