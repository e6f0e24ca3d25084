//! A document the provider holds but cannot process until the shop's register comes online
//! (МодульКасса `QUEUED`: [`Outcome::Waiting`] for [`WaitingFor::Register`]): the entry is
//! `accepted` and shows `waiting_for_register` as its last code and the provider's words as
//! its message, it is polled with the same document id, it is `stuck` at the accepted
//! deadline and an operator's requeue then polls the same id again — never a new one. Once
//! the register takes it, the wait reason is gone.

use fiskal_outbox::{
    Config, Event, NewEntry, OperatorAction, SqliteStore, State, Store, Timestamp,
};
use fiskal_providers::{FiscalAttributes, Outcome, WaitingFor};
use std::path::PathBuf;
use std::time::Duration;

const T0: Timestamp = Timestamp(1_772_000_000_000);

fn at(secs: i64) -> Timestamp {
    Timestamp(T0.0 + secs * 1000)
}

fn open(name: &str, cfg: Config) -> SqliteStore {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("outbox-waiting-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("mkdir");
    SqliteStore::open(d.join("outbox.db"), cfg).expect("open")
}

fn receipt() -> fiskal_ffd::Receipt {
    fiskal_ffd::json::parse(include_str!("fixtures/receipt_sell.json")).expect("receipt")
}

fn waiting(id: &str) -> Outcome {
    Outcome::Waiting {
        provider_id: id.into(),
        waiting_for: WaitingFor::Register,
        message: "QUEUED (register state FAILED, since 2026-03-02T09:31:12+00:00): Document \
                  queued for printing"
            .into(),
    }
}

/// Enqueued, sent (the service answered `QUEUED`: accepted), then the polls.
fn accepted(s: &SqliteStore, key: &str) -> fiskal_outbox::Entry {
    let r = receipt();
    let e = s
        .enqueue(
            &NewEntry {
                key,
                receipt: &r,
                provider: "modulkassa",
            },
            at(0),
        )
        .expect("enqueue")
        .entry;
    let e = s
        .apply(key, e.version, &Event::ClaimedForSend, at(1))
        .expect("claim");
    let id = e.document_id();
    s.apply(
        key,
        e.version,
        &Event::ProviderOutcome(&Outcome::Accepted {
            provider_id: id,
            duplicate: false,
        }),
        at(2),
    )
    .expect("accepted")
}

#[test]
fn a_waiting_document_shows_why_and_loses_the_reason_once_taken() {
    let s = open("shown", Config::default());
    let e = accepted(&s, "order-1-sell");
    let id = e.document_id();
    let e = s
        .apply(
            "order-1-sell",
            e.version,
            &Event::ProviderOutcome(&waiting(&id)),
            at(10),
        )
        .expect("waiting");
    assert_eq!(e.state, State::Accepted);
    assert_eq!(e.last_code.as_deref(), Some("waiting_for_register"));
    assert!(e
        .last_message
        .as_deref()
        .is_some_and(|m| m.contains("QUEUED") && m.contains("register state FAILED")));
    assert_eq!(e.provider_id.as_deref(), Some(id.as_str()));
    assert_eq!(e.attempt, 1, "never a new document id while it waits");
    assert_eq!(s.count_waiting(WaitingFor::Register).expect("count"), 1);
    // Polled again: the deadline is the accepted state's, counted from acceptance.
    assert!(e.due_at.is_some());
    let audit = s.audit("order-1-sell").expect("audit");
    assert!(audit
        .last()
        .is_some_and(|a| a.reason == "pending" && a.detail.contains("waiting_for_register")));

    // The register took it: pending, the reason gone.
    let e = s
        .apply(
            "order-1-sell",
            e.version,
            &Event::ProviderOutcome(&Outcome::Pending {
                provider_id: id.clone(),
            }),
            at(20),
        )
        .expect("pending");
    assert_eq!(e.last_code, None);
    assert_eq!(e.last_message, None);
    assert_eq!(s.count_waiting(WaitingFor::Register).expect("count"), 0);

    // Waiting again (re-queued), then done: the reason is not left on a done entry.
    let e = s
        .apply(
            "order-1-sell",
            e.version,
            &Event::ProviderOutcome(&waiting(&id)),
            at(30),
        )
        .expect("waiting again");
    assert_eq!(e.last_code.as_deref(), Some("waiting_for_register"));
    let fiscal: FiscalAttributes = serde_json::from_value(serde_json::json!({
        "fn_number": "9999078900001234", "fd_number": 341, "fiscal_sign": 3_705_514_822u32,
        "shift_number": 12, "receipt_number": 3, "date_time": "2026-03-02T12:31:10",
        "kkt_reg_number": "0000000000012345", "ofd_inn": null, "receipt_url": null,
        "total": "500.00", "operation": "sell"
    }))
    .expect("fiscal");
    let e = s
        .apply(
            "order-1-sell",
            e.version,
            &Event::ProviderOutcome(&Outcome::Done {
                provider_id: id,
                fiscal,
            }),
            at(40),
        )
        .expect("done");
    assert_eq!(e.state, State::Done);
    assert_eq!(e.last_code, None);
}

/// Waiting past the accepted deadline: `stuck`, still showing why; the operator's requeue
/// polls the same document id (`accepted`), it never sends a new one.
#[test]
fn a_document_that_waits_too_long_is_stuck_and_requeued_under_the_same_id() {
    let cfg = Config {
        deadline_accepted: Some(Duration::from_secs(60)),
        ..Config::default()
    };
    let s = open("stuck", cfg);
    let e = accepted(&s, "order-3-sell");
    let id = e.document_id();
    let e = s
        .apply(
            "order-3-sell",
            e.version,
            &Event::ProviderOutcome(&waiting(&id)),
            at(10),
        )
        .expect("waiting");
    let deadline = e.deadline.expect("a deadline in accepted");
    // Polls that keep answering "waiting" do not move the deadline.
    let e = s
        .apply(
            "order-3-sell",
            e.version,
            &Event::ProviderOutcome(&waiting(&id)),
            at(30),
        )
        .expect("still waiting");
    assert_eq!(e.deadline, Some(deadline));
    assert_eq!(s.mark_stuck(at(61)).expect("scan"), 0, "not yet");
    assert_eq!(s.mark_stuck(at(2 + 61)).expect("scan"), 1);
    let e = s.get("order-3-sell").expect("get").expect("entry");
    assert_eq!(e.state, State::Stuck);
    assert_eq!(e.last_code.as_deref(), Some("waiting_for_register"));
    let e = s
        .operator_action(
            "order-3-sell",
            OperatorAction::Requeue,
            "оператор",
            "касса снова в сети",
            at(100),
        )
        .expect("requeue");
    assert_eq!(e.state, State::Accepted);
    assert_eq!(e.document_id(), id, "the same document id, polled again");
    assert_eq!(e.attempt, 1);
}
