//! `fiskal serve`: the outbox, its worker and the HTTP API of `fiskal-serve` in one process
//! (docs/gateway.md). Beyond loopback it serves HTTPS (`--tls-cert`, `--tls-key`) or, only when
//! told so with `--insecure-http`, plain HTTP. `--demo` runs it on the embedded ATOL emulator
//! and a temporary journal.

use super::api_error;
use super::provider::load_settings;
use crate::out::{exit, CliError, Out};
use fiskal_serve::{Gateway, GatewayOptions, Role, ServeError, Tls, Token};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The environment variable that may hold the bearer token itself (when no --token-file).
pub(crate) const TOKEN_ENV: &str = "FISKAL_SERVE_TOKEN";

/// Шлюз HTTP: очередь, обработчик и API на одном адресе / the HTTP gateway: the outbox, its
/// worker and the API on one address.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// Файл настроек (TOML или JSON) / config file (TOML or JSON).
    #[arg(long, env = "FISKAL_CONFIG", required_unless_present = "demo")]
    config: Option<PathBuf>,
    /// Журнал очереди: файл SQLite или postgres://… (сборка с функцией postgres) / the
    /// journal: an SQLite file, or postgres://… (a build with the feature postgres).
    #[arg(long, env = "FISKAL_DB", required_unless_present = "demo")]
    db: Option<PathBuf>,
    /// Адрес (по умолчанию только эта машина) / the address to listen on (default: this machine
    /// only).
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// Файл с токеном доступа, `[РОЛИ=]ПУТЬ`, можно несколько раз; роли submit, read, operator
    /// через запятую, без них — все (иначе переменная FISKAL_SERVE_TOKEN: все роли) / file
    /// holding a bearer token, `[ROLES=]PATH`, repeatable; roles submit, read, operator,
    /// comma-separated, all when left out (otherwise the environment variable
    /// FISKAL_SERVE_TOKEN: every role).
    #[arg(long, env = "FISKAL_SERVE_TOKEN_FILE")]
    token_file: Vec<String>,
    /// Наибольший размер тела запроса, байт / largest request body, in bytes.
    #[arg(long, default_value_t = 4 * 1024 * 1024)]
    max_body: usize,
    /// Наибольшее число соединений / most connections at once.
    #[arg(long, default_value_t = 512)]
    max_connections: usize,
    /// Сертификат HTTPS (PEM, цепочка: сначала сертификат сервера) / the HTTPS certificate
    /// (PEM chain, the server's certificate first).
    #[arg(long, requires = "tls_key", value_name = "FILE")]
    tls_cert: Option<PathBuf>,
    /// Закрытый ключ HTTPS (PEM) / the HTTPS private key (PEM).
    #[arg(long, requires = "tls_cert", value_name = "FILE")]
    tls_key: Option<PathBuf>,
    /// Разрешить HTTP без шифрования на адресе, доступном с других машин: токены и чеки пойдут
    /// по сети открытым текстом (только за обратным прокси с TLS или в закрытой сети) / allow
    /// unencrypted HTTP on an address other machines can reach: tokens and receipts cross the
    /// network in clear text (only behind a TLS reverse proxy or on a closed network).
    #[arg(long, conflicts_with = "tls_cert")]
    insecure_http: bool,
    /// Демонстрация: шлюз на встроенном эмуляторе АТОЛ и временном журнале, токен создаётся и
    /// печатается; Ctrl-C — остановка / the demo: the gateway on the embedded ATOL emulator and
    /// a temporary journal, with a generated token it prints; Ctrl-C stops it. --config, --db
    /// and token files (also from the environment) are not used then.
    #[arg(long)]
    demo: bool,
}

