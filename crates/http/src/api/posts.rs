//! Publications: feeds, publishing, comments, reactions and moderation.
use super::docs::{Cursor, Forbidden, Invalid, NotFound, ReactionChoice, Unauthorized};
use super::dto::{
    BodyInput, CommentDto, PostDto, PostInput, PostPageDto, ReactionStateDto, ThreadDto, list,
};
use super::extract::{ApiAuth, ApiJson, ApiPath, ApiQuery};
use crate::error::ApiResult;
use crate::service::posts::{self, Page};
use crate::service::spheres;
use crate::state::{AppState, WebState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use embarq_domain::{Id, SphereId};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(home_feed))
        .routes(routes!(sphere_feed, create_post))
        .routes(routes!(list_pending_posts))
        .routes(routes!(get_post, delete_post))
        .routes(routes!(create_comment))
        .routes(routes!(toggle_reaction))
        .routes(routes!(approve_post))
        .routes(routes!(decline_post))
        .routes(routes!(pin_post))
        .routes(routes!(unpin_post))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// The `next` cursor of the previous page.
    #[param(value_type = Option<Cursor>, inline)]
    after: Option<String>,
}

impl From<Page> for PostPageDto {
    fn from(p: Page) -> Self {
        PostPageDto {
            items: list(p.posts),
            next: p.next,
        }
    }
}

/// Publications of the caller's spheres, newest first, 20 per page.
#[utoipa::path(get, path = "/feed", tag = "posts", params(FeedQuery),
    responses((status = 200, description = "A page of publications", body = PostPageDto), Unauthorized, Invalid))]
async fn home_feed(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiQuery(q): ApiQuery<FeedQuery>,
) -> ApiResult<Json<PostPageDto>> {
    Ok(Json(
        posts::home_feed(&state, &auth, q.after.as_deref())
            .await?
            .into(),
    ))
}

/// Published publications of a sphere, newest first, 20 per page.
#[utoipa::path(get, path = "/spheres/{id}/posts", tag = "posts", params(("id" = uuid::Uuid, Path, description = "Sphere id"), FeedQuery),
    responses((status = 200, description = "A page of publications", body = PostPageDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn sphere_feed(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<SphereId>,
    ApiQuery(q): ApiQuery<FeedQuery>,
) -> ApiResult<Json<PostPageDto>> {
    let sphere = spheres::readable(&state, &auth, id).await?;
    let page = posts::sphere_feed(&state, &auth, &sphere, q.after.as_deref()).await?;
    Ok(Json(page.into()))
}

/// Publishes in a sphere.
///
/// In a sphere that requires approval, a plain member's publication is `pending` until a
/// publication manager approves it. Mentioned members who can read the sphere are notified.
#[utoipa::path(post, path = "/spheres/{id}/posts", tag = "posts", params(("id" = uuid::Uuid, Path, description = "Sphere id")),
    request_body = PostInput,
    responses((status = 201, description = "The publication (`published` or `pending`)", body = PostDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn create_post(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<SphereId>,
    ApiJson(b): ApiJson<PostInput>,
) -> ApiResult<(StatusCode, Json<PostDto>)> {
    let sphere = spheres::load(&state, &auth, id).await?;
    let post = posts::create(&state, &auth, &sphere, &b.body).await?;
    Ok((StatusCode::CREATED, Json(post.into())))
}

/// Publications waiting for approval (publication managers and administrators).
#[utoipa::path(get, path = "/spheres/{id}/pending", tag = "posts", params(("id" = uuid::Uuid, Path, description = "Sphere id")),
    responses((status = 200, description = "Publications waiting for approval", body = Vec<PostDto>), Unauthorized, Forbidden, NotFound))]
async fn list_pending_posts(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<SphereId>,
) -> ApiResult<Json<Vec<PostDto>>> {
    let sphere = spheres::load(&state, &auth, id).await?;
    Ok(Json(list(posts::pending(&state, &sphere).await?)))
}

/// A publication with its sphere, comments and reactions.
#[utoipa::path(get, path = "/posts/{id}", tag = "posts", params(("id" = uuid::Uuid, Path, description = "Publication id")),
    responses((status = 200, description = "The publication and its thread", body = ThreadDto), Unauthorized, NotFound))]
