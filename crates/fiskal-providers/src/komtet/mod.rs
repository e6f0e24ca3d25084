//! KOMTET Kassa (<https://kassa.komtet.ru>), the shop API `api/shop/v2` (ФФД 1.2). Sources: the
//! official SDKs <https://github.com/Komtet/komtet-kassa-php-sdk> (`src/v2/Client.php`,
//! `QueueManager.php`, `TaskManager.php`, `src/Exception/ApiValidationException.php`,
//! `tests/v2/ClientTest.php`) and <https://github.com/Komtet/komtet-kassa-python-sdk>
//! (`src/komtet_kassa_sdk/v2/client.py`, `tests/v2/client/test.py`), and the vendor's API page
//! <https://kassa.komtet.ru/integration/api> («Авторизация магазина», «Получение состояния
//! очереди»).
//!
//! ```no_run
//! # async fn demo(receipt: &fiskal_ffd::Receipt) -> Result<(), fiskal_providers::ProviderError> {
//! use fiskal_providers::komtet::{KomtetClient, KomtetConfig};
//! use fiskal_providers::{Provider, Submission};
//! let client = KomtetClient::new(KomtetConfig::production("shop-id", "shop-secret", "5179"))?;
//! let submission = Submission {
//!     document_id: "order-1001-sell-1",
//!     receipt,
//!     callback_url: None,
//!     timestamp: "2026-03-02T10:15:00".parse().expect("time"),
//! };
//! let outcome = client.submit(&submission).await?; // Accepted { provider_id: task id }
//! # Ok(()) }
//! ```
//!
//! * **Signing** ([`signature`]): every request carries `Authorization: <shop_id>` and
//!   `X-HMAC-Signature` = hex HMAC-MD5, keyed with the shop's secret, of `METHOD` + the full
//!   URL + the body (empty for GET), computed over the exact bytes sent (the vendor's page, and
//!   the SDKs' `__get_signature` / `hash_hmac('md5', …)`; checked against the Python SDK's test
//!   vectors in `tests/komtet_wire.rs`). The body is produced once ([`request`]) and sent as
//!   the signed bytes, `Content-Type: application/json`.
//! * **Submit**: `POST api/shop/v2/queues/{queue_id}/task` with the task ([`request`]);
//!   `external_id` = [`Submission::document_id`]. `200 {"id", "external_id",
//!   "print_queue_id", "state"}` → [`Outcome::Accepted`] `{provider_id: id}`. Errors are JSON
//!   `{"title", "code", "description"}` (the PHP SDK's `ApiValidationException`, thrown for 403,
//!   422 and 500): **422 `VLD11`** («чек с внешним идентификатором … существует», the SDK's
//!   test) is the idempotency answer → [`Outcome::Accepted`] with `duplicate: true` and an
//!   **empty** `provider_id` (the answer does not carry the task id; see *Status*); other 4xx
//!   → [`Outcome::Rejected`] ([`RejectKind::Auth`] for 401/403, [`RejectKind::Configuration`]
//!   for 404 — no such queue —, else [`RejectKind::Validation`] with the `VLD…` code); 429
//!   and a 503 with `Retry-After` → [`Outcome::RetryLater`]; any other 5xx, a timeout or a
//!   reset after sending → [`Outcome::InDoubt`]. In doubt, the outbox **resends under the
//!   same `external_id`** ([`crate::InDoubtResolution::ResendSameId`]): KOMTET refuses a second
//!   task with it (`VLD11`), so nothing is fiscalised twice.
//! * **Batch** ([`KomtetClient::submit_batch`]): `POST api/shop/v2/queues/{queue_id}/multi-tasks`
//!   with a JSON array of the same task bodies (the Python SDK's `create_tasks` and its test
//!   `tests/v2/other/test.py` `TestMultiTasks`; the vendor's API page does not describe it).
//!   The SDK documents the success only: `200` with a JSON object whose values are task objects
//!   `{"id", "external_id", "print_queue_id", "state"}`; each task is matched to its answer by
//!   `external_id` (the object's keys are not documented). How KOMTET answers a batch with one
//!   bad or repeated task is **not documented** (the SDK raises on any HTTP error), so a 4xx
//!   refusal of the whole request other than 401/403/404/429 is never taken as a verdict on
//!   any task: every task is then sent alone (`POST …/task`, the same bytes, the same
//!   `external_id`), which answers each one for itself — accepted, refused (the message names
//!   `tasks[i]`), or `VLD11` → accepted as a duplicate. A task missing from a `200` answer is
//!   [`Outcome::InDoubt`] (resend it under the same `external_id`).
//! * **Status**: `GET api/shop/v2/tasks/{task_id}` → `{"id", "external_id", "state",
//!   "error_description", "fiscal_data": {"i", "fn", "t", "n", "fp", "s"}}` (the Python SDK's
//!   test): `state` `done` with `fiscal_data` → [`Outcome::Done`] (`i` ФД, `fn` ФН, `t`
//!   `YYYYMMDDTHHMM`, `n` 1054, `fp` ФП, `s` the total — the QR-code fields); `error` →
//!   [`Outcome::Rejected`] [`RejectKind::Register`] with `error_description`
//!   ([`KomtetConfig::error_state_is_refusal`], inferred); any other state (`new` …) →
//!   [`Outcome::Pending`]. 404 → [`Outcome::NotFound`] (resending the same `external_id` is safe
//!   either way); 401/403 → [`RejectKind::Auth`]; every other failure →
//!   [`Outcome::RetryLater`], which never ends the receipt. The public API has **no lookup by
//!   `external_id`**: after a `VLD11` answer (an earlier attempt got through but its answer was
//!   lost) the task id is unknown, and [`status`](Provider::status) answers
//!   [`Outcome::RetryLater`] with code `task_id_unknown` — the receipt stays accepted and the
//!   outbox raises it as stuck at its deadline, to be settled from the account or from the
//!   signed callback ([`KomtetClient::callback`]).
//! * **Health** ([`Provider::health`]): `GET api/shop/v2/queues/{queue_id}` → `{"state":
//!   "active"}` is healthy (the SDKs' `is_queue_active`; the vendor recommends checking it
//!   before taking a payment); another state (`passive`: no register serving the queue) is
//!   [`Outcome::RetryLater`] with the state as code.
//! * **Secrets**: the secret never leaves [`signature`]; `Authorization` and
//!   `X-HMAC-Signature` are marked sensitive; `Debug` shows the host, shop and queue only.
//!
//! The request body and the JSON writer are in `request.rs` and `json.rs`, the settings in
//! `config.rs`, the batch call ([`KomtetClient::submit_batch`]) in `batch.rs`.

