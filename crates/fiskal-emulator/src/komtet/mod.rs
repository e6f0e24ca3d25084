//! KOMTET Kassa emulator, after the vendor's API page <https://kassa.komtet.ru/integration/api>
//! and its official SDKs <https://github.com/Komtet/komtet-kassa-php-sdk> and
//! <https://github.com/Komtet/komtet-kassa-python-sdk> (docs/emulators.md lists every rule with
//! its source).
//!
//! One listener serves the shop API `api/shop/v2/` (ФФД 1.2): `GET queues/{qid}`,
//! `POST queues/{qid}/task`, `POST queues/{qid}/multi-tasks`, `GET tasks/{task_id}`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), fiskal_emulator::EmulatorError> {
//! use fiskal_emulator::komtet::{KomtetConfig, KomtetEmulator, TEST_QUEUE_ID, TEST_SHOP_ID};
//! let komtet = KomtetEmulator::start(KomtetConfig::default()).await?;
//! println!("shop {TEST_SHOP_ID}, queue {TEST_QUEUE_ID} at {}", komtet.base_url());
//! komtet.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # Behaviour, and the choices where the public sources are silent
//!
//! **Authentication** of every request: `Authorization` must name a configured shop (else 401)
//! and `X-HMAC-Signature` must be the hex HMAC-MD5, keyed with the shop's secret, of the
//! method + the full URL as the client called it (`http://` + the `Host` header + path and
//! query) + the raw body (else 403) — the vendor's page «Авторизация магазина» and the SDKs'
//! signing code. The statuses follow the PHP SDK, which reads a JSON error object for 403, 422
//! and 500; the error codes other than `VLD11` are the emulator's own (`AUTH01`, `AUTH02`,
//! `QUE01`, `TSK01`, `VLD01`, `SRV500`).
//!
//! **Errors** are `{"title", "code", "description"}` (the PHP SDK's `ApiValidationException`).
//!
//! **Tasks**: `POST queues/{qid}/task` is checked (module `validate`: the fields and values of
//! the SDKs' `v2` models; the sum of `positions[].total` equal to the sum of `payments[].sum`,
//! the vendor's page), the queue must be the shop's (else 404), and the `external_id` must be
//! new for the shop: a second task with it is **422 `VLD11`** with the SDK test's title and
//! description, and nothing is registered. Accepted: `{"id", "external_id",
//! "print_queue_id", "state": "new"}` (the Python SDK's test), journaled (external id, uuid =
//! task id). Task ids count up from 4 200 001.
//!
//! **Batches**: `POST queues/{qid}/multi-tasks` takes a JSON array of task bodies (the Python
//! SDK's `create_tasks`), each checked as above, and answers `200` with a JSON object of the
//! task objects keyed by their position, `"0"`, `"1"` … (the SDK's test
//! `tests/v2/other/test.py` `TestMultiTasks`; the keys' meaning is **inferred**). How KOMTET
//! answers a batch with a bad or repeated task is not published; the emulator's choice
//! (**inferred**) is all or nothing: the first invalid task, or the first whose `external_id`
//! the shop holds or the batch repeats, refuses the whole request with that task's error
//! (`422 VLD11` for a repeat), its description starting `tasks[i]: `, and nothing is
//! registered. Not an array, or empty: `400 VLD01`.
//!
//! **Processing**: after [`KomtetConfig::processing_delay`] the shop's register fiscalises the
//! task: `GET tasks/{id}` answers `{"id", "external_id", "state", "error_description",
//! "fiscal_data"}`, `state` `new` → `done` with `fiscal_data` `{"i", "fn", "t", "n", "fp",
//! "s"}` (the Python SDK's test: strings for `i`, `fn`, `t`, `fp`, `s`, a number for `n`;
//! `t` is `YYYYMMDDTHHMM`), or `error` with `error_description` (faults; the state's name is
//! **inferred**). While a queue is **passive** ([`KomtetHandle::set_queue_active`]: no register
//! takes its tasks) its tasks stay `new`, and `GET queues/{qid}` answers `"state": "passive"`.
//!
//! **Faults** ([`crate::Fault`]): [`crate::Endpoint::Register`] = `POST …/task` and
//! `POST …/multi-tasks` (a forced register error ends every task of the batch),
//! [`crate::Endpoint::Report`] = the GETs. `QueueTimeout` / `RegisterError` end the task in
//! `error`; `ResetAfterAccept` registers the task and closes the connection unanswered.
//!
//! **Not emulated**: the v1 (ФФД 1.05) API, callbacks to `callback_url`,
//! orders, employees.

mod service;
mod validate;

use crate::core::{config_error, handle_api, is_digits, setters, Served};
use crate::error::EmulatorError;
use crate::faults::Faults;
use std::collections::HashSet;
use std::time::Duration;

/// The default shop id (the emulator's own; KOMTET issues real ones in the account).
pub const TEST_SHOP_ID: &str = "fiskal-shop-1";
/// The default shop's secret key.
pub const TEST_SECRET: &str = "fiskal-komtet-secret-0001";
/// The default shop's queue.
pub const TEST_QUEUE_ID: &str = "5179";

