//! Errors that happen *before* anything is sent: a caller can always retry after fixing them,
//! with no risk of a second receipt. Everything that happens on the wire is an
//! [`Outcome`](crate::Outcome) instead.

/// A local failure of a provider adapter. Nothing was sent.
///
/// The `Display` text is for people and not a stable contract: match on the variant or use
/// [`ProviderError::code`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderError {
    /// The receipt cannot be expressed in this provider's API (e.g. a VAT rate the provider has
    /// no code for, an operation it does not offer, a value it cannot carry).
    #[error("the receipt cannot be sent to {provider}: `{path}`: {message}")]
    Unsupported {
        /// The provider.
        provider: &'static str,
        /// JSON path of the field in the receipt (`items[2].vat`).
        path: String,
        /// Why.
        message: String,
    },
    /// The receipt is invalid (fiskal-ffd validation); nothing was sent.
    #[error("the receipt is invalid: {0}")]
    Invalid(#[from] fiskal_ffd::Error),
    /// A configuration value is missing or wrong.
    #[error("configuration `{field}`: {message}")]
    Config {
        /// The setting.
        field: &'static str,
        /// What is wrong (never contains a secret).
        message: String,
    },
    /// A message from the provider that the caller handed in (a callback body) is not what the
    /// protocol describes. Nothing was sent.
    #[error("{provider}: malformed message: {message}")]
    Malformed {
        /// The provider.
        provider: &'static str,
        /// What is wrong (never contains a secret).
        message: String,
    },
    /// The HTTPS client could not be built (roots, client certificate, key).
    #[error("TLS setup: {message}")]
    Tls {
        /// What is wrong (never contains key material).
        message: String,
    },
}

impl ProviderError {
    /// Stable snake_case code of the variant.
    pub fn code(&self) -> &'static str {
        match self {
            ProviderError::Unsupported { .. } => "unsupported",
            ProviderError::Invalid(_) => "invalid",
            ProviderError::Config { .. } => "config",
            ProviderError::Malformed { .. } => "malformed",
            ProviderError::Tls { .. } => "tls",
        }
    }
}
