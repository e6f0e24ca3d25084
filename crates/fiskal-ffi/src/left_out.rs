//! Stand-ins for the handle types of the parts a build leaves out (cargo features `providers`
//! and `outbox` off).
//!
//! The exports of a left-out part stay in the library with the same signatures (one header and
//! one symbol list for every build), and each returns [`Code::FeatureDisabled`] before it looks
//! at an argument. Their bodies are written once, against these types: no value of them can
//! exist (each holds an uninhabited field), so no handle of a left-out part is ever made and
//! their methods can never run.
//!
//! [`Code::FeatureDisabled`]: fiskal_json::Code::FeatureDisabled

use fiskal_json::ApiError;

/// No value: a handle of a left-out part cannot be made.
#[derive(Debug)]
pub(crate) enum Never {}

/// In place of `fiskal_json::Client` when the `providers` feature is off.
#[cfg(not(feature = "providers"))]
#[derive(Debug)]
pub(crate) struct Client(Never);

#[cfg(not(feature = "providers"))]
impl Client {
    /// Always [`fiskal_json::feature_disabled`]`("providers")`.
    pub(crate) fn new(_settings_json: &str) -> Result<Client, ApiError> {
        Err(fiskal_json::feature_disabled("providers"))
    }

    pub(crate) fn submit(&self, _request_json: &str, _timeout_ms: u32) -> Result<String, ApiError> {
        match self.0 {}
    }

    pub(crate) fn status(&self, _query_json: &str, _timeout_ms: u32) -> Result<String, ApiError> {
        match self.0 {}
    }
}

/// In place of `fiskal_json::EventObserver` when the `outbox` feature is off.
#[cfg(not(feature = "outbox"))]
pub(crate) type EventObserver = Box<dyn Fn(&str) + Send + Sync>;

/// In place of `fiskal_json::OutboxHandle` when the `outbox` feature is off.
#[cfg(not(feature = "outbox"))]
#[derive(Debug)]
pub(crate) struct OutboxHandle(Never);

#[cfg(not(feature = "outbox"))]
impl OutboxHandle {
    /// Always [`fiskal_json::feature_disabled`]`("outbox")`.
    pub(crate) fn open(
        _path: &str,
        _settings_json: &str,
        _observer: Option<EventObserver>,
    ) -> Result<OutboxHandle, ApiError> {
        Err(fiskal_json::feature_disabled("outbox"))
    }

    pub(crate) fn enqueue(&self, _: &str) -> Result<String, ApiError> {
        match self.0 {}
    }

    pub(crate) fn get(&self, _: &str) -> Result<String, ApiError> {
        match self.0 {}
    }

    pub(crate) fn list(&self, _: &str) -> Result<String, ApiError> {
        match self.0 {}
    }

    pub(crate) fn audit(&self, _: &str) -> Result<String, ApiError> {
        match self.0 {}
    }

    pub(crate) fn stats(&self) -> Result<String, ApiError> {
        match self.0 {}
    }

    pub(crate) fn start(&self) -> Result<(), ApiError> {
        match self.0 {}
    }

    pub(crate) fn stop(&self) -> Result<(), ApiError> {
        match self.0 {}
    }

    pub(crate) fn drain(&self, _: u32) -> Result<bool, ApiError> {
        match self.0 {}
    }

    pub(crate) fn poke(&self, _: &str) -> Result<bool, ApiError> {
        match self.0 {}
    }

    pub(crate) fn reconcile(&self, _: &str) -> Result<String, ApiError> {
        match self.0 {}
    }

    pub(crate) fn requeue(&self, _: &str) -> Result<String, ApiError> {
        match self.0 {}
    }

    pub(crate) fn cancel(&self, _: &str) -> Result<String, ApiError> {
        match self.0 {}
    }

    pub(crate) fn resolve(&self, _: &str) -> Result<String, ApiError> {
        match self.0 {}
    }
}
