//! The stateful methods: one provider client and one outbox per object, and the outbox
//! worker's events delivered to 1C through `ExternalEvent`.

use std::sync::{Arc, Mutex};

use addin1c::{CString1C, Connection};
use fiskal_json::{ApiError, Client, Code, EventObserver, OutboxHandle};
use serde_json::{json, Value};

use crate::addin::Fiskal;
use crate::args::Args;

/// The `ExternalEvent` source (`Источник` in `ОбработкаВнешнегоСобытия`).
pub const EVENT_SOURCE: &str = "Fiskal";
/// The event when a receipt is done (fiscalised): data = the entry JSON plus `"from"`.
pub const EVENT_DONE: &str = "ЧекПробит";
/// The event when a receipt reached a final state other than done (`rejected`, `stuck`).
pub const EVENT_FAILED: &str = "ЧекНеПробит";
/// The event right after [`EVENT_DONE`] when the receipt is fiscalised but wants a person's
/// look (the entry's `"attention"`: a negative marking-code check, provider warnings, not
/// delivered to the ОФД); the same data. Handlers that only know «ЧекПробит» still see the
/// receipt done.
pub const EVENT_DONE_WITH_ATTENTION: &str = "ЧекПробитСЗамечаниями";

/// Where the worker thread sends events: the platform's connection from `Init` until `Done`.
#[derive(Default)]
pub(crate) struct EventSink {
    connection: Mutex<Option<&'static Connection>>,
}

impl std::fmt::Debug for EventSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let connected = self.connection.lock().map(|c| c.is_some()).unwrap_or(false);
        f.debug_struct("EventSink")
            .field("connected", &connected)
            .finish()
    }
}

impl EventSink {
    /// Sets (or, with `None`, clears) the connection. Clearing waits for an event being sent,
    /// so no event reaches a connection the platform has let go.
    pub(crate) fn set(&self, connection: Option<&'static Connection>) {
        if let Ok(mut c) = self.connection.lock() {
            *c = connection;
        }
    }

    /// Sends one event if connected; whether the platform took it. The lock is held during
    /// the call so `set(None)` cannot return while an event is on its way; `ExternalEvent` only
    /// queues the event in the platform's buffer (it drops it when the buffer is full), so it
    /// never waits for the 1C thread that may be waiting here.
    fn send(&self, event: &str, data: &str) -> bool {
        let Ok(c) = self.connection.lock() else {
            return false;
        };
        match *c {
            Some(conn) => conn.external_event(
                CString1C::new(EVENT_SOURCE),
                CString1C::new(event),
                CString1C::new(data),
            ),
            None => false,
        }
    }
}

/// The event names for an observer event JSON, in order (none if 1C need not hear about it):
/// «ЧекПробит» for done, followed by «ЧекПробитСЗамечаниями» when the event is
/// `done_with_attention`; «ЧекНеПробит» for `rejected` and `stuck`.
fn event_names(event_json: &str) -> Vec<&'static str> {
    let Ok(v) = serde_json::from_str::<Value>(event_json) else {
        return Vec::new();
    };
    match v.get("state").and_then(Value::as_str) {
        Some("done") if v.get("event").and_then(Value::as_str) == Some("done_with_attention") => {
            vec![EVENT_DONE, EVENT_DONE_WITH_ATTENTION]
        }
        Some("done") => vec![EVENT_DONE],
        Some("rejected" | "stuck") => vec![EVENT_FAILED],
        _ => Vec::new(),
    }
}

/// The observer given to the outbox: final states → `ExternalEvent`.
fn observer(sink: Arc<EventSink>) -> EventObserver {
    Box::new(move |event_json: &str| {
        for name in event_names(event_json) {
            sink.send(name, event_json);
        }
    })
}

/// The error for a method that needs a client or an outbox the object does not have (the
/// 1C form of the C ABI's NULL handle: code 100).
fn not_open(what_ru: &str, what_en: &str, open_ru: &str, open_en: &str) -> ApiError {
    ApiError::with_messages(
        Code::NullParameter,
        format!("{what_ru} не создан(а): сначала вызовите {open_ru}"),
        format!("no {what_en}: call {open_en} first"),
    )
}

fn client(f: &Fiskal) -> Result<&Client, ApiError> {
    f.client
        .as_ref()
        .ok_or_else(|| not_open("клиент", "client", "СоздатьКлиента", "CreateClient"))
}

