//! ATOL Online v4 (ФФД 1.05) and v5 (ФФД 1.2) emulator, after «АТОЛ Онлайн. Описание протокола
//! v4 (ФФД 1.05)», doc version 5.15 of 29.05.2023
//! (<https://online.atol.ru/files/API_atol_online_v4.pdf>, cited below as "doc 5.15"), the
//! answers recorded from ATOL's test service in <https://github.com/skodnik/atol-online>
//! (`data/samples/response/`, cited as "the A4 capture") and, for v5, the clients that quote
//! the v5 document (docs/emulators.md lists every rule with its source).
//!
//! One listener serves both `/possystem/v4/…` and `/possystem/v5/…`:
//! `getToken` (POST JSON, or the legacy GET with query parameters), `<group>/<operation>`
//! (sell, sell_refund, buy, buy_refund, sell_correction, buy_correction, and in v5
//! sell_refund_correction, buy_refund_correction) and `<group>/report/<uuid>`. The token goes
//! in the `Token` header or the `token` query parameter.
//!
//! ```no_run
//! # async fn demo() -> Result<(), fiskal_emulator::EmulatorError> {
//! use fiskal_emulator::atol::{AtolConfig, AtolEmulator};
//! use std::time::Duration;
//! let atol = AtolEmulator::start(AtolConfig::default().with_processing_delay(Duration::from_millis(50))).await?;
//! println!("v4 at {}, v5 at {}", atol.base_url_v4(), atol.base_url_v5());
//! // … run the client against it, then:
//! assert!(atol.journal().entries().iter().all(|e| e.is_done()));
//! atol.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # Behaviour, and the choices where the public sources are silent
//!
//! **Order of checks** of a registration: route → token (10 missing, 11 unknown or expired) →
//! group belongs to the token's login (20; also for a group that does not exist) → group
//! speaks this version (21) → operation (31) → `Content-Type` starts with `application/json`
//! (41) → body is a JSON object of at most 4 MiB (40 `BadRequest` otherwise: doc 5.15
//! names no code for malformed JSON) → schema (32) → `external_id` unused in the group (33,
//! with the original `uuid`) → accepted: HTTP 200 `{"uuid", "timestamp", "error": null,
//! "status": "wait"}`, journaled. A wrong HTTP method is 40 too.
//!
//! **Error envelope**: `{"error": {"error_id", "code", "text", "type"}, "timestamp"}` plus
//! `status` where doc 5.15's Table 6 gives one (30, 32 `fail`; 33 `wait`) and `uuid` for 33.
//! HTTP statuses per that table. Error 32 lists every failing field as `<Kind>: #/<pointer>`
//! (`StringTooLong: #/receipt/items/0/name`), joined by `, ` — the kind names of the .NET
//! schema validator seen in the A4 capture; the separator is a guess (A4 shows one field).
//! `getToken`'s 32 says «входящего чека» (A4 capture), registration's «входного чека» (table).
//!
//! **Tokens**: bound to a login, valid on both versions; while one is valid, `getToken` gives
//! the same one again (one of the two behaviours doc 5.15 §6.1 allows); lifetime from
//! [`AtolConfig::token_lifetime`]; [`AtolHandle::expire_tokens`] ends them all at once.
//!
//! **Schema** (the service's own checks, before acceptance): required fields, types, string
//! lengths, patterns (INN 10/12 digits, dates `dd.mm.yyyy[ HH:MM:SS]`, agent phones, v4
//! `nomenclature_code`, v5 `mark_code` kinds with `gs1m` Base64 of `01`+14 digits),
//! enumerations (v4 `payment_object` strings, v5 integers 1–27, 30–33; `measure` required in
//! v5), money as JSON numbers with ≤ 2 decimals up to 42 949 672.95, quantity ≤ 99 999.999
//! with ≤ 3 decimals (≤ 6 in v5: unconfirmed), items 1–100 (also in v5: unconfirmed),
//! payments 1–10 with type 0–9, vats ≤ 6 (1–6 and required in v4 corrections), `vat18`/
//! `vat118` refused in sell/buy with their own text. Unknown fields are tolerated. v5 receipts
//! need `client` like v4 (unconfirmed); v5 corrections do not.
//!
//! **The register's checks** (after acceptance; the document then ends `fail`, error type
//! `driver`, and keeps its `external_id`): the request is converted to a
//! [`fiskal_ffd::Receipt`] and validated by fiskal-ffd. The first finding picks the KKT code:
//! item sum ≠ price × quantity 16; quantity 17; Σ items ≠ total by more than 0.99 ₽ (Table 2
//! tolerance) 227; payments short of the total 66, above it 52; VAT 128 (receipt `vats` are
//! checked only with [`AtolConfig::check_vat_totals`]); marks 409 (a marked v5 item whose
//! `payment_object` is not 31/33: 217, and a wrong ИНН check digit, only with
//! [`AtolConfig::strict`]); other enumerations 216/217/144/143/412; a missing
//! requisite 161; anything else 13. The journal entry's `problems` lists every finding. Then
//! the size: `fiskal_ffd::size::document_size_bound` above [`AtolConfig::max_document_size`]
//! (30 720) ends `fail` with 134 «Превышение размеров TLV данных ФН», doc 5.15's KKT error
//! for a document too large (no service-level byte limit is documented publicly).
//! A `company.inn` other than the group's ends `fail` with 2009, type `agent` (A4 wording).
//!
//! **Report**: HTTP 200. While the document waits (and for a well-formed uuid the group does
//! not know): code 34, `status: wait` (Table 6). A malformed uuid: 30. Processed: `done` with
//! `payload` or `fail` with `error` (no `error_id`, as in A4) and `payload: null`. `timestamp`
//! echoes the request's `timestamp`; `daemon_code` is `fiskal-emulator`; `total` is a JSON
//! number without trailing zeros (`1598`, `5589.7`); v5 adds `marks_result` (every mark
//! result 15) when marks were sent; `warnings.callback_url` when the callback address fails the
//! mask of Table 2 (checked by a hand-written equivalent of the regex).
//!
//! **Register numbers**: one register per group, `fn_number`/`ecr_registration_number` 16
//! digits derived from the group code (or set in [`AtolAccount`]); the first receipt opens
//! shift 7 (its opening report takes document number 101), then `fiscal_document_number`
//! counts up from 102 and `fiscal_receipt_number` from 1; `fiscal_document_attribute` is a
//! 9-digit number derived from the document (SHA-256); times are Moscow time.
//!
//! **Callbacks**: the report JSON, POSTed once when the document is processed, only to
//! `http://` loopback addresses, with [`AtolConfig::callback_timeout`]; the journal records the
//! outcome ([`crate::CallbackState`]).
//!
//! **Faults** ([`crate::Fault`]): a registration fault (`QueueTimeout`, `RegisterError`) is
//! consumed by the next registration request whatever its fate; `ResetAfterAccept` handles
//! the request fully (a registration is accepted and journaled) and then closes the connection
//! unanswered; `Delay` handles at once and holds the answer back.
//!
//! **Not emulated (yet)**: the limit of one report request per second per register, the
//! 32-day report window, errors 13, 14 and 1; receipt-level `agent_info`/`supplier_info` are
//! left out of the size estimate.
//!
//! **Transport**: plain HTTP by default (the client under test must allow `http://` on
//! loopback); HTTPS with a generated test CA when [`AtolConfig::tls`] is set.

