//! OFD.ru «Ferma» emulator, after OFD.ru «Программный интерфейс приложений (API) для работы с
//! ИС Ferma» (<https://ofd.ru/razrabotchikam/ferma>, versions 2.63–2.66; English edition 2.62,
//! <https://ofd.ru/razrabotchikam/application-programming-interface-api-ferma>) — its
//! introduction, envelope, token and test-environment sections — and, where the readable copies
//! stop, the request and status fields as public clients of Ferma send and read them.
//! docs/emulators.md lists every rule with its source.
//!
//! ```no_run
//! # async fn demo() -> Result<(), fiskal_emulator::EmulatorError> {
//! use fiskal_emulator::ferma::{FermaConfig, FermaEmulator};
//! let ferma = FermaEmulator::start(FermaConfig::default()).await?;
//! println!("Ferma API at {}", ferma.base_url());
//! ferma.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # Behaviour
//!
//! * **Transport** (F1 §1): `POST` with a JSON body and `Content-Type: application/json`
//!   (required); every answer is HTTP 200 with the envelope `{"Status": "Success", "Data"}` or
//!   `{"Status": "Failed", "Error": {"Code", "Message"}}`, `Code` never 0. Paths under `/api`:
//!   `Authorization/CreateAuthToken`, `kkt/cloud/receipt`, `kkt/cloud/status`; another path is
//!   the web server's 404, another method 405.
//! * **Token** (F1 §2): `{"Login", "Password"}` of a configured account → `AuthToken` (32 hex
//!   digits, as the document's sample) and `ExpirationDateUtc` (`YYYY-MM-DDTHH:MM:SS`, UTC: now
//!   plus [`FermaConfig::token_lifetime`]). Wrong credentials: `Failed`
//!   [`FermaConfig::auth_error_code`]. The other calls take `?AuthToken=`; a missing, unknown or
//!   expired token is `Failed` [`FermaConfig::token_error_code`]. Both codes are the emulator's
//!   own: Ferma's error table is not published.
//! * **Receipt** (`kkt/cloud/receipt`): the `Request` is checked (module `validate`: field
//!   tables, `Price × Quantity = Amount` rounded half-up, Σ `PaymentItems.Sum` = Σ `Amount`,
//!   `CorrectionInfo` for correction types, `MarkingCodeData` only on a ФФД 1.2 account), any
//!   finding answered `Failed` [`FermaConfig::validation_error_code`] naming the field. The
//!   `InvoiceId` is unique per account: a repeat (also after `KKT_ERROR`) is `Failed`
//!   [`FermaConfig::duplicate_code`] (1019, «Идентификатор счета … уже существует», as a public
//!   PHP client decodes it). Accepted: `Data.ReceiptId` (a GUID) and the journal entry
//!   (external id = `InvoiceId`, uuid = `ReceiptId`, group = the login).
//! * **Processing**: `NEW` (0) at acceptance, `PROCESSED` (1) after half of
//!   [`FermaConfig::processing_delay`], then `CONFIRMED` (2) with the register's `Device` data,
//!   or `KKT_ERROR` (3) when a [`crate::Fault::RegisterError`] / [`crate::Fault::QueueTimeout`]
//!   was injected on the registration. With a `CallbackUrl` (loopback `http://` only), the
//!   status `Data` is POSTed there once the receipt is `CONFIRMED` or `KKT_ERROR` (the body is
//!   not published: **inferred**).
//! * **Status** (`kkt/cloud/status`): `{"Request": {"ReceiptId"}}` or `{"Request":
//!   {"InvoiceId"}}` of this account → `Data` with the fields of a captured test answer
//!   (`ReceiptId`, `StatusCode`, `StatusName`, `StatusMessage`, `ModifiedDateUtc`,
//!   `ReceiptDateUtc`, `…DateTimeIso` with the `[Europe/Moscow]` suffix, `Device`); unknown:
//!   `Failed` [`FermaConfig::not_found_code`] (the emulator's own).
//! * **Faults** ([`crate::Fault`]): [`crate::Endpoint::Token`] = `CreateAuthToken`,
//!   [`crate::Endpoint::Register`] = `receipt`, [`crate::Endpoint::Report`] = `status`.
//!   An injected 500 answers HTTP 500 with a `Failed` envelope (code 500).
//!   [`crate::Fault::MarkCheckResult`] and [`crate::Fault::ItemCodeCheckFailed`] do nothing here:
//!   Ferma's status answer carries no mark-check results in any public source.
//!
//! * **Registry** (`kkt/cloud/list2`): `{"Request": {"ReceiptId"}}` → `Data`, an array of the
//!   status fields plus `InvoiceId` and `Receipt` (the `Request` echoed, with
//!   `cashboxInfoHolder {DeviceId, FDN, FN, FPD, RNM, ZN, checkNumInShift, shiftNum, modelTypeId,
//!   totalSum}` once confirmed), the shape of a captured answer of the Python client
//!   «wOFDRULib»; without `ReceiptId`, every receipt of the account.
//!
//! **Not emulated**: `list`, the date window of `list2`, the marking-code pre-check and
//! statistics calls, the register's own TLV checks, the Checkonline converter.

