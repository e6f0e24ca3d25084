//! Checks shared by the adapters so that no receipt field is dropped silently: a field either
//! reaches the provider (in its own request field, or as the source of a value that is sent and
//! says the same thing), or the receipt is refused before sending, naming the field.
//!
//! The helpers here cover the fields that are *carried by another field*: a mark given both as
//! the raw scan and as its derived 1162 / 1163 value, a fraction's text next to its two
//! numbers, a total that a provider only receives as the sum of the payments. When the two
//! agree nothing is lost; when they disagree, sending one would silently drop the other, so the
//! receipt is refused.

use crate::error::ProviderError;
use fiskal_ffd::model::{Fraction, Mark, Receipt, RegisterData};

fn unsupported(provider: &'static str, path: String, message: String) -> ProviderError {
    ProviderError::Unsupported {
        provider,
        path,
        message,
    }
}

/// A mark given as both the raw scan `code` and `code_1162` (ФФД 1.05): the hex must be the
/// 1162 value fiskal-marks derives from the scan, else `{path}.code_1162` is refused (one of
/// them would not reach the register). `path` is the mark's path (`items[0].mark`).
pub(crate) fn mark_1162_agrees(
    provider: &'static str,
    path: &str,
    m: &Mark,
) -> Result<(), ProviderError> {
    let (Some(code), Some(hex_1162)) = (&m.code, &m.code_1162) else {
        return Ok(());
    };
    let derived = fiskal_marks::MarkCode::parse(code)
        .and_then(|c| c.tag_1162())
        .map_err(|e| unsupported(provider, format!("{path}.code"), e.to_string()))?;
    let given = hex::decode(hex_1162)
        .map_err(|_| unsupported(provider, format!("{path}.code_1162"), "not hex".into()))?;
    if given == derived.as_bytes() {
        Ok(())
    } else {
        Err(unsupported(
            provider,
            format!("{path}.code_1162"),
            "differs from the 1162 value of mark.code; only one can be sent: give one of them"
                .into(),
        ))
    }
}

/// A mark given as both the raw scan `code` and the 1163 child `kind` + `value` (ФФД 1.2):
/// they must be what fiskal-marks derives from the scan, else `{path}.kind` / `{path}.value`
/// is refused.
pub(crate) fn mark_1163_agrees(
    provider: &'static str,
    path: &str,
    m: &Mark,
) -> Result<(), ProviderError> {
    let Some(code) = &m.code else {
        return Ok(());
    };
    if m.kind.is_none() && m.value.is_none() {
        return Ok(());
    }
    let derived = fiskal_marks::MarkCode::parse(code)
        .map_err(|e| unsupported(provider, format!("{path}.code"), e.to_string()))?
        .tag_1163();
    let what = "differs from the 1163 value derived from mark.code; only the scan is sent: \
                give one of them";
    if m.kind.is_some_and(|k| k != derived.tag()) {
        return Err(unsupported(provider, format!("{path}.kind"), what.into()));
    }
    if m.value.as_deref().is_some_and(|v| v != derived.value()) {
        return Err(unsupported(provider, format!("{path}.value"), what.into()));
    }
    Ok(())
}

/// 1292 «дробная часть»: sent only as its numerator and denominator, so a text must read
/// `"<numerator>/<denominator>"`, else `{path}.text` is refused.
pub(crate) fn fraction_text_agrees(
    provider: &'static str,
    path: &str,
    f: &Fraction,
) -> Result<(), ProviderError> {
    match &f.text {
        Some(t) if *t != format!("{}/{}", f.numerator, f.denominator) => Err(unsupported(
            provider,
            format!("{path}.text"),
            format!(
                "only numerator and denominator are sent, and they read {}/{}",
                f.numerator, f.denominator
            ),
        )),
        _ => Ok(()),
    }
}

/// The receipt total when a provider has no field for it: it must equal the sum of the
/// payments, which is sent, else `total` is refused.
pub(crate) fn total_is_payments(provider: &'static str, r: &Receipt) -> Result<(), ProviderError> {
    let total = r.total.kopecks().ok();
    let paid = r.payments.total_kopecks().ok();
    if total.is_some() && total == paid {
        Ok(())
    } else {
        Err(unsupported(
            provider,
            "total".into(),
            "this request has no total field: the register takes the sum of the payments, \
             which differs"
                .into(),
        ))
    }
}

