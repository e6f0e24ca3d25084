//! A scripted HTTP/1.1 server on 127.0.0.1 for wire-exact adapter tests: it answers each
//! connection with the next canned reply (`Connection: close`) and records what it was sent
//! (method, path, headers, body).

use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One expected request and the reply to it.
#[derive(Clone, Default)]
pub(crate) struct Exchange {
    pub(crate) method: &'static str,
    pub(crate) path: String,
    pub(crate) token: Option<&'static str>,
    pub(crate) body_fixture: Option<&'static str>,
    pub(crate) status: u16,
    pub(crate) headers: Vec<(&'static str, &'static str)>,
    pub(crate) reply: String,
    pub(crate) delay: Duration,
}

pub(crate) fn expect(method: &'static str, path: &str) -> Exchange {
    Exchange {
        method,
        path: path.to_owned(),
        status: 200,
        ..Exchange::default()
    }
}

impl Exchange {
    pub(crate) fn token(mut self, t: &'static str) -> Self {
        self.token = Some(t);
        self
    }
    pub(crate) fn body(mut self, fixture: &'static str) -> Self {
        self.body_fixture = Some(fixture);
        self
    }
    pub(crate) fn header(mut self, name: &'static str, value: &'static str) -> Self {
        self.headers.push((name, value));
        self
    }
    pub(crate) fn delay_ms(mut self, ms: u64) -> Self {
        self.delay = Duration::from_millis(ms);
        self
    }
    /// Read the request, then close the connection without answering (a reset after the
    /// request reached the server).
    pub(crate) fn hang_up(mut self) -> Self {
        self.status = 0;
        self
    }
    pub(crate) fn reply(mut self, status: u16, body: &str) -> Self {
        self.status = status;
        self.reply = body.to_owned();
        self
    }
}

/// What the server saw.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Seen {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Serves the script, one connection per exchange (`Connection: close`), and records requests.
pub(crate) async fn serve(script: Vec<Exchange>) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        for ex in script {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let Some(req) = read_request(&mut sock).await else {
                continue;
            };
            log.lock().expect("log").push(req);
            tokio::time::sleep(ex.delay).await;
            if ex.status == 0 {
                drop(sock);
                continue;
            }
            let mut head = format!(
                "HTTP/1.1 {} X\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n",
                ex.status,
                ex.reply.len()
            );
            for (n, v) in &ex.headers {
                head.push_str(&format!("{n}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = sock.write_all(head.as_bytes()).await;
            let _ = sock.write_all(ex.reply.as_bytes()).await;
            let _ = sock.shutdown().await;
        }
    });
    (format!("http://{addr}"), seen)
}

async fn read_request(sock: &mut tokio::net::TcpStream) -> Option<Seen> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).ok()?;
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, path) = (first.next()?.to_owned(), first.next()?.to_owned());
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let len = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Seen {
        method,
        path,
        headers,
        body: String::from_utf8(body).ok()?,
    })
}

/// JSON text without the whitespace between tokens (strings untouched): the exact bytes a
/// compact serialiser writes, numbers as written.
pub(crate) fn compact(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_str, mut esc) = (false, false);
    for c in json.chars() {
        if in_str {
            out.push(c);
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                in_str = false;
            }
        } else if c == '"' {
            in_str = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}
