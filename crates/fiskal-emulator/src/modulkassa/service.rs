//! The МодульКасса request handler: routing, HTTP Basic, associations, documents and the
//! simulated Android register that takes them.

use super::validate::{self, Checked};
use super::{ModulKassaConfig, RegisterState, RetailPoint};
use crate::core::{self, lock, Core, Service};
use crate::faults::{Endpoint, Fault};
use crate::fiscal::{digits_from, FiscalData, Kkt, OfdInfo};
use crate::journal::{DocError, DocState, JournalEntry};
use crate::server::{Reply, Req};
use base64::Engine as _;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A document's status (§3.11).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Status {
    Queued,
    Pending,
    Printed,
    WaitForCallback,
    Completed,
    Failed { kind: String, message: String },
    Requeued,
}

impl Status {
    fn word(&self) -> &'static str {
        match self {
            Status::Queued => "QUEUED",
            Status::Pending => "PENDING",
            Status::Printed => "PRINTED",
            Status::WaitForCallback => "WAIT_FOR_CALLBACK",
            Status::Completed => "COMPLETED",
            Status::Failed { .. } => "FAILED",
            Status::Requeued => "REQUEUED",
        }
    }

    fn waiting(&self) -> bool {
        matches!(self, Status::Queued | Status::Requeued)
    }
}

#[derive(Debug, Clone)]
struct Doc {
    seq: u64,
    retail_point: String,
    checked: Checked,
    status: Status,
    changed: String,
    fiscal: Option<(FiscalData, String)>,
    /// A register fault drawn at acceptance: the register will fail the document.
    forced: Option<(String, String)>,
}

#[derive(Debug, Clone)]
struct Association {
    retail_point: String,
    client_id: Option<String>,
    password: String,
}

/// The emulator's state.
#[derive(Debug)]
pub(crate) struct ModulKassa {
    core: Core,
    cfg: ModulKassaConfig,
    /// userName → association.
    associations: Mutex<HashMap<String, Association>>,
    kkts: Mutex<HashMap<String, (Kkt, String)>>,
    /// (retail point, document id) → document.
    docs: Mutex<HashMap<(String, String), Doc>>,
    register: Mutex<(RegisterState, String, bool)>,
    seq: AtomicU64,
    ofd: OfdInfo,
}

/// `YYYY-MM-DDTHH:MM:SS+00:00` of a Unix time.
fn utc_text(secs: u64) -> String {
    let t = fiskal_ffd::datetime::LocalDateTime::from_unix(u32::try_from(secs).unwrap_or(u32::MAX));
    let (y, mo, d, h, mi, s) = t.fields();
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}+00:00")
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// An error answer: the status, no body (§2.1.3 … §2.6.3 «Без содержимого»); what the emulator
/// found goes in a header of its own.
fn empty(status: u16, problem: &str) -> Reply {
    Reply::text(status, "text/plain; charset=utf-8", String::new())
        .with_header("x-emulator-problem", header_text(problem))
}

/// Header-safe text: visible ASCII, anything else escaped as `\u{…}`.
fn header_text(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c == ' ' || c.is_ascii_graphic() {
                c.to_string()
            } else {
                c.escape_unicode().to_string()
            }
        })
        .collect()
}

/// A fresh password like the §2.1.4 example (`12345AbcDe`): 10 letters and digits.
fn new_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    crate::fiscal::new_uuid()
        .bytes()
        .filter(u8::is_ascii_hexdigit)
        .take(10)
        .zip(digits_from(&crate::fiscal::new_uuid(), 10).bytes())
        .map(|(a, b)| {
            let i = (usize::from(a) * 7 + usize::from(b)) % ALPHABET.len();
            char::from(ALPHABET[i])
        })
        .collect()
}

