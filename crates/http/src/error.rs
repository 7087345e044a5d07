//! Application errors as HTTP answers. API handlers answer RFC 9457 problem+json; UI
//! handlers answer a status with the error attached, and the UI layer renders a localized page.
use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use embarq_domain::validate::FieldError;
use serde::Serialize;

pub use embarq_app::error::AppError;

/// An application error on its way to a page: the UI layer renders it localized.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

/// What UI handlers and their helpers return.
pub type AppResult<T> = Result<T, PageError>;

/// The HTTP status of an application error.
pub fn status(e: &AppError) -> StatusCode {
    match e {
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Unauthorized => StatusCode::UNAUTHORIZED,
        AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
        AppError::Validation(_) | AppError::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::TooManyRequests | AppError::Limited(_) => StatusCode::TOO_MANY_REQUESTS,
        AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn log(e: &AppError) {
    if let AppError::Internal(e) = e {
        tracing::error!(error = ?e, "internal error");
    }
}

/// A busy server says when to come back (RFC 9110 §10.2.3).
fn retry_after(e: &AppError, res: &mut Response) {
    if matches!(e, AppError::Busy) {
        res.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
    }
}

/// An error as the web UI carries it to the page renderer.
#[derive(Debug, Clone)]
pub struct UiErrorMarker {
    pub code: &'static str,
    pub fields: Vec<FieldError>,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let e = self.0;
        log(&e);
        let mut res = status(&e).into_response();
        retry_after(&e, &mut res);
        let fields = match &e {
            AppError::Validation(f) => f.clone(),
            _ => Vec::new(),
        };
        res.extensions_mut().insert(UiErrorMarker {
            code: e.code(),
            fields,
        });
        res
    }
}

/// RFC 9457 problem details.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable code of the problem.
    pub code: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProblemField {
    pub field: String,
    pub code: String,
    pub message: String,
}

/// The API's error: same cases, problem+json body.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        log(&e);
        let status = status(&e);
        let lang = crate::i18n::Lang::En;
        let errors = match &e {
            AppError::Validation(f) => f
                .iter()
                .map(|f| ProblemField {
                    field: f.field.to_string(),
                    code: f.code.to_string(),
                    message: crate::i18n::field_error(lang, f),
                })
                .collect(),
            _ => Vec::new(),
        };
        let detail = match &e {
            AppError::Validation(_) => errors
                .iter()
                .map(|f| f.message.clone())
                .collect::<Vec<_>>()
                .join(" "),
            _ => crate::i18n::error_message(lang, e.code()),
        };
        let body = Problem {
            kind: format!("https://embarq.dev/problems/{}", e.code().replace('_', "-")),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail,
            code: e.code().to_string(),
            errors,
        };
        let mut res = (status, Json(body)).into_response();
        retry_after(&e, &mut res);
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/problem+json"),
        );
        res
    }
}
