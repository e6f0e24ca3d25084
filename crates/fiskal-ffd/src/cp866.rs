//! CP866 ("IBM866", DOS Cyrillic): the only text encoding of FFD strings.
//!
//! Every FFD `STRING` requisite is stored by the fiscal drive in CP866, one byte per character,
//! so a string's size on the wire equals its character count, and characters outside CP866
//! (typographic quotes «», dashes —, €, ±, emoji …) cannot be stored at all. fiskal never replaces
//! them silently: [`encode`] names each one so the caller can fix the text.
//!
//! The table below was generated from Python's `cp866` codec (`tools/gen_cp866.py`) and is
//! cross-checked by a test against the same codec's output committed as `tests/vectors/codec/cp866.json`.

/// The characters of bytes 0x80..=0xFF, in byte order. Bytes 0x00..=0x7F are ASCII.
const HIGH: [char; 128] = [
    '\u{0410}', '\u{0411}', '\u{0412}', '\u{0413}', '\u{0414}', '\u{0415}', '\u{0416}', '\u{0417}',
    '\u{0418}', '\u{0419}', '\u{041A}', '\u{041B}', '\u{041C}', '\u{041D}', '\u{041E}', '\u{041F}',
    '\u{0420}', '\u{0421}', '\u{0422}', '\u{0423}', '\u{0424}', '\u{0425}', '\u{0426}', '\u{0427}',
    '\u{0428}', '\u{0429}', '\u{042A}', '\u{042B}', '\u{042C}', '\u{042D}', '\u{042E}', '\u{042F}',
    '\u{0430}', '\u{0431}', '\u{0432}', '\u{0433}', '\u{0434}', '\u{0435}', '\u{0436}', '\u{0437}',
    '\u{0438}', '\u{0439}', '\u{043A}', '\u{043B}', '\u{043C}', '\u{043D}', '\u{043E}', '\u{043F}',
    '\u{2591}', '\u{2592}', '\u{2593}', '\u{2502}', '\u{2524}', '\u{2561}', '\u{2562}', '\u{2556}',
    '\u{2555}', '\u{2563}', '\u{2551}', '\u{2557}', '\u{255D}', '\u{255C}', '\u{255B}', '\u{2510}',
    '\u{2514}', '\u{2534}', '\u{252C}', '\u{251C}', '\u{2500}', '\u{253C}', '\u{255E}', '\u{255F}',
    '\u{255A}', '\u{2554}', '\u{2569}', '\u{2566}', '\u{2560}', '\u{2550}', '\u{256C}', '\u{2567}',
    '\u{2568}', '\u{2564}', '\u{2565}', '\u{2559}', '\u{2558}', '\u{2552}', '\u{2553}', '\u{256B}',
    '\u{256A}', '\u{2518}', '\u{250C}', '\u{2588}', '\u{2584}', '\u{258C}', '\u{2590}', '\u{2580}',
    '\u{0440}', '\u{0441}', '\u{0442}', '\u{0443}', '\u{0444}', '\u{0445}', '\u{0446}', '\u{0447}',
    '\u{0448}', '\u{0449}', '\u{044A}', '\u{044B}', '\u{044C}', '\u{044D}', '\u{044E}', '\u{044F}',
    '\u{0401}', '\u{0451}', '\u{0404}', '\u{0454}', '\u{0407}', '\u{0457}', '\u{040E}', '\u{045E}',
    '\u{00B0}', '\u{2219}', '\u{00B7}', '\u{221A}', '\u{2116}', '\u{00A4}', '\u{25A0}', '\u{00A0}',
];

/// A character that CP866 cannot represent, with its position in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unencodable {
    /// Index of the character in the string, counted in characters (not bytes), from 0.
    pub index: usize,
    /// The character itself.
    pub ch: char,
}

impl std::fmt::Display for Unencodable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "character {:?} (U+{:04X}) at position {} has no CP866 code",
            self.ch,
            u32::from(self.ch),
            self.index
        )
    }
}

impl std::error::Error for Unencodable {}

