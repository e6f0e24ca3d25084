//! The fixed-width text form: what a receipt printer of `width` columns would print.
//!
//! Widths are counted in characters (`char`s), not bytes: a Cyrillic letter is one column, as on
//! a register's printer (CP866, one byte per character). Lines never end in spaces.

use crate::layout::{Block, Doc};

/// Columns of one indentation level (item details sit under the item's name after `1. `).
const INDENT: usize = 3;

fn width_of(s: &str) -> usize {
    s.chars().count()
}

/// Splits `text` into lines of at most `width` characters at spaces; a word longer than a line
/// is cut. Runs of spaces inside the text collapse to one. Empty text gives one empty line.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_w = 0;
    for word in text.split_whitespace() {
        let mut word: &str = word;
        loop {
            let w = width_of(word);
            let need = if line_w == 0 { w } else { line_w + 1 + w };
            if need <= width {
                if line_w > 0 {
                    line.push(' ');
                }
                line.push_str(word);
                line_w = need;
                break;
            }
            if line_w > 0 {
                lines.push(std::mem::take(&mut line));
                line_w = 0;
                continue;
            }
            // A word wider than the whole line: cut it.
            let cut = word
                .char_indices()
                .nth(width)
                .map_or(word.len(), |(i, _)| i);
            lines.push(word[..cut].to_owned());
            word = &word[cut..];
            if word.is_empty() {
                break;
            }
        }
    }
    if line_w > 0 || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn push_line(out: &mut String, line: &str) {
    out.push_str(line.trim_end());
    out.push('\n');
}

fn pad(n: usize) -> String {
    " ".repeat(n)
}

fn pair(out: &mut String, left: &str, right: &str, indent: usize, width: usize) {
    let avail = width.saturating_sub(indent).max(1);
    let right_w = width_of(right);
    let mut lines = wrap(left, avail);
    let last = lines.pop().unwrap_or_default();
    for l in &lines {
        push_line(out, &format!("{}{l}", pad(indent)));
    }
    let last_w = indent + width_of(&last);
    if last_w + 1 + right_w <= width {
        let gap = width - last_w - right_w;
        push_line(out, &format!("{}{last}{}{right}", pad(indent), pad(gap)));
        return;
    }
    push_line(out, &format!("{}{last}", pad(indent)));
    if right_w <= avail {
        push_line(out, &format!("{}{right}", pad(width - right_w)));
    } else {
        for l in wrap(right, avail) {
            push_line(out, &format!("{}{l}", pad(indent)));
        }
    }
}

/// The text form of a laid-out receipt.
pub(crate) fn render(doc: &Doc, width: usize) -> String {
    let mut out = String::new();
    for block in &doc.blocks {
        match block {
            Block::Center { text, .. } => {
                for l in wrap(text, width) {
                    let left = (width.saturating_sub(width_of(&l))) / 2;
                    push_line(&mut out, &format!("{}{l}", pad(left)));
                }
            }
            Block::Text { text, indent } => {
                let indent = INDENT * usize::from(*indent);
                for l in wrap(text, width.saturating_sub(indent)) {
                    push_line(&mut out, &format!("{}{l}", pad(indent)));
                }
            }
            Block::Pair {
                left,
                right,
                indent,
                ..
            } => pair(&mut out, left, right, INDENT * usize::from(*indent), width),
            Block::Heading { prefix, text } => {
                // The hanging indent is the prefix's width, at least one indentation level, so
                // the name lines up with the item's details below it.
                let hang = width_of(prefix).max(INDENT);
                for (i, l) in wrap(text, width.saturating_sub(hang)).iter().enumerate() {
                    let lead = if i == 0 {
                        format!("{prefix:<hang$}")
                    } else {
                        pad(hang)
                    };
                    push_line(&mut out, &format!("{lead}{l}"));
                }
            }
            Block::Rule => push_line(&mut out, &"-".repeat(width)),
            Block::Banner { lines } => {
                let stars = "*".repeat(width);
                push_line(&mut out, &stars);
                for text in lines {
                    for l in wrap(text, width.saturating_sub(4)) {
                        let left = (width.saturating_sub(width_of(&l))) / 2;
                        push_line(&mut out, &format!("{}{l}", pad(left)));
                    }
                }
                push_line(&mut out, &stars);
            }
            // No picture in text: the QR code's content is what the buyer would check by hand
            // (date, sum, ФН, ФД, ФП), and all of it is printed above.
            Block::Qr { .. } => {}
            Block::Link { label, url } => {
                push_line(&mut out, &format!("{label}:"));
                for l in wrap(url, width) {
                    push_line(&mut out, &l);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_and_cuts_long_words() {
        assert_eq!(wrap("один два три", 8), ["один два", "три"]);
        assert_eq!(wrap("абвгдежзик", 4), ["абвг", "дежз", "ик"]);
        assert_eq!(wrap("", 10), [""]);
        assert_eq!(wrap("  a   b  ", 10), ["a b"]);
        assert_eq!(wrap("ab cdefghij k", 4), ["ab", "cdef", "ghij", "k"]);
    }

    #[test]
    fn pair_fits_or_breaks() {
        let mut s = String::new();
        pair(&mut s, "ИТОГ", "=1.00", 0, 12);
        assert_eq!(s, "ИТОГ   =1.00\n");
        let mut s = String::new();
        pair(&mut s, "ОЧЕНЬ ДЛИННОЕ", "=100.00", 0, 12);
        assert_eq!(s, "ОЧЕНЬ\nДЛИННОЕ\n     =100.00\n");
        let mut s = String::new();
        pair(&mut s, "A", "=123456789012345", 3, 12);
        assert_eq!(s, "   A\n   =12345678\n   9012345\n");
    }
}
