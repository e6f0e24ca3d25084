//! Receipt → `printCheck` / `printPurchaseReturn` command (providers.md §3.4).
//!
//! | receipt | command field |
//! |---|---|
//! | `cashier.name` (1021), else [`BusinessRuConfig::default_author`] | `author` |
//! | `client.contact` (1008) | `smsEmail54FZ` |
//! | [`Submission::document_id`](crate::Submission::document_id) | `c_num` |
//! | `payments.cash` 1031 / `electronic` 1081 / `prepaid` 1215 / `credit` 1216 / `consideration` 1217 (non-zero only) | `payed_cash` / `payed_cashless` / `payed_prepay` / [`BusinessRuConfig::credit_field`] / `payed_consideration` |
//! | `tax_system` (1055) | `tag1055` (the bitmask value, an integer) |
//! | `client.name` 1227 / `client.inn` 1228 | `client_name` / `client_inn` |
//! | `additional_user_prop` 1084 | `additional_user_props` `{name, value}` |
//! | `items[].name` 1030, `quantity` 1023, `price` 1079, `sum` 1043 | `goods[].name`, `count`, `price`, `sum` |
//! | `items[].vat` 1199 | `nds_value` (percent: 20, 10, 0; 5, 7, 22 see [`BusinessRuConfig::unconfirmed_vat_rates`]) / `nds_not_apply: true` for «без НДС» |
//! | `items[].payment_method` 1214 / `payment_subject` 1212 | `payment_mode` / `item_type` (numbers) |
//! | `items[].user_data` 1191 | `user_data` |
//! | `items[].mark` (ФФД 1.05) | `nomenclature_code` (hex, [`BusinessRuConfig::mark_type_prefix`]) |
//! | `items[].agent` 1222/1223/1224/1226 | `agent_info` `{type, payment_operator_operation, payment_operator_phone[], receive_operator_phone[], transfer_operator_phone[], transfer_operator_name, transfer_operator_address, transfer_operator_inn, supplier_name, supplier_phone[], supplier_inn}` |
//!
//! Left out on purpose (the service takes them from the register or computes them): `company`
//! (ИНН, place and address of settlement, e-mail: the account's register), `unit` (1197: no
//! field), `vat_sum` and receipt `vat_totals` (the register computes VAT), `cashier.inn`
//! (1203: no field). Refused with [`ProviderError::Unsupported`] because the command has no
//! field and dropping them would change the fiscal document: calculated VAT rates
//! (20/120 …), `additional_check_props` (1192), operating and sectoral props, excise,
//! country and declaration, `unit_vat`, fractions, FFD 1.2 client details, and — through
//! `/open-api/v2/` — marks and measures other than pieces.
//!
//! Numbers are written from kopecks and exact decimals in PHP's canonical form (`1000`,
//! `12.5`, `0.347`), never through `f64`.

use super::config::{ApiVersion, BusinessRuConfig};
use super::php_json::{number_decimal, number_kopecks, Php};
use crate::error::ProviderError;
use crate::provider::DocumentKind;
use fiskal_ffd::model::{Item, Receipt};
use fiskal_ffd::{Measure, Money, VatRate};

pub(crate) const PROVIDER: &str = "business_ru";

pub(crate) fn unsupported(path: impl Into<String>, message: impl Into<String>) -> ProviderError {
    ProviderError::Unsupported {
        provider: PROVIDER,
        path: path.into(),
        message: message.into(),
    }
}

/// The command `type` of a document kind. Only sell and sell refund have a command in the Open
/// API (§3.3: `printCheck`, `printPurchaseReturn`, `openShift`, `closeShift` are the known
/// types); расход, возврат расхода and every correction do not.
pub fn command_type(kind: DocumentKind) -> Result<&'static str, ProviderError> {
    match kind {
        DocumentKind::Sell => Ok("printCheck"),
        DocumentKind::SellRefund => Ok("printPurchaseReturn"),
        other => Err(unsupported(
            "operation",
            format!(
                "the Business.ru Open API has no command for `{}` (only printCheck and \
                 printPurchaseReturn are known); use its ATOL-compatible endpoints \
                 (AtolConfig::business_ru) for buy, buy_refund and corrections",
                other.atol_operation()
            ),
        )),
    }
}

fn money(path: &str, m: &Money) -> Result<Php, ProviderError> {
    let k = m
        .kopecks()
        .map_err(|_| unsupported(path, "not a valid amount"))?;
    Ok(Php::Num(number_kopecks(k)))
}

fn opt_str(kv: &mut Vec<(String, Php)>, key: &str, v: Option<&str>) {
    if let Some(v) = v {
        kv.push((key.to_owned(), Php::str(v)));
    }
}

fn phones(kv: &mut Vec<(String, Php)>, key: &str, v: &[String]) {
    if !v.is_empty() {
        kv.push((
            key.to_owned(),
            Php::Arr(v.iter().map(|p| Php::str(p.as_str())).collect()),
        ));
    }
}

