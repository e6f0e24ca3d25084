//! Result codes: one number per failure, grouped by layer, never reused.
//!
//! | range | layer | notes |
//! |---|---|---|
//! | 0 | success | |
//! | 100–199 | arguments and the ABI itself | NULL, UTF-8, JSON shape, size, panic, version, buffers, a part left out of this build (110) |
//! | 2000 | the receipt breaks FFD rules | `details` lists every violation, each with its own 2001–2034 number ([`fiskal_ffd::ViolationKind::number`]) |
//! | 3000–3999 | fiskal-calc | one number per [`fiskal_calc::CalcError`] variant |
//! | 4000–4999 | fiskal-marks | one number per [`fiskal_marks::MarkError`] variant |
//! | 5000–5999 | TLV decoding | one number per [`fiskal_ffd::DecodeErrorKind`]; 51xx: well-formed TLV that is not a receipt |
//! | 6000–6999 | provider clients | one number per `fiskal_providers::ProviderError` variant, 6006 a timeout before sending; a provider's *answer* is never an error but an Outcome |
//! | 7000–7999 | the outbox | one number per `fiskal_outbox::OutboxError` variant |
//!
//! 2001–2034 are *violation* numbers: they appear inside the details of a 2000 error, never as
//! a result code of their own. Retired numbers stay listed here as comments so they are never
//! reused (none yet).

use serde::{Serialize, Serializer};

/// Gives every [`Code`] its snake_case name and English and Russian texts, from one table.
macro_rules! code_table {
    ($( $variant:ident, $name:literal, $en:literal, $ru:literal; )*) => {
        impl Code {
            /// Every code, in numeric order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// A stable snake_case name (`receipt_invalid`, `mark_bad_check_digit`).
            pub fn name(self) -> &'static str {
                match self { $( Code::$variant => $name, )* }
            }

            /// A short generic description in English (the error itself says more).
            pub fn message_en(self) -> &'static str {
                match self { $( Code::$variant => $en, )* }
            }

            /// A short generic description in Russian.
            pub fn message_ru(self) -> &'static str {
                match self { $( Code::$variant => $ru, )* }
            }
        }
    };
}

/// A result code: what went wrong, as a stable number (the C type `fiskal_result`).
///
/// The numbers are explicit and never reused; new codes only get new numbers. Values coming
/// from C are converted with [`Code::from_u32`], never transmuted. Written out literally (not
/// by a macro) so that cbindgen sees it; the table below gives every variant its name and
/// messages, and its `match`es are exhaustive, so a variant without a row does not compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
#[non_exhaustive]
pub enum Code {
    /// Success.
    Ok = 0,

    // ---- 1xx: arguments and the ABI ----
    /// A required pointer argument was NULL.
    NullParameter = 100,
    /// The input bytes are not valid UTF-8.
    InvalidUtf8 = 101,
    /// The input is not JSON, or a field has the wrong type, an unknown name or an impossible value.
    InvalidJson = 102,
    /// The input is larger than [`crate::MAX_INPUT_LEN`].
    InputTooLarge = 103,
    /// A bug in the library: a panic was caught at the boundary.
    Panic = 104,
    /// The input's `"version"` is not one this library reads.
    UnsupportedVersion = 105,
    /// A caller-supplied buffer is too small.
    BufferTooSmall = 106,
    /// An argument is well-formed JSON but its value is not acceptable (bad hex, both of two
    /// exclusive fields, an unknown option value).
    InvalidArgument = 107,
    /// [`crate::call`] got an operation name it does not know.
    UnknownOperation = 108,
    /// A handle that can be consumed once (a builder) was used again.
    AlreadyUsed = 109,
    /// The function belongs to a part this build of the library leaves out (a cargo feature
    /// turned off, e.g. the outbox of a C library built with `--no-default-features`);
    /// `details.feature` names the feature that provides it.
    FeatureDisabled = 110,
    /// An error the library did not expect (a new error kind of a core crate); please report it.
    Internal = 199,

    // ---- 2000: receipt validation ----
    /// The receipt breaks FFD rules; `details` lists every violation.
    ReceiptInvalid = 2000,

