//! PHP-`json_encode`-compatible JSON text and the Open API request signature (the vendor SDK's
//! `OpenClient::getSign`, <https://github.com/business-ru/open-api-sdk-php>).
//!
//! The signature is `md5(params_string + secret)` as 32 lower-case hex digits, where
//! `params_string` is what the vendor's PHP code produces with
//! `ksort($params); json_encode($params, JSON_UNESCAPED_UNICODE)`:
//!
//! * the **top-level** keys sorted byte-wise ascending; nested objects keep their order;
//! * compact (no spaces);
//! * strings: `"` → `\"`, `\` → `\\`, **`/` → `\/`** (PHP escapes slashes by default),
//!   `\b \f \n \r \t` short forms, other controls below U+0020 as `\u00xx` (lower-case hex),
//!   U+2028 / U+2029 as `\u2028` / `\u2029` (PHP ≥ 7.1 keeps escaping them without
//!   `JSON_UNESCAPED_LINE_TERMINATORS`), everything else raw UTF-8 — or, with
//!   [`UnicodeEscaping::Escaped`] (plain `json_encode($params)`, as one vendor SDK release
//!   signs), every non-ASCII character as `\uxxxx` (UTF-16, surrogate pairs);
//! * numbers as PHP re-encodes a decoded value: integers as integers, decimals without
//!   trailing zeros (`1000`, `12.5`, never `1000.00` or `1000.0`) — see [`number_kopecks`].
//!
//! The client sends **exactly the signed bytes** as the POST body, so a server that hashes the
//! raw body and one that decodes, re-sorts and re-encodes both see the same string.

use md5::{Digest, Md5};
use std::fmt::Write as _;

/// How non-ASCII characters are written (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum UnicodeEscaping {
    /// `JSON_UNESCAPED_UNICODE`: raw UTF-8 (the 2017 connector and SDK 1.0.10). Default.
    #[default]
    Raw,
    /// PHP's default: `\uxxxx` escapes.
    Escaped,
}

/// A JSON value written the PHP way. Object keys keep the order given (sort the top level
/// with [`Php::sorted`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Php {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, as its final text (produce it with [`number_kopecks`], [`number_decimal`] or
    /// an integer's `to_string`).
    Num(String),
    /// A string.
    Str(String),
    /// A list.
    Arr(Vec<Php>),
    /// An object, keys in this order.
    Obj(Vec<(String, Php)>),
    /// Already-encoded PHP JSON text, inserted as is (a pre-built `command`).
    Raw(String),
}

impl Php {
    /// A string value.
    pub fn str(s: impl Into<String>) -> Php {
        Php::Str(s.into())
    }

    /// An integer value.
    pub fn int(n: impl Into<i64>) -> Php {
        Php::Num(n.into().to_string())
    }

    /// The same object with its keys sorted byte-wise (PHP `ksort` on string keys); other
    /// values unchanged.
    pub fn sorted(self) -> Php {
        match self {
            Php::Obj(mut kv) => {
                kv.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
                Php::Obj(kv)
            }
            other => other,
        }
    }

    /// The compact PHP JSON text.
    pub fn encode(&self, esc: UnicodeEscaping) -> String {
        let mut out = String::with_capacity(256);
        self.write(&mut out, esc);
        out
    }

    fn write(&self, out: &mut String, esc: UnicodeEscaping) {
        match self {
            Php::Null => out.push_str("null"),
            Php::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Php::Num(n) | Php::Raw(n) => out.push_str(n),
            Php::Str(s) => write_str(out, s, esc),
            Php::Arr(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write(out, esc);
                }
                out.push(']');
            }
            Php::Obj(kv) => {
                out.push('{');
                for (i, (k, v)) in kv.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(out, k, esc);
                    out.push(':');
                    v.write(out, esc);
                }
                out.push('}');
            }
        }
    }
}

/// Writes a JSON string the way PHP's `json_encode` does (see the module docs).
pub fn write_str(out: &mut String, s: &str, esc: UnicodeEscaping) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c if c.is_ascii() => out.push(c),
            '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c if esc == UnicodeEscaping::Raw => out.push(c),
            c => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

/// Kopecks as the number PHP writes for the decoded amount: `100000` → `1000`, `1250` →
/// `12.5`, `1` → `0.01`.
pub fn number_kopecks(k: u64) -> String {
    let (r, c) = (k / 100, k % 100);
    match c {
        0 => r.to_string(),
        c if c % 10 == 0 => format!("{r}.{}", c / 10),
        c => format!("{r}.{c:02}"),
    }
}

