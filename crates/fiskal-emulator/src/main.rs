//! `fiskal-emulator`: runs a provider emulator on loopback until Ctrl-C. The command line is
//! [`fiskal_emulator::cli::EmulatorArgs`], the same definition `fiskal emulator …` uses.
#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    let args = match fiskal_emulator::cli::parse_from(std::env::args_os()) {
        Ok(args) => args,
        // Help and --version (exit 0), or what does not parse (exit 2), as clap prints them.
        Err(e) => e.exit(),
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
    ExitCode::from(rt.block_on(fiskal_emulator::cli::run(args)))
}
