//! The requisites of every level of a receipt, each described once.
//!
//! One table per level (the document, 1256, 1174, 1084, 1270, 1260/1261, 1059 item, 1291, 1223,
//! 1224) lists its requisites in the order [`super::to_tlv`] writes them. Each entry names the
//! tag, the JSON path of the model field (relative to the level), when the requisite applies and
//! how it is read from and written to the model. The encoder ([`super::encode`]) walks a table
//! in order, the decoder ([`super::decode`]) looks a read tag up in it, and the "modelled tag"
//! predicates ([`super::is_modelled_receipt_tag`], [`super::is_modelled_item_tag`]) are the
//! tables' tag lists: adding a requisite to the model is one entry here.
//!
//! Requisites whose value is computed, derived or nested (items, VAT totals, marks, the STLVs)
//! are [`Kind::Custom`]: a pair of functions in `encode.rs` / `decode.rs`, still listed here in
//! their place.

use super::decode::{self as de, Dec};
use super::encode::{self as en, Enc};
use crate::datetime::LocalDateTime;
use crate::enums::*;
use crate::error::Error;
use crate::model::*;
use crate::money::Money;
use crate::path::Path;
use crate::tag::Tag;
use crate::tlv::Tlv;

/// When a requisite of a level applies.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum When {
    /// In every document.
    Always,
    /// Written and read only in this FFD version; outside it the reader keeps it raw.
    Only(FfdVersion),
    /// Written only in this FFD version, read in any.
    WrittenIn(FfdVersion),
    /// Only in a correction receipt (form 31); the reader keeps it raw in form 3.
    Correction,
    /// The model holds the first occurrence; the reader keeps further ones raw (1192 may repeat
    /// in 1.2).
    First,
}

impl When {
    /// Whether the requisite is always represented by a model field (so it never also appears in
    /// `other_tags`).
    pub(super) fn modelled(self) -> bool {
        matches!(self, When::Always | When::WrittenIn(_))
    }

    /// Whether the encoder writes the requisite in a document of version `ffd`.
    pub(super) fn writes(self, ffd: FfdVersion) -> bool {
        match self {
            When::Only(v) | When::WrittenIn(v) => v == ffd,
            When::Always | When::Correction | When::First => true,
        }
    }
}

/// Reads an optional value of the model.
pub(super) type Get<M, T> = for<'a> fn(&'a M) -> Option<&'a T>;
/// Reads an optional copyable value of the model.
pub(super) type GetCopy<M, T> = fn(&M) -> Option<T>;
/// Stores a read value into the model.
pub(super) type Set<M, T> = fn(&mut M, T);
/// Writes a computed, derived or nested requisite.
pub(super) type CustomEnc<M> = fn(&mut Enc, &At<'_>, &M) -> Result<(), Error>;
/// Reads a computed, derived or nested requisite.
pub(super) type CustomDec<M> = fn(&mut M, &mut Dec, &At<'_>, &Tlv) -> Result<(), Error>;

/// Where a requisite is: its tag, the path of its level and its own path.
pub(super) struct At<'a> {
    /// The requisite's tag.
    pub(super) tag: Tag,
    /// The path of the level (the item, the STLV, the document root).
    pub(super) base: &'a Path<'a>,
    /// The path of the requisite's field (for errors).
    pub(super) path: &'a Path<'a>,
}

/// How a requisite is held by the model and coded on the wire.
pub(super) enum Kind<M: 'static> {
    /// STRING (CP866; fixed-length ones padded on write, trimmed on read).
    Text(Get<M, str>, Set<M, String>),
    /// A repeatable STRING: one requisite per list element.
    Texts(fn(&M) -> &[String], Set<M, String>),
    /// BYTE.
    Byte(GetCopy<M, u8>, Set<M, u8>),
    /// UINT32.
    U32(GetCopy<M, u32>, Set<M, u32>),
    /// UNIXTIME.
    Time(GetCopy<M, LocalDateTime>, Set<M, LocalDateTime>),
    /// VLN amount in kopecks.
    Money(Get<M, Money>, Set<M, Money>),
    /// VLN number.
    Vln(GetCopy<M, u64>, Set<M, u64>),
    /// BYTE[] held as upper-case hex.
    Hex(Get<M, str>, Set<M, String>),
    /// A receipt VAT total (1102–1107): given, else computed from the items.
    VatTotal(VatRate, Get<M, VatTotals>, fn(&mut M) -> &mut VatTotals),
    /// Computed, derived or nested: hand-written encoder and decoder.
    Custom(CustomEnc<M>, CustomDec<M>),
}

