//! The champion's worklist and the "remind" action.
use super::docs::{Forbidden, Invalid, NotFound, Unauthorized};
use super::extract::{ApiAuth, ApiPath, ApiQuery};
use crate::error::{ApiResult, Problem};
use crate::service::nudges;
use crate::state::{AppState, WebState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use embarq_domain::UserId;
use embarq_store::WorklistItem;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(get_worklist))
        .routes(routes!(remind))
}

/// One reminder too many (per colleague per 24 h, or 20 per champion per day).
#[derive(utoipa::IntoResponses)]
#[response(status = 429, content_type = "application/problem+json")]
#[allow(dead_code, reason = "documents the response; handlers answer ApiError")]
pub struct TooMany(Problem);

#[derive(Serialize, ToSchema)]
pub struct WorklistItemDto {
    id: uuid::Uuid,
    display_name: String,
    email: String,
    department: Option<String>,
    site: Option<String>,
    #[serde(with = "super::time::opt_ms")]
    #[schema(value_type = Option<super::time::Instant>)]
    invitation_sent_at: Option<i64>,
    #[serde(with = "super::time::opt_ms")]
    #[schema(value_type = Option<super::time::Instant>)]
    last_reminded_at: Option<i64>,
    reminders: i64,
}

impl From<WorklistItem> for WorklistItemDto {
    fn from(w: WorklistItem) -> Self {
        WorklistItemDto {
            id: w.id.into(),
            display_name: w.display_name,
            email: w.email,
            department: w.department,
            site: w.site,
            invitation_sent_at: w.invitation_sent_at,
            last_reminded_at: w.last_reminded_at,
            reminders: w.reminders,
        }
    }
}

/// Invited colleagues of the champion's department or site who have not activated
/// (confirmed champions; managers see the whole organization).
/// One page of the worklist.
#[derive(Serialize, ToSchema)]
pub struct WorklistDto {
    items: Vec<WorklistItemDto>,
    /// Colleagues to remind on every page (after the search).
    total: i64,
    /// From 1.
    page: i64,
    pages: i64,
}

/// The longest worklist search.
const SEARCH_MAX: usize = 100;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorklistQuery {
    /// Part of the name or e-mail address, any case.
    #[param(max_length = 100)]
    q: Option<String>,
    /// From 1 (50 colleagues a page).
    #[param(minimum = 1)]
    page: Option<i64>,
}

/// Invited colleagues of the champion's department or site (managers: everyone) who have not
/// activated, by name, 50 a page.
#[utoipa::path(get, path = "/nudges/worklist", tag = "nudges", params(WorklistQuery),
    responses((status = 200, description = "Colleagues to remind", body = WorklistDto), Unauthorized, Forbidden, Invalid))]
async fn get_worklist(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiQuery(q): ApiQuery<WorklistQuery>,
) -> ApiResult<Json<WorklistDto>> {
    let search = q.q.as_deref().unwrap_or_default();
    if search.chars().count() > SEARCH_MAX {
        let e = embarq_domain::validate::FieldError::with_limit("q", "too_long", SEARCH_MAX as i64);
        return Err(crate::error::AppError::from(e).into());
    }
    let list = nudges::worklist(&state, &auth, search, q.page.unwrap_or(1)).await?;
    Ok(Json(WorklistDto {
        items: list.items.into_iter().map(Into::into).collect(),
        total: list.total,
        page: list.page,
        pages: list.pages,
    }))
}

/// Sends a colleague their invitation again (fresh link); logged and rate-limited.
#[utoipa::path(post, path = "/nudges/worklist/{id}/remind", tag = "nudges", params(("id" = uuid::Uuid, Path, description = "Colleague id")),
    responses((status = 204, description = "Reminder sent"), Unauthorized, Forbidden, NotFound, Invalid, TooMany))]
async fn remind(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<UserId>,
) -> ApiResult<StatusCode> {
    nudges::remind(&state, &auth, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
