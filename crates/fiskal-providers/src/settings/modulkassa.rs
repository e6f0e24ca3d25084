//! МодульКасса «API фискализации документов».

use super::shared::{renamed, required, yes, HttpSettings};
use super::source::SecretSource;
use crate::error::ProviderError;
use crate::modulkassa::{ModulKassaConfig, PRODUCTION_LEGACY_URL, PRODUCTION_URL, TEST_URL};
use serde::{Deserialize, Serialize};

/// Which МодульКасса host (`"preset"`): «API фискализации документов» 2.0, §1.6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ModulKassaPreset {
    /// `https://my.modulkassa.ru/api/fn`.
    Production,
    /// `https://service.modulpos.ru/api/fn`, the older production host (not in document 2.0).
    ProductionLegacy,
    /// `https://demo-fn.avanpos.com/fn`: every document "virtually fiscalised"; its
    /// associations are its own.
    Test,
}

/// `"provider": "modulkassa"`: one retail point's association (fields of
/// [`ModulKassaConfig`]). Get `user_name` / `password` once with `fiskal modulkassa associate`
/// (re-associating replaces the password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ModulKassaSettings {
    /// The host; gives the base URL unless `base_url` is set. One of the two is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<ModulKassaPreset>,
    /// The service root (`…/api/fn`); overrides the preset's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// The association's `userName`. Required.
    pub user_name: String,
    /// The association's `password` (a secret). Required.
    pub password: SecretSource,
    /// Validate receipts before sending (default true).
    #[serde(default = "yes")]
    pub validate_receipts: bool,
    /// Send `vatTag` 1109–1114 for 5/7/22 % and their calculated rates (default true; not in
    /// the vendor's document 2.0).
    #[serde(default = "yes")]
    pub unconfirmed_vat_tags: bool,
    /// Send a discounted line as `price` + `discSum` (default false: the discounted unit
    /// price, when it is whole kopecks).
    #[serde(default)]
    pub disc_sum: bool,
    /// `email` when the receipt has no buyer contact; absent = such a receipt is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_email: Option<String>,
    /// `printReceipt` (default false).
    #[serde(default)]
    pub print_receipt: bool,
    /// The shop's UTC offset in minutes for `checkoutDateTime` (default 180, Moscow).
    #[serde(default = "ModulKassaSettings::default_offset")]
    pub utc_offset_minutes: i16,
    /// A status call's HTTP 400 means "no such document" (default true; see
    /// [`ModulKassaConfig::status_400_is_not_found`]).
    #[serde(default = "yes")]
    pub status_400_is_not_found: bool,
    /// Timeouts and trust.
    #[serde(default)]
    pub http: HttpSettings,
}

impl ModulKassaSettings {
    fn default_offset() -> i16 {
        180
    }

    /// The [`ModulKassaConfig`] these settings describe, the password read, checked by
    /// [`ModulKassaConfig::validate`].
    ///
    /// # Errors
    /// [`ProviderError::Config`] naming the settings field.
    pub fn to_config(&self) -> Result<ModulKassaConfig, ProviderError> {
        let base_url = match (&self.base_url, self.preset) {
            (Some(url), _) => url.clone(),
            (None, Some(ModulKassaPreset::Production)) => PRODUCTION_URL.to_owned(),
            (None, Some(ModulKassaPreset::ProductionLegacy)) => PRODUCTION_LEGACY_URL.to_owned(),
            (None, Some(ModulKassaPreset::Test)) => TEST_URL.to_owned(),
            (None, None) => return Err(required("base_url", " (or a `preset`)")),
        };
        let password = self.password.resolve("password")?;
        let mut cfg = ModulKassaConfig::new(base_url, self.user_name.clone(), password);
        cfg.http = self.http.to_config()?;
        cfg.validate_receipts = self.validate_receipts;
        cfg.unconfirmed_vat_tags = self.unconfirmed_vat_tags;
        cfg.disc_sum = self.disc_sum;
        cfg.default_email = self.default_email.clone();
        cfg.print_receipt = self.print_receipt;
        cfg.utc_offset_minutes = self.utc_offset_minutes;
        cfg.status_400_is_not_found = self.status_400_is_not_found;
        cfg.validate().map_err(|e| renamed(e, MODULKASSA_RENAMES))?;
        Ok(cfg)
    }
}

/// [`ModulKassaConfig::validate`]'s field names → settings paths (they are the same).
pub(crate) const MODULKASSA_RENAMES: &[(&str, &str)] = &[];
