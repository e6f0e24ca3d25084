//! What v4 and v5 requests share: exact number text, ATOL date formats, and the objects whose
//! shape is the same in both versions (client, company, payments, vats, agent, supplier …).
//!
//! Numbers are written as text by us and embedded with [`RawValue`], so money never passes
//! through `f64`: an amount is always `<roubles>.<2 digits>` built from integer kopecks
//! (`599.70`, `0.05`), a quantity is its exact decimal (`1`, `0.5`, `2.125`).

use super::config::AtolConfig;
use crate::contact::{self, Contact};
use crate::error::ProviderError;
use crate::provider::DocumentKind;
use fiskal_ffd::datetime::LocalDateTime;
use fiskal_ffd::model::{Item, ItemAgent, Receipt, SectoralProp};
use fiskal_ffd::{AgentType, Money, PaymentMethod, Quantity, TaxSystem, VatRate};
use serde::Serialize;
use serde_json::value::RawValue;

/// A JSON number written exactly as we produced its text.
pub(crate) type Num = Box<RawValue>;

/// Largest amount ATOL accepts in any money field: 42 949 672.95 (ATOL v4 doc 5.15, Table 2),
/// in kopecks.
pub(crate) const MAX_KOPECKS: u64 = 4_294_967_295;

/// The building context: the provider (for errors), the settings and the document kind.
pub(crate) struct Ctx<'a> {
    pub(crate) provider: &'static str,
    pub(crate) cfg: &'a AtolConfig,
    pub(crate) kind: DocumentKind,
}

