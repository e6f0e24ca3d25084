//! [`AtolConfig`]: where the ATOL-protocol service is, who we are there, and the few behaviours
//! ATOL's public documents leave open (each one a field, documented with its source).
//!
//! "ATOL v4 doc" below is «АТОЛ Онлайн. Описание протокола v4 (ФФД 1.05)», doc version 5.15 of
//! 29.05.2023, <https://online.atol.ru/files/API_atol_online_v4.pdf>. No public copy of the v5
//! protocol was found; v5 facts come from clients that quote it
//! (<https://github.com/ili/atol-online>, <https://github.com/sushi-market/atol-online-sdk>).

use crate::error::ProviderError;
use crate::http::HttpConfig;
use crate::secret::Secret;
use std::time::Duration;

/// ATOL Online production, API v4 (ФФД 1.05) (ATOL v4 doc 5.15).
pub const PRODUCTION_V4_URL: &str = "https://online.atol.ru/possystem/v4/";
/// ATOL Online production, API v5 (ФФД 1.2).
pub const PRODUCTION_V5_URL: &str = "https://online.atol.ru/possystem/v5/";
/// ATOL Online test environment, API v4.
pub const TEST_V4_URL: &str = "https://testonline.atol.ru/possystem/v4/";
/// ATOL Online test environment, API v5.
pub const TEST_V5_URL: &str = "https://testonline.atol.ru/possystem/v5/";

/// Business.ru ATOL-compatible endpoint, ФФД 1.05 (the URL of Bitrix's Business.ru cashbox,
/// `modules/sale/lib/cashbox/cashboxbusinessru.php` in
/// <https://github.com/avshatalov48/bitrix-core-business>).
pub const BUSINESS_RU_V4_URL: &str = "https://check.business.ru/api-bitrix24/v4/";
/// Business.ru ATOL-compatible endpoint, ФФД 1.2.
pub const BUSINESS_RU_V5_URL: &str = "https://check.class365.ru/api-bitrix24/v5/";
/// Business.ru ATOL-compatible test endpoint, ФФД 1.05.
pub const BUSINESS_RU_TEST_V4_URL: &str = "https://check-alpha.class365.ru/api-bitrix24/v4/";
/// Business.ru ATOL-compatible test endpoint, ФФД 1.2.
pub const BUSINESS_RU_TEST_V5_URL: &str = "https://check-alpha.class365.ru/api-bitrix24/v5/";
/// Business.ru's ATOL-compatible endpoint of the RBK.money integration (ФФД 1.05); use it with
/// [`AtolConfig::new`] and [`AtolFlavor::BusinessRu`] if your account lives there.
pub const BUSINESS_RU_RBKMONEY_V4_URL: &str = "https://check.business.ru/api-rbkmoney/v4/";

/// The ИНН of the public test group (both versions): receipts sent with the test presets must
/// carry it in `company.inn`, or the report fails with code 2009.
pub const TEST_COMPANY_INN: &str = "5544332219";
/// `company.payment_address` (1187) of the public v4 test group.
pub const TEST_PAYMENT_ADDRESS_V4: &str = "https://v4.online.atol.ru";
/// `company.payment_address` (1187) of the public v5 test group.
pub const TEST_PAYMENT_ADDRESS_V5: &str = "https://v5.online.atol.ru";

/// The protocol version: it fixes the FFD version of the receipts and the URL path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AtolVersion {
    /// API v4: ФФД 1.05 receipts.
    V4,
    /// API v5: ФФД 1.2 receipts.
    V5,
}

impl AtolVersion {
    /// The FFD version this API version carries.
    pub fn ffd(self) -> fiskal_ffd::FfdVersion {
        match self {
            AtolVersion::V4 => fiskal_ffd::FfdVersion::V105,
            AtolVersion::V5 => fiskal_ffd::FfdVersion::V12,
        }
    }
}

/// Who runs the ATOL-protocol service. Only the provider name in logs and errors depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AtolFlavor {
    /// ATOL Online itself.
    Atol,
    /// Business.ru «Онлайн-чеки», ATOL-compatible endpoints (as used by Bitrix's
    /// `cashboxbusinessru*.php` and the vendor's
    /// <https://github.com/business-ru/atol-api-sdk-php>).
    BusinessRu,
}

/// The ATOL `payments[].type` (0–9) sent for each of the receipt's five payment kinds.
///
/// Default (ATOL v4 doc 5.15, Table 2, `payments.type`): cash (1031) → `0`, electronic
/// (1081) → `1`, prepaid (1215) → `2`, credit (1216) → `3`, consideration (1217) → `4`. Types
/// `5`–`9` are "extended" kinds that the ATOL cabinet maps onto one of the fiscal kinds; set a
/// field to one of them if your cabinet is configured that way (e.g. `electronic: 5` for a
/// separately labelled card type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct PaymentTypes {
    /// Type for 1031 наличными.
    pub cash: u8,
    /// Type for 1081 безналичными.
    pub electronic: u8,
    /// Type for 1215 предоплатой (зачётом аванса).
    pub prepaid: u8,
    /// Type for 1216 постоплатой (в кредит).
    pub credit: u8,
    /// Type for 1217 встречным предоставлением.
    pub consideration: u8,
}

