//! Settings and one-off provider calls: config check, send, status.

use super::read_input;
use crate::out::{exit, CliError, Out};
use crate::Kind;
use fiskal_outbox::{OutboxSettings, Timestamp};
use fiskal_providers::{AnyProvider, DocumentKind, Outcome, Provider, StatusQuery, Submission};
use serde_json::{json, Value};
use std::path::Path;

/// Reads outbox settings from TOML or JSON (by extension; `.json` is JSON).
pub(super) fn load_settings(path: &Path) -> Result<OutboxSettings, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| CliError::io(path, &e))?;
    let is_json = path.extension().is_some_and(|e| e == "json");
    let s = if is_json {
        OutboxSettings::from_json(&text).map_err(CliError::outbox)?
    } else {
        let s: OutboxSettings = toml::from_str(&text).map_err(|e| {
            CliError::tr(
                exit::CONFIG,
                format!("{}: ошибка в настройках (TOML): {e}", path.display()),
                format!("{}: invalid settings (TOML): {e}", path.display()),
            )
        })?;
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
    Err(CliError::tr(
        exit::CONFIG,
        format!(
            "{}: секрет записан прямо в файле настроек; используйте {{ env = \"NAME\" }} или {{ file = \"/path\" }}",
            found.join(", ")
        ),
        format!(
            "{}: a secret is written in the config file; use {{ env = \"NAME\" }} or {{ file = \"/path\" }}",
            found.join(", ")
        ),
    ))
}

pub(super) fn config_check(out: &Out, file: &Path) -> Result<(), CliError> {
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
        .ok_or_else(|| {
            CliError::tr(
                exit::CONFIG,
                "не указан --route, и в настройках нет default_route",
                "no --route and no default_route in the config",
            )
        })?;
    let r = s.routes.get(&name).ok_or_else(|| {
        CliError::tr(
            exit::CONFIG,
            format!("в настройках нет маршрута {name:?}"),
            format!("no route {name:?} in the config"),
        )
    })?;
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

pub(super) async fn send(
    out: &Out,
    config: &Path,
    route: Option<&str>,
    document_id: &str,
    file: &Path,
) -> Result<(), CliError> {
    let provider = provider_of(config, route)?;
    let text = read_input(file)?;
    let receipt =
        fiskal_ffd::json::parse_and_validate(&text).map_err(|e| super::receipt_error(out, e))?;
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

pub(super) async fn status(
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
    let o = provider.status(&q).await.map_err(|e| match &e {
        fiskal_providers::ProviderError::Unsupported { path, .. }
            if path == "provider_id" && provider_id.is_none() =>
        {
            missing_provider_id(provider.name())
        }
        _ => CliError::provider(&e),
    })?;
    print_outcome(out, &o)
}

/// `fiskal status` without `--provider-id` for a provider that looks documents up only by its
/// own id (ATOL: the uuid of `fiskal send`'s answer).
fn missing_provider_id(provider: &str) -> CliError {
    CliError::tr(
        exit::CONFIG,
        format!(
            "{provider} ищет документ только по своему идентификатору (uuid): укажите --provider-id \
             <uuid> из ответа `fiskal send` («Принят провайдером: <uuid>»). Если uuid потерян, \
             отправьте тот же документ ещё раз с тем же --document-id: повтор не создаёт второй \
             чек, а ответ («повтор») содержит uuid"
        ),
        format!(
            "{provider} looks a document up only by its own id (uuid): give --provider-id \
             <uuid> from the answer of `fiskal send` (\"Accepted: <uuid>\"). If the uuid is lost, \
             send the same document again with the same --document-id: that never makes a \
             second receipt, and the answer (\"duplicate\") carries the uuid"
        ),
    )
}
