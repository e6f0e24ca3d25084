//! The field walk of the no-silent-drops tests (`no_silent_drops/`, `no_silent_drops_komtet.rs`,
//! `no_silent_drops_modulkassa.rs`, `no_silent_drops_ferma.rs`), included by each with `#[path]`:
//! paths written as `items[*].agent.type` (segments, matching with `[*]` captures,
//! substitution), reading, removing and inserting values at a path, the comparison of a wire
//! value with a receipt value as exact text, the tables' notation (`W` / `R` / `I`) and the
//! check of a maximal receipt against an adapter's table.
// Each test uses a part of these.
#![allow(dead_code)]

use fiskal_ffd::model::Receipt;
use fiskal_providers::{ProviderError, Submission};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// Paths.

/// One step of a JSON path: an object key, an array index, or `[*]` (any index).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Seg {
    Key(String),
    Idx(usize),
    Any,
}

pub(crate) fn segs(path: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        if !key.is_empty() {
            out.push(Seg::Key(key.to_owned()));
        }
        for ix in rest.split('[').filter(|s| !s.is_empty()) {
            let ix = ix.trim_end_matches(']');
            out.push(if ix == "*" {
                Seg::Any
            } else {
                Seg::Idx(ix.parse().expect("index"))
            });
        }
    }
    out
}

pub(crate) fn show(s: &[Seg]) -> String {
    let mut t = String::new();
    for g in s {
        match g {
            Seg::Key(k) if t.is_empty() => t.push_str(k),
            Seg::Key(k) => {
                t.push('.');
                t.push_str(k);
            }
            Seg::Idx(i) => t.push_str(&format!("[{i}]")),
            Seg::Any => t.push_str("[*]"),
        }
    }
    t
}

/// Every leaf path of a JSON value (`items[0].agent.type`).
pub(crate) fn leaves(v: &Value) -> Vec<String> {
    fn walk(v: &Value, p: &mut Vec<Seg>, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    p.push(Seg::Key(k.clone()));
                    walk(x, p, out);
                    p.pop();
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    p.push(Seg::Idx(i));
                    walk(x, p, out);
                    p.pop();
                }
            }
            _ => out.push(show(p)),
        }
    }
    let mut out = Vec::new();
    walk(v, &mut Vec::new(), &mut out);
    out
}

/// `pattern` matches the start of `path` (all of it when `whole`); the indices `[*]` stood for.
pub(crate) fn matches(pattern: &[Seg], path: &[Seg], whole: bool) -> Option<Vec<usize>> {
    if pattern.len() > path.len() || (whole && pattern.len() != path.len()) {
        return None;
    }
    let mut caps = Vec::new();
    for (a, b) in pattern.iter().zip(path) {
        match (a, b) {
            (Seg::Any, Seg::Idx(i)) => caps.push(*i),
            (x, y) if x == y => {}
            _ => return None,
        }
    }
    Some(caps)
}

pub(crate) fn subst(pattern: &str, caps: &[usize]) -> Vec<Seg> {
    let mut it = caps.iter();
    segs(pattern)
        .into_iter()
        .map(|s| match s {
            Seg::Any => Seg::Idx(*it.next().expect("as many [*] as captured")),
            other => other,
        })
        .collect()
}

pub(crate) fn get<'a>(v: &'a Value, p: &[Seg]) -> Option<&'a Value> {
    p.iter().try_fold(v, |v, s| match s {
        Seg::Key(k) => v.get(k.as_str()),
        Seg::Idx(i) => v.get(*i),
        Seg::Any => None,
    })
}

pub(crate) fn remove(v: &mut Value, p: &[Seg]) {
    let (last, parent) = p.split_last().expect("non-empty");
    let Some(parent) = parent.iter().try_fold(v, |v, s| match s {
        Seg::Key(k) => v.get_mut(k.as_str()),
        Seg::Idx(i) => v.get_mut(*i),
        Seg::Any => None,
    }) else {
        return;
    };
    match (last, parent) {
        (Seg::Key(k), Value::Object(m)) => {
            m.remove(k);
        }
        (Seg::Idx(i), Value::Array(a)) if *i < a.len() => {
            a.remove(*i);
        }
        _ => {}
    }
}

