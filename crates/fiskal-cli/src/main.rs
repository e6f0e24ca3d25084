//! `fiskal`: the command line of the fiskal SDK.
//!
//! `fiskal demo` fiscalises sample receipts through every provider adapter against local
//! emulators (no network, no account); the other commands validate, split, encode and send
//! receipts, normalise mark codes, and run the outbox. `fiskal --help` lists them with the exit
//! codes.
// A command-line tool's job is to print.
#![allow(clippy::print_stdout)]
#![forbid(unsafe_code)]

mod commands;
mod demo;
mod out;

use clap::{Parser, Subcommand, ValueEnum};
use out::{CliError, Lang, Out};
use std::path::PathBuf;
use std::process::ExitCode;

const EXIT_CODES: &str = "Exit codes / коды выхода:
  0  success / успех
  1  invalid input: receipt, mark, TLV … / неверные данные
  2  usage or configuration error / ошибка вызова или настроек
  3  the provider refused, or the answer is not final / провайдер отказал или ответ не окончательный
  4  outbox storage failed (disk full, read-only …) / сбой хранилища очереди
  5  not finished in time / не завершено вовремя
  70 internal error / внутренняя ошибка";

/// fiskal — фискализация чеков по 54-ФЗ через облачные кассы (АТОЛ Онлайн, Orange Data,
/// Бизнес.ру). Fiscal receipts (54-FZ) through cloud registers.
#[derive(Debug, Parser)]
#[command(name = "fiskal", version, after_help = EXIT_CODES)]
struct Cli {
    /// Язык сообщений / language of messages.
    #[arg(long, global = true, value_enum, default_value = "ru")]
    lang: Lang,
    /// Вывод в JSON для скриптов / JSON output for scripts.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Демонстрация: эмуляторы всех провайдеров, очередь, пробитие примеров / the demo.
    Demo {
        /// Keep the temporary directory (journal, keys) for a look afterwards.
        #[arg(long)]
        keep: bool,
    },
    /// Проверить чек (JSON) / validate a receipt (JSON file, `-` for stdin).
    Validate {
        /// Receipt JSON file, or `-`.
        file: PathBuf,
    },
    /// Разбить большую корзину на чеки / split a cart into receipts under the size limit.
    Split {
        /// Cart JSON file, or `-`.
        file: PathBuf,
        /// The cart's idempotency key (parts get `<key>-1`, `<key>-2` …).
        #[arg(long, default_value = "cart")]
        key: String,
        /// Size budget in bytes of one receipt's TLV (default 30 720).
        #[arg(long)]
        budget: Option<usize>,
        /// Provider limits to respect (`atol`: 100 items, 10 payments).
        #[arg(long, value_enum, default_value = "none")]
        provider: LimitsPreset,
    },
    /// Разобрать код маркировки и показать все форматы / normalise a mark scan, every format.
    Mark {
        /// The raw scan (GS as a real 0x1D, `\u001d`, `<GS>` …).
        scan: String,
    },
    /// TLV: encode a receipt, decode a document / ТЛВ.
    Tlv {
        #[command(subcommand)]
        command: TlvCommand,
    },
    /// Настройки: проверить файл / settings: check a config file.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Отправить один чек напрямую, без очереди / submit one receipt directly.
    Send {
        /// Config file (TOML or JSON): routes and provider settings.
        #[arg(long)]
        config: PathBuf,
        /// The route (default: the config's default_route).
        #[arg(long)]
        route: Option<String>,
        /// The document id sent to the provider (your idempotency key).
        #[arg(long)]
        document_id: String,
        /// Receipt JSON file, or `-`.
        file: PathBuf,
    },
    /// Статус документа у провайдера / status of a document at the provider.
    Status {
        /// Config file (TOML or JSON).
        #[arg(long)]
        config: PathBuf,
        /// The route (default: the config's default_route).
        #[arg(long)]
        route: Option<String>,
        /// The document id that was sent.
        #[arg(long)]
        document_id: String,
        /// The provider's id, when known (ATOL uuid).
        #[arg(long)]
        provider_id: Option<String>,
        /// The kind of document.
        #[arg(long, value_enum, default_value = "sell")]
        kind: Kind,
    },
    /// Очередь чеков / the outbox: add, list, show, stats, reconcile.
    Queue {
        /// Config file (TOML or JSON).
        #[arg(long)]
        config: PathBuf,
        /// The journal (SQLite file).
        #[arg(long)]
        db: PathBuf,
        #[command(subcommand)]
        command: QueueCommand,
    },
    /// Обработчик очереди (Ctrl-C — мягкая остановка) / run the outbox worker.
    Worker {
        /// Config file (TOML or JSON).
        #[arg(long)]
        config: PathBuf,
        /// The journal (SQLite file).
        #[arg(long)]
        db: PathBuf,
        /// Stop when nothing is left to do.
        #[arg(long)]
        until_settled: bool,
    },
    /// Чек, как его видит покупатель: текст, HTML, QR-код / render a receipt: text, HTML, QR.
    Render {
        /// Receipt JSON file, or `-`.
        file: PathBuf,
        /// Fiscal attributes JSON (as a provider reported them: `fiskal send --json` → `fiscal`).
        #[arg(long)]
        fiscal: Option<PathBuf>,
        /// Output form.
        #[arg(long, value_enum, default_value = "text")]
        format: RenderFormat,
        /// Receipt width in characters: 42 or 48.
        #[arg(long, default_value_t = 42)]
        width: usize,
        /// Write to this file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Also write the FNS QR code as PNG here (needs --fiscal).
        #[arg(long)]
        qr_png: Option<PathBuf>,
        /// Also write the FNS QR code as SVG here (needs --fiscal).
        #[arg(long)]
        qr_svg: Option<PathBuf>,
    },
    /// Эмулятор провайдера для вашего CI / a provider emulator (`fiskal emulator atol --port 0`).
    Emulator {
        /// Arguments of the emulator (`atol|orange|businessru [--port N] …`; `--help`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
enum TlvCommand {
    /// Receipt JSON → TLV.
    Encode {
        /// Receipt JSON file, or `-`.
        file: PathBuf,
        /// Output form.
        #[arg(long, value_enum, default_value = "hex")]
        format: TlvFormat,
        /// Write to this file instead of stdout (required for `bin`).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// TLV → receipt JSON and a dump with Russian tag names.
    Decode {
        /// File with the TLV (hex or base64 text, or binary), or `-`.
        file: PathBuf,
        /// Input form.
        #[arg(long, value_enum, default_value = "hex")]
        format: TlvFormat,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Reads the file, checks every field, builds every provider client (reads secrets from
    /// env vars and files; no network) and says what is wrong.
    Check {
        /// Config file (TOML or JSON).
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum QueueCommand {
    /// Enqueue a receipt (stored durably before this returns).
    Add {
        /// Receipt JSON file, or `-`.
        file: PathBuf,
        /// The idempotency key (order + operation + part).
        #[arg(long)]
        key: String,
        /// The route (default: the config's default_route).
        #[arg(long)]
        route: Option<String>,
    },
    /// Entries in a state, oldest first.
    List {
        /// The state (queued, sending, accepted, done, in_doubt, retry_later,
        /// failed_at_register, rejected, stuck).
        #[arg(long, default_value = "queued")]
        state: String,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// One entry with its audit trail.
    Show {
        /// The key.
        key: String,
    },
    /// Counts and ages per state, the last hour's outcomes and latency.
    Stats,
    /// Compare the journal's done receipts with the providers.
    Reconcile {
        /// Receipts done in the last N hours.
        #[arg(long, default_value_t = 24)]
        hours: u64,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum TlvFormat {
    Hex,
    Base64,
    Bin,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RenderFormat {
    Text,
    Html,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LimitsPreset {
    None,
    Atol,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Kind {
    Sell,
    SellRefund,
    Buy,
    BuyRefund,
    SellCorrection,
    SellRefundCorrection,
    BuyCorrection,
    BuyRefundCorrection,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Out {
        json: cli.json,
        lang: cli.lang,
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            out.error(&CliError::internal(format!(
                "cannot start the runtime: {e}"
            )));
            return ExitCode::from(out::exit::INTERNAL);
        }
    };
    let result = rt.block_on(commands::run(&out, cli.command));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            out.error(&e);
            ExitCode::from(e.code)
        }
    }
}
