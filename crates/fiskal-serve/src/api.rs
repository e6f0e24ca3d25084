//! The routes: the outbox under `/v1`, health, readiness and metrics. The stateless operations
//! are in `ops`.

use crate::auth::{require_role, Role};
use crate::error::{is_store_error, GatewayCode, HttpError, Lang};
use crate::Inner;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, MatchedPath, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use fiskal_json::{ApiError, Code};
use fiskal_outbox::{State as EntryState, Timestamp};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

pub(crate) type App = Arc<Inner>;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Access {
    /// Anyone (`/healthz`).
    Open,
    /// A bearer token with this role (the API, `/readyz`, `/metrics`): 401 without a token,
    /// 403 when the token lacks the role.
    Bearer(Role),
    /// The operator's page: a signed-in session (the token entered once on `/login`); the
    /// sign-in page itself is open. HTML answers.
    Session,
}

/// Every route of the gateway: (method, path pattern, access). The router is built from this
/// table's entries and nothing else, so the test that compares it with `docs/openapi.json` sees
/// all.
pub const ROUTES: &[(&str, &str, Access)] = &[
    ("GET", "/healthz", Access::Open),
    ("GET", "/readyz", Access::Bearer(Role::Read)),
    ("GET", "/metrics", Access::Bearer(Role::Read)),
    ("GET", "/v1/version", Access::Bearer(Role::Read)),
    ("POST", "/v1/receipts", Access::Bearer(Role::Submit)),
    ("GET", "/v1/receipts", Access::Bearer(Role::Read)),
    ("POST", "/v1/receipts/batch", Access::Bearer(Role::Submit)),
    ("GET", "/v1/receipts/{key}", Access::Bearer(Role::Read)),
    (
        "GET",
        "/v1/receipts/{key}/render",
        Access::Bearer(Role::Read),
    ),
    (
        "POST",
        "/v1/receipts/{key}/requeue",
        Access::Bearer(Role::Operator),
    ),
    (
        "POST",
        "/v1/receipts/{key}/cancel",
        Access::Bearer(Role::Operator),
    ),
    (
        "POST",
        "/v1/receipts/{key}/resolve",
        Access::Bearer(Role::Operator),
    ),
    ("GET", "/v1/stats", Access::Bearer(Role::Read)),
    ("GET", "/v1/stats/window", Access::Bearer(Role::Read)),
    ("POST", "/v1/reconcile", Access::Bearer(Role::Operator)),
    ("POST", "/v1/validate", Access::Bearer(Role::Submit)),
    ("POST", "/v1/compute", Access::Bearer(Role::Submit)),
    ("POST", "/v1/split", Access::Bearer(Role::Submit)),
    ("POST", "/v1/mark", Access::Bearer(Role::Submit)),
    ("POST", "/v1/tlv/encode", Access::Bearer(Role::Submit)),
    ("POST", "/v1/tlv/decode", Access::Bearer(Role::Submit)),
    ("POST", "/v1/qr", Access::Bearer(Role::Submit)),
    ("POST", "/v1/render", Access::Bearer(Role::Submit)),
    ("GET", "/", Access::Session),
    ("GET", "/login", Access::Session),
    ("POST", "/login", Access::Session),
    ("POST", "/logout", Access::Session),
    ("GET", "/receipts/{key}", Access::Session),
    ("GET", "/receipts/{key}/view", Access::Session),
    ("POST", "/receipts/{key}/requeue", Access::Session),
    ("POST", "/receipts/{key}/cancel", Access::Session),
    ("POST", "/receipts/{key}/resolve", Access::Session),
    ("POST", "/reconcile", Access::Session),
];

