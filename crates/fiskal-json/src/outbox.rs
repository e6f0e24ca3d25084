//! [`OutboxHandle`]: the durable outbox (`fiskal_outbox::Outbox`) behind JSON in, JSON out.
//! What the C ABI's `fiskal_outbox` handle holds, and what the 1C add-in calls, so every
//! language sees the same shapes (docs/c-api.md, "Outbox").
//!
//! * enqueue request `{"key": "order-1842-sell", "receipt": {…}, "route": null}` → the entry
//!   JSON plus `"created": true|false`;
//! * entry JSON: `{"key", "state", "attempt", "document_id", "route", "provider_id", "fiscal",
//!   "qr", "attention", "last_code", "last_message", "created_at_ms", "state_since_ms",
//!   "updated_at_ms", "due_at_ms", "deadline_ms", "version"}` (absent values are `null`);
//!   `attention` is set on a `done` receipt that wants a person's look although it is
//!   fiscalised: `{"reasons": ["negative_mark_check" | "warnings" | "ofd_not_delivered"…],
//!   "negative_mark_checks": [mark check…], "warnings": [{"field", "message"}…],
//!   "ofd_not_delivered": bool, "summary": "…"}` (mark checks as in `fiscal.mark_checks`);
//! * list query `{"state": "done", "limit": 100}` → `{"entries": [entry…]}`; with
//!   `"attention": true` (state `done` or left out) only the done entries with `attention`;
//! * audit → `{"records": [{"seq", "at_ms", "from", "to", "reason", "detail", "attempt", "who",
//!   "note"}]}` (`who` and `note`, the operator and the operator's reason, are set for operator
//!   actions, `null` otherwise);
//! * operator action request (requeue, cancel) `{"key": "order-1842-sell", "who": "Анна",
//!   "reason": "касса починена"}` → the entry JSON after the action; resolve (a `stuck` entry
//!   found fiscalised by hand) takes `"fiscal"` too, the fiscal attributes as in the entry JSON
//!   (`{"fn_number", "fd_number", "fiscal_sign", "date_time", "total", "operation", …}`);
//! * stats → `{"states": [{"state", "count", "oldest_age_ms"}], "done_with_attention",
//!   "waiting_for_register", "last_hour": {…}, "worker": {…}, "unhealthy_routes": [{"route",
//!   "since_ms", "at_ms", "code", "message", "failures"}]}` (`done_with_attention`: done
//!   entries with `attention`; `waiting_for_register`: accepted entries whose provider holds
//!   the document until its register is online, МодульКасса's QUEUED;
//!   `unhealthy_routes`: routes whose provider refused our credentials or configuration, empty
//!   when all is well);
//! * reconcile query `{"from_ms", "to_ms", "limit"}` → `{"checked", "matched",
//!   "unknown_at_provider": [finding], "not_done_at_provider", "mismatched", "missing_fiscal",
//!   "unchecked", "id_conflicts", "stuck", "attention", "not_delivered"}`, finding `{"key",
//!   "document_id", "route", "detail"}` (`attention`: done with a negative mark check or
//!   warnings; `not_delivered`: the provider reports it not delivered to the ОФД longer than
//!   `worker.ofd_delivery_grace_ms` after done);
//! * observer events: the entry JSON plus `"from"` (the state before) and `"event"`:
//!   `"done"` (it became done), `"done_with_attention"` (it became done and `attention` is
//!   set: a negative mark check, warnings, not delivered to the ОФД) or `"transition"` (any
//!   other change).

use crate::client::check_version;
use crate::code::Code;
use crate::error::ApiError;
use crate::input::{check_len, invalid_argument, parse, receipt_at};
use fiskal_outbox::worker::Transition;
use fiskal_outbox::{Outbox, OutboxError, OutboxSettings, State, Timestamp};
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