/// A non-negative decimal text (`"0.3470"`, `"2"`, `"1.500"`) in PHP's form: trailing
/// fractional zeros and a bare dot removed.
pub fn number_decimal(text: &str) -> String {
    if let Some((int, frac)) = text.split_once('.') {
        let frac = frac.trim_end_matches('0');
        if frac.is_empty() {
            int.to_owned()
        } else {
            format!("{int}.{frac}")
        }
    } else {
        text.to_owned()
    }
}

/// `md5(params_string + secret)` as 32 lower-case hex digits.
pub fn sign(params_string: &str, secret: &str) -> String {
    let mut h = Md5::new();
    h.update(params_string.as_bytes());
    h.update(secret.as_bytes());
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected strings and digests computed independently with Python's `hashlib.md5` over a
    // PHP-`json_encode` re-implementation (ksort of the top level, `\/`, `\u00xx` controls,
    // `\u2028`, raw or `\u`-escaped non-ASCII with surrogate pairs):
    //
    //   sign({'nonce':'nonce_1700000000123','app_id':'d78c7aa5-8f2c-4b7a-9f9d-3f1f4a2b6c01'},
    //        '0123456789abcdef0123456789abcdef')
    //   -> b988c0fc2b0a81b4697a8c5aa401930e
    //   sign({... 'printCheck' envelope below ...}, 'sekret')        -> ab301dbcdeffc27e1eb31b14f8f7e6f0
    //   sign({... same ...}, 'sekret', unescaped_unicode=False)       -> 70a84657c6c0fc0b93164277f0a74013

    #[test]
    fn token_params_vector() {
        let p = Php::Obj(vec![
            ("nonce".into(), Php::str("nonce_1700000000123")),
            (
                "app_id".into(),
                Php::str("d78c7aa5-8f2c-4b7a-9f9d-3f1f4a2b6c01"),
            ),
        ])
        .sorted();
        let s = p.encode(UnicodeEscaping::Raw);
        assert_eq!(
            s,
            r#"{"app_id":"d78c7aa5-8f2c-4b7a-9f9d-3f1f4a2b6c01","nonce":"nonce_1700000000123"}"#
        );
        assert_eq!(
            sign(&s, "0123456789abcdef0123456789abcdef"),
            "b988c0fc2b0a81b4697a8c5aa401930e"
        );
    }

    fn envelope() -> Php {
        Php::Obj(vec![
            ("type".into(), Php::str("printCheck")),
            ("token".into(), Php::str("tok/1")),
            ("nonce".into(), Php::str("n")),
            ("app_id".into(), Php::str("a")),
            (
                "command".into(),
                Php::Obj(vec![
                    ("author".into(), Php::str("Кассир \"Ё\"")),
                    ("name".into(), Php::str("a/b\\c\n\t\u{1}\u{2028}😀")),
                    ("sum".into(), Php::Num(number_kopecks(1250))),
                    ("count".into(), Php::Num(number_decimal("1.000"))),
                    ("ok".into(), Php::Bool(true)),
                    ("x".into(), Php::Null),
                ]),
            ),
        ])
        .sorted()
    }

    #[test]
    fn command_envelope_vector_raw_unicode() {
        let s = envelope().encode(UnicodeEscaping::Raw);
        assert_eq!(
            s,
            "{\"app_id\":\"a\",\"command\":{\"author\":\"Кассир \\\"Ё\\\"\",\"name\":\"a\\/b\\\\c\\n\\t\\u0001\\u2028😀\",\"sum\":12.5,\"count\":1,\"ok\":true,\"x\":null},\"nonce\":\"n\",\"token\":\"tok\\/1\",\"type\":\"printCheck\"}"
        );
        assert_eq!(sign(&s, "sekret"), "ab301dbcdeffc27e1eb31b14f8f7e6f0");
    }

    #[test]
    fn command_envelope_vector_escaped_unicode() {
        let s = envelope().encode(UnicodeEscaping::Escaped);
        assert!(s.contains(r#""author":"\u041a\u0430\u0441\u0441\u0438\u0440 \"\u0401\"""#));
        assert!(s.contains(r"\ud83d\ude00"));
        assert_eq!(sign(&s, "sekret"), "70a84657c6c0fc0b93164277f0a74013");
    }

    #[test]
    fn numbers_are_php_canonical() {
        assert_eq!(number_kopecks(100_000), "1000");
        assert_eq!(number_kopecks(1250), "12.5");
        assert_eq!(number_kopecks(1), "0.01");
        assert_eq!(number_kopecks(10), "0.1");
        assert_eq!(number_kopecks(31_195), "311.95");
        assert_eq!(number_decimal("0.3470"), "0.347");
        assert_eq!(number_decimal("2.000"), "2");
        assert_eq!(number_decimal("5"), "5");
    }
}