/// Refuses an address other machines can reach unless the gateway serves HTTPS there or was
/// told `--insecure-http`.
fn check_exposure(listen: SocketAddr, tls: bool, insecure_http: bool) -> Result<(), CliError> {
    if listen.ip().is_loopback() || tls || insecure_http {
        return Ok(());
    }
    Err(CliError::tr(
        exit::CONFIG,
        format!(
            "адрес {listen} доступен не только с этой машины: нужен HTTPS (--tls-cert ФАЙЛ \
             --tls-key ФАЙЛ) или явный --insecure-http (токены и чеки пойдут по сети открытым \
             текстом); либо слушайте 127.0.0.1"
        ),
        format!(
            "{listen} is reachable from other machines: serve HTTPS there (--tls-cert FILE \
             --tls-key FILE) or say --insecure-http (tokens and receipts would cross the network \
             in clear text); or listen on 127.0.0.1"
        ),
    ))
}

fn serve_error(e: ServeError) -> CliError {
    match e {
        ServeError::Outbox(e) => api_error_config(e),
        ServeError::Token {
            source_name,
            problem,
        } => CliError::tr(
            exit::CONFIG,
            format!("токен доступа ({source_name}): {problem}"),
            format!("bearer token ({source_name}): {problem}"),
        ),
        other => CliError::tr(exit::CONFIG, other.to_string(), other.to_string()),
    }
}

fn api_error_config(e: fiskal_json::ApiError) -> CliError {
    let out = Out {
        json: false,
        lang: crate::out::Lang::En,
    };
    let mut err = api_error(&out, e);
    err.code = exit::CONFIG;
    err
}

/// The settings as JSON text (what fiskal-json's outbox handle reads): a `.json` file as it is,
/// TOML converted. `load_settings` has checked them (and refused secrets written inline).
fn settings_json(path: &Path) -> Result<String, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| CliError::io(path, &e))?;
    if path.extension().is_some_and(|e| e == "json") {
        return Ok(text);
    }
    let v: serde_json::Value = toml::from_str(&text).map_err(|e| {
        CliError::tr(
            exit::CONFIG,
            format!("{}: ошибка в настройках (TOML): {e}", path.display()),
            format!("{}: invalid settings (TOML): {e}", path.display()),
        )
    })?;
    Ok(v.to_string())
}

/// `[ROLES=]PATH`: the roles (all when none are named) and the path. A prefix that is not a
/// list of role names is part of the path.
fn roles_and_path(arg: &str) -> (Vec<Role>, &Path) {
    if let Some((roles, path)) = arg.split_once('=') {
        let named: Option<Vec<Role>> = roles
            .split(',')
            .map(|r| Role::from_name(r.trim()))
            .collect();
        if let Some(named) = named.filter(|v| !v.is_empty()) {
            return (named, Path::new(path));
        }
    }
    (Role::ALL.to_vec(), Path::new(arg))
}

fn tokens(args: &ServeArgs) -> Result<Vec<Token>, CliError> {
    if args.token_file.is_empty() {
        return Ok(vec![Token::from_env(TOKEN_ENV).map_err(serve_error)?]);
    }
    args.token_file
        .iter()
        .map(|a| {
            let (roles, path) = roles_and_path(a);
            Ok(Token::from_file(path)
                .map_err(serve_error)?
                .with_roles(&roles))
        })
        .collect()
}

/// What `--demo` runs the gateway on: the ATOL emulator, a temporary directory with the
/// journal, and the generated token. Dropped (emulator stopped, directory removed) after
/// Ctrl-C.
#[cfg(feature = "emulator")]
struct Demo {
    atol: fiskal_emulator::atol::AtolHandle,
    dir: PathBuf,
    token: String,
}

/// A receipt the demo enqueues at start, so the page has something to show.
#[cfg(feature = "emulator")]
const DEMO_RECEIPT: &str = include_str!("../demo/sell_atol_v4.json");

