//! Tests of the normaliser, with the per-character reference normaliser the property test holds it to.

use super::*;
use proptest::prelude::*;

/// The normaliser as it was before the run-at-once loop and the lazy origin table (a
/// per-character loop that records every origin): the reference the property test holds
/// the current one to.
struct Reference {
    body: Vec<u8>,
    origin: Vec<usize>,
    end: usize,
    warnings: Vec<Warning>,
}

fn reference(input: &str, textual: bool) -> Result<Reference, MarkError> {
    // The same prologue as `normalize` (unchanged by the fast scan); the loop below is the
    // per-character reference.
    let (text, first_char, mut warnings) = prologue(input)?;

    let bytes = text.as_bytes();
    let mut body = Vec::with_capacity(bytes.len());
    let mut origin = Vec::with_capacity(bytes.len());
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

    while b < bytes.len() {
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
                body.push(byte);
                origin.push(c);
            }
            Some(form) if body.is_empty() => {
                warnings.push(Warning::LeadingFnc1 { position: c, form });
            }
            Some(form) => {
                if form != SeparatorForm::Gs {
                    warnings.push(Warning::TextualSeparator { position: c, form });
                }
                body.push(GS_BYTE);
                origin.push(c);
            }
        }
        b += byte_len;
        c += char_len;
    }
    let end = c;

    while body.last() == Some(&GS_BYTE) {
        body.pop();
        if let Some(position) = origin.pop() {
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
    // The body is ASCII here (anything else was an error above).
    let mut text = String::from_utf8(body).expect("ASCII body");
    if let Some(position) = unbracket(&mut text, &mut origin) {
        warnings.push(Warning::HumanReadable { position });
    }
    let body = text.into_bytes();
    if body.len() > MAX_CODE_CHARS {
        return Err(MarkError::TooLong {
            length: body.len(),
            max: MAX_CODE_CHARS,
        });
    }
    // Trailing separators are gone, so the last character is an ordinary one-char one.
    let end = origin.last().map_or(end, |&last| last + 1);
    Ok(Reference {
        body,
        origin,
        end,
        warnings,
    })
}

fn same_as_reference(input: &str, textual: bool) -> Result<(), TestCaseError> {
    match (normalize(input, textual), reference(input, textual)) {
        (Ok(n), Ok(r)) => {
            prop_assert_eq!(n.body.as_bytes(), &r.body[..]);
            prop_assert_eq!(&n.warnings, &r.warnings);
            prop_assert_eq!(n.has_gs(), r.body.contains(&GS_BYTE));
            for i in 0..=r.body.len() {
                let want = r.origin.get(i).copied().unwrap_or(r.end);
                prop_assert_eq!(n.pos(i), want, "position of body[{}] in {:?}", i, input);
            }
        }
        (Err(a), Err(b)) => prop_assert_eq!(a, b),
        (a, b) => prop_assert!(
            false,
            "{:?}: {:?} against the reference {:?}",
            input,
            a.map(|n| n.body.into_bytes()),
            b.map(|r| r.body)
        ),
    }
    Ok(())
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config {
        cases: 512,
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    })]

    /// Scanner-like text: prefixes, every separator form, brackets, whitespace, FNC1,
    /// Cyrillic and control characters, in any order.
    #[test]
    fn normalises_as_the_per_character_reference(
        parts in proptest::collection::vec(proptest::prop_oneof![
            "[0-9A-Za-z+/=%&*;-]{1,12}",
            proptest::strategy::Just("\u{1d}".to_owned()),
            proptest::sample::select(vec!["<GS>", "<gs>", "{GS}", "{FNC1}", "\\u001d", "\\x1D",
                "\u{241d}", "\u{e8}", "]d2", "(01)", "(21)", "(91)", "(99)", " ", "\r\n", "\u{feff}",
                "<", "{", "\\", "П", "№", "\t", "\u{7f}"]).prop_map(str::to_owned),
        ], 0..14),
        textual in proptest::bool::ANY,
    ) {
        same_as_reference(&parts.concat(), textual)?;
    }

    #[test]
    fn any_text_normalises_as_the_reference(input in "\\PC{0,40}", textual in proptest::bool::ANY) {
        same_as_reference(&input, textual)?;
    }
}

fn norm(s: &str) -> Normalized {
    normalize(s, true).unwrap()
}

#[test]
fn bracketed_ais_become_elements_and_other_brackets_stay() {
    // Around the code: whitespace and an AIM prefix are still removed first.
    let n = norm(" ]d2(01)04606203090785(21)a(b)c(93)x(y)");
    assert_eq!(n.body.as_bytes(), b"0104606203090785\x1d21a(b)c\x1d93x(y)");
    // The GS before 21 maps to the bracket in the input; values keep their positions.
    assert_eq!(n.pos(16), 22);
    assert_eq!(n.pos(19), 26); // the `a` after `(21)`
    assert!(n.warnings.contains(&Warning::HumanReadable { position: 4 }));
    // Not the bracketed form: a code that does not start with a known bracketed AI.
    let n = norm("(99)123");
    assert_eq!(n.body.as_bytes(), b"(99)123");
    assert!(!n
        .warnings
        .iter()
        .any(|w| matches!(w, Warning::HumanReadable { .. })));
}

fn codes(n: &Normalized) -> Vec<&'static str> {
    n.warnings.iter().map(Warning::code).collect()
}

