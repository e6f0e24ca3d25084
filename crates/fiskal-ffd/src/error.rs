//! The one error type of fiskal-ffd.

use crate::tag::Tag;
use crate::tlv::DecodeError;
use crate::violation::Violation;

/// Everything that can go wrong in fiskal-ffd.
///
/// Each variant carries where it happened: a JSON path, a byte offset or a tag. The `Display`
/// text is meant for people and is **not** a stable contract: match on the variants, and on
/// [`Violation::code`] for validation findings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is not JSON, or a field has the wrong type or an impossible value
    /// (e.g. a string where a number belongs, an unknown field name).
    #[error("receipt JSON at `{path}` (line {line}, column {column}): {message}")]
    Json {
        /// JSON path of the field (`items[2].price`); empty when the text is not JSON at all.
        path: String,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What serde_json said.
        message: String,
    },
    /// The receipt is well-formed JSON but breaks FFD rules: every problem found, not just the
    /// first.
    #[error("the receipt is invalid ({} problem(s)); first: {}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
    Invalid(Vec<Violation>),
    /// The TLV bytes are malformed (truncated, a length past the end, trailing bytes …).
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A value is longer than a TLV length field can say (65 535 bytes).
    #[error("tag {tag}: a value of {len} bytes does not fit a TLV (at most 65535)")]
    TooLong {
        /// The requisite.
        tag: Tag,
        /// Its value length.
        len: usize,
    },
    /// The TLV is well-formed but is not a receipt this crate can read (wrong form code, a
    /// mandatory requisite missing, a requisite of the wrong kind).
    #[error("TLV document at `{path}`: {message}")]
    Document {
        /// Where in the receipt model (`items[0].price`), or the tag path.
        path: String,
        /// The requisite concerned, if any.
        tag: Option<Tag>,
        /// What is wrong.
        message: String,
    },
}

impl From<crate::tlv::TooLong> for Error {
    fn from(e: crate::tlv::TooLong) -> Self {
        Error::TooLong {
            tag: e.tag,
            len: e.len,
        }
    }
}
