//! The TLV decoder: strict about framing, lenient about order and widths.
//!
//! * Accepts requisites in any order and any number of repetitions.
//! * Accepts any VLN width up to the tag's maximum (money: 6 bytes) and any FVLN scale.
//! * Keeps tags it does not know as raw bytes (and tags of unconfirmed type, see
//!   [`crate::tag::Tag::info`]), so they survive a decode/encode round trip.
//! * Rejects truncated headers, lengths that run past the end, wrong fixed widths, trailing data
//!   and nesting deeper than [`MAX_DEPTH`], always with the absolute byte offset.
//! * A [`Reader`] that has failed once stays failed (it is *tainted*): a caller that ignores an
//!   error cannot go on reading garbage.

use super::{Fvln, Tlv, Value, HEADER_LEN};
use crate::tag::{Tag, ValueType};
use std::fmt;

/// How deep STLVs may nest. Real receipts need 4 (3 → 1059 → 1223 → 1073); the limit stops
/// stack exhaustion on hostile input.
pub const MAX_DEPTH: usize = 8;

/// What went wrong while decoding.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// Fewer than 4 bytes were left for a TLV header.
    TruncatedHeader {
        /// Bytes that were left.
        available: usize,
    },
    /// The length field says more bytes than are left.
    LengthPastEnd {
        /// The declared value length.
        declared: usize,
        /// Bytes that were left after the header.
        available: usize,
    },
    /// A fixed-width value (BYTE, UINT16, UINT32, UnixTime) has another length.
    WrongWidth {
        /// The width its type requires.
        expected: usize,
        /// The width found.
        actual: usize,
    },
    /// A VLN is wider than its tag allows (money: 6 bytes).
    VlnTooWide {
        /// The tag's maximum.
        max: usize,
        /// The width found.
        actual: usize,
    },
    /// An FVLN is empty or its mantissa wider than 7 bytes.
    BadFvln {
        /// The length found.
        actual: usize,
    },
    /// STLVs nest deeper than [`MAX_DEPTH`].
    TooDeep,
    /// Bytes are left after the (last) TLV.
    TrailingData {
        /// How many.
        len: usize,
    },
    /// A reader that already failed was used again.
    Tainted,
}

impl DecodeErrorKind {
    /// A stable snake_case code for the kind (used by the vectors and the bindings).
    pub fn code(&self) -> &'static str {
        match self {
            DecodeErrorKind::TruncatedHeader { .. } => "truncated_header",
            DecodeErrorKind::LengthPastEnd { .. } => "length_past_end",
            DecodeErrorKind::WrongWidth { .. } => "wrong_width",
            DecodeErrorKind::VlnTooWide { .. } => "vln_too_wide",
            DecodeErrorKind::BadFvln { .. } => "bad_fvln",
            DecodeErrorKind::TooDeep => "too_deep",
            DecodeErrorKind::TrailingData { .. } => "trailing_data",
            DecodeErrorKind::Tainted => "tainted",
        }
    }
}

/// A decode failure: what, where (absolute byte offset of the TLV header it concerns) and in
/// which requisite.
///
/// The `Display` text is for people and is not a stable contract; match on [`DecodeErrorKind`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// What went wrong.
    pub kind: DecodeErrorKind,
    /// Byte offset, from the start of the input, of the TLV header (or trailing byte) at fault.
    pub offset: usize,
    /// The requisite at fault, when its header could be read (`None` for trailing data: the
    /// TLV read before it is in [`DecodeError::trailing`]).
    pub tag: Option<Tag>,
    /// For [`DecodeErrorKind::TrailingData`] from [`decode_document`]: what was read before the
    /// trailing bytes and what they look like (`None` otherwise).
    pub trailing: Option<Trailing>,
}

/// What [`decode_document`] saw when a buffer held more than one TLV: enough to tell a caller
/// that handed over a bare requisite list (the requisites of a document without the form
/// envelope, as fiscal-drive readers return them) what to do instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trailing {
    /// The tag of the complete TLV at the start of the buffer.
    pub first_tag: Tag,
    /// Its value length in bytes.
    pub first_len: usize,
    /// Whether that tag is a document form code ([`Tag::is_document_form`]).
    pub first_is_form: bool,
    /// How many more complete TLVs follow, when the trailing bytes are a well-formed TLV
    /// sequence to the end (`None` when they are not).
    pub more_tlvs: Option<usize>,
}

