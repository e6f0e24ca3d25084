//! `fiskal demo`: the emulators of every provider (ATOL v4/v5, Orange Data, Business.ru, OFD.ru
//! Ferma, KOMTET Kassa, МодульКасса) on loopback, sample receipts, the SQLite outbox in a
//! temporary directory, and every receipt fiscalised through the outbox worker, each exactly
//! once at its emulator. No network, no account.
//!
//! One receipt shows МодульКасса's offline register: it is sent while the shop's register is
//! off, waits at the service in `QUEUED` (the outbox shows `waiting_for_register` and never
//! sends it again under a new id), and is fiscalised once the register is back.

use crate::out::{CliError, Out};
use fiskal_calc::allocate::{allocate, Adjustment, AllocationRequest};
use fiskal_calc::lifecycle::{refund_full, settle_prepayment};
use fiskal_calc::split::{split_receipt, ProviderLimits, SplitOptions};
use fiskal_calc::Kopecks;
use fiskal_emulator::atol::{AtolConfig as AtolEmu, AtolEmulator};
use fiskal_emulator::business_ru::{
    BusinessRuConfig as BrEmu, BusinessRuEmulator, TEST_APP_ID_V1, TEST_SECRET,
};
use fiskal_emulator::ferma::{
    FermaConfig as FermaEmu, FermaEmulator, TEST_LOGIN_FFD_1_2, TEST_PASSWORD_FFD_1_2,
};
use fiskal_emulator::komtet::{
    KomtetConfig as KomtetEmu, KomtetEmulator, TEST_QUEUE_ID, TEST_SECRET as KOMTET_SECRET,
    TEST_SHOP_ID,
};
use fiskal_emulator::modulkassa::{
    ModulKassaConfig as MkEmu, ModulKassaEmulator, RegisterState, TEST_PASSWORD as MK_PASSWORD,
    TEST_USER_NAME as MK_USER_NAME,
};
use fiskal_emulator::orange::{OrangeConfig as OrangeEmu, OrangeEmulator};
use fiskal_ffd::model::Payments;
use fiskal_ffd::Receipt;
use fiskal_outbox::worker::Transition;
use fiskal_outbox::{Outbox, OutboxSettings, State};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

const ORANGE_INN: &str = "7727401209";

/// One receipt of the demo.
struct Sample {
    key: String,
    route: &'static str,
    what: String,
    receipt: Receipt,
}

fn parse(what: &str, json: &str) -> Result<Receipt, CliError> {
    fiskal_ffd::json::parse_and_validate(json)
        .map_err(|e| CliError::internal(format!("demo receipt {what}: {e}")))
}

fn calc(what: &str, e: fiskal_calc::CalcError) -> CliError {
    CliError::internal(format!("demo {what}: {e}"))
}

/// A 1.2 cart at the ATOL test company with a 10 % receipt-level discount spread over the
/// lines (largest remainder; lines split where a kopeck would not divide).
fn discounted_cart() -> Result<Receipt, CliError> {
    let cart = parse(
        "discount cart",
        &json!({
            "version": 1, "ffd": "1.2", "operation": "sell", "tax_system": "osn",
            "company": {"inn": "5544332219", "payment_place": "https://v5.online.atol.ru",
                        "email": "shop@example.ru"},
            "cashier": {"name": "Иванов И.И."},
            "client": {"contact": "+79990000001"},
            "items": [
                {"name": "Чай улун, 100 г", "price": "333.33", "quantity": "3", "sum": "999.99",
                 "measure": "piece", "vat": "vat22", "payment_method": "full_payment",
                 "payment_subject": "commodity"},
                {"name": "Кофе в зёрнах, 1 кг", "price": "1899.90", "quantity": "1",
                 "sum": "1899.90", "measure": "piece", "vat": "vat22",
                 "payment_method": "full_payment", "payment_subject": "commodity"},
                {"name": "Доставка", "price": "299.00", "quantity": "1", "sum": "299.00",
                 "measure": "piece", "vat": "vat22", "payment_method": "full_payment",
                 "payment_subject": "service"}
            ],
            "payments": {"electronic": "3198.89"},
            "total": "3198.89"
        })
        .to_string(),
    )?;
    let discount = Kopecks::new(31_989).ok_or_else(|| CliError::internal("discount"))?;
    let mut a = allocate(
        &cart,
        &AllocationRequest::new(Adjustment::Discount(discount)),
    )
    .map_err(|e| calc("discount", e))?
    .receipt;
    a.payments = Payments {
        electronic: a.total,
        ..Payments::default()
    };
    Ok(a)
}

