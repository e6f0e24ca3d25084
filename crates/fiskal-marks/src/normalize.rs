//! Input normalisation: what scanners, keyboards and other programs do to a mark code.
//!
//! The output is the code as plain ASCII with every group separator as the byte 0x1D, plus a
//! map from each of its characters back to the character index in the caller's input (so
//! errors point at what the caller sees), plus the list of [`Warning`]s saying what was
//! changed.

use crate::error::MarkError;
use crate::gs1::{first_outside, BLOCK};

/// The group separator (ASCII 29, GS), which GS1 DataMatrix uses for FNC1 between elements.
pub const GS: char = '\u{1d}';
pub(crate) const GS_BYTE: u8 = 0x1d;

/// Longest input accepted, in characters, before any work is done (keeps the work bounded
/// for hostile input; a real code with every textual separator is far shorter).
pub(crate) const MAX_INPUT_CHARS: usize = 4096;

/// Longest normalised code: tag 2000 «код маркировки» is a string of at most 256 characters.
pub const MAX_CODE_CHARS: usize = 256;

/// How a group separator (or FNC1) was written in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SeparatorForm {
    /// The byte 0x1D itself (the normal form).
    Gs,
    /// 0xE8 (FNC1 as "ASCII 232"), or the character U+00E8 it becomes in Latin-1 text. Only
    /// accepted at the start of the code.
    Fnc1E8,
    /// The six characters `\u001d` (any case of the hex digits), as left by JSON or Java
    /// escaping that was not undone.
    EscapeU001d,
    /// The four characters `\x1d` (any case).
    EscapeX1d,
    /// The text `<GS>` (any case).
    AngleGs,
    /// The text `{GS}` (any case).
    BraceGs,
    /// The text `{FNC1}` (any case).
    BraceFnc1,
    /// U+241D `␝` SYMBOL FOR GROUP SEPARATOR, as shown in documentation and copied from it.
    SymbolGs,
}

impl SeparatorForm {
    /// A stable snake_case name, used in the test vectors and the bindings.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gs => "gs",
            Self::Fnc1E8 => "fnc1_e8",
            Self::EscapeU001d => "escape_u001d",
            Self::EscapeX1d => "escape_x1d",
            Self::AngleGs => "angle_gs",
            Self::BraceGs => "brace_gs",
            Self::BraceFnc1 => "brace_fnc1",
            Self::SymbolGs => "symbol_gs",
        }
    }
}

/// Something the parser changed or inferred: the code was accepted, but it was not exactly
/// in the canonical form. Callers may log these, show them, or reject the scan.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Warning {
    /// Whitespace (spaces, tabs, CR, LF, a BOM) around the code was removed.
    SurroundingWhitespace,
    /// An AIM symbology identifier such as `]d2` (GS1 DataMatrix), `]C1` (GS1-128) or `]Q3`
    /// (GS1 QR) was removed from the start.
    SymbologyIdentifier {
        /// The identifier as found, e.g. `"]d2"`.
        identifier: String,
    },
    /// A leading FNC1 (implied by GS1 DataMatrix, sent by some scanners) was removed.
    LeadingFnc1 {
        /// Character index in the input.
        position: usize,
        /// How it was written.
        form: SeparatorForm,
    },
    /// A group separator written as text (or as `␝`) was read as GS.
    TextualSeparator {
        /// Character index in the input.
        position: usize,
        /// How it was written.
        form: SeparatorForm,
    },
    /// A separator at the end of the code was removed.
    TrailingSeparator {
        /// Character index in the input.
        position: usize,
    },
    /// The code was written in the GS1 human-readable form, with every application
    /// identifier in brackets (`(01)04690257528523(21)…(91)…(92)…`), as printed under a
    /// label or copied from a document: the brackets were removed and a GS put between the
    /// elements. It was not a raw scan; the code itself is the same.
    HumanReadable {
        /// Character index in the input of the first bracket.
        position: usize,
    },
    /// The crypto signature (AI 92) holds characters outside the Base64 alphabet (GS1
    /// character set 82 allows `!"%&'()*,-.:;<>?_` there). Accepted as it is: no product
    /// group's published rule found by fiskal restricts AI 92 to Base64, but Честный ЗНАК
    /// codes normally carry Base64 there, so such a code is worth a look (a scanner or a
    /// keyboard layout may have changed characters).
    CryptoNotBase64 {
        /// Character index in the input of the first character outside Base64.
        position: usize,
    },
    /// The code carried no GS at all; the end of the serial number (AI 21) was found from
    /// the product-group layouts (serial of 13, 7 or 6 characters followed by a known
    /// crypto tail) and a GS was inserted there in the normalised code.
    SeparatorRecovered {
        /// Character index in the input of the first character after the serial.
        position: usize,
        /// The serial length that fitted.
        serial_length: usize,
    },
}