    // ---- 3xxx: fiskal-calc ----
    /// A calculation error of a kind this version does not know (a newer fiskal-calc).
    CalcOther = 3000,
    /// An amount that cannot be whole kopecks.
    CalcMoney = 3001,
    /// Arithmetic overflow.
    CalcOverflow = 3002,
    /// A quantity that is zero or negative.
    CalcQuantityNotPositive = 3003,
    /// A quantity with too many decimals.
    CalcQuantityScale = 3004,
    /// An unknown VAT rate code.
    CalcUnknownVatRate = 3005,
    /// A percentage that is negative or not a number.
    CalcBadPercent = 3006,
    /// A discount larger than the eligible sum.
    CalcDiscountTooLarge = 3007,
    /// A target total below the excluded items' sum.
    CalcTargetBelowExcluded = 3008,
    /// Nothing to spread a non-zero adjustment over.
    CalcNothingEligible = 3009,
    /// The total would be zero.
    CalcZeroTotal = 3010,
    /// An item index out of range.
    CalcIndexOutOfRange = 3011,
    /// A line whose sum no whole-kopeck price gives.
    CalcLineUnpriceable = 3012,
    /// A marked line that would have to be split.
    CalcMarkedLineSplit = 3013,
    /// Payments do not add up.
    CalcPaymentsMismatch = 3014,
    /// The receipt header alone exceeds the size budget.
    CalcHeaderTooLarge = 3015,
    /// One item cannot fit the size budget.
    CalcItemTooLarge = 3016,
    /// A provider limit that cannot be met.
    CalcProviderLimit = 3017,
    /// The receipt could not be encoded to be measured.
    CalcEncode = 3018,
    /// The receipt is not of the kind the operation expects.
    CalcWrongKind = 3020,
    /// Prepaid more than the settlement total.
    CalcPrepaidExceedsTotal = 3021,
    /// A refund of more than the line holds.
    CalcRefundQuantity = 3022,
    /// A date that does not exist.
    CalcInvalidDate = 3023,
    // 3019 is deliberately unused: fiskal-calc's `Invalid` (a receipt that breaks FFD rules)
    // is reported as 2000 with its violations, like every other invalid receipt.

    // ---- 4xxx: fiskal-marks ----
    /// A mark error of a kind this version does not know (a newer fiskal-marks).
    MarkOther = 4000,
    /// Nothing left of the code.
    MarkEmpty = 4001,
    /// The code is too long.
    MarkTooLong = 4002,
    /// A character that cannot appear at its place.
    MarkUnexpectedChar = 4003,
    /// Scanned with the Russian keyboard layout.
    MarkRussianKeyboardLayout = 4004,
    /// A GS1 check digit mismatch.
    MarkBadCheckDigit = 4005,
    /// The code ends too early.
    MarkTruncated = 4006,
    /// An unknown GS1 application identifier.
    MarkUnknownAi = 4007,
    /// A repeated application identifier.
    MarkDuplicateAi = 4008,
    /// A required application identifier is missing.
    MarkMissingAi = 4009,
    /// An element value of a wrong length.
    MarkBadLength = 4010,
    /// A missing GS separator that could not be recovered.
    MarkMissingSeparator = 4011,
    /// A missing GS separator with more than one possible layout.
    MarkAmbiguousSeparator = 4012,
    /// No known code format.
    MarkUnrecognizedFormat = 4013,
    /// The code cannot be written in the requested form.
    MarkNotEncodable = 4014,

    // ---- 5xxx: TLV decoding ----
    /// A decode error of a kind this version does not know (a newer fiskal-ffd).
    TlvOther = 5000,
    /// Fewer than 4 bytes left for a header.
    TlvTruncatedHeader = 5001,
    /// A length past the end of the input.
    TlvLengthPastEnd = 5002,
    /// A fixed-width value of another width.
    TlvWrongWidth = 5003,
    /// A VLN wider than its tag allows.
    TlvVlnTooWide = 5004,
    /// An empty or too long FVLN.
    TlvBadFvln = 5005,
    /// Nesting too deep.
    TlvTooDeep = 5006,
    /// Bytes after the document.
    TlvTrailingData = 5007,
    /// A reader used after it failed.
    TlvTainted = 5008,
    /// Well-formed TLV that is not a receipt this library reads.
    TlvNotAReceipt = 5100,
    /// A value longer than a TLV length can say (65 535 bytes).
    TlvValueTooLong = 5101,
    // ---- 6xxx: provider clients ----
    /// A provider error of a kind this version does not know (a newer fiskal-providers).
    ProviderOther = 6000,
    /// The provider cannot carry this receipt (a VAT rate, an operation or a value it has no
    /// field for); `path` names the receipt field.
    ProviderUnsupported = 6001,
    /// The receipt is invalid for the provider; `details` lists the violations (as for 2000).
    ProviderInvalidReceipt = 6002,
    /// A provider setting is missing or wrong; `path` names the settings field.
    ProviderConfig = 6003,
    /// A provider message handed in by the caller is malformed.
    ProviderMalformed = 6004,
    /// The HTTPS client cannot be set up (roots, client certificate, key).
    ProviderTls = 6005,
    /// The call timed out before anything was sent, or the I/O runtime is unavailable.
    ProviderTimeout = 6006,

