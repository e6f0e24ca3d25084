//! The ATOL field tables: one row a field, with the source of its rule (doc 5.15, Table 2, for
//! v4; for v5 the clients that quote the v5 document, listed in docs/emulators.md), run by the
//! checker in the parent module.

use super::{at, Checker};
use super::{is_inn, is_nomenclature_code, parse_atol_datetime, PAYMENT_OBJECT_V4, SNO};
use crate::fields::{Field, FieldChecker, Obj, Rule};

fn is_date(t: &str) -> bool {
    parse_atol_datetime(t, false).is_some()
}

fn is_datetime(t: &str) -> bool {
    parse_atol_datetime(t, true).is_some()
}

fn two_digits(t: &str) -> bool {
    t.len() == 2 && t.bytes().all(|c| c.is_ascii_digit())
}

fn three_digits(t: &str) -> bool {
    t.len() == 3 && t.bytes().all(|c| c.is_ascii_digit())
}

fn some_digits(t: &str) -> bool {
    !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit())
}

fn is_u8(t: &str) -> bool {
    t.parse::<u8>().is_ok()
}

// ---- the tables (doc 5.15, Table 2, for v4; v5 after the clients that quote the v5 document,
// listed in docs/emulators.md) --------------------------------------------------------------

/// `company` after `email` (Table 2 `company`).
pub(super) const COMPANY: &[Field] = &[
    Field::one_of("sno", SNO),                         // 1055
    Field::pattern("inn", 12, is_inn).required(),      // 1018
    Field::text("payment_address", 1, 256).required(), // 1187
    Field::text("location", 1, 256),                   // 1060 (v5)
];

/// v5 `client` after `inn`: 1256 «сведения о покупателе» (ФФД 1.2).
pub(super) const CLIENT_V5: &[Field] = &[
    Field::pattern("birthdate", 10, is_date),       // 1243
    Field::pattern("citizenship", 3, three_digits), // 1244
    Field::pattern("document_code", 2, two_digits), // 1245
    Field::text("document_data", 1, 64),            // 1246
    Field::text("address", 1, 256),                 // 1254
];

/// `payments[]` (Table 2 `payments`: type 0–9, sum).
pub(super) const PAYMENT: &[Field] = &[
    Field::int("type", 0, 9).required(),
    Field::money("sum").required(),
];

/// `additional_user_props` (Table 2: 1085 name, 1086 value).
pub(super) const ADDITIONAL_USER_PROPS: &[Field] = &[
    Field::text("name", 1, 64).required(),
    Field::text("value", 1, 256).required(),
];

/// v5 `operating_check_props`, 1270 (1271 name, 1272 value, 1273 timestamp).
pub(super) const OPERATING_CHECK_PROPS: &[Field] = &[
    Field::pattern("name", 3, is_u8).required(),
    Field::text("value", 1, 64).required(),
    Field::pattern("timestamp", 19, is_datetime).required(),
];

/// v5 `internet` (1125) and `timezone` (1011, 1–11) of a receipt.
pub(super) const RECEIPT_V5_FLAGS: &[Field] =
    &[Field::boolean("internet"), Field::int("timezone", 1, 11)];

/// v5 `cashless_payments[]`, 1235 (1082 sum, 1236 method, 1237 id, 1238 additional info).
pub(super) const CASHLESS_PAYMENT: &[Field] = &[
    Field::money("sum").required(),
    Field::int("method", 0, 255).required(),
    Field::text("id", 1, 256).required(),
    Field::text("additional_info", 0, 256),
];

/// v5 `sectoral_check_props[]` / `sectoral_item_props[]`, 1261/1260 (1262–1265).
pub(super) const SECTORAL: &[Field] = &[
    Field::pattern("federal_id", 3, three_digits).required(),
    Field::pattern("date", 10, is_date).required(),
    Field::text("number", 1, 32).required(),
    Field::text("value", 1, 256).required(),
];

/// `agent_info.money_transfer_operator` after `phones` (Table 2: 1026 name, 1005 address,
/// 1016 inn).
pub(super) const MONEY_TRANSFER_OPERATOR: &[Field] = &[
    Field::text("name", 0, 64),
    Field::text("address", 0, 256),
    Field::pattern("inn", 12, is_inn),
];

/// An item's fields after `supplier_info` (Table 2 `items`: 1191 user_data, 1229 excise,
/// 1230 country_code, 1231 declaration_number).
pub(super) const ITEM_TAIL: &[Field] = &[
    Field::text("user_data", 0, 64),
    Field::money("excise"),
    Field::pattern("country_code", 3, some_digits),
    Field::text("declaration_number", 1, 32),
];

/// v4 item fields (Table 2 `items`: 1197 measurement_unit, 1162 nomenclature_code, 1212
/// payment_object).
pub(super) const ITEM_V4: &[Field] = &[
    Field::text("measurement_unit", 0, 16),
    Field::pattern("nomenclature_code", 150, is_nomenclature_code),
    Field::one_of("payment_object", PAYMENT_OBJECT_V4),
];

impl FieldChecker for Checker {
    fn field(&mut self, o: &Obj, path: &str, f: &Field) {
        let (key, req) = (f.key, f.required);
        match f.rule {
            Rule::Text { min, max } => {
                self.text(o, key, path, req, (min, max));
            }
            Rule::Pattern { max, ok } => self.pattern(o, key, path, req, max, ok),
            Rule::Digits(lens) => {
                let max = lens.iter().copied().max().unwrap_or(0);
                if let Some(s) = self.text(o, key, path, req, (0, max)) {
                    if !crate::core::is_digits(s, lens) {
                        self.push("PatternMismatch", &at(path, key));
                    }
                }
            }
            Rule::OneOf(allowed) => {
                self.one_of(o, key, path, req, allowed);
            }
            Rule::Int { min, max } => {
                self.int(o, key, path, req, |n| (min..=max).contains(&n));
            }
            Rule::IntWhere(ok) => {
                self.int(o, key, path, req, ok);
            }
            Rule::Money => {
                self.money(o, key, path, req);
            }
            Rule::Bool => {
                if let Some(v) = self.get(o, key, path, req) {
                    if !v.is_boolean() {
                        self.push("BooleanExpected", &at(path, key));
                    }
                }
            }
        }
    }
}
