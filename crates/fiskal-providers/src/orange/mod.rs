//! Orange Data (API v2): mutual TLS, `X-Signature` = RSA-SHA256 over the exact body, documents,
//! FFD 1.2 corrections (`correction12`) and FFD 1.05 corrections (`corrections`, a totals
//! record), status polling. Source: Orange Data «Протокол взаимодействия с интернет кассой»,
//! version 2.31.3 of 10.09.2025, sections 1.2 and 2.1–2.8 (`orangedata_API_Russian_ffd_1.2.pdf`
//! in <https://github.com/orangedata-official/API>).
//!
//! Uncertain points, configurable and documented: the `tax` codes of 22 % and 22/122
//! ([`OrangeConfig::vat22_tax_code`], no value in protocol 2.31.3 — sending such a receipt fails
//! with [`ProviderError::Unsupported`] until set); whether the group wants 1009/1187 in the body
//! ([`OrangeConfig::send_settlement_place`], only "automat data" groups do).

mod request;
mod sign;
mod status;

pub use request::build as build_request;
pub use sign::RequestSigner;
pub use status::{status_outcome, submit_outcome};

use crate::error::ProviderError;
use crate::http::{build_client, transport_outcome, ClientIdentity, HttpConfig};
use crate::outcome::Outcome;
use crate::provider::{Provider, StatusQuery, Submission};
use crate::secret::Secret;
use fiskal_ffd::FfdVersion;
use std::sync::Arc;
use std::time::Duration;

/// Settings of an Orange Data account.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OrangeConfig {
    /// `https://apip.orangedata.ru:2443` (test 1), `https://api.orangedata.ru:12003` (production).
    pub base_url: String,
    /// The organisation's ИНН (`inn`).
    pub inn: String,
    /// The group of registers (`group`); `None` = the account's default (`Main`; `Main_2` for 1.2).
    pub group: Option<String>,
    /// The name of the signing key (`key`): the ИНН, or `ИНН_ID` for accounts since 01.02.2025.
    pub key_name: String,
    /// The request-signing RSA private key: PEM, or Orange Data's XML `<RSAKeyValue>` (read
    /// by [`RequestSigner::from_pem`]).
    pub signing_key_pem: Secret,
    /// The client certificate and key for mutual TLS.
    pub client_identity: ClientIdentity,
    /// Network settings (the client identity above is put into them).
    pub http: HttpConfig,
    /// `tax` code for 22 % (1199 = 11); not documented by Orange Data as of protocol 2.31.3.
    pub vat22_tax_code: Option<u8>,
    /// `tax` code for 22/122 (1199 = 12); not documented as of protocol 2.31.3.
    pub vat122_tax_code: Option<u8>,
    /// Send 1009/1187 (`settlementAddress`/`settlementPlace`): only for groups with the
    /// "automat data" flag (vending, transport, courier); others must not (protocol 2.31.3,
    /// §2.1.1.1).
    pub send_settlement_place: bool,
}

impl OrangeConfig {
    /// An account: base URL, ИНН (also the key name), signing key and client identity.
    pub fn new(
        base_url: impl Into<String>,
        inn: impl Into<String>,
        signing_key_pem: Secret,
        client_identity: ClientIdentity,
    ) -> OrangeConfig {
        let inn = inn.into();
        OrangeConfig {
            base_url: base_url.into(),
            key_name: inn.clone(),
            inn,
            group: None,
            signing_key_pem,
            client_identity,
            http: HttpConfig::default(),
            vat22_tax_code: None,
            vat122_tax_code: None,
            send_settlement_place: false,
        }
    }

    /// Orange Data's free test environment 1 (`https://apip.orangedata.ru:2443`, ИНН and key
    /// `7727401209`: Orange Data protocol 2.31.3, §1.2.1 «Две тестовые среды»). Its client
    /// certificate and keys are public in Orange Data's repository (`files_for_test/`); pass
    /// them in.
    pub fn test_environment(
        signing_key_pem: Secret,
        client_identity: ClientIdentity,
    ) -> OrangeConfig {
        OrangeConfig::new(
            "https://apip.orangedata.ru:2443",
            "7727401209",
            signing_key_pem,
            client_identity,
        )
    }
}

/// An Orange Data client. Cheap to clone (shared connection pool and key).
#[derive(Debug, Clone)]
pub struct OrangeClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    cfg: OrangeConfig,
    http: reqwest::Client,
    signer: RequestSigner,
}

