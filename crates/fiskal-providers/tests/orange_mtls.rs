//! End to end over mutual TLS with client certificates made the way Orange Data makes them
//! (X.509 version 1, RSA 2048, signed by the client CA; `scripts/make-test-certs`): the Orange
//! Data adapter against `fiskal-emulator`'s Orange Data server told to trust the fixtures' CA.
//! v1 and v3 leaves (and a v1 leaf of the emulator's own CA), a leaf with its intermediate, a foreign CA's certificate (401 → `Auth`),
//! a key that is not the certificate's (refused locally, nothing sent), and the whole path from
//! provider settings with Orange Data's XML signing key.

#[path = "support/emulated.rs"]
mod emulated;

use fiskal_emulator::orange::{OrangeConfig as EmulatorConfig, OrangeEmulator, OrangeHandle};
use fiskal_providers::http::ClientIdentity;
use fiskal_providers::orange::{OrangeClient, OrangeConfig, RequestSigner};
use fiskal_providers::settings::ProviderSettings;
use fiskal_providers::{
    AnyProvider, Outcome, Provider, ProviderError, RejectKind, Secret, Submission,
};
use std::time::Duration;

const INN: &str = "7727401209";
const CERTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/certs/");
const OFFICIAL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/orange/official/"
);

fn read(dir: &str, name: &str) -> String {
    std::fs::read_to_string(format!("{dir}{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// An emulator that accepts client certificates of the fixtures' CA, with Orange Data's
/// official test signing key (the XML one) registered for the test organisation.
async fn emulator() -> OrangeHandle {
    let cfg = EmulatorConfig::default()
        .with_processing_delay(Duration::from_millis(100))
        .with_client_ca_pem(read(CERTS, "ca.crt"));
    let emu = OrangeEmulator::start(cfg).await.expect("emulator");
    emu.register_key(INN, official_signer().public_key_der());
    emu
}

fn official_signer() -> RequestSigner {
    RequestSigner::from_pem(&Secret::new(read(OFFICIAL, "private_key_test.xml")))
        .expect("Orange Data's XML signing key")
}

fn identity(cert: &str, key: &str) -> ClientIdentity {
    ClientIdentity {
        cert_chain_pem: read(CERTS, cert),
        key_pem: Secret::new(read(CERTS, key)),
    }
}

/// The adapter config for the emulator: its server CA trusted (and nothing else), Orange
/// Data's XML signing key, this client identity.
fn config(emu: &OrangeHandle, identity: ClientIdentity) -> OrangeConfig {
    let key = Secret::new(read(OFFICIAL, "private_key_test.xml"));
    let mut cfg = OrangeConfig::new(emu.base_url(), INN, key, identity);
    cfg.http.builtin_roots = false;
    cfg.http.extra_roots_pem = Some(emu.ca_pem().to_owned());
    cfg.http.timeout = Duration::from_secs(5);
    cfg
}

fn client(emu: &OrangeHandle, identity: ClientIdentity) -> OrangeClient {
    OrangeClient::new(config(emu, identity)).expect("client")
}

fn receipt() -> fiskal_ffd::Receipt {
    emulated::receipt("orange/sell_1_2.receipt.json")
}

#[tokio::test]
async fn v1_client_certificate_of_a_ca_given_to_the_emulator_submit_to_done() {
    let emu = emulator().await;
    let client = client(&emu, identity("client-v1.crt", "client-v1.key"));
    let r = receipt();
    let fiscal = emulated::submit_until_done(&client, "mtls-v1", &r).await;
    assert_eq!(fiscal.total, r.total);
    assert_eq!(emu.journal().fiscalised_count("mtls-v1"), 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn v1_client_certificate_issued_by_the_emulators_own_ca_submit_to_done() {
    // No CA given: the emulator's run-time CA issues an Orange-style v1 certificate.
    let emu = OrangeEmulator::start(
        EmulatorConfig::default().with_processing_delay(Duration::from_millis(100)),
    )
    .await
    .expect("emulator");
    emu.register_key(INN, official_signer().public_key_der());
    let id = emu.issue_client_identity_v1().expect("v1 identity");
    let client = client(
        &emu,
        ClientIdentity {
            cert_chain_pem: id.cert_pem.clone(),
            key_pem: Secret::new(id.key_pem.clone()),
        },
    );
    let r = receipt();
    let fiscal = emulated::submit_until_done(&client, "mtls-own-v1", &r).await;
    assert_eq!(fiscal.total, r.total);
    assert_eq!(emu.journal().fiscalised_count("mtls-own-v1"), 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn v3_leaf_and_a_leaf_with_its_intermediate_are_accepted() {
    let emu = emulator().await;
    let r = receipt();
    for (id, cert, key) in [
        ("mtls-v3", "client-v3.crt", "client-v3.key"),
        (
            "mtls-chain",
            "client-via-intermediate-chain.crt",
            "client-via-intermediate.key",
        ),
        // PKCS#1 client key.
        ("mtls-pkcs1", "client-v1.crt", "client-v1-pkcs1.key"),
    ] {
        let client = client(&emu, identity(cert, key));
        let fiscal = emulated::submit_until_done(&client, id, &r).await;
        assert_eq!(fiscal.total, r.total, "{id}");
        assert_eq!(emu.journal().fiscalised_count(id), 1, "{id}");
    }
    emu.shutdown().await;
}

fn submission<'a>(id: &'a str, r: &'a fiskal_ffd::Receipt) -> Submission<'a> {
    Submission {
        document_id: id,
        receipt: r,
        callback_url: None,
        timestamp: "2026-03-02T10:15:00".parse().expect("time"),
    }
}

#[tokio::test]
async fn foreign_ca_and_a_leaf_without_its_intermediate_get_401_as_auth() {
    let emu = emulator().await;
    let r = receipt();
    for (id, cert, key) in [
        ("mtls-foreign", "foreign-client.crt", "foreign-client.key"),
        // The intermediate is not sent: the emulator cannot reach its CA.
        (
            "mtls-no-intermediate",
            "client-via-intermediate.crt",
            "client-via-intermediate.key",
        ),
    ] {
        let client = client(&emu, identity(cert, key));
        match client.submit(&submission(id, &r)).await {
            Ok(Outcome::Rejected {
                kind: RejectKind::Auth,
                code,
                ..
            }) => assert_eq!(code, "401", "{id}"),
            other => panic!("{id}: expected Rejected{{Auth}} 401, got {other:?}"),
        }
    }
    assert!(emu.journal().is_empty());
    emu.shutdown().await;
}

#[tokio::test]
async fn a_key_that_is_not_the_certificates_is_refused_before_any_connection() {
    let emu = emulator().await;
    let cfg = config(&emu, identity("client-v1.crt", "client-v3.key"));
    match OrangeClient::new(cfg) {
        Err(ProviderError::Tls { message }) => {
            assert!(message.contains("do not match"), "{message}")
        }
        other => panic!("expected a TLS error, got {other:?}"),
    }
    assert!(emu.journal().is_empty());
    emu.shutdown().await;
}

#[tokio::test]
async fn from_settings_with_the_xml_signing_key_and_a_v1_certificate_in_files() {
    let emu = emulator().await;
    let dir = std::env::temp_dir().join(format!("fiskal-orange-mtls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let ca_file = dir.join("server-ca.pem");
    std::fs::write(&ca_file, emu.ca_pem()).expect("write");
    let settings = serde_json::json!({
        "provider": "orange_data", "base_url": emu.base_url(), "inn": INN,
        "signing_key": {"file": format!("{OFFICIAL}private_key_test.xml")},
        "client_cert": {"file": format!("{CERTS}client-v1.crt")},
        "client_key": {"file": format!("{CERTS}client-v1.key")},
        "http": {"builtin_roots": false, "ca": {"file": ca_file}, "timeout_ms": 5000}
    });
    let parsed = ProviderSettings::from_json(&settings.to_string()).expect("settings");
    assert_eq!(parsed.validate(), Ok(()));
    let provider = AnyProvider::from_settings(&parsed).expect("provider");
    let r = receipt();
    let fiscal = emulated::submit_until_done(&provider, "mtls-settings", &r).await;
    assert_eq!(fiscal.total, r.total);
    assert_eq!(emu.journal().fiscalised_count("mtls-settings"), 1);
    assert_eq!(provider.name(), "orange_data");
    std::fs::remove_dir_all(&dir).ok();
    emu.shutdown().await;
}
