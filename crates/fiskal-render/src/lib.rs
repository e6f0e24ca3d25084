//! # fiskal-render
//!
//! A fiskal receipt as a person sees it: the fixed-width text of a printed cash receipt
//! ([`render_text`]), the same content as a self-contained HTML page for an e-mail or a 1C print
//! form ([`render_html`]), and the FNS QR code as SVG or PNG ([`qr_svg`], [`qr_png`]).
//!
//! ```
//! let json = include_str!("../data/receipt_1_2.json");
//! let receipt = fiskal_ffd::json::parse_and_validate(json).unwrap();
//! let text = fiskal_render::render_text(&receipt, None, &fiskal_render::Options::default());
//! assert!(text.contains("КАССОВЫЙ ЧЕК"));
//! assert!(text.contains("ЧЕК НЕ ФИСКАЛИЗИРОВАН")); // no fiscal attributes given
//! ```
//!
//! Both forms are drawn from one layout, so they say the same thing; every Russian word comes
//! from one label table. Amounts are printed exactly as the model holds them (`Money`'s decimal
//! text, computed sums from integer kopecks); no float is involved anywhere.
//!
//! ## Which requisites are shown
//!
//! Cross-checked against the document-level and item-level requisites of the кассовый чек and
//! чек коррекции (Приказ ФНС ЕД-7-20/662@, приложение 2 «Форматы фискальных документов»: the
//! tables of the кассовый чек and the чек коррекции and their item tables). *Receipt* means the value comes from
//! the [`Receipt`] and is printed when present; *fiscal* means it is printed only when
//! [`FiscalAttributes`] are given (the register assigns it); *register* means it also comes from
//! [`Receipt::register`] (a document decoded from TLV).
//!
//! | Tag(s) | Requisite | Source |
//! |---|---|---|
//! | 1000 | наименование документа: КАССОВЫЙ ЧЕК / КАССОВЫЙ ЧЕК КОРРЕКЦИИ | always |
//! | 1054 | признак расчета: ПРИХОД, ВОЗВРАТ ПРИХОДА, РАСХОД, ВОЗВРАТ РАСХОДА | receipt |
//! | 1048, 1018 | наименование и ИНН пользователя | receipt (1048 only if given: registers add it) |
//! | 1009, 1187 | адрес и место расчетов | receipt |
//! | 1012 | дата, время | fiscal, else register |
//! | 1038, 1042 | номер смены, номер чека за смену | fiscal, else register |
//! | 1036 | номер автомата | register |
//! | 1021, 1203 | кассир, ИНН кассира | receipt |
//! | 1173, 1174 (1178, 1179), 1177 | тип коррекции, дата корректируемого расчета, номер предписания, описание (legacy) | receipt |
//! | 1059 | each item: 1030 name, 1023 × 1079 = 1043, 2108 / 1197 unit, 1199 rate and 1200 VAT (given, else computed half-up), 1198, 1214, 1212, 1291, 1229, 1230, 1231, 1260, 1191 | receipt |
//! | 1162 / 1163, 2106 | mark indication `[М]`, `[М+]`, `[М-]` before the name (not the code itself, as on paper) | receipt; 2106 from the register's check in [`FiscalAttributes::mark_checks`] when the provider reported it |
//! | 1163 (1300–1304, 1308, 1309, 1320–1325) | product code of goods that are not marked: the child's name (`КТ EAN-13`, `КТ Н`, `КТ ЕГАИС-3.0`, …; таблица 118) and its value, on the item | receipt |
//! | 1222, 1223, 1224, 1226 | agent type, agent data (1044, 1073–1075, 1026, 1005, 1016), supplier (1225, 1171, 1226) | receipt |
//! | 1020 | ИТОГ | receipt |
//! | 1031, 1081, 1215, 1216, 1217 | payment forms, those not zero | receipt |
//! | 1102–1107 | VAT per rate, exactly as the TLV encoder writes them (given totals win) | receipt |
//! | — | VAT of 5 %, 7 %, 22 % (and 5/105, 7/107, 22/122): no receipt-level tag exists, printed as the items' total | receipt |
//! | 1055 | СНО | receipt |
//! | 1008, 1227, 1228, 1256 (1243–1246, 1254) | buyer | receipt |
//! | 1117 | эл. адрес отправителя | receipt |
//! | 1192, 1084, 1270, 1261 | additional and sectoral requisites | receipt |
//! | 1037 | РН ККТ | fiscal (its value, else register) |
//! | 1041, 1040, 1077 | ФН, ФД, ФП | fiscal |
//! | — | ИНН ОФД, link to the receipt at the ОФД | fiscal |
//! | 1060 | сайт ФНС | fiscal ([`FiscalAttributes::fns_site`] as the provider reported it, else the register value, else [`Options::fns_site`]) |
//! | 1108, 2107 | internet-only register, result of mark checks | fiscal, from register; 2107 else from the reported [`FiscalAttributes::mark_checks`] (any negative → «есть неподтвержденные») |
//! | 1196 | QR code | fiscal; HTML only (the text form has no pictures) |
//!
//! Not shown: 1209 (ФФД version; not printed by common registers), 1057 and receipt-level agent
//! data of 1.05 (the model keeps them only as raw `other_tags`), `other_tags` of any kind (raw
//! bytes), the mark code itself and 2102; and what a provider reports that a receipt does not
//! carry: its warnings, the ОФД's name and web site, the register's serial number, the delivery
//! state (they are for the shop, in [`FiscalAttributes`]). Without fiscal attributes the fiscal block is replaced
//! by the notice «ЧЕК НЕ ФИСКАЛИЗИРОВАН — не является кассовым чеком».
//!
//! ## Dependencies
//!
//! Only the model (`fiskal-ffd`, where [`FiscalAttributes`] lives too) and two small
//! pure-Rust encoders (`qrcode` without features, `png`): no I/O, no HTTP, TLS or async stack.
//! A provider's answer (`fiskal-providers`) hands over the same `FiscalAttributes` type.
#![forbid(unsafe_code)]

