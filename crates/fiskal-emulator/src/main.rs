//! `fiskal-emulator`: runs a provider emulator on loopback until Ctrl-C.
//!
//! ```text
//! fiskal-emulator atol [--port N] [--delay-ms N] [--token-lifetime-s N] [--max-document-size N] [--tls]
//! ```
// The binary's whole job is to tell the user where it listens.
#![allow(clippy::print_stdout)]
#![forbid(unsafe_code)]

use fiskal_emulator::atol::{AtolConfig, AtolEmulator};
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "usage: fiskal-emulator atol [--port N] [--delay-ms N] [--token-lifetime-s N] [--max-document-size N] [--tls]

Serves ATOL Online v4 and v5 on 127.0.0.1 (port 0 = any free port) with the public test
accounts (v4-online-atol-ru / iGFFuihss, v5-online-atol-ru / zUr0OxfI) until Ctrl-C.
With --tls it serves HTTPS and prints the PEM of the test CA to trust.";

fn parse(args: &[String]) -> Result<AtolConfig, String> {
    let mut it = args.iter();
    match it.next().map(String::as_str) {
        Some("atol") => {}
        Some("orangedata" | "businessru") => {
            return Err("only the `atol` emulator is available so far".into())
        }
        _ => return Err(USAGE.into()),
    }
    let mut cfg = AtolConfig::default();
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            return Err(USAGE.into());
        }
        if flag == "--tls" {
            cfg.tls = true;
            continue;
        }
        let value = it
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n\n{USAGE}"))?;
        let number = |v: &str| -> Result<u64, String> {
            v.parse()
                .map_err(|_| format!("{flag}: `{v}` is not a number"))
        };
        match flag.as_str() {
            "--port" => {
                cfg.port = u16::try_from(number(value)?)
                    .map_err(|_| format!("--port: {value} is not a port"))?;
            }
            "--delay-ms" => cfg.processing_delay = Duration::from_millis(number(value)?),
            "--token-lifetime-s" => cfg.token_lifetime = Duration::from_secs(number(value)?),
            "--max-document-size" => {
                cfg.max_document_size = usize::try_from(number(value)?)
                    .map_err(|_| format!("--max-document-size: {value} is too large"))?;
            }
            other => return Err(format!("unknown option {other}\n\n{USAGE}")),
        }
    }
    Ok(cfg)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cfg = match parse(&args) {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(async move {
        let atol = match AtolEmulator::start(cfg).await {
            Ok(h) => h,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        };
        println!("ATOL v4: {}", atol.base_url_v4());
        println!("ATOL v5: {}", atol.base_url_v5());
        if let Some(ca) = atol.ca_pem() {
            println!("CA certificate to trust:\n{ca}");
        }
        println!("Ctrl-C to stop.");
        let _ = tokio::signal::ctrl_c().await;
        let n = atol.journal().len();
        atol.shutdown().await;
        eprintln!("stopped; {n} document(s) accepted");
        ExitCode::SUCCESS
    })
}