/// The code of an outbox error.
pub fn outbox_code(e: &OutboxError) -> Code {
    match e {
        OutboxError::InvalidKey { .. } => Code::OutboxInvalidKey,
        OutboxError::KeyConflict { .. } => Code::OutboxKeyConflict,
        OutboxError::NotFound { .. } => Code::OutboxNotFound,
        OutboxError::InvalidTransition { .. } => Code::OutboxInvalidTransition,
        OutboxError::NotAllowed { .. } => Code::OutboxNotAllowed,
        OutboxError::UnknownRoute { .. } => Code::OutboxUnknownRoute,
        OutboxError::InvalidConfig { .. } => Code::OutboxInvalidConfig,
        OutboxError::InvalidReceipt { .. } => Code::OutboxInvalidReceipt,
        OutboxError::UnknownOutcome => Code::OutboxUnknownOutcome,
        OutboxError::Conflict { .. } => Code::OutboxConflict,
        OutboxError::ReadOnly { .. } => Code::OutboxReadOnly,
        OutboxError::DiskFull { .. } => Code::OutboxDiskFull,
        OutboxError::Open { .. } => Code::OutboxOpen,
        OutboxError::Busy { .. } => Code::OutboxBusy,
        OutboxError::SchemaTooNew { .. } => Code::OutboxSchemaTooNew,
        OutboxError::Corrupt { .. } => Code::OutboxCorrupt,
        OutboxError::Database { .. } => Code::OutboxDatabase,
        OutboxError::Poisoned => Code::OutboxPoisoned,
        OutboxError::ActionNotAllowed { .. } => Code::OutboxActionNotAllowed,
        OutboxError::Unavailable { .. } => Code::OutboxUnavailable,
        OutboxError::ConnectionLost { .. } => Code::OutboxConnectionLost,
        OutboxError::InvalidArgument { .. } | OutboxError::InvalidFiscal { .. } => {
            Code::InvalidArgument
        }
        _ => Code::OutboxOther,
    }
}

impl From<OutboxError> for ApiError {
    fn from(e: OutboxError) -> ApiError {
        let code = outbox_code(&e);
        // OutboxError texts quote keys, route names, settings paths and SQLite's words; the
        // provider settings errors inside them never carry a secret value.
        let en = e.to_string();
        let reason = json!({"reason": e.code()});
        let base = |ru: String| ApiError::with_messages(code, ru, en.clone());
        match &e {
            OutboxError::InvalidReceipt { violations, .. } => {
                let inner = ApiError::invalid(violations);
                ApiError::with_messages(
                    code,
                    format!("чек не сохранён: {}", inner.message_ru),
                    format!("the receipt was not stored: {}", inner.message_en),
                )
                .at("receipt")
                .details(inner.details.unwrap_or(serde_json::Value::Null))
            }
            OutboxError::InvalidConfig { field, message } => {
                let at = field
                    .as_deref()
                    .map(|f| format!("{f}: "))
                    .unwrap_or_default();
                let mut err = base(format!("{}: {at}{message}", code.message_ru())).details(reason);
                err.path.clone_from(field);
                err
            }
            OutboxError::InvalidKey { key, .. }
            | OutboxError::KeyConflict { key }
            | OutboxError::NotFound { key } => {
                base(format!("{}: «{}»", code.message_ru(), crate::truncate(key)))
                    .at("key")
                    .details(reason)
            }
            OutboxError::ActionNotAllowed {
                key, action, state, ..
            } => base(format!(
                "{} ({}) записи «{}» в состоянии {state}: {}",
                action_ru(action),
                action,
                crate::truncate(key),
                refusal_ru(action, state)
            ))
            .at("key")
            .details(json!({"reason": e.code(), "action": action, "state": state})),
            OutboxError::InvalidArgument { field, problem } => {
                let ru = match (*problem).split(':').next().unwrap_or("") {
                    "empty" => "пусто: укажите, кто действует и почему, это попадает в журнал",
                    "longer than 1000 characters" => "длиннее 1000 символов",
                    "longer than 100 characters" => "длиннее 100 символов",
                    p if p.starts_with("control characters") => {
                        "управляющие символы (переводы строк, табуляция …) не допускаются"
                    }
                    _ => problem,
                };
                base(format!("недопустимое значение «{field}»: {ru}"))
                    .at(*field)
                    .details(reason)
            }
            OutboxError::InvalidFiscal {
                field, problem_ru, ..
            } => base(format!("недопустимое значение «{field}»: {problem_ru}"))
                .at(*field)
                .details(reason),
            OutboxError::UnknownRoute { name } => base(format!(
                "{}: «{}»",
                code.message_ru(),
                crate::truncate(name)
            ))
            .at("route")
            .details(reason),
            _ => base(code.message_ru().to_owned()).details(reason),
        }
    }
}