impl Default for PaymentTypes {
    fn default() -> Self {
        PaymentTypes {
            cash: 0,
            electronic: 1,
            prepaid: 2,
            credit: 3,
            consideration: 4,
        }
    }
}

impl PaymentTypes {
    /// The five types in the order of [`fiskal_ffd::model::Payments::by_tag`].
    pub(crate) fn in_tag_order(&self) -> [u8; 5] {
        [
            self.cash,
            self.electronic,
            self.prepaid,
            self.credit,
            self.consideration,
        ]
    }
}

/// Configuration of an [`AtolClient`](super::AtolClient).
///
/// Build one from a preset ([`AtolConfig::test_v4`], [`AtolConfig::production`],
/// [`AtolConfig::business_ru`] …) and change the public fields; [`AtolConfig::validate`] (called
/// by [`AtolClient::new`](super::AtolClient::new)) checks it. `Debug` never shows the password.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AtolConfig {
    /// The API root including the version, e.g. `https://online.atol.ru/possystem/v4/` (a
    /// trailing `/` is optional). Must be `https://`, except on a loopback host (tests, the
    /// emulator), where `http://` is allowed.
    pub base_url: String,
    /// The protocol version; must match the path of `base_url` and the receipts' FFD version.
    pub version: AtolVersion,
    /// ATOL itself or Business.ru's compatible endpoints.
    pub flavor: AtolFlavor,
    /// `getToken` login (≤ 100 characters, no whitespace).
    pub login: String,
    /// `getToken` password (≤ 100 characters). Redacted in `Debug`.
    pub pass: Secret,
    /// The group of registers (`group_code`), the first path segment of every operation.
    pub group_code: String,
    /// Optional integrator name sent as `getToken.source` (≤ 100 of `[a-zA-Z0-9_\-@.]`).
    pub source: Option<String>,
    /// Timeouts and TLS.
    pub http: HttpConfig,
    /// ATOL payment type per payment kind (see [`PaymentTypes`]).
    pub payment_types: PaymentTypes,
    /// Minimum time between two `report` requests of this client (shared by its clones).
    ///
    /// ATOL allows one report request per second **per register of the group** (ATOL v4 doc
    /// 5.15, §6.3): 1 s is right for a group with one register; with `n` registers use `1 s / n`.
    /// Zero turns the limiter off (tests, the emulator).
    pub report_interval: Duration,
    /// Validate each receipt with `fiskal_ffd::validate` before sending (default on). Off only
    /// for receipts the caller has already validated.
    pub validate_receipts: bool,
    /// Most items per receipt. ATOL v4 documents 100 (ATOL v4 doc 5.15, Table 2); the v5 limit
    /// is not confirmed by a public source, so 100 is assumed for both. Larger carts must be split
    /// (fiskal-calc) before sending.
    pub max_items: usize,
    /// Most decimals of an item quantity. ATOL v4 documents 3 (`multipleOf 0.001`); for v5 the
    /// limit is not documented in the sources read, so 3 is assumed for both.
    pub max_quantity_decimals: u32,
    /// Whether the VAT rates added in 2025–2026 (`vat5`, `vat7`, `vat105`, `vat107`, `vat22`,
    /// `vat122`) may be sent through API **v4**. They are confirmed for v5 only by third-party
    /// SDKs (<https://github.com/sushi-market/atol-online-sdk> `src/V5`,
    /// <https://github.com/ili/atol-online>) and for v4 by no public source; default on because the
    /// rates are law for ФФД 1.05 registers too and ATOL answers an unknown rate with error 32
    /// (nothing registered). Turn off to refuse them locally.
    pub v4_new_vat_rates: bool,
    /// v5 `ism_optional` (seen in the v5 clients <https://github.com/sushi-market/atol-online-sdk>
    /// and <https://github.com/anthonyaxenov/atol-online>): register the receipt even if
    /// Честный ЗНАК did not answer the mark check in time. `None` (default) does not send the field
    /// (ATOL's default is `false`).
    pub ism_optional: Option<bool>,
    /// How a report `fail` with `error.type = "timeout"` (the queue wait of 300 s ran out) is
    /// reported. Default `false`: [`Outcome::Rejected`](crate::Outcome::Rejected) with
    /// [`RejectKind::Register`](crate::RejectKind::Register), to be sent again under a **new**
    /// document id — inferred from the `external_id` rules of ATOL v4 doc 5.15, §6.2 (not stated
    /// there, not confirmed by a public source): a failed document keeps its `external_id`, so
    /// resending the same id would only return the failed uuid again.
    /// `true`: [`Outcome::RetryLater`](crate::Outcome::RetryLater), for a service known to
    /// accept the same `external_id` again after a queue timeout.
    pub queue_timeout_is_retry: bool,
}