mod batch;
mod config;
pub mod json;
pub mod request;

pub use batch::BatchAnswer;
pub use config::{KomtetConfig, MarkValue, API_PATH_V2, PRODUCTION_URL};

use crate::error::ProviderError;
use crate::fiscal::FiscalAttributes;
use crate::http;
use crate::outcome::{Outcome, RejectKind};
use crate::provider::{Health, InDoubtResolution, Provider, StatusQuery, Submission};
use crate::secret::Secret;
use md5::{Digest, Md5};
use reqwest::header::{HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use serde_json::Value;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// `X-HMAC-Signature`: hex HMAC-MD5 (RFC 2104) of `method` + `url` + `body`, keyed with the
/// shop's secret.
pub fn signature(secret: &Secret, method: &str, url: &str, body: &[u8]) -> String {
    const BLOCK: usize = 64;
    let key = secret.expose().as_bytes();
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        let d = Md5::digest(key);
        k[..d.len()].copy_from_slice(&d);
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Md5::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(method.as_bytes());
    inner.update(url.as_bytes());
    inner.update(body);
    let inner = inner.finalize();
    let mut outer = Md5::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner);
    hex::encode(outer.finalize())
}

/// A KOMTET Kassa client for one shop and queue.
///
/// Cheap to clone; clones share the connection pool. `Debug` shows the host, the shop id and
/// the queue, never the secret.
#[derive(Clone)]
pub struct KomtetClient {
    inner: Arc<Inner>,
}

struct Inner {
    cfg: KomtetConfig,
    http: reqwest::Client,
}

