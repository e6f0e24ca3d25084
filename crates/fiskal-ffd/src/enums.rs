//! Wire enumerations of FFD (the value tables of Приказ ФНС ЕД-7-20/662@, приложение 2, e.g.
//! Таблица 8 for 1199, and its later editions) as newtypes that keep unknown values.
//!
//! Each type wraps the byte the fiscal drive stores. Known values are associated constants with a
//! stable JSON name (close to the names integrators know from ATOL Online) and the Russian
//! wording of the FNS table; a value this crate does not know is kept as a number, survives a
//! TLV round trip, and is reported by validation (`unknown_value`) only when a receipt is built.
//!
//! JSON: a known value is written as its name (`"vat20"`); an unknown one as its number. Input
//! accepts either the name or the FFD number.

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;

macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident($repr:ty), tag $tag:literal {
            $( $(#[$vmeta:meta])* $konst:ident = $val:literal, $json:literal, $ru:literal; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub $repr);

        impl $name {
            $(
                #[doc = concat!("`", stringify!($val), "` — ", $ru, " (JSON `\"", $json, "\"`).")]
                pub const $konst: $name = $name($val);
            )*

            /// Every known value, in table order.
            pub const KNOWN: &'static [$name] = &[ $( $name($val), )* ];

            /// The FFD tag this value belongs to.
            pub const TAG: crate::tag::Tag = crate::tag::Tag($tag);

            /// The JSON name of a known value.
            pub fn name(self) -> Option<&'static str> {
                match self.0 { $( $val => Some($json), )* _ => None }
            }

            /// The Russian wording of a known value (as in the FNS table).
            pub fn name_ru(self) -> Option<&'static str> {
                match self.0 { $( $val => Some($ru), )* _ => None }
            }

            /// Whether this crate knows the value.
            pub fn is_known(self) -> bool {
                self.name().is_some()
            }

            /// Looks a value up by its JSON name.
            pub fn from_name(s: &str) -> Option<$name> {
                match s { $( $json => Some($name($val)), )* _ => None }
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(n) => write!(f, "{}::{}({})", stringify!($name), n, self.0),
                    None => write!(f, "{}({})", stringify!($name), self.0),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "{}", self.0),
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self.name() {
                    Some(n) => s.serialize_str(n),
                    None => s.serialize_u64(u64::from(self.0)),
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str(concat!("a name (", $( "\"", $json, "\" ", )* ") or the FFD number of tag ", stringify!($tag)))
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$name, E> {
                        $name::from_name(v).ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
                    }
                    fn visit_u64<E: de::Error>(self, v: u64) -> Result<$name, E> {
                        <$repr>::try_from(v).map($name).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
                    }
                    fn visit_i64<E: de::Error>(self, v: i64) -> Result<$name, E> {
                        <$repr>::try_from(v).map($name).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
                    }
                }
                d.deserialize_any(V)
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({
                    "description": concat!("FFD tag ", stringify!($tag), ": a name or the FFD number."),
                    "oneOf": [
                        { "type": "string", "enum": [ $( $json, )* ] },
                        { "type": "integer", "minimum": 0, "maximum": <$repr>::MAX }
                    ]
                })
            }
        }
    };
}

wire_enum! {
    /// 1054 «признак расчета»: what kind of settlement the receipt records.
    Operation(u8), tag 1054 {
        SELL = 1, "sell", "приход";
        SELL_REFUND = 2, "sell_refund", "возврат прихода";
        BUY = 3, "buy", "расход";
        BUY_REFUND = 4, "buy_refund", "возврат расхода";
    }
}

wire_enum! {
    /// 1055 «применяемая система налогообложения» (one bit of the 1062 bitmask).
    TaxSystem(u8), tag 1055 {
        OSN = 1, "osn", "ОСН";
        USN_INCOME = 2, "usn_income", "УСН доход";
        USN_INCOME_OUTCOME = 4, "usn_income_outcome", "УСН доход минус расход";
        ENVD = 8, "envd", "ЕНВД";
        ESN = 16, "esn", "ЕСХН";
        PATENT = 32, "patent", "ПСН";
    }
}