/// One requisite of a level.
pub(super) struct Field<M: 'static> {
    /// The tag.
    pub(super) tag: Tag,
    /// The JSON path of the model field, relative to the level.
    pub(super) path: &'static str,
    /// When it applies.
    pub(super) when: When,
    /// 0, or the requisite is mandatory: the reader fails without it, reporting the missing one
    /// with the lowest number first.
    pub(super) required: u8,
    /// How it is held and coded.
    pub(super) kind: Kind<M>,
}

const fn f<M>(tag: Tag, path: &'static str, kind: Kind<M>) -> Field<M> {
    Field {
        tag,
        path,
        when: When::Always,
        required: 0,
        kind,
    }
}

impl<M> Field<M> {
    const fn when(mut self, when: When) -> Self {
        self.when = when;
        self
    }

    const fn required(mut self, order: u8) -> Self {
        self.required = order;
        self
    }
}

/// The requisites inside one STLV.
pub(super) struct Group<M: 'static> {
    /// How the STLV is named in "unexpected requisite inside …".
    pub(super) name: &'static str,
    /// Read errors name the STLV's path rather than the child field's.
    pub(super) errors_at_group: bool,
    /// The encoder leaves the STLV out when it would be empty.
    pub(super) skip_empty: bool,
    /// The children, in the order written.
    pub(super) fields: &'static [Field<M>],
}

// ---------------------------------------------------------------------------------------------
// The document (form 3 / 31)

fn reg(r: &Receipt) -> Option<&RegisterData> {
    r.register.as_ref()
}

fn reg_mut(r: &mut Receipt) -> &mut RegisterData {
    r.register.get_or_insert_with(RegisterData::default)
}

fn client(r: &Receipt) -> Option<&Buyer> {
    r.client.as_ref()
}

pub(super) fn client_mut(r: &mut Receipt) -> &mut Buyer {
    r.client.get_or_insert_with(Buyer::default)
}

fn cashier_mut(r: &mut Receipt) -> &mut Cashier {
    r.cashier.get_or_insert_with(Cashier::default)
}

fn vat_totals(r: &Receipt) -> Option<&VatTotals> {
    r.vat_totals.as_ref()
}

fn vat_totals_mut(r: &mut Receipt) -> &mut VatTotals {
    r.vat_totals.get_or_insert_with(VatTotals::default)
}