/// 500 lines with long names: more than the fiscal drive's 30 KB, so it is split.
fn big_cart() -> Result<Receipt, CliError> {
    let mut items = Vec::with_capacity(500);
    let mut total = 0u64;
    for i in 0..500u64 {
        let price = 5_000 + (i % 37) * 113;
        total += price;
        items.push(json!({
            "name": format!("Набор крепежа №{i:03}: винты М4x20 оцинкованные, 100 шт, артикул KR-{i:05}"),
            "price": format!("{}.{:02}", price / 100, price % 100),
            "quantity": "1",
            "sum": format!("{}.{:02}", price / 100, price % 100),
            "measure": "piece", "vat": "vat22", "payment_method": "full_payment",
            "payment_subject": "commodity"
        }));
    }
    let total = format!("{}.{:02}", total / 100, total % 100);
    // Not validated as one receipt: it is over the size limit on purpose; the split parts are.
    fiskal_ffd::json::parse(
        &json!({
            "version": 1, "ffd": "1.2", "operation": "sell", "tax_system": "osn",
            "company": {"inn": "5544332219", "payment_place": "https://v5.online.atol.ru"},
            "cashier": {"name": "Иванов И.И."},
            "client": {"contact": "buyer@example.ru"},
            "items": items,
            "payments": {"electronic": total},
            "total": total
        })
        .to_string(),
    )
    .map_err(|e| CliError::internal(format!("demo 500-item cart: {e}")))
}

/// A 100 % prepayment (FFD 1.05, calculated rate 20/120, ATOL v4) for the goods of a sale, and
/// the full settlement that offsets it.
fn prepayment_and_settlement() -> Result<(Receipt, Receipt), CliError> {
    let goods = parse("ATOL v4 base", include_str!("sell_atol_v4.json"))?;
    // The agent line needs agent data in the prepayment too; keep the plain goods.
    let items: Vec<_> = goods
        .items
        .iter()
        .filter(|i| i.agent.is_none() && i.mark.is_none())
        .cloned()
        .collect();
    let total: u64 = items
        .iter()
        .map(|i| Kopecks::from_money(&i.sum, "sum").map(Kopecks::get))
        .sum::<Result<u64, _>>()
        .map_err(|e| calc("prepayment", e))?;
    let total = format!("{}.{:02}", total / 100, total % 100);
    let mut pre_json: serde_json::Value =
        serde_json::from_str(include_str!("sell_atol_v4.json"))
            .map_err(|e| CliError::internal(format!("demo JSON: {e}")))?;
    pre_json["items"] = json!([{
        "name": "Предоплата 100% по заказу 1842", "price": total, "quantity": "1", "sum": total,
        "vat": "vat120", "payment_method": "full_prepayment", "payment_subject": "payment"
    }]);
    pre_json["payments"] = json!({"electronic": total});
    pre_json["total"] = json!(total);
    let pre = parse("prepayment", &pre_json.to_string())?;
    let full =
        settle_prepayment(&pre, items, Payments::default()).map_err(|e| calc("settlement", e))?;
    Ok((pre, full))
}

/// What the first round leaves for the second: the refunds and the settlement that follow
/// earlier receipts.
struct Followers {
    refund: Receipt,
    settlement: Receipt,
    mk_refund: Receipt,
}

