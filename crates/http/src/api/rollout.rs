//! The rollout plan (organization managers): launch, early access, waves, announcement,
//! phase, and the pre-launch readiness check.
use super::docs::{
    Date, DimensionChoice, Forbidden, Invalid, Name, NotFound, OptName, OptTime, TimeZone,
    Unauthorized,
};
use super::extract::{ApiAuth, ApiJson, ApiPath};
use crate::auth::Auth;
use crate::error::ApiResult;
use crate::service::rollout::{self, ReadinessItem};
use crate::state::{AppState, WebState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use embarq_domain::Id;
use embarq_domain::rollout::{PlanInput, WaveInput, early_access_warning, utc_to_local};
use embarq_store::{RolloutWave, now_ms};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(get_rollout, put_rollout, delete_rollout))
        .routes(routes!(add_wave))
        .routes(routes!(delete_wave))
        .routes(routes!(readiness))
}

#[derive(Serialize, ToSchema)]
pub struct PlanDto {
    /// Launch instant (epoch ms).
    launch_at: i64,
    /// Launch date and time in the plan's time zone.
    launch_date: String,
    launch_time: String,
    time_zone: String,
    early_access_days: i64,
    /// Early access is outside the recommended 7-10 days.
    early_access_warning: bool,
    announcement_title: String,
    announcement_md: String,
    /// When the announcement was published (epoch ms), once it was.
    announced_at: Option<i64>,
    #[schema(value_type = Option<uuid::Uuid>)]
    announcement_post_id: Option<Id>,
}

