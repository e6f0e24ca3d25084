//! The settings of a Ferma account ([`FermaConfig`]) and the public hosts and test logins.

use crate::error::ProviderError;
use crate::http::{self, HttpConfig};
use crate::provider::InDoubtResolution;
use crate::secret::Secret;
use fiskal_ffd::FfdVersion;
use std::fmt;
use std::time::Duration;

/// `https://ferma.ofd.ru/api` (F1 §2).
pub const PRODUCTION_URL: &str = "https://ferma.ofd.ru/api";
/// `https://ferma-test.ofd.ru/api` («Тестовое API Ferma», F1 §5.2, as quoted by public clients).
pub const TEST_URL: &str = "https://ferma-test.ofd.ru/api";
/// Public test login of the ФФД 1.05/1.1 register (F1 §5.2 as quoted by public clients).
pub const TEST_LOGIN_FFD_1_05: &str = "fermatest1";
/// Its password (public).
pub const TEST_PASSWORD_FFD_1_05: &str = "Hjsf3321klsadfAA";
/// Public test login of the ФФД 1.2 register.
pub const TEST_LOGIN_FFD_1_2: &str = "fermatest2";
/// Its password (public).
pub const TEST_PASSWORD_FFD_1_2: &str = "Go2999483Mb";

/// How `MarkingCodeData.Type` is written: the spellings differ between the public clients and
/// the field is optional, so by default it is left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum MarkTypeNames {
    /// Not sent (default): Ferma reads the kind from the code.
    #[default]
    Omitted,
    /// `EAN13`, `GS1M`, `SHORT_MC`, `EGAIS20` … (a TypeScript client of Ferma API 2.84).
    Compact,
    /// `EAN_13`, `GS_1M`, `SHORT`, `EGAIS_20` … (another client).
    Underscored,
}

/// Settings of a Ferma account.
#[derive(Clone)]
#[non_exhaustive]
pub struct FermaConfig {
    /// The API root, `…/api` ([`PRODUCTION_URL`], [`TEST_URL`], an emulator's).
    pub base_url: String,
    /// `Login` of `CreateAuthToken`.
    pub login: String,
    /// `Password` (a secret).
    pub password: Secret,
    /// The ФФД version of the account's register (receipts of another version are refused).
    pub ffd: FfdVersion,
    /// Network settings.
    pub http: HttpConfig,
    /// Fetch a new token this long before `ExpirationDateUtc` (default 60 s, as public clients
    /// do).
    pub token_refresh_margin: Duration,
    /// How an in-doubt send is settled (default [`InDoubtResolution::ResendSameId`]).
    pub in_doubt: InDoubtResolution,
    /// Look a receipt up by `InvoiceId` when its `ReceiptId` is not known (default true: the
    /// request shape is in public clients, not in a readable copy of the document).
    pub status_by_invoice_id: bool,
    /// `Error.Code`s that mean "this `InvoiceId` exists already" (default `[1019]`, from one
    /// public client; the error table is not published).
    pub duplicate_codes: Vec<i64>,
    /// `Error.Code`s that mean the credentials or token are refused (default none known).
    pub auth_error_codes: Vec<i64>,
    /// `Error.Code`s of a status lookup that mean "no such receipt" (default none known: a
    /// failed lookup is then [`Outcome::RetryLater`](crate::Outcome::RetryLater)).
    pub not_found_codes: Vec<i64>,
    /// Send `Vat22` / `CalculatedVat22122` for 22 % and 22/122 (default true; the names come
    /// from one unreviewed client of Ferma API 2.84).
    pub vat22: bool,
    /// `CustomerReceipt.KktFA` (an ФА-type register); `None` = not sent (default).
    pub kkt_fa: Option<bool>,
    /// How `MarkingCodeData.Type` is written (default [`MarkTypeNames::Omitted`]).
    pub mark_type_names: MarkTypeNames,
    /// The longest `InvoiceId` sent (default 64; Ferma's limit is not published).
    pub max_invoice_id_chars: usize,
    /// Validate receipts with fiskal-ffd before sending (default true).
    pub validate_receipts: bool,
}

impl fmt::Debug for FermaConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FermaConfig")
            .field("base_url", &self.base_url)
            .field("login", &self.login)
            .field("password", &self.password)
            .field("ffd", &self.ffd)
            .finish_non_exhaustive()
    }
}

impl FermaConfig {
    /// An account: API root, login, password and the register's ФФД version; every other
    /// setting at its default.
    pub fn new(
        base_url: impl Into<String>,
        login: impl Into<String>,
        password: impl Into<Secret>,
        ffd: FfdVersion,
    ) -> FermaConfig {
        FermaConfig {
            base_url: base_url.into(),
            login: login.into(),
            password: password.into(),
            ffd,
            http: HttpConfig::default(),
            token_refresh_margin: Duration::from_secs(60),
            in_doubt: InDoubtResolution::ResendSameId,
            status_by_invoice_id: true,
            duplicate_codes: vec![1019],
            auth_error_codes: Vec::new(),
            not_found_codes: Vec::new(),
            vat22: true,
            kkt_fa: None,
            mark_type_names: MarkTypeNames::Omitted,
            max_invoice_id_chars: 64,
            validate_receipts: true,
        }
    }

    /// The public test account of the ФФД 1.05/1.1 register at [`TEST_URL`].
    pub fn test_ffd_1_05() -> FermaConfig {
        FermaConfig::new(
            TEST_URL,
            TEST_LOGIN_FFD_1_05,
            TEST_PASSWORD_FFD_1_05,
            FfdVersion::V105,
        )
    }

    /// The public test account of the ФФД 1.2 register at [`TEST_URL`].
    pub fn test_ffd_1_2() -> FermaConfig {
        FermaConfig::new(
            TEST_URL,
            TEST_LOGIN_FFD_1_2,
            TEST_PASSWORD_FFD_1_2,
            FfdVersion::V12,
        )
    }

    /// Checks every value.
    ///
    /// # Errors
    /// [`ProviderError::Config`] naming the field.
    pub fn validate(&self) -> Result<(), ProviderError> {
        http::check_base_url(&self.base_url)?;
        let bad = |field: &'static str, message: &str| {
            Err(ProviderError::Config {
                field,
                message: message.to_owned(),
            })
        };
        if self.login.is_empty() {
            return bad("login", "must not be empty");
        }
        if self.password.is_empty() {
            return bad("password", "must not be empty");
        }
        if self.max_invoice_id_chars == 0 {
            return bad("max_invoice_id_chars", "must not be 0");
        }
        Ok(())
    }
}
