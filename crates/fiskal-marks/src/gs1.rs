//! GS1 element strings as used by Честный ЗНАК: the application identifier (AI) table, the
//! parser, missing-GS recovery and the canonical rendering (tag 2000).
//!
//! The table below holds what mark codes contain. Lengths of 91, 92 and 93 are those of
//! Честный ЗНАК, not the general GS1 ones (which allow up to 90 characters): 91 «ключ
//! проверки» and 93 «код проверки» are 4 characters, 92 «код проверки» (crypto signature)
//! is 44 or 88 characters. GS1 character set 82 is accepted in 92 (the GS1 General
//! Specifications give AI 92 that set; a public shoe example, develop-1c.ru «Состав кода
//! маркировки», has `>`, `<`, `&`, `*`, `(`, `;`, `-` in its 88-character tail); a tail outside
//! Base64 is reported as [`Warning::CryptoNotBase64`].
//!
//! | AI | Value | Predefined length (no GS after it) |
//! |---|---|---|
//! | 00 | SSCC, 18 digits | yes |
//! | 01 | GTIN, 14 digits, check digit verified | yes |
//! | 02 | GTIN of contained goods, 14 digits | yes |
//! | 10 | batch, up to 20 characters | no |
//! | 11, 13, 15, 16, 17 | dates YYMMDD | yes |
//! | 20 | variant, 2 digits | yes |
//! | 21 | serial, up to 20 characters | no |
//! | 22 | consumer product variant, up to 20 | no |
//! | 240, 241 | additional id / customer part number, up to 30 | no |
//! | 30 | count, up to 8 digits | no |
//! | 3100–3105, 3150–3155 | net weight kg / volume l, 6 digits | yes |
//! | 7003 | expiry date and time YYMMDDHHMM | no |
//! | 8005 | price per unit (tobacco: МРЦ), 6 digits | no |
//! | 90 | internal, up to 30 | no |
//! | 91 | verification key, 4 characters (Честный ЗНАК) | no |
//! | 92 | crypto signature, 44 or 88 characters of GS1 set 82, normally Base64 (Честный ЗНАК) | no |
//! | 93 | verification code, 4 characters (Честный ЗНАК) | no |

use crate::check;
use crate::error::MarkError;
use crate::normalize::{Normalized, Warning, GS_BYTE};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Len {
    Fixed(usize),
    Var { max: usize },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Charset {
    Digits,
    /// GS1 "character set 82": digits, Latin letters and ``!"%&'()*+,-./:;<=>?_``.
    Cs82,
}

/// Membership table of GS1 character set 82, indexed by byte (bytes above 127 are not in it).
static CS82: [bool; 256] = {
    let mut table = [false; 256];
    let specials = b"!\"%&'()*+,-./:;<=>?_";
    let mut i = 0;
    while i < specials.len() {
        table[specials[i] as usize] = true;
        i += 1;
    }
    let mut b: u8 = 0;
    while b < 128 {
        if b.is_ascii_alphanumeric() {
            table[b as usize] = true;
        }
        b += 1;
    }
    table
};

/// Membership table of the Base64 alphabet (Latin letters, digits, `+`, `/`, `=`), by byte.
static BASE64: [bool; 256] = {
    let mut table = [false; 256];
    let mut b: u8 = 0;
    while b < 128 {
        table[b as usize] = b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=';
        b += 1;
    }
    table
};

/// Membership table of the ASCII digits, by byte.
static DIGITS: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = b'0';
    while b <= b'9' {
        table[b as usize] = true;
        b += 1;
    }
    table
};

/// Every byte but GS, by byte (to find the next GS with [`first_not_in`]).
pub(crate) static NOT_GS: [bool; 256] = {
    let mut table = [true; 256];
    table[GS_BYTE as usize] = false;
    table
};

/// Whether `b` is in GS1 character set 82.
pub(crate) fn is_cs82(b: u8) -> bool {
    CS82[usize::from(b)]
}

/// The index of the first byte of `bytes` that `table` does not admit. Blocks of 16 bytes are
/// checked without a branch per byte (one table load each, and-ed together); only a block
/// that holds such a byte is searched byte by byte. This is the hot loop of parsing: every
/// character of a code goes through it once or twice (character set, next GS).
pub(crate) fn first_not_in(bytes: &[u8], table: &[bool; 256]) -> Option<usize> {
    const BLOCK: usize = 16;
    let mut blocks = bytes.chunks_exact(BLOCK);
    let mut base = 0;
    for block in &mut blocks {
        if !block
            .iter()
            .fold(true, |all, &b| all & table[usize::from(b)])
        {
            break;
        }
        base += BLOCK;
    }
    bytes[base..]
        .iter()
        .position(|&b| !table[usize::from(b)])
        .map(|k| base + k)
}

