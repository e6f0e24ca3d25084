//! The Orange Data field tables: one row a field, with its section of the protocol 2.31.3
//! (<https://github.com/orangedata-official/API>, `orangedata_API_Russian_ffd_1.2.pdf`) and its
//! FFD tag, run by the checker in the parent module.

use super::planned_status_ok;
use super::Checker;
use crate::fields::{Field, FieldChecker, Obj, Rule};

/// 2003/2110 «планируемый/присвоенный статус товара»: 1–6, or 255 (§2.1.1.2).
fn planned_status_row(v: i64) -> bool {
    u64::try_from(v).is_ok_and(planned_status_ok)
}

/// 1212 «признак предмета расчета»: 1–27, 30–33 (§2.1.1.2 `paymentSubjectType`).
fn payment_subject_row(v: i64) -> bool {
    (1..=27).contains(&v) || (30..=33).contains(&v)
}

/// The receipt-level texts of `content` after `cashierINN` (protocol 2.31.3, §2.1.1.1
/// «Содержимое документа»).
pub(super) const CONTENT_TEXTS: &[Field] = &[
    Field::text("senderEmail", 1, 64),         // 1117
    Field::text("additionalAttribute", 1, 16), // 1192
    Field::text("customer", 1, 243),           // 1227, FFD 1.05
    Field::digits("customerINN", &[10, 12]),   // 1228, FFD 1.05
];

/// `timeZone` (1011, 1–11) and `isInternetStore` (1125) of `content` (§2.1.1.1, §2.3.1).
pub(super) const CONTENT_FLAGS: &[Field] = &[
    Field::int("timeZone", 1, 11),
    Field::boolean("isInternetStore"),
];

/// `content.customerInfo`, 1256 (§2.1.1.8 «Сведения о покупателе (клиенте)», FFD 1.2).
pub(super) const CUSTOMER_INFO: &[Field] = &[
    Field::text("name", 1, 239),                // 1227
    Field::digits("inn", &[10, 12]),            // 1228
    Field::text("birthDate", 10, 10),           // 1243, dd.mm.yyyy
    Field::text("citizenship", 1, 3),           // 1244
    Field::text("identityDocumentCode", 2, 2),  // 1245
    Field::text("identityDocumentData", 1, 64), // 1246
    Field::text("address", 1, 239),             // 1254
];

/// A position's fields after `tax` (§2.1.1.2 «Предмет расчета»).
pub(super) const POSITION: &[Field] = &[
    Field::money("taxSum"),                                      // 1200
    Field::text("text", 1, 128).required(),                      // 1030
    Field::int("paymentMethodType", 1, 7),                       // 1214
    Field::int_where("paymentSubjectType", payment_subject_row), // 1212
    Field::int_where("plannedStatus", planned_status_row),       // 2003
    Field::int_where("assignedStatus", planned_status_row),      // 2110
    Field::text("additionalAttribute", 1, 64),                   // 1191
    Field::text("manufacturerCountryCode", 1, 3),                // 1230
    Field::text("customsDeclarationNumber", 1, 32),              // 1231
    Field::money("excise"),                                      // 1229
    Field::money("unitTaxSum"),                                  // 1198
    Field::int("agentType", 1, 127),                             // 1222
    Field::digits("supplierINN", &[10, 12]),                     // 1226
];

impl FieldChecker for Checker {
    fn field(&mut self, o: &Obj, at: &str, f: &Field) {
        let int_ok = |v: u64, ok: &dyn Fn(i64) -> bool| i64::try_from(v).is_ok_and(ok);
        match f.rule {
            Rule::Text { min, max } => {
                self.string(o, f.key, at, f.required, min, max);
            }
            Rule::Digits(lens) => self.digits(o, f.key, at, f.required, lens),
            Rule::Int { min, max } => {
                self.int(o, f.key, at, f.required, |v| {
                    int_ok(v, &|v| (min..=max).contains(&v))
                });
            }
            Rule::IntWhere(ok) => {
                self.int(o, f.key, at, f.required, |v| int_ok(v, &ok));
            }
            Rule::Money => {
                self.money(o, f.key, at, f.required);
            }
            Rule::Bool => {
                self.boolean(o, f.key, at);
            }
            Rule::OneOf(allowed) => {
                if let Some(s) = self.string(o, f.key, at, f.required, 1, usize::MAX) {
                    if !allowed.contains(&s) {
                        self.err(
                            &format!("{at}{}", f.key),
                            format!("недопустимое значение {s}"),
                        );
                    }
                }
            }
            Rule::Pattern { max, ok } => {
                if let Some(s) = self.string(o, f.key, at, f.required, 1, max) {
                    if !ok(s) {
                        self.err(&format!("{at}{}", f.key), "недопустимое значение");
                    }
                }
            }
        }
    }
}