/// `Basic base64(user:password)` → (user, password).
fn basic(req: &Req) -> Option<(String, String)> {
    let h = req.header("authorization")?;
    let b64 = h
        .strip_prefix("Basic ")
        .or_else(|| h.strip_prefix("basic "))?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (u, p) = text.split_once(':')?;
    Some((u.to_owned(), p.to_owned()))
}

/// Where a request goes.
pub(crate) enum Route {
    Associate(String),
    DeleteAssociation,
    FnStatus,
    PostDoc(&'static str),
    DocStatus(String),
    Requeue(String),
}

impl ModulKassa {
    pub(crate) fn new(cfg: ModulKassaConfig) -> ModulKassa {
        let mut associations = HashMap::new();
        let mut kkts = HashMap::new();
        for rp in &cfg.retail_points {
            if let Some((u, p)) = &rp.association {
                associations.insert(
                    u.clone(),
                    Association {
                        retail_point: rp.id.clone(),
                        client_id: None,
                        password: p.clone(),
                    },
                );
            }
            kkts.insert(
                rp.id.clone(),
                (
                    Kkt::new(rp.fn_number.clone(), rp.reg_number.clone()),
                    rp.kkt_number.clone(),
                ),
            );
        }
        let state = cfg.register;
        ModulKassa {
            ofd: OfdInfo {
                fns_site: "www.nalog.gov.ru".into(),
                ofd_inn: "7704358518".into(),
                receipt_url_base: "https://ofd.ru/rec".into(),
            },
            core: Core::new(cfg.faults.clone()),
            associations: Mutex::new(associations),
            kkts: Mutex::new(kkts),
            docs: Mutex::new(HashMap::new()),
            register: Mutex::new((state, utc_text(unix_now()), state == RegisterState::Online)),
            seq: AtomicU64::new(1),
            cfg,
        }
    }

    fn retail_point(&self, id: &str) -> Option<&RetailPoint> {
        self.cfg.retail_points.iter().find(|r| r.id == id)
    }

    /// The retail point of an association's credentials.
    fn authorised(&self, req: &Req) -> Result<String, Reply> {
        let (u, p) = basic(req).ok_or_else(|| empty(401, "no HTTP Basic credentials"))?;
        match lock(&self.associations).get(&u) {
            Some(a) if a.password == p => Ok(a.retail_point.clone()),
            _ => Err(empty(401, "unknown userName or wrong password")),
        }
    }

    pub(crate) fn path_prefix(&self) -> &str {
        &self.cfg.path_prefix
    }

    pub(crate) fn register_state(&self) -> RegisterState {
        lock(&self.register).0
    }

    /// Switches the register; going online takes every waiting document, oldest first.
    pub(crate) fn set_register(self: &Arc<Self>, state: RegisterState) {
        {
            let mut r = lock(&self.register);
            if r.0 != state {
                r.0 = state;
                r.1 = utc_text(unix_now());
            }
            if state == RegisterState::Online {
                r.2 = true;
            }
        }
        if state == RegisterState::Online {
            self.take_waiting();
        }
    }

    fn take_waiting(self: &Arc<Self>) {
        let mut waiting: Vec<(u64, (String, String))> = lock(&self.docs)
            .iter()
            .filter(|(_, d)| d.status.waiting())
            .map(|(k, d)| (d.seq, k.clone()))
            .collect();
        waiting.sort();
        let keys: Vec<(String, String)> = waiting.into_iter().map(|(_, k)| k).collect();
        core::process_later(self, self.cfg.take_delay, move |me| async move {
            for k in keys {
                Arc::clone(&me).take(&k).await;
            }
        });
    }

    /// The document's status word (for the handle).
    pub(crate) fn status_of(&self, id: &str) -> Option<&'static str> {
        lock(&self.docs)
            .iter()
            .find(|((_, d), _)| d == id)
            .map(|(_, doc)| doc.status.word())
    }

