//! The HTML form: one self-contained page (no external CSS, fonts, scripts or images) that looks
//! like a paper receipt.
//!
//! Built for the two places it goes: an e-mail body and a 1C print form (the HTML document field).
//! Both handle old-fashioned markup best, so the receipt is a `<table>` with `style` attributes on
//! the elements rather than flexbox or a `<style>` sheet, which some mail clients strip. Every text
//! from the receipt is escaped ([`escape`]).

use crate::layout::{Block, Doc, Weight};
use crate::{HtmlQr, Options};
use std::fmt::Write as _;

/// Escapes `&`, `<`, `>`, `"` and `'` for use in element content and in quoted attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const FONT: &str = "font-family:'DejaVu Sans Mono','Courier New',Consolas,monospace;\
                    font-size:13px;line-height:1.35;color:#000";
const CELL: &str = "padding:0;vertical-align:bottom;overflow-wrap:anywhere;word-break:break-word";
/// Indentation of item details, in characters of the monospace font.
const INDENT_CH: usize = 3;
/// Values up to this many characters never wrap (amounts, numbers, short names).
const NOWRAP_MAX: usize = 24;

fn weight_style(w: Weight) -> &'static str {
    match w {
        Weight::Normal => "",
        Weight::Strong => "font-weight:bold;",
        Weight::Title => "font-weight:bold;font-size:15px;",
    }
}

fn indent_style(indent: u8) -> String {
    if indent == 0 {
        String::new()
    } else {
        format!("padding-left:{}ch;", INDENT_CH * usize::from(indent))
    }
}

fn full_row(out: &mut String, style: &str, content: &str) {
    let _ = writeln!(out, "<tr><td style=\"{CELL};{style}\">{content}</td></tr>");
}

/// The HTML page of a laid-out receipt.
pub(crate) fn render(doc: &Doc, opts: &Options) -> String {
    let width_ch = opts.width.columns();
    let mut out = String::with_capacity(8 * 1024);
    let _ = writeln!(out, "<!DOCTYPE html>");
    let _ = writeln!(out, "<html lang=\"ru\">");
    let _ = writeln!(out, "<head>");
    let _ = writeln!(out, "<meta charset=\"utf-8\">");
    let _ = writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    );
    let _ = writeln!(out, "<title>{}</title>", escape(&doc.title));
    let _ = writeln!(out, "</head>");
    let _ = writeln!(
        out,
        "<body style=\"margin:0;padding:16px 8px;background:#eeeeee;\">"
    );
    // The paper: white, `width` monospace columns wide (`ch`; the px value before it is the same
    // width for the few mail clients without `ch`), padding outside those columns.
    let width_px = width_ch * 8;
    let _ = writeln!(
        out,
        "<div style=\"{FONT};width:{width_px}px;width:{width_ch}ch;max-width:100%;margin:0 auto;\
         padding:14px 16px;background:#ffffff;box-shadow:0 1px 4px rgba(0,0,0,.25);\">"
    );
    let _ = writeln!(
        out,
        "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" \
         style=\"{FONT};width:100%;border-collapse:collapse;\">"
    );
    for block in &doc.blocks {
        match block {
            Block::Center { text, weight } => full_row(
                &mut out,
                &format!("text-align:center;{}", weight_style(*weight)),
                &escape(text),
            ),
            Block::Text { text, indent } => {
                if text.is_empty() {
                    full_row(&mut out, "height:0.6em;", "");
                } else {
                    full_row(&mut out, &indent_style(*indent), &escape(text));
                }
            }
            Block::Pair {
                left,
                right,
                indent,
                weight,
            } => {
                // Each pair is its own two-cell table, so a long value in one row does not
                // widen the value column of every other row. A short value never breaks.
                let w = weight_style(*weight);
                let nowrap = if right.chars().count() <= NOWRAP_MAX {
                    "white-space:nowrap;"
                } else {
                    ""
                };
                full_row(
                    &mut out,
                    &indent_style(*indent),
                    &format!(
                        "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" \
                         style=\"{FONT};width:100%;border-collapse:collapse;\"><tr>\
                         <td style=\"{CELL};{w}\">{}</td>\
                         <td style=\"{CELL};text-align:right;{nowrap}padding-left:1ch;{w}\">{}</td>\
                         </tr></table>",
                        escape(left),
                        escape(right)
                    ),
                );
            }
            Block::Heading { prefix, text } => {
                // Hanging indent: the number sits in the indentation of the wrapped name.
                let hang = prefix.chars().count().max(INDENT_CH);
                full_row(
                    &mut out,
                    &format!("padding-left:{hang}ch;text-indent:-{hang}ch;"),
                    &format!(
                        "<span style=\"display:inline-block;width:{hang}ch;text-indent:0;\">{}</span>{}",
                        escape(prefix.trim_end()),
                        escape(text)
                    ),
                );
            }
            Block::Rule => full_row(
                &mut out,
                "padding:3px 0 4px 0;",
                "<div style=\"border-top:1px dashed #000;height:0;font-size:0;line-height:0;\"></div>",
            ),
            Block::Banner { lines } => {
                let body: Vec<String> = lines.iter().map(|l| escape(l)).collect();
                full_row(
                    &mut out,
                    "text-align:center;font-weight:bold;border:2px solid #000;padding:6px;",
                    &body.join("<br>"),
                );
            }
            Block::Link { label, url } => {
                let href = escape(url);
                let safe = url.starts_with("https://") || url.starts_with("http://");
                let content = if safe {
                    format!(
                        "{}: <a href=\"{href}\" style=\"color:#000;\">{href}</a>",
                        escape(label)
                    )
                } else {
                    format!("{}: {href}", escape(label))
                };
                full_row(&mut out, "padding-top:4px;", &content);
            }
            Block::Qr { text } => qr_row(&mut out, text, opts),
        }
    }
    let _ = writeln!(out, "</table>");
    let _ = writeln!(out, "</div>");
    let _ = writeln!(out, "</body>");
    let _ = writeln!(out, "</html>");
    out
}

fn qr_row(out: &mut String, text: &str, opts: &Options) {
    const SIZE_PX: usize = 164;
    let content = match &opts.html_qr {
        HtmlQr::InlineSvg => match crate::qr::svg_sized(text, SIZE_PX) {
            Ok(svg) => svg,
            // Not a QR code (the string is too long for one): show what it would have said.
            Err(_) => escape(text),
        },
        HtmlQr::Image { src } => format!(
            "<img src=\"{}\" width=\"{SIZE_PX}\" height=\"{SIZE_PX}\" alt=\"{}\" \
             style=\"display:inline-block;image-rendering:pixelated;\">",
            escape(src),
            escape(text)
        ),
        HtmlQr::Omit => return,
    };
    full_row(out, "text-align:center;padding-top:10px;", &content);
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<b>"Рога & копыта"</b> 'x'"#),
            "&lt;b&gt;&quot;Рога &amp; копыта&quot;&lt;/b&gt; &#39;x&#39;"
        );
    }
}
