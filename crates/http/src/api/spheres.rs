//! Spheres: listing, creation, settings, membership, invitations and join requests.
use super::docs::{
    Conflict, Description, Forbidden, Invalid, Name, NotFound, SphereKindName, SphereRoleName,
    Unauthorized,
};
use super::dto::{JoinDto, RequestDto, SphereDto, SphereMemberDto, list};
use super::extract::{ApiAuth, ApiJson, ApiPath};
use crate::error::{ApiResult, AppError};
use crate::service::spheres::{self, SphereInput};
use crate::state::{AppState, WebState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use embarq_domain::validate::FieldError;
use embarq_domain::{Id, SphereId, SphereRole, UserId};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list_spheres, create_sphere))
        .routes(routes!(get_sphere, update_sphere))
        .routes(routes!(join_sphere))
        .routes(routes!(leave_sphere))
        .routes(routes!(list_sphere_members))
        .routes(routes!(invite_to_sphere))
        .routes(routes!(set_sphere_role))
        .routes(routes!(remove_sphere_member))
        .routes(routes!(list_join_requests))
        .routes(routes!(accept_request))
        .routes(routes!(decline_request))
}

/// Spheres the caller can see: every open and closed sphere, and the secret ones they belong to.
#[utoipa::path(get, path = "/spheres", tag = "spheres", responses((status = 200, description = "Visible spheres, by name", body = Vec<SphereDto>), Unauthorized))]
async fn list_spheres(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
) -> ApiResult<Json<Vec<SphereDto>>> {
    let viewer = auth.viewer();
    let spheres = state
        .db
        .visible_spheres(auth.user.org_id, auth.user.id, false)
        .await?;
    Ok(Json(
        spheres
            .into_iter()
            .map(|s| SphereDto::for_viewer(s, viewer))
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct NewSphere {
    #[serde(default)]
    #[schema(value_type = Name, inline, required = true)]
    name: String,
    #[serde(default)]
    #[schema(value_type = Description, inline)]
    description: String,
    #[serde(default)]
    #[schema(value_type = SphereKindName, required = true)]
    kind: String,
    /// Publications of plain members wait for a publication manager.
    #[serde(default)]
    requires_approval: bool,
}

/// Creates a sphere; the caller becomes its administrator.
#[utoipa::path(post, path = "/spheres", tag = "spheres", request_body = NewSphere,
    responses((status = 201, description = "The new sphere", body = SphereDto), Unauthorized, Forbidden, Invalid))]
async fn create_sphere(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiJson(b): ApiJson<NewSphere>,
) -> ApiResult<(StatusCode, Json<SphereDto>)> {
    let input = SphereInput {
        name: b.name,
        description: b.description,
        kind: b.kind,
        requires_approval: b.requires_approval,
    };
    let id = spheres::create(&state, &auth, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(spheres::load(&state, &auth, id).await?.into()),
    ))
}

/// One sphere with what the caller may do in it. Secret spheres of others are 404.
#[utoipa::path(get, path = "/spheres/{id}", tag = "spheres", params(("id" = uuid::Uuid, Path, description = "Sphere id")),
    responses((status = 200, description = "The sphere", body = SphereDto), Unauthorized, NotFound))]
async fn get_sphere(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<SphereId>,
) -> ApiResult<Json<SphereDto>> {
    Ok(Json(spheres::load(&state, &auth, id).await?.into()))
}

/// Settings to change; absent fields keep their value.
#[derive(Deserialize, ToSchema)]
pub struct SpherePatch {
    #[schema(value_type = Option<Name>, inline)]
    name: Option<String>,
    #[schema(value_type = Option<Description>, inline)]
    description: Option<String>,
    #[schema(value_type = Option<SphereKindName>)]
    kind: Option<String>,
    requires_approval: Option<bool>,
}

/// Changes a sphere's settings (sphere administrators).
#[utoipa::path(patch, path = "/spheres/{id}", tag = "spheres", params(("id" = uuid::Uuid, Path, description = "Sphere id")),
    request_body = SpherePatch,
    responses((status = 200, description = "The updated sphere", body = SphereDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn update_sphere(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<SphereId>,
    ApiJson(p): ApiJson<SpherePatch>,
) -> ApiResult<Json<SphereDto>> {
    let s = spheres::load(&state, &auth, id).await?.into_sphere();
    let input = SphereInput {
        name: p.name.unwrap_or(s.name),
        description: p.description.unwrap_or(s.description),
        kind: p.kind.unwrap_or_else(|| s.kind.to_string()),
        requires_approval: p.requires_approval.unwrap_or(s.requires_approval),
    };
    spheres::update(&state, &auth, id, &input).await?;
    Ok(Json(spheres::load(&state, &auth, id).await?.into()))
}

/// Joins an open sphere, or asks to join a closed one (`member` is then false); a pending
/// invitation to a closed sphere is accepted instead (`member` true).
#[utoipa::path(post, path = "/spheres/{id}/join", tag = "spheres", params(("id" = uuid::Uuid, Path, description = "Sphere id")),
    responses((status = 200, description = "Joined, or asked to join", body = JoinDto), Unauthorized, Forbidden, NotFound))]
