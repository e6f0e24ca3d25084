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
#[cfg(feature = "emulator")]
mod demo;
mod out;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use out::{CliError, Lang, Out};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

const EXIT_CODES_RU: &str = "Коды выхода:
  0  успех
  1  неверные данные: чек, код маркировки, ТЛВ …
  2  ошибка вызова или настроек
  3  провайдер отказал, или ответ не окончательный
  4  сбой хранилища очереди (диск заполнен, только чтение, нет папки …)
  5  не завершено вовремя
  70 внутренняя ошибка";

const EXIT_CODES_EN: &str = "Exit codes:
  0  success
  1  invalid input: receipt, mark, TLV …
  2  usage or configuration error
  3  the provider refused, or the answer is not final
  4  outbox storage failed (disk full, read-only, missing folder …)
  5  not finished in time
  70 internal error";

/// fiskal — фискализация чеков по 54-ФЗ через облачные кассы (АТОЛ Онлайн, Orange Data, Бизнес.ру)
/// / fiskal — fiscal receipts (54-FZ) through cloud registers (ATOL Online, Orange Data, Business.ru).
#[derive(Debug, Parser)]
#[command(name = "fiskal", version)]
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
    /// Демонстрация: эмуляторы всех провайдеров, очередь, пробитие примеров / the demo: every
    /// provider emulated, the outbox, sample receipts fiscalised.
    // `demo` and `emulator` need the emulators: cargo feature `emulator` (default on).
    #[cfg(feature = "emulator")]
    Demo {
        /// Оставить временную папку (журнал, ключи) / keep the temporary directory (journal, keys).
        #[arg(long)]
        keep: bool,
    },
    /// Проверить чек (JSON) / validate a receipt (JSON file, `-` for stdin).
    Validate {
        /// Файл чека JSON, `-` (stdin) или папка (каждый *.json, по строке на файл) / receipt
        /// JSON file, `-`, or a folder (every *.json, one line per file).
        file: PathBuf,
    },
    /// Разбить большую корзину на чеки / split a cart into receipts under the size limit.
    Split {
        /// Файл корзины JSON или `-` / cart JSON file, or `-`.
        file: PathBuf,
        /// Ключ идемпотентности корзины (части: `<key>-1`, `<key>-2` …) / the cart's idempotency
        /// key (parts get `<key>-1`, `<key>-2` …).
        #[arg(long, default_value = "cart")]
        key: String,
        /// Предел размера TLV одного чека, байт (по умолчанию 30 720) / size budget in bytes of
        /// one receipt's TLV (default 30 720).
        #[arg(long)]
        budget: Option<usize>,
        /// Ограничения провайдера (`atol`: 100 позиций, 10 оплат) / provider limits to respect
        /// (`atol`: 100 items, 10 payments).
        #[arg(long, value_enum, default_value = "none")]
        provider: LimitsPreset,
        /// Записать части файлами `<key>-n.json` в эту папку / write the parts as files
        /// `<key>-n.json` into this folder.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Разобрать код маркировки и показать все форматы / normalise a mark scan, every format.
    Mark {
        /// Скан как есть (GS как байт 0x1D, `\u001d`, `<GS>` …) / the raw scan (GS as a real 0x1D,
        /// `\u001d`, `<GS>` …).
        scan: String,
    },
    /// ТЛВ: закодировать чек, разобрать документ / TLV: encode a receipt, decode a document.
    Tlv {
        #[command(subcommand)]
        command: TlvCommand,
    },
    /// Настройки: проверить файл / settings: check a config file.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Проверить учётные данные у провайдеров (как `config check --online`) / check the
    /// credentials with every route's provider (as `config check --online`).
    Ping {
        /// Файл настроек (TOML или JSON) / config file (TOML or JSON).
        #[arg(long, env = "FISKAL_CONFIG")]
        config: PathBuf,
    },
    /// Отправить один чек напрямую, без очереди / submit one receipt directly.
    Send {
        /// Файл настроек (TOML или JSON): маршруты и провайдеры / config file (TOML or JSON):
        /// routes and provider settings.
        #[arg(long, env = "FISKAL_CONFIG")]
        config: PathBuf,
        /// Маршрут (по умолчанию default_route) / the route (default: the config's default_route).
        #[arg(long)]
        route: Option<String>,
        /// Идентификатор документа у провайдера (ваш ключ идемпотентности) / the document id
        /// sent to the provider (your idempotency key).
        #[arg(long)]
        document_id: String,
        /// Файл чека JSON или `-` / receipt JSON file, or `-`.
        file: PathBuf,
        /// Дождаться фискальных реквизитов (опрос статуса) / wait for the fiscal attributes
        /// (polls the status).
        #[arg(long)]
        wait: bool,
        /// С `--wait`: ждать не дольше (`60s`, `2m`, `500ms`) / with `--wait`: the longest wait
        /// (`60s`, `2m`, `500ms`).
        #[arg(long, default_value = "60s", requires = "wait")]
        timeout: String,
    },
    /// Статус документа у провайдера / status of a document at the provider.
    Status {
        /// Файл настроек (TOML или JSON) / config file (TOML or JSON).
        #[arg(long, env = "FISKAL_CONFIG")]
        config: PathBuf,
        /// Маршрут (по умолчанию default_route) / the route (default: the config's default_route).
        #[arg(long)]
        route: Option<String>,
        /// Идентификатор отправленного документа / the document id that was sent.
        #[arg(long)]
        document_id: String,
        /// Идентификатор у провайдера (uuid АТОЛ; АТОЛ ищет только по нему) / the provider's id
        /// (ATOL's uuid; ATOL looks documents up by it only).
        #[arg(long)]
        provider_id: Option<String>,
        /// Вид документа / the kind of document.
        #[arg(long, value_enum, default_value = "sell")]
        kind: Kind,
    },
    /// Очередь чеков: add, list, show, audit, render, stats, reconcile, requeue, cancel,
    /// resolve / the outbox: add, list, show, audit, render, stats, reconcile, requeue,
    /// cancel, resolve.
    Queue {
        /// Файл настроек (TOML или JSON); до или после подкоманды; нужен только add,
        /// reconcile, requeue, cancel, resolve / config file (TOML or JSON), before or after
        /// the subcommand; only add, reconcile, requeue, cancel and resolve need it.
        #[arg(long, global = true, env = "FISKAL_CONFIG")]
        config: Option<PathBuf>,
        /// Журнал очереди: файл SQLite или postgres://… (сборка с функцией postgres); до или
        /// после подкоманды / the journal: an SQLite file, or postgres://… (a build with the
        /// feature postgres), before or after the subcommand.
        #[arg(long, global = true, env = "FISKAL_DB")]
        db: Option<PathBuf>,
        #[command(subcommand)]
        command: QueueCommand,
    },
    /// Обработчик очереди (Ctrl-C — мягкая остановка) / run the outbox worker (Ctrl-C stops
    /// it gracefully).
    Worker {
        /// Файл настроек (TOML или JSON) / config file (TOML or JSON).
        #[arg(long, env = "FISKAL_CONFIG")]
        config: PathBuf,
        /// Журнал очереди: файл SQLite или postgres://… (сборка с функцией postgres) / the
        /// journal: an SQLite file, or postgres://… (a build with the feature postgres).
        #[arg(long, env = "FISKAL_DB")]
        db: PathBuf,
        /// Остановиться, когда делать больше нечего / stop when nothing is left to do.
        #[arg(long)]
        until_settled: bool,
    },
    /// Чек, как его видит покупатель: текст, HTML, QR-код / render a receipt: text, HTML, QR.
    Render {
        /// Файл чека JSON или `-` / receipt JSON file, or `-`.
        file: PathBuf,
        /// Фискальные реквизиты JSON (`fiskal send --json` → `fiscal`) / fiscal attributes JSON
        /// (as a provider reported them: `fiskal send --json` → `fiscal`).
        #[arg(long)]
        fiscal: Option<PathBuf>,
        /// Формат вывода / output form.
        #[arg(long, value_enum, default_value = "text")]
        format: RenderFormat,
        /// Ширина чека в символах: 42 или 48 / receipt width in characters: 42 or 48.
        #[arg(long, default_value_t = 42)]
        width: usize,
        /// Записать в файл, а не в stdout / write to this file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Ещё записать QR-код ФНС в PNG (нужен --fiscal) / also write the FNS QR code as PNG
        /// here (needs --fiscal).
        #[arg(long)]
        qr_png: Option<PathBuf>,
        /// Ещё записать QR-код ФНС в SVG (нужен --fiscal) / also write the FNS QR code as SVG
        /// here (needs --fiscal).
        #[arg(long)]
        qr_svg: Option<PathBuf>,
    },
    /// Отчёт для бухгалтерии: пробитые чеки за период с итогами по дням, признаку расчёта,
    /// ставке НДС и маршруту / report for the accountant: done receipts of a period with totals
    /// per day, operation, VAT rate and route.
    Report {
        /// Журнал очереди: файл SQLite или postgres://… / the journal: an SQLite file or a
        /// postgres://user@host:port/db URL (feature `postgres`).
        #[arg(long, env = "FISKAL_DB")]
        db: PathBuf,
        /// Файл настроек: для журнала в PostgreSQL его раздел postgres (пароль, схема) / config
        /// file: for a PostgreSQL journal, its `postgres` section (password, schema).
        #[arg(long, env = "FISKAL_CONFIG")]
        config: Option<PathBuf>,
        /// Первый день (ГГГГ-ММ-ДД, по дате чека) / the first day (YYYY-MM-DD, the receipt's
        /// date).
        #[arg(long)]
        from: String,
        /// Последний день включительно (ГГГГ-ММ-ДД) / the last day, included (YYYY-MM-DD).
        #[arg(long)]
        to: String,
        /// Формат: csv или json / the format: csv or json.
        #[arg(long, value_enum, default_value = "csv")]
        format: ReportFormat,
        /// Записать в файл, а не в stdout / write to this file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Дополнение команд для оболочки (bash, zsh, fish) / shell completions (bash, zsh, fish).
    Completions {
        /// Оболочка / the shell.
        #[arg(value_enum)]
        shell: ShellKind,
    },
    /// Страница man (roff) / the man page (roff).
    Man {
        /// Записать в файл (например fiskal.1), а не в stdout / write to this file (e.g.
        /// fiskal.1) instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Шлюз HTTP: очередь, обработчик, API и метрики (docs/gateway.md) / the HTTP gateway: the
    /// outbox, its worker, the API and metrics (docs/gateway.md).
    Serve(commands::serve::ServeArgs),
    /// МодульКасса: привязка точки продаж / МодульКасса: associate a retail point.
    Modulkassa(commands::modulkassa::ModulKassaArgs),
    /// Эмулятор провайдера для вашего CI / a provider emulator (`fiskal emulator atol --port 0`).
    // The arguments are the `fiskal-emulator` binary's, the one definition of them.
    #[cfg(feature = "emulator")]
    Emulator(fiskal_emulator::cli::EmulatorArgs),
}

#[derive(Debug, Subcommand)]
enum TlvCommand {
    /// Чек JSON → ТЛВ / receipt JSON → TLV.
    Encode {
        /// Файл чека JSON или `-` / receipt JSON file, or `-`.
        file: PathBuf,
        /// Формат вывода / output form.
        #[arg(long, value_enum, default_value = "hex")]
        format: TlvFormat,
        /// Записать в файл, а не в stdout (для `bin` обязательно) / write to this file instead of
        /// stdout (required for `bin`).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// ТЛВ любого ФД → разбор с русскими названиями тегов (и чек JSON для форм 3/31) / TLV of
    /// any fiscal document → a dump with Russian tag names (and receipt JSON for forms 3/31).
    Decode {
        /// Файл с ТЛВ (hex, base64 или двоичный) или `-` / file with the TLV (hex or base64
        /// text, or binary), or `-`.
        file: PathBuf,
        /// Формат ввода / input form.
        #[arg(long, value_enum, default_value = "hex")]
        format: TlvFormat,
        /// Список реквизитов без конверта документа (как отдают ФН и архивы) / a bare
        /// requisite list without the document envelope (as drives and archives give it).
        #[arg(long)]
        bare: bool,
        /// С `--bare`: код формы документа (3 — чек) / with `--bare`: the form code (3 = receipt).
        #[arg(long, requires = "bare")]
        form: Option<u16>,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Прочитать файл, проверить каждое поле, собрать клиентов провайдеров (секреты из
    /// переменных и файлов; без сети) / read the file, check every field, build every provider
    /// client (reads secrets from env vars and files; no network) and say what is wrong.
    Check {
        /// Файл настроек (TOML или JSON) / config file (TOML or JSON).
        #[arg(env = "FISKAL_CONFIG")]
        file: PathBuf,
        /// Ещё спросить каждого провайдера (токен / проверка связи): верны ли учётные данные /
        /// also ask each route's provider (a token / its health call) whether the credentials
        /// work.
        #[arg(long)]
        online: bool,
    },
}

#[derive(Debug, Subcommand)]
enum QueueCommand {
    /// Поставить чеки в очередь (сохраняются до возврата, одним пакетом) / enqueue receipts
    /// (stored durably, as one batch, before this returns).
    Add {
        /// Файлы чеков JSON (или `-`) / receipt JSON files (or `-`).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Ключ идемпотентности (заказ + операция + часть), для одного файла / the idempotency
        /// key (order + operation + part), for one file.
        #[arg(long, conflicts_with = "key_prefix")]
        key: Option<String>,
        /// Ключ каждого файла: этот префикс + имя файла без расширения / each file's key: this
        /// prefix + the file name without its extension.
        #[arg(long)]
        key_prefix: Option<String>,
        /// Разбить большую корзину на части `<key>-n` (как `fiskal split`) / split a large cart
        /// into parts `<key>-n` (as `fiskal split` does).
        #[arg(long)]
        split: bool,
        /// Маршрут (по умолчанию default_route) / the route (default: the config's default_route).
        #[arg(long)]
        route: Option<String>,
    },
    /// Записи в состоянии, старые первыми / entries in a state, oldest first.
    List {
        /// Состояние (queued, sending, accepted, done, in_doubt, retry_later, failed_at_register,
        /// rejected, stuck, cancelled) или all / the state (queued, sending, accepted, done,
        /// in_doubt, retry_later, failed_at_register, rejected, stuck, cancelled), or all.
        #[arg(long, default_value = "queued")]
        state: String,
        /// Не больше стольких / at most this many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Одна запись с журналом изменений / one entry with its audit trail.
    Show {
        /// Ключ / the key.
        key: String,
    },
    /// Журнал изменений записи (местное время) / an entry's audit trail (local times).
    Audit {
        /// Ключ / the key.
        key: String,
    },
    /// Сохранённый чек, как его видит покупатель (с реквизитами, если пробит) / a stored
    /// receipt as the buyer sees it (with the fiscal attributes once done).
    Render {
        /// Ключ / the key.
        key: String,
        /// Формат вывода / output form.
        #[arg(long, value_enum, default_value = "text")]
        format: RenderFormat,
        /// Ширина чека в символах: 42 или 48 / receipt width in characters: 42 or 48.
        #[arg(long, default_value_t = 42)]
        width: usize,
        /// Записать в файл, а не в stdout / write to this file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Счётчики и возраст по состояниям, итоги и задержка за час / counts and ages per state,
    /// the last hour's outcomes and latency.
    Stats,
    /// Сверить пробитые чеки журнала с провайдерами / compare the journal's done receipts with
    /// the providers.
    Reconcile {
        /// Чеки, пробитые за последние N часов / receipts done in the last N hours.
        #[arg(long, default_value_t = 24)]
        hours: u64,
    },
    /// Отправить запись снова (rejected, failed_at_register, stuck): под новым номером
    /// документа, только если провайдер не может хранить прежний / send an entry again
    /// (rejected, failed_at_register, stuck): under a new document id only where no provider can
    /// hold the old one.
    Requeue {
        /// Ключ / the key.
        key: String,
        /// Причина (в журнал изменений) / why (kept in the audit trail).
        #[arg(long)]
        reason: String,
        /// Кто (по умолчанию пользователь ОС) / who (default: the OS user).
        #[arg(long)]
        who: Option<String>,
    },
    /// Отменить запись, которую провайдер не может хранить (queued, retry_later,
    /// failed_at_register, rejected, stuck) / cancel an entry no provider can hold (queued,
    /// retry_later, failed_at_register, rejected, stuck).
    Cancel {
        /// Ключ / the key.
        key: String,
        /// Причина (в журнал изменений) / why (kept in the audit trail).
        #[arg(long)]
        reason: String,
        /// Кто (по умолчанию пользователь ОС) / who (default: the OS user).
        #[arg(long)]
        who: Option<String>,
    },
    /// Отметить зависший чек (stuck) пробитым вручную: он фискализирован (найден в личном
    /// кабинете ОФД или провайдера) / mark a stuck receipt as resolved by hand: it was
    /// fiscalised (found in the ОФД's or the provider's personal account).
    Resolve {
        /// Ключ / the key.
        key: String,
        /// Причина (в журнал изменений) / why (kept in the audit trail).
        #[arg(long)]
        reason: String,
        /// Кто (по умолчанию пользователь ОС) / who (default: the OS user).
        #[arg(long)]
        who: Option<String>,
        /// Фискальные реквизиты, JSON (fn_number, fd_number, fiscal_sign, date_time, total,
        /// operation …; «-» — stdin) / the fiscal attributes as JSON (fn_number, fd_number,
        /// fiscal_sign, date_time, total, operation …; `-`: stdin).
        #[arg(long)]
        fiscal: PathBuf,
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
enum ReportFormat {
    Csv,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ShellKind {
    Bash,
    Zsh,
    Fish,
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

/// The `--lang` the command line asks for (read before clap, so that help and clap's own
/// messages are in that language too); Russian by default.
fn requested_lang() -> Lang {
    let mut lang = Lang::Ru;
    let mut args = std::env::args_os().skip(1);
    while let Some(a) = args.next() {
        let a = a.to_string_lossy().into_owned();
        let value = if a == "--" {
            break;
        } else if a == "--lang" {
            args.next().map(|v| v.to_string_lossy().into_owned())
        } else {
            a.strip_prefix("--lang=").map(str::to_owned)
        };
        match value.as_deref() {
            Some("ru") => lang = Lang::Ru,
            Some("en") => lang = Lang::En,
            _ => {}
        }
    }
    lang
}

/// One language of a bilingual help text `русский / English` (a text without ` / ` is kept).
fn pick(text: &str, lang: Lang) -> String {
    match text.split_once(" / ") {
        Some((ru, en)) => match lang {
            Lang::Ru => ru.trim().to_owned(),
            Lang::En => {
                let en = en.trim();
                let mut c = en.chars();
                c.next()
                    .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
            }
        },
        None => text.trim().to_owned(),
    }
}

/// The command's help in one language: every about and argument help (written `ru / en` in
/// the doc comments), and in Russian also clap's headings and its help and version flags.
fn localize(mut cmd: clap::Command, lang: Lang, root: bool) -> clap::Command {
    use clap::{Arg, ArgAction};
    if let Some(about) = cmd.get_about().map(ToString::to_string) {
        cmd = cmd.about(pick(&about, lang));
    }
    let long_about = cmd.get_long_about().map(ToString::to_string);
    if let Some(about) = long_about {
        cmd = cmd.long_about(pick(&about, lang));
    }
    let ids: Vec<String> = cmd
        .get_arguments()
        .map(|a| a.get_id().to_string())
        .collect();
    for id in ids {
        cmd = cmd.mut_arg(id, |a| {
            let help = a.get_help().map(ToString::to_string);
            let positional = a.is_positional();
            let mut a = match help {
                Some(h) => a.help(pick(&h, lang)).long_help(None),
                None => a,
            };
            if lang == Lang::Ru {
                a = a.help_heading(if positional {
                    "Аргументы"
                } else {
                    "Параметры"
                });
            }
            a
        });
    }
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in subs {
        cmd = cmd.mut_subcommand(name, |s| localize(s, lang, false));
    }
    if root {
        cmd = cmd.after_help(match lang {
            Lang::Ru => EXIT_CODES_RU,
            Lang::En => EXIT_CODES_EN,
        });
    }
    if lang == Lang::Ru {
        cmd = cmd
            .help_template("{before-help}{about-with-newline}\nИспользование: {usage}\n\n{all-args}{after-help}")
            .subcommand_help_heading("Команды")
            .subcommand_value_name("КОМАНДА")
            .disable_help_flag(true)
            .arg(
                Arg::new("help")
                    .short('h')
                    .long("help")
                    .action(ArgAction::Help)
                    .help("Показать справку")
                    .help_heading("Параметры"),
            );
        if root {
            cmd = cmd.disable_version_flag(true).arg(
                Arg::new("version")
                    .short('V')
                    .long("version")
                    .action(ArgAction::Version)
                    .help("Показать версию")
                    .help_heading("Параметры"),
            );
        }
    }
    cmd
}

/// A command line clap cannot parse: its message as usual, or as JSON with `--json` (help and
/// `--version` are printed as they are).
fn usage_error(e: &clap::Error, lang: Lang) -> ExitCode {
    use clap::error::ErrorKind as K;
    let json = std::env::args_os()
        .skip(1)
        .take_while(|a| a != "--")
        .any(|a| a == "--json");
    let help = matches!(
        e.kind(),
        K::DisplayHelp | K::DisplayVersion | K::DisplayHelpOnMissingArgumentOrSubcommand
    );
    if !json || help {
        if lang == Lang::Ru && !help {
            let what = match e.kind() {
                K::UnknownArgument => "неизвестный параметр",
                K::MissingRequiredArgument => "не указаны обязательные параметры",
                K::InvalidValue | K::ValueValidation => "недопустимое значение параметра",
                K::InvalidSubcommand => "неизвестная команда",
                K::MissingSubcommand => "не указана команда",
                K::ArgumentConflict => "параметры несовместимы",
                K::TooManyValues | K::WrongNumberOfValues | K::TooFewValues => {
                    "неверное число значений"
                }
                _ => "ошибка вызова",
            };
            let _ = writeln!(
                std::io::stderr(),
                "fiskal: {what} (подробности от clap по-английски ниже; справка: --help)"
            );
        }
        let _ = e.print();
        return ExitCode::from(if e.use_stderr() { out::exit::CONFIG } else { 0 });
    }
    let out = Out { json: true, lang };
    let text = e.render().to_string();
    out.error(&CliError::new(
        out::exit::CONFIG,
        text.trim().trim_start_matches("error: "),
    ));
    ExitCode::from(out::exit::CONFIG)
}

fn main() -> ExitCode {
    let lang = requested_lang();
    let parsed = localize(Cli::command(), lang, true)
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e, lang),
    };
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