/// `a == b` for the short AI strings, compared in line (no call to `memcmp`).
pub(crate) fn same_ai(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

impl Charset {
    fn allows(self, b: u8) -> bool {
        self.table()[usize::from(b)]
    }

    /// The membership table of the set.
    fn table(self) -> &'static [bool; 256] {
        match self {
            Self::Digits => &DIGITS,
            Self::Cs82 => &CS82,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Digits => "a digit",
            Self::Cs82 => "a GS1 character (Latin letter, digit or one of !\"%&'()*+,-./:;<=>?_)",
        }
    }
}

/// One row of the AI table.
#[derive(Debug)]
pub(crate) struct AiSpec {
    pub(crate) ai: &'static str,
    len: Len,
    charset: Charset,
    /// GS1 "predefined length" AIs are never followed by a separator.
    predefined: bool,
    /// What the value must be, in words (goes into errors).
    expected: &'static str,
}

macro_rules! ai_table {
    ($( $ai:literal $len:expr, $cs:ident, $pre:literal, $exp:literal; )*) => {
        &[ $( AiSpec { ai: $ai, len: $len, charset: Charset::$cs, predefined: $pre, expected: $exp } ),* ]
    };
}

const fn fixed(n: usize) -> Len {
    Len::Fixed(n)
}
const fn var(max: usize) -> Len {
    Len::Var { max }
}

static TABLE: &[AiSpec] = ai_table! {
    "00" fixed(18), Digits, true, "18 digits of the SSCC (AI 00)";
    "01" fixed(14), Digits, true, "14 digits of the GTIN (AI 01)";
    "02" fixed(14), Digits, true, "14 digits of the contained GTIN (AI 02)";
    "10" var(20), Cs82, false, "a batch number of 1 to 20 characters (AI 10)";
    "11" fixed(6), Digits, true, "a production date YYMMDD (AI 11)";
    "13" fixed(6), Digits, true, "a packaging date YYMMDD (AI 13)";
    "15" fixed(6), Digits, true, "a best-before date YYMMDD (AI 15)";
    "16" fixed(6), Digits, true, "a sell-by date YYMMDD (AI 16)";
    "17" fixed(6), Digits, true, "an expiry date YYMMDD (AI 17)";
    "20" fixed(2), Digits, true, "2 digits of the variant (AI 20)";
    "21" var(20), Cs82, false, "a serial number of 1 to 20 characters (AI 21)";
    "22" var(20), Cs82, false, "1 to 20 characters (AI 22)";
    "240" var(30), Cs82, false, "1 to 30 characters (AI 240)";
    "241" var(30), Cs82, false, "1 to 30 characters (AI 241)";
    "30" var(8), Digits, false, "a count of 1 to 8 digits (AI 30)";
    "3100" fixed(6), Digits, true, "6 digits of net weight (AI 3100)";
    "3101" fixed(6), Digits, true, "6 digits of net weight (AI 3101)";
    "3102" fixed(6), Digits, true, "6 digits of net weight (AI 3102)";
    "3103" fixed(6), Digits, true, "6 digits of net weight (AI 3103)";
    "3104" fixed(6), Digits, true, "6 digits of net weight (AI 3104)";
    "3105" fixed(6), Digits, true, "6 digits of net weight (AI 3105)";
    "3150" fixed(6), Digits, true, "6 digits of net volume (AI 3150)";
    "3151" fixed(6), Digits, true, "6 digits of net volume (AI 3151)";
    "3152" fixed(6), Digits, true, "6 digits of net volume (AI 3152)";
    "3153" fixed(6), Digits, true, "6 digits of net volume (AI 3153)";
    "3154" fixed(6), Digits, true, "6 digits of net volume (AI 3154)";
    "3155" fixed(6), Digits, true, "6 digits of net volume (AI 3155)";
    "7003" fixed(10), Digits, false, "an expiry date and time YYMMDDHHMM (AI 7003)";
    "8005" fixed(6), Digits, false, "6 digits of the price (AI 8005)";
    "90" var(30), Cs82, false, "1 to 30 characters (AI 90)";
    "91" fixed(4), Cs82, false, "4 characters of the verification key (AI 91)";
    "92" var(88), Cs82, false, "44 or 88 characters of the crypto signature (AI 92)";
    "93" fixed(4), Cs82, false, "4 characters of the verification code (AI 93)";
};

