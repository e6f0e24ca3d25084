//! The Business.ru Open API request handler: routing, signature and token checks, commands,
//! processing, lookups.

use super::php::{self, J};
use super::validate::{self, Refusal};
use super::{ApiVersion, BusinessRuAccount, BusinessRuConfig, CNumFilter};
use crate::core::{self, lock, Core, Service, Tokens};
use crate::faults::{Endpoint, Fault};
use crate::fiscal::{now_msk, FiscalData, Kkt, OfdInfo};
use crate::journal::{DocError, DocState, JournalEntry};
use crate::server::{Reply, Req};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
enum CmdState {
    Queued,
    Done(Option<FiscalData>),
    Failed(DocError),
}

#[derive(Debug, Clone)]
struct CommandRec {
    id: u64,
    app_id: String,
    ty: String,
    c_num: String,
    author: String,
    client_name: String,
    total_kopecks: u64,
    command: Value,
    created: String,
    updated: String,
    state: CmdState,
}

/// The emulator's state.
#[derive(Debug)]
pub(crate) struct BusinessRu {
    core: Core,
    cfg: BusinessRuConfig,
    /// Tokens, owned by app ids.
    tokens: Tokens,
    tokens_issued: AtomicUsize,
    kkts: Mutex<HashMap<String, Kkt>>,
    commands: Mutex<BTreeMap<u64, CommandRec>>,
    next_id: AtomicU64,
    ofd: OfdInfo,
}

/// `YYYY-MM-DD HH:MM:SS`, Moscow time.
fn now_text() -> String {
    let (y, mo, d, h, mi, s) = now_msk().fields();
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
}

/// ATOL's `dd.mm.yyyy HH:MM:SS` (the register's) → `YYYY-MM-DD HH:MM:SS`.
fn iso_from_atol(t: &str) -> String {
    match (t.get(0..2), t.get(3..5), t.get(6..10), t.get(11..19)) {
        (Some(d), Some(m), Some(y), Some(hms)) => format!("{y}-{m}-{d} {hms}"),
        _ => t.to_owned(),
    }
}

fn error(status: u16, code: i64, text: &str) -> Reply {
    Reply::json(
        status,
        json!({"error": {"code": code, "text": text}}).to_string(),
    )
}

impl From<Refusal> for Reply {
    fn from(r: Refusal) -> Reply {
        error(r.status, r.code, &r.text)
    }
}

impl BusinessRu {
    pub(crate) fn new(cfg: BusinessRuConfig) -> BusinessRu {
        let kkts = cfg
            .accounts
            .iter()
            .map(|a| {
                let kkt = Kkt::new(a.fn_number.clone(), a.ecr_registration_number.clone());
                (a.app_id.clone(), kkt)
            })
            .collect();
        BusinessRu {
            ofd: OfdInfo {
                fns_site: "www.nalog.gov.ru".into(),
                ofd_inn: cfg.ofd_inn.clone(),
                receipt_url_base: cfg.ofd_receipt_url.clone(),
            },
            core: Core::new(cfg.faults.clone()),
            tokens: Tokens::new(cfg.token_lifetime),
            cfg,
            tokens_issued: AtomicUsize::new(0),
            kkts: Mutex::new(kkts),
            commands: Mutex::new(BTreeMap::new()),
            next_id: AtomicU64::new(100_001),
        }
    }

    pub(crate) fn expire_tokens(&self) {
        self.tokens.expire_all();
    }

    pub(crate) fn tokens_issued(&self) -> usize {
        self.tokens_issued.load(Ordering::SeqCst)
    }

