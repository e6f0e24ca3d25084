//! [`BusinessRuConfig`]: where the Open API is, who we are there, and the behaviours the
//! reference leaves open (each one a field, documented with its source).

use crate::error::ProviderError;
use crate::http::HttpConfig;
use crate::secret::Secret;
use fiskal_marks::provider::TypePrefix;
use std::time::Duration;

/// Open API, ФФД 1.05 (the vendor SDK, <https://github.com/business-ru/open-api-sdk-php>).
pub const PRODUCTION_V1_URL: &str = "https://check.business.ru/open-api/v1/";
/// Open API, ФФД 1.2.
pub const PRODUCTION_V2_URL: &str = "https://check.business.ru/open-api/v2/";
/// Open API test host of the 2017 vendor connector «OpenApiConnector» 1.0.0, ФФД 1.05.
pub const TEST_V1_URL: &str = "https://check-dev.business.ru/open-api/v1/";
/// Open API test host named by the 2022+ vendor SDK README, ФФД 1.05.
pub const TEST_CLASS365_V1_URL: &str = "https://check-dev.class365.ru/open-api/v1/";

/// The Open API version: it fixes the FFD version of the receipts (a v1 URL with an account
/// set up for ФФД 1.2, or the reverse, is answered 401 with `result`: the vendor SDK's commit
/// «Exception для ФФД 1.2», <https://github.com/business-ru/open-api-sdk-php>).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiVersion {
    /// `/open-api/v1/`: ФФД 1.05.
    V1,
    /// `/open-api/v2/`: ФФД 1.2 (its mark and measure fields are not published: see
    /// [`super`]).
    V2,
}

impl ApiVersion {
    /// The FFD version this API version carries.
    pub fn ffd(self) -> fiskal_ffd::FfdVersion {
        match self {
            ApiVersion::V1 => fiskal_ffd::FfdVersion::V105,
            ApiVersion::V2 => fiskal_ffd::FfdVersion::V12,
        }
    }
}

