//! Many receipts at once: `validate DIR` and `queue add FILE...` (with `--split`).

use super::{api_error, parse_json, read_input};
use crate::out::{exit, CliError, Out};
use fiskal_outbox::store::NewEntry;
use fiskal_outbox::{Outbox, Store, Timestamp};
use fiskal_providers::Provider;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// `fiskal validate DIR`: every `*.json` of the folder (sorted by name), one line per file;
/// exit 1 when any is invalid.
pub(super) fn validate_dir(out: &Out, dir: &Path) -> Result<(), CliError> {
    let files = json_files(dir)?;
    let mut rows = Vec::new();
    let mut invalid = 0usize;
    for f in &files {
        let name = f.display().to_string();
        let result = read_input(f).and_then(|text| {
            fiskal_json::validate(&text)
                .map_err(|e| api_error(out, e))
                .and_then(|s| parse_json(&s))
        });
        match result {
            Ok(v) => {
                let r = &v["receipt"];
                let items = r["items"].as_array().map_or(0, Vec::len);
                let total = r["total"].as_str().unwrap_or("?").to_owned();
                out.say(
                    &format!("OK      {name}: позиций {items}, итог {total} ₽"),
                    &format!("OK      {name}: {items} items, total {total} RUB"),
                );
                rows.push(json!({"file": name, "valid": true, "total": total, "items": items}));
            }
            Err(e) => {
                invalid += 1;
                out.say(
                    &format!("ОШИБКА  {name}: {}", e.text(crate::out::Lang::Ru)),
                    &format!("INVALID {name}: {}", e.text(crate::out::Lang::En)),
                );
                for d in e
                    .details
                    .iter()
                    .flat_map(|d| d.as_array().cloned())
                    .flatten()
                {
                    out.say(
                        &format!(
                            "          {}: [{}] {}",
                            d["path"].as_str().unwrap_or(""),
                            d["code"],
                            d["message_ru"].as_str().unwrap_or("")
                        ),
                        &format!(
                            "          {}: [{}] {}",
                            d["path"].as_str().unwrap_or(""),
                            d["code"],
                            d["message_en"].as_str().unwrap_or("")
                        ),
                    );
                }
                rows.push(json!({"file": name, "valid": false, "exit_code": e.code,
                    "message": e.text(out.lang), "details": e.details}));
            }
        }
    }
    let valid = files.len() - invalid;
    out.json(&json!({"files": rows, "valid": valid, "invalid": invalid}));
    out.say(
        &format!(
            "Файлов: {}, корректных {valid}, с ошибками {invalid}",
            files.len()
        ),
        &format!("Files: {}, valid {valid}, invalid {invalid}", files.len()),
    );
    if invalid > 0 {
        return Err(CliError::new(exit::INVALID_INPUT, "invalid receipts").silent());
    }
    Ok(())
}

/// The `*.json` files of a folder, sorted by name; an empty folder is an error.
fn json_files(dir: &Path) -> Result<Vec<PathBuf>, CliError> {
    let rd = std::fs::read_dir(dir).map_err(|e| CliError::io(dir, &e))?;
    let mut files: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(CliError::tr(
            exit::CONFIG,
            format!("{}: в папке нет файлов *.json", dir.display()),
            format!("{}: the folder has no *.json files", dir.display()),
        ));
    }
    Ok(files)
}

/// The arguments of `queue add`.
pub(super) struct AddArgs<'a> {
    pub(super) files: &'a [PathBuf],
    pub(super) key: Option<&'a str>,
    pub(super) key_prefix: Option<&'a str>,
    pub(super) split: bool,
    pub(super) route: Option<&'a str>,
    pub(super) default_route: Option<&'a str>,
}

