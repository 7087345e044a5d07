//! Bodies over HTTP: the size limits, multipart uploads handed to the file box, and the
//! application's downloads sent as streamed responses.
use crate::error::PageError;
use crate::state::WebState;
use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use embarq_app::service::Download;
use embarq_domain::validate::FieldError;

/// Largest body a handler reads whole (CSV imports are the biggest legitimate ones).
pub const MAX_BODY: usize = 32 * 1024 * 1024;

/// Multipart framing and small fields allowed on top of an uploaded file.
const UPLOAD_ENVELOPE: usize = 1024 * 1024;

/// The largest request accepted at all: a file box upload at the configured file size
/// limit (uploads stream and enforce that limit themselves), and never less than
/// [`MAX_BODY`]. Bodies read whole are capped at `MAX_BODY` by axum's `DefaultBodyLimit`.
pub fn largest_request(max_file_bytes: u64) -> usize {
    usize::try_from(max_file_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(UPLOAD_ENVELOPE)
        .max(MAX_BODY)
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
