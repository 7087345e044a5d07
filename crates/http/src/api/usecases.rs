//! Use cases and suggestions over the API.
use super::docs::{
    CommentText, Forbidden, Invalid, NotFound, OptCommentText, OptSuggestionStatusChoice, OptTag,
    SuggestionSortChoice, SuggestionStatusChoice, Tag, Title, Unauthorized,
};
use super::extract::{ApiAuth, ApiJson, ApiPath, ApiQuery};
use crate::error::ApiResult;
use crate::service::suggestions::{self, SuggestionInput};
use crate::service::usecases::{self, TagsInput};
use crate::state::{AppState, WebState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use embarq_domain::Id;
use embarq_store::{Suggestion, SuggestionComment, UseCase};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list_use_cases))
        .routes(routes!(mark_use_case, unmark_use_case))
        .routes(routes!(list_suggestions, create_suggestion))
        .routes(routes!(get_suggestion))
        .routes(routes!(vote_suggestion))
        .routes(routes!(comment_suggestion))
        .routes(routes!(set_suggestion_status))
}

#[derive(Serialize, ToSchema)]
pub struct UseCaseDto {
    pub post_id: Uuid,
    pub department: Option<String>,
    pub theme: Option<String>,
    pub sphere_id: Uuid,
    pub sphere_name: String,
    pub author_name: String,
    pub body_html: String,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub created_at: i64,
}

