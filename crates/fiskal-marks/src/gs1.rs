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
use crate::normalize::{Normalized, Warning, GS, GS_BYTE};

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

mod bytes;
pub(crate) use bytes::{first_outside, is_base64, is_cs82, is_digit, BLOCK};

impl Charset {
    /// The first place in `from..to` of a byte of `bytes` outside the set (see
    /// [`first_outside`]).
    #[inline]
    fn first_outside(self, bytes: &[u8], from: usize, to: usize) -> Option<usize> {
        match self {
            Self::Digits => first_outside(bytes, from, to, is_digit),
            Self::Cs82 => first_outside(bytes, from, to, is_cs82),
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

/// The row of `ai` in [`TABLE`], found when the crate is compiled (an AI that is not in the
/// table does not compile).
#[allow(clippy::cast_possible_truncation)] // the table has 33 rows
const fn row_of(ai: &str) -> u8 {
    let ai = ai.as_bytes();
    let mut row = 0;
    while row < TABLE.len() {
        let have = TABLE[row].ai.as_bytes();
        if have.len() == ai.len() {
            let mut k = 0;
            while k < ai.len() && have[k] == ai[k] {
                k += 1;
            }
            if k == ai.len() {
                return row as u8;
            }
        }
        row += 1;
    }
    panic!("the AI is not in the table");
}

/// Row of AI 01 (GTIN) in [`TABLE`].
pub(crate) const ROW_01: u8 = row_of("01");
/// Row of AI 21 (serial) in [`TABLE`].
pub(crate) const ROW_21: u8 = row_of("21");
/// Row of AI 92 (crypto signature) in [`TABLE`].
pub(crate) const ROW_92: u8 = row_of("92");
/// Row of AI 8005 (price) in [`TABLE`].
pub(crate) const ROW_8005: u8 = row_of("8005");
/// Row of AI 02 (contained GTIN) in [`TABLE`].
const ROW_02: u8 = row_of("02");
/// Rows of the other AIs the crate asks for by name (product group, mark type).
const ROW_91: u8 = row_of("91");
const ROW_93: u8 = row_of("93");
const ROW_17: u8 = row_of("17");
const ROW_10: u8 = row_of("10");
const ROW_240: u8 = row_of("240");

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

/// The row of [`TABLE`] of the AI that `rest` starts with.
#[inline]
fn lookup(rest: &[u8]) -> Option<usize> {
    let [a, b, ..] = rest else { return None };
    if !a.is_ascii_digit() || !b.is_ascii_digit() {
        return None;
    }
    let (start, end) = BY_FIRST_TWO[usize::from(a - b'0') * 10 + usize::from(b - b'0')];
    // No AI in the table is a prefix of another, so the first match is the only one.
    (start..end).find(|&row| {
        let ai = TABLE[row].ai.as_bytes();
        rest.len() >= ai.len() && ai.iter().zip(rest).all(|(x, y)| x == y)
    })
}

/// The row of [`TABLE`] of exactly `ai`. In line, with the AIs the crate asks for by name
/// written out, so that for those it is a constant.
#[inline(always)]
pub(crate) fn row_of_ai(ai: &str) -> Option<u8> {
    let named = match ai {
        "01" => Some(ROW_01),
        "21" => Some(ROW_21),
        "92" => Some(ROW_92),
        "8005" => Some(ROW_8005),
        "91" => Some(ROW_91),
        "93" => Some(ROW_93),
        "17" => Some(ROW_17),
        "10" => Some(ROW_10),
        "240" => Some(ROW_240),
        _ => None,
    };
    if named.is_some() {
        return named;
    }
    lookup(ai.as_bytes())
        .filter(|&row| TABLE[row].ai.len() == ai.len())
        .and_then(|row| u8::try_from(row).ok())
}

/// An element found in the normalised body (value `body[start..end]`), and after rendering
/// in the canonical code (value `code[start..end]`): its row of [`TABLE`] and its value's
/// place, in 6 bytes (a body is at most 256 characters, a rendered code at most 256 + 33).
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct RawElement {
    row: u8,
    start: u16,
    end: u16,
}

impl RawElement {
    /// The element of table row `row` with its value at `start..end`.
    fn new(row: usize, start: usize, end: usize) -> Self {
        // Rows are below 33 and places below 300 (see above): these never saturate.
        Self {
            row: u8::try_from(row).unwrap_or(u8::MAX),
            start: u16::try_from(start).unwrap_or(u16::MAX),
            end: u16::try_from(end).unwrap_or(u16::MAX),
        }
    }

    /// Its row of the AI table.
    pub(crate) fn spec(self) -> &'static AiSpec {
        &TABLE[usize::from(self.row)]
    }

    /// Its row index in the AI table (one row per AI).
    pub(crate) fn row(self) -> u8 {
        self.row
    }

    /// Where its value starts.
    pub(crate) fn start(self) -> usize {
        usize::from(self.start)
    }

    /// Where its value ends.
    pub(crate) fn end(self) -> usize {
        usize::from(self.end)
    }

    /// The length of its value.
    pub(crate) fn len(self) -> usize {
        self.end() - self.start()
    }
}

impl std::fmt::Debug for RawElement {
    /// As the derived form of the earlier `{ spec, start, end }` layout.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawElement")
            .field("spec", self.spec())
            .field("start", &self.start())
            .field("end", &self.end())
            .finish()
    }
}

/// Elements kept in line up to this many; every Честный ЗНАК layout has 2 to 5.
const INLINE: usize = 8;

/// The elements of a code in code order: in line up to [`INLINE`] of them (no allocation for
/// a mark code), on the heap beyond (a code holds each AI at most once: 33 at most).
#[derive(Clone)]
pub(crate) enum Elements {
    /// `items[..len]`.
    Inline {
        items: [RawElement; INLINE],
        len: u8,
    },
    /// More than [`INLINE`].
    Heap(Vec<RawElement>),
}

impl Elements {
    /// No elements.
    pub(crate) fn new() -> Self {
        Self::Inline {
            items: [RawElement::default(); INLINE],
            len: 0,
        }
    }

