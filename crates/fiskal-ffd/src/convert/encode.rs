//! Model → TLV: walks the tables of [`super::fields`] in order; the computed, derived and nested
//! requisites are written by the functions below.

use super::fields::{self, At, Field, Group, Kind};
use crate::cp866;
use crate::enums::{FfdVersion, Measure, PaymentMethod, PaymentSubject, VatRate};
use crate::error::Error;
use crate::model::*;
use crate::money::Money;
use crate::path::{Path, ROOT};
use crate::tag::{Len, Tag};
use crate::tlv::{Tlv, Value, HEADER_LEN};
use crate::vat_totals::{written, RateTotals, Written};
use crate::violation::ViolationKind;

use super::invalid;
use std::borrow::Cow;

/// What the encoder makes: the tree, or only the size the tree would encode to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The [`Tlv`] tree of the document ([`document`], [`item`]).
    Tree,
    /// Only its exact encoded size ([`document_len`], for the size rule of validation): the
    /// same walk over the same tables and the same checks, without building a value.
    Size,
    /// An upper bound of that size ([`document_len_bound`]): the same walk, but a text counts
    /// its UTF-8 bytes (never fewer than its CP866 bytes: one per character) instead of being
    /// read for CP866, so texts are neither scanned nor checked here.
    Bound,
}

/// The requisites of one level under construction, with what the whole document needs.
pub(super) struct Enc {
    mode: Mode,
    /// [`Mode::Bound`] only: a plain item ([`plain_item`]) is counted at its largest size
    /// ([`plain_item_max`]) without reading its fields ([`document_len_quick`]).
    quick: bool,
    /// The requisites of the current level ([`Mode::Tree`]; stays empty in [`Mode::Size`]).
    out: Vec<Tlv>,
    /// The encoded size of the current level's requisites, headers included ([`Mode::Size`]).
    size: usize,
    ffd: FfdVersion,
    /// VAT per rate of the items written so far, for the receipt totals 1102–1107.
    rates: RateTotals,
}

impl Enc {
    fn new(ffd: FfdVersion, mode: Mode) -> Enc {
        Enc {
            mode,
            quick: false,
            out: Vec::new(),
            size: 0,
            ffd,
            rates: RateTotals::default(),
        }
    }

    // Inlined into every caller, where the kind of `value` is known: a count adds a constant
    // (or a VLN width) and makes no `Value` at all; only the tree takes the out-of-line push.
    #[inline(always)]
    fn push(&mut self, tag: Tag, value: Value) {
        match self.mode {
            Mode::Tree => self.push_tlv(tag, value),
            // What `Tlv::encoded_len` counts for this requisite.
            Mode::Size | Mode::Bound => self.size += HEADER_LEN + value.len(),
        }
    }

    #[inline(never)]
    fn push_tlv(&mut self, tag: Tag, value: Value) {
        self.out.push(Tlv { tag, value });
    }

    /// Writes an STLV `tag` whose children `write` puts on a new level (`capacity`: how many
    /// are expected); when `skip_empty`, an STLV without children is left out.
    fn nested<T>(
        &mut self,
        tag: Tag,
        skip_empty: bool,
        capacity: usize,
        write: impl FnOnce(&mut Enc) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let inner = match self.mode {
            Mode::Tree => Vec::with_capacity(capacity),
            Mode::Size | Mode::Bound => Vec::new(),
        };
        let outer = std::mem::replace(&mut self.out, inner);
        let outer_size = std::mem::replace(&mut self.size, 0);
        let res = write(self);
        let inner = std::mem::replace(&mut self.out, outer);
        let inner_size = std::mem::replace(&mut self.size, outer_size);
        let value = res?;
        match self.mode {
            Mode::Tree => {
                if !(skip_empty && inner.is_empty()) {
                    self.out.push(Tlv {
                        tag,
                        value: Value::Stlv(inner),
                    });
                }
            }
            // Every child adds at least its 4-byte header: no size means no child.
            Mode::Size | Mode::Bound => {
                if !(skip_empty && inner_size == 0) {
                    self.size += HEADER_LEN + inner_size;
                }
            }
        }
        Ok(value)
    }

