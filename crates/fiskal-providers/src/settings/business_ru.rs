//! Business.ru Open API.

use super::shared::{renamed, required, yes, HttpSettings};
use super::source::SecretSource;
use crate::business_ru::{ApiVersion, BusinessRuConfig};
use crate::error::ProviderError;
use fiskal_marks::TypePrefix;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Which Business.ru Open API host (`"preset"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BusinessRuPreset {
    /// `https://check.business.ru/open-api/v1/` or `/v2/`.
    Production,
    /// `https://check-dev.business.ru/open-api/v1/` (v1 only).
    Test,
    /// `https://check-dev.class365.ru/open-api/v1/` (v1 only).
    TestClass365,
}

/// `"provider": "business_ru"`: the Business.ru «Онлайн-чеки» Open API (fields of
/// [`BusinessRuConfig`]). For its ATOL-compatible endpoints use `"provider": "atol"` with the
/// `business_ru` presets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct BusinessRuSettings {
    /// `"v1"` (ФФД 1.05) or `"v2"` (ФФД 1.2). Required.
    #[serde(with = "super::shared::business_ru_api")]
    pub api: ApiVersion,
    /// The host; gives the base URL unless `base_url` is set. One of the two is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<BusinessRuPreset>,
    /// The API root including the version (`…/open-api/v1/`); overrides the preset's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// The integration's `app_id`. Required.
    pub app_id: String,
    /// The integration's secret key (a secret). Required.
    pub secret: SecretSource,
    /// `"omitted"` (default) or `"included"`: the 2-byte type code in tag 1162.
    #[serde(
        with = "super::shared::type_prefix",
        default = "BusinessRuSettings::default_prefix"
    )]
    pub mark_type_prefix: TypePrefix,
    /// Removed: the service checks the sign over raw (unescaped) text only (docs
    /// `provider-settings.md`). Kept as a key so that an old file naming it gets a clear error:
    /// `"raw"` is accepted and changes nothing, anything else is refused by
    /// [`BusinessRuSettings::to_config`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    unicode: Option<String>,
    /// `"payed_credit"` (default) or `"payed_nextcredit"` (not settled by a public source).
    #[serde(default = "BusinessRuSettings::default_credit_field")]
    pub credit_field: String,
    /// `author` (1021) when the receipt has no cashier; absent = left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_author: Option<String>,
    /// Send `nds_value` 5, 7 and 22 (default true).
    #[serde(default = "yes")]
    pub unconfirmed_vat_rates: bool,
    /// Refresh the token after this many seconds (default 83 000; not 0).
    #[serde(default = "BusinessRuSettings::default_token_max_age_secs")]
    pub token_max_age_secs: u64,
    /// Validate receipts before sending (default true).
    #[serde(default = "yes")]
    pub validate_receipts: bool,
    /// A non-zero `result` without fiscal data means the command failed (default true).
    #[serde(default = "yes")]
    pub nonzero_result_is_failure: bool,
    /// The in-doubt lookup sends a date window (default true).
    #[serde(default = "yes")]
    pub lookup_date_filter: bool,
    /// How far back the lookup window reaches for a document this process did not send,
    /// seconds (default 604 800 = 7 days; not 0).
    #[serde(default = "BusinessRuSettings::default_lookup_lookback_secs")]
    pub lookup_lookback_secs: u64,
    /// The most list pages one lookup reads before it counts as incomplete (default 100; not
    /// 0).
    #[serde(default = "BusinessRuSettings::default_lookup_max_pages")]
    pub lookup_max_pages: u32,
    /// Timeouts and trust.
    #[serde(default)]
    pub http: HttpSettings,
}

impl BusinessRuSettings {
    fn default_prefix() -> TypePrefix {
        TypePrefix::BUSINESS_RU_OPEN_API
    }
    fn default_credit_field() -> String {
        "payed_credit".into()
    }
    fn default_token_max_age_secs() -> u64 {
        83_000
    }
    fn default_lookup_lookback_secs() -> u64 {
        7 * 24 * 3600
    }
    fn default_lookup_max_pages() -> u32 {
        100
    }

