//! Undoing the Russian keyboard layout, on explicit request only.

/// Pairs of (character typed in the Russian ЙЦУКЕН layout, Latin-layout character of the
/// same key). Lower case, upper case (Shift) and the punctuation that moves.
const RU_TO_LATIN: &[(char, char)] = &[
    ('й', 'q'),
    ('ц', 'w'),
    ('у', 'e'),
    ('к', 'r'),
    ('е', 't'),
    ('н', 'y'),
    ('г', 'u'),
    ('ш', 'i'),
    ('щ', 'o'),
    ('з', 'p'),
    ('х', '['),
    ('ъ', ']'),
    ('ф', 'a'),
    ('ы', 's'),
    ('в', 'd'),
    ('а', 'f'),
    ('п', 'g'),
    ('р', 'h'),
    ('о', 'j'),
    ('л', 'k'),
    ('д', 'l'),
    ('ж', ';'),
    ('э', '\''),
    ('я', 'z'),
    ('ч', 'x'),
    ('с', 'c'),
    ('м', 'v'),
    ('и', 'b'),
    ('т', 'n'),
    ('ь', 'm'),
    ('б', ','),
    ('ю', '.'),
    ('ё', '`'),
    ('Й', 'Q'),
    ('Ц', 'W'),
    ('У', 'E'),
    ('К', 'R'),
    ('Е', 'T'),
    ('Н', 'Y'),
    ('Г', 'U'),
    ('Ш', 'I'),
    ('Щ', 'O'),
    ('З', 'P'),
    ('Х', '{'),
    ('Ъ', '}'),
    ('Ф', 'A'),
    ('Ы', 'S'),
    ('В', 'D'),
    ('А', 'F'),
    ('П', 'G'),
    ('Р', 'H'),
    ('О', 'J'),
    ('Л', 'K'),
    ('Д', 'L'),
    ('Ж', ':'),
    ('Э', '"'),
    ('Я', 'Z'),
    ('Ч', 'X'),
    ('С', 'C'),
    ('М', 'V'),
    ('И', 'B'),
    ('Т', 'N'),
    ('Ь', 'M'),
    ('Б', '<'),
    ('Ю', '>'),
    ('Ё', '~'),
    ('"', '@'),
    ('№', '#'),
    (';', '$'),
    (':', '^'),
    ('?', '&'),
    ('.', '/'),
    (',', '?'),
    ('/', '|'),
];

/// Re-reads a string typed with the Russian (ЙЦУКЕН) layout as if the Latin (QWERTY)
/// layout had been active: `ПЩ` → `GO`, `Б` → `<`, `.` → `/`, `"` → `@` ….
///
/// The parser never does this by itself (it reports
/// [`MarkError::RussianKeyboardLayout`](crate::MarkError::RussianKeyboardLayout)): the
/// whole string is converted, punctuation included, which is right only if *every* key was
/// typed in the Russian layout. A keyboard-wedge scanner does that, but a person fixing a
/// code by hand may not. Parse the result again, and prefer asking for a rescan after
/// switching the layout; show the user what was changed.
///
/// ```
/// use fiskal_marks::{latin_from_russian_layout, MarkCode};
/// let typed = "0104606203090785215ФИСВУАпршол\u{1d}93фи1в";
/// assert!(MarkCode::parse(typed).is_err());
/// let fixed = latin_from_russian_layout(typed);
/// assert_eq!(fixed, "0104606203090785215ABCDEFghijk\u{1d}93ab1d");
/// assert_eq!(MarkCode::parse(&fixed).unwrap().serial(), Some("5ABCDEFghijk"));
/// ```
#[must_use]
pub fn latin_from_russian_layout(input: &str) -> String {
    input
        .chars()
        .map(|c| {
            RU_TO_LATIN
                .iter()
                .find(|&&(ru, _)| ru == c)
                .map_or(c, |&(_, latin)| latin)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cyrillic_letter_maps_once() {
        let mut seen = std::collections::HashSet::new();
        for &(ru, _) in RU_TO_LATIN {
            assert!(seen.insert(ru), "{ru} twice");
        }
        // 33 letters in two cases plus 8 punctuation keys.
        assert_eq!(RU_TO_LATIN.len(), 33 * 2 + 8);
    }

    #[test]
    fn converts_letters_and_punctuation() {
        assert_eq!(latin_from_russian_layout("ПЩ<ю.Б"), "GO<./<");
        assert_eq!(latin_from_russian_layout("0104"), "0104");
    }
}
