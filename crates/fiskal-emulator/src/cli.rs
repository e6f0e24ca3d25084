//! The emulators' command line, defined once: `<provider> [options]`, run until Ctrl-C.
//!
//! [`EmulatorArgs`] is the one clap definition of it. The `fiskal-emulator` binary parses its
//! whole command line into it ([`command`], [`parse_from`]); the `fiskal` command takes the same
//! type as the arguments of `fiskal emulator`. Both then call [`run`], the one run path: the
//! chosen [`Provider`] is started ([`Provider::start`]), the lines that say where it listens
//! and with which test accounts are printed, and on Ctrl-C it is stopped.
//!
//! ```text
//! atol [--port N] [--delay-ms N] [--token-lifetime-s N] [--max-document-size N] [--tls] [--strict]
//! orange [--port N] [--delay-ms N] [--max-document-size N] [--key NAME=FILE]... [--strict]
//! businessru [--port N] [--delay-ms N] [--token-lifetime-s N] [--strict]
//! ferma [--port N] [--delay-ms N] [--token-lifetime-s N]
//! komtet [--port N] [--delay-ms N]
//! modulkassa [--port N] [--delay-ms N] [--offline]
//! ```
//!
//! Exit codes: 0 stopped by Ctrl-C (and `--help`), 1 the emulator could not start, 2 a command
//! line that does not parse. Scripts and the bindings' tests read the address lines printed at
//! start (`ATOL v5: <url>`, `Ferma API: <url>` …): they are kept as they are.
//!
//! Help texts here must not contain ` / `: the `fiskal` command splits its bilingual help texts
//! (`русский / English`) there.

use crate::atol::{AtolConfig, AtolEmulator};
use crate::business_ru::{BusinessRuConfig, BusinessRuEmulator};
use crate::ferma::{FermaConfig, FermaEmulator};
use crate::komtet::{KomtetConfig, KomtetEmulator};
use crate::modulkassa::{ModulKassaConfig, ModulKassaEmulator, RegisterState};
use crate::orange::{OrangeConfig, OrangeEmulator};
use crate::EmulatorError;
use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

/// The emulator command line: which provider to emulate, with its options. The `fiskal-emulator`
/// binary and `fiskal emulator` both parse into this one type.
#[derive(Debug, Clone, clap::Args)]
pub struct EmulatorArgs {
    /// The provider to emulate.
    #[command(subcommand)]
    pub provider: Provider,
}

/// One provider emulator and its options (the subcommands of the emulator command line).
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Provider {
    /// ATOL Online v4 and v5 over plain HTTP (or HTTPS with --tls).
    ///
    /// Serves ATOL Online v4 and v5 on 127.0.0.1 with ATOL's public test accounts (login
    /// v4-online-atol-ru with password iGFFuihss, login v5-online-atol-ru with password
    /// zUr0OxfI) until Ctrl-C. With --tls it serves HTTPS and prints the PEM of the test CA to
    /// trust. --strict also applies the register rules ATOL does not document (INN check digit,
    /// payment subject 31 or 33 for marked items in v5) and checks the receipt vats against the
    /// items.
    Atol(AtolArgs),
    /// Orange Data API v2 over HTTPS with client certificates.
    ///
    /// Serves Orange Data API v2 over HTTPS with client certificates, for the test organisation
    /// 7727401209 (groups Main and Main_2), until Ctrl-C. Prints the CA to trust and a client
    /// certificate and key to use. --key registers the RSA public key (PEM `PUBLIC KEY` or `RSA
    /// PUBLIC KEY`, or DER) that verifies X-Signature for requests with `key` = NAME. --strict
    /// also applies the rules Orange Data does not document as enforced (totalSum required for
    /// FFD 1.05, the form of customerContact, INN check digits, payment subject 31 or 33 for
    /// marked items, VAT sums; see docs/emulators.md).
    #[command(alias = "orangedata")]
    Orange(OrangeArgs),
    /// The Business.ru Open API (v1 and v2 paths) over plain HTTP.
    ///
    /// Serves the Business.ru Open API (v1 and v2 paths) over plain HTTP on 127.0.0.1 with the
    /// emulator's own test accounts (printed at start; ФФД 1.05 and 1.2), until Ctrl-C.
    /// --strict also applies the limits only inferred from clients (contact form, c_num length,
    /// 100 goods, 3 decimals in count; see docs/emulators.md).
    #[command(name = "businessru", alias = "business_ru")]
    BusinessRu(BusinessRuArgs),
    /// The OFD.ru Ferma API over plain HTTP.
    ///
    /// Serves the OFD.ru Ferma API (CreateAuthToken, kkt/cloud/receipt, kkt/cloud/status) over
    /// plain HTTP on 127.0.0.1 with Ferma's public test logins (fermatest1: ФФД 1.05 and 1.1,
    /// fermatest2: ФФД 1.2), until Ctrl-C.
    Ferma(FermaArgs),
    /// KOMTET Kassa's shop API (api/shop/v2) over plain HTTP.
    ///
    /// Serves KOMTET Kassa's shop API (api/shop/v2) over plain HTTP on 127.0.0.1 with the
    /// emulator's own test shop (shop id, secret and queue printed at start), until Ctrl-C.
    Komtet(KomtetArgs),
    /// МодульКасса's «API фискализации документов» over plain HTTP.
    ///
    /// Serves МодульКасса's «API фискализации документов» (/api/fn) over plain HTTP on
    /// 127.0.0.1 with the emulator's own account, retail point and association (printed at
    /// start), until Ctrl-C. --delay-ms is how long the register takes to pick a document up;
    /// with --offline the register starts offline and documents wait in QUEUED.
    Modulkassa(ModulKassaArgs),
}