fn outbox(f: &Fiskal) -> Result<&OutboxHandle, ApiError> {
    f.outbox
        .as_ref()
        .ok_or_else(|| not_open("очередь", "outbox", "ОткрытьОчередь", "OpenOutbox"))
}

/// `СоздатьКлиента(Настройки)`: replaces the object's client.
pub(crate) fn create_client(f: &mut Fiskal, a: &Args<'_, '_>) -> Result<String, ApiError> {
    let c = Client::new(&a.text(0)?)?;
    let out = json!({"version": 1, "provider": c.name()}).to_string();
    f.client = Some(c);
    Ok(out)
}

/// `Отправить(Запрос, ТаймаутМс = 0)`.
pub(crate) fn submit(f: &mut Fiskal, a: &Args<'_, '_>) -> Result<String, ApiError> {
    let request = a.text(0)?;
    let timeout = a.optional_u32(1)?.unwrap_or(0);
    client(f)?.submit(&request, timeout)
}

/// `Статус(Запрос, ТаймаутМс = 0)`.
pub(crate) fn status(f: &mut Fiskal, a: &Args<'_, '_>) -> Result<String, ApiError> {
    let query = a.text(0)?;
    let timeout = a.optional_u32(1)?.unwrap_or(0);
    client(f)?.status(&query, timeout)
}

/// `ОткрытьОчередь(Путь, Настройки)`: closes the object's previous outbox, opens this one.
pub(crate) fn open_outbox(f: &mut Fiskal, a: &Args<'_, '_>) -> Result<String, ApiError> {
    let path = a.text(0)?;
    let settings = a.text(1)?;
    // The same journal must not be open twice in one object.
    f.outbox = None;
    let o = OutboxHandle::open(&path, &settings, Some(observer(Arc::clone(&f.events))))?;
    f.outbox = Some(o);
    Ok(json!({"version": 1, "path": path}).to_string())
}

/// `ЗакрытьОчередь()`: stops the worker (gracefully) and closes the journal.
pub(crate) fn close_outbox(f: &mut Fiskal, _: &Args<'_, '_>) -> Result<String, ApiError> {
    let was_open = f.outbox.take().is_some();
    Ok(json!({"version": 1, "closed": was_open}).to_string())
}

/// `ПоставитьВОчередь(Запрос)`.
pub(crate) fn enqueue(f: &mut Fiskal, a: &Args<'_, '_>) -> Result<String, ApiError> {
    let request = a.text(0)?;
    outbox(f)?.enqueue(&request)
}

/// `СостояниеЧека(Ключ)`.
pub(crate) fn entry_status(f: &mut Fiskal, a: &Args<'_, '_>) -> Result<String, ApiError> {
    let key = a.text(0)?;
    outbox(f)?.get(&key)
}

/// `СписокЧеков(Запрос)`.
pub(crate) fn list(f: &mut Fiskal, a: &Args<'_, '_>) -> Result<String, ApiError> {
    let query = a.text(0)?;
    outbox(f)?.list(&query)
}

/// `ИсторияЧека(Ключ)`.
pub(crate) fn audit(f: &mut Fiskal, a: &Args<'_, '_>) -> Result<String, ApiError> {
    let key = a.text(0)?;
    outbox(f)?.audit(&key)
}

/// `ЗапуститьОбработку()`: the worker on its own thread; events go to `ExternalEvent`.
pub(crate) fn start(f: &mut Fiskal, _: &Args<'_, '_>) -> Result<String, ApiError> {
    outbox(f)?.start()?;
    Ok(json!({"version": 1, "running": true}).to_string())
}

/// `ОстановитьОбработку()`: stops the worker gracefully.
pub(crate) fn stop(f: &mut Fiskal, _: &Args<'_, '_>) -> Result<String, ApiError> {
    outbox(f)?.stop()?;
    Ok(json!({"version": 1, "running": false}).to_string())
}

/// `СтатистикаОчереди()`.
pub(crate) fn stats(f: &mut Fiskal, _: &Args<'_, '_>) -> Result<String, ApiError> {
    outbox(f)?.stats()
}

