//! Receipt → KOMTET Kassa task body (`POST api/shop/v2/queues/{queue_id}/task`).
//!
//! Field names and values from the official SDKs' `v2` (ФФД 1.2) models:
//! <https://github.com/Komtet/komtet-kassa-php-sdk> `src/v2/{Check, CorrectionCheck, Position,
//! Payment, Vat, Measure, PaymentMethod, PaymentObject, Agent, MarkCode, MarkQuantity,
//! PlannedStatus, Buyer, Company, Cashier, SectoralCheckProps, SectoralItemProps,
//! OperatingCheckProps, AdditionalUserProps}.php` and
//! <https://github.com/Komtet/komtet-kassa-python-sdk> `src/komtet_kassa_sdk/v2/check.py` with its
//! tests `tests/v2/{check,correction_check}/test.py`.
//!
//! | receipt | task field |
//! |---|---|
//! | [`Submission::document_id`](crate::Submission::document_id) | `external_id` (the idempotency key) |
//! | `operation` 1054 (+ `correction`) | `intent`: `sell`, `sellReturn`, `buy`, `buyReturn`; `sellCorrection`, `sellReturnCorrection`, `buyCorrection`, `buyReturnCorrection` |
//! | [`KomtetConfig::print`] | `print` |
//! | `client.contact` 1008 | `client.email` (has `@`) or `client.phone` (`+<digits>`) |
//! | `client.name` / `inn` / `birth_date` / `citizenship` / `document_code` / `document_data` / `address` (1227, 1228, 1243–1246, 1254) | `client.name` / `inn` / `birthdate` / `citizenship` / `document_code` / `document_data` / `address` |
//! | `tax_system` 1055 | `company.sno`: ОСН 0, УСН доход 1, УСН доход − расход 2, ЕСХН 4, ПСН 5 (SDK `TaxSystem`) |
//! | `company.payment_address` 1009 / `payment_place` 1187 / `inn` 1018 | `company.payment_address` / `place_address` / `inn` |
//! | `cashier.name` 1021 / `inn` 1203 | `cashier.name` / `inn` |
//! | `additional_check_props` 1192 | `additional_check_props` |
//! | `additional_user_prop` 1084 | `additional_user_props {name, value}` |
//! | `sectoral_check_props[]` 1261 | `sectoral_check_props[] {federal_id, date, number, value}` |
//! | `operating_check_props` 1270 | `operating_check_props {name: "<1271>", value: 1272, timestamp: "DD.MM.YYYY HH:MM:SS"}` |
//! | `correction` 1173 / 1178 / 1179 | `correction_info {type: self / instruction, base_date: YYYY-MM-DD, base_number}` |
//! | `register.internet_only` 1125 | `internet` |
//! | `payments` cash / electronic / prepaid / credit / consideration (non-zero only) | `payments[] {type: cash / card / prepayment / credit / counter_provisioning, sum}` |
//! | [`Submission::callback_url`](crate::Submission::callback_url) | `callback_url` |
//! | `items[].name` 1030, `price` 1079, `quantity` 1023, `sum` 1043 | `positions[].name`, `price`, `quantity`, `total` |
//! | `items[].vat` 1199 | `vat`: `no`, `0`, `5`, `7`, `10`, `20`, `22`, `105`, `107`, `110`, `120`, `122` |
//! | `items[].measure` 2108 | `measure` (the 2108 code) |
//! | `items[].payment_method` 1214 | `payment_method`: `pre_payment_full`, `pre_payment_part`, `advance`, `full_payment`, `credit_part`, `credit`, `credit_pay` |
//! | `items[].payment_subject` 1212 | `payment_object`: `product` … `tm` (table in [`payment_object`]) |
//! | `items[].excise` 1229 / `country_code` 1230 / `declaration_number` 1231 / `user_data` 1191 | `excise` / `country_code` / `declaration_number` / `user_data` |
//! | `items[].agent` 1222 / 1223 | `agent_info {type, paying_agent {operation, phones}, receive_payments_operator {phones}, money_transfer_operator {name, phones, address, inn}}` |
//! | `items[].agent.supplier` 1224 / 1226 | `supplier_info {name, phones, inn}` |
//! | `items[].mark` (scan, or 1163 `kind` + `value`) | `mark_code {<kind>: <value>}`, kinds `unknown`, `ean8`, `ean13`, `itf14`, `gs10`, `gs1m`, `short`, `fur`, `egais20`, `egais30` (SDK `MarkCode`) from fiskal-marks' classification |
//! | `items[].mark.planned_status` 2003 | `planned_status` (1–4, 255: the same numbers) |
//! | `items[].fraction` 1291 | `mark_quantity {numerator, denominator}` |
//! | `items[].sectoral_props[]` 1260 | `sectoral_item_props[]` |
//!
//! Not sent because the register prints them from its registration: `company.name` (1048),
//! `company.email` (1117). Not sent because the register computes the same value:
//! `items[].vat_sum` (1200) and `vat_totals` (1102–1107) — accepted only when equal to the
//! half-up value computed from the items, refused otherwise; `total` (1020) — accepted only
//! when it equals the sum of the payments; `items[].mark.processing_mode` (2102) — only 0, the
//! one value there is.
//!
//! Refused with [`ProviderError::Unsupported`] naming the field: ФФД 1.05 receipts (the
//! `v2` API is ФФД 1.2), ЕНВД (no `sno` value in `v2`), `items[].unit` (1197, ФФД 1.05),
//! `items[].unit_vat` (1198), `items[].mark.check_result` (2106, the register's), a mark given
//! only as `code_1162` (1.05), 1163 kinds 1320–1325 (no `mark_code` key), `correction.description`
//! (1177), `register` fields other than `internet_only`, `other_tags`.
//!
//! Numbers are written from kopecks and exact decimals as JSON numbers in their shortest exact
//! form (`110.98`, `100`, `0.347`), never through `f64`. The SDKs send JSON numbers too
//! (Python: `Decimal` → `float`; PHP: `json_encode` with `serialize_precision` 10).

