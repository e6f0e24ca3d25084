//! What the receipt says, in order, independent of the output form: the text and HTML renderers
//! both draw this one list of blocks, so they cannot disagree about content.

use crate::labels as l;
use crate::Options;
use fiskal_ffd::datetime::LocalDateTime;
use fiskal_ffd::model::{
    Buyer, Company, Correction, Item, ItemAgent, Receipt, RegisterData, SectoralProp,
};
use fiskal_ffd::vat_totals::{RateTotals, RECEIPT_VAT_TAGS};
use fiskal_ffd::FiscalAttributes;
use fiskal_ffd::{Money, VatRate};

/// How prominent a block is. The text form ignores it; HTML prints `Strong` in bold and
/// `Title` larger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Weight {
    Normal,
    Strong,
    Title,
}

/// One visual element of the receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Block {
    /// Centred text, wrapped.
    Center { text: String, weight: Weight },
    /// Left-aligned text, wrapped, indented by `indent` levels.
    Text { text: String, indent: u8 },
    /// A label on the left, a value on the right (`ИТОГ ......... =599.70`).
    Pair {
        left: String,
        right: String,
        indent: u8,
        weight: Weight,
    },
    /// An item's first line: `prefix` (`1. `), then `text` wrapped with a hanging indent so
    /// that continuation lines start under the text, not under the number.
    Heading { prefix: String, text: String },
    /// A horizontal rule.
    Rule,
    /// A notice in a frame (the «не фискализирован» warning).
    Banner { lines: Vec<String> },
    /// The FNS QR code of this string (HTML only; the text form has no picture).
    Qr { text: String },
    /// A link the buyer can follow (HTML makes it clickable; text prints label and address).
    Link { label: String, url: String },
}

/// The whole receipt as blocks, plus what HTML needs besides them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Doc {
    /// A short title (`Кассовый чек — приход`), for the HTML `<title>`.
    pub(crate) title: String,
    pub(crate) blocks: Vec<Block>,
}

/// An amount as registers print it: `=599.70`.
fn money(m: &Money) -> String {
    format!("={m}")
}

fn kopecks(k: u64) -> String {
    money(&Money::from_kopecks(k))
}

fn date_time(t: LocalDateTime) -> String {
    let (y, mo, d, h, mi, _) = t.fields();
    format!("{d:02}.{mo:02}.{y:04} {h:02}:{mi:02}")
}

fn date(t: LocalDateTime) -> String {
    let (y, mo, d, ..) = t.fields();
    format!("{d:02}.{mo:02}.{y:04}")
}

struct Builder {
    blocks: Vec<Block>,
}

impl Builder {
    fn center(&mut self, text: impl Into<String>, weight: Weight) {
        self.blocks.push(Block::Center {
            text: text.into(),
            weight,
        });
    }

    fn text(&mut self, text: impl Into<String>, indent: u8) {
        self.blocks.push(Block::Text {
            text: text.into(),
            indent,
        });
    }

    fn pair(&mut self, left: impl Into<String>, right: impl Into<String>, indent: u8) {
        self.blocks.push(Block::Pair {
            left: left.into(),
            right: right.into(),
            indent,
            weight: Weight::Normal,
        });
    }

    fn opt_pair(&mut self, left: &str, right: Option<&str>, indent: u8) {
        if let Some(r) = right.filter(|r| !r.is_empty()) {
            self.pair(left, r, indent);
        }
    }

    fn rule(&mut self) {
        if !matches!(self.blocks.last(), Some(Block::Rule) | None) {
            self.blocks.push(Block::Rule);
        }
    }
}

