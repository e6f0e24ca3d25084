//! The text of a `decimal.Decimal` without calling its `__str__` (issue 19: `str()` of every
//! amount was a tenth of `validate(dict)`).
//!
//! # What is read, and why it is safe to
//!
//! CPython's `decimal` module (its C implementation `_decimal`, over libmpdec) keeps a Decimal as
//! `PyDecObject` (`Modules/_decimal/_decimal.c`): the object header, a cached hash, then the
//! libmpdec number `mpd_t` (`Modules/_decimal/libmpdec/mpdecimal.h`, "mpd_t"): `flags`
//! (sign and special values), `exp`, `digits`, `len`, `alloc` and `data`, the coefficient in
//! base-10¹⁹ words, least significant first (`MPD_RADIX` of a 64-bit build). That layout is not
//! part of the stable ABI this wheel is built for (`abi3`), so it is never trusted blindly:
//!
//! * **Checked once per process, against the interpreter it runs in.** [`Layout::probe`] makes
//!   Decimals of known values (one word, two words, three words, negative, zero with a scale,
//!   a positive exponent, NaN, infinity) with the interpreter's own constructor and reads them;
//!   only when every one reads as expected is the layout used. The probe reads nothing outside
//!   an object: the type's `__basicsize__` must hold the fields, and a number's words are read
//!   only when its data pointer points inside the object (where libmpdec keeps the words of a
//!   small number), so another layout is refused without a stray read. Otherwise (another CPython, a
//!   debug build, a pure-Python `decimal`) every Decimal goes through `str()` as before.
//! * **Checked on every read.** Flags, lengths and the data pointer must be consistent
//!   ([`Layout::read`]); the coefficient must fit in two words (38 digits; an amount has far
//!   fewer); anything else is answered by `str()`.
//! * **Only on 64-bit targets** (the wheels'), whose libmpdec has 64-bit words of 19 digits.
//! * **Only the plain notation is made here.** `str()` writes a finite Decimal with exponent ≤
//!   0 and adjusted exponent ≥ −6 as plain digits with a point, whatever the context
//!   ("to-scientific-string" of the General Decimal Arithmetic specification,
//!   <https://speleotrove.com/decimal/daconvs.html>); everything else (exponent notation, whose
//!   `E` follows the context's `capitals`, NaN, infinities) is left to `str()` itself.
//!
//! The result is byte for byte what `str()` returns (tests/test_native.py compares them over
//! many values, and checks that this path is the one taken on CPython).

use pyo3::ffi;
use pyo3::prelude::*;

/// `PyDecObject` up to the number (`Modules/_decimal/_decimal.c`, struct `PyDecObject`:
/// `PyObject_HEAD; Py_hash_t hash; mpd_t dec; ...`), with `mpd_t` inline
/// (`mpdecimal.h`: `uint8_t flags; mpd_ssize_t exp, digits, len, alloc; mpd_uint_t *data`).
#[repr(C)]
struct PyDecObject {
    ob_base: ffi::PyObject,
    hash: isize,
    flags: u8,
    exp: isize,
    digits: isize,
    len: isize,
    alloc: isize,
    data: *const u64,
}

/// `mpdecimal.h`: the sign flag, and the flags of the special values (infinity, NaN, sNaN).
const MPD_NEG: u8 = 1;
const MPD_SPECIAL: u8 = 2 | 4 | 8;
/// `MPD_RADIX` of a 64-bit libmpdec: one word holds 19 decimal digits.
const RADIX: u128 = 10_000_000_000_000_000_000;

/// A finite Decimal as read from its object: the coefficient's words (base 10¹⁹, least
/// significant first; the second is 0 for a one-word coefficient).
#[derive(Debug, PartialEq, Eq)]
struct Number {
    negative: bool,
    words: [u64; 2],
    /// How many digits the coefficient has (libmpdec's `digits`; one for zero).
    digits: usize,
    exp: i64,
}

/// What reading an object gave.
#[derive(Debug, PartialEq, Eq)]
enum Read {
    Finite(Number),
    /// Infinity or a NaN.
    Special,
    /// Not readable here (a coefficient beyond two words, or fields that do not agree).
    Unreadable,
}

/// Whether this process's `decimal.Decimal` has the layout above (decided once).
pub(crate) struct Layout(());