/// The document level, in the order written.
pub(super) static RECEIPT: &[Field<Receipt>] = &[
    f::<Receipt>(
        Tag::FFD_VERSION,
        "ffd",
        Kind::Custom(en::ffd_version, de::ffd_version),
    ),
    f::<Receipt>(
        Tag::USER_NAME,
        "company.name",
        Kind::Text(
            |r| r.company.name.as_deref(),
            |r, v| r.company.name = Some(v),
        ),
    ),
    f::<Receipt>(
        Tag::USER_INN,
        "company.inn",
        Kind::Text(|r| Some(r.company.inn.as_str()), |r, v| r.company.inn = v),
    ),
    f::<Receipt>(
        Tag::KKT_REG_NUMBER,
        "register.kkt_reg_number",
        Kind::Text(
            |r| reg(r)?.kkt_reg_number.as_deref(),
            |r, v| reg_mut(r).kkt_reg_number = Some(v),
        ),
    ),
    f::<Receipt>(
        Tag::AUTOMAT_NUMBER,
        "register.automat_number",
        Kind::Text(
            |r| reg(r)?.automat_number.as_deref(),
            |r, v| reg_mut(r).automat_number = Some(v),
        ),
    ),
    f::<Receipt>(
        Tag::FN_NUMBER,
        "register.fn_number",
        Kind::Text(
            |r| reg(r)?.fn_number.as_deref(),
            |r, v| reg_mut(r).fn_number = Some(v),
        ),
    ),
    f::<Receipt>(
        Tag::FD_NUMBER,
        "register.fd_number",
        Kind::U32(|r| reg(r)?.fd_number, |r, v| reg_mut(r).fd_number = Some(v)),
    ),
    f::<Receipt>(
        Tag::RECEIPT_NUMBER,
        "register.receipt_number",
        Kind::U32(
            |r| reg(r)?.receipt_number,
            |r, v| reg_mut(r).receipt_number = Some(v),
        ),
    ),
    f::<Receipt>(
        Tag::SHIFT_NUMBER,
        "register.shift_number",
        Kind::U32(
            |r| reg(r)?.shift_number,
            |r, v| reg_mut(r).shift_number = Some(v),
        ),
    ),
    f::<Receipt>(
        Tag::DATE_TIME,
        "register.date_time",
        Kind::Time(|r| reg(r)?.date_time, |r, v| reg_mut(r).date_time = Some(v)),
    ),
    f::<Receipt>(
        Tag::OPERATION,
        "operation",
        Kind::Byte(|r| Some(r.operation.0), |r, v| r.operation = Operation(v)),
    )
    .required(1),
    f::<Receipt>(
        Tag::TAX_SYSTEM,
        "tax_system",
        Kind::Byte(
            |r| r.tax_system.map(|t| t.0),
            |r, v| r.tax_system = Some(TaxSystem(v)),
        ),
    ),
    f::<Receipt>(
        Tag::CASHIER,
        "cashier.name",
        Kind::Text(
            |r| r.cashier.as_ref().map(|c| c.name.as_str()),
            |r, v| cashier_mut(r).name = v,
        ),
    ),
    f::<Receipt>(
        Tag::CASHIER_INN,
        "cashier.inn",
        Kind::Text(
            |r| r.cashier.as_ref()?.inn.as_deref(),
            |r, v| cashier_mut(r).inn = Some(v),
        ),
    ),
    f::<Receipt>(
        Tag::PAYMENT_ADDRESS,
        "company.payment_address",
        Kind::Text(
            |r| r.company.payment_address.as_deref(),
            |r, v| r.company.payment_address = Some(v),
        ),
    ),
    f::<Receipt>(
        Tag::PAYMENT_PLACE,
        "company.payment_place",
        Kind::Text(
            |r| r.company.payment_place.as_deref(),
            |r, v| r.company.payment_place = Some(v),
        ),
    ),
    f::<Receipt>(
        Tag::BUYER_CONTACT,
        "client.contact",
        Kind::Text(
            |r| client(r)?.contact.as_deref(),
            |r, v| client_mut(r).contact = Some(v),
        ),
    ),
    // FFD 1.05 carries the buyer's name and ИНН at the document level, 1.2 inside 1256.
    f::<Receipt>(
        Tag::BUYER_NAME,
        "client.name",
        Kind::Text(
            |r| client(r)?.name.as_deref(),
            |r, v| client_mut(r).name = Some(v),
        ),
    )
    .when(When::Only(FfdVersion::V105)),
    f::<Receipt>(
        Tag::BUYER_INN,
        "client.inn",
        Kind::Text(
            |r| client(r)?.inn.as_deref(),
            |r, v| client_mut(r).inn = Some(v),
        ),
    )
    .when(When::Only(FfdVersion::V105)),
    f::<Receipt>(
        Tag::BUYER_INFO,
        "client",
        Kind::Custom(en::buyer_info, de::buyer_info),
    )
    .when(When::Only(FfdVersion::V12)),
    f::<Receipt>(
        Tag::SENDER_EMAIL,
        "company.email",
        Kind::Text(
            |r| r.company.email.as_deref(),
            |r, v| r.company.email = Some(v),
        ),
    ),
    f::<Receipt>(
        Tag::FNS_SITE,
        "register.fns_site",
        Kind::Text(
            |r| reg(r)?.fns_site.as_deref(),
            |r, v| reg_mut(r).fns_site = Some(v),
        ),
    ),
    f::<Receipt>(
        Tag::INTERNET_ONLY,
        "register.internet_only",
        Kind::Byte(
            |r| reg(r)?.internet_only.map(u8::from),
            |r, v| reg_mut(r).internet_only = Some(v != 0),
        ),
    ),
    f::<Receipt>(
        Tag::CORRECTION_TYPE,
        "correction.type",
        Kind::Custom(en::correction_type, de::correction_type),
    )
    .when(When::Correction),
    f::<Receipt>(
        Tag::CORRECTION_BASIS,
        "correction",
        Kind::Custom(en::correction_basis, de::correction_basis),
    )
    .when(When::Correction),
    f::<Receipt>(Tag::ITEM, "items", Kind::Custom(en::items, de::items)),
    f::<Receipt>(
        Tag::TOTAL,
        "total",
        Kind::Money(|r| Some(&r.total), |r, v| r.total = v),
    )
    .required(2),
    // Every payment kind is written, zero or not.
    f::<Receipt>(
        Tag::CASH,
        "payments.cash",
        Kind::Money(|r| Some(&r.payments.cash), |r, v| r.payments.cash = v),
    ),
    f::<Receipt>(
        Tag::ELECTRONIC,
        "payments.electronic",
        Kind::Money(
            |r| Some(&r.payments.electronic),
            |r, v| r.payments.electronic = v,
        ),
    ),
    f::<Receipt>(
        Tag::PREPAID,
        "payments.prepaid",
        Kind::Money(|r| Some(&r.payments.prepaid), |r, v| r.payments.prepaid = v),
    ),
    f::<Receipt>(
        Tag::CREDIT,
        "payments.credit",
        Kind::Money(|r| Some(&r.payments.credit), |r, v| r.payments.credit = v),
    ),
    f::<Receipt>(
        Tag::CONSIDERATION,
        "payments.consideration",
        Kind::Money(
            |r| Some(&r.payments.consideration),
            |r, v| r.payments.consideration = v,
        ),
    ),
    f::<Receipt>(
        Tag::VAT_20,
        "vat_totals.vat20",
        Kind::VatTotal(VatRate::VAT20, vat_totals, vat_totals_mut),
    ),
    f::<Receipt>(
        Tag::VAT_10,
        "vat_totals.vat10",
        Kind::VatTotal(VatRate::VAT10, vat_totals, vat_totals_mut),
    ),
    f::<Receipt>(
        Tag::SUM_VAT_0,
        "vat_totals.vat0_sum",
        Kind::VatTotal(VatRate::VAT0, vat_totals, vat_totals_mut),
    ),
    f::<Receipt>(
        Tag::SUM_NO_VAT,
        "vat_totals.no_vat_sum",
        Kind::VatTotal(VatRate::NONE, vat_totals, vat_totals_mut),
    ),
    f::<Receipt>(
        Tag::VAT_20_120,
        "vat_totals.vat120",
        Kind::VatTotal(VatRate::VAT120, vat_totals, vat_totals_mut),
    ),
    f::<Receipt>(
        Tag::VAT_10_110,
        "vat_totals.vat110",
        Kind::VatTotal(VatRate::VAT110, vat_totals, vat_totals_mut),
    ),
    f::<Receipt>(
        Tag::ADDITIONAL_RECEIPT_PROP,
        "additional_check_props",
        Kind::Text(
            |r| r.additional_check_props.as_deref(),
            |r, v| r.additional_check_props = Some(v),
        ),
    )
    .when(When::First),
    f::<Receipt>(
        Tag::ADDITIONAL_USER_PROP,
        "additional_user_prop",
        Kind::Custom(en::user_prop, de::user_prop),
    ),
    f::<Receipt>(
        Tag::OPERATIONAL_PROP,
        "operating_check_props",
        Kind::Custom(en::operating_prop, de::operating_prop),
    ),
    f::<Receipt>(
        Tag::SECTORAL_RECEIPT_PROP,
        "sectoral_check_props",
        Kind::Custom(en::receipt_sectoral, de::receipt_sectoral),
    ),
    f::<Receipt>(
        Tag::MARKS_CHECK_RESULT,
        "register.marks_check_result",
        Kind::Byte(
            |r| reg(r)?.marks_check_result,
            |r, v| reg_mut(r).marks_check_result = Some(v),
        ),
    ),
    f::<Receipt>(
        Tag::FISCAL_SIGN,
        "register.fiscal_sign",
        Kind::Hex(
            |r| reg(r)?.fiscal_sign.as_deref(),
            |r, v| reg_mut(r).fiscal_sign = Some(v),
        ),
    ),
];