/// Returns the CP866 byte for `c`, or `None` if CP866 has no such character.
#[inline]
pub fn encode_char(c: char) -> Option<u8> {
    let cp = u32::from(c);
    if cp < 0x80 {
        // ASCII maps to itself; `cp < 0x80` makes the conversion lossless.
        return u8::try_from(cp).ok();
    }
    // Fast paths for the Cyrillic block, which is almost all non-ASCII receipt text.
    let byte = match cp {
        0x0410..=0x043F => cp - 0x0410 + 0x80, // А..Я а..п
        0x0440..=0x044F => cp - 0x0440 + 0xE0, // р..я
        0x0401 => 0xF0,                        // Ё
        0x0451 => 0xF1,                        // ё
        _ => {
            return HIGH
                .iter()
                .position(|&h| h == c)
                .and_then(|i| u8::try_from(i + 0x80).ok())
        }
    };
    u8::try_from(byte).ok()
}

/// Decodes one CP866 byte. Every byte value is a character, so decoding never fails.
#[inline]
pub fn decode_byte(b: u8) -> char {
    if b < 0x80 {
        char::from(b)
    } else {
        HIGH[usize::from(b - 0x80)]
    }
}

/// Encodes `s` into CP866, appending to `out`.
///
/// On failure nothing useful is left in `out` beyond what was appended before the call, and the
/// error lists **every** character that cannot be encoded, not just the first.
pub fn encode_into(s: &str, out: &mut Vec<u8>) -> Result<(), Vec<Unencodable>> {
    if s.is_ascii() {
        out.extend_from_slice(s.as_bytes());
        return Ok(());
    }
    out.reserve(s.len());
    let start = out.len();
    if scan(s, |b| out.push(b)) {
        return Ok(());
    }
    // Something has no CP866 code: name every such character.
    out.truncate(start);
    let mut bad = Vec::new();
    for (index, ch) in s.chars().enumerate() {
        match encode_char(ch) {
            Some(b) => out.push(b),
            None => bad.push(Unencodable { index, ch }),
        }
    }
    if bad.is_empty() {
        Ok(())
    } else {
        Err(bad)
    }
}

/// Encodes `s` into a new CP866 byte vector; see [`encode_into`].
pub fn encode(s: &str) -> Result<Vec<u8>, Vec<Unencodable>> {
    let mut out = Vec::with_capacity(s.len());
    encode_into(s, &mut out)?;
    Ok(out)
}

/// Walks `s` byte by byte, handing `emit` the CP866 byte of every character, and stops at the
/// first character CP866 lacks (returns `false`; `true` when all were encoded).
///
/// The same mapping as [`encode_char`] per character (a test holds it to that for every
/// character up to U+FFFF), but ASCII and the two-byte UTF-8 sequences of the Cyrillic block
/// (lead byte 0xD0 / 0xD1: almost all non-ASCII receipt text) are read without decoding a
/// `char`; any other character goes through [`encode_char`].
#[inline]
fn scan(s: &str, mut emit: impl FnMut(u8)) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(&lead) = b.get(i) {
        if lead < 0x80 {
            emit(lead);
            i += 1;
            continue;
        }
        // `s` is UTF-8: a 0xD0 / 0xD1 lead byte is followed by a continuation byte 0x80..=0xBF,
        // and the pair is U+0400..=U+043F / U+0440..=U+047F.
        let byte = match (lead, b.get(i + 1)) {
            (0xD0, Some(&0x81)) => Some(0xF0),                // Ё U+0401
            (0xD0, Some(&c @ 0x90..=0xBF)) => Some(c - 0x10), // А..п U+0410..U+043F → 0x80..0xAF
            (0xD1, Some(&c @ 0x80..=0x8F)) => Some(c + 0x60), // р..я U+0440..U+044F → 0xE0..0xEF
            (0xD1, Some(&0x91)) => Some(0xF1),                // ё U+0451
            _ => None,
        };
        if let Some(byte) = byte {
            emit(byte);
            i += 2;
            continue;
        }
        // Any other character: decoded (`i` is on a character boundary) and looked up.
        let Some(ch) = s.get(i..).and_then(|rest| rest.chars().next()) else {
            return false;
        };
        match encode_char(ch) {
            Some(byte) => emit(byte),
            None => return false,
        }
        i += ch.len_utf8();
    }
    true
}

/// Lists the characters of `s` that CP866 cannot encode (empty when all can).
pub fn unencodable(s: &str) -> Vec<Unencodable> {
    if s.is_ascii() || scan(s, |_| ()) {
        return Vec::new();
    }
    s.chars()
        .enumerate()
        .filter(|(_, c)| encode_char(*c).is_none())
        .map(|(index, ch)| Unencodable { index, ch })
        .collect()
}

