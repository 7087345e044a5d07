//! Polls: publish a publication with a poll, vote (or change a named poll's vote) until
//! closing, close early, read the results. Anonymous polls' results name nobody.
use super::docs::{
    Conflict, Forbidden, Invalid, NotFound, PollQuestion, PostText, Title, Unauthorized,
};
use super::dto::PostDto;
use super::extract::{ApiAuth, ApiJson, ApiPath};
use crate::error::ApiResult;
use crate::service::polls::{self as svc, PollInput, Results};
use crate::service::posts;
use crate::state::{AppState, WebState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use embarq_domain::validate::FieldError;
use embarq_domain::{Id, SphereId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(create_poll_post))
        .routes(routes!(get_poll))
        .routes(routes!(get_post_poll))
        .routes(routes!(vote_poll))
        .routes(routes!(close_poll))
}

/// A person who chose an option (named polls only).
#[derive(Serialize, ToSchema)]
pub struct PollVoterDto {
    pub user_id: uuid::Uuid,
    pub display_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct PollOptionDto {
    pub id: uuid::Uuid,
    pub label: String,
    pub votes: i64,
    /// Share of voters who chose it (0-100).
    pub percent: f64,
    /// Who chose it; absent for anonymous polls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voters: Option<Vec<PollVoterDto>>,
}

#[derive(Serialize, ToSchema)]
pub struct PollDto {
    pub id: uuid::Uuid,
    pub post_id: uuid::Uuid,
    pub question: String,
    /// Several options may be chosen.
    pub multiple: bool,
    /// Nobody, not even managers, can see who voted what.
    pub anonymous: bool,
    /// Null: open until closed by hand.
    #[serde(with = "super::time::opt_ms")]
    #[schema(value_type = Option<super::time::Instant>)]
    pub closes_at: Option<i64>,
    pub open: bool,
    /// How many people voted.
    pub voter_count: i64,
    pub options: Vec<PollOptionDto>,
    /// The caller voted.
    pub voted: bool,
    /// The caller's choices (named polls only; empty for anonymous polls).
    pub my_choices: Vec<uuid::Uuid>,
    pub can_vote: bool,
    pub can_close: bool,
}

impl From<Results> for PollDto {
    fn from(r: Results) -> Self {
        let anonymous = r.poll.anonymous;
        PollDto {
            id: r.poll.id,
            post_id: r.post_id,
            question: r.poll.question,
            multiple: r.poll.multiple,
            anonymous,
            closes_at: r.poll.closes_at,
            open: r.open,
            voter_count: r.voters,
            options: r
                .options
                .into_iter()
                .map(|o| PollOptionDto {
                    id: o.option.id,
                    label: o.option.label,
                    votes: o.option.votes,
                    percent: o.percent,
                    voters: (!anonymous).then(|| {
                        o.voters
                            .into_iter()
                            .map(|(user_id, display_name)| PollVoterDto {
                                user_id: user_id.into(),
                                display_name,
                            })
                            .collect()
                    }),
                })
                .collect(),
            voted: r.voted,
            my_choices: if anonymous { Vec::new() } else { r.my_choices },
            can_vote: r.can_vote,
            can_close: r.can_close,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct PollInputDto {
    #[serde(default)]
    #[schema(value_type = PollQuestion, inline, required = true)]
    pub question: String,
    /// 2 to 20 distinct, non-empty options (compared without case or surrounding spaces).
    #[serde(default)]
    #[schema(value_type = Vec<Title>, inline, required = true, min_items = 2, max_items = 20)]
    pub options: Vec<String>,
    #[serde(default)]
    pub multiple: bool,
    #[serde(default)]
    pub anonymous: bool,
    /// An instant (RFC 3339) in the future; null: no closing date.
    #[serde(default, with = "super::time::opt_ms")]
    #[schema(value_type = Option<super::time::Instant>)]
    pub closes_at: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
pub struct PollPostInput {
    /// The publication's Markdown text.
    #[serde(default)]
    #[schema(value_type = PostText, inline, required = true)]
    pub body: String,
    pub poll: PollInputDto,
}

#[derive(Serialize, ToSchema)]
pub struct PollPostDto {
    pub post: PostDto,
    pub poll: PollDto,
}

#[derive(Deserialize, ToSchema)]
pub struct VoteInput {
    /// One option on a single-choice poll, one or more on a multiple-choice poll.
    #[serde(default)]
    #[schema(required = true, min_items = 1)]
    pub option_ids: Vec<uuid::Uuid>,
}

/// Publishes a publication with a poll (both or neither are created).
#[utoipa::path(post, path = "/spheres/{id}/polls", tag = "posts", params(("id" = uuid::Uuid, Path, description = "Sphere id")),
    request_body = PollPostInput,
    responses((status = 201, description = "The publication and its poll", body = PollPostDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn create_poll_post(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<SphereId>,
    ApiJson(b): ApiJson<PollPostInput>,
) -> ApiResult<(StatusCode, Json<PollPostDto>)> {
    if b.poll
        .closes_at
        .is_some_and(|t| !(0..=super::docs::INSTANT_MAX).contains(&t))
    {
        return Err(FieldError::new("poll_closes_at", "out_of_range").into());
    }
    let input = PollInput {
        question: b.poll.question,
        options: b.poll.options,
        multiple: b.poll.multiple,
        anonymous: b.poll.anonymous,
        closes_at: b.poll.closes_at,
    };
    let sphere = crate::service::spheres::load(&state, &auth, id).await?;
    let post = posts::create_with_poll(&state, &auth, &sphere, &b.body, Some(&input)).await?;
    let poll = svc::for_post(&state, &auth, post.id)
        .await?
        .ok_or(crate::error::AppError::NotFound)?;
    Ok((
        StatusCode::CREATED,
        Json(PollPostDto {
            post: post.into(),
            poll: poll.into(),
        }),
    ))
}

/// A poll and its results (readers of the publication).
#[utoipa::path(get, path = "/polls/{id}", tag = "posts", params(("id" = uuid::Uuid, Path, description = "Poll id")),
    responses((status = 200, description = "The poll and its results", body = PollDto), Unauthorized, NotFound))]
async fn get_poll(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<Json<PollDto>> {
    Ok(Json(svc::results(&state, &auth, id).await?.into()))
}

/// The poll of a publication (404 when it has none).
#[utoipa::path(get, path = "/posts/{id}/poll", tag = "posts", params(("id" = uuid::Uuid, Path, description = "Publication id")),
    responses((status = 200, description = "The poll and its results", body = PollDto), Unauthorized, NotFound))]
async fn get_post_poll(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<Json<PollDto>> {
    let r = svc::for_post(&state, &auth, id)
        .await?
        .ok_or(crate::error::AppError::NotFound)?;
    Ok(Json(r.into()))
}

/// Votes, or replaces the caller's vote on a named poll, until the poll closes. An
/// anonymous poll's vote is final (409 `poll_already_voted` on a second vote).
#[utoipa::path(post, path = "/polls/{id}/votes", tag = "posts", params(("id" = uuid::Uuid, Path, description = "Poll id")),
    request_body = VoteInput,
    responses((status = 200, description = "The results after the vote", body = PollDto), Unauthorized, Forbidden, NotFound, Conflict, Invalid))]
async fn vote_poll(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
    ApiJson(b): ApiJson<VoteInput>,
) -> ApiResult<Json<PollDto>> {
    Ok(Json(
        svc::vote(&state, &auth, id, &b.option_ids).await?.into(),
    ))
}

/// Closes a poll now (its author or the sphere's moderators).
#[utoipa::path(post, path = "/polls/{id}/close", tag = "posts", params(("id" = uuid::Uuid, Path, description = "Poll id")),
    responses((status = 200, description = "The closed poll", body = PollDto), Unauthorized, Forbidden, NotFound))]
async fn close_poll(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<Json<PollDto>> {
    Ok(Json(svc::close(&state, &auth, id).await?.into()))
}
