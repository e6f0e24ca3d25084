//! The service's checks of a `printCheck` / `printPurchaseReturn` command.
//!
//! Business.ru's own reference (SwaggerHub «Business.Ru/check.business.ru») is not public; the
//! field set comes from the official SDK's README (<https://github.com/business-ru/open-api-sdk-php>)
//! and the FFD. So the default checks are the FFD's own rules (types, tag enumerations 1212/1214,
//! kopecks, ИНН digits, the 1055 bitmask, one VAT rate, sums a register refuses); the limits
//! only inferred from clients (contact form, `c_num` length, 100 goods, 3 decimals in `count`)
//! apply under `strict`. See docs/emulators.md.
//!
//! The fields are the `const` tables below (`fields::Field` rows, in the order the service
//! checks them, each with the source of its rule), run by [`Check`], which stops at the first
//! refusal (the service answers with one error) and words it as the service does. What depends
//! on the account, on `strict` or on other fields (`c_num`, `goods`, `count`, `nds_value`, the
//! `44 4D` prefix, the sums) stays code in [`check_receipt`], between the tables.

use super::php::J;
use crate::fields::{Field, FieldChecker, Rule};

/// A refused request: HTTP status, the emulator's error code, the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) status: u16,
    pub(crate) code: i64,
    pub(crate) text: String,
}

fn schema(path: &str, what: &str) -> Refusal {
    Refusal {
        status: 400,
        code: 10,
        text: format!("Некорректное значение поля {path}: {what}"),
    }
}

fn business(text: String) -> Refusal {
    Refusal {
        status: 422,
        code: 20,
        text,
    }
}

/// What the register needs from an accepted receipt command.
#[derive(Debug, Clone)]
pub(crate) struct Checked {
    pub(crate) total_kopecks: u64,
    pub(crate) c_num: String,
    pub(crate) author: String,
    pub(crate) client_name: String,
}

