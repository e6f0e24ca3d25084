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

mod atol;
mod business_ru;
mod ferma;
mod komtet;
mod modulkassa;
mod orange;
mod shared;
mod source;

pub(crate) use atol::ATOL_RENAMES;
pub use atol::{AtolPreset, AtolSettings};
pub(crate) use business_ru::BUSINESS_RU_RENAMES;
pub use business_ru::{BusinessRuPreset, BusinessRuSettings};
pub(crate) use ferma::FERMA_RENAMES;
pub use ferma::{FermaPreset, FermaSettings};
pub(crate) use komtet::KOMTET_RENAMES;
pub use komtet::{KomtetPreset, KomtetSettings};
pub(crate) use modulkassa::MODULKASSA_RENAMES;
pub use modulkassa::{ModulKassaPreset, ModulKassaSettings};
pub(crate) use orange::ORANGE_RENAMES;
pub use orange::{OrangePreset, OrangeSettings};
pub(crate) use shared::renamed;
pub use shared::HttpSettings;
pub use source::{SecretSource, TextSource};

use crate::error::ProviderError;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;

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
    /// OFD.ru Ferma.
    Ferma(FermaSettings),
    /// KOMTET Kassa.
    Komtet(KomtetSettings),
    /// МодульКасса «API фискализации документов».
    Modulkassa(ModulKassaSettings),
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
    "lookup_date_filter",
    "lookup_lookback_secs",
    "lookup_max_pages",
    // ferma
    "ffd",
    "token_refresh_margin_secs",
    "in_doubt",
    "status_by_invoice_id",
    "duplicate_codes",
    "auth_error_codes",
    "not_found_codes",
    "vat22",
    "kkt_fa",
    "mark_type_names",
    "max_invoice_id_chars",
    // komtet
    "shop_id",
    "queue_id",
    "print",
    "error_state_is_refusal",
    "mark_value",
    // modulkassa
    "user_name",
    "unconfirmed_vat_tags",
    "disc_sum",
    "default_email",
    "print_receipt",
    "utc_offset_minutes",
    "status_400_is_not_found",
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

const PROVIDERS: &str =
    "one of `atol`, `orange_data`, `business_ru`, `ferma`, `komtet`, `modulkassa`";

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
        "ferma" => variant(rest).map(ProviderSettings::Ferma),
        "komtet" => variant(rest).map(ProviderSettings::Komtet),
        "modulkassa" => variant(rest).map(ProviderSettings::Modulkassa),
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
            ProviderSettings::Ferma(s) => s.to_config().map(drop),
            ProviderSettings::Komtet(s) => s.to_config().map(drop),
            ProviderSettings::Modulkassa(s) => s.to_config().map(drop),
            ProviderSettings::OrangeData(_) => crate::AnyProvider::from_settings(self).map(drop),
        }
    }
}
