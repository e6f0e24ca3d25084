//! Validation of one item (1059): name, money, quantity and sums, VAT, the mark (1162 / 1163),
//! the fraction (1291), the agent and supplier (1222–1226), sectoral requisites. Split from
//! `validate/mod.rs` to keep each file readable; the rules are documented there.

use super::*;

impl Ctx<'_> {
    /// Validates one item; returns its sum and VAT in kopecks when they are valid.
    pub(super) fn item(&mut self, p: &Path<'_>, it: &Item) -> (Option<u64>, Option<u64>) {
        match &it.name {
            Some(n) => {
                self.text(&p.f("name"), Tag::ITEM_NAME, n);
            }
            // 1.2 allows omitting the name of an advance (1214 = 3); 1.05 never.
            None if self.v == FfdVersion::V12
                && it.payment_method == crate::enums::PaymentMethod::ADVANCE => {}
            None => self.push(p.f("name"), K::Required),
        }
        let price = self.money(&p.f("price"), &it.price);
        let sum = self.money(&p.f("sum"), &it.sum);
        let qty_ok = self.quantity(&p.f("quantity"), &it.quantity);

        if let (Some(price), Some(sum), true) = (price, sum, qty_ok) {
            self.sum_matches(p, price, sum, &it.quantity, it.fraction.as_ref());
        }

        // Enumerations.
        if !it.vat.is_known() {
            self.push(
                p.f("vat"),
                K::UnknownValue {
                    tag: Tag::VAT_RATE,
                    value: it.vat.0.into(),
                },
            );
        }
        if !it.payment_method.is_known() {
            self.push(
                p.f("payment_method"),
                K::UnknownValue {
                    tag: Tag::PAYMENT_METHOD,
                    value: it.payment_method.0.into(),
                },
            );
        }
        if !it.payment_subject.is_known() {
            self.push(
                p.f("payment_subject"),
                K::UnknownValue {
                    tag: Tag::PAYMENT_SUBJECT,
                    value: it.payment_subject.0.into(),
                },
            );
        } else if self.v == FfdVersion::V105 && it.payment_subject.0 >= 20 {
            self.push(
                p.f("payment_subject"),
                K::ValueNotInVersion { version: self.v },
            );
        }

        // Measure (1.2) vs unit (1.05).
        match (self.v, &it.measure) {
            (FfdVersion::V12, None) => self.push(p.f("measure"), K::Required),
            (FfdVersion::V12, Some(m)) if !m.is_known() => self.push(
                p.f("measure"),
                K::UnknownValue {
                    tag: Tag::ITEM_MEASURE,
                    value: m.0.into(),
                },
            ),
            (FfdVersion::V105, Some(_)) => {
                self.push(p.f("measure"), K::NotInVersion { version: self.v })
            }
            _ => {}
        }
        if let Some(u) = &it.unit {
            let path = p.f("unit");
            if self.in_version(&path, Tag::ITEM_UNIT) {
                self.text(&path, Tag::ITEM_UNIT, u);
            }
        }

        // VAT.
        let mut vat = sum.and_then(|s| it.vat.vat_of(s));
        if let Some(vs) = &it.vat_sum {
            let path = p.f("vat_sum");
            if let Some(given) = self.money(&path, vs) {
                if let Some(expected) = vat {
                    if given.abs_diff(expected) > 1 {
                        self.push(
                            path,
                            K::VatMismatch {
                                expected,
                                actual: given,
                            },
                        );
                    }
                }
                vat = Some(given);
            }
        }
        if let Some(uv) = &it.unit_vat {
            self.money(&p.f("unit_vat"), uv);
        }
        if let Some(e) = &it.excise {
            self.money(&p.f("excise"), e);
        }

        if let Some(m) = &it.mark {
            self.mark(p, it, m);
        }
        if let Some(c) = &it.product_code {
            self.product_code(p, it, c);
        }
        if let Some(f) = &it.fraction {
            let path = p.f("fraction");
            if self.in_version(&path, Tag::FRACTIONAL_QUANTITY) {
                if it.quantity.as_decimal() != Decimal::ONE {
                    self.push(
                        p.f("quantity"),
                        K::MarkRule {
                            rule: MarkRule::FractionNeedsQuantityOne,
                        },
                    );
                }
                if f.numerator == 0 || f.denominator == 0 || f.numerator >= f.denominator {
                    self.push(path, K::FractionRule);
                }
                if let Some(t) = &f.text {
                    self.text(&path.f("text"), Tag::FRACTION, t);
                }
            }
        }
        if let Some(a) = &it.agent {
            self.agent(p, a);
        }
        if let Some(cc) = &it.country_code {
            let path = p.f("country_code");
            if self.text(&path, Tag::COUNTRY_CODE, cc) {
                self.digits_fixed(&path, cc, 3, &[3]);
            }
        }
        self.opt_text(
            &p.f("declaration_number"),
            Tag::DECLARATION_NUMBER,
            &it.declaration_number,
        );
        for (i, s) in it.sectoral_props.iter().enumerate() {
            let sps = p.f("sectoral_props");
            let path = sps.i(i);
            if self.in_version(&path, Tag::SECTORAL_ITEM_PROP) {
                self.sectoral(&path, s);
            }
        }
        self.opt_text(&p.f("user_data"), Tag::ITEM_EXTRA, &it.user_data);
        for (i, t) in it.other_tags.iter().enumerate() {
            if crate::convert::is_modelled_item_tag(Tag(t.tag)) {
                self.push(
                    p.f("other_tags").i(i).f("tag"),
                    K::ModelledTag { tag: Tag(t.tag) },
                );
            }
            self.hex(
                &p.f("other_tags").i(i).f("hex"),
                &t.hex,
                usize::from(u16::MAX),
            );
        }
        (sum, vat)
    }

    fn quantity(&mut self, path: &Path<'_>, q: &Quantity) -> bool {
        let d = q.as_decimal();
        if d.is_sign_negative() || d.is_zero() {
            self.push(path.to_string(), K::QuantityNotPositive);
            return false;
        }
        if q.scale() > self.profile.max_quantity_scale {
            self.push(
                path.to_string(),
                K::QuantityScale {
                    max: self.profile.max_quantity_scale,
                },
            );
            return false;
        }
        if q.to_fvln().is_none() {
            self.push(path.to_string(), K::QuantityRange);
            return false;
        }
        true
    }

    fn sum_matches(
        &mut self,
        p: &Path<'_>,
        price: u64,
        sum: u64,
        q: &Quantity,
        fraction: Option<&Fraction>,
    ) {
        let expected = price_times(price, q.as_decimal());
        let by_fraction = fraction.and_then(|f| {
            (f.denominator > 0).then(|| {
                Rounding::HalfUp.div(
                    u128::from(price) * u128::from(f.numerator),
                    u128::from(f.denominator),
                )
            })?
        });
        let close = |e: Option<u64>| e.is_some_and(|e| e.abs_diff(sum) <= 1);
        if !close(expected) && !close(by_fraction) {
            self.push(
                p.f("sum"),
                K::SumMismatch {
                    expected: expected.unwrap_or(u64::MAX),
                    actual: sum,
                },
            );
        }
    }

    /// The value of a 1163 child: CP866 text of the child's length (fixed for EAN-8 / EAN-13 /
    /// ITF-14, КТ МИ, ЕГАИС).
    fn child_1163(&mut self, vp: &Path<'_>, kind: u16, value: &str) {
        let tag = Tag(kind);
        if self.text(vp, tag, value) {
            if let Some(Len::Fixed(n)) = tag.info().map(|i| i.len) {
                let len = cp866::byte_len(value);
                if len != usize::from(n) {
                    let expected: &'static [usize] = match n {
                        8 => &[8],
                        13 => &[13],
                        14 => &[14],
                        20 => &[20],
                        _ => &[23],
                    };
                    self.push(
                        vp.to_string(),
                        K::WrongLength {
                            expected,
                            actual: len,
                        },
                    );
                }
            }
        }
    }

    /// 1163 of goods that are not marked (ФФД 1.2 only). The children allowed are the codes of
    /// such goods in the table of 1163 (приказ ФНС России № ЕД-7-20/662@, приложение № 2,
    /// таблица 118): 1300–1304, 1308, 1309, 1320–1325; 1305–1307 are marking codes and go in
    /// `mark`. None of the marked-goods rules (quantity 1, 2102, 2106, subject 31 / 33) apply.
    fn product_code(&mut self, p: &Path<'_>, it: &Item, c: &ProductCode) {
        let path = p.f("product_code");
        if self.v != FfdVersion::V12 {
            self.push(path, K::NotInVersion { version: self.v });
            return;
        }
        if it.mark.is_some()
            || it.payment_subject == PaymentSubject::MARKED
            || it.payment_subject == PaymentSubject::MARKED_EXCISE
        {
            self.push(
                path,
                K::MarkRule {
                    rule: MarkRule::ProductCodeOfMarked,
                },
            );
        }
        if matches!(c.kind, 1300..=1304 | 1308 | 1309 | 1320..=1325) {
            self.child_1163(&path.f("value"), c.kind, &c.value);
        } else {
            self.push(
                path.f("kind"),
                K::MarkRule {
                    rule: MarkRule::ProductCodeKind,
                },
            );
        }
    }

    fn mark(&mut self, p: &Path<'_>, it: &Item, m: &Mark) {
        let path = p.f("mark");
        if it.fraction.is_none() && it.quantity.as_decimal() != Decimal::ONE {
            self.push(
                p.f("quantity"),
                K::MarkRule {
                    rule: MarkRule::QuantityMustBeOne,
                },
            );
        }
        // The raw scan, when given, is read by fiskal-marks; the wire values are derived from it
        // unless the caller gave them explicitly (explicit values win).
        // The raw scan is not stored as it is (AIM prefix, FNC1 as U+00E8, textual GS …), so it
        // is not held to the CP866 text rules: fiskal-marks reads it and says what is wrong.
        let scanned = m.code.as_deref().and_then(|code| {
            let cp = path.f("code");
            match fiskal_marks::MarkCode::parse(code) {
                Ok(mc) => Some(mc),
                Err(e) => {
                    self.push(cp, mark_code_violation(&e));
                    None
                }
            }
        });
        match self.v {
            FfdVersion::V105 => {
                if m.kind.is_some() || m.value.is_some() {
                    self.push(path.f("kind"), K::NotInVersion { version: self.v });
                }
                for (f, present) in [
                    ("processing_mode", m.processing_mode.is_some()),
                    ("check_result", m.check_result.is_some()),
                ] {
                    if present {
                        self.push(path.f(f), K::NotInVersion { version: self.v });
                    }
                }
                match &m.code_1162 {
                    Some(h) => {
                        self.hex(&path.f("code_1162"), h, 32);
                    }
                    None if m.code.is_some() => {
                        if let Some(Err(e)) = scanned.as_ref().map(fiskal_marks::MarkCode::tag_1162)
                        {
                            self.push(path.f("code"), mark_code_violation(&e));
                        }
                    }
                    None => self.push(
                        path.f("code_1162"),
                        K::MarkRule {
                            rule: MarkRule::MissingCode,
                        },
                    ),
                }
            }
            FfdVersion::V12 => {
                if m.code_1162.is_some() {
                    self.push(path.f("code_1162"), K::NotInVersion { version: self.v });
                }
                match (m.kind, &m.value) {
                    (Some(kind), Some(value)) => {
                        if !matches!(kind, 1300..=1309 | 1320..=1325) {
                            self.push(
                                path.f("kind"),
                                K::MarkRule {
                                    rule: MarkRule::UnknownKind,
                                },
                            );
                        } else {
                            self.child_1163(&path.f("value"), kind, value);
                        }
                    }
                    (None, None) if m.code.is_some() => {}
                    _ => self.push(
                        path.f("value"),
                        K::MarkRule {
                            rule: MarkRule::MissingCode,
                        },
                    ),
                }
                if m.processing_mode.is_some_and(|v| v != 0) {
                    self.push(
                        path.f("processing_mode"),
                        K::MarkRule {
                            rule: MarkRule::ProcessingMode,
                        },
                    );
                }
                if it.payment_subject != PaymentSubject::MARKED
                    && it.payment_subject != PaymentSubject::MARKED_EXCISE
                {
                    self.push(
                        p.f("payment_subject"),
                        K::MarkRule {
                            rule: MarkRule::SubjectNotMarked,
                        },
                    );
                }
            }
        }
    }

    fn agent(&mut self, p: &Path<'_>, a: &ItemAgent) {
        let path = p.f("agent");
        if let Some(t) = a.agent_type {
            if t.0 == 0 || t.0 > 127 {
                self.push(
                    path.f("type"),
                    K::UnknownValue {
                        tag: Tag::ITEM_AGENT_FLAGS,
                        value: t.0.into(),
                    },
                );
            }
        }
        if let Some(info) = &a.agent_info {
            let ip = path.f("agent_info");
            self.opt_text(
                &ip.f("operation"),
                Tag::PAYING_AGENT_OPERATION,
                &info.operation,
            );
            for (field, list, tag) in info.phone_lists() {
                for (i, ph) in list.iter().enumerate() {
                    self.phone(&ip.f(field).i(i), tag, ph);
                }
            }
            self.opt_text(
                &ip.f("transfer_operator_name"),
                Tag::TRANSFER_OPERATOR_NAME,
                &info.transfer_operator_name,
            );
            self.opt_text(
                &ip.f("transfer_operator_address"),
                Tag::TRANSFER_OPERATOR_ADDRESS,
                &info.transfer_operator_address,
            );
            if let Some(inn) = &info.transfer_operator_inn {
                self.inn(&ip.f("transfer_operator_inn"), inn);
            }
        }
        if let Some(s) = &a.supplier {
            let sp = path.f("supplier");
            self.opt_text(&sp.f("name"), Tag::SUPPLIER_NAME, &s.name);
            for (i, ph) in s.phones.iter().enumerate() {
                self.phone(&sp.f("phones").i(i), Tag::SUPPLIER_PHONE, ph);
            }
            if let Some(inn) = &s.inn {
                self.inn(&sp.f("inn"), inn);
            }
        }
    }
}

fn mark_code_violation(e: &fiskal_marks::MarkError) -> K {
    K::MarkCode {
        reason: e.code(),
        position: e.position(),
        detail: e.to_string(),
    }
}
