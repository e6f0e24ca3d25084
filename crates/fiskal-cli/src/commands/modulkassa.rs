//! `fiskal modulkassa associate`: МодульКасса's one-time association of a retail point
//! («API фискализации документов» 2.0, §2.1, <https://modulkassa.github.io/backend-api/fn>):
//! the account's login and password → a `userName` / `password` pair that never expires,
//! stored as a secret file (mode 0600). The password is never printed.
//!
//! **Associating again replaces the password** (§2.1.1: «При повторном выполнении запроса
//! пароль обновляется»): every installation still using the old pair stops working. The
//! command says so before and after.

use crate::out::{exit, CliError, Out};
use fiskal_providers::modulkassa::{
    associate, AssociateError, PRODUCTION_LEGACY_URL, PRODUCTION_URL, TEST_URL,
};
use fiskal_providers::Secret;
use serde_json::json;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The environment variable the account password is read from (never the command line).
pub(crate) const ACCOUNT_PASSWORD_ENV: &str = "FISKAL_MODULKASSA_ACCOUNT_PASSWORD";

/// `fiskal modulkassa …`.
#[derive(Debug, clap::Args)]
pub(crate) struct ModulKassaArgs {
    #[command(subcommand)]
    command: ModulKassaCommand,
}

#[derive(Debug, clap::Subcommand)]
enum ModulKassaCommand {
    /// Привязать точку продаж: логин и пароль кабинета → постоянные userName / password
    /// (файл-секрет 0600); повторная привязка меняет пароль / associate a retail point:
    /// the account's login and password → a permanent userName / password pair (a 0600 secret
    /// file); associating again replaces the password.
    Associate {
        /// ID точки продаж (UUID из кабинета) / the retail point's id (a UUID in the cabinet).
        #[arg(long)]
        retail_point: String,
        /// Логин кабинета (сервис «Чеки интернет-магазина») / the account login (service
        /// «Чеки интернет-магазина»).
        #[arg(long)]
        login: String,
        /// Файл с паролем кабинета (иначе переменная FISKAL_MODULKASSA_ACCOUNT_PASSWORD) / a
        /// file with the account password (else the FISKAL_MODULKASSA_ACCOUNT_PASSWORD variable).
        #[arg(long)]
        password_file: Option<PathBuf>,
        /// ID клиентского приложения (clientId), если их несколько / the client application's
        /// id (clientId), when several send documents for the point.
        #[arg(long)]
        client_id: Option<String>,
        /// Хост: production, production_legacy, test / the host preset.
        #[arg(long, default_value = "production")]
        preset: String,
        /// Адрес сервиса вместо пресета (например эмулятор) / the service root instead of the
        /// preset (e.g. the emulator).
        #[arg(long)]
        base_url: Option<String>,
        /// Куда записать пароль привязки (файл 0600) / where to write the association's
        /// password (a 0600 file).
        #[arg(long)]
        out: PathBuf,
    },
}

