//! The emulators' command line: `atol|orange|businessru [options]` until Ctrl-C.
//!
//! ```text
//! atol [--port N] [--delay-ms N] [--token-lifetime-s N] [--max-document-size N] [--tls] [--strict]
//! orange [--port N] [--delay-ms N] [--max-document-size N] [--key NAME=FILE]... [--strict]
//! businessru [--port N] [--delay-ms N] [--token-lifetime-s N] [--strict]
//! ferma [--port N] [--delay-ms N] [--token-lifetime-s N]
//! komtet [--port N] [--delay-ms N]
//! modulkassa [--port N] [--delay-ms N] [--offline]
//! ```
// The command's whole job is to tell the user where it listens.
#![allow(clippy::print_stdout)]

use crate::atol::{AtolConfig, AtolEmulator};
use crate::business_ru::{BusinessRuConfig, BusinessRuEmulator};
use crate::ferma::{FermaConfig, FermaEmulator};
use crate::komtet::{KomtetConfig, KomtetEmulator};
use crate::modulkassa::{ModulKassaConfig, ModulKassaEmulator, RegisterState};
use crate::orange::{OrangeConfig, OrangeEmulator};
use std::time::Duration;

const USAGE: &str = "usage: fiskal-emulator atol [--port N] [--delay-ms N] [--token-lifetime-s N] [--max-document-size N] [--tls] [--strict]
       fiskal-emulator orange [--port N] [--delay-ms N] [--max-document-size N] [--key NAME=FILE]... [--strict]
       fiskal-emulator businessru [--port N] [--delay-ms N] [--token-lifetime-s N] [--strict]
       fiskal-emulator ferma [--port N] [--delay-ms N] [--token-lifetime-s N]
       fiskal-emulator komtet [--port N] [--delay-ms N]
       fiskal-emulator modulkassa [--port N] [--delay-ms N] [--offline]

atol: serves ATOL Online v4 and v5 on 127.0.0.1 (port 0 = any free port) with the public test
accounts (v4-online-atol-ru / iGFFuihss, v5-online-atol-ru / zUr0OxfI) until Ctrl-C.
With --tls it serves HTTPS and prints the PEM of the test CA to trust. --strict also applies
the register rules ATOL does not document (INN check digit, payment subject 31/33 for marked
items in v5) and checks the receipt vats against the items.

orange: serves Orange Data API v2 over HTTPS with client certificates, for the test
organisation 7727401209 (groups Main and Main_2), until Ctrl-C. Prints the CA to trust and a
client certificate + key to use. --key registers the RSA public key (PEM `PUBLIC KEY` or
`RSA PUBLIC KEY`, or DER) that verifies X-Signature for requests with `key` = NAME.
--strict also applies the rules Orange Data does not document as enforced (totalSum required
for FFD 1.05, the form of customerContact, INN check digits, payment subject 31/33 for marked
items, VAT sums; see docs/emulators.md).

businessru: serves the Business.ru Open API (v1 and v2 paths) over plain HTTP on 127.0.0.1 with
the emulator's own test accounts (printed at start; ФФД 1.05 and 1.2), until Ctrl-C.
--strict also applies the limits only inferred from clients (contact form, c_num length,
100 goods, 3 decimals in count; see docs/emulators.md).

ferma: serves the OFD.ru Ferma API (CreateAuthToken, kkt/cloud/receipt, kkt/cloud/status) over
plain HTTP on 127.0.0.1 with Ferma's public test logins (fermatest1: ФФД 1.05/1.1, fermatest2:
ФФД 1.2), until Ctrl-C.

komtet: serves KOMTET Kassa's shop API (api/shop/v2) over plain HTTP on 127.0.0.1 with the
emulator's own test shop (shop id, secret and queue printed at start), until Ctrl-C.

modulkassa: serves МодульКасса's «API фискализации документов» (/api/fn) over plain HTTP on
127.0.0.1 with the emulator's own account, retail point and association (printed at start),
until Ctrl-C. --delay-ms is how long the register takes to pick a document up; with --offline
the register starts offline and documents wait in QUEUED.";

/// What to run.
enum Command {
    Atol(AtolConfig),
    Orange(OrangeConfig),
    BusinessRu(BusinessRuConfig),
    Ferma(FermaConfig),
    Komtet(KomtetConfig),
    ModulKassa(ModulKassaConfig),
}

fn parse(args: &[String]) -> Result<Command, String> {
    match args.first().map(String::as_str) {
        Some("atol") => parse_atol(&args[1..]).map(Command::Atol),
        Some("orange" | "orangedata") => parse_orange(&args[1..]).map(Command::Orange),
        Some("businessru" | "business_ru") => {
            parse_business_ru(&args[1..]).map(Command::BusinessRu)
        }
        Some("ferma") => parse_ferma(&args[1..]).map(Command::Ferma),
        Some("komtet") => parse_komtet(&args[1..]).map(Command::Komtet),
        Some("modulkassa") => parse_modulkassa(&args[1..]).map(Command::ModulKassa),
        _ => Err(USAGE.into()),
    }
}

