//! Send one receipt to a cloud register and wait for its fiscal attributes, async.
//!
//! Runs against the ATOL emulator started in-process (no account, no network); with a real
//! account, put your settings JSON (docs/provider-settings.md) in place of `settings`.
//! `cargo run -p fiskal-providers --example provider_async`
// An example prints what it does.
#![allow(clippy::print_stdout)]

use fiskal_emulator::atol::{AtolConfig, AtolEmulator};
use fiskal_providers::{AnyProvider, DocumentKind, Outcome, Provider, StatusQuery, Submission};
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = AtolEmulator::start(AtolConfig::default()).await?;
    let settings = serde_json::json!({
        "provider": "atol", "api": "v5", "preset": "test", "base_url": emulator.base_url_v5()
    });
    let provider = AnyProvider::from_json(&settings.to_string())?;

    let receipt = fiskal_ffd::json::parse_and_validate(include_str!("data/receipt_atol_v5.json"))?;
    let submission = Submission {
        document_id: "order-1842-sell-1", // your idempotency key: resending it never doubles
        receipt: &receipt,
        callback_url: None,
        timestamp: "2026-03-02T10:15:00".parse()?,
    };
    let provider_id = match provider.submit(&submission).await? {
        Outcome::Accepted { provider_id, .. } => provider_id,
        other => return Err(format!("not accepted: {other:?}").into()),
    };
    println!("accepted by {}: {provider_id}", provider.name());
    let query = StatusQuery {
        provider_id: Some(&provider_id),
        document_id: submission.document_id,
        kind: DocumentKind::of(&receipt)?,
    };
    loop {
        match provider.status(&query).await? {
            Outcome::Done { fiscal, .. } => {
                println!(
                    "done: ФН {} ФД {} ФП {}",
                    fiscal.fn_number, fiscal.fd_number, fiscal.fiscal_sign
                );
                println!("QR: {}", fiscal.qr_string());
                break;
            }
            Outcome::Pending { .. } | Outcome::Accepted { .. } => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            other => return Err(format!("not done: {other:?}").into()),
        }
    }
    emulator.shutdown().await;
    Ok(())
}
