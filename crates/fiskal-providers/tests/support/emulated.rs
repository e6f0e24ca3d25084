//! Helpers for end-to-end tests against `fiskal-emulator`: receipt fixtures, a fresh Orange
//! Data signing key, submit-then-poll. Generic over [`Provider`], so any adapter (or
//! `AnyProvider`) can use them.

use fiskal_providers::{
    DocumentKind, FiscalAttributes, Outcome, Provider, StatusQuery, Submission,
};
use std::time::Duration;

/// The provider tests' fixture directory.
pub(crate) const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// A receipt fixture (`atol/receipt_sell_v4.json` …), parsed and validated.
pub(crate) fn receipt(path: &str) -> fiskal_ffd::Receipt {
    let text = std::fs::read_to_string(format!("{FIXTURES}/{path}"))
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    fiskal_ffd::json::parse_and_validate(&text).unwrap_or_else(|e| panic!("{path}: {e:?}"))
}

/// Submits `receipt` under `document_id` (expects a first-time acceptance), then polls the
/// status every 50 ms until it is no longer accepted / pending (10 s at most) and returns the
/// fiscal attributes of `Done`.
pub(crate) async fn submit_until_done<P: Provider>(
    provider: &P,
    document_id: &str,
    receipt: &fiskal_ffd::Receipt,
) -> FiscalAttributes {
    let s = Submission {
        document_id,
        receipt,
        callback_url: None,
        timestamp: "2026-03-02T10:15:00".parse().expect("time"),
    };
    let provider_id = match provider.submit(&s).await {
        Ok(Outcome::Accepted {
            provider_id,
            duplicate: false,
        }) => provider_id,
        other => panic!("{}: submit gave {other:?}", provider.name()),
    };
    let q = StatusQuery {
        provider_id: Some(&provider_id),
        document_id,
        kind: DocumentKind::of(receipt).expect("kind"),
    };
    for _ in 0..200 {
        match provider.status(&q).await {
            Ok(Outcome::Pending { .. } | Outcome::Accepted { .. }) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Ok(Outcome::Done {
                provider_id: id,
                fiscal,
            }) => {
                assert_eq!(id, provider_id);
                return fiscal;
            }
            other => panic!("{}: status gave {other:?}", provider.name()),
        }
    }
    panic!("{}: {document_id} not done after 10 s", provider.name())
}