/// Lays out `receipt` (and its fiscal attributes, when it was fiscalised).
pub(crate) fn layout(receipt: &Receipt, fiscal: Option<&FiscalAttributes>, opts: &Options) -> Doc {
    let mut b = Builder { blocks: Vec::new() };
    let register = receipt.register.as_ref();
    header(&mut b, &receipt.company);
    b.rule();

    let doc_name = if receipt.correction.is_some() {
        l::CORRECTION_RECEIPT
    } else {
        l::RECEIPT
    };
    let op = l::operation(receipt.operation);
    b.center(doc_name, Weight::Title);
    b.center(op.clone(), Weight::Title);
    if let Some(c) = &receipt.correction {
        correction(&mut b, c);
    }
    numbers(&mut b, fiscal, register);
    if let Some(c) = &receipt.cashier {
        b.pair(l::CASHIER, c.name.as_str(), 0);
        b.opt_pair(l::CASHIER_INN, c.inn.as_deref(), 0);
    }
    b.rule();

    for (i, item) in receipt.items.iter().enumerate() {
        if i > 0 {
            b.blocks.push(Block::Text {
                text: String::new(),
                indent: 0,
            });
        }
        // The register's own check of the item's code (2106), as the provider reported it,
        // wins over what the receipt carried.
        let checked = fiscal
            .and_then(|f| {
                f.mark_checks
                    .iter()
                    .find(|m| usize::try_from(m.position).ok() == Some(i))
            })
            .map(|m| m.result.0);
        item_block(&mut b, i + 1, item, checked);
    }
    b.rule();

    b.blocks.push(Block::Pair {
        left: l::TOTAL.into(),
        right: money(&receipt.total),
        indent: 0,
        weight: Weight::Title,
    });
    for (label, (_, amount)) in l::PAYMENT_FORMS.iter().zip(receipt.payments.by_tag()) {
        if !amount.is_zero() {
            b.pair(*label, money(&amount), 0);
        }
    }
    vat_totals(&mut b, receipt);
    b.rule();

    if let Some(t) = receipt.tax_system {
        b.pair(l::TAX_SYSTEM, l::tax_system(t), 0);
    }
    if let Some(c) = &receipt.client {
        client(&mut b, c);
    }
    b.opt_pair(l::SENDER_EMAIL, receipt.company.email.as_deref(), 0);
    receipt_props(&mut b, receipt);
    b.rule();

    match fiscal {
        Some(f) => fiscal_block(&mut b, f, register, opts),
        None => {
            // The banner's frame separates it; no rule above it.
            if matches!(b.blocks.last(), Some(Block::Rule)) {
                b.blocks.pop();
            }
            b.blocks.push(Block::Banner {
                lines: vec![l::NOT_FISCAL.into(), l::NOT_FISCAL_NOTE.into()],
            });
        }
    }

    let mut title = String::from(doc_name);
    title.push_str(" — ");
    title.push_str(&op);
    Doc {
        title,
        blocks: b.blocks,
    }
}

fn header(b: &mut Builder, company: &Company) {
    if let Some(name) = company.name.as_deref().filter(|s| !s.is_empty()) {
        b.center(name, Weight::Strong);
    }
    b.center(format!("{} {}", l::INN, company.inn), Weight::Normal);
    if let Some(a) = company.payment_address.as_deref().filter(|s| !s.is_empty()) {
        b.center(a, Weight::Normal);
    }
    if let Some(p) = company.payment_place.as_deref().filter(|s| !s.is_empty()) {
        b.center(format!("{}: {p}", l::PAYMENT_PLACE), Weight::Normal);
    }
}

fn correction(b: &mut Builder, c: &Correction) {
    b.pair(l::CORRECTION_TYPE, l::correction_type(c.correction_type), 0);
    b.pair(l::CORRECTED_DATE, date(c.date), 0);
    b.opt_pair(l::PRESCRIPTION_NO, c.number.as_deref(), 0);
    if let Some(d) = c.description.as_deref().filter(|s| !s.is_empty()) {
        b.text(format!("{}: {d}", l::CORRECTION_DESCRIPTION), 0);
    }
}

/// Receipt and shift numbers, date and time: from the fiscal attributes, else from the register
/// data of a decoded document.
fn numbers(b: &mut Builder, fiscal: Option<&FiscalAttributes>, register: Option<&RegisterData>) {
    let receipt_no = fiscal
        .and_then(|f| f.receipt_number)
        .or_else(|| register.and_then(|r| r.receipt_number));
    let shift_no = fiscal
        .and_then(|f| f.shift_number)
        .or_else(|| register.and_then(|r| r.shift_number));
    let when = fiscal
        .map(|f| f.date_time)
        .or_else(|| register.and_then(|r| r.date_time));
    let left = receipt_no.map(|n| format!("{} {n}", l::RECEIPT_NO));
    let right = shift_no.map(|n| format!("{} {n}", l::SHIFT_NO));
    match (left, right) {
        (Some(l), Some(r)) => b.pair(l, r, 0),
        (Some(one), None) | (None, Some(one)) => b.text(one, 0),
        (None, None) => {}
    }
    if let Some(t) = when {
        b.text(date_time(t), 0);
    }
    if let Some(a) = register.and_then(|r| r.automat_number.as_deref()) {
        b.pair(l::AUTOMAT_NO, a, 0);
    }
}

fn item_vat(item: &Item) -> Option<Money> {
    if let Some(v) = item.vat_sum {
        return Some(v);
    }
    item.vat.fraction()?;
    let sum = item.sum.kopecks().ok()?;
    item.vat.vat_of(sum).map(Money::from_kopecks)
}

