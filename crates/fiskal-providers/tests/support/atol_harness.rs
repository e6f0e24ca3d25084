//! The ATOL wire tests' harness: fixtures, exact body comparison, a client configured for the
//! scripted server, and [`run`], which performs one call and checks every recorded request.

use super::server::{compact, serve, Exchange, Seen};
use fiskal_providers::atol::{AtolClient, AtolConfig, AtolVersion};
use fiskal_providers::{DocumentKind, Outcome, Provider, ProviderError, StatusQuery, Submission};
use std::time::Duration;

pub(crate) const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/atol");
pub(crate) const PASS: &str = "S3cr3t-pass";
pub(crate) const GROUP: &str = "group_1";

// Fixtures and comparison.

pub(crate) fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

pub(crate) fn assert_body(name: &str, sent: &str) {
    let want = fixture(name);
    let a: serde_json::Value = serde_json::from_str(sent).expect("sent body is JSON");
    let b: serde_json::Value = serde_json::from_str(&want).expect("fixture is JSON");
    assert_eq!(a, b, "{name}: body differs as JSON\nsent: {sent}");
    assert_eq!(
        sent,
        compact(&want),
        "{name}: same JSON, different text (number form or key order)"
    );
}

pub(crate) fn config(version: AtolVersion, base: &str) -> AtolConfig {
    let path = match version {
        AtolVersion::V4 => "/possystem/v4/",
        _ => "/possystem/v5/",
    };
    let mut c = AtolConfig::new(version, format!("{base}{path}"), "test-login", PASS, GROUP);
    c.report_interval = Duration::ZERO;
    c.http.timeout = Duration::from_secs(5);
    c
}

// What a test does.

pub(crate) enum Call {
    Submit {
        receipt: &'static str,
        id: &'static str,
        callback: Option<&'static str>,
    },
    Status {
        uuid: &'static str,
        kind: DocumentKind,
    },
}

pub(crate) fn submit(receipt: &'static str, id: &'static str) -> Call {
    Call::Submit {
        receipt,
        id,
        callback: None,
    }
}

pub(crate) fn status(uuid: &'static str, kind: DocumentKind) -> Call {
    Call::Status { uuid, kind }
}

pub(crate) async fn run(
    version: AtolVersion,
    tune: impl FnOnce(&mut AtolConfig),
    call: Call,
    script: Vec<Exchange>,
) -> (Result<Outcome, ProviderError>, Vec<Seen>, AtolClient) {
    let (base, seen) = serve(script.clone()).await;
    let mut cfg = config(version, &base);
    tune(&mut cfg);
    let client = AtolClient::new(cfg).expect("client");
    let result = match call {
        Call::Submit {
            receipt,
            id,
            callback,
        } => {
            let r = fiskal_ffd::json::parse(&fixture(receipt)).expect("receipt fixture");
            let s = Submission {
                document_id: id,
                receipt: &r,
                callback_url: callback,
                timestamp: "2026-03-02T10:15:00".parse().expect("time"),
            };
            client.submit(&s).await
        }
        Call::Status { uuid, kind } => {
            let q = StatusQuery {
                provider_id: Some(uuid),
                document_id: "doc-1",
                kind,
            };
            client.status(&q).await
        }
    };
    let seen = seen.lock().expect("seen").clone();
    for (i, (ex, got)) in script.iter().zip(&seen).enumerate() {
        assert_eq!(got.method, ex.method, "request {i}");
        assert_eq!(got.path, ex.path, "request {i}");
        assert_eq!(got.header("Token"), ex.token, "request {i}: Token header");
        match ex.body_fixture {
            Some(f) => {
                assert_eq!(
                    got.header("Content-Type"),
                    Some("application/json; charset=utf-8"),
                    "request {i}"
                );
                assert_body(f, &got.body);
            }
            None => assert_eq!(got.body, "", "request {i}: unexpected body"),
        }
    }
    assert_eq!(seen.len(), script.len(), "number of requests: {seen:#?}");
    (result, seen, client)
}
