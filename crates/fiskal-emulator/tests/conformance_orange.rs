//! Conformance of the Orange Data emulator with the protocol (version 2.31.3,
//! <https://github.com/orangedata-official/API>, `orangedata_API_Russian_ffd_1.2.pdf`) and with
//! what the official clients send: every test here is a row of the Orange Data table of
//! docs/emulators.md. Bodies come from `tests/fixtures/orange/` (see its README), sent as they
//! are published.

use base64::Engine as _;
use fiskal_emulator::orange::{
    ItemCodeCheck, OrangeConfig, OrangeEmulator, OrangeGroup, OrangeHandle, OrangeOrganization,
};
use fiskal_emulator::IssuedCert;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/orange/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).expect("fixture is JSON")
}

/// An RSA-2048 request-signing key, as the emulator generates them, signing with *ring*.
struct Signer {
    public_der: Vec<u8>,
    pair: ring::signature::RsaKeyPair,
}

impl Signer {
    /// The key of this test process, generated once: RSA-2048 generation takes a good part
    /// of a second in the test profile, and no test needs its emulator's key to be unique.
    fn shared() -> Signer {
        static KEY: std::sync::OnceLock<fiskal_emulator::orange::SigningKey> =
            std::sync::OnceLock::new();
        Signer::from_key(
            KEY.get_or_init(|| fiskal_emulator::orange::generate_signing_key().expect("keygen"))
                .clone(),
        )
    }

    fn from_key(key: fiskal_emulator::orange::SigningKey) -> Signer {
        let der = rustls_pemfile::private_key(&mut key.private_pem.as_bytes())
            .expect("pem")
            .expect("a key");
        let pair =
            ring::signature::RsaKeyPair::from_pkcs8(der.secret_der()).expect("ring reads it");
        Signer {
            public_der: key.public_der,
            pair,
        }
    }

    fn sign(&self, body: &[u8]) -> String {
        let mut sig = vec![0u8; self.pair.public().modulus_len()];
        self.pair
            .sign(
                &ring::signature::RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                body,
                &mut sig,
            )
            .expect("sign");
        base64::engine::general_purpose::STANDARD.encode(sig)
    }
}

