//! A blocking facade over any [`Provider`], for callers without an async runtime: the C ABI,
//! and through it 1C, PHP and Python.
//!
//! Each [`BlockingProvider`] owns a small tokio runtime (one worker thread drives the sockets and
//! timers); `submit`/`status` run the provider's future to completion on the calling thread.
//! Safe to use from many threads at once. Calling it from *inside* an async runtime would
//! deadlock or panic in tokio, so it is refused with [`ProviderError::Config`] instead — never a
//! panic in the host process.

use crate::error::ProviderError;
use crate::outcome::Outcome;
use crate::provider::{Provider, StatusQuery, Submission};

/// A provider whose calls block until they finish (each is bounded by the provider's own
/// connect and request timeouts).
#[derive(Debug)]
pub struct BlockingProvider<P> {
    provider: P,
    runtime: tokio::runtime::Runtime,
}

fn refuse_inside_runtime() -> Result<(), ProviderError> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(ProviderError::Config {
            field: "runtime",
            message: "the blocking API was called from inside an async runtime: use the async Provider instead".into(),
        });
    }
    Ok(())
}

impl<P: Provider> BlockingProvider<P> {
    /// Wraps `provider` with its own runtime.
    pub fn new(provider: P) -> Result<BlockingProvider<P>, ProviderError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("fiskal-io")
            .enable_all()
            .build()
            .map_err(|e| ProviderError::Config {
                field: "runtime",
                message: format!("cannot start the I/O thread: {e}"),
            })?;
        Ok(BlockingProvider { provider, runtime })
    }

    /// The wrapped provider.
    pub fn provider(&self) -> &P {
        &self.provider
    }

    /// Sends a receipt and waits for the answer. See [`Provider::submit`].
    pub fn submit(&self, submission: &Submission<'_>) -> Result<Outcome, ProviderError> {
        refuse_inside_runtime()?;
        self.runtime.block_on(self.provider.submit(submission))
    }

    /// Looks a document up and waits for the answer. See [`Provider::status`].
    pub fn status(&self, query: &StatusQuery<'_>) -> Result<Outcome, ProviderError> {
        refuse_inside_runtime()?;
        self.runtime.block_on(self.provider.status(query))
    }
}
