//! The methods and properties of `AddIn.Fiskal.Fiskal`, each with its Russian and English name.
//!
//! The order of [`METHODS`] and [`PROPERTIES`] is the numbering the platform sees
//! (`FindMethod`, `GetMethodName`, `CallAsFunc`); new entries are only appended.

use addin1c::{name, CStr1C};
use fiskal_json::ApiError;
use serde_json::json;

use crate::abi::Arg;
use crate::addin::Fiskal;
use crate::args::Args;
use crate::stateful;

/// What runs a method: the object, the arguments → the result JSON or an error.
pub(crate) type Run = fn(&mut Fiskal, &Args<'_, '_>) -> Result<String, ApiError>;

/// One method of the object.
pub struct MethodInfo {
    /// The Russian name (alias 1, the name 1C code normally uses).
    pub name_ru: &'static str,
    /// The English name (alias 0).
    pub name_en: &'static str,
    /// How many parameters it takes (all strings unless the README says otherwise).
    pub params: usize,
    /// How many of them must be passed; the rest default to 0.
    pub required: usize,
    /// The names as the platform reads them (UTF-16, NUL-terminated).
    pub(crate) names_1c: (&'static CStr1C, &'static CStr1C),
    /// The implementation.
    pub(crate) run: Run,
}

impl std::fmt::Debug for MethodInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MethodInfo")
            .field("name_ru", &self.name_ru)
            .field("name_en", &self.name_en)
            .field("params", &self.params)
            .field("required", &self.required)
            .finish_non_exhaustive()
    }
}

/// One table entry: `method!("Русское", "English", params[, required], run)`.
macro_rules! method {
    ($ru:literal, $en:literal, $params:literal, $run:expr) => {
        method!($ru, $en, $params, $params, $run)
    };
    ($ru:literal, $en:literal, $params:literal, $required:literal, $run:expr) => {
        MethodInfo {
            name_ru: $ru,
            name_en: $en,
            params: $params,
            required: $required,
            names_1c: (name!($ru), name!($en)),
            run: $run,
        }
    };
}

/// Every method, in the platform's numbering.
pub static METHODS: &[MethodInfo] = &[
    method!("ПроверитьЧек", "ValidateReceipt", 1, |_, a| {
        fiskal_json::validate(&a.text(0)?)
    }),
    method!("Вычислить", "Compute", 1, |_, a| {
        fiskal_json::compute(&a.text(0)?)
    }),
    method!("РазбитьЧек", "SplitReceipt", 1, |_, a| {
        fiskal_json::split(&a.text(0)?)
    }),
    method!("ВТЛВ", "ToTlv", 1, |_, a| fiskal_json::to_tlv(
        &a.text(0)?
    )),
    method!("ИзТЛВ", "FromTlv", 1, from_tlv),
    method!("КодМаркировки", "EncodeMark", 1, |_, a| {
        fiskal_json::mark(&a.text(0)?)
    }),
    method!("QRКод", "QrString", 1, |_, a| fiskal_json::qr(
        &a.text(0)?
    )),
    method!("Выполнить", "Call", 2, |_, a| fiskal_json::call(
        &a.text(0)?,
        &a.text(1)?
    )),
    // ---- the provider client ----
    method!("СоздатьКлиента", "CreateClient", 1, stateful::create_client),
    method!("Отправить", "Submit", 2, 1, stateful::submit),
    method!("Статус", "Status", 2, 1, stateful::status),
    // ---- the outbox ----
    method!("ОткрытьОчередь", "OpenOutbox", 2, stateful::open_outbox),
    method!("ПоставитьВОчередь", "Enqueue", 1, stateful::enqueue),
    method!("СостояниеЧека", "EntryStatus", 1, stateful::entry_status),
    method!("ЗапуститьОбработку", "StartWorker", 0, stateful::start),
    method!("ОстановитьОбработку", "StopWorker", 0, stateful::stop),
    method!("СтатистикаОчереди", "OutboxStats", 0, stateful::stats),
    method!("СписокЧеков", "ListEntries", 1, stateful::list),
    method!("ИсторияЧека", "EntryAudit", 1, stateful::audit),
    method!("ОбработатьОчередь", "DrainOutbox", 1, stateful::drain),
    method!("Опросить", "Poke", 1, stateful::poke),
    method!("Сверить", "Reconcile", 1, stateful::reconcile),
    method!("ЗакрытьОчередь", "CloseOutbox", 0, stateful::close_outbox),
    method!("ПоставитьВОчередьСнова", "Requeue", 3, stateful::requeue),
    method!("Отменить", "Cancel", 3, stateful::cancel),
    method!("ОтметитьРешенным", "Resolve", 4, stateful::resolve),
];

/// `ИзТЛВ`: the `from_tlv` envelope as text, or the document itself as `ДвоичныеДанные`.
fn from_tlv(_: &mut Fiskal, a: &Args<'_, '_>) -> Result<String, ApiError> {
    if let Some(Arg::Blob(bytes)) = a.get(0) {
        if bytes.len() > fiskal_json::MAX_INPUT_LEN / 2 {
            return Err(ApiError::new(fiskal_json::Code::InputTooLarge));
        }
        return fiskal_json::from_tlv(
            &json!({"version": 1, "hex": hex::encode(bytes)}).to_string(),
        );
    }
    fiskal_json::from_tlv(&a.text(0)?)
}

/// A property's getter: the object → its value.
pub(crate) type Get = fn(&Fiskal) -> String;

/// One property of the object (all are read-only strings).
pub struct PropInfo {
    /// The Russian name (alias 1).
    pub name_ru: &'static str,
    /// The English name (alias 0).
    pub name_en: &'static str,
    /// The names as the platform reads them (UTF-16, NUL-terminated).
    pub(crate) names_1c: (&'static CStr1C, &'static CStr1C),
    /// The getter.
    pub(crate) get: Get,
}

impl std::fmt::Debug for PropInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PropInfo")
            .field("name_ru", &self.name_ru)
            .field("name_en", &self.name_en)
            .finish_non_exhaustive()
    }
}

/// Every property, in the platform's numbering.
pub static PROPERTIES: &[PropInfo] = &[
    PropInfo {
        name_ru: "Версия",
        name_en: "Version",
        names_1c: (name!("Версия"), name!("Version")),
        get: |_| env!("CARGO_PKG_VERSION").to_owned(),
    },
    PropInfo {
        name_ru: "ПоследняяОшибка",
        name_en: "LastError",
        names_1c: (name!("ПоследняяОшибка"), name!("LastError")),
        get: |f| f.last_error().to_owned(),
    },
];
