//! Contests between sites or departments and their live leaderboards.
use super::docs::{Forbidden, Invalid, NotFound, Unauthorized};
use super::extract::{ApiAuth, ApiJson, ApiPath};
use crate::error::ApiResult;
use crate::service::contests::{self as svc, ContestInput, Score};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use embarq_domain::Id;
use embarq_store::{Contest, now_ms};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_contests, create_contest))
        .routes(routes!(get_contest))
}

#[derive(Serialize, ToSchema)]
pub struct ContestDto {
    id: uuid::Uuid,
    name: String,
    /// `site` or `department`.
    dimension: String,
    /// `activation_rate` or `contributions_per_member`.
    metric: String,
    starts_at: i64,
    ends_at: i64,
    created_by: uuid::Uuid,
    /// The winning site or department, once announced.
    winner: Option<String>,
    winner_announced_at: Option<i64>,
}

impl From<Contest> for ContestDto {
    fn from(c: Contest) -> Self {
        ContestDto {
            id: c.id,
            name: c.name,
            dimension: c.dimension,
            metric: c.metric,
            starts_at: c.starts_at,
            ends_at: c.ends_at,
            created_by: c.created_by,
            winner: c.winner,
            winner_announced_at: c.winner_announced_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct LeaderboardDto {
    contest: ContestDto,
    /// Best first; members without the attribute form an "unknown" team (`team` null) that never wins.
    scores: Vec<Score>,
}

#[derive(Deserialize, ToSchema)]
pub struct NewContestInput {
    #[serde(default)]
    name: String,
    /// `site` or `department`.
    #[serde(default)]
    dimension: String,
    /// `activation_rate` or `contributions_per_member`.
    #[serde(default)]
    metric: String,
    /// Epoch milliseconds; not in the past.
    starts_at: Option<i64>,
    /// Epoch milliseconds; after the start.
    ends_at: Option<i64>,
}

/// Contests of the organization, latest ending first.
#[utoipa::path(get, path = "/contests", tag = "contests",
    responses((status = 200, description = "Contests", body = Vec<ContestDto>), Unauthorized))]
async fn list_contests(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
) -> ApiResult<Json<Vec<ContestDto>>> {
    Ok(Json(
        svc::list(&state, &auth)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Launches a contest (organization managers and confirmed champions).
#[utoipa::path(post, path = "/contests", tag = "contests", request_body = NewContestInput,
    responses((status = 201, description = "The contest", body = ContestDto), Unauthorized, Forbidden, Invalid))]
async fn create_contest(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiJson(b): ApiJson<NewContestInput>,
) -> ApiResult<(StatusCode, Json<ContestDto>)> {
    let input = ContestInput {
        name: &b.name,
        dimension: &b.dimension,
        metric: &b.metric,
        starts_at: b.starts_at,
        ends_at: b.ends_at,
    };
    let id = svc::create(&state, &auth, &input, now_ms()).await?;
    let (c, _) = svc::leaderboard(&state, &auth, id, now_ms()).await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

/// A contest with its live leaderboard.
#[utoipa::path(get, path = "/contests/{id}", tag = "contests", params(("id" = uuid::Uuid, Path, description = "Contest id")),
    responses((status = 200, description = "The leaderboard", body = LeaderboardDto), Unauthorized, NotFound))]
async fn get_contest(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<Json<LeaderboardDto>> {
    let (c, scores) = svc::leaderboard(&state, &auth, id, now_ms()).await?;
    Ok(Json(LeaderboardDto {
        contest: c.into(),
        scores,
    }))
}
