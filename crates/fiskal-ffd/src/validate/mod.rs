//! Validation of a [`Receipt`] against an FFD profile, reporting **all** problems at once.
//!
//! Every rule draws its limits from the tag dictionary ([`crate::tag`]); each finding carries the
//! JSON path of the field and a stable code ([`crate::violation`]). Validation is pure and does
//! not stop at the first problem.
//!
//! Tolerances and policies (each a documented choice, see docs/receipt-json.md):
//! * item sum vs price × quantity: |sum − round_half_up(price × quantity)| ≤ 1 kopeck (the KKT
//!   tolerance, as Shtrih-M documents it: <https://github.com/shtrih-m/fr_drv_ng/issues/243>);
//!   with a fraction (1291) the sum may also match price × n/d (which one is meant is not
//!   confirmed by a public source);
//! * item VAT given explicitly: within 1 kopeck of round_half_up(sum × r/(100+r));
//! * receipt VAT totals given explicitly: equal to Σ item VAT of that rate (per-item rounding,
//!   then sum);
//! * Σ item sums = total = Σ payments, exactly.

use crate::cp866;
use crate::enums::{CorrectionType, FfdVersion, PaymentSubject, TaxSystem};
use crate::model::*;
use crate::money::{Money, Quantity, Rounding};
use crate::path::{at, Path};
use crate::tag::{Len, Tag};
use crate::vat_totals::{RateTotals, RECEIPT_VAT_TAGS};
use crate::violation::{CorrectionRule, MarkRule, Violation, ViolationKind as K};
use rust_decimal::Decimal;

mod item;

/// Limits that vary by deployment rather than by the FFD text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Profile {
    /// Most decimals allowed in a quantity: 3 by default for 1.05 (the cross-vendor safe limit),
    /// 6 for 1.2 (commonly cited; not confirmed by a public source).
    pub max_quantity_scale: u32,
    /// Largest encoded document accepted, bytes (FFD: 32 768 for a receipt). `None` skips the
    /// size rule and the encoding it needs — for a cart that is about to be split (fiskal-calc).
    pub max_document_size: Option<usize>,
}

impl Profile {
    /// The same profile without the document-size rule (see [`Profile::max_document_size`]).
    pub fn without_size_limit(mut self) -> Profile {
        self.max_document_size = None;
        self
    }

    /// The default profile of an FFD version.
    pub fn for_version(v: FfdVersion) -> Profile {
        Profile {
            max_quantity_scale: if v == FfdVersion::V12 { 6 } else { 3 },
            max_document_size: Some(32_768),
        }
    }
}

/// Validates with the default profile of the receipt's own FFD version.
pub fn validate(r: &Receipt) -> Result<(), Vec<Violation>> {
    let v = validate_with(r, &Profile::for_version(r.ffd));
    if v.is_empty() {
        Ok(())
    } else {
        Err(v)
    }
}

/// Validates with an explicit profile and returns every violation found (empty = valid).
pub fn validate_with(r: &Receipt, profile: &Profile) -> Vec<Violation> {
    check(r, profile, false).0
}

/// Validates and, when valid, returns the TLV document, built once (validation needs it for the
/// exact-size rule anyway). The one-call path from a receipt to its wire form.
pub fn build(r: &Receipt, profile: &Profile) -> Result<crate::tlv::Tlv, crate::Error> {
    match check(r, profile, true) {
        (v, Some(doc)) if v.is_empty() => Ok(doc),
        (v, _) if !v.is_empty() => Err(crate::Error::Invalid(v)),
        // Valid but not encodable cannot happen (validation covers what encoding needs); build
        // again to surface the encoder's own error rather than panic.
        _ => crate::convert::to_tlv(r),
    }
}

/// Every violation and, when `want_doc` and the size rule built it, the TLV document.
fn check(
    r: &Receipt,
    profile: &Profile,
    want_doc: bool,
) -> (Vec<Violation>, Option<crate::tlv::Tlv>) {
    let mut c = Ctx {
        out: Vec::new(),
        v: r.ffd,
        profile,
        want_doc,
        doc: None,
    };
    c.receipt(r);
    (c.out, c.doc)
}

