//! `POST /v1/validate` over HTTP (keep-alive; 1 client, then 64, each on its own connection)
//! against `fiskal_json::validate` called in-process by as many threads (the function the C
//! ABI's `fiskal_validate` runs, behind its panic boundary), in the same run: calls per second
//! and the p50 / p99 latency of one call on each side. Every HTTP answer must be byte for byte
//! the in-process output. A measurement, so not in the everyday run:
//! `cargo test --release -p fiskal-serve --test validate_latency -- --ignored --nocapture`
//! (figures in benches/README.md).

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::TOKEN;

const CLIENTS: usize = 64;
const PER_CLIENT: usize = 200;
const WARM_UP: usize = 10;

/// The value at percentile `p` (nearest rank) of `v`.
fn percentile(v: &mut [Duration], p: usize) -> Duration {
    v.sort_unstable();
    v[(v.len() * p).div_ceil(100).saturating_sub(1)]
}

/// Reads one answer on a keep-alive connection (by its Content-Length): status and body.
fn read_answer(s: &mut TcpStream, buf: &mut [u8]) -> (String, Vec<u8>) {
    let mut got = Vec::new();
    loop {
        let k = s.read(buf).expect("read");
        assert!(k > 0, "the gateway closed a keep-alive connection");
        got.extend_from_slice(&buf[..k]);
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .expect("content-length");
            if got.len() >= end + 4 + len {
                let status = head.lines().next().unwrap_or_default().to_owned();
                return (status, got[end + 4..end + 4 + len].to_vec());
            }
        }
    }
}

/// One keep-alive client: `WARM_UP` calls not timed, then `n` timed ones, each answer checked
/// against `want`. Returns the latencies.
fn client(addr: std::net::SocketAddr, body: Arc<String>, want: Arc<String>) -> Vec<Duration> {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_nodelay(true).expect("nodelay");
    let req = format!(
        "POST /v1/validate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut buf = vec![0u8; 64 * 1024];
    let mut out = Vec::with_capacity(PER_CLIENT);
    for i in 0..WARM_UP + PER_CLIENT {
        let t = Instant::now();
        s.write_all(req.as_bytes()).expect("write");
        let (status, got) = read_answer(&mut s, &mut buf);
        let lat = t.elapsed();
        assert!(status.starts_with("http/1.1 200"), "{status}");
        assert!(
            got == want.as_bytes(),
            "the HTTP answer differs from fiskal_json::validate"
        );
        if i >= WARM_UP {
            out.push(lat);
        }
    }
    out
}

/// One side's figures: calls per second and the sorted latencies.
struct Run {
    rate: f64,
    lat: Vec<Duration>,
}

impl Run {
    fn new(calls: usize, took: Duration, mut lat: Vec<Duration>) -> Run {
        assert_eq!(lat.len(), calls);
        lat.sort_unstable();
        Run {
            rate: calls as f64 / took.as_secs_f64(),
            lat,
        }
    }

    fn show(&self) -> String {
        let mut lat = self.lat.clone();
        format!(
            "{:.0}/s (p50 {:?}, p99 {:?})",
            self.rate,
            percentile(&mut lat, 50),
            percentile(&mut lat, 99)
        )
    }
}

/// `clients` threads calling fiskal_json::validate in-process.
fn in_process(clients: usize, body: &Arc<String>, want: &Arc<String>) -> Run {
    let t = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let (body, want) = (Arc::clone(body), Arc::clone(want));
            std::thread::spawn(move || {
                let mut lat = Vec::with_capacity(PER_CLIENT);
                for i in 0..WARM_UP + PER_CLIENT {
                    let t = Instant::now();
                    let out = fiskal_json::validate(&body).expect("validate");
                    let d = t.elapsed();
                    assert_eq!(out, *want);
                    if i >= WARM_UP {
                        lat.push(d);
                    }
                }
                lat
            })
        })
        .collect();
    let lat: Vec<Duration> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("thread"))
        .collect();
    Run::new(clients * PER_CLIENT, t.elapsed(), lat)
}

/// `clients` keep-alive connections calling `POST /v1/validate`.
fn over_http(
    addr: std::net::SocketAddr,
    clients: usize,
    body: &Arc<String>,
    want: &Arc<String>,
) -> Run {
    let t = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let (body, want) = (Arc::clone(body), Arc::clone(want));
            std::thread::spawn(move || client(addr, body, want))
        })
        .collect();
    let lat: Vec<Duration> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("thread"))
        .collect();
    Run::new(clients * PER_CLIENT, t.elapsed(), lat)
}

#[test]
#[ignore = "a measurement: run with --release --ignored --nocapture"]
fn http_validate_against_in_process_validate() {
    let s = support::start("validate-latency", |o| o.start_worker = false);
    let body = Arc::new(support::RECEIPT.to_owned());
    let want = Arc::new(fiskal_json::validate(&body).expect("the fixture is valid"));
    // One client (the cost of one call, nothing queued), then 64 at once.
    for clients in [1, CLIENTS] {
        let direct = in_process(clients, &body, &want);
        let http = over_http(s.addr, clients, &body, &want);
        eprintln!(
            "validate, {clients} client(s) x {PER_CLIENT} (receipt {} bytes): in-process {}, \
             HTTP keep-alive {}, ratio {:.2}",
            body.len(),
            direct.show(),
            http.show(),
            http.rate / direct.rate
        );
    }
}
