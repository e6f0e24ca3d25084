//! МодульКасса «API фискализации документов» emulator, after the vendor's document 2.0 of
//! 01.01.2020 (<https://modulkassa.github.io/backend-api/fn>; section numbers below are its),
//! with the points it leaves open marked **inferred** (docs/emulators.md lists every rule with
//! its source).
//!
//! ```no_run
//! # async fn demo() -> Result<(), fiskal_emulator::EmulatorError> {
//! use fiskal_emulator::modulkassa::{ModulKassaConfig, ModulKassaEmulator, RegisterState};
//! let mk = ModulKassaEmulator::start(ModulKassaConfig::default()).await?;
//! println!("МодульКасса at {}", mk.base_url()); // http://127.0.0.1:<port>/api/fn
//! mk.set_register(RegisterState::Offline); // documents now wait in QUEUED
//! mk.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # Behaviour
//!
//! One listener serves `{base}` = `/api/fn` (the production path, §1.6):
//! `POST /v1/associate/{retailPointId}[?clientId]` (§2.1), `DELETE /v1/associate` (§2.2),
//! `GET /v1/status` (§2.3), `POST /v2/doc` and the older `POST /v1/doc` (§2.4; the same
//! body), `GET /v1/doc/{id}/status` (§2.5), `PUT /v1/doc/{id}/re-queue` (§2.6).
//!
//! * **Auth**: HTTP Basic. `associate` takes an account's login and password
//!   ([`ModulKassaAccount`]); 401 for unknown credentials, 404 for an unknown retail point,
//!   403 for a point of another account (§2.1.3). It answers RetailPointAssociation (§3.1):
//!   `userName` (a UUID, kept for the same point and `clientId`), a **new** 10-character
//!   `password` — the previous one stops working (§2.1.1 «пароль обновляется»; that the old
//!   pair stops at once is **inferred**) — `name`, `address`. Every other call takes an
//!   association's pair (else 401). The default retail point has one already:
//!   [`TEST_USER_NAME`] / [`TEST_PASSWORD`].
//! * **Errors** are the status without a body, as documented for every error (§2.1.3–2.6.3);
//!   the emulator adds an `x-emulator-problem` header saying what it found.
//! * **Documents** are checked (module `validate`, the rules in docs/emulators.md) and
//!   answered with a DocumentStatus (§3.11) in `QUEUED` ("Document queued for printing",
//!   §2.5.4), journaled under the retail point (external id = `id`). The same `id` again
//!   answers that document's status and registers nothing (**inferred**: the document is
//!   silent on repeats). An unknown id on the status call is a 400 (§2.5.3 lists no 404).
//! * **The register** ([`RegisterState`]): online, it takes the oldest waiting document after
//!   [`ModulKassaConfig::take_delay`] (the real one polls every 5 s, §2.4.5): `PENDING`, then
//!   the fiscal data (`PRINTED`; `WAIT_FOR_CALLBACK` until the `responseURL` answers 200, then
//!   `COMPLETED`; without a `responseURL` `COMPLETED`, or `PRINTED` with
//!   [`ModulKassaConfig::stop_at_printed`]). **Offline**, documents stay `QUEUED` for as long
//!   as it stays offline (no server-side limit, §1.5) and `GET /v1/status` says `FAILED` (or
//!   `ASSOCIATED` if it never reported) with the time it was last seen; back online, it takes
//!   them oldest first. **Disabled**: `DISABLED`, and new documents are refused 403
//!   (**inferred**).
//! * **Callback** (`responseURL`, §2.4.6, format not documented): `POST` to the URL with
//!   `status=SUCCESS&qr=<QR payload>` added to its query (**inferred** from integrations,
//!   which read both from the query), loopback `http://` only.
//! * **Faults** ([`crate::Fault`]) per endpoint: [`crate::Endpoint::Token`] = the associate
//!   calls, [`crate::Endpoint::Register`] = `POST …/doc`, [`crate::Endpoint::Report`] = the
//!   status calls and `re-queue`. `RegisterError` makes the register fail the document:
//!   `FAILED` with `failureInfo` `{type: FN_GENERIC_FAILURE, message: "<code>: <text>"}`
//!   (§3.13); `PUT re-queue` runs it again (`REQUEUED`, then as above). `QueueTimeout` does
//!   nothing: the service has no queue limit.

