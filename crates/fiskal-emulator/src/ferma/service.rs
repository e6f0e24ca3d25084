//! The Ferma request handler: routing, the envelope, tokens, receipts, processing, status.

use super::validate::{self, Checked};
use super::{FermaAccount, FermaConfig};
use crate::core::{self, lock, Core, Service};
use crate::faults::{Endpoint, Fault};
use crate::fiscal::{FiscalData, Kkt, OfdInfo};
use crate::journal::{CallbackState, DocError, DocState, JournalEntry};
use crate::server::{Reply, Req};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone)]
enum State {
    New,
    Processed,
    Confirmed(FiscalData),
    KktError(DocError),
}

#[derive(Debug, Clone)]
struct ReceiptRec {
    receipt_id: String,
    login: String,
    checked: Checked,
    /// The `Request` object as received (echoed by `list2`).
    request: Value,
    modified: String,
    state: State,
}

#[derive(Debug, Clone)]
struct TokenRec {
    login: String,
    /// Unix seconds.
    expires: u64,
}

/// The emulator's state.
#[derive(Debug)]
pub(crate) struct Ferma {
    core: Core,
    cfg: FermaConfig,
    tokens: Mutex<HashMap<String, TokenRec>>,
    tokens_issued: AtomicUsize,
    kkts: Mutex<HashMap<String, Kkt>>,
    /// ReceiptId → receipt.
    receipts: Mutex<HashMap<String, ReceiptRec>>,
    /// (login, InvoiceId) → ReceiptId.
    invoices: Mutex<HashMap<(String, String), String>>,
    ofd: OfdInfo,
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// `YYYY-MM-DDTHH:MM:SS` of Unix seconds.
fn iso(unix: u64) -> String {
    let t = fiskal_ffd::datetime::LocalDateTime::from_unix(u32::try_from(unix).unwrap_or(u32::MAX));
    let (y, mo, d, h, mi, s) = t.fields();
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")
}

/// The register's `dd.mm.yyyy HH:MM:SS` (Moscow) → `YYYY-MM-DDTHH:MM:SS`.
fn iso_from_atol(t: &str) -> String {
    match (t.get(0..2), t.get(3..5), t.get(6..10), t.get(11..19)) {
        (Some(d), Some(m), Some(y), Some(hms)) => format!("{y}-{m}-{d}T{hms}"),
        _ => t.to_owned(),
    }
}

/// `{"Status": "Success", "Data": data}` (F1 §1), HTTP 200.
fn success(data: Value) -> Reply {
    Reply::json(200, json!({"Status": "Success", "Data": data}).to_string())
}

/// `{"Status": "Failed", "Error": {"Code", "Message"}}` (F1 §1), HTTP 200.
fn failed(code: i64, message: &str) -> Reply {
    Reply::json(
        200,
        json!({"Status": "Failed", "Error": {"Code": code, "Message": message}}).to_string(),
    )
}

/// Where a Ferma request goes.
pub(crate) enum Route {
    Token,
    Receipt,
    Status,
    List2,
}

/// The outcome of an injected queue timeout.
fn queue_timeout() -> DocError {
    DocError {
        code: 3,
        text: "Истекло время ожидания обработки чека".into(),
        error_type: "timeout".into(),
    }
}

impl Ferma {
    pub(crate) fn new(cfg: FermaConfig) -> Ferma {
        let kkts = cfg
            .accounts
            .iter()
            .map(|a| {
                (
                    a.login.clone(),
                    Kkt::new(a.fn_number.clone(), a.rnm.clone()),
                )
            })
            .collect();
        Ferma {
            ofd: OfdInfo {
                fns_site: "www.nalog.gov.ru".into(),
                ofd_inn: "7709364346".into(),
                receipt_url_base: cfg.ofd_receipt_url.clone(),
            },
            core: Core::new(cfg.faults.clone()),
            cfg,
            tokens: Mutex::new(HashMap::new()),
            tokens_issued: AtomicUsize::new(0),
            kkts: Mutex::new(kkts),
            receipts: Mutex::new(HashMap::new()),
            invoices: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn expire_tokens(&self) {
        for t in lock(&self.tokens).values_mut() {
            t.expires = 0;
        }
    }

    pub(crate) fn tokens_issued(&self) -> usize {
        self.tokens_issued.load(Ordering::SeqCst)
    }

    fn create_token(&self, body: &Value) -> Reply {
        let get = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or_default();
        let (login, password) = (get("Login"), get("Password"));
        let Some(account) = self
            .cfg
            .accounts
            .iter()
            .find(|a| a.login == login && a.password == password)
        else {
            return failed(self.cfg.auth_error_code, "Неверный логин или пароль");
        };
        let token = crate::fiscal::new_uuid().replace('-', "");
        let expires = unix_now().saturating_add(self.cfg.token_lifetime.as_secs());
        lock(&self.tokens).insert(
            token.clone(),
            TokenRec {
                login: account.login.clone(),
                expires,
            },
        );
        self.tokens_issued.fetch_add(1, Ordering::SeqCst);
        success(json!({"AuthToken": token, "ExpirationDateUtc": iso(expires)}))
    }

    /// The account of the request's `AuthToken`, while it is valid.
    fn account(&self, req: &Req) -> Result<FermaAccount, Reply> {
        let token = req.query_param("AuthToken").unwrap_or_default();
        let login = lock(&self.tokens)
            .get(&token)
            .filter(|t| unix_now() < t.expires)
            .map(|t| t.login.clone());
        login
            .and_then(|l| self.cfg.accounts.iter().find(|a| a.login == l).cloned())
            .ok_or_else(|| {
                failed(
                    self.cfg.token_error_code,
                    "Токен авторизации не найден или истёк",
                )
            })
    }

    fn create_receipt(
        self: &Arc<Self>,
        req: &Req,
        account: &FermaAccount,
        body: &Value,
        forced: Option<DocError>,
    ) -> Reply {
        let checked = match validate::check_receipt(body, account.ffd) {
            Ok(c) => c,
            Err(problems) => {
                return failed(self.cfg.validation_error_code, &problems.join("; "));
            }
        };
        if !account.inns.is_empty() && !account.inns.contains(&checked.inn) {
            return failed(
                self.cfg.validation_error_code,
                &format!(
                    "Request.Inn: ИНН {} не относится к кассам аккаунта",
                    checked.inn
                ),
            );
        }
        let receipt_id = crate::fiscal::new_uuid();
        let key = (account.login.clone(), checked.invoice_id.clone());
        {
            let mut invoices = lock(&self.invoices);
            if invoices.contains_key(&key) {
                return failed(
                    self.cfg.duplicate_code,
                    &format!(
                        "Идентификатор счета '{}' уже существует",
                        checked.invoice_id
                    ),
                );
            }
            invoices.insert(key, receipt_id.clone());
        }
        let entry = JournalEntry {
            api: "ferma",
            group_code: account.login.clone(),
            operation: checked.ty.clone(),
            external_id: checked.invoice_id.clone(),
            uuid: receipt_id.clone(),
            ..JournalEntry::waiting(&req.body)
        };
        // The invoice map above already refused a duplicate; the journal agrees.
        let _ = self.core.journal.insert_unique(entry);
        lock(&self.receipts).insert(
            receipt_id.clone(),
            ReceiptRec {
                receipt_id: receipt_id.clone(),
                login: account.login.clone(),
                checked,
                request: body.get("Request").cloned().unwrap_or(Value::Null),
                modified: iso_from_atol(&crate::fiscal::atol_timestamp(crate::fiscal::now_msk())),
                state: State::New,
            },
        );
        let half = self.cfg.processing_delay / 2;
        let id = receipt_id.clone();
        core::process_later(self, half, move |me| async move {
            me.set_state(&id, State::Processed);
            tokio::time::sleep(half).await;
            if !me.core.is_stopped() {
                me.finish(&id, forced).await;
            }
        });
        success(json!({ "ReceiptId": receipt_id }))
    }

    fn set_state(&self, id: &str, state: State) {
        if let Some(r) = lock(&self.receipts).get_mut(id) {
            r.state = state;
            r.modified = iso_from_atol(&crate::fiscal::atol_timestamp(crate::fiscal::now_msk()));
        }
    }

    async fn finish(&self, id: &str, forced: Option<DocError>) {
        let Some(rec) = lock(&self.receipts).get(id).cloned() else {
            return;
        };
        let state = match forced {
            Some(e) => State::KktError(e),
            None => {
                let op = validate::operation(&rec.checked.ty);
                match lock(&self.kkts).get_mut(&rec.login) {
                    Some(k) => {
                        State::Confirmed(k.fiscalise(rec.checked.total_kopecks, op, &self.ofd))
                    }
                    None => State::KktError(DocError {
                        code: 2,
                        text: "Касса недоступна".into(),
                        error_type: "driver".into(),
                    }),
                }
            }
        };
        let journal_state = match &state {
            State::Confirmed(f) => DocState::Done(f.clone()),
            State::KktError(e) => DocState::Fail(e.clone()),
            _ => DocState::Wait,
        };
        self.set_state(id, state);
        self.core.journal.update(id, |e| e.state = journal_state);
        let Some(rec) = lock(&self.receipts).get(id).cloned() else {
            return;
        };
        if let Some(url) = rec.checked.callback_url.clone() {
            let body = self.status_data(&rec).to_string();
            let cb = if url.starts_with("http://127.0.0.1") || url.starts_with("http://localhost") {
                crate::callback::post_json(&url, &body, Duration::from_secs(5)).await
            } else {
                CallbackState::Skipped("not a loopback http:// address".into())
            };
            self.core.journal.update(id, |e| e.callback = cb);
        }
    }

    /// The status `Data` of a receipt (the fields of a captured test answer).
    fn status_data(&self, r: &ReceiptRec) -> Value {
        let (code, name, message) = match &r.state {
            State::New => (0, "NEW", "Чек принят".to_owned()),
            State::Processed => (1, "PROCESSED", "Чек передан на кассу".to_owned()),
            State::Confirmed(_) => (2, "CONFIRMED", "Чек передан в ОФД".to_owned()),
            State::KktError(e) => (3, "KKT_ERROR", e.text.clone()),
        };
        let mut data = json!({
            "ReceiptId": r.receipt_id,
            "StatusCode": code,
            "StatusName": name,
            "StatusMessage": message,
            "ModifiedDateUtc": r.modified,
            "ModifiedDateTimeIso": format!("{}+03:00[Europe/Moscow]", r.modified),
            "ReceiptDateUtc": null,
            "ReceiptDateTimeIso": null,
            "Device": null,
        });
        if let State::KktError(e) = &r.state {
            data["Description"] = json!(format!("Ошибка ККТ {}: {}", e.code, e.text));
        }
        if let State::Confirmed(f) = &r.state {
            let at = iso_from_atol(&f.receipt_datetime);
            let account = self.cfg.accounts.iter().find(|a| a.login == r.login);
            data["ReceiptDateUtc"] = json!(at);
            data["ReceiptDateTimeIso"] = json!(format!("{at}+03:00[Europe/Moscow]"));
            data["Device"] = json!({
                "DeviceId": 7825,
                "RNM": f.ecr_registration_number,
                "ZN": account.map(|a| a.zn.clone()).unwrap_or_default(),
                "FN": f.fn_number,
                "FDN": f.fiscal_document_number.to_string(),
                "FPD": f.fiscal_document_attribute.to_string(),
                "ShiftNumber": f.shift_number,
                "ReceiptNumInShift": f.fiscal_receipt_number,
                "DeviceType": "Эфир Pro ФС",
                "OfdReceiptUrl": format!(
                    "{}/{}/{}/{}",
                    self.cfg.ofd_receipt_url,
                    f.fn_number,
                    f.fiscal_document_number,
                    f.fiscal_document_attribute
                ),
            });
        }
        data
    }

    /// `kkt/cloud/list2` by `ReceiptId` (the shape of a captured answer: the status fields, the
    /// `Request` echoed as `Receipt` with `cashboxInfoHolder`); without one, every receipt of the
    /// account (the `StartDateLocal` / `EndDateLocal` window is not emulated).
    fn list2(&self, account: &FermaAccount, body: &Value) -> Reply {
        let wanted = body
            .get("Request")
            .and_then(|r| r.get("ReceiptId"))
            .and_then(Value::as_str);
        let mut list: Vec<ReceiptRec> = lock(&self.receipts)
            .values()
            .filter(|r| r.login == account.login)
            .filter(|r| wanted.is_none_or(|w| r.receipt_id == w))
            .cloned()
            .collect();
        list.sort_by(|a, b| a.modified.cmp(&b.modified));
        let data: Vec<Value> = list
            .iter()
            .map(|r| {
                let mut item = self.status_data(r);
                item["InvoiceId"] = json!(r.checked.invoice_id);
                let mut receipt = r.request.clone();
                if let Value::Object(o) = &mut receipt {
                    o.insert("DoNotInheritPaymentAgentInfo".into(), json!(false));
                    o.insert("OneOfReceiptItemsContainsPaymentInfo".into(), json!(false));
                    if let State::Confirmed(f) = &r.state {
                        let k = f.total_kopecks;
                        let total: Value = format!("{}.{:02}", k / 100, k % 100)
                            .parse::<serde_json::Number>()
                            .map_or(Value::Null, Value::Number);
                        o.insert(
                            "cashboxInfoHolder".into(),
                            json!({
                                "DeviceId": 7825,
                                "FDN": f.fiscal_document_number.to_string(),
                                "FN": f.fn_number,
                                "FPD": f.fiscal_document_attribute.to_string(),
                                "RNM": f.ecr_registration_number,
                                "ZN": account.zn,
                                "checkNumInShift": f.fiscal_receipt_number.to_string(),
                                "modelTypeId": 790,
                                "shiftNum": f.shift_number.to_string(),
                                "totalSum": total,
                            }),
                        );
                    }
                }
                item.as_object_mut().map(|o| o.remove("Device"));
                item["Receipt"] = receipt;
                item
            })
            .collect();
        success(Value::Array(data))
    }

    fn status(&self, account: &FermaAccount, body: &Value) -> Reply {
        let req = body.get("Request");
        let by = |k: &str| req.and_then(|r| r.get(k)).and_then(Value::as_str);
        let id = match (by("ReceiptId"), by("InvoiceId")) {
            (Some(r), _) => Some(r.to_owned()),
            (None, Some(inv)) => lock(&self.invoices)
                .get(&(account.login.clone(), inv.to_owned()))
                .cloned(),
            (None, None) => {
                return failed(
                    self.cfg.validation_error_code,
                    "Request: укажите ReceiptId или InvoiceId",
                )
            }
        };
        let rec = id
            .and_then(|id| lock(&self.receipts).get(&id).cloned())
            .filter(|r| r.login == account.login);
        match rec {
            Some(r) => success(self.status_data(&r)),
            None => failed(self.cfg.not_found_code, "Чек не найден"),
        }
    }
}

impl Service for Ferma {
    type Route = Route;

    fn core(&self) -> &Core {
        &self.core
    }

    fn route(&self, req: &Req) -> Result<(Route, Endpoint), Reply> {
        let path = req.path.trim_end_matches('/');
        let (route, endpoint) = match path {
            "/api/Authorization/CreateAuthToken" => (Route::Token, Endpoint::Token),
            "/api/kkt/cloud/receipt" => (Route::Receipt, Endpoint::Register),
            "/api/kkt/cloud/status" => (Route::Status, Endpoint::Report),
            "/api/kkt/cloud/list2" => (Route::List2, Endpoint::Report),
            _ => return Err(core::not_found()),
        };
        if req.method != hyper::Method::POST {
            return Err(Reply::text(
                405,
                "text/plain; charset=utf-8",
                "Method Not Allowed".into(),
            ));
        }
        Ok((route, endpoint))
    }

    fn answer(self: &Arc<Self>, req: &Req, route: Route, fault: &Fault) -> Reply {
        let json_type = req
            .header("content-type")
            .is_some_and(|c| c.to_ascii_lowercase().starts_with("application/json"));
        if !json_type {
            return failed(
                self.cfg.validation_error_code,
                "В заголовке запроса требуется Content-Type: application/json",
            );
        }
        let body = match serde_json::from_slice::<Value>(&req.body) {
            Ok(v) if v.is_object() => v,
            _ => {
                return failed(
                    self.cfg.validation_error_code,
                    "Тело запроса должно быть JSON-объектом",
                )
            }
        };
        match route {
            Route::Token => self.create_token(&body),
            Route::Receipt => match self.account(req) {
                Ok(a) => {
                    let forced = core::forced_outcome(fault, queue_timeout);
                    self.create_receipt(req, &a, &body, forced)
                }
                Err(r) => r,
            },
            Route::Status => match self.account(req) {
                Ok(a) => self.status(&a, &body),
                Err(r) => r,
            },
            Route::List2 => match self.account(req) {
                Ok(a) => self.list2(&a, &body),
                Err(r) => r,
            },
        }
    }

    fn server_error(&self) -> Reply {
        Reply::json(
            500,
            json!({"Status": "Failed", "Error": {"Code": 500, "Message": "Internal Server Error"}})
                .to_string(),
        )
    }
}
