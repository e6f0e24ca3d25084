//! Every file of `tests/vectors/documents/`: fiscal documents of every form (real ones from
//! public test data and built ones) and bare requisite lists. For each: the bytes decode to
//! exactly the requisites written in the file (so every tag has the type the vector gives it),
//! every tag has a dictionary name (except those the file lists as unknown), the dump names the
//! form, the decoded tree re-encodes byte for byte ([`Exact`]), and forms 3 / 31 read into the
//! typed receipt.

use fiskal_ffd::tlv::{decode_bare, decode_document, Exact};
use fiskal_ffd::{DecodeErrorKind, Fvln, Tag, Tlv, Value};
use serde_json::Value as J;
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/documents")
}

fn le(bytes: &[u8]) -> u64 {
    bytes.iter().rev().fold(0, |a, &b| (a << 8) | u64::from(b))
}

/// The notation of `tests/vectors/README.md` (plus `u16`, `vln_raw`, `fvln_raw`) as a tree.
fn requisite(v: &J) -> Tlv {
    let a = v.as_array().expect("[tag, type, value]");
    let tag = Tag(u16::try_from(a[0].as_u64().expect("tag")).expect("u16"));
    let hexv = || hex::decode(a[2].as_str().expect("hex")).expect("hex");
    let value = match a[1].as_str().expect("type") {
        "byte" => Value::Byte(u8::try_from(a[2].as_u64().expect("n")).expect("u8")),
        "u16" => Value::U16(u16::try_from(a[2].as_u64().expect("n")).expect("u16")),
        "u32" => Value::U32(u32::try_from(a[2].as_u64().expect("n")).expect("u32")),
        "unixtime" => {
            let t: fiskal_ffd::datetime::LocalDateTime =
                a[2].as_str().expect("time").parse().expect("time");
            Value::UnixTime(t.unix())
        }
        "vln" => Value::Vln(a[2].as_u64().expect("vln")),
        "vln_raw" => Value::Vln(le(&hexv())),
        "fvln" => Value::Fvln(Fvln {
            scale: u8::try_from(a[2][0].as_u64().expect("scale")).expect("u8"),
            mantissa: a[2][1].as_u64().expect("mantissa"),
        }),
        "fvln_raw" => {
            let b = hexv();
            Value::Fvln(Fvln {
                scale: b[0],
                mantissa: le(&b[1..]),
            })
        }
        "str" => Value::text(a[2].as_str().expect("str")).expect("cp866"),
        "bytes" => Value::Bytes(hexv()),
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

fn tags(t: &Tlv, out: &mut Vec<u16>) {
    out.push(t.tag.0);
    for c in t.children() {
        tags(c, out);
    }
}

fn check(name: &str, v: &J) {
    let bytes = hex::decode(v["tlv_hex"].as_str().expect("tlv_hex")).expect("hex");
    assert_eq!(v["size"].as_u64(), Some(bytes.len() as u64), "size");
    let unknown: Vec<u16> = v["unknown_tags"]
        .as_array()
        .expect("unknown_tags")
        .iter()
        .map(|x| u16::try_from(x.as_u64().expect("n")).expect("u16"))
        .collect();
    let bare = v["bare"].as_bool().expect("bare");
    let (tree, exact_bytes): (Vec<Tlv>, Vec<u8>) = if bare {
        let list = decode_bare(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let expect: Vec<Tlv> = v["requisites"]
            .as_array()
            .expect("list")
            .iter()
            .map(requisite)
            .collect();
        assert_eq!(list, expect, "{name}: decoded requisites");
        let exact = Exact::decode_bare(&bytes).expect("exact");
        let again = exact
            .iter()
            .flat_map(|e| e.to_bytes().expect("enc"))
            .collect();
        // As a document the list is refused, saying what it looks like.
        let e = decode_document(&bytes).expect_err("a bare list is not a document");
        let want = &v["as_document_error"];
        assert_eq!(
            e.kind.code(),
            want["kind"].as_str().expect("kind"),
            "{name}"
        );
        assert_eq!(
            Some(e.offset as u64),
            want["offset"].as_u64(),
            "{name}: offset"
        );
        assert!(matches!(e.kind, DecodeErrorKind::TrailingData { .. }));
        let t = e.trailing.as_ref().expect("trailing context");
        assert_eq!(Some(u64::from(t.first_tag.0)), want["first_tag"].as_u64());
        assert_eq!(Some(t.first_len as u64), want["first_len"].as_u64());
        assert_eq!(
            Some(t.looks_like_bare_list()),
            want["looks_like_bare_list"].as_bool()
        );
        let msg = e.to_string();
        assert!(
            msg.contains("bare requisite list") && msg.contains(&format!("tag {}", t.first_tag)),
            "{name}: {msg}"
        );
        // The dump of the list: an array, every requisite named.
        let dump = fiskal_ffd::dump::dump_list(&list);
        assert_eq!(dump.as_array().map(Vec::len), Some(list.len()));
        (list, again)
    } else {
        let doc = decode_document(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            doc,
            requisite(&v["requisites"]),
            "{name}: decoded requisites"
        );
        assert_eq!(
            Some(u64::from(doc.tag.0)),
            v["form"].as_u64(),
            "{name}: form"
        );
        assert!(doc.tag.is_document_form(), "{name}: a form code");
        let dump = fiskal_ffd::dump::dump(&doc);
        assert_eq!(
            dump["name"], v["form_name"],
            "{name}: form name in the dump"
        );
        let exact = Exact::decode_document(&bytes).expect("exact");
        let again = exact.to_bytes().expect("enc");
        assert_eq!(
            exact.is_canonical(),
            v["canonical"].as_bool().expect("canonical"),
            "{name}: canonical"
        );
        (vec![doc], again)
    };
    assert_eq!(exact_bytes, bytes, "{name}: byte-exact re-encode");
    let mut all = Vec::new();
    for t in &tree {
        tags(t, &mut all);
    }
    for t in all {
        let known = Tag(t).info().is_some();
        assert_eq!(
            known,
            !unknown.contains(&t),
            "{name}: tag {t} known to the dictionary?"
        );
    }
    // Typed receipt: forms 3 / 31 (a bare list read as its form).
    if let Some(r) = v["receipt"].as_object() {
        let doc = if bare {
            let form = Tag(u16::try_from(v["form"].as_u64().expect("form")).expect("u16"));
            Tlv::new(form, Value::Stlv(tree.clone()))
        } else {
            tree[0].clone()
        };
        let receipt = fiskal_ffd::from_tlv(&doc).unwrap_or_else(|e| panic!("{name}: {e}"));
        let valid = fiskal_ffd::validate(&receipt);
        assert_eq!(
            valid.is_ok(),
            r["valid"].as_bool().expect("valid"),
            "{name}: {valid:?}"
        );
        let model = fiskal_ffd::to_tlv(&receipt)
            .expect("model")
            .to_bytes()
            .expect("bytes");
        assert_eq!(
            model == doc.to_bytes().expect("bytes"),
            r["model_reencode_equal"].as_bool().expect("flag"),
            "{name}: the model's canonical bytes"
        );
        // Whatever the bytes, the model's form reads back to the same receipt.
        let back = fiskal_ffd::from_tlv(&decode_document(&model).expect("decode")).expect("read");
        assert_eq!(back, receipt, "{name}: model round trip");
    } else if !bare {
        assert!(
            fiskal_ffd::from_tlv(&tree[0]).is_err(),
            "{name}: only receipts have a typed model"
        );
    }
}

#[test]
fn every_document_vector() {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .expect("tests/vectors/documents")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(names.len() >= 13, "vectors missing: {names:?}");
    let mut failed = Vec::new();
    for name in &names {
        let text = std::fs::read_to_string(dir().join(name)).expect("read");
        let v: J = serde_json::from_str(&text).expect("json");
        if let Err(p) = std::panic::catch_unwind(|| check(name, &v)) {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            failed.push(format!("{name}: {msg}"));
        }
    }
    assert!(failed.is_empty(), "failing vectors:\n{}", failed.join("\n"));
}

/// Every form the issue lists has a vector, and each reads into the dump with its own name.
#[test]
fn every_listed_form_has_a_vector() {
    let mut forms = Vec::new();
    for e in std::fs::read_dir(dir())
        .expect("dir")
        .filter_map(|e| e.ok())
    {
        let v: J =
            serde_json::from_str(&std::fs::read_to_string(e.path()).expect("read")).expect("json");
        if v["bare"] == J::Bool(false) {
            forms.push(v["form"].as_u64().expect("form"));
        }
    }
    for f in [1, 11, 2, 5, 3, 4, 41, 6, 7, 21] {
        assert!(forms.contains(&f), "no vector for form {f}");
    }
}
