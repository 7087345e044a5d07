//! Champions: candidacies, the proposal and the confirmed cohort.
use super::docs::{Forbidden, Invalid, NotFound, Unauthorized};
use super::extract::{ApiAuth, ApiJson, ApiQuery};
use crate::error::ApiResult;
use crate::i18n::Lang;
use crate::service::champions as svc;
use crate::state::{AppState, WebState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use embarq_domain::champions::DEFAULT_SHARE;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list_champions))
        .routes(routes!(champions_proposal))
        .routes(routes!(confirm_champions))
        .routes(routes!(volunteer_as_champion, withdraw_champion_candidacy))
        .routes(routes!(nominate_champion))
}

#[derive(Serialize, ToSchema)]
pub struct ChampionDto {
    user_id: uuid::Uuid,
    display_name: String,
    email: String,
    department: Option<String>,
    site: Option<String>,
    /// Has activated their account (signed in at least once).
    signed_in: bool,
    reason: String,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    confirmed_at: i64,
}

/// Confirmed champions of the organization (organization managers).
#[utoipa::path(get, path = "/champions", tag = "champions",
    responses((status = 200, description = "Confirmed champions", body = Vec<ChampionDto>), Unauthorized, Forbidden))]
async fn list_champions(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
) -> ApiResult<Json<Vec<ChampionDto>>> {
    let rows = svc::list(&state, &auth).await?;
    Ok(Json(
        rows.into_iter()
            .map(|c| ChampionDto {
                user_id: c.user_id.into(),
                display_name: c.display_name,
                email: c.email,
                department: c.department,
                site: c.site,
                signed_in: c.activated_at.is_some(),
                reason: c.reason,
                confirmed_at: c.confirmed_at,
            })
            .collect(),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProposalQuery {
    /// Share of the workforce in percent: 1-50, 10-20 recommended (default 15).
    #[param(minimum = 1, maximum = 50)]
    share: Option<i64>,
    /// Include invited members who have not signed in yet (default true).
    include_invited: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct ProposedDto {
    user_id: uuid::Uuid,
    display_name: String,
    reasons: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DimensionCoverageDto {
    /// `department`, `site`, `generation` or `level`.
    dimension: String,
    represented: usize,
    present: usize,
}

#[derive(Serialize, ToSchema)]
pub struct ProposalDto {
    target_share: i64,
    /// Outside the recommended 10-20 %.
    warning: bool,
    size: usize,
    population: usize,
    share_achieved: f64,
    represented: usize,
    present: usize,
    coverage: Vec<DimensionCoverageDto>,
    champions: Vec<ProposedDto>,
}

/// Proposes champions representing every department, site, generation and level
/// (organization managers). An empty directory answers 422 `champions_empty_directory`.
#[utoipa::path(get, path = "/champions/proposal", tag = "champions", params(ProposalQuery),
    responses((status = 200, description = "The proposed cohort with reasons and coverage", body = ProposalDto), Unauthorized, Forbidden, Invalid))]
async fn champions_proposal(
    State(state): State<AppState>,
    lang: Lang,
    ApiAuth(auth): ApiAuth,
    ApiQuery(q): ApiQuery<ProposalQuery>,
) -> ApiResult<Json<ProposalDto>> {
    let view = svc::proposal(
        &state,
        &auth,
        q.share.unwrap_or(DEFAULT_SHARE),
        q.include_invited.unwrap_or(true),
    )
    .await?;
    let p = &view.proposal;
    let c = &p.coverage;
    Ok(Json(ProposalDto {
        target_share: p.target_share,
        warning: p.warning,
        size: p.size,
        population: c.population,
        share_achieved: c.share_achieved,
        represented: c.represented,
        present: c.present,
        coverage: c
            .dimensions
            .iter()
            .map(|d| DimensionCoverageDto {
                dimension: d.dimension.as_str().to_string(),
                represented: d.represented,
                present: d.present,
            })
            .collect(),
        champions: p
            .picks
            .iter()
            .map(|pk| ProposedDto {
                user_id: pk.id.into(),
                display_name: view
                    .people
                    .get(&pk.id)
                    .map(|e| e.display_name.clone())
                    .unwrap_or_default(),
                reasons: pk
                    .reasons
                    .iter()
                    .map(|r| svc::reason_text(lang, r))
                    .collect(),
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct ConfirmBody {
    /// Members of the organization; any unknown id refuses the whole request (404).
    #[serde(default)]
    #[schema(required = true, min_items = 1, max_items = 50_000)]
    #[schema(value_type = Vec<uuid::Uuid>)]
    user_ids: Vec<embarq_domain::UserId>,
    /// The share the reasons are computed for: 1-50 (default 15).
    #[schema(minimum = 1, maximum = 50)]
    share: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ConfirmedDto {
    champions_sphere_id: uuid::Uuid,
    added: usize,
    /// The champions' training they were registered to, if one is scheduled.
    training_event_id: Option<uuid::Uuid>,
}

/// Confirms champions: they join the secret Champions sphere, get early access, are
/// registered to the upcoming champions' training and notified. Nothing is applied on error.
#[utoipa::path(post, path = "/champions/confirm", tag = "champions", request_body = ConfirmBody,
    responses((status = 200, description = "Confirmed", body = ConfirmedDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn confirm_champions(
    State(state): State<AppState>,
    lang: Lang,
    ApiAuth(auth): ApiAuth,
    ApiJson(b): ApiJson<ConfirmBody>,
) -> ApiResult<Json<ConfirmedDto>> {
    let done = svc::confirm(
        &state,
        &auth,
        &b.user_ids,
        b.share.unwrap_or(DEFAULT_SHARE),
        lang,
    )
    .await?;
    Ok(Json(ConfirmedDto {
        champions_sphere_id: done.sphere_id.into(),
        added: done.added,
        training_event_id: done.training.map(|t| t.id),
    }))
}

/// Volunteers the signed-in person as a champion.
#[utoipa::path(post, path = "/champions/volunteer", tag = "champions",
    responses((status = 204, description = "Volunteered"), Unauthorized))]
async fn volunteer_as_champion(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
) -> ApiResult<StatusCode> {
    svc::set_volunteer(&state, &auth, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Withdraws the signed-in person's candidacy.
#[utoipa::path(delete, path = "/champions/volunteer", tag = "champions",
    responses((status = 204, description = "Withdrawn"), Unauthorized))]
async fn withdraw_champion_candidacy(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
) -> ApiResult<StatusCode> {
    svc::set_volunteer(&state, &auth, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct NominationBody {
    #[schema(value_type = uuid::Uuid)]
    user_id: embarq_domain::UserId,
}

/// Nominates a member as a champion candidate (organization managers).
#[utoipa::path(post, path = "/champions/nominations", tag = "champions", request_body = NominationBody,
    responses((status = 204, description = "Nominated"), Unauthorized, Forbidden, NotFound, Invalid))]
async fn nominate_champion(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiJson(b): ApiJson<NominationBody>,
) -> ApiResult<StatusCode> {
    svc::nominate(&state, &auth, b.user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
