//! The service core every emulator is built on: the state all of them keep (journal, fault
//! plan, the stop switch), the request envelope (route → fault → answer → fault), tokens,
//! processing after a delay, the handle plumbing and small configuration helpers.
//!
//! A provider module supplies only what is its own: a [`Service`] (routing and the answers in
//! the provider's words), its checks and its public `Config`/`Handle`
//! types, whose methods delegate to [`Served`]. The crate docs ("Adding an emulator") walk
//! through it.

use crate::error::EmulatorError;
use crate::faults::{Endpoint, Fault, FaultState, Faults};
use crate::journal::{DocError, Journal};
use crate::server::{Handler, Reply, Req, Running};
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Locks `m`, going on with the data of a panicked holder (the emulator's maps stay usable:
/// every update is a single insert or field store).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

// ---- the shared state -----------------------------------------------------------------------

/// What every emulator keeps: the journal, the fault plan and the stop switch.
#[derive(Debug)]
pub(crate) struct Core {
    /// The accepted documents (cloned out by the handles' `journal()`).
    pub(crate) journal: Journal,
    faults: Mutex<FaultState>,
    /// Set when the handle is shut down or dropped: pending documents are then abandoned.
    stopped: AtomicBool,
}

impl Core {
    /// A core with the fault plan `faults`.
    pub(crate) fn new(faults: Faults) -> Core {
        Core {
            journal: Journal::default(),
            faults: Mutex::new(FaultState::new(faults)),
            stopped: AtomicBool::new(false),
        }
    }

    /// The fault plan, locked.
    pub(crate) fn faults(&self) -> MutexGuard<'_, FaultState> {
        lock(&self.faults)
    }

    /// Abandons the documents still waiting (no processing, no callback after this).
    pub(crate) fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
    }

    /// Whether [`Core::stop`] was called.
    pub(crate) fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }
}

// ---- the request envelope -------------------------------------------------------------------

/// A provider emulator on the core. Implementing it makes the type a server
/// [`Handler`]: every request is routed ([`Service::route`]), takes the next fault of its
/// endpoint, and is answered ([`Service::answer`]) inside the fault envelope
/// ([`before_answer`], [`after_answer`]).
pub(crate) trait Service: Send + Sync + Sized + 'static {
    /// Where a request goes (owned: it outlives the borrowed request).
    type Route: Send;

    /// The shared state.
    fn core(&self) -> &Core;

    /// The route and fault endpoint of a request, or the answer that needs neither (404,
    /// 405, an unchecked client certificate, a ping …): such requests take no fault.
    fn route(&self, req: &Req) -> Result<(Self::Route, Endpoint), Reply>;

    /// The answer to a routed request; `fault` is the one drawn for it (the answer-shaping
    /// faults — queue timeout, register error, mark-check result — are the service's to apply).
    fn answer(self: &Arc<Self>, req: &Req, route: Self::Route, fault: &Fault) -> Reply;

    /// The service's own answer to an injected HTTP 500 ([`Fault::ServerError`]`(500)`).
    fn server_error(&self) -> Reply;

    /// The answer to [`Fault::Unavailable`]: by default the proxy's 503 page with
    /// `Retry-After`.
    fn unavailable(&self, retry_after_secs: u32) -> Reply {
        proxy_page(503).with_header("retry-after", retry_after_secs.to_string())
    }
}

impl<S: Service> Handler for S {
    async fn handle(self: Arc<Self>, req: Req) -> Reply {
        let (route, endpoint) = match self.route(&req) {
            Ok(r) => r,
            Err(reply) => return reply,
        };
        let fault = self.core().faults().next(endpoint);
        if let Some(reply) = before_answer(&*self, &fault) {
            return reply;
        }
        let reply = self.answer(&req, route, &fault);
        after_answer(&fault, reply).await
    }
}

/// The faults that answer instead of the service: HTTP errors, the outage page, a connection
/// closed before anything is accepted.
pub(crate) fn before_answer<S: Service>(svc: &S, fault: &Fault) -> Option<Reply> {
    match fault {
        Fault::ServerError(500) => Some(svc.server_error()),
        Fault::ServerError(status) => Some(proxy_page(*status)),
        Fault::Unavailable { retry_after_secs } => Some(svc.unavailable(*retry_after_secs)),
        Fault::ResetBeforeAccept => Some(Reply::Drop),
        _ => None,
    }
}

