//! Memory of the outbox with a large queue (issue 6: "memory flat in queue size"): fills a
//! journal with N queued receipts (batched), then opens it in a fresh store and measures the
//! process's resident memory before and after what a worker does per round (claim 64 due
//! entries, next due time, the deadline scan) and what an operator asks (a list page, counts
//! per state), timing each (ms). Linux only (/proc/self/status).
//! Run: `cargo bench -p fiskal-benches --bench outbox_memory` (sizes: FISKAL_MEMORY_SIZES,
//! default "10000,100000,1000000"; the 1 000 000 fill takes a few minutes and ~1 GB of disk).

use fiskal_outbox::{Config, NewEntry, SqliteStore, State, Store, Timestamp};
use std::io::Write;
use std::time::{Duration, Instant};

fn rss_kib(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let sizes: Vec<u64> = std::env::var("FISKAL_MEMORY_SIZES")
        .unwrap_or_else(|_| "10000,100000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    // Criterion passes --bench; nothing else is expected.
    let json = fiskal_benches::receipt_json_1_2(3)
        .replace("7701000001", "5544332219")
        .replace("vat22", "vat20");
    let r = fiskal_ffd::json::parse_and_validate(&json).expect("receipt");
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{:>9} | {:>7} | {:>10} | {:>9} | {:>9} | {:>8} | {:>7} | {:>8} | {:>7} | {:>8}",
        "queued",
        "fill s",
        "fill rec/s",
        "RSS KiB",
        "RSS after",
        "claim64",
        "next",
        "stuck",
        "list64",
        "stats ms"
    );
    for n in sizes {
        let dir = std::env::temp_dir().join(format!("fiskal-mem-{n}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("mkdir");
        let path = dir.join("outbox.db");
        let fill = Instant::now();
        {
            let s = SqliteStore::open(&path, Config::default()).expect("open");
            let mut i = 0u64;
            while i < n {
                let keys: Vec<String> = (i..(i + 1000).min(n)).map(|k| format!("m-{k}")).collect();
                let batch: Vec<NewEntry<'_>> = keys
                    .iter()
                    .map(|k| NewEntry {
                        key: k,
                        receipt: &r,
                        provider: "atol",
                    })
                    .collect();
                s.enqueue_batch(&batch, Timestamp::now()).expect("batch");
                i += 1000;
            }
        }
        let fill = fill.elapsed();
        let s = SqliteStore::open(&path, Config::default()).expect("reopen");
        let before = rss_kib("VmRSS:");
        let now = Timestamp::now();
        let t = Instant::now();
        let claimed = s
            .claim_due(now, 64, Duration::from_secs(60))
            .expect("claim");
        let claim_ms = t.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(claimed.len(), 64);
        let t = Instant::now();
        let _ = s.next_due().expect("next");
        let next_ms = t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        let _ = s.mark_stuck(now).expect("stuck");
        let stuck_ms = t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        let _ = s.list(State::Queued, 64).expect("list");
        let list_ms = t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        let stats = s.stats(now).expect("stats");
        let stats_ms = t.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(stats[0].count + stats[1].count, n);
        let after = rss_kib("VmRSS:");
        let _ = writeln!(
            out,
            "{n:>9} | {:>7.1} | {:>10.0} | {before:>9} | {after:>9} | {claim_ms:>8.2} | {next_ms:>7.2} | {stuck_ms:>8.2} | {list_ms:>7.2} | {stats_ms:>8.1}",
            fill.as_secs_f64(),
            n as f64 / fill.as_secs_f64(),
        );
        drop(s);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
