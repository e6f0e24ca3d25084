//! Where the outbox's journal is: an SQLite path or a `postgres://` URL given to
//! `Outbox::open`, with the connection options in the settings' `postgres` section. A URL's
//! password never shows in errors or `Debug`; a build without the feature `postgres` refuses
//! such a URL with an error naming the field `db`.

use fiskal_outbox::{is_postgres_url, Outbox, OutboxError, OutboxSettings};

const SECRET: &str = "hunter2-Do-Not-Print";

fn settings(postgres: &serde_json::Value) -> OutboxSettings {
    OutboxSettings::from_json(
        &serde_json::json!({
            "routes": {"atol": {"provider": {
                "provider": "atol", "api": "v5", "preset": "test",
                "base_url": "http://127.0.0.1:1", "password": "zUr0OxfI"
            }}},
            "default_route": "atol",
            "postgres": postgres
        })
        .to_string(),
    )
    .expect("settings")
}

#[test]
fn postgres_urls_are_told_from_paths() {
    for url in [
        "postgres://db1/fiskal",
        "postgresql://shop@db1:5432/fiskal?sslmode=require",
        "POSTGRES://db1/x",
        "  postgres://db1/x",
    ] {
        assert!(is_postgres_url(url), "{url}");
    }
    for path in [
        "/var/lib/shop/outbox.db",
        "postgres/outbox.db",
        "./postgres:/x.db",
        "mysql://db1/x",
        "",
    ] {
        assert!(!is_postgres_url(path), "{path}");
    }
}

#[test]
fn the_postgres_section_never_shows_its_password() {
    let s = settings(&serde_json::json!({"password": SECRET, "schema": "shop_1"}));
    let debug = format!("{s:?}");
    assert!(!debug.contains(SECRET), "{debug}");
    assert!(debug.contains("shop_1"), "{debug}");
    // Unknown fields are refused, naming the path.
    let e = OutboxSettings::from_json(
        &serde_json::json!({"routes": {"atol": {"provider": {}}}, "postgres": {"pasword": "x"}})
            .to_string(),
    )
    .expect_err("unknown field");
    match e {
        OutboxError::InvalidConfig { field, .. } => {
            assert_eq!(field.as_deref(), Some("postgres.pasword"));
        }
        other => panic!("{other:?}"),
    }
}

#[cfg(not(feature = "postgres"))]
#[test]
fn a_postgres_url_without_the_feature_names_the_field_and_hides_the_password() {
    let url = format!("postgres://shop:{SECRET}@127.0.0.1:1/fiskal");
    let e = Outbox::open(&url, &settings(&serde_json::Value::Null)).expect_err("no feature");
    match &e {
        OutboxError::InvalidConfig { field, message } => {
            assert_eq!(field.as_deref(), Some("db"));
            assert!(message.contains("feature `postgres`"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(!format!("{e} {e:?}").contains(SECRET));
}

#[cfg(feature = "postgres")]
#[test]
fn an_unreachable_postgres_journal_is_a_typed_error_without_the_password() {
    let url = format!("postgres://shop:{SECRET}@127.0.0.1:1/fiskal");
    let s = settings(&serde_json::json!({"connect_timeout_ms": 2000}));
    let e = Outbox::open(&url, &s).expect_err("nothing listens on port 1");
    assert!(matches!(e, OutboxError::Unavailable { .. }), "{e:?}");
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(
        shown.contains("127.0.0.1"),
        "the error names the server: {shown}"
    );
}

#[cfg(feature = "postgres")]
#[test]
fn a_missing_password_variable_names_the_field() {
    let s = settings(&serde_json::json!({
        "password": {"env": "FISKAL_TEST_NO_SUCH_VARIABLE_FOR_PG"}
    }));
    let e = Outbox::open("postgres://shop@127.0.0.1:1/fiskal", &s).expect_err("unset");
    match e {
        OutboxError::InvalidConfig { field, .. } => {
            assert_eq!(field.as_deref(), Some("postgres.password"));
        }
        other => panic!("{other:?}"),
    }
}
