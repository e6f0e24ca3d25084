//! [`KomtetConfig`]: where KOMTET Kassa is, which shop and queue, and the behaviours the
//! public sources leave open (each one a field, documented with its source).

use crate::error::ProviderError;
use crate::http::HttpConfig;
use crate::secret::Secret;

/// The production host (the official SDKs' default: `DEFAULT_HOST` in
/// <https://github.com/Komtet/komtet-kassa-python-sdk> `src/komtet_kassa_sdk/v2/client.py`, `$host`
/// in <https://github.com/Komtet/komtet-kassa-php-sdk> `src/v2/Client.php`). KOMTET publishes no
/// separate test host: a shop tests on its own account.
pub const PRODUCTION_URL: &str = "https://kassa.komtet.ru";

/// The API path of the ФФД 1.2 shop API (`api/shop/v2`, both official SDKs' `v2` clients).
pub const API_PATH_V2: &str = "api/shop/v2";

/// How the value of a `gs1m` / `short` mark code is written (`positions[].mark_code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum MarkValue {
    /// The code as the register checks it (the tag 2000 text: GTIN, serial and crypto tail with
    /// their GS separators; for `short` the pack code). Default. **Inferred**: the SDKs pass the
    /// value through unchanged and their tests use placeholder text.
    #[default]
    Scan,
    /// The same text, Base64-encoded (what ATOL v5 takes for `gs1m`).
    Base64,
}

/// Configuration of a [`KomtetClient`](super::KomtetClient). `Debug` never shows the secret.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct KomtetConfig {
    /// The host, without a path: `https://kassa.komtet.ru` ([`PRODUCTION_URL`]), or
    /// `http://127.0.0.1:<port>` (the emulator). A trailing `/` is optional.
    pub base_url: String,
    /// The shop id, sent as the `Authorization` header.
    pub shop_id: String,
    /// The shop's secret key: the HMAC-MD5 key of `X-HMAC-Signature`. Redacted in `Debug`.
    pub secret: Secret,
    /// The queue the receipts go to (`…/queues/{queue_id}/task`); the queue is bound to the
    /// shop's registers in the account.
    pub queue_id: String,
    /// `print`: whether the register also prints the receipt on paper (default false, the
    /// SDKs' default).
    pub print: bool,
    /// Whether a task in `state` `error` is a refusal of the document
    /// ([`crate::RejectKind::Register`], default true). **Inferred**: the SDKs show `new` (after
    /// creation) and `done` (with `fiscal_data`), and an `error_description` field; the
    /// error state's name and its finality are not published. `false` reports such tasks as
    /// pending (polled until the outbox's deadline).
    pub error_state_is_refusal: bool,
    /// How `gs1m` / `short` mark values are written (default [`MarkValue::Scan`], inferred).
    pub mark_value: MarkValue,
    /// Validate each receipt with `fiskal_ffd::validate` before sending (default on).
    pub validate_receipts: bool,
    /// Timeouts and TLS.
    pub http: HttpConfig,
}

impl KomtetConfig {
    /// A configuration for this host, shop and queue, every other field at its default.
    pub fn new(
        base_url: impl Into<String>,
        shop_id: impl Into<String>,
        secret: impl Into<Secret>,
        queue_id: impl Into<String>,
    ) -> KomtetConfig {
        KomtetConfig {
            base_url: base_url.into(),
            shop_id: shop_id.into(),
            secret: secret.into(),
            queue_id: queue_id.into(),
            print: false,
            error_state_is_refusal: true,
            mark_value: MarkValue::default(),
            validate_receipts: true,
            http: HttpConfig::default(),
        }
    }

    /// [`KomtetConfig::new`] on [`PRODUCTION_URL`].
    pub fn production(
        shop_id: impl Into<String>,
        secret: impl Into<Secret>,
        queue_id: impl Into<String>,
    ) -> KomtetConfig {
        KomtetConfig::new(PRODUCTION_URL, shop_id, secret, queue_id)
    }

    /// The host without a trailing `/`.
    pub(crate) fn host(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }

    /// Checks every value.
    ///
    /// # Errors
    /// [`ProviderError::Config`] naming the field.
    pub fn validate(&self) -> Result<(), ProviderError> {
        crate::http::check_base_url(&self.base_url)?;
        let host_only = self
            .host()
            .split_once("://")
            .is_some_and(|(_, rest)| !rest.contains('/'));
        if !host_only {
            return Err(ProviderError::Config {
                field: "base_url",
                message: "give the host only (`https://kassa.komtet.ru`): the API path is \
                          added by the client and is part of the signed URL"
                    .into(),
            });
        }
        let printable = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_graphic());
        if !printable(&self.shop_id) {
            return Err(ProviderError::Config {
                field: "shop_id",
                message: "required: the shop id (printable ASCII, sent as a header)".into(),
            });
        }
        if self.secret.is_empty() {
            return Err(ProviderError::Config {
                field: "secret",
                message: "required: the shop's secret key".into(),
            });
        }
        if !printable(&self.queue_id) {
            return Err(ProviderError::Config {
                field: "queue_id",
                message: "required: the queue id (printable ASCII, part of the URL)".into(),
            });
        }
        Ok(())
    }
}
