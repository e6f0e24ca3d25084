//! The Orange Data request handler: client certificate, routing, signature, acceptance,
//! processing, status.

use super::checks::{self, Kind};
use super::{ItemCodeCheck, OrangeConfig, OrangeGroup, OrangeOrganization};
use crate::core::{self, lock, Core, Service};
use crate::faults::{Endpoint, Fault};
use crate::fiscal::{digits_from, FiscalData, Kkt, OfdInfo};
use crate::journal::{DocError, DocState, JournalEntry};
use crate::server::{Reply, Req};
use crate::tls::ClientChecker;
use base64::Engine;
use serde_json::value::RawValue;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// The one text of a signature failure (as Orange Data answers it: issue
/// <https://github.com/orangedata-official/API/issues/7>).
const BAD_SIGNATURE: &str = "Подпись не прошла проверку";

/// What became of an accepted document.
#[derive(Debug, Clone)]
enum Status {
    Queued,
    /// The 200 body.
    Done(String),
    /// The 422 body.
    ItemCodeFailed(String),
    Expired,
}

#[derive(Debug)]
struct Doc {
    kind: Kind,
    status: Status,
}

/// What the register will do with an accepted document (decided at acceptance).
#[derive(Debug)]
enum Verdict {
    Fiscalise,
    ItemCodeFailed(Vec<(usize, String)>, u8),
    Expire,
}

/// What processing needs to know about a document.
#[derive(Debug)]
struct Pending {
    inn: String,
    id: String,
    group: String,
    company_name: String,
    operation: u8,
    total_kopecks: u64,
    content: String,
    callback_url: Option<String>,
    meta: Option<String>,
    verdict: Verdict,
}

/// The emulator's state.
#[derive(Debug)]
pub(crate) struct Orange {
    core: Core,
    cfg: OrangeConfig,
    keys: RwLock<HashMap<String, Vec<u8>>>,
    kkts: Mutex<HashMap<(String, String), Kkt>>,
    docs: Mutex<HashMap<(String, String), Doc>>,
    ofd: OfdInfo,
    checker: ClientChecker,
    /// Leaf certificates (DER) already found valid: one chain check per client, not per
    /// request (bounded; cleared when full).
    valid_leaves: Mutex<std::collections::HashSet<Vec<u8>>>,
}

fn errors(status: u16, errs: &[String]) -> Reply {
    Reply::json(status, serde_json::json!({ "errors": errs }).to_string())
}

fn error(status: u16, text: impl Into<String>) -> Reply {
    errors(status, &[text.into()])
}

fn empty(status: u16) -> Reply {
    Reply::Response {
        status,
        headers: Vec::new(),
        content_type: "text/plain; charset=utf-8",
        body: Vec::new(),
    }
}

fn operation_name(kind: Kind, operation: u8) -> String {
    let base = match operation {
        2 => "sell_refund",
        3 => "buy",
        4 => "buy_refund",
        _ => "sell",
    };
    match kind {
        Kind::Document => base.to_owned(),
        Kind::Correction12 | Kind::Correction105 => format!("{base}_correction"),
    }
}

impl Orange {
    pub(crate) fn new(cfg: OrangeConfig, checker: ClientChecker) -> Orange {
        let kkts = cfg
            .organizations
            .iter()
            .flat_map(|o| {
                o.groups.iter().map(|g| {
                    let kkt = Kkt::new(g.fs_number.clone(), g.device_rn.clone());
                    ((o.inn.clone(), g.name.clone()), kkt)
                })
            })
            .collect();
        Orange {
            ofd: OfdInfo {
                fns_site: cfg.fns_website.clone(),
                ofd_inn: cfg.ofd_inn.clone(),
                receipt_url_base: "https://cheques-lk.orangedata.ru".into(),
            },
            keys: RwLock::new(
                cfg.keys
                    .iter()
                    .map(|(k, der)| (k.clone(), super::rsa_public_key_pkcs1(der.clone())))
                    .collect(),
            ),
            core: Core::new(cfg.faults.clone()),
            cfg,
            kkts: Mutex::new(kkts),
            docs: Mutex::new(HashMap::new()),
            checker,
            valid_leaves: Mutex::new(std::collections::HashSet::new()),
        }
    }

