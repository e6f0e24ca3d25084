//! The stop signal of the long-running commands (`fiskal serve`, `fiskal worker`).

/// Waits until the process is asked to stop: Ctrl-C (SIGINT) or, on Unix, SIGTERM — what
/// systemd, `kill`, container runtimes and most supervisors send. Both lead to the same graceful
/// stop (no new work, the work in flight finished, the journal closed). If the SIGTERM handler
/// cannot be installed, Ctrl-C alone still works.
pub(crate) async fn stop_requested() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
