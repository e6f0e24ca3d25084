//! The outbox's configuration as data (JSON from the C ABI and the bindings, TOML from the
//! CLI, through serde): routes with their provider settings, worker and timing options.
//!
//! ```json
//! {
//!   "routes": {
//!     "atol":   {"provider": {"provider": "atol", "api": "v5", "preset": "production",
//!                             "login": "shop", "password": {"env": "ATOL_PASSWORD"},
//!                             "group_code": "group_1"},
//!                "polls_per_second": 1,
//!                "failover": {"to": "orange", "after_tries": 5}},
//!     "orange": {"provider": {"provider": "orange_data", "…": "…"}}
//!   },
//!   "default_route": "atol",
//!   "worker": {"concurrency": 16, "lease_ms": 60000, "call_timeout_ms": 30000},
//!   "timing": {"poll_first_ms": 3000, "retry_base_ms": 1000, "deadline_accepted_s": 3600}
//! }
//! ```
//!
//! Every field but `routes` is optional; the defaults are [`WorkerConfig::default`] and
//! [`Config::default`]. Unknown fields are refused; errors name the field's path
//! (`routes.atol.provider.password`, `worker.lease_ms`). Provider settings are
//! `fiskal_providers::settings::ProviderSettings` (docs/provider-settings.md), secrets from env
//! vars or files; `Debug` of the settings never shows a secret.

use crate::error::OutboxError;
use crate::store::Config;
use crate::worker::{Route, WorkerConfig};
use fiskal_providers::settings::ProviderSettings;
use fiskal_providers::{AnyProvider, ProviderError};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::num::NonZeroU32;
use std::time::Duration;

/// The whole outbox configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxSettings {
    /// Routing name → route.
    pub routes: BTreeMap<String, RouteSettings>,
    /// The route of an enqueue that names none (must be one of `routes`).
    #[serde(default)]
    pub default_route: Option<String>,
    /// Worker options.
    #[serde(default)]
    pub worker: WorkerSettings,
    /// Delays and deadlines of the state machine.
    #[serde(default)]
    pub timing: TimingSettings,
    /// Caps the database at this many 4 KiB pages (a write beyond fails like a full disk).
    #[serde(default)]
    pub max_db_pages: Option<u32>,
    /// How to connect when the journal is a `postgres://` URL (feature `postgres`): the
    /// password from an env var or a file, the schema, the pool. Ignored for an SQLite file.
    #[serde(default)]
    pub postgres: Option<PostgresSettings>,
}

/// The PostgreSQL journal's connection options as data (`PgConfig` without the URL, which
/// is the journal location: `fiskal worker --db postgres://user@host:port/db`).
///
/// ```json
/// {"password": {"env": "FISKAL_PG_PASSWORD"}, "schema": "fiskal_outbox", "pool_size": 8,
///  "poll_only": false, "connect_timeout_ms": 5000, "reconnect_max_ms": 5000,
///  "ca_file": "/etc/ssl/private-ca.pem"}
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostgresSettings {
    /// The password: `{"env": "NAME"}` or `{"file": "/path"}` (or inline); overrides one in
    /// the URL. Never shown by `Debug`.
    #[serde(default)]
    pub password: Option<fiskal_providers::settings::SecretSource>,
    /// The schema holding the journal's tables (default `fiskal_outbox`).
    #[serde(default)]
    pub schema: Option<String>,
    /// Connections per process (default 8).
    #[serde(default)]
    pub pool_size: Option<usize>,
    /// No LISTEN, the periodic poll only: for PgBouncer in transaction pooling mode.
    #[serde(default)]
    pub poll_only: Option<bool>,
    /// Longest wait to connect, in milliseconds (default 5000).
    #[serde(default)]
    pub connect_timeout_ms: Option<u64>,
    /// Longest wait between reconnection attempts, in milliseconds (default 5000).
    #[serde(default)]
    pub reconnect_max_ms: Option<u64>,
    /// A PEM file of extra root certificates for TLS (`sslmode=require` in the URL).
    #[serde(default)]
    pub ca_file: Option<std::path::PathBuf>,
    /// The lease holder's name (default: host name, process id, a random suffix). Two
    /// running workers must never share it.
    #[serde(default)]
    pub owner: Option<String>,
}

