//! Durable enqueues per second over HTTP (keep-alive, 64 clients) against `Outbox::enqueue`
//! called directly in the same run (issue 15's goal: at least 0.7 of direct), with p99 latency.
//! A measurement, so not in the everyday run:
//! `cargo test --release -p fiskal-serve --test throughput -- --ignored --nocapture`.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{receipt, TOKEN};

const CLIENTS: usize = 64;
const PER_CLIENT: usize = 20;

fn p99(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[(v.len() * 99).div_ceil(100).saturating_sub(1)]
}

/// One keep-alive connection: sends `n` enqueues one after another, returns their latencies.
fn client(addr: std::net::SocketAddr, id: usize, n: usize) -> Vec<Duration> {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_nodelay(true).expect("nodelay");
    let r = receipt();
    let mut out = Vec::with_capacity(n);
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..n {
        let body = serde_json::json!({"key": format!("http-{id}-{i}"), "receipt": r}).to_string();
        let req = format!(
            "POST /v1/receipts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let t = Instant::now();
        s.write_all(req.as_bytes()).expect("write");
        // Read one answer (by its Content-Length).
        let mut got = Vec::new();
        loop {
            let k = s.read(&mut buf).expect("read");
            assert!(k > 0, "closed");
            got.extend_from_slice(&buf[..k]);
            if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .expect("content-length");
                if got.len() >= end + 4 + len {
                    assert!(head.starts_with("http/1.1 201"), "{head}");
                    break;
                }
            }
        }
        out.push(t.elapsed());
    }
    out
}

#[test]
#[ignore = "a measurement: run with --release --ignored --nocapture"]
fn http_enqueue_keeps_up_with_direct_enqueue() {
    let s = support::start("throughput", |o| o.start_worker = false);
    let total = CLIENTS * PER_CLIENT;

    // Direct: the same handle's outbox, 64 threads.
    let outbox = s.gw.clone();
    let parsed = Arc::new(fiskal_ffd::json::parse(support::RECEIPT).expect("receipt"));
    let t = Instant::now();
    let threads: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let gw = outbox.clone();
            let r = Arc::clone(&parsed);
            std::thread::spawn(move || {
                let mut lat = Vec::with_capacity(PER_CLIENT);
                for i in 0..PER_CLIENT {
                    let t = Instant::now();
                    gw.outbox()
                        .outbox()
                        .enqueue(&format!("direct-{c}-{i}"), &r, None)
                        .expect("enqueue");
                    lat.push(t.elapsed());
                }
                lat
            })
        })
        .collect();
    let direct_lat: Vec<Duration> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("thread"))
        .collect();
    let direct = t.elapsed();

    // Over HTTP.
    let addr = s.addr;
    let t = Instant::now();
    let threads: Vec<_> = (0..CLIENTS)
        .map(|c| std::thread::spawn(move || client(addr, c, PER_CLIENT)))
        .collect();
    let http_lat: Vec<Duration> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("thread"))
        .collect();
    let http = t.elapsed();

    let rate = |d: Duration| total as f64 / d.as_secs_f64();
    let ratio = rate(http) / rate(direct);
    eprintln!(
        "durable enqueues, {CLIENTS} clients x {PER_CLIENT}: direct {:.0}/s (p99 {:?}), \
         HTTP keep-alive {:.0}/s (p99 {:?}), ratio {ratio:.2}",
        rate(direct),
        p99(direct_lat),
        rate(http),
        p99(http_lat)
    );
    assert!(ratio >= 0.7, "HTTP is {ratio:.2} of direct");
}
