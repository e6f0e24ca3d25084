//! Golden vectors shared with every binding: `tests/vectors/{tlv,invalid,tlv_errors,codec}`.
//! Every file of a folder is checked by the shared runner (`tests/vectors/runner.rs`), which
//! names each failing file; see tests/vectors/README.md.

#[path = "../../../tests/vectors/runner.rs"]
mod runner;

use fiskal_ffd::tlv::{decode_document, Fvln, Tlv, Value};
use fiskal_ffd::{json, Error, Tag};
use serde_json::Value as J;

fn load(rel: &str) -> J {
    let path = runner::root().join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: not JSON: {e}"))
}

/// Builds a TLV from the `[tag, type, value]` notation the vector files use.
fn requisite(v: &J) -> Tlv {
    let a = v.as_array().expect("[tag, type, value]");
    let tag = Tag(u16::try_from(a[0].as_u64().expect("tag")).expect("u16 tag"));
    let value = match a[1].as_str().expect("type") {
        "byte" => Value::Byte(u8::try_from(a[2].as_u64().expect("byte")).expect("u8")),
        "u32" => Value::U32(u32::try_from(a[2].as_u64().expect("u32")).expect("u32")),
        "unixtime" => {
            let t: fiskal_ffd::datetime::LocalDateTime =
                a[2].as_str().expect("time").parse().expect("time");
            Value::UnixTime(t.unix())
        }
        "vln" => Value::Vln(a[2].as_u64().expect("vln")),
        "fvln" => Value::Fvln(Fvln {
            scale: u8::try_from(a[2][0].as_u64().expect("scale")).expect("u8"),
            mantissa: a[2][1].as_u64().expect("mantissa"),
        }),
        "str" => Value::text(a[2].as_str().expect("str")).expect("cp866"),
        "bytes" => Value::Bytes(hex::decode(a[2].as_str().expect("hex")).expect("hex")),
        "stlv" => Value::Stlv(
            a[2].as_array()
                .expect("list")
                .iter()
                .map(requisite)
                .collect(),
        ),
        other => panic!("unknown type {other}"),
    };
    Tlv::new(tag, value)
}

/// Every field the expected JSON gives must be present and equal in the actual JSON (which may
/// carry more: computed VAT sums, derived texts).
fn assert_subset(rel: &str, path: &str, expected: &J, actual: &J) {
    match (expected, actual) {
        (J::Object(e), J::Object(a)) => {
            for (k, ev) in e {
                let av = a
                    .get(k)
                    .unwrap_or_else(|| panic!("{rel}: `{path}.{k}` missing after decoding"));
                assert_subset(rel, &format!("{path}.{k}"), ev, av);
            }
        }
        (J::Array(e), J::Array(a)) => {
            assert_eq!(e.len(), a.len(), "{rel}: `{path}` length");
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                assert_subset(rel, &format!("{path}[{i}]"), ev, av);
            }
        }
        _ => assert_eq!(expected, actual, "{rel}: `{path}`"),
    }
}

fn check_golden(rel: &str, v: &J) {
    let receipt_text = serde_json::to_string(&v["receipt"]).expect("json");
    let receipt =
        json::parse_and_validate(&receipt_text).unwrap_or_else(|e| panic!("{rel}: {e:?}"));
    let want_hex = v["tlv_hex"]
        .as_str()
        .unwrap_or_else(|| panic!("{rel}: no tlv_hex (run tools/gen_tlv_vectors.py)"));
    let want = hex::decode(want_hex).expect("hex");

    // The requisites as written by hand build the same bytes (guards the vector itself).
    let from_requisites = requisite(&v["requisites"]).to_bytes().expect("fits");
    assert_eq!(
        hex::encode_upper(&from_requisites),
        want_hex,
        "{rel}: requisites vs tlv_hex"
    );

    // fiskal's encoder: exact bytes, exact size.
    let doc = fiskal_ffd::to_tlv(&receipt).unwrap_or_else(|e| panic!("{rel}: {e}"));
    assert_eq!(doc.encoded_len(), want.len(), "{rel}: encoded_len");
    assert_eq!(
        v["size"].as_u64(),
        Some(want.len() as u64),
        "{rel}: size field"
    );
    let got = doc.to_bytes().expect("fits");
    assert_eq!(hex::encode_upper(&got), want_hex, "{rel}: TLV bytes");

    // The public helper reports exactly the 1102–1107 requisites the encoder wrote.
    let written: Vec<(Tag, u64)> = doc
        .children()
        .iter()
        .filter(|t| (1102..=1107).contains(&t.tag.0))
        .map(|t| match t.value {
            Value::Vln(v) => (t.tag, v),
            _ => panic!("{rel}: {:?} is not a VLN", t.tag),
        })
        .collect();
    let helper = fiskal_ffd::vat_totals::receipt_vat_requisites(&receipt).expect("valid amounts");
    assert_eq!(helper, written, "{rel}: receipt_vat_requisites");

    // Decoding gives back the receipt (plus computed fields), which re-encodes identically.
    let decoded = fiskal_ffd::from_tlv(&decode_document(&want).expect("decodes")).expect("reads");
    fiskal_ffd::validate(&decoded)
        .unwrap_or_else(|e| panic!("{rel}: decoded receipt invalid: {e:?}"));
    let canonical: J = serde_json::from_str(&json::to_string(&receipt)).expect("json");
    let decoded_json: J = serde_json::from_str(&json::to_string(&decoded)).expect("json");
    // Fields that never reach the TLV (e.g. planned status) cannot come back.
    let mut canonical = canonical;
    strip_non_tlv(&mut canonical);
    assert_subset(rel, "", &canonical, &decoded_json);
    let again = fiskal_ffd::to_tlv(&decoded)
        .expect("encodes")
        .to_bytes()
        .expect("fits");
    assert_eq!(again, want, "{rel}: decode → encode");
}

