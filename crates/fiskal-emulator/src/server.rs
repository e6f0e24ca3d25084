//! The HTTP plumbing shared by every emulator: a loopback listener, one hyper HTTP/1.1
//! connection task per client, and a request/reply model simple enough for the provider
//! modules to stay free of HTTP machinery.
//!
//! hyper is used directly (not an axum router) because the emulators need one thing a router
//! cannot express: answering a request by **closing the connection without a response** (the
//! in-doubt fault). A service that returns an error makes hyper drop the connection unanswered.

use crate::error::EmulatorError;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Largest request body read, bytes; the provider module answers larger ones with its own
/// error (it sees [`Req::too_large`]).
pub(crate) const MAX_BODY: usize = 4 * 1024 * 1024;

/// A request, fully read.
#[derive(Debug)]
pub(crate) struct Req {
    /// `GET`, `POST`, …
    pub(crate) method: hyper::Method,
    /// The path, percent-encoded as sent.
    pub(crate) path: String,
    /// The raw query string (without `?`).
    pub(crate) query: String,
    /// The request headers.
    pub(crate) headers: hyper::HeaderMap,
    /// The body.
    pub(crate) body: Vec<u8>,
    /// The body was larger than [`MAX_BODY`] (and `body` is empty).
    pub(crate) too_large: bool,
    /// Over TLS: the certificate chain the client presented (empty when none); `None` over
    /// plain HTTP.
    pub(crate) peer_certs: Option<PeerCerts>,
}

/// A client's certificate chain, leaf first (shared by the requests of one connection).
pub(crate) type PeerCerts = Arc<Vec<rustls::pki_types::CertificateDer<'static>>>;

impl Req {
    /// A header as text (`None` when absent or not visible ASCII).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The first value of a query parameter, percent-decoded.
    pub(crate) fn query_param(&self, name: &str) -> Option<String> {
        self.query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k) == name).then(|| percent_decode(v))
        })
    }
}

/// Decodes `%XX` escapes and `+` (form encoding); invalid escapes are kept as they are.
pub(crate) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex_val(b[i + 1]), hex_val(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// What the provider module answers.
#[derive(Debug)]
pub(crate) enum Reply {
    /// An HTTP response.
    Response {
        /// Status code.
        status: u16,
        /// Extra headers (`Content-Type` is set from `content_type`).
        headers: Vec<(&'static str, String)>,
        /// `Content-Type` value.
        content_type: &'static str,
        /// Body bytes.
        body: Vec<u8>,
    },
    /// Close the connection without any response.
    Drop,
}

impl Reply {
    /// A JSON response (`application/json; charset=utf-8`).
    pub(crate) fn json(status: u16, body: String) -> Reply {
        Reply::Response {
            status,
            headers: Vec::new(),
            content_type: "application/json; charset=utf-8",
            body: body.into_bytes(),
        }
    }

    /// A plain-text or HTML response.
    pub(crate) fn text(status: u16, content_type: &'static str, body: String) -> Reply {
        Reply::Response {
            status,
            headers: Vec::new(),
            content_type,
            body: body.into_bytes(),
        }
    }

    /// Adds a header to a response (no effect on [`Reply::Drop`]).
    pub(crate) fn with_header(mut self, name: &'static str, value: String) -> Reply {
        if let Reply::Response { headers, .. } = &mut self {
            headers.push((name, value));
        }
        self
    }
}

/// A provider emulator: turns requests into replies. Every `crate::core::Service` is one (the
/// core adds routing and the fault envelope).
pub(crate) trait Handler: Send + Sync + 'static {
    /// Answers one request.
    fn handle(self: Arc<Self>, req: Req) -> impl Future<Output = Reply> + Send;
}

/// The error a service returns to make hyper close the connection unanswered.
#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for DropConnection {}

/// A running listener: its address and the switch that stops it.
#[derive(Debug)]
pub(crate) struct Running {
    /// The bound address (the real port when 0 was asked for).
    pub(crate) addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// A placeholder that controls nothing (to move the real one out of a `Drop` type).
    pub(crate) fn detached() -> Running {
        let (stop, _) = watch::channel(true);
        Running {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            stop,
            task: None,
        }
    }

    /// Stops accepting, closes open connections and waits for the accept loop to end.
    pub(crate) async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Binds `127.0.0.1:port` and serves `handler` until shut down, over TLS when `tls` is given.
pub(crate) async fn serve<H: Handler>(
    port: u16,
    handler: Arc<H>,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> Result<Running, EmulatorError> {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|source| EmulatorError::Bind { port, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| EmulatorError::Bind { port, source })?;
    let (stop, stopped) = watch::channel(false);
    let tls = tls.map(tokio_rustls::TlsAcceptor::from);
    let task = tokio::spawn(accept_loop(listener, handler, tls, stopped));
    Ok(Running {
        addr,
        stop,
        task: Some(task),
    })
}

async fn accept_loop<H: Handler>(
    listener: TcpListener,
    handler: Arc<H>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        let stream = tokio::select! {
            _ = stopped.changed() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: back off a little, keep serving.
                Err(_) => {
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let handler = Arc::clone(&handler);
        let stopped = stopped.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                None => connection(stream, handler, stopped, None).await,
                Some(acceptor) => {
                    // A client that never finishes its handshake is dropped after 10 s.
                    let handshake = tokio::time::timeout(
                        std::time::Duration::from_secs(10),
                        acceptor.accept(stream),
                    );
                    if let Ok(Ok(stream)) = handshake.await {
                        let certs: Vec<_> = stream
                            .get_ref()
                            .1
                            .peer_certificates()
                            .unwrap_or_default()
                            .iter()
                            .map(|c| c.clone().into_owned())
                            .collect();
                        connection(stream, handler, stopped, Some(Arc::new(certs))).await;
                    }
                }
            }
        });
    }
}

/// Serves one HTTP/1.1 connection until it closes or the server stops.
async fn connection<H, I>(
    io: I,
    handler: Arc<H>,
    mut stopped: watch::Receiver<bool>,
    peer_certs: Option<PeerCerts>,
) where
    H: Handler,
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let handler = Arc::clone(&handler);
        let peer_certs = peer_certs.clone();
        async move { respond(handler, req, peer_certs).await }
    });
    let conn =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(io), service);
    tokio::select! {
        _ = conn => {}
        _ = stopped.changed() => {}
    }
}

async fn respond<H: Handler>(
    handler: Arc<H>,
    req: hyper::Request<Incoming>,
    peer_certs: Option<PeerCerts>,
) -> Result<hyper::Response<Body>, DropConnection> {
    let (parts, body) = req.into_parts();
    let (body, too_large) = match axum::body::to_bytes(Body::new(body), MAX_BODY).await {
        Ok(b) => (b.to_vec(), false),
        Err(_) => (Vec::new(), true),
    };
    let req = Req {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        headers: parts.headers,
        body,
        too_large,
        peer_certs,
    };
    match handler.handle(req).await {
        Reply::Drop => Err(DropConnection),
        Reply::Response {
            status,
            headers,
            content_type,
            body,
        } => {
            let mut resp = hyper::Response::new(Body::from(body));
            *resp.status_mut() = hyper::StatusCode::from_u16(status)
                .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
            let h = resp.headers_mut();
            h.insert(
                hyper::header::CONTENT_TYPE,
                hyper::header::HeaderValue::from_static(content_type),
            );
            for (name, value) in headers {
                if let Ok(v) = hyper::header::HeaderValue::from_str(&value) {
                    h.insert(name, v);
                }
            }
            Ok(resp)
        }
    }
}