mod service;
mod validate;

use crate::core::{config_error, handle_api, setters, Served};
use crate::error::EmulatorError;
use crate::faults::Faults;
use std::time::Duration;

/// An account of the cabinet (its login and password, given when the service «Чеки
/// интернет-магазина» is switched on): only for `associate`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ModulKassaAccount {
    /// The login.
    pub login: String,
    /// The password.
    pub password: String,
}

/// A retail point with its register.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetailPoint {
    /// `retailPointId` (a UUID in the cabinet).
    pub id: String,
    /// The account login that owns it.
    pub owner: String,
    /// `name`.
    pub name: String,
    /// `address`.
    pub address: String,
    /// An association made before the start: (`userName`, `password`).
    pub association: Option<(String, String)>,
    /// 1041 «номер ФН», 16 digits.
    pub fn_number: String,
    /// 1037 «регистрационный номер ККТ», 16 digits (`ecrRegistrationNumber`).
    pub reg_number: String,
    /// 1013 «заводской номер ККТ» (`kktNumber`).
    pub kkt_number: String,
}

impl RetailPoint {
    /// A retail point of `owner`; the register's numbers are derived from `id`.
    pub fn new(id: impl Into<String>, owner: impl Into<String>) -> RetailPoint {
        let id = id.into();
        RetailPoint {
            fn_number: format!(
                "9999{}",
                crate::fiscal::digits_from(&format!("mk-fn:{id}"), 12)
            ),
            reg_number: format!(
                "0000{}",
                crate::fiscal::digits_from(&format!("mk-rn:{id}"), 12)
            ),
            kkt_number: crate::fiscal::digits_from(&format!("mk-kkt:{id}"), 12),
            owner: owner.into(),
            name: "ТЦ \"Европа\"".into(),
            address: "г. Москва".into(),
            association: None,
            id,
        }
    }
}

/// The account of the default configuration (the emulator's own; МодульКасса publishes no
/// shared test account, §1.6).
pub const TEST_ACCOUNT_LOGIN: &str = "shop@fiskal.test";
/// Its password.
pub const TEST_ACCOUNT_PASSWORD: &str = "fiskal-account-1";
/// The default retail point (the form of §2.1.4's example).
pub const TEST_RETAIL_POINT_ID: &str = "12345678-90ab-cdef-1234-000000000000";
/// A retail point of another account (associating it with the test account is a 403).
pub const OTHER_RETAIL_POINT_ID: &str = "12345678-90ab-cdef-1234-000000000999";
/// The default retail point's association, made before the start (§2.1.4's example values).
pub const TEST_USER_NAME: &str = "4f4c789c-3863-41d3-aea9-c35b5a9e7f18";
/// Its password.
pub const TEST_PASSWORD: &str = "12345AbcDe";

/// The state of the retail points' Android register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RegisterState {
    /// Connected: takes documents (`READY`).
    Online,
    /// Not connected: documents wait in `QUEUED` (`FAILED`, or `ASSOCIATED` if it never
    /// reported).
    Offline,
    /// Fiscalisation disabled (`DISABLED`).
    Disabled,
}

/// Configuration of the МодульКасса emulator.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ModulKassaConfig {
    /// Loopback port; 0 = any free port.
    pub port: u16,
    /// The path the API is served under (default `/api/fn`, the production path).
    pub path_prefix: String,
    /// Accounts (default: [`TEST_ACCOUNT_LOGIN`] and the owner of
    /// [`OTHER_RETAIL_POINT_ID`]).
    pub accounts: Vec<ModulKassaAccount>,
    /// Retail points (default: [`TEST_RETAIL_POINT_ID`], associated as [`TEST_USER_NAME`],
    /// and [`OTHER_RETAIL_POINT_ID`]).
    pub retail_points: Vec<RetailPoint>,
    /// How long the register takes to pick a document up, and again to fiscalise it (default
    /// 100 ms; the real register polls every 5 s).
    pub take_delay: Duration,
    /// The register's state at the start (default online).
    pub register: RegisterState,
    /// Accept `vatTag` 1109–1114 (default true; not in document 2.0).
    pub unconfirmed_vat_tags: bool,
    /// End a document without a `responseURL` in `PRINTED` instead of `COMPLETED` (default
    /// false).
    pub stop_at_printed: bool,
    /// How long a callback may take (default 5 s).
    pub callback_timeout: Duration,
    /// Faults from the start.
    pub faults: Faults,
}

