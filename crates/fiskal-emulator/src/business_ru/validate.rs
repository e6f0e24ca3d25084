//! The service's checks of a `printCheck` / `printPurchaseReturn` command.
//!
//! Business.ru's own reference (SwaggerHub «Business.Ru/check.business.ru») is not public; the
//! field set comes from the official SDK's README (<https://github.com/business-ru/open-api-sdk-php>)
//! and the FFD. So the default checks are the FFD's own rules (types, tag enumerations 1212/1214,
//! kopecks, ИНН digits, the 1055 bitmask, one VAT rate, sums a register refuses); the limits
//! only inferred from clients (contact form, `c_num` length, 100 goods, 3 decimals in `count`)
//! apply under `strict`. See docs/emulators.md.

use super::php::J;

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

fn opt_string(o: &J, key: &str, max: usize) -> Result<Option<String>, Refusal> {
    match o.get(key) {
        None | Some(J::Null) => Ok(None),
        Some(J::Str(s)) if s.chars().count() <= max => Ok(Some(s.clone())),
        Some(J::Str(_)) => Err(schema(key, &format!("длиннее {max} символов"))),
        Some(_) => Err(schema(key, "ожидается строка")),
    }
}

fn inn_ok(s: &str) -> bool {
    (s.len() == 10 || s.len() == 12) && s.bytes().all(|b| b.is_ascii_digit())
}

/// Hex bytes, spaces allowed between them.
fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    let compact: String = s.chars().filter(|c| *c != ' ').collect();
    if compact.len() % 2 != 0 {
        return None;
    }
    hex::decode(compact).ok()
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
    let author = opt_string(cmd, "author", 128)?.unwrap_or_default();
    if let Some(c) = opt_string(cmd, "smsEmail54FZ", 64)? {
        let phone =
            c.len() == 12 && c.starts_with("+7") && c[2..].bytes().all(|b| b.is_ascii_digit());
        if strict && !phone && !c.contains('@') {
            return Err(schema(
                "smsEmail54FZ",
                "ожидается телефон +7XXXXXXXXXX или e-mail",
            ));
        }
    }
    let c_num = match cmd.get("c_num") {
        None | Some(J::Null) => String::new(),
        Some(J::Str(s)) if !strict || s.chars().count() <= 64 => s.clone(),
        Some(J::Num(n)) if !n.contains(['.', 'e', 'E', '-']) => n.clone(),
        Some(_) => return Err(schema("c_num", "ожидается строка до 64 символов или целое")),
    };
    let client_name = opt_string(cmd, "client_name", 256)?.unwrap_or_default();
    if let Some(inn) = opt_string(cmd, "client_inn", 12)? {
        if !inn_ok(&inn) {
            return Err(schema("client_inn", "ИНН: 10 или 12 цифр"));
        }
    }
    if let Some(t) = cmd.get("tag1055").filter(|v| **v != J::Null) {
        if !matches!(int(t), Some(1 | 2 | 4 | 8 | 16 | 32)) {
            return Err(schema("tag1055", "ожидается 1, 2, 4, 8, 16 или 32"));
        }
    }
    let mut paid = 0u64;
    for key in [
        "payed_cash",
        "payed_cashless",
        "payed_prepay",
        "payed_credit",
        "payed_nextcredit",
        "payed_consideration",
    ] {
        if let Some(v) = cmd.get(key).filter(|v| **v != J::Null) {
            let k = fixed(v, 2)
                .ok_or_else(|| schema(key, "ожидается сумма с не более чем 2 знаками"))?;
            paid = paid.saturating_add(k);
        }
    }
    let goods = match cmd.get("goods") {
        Some(J::Arr(g)) if !g.is_empty() && (!strict || g.len() <= 100) => g,
        Some(J::Arr(_)) => return Err(schema("goods", "от 1 до 100 позиций")),
        _ => return Err(schema("goods", "обязательный массив позиций")),
    };
    let mut total = 0u64;
    for (i, g) in goods.iter().enumerate() {
        let p = |f: &str| format!("goods[{i}].{f}");
        if !matches!(g, J::Obj(_)) {
            return Err(schema(&format!("goods[{i}]"), "ожидается объект"));
        }
        match g.get("name") {
            Some(J::Str(s)) if !s.is_empty() && s.chars().count() <= 128 => {}
            _ => return Err(schema(&p("name"), "обязательная строка до 128 символов")),
        }
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
        let price = g
            .get("price")
            .and_then(|v| fixed(v, 2))
            .ok_or_else(|| schema(&p("price"), "сумма с не более чем 2 знаками"))?;
        let sum = g
            .get("sum")
            .and_then(|v| fixed(v, 2))
            .ok_or_else(|| schema(&p("sum"), "сумма с не более чем 2 знаками"))?;
        let not_apply = match g.get("nds_not_apply") {
            None | Some(J::Null) => false,
            Some(J::Bool(b)) => *b,
            Some(_) => return Err(schema(&p("nds_not_apply"), "ожидается true или false")),
        };
        if !not_apply {
            let ok = match g.get("nds_value").and_then(int) {
                Some(0 | 10 | 20) => true,
                Some(5 | 7 | 22) => unconfirmed_vat_rates,
                _ => false,
            };
            if !ok {
                return Err(schema(&p("nds_value"), "недопустимая ставка НДС"));
            }
        }
        if !matches!(g.get("payment_mode").and_then(int), Some(1..=7)) {
            return Err(schema(&p("payment_mode"), "ожидается 1-7 (тег 1214)"));
        }
        if !matches!(g.get("item_type").and_then(int), Some(1..=27 | 30..=33)) {
            return Err(schema(
                &p("item_type"),
                "недопустимый признак предмета расчета (тег 1212)",
            ));
        }
        opt_string(g, "user_data", 64)
            .map_err(|_| schema(&p("user_data"), "строка до 64 символов"))?;
        if let Some(nc) = g.get("nomenclature_code").filter(|v| **v != J::Null) {
            let bytes = nc
                .as_str()
                .and_then(hex_bytes)
                .filter(|b| (7..=32).contains(&b.len()))
                .ok_or_else(|| {
                    schema(&p("nomenclature_code"), "ожидается hex-строка кода товара")
                })?;
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
        author,
        client_name,
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
}