/// Walks `--flag value` pairs (and the value-less `switches`), calling `apply(flag, value)`;
/// `-h`/`--help` and a missing value end it with the usage text.
fn for_each_option(
    args: &[String],
    switches: &[&str],
    mut apply: impl FnMut(&str, Option<&str>) -> Result<(), String>,
) -> Result<(), String> {
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            return Err(USAGE.into());
        }
        if switches.contains(&flag.as_str()) {
            apply(flag, None)?;
            continue;
        }
        let value = it
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n\n{USAGE}"))?;
        apply(flag, Some(value))?;
    }
    Ok(())
}

fn unknown(flag: &str) -> String {
    format!("unknown option {flag}\n\n{USAGE}")
}

/// A number option's value.
fn number(flag: &str, v: &str) -> Result<u64, String> {
    v.parse()
        .map_err(|_| format!("{flag}: `{v}` is not a number"))
}

fn port(v: &str) -> Result<u16, String> {
    u16::try_from(number("--port", v)?).map_err(|_| format!("--port: {v} is not a port"))
}

fn millis(flag: &str, v: &str) -> Result<Duration, String> {
    Ok(Duration::from_millis(number(flag, v)?))
}

fn secs(flag: &str, v: &str) -> Result<Duration, String> {
    Ok(Duration::from_secs(number(flag, v)?))
}

fn size(flag: &str, v: &str) -> Result<usize, String> {
    usize::try_from(number(flag, v)?).map_err(|_| format!("{flag}: {v} is too large"))
}

/// An RSA public key file: PEM (`PUBLIC KEY`, `RSA PUBLIC KEY`) or DER.
fn read_public_key(path: &str) -> Result<Vec<u8>, String> {
    use base64::Engine;
    let bytes = std::fs::read(path).map_err(|e| format!("--key: cannot read {path}: {e}"))?;
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Ok(bytes);
    };
    if !text.contains("-----BEGIN") {
        return Ok(bytes);
    }
    let b64: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|_| format!("--key: {path} is not a readable PEM file"))
}

fn parse_orange(args: &[String]) -> Result<OrangeConfig, String> {
    let mut cfg = OrangeConfig::default();
    for_each_option(args, &["--strict"], |flag, value| {
        let v = value.unwrap_or_default();
        match flag {
            "--strict" => cfg.strict = true,
            "--port" => cfg.port = port(v)?,
            "--delay-ms" => cfg.processing_delay = millis(flag, v)?,
            "--max-document-size" => cfg.max_document_size = size(flag, v)?,
            "--key" => {
                let (name, path) = v
                    .split_once('=')
                    .ok_or_else(|| format!("--key: NAME=FILE expected, got `{v}`"))?;
                cfg.keys.push((name.to_owned(), read_public_key(path)?));
            }
            other => return Err(unknown(other)),
        }
        Ok(())
    })?;
    Ok(cfg)
}

fn parse_business_ru(args: &[String]) -> Result<BusinessRuConfig, String> {
    let mut cfg = BusinessRuConfig::default();
    for_each_option(args, &["--strict"], |flag, value| {
        let v = value.unwrap_or_default();
        match flag {
            "--strict" => cfg.strict = true,
            "--port" => cfg.port = port(v)?,
            "--delay-ms" => cfg.processing_delay = millis(flag, v)?,
            "--token-lifetime-s" => cfg.token_lifetime = secs(flag, v)?,
            other => return Err(unknown(other)),
        }
        Ok(())
    })?;
    Ok(cfg)
}

fn parse_komtet(args: &[String]) -> Result<KomtetConfig, String> {
    let mut cfg = KomtetConfig::default();
    for_each_option(args, &[], |flag, value| {
        let v = value.unwrap_or_default();
        match flag {
            "--port" => cfg.port = port(v)?,
            "--delay-ms" => cfg.processing_delay = millis(flag, v)?,
            other => return Err(unknown(other)),
        }
        Ok(())
    })?;
    Ok(cfg)
}

fn parse_modulkassa(args: &[String]) -> Result<ModulKassaConfig, String> {
    let mut cfg = ModulKassaConfig::default();
    for_each_option(args, &["--offline"], |flag, value| {
        let v = value.unwrap_or_default();
        match flag {
            "--offline" => cfg.register = RegisterState::Offline,
            "--port" => cfg.port = port(v)?,
            "--delay-ms" => cfg.take_delay = millis(flag, v)?,
            other => return Err(unknown(other)),
        }
        Ok(())
    })?;
    Ok(cfg)
}

