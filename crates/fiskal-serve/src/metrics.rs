//! `/metrics`: the gateway's measures in the Prometheus text format (OpenMetrics 1.0), kept and
//! written by `prometheus-client`, the Prometheus project's own Rust client.
//!
//! | metric | type | labels | from |
//! |---|---|---|---|
//! | `fiskal_entries` | gauge | `state` | the journal's counts per state, read at each scrape |
//! | `fiskal_stuck_entries` | gauge | | the `stuck` count, read at each scrape |
//! | `fiskal_route_outcomes_total` | counter | `route`, `outcome` = `done` \| `refused` \| `retry` | the worker's changes (refused: `rejected` or `failed_at_register`; retry: into `retry_later`) |
//! | `fiskal_first_send_to_done_seconds` | histogram | | per receipt done: from its first claim for sending to `done`, read from its audit trail |
//! | `fiskal_provider_errors_total` | counter | `route`, `kind` | the worker's changes: `rejected`, `register`, `retry_later`, `in_doubt`, `id_conflict`, and `local` when the code is a local one (`local:…`: transport, TLS, timeout) |
//! | `fiskal_store_errors_total` | counter | | the worker's failed store operations plus the gateway's (answers 7011–7018 and failed scrapes) |
//! | `fiskal_worker_running` | gauge | | 1 when the worker thread runs |
//!
//! Counters start at zero with the process, as Prometheus expects.

use crate::error::ServeError;
use fiskal_json::OutboxHandle;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use serde::Deserialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

