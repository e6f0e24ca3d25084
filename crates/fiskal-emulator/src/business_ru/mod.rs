//! Business.ru «Онлайн-чеки» **Open API** emulator, after the vendor's official SDK
//! <https://github.com/business-ru/open-api-sdk-php> (`README.md`, `src/OpenClient.php`); the
//! API reference on SwaggerHub is not publicly readable, so the rest is inferred
//! (docs/emulators.md lists every rule with its source).
//!
//! One listener serves `/open-api/v1/` (ФФД 1.05 accounts) and `/open-api/v2/` (ФФД 1.2):
//! `GET Token`, `GET StateSystem`, `POST Command`, `GET Command/{id}`, `GET Command` (the
//! paged list).
//!
//! ```no_run
//! # async fn demo() -> Result<(), fiskal_emulator::EmulatorError> {
//! use fiskal_emulator::business_ru::{BusinessRuConfig, BusinessRuEmulator};
//! let br = BusinessRuEmulator::start(BusinessRuConfig::default()).await?;
//! println!("Open API v1 at {}", br.base_url_v1());
//! br.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # Behaviour, and the choices where the public sources are silent
//!
//! **Authentication** of every request, in this order: the parameters are the query (GET) or
//! the JSON object of the body (POST; not an object → 400). A GET **without a query** takes
//! its parameters from a JSON-object body instead: the vendor SDK
//! (<https://github.com/business-ru/open-api-sdk-php>) sent every request that way, `Token`
//! included, from 1.0.0 (Aug 2021) until 1.0.11 (Sep 2023) switched GETs to the query — two
//! years of the official client, so the service accepts it (**inferred**; its reference is not
//! public, and the SDK's README today shows only the query form). Header `sign` present, `app_id`
//! known and `nonce` non-empty (else 401 / 400); `sign` equal (case-insensitively) to
//! `md5(params_string + secret)` where `params_string` is the decoded parameters re-encoded the
//! PHP way ([`php`](self) module: top level `ksort`ed, `JSON_UNESCAPED_UNICODE`, `\/`, numbers
//! as PHP re-encodes doubles, `{}` → `[]`) — so a client that signs `1000.00` but sends it
//! as is fails, as it would against a re-encoding server. Nothing else is accepted: not the
//! MD5 of the raw body, and not that of the `\u`-escaped encoding (the SDK signed that for a
//! few hours, commits 6148d6e → 0cf8d88 of 4 Nov 2021, then went back to raw text and kept
//! it while its body stayed escaped until 1.0.11 — the service checks the raw form). Then
//! the account's API version must be the URL's (else 401 with
//! `{"result", "message"}`, as the SDK expects), and every call but `Token` needs a `token`
//! issued to this `app_id` and not expired. Nonces are not checked for reuse (the vendor's first
//! SDKs reused one per client).
//!
//! **Error answers** (codes are the emulator's own; the real ones are not published):
//! `{"error": {"code", "text"}}` with HTTP 400 (malformed request, code 10), 401 (1 no sign,
//! 2 unknown `app_id`, 3 bad sign, 4 token missing, unknown or expired), 404 (unknown command
//! or path), 422 (the command is well-formed but wrong: sums, payments, marks — code 20), 500
//! (fault); `{"result": 1, "message"}` with 401 for an FFD-version mismatch.
//!
//! **Commands**: `printCheck` and `printPurchaseReturn` are validated (module `validate`:
//! required fields and types, ≤ 2 decimals for money, ≤ 6 for `count` (≤ 3 and the other
//! client-inferred limits with [`BusinessRuConfig::strict`]), `nds_value` 0/10/20
//! (+ 5/7/22 with [`BusinessRuConfig::unconfirmed_vat_rates`]), `payment_mode` 1–7,
//! `item_type` 1–33, `tag1055` bitmask value, INN 10/12 digits, `sum` = `price` × `count`
//! (± 1 kopeck), payments = Σ `sum`, `nomenclature_code` hex of 7–30 bytes without the
//! `44 4D` type code unless the account says [`BusinessRuAccount::mark_type_prefix_included`]),
//! answered `{"command_id": N}` (ids count up from 100 001) and journaled (external id =
//! `c_num`, uuid = the command id). `openShift` / `closeShift` are accepted and done at once
//! (not journaled). **There is no idempotency**: a second command with the same `c_num` is a
//! second receipt (the journal's `fiscalised_count` shows it).
//!
//! **Processing**: after [`BusinessRuConfig::processing_delay`] the account's register gives
//! the receipt its fiscal data. `GET Command/{id}` answers the command record (fields seen in
//! public clients):
//! `status` 0 with `fn_number`… `null` while queued; `status` 2, `result` 0 and `fn_number`,
//! `fiscal_document_number`, `fiscal_document_attribute`, `receipt_datetime`
//! (`YYYY-MM-DD HH:MM:SS`, Moscow time), `ecr_registration_number`, `result_shift_number`,
//! `receipt_url` when done; `status` 3 with a non-zero `result` and `result_msg` when the
//! register refused (faults). The numeric `status` values are the emulator's invention.
//! `GET Command` (the list) answers a JSON array of such records, in command-id order,
//! [`BusinessRuConfig::list_page_size`] per page: `page` (1-based, default 1; past the end an
//! empty array `[]`; not a positive number → 400), `c_num` (exact match, or ignored with
//! [`CNumFilter::Ignored`] — the service's own matching is not documented), and the date
//! filters `filter_date_create_from` / `_to`, `filter_date_update_*`, `filter_date_result_*`
//! (`YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DD`, Moscow time, inclusive; any other value → 400
//! naming the parameter). The parameter names are those of public clients (e.g. the PHP class
//! `BusinessRU\Open\Api\Requests\DataCommandFilterRequest`); page size, order, value format
//! and the empty page past the end are **inferred**.
//!
//! **`GET StateSystem`** (the SDK's `getStateSystem()`) answers `{"result": 0, "state":
//! "online", "app_id", "api", "kkt": [{"fn_number", "ecr_registration_number", "shift_open",
//! "queued"}]}` — the shape is the emulator's own (the real one is not published).
//!
//! **Faults** ([`crate::Fault`]) per endpoint: [`crate::Endpoint::Token`] = `GET Token`,
//! [`crate::Endpoint::Register`] = `POST Command`, [`crate::Endpoint::Report`] = the
//! `Command` GETs and `StateSystem`. `QueueTimeout` ends the command with `result` 1
//! «Истекло время ожидания в очереди», `RegisterError` with its code and text;
//! `ResetAfterAccept` queues the command and closes the connection unanswered.
//!
//! **Not emulated**: `User`, `Goods`, `Shift`, the TLV size check.

