//! The commands other than the demo. Receipt work goes through `fiskal-api`, the operations
//! layer of the C ABI, so `--json` output is exactly what every binding gets.

mod provider;
mod queue;
mod receipt;

use crate::out::{exit, CliError, Lang, Out};
use crate::{Command, ConfigCommand, TlvCommand};
use fiskal_api::ApiError;
use serde_json::Value;
use std::io::Read;
use std::path::Path;

pub(crate) async fn run(out: &Out, command: Command) -> Result<(), CliError> {
    match command {
        Command::Demo { keep } => crate::demo::run(out, keep).await,
        Command::Validate { file } => receipt::validate(out, &file),
        Command::Split {
            file,
            key,
            budget,
            provider,
        } => receipt::split(out, &file, &key, budget, provider),
        Command::Mark { scan } => receipt::mark(out, &scan),
        Command::Tlv { command } => match command {
            TlvCommand::Encode {
                file,
                format,
                out: to,
            } => receipt::tlv_encode(out, &file, format, to.as_deref()),
            TlvCommand::Decode { file, format } => receipt::tlv_decode(out, &file, format),
        },
        Command::Config {
            command: ConfigCommand::Check { file },
        } => provider::config_check(out, &file),
        Command::Send {
            config,
            route,
            document_id,
            file,
        } => provider::send(out, &config, route.as_deref(), &document_id, &file).await,
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
        } => queue::queue(out, &config, &db, command),
        Command::Worker {
            config,
            db,
            until_settled,
        } => queue::worker(out, &config, &db, until_settled).await,
        Command::Emulator { args } => emulator(args).await,
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

fn read_input(path: &Path) -> Result<String, CliError> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| CliError::config(format!("stdin: {e}")))?;
        return Ok(s);
    }
    std::fs::read_to_string(path).map_err(|e| CliError::io(path, &e))
}

fn api_error(out: &Out, e: ApiError) -> CliError {
    let n = e.code.number();
    let code = if (100..200).contains(&n) && n != 102 {
        exit::CONFIG
    } else {
        exit::INVALID_INPUT
    };
    let msg = if out.lang == Lang::Ru {
        &e.message_ru
    } else {
        &e.message_en
    };
    let message = match &e.path {
        Some(p) => format!("[{n}] {p}: {msg}"),
        None => format!("[{n}] {msg}"),
    };
    let mut err = CliError::new(code, message);
    if let Some(d) = e.details {
        err = err.with(d);
    }
    err
}

fn parse_json(s: &str) -> Result<Value, CliError> {
    serde_json::from_str(s).map_err(|e| CliError::internal(format!("library output: {e}")))
}

async fn emulator(args: Vec<String>) -> Result<(), CliError> {
    let code = fiskal_emulator::cli::run(&args).await;
    if code == 0 {
        Ok(())
    } else {
        Err(CliError::new(code, "emulator").silent())
    }
}
