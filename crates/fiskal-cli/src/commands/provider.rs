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
    // The PostgreSQL journal's password (`postgres.password`) likewise.
    if let Some(fiskal_providers::settings::SecretSource::Inline(_)) =
        s.postgres.as_ref().and_then(|p| p.password.as_ref())
    {
        found.push("postgres.password".to_owned());
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

pub(super) async fn config_check(out: &Out, file: &Path, online: bool) -> Result<(), CliError> {
    let s = load_settings(file)?;
    let routes = s.build_routes().map_err(CliError::outbox)?;
    let mut names: Vec<&String> = routes.keys().collect();
    names.sort();
    if online {
        return check_online(out, &routes, &names).await;
    }
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

/// `config check --online`: each route's provider health call (ATOL: a fresh token;
/// Business.ru: `StateSystem`; Orange Data has none), one line per route saying what is wrong.
/// Exit 2 when a provider refuses the credentials or settings, 3 when one cannot be reached.
async fn check_online(
    out: &Out,
    routes: &std::collections::HashMap<String, fiskal_outbox::Route<AnyProvider>>,
    names: &[&String],
) -> Result<(), CliError> {
    use fiskal_providers::Health;
    let mut rows = Vec::new();
    let mut worst = 0u8;
    for n in names {
        let Some(r) = routes.get(n.as_str()) else {
            continue;
        };
        let p = r.provider();
        let (status, ru, en, detail) = match p.health().await {
            Health::Ok { detail } => (
                "ok",
                format!("учётные данные приняты ({detail})"),
                format!("the credentials are accepted ({detail})"),
                detail,
            ),
            Health::Failed(o) => match &*o {
                Outcome::Rejected { kind, code, message } => {
                    worst = worst.max(2);
                    (
                        "refused",
                        format!("провайдер отклонил учётные данные или настройки ({}, код {code}): {message}; исправьте настройки маршрута", kind.code()),
                        format!("the provider refuses the credentials or settings ({}, code {code}): {message}; fix the route's settings", kind.code()),
                        format!("{}: {code}: {message}", kind.code()),
                    )
                }
                o => {
                    worst = worst.max(1);
                    let m = match o {
                        Outcome::RetryLater { message, .. } => message.clone(),
                        Outcome::InDoubt { reason } => reason.clone(),
                        o => o.code().to_owned(),
                    };
                    (
                        "unreachable",
                        format!("провайдер недоступен или отвечает ошибкой: {m}; проверьте base_url и сеть"),
                        format!("the provider cannot be reached or fails: {m}; check base_url and the network"),
                        m,
                    )
                }
            },
            _ => (
                "unsupported",
                format!("у {} нет проверки связи без чека: учётные данные проверит только тестовый чек (fiskal send --route {n} … на тестовом окружении)", p.name()),
                format!("{} has no health call that registers nothing: only a test receipt checks the credentials (fiskal send --route {n} … against its test environment)", p.name()),
                String::new(),
            ),
        };
        out.say(
            &format!("  {n} ({}): {ru}", p.name()),
            &format!("  {n} ({}): {en}", p.name()),
        );
        rows.push(json!({"route": n, "provider": p.name(), "status": status, "detail": detail}));
    }
    out.json(&json!({"ok": worst == 0, "routes": rows}));
    match worst {
        0 => Ok(()),
        2 => Err(CliError::tr(
            exit::CONFIG,
            "провайдер отклонил учётные данные или настройки (см. выше)",
            "a provider refuses the credentials or settings (see above)",
        )
        .silent_if(out.json)),
        _ => Err(CliError::tr(
            exit::PROVIDER,
            "провайдер недоступен (см. выше)",
            "a provider cannot be reached (see above)",
        )
        .silent_if(out.json)),
    }
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
        Outcome::Waiting { provider_id, message, .. } => (
            format!("Ждёт кассу (она не в сети или ещё не забрала документ; повторно не отправлять): {provider_id}; {message}"),
            format!("Waiting for the register (offline, or it has not taken the document yet; do not send it again): {provider_id}; {message}"),
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
    wait: Option<std::time::Duration>,
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
    match (wait, &o) {
        (Some(limit), Outcome::Accepted { provider_id, .. } | Outcome::Pending { provider_id }) => {
            if !out.json {
                print_outcome(out, &o)?;
            }
            let kind = document_kind(receipt.operation);
            wait_done(out, &provider, document_id, provider_id, kind, limit).await
        }
        _ => print_outcome(out, &o),
    }
}

/// The status query kind of a receipt's operation (1054).
fn document_kind(op: fiskal_ffd::enums::Operation) -> DocumentKind {
    use fiskal_ffd::enums::Operation as O;
    match op {
        O::SELL_REFUND => DocumentKind::SellRefund,
        O::BUY => DocumentKind::Buy,
        O::BUY_REFUND => DocumentKind::BuyRefund,
        _ => DocumentKind::Sell,
    }
}

/// `send --wait`: polls the status until the document is done or refused, or `limit` passes
/// (exit 5). Polls no faster than the provider's status interval (at least 500 ms apart).
async fn wait_done(
    out: &Out,
    provider: &AnyProvider,
    document_id: &str,
    provider_id: &str,
    kind: DocumentKind,
    limit: std::time::Duration,
) -> Result<(), CliError> {
    let start = tokio::time::Instant::now();
    let every = provider
        .status_interval()
        .unwrap_or_default()
        .max(std::time::Duration::from_millis(500));
    loop {
        let q = StatusQuery {
            provider_id: Some(provider_id),
            document_id,
            kind,
        };
        // Pending, a transient failure or a status call that fails: poll again (a failed
        // status call never ends an accepted document).
        if let Ok(o @ (Outcome::Done { .. } | Outcome::Rejected { .. })) = provider.status(&q).await
        {
            return print_outcome(out, &o);
        }
        if start.elapsed() + every > limit {
            return Err(CliError::tr(
                exit::NOT_SETTLED,
                format!("за {} фискальные реквизиты не пришли; документ у провайдера ({provider_id}), проверьте позже: fiskal status --document-id {document_id} --provider-id {provider_id}", super::queue::human_duration(limit, crate::out::Lang::Ru)),
                format!("no fiscal attributes within {}; the provider holds the document ({provider_id}), check later: fiskal status --document-id {document_id} --provider-id {provider_id}", super::queue::human_duration(limit, crate::out::Lang::En)),
            ));
        }
        tokio::time::sleep(every).await;
    }
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
