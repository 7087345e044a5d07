//! Activation analytics for organization managers.
use super::docs::{DaysChoice, Forbidden, Invalid, Unauthorized};
use super::extract::{ApiAuth, ApiQuery};
use crate::error::ApiResult;
use crate::i18n::Lang;
use crate::service::analytics::{self, Dashboard};
use crate::state::{AppState, WebState};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new().routes(routes!(get_analytics))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnalyticsQuery {
    /// Length of the daily series: 30 (default) or 90.
    #[param(value_type = Option<DaysChoice>, inline)]
    days: Option<String>,
}

/// The activation funnel overall and by department, site, generation, level, champions and
/// training attendance, the daily series and reminder counts (organization managers).
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
