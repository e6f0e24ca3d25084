//! Orange Data.

use super::shared::{required, HttpSettings};
use super::source::{SecretSource, TextSource};
use crate::error::ProviderError;
use crate::http::ClientIdentity;
use crate::orange::OrangeConfig;
use serde::{Deserialize, Serialize};

/// Orange Data production (protocol 2.31.3, §1.2.2 «Производственная среда»,
/// <https://github.com/orangedata-official/API>).
const ORANGE_PRODUCTION_URL: &str = "https://api.orangedata.ru:12003";
/// Orange Data's free test environment 1.
const ORANGE_TEST_URL: &str = "https://apip.orangedata.ru:2443";

/// Which Orange Data environment (`"preset"`): it gives the base URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OrangePreset {
    /// `https://api.orangedata.ru:12003`.
    Production,
    /// Test environment 1, `https://apip.orangedata.ru:2443`.
    Test,
}

/// `"provider": "orange_data"`: an Orange Data account (fields of [`OrangeConfig`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct OrangeSettings {
    /// The environment; gives the base URL unless `base_url` is set. One of the two is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<OrangePreset>,
    /// The API root (`https://host:port`); overrides the preset's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// The organisation's ИНН (10 or 12 digits). Required.
    pub inn: String,
    /// The group of registers; absent = `Main` (ФФД 1.05) / `Main_2` (ФФД 1.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The signing key's name; absent = the ИНН.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_name: Option<String>,
    /// The RSA private key that signs requests (a secret): PEM, or Orange Data's .NET XML
    /// `<RSAKeyValue>` as its key generator writes it (see [`RequestSigner::from_pem`]).
    /// Required.
    ///
    /// [`RequestSigner::from_pem`]: crate::orange::RequestSigner::from_pem
    pub signing_key: SecretSource,
    /// The mutual-TLS client certificate chain, PEM (leaf first); X.509 v1, as Orange Data
    /// issues them, or v3. Required.
    pub client_cert: TextSource,
    /// The client certificate's private key, PEM (a secret). Required.
    pub client_key: SecretSource,
    /// `tax` code for 22 % (undocumented by Orange Data; absent = such receipts are refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat22_tax_code: Option<u8>,
    /// `tax` code for 22/122 (undocumented; absent = refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat122_tax_code: Option<u8>,
    /// Send 1009/1187 (only "automat data" groups; default false).
    #[serde(default)]
    pub send_settlement_place: bool,
    /// Timeouts and trust (the client certificate is added to it).
    #[serde(default)]
    pub http: HttpSettings,
}

impl OrangeSettings {
    /// The [`OrangeConfig`] these settings describe, secrets and certificates read. The ИНН,
    /// key name and keys are checked by [`OrangeClient::new`](crate::orange::OrangeClient::new).
    ///
    /// # Errors
    /// [`ProviderError::Config`] naming the settings field.
    pub fn to_config(&self) -> Result<OrangeConfig, ProviderError> {
        let base_url = match (&self.base_url, self.preset) {
            (Some(url), _) => url.clone(),
            (None, Some(OrangePreset::Production)) => ORANGE_PRODUCTION_URL.to_owned(),
            (None, Some(OrangePreset::Test)) => ORANGE_TEST_URL.to_owned(),
            (None, None) => return Err(required("base_url", " (or a `preset`)")),
        };
        let identity = ClientIdentity {
            cert_chain_pem: self.client_cert.resolve("client_cert")?,
            key_pem: self.client_key.resolve("client_key")?,
        };
        let signing_key = self.signing_key.resolve("signing_key")?;
        let mut cfg = OrangeConfig::new(base_url, self.inn.clone(), signing_key, identity);
        if let Some(k) = &self.key_name {
            cfg.key_name = k.clone();
        }
        cfg.group = self.group.clone();
        cfg.vat22_tax_code = self.vat22_tax_code;
        cfg.vat122_tax_code = self.vat122_tax_code;
        cfg.send_settlement_place = self.send_settlement_place;
        cfg.http = self.http.to_config()?;
        Ok(cfg)
    }
}

/// [`OrangeClient::new`](crate::orange::OrangeClient::new)'s field names → settings paths.
pub(crate) const ORANGE_RENAMES: &[(&str, &str)] = &[("signing_key_pem", "signing_key")];