static LAYOUT: std::sync::OnceLock<Option<Layout>> = std::sync::OnceLock::new();

impl Layout {
    /// The layout, if the running interpreter's Decimals read as expected (probed on first use;
    /// `decimal` is the type `decimal.Decimal`).
    pub(crate) fn get(decimal: &Bound<'_, PyAny>) -> Option<&'static Layout> {
        // A 32-bit libmpdec has 32-bit words of 9 digits: not read here.
        if cfg!(not(target_pointer_width = "64")) {
            return None;
        }
        LAYOUT
            .get_or_init(|| Layout::probe(decimal).then_some(Layout(())))
            .as_ref()
    }

    /// Reads Decimals of known values made by the interpreter's own constructor.
    fn probe(decimal: &Bound<'_, PyAny>) -> bool {
        // (text, what it must read as)
        let cases: [(&str, Read); 10] = [
            ("123.45", finite(false, 12_345, -2)),
            ("-0.001", finite(true, 1, -3)),
            ("0.00", finite(false, 0, -2)),
            ("-0", finite(true, 0, 0)),
            ("1E+5", finite(false, 1, 5)),
            // 20 digits: two words.
            (
                "12345678901234567890.5",
                finite(false, 123_456_789_012_345_678_905, -1),
            ),
            ("99999999999999999999999999999999999999", {
                finite(false, 10u128.pow(38) - 1, 0)
            }),
            // 40 digits: three words, not read here.
            ("1234567890123456789012345678901234567890", Read::Unreadable),
            ("NaN", Read::Special),
            ("-Infinity", Read::Special),
        ];
        // The objects must be large enough for the fields read: `__basicsize__` is the size
        // CPython allocates for each.
        let Ok(basicsize) = decimal
            .getattr("__basicsize__")
            .and_then(|b| b.extract::<usize>())
        else {
            return false;
        };
        if basicsize < std::mem::size_of::<PyDecObject>() {
            return false;
        }
        cases.iter().all(|(text, want)| {
            let Ok(d) = decimal.call1((*text,)) else {
                return false;
            };
            // Before any word is read: a number this small keeps its words inside the object
            // itself (libmpdec's static data of a `PyDecObject`), so a data pointer anywhere
            // else means another layout, and nothing is read through it.
            // SAFETY: `d` is a `decimal.Decimal` of at least `basicsize` bytes, which hold the
            // fields of `PyDecObject` (checked above); only the pointer's value is read.
            let data = unsafe { (*d.as_ptr().cast::<PyDecObject>()).data } as usize;
            let start = d.as_ptr() as usize;
            let inside = data >= start + std::mem::size_of::<PyDecObject>()
                && data + 2 * std::mem::size_of::<u64>() <= start + basicsize;
            if !inside && !matches!(want, Read::Special) {
                return false;
            }
            // SAFETY: a `decimal.Decimal` made by that very type, whose words (when it has
            // any to read) lie inside the object (checked just above).
            unsafe { read_unchecked(&d) == *want }
        })
    }

    /// Reads a Decimal (`obj` must be of the exact type `decimal.Decimal`).
    fn read(&self, obj: &Bound<'_, PyAny>) -> Read {
        // SAFETY: the caller checked the exact type, and `probe` showed that objects of that
        // type have this layout in this process.
        unsafe { read_unchecked(obj) }
    }

    /// The text `str(obj)` gives, when it is plain notation and the number fits; `None` when
    /// `str()` must be asked. `obj` must be of the exact type `decimal.Decimal`. The text is
    /// always the end of `buf` (`buf[buf.len() - text.len()..]`).
    pub(crate) fn plain_text<'b>(
        &self,
        obj: &Bound<'_, PyAny>,
        buf: &'b mut Buf,
    ) -> Option<&'b str> {
        match self.read(obj) {
            Read::Finite(n) => plain(&n, buf),
            Read::Special | Read::Unreadable => None,
        }
    }
}

fn finite(negative: bool, coefficient: u128, exp: i64) -> Read {
    Read::Finite(Number {
        negative,
        // The probe's values are below RADIX² (two words); a larger one reads as zero words and
        // would not match.
        words: [
            u64::try_from(coefficient % RADIX).unwrap_or(0),
            u64::try_from(coefficient / RADIX).unwrap_or(0),
        ],
        digits: coefficient.checked_ilog10().map_or(1, |l| l as usize + 1),
        exp,
    })
}

