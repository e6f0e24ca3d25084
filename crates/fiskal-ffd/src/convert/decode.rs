//! TLV → model: looks every read requisite up in the tables of [`super::fields`]; a requisite a
//! level does not model is kept raw in its `other_tags`. The computed, derived and nested
//! requisites are read by the functions below.

use super::fields::{self, At, Field, Group, Kind};
use crate::cp866;
use crate::datetime::LocalDateTime;
use crate::enums::*;
use crate::error::Error;
use crate::model::*;
use crate::money::{Money, Quantity};
use crate::path::{at, Path, ROOT};
use crate::tag::{Len, Tag};
use crate::tlv::{Tlv, Value};

/// What the reader of one document knows besides the model being filled.
pub(super) struct Dec {
    ffd: FfdVersion,
    correction: bool,
    /// 1173, kept until the end of the document.
    correction_type: Option<CorrectionType>,
    /// 1174, read at the end of the document.
    basis: Option<Tlv>,
}

fn doc_err(path: &Path<'_>, tag: Tag, message: &str) -> Error {
    Error::Document {
        path: path.to_string(),
        tag: Some(tag),
        message: message.to_owned(),
    }
}

pub(super) fn text_of(path: &Path<'_>, t: &Tlv) -> Result<String, Error> {
    match &t.value {
        Value::Str(b) => {
            let s = cp866::decode(b);
            Ok(match t.tag.info().map(|i| i.len) {
                Some(Len::Fixed(_)) => s.trim_end_matches(' ').to_owned(),
                _ => s,
            })
        }
        _ => Err(doc_err(path, t.tag, "expected a STRING value")),
    }
}

fn byte_of(path: &Path<'_>, t: &Tlv) -> Result<u8, Error> {
    match t.value {
        Value::Byte(b) => Ok(b),
        _ => Err(doc_err(path, t.tag, "expected a BYTE value")),
    }
}

fn u32_of(path: &Path<'_>, t: &Tlv) -> Result<u32, Error> {
    match t.value {
        Value::U32(v) | Value::UnixTime(v) => Ok(v),
        _ => Err(doc_err(path, t.tag, "expected a 4-byte value")),
    }
}

fn money_of(path: &Path<'_>, t: &Tlv) -> Result<Money, Error> {
    match t.value {
        Value::Vln(v) => Ok(Money::from_kopecks(v)),
        _ => Err(doc_err(path, t.tag, "expected a VLN amount")),
    }
}

fn vln_of(path: &Path<'_>, t: &Tlv) -> Result<u64, Error> {
    match t.value {
        Value::Vln(v) => Ok(v),
        _ => Err(doc_err(path, t.tag, "expected a VLN value")),
    }
}

fn hex_of(path: &Path<'_>, t: &Tlv) -> Result<String, Error> {
    match &t.value {
        Value::Bytes(b) => Ok(hex::encode_upper(b)),
        _ => Err(doc_err(path, t.tag, "expected bytes")),
    }
}

fn raw_of(t: &Tlv) -> Result<RawTag, Error> {
    let bytes = match &t.value {
        Value::Str(b) | Value::Bytes(b) => b.clone(),
        other => {
            let mut out = Vec::with_capacity(other.len());
            let whole = Tlv {
                tag: t.tag,
                value: other.clone(),
            }
            .to_bytes()?;
            out.extend_from_slice(&whole[crate::tlv::HEADER_LEN..]);
            out
        }
    };
    Ok(RawTag {
        tag: t.tag.0,
        hex: hex::encode_upper(bytes),
    })
}

impl<M> Field<M> {
    /// Whether the reader puts this requisite into the model (else it is kept raw).
    fn reads(&self, m: &M, cx: &Dec) -> bool {
        use fields::When;
        match self.when {
            When::Always | When::WrittenIn(_) => true,
            When::Only(v) => cx.ffd == v,
            When::Correction => cx.correction,
            When::First => match self.kind {
                Kind::Text(get, _) => get(m).is_none(),
                _ => true,
            },
        }
    }

