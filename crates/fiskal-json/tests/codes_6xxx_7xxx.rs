//! Every `ProviderError` and `OutboxError` variant maps to its own 6xxx / 7xxx code, whose name
//! is the variant's own code with the layer prefix. The cases are checked against the enums'
//! declarations (`variants::assert_every_variant`): a variant added without a case fails.

mod variants;

use fiskal_json::{outbox_code, provider_code, ApiError, Code};
use fiskal_outbox::OutboxError;
use fiskal_providers::ProviderError;

fn no_items_violations() -> Vec<fiskal_ffd::Violation> {
    let mut r =
        fiskal_ffd::json::parse(include_str!("fixtures/receipt_sell_v5.json")).expect("parses");
    r.items.clear();
    fiskal_ffd::validate(&r).expect_err("no items")
}

#[test]
fn every_provider_error_has_its_code() {
    let invalid = fiskal_ffd::Error::Invalid(no_items_violations());
    let cases: Vec<(ProviderError, Code)> = vec![
        (
            ProviderError::Unsupported {
                provider: "atol_v5",
                path: "items[0].vat".into(),
                message: "no such rate".into(),
            },
            Code::ProviderUnsupported,
        ),
        (
            ProviderError::Invalid(invalid),
            Code::ProviderInvalidReceipt,
        ),
        (
            ProviderError::Config {
                field: "http.timeout_ms",
                message: "zero".into(),
            },
            Code::ProviderConfig,
        ),
        (
            ProviderError::Malformed {
                provider: "atol_v5",
                message: "bad".into(),
            },
            Code::ProviderMalformed,
        ),
        (
            ProviderError::Tls {
                message: "no key".into(),
            },
            Code::ProviderTls,
        ),
        (
            ProviderError::Config {
                field: "runtime",
                message: "inside a runtime".into(),
            },
            Code::ProviderTimeout,
        ),
    ];
    variants::assert_every_variant(
        cases.iter().map(|(e, _)| e),
        "fiskal-providers/src/error.rs",
        "ProviderError",
    );
    for (e, code) in cases {
        assert_eq!(provider_code(&e), code, "{e:?}");
        let variant = e.code();
        let api = ApiError::from(e);
        assert_eq!(api.code, code);
        assert!(code.is_provider_error());
        if code != Code::ProviderTimeout {
            let expected = match variant {
                "invalid" => "provider_invalid_receipt".to_owned(),
                v => format!("provider_{v}"),
            };
            assert_eq!(code.name(), expected);
        }
        assert!(!api.message_ru.is_empty() && !api.message_en.is_empty());
        match code {
            Code::ProviderConfig => assert_eq!(api.path.as_deref(), Some("http.timeout_ms")),
            Code::ProviderUnsupported => assert_eq!(api.path.as_deref(), Some("items[0].vat")),
            Code::ProviderInvalidReceipt => {
                assert!(api.details.as_ref().is_some_and(|d| d.is_array()));
            }
            _ => {}
        }
    }
    for n in 6000..=6006 {
        assert!(Code::from_u32(n).is_some(), "{n}");
    }
    assert_eq!(Code::from_u32(6007), None);
}

#[test]
fn every_outbox_error_has_its_code() {
    let violations = no_items_violations();
    let m = || "msg".to_owned();
    let k = || "order-1".to_owned();
    let cases: Vec<(OutboxError, u32)> = vec![
        (
            OutboxError::InvalidKey {
                key: k(),
                reason: "empty",
            },
            7001,
        ),
        (OutboxError::KeyConflict { key: k() }, 7002),
        (OutboxError::NotFound { key: k() }, 7003),
        (
            OutboxError::InvalidTransition {
                from: "done",
                event: "poll",
            },
            7004,
        ),
        (
            OutboxError::NotAllowed {
                key: k(),
                reason: "accepted",
            },
            7005,
        ),
        (
            OutboxError::UnknownRoute {
                name: "orange".into(),
            },
            7006,
        ),
        (
            OutboxError::InvalidConfig {
                field: Some("worker.lease_ms".into()),
                message: "invalid type".into(),
            },
            7007,
        ),
        (
            OutboxError::InvalidReceipt {
                violations,
                message: m(),
            },
            7008,
        ),
        (OutboxError::UnknownOutcome, 7009),
        (
            OutboxError::Conflict {
                key: k(),
                expected: 1,
                found: 2,
            },
            7010,
        ),
        (OutboxError::ReadOnly { message: m() }, 7011),
        (OutboxError::DiskFull { message: m() }, 7012),
        (OutboxError::Unavailable { message: m() }, 7020),
        (OutboxError::ConnectionLost { message: m() }, 7021),
        (
            OutboxError::Open {
                path: "/x".into(),
                message: m(),
            },
            7013,
        ),
        (OutboxError::Busy { message: m() }, 7014),
        (
            OutboxError::SchemaTooNew {
                found: 9,
                supported: 1,
            },
            7015,
        ),
        (
            OutboxError::Corrupt {
                key: k(),
                message: m(),
            },
            7016,
        ),
        (OutboxError::Database { message: m() }, 7017),
        (OutboxError::Poisoned, 7018),
        (
            OutboxError::ActionNotAllowed {
                key: k(),
                action: "cancel",
                state: "accepted",
                why: "the provider may fiscalise it; issue a refund receipt instead",
            },
            7019,
        ),
    ];
    let mut seen = Vec::new();
    // `InvalidArgument` (an operator action's `who`/`reason`) is the ABI's own 107, tested in
    // `operator_action_refusals_say_what_to_do_in_both_languages`.
    let invalid_argument = OutboxError::InvalidArgument {
        field: "reason",
        problem: "empty",
    };
    // `InvalidFiscal` (resolve's hand-entered attributes) is 107 too, tested in
    // `hand_entered_fiscal_attributes_are_an_argument_error_naming_the_field`.
    let invalid_fiscal = OutboxError::InvalidFiscal {
        field: "fiscal.total",
        problem: "x".into(),
        problem_ru: "x".into(),
    };
    variants::assert_every_variant(
        cases
            .iter()
            .map(|(e, _)| e)
            .chain([&invalid_argument, &invalid_fiscal]),
        "fiskal-outbox/src/error.rs",
        "OutboxError",
    );
    for (e, n) in cases {
        let code = outbox_code(&e);
        assert_eq!(code.number(), n, "{e:?}");
        assert_eq!(code.name(), format!("outbox_{}", e.code()));
        assert!(code.is_outbox_error());
        let api = ApiError::from(e);
        assert_eq!(api.code, code);
        assert!(!api.message_ru.is_empty() && !api.message_en.is_empty());
        match n {
            7007 => assert_eq!(api.path.as_deref(), Some("worker.lease_ms")),
            7008 => {
                let d = api.details.expect("violations");
                assert!(!d.as_array().expect("array").is_empty());
                assert_eq!(d[0]["code"].as_u64().map(|c| c > 2000), Some(true));
            }
            7001..=7003 | 7019 => assert_eq!(api.path.as_deref(), Some("key")),
            7006 => assert_eq!(api.path.as_deref(), Some("route")),
            _ => {}
        }
        seen.push(n);
    }
    // Every 7xxx code but the fallback is some variant's.
    for c in Code::ALL.iter().filter(|c| c.is_outbox_error()) {
        assert!(
            c.number() == 7000 || seen.contains(&c.number()),
            "{c:?} is no variant's code"
        );
    }
    assert_eq!(Code::from_u32(7000), Some(Code::OutboxOther));
    assert_eq!(Code::from_u32(7022), None);
}

