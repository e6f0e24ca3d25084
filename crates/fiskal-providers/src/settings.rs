//! Provider configuration as data: [`ProviderSettings`], read from JSON (the C ABI and the
//! Python / PHP / 1C bindings) or any serde format (TOML for the CLI), and turned into a client
//! by [`AnyProvider::from_settings`](crate::AnyProvider::from_settings).
//!
//! ```
//! use fiskal_providers::settings::ProviderSettings;
//! let settings = ProviderSettings::from_json(r#"{
//!     "provider": "atol", "api": "v5", "preset": "production",
//!     "login": "shop-login", "password": "s3cret-pass", "group_code": "group_5179",
//!     "http": {"timeout_ms": 20000}
//! }"#)?;
//! settings.validate()?; // reads the secrets, checks every value; no network
//! assert!(!format!("{settings:?}").contains("s3cret-pass"));
//! assert!(serde_json::to_string(&settings).unwrap().contains(r#""password":{"redacted":true}"#));
//! # Ok::<(), fiskal_providers::ProviderError>(())
//! ```
//!
//! The format, every field and its default: `docs/provider-settings.md`.
//!
//! * **Strict.** Unknown fields, duplicate keys and wrong types are refused; every error is a
//!   [`ProviderError::Config`] whose `field` is the path of the offending key (`http.timeout_ms`,
//!   `payment_types.cash`, `password`), or `settings` for the object itself.
//! * **Secrets** (passwords, API secrets, private keys) are a [`SecretSource`]: a JSON string is
//!   the value itself (what the C ABI passes), `{"env": "NAME"}` reads an environment variable,
//!   `{"file": "/path"}` reads a file (one trailing line break removed). They are read when the
//!   client is built ([`ProviderSettings::validate`] reads them too); a missing variable or file
//!   is a [`ProviderError::Config`] naming the field and the variable or file, never a value.
//!   Certificates (not secret) are a [`TextSource`] of the same three forms.
//! * **Redaction.** `Debug` never shows a secret value. Serialising settings writes env and file
//!   sources as they are, and an inline secret as `{"redacted": true}`, which
//!   [`ProviderSettings::from_json`] refuses: settings written back can be shown and stored, but
//!   never carry a secret, and a redacted copy cannot silently become a wrong password.

use crate::atol::{AtolConfig, AtolFlavor, AtolVersion, PaymentTypes};
use crate::business_ru::php_json::UnicodeEscaping;
use crate::business_ru::{ApiVersion, BusinessRuConfig};
use crate::error::ProviderError;
use crate::http::{ClientIdentity, HttpConfig};
use crate::orange::OrangeConfig;
use crate::secret::Secret;
use fiskal_marks::TypePrefix;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Orange Data production (providers.md §2.1).
const ORANGE_PRODUCTION_URL: &str = "https://api.orangedata.ru:12003";
/// Orange Data's free test environment 1.
const ORANGE_TEST_URL: &str = "https://apip.orangedata.ru:2443";

// ---------------------------------------------------------------------------------------------
// Sources of secrets and certificates.

/// Where a secret (password, API secret, private key PEM) comes from.
///
/// JSON: `"value"` (inline) · `{"env": "NAME"}` · `{"file": "/path"}`. `Debug` shows the
/// variable name or the path, never an inline value; serialising writes an inline value as
/// `{"redacted": true}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretSource {
    /// The value itself (the C ABI and the bindings pass it like this).
    Inline(Secret),
    /// The value of this environment variable, as is.
    Env(String),
    /// The contents of this file, UTF-8, with one trailing line break removed.
    File(PathBuf),
}

/// Where a non-secret text (a certificate or CA bundle, PEM) comes from: the same three forms
/// as [`SecretSource`], shown and serialised as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TextSource {
    /// The text itself.
    Inline(String),
    /// The value of this environment variable.
    Env(String),
    /// The contents of this file (one trailing line break removed).
    File(PathBuf),
}