    /// The [`BusinessRuConfig`] these settings describe, the secret read, checked by
    /// [`BusinessRuConfig::validate`].
    ///
    /// # Errors
    /// [`ProviderError::Config`] naming the settings field.
    pub fn to_config(&self) -> Result<BusinessRuConfig, ProviderError> {
        use crate::business_ru::{
            PRODUCTION_V1_URL, PRODUCTION_V2_URL, TEST_CLASS365_V1_URL, TEST_V1_URL,
        };
        let preset_url = match (self.preset, self.api) {
            (None, _) => None,
            (Some(BusinessRuPreset::Production), ApiVersion::V1) => Some(PRODUCTION_V1_URL),
            (Some(BusinessRuPreset::Production), ApiVersion::V2) => Some(PRODUCTION_V2_URL),
            (Some(BusinessRuPreset::Test), ApiVersion::V1) => Some(TEST_V1_URL),
            (Some(BusinessRuPreset::TestClass365), ApiVersion::V1) => Some(TEST_CLASS365_V1_URL),
            (Some(_), ApiVersion::V2) if self.base_url.is_none() => {
                return Err(ProviderError::Config {
                    field: "preset",
                    message: "no v2 (ФФД 1.2) test host is known: give `base_url`".into(),
                })
            }
            (Some(_), ApiVersion::V2) => None,
        };
        let base_url = match (&self.base_url, preset_url) {
            (Some(url), _) => url.clone(),
            (None, Some(url)) => url.to_owned(),
            (None, None) => return Err(required("base_url", " (or a `preset`)")),
        };
        match self.unicode.as_deref() {
            None | Some("raw") => {}
            Some(other) => {
                return Err(ProviderError::Config {
                    field: "unicode",
                    message: format!(
                        "the setting `unicode = {other:?}` was removed: Business.ru checks the \
                         sign over raw (unescaped) text, so an escaped sign refuses every \
                         receipt with Cyrillic text; delete the `unicode` key"
                    ),
                })
            }
        }
        let secret = self.secret.resolve("secret")?;
        let mut cfg = BusinessRuConfig::new(self.api, base_url, self.app_id.clone(), secret);
        cfg.http = self.http.to_config()?;
        cfg.mark_type_prefix = self.mark_type_prefix;
        cfg.credit_field = self.credit_field.clone();
        cfg.default_author = self.default_author.clone();
        cfg.unconfirmed_vat_rates = self.unconfirmed_vat_rates;
        cfg.token_max_age = Duration::from_secs(self.token_max_age_secs);
        cfg.validate_receipts = self.validate_receipts;
        cfg.nonzero_result_is_failure = self.nonzero_result_is_failure;
        cfg.lookup_date_filter = self.lookup_date_filter;
        cfg.lookup_lookback = Duration::from_secs(self.lookup_lookback_secs);
        cfg.lookup_max_pages = self.lookup_max_pages;
        cfg.validate()
            .map_err(|e| renamed(e, BUSINESS_RU_RENAMES))?;
        Ok(cfg)
    }
}

/// [`BusinessRuConfig::validate`]'s field names → settings paths.
pub(crate) const BUSINESS_RU_RENAMES: &[(&str, &str)] = &[
    ("token_max_age", "token_max_age_secs"),
    ("lookup_lookback", "lookup_lookback_secs"),
];

#[cfg(test)]
mod tests {
    use super::super::ProviderSettings;
    use crate::error::ProviderError;

    fn with_unicode(value: &str) -> Result<(), ProviderError> {
        let text = format!(
            r#"{{"provider": "business_ru", "api": "v1", "preset": "test", "app_id": "a",
                "secret": "0123456789abcdef0123456789abcdef", "unicode": "{value}"}}"#
        );
        ProviderSettings::from_json(&text)?.validate()
    }

    /// `unicode = "escaped"` is refused with the reason and what to do; `"raw"`, the only
    /// behaviour there is, still reads.
    #[test]
    fn the_removed_unicode_setting_is_refused_unless_raw() {
        assert_eq!(with_unicode("raw"), Ok(()));
        for value in ["escaped", "utf8"] {
            match with_unicode(value) {
                Err(ProviderError::Config { field, message }) => {
                    assert_eq!(field, "unicode");
                    assert!(
                        message.contains("removed") && message.contains("delete the `unicode` key"),
                        "{message}"
                    );
                }
                other => panic!("{value}: {other:?}"),
            }
        }
    }
}
