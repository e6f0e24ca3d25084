//! OFD.ru Ferma.

use super::shared::{renamed, required, yes, HttpSettings};
use super::source::SecretSource;
use crate::error::ProviderError;
use crate::ferma::{FermaConfig, MarkTypeNames, PRODUCTION_URL, TEST_URL};
use crate::provider::InDoubtResolution;
use fiskal_ffd::FfdVersion;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Which Ferma environment (`"preset"`): it gives the base URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FermaPreset {
    /// `https://ferma.ofd.ru/api`.
    Production,
    /// `https://ferma-test.ofd.ru/api` (public test logins `fermatest1`, `fermatest2`).
    Test,
}

/// `"provider": "ferma"`: an OFD.ru Ferma account (fields of [`FermaConfig`]). Settings
/// marked *weak* rest on facts from public clients rather than a readable copy of Ferma's
/// document (docs/providers.md, open questions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FermaSettings {
    /// The environment; gives the base URL unless `base_url` is set. One of the two is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<FermaPreset>,
    /// The API root (`https://ferma.ofd.ru/api`); overrides the preset's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// `Login` of `CreateAuthToken`. Required.
    pub login: String,
    /// `Password` (a secret). Required.
    pub password: SecretSource,
    /// The ФФД version of the account's register: `"1.05"` (also for 1.1) or `"1.2"`. Required.
    pub ffd: FfdVersion,
    /// Renew the token this many seconds before it expires (default 60).
    #[serde(default = "FermaSettings::default_margin")]
    pub token_refresh_margin_secs: u64,
    /// `"resend_same_id"` (default) or `"look_up"`.
    #[serde(default = "FermaSettings::default_in_doubt", with = "in_doubt")]
    pub in_doubt: InDoubtResolution,
    /// Look a receipt up by `InvoiceId` when its `ReceiptId` is unknown (default true; *weak*).
    #[serde(default = "yes")]
    pub status_by_invoice_id: bool,
    /// `Error.Code`s meaning "this InvoiceId exists" (default `[1019]`; *weak*).
    #[serde(default = "FermaSettings::default_duplicate_codes")]
    pub duplicate_codes: Vec<i64>,
    /// `Error.Code`s meaning refused credentials or token (default none).
    #[serde(default)]
    pub auth_error_codes: Vec<i64>,
    /// `Error.Code`s of a status lookup meaning "no such receipt" (default none).
    #[serde(default)]
    pub not_found_codes: Vec<i64>,
    /// Send `Vat22` / `CalculatedVat22122` (default true; *weak*).
    #[serde(default = "yes")]
    pub vat22: bool,
    /// `CustomerReceipt.KktFA`; absent = not sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kkt_fa: Option<bool>,
    /// `MarkingCodeData.Type`: `"omitted"` (default), `"compact"` (`GS1M`) or `"underscored"`
    /// (`GS_1M`); *weak*.
    #[serde(default = "FermaSettings::default_mark_types", with = "mark_types")]
    pub mark_type_names: MarkTypeNames,
    /// The longest `InvoiceId` sent (default 64; not 0).
    #[serde(default = "FermaSettings::default_max_invoice_id")]
    pub max_invoice_id_chars: usize,
    /// Validate receipts before sending (default true).
    #[serde(default = "yes")]
    pub validate_receipts: bool,
    /// Timeouts and trust.
    #[serde(default)]
    pub http: HttpSettings,
}

mod in_doubt {
    use crate::provider::InDoubtResolution;
    use serde::{de, Deserialize, Deserializer, Serializer};
    pub(super) fn serialize<S: Serializer>(v: &InDoubtResolution, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v.code())
    }
    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<InDoubtResolution, D::Error> {
        let s = String::deserialize(d)?;
        match s.as_str() {
            "resend_same_id" => Ok(InDoubtResolution::ResendSameId),
            "look_up" => Ok(InDoubtResolution::LookUp),
            other => Err(de::Error::unknown_variant(
                other,
                &["resend_same_id", "look_up"],
            )),
        }
    }
}

mod mark_types {
    use crate::ferma::MarkTypeNames;
    use serde::{de, Deserialize, Deserializer, Serializer};
    const NAMES: &[&str] = &["omitted", "compact", "underscored"];
    pub(super) fn serialize<S: Serializer>(v: &MarkTypeNames, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(match v {
            MarkTypeNames::Compact => "compact",
            MarkTypeNames::Underscored => "underscored",
            _ => "omitted",
        })
    }
    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<MarkTypeNames, D::Error> {
        let s = String::deserialize(d)?;
        match s.as_str() {
            "omitted" => Ok(MarkTypeNames::Omitted),
            "compact" => Ok(MarkTypeNames::Compact),
            "underscored" => Ok(MarkTypeNames::Underscored),
            other => Err(de::Error::unknown_variant(other, NAMES)),
        }
    }
}

impl FermaSettings {
    fn default_margin() -> u64 {
        60
    }
    fn default_in_doubt() -> InDoubtResolution {
        InDoubtResolution::ResendSameId
    }
    fn default_duplicate_codes() -> Vec<i64> {
        vec![1019]
    }
    fn default_mark_types() -> MarkTypeNames {
        MarkTypeNames::Omitted
    }
    fn default_max_invoice_id() -> usize {
        64
    }

    /// The [`FermaConfig`] these settings describe, the password read, checked by
    /// [`FermaConfig::validate`].
    ///
    /// # Errors
    /// [`ProviderError::Config`] naming the settings field.
    pub fn to_config(&self) -> Result<FermaConfig, ProviderError> {
        let base_url = match (&self.base_url, self.preset) {
            (Some(url), _) => url.clone(),
            (None, Some(FermaPreset::Production)) => PRODUCTION_URL.to_owned(),
            (None, Some(FermaPreset::Test)) => TEST_URL.to_owned(),
            (None, None) => return Err(required("base_url", " (or a `preset`)")),
        };
        let password = self.password.resolve("password")?;
        let mut cfg = FermaConfig::new(base_url, self.login.clone(), password, self.ffd);
        cfg.http = self.http.to_config()?;
        cfg.token_refresh_margin = Duration::from_secs(self.token_refresh_margin_secs);
        cfg.in_doubt = self.in_doubt;
        cfg.status_by_invoice_id = self.status_by_invoice_id;
        cfg.duplicate_codes = self.duplicate_codes.clone();
        cfg.auth_error_codes = self.auth_error_codes.clone();
        cfg.not_found_codes = self.not_found_codes.clone();
        cfg.vat22 = self.vat22;
        cfg.kkt_fa = self.kkt_fa;
        cfg.mark_type_names = self.mark_type_names;
        cfg.max_invoice_id_chars = self.max_invoice_id_chars;
        cfg.validate_receipts = self.validate_receipts;
        if cfg.in_doubt == InDoubtResolution::LookUp && !cfg.status_by_invoice_id {
            return Err(ProviderError::Config {
                field: "in_doubt",
                message: "`look_up` needs `status_by_invoice_id`: an in-doubt receipt has no \
                          ReceiptId yet"
                    .into(),
            });
        }
        cfg.validate().map_err(|e| renamed(e, FERMA_RENAMES))?;
        Ok(cfg)
    }
}

/// [`FermaConfig::validate`]'s field names → settings paths.
pub(crate) const FERMA_RENAMES: &[(&str, &str)] =
    &[("token_refresh_margin", "token_refresh_margin_secs")];
