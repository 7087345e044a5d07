//! Moderation over the API: reports, queues, actions, the audit log, and the caller's
//! notification preferences and digest settings.
use super::docs::{
    AuditAction, ChannelMap, Conflict, DigestFrequencyChoice, Forbidden, Invalid,
    ModerationActionChoice, MuteHoursChoice, NotFound, OptDate, OptId, OptReportDetails,
    ReportReasonChoice, ReportTargetChoice, TimeZone, Unauthorized,
};
use super::extract::{ApiAuth, ApiJson, ApiPath, ApiQuery};
use crate::error::ApiResult;
use crate::service::digests::{self, DigestPrefs, Preferences};
use crate::service::moderation::{
    self, ActionInput, ActionOutcome, AuditQuery, QueueItem, ReportInput,
};
use crate::state::{AppState, WebState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use embarq_domain::moderation::ReportTarget;
use embarq_domain::{Id, SphereId};
use embarq_store::{AuditRow, HiddenItem};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(report_post))
        .routes(routes!(report_comment))
        .routes(routes!(sphere_queue))
        .routes(routes!(org_queue))
        .routes(routes!(act))
        .routes(routes!(org_audit))
        .routes(routes!(sphere_audit))
        .routes(routes!(get_preferences, put_preferences))
}

#[derive(Serialize, ToSchema)]
pub struct ReportCreatedDto {
    pub id: Uuid,
}

/// A report.
#[derive(Deserialize, ToSchema)]
#[schema(as = ReportInput)]
pub struct ReportBody {
    #[serde(default)]
    #[schema(value_type = ReportReasonChoice, inline, required = true)]
    reason: String,
    /// Optional explanation (up to 1000 characters).
    #[serde(default)]
    #[schema(value_type = OptReportDetails, inline)]
    details: String,
}

impl From<ReportBody> for ReportInput {
    fn from(b: ReportBody) -> Self {
        ReportInput {
            reason: b.reason,
            details: b.details,
        }
    }
}

/// Reports a publication the caller can read (one open report per person and item).
#[utoipa::path(post, path = "/posts/{id}/reports", tag = "moderation", params(("id" = uuid::Uuid, Path, description = "Publication id")),
    request_body = ReportBody,
    responses((status = 201, description = "Reported", body = ReportCreatedDto), Unauthorized, NotFound, Conflict, Invalid))]
async fn report_post(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
    ApiJson(i): ApiJson<ReportBody>,
) -> ApiResult<(StatusCode, Json<ReportCreatedDto>)> {
    let i = ReportInput::from(i);
    let id = moderation::report(&state, &auth, ReportTarget::Post, id, &i).await?;
    Ok((StatusCode::CREATED, Json(ReportCreatedDto { id })))
}

/// Reports a comment the caller can read.
#[utoipa::path(post, path = "/comments/{id}/reports", tag = "moderation", params(("id" = uuid::Uuid, Path, description = "Comment id")),
    request_body = ReportBody,
    responses((status = 201, description = "Reported", body = ReportCreatedDto), Unauthorized, NotFound, Conflict, Invalid))]
async fn report_comment(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
    ApiJson(i): ApiJson<ReportBody>,
) -> ApiResult<(StatusCode, Json<ReportCreatedDto>)> {
    let i = ReportInput::from(i);
    let id = moderation::report(&state, &auth, ReportTarget::Comment, id, &i).await?;
    Ok((StatusCode::CREATED, Json(ReportCreatedDto { id })))
}

#[derive(Serialize, ToSchema)]
pub struct HiddenItemDto {
    /// post or comment.
    pub target_kind: String,
    pub target_id: Uuid,
    pub post_id: Uuid,
    pub author_name: String,
    pub html: String,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub hidden_at: i64,
}

