//! The same as `provider_async`, from plain blocking code (no async runtime of your own): the
//! blocking facade runs the HTTP client on its own I/O thread.
//! `cargo run -p fiskal-providers --example provider_blocking`
// An example prints what it does.
#![allow(clippy::print_stdout)]

use fiskal_providers::blocking::BlockingProvider;
use fiskal_providers::{AnyProvider, DocumentKind, Outcome, StatusQuery, Submission};
use std::time::Duration;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The emulator brings its own runtime; your code needs none.
    let emulator = fiskal_emulator::atol::BackgroundAtol::start(Default::default())?;
    let settings = emulator.settings_json_v5(); // with a real account: your settings JSON
    let provider = BlockingProvider::new(AnyProvider::from_json(&settings.to_string())?)?;

    let receipt = fiskal_ffd::json::parse_and_validate(include_str!("data/receipt_atol_v5.json"))?;
    let submission = Submission {
        document_id: "order-1843-sell-1",
        receipt: &receipt,
        callback_url: None,
        timestamp: "2026-03-02T10:15:00".parse()?,
    };
    let provider_id = match provider.submit(&submission)? {
        Outcome::Accepted { provider_id, .. } => provider_id,
        other => return Err(format!("not accepted: {other:?}").into()),
    };
    let query = StatusQuery {
        provider_id: Some(&provider_id),
        document_id: submission.document_id,
        kind: DocumentKind::of(&receipt)?,
    };
    let fiscal = loop {
        match provider.status(&query)? {
            Outcome::Done { fiscal, .. } => break fiscal,
            Outcome::Pending { .. } | Outcome::Accepted { .. } => {
                std::thread::sleep(Duration::from_millis(200));
            }
            other => return Err(format!("not done: {other:?}").into()),
        }
    };
    println!(
        "done: ФД {} ФП {}; QR: {}",
        fiscal.fd_number,
        fiscal.fiscal_sign,
        fiscal.qr_string()
    );
    Ok(())
}
