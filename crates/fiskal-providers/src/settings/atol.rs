//! ATOL Online (and Business.ru's ATOL-compatible endpoints).

use super::shared::{renamed, required, yes, HttpSettings, PaymentTypesDef};
use super::source::SecretSource;
use crate::atol::{AtolConfig, AtolFlavor, AtolVersion, PaymentTypes};
use crate::error::ProviderError;
use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Which ATOL-protocol service (`"preset"`): it fixes the base URL (per `api`) and the flavor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AtolPreset {
    /// ATOL Online production (`online.atol.ru/possystem/v4|v5/`).
    Production,
    /// ATOL Online's public test group (`testonline.atol.ru`); `login`, `password` and
    /// `group_code` default to the published test credentials.
    Test,
    /// Business.ru's ATOL-compatible service (`check.business.ru/api-bitrix24/v4/`,
    /// `check.class365.ru/api-bitrix24/v5/`).
    BusinessRu,
    /// Business.ru's ATOL-compatible test service (`check-alpha.class365.ru`).
    BusinessRuTest,
}

/// `"provider": "atol"`: ATOL Online API v4/v5 or a Business.ru ATOL-compatible endpoint
/// (fields of [`AtolConfig`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AtolSettings {
    /// `"v4"` (ФФД 1.05) or `"v5"` (ФФД 1.2). Required.
    #[serde(with = "super::shared::atol_api")]
    pub api: AtolVersion,
    /// The service; gives the base URL unless `base_url` is set. One of the two is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<AtolPreset>,
    /// The API root including the version (`…/possystem/v5/`); overrides the preset's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// `getToken` login. Required except with the `test` preset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    /// `getToken` password (a secret). Required except with the `test` preset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<SecretSource>,
    /// The group of registers. Required except with the `test` preset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_code: Option<String>,
    /// Integrator name sent as `getToken.source`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// ATOL `payments[].type` per payment kind (defaults 0–4).
    #[serde(with = "PaymentTypesDef", default)]
    pub payment_types: PaymentTypes,
    /// Minimum time between two report requests, ms (default 1000; 0 turns pacing off).
    #[serde(default = "AtolSettings::default_report_interval_ms")]
    pub report_interval_ms: u64,
    /// Validate receipts before sending (default true).
    #[serde(default = "yes")]
    pub validate_receipts: bool,
    /// Most items per receipt (default 100).
    #[serde(default = "AtolSettings::default_max_items")]
    pub max_items: usize,
    /// Most decimals of a quantity (default 3).
    #[serde(default = "AtolSettings::default_max_quantity_decimals")]
    pub max_quantity_decimals: u32,
    /// Allow the 2025–2026 VAT rates through API v4 (default true).
    #[serde(default = "yes")]
    pub v4_new_vat_rates: bool,
    /// v5 `ism_optional`; absent = not sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ism_optional: Option<bool>,
    /// A queue timeout is "retry later" instead of "rejected" (default false).
    #[serde(default)]
    pub queue_timeout_is_retry: bool,
    /// Timeouts and trust.
    #[serde(default)]
    pub http: HttpSettings,
}

impl AtolSettings {
    fn default_report_interval_ms() -> u64 {
        1000
    }
    fn default_max_items() -> usize {
        100
    }
    fn default_max_quantity_decimals() -> u32 {
        3
    }

    /// The [`AtolConfig`] these settings describe, secrets read, checked by
    /// [`AtolConfig::validate`].
    ///
    /// # Errors
    /// [`ProviderError::Config`] naming the settings field.
    pub fn to_config(&self) -> Result<AtolConfig, ProviderError> {
        use AtolVersion::{V4, V5};
        let (preset_url, flavor) = match (self.preset, self.api) {
            (None, _) => (None, AtolFlavor::Atol),
            (Some(AtolPreset::Production), V4) => {
                (Some(crate::atol::PRODUCTION_V4_URL), AtolFlavor::Atol)
            }
            (Some(AtolPreset::Production), V5) => {
                (Some(crate::atol::PRODUCTION_V5_URL), AtolFlavor::Atol)
            }
            (Some(AtolPreset::Test), V4) => (Some(crate::atol::TEST_V4_URL), AtolFlavor::Atol),
            (Some(AtolPreset::Test), V5) => (Some(crate::atol::TEST_V5_URL), AtolFlavor::Atol),
            (Some(AtolPreset::BusinessRu), V4) => (
                Some(crate::atol::BUSINESS_RU_V4_URL),
                AtolFlavor::BusinessRu,
            ),
            (Some(AtolPreset::BusinessRu), V5) => (
                Some(crate::atol::BUSINESS_RU_V5_URL),
                AtolFlavor::BusinessRu,
            ),
            (Some(AtolPreset::BusinessRuTest), V4) => (
                Some(crate::atol::BUSINESS_RU_TEST_V4_URL),
                AtolFlavor::BusinessRu,
            ),
            (Some(AtolPreset::BusinessRuTest), V5) => (
                Some(crate::atol::BUSINESS_RU_TEST_V5_URL),
                AtolFlavor::BusinessRu,
            ),
        };
        let base_url = match (&self.base_url, preset_url) {
            (Some(url), _) => url.clone(),
            (None, Some(url)) => url.to_owned(),
            (None, None) => return Err(required("base_url", " (or a `preset`)")),
        };
        let test = self.preset == Some(AtolPreset::Test);
        let mut cfg = match (test, self.api) {
            (true, V4) => AtolConfig::test_v4(),
            (true, V5) => AtolConfig::test_v5(),
            (false, _) => AtolConfig::new(self.api, "", "", Secret::new(""), ""),
        };
        let why = " (only the `test` preset has default credentials)";
        cfg.base_url = base_url;
        cfg.flavor = flavor;
        match &self.login {
            Some(l) => cfg.login = l.clone(),
            None if !test => return Err(required("login", why)),
            None => {}
        }
        match &self.password {
            Some(p) => cfg.pass = p.resolve("password")?,
            None if !test => return Err(required("password", why)),
            None => {}
        }
        match &self.group_code {
            Some(g) => cfg.group_code = g.clone(),
            None if !test => return Err(required("group_code", why)),
            None => {}
        }
        cfg.source = self.source.clone();
        cfg.http = self.http.to_config()?;
        cfg.payment_types = self.payment_types;
        cfg.report_interval = Duration::from_millis(self.report_interval_ms);
        cfg.validate_receipts = self.validate_receipts;
        cfg.max_items = self.max_items;
        cfg.max_quantity_decimals = self.max_quantity_decimals;
        cfg.v4_new_vat_rates = self.v4_new_vat_rates;
        cfg.ism_optional = self.ism_optional;
        cfg.queue_timeout_is_retry = self.queue_timeout_is_retry;
        cfg.validate().map_err(|e| renamed(e, ATOL_RENAMES))?;
        Ok(cfg)
    }
}

/// [`AtolConfig::validate`]'s field names → settings paths.
pub(crate) const ATOL_RENAMES: &[(&str, &str)] = &[
    ("pass", "password"),
    ("report_interval", "report_interval_ms"),
];
