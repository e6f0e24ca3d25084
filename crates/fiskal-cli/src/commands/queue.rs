//! The outbox: queue add/list/show/stats/reconcile and the worker.

use super::parse_json;
use super::provider::load_settings;
use crate::out::Lang;
use crate::out::{exit, CliError, Out};
use crate::QueueCommand;
use fiskal_outbox::{
    is_postgres_url, AuditRecord, Entry, JournalStore, Outbox, OutboxError, SqliteStore, State,
    StateStats, Store, Timestamp, WindowMetrics, WorkerCounters,
};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

use super::view::{audit_lines, local_time, no_entry, show_entry, state_meaning};

/// The outbox JSON shapes of fiskal-json (what the C ABI and every binding return), parsed for
/// `--json` output.
pub(super) fn shape(r: Result<String, fiskal_json::ApiError>) -> Result<Value, CliError> {
    let text = r.map_err(|e| CliError::internal(format!("JSON output: {}", e.message_en)))?;
    parse_json(&text)
}

/// The journal as the queue commands use it: the whole outbox, or (when the file cannot be
/// written) the store opened read-only for inspection.
enum Journal {
    Full(Outbox),
    ReadOnly(Box<JournalStore>),
}

impl Journal {
    fn get(&self, key: &str) -> Result<Option<Entry>, OutboxError> {
        match self {
            Journal::Full(o) => o.get(key),
            Journal::ReadOnly(s) => s.get(key),
        }
    }
    fn list(&self, state: State, limit: usize) -> Result<Vec<Entry>, OutboxError> {
        match self {
            Journal::Full(o) => o.list(state, limit),
            Journal::ReadOnly(s) => s.list(state, limit),
        }
    }
    fn audit(&self, key: &str) -> Result<Vec<AuditRecord>, OutboxError> {
        match self {
            Journal::Full(o) => o.audit(key),
            Journal::ReadOnly(s) => s.audit(key),
        }
    }
    fn stats(&self) -> Result<Vec<StateStats>, OutboxError> {
        match self {
            Journal::Full(o) => o.stats(),
            Journal::ReadOnly(s) => s.stats(Timestamp::now()),
        }
    }
    fn window_metrics(&self, window: Duration) -> Result<WindowMetrics, OutboxError> {
        match self {
            Journal::Full(o) => o.window_metrics(window),
            Journal::ReadOnly(s) => s.window_metrics(Timestamp::now(), window),
        }
    }
    fn is_running(&self) -> bool {
        match self {
            Journal::Full(o) => o.is_running(),
            Journal::ReadOnly(_) => false,
        }
    }
    fn counters(&self) -> WorkerCounters {
        match self {
            Journal::Full(o) => o.counters(),
            Journal::ReadOnly(_) => WorkerCounters::default(),
        }
    }
    fn route_alarms(&self) -> Result<Vec<fiskal_outbox::RouteAlarm>, OutboxError> {
        match self {
            Journal::Full(o) => o.route_alarms(),
            Journal::ReadOnly(s) => s.route_alarms(),
        }
    }
    fn attention_count(&self) -> Result<u64, OutboxError> {
        match self {
            Journal::Full(o) => o.attention_count(),
            Journal::ReadOnly(s) => s.count_attention(),
        }
    }
    /// Accepted entries whose register is offline (МодульКасса `QUEUED`).
    fn waiting_for_register(&self) -> Result<u64, OutboxError> {
        let w = fiskal_providers::WaitingFor::Register;
        match self {
            Journal::Full(o) => o.waiting_count(w),
            Journal::ReadOnly(s) => s.count_waiting(w),
        }
    }
}

