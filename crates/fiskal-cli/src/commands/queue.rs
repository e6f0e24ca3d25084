//! The outbox: queue add/list/show/stats/reconcile and the worker.

use super::provider::load_settings;
use super::{parse_json, read_input};
use crate::out::{exit, CliError, Out};
use crate::QueueCommand;
use fiskal_outbox::{Outbox, State, Store, Timestamp};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

/// The outbox JSON shapes of fiskal-api (what the C ABI and every binding return), parsed for
/// `--json` output.
fn shape(r: Result<String, fiskal_api::ApiError>) -> Result<Value, CliError> {
    let text = r.map_err(|e| CliError::internal(format!("JSON output: {}", e.message_en)))?;
    parse_json(&text)
}

pub(super) fn queue(
    out: &Out,
    config: &Path,
    db: &Path,
    command: QueueCommand,
) -> Result<(), CliError> {
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
            out.json(&shape(fiskal_api::enqueued_json(&r))?);
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
            out.json(&shape(fiskal_api::entries_json(&list))?);
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
            let entry = shape(fiskal_api::entry_json(&e))?;
            let mut v = entry.clone();
            v["audit"] = shape(fiskal_api::audit_json(&audit))?["records"].take();
            out.json(&v);
            out.text(&serde_json::to_string_pretty(&entry).unwrap_or_default());
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
            out.json(&shape(fiskal_api::stats_json(
                &stats,
                &m,
                outbox.is_running(),
                &outbox.counters(),
            ))?);
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
            out.json(&shape(fiskal_api::reconcile_json(&r))?);
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

pub(super) async fn worker(
    out: &Out,
    config: &Path,
    db: &Path,
    until_settled: bool,
) -> Result<(), CliError> {
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