use super::config::{KomtetConfig, MarkValue};
use super::json::{kopecks_number, J};
use crate::carried;
use crate::contact::{self, Contact};
use crate::error::ProviderError;
use crate::provider::DocumentKind;
use fiskal_ffd::model::{Item, Mark, Receipt};
use fiskal_ffd::{AgentType, CorrectionType, FfdVersion, Money, TaxSystem, VatRate};

pub(crate) const PROVIDER: &str = "komtet";

pub(crate) fn unsupported(path: impl Into<String>, message: impl Into<String>) -> ProviderError {
    ProviderError::Unsupported {
        provider: PROVIDER,
        path: path.into(),
        message: message.into(),
    }
}

/// The `intent` of a document kind.
pub fn intent(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Sell => "sell",
        DocumentKind::SellRefund => "sellReturn",
        DocumentKind::Buy => "buy",
        DocumentKind::BuyRefund => "buyReturn",
        DocumentKind::SellCorrection => "sellCorrection",
        DocumentKind::SellRefundCorrection => "sellReturnCorrection",
        DocumentKind::BuyCorrection => "buyCorrection",
        DocumentKind::BuyRefundCorrection => "buyReturnCorrection",
    }
}

/// `company.sno` of a 1055 value (SDK `TaxSystem`: 0, 1, 2, 4, 5).
fn sno(ts: TaxSystem) -> Result<i64, ProviderError> {
    Ok(match ts {
        TaxSystem::OSN => 0,
        TaxSystem::USN_INCOME => 1,
        TaxSystem::USN_INCOME_OUTCOME => 2,
        TaxSystem::ESN => 4,
        TaxSystem::PATENT => 5,
        other => {
            return Err(unsupported(
                "tax_system",
                format!(
                    "KOMTET's v2 API has no `sno` for 1055 = {} (ЕНВД was abolished in 2021)",
                    other.0
                ),
            ))
        }
    })
}