    fn fn_state(&self) -> (&'static str, String) {
        let r = lock(&self.register);
        let word = match r.0 {
            RegisterState::Disabled => "DISABLED",
            RegisterState::Online => "READY",
            RegisterState::Offline if r.2 => "FAILED",
            RegisterState::Offline => "ASSOCIATED",
        };
        (word, r.1.clone())
    }

    /// The DocumentStatus text of a document (§3.11).
    fn doc_json(&self, d: &Doc) -> String {
        let text = self.doc_value(d).to_string();
        match text.find(&format!("\"{SUM_MARK}")) {
            Some(i) => {
                let start = i + 1 + SUM_MARK.len();
                let end = text[start..].find('"').map_or(text.len(), |j| start + j);
                format!("{}{}{}", &text[..i], &text[start..end], &text[end + 1..])
            }
            None => text,
        }
    }

    fn doc_value(&self, d: &Doc) -> Value {
        let (fn_state, _) = self.fn_state();
        let fiscal = d.fiscal.as_ref().map(|(f, qr)| {
            let check_type = match d.checked.doc_type.as_str() {
                "RETURN" => "RETURN",
                "BUY" => "PURCHASE",
                "BUY_RETURN" => "RETURN_PURCHASE",
                _ => "SALE",
            };
            let kopecks = f.total_kopecks;
            // `sum` as a JSON number with two decimals (§3.12; `57.00`): a placeholder here,
            // replaced by the exact text when the answer is written (`Value` would print
            // `200.0`).
            let sum = format!("{SUM_MARK}{}.{:02}", kopecks / 100, kopecks % 100);
            // The register's time (Moscow) as UTC, like the §3.12 example (`+00:00`).
            let utc = msk_to_utc(&f.receipt_datetime);
            let kkt_number = lock(&self.kkts)
                .get(&d.retail_point)
                .map(|(_, n)| n.clone())
                .unwrap_or_default();
            json!({
                "shiftNumber": f.shift_number,
                "checkNumber": f.fiscal_receipt_number,
                "kktNumber": kkt_number,
                "fnNumber": f.fn_number,
                "fnDocNumber": f.fiscal_document_number,
                "fnDocMark": f.fiscal_document_attribute,
                "date": utc,
                "sum": sum,
                "checkType": check_type,
                "qr": qr,
                "ecrRegistrationNumber": f.ecr_registration_number,
            })
        });
        let failure = match &d.status {
            Status::Failed { kind, message } => json!({"type": kind, "message": message}),
            _ => Value::Null,
        };
        let message = match &d.status {
            Status::Queued | Status::Requeued => "Document queued for printing",
            Status::Pending => "Document is being printed",
            Status::Printed => "Document printed",
            Status::WaitForCallback => "Document printed, waiting for the callback",
            Status::Completed => "Document successfully completed",
            Status::Failed { .. } => "Document failed",
        };
        json!({
            "status": d.status.word(),
            "fnState": fn_state,
            "fiscalInfo": fiscal.unwrap_or(Value::Null),
            "failureInfo": failure,
            "message": message,
            "timeStatusChanged": d.changed,
        })
    }

    fn associate(&self, req: &Req, rp_id: &str) -> Reply {
        let Some((login, password)) = basic(req) else {
            return empty(401, "no HTTP Basic credentials");
        };
        let Some(account) = self
            .cfg
            .accounts
            .iter()
            .find(|a| a.login == login && a.password == password)
        else {
            return empty(401, "unknown account login or wrong password");
        };
        let Some(rp) = self.retail_point(rp_id) else {
            return empty(404, "retail point not found");
        };
        if rp.owner != account.login {
            return empty(403, "the account has no rights for this retail point");
        }
        let client_id = req.query_param("clientId").filter(|c| !c.is_empty());
        let mut map = lock(&self.associations);
        // §2.1.1: asking again renews the password; the userName of (point, client) stays.
        let existing = map
            .iter()
            .find(|(_, a)| a.retail_point == rp.id && a.client_id == client_id)
            .map(|(u, _)| u.clone());
        let user = existing.unwrap_or_else(crate::fiscal::new_uuid);
        let password = new_password();
        map.insert(
            user.clone(),
            Association {
                retail_point: rp.id.clone(),
                client_id,
                password: password.clone(),
            },
        );
        Reply::json(
            200,
            json!({"userName": user, "password": password, "name": rp.name, "address": rp.address})
                .to_string(),
        )
    }