    /// The request's parameters (query for GET, body object for POST; a GET without a query
    /// but with a body takes the body object, as SDK releases before 1.0.11 sent it).
    fn params(req: &Req) -> Result<Vec<(String, J)>, Reply> {
        let body_get = req.method == hyper::Method::GET
            && req.query.is_empty()
            && req.body.iter().any(|b| !b.is_ascii_whitespace());
        if req.method == hyper::Method::POST || body_get {
            if req.too_large {
                return Err(error(413, 10, "Слишком большой запрос"));
            }
            match php::parse(&req.body) {
                Some(J::Obj(kv)) => Ok(kv),
                _ => Err(error(400, 10, "Тело запроса должно быть JSON-объектом")),
            }
        } else {
            let mut kv: Vec<(String, J)> = Vec::new();
            for pair in req.query.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                let (k, v) = (
                    crate::server::percent_decode(k),
                    crate::server::percent_decode(v),
                );
                match kv.iter_mut().find(|(kk, _)| *kk == k) {
                    Some(slot) => slot.1 = J::Str(v),
                    None => kv.push((k, J::Str(v))),
                }
            }
            Ok(kv)
        }
    }

    /// Signature, app_id, nonce, API version and (unless `token_free`) token.
    fn authenticate(
        &self,
        req: &Req,
        v: ApiVersion,
        params: &[(String, J)],
        token_free: bool,
    ) -> Result<&BusinessRuAccount, Reply> {
        let get = |k: &str| params.iter().find(|(kk, _)| kk == k).map(|(_, v)| v);
        let sign = req
            .header("sign")
            .filter(|s| !s.is_empty())
            .ok_or_else(|| error(401, 1, "Не передана подпись запроса (sign)"))?;
        let app_id = get("app_id").and_then(J::as_text).unwrap_or_default();
        let account = self
            .cfg
            .accounts
            .iter()
            .find(|a| a.app_id == app_id)
            .ok_or_else(|| error(401, 2, "Неизвестное приложение (app_id)"))?;
        if get("nonce").and_then(J::as_text).is_none_or(str::is_empty) {
            return Err(error(400, 10, "Не передан параметр nonce"));
        }
        let expected = php::md5_hex(
            php::params_string(params, false).as_bytes(),
            &account.secret,
        );
        // Only the PHP re-encoding with raw text: never the raw body's or an escaped form's
        // MD5 (module docs).
        if !sign.eq_ignore_ascii_case(&expected) {
            return Err(error(401, 3, "Неверная подпись запроса"));
        }
        if account.api != v {
            return Err(Reply::json(
                401,
                json!({"result": 1, "message": format!(
                    "Аккаунт настроен на другую версию ФФД: используйте /open-api/{}/",
                    account.api.as_str()
                )})
                .to_string(),
            ));
        }
        if !token_free {
            let token = get("token").and_then(J::as_text).unwrap_or_default();
            if self.tokens.owner(token).as_deref() != Some(account.app_id.as_str()) {
                return Err(error(401, 4, "Токен недействителен или истёк"));
            }
        }
        Ok(account)
    }

    fn token(&self, account: &BusinessRuAccount) -> Reply {
        let token = self.tokens.issue(&account.app_id, || {
            crate::fiscal::new_uuid().replace('-', "")
        });
        self.tokens_issued.fetch_add(1, Ordering::SeqCst);
        Reply::json(200, json!({ "token": token }).to_string())
    }

    fn post_command(
        self: &Arc<Self>,
        req: &Req,
        account: &BusinessRuAccount,
        params: &[(String, J)],
        forced: Option<DocError>,
    ) -> Reply {
        let get = |k: &str| params.iter().find(|(kk, _)| kk == k).map(|(_, v)| v);
        let ty = get("type")
            .and_then(J::as_str)
            .unwrap_or_default()
            .to_owned();
        let Some(cmd) = get("command") else {
            return error(400, 10, "Не передан параметр command");
        };
        let receipt = match ty.as_str() {
            "printCheck" | "printPurchaseReturn" => true,
            "openShift" | "closeShift" => false,
            other => return error(400, 10, &format!("Неизвестный тип команды: {other}")),
        };
        let checked = if receipt {
            match validate::check_receipt(
                cmd,
                self.cfg.unconfirmed_vat_rates,
                account.mark_type_prefix_included,
                self.cfg.strict,
            ) {
                Ok(c) => Some(c),
                Err(r) => return r.into(),
            }
        } else {
            None
        };
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let now = now_text();
        let rec = CommandRec {
            id,
            app_id: account.app_id.clone(),
            ty: ty.clone(),
            c_num: checked
                .as_ref()
                .map(|c| c.c_num.clone())
                .unwrap_or_default(),
            author: checked
                .as_ref()
                .map(|c| c.author.clone())
                .unwrap_or_default(),
            client_name: checked
                .as_ref()
                .map(|c| c.client_name.clone())
                .unwrap_or_default(),
            total_kopecks: checked.as_ref().map_or(0, |c| c.total_kopecks),
            command: cmd.to_value(),
            created: now.clone(),
            updated: now,
            state: if receipt {
                CmdState::Queued
            } else {
                CmdState::Done(None)
            },
        };
        if receipt {
            self.core.journal.insert(JournalEntry {
                api: match account.api {
                    ApiVersion::V1 => "business_ru/v1",
                    ApiVersion::V2 => "business_ru/v2",
                },
                group_code: account.app_id.clone(),
                operation: ty.clone(),
                external_id: rec.c_num.clone(),
                uuid: id.to_string(),
                ..JournalEntry::waiting(&req.body)
            });
        }
        lock(&self.commands).insert(id, rec);
        if receipt {
            let operation = if ty == "printPurchaseReturn" { 2 } else { 1 };
            core::process_later(self, self.cfg.processing_delay, move |me| async move {
                me.process(id, operation, forced);
            });
        }
        Reply::json(200, json!({ "command_id": id }).to_string())
    }

    fn process(&self, id: u64, operation: u8, forced: Option<DocError>) {
        let Some((app_id, total)) = lock(&self.commands)
            .get(&id)
            .map(|c| (c.app_id.clone(), c.total_kopecks))
        else {
            return;
        };
        let state = match forced {
            Some(e) => CmdState::Failed(e),
            None => match lock(&self.kkts).get_mut(&app_id) {
                Some(k) => CmdState::Done(Some(k.fiscalise(total, operation, &self.ofd))),
                None => CmdState::Failed(DocError {
                    code: 241,
                    text: "Нет связи с ККТ".into(),
                    error_type: "driver".into(),
                }),
            },
        };
        let journal_state = match &state {
            CmdState::Done(Some(f)) => DocState::Done(f.clone()),
            CmdState::Failed(e) => DocState::Fail(e.clone()),
            _ => DocState::Wait,
        };
        if let Some(c) = lock(&self.commands).get_mut(&id) {
            c.state = state;
            c.updated = now_text();
        }
        self.core
            .journal
            .update(&id.to_string(), |e| e.state = journal_state);
    }

    fn record_json(c: &CommandRec) -> Value {
        let (status, result, msg, fiscal) = match &c.state {
            CmdState::Queued => (0, Value::Null, Value::Null, None),
            CmdState::Done(f) => (2, json!(0), Value::Null, f.as_ref()),
            CmdState::Failed(e) => (3, json!(e.code), json!(e.text), None),
        };
        // As PHP writes the amount: `1000`, `311.95` (serde_json prints doubles shortest).
        let total = if c.total_kopecks % 100 == 0 {
            json!(c.total_kopecks / 100)
        } else {
            format!("{}.{:02}", c.total_kopecks / 100, c.total_kopecks % 100)
                .parse::<f64>()
                .map_or(Value::Null, |f| json!(f))
        };
        json!({
            "id": c.id,
            "shift_ref": fiscal.map(|f| f.shift_number),
            "user_ref": 1,
            "c_num": c.c_num,
            "author": c.author,
            "date_create": c.created,
            "date_update": c.updated,
            "check_type_id": if c.ty == "printPurchaseReturn" { 2 } else { 1 },
            "fn_number": fiscal.map(|f| f.fn_number.clone()),
            "ecr_registration_number": fiscal.map(|f| f.ecr_registration_number.clone()),
            "fiscal_document_number": fiscal.map(|f| f.fiscal_document_number),
            "fiscal_document_attribute": fiscal.map(|f| f.fiscal_document_attribute),
            "result_shift_number": fiscal.map(|f| f.shift_number),
            "external_id": null,
            "atol_id": null,
            "receipt_datetime": fiscal.map(|f| iso_from_atol(&f.receipt_datetime)),
            "result_msg": msg,
            "payment_mode_check": null,
            "client_name": c.client_name,
            "status": status,
            "result": result,
            "total": total,
            "command_type_id": if c.ty == "printPurchaseReturn" { 2 } else { 1 },
            "date_result": if matches!(c.state, CmdState::Queued) { Value::Null } else { json!(c.updated) },
            "atol_callback_url": null,
            "atol_callback_status": null,
            "full_payment_command": null,
            "refund_command": null,
            "type": c.ty,
            "receipt_url": fiscal.map(|f| f.ofd_receipt_url.clone()),
            "command": c.command,
        })
    }

    fn get_command(&self, account: &BusinessRuAccount, id: &str) -> Reply {
        let rec = id
            .parse::<u64>()
            .ok()
            .and_then(|id| lock(&self.commands).get(&id).cloned())
            .filter(|c| c.app_id == account.app_id);
        match rec {
            Some(c) => Reply::json(200, Self::record_json(&c).to_string()),
            None => error(404, 404, "Команда не найдена"),
        }
    }

    fn list_commands(&self, account: &BusinessRuAccount, params: &[(String, J)]) -> Reply {
        let get = |k: &str| {
            params
                .iter()
                .find(|(kk, _)| kk == k)
                .and_then(|(_, v)| v.as_text())
        };
        let page = match get("page").map(str::trim) {
            None | Some("") => 1,
            Some(p) => match p.parse::<usize>() {
                Ok(n) if n >= 1 => n,
                _ => return error(400, 10, "Параметр page должен быть целым числом от 1"),
            },
        };
        let c_num = match self.cfg.list_c_num_filter {
            CNumFilter::Exact => get("c_num").map(str::to_owned),
            CNumFilter::Ignored => None,
        };
        // (parameter, which date of the record, lower bound?)
        let mut bounds: Vec<(usize, String, bool)> = Vec::new();
        for (i, field) in ["create", "update", "result"].iter().enumerate() {
            for (suffix, lower) in [("from", true), ("to", false)] {
                let name = format!("filter_date_{field}_{suffix}");
                if let Some(v) = get(&name).filter(|v| !v.is_empty()) {
                    match filter_bound(v, lower) {
                        Some(b) => bounds.push((i, b, lower)),
                        None => {
                            return error(
                                400,
                                10,
                                &format!(
                                    "Параметр {name}: ожидается дата ГГГГ-ММ-ДД или ГГГГ-ММ-ДД чч:мм:сс"
                                ),
                            )
                        }
                    }
                }
            }
        }
        let size = self.cfg.list_page_size;
        let list: Vec<Value> = lock(&self.commands)
            .values()
            .filter(|c| c.app_id == account.app_id)
            .filter(|c| c_num.as_deref().is_none_or(|n| c.c_num == n))
            .filter(|c| {
                bounds.iter().all(|(field, b, lower)| {
                    let date = match field {
                        0 => Some(&c.created),
                        1 => Some(&c.updated),
                        _ => (!matches!(c.state, CmdState::Queued)).then_some(&c.updated),
                    };
                    // The same fixed-width text: compared as text.
                    date.is_some_and(|d| if *lower { d >= b } else { d <= b })
                })
            })
            .skip((page - 1).saturating_mul(size))
            .take(size)
            .map(Self::record_json)
            .collect();
        Reply::json(200, Value::Array(list).to_string())
    }

    /// `GET StateSystem`: the account's register (the shape is the emulator's own).
    fn state_system(&self, account: &BusinessRuAccount) -> Reply {
        let queued = lock(&self.commands)
            .values()
            .filter(|c| c.app_id == account.app_id && matches!(c.state, CmdState::Queued))
            .count();
        json_reply(json!({
            "result": 0,
            "state": "online",
            "app_id": account.app_id,
            "api": account.api.as_str(),
            "kkt": [{
                "fn_number": account.fn_number,
                "ecr_registration_number": account.ecr_registration_number,
                "queued": queued,
            }],
        }))
    }
}

