//! МодульКасса «API фискализации документов» (internet-shop fiscalisation), version 2.0 of
//! 01.01.2020, <https://modulkassa.github.io/backend-api/fn> (section numbers below are that
//! document's).
//!
//! МодульКасса is not a data-centre register: the service is a queue in front of the shop's
//! own **Android cash register** (the МодульКасса app with its ККТ and ФН) at a *retail point*.
//! The shop posts a document; the register polls the service every 5 s, takes the oldest
//! document, fiscalises it and reports back (§1.4–1.5, §2.4.5). While the register is offline
//! a document waits in `QUEUED`, with no time limit: a status call answers
//! [`Outcome::Waiting`] for [`WaitingFor::Register`](crate::WaitingFor::Register), and the
//! outbox shows the receipt as waiting for the register, `stuck` at its deadline — never sent
//! again under a new id (the register would print both when it comes back).
//!
//! ```no_run
//! # async fn demo(receipt: &fiskal_ffd::Receipt) -> Result<(), fiskal_providers::ProviderError> {
//! use fiskal_providers::modulkassa::{ModulKassaClient, ModulKassaConfig};
//! use fiskal_providers::{Provider, Secret, Submission};
//! // userName / password from `associate` (once per retail point, see below).
//! let client = ModulKassaClient::new(ModulKassaConfig::test(
//!     "4f4c789c-3863-41d3-aea9-c35b5a9e7f18",
//!     Secret::new("12345AbcDe"),
//! ))?;
//! let submission = Submission {
//!     document_id: "order-1001-sell-1",
//!     receipt,
//!     callback_url: None,
//!     timestamp: "2026-03-02T10:15:00".parse().expect("time"),
//! };
//! let outcome = client.submit(&submission).await?; // Accepted { provider_id: our id }
//! # Ok(()) }
//! ```
//!
//! * **Association** ([`associate`], §2.1): the account login and password (given when the
//!   service «Чеки интернет-магазина» is switched on for the retail point) are exchanged once
//!   for a `userName` / `password` pair that never expires. **Associating again replaces the
//!   password** («При повторном выполнении запроса пароль обновляется», §2.1.1): every other
//!   installation using the old pair stops working. `fiskal modulkassa associate` stores the
//!   pair as a secret file. [`ModulKassaClient::delete_association`] is §2.2.
//! * **Auth**: HTTP Basic with the association pair on every call (§2.2–2.6); the header is
//!   marked sensitive, and the password is never in `Debug`, errors or outcomes.
//! * **Submit**: `POST /v2/doc` (§2.4) with the Document built by [`document`] (`id` = the
//!   [`Submission::document_id`]); `200` → [`Outcome::Accepted`] (the document is queued; a
//!   fiscalised answer is [`Outcome::Done`]); the rest: [`answer::submit_outcome`].
//! * **Status**: `GET /v1/doc/{id}/status` (§2.5) by **our** id (the service has no id of its
//!   own) → the status table in [`answer`]. Only `FAILED` (the register's refusal) ends a
//!   document; a failed status call never does.
//! * **In doubt**: [`InDoubtResolution::LookUp`](crate::InDoubtResolution::LookUp) — the status
//!   by id. What the service does with a second `POST` of an id it holds is not documented,
//!   so nothing is resent before the lookup; an id it does not hold is answered 400 (no 404 is
//!   documented for the call) → [`Outcome::NotFound`], see
//!   [`ModulKassaConfig::status_400_is_not_found`].
//! * **Re-queue** ([`ModulKassaClient::requeue`], `PUT /v1/doc/{id}/re-queue`, §2.6): runs a
//!   `FAILED` document again under the same id. For people only: the outbox resubmits a
//!   register refusal under a **new** id, so re-queueing a document the outbox has resubmitted
//!   would print the receipt twice.
//! * **Health** ([`Provider::health`]): `GET /v1/status` (§2.3, FNStatus §3.2): `READY` is
//!   healthy; `ASSOCIATED` (the register never reported), `FAILED` (its state cannot be
//!   obtained; documents are still taken and queued) and `DISABLED` are not.
//! * **Callback** (`responseURL`, §2.4.6): the request format is not documented; integrations
//!   read `status` and `qr` from its query. It carries no signature, so [`callback_prompt`]
//!   only reads it as a prompt to poll the status — it never settles a receipt.

pub mod answer;
mod config;
pub mod document;

