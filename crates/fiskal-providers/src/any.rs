//! [`AnyProvider`]: one type over every adapter, chosen by [`ProviderSettings`].

use crate::atol::AtolClient;
use crate::business_ru::BusinessRuClient;
use crate::error::ProviderError;
use crate::ferma::FermaClient;
use crate::komtet::KomtetClient;
use crate::modulkassa::ModulKassaClient;
use crate::orange::OrangeClient;
use crate::outcome::Outcome;
use crate::provider::{InDoubtResolution, Provider, StatusQuery, Submission};
use crate::settings::{self, ProviderSettings};

/// Any of the adapters, for callers that pick the provider by configuration (the C ABI, the
/// CLI, the outbox worker). Every [`Provider`] method is the adapter's own, unchanged —
/// including [`name`](Provider::name) and [`in_doubt_resolution`](Provider::in_doubt_resolution).
///
/// Cheap to clone (the adapters share their connection pool and token); `Debug` shows the
/// endpoint, never a secret.
///
/// ```no_run
/// use fiskal_providers::{AnyProvider, Provider};
/// let provider = AnyProvider::from_json(r#"{
///     "provider": "business_ru", "api": "v1", "preset": "production",
///     "app_id": "my-app-id", "secret": {"env": "FISKAL_BUSINESS_RU_SECRET"}
/// }"#)?;
/// assert_eq!(provider.name(), "business_ru_v1");
/// # Ok::<(), fiskal_providers::ProviderError>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AnyProvider {
    /// ATOL Online v4/v5, or Business.ru's ATOL-compatible endpoints.
    Atol(AtolClient),
    /// Orange Data.
    OrangeData(OrangeClient),
    /// Business.ru Open API.
    BusinessRu(BusinessRuClient),
    /// OFD.ru Ferma.
    Ferma(FermaClient),
    /// KOMTET Kassa.
    Komtet(KomtetClient),
    /// МодульКасса.
    Modulkassa(ModulKassaClient),
}

impl AnyProvider {
    /// Builds the client the settings describe: reads the secrets, checks every value, sets up
    /// TLS. Nothing is sent.
    ///
    /// # Errors
    /// [`ProviderError::Config`] naming the settings field, [`ProviderError::Tls`] for a
    /// certificate or key that TLS cannot use.
    pub fn from_settings(settings: &ProviderSettings) -> Result<AnyProvider, ProviderError> {
        Ok(match settings {
            ProviderSettings::Atol(s) => AnyProvider::Atol(
                AtolClient::new(s.to_config()?)
                    .map_err(|e| settings::renamed(e, settings::ATOL_RENAMES))?,
            ),
            ProviderSettings::OrangeData(s) => AnyProvider::OrangeData(
                OrangeClient::new(s.to_config()?)
                    .map_err(|e| settings::renamed(e, settings::ORANGE_RENAMES))?,
            ),
            ProviderSettings::BusinessRu(s) => AnyProvider::BusinessRu(
                BusinessRuClient::new(s.to_config()?)
                    .map_err(|e| settings::renamed(e, settings::BUSINESS_RU_RENAMES))?,
            ),
            ProviderSettings::Ferma(s) => AnyProvider::Ferma(
                FermaClient::new(s.to_config()?)
                    .map_err(|e| settings::renamed(e, settings::FERMA_RENAMES))?,
            ),
            ProviderSettings::Komtet(s) => AnyProvider::Komtet(
                KomtetClient::new(s.to_config()?)
                    .map_err(|e| settings::renamed(e, settings::KOMTET_RENAMES))?,
            ),
            ProviderSettings::Modulkassa(s) => AnyProvider::Modulkassa(
                ModulKassaClient::new(s.to_config()?)
                    .map_err(|e| settings::renamed(e, settings::MODULKASSA_RENAMES))?,
            ),
        })
    }

    /// [`ProviderSettings::from_json`], then [`AnyProvider::from_settings`].
    ///
    /// # Errors
    /// As those two.
    pub fn from_json(text: &str) -> Result<AnyProvider, ProviderError> {
        AnyProvider::from_settings(&ProviderSettings::from_json(text)?)
    }
}

