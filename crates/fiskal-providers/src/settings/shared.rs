//! Pieces every provider's settings share: HTTP, payment types, error helpers.

use super::source::TextSource;
use crate::atol::{AtolVersion, PaymentTypes};
use crate::business_ru::ApiVersion;
use crate::error::ProviderError;
use crate::http::HttpConfig;
use fiskal_marks::TypePrefix;
use serde::de::{self, Deserializer};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use std::time::Duration;

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
        pub(in crate::settings) mod $module {
            use super::*;
            pub(in crate::settings) fn serialize<S: Serializer>(v: &$ty, s: S) -> Result<S::Ok, S::Error> {
                $( if *v == $value { return s.serialize_str($name); } )+
                Err(serde::ser::Error::custom("a value without a settings name"))
            }
            pub(in crate::settings) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<$ty, D::Error> {
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

/// The ATOL payment types, field by field; missing ones keep their default.
#[derive(Serialize, Deserialize)]
#[serde(remote = "PaymentTypes", default, deny_unknown_fields)]
pub(super) struct PaymentTypesDef {
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

pub(super) fn yes() -> bool {
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

pub(super) fn required(field: &'static str, why: &str) -> ProviderError {
    ProviderError::Config {
        field,
        message: format!("required{why}"),
    }
}
