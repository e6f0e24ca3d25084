//! The durable outbox: enqueue (stored and synced before the call returns), a worker thread
//! that sends, polls and resolves what is unclear, the state and audit trail of a receipt.
//! `cargo run -p fiskal-outbox --example outbox`
// An example prints what it does.
#![allow(clippy::print_stdout)]

use fiskal_outbox::{Outbox, OutboxSettings, State};
use std::time::{Duration, Instant};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = fiskal_emulator::atol::BackgroundAtol::start(Default::default())?;
    // Routes and their providers; secrets would come from {"env": …} or {"file": …}.
    let settings = OutboxSettings::from_json(
        &serde_json::json!({
            "routes": {"atol": {"provider": {"provider": "atol", "api": "v5", "preset": "test",
                                             "base_url": emulator.base_url_v5()}}},
            "default_route": "atol",
            "timing": {"poll_first_ms": 500}
        })
        .to_string(),
    )?;
    let dir = std::env::temp_dir().join(format!("fiskal-outbox-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let outbox = Outbox::open(dir.join("outbox.db"), &settings)?;

    let receipt = fiskal_ffd::json::parse_and_validate(include_str!("data/receipt_atol_v5.json"))?;
    let entry = outbox.enqueue("order-1844-sell", &receipt, None)?.entry;
    println!("stored: {} ({})", entry.key, entry.state);
    outbox.start()?;
    let deadline = Instant::now() + Duration::from_secs(30);
    let done = loop {
        let e = outbox.get("order-1844-sell")?.ok_or("vanished")?;
        if e.state == State::Done || Instant::now() > deadline {
            break e;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    outbox.stop()?;
    println!("{}: {}", done.key, done.state);
    for a in outbox.audit(&done.key)? {
        println!(
            "  {:>18} → {:<10} {} {}",
            a.from.map_or("—", |s| s.name()),
            a.to,
            a.reason,
            a.detail
        );
    }
    drop(outbox);
    std::fs::remove_dir_all(&dir)?;
    if done.state == State::Done {
        Ok(())
    } else {
        Err("not done in 30 s".into())
    }
}