    fn text(&mut self, path: &Path<'_>, tag: Tag, s: &str) -> Result<(), Error> {
        let not_cp866 = |bad: Vec<cp866::Unencodable>| {
            invalid(
                path,
                ViolationKind::NotCp866 {
                    chars: bad.iter().map(|u| u.ch).collect(),
                },
            )
        };
        let fixed = match tag.info().map(|i| i.len) {
            Some(Len::Fixed(n)) => usize::from(n),
            _ => 0,
        };
        match self.mode {
            Mode::Tree => {
                let mut bytes = cp866::encode(s).map_err(not_cp866)?;
                if bytes.len() < fixed {
                    bytes.resize(fixed, b' ');
                }
                self.push(tag, Value::Str(bytes));
            }
            Mode::Size => {
                // One byte per character, padded to a fixed length as the tree is.
                let len = cp866::encoded_len(s).ok_or_else(|| not_cp866(cp866::unencodable(s)))?;
                self.size += HEADER_LEN + len.max(fixed);
            }
            // UTF-8 bytes ≥ characters = CP866 bytes of an encodable text.
            Mode::Bound => self.size += HEADER_LEN + s.len().max(fixed),
        }
        Ok(())
    }

    fn money(&mut self, path: &Path<'_>, tag: Tag, m: &Money) -> Result<u64, Error> {
        let k = kopecks(path, m)?;
        self.push(tag, Value::Vln(k));
        Ok(k)
    }

    fn raw(&mut self, path: &Path<'_>, raw: &[RawTag]) -> Result<(), Error> {
        for (i, t) in raw.iter().enumerate() {
            let bytes = hex::decode(&t.hex).map_err(|_| {
                invalid(
                    &path.f("other_tags").i(i).f("hex"),
                    ViolationKind::HexFormat,
                )
            })?;
            self.push(Tag(t.tag), Value::Bytes(bytes));
        }
        Ok(())
    }

    /// Writes the requisites of a level, in table order.
    fn fields<M>(&mut self, fields: &[Field<M>], base: &Path<'_>, m: &M) -> Result<(), Error> {
        for f in fields {
            if f.when.writes(self.ffd) {
                self.field(f, base, m)?;
            }
        }
        Ok(())
    }

    fn field<M>(&mut self, f: &Field<M>, base: &Path<'_>, m: &M) -> Result<(), Error> {
        let path = base.f(f.path);
        match f.kind {
            Kind::Text(get, _) => {
                if let Some(s) = get(m) {
                    self.text(&path, f.tag, s)?;
                }
            }
            Kind::Texts(get, _) => {
                for (i, s) in get(m).iter().enumerate() {
                    self.text(&path.i(i), f.tag, s)?;
                }
            }
            Kind::Byte(get, _) => {
                if let Some(v) = get(m) {
                    self.push(f.tag, Value::Byte(v));
                }
            }
            Kind::U32(get, _) => {
                if let Some(v) = get(m) {
                    self.push(f.tag, Value::U32(v));
                }
            }
            Kind::Time(get, _) => {
                if let Some(v) = get(m) {
                    self.push(f.tag, Value::UnixTime(v.unix()));
                }
            }
            Kind::Money(get, _) => {
                if let Some(v) = get(m) {
                    self.money(&path, f.tag, v)?;
                }
            }
            Kind::Vln(get, _) => {
                if let Some(v) = get(m) {
                    self.push(f.tag, Value::Vln(v));
                }
            }
            Kind::Hex(get, _) => {
                if let Some(h) = get(m) {
                    let bytes =
                        hex::decode(h).map_err(|_| invalid(&path, ViolationKind::HexFormat))?;
                    self.push(f.tag, Value::Bytes(bytes));
                }
            }
            // Given totals are written as given (validation checked them); a rate the items
            // use but the caller did not total is computed, so a partial `vat_totals` never
            // drops a total.
            Kind::VatTotal(rate, get, _) => match written(get(m), &self.rates, rate) {
                Some(Written::Given(v)) => {
                    self.money(&path, f.tag, &v)?;
                }
                Some(Written::Computed(k)) => self.push(f.tag, Value::Vln(k)),
                None => {}
            },
            Kind::Custom(enc, _) => {
                let at = At {
                    tag: f.tag,
                    base,
                    path: &path,
                };
                enc(self, &at, m)?;
            }
        }
        Ok(())
    }