pub(crate) mod convert;
pub(crate) mod errors;
mod report;
mod service;
pub(crate) mod validate;

use crate::core::{config_error, handle_api, is_digits, setters, Served};
use crate::error::EmulatorError;
use crate::faults::Faults;
use std::collections::HashSet;
use std::time::Duration;

/// The ATOL API version of a URL and of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiVersion {
    /// `/possystem/v4/`: ФФД 1.05.
    V4,
    /// `/possystem/v5/`: ФФД 1.2.
    V5,
}

impl ApiVersion {
    /// `"v4"` or `"v5"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V4 => "v4",
            ApiVersion::V5 => "v5",
        }
    }
}

/// An ATOL operation (the last segment of a registration URL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    Sell,
    SellRefund,
    Buy,
    BuyRefund,
    SellCorrection,
    BuyCorrection,
    SellRefundCorrection,
    BuyRefundCorrection,
}

impl Operation {
    /// The operation named `s`, if version `v` has it.
    pub(crate) fn parse(s: &str, v: ApiVersion) -> Option<Operation> {
        let op = match s {
            "sell" => Operation::Sell,
            "sell_refund" => Operation::SellRefund,
            "buy" => Operation::Buy,
            "buy_refund" => Operation::BuyRefund,
            "sell_correction" => Operation::SellCorrection,
            "buy_correction" => Operation::BuyCorrection,
            "sell_refund_correction" if v == ApiVersion::V5 => Operation::SellRefundCorrection,
            "buy_refund_correction" if v == ApiVersion::V5 => Operation::BuyRefundCorrection,
            _ => return None,
        };
        Some(op)
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Operation::Sell => "sell",
            Operation::SellRefund => "sell_refund",
            Operation::Buy => "buy",
            Operation::BuyRefund => "buy_refund",
            Operation::SellCorrection => "sell_correction",
            Operation::BuyCorrection => "buy_correction",
            Operation::SellRefundCorrection => "sell_refund_correction",
            Operation::BuyRefundCorrection => "buy_refund_correction",
        }
    }

    pub(crate) fn is_correction(self) -> bool {
        matches!(
            self,
            Operation::SellCorrection
                | Operation::BuyCorrection
                | Operation::SellRefundCorrection
                | Operation::BuyRefundCorrection
        )
    }

    /// sell and buy refuse vat18/vat118 (since 01.04.2019).
    pub(crate) fn refuses_vat18(self) -> bool {
        matches!(self, Operation::Sell | Operation::Buy)
    }

    /// 1054 «признак расчета».
    pub(crate) fn ffd_operation(self) -> fiskal_ffd::Operation {
        match self {
            Operation::Sell | Operation::SellCorrection => fiskal_ffd::Operation::SELL,
            Operation::SellRefund | Operation::SellRefundCorrection => {
                fiskal_ffd::Operation::SELL_REFUND
            }
            Operation::Buy | Operation::BuyCorrection => fiskal_ffd::Operation::BUY,
            Operation::BuyRefund | Operation::BuyRefundCorrection => {
                fiskal_ffd::Operation::BUY_REFUND
            }
        }
    }
}

