//! The receipt model: what a cash receipt (form 3) or a correction receipt (form 31) says, for
//! ФФД 1.05 and 1.2, with serde for the versioned "fiskal receipt JSON" (docs/receipt-json.md).
//!
//! Field names are English and close to those integrators know from ATOL Online; each field's
//! doc names its FFD tag. Optional requisites are `Option`s; requisites the model does not
//! represent, and tags this crate does not know, are kept in `other_tags` so that a decoded
//! document survives a round trip.

use crate::datetime::LocalDateTime;
use crate::enums::*;
use crate::money::{Money, Quantity};
use crate::tag::Tag;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The version of the fiskal receipt JSON format this crate reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// A receipt (form 3, кассовый чек) or, with [`Receipt::correction`] set, a correction receipt
/// (form 31, кассовый чек коррекции).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// Version of this JSON format; always 1 for now. Written first.
    pub version: u32,
    /// ФФД version (tag 1209): `"1.05"` or `"1.2"`.
    pub ffd: FfdVersion,
    /// 1054 «признак расчета».
    pub operation: Operation,
    /// 1055 «применяемая система налогообложения» (exactly one system).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_system: Option<TaxSystem>,
    /// The seller.
    pub company: Company,
    /// The cashier (1021, 1203).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cashier: Option<Cashier>,
    /// The buyer (1008; 1227/1228 in 1.05, 1256 in 1.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<Buyer>,
    /// 1059 «предмет расчета», in order.
    #[serde(default)]
    pub items: Vec<Item>,
    /// Payments by kind (1031, 1081, 1215, 1216, 1217).
    #[serde(default)]
    pub payments: Payments,
    /// 1020 «сумма расчета»: the receipt total.
    pub total: Money,
    /// Receipt-level VAT totals (1102–1107). Totals not given are computed from the items (per
    /// item, rounded half-up, then summed per rate); given ones must match the items. A 1.05
    /// correction without items has nothing to compute them from: give them there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_totals: Option<VatTotals>,
    /// 1192 «дополнительный реквизит чека».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_check_props: Option<String>,
    /// 1084 «дополнительный реквизит пользователя».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_user_prop: Option<UserProp>,
    /// 1270 «операционный реквизит чека» (1.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operating_check_props: Option<OperatingProp>,
    /// 1261 «отраслевой реквизит чека» (1.2), repeatable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sectoral_check_props: Vec<SectoralProp>,
    /// Correction data (1173, 1174): makes this a correction receipt (form 31).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correction: Option<Correction>,
    /// Requisites the register and the fiscal drive add (present in decoded documents; normally
    /// absent from a receipt a shop sends).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub register: Option<RegisterData>,
    /// Document-level requisites the model does not represent, kept as they were.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_tags: Vec<RawTag>,
}

/// The seller (organisation or individual entrepreneur).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Company {
    /// 1018 «ИНН пользователя» (10 or 12 digits).
    pub inn: String,
    /// 1048 «наименование пользователя» (normally added by the register).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// 1187 «место расчетов» (for internet sales: the site address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_place: Option<String>,
    /// 1009 «адрес расчетов».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_address: Option<String>,
    /// 1117 «адрес электронной почты отправителя чека».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// The cashier.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cashier {
    /// 1021 «кассир».
    pub name: String,
    /// 1203 «ИНН кассира».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inn: Option<String>,
}