impl Trailing {
    /// Whether the buffer is, unambiguously, a bare requisite list: it starts with a requisite
    /// (not a form code) and parses as a TLV sequence to the end.
    pub fn looks_like_bare_list(&self) -> bool {
        !self.first_is_form && self.more_tlvs.is_some()
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TLV decode error at byte {}", self.offset)?;
        if let Some(tag) = self.tag {
            write!(f, " (tag {tag})")?;
        }
        match &self.kind {
            DecodeErrorKind::TruncatedHeader { available } => {
                write!(f, ": truncated header, {available} of 4 bytes left")
            }
            DecodeErrorKind::LengthPastEnd {
                declared,
                available,
            } => write!(
                f,
                ": length {declared} runs past the end ({available} bytes left)"
            ),
            DecodeErrorKind::WrongWidth { expected, actual } => {
                write!(f, ": value must be {expected} bytes, found {actual}")
            }
            DecodeErrorKind::VlnTooWide { max, actual } => {
                write!(f, ": VLN of {actual} bytes, at most {max} allowed")
            }
            DecodeErrorKind::BadFvln { actual } => {
                write!(f, ": FVLN must be 1..=8 bytes, found {actual}")
            }
            DecodeErrorKind::TooDeep => write!(f, ": nesting deeper than {MAX_DEPTH}"),
            DecodeErrorKind::TrailingData { len } => {
                write!(f, ": {len} trailing bytes")?;
                if let Some(t) = &self.trailing {
                    let name = t
                        .first_tag
                        .name_ru()
                        .map(|n| format!(" ({n})"))
                        .unwrap_or_default();
                    write!(
                        f,
                        ": a complete TLV with tag {}{name} of {} bytes ends at byte {}",
                        t.first_tag, t.first_len, self.offset
                    )?;
                    match t.more_tlvs {
                        Some(n) if t.looks_like_bare_list() => write!(
                            f,
                            ", then {n} more TLV(s) follow to the end: this looks like a bare \
                             requisite list, not a document envelope; decode it as a list \
                             (bare = true)"
                        )?,
                        Some(n) => write!(
                            f,
                            ", then {n} more TLV(s) follow: more than one document in one buffer?"
                        )?,
                        None => write!(f, ", and the bytes after it are not a TLV sequence")?,
                    }
                }
                Ok(())
            }
            DecodeErrorKind::Tainted => write!(f, ": reader already failed"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// A cursor over TLV bytes that remembers absolute offsets for error messages.
#[derive(Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
    depth: usize,
    tainted: bool,
}

impl<'a> Reader<'a> {
    /// A reader over a whole buffer (offsets count from its start).
    pub fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader {
            buf,
            pos: 0,
            base: 0,
            depth: 0,
            tainted: false,
        }
    }

    /// Whether every byte has been consumed.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// Bytes not yet consumed.
    pub fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// Absolute offset of the next byte.
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    fn fail(&mut self, kind: DecodeErrorKind, offset: usize, tag: Option<Tag>) -> DecodeError {
        self.tainted = true;
        DecodeError {
            kind,
            offset,
            tag,
            trailing: None,
        }
    }

    /// Reads one TLV (recursing into STLVs of known tags).
    pub fn read_tlv(&mut self) -> Result<Tlv, DecodeError> {
        let at = self.offset();
        if self.tainted {
            return Err(DecodeError {
                kind: DecodeErrorKind::Tainted,
                offset: at,
                tag: None,
                trailing: None,
            });
        }
        let rest = &self.buf[self.pos.min(self.buf.len())..];
        let (hdr, after) = match rest.split_first_chunk::<HEADER_LEN>() {
            Some(split) => split,
            None => {
                let available = rest.len();
                return Err(self.fail(DecodeErrorKind::TruncatedHeader { available }, at, None));
            }
        };
        let tag = Tag(u16::from_le_bytes([hdr[0], hdr[1]]));
        let declared = usize::from(u16::from_le_bytes([hdr[2], hdr[3]]));
        if declared > after.len() {
            let kind = DecodeErrorKind::LengthPastEnd {
                declared,
                available: after.len(),
            };
            return Err(self.fail(kind, at, Some(tag)));
        }
        let body = &after[..declared];
        let value = match self.read_value(tag, body, at) {
            Ok(v) => v,
            Err(e) => {
                self.tainted = true;
                return Err(e);
            }
        };
        self.pos += HEADER_LEN + declared;
        Ok(Tlv { tag, value })
    }

    fn read_value(&mut self, tag: Tag, body: &[u8], at: usize) -> Result<Value, DecodeError> {
        let err = |kind| DecodeError {
            kind,
            offset: at,
            tag: Some(tag),
            trailing: None,
        };
        let fixed = |n: usize| {
            if body.len() == n {
                Ok(())
            } else {
                Err(err(DecodeErrorKind::WrongWidth {
                    expected: n,
                    actual: body.len(),
                }))
            }
        };
        let Some(info) = tag.info() else {
            return Ok(Value::Bytes(body.to_vec()));
        };
        Ok(match info.ty {
            ValueType::Byte => {
                fixed(1)?;
                Value::Byte(body[0])
            }
            ValueType::U16 => {
                fixed(2)?;
                Value::U16(u16::from_le_bytes([body[0], body[1]]))
            }
            ValueType::U32 | ValueType::UnixTime => {
                fixed(4)?;
                let v = u32::from_le_bytes([body[0], body[1], body[2], body[3]]);
                if info.ty == ValueType::U32 {
                    Value::U32(v)
                } else {
                    Value::UnixTime(v)
                }
            }
            ValueType::Vln => {
                let max = usize::from(info.len.max()).min(8);
                if body.len() > max {
                    return Err(err(DecodeErrorKind::VlnTooWide {
                        max,
                        actual: body.len(),
                    }));
                }
                Value::Vln(le_uint(body))
            }
            ValueType::Fvln => {
                if body.is_empty() || body.len() > 8 {
                    return Err(err(DecodeErrorKind::BadFvln { actual: body.len() }));
                }
                Value::Fvln(Fvln {
                    scale: body[0],
                    mantissa: le_uint(&body[1..]),
                })
            }
            ValueType::Str => Value::Str(body.to_vec()),
            ValueType::Bytes => Value::Bytes(body.to_vec()),
            ValueType::Stlv => {
                if self.depth + 1 >= MAX_DEPTH {
                    return Err(err(DecodeErrorKind::TooDeep));
                }
                let mut sub = Reader {
                    buf: body,
                    pos: 0,
                    base: at + HEADER_LEN,
                    depth: self.depth + 1,
                    tainted: false,
                };
                let mut children = Vec::new();
                while !sub.is_empty() {
                    children.push(sub.read_tlv()?);
                }
                Value::Stlv(children)
            }
        })
    }

    /// Fails with [`DecodeErrorKind::TrailingData`] unless every byte was consumed.
    pub fn finish(mut self) -> Result<(), DecodeError> {
        if self.tainted {
            let at = self.offset();
            return Err(DecodeError {
                kind: DecodeErrorKind::Tainted,
                offset: at,
                tag: None,
                trailing: None,
            });
        }
        if self.is_empty() {
            Ok(())
        } else {
            let len = self.remaining();
            let at = self.offset();
            Err(self.fail(DecodeErrorKind::TrailingData { len }, at, None))
        }
    }
}

/// Little-endian unsigned integer of 0..=8 bytes.
fn le_uint(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .rev()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
}

/// Decodes a buffer that must hold exactly one TLV (a whole fiscal document), nothing after it.
///
/// When more bytes follow the first TLV, the [`DecodeErrorKind::TrailingData`] error says what
/// was read ([`DecodeError::trailing`]): typically a bare requisite list
/// (`1041 …`, `1040 …`, …) handed over where a document envelope (`3 …`) was expected; read
/// those with [`decode_bare`].
pub fn decode_document(bytes: &[u8]) -> Result<Tlv, DecodeError> {
    let mut r = Reader::new(bytes);
    let tlv = r.read_tlv()?;
    let end = r.offset();
    match r.finish() {
        Ok(()) => Ok(tlv),
        Err(mut e) => {
            if matches!(e.kind, DecodeErrorKind::TrailingData { .. }) {
                let more_tlvs = decode_all(&bytes[end..]).ok().map(|v| v.len());
                e.trailing = Some(Trailing {
                    first_tag: tlv.tag,
                    first_len: tlv.value.len(),
                    first_is_form: tlv.tag.is_document_form(),
                    more_tlvs,
                });
            }
            Err(e)
        }
    }
}

/// Decodes a bare requisite list: the requisites of a document without the form envelope, as
/// fiscal-drive and archive readers return them (`1041 …`, `1040 …`, `1012 …`). The buffer must
/// be a non-empty sequence of complete TLVs.
pub fn decode_bare(bytes: &[u8]) -> Result<Vec<Tlv>, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError {
            kind: DecodeErrorKind::TruncatedHeader { available: 0 },
            offset: 0,
            tag: None,
            trailing: None,
        });
    }
    decode_all(bytes)
}

