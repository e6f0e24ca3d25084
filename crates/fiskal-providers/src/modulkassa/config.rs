//! [`ModulKassaConfig`]: where the service is, the retail point's association credentials, and
//! the behaviours the public document leaves open (each one a field, documented with its
//! source).

use crate::error::ProviderError;
use crate::http::HttpConfig;
use crate::secret::Secret;

/// Production base URL: «API фискализации документов» 2.0, §1.6 «Подключение к API»
/// (<https://modulkassa.github.io/backend-api/fn>).
pub const PRODUCTION_URL: &str = "https://my.modulkassa.ru/api/fn";
/// The older production host, used by the vendor's own modules before 2021 and still answered
/// (not in document 2.0; both hosts are believed to serve the same service — an inference).
pub const PRODUCTION_LEGACY_URL: &str = "https://service.modulpos.ru/api/fn";
/// Test base URL: document 2.0, §1.6. Every document is "virtually fiscalised", always
/// successfully; associations made here are its own (credentials from `/associate` on this
/// host do not work in production, and the reverse).
pub const TEST_URL: &str = "https://demo-fn.avanpos.com/fn";

/// Configuration of a [`ModulKassaClient`](super::ModulKassaClient): the association
/// credentials of one retail point (`userName` / `password` from
/// [`associate`](super::associate)), sent as HTTP Basic on every call. `Debug` never shows the
/// password.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ModulKassaConfig {
    /// The service root, e.g. [`PRODUCTION_URL`] (a trailing `/` is optional). `https://`, or
    /// `http://` on a loopback host (the emulator).
    pub base_url: String,
    /// `userName` of the association (document 2.0, §3.1 RetailPointAssociation).
    pub user_name: String,
    /// `password` of the association. Re-associating the retail point replaces it
    /// (§2.1.1: «При повторном выполнении запроса пароль обновляется»).
    pub password: Secret,
    /// Timeouts and TLS.
    pub http: HttpConfig,
    /// Validate receipts with fiskal-ffd before sending (default true).
    pub validate_receipts: bool,
    /// Send `vatTag` 1109–1114 for 5 %, 7 %, 5/105, 7/107, 22 % and 22/122 (default true).
    /// **Not in document 2.0** (its list ends at 1107); the codes are the ones recent public
    /// integrations send (weak evidence, no vendor source). These rates are law and the service
    /// refuses an unknown `vatTag` before anything is registered, so they are sent; `false`
    /// refuses such receipts locally, naming the item's `vat`.
    pub unconfirmed_vat_tags: bool,
    /// What a discounted line (its `sum` 1043 is not `price` × `quantity`) becomes. `false`
    /// (default): the unit price is sent as `sum / quantity` when that is a whole number of
    /// kopecks, else the line is refused naming `items[i].sum`. `true`: `price` as given plus
    /// `discSum` = `price` × `quantity` − `sum`. Document 2.0 defines `discSum` only as «сумма
    /// скидки, примененной к позиции», and public integrations disagree on whether it is per
    /// unit or per line, so the default avoids it.
    pub disc_sum: bool,
    /// `email` is required by the service (§3.3); this address is sent when the receipt has no
    /// buyer contact (1008). `None` (default): such a receipt is refused naming
    /// `client.contact`.
    pub default_email: Option<String>,
    /// `printReceipt`: ask the register to print a paper receipt (default false).
    pub print_receipt: bool,
    /// The shop's offset from UTC in minutes for `checkoutDateTime` (ISO 8601 with offset;
    /// [`Submission::timestamp`](crate::Submission::timestamp) is local time). Default 180
    /// (Moscow).
    pub utc_offset_minutes: i16,
    /// How the status call's HTTP 400 is read. Document 2.0, §2.5.3 lists only 200, 400, 401
    /// and 403 for `GET /v1/doc/{id}/status`: no "not found" answer, so a document id the
    /// service does not hold can only be a 400 (an inference). `true` (default): a 400 (and a
    /// 404) there means the service never took the document, and an in-doubt send is sent
    /// again under the same id. `false`: only 404 does; a 400 leaves the entry in doubt
    /// (`stuck` at its deadline, for a person).
    pub status_400_is_not_found: bool,
}