impl From<HiddenItem> for HiddenItemDto {
    fn from(h: HiddenItem) -> Self {
        HiddenItemDto {
            target_kind: h.target_kind,
            target_id: h.target_id,
            post_id: h.post_id,
            author_name: h.author_name,
            html: h.item_html,
            hidden_at: h.hidden_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct QueueDto {
    /// Open reports grouped per item, most reported first.
    pub items: Vec<QueueItem>,
    /// Hidden content of the sphere (sphere queue only).
    pub hidden: Vec<HiddenItemDto>,
}

/// A sphere's moderation queue (its administrators and organization managers).
#[utoipa::path(get, path = "/spheres/{id}/moderation", tag = "moderation", params(("id" = uuid::Uuid, Path, description = "Sphere id")),
    responses((status = 200, description = "The queue", body = QueueDto), Unauthorized, Forbidden, NotFound))]
async fn sphere_queue(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<SphereId>,
) -> ApiResult<Json<QueueDto>> {
    let sphere = crate::service::spheres::load(&state, &auth, id).await?;
    let (items, hidden) = moderation::sphere_queue(&state, &sphere).await?;
    Ok(Json(QueueDto {
        items,
        hidden: super::dto::list(hidden),
    }))
}

/// Every open report of the organization the manager may act on.
#[utoipa::path(get, path = "/moderation", tag = "moderation",
    responses((status = 200, description = "The queue", body = QueueDto), Unauthorized, Forbidden))]
async fn org_queue(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
) -> ApiResult<Json<QueueDto>> {
    Ok(Json(QueueDto {
        items: moderation::org_queue(&state, &auth).await?,
        hidden: Vec::new(),
    }))
}

/// A moderation action.
#[derive(Deserialize, ToSchema)]
#[schema(as = ActionInput)]
pub struct ActionBody {
    #[serde(default)]
    #[schema(value_type = ReportTargetChoice, inline, required = true)]
    target_kind: String,
    #[schema(value_type = Uuid, required = true)]
    target_id: Option<Uuid>,
    /// `mute` and `remove` act on the author.
    #[serde(default)]
    #[schema(value_type = ModerationActionChoice, inline, required = true)]
    action: String,
    /// Mute duration in hours (for `mute`).
    #[serde(default)]
    #[schema(value_type = Option<MuteHoursChoice>, inline)]
    hours: Option<String>,
}

/// Dismisses the reports, hides, shows again or deletes the item, or mutes or removes its
/// author; recorded in the audit log, reporters are notified.
#[utoipa::path(post, path = "/moderation/actions", tag = "moderation", request_body = ActionBody,
    responses((status = 200, description = "Done", body = ActionOutcome), Unauthorized, Forbidden, NotFound, Invalid))]
async fn act(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiJson(i): ApiJson<ActionBody>,
) -> ApiResult<Json<ActionOutcome>> {
    let i = ActionInput {
        target_kind: i.target_kind,
        target_id: i.target_id,
        action: i.action,
        hours: i.hours,
    };
    Ok(Json(moderation::act(&state, &auth, &i).await?))
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntryDto {
    pub id: Uuid,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    /// e.g. moderation.hide
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<Uuid>,
    pub sphere_id: Option<Uuid>,
    pub sphere_name: Option<String>,
    /// JSON object with the action's details.
    pub details: serde_json::Value,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub created_at: i64,
}

impl From<AuditRow> for AuditEntryDto {
    fn from(a: AuditRow) -> Self {
        AuditEntryDto {
            id: a.id,
            actor_id: a.actor_id.map(Into::into),
            actor_name: a.actor_name,
            action: a.action,
            target_kind: a.target_kind,
            target_id: a.target_id,
            sphere_id: a.sphere_id.map(Into::into),
            sphere_name: a.sphere_name,
            details: serde_json::from_str(&a.details).unwrap_or(serde_json::Value::Null),
            created_at: a.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AuditPageDto {
    pub entries: Vec<AuditEntryDto>,
    pub page: i64,
    /// Whether an older page exists.
    pub more: bool,
}

/// Audit filters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Exact action (e.g. `moderation.hide`) or a prefix ending with `.`.
    #[param(value_type = Option<AuditAction>, inline)]
    action: Option<String>,
    /// Actor's id.
    #[param(value_type = Option<OptId>, inline)]
    actor: Option<String>,
    /// First day (YYYY-MM-DD, UTC), inclusive.
    #[param(value_type = Option<OptDate>, inline)]
    from: Option<String>,
    /// Last day (YYYY-MM-DD, UTC), inclusive.
    #[param(value_type = Option<OptDate>, inline)]
    to: Option<String>,
    /// Free text searched in the action, target, details, actor's and sphere's names.
    #[param(max_length = 200)]
    q: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 100_000)]
    page: Option<i64>,
}

impl From<AuditParams> for AuditQuery {
    fn from(p: AuditParams) -> Self {
        AuditQuery {
            action: p.action,
            actor: p.actor,
            from: p.from,
            to: p.to,
            q: p.q,
            page: p.page,
        }
    }
}

/// The organization's audit log, newest first, 50 per page (organization managers).
#[utoipa::path(get, path = "/audit", tag = "moderation", params(AuditParams),
    responses((status = 200, description = "One page", body = AuditPageDto), Unauthorized, Forbidden, Invalid))]
