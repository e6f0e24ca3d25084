//! Receipt work without a provider: validate, split, mark, TLV, render (through fiskal-json).

use super::{api_error, parse_json, read_input};
use crate::out::{exit, CliError, Lang, Out};
use crate::{LimitsPreset, RenderFormat, TlvFormat};
use serde_json::{json, Value};
use std::path::Path;
pub(super) fn validate(out: &Out, file: &Path) -> Result<(), CliError> {
    let text = read_input(file)?;
    let v = parse_json(&fiskal_json::validate(&text).map_err(|e| api_error(out, e))?)?;
    out.json(&v);
    let r = &v["receipt"];
    out.say(
        &format!(
            "Чек корректен: ФФД {}, позиций: {}, итог {} ₽.",
            r["ffd"].as_str().unwrap_or("?"),
            r["items"].as_array().map_or(0, Vec::len),
            r["total"].as_str().unwrap_or("?")
        ),
        &format!(
            "The receipt is valid: FFD {}, {} items, total {} RUB.",
            r["ffd"].as_str().unwrap_or("?"),
            r["items"].as_array().map_or(0, Vec::len),
            r["total"].as_str().unwrap_or("?")
        ),
    );
    Ok(())
}

pub(super) fn split(
    out: &Out,
    file: &Path,
    key: &str,
    budget: Option<usize>,
    provider: LimitsPreset,
    dir: Option<&Path>,
) -> Result<(), CliError> {
    let text = read_input(file)?;
    let receipt: Value = serde_json::from_str(&text).map_err(|e| {
        CliError::tr(
            exit::INVALID_INPUT,
            format!("{}: это не JSON: {e}", file.display()),
            format!("{}: not JSON: {e}", file.display()),
        )
    })?;
    let mut options = json!({
        "provider": match provider { LimitsPreset::None => "none", LimitsPreset::Atol => "atol" }
    });
    if let Some(b) = budget {
        options["budget"] = json!(b);
    }
    let input = json!({"version": 1, "receipt": receipt, "key": key, "options": options});
    let mut v =
        parse_json(&fiskal_json::split(&input.to_string()).map_err(|e| api_error(out, e))?)?;
    let parts = v["parts"].as_array().cloned().unwrap_or_default();
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir).map_err(|e| CliError::io(dir, &e))?;
        let mut written = Vec::new();
        for p in &parts {
            let name = format!("{}.json", p["key"].as_str().unwrap_or("part"));
            let path = dir.join(name);
            let text = serde_json::to_string_pretty(&p["receipt"])
                .map_err(|e| CliError::internal(e.to_string()))?;
            std::fs::write(&path, text + "\n").map_err(|e| CliError::io(&path, &e))?;
            written.push(path.display().to_string());
        }
        v["files"] = json!(written);
        out.say(
            &format!("Части записаны в {}: {}", dir.display(), written.len()),
            &format!("Parts written to {}: {}", dir.display(), written.len()),
        );
    }
    out.json(&v);
    out.say(
        &format!("Частей: {}", parts.len()),
        &format!("Parts: {}", parts.len()),
    );
    for p in &parts {
        out.text(&format!(
            "  {:<24} позиции/items {:>4}–{:<4} итог/total {:>12}  ≤ {} B",
            p["key"].as_str().unwrap_or(""),
            p["items"]["start"].as_u64().unwrap_or(0) + 1,
            p["items"]["end"],
            p["receipt"]["total"].as_str().unwrap_or(""),
            p["size_bound"]
        ));
    }
    Ok(())
}

pub(super) fn mark(out: &Out, scan: &str) -> Result<(), CliError> {
    let input = json!({"version": 1, "code": scan});
    let v = parse_json(&fiskal_json::mark(&input.to_string()).map_err(|e| api_error(out, e))?)?;
    out.json(&v);
    if out.json {
        return Ok(());
    }
    let row = |ru: &str, en: &str, val: &Value| {
        let label = if out.lang == Lang::Ru { ru } else { en };
        let s = match val {
            Value::String(s) => s.clone(),
            Value::Null => "—".into(),
            other => other.to_string(),
        };
        out.text(&format!("{label:<34} {s}"));
    };
    row("формат", "format", &v["format"]);
    row("товарная группа", "product group", &v["product_group"]);
    row("GTIN", "GTIN", &v["gtin"]);
    row("серийный номер", "serial", &v["serial"]);
    row("тег 2000 (ФФД 1.2)", "tag 2000 (FFD 1.2)", &v["tag_2000"]);
    row("тег 1163 (ФФД 1.2)", "tag 1163 (FFD 1.2)", &v["tag_1163"]);
    row(
        "тег 1162 hex (ФФД 1.05)",
        "tag 1162 hex (FFD 1.05)",
        &v["tag_1162"]["hex_spaced"],
    );
    row(
        "тег 1162 base64",
        "tag 1162 base64",
        &v["tag_1162"]["base64"],
    );
    if let Some(p) = v["providers"].as_object() {
        for (k, val) in p {
            row(k, k, val);
        }
    }
    if let Some(w) = v["warnings"].as_array() {
        for x in w {
            row("предупреждение", "warning", x);
        }
    }
    Ok(())
}