/// 1256 «сведения о покупателе» (FFD 1.2).
pub(super) static BUYER_INFO: Group<Buyer> = Group {
    name: "1256",
    errors_at_group: true,
    skip_empty: true,
    fields: &[
        f(
            Tag::BUYER_NAME,
            "name",
            Kind::Text(|c| c.name.as_deref(), |c, v| c.name = Some(v)),
        ),
        f(
            Tag::BUYER_INN,
            "inn",
            Kind::Text(|c| c.inn.as_deref(), |c, v| c.inn = Some(v)),
        ),
        f(
            Tag::BUYER_BIRTH_DATE,
            "birth_date",
            Kind::Text(|c| c.birth_date.as_deref(), |c, v| c.birth_date = Some(v)),
        ),
        f(
            Tag::BUYER_CITIZENSHIP,
            "citizenship",
            Kind::Text(|c| c.citizenship.as_deref(), |c, v| c.citizenship = Some(v)),
        ),
        f(
            Tag::BUYER_DOC_CODE,
            "document_code",
            Kind::Text(
                |c| c.document_code.as_deref(),
                |c, v| c.document_code = Some(v),
            ),
        ),
        f(
            Tag::BUYER_DOC_DATA,
            "document_data",
            Kind::Text(
                |c| c.document_data.as_deref(),
                |c, v| c.document_data = Some(v),
            ),
        ),
        f(
            Tag::BUYER_ADDRESS,
            "address",
            Kind::Text(|c| c.address.as_deref(), |c, v| c.address = Some(v)),
        ),
    ],
};