/// The register-assigned requisites a provider cannot take: each present field of `register`
/// except those in `sent` is refused, naming it (`register.fn_number`).
pub(crate) fn register_refusals(
    provider: &'static str,
    reg: Option<&RegisterData>,
    sent: &[&str],
) -> Result<(), ProviderError> {
    let Some(g) = reg else {
        return Ok(());
    };
    let fields = [
        ("kkt_reg_number", g.kkt_reg_number.is_some()),
        ("automat_number", g.automat_number.is_some()),
        ("fn_number", g.fn_number.is_some()),
        ("fd_number", g.fd_number.is_some()),
        ("receipt_number", g.receipt_number.is_some()),
        ("shift_number", g.shift_number.is_some()),
        ("date_time", g.date_time.is_some()),
        ("fiscal_sign", g.fiscal_sign.is_some()),
        ("fns_site", g.fns_site.is_some()),
        ("internet_only", g.internet_only.is_some()),
        ("marks_check_result", g.marks_check_result.is_some()),
    ];
    for (name, present) in fields {
        if present && !sent.contains(&name) {
            return Err(unsupported(
                provider,
                format!("register.{name}"),
                "a requisite the register and the fiscal drive assign; the request has no \
                 field for it"
                    .into(),
            ));
        }
    }
    Ok(())
}

/// `other_tags` (requisites the model does not represent) cannot be sent by any JSON API:
/// refused naming the first one (`other_tags[0]`, `items[2].other_tags[0]`).
pub(crate) fn other_tags_refused(
    provider: &'static str,
    prefix: &str,
    tags: &[fiskal_ffd::model::RawTag],
) -> Result<(), ProviderError> {
    match tags.first() {
        None => Ok(()),
        Some(t) => Err(unsupported(
            provider,
            format!("{prefix}other_tags[0]"),
            format!(
                "tag {} is not modelled and the request has no field for raw tags",
                t.tag
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCAN: &str = "0104601234567893215Abc000000001\u{1d}91EE05\u{1d}92Y4O/9CcUX4YrsehY0jUvHmlWpY5gQ2P8HzJ15ZtlzLU=";

    #[test]
    fn derived_mark_values_must_agree_with_the_scan() {
        let parsed = fiskal_marks::MarkCode::parse(SCAN).expect("scan");
        let t = parsed.tag_1163();
        let mut m = Mark {
            code: Some(SCAN.into()),
            kind: Some(t.tag()),
            value: Some(t.value().to_owned()),
            ..Mark::default()
        };
        assert_eq!(mark_1163_agrees("p", "items[0].mark", &m), Ok(()));
        m.value = Some("0104601234567893215Other0000001".into());
        assert!(matches!(
            mark_1163_agrees("p", "items[0].mark", &m),
            Err(ProviderError::Unsupported { path, .. }) if path == "items[0].mark.value"
        ));
        let hex_ok = hex::encode(parsed.tag_1162().expect("1162").as_bytes());
        let mut m = Mark {
            code: Some(SCAN.into()),
            code_1162: Some(hex_ok.to_uppercase()),
            ..Mark::default()
        };
        assert_eq!(mark_1162_agrees("p", "items[0].mark", &m), Ok(()));
        m.code_1162 = Some("444d00".into());
        assert!(matches!(
            mark_1162_agrees("p", "items[0].mark", &m),
            Err(ProviderError::Unsupported { path, .. }) if path == "items[0].mark.code_1162"
        ));
    }

    #[test]
    fn fraction_text_must_read_numerator_slash_denominator() {
        let mut f = Fraction {
            numerator: 1,
            denominator: 4,
            text: Some("1/4".into()),
        };
        assert_eq!(fraction_text_agrees("p", "items[0].fraction", &f), Ok(()));
        f.text = Some("2/8".into());
        assert!(fraction_text_agrees("p", "items[0].fraction", &f).is_err());
    }
}
