//! The size rule of validation computes the document's exact size without building it
//! (`validate_with`), while `build` builds the document and measures it (issue 19). Both must
//! agree with `to_tlv(r).encoded_len()` on every receipt, valid or not: the golden vectors, and
//! the sample receipt with one value replaced by arbitrary JSON (bounded property test).

#[path = "../../../tests/vectors/runner.rs"]
mod runner;

mod json_paths;
use json_paths::{collect_paths, pointer_mut};

use fiskal_ffd::validate::{build, validate_with, Profile};
use fiskal_ffd::{json, Error, Receipt, Violation, ViolationKind};
use proptest::prelude::*;

/// A profile whose size limit every document exceeds: the violation carries the exact size.
fn zero_budget(r: &Receipt) -> Profile {
    let mut p = Profile::for_version(r.ffd);
    p.max_document_size = Some(0);
    p
}

fn built(r: &Receipt, p: &Profile) -> Vec<Violation> {
    match build(r, p) {
        Ok(_) => Vec::new(),
        Err(Error::Invalid(v)) => v,
        // Not a verdict `validate_with` can give: the comparison fails and shows it.
        Err(e) => vec![Violation::new(
            format!("(encoder: {e})"),
            ViolationKind::Required,
        )],
    }
}

/// Checks one receipt; returns whether the size rule ran (the receipt was otherwise valid).
fn same_size_both_ways(r: &Receipt) -> Result<bool, String> {
    for p in [zero_budget(r), Profile::for_version(r.ffd)] {
        let counted = validate_with(r, &p);
        let from_tree = built(r, &p);
        if counted != from_tree {
            return Err(format!("validate_with {counted:?} != build {from_tree:?}"));
        }
    }
    let counted = validate_with(r, &zero_budget(r));
    let sizes: Vec<usize> = counted
        .iter()
        .filter_map(|v| match v.kind {
            ViolationKind::DocumentTooLarge { actual, .. } => Some(actual),
            _ => None,
        })
        .collect();
    match (sizes.as_slice(), fiskal_ffd::to_tlv(r)) {
        ([size], Ok(doc)) if *size == doc.encoded_len() => Ok(true),
        ([size], Ok(doc)) => Err(format!("counted {size}, encoded {}", doc.encoded_len())),
        ([], _) => Ok(false),
        (s, doc) => Err(format!(
            "sizes {s:?}, to_tlv {:?}",
            doc.map(|d| d.encoded_len())
        )),
    }
}

#[test]
fn vectors_counted_size_is_the_encoded_size() {
    let mut ran = 0;
    for dir in ["tlv", "invalid"] {
        runner::run(dir, |v| {
            let Some(receipt) = v.json.get("receipt") else {
                return Ok(());
            };
            let Ok(r) = json::parse(&receipt.to_string()) else {
                return Ok(());
            };
            if same_size_both_ways(&r)? {
                ran += 1;
            }
            Ok(())
        });
    }
    // Every valid vector (nine in tlv/) reached the size rule.
    assert!(ran >= 9, "only {ran} vectors reached the size rule");
}

const SAMPLE: &str = include_str!("../data/receipt_1_2.json");

fn leaf() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{json, Value as J};
    prop_oneof![
        Just(J::Null),
        any::<u32>().prop_map(|n| json!(n)),
        "[0-9]{1,7}(\\.[0-9]{1,3})?".prop_map(J::String),
        // Text of every kind: CP866 or not, up to past the longest requisite.
        "\\PC{0,300}".prop_map(J::String),
        "[А-Яа-яЁё№ ]{0,300}".prop_map(J::String),
        Just(json!("vat10")),
        Just(json!("0104601234567893215Abc000000001")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Up to three values of the sample replaced: the counted size and the verdict equal the
    /// built document's.
    #[test]
    fn counted_size_is_the_encoded_size(
        picks in proptest::collection::vec((any::<prop::sample::Index>(), leaf()), 1..4),
    ) {
        let mut v: serde_json::Value = serde_json::from_str(SAMPLE).expect("sample");
        for (pick, value) in picks {
            let mut all = Vec::new();
            collect_paths(&v, &mut Vec::new(), &mut all);
            let path = all[pick.index(all.len())].clone();
            if let Some(s) = pointer_mut(&mut v, &path) {
                *s = value;
            }
        }
        if let Ok(r) = json::parse(&v.to_string()) {
            let checked = same_size_both_ways(&r);
            prop_assert!(checked.is_ok(), "{:?}", checked);
        }
    }
}
