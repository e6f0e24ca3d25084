//! The KOMTET Kassa request handler: routing, shop signature, tasks, processing, queues.

use super::validate::{self, Refusal};
use super::{KomtetConfig, KomtetShop};
use crate::core::{self, lock, Core, Service};
use crate::faults::{Endpoint, Fault};
use crate::fiscal::{FiscalData, Kkt, OfdInfo};
use crate::journal::{DocError, DocState, JournalEntry};
use crate::server::{Reply, Req};
use md5::{Digest, Md5};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The API prefix served (the SDKs' `v2` clients).
const PREFIX: &str = "/api/shop/v2/";

#[derive(Debug, Clone)]
enum TaskState {
    New,
    Done(FiscalData, String),
    Error(DocError),
}

#[derive(Debug, Clone)]
struct Task {
    id: u64,
    shop_id: String,
    queue_id: String,
    external_id: String,
    operation: u8,
    total_kopecks: u64,
    state: TaskState,
}

/// The emulator's state.
#[derive(Debug)]
pub(crate) struct Komtet {
    core: Core,
    cfg: KomtetConfig,
    kkts: Mutex<HashMap<String, Kkt>>,
    tasks: Mutex<BTreeMap<u64, Task>>,
    /// (shop id, external id) → task id.
    by_external: Mutex<HashMap<(String, String), u64>>,
    /// Queue id → active.
    queue_active: Mutex<HashMap<String, bool>>,
    next_id: AtomicU64,
    ofd: OfdInfo,
}

fn error_reply(status: u16, code: &str, title: &str, description: &str) -> Reply {
    Reply::json(
        status,
        json!({"title": title, "code": code, "description": description}).to_string(),
    )
}

/// 422 `VLD11`: the shop already holds a task with this `external_id` (the PHP SDK's test
/// `ClientTest::testAPIValidationException`); `prefix` starts the description.
fn vld11(external_id: &str, prefix: &str) -> Reply {
    error_reply(
        422,
        "VLD11",
        &format!("Чек с внешнем идентификатором {external_id} существует"),
        &format!(
            "{prefix}Проверьте корректность передаваемых идентификаторов. Измените \
             идентификатор, либо прекратите попытки по передаче данного чека в очередь."
        ),
    )
}

impl From<Refusal> for Reply {
    fn from(r: Refusal) -> Reply {
        error_reply(r.status, r.code, &r.title, &r.description)
    }
}

/// Hex HMAC-MD5 (RFC 2104) of `msg` with `key`.
pub(crate) fn hmac_md5_hex(key: &[u8], msg: &[u8]) -> String {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        let d = Md5::digest(key);
        k[..d.len()].copy_from_slice(&d);
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Md5::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(msg);
    let inner = inner.finalize();
    let mut outer = Md5::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner);
    hex::encode(outer.finalize())
}

/// `YYYYMMDDTHHMM` of the register's `dd.mm.yyyy HH:MM:SS` (the QR-code `t`).
fn qr_t(atol: &str) -> String {
    match (
        atol.get(0..2),
        atol.get(3..5),
        atol.get(6..10),
        atol.get(11..13),
        atol.get(14..16),
    ) {
        (Some(d), Some(m), Some(y), Some(h), Some(mi)) => format!("{y}{m}{d}T{h}{mi}"),
        _ => String::new(),
    }
}

impl Komtet {
    pub(crate) fn new(cfg: KomtetConfig) -> Komtet {
        let kkts = cfg
            .shops
            .iter()
            .map(|s| {
                (
                    s.shop_id.clone(),
                    Kkt::new(s.fn_number.clone(), s.reg_number.clone()),
                )
            })
            .collect();
        let queue_active = cfg
            .shops
            .iter()
            .flat_map(|s| s.queues.iter().map(|q| (q.clone(), true)))
            .collect();
        Komtet {
            ofd: OfdInfo {
                fns_site: "www.nalog.gov.ru".into(),
                ofd_inn: cfg.ofd_inn.clone(),
                receipt_url_base: cfg.ofd_receipt_url.clone(),
            },
            core: Core::new(cfg.faults.clone()),
            cfg,
            kkts: Mutex::new(kkts),
            tasks: Mutex::new(BTreeMap::new()),
            by_external: Mutex::new(HashMap::new()),
            queue_active: Mutex::new(queue_active),
            next_id: AtomicU64::new(4_200_001),
        }
    }

    pub(crate) fn set_queue_active(&self, queue_id: &str, active: bool) -> bool {
        match lock(&self.queue_active).get_mut(queue_id) {
            Some(a) => {
                *a = active;
                true
            }
            None => false,
        }
    }