/// The faults that act on the finished answer: held back ([`Fault::Delay`]) or lost with the
/// connection after the request was fully handled ([`Fault::ResetAfterAccept`]).
pub(crate) async fn after_answer(fault: &Fault, reply: Reply) -> Reply {
    match fault {
        Fault::Delay(d) => {
            tokio::time::sleep(*d).await;
            reply
        }
        Fault::ResetAfterAccept => Reply::Drop,
        _ => reply,
    }
}

/// The outcome a registration fault forces on the document (the register then refuses it):
/// [`Fault::QueueTimeout`] → `queue_timeout`, [`Fault::RegisterError`] → that KKT error, type
/// `driver`; `None` for every other fault.
pub(crate) fn forced_outcome(fault: &Fault, queue_timeout: fn() -> DocError) -> Option<DocError> {
    match fault {
        Fault::QueueTimeout => Some(queue_timeout()),
        Fault::RegisterError { code, text } => Some(DocError {
            code: *code,
            text: text.clone(),
            error_type: "driver".into(),
        }),
        _ => None,
    }
}

/// An nginx-style error page (what a proxy in front of a service answers in an outage).
pub(crate) fn proxy_page(status: u16) -> Reply {
    let reason = hyper::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    Reply::text(
        status,
        "text/html",
        format!(
            "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
        ),
    )
}

/// `404 Not Found` as plain text (what the web server answers for a path no API has).
pub(crate) fn not_found() -> Reply {
    Reply::text(404, "text/plain; charset=utf-8", "Not Found".into())
}

// ---- processing after a delay ---------------------------------------------------------------

/// Runs `work` on the service after `delay` (the time a document waits in the queue), unless
/// the emulator was stopped meanwhile: the asynchronous half of every registration.
pub(crate) fn process_later<S, F, Fut>(svc: &Arc<S>, delay: Duration, work: F)
where
    S: Service,
    F: FnOnce(Arc<S>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let svc = Arc::clone(svc);
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        if !svc.core().is_stopped() {
            work(svc).await;
        }
    });
}

// ---- tokens ---------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct TokenInfo {
    owner: String,
    issued: Instant,
    expired: bool,
}

/// Bearer tokens bound to an owner (a login, an app id), with a lifetime. While one is valid,
/// asking again gives the same token.
#[derive(Debug)]
pub(crate) struct Tokens {
    lifetime: Duration,
    map: Mutex<HashMap<String, TokenInfo>>,
}

impl Tokens {
    /// No tokens yet; each lives `lifetime`.
    pub(crate) fn new(lifetime: Duration) -> Tokens {
        Tokens {
            lifetime,
            map: Mutex::new(HashMap::new()),
        }
    }

    fn live(&self, t: &TokenInfo) -> bool {
        !t.expired && t.issued.elapsed() < self.lifetime
    }

    /// The owner's valid token, or a new one made by `make`.
    pub(crate) fn issue(&self, owner: &str, make: impl FnOnce() -> String) -> String {
        let mut map = lock(&self.map);
        if let Some((token, _)) = map.iter().find(|(_, t)| t.owner == owner && self.live(t)) {
            return token.clone();
        }
        let token = make();
        map.insert(
            token.clone(),
            TokenInfo {
                owner: owner.to_owned(),
                issued: Instant::now(),
                expired: false,
            },
        );
        token
    }

    /// The owner of `token` while it is valid; `None` when unknown, expired or ended.
    pub(crate) fn owner(&self, token: &str) -> Option<String> {
        lock(&self.map)
            .get(token)
            .filter(|t| self.live(t))
            .map(|t| t.owner.clone())
    }

    /// Ends every token issued so far.
    pub(crate) fn expire_all(&self) {
        for t in lock(&self.map).values_mut() {
            t.expired = true;
        }
    }
}

// ---- the handle plumbing --------------------------------------------------------------------

/// A running service: the listener and the state. The public handles wrap one and delegate;
/// dropping it stops the service (waiting documents are abandoned).
#[derive(Debug)]
pub(crate) struct Served<S: Service> {
    running: Running,
    /// The service state.
    pub(crate) state: Arc<S>,
}

impl<S: Service> Served<S> {
    /// Binds `127.0.0.1:port` and serves `state`, over TLS when `tls` is given.
    pub(crate) async fn start(
        port: u16,
        state: S,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> Result<Served<S>, EmulatorError> {
        let state = Arc::new(state);
        let running = crate::server::serve(port, Arc::clone(&state), tls).await?;
        Ok(Served { running, state })
    }

    /// The bound address.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.running.addr
    }