fn item_block(b: &mut Builder, n: usize, item: &Item, checked: Option<u8>) {
    let mut head = String::new();
    if let Some(m) = &item.mark {
        head.push_str(l::mark_indication(checked.or(m.check_result)));
        head.push(' ');
    }
    match item.name.as_deref().filter(|s| !s.is_empty()) {
        Some(name) => head.push_str(name),
        None => head.push_str(l::NO_NAME),
    }
    b.blocks.push(Block::Heading {
        prefix: format!("{n}. "),
        text: head,
    });

    let unit = match (item.measure, item.unit.as_deref()) {
        (Some(m), _) => l::measure(m).into_owned(),
        (None, Some(u)) => u.to_owned(),
        (None, None) => String::new(),
    };
    let qty = if unit.is_empty() {
        format!("{} x {}", item.quantity, item.price)
    } else {
        format!("{} {unit} x {}", item.quantity, item.price)
    };
    b.pair(qty, money(&item.sum), 1);
    if let Some(f) = &item.fraction {
        let text = f
            .text
            .clone()
            .unwrap_or_else(|| format!("{}/{}", f.numerator, f.denominator));
        b.pair(l::FRACTION, text, 1);
    }
    match item_vat(item) {
        Some(v) => b.pair(l::vat_rate(item.vat), money(&v), 1),
        None => b.text(l::vat_rate(item.vat), 1),
    }
    if let Some(u) = &item.unit_vat {
        b.pair(l::UNIT_VAT, money(u), 1);
    }
    // 1214 on the left, 1212 on the right, as registers print them.
    b.pair(
        l::payment_method(item.payment_method),
        l::payment_subject(item.payment_subject),
        1,
    );
    // 1163 of goods that are not marked: the code's kind, then the code (a marked item's code
    // is not printed: its indication stands before the name).
    if let Some(c) = &item.product_code {
        b.pair(l::product_code_kind(c.kind), c.value.as_str(), 1);
    }
    if let Some(e) = &item.excise {
        b.pair(l::EXCISE, money(e), 1);
    }
    b.opt_pair(l::COUNTRY, item.country_code.as_deref(), 1);
    b.opt_pair(l::DECLARATION, item.declaration_number.as_deref(), 1);
    if let Some(a) = &item.agent {
        agent(b, a);
    }
    for p in &item.sectoral_props {
        b.text(sectoral(p), 1);
    }
    b.opt_pair(l::ITEM_EXTRA, item.user_data.as_deref(), 1);
}

/// 1260 / 1261: `ОТРАСЛ. РЕКВИЗИТ 030 ОТ 01.03.2026 № 17: value`.
fn sectoral(p: &SectoralProp) -> String {
    format!(
        "{} {} {} {} {} {}: {}",
        l::SECTORAL_PROP,
        p.fois_id,
        l::DATED,
        p.date,
        l::NUMBER,
        p.number,
        p.value
    )
}

fn agent(b: &mut Builder, a: &ItemAgent) {
    if let Some(t) = a.agent_type {
        b.text(l::agent_type(t), 1);
    }
    if let Some(info) = &a.agent_info {
        b.opt_pair(l::AGENT_OPERATION, info.operation.as_deref(), 1);
        let phone_labels = [
            l::AGENT_PHONE,
            l::PAYMENT_OPERATOR_PHONE,
            l::TRANSFER_OPERATOR_PHONE,
        ];
        for (label, (_, phones, _)) in phone_labels.iter().zip(info.phone_lists()) {
            for p in phones {
                b.pair(*label, p.as_str(), 1);
            }
        }
        b.opt_pair(
            l::TRANSFER_OPERATOR,
            info.transfer_operator_name.as_deref(),
            1,
        );
        b.opt_pair(
            l::TRANSFER_OPERATOR_ADDRESS,
            info.transfer_operator_address.as_deref(),
            1,
        );
        b.opt_pair(
            l::TRANSFER_OPERATOR_INN,
            info.transfer_operator_inn.as_deref(),
            1,
        );
    }
    if let Some(s) = &a.supplier {
        b.opt_pair(l::SUPPLIER, s.name.as_deref(), 1);
        for p in &s.phones {
            b.pair(l::SUPPLIER_PHONE, p.as_str(), 1);
        }
        b.opt_pair(l::SUPPLIER_INN, s.inn.as_deref(), 1);
    }
}