impl AtolConfig {
    /// A configuration with the given endpoint and credentials and every other field at its
    /// default.
    pub fn new(
        version: AtolVersion,
        base_url: impl Into<String>,
        login: impl Into<String>,
        pass: impl Into<Secret>,
        group_code: impl Into<String>,
    ) -> AtolConfig {
        AtolConfig {
            base_url: base_url.into(),
            version,
            flavor: AtolFlavor::Atol,
            login: login.into(),
            pass: pass.into(),
            group_code: group_code.into(),
            source: None,
            http: HttpConfig::default(),
            payment_types: PaymentTypes::default(),
            report_interval: Duration::from_secs(1),
            validate_receipts: true,
            max_items: 100,
            max_quantity_decimals: 3,
            v4_new_vat_rates: true,
            ism_optional: None,
            queue_timeout_is_retry: false,
        }
    }

    /// ATOL's public v4 (ФФД 1.05) test group with its published credentials (ATOL's
    /// `test_sreda.txt`, reproduced in <https://github.com/skodnik/atol-online> `docs/sandbox.md`
    /// and <https://github.com/anthonyaxenov/atol-online> `src/TestEnvParams.php`).
    /// Receipts must use [`TEST_COMPANY_INN`] and [`TEST_PAYMENT_ADDRESS_V4`].
    pub fn test_v4() -> AtolConfig {
        AtolConfig::new(
            AtolVersion::V4,
            TEST_V4_URL,
            "v4-online-atol-ru",
            "iGFFuihss",
            "v4-online-atol-ru_4179",
        )
    }

    /// ATOL's public v5 (ФФД 1.2) test group with its published credentials. Receipts must use
    /// [`TEST_COMPANY_INN`] and [`TEST_PAYMENT_ADDRESS_V5`].
    pub fn test_v5() -> AtolConfig {
        AtolConfig::new(
            AtolVersion::V5,
            TEST_V5_URL,
            "v5-online-atol-ru",
            "zUr0OxfI",
            "v5-online-atol-ru_5179",
        )
    }

    /// ATOL Online production.
    pub fn production(
        version: AtolVersion,
        login: impl Into<String>,
        pass: impl Into<Secret>,
        group_code: impl Into<String>,
    ) -> AtolConfig {
        let url = match version {
            AtolVersion::V4 => PRODUCTION_V4_URL,
            AtolVersion::V5 => PRODUCTION_V5_URL,
        };
        AtolConfig::new(version, url, login, pass, group_code)
    }

    /// Business.ru «Онлайн-чеки» through its ATOL-compatible endpoints (the URLs its Bitrix
    /// integration uses, Bitrix `modules/sale/lib/cashbox/cashboxbusinessru*.php`:
    /// `check.business.ru/api-bitrix24/v4`,
    /// `check.class365.ru/api-bitrix24/v5`). Same protocol, paths, token and errors as ATOL.
    /// Business.ru's own handlers send no corrections through these endpoints; whether the
    /// service accepts them is not known.
    pub fn business_ru(
        version: AtolVersion,
        login: impl Into<String>,
        pass: impl Into<Secret>,
        group_code: impl Into<String>,
    ) -> AtolConfig {
        let url = match version {
            AtolVersion::V4 => BUSINESS_RU_V4_URL,
            AtolVersion::V5 => BUSINESS_RU_V5_URL,
        };
        let mut c = AtolConfig::new(version, url, login, pass, group_code);
        c.flavor = AtolFlavor::BusinessRu;
        c
    }

    /// Business.ru's ATOL-compatible **test** endpoints (`check-alpha.class365.ru`).
    pub fn business_ru_test(
        version: AtolVersion,
        login: impl Into<String>,
        pass: impl Into<Secret>,
        group_code: impl Into<String>,
    ) -> AtolConfig {
        let mut c = AtolConfig::business_ru(version, login, pass, group_code);
        c.base_url = match version {
            AtolVersion::V4 => BUSINESS_RU_TEST_V4_URL,
            AtolVersion::V5 => BUSINESS_RU_TEST_V5_URL,
        }
        .to_owned();
        c
    }

