//! The journal for people: local times, what each state means and what to do about it.

use crate::out::{exit, CliError, Out};
use fiskal_outbox::{AuditRecord, Entry, State, Timestamp};

/// A journal time (ms since the epoch) as local wall time `YYYY-MM-DD HH:MM:SS` in the
/// system's time zone (`TZ`, else `/etc/localtime`; UTC when neither is known).
pub(crate) fn local_time(t: Timestamp) -> String {
    match jiff::Timestamp::from_millisecond(t.as_millis()) {
        Ok(ts) => ts
            .to_zoned(jiff::tz::TimeZone::system())
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string(),
        Err(_) => t.as_millis().to_string(),
    }
}

/// What a state means and what to do about it, in Russian and English (one line each).
pub(crate) fn state_meaning(s: State) -> (&'static str, &'static str) {
    match s {
        State::Queued => (
            "ждёт отправки; делать ничего не нужно (обработчик: fiskal worker)",
            "waiting to be sent; nothing to do (the worker: fiskal worker)",
        ),
        State::Sending => (
            "отправляется сейчас; делать ничего не нужно",
            "being sent right now; nothing to do",
        ),
        State::Accepted => (
            "провайдер принял документ, ждём фискальных реквизитов; делать ничего не нужно",
            "the provider holds the document, waiting for the fiscal attributes; nothing to do",
        ),
        State::Done => (
            "пробит: фискальные реквизиты получены (чек: fiskal queue render КЛЮЧ)",
            "fiscalised: the fiscal attributes are stored (the receipt: fiskal queue render KEY)",
        ),
        State::InDoubt => (
            "неизвестно, принял ли провайдер; обработчик выяснит это до любой повторной отправки",
            "unknown whether the provider took it; the worker finds out before any resend",
        ),
        State::RetryLater => (
            "временный сбой или провайдер не принял наши учётные данные; уйдёт сам; если долго — проверьте настройки: fiskal config check --online",
            "a transient failure, or the provider refused our credentials; goes out by itself; if it lasts, check the settings: fiskal config check --online",
        ),
        State::FailedAtRegister => (
            "касса отказала (код ККТ в сообщении); устраните причину и отправьте снова: fiskal queue requeue КЛЮЧ --reason …",
            "the register refused it (KKT code in the message); fix the cause and send it again: fiskal queue requeue KEY --reason …",
        ),
        State::Rejected => (
            "провайдер отклонил документ; исправьте чек и поставьте его под новым ключом, либо fiskal queue requeue / cancel КЛЮЧ --reason …",
            "the provider refused the document; fix the receipt and enqueue it under a new key, or fiskal queue requeue / cancel KEY --reason …",
        ),
        State::Stuck => (
            "нужен человек: посмотрите fiskal queue audit КЛЮЧ, затем fiskal queue requeue КЛЮЧ --reason … или fiskal queue cancel",
            "needs a person: see fiskal queue audit KEY, then fiskal queue requeue KEY --reason … or fiskal queue cancel",
        ),
        State::Cancelled => (
            "отменён оператором; не будет отправлен",
            "cancelled by an operator; it will not be sent",
        ),
        _ => ("", ""),
    }
}

/// `queue show`, `queue audit`, `queue render`: a key that is not in the journal.
pub(crate) fn no_entry(key: &str) -> CliError {
    CliError::tr(
        exit::INVALID_INPUT,
        format!("в очереди нет записи с ключом {key:?}"),
        format!("no entry with key {key:?} in the outbox"),
    )
}

/// One entry for people: every field with its label, local times, the state's meaning.
pub(crate) fn show_entry(out: &Out, e: &Entry) {
    let row = |ru: &str, en: &str, v: &str| {
        out.say(&format!("{ru:<22} {v}"), &format!("{en:<22} {v}"));
    };
    let (mru, men) = state_meaning(e.state);
    row("ключ", "key", &e.key);
    out.say(
        &format!("{:<22} {} — {mru}", "состояние", e.state.name()),
        &format!("{:<22} {} — {men}", "state", e.state.name()),
    );
    row("маршрут", "route", &e.provider);
    row("номер документа", "document id", &e.document_id());
    row("попытка", "attempt", &e.attempt.to_string());
    row("поставлен", "enqueued", &local_time(e.created_at));
    row(
        "в состоянии с",
        "in this state since",
        &local_time(e.state_since),
    );
    row("изменён", "last change", &local_time(e.updated_at));
    if let Some(t) = e.due_at {
        row("следующее действие", "next action", &local_time(t));
    }
    if let Some(t) = e.deadline {
        row(
            "срок (потом stuck)",
            "deadline (then stuck)",
            &local_time(t),
        );
    }
    if let Some(p) = &e.provider_id {
        row("id у провайдера", "provider id", p);
    }
    if let Some(c) = &e.last_code {
        row("последний код", "last code", c);
    }
    if let Some(m) = &e.last_message {
        row("последнее сообщение", "last message", m);
    }
    if let Some(f) = &e.fiscal {
        row(
            "фискальные реквизиты",
            "fiscal attributes",
            &format!(
                "ФН {} ФД {} ФП {} {}",
                f.fn_number, f.fd_number, f.fiscal_sign, f.date_time
            ),
        );
        row("QR", "QR", &f.qr_string());
    }
}

/// The audit trail, one line per change, oldest first, local times.
pub(crate) fn audit_lines(out: &Out, audit: &[AuditRecord]) {
    for a in audit {
        let operator = match (&a.who, &a.note) {
            (Some(w), Some(n)) => format!(" [{w}: {n}]"),
            (Some(w), None) => format!(" [{w}]"),
            _ => String::new(),
        };
        out.text(&format!(
            "  {} {:>18} → {:<18} {:<18} {}{operator}",
            local_time(a.at),
            a.from.map_or("—", |s| s.name()),
            a.to.name(),
            a.reason,
            a.detail
        ));
    }
}