/// The line of `queue show` for a receipt done with attention (issue 24): fiscalised, but with
/// a negative marking-code check, provider warnings, or not delivered to the ОФД.
fn attention_line(out: &Out, a: &fiskal_outbox::Attention) {
    let mut ru = Vec::new();
    let mut en = Vec::new();
    for m in &a.negative_mark_checks {
        ru.push(format!(
            "отрицательная проверка КМ: позиция {} (2106 = {}: {}) — не продавайте этот код",
            m.position,
            m.result.0,
            m.result.meaning()
        ));
        en.push(format!(
            "negative mark check: item {} (2106 = {}) — stop selling this code",
            m.position, m.result.0
        ));
    }
    for w in &a.warnings {
        let field = w
            .field
            .as_deref()
            .map(|f| format!(" {f}"))
            .unwrap_or_default();
        ru.push(format!("предупреждение{field}: {}", w.message));
        en.push(format!("warning{field}: {}", w.message));
    }
    if a.ofd_not_delivered {
        ru.push("не передан в ОФД".to_owned());
        en.push("not delivered to the OFD".to_owned());
    }
    out.say(
        &format!("{:<22} {}", "требует внимания", ru.join("; ")),
        &format!("{:<22} {}", "needs attention", en.join("; ")),
    );
}

/// Opens a journal that this process cannot write, for reading. SQLite needs to create the
/// WAL's `-shm` file even to read, unless it exists; in a folder that cannot be written, the file
/// is opened as immutable instead (a snapshot: fine for show, list and stats).
fn open_for_reading(db: &Path) -> Result<SqliteStore, OutboxError> {
    match SqliteStore::open_read_only(db) {
        Ok(s) => Ok(s),
        Err(first) => {
            let Ok(abs) = db.canonicalize() else {
                return Err(first);
            };
            let mut uri = String::from("file:");
            for c in abs.to_string_lossy().chars() {
                match c {
                    '%' => uri.push_str("%25"),
                    '?' => uri.push_str("%3F"),
                    '#' => uri.push_str("%23"),
                    c => uri.push(c),
                }
            }
            uri.push_str("?mode=ro&immutable=1");
            SqliteStore::open_read_only(&uri).map_err(|_| first)
        }
    }
}

/// Whether `--db` names a PostgreSQL journal (`postgres://…`) rather than an SQLite file.
pub(crate) fn is_postgres_db(db: &Path) -> bool {
    db.to_str().is_some_and(is_postgres_url)
}

/// `--db` for people: an SQLite path as it is; a `postgres://` URL with its password (in the
/// user part or a `password=` parameter) replaced by `***`.
pub(crate) fn shown_db(db: &Path) -> String {
    let text = db.display().to_string();
    if !is_postgres_db(db) {
        return text;
    }
    let Some(scheme_end) = text.find("://").map(|i| i + 3) else {
        return text;
    };
    let (scheme, rest) = text.split_at(scheme_end);
    let auth_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(auth_end);
    let authority = match authority.rfind('@') {
        Some(at) => {
            let (user, host) = authority.split_at(at);
            match user.find(':') {
                Some(c) => format!("{}:***{host}", &user[..c]),
                None => authority.to_owned(),
            }
        }
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}{authority}{tail}")
}

/// An error opening the journal: for an SQLite file, which folder or file and why; for
/// PostgreSQL, the outbox's own error (it names the server, never the password).
pub(crate) fn journal_error(db: &Path, e: OutboxError) -> CliError {
    if is_storage_open(&e) && !is_postgres_db(db) {
        CliError::journal(db, &e)
    } else {
        CliError::outbox(e)
    }
}