/// Where every emulator listens.
#[derive(Debug, Clone, clap::Args)]
pub struct Listen {
    /// TCP port on 127.0.0.1 (0: any free port, printed at start).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub port: u16,
}

/// The options of `atol`.
#[derive(Debug, Clone, clap::Args)]
pub struct AtolArgs {
    /// Where it listens.
    #[command(flatten)]
    pub listen: Listen,
    /// Milliseconds from acceptance to the fiscalised result.
    #[arg(long, value_name = "N", default_value_t = millis(AtolConfig::default().processing_delay))]
    pub delay_ms: u64,
    /// Seconds a token stays valid.
    #[arg(long, value_name = "N", default_value_t = AtolConfig::default().token_lifetime.as_secs())]
    pub token_lifetime_s: u64,
    /// Largest accepted document, bytes of TLV.
    #[arg(long, value_name = "N", default_value_t = AtolConfig::default().max_document_size)]
    pub max_document_size: usize,
    /// Serve HTTPS (a fresh test CA, printed at start).
    #[arg(long)]
    pub tls: bool,
    /// Also apply the register rules ATOL does not document, and check the vats.
    #[arg(long)]
    pub strict: bool,
}

/// The options of `orange`.
#[derive(Debug, Clone, clap::Args)]
pub struct OrangeArgs {
    /// Where it listens.
    #[command(flatten)]
    pub listen: Listen,
    /// Milliseconds from acceptance to the fiscalised result.
    #[arg(long, value_name = "N", default_value_t = millis(OrangeConfig::default().processing_delay))]
    pub delay_ms: u64,
    /// Largest accepted document, bytes of TLV.
    #[arg(long, value_name = "N", default_value_t = OrangeConfig::default().max_document_size)]
    pub max_document_size: usize,
    /// An RSA public key file (PEM or DER) that verifies X-Signature for requests with `key` =
    /// NAME; repeatable.
    #[arg(long, value_name = "NAME=FILE", value_parser = parse_key)]
    pub key: Vec<SigningKey>,
    /// Also apply the rules Orange Data does not document as enforced.
    #[arg(long)]
    pub strict: bool,
}

/// The options of `businessru`.
#[derive(Debug, Clone, clap::Args)]
pub struct BusinessRuArgs {
    /// Where it listens.
    #[command(flatten)]
    pub listen: Listen,
    /// Milliseconds from acceptance to the fiscalised result.
    #[arg(long, value_name = "N", default_value_t = millis(BusinessRuConfig::default().processing_delay))]
    pub delay_ms: u64,
    /// Seconds a token stays valid.
    #[arg(long, value_name = "N", default_value_t = BusinessRuConfig::default().token_lifetime.as_secs())]
    pub token_lifetime_s: u64,
    /// Also apply the limits only inferred from clients.
    #[arg(long)]
    pub strict: bool,
}

/// The options of `ferma`.
#[derive(Debug, Clone, clap::Args)]
pub struct FermaArgs {
    /// Where it listens.
    #[command(flatten)]
    pub listen: Listen,
    /// Milliseconds from acceptance to the fiscalised result.
    #[arg(long, value_name = "N", default_value_t = millis(FermaConfig::default().processing_delay))]
    pub delay_ms: u64,
    /// Seconds a token stays valid.
    #[arg(long, value_name = "N", default_value_t = FermaConfig::default().token_lifetime.as_secs())]
    pub token_lifetime_s: u64,
}