/// Serial lengths of the product groups, tried in this order when GS is missing:
/// 13 (shoes, clothing, tyres, perfume, medicines, water, photo …), 7 (tobacco blocks,
/// beer), 6 (milk).
pub(crate) const SERIAL_LENGTHS: [usize; 3] = [13, 7, 6];

/// Whether `ai` is exactly an application identifier of the table.
pub(crate) fn is_known_ai(ai: &[u8]) -> bool {
    TABLE.iter().any(|spec| spec.ai.as_bytes() == ai)
}

/// For each two-digit start `00`–`99`, the rows of [`TABLE`] whose AI begins with it, as a range
/// `start..end` of row indices (the table is sorted, so they are adjacent; `0..0` when none).
static BY_FIRST_TWO: [(usize, usize); 100] = {
    let mut index = [(0usize, 0usize); 100];
    let mut row = 0;
    while row < TABLE.len() {
        let ai = TABLE[row].ai.as_bytes();
        let two = ((ai[0] - b'0') as usize) * 10 + (ai[1] - b'0') as usize;
        if index[two].1 == 0 {
            index[two].0 = row;
        }
        index[two].1 = row + 1;
        row += 1;
    }
    index
};

fn lookup(rest: &[u8]) -> Option<&'static AiSpec> {
    let [a, b, ..] = rest else { return None };
    if !a.is_ascii_digit() || !b.is_ascii_digit() {
        return None;
    }
    let (start, end) = BY_FIRST_TWO[usize::from(a - b'0') * 10 + usize::from(b - b'0')];
    // No AI in the table is a prefix of another, so the first match is the only one.
    TABLE[start..end].iter().find(|spec| {
        let ai = spec.ai.as_bytes();
        rest.len() >= ai.len() && ai.iter().zip(rest).all(|(x, y)| x == y)
    })
}

/// The warning for a crypto signature (AI 92) with characters outside Base64, if any.
pub(crate) fn crypto_warning(n: &Normalized, elements: &[RawElement]) -> Option<Warning> {
    let e = elements.iter().find(|e| same_ai(e.spec.ai, "92"))?;
    let at = e.start + first_not_in(&n.body[e.start..e.end], &BASE64)?;
    Some(Warning::CryptoNotBase64 {
        position: n.pos(at),
    })
}

/// An element found in the normalised body (value `body[start..end]`), and after rendering
/// in the canonical code (value `code[start..end]`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawElement {
    pub(crate) spec: &'static AiSpec,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

impl PartialEq for RawElement {
    fn eq(&self, other: &Self) -> bool {
        // One row per AI in the table: the same row is the same AI.
        std::ptr::eq(self.spec, other.spec) && self.start == other.start && self.end == other.end
    }
}

impl Eq for RawElement {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The body has GS separators: variable-length values end at GS or at the end.
    Strict,
    /// No GS anywhere: boundaries come from fixed lengths and the product-group layouts.
    NoGs { recover_serial: bool },
}

/// Parses the whole normalised body as GS1 elements.
pub(crate) fn parse(n: &Normalized) -> Result<(Vec<RawElement>, Option<Warning>), MarkError> {
    let mode = if n.has_gs() {
        Mode::Strict
    } else {
        Mode::NoGs {
            recover_serial: true,
        }
    };
    let mut out = Vec::with_capacity(5);
    let mut recovered = None;
    run(n, 0, mode, &mut out, &mut recovered)?;
    if !out.iter().any(|e| same_ai(e.spec.ai, "01")) {
        return Err(MarkError::MissingAi { ai: "01" });
    }
    let warning = recovered.map(|(at, serial_length)| Warning::SeparatorRecovered {
        position: n.pos(at),
        serial_length,
    });
    Ok((out, warning))
}