/// One shop: its id and secret, its queues, and its register.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KomtetShop {
    /// The shop id (`Authorization`).
    pub shop_id: String,
    /// The secret key (HMAC-MD5 key).
    pub secret: String,
    /// The shop's queue ids.
    pub queues: Vec<String>,
    /// 1041 «номер ФН», 16 digits.
    pub fn_number: String,
    /// 1037 «регистрационный номер ККТ», 16 digits.
    pub reg_number: String,
}

impl KomtetShop {
    /// A shop; the register's numbers are derived from the shop id.
    pub fn new(
        shop_id: impl Into<String>,
        secret: impl Into<String>,
        queues: Vec<String>,
    ) -> KomtetShop {
        let shop_id = shop_id.into();
        KomtetShop {
            fn_number: format!(
                "9999{}",
                crate::fiscal::digits_from(&format!("komtet-fn:{shop_id}"), 12)
            ),
            reg_number: format!(
                "0000{}",
                crate::fiscal::digits_from(&format!("komtet-rn:{shop_id}"), 12)
            ),
            shop_id,
            secret: secret.into(),
            queues,
        }
    }

    /// The default shop: [`TEST_SHOP_ID`] / [`TEST_SECRET`], queue [`TEST_QUEUE_ID`].
    pub fn test() -> KomtetShop {
        KomtetShop::new(TEST_SHOP_ID, TEST_SECRET, vec![TEST_QUEUE_ID.into()])
    }
}

/// Configuration of the KOMTET emulator.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct KomtetConfig {
    /// Loopback port; 0 = any free port.
    pub port: u16,
    /// The shops (default: [`KomtetShop::test`]).
    pub shops: Vec<KomtetShop>,
    /// How long a task waits before the register takes it (default 500 ms).
    pub processing_delay: Duration,
    /// Faults from the start.
    pub faults: Faults,
    /// 1017 «ИНН ОФД» (kept for the register).
    pub ofd_inn: String,
    /// Base of the OFD receipt URL (kept for the register).
    pub ofd_receipt_url: String,
}

impl Default for KomtetConfig {
    fn default() -> Self {
        KomtetConfig {
            port: 0,
            shops: vec![KomtetShop::test()],
            processing_delay: Duration::from_millis(500),
            faults: Faults::none(),
            ofd_inn: "7704358518".into(),
            ofd_receipt_url: "https://ofd.ru/rec".into(),
        }
    }
}

setters!(KomtetConfig {
    with_processing_delay: processing_delay: Duration,
    with_faults: faults: Faults,
    with_port: port: u16,
});

impl KomtetConfig {
    /// Adds a shop.
    pub fn with_shop(mut self, shop: KomtetShop) -> Self {
        self.shops.push(shop);
        self
    }

    fn check(&self) -> Result<(), EmulatorError> {
        let bad = |i: usize, f: &str, m: &str| config_error(format!("shops[{i}].{f}"), m);
        let mut ids = HashSet::new();
        let mut queues = HashSet::new();
        for (i, s) in self.shops.iter().enumerate() {
            if s.shop_id.is_empty() || !ids.insert(&s.shop_id) {
                return Err(bad(i, "shop_id", "must be non-empty and unique"));
            }
            if s.secret.is_empty() {
                return Err(bad(i, "secret", "must be non-empty"));
            }
            if s.queues.is_empty() || s.queues.iter().any(|q| q.is_empty() || !queues.insert(q)) {
                return Err(bad(i, "queues", "at least one; ids non-empty and unique"));
            }
            if !is_digits(&s.fn_number, &[16]) || !is_digits(&s.reg_number, &[16]) {
                return Err(bad(i, "fn_number", "register numbers must be 16 digits"));
            }
        }
        Ok(())
    }
}

/// The KOMTET Kassa emulator. See the module docs.
#[derive(Debug)]
pub struct KomtetEmulator;

impl KomtetEmulator {
    /// Binds `127.0.0.1:<config.port>` (plain HTTP) and serves until the handle is shut down or
    /// dropped. Must be called inside a tokio runtime.
    pub async fn start(config: KomtetConfig) -> Result<KomtetHandle, EmulatorError> {
        config.check()?;
        let port = config.port;
        let served = Served::start(port, service::Komtet::new(config), None).await?;
        Ok(KomtetHandle { served })
    }
}

/// A running KOMTET emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct KomtetHandle {
    served: Served<service::Komtet>,
}

handle_api!(KomtetHandle, "receipts");

impl KomtetHandle {
    /// `http://127.0.0.1:<port>`: the host, as the client's `base_url` (the client adds
    /// `/api/shop/v2/…`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.served.addr())
    }

    /// Makes a queue passive (its tasks wait in `new`) or active again; false for an unknown
    /// queue.
    pub fn set_queue_active(&self, queue_id: &str, active: bool) -> bool {
        self.served.state.set_queue_active(queue_id, active)
    }
}