#[derive(Serialize, ToSchema)]
pub struct PhaseDto {
    /// `preparation`, `early_access`, `launch` or `after_launch`.
    phase: String,
    /// When the phase starts (epoch ms); none for preparation.
    starts_at: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct WaveDto {
    #[schema(value_type = uuid::Uuid)]
    id: Id,
    name: String,
    /// `department` or `site`.
    dimension: String,
    value: String,
    opens_at: i64,
}

impl From<RolloutWave> for WaveDto {
    fn from(w: RolloutWave) -> Self {
        WaveDto {
            id: w.id,
            name: w.name,
            dimension: w.dimension,
            value: w.value,
            opens_at: w.opens_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RolloutDto {
    /// None while no plan exists (everyone has access).
    plan: Option<PlanDto>,
    /// The current phase, with a plan.
    phase: Option<String>,
    phases: Vec<PhaseDto>,
    waves: Vec<WaveDto>,
}

async fn dto(state: &AppState, auth: &Auth) -> ApiResult<RolloutDto> {
    let o = rollout::overview(state, auth, now_ms()).await?;
    let phases = o
        .schedule
        .as_ref()
        .map(|s| {
            s.phase_starts()
                .iter()
                .map(|(p, at)| PhaseDto {
                    phase: p.as_str().into(),
                    starts_at: *at,
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(RolloutDto {
        plan: o.plan.map(|p| {
            let (d, t) = utc_to_local(&p.time_zone, p.launch_at);
            PlanDto {
                launch_at: p.launch_at,
                launch_date: d.format("%Y-%m-%d").to_string(),
                launch_time: t.format("%H:%M").to_string(),
                time_zone: p.time_zone,
                early_access_days: p.early_access_days,
                early_access_warning: early_access_warning(p.early_access_days),
                announcement_title: p.announcement_title,
                announcement_md: p.announcement_md,
                announced_at: p.announced_at,
                announcement_post_id: p.announcement_post_id,
            }
        }),
        phase: o.phase.map(|p| p.as_str().into()),
        phases,
        waves: o.waves.into_iter().map(WaveDto::from).collect(),
    })
}

/// The organization's rollout plan, current phase and waves (organization managers).
#[utoipa::path(get, path = "/rollout", tag = "rollout",
    responses((status = 200, description = "The plan", body = RolloutDto), Unauthorized, Forbidden))]
async fn get_rollout(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
) -> ApiResult<Json<RolloutDto>> {
    Ok(Json(dto(&state, &auth).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct PlanBody {
    /// `YYYY-MM-DD`, in the future.
    #[serde(default)]
    #[schema(value_type = Date, inline, required = true)]
    launch_date: String,
    /// `HH:MM`, default 09:00.
    #[serde(default)]
    #[schema(value_type = OptTime, inline)]
    launch_time: String,
    /// Default Europe/Paris.
    #[serde(default)]
    #[schema(value_type = TimeZone)]
    time_zone: String,
    /// 1 to 30, default 7 (7 to 10 recommended).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 30)]
    early_access_days: Option<i64>,
    /// Required with an announcement text.
    #[serde(default)]
    #[schema(max_length = 200)]
    announcement_title: String,
    /// Markdown.
    #[serde(default)]
    #[schema(max_length = 20_000)]
    announcement_md: String,
}

/// Creates or replaces the plan (organization managers). Nothing changes on invalid input.
#[utoipa::path(put, path = "/rollout", tag = "rollout", request_body = PlanBody,
    responses((status = 200, description = "The saved plan", body = RolloutDto), Unauthorized, Forbidden, Invalid))]
async fn put_rollout(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiJson(b): ApiJson<PlanBody>,
) -> ApiResult<Json<RolloutDto>> {
    let input = PlanInput {
        launch_date: b.launch_date,
        launch_time: b.launch_time,
        time_zone: b.time_zone,
        early_access_days: b
            .early_access_days
            .map(|d| d.to_string())
            .unwrap_or_default(),
        announcement_title: b.announcement_title,
        announcement_body: b.announcement_md,
    };
    rollout::save_plan(&state, &auth, &input).await?;
    Ok(Json(dto(&state, &auth).await?))
}

/// Removes a plan that has not launched, with its waves (organization managers): access is no
/// longer held back for early access and no announcement will be published. Audited.
#[utoipa::path(delete, path = "/rollout", tag = "rollout",
    responses((status = 204, description = "Removed"), Unauthorized, Forbidden, NotFound, Invalid))]
async fn delete_rollout(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
) -> ApiResult<StatusCode> {
    rollout::delete_plan(&state, &auth).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct WaveBody {
    /// `department` or `site`.
    #[serde(default)]
    #[schema(value_type = DimensionChoice, inline, required = true)]
    dimension: String,
    /// The department or site (matched case-insensitively).
    #[serde(default)]
    #[schema(value_type = Name, inline, required = true)]
    value: String,
    /// `YYYY-MM-DD`, on or after the launch.
    #[serde(default)]
    #[schema(value_type = Date, inline, required = true)]
    opens_on: String,
    /// `HH:MM`, default 09:00.
    #[serde(default)]
    #[schema(value_type = OptTime, inline)]
    opens_time: String,
    /// Defaults to the value.
    #[serde(default)]
    #[schema(value_type = OptName, inline)]
    name: String,
}

/// Adds a later wave (organization managers; needs a plan).
#[utoipa::path(post, path = "/rollout/waves", tag = "rollout", request_body = WaveBody,
    responses((status = 201, description = "The wave", body = WaveDto), Unauthorized, Forbidden, Invalid))]
async fn add_wave(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiJson(b): ApiJson<WaveBody>,
) -> ApiResult<(StatusCode, Json<WaveDto>)> {
    let input = WaveInput {
        name: b.name,
        dimension: b.dimension,
        value: b.value,
        opens_on: b.opens_on,
        opens_time: b.opens_time,
    };
    let w = rollout::add_wave(&state, &auth, &input).await?;
    Ok((StatusCode::CREATED, Json(w.into())))
}

/// Removes a wave (organization managers).
#[utoipa::path(delete, path = "/rollout/waves/{id}", tag = "rollout", params(("id" = uuid::Uuid, Path, description = "Wave id")),
    responses((status = 204, description = "Removed"), Unauthorized, Forbidden, NotFound))]
async fn delete_wave(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<StatusCode> {
    rollout::delete_wave(&state, &auth, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct ReadinessDto {
    /// `spheres_content`, `welcome_post`, `help_sphere`, `champions`, `champions_signed_in`,
    /// `champions_training`.
    code: String,
    ok: bool,
    /// Names of what is missing (empty spheres, champions who have not signed in).
    missing: Vec<String>,
    /// Where to fix it in the web UI.
    fix_url: String,
}

impl From<ReadinessItem> for ReadinessDto {
    fn from(i: ReadinessItem) -> Self {
        ReadinessDto {
            code: i.code.into(),
            ok: i.ok,
            missing: i.missing.into_iter().map(|n| n.name).collect(),
            fix_url: i.fix_url,
        }
    }
}

/// The pre-launch readiness check (organization managers).
#[utoipa::path(get, path = "/rollout/readiness", tag = "rollout",
    responses((status = 200, description = "Readiness items", body = Vec<ReadinessDto>), Unauthorized, Forbidden))]
async fn readiness(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
) -> ApiResult<Json<Vec<ReadinessDto>>> {
    let items = rollout::readiness(&state, &auth, now_ms()).await?;
    Ok(Json(items.into_iter().map(ReadinessDto::from).collect()))
}
