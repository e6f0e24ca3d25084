//! Output (human-readable in Russian or English, or JSON for scripts) and the errors with their
//! exit codes.

use fiskal_outbox::worker::Transition;
use fiskal_outbox::{Entry, State};
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

/// An error of a command: the exit code, a message, optional JSON details.
#[derive(Debug)]
pub(crate) struct CliError {
    pub(crate) code: u8,
    pub(crate) message: String,
    pub(crate) details: Option<serde_json::Value>,
    /// Already reported to the user (e.g. a provider's refusal printed as the outcome).
    pub(crate) silent: bool,
}

impl CliError {
    pub(crate) fn new(code: u8, message: impl Into<String>) -> CliError {
        CliError {
            code,
            message: message.into(),
            details: None,
            silent: false,
        }
    }

    pub(crate) fn silent(mut self) -> CliError {
        self.silent = true;
        self
    }

    pub(crate) fn with(mut self, details: serde_json::Value) -> CliError {
        self.details = Some(details);
        self
    }

    pub(crate) fn internal(message: impl Into<String>) -> CliError {
        CliError::new(exit::INTERNAL, message)
    }

    pub(crate) fn config(message: impl Into<String>) -> CliError {
        CliError::new(exit::CONFIG, message)
    }

    pub(crate) fn invalid(message: impl Into<String>) -> CliError {
        CliError::new(exit::INVALID_INPUT, message)
    }

    pub(crate) fn not_settled(message: impl Into<String>) -> CliError {
        CliError::new(exit::NOT_SETTLED, message)
    }

    pub(crate) fn io(path: &Path, e: &std::io::Error) -> CliError {
        CliError::config(format!("{}: {e}", path.display()))
    }

    pub(crate) fn outbox(e: fiskal_outbox::OutboxError) -> CliError {
        use fiskal_outbox::OutboxError as O;
        let code = match &e {
            O::InvalidReceipt { .. } | O::InvalidKey { .. } | O::KeyConflict { .. } => {
                exit::INVALID_INPUT
            }
            O::InvalidConfig { .. } | O::UnknownRoute { .. } | O::Open { .. } => exit::CONFIG,
            O::NotFound { .. } => exit::INVALID_INPUT,
            _ => exit::STORAGE,
        };
        let details = match &e {
            O::InvalidReceipt { violations, .. } => Some(violations_json(violations)),
            _ => None,
        };
        CliError {
            code,
            message: e.to_string(),
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
        CliError::new(code, e.to_string())
    }
}

/// Violations as JSON: path, code, number, Russian and English messages.
pub(crate) fn violations_json(v: &[fiskal_ffd::Violation]) -> serde_json::Value {
    serde_json::Value::Array(
        v.iter()
            .map(|x| {
                serde_json::json!({
                    "path": x.path,
                    "code": x.kind.code(),
                    "number": x.kind.number(),
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
                    "error": {"exit_code": e.code, "message": e.message, "details": e.details}
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
        let _ = writeln!(err, "fiskal: {head}: {}", e.message);
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
                    v["number"],
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
    pub(crate) fn results(&self, rows: &[(Entry, &str, String, usize)]) {
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