/// The Russian name of an operator action.
fn action_ru(action: &str) -> &'static str {
    match action {
        "requeue" => "нельзя поставить в очередь снова",
        "resolve" => "нельзя отметить решённым вручную",
        _ => "нельзя отменить",
    }
}

/// Why an operator action is refused in a state, in Russian (the English text is the
/// `OutboxError`'s own).
fn refusal_ru(action: &str, state: &str) -> &'static str {
    match (action, state) {
        ("requeue", "queued") => "запись уже ждёт отправки",
        ("requeue", "sending") => "запись сейчас отправляется; дождитесь ответа",
        ("requeue", "retry_later") => "запись будет отправлена снова сама, с тем же номером документа",
        ("requeue", "accepted") => "кассовый сервис принял чек, идёт опрос статуса; дождитесь результата",
        ("requeue", "in_doubt") => "идёт выяснение у кассового сервиса; дождитесь результата",
        ("requeue", "done") => "чек фискализирован; чтобы его отменить, оформите чек возврата",
        ("requeue", "cancelled") => "запись отменена; поставьте чек в очередь снова под новым ключом",
        ("cancel", "stuck") => {
            "чек может быть у кассового сервиса (он был принят, под сомнением или отправлялся) и              может быть фискализирован; поставьте его в очередь снова, чтобы выяснить, и оформите              чек возврата, если он фискализирован"
        }
        ("cancel", "sending") => {
            "запись сейчас отправляется, кассовый сервис может её фискализировать; дождитесь ответа"
        }
        ("cancel", "accepted") => {
            "кассовый сервис может фискализировать чек; оформите чек возврата"
        }
        ("cancel", "in_doubt") => {
            "чек может быть у кассового сервиса; дождитесь выяснения и оформите чек возврата,              если он фискализирован"
        }
        ("cancel", "done") => "чек фискализирован; оформите чек возврата",
        ("resolve", "done") => "чек уже фискализирован; делать ничего не нужно",
        ("resolve", "queued" | "sending" | "accepted" | "in_doubt" | "retry_later") => {
            "запись движется сама; дождитесь результата или, если она зависнет, поставьте её в \
             очередь снова"
        }
        ("resolve", "rejected" | "failed_at_register") => {
            "кассовый сервис отказал в чеке; поставьте его в очередь снова или отмените"
        }
        ("resolve", "cancelled") => {
            "запись отменена; поставьте чек в очередь снова под новым ключом"
        }
        ("cancel", "cancelled") => "запись уже отменена",
        _ => "состояние записи не допускает это действие",
    }
}

mod json;

