//! The emulator command line: the one run path for every provider, defaults, options, exit
//! codes, key files, help texts.

use super::{command, parse_from, run_until, EmulatorArgs, Provider};
use crate::atol::AtolConfig;
use crate::business_ru::BusinessRuConfig;
use crate::ferma::FermaConfig;
use crate::komtet::KomtetConfig;
use crate::modulkassa::{ModulKassaConfig, RegisterState};
use crate::orange::OrangeConfig;
use clap::error::ErrorKind;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn parse(a: &[&str]) -> Result<EmulatorArgs, clap::Error> {
    parse_from(std::iter::once("fiskal-emulator").chain(a.iter().copied()))
}

fn provider(a: &[&str]) -> Provider {
    match parse(a) {
        Ok(args) => args.provider,
        Err(e) => panic!("{a:?} does not parse: {e}"),
    }
}

/// The line each provider's consumers (scripts/test-c, the bindings' tests, the docs
/// runner) read its address from: the prefix, and whether the URL is HTTPS.
fn address_prefix(name: &str) -> &'static str {
    match name {
        "atol" => "ATOL v5: ",
        "orange" => "Orange Data API v2: ",
        "businessru" => "Business.ru Open API v2: ",
        "ferma" => "Ferma API: ",
        "komtet" => "KOMTET Kassa (api/shop/v2): ",
        "modulkassa" => "МодульКасса (API фискализации документов): ",
        other => panic!("a provider without a known address line: {other}"),
    }
}

/// A writer the test reads while `run_until` writes to it.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Shared {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).into_owned()
    }
}

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn every_provider_starts_through_the_one_run_path() {
    let names: Vec<String> = command()
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    assert_eq!(names.len(), 6, "{names:?}");
    for name in names {
        let args = match parse(&[&name, "--port", "0", "--delay-ms", "5"]) {
            Ok(a) => a,
            Err(e) => panic!("{name}: {e}"),
        };
        assert_eq!(args.provider.name(), name);
        let (out, err) = (Shared::default(), Shared::default());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let stop = async {
            let _ = rx.await;
        };
        let (mut o, mut e) = (out.clone(), err.clone());
        let serve = run_until(args, stop, &mut o, &mut e);
        let drive = async {
            // Until the emulator says it is up, bounded by a deadline.
            let deadline = Instant::now() + Duration::from_secs(20);
            while !out.text().contains("Ctrl-C to stop.\n") {
                assert!(
                    Instant::now() < deadline,
                    "{name} printed no start lines: {} {}",
                    out.text(),
                    err.text()
                );
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            let text = out.text();
            let prefix = address_prefix(&name);
            let url = text
                .lines()
                .find_map(|l| l.strip_prefix(prefix))
                .unwrap_or_else(|| panic!("{name}: no `{prefix}<url>` line in {text}"));
            let host = url
                .split_once("://")
                .and_then(|(_, rest)| rest.split('/').next())
                .unwrap_or_else(|| panic!("{name}: not a URL: {url}"));
            // It listens where it says.
            tokio::net::TcpStream::connect(host)
                .await
                .unwrap_or_else(|e| panic!("{name}: nothing listens at {host}: {e}"));
            let _ = tx.send(());
        };
        let (code, ()) = tokio::join!(serve, drive);
        assert_eq!(code, 0, "{name}: {}", err.text());
        assert!(err.text().starts_with("stopped"), "{name}: {}", err.text());
    }
}

#[tokio::test]
async fn a_port_in_use_exits_1_with_the_reason() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let args = parse(&["komtet", "--port", &port]).expect("parses");
    let (mut out, mut err) = (Shared::default(), Shared::default());
    let code = run_until(args, std::future::pending(), &mut out, &mut err).await;
    assert_eq!(code, 1);
    assert!(out.text().is_empty(), "{}", out.text());
    assert!(!err.text().is_empty());
}

#[test]
fn without_options_the_configs_are_the_defaults() {
    let Provider::Atol(a) = provider(&["atol"]) else {
        panic!("atol")
    };
    let (c, d) = (a.config(), AtolConfig::default());
    assert_eq!(
        (
            c.port,
            c.processing_delay,
            c.token_lifetime,
            c.max_document_size
        ),
        (
            d.port,
            d.processing_delay,
            d.token_lifetime,
            d.max_document_size
        )
    );
    assert!(!c.tls && !c.strict && !c.check_vat_totals);
    let Provider::Orange(a) = provider(&["orangedata"]) else {
        panic!("orange")
    };
    let (c, d) = (a.config(), OrangeConfig::default());
    assert_eq!(
        (c.port, c.processing_delay, c.max_document_size, c.strict),
        (d.port, d.processing_delay, d.max_document_size, d.strict)
    );
    assert!(c.keys.is_empty());
    let Provider::BusinessRu(a) = provider(&["business_ru"]) else {
        panic!("businessru")
    };
    let (c, d) = (a.config(), BusinessRuConfig::default());
    assert_eq!(
        (c.port, c.processing_delay, c.token_lifetime, c.strict),
        (d.port, d.processing_delay, d.token_lifetime, d.strict)
    );
    let Provider::Ferma(a) = provider(&["ferma"]) else {
        panic!("ferma")
    };
    let (c, d) = (a.config(), FermaConfig::default());
    assert_eq!(
        (c.port, c.processing_delay, c.token_lifetime),
        (d.port, d.processing_delay, d.token_lifetime)
    );
    let Provider::Komtet(a) = provider(&["komtet"]) else {
        panic!("komtet")
    };
    let (c, d) = (a.config(), KomtetConfig::default());
    assert_eq!((c.port, c.processing_delay), (d.port, d.processing_delay));
    let Provider::Modulkassa(a) = provider(&["modulkassa"]) else {
        panic!("modulkassa")
    };
    let (c, d) = (a.config(), ModulKassaConfig::default());
    assert_eq!((c.port, c.take_delay), (d.port, d.take_delay));
    assert_eq!(c.register, RegisterState::Online);
}