    fn post_doc(self: &Arc<Self>, req: &Req, rp: &str, api: &'static str, fault: &Fault) -> Reply {
        if req.too_large {
            return empty(400, "body too large");
        }
        let checked = match validate::check_document(&req.body, self.cfg.unconfirmed_vat_tags) {
            Ok(c) => c,
            Err(problem) => return empty(400, &problem),
        };
        let key = (rp.to_owned(), checked.id.clone());
        // A repeated id: the document it names, as it is (**inferred**; document 2.0 is silent).
        if let Some(d) = lock(&self.docs).get(&key) {
            return Reply::json(200, self.doc_json(d));
        }
        if self.register_state() == RegisterState::Disabled {
            return empty(403, "fiscalisation is disabled for the register");
        }
        let forced = match fault {
            Fault::RegisterError { code, text } => {
                Some(("FN_GENERIC_FAILURE".to_owned(), format!("{code}: {text}")))
            }
            _ => None,
        };
        let journal = JournalEntry {
            api,
            group_code: rp.to_owned(),
            operation: checked.doc_type.clone(),
            external_id: checked.id.clone(),
            uuid: format!("{rp}/{}", checked.id),
            ..JournalEntry::waiting(&req.body)
        };
        if self.core.journal.insert_unique(journal).is_err() {
            if let Some(d) = lock(&self.docs).get(&key) {
                return Reply::json(200, self.doc_json(d));
            }
        }
        let doc = Doc {
            seq: self.seq.fetch_add(1, Ordering::SeqCst),
            retail_point: rp.to_owned(),
            checked,
            status: Status::Queued,
            changed: utc_text(unix_now()),
            fiscal: None,
            forced,
        };
        let reply = Reply::json(200, self.doc_json(&doc));
        lock(&self.docs).insert(key.clone(), doc);
        if self.register_state() == RegisterState::Online {
            core::process_later(self, self.cfg.take_delay, move |me| async move {
                me.take(&key).await;
            });
        }
        reply
    }

    fn set_status(&self, key: &(String, String), status: Status) {
        if let Some(d) = lock(&self.docs).get_mut(key) {
            d.status = status;
            d.changed = utc_text(unix_now());
        }
    }