    /// Reads one requisite into the model; `path` names it in errors.
    fn read(
        &self,
        m: &mut M,
        cx: &mut Dec,
        base: &Path<'_>,
        path: &Path<'_>,
        t: &Tlv,
    ) -> Result<(), Error> {
        match self.kind {
            Kind::Text(_, set) => set(m, text_of(path, t)?),
            Kind::Texts(_, push) => push(m, text_of(path, t)?),
            Kind::Byte(_, set) => set(m, byte_of(path, t)?),
            Kind::U32(_, set) => set(m, u32_of(path, t)?),
            Kind::Time(_, set) => set(m, LocalDateTime::from_unix(u32_of(path, t)?)),
            Kind::Money(_, set) => set(m, money_of(path, t)?),
            Kind::Vln(_, set) => set(m, vln_of(path, t)?),
            Kind::Hex(_, set) => set(m, hex_of(path, t)?),
            Kind::VatTotal(rate, _, slot) => slot(m).set(rate, Some(money_of(path, t)?)),
            Kind::Custom(_, dec) => {
                let at = At {
                    tag: self.tag,
                    base,
                    path,
                };
                dec(m, cx, &at, t)?;
            }
        }
        Ok(())
    }
}

/// Reads the children of a level (the document, an item); what the table does not model goes
/// to `other`. Then fails on the first missing mandatory requisite (see [`Field::required`]).
fn level<M>(
    fields: &[Field<M>],
    m: &mut M,
    cx: &mut Dec,
    base: &Path<'_>,
    children: &[Tlv],
    other: fn(&mut M) -> &mut Vec<RawTag>,
    missing: fn(Tag) -> String,
) -> Result<(), Error> {
    for t in children {
        match fields.iter().find(|f| f.tag == t.tag) {
            Some(f) if f.reads(m, cx) => f.read(m, cx, base, &base.f(f.path), t)?,
            _ => other(m).push(raw_of(t)?),
        }
    }
    let absent = fields
        .iter()
        .filter(|f| f.required > 0 && !children.iter().any(|t| t.tag == f.tag));
    if let Some(f) = absent.min_by_key(|f| f.required) {
        return Err(doc_err(&base.f(f.path), f.tag, &missing(f.tag)));
    }
    Ok(())
}

/// Reads an STLV by its group's table; a child the table does not list is an error.
fn group<M>(g: &Group<M>, m: &mut M, cx: &mut Dec, at: &At<'_>, t: &Tlv) -> Result<(), Error> {
    for c in t.children() {
        let Some(f) = g.fields.iter().find(|f| f.tag == c.tag) else {
            let message = format!("unexpected requisite inside {}", g.name);
            return Err(doc_err(at.path, c.tag, &message));
        };
        let own = at.path.f(f.path);
        let path = if g.errors_at_group { at.path } else { &own };
        f.read(m, cx, at.path, path, c)?;
    }
    Ok(())
}

/// Reads a receipt document (see [`super::from_tlv`]).
pub(super) fn document(doc: &Tlv) -> Result<Receipt, Error> {
    let is_correction = match doc.tag {
        Tag::RECEIPT => false,
        Tag::CORRECTION_RECEIPT => true,
        other => {
            return Err(doc_err(
                &at(""),
                other,
                "not a receipt (form 3) or correction receipt (form 31)",
            ))
        }
    };
    let Value::Stlv(children) = &doc.value else {
        return Err(doc_err(&at(""), doc.tag, "the document must be an STLV"));
    };
    let ffd = match children.iter().find(|t| t.tag == Tag::FFD_VERSION) {
        Some(t) => {
            let code = byte_of(&at("ffd"), t)?;
            FfdVersion::from_code(code).ok_or_else(|| {
                doc_err(
                    &at("ffd"),
                    t.tag,
                    "only FFD 1.05 (2) and 1.2 (4) are supported",
                )
            })?
        }
        None => FfdVersion::V105,
    };
    let mut r = Receipt {
        version: FORMAT_VERSION,
        ffd,
        operation: Operation(0),
        tax_system: None,
        company: Company::default(),
        cashier: None,
        client: None,
        items: Vec::new(),
        payments: Payments::default(),
        total: Money::ZERO,
        vat_totals: None,
        additional_check_props: None,
        additional_user_prop: None,
        operating_check_props: None,
        sectoral_check_props: Vec::new(),
        correction: None,
        register: None,
        other_tags: Vec::new(),
    };
    let mut cx = Dec {
        ffd,
        correction: is_correction,
        correction_type: None,
        basis: None,
    };
    level(
        fields::RECEIPT,
        &mut r,
        &mut cx,
        &ROOT,
        children,
        |r| &mut r.other_tags,
        |tag| format!("mandatory requisite {tag} is missing"),
    )?;
    // An empty 1256 is no buyer.
    if r.client == Some(Buyer::default()) {
        r.client = None;
    }
    if is_correction {
        let mut basis = fields::Basis::default();
        if let Some(t) = cx.basis.take() {
            let path = at("correction");
            let site = At {
                tag: t.tag,
                base: &ROOT,
                path: &path,
            };
            group(&fields::CORRECTION_BASIS, &mut basis, &mut cx, &site, &t)?;
        }
        let date = basis.date.ok_or_else(|| {
            doc_err(
                &at("correction.date"),
                Tag::CORRECTED_DATE,
                "1174 needs 1178",
            )
        })?;
        r.correction = Some(Correction {
            correction_type: cx.correction_type.unwrap_or(CorrectionType::SELF_INITIATED),
            date,
            number: basis.number,
            description: basis.description,
        });
    }
    Ok(r)
}