pub(super) fn tlv_encode(
    out: &Out,
    file: &Path,
    format: TlvFormat,
    to: Option<&Path>,
) -> Result<(), CliError> {
    let text = read_input(file)?;
    let v = parse_json(&fiskal_json::to_tlv(&text).map_err(|e| api_error(out, e))?)?;
    let hex_text = v["hex"].as_str().unwrap_or_default().to_owned();
    let data: Vec<u8> = match format {
        TlvFormat::Hex => hex_text.clone().into_bytes(),
        TlvFormat::Base64 => v["base64"].as_str().unwrap_or_default().as_bytes().to_vec(),
        TlvFormat::Bin => {
            hex::decode(&hex_text).map_err(|e| CliError::internal(format!("library hex: {e}")))?
        }
    };
    match to {
        Some(p) => {
            std::fs::write(p, &data).map_err(|e| CliError::io(p, &e))?;
            out.json(&v);
            out.say(
                &format!("{} байт ТЛВ записано в {}", v["size"], p.display()),
                &format!("{} bytes of TLV written to {}", v["size"], p.display()),
            );
        }
        None if matches!(format, TlvFormat::Bin) => {
            return Err(CliError::tr(
                exit::CONFIG,
                "для --format bin нужен --out FILE (двоичные данные не выводятся в терминал)",
                "--format bin needs --out FILE",
            ));
        }
        None => {
            out.json(&v);
            out.text(&String::from_utf8_lossy(&data));
        }
    }
    Ok(())
}

/// `tlv decode`: every document form (the dump), the receipt too for forms 3 / 31; `bare` for
/// a requisite list without the form envelope, `form` to read such a list as that form.
pub(super) fn tlv_decode(
    out: &Out,
    file: &Path,
    format: TlvFormat,
    bare: bool,
    form: Option<u16>,
) -> Result<(), CliError> {
    let mut input = match format {
        TlvFormat::Bin => {
            let bytes = std::fs::read(file).map_err(|e| CliError::io(file, &e))?;
            json!({"version": 1, "hex": hex::encode(bytes)})
        }
        TlvFormat::Hex => json!({"version": 1, "hex": read_input(file)?.trim()}),
        TlvFormat::Base64 => json!({"version": 1, "base64": read_input(file)?.trim()}),
    };
    if bare {
        input["bare"] = json!(true);
        if let Some(f) = form {
            input["form"] = json!(f);
        }
    }
    let v = parse_json(&fiskal_json::from_tlv(&input.to_string()).map_err(|e| api_error(out, e))?)?;
    out.json(&v);
    if !out.json {
        match &v["dump"] {
            Value::Array(list) => list.iter().for_each(|t| dump_lines(t, 0, out)),
            doc => dump_lines(doc, 0, out),
        }
        if v["valid"] == json!(false) {
            out.say(
                "Чек не проходит проверку ФФД:",
                "The decoded receipt breaks FFD rules:",
            );
            for x in v["violations"].as_array().into_iter().flatten() {
                out.text(&format!(
                    "  {}: {}",
                    x["path"].as_str().unwrap_or(""),
                    x["message_ru"].as_str().unwrap_or("")
                ));
            }
        }
    }
    Ok(())
}

/// The dump with Russian tag names, indented.
fn dump_lines(v: &Value, depth: usize, out: &Out) {
    let pad = "  ".repeat(depth);
    let tag = &v["tag"];
    let name = v["name"].as_str().unwrap_or("");
    match &v["value"] {
        Value::Array(children) => {
            out.text(&format!("{pad}{tag} {name}"));
            for c in children {
                dump_lines(c, depth + 1, out);
            }
        }
        other => {
            let meaning = v["meaning"]
                .as_str()
                .map(|m| format!(" ({m})"))
                .unwrap_or_default();
            let val = match other {
                Value::String(s) => s.clone(),
                x => x.to_string(),
            };
            out.text(&format!("{pad}{tag} {name}: {val}{meaning}"));
        }
    }
}

pub(super) struct RenderArgs<'a> {
    pub(super) file: &'a Path,
    pub(super) fiscal: Option<&'a Path>,
    pub(super) format: RenderFormat,
    pub(super) width: usize,
    pub(super) to: Option<&'a Path>,
    pub(super) qr_png: Option<&'a Path>,
    pub(super) qr_svg: Option<&'a Path>,
}