#[test]
fn plain_code_is_untouched() {
    let n = norm("0104606203090785215abcde\u{1d}93dGVz");
    assert_eq!(n.body.as_bytes(), b"0104606203090785215abcde\x1d93dGVz");
    assert!(n.warnings.is_empty());
    assert_eq!(n.pos(0), 0);
    assert_eq!(n.pos(n.body.len()), 31);
}

#[test]
fn every_separator_form_gives_the_same_body() {
    let expected = b"01046062030907852112\x1d93abcd".to_vec();
    for sep in [
        "\u{1d}", "\\u001d", "\\u001D", "\\x1d", "\\X1D", "<GS>", "<gs>", "{GS}", "{FNC1}",
        "\u{241d}",
    ] {
        let n = norm(&format!("010460620309078521{}{sep}93abcd", "12"));
        assert_eq!(n.body.as_bytes(), expected, "separator {sep:?}");
    }
}

#[test]
fn prefixes_and_whitespace_are_stripped_and_recorded() {
    let n = norm("  ]d2\u{1d}0104606203090785\r\n");
    assert_eq!(n.body.as_bytes(), b"0104606203090785");
    assert_eq!(
        codes(&n),
        [
            "surrounding_whitespace",
            "symbology_identifier",
            "leading_fnc1"
        ]
    );
    // Positions count characters of the original input, whitespace included.
    assert_eq!(n.warnings[2].position(), Some(5));
    assert_eq!(n.pos(0), 6);

    let n = norm("\u{e8}0104606203090785");
    assert_eq!(n.body.as_bytes(), b"0104606203090785");
    assert_eq!(
        n.warnings,
        [Warning::LeadingFnc1 {
            position: 0,
            form: SeparatorForm::Fnc1E8
        }]
    );

    let n = norm("{FNC1}0104606203090785<GS>");
    assert_eq!(n.body.as_bytes(), b"0104606203090785");
    assert_eq!(codes(&n), ["leading_fnc1", "trailing_separator"]);
}

#[test]
fn positions_follow_textual_separators() {
    let n = norm("0104606203090785211<GS>93abcd");
    // body: ...211 GS 93abcd; the '9' is input char 23.
    let nine = n.body.bytes().position(|b| b == GS_BYTE).unwrap() + 1;
    assert_eq!(n.pos(nine), 23);
    assert_eq!(
        n.warnings,
        [Warning::TextualSeparator {
            position: 19,
            form: SeparatorForm::AngleGs
        }]
    );
}

#[test]
fn textual_forms_can_be_disabled() {
    let n = normalize("AB<GS>CD", false).unwrap();
    assert_eq!(n.body.as_bytes(), b"AB<GS>CD");
}

#[test]
fn russian_layout_is_reported_with_position() {
    let err = normalize("010460620309078521ПЩ5", true).unwrap_err();
    assert_eq!(
        err,
        MarkError::RussianKeyboardLayout {
            position: 18,
            found: 'П'
        }
    );
    let err = normalize(" 01№", true).unwrap_err();
    assert_eq!(
        err,
        MarkError::RussianKeyboardLayout {
            position: 3,
            found: '№'
        }
    );
}

#[test]
fn bad_characters_and_empty_input() {
    assert_eq!(normalize("  \r\n", true).unwrap_err(), MarkError::Empty);
    assert_eq!(normalize("]d2\u{1d}", true).unwrap_err(), MarkError::Empty);
    let err = normalize("0104 6062", true).unwrap_err();
    assert_eq!(err.code(), "unexpected_char");
    assert_eq!(err.position(), Some(4));
    let err = normalize("01\u{e8}04", true).unwrap_err();
    assert_eq!(err.position(), Some(2));
    let long = "1".repeat(MAX_CODE_CHARS + 1);
    assert_eq!(normalize(&long, true).unwrap_err().code(), "too_long");
    let huge = "1".repeat(MAX_INPUT_CHARS + 1);
    assert_eq!(normalize(&huge, true).unwrap_err().code(), "too_long");
}

#[test]
fn bytes_are_decoded_one_char_per_byte_when_not_utf8() {
    assert_eq!(decode_bytes(b"\xe80104"), "\u{e8}0104");
    assert_eq!(decode_bytes(b"21\xcf"), "21П");
    assert_eq!(decode_bytes("ok".as_bytes()), "ok");
}

/// Codes as scanners send them (printable ASCII, GS between elements) take the one-pass path
/// of `normalize`: at every length around the block size and the length limit, with a GS at
/// either end or inside, after a prefix or whitespace, they give what the reference gives.
#[test]
fn plain_scans_of_every_length_normalise_as_the_reference() {
    let alphabet = b"0123456789ABCDEFabcdef+/=%&*(<";
    for len in 1..=300 {
        for gs_at in [None, Some(0), Some(1), Some(len / 2), Some(len - 1)] {
            let mut code: Vec<u8> = (0..len).map(|i| alphabet[i % alphabet.len()]).collect();
            if let Some(at) = gs_at.filter(|&at| at < len) {
                code[at] = GS_BYTE;
            }
            let code = String::from_utf8(code).unwrap();
            for prefix in ["", "]d2", " ", "("] {
                for textual in [true, false] {
                    same_as_reference(&format!("{prefix}{code}"), textual).unwrap();
                }
            }
        }
    }
}
