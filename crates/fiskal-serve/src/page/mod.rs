//! The operator's web page, served by the gateway at `/`: server-rendered HTML, no script,
//! nothing fetched from anywhere (one inline style sheet), Russian by default and English with
//! `?lang=en`.
//!
//! * Sign-in: the operator enters the gateway's token once (`POST /login`); the gateway keeps a
//!   session (a random id in an `HttpOnly`, `SameSite=Strict` cookie, valid 12 hours, `Secure`
//!   when served over TLS) and never puts the token itself in a cookie.
//! * The queue at a glance (`GET /`): counts per state, stuck receipts first with their age and
//!   their reason in the page's language (how the journal says they got stuck, and the
//!   provider's code; the provider's own words are on the receipt's page), refusals with the provider's code and text, the latest fiscalised receipts with
//!   their route and latency, per-route health, and reconciliation on demand.
//! * A receipt (`GET /receipts/{key}`): its state, attributes and audit trail, the receipt as the
//!   buyer sees it (fiskal-render's HTML with the QR code, `…/view`), and the operator actions,
//!   which need the session, the form's CSRF token, the operator's name, a reason and a ticked
//!   confirmation; on a stuck receipt also "resolved by hand" (its fiscal attributes entered
//!   from the ОФД's or the provider's personal account, see `resolve`).

mod events;
mod html;
mod labels;
mod resolve;
mod stuck;

pub(crate) use resolve::resolve;

use crate::api::{blocking, App};
use crate::auth::Role;
use crate::error::Lang;
use crate::Inner;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use fiskal_json::ApiError;
use ring::rand::{SecureRandom, SystemRandom};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

/// The session cookie's name.
const COOKIE: &str = "fiskal_session";
/// The language cookie's name.
const LANG_COOKIE: &str = "fiskal_lang";
/// How long a session lasts from sign-in.
const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
/// Most sessions kept at once (the oldest goes first).
const MAX_SESSIONS: usize = 1000;

/// The signed-in operators' sessions.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    by_id: Mutex<HashMap<String, Session>>,
}

#[derive(Debug, Clone)]
struct Session {
    csrf: String,
    since: Instant,
    /// The token it was opened with has the operator role (actions allowed).
    operator: bool,
}

fn random_hex() -> Option<String> {
    let mut b = [0u8; 32];
    SystemRandom::new().fill(&mut b).ok()?;
    Some(b.iter().map(|x| format!("{x:02x}")).collect())
}

impl Sessions {
    fn create(&self, operator: bool) -> Option<(String, String)> {
        let id = random_hex()?;
        let csrf = random_hex()?;
        let mut m = self.by_id.lock().ok()?;
        m.retain(|_, s| s.since.elapsed() < SESSION_TTL);
        if m.len() >= MAX_SESSIONS {
            let oldest = m
                .iter()
                .min_by_key(|(_, s)| s.since)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                m.remove(&k);
            }
        }
        m.insert(
            id.clone(),
            Session {
                csrf: csrf.clone(),
                since: Instant::now(),
                operator,
            },
        );
        Some((id, csrf))
    }

    /// The session of a request's cookie, if it is valid.
    fn of(&self, headers: &HeaderMap) -> Option<(String, Session)> {
        let id = cookie(headers, COOKIE)?;
        let m = self.by_id.lock().ok()?;
        let s = m.get(&id)?;
        (s.since.elapsed() < SESSION_TTL).then(|| (id, s.clone()))
    }

    fn remove(&self, id: &str) {
        if let Ok(mut m) = self.by_id.lock() {
            m.remove(id);
        }
    }
}

/// A cookie's value.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The page's language: `?lang=` first, then the cookie, then Russian.
fn page_lang(headers: &HeaderMap, q: &LangQuery) -> Lang {
    match q
        .lang
        .as_deref()
        .or(cookie(headers, LANG_COOKIE).as_deref())
    {
        Some("en") => Lang::En,
        _ => Lang::Ru,
    }
}

/// `?lang=`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct LangQuery {
    lang: Option<String>,
}

/// An HTML answer with the page's security headers (and the language cookie when asked).
fn page(status: StatusCode, body: String, lang: Lang, set_lang: bool) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-src 'self'; \
             form-action 'self'; frame-ancestors 'self'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if set_lang {
        if let Ok(v) = HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={}; Path=/; SameSite=Strict; Max-Age=31536000",
            lang.tag()
        )) {
            h.append(header::SET_COOKIE, v);
        }
    }
    r
}