impl Warning {
    /// A stable snake_case identifier of the variant, used by the bindings and the vectors.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::SurroundingWhitespace => "surrounding_whitespace",
            Self::SymbologyIdentifier { .. } => "symbology_identifier",
            Self::LeadingFnc1 { .. } => "leading_fnc1",
            Self::TextualSeparator { .. } => "textual_separator",
            Self::TrailingSeparator { .. } => "trailing_separator",
            Self::SeparatorRecovered { .. } => "separator_recovered",
            Self::HumanReadable { .. } => "human_readable",
            Self::CryptoNotBase64 { .. } => "crypto_not_base64",
        }
    }

    /// The character index in the input the warning is about, if any.
    #[must_use]
    pub fn position(&self) -> Option<usize> {
        match self {
            Self::SurroundingWhitespace | Self::SymbologyIdentifier { .. } => None,
            Self::LeadingFnc1 { position, .. }
            | Self::TextualSeparator { position, .. }
            | Self::TrailingSeparator { position }
            | Self::SeparatorRecovered { position, .. }
            | Self::HumanReadable { position }
            | Self::CryptoNotBase64 { position } => Some(*position),
        }
    }
}

/// The normalised code: ASCII, GS as 0x1D, with the origin of every character.
#[derive(Debug, Clone)]
pub(crate) struct Normalized {
    /// ASCII graphic characters and 0x1D; never empty; no leading or trailing GS. Built as a
    /// `String` from the input's text, so it becomes tag 2000 without another UTF-8 check.
    pub(crate) body: String,
    /// Where each character of `body` came from in the input.
    origin: Origin,
    /// Character index just past the last character of the code in the input.
    end: usize,
    /// Whether `body` holds a GS (found once, read by recognition and the GS1 parser).
    has_gs: bool,
    pub(crate) warnings: Vec<Warning>,
}

/// The input position of every body character. A code as scanners send it maps one to one
/// onto a run of the input (only what precedes it was dropped): then no table is kept (the
/// hot path of a plain scan allocates nothing for it); any other change (a textual separator,
/// a dropped FNC1, brackets) keeps the whole table.
#[derive(Debug, Clone)]
enum Origin {
    /// `body[i]` is input character `start + i`.
    Run { start: usize },
    /// `body[i]` is input character `map[i]`.
    Map(Vec<usize>),
}

impl Origin {
    /// Records that body character `i` (the next one) comes from input character `c`.
    fn push(&mut self, i: usize, c: usize) {
        match self {
            Self::Run { start } if i == 0 => *start = c,
            Self::Run { start } if *start + i == c => {}
            Self::Run { start } => {
                let mut map: Vec<usize> = (*start..*start + i).collect();
                map.push(c);
                *self = Self::Map(map);
            }
            Self::Map(map) => map.push(c),
        }
    }