pub use json::{
    audit_json, enqueued_json, entries_json, entry_json, event_json, event_kind, reconcile_json,
    stats_full_json, stats_json,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnqueueIn {
    #[serde(default)]
    version: Option<u32>,
    key: String,
    receipt: Box<serde_json::value::RawValue>,
    #[serde(default)]
    route: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionIn {
    #[serde(default)]
    version: Option<u32>,
    key: String,
    who: String,
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResolveIn {
    #[serde(default)]
    version: Option<u32>,
    key: String,
    who: String,
    reason: String,
    fiscal: fiskal_ffd::fiscal::FiscalAttributes,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListIn {
    #[serde(default)]
    version: Option<u32>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    attention: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReconcileIn {
    #[serde(default)]
    version: Option<u32>,
    #[serde(default)]
    from_ms: Option<i64>,
    #[serde(default)]
    to_ms: Option<i64>,
    #[serde(default)]
    limit: Option<usize>,
}

fn action_request(request_json: &str) -> Result<ActionIn, ApiError> {
    check_len(request_json)?;
    let req: ActionIn = parse(request_json)?;
    check_version(req.version)?;
    Ok(req)
}

/// `list`'s default `limit`.
pub const DEFAULT_LIST_LIMIT: usize = 100;
/// `reconcile`'s default `limit`.
pub const DEFAULT_RECONCILE_LIMIT: usize = 1000;

/// A function called with each observer event's JSON (see the module docs), from the worker
/// thread, after every change the worker writes. It must return quickly and must not call
/// back into the outbox.
pub type EventObserver = Box<dyn Fn(&str) + Send + Sync>;

/// The outbox behind JSON in, JSON out. Thread-safe: every method takes `&self`, and one
/// handle may serve many threads at once. Dropping it stops the worker (graceful drain) and
/// closes the journal.
#[derive(Debug)]
pub struct OutboxHandle {
    outbox: Outbox,
}

impl OutboxHandle {
    /// Opens (creating) the journal at `path` with `OutboxSettings` JSON (builds the routes'
    /// clients, reads their secrets; no network). The worker is not started. `observer`, if
    /// given, gets every change the worker writes, as event JSON.
    ///
    /// `path` is an SQLite file or a `postgres://user@host:port/db` URL (the journal on
    /// PostgreSQL, feature `postgres`; the password and other connection options from the
    /// settings' `postgres` section).
    ///
    /// # Errors
    /// [`Code::OutboxInvalidConfig`] (the settings path in `path` when known),
    /// [`Code::OutboxOpen`], [`Code::OutboxSchemaTooNew`], other 7xxx;
    /// [`Code::FeatureDisabled`] (`details.feature` `"postgres"`) for a `postgres://` URL in a
    /// build without the feature `postgres`.
    pub fn open(
        path: &str,
        settings_json: &str,
        observer: Option<EventObserver>,
    ) -> Result<OutboxHandle, ApiError> {
        check_len(settings_json)?;
        if path.is_empty() {
            return Err(invalid_argument(
                "path",
                "путь к журналу пуст".into(),
                "the journal path is empty".into(),
            ));
        }
        // A PostgreSQL journal in a build without it: the feature is named, the location (which
        // may carry a password) is not quoted, and nothing is opened as a file.
        if !cfg!(feature = "postgres") && fiskal_outbox::is_postgres_url(path) {
            return Err(crate::feature_disabled("postgres"));
        }
        let settings = OutboxSettings::from_json(settings_json)?;
        let observer: Option<fiskal_outbox::Observer> = observer.map(|f| {
            Box::new(move |t: &Transition| {
                // Never let a panic unwind into the worker.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    if let Ok(js) = event_json(t) {
                        f(&js);
                    }
                }));
            }) as fiskal_outbox::Observer
        });
        let outbox = Outbox::open_observed(path, &settings, observer)?;
        Ok(OutboxHandle { outbox })
    }

    /// The wrapped outbox (for Rust callers that want more).
    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// Validates and stores a receipt (committed and synced before it returns): the enqueue
    /// request in, the entry JSON plus `"created"` out. Idempotent per key.
    ///
    /// # Errors
    /// [`Code::InvalidJson`] (path into the request), [`Code::OutboxInvalidReceipt`] (every
    /// violation in `details`), [`Code::OutboxInvalidKey`], [`Code::OutboxKeyConflict`],
    /// [`Code::OutboxUnknownRoute`], storage errors 7011–7018.
    pub fn enqueue(&self, request_json: &str) -> Result<String, ApiError> {
        check_len(request_json)?;
        let req: EnqueueIn = parse(request_json)?;
        check_version(req.version)?;
        let receipt = receipt_at(&req.receipt, "receipt")?;
        let r = self
            .outbox
            .enqueue(&req.key, &receipt, req.route.as_deref())?;
        enqueued_json(&r)
    }

    /// The entry JSON of a key; [`Code::OutboxNotFound`] when there is none.
    pub fn get(&self, key: &str) -> Result<String, ApiError> {
        match self.outbox.get(key)? {
            Some(e) => entry_json(&e),
            None => Err(ApiError::from(OutboxError::NotFound {
                key: key.to_owned(),
            })),
        }
    }

    /// An operator sends an entry again (`fiskal_outbox::Outbox::requeue`): the action request
    /// `{"key", "who", "reason"}` in, the entry JSON after it out. A `rejected` or
    /// `failed_at_register` entry, or a `stuck` one no provider can hold, goes out under a new
    /// document id (attempt + 1); a `stuck` one the provider may hold goes back to `accepted`
    /// or `in_doubt` under the same id. Committed and synced before it returns; `who` and
    /// `reason` are in the audit trail.
    ///
    /// # Errors
    /// [`Code::InvalidJson`], [`Code::InvalidArgument`] (path `who` or `reason`: empty, too
    /// long, control characters), [`Code::OutboxNotFound`] (path `key`),
    /// [`Code::OutboxActionNotAllowed`] (the state does not allow it; the message says what to
    /// do instead, `details` has `action` and `state`), storage errors.
    pub fn requeue(&self, request_json: &str) -> Result<String, ApiError> {
        let req = action_request(request_json)?;
        entry_json(&self.outbox.requeue(&req.key, &req.who, &req.reason)?)
    }

    /// An operator cancels an entry that must not go out (`fiskal_outbox::Outbox::cancel`):
    /// only while no provider can hold it (`queued`, `retry_later`, `failed_at_register`,
    /// `rejected`, a `stuck` one no provider can hold); it becomes `cancelled`. The action
    /// request in, the entry JSON out; errors as [`OutboxHandle::requeue`] (for an accepted
    /// entry: "the provider may fiscalise it; issue a refund receipt instead").
    pub fn cancel(&self, request_json: &str) -> Result<String, ApiError> {
        let req = action_request(request_json)?;
        entry_json(&self.outbox.cancel(&req.key, &req.who, &req.reason)?)
    }

    /// An operator marks a `stuck` entry as resolved by hand (`fiskal_outbox::Outbox::resolve`):
    /// the receipt was fiscalised after all (found in the ОФД's or the provider's personal
    /// account). The request `{"key", "who", "reason", "fiscal": {"fn_number", "fd_number",
    /// "fiscal_sign", "date_time", "total", "operation", …}}` in (`fiscal` as in the entry
    /// JSON), the entry JSON after it out: `done` with those attributes, an `operator_resolve`
    /// row in the audit trail.
    ///
    /// # Errors
    /// [`Code::InvalidJson`] (path into `fiscal` for a missing or malformed attribute),
    /// [`Code::InvalidArgument`] (path `who`, `reason`, or the attribute: `fiscal.fn_number`
    /// not 16 digits, `fiscal.fd_number` / `fiscal.fiscal_sign` zero, `fiscal.total` /
    /// `fiscal.operation` not the stored receipt's, both values in the message),
    /// [`Code::OutboxNotFound`], [`Code::OutboxActionNotAllowed`] (any state but `stuck`, with
    /// what to do instead), storage errors. Nothing is written on an error.
    pub fn resolve(&self, request_json: &str) -> Result<String, ApiError> {
        check_len(request_json)?;
        let req: ResolveIn = parse(request_json)?;
        check_version(req.version)?;
        entry_json(
            &self
                .outbox
                .resolve(&req.key, &req.who, &req.reason, &req.fiscal)?,
        )
    }

    /// Entries in one state, oldest first: the list query in, `{"entries": […]}` out. With
    /// `"attention": true`, only the `done` entries that want attention (`state` then `done` or
    /// left out).
    ///
    /// # Errors
    /// [`Code::InvalidJson`], [`Code::InvalidArgument`] (path `state`: unknown, missing, or not
    /// `done` with `attention`), storage errors.
    pub fn list(&self, query_json: &str) -> Result<String, ApiError> {
        check_len(query_json)?;
        let q: ListIn = parse(query_json)?;
        check_version(q.version)?;
        let limit = q.limit.unwrap_or(DEFAULT_LIST_LIMIT);
        let state = match q.state.as_deref() {
            None if q.attention == Some(true) => State::Done,
            None => {
                return Err(invalid_argument(
                    "state",
                    "укажите состояние (state)".into(),
                    "the state is required".into(),
                )
                .details(
                    json!({"states": State::ALL.iter().map(|s| s.name()).collect::<Vec<_>>()}),
                ))
            }
            Some(name) => State::from_name(name).ok_or_else(|| {
                invalid_argument(
                    "state",
                    format!("неизвестное состояние «{}»", crate::truncate(name)),
                    format!("unknown state {:?}", crate::truncate(name)),
                )
                .details(json!({"states": State::ALL.iter().map(|s| s.name()).collect::<Vec<_>>()}))
            })?,
        };
        if q.attention == Some(true) {
            if state != State::Done {
                return Err(invalid_argument(
                    "state",
                    "с attention перечисляются только пробитые чеки (state: done)".into(),
                    "attention lists done receipts only (state: done)".into(),
                ));
            }
            return entries_json(&self.outbox.list_attention(limit)?);
        }
        entries_json(&self.outbox.list(state, limit)?)
    }

    /// The audit trail of a key, oldest first: `{"records": […]}` (empty for an unknown key).
    pub fn audit(&self, key: &str) -> Result<String, ApiError> {
        audit_json(&self.outbox.audit(key)?)
    }

    /// Counts per state, the last hour's metrics and the worker's counters (module docs).
    pub fn stats(&self) -> Result<String, ApiError> {
        let states = self.outbox.stats()?;
        let m = self.outbox.window_metrics(Duration::from_secs(3600))?;
        stats_full_json(
            &states,
            self.outbox.attention_count()?,
            self.outbox
                .waiting_count(fiskal_providers::WaitingFor::Register)?,
            &m,
            &self.outbox.route_alarms()?,
            self.outbox.is_running(),
            &self.outbox.counters(),
        )
    }

    /// Starts the worker on its own thread (no-op when it runs).
    pub fn start(&self) -> Result<(), ApiError> {
        Ok(self.outbox.start()?)
    }

    /// Stops the worker gracefully (no-op when it does not run).
    pub fn stop(&self) -> Result<(), ApiError> {
        Ok(self.outbox.stop()?)
    }

    /// Runs the worker until nothing is scheduled or `timeout_ms` passes; whether it settled.
    pub fn drain(&self, timeout_ms: u32) -> Result<bool, ApiError> {
        Ok(self
            .outbox
            .drain(Duration::from_millis(u64::from(timeout_ms)))?)
    }

    /// A callback arrived for a key or document id: poll it now. Whether such an entry waits.
    pub fn poke(&self, key_or_document_id: &str) -> Result<bool, ApiError> {
        Ok(self.outbox.poke(key_or_document_id)?)
    }

    /// Compares the done entries of a period with the providers: the reconcile query in, the
    /// findings out (module docs).
    pub fn reconcile(&self, query_json: &str) -> Result<String, ApiError> {
        check_len(query_json)?;
        let q: ReconcileIn = parse(query_json)?;
        check_version(q.version)?;
        let from = Timestamp(q.from_ms.unwrap_or(0));
        let to = q.to_ms.map_or_else(Timestamp::now, Timestamp);
        let r = self
            .outbox
            .reconcile(from, to, q.limit.unwrap_or(DEFAULT_RECONCILE_LIMIT))?;
        reconcile_json(&r)
    }
}