wire_enum! {
    /// 1199 «ставка НДС» (Таблица 8), all twelve values incl. the 2025 and 2026 additions.
    VatRate(u8), tag 1199 {
        VAT20 = 1, "vat20", "ставка НДС 20%";
        VAT10 = 2, "vat10", "ставка НДС 10%";
        VAT120 = 3, "vat120", "ставка НДС расч. 20/120";
        VAT110 = 4, "vat110", "ставка НДС расч. 10/110";
        VAT0 = 5, "vat0", "ставка НДС 0%";
        NONE = 6, "none", "НДС не облагается";
        VAT5 = 7, "vat5", "ставка НДС 5%";
        VAT7 = 8, "vat7", "ставка НДС 7%";
        VAT105 = 9, "vat105", "ставка НДС расч. 5/105";
        VAT107 = 10, "vat107", "ставка НДС расч. 7/107";
        VAT22 = 11, "vat22", "ставка НДС 22%";
        VAT122 = 12, "vat122", "ставка НДС расч. 22/122";
    }
}

wire_enum! {
    /// 1214 «признак способа расчета».
    PaymentMethod(u8), tag 1214 {
        FULL_PREPAYMENT = 1, "full_prepayment", "предоплата 100%";
        PREPAYMENT = 2, "prepayment", "предоплата";
        ADVANCE = 3, "advance", "аванс";
        FULL_PAYMENT = 4, "full_payment", "полный расчет";
        PARTIAL_PAYMENT = 5, "partial_payment", "частичный расчет и кредит";
        CREDIT = 6, "credit", "передача в кредит";
        CREDIT_PAYMENT = 7, "credit_payment", "оплата кредита";
    }
}

wire_enum! {
    /// 1212 «признак предмета расчета» (1.05 and 1.2 value sets; 30–33 exist only in 1.2).
    PaymentSubject(u8), tag 1212 {
        COMMODITY = 1, "commodity", "товар";
        EXCISE = 2, "excise", "подакцизный товар";
        JOB = 3, "job", "работа";
        SERVICE = 4, "service", "услуга";
        GAMBLING_BET = 5, "gambling_bet", "ставка азартной игры";
        GAMBLING_PRIZE = 6, "gambling_prize", "выигрыш азартной игры";
        LOTTERY = 7, "lottery", "лотерейный билет";
        LOTTERY_PRIZE = 8, "lottery_prize", "выигрыш лотереи";
        INTELLECTUAL_ACTIVITY = 9, "intellectual_activity", "предоставление РИД";
        PAYMENT = 10, "payment", "платеж";
        AGENT_COMMISSION = 11, "agent_commission", "агентское вознаграждение";
        AWARD = 12, "award", "выплата (составной предмет расчета)";
        ANOTHER = 13, "another", "иной предмет расчета";
        PROPERTY_RIGHT = 14, "property_right", "имущественное право";
        NON_OPERATING_GAIN = 15, "non_operating_gain", "внереализационный доход";
        INSURANCE_PREMIUM = 16, "insurance_premium", "страховые взносы";
        SALES_TAX = 17, "sales_tax", "торговый сбор";
        RESORT_FEE = 18, "resort_fee", "курортный сбор";
        DEPOSIT = 19, "deposit", "залог";
        EXPENSE = 20, "expense", "расход";
        PENSION_INSURANCE_IP = 21, "pension_insurance_ip", "взносы на ОПС ИП";
        PENSION_INSURANCE = 22, "pension_insurance", "взносы на ОПС";
        MEDICAL_INSURANCE_IP = 23, "medical_insurance_ip", "взносы на ОМС ИП";
        MEDICAL_INSURANCE = 24, "medical_insurance", "взносы на ОМС";
        SOCIAL_INSURANCE = 25, "social_insurance", "взносы на ОСС";
        CASINO_PAYMENT = 26, "casino_payment", "платеж казино";
        CASH_WITHDRAWAL = 27, "cash_withdrawal", "выдача денежных средств";
        MARKED_EXCISE_WITHOUT_CODE = 30, "marked_excise_without_code", "АТНМ";
        MARKED_EXCISE = 31, "marked_excise", "АТМ";
        MARKED_WITHOUT_CODE = 32, "marked_without_code", "ТНМ";
        MARKED = 33, "marked", "ТМ";
    }
}

