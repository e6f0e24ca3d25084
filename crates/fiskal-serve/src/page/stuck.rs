//! Why a receipt is stuck, in the page's language. The kind is read from what the journal
//! records as types — the audit row that moved the entry to `stuck` (its event, the state it
//! left) and the entry's typed wait code — never from the free text a provider or the
//! transport left in `last_message`, which is in whatever language it came (our adapters' own
//! in-doubt reasons are English). That text stays on the receipt's own page ("last answer",
//! the audit trail); the dashboard shows the kind, and the provider's code when there is one.

use crate::error::Lang;
use fiskal_outbox::{AuditRecord, Entry, EventKind, State};

/// How an entry came to be stuck.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StuckKind {
    /// A fiscalised document under our document id is not our receipt (`id_conflict`).
    IdConflict,
    /// Accepted, and the provider's register is offline: it waits for the register
    /// (`last_code` `waiting_for_register`) past the deadline.
    WaitingForRegister,
    /// Past its deadline in this state (`deadline`).
    Deadline(State),
    /// No audit row says how (an old journal, or an event this page does not know).
    Unknown,
}

impl StuckKind {
    /// Every kind the page has words for (for the test that each has both texts).
    #[cfg(test)]
    pub(super) const ALL: [StuckKind; 10] = [
        StuckKind::IdConflict,
        StuckKind::WaitingForRegister,
        StuckKind::Deadline(State::Queued),
        StuckKind::Deadline(State::Sending),
        StuckKind::Deadline(State::Accepted),
        StuckKind::Deadline(State::InDoubt),
        StuckKind::Deadline(State::RetryLater),
        StuckKind::Deadline(State::FailedAtRegister),
        StuckKind::Deadline(State::Done),
        StuckKind::Unknown,
    ];

    /// The kind of a stuck `entry` from its audit trail (oldest first).
    pub(super) fn of(entry: &Entry, audit: &[AuditRecord]) -> StuckKind {
        let waiting = entry
            .last_code
            .as_deref()
            .and_then(fiskal_providers::WaitingFor::from_entry_code)
            .is_some();
        let Some(into) = audit.iter().rev().find(|a| a.to == State::Stuck) else {
            return if waiting {
                StuckKind::WaitingForRegister
            } else {
                StuckKind::Unknown
            };
        };
        if into.reason == EventKind::IdConflict.name() {
            return StuckKind::IdConflict;
        }
        if into.reason != EventKind::Deadline.name() {
            return StuckKind::Unknown;
        }
        match into.from {
            Some(State::Accepted) if waiting => StuckKind::WaitingForRegister,
            Some(s) => StuckKind::Deadline(s),
            None => StuckKind::Unknown,
        }
    }

    /// What happened, in `lang`.
    pub(super) fn text(self, lang: Lang) -> &'static str {
        let (ru, en) = match self {
            StuckKind::IdConflict => (
                "у провайдера под номером документа этого чека пробит другой чек, не этот",
                "the provider has fiscalised another receipt, not this one, under its document id",
            ),
            StuckKind::WaitingForRegister => (
                "провайдер принял чек, но его касса не в сети: чек так и ждёт кассу",
                "the provider holds the receipt, but its cash register is offline: it still waits for it",
            ),
            StuckKind::Deadline(State::Queued) => (
                "чек так и не был отправлен до срока",
                "the receipt was never sent before its deadline",
            ),
            StuckKind::Deadline(State::Sending) => (
                "отправка не завершилась до срока",
                "the send did not finish before its deadline",
            ),
            StuckKind::Deadline(State::Accepted) => (
                "провайдер принял чек, но не пробил его до срока",
                "the provider accepted the receipt but did not fiscalise it before its deadline",
            ),
            StuckKind::Deadline(State::InDoubt) => (
                "неизвестно, получил ли провайдер чек: выяснить до срока не удалось",
                "unknown whether the provider got the receipt: not resolved before its deadline",
            ),
            StuckKind::Deadline(State::RetryLater) => (
                "провайдер был недоступен или просил повторить позже — до срока",
                "the provider was unavailable or asked to retry later, until its deadline",
            ),
            StuckKind::Deadline(State::FailedAtRegister) => (
                "касса отказала, и до срока чек никто не отправил снова",
                "the register refused it, and nobody sent it again before its deadline",
            ),
            StuckKind::Deadline(_) => ("срок истёк", "its deadline passed"),
            StuckKind::Unknown => (
                "причина не записана: см. журнал изменений чека",
                "no reason recorded: see the receipt's audit trail",
            ),
        };
        match lang {
            Lang::Ru => ru,
            Lang::En => en,
        }
    }

    /// The reason cell: the kind's text, and the provider's code when the entry has one (a
    /// wait code is already the text).
    pub(super) fn cell(self, entry: &Entry, lang: Lang) -> String {
        let code = entry
            .last_code
            .as_deref()
            .filter(|c| fiskal_providers::WaitingFor::from_entry_code(c).is_none())
            .filter(|c| *c != fiskal_outbox::store::ID_CONFLICT_CODE);
        match (code, lang) {
            (Some(c), Lang::Ru) => format!("{} (код {c})", self.text(lang)),
            (Some(c), Lang::En) => format!("{} (code {c})", self.text(lang)),
            (None, _) => self.text(lang).to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_both_texts() {
        for k in StuckKind::ALL {
            let (ru, en) = (k.text(Lang::Ru), k.text(Lang::En));
            assert!(!ru.is_empty() && !en.is_empty(), "{k:?}");
            assert_ne!(ru, en, "{k:?} untranslated");
            // The Russian text is Russian: no Latin word in it.
            assert!(
                !ru.chars().any(|c| c.is_ascii_alphabetic()),
                "{k:?}: Latin letters in {ru:?}"
            );
        }
    }
}
