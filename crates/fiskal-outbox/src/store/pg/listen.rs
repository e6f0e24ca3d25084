//! The wake-up: a dedicated connection (outside the pool) that LISTENs on the journal's
//! channel and wakes the watching workers on every notification. It reconnects with backoff
//! and wakes them after every (re)connect, since notifications sent while it was away are
//! lost (NOTIFY is best effort; the workers' periodic poll covers the rest).

use crate::store::Wake;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_postgres::AsyncMessage;

/// The running listener; stops when dropped.
pub(super) struct Listener {
    wakers: Arc<Mutex<Vec<Wake>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn wake_all(wakers: &Mutex<Vec<Wake>>) {
    let list: Vec<Wake> = wakers.lock().map(|w| w.clone()).unwrap_or_default();
    for w in list {
        w();
    }
}

impl Listener {
    /// Starts listening on `channel` on the runtime `rt`.
    pub(super) fn start(
        rt: &tokio::runtime::Handle,
        pg: tokio_postgres::Config,
        tls: tokio_postgres_rustls::MakeRustlsConnect,
        channel: String,
        reconnect_max: Duration,
        first: Wake,
    ) -> Listener {
        let wakers = Arc::new(Mutex::new(vec![first]));
        let w = Arc::clone(&wakers);
        let task = rt.spawn(async move {
            let mut delay = Duration::from_millis(100);
            loop {
                match listen_once(&pg, &tls, &channel, &w).await {
                    Ok(()) => delay = Duration::from_millis(100),
                    Err(e) => {
                        tracing::warn!(error = %e, "outbox LISTEN connection failed; the worker polls meanwhile");
                    }
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(reconnect_max);
            }
        });
        Listener { wakers, task }
    }

    /// Wakes `wake` too.
    pub(super) fn add(&mut self, wake: Wake) {
        if let Ok(mut w) = self.wakers.lock() {
            w.push(wake);
        }
    }
}

/// One connection: LISTEN, then wake on every notification until the connection ends.
async fn listen_once(
    pg: &tokio_postgres::Config,
    tls: &tokio_postgres_rustls::MakeRustlsConnect,
    channel: &str,
    wakers: &Arc<Mutex<Vec<Wake>>>,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut conn) = pg.connect(tls.clone()).await?;
    let w = Arc::clone(wakers);
    let driver = tokio::spawn(async move {
        while let Some(m) = std::future::poll_fn(|cx| conn.poll_message(cx)).await {
            match m {
                Ok(AsyncMessage::Notification(_)) => wake_all(&w),
                Ok(_) => {}
                Err(_) => break,
            }
        }
    });
    // The channel name is the schema name (checked: [a-z0-9_]) and `_wake`.
    client.batch_execute(&format!("LISTEN {channel}")).await?;
    // Whatever was notified while we were not listening.
    wake_all(wakers);
    let _ = driver.await;
    drop(client);
    Ok(())
}
