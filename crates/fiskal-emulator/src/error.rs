//! The one error type of fiskal-emulator.

/// What can go wrong when starting or configuring an emulator.
///
/// Requests never produce this type: every request, however malformed, gets the provider's own
/// documented error answer. The `Display` text is meant for people and is **not** a stable
/// contract: match on the variants.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmulatorError {
    /// The loopback listener could not be bound (port in use, no permission …).
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        /// The port asked for (0 = any free port).
        port: u16,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The test certificates or the TLS configuration could not be made.
    #[error("emulator TLS: {message}")]
    Tls {
        /// What rcgen or rustls said.
        message: String,
    },
    /// The configuration is unusable.
    #[error("invalid emulator configuration: `{field}`: {message}")]
    Config {
        /// The configuration field concerned (`accounts[1].group_code`).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The runtime of a [`BackgroundAtol`](crate::atol::BackgroundAtol) could not be started.
    #[error("cannot start the emulator's runtime: {0}")]
    Runtime(std::io::Error),
}
