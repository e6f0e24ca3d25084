//! [`Client`]: one cloud cash register (ATOL Online, Orange Data, Business.ru) behind a blocking,
//! JSON-in/JSON-out API with a per-call timeout. What the C ABI's `fiskal_client` handle holds.
//!
//! * Settings: `ProviderSettings` JSON (docs/provider-settings.md).
//! * Submit request: `{"document_id": "order-1-1", "receipt": {…}, "callback_url": null,
//!   "timestamp": "2026-03-02T10:15:00"}` (`callback_url`, `timestamp` optional; the timestamp
//!   defaults to now, Moscow time).
//! * Status query: `{"document_id": "order-1-1", "provider_id": "… or null", "kind": "sell"}`
//!   (`kind` optional, default `sell`).
//! * Output: the Outcome JSON of fiskal-providers, plus `"qr"` (the FNS QR string) when it is
//!   `done`. A provider's answer is never an error; a call that runs out of time is
//!   `{"outcome": "in_doubt", "reason": "timeout …"}`.

use crate::code::Code;
use crate::error::ApiError;
use crate::input::{check_len, parse, receipt_at};
use fiskal_ffd::datetime::LocalDateTime;
use fiskal_providers::settings::ProviderSettings;
use fiskal_providers::{
    AnyProvider, DocumentKind, Outcome, Provider, ProviderError, StatusQuery, Submission,
};
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

/// Moscow time is UTC+3 all year.
const MOSCOW_OFFSET_S: u64 = 3 * 3600;

/// The code of a provider error.
pub fn provider_code(e: &ProviderError) -> Code {
    match e {
        ProviderError::Unsupported { .. } => Code::ProviderUnsupported,
        ProviderError::Invalid(_) => Code::ProviderInvalidReceipt,
        ProviderError::Config { field, .. } if *field == "runtime" => Code::ProviderTimeout,
        ProviderError::Config { .. } => Code::ProviderConfig,
        ProviderError::Malformed { .. } => Code::ProviderMalformed,
        ProviderError::Tls { .. } => Code::ProviderTls,
        _ => Code::ProviderOther,
    }
}