pub use answer::FnStatus;
pub use config::{ModulKassaConfig, PRODUCTION_LEGACY_URL, PRODUCTION_URL, TEST_URL};

use crate::error::ProviderError;
use crate::http::{self, HttpConfig};
use crate::outcome::{Outcome, RejectKind};
use crate::provider::{Health, Provider, StatusQuery, Submission};
use crate::secret::Secret;
use base64::Engine as _;
use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// A МодульКасса client for one retail point's association. Cheap to clone (shared
/// connection pool). `Debug` shows the endpoint and `userName`, never the password.
#[derive(Clone)]
pub struct ModulKassaClient {
    inner: Arc<Inner>,
}

struct Inner {
    cfg: ModulKassaConfig,
    http: reqwest::Client,
    auth: HeaderValue,
}

impl fmt::Debug for ModulKassaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ModulKassaClient")
            .field("base_url", &self.inner.cfg.base_url)
            .field("user_name", &self.inner.cfg.user_name)
            .finish_non_exhaustive()
    }
}

/// `Basic base64(user:password)`, marked sensitive (never logged by the HTTP stack).
fn basic_auth(user: &str, password: &Secret) -> Result<HeaderValue, ProviderError> {
    let token =
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{}", password.expose()));
    let mut v =
        HeaderValue::from_str(&format!("Basic {token}")).map_err(|_| ProviderError::Config {
            field: "password",
            message: "cannot be sent in an HTTP header".into(),
        })?;
    v.set_sensitive(true);
    Ok(v)
}

struct Reply {
    status: u16,
    retry_after: Option<Duration>,
    body: Vec<u8>,
}

async fn read(resp: reqwest::Response) -> Reply {
    let status = resp.status().as_u16();
    let retry_after = answer::retry_after(resp.headers());
    // The status line came; a body that breaks off still leaves the status to go by.
    let body = resp.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
    Reply {
        status,
        retry_after,
        body,
    }
}

/// A failed lookup-type call (nothing registered): ask again later.
fn lookup_failed(e: &reqwest::Error) -> Outcome {
    match http::transport_outcome(e) {
        Outcome::InDoubt { reason } => Outcome::RetryLater {
            after: None,
            code: None,
            message: reason,
        },
        other => other,
    }
}