/// The journal for the commands that only read it (list, show, audit, render, stats): no
/// config and no secrets. An existing file is opened read-only; a missing one is created empty
/// (as the writing commands would), or the error says which folder is missing or not writable.
/// A `postgres://` journal is opened with the connection options of `--config` when given
/// (its `postgres.password`), else with the defaults.
fn open_journal_to_read(db: &Path, config: Option<&Path>) -> Result<JournalStore, CliError> {
    if is_postgres_db(db) {
        let settings = config.map(load_settings).transpose()?;
        let postgres = settings.as_ref().and_then(|s| s.postgres.as_ref());
        return JournalStore::open(db, postgres, fiskal_outbox::store::Config::default())
            .map_err(|e| journal_error(db, e));
    }
    if db.is_file() {
        return open_for_reading(db)
            .map(JournalStore::from)
            .map_err(|e| CliError::journal(db, &e));
    }
    SqliteStore::open(db, fiskal_outbox::store::Config::default())
        .map(JournalStore::from)
        .map_err(|e| CliError::journal(db, &e))
}

/// The names `queue list --state` takes.
const STATES: &str = "queued, sending, accepted, done, in_doubt, retry_later, failed_at_register, \
     rejected, stuck, cancelled";

/// The journal's file or folder cannot be opened or written.
fn is_storage_open(e: &OutboxError) -> bool {
    matches!(e, OutboxError::Open { .. } | OutboxError::ReadOnly { .. })
}

/// A duration for people: `850 мс`, `3.1 с`, `4 мин 05 с`, `2 ч 10 мин`.
pub(crate) fn human_duration(d: Duration, lang: Lang) -> String {
    let ms = d.as_millis();
    let ru = lang == Lang::Ru;
    let (unit_ms, unit_s, unit_min, unit_h) = if ru {
        ("мс", "с", "мин", "ч")
    } else {
        ("ms", "s", "min", "h")
    };
    if ms < 1000 {
        format!("{ms} {unit_ms}")
    } else if ms < 60_000 {
        format!("{}.{} {unit_s}", ms / 1000, (ms % 1000) / 100)
    } else if ms < 3_600_000 {
        let s = ms / 1000;
        format!("{} {unit_min} {:02} {unit_s}", s / 60, s % 60)
    } else {
        let m = ms / 60_000;
        format!("{} {unit_h} {:02} {unit_min}", m / 60, m % 60)
    }
}

/// An optional duration for people; `—` when there is none.
fn opt_duration(d: Option<Duration>, lang: Lang) -> String {
    d.map_or_else(|| "—".to_owned(), |d| human_duration(d, lang))
}

/// The operator of `queue requeue` / `queue cancel` without `--who`: the OS user.
fn os_user() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.trim().is_empty()))
        .unwrap_or_else(|| "operator".to_owned())
}

/// An operator action's error: a refusal by the entry's state or a bad `--who`/`--reason` is
/// the user's input (exit 1) and says, in both languages, what to do instead; the rest as any
/// outbox error.
fn operator_error(e: OutboxError) -> CliError {
    match e {
        OutboxError::ActionNotAllowed { .. }
        | OutboxError::InvalidArgument { .. }
        | OutboxError::InvalidFiscal { .. } => {
            let api = fiskal_json::ApiError::from(e);
            CliError::tr(exit::INVALID_INPUT, api.message_ru, api.message_en)
        }
        e => CliError::outbox(e),
    }
}

