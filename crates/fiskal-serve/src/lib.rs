//! # fiskal-serve
//!
//! The local fiscal gateway behind `fiskal serve`: the durable outbox and its worker
//! (`fiskal-outbox`) behind a small HTTP API, for programs that cannot load a native library
//! (1C on Windows, Node.js, Go, Java, PHP without FFI) and for the people who watch a shop's
//! fiscalisation.
//!
//! * Every operation speaks fiskal-json's JSON (what the C ABI returns), so every client gets
//!   the same bytes and the same error codes; the routes are listed in [`ROUTES`] and
//!   documented in `docs/openapi.json` (checked against the running server by a test) and
//!   `docs/gateway.md`.
//! * Security: the listener is the caller's (the CLI binds `127.0.0.1` unless told otherwise,
//!   and beyond loopback needs TLS, [`Gateway::serve_tls`], or an explicit `--insecure-http`);
//!   every API route needs a bearer [`Token`] with the route's [`Role`] (compared in constant
//!   time, never logged), the operator's page a session opened with a token; request bodies
//!   are limited ([`GatewayOptions::max_body_bytes`]), header reads and whole requests time
//!   out, connections are bounded.
//! * `/healthz`, `/readyz` and `/metrics` (Prometheus text, see [`metrics`]).
//! * The operator's page at `/` (server-rendered HTML, Russian and English, no script).
//!
//! ```no_run
//! # async fn run() -> Result<(), fiskal_serve::ServeError> {
//! use fiskal_serve::{Gateway, GatewayOptions, Token};
//! let settings = std::fs::read_to_string("outbox.json").unwrap_or_default();
//! let token = Token::from_env("FISKAL_SERVE_TOKEN")?;
//! let gw = Gateway::open("/var/lib/shop/fiskal.db", &settings, vec![token], GatewayOptions::default())?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8787").await.map_err(|e| {
//!     fiskal_serve::ServeError::Listen { addr: "127.0.0.1:8787".into(), message: e.to_string() }
//! })?;
//! gw.serve(listener, async { let _ = tokio::signal::ctrl_c().await; }).await
//! # }
//! ```
#![forbid(unsafe_code)]

mod api;
mod auth;
mod error;
pub mod metrics;
mod ops;
mod page;
mod server;
mod tls;

pub use api::{Access, ROUTES};
pub use auth::{Role, Token, MIN_TOKEN_LEN};
pub use error::{is_store_error, status_of, GatewayCode, HttpError, Lang, ServeError};
pub use metrics::Metrics;
pub use tls::Tls;

use fiskal_json::OutboxHandle;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

/// Limits and switches of the gateway. Start from `GatewayOptions::default()` and set fields.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct GatewayOptions {
    /// Largest request body accepted, in bytes (larger: 413 with code 103). Default 4 MiB: a
    /// receipt is at most about 32 KB as TLV, a batch of a thousand well under this.
    pub max_body_bytes: usize,
    /// Longest a request may take, body included (longer: 503 with code 8004). Default 60 s.
    pub request_timeout: Duration,
    /// Longest a client may take to send the request line and headers; the connection is
    /// closed after it. Default 10 s.
    pub header_timeout: Duration,
    /// Connections served at once; more wait to be accepted. Default 512.
    pub max_connections: usize,
    /// Start the outbox worker on open. Default true.
    pub start_worker: bool,
    /// How long in-flight requests may finish after shutdown is asked. Default 10 s.
    pub drain_timeout: Duration,
    /// Keep every (method, route, status) answered, for the test that checks
    /// `docs/openapi.json` against the server ([`Gateway::answered`]). Default false.
    pub record_answers: bool,
}

impl Default for GatewayOptions {
    fn default() -> GatewayOptions {
        GatewayOptions {
            max_body_bytes: 4 * 1024 * 1024,
            request_timeout: Duration::from_secs(60),
            header_timeout: Duration::from_secs(10),
            max_connections: 512,
            start_worker: true,
            drain_timeout: Duration::from_secs(10),
            record_answers: false,
        }
    }
}

/// The gateway: the outbox handle, the token, the metrics. Cheap to clone (one `Arc`).
#[derive(Debug, Clone)]
pub struct Gateway {
    inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) outbox: OutboxHandle,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) tokens: Arc<auth::Tokens>,
    pub(crate) opts: GatewayOptions,
    pub(crate) answered: Mutex<BTreeSet<(String, String, u16)>>,
    pub(crate) sessions: page::Sessions,
    /// The configured routes' names (for the page's per-route health).
    pub(crate) routes: Vec<String>,
}