/// One ATOL account: credentials, its group of registers (one emulated register per group),
/// the organisation, and the register's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AtolAccount {
    /// The API version the group is fiscalised for (v4 = ФФД 1.05, v5 = ФФД 1.2). Requests
    /// through the other version get error 21.
    pub version: ApiVersion,
    /// `login` of `getToken`.
    pub login: String,
    /// `pass` of `getToken`.
    pub pass: String,
    /// The group code in the URLs.
    pub group_code: String,
    /// The organisation's INN (a receipt with another `company.inn` ends `fail` 2009).
    pub inn: String,
    /// The payment address registered for the group (informational).
    pub payment_address: String,
    /// 1041 «номер ФН» of the group's register, 16 digits.
    pub fn_number: String,
    /// 1037 «регистрационный номер ККТ», 16 digits.
    pub ecr_registration_number: String,
    /// `device_code` in reports.
    pub device_code: String,
}

impl AtolAccount {
    /// An account; the register's numbers are derived from the group code (stable per group).
    pub fn new(
        version: ApiVersion,
        login: impl Into<String>,
        pass: impl Into<String>,
        group_code: impl Into<String>,
        inn: impl Into<String>,
        payment_address: impl Into<String>,
    ) -> AtolAccount {
        let group_code = group_code.into();
        AtolAccount {
            version,
            login: login.into(),
            pass: pass.into(),
            fn_number: format!(
                "9999{}",
                crate::fiscal::digits_from(&format!("fn:{group_code}"), 12)
            ),
            ecr_registration_number: format!(
                "0000{}",
                crate::fiscal::digits_from(&format!("rn:{group_code}"), 12)
            ),
            device_code: format!(
                "KKT{}",
                crate::fiscal::digits_from(&format!("dc:{group_code}"), 6)
            ),
            group_code,
            inn: inn.into(),
            payment_address: payment_address.into(),
        }
    }