impl Ctx<'_> {
    /// A field ATOL cannot carry (or a value it cannot take).
    pub(crate) fn unsupported(
        &self,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> ProviderError {
        ProviderError::Unsupported {
            provider: self.provider,
            path: path.into(),
            message: message.into(),
        }
    }

    /// `Err(unsupported)` when `present`: for requisites the API version has no field for.
    pub(crate) fn refuse(
        &self,
        present: bool,
        path: &str,
        what: &str,
    ) -> Result<(), ProviderError> {
        if present {
            Err(self.unsupported(
                path,
                format!("{what}: this API version has no field for it"),
            ))
        } else {
            Ok(())
        }
    }

    /// An amount as an exact JSON number with two decimals.
    pub(crate) fn money(&self, path: &str, m: Money) -> Result<Num, ProviderError> {
        let k = m
            .kopecks()
            .map_err(|p| self.unsupported(path, format!("not an amount in kopecks ({p:?})")))?;
        if k > MAX_KOPECKS {
            return Err(self.unsupported(path, "above ATOL's maximum of 42949672.95"));
        }
        raw(format!("{}.{:02}", k / 100, k % 100))
    }

    /// A quantity as an exact JSON number (≤ 5 integer digits, ≤ `max_quantity_decimals`).
    pub(crate) fn quantity(&self, path: &str, q: Quantity) -> Result<Num, ProviderError> {
        let d = q.as_decimal();
        if d.is_sign_negative() || d.is_zero() {
            return Err(self.unsupported(path, "the quantity must be positive"));
        }
        if q.scale() > self.cfg.max_quantity_decimals {
            return Err(self.unsupported(
                path,
                format!(
                    "more than {} decimals in a quantity",
                    self.cfg.max_quantity_decimals
                ),
            ));
        }
        let text = q.to_string();
        let int_digits = text.split('.').next().map_or(0, str::len);
        if int_digits > 5 {
            return Err(self.unsupported(path, "the quantity is above 99999.999"));
        }
        raw(text)
    }

    /// `receipt.vats` from the receipt's VAT totals (tags 1102–1107), in that order.
    pub(crate) fn vats(&self, r: &Receipt) -> Result<Vec<VatJson>, ProviderError> {
        let Some(t) = &r.vat_totals else {
            return Ok(Vec::new());
        };
        let rows = [
            ("vat20", "vat_totals.vat20", t.vat20),
            ("vat10", "vat_totals.vat10", t.vat10),
            ("vat0", "vat_totals.vat0_sum", t.vat0_sum),
            ("none", "vat_totals.no_vat_sum", t.no_vat_sum),
            ("vat120", "vat_totals.vat120", t.vat120),
            ("vat110", "vat_totals.vat110", t.vat110),
        ];
        let mut out = Vec::new();
        for (name, path, m) in rows {
            if let Some(m) = m {
                out.push(VatJson {
                    kind: name,
                    sum: Some(self.money(path, m)?),
                });
            }
        }
        Ok(out)
    }

    /// `payments[]`: one entry per non-zero payment kind, in tag order (1031, 1081, 1215, 1216,
    /// 1217), typed by [`PaymentTypes`](super::PaymentTypes).
    pub(crate) fn payments(&self, r: &Receipt) -> Result<Vec<PaymentJson>, ProviderError> {
        const PATHS: [&str; 5] = [
            "payments.cash",
            "payments.electronic",
            "payments.prepaid",
            "payments.credit",
            "payments.consideration",
        ];
        let types = self.cfg.payment_types.in_tag_order();
        let mut out = Vec::new();
        for (((_, m), ty), path) in r.payments.by_tag().into_iter().zip(types).zip(PATHS) {
            if !m.is_zero() {
                out.push(PaymentJson {
                    ty,
                    sum: self.money(path, m)?,
                });
            }
        }
        if out.is_empty() {
            return Err(self.unsupported("payments", "ATOL needs at least one non-zero payment"));
        }
        Ok(out)
    }

    /// The ATOL name of a VAT rate (the same names as the receipt JSON; doc 5.15, Table 2
    /// `vat.type`).
    pub(crate) fn vat_name(
        &self,
        path: &str,
        rate: VatRate,
        v4: bool,
    ) -> Result<&'static str, ProviderError> {
        let name = rate
            .name()
            .ok_or_else(|| self.unsupported(path, format!("unknown VAT rate {}", rate.0)))?;
        let newer = matches!(
            rate,
            VatRate::VAT5
                | VatRate::VAT7
                | VatRate::VAT105
                | VatRate::VAT107
                | VatRate::VAT22
                | VatRate::VAT122
        );
        if v4 && newer && !self.cfg.v4_new_vat_rates {
            return Err(self.unsupported(
                path,
                format!("{name} is not enabled for API v4 (AtolConfig::v4_new_vat_rates)"),
            ));
        }
        Ok(name)
    }

    /// An item's `vat`: the rate, and the VAT sum (given, or computed half-up from the item sum
    /// as fiskal-ffd does for tag 1200; omitted for 0 % and «без НДС» unless given).
    pub(crate) fn item_vat(
        &self,
        path: &str,
        rate: VatRate,
        sum: Money,
        given: Option<Money>,
        v4: bool,
    ) -> Result<VatJson, ProviderError> {
        let kind = self.vat_name(&format!("{path}.vat"), rate, v4)?;
        let sum = match given {
            Some(m) => Some(self.money(&format!("{path}.vat_sum"), m)?),
            None if rate.fraction().is_some() => {
                let k = sum
                    .kopecks()
                    .ok()
                    .and_then(|k| rate.vat_of(k))
                    .ok_or_else(|| self.unsupported(format!("{path}.sum"), "not an amount"))?;
                Some(self.money(&format!("{path}.vat_sum"), Money::from_kopecks(k))?)
            }
            None => None,
        };
        Ok(VatJson { kind, sum })
    }

    /// `company.sno` (1055).
    pub(crate) fn sno(&self, r: &Receipt) -> Result<Option<&'static str>, ProviderError> {
        match r.tax_system {
            None => Ok(None),
            Some(t) if t.is_known() => Ok(t.name()),
            Some(TaxSystem(v)) => {
                Err(self.unsupported("tax_system", format!("unknown tax system {v}")))
            }
        }
    }

    /// `payment_method` (1214): the same string in v4 and v5.
    pub(crate) fn payment_method(
        &self,
        path: &str,
        m: PaymentMethod,
    ) -> Result<&'static str, ProviderError> {
        m.name()
            .ok_or_else(|| self.unsupported(path, format!("unknown payment method {}", m.0)))
    }

    /// The receipt's `company` (1018, 1055, 1187, 1009, 1117). 1048 (the name) is not sent:
    /// ATOL takes it from the register's registration.
    pub(crate) fn company(
        &self,
        r: &Receipt,
        with_email: bool,
    ) -> Result<CompanyJson, ProviderError> {
        let c = &r.company;
        let payment_address = c.payment_place.clone().ok_or_else(|| {
            self.unsupported(
                "company.payment_place",
                "ATOL requires the place of settlement (1187 «место расчетов»): set the \
                 receipt's `company.payment_place` (sent as ATOL's `company.payment_address`)",
            )
        })?;
        Ok(CompanyJson {
            email: if with_email { c.email.clone() } else { None },
            sno: self.sno(r)?,
            inn: c.inn.clone(),
            payment_address,
            location: c.payment_address.clone(),
        })
    }

    /// The receipt's `client`. The contact (1008) goes to `email` when it contains `@`, else to
    /// `phone` as `+<digits>` (normalised by the rule in `crate::contact`: ATOL wants the
    /// international format with `+` and no spaces, doc v4 5.15 Table 2 `client.phone`).
    /// `required`: ATOL's receipts (not corrections) need an e-mail or a phone. `v5`: the 1.2
    /// identity fields (1243–1254) are allowed.
    pub(crate) fn client(
        &self,
        r: &Receipt,
        required: bool,
        v5: bool,
    ) -> Result<Option<ClientJson>, ProviderError> {
        let Some(c) = &r.client else {
            if required {
                return Err(self.unsupported(
                    "client.contact",
                    "ATOL requires the buyer's e-mail or phone (client.contact)",
                ));
            }
            return Ok(None);
        };
        if required && c.contact.is_none() {
            return Err(self.unsupported(
                "client.contact",
                "ATOL requires the buyer's e-mail or phone (client.contact)",
            ));
        }
        if !v5 {
            for (present, path) in [
                (c.birth_date.is_some(), "client.birth_date"),
                (c.citizenship.is_some(), "client.citizenship"),
                (c.document_code.is_some(), "client.document_code"),
                (c.document_data.is_some(), "client.document_data"),
                (c.address.is_some(), "client.address"),
            ] {
                self.refuse(present, path, "a ФФД 1.2 buyer requisite")?;
            }
        }
        let (email, phone) = match &c.contact {
            Some(s) => match contact::buyer_contact(self.provider, "client.contact", s)? {
                Contact::Email(e) => (Some(e), None),
                Contact::Phone(p) => (None, Some(p)),
            },
            None => (None, None),
        };
        Ok(Some(ClientJson {
            email,
            phone,
            name: c.name.clone(),
            inn: c.inn.clone(),
            birthdate: c.birth_date.clone(),
            citizenship: c.citizenship.clone(),
            document_code: c.document_code.clone(),
            document_data: c.document_data.clone(),
            address: c.address.clone(),
        }))
    }

    /// An item's `agent_info` (1222, 1223) and `supplier_info` (1224, 1226); every phone
    /// (1073, 1074, 1075, 1171) as `+<digits>` (`crate::contact`).
    pub(crate) fn agent(
        &self,
        path: &str,
        a: &ItemAgent,
    ) -> Result<(Option<AgentInfoJson>, Option<SupplierInfoJson>), ProviderError> {
        let info = match (a.agent_type, &a.agent_info) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err(self.unsupported(
                    format!("{path}.agent.type"),
                    "ATOL needs agent_info.type when agent data is given",
                ))
            }
            (Some(t), info) => {
                let ty = agent_type_name(t).ok_or_else(|| {
                    self.unsupported(
                        format!("{path}.agent.type"),
                        format!("ATOL takes exactly one known agent type, not {}", t.0),
                    )
                })?;
                let mut j = AgentInfoJson {
                    ty,
                    paying_agent: None,
                    receive_payments_operator: None,
                    money_transfer_operator: None,
                };
                if let Some(i) = info {
                    let ip = format!("{path}.agent.agent_info");
                    if i.operation.is_some() || !i.phones.is_empty() {
                        j.paying_agent = Some(PayingAgentJson {
                            operation: i.operation.clone(),
                            phones: contact::phones(
                                self.provider,
                                &format!("{ip}.phones"),
                                &i.phones,
                            )?,
                        });
                    }
                    if !i.payment_operator_phones.is_empty() {
                        j.receive_payments_operator = Some(PhonesJson {
                            phones: contact::phones(
                                self.provider,
                                &format!("{ip}.payment_operator_phones"),
                                &i.payment_operator_phones,
                            )?,
                        });
                    }
                    if !i.transfer_operator_phones.is_empty()
                        || i.transfer_operator_name.is_some()
                        || i.transfer_operator_address.is_some()
                        || i.transfer_operator_inn.is_some()
                    {
                        j.money_transfer_operator = Some(TransferOperatorJson {
                            phones: contact::phones(
                                self.provider,
                                &format!("{ip}.transfer_operator_phones"),
                                &i.transfer_operator_phones,
                            )?,
                            name: i.transfer_operator_name.clone(),
                            address: i.transfer_operator_address.clone(),
                            inn: i.transfer_operator_inn.clone(),
                        });
                    }
                }
                Some(j)
            }
        };
        let supplier = match &a.supplier {
            Some(s) => Some(SupplierInfoJson {
                phones: contact::phones(
                    self.provider,
                    &format!("{path}.agent.supplier.phones"),
                    &s.phones,
                )?,
                name: s.name.clone(),
                inn: s.inn.clone(),
            }),
            None => None,
        };
        Ok((info, supplier))
    }
}

