//! Byte-exact re-encoding of a decoded tree.
//!
//! The generic codec ([`Tlv::encode`]) writes every value in one canonical form: VLN in minimal
//! width with zero as one byte `00`, FVLN mantissa in minimal width. A fiscal drive may write the
//! same values differently (zero sums as an empty value, a VLN with a high `00` byte, an FVLN
//! mantissa wider than needed), and decoding then re-encoding gives the same requisites but
//! not the same bytes, which breaks hashes and byte comparisons with the drive's archive.
//!
//! An [`Exact`] keeps, next to the decoded tree, the value bytes of every scalar requisite as
//! it was read. [`Exact::to_bytes`] writes those bytes back for every requisite whose tag and
//! value are still the ones read, and the canonical form for everything that was changed,
//! added or moved. So an untouched tree gives back the input byte for byte, and an edited one
//! is always a correct encoding of the edited values.
//!
//! ```
//! use fiskal_ffd::tlv::{Exact, Value};
//! // Form 3 { 1031 (cash) = empty value, 1020 (total) = 0x2710 in 3 bytes }.
//! let drive = [0x03, 0x00, 0x0B, 0x00, 0x07, 0x04, 0x00, 0x00, 0xFC, 0x03, 0x03, 0x00, 0x10, 0x27, 0x00];
//! let mut doc = Exact::decode_document(&drive).unwrap();
//! assert_eq!(doc.to_bytes().unwrap(), drive);            // byte for byte
//! assert_ne!(doc.tlv.to_bytes().unwrap(), drive);        // the canonical form differs
//! if let Value::Stlv(children) = &mut doc.tlv.value {
//!     children[1].value = Value::Vln(20_000);            // an edit: written canonically
//! }
//! let edited = doc.to_bytes().unwrap();
//! assert_eq!(edited[4..], [0x07, 0x04, 0x00, 0x00, 0xFC, 0x03, 0x02, 0x00, 0x20, 0x4E]);
//! ```

use super::reader::{decode_bare, decode_document, DecodeError};
use super::{Tlv, TooLong, Value, HEADER_LEN};
use crate::tag::Tag;

/// A decoded requisite (usually a whole document) together with the bytes it was read from.
///
/// `tlv` is the ordinary decoded tree and may be edited freely; [`Exact::to_bytes`] reuses the
/// bytes read only where tag and value still match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exact {
    /// The decoded tree (the same as [`decode_document`] returns).
    pub tlv: Tlv,
    shape: Shape,
}

/// What was read at one position of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    /// A scalar requisite: its tag, the value it decoded to, and its value bytes as read.
    Leaf { tag: Tag, read: Value, raw: Vec<u8> },
    /// An STLV: the shapes of its children, in order.
    Node { tag: Tag, children: Vec<Shape> },
}

impl Exact {
    /// Decodes one whole document (the same rules and errors as [`decode_document`]) and keeps
    /// the bytes read.
    pub fn decode_document(bytes: &[u8]) -> Result<Exact, DecodeError> {
        let tlv = decode_document(bytes)?;
        let shape = shape_of(&tlv, bytes);
        Ok(Exact { tlv, shape })
    }

    /// Decodes a bare requisite list (the same rules and errors as [`decode_bare`]) and keeps
    /// the bytes read, one [`Exact`] per top-level requisite.
    pub fn decode_bare(bytes: &[u8]) -> Result<Vec<Exact>, DecodeError> {
        let list = decode_bare(bytes)?;
        let mut out = Vec::with_capacity(list.len());
        let mut pos = 0;
        for tlv in list {
            let len = tlv.encoded_len_as_read(&bytes[pos..]);
            let shape = shape_of(&tlv, &bytes[pos..pos + len]);
            pos += len;
            out.push(Exact { tlv, shape });
        }
        Ok(out)
    }

    /// Encodes the tree, writing the bytes read for every requisite whose tag and value are
    /// unchanged, and the canonical form ([`Tlv::encode`]) for the rest.
    pub fn to_bytes(&self) -> Result<Vec<u8>, TooLong> {
        let mut out = Vec::new();
        encode(&self.tlv, Some(&self.shape), &mut out)?;
        Ok(out)
    }

    /// Whether the bytes read were already in the canonical form of [`Tlv::encode`] (then
    /// [`Exact::to_bytes`] and `self.tlv.to_bytes()` agree).
    pub fn is_canonical(&self) -> bool {
        match (self.to_bytes(), self.tlv.to_bytes()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        }
    }
}

impl Tlv {
    /// Length of the TLV at the start of `bytes` as its header says (header included); used
    /// only on bytes that were just decoded successfully.
    fn encoded_len_as_read(&self, bytes: &[u8]) -> usize {
        let declared = usize::from(u16::from_le_bytes([bytes[2], bytes[3]]));
        HEADER_LEN + declared
    }
}

/// Builds the shape of `tlv` from `bytes`, which hold exactly its encoding as read (they were
/// decoded into `tlv` without error, so the framing is known to be sound).
fn shape_of(tlv: &Tlv, bytes: &[u8]) -> Shape {
    let body = &bytes[HEADER_LEN..];
    match &tlv.value {
        Value::Stlv(children) => {
            let mut shapes = Vec::with_capacity(children.len());
            let mut pos = 0;
            for c in children {
                let len = c.encoded_len_as_read(&body[pos..]);
                shapes.push(shape_of(c, &body[pos..pos + len]));
                pos += len;
            }
            Shape::Node {
                tag: tlv.tag,
                children: shapes,
            }
        }
        v => Shape::Leaf {
            tag: tlv.tag,
            read: v.clone(),
            raw: body.to_vec(),
        },
    }
}

