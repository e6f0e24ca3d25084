//! The size model: how big a receipt's document will be once the register has added its part.
//!
//! A shop sends the requisites it knows; the register (ККТ) and the fiscal drive (ФН) add the rest
//! before the document is stored (the register-set requisites of the receipt table of ЕД-7-20/662@,
//! приложение 2; the public ФН core <https://github.com/Ran-Thegoth/MKACCA9000> adds the same
//! ones): 1209, 1048, 1018, 1037, 1038, 1040, 1041, 1042, 1012, 1077, 1009, 1187, 1060, 1117, 1108,
//! and 2107 in 1.2. [`document_size_bound`] is the exact size of fiskal's own encoding
//! ([`crate::tlv::Tlv::encoded_len`]) plus, for every one of those requisites the receipt does not
//! already carry, its size under [`RegisterAssumptions`] — by default the largest the FFD allows
//! for the free-text requisites, with two exceptions stated in [`RegisterAssumptions::default`]
//! (the ФНС site is taken as `www.nalog.gov.ru`; 1036 «номер автомата», used only by vending
//! machines, is not counted).
//!
//! Budget: FFD documents are limited to 32 768 bytes (two public implementations:
//! <https://github.com/yandex/ofd> `ofd/protocol.py` and <https://github.com/chayleaf/coop-fd>);
//! cloud registers are commonly said to reject receipts above "30 KB". [`DEFAULT_BUDGET`] is 30 720
//! bytes for the whole document including its 4-byte outer header (the origin of "30 KB" is not
//! confirmed by a public source): keep it configurable.

use crate::enums::FfdVersion;
use crate::error::Error;
use crate::model::Receipt;
use crate::tlv::HEADER_LEN;

/// The default size budget of one receipt document, bytes (30 × 1024).
pub const DEFAULT_BUDGET: usize = 30_720;

/// What to assume about the requisites the register adds, in value bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegisterAssumptions {
    /// 1048 «наименование пользователя» (FFD max 256).
    pub user_name_len: usize,
    /// 1009 «адрес расчетов» (max 256).
    pub payment_address_len: usize,
    /// 1187 «место расчетов» (max 256).
    pub payment_place_len: usize,
    /// 1117 «адрес электронной почты отправителя чека» (max 64).
    pub sender_email_len: usize,
    /// 1060 «адрес сайта ФНС» (`www.nalog.gov.ru` = 16; max 256).
    pub fns_site_len: usize,
}

impl Default for RegisterAssumptions {
    /// Worst case for every free-text requisite, except the ФНС site, which every register
    /// prints as `www.nalog.gov.ru` (16 bytes).
    fn default() -> Self {
        RegisterAssumptions {
            user_name_len: 256,
            payment_address_len: 256,
            payment_place_len: 256,
            sender_email_len: 64,
            fns_site_len: 16,
        }
    }
}

/// Bytes the register adds to `receipt` under `a` (each requisite counted with its 4-byte
/// header; requisites the receipt already carries are not counted again).
pub fn register_overhead(receipt: &Receipt, a: &RegisterAssumptions) -> usize {
    let reg = receipt.register.as_ref();
    let c = &receipt.company;
    let mut rows: Vec<(bool, usize)> = vec![
        (c.name.is_some(), a.user_name_len),
        (reg.and_then(|r| r.kkt_reg_number.as_ref()).is_some(), 20),
        (reg.and_then(|r| r.shift_number).is_some(), 4),
        (reg.and_then(|r| r.fd_number).is_some(), 4),
        (reg.and_then(|r| r.fn_number.as_ref()).is_some(), 16),
        (reg.and_then(|r| r.receipt_number).is_some(), 4),
        (reg.and_then(|r| r.date_time).is_some(), 4),
        (reg.and_then(|r| r.fiscal_sign.as_ref()).is_some(), 6),
        (c.payment_address.is_some(), a.payment_address_len),
        (c.payment_place.is_some(), a.payment_place_len),
        (
            reg.and_then(|r| r.fns_site.as_ref()).is_some(),
            a.fns_site_len,
        ),
        (c.email.is_some(), a.sender_email_len),
        (reg.and_then(|r| r.internet_only).is_some(), 1),
    ];
    if receipt.ffd == FfdVersion::V12 {
        rows.push((reg.and_then(|r| r.marks_check_result).is_some(), 1));
    }
    // 1209 and 1018 are always emitted by fiskal's encoder, so never added here.
    rows.iter()
        .filter(|(present, _)| !present)
        .map(|(_, len)| HEADER_LEN + len)
        .sum()
}

/// Upper bound of the stored document's size: fiskal's exact encoding plus
/// [`register_overhead`].
pub fn document_size_bound(receipt: &Receipt, a: &RegisterAssumptions) -> Result<usize, Error> {
    let doc = crate::convert::to_tlv(receipt)?;
    Ok(doc.encoded_len() + register_overhead(receipt, a))
}

/// Bytes one item takes in the document (its whole 1059 TLV, header included).
pub fn item_encoded_len(item: &crate::model::Item, ffd: FfdVersion) -> Result<usize, Error> {
    Ok(crate::convert::item_to_tlv(item, ffd, 0)?.encoded_len())
}

/// Upper bound of the stored document's size without its items: what every part of a split
/// cart carries (header, payments, VAT totals, register additions). It is the cart's
/// [`document_size_bound`] minus its items' [`item_encoded_len`]: a part's amounts (total,
/// payments, VAT per rate) are never larger than the cart's, so their VLNs are never wider, and a
/// part uses no VAT rate the cart does not. A part's bound is then this plus its items' lengths.
pub fn header_size_bound(receipt: &Receipt, a: &RegisterAssumptions) -> Result<usize, Error> {
    let doc = crate::convert::to_tlv(receipt)?;
    let items: usize = doc
        .children()
        .iter()
        .filter(|t| t.tag == crate::tag::Tag::ITEM)
        .map(crate::tlv::Tlv::encoded_len)
        .sum();
    Ok(doc.encoded_len() - items + register_overhead(receipt, a))
}
