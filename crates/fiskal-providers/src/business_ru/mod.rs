//! Business.ru «Онлайн-чеки» **Open API** (`/open-api/v1/`, `/open-api/v2/`). Source: the
//! vendor's official SDK <https://github.com/business-ru/open-api-sdk-php> (`README.md`,
//! `src/OpenClient.php`); its API reference on SwaggerHub is not publicly readable.
//! For its ATOL-compatible endpoints use [`AtolConfig::business_ru`](crate::atol::AtolConfig::business_ru).
//!
//! ```no_run
//! # async fn demo(receipt: &fiskal_ffd::Receipt) -> Result<(), fiskal_providers::ProviderError> {
//! use fiskal_providers::business_ru::{BusinessRuClient, BusinessRuConfig};
//! use fiskal_providers::{Provider, Submission};
//! let client = BusinessRuClient::new(BusinessRuConfig::test("my-app-id", "my-32-char-secret"))?;
//! let submission = Submission {
//!     document_id: "order-1001-sell-1",
//!     receipt,
//!     callback_url: None,
//!     timestamp: "2026-03-02T10:15:00".parse().expect("time"),
//! };
//! let outcome = client.submit(&submission).await?; // Accepted { provider_id: command id }
//! # Ok(()) }
//! ```
//!
//! * **Signing** ([`php_json`]): every request carries `app_id`, a fresh `nonce`
//!   (`nonce_<µs since 1970><3-digit counter>`) and, except `Token`, the `token`; header
//!   `sign = md5(params_string + secret)`, `params_string` being the parameters with their
//!   top-level keys sorted, encoded like PHP `json_encode(…, JSON_UNESCAPED_UNICODE)` (`\/`,
//!   `\u2028`, numbers as `1000` / `12.5`), non-ASCII text always raw: the SDK signed a
//!   `\u`-escaped encoding for a few hours (commits 6148d6e → 0cf8d88, 4 Nov 2021) and then,
//!   until 1.0.11, sent an escaped body under a raw-text sign, so the service checks the raw
//!   form (the old `unicode = "escaped"` setting is refused). GETs send the same parameters
//!   (string values) in the query (SDK 1.0.11 on; older releases sent them as a JSON body,
//!   which the emulator accepts too); `POST Command` sends **exactly the signed bytes** as its body
//!   (`Content-Type: application/json`), which satisfies a server that hashes the raw body as
//!   well as one that decodes, sorts and re-encodes (no public source tells which).
//! * **Token**: `GET Token?app_id&nonce` → `{"token"}`; fetched on first use, cached, shared
//!   by every clone (one fetch at a time), refreshed after
//!   [`BusinessRuConfig::token_max_age`] and when a request is answered 401 (without
//!   `result`) or 403 — then the request is rebuilt (new nonce, token and sign) and sent **once**
//!   more; a second refusal is [`RejectKind::Auth`].
//! * **Submit**: `POST Command` `{app_id, command, nonce, token, type}` with `type`
//!   `printCheck` (sell) or `printPurchaseReturn` (sell refund); other operations are
//!   [`ProviderError::Unsupported`] (no Open API command). `command` is built by [`command`]
//!   with `c_num` = [`Submission::document_id`]. `{"command_id": N}` →
//!   [`Outcome::Accepted`] `{provider_id: "N"}`. Answers and errors: the table in [`answer`].
//! * **Status**: `GET Command/{id}` (the id percent-encoded) → [`Outcome::Pending`] until `fn_number`,
//!   `fiscal_document_number` and `receipt_datetime` are filled (the vendor's rule), then
//!   [`Outcome::Done`]; a non-zero `result` with `result_msg` is [`Outcome::Rejected`]
//!   ([`BusinessRuConfig::nonzero_result_is_failure`]).
//! * **No idempotency**: the Open API has no idempotency key and is not known to refuse
//!   a second command with the same `c_num`. **Resending after an [`Outcome::InDoubt`] may
//!   print a second receipt.** A timeout, a reset after sending, or a 5xx on `POST Command` is
//!   therefore [`Outcome::InDoubt`], and the outbox must resolve it by
//!   [`status`](Provider::status) with `provider_id: None`: the **in-doubt lookup** below.
//! * **In-doubt lookup**: `GET Command` is the command list. What is *documented* (the
//!   vendor SDK <https://github.com/business-ru/open-api-sdk-php> and public clients that
//!   send it): the parameters `c_num`, `page` and `filter_date_create_from` / `_to`
//!   (`filter_date_update_*`, `filter_date_result_*` too). What is *inferred*, because the
//!   API reference is not public: that `c_num` filters exactly, the page size, the date
//!   format, the list's shape (a JSON array of command records, or an object holding one) and
//!   that a page past the end is empty. So the client relies on none of them for a verdict:
//!   it asks with `c_num`, `page` = 1, 2, … and (with
//!   [`BusinessRuConfig::lookup_date_filter`]) a date window from the first send (this
//!   client's own record of it, else now − [`BusinessRuConfig::lookup_lookback`]) to now,
//!   widened by a day on both sides; it checks every record's `c_num` itself and walks page
//!   after page until the match or an **empty page**. Found: the command's state
//!   ([`Outcome::Accepted`] with `duplicate: true` while pending). Not found is
//!   [`Outcome::NotFound`] (resending is safe) **only when the walk reached the end**; a
//!   page that fails, an answer of unknown shape, a page that repeats the previous one (the
//!   service ignores `page`) or more than [`BusinessRuConfig::lookup_max_pages`] pages leave
//!   the lookup incomplete: [`Outcome::RetryLater`], and the entry stays in doubt (and
//!   `stuck` at its deadline) — never a resend.
//! * **Health** ([`Provider::health`]): `GET StateSystem` (the SDK's `getStateSystem()`), an
//!   authenticated request that registers nothing.
//! * **Transport**: a failure to connect is [`Outcome::RetryLater`]; on GETs every failure is
//!   [`Outcome::RetryLater`] (a lookup registers nothing).
//! * **Secrets**: the secret and the token are never in `Debug`, errors or outcomes (the token
//!   travels in the query string, so transport errors are reported without the URL).