fn tls_client(ca_pem: &str, id: &IssuedCert) -> reqwest::Client {
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls_pemfile::certs(&mut ca_pem.as_bytes()) {
        roots.add(c.expect("CA")).expect("CA");
    }
    let chain = rustls_pemfile::certs(&mut id.cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .expect("chain");
    let key = rustls_pemfile::private_key(&mut id.key_pem.as_bytes())
        .expect("pem")
        .expect("key");
    let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_root_certificates(roots)
    .with_client_auth_cert(chain, key)
    .expect("identity");
    reqwest::Client::builder()
        .tls_backend_preconfigured(cfg)
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

/// The key names of the samples (and `sample` for those without one).
const KEY_NAMES: &[&str] = &[
    "1234567890",
    "1234567",
    "3123011520",
    "7727401209",
    "sample",
];

struct Od {
    h: OrangeHandle,
    signer: Signer,
    http: reqwest::Client,
}

/// An organisation with the given groups; `automat` groups have the "automat data" flag.
fn org(inn: &str, groups: &[(&str, bool)]) -> OrangeOrganization {
    let mut o = OrangeOrganization::new(inn, "ООО \"ПРИМЕР\"");
    o.groups = groups
        .iter()
        .map(|(name, automat)| {
            let mut g = OrangeGroup::new(inn, *name);
            g.automat = *automat;
            g
        })
        .collect();
    o
}

/// The emulator with the samples' organisations and the test organisation.
async fn start(strict: bool, orgs: Vec<OrangeOrganization>) -> Od {
    let mut cfg = OrangeConfig::default()
        .with_processing_delay(Duration::from_millis(50))
        .with_strict(strict);
    cfg.item_code_check = ItemCodeCheck::AcceptAll;
    cfg.organizations.extend(orgs);
    let h = OrangeEmulator::start(cfg).await.expect("emulator");
    let signer = Signer::shared();
    for k in KEY_NAMES {
        h.register_key(*k, signer.public_der.clone());
    }
    let id = h.issue_client_identity().expect("identity");
    let http = tls_client(h.ca_pem(), &id);
    Od { h, signer, http }
}

impl Od {
    /// POSTs the exact bytes, signed.
    async fn post_bytes(&self, path: &str, body: &[u8]) -> (u16, String) {
        let r = self
            .http
            .post(format!("{}{path}", self.h.base_url()))
            .header("Content-Type", "application/json; charset=utf-8")
            .header("X-Signature", self.signer.sign(body))
            .body(body.to_vec())
            .send()
            .await
            .expect("answer");
        let status = r.status().as_u16();
        (status, r.text().await.expect("body"))
    }

    /// POSTs a fixture as published; one without `key` gets `"key": "sample"` written in front
    /// of its first field (the rest stays byte for byte, `8.90000` included).
    async fn post_fixture(&self, path: &str, name: &str) -> (u16, String) {
        let text = fixture(name);
        let body = if fixture_json(name).get("key").is_some() {
            text
        } else {
            text.replacen('{', "{\"key\": \"sample\",", 1)
        };
        self.post_bytes(path, body.as_bytes()).await
    }

    /// POSTs a JSON value; a body without `key` gets `"key": "sample"`.
    async fn post(&self, path: &str, body: &Value) -> (u16, String) {
        let mut body = body.clone();
        if body.get("key").is_none() {
            body["key"] = json!("sample");
        }
        self.post_bytes(path, body.to_string().as_bytes()).await
    }

    /// Polls the status until it is not 202 (3 s at most).
    async fn settle(&self, kind: &str, inn: &str, id: &str) -> (u16, String) {
        let start = Instant::now();
        loop {
            let r = self
                .http
                .get(format!(
                    "{}/api/v2/{kind}/{inn}/status/{id}",
                    self.h.base_url()
                ))
                .send()
                .await
                .expect("answer");
            let s = r.status().as_u16();
            let b = r.text().await.expect("body");
            if s != 202 {
                return (s, b);
            }
            assert!(
                start.elapsed() < Duration::from_secs(3),
                "{id} still queued"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn errors_of(body: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"));
    v["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors array: {body}"))
        .iter()
        .map(|e| e.as_str().expect("text").to_owned())
        .collect()
}

fn has(errs: &[String], want: &str) -> bool {
    errs.iter().any(|e| e.starts_with(want))
}

// ---- totalSum ---------------------------------------------------------------------------

#[tokio::test]
async fn od_protocol_samples_without_total_sum_are_accepted() {
    let od = start(
        false,
        vec![
            org("1234567890", &[("Main", false)]),
            org("123456789012", &[("Main", false)]),
        ],
    )
    .await;
    // §1.3: sent byte for byte as published (it names its own key).
    let (s, b) = od
        .post_bytes(
            "/api/v2/documents/",
            fixture("protocol_1_3_request.json").as_bytes(),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = od.settle("documents", "1234567890", "2_loc_z5bYWHvD").await;
    assert_eq!(s, 200, "{b}");
    // §2.1: no totalSum, a payment written 8.90000.
    let (s, b) = od
        .post_fixture("/api/v2/documents/", "protocol_2_1_request.json")
        .await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = od.settle("documents", "123456789012", "12345678990").await;
    assert_eq!(s, 200, "{b}");
    od.h.shutdown().await;
}

#[tokio::test]
async fn od_total_sum_required_for_ffd105_only_under_strict() {
    let od = start(
        true,
        vec![
            org("123456789012", &[("Main", false)]),
            org("7725327863", &[("Main_2", true)]),
        ],
    )
    .await;
    let (s, b) = od
        .post_fixture("/api/v2/documents/", "protocol_2_1_request.json")
        .await;
    assert_eq!(s, 400, "{b}");
    assert!(
        has(
            &errors_of(&b),
            "content.totalSum: обязательное поле не указано"
        ),
        "{b}"
    );
    // With totalSum it passes the same strict emulator (the sample's INN 123456789012 has a
    // wrong check digit, which strict also refuses: use the test organisation's group).
    let mut d = fixture_json("protocol_2_1_request.json");
    d["content"]["totalSum"] = json!(132.35);
    d["inn"] = json!("7727401209");
    let (s, b) = od.post("/api/v2/documents/", &d).await;
    assert_eq!(s, 201, "{b}");
    // FFD 1.2: not required even under strict (§2.1.1.1: «ФФД 1.2 – нет»). (The sample's
    // marked position has paymentSubjectType 1, which strict refuses: 33 here.)
    let mut d = fixture_json("protocol_2_1_request_ffd12.json");
    d["content"]["positions"][0]["paymentSubjectType"] = json!(33);
    let (s, b) = od.post("/api/v2/documents/", &d).await;
    assert_eq!(s, 201, "{b}");
    od.h.shutdown().await;
}

#[tokio::test]
async fn od_payments_must_equal_the_positions_when_total_sum_is_absent() {
    let od = start(false, vec![org("123456789012", &[("Main", false)])]).await;
    let mut d = fixture_json("protocol_2_1_request.json");
    d["content"]["checkClose"]["payments"][1]["amount"] = json!(8.00);
    let (s, b) = od.post("/api/v2/documents/", &d).await;
    assert_eq!(s, 400, "{b}");
    assert!(
        has(
            &errors_of(&b),
            "content.checkClose.payments: сумма оплат 131.45 не равна сумме позиций 132.35"
        ),
        "{b}"
    );
    od.h.shutdown().await;
}

// ---- quantities and numbers -------------------------------------------------------------

#[tokio::test]
async fn od_python_client_order_with_six_decimal_quantity_is_accepted() {
    let od = start(false, vec![org("3123011520", &[("main", false)])]).await;
    // FFD 1.05, quantity 6.123456, floats printed by Python (345.0, 10.0), sent as is.
    let body = fixture("python_client_order.json");
    let (s, b) = od.post_bytes("/api/v2/documents/", body.as_bytes()).await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = od
        .settle("documents", "3123011520", "teleport-201810181602")
        .await;
    assert_eq!(s, 200, "{b}");
    // The register took the total as Σ round(price × quantity) = 61.23 + 70.00 + 3712.20.
    let e = od.h.journal().entries();
    let fiscal = e[0].fiscal().expect("fiscalised");
    assert_eq!(fiscal.total_kopecks, 384_343);
    od.h.shutdown().await;
}

#[tokio::test]
async fn od_exponent_form_quantity_is_a_number() {
    let od = start(false, vec![org("3123011520", &[("main", false)])]).await;
    let body = fixture("python_client_order_micro_quantity.json");
    assert!(body.contains("\"quantity\": 1e-06"));
    let (s, b) = od.post_bytes("/api/v2/documents/", body.as_bytes()).await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = od.settle("documents", "3123011520", "teleport-micro").await;
    assert_eq!(s, 200, "{b}");
    od.h.shutdown().await;
}

#[tokio::test]
async fn od_quantity_with_seven_decimals_is_refused() {
    let od = start(false, vec![org("3123011520", &[("main", false)])]).await;
    let body = fixture("python_client_order_micro_quantity.json")
        .replace("\"quantity\": 1e-06", "\"quantity\": 1e-07");
    let (s, b) = od.post_bytes("/api/v2/documents/", body.as_bytes()).await;
    assert_eq!(s, 400, "{b}");
    assert!(
        has(
            &errors_of(&b),
            "content.positions[0].quantity: допускается не более 6 знаков после точки"
        ),
        "{b}"
    );
    od.h.shutdown().await;
}

// ---- error answers ----------------------------------------------------------------------

#[tokio::test]
async fn od_missing_id_inn_content_answer_like_the_protocol_sample() {
    let od = start(false, Vec::new()).await;
    let (s, b) = od
        .post_bytes("/api/v2/documents/", br#"{"key":"sample"}"#)
        .await;
    assert_eq!(s, 400);
    let got: Value = serde_json::from_str(&b).expect("json");
    assert_eq!(got, fixture_json("protocol_2_1_2_errors.json"));
    od.h.shutdown().await;
}

#[tokio::test]
async fn od_error_paths_use_the_api_field_names() {
    // The protocol's FFD 1.2 sample: a marked position (itemCode) with paymentSubjectType 1.
    // The register rule (31/33) is not documented as enforced by Orange Data, so only strict
    // refuses it, naming the API's field.
    let mut d = fixture_json("protocol_2_1_request_ffd12.json");
    d["inn"] = json!("7727401209");
    for k in ["automatNumber", "settlementAddress", "settlementPlace"] {
        d["content"].as_object_mut().expect("o").remove(k);
    }
    let mut contact = d.clone();
    contact["id"] = json!("contact");
    contact["content"]["positions"][0]["paymentSubjectType"] = json!(33);
    contact["content"]["customerContact"] = json!("Иван, позвоните");
    let lax = start(false, Vec::new()).await;
    for body in [&d, &contact] {
        let (s, b) = lax.post("/api/v2/documents/", body).await;
        assert_eq!(s, 201, "{b}");
    }
    lax.h.shutdown().await;

    let strict = start(true, Vec::new()).await;
    let (s, b) = strict.post("/api/v2/documents/", &d).await;
    assert_eq!(s, 400, "{b}");
    let errs = errors_of(&b);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        has(&errs, "content.positions[0].paymentSubjectType: "),
        "{errs:?}"
    );
    let (s, b) = strict.post("/api/v2/documents/", &contact).await;
    assert_eq!(s, 400, "{b}");
    let errs = errors_of(&b);
    assert!(has(&errs, "content.customerContact: "), "{errs:?}");
    strict.h.shutdown().await;
}

#[tokio::test]
async fn od_inn_check_digit_only_under_strict() {
    // The agent sample's customerINN 789456123488 and organisation INN 123456789012 fail the
    // ИНН check digit; the protocol asks for 10/12 digits only (§2.1.1.1 customerINN).
    let orgs = || vec![org("123456789012", &[("Main", true)])];
    let d = fixture_json("protocol_2_1_request_agent_ffd105.json");
    let lax = start(false, orgs()).await;
    let (s, b) = lax.post("/api/v2/documents/", &d).await;
    assert_eq!(s, 201, "{b}");
    lax.h.shutdown().await;
    let strict = start(true, orgs()).await;
    let mut d = d;
    d["content"]["totalSum"] = json!(132.35);
    let (s, b) = strict.post("/api/v2/documents/", &d).await;
    assert_eq!(s, 400, "{b}");
    let errs = errors_of(&b);
    assert!(has(&errs, "content.customerINN: "), "{errs:?}");
    assert!(has(&errs, "inn: "), "{errs:?}");
    strict.h.shutdown().await;
}

#[tokio::test]
async fn od_characters_cp866_lacks_are_not_refused() {
    // §1.2.6: «Сок «Мечта»» is fiscalised as «Сок Мечта»: the characters are dropped, not refused.
    let mut d = fixture_json("protocol_2_1_request.json");
    d["inn"] = json!("7727401209");
    d["content"]["positions"][0]["text"] = json!("Сок «Мечта»");
    let lax = start(false, Vec::new()).await;
    let (s, b) = lax.post("/api/v2/documents/", &d).await;
    assert_eq!(s, 201, "{b}");
    lax.h.shutdown().await;
    let strict = start(true, Vec::new()).await;
    d["content"]["totalSum"] = json!(132.35);
    let (s, b) = strict.post("/api/v2/documents/", &d).await;
    assert_eq!(s, 400, "{b}");
    assert!(has(&errors_of(&b), "content.positions[0].text: "), "{b}");
    strict.h.shutdown().await;
}

#[tokio::test]
async fn od_vat_sum_against_the_rate_only_under_strict() {
    let mut d = fixture_json("protocol_2_1_request.json");
    d["inn"] = json!("7727401209");
    d["content"]["totalSum"] = json!(132.35);
    // 10/110 of 8.90 is 0.81; the protocol does not say the service recomputes taxSum.
    d["content"]["positions"][1]["taxSum"] = json!(1.00);
    let lax = start(false, Vec::new()).await;
    let (s, b) = lax.post("/api/v2/documents/", &d).await;
    assert_eq!(s, 201, "{b}");
    lax.h.shutdown().await;
    let strict = start(true, Vec::new()).await;
    let (s, b) = strict.post("/api/v2/documents/", &d).await;
    assert_eq!(s, 400, "{b}");
    assert!(has(&errors_of(&b), "content.positions[1].taxSum: "), "{b}");
    strict.h.shutdown().await;
}

#[tokio::test]
async fn od_automat_fields_and_customer_contact_follow_the_table() {
    // §2.1.1.1: automatNumber/settlementAddress/settlementPlace are required for a group with
    // the automat flag, and must not be sent otherwise; customerContact is required.
    let od = start(
        false,
        vec![org("123456789012", &[("Main", true), ("Plain", false)])],
    )
    .await;
    let (s, b) = od
        .post_fixture("/api/v2/documents/", "protocol_2_1_request.json")
        .await;
    assert_eq!(s, 400, "{b}");
    let mut d = fixture_json("protocol_2_1_request_agent_ffd105.json");
    d["group"] = json!("Plain");
    let (s, b) = od.post("/api/v2/documents/", &d).await;
    assert_eq!(s, 400, "{b}");
    d["group"] = json!("Main");
    d["content"]
        .as_object_mut()
        .expect("o")
        .remove("customerContact");
    let (s, b) = od.post("/api/v2/documents/", &d).await;
    assert_eq!(s, 400, "{b}");
    assert!(
        has(
            &errors_of(&b),
            "content.customerContact: обязательное поле не указано"
        ),
        "{b}"
    );
    assert!(od.h.journal().is_empty());
    od.h.shutdown().await;
}

#[tokio::test]
async fn od_enumerations_and_lengths_of_the_field_tables() {
    // §2.1.1.1–§2.1.1.4: every value outside its table is named, all in one answer.
    let mut d = fixture_json("protocol_2_1_request_ffd12.json");
    d["inn"] = json!("7727401209");
    for k in ["automatNumber", "settlementAddress", "settlementPlace"] {
        d["content"].as_object_mut().expect("o").remove(k);
    }
    let c = &mut d["content"];
    c["type"] = json!(5);
    c["positions"][0]["paymentMethodType"] = json!(8);
    c["positions"][0]["paymentSubjectType"] = json!(28);
    c["positions"][0]["plannedStatus"] = json!(7);
    c["positions"][1]["quantityMeasurementUnit"] = json!(256);
    c["positions"][1]["tax"] = json!(11);
    c["positions"][1]["text"] = json!("x".repeat(129));
    c["checkClose"]["payments"][0]["type"] = json!(3);
    c["checkClose"]["taxationSystem"] = json!(6);
    c["additionalAttribute"] = json!("x".repeat(17));
    c["cashierINN"] = json!("7725327863");
    let od = start(false, Vec::new()).await;
    let (s, b) = od.post("/api/v2/documents/", &d).await;
    assert_eq!(s, 400, "{b}");
    let errs = errors_of(&b);
    for want in [
        "content.type: недопустимое значение 5",
        "content.positions[0].paymentMethodType: недопустимое значение 8",
        "content.positions[0].paymentSubjectType: недопустимое значение 28",
        "content.positions[0].plannedStatus: недопустимое значение 7",
        "content.positions[1].quantityMeasurementUnit: недопустимое значение 256",
        "content.positions[1].tax: недопустимое значение 11",
        "content.positions[1].text: длина должна быть от 1 до 128 символов",
        "content.checkClose.payments[0].type: недопустимое значение 3",
        "content.checkClose.taxationSystem: недопустимое значение 6",
        "content.additionalAttribute: длина должна быть от 1 до 16 символов",
        "content.cashierINN: длина должна быть от 12 до 12 символов",
    ] {
        assert!(errs.iter().any(|e| e == want), "{want} not in {errs:?}");
    }
    od.h.shutdown().await;
}

// ---- other samples ----------------------------------------------------------------------

#[tokio::test]
async fn od_agent_and_ffd12_samples_are_accepted() {
    let od = start(
        false,
        vec![
            org("123456789012", &[("Main", true)]),
            org("7725327863", &[("Main_2", true)]),
        ],
    )
    .await;
    let (s, b) = od
        .post_fixture(
            "/api/v2/documents/",
            "protocol_2_1_request_agent_ffd105.json",
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = od
        .post_bytes(
            "/api/v2/documents/",
            fixture("protocol_2_1_request_ffd12.json").as_bytes(),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = od.settle("documents", "7725327863", "12345678990").await;
    assert_eq!(s, 200, "{b}");
    od.h.shutdown().await;
}

#[tokio::test]
async fn od_correction_sample_is_accepted() {
    let od = start(false, vec![org("123456789012", &[("Main", true)])]).await;
    let (s, b) = od
        .post_fixture("/api/v2/corrections/", "protocol_2_3_correction.json")
        .await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = od
        .settle("corrections", "123456789012", "12345678990")
        .await;
    assert_eq!(s, 200, "{b}");
    od.h.shutdown().await;
}

#[tokio::test]
async fn od_status_answer_has_the_fields_of_the_protocol_sample() {
    let od = start(false, vec![org("123456789012", &[("Main", false)])]).await;
    let (s, b) = od
        .post_fixture("/api/v2/documents/", "protocol_2_1_request.json")
        .await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = od.settle("documents", "123456789012", "12345678990").await;
    assert_eq!(s, 200, "{b}");
    let got: Value = serde_json::from_str(&b).expect("json");
    let sample = fixture_json("protocol_2_2_1_status_response.json");
    for (k, v) in sample.as_object().expect("object") {
        let g = got.get(k).unwrap_or_else(|| panic!("{k} missing: {b}"));
        let kind = |v: &Value| match v {
            Value::String(_) => "string",
            Value::Number(_) => "number",
            Value::Object(_) => "object",
            _ => "other",
        };
        assert_eq!(kind(g), kind(v), "{k}: {g} vs the sample's {v}");
    }
    // The content is echoed as sent (8.90000 stays 8.90000).
    assert!(b.contains("\"amount\": 8.90000"), "{b}");
    od.h.shutdown().await;
}
