//! The TLV codec: the binary form a fiscal drive stores and an ОФД receives.
//!
//! Framing (as the public implementations read and write it, e.g. <https://github.com/yandex/ofd>
//! `ofd/protocol.py`): `tag: u16 LE | length: u16 LE | value`, so every requisite costs
//! exactly 4 bytes of header plus its value; an STLV's value is the concatenation of its
//! children; a whole document is one TLV whose tag is the form code (3 = кассовый чек,
//! 31 = кассовый чек коррекции).
//!
//! This module works on a generic tree ([`Tlv`]) and knows nothing about receipts: the
//! [`crate::convert`] module builds and reads trees. Values are kept *as on the wire*
//! (strings as CP866 bytes, fixed-length strings with their padding), so for every tree
//! `decode(encode(t)) == t` and [`Tlv::encoded_len`] is exactly `encode(t).len()`.
//!
//! Encoding choices (they change sizes, so they are fixed and documented):
//! * VLN: minimal width, little-endian; **zero is written as one byte `00`** (some
//!   implementations write an empty value; the decoder accepts both; whether every register
//!   and ОФД accepts both is not confirmed by a public source).
//! * FVLN: the scale as stored in [`Fvln`], mantissa in minimal width (at least one byte).
//!
//! The decoder keeps what it can in the tree (the FVLN scale read, fixed-length padding, unknown
//! tags as raw bytes); what the canonical form above cannot reproduce (an empty zero, a VLN or
//! FVLN mantissa wider than needed) is kept by [`Exact`], which re-encodes a decoded tree byte
//! for byte.

mod exact;
mod reader;

pub use exact::Exact;

pub use reader::{
    decode_all, decode_bare, decode_document, DecodeError, DecodeErrorKind, Reader, Trailing,
    MAX_DEPTH,
};

use crate::cp866;
use crate::tag::Tag;
use std::fmt;

/// Size of a TLV header (2 bytes tag + 2 bytes length).
pub const HEADER_LEN: usize = 4;

/// A decimal in FVLN form: `mantissa / 10^scale` (quantity 1023).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Fvln {
    /// Digits after the decimal point (byte 0 on the wire).
    pub scale: u8,
    /// The unscaled value.
    pub mantissa: u64,
}

/// One requisite value, as it is on the wire.
#[derive(Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Value {
    /// BYTE (1 byte).
    Byte(u8),
    /// UINT16 (2 bytes LE).
    U16(u16),
    /// UINT32 (4 bytes LE).
    U32(u32),
    /// UnixTime: local wall-clock seconds encoded as if UTC (4 bytes LE).
    UnixTime(u32),
    /// VLN: unsigned, variable width (money in kopecks).
    Vln(u64),
    /// FVLN: scaled decimal.
    Fvln(Fvln),
    /// STRING: the CP866 bytes exactly as stored (fixed-length strings include their padding).
    Str(Vec<u8>),
    /// Raw bytes: BYTES requisites and every tag this crate does not know.
    Bytes(Vec<u8>),
    /// STLV: nested requisites, in wire order.
    Stlv(Vec<Tlv>),
}

/// One requisite: a tag and its value.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Tlv {
    /// The requisite number.
    pub tag: Tag,
    /// The value.
    pub value: Value,
}

/// Why a tree cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLong {
    /// The requisite whose value exceeds the 65 535 bytes a 2-byte length can say.
    pub tag: Tag,
    /// Its value length in bytes.
    pub len: usize,
}

impl std::fmt::Display for TooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "requisite {} is {} bytes long; a TLV value holds at most 65535",
            self.tag, self.len
        )
    }
}

impl std::error::Error for TooLong {}

/// Minimal number of bytes for `v` as a VLN (zero takes one byte, see the module docs).
#[inline]
pub fn vln_width(v: u64) -> usize {
    let bits = 64 - v.leading_zeros() as usize;
    bits.div_ceil(8).max(1)
}