async fn org_audit(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiQuery(q): ApiQuery<AuditParams>,
) -> ApiResult<Json<AuditPageDto>> {
    let q = AuditQuery::from(q);
    let (rows, more) = moderation::audit(&state, &auth, None, &q).await?;
    Ok(Json(AuditPageDto {
        entries: super::dto::list(rows),
        page: q.page.unwrap_or(1),
        more,
    }))
}

/// A sphere's moderation actions (its administrators and organization managers).
#[utoipa::path(get, path = "/spheres/{id}/audit", tag = "moderation", params(("id" = uuid::Uuid, Path, description = "Sphere id"), AuditParams),
    responses((status = 200, description = "One page", body = AuditPageDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn sphere_audit(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<SphereId>,
    ApiQuery(q): ApiQuery<AuditParams>,
) -> ApiResult<Json<AuditPageDto>> {
    let q = AuditQuery::from(q);
    let (rows, more) = moderation::audit(&state, &auth, Some(id), &q).await?;
    Ok(Json(AuditPageDto {
        entries: super::dto::list(rows),
        page: q.page.unwrap_or(1),
        more,
    }))
}

/// The caller's notification preferences (channel per category) and digest settings.
#[utoipa::path(get, path = "/account/notification-preferences", tag = "account",
    responses((status = 200, description = "Preferences", body = Preferences), Unauthorized))]
async fn get_preferences(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
) -> ApiResult<Json<Preferences>> {
    Ok(Json(digests::preferences(&state, &auth).await?))
}

/// New preferences.
#[derive(Deserialize, ToSchema)]
pub struct PreferencesInput {
    /// Channel per category (`app`, `email` or `off`); categories left out return to their
    /// default.
    #[schema(value_type = ChannelMap, inline)]
    channels: std::collections::BTreeMap<String, String>,
    digest: DigestInput,
    /// Minutes a private message stays unread before it is e-mailed: 0 (never), 5, 15, 60 or
    /// 240; absent: unchanged.
    #[serde(default)]
    #[schema(value_type = Option<u32>, example = 15)]
    message_email_after: Option<u32>,
}

#[derive(Deserialize, ToSchema)]
pub struct DigestInput {
    #[schema(value_type = DigestFrequencyChoice, inline)]
    frequency: String,
    /// 0 = Monday ... 6 = Sunday (weekly digests).
    #[schema(maximum = 6)]
    weekday: u32,
    /// Local hour, 0-23.
    #[schema(maximum = 23)]
    hour: u32,
    /// IANA time zone, e.g. Europe/Paris ("" for Europe/Paris).
    #[schema(value_type = TimeZone)]
    time_zone: String,
}

/// Replaces the caller's preferences; categories left out return to their default.
#[utoipa::path(put, path = "/account/notification-preferences", tag = "account", request_body = PreferencesInput,
    responses((status = 200, description = "Saved", body = Preferences), Unauthorized, Invalid))]
async fn put_preferences(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiJson(p): ApiJson<PreferencesInput>,
) -> ApiResult<Json<Preferences>> {
    let p = Preferences {
        channels: p.channels,
        digest: DigestPrefs {
            frequency: p.digest.frequency,
            weekday: p.digest.weekday,
            hour: p.digest.hour,
            time_zone: p.digest.time_zone,
        },
        message_email_after: p.message_email_after,
    };
    digests::save_preferences(&state, &auth, &p).await?;
    Ok(Json(digests::preferences(&state, &auth).await?))
}
