//! The emulators (which check what they receive against the providers' documents) fiscalise the
//! maximal receipts that the adapters accept, new fields included.

use super::*;

/// The maximal receipt without the units the table refuses (as `run` sends it).
pub(super) fn accepted_part(receipt: Value, table: Table) -> Value {
    let model = serde_json::to_value(parse(&receipt)).expect("json");
    let table: Vec<(Vec<Seg>, M)> = table.into_iter().map(|(k, m)| (segs(k), m)).collect();
    let mut units: Vec<Vec<Seg>> = Vec::new();
    for leaf in leaves(&model) {
        let path = segs(&leaf);
        let hit = table
            .iter()
            .find_map(|(k, m)| matches(k, &path, matches!(m, W(..))).map(|_| (k.len(), m)));
        if let Some((len, R(_))) = hit {
            let unit = path[..len].to_vec();
            if !units.contains(&unit) {
                units.push(unit);
            }
        }
    }
    let mut s = model;
    for unit in units.iter().rev() {
        remove(&mut s, unit);
    }
    s
}

/// Submits under `id` and polls until the status is no longer pending; the final outcome.
pub(super) async fn fiscalise<P: fiskal_providers::Provider>(
    p: &P,
    id: &str,
    r: &Receipt,
) -> fiskal_providers::Outcome {
    use fiskal_providers::{DocumentKind, Outcome, StatusQuery};
    let mut s = submission(r);
    s.document_id = id;
    let provider_id = match p.submit(&s).await {
        Ok(Outcome::Accepted { provider_id, .. }) => provider_id,
        other => panic!("{id}: submit gave {other:?}"),
    };
    let kind = DocumentKind::of(r).expect("kind");
    for _ in 0..100 {
        let q = StatusQuery {
            provider_id: Some(&provider_id),
            document_id: id,
            kind,
        };
        match p.status(&q).await {
            Ok(Outcome::Pending { .. }) => {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            other => return other.expect("status"),
        }
    }
    panic!("{id}: still pending");
}

#[tokio::test]
pub(super) async fn the_atol_emulator_fiscalises_the_maximal_receipts() {
    use fiskal_emulator::atol::{AtolConfig as EmulatorConfig, AtolEmulator};
    let emu = AtolEmulator::start(
        EmulatorConfig::default().with_processing_delay(std::time::Duration::from_millis(50)),
    )
    .await
    .expect("emulator");
    let cases = [
        (
            "v4-sell",
            AtolConfig::test_v4(),
            emu.base_url_v4(),
            max_105(),
            atol_v4(),
        ),
        (
            "v4-correction",
            AtolConfig::test_v4(),
            emu.base_url_v4(),
            max_105_correction(),
            atol_v4_correction(),
        ),
        (
            "v5-sell",
            AtolConfig::test_v5(),
            emu.base_url_v5(),
            max_12(),
            atol_v5(),
        ),
        (
            "v5-correction",
            AtolConfig::test_v5(),
            emu.base_url_v5(),
            max_12_correction(),
            atol_v5(),
        ),
    ];
    for (id, mut cfg, base, receipt, table) in cases {
        cfg.base_url = base;
        cfg.report_interval = std::time::Duration::from_millis(20);
        let mut r = accepted_part(receipt, table);
        r["company"]["inn"] = json!("5544332219"); // the emulator's group INN
        let r = parse(&r);
        let client = AtolClient::new(cfg).expect("client");
        let got = fiscalise(&client, id, &r).await;
        assert!(
            matches!(got, fiskal_providers::Outcome::Done { .. }),
            "{id}: {got:?}"
        );
        assert_eq!(emu.journal().fiscalised_count(id), 1, "{id}");
    }
    emu.shutdown().await;
}

#[tokio::test]
pub(super) async fn the_orange_emulator_fiscalises_the_maximal_receipts() {
    use fiskal_emulator::orange::OrangeEmulator;
    use fiskal_emulator::orange::{generate_signing_key, OrangeConfig as EmulatorConfig};
    use fiskal_providers::orange::OrangeClient;
    let emu = OrangeEmulator::start(
        EmulatorConfig::default().with_processing_delay(std::time::Duration::from_millis(50)),
    )
    .await
    .expect("emulator");
    let key = generate_signing_key().expect("key");
    emu.register_key(INN, key.public_der.clone());
    let issued = emu.issue_client_identity().expect("client certificate");
    let identity = ClientIdentity {
        cert_chain_pem: issued.cert_pem,
        key_pem: Secret::new(issued.key_pem),
    };
    let cases = [
        ("od-105", "Main", max_105(), orange(false)),
        (
            "od-105-correction",
            "Main",
            max_105_correction(),
            orange_105_correction(),
        ),
        ("od-12", "Main_2", max_12(), orange(true)),
        (
            "od-12-correction",
            "Main_2",
            max_12_correction(),
            orange(true),
        ),
    ];
    for (id, group, receipt, table) in cases {
        let mut cfg = OrangeConfig::new(
            emu.base_url(),
            INN,
            Secret::new(key.private_pem.clone()),
            identity.clone(),
        );
        cfg.http.builtin_roots = false;
        cfg.http.extra_roots_pem = Some(emu.ca_pem().to_owned());
        cfg.group = Some(group.into());
        let client = OrangeClient::new(cfg).expect("client");
        // The emulator's groups are not vending groups: no 1036 / 1009 / 1187 in the request.
        let mut r = accepted_part(receipt, table);
        r.as_object_mut().expect("receipt").remove("register");
        let company = r["company"].as_object_mut().expect("company");
        company.remove("payment_place");
        company.remove("payment_address");
        let r = parse(&r);
        let got = fiscalise(&client, id, &r).await;
        assert!(
            matches!(got, fiskal_providers::Outcome::Done { .. }),
            "{id}: {got:?}"
        );
        assert_eq!(emu.journal().fiscalised_count(id), 1, "{id}");
    }
    emu.shutdown().await;
}