/// The options of `komtet`.
#[derive(Debug, Clone, clap::Args)]
pub struct KomtetArgs {
    /// Where it listens.
    #[command(flatten)]
    pub listen: Listen,
    /// Milliseconds from acceptance to the fiscalised result.
    #[arg(long, value_name = "N", default_value_t = millis(KomtetConfig::default().processing_delay))]
    pub delay_ms: u64,
}

/// The options of `modulkassa`.
#[derive(Debug, Clone, clap::Args)]
pub struct ModulKassaArgs {
    /// Where it listens.
    #[command(flatten)]
    pub listen: Listen,
    /// Milliseconds the register takes to pick a document up.
    #[arg(long, value_name = "N", default_value_t = millis(ModulKassaConfig::default().take_delay))]
    pub delay_ms: u64,
    /// Start with the register offline: documents wait in QUEUED.
    #[arg(long)]
    pub offline: bool,
}

/// A `--key NAME=FILE` of `orange`: the key name and the public key read from the file (DER).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKey {
    /// The `key` value of the requests it verifies.
    pub name: String,
    /// The RSA public key, DER (`SubjectPublicKeyInfo` or PKCS#1).
    pub der: Vec<u8>,
}

/// A duration option's default, in whole milliseconds.
fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// `NAME=FILE`: reads the RSA public key file, PEM (`PUBLIC KEY`, `RSA PUBLIC KEY`) or DER.
fn parse_key(v: &str) -> Result<SigningKey, String> {
    use base64::Engine;
    let (name, path) = v
        .split_once('=')
        .ok_or_else(|| format!("NAME=FILE expected, got `{v}`"))?;
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let der = match std::str::from_utf8(&bytes) {
        Ok(text) if text.contains("-----BEGIN") => {
            let b64: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
            base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|_| format!("{path} is not a readable PEM file"))?
        }
        _ => bytes,
    };
    Ok(SigningKey {
        name: name.to_owned(),
        der,
    })
}

impl AtolArgs {
    /// The emulator's configuration: [`AtolConfig::default`] with these options.
    pub fn config(&self) -> AtolConfig {
        let mut cfg = AtolConfig::default()
            .with_port(self.listen.port)
            .with_processing_delay(Duration::from_millis(self.delay_ms))
            .with_token_lifetime(Duration::from_secs(self.token_lifetime_s))
            .with_max_document_size(self.max_document_size)
            .with_tls(self.tls);
        if self.strict {
            cfg.strict = true;
            cfg.check_vat_totals = true;
        }
        cfg
    }
}

impl OrangeArgs {
    /// The emulator's configuration: [`OrangeConfig::default`] with these options.
    pub fn config(&self) -> OrangeConfig {
        let mut cfg = OrangeConfig::default()
            .with_port(self.listen.port)
            .with_processing_delay(Duration::from_millis(self.delay_ms))
            .with_strict(self.strict);
        cfg.max_document_size = self.max_document_size;
        cfg.keys = self
            .key
            .iter()
            .map(|k| (k.name.clone(), k.der.clone()))
            .collect();
        cfg
    }
}

impl BusinessRuArgs {
    /// The emulator's configuration: [`BusinessRuConfig::default`] with these options.
    pub fn config(&self) -> BusinessRuConfig {
        BusinessRuConfig::default()
            .with_port(self.listen.port)
            .with_processing_delay(Duration::from_millis(self.delay_ms))
            .with_token_lifetime(Duration::from_secs(self.token_lifetime_s))
            .with_strict(self.strict)
    }
}

impl FermaArgs {
    /// The emulator's configuration: [`FermaConfig::default`] with these options.
    pub fn config(&self) -> FermaConfig {
        FermaConfig::default()
            .with_port(self.listen.port)
            .with_processing_delay(Duration::from_millis(self.delay_ms))
            .with_token_lifetime(Duration::from_secs(self.token_lifetime_s))
    }
}

impl KomtetArgs {
    /// The emulator's configuration: [`KomtetConfig::default`] with these options.
    pub fn config(&self) -> KomtetConfig {
        KomtetConfig::default()
            .with_port(self.listen.port)
            .with_processing_delay(Duration::from_millis(self.delay_ms))
    }
}

impl ModulKassaArgs {
    /// The emulator's configuration: [`ModulKassaConfig::default`] with these options.
    pub fn config(&self) -> ModulKassaConfig {
        ModulKassaConfig::default()
            .with_port(self.listen.port)
            .with_take_delay(Duration::from_millis(self.delay_ms))
            .with_register(if self.offline {
                RegisterState::Offline
            } else {
                RegisterState::Online
            })
    }
}