/// The handler of a route of [`ROUTES`].
fn handler(method: &str, path: &str) -> Option<MethodRouter<App>> {
    Some(match (method, path) {
        ("GET", "/healthz") => get(healthz),
        ("GET", "/readyz") => get(readyz),
        ("GET", "/metrics") => get(metrics),
        ("GET", "/v1/version") => get(crate::ops::version),
        ("POST", "/v1/receipts") => post(enqueue),
        ("GET", "/v1/receipts") => get(list),
        ("POST", "/v1/receipts/batch") => post(batch),
        ("GET", "/v1/receipts/{key}") => get(entry),
        ("GET", "/v1/receipts/{key}/render") => get(crate::ops::render_entry),
        ("POST", "/v1/receipts/{key}/requeue") => post(requeue),
        ("POST", "/v1/receipts/{key}/cancel") => post(cancel),
        ("POST", "/v1/receipts/{key}/resolve") => post(resolve),
        ("GET", "/v1/stats") => get(stats),
        ("GET", "/v1/stats/window") => get(window),
        ("POST", "/v1/reconcile") => post(reconcile),
        ("POST", "/v1/validate") => post(crate::ops::validate),
        ("POST", "/v1/compute") => post(crate::ops::compute),
        ("POST", "/v1/split") => post(crate::ops::split),
        ("POST", "/v1/mark") => post(crate::ops::mark),
        ("POST", "/v1/tlv/encode") => post(crate::ops::tlv_encode),
        ("POST", "/v1/tlv/decode") => post(crate::ops::tlv_decode),
        ("POST", "/v1/qr") => post(crate::ops::qr),
        ("POST", "/v1/render") => post(crate::ops::render),
        ("GET", "/") => get(crate::page::dashboard),
        ("GET", "/login") => get(crate::page::login_form),
        ("POST", "/login") => post(crate::page::login),
        ("POST", "/logout") => post(crate::page::logout),
        ("GET", "/receipts/{key}") => get(crate::page::receipt),
        ("GET", "/receipts/{key}/view") => get(crate::page::view),
        ("POST", "/receipts/{key}/requeue") => post(crate::page::requeue),
        ("POST", "/receipts/{key}/cancel") => post(crate::page::cancel),
        ("POST", "/receipts/{key}/resolve") => post(crate::page::resolve),
        ("POST", "/reconcile") => post(crate::page::reconcile),
        _ => return None,
    })
}

pub(crate) fn router(app: App) -> Router {
    let mut router = Router::new();
    for (method, path, access) in ROUTES {
        let Some(h) = handler(method, path) else {
            // Every row of ROUTES has a handler (the test `every_route_has_a_handler`).
            continue;
        };
        router = match access {
            Access::Bearer(role) => {
                let guard = from_fn_with_state((Arc::clone(&app.tokens), *role), require_role);
                router.route(path, h.route_layer(guard))
            }
            _ => router.route(path, h),
        };
    }
    router
        .fallback(no_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(Arc::clone(&app), record_and_time))
        .layer(DefaultBodyLimit::max(app.opts.max_body_bytes))
        .with_state(app)
}

async fn no_route(headers: HeaderMap) -> Response {
    HttpError::gateway(GatewayCode::NoRoute, Lang::from_headers(&headers)).into_response()
}

async fn method_not_allowed(headers: HeaderMap) -> Response {
    HttpError::gateway(GatewayCode::MethodNotAllowed, Lang::from_headers(&headers)).into_response()
}

/// The request timeout, and the record of answers for the API document's test.
async fn record_and_time(State(app): State<App>, req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let lang = Lang::from_headers(req.headers());
    let resp = match tokio::time::timeout(app.opts.request_timeout, next.run(req)).await {
        Ok(r) => r,
        Err(_) => HttpError::gateway(GatewayCode::Timeout, lang).into_response(),
    };
    if app.opts.record_answers {
        if let (Some(route), Ok(mut set)) = (route, app.answered.lock()) {
            set.insert((method, route, resp.status().as_u16()));
        }
    }
    resp
}