pub(crate) async fn run(out: &Out, args: ModulKassaArgs) -> Result<(), CliError> {
    match args.command {
        ModulKassaCommand::Associate {
            retail_point,
            login,
            password_file,
            client_id,
            preset,
            base_url,
            out: file,
        } => {
            let base_url = match (base_url, preset.as_str()) {
                (Some(u), _) => u,
                (None, "production") => PRODUCTION_URL.to_owned(),
                (None, "production_legacy") => PRODUCTION_LEGACY_URL.to_owned(),
                (None, "test") => TEST_URL.to_owned(),
                (None, other) => {
                    return Err(CliError::tr(
                        exit::CONFIG,
                        format!("--preset: неизвестный хост {other:?} (production, production_legacy, test)"),
                        format!("--preset: unknown host {other:?} (production, production_legacy, test)"),
                    ))
                }
            };
            let password = account_password(password_file.as_deref())?;
            out.say(
                "Внимание: повторная привязка точки продаж меняет пароль — все установки со старой \
                 парой userName/password перестанут работать.",
                "Note: associating a retail point again replaces its password — every \
                 installation still using the old userName/password pair stops working.",
            );
            let http = fiskal_providers::http::HttpConfig::default();
            let a = associate(
                &base_url,
                &login,
                &password,
                &retail_point,
                client_id.as_deref(),
                &http,
            )
            .await
            .map_err(|e| associate_error(&e))?;
            write_secret(&file, a.password.expose())?;
            let settings = json!({
                "provider": "modulkassa",
                "base_url": base_url,
                "user_name": a.user_name,
                "password": {"file": file.display().to_string()},
            });
            out.json(&json!({
                "user_name": a.user_name,
                "password_file": file.display().to_string(),
                "retail_point": retail_point,
                "name": a.name,
                "address": a.address,
                "settings": settings,
                "rotates_password": true,
            }));
            let point = match (&a.name, &a.address) {
                (Some(n), Some(ad)) => format!(" ({n}, {ad})"),
                (Some(n), None) => format!(" ({n})"),
                _ => String::new(),
            };
            out.say(
                &format!(
                    "Точка продаж {retail_point}{point} привязана: userName {}, пароль записан в {} \
                     (права 0600). Настройки: {settings}",
                    a.user_name,
                    file.display()
                ),
                &format!(
                    "Retail point {retail_point}{point} associated: userName {}, password written \
                     to {} (mode 0600). Settings: {settings}",
                    a.user_name,
                    file.display()
                ),
            );
            out.say(
                "Повторный запуск этой команды снова сменит пароль.",
                "Running this command again replaces the password again.",
            );
            Ok(())
        }
    }
}

fn account_password(file: Option<&Path>) -> Result<Secret, CliError> {
    let text = match file {
        Some(p) => std::fs::read_to_string(p).map_err(|e| CliError::io(p, &e))?,
        None => std::env::var(ACCOUNT_PASSWORD_ENV).map_err(|_| {
            CliError::tr(
                exit::CONFIG,
                format!("нет пароля кабинета: задайте --password-file или {ACCOUNT_PASSWORD_ENV}"),
                format!("no account password: give --password-file or set {ACCOUNT_PASSWORD_ENV}"),
            )
        })?,
    };
    let text = text
        .strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t))
        .unwrap_or(&text);
    if text.is_empty() {
        return Err(CliError::tr(
            exit::CONFIG,
            "пароль кабинета пуст",
            "the account password is empty",
        ));
    }
    Ok(Secret::new(text))
}

fn associate_error(e: &AssociateError) -> CliError {
    let (code, ru) = match e {
        AssociateError::Local(p) => return CliError::provider(p),
        AssociateError::Unauthorized => {
            (exit::CONFIG, "логин или пароль кабинета не приняты (401)")
        }
        AssociateError::Forbidden => (
            exit::CONFIG,
            "у учётной записи нет прав на эту точку продаж (403)",
        ),
        AssociateError::RetailPointNotFound => (exit::CONFIG, "точка продаж не найдена (404)"),
        AssociateError::Unavailable { .. } => (exit::PROVIDER, "сервис не ответил на привязку"),
        _ => (exit::PROVIDER, "привязка не удалась"),
    };
    CliError::tr(code, format!("{ru}: {e}"), e.to_string())
}

/// Writes the password to `path`, readable by its owner only (0600 on Unix), with one line
/// break (which the settings' `{"file": …}` source removes).
fn write_secret(path: &Path, password: &str) -> Result<(), CliError> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| CliError::io(path, &e))?;
    #[cfg(unix)]
    {
        // An existing file keeps its mode on open: narrow it.
        use std::os::unix::fs::PermissionsExt as _;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| CliError::io(path, &e))?;
    }
    f.write_all(format!("{password}\n").as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| CliError::io(path, &e))
}