fn run(
    n: &Normalized,
    from: usize,
    mode: Mode,
    out: &mut Vec<RawElement>,
    recovered: &mut Option<(usize, usize)>,
) -> Result<(), MarkError> {
    let body = &n.body;
    let end = body.len();
    let mut i = from;
    while i < end {
        let Some(spec) = lookup(&body[i..]) else {
            return Err(no_ai_error(n, i));
        };
        if mode
            == (Mode::NoGs {
                recover_serial: false,
            })
            && !is_tail_ai(spec.ai)
        {
            return Err(MarkError::UnknownAi { position: n.pos(i) });
        }
        if out.iter().any(|e| std::ptr::eq(e.spec, spec)) {
            return Err(MarkError::DuplicateAi {
                position: n.pos(i),
                ai: spec.ai,
            });
        }
        let start = i + spec.ai.len();
        let value_end = match spec.len {
            Len::Fixed(len) => {
                if start + len > end {
                    // Report the first character that is not there (or is a GS).
                    check_chars(n, spec, start, end)?;
                    return Err(MarkError::Truncated {
                        position: n.pos(end),
                        expected: spec.expected,
                    });
                }
                start + len
            }
            Len::Var { max } => {
                let to_gs = if n.has_gs() {
                    first_not_in(&body[start..], &NOT_GS).map_or(end, |p| start + p)
                } else {
                    end
                };
                match mode {
                    Mode::Strict => to_gs,
                    Mode::NoGs {
                        recover_serial: true,
                    } if spec.ai == "21" => {
                        let (value_end, was_recovered) = recover_serial(n, start, out)?;
                        if was_recovered {
                            *recovered = Some((value_end, value_end - start));
                        }
                        value_end
                    }
                    // 92 is always the last element of a Честный ЗНАК code.
                    Mode::NoGs { .. } if spec.ai == "92" => end,
                    // In a candidate tail a variable-length value would swallow anything and
                    // make every candidate fit; the tails of the product groups have none.
                    Mode::NoGs {
                        recover_serial: false,
                    } => {
                        return Err(MarkError::MissingSeparator {
                            position: n.pos(start),
                        });
                    }
                    Mode::NoGs {
                        recover_serial: true,
                    } => {
                        if end - start > max {
                            return Err(MarkError::MissingSeparator {
                                position: n.pos(start),
                            });
                        }
                        end
                    }
                }
            }
        };
        check_chars(n, spec, start, value_end)?;
        check_value(n, spec, start, value_end)?;
        out.push(RawElement {
            spec,
            start,
            end: value_end,
        });
        i = value_end;
        if i < end && body[i] == GS_BYTE {
            i += 1;
        }
    }
    Ok(())
}

fn no_ai_error(n: &Normalized, i: usize) -> MarkError {
    let body = &n.body;
    let digits = body[i..]
        .iter()
        .take(4)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 {
        let found = char::from(body[i]);
        MarkError::UnexpectedChar {
            position: n.pos(i),
            found,
            expected: "a GS1 application identifier (digits)",
        }
    } else if i + digits == body.len() && digits < 4 {
        // Could still be the start of a known AI: the code was cut here.
        MarkError::Truncated {
            position: n.pos(body.len()),
            expected: "a GS1 application identifier",
        }
    } else {
        MarkError::UnknownAi { position: n.pos(i) }
    }
}

fn check_chars(n: &Normalized, spec: &AiSpec, start: usize, end: usize) -> Result<(), MarkError> {
    let value = &n.body[start..end];
    match first_not_in(value, spec.charset.table()) {
        None => Ok(()),
        Some(k) => Err(MarkError::UnexpectedChar {
            position: n.pos(start + k),
            found: char::from(value[k]),
            expected: spec.charset.describe(),
        }),
    }
}

fn check_value(n: &Normalized, spec: &AiSpec, start: usize, end: usize) -> Result<(), MarkError> {
    let length = end - start;
    let bad_length = |expected| MarkError::BadLength {
        position: n.pos(start),
        ai: spec.ai,
        length,
        expected,
    };
    match spec.len {
        Len::Var { .. } if length == 0 => return Err(bad_length(spec.expected)),
        Len::Var { max } if length > max => return Err(bad_length(spec.expected)),
        _ => {}
    }
    match spec.ai.as_bytes() {
        b"01" | b"02" => check::verify(&n.body[start..end]).map_err(|(expected, found)| {
            MarkError::BadCheckDigit {
                position: n.pos(end - 1),
                expected,
                found,
            }
        }),
        b"92" if length != 44 && length != 88 => Err(bad_length(spec.expected)),
        _ => Ok(()),
    }
}