/// A JSON answer with a fiskal-json output as it is (same bytes as the C ABI).
pub(crate) fn json_answer(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// An error answer; counts journal failures.
pub(crate) fn fail(app: &Inner, lang: Lang, e: &ApiError) -> Response {
    if is_store_error(e.code) {
        app.metrics.store_error();
    }
    HttpError::api(e, lang).into_response()
}

/// Runs journal work on the blocking pool (SQLite commits wait for fsync).
pub(crate) async fn blocking<T, F>(app: &App, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Inner) -> Result<T, ApiError> + Send + 'static,
{
    let app = Arc::clone(app);
    tokio::task::spawn_blocking(move || f(&app))
        .await
        .unwrap_or_else(|_| Err(ApiError::new(Code::Panic)))
}

/// The request body as text: 413 (code 103) over the limit, 400 (code 101) when not UTF-8.
pub(crate) fn body_text(
    body: Result<Bytes, BytesRejection>,
    max: usize,
) -> Result<String, ApiError> {
    let bytes = match body {
        Ok(b) => b,
        Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(ApiError::with_messages(
                Code::InputTooLarge,
                format!("тело запроса больше {max} байт"),
                format!("the request body is larger than {max} bytes"),
            )
            .details(json!({"max": max})));
        }
        Err(_) => {
            return Err(ApiError::with_messages(
                Code::InvalidArgument,
                "тело запроса не прочитано",
                "the request body could not be read",
            ))
        }
    };
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        ApiError::with_messages(
            Code::InvalidUtf8,
            format!("тело запроса не в кодировке UTF-8 (байт {at})"),
            format!("the request body is not valid UTF-8 (byte {at})"),
        )
        .details(json!({"offset": at}))
    })
}

/// Query parameters that could not be read: 400 (code 107).
pub(crate) fn bad_query(r: &QueryRejection) -> ApiError {
    ApiError::with_messages(
        Code::InvalidArgument,
        format!("неверные параметры запроса: {}", r.body_text()),
        format!("invalid query parameters: {}", r.body_text()),
    )
}

async fn healthz() -> Response {
    json_answer(StatusCode::OK, "{\"status\":\"ok\"}".to_owned())
}

