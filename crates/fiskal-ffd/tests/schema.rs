//! The committed JSON Schema (docs/receipt.schema.json) must equal the one generated from the
//! Rust types. To update it after changing the model:
//! `FISKAL_REGENERATE=1 cargo test -p fiskal-ffd --test schema`, then review and commit the diff.

use std::path::PathBuf;

#[test]
fn committed_schema_matches_the_types() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/receipt.schema.json");
    let generated = fiskal_ffd::json::schema();
    if std::env::var_os("FISKAL_REGENERATE").is_some() {
        std::fs::write(&path, &generated).expect("write schema");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/receipt.schema.json is out of date: run FISKAL_REGENERATE=1 cargo test -p fiskal-ffd --test schema"
    );
}

#[test]
fn schema_is_json_and_names_the_receipt_fields() {
    let v: serde_json::Value =
        serde_json::from_str(&fiskal_ffd::json::schema()).expect("schema is JSON");
    let props = v["properties"].as_object().expect("properties");
    for field in [
        "version",
        "ffd",
        "operation",
        "company",
        "items",
        "payments",
        "total",
    ] {
        assert!(props.contains_key(field), "schema lacks {field}");
    }
    let required: Vec<&str> = v["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(|x| x.as_str())
        .collect();
    assert!(required.contains(&"total") && required.contains(&"version"));
}