/// `positions[].vat` of a 1199 value (SDK `Vat`).
fn vat(path: &str, rate: VatRate) -> Result<&'static str, ProviderError> {
    Ok(match rate {
        VatRate::NONE => "no",
        VatRate::VAT0 => "0",
        VatRate::VAT5 => "5",
        VatRate::VAT7 => "7",
        VatRate::VAT10 => "10",
        VatRate::VAT20 => "20",
        VatRate::VAT22 => "22",
        VatRate::VAT105 => "105",
        VatRate::VAT107 => "107",
        VatRate::VAT110 => "110",
        VatRate::VAT120 => "120",
        VatRate::VAT122 => "122",
        other => {
            return Err(unsupported(
                path,
                format!("no KOMTET VAT code for 1199 = {}", other.0),
            ))
        }
    })
}

/// `positions[].payment_method` of a 1214 value (SDK `PaymentMethod`).
fn payment_method(path: &str, v: u8) -> Result<&'static str, ProviderError> {
    Ok(match v {
        1 => "pre_payment_full",
        2 => "pre_payment_part",
        3 => "advance",
        4 => "full_payment",
        5 => "credit_part",
        6 => "credit",
        7 => "credit_pay",
        other => {
            return Err(unsupported(
                path,
                format!("no KOMTET payment_method for 1214 = {other}"),
            ))
        }
    })
}

/// `positions[].payment_object` of a 1212 value (SDK `PaymentObject`, in the order of its
/// docstrings; 12 is `composite` — the SDK's `pay` is not used, its 1212 value is not stated).
pub fn payment_object(v: u8) -> Option<&'static str> {
    Some(match v {
        1 => "product",
        2 => "product_practical",
        3 => "work",
        4 => "service",
        5 => "gambling_bet",
        6 => "gambling_win",
        7 => "lottery_bet",
        8 => "lottery_win",
        9 => "rid",
        10 => "payment",
        11 => "commission",
        12 => "composite",
        13 => "other",
        14 => "property_right",
        15 => "non_operating",
        16 => "insurance",
        17 => "sales_tax",
        18 => "resort_fee",
        19 => "deposit",
        20 => "consumption",
        21 => "sole_proprietor_cpi_contributins",
        22 => "cpi_contributins",
        23 => "sole_proprietor_cmi_contributins",
        24 => "cmi_contributins",
        25 => "csi_contributins",
        26 => "casino_payment",
        27 => "payment_of_the_money",
        30 => "atnm",
        31 => "atm",
        32 => "tnm",
        33 => "tm",
        _ => return None,
    })
}

/// `agent_info.type` of a 1222 value (SDK `Agent`).
fn agent_type(path: &str, t: AgentType) -> Result<&'static str, ProviderError> {
    Ok(match t {
        AgentType::BANK_PAYING_AGENT => "bank_payment_agent",
        AgentType::BANK_PAYING_SUBAGENT => "bank_payment_subagent",
        AgentType::PAYING_AGENT => "payment_agent",
        AgentType::PAYING_SUBAGENT => "payment_subagent",
        AgentType::ATTORNEY => "solicitor",
        AgentType::COMMISSION_AGENT => "commissionaire",
        AgentType::ANOTHER => "agent",
        other => {
            return Err(unsupported(
                path,
                format!("no KOMTET agent type for 1222 = {}", other.0),
            ))
        }
    })
}

fn money(path: &str, m: &Money) -> Result<J, ProviderError> {
    let k = m
        .kopecks()
        .map_err(|e| unsupported(path, format!("not a valid amount: {e}")))?;
    Ok(J::Num(kopecks_number(k)))
}

fn opt_str(kv: &mut Vec<(String, J)>, key: &str, v: Option<&str>) {
    if let Some(v) = v {
        kv.push((key.to_owned(), J::str(v)));
    }
}

fn refuse_if<T>(v: &Option<T>, path: impl Into<String>, what: &str) -> Result<(), ProviderError> {
    if v.is_some() {
        return Err(unsupported(
            path,
            format!("the KOMTET task has no field for {what}"),
        ));
    }
    Ok(())
}

