//! Extractors whose failures answer problem+json like every other API error, never axum's
//! plain-text rejections.
use crate::auth::Auth;
use crate::error::{ApiError, AppError};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequest, Path, Query, Request};
use axum::http::request::Parts;
use embarq_domain::validate::FieldError;
use embarq_domain::{Id, parse_id};
use serde::de::DeserializeOwned;

/// The signed-in person (session cookie or personal access token); 401 problem otherwise.
pub struct ApiAuth(pub Auth);

impl<S: Send + Sync> FromRequestParts<S> for ApiAuth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Auth::from_request_parts(parts, state)
            .await
            .map(ApiAuth)
            .map_err(ApiError)
    }
}

fn body_error(code: &'static str) -> ApiError {
    ApiError(FieldError::new("body", code).into())
}

fn json_error(r: JsonRejection) -> ApiError {
    match r {
        JsonRejection::MissingJsonContentType(_) => body_error("not_json"),
        JsonRejection::BytesRejection(_) => body_error("unreadable"),
        _ => body_error("invalid_json"),
    }
}

/// A JSON body; malformed JSON, wrong types and a missing `Content-Type: application/json`
/// answer 422 with a `body` field error.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        <Json<T> as FromRequest<S>>::from_request(req, state)
            .await
            .map(|Json(v)| ApiJson(v))
            .map_err(json_error)
    }
}

/// An optional JSON body: absent when the request has no `Content-Type`.
impl<T: DeserializeOwned, S: Send + Sync> OptionalFromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Option<Self>, Self::Rejection> {
        <Json<T> as OptionalFromRequest<S>>::from_request(req, state)
            .await
            .map(|o| o.map(|Json(v)| ApiJson(v)))
            .map_err(json_error)
    }
}

/// A raw body (CSV uploads).
pub struct ApiBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Bytes::from_request(req, state)
            .await
            .map(ApiBytes)
            .map_err(|_| body_error("unreadable"))
    }
}

/// Query parameters; values of the wrong type answer 422 with a `query` field error.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ApiQuery(v))
            .map_err(|_| ApiError(FieldError::new("query", "invalid_parameter").into()))
    }
}

/// Identifiers taken from the path, in order.
pub trait PathIds: Sized {
    fn from_ids(ids: &[Id]) -> Option<Self>;
}

impl PathIds for Id {
    fn from_ids(ids: &[Id]) -> Option<Self> {
        match ids {
            [id] => Some(*id),
            _ => None,
        }
    }
}

impl PathIds for (Id, Id) {
    fn from_ids(ids: &[Id]) -> Option<Self> {
        match ids {
            [a, b] => Some((*a, *b)),
            _ => None,
        }
    }
}

/// Path identifiers parsed with [`parse_id`]; anything malformed is an unknown resource (404).
pub struct ApiPath<T>(pub T);

impl<T: PathIds, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<Vec<String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError(AppError::NotFound))?;
        let ids: Option<Vec<Id>> = raw.iter().map(|s| parse_id(s)).collect();
        ids.as_deref()
            .and_then(T::from_ids)
            .map(ApiPath)
            .ok_or(ApiError(AppError::NotFound))
    }
}