impl ModulKassaConfig {
    /// A retail point's association at `base_url`; every behaviour at its default.
    pub fn new(
        base_url: impl Into<String>,
        user_name: impl Into<String>,
        password: impl Into<Secret>,
    ) -> ModulKassaConfig {
        ModulKassaConfig {
            base_url: base_url.into(),
            user_name: user_name.into(),
            password: password.into(),
            http: HttpConfig::default(),
            validate_receipts: true,
            unconfirmed_vat_tags: true,
            disc_sum: false,
            default_email: None,
            print_receipt: false,
            utc_offset_minutes: 180,
            status_400_is_not_found: true,
        }
    }

    /// The production service ([`PRODUCTION_URL`]).
    pub fn production(user_name: impl Into<String>, password: impl Into<Secret>) -> Self {
        ModulKassaConfig::new(PRODUCTION_URL, user_name, password)
    }

    /// The test service ([`TEST_URL`]), with an association made there.
    pub fn test(user_name: impl Into<String>, password: impl Into<Secret>) -> Self {
        ModulKassaConfig::new(TEST_URL, user_name, password)
    }

    /// The base URL without a trailing `/`.
    pub(crate) fn base(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }

    /// Checks every value; nothing is sent.
    ///
    /// # Errors
    /// [`ProviderError::Config`] naming the field.
    pub fn validate(&self) -> Result<(), ProviderError> {
        crate::http::check_base_url(&self.base_url)?;
        let bad = |field: &'static str, message: &str| ProviderError::Config {
            field,
            message: message.to_owned(),
        };
        if self.user_name.trim().is_empty() || self.user_name.contains(':') {
            return Err(bad(
                "user_name",
                "the association's userName: non-empty, without `:` (HTTP Basic)",
            ));
        }
        if self.user_name.chars().any(char::is_control) {
            return Err(bad("user_name", "control characters are not allowed"));
        }
        if self.password.is_empty() {
            return Err(bad("password", "the association's password: non-empty"));
        }
        if self.password.expose().chars().any(char::is_control) {
            return Err(bad("password", "control characters are not allowed"));
        }
        if let Some(e) = &self.default_email {
            let ok = e
                .split_once('@')
                .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty() && !d.contains('@'))
                && !e.chars().any(char::is_whitespace);
            if !ok {
                return Err(bad("default_email", "an e-mail address (`name@host`)"));
            }
        }
        if !(-720..=840).contains(&self.utc_offset_minutes) {
            return Err(bad(
                "utc_offset_minutes",
                "between -720 and 840 (UTC−12:00 … UTC+14:00)",
            ));
        }
        Ok(())
    }

    /// `+HH:MM` / `-HH:MM` of [`ModulKassaConfig::utc_offset_minutes`].
    pub(crate) fn offset_text(&self) -> String {
        let m = self.utc_offset_minutes;
        let sign = if m < 0 { '-' } else { '+' };
        let a = m.unsigned_abs();
        format!("{sign}{:02}:{:02}", a / 60, a % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_name_the_field_and_never_the_password() {
        let ok = ModulKassaConfig::test("4f4c789c-3863-41d3-aea9-c35b5a9e7f18", "12345AbcDe");
        assert_eq!(ok.validate(), Ok(()));
        assert!(!format!("{ok:?}").contains("12345AbcDe"));
        let field = |c: ModulKassaConfig| match c.validate() {
            Err(ProviderError::Config { field, message }) => {
                assert!(!message.contains("12345AbcDe"));
                field
            }
            other => panic!("{other:?}"),
        };
        let mut c = ok.clone();
        c.user_name = "a:b".into();
        assert_eq!(field(c), "user_name");
        let mut c = ok.clone();
        c.password = Secret::new("");
        assert_eq!(field(c), "password");
        let mut c = ok.clone();
        c.base_url = "http://modulkassa.example/api/fn".into();
        assert_eq!(field(c), "base_url");
        let mut c = ok.clone();
        c.default_email = Some("shop".into());
        assert_eq!(field(c), "default_email");
        let mut c = ok;
        c.utc_offset_minutes = 900;
        assert_eq!(field(c), "utc_offset_minutes");
    }

    #[test]
    fn offsets() {
        let mut c = ModulKassaConfig::test("u", "p");
        assert_eq!(c.offset_text(), "+03:00");
        c.utc_offset_minutes = -90;
        assert_eq!(c.offset_text(), "-01:30");
        c.utc_offset_minutes = 420;
        assert_eq!(c.offset_text(), "+07:00");
    }
}
