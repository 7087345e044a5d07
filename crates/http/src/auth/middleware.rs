//! Resolves who is calling (session cookie or Bearer token), enforces CSRF on every
//! state-changing request authenticated by cookie, and picks the language.
use super::{Auth, Csrf, PRE_AUTH_COOKIE, SESSION_COOKIE, Via, random_token, token_hash};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use embarq_domain::activity::Activity;

/// Set by app.js to the browser's IANA zone, so pages can show that person's times.
const ZONE_COOKIE: &str = "embarq_tz";

/// Form bodies larger than this are not searched for a CSRF field (they must send the header).
const CSRF_FORM_SCAN_MAX: usize = 2 * 1024 * 1024;

pub async fn authenticate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let jar = CookieJar::from_headers(&parts.headers);
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());

    let mut auth = None;
    let mut expected_csrf = None;
    if let Some(t) = bearer {
        match bearer_user(&state, &token_hash(&t)).await {
            Ok(Some((user, session_hash))) => {
                auth = Some(Auth {
                    user,
                    via: Via::Token,
                    session_hash,
                    browser_zone: None,
                })
            }
            Ok(None) => return crate::error::ApiError(AppError::Unauthorized).into_response(),
            Err(e) => return crate::error::ApiError(e.into()).into_response(),
        }
    } else if let Some(c) = jar.get(SESSION_COOKIE) {
        let h = token_hash(c.value());
        match state.db.session_user(&h).await {
            Ok(Some(su)) => {
                expected_csrf = Some(su.csrf_token.clone());
                auth = Some(Auth {
                    user: su.user,
                    via: Via::Session,
                    session_hash: Some(h),
                    browser_zone: jar
                        .get(ZONE_COOKIE)
                        .and_then(|c| embarq_domain::recurrence::parse_zone(c.value())),
                });
            }
            Ok(None) => {}
            Err(e) => return crate::error::PageError::from(e).into_response(),
        }
    }

    // Before sign-in, forms are protected by a double-submit cookie.
    let mut new_pre_auth = None;
    if auth.is_none() {
        match jar.get(PRE_AUTH_COOKIE) {
            Some(c) if c.value().len() >= 32 => expected_csrf = Some(c.value().to_string()),
            _ => {
                let t = random_token();
                expected_csrf = Some(t.clone());
                new_pre_auth = Some(t);
            }
        }
    }

    let lang = crate::lang::detect(&parts, auth.as_ref().and_then(|a| a.user.locale.as_deref()));
    parts.extensions.insert(lang);

    let mut body = body;
    let state_changing = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let by_cookie = auth.as_ref().is_none_or(|a| a.via == Via::Session);
    if state_changing && by_cookie && !(auth.is_none() && anonymous_json_api(&parts)) {
        let expected = expected_csrf.clone().unwrap_or_default();
        let (ok, b) = csrf_matches(&parts, body, &expected).await;
        body = b;
        if !ok {
            return csrf_refusal(&parts, lang);
        }
    }

    if let Some(a) = &auth {
        // Cheap enough per request and keeps "active in the last 7 days" exact.
        let stale = a
            .user
            .last_seen_at
            .is_none_or(|t| embarq_store::now_ms() - t > 60_000);
        if stale && let Err(e) = state.db.touch_user(a.user.id).await {
            tracing::warn!(error = %e, "could not record activity");
        }
        crate::service::activity::record(&state, a, Activity::Visited).await;
        parts.extensions.insert(a.clone());
    }
    parts
        .extensions
        .insert(Csrf(expected_csrf.unwrap_or_default()));

    let mut res = next.run(Request::from_parts(parts, body)).await;
    // The page error layer, outside this one, renders errors in the request's language.
    res.extensions_mut().insert(lang);
    if let Some(t) = new_pre_auth {
        let v = super::cookie(
            PRE_AUTH_COOKIE,
            &t,
            "/",
            None,
            true,
            state.config.secure_cookies,
        );
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// A Bearer token is a personal access token or a session opened over the API (whose hash
/// comes back, so signing out can end it).
async fn bearer_user(
    state: &AppState,
    hash: &str,
) -> Result<Option<(embarq_store::User, Option<String>)>, embarq_store::StoreError> {
    if let Some(user) = state.db.api_token_user(hash).await? {
        return Ok(Some((user, None)));
    }
    Ok(state
        .db
        .session_user(hash)
        .await?
        .map(|su| (su.user, Some(hash.to_string()))))
}

/// A JSON request to the API from someone not signed in (setup, sign-in, accepting an
/// invitation). It carries no credentials to abuse, and a cross-site page cannot send
/// `application/json` without a CORS preflight, which embarq never grants: no CSRF token.
fn anonymous_json_api(parts: &axum::http::request::Parts) -> bool {
    parts.uri.path().starts_with("/api/")
        && parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|h| h.to_str().ok())
            .and_then(|c| c.split(';').next())
            .is_some_and(|c| c.trim().eq_ignore_ascii_case("application/json"))
}

/// Looks for the token in the `X-CSRF-Token` header, a `_csrf` query parameter (multipart
/// uploads), or the `_csrf` field of a URL-encoded form (the body is buffered and restored).
async fn csrf_matches(
    parts: &axum::http::request::Parts,
    body: Body,
    expected: &str,
) -> (bool, Body) {
    if expected.is_empty() {
        return (false, body);
    }
    let eq = |given: &str| super::same_secret(given, expected);
    if let Some(h) = parts
        .headers
        .get("x-csrf-token")
        .and_then(|h| h.to_str().ok())
    {
        return (eq(h), body);
    }
    if let Some(q) = parts.uri.query()
        && let Some(v) = form_field(q.as_bytes(), "_csrf")
    {
        return (eq(&v), body);
    }
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return (false, body);
    }
    match to_bytes(body, CSRF_FORM_SCAN_MAX).await {
        Ok(bytes) => {
            let ok = form_field(&bytes, "_csrf").is_some_and(|v| eq(&v));
            (ok, Body::from(bytes))
        }
        Err(_) => (false, Body::empty()),
    }
}

fn form_field(bytes: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(bytes)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn csrf_refusal(parts: &axum::http::request::Parts, lang: Lang) -> Response {
    if parts.uri.path().starts_with("/api/") {
        crate::error::ApiError(AppError::Csrf).into_response()
    } else {
        // Rendered as a localized page by the UI's error layer, like any page error.
        let mut res = crate::error::PageError(AppError::Csrf).into_response();
        res.extensions_mut().insert(lang);
        res
    }
}
