//! A small JSON tree whose numbers are kept as their exact decimal text, written compactly:
//! the request body is produced once, as the bytes that are signed and sent, and money never
//! passes through `f64`.

/// A JSON value with exact numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum J {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, as its JSON text (`110.98`, `1`, `0.347`).
    Num(String),
    /// A string.
    Str(String),
    /// An array.
    Arr(Vec<J>),
    /// An object, keys in the order given.
    Obj(Vec<(String, J)>),
}

impl J {
    /// A string value.
    pub fn str(s: impl Into<String>) -> J {
        J::Str(s.into())
    }

    /// An integer value.
    pub fn int(n: impl Into<i64>) -> J {
        J::Num(n.into().to_string())
    }

    /// Compact JSON text.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            J::Null => out.push_str("null"),
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Num(n) => out.push_str(n),
            J::Str(s) => write_str(out, s),
            J::Arr(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write(out);
                }
                out.push(']');
            }
            J::Obj(kv) => {
                out.push('{');
                for (i, (k, v)) in kv.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(out, k);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

/// A JSON string literal: `"` and `\` escaped, control characters as `\u00XX`, everything
/// else (Cyrillic included) as raw UTF-8.
fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Kopecks as the shortest exact decimal number of roubles: `11098` → `110.98`, `10000` →
/// `100`, `1250` → `12.5`.
pub fn kopecks_number(k: u64) -> String {
    let (r, c) = (k / 100, k % 100);
    match c {
        0 => r.to_string(),
        c if c % 10 == 0 => format!("{r}.{}", c / 10),
        c => format!("{r}.{c:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_numbers_and_escapes() {
        assert_eq!(kopecks_number(11098), "110.98");
        assert_eq!(kopecks_number(10000), "100");
        assert_eq!(kopecks_number(1250), "12.5");
        assert_eq!(kopecks_number(5), "0.05");
        assert_eq!(kopecks_number(0), "0");
        let j = J::Obj(vec![
            ("a".into(), J::Num("0.1".into())),
            ("s".into(), J::str("Чай \"1/2\"\u{1d}\\")),
            ("l".into(), J::Arr(vec![J::Bool(true), J::Null, J::int(7)])),
        ]);
        let text = j.encode();
        assert_eq!(
            text,
            "{\"a\":0.1,\"s\":\"Чай \\\"1/2\\\"\\u001d\\\\\",\"l\":[true,null,7]}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(back["s"], "Чай \"1/2\"\u{1d}\\");
    }
}