impl fmt::Debug for KomtetClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.inner.cfg;
        f.debug_struct("KomtetClient")
            .field("base_url", &c.base_url)
            .field("shop_id", &c.shop_id)
            .field("queue_id", &c.queue_id)
            .finish_non_exhaustive()
    }
}

struct Reply {
    status: u16,
    retry_after: Option<Duration>,
    body: Vec<u8>,
}

/// The error object of a KOMTET answer (`{"title", "code", "description"}`), as far as it is
/// there.
fn error_fields(body: &[u8]) -> (Option<String>, String) {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let code = text("code").or_else(|| text("vld_code"));
    let message = match (text("title"), text("description")) {
        (Some(t), Some(d)) => format!("{t}: {d}"),
        (Some(t), None) => t,
        (None, Some(d)) => d,
        (None, None) => String::from_utf8_lossy(body).chars().take(300).collect(),
    };
    (code, message)
}

/// An id (task id, ФД number) given as a JSON string or number, as text.
fn id_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `fiscal_data` → the fiscal attributes; `None` when a field is missing or malformed.
fn fiscal(fd: &Value) -> Option<FiscalAttributes> {
    let fn_number = id_text(fd.get("fn"))?;
    let fd_number: u32 = id_text(fd.get("i"))?.parse().ok()?;
    let fiscal_sign: u32 = id_text(fd.get("fp"))?.parse().ok()?;
    let n: u8 = id_text(fd.get("n"))?.parse().ok()?;
    let total: fiskal_ffd::Money = id_text(fd.get("s"))?.parse().ok()?;
    total.kopecks().ok()?;
    let t = id_text(fd.get("t"))?;
    let digits = |r: std::ops::Range<usize>| -> Option<i64> {
        t.get(r)
            .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))?
            .parse()
            .ok()
    };
    if t.as_bytes().get(8) != Some(&b'T') || !(t.len() == 13 || t.len() == 15) {
        return None;
    }
    let sec = if t.len() == 15 { digits(13..15)? } else { 0 };
    let date_time = fiskal_ffd::datetime::LocalDateTime::new(
        digits(0..4)?,
        digits(4..6)?,
        digits(6..8)?,
        digits(9..11)?,
        digits(11..13)?,
        sec,
    )?;
    if !(1..=4).contains(&n) || fn_number.is_empty() {
        return None;
    }
    Some(FiscalAttributes {
        fn_number,
        fd_number,
        fiscal_sign,
        shift_number: None,
        receipt_number: None,
        date_time,
        kkt_reg_number: None,
        ofd_inn: None,
        receipt_url: None,
        total,
        operation: fiskal_ffd::Operation(n),
        fns_site: None,
        kkt_serial_number: None,
        ofd_name: None,
        ofd_site: None,
        ofd_delivered: None,
        warnings: Vec::new(),
        mark_checks: Vec::new(),
    })
}

/// The outcome a task object (status answer or callback) describes.
fn task_outcome(v: &Value, provider_id: &str, error_is_refusal: bool) -> Outcome {
    let state = v.get("state").and_then(Value::as_str).unwrap_or_default();
    match state {
        "done" => match v.get("fiscal_data").and_then(fiscal) {
            Some(fiscal) => Outcome::Done {
                provider_id: provider_id.to_owned(),
                fiscal,
            },
            None => Outcome::RetryLater {
                after: Some(Duration::from_secs(1)),
                code: Some("fiscal_data".into()),
                message: format!(
                    "task {provider_id} is `done` but its fiscal_data is missing or malformed"
                ),
            },
        },
        "error" if error_is_refusal => Outcome::Rejected {
            kind: RejectKind::Register,
            code: "error".into(),
            message: v
                .get("error_description")
                .and_then(Value::as_str)
                .unwrap_or("the task ended in state `error`")
                .to_owned(),
        },
        _ => Outcome::Pending {
            provider_id: provider_id.to_owned(),
        },
    }
}

