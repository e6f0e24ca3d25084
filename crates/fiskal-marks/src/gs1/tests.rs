//! Tests of the GS1 element-string parser.

use super::*;
use crate::normalize::normalize;

type Pairs = Vec<(&'static str, String)>;

fn elements(s: &str) -> Result<(Pairs, Option<Warning>), MarkError> {
    let n = normalize(s, true)?;
    let (els, warning, _) = parse(&n)?;
    let pairs = els
        .iter()
        .map(|e| (e.spec().ai, n.body[e.start()..e.end()].to_owned()))
        .collect();
    Ok((pairs, warning))
}

fn ais(s: &str) -> Vec<&'static str> {
    elements(s)
        .unwrap()
        .0
        .into_iter()
        .map(|(ai, _)| ai)
        .collect()
}

const CRYPTO44: &str = "dGVzdGNyeXB0b3NpZ25hdHVyZWZvcmZpc2thbHRlc3Q=";

#[test]
fn no_ai_is_a_prefix_of_another() {
    for a in TABLE {
        for b in TABLE {
            if a.ai != b.ai {
                assert!(!b.ai.starts_with(a.ai), "{} is a prefix of {}", a.ai, b.ai);
            }
        }
    }
    assert!(lookup(b"8005").is_some() && lookup(b"99").is_none());
}

#[test]
fn fixed_and_variable_elements_with_gs() {
    let code = format!("0104606203090785215ABCDEfghijkl\u{1d}91EE06\u{1d}92{CRYPTO44}");
    let (els, warning) = elements(&code).unwrap();
    assert_eq!(els[0], ("01", "04606203090785".to_owned()));
    assert_eq!(els[1], ("21", "5ABCDEfghijkl".to_owned()));
    assert_eq!(els[2], ("91", "EE06".to_owned()));
    assert_eq!(els[3], ("92", CRYPTO44.to_owned()));
    assert!(warning.is_none());
}

#[test]
fn weighted_milk_and_dates() {
    assert_eq!(
        ais("010460620309078521abc123\u{1d}93Zx9y\u{1d}3103000450"),
        ["01", "21", "93", "3103"]
    );
    assert_eq!(
        ais("0104606203090785172612311012AB\u{1d}21xyz"),
        ["01", "17", "10", "21"]
    );
    assert_eq!(
        ais("01046062030907852112345\u{1d}8005012000\u{1d}93AbCd"),
        ["01", "21", "8005", "93"]
    );
}

#[test]
fn serial_recovered_without_gs_for_each_group_length() {
    for (serial, tail, expected_ais) in [
        (
            "5ABCDEfghijkl",
            format!("91EE0692{CRYPTO44}"),
            vec!["01", "21", "91", "92"],
        ),
        ("5ABCDEfghijkl", "93a1B2".to_owned(), vec!["01", "21", "93"]),
        ("AbC-dEf", "93a1B2".to_owned(), vec!["01", "21", "93"]),
        (
            "AbC-dE",
            "93a1B23103000450".to_owned(),
            vec!["01", "21", "93", "3103"],
        ),
        (
            "AbC-dEf",
            "800501200093a1B2".to_owned(),
            vec!["01", "21", "8005", "93"],
        ),
    ] {
        let code = format!("0104606203090785{}{serial}{tail}", "21");
        let (els, warning) = elements(&code).unwrap_or_else(|e| panic!("{code}: {e:?}"));
        assert_eq!(
            els.iter().map(|e| e.0).collect::<Vec<_>>(),
            expected_ais,
            "{code}"
        );
        assert_eq!(els[1].1, serial, "{code}");
        assert_eq!(
            warning,
            Some(Warning::SeparatorRecovered {
                position: 18 + serial.len(),
                serial_length: serial.len()
            })
        );
    }
}

#[test]
fn identification_code_without_tail_is_not_recovered() {
    let (els, warning) = elements("010460620309078521ABCDEFGHIJKLM").unwrap();
    assert_eq!(els[1].1, "ABCDEFGHIJKLM");
    assert!(warning.is_none());
}

#[test]
fn ambiguous_and_unrecoverable_boundaries_are_errors() {
    // Serial 13 + 93 (water) or serial 7 + 91 + 93 (a beer-like layout)?
    let err = elements("010460620309078521ABCDEFG91HIJK93abcd").unwrap_err();
    assert_eq!(err, MarkError::AmbiguousSeparator { position: 18 });
    // 25-char serial with no known tail.
    let err = elements("010460620309078521ABCDEFGHIJKLMNOPQRSTUVWXY").unwrap_err();
    assert_eq!(err, MarkError::MissingSeparator { position: 18 });
}