// The receipt JSON's `client` (FFD's «покупатель (клиент)»). Named `Buyer` in Rust so it is not
// mistaken for a client of a cloud register; the JSON key and the JSON Schema definition keep
// the names `client` / `Client`.
/// The buyer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Client")]
pub struct Buyer {
    /// 1008 «телефон или электронный адрес покупателя»: an e-mail or a phone `+79991234567`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// 1227 «покупатель (клиент)».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// 1228 «ИНН покупателя (клиента)».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inn: Option<String>,
    /// 1243 «дата рождения» (1.2), `ДД.ММ.ГГГГ`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// 1244 «гражданство» (1.2): ОКСМ numeric code, 3 digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citizenship: Option<String>,
    /// 1245 «код вида документа, удостоверяющего личность» (1.2), 2 digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_code: Option<String>,
    /// 1246 «данные документа, удостоверяющего личность» (1.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_data: Option<String>,
    /// 1254 «адрес покупателя (клиента)» (1.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// One line of the receipt: tag 1059 «предмет расчета».
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// 1030 «наименование предмета расчета» (≤ 128 CP866 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// 1079 «цена за единицу с учетом скидок и наценок».
    pub price: Money,
    /// 1023 «количество».
    pub quantity: Quantity,
    /// 1043 «стоимость с учетом скидок и наценок» (= price × quantity within 1 kopeck).
    pub sum: Money,
    /// 2108 «мера количества» (1.2, required there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<Measure>,
    /// 1197 «единица измерения» (1.05 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// 1199 «ставка НДС».
    pub vat: VatRate,
    /// 1200 «сумма НДС за предмет расчета»; computed (half-up) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_sum: Option<Money>,
    /// 1198 «размер НДС за единицу» (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_vat: Option<Money>,
    /// 1214 «признак способа расчета».
    pub payment_method: PaymentMethod,
    /// 1212 «признак предмета расчета».
    pub payment_subject: PaymentSubject,
    /// The mark code of a marked item (1162 in 1.05; 1163, 2102, 2106 in 1.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark: Option<Mark>,
    /// 1163 «код товара» of goods that are not marked (1.2): a barcode such as EAN-13. It does
    /// not make the item a marked one; marked goods (31, 33) carry their code in `mark`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_code: Option<ProductCode>,
    /// 1291 «дробное количество маркированного товара» (1.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fraction: Option<Fraction>,
    /// Agent and supplier (1222, 1223, 1224, 1226).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<ItemAgent>,
    /// 1229 «акциз».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excise: Option<Money>,
    /// 1230 «код страны происхождения товара» (ОКСМ, 3 digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    /// 1231 «номер декларации на товар».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declaration_number: Option<String>,
    /// 1260 «отраслевой реквизит предмета расчета» (1.2), repeatable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sectoral_props: Vec<SectoralProp>,
    /// 1191 «дополнительный реквизит предмета расчета».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_data: Option<String>,
    /// Item-level requisites the model does not represent, kept as they were.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_tags: Vec<RawTag>,
}

/// The mark code of an item.
///
/// Give the raw scan in [`Mark::code`] and fiskal derives what the fiscal drive stores (1162 for
/// 1.05, the 1163 child for 1.2) with `fiskal-marks`; or give those values explicitly
/// (`code_1162`, or `kind` + `value`), which then win. The raw scan itself is not part of the
/// receipt TLV (providers send it separately).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mark {
    /// ФФД 1.05: the 1162 «код товара» bytes, as hex (≤ 32 bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_1162: Option<String>,
    /// ФФД 1.2: the tag of the 1163 child (1300–1309, 1320–1325), e.g. 1305 for КТ GS1.М.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<u16>,
    /// ФФД 1.2: the value of that child (e.g. `01` + GTIN + `21` + serial, no GS, no crypto tail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// 2102 «режим обработки кода маркировки» (1.2; must be 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_mode: Option<u8>,
    /// 2106 «результат проверки сведений о товаре» (1.2; bitmask).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_result: Option<u8>,
    /// 2003 «планируемый статус товара» (for the marking request; not in the receipt TLV).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_status: Option<PlannedStatus>,
    /// The raw scanned code as the scanner gave it (GS as 0x1D or a textual form, AIM prefix …);
    /// 1162 / 1163 are derived from it when not given explicitly. Not itself in the receipt TLV.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// 1163 «код товара» (ФФД 1.2) of goods that are not subject to marking: one child of 1163
/// with its value, e.g. `{"kind": 1302, "value": "4601234567893"}` for an EAN-13 barcode.
///
/// The ФФД 1.2 table of 1163 (приказ ФНС России от 14.09.2020 № ЕД-7-20/662@, приложение № 2,
/// таблица 118, <http://www.consultant.ru/document/cons_doc_LAW_362322/>) lists children for
/// codes of goods that are not marked: 1300 «КТ Н», 1301 «КТ EAN-8», 1302 «КТ EAN-13», 1303
/// «КТ ITF-14», 1304 «КТ GS1.0» (a GS1 code on goods *not* subject to marking), 1308 / 1309
/// «КТ ЕГАИС-2.0 / 3.0», 1320–1325 «КТ Ф.1–Ф.6»; only 31 / 33 make 1163 mandatory. The
/// marking-code children 1305 «КТ GS1.М», 1306 «КТ КМК» and 1307 «КТ МИ» belong to marked
/// goods and go in [`Mark`] instead. Not in ФФД 1.05 (its 1162 is derived from a [`Mark`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductCode {
    /// The tag of the 1163 child: 1300–1304, 1308, 1309 or 1320–1325.
    pub kind: u16,
    /// The value of that 1163 child as the scanner read it (EAN-13: 13 digits; no padding).
    pub value: String,
}

