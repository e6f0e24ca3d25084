//! FFD tag numbers and the one tag dictionary every other part of the crate draws from.
//!
//! The encoder (fixed-length padding, VLN widths), the decoder (how to read a value), the size
//! model, the validator (maximum lengths, version sets) and the readable dump (Russian names) all
//! look tags up here; there is no second table to drift. Source: Приказ ФНС России от 14.09.2020
//! № ЕД-7-20/662@, приложение 2 «Форматы фискальных документов»
//! (<https://www.nalog.gov.ru/html/sites/www.new.nalog.ru/docs/about_fts/docs/pril2_ed_7_20662.docx>),
//! and its later editions (ЕД-7-20/236@ for the 2025 tags); the table of each group of rows is
//! named above it.

use std::fmt;

/// An FFD requisite number (тег реквизита), as it appears on the wire (2 bytes, little-endian).
///
/// A newtype, not an enum: documents carry tags this crate does not know (new FNS orders appear
/// every year), and those must survive a decode/encode round trip. Known tags are associated
/// constants (`Tag::ITEM`, `Tag::TOTAL`, …); [`Tag::info`] returns the dictionary row.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tag(pub u16);

/// How a requisite's value is represented on the wire (the data types of ЕД-7-20/662@,
/// приложение 2, as the public implementations encode them, e.g. <https://github.com/yandex/ofd>
/// `ofd/protocol.py`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueType {
    /// One byte: enumerations, booleans, bitmasks.
    Byte,
    /// Unsigned 16-bit little-endian, exactly 2 bytes.
    U16,
    /// Unsigned 32-bit little-endian, exactly 4 bytes.
    U32,
    /// Seconds since 1970-01-01 of the *local* wall-clock time, 4 bytes little-endian.
    UnixTime,
    /// Unsigned little-endian integer of variable width (money in kopecks).
    Vln,
    /// Decimal: one byte of scale, then a little-endian mantissa of variable width.
    Fvln,
    /// Text in CP866.
    Str,
    /// Raw bytes (also used for tags whose type is not confirmed: they survive untouched).
    Bytes,
    /// A nested list of requisites (составной реквизит).
    Stlv,
}

/// The length rule of a requisite's value, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Len {
    /// At most this many bytes.
    Max(u16),
    /// Exactly this many bytes; strings shorter than that are right-padded with spaces (0x20) on
    /// encode, and the padding is trimmed on decode (ИНН 12, РН ККТ 20, country 3, …).
    Fixed(u16),
}

impl Len {
    /// The largest value length the rule allows.
    pub const fn max(self) -> u16 {
        match self {
            Len::Max(n) | Len::Fixed(n) => n,
        }
    }
}

/// Which FFD versions define a requisite in the documents this crate builds (receipt and
/// correction receipt, form 3 / 31).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Versions {
    /// Present in ФФД 1.05.
    pub v105: bool,
    /// Present in ФФД 1.2.
    pub v12: bool,
}

impl Versions {
    /// Both 1.05 and 1.2.
    pub const BOTH: Versions = Versions {
        v105: true,
        v12: true,
    };
    /// ФФД 1.05 only (e.g. 1162, 1197, 1057).
    pub const V105: Versions = Versions {
        v105: true,
        v12: false,
    };
    /// ФФД 1.2 only (e.g. 1163, 2108, 1256).
    pub const V12: Versions = Versions {
        v105: false,
        v12: true,
    };
    /// Neither: legacy (229@-era) or not part of a receipt; decoded but never built.
    pub const LEGACY: Versions = Versions {
        v105: false,
        v12: false,
    };
}

/// One row of the tag dictionary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TagInfo {
    /// The tag number.
    pub tag: Tag,
    /// The Rust constant name (`ITEM_NAME`), stable, used in JSON dumps and diagnostics.
    pub name: &'static str,
    /// The Russian name of the requisite as in the FNS order.
    pub name_ru: &'static str,
    /// Wire representation.
    pub ty: ValueType,
    /// Value length rule in bytes.
    pub len: Len,
    /// FFD versions whose receipts carry it.
    pub versions: Versions,
}