async fn join_sphere(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<SphereId>,
) -> ApiResult<Json<JoinDto>> {
    Ok(Json(JoinDto {
        member: spheres::join(&state, &auth, id).await?,
    }))
}

/// Leaves a sphere; its last administrator cannot (`code` `last_admin`).
#[utoipa::path(post, path = "/spheres/{id}/leave", tag = "spheres", params(("id" = uuid::Uuid, Path, description = "Sphere id")),
    responses((status = 204, description = "Left"), Unauthorized, NotFound, Invalid))]
async fn leave_sphere(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<SphereId>,
) -> ApiResult<StatusCode> {
    spheres::leave(&state, &auth, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Members of a sphere, administrators first.
#[utoipa::path(get, path = "/spheres/{id}/members", tag = "spheres", params(("id" = uuid::Uuid, Path, description = "Sphere id")),
    responses((status = 200, description = "Members, administrators first", body = Vec<SphereMemberDto>), Unauthorized, Forbidden, NotFound))]
async fn list_sphere_members(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<SphereId>,
) -> ApiResult<Json<Vec<SphereMemberDto>>> {
    let sphere = spheres::readable(&state, &auth, id).await?;
    let m = spheres::members(&state, &sphere).await?;
    Ok(Json(list(m)))
}

#[derive(Deserialize, ToSchema)]
pub struct SphereInvitation {
    /// A member of the organization.
    #[schema(value_type = uuid::Uuid)]
    user_id: embarq_domain::UserId,
}

/// Invites a member of the organization into the sphere; they are notified. Someone who
/// already asked to join becomes a member at once. Deactivated accounts answer 404.
#[utoipa::path(post, path = "/spheres/{id}/invitations", tag = "spheres", params(("id" = uuid::Uuid, Path, description = "Sphere id")),
    request_body = SphereInvitation,
    responses((status = 204, description = "Invited"), Unauthorized, Forbidden, NotFound, Conflict, Invalid))]
async fn invite_to_sphere(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<SphereId>,
    ApiJson(b): ApiJson<SphereInvitation>,
) -> ApiResult<StatusCode> {
    spheres::invite(&state, &auth, id, b.user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct SphereRoleInput {
    #[serde(default)]
    #[schema(value_type = SphereRoleName, required = true)]
    role: String,
}

/// Changes a member's role (sphere administrators); non-members are refused (`code` `not_member`).
#[utoipa::path(put, path = "/spheres/{id}/members/{user_id}/role", tag = "spheres",
    params(("id" = uuid::Uuid, Path, description = "Sphere id"), ("user_id" = uuid::Uuid, Path, description = "Member id")),
    request_body = SphereRoleInput,
    responses((status = 204, description = "Role set"), Unauthorized, Forbidden, NotFound, Invalid))]
async fn set_sphere_role(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath((id, user_id)): ApiPath<(SphereId, UserId)>,
    ApiJson(b): ApiJson<SphereRoleInput>,
) -> ApiResult<StatusCode> {
    let role = SphereRole::parse(b.role.trim())
        .ok_or_else(|| AppError::from(FieldError::new("role", "invalid_choice")))?;
    spheres::set_role(&state, &auth, id, user_id, Some(role)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a member from the sphere (sphere administrators); the last administrator stays.
#[utoipa::path(delete, path = "/spheres/{id}/members/{user_id}", tag = "spheres",
    params(("id" = uuid::Uuid, Path, description = "Sphere id"), ("user_id" = uuid::Uuid, Path, description = "Member id")),
    responses((status = 204, description = "Removed"), Unauthorized, Forbidden, NotFound, Invalid))]
async fn remove_sphere_member(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath((id, user_id)): ApiPath<(SphereId, UserId)>,
) -> ApiResult<StatusCode> {
    spheres::set_role(&state, &auth, id, user_id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Pending join requests of a sphere (sphere administrators).
#[utoipa::path(get, path = "/spheres/{id}/requests", tag = "spheres", params(("id" = uuid::Uuid, Path, description = "Sphere id")),
    responses((status = 200, description = "Pending join requests, oldest first", body = Vec<RequestDto>), Unauthorized, Forbidden, NotFound))]
async fn list_join_requests(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<SphereId>,
) -> ApiResult<Json<Vec<RequestDto>>> {
    Ok(Json(list(spheres::join_requests(&state, &auth, id).await?)))
}

/// Accepts a join request (sphere administrators) or an invitation (the invited person).
#[utoipa::path(post, path = "/requests/{id}/accept", tag = "spheres", params(("id" = uuid::Uuid, Path, description = "Request id")),
    responses((status = 204, description = "Accepted: the person is now a member"), Unauthorized, NotFound))]
async fn accept_request(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<StatusCode> {
    spheres::answer_request(&state, &auth, id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Declines a join request (sphere administrators) or an invitation (the invited person).
#[utoipa::path(post, path = "/requests/{id}/decline", tag = "spheres", params(("id" = uuid::Uuid, Path, description = "Request id")),
    responses((status = 204, description = "Declined"), Unauthorized, NotFound))]
async fn decline_request(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<StatusCode> {
    spheres::answer_request(&state, &auth, id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}
