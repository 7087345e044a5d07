//! SCIM 2.0 service provider at /scim/v2 (RFC 7643/7644): identity providers create,
//! update and remove members (and groups) of one organization with a bearer SCIM token.
//! Mounted outside the session/CSRF middleware: a SCIM token is never an API token.
//! The protocol rules live in `embarq_domain::scim`; this module maps them to HTTP.
mod bulk;
mod discovery;
mod groups;
mod users;

use crate::auth::token_hash;
use crate::state::{AppState, WebState};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use embarq_domain::scim::{ScimError, ScimType};
use embarq_domain::{Id, OrgId};
use serde_json::Value;

pub use users::settings_sources;

/// Path prefix of the SCIM endpoints.
pub const PREFIX: &str = "/scim/v2";
/// Largest body of a single-resource request (bulk has its own limit).
pub const MAX_RESOURCE_BODY: usize = 1024 * 1024;
/// Largest page of a list (`count` is capped to it; advertised as filter.maxResults).
pub const MAX_RESULTS: usize = 1000;
pub const CONTENT_TYPE: &str = "application/scim+json";

/// The SCIM router; `app()` merges it after the authentication layer.
pub fn router() -> Router<WebState> {
    let v2 = Router::new()
        .merge(discovery::router())
        .merge(users::router())
        // ---- helper C: Groups and Bulk plug in here.
        .merge(groups::router())
        .merge(bulk::router())
        // ----
        .route(
            "/.search",
            axum::routing::post(search_all).fallback(method_not_allowed),
        )
        .fallback(not_found);
    Router::new().nest(PREFIX, v2)
}

/// The absolute base URL of the SCIM service (for `meta.location` and `$ref`).
pub fn base_url(state: &AppState) -> String {
    format!("{}{PREFIX}", state.config.base_url.trim_end_matches('/'))
}

/// Who is calling: the organization and token of a valid `Authorization: Bearer` SCIM token.
#[derive(Debug, Clone, Copy)]
pub struct ScimCaller {
    pub org_id: OrgId,
    pub token_id: Id,
}

impl FromRequestParts<WebState> for ScimCaller {
    type Rejection = ScimErr;
    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, ScimErr> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| {
                let (scheme, rest) = h.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            })
            .filter(|t| !t.is_empty() && t.len() <= 512)
            .ok_or_else(|| ScimErr(ScimError::unauthorized()))?;
        match state.db.scim_token_org(&token_hash(token)).await {
            Ok(Some((token_id, org_id))) => Ok(ScimCaller { org_id, token_id }),
            Ok(None) => Err(ScimErr(ScimError::unauthorized())),
            Err(e) => Err(ScimErr::from(e)),
        }
    }
}

/// A SCIM error as an HTTP response (`application/scim+json`).
#[derive(Debug)]
pub struct ScimErr(pub ScimError);

impl From<ScimError> for ScimErr {
    fn from(e: ScimError) -> Self {
        ScimErr(e)
    }
}

impl From<embarq_store::StoreError> for ScimErr {
    fn from(e: embarq_store::StoreError) -> Self {
        match e {
            embarq_store::StoreError::Conflict(what) => ScimErr(ScimError::conflict(format!(
                "Another user already has this {what}."
            ))),
            embarq_store::StoreError::Refused(code) => crate::error::AppError::Refused(code).into(),
            e => {
                tracing::error!(error = %e, "scim: database error");
                ScimErr(ScimError::internal())
            }
        }
    }
}

impl From<crate::error::AppError> for ScimErr {
    fn from(e: crate::error::AppError) -> Self {
        use crate::error::AppError;
        match e {
            AppError::NotFound => ScimErr(ScimError::not_found("Resource not found.")),
            AppError::Refused("last_manager") => ScimErr(ScimError::forbidden(
                "The organization's last manager cannot be deactivated or removed.",
            )),
            AppError::Refused(code) => ScimErr(ScimError::bad(ScimType::InvalidValue, code)),
            e => {
                tracing::error!(error = %e, "scim: internal error");
                ScimErr(ScimError::internal())
            }
        }
    }
}

impl IntoResponse for ScimErr {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = json(status, self.0.to_json());
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"embarq SCIM\""),
            );
        }
        res
    }
}

pub type ScimResult<T = Response> = Result<T, ScimErr>;

/// A JSON response with the SCIM media type.
pub fn json(status: StatusCode, body: Value) -> Response {
    let mut res = (status, body.to_string()).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    res
}