    /// The public v4 test account (ATOL's `test_sreda.txt`, reproduced in
    /// <https://github.com/skodnik/atol-online> `docs/sandbox.md`).
    pub fn test_v4() -> AtolAccount {
        AtolAccount::new(
            ApiVersion::V4,
            "v4-online-atol-ru",
            "iGFFuihss",
            "v4-online-atol-ru_4179",
            "5544332219",
            "https://v4.online.atol.ru",
        )
    }

    /// The public v5 test account (ATOL's `test_sreda.txt`, reproduced in
    /// <https://github.com/skodnik/atol-online> `docs/sandbox.md`).
    pub fn test_v5() -> AtolAccount {
        AtolAccount::new(
            ApiVersion::V5,
            "v5-online-atol-ru",
            "zUr0OxfI",
            "v5-online-atol-ru_5179",
            "5544332219",
            "https://v5.online.atol.ru",
        )
    }
}

/// Configuration of the ATOL emulator. Start from [`AtolConfig::default`] and change what you
/// need (fields or the `with_*` methods).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AtolConfig {
    /// Loopback port; 0 = any free port.
    pub port: u16,
    /// The accounts (default: the public v4 and v5 test accounts).
    pub accounts: Vec<AtolAccount>,
    /// How long a document stays `wait` before the register processes it (default 500 ms).
    pub processing_delay: Duration,
    /// Token lifetime (default 24 h, as ATOL; shorten it to test expiry).
    pub token_lifetime: Duration,
    /// Largest document the register stores, bytes, as estimated by
    /// `fiskal_ffd::size::document_size_bound`; larger ones end `fail` with KKT error 134
    /// «Превышение размеров TLV данных ФН» (default 30 720).
    pub max_document_size: usize,
    /// Faults from the start (default none; change later with [`AtolHandle::set_faults`]).
    pub faults: Faults,
    /// Timeout of one callback POST (default 2 s).
    pub callback_timeout: Duration,
    /// Accept vat5/vat7/vat105/vat107/vat22/vat122 in v4 too (unconfirmed for v4 in the
    /// reference; default true). v5 always accepts them.
    pub new_vat_rates_in_v4: bool,
    /// Check receipt `vats` against the item VAT (fiskal-ffd's rule: equal to the sum of the
    /// per-item half-up VAT of that rate), refusing with KKT error 128 (default false: the v4
    /// protocol, table 2, `items.vat`, says the service takes the receipt's `vats` as given
    /// when both are sent; a stricter check for users who want it).
    pub check_vat_totals: bool,
    /// Also apply the register rules the ATOL protocol does not say it enforces (default
    /// false): the ИНН check digit (the schema asks for 10/12 digits only) and, in v5, payment
    /// subject 31/33 for a marked item (KKT error 217). See docs/emulators.md.
    pub strict: bool,
    /// `fns_site` in reports (default `www.nalog.gov.ru`).
    pub fns_site: String,
    /// `ofd_inn` in reports (default `7709364346`, Первый ОФД as in the ATOL sample).
    pub ofd_inn: String,
    /// Base of `ofd_receipt_url` (default `https://consumer.1-ofd-test.ru/v1`).
    pub ofd_receipt_url: String,
    /// Serve HTTPS with a certificate from a [`crate::TestCa`] generated at start (default
    /// false: plain HTTP). The client must then trust [`AtolHandle::ca_pem`].
    pub tls: bool,
}