async fn readyz(State(app): State<App>, headers: HeaderMap) -> Response {
    let lang = Lang::from_headers(&headers);
    let r = blocking(&app, |a| {
        let o = a.outbox.outbox();
        let store = o.stats().is_ok();
        let alarms = o.route_alarms().unwrap_or_default();
        Ok((store, o.is_running(), alarms))
    })
    .await;
    let Ok((store, worker, alarms)) = r else {
        return HttpError::gateway(GatewayCode::NotReady, lang).into_response();
    };
    if !store {
        app.metrics.store_error();
    }
    let ready = store && worker && alarms.is_empty();
    let body = json!({
        "ready": ready,
        "store": store,
        "worker": worker,
        "unhealthy_routes": alarms.iter().map(|a| json!({
            "route": a.route, "since_ms": a.since.as_millis(), "code": a.code,
            "message": a.message, "failures": a.failures,
        })).collect::<Vec<_>>(),
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    json_answer(status, body.to_string())
}

async fn metrics(State(app): State<App>) -> Response {
    let text = blocking(&app, |a| Ok(a.metrics.scrape(&a.outbox)))
        .await
        .unwrap_or_default();
    let mut r = (StatusCode::OK, text).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    r
}

#[derive(Deserialize)]
struct Created {
    created: bool,
}

async fn enqueue(
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let text = match body_text(body, app.opts.max_body_bytes) {
        Ok(t) => t,
        Err(e) => return fail(&app, lang, &e),
    };
    match blocking(&app, move |a| a.outbox.enqueue(&text)).await {
        Ok(out) => {
            let created = serde_json::from_str::<Created>(&out).is_ok_and(|c| c.created);
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            json_answer(status, out)
        }
        Err(e) => fail(&app, lang, &e),
    }
}

/// Most receipts in one batch request.
pub(crate) const MAX_BATCH: usize = 1000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchIn {
    #[serde(default)]
    version: Option<u32>,
    receipts: Vec<Box<serde_json::value::RawValue>>,
}

/// A JSON error of a request the gateway reads itself (no JSON path: serde_json gives line and
/// column only).
pub(crate) fn json_error(e: &serde_json::Error) -> ApiError {
    let (line, column) = (e.line(), e.column());
    ApiError::with_messages(
        Code::InvalidJson,
        format!("ошибка JSON (строка {line}, столбец {column}): {e}"),
        format!("JSON error (line {line}, column {column}): {e}"),
    )
    .details(json!({"line": line, "column": column}))
}

pub(crate) fn check_version(v: Option<u32>) -> Result<(), ApiError> {
    match v {
        None | Some(fiskal_json::SCHEMA_VERSION) => Ok(()),
        Some(v) => Err(ApiError::with_messages(
            Code::UnsupportedVersion,
            format!("версия входных данных {v} не поддерживается (поддерживается 1)"),
            format!("input version {v} is not supported (this library reads 1)"),
        )
        .at("version")),
    }
}

/// Each receipt enqueued as by `POST /v1/receipts` (each one durable on its own); the answer
/// lists, in order, `{"status": 201|200, "entry": …}` or `{"status": 4xx, "error": …}` with
/// error paths under `receipts[i]`.
async fn batch(
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let parsed = body_text(body, app.opts.max_body_bytes).and_then(|t| {
        let b: BatchIn = serde_json::from_str(&t).map_err(|e| json_error(&e))?;
        check_version(b.version)?;
        if b.receipts.len() > MAX_BATCH {
            return Err(ApiError::with_messages(
                Code::InvalidArgument,
                format!("не более {MAX_BATCH} чеков в одном запросе"),
                format!("at most {MAX_BATCH} receipts in one request"),
            )
            .at("receipts"));
        }
        Ok(b)
    });
    let b = match parsed {
        Ok(b) => b,
        Err(e) => return fail(&app, lang, &e),
    };
    let r = blocking(&app, move |a| {
        let mut results = Vec::with_capacity(b.receipts.len());
        for (i, item) in b.receipts.iter().enumerate() {
            results.push(match a.outbox.enqueue(item.get()) {
                Ok(out) => {
                    let v: Value = serde_json::from_str(&out).unwrap_or(Value::Null);
                    let created = v["created"].as_bool().unwrap_or(false);
                    json!({"status": if created { 201 } else { 200 }, "entry": v})
                }
                Err(e) => {
                    if is_store_error(e.code) {
                        a.metrics.store_error();
                    }
                    let e = e.under(&format!("receipts[{i}]"));
                    let err = HttpError::api(&e, lang);
                    json!({"status": err.status().as_u16(),
                           "error": serde_json::from_str::<Value>(&e.to_json()).unwrap_or(Value::Null)})
                }
            });
        }
        Ok(json!({"version": 1, "results": results}).to_string())
    })
    .await;
    match r {
        Ok(out) => json_answer(StatusCode::OK, out),
        Err(e) => fail(&app, lang, &e),
    }
}

/// `GET /v1/receipts` parameters.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    state: Option<String>,
    route: Option<String>,
    from_ms: Option<i64>,
    to_ms: Option<i64>,
    limit: Option<usize>,
    attention: Option<bool>,
}

/// Most entries one list answer holds, and the default.
const MAX_LIST: usize = 1000;
const DEFAULT_LIST: usize = fiskal_json::DEFAULT_LIST_LIMIT;
/// Entries read per state to filter by route and time.
const LIST_SCAN: usize = 10_000;

fn state_names() -> Value {
    json!({"states": EntryState::ALL.iter().map(|s| s.name()).collect::<Vec<_>>()})
}

async fn list(
    State(app): State<App>,
    headers: HeaderMap,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let q = match q {
        Ok(Query(q)) => q,
        Err(r) => return fail(&app, lang, &bad_query(&r)),
    };
    let states: Vec<EntryState> = match q.state.as_deref() {
        None => EntryState::ALL.to_vec(),
        Some(name) => match EntryState::from_name(name) {
            Some(s) => vec![s],
            None => {
                let e = ApiError::with_messages(
                    Code::InvalidArgument,
                    format!("неизвестное состояние «{name}»"),
                    format!("unknown state {name:?}"),
                )
                .at("state")
                .details(state_names());
                return fail(&app, lang, &e);
            }
        },
    };
    let attention = q.attention == Some(true);
    if attention && q.state.as_deref().is_some_and(|s| s != "done") {
        let e = ApiError::with_messages(
            Code::InvalidArgument,
            "с attention перечисляются только пробитые чеки (state: done)",
            "attention lists done receipts only (state: done)",
        )
        .at("state");
        return fail(&app, lang, &e);
    }
    let limit = q.limit.unwrap_or(DEFAULT_LIST).min(MAX_LIST);
    let r = blocking(&app, move |a| {
        let o = a.outbox.outbox();
        let mut all = Vec::new();
        if attention {
            all = o.list_attention(LIST_SCAN)?;
        } else {
            for s in states {
                all.extend(o.list(s, LIST_SCAN)?);
            }
        }
        all.retain(|e| {
            q.route.as_deref().is_none_or(|r| e.provider == r)
                && q.from_ms.is_none_or(|f| e.created_at >= Timestamp(f))
                && q.to_ms.is_none_or(|t| e.created_at < Timestamp(t))
        });
        all.sort_by(|a, b| (a.created_at, &a.key).cmp(&(b.created_at, &b.key)));
        all.truncate(limit);
        fiskal_json::entries_json(&all)
    })
    .await;
    match r {
        Ok(out) => json_answer(StatusCode::OK, out),
        Err(e) => fail(&app, lang, &e),
    }
}

/// One entry: fiskal-json's entry JSON (state, fiscal attributes, `qr`: the FNS QR string) plus
/// `audit`, its audit trail (fiskal-json's records).
async fn entry(State(app): State<App>, headers: HeaderMap, Path(key): Path<String>) -> Response {
    let lang = Lang::from_headers(&headers);
    let r = blocking(&app, move |a| {
        let e = a.outbox.get(&key)?;
        let records = a.outbox.audit(&key)?;
        let mut v: Value = serde_json::from_str(&e).unwrap_or(Value::Null);
        let r: Value = serde_json::from_str(&records).unwrap_or(Value::Null);
        if let Value::Object(m) = &mut v {
            m.insert("audit".into(), r["records"].clone());
        }
        Ok(v.to_string())
    })
    .await;
    match r {
        Ok(out) => json_answer(StatusCode::OK, out),
        Err(e) => fail(&app, lang, &e),
    }
}

/// An operator action of the HTTP API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Requeue,
    Cancel,
    /// `{"who", "reason", "fiscal"}`: a stuck receipt fiscalised after all.
    Resolve,
}