// ---------------------------------------------------------------------------------------------
// The computed, derived and nested requisites of the document

/// 1209 is read before the rest (it decides how the rest is read).
pub(super) fn ffd_version(_: &mut Receipt, _: &mut Dec, _: &At<'_>, _: &Tlv) -> Result<(), Error> {
    Ok(())
}

pub(super) fn buyer_info(r: &mut Receipt, cx: &mut Dec, at: &At<'_>, t: &Tlv) -> Result<(), Error> {
    group(&fields::BUYER_INFO, fields::client_mut(r), cx, at, t)
}

pub(super) fn correction_type(
    _: &mut Receipt,
    cx: &mut Dec,
    at: &At<'_>,
    t: &Tlv,
) -> Result<(), Error> {
    cx.correction_type = Some(CorrectionType(byte_of(at.path, t)?));
    Ok(())
}

/// 1174 is read at the end, once the document is known to be complete.
pub(super) fn correction_basis(
    _: &mut Receipt,
    cx: &mut Dec,
    _: &At<'_>,
    t: &Tlv,
) -> Result<(), Error> {
    cx.basis = Some(t.clone());
    Ok(())
}

pub(super) fn items(r: &mut Receipt, cx: &mut Dec, at: &At<'_>, t: &Tlv) -> Result<(), Error> {
    let path = at.path.i(r.items.len());
    let it = item(&path, cx, t)?;
    r.items.push(it);
    Ok(())
}

pub(super) fn user_prop(r: &mut Receipt, cx: &mut Dec, at: &At<'_>, t: &Tlv) -> Result<(), Error> {
    let mut p = UserProp::default();
    group(&fields::USER_PROP, &mut p, cx, at, t)?;
    r.additional_user_prop = Some(p);
    Ok(())
}

pub(super) fn operating_prop(
    r: &mut Receipt,
    cx: &mut Dec,
    at: &At<'_>,
    t: &Tlv,
) -> Result<(), Error> {
    let mut p = fields::Operating::default();
    group(&fields::OPERATING_PROP, &mut p, cx, at, t)?;
    match p {
        fields::Operating {
            id: Some(id),
            data: Some(data),
            time: Some(time),
        } => {
            r.operating_check_props = Some(OperatingProp { id, data, time });
            Ok(())
        }
        _ => Err(doc_err(at.path, t.tag, "1270 needs 1271, 1272 and 1273")),
    }
}

fn sectoral(list: &mut Vec<SectoralProp>, cx: &mut Dec, at: &At<'_>, t: &Tlv) -> Result<(), Error> {
    let path = at.path.i(list.len());
    let mut p = SectoralProp::default();
    group(&fields::SECTORAL, &mut p, cx, &At { path: &path, ..*at }, t)?;
    list.push(p);
    Ok(())
}

pub(super) fn receipt_sectoral(
    r: &mut Receipt,
    cx: &mut Dec,
    at: &At<'_>,
    t: &Tlv,
) -> Result<(), Error> {
    sectoral(&mut r.sectoral_check_props, cx, at, t)
}

// ---------------------------------------------------------------------------------------------
// The item and its computed, derived and nested requisites