impl Value {
    /// A STRING value from text; the error lists every character CP866 cannot encode.
    pub fn text(s: &str) -> Result<Value, Vec<cp866::Unencodable>> {
        cp866::encode(s).map(Value::Str)
    }

    /// Length of the value in bytes (without the 4-byte header).
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            Value::Byte(_) => 1,
            Value::U16(_) => 2,
            Value::U32(_) | Value::UnixTime(_) => 4,
            Value::Vln(v) => vln_width(*v),
            Value::Fvln(f) => 1 + vln_width(f.mantissa),
            Value::Str(b) | Value::Bytes(b) => b.len(),
            Value::Stlv(children) => children.iter().map(Tlv::encoded_len).sum(),
        }
    }

    /// Whether the value has zero length (only an empty string, bytes or STLV can).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The text of a STRING value (decoded from CP866), or `None` for other kinds.
    pub fn as_text(&self) -> Option<String> {
        match self {
            Value::Str(b) => Some(cp866::decode(b)),
            _ => None,
        }
    }

    fn encode_value(&self, out: &mut Vec<u8>) -> Result<(), TooLong> {
        match self {
            Value::Byte(b) => out.push(*b),
            Value::U16(v) => out.extend_from_slice(&v.to_le_bytes()),
            Value::U32(v) | Value::UnixTime(v) => out.extend_from_slice(&v.to_le_bytes()),
            Value::Vln(v) => out.extend_from_slice(&v.to_le_bytes()[..vln_width(*v)]),
            Value::Fvln(f) => {
                out.push(f.scale);
                out.extend_from_slice(&f.mantissa.to_le_bytes()[..vln_width(f.mantissa)]);
            }
            Value::Str(b) | Value::Bytes(b) => out.extend_from_slice(b),
            Value::Stlv(children) => {
                for c in children {
                    c.encode(out)?;
                }
            }
        }
        Ok(())
    }
}

impl Tlv {
    /// A requisite.
    pub fn new(tag: Tag, value: Value) -> Tlv {
        Tlv { tag, value }
    }

    /// Exact encoded size in bytes, header included: always equal to the length `encode` writes.
    pub fn encoded_len(&self) -> usize {
        HEADER_LEN + self.value.len()
    }

    /// Appends the wire form to `out`.
    ///
    /// Lengths are back-patched, so the tree is walked once. Fails only when some value is longer
    /// than 65 535 bytes; `out` then holds a partial write and should be discarded.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), TooLong> {
        out.extend_from_slice(&self.tag.0.to_le_bytes());
        let len_at = out.len();
        out.extend_from_slice(&[0, 0]);
        self.value.encode_value(out)?;
        let len = out.len() - len_at - 2;
        let len16 = u16::try_from(len).map_err(|_| TooLong { tag: self.tag, len })?;
        out[len_at..len_at + 2].copy_from_slice(&len16.to_le_bytes());
        Ok(())
    }

    /// Encodes into a new vector of exactly [`Tlv::encoded_len`] capacity.
    pub fn to_bytes(&self) -> Result<Vec<u8>, TooLong> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.encode(&mut out)?;
        Ok(out)
    }

    /// The children of an STLV (empty for other kinds).
    pub fn children(&self) -> &[Tlv] {
        match &self.value {
            Value::Stlv(c) => c,
            _ => &[],
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Byte(v) => write!(f, "Byte({v})"),
            Value::U16(v) => write!(f, "U16({v})"),
            Value::U32(v) => write!(f, "U32({v})"),
            Value::UnixTime(v) => write!(f, "UnixTime({v})"),
            Value::Vln(v) => write!(f, "Vln({v})"),
            Value::Fvln(v) => write!(f, "Fvln({}e-{})", v.mantissa, v.scale),
            Value::Str(b) => write!(f, "Str({:?})", cp866::decode(b)),
            Value::Bytes(b) => write!(f, "Bytes({})", hex::encode_upper(b)),
            Value::Stlv(c) => f.debug_list().entries(c).finish(),
        }
    }
}

