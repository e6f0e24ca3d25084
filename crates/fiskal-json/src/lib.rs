//! # fiskal-json
//!
//! The JSON-in/JSON-out operations of fiskal: what the C ABI (`fiskal-ffi`) and the 1C add-in
//! call, so that every language gets exactly the same behaviour, byte for byte.
//!
//! Every operation is a function `fn(&str) -> Result<String, ApiError>`: a JSON document in, a
//! JSON document out. Inputs carry a `"version"` (the receipt's own for [`validate`] and
//! [`to_tlv`], whose input *is* a receipt; an envelope `"version": 1` for the others), and
//! every output starts with `"version": 1`. Errors are one type, [`ApiError`], with a stable
//! numeric [`Code`] grouped by layer (see [`code`]). The shapes, with an example per operation,
//! are documented in `docs/c-api.md`.
//!
//! The stateful part: `Client` (one cloud cash register, blocking calls with a timeout) and
//! `OutboxHandle` (the durable outbox and its worker), with the same JSON in and out; the C
//! ABI's `fiskal_client` and `fiskal_outbox` handles hold them.
//!
//! ## Features
//!
//! | feature | default | what it adds | what it brings along |
//! |---|---|---|---|
//! | `providers` | on | `Client`, `outcome_json`, `provider_code` | `fiskal-providers`: reqwest, rustls and the Orange Data signature (*ring*), tokio |
//! | `outbox` | on (implies `providers`) | `OutboxHandle` and its JSON helpers, `outbox_code` | `fiskal-outbox`: SQLite (bundled) |
//!
//! Without them (`default-features = false`) the crate is the stateless operations of
//! [`OPERATIONS`] only — validate, compute, split, TLV, mark, qr — over the model, marks and calc
//! layers and serde: no HTTP, TLS, async runtime or SQLite is built. The result codes
//! ([`Code`]) are the same in every build; [`feature_disabled`] is the error a caller built
//! over this crate (the C ABI) gives for a part that was left out.
//!
//! ```
//! let json = include_str!("../data/receipt_1_2.json");
//! let out = fiskal_json::to_tlv(json).unwrap();
//! let v: serde_json::Value = serde_json::from_str(&out).unwrap();
//! assert_eq!(v["version"], 1);
//! assert_eq!(v["size"].as_u64().unwrap() * 2, v["hex"].as_str().unwrap().len() as u64);
//!
//! let err = fiskal_json::validate("{\"version\": 1}").unwrap_err();
//! assert_eq!(err.code, fiskal_json::Code::InvalidJson);
//! assert_eq!(fiskal_json::call("to_tlv", json).unwrap(), out);
//! ```
#![forbid(unsafe_code)]

#[cfg(feature = "providers")]
mod client;
pub mod code;
mod error;
mod input;
mod ops;
#[cfg(feature = "outbox")]
mod outbox;

#[cfg(feature = "providers")]
pub use client::{outcome_json, provider_code, Client};
pub use code::Code;
pub use error::{calc_code, decode_code, mark_code, violation_json, ApiError};
pub use ops::{compute, from_tlv, mark, qr, split, to_tlv, validate, version};
#[cfg(feature = "outbox")]
pub use outbox::{
    audit_json, enqueued_json, entries_json, entry_json, event_json, event_kind, outbox_code,
    reconcile_json, stats_full_json, stats_json, EventObserver, OutboxHandle, DEFAULT_LIST_LIMIT,
    DEFAULT_RECONCILE_LIMIT,
};

/// The version of the operation JSON shapes (inputs' envelope `"version"`, outputs'
/// `"version"`). A new version only ever adds a new number; version 1 stays readable.
pub const SCHEMA_VERSION: u32 = 1;

/// The largest input accepted, in bytes (16 MiB). A receipt is at most about 32 KB as TLV; the
/// limit only keeps a runaway caller from making the library allocate without bound.
pub const MAX_INPUT_LEN: usize = 16 * 1024 * 1024;

/// An operation: a JSON document in, a JSON document out.
pub type Operation = fn(&str) -> Result<String, ApiError>;

/// Every operation by name, in the order of `docs/c-api.md`.
pub const OPERATIONS: &[(&str, Operation)] = &[
    ("version", version),
    ("validate", validate),
    ("compute", compute),
    ("split", split),
    ("to_tlv", to_tlv),
    ("from_tlv", from_tlv),
    ("mark", mark),
    ("qr", qr),
];

/// Runs the operation named `op` (see [`OPERATIONS`]); [`Code::UnknownOperation`] for any
/// other name.
pub fn call(op: &str, input: &str) -> Result<String, ApiError> {
    match OPERATIONS.iter().find(|(name, _)| *name == op) {
        Some((_, f)) => f(input),
        None => Err(ApiError::with_messages(
            Code::UnknownOperation,
            format!("неизвестная операция «{}»", truncate(op)),
            format!("unknown operation {:?}", truncate(op)),
        )
        .details(serde_json::json!({
            "operations": OPERATIONS.iter().map(|(n, _)| *n).collect::<Vec<_>>()
        }))),
    }
}

/// The error for a part of the library that this build leaves out: [`Code::FeatureDisabled`]
/// naming the cargo `feature` that provides it (`details`: `{"feature": "outbox"}`), e.g. a
/// `fiskal_outbox_open` of a C library built with `--no-default-features`.
///
/// ```
/// let e = fiskal_json::feature_disabled("outbox");
/// assert_eq!(e.code, fiskal_json::Code::FeatureDisabled);
/// assert!(e.message_en.contains("`outbox`"));
/// ```
pub fn feature_disabled(feature: &str) -> ApiError {
    ApiError::with_messages(
        Code::FeatureDisabled,
        format!(
            "библиотека собрана без возможности «{}» (cargo feature): эта часть недоступна",
            truncate(feature)
        ),
        format!(
            "the library was built without the `{}` feature: this part is not available",
            truncate(feature)
        ),
    )
    .details(serde_json::json!({ "feature": truncate(feature) }))
}

/// At most 64 characters of a caller's string, for messages.
fn truncate(s: &str) -> &str {
    match s.char_indices().nth(64) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}
