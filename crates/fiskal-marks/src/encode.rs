//! Wire forms: tag 1162 (ФФД 1.05) bytes and its text forms, the tag 1163 child (ФФД 1.2),
//! and the small hex/Base64 helpers behind them.

use std::fmt;

use crate::classify::{CodeFormat, CodeKind};
use crate::error::MarkError;
use crate::MarkCode;

/// Longest tag-1162 value, in bytes.
pub const TAG_1162_MAX_LEN: usize = 32;

/// The 2-byte «код типа маркировки» that starts a tag-1162 value (big-endian as written).
///
/// Unknown values survive: decoding someone else's 1162 keeps whatever two bytes it had.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TypeCode(pub u16);

impl TypeCode {
    /// `44 4D` ("DM"): any GS1 DataMatrix mark of Честный ЗНАК, tobacco included (since
    /// 01.03.2020). Confirmed by several sources (Shtrih-M driver issues
    /// <https://github.com/shtrih-m/fr_drv_ng/issues/84> and `/issues/96`, which quote ЦРПТ's
    /// ОФД protocol).
    pub const DATA_MATRIX: Self = Self(0x444D);
    /// `52 46` ("RF"): fur КиЗ. Confirmed.
    pub const FUR: Self = Self(0x5246);
    /// `45 0D` ("E", 13): EAN-13. Confirmed by the official example.
    pub const EAN13: Self = Self(0x450D);
    /// `45 08` ("E", 8): EAN-8. Single source.
    pub const EAN8: Self = Self(0x4508);
    /// `49 0E` ("I", 14): ITF-14. **Uncertain**: inferred by analogy with the EAN prefixes
    /// (not confirmed by a public source); check against the register before relying on it.
    pub const ITF14: Self = Self(0x490E);
    /// `C5 14` ("Е" in cp1251, 20): ЕГАИС 2.0. **Uncertain**: inferred from the prefix
    /// pattern (not confirmed by a public source).
    pub const EGAIS20: Self = Self(0xC514);
    /// `C5 1E` ("Е" in cp1251, 30): ЕГАИС 3.0. Single source (one example in the wild).
    pub const EGAIS30: Self = Self(0xC51E);

    /// The name of a known type code.
    #[must_use]
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            Self::DATA_MATRIX => "DATA_MATRIX",
            Self::FUR => "FUR",
            Self::EAN13 => "EAN13",
            Self::EAN8 => "EAN8",
            Self::ITF14 => "ITF14",
            Self::EGAIS20 => "EGAIS20",
            Self::EGAIS30 => "EGAIS30",
            _ => return None,
        })
    }
}

impl fmt::Debug for TypeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "TypeCode::{name}"),
            None => write!(f, "TypeCode(0x{:04X})", self.0),
        }
    }
}

/// A tag-1162 «код товара» value (ФФД 1.05): type code, then the payload; at most 32 bytes.
///
/// Layout (Приказ ФНС ММВ-7-20/229@ в ред. от 29.08.2019, the table of tag 1162 with its EAN-13
/// example, as quoted in <https://github.com/shtrih-m/fr_drv_ng/issues/97>; the `44 4D` codes in
/// `/issues/84`): 2 bytes [`TypeCode`]; for GS1 and EAN/ITF codes the GTIN as an unsigned 6-byte
/// big-endian integer; then the serial part as ASCII. What goes into the serial part per format:
///
/// * GS1: the value of AI 21 only (91/92/93/17/10 … are dropped), except for tobacco blocks,
///   where the 6 digits of 8005 (МРЦ) follow the serial (CRPT algorithm for tobacco, the
///   byte array of a real block in <https://github.com/shtrih-m/fr_drv_ng/issues/141>).
/// * Tobacco pack: serial (7) + МРЦ (4) + **two spaces**, 21 bytes in all, so the МРЦ field
///   has the width of the block's. The padding comes from one public implementation only and
///   is not confirmed by a public source (ЦРПТ's «Алгоритм записи тега 1162 табачной продукции»
///   is not publicly accessible); drop the last two bytes of [`as_bytes`](Self::as_bytes) if your
///   register wants 19.
/// * EAN-8, EAN-13, ITF-14: nothing after the GTIN (never padded).
/// * Fur: the 20 КиЗ characters (no GTIN).
/// * ЕГАИС 2.0 / 3.0: the same identifier as the 1163 child, 23 / 14 characters (no GTIN).
///   **Uncertain**: not confirmed by a public source.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Tag1162 {
    /// The value in its first `len` bytes; the rest stay zero (so the derived equality and
    /// hash see the value only). Inline: building a 1162 allocates nothing.
    bytes: [u8; TAG_1162_MAX_LEN],
    len: usize,
}