pub(crate) fn insert(v: &mut Value, p: &[Seg], x: Value) {
    let (last, parent) = p.split_last().expect("non-empty");
    let mut cur = v;
    for s in parent {
        cur = match s {
            Seg::Key(k) => {
                if cur.get(k.as_str()).is_none() {
                    cur[k.as_str()] = json!({});
                }
                &mut cur[k.as_str()]
            }
            Seg::Idx(i) => &mut cur[*i],
            Seg::Any => unreachable!(),
        };
    }
    match last {
        Seg::Key(k) => cur[k.as_str()] = x,
        Seg::Idx(i) => match cur {
            Value::Array(a) => a.insert((*i).min(a.len()), x),
            other => *other = json!([x]),
        },
        Seg::Any => unreachable!(),
    }
}

// ---------------------------------------------------------------------------------------------
// Value checks (wire value, receipt value).

pub(crate) type Check = fn(&Value, &Value) -> bool;

/// Scalar text, numbers compared as exact decimals (`250` = `"250.00"`).
pub(crate) fn text(v: &Value) -> String {
    let t = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let numeric = !t.is_empty()
        && t.chars().all(|c| c.is_ascii_digit() || c == '.')
        && t.matches('.').count() <= 1
        && matches!(v, Value::Number(_)) | t.contains('.');
    if numeric && t.contains('.') {
        t.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        t
    }
}

pub(crate) fn same(w: &Value, m: &Value) -> bool {
    text(w) == text(m)
}

/// A register code of a receipt value (`measure`, `planned_status`, ...), through its model
/// type `T`.
pub(crate) fn code_of<T: serde::de::DeserializeOwned>(m: &Value, f: fn(T) -> u8) -> Option<u8> {
    serde_json::from_value::<T>(m.clone()).ok().map(f)
}

/// The year, month, day and `hh:mm:ss` (midnight for a date) of a receipt date or date-time.
pub(crate) fn ymd(m: &Value) -> (String, String, String, String) {
    let t = text(m);
    (
        t[0..4].to_owned(),
        t[5..7].to_owned(),
        t[8..10].to_owned(),
        t.get(11..19).unwrap_or("00:00:00").to_owned(),
    )
}

/// The receipt of its serde JSON (a test receipt: fails the test if it does not parse).
/// The maximal receipts' item agent (1057, 1044–1026, 1224–1226): every field of the model set.
pub(crate) fn agent() -> Value {
    json!({
        "type": "commission_agent",
        "agent_info": {
            "operation": "Перевод",
            "phones": ["+79990000002"],
            "payment_operator_phones": ["+79990000003"],
            "transfer_operator_phones": ["+79990000004"],
            "transfer_operator_name": "ООО Оператор",
            "transfer_operator_address": "г. Москва, ул. Примерная, д. 2",
            "transfer_operator_inn": "7701000001"
        },
        "supplier": {"name": "ИП Сидоров", "phones": ["+79990000005"], "inn": "502712345651"}
    })
}

/// An industry requisite (1260/1261–1265) numbered `n`.
pub(crate) fn sectoral(n: &str) -> Value {
    json!({"fois_id": "020", "date": "01.01.2025", "number": n, "value": "рецепт"})
}

pub(crate) fn parse(v: &Value) -> Receipt {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("receipt JSON: {e}\n{v:#}"))
}

// ---------------------------------------------------------------------------------------------
// Tables: every leaf path of a maximal receipt named as sent (`W`), refused (`R`) or carried
// another way (`I`).