    pub(crate) fn first_inn(&self) -> Option<String> {
        self.cfg.organizations.first().map(|o| o.inn.clone())
    }

    pub(crate) fn register_key(&self, name: String, der: Vec<u8>) {
        self.keys
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(name, super::rsa_public_key_pkcs1(der));
    }

    /// Whether the client presented a certificate chain of the test CA.
    fn client_certificate_ok(&self, req: &Req) -> bool {
        let Some(chain) = req.peer_certs.as_deref() else {
            return false;
        };
        let Some(leaf) = chain.first() else {
            return false;
        };
        if lock(&self.valid_leaves).contains(leaf.as_ref()) {
            return true;
        }
        let ok = self.checker.is_valid(chain);
        if ok {
            let mut cache = lock(&self.valid_leaves);
            if cache.len() >= 1024 {
                cache.clear();
            }
            cache.insert(leaf.as_ref().to_vec());
        }
        ok
    }

    fn org(&self, inn: &str) -> Option<&OrangeOrganization> {
        self.cfg.organizations.iter().find(|o| o.inn == inn)
    }

    /// Whether `X-Signature` is the signature of the exact body under the key named `key`.
    fn signature_ok(&self, req: &Req, key: Option<&str>) -> bool {
        let (Some(key), Some(sig)) = (key, req.header("x-signature")) else {
            return false;
        };
        let Ok(sig) = base64::engine::general_purpose::STANDARD.decode(sig.trim()) else {
            return false;
        };
        let keys = self.keys.read().unwrap_or_else(PoisonError::into_inner);
        let Some(der) = keys.get(key) else {
            return false;
        };
        ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            der.as_slice(),
        )
        .verify(&req.body, &sig)
        .is_ok()
    }

    /// The body as a JSON object and a verified signature, or the 400 answer.
    fn signed_body(&self, req: &Req) -> Result<serde_json::Map<String, Value>, Reply> {
        if req.too_large {
            return Err(error(400, "Request body is too large"));
        }
        let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&req.body) else {
            return Err(error(400, "Invalid JSON"));
        };
        if !self.signature_ok(req, body.get("key").and_then(Value::as_str)) {
            return Err(error(400, BAD_SIGNATURE));
        }
        Ok(body)
    }

    // ---- POST documents / correction12 / corrections ------------------------------------------------

    fn post(self: &Arc<Self>, req: &Req, kind: Kind, fault: &Fault) -> Reply {
        let body = match self.signed_body(req) {
            Ok(b) => b,
            Err(reply) => return reply,
        };
        if let Some(cap) = self.cfg.queue_capacity {
            if self.core.journal.pending() >= cap {
                return error(503, "Document queue is full")
                    .with_header("retry-after", self.cfg.retry_after_secs.to_string());
            }
        }
        let doc = match checks::check(&body, kind, &self.cfg.extra_tax_codes, self.cfg.strict) {
            Ok(d) => d,
            Err(errs) => return errors(400, &errs),
        };
        let Some(org) = self.org(&doc.inn) else {
            return error(400, format!("Организация с ИНН '{}' не найдена", doc.inn));
        };
        let group = match self.group(org, doc.group.as_deref(), doc.ffd12) {
            Ok(g) => g,
            Err(e) => return error(400, e),
        };
        match (group.automat, doc.automat_fields) {
            (true, (false, _)) => {
                return error(
                    400,
                    format!(
                        "Группа '{}' требует automatNumber, settlementAddress и settlementPlace",
                        group.name
                    ),
                )
            }
            (false, (_, true)) => {
                return error(
                    400,
                    format!(
                    "Группа '{}' не принимает automatNumber, settlementAddress и settlementPlace",
                    group.name
                ),
                )
            }
            _ => {}
        }
        let marked = doc.item_codes.clone();
        let refused: Vec<(usize, String)> = if doc.ignore_item_code_check {
            Vec::new()
        } else if *fault == Fault::ItemCodeCheckFailed
            || matches!(fault, Fault::MarkCheckResult(r) if Fault::is_negative_mark_check(*r))
        {
            marked
        } else {
            match self.cfg.item_code_check {
                ItemCodeCheck::AcceptAll => Vec::new(),
                ItemCodeCheck::RejectAll => marked,
                ItemCodeCheck::Parse => marked
                    .into_iter()
                    .filter(|(_, c)| fiskal_marks::MarkCode::parse(c).is_err())
                    .collect(),
            }
        };
        let mut content = body
            .get("content")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        // §1.2.6: characters CP866 lacks are dropped by the service, not refused (the register
        // sees the texts without them); `strict` refuses them.
        if !self.cfg.strict {
            super::convert::drop_non_cp866(&mut content);
        }
        // An FFD 1.05 correction is a totals record without positions: the service's own
        // checks (sums, cause, type) are all there is; fiskal-ffd's receipt rules need items.
        if kind != Kind::Correction105 {
            let positions: Vec<usize> = refused.iter().map(|(i, _)| *i).collect();
            let receipt = match super::convert::to_receipt(
                &content,
                &doc.inn,
                group,
                doc.ffd12,
                &self.cfg.extra_tax_codes,
                &positions,
            ) {
                Ok(r) => r,
                Err(e) => return error(400, e),
            };
            if let Err(errs) = self.register_rules(&receipt, doc.ffd12) {
                return errors(400, &errs);
            }
        }
        let verdict = if *fault == Fault::QueueTimeout {
            Verdict::Expire
        } else if !refused.is_empty() {
            // The 2106 value of the §2.2.2 answer: the injected one, else 0 (not checked).
            let check = match fault {
                Fault::MarkCheckResult(r) => *r,
                _ => 0,
            };
            Verdict::ItemCodeFailed(refused, check)
        } else {
            Verdict::Fiscalise
        };
        // The content exactly as sent, for the echo in the status answer.
        #[derive(serde::Deserialize)]
        struct Raw<'a> {
            #[serde(borrow)]
            content: &'a RawValue,
        }
        let raw = serde_json::from_slice::<Raw<'_>>(&req.body)
            .map(|r| r.content.get().to_owned())
            .unwrap_or_else(|_| "{}".into());
        let key = (doc.inn.clone(), doc.id.clone());
        {
            let mut docs = lock(&self.docs);
            if docs.contains_key(&key) {
                return empty(409);
            }
            let entry = JournalEntry {
                api: "orange",
                group_code: group.name.clone(),
                operation: operation_name(kind, doc.operation),
                external_id: doc.id.clone(),
                uuid: format!("{}/{}", doc.inn, doc.id),
                ..JournalEntry::waiting(&req.body)
            };
            if self.core.journal.insert_unique_in(&doc.inn, entry).is_err() {
                return empty(409);
            }
            docs.insert(
                key,
                Doc {
                    kind,
                    status: Status::Queued,
                },
            );
        }
        let pending = Pending {
            inn: doc.inn,
            id: doc.id,
            group: group.name.clone(),
            company_name: org.name.clone(),
            operation: doc.operation,
            total_kopecks: doc.total_kopecks,
            content: raw,
            callback_url: doc.callback_url,
            meta: doc.meta,
            verdict,
        };
        core::process_later(self, self.cfg.processing_delay, move |me| async move {
            me.process(pending).await;
        });
        empty(201)
    }

    /// The group a document goes to: the named one, or the default for its FFD version.
    fn group<'a>(
        &self,
        org: &'a OrangeOrganization,
        name: Option<&str>,
        ffd12: bool,
    ) -> Result<&'a OrangeGroup, String> {
        let name = name.unwrap_or(if ffd12 { "Main_2" } else { "Main" });
        let g = org
            .groups
            .iter()
            .find(|g| g.name == name)
            .ok_or_else(|| format!("Группа '{name}' не найдена для ИНН '{}'", org.inn))?;
        if g.is_ffd12() != ffd12 {
            return Err(format!(
                "Группа '{name}' работает с ФФД {}, документ ФФД {}",
                if g.is_ffd12() { "1.2" } else { "1.05" },
                if ffd12 { "1.2" } else { "1.05" }
            ));
        }
        Ok(g)
    }

    /// fiskal-ffd's rules and the size, as the register would apply them. Findings name the
    /// request's own fields (`content.positions[0].paymentSubjectType`), in Russian.
    fn register_rules(
        &self,
        receipt: &fiskal_ffd::Receipt,
        ffd12: bool,
    ) -> Result<(), Vec<String>> {
        use fiskal_ffd::violation::MarkRule;
        use fiskal_ffd::ViolationKind as K;
        let mut profile = fiskal_ffd::Profile::for_version(receipt.ffd).without_size_limit();
        // §2.1.1.2 `quantity`: up to 6 decimals in both FFD versions.
        profile.max_quantity_scale = 6;
        let strict = self.cfg.strict;
        let found: Vec<String> = fiskal_ffd::validate_with(receipt, &profile)
            .into_iter()
            .filter(|v| match &v.kind {
                // Checked by the service itself (with the rouble of tolerance of §2.1.1.1).
                K::TotalMismatch { .. } | K::PaymentsMismatch { .. } => false,
                // Not documented as enforced by Orange Data (docs/emulators.md): the ИНН check
                // digit, a marked item's payment subject (31/33), the form of 1008/1117 (§1.2.6:
                // any 1..64 characters), VAT sums against the rate; characters CP866 lacks are
                // dropped by the service (§1.2.6), not refused.
                K::InnCheckDigit
                | K::ContactFormat
                | K::EmailFormat
                | K::PhoneFormat
                | K::VatMismatch { .. }
                | K::VatTotalMismatch { .. }
                | K::NotCp866 { .. }
                | K::MarkRule {
                    rule: MarkRule::SubjectNotMarked,
                    ..
                } => strict,
                // (A code the marking check refuses is not in `receipt`: that is a 422 later.)
                _ => true,
            })
            .map(|v| {
                format!(
                    "{}: {}",
                    super::convert::api_path(&v.path, ffd12),
                    v.message_ru()
                )
            })
            .collect();
        if !found.is_empty() {
            return Err(found);
        }
        match fiskal_ffd::size::document_size_bound(
            receipt,
            &fiskal_ffd::size::RegisterAssumptions::default(),
        ) {
            Ok(n) if n > self.cfg.max_document_size => Err(vec![format!(
                "Размер документа {n} байт превышает предел фискального накопителя {} байт",
                self.cfg.max_document_size
            )]),
            Ok(_) => Ok(()),
            Err(e) => Err(vec![format!("content: {e}")]),
        }
    }

    /// Applies the verdict: fiscal numbers, the status answer, the journal, the callback.
    async fn process(&self, p: Pending) {
        let uuid = format!("{}/{}", p.inn, p.id);
        let (status, state) = match &p.verdict {
            Verdict::Expire => (
                Status::Expired,
                DocState::Fail(DocError {
                    code: 524,
                    text: "Document expired before processing".into(),
                    error_type: "timeout".into(),
                }),
            ),
            Verdict::ItemCodeFailed(codes, check) => {
                // §2.2.2.2: `fsCheckStatus` (2004) carries the ФН's bits of the same mask,
                // `checkResult` (2106) all of them.
                let body: Vec<Value> = codes
                    .iter()
                    .map(|(i, code)| {
                        serde_json::json!({
                            "position": i,
                            "itemCode": code,
                            "checkResult": {
                                "fsCheckStatus": check & 0x03, "fsCheckStatusCause": 0,
                                "fsItemCodeType": 0, "checkResult": check,
                                "oismCheckResultCode": 0
                            }
                        })
                    })
                    .collect();
                (
                    Status::ItemCodeFailed(Value::Array(body).to_string()),
                    DocState::Fail(DocError {
                        code: 422,
                        text: "Marking code check failed".into(),
                        error_type: "itemcode".into(),
                    }),
                )
            }
            Verdict::Fiscalise => {
                let fiscal = {
                    let mut kkts = lock(&self.kkts);
                    let Some(kkt) = kkts.get_mut(&(p.inn.clone(), p.group.clone())) else {
                        return;
                    };
                    let mut f = kkt.fiscalise(p.total_kopecks, p.operation, &self.ofd);
                    orange_fiscal(&mut f, &p);
                    f
                };
                let body = self.status_body(&p, &fiscal);
                (Status::Done(body), DocState::Done(fiscal))
            }
        };
        let callback_body = match &status {
            Status::Done(b) => Some(b.clone()),
            _ => None,
        };
        if let Some(d) = lock(&self.docs).get_mut(&(p.inn.clone(), p.id.clone())) {
            d.status = status;
        }
        self.core.journal.update(&uuid, |e| e.state = state);
        let (Some(url), Some(body)) = (&p.callback_url, callback_body) else {
            return;
        };
        let cb = crate::callback::post_json(url, &body, self.cfg.callback_timeout).await;
        self.core.journal.update(&uuid, |e| e.callback = cb);
    }

    /// The §2.2.1 answer of a fiscalised document.
    fn status_body(&self, p: &Pending, f: &FiscalData) -> String {
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a> {
            id: &'a str,
            #[serde(rename = "deviceSN")]
            device_sn: &'a str,
            #[serde(rename = "deviceRN")]
            device_rn: &'a str,
            fs_number: &'a str,
            ofd_name: &'a str,
            ofd_website: &'a str,
            ofdinn: &'a str,
            fns_website: &'a str,
            #[serde(rename = "companyINN")]
            company_inn: &'a str,
            company_name: &'a str,
            document_number: u32,
            shift_number: u32,
            document_index: u32,
            processed_at: String,
            content: &'a RawValue,
            change: &'a RawValue,
            fp: String,
            callback_url: Option<&'a str>,
            meta: Option<&'a str>,
        }
        let device_sn = self
            .org(&p.inn)
            .and_then(|o| o.groups.iter().find(|g| g.name == p.group))
            .map(|g| g.device_sn.as_str())
            .unwrap_or_default();
        let fallback = RawValue::NULL;
        let content: &RawValue = serde_json::from_str(&p.content).unwrap_or(fallback);
        let change: &RawValue = serde_json::from_str("0.00").unwrap_or(fallback);
        let body = Body {
            id: &p.id,
            device_sn,
            device_rn: &f.ecr_registration_number,
            fs_number: &f.fn_number,
            ofd_name: &self.cfg.ofd_name,
            ofd_website: &self.cfg.ofd_website,
            ofdinn: &f.ofd_inn,
            fns_website: &f.fns_site,
            company_inn: &p.inn,
            company_name: &p.company_name,
            document_number: f.fiscal_document_number,
            shift_number: f.shift_number,
            document_index: f.fiscal_receipt_number,
            processed_at: iso_time(&f.receipt_datetime),
            content,
            change,
            fp: format!("{:010}", f.fiscal_document_attribute),
            callback_url: p.callback_url.as_deref(),
            meta: p.meta.as_deref(),
        };
        serde_json::to_string(&body).unwrap_or_default()
    }

    // ---- status -----------------------------------------------------------------------

    fn status(&self, kind: Kind, inn: &str, id: &str) -> Reply {
        if self.org(inn).is_none() {
            return error(400, format!("Organization with INN '{inn}' not found"));
        }
        let docs = lock(&self.docs);
        let Some(doc) = docs
            .get(&(inn.to_owned(), id.to_owned()))
            .filter(|d| d.kind == kind)
        else {
            return error(400, format!("Document with ID '{id}' not found"));
        };
        match &doc.status {
            Status::Queued => empty(202),
            Status::Done(body) => Reply::json(200, body.clone()),
            Status::ItemCodeFailed(body) => Reply::json(422, body.clone()),
            Status::Expired => empty(524),
        }
    }

    // ---- check ------------------------------------------------------------------------

    fn check(&self, req: &Req) -> Reply {
        let body = match self.signed_body(req) {
            Ok(b) => b,
            Err(reply) => return reply,
        };
        let inn = body.get("inn").and_then(Value::as_str).unwrap_or_default();
        let Some(org) = self.org(inn) else {
            return error(400, format!("Organization with INN '{inn}' not found"));
        };
        match body.get("group").and_then(Value::as_str) {
            Some(g) if !org.groups.iter().any(|x| x.name == g) => {
                error(400, format!("Group '{g}' not found for INN '{inn}'"))
            }
            _ => empty(200),
        }
    }
}