/// What stops a started emulator and words the line printed then.
type Stop = Pin<Box<dyn Future<Output = String> + Send>>;

/// A started emulator: the lines it prints at start and how it stops.
pub struct Running {
    addr: SocketAddr,
    lines: Vec<String>,
    stop: Stop,
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The lines carry a throwaway client key for Orange Data: not printed here.
        f.debug_struct("Running")
            .field("addr", &self.addr)
            .field("lines", &self.lines.len())
            .finish_non_exhaustive()
    }
}

impl Running {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What is printed at start, one entry per `println!` (a PEM entry spans several lines):
    /// the base URLs, the test accounts, the certificates to use.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// Stops the emulator; returns the closing line (`stopped; 2 document(s) accepted`).
    pub async fn stop(self) -> String {
        self.stop.await
    }
}

impl Provider {
    /// The provider's name on the command line (`atol`, `orange`, `businessru`, `ferma`,
    /// `komtet`, `modulkassa`).
    pub fn name(&self) -> &'static str {
        match self {
            Provider::Atol(_) => "atol",
            Provider::Orange(_) => "orange",
            Provider::BusinessRu(_) => "businessru",
            Provider::Ferma(_) => "ferma",
            Provider::Komtet(_) => "komtet",
            Provider::Modulkassa(_) => "modulkassa",
        }
    }

    /// Starts this emulator on loopback with its options.
    ///
    /// # Errors
    ///
    /// What [`AtolEmulator::start`] and the others return (a bad configuration, a port that
    /// cannot be bound), and for Orange Data a client identity that cannot be issued.
    pub async fn start(&self) -> Result<Running, EmulatorError> {
        match self {
            Provider::Atol(a) => {
                let h = AtolEmulator::start(a.config()).await?;
                let mut lines = vec![
                    format!("ATOL v4: {}", h.base_url_v4()),
                    format!("ATOL v5: {}", h.base_url_v5()),
                ];
                if let Some(ca) = h.ca_pem() {
                    lines.push(format!("CA certificate to trust:\n{ca}"));
                }
                let addr = h.addr();
                Ok(running(
                    addr,
                    lines,
                    counted(h.journal(), "document"),
                    async move {
                        h.shutdown().await;
                    },
                ))
            }
            Provider::Orange(a) => {
                let h = OrangeEmulator::start(a.config()).await?;
                let identity = h.issue_client_identity()?;
                // A throwaway test identity, valid for this run only.
                let lines = vec![
                    format!("Orange Data API v2: {}", h.base_url()),
                    format!("CA certificate to trust:\n{}", h.ca_pem()),
                    format!(
                        "Client certificate chain:\n{}\nIts key:\n{}",
                        identity.cert_pem, identity.key_pem
                    ),
                ];
                let addr = h.addr();
                Ok(running(
                    addr,
                    lines,
                    counted(h.journal(), "document"),
                    async move {
                        h.shutdown().await;
                    },
                ))
            }
            Provider::BusinessRu(a) => {
                let cfg = a.config();
                // Test accounts of this emulator only; never real credentials.
                let accounts: Vec<String> = cfg
                    .accounts
                    .iter()
                    .map(|a| format!("account: app_id {}, secret {}", a.app_id, a.secret))
                    .collect();
                let h = BusinessRuEmulator::start(cfg).await?;
                let mut lines = vec![
                    format!("Business.ru Open API v1: {}", h.base_url_v1()),
                    format!("Business.ru Open API v2: {}", h.base_url_v2()),
                ];
                lines.extend(accounts);
                let addr = h.addr();
                Ok(running(addr, lines, || "stopped".to_owned(), async move {
                    h.shutdown().await;
                }))
            }
            Provider::Ferma(a) => {
                let cfg = a.config();
                // Ferma's public test logins; never real credentials.
                let accounts: Vec<String> = cfg
                    .accounts
                    .iter()
                    .map(|a| format!("account: login {}, password {}", a.login, a.password))
                    .collect();
                let h = FermaEmulator::start(cfg).await?;
                let mut lines = vec![format!("Ferma API: {}", h.base_url())];
                lines.extend(accounts);
                let addr = h.addr();
                Ok(running(
                    addr,
                    lines,
                    counted(h.journal(), "receipt"),
                    async move {
                        h.shutdown().await;
                    },
                ))
            }
            Provider::Komtet(a) => {
                let cfg = a.config();
                // Test shops of this emulator only; never real credentials.
                let shops: Vec<String> = cfg
                    .shops
                    .iter()
                    .map(|s| {
                        format!(
                            "shop: id {}, secret {}, queues {}",
                            s.shop_id,
                            s.secret,
                            s.queues.join(", ")
                        )
                    })
                    .collect();
                let h = KomtetEmulator::start(cfg).await?;
                let mut lines = vec![format!("KOMTET Kassa (api/shop/v2): {}", h.base_url())];
                lines.extend(shops);
                let addr = h.addr();
                Ok(running(
                    addr,
                    lines,
                    counted(h.journal(), "receipt"),
                    async move {
                        h.shutdown().await;
                    },
                ))
            }
            Provider::Modulkassa(a) => {
                let h = ModulKassaEmulator::start(a.config()).await?;
                use crate::modulkassa::{
                    TEST_ACCOUNT_LOGIN, TEST_ACCOUNT_PASSWORD, TEST_PASSWORD, TEST_RETAIL_POINT_ID,
                    TEST_USER_NAME,
                };
                // The emulator's own test credentials; never real ones.
                let mut lines = vec![
                    format!(
                        "МодульКасса (API фискализации документов): {}",
                        h.base_url()
                    ),
                    format!(
                        "account: {TEST_ACCOUNT_LOGIN} / {TEST_ACCOUNT_PASSWORD}; \
                         retail point {TEST_RETAIL_POINT_ID}"
                    ),
                    format!("association: user_name {TEST_USER_NAME} / password {TEST_PASSWORD}"),
                ];
                if a.offline {
                    lines.push("the register is offline: documents wait in QUEUED".to_owned());
                }
                let addr = h.addr();
                Ok(running(
                    addr,
                    lines,
                    counted(h.journal(), "document"),
                    async move {
                        h.shutdown().await;
                    },
                ))
            }
        }
    }
}