impl Gateway {
    /// Opens (creating) the journal at `db` with the outbox settings JSON (fiskal-json's
    /// `OutboxHandle::open`: routes, secrets from env vars and files), accepting `tokens` (each
    /// with its roles; at least one) and, unless
    /// [`GatewayOptions::start_worker`] is off, starts the worker.
    ///
    /// # Errors
    /// [`ServeError::Outbox`] with fiskal-json's error (settings path, journal), or
    /// [`ServeError::Metrics`].
    pub fn open(
        db: impl AsRef<Path>,
        settings_json: &str,
        tokens: Vec<Token>,
        opts: GatewayOptions,
    ) -> Result<Gateway, ServeError> {
        if tokens.is_empty() {
            return Err(ServeError::Token {
                source_name: "--token-file / FISKAL_SERVE_TOKEN".into(),
                problem: "no token given".into(),
            });
        }
        let metrics = Arc::new(Metrics::new()?);
        let (done_tx, done_rx) = std::sync::mpsc::channel::<String>();
        let m = Arc::clone(&metrics);
        let done_tx = Mutex::new(done_tx);
        let observer: fiskal_json::EventObserver = Box::new(move |event| {
            if let Some(key) = m.on_event(event) {
                if let Ok(tx) = done_tx.lock() {
                    // The reader is gone only when the gateway is: nothing to count then.
                    let _ = tx.send(key);
                }
            }
        });
        let db = db.as_ref().to_string_lossy().into_owned();
        let outbox =
            OutboxHandle::open(&db, settings_json, Some(observer)).map_err(ServeError::Outbox)?;
        if opts.start_worker {
            outbox.start().map_err(ServeError::Outbox)?;
        }
        let inner = Arc::new(Inner {
            outbox,
            metrics,
            tokens: Arc::new(auth::Tokens(tokens)),
            opts,
            answered: Mutex::new(BTreeSet::new()),
            sessions: page::Sessions::default(),
            routes: route_names(settings_json),
        });
        spawn_latency_reader(Arc::downgrade(&inner), done_rx);
        Ok(Gateway { inner })
    }

    /// The router: every route of [`ROUTES`], the token check, the body limit and the request
    /// timeout. Serve it with [`Gateway::serve`] (header timeout, connection limit) or any
    /// axum server.
    pub fn router(&self) -> axum::Router {
        api::router(Arc::clone(&self.inner))
    }

    /// Serves on `listener` until `shutdown` completes, then lets in-flight requests finish
    /// (up to [`GatewayOptions::drain_timeout`]) and stops the worker.
    ///
    /// # Errors
    /// [`ServeError::Listen`] when the listener's address cannot be read.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send,
    ) -> Result<(), ServeError> {
        server::serve(self, listener, None, shutdown).await
    }

    /// [`Gateway::serve`] over HTTPS with `tls` (rustls): a client that has not finished its
    /// handshake within [`GatewayOptions::header_timeout`] is dropped, and the page's session
    /// cookie is marked `Secure`.
    ///
    /// # Errors
    /// [`ServeError::Listen`] when the listener's address cannot be read.
    pub async fn serve_tls(
        self,
        listener: tokio::net::TcpListener,
        tls: Tls,
        shutdown: impl std::future::Future<Output = ()> + Send,
    ) -> Result<(), ServeError> {
        server::serve(self, listener, Some(tls), shutdown).await
    }

    /// The outbox handle (fiskal-json's), e.g. to seed or inspect the journal.
    pub fn outbox(&self) -> &OutboxHandle {
        &self.inner.outbox
    }

    /// The metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// Every (method, route, status) answered so far, when [`GatewayOptions::record_answers`]
    /// is on (empty otherwise). The route is the pattern (`/v1/receipts/{key}`).
    pub fn answered(&self) -> BTreeSet<(String, String, u16)> {
        self.inner
            .answered
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }
}

/// The route names of the outbox settings JSON (already checked by the outbox).
fn route_names(settings_json: &str) -> Vec<String> {
    serde_json::from_str::<serde_json::Value>(settings_json)
        .ok()
        .and_then(|v| {
            v.get("routes")
                .and_then(|r| r.as_object())
                .map(|m| m.keys().cloned().collect())
        })
        .unwrap_or_default()
}

/// Reads the audit trail of each receipt that became done and records its latency. Ends when
/// the gateway is gone (its observer, which holds the sender, with it).
fn spawn_latency_reader(inner: Weak<Inner>, rx: std::sync::mpsc::Receiver<String>) {
    let _ = std::thread::Builder::new()
        .name("fiskal-serve-latency".into())
        .spawn(move || {
            while let Ok(key) = rx.recv() {
                let Some(inner) = inner.upgrade() else { break };
                match inner.outbox.outbox().audit(&key) {
                    Ok(records) => {
                        if let Some(ms) = metrics::latency_ms_from_audit(&records) {
                            inner.metrics.observe_latency(metrics::seconds(ms));
                        }
                    }
                    Err(_) => inner.metrics.store_error(),
                }
            }
        });
}