struct Ctx<'p> {
    out: Vec<Violation>,
    v: FfdVersion,
    profile: &'p Profile,
    /// Keep the document the size rule encodes ([`build`]); else only its size is computed.
    want_doc: bool,
    doc: Option<crate::tlv::Tlv>,
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// ИНН check digits (10 digits for organisations, 12 for individuals).
pub fn inn_checksum_ok(inn: &str) -> bool {
    const W10: [u32; 9] = [2, 4, 10, 3, 5, 9, 4, 6, 8];
    const W11: [u32; 10] = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
    const W12: [u32; 11] = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
    let d: Vec<u32> = inn
        .bytes()
        .map(|b| u32::from(b.wrapping_sub(b'0')))
        .collect();
    let check = |w: &[u32]| w.iter().zip(&d).map(|(w, d)| w * d).sum::<u32>() % 11 % 10;
    match d.len() {
        10 => check(&W10) == d[9],
        12 => check(&W11) == d[10] && check(&W12) == d[11],
        _ => false,
    }
}

fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !s.chars().any(char::is_whitespace)
}

fn is_phone(s: &str) -> bool {
    let digits = s.strip_prefix('+').unwrap_or(s);
    is_digits(digits) && (10..=15).contains(&digits.len())
}

fn is_ddmmyyyy(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[2] != b'.' || b[5] != b'.' {
        return false;
    }
    let n = |r: std::ops::Range<usize>| {
        s.get(r)
            .filter(|p| is_digits(p))
            .and_then(|p| p.parse::<i64>().ok())
    };
    match (n(0..2), n(3..5), n(6..10)) {
        (Some(d), Some(m), Some(y)) => {
            (1..=12).contains(&m) && d >= 1 && d <= crate::datetime::days_in_month(y, m)
        }
        _ => false,
    }
}