#[test]
fn options_reach_the_configs() {
    let Provider::Atol(a) = provider(&[
        "atol",
        "--tls",
        "--strict",
        "--port",
        "8123",
        "--delay-ms",
        "7",
        "--token-lifetime-s",
        "9",
        "--max-document-size",
        "1000",
    ]) else {
        panic!("atol")
    };
    let c = a.config();
    assert!(c.tls && c.strict && c.check_vat_totals);
    assert_eq!(c.port, 8123);
    assert_eq!(c.processing_delay, Duration::from_millis(7));
    assert_eq!(c.token_lifetime, Duration::from_secs(9));
    assert_eq!(c.max_document_size, 1000);
    let Provider::Orange(a) = provider(&["orange", "--strict", "--max-document-size", "5"]) else {
        panic!("orange")
    };
    assert!(a.config().strict);
    assert_eq!(a.config().max_document_size, 5);
    let Provider::BusinessRu(a) = provider(&["businessru", "--strict"]) else {
        panic!("businessru")
    };
    assert!(a.config().strict);
    let Provider::Ferma(a) = provider(&["ferma", "--delay-ms", "50"]) else {
        panic!("ferma")
    };
    assert_eq!(a.config().processing_delay, Duration::from_millis(50));
    let Provider::Komtet(a) = provider(&["komtet", "--delay-ms", "7"]) else {
        panic!("komtet")
    };
    assert_eq!(a.config().processing_delay, Duration::from_millis(7));
    let Provider::Modulkassa(a) = provider(&["modulkassa", "--offline", "--delay-ms", "9"]) else {
        panic!("modulkassa")
    };
    assert_eq!(a.config().register, RegisterState::Offline);
    assert_eq!(a.config().take_delay, Duration::from_millis(9));
}

#[test]
fn bad_command_lines_exit_2_and_help_exits_0() {
    for bad in [
        &["komtet", "--strict"][..],
        &["ferma", "--strict"],
        &["modulkassa", "--strict"],
        &["atol", "--port", "70000"],
        &["atol", "--delay-ms", "soon"],
        &["atol", "--port"],
        &["nosuch"],
        &[],
        &["orange", "--key", "no-equals-sign"],
    ] {
        match parse(bad) {
            Ok(a) => panic!("{bad:?} parsed: {a:?}"),
            Err(e) => assert_eq!(e.exit_code(), 2, "{bad:?}: {e}"),
        }
    }
    for help in [&["--help"][..], &["atol", "--help"], &["orange", "-h"]] {
        match parse(help) {
            Ok(a) => panic!("{help:?} parsed: {a:?}"),
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::DisplayHelp, "{help:?}");
                assert_eq!(e.exit_code(), 0, "{help:?}");
            }
        }
    }
}

#[test]
fn key_files_are_read_as_pem_or_der() {
    let dir = std::env::temp_dir().join(format!("fiskal-emulator-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let der = vec![0x30, 0x82, 0x01, 0x0a, 0x02];
    let pem = dir.join("k.pem");
    std::fs::write(
        &pem,
        "-----BEGIN PUBLIC KEY-----\nMIIBCgI=\n-----END PUBLIC KEY-----\n",
    )
    .expect("write");
    let raw = dir.join("k.der");
    std::fs::write(&raw, &der).expect("write");
    let a = format!("a={}", pem.display());
    let b = format!("b={}", raw.display());
    let Provider::Orange(o) = provider(&["orange", "--key", &a, "--key", &b]) else {
        panic!("orange")
    };
    assert_eq!(
        o.config().keys,
        vec![("a".to_owned(), der.clone()), ("b".to_owned(), der)]
    );
    let missing = format!("c={}", dir.join("missing.pem").display());
    match parse(&["orange", "--key", &missing]) {
        Ok(_) => panic!("a missing key file parsed"),
        Err(e) => {
            assert_eq!(e.exit_code(), 2);
            assert!(e.to_string().contains("missing.pem"), "{e}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `fiskal` shows its help texts in one language, split at ` / `; the emulator's are in
/// English only and must survive that unchanged.
#[test]
fn no_help_text_contains_the_language_separator() {
    fn walk(cmd: &clap::Command, path: &str) {
        let texts = [cmd.get_about(), cmd.get_long_about()]
            .into_iter()
            .flatten()
            .map(ToString::to_string)
            .chain(cmd.get_arguments().flat_map(|a| {
                [a.get_help(), a.get_long_help()]
                    .into_iter()
                    .flatten()
                    .map(ToString::to_string)
            }));
        for t in texts {
            assert!(!t.contains(" / "), "{path}: {t}");
        }
        for s in cmd.get_subcommands() {
            walk(s, &format!("{path} {}", s.get_name()));
        }
    }
    let cmd = command();
    cmd.clone().debug_assert();
    walk(&cmd, "fiskal-emulator");
}
