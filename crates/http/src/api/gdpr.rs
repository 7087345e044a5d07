//! GDPR: the caller's data export, the erasure of a member and the organization's
//! retention settings.
use super::docs::{
    Binary, EraseModeChoice, Forbidden, Invalid, NotFound, OptEraseModeChoice, Unauthorized,
};
use super::extract::{ApiAuth, ApiJson, ApiPath, ApiQuery};
use crate::error::{ApiError, ApiResult, Problem};
use crate::service::gdpr::{self, SettingsInput};
use crate::state::{AppState, WebState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use embarq_domain::UserId;
use embarq_store::gdpr::GdprSettings;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(export_my_data))
        .routes(routes!(erase_member))
        .routes(routes!(get_gdpr_settings, update_gdpr_settings))
}

/// Exported less than ten minutes ago: try again later.
#[derive(utoipa::IntoResponses)]
#[response(status = 429, content_type = "application/problem+json")]
#[allow(dead_code, reason = "documents the response; handlers answer ApiError")]
pub struct TooSoon(Problem);

/// All the caller's data: a zip with `data.json` (profile, memberships, publications,
/// comments, reactions, private messages of their conversations, notifications, event
/// registrations, tasks, named poll votes, suggestions, files) and their uploaded files under
/// `files/`. At most once per ten minutes.
#[utoipa::path(get, path = "/account/export", tag = "account",
    responses((status = 200, description = "The zip archive", content_type = "application/zip", body = Binary), Unauthorized, TooSoon))]
async fn export_my_data(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
) -> Result<Response, ApiError> {
    Ok(crate::transfer::send(gdpr::export(&state, &auth).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EraseQuery {
    /// `anonymize` (content kept, author shown as a former member) or `remove` (content
    /// deleted); defaults to the organization's policy.
    #[param(value_type = Option<OptEraseModeChoice>, inline)]
    mode: Option<String>,
}

/// Erases a member (managers): the account is removed (sessions and tokens revoked, e-mail
/// freed), their content anonymized or removed. Not oneself, not the last manager.
#[utoipa::path(delete, path = "/members/{id}", tag = "members",
    params(("id" = uuid::Uuid, Path, description = "Member id"), EraseQuery),
    responses((status = 204, description = "Erased"), Unauthorized, Forbidden, NotFound, Invalid))]
async fn erase_member(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<UserId>,
    ApiQuery(q): ApiQuery<EraseQuery>,
) -> ApiResult<StatusCode> {
    let mode = gdpr::parse_mode(q.mode.as_deref())?;
    gdpr::erase(&state, &auth, id, mode).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The organization's GDPR policy; days are `null` to keep forever.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct GdprSettingsDto {
    /// `anonymize` or `remove`: what happens to an erased member's content.
    #[serde(default)]
    #[schema(value_type = EraseModeChoice, inline, required = true)]
    erase_mode: String,
    /// Private messages older than this many days (1 to 36500) are deleted.
    #[schema(minimum = 1, maximum = 36_500)]
    message_days: Option<i64>,
    /// Notifications older than this many days (1 to 36500) are deleted.
    #[schema(minimum = 1, maximum = 36_500)]
    notification_days: Option<i64>,
    /// Accounts deactivated (and unused) for this many days (1 to 36500) are erased.
    #[schema(minimum = 1, maximum = 36_500)]
    deactivated_days: Option<i64>,
}

impl From<GdprSettings> for GdprSettingsDto {
    fn from(s: GdprSettings) -> Self {
        GdprSettingsDto {
            erase_mode: s.erase_mode.as_str().to_string(),
            message_days: s.message_days,
            notification_days: s.notification_days,
            deactivated_days: s.deactivated_days,
        }
    }
}

/// The organization's erasure policy and retention settings (managers).
#[utoipa::path(get, path = "/organization/gdpr", tag = "members",
    responses((status = 200, description = "The settings", body = GdprSettingsDto), Unauthorized, Forbidden))]
async fn get_gdpr_settings(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
) -> ApiResult<Json<GdprSettingsDto>> {
    Ok(Json(gdpr::settings(&state, &auth).await?.into()))
}

/// Changes the organization's erasure policy and retention settings (managers).
#[utoipa::path(put, path = "/organization/gdpr", tag = "members", request_body = GdprSettingsDto,
    responses((status = 200, description = "The new settings", body = GdprSettingsDto), Unauthorized, Forbidden, Invalid))]
async fn update_gdpr_settings(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiJson(body): ApiJson<GdprSettingsDto>,
) -> ApiResult<Json<GdprSettingsDto>> {
    let text = |d: Option<i64>| d.map(|d| d.to_string());
    let (m, n, d) = (
        text(body.message_days),
        text(body.notification_days),
        text(body.deactivated_days),
    );
    let s = gdpr::update_settings(
        &state,
        &auth,
        SettingsInput {
            erase_mode: &body.erase_mode,
            message_days: m.as_deref(),
            notification_days: n.as_deref(),
            deactivated_days: d.as_deref(),
        },
    )
    .await?;
    Ok(Json(s.into()))
}