impl Tag1162 {
    /// The raw value, type code included: what goes into the TLV.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// The value without its first two bytes (the type code).
    #[must_use]
    pub fn without_type_code(&self) -> &[u8] {
        self.as_bytes().get(2..).unwrap_or_default()
    }

    /// The type code (first two bytes).
    #[must_use]
    pub fn type_code(&self) -> TypeCode {
        match self.as_bytes() {
            [hi, lo, ..] => TypeCode(u16::from_be_bytes([*hi, *lo])),
            _ => TypeCode(0),
        }
    }

    /// Length in bytes (8..=32).
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always `false`: a 1162 value has at least its type code and GTIN or identifier.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Upper-case hex, no separators: `444D0444…`.
    #[must_use]
    pub fn to_hex(&self) -> String {
        hex_upper(self.as_bytes(), false)
    }

    /// Upper-case hex, bytes separated by single spaces: `44 4D 04 44 …` (ATOL v4).
    #[must_use]
    pub fn to_hex_spaced(&self) -> String {
        hex_upper(self.as_bytes(), true)
    }

    /// Standard Base64 with padding (Orange Data `nomenclatureCode`).
    #[must_use]
    pub fn to_base64(&self) -> String {
        base64(self.as_bytes())
    }
}

impl fmt::Debug for Tag1162 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag1162({})", self.to_hex_spaced())
    }
}

/// Longest tag-1163 value: `01` + GTIN (14) + `21` + a serial of at most 20 characters (the
/// other kinds are shorter: 32 for an unidentified code, 25 for a tobacco pack).
const TAG_1163_MAX_LEN: usize = 38;

/// Room for a [`TAG_1163_MAX_LEN`] value, aligned to 8 bytes: `str::from_utf8` then checks it
/// a word at a time from the first byte.
#[derive(Clone, Copy)]
#[repr(align(8))]
struct Buffer1163([u8; TAG_1163_MAX_LEN]);

/// The string value of a [`Tag1163`]: in line, so building one allocates nothing. The heap
/// form holds what would not fit in line, which no code produces; it is there so that a value
/// is never cut.
#[derive(Clone)]
enum Value1163 {
    /// `bytes[..len]`, ASCII.
    Inline { bytes: Buffer1163, len: u8 },
    /// Longer than [`TAG_1163_MAX_LEN`].
    Heap(String),
}

impl Value1163 {
    /// The parts one after the other.
    fn of(parts: &[&str]) -> Self {
        let len: usize = parts.iter().map(|part| part.len()).sum();
        let mut bytes = Buffer1163([0; TAG_1163_MAX_LEN]);
        match (bytes.0.get_mut(..len), u8::try_from(len)) {
            (Some(out), Ok(len)) => {
                let mut at = 0;
                for part in parts {
                    out[at..at + part.len()].copy_from_slice(part.as_bytes());
                    at += part.len();
                }
                Self::Inline { bytes, len }
            }
            _ => Self::Heap(parts.concat()),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            // Whole strings one after the other: always UTF-8 (ASCII in fact), so the check
            // never fails (and costs a few instructions for these few bytes).
            Self::Inline { bytes, len } => bytes
                .0
                .get(..usize::from(*len))
                .and_then(|value| std::str::from_utf8(value).ok())
                .unwrap_or_default(),
            Self::Heap(value) => value,
        }
    }
}