macro_rules! tag_table {
    ($( $name:ident = $num:literal, $ty:ident, $len:expr, $ver:ident, $ru:literal; )*) => {
        impl Tag {
            $(
                #[doc = concat!("`", stringify!($num), "` — ", $ru, ".")]
                pub const $name: Tag = Tag($num);
            )*

            /// The dictionary row of this tag, or `None` for a tag fiskal does not know.
            #[inline]
            pub fn info(self) -> Option<&'static TagInfo> {
                #[allow(unreachable_patterns)] // a duplicated number would be caught by a test
                match self.0 {
                    $( $num => Some(&TagInfo {
                        tag: Tag($num),
                        name: stringify!($name),
                        name_ru: $ru,
                        ty: ValueType::$ty,
                        len: $len,
                        versions: Versions::$ver,
                    }), )*
                    _ => None,
                }
            }
        }

        /// Every tag of the dictionary, in table order.
        pub const ALL_TAGS: &[Tag] = &[ $( Tag($num), )* ];
    };
}

use Len::{Fixed, Max};

tag_table! {
    // --- document forms (the outer TLV of a fiscal document) ---
    RECEIPT = 3, Stlv, Max(32768), BOTH, "кассовый чек";
    CORRECTION_RECEIPT = 31, Stlv, Max(32768), BOTH, "кассовый чек коррекции";
    BSO = 4, Stlv, Max(32768), BOTH, "бланк строгой отчетности";
    BSO_CORRECTION = 41, Stlv, Max(32768), BOTH, "бланк строгой отчетности коррекции";
    // The other forms a fiscal drive stores (ЕД-7-20/662@, приложение 2, the list of fiscal
    // documents and their form codes). Not built by this crate; decoded for the readable dump.
    // Size limits as the drive reserves them.
    REGISTRATION_REPORT = 1, Stlv, Max(6144), LEGACY, "отчет о регистрации";
    REGISTRATION_CHANGE_REPORT = 11, Stlv, Max(6144), LEGACY, "отчет об изменении параметров регистрации";
    SHIFT_OPEN_REPORT = 2, Stlv, Max(4096), LEGACY, "отчет об открытии смены";
    STATE_REPORT = 21, Stlv, Max(32768), LEGACY, "отчет о текущем состоянии расчетов";
    SHIFT_CLOSE_REPORT = 5, Stlv, Max(4096), LEGACY, "отчет о закрытии смены";
    FN_CLOSE_REPORT = 6, Stlv, Max(4096), LEGACY, "отчет о закрытии фискального накопителя";
    OPERATOR_CONFIRMATION = 7, Stlv, Max(512), LEGACY, "подтверждение оператора";

    // --- document level ---
    FFD_VERSION = 1209, Byte, Max(1), BOTH, "номер версии ФФД";
    USER_NAME = 1048, Str, Max(256), BOTH, "наименование пользователя";
    USER_INN = 1018, Str, Fixed(12), BOTH, "ИНН пользователя";
    BUYER_NAME = 1227, Str, Max(256), BOTH, "покупатель (клиент)";
    BUYER_INN = 1228, Str, Fixed(12), BOTH, "ИНН покупателя (клиента)";
    BUYER_INFO = 1256, Stlv, Max(1024), V12, "сведения о покупателе (клиенте)";
    BUYER_BIRTH_DATE = 1243, Str, Fixed(10), V12, "дата рождения покупателя (клиента)";
    BUYER_CITIZENSHIP = 1244, Str, Fixed(3), V12, "гражданство";
    BUYER_DOC_CODE = 1245, Str, Fixed(2), V12, "код вида документа, удостоверяющего личность";
    BUYER_DOC_DATA = 1246, Str, Max(64), V12, "данные документа, удостоверяющего личность";
    BUYER_ADDRESS = 1254, Str, Max(256), V12, "адрес покупателя (клиента)";
    RECEIPT_NUMBER = 1042, U32, Fixed(4), BOTH, "номер чека за смену";
    DATE_TIME = 1012, UnixTime, Fixed(4), BOTH, "дата, время";
    SHIFT_NUMBER = 1038, U32, Fixed(4), BOTH, "номер смены";
    OPERATION = 1054, Byte, Max(1), BOTH, "признак расчета";
    TAX_SYSTEM = 1055, Byte, Max(1), BOTH, "применяемая система налогообложения";
    CASHIER = 1021, Str, Max(64), BOTH, "кассир";
    CASHIER_INN = 1203, Str, Fixed(12), BOTH, "ИНН кассира";
    KKT_REG_NUMBER = 1037, Str, Fixed(20), BOTH, "регистрационный номер ККТ";
    AUTOMAT_NUMBER = 1036, Str, Max(20), BOTH, "номер автомата";
    PAYMENT_ADDRESS = 1009, Str, Max(256), BOTH, "адрес расчетов";
    PAYMENT_PLACE = 1187, Str, Max(256), BOTH, "место расчетов";
    BUYER_CONTACT = 1008, Str, Max(64), BOTH, "телефон или электронный адрес покупателя";
    ITEM = 1059, Stlv, Max(1024), BOTH, "предмет расчета";
    TOTAL = 1020, Vln, Max(6), BOTH, "сумма расчета, указанного в чеке (БСО)";
    CASH = 1031, Vln, Max(6), BOTH, "сумма по чеку (БСО) наличными";
    ELECTRONIC = 1081, Vln, Max(6), BOTH, "сумма по чеку (БСО) безналичными";
    PREPAID = 1215, Vln, Max(6), BOTH, "сумма по чеку (БСО) предоплатой (зачетом аванса и (или) предыдущих платежей)";
    CREDIT = 1216, Vln, Max(6), BOTH, "сумма по чеку (БСО) постоплатой (в кредит)";
    CONSIDERATION = 1217, Vln, Max(6), BOTH, "сумма по чеку (БСО) встречным предоставлением";
    VAT_20 = 1102, Vln, Max(6), BOTH, "сумма НДС чека по ставке 20%";
    VAT_10 = 1103, Vln, Max(6), BOTH, "сумма НДС чека по ставке 10%";
    SUM_VAT_0 = 1104, Vln, Max(6), BOTH, "сумма расчета по чеку с НДС по ставке 0%";
    SUM_NO_VAT = 1105, Vln, Max(6), BOTH, "сумма расчета по чеку без НДС";
    VAT_20_120 = 1106, Vln, Max(6), BOTH, "сумма НДС чека по расч. ставке 20/120";
    VAT_10_110 = 1107, Vln, Max(6), BOTH, "сумма НДС чека по расч. ставке 10/110";
    INTERNET_ONLY = 1108, Byte, Max(1), BOTH, "признак ККТ для расчетов только в Интернет";
    SENDER_EMAIL = 1117, Str, Max(64), BOTH, "адрес электронной почты отправителя чека";
    FNS_SITE = 1060, Str, Max(256), BOTH, "адрес сайта ФНС";
    ADDITIONAL_RECEIPT_PROP = 1192, Str, Max(16), BOTH, "дополнительный реквизит чека (БСО)";
    ADDITIONAL_USER_PROP = 1084, Stlv, Max(320), BOTH, "дополнительный реквизит пользователя";
    ADDITIONAL_USER_PROP_NAME = 1085, Str, Max(64), BOTH, "наименование дополнительного реквизита пользователя";
    ADDITIONAL_USER_PROP_VALUE = 1086, Str, Max(256), BOTH, "значение дополнительного реквизита пользователя";
    MARKS_CHECK_RESULT = 2107, Byte, Max(1), V12, "результаты проверки маркированных товаров";
    OPERATIONAL_PROP = 1270, Stlv, Max(144), V12, "операционный реквизит чека";
    OPERATIONAL_PROP_ID = 1271, Byte, Max(1), V12, "идентификатор операции";
    OPERATIONAL_PROP_DATA = 1272, Str, Max(64), V12, "данные операции";
    OPERATIONAL_PROP_TIME = 1273, UnixTime, Fixed(4), V12, "дата, время операции";
    SECTORAL_RECEIPT_PROP = 1261, Stlv, Max(317), V12, "отраслевой реквизит чека";
    FD_NUMBER = 1040, U32, Fixed(4), BOTH, "номер ФД";
    FN_NUMBER = 1041, Str, Fixed(16), BOTH, "номер ФН";
    FISCAL_SIGN = 1077, Bytes, Fixed(6), BOTH, "ФПД";
    // 1.05 allows agent data at receipt level; 1.2 only inside 1223/1224 of an item.
    AGENT_FLAGS = 1057, Byte, Max(1), V105, "признак агента";
    PAYING_AGENT_OPERATION = 1044, Str, Max(24), BOTH, "операция платежного агента";
    PAYING_AGENT_PHONE = 1073, Str, Max(19), BOTH, "телефон платежного агента";
    PAYMENT_OPERATOR_PHONE = 1074, Str, Max(19), BOTH, "телефон оператора по приему платежей";
    TRANSFER_OPERATOR_PHONE = 1075, Str, Max(19), BOTH, "телефон оператора перевода";
    TRANSFER_OPERATOR_NAME = 1026, Str, Max(64), BOTH, "наименование оператора перевода";
    TRANSFER_OPERATOR_ADDRESS = 1005, Str, Max(256), BOTH, "адрес оператора перевода";
    TRANSFER_OPERATOR_INN = 1016, Str, Fixed(12), BOTH, "ИНН оператора перевода";
    SUPPLIER_PHONE = 1171, Str, Max(19), BOTH, "телефон поставщика";

    // --- correction (form 31) ---
    CORRECTION_TYPE = 1173, Byte, Max(1), BOTH, "тип коррекции";
    CORRECTION_BASIS = 1174, Stlv, Max(292), BOTH, "основание для коррекции";
    CORRECTION_DESCRIPTION = 1177, Str, Max(256), LEGACY, "описание коррекции";
    CORRECTED_DATE = 1178, UnixTime, Fixed(4), BOTH, "дата совершения корректируемого расчета";
    PRESCRIPTION_NUMBER = 1179, Str, Max(32), BOTH, "номер предписания налогового органа";

    // --- item level (inside 1059) ---
    PAYMENT_METHOD = 1214, Byte, Max(1), BOTH, "признак способа расчета";
    PAYMENT_SUBJECT = 1212, Byte, Max(1), BOTH, "признак предмета расчета";
    ITEM_AGENT_FLAGS = 1222, Byte, Max(1), BOTH, "признак агента по предмету расчета";
    AGENT_DATA = 1223, Stlv, Max(512), BOTH, "данные агента";
    SUPPLIER_DATA = 1224, Stlv, Max(512), BOTH, "данные поставщика";
    SUPPLIER_NAME = 1225, Str, Max(256), BOTH, "наименование поставщика";
    SUPPLIER_INN = 1226, Str, Fixed(12), BOTH, "ИНН поставщика";
    ITEM_NAME = 1030, Str, Max(128), BOTH, "наименование предмета расчета";
    ITEM_UNIT = 1197, Str, Max(16), V105, "единица измерения предмета расчета";
    ITEM_MEASURE = 2108, Byte, Max(1), V12, "мера количества предмета расчета";
    PRODUCT_CODE = 1162, Bytes, Max(32), V105, "код товара";
    PRODUCT_CODE_12 = 1163, Stlv, Max(256), V12, "код товара";
    MARK_CONTROL_CODE = 2115, Str, Fixed(4), LEGACY, "контрольный код КМ";
    MARK_PROCESSING_MODE = 2102, Byte, Max(1), V12, "режим обработки кода маркировки";
    MARK_CHECK_RESULT = 2106, Byte, Max(1), V12, "результат проверки сведений о товаре";
    EXCISE = 1229, Vln, Max(6), BOTH, "акциз";
    COUNTRY_CODE = 1230, Str, Fixed(3), BOTH, "код страны происхождения товара";
    DECLARATION_NUMBER = 1231, Str, Max(32), BOTH, "номер декларации на товар";
    ITEM_PRICE = 1079, Vln, Max(6), BOTH, "цена за единицу предмета расчета с учетом скидок и наценок";
    ITEM_UNIT_VAT = 1198, Vln, Max(6), BOTH, "размер НДС за единицу предмета расчета";
    ITEM_QUANTITY = 1023, Fvln, Max(8), BOTH, "количество предмета расчета";
    FRACTIONAL_QUANTITY = 1291, Stlv, Max(52), V12, "дробное количество маркированного товара";
    FRACTION = 1292, Str, Max(24), V12, "дробная часть";
    NUMERATOR = 1293, Vln, Max(8), V12, "числитель";
    DENOMINATOR = 1294, Vln, Max(8), V12, "знаменатель";
    VAT_RATE = 1199, Byte, Max(1), BOTH, "ставка НДС";
    ITEM_VAT = 1200, Vln, Max(6), BOTH, "сумма НДС за предмет расчета";
    ITEM_SUM = 1043, Vln, Max(6), BOTH, "стоимость предмета расчета с учетом скидок и наценок";
    SECTORAL_ITEM_PROP = 1260, Stlv, Max(317), V12, "отраслевой реквизит предмета расчета";
    FOIV_ID = 1262, Str, Fixed(3), V12, "идентификатор ФОИВ";
    BASIS_DOC_DATE = 1263, Str, Fixed(10), V12, "дата документа основания";
    BASIS_DOC_NUMBER = 1264, Str, Max(32), V12, "номер документа основания";
    SECTORAL_VALUE = 1265, Str, Max(256), V12, "значение отраслевого реквизита";
    ITEM_EXTRA = 1191, Str, Max(64), BOTH, "дополнительный реквизит предмета расчета";

    // --- mark code kinds: exactly one of these inside 1163 (ФФД 1.2) ---
    KT_UNKNOWN = 1300, Str, Max(32), V12, "КТ Н";
    KT_EAN8 = 1301, Str, Fixed(8), V12, "КТ EAN-8";
    KT_EAN13 = 1302, Str, Fixed(13), V12, "КТ EAN-13";
    KT_ITF14 = 1303, Str, Fixed(14), V12, "КТ ITF-14";
    KT_GS1_0 = 1304, Str, Max(38), V12, "КТ GS1.0";
    KT_GS1_M = 1305, Str, Max(38), V12, "КТ GS1.М";
    KT_KMK = 1306, Str, Max(38), V12, "КТ КМК";
    KT_FUR = 1307, Str, Fixed(20), V12, "КТ МИ";
    KT_EGAIS_20 = 1308, Str, Fixed(23), V12, "КТ ЕГАИС-2.0";
    KT_EGAIS_30 = 1309, Str, Fixed(14), V12, "КТ ЕГАИС-3.0";
    KT_F1 = 1320, Str, Max(32), V12, "КТ Ф.1";
    KT_F2 = 1321, Str, Max(32), V12, "КТ Ф.2";
    KT_F3 = 1322, Str, Max(32), V12, "КТ Ф.3";
    KT_F4 = 1323, Str, Max(32), V12, "КТ Ф.4";
    KT_F5 = 1324, Str, Max(32), V12, "КТ Ф.5";
    KT_F6 = 1325, Str, Max(32), V12, "КТ Ф.6";

    // --- marking documents (81–84) and FN commands; not in a receipt, decoded for dumps ---
    MARK_CODE = 2000, Str, Max(256), LEGACY, "код маркировки";
    REQUEST_NUMBER = 2001, U32, Fixed(4), LEGACY, "номер запроса";
    PLANNED_STATUS = 2003, Byte, Max(1), LEGACY, "планируемый статус товара";
    MARK_CHECK_STATUS = 2004, Byte, Max(1), LEGACY, "результат проверки КМ";
    MARK_TYPE = 2100, Byte, Max(1), LEGACY, "тип кода маркировки";
    PRODUCT_ID = 2101, Str, Max(38), LEGACY, "идентификатор товара";
    ASSIGNED_STATUS = 2110, Byte, Max(1), LEGACY, "присвоенный статус товара";

    // --- from 01.09.2025 (ЕД-7-20/236@). Types are NOT confirmed by a public source,
    // so values are kept as raw bytes, the 1234/1235 containers too (STLV per one source [P]):
    // a wrong guess must not make a whole real document unreadable. ---
    TIME_ZONE = 1011, Bytes, Max(64), LEGACY, "часовая зона";
    INTERNET_PAYMENT = 1125, Bytes, Max(64), LEGACY, "признак расчета в сети «Интернет»";
    NON_CASH_PAYMENTS = 1234, Bytes, Max(1024), LEGACY, "сведения обо всех оплатах по чеку безналичными";
    NON_CASH_PAYMENT = 1235, Bytes, Max(1024), LEGACY, "сведения об оплате безналичными";
    NON_CASH_SUM = 1082, Bytes, Max(64), LEGACY, "сумма оплаты безналичными";
    NON_CASH_METHOD = 1236, Bytes, Max(64), LEGACY, "признак способа оплаты безналичными";
    NON_CASH_IDS = 1237, Bytes, Max(256), LEGACY, "идентификаторы безналичной оплаты";
    NON_CASH_EXTRA = 1238, Bytes, Max(256), LEGACY, "дополнительные сведения о безналичной оплате";
    RECEIPT_FD_NUMBER = 2040, Bytes, Max(64), LEGACY, "номер ФД кассового чека (кассового чека коррекции)";

    // --- requisites of the reports (forms 1, 11, 2, 21, 5, 6, 7), ЕД-7-20/662@, приложение 2:
    // ФФД 1.05 таблицы 15, 16, 18, 19, 30, 31, 32, 33 and 51–54; ФФД 1.2 таблицы 87, 88, 89–92,
    // 94, 95, 123, 124, 125. Types per таблица 2 of the same appendix (also listed, with max
    // lengths, by `yandex/ofd` `ofd/protocol.py`). Not part of a receipt: decoded, never built. ---
    AUTO_MODE = 1001, Byte, Max(1), LEGACY, "признак автоматического режима";
    OFFLINE_MODE = 1002, Byte, Max(1), LEGACY, "признак автономного режима";
    KKT_SERIAL = 1013, Str, Max(20), LEGACY, "заводской номер ККТ";
    OFD_INN = 1017, Str, Fixed(12), LEGACY, "ИНН ОФД";
    OFD_RESPONSE_CODE = 1022, Byte, Max(1), LEGACY, "код ответа ОФД";
    OFD_NAME = 1046, Str, Max(256), LEGACY, "наименование ОФД";
    FN_RESOURCE_EXHAUSTED = 1050, Byte, Max(1), LEGACY, "признак исчерпания ресурса ФН";
    FN_REPLACE_URGENTLY = 1051, Byte, Max(1), LEGACY, "признак необходимости срочной замены ФН";
    FN_MEMORY_FULL = 1052, Byte, Max(1), LEGACY, "признак заполнения памяти ФН";
    OFD_TIMEOUT = 1053, Byte, Max(1), LEGACY, "признак превышения времени ожидания ответа ОФД";
    ENCRYPTION = 1056, Byte, Max(1), LEGACY, "признак шифрования";
    TAX_SYSTEMS = 1062, Byte, Max(1), LEGACY, "системы налогообложения";
    OPERATOR_MESSAGE_FOR_FN = 1068, Stlv, Max(169), LEGACY, "сообщение оператора для ФН";
    OPERATOR_FISCAL_SIGN = 1078, Bytes, Max(18), LEGACY, "ФПО";
    UNSENT_DOCS = 1097, U32, Fixed(4), LEGACY, "количество непереданных ФД";
    FIRST_UNSENT_DATE = 1098, UnixTime, Fixed(4), LEGACY, "дата первого из непереданных ФД";
    REREGISTRATION_REASON = 1101, Byte, Max(1), LEGACY, "код причины перерегистрации";
    SERVICES = 1109, Byte, Max(1), LEGACY, "признак расчетов за услуги";
    BSO_AUTOMATED = 1110, Byte, Max(1), LEGACY, "признак АС БСО";
    SHIFT_DOC_COUNT = 1111, U32, Fixed(4), LEGACY, "общее количество ФД за смену";
    FIRST_UNSENT_NUMBER = 1116, U32, Fixed(4), LEGACY, "номер первого непереданного документа";
    SHIFT_RECEIPT_COUNT = 1118, U32, Fixed(4), LEGACY, "количество кассовых чеков (БСО) за смену";
    LOTTERY = 1126, Byte, Max(1), LEGACY, "признак проведения лотереи";
    COUNTERS_SALE = 1129, Stlv, Max(116), LEGACY, "счетчики операций «приход»";
    COUNTERS_SALE_RETURN = 1130, Stlv, Max(116), LEGACY, "счетчики операций «возврат прихода»";
    COUNTERS_BUY = 1131, Stlv, Max(116), LEGACY, "счетчики операций «расход»";
    COUNTERS_BUY_RETURN = 1132, Stlv, Max(116), LEGACY, "счетчики операций «возврат расхода»";
    COUNTERS_CORRECTION = 1133, Stlv, Max(216), LEGACY, "счетчики операций по чекам коррекции (БСО коррекции)";
    COUNT_ALL = 1134, U32, Fixed(4), LEGACY, "количество чеков (БСО) и чеков коррекции (БСО коррекции) со всеми признаками расчетов";
    COUNT_BY_OPERATION = 1135, U32, Fixed(4), LEGACY, "количество чеков (БСО) по признаку расчетов";
    TOTAL_CASH = 1136, Vln, Max(6), LEGACY, "итоговая сумма в чеках (БСО) наличными денежными средствами";
    TOTAL_ELECTRONIC = 1138, Vln, Max(6), LEGACY, "итоговая сумма в чеках (БСО) безналичными";
    TOTAL_VAT_20 = 1139, Vln, Max(6), LEGACY, "сумма НДС по ставке 20%";
    TOTAL_VAT_10 = 1140, Vln, Max(6), LEGACY, "сумма НДС по ставке 10%";
    TOTAL_VAT_20_120 = 1141, Vln, Max(6), LEGACY, "сумма НДС по расч. ставке 20/120";
    TOTAL_VAT_10_110 = 1142, Vln, Max(6), LEGACY, "сумма НДС по расч. ставке 10/110";
    TOTAL_SUM_VAT_0 = 1143, Vln, Max(6), LEGACY, "сумма расчетов с НДС по ставке 0%";
    COUNT_CORRECTION = 1144, U32, Fixed(4), LEGACY, "количество чеков коррекции (БСО коррекции) или непереданных чеков (БСО) и чеков коррекции (БСО коррекции)";
    COUNTERS_BY_SALE = 1145, Stlv, Max(100), LEGACY, "счетчики по признаку «приход»";
    COUNTERS_BY_BUY = 1146, Stlv, Max(100), LEGACY, "счетчики по признаку «расход»";
    FN_TOTALS = 1157, Stlv, Max(708), LEGACY, "счетчики итогов ФН";
    UNSENT_TOTALS = 1158, Stlv, Max(708), LEGACY, "счетчики итогов непереданных ФД";
    TOTAL_SUM_NO_VAT = 1183, Vln, Max(6), LEGACY, "сумма расчетов без НДС";
    KKT_VERSION = 1188, Str, Max(8), LEGACY, "версия ККТ";
    KKT_FFD_VERSION = 1189, Byte, Max(1), LEGACY, "версия ФФД ККТ";
    FN_FFD_VERSION = 1190, Byte, Max(1), LEGACY, "версия ФФД ФН";
    GAMBLING = 1193, Byte, Max(1), LEGACY, "признак проведения азартных игр";
    SHIFT_TOTALS = 1194, Stlv, Max(708), LEGACY, "счетчики итогов смены";
    TOTAL_SUM = 1201, Vln, Max(6), LEGACY, "общая итоговая сумма в чеках (БСО)";
    KKT_CHANGE_REASONS = 1205, U32, Fixed(4), LEGACY, "коды причин изменения сведений о ККТ";
    OPERATOR_MESSAGE = 1206, Byte, Max(1), LEGACY, "сообщение оператора";
    EXCISE_GOODS = 1207, Byte, Max(1), LEGACY, "признак торговли подакцизными товарами";
    RECEIPT_SITE = 1208, Str, Max(256), LEGACY, "сайт чеков";
    FP_KEY_RESOURCE = 1213, U16, Fixed(2), LEGACY, "ресурс ключей ФП";
    TOTAL_PREPAID = 1218, Vln, Max(6), LEGACY, "итоговая сумма в чеках (БСО) предоплатами (авансами)";
    TOTAL_CREDIT = 1219, Vln, Max(6), LEGACY, "итоговая сумма в чеках (БСО) постоплатами (кредитами)";
    TOTAL_CONSIDERATION = 1220, Vln, Max(6), LEGACY, "итоговая сумма в чеках (БСО) встречными предоставлениями";
    PRINTER_IN_AUTOMAT = 1221, Byte, Max(1), LEGACY, "признак установки принтера в автомате";
    COUNTERS_BY_SALE_RETURN = 1232, Stlv, Max(100), LEGACY, "счетчики по признаку «возврат прихода»";
    COUNTERS_BY_BUY_RETURN = 1233, Stlv, Max(100), LEGACY, "счетчики по признаку «возврат расхода»";
    REG_EXTRA_PROP = 1274, Str, Max(32), LEGACY, "дополнительный реквизит ОР";
    REG_EXTRA_DATA = 1275, Bytes, Max(32), LEGACY, "дополнительные данные ОР";
    SHIFT_OPEN_EXTRA_PROP = 1276, Str, Max(32), LEGACY, "дополнительный реквизит ООС";
    SHIFT_OPEN_EXTRA_DATA = 1277, Bytes, Max(32), LEGACY, "дополнительные данные ООС";
    SHIFT_CLOSE_EXTRA_PROP = 1278, Str, Max(32), LEGACY, "дополнительный реквизит ОЗС";
    SHIFT_CLOSE_EXTRA_DATA = 1279, Bytes, Max(32), LEGACY, "дополнительные данные ОЗС";
    STATE_EXTRA_PROP = 1280, Str, Max(32), LEGACY, "дополнительный реквизит ОТР";
    STATE_EXTRA_DATA = 1281, Bytes, Max(32), LEGACY, "дополнительные данные ОТР";
    FN_CLOSE_EXTRA_PROP = 1282, Str, Max(32), LEGACY, "дополнительный реквизит ОЗФН";
    FN_CLOSE_EXTRA_DATA = 1283, Bytes, Max(32), LEGACY, "дополнительные данные ОЗФН";
    KKT_USAGE = 1290, U32, Fixed(4), LEGACY, "признаки условий применения ККТ";
    UNSENT_NOTICES = 2104, U32, Fixed(4), LEGACY, "количество непереданных уведомлений";
    BAD_MARKS = 2112, Byte, Max(1), LEGACY, "признак некорректных кодов маркировки";
    BAD_MARK_REQUESTS = 2113, Byte, Max(1), LEGACY, "признак некорректных запросов и уведомлений";
}

