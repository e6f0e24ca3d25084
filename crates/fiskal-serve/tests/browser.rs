//! The operator's page in a real browser: Debian's `chromium`, headless, driven through
//! `chromedriver` (W3C WebDriver over HTTP, spoken here with the plain client of `support`),
//! against a seeded journal. It signs in, reads what a person sees (the stuck receipt first, the
//! counts of the journal), sends a refused receipt again through the form (the state and the
//! audit trail change) and saves screenshots under `target/fiskal-serve-screenshots/`.
//!
//! Needs `apt-get install chromium chromium-driver`; run with
//! `cargo test -p fiskal-serve --test browser -- --ignored`.

mod support;

use base64::Engine as _;
use fiskal_emulator::{Endpoint, Fault, Faults};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{call, post, receipt, wait_state};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A chromedriver process (ended by its own id on drop) and one browser session.
struct Driver {
    child: Child,
    addr: SocketAddr,
    session: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = call(
            self.addr,
            "DELETE",
            &format!("/session/{}", self.session),
            None,
            &[],
            b"",
        );
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|f| f.is_file())
    })
}

impl Driver {
    fn start() -> Driver {
        let driver = which("chromedriver").expect("chromedriver (apt-get install chromium-driver)");
        let browser = which("chromium").expect("chromium (apt-get install chromium)");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver");
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(addr).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": browser,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1280,1400"]
            }
        }}});
        let r = call(
            addr,
            "POST",
            "/session",
            None,
            &[],
            caps.to_string().as_bytes(),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let session = r.json()["value"]["sessionId"]
            .as_str()
            .expect("session id")
            .to_owned();
        Driver {
            child,
            addr,
            session,
        }
    }

    fn cmd(&self, method: &str, path: &str, body: Value) -> Value {
        let p = format!("/session/{}{path}", self.session);
        let b = if method == "GET" {
            Vec::new()
        } else {
            body.to_string().into_bytes()
        };
        let r = call(self.addr, method, &p, None, &[], &b);
        assert_eq!(r.status, 200, "{method} {path}: {}", r.text());
        r.json()["value"].clone()
    }

    fn go(&self, url: &str) {
        self.cmd("POST", "/url", json!({"url": url}));
    }

    fn find(&self, css: &str) -> String {
        let v = self.cmd(
            "POST",
            "/element",
            json!({"using": "css selector", "value": css}),
        );
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("{css}: {v}"))
            .to_owned()
    }

    /// The text of the element, or `None` while there is none (a page still loading).
    fn try_text(&self, css: &str) -> Option<String> {
        let p = format!("/session/{}/element", self.session);
        let q = json!({"using": "css selector", "value": css}).to_string();
        let r = call(self.addr, "POST", &p, None, &[], q.as_bytes());
        if r.status != 200 {
            return None;
        }
        let e = r.json()["value"][ELEMENT].as_str()?.to_owned();
        let p = format!("/session/{}/element/{e}/text", self.session);
        let r = call(self.addr, "GET", &p, None, &[], b"");
        if r.status != 200 {
            return None; // replaced by the next page between the two calls
        }
        Some(r.json()["value"].as_str().unwrap_or_default().to_owned())
    }

    /// Waits, up to a deadline, until the element exists and its text satisfies `ok`: after a
    /// click that submits a form or follows a link, the next page may not be there yet, and
    /// the old page's element may still answer.
    fn wait_text(&self, css: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let t = self.try_text(css);
            if let Some(t) = t.as_deref().filter(|t| ok(t)) {
                return t.to_owned();
            }
            assert!(
                Instant::now() < deadline,
                "{css}: not as expected within 20 s (last text: {t:?})"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn text(&self, css: &str) -> String {
        let e = self.find(css);
        self.cmd("GET", &format!("/element/{e}/text"), json!(null))
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    fn attr(&self, css: &str, name: &str) -> String {
        let e = self.find(css);
        self.cmd(
            "GET",
            &format!("/element/{e}/attribute/{name}"),
            json!(null),
        )
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    fn type_in(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.cmd(
            "POST",
            &format!("/element/{e}/value"),
            json!({"text": text}),
        );
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        self.cmd("POST", &format!("/element/{e}/click"), json!({}));
    }

    fn screenshot(&self, name: &str) -> PathBuf {
        let b64 = self.cmd("GET", "/screenshot", json!(null));
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().expect("base64"))
            .expect("png");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let dir =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/fiskal-serve-screenshots");
        std::fs::create_dir_all(&dir).expect("dir");
        let p = dir.join(format!("{name}.png"));
        std::fs::write(&p, png).expect("write");
        p
    }
}

#[test]
#[ignore = "needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)"]
fn an_operator_sees_the_stuck_receipt_first_and_sends_a_refused_one_again() {
    let s = support::start_full(
        "browser",
        Faults::none(),
        |v| {
            v["timing"]["deadline_retry_later_s"] = json!(1);
            v["timing"]["deadline_in_doubt_s"] = json!(1);
            v["worker"]["stuck_scan_ms"] = json!(50);
        },
        |_| {},
    );
    let a = s.addr;
    let enq = |k: &str| post(a, "/v1/receipts", &json!({"key": k, "receipt": receipt()})).status;
    assert_eq!(enq("shop-1001-sell"), 201);
    assert_eq!(enq("shop-1002-sell"), 201);
    wait_state(a, "shop-1001-sell", "done");
    wait_state(a, "shop-1002-sell", "done");
    s.emu
        .set_faults(Faults::none().script(Endpoint::Register, Fault::kkt_error(134)));
    assert_eq!(enq("shop-1003-sell"), 201);
    wait_state(a, "shop-1003-sell", "rejected");
    s.emu
        .set_faults(Faults::none().script_n(Endpoint::Register, Fault::ServerError(500), 10_000));
    assert_eq!(enq("shop-1004-sell"), 201);
    wait_state(a, "shop-1004-sell", "stuck");
    s.emu.set_faults(Faults::none());

    let d = Driver::start();
    let base = format!("http://{a}");
    d.go(&format!("{base}/"));
    // Signed out: the sign-in form.
    d.type_in("input[name=token]", support::TOKEN);
    d.click("button[type=submit]");
    // What a person sees: the stuck receipt first, then the counts of the journal.
    d.wait_text("#stuck h2", |t| t.contains("(1)"));
    assert_eq!(d.text("#stuck tr.stuck-row td a"), "shop-1004-sell");
    assert_eq!(d.text("tr[data-state=done] td.n"), "2");
    assert_eq!(d.text("tr[data-state=rejected] td.n"), "1");
    assert_eq!(d.text("tr[data-state=stuck] td.n"), "1");
    assert!(d.text("#refusals").contains("134"));
    // Its reason as the Russian page shows it: Russian, no English adapter text.
    let reason = d.text("#stuck td.stuck-reason");
    assert!(
        reason.starts_with("неизвестно, получил ли провайдер чек")
            && !reason.chars().any(|c| c.is_ascii_alphabetic()),
        "{reason}"
    );
    let shot = d.screenshot("dashboard-ru");
    eprintln!("screenshot: {}", shot.display());

    // English.
    d.click("#lang");
    d.wait_text("#stuck h2", |t| t.starts_with("Stuck receipts"));
    assert!(d
        .text("#stuck td.stuck-reason")
        .starts_with("unknown whether the provider got the receipt"));
    d.screenshot("dashboard-en");

    // The refused receipt: send it again, confirmed.
    d.go(&format!("{base}/receipts/shop-1003-sell"));
    assert_eq!(d.attr("#state", "data-state"), "rejected");
    d.screenshot("receipt-refused");
    d.type_in("#form-requeue input[name=who]", "Анна");
    d.type_in("#form-requeue input[name=reason]", "касса починена");
    d.click("#form-requeue input[name=confirm]");
    d.click("#form-requeue button[type=submit]");
    // The page after the action: the operator in the audit trail, the state no longer rejected.
    d.wait_text("#audit", |t| t.contains("Анна"));
    let state = d.attr("#state", "data-state");
    assert_ne!(state, "rejected");
    let v = support::get(a, "/v1/receipts/shop-1003-sell").json();
    assert_eq!(v["attempt"], 2, "{v}");
    wait_state(a, "shop-1003-sell", "done");
    d.go(&format!("{base}/receipts/shop-1003-sell"));
    assert_eq!(d.attr("#state", "data-state"), "done");
    d.screenshot("receipt-requeued-done");
}