/// What a source JSON value said, before it is known whether it is secret.
enum RawSource {
    Inline(String),
    Env(String),
    File(PathBuf),
}

impl<'de> Deserialize<'de> for RawSource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawSource;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(r#"a string, {"env": "NAME"} or {"file": "/path"}"#)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawSource, E> {
                Ok(RawSource::Inline(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawSource, A::Error> {
                let mut found: Option<RawSource> = None;
                while let Some(key) = map.next_key::<String>()? {
                    if found.is_some() {
                        return Err(de::Error::custom(
                            r#"give exactly one of {"env": "NAME"} or {"file": "/path"}"#,
                        ));
                    }
                    let value: String = map.next_value()?;
                    if value.is_empty() {
                        return Err(de::Error::custom(format!("`{key}` must not be empty")));
                    }
                    found = Some(match key.as_str() {
                        "env" => RawSource::Env(value),
                        "file" => RawSource::File(PathBuf::from(value)),
                        "redacted" => {
                            return Err(de::Error::custom(
                                "a redacted secret cannot be read back: give the value, \
                                 {\"env\": \"NAME\"} or {\"file\": \"/path\"}",
                            ))
                        }
                        other => return Err(de::Error::unknown_field(other, &["env", "file"])),
                    });
                }
                found.ok_or_else(|| {
                    de::Error::custom(r#"expected {"env": "NAME"} or {"file": "/path"}"#)
                })
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for SecretSource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match RawSource::deserialize(d)? {
            RawSource::Inline(v) => SecretSource::Inline(Secret::new(v)),
            RawSource::Env(n) => SecretSource::Env(n),
            RawSource::File(p) => SecretSource::File(p),
        })
    }
}

impl<'de> Deserialize<'de> for TextSource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match RawSource::deserialize(d)? {
            RawSource::Inline(v) => TextSource::Inline(v),
            RawSource::Env(n) => TextSource::Env(n),
            RawSource::File(p) => TextSource::File(p),
        })
    }
}

impl Serialize for SecretSource {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        match self {
            SecretSource::Inline(_) => m.serialize_entry("redacted", &true)?,
            SecretSource::Env(n) => m.serialize_entry("env", n)?,
            SecretSource::File(p) => m.serialize_entry("file", p)?,
        }
        m.end()
    }
}

impl Serialize for TextSource {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            TextSource::Inline(v) => s.serialize_str(v),
            TextSource::Env(n) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("env", n)?;
                m.end()
            }
            TextSource::File(p) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("file", p)?;
                m.end()
            }
        }
    }
}

/// Reads an env or file source; `field` is the settings path reported on failure.
fn read_external(
    field: &'static str,
    env: Option<&str>,
    file: Option<&PathBuf>,
) -> Result<String, ProviderError> {
    let config = |message: String| ProviderError::Config { field, message };
    if let Some(name) = env {
        return match std::env::var(name) {
            Ok(v) => Ok(v),
            Err(std::env::VarError::NotPresent) => {
                Err(config(format!("environment variable `{name}` is not set")))
            }
            Err(std::env::VarError::NotUnicode(_)) => Err(config(format!(
                "environment variable `{name}` is not valid UTF-8"
            ))),
        };
    }
    let Some(path) = file else {
        return Err(config("no source".into()));
    };
    // The io::Error text names the failure (not found, permission denied), never the contents.
    let bytes = std::fs::read(path)
        .map_err(|e| config(format!("cannot read file `{}`: {e}", path.display())))?;
    let mut text = String::from_utf8(bytes)
        .map_err(|_| config(format!("file `{}` is not UTF-8 text", path.display())))?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(text)
}

impl SecretSource {
    /// Reads the secret. `field` names the setting in the error (never the value).
    ///
    /// # Errors
    /// [`ProviderError::Config`] when the variable is not set or the file cannot be read.
    pub fn resolve(&self, field: &'static str) -> Result<Secret, ProviderError> {
        match self {
            SecretSource::Inline(s) => Ok(s.clone()),
            SecretSource::Env(n) => read_external(field, Some(n), None).map(Secret::new),
            SecretSource::File(p) => read_external(field, None, Some(p)).map(Secret::new),
        }
    }
}

