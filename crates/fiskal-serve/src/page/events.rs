//! The audit trail's event kinds in the page's language, from one table. The journal stores
//! each audit row's reason as a machine name ([`EventKind::name`], or `enqueued` for the row
//! that created the entry); the JSON API keeps those names, the operator's page shows words.

use crate::error::Lang;
#[cfg(doc)]
use fiskal_outbox::EventKind;

/// The reason of the audit row that created an entry (not an [`EventKind`]).
const ENQUEUED: &str = "enqueued";

/// Every reason an audit row records — `enqueued` and each [`EventKind::name`] — with its
/// (Russian, English) words. Keyed by the stored name, as the journal keeps it.
const EVENTS: &[(&str, &str, &str)] = &[
    (ENQUEUED, "поставлен в очередь", "enqueued"),
    ("claimed_for_send", "взят на отправку", "taken for sending"),
    (
        "lease_expired",
        "обработчик не завершил отправку вовремя",
        "the worker did not finish the send in time",
    ),
    ("accepted", "принят провайдером", "accepted by the provider"),
    (
        "duplicate",
        "провайдер уже принял его раньше",
        "the provider had already accepted it",
    ),
    (
        "pending",
        "провайдер ещё обрабатывает",
        "still in progress at the provider",
    ),
    ("done", "пробит", "fiscalised"),
    (
        "retry_later",
        "провайдер недоступен или просит повторить позже",
        "the provider is unavailable or asks to retry later",
    ),
    (
        "in_doubt",
        "неизвестно, получил ли провайдер чек",
        "unknown whether the provider got it",
    ),
    (
        "rejected_register",
        "отказ кассы",
        "refused by the register",
    ),
    (
        "rejected",
        "отклонён провайдером",
        "rejected by the provider",
    ),
    (
        "refused_config",
        "провайдер отверг доступ или настройки",
        "the provider refused the credentials or settings",
    ),
    (
        "id_conflict",
        "под номером документа пробит другой чек",
        "another receipt was fiscalised under its document id",
    ),
    (
        "not_found",
        "провайдер чек не получал",
        "the provider never got it",
    ),
    ("deadline", "истёк срок", "its deadline passed"),
    (
        "resubmit",
        "отправлен снова под новым номером документа",
        "sent again under a new document id",
    ),
    (
        "failover",
        "переведён на другой маршрут",
        "moved to another route",
    ),
    (
        "operator_requeue",
        "оператор отправил снова под новым номером документа",
        "an operator sent it again under a new document id",
    ),
    (
        "operator_resume",
        "оператор вернул к опросу провайдера",
        "an operator put it back to polling the provider",
    ),
    (
        "operator_recheck",
        "оператор вернул к выяснению у провайдера",
        "an operator put it back to be resolved with the provider",
    ),
    (
        "operator_cancel",
        "оператор отменил",
        "an operator cancelled it",
    ),
    (
        "operator_resolve",
        "оператор отметил пробитым, реквизиты введены вручную",
        "an operator marked it fiscalised, attributes entered by hand",
    ),
];

/// The audit row's `reason` (a machine name) in `lang`; a name this page does not know (a
/// newer journal) is shown as it is.
pub(super) fn event_name(reason: &str, lang: Lang) -> &str {
    match (EVENTS.iter().find(|(name, ..)| *name == reason), lang) {
        (Some((_, ru, _)), Lang::Ru) => ru,
        (Some((_, _, en)), Lang::En) => en,
        (None, _) => reason,
    }
}

/// Every reason the journal writes: `enqueued` and each [`EventKind`]'s name (for the tests).
#[cfg(test)]
pub(super) fn all_reasons() -> Vec<&'static str> {
    std::iter::once(ENQUEUED)
        .chain(fiskal_outbox::EventKind::ALL.iter().map(|k| k.name()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_kind_has_both_names() {
        for reason in all_reasons() {
            let (ru, en) = (event_name(reason, Lang::Ru), event_name(reason, Lang::En));
            assert_ne!(ru, reason, "{reason}: no Russian name");
            assert_ne!(ru, en, "{reason} untranslated");
            assert!(!en.is_empty(), "{reason}");
            assert!(
                !ru.chars().any(|c| c.is_ascii_alphabetic()),
                "{reason}: Latin letters in {ru:?}"
            );
        }
        // A reason from a newer journal is shown as stored.
        assert_eq!(event_name("from_the_future", Lang::Ru), "from_the_future");
    }
}
