//! The gateway on an ephemeral loopback port in front of the ATOL emulator, and a plain
//! HTTP/1.1 client over a TCP socket (so the tests can also send what a polite client would
//! not: bytes that are not UTF-8, headers that never end).
#![allow(dead_code, unreachable_pub)]

use fiskal_emulator::atol::{AtolConfig, BackgroundAtol};
use fiskal_serve::{Gateway, GatewayOptions, Role, Token};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// The test token, every role (long enough for `Token::new`).
pub const TOKEN: &str = "test-token-0123456789abcdef0123456789";
/// A token with the `read` role only.
pub const READ_TOKEN: &str = "read-token-0123456789abcdef0123456789";
/// A token with the `submit` role only.
pub const SUBMIT_TOKEN: &str = "submit-token-0123456789abcdef012345678";

/// A receipt the emulator fiscalises.
pub const RECEIPT: &str = include_str!("../../../fiskal-json/tests/fixtures/receipt_sell_v5.json");

pub fn receipt() -> Value {
    serde_json::from_str(RECEIPT).expect("fixture")
}

pub struct Server {
    pub addr: SocketAddr,
    pub gw: Gateway,
    pub emu: BackgroundAtol,
    rt: Option<tokio::runtime::Runtime>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub dir: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(rt) = self.rt.take() {
            rt.shutdown_timeout(Duration::from_secs(10));
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn settings(base_url: &str) -> Value {
    json!({
        "routes": {"atol": {"provider": {"provider": "atol", "api": "v5", "preset": "test",
                                          "base_url": base_url, "password": "zUr0OxfI",
                                          "report_interval_ms": 20}}},
        "default_route": "atol",
        "worker": {"concurrency": 4, "lease_ms": 5000, "call_timeout_ms": 2000,
                   "idle_wait_ms": 20, "drain_timeout_ms": 2000, "register_resubmits": 0},
        "timing": {"poll_first_ms": 50, "poll_max_ms": 200, "retry_base_ms": 50}
    })
}

/// Starts the emulator and the gateway (`tweak` sets the options).
pub fn start(name: &str, tweak: impl FnOnce(&mut GatewayOptions)) -> Server {
    start_with(name, fiskal_emulator::Faults::none(), tweak)
}

/// [`start`] with faults injected into the emulator.
pub fn start_with(
    name: &str,
    faults: fiskal_emulator::Faults,
    tweak: impl FnOnce(&mut GatewayOptions),
) -> Server {
    start_full(name, faults, |_| {}, tweak)
}

/// [`start_with`], the outbox settings changed by `patch`.
pub fn start_full(
    name: &str,
    faults: fiskal_emulator::Faults,
    patch: impl FnOnce(&mut Value),
    tweak: impl FnOnce(&mut GatewayOptions),
) -> Server {
    let mut cfg = AtolConfig::default().with_processing_delay(Duration::from_millis(30));
    cfg.faults = faults;
    let emu = BackgroundAtol::start(cfg).expect("emulator");
    let dir = std::env::temp_dir().join(format!("fiskal-serve-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let mut opts = GatewayOptions::default();
    opts.record_answers = true;
    tweak(&mut opts);
    let mut settings = settings(&emu.base_url_v5());
    patch(&mut settings);
    let gw = Gateway::open(
        dir.join("outbox.db"),
        &settings.to_string(),
        vec![
            Token::new(TOKEN, "test").expect("token"),
            Token::new(READ_TOKEN, "test")
                .expect("token")
                .with_roles(&[Role::Read]),
            Token::new(SUBMIT_TOKEN, "test")
                .expect("token")
                .with_roles(&[Role::Submit]),
        ],
        opts,
    )
    .expect("gateway");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let serving = gw.clone();
    rt.spawn(async move {
        let _ = serving
            .serve(listener, async {
                let _ = rx.await;
            })
            .await;
    });
    Server {
        addr,
        gw,
        emu,
        rt: Some(rt),
        stop: Some(tx),
        dir,
    }
}

/// An answer.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One request on its own connection (`Connection: close`).
pub fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    auth: Option<&str>,
    extra: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(t) = auth {
        head.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    let typed = extra
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
    if !body.is_empty() && !typed {
        head.push_str("Content-Type: application/json\r\n");
    }
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).expect("write head");
    // A server may answer (413) and close before the whole body is read.
    let _ = s.write_all(body);
    parse(&read_answer(&mut s))
}

/// Reads one answer: to the end of its `Content-Length` (a server may keep the connection
/// open), to the last chunk, or to the end of the stream.
fn read_answer(s: &mut TcpStream) -> Vec<u8> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = s.read(&mut buf).unwrap_or(0);
        if n == 0 {
            return raw;
        }
        raw.extend_from_slice(&buf[..n]);
        let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok());
        let done = match length {
            Some(len) => raw.len() >= end + 4 + len,
            None if head.contains("transfer-encoding: chunked") => raw.ends_with(b"0\r\n\r\n"),
            None => false,
        };
        if done {
            return raw;
        }
    }
}

