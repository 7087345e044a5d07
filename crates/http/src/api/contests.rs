//! Contests between sites or departments and their live leaderboards.
use super::docs::{
    ContestDimensionChoice, ContestMetricChoice, Forbidden, INSTANT_MAX, Invalid, Name, NotFound,
    Unauthorized,
};
use super::extract::{ApiAuth, ApiJson, ApiPath};
use crate::error::{ApiResult, AppError};
use crate::service::contests::{self as svc, ContestInput, Score};
use crate::state::{AppState, WebState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use embarq_domain::Id;
use embarq_domain::validate::FieldError;
use embarq_store::{Contest, now_ms};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list_contests, create_contest))
        .routes(routes!(get_contest))
        .routes(routes!(contest_history))
}

#[derive(Serialize, ToSchema)]
pub struct ContestDto {
    id: uuid::Uuid,
    name: String,
    /// `site` or `department`.
    dimension: String,
    /// `activation_rate`, `contributions_per_member` or `activations`.
    metric: String,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    starts_at: i64,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    ends_at: i64,
    created_by: uuid::Uuid,
    /// The winning site or department, once announced.
    winner: Option<String>,
    #[serde(with = "super::time::opt_ms")]
    #[schema(value_type = Option<super::time::Instant>)]
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
            created_by: c.created_by.into(),
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
    #[schema(value_type = Name, inline, required = true)]
    name: String,
    /// `site` or `department`.
    #[serde(default)]
    #[schema(value_type = ContestDimensionChoice, inline, required = true)]
    dimension: String,
    /// `activation_rate`, `contributions_per_member` or `activations`.
    #[serde(default)]
    #[schema(value_type = ContestMetricChoice, inline, required = true)]
    metric: String,
    /// An instant (RFC 3339); not in the past.
    #[serde(default, with = "super::time::opt_ms")]
    #[schema(value_type = super::time::Instant, required = true)]
    starts_at: Option<i64>,
    /// An instant (RFC 3339) after the start, at most 366 days later.
    #[serde(default, with = "super::time::opt_ms")]
    #[schema(value_type = super::time::Instant, required = true)]
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

/// How the leaderboard moved.
#[derive(Serialize, ToSchema)]
pub struct HistoryDto {
    /// The end of each day of the contest so far (the last one is now while it runs).
    days: Vec<super::time::Instant>,
    /// The leading teams (at most 8), best first, with one score per day.
    teams: Vec<svc::TeamHistory>,
}

/// The leaderboard's history: each leading team's score at the end of each day of the
/// contest, as the leaderboard computed it then. Empty before the contest starts.
#[utoipa::path(get, path = "/contests/{id}/history", tag = "contests", params(("id" = uuid::Uuid, Path, description = "Contest id")),
    responses((status = 200, description = "The history", body = HistoryDto), Unauthorized, NotFound))]
async fn contest_history(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<Json<HistoryDto>> {
    let now = now_ms();
    let (c, scores) = svc::leaderboard(&state, &auth, id, now).await?;
    let h = svc::history(&state, &c, &scores, now).await?;
    Ok(Json(HistoryDto {
        days: h.days.into_iter().map(Into::into).collect(),
        teams: h.teams,
    }))
}

/// Launches a contest (organization managers and confirmed champions).
#[utoipa::path(post, path = "/contests", tag = "contests", request_body = NewContestInput,
    responses((status = 201, description = "The contest", body = ContestDto), Unauthorized, Forbidden, Invalid))]
async fn create_contest(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiJson(b): ApiJson<NewContestInput>,
) -> ApiResult<(StatusCode, Json<ContestDto>)> {
    // Instants before 1970 or after the year 9999 are no dates (and would overflow the
    // duration arithmetic of the rules).
    let out_of_range: Vec<FieldError> = [
        ("contest_starts_at", b.starts_at),
        ("contest_ends_at", b.ends_at),
    ]
    .into_iter()
    .filter(|(_, t)| t.is_some_and(|t| !(0..=INSTANT_MAX).contains(&t)))
    .map(|(field, _)| FieldError::new(field, "out_of_range"))
    .collect();
    if !out_of_range.is_empty() {
        return Err(AppError::Validation(out_of_range).into());
    }
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
