//! The rollout plan (organization managers): launch, early access, waves, announcement,
//! phase, and the pre-launch readiness check.
use super::docs::{
    DimensionChoice, Forbidden, Invalid, LocalDateOrDateTime, Name, NotFound, OptName, TimeZone,
    Unauthorized,
};
use super::extract::{ApiAuth, ApiJson, ApiPath};
use super::time::local;
use crate::auth::Auth;
use crate::error::{ApiResult, AppError};
use crate::service::rollout::{self, ReadinessItem};
use crate::state::{AppState, WebState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use embarq_domain::Id;
use embarq_domain::rollout::{PlanInput, WaveInput, early_access_warning};
use embarq_store::{RolloutWave, now_ms};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(get_rollout, put_rollout, delete_rollout))
        .routes(routes!(launch_now))
        .routes(routes!(open_early_access_now))
        .routes(routes!(add_wave))
        .routes(routes!(delete_wave))
        .routes(routes!(readiness))
}

#[derive(Serialize, ToSchema)]
pub struct PlanDto {
    /// Launch instant.
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    launch_at: i64,
    /// The launch as `YYYY-MM-DDTHH:MM` in `time_zone`.
    launch_local: String,
    time_zone: String,
    early_access_days: i64,
    /// Early access is outside the recommended 7-10 days.
    early_access_warning: bool,
    announcement_title: String,
    announcement_md: String,
    /// When the announcement was published, once it was.
    #[serde(with = "super::time::opt_ms")]
    #[schema(value_type = Option<super::time::Instant>)]
    announced_at: Option<i64>,
    #[schema(value_type = Option<uuid::Uuid>)]
    announcement_post_id: Option<Id>,
}

#[derive(Serialize, ToSchema)]
pub struct PhaseDto {
    /// `preparation`, `early_access`, `launch` or `after_launch`.
    phase: String,
    /// When the phase starts; none for preparation.
    #[serde(with = "super::time::opt_ms")]
    #[schema(value_type = Option<super::time::Instant>)]
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
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    opens_at: i64,
    /// `YYYY-MM-DDTHH:MM` in the plan's time zone.
    opens_local: String,
}

impl WaveDto {
    fn of(w: RolloutWave, zone: &str) -> Self {
        WaveDto {
            id: w.id,
            name: w.name,
            dimension: w.dimension,
            value: w.value,
            opens_local: local(w.opens_at, zone),
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

/// `YYYY-MM-DDTHH:MM` as the date and time the plan's rules read; a date alone keeps the
/// default time.
fn split_local(s: &str) -> (String, String) {
    match s.trim().split_once('T') {
        Some((d, t)) => (d.to_string(), t.to_string()),
        None => (s.trim().to_string(), String::new()),
    }
}

/// The rules name the date and the time apart; the API's field holds both.
fn renamed(e: AppError, local: &'static str) -> AppError {
    match e {
        AppError::Validation(errs) => AppError::Validation(
            errs.into_iter()
                .map(|mut f| {
                    if matches!(
                        f.field,
                        "launch_date" | "launch_time" | "wave_opens_on" | "wave_opens_time"
                    ) {
                        f.field = local;
                    }
                    f
                })
                .collect(),
        ),
        other => other,
    }
}

async fn dto(state: &AppState, auth: &Auth) -> ApiResult<RolloutDto> {
    let o = rollout::overview(state, auth, now_ms()).await?;
    let zone = o
        .plan
        .as_ref()
        .map_or_else(String::new, |p| p.time_zone.clone());
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
        plan: o.plan.map(|p| PlanDto {
            launch_at: p.launch_at,
            launch_local: local(p.launch_at, &p.time_zone),
            time_zone: p.time_zone,
            early_access_days: p.early_access_days,
            early_access_warning: early_access_warning(p.early_access_days),
            announcement_title: p.announcement_title,
            announcement_md: p.announcement_md,
            announced_at: p.announced_at,
            announcement_post_id: p.announcement_post_id,
        }),
        phase: o.phase.map(|p| p.as_str().into()),
        phases,
        waves: o.waves.into_iter().map(|w| WaveDto::of(w, &zone)).collect(),
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
    /// The launch, `YYYY-MM-DDTHH:MM` in `time_zone` (seconds optional), in the future;
    /// a date alone launches at 09:00.
    #[serde(default)]
    #[schema(value_type = LocalDateOrDateTime, inline, required = true)]
    launch_local: String,
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
    let (launch_date, launch_time) = split_local(&b.launch_local);
    let input = PlanInput {
        launch_date,
        launch_time,
        time_zone: b.time_zone,
        early_access_days: b
            .early_access_days
            .map(|d| d.to_string())
            .unwrap_or_default(),
        announcement_title: b.announcement_title,
        announcement_body: b.announcement_md,
    };
    rollout::save_plan(&state, &auth, &input)
        .await
        .map_err(|e| renamed(e, "launch_local"))?;
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

/// Launches now instead of at the planned time (organization managers): access opens for
/// everyone, pending invitations are sent and the announcement is published at once.
/// Audited (`rollout.launch_now`); 422 `rollout_launched` once launched, 404 without a plan.
#[utoipa::path(post, path = "/rollout/launch", tag = "rollout",
    responses((status = 200, description = "The plan, launched", body = RolloutDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn launch_now(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
) -> ApiResult<Json<RolloutDto>> {
    rollout::launch_now(&state, &auth).await?;
    Ok(Json(dto(&state, &auth).await?))
}

/// Opens early access now (organization managers): it lasts until the planned launch and the
/// champions' invitations are sent at once. Audited (`rollout.early_access_now`); 422
/// `rollout_early_access_open` once open, `rollout_launch_too_far` when the launch is more
/// than 30 days away; 404 without a plan.
#[utoipa::path(post, path = "/rollout/early-access", tag = "rollout",
    responses((status = 200, description = "The plan, in early access", body = RolloutDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn open_early_access_now(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
) -> ApiResult<Json<RolloutDto>> {
    rollout::open_early_access_now(&state, &auth).await?;
    Ok(Json(dto(&state, &auth).await?))
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
    /// When the wave opens, `YYYY-MM-DDTHH:MM` in the plan's time zone (seconds optional), on
    /// or after the launch; a date alone opens at 09:00.
    #[serde(default)]
    #[schema(value_type = LocalDateOrDateTime, inline, required = true)]
    opens_local: String,
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
    let (opens_on, opens_time) = split_local(&b.opens_local);
    let input = WaveInput {
        name: b.name,
        dimension: b.dimension,
        value: b.value,
        opens_on,
        opens_time,
    };
    let w = rollout::add_wave(&state, &auth, &input)
        .await
        .map_err(|e| renamed(e, "opens_local"))?;
    let zone = rollout::plan_zone(&state, &auth).await?;
    Ok((StatusCode::CREATED, Json(WaveDto::of(w, &zone))))
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