/// `ОбработатьОчередь(ТаймаутМс)`: runs the worker until nothing is scheduled (or the timeout
/// passes), blocking this call.
pub(crate) fn drain(f: &mut Fiskal, a: &Args<'_, '_>) -> Result<String, ApiError> {
    let timeout = a.optional_u32(0)?.unwrap_or(0);
    let settled = outbox(f)?.drain(timeout)?;
    Ok(json!({"version": 1, "settled": settled}).to_string())
}

/// `Опросить(КлючИлиИдентификатор)`: a provider callback arrived; poll that entry now.
pub(crate) fn poke(f: &mut Fiskal, a: &Args<'_, '_>) -> Result<String, ApiError> {
    let id = a.text(0)?;
    let found = outbox(f)?.poke(&id)?;
    Ok(json!({"version": 1, "found": found}).to_string())
}

/// The action request of `ПоставитьВОчередьСнова` / `Отменить` from their three parameters.
fn action_request(a: &Args<'_, '_>) -> Result<String, ApiError> {
    let key = a.text(0)?;
    let who = a.text(1)?;
    let reason = a.text(2)?;
    Ok(json!({"key": key, "who": who, "reason": reason}).to_string())
}

/// `ПоставитьВОчередьСнова(Ключ, Кто, Причина)`: an operator sends the entry again (a new
/// document id only where no provider can hold the old one; see `OutboxHandle::requeue`);
/// who and why are kept in the audit trail.
pub(crate) fn requeue(f: &mut Fiskal, a: &Args<'_, '_>) -> Result<String, ApiError> {
    let request = action_request(a)?;
    outbox(f)?.requeue(&request)
}

/// `Отменить(Ключ, Кто, Причина)`: an operator cancels an entry no provider can hold (see
/// `OutboxHandle::cancel`); who and why are kept in the audit trail.
pub(crate) fn cancel(f: &mut Fiskal, a: &Args<'_, '_>) -> Result<String, ApiError> {
    let request = action_request(a)?;
    outbox(f)?.cancel(&request)
}

/// `ОтметитьРешенным(Ключ, Кто, Причина, Реквизиты)`: an operator marks a `stuck` entry as
/// fiscalised by hand (found in the ОФД's or the provider's personal account); `Реквизиты` is
/// the fiscal attributes' JSON as in the entry (`fn_number`, `fd_number`, `fiscal_sign`,
/// `date_time`, `total`, `operation` …), see `OutboxHandle::resolve`. Who and why are kept in
/// the audit trail.
pub(crate) fn resolve(f: &mut Fiskal, a: &Args<'_, '_>) -> Result<String, ApiError> {
    let key = a.text(0)?;
    let who = a.text(1)?;
    let reason = a.text(2)?;
    let text = a.text(3)?;
    let fiscal: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        ApiError::with_messages(
            fiskal_json::Code::InvalidJson,
            format!("фискальные реквизиты — не JSON: {e}"),
            format!("the fiscal attributes are not JSON: {e}"),
        )
        .at("fiscal")
    })?;
    let request = json!({"key": key, "who": who, "reason": reason, "fiscal": fiscal});
    outbox(f)?.resolve(&request.to_string())
}

/// `Сверить(Запрос)`.
pub(crate) fn reconcile(f: &mut Fiskal, a: &Args<'_, '_>) -> Result<String, ApiError> {
    let query = a.text(0)?;
    outbox(f)?.reconcile(&query)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_final_states_make_events() {
        assert_eq!(event_names(r#"{"state":"done"}"#), [EVENT_DONE]);
        assert_eq!(
            event_names(r#"{"state":"done","event":"done"}"#),
            [EVENT_DONE]
        );
        assert_eq!(
            event_names(r#"{"state":"done","event":"done_with_attention"}"#),
            [EVENT_DONE, EVENT_DONE_WITH_ATTENTION]
        );
        assert_eq!(event_names(r#"{"state":"rejected"}"#), [EVENT_FAILED]);
        assert_eq!(event_names(r#"{"state":"stuck"}"#), [EVENT_FAILED]);
        assert!(event_names(r#"{"state":"accepted"}"#).is_empty());
        assert!(event_names("not json").is_empty());
    }

    #[test]
    fn a_sink_without_a_connection_drops_events() {
        let sink = EventSink::default();
        assert!(!sink.send(EVENT_DONE, "{}"));
    }
}