/// The children of 1174 «основание для коррекции», as read (1178 is mandatory).
#[derive(Default)]
pub(super) struct Basis {
    pub(super) description: Option<String>,
    pub(super) date: Option<LocalDateTime>,
    pub(super) number: Option<String>,
}

/// 1174 «основание для коррекции».
pub(super) static CORRECTION_BASIS: Group<Basis> = Group {
    name: "1174",
    errors_at_group: false,
    skip_empty: false,
    fields: &[
        f(
            Tag::CORRECTION_DESCRIPTION,
            "description",
            Kind::Text(|b| b.description.as_deref(), |b, v| b.description = Some(v)),
        ),
        f(
            Tag::CORRECTED_DATE,
            "date",
            Kind::Time(|b| b.date, |b, v| b.date = Some(v)),
        ),
        f(
            Tag::PRESCRIPTION_NUMBER,
            "number",
            Kind::Text(|b| b.number.as_deref(), |b, v| b.number = Some(v)),
        ),
    ],
};

/// 1084 «дополнительный реквизит пользователя».
pub(super) static USER_PROP: Group<UserProp> = Group {
    name: "1084",
    errors_at_group: false,
    skip_empty: false,
    fields: &[
        f(
            Tag::ADDITIONAL_USER_PROP_NAME,
            "name",
            Kind::Text(|p| Some(p.name.as_str()), |p, v| p.name = v),
        ),
        f(
            Tag::ADDITIONAL_USER_PROP_VALUE,
            "value",
            Kind::Text(|p| Some(p.value.as_str()), |p, v| p.value = v),
        ),
    ],
};