mod html;
mod labels;
mod layout;
mod qr;
mod text;

pub use fiskal_ffd::FiscalAttributes;
pub use fiskal_ffd::Receipt;
pub use qr::{qr_png, qr_svg, QrError, MAX_SCALE, QUIET_ZONE};

/// Paper width of the text form, in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Width {
    /// 42 columns: 80 mm paper with the larger font, the most common receipt.
    #[default]
    Cols42,
    /// 48 columns: 80 mm paper with the smaller font.
    Cols48,
}

impl Width {
    /// The number of characters per line.
    pub fn columns(self) -> usize {
        match self {
            Width::Cols42 => 42,
            Width::Cols48 => 48,
        }
    }
}

/// How [`render_html`] shows the QR code.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum HtmlQr {
    /// An inline `<svg>` element (self-contained; browsers and 1C show it, but Gmail and Outlook
    /// do not display SVG in mail).
    #[default]
    InlineSvg,
    /// An `<img>` with this `src`, e.g. `cid:qr@receipt` for an e-mail that carries
    /// [`qr_png`] as an inline attachment, or a `data:image/png;base64,…` URL.
    Image {
        /// The image address (escaped when written).
        src: String,
    },
    /// No QR code.
    Omit,
}

/// Rendering options. Start from `Options::default()` and set fields.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// Columns of the text form (and the paper width of the HTML form).
    pub width: Width,
    /// 1060 «адрес сайта ФНС» printed when the receipt's register data does not name one.
    pub fns_site: String,
    /// The QR code in HTML.
    pub html_qr: HtmlQr,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            width: Width::default(),
            fns_site: "www.nalog.gov.ru".to_owned(),
            html_qr: HtmlQr::default(),
        }
    }
}

impl Options {
    /// The default options with another width.
    pub fn with_width(width: Width) -> Options {
        Options {
            width,
            ..Options::default()
        }
    }
}

/// The receipt as a printed cash receipt of `opts.width` columns, lines ending in `\n`.
///
/// With `fiscal` the fiscal block (РН ККТ, ФН, ФД, ФП, ИНН ОФД, сайт ФНС) ends it; without, the
/// notice «ЧЕК НЕ ФИСКАЛИЗИРОВАН». The receipt need not be valid: whatever it holds is printed.
pub fn render_text(receipt: &Receipt, fiscal: Option<&FiscalAttributes>, opts: &Options) -> String {
    text::render(&layout::layout(receipt, fiscal, opts), opts.width.columns())
}

/// The receipt as a self-contained HTML page (UTF-8, inline styles, no external resources), with
/// the QR code when `fiscal` is given (see [`Options::html_qr`]). Every text is escaped.
pub fn render_html(receipt: &Receipt, fiscal: Option<&FiscalAttributes>, opts: &Options) -> String {
    html::render(&layout::layout(receipt, fiscal, opts), opts)
}
