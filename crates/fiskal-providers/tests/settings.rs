//! Provider settings as data: parsing each provider's settings (JSON and TOML), every error
//! naming its field, secrets from the environment and from files, redaction in `Debug` and
//! when serialised, the JSON form of `Outcome`, and end to end: `AnyProvider` built from
//! settings JSON against each emulator, a receipt submitted and polled until done.
//!
//! (Over 800 lines on purpose for now: each concern is one section with every provider's case
//! side by side, so a rule checked for one provider's settings is seen checked for all, and the
//! providers being added (МодульКасса, Ferma, Komtet) append their cases here. Once they are
//! in, split it by concern into a `tests/settings/` module: parsing, errors, secrets, end to end.)

#[path = "support/emulated.rs"]
mod emulated;

use fiskal_emulator::atol::{AtolConfig as AtolEmulatorConfig, AtolEmulator};
use fiskal_emulator::business_ru::{
    BusinessRuConfig as BusinessRuEmulatorConfig, BusinessRuEmulator, TEST_APP_ID_V1, TEST_SECRET,
};
use fiskal_emulator::orange::{OrangeConfig as OrangeEmulatorConfig, OrangeEmulator};
use fiskal_providers::atol::{AtolFlavor, AtolVersion};
use fiskal_providers::business_ru::ApiVersion;
use fiskal_providers::settings::{AtolPreset, ProviderSettings, SecretSource, TextSource};
use fiskal_providers::{
    AnyProvider, FiscalAttributes, InDoubtResolution, Outcome, Provider, ProviderError, RejectKind,
};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Duration;

const PASSWORD: &str = "S3cr3t-Pa55word";
const ORANGE_INN: &str = "7727401209";

fn atol_json() -> Value {
    json!({
        "provider": "atol", "api": "v5", "preset": "production",
        "login": "shop-login", "password": PASSWORD, "group_code": "group_5179",
        "source": "fiskal-test",
        "payment_types": {"cash": 0, "electronic": 5, "prepaid": 2, "credit": 3, "consideration": 4},
        "report_interval_ms": 250, "validate_receipts": false, "max_items": 80,
        "max_quantity_decimals": 2, "v4_new_vat_rates": false, "ism_optional": true,
        "queue_timeout_is_retry": true,
        "http": {"timeout_ms": 5000, "connect_timeout_ms": 2000, "builtin_roots": true}
    })
}

fn orange_json() -> Value {
    json!({
        "provider": "orange_data", "preset": "test", "inn": ORANGE_INN, "group": "Main_2",
        "key_name": "7727401209_1", "signing_key": "-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n",
        "client_cert": {"file": "/etc/fiskal/orange-client.crt"},
        "client_key": {"env": "FISKAL_TEST_ORANGE_CLIENT_KEY"},
        "vat22_tax_code": 11, "vat122_tax_code": 12, "send_settlement_place": true,
        "http": {"timeout_ms": 7000, "ca": {"file": "/etc/fiskal/ca.pem"}, "builtin_roots": false}
    })
}

fn business_ru_json() -> Value {
    json!({
        "provider": "business_ru", "api": "v1", "preset": "test_class365",
        "base_url": "https://check-dev.class365.ru/open-api/v1/", "app_id": "app-1", "secret": {"env": "FISKAL_TEST_BR_SECRET_UNSET"},
        "mark_type_prefix": "included", "unicode": "raw", "credit_field": "payed_nextcredit",
        "default_author": "Кассир", "unconfirmed_vat_rates": false, "token_max_age_secs": 3600,
        "validate_receipts": false, "nonzero_result_is_failure": false,
        "lookup_date_filter": false, "lookup_lookback_secs": 86400, "lookup_max_pages": 7,
        "http": {"connect_timeout_ms": 1500}
    })
}

/// Every Ferma key set (docs/provider-settings.md, section Ferma).
fn ferma_json() -> Value {
    json!({
        "provider": "ferma", "preset": "test", "base_url": "https://ferma-test.ofd.ru/api",
        "login": "fermatest2", "password": {"env": "FISKAL_TEST_FERMA_PASSWORD_UNSET"},
        "ffd": "1.2", "token_refresh_margin_secs": 30, "in_doubt": "look_up",
        "status_by_invoice_id": true, "duplicate_codes": [1019], "auth_error_codes": [1001],
        "not_found_codes": [1010], "vat22": false, "kkt_fa": false,
        "mark_type_names": "compact", "max_invoice_id_chars": 32, "validate_receipts": false,
        "http": {"connect_timeout_ms": 1500}
    })
}

/// Every KOMTET key set (docs/provider-settings.md, section KOMTET).
fn komtet_json() -> Value {
    json!({
        "provider": "komtet", "preset": "production", "base_url": "https://kassa.komtet.ru",
        "shop_id": "shop-1", "secret": {"env": "FISKAL_TEST_KOMTET_SECRET_UNSET"},
        "queue_id": "5179", "print": true, "error_state_is_refusal": false,
        "mark_value": "base64", "validate_receipts": false,
        "http": {"connect_timeout_ms": 1500}
    })
}