/// Finds the end of the serial when the code has no GS at all.
///
/// A serial length from [`SERIAL_LENGTHS`] is a candidate if the rest of the code parses as
/// a product-group tail: fixed-length elements among 91, 93, 8005, 17, 7003, 310n, 315n
/// and a final 92 of 44 or 88 characters, with at least one of 91/92/93 (91+92, 93,
/// 8005+93, 93+3103 …). Exactly one candidate is needed; two or more is
/// an ambiguity, reported as an error rather than guessed. With no candidate the whole rest
/// is the serial (a bare identification code «КИ» `01…21…` has no tail) if it fits in 20
/// characters.
///
/// A tail candidate wins over "the whole rest is a bare 13-character serial": a beer code
/// without GS (7 + `93` + 4 = 13 characters after `21`) is far more common input than a КИ
/// whose serial happens to hold `91`/`93` + 4 characters at offset 6 or 7, and the
/// recovery is reported as a warning either way.
fn recover_serial(
    n: &Normalized,
    start: usize,
    before: &[RawElement],
) -> Result<(usize, bool), MarkError> {
    let end = n.body.len();
    let rest = end - start;
    let serial_ok = |len: usize| {
        n.body[start..start + len]
            .iter()
            .all(|&b| Charset::Cs82.allows(b))
    };
    let mut candidate = None;
    let mut count = 0;
    for len in SERIAL_LENGTHS {
        if len < rest && serial_ok(len) && tail_parses(n, start, len, before) {
            count += 1;
            candidate = Some(len);
        }
    }
    match (count, candidate) {
        (0, _) if rest <= 20 => Ok((end, false)),
        (0, _) => Err(MarkError::MissingSeparator {
            position: n.pos(start),
        }),
        (1, Some(len)) => Ok((start + len, true)),
        _ => Err(MarkError::AmbiguousSeparator {
            position: n.pos(start),
        }),
    }
}

/// AIs that follow the serial in the product-group layouts (see [`crate::ProductGroup`] for
/// the layouts and their public sources).
fn is_tail_ai(ai: &str) -> bool {
    matches!(ai, "91" | "92" | "93" | "8005" | "17" | "7003")
        || ai.starts_with("310")
        || ai.starts_with("315")
}

/// Whether the code from `start + len` on is a product-group tail: only [`is_tail_ai`]
/// elements, at least one of them 91, 92 or 93, nothing left over.
fn tail_parses(n: &Normalized, start: usize, len: usize, before: &[RawElement]) -> bool {
    let mut scratch = before.to_vec();
    if let Some(serial) = lookup(b"21") {
        scratch.push(RawElement {
            spec: serial,
            start,
            end: start + len,
        });
    }
    let known = scratch.len();
    let mut ignored = None;
    run(
        n,
        start + len,
        Mode::NoGs {
            recover_serial: false,
        },
        &mut scratch,
        &mut ignored,
    )
    .is_ok()
        && scratch[known..]
            .iter()
            .any(|e| matches!(e.spec.ai, "91" | "92" | "93"))
}

/// Renders elements canonically: AI + value, with GS after every element whose AI is not of
/// predefined length, except the last. Returns the string and the elements with their values'
/// places in it.
///
/// A scan is usually canonical already (GS exactly where the form wants one): then the body
/// itself becomes the string and the elements keep their places, with no copy.
pub(crate) fn render(body: Vec<u8>, mut elements: Vec<RawElement>) -> (String, Vec<RawElement>) {
    let last = elements.len().saturating_sub(1);
    // Where each value starts in the canonical form; the body is canonical when every value
    // is already there and nothing follows the last (between two values the body has the AI
    // and at most one GS, so equal places mean equal bytes).
    let mut at = 0;
    let mut canonical = true;
    for (k, e) in elements.iter().enumerate() {
        at += e.spec.ai.len();
        canonical &= e.start == at;
        at += e.end - e.start;
        if k < last && !e.spec.predefined {
            at += 1;
        }
    }
    canonical &= at == body.len();
    let code = if canonical {
        body
    } else {
        let mut code = Vec::with_capacity(at);
        for (k, e) in elements.iter_mut().enumerate() {
            code.extend_from_slice(e.spec.ai.as_bytes());
            let start = code.len();
            code.extend_from_slice(&body[e.start..e.end]);
            *e = RawElement {
                spec: e.spec,
                start,
                end: code.len(),
            };
            if k < last && !e.spec.predefined {
                code.push(GS_BYTE);
            }
        }
        code
    };
    // Values are ASCII (checked against the charsets), so this never falls back.
    (String::from_utf8(code).unwrap_or_default(), elements)
}

#[cfg(test)]
mod tests;