async fn get_post(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<Json<ThreadDto>> {
    let t = posts::thread(&state, &auth, id).await?;
    Ok(Json(ThreadDto {
        post: t.post.into(),
        sphere: t.visible.into(),
        comments: list(t.comments),
        reactions: list(t.reactions),
        reactors: list(t.reactors),
    }))
}

/// Deletes a publication (its author, or the sphere's moderators).
#[utoipa::path(delete, path = "/posts/{id}", tag = "posts", params(("id" = uuid::Uuid, Path, description = "Publication id")),
    responses((status = 204, description = "Deleted"), Unauthorized, Forbidden, NotFound))]
async fn delete_post(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<StatusCode> {
    posts::delete(&state, &auth, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Comments a published publication (members of its sphere).
#[utoipa::path(post, path = "/posts/{id}/comments", tag = "posts", params(("id" = uuid::Uuid, Path, description = "Publication id")),
    request_body = BodyInput,
    responses((status = 201, description = "The comment", body = CommentDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn create_comment(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
    ApiJson(b): ApiJson<BodyInput>,
) -> ApiResult<(StatusCode, Json<CommentDto>)> {
    let c = posts::comment(&state, &auth, id, &b.body).await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

#[derive(Deserialize, ToSchema)]
pub struct ReactionInput {
    /// One of 👍 ❤️ 🎉 😂 💡
    #[serde(default)]
    #[schema(value_type = ReactionChoice, inline, required = true, example = "👍")]
    emoji: String,
}

/// Toggles the caller's reaction: sets it, or removes it if already set.
#[utoipa::path(post, path = "/posts/{id}/reactions", tag = "posts", params(("id" = uuid::Uuid, Path, description = "Publication id")),
    request_body = ReactionInput,
    responses((status = 200, description = "The reaction state after the toggle", body = ReactionStateDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn toggle_reaction(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
    ApiJson(b): ApiJson<ReactionInput>,
) -> ApiResult<Json<ReactionStateDto>> {
    Ok(Json(ReactionStateDto {
        active: posts::react(&state, &auth, id, &b.emoji).await?,
    }))
}

/// Approves a pending publication (publication managers); its author is notified.
#[utoipa::path(post, path = "/posts/{id}/approve", tag = "posts", params(("id" = uuid::Uuid, Path, description = "Publication id")),
    responses((status = 204, description = "Published"), Unauthorized, Forbidden, NotFound, Invalid))]
async fn approve_post(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<StatusCode> {
    posts::approve(&state, &auth, id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Declines (deletes) a pending publication (publication managers); its author is notified.
#[utoipa::path(post, path = "/posts/{id}/decline", tag = "posts", params(("id" = uuid::Uuid, Path, description = "Publication id")),
    responses((status = 204, description = "Declined"), Unauthorized, Forbidden, NotFound, Invalid))]
async fn decline_post(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<StatusCode> {
    posts::approve(&state, &auth, id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Pins a publication at the top of its sphere (publication managers).
#[utoipa::path(post, path = "/posts/{id}/pin", tag = "posts", params(("id" = uuid::Uuid, Path, description = "Publication id")),
    responses((status = 204, description = "Pinned"), Unauthorized, Forbidden, NotFound))]
async fn pin_post(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<StatusCode> {
    posts::pin(&state, &auth, id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Unpins a publication (publication managers).
#[utoipa::path(post, path = "/posts/{id}/unpin", tag = "posts", params(("id" = uuid::Uuid, Path, description = "Publication id")),
    responses((status = 204, description = "Unpinned"), Unauthorized, Forbidden, NotFound))]
async fn unpin_post(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<StatusCode> {
    posts::pin(&state, &auth, id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}
