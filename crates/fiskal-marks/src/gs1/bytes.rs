//! The parser's byte sets and its block search: range tests that the compiler turns into a
//! few vector instructions per 16 bytes (the hot loop of parsing), kept apart from the AI
//! table and the parser in `gs1.rs`.

/// Whether `b` is in `lo..=hi`: one subtraction and one comparison, no branch (so that a loop
/// over a block of bytes becomes a few vector instructions).
#[inline(always)]
const fn in_range(b: u8, lo: u8, hi: u8) -> bool {
    b.wrapping_sub(lo) <= hi - lo
}

// The byte sets of the parser, written as range tests: the compiler turns a test over a block
// of 16 bytes into a handful of vector instructions (a table would cost a load per byte).
// `gs1::tests` holds each one to its definition for all 256 bytes.

/// Whether `b` is in GS1 character set 82: digits, Latin letters and ``!"%&'()*+,-./:;<=>?_``.
#[inline(always)]
pub(crate) const fn is_cs82(b: u8) -> bool {
    // `b | 0x20` puts A-Z onto a-z and no other byte there; `%` to `?` is
    // ``%&'()*+,-./``, the digits and `:;<=>?`.
    in_range(b | 0x20, b'a', b'z') | in_range(b, b'%', b'?') | in_range(b, b'!', b'"') | (b == b'_')
}

/// Whether `b` is in the Base64 alphabet: Latin letters, digits, `+`, `/`, `=`.
#[inline(always)]
pub(crate) const fn is_base64(b: u8) -> bool {
    // `/` is the byte just before `0`.
    in_range(b | 0x20, b'a', b'z') | in_range(b, b'/', b'9') | (b == b'+') | (b == b'=')
}

/// Whether `b` is an ASCII digit.
#[inline(always)]
pub(crate) const fn is_digit(b: u8) -> bool {
    in_range(b, b'0', b'9')
}

/// Bytes per block of [`first_outside`].
pub(crate) const BLOCK: usize = 16;

/// Whether `block` holds a byte that `has` does not admit: a few vector instructions for the
/// whole block, no branch per byte.
#[inline(always)]
pub(crate) fn any_outside(block: &[u8; BLOCK], has: impl Fn(u8) -> bool) -> bool {
    let mut outside = 0u8;
    for &b in block {
        outside |= u8::from(!has(b));
    }
    outside != 0
}

/// The bytes of `block` that `has` does not admit, as one number: byte `i` of it (little
/// endian) is 0xFF where `block[i]` is outside, 0 where it is in; the first outsider is the
/// number's lowest set byte. Also a few vector instructions, but more than [`any_outside`]:
/// computed only for the block that holds the byte sought.
#[inline(always)]
pub(crate) fn outsiders(block: &[u8; BLOCK], has: impl Fn(u8) -> bool) -> u128 {
    let mut out = [0u8; BLOCK];
    for (o, &b) in out.iter_mut().zip(block) {
        *o = if has(b) { 0 } else { 0xff };
    }
    u128::from_le_bytes(out)
}

/// The 16 bytes of `bytes` from `at`, if there are so many.
#[inline(always)]
fn block_at(bytes: &[u8], at: usize) -> Option<&[u8; BLOCK]> {
    bytes
        .get(at..at + BLOCK)
        .and_then(|block| <&[u8; BLOCK]>::try_from(block).ok())
}

/// The first place in `from..to` where `bytes` holds a byte that `has` does not admit.
///
/// Reads 16 bytes at a time ([`any_outside`]), also past `to` (never past the end of
/// `bytes`; what it finds there does not count): a short value is one block read. The last
/// bytes of `bytes` are read as its last 16, with the places before them masked off; only a
/// `bytes` shorter than a block is read byte by byte. This is the hot loop of parsing.
#[inline(always)]
pub(crate) fn first_outside(
    bytes: &[u8],
    from: usize,
    to: usize,
    has: impl Fn(u8) -> bool + Copy,
) -> Option<usize> {
    let mut i = from;
    while i < to {
        let Some(block) = block_at(bytes, i) else {
            break;
        };
        if any_outside(block, has) {
            let place = i + (outsiders(block, has).trailing_zeros() / 8) as usize;
            return (place < to).then_some(place);
        }
        i += BLOCK;
    }
    if i >= to {
        return None;
    }
    // Fewer than 16 bytes from `i` to the end: the last 16, less the `skip` before `i`.
    let Some(last) = bytes.len().checked_sub(BLOCK) else {
        return (i..to).find(|&k| !has(bytes[k]));
    };
    let block = block_at(bytes, last)?;
    if !any_outside(block, has) {
        return None;
    }
    let skip = i - last;
    let found = outsiders(block, has) >> (8 * skip);
    let place = i + (found.trailing_zeros() / 8) as usize;
    (found != 0 && place < to).then_some(place)
}
