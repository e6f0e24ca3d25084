//! The connection settings of the PostgreSQL journal ([`PgConfig`], whose URL and password
//! never appear in `Debug`) and their checks: the schema name, the CA file, the URL's scheme,
//! the name of the server in errors, the default lease holder.

use super::*;

/// How to reach the PostgreSQL journal. The URL and the password are secrets: they never
/// appear in `Debug`, in errors or in logs.
///
/// [`OutboxError::InvalidConfig`] names the setting as the user wrote it: the journal location
/// (`--db`, the C ABI's `path`) as `db`, the other fields as in the outbox settings' `postgres`
/// section (`postgres.schema`, `postgres.pool_size`, `postgres.ca_file`).
#[derive(Clone)]
pub struct PgConfig {
    /// `postgres://user@host:port/db?sslmode=require` (or the key=value form). A password in
    /// the URL works, but prefer [`PgConfig::password`] (taken from an environment variable or
    /// a file, like other secrets). `sslmode=require` uses TLS (rustls; the web PKI roots plus
    /// [`PgConfig::ca_file`]); `host=/dir` connects over a Unix socket.
    pub url: String,
    /// The password (overrides one in the URL).
    pub password: Option<String>,
    /// The PostgreSQL schema (namespace) holding the journal's tables, created if missing:
    /// lower-case ASCII letters, digits and `_`, starting with a letter or `_`, at most 50
    /// bytes. Default `fiskal_outbox`. Several journals may share a database under different
    /// schemas.
    pub schema: String,
    /// Connections in the pool. Default 8.
    pub pool_size: usize,
    /// No LISTEN (the worker finds new entries by its periodic poll only): for PgBouncer in
    /// transaction pooling mode, where LISTEN does not work. NOTIFY is still sent. Default
    /// false.
    pub poll_only: bool,
    /// Longest wait to connect (and for a pooled connection). Default 5 s.
    pub connect_timeout: Duration,
    /// Longest wait between reconnection attempts after the server went away (the wait starts
    /// at 100 ms and doubles). Default 5 s.
    pub reconnect_max: Duration,
    /// A PEM file of extra root certificates for TLS (a private CA).
    pub ca_file: Option<std::path::PathBuf>,
    /// The name this store writes as the holder of its leases. Default: host name, process id
    /// and a random suffix, unique per store. Two stores must never share it.
    pub owner: Option<String>,
}

impl PgConfig {
    /// The defaults for `url`.
    pub fn new(url: impl Into<String>) -> PgConfig {
        PgConfig {
            url: url.into(),
            password: None,
            schema: "fiskal_outbox".to_owned(),
            pool_size: 8,
            poll_only: false,
            connect_timeout: Duration::from_secs(5),
            reconnect_max: Duration::from_secs(5),
            ca_file: None,
            owner: None,
        }
    }
}

impl std::fmt::Debug for PgConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgConfig")
            .field("url", &"<redacted>")
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("schema", &self.schema)
            .field("pool_size", &self.pool_size)
            .field("poll_only", &self.poll_only)
            .field("connect_timeout", &self.connect_timeout)
            .field("reconnect_max", &self.reconnect_max)
            .field("ca_file", &self.ca_file)
            .field("owner", &self.owner)
            .finish()
    }
}

pub(super) fn invalid(field: &str, message: impl Into<String>) -> OutboxError {
    OutboxError::InvalidConfig {
        field: Some(field.to_owned()),
        message: message.into(),
    }
}

pub(super) fn check_schema(s: &str) -> Result<(), OutboxError> {
    let ok = !s.is_empty()
        && s.len() <= 50
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !s.as_bytes()[0].is_ascii_digit()
        && !s.starts_with("pg_");
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "postgres.schema",
            format!(
                "schema {s:?}: 1 to 50 lower-case ASCII letters, digits and _, not starting \
                 with a digit or pg_"
            ),
        ))
    }
}

pub(super) fn tls_config(
    ca_file: Option<&std::path::Path>,
) -> Result<rustls::ClientConfig, OutboxError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = ca_file {
        let pem = std::fs::read(path).map_err(|e| {
            invalid(
                "postgres.ca_file",
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        let mut n = 0;
        for c in rustls_pemfile::certs(&mut pem.as_slice()) {
            let c = c.map_err(|e| invalid("postgres.ca_file", format!("PEM: {e}")))?;
            roots
                .add(c)
                .map_err(|e| invalid("postgres.ca_file", format!("certificate: {e}")))?;
            n += 1;
        }
        if n == 0 {
            return Err(invalid("postgres.ca_file", "no certificate in the file"));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid("db", format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// The URL with its scheme in lower case (`PostgreSQL://…` → `postgresql://…`; the parser
/// takes lower case only, while a journal location is told from a path in any case) and no
/// surrounding blanks.
pub(super) fn lower_scheme(url: &str) -> String {
    let url = url.trim();
    match url.find("://") {
        Some(i)
            if url[..i].eq_ignore_ascii_case("postgres")
                || url[..i].eq_ignore_ascii_case("postgresql") =>
        {
            format!("{}{}", url[..i].to_ascii_lowercase(), &url[i..])
        }
        _ => url.to_owned(),
    }
}

/// `host:port/db as user`, without the password: names the server in errors and `Debug`.
pub(super) fn describe(pg: &tokio_postgres::Config) -> String {
    let host = match pg.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = pg.get_ports().first().copied().unwrap_or(5432);
    format!(
        "{host}:{port}/{} as {}",
        pg.get_dbname().unwrap_or(""),
        pg.get_user().unwrap_or("")
    )
}

pub(super) fn default_owner() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "host".to_owned());
    let mut r = [0u8; 6];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut r);
    format!("{host}-{}-{}", std::process::id(), hex::encode(r))
}