#[test]
fn errors_carry_positions() {
    let err = elements("0104606203090786215ABC").unwrap_err();
    assert_eq!(
        err,
        MarkError::BadCheckDigit {
            position: 15,
            expected: 5,
            found: 6
        }
    );
    let err = elements("01046062030907").unwrap_err();
    assert_eq!(err.code(), "truncated");
    assert_eq!(err.position(), Some(14));
    let err = elements("0104606203090785991234").unwrap_err();
    assert_eq!(err, MarkError::UnknownAi { position: 16 });
    let err = elements("0104606203090785215ABC\u{1d}92tooshort").unwrap_err();
    assert_eq!(err.code(), "bad_length");
    assert_eq!(err.position(), Some(25));
    let err = elements("0104606203090785215ABC\u{1d}21XYZ").unwrap_err();
    assert_eq!(
        err,
        MarkError::DuplicateAi {
            position: 23,
            ai: "21"
        }
    );
    let err = elements("215ABC\u{1d}93abcd").unwrap_err();
    assert_eq!(err, MarkError::MissingAi { ai: "01" });
    let err = elements("0104606203090785215AB#C\u{1d}93abcd").unwrap_err();
    assert_eq!(
        err,
        MarkError::UnexpectedChar {
            position: 21,
            found: '#',
            expected: Charset::Cs82.describe()
        }
    );
    let err = elements("0104606203090785215ABC\u{1d}93ab").unwrap_err();
    assert_eq!(err.code(), "truncated");
    let err = elements("0104606203090785210123456789012345678901\u{1d}93abcd").unwrap_err();
    assert_eq!(err.code(), "bad_length");
}

#[test]
fn render_puts_gs_only_after_variable_elements() {
    let n = normalize("0104606203090785172612312156ABCDE93abcd", true).unwrap();
    let (els, warning, _) = parse(&n).unwrap();
    assert!(warning.is_some());
    let (code, spans) = render(n.body.clone(), els);
    assert_eq!(code, "0104606203090785172612312156ABCDE\u{1d}93abcd");
    assert_eq!(
        (
            spans.as_slice()[2].spec().ai,
            spans.as_slice()[2].start(),
            spans.as_slice()[2].end()
        ),
        ("21", 26, 33)
    );
}

#[test]
fn a_canonical_body_is_kept_and_a_redundant_gs_is_dropped() {
    // Canonical already: the same bytes, the same places.
    let canonical = format!("0104606203090785215ABCDEfghijkl\u{1d}91EE06\u{1d}92{CRYPTO44}");
    let n = normalize(&canonical, true).unwrap();
    let (els, _, _) = parse(&n).unwrap();
    let places: Vec<_> = els
        .iter()
        .map(|e| (e.spec().ai, e.start(), e.end()))
        .collect();
    let (code, spans) = render(n.body.clone(), els);
    assert_eq!(code, canonical);
    let kept: Vec<_> = spans
        .iter()
        .map(|e| (e.spec().ai, e.start(), e.end()))
        .collect();
    assert_eq!(kept, places);
    // A GS after 01 (predefined length) is not canonical: dropped, later values move.
    let n = normalize("0104606203090785\u{1d}21abc\u{1d}93Zx9y", true).unwrap();
    let (els, _, _) = parse(&n).unwrap();
    let (code, spans) = render(n.body.clone(), els);
    assert_eq!(code, "010460620309078521abc\u{1d}93Zx9y");
    let moved: Vec<_> = spans
        .iter()
        .map(|e| (e.spec().ai, &code[e.start()..e.end()]))
        .collect();
    assert_eq!(
        moved,
        [("01", "04606203090785"), ("21", "abc"), ("93", "Zx9y")]
    );
    // No GS at all but one is due after the serial: rendered with it.
    let n = normalize("0104606203090785215ABCDEfghijkl93Zx9y", true).unwrap();
    let (els, _, _) = parse(&n).unwrap();
    let (code, _) = render(n.body.clone(), els);
    assert_eq!(code, "0104606203090785215ABCDEfghijkl\u{1d}93Zx9y");
}

/// Every byte but GS, for the tests of [`first_outside`].
fn is_not_gs(b: u8) -> bool {
    b != GS_BYTE
}

/// `first_outside` over a whole slice.
fn first_not_in(bytes: &[u8], has: impl Fn(u8) -> bool + Copy) -> Option<usize> {
    first_outside(bytes, 0, bytes.len(), has)
}