impl Default for AtolConfig {
    fn default() -> Self {
        AtolConfig {
            port: 0,
            accounts: vec![AtolAccount::test_v4(), AtolAccount::test_v5()],
            processing_delay: Duration::from_millis(500),
            token_lifetime: Duration::from_secs(24 * 3600),
            max_document_size: fiskal_ffd::size::DEFAULT_BUDGET,
            faults: Faults::none(),
            callback_timeout: Duration::from_secs(2),
            new_vat_rates_in_v4: true,
            check_vat_totals: false,
            strict: false,
            fns_site: "www.nalog.gov.ru".into(),
            ofd_inn: "7709364346".into(),
            ofd_receipt_url: "https://consumer.1-ofd-test.ru/v1".into(),
            tls: false,
        }
    }
}

setters!(AtolConfig {
    with_port: port: u16,
    with_processing_delay: processing_delay: Duration,
    with_token_lifetime: token_lifetime: Duration,
    with_max_document_size: max_document_size: usize,
    with_faults: faults: Faults,
    with_strict: strict: bool,
    with_tls: tls: bool,
});

impl AtolConfig {
    /// Adds an account.
    pub fn with_account(mut self, account: AtolAccount) -> Self {
        self.accounts.push(account);
        self
    }

    fn check(&self) -> Result<(), EmulatorError> {
        let bad = |i: usize, f: &str, m: &str| config_error(format!("accounts[{i}].{f}"), m);
        let (mut logins, mut groups) = (HashSet::new(), HashSet::new());
        for (i, a) in self.accounts.iter().enumerate() {
            if a.login.is_empty() || a.login.chars().any(char::is_whitespace) {
                return Err(bad(i, "login", "must be non-empty without whitespace"));
            }
            if !logins.insert(&a.login) {
                return Err(bad(i, "login", "used by two accounts"));
            }
            if a.group_code.is_empty()
                || a.group_code.contains('/')
                || !groups.insert(&a.group_code)
            {
                return Err(bad(
                    i,
                    "group_code",
                    "must be non-empty, without '/', and unique",
                ));
            }
            if !is_digits(&a.fn_number, &[16]) {
                return Err(bad(i, "fn_number", "must be 16 digits"));
            }
            if !is_digits(&a.ecr_registration_number, &[16]) {
                return Err(bad(i, "ecr_registration_number", "must be 16 digits"));
            }
        }
        Ok(())
    }
}

/// The ATOL emulator. See the module docs.
#[derive(Debug)]
pub struct AtolEmulator;

impl AtolEmulator {
    /// Binds `127.0.0.1:<config.port>` and serves both API versions until the handle is shut
    /// down or dropped. Must be called inside a tokio runtime.
    pub async fn start(config: AtolConfig) -> Result<AtolHandle, EmulatorError> {
        config.check()?;
        let port = config.port;
        let ca = if config.tls {
            Some(crate::tls::TestCa::new()?)
        } else {
            None
        };
        let tls = match &ca {
            Some(ca) => Some(ca.server_config(false)?),
            None => None,
        };
        let served = Served::start(port, service::Atol::new(config), tls).await?;
        Ok(AtolHandle {
            served,
            ca_pem: ca.map(|ca| ca.cert_pem()),
        })
    }
}

