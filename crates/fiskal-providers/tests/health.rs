//! `Provider::health` against the emulators: what a working configuration, refused credentials
//! and a wrong endpoint report (Business.ru's own cases are in `business_ru_e2e.rs`).

use fiskal_emulator::atol::{AtolConfig as EmulatorConfig, AtolEmulator};
use fiskal_providers::atol::AtolConfig;
use fiskal_providers::{AnyProvider, Health, Outcome, Provider, RejectKind, Secret};

#[tokio::test]
async fn atol_health_is_a_token_request() {
    let emu = AtolEmulator::start(EmulatorConfig::default())
        .await
        .expect("emulator");
    for (cfg, base) in [
        (AtolConfig::test_v4(), emu.base_url_v4()),
        (AtolConfig::test_v5(), emu.base_url_v5()),
    ] {
        let mut good = cfg.clone();
        good.base_url = base.clone();
        let client = AnyProvider::from(
            fiskal_providers::atol::AtolClient::new(good.clone()).expect("client"),
        );
        assert!(client.health().await.is_ok(), "{base}");
        let mut bad = good;
        bad.pass = Secret::new("not-the-password");
        let client = fiskal_providers::atol::AtolClient::new(bad).expect("client");
        match client.health().await {
            Health::Failed(o) => {
                let Outcome::Rejected { kind, message, .. } = *o else {
                    panic!("{base}: {o:?}")
                };
                assert_eq!(kind, RejectKind::Auth);
                assert!(!message.contains("not-the-password"), "{message}");
            }
            other => panic!("{base}: {other:?}"),
        }
    }
}