/// 1291: a fraction of a marked unit sold (1.2). The quantity 1023 must then be 1, and the sum
/// may be price × numerator / denominator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Fraction {
    /// 1293 «числитель».
    pub numerator: u64,
    /// 1294 «знаменатель».
    pub denominator: u64,
    /// 1292 «дробная часть» as text (`"1/2"`); derived from the two numbers when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// Agent data of an item.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemAgent {
    /// 1222 «признак агента по предмету расчета».
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub agent_type: Option<AgentType>,
    /// 1223 «данные агента».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_info: Option<AgentInfo>,
    /// 1224 «данные поставщика» and 1226 «ИНН поставщика».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<Supplier>,
}

/// 1223 «данные агента».
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentInfo {
    /// 1044 «операция платежного агента».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// 1073 «телефон платежного агента», repeatable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<String>,
    /// 1074 «телефон оператора по приему платежей», repeatable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub payment_operator_phones: Vec<String>,
    /// 1075 «телефон оператора перевода», repeatable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transfer_operator_phones: Vec<String>,
    /// 1026 «наименование оператора перевода».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_operator_name: Option<String>,
    /// 1005 «адрес оператора перевода».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_operator_address: Option<String>,
    /// 1016 «ИНН оператора перевода».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_operator_inn: Option<String>,
}

/// The supplier of an agent's item.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Supplier {
    /// 1225 «наименование поставщика».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// 1171 «телефон поставщика», repeatable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<String>,
    /// 1226 «ИНН поставщика» (item level on the wire, not inside 1224).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inn: Option<String>,
}

/// 1260 / 1261 «отраслевой реквизит».
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SectoralProp {
    /// 1262 «идентификатор ФОИВ» (3 digits, `"001"`…).
    pub fois_id: String,
    /// 1263 «дата документа основания» (`ДД.ММ.ГГГГ`).
    pub date: String,
    /// 1264 «номер документа основания».
    pub number: String,
    /// 1265 «значение отраслевого реквизита».
    pub value: String,
}

/// 1084 «дополнительный реквизит пользователя».
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserProp {
    /// 1085 «наименование».
    pub name: String,
    /// 1086 «значение».
    pub value: String,
}

/// 1270 «операционный реквизит чека».
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OperatingProp {
    /// 1271 «идентификатор операции».
    pub id: u8,
    /// 1272 «данные операции».
    pub data: String,
    /// 1273 «дата, время операции» (local).
    pub time: LocalDateTime,
}

/// Payments by kind, in roubles; absent kinds are zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Payments {
    /// 1031 наличными.
    #[serde(default)]
    pub cash: Money,
    /// 1081 безналичными.
    #[serde(default)]
    pub electronic: Money,
    /// 1215 предоплатой (зачетом аванса).
    #[serde(default)]
    pub prepaid: Money,
    /// 1216 постоплатой (в кредит).
    #[serde(default)]
    pub credit: Money,
    /// 1217 встречным предоставлением.
    #[serde(default)]
    pub consideration: Money,
}

/// Receipt-level VAT totals. There are tags only for these rates (1102–1107 of the receipt
/// table, Приказ ФНС ЕД-7-20/662@, приложение 2; no receipt-level tag for 5 %, 7 % or 22 % was
/// found in a public source): 5 %, 7 % and 22 % are carried per item in 1.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VatTotals {
    /// 1102 НДС по ставке 20%.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat20: Option<Money>,
    /// 1103 НДС по ставке 10%.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat10: Option<Money>,
    /// 1104 сумма расчета с НДС 0%.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat0_sum: Option<Money>,
    /// 1105 сумма расчета без НДС.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_vat_sum: Option<Money>,
    /// 1106 НДС по расч. ставке 20/120.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat120: Option<Money>,
    /// 1107 НДС по расч. ставке 10/110.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat110: Option<Money>,
}

/// Correction data of a correction receipt (form 31).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    /// 1173 «тип коррекции».
    #[serde(rename = "type")]
    pub correction_type: CorrectionType,
    /// 1178 «дата совершения корректируемого расчета» (inside 1174).
    pub date: LocalDateTime,
    /// 1179 «номер предписания налогового органа» (inside 1174; required when by prescription).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// 1177 «описание коррекции»: only in legacy (229@) 1.05 documents; decoded, never built.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Requisites added by the register and the fiscal drive.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterData {
    /// 1037 «регистрационный номер ККТ».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kkt_reg_number: Option<String>,
    /// 1036 «номер автомата».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automat_number: Option<String>,
    /// 1041 «номер ФН».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fn_number: Option<String>,
    /// 1040 «номер ФД».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fd_number: Option<u32>,
    /// 1042 «номер чека за смену».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_number: Option<u32>,
    /// 1038 «номер смены».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shift_number: Option<u32>,
    /// 1012 «дата, время» (local).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_time: Option<LocalDateTime>,
    /// 1077 «ФПД»: 6 bytes as hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fiscal_sign: Option<String>,
    /// 1060 «адрес сайта ФНС».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fns_site: Option<String>,
    /// 1108 «признак ККТ для расчетов только в Интернет».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internet_only: Option<bool>,
    /// 2107 «результаты проверки маркированных товаров» (1.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marks_check_result: Option<u8>,
}