#[cfg(feature = "postgres")]
impl PostgresSettings {
    /// The connection options for the server at `url`. Errors name the field
    /// (`postgres.password` when its env var is unset or its file unreadable).
    pub fn pg_config(&self, url: &str) -> Result<crate::store::PgConfig, OutboxError> {
        let mut c = crate::store::PgConfig::new(url);
        if let Some(p) = &self.password {
            let secret = p
                .resolve("postgres.password")
                .map_err(|e| config_error("postgres.password", e))?;
            c.password = Some(secret.expose().to_owned());
        }
        if let Some(s) = &self.schema {
            c.schema.clone_from(s);
        }
        if let Some(n) = self.pool_size {
            c.pool_size = n;
        }
        if let Some(b) = self.poll_only {
            c.poll_only = b;
        }
        if let Some(ms) = self.connect_timeout_ms {
            c.connect_timeout = Duration::from_millis(ms);
        }
        if let Some(ms) = self.reconnect_max_ms {
            c.reconnect_max = Duration::from_millis(ms);
        }
        c.ca_file.clone_from(&self.ca_file);
        c.owner.clone_from(&self.owner);
        Ok(c)
    }
}

/// One route.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteSettings {
    /// The provider's settings (kept as JSON, parsed strictly by `ProviderSettings`).
    pub provider: serde_json::Value,
    /// Where the provider reports results.
    #[serde(default)]
    pub callback_url: Option<String>,
    /// Status requests per second at most.
    #[serde(default)]
    pub polls_per_second: Option<NonZeroU32>,
    /// Failover for receipts this route never accepted.
    #[serde(default)]
    pub failover: Option<FailoverSettings>,
}

impl std::fmt::Debug for RouteSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The provider JSON may hold inline secrets: show its parsed, redacting Debug only.
        let provider = ProviderSettings::from_json(&self.provider.to_string())
            .map(|p| format!("{p:?}"))
            .unwrap_or_else(|_| "<unparsed provider settings>".into());
        f.debug_struct("RouteSettings")
            .field("provider", &provider)
            .field("callback_url", &self.callback_url)
            .field("polls_per_second", &self.polls_per_second)
            .field("failover", &self.failover)
            .finish()
    }
}

/// Failover of a route.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailoverSettings {
    /// The route to move to.
    pub to: String,
    /// Consecutive transient failures first.
    pub after_tries: u32,
}

/// [`WorkerConfig`] as data (durations in milliseconds).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerSettings {
    /// [`WorkerConfig::concurrency`].
    pub concurrency: Option<usize>,
    /// [`WorkerConfig::lease`].
    pub lease_ms: Option<u64>,
    /// [`WorkerConfig::call_timeout`].
    pub call_timeout_ms: Option<u64>,
    /// [`WorkerConfig::idle_wait`].
    pub idle_wait_ms: Option<u64>,
    /// [`WorkerConfig::stuck_scan`].
    pub stuck_scan_ms: Option<u64>,
    /// [`WorkerConfig::register_resubmits`].
    pub register_resubmits: Option<u32>,
    /// [`WorkerConfig::no_resubmit_codes`].
    pub no_resubmit_codes: Option<Vec<String>>,
    /// [`WorkerConfig::drain_timeout`].
    pub drain_timeout_ms: Option<u64>,
    /// [`WorkerConfig::utc_offset_minutes`].
    pub utc_offset_minutes: Option<i32>,
    /// [`WorkerConfig::ofd_delivery_grace`].
    pub ofd_delivery_grace_ms: Option<u64>,
    /// [`WorkerConfig::held_polls`].
    pub held_polls: Option<usize>,
}

/// [`Config`] as data: delays in milliseconds, deadlines in seconds (`0` = no deadline).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimingSettings {
    /// [`Config::poll_first`].
    pub poll_first_ms: Option<u64>,
    /// [`Config::poll_max`].
    pub poll_max_ms: Option<u64>,
    /// [`Config::retry_base`].
    pub retry_base_ms: Option<u64>,
    /// [`Config::retry_max`].
    pub retry_max_ms: Option<u64>,
    /// [`Config::jitter_percent`].
    pub jitter_percent: Option<u32>,
    /// [`Config::deadline_queued`].
    pub deadline_queued_s: Option<u64>,
    /// [`Config::deadline_sending`].
    pub deadline_sending_s: Option<u64>,
    /// [`Config::deadline_accepted`].
    pub deadline_accepted_s: Option<u64>,
    /// [`Config::deadline_in_doubt`].
    pub deadline_in_doubt_s: Option<u64>,
    /// [`Config::deadline_retry_later`].
    pub deadline_retry_later_s: Option<u64>,
    /// [`Config::deadline_failed_at_register`].
    pub deadline_failed_at_register_s: Option<u64>,
}

fn config_error(field: impl Into<String>, message: impl std::fmt::Display) -> OutboxError {
    OutboxError::InvalidConfig {
        field: Some(field.into()),
        message: message.to_string(),
    }
}