#[test]
fn first_outside_finds_the_first_outsider_in_and_across_blocks() {
    for len in 0..70 {
        for bad in 0..=len {
            let mut bytes = vec![b'A'; len];
            if bad < len {
                bytes[bad] = GS_BYTE;
            }
            let want = (bad < len).then_some(bad);
            assert_eq!(first_not_in(&bytes, is_not_gs), want, "len {len}, at {bad}");
            assert_eq!(bytes.iter().position(|&b| b == GS_BYTE), want);
        }
    }
    assert_eq!(first_not_in(b"0123456789012345678x", is_digit), Some(19));
    assert_eq!(first_not_in(&[0xc3, b'a'], is_cs82), Some(0));
    assert_eq!(first_not_in(b"ab+/=09", is_base64), None);
    assert_eq!(first_not_in(b"ab+/=09*", is_base64), Some(7));
    // What lies outside `from..to` does not count, read or not.
    let bytes = b"#0123456789012345678901234567#";
    assert_eq!(first_outside(bytes, 1, 29, is_digit), None);
    assert_eq!(first_outside(bytes, 0, 29, is_digit), Some(0));
    assert_eq!(first_outside(bytes, 1, 30, is_digit), Some(29));
    assert_eq!(first_outside(bytes, 20, 29, is_digit), None);
    assert_eq!(first_outside(bytes, 29, 29, is_digit), None);
}

/// The range tests are the sets they name, for every byte value.
#[test]
fn byte_sets_are_their_definitions() {
    let specials = b"!\"%&'()*+,-./:;<=>?_";
    for b in 0..=u8::MAX {
        let cs82 = b.is_ascii_alphanumeric() || specials.contains(&b);
        let base64 = b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
        assert_eq!(is_cs82(b), cs82, "set 82, byte {b:#04x}");
        assert_eq!(is_base64(b), base64, "Base64, byte {b:#04x}");
        assert_eq!(is_digit(b), b.is_ascii_digit(), "digit, byte {b:#04x}");
    }
}