wire_enum! {
    /// 2108 «мера количества предмета расчета» (ФФД 1.2). 0 is «штуки» (ЕД-7-20/662@; ATOL's
    /// driver constant `LIBFPTR_IU_PIECE = 0` agrees).
    Measure(u8), tag 2108 {
        PIECE = 0, "piece", "шт. или ед.";
        GRAM = 10, "gram", "г";
        KILOGRAM = 11, "kilogram", "кг";
        TON = 12, "ton", "т";
        CENTIMETER = 20, "centimeter", "см";
        DECIMETER = 21, "decimeter", "дм";
        METER = 22, "meter", "м";
        SQUARE_CENTIMETER = 30, "square_centimeter", "кв. см";
        SQUARE_DECIMETER = 31, "square_decimeter", "кв. дм";
        SQUARE_METER = 32, "square_meter", "кв. м";
        MILLILITER = 40, "milliliter", "мл";
        LITER = 41, "liter", "л";
        CUBIC_METER = 42, "cubic_meter", "куб. м";
        KILOWATT_HOUR = 50, "kilowatt_hour", "кВт·ч";
        GIGACALORIE = 51, "gigacalorie", "Гкал";
        DAY = 70, "day", "сутки";
        HOUR = 71, "hour", "час";
        MINUTE = 72, "minute", "мин";
        SECOND = 73, "second", "с";
        KILOBYTE = 80, "kilobyte", "Кбайт";
        MEGABYTE = 81, "megabyte", "Мбайт";
        GIGABYTE = 82, "gigabyte", "Гбайт";
        TERABYTE = 83, "terabyte", "Тбайт";
        OTHER = 255, "other", "иные единицы";
    }
}

wire_enum! {
    /// 1222 «признак агента по предмету расчета» (a bitmask; an item normally has one bit).
    AgentType(u8), tag 1222 {
        BANK_PAYING_AGENT = 1, "bank_paying_agent", "банковский платежный агент";
        BANK_PAYING_SUBAGENT = 2, "bank_paying_subagent", "банковский платежный субагент";
        PAYING_AGENT = 4, "paying_agent", "платежный агент";
        PAYING_SUBAGENT = 8, "paying_subagent", "платежный субагент";
        ATTORNEY = 16, "attorney", "поверенный";
        COMMISSION_AGENT = 32, "commission_agent", "комиссионер";
        ANOTHER = 64, "another", "иной агент";
    }
}

wire_enum! {
    /// 2003 «планируемый статус товара» (goes to the marking request, not into the receipt TLV).
    PlannedStatus(u8), tag 2003 {
        PIECE_SOLD = 1, "piece_sold", "штучный товар реализован";
        MEASURED_SOLD = 2, "measured_sold", "мерный товар в стадии реализации";
        PIECE_RETURNED = 3, "piece_returned", "штучный товар возвращен";
        MEASURED_RETURNED = 4, "measured_returned", "часть товара (мерного) возвращена";
        UNCHANGED = 255, "unchanged", "статус товара не изменился";
    }
}

wire_enum! {
    /// 1173 «тип коррекции».
    CorrectionType(u8), tag 1173 {
        SELF_INITIATED = 0, "self", "самостоятельно";
        BY_PRESCRIPTION = 1, "instruction", "по предписанию";
    }
}

impl VatRate {
    /// The VAT fraction of a VAT-inclusive amount, as `(r, 100 + r)`: 20 % and 20/120 both give
    /// `(20, 120)`. `None` for 0 % and «без НДС», which carry no VAT sum (their item sums go to
    /// 1104 / 1105 instead).
    pub fn fraction(self) -> Option<(u64, u64)> {
        let r = match self {
            VatRate::VAT20 | VatRate::VAT120 => 20,
            VatRate::VAT10 | VatRate::VAT110 => 10,
            VatRate::VAT5 | VatRate::VAT105 => 5,
            VatRate::VAT7 | VatRate::VAT107 => 7,
            VatRate::VAT22 | VatRate::VAT122 => 22,
            _ => return None,
        };
        Some((r, 100 + r))
    }

    /// VAT included in `sum` kopecks: `sum × r / (100 + r)`, rounded to the kopeck by
    /// [`crate::money::Rounding::HalfUp`] (per item, then summed per rate: implementation
    /// practice, not a normative FNS text).
    /// Zero for 0 % and «без НДС»; `None` for unknown rates or overflow.
    pub fn vat_of(self, sum: u64) -> Option<u64> {
        if self == VatRate::VAT0 || self == VatRate::NONE {
            return Some(0);
        }
        let (r, d) = self.fraction()?;
        crate::money::Rounding::HalfUp.div(u128::from(sum) * u128::from(r), u128::from(d))
    }
}