/// Configuration of a [`BusinessRuClient`](super::BusinessRuClient). `Debug` never shows the
/// secret.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct BusinessRuConfig {
    /// The API root including the version, e.g. `https://check.business.ru/open-api/v1/` (a
    /// trailing `/` is optional). `https://`, or `http://` on a loopback host (the emulator).
    pub base_url: String,
    /// The API version; must match `base_url` and the receipts' FFD version.
    pub api: ApiVersion,
    /// The integration's `app_id` (usually a UUID).
    pub app_id: String,
    /// The integration's secret key (32 characters in the account). Redacted in `Debug`.
    pub secret: Secret,
    /// Timeouts and TLS.
    pub http: HttpConfig,
    /// Whether tag 1162 (`goods[].nomenclature_code`) carries the 2-byte type code. Default
    /// [`TypePrefix::BUSINESS_RU_OPEN_API`] (omitted: the service is reported to prepend
    /// `44 4D` itself; not confirmed by a public source, configurable; see
    /// [`fiskal_marks::provider::business_ru_nomenclature_code`]).
    pub mark_type_prefix: TypePrefix,
    /// Name of the post-payment (1216) field in the command: `payed_credit` (default) or
    /// `payed_nextcredit`. **Not settled**: the API reference (SwaggerHub
    /// «Business.Ru/check.business.ru», linked from the vendor SDK's README) is not public, the
    /// vendor SDK <https://github.com/business-ru/open-api-sdk-php> shows only
    /// `payed_cashless`; one typed public client model names the field `payed_credit`, public
    /// request samples `payed_nextcredit`. The field is sent only when the receipt has a 1216
    /// amount, so only such receipts depend on this choice: confirm it on the test host (the
    /// 1216 amount on the OFD receipt) before relying on credit sales.
    pub credit_field: String,
    /// `author` (1021) when the receipt has no cashier. `None`: the field is left out.
    pub default_author: Option<String>,
    /// Send `nds_value` 5, 7 and 22 for 5 %, 7 % and 22 % (default true). Public clients show only
    /// 0, 18 and 20 (not confirmed by a public source for the others); the field is a percentage,
    /// and these rates are law, so they are sent; the service refuses an unknown value before
    /// anything is registered. `false` refuses them locally.
    pub unconfirmed_vat_rates: bool,
    /// Refresh the token after this age even if the service has not refused it. The first
    /// vendor SDK cached it for 83 000 s (≈ 23 h); its lifetime is not documented publicly.
    pub token_max_age: Duration,
    /// Validate each receipt with `fiskal_ffd::validate` before sending (default on).
    pub validate_receipts: bool,
    /// Whether a `GET Command/{id}` answer with a non-zero `result` and a `result_msg`, and
    /// without fiscal data, means the command failed ([`crate::Outcome::Rejected`],
    /// [`crate::RejectKind::Register`]). The codes are not documented publicly; default true.
    /// `false` reports such commands as pending.
    pub nonzero_result_is_failure: bool,
    /// Whether the in-doubt lookup (`GET Command?c_num=…`) also sends the date window
    /// `filter_date_create_from` / `filter_date_create_to` (default true). The parameter names
    /// are those public clients send (e.g. the PHP class
    /// `BusinessRU\Open\Api\Requests\DataCommandFilterRequest`); their value format is **inferred**
    /// (`YYYY-MM-DD HH:MM:SS`, Moscow time, as the records' `date_create`). The lookup walks
    /// every page either way, so a service that ignores the window only costs pages; turn it
    /// off if the service refuses the values.
    pub lookup_date_filter: bool,
    /// How far back before now the lookup window starts when this client did not itself send
    /// the document (e.g. after a restart; default 7 days). When it did, the window starts at
    /// its first send. Either way the window is widened by one day on both sides (clock and
    /// time-zone differences). Not zero.
    pub lookup_lookback: Duration,
    /// The most list pages one lookup reads (default 100). A lookup that reaches it without
    /// the end of the list is **incomplete**: the entry stays in doubt
    /// ([`crate::Outcome::RetryLater`]), it is never reported as not found. Not zero.
    pub lookup_max_pages: u32,
}

impl BusinessRuConfig {
    /// A configuration for this endpoint and integration, every other field at its default.
    pub fn new(
        api: ApiVersion,
        base_url: impl Into<String>,
        app_id: impl Into<String>,
        secret: impl Into<Secret>,
    ) -> BusinessRuConfig {
        BusinessRuConfig {
            base_url: base_url.into(),
            api,
            app_id: app_id.into(),
            secret: secret.into(),
            http: HttpConfig::default(),
            mark_type_prefix: TypePrefix::BUSINESS_RU_OPEN_API,
            credit_field: "payed_credit".into(),
            default_author: None,
            unconfirmed_vat_rates: true,
            token_max_age: Duration::from_secs(83_000),
            validate_receipts: true,
            nonzero_result_is_failure: true,
            lookup_date_filter: true,
            lookup_lookback: Duration::from_secs(7 * 24 * 3600),
            lookup_max_pages: 100,
        }
    }

    /// Production (`check.business.ru/open-api/v1/` or `/v2/`).
    pub fn production(
        api: ApiVersion,
        app_id: impl Into<String>,
        secret: impl Into<Secret>,
    ) -> BusinessRuConfig {
        let url = match api {
            ApiVersion::V1 => PRODUCTION_V1_URL,
            ApiVersion::V2 => PRODUCTION_V2_URL,
        };
        BusinessRuConfig::new(api, url, app_id, secret)
    }

    /// The test host `check-dev.business.ru/open-api/v1/` (ФФД 1.05) with your test
    /// integration's `app_id` and secret (no public test credentials are known). For the
    /// newer test host use [`TEST_CLASS365_V1_URL`] as `base_url`.
    pub fn test(app_id: impl Into<String>, secret: impl Into<Secret>) -> BusinessRuConfig {
        BusinessRuConfig::new(ApiVersion::V1, TEST_V1_URL, app_id, secret)
    }