impl ModulKassaClient {
    /// Checks the configuration and builds the HTTPS client.
    ///
    /// # Errors
    /// [`ProviderError::Config`] for a bad setting, [`ProviderError::Tls`] when TLS cannot be
    /// set up.
    pub fn new(cfg: ModulKassaConfig) -> Result<ModulKassaClient, ProviderError> {
        cfg.validate()?;
        let http = http::build_client(&cfg.http)?;
        let auth = basic_auth(&cfg.user_name, &cfg.password)?;
        Ok(ModulKassaClient {
            inner: Arc::new(Inner { cfg, http, auth }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ModulKassaConfig {
        &self.inner.cfg
    }

    fn url(&self, tail: &str) -> String {
        format!("{}/{tail}", self.inner.cfg.base())
    }

    /// The exact `POST /v2/doc` body [`Provider::submit`] would send, without sending it.
    ///
    /// # Errors
    /// [`ProviderError::Invalid`] (fiskal-ffd validation) or [`ProviderError::Unsupported`]
    /// naming the receipt field.
    pub fn document(&self, s: &Submission<'_>) -> Result<Vec<u8>, ProviderError> {
        let cfg = &self.inner.cfg;
        if cfg.validate_receipts {
            fiskal_ffd::validate(s.receipt)
                .map_err(|v| ProviderError::Invalid(fiskal_ffd::Error::Invalid(v)))?;
        }
        document::build(cfg, s.document_id, s.receipt, s.timestamp, s.callback_url)
    }

    async fn send(
        &self,
        method: reqwest::Method,
        tail: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Reply, reqwest::Error> {
        let mut req = self
            .inner
            .http
            .request(method, self.url(tail))
            .header(AUTHORIZATION, self.inner.auth.clone())
            .header("Accept", "application/json");
        if let Some(b) = body {
            req = req
                .header(CONTENT_TYPE, "application/json; charset=utf-8")
                .body(b);
        }
        Ok(read(req.send().await?).await)
    }

    async fn doc_call(&self, method: reqwest::Method, tail: &str, document_id: &str) -> Outcome {
        let c = &self.inner.cfg;
        match self.send(method, tail, None).await {
            Ok(r) => answer::status_outcome(
                r.status,
                &r.body,
                document_id,
                c.utc_offset_minutes,
                c.status_400_is_not_found,
            ),
            Err(e) => lookup_failed(&e),
        }
    }

    /// `PUT /v1/doc/{id}/re-queue` (§2.6): runs a `FAILED` document again under the same id.
    /// The answer is read like a status ([`answer::status_outcome`]; a queued document is
    /// [`Outcome::Waiting`]).
    ///
    /// **Never for a receipt the outbox has resubmitted**: after a register refusal the outbox
    /// sends the receipt again under a new document id, and re-queueing the old one would
    /// fiscalise it twice.
    pub async fn requeue(&self, document_id: &str) -> Outcome {
        let tail = format!("v1/doc/{}/re-queue", http::url_segment(document_id));
        match self
            .doc_call(reqwest::Method::PUT, &tail, document_id)
            .await
        {
            // Re-queue of an id the service does not hold is a 400 as well; it is no lookup.
            Outcome::NotFound { message } => Outcome::Rejected {
                kind: RejectKind::Validation,
                code: "400".into(),
                message: format!(
                    "re-queue refused (only a FAILED document can be re-queued): {message}"
                ),
            },
            other => other,
        }
    }

    /// `GET /v1/status` (§2.3): the state of the retail point's register.
    ///
    /// # Errors
    /// The outcome of a failed call: [`RejectKind::Auth`] (401/403),
    /// [`RejectKind::Configuration`] (404: wrong `base_url`), else [`Outcome::RetryLater`].
    pub async fn fn_status(&self) -> Result<FnStatus, Outcome> {
        let r = self
            .send(reqwest::Method::GET, "v1/status", None)
            .await
            .map_err(|e| lookup_failed(&e))?;
        match r.status {
            200 => FnStatus::parse(&r.body).ok_or_else(|| Outcome::RetryLater {
                after: None,
                code: Some("200".into()),
                message: "GET /v1/status: the answer is not an FNStatus object".into(),
            }),
            401 | 403 => Err(Outcome::Rejected {
                kind: RejectKind::Auth,
                code: r.status.to_string(),
                message: "GET /v1/status: the association's userName / password were refused"
                    .into(),
            }),
            404 | 405 => Err(Outcome::Rejected {
                kind: RejectKind::Configuration,
                code: r.status.to_string(),
                message: "GET /v1/status: no such endpoint: check base_url".into(),
            }),
            other => Err(Outcome::RetryLater {
                after: r.retry_after,
                code: Some(other.to_string()),
                message: format!("GET /v1/status: HTTP {other}"),
            }),
        }
    }

    /// `DELETE /v1/associate` (§2.2): ends this association; its pair stops working.
    ///
    /// # Errors
    /// The outcome of a failed call (401/403 [`RejectKind::Auth`], else
    /// [`Outcome::RetryLater`]).
    pub async fn delete_association(&self) -> Result<(), Outcome> {
        let r = self
            .send(reqwest::Method::DELETE, "v1/associate", None)
            .await
            .map_err(|e| lookup_failed(&e))?;
        match r.status {
            200 | 204 => Ok(()),
            401 | 403 => Err(Outcome::Rejected {
                kind: RejectKind::Auth,
                code: r.status.to_string(),
                message: "DELETE /v1/associate: refused".into(),
            }),
            other => Err(Outcome::RetryLater {
                after: r.retry_after,
                code: Some(other.to_string()),
                message: format!("DELETE /v1/associate: HTTP {other}"),
            }),
        }
    }
}

impl Provider for ModulKassaClient {
    fn name(&self) -> &'static str {
        "modulkassa"
    }

    fn in_doubt_resolution(&self) -> crate::InDoubtResolution {
        // A repeated POST of an id is undocumented: look the id up first (module docs).
        crate::InDoubtResolution::LookUp
    }

    async fn submit<'a>(
        &'a self,
        submission: &'a Submission<'a>,
    ) -> Result<Outcome, ProviderError> {
        let body = self.document(submission)?;
        let c = &self.inner.cfg;
        Ok(
            match self.send(reqwest::Method::POST, "v2/doc", Some(body)).await {
                Ok(r) => answer::submit_outcome(
                    r.status,
                    r.retry_after,
                    &r.body,
                    submission.document_id,
                    c.utc_offset_minutes,
                ),
                Err(e) => http::transport_outcome(&e),
            },
        )
    }

    async fn status<'a>(&'a self, query: &'a StatusQuery<'a>) -> Result<Outcome, ProviderError> {
        // The service knows documents by our id only; a provider id, when given, is that id.
        let id = query
            .provider_id
            .filter(|p| !p.is_empty())
            .unwrap_or(query.document_id);
        let tail = format!("v1/doc/{}/status", http::url_segment(id));
        Ok(self.doc_call(reqwest::Method::GET, &tail, id).await)
    }

    async fn health(&self) -> Health {
        match self.fn_status().await {
            Ok(s) if s.is_ready() => Health::Ok {
                detail: format!(
                    "GET /v1/status: READY{}",
                    s.date_time
                        .map(|t| format!(" (since {t})"))
                        .unwrap_or_default()
                ),
            },
            Ok(s) => {
                let since = s
                    .date_time
                    .as_deref()
                    .map(|t| format!(" since {t}"))
                    .unwrap_or_default();
                Health::Failed(Box::new(match s.status.as_str() {
                    "DISABLED" => Outcome::Rejected {
                        kind: RejectKind::Configuration,
                        code: "DISABLED".into(),
                        message: format!(
                            "GET /v1/status: fiscalisation is disabled for the register{since}"
                        ),
                    },
                    other => Outcome::RetryLater {
                        after: None,
                        code: Some(other.to_owned()),
                        message: format!(
                            "GET /v1/status: {other}{since}: the register is not ready \
                             (documents are queued until it is online)"
                        ),
                    },
                }))
            }
            Err(o) => Health::Failed(Box::new(o)),
        }
    }
}

// ---- association ----------------------------------------------------------------------------

/// A retail point's association (RetailPointAssociation, §3.1): the credentials of every
/// other call. `Debug` never shows the password.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Association {
    /// `userName`.
    pub user_name: String,
    /// `password`. Associating again replaces it (§2.1.1).
    pub password: Secret,
    /// `name`: the retail point's name.
    pub name: Option<String>,
    /// `address`: the retail point's address.
    pub address: Option<String>,
}

/// Why [`associate`] did not give credentials. `Display` never shows a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AssociateError {
    /// A local problem (base URL, TLS, an argument); nothing was sent.
    #[error(transparent)]
    Local(#[from] ProviderError),
    /// 401: the account login or password was refused.
    #[error("401: the account login or password was refused")]
    Unauthorized,
    /// 403: the account has no rights for this retail point.
    #[error("403: the account has no rights for this retail point")]
    Forbidden,
    /// 404: no such retail point.
    #[error("404: retail point not found")]
    RetailPointNotFound,
    /// The service could not be reached or answered something else; nothing is known to
    /// have changed (try again).
    #[error("the service did not answer the association: {message}")]
    Unavailable {
        /// The HTTP status, when one came.
        status: Option<u16>,
        /// What happened (never a secret).
        message: String,
    },
}

/// `POST {base_url}/v1/associate/{retail_point_id}[?clientId=…]` (§2.1) with the account login
/// and password (HTTP Basic): a new `userName` / `password` pair for the retail point, which
/// never expires.
///
/// **Calling it again replaces the password** (§2.1.1): every installation still using the
/// old pair stops working. `client_id` is for several applications sending documents for one
/// retail point (§2.1.2).
///
/// # Errors
/// [`AssociateError`]; an empty `retail_point_id` or `account_login` is
/// [`AssociateError::Local`].
pub async fn associate(
    base_url: &str,
    account_login: &str,
    account_password: &Secret,
    retail_point_id: &str,
    client_id: Option<&str>,
    http_cfg: &HttpConfig,
) -> Result<Association, AssociateError> {
    http::check_base_url(base_url)?;
    let bad = |field: &'static str, m: &str| {
        AssociateError::Local(ProviderError::Config {
            field,
            message: m.to_owned(),
        })
    };
    if retail_point_id.trim().is_empty() {
        return Err(bad("retail_point_id", "required"));
    }
    if account_login.is_empty() || account_login.contains(':') {
        return Err(bad("login", "non-empty, without `:`"));
    }
    let client = http::build_client(http_cfg)?;
    let mut url = format!(
        "{}/v1/associate/{}",
        base_url.trim_end_matches('/'),
        http::url_segment(retail_point_id)
    );
    if let Some(c) = client_id.filter(|c| !c.is_empty()) {
        url.push_str(&format!("?clientId={}", http::url_segment(c)));
    }
    let auth = basic_auth(account_login, account_password)?;
    let resp = client
        .post(url)
        .header(AUTHORIZATION, auth)
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|e| AssociateError::Unavailable {
            status: None,
            message: match http::transport_outcome(&e) {
                Outcome::RetryLater { message, .. } => message,
                Outcome::InDoubt { reason } => format!(
                    "{reason} (the pair may have been replaced: associate again to get one \
                     that works)"
                ),
                o => o.code().to_owned(),
            },
        })?;
    let r = read(resp).await;
    match r.status {
        200 => {
            #[derive(serde::Deserialize)]
            #[serde(rename_all = "camelCase")]
            struct Wire {
                user_name: Option<String>,
                password: Option<String>,
                name: Option<String>,
                address: Option<String>,
            }
            match serde_json::from_slice::<Wire>(&r.body) {
                Ok(Wire {
                    user_name: Some(u),
                    password: Some(p),
                    name,
                    address,
                }) if !u.is_empty() && !p.is_empty() => Ok(Association {
                    user_name: u,
                    password: Secret::new(p),
                    name,
                    address,
                }),
                _ => Err(AssociateError::Unavailable {
                    status: Some(200),
                    message: "the answer has no userName and password".into(),
                }),
            }
        }
        401 => Err(AssociateError::Unauthorized),
        403 => Err(AssociateError::Forbidden),
        404 => Err(AssociateError::RetailPointNotFound),
        other => Err(AssociateError::Unavailable {
            status: Some(other),
            message: format!("HTTP {other}"),
        }),
    }
}

