//! The one error type of this crate.

/// Why a mark code could not be parsed or encoded.
///
/// Every variant says *where* (a `position`) and *what was expected there* where that makes
/// sense. A `position` is a **character index** (Unicode scalar values, counted from 0) into
/// the input exactly as the caller passed it, before trimming or any other normalisation, so
/// a UI can point at the offending character. For [`MarkCode::parse_bytes`](crate::MarkCode::parse_bytes)
/// with input that is not UTF-8, every byte counts as one character, so the position is the
/// byte offset.
///
/// The `Display` text is meant for people and is **not** a stable contract: it may change in
/// any release. Match on the variant, or use [`MarkError::code`], which is stable and is what
/// the language bindings expose.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MarkError {
    /// Nothing is left after removing surrounding whitespace, the symbology identifier and
    /// separators.
    #[error("the mark code is empty")]
    Empty,

    /// The input (or the normalised code) is longer than any mark code can be.
    #[error("the mark code is {length} characters long; at most {max} are allowed")]
    TooLong {
        /// Length found, in characters.
        length: usize,
        /// The limit that was exceeded (tag 2000 allows 256 characters).
        max: usize,
    },

    /// A character that cannot appear at this place.
    #[error("unexpected {found:?} at position {position}: expected {expected}")]
    UnexpectedChar {
        /// Character index into the input.
        position: usize,
        /// The character found.
        found: char,
        /// What may appear at this position, in words.
        expected: &'static str,
    },

    /// A Cyrillic character (or `№`) where only Latin characters may appear: the code was most
    /// likely typed by a keyboard-wedge scanner while the Russian keyboard layout was active.
    ///
    /// It is reported, never fixed silently: the mapping back to Latin is not always unique,
    /// and a wrong guess gives a code that the fiscal drive rejects or, worse, a different
    /// valid code. Ask the user to switch the layout and scan again, or call
    /// [`latin_from_russian_layout`](crate::latin_from_russian_layout) explicitly.
    #[error("Cyrillic {found:?} at position {position}: the code was probably scanned with the Russian keyboard layout active")]
    RussianKeyboardLayout {
        /// Character index of the first Cyrillic character.
        position: usize,
        /// The character found.
        found: char,
    },

    /// A GS1 (mod 10) check digit does not match the digits before it.
    #[error("bad check digit at position {position}: expected {expected}, found {found}")]
    BadCheckDigit {
        /// Character index of the check digit.
        position: usize,
        /// The check digit computed from the preceding digits (0–9).
        expected: u8,
        /// The check digit found in the code (0–9).
        found: u8,
    },

    /// The input ends where more characters were required.
    #[error("the code ends at position {position}: expected {expected}")]
    Truncated {
        /// Character index just past the last character of the code.
        position: usize,
        /// What was still expected.
        expected: &'static str,
    },

    /// A GS1 application identifier this crate does not know (the list is in the docs of
    /// [`MarkCode::elements`](crate::MarkCode::elements)).
    #[error("unknown GS1 application identifier at position {position}")]
    UnknownAi {
        /// Character index of the first digit of the identifier.
        position: usize,
    },

    /// The same application identifier appears twice.
    #[error("application identifier ({ai}) repeated at position {position}")]
    DuplicateAi {
        /// Character index of the repeated identifier.
        position: usize,
        /// The identifier, e.g. `"21"`.
        ai: &'static str,
    },

    /// A GS1 code lacks an application identifier that every mark code has.
    #[error("the GS1 code has no ({ai}) element")]
    MissingAi {
        /// The missing identifier, e.g. `"01"`.
        ai: &'static str,
    },

    /// An element's value has a length that is not allowed for its identifier.
    #[error("({ai}) at position {position} is {length} characters long: expected {expected}")]
    BadLength {
        /// Character index of the first character of the value.
        position: usize,
        /// The application identifier, e.g. `"92"`.
        ai: &'static str,
        /// Length found, in characters.
        length: usize,
        /// The allowed lengths, in words.
        expected: &'static str,
    },

    /// The GS separator after a variable-length element is missing and the boundary could not
    /// be recovered from the known product-group layouts.
    #[error("missing GS separator after the element starting at position {position}")]
    MissingSeparator {
        /// Character index of the first character of the value whose end is unknown.
        position: usize,
    },

    /// The GS separator after the serial number is missing and more than one product-group
    /// layout fits, so the boundary cannot be recovered safely.
    #[error("missing GS separator after the serial at position {position}, and more than one layout fits")]
    AmbiguousSeparator {
        /// Character index of the first character of the serial number.
        position: usize,
    },

    /// The code matches none of the known formats (GS1, tobacco pack, EAN-8, EAN-13, ITF-14,
    /// fur КиЗ, ЕГАИС 2.0/3.0). Parse with
    /// [`Unrecognized::Accept`](crate::Unrecognized::Accept) to pass it on as tag 1300.
    #[error("unrecognised mark code format ({length} characters)")]
    UnrecognizedFormat {
        /// Length of the normalised code, in characters.
        length: usize,
    },

    /// The code cannot be written in the requested form (for example tag 1162 of a code of
    /// unidentified format: ФФД 1.05 defines no type for it).
    #[error("this code cannot be encoded as {target}")]
    NotEncodable {
        /// The requested form, e.g. `"tag 1162"`.
        target: &'static str,
    },
}

