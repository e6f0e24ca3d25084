//! The stateless operations: fiskal-json's functions, the request body in and their output out,
//! byte for byte what the C ABI gives; and rendering (text, HTML, the FNS QR code as PNG or
//! SVG) through fiskal-render.

use crate::api::{
    bad_query, blocking, body_text, check_version, fail, json_answer, json_error, App,
};
use crate::error::Lang;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use fiskal_json::{ApiError, Code, Operation};
use fiskal_providers::FiscalAttributes;
use serde::Deserialize;

async fn run(
    app: App,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    op: Operation,
) -> Response {
    let lang = Lang::from_headers(headers);
    let text = match body_text(body, app.opts.max_body_bytes) {
        Ok(t) => t,
        Err(e) => return fail(&app, lang, &e),
    };
    match blocking(&app, move |_| op(&text)).await {
        Ok(out) => json_answer(StatusCode::OK, out),
        Err(e) => fail(&app, lang, &e),
    }
}

macro_rules! operation {
    ($name:ident, $op:path, $doc:literal) => {
        #[doc = $doc]
        pub(crate) async fn $name(
            State(app): State<App>,
            headers: HeaderMap,
            body: Result<Bytes, BytesRejection>,
        ) -> Response {
            run(app, &headers, body, $op).await
        }
    };
}

operation!(
    validate,
    fiskal_json::validate,
    "`POST /v1/validate`: fiskal-json `validate`."
);
operation!(
    compute,
    fiskal_json::compute,
    "`POST /v1/compute`: fiskal-json `compute`."
);
operation!(
    split,
    fiskal_json::split,
    "`POST /v1/split`: fiskal-json `split`."
);
operation!(
    mark,
    fiskal_json::mark,
    "`POST /v1/mark`: fiskal-json `mark`."
);
operation!(
    tlv_encode,
    fiskal_json::to_tlv,
    "`POST /v1/tlv/encode`: fiskal-json `to_tlv`."
);
operation!(
    tlv_decode,
    fiskal_json::from_tlv,
    "`POST /v1/tlv/decode`: fiskal-json `from_tlv`."
);
operation!(qr, fiskal_json::qr, "`POST /v1/qr`: fiskal-json `qr`.");

/// `GET /v1/version`: fiskal-json `version`.
pub(crate) async fn version() -> Response {
    match fiskal_json::version("") {
        Ok(out) => json_answer(StatusCode::OK, out),
        Err(e) => crate::error::HttpError::api(&e, Lang::Ru).into_response(),
    }
}

/// What a rendering is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Format {
    Text,
    Html,
    QrPng,
    QrSvg,
}

fn width(w: Option<u32>) -> Result<fiskal_render::Width, ApiError> {
    match w {
        None | Some(42) => Ok(fiskal_render::Width::Cols42),
        Some(48) => Ok(fiskal_render::Width::Cols48),
        Some(w) => Err(ApiError::with_messages(
            Code::InvalidArgument,
            format!("ширина {w}: допускается 42 или 48"),
            format!("width {w}: 42 or 48 allowed"),
        )
        .at("width")),
    }
}

/// Renders a receipt; the body and its content type.
fn draw(
    receipt: &fiskal_ffd::Receipt,
    fiscal: Option<&FiscalAttributes>,
    format: Format,
    w: fiskal_render::Width,
) -> Result<(Vec<u8>, &'static str), ApiError> {
    let opts = fiskal_render::Options::with_width(w);
    let need_fiscal = || {
        ApiError::with_messages(
            Code::InvalidArgument,
            "QR-код есть только у пробитого чека: нужны фискальные реквизиты",
            "only a fiscalised receipt has a QR code: the fiscal attributes are required",
        )
        .at("fiscal")
    };
    let qr_error = |e: fiskal_render::QrError| {
        ApiError::with_messages(
            Code::InvalidArgument,
            format!("QR-код: {e}"),
            format!("QR code: {e}"),
        )
        .at("fiscal")
    };
    Ok(match format {
        Format::Text => (
            fiskal_render::render_text(receipt, fiscal, &opts).into_bytes(),
            "text/plain; charset=utf-8",
        ),
        Format::Html => (
            fiskal_render::render_html(receipt, fiscal, &opts).into_bytes(),
            "text/html; charset=utf-8",
        ),
        Format::QrPng => {
            let f = fiscal.ok_or_else(need_fiscal)?;
            (
                fiskal_render::qr_png(&f.qr_string(), 8).map_err(qr_error)?,
                "image/png",
            )
        }
        Format::QrSvg => {
            let f = fiscal.ok_or_else(need_fiscal)?;
            (
                fiskal_render::qr_svg(&f.qr_string())
                    .map_err(qr_error)?
                    .into_bytes(),
                "image/svg+xml",
            )
        }
    })
}

fn drawn(body: Vec<u8>, content_type: &'static str) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // The HTML is self-contained: it needs nothing from anywhere.
    r.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src data:"),
    );
    r
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RenderIn {
    #[serde(default)]
    version: Option<u32>,
    receipt: Box<serde_json::value::RawValue>,
    #[serde(default)]
    fiscal: Option<Box<serde_json::value::RawValue>>,
    format: Format,
    #[serde(default)]
    width: Option<u32>,
}

/// `POST /v1/render`: `{"version": 1, "receipt": {…}, "fiscal": {…} | null, "format": "text" |
/// "html" | "qr_png" | "qr_svg", "width": 42 | 48}` → the rendering (not JSON).
pub(crate) async fn render(
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let r = body_text(body, app.opts.max_body_bytes).and_then(|t| {
        let r: RenderIn = serde_json::from_str(&t).map_err(|e| json_error(&e))?;
        check_version(r.version)?;
        let receipt = fiskal_ffd::json::parse(r.receipt.get())
            .map_err(|e| ApiError::from(e).under("receipt"))?;
        let fiscal: Option<FiscalAttributes> = match &r.fiscal {
            None => None,
            Some(raw) if raw.get() == "null" => None,
            Some(raw) => {
                Some(serde_json::from_str(raw.get()).map_err(|e| json_error(&e).at("fiscal"))?)
            }
        };
        draw(&receipt, fiscal.as_ref(), r.format, width(r.width)?)
    });
    match r {
        Ok((body, ct)) => drawn(body, ct),
        Err(e) => fail(&app, lang, &e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RenderQuery {
    format: Option<Format>,
    width: Option<u32>,
}

/// `GET /v1/receipts/{key}/render?format=html`: a stored receipt as the buyer sees it, with its
/// fiscal attributes (and QR code) once done.
pub(crate) async fn render_entry(
    State(app): State<App>,
    headers: HeaderMap,
    Path(key): Path<String>,
    q: Result<Query<RenderQuery>, QueryRejection>,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let (format, w) = match q
        .map_err(|r| bad_query(&r))
        .and_then(|Query(q)| Ok((q.format.unwrap_or(Format::Html), width(q.width)?)))
    {
        Ok(x) => x,
        Err(e) => return fail(&app, lang, &e),
    };
    let r = blocking(&app, move |a| {
        let e = a.outbox.outbox().get(&key)?.ok_or_else(|| {
            ApiError::from(fiskal_outbox::OutboxError::NotFound { key: key.clone() })
        })?;
        let receipt = e.receipt()?;
        draw(&receipt, e.fiscal.as_ref(), format, w)
    })
    .await;
    match r {
        Ok((body, ct)) => drawn(body, ct),
        Err(e) => fail(&app, lang, &e),
    }
}