/// The CP866 length of `s` in bytes when every character is encodable (one walk), else `None`
/// ([`unencodable`] names them).
///
/// Eight bytes at a time while they are ASCII and Cyrillic А..я (`cyrillic_word`), the rest
/// by the walk of [`encode_into`]. Tests hold it to [`encode_char`]: every character up to
/// U+FFFF alone and beside a letter, and every character up to U+07FF (plus a sample of longer
/// ones) at every position of an 8-byte word.
#[inline]
pub fn encoded_len(s: &str) -> Option<usize> {
    if s.is_ascii() {
        return Some(s.len());
    }
    let b = s.as_bytes();
    let mut len = 0;
    let mut i = 0;
    while let Some(word) = b.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let Some((bytes, chars)) = cyrillic_word(u64::from_le_bytes(w)) else {
            break;
        };
        i += bytes;
        len += chars;
    }
    // The rest (and any word with another character) from a character boundary: `i` only ever
    // moves past whole characters.
    let rest = s.get(i..)?;
    let mut n = 0;
    scan(rest, |_| n += 1).then_some(len + n)
}

/// Eight bytes of UTF-8, read from a character boundary, as one word (little-endian): when
/// every character that starts in them is ASCII or a letter А..я (U+0410..=U+044F: `D0 90` to
/// `D0 BF`, `D1 80` to `D1 8F`), how many bytes they take (8, or 7 when the last byte starts a
/// letter that goes on in the next word) and how many characters that is; else `None` (the
/// caller reads them one by one).
#[inline]
fn cyrillic_word(w: u64) -> Option<(usize, usize)> {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const ONES: u64 = 0x0101_0101_0101_0101;
    if w & HIGH == 0 {
        return Some((8, 8));
    }
    // Per byte, in its top bit: a lead byte (0b11xxxxxx) and a continuation byte (0b10xxxxxx).
    // (`w << 1` moves each byte's bit 6 to its bit 7; what crosses into the next byte is masked.)
    let leads = w & (w << 1) & HIGH;
    let conts = w & !(w << 1) & HIGH;
    // Every lead byte is 0xD0 or 0xD1: with bit 0 cleared, equal to 0xD0 (exact zero-byte test).
    let y = (w ^ 0xD0D0_D0D0_D0D0_D0D0) & 0xFEFE_FEFE_FEFE_FEFE;
    let zero = !(((y & LOW7) + LOW7) | y) & HIGH;
    if leads & !zero != 0 {
        return None;
    }
    // A lead in the last byte: its continuation is in the next word; stop before it.
    let (bytes, leads) = if leads >> 63 != 0 {
        (7, leads & !(1 << 63))
    } else {
        (8, leads)
    };
    // The byte after each lead: 0x90..=0xBF after 0xD0 (bit 5 or 4 set), 0x80..=0x8F after
    // 0xD1 (both clear): «bit 5 or 4 of the next byte» differs from the lead's bit 0.
    let next = w >> 8;
    let upper = ((next >> 4) | (next >> 5)) & ONES;
    let ok = (upper ^ w) & ONES;
    if (leads >> 7) & !ok != 0 {
        return None;
    }
    // Every byte that is not a continuation starts one character; a continuation in the
    // first byte would belong to the previous word, which never stops inside a character.
    let cont_count = (conts & if bytes == 8 { u64::MAX } else { !(0xFF << 56) }).count_ones();
    Some((bytes, bytes - cont_count as usize))
}