/// A requisite kept as raw wire bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTag {
    /// The tag number.
    pub tag: u16,
    /// The value bytes as hex (for an STLV: its encoded children).
    pub hex: String,
}

impl Receipt {
    /// A copy of everything but the items (cheap for a large cart: the items are not cloned).
    pub fn without_items(&self) -> Receipt {
        let Receipt {
            version,
            ffd,
            operation,
            tax_system,
            company,
            cashier,
            client,
            items: _,
            payments,
            total,
            vat_totals,
            additional_check_props,
            additional_user_prop,
            operating_check_props,
            sectoral_check_props,
            correction,
            register,
            other_tags,
        } = self;
        Receipt {
            version: *version,
            ffd: *ffd,
            operation: *operation,
            tax_system: *tax_system,
            company: company.clone(),
            cashier: cashier.clone(),
            client: client.clone(),
            items: Vec::new(),
            payments: *payments,
            total: *total,
            vat_totals: *vat_totals,
            additional_check_props: additional_check_props.clone(),
            additional_user_prop: additional_user_prop.clone(),
            operating_check_props: operating_check_props.clone(),
            sectoral_check_props: sectoral_check_props.clone(),
            correction: correction.clone(),
            register: register.clone(),
            other_tags: other_tags.clone(),
        }
    }

    /// The document form code: 3 (receipt) or 31 (correction receipt).
    pub fn form(&self) -> Tag {
        if self.correction.is_some() {
            Tag::CORRECTION_RECEIPT
        } else {
            Tag::RECEIPT
        }
    }
}

impl Item {
    /// An item with the mandatory fields; every optional requisite absent (set the public fields
    /// for the rest).
    pub fn new(
        name: impl Into<String>,
        price: Money,
        quantity: Quantity,
        sum: Money,
        vat: VatRate,
        payment_method: PaymentMethod,
        payment_subject: PaymentSubject,
    ) -> Item {
        Item {
            name: Some(name.into()),
            price,
            quantity,
            sum,
            measure: None,
            unit: None,
            vat,
            vat_sum: None,
            unit_vat: None,
            payment_method,
            payment_subject,
            mark: None,
            product_code: None,
            fraction: None,
            agent: None,
            excise: None,
            country_code: None,
            declaration_number: None,
            sectoral_props: Vec::new(),
            user_data: None,
            other_tags: Vec::new(),
        }
    }
}

impl AgentInfo {
    /// The three repeatable phone lists with their JSON names and tags (1073, 1074, 1075).
    pub fn phone_lists(&self) -> [(&'static str, &[String], Tag); 3] {
        [
            ("phones", &self.phones, Tag::PAYING_AGENT_PHONE),
            (
                "payment_operator_phones",
                &self.payment_operator_phones,
                Tag::PAYMENT_OPERATOR_PHONE,
            ),
            (
                "transfer_operator_phones",
                &self.transfer_operator_phones,
                Tag::TRANSFER_OPERATOR_PHONE,
            ),
        ]
    }
}

impl Payments {
    /// The sum of the five payment kinds in kopecks, or the first kind that is not a valid
    /// amount (or an overflow, reported as [`crate::money::MoneyProblem::TooLarge`]).
    pub fn total_kopecks(&self) -> Result<u64, crate::money::MoneyProblem> {
        self.by_tag().iter().try_fold(0u64, |acc, (_, m)| {
            acc.checked_add(m.kopecks()?)
                .ok_or(crate::money::MoneyProblem::TooLarge)
        })
    }

    /// The five payment kinds with their tags, in tag order of the wire.
    pub fn by_tag(&self) -> [(Tag, Money); 5] {
        [
            (Tag::CASH, self.cash),
            (Tag::ELECTRONIC, self.electronic),
            (Tag::PREPAID, self.prepaid),
            (Tag::CREDIT, self.credit),
            (Tag::CONSIDERATION, self.consideration),
        ]
    }
}