fn parse_ferma(args: &[String]) -> Result<FermaConfig, String> {
    let mut cfg = FermaConfig::default();
    for_each_option(args, &[], |flag, value| {
        let v = value.unwrap_or_default();
        match flag {
            "--port" => cfg.port = port(v)?,
            "--delay-ms" => cfg.processing_delay = millis(flag, v)?,
            "--token-lifetime-s" => cfg.token_lifetime = secs(flag, v)?,
            other => return Err(unknown(other)),
        }
        Ok(())
    })?;
    Ok(cfg)
}

fn parse_atol(args: &[String]) -> Result<AtolConfig, String> {
    let mut cfg = AtolConfig::default();
    for_each_option(args, &["--tls", "--strict"], |flag, value| {
        let v = value.unwrap_or_default();
        match flag {
            "--tls" => cfg.tls = true,
            "--strict" => {
                cfg.strict = true;
                cfg.check_vat_totals = true;
            }
            "--port" => cfg.port = port(v)?,
            "--delay-ms" => cfg.processing_delay = millis(flag, v)?,
            "--token-lifetime-s" => cfg.token_lifetime = secs(flag, v)?,
            "--max-document-size" => cfg.max_document_size = size(flag, v)?,
            other => return Err(unknown(other)),
        }
        Ok(())
    })?;
    Ok(cfg)
}

/// Runs the emulator command line (`atol|orange|businessru [options]`, without the program
/// name) until Ctrl-C; returns the process exit code (0 ok, 1 failure, 2 bad arguments). Used by
/// the `fiskal-emulator` binary and by `fiskal emulator`.
pub async fn run(args: &[String]) -> u8 {
    let cfg = match parse(args) {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("{msg}");
            return 2;
        }
    };
    match cfg {
        Command::Atol(cfg) => run_atol(cfg).await,
        Command::Orange(cfg) => run_orange(cfg).await,
        Command::BusinessRu(cfg) => run_business_ru(cfg).await,
        Command::Ferma(cfg) => run_ferma(cfg).await,
        Command::Komtet(cfg) => run_komtet(cfg).await,
        Command::ModulKassa(cfg) => run_modulkassa(cfg).await,
    }
}

