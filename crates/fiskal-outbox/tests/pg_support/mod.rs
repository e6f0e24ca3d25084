//! The PostgreSQL side of the store tests: a journal per test in its own schema of the server
//! named by `FISKAL_TEST_PG_URL` (scripts/test-pg starts a throw-away one). Without the URL the
//! tests fail: nothing is skipped silently.
#![allow(dead_code, unreachable_pub)]

use fiskal_outbox::{Config, OutboxError, PgConfig, PgStore};
use std::sync::atomic::{AtomicU32, Ordering};

/// The server of the tests.
pub fn url() -> String {
    match std::env::var("FISKAL_TEST_PG_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => panic!(
            "FISKAL_TEST_PG_URL is not set: the PostgreSQL tests need a server \
             (bash scripts/test-pg starts a throw-away one and runs them)"
        ),
    }
}

/// A schema name unique to this process and call: `t_<name>_<pid>_<n>`, at most 50 bytes.
pub fn unique_schema(name: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(28)
        .collect();
    format!("t_{slug}_{}_{n}", std::process::id())
}

/// Runs raw SQL on the test server (own connection, own thread and runtime: callable from
/// sync and async tests alike).
pub fn raw_sql(url: &str, sql: &str) -> Result<(), String> {
    let url = url.to_owned();
    let sql = sql.to_owned();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        rt.block_on(async {
            let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .map_err(|e| e.to_string())?;
            let driver = tokio::spawn(conn);
            let r = client.batch_execute(&sql).await.map_err(|e| {
                e.as_db_error()
                    .map_or_else(|| e.to_string(), |d| d.message().to_owned())
            });
            drop(client);
            let _ = driver.await;
            r
        })
    })
    .join()
    .unwrap_or_else(|_| Err("raw SQL thread panicked".into()))
}

/// The rows `sql` answers on the test server (own connection, own thread and runtime, as
/// [`raw_sql`]); panics on a connection or query error, as a test should.
pub fn query_rows(url: &str, sql: &str) -> Vec<tokio_postgres::Row> {
    let url = url.to_owned();
    let sql = sql.to_owned();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .expect("connect");
            let driver = tokio::spawn(conn);
            let rows = client.query(&sql, &[]).await.expect("query");
            drop(client);
            let _ = driver.await;
            rows
        })
    })
    .join()
    .expect("query thread")
}

/// One journal: a schema of its own.
pub struct PgHarness {
    pub url: String,
    pub schema: String,
}

impl PgHarness {
    /// A fresh schema for the test `name`.
    pub fn new(name: &str) -> PgHarness {
        let url = url();
        let schema = unique_schema(name);
        raw_sql(&url, &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .unwrap_or_else(|e| panic!("cannot reach the test server at FISKAL_TEST_PG_URL: {e}"));
        PgHarness { url, schema }
    }

    /// The store settings of this journal.
    pub fn settings(&self) -> PgConfig {
        let mut s = PgConfig::new(self.url.clone());
        s.schema = self.schema.clone();
        s.pool_size = 4;
        s
    }

    /// A store on this journal.
    pub fn store(&self, cfg: Config) -> Result<PgStore, OutboxError> {
        PgStore::open(self.settings(), cfg)
    }

    /// The URL with a session option (`-c name=value`).
    pub fn url_with_option(&self, option: &str) -> String {
        let enc = option.replace(' ', "%20").replace('=', "%3D");
        let sep = if self.url.contains('?') { '&' } else { '?' };
        format!("{}{sep}options={enc}", self.url)
    }
}