fn strip_non_tlv(receipt: &mut J) {
    if let Some(items) = receipt.get_mut("items").and_then(J::as_array_mut) {
        for it in items {
            if let Some(m) = it.get_mut("mark").and_then(J::as_object_mut) {
                m.remove("planned_status");
                m.remove("code");
            }
        }
    }
}

fn check_invalid(rel: &str, v: &J) {
    let text = match &v["input"] {
        J::String(s) => s.clone(),
        J::Null => serde_json::to_string(&v["receipt"]).expect("json"),
        other => panic!("{rel}: input must be a string, got {other}"),
    };
    let result = json::parse_and_validate(&text);
    let expect = &v["expect"];
    match (expect["kind"].as_str(), result) {
        (Some("json"), Err(Error::Json { path, .. })) => {
            assert_eq!(
                Some(path.as_str()),
                expect["path"].as_str(),
                "{rel}: JSON error path"
            );
        }
        (Some("invalid"), Err(Error::Invalid(violations))) => {
            let got: Vec<(String, String)> = violations
                .iter()
                .map(|x| (x.path.clone(), x.code().to_owned()))
                .collect();
            let want: Vec<(String, String)> = expect["violations"]
                .as_array()
                .expect("violations")
                .iter()
                .map(|x| {
                    (
                        x["path"].as_str().expect("path").to_owned(),
                        x["code"].as_str().expect("code").to_owned(),
                    )
                })
                .collect();
            assert_eq!(got, want, "{rel}: violations");
            for x in &violations {
                assert!(!x.message_ru().is_empty() && !x.message_en().is_empty());
            }
        }
        (kind, result) => panic!("{rel}: expected {kind:?}, got {result:?}"),
    }
}

fn check_tlv_error(rel: &str, v: &J) {
    let bytes = hex::decode(v["hex"].as_str().expect("hex")).expect("hex");
    let err = decode_document(&bytes).expect_err(rel);
    let e = &v["error"];
    assert_eq!(
        err.kind.code(),
        e["kind"].as_str().expect("kind"),
        "{rel}: kind"
    );
    assert_eq!(
        err.offset as u64,
        e["offset"].as_u64().expect("offset"),
        "{rel}: offset"
    );
    assert_eq!(
        err.tag.map(|t| u64::from(t.0)),
        e["tag"].as_u64(),
        "{rel}: tag"
    );
}

#[test]
fn tlv_vectors() {
    runner::run("tlv", |v| {
        check_golden(&v.rel, &v.json);
        Ok(())
    });
}

#[test]
fn invalid_vectors() {
    runner::run("invalid", |v| {
        check_invalid(&v.rel, &v.json);
        Ok(())
    });
}

#[test]
fn tlv_error_vectors() {
    runner::run("tlv_errors", |v| {
        check_tlv_error(&v.rel, &v.json);
        Ok(())
    });
}

#[test]
fn codec_primitives() {
    let v = load("codec/primitives.json");
    for case in v["cases"].as_array().expect("cases") {
        let t = requisite(&case["requisite"]);
        let want = case["hex"].as_str().expect("hex");
        assert_eq!(
            hex::encode_upper(t.to_bytes().expect("fits")),
            want,
            "{case}"
        );
        assert_eq!(
            decode_document(&hex::decode(want).expect("hex")).expect("decodes"),
            t,
            "{case}"
        );
    }
}

#[test]
fn cp866_table_matches_python_codec() {
    let v = load("codec/cp866.json");
    let table = v["table"].as_array().expect("table");
    assert_eq!(table.len(), 256);
    for (b, cp) in table.iter().enumerate() {
        let c =
            char::from_u32(u32::try_from(cp.as_u64().expect("cp")).expect("u32")).expect("char");
        let byte = u8::try_from(b).expect("byte");
        assert_eq!(fiskal_ffd::cp866::decode_byte(byte), c, "byte {b:#04x}");
        assert_eq!(fiskal_ffd::cp866::encode_char(c), Some(byte), "char {c:?}");
    }
}

/// The runner fails naming every file whose check fails, by an error or by a panic.
#[test]
fn the_runner_names_every_failing_file() {
    let mut seen = Vec::new();
    let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runner::run("tlv_errors", |v| {
            seen.push(v.rel.clone());
            assert!(seen.len() > 1, "first file refused by an assertion");
            Err("refused".to_owned())
        });
    }))
    .expect_err("every check failed");
    let text = failed.downcast_ref::<String>().cloned().unwrap_or_default();
    let n = seen.len();
    assert!(n > 1, "{seen:?}");
    assert!(
        text.contains(&format!(
            "{n} of {n} vectors in tests/vectors/tlv_errors failed"
        )),
        "{text}"
    );
    assert!(text.contains(&format!("{}: first file refused by an assertion", seen[0])));
    assert!(seen[1..]
        .iter()
        .all(|rel| text.contains(&format!("{rel}: refused"))));
}