    /// Appends one.
    #[inline]
    fn push(&mut self, e: RawElement) {
        match self {
            Self::Inline { items, len } => match items.get_mut(usize::from(*len)) {
                Some(slot) => {
                    *slot = e;
                    *len += 1;
                }
                None => {
                    let mut heap = Vec::with_capacity(2 * INLINE);
                    heap.extend_from_slice(items);
                    heap.push(e);
                    *self = Self::Heap(heap);
                }
            },
            Self::Heap(heap) => heap.push(e),
        }
    }

    /// All of them, in code order.
    pub(crate) fn as_slice(&self) -> &[RawElement] {
        match self {
            Self::Inline { items, len } => items.get(..usize::from(*len)).unwrap_or_default(),
            Self::Heap(heap) => heap,
        }
    }

    fn as_mut_slice(&mut self) -> &mut [RawElement] {
        match self {
            Self::Inline { items, len } => items.get_mut(..usize::from(*len)).unwrap_or_default(),
            Self::Heap(heap) => heap,
        }
    }

    /// Iterates in code order.
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, RawElement> {
        self.as_slice().iter()
    }

    /// How many.
    pub(crate) fn len(&self) -> usize {
        self.as_slice().len()
    }
}

impl PartialEq for Elements {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Elements {}

impl std::fmt::Debug for Elements {
    /// As a list (the form the earlier `Vec` had).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The body has GS separators: variable-length values end at GS or at the end.
    Strict,
    /// No GS anywhere: boundaries come from fixed lengths and the product-group layouts.
    NoGs { recover_serial: bool },
}

/// What a parse found on the way, besides the elements.
#[derive(Debug, Default)]
struct Found {
    /// Where a GS was recovered after the serial, and the serial's length.
    recovered: Option<(usize, usize)>,
    /// The first character of the crypto signature (92) outside Base64.
    not_base64: Option<usize>,
}

/// Parses the whole normalised body as GS1 elements. Also returns the warnings it gives: a
/// GS recovered after the serial, a crypto signature (AI 92) with characters outside Base64.
pub(crate) fn parse(
    n: &Normalized,
) -> Result<(Elements, Option<Warning>, Option<Warning>), MarkError> {
    let mode = if n.has_gs() {
        Mode::Strict
    } else {
        Mode::NoGs {
            recover_serial: true,
        }
    };
    let mut out = Elements::new();
    let mut found = Found::default();
    run(n, 0, mode, &mut out, &mut found)?;
    if !out.iter().any(|e| e.row() == ROW_01) {
        return Err(MarkError::MissingAi { ai: "01" });
    }
    let recovered = found
        .recovered
        .map(|(at, serial_length)| Warning::SeparatorRecovered {
            position: n.pos(at),
            serial_length,
        });
    let crypto = found.not_base64.map(|at| Warning::CryptoNotBase64 {
        position: n.pos(at),
    });
    Ok((out, recovered, crypto))
}

fn run(
    n: &Normalized,
    from: usize,
    mode: Mode,
    out: &mut Elements,
    found: &mut Found,
) -> Result<(), MarkError> {
    let body = n.body.as_bytes();
    let end = body.len();
    let mut i = from;
    while i < end {
        let Some(row) = lookup(&body[i..]) else {
            return Err(no_ai_error(n, i));
        };
        let spec = &TABLE[row];
        let crypto = row == usize::from(ROW_92);
        if mode
            == (Mode::NoGs {
                recover_serial: false,
            })
            && !is_tail_ai(spec.ai)
        {
            return Err(MarkError::UnknownAi { position: n.pos(i) });
        }
        if out.iter().any(|e| usize::from(e.row()) == row) {
            return Err(MarkError::DuplicateAi {
                position: n.pos(i),
                ai: spec.ai,
            });
        }
        let start = i + spec.ai.len();
        // Whether the value's characters were checked on the way.
        let mut checked = false;
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
            Len::Var { max } => match mode {
                // One scan finds the end of the value and checks its characters: GS is in
                // neither character set, so the first byte outside the set is the GS that
                // ends the value, or the end of the code, or a wrong character inside the
                // value (the first one, which the character check would report).
                Mode::Strict => {
                    let stop = if crypto {
                        // A crypto signature is normally Base64, which lies inside set 82:
                        // the scan for Base64 finds its end; a character outside Base64
                        // (kept for the warning) goes on with the scan in set 82 from there.
                        match first_outside(body, start, end, is_base64) {
                            Some(k) if body[k] != GS_BYTE => {
                                found.not_base64 = Some(k);
                                spec.charset.first_outside(body, k, end)
                            }
                            stop => stop,
                        }
                    } else {
                        spec.charset.first_outside(body, start, end)
                    };
                    checked = true;
                    match stop {
                        None => end,
                        Some(k) if body[k] == GS_BYTE => k,
                        Some(k) => return Err(bad_char(n, spec, k)),
                    }
                }
                Mode::NoGs {
                    recover_serial: true,
                } if spec.ai == "21" => {
                    let (value_end, was_recovered) = recover_serial(n, start, out)?;
                    if was_recovered {
                        found.recovered = Some((value_end, value_end - start));
                    }
                    value_end
                }
                // 92 is always the last element of a Честный ЗНАК code.
                Mode::NoGs { .. } if crypto => end,
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
            },
        };
        // A GTIN whose check digit verifies is 14 digits: its character check is done.
        let gtin_verified = (row == usize::from(ROW_01) || row == usize::from(ROW_02))
            && check::verify(&body[start..value_end]).is_ok();
        if !checked && !gtin_verified {
            check_chars(n, spec, start, value_end)?;
        }
        check_value(n, spec, start, value_end, gtin_verified)?;
        if crypto && !checked {
            found.not_base64 = first_outside(body, start, value_end, is_base64);
        }
        out.push(RawElement::new(row, start, value_end));
        i = value_end;
        if i < end && body[i] == GS_BYTE {
            i += 1;
        }
    }
    Ok(())
}

fn no_ai_error(n: &Normalized, i: usize) -> MarkError {
    let body = n.body.as_bytes();
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

/// The error for the character at body position `at`, outside the character set of `spec`.
fn bad_char(n: &Normalized, spec: &AiSpec, at: usize) -> MarkError {
    MarkError::UnexpectedChar {
        position: n.pos(at),
        found: char::from(n.body.as_bytes()[at]),
        expected: spec.charset.describe(),
    }
}

fn check_chars(n: &Normalized, spec: &AiSpec, start: usize, end: usize) -> Result<(), MarkError> {
    match spec.charset.first_outside(n.body.as_bytes(), start, end) {
        None => Ok(()),
        Some(k) => Err(bad_char(n, spec, k)),
    }
}

/// Checks the length of a value and, for a GTIN (01, 02) not `gtin_verified` yet, its check
/// digit.
fn check_value(
    n: &Normalized,
    spec: &AiSpec,
    start: usize,
    end: usize,
    gtin_verified: bool,
) -> Result<(), MarkError> {
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
        b"01" | b"02" if !gtin_verified => {
            check::verify(&n.body.as_bytes()[start..end]).map_err(|(expected, found)| {
                MarkError::BadCheckDigit {
                    position: n.pos(end - 1),
                    expected,
                    found,
                }
            })
        }
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
    before: &Elements,
) -> Result<(usize, bool), MarkError> {
    let body = n.body.as_bytes();
    let end = body.len();
    let rest = end - start;
    let serial_ok = |len: usize| body[start..start + len].iter().all(|&b| is_cs82(b));
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
fn tail_parses(n: &Normalized, start: usize, len: usize, before: &Elements) -> bool {
    let mut scratch = before.clone();
    scratch.push(RawElement::new(usize::from(ROW_21), start, start + len));
    let known = scratch.len();
    let mut ignored = Found::default();
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
        && scratch.as_slice()[known..]
            .iter()
            .any(|e| matches!(e.spec().ai, "91" | "92" | "93"))
}

/// Renders elements canonically: AI + value, with GS after every element whose AI is not of
/// predefined length, except the last. Returns the string and the elements with their values'
/// places in it.
///
/// A scan is usually canonical already (GS exactly where the form wants one): then the body
/// itself becomes the string and the elements keep their places, with no copy.
#[inline]
pub(crate) fn render(body: String, mut elements: Elements) -> (String, Elements) {
    let last = elements.len().saturating_sub(1);
    // Where each value starts in the canonical form; the body is canonical when every value
    // is already there and nothing follows the last (between two values the body has the AI
    // and at most one GS, so equal places mean equal bytes).
    let mut at = 0;
    let mut canonical = true;
    for (k, e) in elements.iter().enumerate() {
        let spec = e.spec();
        at += spec.ai.len();
        canonical &= e.start() == at;
        at += e.len();
        if k < last && !spec.predefined {
            at += 1;
        }
    }
    canonical &= at == body.len();
    if canonical {
        return (body, elements);
    }
    let mut code = String::with_capacity(at);
    for (k, e) in elements.as_mut_slice().iter_mut().enumerate() {
        let spec = e.spec();
        code.push_str(spec.ai);
        let start = code.len();
        // Values are ASCII (checked against the charsets): every place is a char boundary.
        code.push_str(body.get(e.start()..e.end()).unwrap_or_default());
        *e = RawElement::new(usize::from(e.row()), start, code.len());
        if k < last && !spec.predefined {
            code.push(GS);
        }
    }
    (code, elements)
}

#[cfg(test)]
mod tests;
