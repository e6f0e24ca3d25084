//! `fiskal serve` as a user runs it: the token from a file or the environment (never the
//! command line), a TOML config with secrets from env vars, a warning when listening beyond
//! loopback, and a receipt through the gateway to the ATOL emulator.

use fiskal_emulator::atol::{AtolConfig, BackgroundAtol};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_fiskal");
const TOKEN: &str = "cli-serve-token-0123456789abcdef";
const READ_TOKEN: &str = "cli-read-token-0123456789abcdef";
const RECEIPT: &str = include_str!("../../fiskal-api/tests/fixtures/receipt_sell_v5.json");

fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("serve-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("mkdir");
    d
}

fn config(dir: &Path, base_url: &str) -> PathBuf {
    let p = dir.join("fiskal.toml");
    std::fs::write(
        &p,
        format!(
            r#"default_route = "atol"

[routes.atol.provider]
provider = "atol"
api = "v5"
preset = "test"
base_url = "{base_url}"
password = {{ env = "FISKAL_SERVE_TEST_ATOL_PASSWORD" }}
report_interval_ms = 20

[worker]
idle_wait_ms = 20

[timing]
poll_first_ms = 50
poll_max_ms = 200
"#
        ),
    )
    .expect("config");
    p
}

/// A `fiskal serve` process; killed (by its own id) when dropped.
struct Serving {
    child: Child,
    addr: SocketAddr,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Serving {
    /// Ends the process and returns what it wrote to stderr.
    fn finish(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.stderr
            .take()
            .map(|h| h.join().expect("stderr"))
            .unwrap_or_default()
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path, cfg: &Path, listen: &str, token_files: Option<(&Path, &str)>) -> Serving {
    let mut cmd = Command::new(BIN);
    cmd.args(["--lang", "en", "serve", "--config"])
        .arg(cfg)
        .arg("--db")
        .arg(dir.join("outbox.db"))
        .args(["--listen", listen])
        .env("FISKAL_SERVE_TEST_ATOL_PASSWORD", "zUr0OxfI")
        .env_remove("FISKAL_SERVE_TOKEN")
        .env_remove("FISKAL_SERVE_TOKEN_FILE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match token_files {
        Some((all, more)) => {
            cmd.arg("--token-file")
                .arg(all)
                .arg("--token-file")
                .arg(more);
        }
        None => {
            cmd.env("FISKAL_SERVE_TOKEN", TOKEN);
        }
    }
    let mut child = cmd.spawn().expect("spawn");
    let mut err = child.stderr.take().expect("stderr");
    let stderr = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let out = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(out)
        .read_line(&mut line)
        .expect("first line");
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    Serving {
        child,
        addr,
        stderr: Some(stderr),
    }
}

fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> (u16, String) {
    let addr = if addr.ip().is_unspecified() {
        SocketAddr::from(([127, 0, 0, 1], addr.port()))
    } else {
        addr
    };
    let mut s = TcpStream::connect(addr).expect("connect");
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("read");
    let status = raw
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn serve_takes_a_receipt_to_done_with_the_token_from_a_file() {
    let emu = BackgroundAtol::start(
        AtolConfig::default().with_processing_delay(Duration::from_millis(30)),
    )
    .expect("emulator");
    let dir = scratch("e2e");
    let cfg = config(&dir, &emu.base_url_v5());
    let token_file = dir.join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).expect("token");
    let read_file = dir.join("read-token");
    std::fs::write(&read_file, READ_TOKEN).expect("token");
    let read_arg = format!("read={}", read_file.display());
    let s = serve(&dir, &cfg, "127.0.0.1:0", Some((&token_file, &read_arg)));
    // The read-only token reads but does not enqueue.
    assert_eq!(
        request(s.addr, "GET", "/v1/stats", Some(READ_TOKEN), "").0,
        200
    );
    assert_eq!(
        request(s.addr, "POST", "/v1/receipts", Some(READ_TOKEN), "{}").0,
        403
    );
    assert_eq!(request(s.addr, "GET", "/healthz", None, "").0, 200);
    assert_eq!(request(s.addr, "GET", "/v1/stats", None, "").0, 401);
    assert_eq!(request(s.addr, "GET", "/v1/stats", Some("nope"), "").0, 401);
    let body = format!("{{\"key\": \"cli-1\", \"receipt\": {RECEIPT}}}");
    let (status, text) = request(s.addr, "POST", "/v1/receipts", Some(TOKEN), &body);
    assert_eq!(status, 201, "{text}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, text) = request(s.addr, "GET", "/v1/receipts/cli-1", Some(TOKEN), "");
        assert_eq!(status, 200, "{text}");
        if text.contains("\"state\":\"done\"") {
            assert!(text.contains("\"qr\":\"t="), "{text}");
            break;
        }
        assert!(Instant::now() < deadline, "not done: {text}");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Nothing it logged holds the token or the password.
    let log = s.finish();
    assert!(!log.contains(TOKEN) && !log.contains("zUr0OxfI"), "{log}");
    assert!(!log.contains("WARNING"), "loopback: no warning: {log}");
}

#[test]
fn serve_needs_a_strong_token_and_warns_beyond_loopback() {
    let dir = scratch("token");
    let cfg = config(&dir, "http://127.0.0.1:9/possystem/v5/");
    // No token anywhere: refused before listening, naming where it looked.
    let o = Command::new(BIN)
        .args(["--lang", "en", "serve", "--config"])
        .arg(&cfg)
        .arg("--db")
        .arg(dir.join("outbox.db"))
        .env("FISKAL_SERVE_TEST_ATOL_PASSWORD", "zUr0OxfI")
        .env_remove("FISKAL_SERVE_TOKEN")
        .env_remove("FISKAL_SERVE_TOKEN_FILE")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("FISKAL_SERVE_TOKEN"), "{err}");
    // A weak token: refused without echoing it.
    let weak = dir.join("weak");
    std::fs::write(&weak, "hunter2").expect("write");
    let o = Command::new(BIN)
        .args(["--lang", "en", "serve", "--config"])
        .arg(&cfg)
        .arg("--db")
        .arg(dir.join("outbox.db"))
        .arg("--token-file")
        .arg(&weak)
        .env("FISKAL_SERVE_TEST_ATOL_PASSWORD", "zUr0OxfI")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("shorter than 24") && !err.contains("hunter2"),
        "{err}"
    );
    // There is no option that takes the token itself.
    let o = Command::new(BIN)
        .args(["serve", "--token", TOKEN])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    // Beyond loopback: it serves, and says what that means.
    let s = serve(&dir, &cfg, "0.0.0.0:0", None);
    assert_eq!(request(s.addr, "GET", "/healthz", None, "").0, 200);
    let log = s.finish();
    assert!(
        log.contains("WARNING") && log.contains("clear text"),
        "{log}"
    );
}