/// Starts the ATOL emulator on loopback and makes the demo's directory and token.
#[cfg(feature = "emulator")]
async fn start_demo() -> Result<(Demo, String), CliError> {
    use fiskal_emulator::atol::{AtolConfig, AtolEmulator};
    let atol = AtolEmulator::start(
        AtolConfig::default().with_processing_delay(std::time::Duration::from_millis(300)),
    )
    .await
    .map_err(|e| CliError::internal(format!("ATOL emulator: {e}")))?;
    let dir = std::env::temp_dir().join(format!(
        "fiskal-serve-demo-{}-{}",
        std::process::id(),
        fiskal_outbox::Timestamp::now().as_millis()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| CliError::io(&dir, &e))?;
    let mut random = [0u8; 24];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut random)
        .map_err(|_| CliError::internal("no random numbers for the demo token"))?;
    let settings = serde_json::json!({
        "routes": {"atol": {"provider": {"provider": "atol", "api": "v4", "preset": "test",
                                          "base_url": atol.base_url_v4(),
                                          "report_interval_ms": 50}}},
        "default_route": "atol",
        "worker": {"idle_wait_ms": 50, "drain_timeout_ms": 5000},
        "timing": {"poll_first_ms": 400, "poll_max_ms": 1000, "retry_base_ms": 200}
    });
    Ok((
        Demo {
            atol,
            dir,
            token: hex::encode(random),
        },
        settings.to_string(),
    ))
}

#[cfg(feature = "emulator")]
impl Demo {
    async fn finish(self) {
        self.atol.shutdown().await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A build without the emulators has no demo.
#[cfg(not(feature = "emulator"))]
struct Demo {
    token: String,
    dir: PathBuf,
}

#[cfg(not(feature = "emulator"))]
async fn start_demo() -> Result<(Demo, String), CliError> {
    Err(CliError::tr(
        exit::CONFIG,
        "fiskal serve --demo: эта сборка без эмуляторов (функция emulator)",
        "fiskal serve --demo: this build has no emulators (cargo feature emulator)",
    ))
}

#[cfg(not(feature = "emulator"))]
impl Demo {
    async fn finish(self) {}
}

pub(crate) async fn serve(out: &Out, args: ServeArgs) -> Result<(), CliError> {
    // Before anything is opened: an exposed address needs HTTPS or an explicit choice.
    check_exposure(args.listen, args.tls_cert.is_some(), args.insecure_http)?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(Tls::from_pem_files(cert, key).map_err(serve_error)?),
        _ => None,
    };
    let (demo, settings, db, tokens) = if args.demo {
        if args.config.is_some() || args.db.is_some() || !args.token_file.is_empty() {
            out.say(
                "демонстрация: --config, --db и файлы токенов (и FISKAL_CONFIG, FISKAL_DB, \
                 FISKAL_SERVE_TOKEN_FILE) не используются",
                "demo: --config, --db and token files (and FISKAL_CONFIG, FISKAL_DB, \
                 FISKAL_SERVE_TOKEN_FILE) are not used",
            );
        }
        let (demo, settings) = start_demo().await?;
        let token = Token::new(&demo.token, "--demo").map_err(serve_error)?;
        let db = demo.dir.join("outbox.db");
        (Some(demo), settings, db, vec![token])
    } else {
        let (Some(config), Some(db)) = (&args.config, &args.db) else {
            // clap requires both without --demo.
            return Err(CliError::internal("--config and --db are required"));
        };
        load_settings(config)?;
        (None, settings_json(config)?, db.clone(), tokens(&args)?)
    };
    if !args.listen.ip().is_loopback() && tls.is_none() {
        let _ = writeln!(
            std::io::stderr(),
            "{}",
            match out.lang {
                crate::out::Lang::Ru => format!(
                    "fiskal serve: ВНИМАНИЕ (--insecure-http): адрес {} доступен не только с этой \
                     машины, а HTTP не шифруется: токен и чеки идут по сети открытым текстом.",
                    args.listen
                ),
                crate::out::Lang::En => format!(
                    "fiskal serve: WARNING (--insecure-http): {} is reachable from other machines \
                     and HTTP is not encrypted: the token and the receipts cross the network in \
                     clear text.",
                    args.listen
                ),
            }
        );
    }
    let mut opts = GatewayOptions::default();
    opts.max_body_bytes = args.max_body;
    opts.max_connections = args.max_connections;
    let open_db = db.clone();
    let opened =
        tokio::task::spawn_blocking(move || Gateway::open(&open_db, &settings, tokens, opts))
            .await
            .map_err(|_| CliError::internal("the gateway could not be opened"))?
            .map_err(serve_error);
    let gw = match opened {
        Ok(gw) => gw,
        Err(e) => {
            if let Some(d) = demo {
                d.finish().await;
            }
            return Err(e);
        }
    };
    let result = listen_and_serve(out, &args, gw, tls, &db, demo.as_ref()).await;
    if let Some(d) = demo {
        d.finish().await;
    }
    result
}

async fn listen_and_serve(
    out: &Out,
    args: &ServeArgs,
    gw: Gateway,
    tls: Option<Tls>,
    db: &Path,
    demo: Option<&Demo>,
) -> Result<(), CliError> {
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| {
            let (ru, en) = crate::out::io_reason(&e);
            CliError::tr(
                exit::CONFIG,
                format!("адрес {}: {ru}", args.listen),
                format!("address {}: {en}", args.listen),
            )
        })?;
    let addr = listener
        .local_addr()
        .map_err(|e| CliError::internal(format!("listener address: {e}")))?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let shown = super::queue::shown_db(db);
    out.say(
        &format!(
            "fiskal serve: {scheme}://{addr}/ (API /v1, /healthz, /readyz, /metrics); журнал {shown}; Ctrl-C — остановка"
        ),
        &format!(
            "fiskal serve: {scheme}://{addr}/ (API /v1, /healthz, /readyz, /metrics); journal {shown}; Ctrl-C stops"
        ),
    );
    if let Some(d) = demo {
        seed_demo(out, &gw);
        // The demo's token is made for this run only and dies with it: printing it is the point.
        out.say(
            &format!(
                "демонстрация: эмулятор АТОЛ, временный журнал; токен для страницы и API: {}",
                d.token
            ),
            &format!(
                "demo: the ATOL emulator, a temporary journal; token for the page and the API: {}",
                d.token
            ),
        );
    }
    let mut doc = serde_json::json!({"listening": addr.to_string(), "url": format!("{scheme}://{addr}/"), "db": shown});
    if let Some(d) = demo {
        doc["token"] = serde_json::Value::String(d.token.clone());
    }
    out.json(&doc);
    let stop = super::signal::stop_requested();
    match tls {
        Some(tls) => gw.serve_tls(listener, tls, stop).await,
        None => gw.serve(listener, stop).await,
    }
    .map_err(serve_error)
}