/// The child of tag 1163 (ФФД 1.2): tag number 1300–1309 and its string value.
#[derive(Clone)]
pub struct Tag1163 {
    kind: CodeKind,
    value: Value1163,
}

impl Tag1163 {
    /// Which child it is.
    #[must_use]
    pub fn kind(&self) -> CodeKind {
        self.kind
    }

    /// The tag number, 1300–1309.
    #[must_use]
    pub fn tag(&self) -> u16 {
        self.kind.tag()
    }

    /// The string value (ASCII). For GS1: `01` + GTIN + `21` + serial, no GS, no crypto tail.
    #[must_use]
    pub fn value(&self) -> &str {
        self.value.as_str()
    }
}

// Equality, hash and debug form are those of the kind and the value as a string (as they were
// when the value was a `String`).

impl PartialEq for Tag1163 {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.value() == other.value()
    }
}

impl Eq for Tag1163 {}

impl std::hash::Hash for Tag1163 {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.kind.hash(state);
        self.value().hash(state);
    }
}

impl fmt::Debug for Tag1163 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tag1163")
            .field("kind", &self.kind)
            .field("value", &self.value())
            .finish()
    }
}

/// Builds the 1163 child of a parsed code (tags 1300–1309 of Приказ ФНС ЕД-7-20/662@,
/// приложение 2; which part of the code goes into each, as in the public ФН core
/// <https://github.com/Ran-Thegoth/MKACCA9000> `MarkingCodeParam.java`).
pub(crate) fn tag_1163(mark: &MarkCode) -> Tag1163 {
    let code = mark.tag_2000();
    let kind = mark.code_kind();
    let value = match mark.format() {
        CodeFormat::Gs1 => {
            let gtin = mark.gtin().unwrap_or_default();
            match mark.serial() {
                Some(serial) => Value1163::of(&["01", gtin, "21", serial]),
                None => Value1163::of(&["01", gtin]),
            }
        }
        CodeFormat::TobaccoPack => Value1163::of(&[
            "01",
            code.get(..14).unwrap_or_default(),
            "21",
            code.get(14..21).unwrap_or_default(),
        ]),
        CodeFormat::Egais20 | CodeFormat::Egais30 => {
            Value1163::of(&[egais_identifier(mark.format(), code)])
        }
        CodeFormat::Unidentified => {
            // The first 32 characters.
            let end = code.char_indices().nth(32).map_or(code.len(), |(at, _)| at);
            Value1163::of(&[&code[..end]])
        }
        CodeFormat::Ean8 | CodeFormat::Ean13 | CodeFormat::Itf14 | CodeFormat::Fur => {
            Value1163::of(&[code])
        }
    };
    Tag1163 { kind, value }
}

/// ЕГАИС-2.0: characters 9..31 (1-based, 23 of them); ЕГАИС-3.0: the first 14.
fn egais_identifier(format: CodeFormat, code: &str) -> &str {
    let range = if format == CodeFormat::Egais20 {
        8..31
    } else {
        0..14
    };
    code.get(range).unwrap_or(code)
}