pub(super) fn queue(
    out: &Out,
    config: Option<&Path>,
    db: &Path,
    command: QueueCommand,
) -> Result<(), CliError> {
    let writes = matches!(
        command,
        QueueCommand::Add { .. }
            | QueueCommand::Reconcile { .. }
            | QueueCommand::Requeue { .. }
            | QueueCommand::Cancel { .. }
            | QueueCommand::Resolve { .. }
    );
    // Reading needs only the journal: no config, no secrets (list, show, audit, render, stats).
    let mut default_route = None;
    let journal = if writes {
        let config = super::required(config.map(Path::to_path_buf), "--config", "queue")?;
        let s = load_settings(&config)?;
        default_route.clone_from(&s.default_route);
        match Outbox::open(db, &s) {
            Ok(o) => Journal::Full(o),
            Err(e) => return Err(journal_error(db, e)),
        }
    } else {
        Journal::ReadOnly(Box::new(open_journal_to_read(db, config)?))
    };
    match command {
        QueueCommand::Add {
            files,
            key,
            key_prefix,
            split,
            route,
        } => {
            let Journal::Full(outbox) = &journal else {
                return Err(CliError::internal("the journal is open read-only"));
            };
            super::batch::add(
                out,
                outbox,
                &super::batch::AddArgs {
                    files: &files,
                    key: key.as_deref(),
                    key_prefix: key_prefix.as_deref(),
                    split,
                    route: route.as_deref(),
                    default_route: default_route.as_deref(),
                },
            )?;
        }
        QueueCommand::List { state, limit } => {
            let states: Vec<State> = if state == "all" {
                State::ALL.to_vec()
            } else {
                vec![State::from_name(&state).ok_or_else(|| {
                    CliError::tr(
                        exit::CONFIG,
                        format!("нет состояния {state:?}; есть: {STATES}, all"),
                        format!("no state {state:?}; the states: {STATES}, all"),
                    )
                })?]
            };
            let mut list = Vec::new();
            for st in &states {
                let left = limit.saturating_sub(list.len());
                if left == 0 {
                    break;
                }
                list.extend(journal.list(*st, left).map_err(CliError::outbox)?);
            }
            out.json(&shape(fiskal_json::entries_json(&list))?);
            for e in &list {
                out.text(&format!(
                    "{:<30} {:<12} {:<18} {:<19} {}",
                    e.key,
                    e.provider,
                    e.state.name(),
                    local_time(e.state_since),
                    e.last_message.as_deref().unwrap_or("")
                ));
            }
            out.say(
                &format!("Всего: {}", list.len()),
                &format!("Total: {}", list.len()),
            );
            let mut seen: Vec<State> = list.iter().map(|e| e.state).collect();
            seen.sort();
            seen.dedup();
            for st in seen {
                let (ru, en) = state_meaning(st);
                out.say(
                    &format!("  {}: {ru}", st.name()),
                    &format!("  {}: {en}", st.name()),
                );
            }
        }
        QueueCommand::Show { key } => {
            let e = journal
                .get(&key)
                .map_err(CliError::outbox)?
                .ok_or_else(|| {
                    CliError::tr(
                        exit::INVALID_INPUT,
                        format!("в очереди нет записи с ключом {key:?}"),
                        format!("no entry with key {key:?} in the outbox"),
                    )
                })?;
            let audit = journal.audit(&key).map_err(CliError::outbox)?;
            let entry = shape(fiskal_json::entry_json(&e))?;
            let mut v = entry.clone();
            v["audit"] = shape(fiskal_json::audit_json(&audit))?["records"].take();
            out.json(&v);
            show_entry(out, &e);
            if let Some(a) = e.attention() {
                attention_line(out, &a);
            }
            out.say("Журнал изменений:", "Audit trail:");
            audit_lines(out, &audit);
        }
        QueueCommand::Audit { key } => {
            let audit = journal.audit(&key).map_err(CliError::outbox)?;
            if audit.is_empty() && journal.get(&key).map_err(CliError::outbox)?.is_none() {
                return Err(no_entry(&key));
            }
            out.json(&shape(fiskal_json::audit_json(&audit))?);
            audit_lines(out, &audit);
        }
        QueueCommand::Render {
            key,
            format,
            width,
            out: to,
        } => {
            let e = journal
                .get(&key)
                .map_err(CliError::outbox)?
                .ok_or_else(|| no_entry(&key))?;
            super::receipt::render_stored(out, &e, format, width, to.as_deref())?;
        }
        QueueCommand::Stats => {
            let stats = journal.stats().map_err(CliError::outbox)?;
            let m = journal
                .window_metrics(Duration::from_secs(3600))
                .map_err(CliError::outbox)?;
            let alarms = journal.route_alarms().map_err(CliError::outbox)?;
            let attention = journal.attention_count().map_err(CliError::outbox)?;
            let waiting = journal.waiting_for_register().map_err(CliError::outbox)?;
            let v = shape(fiskal_json::stats_full_json(
                &stats,
                attention,
                waiting,
                &m,
                &alarms,
                journal.is_running(),
                &journal.counters(),
            ))?;
            out.json(&v);
            for s in &stats {
                out.text(&format!(
                    "{:<20} {:>8}  {}",
                    s.state.name(),
                    s.count,
                    s.oldest_age
                        .map(|d| human_duration(d, out.lang))
                        .unwrap_or_default()
                ));
            }
            let p50 = opt_duration(m.latency_p50, out.lang);
            let p95 = opt_duration(m.latency_p95, out.lang);
            out.say(
                &format!("За час: пробито {}, отказов {}, ошибок ККТ {}, зависло {}; задержка p50 {p50}, p95 {p95}", m.done, m.rejected, m.failed_at_register, m.stuck),
                &format!("Last hour: done {}, rejected {}, register refusals {}, stuck {}; latency p50 {p50}, p95 {p95}", m.done, m.rejected, m.failed_at_register, m.stuck),
            );
            if waiting > 0 {
                out.say(
                    &format!("Ждут кассу (касса не в сети; повторно не отправляются, зависнут по сроку accepted): {waiting}"),
                    &format!("Waiting for the register (offline; never sent again, stuck at the accepted deadline): {waiting}"),
                );
            }
            if attention > 0 {
                out.say(
                    &format!("Пробито с замечаниями (отрицательная проверка КМ, предупреждения, не передан в ОФД): {attention}"),
                    &format!("Done with attention (negative mark check, warnings, not delivered to the OFD): {attention}"),
                );
            }
            for a in &alarms {
                let code = a.code.as_deref().unwrap_or("—");
                out.say(
                    &format!("Маршрут {} неисправен: кассовый сервис отклоняет наши учётные данные или настройки ({code}: {}), отказов {}; чеки ждут исправления настроек", a.route, a.message, a.failures),
                    &format!("Route {} is unhealthy: the provider refuses our credentials or configuration ({code}: {}), {} refusals; receipts wait for the settings to be fixed", a.route, a.message, a.failures),
                );
            }
        }
        QueueCommand::Requeue { key, reason, who } => {
            let Journal::Full(outbox) = &journal else {
                return Err(CliError::internal("the journal is open read-only"));
            };
            let who = who.unwrap_or_else(os_user);
            let e = outbox
                .requeue(&key, &who, &reason)
                .map_err(operator_error)?;
            out.json(&shape(fiskal_json::entry_json(&e))?);
            let id = e.document_id();
            match e.state {
                State::Accepted => out.say(
                    &format!("Чек {key} снова опрашивается у провайдера под тем же номером документа {id}."),
                    &format!("Receipt {key} is polled at the provider again under the same document id {id}."),
                ),
                State::InDoubt => out.say(
                    &format!("Чек {key} будет выяснен у провайдера под тем же номером документа {id}, прежде чем что-либо отправится снова."),
                    &format!("Receipt {key} will be looked up at the provider under the same document id {id} before anything is sent again."),
                ),
                _ => out.say(
                    &format!("Чек {key} снова в очереди под новым номером документа {id}."),
                    &format!("Receipt {key} is queued again under a new document id {id}."),
                ),
            }
        }
        QueueCommand::Cancel { key, reason, who } => {
            let Journal::Full(outbox) = &journal else {
                return Err(CliError::internal("the journal is open read-only"));
            };
            let who = who.unwrap_or_else(os_user);
            let e = outbox.cancel(&key, &who, &reason).map_err(operator_error)?;
            out.json(&shape(fiskal_json::entry_json(&e))?);
            out.say(
                &format!("Чек {key} отменён и не будет отправлен."),
                &format!("Receipt {key} is cancelled and will not be sent."),
            );
        }
        QueueCommand::Resolve {
            key,
            reason,
            who,
            fiscal,
        } => {
            let Journal::Full(outbox) = &journal else {
                return Err(CliError::internal("the journal is open read-only"));
            };
            let text = super::read_input(&fiscal)?;
            // Through serde_path_to_error, so that a wrongly typed attribute is named
            // (`fiscal.fd_number: invalid type …`), as the HTTP API and the bindings name it.
            let mut json = serde_json::Deserializer::from_str(&text);
            let attrs: fiskal_providers::FiscalAttributes =
                serde_path_to_error::deserialize(&mut json).map_err(|e| {
                    let at = match e.path().to_string() {
                        p if p == "." => "fiscal".to_owned(),
                        p => format!("fiscal.{p}"),
                    };
                    let e = e.into_inner();
                    CliError::tr(
                        exit::INVALID_INPUT,
                        format!(
                            "{}: фискальные реквизиты не прочитаны: {at}: {e}",
                            fiscal.display()
                        ),
                        format!(
                            "{}: the fiscal attributes cannot be read: {at}: {e}",
                            fiscal.display()
                        ),
                    )
                })?;
            let who = who.unwrap_or_else(os_user);
            let e = outbox
                .resolve(&key, &who, &reason, &attrs)
                .map_err(operator_error)?;
            out.json(&shape(fiskal_json::entry_json(&e))?);
            out.say(
                &format!(
                    "Чек {key} отмечен пробитым вручную: ФН {}, ФД {}, ФП {}.",
                    attrs.fn_number, attrs.fd_number, attrs.fiscal_sign
                ),
                &format!(
                    "Receipt {key} is marked done by hand: FN {}, FD {}, FP {}.",
                    attrs.fn_number, attrs.fd_number, attrs.fiscal_sign
                ),
            );
        }
        QueueCommand::Reconcile { hours } => {
            let now = Timestamp::now();
            let from = Timestamp(
                now.as_millis()
                    - i64::try_from(hours.saturating_mul(3_600_000)).unwrap_or(i64::MAX),
            );
            let Journal::Full(outbox) = &journal else {
                return Err(CliError::internal("the journal is open read-only"));
            };
            let r = outbox
                .reconcile(from, now.plus(Duration::from_secs(1)), 100_000)
                .map_err(CliError::outbox)?;
            out.json(&shape(fiskal_json::reconcile_json(&r))?);
            out.say(
                &format!("Проверено {}, совпало {}.", r.checked, r.matched),
                &format!("Checked {}, matched {}.", r.checked, r.matched),
            );
            for (ru, en, list) in [
                (
                    "неизвестны провайдеру",
                    "unknown at the provider",
                    &r.unknown_at_provider,
                ),
                (
                    "не пробиты у провайдера",
                    "not done at the provider",
                    &r.not_done_at_provider,
                ),
                ("реквизиты расходятся", "attributes differ", &r.mismatched),
                (
                    "нет фискальных реквизитов",
                    "fiscal attributes missing",
                    &r.missing_fiscal,
                ),
                ("не удалось проверить", "could not be checked", &r.unchecked),
                (
                    "под нашим номером пробит чужой чек",
                    "another receipt under our document id",
                    &r.id_conflicts,
                ),
                ("зависли, нужен человек", "stuck, need a person", &r.stuck),
                ("пробиты с замечаниями", "done with attention", &r.attention),
                (
                    "пробиты, но не переданы в ОФД",
                    "fiscalised but not delivered to the OFD",
                    &r.not_delivered,
                ),
            ] {
                for x in list {
                    out.say(
                        &format!("  {ru}: {} — {}", x.key, x.detail),
                        &format!("  {en}: {} — {}", x.key, x.detail),
                    );
                }
            }
            if !r.is_clean() {
                return Err(CliError::tr(
                    exit::PROVIDER,
                    "сверка нашла расхождения",
                    "reconciliation found differences",
                )
                .silent());
            }
        }
    }
    Ok(())
}