impl Ctx<'_> {
    /// `device_number` (1036 «номер автомата», doc v4 5.15 Table 2 and Table 3, v5 the same):
    /// `register.automat_number`. Every other register-assigned requisite is refused, naming
    /// it: ATOL has no field for them.
    pub(crate) fn device_number(&self, r: &Receipt) -> Result<Option<String>, ProviderError> {
        crate::carried::register_refusals(self.provider, r.register.as_ref(), &["automat_number"])?;
        let n = r.register.as_ref().and_then(|g| g.automat_number.clone());
        if n.as_ref()
            .is_some_and(|n| n.is_empty() || n.chars().count() > 20)
        {
            return Err(self.unsupported(
                "register.automat_number",
                "ATOL device_number is 1-20 characters",
            ));
        }
        Ok(n)
    }

    /// What no ATOL version carries, at receipt level: raw tags, the legacy 1177 description.
    pub(crate) fn common_refusals(&self, r: &Receipt) -> Result<(), ProviderError> {
        crate::carried::other_tags_refused(self.provider, "", &r.other_tags)?;
        self.refuse(
            r.correction
                .as_ref()
                .is_some_and(|c| c.description.is_some()),
            "correction.description",
            "1177 (legacy 1.05 documents only)",
        )
    }

    /// What no ATOL version carries, per item: raw tags; a fraction text that is not
    /// `numerator/denominator` (only the numbers are sent).
    pub(crate) fn item_refusals(&self, p: &str, it: &Item) -> Result<(), ProviderError> {
        crate::carried::other_tags_refused(self.provider, &format!("{p}."), &it.other_tags)?;
        if let Some(f) = &it.fraction {
            crate::carried::fraction_text_agrees(self.provider, &format!("{p}.fraction"), f)?;
        }
        Ok(())
    }
}