/// `nds_value` and `nds_not_apply` of a VAT rate.
fn vat(cfg: &BusinessRuConfig, path: &str, rate: VatRate) -> Result<(u8, bool), ProviderError> {
    match rate {
        VatRate::VAT20 => Ok((20, false)),
        VatRate::VAT10 => Ok((10, false)),
        VatRate::VAT0 => Ok((0, false)),
        VatRate::NONE => Ok((0, true)),
        VatRate::VAT5 | VatRate::VAT7 | VatRate::VAT22 if cfg.unconfirmed_vat_rates => {
            let p = match rate {
                VatRate::VAT5 => 5,
                VatRate::VAT7 => 7,
                _ => 22,
            };
            Ok((p, false))
        }
        VatRate::VAT5 | VatRate::VAT7 | VatRate::VAT22 => Err(unsupported(
            path,
            "nds_value for this rate is not confirmed (providers.md §3.4); set \
             BusinessRuConfig::unconfirmed_vat_rates to send it",
        )),
        other => Err(unsupported(
            path,
            format!("the Open API has no field for the calculated rate {other} (nds_value is a percentage)"),
        )),
    }
}

fn refuse_if<T>(v: &Option<T>, path: impl Into<String>, what: &str) -> Result<(), ProviderError> {
    if v.is_some() {
        return Err(unsupported(
            path,
            format!("the Open API command has no field for {what}"),
        ));
    }
    Ok(())
}

fn nomenclature_code(
    cfg: &BusinessRuConfig,
    path: &str,
    m: &fiskal_ffd::model::Mark,
) -> Result<String, ProviderError> {
    if let Some(h) = &m.code_1162 {
        let bytes =
            hex::decode(h).map_err(|_| unsupported(format!("{path}.code_1162"), "not hex"))?;
        let bytes = match cfg.mark_type_prefix {
            fiskal_marks::provider::TypePrefix::Included => &bytes[..],
            _ => bytes.get(2..).unwrap_or_default(),
        };
        if bytes.is_empty() {
            return Err(unsupported(format!("{path}.code_1162"), "too short"));
        }
        let text: Vec<String> = bytes.iter().map(|b| format!("{b:02X}")).collect();
        return Ok(text.join(" "));
    }
    let code = m
        .code
        .as_deref()
        .ok_or_else(|| unsupported(path, "ФФД 1.05 needs the scanned code or code_1162"))?;
    let mark = fiskal_marks::MarkCode::parse(code)
        .map_err(|e| unsupported(format!("{path}.code"), e.to_string()))?;
    fiskal_marks::provider::business_ru_nomenclature_code(&mark, cfg.mark_type_prefix)
        .map_err(|e| unsupported(format!("{path}.code"), e.to_string()))
}

fn good(cfg: &BusinessRuConfig, i: usize, it: &Item) -> Result<Php, ProviderError> {
    let p = |field: &str| format!("items[{i}].{field}");
    let name = it
        .name
        .as_deref()
        .ok_or_else(|| unsupported(p("name"), "the Open API requires the item name"))?;
    refuse_if(&it.excise, p("excise"), "excise (1229)")?;
    refuse_if(
        &it.country_code,
        p("country_code"),
        "the country of origin (1230)",
    )?;
    refuse_if(
        &it.declaration_number,
        p("declaration_number"),
        "the customs declaration (1231)",
    )?;
    refuse_if(&it.unit_vat, p("unit_vat"), "the unit VAT (1198)")?;
    refuse_if(&it.fraction, p("fraction"), "a fractional quantity (1291)")?;
    if !it.sectoral_props.is_empty() {
        return Err(unsupported(
            p("sectoral_props"),
            "the Open API command has no field for sectoral props (1260)",
        ));
    }
    if cfg.api == ApiVersion::V2 {
        refuse_if(
            &it.mark,
            p("mark"),
            "marks through /open-api/v2/ (not published, providers.md §5 q. 2)",
        )?;
        if it.measure.is_some_and(|m| m != Measure::PIECE) {
            return Err(unsupported(
                p("measure"),
                "the /open-api/v2/ field for 2108 is not published; only pieces can be sent",
            ));
        }
    }
    let (nds_value, nds_not_apply) = vat(cfg, &p("vat"), it.vat)?;
    let mut kv = vec![
        ("name".to_owned(), Php::str(name)),
        (
            "count".to_owned(),
            Php::Num(number_decimal(
                &it.quantity.as_decimal().normalize().to_string(),
            )),
        ),
        ("price".to_owned(), money(&p("price"), &it.price)?),
        ("sum".to_owned(), money(&p("sum"), &it.sum)?),
        ("nds_value".to_owned(), Php::int(nds_value)),
        ("nds_not_apply".to_owned(), Php::Bool(nds_not_apply)),
        ("payment_mode".to_owned(), Php::int(it.payment_method.0)),
        ("item_type".to_owned(), Php::int(it.payment_subject.0)),
    ];
    opt_str(&mut kv, "user_data", it.user_data.as_deref());
    if let Some(m) = &it.mark {
        kv.push((
            "nomenclature_code".to_owned(),
            Php::Str(nomenclature_code(cfg, &p("mark"), m)?),
        ));
    }
    if let Some(a) = &it.agent {
        let mut ag = Vec::new();
        if let Some(t) = a.agent_type {
            ag.push(("type".to_owned(), Php::int(t.0)));
        }
        if let Some(info) = &a.agent_info {
            opt_str(
                &mut ag,
                "payment_operator_operation",
                info.operation.as_deref(),
            );
            phones(&mut ag, "payment_operator_phone", &info.phones);
            phones(
                &mut ag,
                "receive_operator_phone",
                &info.payment_operator_phones,
            );
            phones(
                &mut ag,
                "transfer_operator_phone",
                &info.transfer_operator_phones,
            );
            opt_str(
                &mut ag,
                "transfer_operator_name",
                info.transfer_operator_name.as_deref(),
            );
            opt_str(
                &mut ag,
                "transfer_operator_address",
                info.transfer_operator_address.as_deref(),
            );
            opt_str(
                &mut ag,
                "transfer_operator_inn",
                info.transfer_operator_inn.as_deref(),
            );
        }
        if let Some(s) = &a.supplier {
            opt_str(&mut ag, "supplier_name", s.name.as_deref());
            phones(&mut ag, "supplier_phone", &s.phones);
            opt_str(&mut ag, "supplier_inn", s.inn.as_deref());
        }
        // PHP re-encodes an empty object as `[]`: never send one.
        if !ag.is_empty() {
            kv.push(("agent_info".to_owned(), Php::Obj(ag)));
        }
    }
    Ok(Php::Obj(kv))
}