/// A non-negative JSON number with at most `dp` decimals as an integer of 10^-dp units,
/// exactly; the exponent form is a number too (PHP's `json_encode` writes 0.000001 as
/// `1.0e-6`).
fn fixed(v: &J, dp: u32) -> Option<u64> {
    let J::Num(t) = v else { return None };
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.as_str()),
    };
    let (mantissa, exp) = match t.find(['e', 'E']) {
        Some(i) => {
            let e = &t[i + 1..];
            (
                &t[..i],
                e.strip_prefix('+').unwrap_or(e).parse::<i32>().ok()?,
            )
        }
        None => (t, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() || !int.bytes().chain(frac.bytes()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    // value = digits × 10^(exp − frac.len()); in our units × 10^dp.
    let mut digits = format!("{int}{frac}").trim_start_matches('0').to_owned();
    let mut shift = exp
        .checked_sub(i32::try_from(frac.len()).ok()?)?
        .checked_add(i32::try_from(dp).ok()?)?;
    while shift < 0 {
        match digits.strip_suffix('0') {
            Some(d) => digits = d.to_owned(),
            None if digits.is_empty() => break,
            None => return None,
        }
        shift += 1;
    }
    if digits.is_empty() {
        return Some(0);
    }
    if neg || digits.len() > 19 {
        return None;
    }
    let base: u64 = digits.parse().ok()?;
    base.checked_mul(10u64.checked_pow(u32::try_from(shift).ok()?)?)
}

fn int(v: &J) -> Option<i64> {
    match v {
        J::Num(t) => t.parse().ok(),
        J::Str(t) => t.parse().ok(),
        _ => None,
    }
}

/// Hex bytes, spaces allowed between them.
fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    let compact: String = s.chars().filter(|c| *c != ' ').collect();
    if compact.len() % 2 != 0 {
        return None;
    }
    hex::decode(compact).ok()
}

/// `smsEmail54FZ` under `strict`: a `+7` phone of 10 digits, or anything with an `@`.
fn phone_or_email(c: &str) -> bool {
    let phone = c.len() == 12 && c.starts_with("+7") && c[2..].bytes().all(|b| b.is_ascii_digit());
    phone || c.contains('@')
}

/// 1055 «применяемая система налогообложения»: one bit of the bitmask.
fn one_sno_bit(v: i64) -> bool {
    matches!(v, 1 | 2 | 4 | 8 | 16 | 32)
}

/// 1212 «признак предмета расчета»: 1–27, 30–33.
fn item_type_ok(v: i64) -> bool {
    matches!(v, 1..=27 | 30..=33)
}

/// `nomenclature_code` (1162/1163): hex of 7–32 bytes, spaces allowed between them.
fn hex_code_ok(s: &str) -> bool {
    hex_bytes(s).is_some_and(|b| (7..=32).contains(&b.len()))
}

/// The command's first fields (BR README «Печать чека прихода»: `author`, `smsEmail54FZ`).
const HEAD: &[Field] = &[
    Field::text("author", 0, 128),      // 1021 кассир
    Field::text("smsEmail54FZ", 0, 64), // 1008 телефон или e-mail покупателя
];

/// Under `strict` only: the contact's form (**inferred**: BR sends `test@test.ru`).
const STRICT_CONTACT: &[Field] = &[Field::pattern("smsEmail54FZ", 64, phone_or_email)
    .says("ожидается телефон +7XXXXXXXXXX или e-mail")];

/// The buyer and the tax system, after `c_num` (FFD tag formats, ФНС order ЕД-7-20/236@).
const BUYER: &[Field] = &[
    Field::text("client_name", 0, 256), // 1227
    // 1228: the string's own texts first, then the digits.
    Field::text("client_inn", 0, 12),
    Field::digits("client_inn", &[10, 12]).says("ИНН: 10 или 12 цифр"),
    Field::int_where("tag1055", one_sno_bit).says("ожидается 1, 2, 4, 8, 16 или 32"), // 1055
];

/// The payments, kopecks (1031, 1081, 1215, 1216 under either name, 1217); their sum must be
/// the receipt's total.
const PAYMENTS: &[Field] = &[
    Field::money("payed_cash").says(PAYMENT),
    Field::money("payed_cashless").says(PAYMENT),
    Field::money("payed_prepay").says(PAYMENT),
    Field::money("payed_credit").says(PAYMENT),
    Field::money("payed_nextcredit").says(PAYMENT),
    Field::money("payed_consideration").says(PAYMENT),
];
const PAYMENT: &str = "ожидается сумма с не более чем 2 знаками";

/// A position's name (1030).
const ITEM_NAME: &[Field] = &[Field::text("name", 1, 128)
    .required()
    .says("обязательная строка до 128 символов")];

/// A position's price (1079) and sum (1043), after `count`.
const ITEM_AMOUNTS: &[Field] = &[
    Field::money("price").required().says(AMOUNT),
    Field::money("sum").required().says(AMOUNT),
];
const AMOUNT: &str = "сумма с не более чем 2 знаками";

/// «НДС не облагается», before the rate it excuses.
const ITEM_VAT_EXEMPT: &[Field] =
    &[Field::boolean("nds_not_apply").says("ожидается true или false")];

/// A position's codes, after `nds_value`.
const ITEM_CODES: &[Field] = &[
    Field::int("payment_mode", 1, 7)
        .required()
        .says("ожидается 1-7 (тег 1214)"),
    Field::int_where("item_type", item_type_ok)
        .required()
        .says("недопустимый признак предмета расчета (тег 1212)"),
    Field::text("user_data", 0, 64).says("строка до 64 символов"), // 1191
    Field::pattern("nomenclature_code", usize::MAX, hex_code_ok)
        .says("ожидается hex-строка кода товара"),
];

/// The service's checker: the first refusal, in the service's words.
#[derive(Debug, Default)]
struct Check {
    refusal: Option<Refusal>,
}

impl Check {
    /// Runs `table` on `o` (found at `at`); the first refusal, if any.
    fn run(&mut self, o: &J, at: &str, table: &[Field]) -> Result<(), Refusal> {
        self.fields(o, at, table);
        self.refusal.take().map_or(Ok(()), Err)
    }
}

/// Why `v` (`None`: absent or `null`) breaks `rule`, in the service's generic words.
fn refused(v: Option<&J>, required: bool, rule: Rule) -> Option<String> {
    let Some(v) = v else {
        return required.then(|| "обязательное поле".to_owned());
    };
    let text = |max: usize| -> Result<&str, String> {
        match v {
            J::Str(s) if s.chars().count() <= max => Ok(s),
            J::Str(_) => Err(format!("длиннее {max} символов")),
            _ => Err("ожидается строка".to_owned()),
        }
    };
    let integer = |ok: &dyn Fn(i64) -> bool| -> Option<String> {
        (!int(v).is_some_and(ok)).then(|| "недопустимое значение".to_owned())
    };
    match rule {
        Rule::Text { min, max } => match text(max) {
            Ok(s) if s.chars().count() < min => Some(format!("короче {min} символов")),
            Ok(_) => None,
            Err(e) => Some(e),
        },
        Rule::Pattern { max, ok } => match text(max) {
            Ok(s) if !ok(s) => Some("недопустимое значение".to_owned()),
            Ok(_) => None,
            Err(e) => Some(e),
        },
        Rule::Digits(lens) => match text(usize::MAX) {
            Ok(s) if !lens.contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_digit()) => {
                Some("недопустимое число цифр".to_owned())
            }
            Ok(_) => None,
            Err(e) => Some(e),
        },
        Rule::OneOf(allowed) => match text(usize::MAX) {
            Ok(s) if !allowed.contains(&s) => Some("недопустимое значение".to_owned()),
            Ok(_) => None,
            Err(e) => Some(e),
        },
        Rule::Int { min, max } => integer(&|n| (min..=max).contains(&n)),
        Rule::IntWhere(ok) => integer(&ok),
        Rule::Money => fixed(v, 2)
            .is_none()
            .then(|| "ожидается сумма с не более чем 2 знаками".to_owned()),
        Rule::Bool => (!matches!(v, J::Bool(_))).then(|| "ожидается true или false".to_owned()),
    }
}