impl OutboxSettings {
    /// Parses the settings JSON strictly; errors name the field path.
    pub fn from_json(text: &str) -> Result<OutboxSettings, OutboxError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let s: OutboxSettings = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            config_error(
                if path == "." { "settings".into() } else { path },
                e.inner(),
            )
        })?;
        de.end().map_err(|e| config_error("settings", e))?;
        s.check()?;
        Ok(s)
    }

    /// Checks the cross-references (default route, failover targets).
    pub fn check(&self) -> Result<(), OutboxError> {
        if self.routes.is_empty() {
            return Err(config_error("routes", "at least one route is needed"));
        }
        if let Some(d) = &self.default_route {
            if !self.routes.contains_key(d) {
                return Err(config_error(
                    "default_route",
                    format!("no route named {d:?}"),
                ));
            }
        }
        for (name, r) in &self.routes {
            crate::store::check_key(name).map_err(|_| {
                config_error(
                    format!("routes.{name}"),
                    "a route name is 1–100 ASCII letters, digits or -_.:/",
                )
            })?;
            if let Some(f) = &r.failover {
                if !self.routes.contains_key(&f.to) || f.to == *name {
                    return Err(config_error(
                        format!("routes.{name}.failover.to"),
                        format!("{:?} is not another route", f.to),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The store's timing.
    pub fn store_config(&self) -> Config {
        let t = &self.timing;
        let d = Config::default();
        let ms = |v: Option<u64>, default: Duration| v.map_or(default, Duration::from_millis);
        let deadline = |v: Option<u64>, default: Option<Duration>| match v {
            None => default,
            Some(0) => None,
            Some(s) => Some(Duration::from_secs(s)),
        };
        Config {
            deadline_queued: deadline(t.deadline_queued_s, d.deadline_queued),
            deadline_sending: deadline(t.deadline_sending_s, d.deadline_sending),
            deadline_accepted: deadline(t.deadline_accepted_s, d.deadline_accepted),
            deadline_in_doubt: deadline(t.deadline_in_doubt_s, d.deadline_in_doubt),
            deadline_retry_later: deadline(t.deadline_retry_later_s, d.deadline_retry_later),
            deadline_failed_at_register: deadline(
                t.deadline_failed_at_register_s,
                d.deadline_failed_at_register,
            ),
            poll_first: ms(t.poll_first_ms, d.poll_first),
            poll_max: ms(t.poll_max_ms, d.poll_max),
            retry_base: ms(t.retry_base_ms, d.retry_base),
            retry_max: ms(t.retry_max_ms, d.retry_max),
            jitter_percent: t.jitter_percent.unwrap_or(d.jitter_percent).min(100),
            max_page_count: self.max_db_pages,
            ..d
        }
    }

    /// The worker's options.
    pub fn worker_config(&self) -> WorkerConfig {
        let w = &self.worker;
        let d = WorkerConfig::default();
        let ms = |v: Option<u64>, default: Duration| v.map_or(default, Duration::from_millis);
        WorkerConfig {
            concurrency: w.concurrency.unwrap_or(d.concurrency),
            lease: ms(w.lease_ms, d.lease),
            call_timeout: ms(w.call_timeout_ms, d.call_timeout),
            idle_wait: ms(w.idle_wait_ms, d.idle_wait),
            stuck_scan: ms(w.stuck_scan_ms, d.stuck_scan),
            register_resubmits: w.register_resubmits.unwrap_or(d.register_resubmits),
            no_resubmit_codes: w.no_resubmit_codes.clone().unwrap_or_default(),
            drain_timeout: ms(w.drain_timeout_ms, d.drain_timeout),
            utc_offset_minutes: w.utc_offset_minutes.unwrap_or(d.utc_offset_minutes),
            ofd_delivery_grace: ms(w.ofd_delivery_grace_ms, d.ofd_delivery_grace),
            held_polls: w.held_polls.unwrap_or(d.held_polls),
        }
    }

    /// Builds every route's provider client (reads secrets; no network).
    pub fn build_routes(&self) -> Result<HashMap<String, Route<AnyProvider>>, OutboxError> {
        let mut out = HashMap::new();
        for (name, r) in &self.routes {
            let provider = AnyProvider::from_json(&r.provider.to_string())
                .map_err(|e| provider_error(name, &e))?;
            let mut route = Route::new(provider);
            if let Some(u) = &r.callback_url {
                route = route.callback_url(u.clone());
            }
            if let Some(n) = r.polls_per_second {
                route = route.polls_per_second(n);
            }
            if let Some(f) = &r.failover {
                route = route.failover(f.to.clone(), f.after_tries);
            }
            out.insert(name.clone(), route);
        }
        Ok(out)
    }
}

fn provider_error(route: &str, e: &ProviderError) -> OutboxError {
    let field = match e {
        ProviderError::Config { field, .. } => format!("routes.{route}.provider.{field}"),
        _ => format!("routes.{route}.provider"),
    };
    config_error(field, e)
}