impl fmt::Debug for Tlv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {:?}", self.tag, self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `doc.to_bytes()?` (and the other small error types of the crate) work with `?` in a
    /// function returning `Box<dyn std::error::Error>`, and say what is wrong.
    #[test]
    fn small_error_types_are_std_errors_with_a_message() {
        fn encode(t: &Tlv) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
            Ok(t.to_bytes()?)
        }
        let big = Tlv::new(Tag(1008), Value::Bytes(vec![b'x'; 70_000]));
        let e = encode(&big).expect_err("a 70 000-byte value cannot be encoded");
        assert_eq!(
            e.to_string(),
            "requisite 1008 is 70000 bytes long; a TLV value holds at most 65535"
        );
        fn kopecks(m: crate::money::Money) -> Result<u64, Box<dyn std::error::Error>> {
            Ok(m.kopecks()?)
        }
        let e = kopecks(crate::money::Money::from_decimal(
            rust_decimal::Decimal::new(-100, 2),
        ))
        .expect_err("negative");
        assert_eq!(e.to_string(), "the amount is negative");
        let e: Box<dyn std::error::Error> = Box::new(cp866::Unencodable {
            index: 3, ch: '€'
        });
        assert_eq!(
            e.to_string(),
            "character '€' (U+20AC) at position 3 has no CP866 code"
        );
    }

    fn hex_of(t: &Tlv) -> String {
        hex::encode_upper(t.to_bytes().unwrap())
    }

    #[test]
    fn vln_reference_examples() {
        // Worked out from the VLN rule (little-endian, minimal width): 100000 kop -> A0 86 01;
        // 99 999 999 -> FF E0 F5 05.
        assert_eq!(
            hex_of(&Tlv::new(Tag::TOTAL, Value::Vln(100_000))),
            "FC030300A08601"
        );
        assert_eq!(
            hex_of(&Tlv::new(Tag::TOTAL, Value::Vln(99_999_999))),
            "FC030400FFE0F505"
        );
        assert_eq!(hex_of(&Tlv::new(Tag::TOTAL, Value::Vln(0))), "FC03010000");
        assert_eq!(vln_width(0xFFFF_FFFF_FFFF), 6);
    }

    #[test]
    fn fvln_reference_examples() {
        let q =
            |scale, mantissa| Tlv::new(Tag::ITEM_QUANTITY, Value::Fvln(Fvln { scale, mantissa }));
        assert!(hex_of(&q(2, 123_456_789)).ends_with("0215CD5B07"));
        assert!(hex_of(&q(5, 0x12_3456)).ends_with("05563412"));
        assert!(hex_of(&q(0, 1)).ends_with("0001"));
        assert!(hex_of(&q(3, 1000)).ends_with("03E803"));
        assert!(hex_of(&q(3, 2474)).ends_with("03AA09"));
    }

    #[test]
    fn encoded_len_matches_and_lengths_are_back_patched() {
        let item = Tlv::new(
            Tag::ITEM,
            Value::Stlv(vec![
                Tlv::new(Tag::ITEM_NAME, Value::text("Кассир Иванов").unwrap()),
                Tlv::new(Tag::ITEM_PRICE, Value::Vln(199_900)),
            ]),
        );
        let bytes = item.to_bytes().unwrap();
        assert_eq!(bytes.len(), item.encoded_len());
        assert_eq!(&bytes[..4], &[0x23, 0x04, 0x18, 0x00]); // 1059, len 24 = (4+13) + (4+3)
    }

    #[test]
    fn too_long_is_an_error_not_a_panic() {
        let t = Tlv::new(Tag::ITEM_NAME, Value::Bytes(vec![b'a'; 70_000]));
        assert_eq!(
            t.to_bytes().unwrap_err(),
            TooLong {
                tag: Tag::ITEM_NAME,
                len: 70_000
            }
        );
    }
}
