//! Help centre articles, the help sphere and its administrators over the API.
use super::docs::{ArticleText, Email, Forbidden, Invalid, NotFound, Title, Unauthorized};
use super::extract::{ApiAuth, ApiJson, ApiPath, ApiQuery};
use crate::error::ApiResult;
use crate::service::help::{self, ArticleInput};
use crate::state::{AppState, WebState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use embarq_domain::{Id, UserId};
use embarq_store::{HelpAdmin, HelpArticle};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list_articles, create_article))
        .routes(routes!(get_article, update_article, delete_article))
        .routes(routes!(help_sphere))
        .routes(routes!(add_help_admin))
        .routes(routes!(remove_help_admin))
}

#[derive(Serialize, ToSchema)]
pub struct ArticleDto {
    pub id: Uuid,
    pub title: String,
    pub body_md: String,
    /// Sanitized HTML.
    pub body_html: String,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub created_at: i64,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub updated_at: i64,
}

impl From<HelpArticle> for ArticleDto {
    fn from(a: HelpArticle) -> Self {
        ArticleDto {
            id: a.id,
            title: a.title,
            body_md: a.body_md,
            body_html: a.body_html,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct HelpAdminDto {
    pub user_id: Uuid,
    pub display_name: String,
    pub email: String,
    pub org_role: String,
}

impl From<HelpAdmin> for HelpAdminDto {
    fn from(a: HelpAdmin) -> Self {
        HelpAdminDto {
            user_id: a.user_id.into(),
            display_name: a.display_name,
            email: a.email,
            org_role: a.org_role.to_string(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct HelpSphereDto {
    pub sphere_id: Uuid,
    pub admins: Vec<HelpAdminDto>,
}

/// A help-centre article.
#[derive(Deserialize, ToSchema)]
#[schema(as = ArticleInput)]
pub struct ArticleBody {
    #[serde(default)]
    #[schema(value_type = Title, inline, required = true)]
    title: String,
    /// Markdown (sanitized when shown).
    #[serde(default)]
    #[schema(value_type = ArticleText, inline, required = true)]
    body: String,
}

impl From<ArticleBody> for ArticleInput {
    fn from(b: ArticleBody) -> Self {
        ArticleInput {
            title: b.title,
            body: b.body,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words the title contains.
    q: Option<String>,
}

/// Help-centre articles, by title; `q` searches titles.
#[utoipa::path(get, path = "/help/articles", tag = "guidance", params(SearchQuery),
    responses((status = 200, description = "Articles", body = Vec<ArticleDto>), Unauthorized))]
async fn list_articles(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<Json<Vec<ArticleDto>>> {
    let items = help::articles(&state, &auth, q.q.as_deref().unwrap_or_default()).await?;
    Ok(Json(super::dto::list(items)))
}

/// Writes an article (organization managers).
#[utoipa::path(post, path = "/help/articles", tag = "guidance", request_body = ArticleBody,
    responses((status = 201, description = "The article", body = ArticleDto), Unauthorized, Forbidden, Invalid))]
async fn create_article(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiJson(i): ApiJson<ArticleBody>,
) -> ApiResult<(StatusCode, Json<ArticleDto>)> {
    let i = ArticleInput::from(i);
    Ok((
        StatusCode::CREATED,
        Json(help::create_article(&state, &auth, &i).await?.into()),
    ))
}

/// One article.
#[utoipa::path(get, path = "/help/articles/{id}", tag = "guidance", params(("id" = uuid::Uuid, Path, description = "Article id")),
    responses((status = 200, description = "The article", body = ArticleDto), Unauthorized, NotFound))]
async fn get_article(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<Json<ArticleDto>> {
    Ok(Json(help::article(&state, &auth, id).await?.into()))
}

/// Replaces an article (organization managers).
#[utoipa::path(put, path = "/help/articles/{id}", tag = "guidance", params(("id" = uuid::Uuid, Path, description = "Article id")),
    request_body = ArticleBody,
    responses((status = 200, description = "The article", body = ArticleDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn update_article(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
    ApiJson(i): ApiJson<ArticleBody>,
) -> ApiResult<Json<ArticleDto>> {
    let i = ArticleInput::from(i);
    Ok(Json(
        help::update_article(&state, &auth, id, &i).await?.into(),
    ))
}

/// Deletes an article (organization managers).
#[utoipa::path(delete, path = "/help/articles/{id}", tag = "guidance", params(("id" = uuid::Uuid, Path, description = "Article id")),
    responses((status = 204, description = "Deleted"), Unauthorized, Forbidden, NotFound))]
async fn delete_article(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<StatusCode> {
    help::delete_article(&state, &auth, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The help sphere and its administrators (organization managers); created if missing.
#[utoipa::path(get, path = "/help/sphere", tag = "guidance",
    responses((status = 200, description = "The help sphere", body = HelpSphereDto), Unauthorized, Forbidden))]
async fn help_sphere(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
) -> ApiResult<Json<HelpSphereDto>> {
    let (sphere_id, admins) = help::admins(&state, &auth).await?;
    Ok(Json(HelpSphereDto {
        sphere_id: sphere_id.into(),
        admins: super::dto::list(admins),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct EmailInput {
    #[serde(default)]
    #[schema(value_type = Email, inline, required = true)]
    email: String,
}

/// Names a member (by e-mail) administrator of the help sphere (organization managers).
#[utoipa::path(post, path = "/help/sphere/admins", tag = "guidance", request_body = EmailInput,
    responses((status = 201, description = "The new administrator", body = HelpAdminDto), Unauthorized, Forbidden, Invalid))]
async fn add_help_admin(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiJson(i): ApiJson<EmailInput>,
) -> ApiResult<(StatusCode, Json<HelpAdminDto>)> {
    Ok((
        StatusCode::CREATED,
        Json(help::add_admin(&state, &auth, &i.email).await?.into()),
    ))
}

/// Withdraws a help-sphere administrator (organization managers); one must remain.
#[utoipa::path(delete, path = "/help/sphere/admins/{id}", tag = "guidance", params(("id" = uuid::Uuid, Path, description = "Member id")),
    responses((status = 204, description = "Withdrawn"), Unauthorized, Forbidden, NotFound, Invalid))]
async fn remove_help_admin(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<UserId>,
) -> ApiResult<StatusCode> {
    help::remove_admin(&state, &auth, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