    /// Records that body characters `i..i + n` come from input characters `c..c + n`.
    fn push_run(&mut self, i: usize, c: usize, n: usize) {
        if n == 0 {
            return;
        }
        self.push(i, c);
        if let Self::Map(map) = self {
            map.extend(c + 1..c + n);
        }
    }

    /// The input character of body character `i` (which must exist).
    fn get(&self, i: usize) -> Option<usize> {
        match self {
            Self::Run { start } => Some(start + i),
            Self::Map(map) => map.get(i).copied(),
        }
    }

    /// Forgets the last of `len` entries (the body shrank to `len - 1`).
    fn pop(&mut self, len: usize) -> Option<usize> {
        match self {
            Self::Run { start } => len.checked_sub(1).map(|last| *start + last),
            Self::Map(map) => map.pop(),
        }
    }

    /// The whole table for `len` characters.
    fn into_map(self, len: usize) -> Vec<usize> {
        match self {
            Self::Run { start } => (start..start + len).collect(),
            Self::Map(map) => map,
        }
    }
}

impl Normalized {
    /// Character index in the input of body position `i` (`i == body.len()` is the end).
    pub(crate) fn pos(&self, i: usize) -> usize {
        if i < self.body.len() {
            self.origin.get(i).unwrap_or(self.end)
        } else {
            self.end
        }
    }

    pub(crate) fn has_gs(&self) -> bool {
        self.has_gs
    }
}

/// Printable ASCII: what is copied as it is. A range test, so that a block of bytes is checked
/// with a few vector instructions (see `gs1::bytes::in_range`).
#[inline(always)]
const fn is_plain(b: u8) -> bool {
    b.wrapping_sub(b'!') <= b'~' - b'!'
}

/// [`is_plain`] without the characters a textual separator starts with (`\\`, `<`, `{`).
#[inline(always)]
const fn is_plain_textual(b: u8) -> bool {
    is_plain(b) & (b != b'\\') & (b != b'<') & (b != b'{')
}

/// The first place from `from` on where `bytes` holds a byte that is not copied as it is.
fn first_not_plain(bytes: &[u8], from: usize, textual: bool) -> Option<usize> {
    if textual {
        first_outside(bytes, from, bytes.len(), is_plain_textual)
    } else {
        first_outside(bytes, from, bytes.len(), is_plain)
    }
}

/// The GS bytes of `block` and the bytes that are neither `plain` nor GS, each as one number
/// (byte `i` of it, little endian, is 0xFF where `block[i]` is one): a few vector instructions
/// for the block, no branch per byte.
#[inline(always)]
fn gs_and_other(block: &[u8; BLOCK], plain: impl Fn(u8) -> bool) -> (u128, u128) {
    let mut gs = [0u8; BLOCK];
    let mut other = [0u8; BLOCK];
    for ((g, o), &b) in gs.iter_mut().zip(other.iter_mut()).zip(block) {
        let is_gs = b == GS_BYTE;
        *g = if is_gs { 0xff } else { 0 };
        *o = if plain(b) | is_gs { 0 } else { 0xff };
    }
    (u128::from_le_bytes(gs), u128::from_le_bytes(other))
}

/// Whether `bytes` holds a GS, if every byte is either `plain` or GS (`None` otherwise).
/// Checked 16 bytes at a time ([`gs_and_other`]); a last partial block is taken as the last 16
/// bytes (a byte seen twice changes nothing), a slice shorter than a block is padded with a
/// plain byte.
#[inline(always)]
fn plain_or_gs(bytes: &[u8], plain: impl Fn(u8) -> bool + Copy) -> Option<bool> {
    let mut any_gs = 0u128;
    let mut blocks = bytes.chunks_exact(BLOCK);
    for chunk in &mut blocks {
        let (gs, other) = gs_and_other(<&[u8; BLOCK]>::try_from(chunk).ok()?, plain);
        if other != 0 {
            return None;
        }
        any_gs |= gs;
    }
    if !blocks.remainder().is_empty() {
        let (gs, other) = match bytes.len().checked_sub(BLOCK) {
            Some(last) => gs_and_other(<&[u8; BLOCK]>::try_from(&bytes[last..]).ok()?, plain),
            None => {
                let mut padded = [b'0'; BLOCK];
                padded[..bytes.len()].copy_from_slice(bytes);
                gs_and_other(&padded, plain)
            }
        };
        if other != 0 {
            return None;
        }
        any_gs |= gs;
    }
    Some(any_gs != 0)
}

