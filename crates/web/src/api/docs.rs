//! Pieces of the OpenAPI document shared by every operation: security schemes and the
//! problem+json error responses.
#![allow(
    dead_code,
    reason = "the response types only document; handlers answer ApiError"
)]
use crate::auth::SESSION_COOKIE;
use crate::error::Problem;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};

/// Declares the two ways to authenticate.
pub struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let c = openapi.components.get_or_insert_with(Default::default);
        let mut bearer = Http::new(HttpAuthScheme::Bearer);
        bearer.description =
            Some("A personal access token created with POST /api/v1/tokens.".to_string());
        c.add_security_scheme("bearer", SecurityScheme::Http(bearer));
        c.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                "The web session; state-changing requests must also send X-CSRF-Token.",
            ))),
        );
    }
}

/// Not signed in, or the token is unknown or revoked.
#[derive(utoipa::IntoResponses)]
#[response(status = 401, content_type = "application/problem+json")]
pub struct Unauthorized(Problem);

/// Signed in but not allowed to do this (or a missing CSRF token).
#[derive(utoipa::IntoResponses)]
#[response(status = 403, content_type = "application/problem+json")]
pub struct Forbidden(Problem);

/// Unknown, or invisible to the caller (secret spheres answer 404, never 403).
#[derive(utoipa::IntoResponses)]
#[response(status = 404, content_type = "application/problem+json")]
pub struct NotFound(Problem);

/// Already exists (`code` says what).
#[derive(utoipa::IntoResponses)]
#[response(status = 409, content_type = "application/problem+json")]
pub struct Conflict(Problem);

/// Invalid input (`errors` lists the fields) or refused by a rule of the product (`code`).
#[derive(utoipa::IntoResponses)]
#[response(status = 422, content_type = "application/problem+json")]
pub struct Invalid(Problem);

/// Role of a person in the organization.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgRoleName {
    Manager,
    Member,
}

/// Lifecycle of an account.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserStatusName {
    Invited,
    Active,
    Deactivated,
}

/// Who can see and join a sphere.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SphereKindName {
    Open,
    Closed,
    Secret,
}

/// Role of a person inside a sphere.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SphereRoleName {
    Admin,
    Publisher,
    Member,
}

/// A join request (asked by the person) or an invitation (sent to the person).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestKindName {
    Request,
    Invitation,
}

/// Whether a publication is visible or waits for approval.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PostStatusName {
    Published,
    Pending,
}
