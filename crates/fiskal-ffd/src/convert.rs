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

use crate::cp866;
use crate::datetime::LocalDateTime;
use crate::enums::*;
use crate::error::Error;
use crate::model::*;
use crate::money::{Money, Quantity};
use crate::path::{at, Path};
use crate::tag::{Len, Tag};
use crate::tlv::{Tlv, Value};
use crate::vat_totals::{written, RateTotals, Written, RECEIPT_VAT_TAGS};
use crate::violation::{Violation, ViolationKind};

fn invalid(path: &Path<'_>, kind: ViolationKind) -> Error {
    Error::Invalid(vec![Violation::new(path.to_string(), kind)])
}

/// A list of requisites under construction.
struct B(Vec<Tlv>);

impl B {
    fn push(&mut self, tag: Tag, value: Value) {
        self.0.push(Tlv { tag, value });
    }

    fn byte(&mut self, tag: Tag, v: u8) {
        self.push(tag, Value::Byte(v));
    }

    fn text(&mut self, path: &Path<'_>, tag: Tag, s: &str) -> Result<(), Error> {
        let mut bytes = cp866::encode(s).map_err(|bad| {
            invalid(
                path,
                ViolationKind::NotCp866 {
                    chars: bad.iter().map(|u| u.ch).collect(),
                },
            )
        })?;
        if let Some(Len::Fixed(n)) = tag.info().map(|i| i.len) {
            let n = usize::from(n);
            if bytes.len() < n {
                bytes.resize(n, b' ');
            }
        }
        self.push(tag, Value::Str(bytes));
        Ok(())
    }