/// Builds the tag-1162 value of a parsed code.
pub(crate) fn tag_1162(mark: &MarkCode) -> Result<Tag1162, MarkError> {
    let code = mark.tag_2000();
    let mut bytes = Bytes1162::default();
    let type_code = match mark.format() {
        CodeFormat::Gs1 | CodeFormat::TobaccoPack => TypeCode::DATA_MATRIX,
        CodeFormat::Ean8 => TypeCode::EAN8,
        CodeFormat::Ean13 => TypeCode::EAN13,
        CodeFormat::Itf14 => TypeCode::ITF14,
        CodeFormat::Fur => TypeCode::FUR,
        CodeFormat::Egais20 => TypeCode::EGAIS20,
        CodeFormat::Egais30 => TypeCode::EGAIS30,
        CodeFormat::Unidentified => return Err(MarkError::NotEncodable { target: "tag 1162" }),
    };
    bytes.extend_from_slice(&type_code.0.to_be_bytes());
    match mark.format() {
        CodeFormat::Gs1 => {
            push_gtin(&mut bytes, mark.gtin().unwrap_or_default())?;
            if let Some(serial) = mark.serial() {
                bytes.extend_from_slice(serial.as_bytes());
            }
            if let Some(price) = mark.value_at_row(crate::gs1::ROW_8005) {
                bytes.extend_from_slice(price.as_bytes());
            }
        }
        CodeFormat::TobaccoPack => {
            push_gtin(&mut bytes, &code[..14])?;
            bytes.extend_from_slice(&code.as_bytes()[14..25]);
            bytes.extend_from_slice(b"  ");
        }
        CodeFormat::Ean8 | CodeFormat::Ean13 | CodeFormat::Itf14 => push_gtin(&mut bytes, code)?,
        CodeFormat::Fur => bytes.extend_from_slice(code.as_bytes()),
        CodeFormat::Egais20 | CodeFormat::Egais30 => {
            bytes.extend_from_slice(egais_identifier(mark.format(), code).as_bytes());
        }
        CodeFormat::Unidentified => {}
    }
    if bytes.overflow {
        return Err(MarkError::NotEncodable {
            target: "tag 1162 (more than 32 bytes)",
        });
    }
    Ok(Tag1162 {
        bytes: bytes.buf,
        len: bytes.len,
    })
}

/// A tag-1162 value being built: at most [`TAG_1162_MAX_LEN`] bytes, inline; what does not fit
/// marks it as too long (reported once the value is complete, as before).
#[derive(Default)]
struct Bytes1162 {
    buf: [u8; TAG_1162_MAX_LEN],
    len: usize,
    overflow: bool,
}

impl Bytes1162 {
    fn extend_from_slice(&mut self, more: &[u8]) {
        match self.buf.get_mut(self.len..self.len + more.len()) {
            Some(dst) => {
                dst.copy_from_slice(more);
                self.len += more.len();
            }
            None => self.overflow = true,
        }
    }
}

/// Appends a GTIN (up to 14 digits) as a 6-byte big-endian unsigned integer.
fn push_gtin(bytes: &mut Bytes1162, digits: &str) -> Result<(), MarkError> {
    let not_a_gtin = MarkError::NotEncodable {
        target: "tag 1162 (GTIN is not 1 to 14 digits)",
    };
    let digits = digits.as_bytes();
    if digits.len() > 14 {
        return Err(not_a_gtin);
    }
    // No branch per digit; at most 14 of them, so even bytes that are not digits cannot
    // overflow the value (the result is then thrown away).
    let mut value: u64 = 0;
    let mut all_digits = true;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        all_digits &= d <= 9;
        value = value * 10 + u64::from(d);
    }
    if !all_digits {
        return Err(not_a_gtin);
    }
    // 10^14 - 1 < 2^48, so the two high bytes are zero.
    bytes.extend_from_slice(&value.to_be_bytes()[2..]);
    Ok(())
}