    fn is_active(&self, queue_id: &str) -> bool {
        lock(&self.queue_active)
            .get(queue_id)
            .copied()
            .unwrap_or(false)
    }

    /// `Authorization` (a known shop) and `X-HMAC-Signature` over method + full URL + body.
    fn authenticate(&self, req: &Req) -> Result<&KomtetShop, Reply> {
        let shop_id = req.header("authorization").unwrap_or_default().trim();
        let shop = self
            .cfg
            .shops
            .iter()
            .find(|s| s.shop_id == shop_id)
            .ok_or_else(|| {
                error_reply(
                    401,
                    "AUTH01",
                    "Магазин не найден",
                    "Проверьте идентификатор магазина в заголовке Authorization",
                )
            })?;
        let host = req.header("host").unwrap_or_default();
        let mut url = format!("http://{host}{}", req.path);
        if !req.query.is_empty() {
            url.push('?');
            url.push_str(&req.query);
        }
        let mut msg = Vec::with_capacity(url.len() + req.body.len() + 8);
        msg.extend_from_slice(req.method.as_str().as_bytes());
        msg.extend_from_slice(url.as_bytes());
        msg.extend_from_slice(&req.body);
        let expected = hmac_md5_hex(shop.secret.as_bytes(), &msg);
        let given = req.header("x-hmac-signature").unwrap_or_default().trim();
        if !given.eq_ignore_ascii_case(&expected) {
            return Err(error_reply(
                403,
                "AUTH02",
                "Неверная подпись запроса",
                "Подпись X-HMAC-Signature не соответствует запросу",
            ));
        }
        Ok(shop)
    }

    fn owns_queue(shop: &KomtetShop, qid: &str) -> Result<(), Reply> {
        if shop.queues.iter().any(|q| q == qid) {
            Ok(())
        } else {
            Err(error_reply(
                404,
                "QUE01",
                "Очередь не найдена",
                "Проверьте идентификатор очереди",
            ))
        }
    }

    fn queue(&self, shop: &KomtetShop, qid: &str) -> Reply {
        if let Err(r) = Self::owns_queue(shop, qid) {
            return r;
        }
        let state = if self.is_active(qid) {
            "active"
        } else {
            "passive"
        };
        Reply::json(
            200,
            json!({"id": qid.parse::<u64>().map_or(json!(qid), |n| json!(n)), "name": format!("Очередь {qid}"), "state": state})
                .to_string(),
        )
    }

    fn create_task(
        self: &Arc<Self>,
        req: &Req,
        shop: &KomtetShop,
        qid: &str,
        forced: Option<DocError>,
    ) -> Reply {
        if let Err(r) = Self::owns_queue(shop, qid) {
            return r;
        }
        if req.too_large {
            return error_reply(413, validate::INVALID, "Слишком большой запрос", "");
        }
        let checked = match validate::check_task(&req.body) {
            Ok(c) => c,
            Err(r) => return r.into(),
        };
        let key = (shop.shop_id.clone(), checked.external_id.clone());
        let id = {
            let mut by_ext = lock(&self.by_external);
            if by_ext.contains_key(&key) {
                return vld11(&checked.external_id, "");
            }
            let id = self.next_id.fetch_add(1, Ordering::SeqCst);
            by_ext.insert(key, id);
            id
        };
        let answer = self.register(id, shop, qid, &checked, &req.body, forced);
        Reply::json(200, answer.to_string())
    }

    /// Registers a checked task under `id` (already reserved in `by_external`), journals and
    /// schedules it; the task object the creation answers.
    fn register(
        self: &Arc<Self>,
        id: u64,
        shop: &KomtetShop,
        qid: &str,
        checked: &validate::Checked,
        body: &[u8],
        forced: Option<DocError>,
    ) -> Value {
        let operation = match checked.intent.trim_end_matches("Correction") {
            "sellReturn" => 2,
            "buy" => 3,
            "buyReturn" => 4,
            _ => 1,
        };
        lock(&self.tasks).insert(
            id,
            Task {
                id,
                shop_id: shop.shop_id.clone(),
                queue_id: qid.to_owned(),
                external_id: checked.external_id.clone(),
                operation,
                total_kopecks: checked.total_kopecks,
                state: TaskState::New,
            },
        );
        // Unique per shop; the journal's group is the shop.
        let _ = self.core.journal.insert_unique(JournalEntry {
            api: "komtet/v2",
            group_code: shop.shop_id.clone(),
            operation: checked.intent.clone(),
            external_id: checked.external_id.clone(),
            uuid: id.to_string(),
            ..JournalEntry::waiting(body)
        });
        self.schedule(id, forced);
        json!({
            "id": id,
            "external_id": checked.external_id,
            "print_queue_id": qid.parse::<u64>().map_or(json!(qid), |n| json!(n)),
            "state": "new",
        })
    }