impl TextSource {
    /// Reads the text. `field` names the setting in the error.
    ///
    /// # Errors
    /// [`ProviderError::Config`] when the variable is not set or the file cannot be read.
    pub fn resolve(&self, field: &'static str) -> Result<String, ProviderError> {
        match self {
            TextSource::Inline(s) => Ok(s.clone()),
            TextSource::Env(n) => read_external(field, Some(n), None),
            TextSource::File(p) => read_external(field, None, Some(p)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Shared pieces.

/// Timeouts and trust, the `http` object of every provider's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct HttpSettings {
    /// Time for a whole request, response included, in milliseconds (default 30 000; not 0).
    pub timeout_ms: u64,
    /// Time to establish TCP + TLS, in milliseconds (default 10 000; not 0).
    pub connect_timeout_ms: u64,
    /// Trust the bundled Mozilla roots (default true). Set false to trust only `ca`.
    pub builtin_roots: bool,
    /// More CA certificates to trust, PEM (a corporate proxy's CA, the emulator's test CA).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca: Option<TextSource>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        let d = HttpConfig::default();
        HttpSettings {
            timeout_ms: millis(d.timeout),
            connect_timeout_ms: millis(d.connect_timeout),
            builtin_roots: d.builtin_roots,
            ca: None,
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl HttpSettings {
    /// The adapter's [`HttpConfig`] (the CA read from its source).
    ///
    /// # Errors
    /// [`ProviderError::Config`] for a zero timeout or an unreadable `ca` source.
    pub fn to_config(&self) -> Result<HttpConfig, ProviderError> {
        for (field, v) in [
            ("http.timeout_ms", self.timeout_ms),
            ("http.connect_timeout_ms", self.connect_timeout_ms),
        ] {
            if v == 0 {
                return Err(ProviderError::Config {
                    field,
                    message: "must not be 0".into(),
                });
            }
        }
        Ok(HttpConfig {
            timeout: Duration::from_millis(self.timeout_ms),
            connect_timeout: Duration::from_millis(self.connect_timeout_ms),
            builtin_roots: self.builtin_roots,
            extra_roots_pem: match &self.ca {
                Some(src) => Some(src.resolve("http.ca")?),
                None => None,
            },
            ..HttpConfig::default()
        })
    }
}

/// Serde for the wire enums of the adapters, which do not implement serde themselves: each
/// value by its name in the settings.
macro_rules! named_values {
    ($module:ident, $ty:ty, [$($name:literal => $value:expr),+ $(,)?]) => {
        mod $module {
            use super::*;
            pub(super) fn serialize<S: Serializer>(v: &$ty, s: S) -> Result<S::Ok, S::Error> {
                $( if *v == $value { return s.serialize_str($name); } )+
                Err(serde::ser::Error::custom("a value without a settings name"))
            }
            pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<$ty, D::Error> {
                let s = String::deserialize(d)?;
                $( if s == $name { return Ok($value); } )+
                Err(de::Error::unknown_variant(&s, &[$($name),+]))
            }
        }
    };
}

named_values!(atol_api, AtolVersion, ["v4" => AtolVersion::V4, "v5" => AtolVersion::V5]);
named_values!(business_ru_api, ApiVersion, ["v1" => ApiVersion::V1, "v2" => ApiVersion::V2]);
named_values!(type_prefix, TypePrefix, [
    "omitted" => TypePrefix::Omitted,
    "included" => TypePrefix::Included,
]);
named_values!(unicode_escaping, UnicodeEscaping, [
    "raw" => UnicodeEscaping::Raw,
    "escaped" => UnicodeEscaping::Escaped,
]);

/// The ATOL payment types, field by field; missing ones keep their default.
#[derive(Serialize, Deserialize)]
#[serde(remote = "PaymentTypes", default, deny_unknown_fields)]
struct PaymentTypesDef {
    cash: u8,
    electronic: u8,
    prepaid: u8,
    credit: u8,
    consideration: u8,
}

impl Default for PaymentTypesDef {
    fn default() -> Self {
        let d = PaymentTypes::default();
        PaymentTypesDef {
            cash: d.cash,
            electronic: d.electronic,
            prepaid: d.prepaid,
            credit: d.credit,
            consideration: d.consideration,
        }
    }
}

fn yes() -> bool {
    true
}

/// Renames the fields of a config struct's validation error to their settings names.
pub(crate) fn renamed(e: ProviderError, table: &[(&str, &'static str)]) -> ProviderError {
    match e {
        ProviderError::Config { field, message } => ProviderError::Config {
            field: table
                .iter()
                .find(|(from, _)| *from == field)
                .map_or(field, |(_, to)| to),
            message,
        },
        other => other,
    }
}

fn required(field: &'static str, why: &str) -> ProviderError {
    ProviderError::Config {
        field,
        message: format!("required{why}"),
    }
}

// ---------------------------------------------------------------------------------------------
// ATOL Online (and Business.ru's ATOL-compatible endpoints).

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
    #[serde(with = "atol_api")]
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

// ---------------------------------------------------------------------------------------------
// Orange Data.

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
    /// The RSA private key that signs requests, PEM (a secret). Required.
    pub signing_key: SecretSource,
    /// The mutual-TLS client certificate chain, PEM. Required.
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

// ---------------------------------------------------------------------------------------------
// Business.ru Open API.

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
    #[serde(with = "business_ru_api")]
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
    #[serde(with = "type_prefix", default = "BusinessRuSettings::default_prefix")]
    pub mark_type_prefix: TypePrefix,
    /// `"raw"` (default) or `"escaped"`: how non-ASCII text is written and signed.
    #[serde(with = "unicode_escaping", default)]
    pub unicode: UnicodeEscaping,
    /// `"payed_credit"` (default) or `"payed_nextcredit"`.
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
        let secret = self.secret.resolve("secret")?;
        let mut cfg = BusinessRuConfig::new(self.api, base_url, self.app_id.clone(), secret);
        cfg.http = self.http.to_config()?;
        cfg.mark_type_prefix = self.mark_type_prefix;
        cfg.unicode = self.unicode;
        cfg.credit_field = self.credit_field.clone();
        cfg.default_author = self.default_author.clone();
        cfg.unconfirmed_vat_rates = self.unconfirmed_vat_rates;
        cfg.token_max_age = Duration::from_secs(self.token_max_age_secs);
        cfg.validate_receipts = self.validate_receipts;
        cfg.nonzero_result_is_failure = self.nonzero_result_is_failure;
        cfg.validate()
            .map_err(|e| renamed(e, BUSINESS_RU_RENAMES))?;
        Ok(cfg)
    }
}

/// [`BusinessRuConfig::validate`]'s field names → settings paths.
pub(crate) const BUSINESS_RU_RENAMES: &[(&str, &str)] = &[("token_max_age", "token_max_age_secs")];

// ---------------------------------------------------------------------------------------------
// The settings of any provider.

/// The settings of one provider, tagged by `"provider"`: `"atol"`, `"orange_data"` or
/// `"business_ru"`. Parse with [`ProviderSettings::from_json`] (or serde, e.g. from TOML);
/// build the client with [`AnyProvider::from_settings`](crate::AnyProvider::from_settings).
///
/// `Debug` shows no secret value; `Serialize` writes inline secrets as `{"redacted": true}`
/// (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "provider", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProviderSettings {
    /// ATOL Online v4/v5, or Business.ru's ATOL-compatible endpoints.
    Atol(AtolSettings),
    /// Orange Data.
    OrangeData(OrangeSettings),
    /// Business.ru Open API.
    BusinessRu(BusinessRuSettings),
}

/// Every key path the settings accept (for docs and bindings; a test checks that
/// `docs/provider-settings.md` names each one). Errors report one of these as their `field`,
/// or `settings` for the object itself.
const FIELD_PATHS: &[&str] = &[
    "provider",
    "api",
    "preset",
    "base_url",
    "http",
    "http.timeout_ms",
    "http.connect_timeout_ms",
    "http.builtin_roots",
    "http.ca",
    // atol
    "login",
    "password",
    "group_code",
    "source",
    "payment_types",
    "payment_types.cash",
    "payment_types.electronic",
    "payment_types.prepaid",
    "payment_types.credit",
    "payment_types.consideration",
    "report_interval_ms",
    "validate_receipts",
    "max_items",
    "max_quantity_decimals",
    "v4_new_vat_rates",
    "ism_optional",
    "queue_timeout_is_retry",
    // orange_data
    "inn",
    "group",
    "key_name",
    "signing_key",
    "client_cert",
    "client_key",
    "vat22_tax_code",
    "vat122_tax_code",
    "send_settlement_place",
    // business_ru
    "app_id",
    "secret",
    "mark_type_prefix",
    "unicode",
    "credit_field",
    "default_author",
    "unconfirmed_vat_rates",
    "token_max_age_secs",
    "nonzero_result_is_failure",
];

/// A parse failure at `path` (serde_path_to_error's form: `http.timeout_ms`, `.` for the root).
struct ParseError {
    path: String,
    message: String,
}

impl ParseError {
    fn at(path: &str, message: impl Into<String>) -> ParseError {
        ParseError {
            path: path.to_owned(),
            message: message.into(),
        }
    }

    /// The deepest known field on the path (`password.env` → `password`), or `settings`.
    fn field(&self) -> &'static str {
        let mut path = self.path.as_str();
        loop {
            if let Some(known) = FIELD_PATHS.iter().find(|f| **f == path) {
                return known;
            }
            match path.rfind('.') {
                Some(i) => path = &path[..i],
                None => return "settings",
            }
        }
    }

    /// `` `path`: message `` unless the field says it all.
    fn described(&self) -> String {
        if self.path == self.field() || self.path == "." {
            self.message.clone()
        } else {
            format!("`{}`: {}", self.path, self.message)
        }
    }

    fn into_error(self) -> ProviderError {
        ProviderError::Config {
            field: self.field(),
            message: self.described(),
        }
    }
}

/// Any JSON value, but refusing duplicate keys at every depth (serde_json's `Value` keeps the
/// last one silently, which would let a setting be given twice).
struct StrictValue(serde_json::Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde_json::Value;
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StrictValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<StrictValue, E> {
                Ok(StrictValue(Value::Bool(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<StrictValue, E> {
                Ok(StrictValue(Value::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<StrictValue, E> {
                Ok(StrictValue(Value::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<StrictValue, E> {
                serde_json::Number::from_f64(v)
                    .map(|n| StrictValue(Value::Number(n)))
                    .ok_or_else(|| E::custom("not a finite number"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StrictValue, E> {
                Ok(StrictValue(Value::String(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<StrictValue, E> {
                Ok(StrictValue(Value::String(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<StrictValue, E> {
                Ok(StrictValue(Value::Null))
            }
            fn visit_none<E: de::Error>(self) -> Result<StrictValue, E> {
                Ok(StrictValue(Value::Null))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<StrictValue, D::Error> {
                StrictValue::deserialize(d)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<StrictValue, A::Error> {
                let mut items = Vec::new();
                while let Some(StrictValue(v)) = seq.next_element()? {
                    items.push(v);
                }
                Ok(StrictValue(Value::Array(items)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StrictValue, A::Error> {
                let mut out = serde_json::Map::new();
                while let Some(key) = map.next_key::<String>()? {
                    if out.contains_key(&key) {
                        return Err(de::Error::custom(format!("duplicate field `{key}`")));
                    }
                    let StrictValue(v) = map.next_value()?;
                    out.insert(key, v);
                }
                Ok(StrictValue(Value::Object(out)))
            }
        }
        d.deserialize_any(V)
    }
}

/// One provider's settings from the object without its tag, with the path of any error.
fn variant<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<T, ParseError> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let message = e.inner().to_string();
        let mut path = e.path().to_string();
        // serde reports a missing field at its parent object; point at the field itself.
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|m| m.strip_suffix('`'));
        if let Some(name) = missing {
            path = if path == "." {
                name.to_owned()
            } else {
                format!("{path}.{name}")
            };
        }
        ParseError::at(&path, message)
    })
}

const PROVIDERS: &str = "one of `atol`, `orange_data`, `business_ru`";

fn from_value(v: serde_json::Value) -> Result<ProviderSettings, ParseError> {
    use serde_json::Value;
    let Value::Object(mut map) = v else {
        return Err(ParseError::at(
            ".",
            "expected an object with a `provider` field",
        ));
    };
    let tag = match map.remove("provider") {
        Some(Value::String(tag)) => tag,
        Some(_) => return Err(ParseError::at("provider", format!("expected {PROVIDERS}"))),
        None => return Err(ParseError::at("provider", format!("missing: {PROVIDERS}"))),
    };
    let rest = Value::Object(map);
    match tag.as_str() {
        "atol" => variant(rest).map(ProviderSettings::Atol),
        "orange_data" => variant(rest).map(ProviderSettings::OrangeData),
        "business_ru" => variant(rest).map(ProviderSettings::BusinessRu),
        other => Err(ParseError::at(
            "provider",
            format!("unknown provider `{other}`, expected {PROVIDERS}"),
        )),
    }
}

/// Through any self-describing serde format (TOML in the CLI). Errors carry the key path in
/// their text; [`ProviderSettings::from_json`] gives it as the error's `field` as well.
impl<'de> Deserialize<'de> for ProviderSettings {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let StrictValue(v) = StrictValue::deserialize(d)?;
        from_value(v).map_err(|e| {
            if e.path == "." {
                de::Error::custom(e.message)
            } else {
                de::Error::custom(format!("`{}`: {}", e.path, e.message))
            }
        })
    }
}

impl ProviderSettings {
    /// Parses settings JSON strictly (unknown fields, duplicate keys and trailing text are
    /// refused). Secrets are not read yet: that happens in [`ProviderSettings::validate`] and
    /// when the client is built.
    ///
    /// # Errors
    /// [`ProviderError::Config`] whose `field` is the path of the offending key.
    pub fn from_json(text: &str) -> Result<ProviderSettings, ProviderError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let StrictValue(v) = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            ParseError::at(&e.path().to_string(), e.inner().to_string()).into_error()
        })?;
        de.end()
            .map_err(|e| ParseError::at(".", e.to_string()).into_error())?;
        from_value(v).map_err(ParseError::into_error)
    }

    /// Every key path the settings accept, as reported in [`ProviderError::Config`]'s `field`
    /// (plus `settings` for the object itself).
    pub fn field_paths() -> &'static [&'static str] {
        FIELD_PATHS
    }

    /// Checks the settings as building the client would, without any network: secrets and
    /// certificates are read, every value checked. For ATOL and Business.ru no client is
    /// built; for Orange Data, whose checks (keys, certificate, ИНН) live in
    /// [`OrangeClient::new`](crate::orange::OrangeClient::new), the client is built and dropped.
    ///
    /// # Errors
    /// [`ProviderError::Config`] naming the field, or [`ProviderError::Tls`] for a certificate
    /// or key that TLS cannot use.
    pub fn validate(&self) -> Result<(), ProviderError> {
        match self {
            ProviderSettings::Atol(s) => s.to_config().map(drop),
            ProviderSettings::BusinessRu(s) => s.to_config().map(drop),
            ProviderSettings::OrangeData(_) => crate::AnyProvider::from_settings(self).map(drop),
        }
    }
}