/// The ATOL name of an agent type; `None` for several bits or an unknown value.
fn agent_type_name(t: AgentType) -> Option<&'static str> {
    t.name()
}

/// Wraps number text we produced as a raw JSON value.
pub(crate) fn raw(text: String) -> Result<Num, ProviderError> {
    RawValue::from_string(text).map_err(|e| ProviderError::Unsupported {
        provider: "atol",
        path: String::new(),
        message: format!("internal: number text is not JSON: {e}"),
    })
}

/// ATOL's date-time: `dd.mm.yyyy HH:MM:SS`.
pub(crate) fn date_time(t: LocalDateTime) -> String {
    let (y, mo, d, h, mi, s) = t.fields();
    format!("{d:02}.{mo:02}.{y:04} {h:02}:{mi:02}:{s:02}")
}

/// ATOL's date: `dd.mm.yyyy`.
pub(crate) fn date(t: LocalDateTime) -> String {
    let (y, mo, d, ..) = t.fields();
    format!("{d:02}.{mo:02}.{y:04}")
}

/// Serialises a request body (field order is the order of the structs).
pub(crate) fn to_body<T: Serialize>(v: &T) -> Result<String, ProviderError> {
    serde_json::to_string(v).map_err(|e| ProviderError::Unsupported {
        provider: "atol",
        path: String::new(),
        message: format!("internal: cannot serialise the request: {e}"),
    })
}

/// The 1260/1261 sectoral requisites.
pub(crate) fn sectoral(props: &[SectoralProp]) -> Vec<SectoralJson> {
    props
        .iter()
        .map(|p| SectoralJson {
            federal_id: p.fois_id.clone(),
            date: p.date.clone(),
            number: p.number.clone(),
            value: p.value.clone(),
        })
        .collect()
}