/// A running ATOL emulator. Dropping it stops the server.
///
/// Methods: [`addr`](AtolHandle::addr), [`base_url_v4`](AtolHandle::base_url_v4),
/// [`base_url_v5`](AtolHandle::base_url_v5), [`journal`](AtolHandle::journal),
/// [`set_faults`](AtolHandle::set_faults), [`push_fault`](AtolHandle::push_fault),
/// [`expire_tokens`](AtolHandle::expire_tokens), [`ca_pem`](AtolHandle::ca_pem),
/// [`shutdown`](AtolHandle::shutdown).
#[derive(Debug)]
pub struct AtolHandle {
    served: Served<service::Atol>,
    ca_pem: Option<String>,
}

handle_api!(AtolHandle, "documents");

impl AtolHandle {
    fn scheme(&self) -> &'static str {
        if self.ca_pem.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// `http://127.0.0.1:<port>/possystem/v4/` (with the trailing slash, as ATOL's; `https`
    /// with [`AtolConfig::tls`]).
    pub fn base_url_v4(&self) -> String {
        format!("{}://{}/possystem/v4/", self.scheme(), self.served.addr())
    }

    /// `http://127.0.0.1:<port>/possystem/v5/` (`https` with [`AtolConfig::tls`]).
    pub fn base_url_v5(&self) -> String {
        format!("{}://{}/possystem/v5/", self.scheme(), self.served.addr())
    }

    /// With [`AtolConfig::tls`]: the PEM certificate of the CA that issued the server's
    /// certificate (valid for `127.0.0.1`, `localhost` and `::1`).
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// Makes every token issued so far expired (error 11 on next use).
    pub fn expire_tokens(&self) {
        self.served.state.expire_tokens();
    }
}

/// An ATOL emulator on a runtime of its own, for callers without one: blocking programs,
/// tests of the C ABI and of the bindings. Dereferences to its [`AtolHandle`]; dropping it
/// shuts the emulator down.
///
/// ```
/// let atol = fiskal_emulator::atol::BackgroundAtol::start(Default::default())?;
/// let settings = atol.settings_json_v5(); // ProviderSettings JSON for fiskal-providers
/// assert!(settings["base_url"].as_str().is_some_and(|u| u.ends_with("/possystem/v5/")));
/// # Ok::<(), fiskal_emulator::EmulatorError>(())
/// ```
#[derive(Debug)]
pub struct BackgroundAtol {
    handle: Option<AtolHandle>,
    runtime: tokio::runtime::Runtime,
}

impl BackgroundAtol {
    /// Starts the emulator on a new one-thread runtime.
    pub fn start(config: AtolConfig) -> Result<BackgroundAtol, EmulatorError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("fiskal-emulator-atol")
            .enable_all()
            .build()
            .map_err(EmulatorError::Runtime)?;
        let handle = runtime.block_on(AtolEmulator::start(config))?;
        Ok(BackgroundAtol {
            handle: Some(handle),
            runtime,
        })
    }
}

impl std::ops::Deref for BackgroundAtol {
    type Target = AtolHandle;

    fn deref(&self) -> &AtolHandle {
        // Present from `start` until `drop`.
        self.handle
            .as_ref()
            .unwrap_or_else(|| unreachable!("handle taken before drop"))
    }
}

impl Drop for BackgroundAtol {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            self.runtime.block_on(h.shutdown());
        }
    }
}

impl AtolHandle {
    /// Provider settings JSON (docs/provider-settings.md) for the v5 test account of this
    /// emulator: what a client needs to talk to it, with reports spaced 20 ms apart (the
    /// emulator does not limit them).
    pub fn settings_json_v5(&self) -> serde_json::Value {
        serde_json::json!({
            "provider": "atol", "api": "v5", "preset": "test", "base_url": self.base_url_v5(),
            "report_interval_ms": 20
        })
    }

    /// The same for the v4 test account (ФФД 1.05).
    pub fn settings_json_v4(&self) -> serde_json::Value {
        serde_json::json!({
            "provider": "atol", "api": "v4", "preset": "test", "base_url": self.base_url_v4(),
            "report_interval_ms": 20
        })
    }
}