pub(crate) mod php;
mod service;
mod validate;

use crate::core::{config_error, handle_api, is_digits, setters, Served};
use crate::error::EmulatorError;
use crate::faults::Faults;
use std::collections::HashSet;
use std::time::Duration;

/// The Open API version of a URL and of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiVersion {
    /// `/open-api/v1/`: ФФД 1.05.
    V1,
    /// `/open-api/v2/`: ФФД 1.2.
    V2,
}

impl ApiVersion {
    /// `"v1"` or `"v2"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V1 => "v1",
            ApiVersion::V2 => "v2",
        }
    }
}

/// One integration: `app_id`, its secret, and the account's register.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BusinessRuAccount {
    /// The FFD version the account is set up for.
    pub api: ApiVersion,
    /// `app_id`.
    pub app_id: String,
    /// The secret key.
    pub secret: String,
    /// 1041 «номер ФН», 16 digits.
    pub fn_number: String,
    /// 1037 «регистрационный номер ККТ», 16 digits.
    pub ecr_registration_number: String,
    /// Whether `nomenclature_code` must carry the `44 4D` type code (default false: the service
    /// is reported to prepend it — not confirmed by a public source; a value that starts with
    /// it is refused 422).
    pub mark_type_prefix_included: bool,
}

impl BusinessRuAccount {
    /// An account; the register's numbers are derived from the `app_id`.
    pub fn new(api: ApiVersion, app_id: impl Into<String>, secret: impl Into<String>) -> Self {
        let app_id = app_id.into();
        BusinessRuAccount {
            api,
            fn_number: format!(
                "9999{}",
                crate::fiscal::digits_from(&format!("br-fn:{app_id}"), 12)
            ),
            ecr_registration_number: format!(
                "0000{}",
                crate::fiscal::digits_from(&format!("br-rn:{app_id}"), 12)
            ),
            app_id,
            secret: secret.into(),
            mark_type_prefix_included: false,
        }
    }

    /// The default ФФД 1.05 test integration: [`TEST_APP_ID_V1`] / [`TEST_SECRET`].
    pub fn test_v1() -> Self {
        BusinessRuAccount::new(ApiVersion::V1, TEST_APP_ID_V1, TEST_SECRET)
    }

    /// The default ФФД 1.2 test integration: [`TEST_APP_ID_V2`] / [`TEST_SECRET`].
    pub fn test_v2() -> Self {
        BusinessRuAccount::new(ApiVersion::V2, TEST_APP_ID_V2, TEST_SECRET)
    }
}

/// `app_id` of the default ФФД 1.05 account (the emulator's own; Business.ru publishes none).
pub const TEST_APP_ID_V1: &str = "7f3c2a10-0b7e-4c1f-9a55-fiskal000001";
/// `app_id` of the default ФФД 1.2 account.
pub const TEST_APP_ID_V2: &str = "7f3c2a10-0b7e-4c1f-9a55-fiskal000002";
/// Secret of the default accounts.
pub const TEST_SECRET: &str = "0123456789abcdef0123456789abcdef";

/// How `GET Command` treats its `c_num` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum CNumFilter {
    /// Only the records with exactly this `c_num` (default).
    #[default]
    Exact,
    /// The parameter is ignored: every record is listed (a client must match `c_num` itself
    /// and walk the pages).
    Ignored,
}