    // ---- 7xxx: the outbox ----
    /// An outbox error of a kind this version does not know (a newer fiskal-outbox).
    OutboxOther = 7000,
    /// The idempotency key is empty, too long or has characters a provider may refuse.
    OutboxInvalidKey = 7001,
    /// The key is already enqueued with a different receipt.
    OutboxKeyConflict = 7002,
    /// No entry has this key.
    OutboxNotFound = 7003,
    /// The state table does not allow this event in this state.
    OutboxInvalidTransition = 7004,
    /// The event is not allowed for this entry.
    OutboxNotAllowed = 7005,
    /// No route of this name is configured.
    OutboxUnknownRoute = 7006,
    /// The outbox settings are wrong; `path` names the field when known.
    OutboxInvalidConfig = 7007,
    /// The receipt breaks FFD rules and was not stored; `details` lists every violation (as
    /// for 2000).
    OutboxInvalidReceipt = 7008,
    /// A provider outcome this version of the outbox does not know.
    OutboxUnknownOutcome = 7009,
    /// The entry changed concurrently.
    OutboxConflict = 7010,
    /// The journal cannot be written (read-only file or file system).
    OutboxReadOnly = 7011,
    /// The disk (or the journal's size cap) is full; nothing was stored.
    OutboxDiskFull = 7012,
    /// The journal file cannot be opened or created.
    OutboxOpen = 7013,
    /// The journal stayed locked by another connection for longer than the busy timeout.
    OutboxBusy = 7014,
    /// The journal was written by a newer version of fiskal.
    OutboxSchemaTooNew = 7015,
    /// A stored row cannot be read back.
    OutboxCorrupt = 7016,
    /// Any other database error.
    OutboxDatabase = 7017,
    /// A lock inside the outbox was poisoned by a panicking thread.
    OutboxPoisoned = 7018,
    /// An operator action (requeue, cancel) that the entry's state does not allow; the message
    /// says what to do instead, `details` has `action` and `state`.
    OutboxActionNotAllowed = 7019,
    /// The journal's database server cannot be reached or refuses connections (PostgreSQL:
    /// down, restarting, in recovery, too many connections); nothing was done, retry later.
    OutboxUnavailable = 7020,
    /// The connection to the journal's database server broke during the call: nothing was
    /// stored unless the loss came while the commit was in flight; every call is safe to repeat.
    OutboxConnectionLost = 7021,
}