    /// Writes an STLV from a group's table (nothing when `m` is `None`, or when empty and the
    /// group leaves empty ones out).
    fn group<M>(&mut self, g: &Group<M>, at: &At<'_>, m: Option<&M>) -> Result<(), Error> {
        let Some(m) = m else { return Ok(()) };
        self.nested(at.tag, g.skip_empty, 0, |e| e.fields(g.fields, at.path, m))
    }
}

pub(super) fn kopecks(path: &Path<'_>, m: &Money) -> Result<u64, Error> {
    m.kopecks()
        .map_err(|p| invalid(path, crate::violation::money_violation(p)))
}

/// The document's requisites (see [`super::to_tlv`]).
pub(super) fn document(r: &Receipt) -> Result<Vec<Tlv>, Error> {
    let mut e = Enc::new(r.ffd, Mode::Tree);
    e.out.reserve(32 + r.items.len());
    e.fields(fields::RECEIPT, &ROOT, r)?;
    e.raw(&ROOT, &r.other_tags)?;
    Ok(e.out)
}

/// The encoded size of the document's requisites, what [`document`]'s children encode to (the
/// same walk and the same errors, no tree built).
pub(super) fn document_len(r: &Receipt) -> Result<usize, Error> {
    let mut e = Enc::new(r.ffd, Mode::Size);
    e.fields(fields::RECEIPT, &ROOT, r)?;
    e.raw(&ROOT, &r.other_tags)?;
    Ok(e.size)
}

/// An upper bound of [`document_len`] (never below it when that is `Ok`): the same walk in
/// [`Mode::Bound`], which counts a text's UTF-8 bytes rather than reading it for CP866. Its
/// errors are [`document_len`]'s except that it finds no CP866 problem.
pub(super) fn document_len_bound(r: &Receipt) -> Result<usize, Error> {
    let mut e = Enc::new(r.ffd, Mode::Bound);
    e.fields(fields::RECEIPT, &ROOT, r)?;
    e.raw(&ROOT, &r.other_tags)?;
    Ok(e.size)
}

/// [`document_len_bound`], with every plain item ([`plain_item`]) counted at the largest size a
/// plain item can have ([`plain_item_max`]) instead of being read: still an upper bound of
/// [`document_len`], at a few instructions per such item. `None` when the items, were they all
/// plain, would not fit under `limit` (then the caller reads every item: [`document_len_bound`]).
pub(super) fn document_len_quick(r: &Receipt, limit: usize) -> Option<Result<usize, Error>> {
    // Only a receipt that would fit with every item plain: a larger one is read whole (most of
    // its items are plain, and they alone would not fit), and costs nothing more here.
    let each = HEADER_LEN + plain_item_max(r.ffd)?;
    if r.items.len().checked_mul(each)? > limit {
        return None;
    }
    let mut e = Enc::new(r.ffd, Mode::Bound);
    e.quick = true;
    Some((|| {
        e.fields(fields::RECEIPT, &ROOT, r)?;
        e.raw(&ROOT, &r.other_tags)?;
        Ok(e.size)
    })())
}

/// An item whose encoded size is at most [`plain_item_max`]: no mark, product code, fraction,
/// agent or supplier, sectoral or raw requisites (the parts whose size has no fixed limit, or
/// that derive requisites from a scan), and every text within its tag's limit (validation
/// requires it too): in UTF-8 bytes, else in characters, which are its CP866 bytes (a text
/// CP866 cannot encode fails the exact count anyway). The pattern names every
/// field of [`Item`], so a new field does not compile until it is decided here.
fn plain_item(it: &Item) -> bool {
    let Item {
        name,
        price: _,
        quantity: _,
        sum: _,
        measure: _,
        unit,
        vat: _,
        vat_sum: _,
        unit_vat: _,
        payment_method: _,
        payment_subject: _,
        mark,
        product_code,
        fraction,
        agent,
        excise: _,
        country_code,
        declaration_number,
        sectoral_props,
        user_data,
        other_tags,
    } = it;
    let within = |s: &Option<String>, tag: Tag| match (s, tag.info()) {
        (None, _) => true,
        (Some(s), Some(info)) => {
            let max = usize::from(info.len.max());
            s.len() <= max || s.chars().count() <= max
        }
        (Some(_), None) => false,
    };
    mark.is_none()
        && product_code.is_none()
        && fraction.is_none()
        && agent.is_none()
        && sectoral_props.is_empty()
        && other_tags.is_empty()
        && within(name, Tag::ITEM_NAME)
        && within(unit, Tag::ITEM_UNIT)
        && within(country_code, Tag::COUNTRY_CODE)
        && within(declaration_number, Tag::DECLARATION_NUMBER)
        && within(user_data, Tag::ITEM_EXTRA)
}