    /// `base_url` without its trailing slashes.
    pub(crate) fn base(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }

    /// Checks every setting; the message never contains the secret.
    pub fn validate(&self) -> Result<(), ProviderError> {
        let err = |field: &'static str, message: &str| {
            Err(ProviderError::Config {
                field,
                message: message.to_owned(),
            })
        };
        crate::http::check_base_url(&self.base_url)?;
        let path_version = match self.api {
            ApiVersion::V1 => "/v1",
            ApiVersion::V2 => "/v2",
        };
        if !self.base().ends_with(path_version) {
            return err(
                "base_url",
                "its path must end with the API version (/v1 or /v2)",
            );
        }
        if self.app_id.is_empty()
            || self.app_id.len() > 128
            || !self.app_id.chars().all(|c| c.is_ascii_graphic())
        {
            return err("app_id", "must be 1-128 visible ASCII characters");
        }
        if self.secret.is_empty() || self.secret.expose().chars().any(char::is_control) {
            return err("secret", "must be non-empty, without control characters");
        }
        if !matches!(
            self.credit_field.as_str(),
            "payed_credit" | "payed_nextcredit"
        ) {
            return err("credit_field", "must be payed_credit or payed_nextcredit");
        }
        if self.token_max_age.is_zero() {
            return err("token_max_age", "must not be zero");
        }
        if self.lookup_lookback.is_zero() {
            return err("lookup_lookback", "must not be zero");
        }
        if self.lookup_max_pages == 0 {
            return err("lookup_max_pages", "must not be zero");
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

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn presets_are_valid() {
        for c in [
            BusinessRuConfig::test("app", SECRET),
            BusinessRuConfig::production(ApiVersion::V1, "app", SECRET),
            BusinessRuConfig::production(ApiVersion::V2, "app", SECRET),
            BusinessRuConfig::new(ApiVersion::V1, TEST_CLASS365_V1_URL, "app", SECRET),
        ] {
            assert_eq!(c.validate(), Ok(()), "{c:?}");
        }
        assert_eq!(
            BusinessRuConfig::test("a", SECRET).base(),
            "https://check-dev.business.ru/open-api/v1"
        );
    }

    #[test]
    fn bad_settings_are_reported_by_field_without_the_secret() {
        type Change = fn(&mut BusinessRuConfig);
        let cases: [(&str, Change); 9] = [
            ("base_url", |c| c.base_url = "ftp://x/v1".into()),
            ("base_url", |c| {
                c.base_url = "http://check.business.ru/open-api/v1/".into()
            }),
            ("base_url", |c| c.api = ApiVersion::V2),
            ("app_id", |c| c.app_id = "a b".into()),
            ("secret", |c| c.secret = Secret::new("")),
            ("credit_field", |c| c.credit_field = "credit".into()),
            ("token_max_age", |c| c.token_max_age = Duration::ZERO),
            ("lookup_lookback", |c| c.lookup_lookback = Duration::ZERO),
            ("lookup_max_pages", |c| c.lookup_max_pages = 0),
        ];
        for (field, change) in cases {
            let mut c = BusinessRuConfig::test("app", SECRET);
            change(&mut c);
            match c.validate() {
                Err(ProviderError::Config { field: f, message }) => {
                    assert_eq!(f, field);
                    assert!(!message.contains(SECRET));
                }
                other => panic!("{field}: {other:?}"),
            }
        }
        let mut c = BusinessRuConfig::test("app", SECRET);
        c.base_url = "http://127.0.0.1:9/open-api/v1/".into();
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn debug_hides_the_secret() {
        let text = format!("{:?}", BusinessRuConfig::test("app-1", SECRET));
        assert!(!text.contains(SECRET) && text.contains("app-1"), "{text}");
    }
}