impl From<ProviderError> for ApiError {
    fn from(e: ProviderError) -> ApiError {
        let code = provider_code(&e);
        // Display texts of ProviderError never contain a secret (its docs say so).
        let en = e.to_string();
        let (ru, path, details) = match &e {
            ProviderError::Unsupported { path, .. } => (
                format!("{}: поле `{path}`", code.message_ru()),
                Some(path.clone()),
                Some(json!({"reason": e.code()})),
            ),
            ProviderError::Invalid(inner) => {
                let (path, details) = match inner {
                    fiskal_ffd::Error::Invalid(v) => (
                        None,
                        Some(serde_json::Value::Array(
                            v.iter().map(crate::violation_json).collect(),
                        )),
                    ),
                    _ => (None, Some(json!({"reason": e.code()}))),
                };
                (code.message_ru().to_owned(), path, details)
            }
            ProviderError::Config { field, .. } => (
                format!("{}: `{field}`", code.message_ru()),
                Some((*field).to_owned()),
                Some(json!({"reason": e.code()})),
            ),
            _ => (
                code.message_ru().to_owned(),
                None,
                Some(json!({"reason": e.code()})),
            ),
        };
        let mut err = ApiError::with_messages(code, ru, en);
        err.path = path;
        err.details = details;
        err
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmitIn {
    #[serde(default)]
    version: Option<u32>,
    document_id: String,
    receipt: Box<serde_json::value::RawValue>,
    #[serde(default)]
    callback_url: Option<String>,
    #[serde(default)]
    timestamp: Option<LocalDateTime>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusIn {
    #[serde(default)]
    version: Option<u32>,
    document_id: String,
    #[serde(default)]
    provider_id: Option<String>,
    #[serde(default)]
    kind: Option<String>,
}

/// Checks an optional request `"version"` (absent or 1).
pub(crate) fn check_version(v: Option<u32>) -> Result<(), ApiError> {
    match v {
        None => Ok(()),
        Some(v) if v == crate::SCHEMA_VERSION => Ok(()),
        Some(v) => Err(crate::input::unsupported(v)),
    }
}

/// The document kind named in a status query.
fn document_kind(name: &str) -> Result<DocumentKind, ApiError> {
    Ok(match name {
        "sell" => DocumentKind::Sell,
        "sell_refund" => DocumentKind::SellRefund,
        "buy" => DocumentKind::Buy,
        "buy_refund" => DocumentKind::BuyRefund,
        "sell_correction" => DocumentKind::SellCorrection,
        "sell_refund_correction" => DocumentKind::SellRefundCorrection,
        "buy_correction" => DocumentKind::BuyCorrection,
        "buy_refund_correction" => DocumentKind::BuyRefundCorrection,
        other => {
            return Err(crate::input::invalid_argument(
                "kind",
                format!("неизвестный вид документа «{}»", crate::truncate(other)),
                format!("unknown document kind {:?}", crate::truncate(other)),
            )
            .details(json!({"kinds": [
                "sell", "sell_refund", "buy", "buy_refund", "sell_correction",
                "sell_refund_correction", "buy_correction", "buy_refund_correction"
            ]})))
        }
    })
}

/// Now, Moscow time.
fn now_moscow() -> LocalDateTime {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        .saturating_add(MOSCOW_OFFSET_S);
    LocalDateTime::from_unix(u32::try_from(secs).unwrap_or(u32::MAX))
}

/// An Outcome as its JSON form, with `"qr"` appended when it is `done`.
pub fn outcome_json(outcome: &Outcome) -> Result<String, ApiError> {
    let mut s = crate::ops::to_json(outcome)?;
    if let Outcome::Done { fiscal, .. } = outcome {
        let qr = crate::ops::to_json(&fiscal.qr_string())?;
        // The Outcome form is one JSON object: insert the key before its closing brace.
        if s.ends_with('}') {
            s.pop();
            s.push_str(",\"qr\":");
            s.push_str(&qr);
            s.push('}');
        }
    }
    Ok(s)
}

/// A provider client with its own I/O thread. Thread-safe: one client may serve many threads
/// at once (each call blocks only its caller). `Debug` shows the endpoint, never a secret.
#[derive(Debug)]
pub struct Client {
    provider: AnyProvider,
    runtime: tokio::runtime::Runtime,
}

impl Client {
    /// Builds the client from `ProviderSettings` JSON: reads the secrets, checks every value,
    /// sets up TLS, starts one I/O thread. Nothing is sent.
    ///
    /// # Errors
    /// [`Code::InputTooLarge`]; [`Code::ProviderConfig`] with the settings field in `path`;
    /// [`Code::ProviderTls`]; [`Code::ProviderTimeout`] when no I/O thread can be started.
    pub fn new(settings_json: &str) -> Result<Client, ApiError> {
        check_len(settings_json)?;
        let settings = ProviderSettings::from_json(settings_json)?;
        let provider = AnyProvider::from_settings(&settings)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("fiskal-client-io")
            .enable_all()
            .build()
            .map_err(|e| {
                ApiError::with_messages(
                    Code::ProviderTimeout,
                    "не удаётся запустить поток ввода-вывода",
                    format!("cannot start the I/O thread: {e}"),
                )
            })?;
        Ok(Client { provider, runtime })
    }

    /// The provider's short name (`atol_v5`, `orange_data` …).
    pub fn name(&self) -> &'static str {
        self.provider.name()
    }

    /// Runs a provider call on the I/O thread, blocking the caller, bounded by `timeout`
    /// (`None`: the client's own HTTP timeouts only). Running out of time is `in_doubt`.
    fn run<F>(&self, timeout: Option<Duration>, fut: F) -> Result<Outcome, ApiError>
    where
        F: std::future::Future<Output = Result<Outcome, ProviderError>>,
    {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(ApiError::with_messages(
                Code::ProviderTimeout,
                "блокирующий вызов изнутри асинхронной среды выполнения",
                "the blocking client was called from inside an async runtime",
            ));
        }
        let r = match timeout {
            None => self.runtime.block_on(fut),
            Some(t) => match self
                .runtime
                .block_on(async { tokio::time::timeout(t, fut).await })
            {
                Ok(r) => r,
                Err(_) => {
                    return Ok(Outcome::InDoubt {
                        reason: format!(
                            "timeout: no answer within {} ms (the request may have been sent)",
                            t.as_millis()
                        ),
                    })
                }
            },
        };
        Ok(r?)
    }

    /// Submits a receipt: the submit request JSON in, the Outcome JSON out (see the module
    /// docs). `timeout_ms` 0: the client's own timeouts.
    ///
    /// # Errors
    /// Only what happens before anything is sent: [`Code::InvalidJson`] (path into the
    /// request, `receipt.items[0].price` …), 6001–6006.
    pub fn submit(&self, request_json: &str, timeout_ms: u32) -> Result<String, ApiError> {
        check_len(request_json)?;
        let req: SubmitIn = parse(request_json)?;
        check_version(req.version)?;
        let receipt = receipt_at(&req.receipt, "receipt")?;
        let timestamp = req.timestamp.unwrap_or_else(now_moscow);
        let submission = Submission {
            document_id: &req.document_id,
            receipt: &receipt,
            callback_url: req.callback_url.as_deref(),
            timestamp,
        };
        let outcome = self.run(timeout(timeout_ms), self.provider.submit(&submission))?;
        outcome_json(&outcome)
    }

    /// Looks a document up: the status query JSON in, the Outcome JSON out.
    ///
    /// # Errors
    /// [`Code::InvalidJson`], [`Code::InvalidArgument`] (an unknown `kind`), 6001–6006.
    pub fn status(&self, query_json: &str, timeout_ms: u32) -> Result<String, ApiError> {
        check_len(query_json)?;
        let q: StatusIn = parse(query_json)?;
        check_version(q.version)?;
        let kind = document_kind(q.kind.as_deref().unwrap_or("sell"))?;
        let query = StatusQuery {
            provider_id: q.provider_id.as_deref(),
            document_id: &q.document_id,
            kind,
        };
        let outcome = self
            .run(timeout(timeout_ms), self.provider.status(&query))
            .map_err(lookup_error)?;
        outcome_json(&outcome)
    }
}

/// A status lookup the adapter refused locally keeps its code and path (6001, `provider_id`:
/// the C ABI's contract) but says what failed: the lookup, not the sending of a receipt.
fn lookup_error(mut e: ApiError) -> ApiError {
    if e.code == Code::ProviderUnsupported {
        let path = e.path.clone().unwrap_or_default();
        e.message_ru = format!("документ нельзя запросить у кассового сервиса: поле `{path}`");
        if let Some(rest) = e.message_en.strip_prefix("the receipt cannot be sent to ") {
            e.message_en = format!("cannot look the document up at {rest}");
        }
    }
    e
}

fn timeout(ms: u32) -> Option<Duration> {
    (ms > 0).then(|| Duration::from_millis(u64::from(ms)))
}