/// Orange Data's form of the register's attributes: a 10-digit ФП (fits 1077's 32 bits) and
/// the receipt page of Orange Data's cabinet.
fn orange_fiscal(f: &mut FiscalData, p: &Pending) {
    let seed = format!(
        "{}|{}|{}",
        f.fn_number, f.fiscal_document_number, f.receipt_datetime
    );
    let x: u64 = digits_from(&seed, 10).parse().unwrap_or(0);
    f.fiscal_document_attribute =
        u32::try_from(1_000_000_000 + x % 3_294_967_295).unwrap_or(u32::MAX);
    f.ofd_receipt_url = format!("https://cheques-lk.orangedata.ru/{}/{}", p.inn, p.id);
}

/// `dd.mm.yyyy HH:MM:SS` → `yyyy-mm-ddTHH:MM:SS`.
fn iso_time(atol: &str) -> String {
    match (
        atol.get(0..2),
        atol.get(3..5),
        atol.get(6..10),
        atol.get(11..19),
    ) {
        (Some(d), Some(m), Some(y), Some(t)) => format!("{y}-{m}-{d}T{t}"),
        _ => atol.to_owned(),
    }
}

/// Percent-decodes a path segment (`+` stays a plus).
fn path_segment(s: &str) -> String {
    crate::server::percent_decode(&s.replace('+', "%2B"))
}