/// `service`.
#[derive(Serialize)]
pub(crate) struct ServiceJson {
    pub(crate) callback_url: String,
}

/// `client`.
#[derive(Serialize)]
pub(crate) struct ClientJson {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) inn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) birthdate: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) citizenship: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) document_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) document_data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) address: Option<String>,
}

/// `company`.
#[derive(Serialize)]
pub(crate) struct CompanyJson {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) sno: Option<&'static str>,
    pub(crate) inn: String,
    pub(crate) payment_address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) location: Option<String>,
}

/// `payments[]`.
#[derive(Serialize)]
pub(crate) struct PaymentJson {
    #[serde(rename = "type")]
    pub(crate) ty: u8,
    pub(crate) sum: Num,
}

/// `vat` / `vats[]`.
#[derive(Serialize)]
pub(crate) struct VatJson {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) sum: Option<Num>,
}

/// `agent_info`.
#[derive(Serialize)]
pub(crate) struct AgentInfoJson {
    #[serde(rename = "type")]
    pub(crate) ty: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) paying_agent: Option<PayingAgentJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) receive_payments_operator: Option<PhonesJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) money_transfer_operator: Option<TransferOperatorJson>,
}

/// `agent_info.paying_agent`.
#[derive(Serialize)]
pub(crate) struct PayingAgentJson {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) operation: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) phones: Vec<String>,
}

/// `agent_info.receive_payments_operator`.
#[derive(Serialize)]
pub(crate) struct PhonesJson {
    pub(crate) phones: Vec<String>,
}

/// `agent_info.money_transfer_operator`.
#[derive(Serialize)]
pub(crate) struct TransferOperatorJson {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) phones: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) inn: Option<String>,
}

/// `supplier_info`.
#[derive(Serialize)]
pub(crate) struct SupplierInfoJson {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) phones: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) inn: Option<String>,
}

/// `additional_user_props`.
#[derive(Serialize)]
pub(crate) struct UserPropJson {
    pub(crate) name: String,
    pub(crate) value: String,
}

/// `sectoral_check_props[]` / `sectoral_item_props[]`.
#[derive(Serialize)]
pub(crate) struct SectoralJson {
    pub(crate) federal_id: String,
    pub(crate) date: String,
    pub(crate) number: String,
    pub(crate) value: String,
}