impl From<AtolClient> for AnyProvider {
    fn from(c: AtolClient) -> AnyProvider {
        AnyProvider::Atol(c)
    }
}

impl From<OrangeClient> for AnyProvider {
    fn from(c: OrangeClient) -> AnyProvider {
        AnyProvider::OrangeData(c)
    }
}

impl From<BusinessRuClient> for AnyProvider {
    fn from(c: BusinessRuClient) -> AnyProvider {
        AnyProvider::BusinessRu(c)
    }
}

impl From<FermaClient> for AnyProvider {
    fn from(c: FermaClient) -> AnyProvider {
        AnyProvider::Ferma(c)
    }
}

impl From<KomtetClient> for AnyProvider {
    fn from(c: KomtetClient) -> AnyProvider {
        AnyProvider::Komtet(c)
    }
}

impl From<ModulKassaClient> for AnyProvider {
    fn from(c: ModulKassaClient) -> AnyProvider {
        AnyProvider::Modulkassa(c)
    }
}

impl Provider for AnyProvider {
    fn name(&self) -> &'static str {
        match self {
            AnyProvider::Atol(c) => c.name(),
            AnyProvider::OrangeData(c) => c.name(),
            AnyProvider::BusinessRu(c) => c.name(),
            AnyProvider::Ferma(c) => c.name(),
            AnyProvider::Komtet(c) => c.name(),
            AnyProvider::Modulkassa(c) => c.name(),
        }
    }

    fn in_doubt_resolution(&self) -> InDoubtResolution {
        match self {
            AnyProvider::Atol(c) => c.in_doubt_resolution(),
            AnyProvider::OrangeData(c) => c.in_doubt_resolution(),
            AnyProvider::BusinessRu(c) => c.in_doubt_resolution(),
            AnyProvider::Ferma(c) => c.in_doubt_resolution(),
            AnyProvider::Komtet(c) => c.in_doubt_resolution(),
            AnyProvider::Modulkassa(c) => c.in_doubt_resolution(),
        }
    }

    fn status_interval(&self) -> Option<std::time::Duration> {
        match self {
            AnyProvider::Atol(c) => c.status_interval(),
            AnyProvider::OrangeData(c) => c.status_interval(),
            AnyProvider::BusinessRu(c) => c.status_interval(),
            AnyProvider::Ferma(c) => c.status_interval(),
            AnyProvider::Komtet(c) => c.status_interval(),
            AnyProvider::Modulkassa(c) => c.status_interval(),
        }
    }

    async fn submit<'a>(
        &'a self,
        submission: &'a Submission<'a>,
    ) -> Result<Outcome, ProviderError> {
        match self {
            AnyProvider::Atol(c) => c.submit(submission).await,
            AnyProvider::OrangeData(c) => c.submit(submission).await,
            AnyProvider::BusinessRu(c) => c.submit(submission).await,
            AnyProvider::Ferma(c) => c.submit(submission).await,
            AnyProvider::Komtet(c) => c.submit(submission).await,
            AnyProvider::Modulkassa(c) => c.submit(submission).await,
        }
    }

    async fn status<'a>(&'a self, query: &'a StatusQuery<'a>) -> Result<Outcome, ProviderError> {
        match self {
            AnyProvider::Atol(c) => c.status(query).await,
            AnyProvider::OrangeData(c) => c.status(query).await,
            AnyProvider::BusinessRu(c) => c.status(query).await,
            AnyProvider::Ferma(c) => c.status(query).await,
            AnyProvider::Komtet(c) => c.status(query).await,
            AnyProvider::Modulkassa(c) => c.status(query).await,
        }
    }

    async fn health(&self) -> crate::Health {
        match self {
            AnyProvider::Atol(c) => c.health().await,
            AnyProvider::OrangeData(c) => c.health().await,
            AnyProvider::BusinessRu(c) => c.health().await,
            AnyProvider::Ferma(c) => c.health().await,
            AnyProvider::Komtet(c) => c.health().await,
            AnyProvider::Modulkassa(c) => c.health().await,
        }
    }
}