    /// The provider name used in logs and errors: `atol_v4`, `atol_v5`, `business_ru_atol_v4`,
    /// `business_ru_atol_v5`.
    pub fn provider_name(&self) -> &'static str {
        match (self.flavor, self.version) {
            (AtolFlavor::Atol, AtolVersion::V4) => "atol_v4",
            (AtolFlavor::Atol, AtolVersion::V5) => "atol_v5",
            (AtolFlavor::BusinessRu, AtolVersion::V4) => "business_ru_atol_v4",
            (AtolFlavor::BusinessRu, AtolVersion::V5) => "business_ru_atol_v5",
        }
    }

    /// `base_url` without its trailing slashes.
    pub(crate) fn base(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }

    /// Checks every setting; the message never contains the password.
    pub fn validate(&self) -> Result<(), ProviderError> {
        let err = |field: &'static str, message: &str| {
            Err(ProviderError::Config {
                field,
                message: message.to_owned(),
            })
        };
        crate::http::check_base_url(&self.base_url)?;
        if self.login.is_empty()
            || self.login.chars().count() > 100
            || self.login.contains(char::is_whitespace)
        {
            return err("login", "must be 1-100 characters without whitespace");
        }
        if self.pass.is_empty() || self.pass.expose().chars().count() > 100 {
            return err("pass", "must be 1-100 characters");
        }
        if self.group_code.is_empty()
            || self.group_code.chars().count() > 256
            || !self
                .group_code
                .chars()
                .all(|c| c.is_ascii_graphic() && !matches!(c, '/' | '?' | '#' | '%' | '\\'))
        {
            return err(
                "group_code",
                "must be printable ASCII without / ? # % \\ or spaces",
            );
        }
        if let Some(s) = &self.source {
            if s.is_empty()
                || s.len() > 100
                || !s
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '@' | '.'))
            {
                return err("source", "must be 1-100 characters of [a-zA-Z0-9_-@.]");
            }
        }
        if self.payment_types.in_tag_order().iter().any(|t| *t > 9) {
            return err("payment_types", "ATOL payment types are 0-9");
        }
        if self.max_items == 0 {
            return err("max_items", "must be at least 1");
        }
        if self.max_quantity_decimals > 6 {
            return err("max_quantity_decimals", "must be at most 6");
        }
        if self.report_interval > Duration::from_secs(60) {
            return err("report_interval", "must be at most 60 s");
        }
        if self.http.timeout.is_zero() || self.http.connect_timeout.is_zero() {
            return err("http", "timeouts must not be zero");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid() {
        for c in [
            AtolConfig::test_v4(),
            AtolConfig::test_v5(),
            AtolConfig::production(AtolVersion::V4, "l", "p", "g"),
            AtolConfig::production(AtolVersion::V5, "l", "p", "g"),
            AtolConfig::business_ru(AtolVersion::V4, "l", "p", "1"),
            AtolConfig::business_ru_test(AtolVersion::V5, "l", "p", "1"),
        ] {
            assert_eq!(c.validate(), Ok(()), "{c:?}");
        }
        assert_eq!(
            AtolConfig::test_v4().base(),
            "https://testonline.atol.ru/possystem/v4"
        );
        assert_eq!(
            AtolConfig::business_ru(AtolVersion::V5, "l", "p", "1").provider_name(),
            "business_ru_atol_v5"
        );
    }

    #[test]
    fn bad_settings_are_reported_by_field_without_the_password() {
        type Change = fn(&mut AtolConfig);
        let cases: [(&str, Change); 9] = [
            ("base_url", |c| c.base_url = "ftp://x".into()),
            ("base_url", |c| {
                c.base_url = "http://online.atol.ru/possystem/v4".into()
            }),
            ("base_url", |c| c.base_url = "https://".into()),
            ("login", |c| c.login = "a b".into()),
            ("pass", |c| c.pass = Secret::new("")),
            ("group_code", |c| c.group_code = "a/b".into()),
            ("source", |c| c.source = Some("bad source".into())),
            ("payment_types", |c| c.payment_types.electronic = 10),
            ("max_items", |c| c.max_items = 0),
        ];
        for (field, change) in cases {
            let mut c = AtolConfig::test_v4();
            change(&mut c);
            match c.validate() {
                Err(ProviderError::Config { field: f, message }) => {
                    assert_eq!(f, field);
                    assert!(!message.contains("iGFFuihss"));
                }
                other => panic!("{field}: {other:?}"),
            }
        }
    }

    #[test]
    fn loopback_http_is_allowed() {
        for url in [
            "http://127.0.0.1:8080/possystem/v4/",
            "http://localhost/v4",
            "http://[::1]:1/v5",
        ] {
            let mut c = AtolConfig::test_v4();
            c.base_url = url.into();
            assert_eq!(c.validate(), Ok(()), "{url}");
        }
    }

    #[test]
    fn debug_hides_the_password() {
        let text = format!("{:?}", AtolConfig::test_v5());
        assert!(!text.contains("zUr0OxfI"));
        assert!(text.contains("v5-online-atol-ru_5179"));
    }
}