code_table! {
    Ok, "ok", "success", "успешно";
    // ---- 1xx: arguments and the ABI ----
    NullParameter, "null_parameter", "a required pointer argument is NULL", "обязательный указатель равен NULL";
    InvalidUtf8, "invalid_utf8", "the input is not valid UTF-8", "входные данные не в кодировке UTF-8";
    InvalidJson, "invalid_json", "the input is not valid JSON of the expected shape", "входные данные не являются JSON нужного вида";
    InputTooLarge, "input_too_large", "the input is too large", "входные данные слишком велики";
    Panic, "panic", "internal error (a panic was caught); please report it", "внутренняя ошибка (перехвачена паника); сообщите о ней";
    UnsupportedVersion, "unsupported_version", "unsupported input format version", "версия формата входных данных не поддерживается";
    BufferTooSmall, "buffer_too_small", "the buffer is too small", "буфер слишком мал";
    InvalidArgument, "invalid_argument", "an argument has an invalid value", "недопустимое значение аргумента";
    UnknownOperation, "unknown_operation", "unknown operation", "неизвестная операция";
    AlreadyUsed, "already_used", "the object was already used", "объект уже использован";
    FeatureDisabled, "feature_disabled", "this build of the library leaves the function out (a cargo feature is off)", "в этой сборке библиотеки этой функции нет (отключена при сборке)";
    Internal, "internal", "internal error", "внутренняя ошибка";
    // ---- 2000: receipt validation ----
    ReceiptInvalid, "receipt_invalid", "the receipt is invalid", "чек не прошёл проверку";
    // ---- 3xxx: fiskal-calc ----
    CalcOther, "calc_other", "calculation error", "ошибка расчёта";
    CalcMoney, "calc_money", "an amount is not valid money", "сумма не является допустимой денежной суммой";
    CalcOverflow, "calc_overflow", "arithmetic overflow", "переполнение при расчёте";
    CalcQuantityNotPositive, "calc_quantity_not_positive", "the quantity must be positive", "количество должно быть больше нуля";
    CalcQuantityScale, "calc_quantity_scale", "the quantity has too many decimals", "слишком много знаков после запятой в количестве";
    CalcUnknownVatRate, "calc_unknown_vat_rate", "unknown VAT rate", "неизвестная ставка НДС";
    CalcBadPercent, "calc_bad_percent", "invalid percentage", "недопустимый процент";
    CalcDiscountTooLarge, "calc_discount_too_large", "the discount exceeds the eligible sum", "скидка больше суммы позиций, к которым она применяется";
    CalcTargetBelowExcluded, "calc_target_below_excluded", "the target total is below the sum of the excluded items", "целевой итог меньше суммы исключённых позиций";
    CalcNothingEligible, "calc_nothing_eligible", "no item can take the adjustment", "нет позиций, к которым можно применить скидку или наценку";
    CalcZeroTotal, "calc_zero_total", "the total would be zero", "итог чека был бы нулевым";
    CalcIndexOutOfRange, "calc_index_out_of_range", "item index out of range", "номер позиции вне диапазона";
    CalcLineUnpriceable, "calc_line_unpriceable", "no whole-kopeck price gives the line sum", "нет цены в целых копейках, дающей сумму позиции";
    CalcMarkedLineSplit, "calc_marked_line_split", "a marked line cannot be split", "маркированную позицию нельзя разделить";
    CalcPaymentsMismatch, "calc_payments_mismatch", "the payments do not add up to the total", "сумма оплат не равна итогу";
    CalcHeaderTooLarge, "calc_header_too_large", "the receipt header alone exceeds the size budget", "заголовок чека сам по себе превышает допустимый размер";
    CalcItemTooLarge, "calc_item_too_large", "an item does not fit the size budget even alone", "позиция не помещается в допустимый размер даже одна";
    CalcProviderLimit, "calc_provider_limit", "a provider limit cannot be met", "ограничение провайдера не может быть соблюдено";
    CalcEncode, "calc_encode", "the receipt cannot be encoded", "чек не удаётся закодировать";
    CalcWrongKind, "calc_wrong_kind", "the receipt is not of the expected kind", "чек не того вида";
    CalcPrepaidExceedsTotal, "calc_prepaid_exceeds_total", "the prepayment exceeds the settlement total", "предоплата больше итога расчёта";
    CalcRefundQuantity, "calc_refund_quantity", "the refund quantity exceeds the line", "возвращаемое количество больше, чем в позиции";
    CalcInvalidDate, "calc_invalid_date", "invalid date", "недопустимая дата";
    // ---- 4xxx: fiskal-marks ----
    MarkOther, "mark_other", "the mark code cannot be read", "код маркировки не распознан";
    MarkEmpty, "mark_empty", "the mark code is empty", "код маркировки пуст";
    MarkTooLong, "mark_too_long", "the mark code is too long", "код маркировки слишком длинный";
    MarkUnexpectedChar, "mark_unexpected_char", "unexpected character in the mark code", "недопустимый символ в коде маркировки";
    MarkRussianKeyboardLayout, "mark_russian_keyboard_layout", "the mark code was scanned with the Russian keyboard layout", "код маркировки отсканирован в русской раскладке клавиатуры";
    MarkBadCheckDigit, "mark_bad_check_digit", "bad check digit in the mark code", "неверная контрольная цифра в коде маркировки";
    MarkTruncated, "mark_truncated", "the mark code is truncated", "код маркировки обрезан";
    MarkUnknownAi, "mark_unknown_ai", "unknown GS1 application identifier", "неизвестный идентификатор применения GS1";
    MarkDuplicateAi, "mark_duplicate_ai", "repeated GS1 application identifier", "повторяющийся идентификатор применения GS1";
    MarkMissingAi, "mark_missing_ai", "a required GS1 application identifier is missing", "нет обязательного идентификатора применения GS1";
    MarkBadLength, "mark_bad_length", "a GS1 element has a wrong length", "элемент GS1 неверной длины";
    MarkMissingSeparator, "mark_missing_separator", "a GS separator is missing", "нет разделителя GS";
    MarkAmbiguousSeparator, "mark_ambiguous_separator", "a GS separator is missing and the layout is ambiguous", "нет разделителя GS, и структура кода неоднозначна";
    MarkUnrecognizedFormat, "mark_unrecognized_format", "unrecognised mark code format", "формат кода маркировки не распознан";
    MarkNotEncodable, "mark_not_encodable", "the mark code cannot be encoded in this form", "код маркировки нельзя записать в этом виде";
    // ---- 5xxx: TLV decoding ----
    TlvOther, "tlv_other", "the TLV cannot be decoded", "TLV не удаётся разобрать";
    TlvTruncatedHeader, "tlv_truncated_header", "TLV header truncated", "заголовок TLV обрезан";
    TlvLengthPastEnd, "tlv_length_past_end", "a TLV length runs past the end", "длина TLV выходит за конец данных";
    TlvWrongWidth, "tlv_wrong_width", "a fixed-width TLV value has a wrong length", "значение фиксированной длины имеет неверную длину";
    TlvVlnTooWide, "tlv_vln_too_wide", "a VLN is too wide", "значение VLN слишком длинное";
    TlvBadFvln, "tlv_bad_fvln", "a malformed FVLN", "неверное значение FVLN";
    TlvTooDeep, "tlv_too_deep", "STLV nesting too deep", "слишком глубокая вложенность STLV";
    TlvTrailingData, "tlv_trailing_data", "bytes after the TLV document", "лишние байты после документа TLV";
    TlvTainted, "tlv_tainted", "the TLV reader already failed", "чтение TLV уже завершилось ошибкой";
    TlvNotAReceipt, "tlv_not_a_receipt", "the TLV document is not a receipt this library reads", "документ TLV не является читаемым чеком";
    TlvValueTooLong, "tlv_value_too_long", "a value is too long for a TLV", "значение слишком длинное для TLV";
    // ---- 6xxx: provider clients ----
    ProviderOther, "provider_other", "provider client error", "ошибка клиента кассового сервиса";
    ProviderUnsupported, "provider_unsupported", "the provider cannot carry this receipt", "кассовый сервис не может передать этот чек";
    ProviderInvalidReceipt, "provider_invalid_receipt", "the receipt is invalid for the provider", "чек недопустим для кассового сервиса";
    ProviderConfig, "provider_config", "a provider setting is missing or wrong", "настройка кассового сервиса отсутствует или неверна";
    ProviderMalformed, "provider_malformed", "a provider message is malformed", "сообщение кассового сервиса имеет неверный вид";
    ProviderTls, "provider_tls", "the HTTPS client cannot be set up", "не удаётся настроить HTTPS-клиент";
    ProviderTimeout, "provider_timeout", "timed out before sending, or the I/O runtime is unavailable", "время истекло до отправки, или поток ввода-вывода недоступен";
    // ---- 7xxx: the outbox ----
    OutboxOther, "outbox_other", "outbox error", "ошибка очереди чеков";
    OutboxInvalidKey, "outbox_invalid_key", "invalid idempotency key", "недопустимый ключ идемпотентности";
    OutboxKeyConflict, "outbox_key_conflict", "the key is already enqueued with a different receipt", "ключ уже поставлен в очередь с другим чеком";
    OutboxNotFound, "outbox_not_found", "no entry with this key", "нет записи с таким ключом";
    OutboxInvalidTransition, "outbox_invalid_transition", "the event is not allowed in this state", "событие недопустимо в этом состоянии";
    OutboxNotAllowed, "outbox_not_allowed", "the event is not allowed for this entry", "событие недопустимо для этой записи";
    OutboxUnknownRoute, "outbox_unknown_route", "no route of this name is configured", "маршрут с таким именем не настроен";
    OutboxInvalidConfig, "outbox_invalid_config", "invalid outbox settings", "неверные настройки очереди чеков";
    OutboxInvalidReceipt, "outbox_invalid_receipt", "the receipt is invalid and was not stored", "чек не прошёл проверку и не сохранён";
    OutboxUnknownOutcome, "outbox_unknown_outcome", "a provider outcome unknown to this version", "ответ кассового сервиса, неизвестный этой версии";
    OutboxConflict, "outbox_conflict", "the entry changed concurrently", "запись изменена одновременно другим процессом";
    OutboxReadOnly, "outbox_read_only", "the outbox journal is read-only", "журнал очереди доступен только для чтения";
    OutboxDiskFull, "outbox_disk_full", "the disk is full; nothing was stored", "диск заполнен; ничего не сохранено";
    OutboxOpen, "outbox_open", "the outbox journal cannot be opened", "не удаётся открыть журнал очереди";
    OutboxBusy, "outbox_busy", "the outbox journal is busy", "журнал очереди занят";
    OutboxSchemaTooNew, "outbox_schema_too_new", "the journal was written by a newer version", "журнал записан более новой версией";
    OutboxCorrupt, "outbox_corrupt", "a journal row cannot be read", "запись журнала не читается";
    OutboxDatabase, "outbox_database", "outbox database error", "ошибка базы данных очереди";
    OutboxPoisoned, "outbox_poisoned", "an outbox lock was poisoned", "блокировка очереди повреждена сбоем потока";
    OutboxActionNotAllowed, "outbox_action_not_allowed", "the entry's state does not allow this action", "состояние записи не допускает это действие";
    OutboxUnavailable, "outbox_unavailable", "the outbox database is unavailable; retry later", "база данных очереди недоступна; повторите позже";
    OutboxConnectionLost, "outbox_connection_lost", "the connection to the outbox database was lost; the call is safe to repeat", "соединение с базой данных очереди потеряно; вызов можно повторить";
}