async fn operator(
    app: App,
    headers: HeaderMap,
    key: String,
    body: Result<Bytes, BytesRejection>,
    action: Action,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let req = body_text(body, app.opts.max_body_bytes).and_then(|t| {
        let mut v: Value = serde_json::from_str(&t).map_err(|e| json_error(&e))?;
        let Value::Object(m) = &mut v else {
            return Err(ApiError::with_messages(
                Code::InvalidJson,
                "ожидался объект JSON {\"who\", \"reason\"}",
                "expected a JSON object {\"who\", \"reason\"}",
            ));
        };
        if m.get("key")
            .is_some_and(|k| k.as_str() != Some(key.as_str()))
        {
            return Err(ApiError::with_messages(
                Code::InvalidArgument,
                "ключ в теле не совпадает с ключом в адресе",
                "the key in the body differs from the key in the path",
            )
            .at("key"));
        }
        m.insert("key".into(), Value::String(key));
        Ok(v.to_string())
    });
    let req = match req {
        Ok(r) => r,
        Err(e) => return fail(&app, lang, &e),
    };
    let r = blocking(&app, move |a| match action {
        Action::Requeue => a.outbox.requeue(&req),
        Action::Cancel => a.outbox.cancel(&req),
        Action::Resolve => a.outbox.resolve(&req),
    })
    .await;
    match r {
        Ok(out) => json_answer(StatusCode::OK, out),
        // Fiscal attributes that are malformed or not this receipt's: well-formed JSON whose
        // content cannot be used, 422 naming the attribute.
        Err(e)
            if action == Action::Resolve
                && matches!(e.code, Code::InvalidArgument | Code::InvalidJson)
                && e.path
                    .as_deref()
                    .is_some_and(|p| p == "fiscal" || p.starts_with("fiscal.")) =>
        {
            HttpError::api(&e, lang)
                .with_status(StatusCode::UNPROCESSABLE_ENTITY)
                .into_response()
        }
        Err(e) => fail(&app, lang, &e),
    }
}