/// `first_outside` agrees with a plain search for every set, every range `from..to` of
/// slices up to three blocks long, and outsiders of every kind at every place (inside a
/// block, in the last bytes read as an overlapping block, before `from`, at or after `to`, in
/// a slice shorter than a block).
#[test]
fn first_outside_is_a_plain_search_for_every_set_and_range() {
    type Set = (&'static str, fn(u8) -> bool, u8);
    let sets: [Set; 4] = [
        ("cs82", is_cs82, b'A'),
        ("base64", is_base64, b'z'),
        ("digits", is_digit, b'7'),
        ("not gs", is_not_gs, b'~'),
    ];
    let stops = [
        0u8, GS_BYTE, b' ', b'#', b'*', b'@', b'[', b'`', b'{', b'~', 0x80, 0xff,
    ];
    for (name, has, fill) in sets {
        for len in 0..=36 {
            for at in 0..=len {
                for (s, &stop) in stops.iter().enumerate() {
                    let mut bytes = vec![fill; len];
                    if at < len {
                        bytes[at] = stop;
                    }
                    // A second outsider later must not hide the first.
                    if at + 3 < len {
                        bytes[at + 3] = 0xc3;
                    }
                    // Every range for a few kinds of outsider, the whole slice for the others.
                    let ranges: Vec<(usize, usize)> = if s % 4 == 1 {
                        (0..=len)
                            .flat_map(|from| (from..=len).map(move |to| (from, to)))
                            .collect()
                    } else {
                        vec![(0, len)]
                    };
                    for (from, to) in ranges {
                        let want = (from..to).find(|&k| !has(bytes[k]));
                        assert_eq!(
                            first_outside(&bytes, from, to, has),
                            want,
                            "{name}: len {len}, {stop:#04x} at {at}, {from}..{to}"
                        );
                    }
                }
            }
        }
    }
}

/// More elements than are kept in line: every one is found, in order, and the code reads
/// the same again.
#[test]
fn codes_with_more_elements_than_kept_in_line() {
    let code = "0104606203090785112601011326010215260103162601041726010520013100000450\
                3150000500215ABC\u{1d}93abcd";
    let n = normalize(code, true).unwrap();
    let (els, _, _) = parse(&n).unwrap();
    assert!(matches!(els, Elements::Heap(_)));
    let ais: Vec<_> = els.iter().map(|e| e.spec().ai).collect();
    assert_eq!(
        ais,
        ["01", "11", "13", "15", "16", "17", "20", "3100", "3150", "21", "93"]
    );
    assert_eq!(
        els.iter()
            .map(|e| &n.body[e.start()..e.end()])
            .collect::<Vec<_>>(),
        [
            "04606203090785",
            "260101",
            "260102",
            "260103",
            "260104",
            "260105",
            "01",
            "000450",
            "000500",
            "5ABC",
            "abcd"
        ]
    );
    let (rendered, spans) = render(n.body.clone(), els.clone());
    assert_eq!(rendered, code);
    assert_eq!(spans, els);
    // A duplicate among them is still found.
    let twice = format!("{code}\u{1d}3100000450");
    assert_eq!(
        elements(&twice).unwrap_err().code(),
        "duplicate_ai",
        "{twice}"
    );
    // Four elements stay in line.
    let n = normalize(
        &format!("0104606203090785215ABC\u{1d}91EE06\u{1d}92{CRYPTO44}"),
        true,
    )
    .unwrap();
    assert!(matches!(
        parse(&n).unwrap().0,
        Elements::Inline { len: 4, .. }
    ));
}

/// The debug form of the elements is the one the earlier `Vec` of `{ spec, start, end }` had.
#[test]
fn elements_debug_as_before() {
    let n = normalize("0104606203090785215ABC", true).unwrap();
    let (els, _, _) = parse(&n).unwrap();
    assert_eq!(
        format!("{els:?}"),
        "[RawElement { spec: AiSpec { ai: \"01\", len: Fixed(14), charset: Digits, predefined: true, \
         expected: \"14 digits of the GTIN (AI 01)\" }, start: 2, end: 16 }, RawElement { spec: \
         AiSpec { ai: \"21\", len: Var { max: 20 }, charset: Cs82, predefined: false, expected: \
         \"a serial number of 1 to 20 characters (AI 21)\" }, start: 18, end: 22 }]"
    );
}

/// Variable-length values with GS: the one scan that finds their end also checks their
/// characters, with the error the character check gave (first wrong character, its place).
#[test]
fn variable_values_are_checked_on_the_way_to_their_gs() {
    let err = elements("0104606203090785215A#C\u{1d}93abcd").unwrap_err();
    assert_eq!(
        err,
        MarkError::UnexpectedChar {
            position: 20,
            found: '#',
            expected: Charset::Cs82.describe()
        }
    );
    // After the last GS: up to the end.
    let err = elements(&format!(
        "0104606203090785215ABC\u{1d}91EE06\u{1d}92{}#",
        &CRYPTO44[..43]
    ))
    .unwrap_err();
    assert_eq!(err.code(), "unexpected_char");
    assert_eq!(err.position(), Some(75));
    // A count (AI 30, digits) ending at a GS, and one with a letter in it.
    assert_eq!(
        ais("0104606203090785301234\u{1d}215ABC"),
        ["01", "30", "21"]
    );
    let err = elements("01046062030907853012a4\u{1d}215ABC").unwrap_err();
    assert_eq!(
        err,
        MarkError::UnexpectedChar {
            position: 20,
            found: 'a',
            expected: Charset::Digits.describe()
        }
    );
}

/// The crypto signature's first character outside Base64 is found on the way to the end of
/// the value, with a GS after it or without any GS, and only inside the value.
#[test]
fn crypto_outside_base64_is_reported_where_it_is() {
    let crypto = format!("{}*{}", &CRYPTO44[..10], &CRYPTO44[11..]);
    for (code, at) in [
        // With GS: the value runs to the end.
        (
            format!("0104606203090785215ABC\u{1d}91EE06\u{1d}92{crypto}"),
            42,
        ),
        // A GS after the signature ends it; what follows is not looked at.
        (
            format!("0104606203090785215ABC\u{1d}92{crypto}\u{1d}93a*b*"),
            35,
        ),
        // No GS at all: the serial is recovered, the value is the rest.
        (
            format!("0104606203090785215ABCDEfghijkl91EE0692{crypto}"),
            49,
        ),
    ] {
        let n = normalize(&code, true).unwrap();
        let (_, _, warning) = parse(&n).unwrap();
        assert_eq!(
            warning,
            Some(Warning::CryptoNotBase64 { position: at }),
            "{code}"
        );
    }
    // Base64 throughout: no warning.
    let n = normalize(
        &format!("0104606203090785215ABC\u{1d}92{CRYPTO44}\u{1d}93a*b*"),
        true,
    )
    .unwrap();
    assert_eq!(parse(&n).unwrap().2, None);
    // A character outside set 82 is an error, not a warning.
    let bad = format!("{}#{}", &CRYPTO44[..10], &CRYPTO44[11..]);
    let n = normalize(&format!("0104606203090785215ABC\u{1d}92{bad}"), true).unwrap();
    assert_eq!(
        parse(&n).unwrap_err(),
        MarkError::UnexpectedChar {
            position: 35,
            found: '#',
            expected: Charset::Cs82.describe()
        }
    );
}