fn redirect(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// The login page (401 when a sign-in is needed).
fn login_page(lang: Lang, status: StatusCode, failed: bool) -> Response {
    page(status, html::login(lang, failed), lang, false)
}

/// Form fields (`application/x-www-form-urlencoded`).
fn form(body: &Bytes) -> HashMap<String, String> {
    form_urlencoded_pairs(body)
}

fn form_urlencoded_pairs(body: &[u8]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for pair in body.split(|b| *b == b'&') {
        let mut it = pair.splitn(2, |b| *b == b'=');
        let k = decode(it.next().unwrap_or_default());
        let v = decode(it.next().unwrap_or_default());
        if !k.is_empty() {
            out.insert(k, v);
        }
    }
    out
}

/// Percent-decoding of a form value (`+` is a space); bytes that are not UTF-8 are replaced.
fn decode(s: &[u8]) -> String {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < s.len() => {
                let h = std::str::from_utf8(&s[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match h {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `GET /login`.
pub(crate) async fn login_form(headers: HeaderMap, Query(q): Query<LangQuery>) -> Response {
    let lang = page_lang(&headers, &q);
    login_page(lang, StatusCode::OK, false)
}

/// `POST /login`: the token in, a session cookie out.
pub(crate) async fn login(
    State(app): State<App>,
    tls: Option<axum::Extension<crate::tls::OverTls>>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    body: Bytes,
) -> Response {
    let lang = page_lang(&headers, &q);
    let f = form(&body);
    // A token that may read (or act) opens the page; a submit-only token does not.
    let token = f
        .get("token")
        .and_then(|t| app.tokens.find(t.trim().as_bytes()))
        .filter(|t| t.has(Role::Read) || t.has(Role::Operator));
    let Some(token) = token else {
        return login_page(lang, StatusCode::UNAUTHORIZED, true);
    };
    let Some((id, _)) = app.sessions.create(token.has(Role::Operator)) else {
        return login_page(lang, StatusCode::SERVICE_UNAVAILABLE, true);
    };
    let mut r = redirect("/");
    // Over TLS the browser must never send the session over plain HTTP.
    let secure = if tls.is_some() { "; Secure" } else { "" };
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        SESSION_TTL.as_secs()
    )) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// `POST /logout`.
pub(crate) async fn logout(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some((id, s)) = app.sessions.of(&headers) {
        if csrf_ok(&s, &form(&body)) {
            app.sessions.remove(&id);
        }
    }
    let mut r = redirect("/login");
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("fiskal_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    r
}

fn csrf_ok(s: &Session, f: &HashMap<String, String>) -> bool {
    f.get("csrf")
        .is_some_and(|t| bool::from(t.as_bytes().ct_eq(s.csrf.as_bytes())))
}

/// The gate of every operator action posted from the page: a signed-in session (else the
/// sign-in page, 401), the form's CSRF token (else 403) and the operator role (else 403).
fn operator_session(
    app: &App,
    headers: &HeaderMap,
    lang: Lang,
    f: &HashMap<String, String>,
) -> Result<Session, Box<Response>> {
    let Some((_, s)) = app.sessions.of(headers) else {
        return Err(Box::new(login_page(lang, StatusCode::UNAUTHORIZED, false)));
    };
    let refusal = if !csrf_ok(&s, f) {
        labels::L::forbidden
    } else if !s.operator {
        labels::L::not_operator
    } else {
        return Ok(s);
    };
    Err(Box::new(page(
        StatusCode::FORBIDDEN,
        html::message(lang, refusal.t(lang)),
        lang,
        false,
    )))
}

/// `GET /`: the queue at a glance.
pub(crate) async fn dashboard(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let lang = page_lang(&headers, &q);
    let Some((_, s)) = app.sessions.of(&headers) else {
        return login_page(lang, StatusCode::UNAUTHORIZED, false);
    };
    let r = blocking(&app, html::Dashboard::read).await;
    match r {
        Ok(d) => page(
            StatusCode::OK,
            d.render(lang, &s.csrf, s.operator),
            lang,
            q.lang.is_some(),
        ),
        Err(e) => error_page(&app, lang, &e),
    }
}

fn error_page(app: &Inner, lang: Lang, e: &ApiError) -> Response {
    if crate::error::is_store_error(e.code) {
        app.metrics.store_error();
    }
    let status = crate::error::status_of(e.code);
    page(status, html::error(lang, e), lang, false)
}

/// `GET /receipts/{key}`: one receipt, its audit trail, the buyer's view and the actions.
pub(crate) async fn receipt(
    State(app): State<App>,
    headers: HeaderMap,
    Path(key): Path<String>,
    Query(q): Query<LangQuery>,
) -> Response {
    let lang = page_lang(&headers, &q);
    let Some((_, s)) = app.sessions.of(&headers) else {
        return login_page(lang, StatusCode::UNAUTHORIZED, false);
    };
    receipt_page(&app, lang, &s, key, None, StatusCode::OK).await
}

async fn receipt_page(
    app: &App,
    lang: Lang,
    s: &Session,
    key: String,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    let k = key.clone();
    let r = blocking(app, move |a| {
        let o = a.outbox.outbox();
        let e = o.get(&k)?;
        let audit = o.audit(&k)?;
        Ok((e, audit))
    })
    .await;
    match r {
        Ok((Some(e), audit)) => page(
            status,
            html::receipt(lang, &s.csrf, s.operator, &e, &audit, notice.as_deref()),
            lang,
            false,
        ),
        Ok((None, _)) => page(
            StatusCode::NOT_FOUND,
            html::not_found(lang, &key),
            lang,
            false,
        ),
        Err(e) => error_page(app, lang, &e),
    }
}

/// `GET /receipts/{key}/view`: fiskal-render's HTML (with the QR code once done).
pub(crate) async fn view(
    State(app): State<App>,
    headers: HeaderMap,
    Path(key): Path<String>,
    Query(q): Query<LangQuery>,
) -> Response {
    let lang = page_lang(&headers, &q);
    if app.sessions.of(&headers).is_none() {
        return login_page(lang, StatusCode::UNAUTHORIZED, false);
    }
    let k = key.clone();
    let r = blocking(&app, move |a| {
        let Some(e) = a.outbox.outbox().get(&k)? else {
            return Ok(None);
        };
        let receipt = e.receipt()?;
        Ok(Some(fiskal_render::render_html(
            &receipt,
            e.fiscal.as_ref(),
            &fiskal_render::Options::default(),
        )))
    })
    .await;
    match r {
        Ok(Some(h)) => page(StatusCode::OK, h, lang, false),
        Ok(None) => page(
            StatusCode::NOT_FOUND,
            html::not_found(lang, &key),
            lang,
            false,
        ),
        Err(e) => error_page(&app, lang, &e),
    }
}

/// `POST /receipts/{key}/requeue` from the page.
pub(crate) async fn requeue(
    state: State<App>,
    headers: HeaderMap,
    key: Path<String>,
    q: Query<LangQuery>,
    body: Bytes,
) -> Response {
    action(state, headers, key, q, body, true).await
}

/// `POST /receipts/{key}/cancel` from the page.
pub(crate) async fn cancel(
    state: State<App>,
    headers: HeaderMap,
    key: Path<String>,
    q: Query<LangQuery>,
    body: Bytes,
) -> Response {
    action(state, headers, key, q, body, false).await
}

async fn action(
    State(app): State<App>,
    headers: HeaderMap,
    Path(key): Path<String>,
    Query(q): Query<LangQuery>,
    body: Bytes,
    requeue: bool,
) -> Response {
    let lang = page_lang(&headers, &q);
    let f = form(&body);
    let s = match operator_session(&app, &headers, lang, &f) {
        Ok(s) => s,
        Err(refused) => return *refused,
    };
    if f.get("confirm").map(String::as_str) != Some("yes") {
        let notice = labels::L::confirm_needed.t(lang).to_owned();
        return receipt_page(&app, lang, &s, key, Some(notice), StatusCode::BAD_REQUEST).await;
    }
    let who = f.get("who").cloned().unwrap_or_default();
    let reason = f.get("reason").cloned().unwrap_or_default();
    let k = key.clone();
    let r = blocking(&app, move |a| {
        let o = a.outbox.outbox();
        if requeue {
            o.requeue(&k, &who, &reason)
        } else {
            o.cancel(&k, &who, &reason)
        }
        .map_err(ApiError::from)
    })
    .await;
    match r {
        Ok(_) => redirect(&format!("/receipts/{}", html::path_key(&key))),
        Err(e) => {
            let status = crate::error::status_of(e.code);
            let notice = match lang {
                Lang::Ru => e.message_ru,
                Lang::En => e.message_en,
            };
            receipt_page(&app, lang, &s, key, Some(notice), status).await
        }
    }
}

/// `POST /reconcile` from the page: the last 24 hours' findings.
pub(crate) async fn reconcile(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    body: Bytes,
) -> Response {
    let lang = page_lang(&headers, &q);
    if let Err(refused) = operator_session(&app, &headers, lang, &form(&body)) {
        return *refused;
    }
    let r = blocking(&app, |a| {
        let now = fiskal_outbox::Timestamp::now();
        let from = fiskal_outbox::Timestamp(now.as_millis().saturating_sub(24 * 3600 * 1000));
        Ok(a.outbox
            .outbox()
            .reconcile(from, now, fiskal_json::DEFAULT_RECONCILE_LIMIT)?)
    })
    .await;
    match r {
        Ok(rec) => page(
            StatusCode::OK,
            html::reconciliation(lang, &rec),
            lang,
            false,
        ),
        Err(e) => error_page(&app, lang, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode() {
        let f =
            form_urlencoded_pairs(b"who=%D0%90%D0%BD%D0%BD%D0%B0&reason=a+b%2Fc&confirm=yes&x=%zz");
        assert_eq!(f["who"], "Анна");
        assert_eq!(f["reason"], "a b/c");
        assert_eq!(f["confirm"], "yes");
        assert_eq!(f["x"], "%zz");
        assert_eq!(decode(b"%4"), "%4");
    }

    #[test]
    fn cookies_are_read() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; fiskal_session=abc; b=2"),
        );
        assert_eq!(cookie(&h, COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
    }

    #[test]
    fn sessions_expire_and_are_random() {
        let s = Sessions::default();
        let (a, ca) = s.create(true).expect("session");
        let (b, _) = s.create(false).expect("session");
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("{COOKIE}={a}")).expect("h"),
        );
        assert_eq!(s.of(&h).map(|(_, x)| x.csrf), Some(ca));
        s.remove(&a);
        assert!(s.of(&h).is_none());
    }
}