mod service;
mod validate;

use crate::core::{config_error, handle_api, is_digits, setters, Served};
use crate::error::EmulatorError;
use crate::faults::Faults;
use std::collections::HashSet;
use std::time::Duration;

/// Public test login of the ФФД 1.05/1.1 register (F1 §5.2 «Тестовое API Ferma», as quoted by
/// public clients).
pub const TEST_LOGIN_FFD_1_05: &str = "fermatest1";
/// Its password (public).
pub const TEST_PASSWORD_FFD_1_05: &str = "Hjsf3321klsadfAA";
/// Public test login of the ФФД 1.2 register.
pub const TEST_LOGIN_FFD_1_2: &str = "fermatest2";
/// Its password (public).
pub const TEST_PASSWORD_FFD_1_2: &str = "Go2999483Mb";

/// The ФФД version of an account's register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FermaFfd {
    /// ФФД 1.05 / 1.1.
    V105,
    /// ФФД 1.2.
    V12,
}

/// One Ferma account: login, password, its register.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FermaAccount {
    /// `Login`.
    pub login: String,
    /// `Password`.
    pub password: String,
    /// The register's ФФД version.
    pub ffd: FermaFfd,
    /// The INNs the account fiscalises for; empty = any (default; the captured test receipts
    /// use `0123456789`, which is no valid INN).
    pub inns: Vec<String>,
    /// 1041 «номер ФН», 16 digits.
    pub fn_number: String,
    /// 1037 «регистрационный номер ККТ» (`RNM`), 16 digits.
    pub rnm: String,
    /// The register's factory number (`ZN`).
    pub zn: String,
}

impl FermaAccount {
    /// An account; the register's numbers are derived from the login.
    pub fn new(login: impl Into<String>, password: impl Into<String>, ffd: FermaFfd) -> Self {
        let login = login.into();
        let d = |what: &str, n| crate::fiscal::digits_from(&format!("ferma-{what}:{login}"), n);
        FermaAccount {
            fn_number: format!("9999{}", d("fn", 12)),
            rnm: format!("0000{}", d("rnm", 12)),
            zn: d("zn", 10),
            password: password.into(),
            ffd,
            inns: Vec::new(),
            login,
        }
    }

    /// The public ФФД 1.05/1.1 test account.
    pub fn test_ffd_1_05() -> Self {
        FermaAccount::new(TEST_LOGIN_FFD_1_05, TEST_PASSWORD_FFD_1_05, FermaFfd::V105)
    }

    /// The public ФФД 1.2 test account.
    pub fn test_ffd_1_2() -> Self {
        FermaAccount::new(TEST_LOGIN_FFD_1_2, TEST_PASSWORD_FFD_1_2, FermaFfd::V12)
    }
}