/// Decodes a buffer that holds a sequence of TLVs (e.g. a document's value).
pub fn decode_all(bytes: &[u8]) -> Result<Vec<Tlv>, DecodeError> {
    let mut r = Reader::new(bytes);
    let mut out = Vec::new();
    while !r.is_empty() {
        out.push(r.read_tlv()?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_header_and_length_past_end_report_offsets() {
        let e = decode_document(&[0x23, 0x04, 0x05]).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::TruncatedHeader { available: 3 });
        assert_eq!(e.offset, 0);

        // 1059 { 1030 len 10 but only 2 bytes }
        let bytes = [0x23, 0x04, 0x06, 0x00, 0x06, 0x04, 0x0A, 0x00, 0x41, 0x42];
        let e = decode_document(&bytes).unwrap_err();
        assert_eq!(
            e.kind,
            DecodeErrorKind::LengthPastEnd {
                declared: 10,
                available: 2
            }
        );
        assert_eq!((e.offset, e.tag), (4, Some(Tag::ITEM_NAME)));
    }

    #[test]
    fn trailing_data_and_taint() {
        let e = decode_document(&[0x36, 0x04, 0x01, 0x00, 0x01, 0xFF]).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::TrailingData { len: 1 });
        assert_eq!(e.offset, 5);

        let mut r = Reader::new(&[0x36, 0x04, 0x02, 0x00, 0x01]);
        assert!(r.read_tlv().is_err());
        assert_eq!(r.read_tlv().unwrap_err().kind, DecodeErrorKind::Tainted);
    }

    #[test]
    fn lenient_widths_and_unknown_tags() {
        // VLN 0 as empty, and VLN with a leading (high) zero byte.
        assert_eq!(
            decode_document(&[0xFC, 0x03, 0, 0]).unwrap().value,
            Value::Vln(0)
        );
        let t = decode_document(&[0xFC, 0x03, 3, 0, 0x10, 0x27, 0x00]).unwrap();
        assert_eq!(t.value, Value::Vln(10_000));
        let e = decode_document(&[0xFC, 0x03, 7, 0, 1, 2, 3, 4, 5, 6, 7]).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::VlnTooWide { max: 6, actual: 7 });
        // Unknown tag 9999 kept raw.
        let t = decode_document(&[0x0F, 0x27, 2, 0, 0xAB, 0xCD]).unwrap();
        assert_eq!(t, Tlv::new(Tag(9999), Value::Bytes(vec![0xAB, 0xCD])));
    }

    #[test]
    fn depth_limit() {
        // 1223 nested in itself MAX_DEPTH+1 times.
        let mut bytes: Vec<u8> = Vec::new();
        for _ in 0..=MAX_DEPTH {
            let mut outer = vec![0xC7, 0x04];
            outer.extend_from_slice(&u16::try_from(bytes.len()).unwrap().to_le_bytes());
            outer.extend_from_slice(&bytes);
            bytes = outer;
        }
        let e = decode_document(&bytes).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::TooDeep);
    }
}