    /// `POST queues/{qid}/multi-tasks`: a JSON array of tasks (the Python SDK's
    /// `create_tasks`), answered with an object of task objects keyed by the task's position
    /// (`"0"`, `"1"` …, as in the SDK's test). **Inferred** (the SDK documents the success
    /// only): the request is all or nothing — the first task that is invalid or whose
    /// `external_id` the shop already holds (or that repeats one earlier in the batch) refuses
    /// the whole request with that task's error, its description starting `tasks[i]: `, and
    /// nothing is registered.
    fn create_tasks(
        self: &Arc<Self>,
        req: &Req,
        shop: &KomtetShop,
        qid: &str,
        forced: Option<DocError>,
    ) -> Reply {
        if let Err(r) = Self::owns_queue(shop, qid) {
            return r;
        }
        if req.too_large {
            return error_reply(413, validate::INVALID, "Слишком большой запрос", "");
        }
        let items = match serde_json::from_slice::<Value>(&req.body) {
            Ok(Value::Array(a)) if !a.is_empty() => a,
            _ => {
                return error_reply(
                    400,
                    validate::INVALID,
                    "Тело запроса должно быть непустым JSON-массивом задач",
                    "",
                )
            }
        };
        let mut checked = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let body = item.to_string().into_bytes();
            match validate::check_task(&body) {
                Ok(c) => checked.push((c, body)),
                Err(r) => {
                    return error_reply(
                        r.status,
                        r.code,
                        &r.title,
                        &format!("tasks[{i}]: {}", r.description),
                    )
                }
            }
        }
        let ids = {
            let mut by_ext = lock(&self.by_external);
            let mut seen = std::collections::HashSet::new();
            for (i, (c, _)) in checked.iter().enumerate() {
                let key = (shop.shop_id.clone(), c.external_id.clone());
                if by_ext.contains_key(&key) || !seen.insert(c.external_id.clone()) {
                    return vld11(&c.external_id, &format!("tasks[{i}]: "));
                }
            }
            checked
                .iter()
                .map(|(c, _)| {
                    let id = self.next_id.fetch_add(1, Ordering::SeqCst);
                    by_ext.insert((shop.shop_id.clone(), c.external_id.clone()), id);
                    id
                })
                .collect::<Vec<_>>()
        };
        let mut answer = serde_json::Map::new();
        for (i, ((c, body), id)) in checked.iter().zip(ids).enumerate() {
            answer.insert(
                i.to_string(),
                self.register(id, shop, qid, c, body, forced.clone()),
            );
        }
        Reply::json(200, Value::Object(answer).to_string())
    }

    /// Processes the task after the queue time; while its queue is passive (no register
    /// serving it) the task waits in `new`.
    fn schedule(self: &Arc<Self>, id: u64, forced: Option<DocError>) {
        core::process_later(self, self.cfg.processing_delay, move |me| async move {
            let qid = lock(&me.tasks).get(&id).map(|t| t.queue_id.clone());
            match qid {
                Some(q) if !me.is_active(&q) => {
                    let delay = me.cfg.processing_delay.max(Duration::from_millis(20));
                    tokio::time::sleep(delay).await;
                    me.schedule(id, forced);
                }
                Some(_) => me.process(id, forced),
                None => {}
            }
        });
    }

    fn process(&self, id: u64, forced: Option<DocError>) {
        let Some(t) = lock(&self.tasks).get(&id).cloned() else {
            return;
        };
        let state = match forced {
            Some(e) => TaskState::Error(e),
            None => match lock(&self.kkts).get_mut(&t.shop_id) {
                Some(k) => {
                    let f = k.fiscalise(t.total_kopecks, t.operation, &self.ofd);
                    let qt = qr_t(&f.receipt_datetime);
                    TaskState::Done(f, qt)
                }
                None => TaskState::Error(DocError {
                    code: 241,
                    text: "Нет связи с ККТ".into(),
                    error_type: "driver".into(),
                }),
            },
        };
        let journal_state = match &state {
            TaskState::Done(f, _) => DocState::Done(f.clone()),
            TaskState::Error(e) => DocState::Fail(e.clone()),
            TaskState::New => DocState::Wait,
        };
        if let Some(task) = lock(&self.tasks).get_mut(&id) {
            task.state = state;
        }
        self.core
            .journal
            .update(&id.to_string(), |e| e.state = journal_state);
    }

    fn task_json(t: &Task) -> Value {
        let (state, error, fiscal) = match &t.state {
            TaskState::New => ("new", Value::Null, Value::Null),
            TaskState::Done(f, qt) => (
                "done",
                Value::Null,
                json!({
                    "i": f.fiscal_document_number.to_string(),
                    "fn": f.fn_number,
                    "t": qt,
                    "n": t.operation,
                    "fp": f.fiscal_document_attribute.to_string(),
                    "s": validate::money_text(f.total_kopecks),
                }),
            ),
            TaskState::Error(e) => (
                "error",
                json!(format!("{}: {}", e.code, e.text)),
                Value::Null,
            ),
        };
        json!({
            "id": t.id,
            "external_id": t.external_id,
            "state": state,
            "error_description": error,
            "fiscal_data": fiscal,
        })
    }

    fn get_task(&self, shop: &KomtetShop, id: &str) -> Reply {
        let task = id
            .parse::<u64>()
            .ok()
            .and_then(|id| lock(&self.tasks).get(&id).cloned())
            .filter(|t| t.shop_id == shop.shop_id);
        match task {
            Some(t) => Reply::json(200, Self::task_json(&t).to_string()),
            None => error_reply(
                404,
                "TSK01",
                "Задача не найдена",
                "Проверьте идентификатор задачи",
            ),
        }
    }
}