impl KomtetClient {
    /// Checks the configuration and builds the HTTPS client.
    ///
    /// # Errors
    /// [`ProviderError::Config`] for a bad setting, [`ProviderError::Tls`] when TLS cannot be
    /// set up.
    pub fn new(cfg: KomtetConfig) -> Result<KomtetClient, ProviderError> {
        cfg.validate()?;
        let http = http::build_client(&cfg.http)?;
        Ok(KomtetClient {
            inner: Arc::new(Inner { cfg, http }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &KomtetConfig {
        &self.inner.cfg
    }

    fn url(&self, tail: &str) -> String {
        format!("{}/{API_PATH_V2}/{tail}", self.inner.cfg.host())
    }

    /// The full URL of `POST …/task` (the signed one).
    pub fn task_url(&self) -> String {
        self.url(&format!(
            "queues/{}/task",
            http::url_segment(&self.inner.cfg.queue_id)
        ))
    }

    /// The task body [`Provider::submit`] sends for this submission, as the exact bytes that
    /// are signed, without sending anything.
    ///
    /// # Errors
    /// [`ProviderError::Invalid`] (fiskal-ffd validation) or [`ProviderError::Unsupported`]
    /// naming the receipt field.
    pub fn task_body(&self, s: &Submission<'_>) -> Result<String, ProviderError> {
        let cfg = &self.inner.cfg;
        if cfg.validate_receipts {
            fiskal_ffd::validate(s.receipt)
                .map_err(|v| ProviderError::Invalid(fiskal_ffd::Error::Invalid(v)))?;
        }
        Ok(request::build(cfg, s.document_id, s.callback_url, s.receipt)?.encode())
    }

    async fn send(
        &self,
        method: &str,
        url: String,
        body: Option<String>,
    ) -> Result<Reply, reqwest::Error> {
        let c = &self.inner.cfg;
        let bytes = body.unwrap_or_default();
        // Signed over the URL exactly as it is sent (parsed and normalised once: host case,
        // default port).
        // (A URL that does not parse is sent as it is, and reqwest reports it.)
        let url = reqwest::Url::parse(&url).map_or(url, |u| u.as_str().to_owned());
        let sig = signature(&c.secret, method, &url, bytes.as_bytes());
        let mut sig = HeaderValue::from_str(&sig).unwrap_or(HeaderValue::from_static(""));
        sig.set_sensitive(true);
        let mut auth = HeaderValue::from_str(&c.shop_id).unwrap_or(HeaderValue::from_static(""));
        auth.set_sensitive(true);
        let req = if method == "POST" {
            self.inner
                .http
                .post(url)
                .header(CONTENT_TYPE, "application/json")
                .body(bytes)
        } else {
            self.inner.http.get(url)
        };
        let resp = req
            .header("Accept", "application/json")
            .header("Authorization", auth)
            .header("X-HMAC-Signature", sig)
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

    /// The outcome of a `POST …/task` answer.
    fn submit_outcome(r: &Reply) -> Outcome {
        let (code, message) = error_fields(&r.body);
        let code_or_status = || code.clone().unwrap_or_else(|| r.status.to_string());
        match r.status {
            200 | 201 => {
                let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
                match id_text(v.get("id")) {
                    Some(provider_id) => Outcome::Accepted {
                        provider_id,
                        duplicate: false,
                    },
                    None => Outcome::InDoubt {
                        reason: format!(
                            "POST task answered {} without a task id; resend the same \
                             external_id (KOMTET refuses a second task with it)",
                            r.status
                        ),
                    },
                }
            }
            422 if code.as_deref() == Some("VLD11") => Outcome::Accepted {
                provider_id: String::new(),
                duplicate: true,
            },
            401 | 403 => Outcome::Rejected {
                kind: RejectKind::Auth,
                code: code_or_status(),
                message,
            },
            404 => Outcome::Rejected {
                kind: RejectKind::Configuration,
                code: code_or_status(),
                message: format!("no such queue (check queue_id): {message}"),
            },
            429 => Outcome::RetryLater {
                after: r.retry_after,
                code: Some("429".into()),
                message,
            },
            503 if r.retry_after.is_some() => Outcome::RetryLater {
                after: r.retry_after,
                code: Some("503".into()),
                message,
            },
            s if s >= 500 => Outcome::InDoubt {
                reason: format!("POST task answered {s} ({message}); resend the same external_id"),
            },
            s if (400..500).contains(&s) => Outcome::Rejected {
                kind: RejectKind::Validation,
                code: code_or_status(),
                message,
            },
            s => Outcome::InDoubt {
                reason: format!("POST task answered {s}; resend the same external_id"),
            },
        }
    }

    /// A failed GET (status or queue): our setup refused, or transient. Never a verdict on a
    /// document.
    fn get_failure(what: &str, r: &Reply) -> Outcome {
        let (code, message) = error_fields(&r.body);
        match r.status {
            401 | 403 => Outcome::Rejected {
                kind: RejectKind::Auth,
                code: code.unwrap_or_else(|| r.status.to_string()),
                message: format!("{what}: {message}"),
            },
            s => Outcome::RetryLater {
                after: r.retry_after.or(Some(Duration::from_secs(1))),
                code: Some(code.unwrap_or_else(|| s.to_string())),
                message: format!("{what} answered {s}: {message}"),
            },
        }
    }

    /// `GET …/tasks/{task_id}`.
    async fn task(&self, task_id: &str) -> Outcome {
        let url = self.url(&format!("tasks/{}", http::url_segment(task_id)));
        let r = match self.send("GET", url, None).await {
            Ok(r) => r,
            Err(e) => {
                return Outcome::RetryLater {
                    after: Some(Duration::from_secs(1)),
                    code: None,
                    message: format!("GET task {task_id}: {}", transport_text(&e)),
                }
            }
        };
        match r.status {
            200 => match serde_json::from_slice::<Value>(&r.body) {
                Ok(v) if v.is_object() => {
                    task_outcome(&v, task_id, self.inner.cfg.error_state_is_refusal)
                }
                _ => Outcome::RetryLater {
                    after: Some(Duration::from_secs(1)),
                    code: Some("200".into()),
                    message: format!("GET task {task_id}: the answer is not a task object"),
                },
            },
            404 => Outcome::NotFound {
                message: format!(
                    "KOMTET has no task {task_id}: {}; resending the same external_id is safe",
                    error_fields(&r.body).1
                ),
            },
            _ => Self::get_failure(&format!("GET task {task_id}"), &r),
        }
    }

    /// `GET …/queues/{queue_id}`: the queue object (`{"id", "name", "state"}`).
    ///
    /// # Errors
    /// The outcome of a failed request ([`RejectKind::Auth`], [`RejectKind::Configuration`]
    /// for an unknown queue, else [`Outcome::RetryLater`]).
    pub async fn queue(&self) -> Result<Value, Outcome> {
        let qid = &self.inner.cfg.queue_id;
        let url = self.url(&format!("queues/{}", http::url_segment(qid)));
        let r = self
            .send("GET", url, None)
            .await
            .map_err(|e| Outcome::RetryLater {
                after: Some(Duration::from_secs(1)),
                code: None,
                message: format!("GET queue: {}", transport_text(&e)),
            })?;
        match r.status {
            200 => serde_json::from_slice::<Value>(&r.body)
                .ok()
                .filter(Value::is_object)
                .ok_or_else(|| Outcome::RetryLater {
                    after: Some(Duration::from_secs(1)),
                    code: Some("200".into()),
                    message: "GET queue: the answer is not a queue object".into(),
                }),
            404 => Err(Outcome::Rejected {
                kind: RejectKind::Configuration,
                code: error_fields(&r.body).0.unwrap_or_else(|| "404".into()),
                message: format!("no queue {qid:?} for this shop (check queue_id)"),
            }),
            _ => Err(Self::get_failure("GET queue", &r)),
        }
    }

    /// Reads a callback KOMTET posted to `callback_url`: checks `X-HMAC-Signature` (the same
    /// HMAC-MD5 over `POST` + the full callback URL as KOMTET called it + the body, the
    /// vendor's CMS modules, e.g. <https://github.com/Komtet/komtet-kassa-woocommerce>
    /// `handle_action`) and returns the task's `external_id` and outcome.
    ///
    /// # Errors
    /// [`ProviderError::Malformed`] for a wrong signature or a body without `external_id` /
    /// `state` (never showing the secret).
    pub fn callback(
        &self,
        url: &str,
        signature_header: &str,
        body: &[u8],
    ) -> Result<(String, Outcome), ProviderError> {
        let malformed = |m: &str| ProviderError::Malformed {
            provider: request::PROVIDER,
            message: m.to_owned(),
        };
        let expected = signature(&self.inner.cfg.secret, "POST", url, body);
        if !expected.eq_ignore_ascii_case(signature_header.trim()) {
            return Err(malformed("the callback's X-HMAC-Signature does not match"));
        }
        let v: Value =
            serde_json::from_slice(body).map_err(|_| malformed("the callback is not JSON"))?;
        let external_id =
            id_text(v.get("external_id")).ok_or_else(|| malformed("no `external_id`"))?;
        if v.get("state").and_then(Value::as_str).is_none() {
            return Err(malformed("no `state`"));
        }
        let task_id = id_text(v.get("id")).unwrap_or_default();
        Ok((
            external_id,
            task_outcome(&v, &task_id, self.inner.cfg.error_state_is_refusal),
        ))
    }
}

/// The text of a transport failure, without the URL.
fn transport_text(e: &reqwest::Error) -> String {
    match http::transport_outcome(e) {
        Outcome::RetryLater { message, .. } => message,
        Outcome::InDoubt { reason } => reason,
        other => other.code().to_owned(),
    }
}

impl Provider for KomtetClient {
    fn name(&self) -> &'static str {
        "komtet"
    }

    fn in_doubt_resolution(&self) -> InDoubtResolution {
        // KOMTET refuses a second task with the same external_id (422 VLD11).
        InDoubtResolution::ResendSameId
    }

    async fn submit<'a>(
        &'a self,
        submission: &'a Submission<'a>,
    ) -> Result<Outcome, ProviderError> {
        let body = self.task_body(submission)?;
        Ok(match self.send("POST", self.task_url(), Some(body)).await {
            Ok(r) => Self::submit_outcome(&r),
            Err(e) => http::transport_outcome(&e),
        })
    }

    async fn status<'a>(&'a self, query: &'a StatusQuery<'a>) -> Result<Outcome, ProviderError> {
        Ok(match query.provider_id.filter(|i| !i.is_empty()) {
            Some(id) => self.task(id).await,
            None => Outcome::RetryLater {
                after: Some(Duration::from_secs(60)),
                code: Some("task_id_unknown".into()),
                message: format!(
                    "KOMTET holds a task with external_id {:?} (it answered VLD11) but its API \
                     has no lookup by external_id, so its task id and result are unknown here: \
                     settle it from the KOMTET account or its signed callback",
                    query.document_id
                ),
            },
        })
    }

    async fn health(&self) -> Health {
        match self.queue().await {
            Ok(v) => match v.get("state").and_then(Value::as_str) {
                Some("active") => Health::Ok {
                    detail: format!("GET queue {}: state active", self.inner.cfg.queue_id),
                },
                other => Health::Failed(Box::new(Outcome::RetryLater {
                    after: None,
                    code: Some(other.unwrap_or("no_state").to_owned()),
                    message: format!(
                        "queue {} is not active (state {:?}): no register is taking its tasks",
                        self.inner.cfg.queue_id, other
                    ),
                })),
            },
            Err(o) => Health::Failed(Box::new(o)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_debug_hides_the_secret() {
        let c = KomtetClient::new(KomtetConfig::production("shop-7", "s3cret-key-value", "12"))
            .expect("client");
        let text = format!("{c:?}");
        assert!(
            text.contains("shop-7") && !text.contains("s3cret"),
            "{text}"
        );
    }

    #[test]
    fn keys_longer_than_a_block_are_hashed_first() {
        // Python: hmac.new(b"a" * 80, b"GETu", hashlib.md5).hexdigest()
        let s = signature(&Secret::new("a".repeat(80)), "GET", "u", b"");
        assert_eq!(s, "72a34d0a70bb9b75f88ffb64479a4b07");
    }

    #[test]
    fn rfc_2202_vector() {
        // RFC 2202, HMAC-MD5 test case 2: key "Jefe", data "what do ya want for nothing?".
        let s = signature(
            &Secret::new("Jefe"),
            "what do ya ",
            "want for nothing?",
            b"",
        );
        assert_eq!(s, "750c783e6ab0b503eaa86e310a5db738");
    }
}
