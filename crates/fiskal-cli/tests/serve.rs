//! `fiskal serve` as a user runs it: the token from a file or the environment (never the
//! command line), a TOML config with secrets from env vars, beyond loopback only with HTTPS or
//! an explicit `--insecure-http` (and a warning then), a receipt through the gateway to the
//! ATOL emulator, and `fiskal serve --demo`.

use fiskal_emulator::atol::{AtolConfig, BackgroundAtol};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_fiskal");
const TOKEN: &str = "cli-serve-token-0123456789abcdef";
const READ_TOKEN: &str = "cli-read-token-0123456789abcdef";
const RECEIPT: &str = include_str!("../../fiskal-json/tests/fixtures/receipt_sell_v5.json");

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

fn serve(
    dir: &Path,
    cfg: &Path,
    listen: &str,
    token_files: Option<(&Path, &str)>,
    extra: &[&str],
) -> Serving {
    let mut cmd = Command::new(BIN);
    cmd.args(["--lang", "en", "serve", "--config"])
        .arg(cfg)
        .arg("--db")
        .arg(dir.join("outbox.db"))
        .args(["--listen", listen])
        .args(extra)
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
    let s = serve(
        &dir,
        &cfg,
        "127.0.0.1:0",
        Some((&token_file, &read_arg)),
        &[],
    );
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
fn serve_needs_a_strong_token_and_https_or_insecure_http_beyond_loopback() {
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
    // Beyond loopback without TLS or --insecure-http: refused before anything is opened,
    // saying what to do.
    let o = Command::new(BIN)
        .args(["--lang", "en", "serve", "--config"])
        .arg(&cfg)
        .arg("--db")
        .arg(dir.join("refused.db"))
        .args(["--listen", "0.0.0.0:0"])
        .env("FISKAL_SERVE_TEST_ATOL_PASSWORD", "zUr0OxfI")
        .env("FISKAL_SERVE_TOKEN", TOKEN)
        .env_remove("FISKAL_SERVE_TOKEN_FILE")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("0.0.0.0:0") && err.contains("--tls-cert") && err.contains("--insecure-http"),
        "{err}"
    );
    assert!(
        o.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(
        !dir.join("refused.db").exists(),
        "refused before opening the journal"
    );
    // A certificate that is not PEM: refused, naming the file.
    let bad_cert = dir.join("cert.pem");
    std::fs::write(&bad_cert, "not a certificate").expect("write");
    let o = Command::new(BIN)
        .args(["--lang", "en", "serve", "--config"])
        .arg(&cfg)
        .arg("--db")
        .arg(dir.join("refused.db"))
        .args(["--listen", "0.0.0.0:0", "--tls-cert"])
        .arg(&bad_cert)
        .arg("--tls-key")
        .arg(&bad_cert)
        .env("FISKAL_SERVE_TEST_ATOL_PASSWORD", "zUr0OxfI")
        .env("FISKAL_SERVE_TOKEN", TOKEN)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("TLS") && err.contains(&*bad_cert.to_string_lossy()),
        "{err}"
    );
    // --tls-cert without --tls-key is a usage error.
    let o = Command::new(BIN)
        .args(["serve", "--demo", "--tls-cert"])
        .arg(&bad_cert)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    // With --insecure-http it serves, and says what that means.
    let s = serve(&dir, &cfg, "0.0.0.0:0", None, &["--insecure-http"]);
    assert_eq!(request(s.addr, "GET", "/healthz", None, "").0, 200);
    let log = s.finish();
    assert!(
        log.contains("WARNING") && log.contains("clear text"),
        "{log}"
    );
}

/// Lines of a child's stdout, read on a thread, with a deadline.
fn lines_of(out: std::process::ChildStdout) -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

#[test]
fn serve_demo_prints_the_address_and_a_token_and_stops_on_ctrl_c() {
    demo_prints_the_address_and_a_token_and_stops_on("INT");
}

/// SIGTERM (systemd's, `kill`'s and container runtimes' stop signal) stops it the same graceful
/// way as Ctrl-C: exit 0 and the temporary journal removed, not an abrupt end.
#[test]
fn serve_demo_stops_gracefully_on_sigterm() {
    demo_prints_the_address_and_a_token_and_stops_on("TERM");
}

fn demo_prints_the_address_and_a_token_and_stops_on(signal: &str) {
    let mut child = Command::new(BIN)
        .args(["--lang", "en", "serve", "--demo", "--listen", "127.0.0.1:0"])
        .env_remove("FISKAL_SERVE_TOKEN")
        .env_remove("FISKAL_SERVE_TOKEN_FILE")
        // Settings a shell may hold for the real gateway are not the demo's: not used.
        .env("FISKAL_CONFIG", "/nonexistent/fiskal.toml")
        .env("FISKAL_DB", "/nonexistent/fiskal.db")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let guard = Killed(child.id());
    let lines = lines_of(child.stdout.take().expect("stdout"));
    let deadline = Instant::now() + Duration::from_secs(60);
    let (mut addr, mut token, mut journal) = (None::<SocketAddr>, None::<String>, None::<PathBuf>);
    while addr.is_none() || token.is_none() {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = lines
            .recv_timeout(left)
            .unwrap_or_else(|e| panic!("no address and token within a minute: {e}"));
        if let Some(rest) = line.split("http://").nth(1) {
            addr = rest.split('/').next().and_then(|a| a.parse().ok());
            journal = line
                .split("journal ")
                .nth(1)
                .and_then(|r| r.split(';').next())
                .map(PathBuf::from);
        }
        if let Some(t) = line.split("token for the page and the API: ").nth(1) {
            token = Some(t.trim().to_owned());
        }
    }
    let (addr, token) = (addr.expect("address"), token.expect("token"));
    let journal = journal.expect("journal path");
    assert!(token.len() >= 24, "{token}");
    assert!(journal.exists(), "{}", journal.display());
    assert_eq!(request(addr, "GET", "/healthz", None, "").0, 200);
    // The printed token opens the API; the demo's sample receipt is there.
    let (status, text) = request(addr, "GET", "/v1/receipts/demo-1", Some(&token), "");
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        request(addr, "GET", "/v1/receipts/demo-1", Some(TOKEN), "").0,
        401
    );
    // The signal to this process only: it stops and removes its temporary journal.
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        assert!(Instant::now() < deadline, "still running after SIG{signal}");
        std::thread::sleep(Duration::from_millis(20));
    };
    std::mem::forget(guard);
    assert!(status.success(), "{status:?}");
    assert!(!journal.exists(), "{}", journal.display());
}

/// Kills the process (by its id) if the test fails before it stopped.
struct Killed(u32);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", &self.0.to_string()])
            .status();
    }
}