/// The CP866 length of `s` in bytes (one byte per character), whether or not it is encodable.
#[inline]
pub fn byte_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// Decodes CP866 bytes into a `String`. Never fails: every byte is a character.
pub fn decode(bytes: &[u8]) -> String {
    if bytes.is_ascii() {
        // ASCII bytes are valid UTF-8 and map to themselves.
        return bytes.iter().map(|&b| char::from(b)).collect();
    }
    bytes.iter().map(|&b| decode_byte(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_round_trips() {
        for b in 0..=255u8 {
            let c = decode_byte(b);
            assert_eq!(encode_char(c), Some(b), "byte {b:#04x} -> {c:?}");
        }
    }

    #[test]
    fn reference_example() {
        // Code page 866: "Кассир Иванов" -> 8A A0 E1 E1 A8 E0 20 88 A2 A0 AD AE A2
        let bytes = encode("Кассир Иванов").unwrap();
        assert_eq!(hex::encode_upper(&bytes), "8AA0E1E1A8E02088A2A0ADAEA2");
        assert_eq!(decode(&bytes), "Кассир Иванов");
    }

    #[test]
    fn names_every_unencodable_char() {
        let bad = encode("«Ромашка» — €").unwrap_err();
        let chars: Vec<char> = bad.iter().map(|u| u.ch).collect();
        assert_eq!(chars, vec!['«', '»', '—', '€']);
        assert_eq!(bad[0].index, 0);
        assert_eq!(bad[1].index, 8);
    }

    /// The byte-level walk of `encode_into` / `unencodable` against `encode_char` per character.
    fn per_char(s: &str) -> Result<Vec<u8>, Vec<Unencodable>> {
        let mut out = Vec::new();
        let mut bad = Vec::new();
        for (index, ch) in s.chars().enumerate() {
            match encode_char(ch) {
                Some(b) => out.push(b),
                None => bad.push(Unencodable { index, ch }),
            }
        }
        if bad.is_empty() {
            Ok(out)
        } else {
            Err(bad)
        }
    }

    #[test]
    fn fast_walk_agrees_with_encode_char_for_every_bmp_character() {
        for cp in 0..=0xFFFFu32 {
            let Some(ch) = char::from_u32(cp) else {
                continue;
            };
            // Alone, after a Cyrillic letter and before one (the walk's state between them).
            for s in [ch.to_string(), format!("ж{ch}"), format!("{ch}Ё1")] {
                let want = per_char(&s);
                assert_eq!(encode(&s), want, "{s:?}");
                assert_eq!(encoded_len(&s), want.as_ref().ok().map(Vec::len), "{s:?}");
                let none = unencodable(&s).is_empty();
                assert_eq!(none, want.is_ok(), "{s:?}");
            }
        }
    }

    /// Every character of one and two UTF-8 bytes (up to U+07FF, where the word-at-a-time count
    /// decides by bits) and a sample of the longer ones (always left to the walk: their lead
    /// bytes are not 0xD0 / 0xD1) at every position of an 8-byte word, among ASCII and Cyrillic
    /// letters: `encoded_len` against `encode_char`.
    #[test]
    fn word_count_agrees_with_encode_char_at_every_position() {
        let fill = [
            "abcdefghijkl",
            "жзиклмнопрст",
            "aжbзcиdкeлfм",
            "Ёжa",
            "рстуфхцчшщъы",
        ];
        let longer = (0x800..=0x10FFFFu32)
            .step_by(997)
            .chain([0x2116, 0x00B0, 0x2591, 0x25A0, 0x1F375, 0xFFFD]);
        for cp in (0..0x800u32).chain(longer) {
            let Some(ch) = char::from_u32(cp) else {
                continue;
            };
            for before in fill {
                for k in 0..9 {
                    let head: String = before.chars().take(k).collect();
                    for after in ["", "a", "жж", "abcdefghij", "ЖЖЖЖЖЖЖЖ"] {
                        let s = format!("{head}{ch}{after}");
                        let want = per_char(&s).ok().map(|b| b.len());
                        assert_eq!(encoded_len(&s), want, "{s:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn word_count_of_long_texts() {
        for s in [
            "Товар номер 00001, артикул ABC-000001 синий",
            "Кроссовки беговые, размер 42 — «лучшие»",
            "ЁЁЁЁЁЁЁЁЁЁЁЁЁЁЁЁ ёёёёёёёё ЄєЇїЎў",
            "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ",
            "ѐѐѐѐѐѐѐѐѐ",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaж",
        ] {
            assert_eq!(encoded_len(s), per_char(s).ok().map(|b| b.len()), "{s:?}");
        }
    }

    #[test]
    fn fast_walk_on_mixed_text() {
        for s in [
            "Товар номер 00001, артикул ABC-000001 синий",
            "Ёлка ёжик №5 ° ±",
            "Чай \u{1F375} «зелёный» — 100 г",
            "ѐЀѓѢ",
            "",
        ] {
            assert_eq!(encode(s), per_char(s), "{s:?}");
            assert_eq!(encoded_len(s), per_char(s).ok().map(|b| b.len()), "{s:?}");
            assert_eq!(
                unencodable(s),
                per_char(s).err().unwrap_or_default(),
                "{s:?}"
            );
        }
    }

    #[test]
    fn special_encodable_chars() {
        assert_eq!(encode("№Ёё°").unwrap(), vec![0xFC, 0xF0, 0xF1, 0xF8]);
        assert_eq!(byte_len("№1 ёлка"), 7);
    }
}
