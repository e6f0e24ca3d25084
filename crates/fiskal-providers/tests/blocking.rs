//! The blocking facade: works without a runtime (against the ATOL emulator), from several threads
//! at once, and refuses — without panicking — to run inside an async runtime.

use fiskal_emulator::atol::{AtolConfig as EmuConfig, AtolEmulator};
use fiskal_providers::atol::{AtolClient, AtolConfig};
use fiskal_providers::blocking::BlockingProvider;
use fiskal_providers::{DocumentKind, Outcome, StatusQuery, Submission};
use std::time::Duration;

const RECEIPT_V5: &str = r#"{"version":1,"ffd":"1.2","operation":"sell","tax_system":"osn",
 "company":{"inn":"5544332219","payment_place":"https://v5.online.atol.ru","email":"shop@example.ru"},
 "client":{"contact":"buyer@example.ru"},
 "items":[{"name":"Носки","price":"199.90","quantity":3,"sum":"599.70","measure":"piece","vat":"vat20",
           "payment_method":"full_payment","payment_subject":"commodity"}],
 "payments":{"electronic":"599.70"},"total":"599.70"}"#;

#[test]
fn blocking_submit_and_status_without_a_runtime_from_many_threads() {
    // The emulator needs a runtime of its own; the client side has none.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let emu = rt
        .block_on(AtolEmulator::start(
            EmuConfig::default().with_processing_delay(Duration::from_millis(50)),
        ))
        .expect("emulator");
    let mut cfg = AtolConfig::test_v5();
    cfg.base_url = emu.base_url_v5();
    cfg.report_interval = Duration::from_millis(10);
    let client = BlockingProvider::new(AtolClient::new(cfg).expect("client")).expect("facade");
    let receipt = fiskal_ffd::json::parse_and_validate(RECEIPT_V5).expect("receipt");
    let timestamp = "2026-03-02T10:15:00".parse().expect("time");

    std::thread::scope(|scope| {
        for t in 0..4 {
            let (client, receipt) = (&client, &receipt);
            scope.spawn(move || {
                let id = format!("blocking-{t}");
                let s = Submission {
                    document_id: &id,
                    receipt,
                    callback_url: None,
                    timestamp,
                };
                let uuid = match client.submit(&s).expect("sent") {
                    Outcome::Accepted { provider_id, .. } => provider_id,
                    other => panic!("{other:?}"),
                };
                let q = StatusQuery {
                    provider_id: Some(&uuid),
                    document_id: &id,
                    kind: DocumentKind::Sell,
                };
                for _ in 0..100 {
                    match client.status(&q).expect("asked") {
                        Outcome::Done { fiscal, .. } => {
                            assert_eq!(fiscal.total, receipt.total);
                            return;
                        }
                        Outcome::Pending { .. } | Outcome::RetryLater { .. } => {
                            std::thread::sleep(Duration::from_millis(50))
                        }
                        other => panic!("{other:?}"),
                    }
                }
                panic!("not done in time");
            });
        }
    });
    for t in 0..4 {
        assert_eq!(
            emu.journal().fiscalised_count(&format!("blocking-{t}")),
            1,
            "exactly once"
        );
    }
    rt.block_on(emu.shutdown());
}

#[test]
fn refused_inside_an_async_runtime_without_panicking() {
    let client = BlockingProvider::new(AtolClient::new(AtolConfig::test_v5()).expect("client"))
        .expect("facade");
    let receipt = fiskal_ffd::json::parse_and_validate(RECEIPT_V5).expect("receipt");
    let s = Submission {
        document_id: "x",
        receipt: &receipt,
        callback_url: None,
        timestamp: "2026-03-02".parse().expect("date"),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let err = rt
        .block_on(async { client.submit(&s) })
        .expect_err("refused");
    assert_eq!(err.code(), "config");
    drop(rt);
    // `client` (and its runtime) is dropped outside any runtime.
}