impl FieldChecker<J> for Check {
    fn field(&mut self, o: &J, at: &str, f: &Field) {
        if self.refusal.is_some() {
            return;
        }
        let v = o.get(f.key).filter(|v| **v != J::Null);
        if let Some(generic) = refused(v, f.required, f.rule) {
            let what = f.says.map_or(generic, str::to_owned);
            self.refusal = Some(schema(&format!("{at}{}", f.key), &what));
        }
    }
}

/// The string at `key` of a checked object (absent, `null`: empty).
fn text_of(o: &J, key: &str) -> String {
    o.get(key)
        .and_then(J::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Checks a receipt command; `mark_prefix_included` is the account's setting; `strict` adds the
/// limits only inferred from clients.
pub(crate) fn check_receipt(
    cmd: &J,
    unconfirmed_vat_rates: bool,
    mark_prefix_included: bool,
    strict: bool,
) -> Result<Checked, Refusal> {
    if !matches!(cmd, J::Obj(_)) {
        return Err(schema("command", "ожидается объект"));
    }
    let mut check = Check::default();
    check.run(cmd, "", HEAD)?;
    if strict {
        check.run(cmd, "", STRICT_CONTACT)?;
    }
    let c_num = match cmd.get("c_num") {
        None | Some(J::Null) => String::new(),
        Some(J::Str(s)) if !strict || s.chars().count() <= 64 => s.clone(),
        Some(J::Num(n)) if !n.contains(['.', 'e', 'E', '-']) => n.clone(),
        Some(_) => return Err(schema("c_num", "ожидается строка до 64 символов или целое")),
    };
    check.run(cmd, "", BUYER)?;
    check.run(cmd, "", PAYMENTS)?;
    let paid = PAYMENTS
        .iter()
        .filter_map(|f| cmd.get(f.key).and_then(|v| fixed(v, 2)))
        .fold(0u64, u64::saturating_add);
    let goods = match cmd.get("goods") {
        Some(J::Arr(g)) if !g.is_empty() && (!strict || g.len() <= 100) => g,
        Some(J::Arr(_)) => return Err(schema("goods", "от 1 до 100 позиций")),
        _ => return Err(schema("goods", "обязательный массив позиций")),
    };
    let mut total = 0u64;
    for (i, g) in goods.iter().enumerate() {
        let at = format!("goods[{i}].");
        let p = |f: &str| format!("{at}{f}");
        if !matches!(g, J::Obj(_)) {
            return Err(schema(&format!("goods[{i}]"), "ожидается объект"));
        }
        check.run(g, &at, ITEM_NAME)?;
        // Millionths: 6 decimals (the FFD 1.2 limit); 3 under `strict` (what clients send).
        let (max_dp, what) = if strict {
            (3, "положительное число с не более чем 3 знаками")
        } else {
            (6, "положительное число с не более чем 6 знаками")
        };
        let count = g
            .get("count")
            .and_then(|v| fixed(v, max_dp))
            .and_then(|c| c.checked_mul(10u64.pow(6 - max_dp)))
            .filter(|c| *c > 0 && *c <= 99_999_999_000)
            .ok_or_else(|| schema(&p("count"), what))?;
        check.run(g, &at, ITEM_AMOUNTS)?;
        let amount = |key: &str| g.get(key).and_then(|v| fixed(v, 2)).unwrap_or_default();
        let (price, sum) = (amount("price"), amount("sum"));
        check.run(g, &at, ITEM_VAT_EXEMPT)?;
        if g.get("nds_not_apply") != Some(&J::Bool(true)) {
            let ok = match g.get("nds_value").and_then(int) {
                Some(0 | 10 | 20) => true,
                Some(5 | 7 | 22) => unconfirmed_vat_rates,
                _ => false,
            };
            if !ok {
                return Err(schema(&p("nds_value"), "недопустимая ставка НДС"));
            }
        }
        check.run(g, &at, ITEM_CODES)?;
        let code = g.get("nomenclature_code").and_then(J::as_str);
        if let Some(bytes) = code.and_then(hex_bytes) {
            let prefixed = bytes.starts_with(&[0x44, 0x4D]);
            if prefixed && !mark_prefix_included {
                return Err(business(format!(
                    "{}: код товара не должен начинаться с типа кода 44 4D — сервис добавляет его сам",
                    p("nomenclature_code")
                )));
            }
            if !prefixed && mark_prefix_included {
                return Err(business(format!(
                    "{}: код товара должен начинаться с типа кода 44 4D",
                    p("nomenclature_code")
                )));
            }
        }
        // sum = price × count, rounded half up to the kopeck (± 1 kopeck tolerated).
        let exact = u128::from(price) * u128::from(count);
        let rounded = (exact + 500_000) / 1_000_000;
        if u128::from(sum).abs_diff(rounded) > 1 {
            return Err(business(format!(
                "{}: сумма позиции не равна цене, умноженной на количество",
                p("sum")
            )));
        }
        total = total.saturating_add(sum);
    }
    if paid != total {
        return Err(business(format!(
            "Сумма оплат ({}) не совпадает с итогом чека ({})",
            rub(paid),
            rub(total)
        )));
    }
    Ok(Checked {
        total_kopecks: total,
        c_num,
        author: text_of(cmd, "author"),
        client_name: text_of(cmd, "client_name"),
    })
}

fn rub(k: u64) -> String {
    format!("{}.{:02}", k / 100, k % 100)
}

#[cfg(test)]
mod tests {
    use super::super::php::parse;
    use super::*;

    fn cmd(goods: &str, pay: &str) -> J {
        parse(format!(r#"{{"author":"A","c_num":"x",{pay},"goods":[{goods}]}}"#).as_bytes())
            .expect("json")
    }

    const GOOD: &str = r#"{"name":"a","count":0.347,"price":899,"sum":311.95,"nds_value":10,"payment_mode":4,"item_type":1}"#;

    #[test]
    fn accepts_and_refuses() {
        let ok =
            check_receipt(&cmd(GOOD, r#""payed_cash":311.95"#), true, false, false).expect("ok");
        assert_eq!(ok.total_kopecks, 31_195);
        // The 1216 amount under either name (which one the service takes is not settled).
        for credit in ["payed_credit", "payed_nextcredit"] {
            let pay = format!(r#""payed_cash":11.95,"{credit}":300"#);
            assert!(
                check_receipt(&cmd(GOOD, &pay), true, false, false).is_ok(),
                "{credit}"
            );
        }
        let short =
            check_receipt(&cmd(GOOD, r#""payed_cash":311"#), true, false, false).unwrap_err();
        assert_eq!(short.status, 422);
        let bad_sum = GOOD.replace("311.95", "312.95");
        assert_eq!(
            check_receipt(&cmd(&bad_sum, r#""payed_cash":312.95"#), true, false, false)
                .unwrap_err()
                .status,
            422
        );
        let three_dp = GOOD.replace("\"price\":899", "\"price\":899.001");
        assert_eq!(
            check_receipt(
                &cmd(&three_dp, r#""payed_cash":311.95"#),
                true,
                false,
                false
            )
            .unwrap_err()
            .status,
            400
        );
        let vat18 = GOOD.replace("\"nds_value\":10", "\"nds_value\":18");
        assert_eq!(
            check_receipt(&cmd(&vat18, r#""payed_cash":311.95"#), true, false, false)
                .unwrap_err()
                .status,
            400
        );
        let marked = GOOD.replace(
            "\"item_type\":1",
            "\"item_type\":1,\"nomenclature_code\":\"44 4D 04 44 09 22 46 CB 30 31\"",
        );
        assert_eq!(
            check_receipt(&cmd(&marked, r#""payed_cash":311.95"#), true, false, false)
                .unwrap_err()
                .status,
            422
        );
        assert!(check_receipt(&cmd(&marked, r#""payed_cash":311.95"#), true, true, false).is_ok());
        assert_eq!(fixed(&J::Num("12.50".into()), 2), Some(1250));
        assert_eq!(fixed(&J::Num("1e3".into()), 2), Some(100_000));
        assert_eq!(fixed(&J::Num("1.0e-6".into()), 6), Some(1));
        assert_eq!(fixed(&J::Num("1.0e-7".into()), 6), None);
        assert_eq!(fixed(&J::Num("-1".into()), 2), None);
        assert_eq!(fixed(&J::Num("-0".into()), 2), Some(0));
    }

    /// Every refusal's status and exact text, one case a rule, in the order the checks run
    /// (the first finding is the answer): pins the texts the tables word.
    #[test]
    fn refusals_name_the_field_in_the_services_words() {
        const PAY: &str = r#""payed_cash":311.95"#;
        let g = |from: &str, to: &str| GOOD.replace(from, to);
        let cases: Vec<(String, bool, u16, &str)> = vec![
            (r#"{"author":1}"#.into(), false, 400, "Некорректное значение поля author: ожидается строка"),
            (format!(r#"{{"author":"{}"}}"#, "a".repeat(129)), false, 400, "Некорректное значение поля author: длиннее 128 символов"),
            (format!(r#"{{"smsEmail54FZ":"{}"}}"#, "a".repeat(65)), false, 400, "Некорректное значение поля smsEmail54FZ: длиннее 64 символов"),
            (r#"{"smsEmail54FZ":"abc","c_num":1.5}"#.into(), true, 400, "Некорректное значение поля smsEmail54FZ: ожидается телефон +7XXXXXXXXXX или e-mail"),
            (r#"{"smsEmail54FZ":"abc","c_num":1.5}"#.into(), false, 400, "Некорректное значение поля c_num: ожидается строка до 64 символов или целое"),
            (format!(r#"{{"c_num":"{}"}}"#, "1".repeat(65)), true, 400, "Некорректное значение поля c_num: ожидается строка до 64 символов или целое"),
            (format!(r#"{{"client_name":"{}"}}"#, "a".repeat(257)), false, 400, "Некорректное значение поля client_name: длиннее 256 символов"),
            (r#"{"client_inn":"1234567890123"}"#.into(), false, 400, "Некорректное значение поля client_inn: длиннее 12 символов"),
            (r#"{"client_inn":1234567890}"#.into(), false, 400, "Некорректное значение поля client_inn: ожидается строка"),
            (r#"{"client_inn":"12345678901"}"#.into(), false, 400, "Некорректное значение поля client_inn: ИНН: 10 или 12 цифр"),
            (r#"{"tag1055":3}"#.into(), false, 400, "Некорректное значение поля tag1055: ожидается 1, 2, 4, 8, 16 или 32"),
            (r#"{"tag1055":"x"}"#.into(), false, 400, "Некорректное значение поля tag1055: ожидается 1, 2, 4, 8, 16 или 32"),
            (r#"{"payed_credit":"1"}"#.into(), false, 400, "Некорректное значение поля payed_credit: ожидается сумма с не более чем 2 знаками"),
            (r#"{"payed_cash":1.001}"#.into(), false, 400, "Некорректное значение поля payed_cash: ожидается сумма с не более чем 2 знаками"),
            (r#"{"goods":{}}"#.into(), false, 400, "Некорректное значение поля goods: обязательный массив позиций"),
            (r#"{"goods":[]}"#.into(), false, 400, "Некорректное значение поля goods: от 1 до 100 позиций"),
            (format!(r#"{{"goods":[{}]}}"#, vec![GOOD; 101].join(",")), true, 400, "Некорректное значение поля goods: от 1 до 100 позиций"),
            (r#"{"goods":[1]}"#.into(), false, 400, "Некорректное значение поля goods[0]: ожидается объект"),
            (format!(r#"{{{PAY},"goods":[{}]}}"#, g("\"name\":\"a\"", "\"name\":\"\"")), false, 400, "Некорректное значение поля goods[0].name: обязательная строка до 128 символов"),
            (format!(r#"{{{PAY},"goods":[{}]}}"#, g("\"name\":\"a\",", "")), false, 400, "Некорректное значение поля goods[0].name: обязательная строка до 128 символов"),
            (format!(r#"{{{PAY},"goods":[{}]}}"#, g("0.347", "0.3475")), true, 400, "Некорректное значение поля goods[0].count: положительное число с не более чем 3 знаками"),
            (format!(r#"{{{PAY},"goods":[{}]}}"#, g("0.347", "0")), false, 400, "Некорректное значение поля goods[0].count: положительное число с не более чем 6 знаками"),
            (format!(r#"{{{PAY},"goods":[{}]}}"#, g("899", "null")), false, 400, "Некорректное значение поля goods[0].price: сумма с не более чем 2 знаками"),
            (format!(r#"{{{PAY},"goods":[{}]}}"#, g("311.95", "\"311.95\"")), false, 400, "Некорректное значение поля goods[0].sum: сумма с не более чем 2 знаками"),
            (format!(r#"{{{PAY},"goods":[{}]}}"#, g("\"nds_value\":10", "\"nds_not_apply\":1,\"nds_value\":10")), false, 400, "Некорректное значение поля goods[0].nds_not_apply: ожидается true или false"),
            (format!(r#"{{{PAY},"goods":[{}]}}"#, g("\"nds_value\":10", "\"nds_value\":22")), false, 400, "Некорректное значение поля goods[0].nds_value: недопустимая ставка НДС"),
            (format!(r#"{{{PAY},"goods":[{}]}}"#, g("\"nds_value\":10", "\"nds_value\":\"x\"")), false, 400, "Некорректное значение поля goods[0].nds_value: недопустимая ставка НДС"),
            (format!(r#"{{{PAY},"goods":[{}]}}"#, g("\"payment_mode\":4", "\"payment_mode\":8")), false, 400, "Некорректное значение поля goods[0].payment_mode: ожидается 1-7 (тег 1214)"),
            (format!(r#"{{{PAY},"goods":[{}]}}"#, g("\"item_type\":1", "\"item_type\":28")), false, 400, "Некорректное значение поля goods[0].item_type: недопустимый признак предмета расчета (тег 1212)"),
            (format!(r#"{{{PAY},"goods":[{}]}}"#, g("\"item_type\":1", "\"item_type\":1,\"user_data\":7")), false, 400, "Некорректное значение поля goods[0].user_data: строка до 64 символов"),
            (format!(r#"{{{PAY},"goods":[{}]}}"#, g("\"item_type\":1", "\"item_type\":1,\"nomenclature_code\":\"0A0B\"")), false, 400, "Некорректное значение поля goods[0].nomenclature_code: ожидается hex-строка кода товара"),
            (format!(r#"{{{PAY},"goods":[{}]}}"#, g("\"item_type\":1", "\"item_type\":1,\"nomenclature_code\":5")), false, 400, "Некорректное значение поля goods[0].nomenclature_code: ожидается hex-строка кода товара"),
            (format!(r#"{{{PAY},"goods":[{}]}}"#, g("\"item_type\":1", "\"item_type\":1,\"nomenclature_code\":\"04 44 09 22 46 CB 30 31\"")), true, 422, "goods[0].nomenclature_code: код товара должен начинаться с типа кода 44 4D"),
            (format!(r#"{{{PAY},"goods":[{}]}}"#, g("311.95", "311.97")), false, 422, "goods[0].sum: сумма позиции не равна цене, умноженной на количество"),
            (format!(r#"{{"payed_cash":1,"goods":[{GOOD}]}}"#), false, 422, "Сумма оплат (1.00) не совпадает с итогом чека (311.95)"),
        ];
        for (text, strict, status, want) in cases {
            let cmd = parse(text.as_bytes()).expect("json");
            // The prefix case runs with the account's prefix setting on; the rest with it off.
            let prefixed = want.contains("должен начинаться");
            let r = check_receipt(&cmd, false, prefixed, strict).expect_err(&text);
            assert_eq!((r.status, r.text.as_str()), (status, want), "{text}");
            assert_eq!(r.code, if status == 400 { 10 } else { 20 }, "{text}");
        }
        assert_eq!(
            check_receipt(&J::Arr(vec![]), false, false, false)
                .unwrap_err()
                .text,
            "Некорректное значение поля command: ожидается объект"
        );
        // Null is absent; a numeric c_num and string integers are taken.
        let ok = format!(
            r#"{{"author":null,"c_num":12,"client_inn":null,"tag1055":"2",{PAY},"goods":[{}]}}"#,
            g(
                "\"payment_mode\":4",
                "\"payment_mode\":\"4\",\"user_data\":null"
            )
        );
        let c =
            check_receipt(&parse(ok.as_bytes()).expect("json"), false, false, true).expect("ok");
        assert_eq!(
            (c.c_num.as_str(), c.author.as_str(), c.total_kopecks),
            ("12", "", 31_195)
        );
    }
}
