//! What the Business.ru server is inferred to do with a request's parameters before hashing them
//! (inferred from the vendor SDK's history, <https://github.com/business-ru/open-api-sdk-php>:
//! bodies and signs that differed for two years; not confirmed by a public source): decode the JSON
//! (PHP `json_decode(…, true)`), `ksort` the top level, `json_encode(…, JSON_UNESCAPED_UNICODE)`,
//! append the secret, MD5.
//!
//! The decoding keeps what PHP keeps and loses what PHP loses: object key order (a repeated
//! key keeps its first position and its last value), integers as integers, every other number
//! as a double (so `1000.00` comes back as `1000`, `12.50` as `12.5`), an empty object as
//! `[]`, an object whose keys are `"0"…"n-1"` in order as a list.

use md5::{Digest, Md5};
use std::fmt::Write as _;

/// A decoded JSON value; numbers keep their source text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum J {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    pub(crate) fn get(&self, key: &str) -> Option<&J> {
        match self {
            J::Obj(kv) => kv.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            J::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A string or a number, as text.
    pub(crate) fn as_text(&self) -> Option<&str> {
        match self {
            J::Str(s) | J::Num(s) => Some(s),
            _ => None,
        }
    }

    /// Back to ordinary JSON (for answers that echo the command).
    pub(crate) fn to_value(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Num(n) => serde_json::from_str(n).unwrap_or(Value::Null),
            J::Str(s) => Value::String(s.clone()),
            J::Arr(a) => Value::Array(a.iter().map(J::to_value).collect()),
            J::Obj(kv) => {
                Value::Object(kv.iter().map(|(k, v)| (k.clone(), v.to_value())).collect())
            }
        }
    }
}

/// Parses JSON text (RFC 8259; nesting up to 64 levels).
pub(crate) fn parse(text: &[u8]) -> Option<J> {
    let s = std::str::from_utf8(text).ok()?;
    let mut p = Parser {
        b: s.as_bytes(),
        s,
        i: 0,
    };
    let v = p.value(0)?;
    p.ws();
    (p.i == p.b.len()).then_some(v)
}