    /// The register takes a waiting document: PENDING, then PRINTED (or FAILED), then the
    /// callback. Nothing happens while it is offline.
    async fn take(self: Arc<Self>, key: &(String, String)) {
        if self.register_state() != RegisterState::Online {
            return;
        }
        let Some((forced, total, doc_type, url)) = lock(&self.docs).get_mut(key).and_then(|d| {
            if !d.status.waiting() {
                return None;
            }
            d.status = Status::Pending;
            d.changed = utc_text(unix_now());
            Some((
                d.forced.take(),
                d.checked.total_kopecks,
                d.checked.doc_type.clone(),
                d.checked.response_url.clone(),
            ))
        }) else {
            return;
        };
        tokio::time::sleep(self.cfg.take_delay).await;
        if self.core.is_stopped() {
            return;
        }
        let uuid = format!("{}/{}", key.0, key.1);
        if let Some((kind, message)) = forced {
            self.set_status(
                key,
                Status::Failed {
                    kind: kind.clone(),
                    message: message.clone(),
                },
            );
            self.core.journal.update(&uuid, |e| {
                e.state = DocState::Fail(DocError {
                    code: 0,
                    text: message,
                    error_type: kind,
                })
            });
            return;
        }
        let operation = match doc_type.as_str() {
            "RETURN" => 2,
            "BUY" => 3,
            "BUY_RETURN" => 4,
            _ => 1,
        };
        let Some(fiscal) = lock(&self.kkts)
            .get_mut(&key.0)
            .map(|(k, _)| k.fiscalise(total, operation, &self.ofd))
        else {
            return;
        };
        let qr = qr_of(&fiscal, operation);
        let next = if url.is_some() {
            Status::WaitForCallback
        } else if self.cfg.stop_at_printed {
            Status::Printed
        } else {
            Status::Completed
        };
        if let Some(d) = lock(&self.docs).get_mut(key) {
            d.fiscal = Some((fiscal.clone(), qr.clone()));
            d.status = next;
            d.changed = utc_text(unix_now());
        }
        self.core
            .journal
            .update(&uuid, |e| e.state = DocState::Done(fiscal));
        if let Some(url) = url {
            // The format is not documented (§2.4.6); integrations read `status` and `qr` from
            // the query (**inferred**). The document is COMPLETED once the shop answers 200.
            let sep = if url.contains('?') { '&' } else { '?' };
            let target = format!("{url}{sep}status=SUCCESS&qr={}", query_encode(&qr));
            let state = crate::callback::post_json(&target, "{}", self.cfg.callback_timeout).await;
            let delivered = state == crate::journal::CallbackState::Delivered(200);
            self.core.journal.update(&uuid, |e| e.callback = state);
            if delivered {
                self.set_status(key, Status::Completed);
            }
        }
    }

    fn requeue(self: &Arc<Self>, rp: &str, id: &str) -> Reply {
        let key = (rp.to_owned(), id.to_owned());
        let mut docs = lock(&self.docs);
        let Some(d) = docs.get_mut(&key) else {
            return empty(400, "no document with this id");
        };
        if !matches!(d.status, Status::Failed { .. }) {
            return empty(400, "only a FAILED document can be re-queued (§2.6.1)");
        }
        d.status = Status::Requeued;
        d.changed = utc_text(unix_now());
        let reply = Reply::json(200, self.doc_json(d));
        drop(docs);
        self.core
            .journal
            .update(&format!("{rp}/{id}"), |e| e.state = DocState::Wait);
        if self.register_state() == RegisterState::Online {
            core::process_later(self, self.cfg.take_delay, move |me| async move {
                me.take(&key).await;
            });
        }
        reply
    }
}

/// The register's `dd.mm.yyyy HH:MM:SS` (Moscow) → UTC `YYYY-MM-DDTHH:MM:SS+00:00`.
fn msk_to_utc(t: &str) -> String {
    let parse = || -> Option<fiskal_ffd::datetime::LocalDateTime> {
        let n = |r: std::ops::Range<usize>| t.get(r)?.parse::<i64>().ok();
        fiskal_ffd::datetime::LocalDateTime::new(
            n(6..10)?,
            n(3..5)?,
            n(0..2)?,
            n(11..13)?,
            n(14..16)?,
            n(17..19)?,
        )
    };
    match parse() {
        Some(l) => utc_text(u64::from(l.unix()).saturating_sub(3 * 3600)),
        None => t.to_owned(),
    }
}

/// The QR payload as §3.12 shows it: `t=YYYYMMDDTHHMMSS&s=…&fn=…&i=<10 digits>&fp=…&n=…`.
fn qr_of(f: &FiscalData, operation: u8) -> String {
    let t = &f.receipt_datetime;
    let stamp = format!(
        "{}{}{}T{}{}{}",
        t.get(6..10).unwrap_or(""),
        t.get(3..5).unwrap_or(""),
        t.get(0..2).unwrap_or(""),
        t.get(11..13).unwrap_or(""),
        t.get(14..16).unwrap_or(""),
        t.get(17..19).unwrap_or("")
    );
    format!(
        "t={stamp}&s={}.{:02}&fn={}&i={:010}&fp={}&n={operation}",
        f.total_kopecks / 100,
        f.total_kopecks % 100,
        f.fn_number,
        f.fiscal_document_number,
        f.fiscal_document_attribute
    )
}

