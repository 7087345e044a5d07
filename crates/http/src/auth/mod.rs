//! Authentication over HTTP: session and pre-sign-in cookies, CSRF, and the request's
//! identity as extractors. Hashing and tokens are the application's (`embarq_app::auth`).
pub mod client_ip;
pub mod middleware;

pub use client_ip::ClientIp;
pub use embarq_app::auth::*;

use crate::error::{AppError, PageError};
use crate::state::WebState;
use axum::extract::FromRequestParts;
use axum::http::HeaderValue;
use axum::http::request::Parts;

pub const SESSION_COOKIE: &str = "embarq_session";
pub const PRE_AUTH_COOKIE: &str = "embarq_csrf";

/// A `Set-Cookie` value: `SameSite=Lax` always, `HttpOnly` unless scripts must read it,
/// `Secure` behind HTTPS, and a lifetime in seconds (`None`: until the browser closes).
pub fn cookie(
    name: &'static str,
    value: &str,
    path: &'static str,
    max_age_s: Option<i64>,
    http_only: bool,
    secure: bool,
) -> HeaderValue {
    use cookie::{Cookie, SameSite};
    let mut c = Cookie::build((name, value.to_string()))
        .path(path)
        .http_only(http_only)
        .same_site(SameSite::Lax)
        .secure(secure);
    if let Some(s) = max_age_s {
        c = c.max_age(cookie::time::Duration::seconds(s));
    }
    HeaderValue::from_str(&c.build().to_string()).unwrap_or(HeaderValue::from_static(""))
}

/// The token to embed in forms: the session's CSRF token, or the pre-sign-in cookie's.
#[derive(Debug, Clone)]
pub struct Csrf(pub String);

/// Requires a signed-in person; `Unauthorized` otherwise (the UI turns it into a redirect).
impl FromRequestParts<WebState> for Auth {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, _: &WebState) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Auth>()
            .cloned()
            .ok_or(PageError(AppError::Unauthorized))
    }
}

/// The signed-in person if any.
pub struct MaybeAuth(pub Option<Auth>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeAuth {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeAuth(parts.extensions.get::<Auth>().cloned()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Csrf {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Csrf>()
            .cloned()
            .unwrap_or(Csrf(String::new())))
    }
}