fn phones(path: &str, v: &[String]) -> Result<J, ProviderError> {
    Ok(J::Arr(
        contact::phones(PROVIDER, path, v)?
            .into_iter()
            .map(J::Str)
            .collect(),
    ))
}

fn sectoral(list: &[fiskal_ffd::model::SectoralProp]) -> J {
    J::Arr(
        list.iter()
            .map(|p| {
                J::Obj(vec![
                    ("federal_id".into(), J::str(p.fois_id.as_str())),
                    ("date".into(), J::str(p.date.as_str())),
                    ("number".into(), J::str(p.number.as_str())),
                    ("value".into(), J::str(p.value.as_str())),
                ])
            })
            .collect(),
    )
}

/// `mark_code {<kind>: <value>}` of a mark.
fn mark_code(cfg: &KomtetConfig, path: &str, m: &Mark) -> Result<J, ProviderError> {
    carried::mark_1163_agrees(PROVIDER, path, m)?;
    let (kind, value) = if let Some(code) = &m.code {
        let mark = fiskal_marks::MarkCode::parse(code)
            .map_err(|e| unsupported(format!("{path}.code"), e.to_string()))?;
        let kind = mark.code_kind();
        let value = match kind {
            fiskal_marks::CodeKind::Gs1Marked | fiskal_marks::CodeKind::Short => {
                mark.tag_2000().to_owned()
            }
            _ => mark.tag_1163().value().to_owned(),
        };
        (kind, value)
    } else {
        match (m.kind, &m.value) {
            (Some(k), Some(v)) => {
                let kind = fiskal_marks::CodeKind::from_tag(k).ok_or_else(|| {
                    unsupported(
                        format!("{path}.kind"),
                        format!("KOMTET's mark_code has no key for the 1163 child {k}"),
                    )
                })?;
                (kind, v.clone())
            }
            _ if m.code_1162.is_some() => return Err(unsupported(
                format!("{path}.code_1162"),
                "a ФФД 1.05 1162 value; KOMTET's v2 API takes the scan or the 1163 kind + value",
            )),
            _ => {
                return Err(unsupported(
                    path,
                    "a mark needs the scanned `code` or the 1163 `kind` and `value`",
                ))
            }
        }
    };
    let encoded = matches!(
        kind,
        fiskal_marks::CodeKind::Gs1Marked | fiskal_marks::CodeKind::Short
    ) && cfg.mark_value == MarkValue::Base64;
    let value = if encoded {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(value.as_bytes())
    } else {
        value
    };
    let key = kind.atol_v5_key();
    if m.code.is_some() {
        refuse_if(
            &m.code_1162,
            format!("{path}.code_1162"),
            "a ФФД 1.05 1162 value (the scan is sent)",
        )?;
    }
    Ok(J::Obj(vec![(key.to_owned(), J::Str(value))]))
}