impl OrangeClient {
    /// Checks the configuration, loads the keys and builds the mutual-TLS client.
    pub fn new(cfg: OrangeConfig) -> Result<OrangeClient, ProviderError> {
        crate::http::check_base_url(&cfg.base_url)?;
        if !(cfg.inn.len() == 10 || cfg.inn.len() == 12)
            || !cfg.inn.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(ProviderError::Config {
                field: "inn",
                message: "10 or 12 digits expected".into(),
            });
        }
        if cfg.key_name.is_empty() || cfg.key_name.len() > 32 {
            return Err(ProviderError::Config {
                field: "key_name",
                message: "1..32 characters expected".into(),
            });
        }
        let signer = RequestSigner::from_pem(&cfg.signing_key_pem)?;
        let mut http_cfg = cfg.http.clone();
        http_cfg.client_identity = Some(cfg.client_identity.clone());
        let http = build_client(&http_cfg)?;
        Ok(OrangeClient {
            inner: Arc::new(Inner { cfg, http, signer }),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.inner.cfg.base_url.trim_end_matches('/'), path)
    }

    async fn do_submit(&self, s: &Submission<'_>) -> Result<Outcome, ProviderError> {
        let (body, path) =
            build_request(&self.inner.cfg, s.document_id, s.receipt, s.callback_url)?;
        let signature = self.inner.signer.sign(&body)?;
        let resp = self
            .inner
            .http
            .post(self.url(path))
            .header("Content-Type", "application/json; charset=utf-8")
            .header("X-Signature", signature)
            .body(body)
            .send()
            .await;
        let resp = match resp {
            Ok(r) => r,
            Err(e) => return Ok(transport_outcome(&e)),
        };
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("Retry-After")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        match resp.bytes().await {
            Ok(b) => Ok(submit_outcome(status, retry_after, &b, s.document_id)),
            // The status line came, the body did not: the status still tells what happened.
            Err(_) => Ok(submit_outcome(status, retry_after, b"", s.document_id)),
        }
    }

    /// Where a status is looked up (protocol 2.31.3, §2.2, §2.4, §2.8): receipts under
    /// `documents`; corrections under `correction12` (FFD 1.2) or `corrections` (FFD 1.05).
    /// [`StatusQuery`] does not carry the FFD version, so a correction is looked up under
    /// `correction12` first and, when Orange Data does not know it there (400/404: "not found",
    /// §2.2, §2.8), under `corrections`. Ids are unique per organisation across kinds (§2.1), so
    /// the fallback cannot find another document; it costs one extra GET for FFD 1.05 corrections
    /// only.
    async fn do_status(&self, q: &StatusQuery<'_>) -> Result<Outcome, ProviderError> {
        if !q.kind.is_correction() {
            return Ok(self.status_at("documents", q.document_id).await);
        }
        match self.status_at("correction12", q.document_id).await {
            Outcome::NotFound { .. } => Ok(self.status_at("corrections", q.document_id).await),
            other => Ok(other),
        }
    }

    async fn status_at(&self, prefix: &str, document_id: &str) -> Outcome {
        // The document id is percent-encoded: a key may hold `/` (see the outbox's keys).
        let path = format!(
            "/api/v2/{prefix}/{}/status/{}",
            crate::http::url_segment(&self.inner.cfg.inn),
            crate::http::url_segment(document_id)
        );
        let resp = match self.inner.http.get(self.url(&path)).send().await {
            Ok(r) => r,
            // A failed lookup changes nothing at the provider: try again later.
            Err(e) => {
                return match transport_outcome(&e) {
                    Outcome::InDoubt { reason } => Outcome::RetryLater {
                        after: None,
                        code: None,
                        message: reason,
                    },
                    other => other,
                }
            }
        };
        let status = resp.status().as_u16();
        let body = resp.bytes().await.unwrap_or_default();
        status_outcome(status, &body, document_id)
    }

    /// The FFD version this client will be asked to send is the receipt's own; this is the
    /// group Orange Data expects for it when no group is configured.
    pub fn default_group(ffd: FfdVersion) -> &'static str {
        if ffd == FfdVersion::V12 {
            "Main_2"
        } else {
            "Main"
        }
    }
}

impl Provider for OrangeClient {
    fn name(&self) -> &'static str {
        "orange_data"
    }

    fn in_doubt_resolution(&self) -> crate::InDoubtResolution {
        crate::InDoubtResolution::LookUp
    }

    fn submit<'a>(
        &'a self,
        submission: &'a Submission<'a>,
    ) -> impl std::future::Future<Output = Result<Outcome, ProviderError>> + Send + 'a {
        self.do_submit(submission)
    }

    fn status<'a>(
        &'a self,
        query: &'a StatusQuery<'a>,
    ) -> impl std::future::Future<Output = Result<Outcome, ProviderError>> + Send + 'a {
        self.do_status(query)
    }
}
