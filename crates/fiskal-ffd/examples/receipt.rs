//! Reads a receipt in fiskal receipt JSON, validates it, and prints its TLV document: the size
//! in bytes (exact, and bounded with what the register adds) and the hex.
//!
//! ```text
//! cargo run -q -p fiskal-ffd --example receipt                 # the embedded sample (FFD 1.2)
//! cargo run -q -p fiskal-ffd --example receipt -- my.json      # your own receipt
//! ```
//!
//! Exit codes: 0 valid, 1 invalid receipt (every problem is listed), 2 unreadable input.

use fiskal_ffd::size::{document_size_bound, RegisterAssumptions, DEFAULT_BUDGET};
use fiskal_ffd::{json, to_tlv, Error};
use std::io::Write;
use std::process::ExitCode;

// Output goes through a writer, not println!: a closed pipe (`| head`) ends the program quietly
// instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {
        if writeln!(std::io::stdout().lock(), $($arg)*).is_err() {
            return ExitCode::SUCCESS;
        }
    };
}

const SAMPLE: &str = include_str!("data/receipt_1_2.json");

fn main() -> ExitCode {
    let (name, text) = match std::env::args().nth(1) {
        Some(path) => match std::fs::read_to_string(&path) {
            Ok(t) => (path, t),
            Err(e) => {
                eprintln!("cannot read {path}: {e}");
                return ExitCode::from(2);
            }
        },
        None => (
            "embedded sample examples/data/receipt_1_2.json".to_owned(),
            SAMPLE.to_owned(),
        ),
    };
    out!("Чек / receipt: {name}");
    let receipt = match json::parse_and_validate(&text) {
        Ok(r) => r,
        Err(Error::Invalid(problems)) => {
            out!("НЕВЕРНО / INVALID: {} problem(s)", problems.len());
            for p in &problems {
                out!(
                    "  {:<28} [{}] {} / {}",
                    p.path,
                    p.code(),
                    p.message_ru(),
                    p.message_en()
                );
            }
            return ExitCode::from(1);
        }
        Err(e) => {
            out!("ОШИБКА / ERROR: {e}");
            return ExitCode::from(2);
        }
    };
    let total: u64 = receipt.total.kopecks().unwrap_or(0);
    out!(
        "OK: FFD {}, {} item(s), total {}.{:02} ₽",
        receipt.ffd,
        receipt.items.len(),
        total / 100,
        total % 100
    );
    let bytes = match to_tlv(&receipt).and_then(|doc| Ok(doc.to_bytes()?)) {
        Ok(b) => b,
        Err(e) => {
            out!("ОШИБКА / ERROR: {e}");
            return ExitCode::from(2);
        }
    };
    let bound = document_size_bound(&receipt, &RegisterAssumptions::default()).unwrap_or(0);
    out!("TLV: {} bytes (form {})", bytes.len(), receipt.form());
    out!("with what the register adds: at most {bound} bytes of the {DEFAULT_BUDGET}-byte budget");
    for line in bytes.chunks(32) {
        out!("  {}", hex::encode_upper(line));
    }
    ExitCode::SUCCESS
}