impl From<UseCase> for UseCaseDto {
    fn from(u: UseCase) -> Self {
        UseCaseDto {
            post_id: u.post_id,
            department: u.department,
            theme: u.theme,
            sphere_id: u.sphere_id.into(),
            sphere_name: u.sphere_name,
            author_name: u.author_name,
            body_html: u.body_html,
            created_at: u.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct UseCaseLibraryDto {
    pub items: Vec<UseCaseDto>,
    /// Every department tag in use.
    pub departments: Vec<String>,
    /// Every theme tag in use.
    pub themes: Vec<String>,
}

/// Use-case tags: a theme is required, the department is optional.
#[derive(Deserialize, ToSchema)]
#[schema(as = TagsInput)]
pub struct TagsBody {
    #[serde(default)]
    #[schema(value_type = OptTag, inline)]
    department: String,
    #[serde(default)]
    #[schema(value_type = Tag, inline, required = true)]
    theme: String,
}

/// A suggestion: a title and an optional Markdown text.
#[derive(Deserialize, ToSchema)]
#[schema(as = SuggestionInput)]
pub struct SuggestionBody {
    #[serde(default)]
    #[schema(value_type = Title, inline, required = true)]
    title: String,
    /// Markdown, optional.
    #[serde(default)]
    #[schema(value_type = OptCommentText, inline)]
    body: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UseCaseQuery {
    department: Option<String>,
    theme: Option<String>,
}

/// Use cases whose publication the caller may read, newest first, filtered by tags.
#[utoipa::path(get, path = "/use-cases", tag = "guidance", params(UseCaseQuery),
    responses((status = 200, description = "The library", body = UseCaseLibraryDto), Unauthorized))]
async fn list_use_cases(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiQuery(q): ApiQuery<UseCaseQuery>,
) -> ApiResult<Json<UseCaseLibraryDto>> {
    let lib = usecases::library(
        &state,
        &auth,
        q.department.as_deref().unwrap_or_default(),
        q.theme.as_deref().unwrap_or_default(),
    )
    .await?;
    Ok(Json(UseCaseLibraryDto {
        items: super::dto::list(lib.items),
        departments: lib.departments,
        themes: lib.themes,
    }))
}

/// Marks a publication as a use case, or changes its tags (champions and managers).
#[utoipa::path(put, path = "/posts/{id}/use-case", tag = "guidance", params(("id" = uuid::Uuid, Path, description = "Publication id")),
    request_body = TagsBody,
    responses((status = 200, description = "The use case", body = UseCaseDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn mark_use_case(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
    ApiJson(t): ApiJson<TagsBody>,
) -> ApiResult<Json<UseCaseDto>> {
    let t = TagsInput {
        department: t.department,
        theme: t.theme,
    };
    Ok(Json(usecases::mark(&state, &auth, id, &t).await?.into()))
}

/// Removes a publication from the use cases (champions and managers).
#[utoipa::path(delete, path = "/posts/{id}/use-case", tag = "guidance", params(("id" = uuid::Uuid, Path, description = "Publication id")),
    responses((status = 204, description = "Removed"), Unauthorized, Forbidden, NotFound))]
async fn unmark_use_case(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<StatusCode> {
    usecases::unmark(&state, &auth, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct SuggestionDto {
    pub id: Uuid,
    pub author_id: Uuid,
    pub author_name: String,
    pub title: String,
    pub body_md: String,
    pub body_html: String,
    /// new, under_review, planned, done or declined.
    pub status: String,
    pub vote_count: i64,
    pub comment_count: i64,
    /// Whether the caller voted for it.
    pub voted: bool,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub created_at: i64,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub updated_at: i64,
}

impl From<Suggestion> for SuggestionDto {
    fn from(s: Suggestion) -> Self {
        SuggestionDto {
            id: s.id,
            author_id: s.author_id.into(),
            author_name: s.author_name,
            title: s.title,
            body_md: s.body_md,
            body_html: s.body_html,
            status: s.status,
            vote_count: s.vote_count,
            comment_count: s.comment_count,
            voted: s.voted,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SuggestionCommentDto {
    pub id: Uuid,
    pub author_id: Uuid,
    pub author_name: String,
    pub body_html: String,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub created_at: i64,
}

impl From<SuggestionComment> for SuggestionCommentDto {
    fn from(c: SuggestionComment) -> Self {
        SuggestionCommentDto {
            id: c.id,
            author_id: c.author_id.into(),
            author_name: c.author_name,
            body_html: c.body_html,
            created_at: c.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SuggestionThreadDto {
    pub suggestion: SuggestionDto,
    pub comments: Vec<SuggestionCommentDto>,
}

#[derive(Serialize, ToSchema)]
pub struct VoteDto {
    pub voted: bool,
    pub vote_count: i64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestionQuery {
    /// new, under_review, planned, done or declined.
    #[param(value_type = Option<OptSuggestionStatusChoice>, inline)]
    status: Option<String>,
    /// votes (default) or newest.
    #[param(value_type = Option<SuggestionSortChoice>, inline)]
    sort: Option<String>,
}

/// Suggestions of the organization.
#[utoipa::path(get, path = "/suggestions", tag = "guidance", params(SuggestionQuery),
    responses((status = 200, description = "Suggestions", body = Vec<SuggestionDto>), Unauthorized, Invalid))]
async fn list_suggestions(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiQuery(q): ApiQuery<SuggestionQuery>,
) -> ApiResult<Json<Vec<SuggestionDto>>> {
    let (status, by_votes) = suggestions::parse_filters(
        q.status.as_deref().unwrap_or_default(),
        q.sort.as_deref().unwrap_or_default(),
    )?;
    let items = suggestions::list(&state, &auth, status, by_votes).await?;
    Ok(Json(super::dto::list(items)))
}

/// Submits a suggestion (status `new`).
#[utoipa::path(post, path = "/suggestions", tag = "guidance", request_body = SuggestionBody,
    responses((status = 201, description = "The suggestion", body = SuggestionDto), Unauthorized, Invalid))]
async fn create_suggestion(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiJson(i): ApiJson<SuggestionBody>,
) -> ApiResult<(StatusCode, Json<SuggestionDto>)> {
    let i = SuggestionInput {
        title: i.title,
        body: i.body,
    };
    Ok((
        StatusCode::CREATED,
        Json(suggestions::create(&state, &auth, &i).await?.into()),
    ))
}

/// A suggestion with its comments.
#[utoipa::path(get, path = "/suggestions/{id}", tag = "guidance", params(("id" = uuid::Uuid, Path, description = "Suggestion id")),
    responses((status = 200, description = "The suggestion", body = SuggestionThreadDto), Unauthorized, NotFound))]
async fn get_suggestion(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<Json<SuggestionThreadDto>> {
    let (s, comments) = suggestions::thread(&state, &auth, id).await?;
    Ok(Json(SuggestionThreadDto {
        suggestion: s.into(),
        comments: super::dto::list(comments),
    }))
}

/// Toggles the caller's vote (one per member).
#[utoipa::path(post, path = "/suggestions/{id}/vote", tag = "guidance", params(("id" = uuid::Uuid, Path, description = "Suggestion id")),
    responses((status = 200, description = "The vote after the toggle", body = VoteDto), Unauthorized, NotFound))]
async fn vote_suggestion(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<Json<VoteDto>> {
    let (voted, vote_count) = suggestions::vote(&state, &auth, id).await?;
    Ok(Json(VoteDto { voted, vote_count }))
}

#[derive(Deserialize, ToSchema)]
pub struct CommentInput {
    #[serde(default)]
    #[schema(value_type = CommentText, inline, required = true)]
    body: String,
}

/// Comments a suggestion.
#[utoipa::path(post, path = "/suggestions/{id}/comments", tag = "guidance", params(("id" = uuid::Uuid, Path, description = "Suggestion id")),
    request_body = CommentInput,
    responses((status = 201, description = "The comment", body = SuggestionCommentDto), Unauthorized, NotFound, Invalid))]
async fn comment_suggestion(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
    ApiJson(c): ApiJson<CommentInput>,
) -> ApiResult<(StatusCode, Json<SuggestionCommentDto>)> {
    let c = suggestions::comment(&state, &auth, id, &c.body).await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

#[derive(Deserialize, ToSchema)]
#[schema(as = SuggestionStatusInput)]
pub struct StatusInput {
    /// new, under_review, planned, done or declined.
    #[serde(default)]
    #[schema(value_type = SuggestionStatusChoice, inline, required = true)]
    status: String,
}

/// Sets the status (organization managers); the author is notified of a change.
#[utoipa::path(put, path = "/suggestions/{id}/status", tag = "guidance", params(("id" = uuid::Uuid, Path, description = "Suggestion id")),
    request_body = StatusInput,
    responses((status = 200, description = "The suggestion", body = SuggestionDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn set_suggestion_status(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
    ApiJson(s): ApiJson<StatusInput>,
) -> ApiResult<Json<SuggestionDto>> {
    Ok(Json(
        suggestions::set_status(&state, &auth, id, &s.status)
            .await?
            .into(),
    ))
}