/// The largest encoded size of a plain item's requisites ([`plain_item`]) in `ffd`: the exact
/// size ([`Mode::Size`]) of the plain item with every field present and at its largest (texts
/// of their tags' full length, the largest amount, VAT given, the widest quantity). Each
/// requisite of a plain item is written or not by its own field alone, and its size grows with
/// its value, so no plain item encodes to more (a property test holds the two to each other).
/// Computed once per version.
pub(super) fn plain_item_max(ffd: FfdVersion) -> Option<usize> {
    static MAX: [std::sync::OnceLock<Option<usize>>; 2] =
        [std::sync::OnceLock::new(), std::sync::OnceLock::new()];
    let slot = match ffd {
        FfdVersion::V105 => 0,
        FfdVersion::V12 => 1,
    };
    *MAX[slot].get_or_init(|| {
        let full = |tag: Tag| tag.info().map(|i| "W".repeat(usize::from(i.len.max())));
        let most = Money::from_kopecks(crate::money::MAX_KOPECKS);
        let widest = crate::money::Quantity::from_fvln(crate::tlv::Fvln {
            scale: 0,
            mantissa: (1 << 56) - 1,
        })?;
        let it = Item {
            name: full(Tag::ITEM_NAME),
            price: most,
            quantity: widest,
            sum: most,
            measure: Some(Measure(0)),
            unit: full(Tag::ITEM_UNIT),
            vat: VatRate::VAT22,
            vat_sum: Some(most),
            unit_vat: Some(most),
            payment_method: PaymentMethod(1),
            payment_subject: PaymentSubject(1),
            mark: None,
            product_code: None,
            fraction: None,
            agent: None,
            excise: Some(most),
            country_code: full(Tag::COUNTRY_CODE),
            declaration_number: full(Tag::DECLARATION_NUMBER),
            sectoral_props: Vec::new(),
            user_data: full(Tag::ITEM_EXTRA),
            other_tags: Vec::new(),
        };
        debug_assert!(plain_item(&it));
        let mut e = Enc::new(ffd, Mode::Size);
        item_into(&mut e, &ROOT, &it).ok()?;
        Some(e.size)
    })
}

/// The requisites of one item 1059 on the current level of `e`; returns the item sum and its
/// VAT (kopecks).
fn item_into(e: &mut Enc, p: &Path<'_>, it: &Item) -> Result<(u64, Option<u64>), Error> {
    e.fields(fields::ITEM, p, it)?;
    e.raw(p, &it.other_tags)?;
    let sum = kopecks(&p.f("sum"), &it.sum)?;
    let vat = vat_of_item(p, it, sum)?;
    Ok((sum, vat))
}

/// One 1059 STLV; returns the children, the item sum and its VAT (kopecks).
pub(super) fn item(
    p: &Path<'_>,
    ffd: FfdVersion,
    it: &Item,
) -> Result<(Vec<Tlv>, u64, Option<u64>), Error> {
    let mut e = Enc::new(ffd, Mode::Tree);
    e.out.reserve(14);
    let (sum, vat) = item_into(&mut e, p, it)?;
    Ok((e.out, sum, vat))
}

/// The item's VAT: as given, else computed from its sum when the rate has a fraction.
fn vat_of_item(p: &Path<'_>, it: &Item, sum: u64) -> Result<Option<u64>, Error> {
    match &it.vat_sum {
        Some(m) => kopecks(&p.f("vat_sum"), m).map(Some),
        None => Ok(it.vat.fraction().and_then(|_| it.vat.vat_of(sum))),
    }
}

// ---------------------------------------------------------------------------------------------
// The computed, derived and nested requisites of the document

pub(super) fn ffd_version(e: &mut Enc, at: &At<'_>, r: &Receipt) -> Result<(), Error> {
    e.push(at.tag, Value::Byte(r.ffd.code()));
    Ok(())
}

