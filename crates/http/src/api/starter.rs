//! Starter kit and checklists over the API.
use super::docs::{
    DirectionChoice, Forbidden, Invalid, KitKindChoice, KitRoleChoice, NotFound, OptKitRoleChoice,
    OptKitText, OptLink, Title, Unauthorized,
};
use super::extract::{ApiAuth, ApiJson, ApiPath, ApiQuery};
use crate::error::ApiResult;
use crate::service::checklists::{self, Checklist, RoleSummary};
use crate::service::starter::{self, KitInput};
use crate::state::{AppState, WebState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use embarq_domain::Id;
use embarq_store::KitItemRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list_kit, create_kit_item))
        .routes(routes!(update_kit_item, delete_kit_item))
        .routes(routes!(move_kit_item))
        .routes(routes!(my_checklist))
        .routes(routes!(checklist_summary))
}

#[derive(Serialize, ToSchema)]
pub struct KitItemDto {
    pub id: Uuid,
    pub title: String,
    /// guide, tutorial, video or best_practice.
    pub kind: String,
    pub url: Option<String>,
    pub body_md: String,
    /// Sanitized HTML of the body.
    pub body_html: String,
    /// everyone, organization_manager, sphere_admin, member or champion.
    pub target_role: String,
    pub position: i64,
}

impl From<KitItemRow> for KitItemDto {
    fn from(i: KitItemRow) -> Self {
        KitItemDto {
            id: i.id,
            title: i.title,
            kind: i.kind,
            url: i.url,
            body_md: i.body_md,
            body_html: i.body_html,
            target_role: i.target_role,
            position: i.position,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoleQuery {
    /// Only the resources for this role (and for everyone).
    #[param(value_type = Option<OptKitRoleChoice>, inline)]
    role: Option<String>,
}

/// A starter-kit resource: a URL or a body is required.
#[derive(Deserialize, ToSchema)]
#[schema(as = KitInput)]
pub struct KitBody {
    #[serde(default)]
    #[schema(value_type = Title, inline, required = true)]
    title: String,
    #[serde(default)]
    #[schema(value_type = KitKindChoice, inline, required = true)]
    kind: String,
    /// An http(s) link; a URL or a body is required.
    #[serde(default)]
    #[schema(value_type = OptLink, inline)]
    url: String,
    /// Markdown.
    #[serde(default)]
    #[schema(value_type = OptKitText, inline)]
    body: String,
    #[serde(default)]
    #[schema(value_type = KitRoleChoice, inline, required = true)]
    target_role: String,
}

impl From<KitBody> for KitInput {
    fn from(b: KitBody) -> Self {
        KitInput {
            title: b.title,
            kind: b.kind,
            url: b.url,
            body: b.body,
            target_role: b.target_role,
        }
    }
}

/// The organization's starter kit in display order.
#[utoipa::path(get, path = "/starter-kit", tag = "guidance", params(RoleQuery),
    responses((status = 200, description = "The resources", body = Vec<KitItemDto>), Unauthorized, Invalid))]
async fn list_kit(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiQuery(q): ApiQuery<RoleQuery>,
) -> ApiResult<Json<Vec<KitItemDto>>> {
    let role = starter::parse_role(q.role.as_deref())?;
    Ok(Json(super::dto::list(
        starter::list(&state, &auth, role).await?,
    )))
}

/// Adds a resource at the end of the kit (organization managers).
#[utoipa::path(post, path = "/starter-kit", tag = "guidance", request_body = KitBody,
    responses((status = 201, description = "The resource", body = KitItemDto), Unauthorized, Forbidden, Invalid))]
async fn create_kit_item(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiJson(i): ApiJson<KitBody>,
) -> ApiResult<(StatusCode, Json<KitItemDto>)> {
    let i = KitInput::from(i);
    Ok((
        StatusCode::CREATED,
        Json(starter::create(&state, &auth, &i).await?.into()),
    ))
}

/// Replaces a resource (organization managers).
#[utoipa::path(put, path = "/starter-kit/{id}", tag = "guidance", params(("id" = uuid::Uuid, Path, description = "Resource id")),
    request_body = KitBody,
    responses((status = 200, description = "The resource", body = KitItemDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn update_kit_item(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
    ApiJson(i): ApiJson<KitBody>,
) -> ApiResult<Json<KitItemDto>> {
    let i = KitInput::from(i);
    Ok(Json(starter::update(&state, &auth, id, &i).await?.into()))
}

/// Deletes a resource (organization managers).
#[utoipa::path(delete, path = "/starter-kit/{id}", tag = "guidance", params(("id" = uuid::Uuid, Path, description = "Resource id")),
    responses((status = 204, description = "Deleted"), Unauthorized, Forbidden, NotFound))]
async fn delete_kit_item(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<StatusCode> {
    starter::delete(&state, &auth, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct MoveInput {
    /// up or down.
    #[serde(default)]
    #[schema(value_type = DirectionChoice, inline, required = true)]
    direction: String,
}

/// Moves a resource one place up or down (organization managers).
#[utoipa::path(post, path = "/starter-kit/{id}/move", tag = "guidance", params(("id" = uuid::Uuid, Path, description = "Resource id")),
    request_body = MoveInput,
    responses((status = 200, description = "The kit in its new order", body = Vec<KitItemDto>), Unauthorized, Forbidden, NotFound, Invalid))]
async fn move_kit_item(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
    ApiJson(m): ApiJson<MoveInput>,
) -> ApiResult<Json<Vec<KitItemDto>>> {
    starter::move_item(&state, &auth, id, &m.direction).await?;
    Ok(Json(super::dto::list(
        starter::list(&state, &auth, None).await?,
    )))
}

/// The caller's checklists (one per role they hold), each item done by a real action.
#[utoipa::path(get, path = "/checklist", tag = "guidance",
    responses((status = 200, description = "Checklists with progress", body = Vec<Checklist>), Unauthorized))]
async fn my_checklist(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
) -> ApiResult<Json<Vec<Checklist>>> {
    Ok(Json(checklists::mine(&state, &auth).await?))
}

/// Per role, the share of people who completed each item (organization managers).
#[utoipa::path(get, path = "/checklists/summary", tag = "guidance",
    responses((status = 200, description = "Completion per role and item", body = Vec<RoleSummary>), Unauthorized, Forbidden))]
async fn checklist_summary(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
) -> ApiResult<Json<Vec<RoleSummary>>> {
    Ok(Json(checklists::summary(&state, &auth).await?))
}
