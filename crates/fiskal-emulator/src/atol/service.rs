//! The ATOL request handler: routing, authentication, registration, processing, report.

use super::errors::{self, AtolError};
use super::report::{self, Meta};
use super::{validate, ApiVersion, AtolAccount, AtolConfig, Operation};
use crate::core::{self, lock, Core, Service, Tokens};
use crate::faults::{Endpoint, Fault};
use crate::fiscal::{atol_timestamp, is_uuid, now_msk, Kkt, OfdInfo};
use crate::journal::{CallbackState, DocError, DocState, JournalEntry};
use crate::server::{Reply, Req};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The emulator's state.
#[derive(Debug)]
pub(crate) struct Atol {
    core: Core,
    cfg: AtolConfig,
    /// Tokens, owned by logins.
    tokens: Tokens,
    kkts: Mutex<HashMap<String, Kkt>>,
    meta: Mutex<HashMap<String, Meta>>,
    ofd: OfdInfo,
}

/// What the register will do with an accepted document.
#[derive(Debug)]
enum Verdict {
    Fiscalise { total: u64, operation: u8 },
    Refuse(DocError, Vec<String>),
}

impl Atol {
    pub(crate) fn new(cfg: AtolConfig) -> Atol {
        let kkts = cfg
            .accounts
            .iter()
            .map(|a| {
                let kkt = Kkt::new(a.fn_number.clone(), a.ecr_registration_number.clone());
                (a.group_code.clone(), kkt)
            })
            .collect();
        Atol {
            ofd: OfdInfo {
                fns_site: cfg.fns_site.clone(),
                ofd_inn: cfg.ofd_inn.clone(),
                receipt_url_base: cfg.ofd_receipt_url.clone(),
            },
            core: Core::new(cfg.faults.clone()),
            tokens: Tokens::new(cfg.token_lifetime),
            cfg,
            kkts: Mutex::new(kkts),
            meta: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn expire_tokens(&self) {
        self.tokens.expire_all();
    }

    fn account_by_group(&self, group: &str) -> Option<&AtolAccount> {
        self.cfg.accounts.iter().find(|a| a.group_code == group)
    }

    // ---- getToken ----------------------------------------------------------------------

    fn get_token(&self, req: &Req) -> Result<Value, AtolError> {
        let (login, pass, source) = if req.method == hyper::Method::GET {
            (
                req.query_param("login").map(Value::String),
                req.query_param("pass").map(Value::String),
                req.query_param("source").map(Value::String),
            )
        } else if req.method == hyper::Method::POST {
            check_content_type(req)?;
            let body: Value =
                serde_json::from_slice(&req.body).map_err(|_| AtolError::bad_request())?;
            let o = body.as_object().ok_or_else(AtolError::bad_request)?;
            (
                o.get("login").cloned(),
                o.get("pass").cloned(),
                o.get("source").cloned(),
            )
        } else {
            return Err(AtolError::bad_request());
        };
        let mut bad = Vec::new();
        let mut text = |v: &Option<Value>, name: &str, required: bool, ok: fn(&str) -> bool| match v
        {
            None | Some(Value::Null) if required => bad.push(format!("PropertyRequired: #/{name}")),
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s.chars().count() > 100 => {
                bad.push(format!("StringTooLong: #/{name}"));
            }
            Some(Value::String(s)) if !ok(s) => bad.push(format!("PatternMismatch: #/{name}")),
            Some(Value::String(_)) => {}
            Some(_) => bad.push(format!("StringExpected: #/{name}")),
        };
        text(&login, "login", true, |s| {
            !s.is_empty() && !s.chars().any(char::is_whitespace)
        });
        text(&pass, "pass", true, |_| true);
        text(&source, "source", false, |s| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-@.".contains(c))
        });
        if !bad.is_empty() {
            return Err(AtolError::token_validation(&bad));
        }
        let login = login
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let pass = pass
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        if !self
            .cfg
            .accounts
            .iter()
            .any(|a| a.login == login && a.pass == pass)
        {
            return Err(AtolError::wrong_credentials());
        }
        // Within its lifetime the token already issued is given again (one of the two
        // behaviours ATOL's doc 5.15 §6.1 allows), so every client of one login shares one token.
        let token = self.tokens.issue(&login, || {
            format!(
                "{}{}",
                crate::fiscal::new_uuid().replace('-', ""),
                crate::fiscal::new_uuid().replace('-', "")
            )
        });
        Ok(serde_json::json!({
            "error": null,
            "token": token,
            "timestamp": atol_timestamp(now_msk()),
        }))
    }

    /// Checks the token and that the group is the token's and speaks version `v`.
    fn authorize(&self, req: &Req, group: &str, v: ApiVersion) -> Result<&AtolAccount, AtolError> {
        let token = req
            .header("token")
            .map(str::to_owned)
            .or_else(|| req.query_param("token"))
            .filter(|t| !t.is_empty())
            .ok_or_else(AtolError::missing_token)?;
        let login = self
            .tokens
            .owner(&token)
            .ok_or_else(AtolError::expired_token)?;
        let account = self
            .account_by_group(group)
            .filter(|a| a.login == login)
            .ok_or_else(AtolError::group_mismatch)?;
        if account.version != v {
            return Err(AtolError::protocol_mismatch());
        }
        Ok(account)
    }

    // ---- registration ------------------------------------------------------------------

    /// Validates and accepts a document. `forced` is a fault outcome for it.
    fn register(
        self: &Arc<Self>,
        req: &Req,
        v: ApiVersion,
        group: &str,
        op_name: &str,
        forced: Option<DocError>,
        mark_result: u8,
    ) -> Result<Value, AtolError> {
        if req.method != hyper::Method::POST {
            return Err(AtolError::bad_request());
        }
        let account = self.authorize(req, group, v)?.clone();
        let op = Operation::parse(op_name, v)
            .ok_or_else(|| AtolError::unsupported_operation(op_name))?;
        check_content_type(req)?;
        if req.too_large {
            return Err(AtolError::bad_request());
        }
        let body: Value =
            serde_json::from_slice(&req.body).map_err(|_| AtolError::bad_request())?;
        let obj = body.as_object().ok_or_else(AtolError::bad_request)?;
        validate::check_request(obj, op, v, self.cfg.new_vat_rates_in_v4)?;
        if self.cfg.strict && v == ApiVersion::V5 {
            strict_company_email(obj, op)?;
        }
        let external_id = obj
            .get("external_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let callback_url = obj
            .get("service")
            .and_then(|s| s.get("callback_url"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let (verdict, marks) = match forced {
            Some(e) => (Verdict::Refuse(e, Vec::new()), Vec::new()),
            None => self.judge(obj, op, v, &account),
        };
        let uuid = crate::fiscal::new_uuid();
        let entry = JournalEntry {
            api: match v {
                ApiVersion::V4 => "atol/v4",
                ApiVersion::V5 => "atol/v5",
            },
            group_code: group.to_owned(),
            operation: op.as_str().to_owned(),
            external_id: external_id.clone(),
            uuid: uuid.clone(),
            ..JournalEntry::waiting(&req.body)
        };
        if let Err(dup) = self.core.journal.insert_unique(entry) {
            return Err(AtolError::duplicate(&external_id, group, dup.uuid));
        }
        let meta = Meta {
            version: v,
            callback_mask_ok: callback_url.is_empty() || validate::callback_url_ok(&callback_url),
            callback_url,
            timestamp: obj
                .get("timestamp")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            marks,
            mark_result,
            device_code: account.device_code.clone(),
        };
        lock(&self.meta).insert(uuid.clone(), meta);
        let group = group.to_owned();
        let uuid2 = uuid.clone();
        core::process_later(self, self.cfg.processing_delay, move |me| async move {
            me.process(&group, &uuid2, verdict).await;
        });
        Ok(report::accepted(&uuid))
    }

    /// What the register will do with the document (decided at acceptance, applied after
    /// the processing delay).
    fn judge(
        &self,
        obj: &Map<String, Value>,
        op: Operation,
        v: ApiVersion,
        account: &AtolAccount,
    ) -> (Verdict, Vec<(usize, String)>) {
        let key = if op.is_correction() {
            "correction"
        } else {
            "receipt"
        };
        let inn = obj
            .get(key)
            .and_then(|r| r.get("company"))
            .and_then(|c| c.get("inn"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        if inn != account.inn {
            return (
                Verdict::Refuse(errors::inn_mismatch(inn, &account.inn), Vec::new()),
                Vec::new(),
            );
        }
        let conv = match super::convert::to_receipt(obj, op, v) {
            Ok(c) => c,
            Err(why) => {
                return (
                    Verdict::Refuse(errors::kkt_error(13), vec![why]),
                    Vec::new(),
                )
            }
        };
        let profile = fiskal_ffd::Profile::for_version(conv.receipt.ffd).without_size_limit();
        let violations: Vec<fiskal_ffd::Violation> =
            fiskal_ffd::validate_with(&conv.receipt, &profile)
                .into_iter()
                .filter(|x| self.register_checks(x))
                .collect();
        if let Some(first) = violations.first() {
            let problems = violations
                .iter()
                .map(|x| format!("{}: {}", x.path, x.code()))
                .collect();
            return (
                Verdict::Refuse(errors::kkt_error(kkt_code(first)), problems),
                conv.marks,
            );
        }
        match fiskal_ffd::size::document_size_bound(
            &conv.receipt,
            &fiskal_ffd::size::RegisterAssumptions::default(),
        ) {
            Ok(n) if n > self.cfg.max_document_size => {
                let why = format!(
                    "document size bound {n} > {} bytes",
                    self.cfg.max_document_size
                );
                (
                    Verdict::Refuse(errors::kkt_error(134), vec![why]),
                    conv.marks,
                )
            }
            Ok(_) => (
                Verdict::Fiscalise {
                    total: conv.total_kopecks,
                    operation: conv.receipt.operation.0,
                },
                conv.marks,
            ),
            Err(e) => (
                Verdict::Refuse(errors::kkt_error(13), vec![e.to_string()]),
                conv.marks,
            ),
        }
    }

    /// Whether the emulated register checks what `v` is about.
    fn register_checks(&self, v: &fiskal_ffd::Violation) -> bool {
        use fiskal_ffd::ViolationKind as K;
        match &v.kind {
            // Doc 5.15, Table 2 `total`: it may differ from the sum of the items by up to 0.99 ₽.
            K::TotalMismatch { expected, actual } => expected.abs_diff(*actual) > 99,
            K::VatTotalMismatch { .. } => self.cfg.check_vat_totals,
            // Not documented as checked by ATOL (docs/emulators.md): only under `strict`.
            K::InnCheckDigit
            | K::MarkRule {
                rule: fiskal_ffd::violation::MarkRule::SubjectNotMarked,
                ..
            } => self.cfg.strict,
            _ => true,
        }
    }

    /// Applies the verdict: fiscal numbers (under the register's lock, so each document gets
    /// its own), the journal, the callback.
    async fn process(&self, group: &str, uuid: &str, verdict: Verdict) {
        let (state, problems) = match verdict {
            Verdict::Fiscalise { total, operation } => {
                let mut kkts = lock(&self.kkts);
                match kkts.get_mut(group) {
                    Some(kkt) => (
                        DocState::Done(kkt.fiscalise(total, operation, &self.ofd)),
                        Vec::new(),
                    ),
                    None => (DocState::Fail(errors::kkt_error(241)), Vec::new()),
                }
            }
            Verdict::Refuse(e, problems) => (DocState::Fail(e), problems),
        };
        self.core.journal.update(uuid, |e| {
            e.state = state;
            e.problems = problems;
        });
        let meta = lock(&self.meta).get(uuid).cloned();
        let (Some(entry), Some(meta)) = (self.core.journal.by_uuid(uuid), meta) else {
            return;
        };
        if meta.callback_url.is_empty() {
            return;
        }
        let cb = if meta.callback_mask_ok {
            let body = report::processed(&entry, &meta).to_string();
            crate::callback::post_json(&meta.callback_url, &body, self.cfg.callback_timeout).await
        } else {
            CallbackState::Skipped("callback_url не соответствует маске".into())
        };
        self.core.journal.update(uuid, |e| e.callback = cb);
    }

    // ---- report ------------------------------------------------------------------------

    fn report(
        &self,
        req: &Req,
        v: ApiVersion,
        group: &str,
        uuid: &str,
    ) -> Result<Value, AtolError> {
        if req.method != hyper::Method::GET {
            return Err(AtolError::bad_request());
        }
        self.authorize(req, group, v)?;
        if !is_uuid(uuid) {
            return Err(AtolError::bad_uuid(uuid));
        }
        let entry = self
            .core
            .journal
            .by_uuid(uuid)
            .filter(|e| e.group_code == group);
        let meta = lock(&self.meta).get(uuid).cloned();
        Ok(match (entry, meta) {
            (Some(e), Some(m)) if e.state != DocState::Wait => report::processed(&e, &m),
            (_, m) => report::waiting(m.as_ref().map_or("", |m| m.callback_url.as_str())),
        })
    }
}

/// The KKT error the register answers a fiskal-ffd finding with.
fn kkt_code(v: &fiskal_ffd::Violation) -> i64 {
    use fiskal_ffd::violation::MarkRule;
    use fiskal_ffd::ViolationKind as K;
    match &v.kind {
        K::SumMismatch { .. } | K::MoneyScale | K::MoneyNegative | K::MoneyRange => 16,
        K::QuantityNotPositive | K::QuantityScale { .. } | K::QuantityRange => 17,
        K::TotalMismatch { .. } => 227,
        K::PaymentsMismatch { expected, actual } if actual < expected => 66,
        K::PaymentsMismatch { .. } => 52,
        K::VatMismatch { .. } | K::VatTotalMismatch { .. } => 128,
        K::MarkRule {
            rule: MarkRule::SubjectNotMarked,
        } => 217,
        K::MarkRule { .. } | K::MarkCode { .. } => 409,
        K::UnknownValue { .. } | K::ValueNotInVersion { .. } => {
            let p = v.path.as_str();
            if p.ends_with("payment_subject") {
                217
            } else if p.ends_with("payment_method") {
                216
            } else if p.ends_with("vat") {
                144
            } else if p.ends_with("tax_system") {
                143
            } else if p.ends_with("measure") {
                412
            } else {
                13
            }
        }
        K::TaxSystemOneBit => 143,
        K::Required | K::NoItems => 161,
        K::DocumentTooLarge { .. } => 134,
        _ => 13,
    }
}

fn check_content_type(req: &Req) -> Result<(), AtolError> {
    let ct = req.header("content-type").unwrap_or_default();
    if ct
        .trim()
        .to_ascii_lowercase()
        .starts_with("application/json")
    {
        Ok(())
    } else {
        Err(AtolError::media_type(ct))
    }
}

/// Where an ATOL request goes.
pub(crate) enum Route {
    Token,
    Register { group: String, op: String },
    Report { group: String, uuid: String },
}

fn route(path: &str) -> Option<(ApiVersion, Route)> {
    let (v, rest) = if let Some(r) = path.strip_prefix("/possystem/v4/") {
        (ApiVersion::V4, r)
    } else if let Some(r) = path.strip_prefix("/possystem/v5/") {
        (ApiVersion::V5, r)
    } else {
        return None;
    };
    let parts: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let r = match parts.as_slice() {
        ["getToken"] => Route::Token,
        [group, "report", uuid] => Route::Report {
            group: (*group).to_owned(),
            uuid: (*uuid).to_owned(),
        },
        [group, op] => Route::Register {
            group: (*group).to_owned(),
            op: (*op).to_owned(),
        },
        _ => return None,
    };
    Some((v, r))
}

/// `strict`, v5: `company.email` (1117) required, as the v5 clients declare it. No public copy
/// of the v5 protocol says the service refuses its absence (docs/emulators.md), so the default
/// mode accepts it missing.
fn strict_company_email(obj: &Map<String, Value>, op: Operation) -> Result<(), AtolError> {
    let key = if op.is_correction() {
        "correction"
    } else {
        "receipt"
    };
    let email = obj
        .get(key)
        .and_then(|r| r.get("company"))
        .and_then(|c| c.get("email"))
        .and_then(Value::as_str)
        .filter(|e| !e.is_empty());
    match email {
        Some(_) => Ok(()),
        None => Err(AtolError::validation(&[format!(
            "PropertyRequired: #/{key}/company/email"
        )])),
    }
}

impl Service for Atol {
    type Route = (ApiVersion, Route);

    fn core(&self) -> &Core {
        &self.core
    }

    fn route(&self, req: &Req) -> Result<(Self::Route, Endpoint), Reply> {
        let (v, r) = route(&req.path).ok_or_else(core::not_found)?;
        let endpoint = match r {
            Route::Token => Endpoint::Token,
            Route::Register { .. } => Endpoint::Register,
            Route::Report { .. } => Endpoint::Report,
        };
        Ok(((v, r), endpoint))
    }

    fn answer(self: &Arc<Self>, req: &Req, (v, r): Self::Route, fault: &Fault) -> Reply {
        let result = match r {
            Route::Token => self.get_token(req),
            Route::Register { group, op } => {
                let mark_result = match fault {
                    Fault::MarkCheckResult(r) => *r,
                    _ => 15,
                };
                let forced = core::forced_outcome(fault, errors::queue_timeout);
                self.register(req, v, &group, &op, forced, mark_result)
            }
            Route::Report { group, uuid } => self.report(req, v, &group, &uuid),
        };
        match result {
            Ok(body) => Reply::json(200, body.to_string()),
            Err(e) => e.reply(),
        }
    }

    fn server_error(&self) -> Reply {
        AtolError::server_error().reply()
    }
}