/// VAT per rate: the receipt-level requisites 1102–1107 exactly as the encoder writes them
/// (given totals win, else the items' sums), then the rates without a receipt-level tag
/// (5 %, 7 %, 22 % and their расчётные ставки) totalled from the items.
fn vat_totals(b: &mut Builder, receipt: &Receipt) {
    let items = RateTotals::of_items(&receipt.items);
    let written = fiskal_ffd::model::VatTotals::as_written(receipt.vat_totals.as_ref(), &items);
    let has_receipt_tag = |rate: VatRate| RECEIPT_VAT_TAGS.iter().any(|(_, r, _)| *r == rate);
    for rate in l::VAT_TOTALS_ORDER {
        let line = if has_receipt_tag(rate) {
            written.given(rate).map(|m| money(&m))
        } else {
            items.get(rate).map(kopecks)
        };
        if let Some(v) = line {
            b.pair(l::vat_total(rate), v, 0);
        }
    }
}

fn client(b: &mut Builder, c: &Buyer) {
    b.opt_pair(l::BUYER, c.name.as_deref(), 0);
    b.opt_pair(l::BUYER_INN, c.inn.as_deref(), 0);
    if let Some(contact) = c.contact.as_deref().filter(|s| !s.is_empty()) {
        let label = if contact.contains('@') {
            l::BUYER_EMAIL
        } else {
            l::BUYER_PHONE
        };
        b.pair(label, contact, 0);
    }
    b.opt_pair(l::BUYER_BIRTH_DATE, c.birth_date.as_deref(), 0);
    b.opt_pair(l::BUYER_CITIZENSHIP, c.citizenship.as_deref(), 0);
    b.opt_pair(l::BUYER_DOC_CODE, c.document_code.as_deref(), 0);
    b.opt_pair(l::BUYER_DOC_DATA, c.document_data.as_deref(), 0);
    b.opt_pair(l::BUYER_ADDRESS, c.address.as_deref(), 0);
}

fn receipt_props(b: &mut Builder, receipt: &Receipt) {
    b.opt_pair(
        l::ADDITIONAL_CHECK_PROP,
        receipt.additional_check_props.as_deref(),
        0,
    );
    if let Some(p) = &receipt.additional_user_prop {
        b.pair(p.name.as_str(), p.value.as_str(), 0);
    }
    if let Some(p) = &receipt.operating_check_props {
        b.text(
            format!(
                "{} {}: {} ({})",
                l::OPERATING_PROP,
                p.id,
                p.data,
                date_time(p.time)
            ),
            0,
        );
    }
    for p in &receipt.sectoral_check_props {
        b.text(sectoral(p), 0);
    }
}

fn fiscal_block(
    b: &mut Builder,
    f: &FiscalAttributes,
    register: Option<&RegisterData>,
    opts: &Options,
) {
    let reg_number = f
        .kkt_reg_number
        .as_deref()
        .or_else(|| register.and_then(|r| r.kkt_reg_number.as_deref()));
    b.opt_pair(l::KKT_REG_NUMBER, reg_number, 0);
    b.pair(l::FN, f.fn_number.as_str(), 0);
    b.pair(
        format!("{} {}", l::FD, f.fd_number),
        format!("{} {}", l::FP, f.fiscal_sign),
        0,
    );
    b.opt_pair(l::OFD_INN, f.ofd_inn.as_deref(), 0);
    // 1060 as the register printed it (reported by the provider), else as a decoded document
    // has it, else the configured default.
    let site = f
        .fns_site
        .as_deref()
        .filter(|s| !s.is_empty())
        .or_else(|| register.and_then(|r| r.fns_site.as_deref()))
        .unwrap_or(&opts.fns_site);
    b.opt_pair(l::FNS_SITE, Some(site), 0);
    if register.and_then(|r| r.internet_only) == Some(true) {
        b.text(l::INTERNET_ONLY, 0);
    }
    // 2107: from a decoded document, else from the register's checks the provider reported
    // (0: no negative result, 1: at least one).
    let reported = (!f.mark_checks.is_empty()).then(|| u8::from(f.has_negative_mark_check()));
    match register.and_then(|r| r.marks_check_result).or(reported) {
        Some(0) => b.text(l::MARKS_CHECKED_OK, 0),
        Some(_) => b.text(l::MARKS_CHECKED_NOT_OK, 0),
        None => {}
    }
    if let Some(url) = f.receipt_url.as_deref().filter(|s| !s.is_empty()) {
        b.blocks.push(Block::Link {
            label: l::CHECK_URL.into(),
            url: url.into(),
        });
    }
    b.blocks.push(Block::Qr {
        text: f.qr_string(),
    });
}