impl Ctx<'_> {
    fn push(&mut self, path: impl std::fmt::Display, kind: K) {
        self.out.push(Violation {
            path: path.to_string(),
            kind,
        });
    }

    /// The tag must exist in the receipt's FFD version.
    fn in_version(&mut self, path: &Path<'_>, tag: Tag) -> bool {
        let ok = tag.info().is_some_and(|i| match self.v {
            FfdVersion::V105 => i.versions.v105,
            FfdVersion::V12 => i.versions.v12,
        });
        if !ok {
            self.push(path.to_string(), K::NotInVersion { version: self.v });
        }
        ok
    }

    /// Checks text against the tag's length rule and CP866. Returns false if it found anything.
    fn text(&mut self, path: &Path<'_>, tag: Tag, s: &str) -> bool {
        let before = self.out.len();
        if s.is_empty() {
            self.push(path.to_string(), K::Required);
            return false;
        }
        // One walk for the usual text (all encodable: its length); the characters CP866 lacks
        // are listed only when there are some.
        let len = match cp866::encoded_len(s) {
            Some(len) => len,
            None => {
                let mut chars = String::new();
                for u in cp866::unencodable(s) {
                    if !chars.contains(u.ch) {
                        chars.push(u.ch);
                    }
                }
                self.push(path.to_string(), K::NotCp866 { chars });
                cp866::byte_len(s)
            }
        };
        if let Some(info) = tag.info() {
            let max = usize::from(info.len.max());
            if len > max {
                self.push(path.to_string(), K::TooLong { max, actual: len });
            }
        }
        self.out.len() == before
    }

    fn opt_text(&mut self, path: &Path<'_>, tag: Tag, s: &Option<String>) {
        if let Some(s) = s {
            self.text(path, tag, s);
        }
    }

    fn digits_fixed(&mut self, path: &Path<'_>, s: &str, len: usize, expected: &'static [usize]) {
        if !is_digits(s) {
            self.push(path.to_string(), K::NotDigits);
        } else if s.len() != len {
            self.push(
                path.to_string(),
                K::WrongLength {
                    expected,
                    actual: s.len(),
                },
            );
        }
    }

    fn inn(&mut self, path: &Path<'_>, s: &str) {
        if s.is_empty() {
            self.push(path.to_string(), K::Required);
        } else if !is_digits(s) {
            self.push(path.to_string(), K::NotDigits);
        } else if s.len() != 10 && s.len() != 12 {
            self.push(
                path.to_string(),
                K::WrongLength {
                    expected: &[10, 12],
                    actual: s.len(),
                },
            );
        } else if !inn_checksum_ok(s) {
            self.push(path.to_string(), K::InnCheckDigit);
        }
    }

    fn phone(&mut self, path: &Path<'_>, tag: Tag, s: &str) {
        if self.text(path, tag, s) && !is_phone(s) {
            self.push(path.to_string(), K::PhoneFormat);
        }
    }

    fn money(&mut self, path: &Path<'_>, m: &Money) -> Option<u64> {
        match m.kopecks() {
            Ok(k) => Some(k),
            Err(p) => {
                self.push(path.to_string(), crate::violation::money_violation(p));
                None
            }
        }
    }

    fn hex(&mut self, path: &Path<'_>, s: &str, max: usize) -> Option<Vec<u8>> {
        match hex::decode(s) {
            Ok(b) if b.len() > max => {
                // Counted in hex characters, as the caller wrote them.
                self.push(
                    path.to_string(),
                    K::TooLong {
                        max: max * 2,
                        actual: s.len(),
                    },
                );
                None
            }
            Ok(b) => Some(b),
            Err(_) => {
                self.push(path.to_string(), K::HexFormat);
                None
            }
        }
    }

    fn receipt(&mut self, r: &Receipt) {
        if r.version != FORMAT_VERSION {
            self.push(
                "version",
                K::UnsupportedFormatVersion { version: r.version },
            );
        }
        if !r.operation.is_known() {
            self.push(
                "operation",
                K::UnknownValue {
                    tag: Tag::OPERATION,
                    value: r.operation.0.into(),
                },
            );
        }
        if let Some(ts) = r.tax_system {
            if ts.0.count_ones() != 1 {
                self.push("tax_system".to_owned(), K::TaxSystemOneBit);
            } else if !ts.is_known() || ts == TaxSystem(0) {
                self.push(
                    "tax_system",
                    K::UnknownValue {
                        tag: Tag::TAX_SYSTEM,
                        value: ts.0.into(),
                    },
                );
            }
        }
        self.company(&r.company);
        if let Some(c) = &r.cashier {
            self.text(&at("cashier.name"), Tag::CASHIER, &c.name);
            if let Some(inn) = &c.inn {
                self.inn(&at("cashier.inn"), inn);
            }
        }
        if let Some(c) = &r.client {
            self.client(c);
        }

        let is_correction = r.correction.is_some();
        if r.items.is_empty() && !(is_correction && self.v == FfdVersion::V105) {
            self.push("items".to_owned(), K::NoItems);
        }
        let mut items_sum: Option<u64> = Some(0);
        let mut rate_totals = RateTotals::default();
        let items = at("items");
        for (i, item) in r.items.iter().enumerate() {
            let (sum, vat) = self.item(&items.i(i), item);
            items_sum = match (items_sum, sum) {
                (Some(a), Some(b)) => a.checked_add(b),
                _ => None,
            };
            if let Some(sum) = sum {
                rate_totals.add(item.vat, sum, vat);
            }
        }

        let total = self.money(&at("total"), &r.total);
        let mut paid: Option<u64> = Some(0);
        for (name, m) in [
            ("payments.cash", &r.payments.cash),
            ("payments.electronic", &r.payments.electronic),
            ("payments.prepaid", &r.payments.prepaid),
            ("payments.credit", &r.payments.credit),
            ("payments.consideration", &r.payments.consideration),
        ] {
            let k = self.money(&at(name), m);
            paid = match (paid, k) {
                (Some(a), Some(b)) => a.checked_add(b),
                _ => None,
            };
        }
        if let Some(t) = total {
            if let Some(s) = items_sum.filter(|_| !r.items.is_empty()) {
                if s != t {
                    self.push(
                        "total",
                        K::TotalMismatch {
                            expected: s,
                            actual: t,
                        },
                    );
                }
            }
            if let Some(p) = paid {
                if p != t {
                    self.push(
                        "payments",
                        K::PaymentsMismatch {
                            expected: t,
                            actual: p,
                        },
                    );
                }
            }
        }
        if let Some(vt) = &r.vat_totals {
            let vt_path = at("vat_totals");
            for (_, rate, field) in RECEIPT_VAT_TAGS {
                let Some(m) = vt.given(rate) else { continue };
                let path = vt_path.f(field);
                let Some(given) = self.money(&path, &m) else {
                    continue;
                };
                if r.items.is_empty() {
                    continue;
                }
                let expected = rate_totals.get(rate).unwrap_or(0);
                if given != expected {
                    self.push(
                        path,
                        K::VatTotalMismatch {
                            expected,
                            actual: given,
                        },
                    );
                }
            }
        }
        self.opt_text(
            &at("additional_check_props"),
            Tag::ADDITIONAL_RECEIPT_PROP,
            &r.additional_check_props,
        );
        if let Some(p) = &r.additional_user_prop {
            self.text(
                &at("additional_user_prop.name"),
                Tag::ADDITIONAL_USER_PROP_NAME,
                &p.name,
            );
            self.text(
                &at("additional_user_prop.value"),
                Tag::ADDITIONAL_USER_PROP_VALUE,
                &p.value,
            );
        }
        if let Some(p) = &r.operating_check_props {
            if self.in_version(&at("operating_check_props"), Tag::OPERATIONAL_PROP) {
                self.text(
                    &at("operating_check_props.data"),
                    Tag::OPERATIONAL_PROP_DATA,
                    &p.data,
                );
            }
        }
        for (i, p) in r.sectoral_check_props.iter().enumerate() {
            let scp = at("sectoral_check_props");
            let path = scp.i(i);
            if self.in_version(&path, Tag::SECTORAL_RECEIPT_PROP) {
                self.sectoral(&path, p);
            }
        }
        if let Some(c) = &r.correction {
            if !c.correction_type.is_known() {
                self.push(
                    "correction.type",
                    K::UnknownValue {
                        tag: Tag::CORRECTION_TYPE,
                        value: c.correction_type.0.into(),
                    },
                );
            }
            match &c.number {
                Some(n) => {
                    self.text(&at("correction.number"), Tag::PRESCRIPTION_NUMBER, n);
                }
                None if c.correction_type == CorrectionType::BY_PRESCRIPTION => self.push(
                    "correction.number",
                    K::CorrectionRule {
                        rule: CorrectionRule::NumberRequired,
                    },
                ),
                None => {}
            }
            if c.description.is_some() {
                self.push(
                    "correction.description",
                    K::CorrectionRule {
                        rule: CorrectionRule::DescriptionLegacy,
                    },
                );
            }
        }
        if let Some(reg) = &r.register {
            self.register(reg);
        }
        for (i, t) in r.other_tags.iter().enumerate() {
            if crate::convert::is_modelled_receipt_tag(Tag(t.tag)) {
                self.push(
                    at("other_tags").i(i).f("tag"),
                    K::ModelledTag { tag: Tag(t.tag) },
                );
            }
            self.hex(
                &at("other_tags").i(i).f("hex"),
                &t.hex,
                usize::from(u16::MAX),
            );
        }
        // Only once every field is known to be representable: the exact encoded size.
        if let (true, Some(max)) = (self.out.is_empty(), self.profile.max_document_size) {
            // Only the verdict wanted (`validate_with`): the size without building the tree.
            let size = if self.want_doc {
                crate::convert::to_tlv(r).ok().map(|doc| {
                    let size = doc.encoded_len();
                    self.doc = Some(doc);
                    size
                })
            } else {
                // A bound that fits settles it: first the one that counts plain items at their
                // largest without reading them, then the one that reads every item but no text
                // for CP866 (the rules above read each one); otherwise the exact count. All give
                // no size when the encoder would fail, and then no violation, as the built
                // document does.
                let fits = |bound: Option<Result<usize, crate::Error>>| matches!(bound, Some(Ok(b)) if b <= max);
                if fits(crate::convert::encoded_len_quick(r, max))
                    || fits(Some(crate::convert::encoded_len_bound(r)))
                {
                    None
                } else {
                    crate::convert::encoded_len(r).ok()
                }
            };
            if let Some(size) = size.filter(|&size| size > max) {
                self.push(String::new(), K::DocumentTooLarge { max, actual: size });
            }
        }
    }

    fn company(&mut self, c: &Company) {
        self.inn(&at("company.inn"), &c.inn);
        self.opt_text(&at("company.name"), Tag::USER_NAME, &c.name);
        match &c.payment_place {
            Some(p) => {
                self.text(&at("company.payment_place"), Tag::PAYMENT_PLACE, p);
            }
            None if self.v == FfdVersion::V12 => {
                self.push("company.payment_place".to_owned(), K::Required)
            }
            None => {}
        }
        self.opt_text(
            &at("company.payment_address"),
            Tag::PAYMENT_ADDRESS,
            &c.payment_address,
        );
        if let Some(e) = &c.email {
            if self.text(&at("company.email"), Tag::SENDER_EMAIL, e) && !is_email(e) {
                self.push("company.email".to_owned(), K::EmailFormat);
            }
        }
    }

    fn client(&mut self, c: &Buyer) {
        if let Some(contact) = &c.contact {
            if self.text(&at("client.contact"), Tag::BUYER_CONTACT, contact)
                && !is_email(contact)
                && !is_phone(contact)
            {
                self.push("client.contact".to_owned(), K::ContactFormat);
            }
        }
        self.opt_text(&at("client.name"), Tag::BUYER_NAME, &c.name);
        if let Some(inn) = &c.inn {
            self.inn(&at("client.inn"), inn);
        }
        let v12_only = [
            (
                "client.birth_date",
                c.birth_date.as_ref(),
                Tag::BUYER_BIRTH_DATE,
            ),
            (
                "client.citizenship",
                c.citizenship.as_ref(),
                Tag::BUYER_CITIZENSHIP,
            ),
            (
                "client.document_code",
                c.document_code.as_ref(),
                Tag::BUYER_DOC_CODE,
            ),
            (
                "client.document_data",
                c.document_data.as_ref(),
                Tag::BUYER_DOC_DATA,
            ),
            ("client.address", c.address.as_ref(), Tag::BUYER_ADDRESS),
        ];
        for (path, value, tag) in v12_only {
            let Some(value) = value else { continue };
            let path = &at(path);
            if !self.in_version(path, tag) || !self.text(path, tag, value) {
                continue;
            }
            match tag {
                Tag::BUYER_BIRTH_DATE if !is_ddmmyyyy(value) => self.push(path, K::DateFormat),
                Tag::BUYER_CITIZENSHIP => self.digits_fixed(path, value, 3, &[3]),
                Tag::BUYER_DOC_CODE => self.digits_fixed(path, value, 2, &[2]),
                _ => {}
            }
        }
    }

    fn sectoral(&mut self, path: &Path<'_>, p: &SectoralProp) {
        let f = path.f("fois_id");
        if self.text(&f, Tag::FOIV_ID, &p.fois_id) {
            self.digits_fixed(&f, &p.fois_id, 3, &[3]);
        }
        let d = path.f("date");
        if self.text(&d, Tag::BASIS_DOC_DATE, &p.date) && !is_ddmmyyyy(&p.date) {
            self.push(d, K::DateFormat);
        }
        self.text(&path.f("number"), Tag::BASIS_DOC_NUMBER, &p.number);
        self.text(&path.f("value"), Tag::SECTORAL_VALUE, &p.value);
    }

    fn register(&mut self, reg: &RegisterData) {
        self.opt_text(
            &at("register.kkt_reg_number"),
            Tag::KKT_REG_NUMBER,
            &reg.kkt_reg_number,
        );
        self.opt_text(
            &at("register.automat_number"),
            Tag::AUTOMAT_NUMBER,
            &reg.automat_number,
        );
        self.opt_text(&at("register.fn_number"), Tag::FN_NUMBER, &reg.fn_number);
        self.opt_text(&at("register.fns_site"), Tag::FNS_SITE, &reg.fns_site);
        if let Some(fs) = &reg.fiscal_sign {
            if let Some(b) = self.hex(&at("register.fiscal_sign"), fs, 6) {
                if b.len() != 6 {
                    self.push(
                        "register.fiscal_sign",
                        K::WrongLength {
                            expected: &[12],
                            actual: fs.len(),
                        },
                    );
                }
            }
        }
        if reg.marks_check_result.is_some() {
            self.in_version(&at("register.marks_check_result"), Tag::MARKS_CHECK_RESULT);
        }
    }
}