fn item(p: &Path<'_>, cx: &mut Dec, t: &Tlv) -> Result<Item, Error> {
    // Placeholders for the mandatory requisites, filled (or reported missing) by the table.
    let mut it = Item::new(
        "",
        Money::ZERO,
        Quantity::ONE,
        Money::ZERO,
        VatRate(0),
        PaymentMethod(0),
        PaymentSubject(0),
    );
    it.name = None;
    level(
        fields::ITEM,
        &mut it,
        cx,
        p,
        t.children(),
        |it| &mut it.other_tags,
        |_| "mandatory requisite is missing".to_owned(),
    )?;
    // A 1163 with no 2102 / 2106 on goods that are not marked (1212 other than 31 / 33) is the
    // product code of such goods, not a mark (see `ProductCode`).
    if cx.ffd == FfdVersion::V12
        && it.payment_subject != PaymentSubject::MARKED
        && it.payment_subject != PaymentSubject::MARKED_EXCISE
    {
        if let Some(Mark {
            kind: Some(kind),
            value: Some(value),
            code_1162: None,
            processing_mode: None,
            check_result: None,
            planned_status: None,
            code: None,
        }) = &it.mark
        {
            it.product_code = Some(ProductCode {
                kind: *kind,
                value: value.clone(),
            });
            it.mark = None;
        }
    }
    Ok(it)
}

pub(super) fn quantity(it: &mut Item, _: &mut Dec, at: &At<'_>, t: &Tlv) -> Result<(), Error> {
    match t.value {
        Value::Fvln(q) => {
            it.quantity = Quantity::from_fvln(q)
                .ok_or_else(|| doc_err(at.path, t.tag, "FVLN scale beyond 28"))?;
            Ok(())
        }
        _ => Err(doc_err(at.path, t.tag, "expected an FVLN value")),
    }
}

pub(super) fn item_vat(it: &mut Item, _: &mut Dec, at: &At<'_>, t: &Tlv) -> Result<(), Error> {
    it.vat_sum = Some(money_of(at.path, t)?);
    Ok(())
}

pub(super) fn mark_1162(it: &mut Item, _: &mut Dec, at: &At<'_>, t: &Tlv) -> Result<(), Error> {
    fields::mark_mut(it).code_1162 = Some(hex_of(at.path, t)?);
    Ok(())
}

pub(super) fn mark_1163(it: &mut Item, _: &mut Dec, at: &At<'_>, t: &Tlv) -> Result<(), Error> {
    let [child] = t.children() else {
        return Err(doc_err(at.path, t.tag, "1163 must hold exactly one code"));
    };
    let value = text_of(&at.path.f("value"), child)?;
    let mark = fields::mark_mut(it);
    mark.kind = Some(child.tag.0);
    mark.value = Some(value);
    Ok(())
}

pub(super) fn fraction(it: &mut Item, cx: &mut Dec, at: &At<'_>, t: &Tlv) -> Result<(), Error> {
    let mut fr = Fraction {
        numerator: 0,
        denominator: 0,
        text: None,
    };
    group(&fields::FRACTION, &mut fr, cx, at, t)?;
    it.fraction = Some(fr);
    Ok(())
}

pub(super) fn fraction_text(
    fr: &mut Fraction,
    _: &mut Dec,
    at: &At<'_>,
    t: &Tlv,
) -> Result<(), Error> {
    fr.text = Some(text_of(at.path, t)?);
    Ok(())
}

pub(super) fn agent_info(it: &mut Item, cx: &mut Dec, at: &At<'_>, t: &Tlv) -> Result<(), Error> {
    let mut info = AgentInfo::default();
    group(&fields::AGENT_INFO, &mut info, cx, at, t)?;
    fields::agent_mut(it).agent_info = Some(info);
    Ok(())
}

/// 1224 replaces the supplier's phones and name; its ИНН (1226, beside 1224) may come before
/// or after it and is kept.
pub(super) fn supplier(it: &mut Item, cx: &mut Dec, at: &At<'_>, t: &Tlv) -> Result<(), Error> {
    let slot = fields::supplier_mut(it);
    let mut sup = Supplier {
        inn: slot.inn.take(),
        ..Supplier::default()
    };
    group(&fields::SUPPLIER, &mut sup, cx, at, t)?;
    *slot = sup;
    Ok(())
}