impl MarkError {
    /// A stable snake_case identifier of the variant, used by the bindings and the test
    /// vectors. Never changes once released.
    ///
    /// ```
    /// use fiskal_marks::MarkCode;
    /// let err = MarkCode::parse("4606203090786").unwrap_err();
    /// assert_eq!(err.code(), "bad_check_digit");
    /// assert_eq!(err.position(), Some(12));
    /// ```
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::TooLong { .. } => "too_long",
            Self::UnexpectedChar { .. } => "unexpected_char",
            Self::RussianKeyboardLayout { .. } => "russian_keyboard_layout",
            Self::BadCheckDigit { .. } => "bad_check_digit",
            Self::Truncated { .. } => "truncated",
            Self::UnknownAi { .. } => "unknown_ai",
            Self::DuplicateAi { .. } => "duplicate_ai",
            Self::MissingAi { .. } => "missing_ai",
            Self::BadLength { .. } => "bad_length",
            Self::MissingSeparator { .. } => "missing_separator",
            Self::AmbiguousSeparator { .. } => "ambiguous_separator",
            Self::UnrecognizedFormat { .. } => "unrecognized_format",
            Self::NotEncodable { .. } => "not_encodable",
        }
    }

    /// The character index the error is about, if it is about one place.
    #[must_use]
    pub fn position(&self) -> Option<usize> {
        match self {
            Self::UnexpectedChar { position, .. }
            | Self::RussianKeyboardLayout { position, .. }
            | Self::BadCheckDigit { position, .. }
            | Self::Truncated { position, .. }
            | Self::UnknownAi { position }
            | Self::DuplicateAi { position, .. }
            | Self::BadLength { position, .. }
            | Self::MissingSeparator { position }
            | Self::AmbiguousSeparator { position } => Some(*position),
            Self::Empty
            | Self::TooLong { .. }
            | Self::MissingAi { .. }
            | Self::UnrecognizedFormat { .. }
            | Self::NotEncodable { .. } => None,
        }
    }

    /// Every code [`MarkError::code`] can return, for bindings that build their exception
    /// tables from it. A test checks that each variant maps to its own entry.
    pub const CODES: &'static [&'static str] = &[
        "empty",
        "too_long",
        "unexpected_char",
        "russian_keyboard_layout",
        "bad_check_digit",
        "truncated",
        "unknown_ai",
        "duplicate_ai",
        "missing_ai",
        "bad_length",
        "missing_separator",
        "ambiguous_separator",
        "unrecognized_format",
        "not_encodable",
    ];
}

#[cfg(test)]
mod tests {
    use super::MarkError;

    #[test]
    fn every_variant_has_its_own_code() {
        let all = [
            MarkError::Empty,
            MarkError::TooLong { length: 1, max: 0 },
            MarkError::UnexpectedChar {
                position: 0,
                found: 'x',
                expected: "",
            },
            MarkError::RussianKeyboardLayout {
                position: 0,
                found: 'ж',
            },
            MarkError::BadCheckDigit {
                position: 0,
                expected: 1,
                found: 2,
            },
            MarkError::Truncated {
                position: 0,
                expected: "",
            },
            MarkError::UnknownAi { position: 0 },
            MarkError::DuplicateAi {
                position: 0,
                ai: "21",
            },
            MarkError::MissingAi { ai: "01" },
            MarkError::BadLength {
                position: 0,
                ai: "92",
                length: 1,
                expected: "",
            },
            MarkError::MissingSeparator { position: 0 },
            MarkError::AmbiguousSeparator { position: 0 },
            MarkError::UnrecognizedFormat { length: 0 },
            MarkError::NotEncodable { target: "tag 1162" },
        ];
        let codes: Vec<&str> = all.iter().map(MarkError::code).collect();
        assert_eq!(codes, MarkError::CODES);
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), codes.len(), "codes must be unique");
    }
}