/// Upper-case hex of `bytes`, optionally with a space between bytes.
pub(crate) fn hex_upper(bytes: &[u8], spaced: bool) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, &b) in bytes.iter().enumerate() {
        if spaced && i > 0 {
            out.push(' ');
        }
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Standard Base64 (RFC 4648 §4) with `=` padding.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let sextet = |s: u8| char::from(ALPHABET[usize::from(s & 0x3f)]);
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b0 = chunk[0];
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        out.push(sextet(b0 >> 2));
        out.push(sextet((b0 << 4) | (b1 >> 4)));
        out.push(if chunk.len() > 1 {
            sextet((b1 << 2) | (b2 >> 6))
        } else {
            '='
        });
        out.push(if chunk.len() > 2 { sextet(b2) } else { '=' });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_forms() {
        assert_eq!(hex_upper(&[0x44, 0x4d, 0x04, 0x0a], false), "444D040A");
        assert_eq!(hex_upper(&[0x44, 0x4d, 0x04, 0x0a], true), "44 4D 04 0A");
        assert_eq!(hex_upper(&[], true), "");
    }

    #[test]
    fn base64_rfc4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected, "{input}");
        }
        assert_eq!(base64(&[0xfb, 0xff, 0xfe]), "+//+");
    }

    #[test]
    fn gtin_is_six_bytes_big_endian() {
        let mut out = Bytes1162::default();
        push_gtin(&mut out, "4606203090785").unwrap();
        assert_eq!(out.buf[..out.len], [0x04, 0x30, 0x77, 0x19, 0x57, 0x61]);
        let mut out = Bytes1162::default();
        push_gtin(&mut out, "99999999999999").unwrap();
        assert_eq!(out.buf[..out.len], [0x5a, 0xf3, 0x10, 0x7a, 0x3f, 0xff]);
        // More than 32 bytes in all: marked, not written past the end.
        out.extend_from_slice(&[b'x'; 27]);
        assert!(out.overflow && out.len == 6);
    }

    #[test]
    fn type_code_debug_names_known_values() {
        assert_eq!(
            format!("{:?}", TypeCode::DATA_MATRIX),
            "TypeCode::DATA_MATRIX"
        );
        assert_eq!(format!("{:?}", TypeCode(0x0005)), "TypeCode(0x0005)");
    }

    /// The 1163 value kept in line reads, compares, hashes and prints as the `String` it was.
    #[test]
    fn tag_1163_in_line_is_the_string_it_was() {
        use std::hash::{BuildHasher, RandomState};

        let mark = MarkCode::parse("0104601234567893215Abc000000001\u{1d}93abcd").unwrap();
        let tag = mark.tag_1163();
        assert_eq!(tag.value(), "0104601234567893215Abc000000001");
        assert_eq!(
            format!("{tag:?}"),
            "Tag1163 { kind: Gs1Marked, value: \"0104601234567893215Abc000000001\" }"
        );
        // Equality and hash are those of (kind, value as a string).
        let again = MarkCode::parse("0104601234567893215Abc000000001\u{1d}93abcd").unwrap();
        assert_eq!(again.tag_1163(), tag);
        let state = RandomState::new();
        let as_string = (tag.kind(), tag.value().to_owned());
        assert_eq!(
            state.hash_one(&tag),
            state.hash_one(&as_string),
            "hash of (kind, String)"
        );
        let other = MarkCode::parse("0104601234567893215Abc000000002\u{1d}93abcd").unwrap();
        assert_ne!(other.tag_1163(), tag);
        // The longest value there is (a 20-character serial) stays in line; a longer one (no
        // code gives one) goes to the heap whole.
        let serial = "A".repeat(20);
        let long = MarkCode::parse(&format!("0104601234567893{}{serial}", "21")).unwrap();
        assert_eq!(long.tag_1163().value().len(), TAG_1163_MAX_LEN);
        assert!(matches!(long.tag_1163().value, Value1163::Inline { .. }));
        let parts = ["01", "04601234567893", "21", &serial, "x"];
        let heap = Value1163::of(&parts);
        assert!(matches!(heap, Value1163::Heap(_)));
        assert_eq!(heap.as_str(), parts.concat());
        // Other kinds.
        assert_eq!(
            MarkCode::parse("4606203090785").unwrap().tag_1163().value(),
            "4606203090785"
        );
        assert_eq!(
            MarkCode::parse("04606203098187AbC-dEf0A1BxY2z")
                .unwrap()
                .tag_1163()
                .value(),
            "010460620309818721AbC-dEf"
        );
        let unidentified = MarkCode::parse_with(
            &"x".repeat(40),
            &crate::ParseOptions::default().with_unrecognized(crate::Unrecognized::Accept),
        )
        .unwrap();
        assert_eq!(unidentified.tag_1163().value(), "x".repeat(32));
    }
}
