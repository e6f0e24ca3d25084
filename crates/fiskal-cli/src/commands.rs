//! The commands other than the demo. Receipt work goes through `fiskal-api`, the operations
//! layer of the C ABI, so `--json` output is exactly what every binding gets.

use crate::out::{exit, CliError, Lang, Out};
use crate::{
    Command, ConfigCommand, Kind, LimitsPreset, QueueCommand, RenderFormat, TlvCommand, TlvFormat,
};
use fiskal_api::ApiError;
use fiskal_outbox::{Outbox, OutboxSettings, State, Store, Timestamp};
use fiskal_providers::{AnyProvider, DocumentKind, Outcome, Provider, StatusQuery, Submission};
use serde_json::{json, Value};
use std::io::Read;
use std::path::Path;
use std::time::Duration;

pub(crate) async fn run(out: &Out, command: Command) -> Result<(), CliError> {
    match command {
        Command::Demo { keep } => crate::demo::run(out, keep).await,
        Command::Validate { file } => validate(out, &file),
        Command::Split {
            file,
            key,
            budget,
            provider,
        } => split(out, &file, &key, budget, provider),
        Command::Mark { scan } => mark(out, &scan),
        Command::Tlv { command } => match command {
            TlvCommand::Encode {
                file,
                format,
                out: to,
            } => tlv_encode(out, &file, format, to.as_deref()),
            TlvCommand::Decode { file, format } => tlv_decode(out, &file, format),
        },
        Command::Config {
            command: ConfigCommand::Check { file },
        } => config_check(out, &file),
        Command::Send {
            config,
            route,
            document_id,
            file,
        } => send(out, &config, route.as_deref(), &document_id, &file).await,
        Command::Status {
            config,
            route,
            document_id,
            provider_id,
            kind,
        } => {
            status(
                out,
                &config,
                route.as_deref(),
                &document_id,
                provider_id.as_deref(),
                kind,
            )
            .await
        }
        Command::Queue {
            config,
            db,
            command,
        } => queue(out, &config, &db, command),
        Command::Worker {
            config,
            db,
            until_settled,
        } => worker(out, &config, &db, until_settled).await,
        Command::Emulator { args } => emulator(args).await,
        Command::Render {
            file,
            fiscal,
            format,
            width,
            out: to,
            qr_png,
            qr_svg,
        } => render(
            out,
            &RenderArgs {
                file: &file,
                fiscal: fiscal.as_deref(),
                format,
                width,
                to: to.as_deref(),
                qr_png: qr_png.as_deref(),
                qr_svg: qr_svg.as_deref(),
            },
        ),
    }
}

fn read_input(path: &Path) -> Result<String, CliError> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| CliError::config(format!("stdin: {e}")))?;
        return Ok(s);
    }
    std::fs::read_to_string(path).map_err(|e| CliError::io(path, &e))
}

fn api_error(out: &Out, e: ApiError) -> CliError {
    let n = e.code.number();
    let code = if (100..200).contains(&n) && n != 102 {
        exit::CONFIG
    } else {
        exit::INVALID_INPUT
    };
    let msg = if out.lang == Lang::Ru {
        &e.message_ru
    } else {
        &e.message_en
    };
    let message = match &e.path {
        Some(p) => format!("[{n}] {p}: {msg}"),
        None => format!("[{n}] {msg}"),
    };
    let mut err = CliError::new(code, message);
    if let Some(d) = e.details {
        err = err.with(d);
    }
    err
}

fn parse_json(s: &str) -> Result<Value, CliError> {
    serde_json::from_str(s).map_err(|e| CliError::internal(format!("library output: {e}")))
}