pub(super) fn buyer_info(e: &mut Enc, at: &At<'_>, r: &Receipt) -> Result<(), Error> {
    e.group(&fields::BUYER_INFO, at, r.client.as_ref())
}

pub(super) fn correction_type(e: &mut Enc, at: &At<'_>, r: &Receipt) -> Result<(), Error> {
    if let Some(c) = &r.correction {
        e.push(at.tag, Value::Byte(c.correction_type.0));
    }
    Ok(())
}

pub(super) fn correction_basis(e: &mut Enc, at: &At<'_>, r: &Receipt) -> Result<(), Error> {
    let basis = r.correction.as_ref().map(|c| fields::Basis {
        description: c.description.clone(),
        date: Some(c.date),
        number: c.number.clone(),
    });
    e.group(&fields::CORRECTION_BASIS, at, basis.as_ref())
}

pub(super) fn items(e: &mut Enc, at: &At<'_>, r: &Receipt) -> Result<(), Error> {
    let quick = if e.quick && e.mode == Mode::Bound {
        plain_item_max(e.ffd)
    } else {
        None
    };
    for (i, it) in r.items.iter().enumerate() {
        if let Some(max) = quick.filter(|_| plain_item(it)) {
            // At its largest (`document_len_quick`); its VAT counted as the largest amount, so
            // the receipt's computed totals 1102–1107 are counted at least as wide as written.
            e.size += HEADER_LEN + max;
            e.rates.add(
                it.vat,
                crate::money::MAX_KOPECKS,
                Some(crate::money::MAX_KOPECKS),
            );
            continue;
        }
        // An item's fields never read the receipt's VAT totals (`rates`): they are added after.
        let (sum, vat) = e.nested(at.tag, false, 14, |e| item_into(e, &at.path.i(i), it))?;
        e.rates.add(it.vat, sum, vat);
    }
    Ok(())
}

pub(super) fn user_prop(e: &mut Enc, at: &At<'_>, r: &Receipt) -> Result<(), Error> {
    e.group(&fields::USER_PROP, at, r.additional_user_prop.as_ref())
}

pub(super) fn operating_prop(e: &mut Enc, at: &At<'_>, r: &Receipt) -> Result<(), Error> {
    let prop = r.operating_check_props.as_ref().map(|p| fields::Operating {
        id: Some(p.id),
        data: Some(p.data.clone()),
        time: Some(p.time),
    });
    e.group(&fields::OPERATING_PROP, at, prop.as_ref())
}

fn sectoral(e: &mut Enc, at: &At<'_>, props: &[SectoralProp]) -> Result<(), Error> {
    for (i, p) in props.iter().enumerate() {
        let path = at.path.i(i);
        e.group(&fields::SECTORAL, &At { path: &path, ..*at }, Some(p))?;
    }
    Ok(())
}

pub(super) fn receipt_sectoral(e: &mut Enc, at: &At<'_>, r: &Receipt) -> Result<(), Error> {
    sectoral(e, at, &r.sectoral_check_props)
}

// ---------------------------------------------------------------------------------------------
// The computed, derived and nested requisites of an item

pub(super) fn quantity(e: &mut Enc, at: &At<'_>, it: &Item) -> Result<(), Error> {
    let q = it
        .quantity
        .to_fvln()
        .ok_or_else(|| invalid(at.path, ViolationKind::QuantityRange))?;
    e.push(at.tag, Value::Fvln(q));
    Ok(())
}

pub(super) fn item_vat(e: &mut Enc, at: &At<'_>, it: &Item) -> Result<(), Error> {
    // The sum is checked first, as it is the base of a computed VAT.
    let sum = kopecks(&at.base.f("sum"), &it.sum)?;
    if let Some(vat) = vat_of_item(at.base, it, sum)? {
        e.push(at.tag, Value::Vln(vat));
    }
    Ok(())
}

fn scanned(p: &Path<'_>, m: &Mark) -> Result<fiskal_marks::MarkCode, Error> {
    let code = m.code.as_deref().unwrap_or_default();
    fiskal_marks::MarkCode::parse(code).map_err(|e| mark_error(p, &e))
}

fn mark_error(p: &Path<'_>, e: &fiskal_marks::MarkError) -> Error {
    invalid(
        &p.f("mark.code"),
        ViolationKind::MarkCode {
            reason: e.code(),
            position: e.position(),
            detail: e.to_string(),
        },
    )
}