fn position(cfg: &KomtetConfig, i: usize, it: &Item) -> Result<J, ProviderError> {
    let p = |field: &str| format!("items[{i}].{field}");
    let name = it
        .name
        .as_deref()
        .ok_or_else(|| unsupported(p("name"), "KOMTET requires the position name"))?;
    refuse_if(
        &it.unit,
        p("unit"),
        "1197 (ФФД 1.05; the v2 API takes `measure`)",
    )?;
    refuse_if(&it.unit_vat, p("unit_vat"), "the unit VAT (1198)")?;
    carried::other_tags_refused(PROVIDER, &format!("items[{i}]."), &it.other_tags)?;
    if let Some(given) = &it.vat_sum {
        let computed = it.sum.kopecks().ok().map(|k| it.vat.vat_of(k).unwrap_or(0));
        if given.kopecks().ok() != computed {
            return Err(unsupported(
                p("vat_sum"),
                "the task has no VAT sum field: the register computes it (half-up per item), \
                 and this value differs",
            ));
        }
    }
    let measure = it.measure.ok_or_else(|| {
        unsupported(
            p("measure"),
            "KOMTET requires `measure` (2108) on every position",
        )
    })?;
    let subject = payment_object(it.payment_subject.0).ok_or_else(|| {
        unsupported(
            p("payment_subject"),
            format!(
                "no KOMTET payment_object for 1212 = {}",
                it.payment_subject.0
            ),
        )
    })?;
    let mut kv = vec![
        ("name".to_owned(), J::str(name)),
        ("price".to_owned(), money(&p("price"), &it.price)?),
        (
            "quantity".to_owned(),
            J::Num(it.quantity.as_decimal().normalize().to_string()),
        ),
        ("total".to_owned(), money(&p("sum"), &it.sum)?),
        ("vat".to_owned(), J::str(vat(&p("vat"), it.vat)?)),
        ("measure".to_owned(), J::int(measure.0)),
        (
            "payment_method".to_owned(),
            J::str(payment_method(&p("payment_method"), it.payment_method.0)?),
        ),
        ("payment_object".to_owned(), J::str(subject)),
    ];
    if let Some(e) = &it.excise {
        kv.push(("excise".to_owned(), money(&p("excise"), e)?));
    }
    opt_str(&mut kv, "country_code", it.country_code.as_deref());
    opt_str(
        &mut kv,
        "declaration_number",
        it.declaration_number.as_deref(),
    );
    opt_str(&mut kv, "user_data", it.user_data.as_deref());
    if let Some(a) = &it.agent {
        let mut ag = Vec::new();
        match a.agent_type {
            Some(t) => ag.push(("type".to_owned(), J::str(agent_type(&p("agent.type"), t)?))),
            None => {
                return Err(unsupported(
                    p("agent.type"),
                    "KOMTET's agent_info needs the agent type",
                ))
            }
        }
        if let Some(info) = &a.agent_info {
            let ip = p("agent.agent_info");
            if info.operation.is_some() || !info.phones.is_empty() {
                let mut pa = vec![(
                    "phones".to_owned(),
                    phones(&format!("{ip}.phones"), &info.phones)?,
                )];
                opt_str(&mut pa, "operation", info.operation.as_deref());
                ag.push(("paying_agent".to_owned(), J::Obj(pa)));
            }
            if !info.payment_operator_phones.is_empty() {
                ag.push((
                    "receive_payments_operator".to_owned(),
                    J::Obj(vec![(
                        "phones".to_owned(),
                        phones(
                            &format!("{ip}.payment_operator_phones"),
                            &info.payment_operator_phones,
                        )?,
                    )]),
                ));
            }
            let transfer = info.transfer_operator_name.is_some()
                || info.transfer_operator_address.is_some()
                || info.transfer_operator_inn.is_some()
                || !info.transfer_operator_phones.is_empty();
            if transfer {
                let mut mt = Vec::new();
                opt_str(&mut mt, "name", info.transfer_operator_name.as_deref());
                mt.push((
                    "phones".to_owned(),
                    phones(
                        &format!("{ip}.transfer_operator_phones"),
                        &info.transfer_operator_phones,
                    )?,
                ));
                opt_str(
                    &mut mt,
                    "address",
                    info.transfer_operator_address.as_deref(),
                );
                opt_str(&mut mt, "inn", info.transfer_operator_inn.as_deref());
                ag.push(("money_transfer_operator".to_owned(), J::Obj(mt)));
            }
        }
        kv.push(("agent_info".to_owned(), J::Obj(ag)));
        if let Some(s) = &a.supplier {
            let mut si = vec![(
                "phones".to_owned(),
                phones(&p("agent.supplier.phones"), &s.phones)?,
            )];
            opt_str(&mut si, "name", s.name.as_deref());
            opt_str(&mut si, "inn", s.inn.as_deref());
            kv.push(("supplier_info".to_owned(), J::Obj(si)));
        }
    }
    if let Some(f) = &it.fraction {
        carried::fraction_text_agrees(PROVIDER, &p("fraction"), f)?;
        kv.push((
            "mark_quantity".to_owned(),
            J::Obj(vec![
                ("numerator".to_owned(), J::Num(f.numerator.to_string())),
                ("denominator".to_owned(), J::Num(f.denominator.to_string())),
            ]),
        ));
    }
    if it.product_code.is_some() {
        return Err(unsupported(
            p("product_code"),
            "the product code (1163) of goods that are not marked: fiskal sends KOMTET's \
             mark_code (SDK MarkCode) for marks only, so it is refused rather than sent as one",
        ));
    }
    if let Some(m) = &it.mark {
        let mp = p("mark");
        refuse_if(
            &m.check_result,
            format!("{mp}.check_result"),
            "2106 (the register's own check result)",
        )?;
        if m.processing_mode.is_some_and(|v| v != 0) {
            return Err(unsupported(
                format!("{mp}.processing_mode"),
                "2102 is always 0; KOMTET has no field for another value",
            ));
        }
        kv.push(("mark_code".to_owned(), mark_code(cfg, &mp, m)?));
        if let Some(s) = m.planned_status {
            kv.push(("planned_status".to_owned(), J::int(s.0)));
        }
    }
    if !it.sectoral_props.is_empty() {
        kv.push((
            "sectoral_item_props".to_owned(),
            sectoral(&it.sectoral_props),
        ));
    }
    Ok(J::Obj(kv))
}