/// The closing line of an emulator whose journal counts what it accepted: read when it stops.
fn counted(journal: crate::Journal, what: &'static str) -> impl FnOnce() -> String + Send {
    move || format!("stopped; {} {what}(s) accepted", journal.len())
}

/// A [`Running`] from its address, lines, closing line and shutdown. The closing line is worded
/// before the shutdown (what was accepted until the stop).
fn running(
    addr: SocketAddr,
    lines: Vec<String>,
    closing: impl FnOnce() -> String + Send + 'static,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Running {
    Running {
        addr,
        lines,
        stop: Box::pin(async move {
            let line = closing();
            shutdown.await;
            line
        }),
    }
}

/// The `fiskal-emulator` command: [`EmulatorArgs`] under the binary's name, version and about.
pub fn command() -> clap::Command {
    use clap::Args;
    // After `augment_args`, which would take the type's rustdoc as the about.
    EmulatorArgs::augment_args(
        clap::Command::new("fiskal-emulator").version(env!("CARGO_PKG_VERSION")),
    )
    .about("Runs a provider emulator on 127.0.0.1 until Ctrl-C (see docs/emulators.md).")
    .long_about(None)
}

/// Parses the `fiskal-emulator` command line (the program name first).
///
/// # Errors
///
/// clap's error for a command line that does not parse, and for `--help` and `--version`
/// (print it with [`clap::Error::exit`] or [`clap::Error::print`]; its exit code is 2 for a bad
/// command line, 0 for help).
pub fn parse_from<I, T>(args: I) -> Result<EmulatorArgs, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    use clap::FromArgMatches;
    command()
        .try_get_matches_from(args)
        .and_then(|m| EmulatorArgs::from_arg_matches(&m))
}

/// Runs the emulator the arguments name until Ctrl-C, printing to stdout and stderr; returns
/// the exit code (0 stopped, 1 it could not start). Used by the `fiskal-emulator` binary and
/// by `fiskal emulator`.
pub async fn run(args: EmulatorArgs) -> u8 {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    run_until(args, ctrl_c, &mut std::io::stdout(), &mut std::io::stderr()).await
}

/// [`run`] with the stop signal and the output streams given: starts the emulator, writes its
/// lines and `Ctrl-C to stop.` to `out`, waits for `stop`, stops it and writes the closing line
/// (or why it could not start) to `err`. Returns the exit code (0 stopped, 1 not started).
pub async fn run_until(
    args: EmulatorArgs,
    stop: impl Future<Output = ()>,
    out: &mut impl Write,
    err: &mut impl Write,
) -> u8 {
    let running = match args.provider.start().await {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(err, "{e}");
            return 1;
        }
    };
    for line in running.lines() {
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out, "Ctrl-C to stop.");
    let _ = out.flush();
    stop.await;
    let closing = running.stop().await;
    let _ = writeln!(err, "{closing}");
    0
}

#[cfg(test)]
mod tests;
