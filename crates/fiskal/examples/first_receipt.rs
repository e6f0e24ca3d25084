//! A first receipt end to end, through the `fiskal` facade: receipt JSON → validation →
//! VAT and splitting → the outbox → a provider (ATOL Online v5, emulated on loopback) →
//! fiscal attributes → the receipt as printed.
//!
//! `cargo run -p fiskal --features outbox,render,emulator --example first_receipt`
// An example prints what it does.
#![allow(clippy::print_stdout)]

use fiskal::calc::split::{split_receipt, ProviderLimits, SplitOptions};
use fiskal::outbox::{Outbox, OutboxSettings, State};
use std::time::Duration;

/// A ФФД 1.2 sale: a weighed item at 10 % VAT and a delivery without VAT, paid by card.
const RECEIPT: &str = include_str!("data/receipt.json");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. Parse and validate (every ФФД rule at once; errors name the JSON path).
    let receipt = fiskal::ffd::json::parse_and_validate(RECEIPT)?;
    let tlv = fiskal::ffd::to_tlv(&receipt)?;
    println!(
        "1. valid ФФД {} receipt, {} items, {} bytes as TLV",
        receipt.ffd,
        receipt.items.len(),
        tlv.encoded_len()
    );

    // 2. VAT per item in kopecks, and the cart cut to ATOL's limits (one part here).
    for (i, item) in receipt.items.iter().enumerate() {
        let vat = fiskal::calc::vat::item_vat_of(item, &format!("items[{i}]"))?;
        println!(
            "2. {}: VAT {vat} kopecks",
            item.name.as_deref().unwrap_or("—")
        );
    }
    let parts = split_receipt(
        &receipt,
        "order-42",
        &SplitOptions::with_limits(ProviderLimits::ATOL),
    )?;
    println!("   {} receipt(s) for ATOL", parts.len());

    // 3. The provider: ATOL Online v5's test group, served by the emulator.
    let atol = fiskal::emulator::atol::BackgroundAtol::start(Default::default())?;
    let settings = OutboxSettings::from_json(
        &serde_json::json!({
            "routes": {"atol": {"provider": atol.settings_json_v5()}},
            "default_route": "atol",
            "timing": {"poll_first_ms": 100}
        })
        .to_string(),
    )?;
    println!("3. provider: ATOL Online v5 at {}", atol.base_url_v5());

    // 4. The outbox: each part stored before it is sent, then sent, polled and settled.
    let dir = std::env::temp_dir().join(format!("fiskal-first-receipt-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let outbox = Outbox::open(dir.join("outbox.db"), &settings)?;
    for part in &parts {
        let stored = outbox.enqueue(&part.key, &part.receipt, None)?.entry;
        println!("4. stored {} ({})", stored.key, stored.state);
    }
    if !outbox.drain(Duration::from_secs(30))? {
        return Err("the outbox did not settle in 30 s".into());
    }

    for part in &parts {
        let entry = outbox.get(&part.key)?.ok_or("stored entry missing")?;
        if entry.state != State::Done {
            return Err(
                format!("{}: {} ({:?})", entry.key, entry.state, entry.last_message).into(),
            );
        }
        // 5. What the register answered.
        let fiscal = entry.fiscal.ok_or("done without fiscal attributes")?;
        println!("5. {}: done, QR {}", entry.key, fiscal.qr_string());

        // 6. The receipt as a person sees it.
        let text = fiskal::render::render_text(&part.receipt, Some(&fiscal), &Default::default());
        println!("6.\n{text}");
    }
    drop(outbox);
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