    fn opt_text(&mut self, path: &Path<'_>, tag: Tag, s: &Option<String>) -> Result<(), Error> {
        match s {
            Some(s) => self.text(path, tag, s),
            None => Ok(()),
        }
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
}

fn kopecks(path: &Path<'_>, m: &Money) -> Result<u64, Error> {
    m.kopecks()
        .map_err(|p| invalid(path, crate::violation::money_violation(p)))
}

/// Builds the TLV document of a receipt: one [`Tlv`] whose tag is the form code (3 or 31).
///
/// Does not validate: call [`crate::validate()`] first. Values the wire cannot carry (text CP866
/// cannot encode, amounts with three decimals …) still fail here, as [`Error::Invalid`] naming the
/// field, never by panicking.
pub fn to_tlv(r: &Receipt) -> Result<Tlv, Error> {
    let mut b = B(Vec::with_capacity(32 + r.items.len()));
    b.byte(Tag::FFD_VERSION, r.ffd.code());
    let c = &r.company;
    b.opt_text(&at("company.name"), Tag::USER_NAME, &c.name)?;
    b.text(&at("company.inn"), Tag::USER_INN, &c.inn)?;
    if let Some(reg) = &r.register {
        b.opt_text(
            &at("register.kkt_reg_number"),
            Tag::KKT_REG_NUMBER,
            &reg.kkt_reg_number,
        )?;
        b.opt_text(
            &at("register.automat_number"),
            Tag::AUTOMAT_NUMBER,
            &reg.automat_number,
        )?;
        b.opt_text(&at("register.fn_number"), Tag::FN_NUMBER, &reg.fn_number)?;
        if let Some(v) = reg.fd_number {
            b.push(Tag::FD_NUMBER, Value::U32(v));
        }
        if let Some(v) = reg.receipt_number {
            b.push(Tag::RECEIPT_NUMBER, Value::U32(v));
        }
        if let Some(v) = reg.shift_number {
            b.push(Tag::SHIFT_NUMBER, Value::U32(v));
        }
        if let Some(v) = reg.date_time {
            b.push(Tag::DATE_TIME, Value::UnixTime(v.unix()));
        }
    }
    b.byte(Tag::OPERATION, r.operation.0);
    if let Some(ts) = r.tax_system {
        b.byte(Tag::TAX_SYSTEM, ts.0);
    }
    if let Some(cashier) = &r.cashier {
        b.text(&at("cashier.name"), Tag::CASHIER, &cashier.name)?;
        b.opt_text(&at("cashier.inn"), Tag::CASHIER_INN, &cashier.inn)?;
    }
    b.opt_text(
        &at("company.payment_address"),
        Tag::PAYMENT_ADDRESS,
        &c.payment_address,
    )?;
    b.opt_text(
        &at("company.payment_place"),
        Tag::PAYMENT_PLACE,
        &c.payment_place,
    )?;
    if let Some(cl) = &r.client {
        b.opt_text(&at("client.contact"), Tag::BUYER_CONTACT, &cl.contact)?;
        client(&mut b, r.ffd, cl)?;
    }
    b.opt_text(&at("company.email"), Tag::SENDER_EMAIL, &c.email)?;
    if let Some(reg) = &r.register {
        b.opt_text(&at("register.fns_site"), Tag::FNS_SITE, &reg.fns_site)?;
        if let Some(v) = reg.internet_only {
            b.byte(Tag::INTERNET_ONLY, u8::from(v));
        }
    }
    if let Some(cor) = &r.correction {
        b.byte(Tag::CORRECTION_TYPE, cor.correction_type.0);
        let mut basis = B(Vec::with_capacity(3));
        basis.opt_text(
            &at("correction.description"),
            Tag::CORRECTION_DESCRIPTION,
            &cor.description,
        )?;
        basis.push(Tag::CORRECTED_DATE, Value::UnixTime(cor.date.unix()));
        basis.opt_text(
            &at("correction.number"),
            Tag::PRESCRIPTION_NUMBER,
            &cor.number,
        )?;
        b.push(Tag::CORRECTION_BASIS, Value::Stlv(basis.0));
    }

    // Items, remembering VAT per rate for the receipt totals.
    let mut rate_totals = RateTotals::default();
    let items_path = at("items");
    for (i, it) in r.items.iter().enumerate() {
        let (stlv, sum, vat) = item(&items_path.i(i), r.ffd, it)?;
        b.push(Tag::ITEM, Value::Stlv(stlv));
        rate_totals.add(it.vat, sum, vat);
    }

    b.money(&at("total"), Tag::TOTAL, &r.total)?;
    let pay_names = [
        "payments.cash",
        "payments.electronic",
        "payments.prepaid",
        "payments.credit",
        "payments.consideration",
    ];
    for ((tag, m), path) in r.payments.by_tag().iter().zip(pay_names) {
        b.money(&at(path), *tag, m)?;
    }
    // Given totals are written as given (validation checked them); a rate the items use but
    // the caller did not total is computed, so a partial `vat_totals` never drops a total.
    let vt_path = at("vat_totals");
    for (tag, rate, field) in RECEIPT_VAT_TAGS {
        match written(r.vat_totals.as_ref(), &rate_totals, rate) {
            Some(Written::Given(m)) => {
                b.money(&vt_path.f(field), tag, &m)?;
            }
            Some(Written::Computed(k)) => b.push(tag, Value::Vln(k)),
            None => {}
        }
    }
    b.opt_text(
        &at("additional_check_props"),
        Tag::ADDITIONAL_RECEIPT_PROP,
        &r.additional_check_props,
    )?;
    if let Some(p) = &r.additional_user_prop {
        let mut s = B(Vec::with_capacity(2));
        s.text(
            &at("additional_user_prop.name"),
            Tag::ADDITIONAL_USER_PROP_NAME,
            &p.name,
        )?;
        s.text(
            &at("additional_user_prop.value"),
            Tag::ADDITIONAL_USER_PROP_VALUE,
            &p.value,
        )?;
        b.push(Tag::ADDITIONAL_USER_PROP, Value::Stlv(s.0));
    }
    if let Some(p) = &r.operating_check_props {
        let mut s = B(Vec::with_capacity(3));
        s.byte(Tag::OPERATIONAL_PROP_ID, p.id);
        s.text(
            &at("operating_check_props.data"),
            Tag::OPERATIONAL_PROP_DATA,
            &p.data,
        )?;
        s.push(Tag::OPERATIONAL_PROP_TIME, Value::UnixTime(p.time.unix()));
        b.push(Tag::OPERATIONAL_PROP, Value::Stlv(s.0));
    }
    for (i, p) in r.sectoral_check_props.iter().enumerate() {
        b.push(
            Tag::SECTORAL_RECEIPT_PROP,
            sectoral(&at("sectoral_check_props").i(i), p)?,
        );
    }
    if let Some(reg) = &r.register {
        if let Some(v) = reg.marks_check_result {
            b.byte(Tag::MARKS_CHECK_RESULT, v);
        }
        if let Some(fs) = &reg.fiscal_sign {
            let bytes = hex::decode(fs)
                .map_err(|_| invalid(&at("register.fiscal_sign"), ViolationKind::HexFormat))?;
            b.push(Tag::FISCAL_SIGN, Value::Bytes(bytes));
        }
    }
    b.raw(&crate::path::ROOT, &r.other_tags)?;
    Ok(Tlv {
        tag: r.form(),
        value: Value::Stlv(b.0),
    })
}

fn client(b: &mut B, v: FfdVersion, cl: &Client) -> Result<(), Error> {
    if v == FfdVersion::V105 {
        b.opt_text(&at("client.name"), Tag::BUYER_NAME, &cl.name)?;
        return b.opt_text(&at("client.inn"), Tag::BUYER_INN, &cl.inn);
    }
    let mut s = B(Vec::new());
    s.opt_text(&at("client.name"), Tag::BUYER_NAME, &cl.name)?;
    s.opt_text(&at("client.inn"), Tag::BUYER_INN, &cl.inn)?;
    s.opt_text(
        &at("client.birth_date"),
        Tag::BUYER_BIRTH_DATE,
        &cl.birth_date,
    )?;
    s.opt_text(
        &at("client.citizenship"),
        Tag::BUYER_CITIZENSHIP,
        &cl.citizenship,
    )?;
    s.opt_text(
        &at("client.document_code"),
        Tag::BUYER_DOC_CODE,
        &cl.document_code,
    )?;
    s.opt_text(
        &at("client.document_data"),
        Tag::BUYER_DOC_DATA,
        &cl.document_data,
    )?;
    s.opt_text(&at("client.address"), Tag::BUYER_ADDRESS, &cl.address)?;
    if !s.0.is_empty() {
        b.push(Tag::BUYER_INFO, Value::Stlv(s.0));
    }
    Ok(())
}

fn sectoral(path: &Path<'_>, p: &SectoralProp) -> Result<Value, Error> {
    let mut s = B(Vec::with_capacity(4));
    s.text(&path.f("fois_id"), Tag::FOIV_ID, &p.fois_id)?;
    s.text(&path.f("date"), Tag::BASIS_DOC_DATE, &p.date)?;
    s.text(&path.f("number"), Tag::BASIS_DOC_NUMBER, &p.number)?;
    s.text(&path.f("value"), Tag::SECTORAL_VALUE, &p.value)?;
    Ok(Value::Stlv(s.0))
}

/// The 1059 «предмет расчета» TLV of one item, exactly as [`to_tlv`] writes it inside the
/// document (so `item_to_tlv(..).encoded_len()` is the item's share of the document size).
/// `index` only names the item in errors.
pub fn item_to_tlv(item_: &Item, ffd: FfdVersion, index: usize) -> Result<Tlv, Error> {
    let items = at("items");
    let (children, _, _) = item(&items.i(index), ffd, item_)?;
    Ok(Tlv {
        tag: Tag::ITEM,
        value: Value::Stlv(children),
    })
}

/// One 1059 STLV; returns the children, the item sum and its VAT (kopecks).
fn item(p: &Path<'_>, v: FfdVersion, it: &Item) -> Result<(Vec<Tlv>, u64, Option<u64>), Error> {
    let mut b = B(Vec::with_capacity(14));
    b.byte(Tag::PAYMENT_METHOD, it.payment_method.0);
    b.byte(Tag::PAYMENT_SUBJECT, it.payment_subject.0);
    b.opt_text(&p.f("name"), Tag::ITEM_NAME, &it.name)?;
    b.money(&p.f("price"), Tag::ITEM_PRICE, &it.price)?;
    let q = it
        .quantity
        .to_fvln()
        .ok_or_else(|| invalid(&p.f("quantity"), ViolationKind::QuantityRange))?;
    b.push(Tag::ITEM_QUANTITY, Value::Fvln(q));
    if let Some(m) = it.measure {
        b.byte(Tag::ITEM_MEASURE, m.0);
    }
    b.opt_text(&p.f("unit"), Tag::ITEM_UNIT, &it.unit)?;
    b.byte(Tag::VAT_RATE, it.vat.0);
    if let Some(uv) = &it.unit_vat {
        b.money(&p.f("unit_vat"), Tag::ITEM_UNIT_VAT, uv)?;
    }
    let sum = kopecks(&p.f("sum"), &it.sum)?;
    let vat = match &it.vat_sum {
        Some(m) => Some(b.money(&p.f("vat_sum"), Tag::ITEM_VAT, m)?),
        None => match it.vat.fraction() {
            Some(_) => {
                let vat = it.vat.vat_of(sum);
                if let Some(vat) = vat {
                    b.push(Tag::ITEM_VAT, Value::Vln(vat));
                }
                vat
            }
            None => None,
        },
    };
    b.push(Tag::ITEM_SUM, Value::Vln(sum));
    if let Some(m) = &it.mark {
        mark(&mut b, p, v, m)?;
    }
    if let Some(fr) = &it.fraction {
        let mut s = B(Vec::with_capacity(3));
        let text = fr
            .text
            .clone()
            .unwrap_or_else(|| format!("{}/{}", fr.numerator, fr.denominator));
        s.text(&p.f("fraction.text"), Tag::FRACTION, &text)?;
        s.push(Tag::NUMERATOR, Value::Vln(fr.numerator));
        s.push(Tag::DENOMINATOR, Value::Vln(fr.denominator));
        b.push(Tag::FRACTIONAL_QUANTITY, Value::Stlv(s.0));
    }
    if let Some(a) = &it.agent {
        agent(&mut b, p, a)?;
    }
    if let Some(e) = &it.excise {
        b.money(&p.f("excise"), Tag::EXCISE, e)?;
    }
    b.opt_text(&p.f("country_code"), Tag::COUNTRY_CODE, &it.country_code)?;
    b.opt_text(
        &p.f("declaration_number"),
        Tag::DECLARATION_NUMBER,
        &it.declaration_number,
    )?;
    for (i, s) in it.sectoral_props.iter().enumerate() {
        b.push(
            Tag::SECTORAL_ITEM_PROP,
            sectoral(&p.f("sectoral_props").i(i), s)?,
        );
    }
    b.opt_text(&p.f("user_data"), Tag::ITEM_EXTRA, &it.user_data)?;
    b.raw(p, &it.other_tags)?;
    Ok((b.0, sum, vat))
}

/// The mark requisites of an item: explicit values, or values derived from the raw scan.
fn mark(b: &mut B, p: &Path<'_>, v: FfdVersion, m: &Mark) -> Result<(), Error> {
    let scanned = || -> Result<fiskal_marks::MarkCode, Error> {
        let code = m.code.as_deref().unwrap_or_default();
        fiskal_marks::MarkCode::parse(code).map_err(|e| mark_error(p, &e))
    };
    match v {
        FfdVersion::V105 => {
            let bytes = match (&m.code_1162, &m.code) {
                (Some(h), _) => hex::decode(h)
                    .map_err(|_| invalid(&p.f("mark.code_1162"), ViolationKind::HexFormat))?,
                (None, Some(_)) => scanned()?
                    .tag_1162()
                    .map_err(|e| mark_error(p, &e))?
                    .as_bytes()
                    .to_vec(),
                (None, None) => return Ok(()),
            };
            b.push(Tag::PRODUCT_CODE, Value::Bytes(bytes));
        }
        FfdVersion::V12 => {
            let (kind, value) = match (m.kind, &m.value, &m.code) {
                (Some(kind), Some(value), _) => (kind, value.clone()),
                (None, None, Some(_)) => {
                    let child = scanned()?.tag_1163();
                    (child.tag(), child.value().to_owned())
                }
                _ => (0, String::new()),
            };
            if kind != 0 {
                let mut s = B(Vec::with_capacity(1));
                s.text(&p.f("mark.value"), Tag(kind), &value)?;
                b.push(Tag::PRODUCT_CODE_12, Value::Stlv(s.0));
            }
            if let Some(pm) = m.processing_mode {
                b.byte(Tag::MARK_PROCESSING_MODE, pm);
            }
            if let Some(cr) = m.check_result {
                b.byte(Tag::MARK_CHECK_RESULT, cr);
            }
        }
    }
    Ok(())
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

fn agent(b: &mut B, p: &Path<'_>, a: &ItemAgent) -> Result<(), Error> {
    if let Some(t) = a.agent_type {
        b.byte(Tag::ITEM_AGENT_FLAGS, t.0);
    }
    if let Some(info) = &a.agent_info {
        let ip = p.f("agent.agent_info");
        let mut s = B(Vec::new());
        s.opt_text(
            &ip.f("operation"),
            Tag::PAYING_AGENT_OPERATION,
            &info.operation,
        )?;
        for (field, list, tag) in info.phone_lists() {
            for (i, ph) in list.iter().enumerate() {
                s.text(&ip.f(field).i(i), tag, ph)?;
            }
        }
        s.opt_text(
            &ip.f("transfer_operator_name"),
            Tag::TRANSFER_OPERATOR_NAME,
            &info.transfer_operator_name,
        )?;
        s.opt_text(
            &ip.f("transfer_operator_address"),
            Tag::TRANSFER_OPERATOR_ADDRESS,
            &info.transfer_operator_address,
        )?;
        s.opt_text(
            &ip.f("transfer_operator_inn"),
            Tag::TRANSFER_OPERATOR_INN,
            &info.transfer_operator_inn,
        )?;
        if !s.0.is_empty() {
            b.push(Tag::AGENT_DATA, Value::Stlv(s.0));
        }
    }
    if let Some(sup) = &a.supplier {
        let sp = p.f("agent.supplier");
        let mut s = B(Vec::new());
        for (i, ph) in sup.phones.iter().enumerate() {
            s.text(&sp.f("phones").i(i), Tag::SUPPLIER_PHONE, ph)?;
        }
        s.opt_text(&sp.f("name"), Tag::SUPPLIER_NAME, &sup.name)?;
        if !s.0.is_empty() {
            b.push(Tag::SUPPLIER_DATA, Value::Stlv(s.0));
        }
        b.opt_text(&sp.f("inn"), Tag::SUPPLIER_INN, &sup.inn)?;
    }
    Ok(())
}

/// Whether a document-level tag is always represented by a field of [`Receipt`] (so it must not
/// also appear in `other_tags`). Tags the reader keeps raw in some cases (1192 repeated in 1.2,
/// 1227/1228/1256 outside their version, 1173/1174 outside a correction) are not listed.
pub fn is_modelled_receipt_tag(tag: Tag) -> bool {
    matches!(
        tag,
        Tag::FFD_VERSION
            | Tag::USER_NAME
            | Tag::USER_INN
            | Tag::KKT_REG_NUMBER
            | Tag::AUTOMAT_NUMBER
            | Tag::FN_NUMBER
            | Tag::FD_NUMBER
            | Tag::RECEIPT_NUMBER
            | Tag::SHIFT_NUMBER
            | Tag::DATE_TIME
            | Tag::FNS_SITE
            | Tag::INTERNET_ONLY
            | Tag::MARKS_CHECK_RESULT
            | Tag::FISCAL_SIGN
            | Tag::OPERATION
            | Tag::TAX_SYSTEM
            | Tag::CASHIER
            | Tag::CASHIER_INN
            | Tag::PAYMENT_ADDRESS
            | Tag::PAYMENT_PLACE
            | Tag::SENDER_EMAIL
            | Tag::BUYER_CONTACT
            | Tag::ITEM
            | Tag::TOTAL
            | Tag::CASH
            | Tag::ELECTRONIC
            | Tag::PREPAID
            | Tag::CREDIT
            | Tag::CONSIDERATION
            | Tag::VAT_20
            | Tag::VAT_10
            | Tag::SUM_VAT_0
            | Tag::SUM_NO_VAT
            | Tag::VAT_20_120
            | Tag::VAT_10_110
            | Tag::ADDITIONAL_USER_PROP
            | Tag::OPERATIONAL_PROP
            | Tag::SECTORAL_RECEIPT_PROP
    )
}

/// Whether an item-level tag is represented by a field of [`Item`].
pub fn is_modelled_item_tag(tag: Tag) -> bool {
    matches!(
        tag,
        Tag::PAYMENT_METHOD
            | Tag::PAYMENT_SUBJECT
            | Tag::ITEM_NAME
            | Tag::ITEM_PRICE
            | Tag::ITEM_QUANTITY
            | Tag::ITEM_MEASURE
            | Tag::ITEM_UNIT
            | Tag::VAT_RATE
            | Tag::ITEM_VAT
            | Tag::ITEM_UNIT_VAT
            | Tag::ITEM_SUM
            | Tag::PRODUCT_CODE
            | Tag::PRODUCT_CODE_12
            | Tag::MARK_PROCESSING_MODE
            | Tag::MARK_CHECK_RESULT
            | Tag::FRACTIONAL_QUANTITY
            | Tag::ITEM_AGENT_FLAGS
            | Tag::AGENT_DATA
            | Tag::SUPPLIER_DATA
            | Tag::SUPPLIER_INN
            | Tag::EXCISE
            | Tag::COUNTRY_CODE
            | Tag::DECLARATION_NUMBER
            | Tag::SECTORAL_ITEM_PROP
            | Tag::ITEM_EXTRA
    )
}

// ---------------------------------------------------------------------------------------------
// TLV -> Receipt

fn doc_err(path: &Path<'_>, tag: Tag, message: &str) -> Error {
    Error::Document {
        path: path.to_string(),
        tag: Some(tag),
        message: message.to_owned(),
    }
}

fn text_of(path: &Path<'_>, t: &Tlv) -> Result<String, Error> {
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

/// Reads a receipt back from its TLV document (form 3 or 31).
pub fn from_tlv(doc: &Tlv) -> Result<Receipt, Error> {
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
    let (mut have_op, mut have_total) = (false, false);
    let mut client = Client::default();
    let mut reg = RegisterData::default();
    let mut vt = VatTotals::default();
    let mut correction_type = None;
    let mut basis: Option<&Tlv> = None;
    let mut cashier_name = None;
    let mut cashier_inn = None;
    for t in children {
        match t.tag {
            Tag::FFD_VERSION => {}
            Tag::USER_NAME => r.company.name = Some(text_of(&at("company.name"), t)?),
            Tag::USER_INN => r.company.inn = text_of(&at("company.inn"), t)?,
            Tag::KKT_REG_NUMBER => {
                reg.kkt_reg_number = Some(text_of(&at("register.kkt_reg_number"), t)?)
            }
            Tag::AUTOMAT_NUMBER => {
                reg.automat_number = Some(text_of(&at("register.automat_number"), t)?)
            }
            Tag::FN_NUMBER => reg.fn_number = Some(text_of(&at("register.fn_number"), t)?),
            Tag::FD_NUMBER => reg.fd_number = Some(u32_of(&at("register.fd_number"), t)?),
            Tag::RECEIPT_NUMBER => {
                reg.receipt_number = Some(u32_of(&at("register.receipt_number"), t)?)
            }
            Tag::SHIFT_NUMBER => reg.shift_number = Some(u32_of(&at("register.shift_number"), t)?),
            Tag::DATE_TIME => {
                reg.date_time = Some(LocalDateTime::from_unix(u32_of(
                    &at("register.date_time"),
                    t,
                )?))
            }
            Tag::FNS_SITE => reg.fns_site = Some(text_of(&at("register.fns_site"), t)?),
            Tag::INTERNET_ONLY => {
                reg.internet_only = Some(byte_of(&at("register.internet_only"), t)? != 0)
            }
            Tag::MARKS_CHECK_RESULT => {
                reg.marks_check_result = Some(byte_of(&at("register.marks_check_result"), t)?)
            }
            Tag::FISCAL_SIGN => match &t.value {
                Value::Bytes(b) => reg.fiscal_sign = Some(hex::encode_upper(b)),
                _ => {
                    return Err(doc_err(
                        &at("register.fiscal_sign"),
                        t.tag,
                        "expected bytes",
                    ))
                }
            },
            Tag::OPERATION => {
                r.operation = Operation(byte_of(&at("operation"), t)?);
                have_op = true;
            }
            Tag::TAX_SYSTEM => r.tax_system = Some(TaxSystem(byte_of(&at("tax_system"), t)?)),
            Tag::CASHIER => cashier_name = Some(text_of(&at("cashier.name"), t)?),
            Tag::CASHIER_INN => cashier_inn = Some(text_of(&at("cashier.inn"), t)?),
            Tag::PAYMENT_ADDRESS => {
                r.company.payment_address = Some(text_of(&at("company.payment_address"), t)?)
            }
            Tag::PAYMENT_PLACE => {
                r.company.payment_place = Some(text_of(&at("company.payment_place"), t)?)
            }
            Tag::SENDER_EMAIL => r.company.email = Some(text_of(&at("company.email"), t)?),
            Tag::BUYER_CONTACT => client.contact = Some(text_of(&at("client.contact"), t)?),
            Tag::BUYER_NAME if ffd == FfdVersion::V105 => {
                client.name = Some(text_of(&at("client.name"), t)?)
            }
            Tag::BUYER_INN if ffd == FfdVersion::V105 => {
                client.inn = Some(text_of(&at("client.inn"), t)?)
            }
            Tag::BUYER_INFO if ffd == FfdVersion::V12 => {
                for c in t.children() {
                    let slot = match c.tag {
                        Tag::BUYER_NAME => &mut client.name,
                        Tag::BUYER_INN => &mut client.inn,
                        Tag::BUYER_BIRTH_DATE => &mut client.birth_date,
                        Tag::BUYER_CITIZENSHIP => &mut client.citizenship,
                        Tag::BUYER_DOC_CODE => &mut client.document_code,
                        Tag::BUYER_DOC_DATA => &mut client.document_data,
                        Tag::BUYER_ADDRESS => &mut client.address,
                        _ => {
                            return Err(doc_err(
                                &at("client"),
                                c.tag,
                                "unexpected requisite inside 1256",
                            ))
                        }
                    };
                    *slot = Some(text_of(&at("client"), c)?);
                }
            }
            Tag::CORRECTION_TYPE if is_correction => {
                correction_type = Some(CorrectionType(byte_of(&at("correction.type"), t)?))
            }
            Tag::CORRECTION_BASIS if is_correction => basis = Some(t),
            Tag::ITEM => {
                let path = at("items");
                let path = path.i(r.items.len());
                r.items.push(item_from(&path, t)?);
            }
            Tag::TOTAL => {
                r.total = money_of(&at("total"), t)?;
                have_total = true;
            }
            Tag::CASH => r.payments.cash = money_of(&at("payments.cash"), t)?,
            Tag::ELECTRONIC => r.payments.electronic = money_of(&at("payments.electronic"), t)?,
            Tag::PREPAID => r.payments.prepaid = money_of(&at("payments.prepaid"), t)?,
            Tag::CREDIT => r.payments.credit = money_of(&at("payments.credit"), t)?,
            Tag::CONSIDERATION => {
                r.payments.consideration = money_of(&at("payments.consideration"), t)?
            }
            Tag::VAT_20 => vt.vat20 = Some(money_of(&at("vat_totals.vat20"), t)?),
            Tag::VAT_10 => vt.vat10 = Some(money_of(&at("vat_totals.vat10"), t)?),
            Tag::SUM_VAT_0 => vt.vat0_sum = Some(money_of(&at("vat_totals.vat0_sum"), t)?),
            Tag::SUM_NO_VAT => vt.no_vat_sum = Some(money_of(&at("vat_totals.no_vat_sum"), t)?),
            Tag::VAT_20_120 => vt.vat120 = Some(money_of(&at("vat_totals.vat120"), t)?),
            Tag::VAT_10_110 => vt.vat110 = Some(money_of(&at("vat_totals.vat110"), t)?),
            // 1192 may repeat in 1.2; the model holds one, further ones stay in other_tags.
            Tag::ADDITIONAL_RECEIPT_PROP if r.additional_check_props.is_none() => {
                r.additional_check_props = Some(text_of(&at("additional_check_props"), t)?)
            }
            Tag::ADDITIONAL_USER_PROP => {
                let mut p = UserProp::default();
                for c in t.children() {
                    match c.tag {
                        Tag::ADDITIONAL_USER_PROP_NAME => {
                            p.name = text_of(&at("additional_user_prop.name"), c)?
                        }
                        Tag::ADDITIONAL_USER_PROP_VALUE => {
                            p.value = text_of(&at("additional_user_prop.value"), c)?
                        }
                        _ => {
                            return Err(doc_err(
                                &at("additional_user_prop"),
                                c.tag,
                                "unexpected requisite inside 1084",
                            ))
                        }
                    }
                }
                r.additional_user_prop = Some(p);
            }
            Tag::OPERATIONAL_PROP => {
                let (mut id, mut data, mut time) = (None, None, None);
                for c in t.children() {
                    match c.tag {
                        Tag::OPERATIONAL_PROP_ID => {
                            id = Some(byte_of(&at("operating_check_props.id"), c)?)
                        }
                        Tag::OPERATIONAL_PROP_DATA => {
                            data = Some(text_of(&at("operating_check_props.data"), c)?)
                        }
                        Tag::OPERATIONAL_PROP_TIME => {
                            time = Some(LocalDateTime::from_unix(u32_of(
                                &at("operating_check_props.time"),
                                c,
                            )?))
                        }
                        _ => {
                            return Err(doc_err(
                                &at("operating_check_props"),
                                c.tag,
                                "unexpected requisite inside 1270",
                            ))
                        }
                    }
                }
                match (id, data, time) {
                    (Some(id), Some(data), Some(time)) => {
                        r.operating_check_props = Some(OperatingProp { id, data, time })
                    }
                    _ => {
                        return Err(doc_err(
                            &at("operating_check_props"),
                            t.tag,
                            "1270 needs 1271, 1272 and 1273",
                        ))
                    }
                }
            }
            Tag::SECTORAL_RECEIPT_PROP => {
                let path = at("sectoral_check_props");
                let path = path.i(r.sectoral_check_props.len());
                r.sectoral_check_props.push(sectoral_from(&path, t)?);
            }
            _ => r.other_tags.push(raw_of(t)?),
        }
    }
    if !have_op {
        return Err(doc_err(
            &at("operation"),
            Tag::OPERATION,
            "mandatory requisite 1054 is missing",
        ));
    }
    if !have_total {
        return Err(doc_err(
            &at("total"),
            Tag::TOTAL,
            "mandatory requisite 1020 is missing",
        ));
    }
    if let Some(name) = cashier_name {
        r.cashier = Some(Cashier {
            name,
            inn: cashier_inn,
        });
    } else if let Some(inn) = cashier_inn {
        r.cashier = Some(Cashier {
            name: String::new(),
            inn: Some(inn),
        });
    }
    if client != Client::default() {
        r.client = Some(client);
    }
    if reg != RegisterData::default() {
        r.register = Some(reg);
    }
    if vt != VatTotals::default() {
        r.vat_totals = Some(vt);
    }
    if is_correction {
        let mut date = None;
        let mut number = None;
        let mut description = None;
        for c in basis.map(Tlv::children).unwrap_or_default() {
            match c.tag {
                Tag::CORRECTED_DATE => {
                    date = Some(LocalDateTime::from_unix(u32_of(&at("correction.date"), c)?))
                }
                Tag::PRESCRIPTION_NUMBER => number = Some(text_of(&at("correction.number"), c)?),
                Tag::CORRECTION_DESCRIPTION => {
                    description = Some(text_of(&at("correction.description"), c)?)
                }
                _ => {
                    return Err(doc_err(
                        &at("correction"),
                        c.tag,
                        "unexpected requisite inside 1174",
                    ))
                }
            }
        }
        let date = date.ok_or_else(|| {
            doc_err(
                &at("correction.date"),
                Tag::CORRECTED_DATE,
                "1174 needs 1178",
            )
        })?;
        r.correction = Some(Correction {
            correction_type: correction_type.unwrap_or(CorrectionType::SELF_INITIATED),
            date,
            number,
            description,
        });
    }
    Ok(r)
}

fn sectoral_from(path: &Path<'_>, t: &Tlv) -> Result<SectoralProp, Error> {
    let mut p = SectoralProp::default();
    for c in t.children() {
        let slot = match c.tag {
            Tag::FOIV_ID => &mut p.fois_id,
            Tag::BASIS_DOC_DATE => &mut p.date,
            Tag::BASIS_DOC_NUMBER => &mut p.number,
            Tag::SECTORAL_VALUE => &mut p.value,
            _ => {
                return Err(doc_err(
                    path,
                    c.tag,
                    "unexpected requisite inside 1260/1261",
                ))
            }
        };
        *slot = text_of(path, c)?;
    }
    Ok(p)
}

fn item_from(p: &Path<'_>, t: &Tlv) -> Result<Item, Error> {
    let (mut price, mut sum, mut vat, mut method, mut subject) = (None, None, None, None, None);
    // Placeholders for the mandatory requisites, filled (or reported missing) below.
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
    let mut mark = Mark::default();
    let mut agent = ItemAgent::default();
    let mut supplier = Supplier::default();
    for c in t.children() {
        match c.tag {
            Tag::PAYMENT_METHOD => {
                method = Some(PaymentMethod(byte_of(&p.f("payment_method"), c)?))
            }
            Tag::PAYMENT_SUBJECT => {
                subject = Some(PaymentSubject(byte_of(&p.f("payment_subject"), c)?))
            }
            Tag::ITEM_NAME => it.name = Some(text_of(&p.f("name"), c)?),
            Tag::ITEM_PRICE => price = Some(money_of(&p.f("price"), c)?),
            Tag::ITEM_QUANTITY => match c.value {
                Value::Fvln(q) => {
                    it.quantity = Quantity::from_fvln(q)
                        .ok_or_else(|| doc_err(&p.f("quantity"), c.tag, "FVLN scale beyond 28"))?
                }
                _ => return Err(doc_err(&p.f("quantity"), c.tag, "expected an FVLN value")),
            },
            Tag::ITEM_MEASURE => it.measure = Some(Measure(byte_of(&p.f("measure"), c)?)),
            Tag::ITEM_UNIT => it.unit = Some(text_of(&p.f("unit"), c)?),
            Tag::VAT_RATE => vat = Some(VatRate(byte_of(&p.f("vat"), c)?)),
            Tag::ITEM_VAT => it.vat_sum = Some(money_of(&p.f("vat_sum"), c)?),
            Tag::ITEM_UNIT_VAT => it.unit_vat = Some(money_of(&p.f("unit_vat"), c)?),
            Tag::ITEM_SUM => sum = Some(money_of(&p.f("sum"), c)?),
            Tag::PRODUCT_CODE => match &c.value {
                Value::Bytes(b) => mark.code_1162 = Some(hex::encode_upper(b)),
                _ => return Err(doc_err(&p.f("mark.code_1162"), c.tag, "expected bytes")),
            },
            Tag::PRODUCT_CODE_12 => {
                let [child] = c.children() else {
                    return Err(doc_err(
                        &p.f("mark"),
                        c.tag,
                        "1163 must hold exactly one code",
                    ));
                };
                mark.kind = Some(child.tag.0);
                mark.value = Some(text_of(&p.f("mark.value"), child)?);
            }
            Tag::MARK_PROCESSING_MODE => {
                mark.processing_mode = Some(byte_of(&p.f("mark.processing_mode"), c)?)
            }
            Tag::MARK_CHECK_RESULT => {
                mark.check_result = Some(byte_of(&p.f("mark.check_result"), c)?)
            }
            Tag::FRACTIONAL_QUANTITY => {
                let mut fr = Fraction {
                    numerator: 0,
                    denominator: 0,
                    text: None,
                };
                for g in c.children() {
                    match g.tag {
                        Tag::FRACTION => fr.text = Some(text_of(&p.f("fraction.text"), g)?),
                        Tag::NUMERATOR => fr.numerator = vln_of(&p.f("fraction.numerator"), g)?,
                        Tag::DENOMINATOR => {
                            fr.denominator = vln_of(&p.f("fraction.denominator"), g)?
                        }
                        _ => {
                            return Err(doc_err(
                                &p.f("fraction"),
                                g.tag,
                                "unexpected requisite inside 1291",
                            ))
                        }
                    }
                }
                it.fraction = Some(fr);
            }
            Tag::ITEM_AGENT_FLAGS => {
                agent.agent_type = Some(AgentType(byte_of(&p.f("agent.type"), c)?))
            }
            Tag::AGENT_DATA => {
                let mut info = AgentInfo::default();
                let ip = p.f("agent.agent_info");
                for g in c.children() {
                    match g.tag {
                        Tag::PAYING_AGENT_OPERATION => info.operation = Some(text_of(&ip, g)?),
                        Tag::PAYING_AGENT_PHONE => info.phones.push(text_of(&ip, g)?),
                        Tag::PAYMENT_OPERATOR_PHONE => {
                            info.payment_operator_phones.push(text_of(&ip, g)?)
                        }
                        Tag::TRANSFER_OPERATOR_PHONE => {
                            info.transfer_operator_phones.push(text_of(&ip, g)?)
                        }
                        Tag::TRANSFER_OPERATOR_NAME => {
                            info.transfer_operator_name = Some(text_of(&ip, g)?)
                        }
                        Tag::TRANSFER_OPERATOR_ADDRESS => {
                            info.transfer_operator_address = Some(text_of(&ip, g)?)
                        }
                        Tag::TRANSFER_OPERATOR_INN => {
                            info.transfer_operator_inn = Some(text_of(&ip, g)?)
                        }
                        _ => return Err(doc_err(&ip, g.tag, "unexpected requisite inside 1223")),
                    }
                }
                agent.agent_info = Some(info);
            }
            Tag::SUPPLIER_DATA => {
                let sp = p.f("agent.supplier");
                for g in c.children() {
                    match g.tag {
                        Tag::SUPPLIER_PHONE => supplier.phones.push(text_of(&sp, g)?),
                        Tag::SUPPLIER_NAME => supplier.name = Some(text_of(&sp, g)?),
                        _ => return Err(doc_err(&sp, g.tag, "unexpected requisite inside 1224")),
                    }
                }
                agent.supplier = Some(std::mem::take(&mut supplier));
            }
            Tag::SUPPLIER_INN => supplier.inn = Some(text_of(&p.f("agent.supplier.inn"), c)?),
            Tag::EXCISE => it.excise = Some(money_of(&p.f("excise"), c)?),
            Tag::COUNTRY_CODE => it.country_code = Some(text_of(&p.f("country_code"), c)?),
            Tag::DECLARATION_NUMBER => {
                it.declaration_number = Some(text_of(&p.f("declaration_number"), c)?)
            }
            Tag::SECTORAL_ITEM_PROP => {
                let path = p.f("sectoral_props");
                let path = path.i(it.sectoral_props.len());
                it.sectoral_props.push(sectoral_from(&path, c)?);
            }
            Tag::ITEM_EXTRA => it.user_data = Some(text_of(&p.f("user_data"), c)?),
            _ => it.other_tags.push(raw_of(c)?),
        }
    }
    // 1226 may come before or after 1224: merge it into the supplier either way.
    if supplier.inn.is_some() {
        let inn = supplier.inn.take();
        agent.supplier.get_or_insert_with(Supplier::default).inn = inn;
    }
    if agent != ItemAgent::default() {
        it.agent = Some(agent);
    }
    if mark != Mark::default() {
        it.mark = Some(mark);
    }
    it.price = need(price, &p.f("price"), Tag::ITEM_PRICE)?;
    it.sum = need(sum, &p.f("sum"), Tag::ITEM_SUM)?;
    it.vat = need(vat, &p.f("vat"), Tag::VAT_RATE)?;
    it.payment_method = need(method, &p.f("payment_method"), Tag::PAYMENT_METHOD)?;
    it.payment_subject = need(subject, &p.f("payment_subject"), Tag::PAYMENT_SUBJECT)?;
    Ok(it)
}

fn need<T>(v: Option<T>, path: &Path<'_>, tag: Tag) -> Result<T, Error> {
    v.ok_or_else(|| doc_err(path, tag, "mandatory requisite is missing"))
}
