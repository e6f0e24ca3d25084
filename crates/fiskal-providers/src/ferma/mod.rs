//! OFD.ru «Ferma» (Ferma®, also serving Checkonline clients). Source: OFD.ru «Программный
//! интерфейс приложений (API) для работы с ИС Ferma», <https://ofd.ru/razrabotchikam/ferma>
//! (versions 2.63 of 11.03.2024 … 2.66 of 27.06.2024; English edition 2.62,
//! <https://ofd.ru/razrabotchikam/application-programming-interface-api-ferma>), for the
//! transport rules, the envelope and the token; the request and status fields as public
//! clients send and read them (see [`request`] and [`answer`]).
//!
//! ```no_run
//! # async fn demo(receipt: &fiskal_ffd::Receipt) -> Result<(), fiskal_providers::ProviderError> {
//! use fiskal_providers::ferma::{FermaClient, FermaConfig};
//! use fiskal_providers::{Provider, Submission};
//! let client = FermaClient::new(FermaConfig::test_ffd_1_2())?;
//! let submission = Submission {
//!     document_id: "order-1001-sell-1",
//!     receipt,
//!     callback_url: None,
//!     timestamp: "2026-03-02T10:15:00".parse().expect("time"),
//! };
//! let outcome = client.submit(&submission).await?; // Accepted { provider_id: ReceiptId }
//! # Ok(()) }
//! ```
//!
//! * **Token**: `POST {base}/Authorization/CreateAuthToken` `{"Login", "Password"}` →
//!   `Data.AuthToken` and `Data.ExpirationDateUtc` (UTC, no offset; F1 §2). The token goes in
//!   the **query string** of every other call (`?AuthToken=…`), so URLs are never logged and
//!   transport errors are reported without them. It is cached, shared by every clone (one
//!   fetch at a time) and fetched anew [`FermaConfig::token_refresh_margin`] before its expiry.
//!   The code of the "token expired" error is not published: any `Failed` answer to a call made
//!   with a *cached* token is sent once more with a new token (a `Failed` answer to a create
//!   means it created nothing, and the `InvoiceId` keeps the second try from duplicating); codes
//!   listed in [`FermaConfig::auth_error_codes`] are then [`RejectKind::Auth`].
//! * **Envelope**: `{"Status": "Success"|"Failed", "Data"|"Error": {Code, Message}}`, read by
//!   body, never by HTTP status ([`answer::envelope`]).
//! * **Submit**: `POST {base}/kkt/cloud/receipt?AuthToken=…` with the body of
//!   [`request::build`]; `InvoiceId` = [`Submission::document_id`], Ferma's idempotency key
//!   ("prevents duplicate receipts"). `Data.ReceiptId` → [`Outcome::Accepted`]. A `Failed`
//!   answer whose code is in [`FermaConfig::duplicate_codes`] (default 1019 «Идентификатор
//!   счета … уже существует», as the PHP client `mirocow/yii2-ofd` `OfdFermaApi.php` decodes
//!   it) means an earlier attempt got through: the receipt is looked up by `InvoiceId` and
//!   reported [`Outcome::Accepted`] `duplicate` (with an empty `provider_id` when that lookup
//!   fails: [`Provider::status`] then looks it up by `InvoiceId`). Any other `Failed` is the
//!   refusal of the document, [`RejectKind::Validation`] — unless it came with an HTTP 5xx
//!   status (a server failure: [`Outcome::InDoubt`]). A body that is no envelope: 429 and 503
//!   are [`Outcome::RetryLater`] (refused before processing), anything else
//!   [`Outcome::InDoubt`].
//! * **Status**: `POST {base}/kkt/cloud/status?AuthToken=…` with `{"Request": {"ReceiptId"}}`,
//!   or `{"Request": {"InvoiceId"}}` when the `ReceiptId` is not known
//!   ([`FermaConfig::status_by_invoice_id`]). Mapping in [`answer`]. A failed status call never
//!   ends a receipt: it is [`Outcome::RetryLater`], unless its code is in
//!   [`FermaConfig::not_found_codes`] (a lookup by `InvoiceId`: [`Outcome::NotFound`]).
//! * **Total**: Ferma's status answer has no total (1020), which [`Outcome::Done`] must carry;
//!   the client remembers the total of each receipt it sends (by `InvoiceId` and `ReceiptId`,
//!   the last 20 000 keys); for a `CONFIRMED` receipt it did not send (a restart) it asks the
//!   registry, `POST {base}/kkt/cloud/list2` by `ReceiptId`, for `cashboxInfoHolder.totalSum`
//!   (the shape of a captured answer in the public Python client «wOFDRULib»). When that fails
//!   too the answer is [`Outcome::RetryLater`] naming the fiscal numbers — never a made-up total.
//! * **In doubt** ([`FermaConfig::in_doubt`]): by default the same `InvoiceId` is sent again
//!   ([`InDoubtResolution::ResendSameId`]), which cannot make a second receipt; with
//!   [`InDoubtResolution::LookUp`] the outbox looks it up by `InvoiceId` first.
//! * **Health** ([`Provider::health`]): `CreateAuthToken` with the configured login — Ferma
//!   documents no service-status call.
//! * **FFD**: the account's register decides the version (the public test logins differ per
//!   version, [`FermaConfig::test_ffd_1_05`], [`FermaConfig::test_ffd_1_2`]); a receipt of the
//!   other version is refused before sending.
//! * **Checkonline**: Checkonline clients of Ferma use this API. The separate synchronous
//!   Checkonline converter (`POST https://ferma-c.ofd.ru/api/kkt/cloud/sync/receipt` with a
//!   client certificate, OFD.ru «Ferma® с Checkonline» 1.7 of 13.12.2024) is another protocol
//!   and is not built here (docs/providers.md, open questions).