pub(super) fn render(out: &Out, a: &RenderArgs<'_>) -> Result<(), CliError> {
    let width = match a.width {
        42 => fiskal_render::Width::Cols42,
        48 => fiskal_render::Width::Cols48,
        w => {
            return Err(CliError::tr(
                exit::CONFIG,
                format!("--width {w}: ширина чека 42 или 48 символов"),
                format!("--width {w}: the receipt width is 42 or 48 characters"),
            ))
        }
    };
    let text = read_input(a.file)?;
    let receipt = fiskal_ffd::json::parse(&text).map_err(|e| super::receipt_error(out, e))?;
    let fiscal: Option<fiskal_providers::FiscalAttributes> = match a.fiscal {
        Some(p) => Some(serde_json::from_str(&read_input(p)?).map_err(|e| {
            CliError::tr(
                exit::INVALID_INPUT,
                format!("{}: это не фискальные реквизиты (JSON): {e}", p.display()),
                format!("{}: not fiscal attributes (JSON): {e}", p.display()),
            )
        })?),
        None => None,
    };
    let opts = fiskal_render::Options::with_width(width);
    let doc = match a.format {
        RenderFormat::Text => fiskal_render::render_text(&receipt, fiscal.as_ref(), &opts),
        RenderFormat::Html => fiskal_render::render_html(&receipt, fiscal.as_ref(), &opts),
    };
    match a.to {
        Some(p) => std::fs::write(p, &doc).map_err(|e| CliError::io(p, &e))?,
        None if out.json => {}
        None => {
            let mut o = std::io::stdout().lock();
            let _ = std::io::Write::write_all(&mut o, doc.as_bytes());
        }
    }
    if a.to.is_some() {
        out.say(
            &format!(
                "Записано: {}",
                a.to.map(Path::display)
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            ),
            &format!(
                "Written: {}",
                a.to.map(Path::display)
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            ),
        );
    }
    if a.qr_png.is_some() || a.qr_svg.is_some() {
        let f = fiscal.as_ref().ok_or_else(|| {
            CliError::tr(
                exit::CONFIG,
                "для --qr-png / --qr-svg нужен --fiscal (фискальные реквизиты)",
                "--qr-png / --qr-svg need --fiscal",
            )
        })?;
        let qr = f.qr_string();
        if let Some(p) = a.qr_png {
            let png =
                fiskal_render::qr_png(&qr, 8).map_err(|e| CliError::invalid(e.to_string()))?;
            std::fs::write(p, png).map_err(|e| CliError::io(p, &e))?;
        }
        if let Some(p) = a.qr_svg {
            let svg = fiskal_render::qr_svg(&qr).map_err(|e| CliError::invalid(e.to_string()))?;
            std::fs::write(p, svg).map_err(|e| CliError::io(p, &e))?;
        }
    }
    let path = |p: Option<&Path>| p.map(|p| p.display().to_string());
    out.json(&json!({
        "format": match a.format { RenderFormat::Text => "text", RenderFormat::Html => "html" },
        "document": if a.to.is_none() { Some(&doc) } else { None },
        "out": path(a.to),
        "qr": fiscal.as_ref().map(|f| f.qr_string()),
        "qr_png": path(a.qr_png),
        "qr_svg": path(a.qr_svg),
    }));
    Ok(())
}

/// `queue render KEY`: a stored receipt as the buyer sees it, with the fiscal attributes once
/// it is done (else marked as not fiscalised).
pub(super) fn render_stored(
    out: &Out,
    e: &fiskal_outbox::Entry,
    format: RenderFormat,
    width: usize,
    to: Option<&Path>,
) -> Result<(), CliError> {
    let width = render_width(width)?;
    let receipt = e.receipt().map_err(CliError::outbox)?;
    let opts = fiskal_render::Options::with_width(width);
    let doc = match format {
        RenderFormat::Text => fiskal_render::render_text(&receipt, e.fiscal.as_ref(), &opts),
        RenderFormat::Html => fiskal_render::render_html(&receipt, e.fiscal.as_ref(), &opts),
    };
    write_document(out, &doc, to)?;
    out.json(&json!({
        "key": e.key,
        "state": e.state.name(),
        "format": match format { RenderFormat::Text => "text", RenderFormat::Html => "html" },
        "document": if to.is_none() { Some(&doc) } else { None },
        "out": to.map(|p| p.display().to_string()),
        "qr": e.fiscal.as_ref().map(|f| f.qr_string()),
    }));
    Ok(())
}

/// The receipt width the renderer knows.
fn render_width(w: usize) -> Result<fiskal_render::Width, CliError> {
    match w {
        42 => Ok(fiskal_render::Width::Cols42),
        48 => Ok(fiskal_render::Width::Cols48),
        w => Err(CliError::tr(
            exit::CONFIG,
            format!("--width {w}: ширина чека 42 или 48 символов"),
            format!("--width {w}: the receipt width is 42 or 48 characters"),
        )),
    }
}

/// A rendered document to a file (saying where) or to stdout (not in `--json` mode).
fn write_document(out: &Out, doc: &str, to: Option<&Path>) -> Result<(), CliError> {
    match to {
        Some(p) => {
            std::fs::write(p, doc).map_err(|e| CliError::io(p, &e))?;
            out.say(
                &format!("Записано: {}", p.display()),
                &format!("Written: {}", p.display()),
            );
        }
        None if out.json => {}
        None => {
            let mut o = std::io::stdout().lock();
            let _ = std::io::Write::write_all(&mut o, doc.as_bytes());
        }
    }
    Ok(())
}
