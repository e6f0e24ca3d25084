//! `"provider": "modulkassa"` settings: strict, secrets redacted, presets, every key checked
//! and named in errors, and the client they build works against the emulator.

use fiskal_providers::settings::ProviderSettings;
use fiskal_providers::{AnyProvider, Provider, ProviderError};

fn config_field(text: &str) -> (&'static str, String) {
    match ProviderSettings::from_json(text).and_then(|s| s.validate().map(|()| s)) {
        Err(ProviderError::Config { field, message }) => (field, message),
        other => panic!("{text}: {other:?}"),
    }
}

#[test]
fn presets_defaults_and_redaction() {
    let s = ProviderSettings::from_json(
        r#"{"provider": "modulkassa", "preset": "production",
            "user_name": "4f4c789c-3863-41d3-aea9-c35b5a9e7f18", "password": "12345AbcDe"}"#,
    )
    .expect("settings");
    s.validate().expect("valid");
    assert!(!format!("{s:?}").contains("12345AbcDe"));
    let written = serde_json::to_string(&s).expect("json");
    assert!(written.contains(r#""provider":"modulkassa""#), "{written}");
    assert!(
        written.contains(r#""password":{"redacted":true}"#),
        "{written}"
    );
    assert!(
        ProviderSettings::from_json(&written).is_err(),
        "a redacted copy never reads back"
    );
    let p = AnyProvider::from_settings(&s).expect("client");
    assert_eq!(p.name(), "modulkassa");
    assert_eq!(p.in_doubt_resolution().code(), "look_up");
    let AnyProvider::Modulkassa(c) = &p else {
        panic!("{p:?}")
    };
    assert_eq!(c.config().base_url, "https://my.modulkassa.ru/api/fn");
    assert!(c.config().unconfirmed_vat_tags && c.config().status_400_is_not_found);
    assert!(!c.config().disc_sum && !c.config().print_receipt);
    assert_eq!(c.config().utc_offset_minutes, 180);
    assert!(!format!("{p:?}").contains("12345AbcDe"));
    for (preset, url) in [
        ("test", "https://demo-fn.avanpos.com/fn"),
        ("production_legacy", "https://service.modulpos.ru/api/fn"),
    ] {
        let p = AnyProvider::from_json(&format!(
            r#"{{"provider": "modulkassa", "preset": "{preset}", "user_name": "u",
                "password": "p", "disc_sum": true, "default_email": "shop@example.ru",
                "utc_offset_minutes": 420, "status_400_is_not_found": false,
                "unconfirmed_vat_tags": false, "print_receipt": true}}"#
        ))
        .expect("client");
        let AnyProvider::Modulkassa(c) = &p else {
            panic!("{p:?}")
        };
        let cfg = c.config();
        assert_eq!(cfg.base_url, url);
        assert!(cfg.disc_sum && cfg.print_receipt);
        assert!(!cfg.status_400_is_not_found && !cfg.unconfirmed_vat_tags);
        assert_eq!(cfg.utc_offset_minutes, 420);
        assert_eq!(cfg.default_email.as_deref(), Some("shop@example.ru"));
    }
}

#[test]
fn errors_name_the_field() {
    let base = r#""provider": "modulkassa", "preset": "test""#;
    for (text, field) in [
        (
            format!(r#"{{{base}, "user_name": "u", "password": "p", "colour": 1}}"#),
            "settings",
        ),
        (format!(r#"{{{base}, "password": "p"}}"#), "user_name"),
        (format!(r#"{{{base}, "user_name": "u"}}"#), "password"),
        (
            r#"{"provider": "modulkassa", "user_name": "u", "password": "p"}"#.to_owned(),
            "base_url",
        ),
        (
            format!(r#"{{{base}, "user_name": "u:v", "password": "p"}}"#),
            "user_name",
        ),
        (
            format!(r#"{{{base}, "user_name": "u", "password": "p", "utc_offset_minutes": 900}}"#),
            "utc_offset_minutes",
        ),
        (
            format!(r#"{{{base}, "user_name": "u", "password": "p", "default_email": "x"}}"#),
            "default_email",
        ),
        (
            format!(r#"{{{base}, "user_name": "u", "password": "p", "disc_sum": "yes"}}"#),
            "disc_sum",
        ),
        (
            format!(r#"{{{base}, "user_name": "u", "password": {{"env": "FISKAL_NO_SUCH_VAR_MK"}}}}"#),
            "password",
        ),
        (
            r#"{"provider": "modulkassa", "base_url": "http://modulkassa.example/api/fn", "user_name": "u", "password": "p"}"#.to_owned(),
            "base_url",
        ),
    ] {
        let (got, message) = config_field(&text);
        assert_eq!(got, field, "{text}: {message}");
        assert!(!message.contains("\"p\""), "{message}");
    }
}

#[test]
fn every_key_is_a_documented_field_path() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/provider-settings.md"
    ))
    .expect("docs");
    let section = doc
        .split("## МодульКасса — `\"provider\": \"modulkassa\"`")
        .nth(1)
        .expect("the МодульКасса section");
    for key in [
        "preset",
        "base_url",
        "user_name",
        "password",
        "validate_receipts",
        "unconfirmed_vat_tags",
        "disc_sum",
        "default_email",
        "print_receipt",
        "utc_offset_minutes",
        "status_400_is_not_found",
        "http",
    ] {
        assert!(
            ProviderSettings::field_paths().contains(&key),
            "{key} is not a field path"
        );
        assert!(
            section.contains(&format!("| `{key}`")),
            "{key} is not documented"
        );
    }
}

#[tokio::test]
async fn the_settings_reach_the_emulator() {
    use fiskal_emulator::modulkassa::{
        ModulKassaConfig, ModulKassaEmulator, TEST_PASSWORD, TEST_USER_NAME,
    };
    let emu = ModulKassaEmulator::start(ModulKassaConfig::default())
        .await
        .expect("emulator");
    let p = AnyProvider::from_json(&format!(
        r#"{{"provider": "modulkassa", "base_url": "{}", "user_name": "{TEST_USER_NAME}",
            "password": "{TEST_PASSWORD}"}}"#,
        emu.base_url()
    ))
    .expect("client");
    assert!(p.health().await.is_ok());
}