pub(super) async fn worker(
    out: &Out,
    config: &Path,
    db: &Path,
    until_settled: bool,
) -> Result<(), CliError> {
    let s = load_settings(config)?;
    let progress = *out;
    let outbox = Outbox::open_observed(
        db,
        &s,
        Some(Box::new(move |t: &fiskal_outbox::worker::Transition| {
            progress.transition(t)
        })),
    )
    .map_err(|e| journal_error(db, e))?;
    out.say(
        "Обработчик очереди запущен (Ctrl-C — мягкая остановка).",
        "The outbox worker runs (Ctrl-C stops it gracefully).",
    );
    let w = outbox.worker().clone();
    let stop = super::signal::stop_requested();
    // A progress line every 2 s: the queue by state and what this worker did.
    let store = std::sync::Arc::clone(outbox.worker().store());
    let ticker_out = *out;
    let counters = outbox.worker().clone();
    let ticker = tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(2));
        every.tick().await;
        loop {
            every.tick().await;
            let store = std::sync::Arc::clone(&store);
            let Ok(Ok(stats)) =
                tokio::task::spawn_blocking(move || store.stats(Timestamp::now())).await
            else {
                continue;
            };
            let n = |st: State| stats.iter().find(|x| x.state == st).map_or(0, |x| x.count);
            let waiting = n(State::Queued) + n(State::RetryLater);
            let flight = n(State::Sending) + n(State::Accepted) + n(State::InDoubt);
            let c = counters.counters();
            ticker_out.say(
                &format!(
                    "  [очередь {waiting} · в работе {flight} · пробито {} (всего {}) · отказ {} · зависло {}]",
                    c.done,
                    n(State::Done),
                    n(State::Rejected) + n(State::FailedAtRegister),
                    n(State::Stuck)
                ),
                &format!(
                    "  [waiting {waiting} · in flight {flight} · done {} (total {}) · refused {} · stuck {}]",
                    c.done,
                    n(State::Done),
                    n(State::Rejected) + n(State::FailedAtRegister),
                    n(State::Stuck)
                ),
            );
        }
    });
    let settled = if until_settled {
        w.run_until_settled(stop).await
    } else {
        w.run(stop).await;
        true
    };
    ticker.abort();
    let c = outbox.counters();
    out.json(
        &json!({"settled": settled, "claimed": c.claimed, "submits": c.submits,
        "status_calls": c.status_calls, "done": c.done, "store_errors": c.store_errors}),
    );
    out.say(
        &format!(
            "Остановлен: пробито {}, отправок {}, запросов статуса {}.",
            c.done, c.submits, c.status_calls
        ),
        &format!(
            "Stopped: {} done, {} submits, {} status calls.",
            c.done, c.submits, c.status_calls
        ),
    );
    if settled {
        Ok(())
    } else {
        Err(CliError::tr(
            exit::NOT_SETTLED,
            "остановлен раньше, чем очередь обработана",
            "stopped before the queue settled",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_postgres_db_is_shown_without_its_password() {
        let shown = |s: &str| shown_db(Path::new(s));
        assert_eq!(
            shown("postgres://shop:s3cret@db1:5432/fiskal"),
            "postgres://shop:***@db1:5432/fiskal"
        );
        assert_eq!(
            shown("postgresql://shop@db1/fiskal?sslmode=require&password=s3cret"),
            "postgresql://shop@db1/fiskal?sslmode=require&password=***"
        );
        assert_eq!(shown("postgres://shop:p@ss@db1"), "postgres://shop:***@db1");
        assert_eq!(shown("/var/lib/shop/outbox.db"), "/var/lib/shop/outbox.db");
        assert!(is_postgres_db(Path::new("POSTGRES://db1/x")));
        assert!(!is_postgres_db(Path::new("./postgres/outbox.db")));
    }
}