    /// The journal (shared, live).
    pub(crate) fn journal(&self) -> Journal {
        self.state.core().journal.clone()
    }

    /// Replaces the fault plan.
    pub(crate) fn set_faults(&self, faults: Faults) {
        self.state.core().faults().set(faults);
    }

    /// Queues one more scripted fault for `endpoint`.
    pub(crate) fn push_fault(&self, endpoint: Endpoint, fault: Fault) {
        self.state.core().faults().push(endpoint, fault);
    }

    /// Stops the service and waits for its accept loop to end.
    pub(crate) async fn shutdown(mut self) {
        self.state.core().stop();
        let running = std::mem::replace(&mut self.running, Running::detached());
        running.shutdown().await;
    }
}

impl<S: Service> Drop for Served<S> {
    fn drop(&mut self) {
        self.state.core().stop();
    }
}

// ---- configuration helpers ------------------------------------------------------------------

/// [`EmulatorError::Config`] for `field`.
pub(crate) fn config_error(field: impl Into<String>, message: &str) -> EmulatorError {
    EmulatorError::Config {
        field: field.into(),
        message: message.to_owned(),
    }
}

/// Whether `s` is ASCII digits of one of the lengths `lens`.
pub(crate) fn is_digits(s: &str, lens: &[usize]) -> bool {
    lens.contains(&s.len()) && s.bytes().all(|c| c.is_ascii_digit())
}

/// `with_<field>` builder methods of a configuration struct, each documented as setting its
/// field: `setters!(AtolConfig { with_port: port: u16, … })`.
macro_rules! setters {
    ($ty:ident { $($with:ident : $field:ident : $t:ty),* $(,)? }) => {
        impl $ty {
            $(
                #[doc = concat!("Sets [`", stringify!($ty), "::", stringify!($field), "`].")]
                pub fn $with(mut self, value: $t) -> Self {
                    self.$field = value;
                    self
                }
            )*
        }
    };
}
pub(crate) use setters;

/// The methods every public handle has, delegating to its `served: Served<_>` field: `addr`,
/// `journal`, `set_faults`, `push_fault`, `shutdown`. `$what` names what the journal holds
/// ("documents", "receipts").
macro_rules! handle_api {
    ($handle:ident, $what:literal) => {
        impl $handle {
            /// The bound address.
            pub fn addr(&self) -> std::net::SocketAddr {
                self.served.addr()
            }

            #[doc = concat!("The journal of accepted ", $what, " (shared, live).")]
            pub fn journal(&self) -> $crate::Journal {
                self.served.journal()
            }

            /// Replaces the fault plan (scripted queues and random generator).
            pub fn set_faults(&self, faults: $crate::Faults) {
                self.served.set_faults(faults);
            }

            /// Queues one more scripted fault for `endpoint`.
            pub fn push_fault(&self, endpoint: $crate::Endpoint, fault: $crate::Fault) {
                self.served.push_fault(endpoint, fault);
            }

            #[doc = concat!(
                        "Stops the server and waits for its accept loop to end. The ", $what,
                        " still waiting are abandoned."
                    )]
            pub async fn shutdown(self) {
                self.served.shutdown().await;
            }
        }
    };
}
pub(crate) use handle_api;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_reused_per_owner_until_ended() {
        let tokens = Tokens::new(Duration::from_secs(60));
        let mut n = 0;
        let mut make = || {
            n += 1;
            format!("t{n}")
        };
        let a = tokens.issue("alice", &mut make);
        assert_eq!(tokens.issue("alice", &mut make), a);
        let b = tokens.issue("bob", &mut make);
        assert_ne!(a, b);
        assert_eq!(tokens.owner(&a).as_deref(), Some("alice"));
        assert_eq!(tokens.owner("nope"), None);
        tokens.expire_all();
        assert_eq!(tokens.owner(&a), None);
        assert_ne!(tokens.issue("alice", &mut make), a);
    }

    #[test]
    fn tokens_end_with_their_lifetime() {
        let tokens = Tokens::new(Duration::ZERO);
        let t = tokens.issue("alice", || "t".into());
        assert_eq!(tokens.owner(&t), None);
    }

    #[test]
    fn config_digits() {
        assert!(is_digits("1234567890", &[10, 12]));
        assert!(!is_digits("12345678901", &[10, 12]));
        assert!(!is_digits("12345678a0", &[10]));
    }
}
