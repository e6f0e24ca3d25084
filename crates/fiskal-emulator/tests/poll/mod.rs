//! Waiting for a condition instead of sleeping a fixed time: `poll_until` asks `probe` again
//! every 10 ms until it gives `Some`, and fails the test when `deadline` passes first.
#![allow(dead_code, unreachable_pub)]

use std::future::Future;
use std::time::{Duration, Instant};

/// The value `probe` gives once it gives one; panics naming `what` after `deadline`.
pub async fn poll_until<T, F, Fut>(what: &str, deadline: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(
            start.elapsed() < deadline,
            "waited {deadline:?} for {what} in vain"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