type Labels = Vec<(&'static str, String)>;

/// The gateway's metrics (module docs).
pub struct Metrics {
    registry: Registry,
    entries: Family<Labels, Gauge>,
    stuck: Gauge,
    outcomes: Family<Labels, Counter>,
    latency: Histogram,
    provider_errors: Family<Labels, Counter>,
    store_errors: Counter,
    worker_running: Gauge,
    worker_store_errors_seen: AtomicU64,
    scrape: Mutex<()>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

/// The latency buckets, seconds: a cloud register answers in seconds; hours mean trouble.
const LATENCY_BUCKETS: [f64; 12] = [
    0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 14400.0,
];

/// The part of an observer event (fiskal-json's event JSON) the metrics read.
#[derive(Deserialize)]
struct Event {
    key: String,
    state: String,
    from: Option<String>,
    route: String,
    last_code: Option<String>,
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Result<Metrics, ServeError> {
        let mut registry = Registry::default();
        let entries = Family::<Labels, Gauge>::default();
        let stuck = Gauge::default();
        let outcomes = Family::<Labels, Counter>::default();
        let latency = Histogram::new(LATENCY_BUCKETS);
        let provider_errors = Family::<Labels, Counter>::default();
        let store_errors = Counter::default();
        let worker_running = Gauge::default();
        registry.register(
            "fiskal_entries",
            "Journal entries per state",
            entries.clone(),
        );
        registry.register(
            "fiskal_stuck_entries",
            "Entries stuck (past their state's deadline; a person must look)",
            stuck.clone(),
        );
        registry.register(
            "fiskal_route_outcomes",
            "Receipts done, refused (rejected or failed at the register) and sent to retry, per route",
            outcomes.clone(),
        );
        registry.register(
            "fiskal_first_send_to_done_seconds",
            "Latency from a receipt's first send to done",
            latency.clone(),
        );
        registry.register(
            "fiskal_provider_errors",
            "Provider call failures and refusals per route and kind",
            provider_errors.clone(),
        );
        registry.register(
            "fiskal_store_errors",
            "Journal operations that failed (nothing of them was stored)",
            store_errors.clone(),
        );
        registry.register(
            "fiskal_worker_running",
            "1 when the outbox worker runs",
            worker_running.clone(),
        );
        Ok(Metrics {
            registry,
            entries,
            stuck,
            outcomes,
            latency,
            provider_errors,
            store_errors,
            worker_running,
            worker_store_errors_seen: AtomicU64::new(0),
            scrape: Mutex::new(()),
        })
    }

    /// Counts one change the worker wrote (fiskal-json's observer event JSON). Returns the key
    /// when the change made the receipt done (its latency is read from the audit trail).
    pub fn on_event(&self, event_json: &str) -> Option<String> {
        let e: Event = serde_json::from_str(event_json).ok()?;
        let from = e.from.as_deref().unwrap_or("");
        if from == e.state {
            return None;
        }
        let outcome = |o: &'static str| {
            self.outcomes
                .get_or_create(&vec![("route", e.route.clone()), ("outcome", o.to_owned())])
                .inc();
        };
        let error = |k: &'static str| {
            self.provider_errors
                .get_or_create(&vec![("route", e.route.clone()), ("kind", k.to_owned())])
                .inc();
        };
        let local = e
            .last_code
            .as_deref()
            .is_some_and(|c| c.starts_with("local:"));
        match e.state.as_str() {
            "done" => {
                outcome("done");
                return Some(e.key);
            }
            "rejected" => {
                outcome("refused");
                error(if local { "local" } else { "rejected" });
            }
            "failed_at_register" => {
                outcome("refused");
                error("register");
            }
            "retry_later" if from == "sending" => {
                outcome("retry");
                error(if local { "local" } else { "retry_later" });
            }
            "in_doubt" if from == "sending" => error("in_doubt"),
            "stuck" if e.last_code.as_deref() == Some(fiskal_outbox::ID_CONFLICT_CODE) => {
                error("id_conflict");
            }
            _ => {}
        }
        None
    }

    /// Records one first-send-to-done latency.
    pub fn observe_latency(&self, seconds: f64) {
        self.latency.observe(seconds);
    }

    /// Counts one failed journal operation of the gateway.
    pub fn store_error(&self) {
        self.store_errors.inc();
    }

    /// Reads the journal's counts and the worker's state, then writes the exposition.
    pub fn scrape(&self, outbox: &OutboxHandle) -> String {
        let _one = self.scrape.lock().unwrap_or_else(|p| p.into_inner());
        let o = outbox.outbox();
        match o.stats() {
            Ok(stats) => {
                for s in fiskal_outbox::State::ALL {
                    let n = stats.iter().find(|x| x.state == s).map_or(0, |x| x.count);
                    let n = i64::try_from(n).unwrap_or(i64::MAX);
                    self.entries
                        .get_or_create(&vec![("state", s.name().to_owned())])
                        .set(n);
                    if s == fiskal_outbox::State::Stuck {
                        self.stuck.set(n);
                    }
                }
            }
            Err(_) => {
                self.store_errors.inc();
            }
        }
        let c = o.counters();
        let seen = self
            .worker_store_errors_seen
            .swap(c.store_errors, Ordering::Relaxed);
        if c.store_errors > seen {
            self.store_errors.inc_by(c.store_errors - seen);
        }
        self.worker_running.set(i64::from(o.is_running()));
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

/// The first-send-to-done latency of a done receipt from its audit trail, in milliseconds: from
/// the first `claimed_for_send` to the last change into `done` (as the outbox's window metrics
/// count it).
pub(crate) fn latency_ms_from_audit(records: &[fiskal_outbox::AuditRecord]) -> Option<u64> {
    let first = records.iter().find(|r| r.reason == "claimed_for_send")?.at;
    let done = records
        .iter()
        .rev()
        .find(|r| r.to == fiskal_outbox::State::Done)?
        .at;
    u64::try_from(done.as_millis().saturating_sub(first.as_millis())).ok()
}

/// Milliseconds as the seconds of the histogram (exact for any realistic latency).
#[allow(clippy::cast_precision_loss)]
pub(crate) fn seconds(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_counted_per_route() {
        let m = Metrics::new().expect("metrics");
        let ev = |from: &str, to: &str, code: Option<&str>| {
            serde_json::json!({"key": "k1", "state": to, "from": from, "route": "atol",
                               "last_code": code})
            .to_string()
        };
        assert_eq!(m.on_event(&ev("accepted", "done", None)), Some("k1".into()));
        assert_eq!(
            m.on_event(&ev("sending", "retry_later", Some("local:transport"))),
            None
        );
        assert_eq!(m.on_event(&ev("sending", "rejected", Some("32"))), None);
        assert_eq!(m.on_event(&ev("accepted", "accepted", None)), None);
        assert_eq!(m.on_event("not json"), None);
        let mut s = String::new();
        encode(&mut s, &m.registry).expect("encode");
        assert!(
            s.contains("fiskal_route_outcomes_total{route=\"atol\",outcome=\"done\"} 1"),
            "{s}"
        );
        assert!(
            s.contains("fiskal_route_outcomes_total{route=\"atol\",outcome=\"retry\"} 1"),
            "{s}"
        );
        assert!(
            s.contains("fiskal_route_outcomes_total{route=\"atol\",outcome=\"refused\"} 1"),
            "{s}"
        );
        assert!(
            s.contains("fiskal_provider_errors_total{route=\"atol\",kind=\"local\"} 1"),
            "{s}"
        );
        assert!(
            s.contains("fiskal_provider_errors_total{route=\"atol\",kind=\"rejected\"} 1"),
            "{s}"
        );
    }
}