/// The form codes of the fiscal documents (the outer tag of a document) that this crate reads,
/// ЕД-7-20/662@, приложение 2. `81`–`84` (the marking exchanges with the ОИСМ) are not listed:
/// their requisites are not in the dictionary yet.
pub const DOCUMENT_FORMS: &[Tag] = &[
    Tag::REGISTRATION_REPORT,
    Tag::REGISTRATION_CHANGE_REPORT,
    Tag::SHIFT_OPEN_REPORT,
    Tag::RECEIPT,
    Tag::CORRECTION_RECEIPT,
    Tag::BSO,
    Tag::BSO_CORRECTION,
    Tag::SHIFT_CLOSE_REPORT,
    Tag::FN_CLOSE_REPORT,
    Tag::OPERATOR_CONFIRMATION,
    Tag::STATE_REPORT,
];

impl Tag {
    /// Whether this tag is the form code of a fiscal document ([`DOCUMENT_FORMS`]): the outer
    /// TLV of a whole document, never a requisite inside one (requisites are numbered from 1000).
    pub fn is_document_form(self) -> bool {
        DOCUMENT_FORMS.contains(&self)
    }

    /// The Russian name of a known tag.
    pub fn name_ru(self) -> Option<&'static str> {
        self.info().map(|i| i.name_ru)
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.info() {
            Some(info) => write!(f, "{}({})", info.name, self.0),
            None => write!(f, "Tag({})", self.0),
        }
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl From<u16> for Tag {
    fn from(v: u16) -> Self {
        Tag(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn table_has_no_duplicate_numbers_and_every_row_resolves() {
        let mut seen = HashSet::new();
        for &t in ALL_TAGS {
            assert!(seen.insert(t.0), "duplicate tag {}", t.0);
            let info = t.info().expect("row resolves");
            assert_eq!(info.tag, t);
        }
    }

    #[test]
    fn row_shapes_are_consistent() {
        for &t in ALL_TAGS {
            let i = t.info().unwrap();
            match i.ty {
                ValueType::Byte => assert_eq!(i.len, Len::Max(1), "{t:?}"),
                ValueType::U32 | ValueType::UnixTime => assert_eq!(i.len, Len::Fixed(4), "{t:?}"),
                ValueType::Vln => assert!(i.len.max() <= 8, "{t:?}"),
                _ => {}
            }
        }
    }

    #[test]
    fn every_document_form_is_an_stlv_row_and_no_requisite_is_a_form() {
        for &f in DOCUMENT_FORMS {
            let i = f.info().expect("a form has a dictionary row");
            assert_eq!(i.ty, ValueType::Stlv, "{f:?}");
            assert!(f.0 < 1000 && f.is_document_form());
        }
        assert_eq!(DOCUMENT_FORMS.len(), 11);
        for &t in ALL_TAGS {
            assert_eq!(t.is_document_form(), t.0 < 1000, "{t:?}");
        }
    }

    #[test]
    fn debug_prints_name_or_number() {
        assert_eq!(format!("{:?}", Tag::ITEM), "ITEM(1059)");
        assert_eq!(format!("{:?}", Tag(9999)), "Tag(9999)");
        assert_eq!(Tag(1030).name_ru(), Some("наименование предмета расчета"));
    }
}
