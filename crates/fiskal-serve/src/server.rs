//! The accept loop: HTTP/1.1 connections through hyper with a header-read timeout (a client
//! that trickles its headers is dropped), at most `max_connections` at once (more wait in the
//! listen backlog), and a graceful shutdown that lets in-flight requests finish. With TLS, each
//! connection's handshake must end within the header timeout too.

use crate::tls::OverTls;
use crate::{Gateway, ServeError, Tls};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

pub(crate) async fn serve(
    gw: Gateway,
    listener: tokio::net::TcpListener,
    tls: Option<Tls>,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let addr = listener.local_addr().map_err(|e| ServeError::Listen {
        addr: "?".into(),
        message: e.to_string(),
    })?;
    let opts = gw.inner.opts.clone();
    let router = match tls {
        // Handlers see that the request came over TLS (the session cookie gets `Secure`).
        Some(_) => gw.router().layer(axum::Extension(OverTls)),
        None => gw.router(),
    };
    let acceptor = tls.map(|t| tokio_rustls::TlsAcceptor::from(t.config));
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(opts.max_connections.max(1)));
    tracing::info!(%addr, "fiskal gateway listening");
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = Arc::clone(&slots).acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok((s, _)) => s,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(router.clone());
        let builder = {
            let mut b = hyper::server::conn::http1::Builder::new();
            b.timer(TokioTimer::new())
                .header_read_timeout(opts.header_timeout)
                .keep_alive(true);
            b
        };
        match &acceptor {
            None => {
                let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
                tokio::spawn(async move {
                    let _ = conn.await;
                    drop(permit);
                });
            }
            Some(acceptor) => {
                // The handshake runs on the connection's task (a slow client holds only its
                // own slot); one that does not finish within the header timeout is dropped.
                let handshake = acceptor.accept(stream);
                let timeout = opts.header_timeout;
                let watcher = graceful.watcher();
                tokio::spawn(async move {
                    if let Ok(Ok(stream)) = tokio::time::timeout(timeout, handshake).await {
                        let conn = builder.serve_connection(TokioIo::new(stream), service);
                        let _ = watcher.watch(conn).await;
                    }
                    drop(permit);
                });
            }
        }
    }
    drop(listener);
    tracing::info!(%addr, "fiskal gateway stopping");
    tokio::select! {
        () = graceful.shutdown() => {},
        () = tokio::time::sleep(opts.drain_timeout) => {},
    }
    // Stopping joins the worker thread (it drains in-flight provider calls): not on the runtime.
    let _ = tokio::task::spawn_blocking(move || gw.inner.outbox.stop()).await;
    Ok(())
}
