//! The "resolved by hand" action of the page: a `stuck` receipt that was fiscalised after all
//! (the operator found it in the ОФД's or the provider's personal account) is marked `done`
//! with the fiscal attributes entered by hand. The form asks for ФН, ФД, ФП and the date-time;
//! the total and the operation are the stored receipt's (shown, and sent as they are), so the
//! outbox's check that they are this receipt's holds by construction. Same guards as the other
//! actions: a session, the form's CSRF token, the operator role, a name, a reason and a ticked
//! confirmation.

use super::html::{esc, path_key};
use super::labels::L;
use super::{form, operator_session, page_lang, receipt_page, redirect, LangQuery};
use crate::api::{blocking, App};
use crate::error::Lang;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use fiskal_json::ApiError;
use fiskal_outbox::{Entry, State as EntryState};
use serde_json::{json, Value};
use std::fmt::Write as _;

/// The form on a `stuck` receipt's page (empty for any other state or a receipt that cannot be
/// read back).
pub(super) fn form_html(lang: Lang, csrf: &str, e: &Entry) -> String {
    if e.state != EntryState::Stuck {
        return String::new();
    }
    let Ok(receipt) = e.receipt() else {
        return String::new();
    };
    let t = |l: L| esc(l.t(lang));
    let op = receipt.operation;
    let op_name = match lang {
        Lang::Ru => op.name_ru(),
        Lang::En => op.name(),
    }
    .map_or_else(|| op.0.to_string(), str::to_owned);
    let mut h = String::new();
    let _ = write!(
        h,
        "<form method=\"post\" action=\"/receipts/{}/resolve?lang={}\" id=\"form-resolve\">\
         <h3>{}</h3><p>{}</p>\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <label>{} <input type=\"text\" name=\"fn_number\" required inputmode=\"numeric\" \
         pattern=\"[0-9]{{16}}\" minlength=\"16\" maxlength=\"16\"></label>\
         <label>{} <input type=\"number\" name=\"fd_number\" required min=\"1\" max=\"4294967295\"></label>\
         <label>{} <input type=\"number\" name=\"fiscal_sign\" required min=\"1\" max=\"4294967295\"></label>\
         <label>{} <input type=\"datetime-local\" name=\"date_time\" required step=\"1\"></label>\
         <p>{}: <output id=\"resolve-total\">{}</output> · {}: \
         <output id=\"resolve-operation\">{}</output></p>\
         <label>{} <input type=\"text\" name=\"who\" required maxlength=\"100\"></label>\
         <label>{} <input type=\"text\" name=\"reason\" required maxlength=\"1000\"></label>\
         <label><input type=\"checkbox\" name=\"confirm\" value=\"yes\" required> {}</label>\
         <button type=\"submit\">{}</button></form>",
        path_key(&e.key),
        lang.tag(),
        t(L::resolve_title),
        t(L::resolve_hint),
        esc(csrf),
        t(L::resolve_fn),
        t(L::resolve_fd),
        t(L::resolve_fp),
        t(L::resolve_date_time),
        t(L::resolve_total),
        esc(&receipt.total.to_string()),
        t(L::resolve_operation),
        esc(&op_name),
        t(L::your_name),
        t(L::why),
        t(L::confirm),
        t(L::resolve_button),
    );
    h
}

/// A form's number as a JSON number when it is one, else as the text it is (so the outbox's
/// JSON reading names the field).
fn number_or_text(v: Option<&String>) -> Value {
    let v = v.map_or("", |s| s.trim());
    v.parse::<u64>().map_or_else(|_| json!(v), |n| json!(n))
}

/// A browser's `datetime-local` value (`YYYY-MM-DDTHH:MM`, seconds left out when zero) as the
/// receipt's date-time (`YYYY-MM-DDTHH:MM:SS`); anything else as it is (refused, naming it).
fn date_time(v: Option<&String>) -> String {
    let v = v.map_or("", |s| s.trim()).replacen(' ', "T", 1);
    if v.len() == 16 && v.as_bytes().get(10) == Some(&b'T') {
        format!("{v}:00")
    } else {
        v
    }
}

/// `POST /receipts/{key}/resolve` from the page.
pub(crate) async fn resolve(
    State(app): State<App>,
    headers: HeaderMap,
    Path(key): Path<String>,
    Query(q): Query<LangQuery>,
    body: Bytes,
) -> Response {
    let lang = page_lang(&headers, &q);
    let f = form(&body);
    let s = match operator_session(&app, &headers, lang, &f) {
        Ok(s) => s,
        Err(refused) => return *refused,
    };
    if f.get("confirm").map(String::as_str) != Some("yes") {
        let notice = L::confirm_needed.t(lang).to_owned();
        return receipt_page(&app, lang, &s, key, Some(notice), StatusCode::BAD_REQUEST).await;
    }
    let k = key.clone();
    let r = blocking(&app, move |a| {
        // The total and the operation are the receipt's own: the person checks ФН, ФД, ФП and
        // the time against the ОФД's account, not the amounts.
        let Some(e) = a.outbox.outbox().get(&k)? else {
            return Err(ApiError::from(fiskal_outbox::OutboxError::NotFound {
                key: k,
            }));
        };
        let receipt = e.receipt()?;
        let request = json!({
            "key": k,
            "who": f.get("who").cloned().unwrap_or_default(),
            "reason": f.get("reason").cloned().unwrap_or_default(),
            "fiscal": {
                "fn_number": f.get("fn_number").map_or("", |s| s.trim()),
                "fd_number": number_or_text(f.get("fd_number")),
                "fiscal_sign": number_or_text(f.get("fiscal_sign")),
                "date_time": date_time(f.get("date_time")),
                "shift_number": null,
                "receipt_number": null,
                "kkt_reg_number": null,
                "ofd_inn": null,
                "receipt_url": null,
                "total": receipt.total,
                "operation": receipt.operation,
            }
        });
        a.outbox.resolve(&request.to_string())
    })
    .await;
    match r {
        Ok(_) => redirect(&format!("/receipts/{}", path_key(&key))),
        Err(e) => {
            let status = if e.path.as_deref().is_some_and(|p| p.starts_with("fiscal")) {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                crate::error::status_of(e.code)
            };
            let mut notice = match lang {
                Lang::Ru => e.message_ru,
                Lang::En => e.message_en,
            };
            if let Some(p) = &e.path {
                notice = format!("{p}: {notice}");
            }
            receipt_page(&app, lang, &s, key, Some(notice), status).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_are_read_as_the_outbox_wants_them() {
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(number_or_text(s(" 42 ").as_ref()), json!(42));
        assert_eq!(number_or_text(s("4x").as_ref()), json!("4x"));
        assert_eq!(number_or_text(None), json!(""));
        assert_eq!(
            date_time(s("2026-03-02T10:15").as_ref()),
            "2026-03-02T10:15:00"
        );
        assert_eq!(
            date_time(s("2026-03-02T10:15:42").as_ref()),
            "2026-03-02T10:15:42"
        );
        assert_eq!(
            date_time(s("2026-03-02 10:15:42").as_ref()),
            "2026-03-02T10:15:42"
        );
        assert_eq!(date_time(s("yesterday").as_ref()), "yesterday");
    }
}