fn encode(t: &Tlv, shape: Option<&Shape>, out: &mut Vec<u8>) -> Result<(), TooLong> {
    match (&t.value, shape) {
        (
            Value::Stlv(children),
            Some(Shape::Node {
                tag,
                children: shapes,
            }),
        ) if *tag == t.tag => {
            out.extend_from_slice(&t.tag.0.to_le_bytes());
            let len_at = out.len();
            out.extend_from_slice(&[0, 0]);
            for (i, c) in children.iter().enumerate() {
                encode(c, shapes.get(i), out)?;
            }
            let len = out.len() - len_at - 2;
            let len16 = u16::try_from(len).map_err(|_| TooLong { tag: t.tag, len })?;
            out[len_at..len_at + 2].copy_from_slice(&len16.to_le_bytes());
            Ok(())
        }
        (v, Some(Shape::Leaf { tag, read, raw })) if *tag == t.tag && v == read => {
            out.extend_from_slice(&t.tag.0.to_le_bytes());
            // `raw` was read through a 2-byte length, so it fits one.
            let len16 = u16::try_from(raw.len()).map_err(|_| TooLong {
                tag: t.tag,
                len: raw.len(),
            })?;
            out.extend_from_slice(&len16.to_le_bytes());
            out.extend_from_slice(raw);
            Ok(())
        }
        _ => t.encode(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlv::Fvln;

    /// A drive's way of writing: empty zero sum, 3-byte VLN with a high zero, FVLN of scale 4
    /// with a 3-byte mantissa where 2 would do, nested in an item.
    fn drive_bytes() -> Vec<u8> {
        let mut item = Vec::new();
        item.extend_from_slice(&[0x07, 0x04, 0x00, 0x00]); // 1031 empty
        item.extend_from_slice(&[0x37, 0x04, 0x03, 0x00, 0x10, 0x27, 0x00]); // 1079 = 10000, 3 bytes
        item.extend_from_slice(&[0xFF, 0x03, 0x04, 0x00, 0x04, 0x10, 0x27, 0x00]); // 1023 = 1.0000
        let mut doc = vec![0x23, 0x04];
        doc.extend_from_slice(&u16::try_from(item.len()).unwrap().to_le_bytes());
        doc.extend_from_slice(&item);
        let mut out = vec![0x03, 0x00];
        out.extend_from_slice(&u16::try_from(doc.len()).unwrap().to_le_bytes());
        out.extend_from_slice(&doc);
        out
    }

    #[test]
    fn untouched_tree_gives_back_the_input_and_canonical_differs() {
        let bytes = drive_bytes();
        let e = Exact::decode_document(&bytes).unwrap();
        assert_eq!(e.to_bytes().unwrap(), bytes);
        assert!(!e.is_canonical());
        let canonical = e.tlv.to_bytes().unwrap();
        assert_ne!(canonical, bytes);
        // The canonical form decodes to the same tree.
        assert_eq!(decode_document(&canonical).unwrap(), e.tlv);
        // The scale read (4) is kept in the tree.
        let q = &e.tlv.children()[0].children()[2];
        assert_eq!(
            q.value,
            Value::Fvln(Fvln {
                scale: 4,
                mantissa: 10_000
            })
        );
    }

    #[test]
    fn edits_are_written_canonically_and_the_rest_stays_as_read() {
        let bytes = drive_bytes();
        let mut e = Exact::decode_document(&bytes).unwrap();
        let Value::Stlv(doc) = &mut e.tlv.value else {
            panic!("stlv")
        };
        let Value::Stlv(item) = &mut doc[0].value else {
            panic!("stlv")
        };
        item[1].value = Value::Vln(20_000);
        let out = e.to_bytes().unwrap();
        // 1031 still empty, 1079 now 2 bytes (canonical), 1023 still as read.
        let expect_item: Vec<u8> = [
            &[0x07, 0x04, 0x00, 0x00][..],
            &[0x37, 0x04, 0x02, 0x00, 0x20, 0x4E],
            &[0xFF, 0x03, 0x04, 0x00, 0x04, 0x10, 0x27, 0x00],
        ]
        .concat();
        assert_eq!(&out[8..], &expect_item[..]);
        assert_eq!(out.len(), bytes.len() - 1);
        assert_eq!(decode_document(&out).unwrap(), e.tlv);
        // A removed requisite shifts the rest: they are still correct (values compared).
        let Value::Stlv(doc) = &mut e.tlv.value else {
            panic!("stlv")
        };
        let Value::Stlv(item) = &mut doc[0].value else {
            panic!("stlv")
        };
        item.remove(0);
        let out = e.to_bytes().unwrap();
        assert_eq!(decode_document(&out).unwrap(), e.tlv);
    }

    #[test]
    fn bare_lists_round_trip_exactly() {
        // 1041 (16 bytes) then 1031 empty then 1040 = 7.
        let mut bytes = vec![0x11, 0x04, 0x10, 0x00];
        bytes.extend_from_slice(b"9999078900012345");
        bytes.extend_from_slice(&[0x07, 0x04, 0x00, 0x00]);
        bytes.extend_from_slice(&[0x10, 0x04, 0x04, 0x00, 0x07, 0x00, 0x00, 0x00]);
        let list = Exact::decode_bare(&bytes).unwrap();
        assert_eq!(list.len(), 3);
        let again: Vec<u8> = list.iter().flat_map(|e| e.to_bytes().unwrap()).collect();
        assert_eq!(again, bytes);
    }
}