pub(super) fn item_sectoral(
    it: &mut Item,
    cx: &mut Dec,
    at: &At<'_>,
    t: &Tlv,
) -> Result<(), Error> {
    sectoral(&mut it.sectoral_props, cx, at, t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tlv(tag: Tag, value: Value) -> Tlv {
        Tlv { tag, value }
    }

    fn text(tag: Tag, s: &str) -> Tlv {
        tlv(tag, Value::Str(s.as_bytes().to_vec()))
    }

    fn receipt_with_item(item: Vec<Tlv>) -> Tlv {
        tlv(
            Tag::RECEIPT,
            Value::Stlv(vec![
                tlv(Tag::OPERATION, Value::Byte(1)),
                tlv(Tag::ITEM, Value::Stlv(item)),
                tlv(Tag::TOTAL, Value::Vln(100)),
            ]),
        )
    }

    fn mandatory_item() -> Vec<Tlv> {
        vec![
            tlv(Tag::PAYMENT_METHOD, Value::Byte(4)),
            tlv(Tag::PAYMENT_SUBJECT, Value::Byte(1)),
            tlv(Tag::ITEM_PRICE, Value::Vln(100)),
            tlv(Tag::VAT_RATE, Value::Byte(6)),
            tlv(Tag::ITEM_SUM, Value::Vln(100)),
        ]
    }

    /// A 1163 of an FFD 1.2 item is the product code of goods that are not marked when the
    /// subject is not 31 / 33 and no 2102 / 2106 comes with it; otherwise it stays a mark.
    #[test]
    fn a_1163_is_a_product_code_only_on_goods_that_are_not_marked() {
        let read = |ffd: u8, subject: u8, with_2106: bool| {
            let mut item = mandatory_item();
            item[1] = tlv(Tag::PAYMENT_SUBJECT, Value::Byte(subject));
            item.push(tlv(
                Tag::PRODUCT_CODE_12,
                Value::Stlv(vec![text(Tag(1302), "4601234567893")]),
            ));
            if with_2106 {
                item.push(tlv(Tag::MARK_CHECK_RESULT, Value::Byte(15)));
            }
            let doc = tlv(
                Tag::RECEIPT,
                Value::Stlv(vec![
                    tlv(Tag::FFD_VERSION, Value::Byte(ffd)),
                    tlv(Tag::OPERATION, Value::Byte(1)),
                    tlv(Tag::ITEM, Value::Stlv(item)),
                    tlv(Tag::TOTAL, Value::Vln(100)),
                ]),
            );
            let r = document(&doc).unwrap();
            let it = r.items.into_iter().next().unwrap();
            (it.product_code, it.mark.map(|m| (m.kind, m.check_result)))
        };
        let code = ProductCode {
            kind: 1302,
            value: "4601234567893".into(),
        };
        assert_eq!(read(4, 1, false), (Some(code), None));
        assert_eq!(read(4, 1, true), (None, Some((Some(1302), Some(15)))));
        assert_eq!(read(4, 33, false), (None, Some((Some(1302), None))));
        assert_eq!(read(2, 1, false), (None, Some((Some(1302), None))));
    }

    /// 1226 stands beside 1224 and may come first; a repeated 1224 (not allowed by the FFD, but
    /// read) replaces the phones and name and keeps the ИНН already read.
    #[test]
    fn supplier_inn_read_before_1224_survives_a_repeated_1224() {
        let mut item = mandatory_item();
        item.push(text(Tag::SUPPLIER_INN, "7701000001  "));
        for phone in ["+79990000001", "+79990000002"] {
            item.push(tlv(
                Tag::SUPPLIER_DATA,
                Value::Stlv(vec![text(Tag::SUPPLIER_PHONE, phone)]),
            ));
        }
        let r = document(&receipt_with_item(item)).unwrap();
        let sup = r.items[0]
            .agent
            .as_ref()
            .unwrap()
            .supplier
            .as_ref()
            .unwrap();
        assert_eq!(sup.phones, ["+79990000002"]);
        assert_eq!(sup.inn.as_deref(), Some("7701000001"));
        assert_eq!(sup.name, None);
    }

    /// Several missing mandatory requisites: the reader names 1079 first, then 1043, 1199,
    /// 1214, 1212 (the order the module documentation of `convert` gives).
    #[test]
    fn missing_item_requisites_are_reported_in_the_documented_order() {
        let expect = [
            (Tag::ITEM_PRICE, "items[0].price"),
            (Tag::ITEM_SUM, "items[0].sum"),
            (Tag::VAT_RATE, "items[0].vat"),
            (Tag::PAYMENT_METHOD, "items[0].payment_method"),
            (Tag::PAYMENT_SUBJECT, "items[0].payment_subject"),
        ];
        for (k, (tag, path)) in expect.iter().enumerate() {
            // Drop this requisite and every one reported after it.
            let dropped: Vec<Tag> = expect[k..].iter().map(|(t, _)| *t).collect();
            let item = mandatory_item()
                .into_iter()
                .filter(|t| !dropped.contains(&t.tag))
                .collect();
            match document(&receipt_with_item(item)) {
                Err(Error::Document {
                    path: p, tag: t, ..
                }) => {
                    assert_eq!((p.as_str(), t), (*path, Some(*tag)));
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