/// Enqueues the demo's sample receipt (`demo-1`), so the page shows one going to done.
#[cfg(feature = "emulator")]
fn seed_demo(out: &Out, gw: &Gateway) {
    let request = format!("{{\"key\": \"demo-1\", \"receipt\": {DEMO_RECEIPT}}}");
    if let Err(e) = gw.outbox().enqueue(&request) {
        out.say(
            &format!("демонстрация: пример чека не поставлен в очередь: {e}"),
            &format!("demo: the sample receipt was not enqueued: {e}"),
        );
    }
}

#[cfg(not(feature = "emulator"))]
fn seed_demo(_: &Out, _: &Gateway) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_files_name_their_roles() {
        let (r, p) = roles_and_path("read,operator=/etc/fiskal/ops.token");
        assert_eq!(r, vec![Role::Read, Role::Operator]);
        assert_eq!(p, Path::new("/etc/fiskal/ops.token"));
        let (r, p) = roles_and_path("/etc/fiskal/token");
        assert_eq!((r.len(), p), (3, Path::new("/etc/fiskal/token")));
        // Not role names: the whole argument is the path.
        let (r, p) = roles_and_path("/srv/a=b/token");
        assert_eq!((r.len(), p), (3, Path::new("/srv/a=b/token")));
    }
}
