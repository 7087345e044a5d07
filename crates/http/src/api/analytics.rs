//! Activation analytics for organization managers.
use super::docs::{DaysChoice, Forbidden, Invalid, Unauthorized};
use super::extract::{ApiAuth, ApiQuery};
use crate::error::ApiResult;
use crate::i18n::Lang;
use crate::service::analytics::{self, Dashboard};
use crate::state::{AppState, WebState};
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(get_analytics))
        .routes(routes!(get_analytics_csv))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnalyticsCsvQuery {
    /// `overall` (default), `department`, `site`, `generation`, `level`, `champion`,
    /// `training`, `series`, `retention` or `levers`.
    by: Option<String>,
    /// Length of the daily series: 30 (default) or 90.
    #[param(value_type = Option<DaysChoice>, inline)]
    days: Option<String>,
}

/// One view of the dashboard as CSV (a header row, labels in the caller's language).
#[utoipa::path(get, path = "/analytics.csv", tag = "analytics", params(AnalyticsCsvQuery),
    responses((status = 200, description = "The view as CSV", content_type = "text/csv", body = String), Unauthorized, Forbidden, Invalid))]
async fn get_analytics_csv(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    lang: Lang,
    ApiQuery(q): ApiQuery<AnalyticsCsvQuery>,
) -> ApiResult<Response> {
    let days = analytics::parse_days(q.days.as_deref())?;
    let d = analytics::dashboard(&state, &auth, days, lang).await?;
    let by = q.by.as_deref().unwrap_or("overall");
    let body = analytics::csv(&d, by)?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnalyticsQuery {
    /// Length of the daily series: 30 (default) or 90.
    #[param(value_type = Option<DaysChoice>, inline)]
    days: Option<String>,
}

/// Presence (daily, weekly, monthly active, stickiness), the activation funnel overall and by
/// department, site, generation, level, champions and training attendance, the daily series,
/// cohort retention, what moves people (reminders, champions' teams) and reminder counts
/// (organization managers).
#[utoipa::path(get, path = "/analytics", tag = "analytics", params(AnalyticsQuery),
    responses((status = 200, description = "The dashboard", body = Dashboard), Unauthorized, Forbidden, Invalid))]
async fn get_analytics(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    lang: Lang,
    ApiQuery(q): ApiQuery<AnalyticsQuery>,
) -> ApiResult<Json<Dashboard>> {
    let days = analytics::parse_days(q.days.as_deref())?;
    Ok(Json(analytics::dashboard(&state, &auth, days, lang).await?))
}