/// The children of 1270 «операционный реквизит чека», as read (all three are mandatory).
#[derive(Default)]
pub(super) struct Operating {
    pub(super) id: Option<u8>,
    pub(super) data: Option<String>,
    pub(super) time: Option<LocalDateTime>,
}

/// 1270 «операционный реквизит чека».
pub(super) static OPERATING_PROP: Group<Operating> = Group {
    name: "1270",
    errors_at_group: false,
    skip_empty: false,
    fields: &[
        f(
            Tag::OPERATIONAL_PROP_ID,
            "id",
            Kind::Byte(|p| p.id, |p, v| p.id = Some(v)),
        ),
        f(
            Tag::OPERATIONAL_PROP_DATA,
            "data",
            Kind::Text(|p| p.data.as_deref(), |p, v| p.data = Some(v)),
        ),
        f(
            Tag::OPERATIONAL_PROP_TIME,
            "time",
            Kind::Time(|p| p.time, |p, v| p.time = Some(v)),
        ),
    ],
};

/// 1261 «отраслевой реквизит чека» and 1260 «отраслевой реквизит предмета расчета».
pub(super) static SECTORAL: Group<SectoralProp> = Group {
    name: "1260/1261",
    errors_at_group: true,
    skip_empty: false,
    fields: &[
        f(
            Tag::FOIV_ID,
            "fois_id",
            Kind::Text(|p| Some(p.fois_id.as_str()), |p, v| p.fois_id = v),
        ),
        f(
            Tag::BASIS_DOC_DATE,
            "date",
            Kind::Text(|p| Some(p.date.as_str()), |p, v| p.date = v),
        ),
        f(
            Tag::BASIS_DOC_NUMBER,
            "number",
            Kind::Text(|p| Some(p.number.as_str()), |p, v| p.number = v),
        ),
        f(
            Tag::SECTORAL_VALUE,
            "value",
            Kind::Text(|p| Some(p.value.as_str()), |p, v| p.value = v),
        ),
    ],
};

mod item;
pub(super) use item::{agent_mut, mark_mut, supplier_mut, AGENT_INFO, FRACTION, ITEM, SUPPLIER};

#[cfg(test)]
mod tests {
    use super::*;

    fn tags<M>(fields: &[Field<M>]) -> Vec<u16> {
        fields.iter().map(|f| f.tag.0).collect()
    }

    /// The decoder takes the first entry of a tag: a level must list each tag once.
    #[test]
    fn every_level_lists_a_tag_once() {
        let levels = [
            ("document", tags(RECEIPT)),
            ("1256", tags(BUYER_INFO.fields)),
            ("1174", tags(CORRECTION_BASIS.fields)),
            ("1084", tags(USER_PROP.fields)),
            ("1270", tags(OPERATING_PROP.fields)),
            ("1260/1261", tags(SECTORAL.fields)),
            ("1059", tags(ITEM)),
            ("1291", tags(FRACTION.fields)),
            ("1223", tags(AGENT_INFO.fields)),
            ("1224", tags(SUPPLIER.fields)),
        ];
        for (name, mut tags) in levels {
            let n = tags.len();
            tags.sort_unstable();
            tags.dedup();
            assert_eq!(tags.len(), n, "a tag is listed twice in {name}");
        }
    }

    /// Every model path of a level is a field path, not empty, and unique within the level.
    #[test]
    fn every_entry_names_its_model_field() {
        for (name, paths) in [
            (
                "document",
                RECEIPT.iter().map(|f| f.path).collect::<Vec<_>>(),
            ),
            ("1059", ITEM.iter().map(|f| f.path).collect()),
        ] {
            let mut sorted = paths.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(
                sorted.len(),
                paths.len(),
                "a path is listed twice in {name}"
            );
            assert!(paths.iter().all(|p| !p.is_empty() && !p.contains(' ')));
        }
    }
}