fn query_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl Service for ModulKassa {
    type Route = Route;

    fn core(&self) -> &Core {
        &self.core
    }

    fn route(&self, req: &Req) -> Result<(Route, Endpoint), Reply> {
        use hyper::Method;
        let Some(rest) = req.path.strip_prefix(&self.cfg.path_prefix) else {
            return Err(core::not_found());
        };
        let parts: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
        let m = &req.method;
        let decoded = |s: &str| crate::server::percent_decode(&s.replace('+', "%2B"));
        let route = match (m, parts.as_slice()) {
            (&Method::POST, ["v1", "associate", rp]) => {
                (Route::Associate(decoded(rp)), Endpoint::Token)
            }
            (&Method::DELETE, ["v1", "associate"]) => (Route::DeleteAssociation, Endpoint::Token),
            (&Method::GET, ["v1", "status"]) => (Route::FnStatus, Endpoint::Report),
            (&Method::POST, ["v2", "doc"]) => (Route::PostDoc("modulkassa/v2"), Endpoint::Register),
            (&Method::POST, ["v1", "doc"]) => (Route::PostDoc("modulkassa/v1"), Endpoint::Register),
            (&Method::GET, ["v1", "doc", id, "status"]) => {
                (Route::DocStatus(decoded(id)), Endpoint::Report)
            }
            (&Method::PUT, ["v1", "doc", id, "re-queue"]) => {
                (Route::Requeue(decoded(id)), Endpoint::Report)
            }
            (_, ["v1", "associate", ..] | ["v1", "status"] | ["v2", "doc"] | ["v1", "doc", ..]) => {
                return Err(empty(405, "method not allowed"))
            }
            _ => return Err(core::not_found()),
        };
        Ok(route)
    }

    fn answer(self: &Arc<Self>, req: &Req, route: Route, fault: &Fault) -> Reply {
        match route {
            Route::Associate(rp) => self.associate(req, &rp),
            Route::DeleteAssociation => match basic(req) {
                Some((u, p)) => {
                    let mut map = lock(&self.associations);
                    if map.get(&u).is_some_and(|a| a.password == p) {
                        map.remove(&u);
                        Reply::text(200, "text/plain; charset=utf-8", String::new())
                    } else {
                        empty(401, "unknown userName or wrong password")
                    }
                }
                None => empty(401, "no HTTP Basic credentials"),
            },
            Route::FnStatus => match self.authorised(req) {
                Ok(_) => {
                    let (word, since) = self.fn_state();
                    Reply::json(200, json!({"status": word, "dateTime": since}).to_string())
                }
                Err(r) => r,
            },
            Route::PostDoc(api) => match self.authorised(req) {
                Ok(rp) => self.post_doc(req, &rp, api, fault),
                Err(r) => r,
            },
            Route::DocStatus(id) => match self.authorised(req) {
                Ok(rp) => match lock(&self.docs).get(&(rp, id)) {
                    Some(d) => Reply::json(200, self.doc_json(d)),
                    // No 404 is documented for this call (§2.5.3): an unknown id is a 400.
                    None => empty(400, "no document with this id"),
                },
                Err(r) => r,
            },
            Route::Requeue(id) => match self.authorised(req) {
                Ok(rp) => self.requeue(&rp, &id),
                Err(r) => r,
            },
        }
    }

    fn server_error(&self) -> Reply {
        empty(500, "injected server error")
    }
}

/// Marks the `sum` placeholder in a DocumentStatus being written.
const SUM_MARK: &str = "@@fiskal-sum@@";

/// How long a callback may take.
pub(crate) const CALLBACK_TIMEOUT: Duration = Duration::from_secs(5);
