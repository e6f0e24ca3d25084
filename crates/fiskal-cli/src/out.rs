//! Output (human-readable in Russian or English, or JSON for scripts) and the errors with their
//! exit codes.

use fiskal_outbox::worker::Transition;
use fiskal_outbox::State;
use std::io::Write;
use std::path::Path;

/// The language of human-readable output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Lang {
    /// Русский.
    Ru,
    /// English.
    En,
}

/// Exit codes (documented in `fiskal --help` and the README).
pub(crate) mod exit {
    /// The input data is wrong (invalid receipt, mark, TLV …).
    pub(crate) const INVALID_INPUT: u8 = 1;
    /// Wrong usage, or a configuration problem (settings, credentials, files).
    pub(crate) const CONFIG: u8 = 2;
    /// The provider refused, or the answer is not final (in doubt, retry later).
    pub(crate) const PROVIDER: u8 = 3;
    /// The outbox's storage failed (disk full, read-only, locked …).
    pub(crate) const STORAGE: u8 = 4;
    /// Work did not finish in time (queue not settled).
    pub(crate) const NOT_SETTLED: u8 = 5;
    /// A bug: please report it.
    pub(crate) const INTERNAL: u8 = 70;
}

/// An error of a command: the exit code, a message (Russian and English), optional JSON
/// details.
#[derive(Debug)]
pub(crate) struct CliError {
    pub(crate) code: u8,
    /// The English message (and the Russian one when no translation is given).
    pub(crate) message: String,
    /// The Russian message, when it differs from `message`.
    pub(crate) message_ru: Option<String>,
    pub(crate) details: Option<serde_json::Value>,
    /// Already reported to the user (e.g. a provider's refusal printed as the outcome).
    pub(crate) silent: bool,
}

impl CliError {
    pub(crate) fn new(code: u8, message: impl Into<String>) -> CliError {
        CliError {
            code,
            message: message.into(),
            message_ru: None,
            details: None,
            silent: false,
        }
    }

    /// An error with its text in both languages.
    pub(crate) fn tr(code: u8, ru: impl Into<String>, en: impl Into<String>) -> CliError {
        CliError {
            code,
            message: en.into(),
            message_ru: Some(ru.into()),
            details: None,
            silent: false,
        }
    }

    /// The message in `lang`.
    pub(crate) fn text(&self, lang: Lang) -> &str {
        match (lang, &self.message_ru) {
            (Lang::Ru, Some(ru)) => ru,
            _ => &self.message,
        }
    }

    pub(crate) fn silent(mut self) -> CliError {
        self.silent = true;
        self
    }

    /// Silent when `already` (e.g. in `--json` mode, where the command's JSON said it).
    pub(crate) fn silent_if(self, already: bool) -> CliError {
        if already {
            self.silent()
        } else {
            self
        }
    }

    pub(crate) fn with(mut self, details: serde_json::Value) -> CliError {
        self.details = Some(details);
        self
    }

    pub(crate) fn internal(message: impl Into<String>) -> CliError {
        CliError::new(exit::INTERNAL, message)
    }

    pub(crate) fn invalid(message: impl Into<String>) -> CliError {
        CliError::new(exit::INVALID_INPUT, message)
    }

    /// A file that cannot be read: which one, and why, in both languages.
    pub(crate) fn io(path: &Path, e: &std::io::Error) -> CliError {
        let p = path.display();
        let (ru, en) = io_reason(e);
        CliError::tr(exit::CONFIG, format!("{p}: {ru}"), format!("{p}: {en}"))
    }

    /// The journal given with `--db` cannot be opened or written: says which folder or file and
    /// why (exit code 4, storage).
    pub(crate) fn journal(db: &Path, e: &fiskal_outbox::OutboxError) -> CliError {
        let p = db.display();
        let dir = match db.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let d = dir.display();
        let (ru, en) = match std::fs::metadata(&dir) {
            Err(_) => (
                format!("журнал очереди {p}: папки {d} нет; создайте её (mkdir -p {d}) или укажите другой --db"),
                format!("outbox journal {p}: the folder {d} does not exist; create it (mkdir -p {d}) or give another --db"),
            ),
            Ok(m) if !m.is_dir() => (
                format!("журнал очереди {p}: {d} — не папка"),
                format!("outbox journal {p}: {d} is not a folder"),
            ),
            Ok(_) if !db.exists() => (
                format!("журнал очереди {p}: нельзя создать файл в папке {d} (нет прав на запись или файловая система только для чтения): {e}"),
                format!("outbox journal {p}: cannot create a file in the folder {d} (no write permission, or a read-only file system): {e}"),
            ),
            Ok(_) => (
                format!("журнал очереди {p}: файл нельзя открыть на запись (нет прав на файл или на папку {d}, или файловая система только для чтения); смотреть его можно: fiskal queue show/list/stats: {e}"),
                format!("outbox journal {p}: the file cannot be opened for writing (no permission on the file or on the folder {d}, or a read-only file system); it can still be read: fiskal queue show/list/stats: {e}"),
            ),
        };
        CliError::tr(exit::STORAGE, ru, en)
    }