// ---- callback -------------------------------------------------------------------------------

/// What a `responseURL` request said (query `status`, `qr`; the format is not documented in
/// document 2.0, §2.4.6; integrations read these two). It carries no signature: it is **only a
/// prompt to poll** [`Provider::status`], never a result.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallbackPrompt {
    /// `status` as sent (`SUCCESS` on success, per integrations).
    pub status: Option<String>,
    /// `qr`, the QR payload, decoded.
    pub qr: Option<String>,
}

/// Reads the query string of a `responseURL` request (without `?`). Unknown parameters (the
/// shop's own, e.g. its document id and token in the `responseURL` it gave) are ignored here.
///
/// # Errors
/// [`ProviderError::Malformed`] when neither `status` nor `qr` is present.
pub fn callback_prompt(query: &str) -> Result<CallbackPrompt, ProviderError> {
    let mut p = CallbackPrompt {
        status: None,
        qr: None,
    };
    for pair in query.trim_start_matches('?').split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = percent_decode(v);
        match k {
            "status" => p.status = Some(v),
            "qr" => p.qr = Some(v),
            _ => {}
        }
    }
    if p.status.is_none() && p.qr.is_none() {
        return Err(ProviderError::Malformed {
            provider: document::PROVIDER,
            message: "a МодульКасса callback carries `status` and `qr` in its query".into(),
        });
    }
    Ok(p)
}

fn percent_decode(s: &str) -> String {
    fn hex(c: u8) -> Option<u8> {
        (c as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_errors_never_show_the_password() {
        let c = ModulKassaClient::new(ModulKassaConfig::test("user-7", "Pa55-w0rd-XYZ"))
            .expect("client");
        let text = format!("{c:?}");
        assert!(
            text.contains("user-7") && !text.contains("Pa55-w0rd-XYZ"),
            "{text}"
        );
        let a = Association {
            user_name: "u".into(),
            password: Secret::new("Pa55-w0rd-XYZ"),
            name: None,
            address: None,
        };
        assert!(!format!("{a:?}").contains("Pa55"));
    }

    #[test]
    fn callbacks_are_prompts() {
        let p = callback_prompt("doc=ORDER-1&status=SUCCESS&qr=t%3D20260302T1231%26s%3D1200.00")
            .expect("prompt");
        assert_eq!(p.status.as_deref(), Some("SUCCESS"));
        assert_eq!(p.qr.as_deref(), Some("t=20260302T1231&s=1200.00"));
        assert!(callback_prompt("doc=1").is_err());
        assert_eq!(percent_decode("%4"), "%4");
        assert_eq!(percent_decode("a%zzb"), "a%zzb");
    }
}
