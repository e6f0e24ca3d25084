//! The client side of the Orange Data emulator tests: a request-signing key, an HTTPS client
//! with or without a client certificate, a started emulator, the sample documents.

use super::*;

pub(super) const INN: &str = "7727401209";
/// The shoes mark of tests/vectors/marks/001 (raw scan, GS as 0x1D).
pub(super) const MARK: &str = "010469025752852321G+mgsHw<DiLN_\u{1d}91EE05\u{1d}924B2ovJ3U14mtGhsDhWLhMDAFRoe8OK9C/2vfWUSFd7uRBpOIDG3U+ix7U/6S8nvFci3vKVQcx/e6hyvCfiKSZg==";

/// An RSA-2048 request-signing key, as the emulator generates them, signing with *ring*.
pub(super) struct Signer {
    pub(super) key: fiskal_emulator::orange::SigningKey,
    pair: ring::signature::RsaKeyPair,
}

impl Signer {
    /// A fresh key (one the emulator does not know).
    pub(super) fn new() -> Signer {
        Signer::from_key(fiskal_emulator::orange::generate_signing_key().expect("keygen"))
    }

    /// The key of this test process, generated once: RSA-2048 generation takes a good part
    /// of a second in the test profile, and no test needs its emulator's key to be unique.
    pub(super) fn shared() -> Signer {
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
        Signer { key, pair }
    }

    pub(super) fn public_der(&self) -> Vec<u8> {
        self.key.public_der.clone()
    }

    pub(super) fn sign(&self, body: &[u8]) -> String {
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

pub(super) struct Od {
    pub(super) h: OrangeHandle,
    pub(super) signer: Signer,
    pub(super) http: reqwest::Client,
}

pub(super) fn tls_client(ca_pem: &str, identity: Option<&IssuedCert>) -> reqwest::Client {
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls_pemfile::certs(&mut ca_pem.as_bytes()) {
        roots.add(c.expect("CA")).expect("CA");
    }
    let b = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_root_certificates(roots);
    let cfg = match identity {
        None => b.with_no_client_auth(),
        Some(id) => {
            let chain = rustls_pemfile::certs(&mut id.cert_pem.as_bytes())
                .collect::<Result<Vec<_>, _>>()
                .expect("chain");
            let key = rustls_pemfile::private_key(&mut id.key_pem.as_bytes())
                .expect("pem")
                .expect("key");
            b.with_client_auth_cert(chain, key).expect("identity")
        }
    };
    reqwest::Client::builder()
        .tls_backend_preconfigured(cfg)
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

pub(super) async fn start(cfg: OrangeConfig) -> Od {
    let h = OrangeEmulator::start(cfg).await.expect("emulator");
    let signer = Signer::shared();
    h.register_key(INN, signer.public_der());
    let id = h.issue_client_identity().expect("identity");
    let http = tls_client(h.ca_pem(), Some(&id));
    Od { h, signer, http }
}

pub(super) fn fast() -> OrangeConfig {
    OrangeConfig::default().with_processing_delay(Duration::from_millis(100))
}

/// A valid FFD 1.2 receipt request with one marked position.
pub(super) fn doc(id: &str) -> Value {
    json!({
        "id": id, "inn": INN, "group": "Main_2", "key": INN,
        "content": {
            "ffdVersion": 4, "type": 1,
            "positions": [
                {"quantity": 1, "price": 4990.00, "tax": 6, "text": "Кроссовки",
                 "paymentMethodType": 4, "paymentSubjectType": 33, "itemCode": MARK,
                 "plannedStatus": 1, "quantityMeasurementUnit": 0},
                {"quantity": 0.347, "price": 899.00, "tax": 2, "taxSum": 28.36, "text": "Весовой товар",
                 "paymentMethodType": 4, "paymentSubjectType": 1, "quantityMeasurementUnit": 11}
            ],
            "checkClose": {"payments": [{"type": 2, "amount": 5301.95}], "taxationSystem": 0},
            "customerContact": "+79990000001",
            "totalSum": 5301.95
        },
        "meta": "order 42"
    })
}

impl Od {
    pub(super) async fn post_raw(
        &self,
        path: &str,
        body: &[u8],
        sig: Option<String>,
    ) -> (u16, String) {
        let mut rq = self
            .http
            .post(format!("{}{path}", self.h.base_url()))
            .header("Content-Type", "application/json; charset=utf-8")
            .body(body.to_vec());
        if let Some(s) = sig {
            rq = rq.header("X-Signature", s);
        }
        let r = rq.send().await.expect("answer");
        let status = r.status().as_u16();
        (status, r.text().await.expect("body"))
    }

    /// POSTs `body` signed with the right key.
    pub(super) async fn post(&self, path: &str, body: &Value) -> (u16, String) {
        let bytes = body.to_string().into_bytes();
        let sig = self.signer.sign(&bytes);
        self.post_raw(path, &bytes, Some(sig)).await
    }

    pub(super) async fn status(&self, kind: &str, inn: &str, id: &str) -> (u16, String) {
        let r = self
            .http
            .get(format!(
                "{}/api/v2/{kind}/{inn}/status/{id}",
                self.h.base_url()
            ))
            .send()
            .await
            .expect("answer");
        let status = r.status().as_u16();
        (status, r.text().await.expect("body"))
    }

    /// Polls until the status is not 202 (3 s at most).
    pub(super) async fn settle(&self, kind: &str, id: &str) -> (u16, String) {
        let start = Instant::now();
        loop {
            let (s, b) = self.status(kind, INN, id).await;
            if s != 202 {
                return (s, b);
            }
            assert!(
                start.elapsed() < Duration::from_secs(3),
                "{id} still queued"
            );
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    }
}

pub(super) fn errors_of(body: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"));
    v["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors array: {body}"))
        .iter()
        .map(|e| e.as_str().expect("text").to_owned())
        .collect()
}