    pub(crate) fn outbox(e: fiskal_outbox::OutboxError) -> CliError {
        use fiskal_outbox::OutboxError as O;
        let code = match &e {
            O::InvalidReceipt { .. } | O::InvalidKey { .. } | O::KeyConflict { .. } => {
                exit::INVALID_INPUT
            }
            O::InvalidConfig { .. } | O::UnknownRoute { .. } => exit::CONFIG,
            O::NotFound { .. } => exit::INVALID_INPUT,
            _ => exit::STORAGE,
        };
        let details = match &e {
            O::InvalidReceipt { violations, .. } => Some(violations_json(violations)),
            _ => None,
        };
        let message_ru = match &e {
            O::InvalidReceipt { violations, .. } => Some(format!(
                "чек не прошёл проверку ({} ош.); в очередь ничего не записано",
                violations.len()
            )),
            O::KeyConflict { key } => Some(format!(
                "ключ {key:?} уже в очереди с другим чеком: ключ называет один чек навсегда"
            )),
            O::NotFound { key } => Some(format!("в очереди нет записи с ключом {key:?}")),
            O::UnknownRoute { name } => Some(format!("в настройках нет маршрута {name:?}")),
            O::InvalidConfig { field, message } => Some(format!(
                "ошибка в настройках очереди: {}{message}",
                field
                    .as_deref()
                    .map(|f| format!("{f}: "))
                    .unwrap_or_default()
            )),
            O::ReadOnly { message } => Some(format!(
                "журнал очереди открыт только для чтения: {message}"
            )),
            O::DiskFull { message } => Some(format!("диск журнала очереди заполнен: {message}")),
            O::Busy { message } => {
                Some(format!("журнал очереди занят другим процессом: {message}"))
            }
            O::InvalidKey { key, reason } => Some(format!("неверный ключ {key:?}: {reason}")),
            O::SchemaTooNew { found, supported } => Some(format!(
                "журнал очереди записан более новой версией (схема {found}, эта сборка знает до {supported}): обновите fiskal"
            )),
            O::Corrupt { key, message } => Some(format!(
                "повреждённая запись журнала {key:?} (файл меняли в обход очереди?): {message}"
            )),
            O::Database { message } => Some(format!("ошибка базы журнала очереди: {message}")),
            O::Conflict { key, .. } => Some(format!(
                "запись {key:?} одновременно изменил другой процесс; повторите"
            )),
            _ => None,
        };
        CliError {
            code,
            message: e.to_string(),
            message_ru,
            details,
            silent: false,
        }
    }

    pub(crate) fn provider(e: &fiskal_providers::ProviderError) -> CliError {
        use fiskal_providers::ProviderError as P;
        let code = match e {
            P::Config { .. } | P::Tls { .. } => exit::CONFIG,
            _ => exit::INVALID_INPUT,
        };
        let ru = match e {
            P::Config { field, message } => format!("настройка `{field}`: {message}"),
            P::Tls { .. } => format!("ошибка TLS (сертификат или ключ): {e}"),
            P::Unsupported {
                provider,
                path,
                message,
            } => {
                format!("чек нельзя отправить в {provider}: `{path}`: {message}")
            }
            P::Invalid(inner) => format!("чек не прошёл проверку: {inner}"),
            _ => e.to_string(),
        };
        CliError::tr(code, ru, e.to_string())
    }
}

/// Why a file operation failed, in Russian and English.
pub(crate) fn io_reason(e: &std::io::Error) -> (String, String) {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => ("файл не найден".into(), "no such file".into()),
        K::PermissionDenied => ("нет прав доступа".into(), "permission denied".into()),
        K::IsADirectory => (
            "это папка, а не файл".into(),
            "is a folder, not a file".into(),
        ),
        K::InvalidData => (
            "файл не в кодировке UTF-8".into(),
            "the file is not UTF-8 text".into(),
        ),
        _ => (e.to_string(), e.to_string()),
    }
}

/// Violations as JSON, in the shape of `fiskal-json` (what every binding gets): path, code (the
/// number, 2001–2034), name, Russian and English messages.
pub(crate) fn violations_json(v: &[fiskal_ffd::Violation]) -> serde_json::Value {
    serde_json::Value::Array(
        v.iter()
            .map(|x| {
                serde_json::json!({
                    "path": x.path,
                    "code": x.kind.number(),
                    "name": x.kind.code(),
                    "message_ru": x.message_ru(),
                    "message_en": x.message_en(),
                })
            })
            .collect(),
    )
}

