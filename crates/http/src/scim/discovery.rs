//! Discovery endpoints (RFC 7644 §4): /ServiceProviderConfig, /ResourceTypes, /Schemas.
//! They answer to an authenticated caller only, like the rest of /scim/v2.
use super::{MAX_RESULTS, ScimCaller, ScimErr, ScimResult, base_url, json, method_not_allowed};
use crate::state::{AppState, WebState};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use embarq_domain::scim::{LIST_RESPONSE, Limits, ScimError, schemas};
use serde_json::{Value, json};

/// Bulk limits advertised (helper C's bulk endpoint enforces the same numbers).
pub const LIMITS: Limits = Limits {
    bulk_max_operations: 1000,
    bulk_max_payload: 1024 * 1024,
    filter_max_results: MAX_RESULTS,
};

pub fn router() -> Router<WebState> {
    Router::new()
        .route(
            "/ServiceProviderConfig",
            get(service_provider_config).fallback(method_not_allowed),
        )
        .route(
            "/ResourceTypes",
            get(resource_types).fallback(method_not_allowed),
        )
        .route(
            "/ResourceTypes/{id}",
            get(resource_type).fallback(method_not_allowed),
        )
        .route("/Schemas", get(all_schemas).fallback(method_not_allowed))
        .route("/Schemas/{id}", get(schema).fallback(method_not_allowed))
}

fn list(resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_RESPONSE],
        "totalResults": resources.len(),
        "startIndex": 1,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

async fn service_provider_config(State(state): State<AppState>, _: ScimCaller) -> ScimResult {
    Ok(json(
        StatusCode::OK,
        schemas::service_provider_config_json(&base_url(&state), &LIMITS),
    ))
}

async fn resource_types(State(state): State<AppState>, _: ScimCaller) -> ScimResult {
    Ok(json(
        StatusCode::OK,
        list(schemas::resource_types_json(&base_url(&state))),
    ))
}

async fn resource_type(
    State(state): State<AppState>,
    _: ScimCaller,
    Path(id): Path<String>,
) -> ScimResult {
    schemas::resource_types_json(&base_url(&state))
        .into_iter()
        .find(|r| r.get("id").and_then(Value::as_str) == Some(id.as_str()))
        .map(|r| json(StatusCode::OK, r))
        .ok_or_else(|| ScimErr(ScimError::not_found(format!("No resource type \"{id}\"."))))
}

async fn all_schemas(State(state): State<AppState>, _: ScimCaller) -> ScimResult {
    Ok(json(
        StatusCode::OK,
        list(schemas::schemas_json(&base_url(&state))),
    ))
}

async fn schema(
    State(state): State<AppState>,
    _: ScimCaller,
    Path(id): Path<String>,
) -> ScimResult {
    schemas::schemas_json(&base_url(&state))
        .into_iter()
        .find(|s| s.get("id").and_then(Value::as_str) == Some(id.as_str()))
        .map(|s| json(StatusCode::OK, s))
        .ok_or_else(|| ScimErr(ScimError::not_found(format!("No schema \"{id}\"."))))
}