pub mod answer;
pub mod command;
mod config;
pub mod php_json;

pub use config::{
    ApiVersion, BusinessRuConfig, PRODUCTION_V1_URL, PRODUCTION_V2_URL, TEST_CLASS365_V1_URL,
    TEST_V1_URL,
};

use crate::error::ProviderError;
use crate::http;
use crate::outcome::{Outcome, RejectKind};
use crate::provider::{DocumentKind, Health, Provider, StatusQuery, Submission};
use crate::secret::Secret;
use answer::{Action, Call};
use php_json::{Php, UnicodeEscaping};
use reqwest::header::{HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::Mutex;
use tokio::time::Instant;

/// A Business.ru Open API client for one integration (`app_id`).
///
/// Cheap to clone; clones share the connection pool and the token. `Debug` shows the endpoint
/// and `app_id`, never the secret or the token.
#[derive(Clone)]
pub struct BusinessRuClient {
    inner: Arc<Inner>,
}

struct Inner {
    cfg: BusinessRuConfig,
    http: reqwest::Client,
    token: Mutex<TokenCache>,
    nonce_counter: AtomicU64,
    /// document id → when this client first sent it (Unix seconds), for the lookup window.
    first_sends: std::sync::Mutex<HashMap<String, u64>>,
}

/// How many first-send times a client keeps before it forgets those older than the lookback.
const FIRST_SENDS_KEPT: usize = 10_000;

#[derive(Default)]
struct TokenCache {
    current: Option<Token>,
    fetched: u64,
}

#[derive(Clone)]
struct Token {
    value: Secret,
    at: Instant,
    generation: u64,
}

impl fmt::Debug for BusinessRuClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.inner.cfg;
        f.debug_struct("BusinessRuClient")
            .field("base_url", &c.base_url)
            .field("app_id", &c.app_id)
            .finish_non_exhaustive()
    }
}

