//! Opening the PostgreSQL journal ([`PgStore::open`]: settings, TLS, pool, the session check
//! and the migration), the store's own runtime, and the pooled connections with the backoff
//! after a connection failure.

use super::config::{check_schema, default_owner, describe, invalid, lower_scheme, tls_config};
use super::*;

/// Reconnection backoff: while `until` is ahead, calls fail fast.
#[derive(Debug, Default)]
pub(super) struct Backoff {
    until: Option<Instant>,
    delay: Duration,
    last: String,
}

impl PgStore {
    /// Connects to the journal, creates or migrates its schema (under an advisory lock) and
    /// checks the session: a schema newer than this build is [`OutboxError::SchemaTooNew`];
    /// `synchronous_commit = off` is refused ([`OutboxError::InvalidConfig`]). A server that
    /// cannot be reached is [`OutboxError::Unavailable`]; wrong credentials or database
    /// [`OutboxError::Open`].
    pub fn open(settings: PgConfig, config: Config) -> Result<PgStore, OutboxError> {
        check_schema(&settings.schema)?;
        if settings.pool_size == 0 {
            return Err(invalid("postgres.pool_size", "at least 1"));
        }
        // The URL parser's error may quote the URL: never pass it on.
        let mut pg: tokio_postgres::Config = lower_scheme(&settings.url).parse().map_err(|_| {
            invalid(
                "db",
                "not a PostgreSQL connection string (postgres://user@host:port/db or key=value)",
            )
        })?;
        if let Some(p) = &settings.password {
            pg.password(p.as_bytes());
        }
        pg.connect_timeout(settings.connect_timeout);
        if pg.get_application_name().is_none() {
            pg.application_name("fiskal-outbox");
        }
        let target = describe(&pg);
        let tls =
            tokio_postgres_rustls::MakeRustlsConnect::new(tls_config(settings.ca_file.as_deref())?);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("fiskal-outbox-pg")
            .enable_all()
            .build()
            .map_err(|e| OutboxError::InvalidConfig {
                field: None,
                message: format!("cannot start the PostgreSQL runtime: {e}"),
            })?;
        let manager = Manager::from_config(
            pg.clone(),
            tls.clone(),
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = {
            let _guard = rt.enter();
            Pool::builder(manager)
                .max_size(settings.pool_size)
                .runtime(deadpool_postgres::Runtime::Tokio1)
                .wait_timeout(Some(settings.connect_timeout))
                .create_timeout(Some(settings.connect_timeout))
                .build()
                .map_err(|e| OutboxError::InvalidConfig {
                    field: None,
                    message: format!("connection pool: {e}"),
                })?
        };
        let schema = settings.schema.clone();
        let store = PgStore {
            rt: Some(rt),
            pool,
            pg,
            tls,
            config,
            channel: format!("{schema}_wake"),
            schema,
            owner: settings.owner.clone().unwrap_or_else(default_owner),
            poll_only: settings.poll_only,
            target,
            reconnect_max: settings.reconnect_max,
            backoff: Mutex::new(Backoff::default()),
            leases: Mutex::new(HashMap::new()),
            listener: Mutex::new(None),
            seen_seq: AtomicI64::new(0),
        };
        store.run(async {
            let mut c = store.client().await?;
            let sync: String = c
                .query_one("SHOW synchronous_commit", &[])
                .await
                .map_err(|e| pg_error(&e))?
                .try_get(0)
                .map_err(|e| pg_error(&e))?;
            if sync == "off" {
                return Err(invalid(
                    "db",
                    "the server's synchronous_commit is off for this session: an acknowledged \
                     enqueue could be lost in a crash (set it to on)",
                ));
            }
            let client: &mut tokio_postgres::Client = &mut c;
            schema::migrate(client, &store.schema).await
        })?;
        Ok(store)
    }

    /// The server, database and user (never the password).
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The schema holding the journal.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// The name this store writes as the holder of its leases.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The timing configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    pub(super) fn rt(&self) -> &tokio::runtime::Runtime {
        self.rt
            .as_ref()
            .unwrap_or_else(|| unreachable!("the runtime lives as long as the store"))
    }

    /// Runs `f` to completion on the store's runtime. From inside an async context (where a
    /// runtime cannot block) it runs on a short-lived thread of its own.
    pub(super) fn run<T: Send>(
        &self,
        f: impl Future<Output = Result<T, OutboxError>> + Send,
    ) -> Result<T, OutboxError> {
        if tokio::runtime::Handle::try_current().is_ok() {
            std::thread::scope(|s| {
                s.spawn(|| self.rt().block_on(f))
                    .join()
                    .unwrap_or_else(|_| {
                        Err(OutboxError::Database {
                            message: "the store's thread panicked".to_owned(),
                        })
                    })
            })
        } else {
            self.rt().block_on(f)
        }
    }

    pub(super) fn sql(&self, q: &str) -> String {
        q.replace("{s}", &self.schema)
    }

    /// A pooled connection, or [`OutboxError::Unavailable`] at once while backing off after a
    /// connection failure.
    pub(super) async fn client(&self) -> Result<deadpool_postgres::Object, OutboxError> {
        {
            let b = self.backoff.lock().map_err(|_| OutboxError::Poisoned)?;
            if let Some(until) = b.until {
                let now = Instant::now();
                if now < until {
                    return Err(OutboxError::Unavailable {
                        message: format!(
                            "{}: reconnecting in {} ms after: {}",
                            self.target,
                            until.duration_since(now).as_millis(),
                            b.last
                        ),
                    });
                }
            }
        }
        match self.pool.get().await {
            Ok(c) => {
                let mut b = self.backoff.lock().map_err(|_| OutboxError::Poisoned)?;
                b.until = None;
                b.delay = Duration::ZERO;
                Ok(c)
            }
            Err(e) => {
                let err = match connect_error(&e) {
                    OutboxError::Unavailable { message } => OutboxError::Unavailable {
                        message: format!("{}: {message}", self.target),
                    },
                    OutboxError::Open { message, .. } => OutboxError::Open {
                        path: self.target.clone(),
                        message,
                    },
                    other => other,
                };
                if let OutboxError::Unavailable { message } = &err {
                    self.failed(message);
                }
                Err(err)
            }
        }
    }

    /// Notes a connection failure: the next attempt waits (100 ms, doubling up to
    /// [`PgConfig::reconnect_max`]).
    pub(super) fn failed(&self, message: &str) {
        if let Ok(mut b) = self.backoff.lock() {
            b.delay = (b.delay * 2)
                .max(Duration::from_millis(100))
                .min(self.reconnect_max);
            b.until = Some(Instant::now() + b.delay);
            message.clone_into(&mut b.last);
        }
    }

    /// A connection lost mid-operation also backs off (the server is probably restarting).
    pub(super) fn note(&self, e: OutboxError) -> OutboxError {
        if let OutboxError::ConnectionLost { message } = &e {
            self.failed(message);
        }
        e
    }
}
