//! Receipt → `printCheck` / `printPurchaseReturn` command (field names from the vendor SDK's
//! README, <https://github.com/business-ru/open-api-sdk-php>, and public callers of `printCheck`;
//! the rest is not confirmed by a public source).
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
//! Not sent because the register itself prints them, from its registration: `company.inn`
//! (1018), `company.name` (1048), `company.email` (1117), `company.payment_place` (1187),
//! `company.payment_address` (1009) — the account's register (the command has no company
//! object). Not sent because the register computes the same value: `items[].vat_sum` (1200)
//! and `vat_totals` (1102–1107) — accepted only when equal to the half-up value computed from
//! the items, refused otherwise; `total` (1020) — accepted only when it equals the sum of the
//! payments; `items[].measure` 0 (pieces) through `/open-api/v2/`.
//!
//! Refused with [`ProviderError::Unsupported`] because the command has no field and dropping
//! them would change the fiscal document: calculated VAT rates (20/120 …),
//! `additional_check_props` (1192), operating and sectoral props, excise, country and
//! declaration, `unit` (1197), `unit_vat` (1198), `cashier.inn` (1203), fractions, FFD 1.2
//! client details, `register`, `other_tags`, a mark's `planned_status` / 1163 / 2102 / 2106
//! fields, a `code_1162` that differs from the scan's 1162 value, and — through
//! `/open-api/v2/` — marks and measures other than pieces.
//!
//! Phones (`smsEmail54FZ` and the agent and supplier phones) are sent as `+<digits>`
//! (`crate::contact`; the vendor documents the buyer's phone as `+7…`).
//!
//! Numbers are written from kopecks and exact decimals in PHP's canonical form (`1000`,
//! `12.5`, `0.347`), never through `f64`.

use super::config::{ApiVersion, BusinessRuConfig};
use super::php_json::{number_decimal, number_kopecks, Php};
use crate::carried;
use crate::contact;
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
/// API (the vendor SDK's `OpenClient`: `printCheck`, `printPurchaseReturn`, `openShift`,
/// `closeShift` are the known types); расход, возврат расхода and every correction do not.
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

fn phones(
    kv: &mut Vec<(String, Php)>,
    key: &str,
    path: &str,
    v: &[String],
) -> Result<(), ProviderError> {
    if !v.is_empty() {
        let list = contact::phones(PROVIDER, path, v)?;
        kv.push((
            key.to_owned(),
            Php::Arr(list.into_iter().map(Php::Str).collect()),
        ));
    }
    Ok(())
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
            "nds_value for this rate is not confirmed by a public source; set \
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
    refuse_if(&it.unit, p("unit"), "the unit of measurement (1197)")?;
    carried::other_tags_refused(PROVIDER, &format!("items[{i}]."), &it.other_tags)?;
    if let Some(given) = &it.vat_sum {
        let computed = it.sum.kopecks().ok().map(|k| it.vat.vat_of(k).unwrap_or(0));
        if given.kopecks().ok() != computed {
            return Err(unsupported(
                p("vat_sum"),
                "the command has no VAT sum field: the register computes it (half-up per \
                 item), and this value differs",
            ));
        }
    }
    if cfg.api == ApiVersion::V2 {
        refuse_if(
            &it.mark,
            p("mark"),
            "marks through /open-api/v2/ (their fields are not published)",
        )?;
    }
    if let Some(m) = &it.mark {
        let mp = p("mark");
        refuse_if(&m.planned_status, format!("{mp}.planned_status"), "2003")?;
        refuse_if(&m.kind, format!("{mp}.kind"), "a 1163 kind")?;
        refuse_if(&m.value, format!("{mp}.value"), "a 1163 value")?;
        refuse_if(&m.processing_mode, format!("{mp}.processing_mode"), "2102")?;
        refuse_if(&m.check_result, format!("{mp}.check_result"), "2106")?;
        carried::mark_1162_agrees(PROVIDER, &mp, m)?;
    }
    refuse_if(&it.fraction, p("fraction"), "a fractional quantity (1291)")?;
    refuse_if(
        &it.product_code,
        p("product_code"),
        "the product code (1163) of goods that are not marked",
    )?;
    if !it.sectoral_props.is_empty() {
        return Err(unsupported(
            p("sectoral_props"),
            "the Open API command has no field for sectoral props (1260)",
        ));
    }
    if cfg.api == ApiVersion::V1 {
        refuse_if(
            &it.measure,
            p("measure"),
            "2108 through /open-api/v1/ (ФФД 1.05)",
        )?;
    }
    // 2108 = 0 (pieces) is what the service records without a field; others are refused.
    if cfg.api == ApiVersion::V2 && it.measure.is_some_and(|m| m != Measure::PIECE) {
        return Err(unsupported(
            p("measure"),
            "the /open-api/v2/ field for 2108 is not published; only pieces can be sent",
        ));
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
            let ip = p("agent.agent_info");
            phones(
                &mut ag,
                "payment_operator_phone",
                &format!("{ip}.phones"),
                &info.phones,
            )?;
            phones(
                &mut ag,
                "receive_operator_phone",
                &format!("{ip}.payment_operator_phones"),
                &info.payment_operator_phones,
            )?;
            phones(
                &mut ag,
                "transfer_operator_phone",
                &format!("{ip}.transfer_operator_phones"),
                &info.transfer_operator_phones,
            )?;
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
            phones(
                &mut ag,
                "supplier_phone",
                &p("agent.supplier.phones"),
                &s.phones,
            )?;
            opt_str(&mut ag, "supplier_inn", s.inn.as_deref());
        }
        // PHP re-encodes an empty object as `[]`: never send one.
        if !ag.is_empty() {
            kv.push(("agent_info".to_owned(), Php::Obj(ag)));
        }
    }
    Ok(Php::Obj(kv))
}

/// Receipt VAT totals (1102–1107): the command has none, the register computes them from the
/// goods; given ones must equal what the items add up to, else the field is refused.
fn vat_totals_agree(r: &Receipt) -> Result<(), ProviderError> {
    let Some(given) = &r.vat_totals else {
        return Ok(());
    };
    let items = fiskal_ffd::vat_totals::RateTotals::of_items(&r.items);
    for (_, rate, name) in fiskal_ffd::vat_totals::RECEIPT_VAT_TAGS {
        if let Some(m) = given.given(rate) {
            if m.kopecks().ok() != Some(items.get(rate).unwrap_or(0)) {
                return Err(unsupported(
                    format!("vat_totals.{name}"),
                    "the command has no VAT totals: the register computes them from the goods, \
                     and this value differs",
                ));
            }
        }
    }
    Ok(())
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
    carried::other_tags_refused(PROVIDER, "", &r.other_tags)?;
    carried::register_refusals(PROVIDER, r.register.as_ref(), &[])?;
    refuse_if(
        &r.cashier.as_ref().and_then(|c| c.inn.as_ref()),
        "cashier.inn",
        "1203",
    )?;
    // No total field: the register adds up the payments.
    carried::total_is_payments(PROVIDER, r)?;
    vat_totals_agree(r)?;
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
    if let Some(s) = r.client.as_ref().and_then(|c| c.contact.as_deref()) {
        let c = contact::buyer_contact(PROVIDER, "client.contact", s)?;
        kv.push(("smsEmail54FZ".to_owned(), Php::str(c.as_str())));
    }
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
