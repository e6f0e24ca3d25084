//! Callbacks: a best-effort `POST` of a JSON document to a loopback `http://` address.
//!
//! The emulators run on loopback for tests; they never call out to the network, so a callback
//! address that is not `127.0.0.1`, `localhost` or `[::1]` over plain `http://` is skipped (and
//! the journal says so). The request is written by hand (HTTP/1.1, `Connection: close`): the
//! emulator has no HTTP client dependency and needs nothing more.

use crate::journal::CallbackState;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Splits `http://host[:port]/path` into (host, port, path-and-query); loopback hosts only.
fn parse_loopback(url: &str) -> Result<(String, u16, String), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| "only http:// callbacks are sent by the emulator".to_owned())?;
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], rest[i..].to_owned()),
        None => (rest, "/".to_owned()),
    };
    let path = if path.starts_with('?') {
        format!("/{path}")
    } else {
        path
    };
    let (host, port_text) = match authority.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((h, rest)) => (&authority[..h.len() + 2], rest.strip_prefix(':')),
            None => return Err(format!("bad callback address `{authority}`")),
        },
        None => match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        },
    };
    let port = match port_text {
        Some(p) => p
            .parse::<u16>()
            .map_err(|_| format!("bad port in callback address `{authority}`"))?,
        None => 80,
    };
    let host = match host {
        "127.0.0.1" | "localhost" => "127.0.0.1".to_owned(),
        "[::1]" => "::1".to_owned(),
        other => return Err(format!("`{other}` is not a loopback address")),
    };
    Ok((host, port, path))
}

/// Sends `body` to `url`; never panics, never waits longer than `timeout` in total.
pub(crate) async fn post_json(url: &str, body: &str, timeout: Duration) -> CallbackState {
    let (host, port, path) = match parse_loopback(url) {
        Ok(p) => p,
        Err(why) => return CallbackState::Skipped(why),
    };
    match tokio::time::timeout(timeout, send(&host, port, &path, body)).await {
        Ok(Ok(status)) => CallbackState::Delivered(status),
        Ok(Err(e)) => CallbackState::Failed(e),
        Err(_) => CallbackState::Failed(format!("no answer within {timeout:?}")),
    }
}

async fn send(host: &str, port: u16, path: &str, body: &str) -> Result<u16, String> {
    let mut stream = tokio::net::TcpStream::connect((host, port))
        .await
        .map_err(|e| e.to_string())?;
    let host_header = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host_header}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream
        .write_all(head.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    stream
        .write_all(body.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut buf = Vec::with_capacity(256);
    let mut chunk = [0u8; 256];
    // Only the status line is needed.
    while !buf.windows(2).any(|w| w == b"\r\n") && buf.len() < 4096 {
        let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let line = String::from_utf8_lossy(&buf);
    line.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| "the receiver did not answer with an HTTP status line".to_owned())
}

#[cfg(test)]
mod tests {
    use super::parse_loopback;

    #[test]
    fn loopback_only() {
        assert_eq!(
            parse_loopback("http://127.0.0.1:8080/cb?x=1").ok(),
            Some(("127.0.0.1".into(), 8080, "/cb?x=1".into()))
        );
        assert_eq!(
            parse_loopback("http://localhost").ok(),
            Some(("127.0.0.1".into(), 80, "/".into()))
        );
        assert_eq!(
            parse_loopback("http://[::1]:9/").ok(),
            Some(("::1".into(), 9, "/".into()))
        );
        assert!(parse_loopback("https://127.0.0.1/").is_err());
        assert!(parse_loopback("http://example.org/cb").is_err());
    }
}