/// A signed request, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest {
    /// The signed parameter string; for `POST Command` also the exact body.
    pub params_string: String,
    /// The `sign` header.
    pub sign: String,
}

/// Signs a parameter object: sorts its top-level keys and encodes it PHP-style. The client
/// always signs with [`UnicodeEscaping::Raw`], the form the service checks (module docs);
/// `Escaped` is kept here only to reproduce old SDK requests in tests.
pub fn sign_params(params: Php, secret: &Secret, esc: php_json::UnicodeEscaping) -> SignedRequest {
    let params_string = params.sorted().encode(esc);
    let sign = php_json::sign(&params_string, secret.expose());
    SignedRequest {
        params_string,
        sign,
    }
}

struct Reply {
    status: u16,
    retry_after: Option<Duration>,
    body: Vec<u8>,
}

impl BusinessRuClient {
    /// Checks the configuration and builds the HTTPS client.
    ///
    /// # Errors
    /// [`ProviderError::Config`] for a bad setting, [`ProviderError::Tls`] when TLS cannot be
    /// set up.
    pub fn new(cfg: BusinessRuConfig) -> Result<BusinessRuClient, ProviderError> {
        cfg.validate()?;
        let http = http::build_client(&cfg.http)?;
        Ok(BusinessRuClient {
            inner: Arc::new(Inner {
                cfg,
                http,
                token: Mutex::new(TokenCache::default()),
                nonce_counter: AtomicU64::new(0),
                first_sends: std::sync::Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &BusinessRuConfig {
        &self.inner.cfg
    }

    /// The command `type` and the command object (PHP JSON text) [`Provider::submit`] would
    /// send for this submission, without sending anything.
    ///
    /// # Errors
    /// [`ProviderError::Invalid`] (fiskal-ffd validation) or [`ProviderError::Unsupported`].
    pub fn command(&self, s: &Submission<'_>) -> Result<(&'static str, String), ProviderError> {
        let cfg = &self.inner.cfg;
        let kind = DocumentKind::of(s.receipt)?;
        let ty = command::command_type(kind)?;
        if s.receipt.ffd != cfg.api.ffd() {
            return Err(command::unsupported(
                "ffd",
                format!(
                    "this endpoint carries ФФД {} receipts, not {}",
                    cfg.api.ffd(),
                    s.receipt.ffd
                ),
            ));
        }
        if cfg.validate_receipts {
            fiskal_ffd::validate(s.receipt)
                .map_err(|v| ProviderError::Invalid(fiskal_ffd::Error::Invalid(v)))?;
        }
        let cmd = command::build(cfg, s.document_id, s.receipt)?;
        Ok((ty, cmd.encode(UnicodeEscaping::Raw)))
    }

    /// The signed `POST Command` body for a command built by [`BusinessRuClient::command`],
    /// with this nonce and token.
    pub fn command_request(
        &self,
        ty: &str,
        command: &str,
        nonce: &str,
        token: &Secret,
    ) -> SignedRequest {
        let c = &self.inner.cfg;
        let params = Php::Obj(vec![
            ("app_id".into(), Php::str(c.app_id.as_str())),
            ("command".into(), Php::Raw(command.to_owned())),
            ("nonce".into(), Php::str(nonce)),
            ("token".into(), Php::str(token.expose())),
            ("type".into(), Php::str(ty)),
        ]);
        sign_params(params, &c.secret, UnicodeEscaping::Raw)
    }

    fn nonce(&self) -> String {
        let micros = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_micros())
            .unwrap_or_default();
        let n = self.inner.nonce_counter.fetch_add(1, Ordering::Relaxed) % 1000;
        format!("nonce_{micros}{n:03}")
    }

    fn url(&self, tail: &str) -> String {
        format!("{}/{tail}", self.inner.cfg.base())
    }

    /// A signed GET with these (string) parameters plus `app_id` and `nonce`.
    async fn get(
        &self,
        tail: &str,
        mut params: Vec<(String, String)>,
    ) -> Result<Reply, reqwest::Error> {
        let c = &self.inner.cfg;
        params.push(("app_id".into(), c.app_id.clone()));
        params.push(("nonce".into(), self.nonce()));
        params.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let obj = Php::Obj(
            params
                .iter()
                .map(|(k, v)| (k.clone(), Php::str(v.as_str())))
                .collect(),
        );
        let signed = sign_params(obj, &c.secret, UnicodeEscaping::Raw);
        let mut sign = HeaderValue::from_str(&signed.sign).unwrap_or(HeaderValue::from_static(""));
        sign.set_sensitive(true);
        let resp = self
            .inner
            .http
            .get(format!("{}?{}", self.url(tail), query_string(&params)))
            .header("sign", sign)
            .header("Accept", "application/json")
            .send()
            .await?;
        read(resp).await
    }

    async fn post(&self, body: SignedRequest) -> Result<Reply, reqwest::Error> {
        let mut sign = HeaderValue::from_str(&body.sign).unwrap_or(HeaderValue::from_static(""));
        sign.set_sensitive(true);
        let resp = self
            .inner
            .http
            .post(self.url("Command"))
            .header(CONTENT_TYPE, "application/json")
            .header("Accept", "application/json")
            .header("sign", sign)
            .body(body.params_string)
            .send()
            .await?;
        read(resp).await
    }

    /// The cached token, or a fresh one when there is none, it is too old, or `stale` is the
    /// one cached.
    async fn token(&self, stale: Option<u64>) -> Result<Token, Outcome> {
        let mut cache = self.inner.token.lock().await;
        if let Some(t) = &cache.current {
            if Some(t.generation) != stale && t.at.elapsed() < self.inner.cfg.token_max_age {
                return Ok(t.clone());
            }
        }
        cache.current = None;
        let value = self.fetch_token().await?;
        cache.fetched += 1;
        let t = Token {
            value,
            at: Instant::now(),
            generation: cache.fetched,
        };
        cache.current = Some(t.clone());
        Ok(t)
    }

    /// `GET Token`. Nothing about a receipt is sent: every transient failure is a retry.
    async fn fetch_token(&self) -> Result<Secret, Outcome> {
        let reply = self
            .get("Token", Vec::new())
            .await
            .map_err(|e| Outcome::RetryLater {
                after: Some(Duration::from_secs(1)),
                code: None,
                message: format!("Token: {}", transport_text(&e)),
            })?;
        let action = answer::classify(Call::Token, reply.status, &reply.body);
        if action == Action::Read {
            #[derive(serde::Deserialize)]
            struct TokenReply {
                token: Option<String>,
            }
            return match serde_json::from_slice::<TokenReply>(&reply.body)
                .ok()
                .and_then(|t| t.token)
            {
                Some(t) if !t.is_empty() && t.chars().all(|c| c.is_ascii_graphic()) => {
                    Ok(Secret::new(t))
                }
                _ => Err(Outcome::RetryLater {
                    after: Some(Duration::from_secs(1)),
                    code: Some(reply.status.to_string()),
                    message: "Token answered without a usable token".into(),
                }),
            };
        }
        // A refused token request is a credentials problem (unknown app_id, wrong secret).
        let action = if action == Action::Refresh {
            Action::Reject(RejectKind::Auth)
        } else {
            action
        };
        Err(named_call(
            "Token",
            answer::failure(action, reply.status, reply.retry_after, &reply.body),
        ))
    }

    /// One authenticated request (built afresh for each attempt) with at most one token
    /// refresh. `Ok` is the body of a 200 answer.
    async fn call<F, Fut>(&self, call: Call, send: F) -> Result<Vec<u8>, Outcome>
    where
        F: Fn(Secret) -> Fut,
        Fut: std::future::Future<Output = Result<Reply, reqwest::Error>>,
    {
        let mut token = self.token(None).await?;
        let mut refreshed = false;
        loop {
            let reply = match send(token.value.clone()).await {
                Ok(r) => r,
                Err(e) => {
                    return Err(match call {
                        Call::Submit => match http::transport_outcome(&e) {
                            Outcome::InDoubt { reason } => Outcome::InDoubt {
                                reason: format!(
                                    "{reason}; the Open API has no idempotency key: look the \
                                     command up by status(provider_id: None) before any resend"
                                ),
                            },
                            other => other,
                        },
                        _ => Outcome::RetryLater {
                            after: Some(Duration::from_secs(1)),
                            code: None,
                            message: transport_text(&e),
                        },
                    })
                }
            };
            match answer::classify(call, reply.status, &reply.body) {
                Action::Read => return Ok(reply.body),
                Action::Refresh if !refreshed => {
                    refreshed = true;
                    token = self.token(Some(token.generation)).await?;
                }
                action => {
                    return Err(answer::failure(
                        action,
                        reply.status,
                        reply.retry_after,
                        &reply.body,
                    ))
                }
            }
        }
    }

    async fn command_state(&self, id: &str, kind: DocumentKind) -> Outcome {
        // Whatever id the service gave us can be asked about (percent-encoded).
        let tail = format!("Command/{}", crate::http::url_segment(id));
        let body = match self
            .call(Call::Lookup, |t| {
                self.get(&tail, vec![("token".into(), t.expose().to_owned())])
            })
            .await
        {
            Ok(b) => b,
            Err(o) => return o,
        };
        let operation = match kind {
            DocumentKind::SellRefund => fiskal_ffd::Operation::SELL_REFUND,
            _ => fiskal_ffd::Operation::SELL,
        };
        match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(v) if v.is_object() => {
                answer::status_outcome(&v, id, operation, self.inner.cfg.nonzero_result_is_failure)
            }
            _ => Outcome::RetryLater {
                after: Some(Duration::from_secs(1)),
                code: Some("200".into()),
                message: format!("Command/{id}: the answer is not a command object"),
            },
        }
    }

    /// Remembers the first time this client sent `document_id`.
    fn note_first_send(&self, document_id: &str) {
        let now = unix_now();
        let mut m = self
            .inner
            .first_sends
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if m.len() >= FIRST_SENDS_KEPT && !m.contains_key(document_id) {
            let oldest = now.saturating_sub(self.inner.cfg.lookup_lookback.as_secs());
            m.retain(|_, t| *t >= oldest);
            if m.len() >= FIRST_SENDS_KEPT {
                // Still full: the lookback covers these documents anyway.
                return;
            }
        }
        m.entry(document_id.to_owned()).or_insert(now);
    }

    /// The lookup's date window (`filter_date_create_from`, `filter_date_create_to`): from
    /// the first send (or now − lookback) to now, a day wider on both sides, Moscow time.
    pub fn lookup_window(&self, document_id: &str) -> Option<(String, String)> {
        let cfg = &self.inner.cfg;
        if !cfg.lookup_date_filter {
            return None;
        }
        let now = unix_now();
        let first = self
            .inner
            .first_sends
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(document_id)
            .copied()
            .unwrap_or_else(|| now.saturating_sub(cfg.lookup_lookback.as_secs()));
        const DAY: u64 = 86_400;
        Some((
            moscow_text(first.saturating_sub(DAY)),
            moscow_text(now.saturating_add(DAY)),
        ))
    }

    /// The in-doubt lookup (module docs): walks `GET Command?c_num=…&page=N` until the match
    /// (`Ok(Some(id))`) or an empty page (`Ok(None)`, the lookup is complete). `Err` is an
    /// incomplete lookup.
    async fn find_by_c_num(&self, document_id: &str) -> Result<Option<String>, Outcome> {
        let window = self.lookup_window(document_id);
        let incomplete = |page: u32, why: String| Outcome::RetryLater {
            after: Some(Duration::from_secs(1)),
            code: Some("lookup_incomplete".into()),
            message: format!(
                "GET Command?c_num={document_id:?}: {why} (page {page}); the lookup is \
                 incomplete, so the command stays in doubt and is not resent"
            ),
        };
        let mut previous: Option<Vec<answer::Listed>> = None;
        for page in 1..=self.inner.cfg.lookup_max_pages {
            let body = self
                .call(Call::Lookup, |t| {
                    let mut params = vec![
                        ("c_num".to_owned(), document_id.to_owned()),
                        ("page".to_owned(), page.to_string()),
                        ("token".to_owned(), t.expose().to_owned()),
                    ];
                    if let Some((from, to)) = &window {
                        params.push(("filter_date_create_from".into(), from.clone()));
                        params.push(("filter_date_create_to".into(), to.clone()));
                    }
                    self.get("Command", params)
                })
                .await
                .map_err(|o| match o {
                    Outcome::RetryLater {
                        after,
                        code,
                        message,
                    } => Outcome::RetryLater {
                        after,
                        code,
                        message: format!(
                            "{message} (GET Command, page {page}: the lookup is incomplete, \
                             the command stays in doubt)"
                        ),
                    },
                    other => other,
                })?;
            let Some(list) = answer::command_list(&body) else {
                return Err(incomplete(
                    page,
                    "the list answer has an unknown shape".into(),
                ));
            };
            if list.is_empty() {
                return Ok(None);
            }
            if let Some(hit) = list
                .iter()
                .find(|c| c.c_num.as_deref() == Some(document_id))
            {
                return match &hit.id {
                    Some(id) => Ok(Some(id.clone())),
                    None => Err(incomplete(page, "the matching record has no id".into())),
                };
            }
            if previous.as_ref() == Some(&list) {
                return Err(incomplete(
                    page,
                    "this page repeats the previous one (the service ignores `page`)".into(),
                ));
            }
            previous = Some(list);
        }
        Err(incomplete(
            self.inner.cfg.lookup_max_pages,
            format!(
                "no end of the list within lookup_max_pages = {}",
                self.inner.cfg.lookup_max_pages
            ),
        ))
    }

    /// `GET StateSystem`: the service's system state (the vendor SDK's `getStateSystem()`),
    /// an authenticated request that registers nothing. `Ok` is the answer object.
    ///
    /// # Errors
    /// The outcome of a failed request: [`RejectKind::Auth`] (credentials refused, also after
    /// a new token), [`RejectKind::Configuration`] (no such endpoint: wrong `base_url`, or the
    /// account's FFD version is not the URL's), else [`Outcome::RetryLater`].
    pub async fn state_system(&self) -> Result<serde_json::Value, Outcome> {
        // Classified as the token request: a 404 means a wrong base URL, a 400/422 refused
        // credentials.
        let body = self
            .call(Call::Token, |t| {
                self.get("StateSystem", vec![("token".into(), t.expose().to_owned())])
            })
            .await
            .map_err(|o| named_call("StateSystem", o))?;
        match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(v) if v.is_object() || v.is_array() => Ok(v),
            _ => Err(Outcome::RetryLater {
                after: Some(Duration::from_secs(1)),
                code: Some("200".into()),
                message: "StateSystem: the answer is not JSON".into(),
            }),
        }
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// `YYYY-MM-DD HH:MM:SS` in Moscow time (UTC+3, no DST since 2014) for Unix seconds.
fn moscow_text(unix: u64) -> String {
    let secs = u32::try_from(unix.saturating_add(3 * 3600)).unwrap_or(u32::MAX);
    let (y, mo, d, h, mi, s) = fiskal_ffd::datetime::LocalDateTime::from_unix(secs).fields();
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
}

async fn read(resp: reqwest::Response) -> Result<Reply, reqwest::Error> {
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = resp.bytes().await?.to_vec();
    Ok(Reply {
        status,
        retry_after,
        body,
    })
}

/// A refusal of the call `what` (`Token`, `StateSystem`) says which call it was; any other
/// outcome is returned as it is.
fn named_call(what: &str, outcome: Outcome) -> Outcome {
    match outcome {
        Outcome::Rejected {
            kind,
            code,
            message,
        } => Outcome::Rejected {
            kind,
            code,
            message: format!("{what}: {message}"),
        },
        other => other,
    }
}

/// `k=v&…` with RFC 3986 percent-encoding (unreserved characters kept).
fn query_string(params: &[(String, String)]) -> String {
    let enc = crate::http::url_segment;
    params
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The text of a transport failure, without the URL (whose query carries the token).
fn transport_text(e: &reqwest::Error) -> String {
    match http::transport_outcome(e) {
        Outcome::RetryLater { message, .. } => message,
        Outcome::InDoubt { reason } => reason,
        other => other.code().to_owned(),
    }
}

impl Provider for BusinessRuClient {
    fn name(&self) -> &'static str {
        match self.inner.cfg.api {
            ApiVersion::V1 => "business_ru_v1",
            ApiVersion::V2 => "business_ru_v2",
        }
    }

    fn in_doubt_resolution(&self) -> crate::InDoubtResolution {
        // No idempotency key: a resend could print a second receipt (module docs).
        crate::InDoubtResolution::LookUp
    }

    async fn submit<'a>(
        &'a self,
        submission: &'a Submission<'a>,
    ) -> Result<Outcome, ProviderError> {
        let (ty, command) = self.command(submission)?;
        // Before anything leaves: a lost answer is then looked up from this moment on.
        self.note_first_send(submission.document_id);
        let sent = self
            .call(Call::Submit, |t| {
                let req = self.command_request(ty, &command, &self.nonce(), &t);
                self.post(req)
            })
            .await;
        Ok(match sent {
            Ok(body) => match answer::command_id(&body) {
                Some(provider_id) => Outcome::Accepted {
                    provider_id,
                    duplicate: false,
                },
                None => Outcome::InDoubt {
                    reason: "POST Command answered 200 without a command_id; look the command \
                             up by status(provider_id: None) before any resend"
                        .into(),
                },
            },
            Err(o) => o,
        })
    }

    async fn status<'a>(&'a self, query: &'a StatusQuery<'a>) -> Result<Outcome, ProviderError> {
        if let Some(id) = query.provider_id.filter(|i| !i.is_empty()) {
            // Command ids are numbers, but one that is not is still looked up (percent-encoded
            // in the URL), never refused: a refusal would be polled in vain until the deadline.
            return Ok(self.command_state(id, query.kind).await);
        }
        Ok(match self.find_by_c_num(query.document_id).await {
            Ok(Some(id)) => match self.command_state(&id, query.kind).await {
                // The id was not known to the caller: say so first.
                Outcome::Pending { provider_id } => Outcome::Accepted {
                    provider_id,
                    duplicate: true,
                },
                other => other,
            },
            Ok(None) => Outcome::NotFound {
                message: format!(
                    "no command with c_num {:?} at Business.ru (every page of the list read): \
                     it was not taken; sending it again is safe",
                    query.document_id
                ),
            },
            Err(o) => o,
        })
    }

    async fn health(&self) -> Health {
        match self.state_system().await {
            Ok(v) => {
                let keys: Vec<&str> = v
                    .as_object()
                    .map(|o| o.keys().take(6).map(String::as_str).collect())
                    .unwrap_or_default();
                Health::Ok {
                    detail: format!("GET StateSystem answered ({})", keys.join(", ")),
                }
            }
            Err(o) => Health::Failed(Box::new(o)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_debug_hides_secrets() {
        let c = BusinessRuClient::new(BusinessRuConfig::test(
            "app-7",
            "0123456789abcdef0123456789abcdef",
        ))
        .expect("client");
        let text = format!("{c:?}");
        assert!(
            text.contains("app-7") && !text.contains("0123456789abcdef"),
            "{text}"
        );
    }

    #[test]
    fn nonces_are_unique() {
        let c = BusinessRuClient::new(BusinessRuConfig::test("a", "s")).expect("client");
        let (a, b) = (c.nonce(), c.nonce());
        assert_ne!(a, b);
        assert!(a.starts_with("nonce_"));
    }
}