/// Where a KOMTET request goes.
pub(crate) enum Route {
    Queue(String),
    CreateTask(String),
    CreateTasks(String),
    Task(String),
}

fn route(path: &str) -> Option<Route> {
    let rest = path.strip_prefix(PREFIX)?;
    Some(
        match rest
            .trim_end_matches('/')
            .split('/')
            .collect::<Vec<_>>()
            .as_slice()
        {
            ["queues", q] => Route::Queue(crate::server::percent_decode(q)),
            ["queues", q, "task"] => Route::CreateTask(crate::server::percent_decode(q)),
            ["queues", q, "multi-tasks"] => Route::CreateTasks(crate::server::percent_decode(q)),
            ["tasks", id] => Route::Task(crate::server::percent_decode(id)),
            _ => return None,
        },
    )
}

/// The outcome of an injected queue timeout.
fn queue_timeout() -> DocError {
    DocError {
        code: 1,
        text: "Истекло время ожидания в очереди".into(),
        error_type: "timeout".into(),
    }
}

impl Service for Komtet {
    type Route = Route;

    fn core(&self) -> &Core {
        &self.core
    }

    fn route(&self, req: &Req) -> Result<(Route, Endpoint), Reply> {
        let r = route(&req.path).ok_or_else(core::not_found)?;
        let (method_ok, endpoint) = match &r {
            Route::CreateTask(_) | Route::CreateTasks(_) => {
                (req.method == hyper::Method::POST, Endpoint::Register)
            }
            _ => (req.method == hyper::Method::GET, Endpoint::Report),
        };
        if !method_ok {
            return Err(error_reply(405, "HTTP405", "Метод не поддерживается", ""));
        }
        Ok((r, endpoint))
    }

    fn answer(self: &Arc<Self>, req: &Req, r: Route, fault: &Fault) -> Reply {
        let shop = match self.authenticate(req) {
            Ok(s) => s.clone(),
            Err(reply) => return reply,
        };
        match r {
            Route::Queue(q) => self.queue(&shop, &q),
            Route::CreateTask(q) => {
                let forced = core::forced_outcome(fault, queue_timeout);
                self.create_task(req, &shop, &q, forced)
            }
            Route::CreateTasks(q) => {
                let forced = core::forced_outcome(fault, queue_timeout);
                self.create_tasks(req, &shop, &q, forced)
            }
            Route::Task(id) => self.get_task(&shop, &id),
        }
    }

    fn server_error(&self) -> Reply {
        error_reply(500, "SRV500", "Внутренняя ошибка сервера", "")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Python SDK's vector (`tests/v2/client/test.py`, `test_is_queue_active`).
    #[test]
    fn signature_matches_the_sdk_vector() {
        assert_eq!(
            hmac_md5_hex(
                b"secret-key",
                b"GEThttps://kassa.komtet.ru/api/shop/v2/queues/1"
            ),
            "4f055e21e84b0d014b3e0b235e391c64"
        );
        assert_eq!(qr_t("02.03.2026 10:15:07"), "20260302T1015");
    }
}