pub fn parse(raw: &[u8]) -> Resp {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Resp {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(i) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let n = usize::from_str_radix(String::from_utf8_lossy(&b[..i]).trim(), 16).unwrap_or(0);
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&b[i + 2..i + 2 + n]);
        b = &b[i + 2 + n + 2..];
    }
}

/// With the test token.
pub fn get(addr: SocketAddr, path: &str) -> Resp {
    call(addr, "GET", path, Some(TOKEN), &[], b"")
}

/// With the test token.
pub fn post(addr: SocketAddr, path: &str, body: &Value) -> Resp {
    call(
        addr,
        "POST",
        path,
        Some(TOKEN),
        &[],
        body.to_string().as_bytes(),
    )
}

/// Polls `GET /v1/receipts/{key}` until its state is `state`.
pub fn wait_state(addr: SocketAddr, key: &str, state: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = get(addr, &format!("/v1/receipts/{key}"));
        assert_eq!(r.status, 200, "{}", r.text());
        let v = r.json();
        if v["state"] == state {
            return v;
        }
        assert!(Instant::now() < deadline, "{key} not {state}: {v}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The samples of a Prometheus text exposition: (name with labels, value).
pub fn samples(text: &str) -> Vec<(String, f64)> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (name, value) = l
                .rsplit_once(' ')
                .unwrap_or_else(|| panic!("sample line {l:?}"));
            let v: f64 = value.parse().unwrap_or_else(|_| panic!("value in {l:?}"));
            (name.to_owned(), v)
        })
        .collect()
}

pub fn sample(text: &str, name: &str) -> Option<f64> {
    samples(text)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
}

/// A signed-in page session: the cookie header value and the CSRF token of its forms.
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

/// Signs in on the page with the token.
pub fn sign_in(addr: SocketAddr) -> Session {
    sign_in_with(addr, TOKEN)
}

/// Signs in on the page with this token.
pub fn sign_in_with(addr: SocketAddr, token: &str) -> Session {
    let r = call(
        addr,
        "POST",
        "/login",
        None,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        format!("token={token}").as_bytes(),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let set = r.header("set-cookie").expect("cookie").to_owned();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    assert!(!set.contains(token), "the token is never the cookie");
    let cookie = set.split(';').next().expect("cookie").to_owned();
    let page = call(addr, "GET", "/", None, &[("Cookie", &cookie)], b"");
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("csrf in the page")
        .to_owned();
    Session { cookie, csrf }
}

/// A form POST on the page with the session's cookie.
pub fn form_post(addr: SocketAddr, path: &str, s: &Session, body: &str) -> Resp {
    call(
        addr,
        "POST",
        path,
        None,
        &[
            ("Cookie", &s.cookie),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        body.as_bytes(),
    )
}

/// A page GET with the session's cookie.
pub fn page_get(addr: SocketAddr, path: &str, s: &Session) -> Resp {
    call(addr, "GET", path, None, &[("Cookie", &s.cookie)], b"")
}