fn is_trim(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

/// Cyrillic letters and `№` (Shift+3 in the Russian layout) betray the Russian keyboard layout.
pub(crate) fn is_russian_layout_char(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{04ff}' | '№')
}

/// Matches a textual separator at the start of `rest` (ASCII case-insensitive).
fn textual_separator(rest: &[u8]) -> Option<(SeparatorForm, usize)> {
    const FORMS: [(&[u8], SeparatorForm); 5] = [
        (b"\\u001d", SeparatorForm::EscapeU001d),
        (b"\\x1d", SeparatorForm::EscapeX1d),
        (b"<gs>", SeparatorForm::AngleGs),
        (b"{gs}", SeparatorForm::BraceGs),
        (b"{fnc1}", SeparatorForm::BraceFnc1),
    ];
    let first = *rest.first()?;
    if !matches!(first, b'\\' | b'<' | b'{') {
        return None;
    }
    FORMS.iter().find_map(|&(text, form)| {
        let candidate = rest.get(..text.len())?;
        candidate
            .eq_ignore_ascii_case(text)
            .then_some((form, text.len()))
    })
}

/// What every normalisation does before it scans the body: the length bound, the surrounding
/// whitespace (trimmed, with its warning) and the keyboard-layout check. Returns the trimmed
/// text, the character position of its first character in `input`, and the warnings so far.
fn prologue(input: &str) -> Result<(&str, usize, Vec<Warning>), MarkError> {
    // Bound the work before anything else. `chars().count()` stops being cheap only far
    // above the limit, and the byte length bounds the char count from above.
    if input.len() > MAX_INPUT_CHARS {
        let length = input.chars().count();
        if length > MAX_INPUT_CHARS {
            return Err(MarkError::TooLong {
                length,
                max: MAX_INPUT_CHARS,
            });
        }
    }
    let mut warnings = Vec::new();
    let trimmed_start = input.trim_start_matches(is_trim);
    let lead_bytes = input.len() - trimmed_start.len();
    let text = trimmed_start.trim_end_matches(is_trim);
    if text.len() != input.len() {
        warnings.push(Warning::SurroundingWhitespace);
    }
    let first_char = if lead_bytes == 0 {
        0
    } else {
        input[..lead_bytes].chars().count()
    };

    // The keyboard-layout check comes first: it explains every later error at once.
    if !text.is_ascii() {
        for (i, c) in text.chars().enumerate() {
            if is_russian_layout_char(c) {
                return Err(MarkError::RussianKeyboardLayout {
                    position: first_char + i,
                    found: c,
                });
            }
        }
    }
    Ok((text, first_char, warnings))
}

/// Normalises `input`. `textual` enables the textual separator forms.
pub(crate) fn normalize(input: &str, textual: bool) -> Result<Normalized, MarkError> {
    let (text, first_char, mut warnings) = prologue(input)?;

    let bytes = text.as_bytes();
    let mut b = 0; // byte index into `text`
    let mut c = first_char; // character index into `input`

    // AIM symbology identifier: `]` + letter + digit (]d2, ]C1, ]Q3, ]E0, ...).
    if let [b']', letter, digit, ..] = bytes {
        if letter.is_ascii_alphabetic() && digit.is_ascii_digit() {
            warnings.push(Warning::SymbologyIdentifier {
                identifier: text[..3].to_owned(),
            });
            b = 3;
            c += 3;
        }
    }

    // A code as scanners send it (printable ASCII and GS only, no separator at either end,
    // nothing written as text, not in brackets) is the body as it is: one pass over its bytes
    // (which also tells whether it holds a GS) and one copy. The loop below gives the same
    // body, positions and warnings for it (`normalize::tests` hold both to the reference).
    let rest = &bytes[b..];
    let plain = if textual {
        plain_or_gs(rest, is_plain_textual)
    } else {
        plain_or_gs(rest, is_plain)
    };
    if let (Some(has_gs), Some(&first), Some(&last)) = (plain, rest.first(), rest.last()) {
        if first != GS_BYTE && first != b'(' && last != GS_BYTE {
            if rest.len() > MAX_CODE_CHARS {
                return Err(MarkError::TooLong {
                    length: rest.len(),
                    max: MAX_CODE_CHARS,
                });
            }
            return Ok(Normalized {
                body: text[b..].to_owned(),
                origin: Origin::Run { start: c },
                end: c + rest.len(),
                has_gs,
                warnings,
            });
        }
    }

    let mut body = String::with_capacity(bytes.len());
    let mut origin = Origin::Run { start: 0 };
    while b < bytes.len() {
        // A run of ordinary characters (printable ASCII that cannot start a textual
        // separator) is copied at once: that is the whole code between separators.
        let run = first_not_plain(bytes, b, textual).unwrap_or(bytes.len()) - b;
        if run > 0 {
            origin.push_run(body.len(), c, run);
            // ASCII from a character boundary on: `b + run` is one too.
            body.push_str(&text[b..b + run]);
            b += run;
            c += run;
            continue;
        }
        let byte = bytes[b];
        let (sep, byte_len, char_len) = if byte == GS_BYTE {
            (Some(SeparatorForm::Gs), 1, 1)
        } else if let Some((form, len)) = textual.then(|| textual_separator(&bytes[b..])).flatten()
        {
            (Some(form), len, len)
        } else if byte.is_ascii_graphic() {
            (None, 1, 1)
        } else {
            // Non-ASCII, or an ASCII control/space character inside the code.
            let found = text[b..]
                .chars()
                .next()
                .unwrap_or(char::REPLACEMENT_CHARACTER);
            match found {
                '\u{e8}' if body.is_empty() => (Some(SeparatorForm::Fnc1E8), found.len_utf8(), 1),
                '\u{241d}' => (Some(SeparatorForm::SymbolGs), found.len_utf8(), 1),
                _ => {
                    return Err(MarkError::UnexpectedChar {
                        position: c,
                        found,
                        expected: "a printable ASCII character or a GS separator",
                    })
                }
            }
        };
        match sep {
            None => {
                origin.push(body.len(), c);
                body.push(char::from(byte));
            }
            Some(form) if body.is_empty() => {
                warnings.push(Warning::LeadingFnc1 { position: c, form });
            }
            Some(form) => {
                if form != SeparatorForm::Gs {
                    warnings.push(Warning::TextualSeparator { position: c, form });
                }
                origin.push(body.len(), c);
                body.push(GS);
            }
        }
        b += byte_len;
        c += char_len;
    }
    let end = c;

    while body.as_bytes().last() == Some(&GS_BYTE) {
        let len = body.len();
        body.pop();
        if let Some(position) = origin.pop(len) {
            // Drop a TextualSeparator warning for the same character: it is trailing now.
            warnings.retain(
                |w| !matches!(w, Warning::TextualSeparator { position: p, .. } if *p == position),
            );
            warnings.push(Warning::TrailingSeparator { position });
        }
    }
    if body.is_empty() {
        return Err(MarkError::Empty);
    }
    if bracket_ai(body.as_bytes()).is_some() {
        let mut map = origin.into_map(body.len());
        if let Some(position) = unbracket(&mut body, &mut map) {
            warnings.push(Warning::HumanReadable { position });
        }
        origin = Origin::Map(map);
    }
    if body.len() > MAX_CODE_CHARS {
        return Err(MarkError::TooLong {
            length: body.len(),
            max: MAX_CODE_CHARS,
        });
    }
    // Trailing separators are gone, so the last character is an ordinary one-char one.
    let end = origin.get(body.len() - 1).map_or(end, |last| last + 1);
    let has_gs = body.as_bytes().contains(&GS_BYTE);
    Ok(Normalized {
        body,
        origin,
        end,
        has_gs,
        warnings,
    })
}

/// The application identifier of a bracket group `(` + AI + `)` at the start of `rest`, if it
/// is one the AI table knows (2 to 4 digits).
fn bracket_ai(rest: &[u8]) -> Option<usize> {
    let inner = rest.strip_prefix(b"(")?;
    let close = inner.iter().take(5).position(|&b| b == b')')?;
    let ai = &inner[..close];
    ((2..=4).contains(&ai.len())
        && ai.iter().all(u8::is_ascii_digit)
        && crate::gs1::is_known_ai(ai))
    .then_some(close + 2)
}

/// Rewrites the GS1 human-readable form `(01)…(21)…(91)…` into element strings with GS
/// between the elements, keeping each character's origin. Returns the input position of the
/// first bracket when the body was in that form (it must start with a bracketed known AI).
///
/// A bracket group starts a new element only where it is `(` + a known AI + `)`: values may
/// hold brackets themselves (GS1 character set 82 has `(` and `)`), as in a crypto tail
/// `…&*(fgln…`. A value that holds the text of a known bracketed AI, e.g. a serial `ab(91)cd`,
/// cannot be told apart in this form and is split there; the element checks that follow
/// (lengths, check digit) then reject the code rather than accept a wrong one.
fn unbracket(body: &mut String, origin: &mut Vec<usize>) -> Option<usize> {
    let bytes = body.as_bytes();
    bracket_ai(bytes)?;
    let first = origin.first().copied().unwrap_or(0);
    // The body is ASCII: one char per byte.
    let mut out = String::with_capacity(bytes.len());
    let mut out_origin = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if let Some(len) = bracket_ai(&bytes[i..]) {
            if !out.is_empty() {
                out.push(GS);
                out_origin.push(origin[i]);
            }
            for j in i + 1..i + len - 1 {
                out.push(char::from(bytes[j]));
                out_origin.push(origin[j]);
            }
            i += len;
        } else {
            out.push(char::from(bytes[i]));
            out_origin.push(origin[i]);
            i += 1;
        }
    }
    *body = out;
    *origin = out_origin;
    Some(first)
}

/// Decodes bytes from a scanner or a file into text for [`normalize`].
///
/// Valid UTF-8 is used as is. Otherwise every byte becomes one character, so positions are
/// byte offsets: ASCII stays, a leading 0xE8 becomes U+00E8 (FNC1), bytes 0xC0–0xFF, 0xA8
/// and 0xB8 are read as Windows-1251 Cyrillic (a keyboard wedge in the Russian layout on
/// Windows) and are reported as such, anything else becomes U+FFFD.
pub(crate) fn decode_bytes(input: &[u8]) -> std::borrow::Cow<'_, str> {
    if let Ok(text) = std::str::from_utf8(input) {
        return std::borrow::Cow::Borrowed(text);
    }
    let text = input
        .iter()
        .enumerate()
        .map(|(i, &b)| match b {
            0x00..=0x7f => char::from(b),
            0xe8 if i == 0 => '\u{e8}',
            0xc0..=0xff => char::from_u32(0x0410 + u32::from(b - 0xc0)).unwrap_or('\u{fffd}'),
            0xa8 => 'Ё',
            0xb8 => 'ё',
            _ => '\u{fffd}',
        })
        .collect();
    std::borrow::Cow::Owned(text)
}

#[cfg(test)]
mod tests;