fn samples_first() -> Result<(Vec<Sample>, Followers), CliError> {
    let mut v = Vec::new();
    v.push(Sample {
        key: "demo-discount".into(),
        route: "atol_v5",
        what: "корзина со скидкой 10 % / a cart with a 10 % discount".into(),
        receipt: discounted_cart()?,
    });
    v.push(Sample {
        key: "demo-marked".into(),
        route: "orange",
        what: "маркированный товар (сырой скан) / a marked item (raw scan)".into(),
        receipt: parse("marked", include_str!("marked_orange.json"))?,
    });
    let cart = big_cart()?;
    let parts = split_receipt(
        &cart,
        "demo-cart500",
        &SplitOptions::with_limits(ProviderLimits::ATOL),
    )
    .map_err(|e| calc("split", e))?;
    let count = parts.len();
    for p in parts {
        v.push(Sample {
            key: p.key.clone(),
            route: "atol_v5",
            what: format!(
                "корзина 500 позиций, часть {}/{count} (позиции {}–{}) / 500-item cart, part {}/{count}",
                p.index + 1,
                p.items.start + 1,
                p.items.end,
                p.index + 1
            ),
            receipt: p.receipt,
        });
    }
    let sale = parse("Business.ru sale", include_str!("base_business_ru.json"))?;
    let refund = refund_full(&sale).map_err(|e| calc("refund", e))?;
    v.push(Sample {
        key: "demo-sale".into(),
        route: "business_ru",
        what: "продажа ФФД 1.05 (агент, маркировка) / a FFD 1.05 sale (agent, mark)".into(),
        receipt: sale,
    });
    let (pre, full) = prepayment_and_settlement()?;
    v.push(Sample {
        key: "demo-prepayment".into(),
        route: "atol_v4",
        what: "предоплата 100 % / a 100 % prepayment".into(),
        receipt: pre,
    });
    v.push(Sample {
        key: "demo-ferma".into(),
        route: "ferma",
        what:
            "ФФД 1.2, маркировка с планируемым статусом / FFD 1.2, a mark with its planned status"
                .into(),
        receipt: parse("Ferma sale", include_str!("base_ferma.json"))?,
    });
    v.push(Sample {
        key: "demo-komtet".into(),
        route: "komtet",
        what: "весовой и маркированный товар, наличные и карта / weighed and marked goods, cash and card"
            .into(),
        receipt: parse("KOMTET sale", include_str!("base_komtet.json"))?,
    });
    let mk_sale = parse("МодульКасса sale", include_str!("base_modulkassa.json"))?;
    let mk_refund = refund_full(&mk_sale).map_err(|e| calc("МодульКасса refund", e))?;
    v.push(Sample {
        key: "demo-mk-sale".into(),
        route: "modulkassa",
        what: "продажа ФФД 1.05, УСН / a FFD 1.05 sale, simplified tax".into(),
        receipt: mk_sale,
    });
    Ok((
        v,
        Followers {
            refund,
            settlement: full,
            mk_refund,
        },
    ))
}

fn write(dir: &Path, name: &str, text: &str) -> Result<PathBuf, CliError> {
    let p = dir.join(name);
    std::fs::write(&p, text).map_err(|e| CliError::io(&p, &e))?;
    Ok(p)
}