struct Parser<'a> {
    b: &'a [u8],
    s: &'a str,
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while matches!(self.b.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn lit(&mut self, word: &str, v: J) -> Option<J> {
        if self.s.get(self.i..self.i + word.len()) == Some(word) {
            self.i += word.len();
            Some(v)
        } else {
            None
        }
    }

    fn value(&mut self, depth: usize) -> Option<J> {
        if depth > 64 {
            return None;
        }
        self.ws();
        match *self.b.get(self.i)? {
            b'n' => self.lit("null", J::Null),
            b't' => self.lit("true", J::Bool(true)),
            b'f' => self.lit("false", J::Bool(false)),
            b'"' => self.string().map(J::Str),
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                if self.eat(b']') {
                    return Some(J::Arr(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    if self.eat(b']') {
                        return Some(J::Arr(items));
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            b'{' => {
                self.i += 1;
                let mut kv: Vec<(String, J)> = Vec::new();
                if self.eat(b'}') {
                    return Some(J::Obj(kv));
                }
                loop {
                    self.ws();
                    let k = self.string()?;
                    if !self.eat(b':') {
                        return None;
                    }
                    let v = self.value(depth + 1)?;
                    match kv.iter_mut().find(|(kk, _)| *kk == k) {
                        Some(slot) => slot.1 = v,
                        None => kv.push((k, v)),
                    }
                    if self.eat(b'}') {
                        return Some(J::Obj(kv));
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn number(&mut self) -> Option<J> {
        let start = self.i;
        let digits = |p: &mut Self| {
            let s = p.i;
            while p.b.get(p.i).is_some_and(u8::is_ascii_digit) {
                p.i += 1;
            }
            p.i > s
        };
        if self.b.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        if self.b.get(self.i) == Some(&b'0') {
            self.i += 1;
        } else if !digits(self) {
            return None;
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            if !digits(self) {
                return None;
            }
        }
        if matches!(self.b.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.b.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !digits(self) {
                return None;
            }
        }
        Some(J::Num(self.s.get(start..self.i)?.to_owned()))
    }

    fn hex4(&mut self) -> Option<u32> {
        let h = self.s.get(self.i..self.i + 4)?;
        self.i += 4;
        u32::from_str_radix(h, 16).ok()
    }

    fn string(&mut self) -> Option<String> {
        if self.b.get(self.i) != Some(&b'"') {
            return None;
        }
        self.i += 1;
        let mut out = String::new();
        loop {
            let c = self.s.get(self.i..)?.chars().next()?;
            self.i += c.len_utf8();
            match c {
                '"' => return Some(out),
                '\\' => {
                    let e = *self.b.get(self.i)?;
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let cp = if (0xD800..0xDC00).contains(&hi) {
                                if self.s.get(self.i..self.i + 2) != Some("\\u") {
                                    return None;
                                }
                                self.i += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return None;
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            out.push(char::from_u32(cp)?);
                        }
                        _ => return None,
                    }
                }
                c if u32::from(c) < 0x20 => return None,
                c => out.push(c),
            }
        }
    }
}

/// PHP's text of a JSON number after `json_decode`: an integer literal that fits `i64` stays
/// as written (minus a `-0` sign); anything else is a double written the PHP ≥ 7.1 way
/// (`serialize_precision = -1`: shortest round-trip digits, no `.0`, exponent form below
/// 1e-4 and from 1e15 on, e.g. `1.0e-5`, `1.2e+15`).
pub(crate) fn php_number(text: &str) -> String {
    if !text.contains(['.', 'e', 'E']) {
        if let Ok(i) = text.parse::<i64>() {
            return i.to_string();
        }
    }
    let d: f64 = text.parse().unwrap_or(0.0);
    php_double(d)
}

fn php_double(d: f64) -> String {
    if d == 0.0 {
        return if d.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    let a = d.abs();
    if (1e-4..1e15).contains(&a) {
        return format!("{d}");
    }
    // Exponent form: shortest digits from `{:e}` (`1.2345e15`), written `1.2345e+15`.
    let e = format!("{d:e}");
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let mant = if mant.contains('.') {
        mant.to_owned()
    } else {
        format!("{mant}.0")
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    format!("{mant}e{}{}", if exp < 0 { '-' } else { '+' }, exp.abs())
}

/// `json_encode($v, JSON_UNESCAPED_UNICODE)` (or without the flag when `escaped`).
pub(crate) fn encode(v: &J, escaped: bool, out: &mut String) {
    match v {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Num(n) => out.push_str(&php_number(n)),
        J::Str(s) => encode_str(s, escaped, out),
        J::Arr(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode(x, escaped, out);
            }
            out.push(']');
        }
        J::Obj(kv) if kv.is_empty() => out.push_str("[]"),
        J::Obj(kv) if kv.iter().enumerate().all(|(i, (k, _))| *k == i.to_string()) => {
            let list = J::Arr(kv.iter().map(|(_, v)| v.clone()).collect());
            encode(&list, escaped, out);
        }
        J::Obj(kv) => {
            out.push('{');
            for (i, (k, x)) in kv.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode_str(k, escaped, out);
                out.push(':');
                encode(x, escaped, out);
            }
            out.push('}');
        }
    }
}

fn encode_str(s: &str, escaped: bool, out: &mut String) {
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
            c if u32::from(c) < 0x20 || matches!(c, '\u{2028}' | '\u{2029}') => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c if c.is_ascii() || !escaped => out.push(c),
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

/// The string the server hashes: the parameters with the top level sorted, PHP-encoded.
pub(crate) fn params_string(params: &[(String, J)], escaped: bool) -> String {
    let mut sorted: Vec<&(String, J)> = params.iter().collect();
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let obj = J::Obj(sorted.into_iter().cloned().collect());
    let mut out = String::with_capacity(256);
    encode(&obj, escaped, &mut out);
    out
}

/// `md5(text + secret)`, lower-case hex.
pub(crate) fn md5_hex(text: &[u8], secret: &str) -> String {
    let mut h = Md5::new();
    h.update(text);
    h.update(secret.as_bytes());
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_reencoding() {
        let v = parse(
            r#"{"b":1000.00,"a":"x\/y","c":{},"d":{"0":1,"1":2},"e":12.50,"f":1e-5,"g":-0}"#
                .as_bytes(),
        )
        .expect("json");
        let J::Obj(kv) = v else { panic!() };
        assert_eq!(
            params_string(&kv, false),
            r#"{"a":"x\/y","b":1000,"c":[],"d":[1,2],"e":12.5,"f":1.0e-5,"g":0}"#
        );
        // Vector shared with fiskal-providers (computed with Python's hashlib.md5).
        let v = parse(
            br#"{"nonce":"nonce_1700000000123","app_id":"d78c7aa5-8f2c-4b7a-9f9d-3f1f4a2b6c01"}"#,
        )
        .expect("json");
        let J::Obj(kv) = v else { panic!() };
        let s = params_string(&kv, false);
        assert_eq!(
            md5_hex(s.as_bytes(), "0123456789abcdef0123456789abcdef"),
            "b988c0fc2b0a81b4697a8c5aa401930e"
        );
    }

    #[test]
    fn strings_and_errors() {
        let v = parse("\"\\u041a\\ud83d\\ude00\u{2028}\"".as_bytes()).expect("json");
        let mut out = String::new();
        encode(&v, false, &mut out);
        assert_eq!(out, "\"К😀\\u2028\"");
        out.clear();
        encode(&v, true, &mut out);
        assert_eq!(out, "\"\\u041a\\ud83d\\ude00\\u2028\"");
        for bad in ["{", "[1,]", "\"\u{1}\"", "01", "{\"a\" 1}", "nul", "1 2"] {
            assert!(parse(bad.as_bytes()).is_none(), "{bad}");
        }
        assert_eq!(php_number("1.5e15"), "1.5e+15");
    }
}