impl Default for ModulKassaConfig {
    fn default() -> Self {
        let mut rp = RetailPoint::new(TEST_RETAIL_POINT_ID, TEST_ACCOUNT_LOGIN);
        rp.association = Some((TEST_USER_NAME.into(), TEST_PASSWORD.into()));
        ModulKassaConfig {
            port: 0,
            path_prefix: "/api/fn".into(),
            accounts: vec![
                ModulKassaAccount {
                    login: TEST_ACCOUNT_LOGIN.into(),
                    password: TEST_ACCOUNT_PASSWORD.into(),
                },
                ModulKassaAccount {
                    login: "other@fiskal.test".into(),
                    password: "fiskal-account-2".into(),
                },
            ],
            retail_points: vec![
                rp,
                RetailPoint::new(OTHER_RETAIL_POINT_ID, "other@fiskal.test"),
            ],
            take_delay: Duration::from_millis(100),
            register: RegisterState::Online,
            unconfirmed_vat_tags: true,
            stop_at_printed: false,
            callback_timeout: service::CALLBACK_TIMEOUT,
            faults: Faults::none(),
        }
    }
}

setters!(ModulKassaConfig {
    with_port: port: u16,
    with_take_delay: take_delay: Duration,
    with_register: register: RegisterState,
    with_unconfirmed_vat_tags: unconfirmed_vat_tags: bool,
    with_stop_at_printed: stop_at_printed: bool,
    with_faults: faults: Faults,
});

impl ModulKassaConfig {
    fn check(&self) -> Result<(), EmulatorError> {
        if !self.path_prefix.starts_with('/') || self.path_prefix.ends_with('/') {
            return Err(config_error(
                "path_prefix",
                "starts with `/` and does not end with one",
            ));
        }
        let mut ids = std::collections::HashSet::new();
        for (i, rp) in self.retail_points.iter().enumerate() {
            if rp.id.is_empty() || !ids.insert(&rp.id) {
                return Err(config_error(
                    format!("retail_points[{i}].id"),
                    "non-empty and unique",
                ));
            }
            if !crate::core::is_digits(&rp.fn_number, &[16])
                || !crate::core::is_digits(&rp.reg_number, &[16])
            {
                return Err(config_error(
                    format!("retail_points[{i}].fn_number"),
                    "register numbers must be 16 digits",
                ));
            }
        }
        Ok(())
    }
}

/// The МодульКасса emulator. See the module docs.
#[derive(Debug)]
pub struct ModulKassaEmulator;

impl ModulKassaEmulator {
    /// Binds `127.0.0.1:<config.port>` (plain HTTP) and serves until the handle is shut down or
    /// dropped. Must be called inside a tokio runtime.
    pub async fn start(config: ModulKassaConfig) -> Result<ModulKassaHandle, EmulatorError> {
        config.check()?;
        let port = config.port;
        let served = Served::start(port, service::ModulKassa::new(config), None).await?;
        Ok(ModulKassaHandle { served })
    }
}

/// A running МодульКасса emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct ModulKassaHandle {
    served: Served<service::ModulKassa>,
}

handle_api!(ModulKassaHandle, "documents");

impl ModulKassaHandle {
    /// `http://127.0.0.1:<port>/api/fn` (no trailing `/`), the client's `base_url`.
    pub fn base_url(&self) -> String {
        format!(
            "http://{}{}",
            self.served.addr(),
            self.served.state.path_prefix()
        )
    }

    /// Switches the register: offline, documents wait in `QUEUED`; back online it takes them,
    /// oldest first.
    pub fn set_register(&self, state: RegisterState) {
        self.served.state.set_register(state);
    }

    /// The register's state.
    pub fn register(&self) -> RegisterState {
        self.served.state.register_state()
    }

    /// The status word (`QUEUED`, `COMPLETED` …) of the document with this id, in any retail
    /// point.
    pub fn document_status(&self, id: &str) -> Option<&'static str> {
        self.served.state.status_of(id)
    }
}