/// How an adapter treats one receipt field (a leaf, or a unit holding several).
#[derive(Clone, Copy)]
pub(crate) enum M {
    /// On the wire at this path.
    W(&'static str, Check),
    /// Refused, the error naming this path.
    R(&'static str),
    /// Reaches the register without a field of its own, for this reason.
    I(&'static str),
}
pub(crate) use M::{I, R, W};

/// An adapter's table: (receipt path, treatment).
pub(crate) type Table = Vec<(&'static str, M)>;

// ---------------------------------------------------------------------------------------------
// The adapter, as a function from a receipt to the wire root, and the check.

/// An adapter: the wire root it builds for a receipt, or its refusal.
pub(crate) type Build = Box<dyn Fn(&Receipt) -> Result<Value, ProviderError>>;

/// The submission of `r` every walk sends.
pub(crate) fn submission(r: &Receipt) -> Submission<'_> {
    Submission {
        document_id: "order-1001-sell-1",
        receipt: r,
        callback_url: None,
        timestamp: "2026-03-02T10:15:00".parse().expect("time"),
    }
}

/// Resolves `body.*.x`: `*` right after `body` is `receipt` or `correction`, whichever exists.
pub(crate) fn wire_get<'a>(root: &'a Value, path: &[Seg]) -> Option<&'a Value> {
    if path.len() > 1 && path[0] == Seg::Key("body".into()) && path[1] == Seg::Any {
        for k in ["receipt", "correction"] {
            let mut p = path.to_vec();
            p[1] = Seg::Key(k.into());
            if let Some(v) = get(root, &p) {
                return Some(v);
            }
        }
        return None;
    }
    get(root, path)
}

/// `body.*` keeps its `*` (not an index): substitute only the other `[*]`.
pub(crate) fn wire_path(pattern: &str, caps: &[usize]) -> Vec<Seg> {
    let body_star = pattern.starts_with("body.*.");
    let rest = if body_star { &pattern[7..] } else { pattern };
    let mut p = subst(rest, caps);
    if body_star {
        p.splice(0..0, [Seg::Key("body".into()), Seg::Any]);
    }
    p
}

/// Walks the maximal `receipt` against `table` (named `table_name` in failures): every leaf is
/// named; the receipt without the refused units is accepted and each accepted value is on the
/// wire as mapped; each refused unit, put back alone, is refused naming its error path (by the
/// adapter `provider`, when given). The accepted receipt (its serde JSON) is returned.
pub(crate) fn check_table(
    name: &str,
    receipt: Value,
    table: Table,
    build: Build,
    provider: Option<&str>,
    table_name: &str,
) -> Value {
    let model = serde_json::to_value(parse(&receipt)).expect("json");
    let table: Vec<(Vec<Seg>, M)> = table.into_iter().map(|(k, m)| (segs(k), m)).collect();
    // Classify every leaf.
    let mut accepted = Vec::new();
    let mut refused: Vec<(Vec<Seg>, Vec<Seg>)> = Vec::new(); // (unit, error path)
    let mut unnamed = Vec::new();
    for leaf in leaves(&model) {
        let path = segs(&leaf);
        let hit = table.iter().find_map(|(k, m)| {
            let whole = matches!(m, W(..));
            matches(k, &path, whole).map(|caps| (k, m, caps))
        });
        match hit {
            Some((k, R(err), caps)) => {
                let unit: Vec<Seg> = path[..k.len()].to_vec();
                let err = subst(err, &caps);
                if !refused.iter().any(|(u, _)| *u == unit) {
                    refused.push((unit, err));
                }
            }
            Some((_, m, caps)) => accepted.push((path, *m, caps)),
            None => unnamed.push(leaf),
        }
    }
    assert!(
        unnamed.is_empty(),
        "{name}: receipt fields {table_name} does not name (send them or refuse them): {unnamed:#?}"
    );
    // Without the refused units the receipt is accepted and every value is on the wire.
    let mut stripped = model.clone();
    for (unit, _) in refused.iter().rev() {
        remove(&mut stripped, unit);
    }
    let wire = build(&parse(&stripped))
        .unwrap_or_else(|e| panic!("{name}: the receipt without refused fields: {e:?}"));
    let mut wrong = Vec::new();
    for (path, m, caps) in &accepted {
        let value = get(&model, path).expect("leaf");
        if let W(wp, check) = m {
            let wp_segs = wire_path(wp, caps);
            match wire_get(&wire, &wp_segs) {
                Some(w) if check(w, value) => {}
                got => wrong.push(format!(
                    "{} = {value} → {} = {got:?}",
                    show(path),
                    show(&wp_segs)
                )),
            }
        } else if let I(reason) = m {
            assert!(!reason.is_empty(), "{name}: {} needs a reason", show(path));
        }
    }
    assert!(
        wrong.is_empty(),
        "{name}: not on the wire as mapped: {wrong:#?}\nwire: {wire:#}"
    );
    // Each refused unit, put back alone, is refused naming it.
    for (unit, err) in &refused {
        let mut one = stripped.clone();
        let original = get(&model, unit).expect("unit").clone();
        insert(&mut one, unit, original);
        match build(&parse(&one)) {
            Err(ProviderError::Unsupported {
                provider: by, path, ..
            }) if provider.iter().all(|p| *p == by) && path == show(err) => {}
            other => panic!(
                "{name}: `{}` must be refused naming `{}`, got {other:?}",
                show(unit),
                show(err)
            ),
        }
    }
    stripped
}