/// `correction_info`.
#[derive(Serialize)]
pub(crate) struct CorrectionInfoJson {
    #[serde(rename = "type")]
    pub(crate) ty: &'static str,
    pub(crate) base_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) base_number: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(cfg: &AtolConfig) -> Ctx<'_> {
        Ctx {
            provider: "atol_v4",
            cfg,
            kind: DocumentKind::Sell,
        }
    }

    #[test]
    fn money_text_is_exact_with_two_decimals() {
        let cfg = AtolConfig::test_v4();
        let c = ctx(&cfg);
        for (k, text) in [
            (0, "0.00"),
            (5, "0.05"),
            (59_970, "599.70"),
            (100, "1.00"),
            (MAX_KOPECKS, "42949672.95"),
        ] {
            assert_eq!(
                c.money("x", Money::from_kopecks(k))
                    .map(|n| n.get().to_owned()),
                Ok(text.to_owned())
            );
        }
        assert!(c.money("x", Money::from_kopecks(MAX_KOPECKS + 1)).is_err());
        let three: Money = "1.005".parse().expect("money");
        assert!(
            matches!(c.money("items[0].price", three), Err(ProviderError::Unsupported { path, .. }) if path == "items[0].price")
        );
    }

    #[test]
    fn quantity_text_is_exact() {
        let cfg = AtolConfig::test_v4();
        let c = ctx(&cfg);
        for (q, text) in [
            ("1", "1"),
            ("1.500", "1.5"),
            ("0.001", "0.001"),
            ("99999.999", "99999.999"),
        ] {
            let q: Quantity = serde_json::from_str(&format!("\"{q}\"")).expect("q");
            assert_eq!(
                c.quantity("q", q).map(|n| n.get().to_owned()),
                Ok(text.to_owned())
            );
        }
        for bad in ["0", "-1", "0.0001", "100000"] {
            let q: Quantity = serde_json::from_str(&format!("\"{bad}\"")).expect("q");
            assert!(c.quantity("q", q).is_err(), "{bad}");
        }
    }

    fn receipt(payments: &str, vat_totals: &str) -> Receipt {
        let json = format!(
            r#"{{"version":1,"ffd":"1.05","operation":"sell","company":{{"inn":"5544332219"}},
            "payments":{payments},"total":"0","vat_totals":{vat_totals}}}"#
        );
        fiskal_ffd::json::parse(&json).expect("receipt")
    }

    fn texts<T>(v: &[T], f: impl Fn(&T) -> String) -> Vec<String> {
        v.iter().map(f).collect()
    }

    #[test]
    fn payment_kinds_map_to_atol_types_in_tag_order() {
        let mut cfg = AtolConfig::test_v4();
        let r = receipt(
            r#"{"cash":"1","electronic":"2","prepaid":"3","credit":"4","consideration":"5"}"#,
            "null",
        );
        let got = ctx(&cfg).payments(&r).expect("payments");
        assert_eq!(
            texts(&got, |p| format!("{}={}", p.ty, p.sum.get())),
            ["0=1.00", "1=2.00", "2=3.00", "3=4.00", "4=5.00"]
        );
        // Zero kinds are left out; the cabinet's extended types are a setting.
        cfg.payment_types.electronic = 7;
        let r = receipt(r#"{"electronic":"10.5"}"#, "null");
        let got = ctx(&cfg).payments(&r).expect("payments");
        assert_eq!(
            texts(&got, |p| format!("{}={}", p.ty, p.sum.get())),
            ["7=10.50"]
        );
        let r = receipt("{}", "null");
        assert!(ctx(&cfg).payments(&r).is_err());
    }

    #[test]
    fn vat_totals_map_to_vats() {
        let cfg = AtolConfig::test_v4();
        let r = receipt(
            "{}",
            r#"{"vat20":"1","vat10":"2","vat0_sum":"3","no_vat_sum":"4","vat120":"5","vat110":"6"}"#,
        );
        let got = ctx(&cfg).vats(&r).expect("vats");
        assert_eq!(
            texts(&got, |v| format!(
                "{}={}",
                v.kind,
                v.sum.as_ref().map_or("", |s| s.get())
            )),
            [
                "vat20=1.00",
                "vat10=2.00",
                "vat0=3.00",
                "none=4.00",
                "vat120=5.00",
                "vat110=6.00"
            ]
        );
    }

    #[test]
    fn every_vat_rate_has_its_atol_name() {
        let mut cfg = AtolConfig::test_v4();
        for rate in VatRate::KNOWN {
            for v4 in [false, true] {
                assert_eq!(
                    ctx(&cfg).vat_name("v", *rate, v4).ok(),
                    rate.name(),
                    "{rate:?}"
                );
            }
        }
        assert!(ctx(&cfg).vat_name("v", VatRate(13), false).is_err());
        cfg.v4_new_vat_rates = false;
        let refused: Vec<_> = VatRate::KNOWN
            .iter()
            .filter(|r| ctx(&cfg).vat_name("v", **r, true).is_err())
            .filter_map(|r| r.name())
            .collect();
        assert_eq!(
            refused,
            ["vat5", "vat7", "vat105", "vat107", "vat22", "vat122"]
        );
        assert!(ctx(&cfg).vat_name("v", VatRate::VAT22, false).is_ok());
    }

    #[test]
    fn item_vat_sum_is_given_or_computed_half_up() {
        let cfg = AtolConfig::test_v4();
        let c = ctx(&cfg);
        let sum = |v: &VatJson| v.sum.as_ref().map(|s| s.get().to_owned());
        let m = Money::from_kopecks;
        let v = c
            .item_vat("i", VatRate::VAT20, m(10_005), None, true)
            .expect("vat");
        assert_eq!((v.kind, sum(&v)), ("vat20", Some("16.68".into())));
        let v = c
            .item_vat("i", VatRate::VAT10, m(31_195), Some(m(2_836)), true)
            .expect("vat");
        assert_eq!(sum(&v), Some("28.36".into()));
        let v = c
            .item_vat("i", VatRate::NONE, m(100), None, true)
            .expect("vat");
        assert_eq!((v.kind, sum(&v)), ("none", None));
    }

    #[test]
    fn dates() {
        let t = LocalDateTime::new(2026, 3, 2, 9, 5, 7).expect("t");
        assert_eq!(date_time(t), "02.03.2026 09:05:07");
        assert_eq!(date(t), "02.03.2026");
    }
}