pub mod answer;
mod config;
mod names;
pub mod request;

pub use config::{
    FermaConfig, MarkTypeNames, PRODUCTION_URL, TEST_LOGIN_FFD_1_05, TEST_LOGIN_FFD_1_2,
    TEST_PASSWORD_FFD_1_05, TEST_PASSWORD_FFD_1_2, TEST_URL,
};

use crate::error::ProviderError;
use crate::http;
use crate::outcome::{Outcome, RejectKind};
use crate::provider::{DocumentKind, Health, InDoubtResolution, Provider, StatusQuery, Submission};
use crate::secret::Secret;
use answer::Envelope;
use fiskal_ffd::Money;
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::Mutex;

pub(crate) const PROVIDER: &str = "ferma";

/// A Ferma client. Cheap to clone; clones share the connection pool, the token and the
/// remembered totals. `Debug` shows the endpoint and login, never the password or the token.
#[derive(Clone)]
pub struct FermaClient {
    inner: Arc<Inner>,
}

struct Inner {
    cfg: FermaConfig,
    http: reqwest::Client,
    token: Mutex<Option<Token>>,
    totals: std::sync::Mutex<Totals>,
}

#[derive(Clone)]
struct Token {
    value: Secret,
    /// `ExpirationDateUtc` as Unix seconds.
    expires: u64,
}

/// Totals of the receipts this client sent, by `InvoiceId` and `ReceiptId`.
#[derive(Default)]
struct Totals {
    map: HashMap<String, u64>,
    order: VecDeque<String>,
}

const TOTALS_KEPT: usize = 20_000;

impl Totals {
    fn put(&mut self, key: &str, kopecks: u64) {
        if key.is_empty() {
            return;
        }
        if self.map.insert(key.to_owned(), kopecks).is_none() {
            self.order.push_back(key.to_owned());
        }
        while self.order.len() > TOTALS_KEPT {
            if let Some(old) = self.order.pop_front() {
                self.map.remove(&old);
            }
        }
    }
}

impl fmt::Debug for FermaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FermaClient")
            .field("base_url", &self.inner.cfg.base_url)
            .field("login", &self.inner.cfg.login)
            .finish_non_exhaustive()
    }
}

struct Reply {
    status: u16,
    retry_after: Option<Duration>,
    body: Vec<u8>,
}