/// round_half_up(price × quantity) in kopecks, or `None` on overflow.
pub fn price_times(price_kopecks: u64, quantity: Decimal) -> Option<u64> {
    if quantity.is_sign_negative() {
        return None;
    }
    // quantity = mantissa / 10^scale; integer arithmetic, rounded by the named rule.
    let m = quantity.mantissa().unsigned_abs();
    let n = u128::from(price_kopecks).checked_mul(m)?;
    Rounding::HalfUp.div(n, 10u128.checked_pow(quantity.scale())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inn_check_digits() {
        for ok in ["7707083893", "500100732259", "7702203276", "000000000000"] {
            assert!(inn_checksum_ok(ok), "{ok}");
        }
        for bad in ["7707083894", "500100732258", "123", "77070838931"] {
            assert!(!inn_checksum_ok(bad), "{bad}");
        }
    }

    #[test]
    fn formats() {
        assert!(is_email("buyer@example.ru"));
        assert!(!is_email("buyer@example"));
        assert!(!is_email("@example.ru"));
        assert!(is_phone("+79991234567"));
        assert!(!is_phone("8 999 123"));
        assert!(is_ddmmyyyy("29.02.2024"));
        assert!(is_ddmmyyyy("29.02.1968"));
        assert!(is_ddmmyyyy("01.01.1900"));
        assert!(!is_ddmmyyyy("29.02.1900"));
        assert!(!is_ddmmyyyy("30.02.2024"));
        assert!(!is_ddmmyyyy("2024-02-01"));
    }

    /// The sample receipt with `n` copies of its second item (a 128-character Cyrillic name:
    /// 128 CP866 bytes, 256 UTF-8 bytes) and the totals to match.
    fn cyrillic_cart(n: usize) -> Receipt {
        let mut r = crate::json::parse(include_str!("../../data/receipt_1_2.json")).unwrap();
        let mut item = r.items[1].clone();
        item.name = Some("Ж".repeat(128));
        let each = item.sum.kopecks().unwrap();
        r.items = vec![item; n];
        let total = Money::from_kopecks(each * n as u64);
        r.total = total;
        r.payments = Payments {
            electronic: total,
            ..Payments::default()
        };
        r
    }

    #[test]
    fn size_bound_is_never_below_the_exact_size() {
        let exact = |r: &Receipt| crate::to_tlv(r).unwrap().encoded_len();
        // Cyrillic text counts its UTF-8 bytes in the bound: above the exact size.
        for n in [1, 7, 40] {
            let r = cyrillic_cart(n);
            assert_eq!(crate::convert::encoded_len(&r).unwrap(), exact(&r));
            let bound = crate::convert::encoded_len_bound(&r).unwrap();
            assert!(
                bound >= exact(&r) + 128 * n,
                "{n}: {bound} vs {}",
                exact(&r)
            );
        }
        // ASCII text only: the bound is the exact size.
        let mut r = cyrillic_cart(3);
        for it in &mut r.items {
            it.name = Some("x".repeat(100));
        }
        r.cashier = None;
        assert_eq!(crate::convert::encoded_len_bound(&r).unwrap(), exact(&r));
    }

    #[test]
    fn size_rule_counts_exactly_when_the_bound_is_over_the_limit() {
        let max = Profile::for_version(FfdVersion::V12)
            .max_document_size
            .unwrap();
        let exact = |r: &Receipt| crate::to_tlv(r).unwrap().encoded_len();
        // The largest cart that fits: its bound does not fit, so the exact count decides.
        let n = (1..1000)
            .take_while(|&n| exact(&cyrillic_cart(n)) <= max)
            .last()
            .unwrap();
        let fits = cyrillic_cart(n);
        assert!(crate::convert::encoded_len_bound(&fits).unwrap() > max);
        assert_eq!(validate(&fits), Ok(()));
        assert!(build(&fits, &Profile::for_version(FfdVersion::V12)).is_ok());
        // One item more does not fit, and the violation carries the exact size.
        let over = cyrillic_cart(n + 1);
        assert_eq!(
            validate(&over),
            Err(vec![Violation {
                path: String::new(),
                kind: K::DocumentTooLarge {
                    max,
                    actual: exact(&over)
                }
            }])
        );
    }

    #[test]
    fn price_times_rounds_half_up() {
        let q = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(price_times(2199, q("47.8")), Some(105_112)); // 21.99 × 47.8 = 1051.122
        assert_eq!(price_times(333, q("0.5")), Some(167)); // 166.5 -> 167
        assert_eq!(price_times(100, q("3")), Some(300));
    }
}
