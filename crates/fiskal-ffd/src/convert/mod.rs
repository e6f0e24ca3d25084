//! Receipt ⇄ TLV document (form 3 / form 31).
//!
//! [`to_tlv`] emits the requisites in one fixed, documented order (order does not matter to
//! decoders, but a stable order makes bytes and hashes reproducible). It fills in what the model
//! leaves to be computed: item VAT sums (1200) and receipt VAT totals (1102–1107), by
//! [`crate::enums::VatRate::vat_of`] (half-up per item, then summed per rate).
//!
//! [`from_tlv`] reads any order, keeps requisites it does not model in `other_tags`, trims the
//! padding of fixed-length strings, and fails with [`Error::Document`] only when a mandatory
//! requisite (1054, 1020; per item 1079, 1043, 1199, 1214, 1212) is missing or of the wrong kind.
//! It reads forms 3 and 31 only: the model has no other document. Every other form (reports 1,
//! 11, 2, 21, 5, 6, confirmation 7, БСО 4 / 41) is read into the generic tree and the readable
//! dump ([`crate::dump`]).
//!
//! # Canonical choices of the encoder
//!
//! [`to_tlv`] writes a receipt in one form; a document read from a fiscal drive may use other,
//! equally valid forms, so `to_tlv(from_tlv(doc))` gives the same requisites but not always the
//! same bytes. For the drive's exact bytes keep the decoded tree ([`crate::tlv::Exact`]), not
//! the model. The choices:
//! * **Order**: the fixed order of [`to_tlv`] (document header, register data, operation,
//!   cashier, …, items, totals, payments), not the order read.
//! * **VLN** (money): minimal width; **zero is one byte `00`** (a drive may write an empty value).
//!   Every payment kind (1031, 1081, 1215, 1216, 1217) is written, zero or not.
//! * **FVLN** (quantity 1023): the smallest scale that holds the value (`1.0000` read with scale
//!   4 is written as `[0, 1]`; `0.347` as `[3, 347]`), mantissa in minimal width.
//! * **Fixed-length strings** (ИНН, РН ККТ, номер ФН …): right-padded with spaces.
//! * **Computed requisites**: 1200 per item and 1102–1107 per receipt are computed when the
//!   model does not carry them; unknown requisites are written back raw where they were read
//!   (`other_tags` at the end of their level).
//!
//! # Layout
//!
//! Every requisite the model carries is described once, per level, in `fields/` (the document
//! and its STLVs in `fields/mod.rs`, the item 1059 and its STLVs in `fields/item.rs`): tag, JSON
//! path, when it applies, how the model holds it. `encode.rs` walks those tables in order to
//! write, `decode.rs` looks read tags up in them, and [`is_modelled_receipt_tag`] /
//! [`is_modelled_item_tag`] are their tag lists. A new requisite of the model is one table
//! entry (plus, when computed or nested, its pair of functions in `encode.rs` / `decode.rs`).

mod decode;
mod encode;
mod fields;

use crate::enums::FfdVersion;
use crate::error::Error;
use crate::model::{Item, Receipt};
use crate::path::{at, Path};
use crate::tag::Tag;
use crate::tlv::{Tlv, Value};
use crate::violation::{Violation, ViolationKind};

fn invalid(path: &Path<'_>, kind: ViolationKind) -> Error {
    Error::Invalid(vec![Violation::new(path.to_string(), kind)])
}

/// Builds the TLV document of a receipt: one [`Tlv`] whose tag is the form code (3 or 31).
///
/// Does not validate: call [`crate::validate()`] first. Values the wire cannot carry (text CP866
/// cannot encode, amounts with three decimals …) still fail here, as [`Error::Invalid`] naming the
/// field, never by panicking.
pub fn to_tlv(r: &Receipt) -> Result<Tlv, Error> {
    Ok(Tlv {
        tag: r.form(),
        value: Value::Stlv(encode::document(r)?),
    })
}

/// The encoded size of [`to_tlv`]'s document, bytes (`to_tlv(r)?.encoded_len()`), with the same
/// errors, computed without building the tree (validation's size rule when no document is
/// wanted).
pub(crate) fn encoded_len(r: &Receipt) -> Result<usize, Error> {
    Ok(crate::tlv::HEADER_LEN + encode::document_len(r)?)
}

/// An upper bound of [`encoded_len`], computed without reading any text for CP866: a text
/// counts its UTF-8 bytes (at least one per character, and CP866 has one byte per character),
/// everything else exactly as [`encoded_len`] counts it. When [`encoded_len`] is `Ok(n)`, this
/// is `Ok(m)` with `m >= n`; it fails for every other reason [`encoded_len`] fails, but finds no
/// CP866 problem. The size rule uses it to skip the exact count of a document that fits anyway.
pub(crate) fn encoded_len_bound(r: &Receipt) -> Result<usize, Error> {
    Ok(crate::tlv::HEADER_LEN + encode::document_len_bound(r)?)
}

/// [`encoded_len_bound`] with plain items counted at their largest size without being read
/// (`encode::document_len_quick`): an upper bound of [`encoded_len`] too, looser but cheap.
/// `None` when the items, were they all plain, would not fit under `limit`.
pub(crate) fn encoded_len_quick(r: &Receipt, limit: usize) -> Option<Result<usize, Error>> {
    encode::document_len_quick(r, limit.checked_sub(crate::tlv::HEADER_LEN)?)
        .map(|n| n.map(|n| crate::tlv::HEADER_LEN + n))
}

/// The 1059 «предмет расчета» TLV of one item, exactly as [`to_tlv`] writes it inside the
/// document (so `item_to_tlv(..).encoded_len()` is the item's share of the document size).
/// `index` only names the item in errors.
pub fn item_to_tlv(item: &Item, ffd: FfdVersion, index: usize) -> Result<Tlv, Error> {
    let items = at("items");
    let (children, _, _) = encode::item(&items.i(index), ffd, item)?;
    Ok(Tlv {
        tag: Tag::ITEM,
        value: Value::Stlv(children),
    })
}

/// Reads a receipt back from its TLV document (form 3 or 31).
pub fn from_tlv(doc: &Tlv) -> Result<Receipt, Error> {
    decode::document(doc)
}

/// Whether a document-level tag is always represented by a field of [`Receipt`] (so it must not
/// also appear in `other_tags`). Tags the reader keeps raw in some cases (1192 repeated in 1.2,
/// 1227/1228/1256 outside their version, 1173/1174 outside a correction) are not listed.
pub fn is_modelled_receipt_tag(tag: Tag) -> bool {
    fields::RECEIPT
        .iter()
        .any(|f| f.tag == tag && f.when.modelled())
}

/// Whether an item-level tag is represented by a field of [`Item`].
pub fn is_modelled_item_tag(tag: Tag) -> bool {
    fields::ITEM
        .iter()
        .any(|f| f.tag == tag && f.when.modelled())
}
