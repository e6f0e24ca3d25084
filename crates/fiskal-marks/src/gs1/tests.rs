//! Tests of the GS1 element-string parser.

use super::*;
use crate::normalize::normalize;

type Pairs = Vec<(&'static str, String)>;

fn elements(s: &str) -> Result<(Pairs, Option<Warning>), MarkError> {
    let n = normalize(s, true)?;
    let (els, warning) = parse(&n)?;
    let pairs = els
        .iter()
        .map(|e| {
            (
                e.spec.ai,
                String::from_utf8(n.body[e.start..e.end].to_vec()).unwrap(),
            )
        })
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
    let (els, warning) = parse(&n).unwrap();
    assert!(warning.is_some());
    let (code, spans) = render(n.body.clone(), els);
    assert_eq!(code, "0104606203090785172612312156ABCDE\u{1d}93abcd");
    assert_eq!(
        (spans[2].spec.ai, spans[2].start, spans[2].end),
        ("21", 26, 33)
    );
}

#[test]
fn a_canonical_body_is_kept_and_a_redundant_gs_is_dropped() {
    // Canonical already: the same bytes, the same places.
    let canonical = format!("0104606203090785215ABCDEfghijkl\u{1d}91EE06\u{1d}92{CRYPTO44}");
    let n = normalize(&canonical, true).unwrap();
    let (els, _) = parse(&n).unwrap();
    let places: Vec<_> = els.iter().map(|e| (e.spec.ai, e.start, e.end)).collect();
    let (code, spans) = render(n.body.clone(), els);
    assert_eq!(code, canonical);
    let kept: Vec<_> = spans.iter().map(|e| (e.spec.ai, e.start, e.end)).collect();
    assert_eq!(kept, places);
    // A GS after 01 (predefined length) is not canonical: dropped, later values move.
    let n = normalize("0104606203090785\u{1d}21abc\u{1d}93Zx9y", true).unwrap();
    let (els, _) = parse(&n).unwrap();
    let (code, spans) = render(n.body.clone(), els);
    assert_eq!(code, "010460620309078521abc\u{1d}93Zx9y");
    let moved: Vec<_> = spans
        .iter()
        .map(|e| (e.spec.ai, &code[e.start..e.end]))
        .collect();
    assert_eq!(
        moved,
        [("01", "04606203090785"), ("21", "abc"), ("93", "Zx9y")]
    );
    // No GS at all but one is due after the serial: rendered with it.
    let n = normalize("0104606203090785215ABCDEfghijkl93Zx9y", true).unwrap();
    let (els, _) = parse(&n).unwrap();
    let (code, _) = render(n.body.clone(), els);
    assert_eq!(code, "0104606203090785215ABCDEfghijkl\u{1d}93Zx9y");
}

#[test]
fn first_not_in_finds_the_first_outsider_in_and_across_blocks() {
    for len in 0..70 {
        for bad in 0..=len {
            let mut bytes = vec![b'A'; len];
            if bad < len {
                bytes[bad] = GS_BYTE;
            }
            let want = (bad < len).then_some(bad);
            assert_eq!(first_not_in(&bytes, &NOT_GS), want, "len {len}, at {bad}");
            assert_eq!(bytes.iter().position(|&b| b == GS_BYTE), want);
        }
    }
    assert_eq!(first_not_in(b"0123456789012345678x", &DIGITS), Some(19));
    assert_eq!(first_not_in(&[0xc3, b'a'], &CS82), Some(0));
    assert_eq!(first_not_in(b"ab+/=09", &BASE64), None);
    assert_eq!(first_not_in(b"ab+/=09*", &BASE64), Some(7));
}