impl Code {
    /// The code with this number, if there is one.
    pub fn from_u32(n: u32) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.number() == n)
    }

    /// The number (`FISKAL_RESULT_*` in C).
    pub fn number(self) -> u32 {
        self as u32
    }

    /// 100–199: a problem with the call itself (arguments, encoding, size, a caught panic).
    pub fn is_argument_error(self) -> bool {
        (100..200).contains(&self.number())
    }

    /// 2000: the receipt breaks FFD rules (fix the receipt).
    pub fn is_validation_error(self) -> bool {
        (2000..3000).contains(&self.number())
    }

    /// 3000–3999: a calculation (allocation, splitting) cannot be done.
    pub fn is_calc_error(self) -> bool {
        (3000..4000).contains(&self.number())
    }

    /// 4000–4999: a mark code cannot be read or encoded.
    pub fn is_mark_error(self) -> bool {
        (4000..5000).contains(&self.number())
    }

    /// 5000–5999: TLV bytes cannot be decoded or read as a receipt.
    pub fn is_tlv_error(self) -> bool {
        (5000..6000).contains(&self.number())
    }

    /// 6000–6999: a provider client failed locally (nothing was sent).
    pub fn is_provider_error(self) -> bool {
        (6000..7000).contains(&self.number())
    }

    /// 7000–7999: the outbox (journal, worker, settings).
    pub fn is_outbox_error(self) -> bool {
        (7000..8000).contains(&self.number())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.number())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_names_and_order_are_unique() {
        let mut numbers: Vec<u32> = Code::ALL.iter().map(|c| c.number()).collect();
        let sorted = {
            let mut v = numbers.clone();
            v.sort_unstable();
            v
        };
        assert_eq!(numbers, sorted, "Code::ALL is in numeric order");
        numbers.dedup();
        assert_eq!(numbers.len(), Code::ALL.len());
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len());
        for c in Code::ALL {
            assert_eq!(Code::from_u32(c.number()), Some(*c));
            assert!(!c.message_en().is_empty() && !c.message_ru().is_empty());
            assert!(c.message_en().len() < 256 && c.message_ru().len() < 256);
            assert!(c.number() < 8000, "{c:?} outside the known ranges");
        }
        assert_eq!(Code::from_u32(3019), None);
        assert_eq!(Code::from_u32(u32::MAX), None);
    }

    #[test]
    fn groups() {
        assert!(Code::NullParameter.is_argument_error());
        assert!(Code::ReceiptInvalid.is_validation_error());
        assert!(Code::CalcZeroTotal.is_calc_error());
        assert!(Code::MarkEmpty.is_mark_error());
        assert!(Code::TlvTooDeep.is_tlv_error());
        assert!(Code::ProviderConfig.is_provider_error());
        assert!(Code::OutboxNotFound.is_outbox_error());
        assert!(!Code::Ok.is_argument_error());
    }
}