/// 1162 (FFD 1.05): as given in hex, or derived from the raw scan.
pub(super) fn mark_1162(e: &mut Enc, at: &At<'_>, it: &Item) -> Result<(), Error> {
    let Some(m) = &it.mark else { return Ok(()) };
    let bytes = match (&m.code_1162, &m.code) {
        (Some(h), _) => hex::decode(h).map_err(|_| invalid(at.path, ViolationKind::HexFormat))?,
        (None, Some(_)) => scanned(at.base, m)?
            .tag_1162()
            .map_err(|e| mark_error(at.base, &e))?
            .as_bytes()
            .to_vec(),
        (None, None) => return Ok(()),
    };
    e.push(at.tag, Value::Bytes(bytes));
    Ok(())
}

/// 1163 (FFD 1.2): the mark's code kind and value as given, or derived from the raw scan; or
/// the product code of goods that are not marked (validation keeps the two apart).
pub(super) fn mark_1163(e: &mut Enc, at: &At<'_>, it: &Item) -> Result<(), Error> {
    let Some(m) = &it.mark else {
        if let Some(c) = &it.product_code {
            let path = at.base.f("product_code");
            e.nested(at.tag, false, 1, |e| {
                e.text(&path.f("value"), Tag(c.kind), &c.value)
            })?;
        }
        return Ok(());
    };
    // Borrowed when given (no copy per marked item); derived from the scan otherwise.
    let (kind, value): (u16, Cow<'_, str>) = match (m.kind, &m.value, &m.code) {
        (Some(kind), Some(value), _) => (kind, Cow::Borrowed(value)),
        (None, None, Some(_)) => {
            let child = scanned(at.base, m)?.tag_1163();
            (child.tag(), Cow::Owned(child.value().to_owned()))
        }
        _ => (0, Cow::Borrowed("")),
    };
    if kind != 0 {
        e.nested(at.tag, false, 1, |e| {
            e.text(&at.path.f("value"), Tag(kind), &value)
        })?;
    }
    Ok(())
}

pub(super) fn fraction(e: &mut Enc, at: &At<'_>, it: &Item) -> Result<(), Error> {
    e.group(&fields::FRACTION, at, it.fraction.as_ref())
}

/// 1292: as given, or `numerator/denominator`.
pub(super) fn fraction_text(e: &mut Enc, at: &At<'_>, fr: &Fraction) -> Result<(), Error> {
    let text: Cow<'_, str> = match &fr.text {
        Some(t) => Cow::Borrowed(t),
        None => Cow::Owned(format!("{}/{}", fr.numerator, fr.denominator)),
    };
    e.text(at.path, at.tag, &text)
}

pub(super) fn agent_info(e: &mut Enc, at: &At<'_>, it: &Item) -> Result<(), Error> {
    let info = it.agent.as_ref().and_then(|a| a.agent_info.as_ref());
    e.group(&fields::AGENT_INFO, at, info)
}

pub(super) fn supplier(e: &mut Enc, at: &At<'_>, it: &Item) -> Result<(), Error> {
    let sup = it.agent.as_ref().and_then(|a| a.supplier.as_ref());
    e.group(&fields::SUPPLIER, at, sup)
}