fn json_reply(v: Value) -> Reply {
    Reply::json(200, v.to_string())
}

/// A date filter value → the bound as `YYYY-MM-DD HH:MM:SS` (a date alone: its first or last
/// second). `None` when it is neither form.
fn filter_bound(v: &str, lower: bool) -> Option<String> {
    let v = v.trim();
    let digits = |r: std::ops::Range<usize>| {
        v.get(r)
            .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|p| p.parse::<u32>().ok())
    };
    let b = v.as_bytes();
    let (y, mo, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    if b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || !(1..=12).contains(&mo)
        || !(1..=31).contains(&d)
        || y < 1970
    {
        return None;
    }
    let time = match v.len() {
        10 => {
            if lower {
                "00:00:00".to_owned()
            } else {
                "23:59:59".to_owned()
            }
        }
        19 if matches!(b[10], b' ' | b'T') && b[13] == b':' && b[16] == b':' => {
            let (h, mi, s) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
            if h > 23 || mi > 59 || s > 59 {
                return None;
            }
            format!("{h:02}:{mi:02}:{s:02}")
        }
        _ => return None,
    };
    Some(format!("{y:04}-{mo:02}-{d:02} {time}"))
}

/// Where a Business.ru request goes.
pub(crate) enum Route {
    Token,
    StateSystem,
    Command,
    CommandId(String),
}