/// Configuration of the Business.ru emulator.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct BusinessRuConfig {
    /// Loopback port; 0 = any free port.
    pub port: u16,
    /// The integrations (default: [`BusinessRuAccount::test_v1`] and
    /// [`BusinessRuAccount::test_v2`]).
    pub accounts: Vec<BusinessRuAccount>,
    /// How long a command stays queued (default 500 ms).
    pub processing_delay: Duration,
    /// Token lifetime (default 24 h; not documented publicly).
    pub token_lifetime: Duration,
    /// Faults from the start.
    pub faults: Faults,
    /// Records per `GET Command` list page (default 100; not 0).
    pub list_page_size: usize,
    /// How the list treats `c_num` (default [`CNumFilter::Exact`]).
    pub list_c_num_filter: CNumFilter,
    /// Accept `nds_value` 5, 7 and 22 (default true; not confirmed by a public source).
    pub unconfirmed_vat_rates: bool,
    /// Also apply the limits only inferred from clients, not from a published reference
    /// (default false): `smsEmail54FZ` a `+7…` phone or an e-mail, `c_num` ≤ 64 characters,
    /// ≤ 100 `goods`, `count` with ≤ 3 decimals (6 otherwise). See docs/emulators.md.
    pub strict: bool,
    /// 1017 «ИНН ОФД» (not in the answers; kept for the register).
    pub ofd_inn: String,
    /// Base of `receipt_url`.
    pub ofd_receipt_url: String,
}

impl Default for BusinessRuConfig {
    fn default() -> Self {
        BusinessRuConfig {
            port: 0,
            accounts: vec![BusinessRuAccount::test_v1(), BusinessRuAccount::test_v2()],
            processing_delay: Duration::from_millis(500),
            token_lifetime: Duration::from_secs(24 * 3600),
            faults: Faults::none(),
            list_page_size: 100,
            list_c_num_filter: CNumFilter::Exact,
            unconfirmed_vat_rates: true,
            strict: false,
            ofd_inn: "7704358518".into(),
            ofd_receipt_url: "https://ofd.ru/rec".into(),
        }
    }
}

setters!(BusinessRuConfig {
    with_strict: strict: bool,
    with_processing_delay: processing_delay: Duration,
    with_token_lifetime: token_lifetime: Duration,
    with_faults: faults: Faults,
    with_port: port: u16,
});

impl BusinessRuConfig {
    /// Sets [`BusinessRuConfig::list_page_size`] and [`BusinessRuConfig::list_c_num_filter`].
    pub fn with_list(mut self, page_size: usize, c_num: CNumFilter) -> Self {
        self.list_page_size = page_size;
        self.list_c_num_filter = c_num;
        self
    }

    /// Adds an account.
    pub fn with_account(mut self, account: BusinessRuAccount) -> Self {
        self.accounts.push(account);
        self
    }

    fn check(&self) -> Result<(), EmulatorError> {
        let bad = |i: usize, f: &str, m: &str| config_error(format!("accounts[{i}].{f}"), m);
        if self.list_page_size == 0 {
            return Err(config_error("list_page_size", "must not be 0"));
        }
        let mut ids = HashSet::new();
        for (i, a) in self.accounts.iter().enumerate() {
            if a.app_id.is_empty() || !ids.insert(&a.app_id) {
                return Err(bad(i, "app_id", "must be non-empty and unique"));
            }
            if a.secret.is_empty() {
                return Err(bad(i, "secret", "must be non-empty"));
            }
            if !is_digits(&a.fn_number, &[16]) || !is_digits(&a.ecr_registration_number, &[16]) {
                return Err(bad(i, "fn_number", "register numbers must be 16 digits"));
            }
        }
        Ok(())
    }
}

/// The Business.ru Open API emulator. See the module docs.
#[derive(Debug)]
pub struct BusinessRuEmulator;

impl BusinessRuEmulator {
    /// Binds `127.0.0.1:<config.port>` (plain HTTP) and serves until the handle is shut down or
    /// dropped. Must be called inside a tokio runtime.
    pub async fn start(config: BusinessRuConfig) -> Result<BusinessRuHandle, EmulatorError> {
        config.check()?;
        let port = config.port;
        let served = Served::start(port, service::BusinessRu::new(config), None).await?;
        Ok(BusinessRuHandle { served })
    }
}

/// A running Business.ru emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct BusinessRuHandle {
    served: Served<service::BusinessRu>,
}

handle_api!(BusinessRuHandle, "receipts");

impl BusinessRuHandle {
    /// `http://127.0.0.1:<port>/open-api/v1/`.
    pub fn base_url_v1(&self) -> String {
        format!("http://{}/open-api/v1/", self.served.addr())
    }

    /// `http://127.0.0.1:<port>/open-api/v2/`.
    pub fn base_url_v2(&self) -> String {
        format!("http://{}/open-api/v2/", self.served.addr())
    }

    /// Makes every token issued so far expired (401 on next use).
    pub fn expire_tokens(&self) {
        self.served.state.expire_tokens();
    }

    /// How many `GET Token` requests were answered with a token.
    pub fn tokens_issued(&self) -> usize {
        self.served.state.tokens_issued()
    }
}