#[test]
fn hand_entered_fiscal_attributes_are_an_argument_error_naming_the_field() {
    let api = ApiError::from(OutboxError::InvalidFiscal {
        field: "fiscal.total",
        problem: "0.01 is not the receipt's total (1020) 599.70".into(),
        problem_ru: "0.01 не равна сумме чека (1020) 599.70".into(),
    });
    assert_eq!(api.code, Code::InvalidArgument);
    assert_eq!(api.path.as_deref(), Some("fiscal.total"));
    assert_eq!(
        api.message_en,
        "invalid fiscal.total: 0.01 is not the receipt's total (1020) 599.70"
    );
    assert_eq!(
        api.message_ru,
        "недопустимое значение «fiscal.total»: 0.01 не равна сумме чека (1020) 599.70"
    );
    // A refused resolve says what to do instead, in Russian too.
    let api = ApiError::from(OutboxError::ActionNotAllowed {
        key: "order-1".into(),
        action: "resolve",
        state: "accepted",
        why: "it moves by itself; wait for the result, or requeue it once it is stuck",
    });
    assert_eq!(api.code, Code::OutboxActionNotAllowed);
    assert!(
        api.message_ru
            .starts_with("нельзя отметить решённым вручную (resolve) записи «order-1»")
            && api.message_ru.contains("запись движется сама"),
        "{}",
        api.message_ru
    );
}

#[test]
fn operator_action_refusals_say_what_to_do_in_both_languages() {
    let e = OutboxError::ActionNotAllowed {
        key: "order-1".into(),
        action: "cancel",
        state: "accepted",
        why: "the provider may fiscalise it; issue a refund receipt instead",
    };
    let api = ApiError::from(e);
    assert_eq!(api.code, Code::OutboxActionNotAllowed);
    assert_eq!(
        api.message_en,
        "cannot cancel entry \"order-1\" in state accepted: the provider may fiscalise it; \
         issue a refund receipt instead"
    );
    assert_eq!(
        api.message_ru,
        "нельзя отменить (cancel) записи «order-1» в состоянии accepted: кассовый сервис может \
         фискализировать чек; оформите чек возврата"
    );
    let d = api.details.expect("details");
    assert_eq!(
        (d["action"].as_str(), d["state"].as_str()),
        (Some("cancel"), Some("accepted"))
    );
    // An empty reason is an argument error naming the field.
    let api = ApiError::from(OutboxError::InvalidArgument {
        field: "reason",
        problem: "empty: say who acts and why, it is kept in the audit trail",
    });
    assert_eq!(api.code, Code::InvalidArgument);
    assert_eq!(api.path.as_deref(), Some("reason"));
    assert!(
        api.message_ru.contains("«reason»: пусто"),
        "{}",
        api.message_ru
    );
    assert_eq!(
        api.message_en,
        "invalid reason: empty: say who acts and why, it is kept in the audit trail"
    );
    for (problem, ru) in [
        ("longer than 1000 characters", "длиннее 1000 символов"),
        ("longer than 100 characters", "длиннее 100 символов"),
        (
            "control characters (line breaks, tabs …) are not allowed",
            "управляющие символы",
        ),
    ] {
        let api = ApiError::from(OutboxError::InvalidArgument {
            field: "who",
            problem,
        });
        assert!(api.message_ru.contains(ru), "{problem}: {}", api.message_ru);
        assert_eq!(api.path.as_deref(), Some("who"));
    }
}