/// Where output goes, and how.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Out {
    pub(crate) json: bool,
    pub(crate) lang: Lang,
}

fn line(s: &str) {
    let mut o = std::io::stdout().lock();
    let _ = writeln!(o, "{s}");
}

impl Out {
    /// A human-readable line (not in `--json` mode).
    pub(crate) fn say(&self, ru: &str, en: &str) {
        if !self.json {
            line(if self.lang == Lang::Ru { ru } else { en });
        }
    }

    /// Text that is the same in both languages (a table, a dump), not in `--json` mode.
    pub(crate) fn text(&self, s: &str) {
        if !self.json {
            line(s);
        }
    }

    /// A JSON document (only in `--json` mode).
    pub(crate) fn json(&self, v: &serde_json::Value) {
        if self.json {
            line(&serde_json::to_string_pretty(v).unwrap_or_default());
        }
    }

    /// The error, to stderr (and as JSON to stdout in `--json` mode).
    pub(crate) fn error(&self, e: &CliError) {
        if e.silent {
            return;
        }
        if self.json {
            line(
                &serde_json::to_string_pretty(&serde_json::json!({
                    "error": {"exit_code": e.code, "message": e.text(self.lang), "details": e.details}
                }))
                .unwrap_or_default(),
            );
            return;
        }
        let mut err = std::io::stderr().lock();
        let head = if self.lang == Lang::Ru {
            "ошибка"
        } else {
            "error"
        };
        let _ = writeln!(err, "fiskal: {head}: {}", e.text(self.lang));
        if let Some(serde_json::Value::Array(list)) = &e.details {
            for v in list {
                let msg = if self.lang == Lang::Ru {
                    &v["message_ru"]
                } else {
                    &v["message_en"]
                };
                let _ = writeln!(
                    err,
                    "  {}: [{}] {}",
                    v["path"].as_str().unwrap_or(""),
                    v["code"],
                    msg.as_str().unwrap_or("")
                );
            }
        }
    }

    /// A progress line for an outbox change.
    pub(crate) fn transition(&self, t: &Transition) {
        let e = &t.entry;
        // A poll that is still pending changes nothing worth a line; the ticker shows progress.
        if t.from == e.state {
            return;
        }
        let detail = match (&e.fiscal, e.state) {
            (Some(f), State::Done) => format!("ФД {} ФП {}", f.fd_number, f.fiscal_sign),
            _ => e.last_message.clone().unwrap_or_default(),
        };
        self.text(&format!(
            "    {:<22} {:>18} → {:<18} {detail}",
            e.key,
            t.from.name(),
            e.state.name()
        ));
    }

    /// The demo's result table (or its JSON).
    #[cfg(feature = "emulator")]
    pub(crate) fn results(&self, rows: &[(fiskal_outbox::Entry, &str, String, usize)]) {
        if self.json {
            let v: Vec<serde_json::Value> = rows
                .iter()
                .map(|(e, route, what, times)| {
                    serde_json::json!({
                        "key": e.key, "route": route, "what": what, "state": e.state.name(),
                        "document_id": e.document_id(), "fiscal": e.fiscal,
                        "qr": e.fiscal.as_ref().map(|f| f.qr_string()),
                        "fiscalised_at_provider": times,
                    })
                })
                .collect();
            self.json(&serde_json::json!({ "receipts": v }));
            return;
        }
        self.say("Итоги:", "Results:");
        self.say(
            &format!(
                "  {:<22} {:<12} {:<6} {:>10} {:>6} {:>11} {:>5}",
                "ключ", "провайдер", "статус", "сумма", "ФД", "ФП", "раз"
            ),
            &format!(
                "  {:<22} {:<12} {:<6} {:>10} {:>6} {:>11} {:>5}",
                "key", "route", "state", "total", "FD", "FP", "times"
            ),
        );
        for (e, route, _, times) in rows {
            let (total, fd, fp) =
                e.fiscal
                    .as_ref()
                    .map_or(("-".to_owned(), "-".to_owned(), "-".to_owned()), |f| {
                        (
                            f.total.to_string(),
                            f.fd_number.to_string(),
                            f.fiscal_sign.to_string(),
                        )
                    });
            self.text(&format!(
                "  {:<22} {:<12} {:<6} {total:>10} {fd:>6} {fp:>11} {times:>5}",
                e.key,
                route,
                e.state.name()
            ));
        }
    }
}
