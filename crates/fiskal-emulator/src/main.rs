//! `fiskal-emulator`: runs a provider emulator on loopback until Ctrl-C (see
//! [`fiskal_emulator::cli`] for the options; `fiskal emulator …` runs the same).
#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
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
    ExitCode::from(rt.block_on(fiskal_emulator::cli::run(&args)))
}