fn modulkassa_json() -> Value {
    json!({
        "provider": "modulkassa", "preset": "production",
        "base_url": "https://my.modulkassa.ru/api/fn",
        "user_name": "4f4c789c-3863-41d3-aea9-c35b5a9e7f18",
        "password": {"env": "FISKAL_TEST_MODULKASSA_PASSWORD_UNSET"},
        "validate_receipts": false, "unconfirmed_vat_tags": false, "disc_sum": true,
        "default_email": "receipts@shop.example.ru", "print_receipt": true,
        "utc_offset_minutes": 420, "status_400_is_not_found": false,
        "http": {"connect_timeout_ms": 1500}
    })
}

fn parse(v: &Value) -> ProviderSettings {
    ProviderSettings::from_json(&v.to_string()).unwrap_or_else(|e| panic!("{e}: {v}"))
}

/// The `field` and message of a configuration error.
fn config_err(r: Result<impl std::fmt::Debug, ProviderError>) -> (&'static str, String) {
    match r {
        Err(ProviderError::Config { field, message }) => (field, message),
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

/// A file in the temporary directory, unique to this process and `name`.
fn temp_file(name: &str, contents: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("fiskal-settings-{}-{name}", std::process::id()));
    std::fs::write(&path, contents).expect("write temp file");
    path
}

// ---------------------------------------------------------------------------------------------
// Parsing.

#[test]
fn atol_settings_cover_every_config_field() {
    let ProviderSettings::Atol(s) = parse(&atol_json()) else {
        panic!("not atol")
    };
    assert_eq!(s.api, AtolVersion::V5);
    assert_eq!(s.preset, Some(AtolPreset::Production));
    let c = s.to_config().expect("config");
    assert_eq!(c.base_url, fiskal_providers::atol::PRODUCTION_V5_URL);
    assert_eq!(c.flavor, AtolFlavor::Atol);
    assert_eq!(
        (c.login.as_str(), c.pass.expose(), c.group_code.as_str()),
        ("shop-login", PASSWORD, "group_5179")
    );
    assert_eq!(c.source.as_deref(), Some("fiskal-test"));
    assert_eq!(c.payment_types.electronic, 5);
    assert_eq!(c.report_interval, Duration::from_millis(250));
    assert!(!c.validate_receipts && !c.v4_new_vat_rates && c.queue_timeout_is_retry);
    assert_eq!((c.max_items, c.max_quantity_decimals), (80, 2));
    assert_eq!(c.ism_optional, Some(true));
    assert_eq!(c.http.timeout, Duration::from_secs(5));
    assert_eq!(c.http.connect_timeout, Duration::from_secs(2));
}

#[test]
fn atol_presets_and_defaults() {
    // The public test group needs no credentials; everything else has its default.
    let s = parse(&json!({"provider": "atol", "api": "v4", "preset": "test"}));
    let ProviderSettings::Atol(a) = &s else {
        panic!("not atol")
    };
    let c = a.to_config().expect("config");
    assert_eq!(c.base_url, fiskal_providers::atol::TEST_V4_URL);
    assert_eq!(c.login, "v4-online-atol-ru");
    assert_eq!(c.report_interval, Duration::from_secs(1));
    assert!(c.validate_receipts && c.v4_new_vat_rates && !c.queue_timeout_is_retry);
    assert_eq!(c.payment_types, Default::default());
    assert_eq!(c.http.timeout, Duration::from_secs(30));
    assert_eq!(s.validate(), Ok(()));

    let creds = json!({"login": "l", "password": "p", "group_code": "1"});
    for (preset, api, url, flavor) in [
        (
            "business_ru",
            "v4",
            fiskal_providers::atol::BUSINESS_RU_V4_URL,
            AtolFlavor::BusinessRu,
        ),
        (
            "business_ru",
            "v5",
            fiskal_providers::atol::BUSINESS_RU_V5_URL,
            AtolFlavor::BusinessRu,
        ),
        (
            "business_ru_test",
            "v4",
            fiskal_providers::atol::BUSINESS_RU_TEST_V4_URL,
            AtolFlavor::BusinessRu,
        ),
        (
            "business_ru_test",
            "v5",
            fiskal_providers::atol::BUSINESS_RU_TEST_V5_URL,
            AtolFlavor::BusinessRu,
        ),
        (
            "production",
            "v4",
            fiskal_providers::atol::PRODUCTION_V4_URL,
            AtolFlavor::Atol,
        ),
    ] {
        let mut v = creds.clone();
        v["provider"] = json!("atol");
        v["api"] = json!(api);
        v["preset"] = json!(preset);
        let ProviderSettings::Atol(a) = parse(&v) else {
            panic!("not atol")
        };
        let c = a.to_config().expect("config");
        assert_eq!(
            (c.base_url.as_str(), c.flavor),
            (url, flavor),
            "{preset} {api}"
        );
    }
    // base_url overrides the preset's URL, the preset still gives the flavor.
    let mut v = creds.clone();
    v["provider"] = json!("atol");
    v["api"] = json!("v4");
    v["preset"] = json!("business_ru");
    v["base_url"] = json!(fiskal_providers::atol::BUSINESS_RU_RBKMONEY_V4_URL);
    let ProviderSettings::Atol(a) = parse(&v) else {
        panic!("not atol")
    };
    let c = a.to_config().expect("config");
    assert_eq!(
        c.base_url,
        fiskal_providers::atol::BUSINESS_RU_RBKMONEY_V4_URL
    );
    assert_eq!(c.provider_name(), "business_ru_atol_v4");
}

#[test]
fn orange_settings_cover_every_config_field() {
    let key = temp_file("orange-client-key", "CLIENT-KEY-PEM\n");
    let mut v = orange_json();
    v["client_key"] = json!({ "file": key });
    v["client_cert"] = json!("CERT-PEM");
    v["http"]["ca"] = json!("CA-PEM");
    let ProviderSettings::OrangeData(s) = parse(&v) else {
        panic!("not orange")
    };
    assert_eq!(s.client_key, SecretSource::File(key.clone()));
    let c = s.to_config().expect("config");
    assert_eq!(c.base_url, "https://apip.orangedata.ru:2443");
    assert_eq!(
        (c.inn.as_str(), c.key_name.as_str()),
        (ORANGE_INN, "7727401209_1")
    );
    assert_eq!(c.group.as_deref(), Some("Main_2"));
    assert!(c.signing_key_pem.expose().contains("KEY"));
    assert_eq!(c.client_identity.cert_chain_pem, "CERT-PEM");
    // One trailing line break of a file is removed.
    assert_eq!(c.client_identity.key_pem.expose(), "CLIENT-KEY-PEM");
    assert_eq!((c.vat22_tax_code, c.vat122_tax_code), (Some(11), Some(12)));
    assert!(c.send_settlement_place);
    assert_eq!(c.http.timeout, Duration::from_secs(7));
    assert_eq!(c.http.extra_roots_pem.as_deref(), Some("CA-PEM"));
    assert!(!c.http.builtin_roots);
    std::fs::remove_file(key).ok();

    // Defaults: key name = ИНН, no group, no 22 % codes.
    let mut v = orange_json();
    for k in [
        "group",
        "key_name",
        "vat22_tax_code",
        "vat122_tax_code",
        "send_settlement_place",
        "http",
    ] {
        v.as_object_mut().expect("object").remove(k);
    }
    v["client_cert"] = json!("CERT");
    v["client_key"] = json!("KEY");
    v["preset"] = json!("production");
    let ProviderSettings::OrangeData(s) = parse(&v) else {
        panic!("not orange")
    };
    let c = s.to_config().expect("config");
    assert_eq!(c.base_url, "https://api.orangedata.ru:12003");
    assert_eq!(
        (c.key_name.as_str(), c.group.as_deref()),
        (ORANGE_INN, None)
    );
    assert_eq!((c.vat22_tax_code, c.send_settlement_place), (None, false));
}

#[test]
fn business_ru_settings_cover_every_config_field() {
    std::env::set_var("FISKAL_TEST_BR_SECRET", TEST_SECRET);
    let mut v = business_ru_json();
    v["secret"] = json!({"env": "FISKAL_TEST_BR_SECRET"});
    let ProviderSettings::BusinessRu(s) = parse(&v) else {
        panic!("not business_ru")
    };
    let c = s.to_config().expect("config");
    assert_eq!(
        c.base_url,
        fiskal_providers::business_ru::TEST_CLASS365_V1_URL
    );
    assert_eq!(c.api, ApiVersion::V1);
    assert_eq!(
        (c.app_id.as_str(), c.secret.expose()),
        ("app-1", TEST_SECRET)
    );
    assert_eq!(c.mark_type_prefix, fiskal_marks::TypePrefix::Included);
    assert!(!c.lookup_date_filter);
    assert_eq!(
        (c.lookup_lookback, c.lookup_max_pages),
        (Duration::from_secs(86_400), 7)
    );
    assert_eq!(c.credit_field, "payed_nextcredit");
    assert_eq!(c.default_author.as_deref(), Some("Кассир"));
    assert!(!c.unconfirmed_vat_rates && !c.validate_receipts && !c.nonzero_result_is_failure);
    assert_eq!(c.token_max_age, Duration::from_secs(3600));
    assert_eq!(c.http.connect_timeout, Duration::from_millis(1500));
    assert_eq!(c.http.timeout, Duration::from_secs(30));

    for (preset, api, url) in [
        (
            "production",
            "v1",
            fiskal_providers::business_ru::PRODUCTION_V1_URL,
        ),
        (
            "production",
            "v2",
            fiskal_providers::business_ru::PRODUCTION_V2_URL,
        ),
        ("test", "v1", fiskal_providers::business_ru::TEST_V1_URL),
    ] {
        let s = parse(
            &json!({"provider": "business_ru", "api": api, "preset": preset,
                               "app_id": "a", "secret": TEST_SECRET}),
        );
        let ProviderSettings::BusinessRu(b) = s else {
            panic!("not business_ru")
        };
        let c = b.to_config().expect("config");
        assert_eq!(c.base_url, url);
        assert_eq!(c.mark_type_prefix, fiskal_marks::TypePrefix::Omitted);
        assert!(c.lookup_date_filter);
        assert_eq!(
            (c.lookup_lookback, c.lookup_max_pages),
            (Duration::from_secs(7 * 86_400), 100)
        );
        assert_eq!(
            (c.credit_field.as_str(), c.token_max_age),
            ("payed_credit", Duration::from_secs(83_000))
        );
    }
}

#[test]
fn toml_settings_as_the_cli_reads_them() {
    #[derive(serde::Deserialize)]
    struct CliConfig {
        provider: ProviderSettings,
    }
    let text = r#"
        [provider]
        provider = "atol"
        api = "v5"
        preset = "business_ru"
        login = "shop"
        password = { env = "FISKAL_ATOL_PASSWORD" }
        group_code = "42"
        [provider.http]
        timeout_ms = 15000
        [provider.payment_types]
        electronic = 6
    "#;
    let cfg: CliConfig = toml::from_str(text).expect("toml");
    let ProviderSettings::Atol(a) = &cfg.provider else {
        panic!("not atol")
    };
    assert_eq!(
        a.password,
        Some(SecretSource::Env("FISKAL_ATOL_PASSWORD".into()))
    );
    assert_eq!(
        (
            a.http.timeout_ms,
            a.payment_types.electronic,
            a.payment_types.cash
        ),
        (15_000, 6, 0)
    );

    // Errors name the key path in their text.
    let bad = text.replace("timeout_ms = 15000", "timeout_ms = \"soon\"");
    let e = toml::from_str::<CliConfig>(&bad)
        .err()
        .expect("error")
        .to_string();
    assert!(e.contains("`http.timeout_ms`"), "{e}");
    let bad = text.replace("electronic = 6", "electronic = 6\nbank = 1");
    let e = toml::from_str::<CliConfig>(&bad)
        .err()
        .expect("error")
        .to_string();
    assert!(
        e.contains("`payment_types.bank`: unknown field `bank`"),
        "{e}"
    );
}

// ---------------------------------------------------------------------------------------------
// Errors.

/// Every key of each provider's full settings, set to a value of the wrong type, is reported
/// under its own path; together they cover every path the settings accept.
#[test]
fn every_field_is_named_in_its_error() {
    let mut covered = std::collections::BTreeSet::new();
    for full in [
        atol_json(),
        orange_json(),
        business_ru_json(),
        ferma_json(),
        komtet_json(),
        modulkassa_json(),
    ] {
        let mut paths = Vec::new();
        for (k, v) in full.as_object().expect("object") {
            if k == "provider" {
                continue;
            }
            paths.push(vec![k.clone()]);
            // The nested settings objects (not the `{"env"|"file": …}` sources, whose errors
            // are the source field's).
            if let (Value::Object(inner), "http" | "payment_types") = (v, k.as_str()) {
                paths.extend(inner.keys().map(|i| vec![k.clone(), i.clone()]));
            }
        }
        for path in paths {
            let mut v = full.clone();
            let mut slot = &mut v;
            for p in &path {
                slot = &mut slot[p.as_str()];
            }
            // A value of the wrong type (an array would do for a struct: serde reads structs
            // from sequences too).
            *slot = if slot.is_boolean() {
                json!(7)
            } else {
                json!(true)
            };
            let dotted = path.join(".");
            let (field, message) = config_err(ProviderSettings::from_json(&v.to_string()));
            assert_eq!(field, dotted, "{message}");
            assert!(!message.contains(PASSWORD), "{message}");
            covered.insert(dotted);
        }
    }
    // `payment_types` keys and `http.ca` are in the full examples; every known path is covered.
    covered.insert("provider".into());
    let known: std::collections::BTreeSet<String> = ProviderSettings::field_paths()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(covered, known);
}

#[test]
fn structural_errors_name_their_field() {
    let cases: Vec<(String, &str, &str)> = vec![
        (json!({"api": "v4"}).to_string(), "provider", "missing"),
        (json!({"provider": "kkm"}).to_string(), "provider", "unknown provider `kkm`"),
        (json!({"provider": 4}).to_string(), "provider", "expected one of"),
        ("[]".into(), "settings", "object"),
        ("{\"provider\": \"atol\",".into(), "settings", "EOF"),
        (json!({"provider": "atol", "api": "v4", "preset": "test"}).to_string() + " {}", "settings", "trailing"),
        (json!({"provider": "atol", "api": "v4", "preset": "test", "colour": 1}).to_string(), "settings", "unknown field `colour`"),
        (json!({"provider": "atol", "api": "v6", "preset": "test"}).to_string(), "api", "unknown variant `v6`"),
        (json!({"provider": "atol", "preset": "test"}).to_string(), "api", "missing field `api`"),
        (json!({"provider": "atol", "api": "v4", "preset": "staging"}).to_string(), "preset", "unknown variant `staging`"),
        (json!({"provider": "atol", "api": "v4", "preset": "test", "http": {"proxy": "x"}}).to_string(), "http", "unknown field `proxy`"),
        (json!({"provider": "atol", "api": "v4", "preset": "test", "payment_types": {"cash": 300}}).to_string(), "payment_types.cash", "300"),
        (json!({"provider": "atol", "api": "v4", "preset": "test", "password": {"vault": "x"}}).to_string(), "password", "unknown field `vault`"),
        (json!({"provider": "atol", "api": "v4", "preset": "test", "password": {"env": "A", "file": "/b"}}).to_string(), "password", "exactly one"),
        (json!({"provider": "atol", "api": "v4", "preset": "test", "password": {"env": ""}}).to_string(), "password", "empty"),
        (json!({"provider": "atol", "api": "v4", "preset": "test", "password": {"redacted": true}}).to_string(), "password", "redacted"),
        (json!({"provider": "orange_data", "preset": "test", "signing_key": "k", "client_cert": "c", "client_key": "k"}).to_string(), "inn", "missing field `inn`"),
        (json!({"provider": "business_ru", "api": "v1", "preset": "test", "app_id": "a"}).to_string(), "secret", "missing field `secret`"),
        (r#"{"provider": "atol", "api": "v4", "preset": "test", "login": "a", "login": "b"}"#.into(), "settings", "duplicate field `login`"),
        (r#"{"provider": "atol", "api": "v4", "preset": "test", "http": {"timeout_ms": 1, "timeout_ms": 2}}"#.into(), "http", "duplicate field `timeout_ms`"),
    ];
    for (text, want_field, want_text) in cases {
        let (field, message) = config_err(ProviderSettings::from_json(&text));
        assert_eq!(field, want_field, "{text}: {message}");
        assert!(message.contains(want_text), "{text}: {message}");
    }
}

#[test]
fn value_errors_name_their_field_without_the_secret() {
    let atol = |patch: Value| {
        let mut v = json!({"provider": "atol", "api": "v4", "preset": "production",
                           "login": "l", "password": PASSWORD, "group_code": "g"});
        for (k, x) in patch.as_object().expect("patch") {
            if x.is_null() {
                v.as_object_mut().expect("object").remove(k);
            } else {
                v[k] = x.clone();
            }
        }
        AnyProvider::from_json(&v.to_string())
    };
    let long = format!("{PASSWORD}{}", "x".repeat(100));
    for (patch, field) in [
        (json!({"login": null}), "login"),
        (json!({"password": null}), "password"),
        (json!({"group_code": null}), "group_code"),
        (json!({"preset": null}), "base_url"),
        (json!({"password": long}), "password"),
        (json!({"login": "a b"}), "login"),
        (json!({"group_code": "a/b"}), "group_code"),
        (json!({"source": "not valid"}), "source"),
        (
            json!({"base_url": "http://online.atol.ru/possystem/v4/"}),
            "base_url",
        ),
        (json!({"payment_types": {"cash": 10}}), "payment_types"),
        (json!({"max_items": 0}), "max_items"),
        (json!({"max_quantity_decimals": 7}), "max_quantity_decimals"),
        (json!({"report_interval_ms": 61_000}), "report_interval_ms"),
        (json!({"http": {"timeout_ms": 0}}), "http.timeout_ms"),
        (
            json!({"http": {"connect_timeout_ms": 0}}),
            "http.connect_timeout_ms",
        ),
        (
            json!({"http": {"ca": {"env": "FISKAL_TEST_NO_SUCH_CA"}}}),
            "http.ca",
        ),
    ] {
        let (f, message) = config_err(atol(patch.clone()));
        assert_eq!(f, field, "{patch}: {message}");
        assert!(!message.contains(PASSWORD), "{message}");
    }

    let br = |patch: Value| {
        let mut v = json!({"provider": "business_ru", "api": "v1", "preset": "production",
                           "app_id": "a", "secret": PASSWORD});
        for (k, x) in patch.as_object().expect("patch") {
            v[k] = x.clone();
        }
        AnyProvider::from_json(&v.to_string())
    };
    for (patch, field) in [
        (json!({"api": "v2", "preset": "test"}), "preset"),
        (
            json!({"api": "v2", "base_url": "https://check.business.ru/open-api/v1/"}),
            "base_url",
        ),
        (json!({"app_id": "a b"}), "app_id"),
        (json!({"secret": ""}), "secret"),
        (json!({"credit_field": "credit"}), "credit_field"),
        (json!({"token_max_age_secs": 0}), "token_max_age_secs"),
        (json!({"lookup_lookback_secs": 0}), "lookup_lookback_secs"),
        (json!({"lookup_max_pages": 0}), "lookup_max_pages"),
        // Removed: an escaped sign is refused by the service (docs/provider-settings.md).
        (json!({"unicode": "escaped"}), "unicode"),
    ] {
        let (f, message) = config_err(br(patch.clone()));
        assert_eq!(f, field, "{patch}: {message}");
        assert!(!message.contains(PASSWORD), "{message}");
    }

    let mut v = orange_json();
    v.as_object_mut().expect("object").remove("http");
    v["client_cert"] = json!("CERT");
    v["client_key"] = json!("KEY");
    v["signing_key"] = json!(format!(
        "-----BEGIN PRIVATE KEY-----\n{PASSWORD}\n-----END PRIVATE KEY-----\n"
    ));
    v["inn"] = json!("12345");
    assert_eq!(config_err(AnyProvider::from_json(&v.to_string())).0, "inn");
    v["inn"] = json!(ORANGE_INN);
    v["key_name"] = json!("k".repeat(40));
    assert_eq!(
        config_err(AnyProvider::from_json(&v.to_string())).0,
        "key_name"
    );
    v.as_object_mut().expect("object").remove("key_name");
    let (f, message) = config_err(AnyProvider::from_json(&v.to_string()));
    assert_eq!(f, "signing_key", "{message}");
    assert!(!message.contains(PASSWORD), "{message}");
}

#[test]
fn a_missing_env_var_or_file_names_the_field_and_the_source() {
    let mut v = orange_json();
    v["client_cert"] = json!("CERT");
    v["client_key"] = json!({"env": "FISKAL_TEST_SURELY_UNSET_VAR"});
    let (field, message) = config_err(AnyProvider::from_json(&v.to_string()));
    assert_eq!(field, "client_key");
    assert!(
        message.contains("FISKAL_TEST_SURELY_UNSET_VAR") && message.contains("not set"),
        "{message}"
    );

    v["client_key"] = json!("KEY");
    v["client_cert"] = json!({"file": "/nonexistent/fiskal/client.crt"});
    let (field, message) = config_err(AnyProvider::from_json(&v.to_string()));
    assert_eq!(field, "client_cert");
    assert!(
        message.contains("/nonexistent/fiskal/client.crt"),
        "{message}"
    );

    let s = parse(&json!({"provider": "atol", "api": "v5", "preset": "test",
                          "password": {"file": "/nonexistent/fiskal/pass"}}));
    let (field, message) = config_err(s.validate());
    assert_eq!(field, "password");
    assert!(message.contains("/nonexistent/fiskal/pass"), "{message}");
}

#[test]
fn secrets_from_env_and_file_are_read_when_the_client_is_built() {
    std::env::set_var("FISKAL_TEST_ATOL_PASSWORD", PASSWORD);
    let file = temp_file("atol-password", &format!("{PASSWORD}\r\n"));
    for source in [
        json!({"env": "FISKAL_TEST_ATOL_PASSWORD"}),
        json!({"file": file}),
    ] {
        let s = parse(
            &json!({"provider": "atol", "api": "v5", "preset": "production",
                              "login": "l", "password": source, "group_code": "g"}),
        );
        let ProviderSettings::Atol(a) = &s else {
            panic!("not atol")
        };
        assert_eq!(a.to_config().expect("config").pass.expose(), PASSWORD);
        let p = AnyProvider::from_settings(&s).expect("client");
        assert!(!format!("{p:?}").contains(PASSWORD));
    }
    std::fs::remove_file(file).ok();
}

// ---------------------------------------------------------------------------------------------
// Redaction.

#[test]
fn debug_and_serialisation_never_show_a_secret() {
    let mut orange = orange_json();
    orange["client_key"] = json!(PASSWORD);
    orange["signing_key"] = json!(PASSWORD);
    let mut br = business_ru_json();
    br["secret"] = json!(PASSWORD);
    for v in [atol_json(), orange, br] {
        let s = parse(&v);
        let debug = format!("{s:?} {s:#?}");
        assert!(!debug.contains(PASSWORD), "{debug}");
        let out = serde_json::to_string(&s).expect("serialise");
        assert!(!out.contains(PASSWORD), "{out}");
        assert!(out.contains(r#"{"redacted":true}"#), "{out}");
        // A redacted copy can be shown, never used as a password.
        let (field, message) = config_err(ProviderSettings::from_json(&out));
        assert!(
            ["password", "client_key", "secret"].contains(&field),
            "{field}"
        );
        assert!(message.contains("redacted"), "{message}");
    }
}

#[test]
fn settings_with_env_and_file_sources_round_trip() {
    let s = parse(&business_ru_json());
    let out = serde_json::to_value(&s).expect("serialise");
    assert_eq!(out["provider"], "business_ru");
    assert_eq!(out["secret"], json!({"env": "FISKAL_TEST_BR_SECRET_UNSET"}));
    assert_eq!(parse(&out), s);
    let mut orange = orange_json();
    orange["signing_key"] = json!({"file": "/etc/fiskal/sign.pem"});
    let s = parse(&orange);
    let out = serde_json::to_value(&s).expect("serialise");
    assert_eq!(out["http"]["ca"], json!({"file": "/etc/fiskal/ca.pem"}));
    assert_eq!(parse(&out), s);
    let ProviderSettings::OrangeData(o) = s else {
        panic!("not orange")
    };
    assert_eq!(
        o.client_cert,
        TextSource::File("/etc/fiskal/orange-client.crt".into())
    );
}

// ---------------------------------------------------------------------------------------------
// Outcome JSON.

fn fiscal() -> FiscalAttributes {
    serde_json::from_value(json!({
        "fn_number": "9999078900001234", "fd_number": 1234, "fiscal_sign": 3_826_187_301_u32,
        "shift_number": 12, "receipt_number": 5, "date_time": "2026-03-02T10:15:42",
        "kkt_reg_number": null, "ofd_inn": "7704211201", "receipt_url": null,
        "total": "599.70", "operation": "sell"
    }))
    .expect("fiscal attributes")
}

#[test]
fn outcome_json_of_every_variant() {
    let cases = [
        (
            Outcome::Accepted {
                provider_id: "u-1".into(),
                duplicate: true,
            },
            r#"{"outcome":"accepted","provider_id":"u-1","duplicate":true}"#,
        ),
        (
            Outcome::Pending {
                provider_id: "u-1".into(),
            },
            r#"{"outcome":"pending","provider_id":"u-1"}"#,
        ),
        (
            Outcome::Done {
                provider_id: "u-1".into(),
                fiscal: fiscal(),
            },
            r#"{"outcome":"done","provider_id":"u-1","fiscal":{"fn_number":"9999078900001234","fd_number":1234,"fiscal_sign":3826187301,"shift_number":12,"receipt_number":5,"date_time":"2026-03-02T10:15:42","kkt_reg_number":null,"ofd_inn":"7704211201","receipt_url":null,"total":"599.70","operation":"sell"}}"#,
        ),
        (
            Outcome::Rejected {
                kind: RejectKind::Validation,
                code: "32".into(),
                message: "Ошибка валидации".into(),
            },
            r#"{"outcome":"rejected","kind":"validation","code":"32","message":"Ошибка валидации"}"#,
        ),
        (
            Outcome::RetryLater {
                after: Some(Duration::from_secs(3)),
                code: Some("503".into()),
                message: "busy".into(),
            },
            r#"{"outcome":"retry_later","after_ms":3000,"code":"503","message":"busy"}"#,
        ),
        (
            Outcome::RetryLater {
                after: None,
                code: None,
                message: "cannot connect".into(),
            },
            r#"{"outcome":"retry_later","after_ms":null,"code":null,"message":"cannot connect"}"#,
        ),
        (
            Outcome::InDoubt {
                reason: "timeout".into(),
            },
            r#"{"outcome":"in_doubt","reason":"timeout"}"#,
        ),
        (
            Outcome::NotFound {
                message: "no such document".into(),
            },
            r#"{"outcome":"not_found","message":"no such document"}"#,
        ),
    ];
    for (outcome, text) in cases {
        assert_eq!(serde_json::to_string(&outcome).expect("serialise"), text);
        assert_eq!(serde_json::from_str::<Outcome>(text).expect(text), outcome);
        let v: Value = serde_json::from_str(text).expect("json");
        assert_eq!(v["outcome"], outcome.code());
    }
    for kind in [
        RejectKind::Validation,
        RejectKind::Auth,
        RejectKind::Register,
        RejectKind::Configuration,
        RejectKind::Other,
    ] {
        assert_eq!(serde_json::to_value(kind).expect("kind"), kind.code());
    }
    // Optional fields may be left out when reading; unknown ones are refused.
    assert_eq!(
        serde_json::from_str::<Outcome>(r#"{"outcome":"retry_later","message":"m"}"#)
            .expect("short"),
        Outcome::RetryLater {
            after: None,
            code: None,
            message: "m".into()
        }
    );
    for bad in [
        r#"{"outcome":"pending","provider_id":"u","extra":1}"#,
        r#"{"outcome":"finished"}"#,
        r#"{"provider_id":"u"}"#,
        r#"{"outcome":"rejected","kind":"fatal","code":"1","message":"m"}"#,
    ] {
        assert!(serde_json::from_str::<Outcome>(bad).is_err(), "{bad}");
    }
}

// ---------------------------------------------------------------------------------------------
// End to end: AnyProvider from settings JSON against each emulator.

#[tokio::test]
async fn atol_v4_and_v5_from_settings() {
    let emu = AtolEmulator::start(
        AtolEmulatorConfig::default().with_processing_delay(Duration::from_millis(200)),
    )
    .await
    .expect("emulator");
    for (api, base_url, fixture, name) in [
        (
            "v4",
            emu.base_url_v4(),
            "atol/receipt_sell_v4.json",
            "atol_v4",
        ),
        (
            "v5",
            emu.base_url_v5(),
            "atol/receipt_sell_v5.json",
            "atol_v5",
        ),
    ] {
        let settings = json!({
            "provider": "atol", "api": api, "preset": "test", "base_url": base_url,
            "report_interval_ms": 20, "http": {"timeout_ms": 5000}
        });
        let provider = AnyProvider::from_json(&settings.to_string()).expect("provider");
        assert_eq!(provider.name(), name);
        assert_eq!(
            provider.in_doubt_resolution(),
            InDoubtResolution::ResendSameId
        );
        let r = emulated::receipt(fixture);
        let id = format!("settings-{api}-1");
        let fiscal = emulated::submit_until_done(&provider.clone(), &id, &r).await;
        assert_eq!(fiscal.total, r.total);
        assert_eq!(emu.journal().fiscalised_count(&id), 1);
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn orange_data_from_settings_with_the_emulators_ca_and_client_certificate() {
    let emu = OrangeEmulator::start(
        OrangeEmulatorConfig::default().with_processing_delay(Duration::from_millis(150)),
    )
    .await
    .expect("emulator");
    let signing = emu.issue_signing_key(ORANGE_INN).expect("signing key");
    let identity = emu.issue_client_identity().expect("client certificate");
    // Each kind of source once: signing key from a file, client key from the environment,
    // certificate inline, CA from a file.
    let signing_file = temp_file("orange-signing.pem", &signing);
    let ca_file = temp_file("orange-ca.pem", emu.ca_pem());
    std::env::set_var("FISKAL_TEST_ORANGE_E2E_CLIENT_KEY", &identity.key_pem);
    let settings = json!({
        "provider": "orange_data", "base_url": emu.base_url(), "inn": ORANGE_INN,
        "signing_key": {"file": signing_file},
        "client_cert": identity.cert_pem,
        "client_key": {"env": "FISKAL_TEST_ORANGE_E2E_CLIENT_KEY"},
        "http": {"builtin_roots": false, "ca": {"file": ca_file}, "timeout_ms": 5000}
    });
    let parsed = ProviderSettings::from_json(&settings.to_string()).expect("settings");
    assert_eq!(parsed.validate(), Ok(()));
    let provider = AnyProvider::from_settings(&parsed).expect("provider");
    assert_eq!(provider.name(), "orange_data");
    assert_eq!(provider.in_doubt_resolution(), InDoubtResolution::LookUp);
    let r = emulated::receipt("orange/sell_1_2.receipt.json");
    let fiscal = emulated::submit_until_done(&provider, "settings-orange-1", &r).await;
    assert_eq!(fiscal.total, r.total);
    assert_eq!(emu.journal().fiscalised_count("settings-orange-1"), 1);
    std::fs::remove_file(signing_file).ok();
    std::fs::remove_file(ca_file).ok();
    emu.shutdown().await;
}

#[tokio::test]
async fn business_ru_from_settings() {
    let br = BusinessRuEmulator::start(
        BusinessRuEmulatorConfig::default().with_processing_delay(Duration::from_millis(150)),
    )
    .await
    .expect("emulator");
    let settings = json!({
        "provider": "business_ru", "api": "v1", "base_url": br.base_url_v1(),
        "app_id": TEST_APP_ID_V1, "secret": TEST_SECRET, "http": {"timeout_ms": 2000}
    });
    let provider = AnyProvider::from_json(&settings.to_string()).expect("provider");
    assert_eq!(provider.name(), "business_ru_v1");
    assert_eq!(provider.in_doubt_resolution(), InDoubtResolution::LookUp);
    let r = emulated::receipt("business_ru/receipt_sell.json");
    let fiscal = emulated::submit_until_done(&provider, "settings-br-1", &r).await;
    assert_eq!(fiscal.total, r.total);
    assert_eq!(br.journal().fiscalised_count("settings-br-1"), 1);
    br.shutdown().await;
}

/// docs/provider-settings.md documents every key path the settings accept.
#[test]
fn the_docs_name_every_field() {
    let docs = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/provider-settings.md"
    ))
    .expect("docs/provider-settings.md");
    for path in ProviderSettings::field_paths() {
        assert!(
            docs.contains(&format!("`{path}`")),
            "docs/provider-settings.md lacks `{path}`"
        );
    }
}