fn route(path: &str) -> Option<(ApiVersion, Route)> {
    let (v, rest) = if let Some(r) = path.strip_prefix("/open-api/v1/") {
        (ApiVersion::V1, r)
    } else if let Some(r) = path.strip_prefix("/open-api/v2/") {
        (ApiVersion::V2, r)
    } else {
        return None;
    };
    let r = match rest
        .trim_end_matches('/')
        .split('/')
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["Token"] => Route::Token,
        ["StateSystem"] => Route::StateSystem,
        ["Command"] => Route::Command,
        ["Command", id] => Route::CommandId((*id).to_owned()),
        _ => return None,
    };
    Some((v, r))
}

/// The outcome of an injected queue timeout.
fn queue_timeout() -> DocError {
    DocError {
        code: 1,
        text: "Истекло время ожидания в очереди".into(),
        error_type: "timeout".into(),
    }
}

impl Service for BusinessRu {
    type Route = (ApiVersion, Route);

    fn core(&self) -> &Core {
        &self.core
    }

    fn route(&self, req: &Req) -> Result<(Self::Route, Endpoint), Reply> {
        let (v, r) = route(&req.path).ok_or_else(|| error(404, 404, "Метод не найден"))?;
        let post = req.method == hyper::Method::POST;
        let endpoint = match (&r, post) {
            (Route::Token, _) => Endpoint::Token,
            (Route::Command, true) => Endpoint::Register,
            _ => Endpoint::Report,
        };
        let allowed = match r {
            Route::Command => post || req.method == hyper::Method::GET,
            _ => req.method == hyper::Method::GET,
        };
        if !allowed {
            return Err(error(405, 10, "Метод HTTP не поддерживается"));
        }
        Ok(((v, r), endpoint))
    }

    fn answer(self: &Arc<Self>, req: &Req, (v, r): Self::Route, fault: &Fault) -> Reply {
        let params = match Self::params(req) {
            Ok(p) => p,
            Err(reply) => return reply,
        };
        let account = match self.authenticate(req, v, &params, matches!(r, Route::Token)) {
            Ok(a) => a.clone(),
            Err(reply) => return reply,
        };
        match r {
            Route::Token => self.token(&account),
            Route::StateSystem => self.state_system(&account),
            Route::Command if req.method == hyper::Method::POST => {
                let forced = core::forced_outcome(fault, queue_timeout);
                self.post_command(req, &account, &params, forced)
            }
            Route::Command => self.list_commands(&account, &params),
            Route::CommandId(id) => self.get_command(&account, &id),
        }
    }

    fn server_error(&self) -> Reply {
        error(500, 500, "Internal Server Error")
    }
}