/// The FFD version a document follows (tag 1209 «номер версии ФФД»).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
#[non_exhaustive]
pub enum FfdVersion {
    /// ФФД 1.05 (1209 = 2).
    V105,
    /// ФФД 1.2 (1209 = 4).
    V12,
}

impl FfdVersion {
    /// The value of tag 1209.
    pub fn code(self) -> u8 {
        match self {
            FfdVersion::V105 => 2,
            FfdVersion::V12 => 4,
        }
    }

    /// From the value of tag 1209 (`None` for 1.0 / 1.1 and unknown values).
    pub fn from_code(code: u8) -> Option<FfdVersion> {
        match code {
            2 => Some(FfdVersion::V105),
            4 => Some(FfdVersion::V12),
            _ => None,
        }
    }

    /// `"1.05"` or `"1.2"`.
    pub fn as_str(self) -> &'static str {
        match self {
            FfdVersion::V105 => "1.05",
            FfdVersion::V12 => "1.2",
        }
    }
}

impl fmt::Display for FfdVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for FfdVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for FfdVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Cow::<'de, str>::deserialize(d)?;
        match &*s {
            "1.05" => Ok(FfdVersion::V105),
            "1.2" => Ok(FfdVersion::V12),
            other => Err(de::Error::invalid_value(
                de::Unexpected::Str(other),
                &"\"1.05\" or \"1.2\"",
            )),
        }
    }
}

impl JsonSchema for FfdVersion {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("FfdVersion")
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "description": "ФФД version (tag 1209).", "type": "string", "enum": ["1.05", "1.2"] })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers_round_trip_for_every_known_value() {
        fn check<T>(known: &[T])
        where
            T: Serialize + for<'a> Deserialize<'a> + PartialEq + fmt::Debug + Copy,
        {
            for v in known {
                let json = serde_json::to_string(v).unwrap();
                assert!(json.starts_with('"'), "{v:?} serialises as a name");
                let back: T = serde_json::from_str(&json).unwrap();
                assert_eq!(&back, v);
            }
        }
        check(Operation::KNOWN);
        check(TaxSystem::KNOWN);
        check(VatRate::KNOWN);
        check(PaymentMethod::KNOWN);
        check(PaymentSubject::KNOWN);
        check(Measure::KNOWN);
        check(AgentType::KNOWN);
        check(PlannedStatus::KNOWN);
        check(CorrectionType::KNOWN);
        assert_eq!(VatRate::KNOWN.len(), 12);
    }

    #[test]
    fn unknown_values_survive() {
        let v: VatRate = serde_json::from_str("13").unwrap();
        assert_eq!(v, VatRate(13));
        assert!(!v.is_known());
        assert_eq!(serde_json::to_string(&v).unwrap(), "13");
        assert_eq!(format!("{v:?}"), "VatRate(13)");
        assert_eq!(format!("{:?}", VatRate::VAT22), "VatRate::vat22(11)");
        assert!(serde_json::from_str::<VatRate>("\"vat18\"").is_err());
        assert!(serde_json::from_str::<VatRate>("300").is_err());
    }

    #[test]
    fn vat_table_half_up() {
        // (rate, sum kopecks, expected VAT kopecks); half-up at exactly .5.
        let rows = [
            (VatRate::VAT20, 199_900, 33_317), // 1999.00 × 20/120 = 333.1666…
            (VatRate::VAT120, 199_900, 33_317),
            (VatRate::VAT10, 11_000, 1_000),
            (VatRate::VAT110, 1_155, 105), // 11.55 × 10/110 = 1.05
            (VatRate::VAT5, 10_500, 500),
            (VatRate::VAT105, 1, 0),
            (VatRate::VAT7, 10_700, 700),
            (VatRate::VAT107, 107, 7),
            (VatRate::VAT22, 12_200, 2_200),
            (VatRate::VAT122, 61, 11), // 0.61 × 22/122 = 0.11
            (VatRate::VAT20, 3, 1),    // 0.03 × 1/6 = 0.005 -> 0.01 (half-up)
            (VatRate::VAT0, 12_345, 0),
            (VatRate::NONE, 12_345, 0),
        ];
        for (rate, sum, vat) in rows {
            assert_eq!(rate.vat_of(sum), Some(vat), "{rate:?} of {sum}");
        }
        assert_eq!(VatRate(99).vat_of(100), None);
    }
}