/// Receipt VAT totals (1102–1107): the task has none, the register computes them from the
/// positions; given ones must equal what the items add up to, else the field is refused.
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
                    "the task has no VAT totals: the register computes them from the positions, \
                     and this value differs",
                ));
            }
        }
    }
    Ok(())
}

/// The task body of a receipt: the JSON object `POST …/task` sends, as a tree with exact
/// numbers ([`J::encode`] gives the bytes that are signed and sent).
///
/// # Errors
/// [`ProviderError::Unsupported`] naming the receipt field (module docs).
pub fn build(
    cfg: &KomtetConfig,
    document_id: &str,
    callback_url: Option<&str>,
    r: &Receipt,
) -> Result<J, ProviderError> {
    if r.ffd != FfdVersion::V12 {
        return Err(unsupported(
            "ffd",
            "KOMTET's v2 API (api/shop/v2) carries ФФД 1.2 receipts only",
        ));
    }
    let kind = DocumentKind::of(r).map_err(|_| {
        unsupported(
            "operation",
            format!("operation {} is not defined", r.operation.0),
        )
    })?;
    if document_id.is_empty() {
        return Err(unsupported("document_id", "external_id must not be empty"));
    }
    carried::other_tags_refused(PROVIDER, "", &r.other_tags)?;
    carried::register_refusals(PROVIDER, r.register.as_ref(), &["internet_only"])?;
    carried::total_is_payments(PROVIDER, r)?;
    vat_totals_agree(r)?;
    let mut kv = vec![
        ("external_id".to_owned(), J::str(document_id)),
        ("intent".to_owned(), J::str(intent(kind))),
        ("print".to_owned(), J::Bool(cfg.print)),
    ];
    if let Some(c) = &r.correction {
        refuse_if(
            &c.description,
            "correction.description",
            "1177 (a legacy ФФД 1.05 field)",
        )?;
        let ty = match c.correction_type {
            CorrectionType::SELF_INITIATED => "self",
            CorrectionType::BY_PRESCRIPTION => "instruction",
            other => {
                return Err(unsupported(
                    "correction.type",
                    format!("no KOMTET correction type for 1173 = {}", other.0),
                ))
            }
        };
        let (y, mo, d, _, _, _) = c.date.fields();
        let mut ci = vec![
            ("type".to_owned(), J::str(ty)),
            (
                "base_date".to_owned(),
                J::Str(format!("{y:04}-{mo:02}-{d:02}")),
            ),
        ];
        opt_str(&mut ci, "base_number", c.number.as_deref());
        kv.push(("correction_info".to_owned(), J::Obj(ci)));
    }
    let mut client = Vec::new();
    if let Some(c) = &r.client {
        if let Some(s) = c.contact.as_deref() {
            match contact::buyer_contact(PROVIDER, "client.contact", s)? {
                Contact::Email(e) => client.push(("email".to_owned(), J::Str(e))),
                Contact::Phone(ph) => client.push(("phone".to_owned(), J::Str(ph))),
            }
        }
        opt_str(&mut client, "name", c.name.as_deref());
        opt_str(&mut client, "inn", c.inn.as_deref());
        opt_str(&mut client, "birthdate", c.birth_date.as_deref());
        opt_str(&mut client, "citizenship", c.citizenship.as_deref());
        opt_str(&mut client, "document_code", c.document_code.as_deref());
        opt_str(&mut client, "document_data", c.document_data.as_deref());
        opt_str(&mut client, "address", c.address.as_deref());
    }
    kv.push(("client".to_owned(), J::Obj(client)));
    let ts = r
        .tax_system
        .ok_or_else(|| unsupported("tax_system", "KOMTET requires `company.sno` (1055)"))?;
    let address = r.company.payment_address.as_deref().ok_or_else(|| {
        unsupported(
            "company.payment_address",
            "KOMTET requires `company.payment_address` (1009)",
        )
    })?;
    let mut company = vec![
        ("sno".to_owned(), J::int(sno(ts)?)),
        ("payment_address".to_owned(), J::str(address)),
    ];
    opt_str(
        &mut company,
        "place_address",
        r.company.payment_place.as_deref(),
    );
    if !r.company.inn.is_empty() {
        company.push(("inn".to_owned(), J::str(r.company.inn.as_str())));
    }
    kv.push(("company".to_owned(), J::Obj(company)));
    let positions = r
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| position(cfg, i, it))
        .collect::<Result<Vec<_>, _>>()?;
    kv.push(("positions".to_owned(), J::Arr(positions)));
    let pay = [
        ("cash", &r.payments.cash),
        ("card", &r.payments.electronic),
        ("prepayment", &r.payments.prepaid),
        ("credit", &r.payments.credit),
        ("counter_provisioning", &r.payments.consideration),
    ];
    let mut payments = Vec::new();
    for (ty, m) in pay {
        if !m.is_zero() {
            payments.push(J::Obj(vec![
                ("type".to_owned(), J::str(ty)),
                ("sum".to_owned(), money("payments", m)?),
            ]));
        }
    }
    kv.push(("payments".to_owned(), J::Arr(payments)));
    if let Some(c) = &r.cashier {
        let mut ca = vec![("name".to_owned(), J::str(c.name.as_str()))];
        opt_str(&mut ca, "inn", c.inn.as_deref());
        kv.push(("cashier".to_owned(), J::Obj(ca)));
    }
    opt_str(
        &mut kv,
        "additional_check_props",
        r.additional_check_props.as_deref(),
    );
    if let Some(p) = &r.additional_user_prop {
        kv.push((
            "additional_user_props".to_owned(),
            J::Obj(vec![
                ("name".to_owned(), J::str(p.name.as_str())),
                ("value".to_owned(), J::str(p.value.as_str())),
            ]),
        ));
    }
    if !r.sectoral_check_props.is_empty() {
        kv.push((
            "sectoral_check_props".to_owned(),
            sectoral(&r.sectoral_check_props),
        ));
    }
    if let Some(o) = &r.operating_check_props {
        let (y, mo, d, h, mi, s) = o.time.fields();
        kv.push((
            "operating_check_props".to_owned(),
            J::Obj(vec![
                ("name".to_owned(), J::Str(o.id.to_string())),
                ("value".to_owned(), J::str(o.data.as_str())),
                (
                    "timestamp".to_owned(),
                    J::Str(format!("{d:02}.{mo:02}.{y:04} {h:02}:{mi:02}:{s:02}")),
                ),
            ]),
        ));
    }
    if let Some(internet) = r.register.as_ref().and_then(|g| g.internet_only) {
        kv.push(("internet".to_owned(), J::Bool(internet)));
    }
    opt_str(&mut kv, "callback_url", callback_url);
    Ok(J::Obj(kv))
}