/// Runs the demo; returns whether every receipt was fiscalised exactly once.
pub(crate) async fn run(out: &Out, keep: bool) -> Result<(), CliError> {
    let started = Instant::now();
    let dir = std::env::temp_dir().join(format!(
        "fiskal-demo-{}-{}",
        std::process::id(),
        fiskal_outbox::Timestamp::now().as_millis()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| CliError::io(&dir, &e))?;
    out.say(
        &format!("Демонстрация fiskal: эмуляторы АТОЛ, Orange Data, Бизнес.ру, Ферма (OFD.ru), КОМТЕТ Касса и МодульКасса на 127.0.0.1, очередь SQLite в {}", dir.display()),
        &format!("fiskal demo: ATOL, Orange Data, Business.ru, OFD.ru Ferma, KOMTET Kassa and МодульКасса emulators on 127.0.0.1, SQLite outbox in {}", dir.display()),
    );

    // The providers.
    let delay = Duration::from_millis(300);
    let atol = AtolEmulator::start(AtolEmu::default().with_processing_delay(delay))
        .await
        .map_err(|e| CliError::internal(format!("ATOL emulator: {e}")))?;
    let orange = OrangeEmulator::start(OrangeEmu::default().with_processing_delay(delay))
        .await
        .map_err(|e| CliError::internal(format!("Orange Data emulator: {e}")))?;
    let br = BusinessRuEmulator::start(BrEmu::default().with_processing_delay(delay))
        .await
        .map_err(|e| CliError::internal(format!("Business.ru emulator: {e}")))?;
    let ferma = FermaEmulator::start(FermaEmu::default().with_processing_delay(delay))
        .await
        .map_err(|e| CliError::internal(format!("Ferma emulator: {e}")))?;
    let komtet = KomtetEmulator::start(KomtetEmu::default().with_processing_delay(delay))
        .await
        .map_err(|e| CliError::internal(format!("KOMTET emulator: {e}")))?;
    let mk = ModulKassaEmulator::start(MkEmu::default())
        .await
        .map_err(|e| CliError::internal(format!("МодульКасса emulator: {e}")))?;
    let signing_pem = orange
        .issue_signing_key(ORANGE_INN)
        .map_err(|e| CliError::internal(format!("signing key: {e}")))?;
    let identity = orange
        .issue_client_identity()
        .map_err(|e| CliError::internal(format!("client certificate: {e}")))?;
    let signing = write(&dir, "orange-signing-key.pem", &signing_pem)?;
    let client_key = write(&dir, "orange-client-key.pem", &identity.key_pem)?;
    let client_cert = write(&dir, "orange-client-cert.pem", &identity.cert_pem)?;
    let ca = write(&dir, "orange-ca.pem", orange.ca_pem())?;

    let settings = json!({
        "routes": {
            "atol_v5": {"provider": {"provider": "atol", "api": "v5", "preset": "test",
                                      "base_url": atol.base_url_v5(), "report_interval_ms": 50}},
            "atol_v4": {"provider": {"provider": "atol", "api": "v4", "preset": "test",
                                      "base_url": atol.base_url_v4(), "report_interval_ms": 50}},
            "orange": {"provider": {"provider": "orange_data", "base_url": orange.base_url(),
                                     "inn": ORANGE_INN,
                                     "signing_key": {"file": signing},
                                     "client_cert": {"file": client_cert},
                                     "client_key": {"file": client_key},
                                     "http": {"builtin_roots": false, "ca": {"file": ca}}}},
            "business_ru": {"provider": {"provider": "business_ru", "api": "v1",
                                          "base_url": br.base_url_v1(),
                                          "app_id": TEST_APP_ID_V1, "secret": TEST_SECRET}},
            "ferma": {"provider": {"provider": "ferma", "base_url": ferma.base_url(),
                                    "login": TEST_LOGIN_FFD_1_2,
                                    "password": TEST_PASSWORD_FFD_1_2, "ffd": "1.2"}},
            "komtet": {"provider": {"provider": "komtet", "base_url": komtet.base_url(),
                                     "shop_id": TEST_SHOP_ID, "secret": KOMTET_SECRET,
                                     "queue_id": TEST_QUEUE_ID}},
            "modulkassa": {"provider": {"provider": "modulkassa", "base_url": mk.base_url(),
                                         "user_name": MK_USER_NAME, "password": MK_PASSWORD}}
        },
        "worker": {"concurrency": 16, "idle_wait_ms": 50, "drain_timeout_ms": 5000},
        "timing": {"poll_first_ms": 400, "poll_max_ms": 1000, "retry_base_ms": 200}
    });
    let settings = OutboxSettings::from_json(&settings.to_string()).map_err(CliError::outbox)?;
    let progress = *out;
    let observer = Box::new(move |t: &Transition| progress.transition(t));
    let outbox = Arc::new(
        Outbox::open_observed(dir.join("outbox.db"), &settings, Some(observer))
            .map_err(CliError::outbox)?,
    );

    let (first, followers) = samples_first()?;
    let mut all: Vec<(String, &'static str, String)> = Vec::new();
    out.say("Чеки в очереди:", "Receipts enqueued:");
    for s in &first {
        enqueue(out, &outbox, s)?;
        all.push((s.key.clone(), s.route, s.what.clone()));
    }
    drain(out, &outbox).await?;

    // What follows an earlier receipt: the refund of the 1.05 sale, the settlement of the
    // prepayment, and the refund of the МодульКасса sale — sent while the shop's register is
    // offline.
    let second = [
        Sample {
            key: "demo-refund".into(),
            route: "business_ru",
            what: "возврат продажи demo-sale / refund of demo-sale".into(),
            receipt: followers.refund,
        },
        Sample {
            key: "demo-settlement".into(),
            route: "atol_v4",
            what: "полный расчёт с зачётом предоплаты / full settlement offsetting the prepayment"
                .into(),
            receipt: followers.settlement,
        },
        Sample {
            key: MK_OFFLINE_KEY.into(),
            route: "modulkassa",
            what: "возврат, касса не в сети / a refund while the register is offline".into(),
            receipt: followers.mk_refund,
        },
    ];
    mk.set_register(RegisterState::Offline);
    out.say(
        "Касса МодульКассы не в сети. Следом:",
        "The МодульКасса register is offline. Then:",
    );
    for s in &second {
        enqueue(out, &outbox, s)?;
        all.push((s.key.clone(), s.route, s.what.clone()));
    }
    let waiting = wait_for_register(&outbox).await?;
    let code = waiting.last_code.as_deref().unwrap_or_default();
    out.say(
        &format!(
            "  {MK_OFFLINE_KEY}: документ {} ждёт кассу в очереди МодульКассы (QUEUED, {code}) и повторно не отправляется. Касса снова в сети.",
            waiting.document_id(),
        ),
        &format!(
            "  {MK_OFFLINE_KEY}: document {} waits in МодульКасса's queue for the register (QUEUED, {code}) and is not sent again. The register is back online.",
            waiting.document_id(),
        ),
    );
    mk.set_register(RegisterState::Online);
    drain(out, &outbox).await?;

    // Results: the journal, and the emulators' own journals for "exactly once".
    let mut rows = Vec::new();
    let mut ok = true;
    for (key, route, what) in &all {
        let e = outbox
            .get(key)
            .map_err(CliError::outbox)?
            .ok_or_else(|| CliError::internal(format!("{key} vanished")))?;
        let doc = e.document_id();
        let times = match *route {
            "orange" => orange.journal().fiscalised_count(&doc),
            "business_ru" => br.journal().fiscalised_count(&doc),
            "ferma" => ferma.journal().fiscalised_count(&doc),
            "komtet" => komtet.journal().fiscalised_count(&doc),
            "modulkassa" => mk.journal().fiscalised_count(&doc),
            _ => atol.journal().fiscalised_count(&doc),
        };
        ok &= e.state == State::Done && times == 1;
        rows.push((e, *route, what.clone(), times));
    }
    out.results(&rows);
    if let Some((e, ..)) = rows.first() {
        if let (Some(f), Ok(receipt)) = (&e.fiscal, e.receipt()) {
            out.say(
                &format!("Чек {} так, как его увидит покупатель:", e.key),
                &format!("Receipt {} as the buyer sees it:", e.key),
            );
            let opts = fiskal_render::Options::default();
            out.text(&fiskal_render::render_text(&receipt, Some(f), &opts));
            let html = fiskal_render::render_html(&receipt, Some(f), &opts);
            write(&dir, "receipt.html", &html)?;
            if let Ok(png) = fiskal_render::qr_png(&f.qr_string(), 8) {
                let p = dir.join("qr.png");
                std::fs::write(&p, png).map_err(|err| CliError::io(&p, &err))?;
            }
            out.say(
                &format!("QR-код (строка для ФНС): {}", f.qr_string()),
                &format!("QR code (FNS string): {}", f.qr_string()),
            );
        }
    }
    let secs = started.elapsed().as_secs_f64();
    drop(outbox);
    atol.shutdown().await;
    orange.shutdown().await;
    br.shutdown().await;
    ferma.shutdown().await;
    komtet.shutdown().await;
    mk.shutdown().await;
    if keep {
        out.say(
            &format!(
                "Каталог сохранён: {} (журнал outbox.db, receipt.html, qr.png)",
                dir.display()
            ),
            &format!(
                "Kept: {} (journal outbox.db, receipt.html, qr.png)",
                dir.display()
            ),
        );
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    if ok {
        out.say(
            &format!(
                "Все {} чеков пробиты ровно один раз за {secs:.1} с.",
                rows.len()
            ),
            &format!(
                "All {} receipts fiscalised exactly once in {secs:.1} s.",
                rows.len()
            ),
        );
        Ok(())
    } else {
        Err(CliError::tr(
            crate::out::exit::NOT_SETTLED,
            "не каждый чек пробит ровно один раз",
            "not every receipt was fiscalised exactly once",
        ))
    }
}

fn enqueue(out: &Out, outbox: &Outbox, s: &Sample) -> Result<(), CliError> {
    outbox
        .enqueue(&s.key, &s.receipt, Some(s.route))
        .map_err(CliError::outbox)?;
    out.say(
        &format!(
            "  {:<22} {:<12} {:>10} ₽  {}",
            s.key, s.route, s.receipt.total, s.what
        ),
        &format!(
            "  {:<22} {:<12} {:>10} RUB  {}",
            s.key, s.route, s.receipt.total, s.what
        ),
    );
    Ok(())
}

/// The key of the receipt sent while the МодульКасса register is offline.
const MK_OFFLINE_KEY: &str = "demo-mk-refund";

/// Whether the МодульКасса service holds this entry for the offline register.
fn waits_for_register(e: &fiskal_outbox::Entry) -> bool {
    e.state == State::Accepted && e.last_code.as_deref() == Some("waiting_for_register")
}

/// Runs the worker until the МодульКасса service holds [`MK_OFFLINE_KEY`] for the offline
/// register (accepted, `waiting_for_register`), at most 120 s; returns that entry. The register
/// stays offline meanwhile, so the entry cannot move on after the worker stops.
async fn wait_for_register(outbox: &Arc<Outbox>) -> Result<fiskal_outbox::Entry, CliError> {
    let watched = Arc::clone(outbox);
    let until = Instant::now() + Duration::from_secs(120);
    let condition = async move {
        while Instant::now() < until {
            if let Ok(Some(e)) = watched.get(MK_OFFLINE_KEY) {
                if waits_for_register(&e) {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    outbox.worker().clone().run(condition).await;
    match outbox.get(MK_OFFLINE_KEY).map_err(CliError::outbox)? {
        Some(e) if waits_for_register(&e) => Ok(e),
        _ => Err(CliError::tr(
            crate::out::exit::NOT_SETTLED,
            "документ не дождался кассы МодульКассы за 120 с",
            "the document did not reach the МодульКасса register's queue in 120 s",
        )),
    }
}

async fn drain(out: &Out, outbox: &Arc<Outbox>) -> Result<(), CliError> {
    let w = outbox.worker().clone();
    let settled = w
        .run_until_settled(tokio::time::sleep(Duration::from_secs(120)))
        .await;
    if settled {
        Ok(())
    } else {
        out.say(
            "Очередь не обработана за 120 с.",
            "The queue did not settle in 120 s.",
        );
        Err(CliError::tr(
            crate::out::exit::NOT_SETTLED,
            "очередь не обработана за 120 с",
            "the queue did not settle in 120 s",
        ))
    }
}