/// Reads the number of a `PyDecObject`.
///
/// # Safety
/// `obj` must be a `decimal.Decimal` of the C implementation laid out as [`PyDecObject`]
/// (checked by [`Layout::probe`]); the GIL is held (the `Bound`), and a Decimal never changes.
unsafe fn read_unchecked(obj: &Bound<'_, PyAny>) -> Read {
    let d = &*obj.as_ptr().cast::<PyDecObject>();
    if d.flags & MPD_SPECIAL != 0 {
        return Read::Special;
    }
    // A coefficient is at least one word and never more words than allocated; two at most are
    // read here. Each word is below the radix, and the top word is not zero unless it is the
    // only one (libmpdec keeps coefficients normalised).
    let (len, alloc) = (d.len, d.alloc);
    if !(1..=2).contains(&len) || alloc < len || d.data.is_null() {
        return Read::Unreadable;
    }
    let len = len.unsigned_abs();
    let words = std::slice::from_raw_parts(d.data, len);
    let low = words[0];
    let high = if len == 2 { words[1] } else { 0 };
    if low >= WORD || high >= WORD || (len == 2 && high == 0) {
        return Read::Unreadable;
    }
    // `digits` must agree with the coefficient (libmpdec's count: one for zero).
    let count = if len == 2 {
        19 + digit_count(high)
    } else {
        digit_count(low)
    };
    if usize::try_from(d.digits) != Ok(count) {
        return Read::Unreadable;
    }
    Read::Finite(Number {
        negative: d.flags & MPD_NEG != 0,
        words: [low, high],
        digits: count,
        // `isize` is 64 bits here (module docs: 64-bit targets only).
        exp: d.exp as i64,
    })
}

/// The radix as one word.
const WORD: u64 = 10_000_000_000_000_000_000;

/// How many decimal digits `n` has (one for zero), as libmpdec counts `digits`.
fn digit_count(n: u64) -> usize {
    match n.checked_ilog10() {
        Some(l) => l as usize + 1,
        None => 1,
    }
}

/// Room for the plain text of a two-word coefficient: a sign, "0.", six zeros and 38 digits.
pub(crate) type Buf = [u8; 64];

/// The plain notation of to-scientific-string, or `None` when `str()` would use exponent
/// notation (exponent > 0, or adjusted exponent < −6).
///
/// Written right to left into the end of `buf`: the coefficient's digits, least significant
/// first, with the point after the `-exp` fraction digits (zeros in front when the coefficient
/// has fewer digits), then a leading `0` when nothing is left of the point, then the sign.
fn plain<'b>(n: &Number, buf: &'b mut Buf) -> Option<&'b str> {
    // At most 38 digits (two words).
    let digits = i64::try_from(n.digits).ok()?;
    let adjusted = n.exp + digits - 1;
    if n.exp > 0 || adjusted < -6 {
        return None;
    }
    // At most 38 + 5 fraction digits here (38 digits at most, adjusted ≥ −6).
    let frac = usize::try_from(n.exp.unsigned_abs()).ok()?;
    let mut at = buf.len();
    let mut put = |b: u8| {
        at -= 1;
        buf[at] = b;
    };
    let mut written = 0usize;
    let [mut low, mut high] = n.words;
    // The low word: all 19 digits when a high word follows, else until nothing is left.
    let low_digits = if high != 0 { 19 } else { n.digits };
    for _ in 0..low_digits {
        put(b'0' + (low % 10) as u8);
        low /= 10;
        written += 1;
        if written == frac {
            put(b'.');
        }
    }
    while high != 0 {
        put(b'0' + (high % 10) as u8);
        high /= 10;
        written += 1;
        if written == frac {
            put(b'.');
        }
    }
    if written < frac {
        while written < frac {
            put(b'0');
            written += 1;
        }
        put(b'.');
    }
    if written == frac && frac > 0 {
        put(b'0');
    }
    if n.negative {
        put(b'-');
    }
    // SAFETY: only the ASCII bytes '-', '.' and '0'..='9' were written to `buf[at..]`.
    Some(unsafe { std::str::from_utf8_unchecked(&buf[at..]) })
}
