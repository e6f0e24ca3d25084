//! TLV → readable JSON with Russian tag names, for fiscal-drive and ОФД exports.
//!
//! Reads every document form of the tag dictionary ([`crate::tag::DOCUMENT_FORMS`]: reports 1,
//! 11, 2, 21, 5, 6, operator confirmation 7, receipts 3, 31, БСО 4, 41) and bare requisite lists
//! ([`dump_list`]): the dictionary gives each requisite its name and type, so a form needs no
//! code of its own.
//!
//! Each requisite becomes `{"tag": 1030, "name": "наименование предмета расчета", "value": …}`.
//! Values: money (6-byte VLN requisites, all of which are amounts) as roubles `"1999.00"`, other
//! VLNs as integers, FVLN as a decimal string, UnixTime as local `"2026-01-05T12:30:00"`, text
//! decoded from CP866 (fixed-length padding kept: this is a dump of the bytes), bytes as hex,
//! STLVs as arrays. Known enumerations get a `"meaning"` in Russian. Unknown tags have no name
//! and a hex value.

use crate::datetime::LocalDateTime;
use crate::enums::*;
use crate::money::{Money, Quantity};
use crate::tag::{Len, Tag, ValueType};
use crate::tlv::{Tlv, Value};
use serde_json::{json, Map, Value as J};

fn meaning(tag: Tag, v: u8) -> Option<&'static str> {
    match tag {
        Tag::OPERATION => Operation(v).name_ru(),
        Tag::TAX_SYSTEM => TaxSystem(v).name_ru(),
        Tag::VAT_RATE => VatRate(v).name_ru(),
        Tag::PAYMENT_METHOD => PaymentMethod(v).name_ru(),
        Tag::PAYMENT_SUBJECT => PaymentSubject(v).name_ru(),
        Tag::ITEM_MEASURE => Measure(v).name_ru(),
        Tag::ITEM_AGENT_FLAGS => AgentType(v).name_ru(),
        Tag::CORRECTION_TYPE => CorrectionType(v).name_ru(),
        Tag::PLANNED_STATUS => PlannedStatus(v).name_ru(),
        Tag::FFD_VERSION | Tag::KKT_FFD_VERSION | Tag::FN_FFD_VERSION => {
            FfdVersion::from_code(v).map(FfdVersion::as_str)
        }
        _ => None,
    }
}

/// One requisite as readable JSON.
pub fn dump(t: &Tlv) -> J {
    let mut m = Map::new();
    m.insert("tag".into(), json!(t.tag.0));
    if let Some(info) = t.tag.info() {
        m.insert("name".into(), json!(info.name_ru));
    }
    let is_money = t
        .tag
        .info()
        .is_some_and(|i| i.ty == ValueType::Vln && i.len == Len::Max(6));
    let value = match &t.value {
        Value::Byte(b) => {
            if let Some(text) = meaning(t.tag, *b) {
                m.insert("meaning".into(), json!(text));
            }
            json!(b)
        }
        Value::U16(v) => json!(v),
        Value::U32(v) => json!(v),
        Value::UnixTime(v) => json!(LocalDateTime::from_unix(*v).to_string()),
        Value::Vln(v) if is_money => json!(Money::from_kopecks(*v).to_string()),
        Value::Vln(v) => json!(v),
        Value::Fvln(f) => match Quantity::from_fvln(*f) {
            Some(q) => json!(q.to_string()),
            None => json!({"scale": f.scale, "mantissa": f.mantissa}),
        },
        Value::Str(_) => json!(t.value.as_text()),
        Value::Bytes(b) => json!(hex::encode_upper(b)),
        Value::Stlv(children) => J::Array(children.iter().map(dump).collect()),
    };
    m.insert("value".into(), value);
    J::Object(m)
}

/// A whole document (or any requisite) as pretty-printed readable JSON.
pub fn dump_pretty(t: &Tlv) -> String {
    serde_json::to_string_pretty(&dump(t)).unwrap_or_default()
}

/// A bare requisite list (requisites without the form envelope) as a readable JSON array.
pub fn dump_list(list: &[Tlv]) -> J {
    J::Array(list.iter().map(dump).collect())
}