async fn run_orange(cfg: OrangeConfig) -> u8 {
    let od = match OrangeEmulator::start(cfg).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    let identity = match od.issue_client_identity() {
        Ok(id) => id,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    println!("Orange Data API v2: {}", od.base_url());
    println!("CA certificate to trust:\n{}", od.ca_pem());
    // A throwaway test identity, valid for this run only.
    println!(
        "Client certificate chain:\n{}\nIts key:\n{}",
        identity.cert_pem, identity.key_pem
    );
    println!("Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    let n = od.journal().len();
    od.shutdown().await;
    eprintln!("stopped; {n} document(s) accepted");
    0
}

async fn run_business_ru(cfg: BusinessRuConfig) -> u8 {
    let accounts: Vec<(String, String)> = cfg
        .accounts
        .iter()
        .map(|a| (a.app_id.clone(), a.secret.clone()))
        .collect();
    let br = match BusinessRuEmulator::start(cfg).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    println!("Business.ru Open API v1: {}", br.base_url_v1());
    println!("Business.ru Open API v2: {}", br.base_url_v2());
    for (app_id, secret) in accounts {
        // Test accounts of this emulator only; never real credentials.
        println!("account: app_id {app_id}, secret {secret}");
    }
    println!("Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    br.shutdown().await;
    eprintln!("stopped");
    0
}

async fn run_komtet(cfg: KomtetConfig) -> u8 {
    let shops: Vec<(String, String, Vec<String>)> = cfg
        .shops
        .iter()
        .map(|s| (s.shop_id.clone(), s.secret.clone(), s.queues.clone()))
        .collect();
    let kt = match KomtetEmulator::start(cfg).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    println!("KOMTET Kassa (api/shop/v2): {}", kt.base_url());
    for (shop_id, secret, queues) in shops {
        // Test shops of this emulator only; never real credentials.
        println!(
            "shop: id {shop_id}, secret {secret}, queues {}",
            queues.join(", ")
        );
    }
    println!("Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    let n = kt.journal().len();
    kt.shutdown().await;
    eprintln!("stopped; {n} receipt(s) accepted");
    0
}

async fn run_modulkassa(cfg: ModulKassaConfig) -> u8 {
    let offline = cfg.register == RegisterState::Offline;
    let mk = match ModulKassaEmulator::start(cfg).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    println!(
        "МодульКасса (API фискализации документов): {}",
        mk.base_url()
    );
    // The emulator's own test credentials; never real ones.
    println!(
        "account: {} / {}; retail point {}",
        crate::modulkassa::TEST_ACCOUNT_LOGIN,
        crate::modulkassa::TEST_ACCOUNT_PASSWORD,
        crate::modulkassa::TEST_RETAIL_POINT_ID
    );
    println!(
        "association: user_name {} / password {}",
        crate::modulkassa::TEST_USER_NAME,
        crate::modulkassa::TEST_PASSWORD
    );
    if offline {
        println!("the register is offline: documents wait in QUEUED");
    }
    println!("Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    let n = mk.journal().len();
    mk.shutdown().await;
    eprintln!("stopped; {n} document(s) accepted");
    0
}

async fn run_ferma(cfg: FermaConfig) -> u8 {
    let accounts: Vec<(String, String)> = cfg
        .accounts
        .iter()
        .map(|a| (a.login.clone(), a.password.clone()))
        .collect();
    let ferma = match FermaEmulator::start(cfg).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    println!("Ferma API: {}", ferma.base_url());
    for (login, password) in accounts {
        // Ferma's public test logins; never real credentials.
        println!("account: login {login}, password {password}");
    }
    println!("Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    let n = ferma.journal().len();
    ferma.shutdown().await;
    eprintln!("stopped; {n} receipt(s) accepted");
    0
}

async fn run_atol(cfg: AtolConfig) -> u8 {
    let atol = match AtolEmulator::start(cfg).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    println!("ATOL v4: {}", atol.base_url_v4());
    println!("ATOL v5: {}", atol.base_url_v5());
    if let Some(ca) = atol.ca_pem() {
        println!("CA certificate to trust:\n{ca}");
    }
    println!("Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    let n = atol.journal().len();
    atol.shutdown().await;
    eprintln!("stopped; {n} document(s) accepted");
    0
}

#[cfg(test)]
mod tests {
    use super::{parse, Command};

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn orange_strict_switch() {
        let Ok(Command::Orange(cfg)) = parse(&args(&["orange", "--strict", "--port", "0"])) else {
            panic!("orange --strict parses");
        };
        assert!(cfg.strict);
        let Ok(Command::Orange(cfg)) = parse(&args(&["orange"])) else {
            panic!("orange parses");
        };
        assert!(!cfg.strict);
    }

    #[test]
    fn atol_strict_switch() {
        let Ok(Command::Atol(cfg)) = parse(&args(&["atol", "--tls", "--strict"])) else {
            panic!("atol --strict parses");
        };
        assert!(cfg.strict && cfg.check_vat_totals && cfg.tls);
        let Ok(Command::Atol(cfg)) = parse(&args(&["atol"])) else {
            panic!("atol parses");
        };
        assert!(!cfg.strict && !cfg.check_vat_totals);
    }

    #[test]
    fn komtet_options() {
        let Ok(Command::Komtet(cfg)) = parse(&args(&["komtet", "--port", "0", "--delay-ms", "7"]))
        else {
            panic!("komtet parses");
        };
        assert_eq!(cfg.processing_delay, std::time::Duration::from_millis(7));
        assert!(parse(&args(&["komtet", "--strict"])).is_err());
    }

    #[test]
    fn modulkassa_options() {
        let Ok(Command::ModulKassa(cfg)) =
            parse(&args(&["modulkassa", "--offline", "--delay-ms", "9"]))
        else {
            panic!("modulkassa parses");
        };
        assert_eq!(cfg.register, crate::modulkassa::RegisterState::Offline);
        assert_eq!(cfg.take_delay, std::time::Duration::from_millis(9));
        let Ok(Command::ModulKassa(cfg)) = parse(&args(&["modulkassa"])) else {
            panic!("modulkassa parses");
        };
        assert_eq!(cfg.register, crate::modulkassa::RegisterState::Online);
        assert!(parse(&args(&["modulkassa", "--strict"])).is_err());
    }

    #[test]
    fn ferma_options() {
        let Ok(Command::Ferma(cfg)) = parse(&args(&["ferma", "--delay-ms", "50"])) else {
            panic!("ferma")
        };
        assert_eq!(cfg.processing_delay, std::time::Duration::from_millis(50));
        assert!(parse(&args(&["ferma", "--strict"])).is_err());
    }

    #[test]
    fn business_ru_strict_switch() {
        let Ok(Command::BusinessRu(cfg)) = parse(&args(&["businessru", "--strict"])) else {
            panic!("businessru --strict parses");
        };
        assert!(cfg.strict);
        let Ok(Command::BusinessRu(cfg)) = parse(&args(&["businessru"])) else {
            panic!("businessru parses");
        };
        assert!(!cfg.strict);
    }
}
