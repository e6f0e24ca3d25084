//! The commands other than the demo. Receipt work goes through `fiskal-json`, the operations
//! layer of the C ABI, so `--json` output is exactly what every binding gets.

mod batch;
#[cfg(feature = "emulator")]
mod emulator;
pub(crate) mod modulkassa;
mod provider;
mod queue;
mod receipt;
mod report;
pub(crate) mod serve;
mod shell;
mod signal;
mod view;

use crate::out::{exit, CliError, Out};
use crate::{Command, ConfigCommand, TlvCommand};
use fiskal_json::ApiError;
use serde_json::Value;
use std::io::Read;
use std::path::Path;

pub(crate) async fn run(out: &Out, command: Command) -> Result<(), CliError> {
    match command {
        #[cfg(feature = "emulator")]
        Command::Demo { keep } => crate::demo::run(out, keep).await,
        Command::Validate { file } if file.is_dir() => batch::validate_dir(out, &file),
        Command::Validate { file } => receipt::validate(out, &file),
        Command::Split {
            file,
            key,
            budget,
            provider,
            out: dir,
        } => receipt::split(out, &file, &key, budget, provider, dir.as_deref()),
        Command::Mark { scan } => receipt::mark(out, &scan),
        Command::Tlv { command } => match command {
            TlvCommand::Encode {
                file,
                format,
                out: to,
            } => receipt::tlv_encode(out, &file, format, to.as_deref()),
            TlvCommand::Decode {
                file,
                format,
                bare,
                form,
            } => receipt::tlv_decode(out, &file, format, bare, form),
        },
        Command::Config {
            command: ConfigCommand::Check { file, online },
        } => provider::config_check(out, &file, online).await,
        Command::Ping { config } => provider::config_check(out, &config, true).await,
        Command::Send {
            config,
            route,
            document_id,
            file,
            wait,
            timeout,
        } => {
            let wait = if wait {
                Some(parse_duration(&timeout, "--timeout")?)
            } else {
                None
            };
            provider::send(out, &config, route.as_deref(), &document_id, &file, wait).await
        }
        Command::Status {
            config,
            route,
            document_id,
            provider_id,
            kind,
        } => {
            provider::status(
                out,
                &config,
                route.as_deref(),
                &document_id,
                provider_id.as_deref(),
                kind,
            )
            .await
        }
        Command::Queue {
            config,
            db,
            command,
        } => {
            let db = required(db, "--db", "queue")?;
            queue::queue(out, config.as_deref(), &db, command)
        }
        Command::Worker {
            config,
            db,
            until_settled,
        } => queue::worker(out, &config, &db, until_settled).await,
        #[cfg(feature = "emulator")]
        Command::Emulator(args) => emulator::run(args).await,
        Command::Serve(args) => serve::serve(out, args).await,
        Command::Modulkassa(args) => modulkassa::run(out, args).await,
        Command::Report {
            db,
            config,
            from,
            to,
            format,
            out: to_file,
        } => report::report(
            out,
            (&db, config.as_deref()),
            &from,
            &to,
            format,
            to_file.as_deref(),
        ),
        Command::Completions { shell } => shell::completions(out, shell),
        Command::Man { out: to } => shell::man(out, to.as_deref()),
        Command::Render {
            file,
            fiscal,
            format,
            width,
            out: to,
            qr_png,
            qr_svg,
        } => receipt::render(
            out,
            &receipt::RenderArgs {
                file: &file,
                fiscal: fiscal.as_deref(),
                format,
                width,
                to: to.as_deref(),
                qr_png: qr_png.as_deref(),
                qr_svg: qr_svg.as_deref(),
            },
        ),
    }
}

/// A duration as people write it: `60s`, `2m`, `500ms`, `90` (seconds).
pub(crate) fn parse_duration(text: &str, option: &str) -> Result<std::time::Duration, CliError> {
    let t = text.trim();
    let (num, unit) = t
        .find(|c: char| !c.is_ascii_digit())
        .map_or((t, ""), |i| t.split_at(i));
    let n: u64 = num
        .parse()
        .ok()
        .filter(|_| !num.is_empty())
        .ok_or_else(|| bad_duration(text, option))?;
    let d = match unit.trim() {
        "" | "s" => std::time::Duration::from_secs(n),
        "ms" => std::time::Duration::from_millis(n),
        "m" | "min" => std::time::Duration::from_secs(n.saturating_mul(60)),
        "h" => std::time::Duration::from_secs(n.saturating_mul(3600)),
        _ => return Err(bad_duration(text, option)),
    };
    Ok(d)
}

fn bad_duration(text: &str, option: &str) -> CliError {
    CliError::tr(
        exit::CONFIG,
        format!("{option} {text:?}: нужна длительность вроде 60s, 2m, 500ms"),
        format!("{option} {text:?}: expected a duration such as 60s, 2m, 500ms"),
    )
}

/// A global option of a command group (`queue`) that clap cannot mark required.
pub(super) fn required(
    v: Option<std::path::PathBuf>,
    option: &str,
    command: &str,
) -> Result<std::path::PathBuf, CliError> {
    let env = if option == "--db" {
        "FISKAL_DB"
    } else {
        "FISKAL_CONFIG"
    };
    v.ok_or_else(|| {
        CliError::tr(
            exit::CONFIG,
            format!("`fiskal {command}` требует {option}: его можно указать до или после подкоманды (fiskal {command} {option} … add …) или в переменной окружения {env}"),
            format!("`fiskal {command}` needs {option}: give it before or after the subcommand (fiskal {command} {option} … add …) or in the environment variable {env}"),
        )
    })
}

fn read_input(path: &Path) -> Result<String, CliError> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(|e| {
            let (ru, en) = crate::out::io_reason(&e);
            CliError::tr(exit::CONFIG, format!("stdin: {ru}"), format!("stdin: {en}"))
        })?;
        return Ok(s);
    }
    std::fs::read_to_string(path).map_err(|e| CliError::io(path, &e))
}

fn api_error(_out: &Out, e: ApiError) -> CliError {
    let n = e.code.number();
    let code = if (100..200).contains(&n) && n != 102 {
        exit::CONFIG
    } else {
        exit::INVALID_INPUT
    };
    let with_path = |msg: &str| match &e.path {
        Some(p) => format!("[{n}] {p}: {msg}"),
        None => format!("[{n}] {msg}"),
    };
    let mut err = CliError::tr(code, with_path(&e.message_ru), with_path(&e.message_en));
    if let Some(d) = e.details {
        err = err.with(d);
    }
    err
}

/// A receipt JSON that cannot be read (shape, types, unknown fields), in both languages.
pub(super) fn receipt_error(out: &Out, e: fiskal_ffd::Error) -> CliError {
    api_error(out, ApiError::from(e))
}

fn parse_json(s: &str) -> Result<Value, CliError> {
    serde_json::from_str(s).map_err(|e| CliError::internal(format!("library output: {e}")))
}
