//! KOMTET Kassa.

use super::shared::{renamed, required, yes, HttpSettings};
use super::source::SecretSource;
use crate::error::ProviderError;
use crate::komtet::{KomtetConfig, MarkValue, PRODUCTION_URL};
use serde::{Deserialize, Serialize};

/// Which KOMTET host (`"preset"`). KOMTET publishes no separate test host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum KomtetPreset {
    /// `https://kassa.komtet.ru`.
    Production,
}

/// `"provider": "komtet"`: KOMTET Kassa's shop API (fields of [`KomtetConfig`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct KomtetSettings {
    /// The host; gives the base URL unless `base_url` is set. One of the two is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<KomtetPreset>,
    /// The host only (`https://kassa.komtet.ru`, the emulator's `http://127.0.0.1:<port>`);
    /// overrides the preset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// The shop id (`Authorization`). Required.
    pub shop_id: String,
    /// The shop's secret key (a secret). Required.
    pub secret: SecretSource,
    /// The queue id. Required.
    pub queue_id: String,
    /// `print`: also print the receipt on paper (default false).
    #[serde(default)]
    pub print: bool,
    /// A task in state `error` is a refusal of the document (default true; inferred).
    #[serde(default = "yes")]
    pub error_state_is_refusal: bool,
    /// `"scan"` (default) or `"base64"`: how `gs1m` / `short` mark values are written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark_value: Option<String>,
    /// Validate receipts before sending (default true).
    #[serde(default = "yes")]
    pub validate_receipts: bool,
    /// Timeouts and trust.
    #[serde(default)]
    pub http: HttpSettings,
}

impl KomtetSettings {
    /// The [`KomtetConfig`] these settings describe, the secret read, checked by
    /// [`KomtetConfig::validate`].
    ///
    /// # Errors
    /// [`ProviderError::Config`] naming the settings field.
    pub fn to_config(&self) -> Result<KomtetConfig, ProviderError> {
        let base_url = match (&self.base_url, self.preset) {
            (Some(url), _) => url.clone(),
            (None, Some(KomtetPreset::Production)) => PRODUCTION_URL.to_owned(),
            (None, None) => return Err(required("base_url", " (or a `preset`)")),
        };
        let mark_value = match self.mark_value.as_deref() {
            None | Some("scan") => MarkValue::Scan,
            Some("base64") => MarkValue::Base64,
            Some(other) => {
                return Err(ProviderError::Config {
                    field: "mark_value",
                    message: format!("unknown value {other:?}, expected `scan` or `base64`"),
                })
            }
        };
        let secret = self.secret.resolve("secret")?;
        let mut cfg = KomtetConfig::new(
            base_url,
            self.shop_id.clone(),
            secret,
            self.queue_id.clone(),
        );
        cfg.http = self.http.to_config()?;
        cfg.print = self.print;
        cfg.error_state_is_refusal = self.error_state_is_refusal;
        cfg.mark_value = mark_value;
        cfg.validate_receipts = self.validate_receipts;
        cfg.validate().map_err(|e| renamed(e, KOMTET_RENAMES))?;
        Ok(cfg)
    }
}

/// [`KomtetConfig::validate`]'s field names → settings paths (the same names).
pub(crate) const KOMTET_RENAMES: &[(&str, &str)] = &[];

#[cfg(test)]
mod tests {
    use super::super::ProviderSettings;
    use crate::error::ProviderError;

    const BASE: &str =
        r#""provider": "komtet", "shop_id": "shop-1", "secret": "s3cret-value", "queue_id": "7""#;

    fn parse(extra: &str) -> Result<(), ProviderError> {
        ProviderSettings::from_json(&format!("{{{BASE}{extra}}}"))?.validate()
    }

    #[test]
    fn komtet_settings_read_and_refuse_by_field() {
        assert_eq!(parse(r#", "preset": "production""#), Ok(()));
        assert_eq!(parse(r#", "base_url": "http://127.0.0.1:9""#), Ok(()));
        let field = |e: Result<(), ProviderError>| match e {
            Err(ProviderError::Config { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(parse("")), "base_url");
        assert_eq!(field(parse(r#", "preset": "test""#)), "preset");
        assert_eq!(
            field(parse(r#", "preset": "production", "queue": 1"#)),
            "settings"
        );
        assert_eq!(
            field(parse(r#", "preset": "production", "mark_value": "hex""#)),
            "mark_value"
        );
        assert_eq!(
            field(parse(
                r#", "base_url": "https://kassa.komtet.ru/api/shop/v2""#
            )),
            "base_url"
        );
        let s = ProviderSettings::from_json(&format!("{{{BASE}, \"preset\": \"production\"}}"))
            .expect("settings");
        assert!(!format!("{s:?}").contains("s3cret-value"));
        assert!(serde_json::to_string(&s)
            .expect("json")
            .contains(r#""secret":{"redacted":true}"#));
    }
}