async fn requeue(
    State(app): State<App>,
    headers: HeaderMap,
    Path(key): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    operator(app, headers, key, body, Action::Requeue).await
}

async fn cancel(
    State(app): State<App>,
    headers: HeaderMap,
    Path(key): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    operator(app, headers, key, body, Action::Cancel).await
}

/// `POST /v1/receipts/{key}/resolve` `{"who", "reason", "fiscal"}`: an operator marks a stuck
/// receipt as fiscalised by hand (fiskal-json's `OutboxHandle::resolve`): 200 with the entry,
/// 409 (7019) in any other state, 422 for fiscal attributes that are malformed or not this
/// receipt's (the path names the attribute).
async fn resolve(
    State(app): State<App>,
    headers: HeaderMap,
    Path(key): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    operator(app, headers, key, body, Action::Resolve).await
}

async fn stats(State(app): State<App>, headers: HeaderMap) -> Response {
    let lang = Lang::from_headers(&headers);
    match blocking(&app, |a| a.outbox.stats()).await {
        Ok(out) => json_answer(StatusCode::OK, out),
        Err(e) => fail(&app, lang, &e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowQuery {
    seconds: Option<u64>,
}

/// The longest window of `/v1/stats/window`: 31 days.
const MAX_WINDOW_S: u64 = 31 * 24 * 3600;

async fn window(
    State(app): State<App>,
    headers: HeaderMap,
    q: Result<Query<WindowQuery>, QueryRejection>,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let seconds = match q {
        Ok(Query(q)) => q.seconds.unwrap_or(3600),
        Err(r) => return fail(&app, lang, &bad_query(&r)),
    };
    if seconds == 0 || seconds > MAX_WINDOW_S {
        let e = ApiError::with_messages(
            Code::InvalidArgument,
            format!("окно от 1 до {MAX_WINDOW_S} секунд"),
            format!("the window is 1 to {MAX_WINDOW_S} seconds"),
        )
        .at("seconds");
        return fail(&app, lang, &e);
    }
    let r = blocking(&app, move |a| {
        let m = a
            .outbox
            .outbox()
            .window_metrics(Duration::from_secs(seconds))?;
        let ms = |d: Option<Duration>| d.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        Ok(json!({
            "version": 1, "window_ms": seconds.saturating_mul(1000),
            "done": m.done, "rejected": m.rejected,
            "failed_at_register": m.failed_at_register, "stuck": m.stuck,
            "latency_p50_ms": ms(m.latency_p50), "latency_p95_ms": ms(m.latency_p95),
            "latency_max_ms": ms(m.latency_max),
        })
        .to_string())
    })
    .await;
    match r {
        Ok(out) => json_answer(StatusCode::OK, out),
        Err(e) => fail(&app, lang, &e),
    }
}

async fn reconcile(
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let text = match body_text(body, app.opts.max_body_bytes) {
        Ok(t) => t,
        Err(e) => return fail(&app, lang, &e),
    };
    match blocking(&app, move |a| a.outbox.reconcile(&text)).await {
        Ok(out) => json_answer(StatusCode::OK, out),
        Err(e) => fail(&app, lang, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_has_a_handler() {
        for (m, p, _) in ROUTES {
            assert!(handler(m, p).is_some(), "{m} {p}");
            assert!(*m == "GET" || *m == "POST", "{m}");
        }
    }
}
