//! Where secrets and certificates come from: inline, an env var, a file.

use crate::error::ProviderError;
use crate::secret::Secret;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

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