/// Configuration of the Ferma emulator.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FermaConfig {
    /// Loopback port; 0 = any free port.
    pub port: u16,
    /// The accounts (default: [`FermaAccount::test_ffd_1_05`], [`FermaAccount::test_ffd_1_2`]).
    pub accounts: Vec<FermaAccount>,
    /// How long a receipt takes from `NEW` to `CONFIRMED` (default 500 ms).
    pub processing_delay: Duration,
    /// Token lifetime (default 24 h; Ferma's is not published).
    pub token_lifetime: Duration,
    /// Faults from the start.
    pub faults: Faults,
    /// `Error.Code` of a repeated `InvoiceId` (default 1019).
    pub duplicate_code: i64,
    /// `Error.Code` of a missing, unknown or expired token (default 1001; the emulator's own).
    pub token_error_code: i64,
    /// `Error.Code` of refused credentials (default 1002; the emulator's own).
    pub auth_error_code: i64,
    /// `Error.Code` of a refused request (default 1000; the emulator's own).
    pub validation_error_code: i64,
    /// `Error.Code` of a status request for an unknown receipt (default 1010; the emulator's own).
    pub not_found_code: i64,
    /// Base of `OfdReceiptUrl` (default `https://check-demo.ofd.ru/rec`, as the test capture).
    pub ofd_receipt_url: String,
}

impl Default for FermaConfig {
    fn default() -> Self {
        FermaConfig {
            port: 0,
            accounts: vec![FermaAccount::test_ffd_1_05(), FermaAccount::test_ffd_1_2()],
            processing_delay: Duration::from_millis(500),
            token_lifetime: Duration::from_secs(24 * 3600),
            faults: Faults::none(),
            duplicate_code: 1019,
            token_error_code: 1001,
            auth_error_code: 1002,
            validation_error_code: 1000,
            not_found_code: 1010,
            ofd_receipt_url: "https://check-demo.ofd.ru/rec".into(),
        }
    }
}

setters!(FermaConfig {
    with_port: port: u16,
    with_processing_delay: processing_delay: Duration,
    with_token_lifetime: token_lifetime: Duration,
    with_faults: faults: Faults,
    with_duplicate_code: duplicate_code: i64,
    with_token_error_code: token_error_code: i64,
    with_not_found_code: not_found_code: i64,
});

impl FermaConfig {
    /// Adds an account.
    pub fn with_account(mut self, account: FermaAccount) -> Self {
        self.accounts.push(account);
        self
    }

    fn check(&self) -> Result<(), EmulatorError> {
        let bad = |i: usize, f: &str, m: &str| config_error(format!("accounts[{i}].{f}"), m);
        let mut logins = HashSet::new();
        for (i, a) in self.accounts.iter().enumerate() {
            if a.login.is_empty() || !logins.insert(&a.login) {
                return Err(bad(i, "login", "must be non-empty and unique"));
            }
            if a.password.is_empty() {
                return Err(bad(i, "password", "must be non-empty"));
            }
            if !is_digits(&a.fn_number, &[16]) || !is_digits(&a.rnm, &[16]) {
                return Err(bad(i, "fn_number", "register numbers must be 16 digits"));
            }
        }
        let codes = [
            ("duplicate_code", self.duplicate_code),
            ("token_error_code", self.token_error_code),
            ("auth_error_code", self.auth_error_code),
            ("validation_error_code", self.validation_error_code),
            ("not_found_code", self.not_found_code),
        ];
        for (field, code) in codes {
            if code == 0 {
                return Err(config_error(field, "Ferma's error codes are never 0"));
            }
        }
        Ok(())
    }
}

/// The Ferma emulator. See the module docs.
#[derive(Debug)]
pub struct FermaEmulator;

impl FermaEmulator {
    /// Binds `127.0.0.1:<config.port>` (plain HTTP) and serves until the handle is shut down or
    /// dropped. Must be called inside a tokio runtime.
    pub async fn start(config: FermaConfig) -> Result<FermaHandle, EmulatorError> {
        config.check()?;
        let port = config.port;
        let served = Served::start(port, service::Ferma::new(config), None).await?;
        Ok(FermaHandle { served })
    }
}

/// A running Ferma emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct FermaHandle {
    served: Served<service::Ferma>,
}

handle_api!(FermaHandle, "receipts");

impl FermaHandle {
    /// `http://127.0.0.1:<port>/api`, the API root.
    pub fn base_url(&self) -> String {
        format!("http://{}/api", self.served.addr())
    }

    /// Makes every token issued so far expired (the token error on next use).
    pub fn expire_tokens(&self) {
        self.served.state.expire_tokens();
    }

    /// How many tokens `CreateAuthToken` issued.
    pub fn tokens_issued(&self) -> usize {
        self.served.state.tokens_issued()
    }
}
