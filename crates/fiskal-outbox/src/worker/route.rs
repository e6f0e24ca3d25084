//! Routes: which provider (and with which options) an entry's routing name stands for.

use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Failover to a second provider for receipts the first one never accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failover {
    /// The route (routing name) to move the entry to.
    pub to: String,
    /// Consecutive transient failures (`retry_later` answers) at this route before moving.
    pub after_tries: u32,
}

/// One routing name: a provider client and how the worker treats it.
///
/// ```
/// # fn demo<P: fiskal_providers::Provider>(atol: P) {
/// use fiskal_outbox::worker::Route;
/// use std::num::NonZeroU32;
/// let route = Route::new(atol)
///     .callback_url("https://shop.example/fiskal/callback")
///     .polls_per_second(NonZeroU32::new(1).expect("1 > 0"))
///     .failover("orange", 5);
/// # }
/// ```
#[derive(Debug)]
pub struct Route<P> {
    pub(crate) provider: Arc<P>,
    pub(crate) callback_url: Option<String>,
    pub(crate) failover: Option<Failover>,
    pub(crate) gate: Option<PollGate>,
}

impl<P> Route<P> {
    /// A route to `provider`, no callback, no poll limit, no failover.
    pub fn new(provider: P) -> Route<P> {
        Route::shared(Arc::new(provider))
    }

    /// A route to a provider client shared with other routes or callers.
    pub fn shared(provider: Arc<P>) -> Route<P> {
        Route {
            provider,
            callback_url: None,
            failover: None,
            gate: None,
        }
    }

    /// Where the provider reports results (a callback only makes the worker poll sooner, see
    /// [`Worker::poke`](super::Worker::poke); its content is never trusted).
    pub fn callback_url(mut self, url: impl Into<String>) -> Route<P> {
        self.callback_url = Some(url.into());
        self
    }

    /// At most this many status requests per second to this route (ATOL allows one report
    /// request per second per group; the adapter enforces that too). Every status request of
    /// the route (polls and in-doubt lookups) waits for its slot. Without it, the route keeps
    /// the provider client's own [`status_interval`](fiskal_providers::Provider::status_interval).
    pub fn polls_per_second(mut self, n: NonZeroU32) -> Route<P> {
        self.gate = Some(PollGate::new(n));
        self
    }

    /// Moves receipts this route never accepted to route `to` after `after_tries` consecutive
    /// transient failures.
    pub fn failover(mut self, to: impl Into<String>, after_tries: u32) -> Route<P> {
        self.failover = Some(Failover {
            to: to.into(),
            after_tries: after_tries.max(1),
        });
        self
    }

    /// The provider client.
    pub fn provider(&self) -> &P {
        &self.provider
    }
}

/// Spaces requests at least `1/n` s apart (a slot reservation: each caller takes the next
/// free slot and sleeps until it).
#[derive(Debug)]
pub(crate) struct PollGate {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl PollGate {
    fn new(n: NonZeroU32) -> PollGate {
        PollGate::every(Duration::from_secs(1) / n.get())
    }

    /// One request per `interval`.
    pub(crate) fn every(interval: Duration) -> PollGate {
        PollGate {
            interval,
            next: Mutex::new(None),
        }
    }

    /// The spacing.
    pub(crate) fn interval(&self) -> Duration {
        self.interval
    }

    /// How long to wait for this caller's slot (the slot is taken).
    pub(crate) fn reserve(&self) -> Duration {
        let now = Instant::now();
        let Ok(mut next) = self.next.lock() else {
            // A panicking holder cannot corrupt an Instant; wait one interval to be safe.
            return self.interval;
        };
        let slot = next.map_or(now, |n| n.max(now));
        *next = Some(slot + self.interval);
        slot - now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_spaced() {
        let g = PollGate::new(NonZeroU32::new(4).expect("4"));
        let waits: Vec<Duration> = (0..4).map(|_| g.reserve()).collect();
        assert_eq!(waits[0], Duration::ZERO);
        for (i, w) in waits.iter().enumerate().skip(1) {
            let want = Duration::from_millis(250) * u32::try_from(i).expect("small");
            assert!(
                *w <= want && *w + Duration::from_millis(50) >= want,
                "slot {i}: {w:?}"
            );
        }
    }
}
