//! Bodies over HTTP: the request size limit, multipart uploads handed to the file box,
//! and the application's downloads sent as streamed responses.
use crate::error::PageError;
use crate::state::WebState;
use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use embarq_app::service::Download;
use embarq_domain::validate::FieldError;

/// Largest request body accepted anywhere (CSV imports are the biggest legitimate uploads).
pub const MAX_BODY: usize = 32 * 1024 * 1024;

/// Whether the request is an upload route, whose size limit is the file box's own.
pub fn is_upload_path(method: &axum::http::Method, path: &str) -> bool {
    method == axum::http::Method::POST
        && path.ends_with("/files")
        && (path.starts_with("/spheres/") || path.starts_with("/api/v1/spheres/"))
}

/// Caps request bodies at [`MAX_BODY`] (413 beyond), except upload routes whose
/// streaming code enforces the file box limit itself.
pub async fn limit_body(req: Request, next: Next) -> Response {
    if is_upload_path(req.method(), req.uri().path()) {
        return next.run(req).await;
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|l| l > MAX_BODY as u64) {
        return (StatusCode::PAYLOAD_TOO_LARGE, "length limit exceeded").into_response();
    }
    let req = req.map(|b| Body::new(http_body_util::Limited::new(b, MAX_BODY)));
    next.run(req).await
}

/// A multipart upload as the file box reads it: streamed, never buffered whole.
pub struct Upload {
    /// The declared length, to refuse an oversized file before reading it.
    pub content_length: Option<u64>,
    pub parts: multer::Multipart<'static>,
}

impl FromRequest<WebState> for Upload {
    type Rejection = PageError;
    async fn from_request(req: Request, _: &WebState) -> Result<Self, Self::Rejection> {
        let unreadable = || PageError(FieldError::new("file", "upload_unreadable").into());
        let boundary = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| multer::parse_boundary(v).ok())
            .ok_or_else(unreadable)?;
        let content_length = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let parts = multer::Multipart::new(req.into_body().into_data_stream(), boundary);
        Ok(Upload {
            content_length,
            parts,
        })
    }
}

/// Sends a download as it is read. People's files are sandboxed and never sniffed, so a
/// file cannot run as a page of ours.
pub fn send(d: Download) -> Response {
    let mut res = Body::from_stream(d.body).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&d.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Some(len) = d.length {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    if let Some(v) = d.disposition.and_then(|v| HeaderValue::from_str(&v).ok()) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if d.untrusted {
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "sandbox; default-src 'none'; img-src 'self'; media-src 'self'",
            ),
        );
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache"),
        );
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    } else {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}