/// Where an Orange Data request goes.
pub(crate) enum Route {
    Ping,
    Post(Kind),
    Status(Kind, String, String),
    Check,
}

fn route(path: &str) -> Option<Route> {
    let rest = path.strip_prefix("/api/v2")?;
    let parts: Vec<&str> = rest.trim_matches('/').split('/').collect();
    let kind = |s: &str| match s {
        "documents" => Some(Kind::Document),
        "correction12" => Some(Kind::Correction12),
        "corrections" => Some(Kind::Correction105),
        _ => None,
    };
    Some(match parts.as_slice() {
        [""] => Route::Ping,
        ["check"] => Route::Check,
        [k] => Route::Post(kind(k)?),
        [k, inn, "status", id] => Route::Status(kind(k)?, path_segment(inn), path_segment(id)),
        _ => return None,
    })
}

impl Service for Orange {
    type Route = Route;

    fn core(&self) -> &Core {
        &self.core
    }

    fn route(&self, req: &Req) -> Result<(Route, Endpoint), Reply> {
        if !self.client_certificate_ok(req) {
            return Err(Reply::text(
                401,
                "text/plain; charset=utf-8",
                "client certificate has not been validated".into(),
            ));
        }
        let r = route(&req.path).ok_or_else(core::not_found)?;
        let want_post = !matches!(r, Route::Ping | Route::Status(..));
        if (req.method == hyper::Method::POST) != want_post {
            return Err(empty(405));
        }
        match r {
            Route::Post(_) => Ok((r, Endpoint::Register)),
            Route::Status(..) => Ok((r, Endpoint::Report)),
            Route::Ping => Err(Reply::text(
                200,
                "text/plain; charset=utf-8",
                "Nebula.Api v2".into(),
            )),
            Route::Check => Err(self.check(req)),
        }
    }

    fn answer(self: &Arc<Self>, req: &Req, r: Route, fault: &Fault) -> Reply {
        match r {
            Route::Post(kind) => self.post(req, kind, fault),
            Route::Status(kind, inn, id) => self.status(kind, &inn, &id),
            _ => empty(404),
        }
    }

    fn server_error(&self) -> Reply {
        error(500, "Internal server error")
    }

    fn unavailable(&self, retry_after_secs: u32) -> Reply {
        error(503, "Document queue is full")
            .with_header("retry-after", retry_after_secs.to_string())
    }
}