/// A request body parsed as JSON (`application/scim+json` or `application/json`); anything
/// unparsable is `invalidSyntax`, a body over the limit `413`.
pub struct ScimJson(pub Value);

impl<S: Send + Sync> FromRequest<S> for ScimJson {
    type Rejection = ScimErr;
    async fn from_request(req: Request, state: &S) -> Result<Self, ScimErr> {
        let bytes = read_body(req, state, MAX_RESOURCE_BODY).await?;
        parse_json(&bytes).map(ScimJson)
    }
}

/// Reads a body of at most `limit` bytes.
pub async fn read_body<S: Send + Sync>(req: Request, state: &S, limit: usize) -> ScimResult<Bytes> {
    let too_large = |limit: usize| {
        ScimErr(ScimError::too_large(format!(
            "The request body exceeds {limit} bytes."
        )))
    };
    if req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n > limit)
    {
        return Err(too_large(limit));
    }
    let req = req.map(|b| axum::body::Body::new(http_body_util::Limited::new(b, limit)));
    Bytes::from_request(req, state)
        .await
        .map_err(|_| too_large(limit))
}

pub fn parse_json(bytes: &[u8]) -> ScimResult<Value> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(ScimErr(ScimError::bad(
            ScimType::InvalidSyntax,
            "The request body must be a JSON object.",
        ))),
        Err(e) => Err(ScimErr(ScimError::bad(
            ScimType::InvalidSyntax,
            format!("The request body is not valid JSON: {e}."),
        ))),
    }
}

/// 404 for any unknown path under /scim/v2.
pub async fn not_found() -> ScimErr {
    ScimErr(ScimError::not_found("No SCIM endpoint at this address."))
}

/// 405 for a method an endpoint does not support.
pub async fn method_not_allowed() -> ScimErr {
    ScimErr(ScimError::new(
        405,
        None,
        "This method is not supported on this endpoint.",
    ))
}

/// `POST /.search` across resource types (RFC 7644 §3.4.3): the users' page then the
/// groups', as one list. Each type is searched with the same request (a filter naming an
/// attribute one type lacks matches none of that type); startIndex and count then apply to
/// the concatenation, so at most `MAX_RESULTS` of each type are reachable this way.
async fn search_all(
    axum::extract::State(state): axum::extract::State<AppState>,
    caller: ScimCaller,
    ScimJson(body): ScimJson,
) -> ScimResult {
    let field = |n: &str| {
        body.as_object().and_then(|o| {
            o.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v.clone())
        })
    };
    let int = |n: &str| -> ScimResult<Option<i64>> {
        match field(n) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_i64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                .map(Some)
                .ok_or_else(|| {
                    ScimErr(ScimError::bad(
                        ScimType::InvalidValue,
                        format!("\"{n}\" must be an integer."),
                    ))
                }),
        }
    };
    let start = int("startIndex")?.unwrap_or(1).max(1);
    let max = MAX_RESULTS as i64;
    let count = int("count")?.unwrap_or(max).clamp(0, max);
    let mut each = body.clone();
    if let Some(o) = each.as_object_mut() {
        o.retain(|k, _| !k.eq_ignore_ascii_case("startIndex") && !k.eq_ignore_ascii_case("count"));
        o.insert("startIndex".into(), Value::from(1));
        o.insert("count".into(), Value::from(max));
    }
    let users = users::search_page(&state, &caller, &each).await;
    let groups = match groups::ListParams::from_search(&each) {
        Ok(p) => groups::list(&state, caller.org_id, &p)
            .await
            .map_err(ScimErr),
        Err(e) => Err(ScimErr(e)),
    };
    let parts: Vec<Value> = match (users, groups) {
        (Err(e), Err(_)) => return Err(e),
        (u, g) => [u, g].into_iter().filter_map(Result::ok).collect(),
    };
    let mut total = 0;
    let mut all = Vec::new();
    for p in parts {
        total += p["totalResults"].as_i64().unwrap_or(0);
        if let Some(Value::Array(r)) = p.get("Resources") {
            all.extend(r.iter().cloned());
        }
    }
    let page: Vec<Value> = all
        .into_iter()
        .skip((start - 1) as usize)
        .take(count as usize)
        .collect();
    Ok(json(
        StatusCode::OK,
        serde_json::json!({
            "schemas": [embarq_domain::scim::LIST_RESPONSE],
            "totalResults": total,
            "startIndex": start,
            "itemsPerPage": page.len(),
            "Resources": page,
        }),
    ))
}