/// The command object of a receipt (the value of the envelope's `command`).
pub fn build(cfg: &BusinessRuConfig, document_id: &str, r: &Receipt) -> Result<Php, ProviderError> {
    refuse_if(&r.correction, "correction", "corrections")?;
    refuse_if(&r.additional_check_props, "additional_check_props", "1192")?;
    refuse_if(&r.operating_check_props, "operating_check_props", "1270")?;
    if !r.sectoral_check_props.is_empty() {
        return Err(unsupported(
            "sectoral_check_props",
            "the Open API command has no field for 1261",
        ));
    }
    if let Some(c) = &r.client {
        refuse_if(&c.birth_date, "client.birth_date", "1243")?;
        refuse_if(&c.citizenship, "client.citizenship", "1244")?;
        refuse_if(&c.document_code, "client.document_code", "1245")?;
        refuse_if(&c.document_data, "client.document_data", "1246")?;
        refuse_if(&c.address, "client.address", "1254")?;
    }
    if document_id.is_empty() || document_id.chars().count() > 64 {
        return Err(unsupported(
            "document_id",
            "c_num is taken from the document id: 1..64 characters",
        ));
    }
    let mut kv = Vec::new();
    let author = r
        .cashier
        .as_ref()
        .map(|c| c.name.as_str())
        .or(cfg.default_author.as_deref());
    opt_str(&mut kv, "author", author);
    opt_str(
        &mut kv,
        "smsEmail54FZ",
        r.client.as_ref().and_then(|c| c.contact.as_deref()),
    );
    kv.push(("c_num".to_owned(), Php::str(document_id)));
    let pay = [
        ("payed_cash", &r.payments.cash),
        ("payed_cashless", &r.payments.electronic),
        ("payed_prepay", &r.payments.prepaid),
        (cfg.credit_field.as_str(), &r.payments.credit),
        ("payed_consideration", &r.payments.consideration),
    ];
    for (key, m) in pay {
        if !m.is_zero() {
            kv.push((key.to_owned(), money("payments", m)?));
        }
    }
    if let Some(ts) = r.tax_system {
        kv.push(("tag1055".to_owned(), Php::int(ts.0)));
    }
    opt_str(
        &mut kv,
        "client_name",
        r.client.as_ref().and_then(|c| c.name.as_deref()),
    );
    opt_str(
        &mut kv,
        "client_inn",
        r.client.as_ref().and_then(|c| c.inn.as_deref()),
    );
    if let Some(p) = &r.additional_user_prop {
        kv.push((
            "additional_user_props".to_owned(),
            Php::Obj(vec![
                ("name".to_owned(), Php::str(p.name.as_str())),
                ("value".to_owned(), Php::str(p.value.as_str())),
            ]),
        ));
    }
    let goods = r
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| good(cfg, i, it))
        .collect::<Result<Vec<_>, _>>()?;
    kv.push(("goods".to_owned(), Php::Arr(goods)));
    Ok(Php::Obj(kv))
}