/// How a call ended, short of an envelope to read.
enum CallError {
    /// The request failed on the wire.
    Transport(reqwest::Error),
    /// The token could not be had: this outcome.
    Token(Box<Outcome>),
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

impl FermaClient {
    /// Checks the configuration and builds the HTTPS client.
    ///
    /// # Errors
    /// [`ProviderError::Config`] for a bad setting, [`ProviderError::Tls`] when TLS cannot be
    /// set up.
    pub fn new(cfg: FermaConfig) -> Result<FermaClient, ProviderError> {
        cfg.validate()?;
        let http = http::build_client(&cfg.http)?;
        Ok(FermaClient {
            inner: Arc::new(Inner {
                cfg,
                http,
                token: Mutex::new(None),
                totals: std::sync::Mutex::new(Totals::default()),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &FermaConfig {
        &self.inner.cfg
    }

    /// The body [`Provider::submit`] would send for this submission, without sending anything.
    ///
    /// # Errors
    /// [`ProviderError::Invalid`] (fiskal-ffd validation) or [`ProviderError::Unsupported`].
    pub fn request_body(&self, s: &Submission<'_>) -> Result<Vec<u8>, ProviderError> {
        let cfg = &self.inner.cfg;
        if s.receipt.ffd != cfg.ffd {
            return Err(ProviderError::Unsupported {
                provider: PROVIDER,
                path: "ffd".into(),
                message: format!(
                    "this Ferma account's register works with ФФД {}, not {}",
                    cfg.ffd, s.receipt.ffd
                ),
            });
        }
        if cfg.validate_receipts {
            fiskal_ffd::validate(s.receipt)
                .map_err(|v| ProviderError::Invalid(fiskal_ffd::Error::Invalid(v)))?;
        }
        request::build(cfg, s.document_id, s.receipt, s.callback_url)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.inner.cfg.base_url.trim_end_matches('/'))
    }

    async fn post(&self, url: String, body: Vec<u8>) -> Result<Reply, reqwest::Error> {
        let resp = self
            .inner
            .http
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .header("Accept", "application/json")
            .body(body)
            .send()
            .await?;
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

    /// `CreateAuthToken`. Nothing about a receipt is sent: a transient failure is a retry,
    /// a `Failed` answer refused credentials.
    async fn fetch_token(&self) -> Result<Token, Outcome> {
        #[derive(serde::Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Login<'a> {
            login: &'a str,
            password: &'a str,
        }
        let cfg = &self.inner.cfg;
        let body = serde_json::to_vec(&Login {
            login: &cfg.login,
            password: cfg.password.expose(),
        })
        .unwrap_or_default();
        let reply = self
            .post(self.url("/Authorization/CreateAuthToken"), body)
            .await
            .map_err(|e| Outcome::RetryLater {
                after: Some(Duration::from_secs(1)),
                code: None,
                message: format!("CreateAuthToken: {}", transport_text(&e)),
            })?;
        match answer::envelope(&reply.body) {
            Envelope::Success(data) => {
                let token = data.get("AuthToken").and_then(|v| v.as_str());
                let expires = data
                    .get("ExpirationDateUtc")
                    .and_then(|v| v.as_str())
                    .and_then(|s| s.get(..19))
                    .and_then(|s| s.parse::<fiskal_ffd::datetime::LocalDateTime>().ok())
                    .map(|t| u64::from(t.unix()));
                match (token, expires) {
                    (Some(t), Some(expires)) if !t.is_empty() => Ok(Token {
                        value: Secret::new(t),
                        expires,
                    }),
                    _ => Err(Outcome::RetryLater {
                        after: Some(Duration::from_secs(1)),
                        code: None,
                        message: "CreateAuthToken: no AuthToken or ExpirationDateUtc in the answer"
                            .into(),
                    }),
                }
            }
            Envelope::Failed { code, message } => Err(Outcome::Rejected {
                kind: RejectKind::Auth,
                code: code.to_string(),
                message: format!("CreateAuthToken: {message}"),
            }),
            Envelope::Other => Err(Outcome::RetryLater {
                after: reply.retry_after.or(Some(Duration::from_secs(1))),
                code: Some(reply.status.to_string()),
                message: format!(
                    "CreateAuthToken: HTTP {} without a Ferma answer",
                    reply.status
                ),
            }),
        }
    }

    /// The cached token while it is valid past the margin; else a new one. `stale`: a token
    /// that was just refused (a new one is fetched unless another call already replaced it).
    /// The flag says whether the token was fetched by this call.
    async fn token(&self, stale: Option<&Secret>) -> Result<(Token, bool), Outcome> {
        let mut cache = self.inner.token.lock().await;
        if let Some(t) = cache.as_ref() {
            let margin = self.inner.cfg.token_refresh_margin.as_secs();
            let fresh = unix_now().saturating_add(margin) < t.expires;
            if fresh && stale != Some(&t.value) {
                return Ok((t.clone(), false));
            }
        }
        *cache = None;
        let t = self.fetch_token().await?;
        *cache = Some(t.clone());
        Ok((t, true))
    }

    /// A POST to `path?AuthToken=…`. A `Failed` answer to a request made with a cached token
    /// is sent once more with a new token (module docs), except for the codes in `keep`.
    async fn call(
        &self,
        path: &str,
        body: &[u8],
        keep: &[i64],
    ) -> Result<(Reply, Envelope), CallError> {
        let (mut token, fresh) = self
            .token(None)
            .await
            .map_err(|o| CallError::Token(Box::new(o)))?;
        // One more try, with a new token, for an answer to a cached one.
        let mut may_retry = !fresh;
        loop {
            let url = format!(
                "{}?AuthToken={}",
                self.url(path),
                http::url_segment(token.value.expose())
            );
            let reply = self
                .post(url, body.to_vec())
                .await
                .map_err(CallError::Transport)?;
            let env = answer::envelope(&reply.body);
            let refused = match &env {
                Envelope::Failed { code, .. } => !keep.contains(code) && reply.status < 500,
                Envelope::Other => matches!(reply.status, 401 | 403),
                Envelope::Success(_) => false,
            };
            if refused && may_retry {
                may_retry = false;
                let (t, _) = self
                    .token(Some(&token.value))
                    .await
                    .map_err(|o| CallError::Token(Box::new(o)))?;
                if t.value != token.value {
                    token = t;
                    continue;
                }
            }
            return Ok((reply, env));
        }
    }

    fn remember_total(&self, key: &str, kopecks: u64) {
        self.inner
            .totals
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .put(key, kopecks);
    }

    fn total_of(&self, keys: &[&str]) -> Option<Money> {
        let t = self
            .inner
            .totals
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        keys.iter()
            .find_map(|k| t.map.get(*k))
            .map(|k| Money::from_kopecks(*k))
    }

    /// `POST /kkt/cloud/status` by `ReceiptId` (`by_invoice` false) or `InvoiceId`.
    async fn lookup(&self, id: &str, by_invoice: bool, query: &StatusQuery<'_>) -> Outcome {
        let key = if by_invoice { "InvoiceId" } else { "ReceiptId" };
        let body = serde_json::json!({ "Request": { key: id } }).to_string();
        // "No such receipt" is an answer about the receipt, not about the token: not retried.
        let keep = &self.inner.cfg.not_found_codes;
        let (reply, env) = match self.call("/kkt/cloud/status", body.as_bytes(), keep).await {
            Ok(r) => r,
            Err(CallError::Token(o)) => return *o,
            Err(CallError::Transport(e)) => {
                return Outcome::RetryLater {
                    after: None,
                    code: None,
                    message: format!("status: {}", transport_text(&e)),
                }
            }
        };
        let operation = operation_of(query.kind);
        match env {
            Envelope::Success(data) => {
                let receipt_id = data
                    .get("ReceiptId")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned();
                let mut total = self.total_of(&[&receipt_id, query.document_id]);
                let confirmed = data.get("StatusCode").and_then(|c| c.as_i64()) == Some(2);
                if total.is_none() && confirmed && !receipt_id.is_empty() {
                    total = self.total_from_registry(&receipt_id).await;
                }
                if let Some(t) = total.as_ref().and_then(|t| t.kopecks().ok()) {
                    self.remember_total(&receipt_id, t);
                }
                answer::status_outcome(&data, by_invoice, operation, total)
            }
            Envelope::Failed { code, message } => {
                let cfg = &self.inner.cfg;
                if reply.status >= 500 {
                    Outcome::RetryLater {
                        after: reply.retry_after,
                        code: Some(code.to_string()),
                        message: format!("status: HTTP {}: {message}", reply.status),
                    }
                } else if by_invoice && cfg.not_found_codes.contains(&code) {
                    Outcome::NotFound {
                        message: format!(
                            "Ferma has no receipt with InvoiceId {id:?} ({code}: {message})"
                        ),
                    }
                } else if cfg.auth_error_codes.contains(&code) {
                    Outcome::Rejected {
                        kind: RejectKind::Auth,
                        code: code.to_string(),
                        message: format!("status: {message}"),
                    }
                } else {
                    // A failed status call says nothing about the receipt.
                    Outcome::RetryLater {
                        after: Some(Duration::from_secs(1)),
                        code: Some(code.to_string()),
                        message: format!("status by {key} {id:?}: {message}"),
                    }
                }
            }
            Envelope::Other => Outcome::RetryLater {
                after: reply.retry_after,
                code: Some(reply.status.to_string()),
                message: format!("status: HTTP {} without a Ferma answer", reply.status),
            },
        }
    }

    /// The total of a receipt this client did not send: `kkt/cloud/list2` by `ReceiptId`
    /// (`Data[].Receipt.cashboxInfoHolder.totalSum`, else the sum of the echoed items'
    /// `Amount`; the shape of a captured answer in the public Python client «wOFDRULib»).
    /// `None` when the call fails or the answer has neither.
    async fn total_from_registry(&self, receipt_id: &str) -> Option<Money> {
        let body = serde_json::json!({ "Request": { "ReceiptId": receipt_id } }).to_string();
        let (_, env) = self
            .call("/kkt/cloud/list2", body.as_bytes(), &[])
            .await
            .ok()?;
        let Envelope::Success(data) = env else {
            return None;
        };
        let entry = data
            .as_array()?
            .iter()
            .find(|e| e.get("ReceiptId").and_then(|v| v.as_str()) == Some(receipt_id))?;
        let receipt = entry.get("Receipt")?;
        let kopecks = answer::kopecks(
            receipt
                .get("cashboxInfoHolder")
                .and_then(|c| c.get("totalSum")),
        )
        .or_else(|| {
            let items = receipt.get("CustomerReceipt")?.get("Items")?.as_array()?;
            items.iter().try_fold(0u64, |acc, it| {
                acc.checked_add(answer::kopecks(it.get("Amount"))?)
            })
        })?;
        let k = kopecks;
        self.remember_total(receipt_id, k);
        Some(Money::from_kopecks(k))
    }

    /// After a duplicate answer: the receipt's state by `InvoiceId`, as an acceptance.
    async fn adopt_duplicate(&self, s: &Submission<'_>) -> Outcome {
        let unknown = Outcome::Accepted {
            provider_id: String::new(),
            duplicate: true,
        };
        if !self.inner.cfg.status_by_invoice_id {
            return unknown;
        }
        let q = StatusQuery {
            provider_id: None,
            document_id: s.document_id,
            kind: DocumentKind::of(s.receipt).unwrap_or(DocumentKind::Sell),
        };
        match self.lookup(s.document_id, true, &q).await {
            Outcome::Accepted { provider_id, .. }
            | Outcome::Pending { provider_id }
            | Outcome::Done { provider_id, .. } => Outcome::Accepted {
                provider_id,
                duplicate: true,
            },
            // The earlier attempt was refused by the register: that is this document's fate.
            rejected @ Outcome::Rejected {
                kind: RejectKind::Register,
                ..
            } => rejected,
            _ => unknown,
        }
    }

    async fn do_submit(&self, s: &Submission<'_>) -> Result<Outcome, ProviderError> {
        let body = self.request_body(s)?;
        if let Ok(k) = s.receipt.total.kopecks() {
            self.remember_total(s.document_id, k);
        }
        let cfg = &self.inner.cfg;
        let (reply, env) = match self
            .call("/kkt/cloud/receipt", &body, &cfg.duplicate_codes)
            .await
        {
            Ok(r) => r,
            Err(CallError::Token(o)) => return Ok(*o),
            Err(CallError::Transport(e)) => return Ok(http::transport_outcome(&e)),
        };
        Ok(match env {
            Envelope::Success(data) => match data.get("ReceiptId").and_then(|v| v.as_str()) {
                Some(id) if !id.is_empty() => {
                    if let Ok(k) = s.receipt.total.kopecks() {
                        self.remember_total(id, k);
                    }
                    Outcome::Accepted {
                        provider_id: id.to_owned(),
                        duplicate: false,
                    }
                }
                _ => Outcome::InDoubt {
                    reason: "Ferma answered Success without a ReceiptId".into(),
                },
            },
            Envelope::Failed { code, .. } if cfg.duplicate_codes.contains(&code) => {
                self.adopt_duplicate(s).await
            }
            // A server error in Ferma's own words: it does not say whether the receipt was
            // stored before the failure.
            Envelope::Failed { code, message } if reply.status >= 500 => Outcome::InDoubt {
                reason: format!("HTTP {} with Ferma error {code}: {message}", reply.status),
            },
            Envelope::Failed { code, message } => Outcome::Rejected {
                kind: if cfg.auth_error_codes.contains(&code) {
                    RejectKind::Auth
                } else {
                    RejectKind::Validation
                },
                code: code.to_string(),
                message,
            },
            Envelope::Other => match reply.status {
                // Refused before processing: the proxy's overload answers.
                429 | 503 => Outcome::RetryLater {
                    after: reply.retry_after,
                    code: Some(reply.status.to_string()),
                    message: format!("HTTP {} without a Ferma answer", reply.status),
                },
                401 | 403 => Outcome::Rejected {
                    kind: RejectKind::Auth,
                    code: reply.status.to_string(),
                    message: "the token was refused, also a new one".into(),
                },
                other => Outcome::InDoubt {
                    reason: format!(
                        "HTTP {other} without a Ferma answer: the receipt may have been taken"
                    ),
                },
            },
        })
    }
}

fn operation_of(kind: DocumentKind) -> fiskal_ffd::Operation {
    use fiskal_ffd::Operation;
    match kind {
        DocumentKind::Sell | DocumentKind::SellCorrection => Operation::SELL,
        DocumentKind::SellRefund | DocumentKind::SellRefundCorrection => Operation::SELL_REFUND,
        DocumentKind::Buy | DocumentKind::BuyCorrection => Operation::BUY,
        DocumentKind::BuyRefund | DocumentKind::BuyRefundCorrection => Operation::BUY_REFUND,
    }
}

/// The text of a transport failure, without the URL (whose query carries the token).
fn transport_text(e: &reqwest::Error) -> String {
    match http::transport_outcome(e) {
        Outcome::RetryLater { message, .. } => message,
        Outcome::InDoubt { reason } => reason,
        other => other.code().to_owned(),
    }
}

impl Provider for FermaClient {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    fn in_doubt_resolution(&self) -> InDoubtResolution {
        self.inner.cfg.in_doubt
    }

    async fn submit<'a>(
        &'a self,
        submission: &'a Submission<'a>,
    ) -> Result<Outcome, ProviderError> {
        self.do_submit(submission).await
    }

    async fn status<'a>(&'a self, query: &'a StatusQuery<'a>) -> Result<Outcome, ProviderError> {
        if let Some(id) = query.provider_id.filter(|i| !i.is_empty()) {
            return Ok(self.lookup(id, false, query).await);
        }
        if !self.inner.cfg.status_by_invoice_id {
            return Ok(Outcome::RetryLater {
                after: None,
                code: None,
                message: "no ReceiptId known and status_by_invoice_id is off: nothing to look \
                          up by"
                    .into(),
            });
        }
        Ok(self.lookup(query.document_id, true, query).await)
    }

    async fn health(&self) -> Health {
        match self.fetch_token().await {
            Ok(t) => {
                let valid = t.expires.saturating_sub(unix_now());
                *self.inner.token.lock().await = Some(t);
                Health::Ok {
                    detail: format!("CreateAuthToken answered with a token valid for {valid} s"),
                }
            }
            Err(o) => Health::Failed(Box::new(o)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fiskal_ffd::FfdVersion;

    #[test]
    fn debug_hides_the_password() {
        let c = FermaClient::new(FermaConfig::test_ffd_1_2()).expect("client");
        let text = format!("{c:?} {:?}", c.config());
        assert!(text.contains("fermatest2"), "{text}");
        assert!(!text.contains(TEST_PASSWORD_FFD_1_2), "{text}");
    }

    #[test]
    fn totals_forget_the_oldest() {
        let mut t = Totals::default();
        for i in 0..=TOTALS_KEPT {
            t.put(&i.to_string(), 1);
        }
        assert_eq!(t.map.len(), TOTALS_KEPT);
        assert!(!t.map.contains_key("0"));
        t.put("", 5);
        assert!(!t.map.contains_key(""));
    }

    #[test]
    fn config_checks() {
        let mut c = FermaConfig::test_ffd_1_2();
        c.password = Secret::new("");
        assert!(matches!(
            c.validate(),
            Err(ProviderError::Config {
                field: "password",
                ..
            })
        ));
        let c = FermaConfig::new("http://example.org/api", "l", "p", FfdVersion::V12);
        assert!(matches!(
            c.validate(),
            Err(ProviderError::Config {
                field: "base_url",
                ..
            })
        ));
    }
}
