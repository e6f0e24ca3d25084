//! `fiskal serve`: the outbox, its worker and the HTTP API of `fiskal-serve` in one process
//! (docs/gateway.md).

use super::api_error;
use super::provider::load_settings;
use crate::out::{exit, CliError, Out};
use fiskal_serve::{Gateway, GatewayOptions, Role, ServeError, Token};
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
    #[arg(long, env = "FISKAL_CONFIG")]
    config: PathBuf,
    /// Журнал очереди: файл SQLite или postgres://… (сборка с функцией postgres) / the
    /// journal: an SQLite file, or postgres://… (a build with the feature postgres).
    #[arg(long, env = "FISKAL_DB")]
    db: PathBuf,
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

fn api_error_config(e: fiskal_api::ApiError) -> CliError {
    let out = Out {
        json: false,
        lang: crate::out::Lang::En,
    };
    let mut err = api_error(&out, e);
    err.code = exit::CONFIG;
    err
}

/// The settings as JSON text (what fiskal-api's outbox handle reads): a `.json` file as it is,
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

pub(crate) async fn serve(out: &Out, args: ServeArgs) -> Result<(), CliError> {
    load_settings(&args.config)?;
    let settings = settings_json(&args.config)?;
    let tokens = tokens(&args)?;
    if !args.listen.ip().is_loopback() {
        let _ = writeln!(
            std::io::stderr(),
            "{}",
            match out.lang {
                crate::out::Lang::Ru => format!(
                    "fiskal serve: ВНИМАНИЕ: адрес {} доступен не только с этой машины, а HTTP не \
                     шифруется: токен и чеки идут по сети открытым текстом. Поставьте перед шлюзом \
                     обратный прокси с TLS или слушайте 127.0.0.1.",
                    args.listen
                ),
                crate::out::Lang::En => format!(
                    "fiskal serve: WARNING: {} is reachable from other machines and HTTP is not \
                     encrypted: the token and the receipts cross the network in clear text. Put \
                     a TLS reverse proxy in front or listen on 127.0.0.1.",
                    args.listen
                ),
            }
        );
    }
    let mut opts = GatewayOptions::default();
    opts.max_body_bytes = args.max_body;
    opts.max_connections = args.max_connections;
    let db = args.db.clone();
    let gw = tokio::task::spawn_blocking(move || Gateway::open(&db, &settings, tokens, opts))
        .await
        .map_err(|_| CliError::internal("the gateway could not be opened"))?
        .map_err(serve_error)?;
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
    out.say(
        &format!(
            "fiskal serve: http://{addr}/ (API /v1, /healthz, /readyz, /metrics); журнал {}; Ctrl-C — остановка",
            super::queue::shown_db(&args.db)
        ),
        &format!(
            "fiskal serve: http://{addr}/ (API /v1, /healthz, /readyz, /metrics); journal {}; Ctrl-C stops",
            super::queue::shown_db(&args.db)
        ),
    );
    out.json(
        &serde_json::json!({"listening": addr.to_string(), "db": super::queue::shown_db(&args.db)}),
    );
    gw.serve(listener, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .map_err(serve_error)
}

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
