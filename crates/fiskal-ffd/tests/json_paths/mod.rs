//! Paths into a JSON value, shared by the property tests that replace one value of a receipt
//! (`properties.rs`, `size_rule.rs`).

/// Every path in `v` (object keys, array indices as text), the root's empty path first.
pub(crate) fn collect_paths(
    v: &serde_json::Value,
    cur: &mut Vec<String>,
    out: &mut Vec<Vec<String>>,
) {
    out.push(cur.clone());
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                cur.push(k.clone());
                collect_paths(x, cur, out);
                cur.pop();
            }
        }
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                cur.push(i.to_string());
                collect_paths(x, cur, out);
                cur.pop();
            }
        }
        _ => {}
    }
}

/// The value at `path` in `v`, to be replaced; `None` when the path does not lead anywhere.
pub(crate) fn pointer_mut<'a>(
    v: &'a mut serde_json::Value,
    path: &[String],
) -> Option<&'a mut serde_json::Value> {
    let mut cur = v;
    for p in path {
        cur = match cur {
            serde_json::Value::Object(m) => m.get_mut(p)?,
            serde_json::Value::Array(a) => a.get_mut(p.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}