pub(super) fn item_sectoral(e: &mut Enc, at: &At<'_>, it: &Item) -> Result<(), Error> {
    sectoral(e, at, &it.sectoral_props)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::{Quantity, MAX_KOPECKS};
    use proptest::prelude::*;

    /// The exact size of an item's requisites (`Mode::Size`), `None` when it cannot encode.
    fn exact(ffd: FfdVersion, it: &Item) -> Option<usize> {
        let mut e = Enc::new(ffd, Mode::Size);
        item_into(&mut e, &ROOT, it).ok()?;
        Some(e.size)
    }

    /// A text of up to `max_chars` characters, of exactly that many half the time (the sizes
    /// that matter are the largest), present nine times in ten.
    fn text(max_chars: usize) -> impl Strategy<Value = Option<String>> {
        let chars = prop_oneof![
            "[ -~]",
            "[А-Яа-яЁё]",
            Just("№".to_owned()),
            Just("█".to_owned())
        ];
        let len = prop_oneof![Just(max_chars), 0..=max_chars];
        proptest::option::weighted(
            0.9,
            len.prop_flat_map(move |n| {
                proptest::collection::vec(chars.clone(), n).prop_map(|v| v.concat())
            }),
        )
    }

    fn money() -> impl Strategy<Value = Money> {
        prop_oneof![
            (0..=MAX_KOPECKS).prop_map(Money::from_kopecks),
            Just(Money::from_kopecks(MAX_KOPECKS)),
        ]
    }

    fn plain_item_strategy() -> impl Strategy<Value = Item> {
        let max = |t: Tag| usize::from(t.info().unwrap().len.max());
        (
            (
                text(max(Tag::ITEM_NAME)),
                money(),
                money(),
                text(max(Tag::ITEM_UNIT)),
            ),
            (
                (1u64..(1 << 56), 0u8..8).prop_map(|(m, scale)| {
                    Quantity::from_fvln(crate::tlv::Fvln { scale, mantissa: m }).unwrap()
                }),
                proptest::option::weighted(0.9, proptest::sample::select(Measure::KNOWN)),
                proptest::sample::select(VatRate::KNOWN),
                proptest::option::weighted(0.9, money()),
                proptest::option::weighted(0.9, money()),
            ),
            (
                proptest::option::weighted(0.9, money()),
                text(3),
                text(max(Tag::DECLARATION_NUMBER)),
                text(max(Tag::ITEM_EXTRA)),
            ),
        )
            .prop_map(
                |(
                    (name, price, sum, unit),
                    (quantity, measure, vat, vat_sum, unit_vat),
                    (excise, country_code, declaration_number, user_data),
                )| Item {
                    name,
                    price,
                    quantity,
                    sum,
                    measure,
                    unit,
                    vat,
                    vat_sum,
                    unit_vat,
                    payment_method: PaymentMethod::FULL_PAYMENT,
                    payment_subject: PaymentSubject::COMMODITY,
                    mark: None,
                    product_code: None,
                    fraction: None,
                    agent: None,
                    excise,
                    country_code,
                    declaration_number,
                    sectoral_props: Vec::new(),
                    user_data,
                    other_tags: Vec::new(),
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// No plain item encodes to more than the quick bound counts for it, in either version
        /// (texts of up to their full length, Cyrillic and box-drawing characters, every rate
        /// and measure, amounts up to the largest).
        #[test]
        fn no_plain_item_is_larger_than_the_plain_maximum(it in plain_item_strategy()) {
            prop_assert!(plain_item(&it));
            for ffd in [FfdVersion::V105, FfdVersion::V12] {
                let max = plain_item_max(ffd).unwrap();
                if let Some(size) = exact(ffd, &it) {
                    prop_assert!(size <= max, "{:?}: {} > {}", ffd, size, max);
                }
            }
        }
    }

    #[test]
    fn the_plain_maximum_is_reached_and_every_other_part_is_not_plain() {
        let sample = crate::json::parse(include_str!("../../data/receipt_1_2.json")).unwrap();
        let base = sample
            .items
            .iter()
            .find(|it| plain_item(it))
            .unwrap()
            .clone();
        // The maximum is above the size of an everyday plain item.
        for ffd in [FfdVersion::V105, FfdVersion::V12] {
            let max = plain_item_max(ffd).unwrap();
            assert!(max > exact(ffd, &base).unwrap(), "{ffd:?}");
        }
        // Each part whose size has no fixed limit makes an item not plain.
        let not_plain: [fn(&mut Item); 7] = [
            |it| it.mark = Some(crate::model::Mark::default()),
            |it| {
                it.product_code = Some(crate::model::ProductCode {
                    kind: 1300,
                    value: "x".into(),
                })
            },
            |it| {
                it.fraction = Some(crate::model::Fraction {
                    numerator: 1,
                    denominator: 2,
                    text: None,
                })
            },
            |it| it.agent = Some(crate::model::ItemAgent::default()),
            |it| {
                it.sectoral_props
                    .push(crate::model::SectoralProp::default())
            },
            |it| {
                it.other_tags.push(crate::model::RawTag {
                    tag: 1234,
                    hex: "00".into(),
                })
            },
            |it| it.name = Some("x".repeat(129)),
        ];
        for make in not_plain {
            let mut it = base.clone();
            make(&mut it);
            assert!(!plain_item(&it), "{it:?}");
        }
    }
}