/// `queue add FILE...`: one file with `--key` as before; several files (keys: `--key-prefix`
/// + file stem) or `--split` parts (`<key>-n`) stored in one transaction (`enqueue_batch`).
pub(super) fn add(out: &Out, outbox: &Outbox, a: &AddArgs<'_>) -> Result<(), CliError> {
    if a.key.is_some() && a.files.len() > 1 {
        return Err(CliError::tr(
            exit::CONFIG,
            "--key называет один чек; для нескольких файлов укажите --key-prefix (ключ = префикс + имя файла)",
            "--key names one receipt; for several files give --key-prefix (key = prefix + file name)",
        ));
    }
    let route = a.route.or(a.default_route).ok_or_else(|| {
        CliError::tr(
            exit::CONFIG,
            "не указан --route, и в настройках нет default_route",
            "no --route and no default_route in the config",
        )
    })?;
    let Some(r) = outbox.worker().route(route) else {
        return Err(CliError::outbox(fiskal_outbox::OutboxError::UnknownRoute {
            name: route.to_owned(),
        }));
    };
    let limits = if r.provider().name().starts_with("atol") {
        "atol"
    } else {
        "none"
    };
    // (file, key, receipt) of everything to store.
    let mut items: Vec<(String, String, fiskal_ffd::Receipt)> = Vec::new();
    for f in a.files {
        let text = read_input(f)?;
        let name = f.display().to_string();
        // An enqueue request `{"key": …, "receipt": {…}}` (the C ABI's shape) names its key.
        let (own_key, text) = match serde_json::from_str::<Request<'_>>(&text) {
            Ok(r) => {
                if let Some(other) = r.route.as_deref().filter(|r| *r != route) {
                    return Err(CliError::tr(
                        exit::CONFIG,
                        format!("{name}: запрос называет маршрут {other:?}, а команда отправляет в {route:?} (--route)"),
                        format!("{name}: the request names the route {other:?}, the command sends to {route:?} (--route)"),
                    ));
                }
                (Some(r.key), r.receipt.get().to_owned())
            }
            Err(_) => (None, text),
        };
        let key = match (a.key, own_key, f.file_stem()) {
            (Some(k), _, _) => k.to_owned(),
            (None, Some(k), _) => k,
            (None, None, Some(stem)) if f.as_os_str() != "-" => {
                format!("{}{}", a.key_prefix.unwrap_or(""), stem.to_string_lossy())
            }
            _ => {
                return Err(CliError::tr(
                    exit::CONFIG,
                    "для чека из stdin укажите --key",
                    "a receipt from stdin needs --key",
                ))
            }
        };
        let in_file = |e: CliError| {
            if a.files.len() > 1 {
                named(&name, e)
            } else {
                e
            }
        };
        if a.split {
            let receipt: Value = serde_json::from_str(&text).map_err(|e| {
                CliError::tr(
                    exit::INVALID_INPUT,
                    format!("{name}: это не JSON: {e}"),
                    format!("{name}: not JSON: {e}"),
                )
            })?;
            let input = json!({"version": 1, "receipt": receipt, "key": key,
                "options": {"provider": limits}});
            let v = parse_json(
                &fiskal_json::split(&input.to_string()).map_err(|e| in_file(api_error(out, e)))?,
            )?;
            for p in v["parts"].as_array().into_iter().flatten() {
                let part_key = p["key"].as_str().unwrap_or_default().to_owned();
                let receipt = fiskal_ffd::json::parse(&p["receipt"].to_string())
                    .map_err(|e| super::receipt_error(out, e))?;
                items.push((name.clone(), part_key, receipt));
            }
        } else {
            let receipt = fiskal_ffd::json::parse(&text)
                .map_err(|e| in_file(super::receipt_error(out, e)))?;
            items.push((name, key, receipt));
        }
    }
    if items.len() == 1 && !a.split {
        // One receipt: the outbox's own enqueue (it validates and names what is wrong).
        let (_, key, receipt) = &items[0];
        let r = outbox
            .enqueue(key, receipt, Some(route))
            .map_err(CliError::outbox)?;
        out.json(&super::queue::shape(fiskal_json::enqueued_json(&r))?);
        say_stored(out, key, &r);
        return Ok(());
    }
    // Many: validate every one first; nothing is stored if any is invalid.
    let mut bad = Vec::new();
    for (file, key, receipt) in &items {
        if let Err(v) = fiskal_ffd::validate(receipt) {
            bad.push(json!({"file": file, "key": key,
                "violations": crate::out::violations_json(&v)}));
        }
    }
    if !bad.is_empty() {
        for b in &bad {
            out.say(
                &format!("  {} ({}): чек не прошёл проверку", b["file"], b["key"]),
                &format!("  {} ({}): invalid receipt", b["file"], b["key"]),
            );
        }
        return Err(CliError::tr(
            exit::INVALID_INPUT,
            format!(
                "{} из {} чеков не прошли проверку; в очередь ничего не записано",
                bad.len(),
                items.len()
            ),
            format!(
                "{} of {} receipts are invalid; nothing was enqueued",
                bad.len(),
                items.len()
            ),
        )
        .with(json!(bad)));
    }
    let batch: Vec<NewEntry<'_>> = items
        .iter()
        .map(|(_, key, receipt)| NewEntry {
            key,
            receipt,
            provider: route,
        })
        .collect();
    let results = outbox
        .worker()
        .store()
        .enqueue_batch(&batch, Timestamp::now())
        .map_err(CliError::outbox)?;
    let mut rows = Vec::new();
    let mut failed = 0usize;
    for ((file, key, _), r) in items.iter().zip(results) {
        match r {
            Ok(r) => {
                say_stored(out, key, &r);
                rows.push(json!({"file": file, "key": key, "created": r.created,
                    "state": r.entry.state.name(), "route": r.entry.provider}));
            }
            Err(e) => {
                failed += 1;
                let e = CliError::outbox(e);
                out.say(
                    &format!("  {key} ({file}): {}", e.text(crate::out::Lang::Ru)),
                    &format!("  {key} ({file}): {}", e.text(crate::out::Lang::En)),
                );
                rows.push(json!({"file": file, "key": key, "error": e.text(out.lang)}));
            }
        }
    }
    out.json(&json!({"entries": rows, "stored": rows.len() - failed, "failed": failed}));
    out.say(
        &format!("В очереди: {} из {}", rows.len() - failed, rows.len()),
        &format!("Enqueued: {} of {}", rows.len() - failed, rows.len()),
    );
    if failed > 0 {
        return Err(CliError::new(exit::INVALID_INPUT, "some receipts were not enqueued").silent());
    }
    Ok(())
}

/// A file that is an enqueue request rather than a bare receipt.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Request<'a> {
    key: String,
    #[serde(borrow)]
    receipt: &'a serde_json::value::RawValue,
    /// Checked against the command's route (one route per batch).
    #[serde(default)]
    route: Option<String>,
}

/// The error of one file of many, with the file's name in front.
fn named(file: &str, mut e: CliError) -> CliError {
    e.message = format!("{file}: {}", e.message);
    e.message_ru = e.message_ru.map(|m| format!("{file}: {m}"));
    e
}

fn say_stored(out: &Out, key: &str, r: &fiskal_outbox::Enqueued) {
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