fn validate(out: &Out, file: &Path) -> Result<(), CliError> {
    let text = read_input(file)?;
    let v = parse_json(&fiskal_api::validate(&text).map_err(|e| api_error(out, e))?)?;
    out.json(&v);
    let r = &v["receipt"];
    out.say(
        &format!(
            "Чек корректен: ФФД {}, {} позиций, итог {} ₽.",
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

fn split(
    out: &Out,
    file: &Path,
    key: &str,
    budget: Option<usize>,
    provider: LimitsPreset,
) -> Result<(), CliError> {
    let text = read_input(file)?;
    let receipt: Value = serde_json::from_str(&text)
        .map_err(|e| CliError::invalid(format!("{}: {e}", file.display())))?;
    let mut options = json!({
        "provider": match provider { LimitsPreset::None => "none", LimitsPreset::Atol => "atol" }
    });
    if let Some(b) = budget {
        options["budget"] = json!(b);
    }
    let input = json!({"version": 1, "receipt": receipt, "key": key, "options": options});
    let v = parse_json(&fiskal_api::split(&input.to_string()).map_err(|e| api_error(out, e))?)?;
    out.json(&v);
    let parts = v["parts"].as_array().cloned().unwrap_or_default();
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

fn mark(out: &Out, scan: &str) -> Result<(), CliError> {
    let input = json!({"version": 1, "code": scan});
    let v = parse_json(&fiskal_api::mark(&input.to_string()).map_err(|e| api_error(out, e))?)?;
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

fn tlv_encode(
    out: &Out,
    file: &Path,
    format: TlvFormat,
    to: Option<&Path>,
) -> Result<(), CliError> {
    let text = read_input(file)?;
    let v = parse_json(&fiskal_api::to_tlv(&text).map_err(|e| api_error(out, e))?)?;
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
            return Err(CliError::config("--format bin needs --out FILE"));
        }
        None => {
            out.json(&v);
            out.text(&String::from_utf8_lossy(&data));
        }
    }
    Ok(())
}

fn tlv_decode(out: &Out, file: &Path, format: TlvFormat) -> Result<(), CliError> {
    let input = match format {
        TlvFormat::Bin => {
            let bytes = std::fs::read(file).map_err(|e| CliError::io(file, &e))?;
            json!({"version": 1, "hex": hex::encode(bytes)})
        }
        TlvFormat::Hex => json!({"version": 1, "hex": read_input(file)?.trim()}),
        TlvFormat::Base64 => json!({"version": 1, "base64": read_input(file)?.trim()}),
    };
    let v = parse_json(&fiskal_api::from_tlv(&input.to_string()).map_err(|e| api_error(out, e))?)?;
    out.json(&v);
    if !out.json {
        dump_lines(&v["dump"], 0, out);
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

/// Reads outbox settings from TOML or JSON (by extension; `.json` is JSON).
fn load_settings(path: &Path) -> Result<OutboxSettings, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| CliError::io(path, &e))?;
    let is_json = path.extension().is_some_and(|e| e == "json");
    let s = if is_json {
        OutboxSettings::from_json(&text).map_err(CliError::outbox)?
    } else {
        let s: OutboxSettings = toml::from_str(&text)
            .map_err(|e| CliError::config(format!("{}: {e}", path.display())))?;
        s.check().map_err(CliError::outbox)?;
        s
    };
    refuse_inline_secrets(&s)?;
    Ok(s)
}

/// The command line takes credentials only from env vars or files: a secret written into the
/// config file (which ends up in backups, repositories and `ps`-visible paths) is refused.
fn refuse_inline_secrets(s: &OutboxSettings) -> Result<(), CliError> {
    fn find(v: &Value, path: &str, out: &mut Vec<String>) {
        if let Value::Object(m) = v {
            if m.get("redacted") == Some(&Value::Bool(true)) {
                out.push(path.to_owned());
                return;
            }
            for (k, x) in m {
                find(x, &format!("{path}.{k}"), out);
            }
        }
    }
    let mut found = Vec::new();
    for (name, r) in &s.routes {
        // Serialising provider settings writes an inline secret as {"redacted": true}.
        if let Ok(p) =
            fiskal_providers::settings::ProviderSettings::from_json(&r.provider.to_string())
        {
            if let Ok(v) = serde_json::to_value(&p) {
                find(&v, &format!("routes.{name}.provider"), &mut found);
            }
        }
    }
    if found.is_empty() {
        return Ok(());
    }
    Err(CliError::config(format!(
        "{}: a secret is written in the config file; use {{ env = \"NAME\" }} or {{ file = \"/path\" }}",
        found.join(", ")
    )))
}

fn config_check(out: &Out, file: &Path) -> Result<(), CliError> {
    let s = load_settings(file)?;
    let routes = s.build_routes().map_err(CliError::outbox)?;
    let mut names: Vec<&String> = routes.keys().collect();
    names.sort();
    out.json(&json!({"ok": true, "routes": names, "default_route": s.default_route}));
    out.say(
        &format!(
            "Настройки в порядке. Маршруты: {}",
            names
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        &format!(
            "The settings are fine. Routes: {}",
            names
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    for n in names {
        if let Some(r) = routes.get(n) {
            let p = r.provider();
            out.text(&format!(
                "  {n}: {} (in doubt: {})",
                p.name(),
                p.in_doubt_resolution().code()
            ));
        }
    }
    Ok(())
}

fn provider_of(config: &Path, route: Option<&str>) -> Result<AnyProvider, CliError> {
    let s = load_settings(config)?;
    let name = route
        .map(str::to_owned)
        .or(s.default_route.clone())
        .ok_or_else(|| CliError::config("no --route and no default_route in the config"))?;
    let r = s
        .routes
        .get(&name)
        .ok_or_else(|| CliError::config(format!("no route {name:?} in the config")))?;
    AnyProvider::from_json(&r.provider.to_string()).map_err(|e| CliError::provider(&e))
}

fn print_outcome(out: &Out, o: &Outcome) -> Result<(), CliError> {
    let mut v = serde_json::to_value(o).map_err(|e| CliError::internal(e.to_string()))?;
    if let Outcome::Done { fiscal, .. } = o {
        v["qr"] = json!(fiscal.qr_string());
    }
    out.json(&v);
    let (ru, en) = match o {
        Outcome::Accepted { provider_id, duplicate } => (
            format!("Принят провайдером: {provider_id}{}", if *duplicate { " (повтор: уже был принят)" } else { "" }),
            format!("Accepted: {provider_id}{}", if *duplicate { " (duplicate: accepted before)" } else { "" }),
        ),
        Outcome::Pending { provider_id } => (
            format!("В обработке: {provider_id}"),
            format!("Pending: {provider_id}"),
        ),
        Outcome::Done { fiscal, .. } => (
            format!("Пробит: ФН {} ФД {} ФП {}; QR: {}", fiscal.fn_number, fiscal.fd_number, fiscal.fiscal_sign, fiscal.qr_string()),
            format!("Done: FN {} FD {} FP {}; QR: {}", fiscal.fn_number, fiscal.fd_number, fiscal.fiscal_sign, fiscal.qr_string()),
        ),
        Outcome::Rejected { kind, code, message } => (
            format!("Отказ ({}, код {code}): {message}", kind.code()),
            format!("Rejected ({}, code {code}): {message}", kind.code()),
        ),
        Outcome::RetryLater { after, message, .. } => (
            format!("Повторить позже{}: {message}", after.map(|a| format!(" (через {} с)", a.as_secs())).unwrap_or_default()),
            format!("Retry later{}: {message}", after.map(|a| format!(" (in {} s)", a.as_secs())).unwrap_or_default()),
        ),
        Outcome::InDoubt { reason } => (
            format!("Неизвестно, принят ли документ: {reason}. Проверьте статус, прежде чем отправлять снова."),
            format!("Unknown whether the document was taken: {reason}. Check its status before sending again."),
        ),
        Outcome::NotFound { message } => (
            format!("Документ не найден у провайдера: {message}"),
            format!("Not found at the provider: {message}"),
        ),
        _ => (o.code().to_owned(), o.code().to_owned()),
    };
    out.say(&ru, &en);
    match o {
        Outcome::Rejected { .. } | Outcome::RetryLater { .. } | Outcome::InDoubt { .. } => {
            Err(CliError::new(exit::PROVIDER, o.code()).silent())
        }
        _ => Ok(()),
    }
}

async fn send(
    out: &Out,
    config: &Path,
    route: Option<&str>,
    document_id: &str,
    file: &Path,
) -> Result<(), CliError> {
    let provider = provider_of(config, route)?;
    let text = read_input(file)?;
    let receipt = fiskal_ffd::json::parse_and_validate(&text).map_err(|e| match e {
        fiskal_ffd::Error::Invalid(v) => CliError::invalid(format!("{} problem(s)", v.len()))
            .with(crate::out::violations_json(&v)),
        other => CliError::invalid(other.to_string()),
    })?;
    let now = Timestamp::now().as_millis().div_euclid(1000) + 3 * 3600;
    let s = Submission {
        document_id,
        receipt: &receipt,
        callback_url: None,
        timestamp: fiskal_ffd::datetime::LocalDateTime::from_unix(u32::try_from(now).unwrap_or(0)),
    };
    let o = provider
        .submit(&s)
        .await
        .map_err(|e| CliError::provider(&e))?;
    print_outcome(out, &o)
}

async fn status(
    out: &Out,
    config: &Path,
    route: Option<&str>,
    document_id: &str,
    provider_id: Option<&str>,
    kind: Kind,
) -> Result<(), CliError> {
    let provider = provider_of(config, route)?;
    let kind = match kind {
        Kind::Sell => DocumentKind::Sell,
        Kind::SellRefund => DocumentKind::SellRefund,
        Kind::Buy => DocumentKind::Buy,
        Kind::BuyRefund => DocumentKind::BuyRefund,
        Kind::SellCorrection => DocumentKind::SellCorrection,
        Kind::SellRefundCorrection => DocumentKind::SellRefundCorrection,
        Kind::BuyCorrection => DocumentKind::BuyCorrection,
        Kind::BuyRefundCorrection => DocumentKind::BuyRefundCorrection,
    };
    let q = StatusQuery {
        provider_id,
        document_id,
        kind,
    };
    let o = provider
        .status(&q)
        .await
        .map_err(|e| CliError::provider(&e))?;
    print_outcome(out, &o)
}

fn entry_json(e: &fiskal_outbox::Entry) -> Value {
    json!({
        "key": e.key, "state": e.state.name(), "route": e.provider, "attempt": e.attempt,
        "document_id": e.document_id(), "provider_id": e.provider_id, "fiscal": e.fiscal,
        "qr": e.fiscal.as_ref().map(|f| f.qr_string()),
        "last_code": e.last_code, "last_message": e.last_message,
        "created_at_ms": e.created_at.as_millis(), "state_since_ms": e.state_since.as_millis(),
        "due_at_ms": e.due_at.map(|t| t.as_millis()),
    })
}

fn queue(out: &Out, config: &Path, db: &Path, command: QueueCommand) -> Result<(), CliError> {
    let s = load_settings(config)?;
    let outbox = Outbox::open(db, &s).map_err(CliError::outbox)?;
    match command {
        QueueCommand::Add { file, key, route } => {
            let text = read_input(&file)?;
            let receipt =
                fiskal_ffd::json::parse(&text).map_err(|e| CliError::invalid(e.to_string()))?;
            let r = outbox
                .enqueue(&key, &receipt, route.as_deref())
                .map_err(CliError::outbox)?;
            let mut v = entry_json(&r.entry);
            v["created"] = json!(r.created);
            out.json(&v);
            if r.created {
                out.say(
                    &format!("Чек {key} сохранён в очереди ({}).", r.entry.provider),
                    &format!("Receipt {key} stored in the outbox ({}).", r.entry.provider),
                );
            } else {
                out.say(
                    &format!("Чек {key} уже в очереди ({}).", r.entry.state),
                    &format!("Receipt {key} was already enqueued ({}).", r.entry.state),
                );
            }
        }
        QueueCommand::List { state, limit } => {
            let st = State::from_name(&state)
                .ok_or_else(|| CliError::config(format!("no state {state:?}")))?;
            let list = outbox.list(st, limit).map_err(CliError::outbox)?;
            out.json(&json!({"entries": list.iter().map(entry_json).collect::<Vec<_>>()}));
            for e in &list {
                out.text(&format!(
                    "{:<30} {:<12} {:<18} {}",
                    e.key,
                    e.provider,
                    e.state.name(),
                    e.last_message.as_deref().unwrap_or("")
                ));
            }
            out.say(
                &format!("Всего: {}", list.len()),
                &format!("Total: {}", list.len()),
            );
        }
        QueueCommand::Show { key } => {
            let e = outbox
                .get(&key)
                .map_err(CliError::outbox)?
                .ok_or_else(|| CliError::invalid(format!("no entry {key:?}")))?;
            let audit = outbox.audit(&key).map_err(CliError::outbox)?;
            let mut v = entry_json(&e);
            v["audit"] = json!(audit
                .iter()
                .map(
                    |a| json!({"at_ms": a.at.as_millis(), "from": a.from.map(|s| s.name()),
                                "to": a.to.name(), "reason": a.reason, "detail": a.detail,
                                "attempt": a.attempt})
                )
                .collect::<Vec<_>>());
            out.json(&v);
            out.text(&serde_json::to_string_pretty(&entry_json(&e)).unwrap_or_default());
            for a in &audit {
                out.text(&format!(
                    "  {} {:>18} → {:<18} {:<18} {}",
                    a.at.as_millis(),
                    a.from.map_or("—", |s| s.name()),
                    a.to.name(),
                    a.reason,
                    a.detail
                ));
            }
        }
        QueueCommand::Stats => {
            let stats = outbox.stats().map_err(CliError::outbox)?;
            let m = outbox
                .window_metrics(Duration::from_secs(3600))
                .map_err(CliError::outbox)?;
            let ms =
                |d: Option<Duration>| d.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
            out.json(&json!({
                "states": stats.iter().map(|s| json!({"state": s.state.name(), "count": s.count,
                    "oldest_age_ms": ms(s.oldest_age)})).collect::<Vec<_>>(),
                "last_hour": {"done": m.done, "rejected": m.rejected,
                    "failed_at_register": m.failed_at_register, "stuck": m.stuck,
                    "latency_p50_ms": ms(m.latency_p50), "latency_p95_ms": ms(m.latency_p95),
                    "latency_max_ms": ms(m.latency_max)}
            }));
            for s in &stats {
                out.text(&format!(
                    "{:<20} {:>8}  {}",
                    s.state.name(),
                    s.count,
                    s.oldest_age
                        .map(|d| format!("{} s", d.as_secs()))
                        .unwrap_or_default()
                ));
            }
            out.say(
                &format!("За час: пробито {}, отказов {}, ошибок ККТ {}, зависло {}; задержка p50 {:?} p95 {:?}", m.done, m.rejected, m.failed_at_register, m.stuck, m.latency_p50, m.latency_p95),
                &format!("Last hour: done {}, rejected {}, register refusals {}, stuck {}; latency p50 {:?} p95 {:?}", m.done, m.rejected, m.failed_at_register, m.stuck, m.latency_p50, m.latency_p95),
            );
        }
        QueueCommand::Reconcile { hours } => {
            let now = Timestamp::now();
            let from = Timestamp(
                now.as_millis()
                    - i64::try_from(hours.saturating_mul(3_600_000)).unwrap_or(i64::MAX),
            );
            let r = outbox
                .reconcile(from, now.plus(Duration::from_secs(1)), 100_000)
                .map_err(CliError::outbox)?;
            let f = |v: &Vec<fiskal_outbox::Finding>| {
                v.iter()
                    .map(|x| json!({"key": x.key, "document_id": x.document_id, "route": x.route, "detail": x.detail}))
                    .collect::<Vec<_>>()
            };
            out.json(&json!({"checked": r.checked, "matched": r.matched,
                "unknown_at_provider": f(&r.unknown_at_provider),
                "not_done_at_provider": f(&r.not_done_at_provider),
                "mismatched": f(&r.mismatched), "missing_fiscal": f(&r.missing_fiscal),
                "unchecked": f(&r.unchecked)}));
            out.say(
                &format!("Проверено {}, совпало {}.", r.checked, r.matched),
                &format!("Checked {}, matched {}.", r.checked, r.matched),
            );
            for (ru, en, list) in [
                (
                    "неизвестны провайдеру",
                    "unknown at the provider",
                    &r.unknown_at_provider,
                ),
                (
                    "не пробиты у провайдера",
                    "not done at the provider",
                    &r.not_done_at_provider,
                ),
                ("реквизиты расходятся", "attributes differ", &r.mismatched),
                (
                    "нет фискальных реквизитов",
                    "fiscal attributes missing",
                    &r.missing_fiscal,
                ),
                ("не удалось проверить", "could not be checked", &r.unchecked),
            ] {
                for x in list {
                    out.say(
                        &format!("  {ru}: {} — {}", x.key, x.detail),
                        &format!("  {en}: {} — {}", x.key, x.detail),
                    );
                }
            }
            if !r.is_clean() {
                return Err(
                    CliError::new(exit::PROVIDER, "reconciliation found differences").silent(),
                );
            }
        }
    }
    Ok(())
}

async fn worker(out: &Out, config: &Path, db: &Path, until_settled: bool) -> Result<(), CliError> {
    let s = load_settings(config)?;
    let progress = *out;
    let outbox = Outbox::open_observed(
        db,
        &s,
        Some(Box::new(move |t: &fiskal_outbox::worker::Transition| {
            progress.transition(t)
        })),
    )
    .map_err(CliError::outbox)?;
    out.say(
        "Обработчик очереди запущен (Ctrl-C — мягкая остановка).",
        "The outbox worker runs (Ctrl-C stops it gracefully).",
    );
    let w = outbox.worker().clone();
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    // A progress line every 2 s: the queue by state and what this worker did.
    let store = std::sync::Arc::clone(outbox.worker().store());
    let ticker_out = *out;
    let counters = outbox.worker().clone();
    let ticker = tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(2));
        every.tick().await;
        loop {
            every.tick().await;
            let store = std::sync::Arc::clone(&store);
            let Ok(Ok(stats)) =
                tokio::task::spawn_blocking(move || store.stats(Timestamp::now())).await
            else {
                continue;
            };
            let n = |st: State| stats.iter().find(|x| x.state == st).map_or(0, |x| x.count);
            let waiting = n(State::Queued) + n(State::RetryLater);
            let flight = n(State::Sending) + n(State::Accepted) + n(State::InDoubt);
            let c = counters.counters();
            ticker_out.say(
                &format!(
                    "  [очередь {waiting} · в работе {flight} · пробито {} (всего {}) · отказ {} · зависло {}]",
                    c.done,
                    n(State::Done),
                    n(State::Rejected) + n(State::FailedAtRegister),
                    n(State::Stuck)
                ),
                &format!(
                    "  [waiting {waiting} · in flight {flight} · done {} (total {}) · refused {} · stuck {}]",
                    c.done,
                    n(State::Done),
                    n(State::Rejected) + n(State::FailedAtRegister),
                    n(State::Stuck)
                ),
            );
        }
    });
    let settled = if until_settled {
        w.run_until_settled(stop).await
    } else {
        w.run(stop).await;
        true
    };
    ticker.abort();
    let c = outbox.counters();
    out.json(
        &json!({"settled": settled, "claimed": c.claimed, "submits": c.submits,
        "status_calls": c.status_calls, "done": c.done, "store_errors": c.store_errors}),
    );
    out.say(
        &format!(
            "Остановлен: пробито {}, отправок {}, запросов статуса {}.",
            c.done, c.submits, c.status_calls
        ),
        &format!(
            "Stopped: {} done, {} submits, {} status calls.",
            c.done, c.submits, c.status_calls
        ),
    );
    if settled {
        Ok(())
    } else {
        Err(CliError::not_settled("stopped before the queue settled"))
    }
}

async fn emulator(args: Vec<String>) -> Result<(), CliError> {
    let code = fiskal_emulator::cli::run(&args).await;
    if code == 0 {
        Ok(())
    } else {
        Err(CliError::new(code, "emulator").silent())
    }
}

struct RenderArgs<'a> {
    file: &'a Path,
    fiscal: Option<&'a Path>,
    format: RenderFormat,
    width: usize,
    to: Option<&'a Path>,
    qr_png: Option<&'a Path>,
    qr_svg: Option<&'a Path>,
}

fn render(out: &Out, a: &RenderArgs<'_>) -> Result<(), CliError> {
    let width = match a.width {
        42 => fiskal_render::Width::Cols42,
        48 => fiskal_render::Width::Cols48,
        w => return Err(CliError::config(format!("--width {w}: 42 or 48"))),
    };
    let text = read_input(a.file)?;
    let receipt = fiskal_ffd::json::parse(&text).map_err(|e| CliError::invalid(e.to_string()))?;
    let fiscal: Option<fiskal_providers::FiscalAttributes> = match a.fiscal {
        Some(p) => Some(
            serde_json::from_str(&read_input(p)?)
                .map_err(|e| CliError::invalid(format!("{}: {e}", p.display())))?,
        ),
        None => None,
    };
    let opts = fiskal_render::Options::with_width(width);
    let doc = match a.format {
        RenderFormat::Text => fiskal_render::render_text(&receipt, fiscal.as_ref(), &opts),
        RenderFormat::Html => fiskal_render::render_html(&receipt, fiscal.as_ref(), &opts),
    };
    match a.to {
        Some(p) => std::fs::write(p, &doc).map_err(|e| CliError::io(p, &e))?,
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
        let f = fiscal
            .as_ref()
            .ok_or_else(|| CliError::config("--qr-png / --qr-svg need --fiscal"))?;
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
    Ok(())
}
