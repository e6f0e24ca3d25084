//! The README's "Using it from Rust", as one program (`cargo run -p fiskal-cli --example readme`).
//! Dependencies: fiskal-ffd, fiskal-marks, fiskal-calc, fiskal-providers, tokio (and
//! fiskal-emulator for the local ATOL emulator used here instead of an account).
// An example prints what it does.
#![allow(clippy::print_stdout)]

use fiskal_calc::split::{split_receipt, ProviderLimits, SplitOptions};
use fiskal_ffd::Receipt;
use fiskal_providers::atol::{AtolClient, AtolConfig};
use fiskal_providers::{DocumentKind, Outcome, Provider, StatusQuery, Submission};
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A receipt as JSON text (docs/receipt-json.md): validated with every FFD rule at once.
    let json_text: &str = include_str!("data/receipt_atol_v5.json");
    let receipt: Receipt = fiskal_ffd::json::parse_and_validate(json_text)?;
    let doc = fiskal_ffd::to_tlv(&receipt)?; // form 3 / 31 TLV tree
    let bytes: Vec<u8> = doc.to_bytes()?; // exactly doc.encoded_len()
    let readable: String = fiskal_ffd::dump::dump_pretty(&doc); // Russian tag names
    println!(
        "TLV: {} bytes; {} dump lines",
        bytes.len(),
        readable.lines().count()
    );

    // A mark scan as the scanner gives it (GS as 0x1D; `]d2`, FNC1, `<GS>` … handled).
    let scanner_output: &str = "0104601234567893215Abc000000001\u{1d}93abcd";
    let mark = fiskal_marks::MarkCode::parse(scanner_output)?;
    let atol_v4: String = fiskal_marks::provider::atol_v4_nomenclature_code(&mark)?;
    println!("mark for ATOL v4: {atol_v4}");

    // A cart too big for one receipt: parts under 30 KB and ATOL's 100 lines.
    let cart: Receipt = fiskal_ffd::json::parse_and_validate(include_str!("data/big_cart.json"))?;
    let parts = split_receipt(
        &cart,
        "order-42",
        &SplitOptions::with_limits(ProviderLimits::ATOL),
    )?;
    println!("{} items → {} receipts", cart.items.len(), parts.len());

    // A cloud register, async (`fiskal_providers::blocking::BlockingProvider` for blocking
    // callers). Here ATOL's public test group, served by the local emulator; with an account:
    // AtolConfig::production(AtolVersion::V5, login, password, group_code).
    let emulator = fiskal_emulator::atol::AtolEmulator::start(Default::default()).await?;
    let mut config = AtolConfig::test_v5();
    config.base_url = emulator.base_url_v5();
    let atol = AtolClient::new(config)?;
    let s = Submission {
        document_id: "order-42-sell-1", // your idempotency key
        receipt: &receipt,
        callback_url: None,
        timestamp: "2026-03-02T10:15:00".parse()?,
    };
    let mut outcome = atol.submit(&s).await?;
    for _ in 0..100 {
        match &outcome {
            Outcome::Accepted { provider_id, .. } | Outcome::Pending { provider_id } => {
                tokio::time::sleep(Duration::from_millis(100)).await; // or wait for the callback
                let query = StatusQuery {
                    provider_id: Some(provider_id),
                    document_id: s.document_id,
                    kind: DocumentKind::of(&receipt)?,
                };
                outcome = atol.status(&query).await?;
            }
            // Unknown whether it was taken: submit the same document_id again (never a
            // second receipt), then poll.
            Outcome::InDoubt { .. } => outcome = atol.submit(&s).await?,
            _ => break,
        }
    }
    match outcome {
        Outcome::Done { fiscal, .. } => println!("done: QR {}", fiscal.qr_string()),
        other => return Err(format!("not done: {other:?}").into()), // Rejected: fix; RetryLater: wait
    }
    emulator.shutdown().await;
    Ok(())
}
