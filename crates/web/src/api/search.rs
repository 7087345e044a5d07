//! Search over spheres, people and publications, with the visibility rules of the lists.
use super::docs::{Invalid, Unauthorized};
use super::dto::{PersonDto, PostDto, SearchDto, SphereDto, list};
use super::extract::{ApiAuth, ApiQuery};
use crate::error::ApiResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Longest query used, in characters.
const QUERY_MAX: usize = 100;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Text to look for (at most 100 characters are used).
    q: Option<String>,
}

/// Searches spheres, people and publications visible to the caller (20 of each at most).
#[utoipa::path(get, path = "/search", tag = "search", params(SearchQuery),
    responses((status = 200, description = "Matches of each kind", body = SearchDto), Unauthorized, Invalid))]
async fn search(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> ApiResult<Json<SearchDto>> {
    let q: String = query
        .q
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .chars()
        .take(QUERY_MAX)
        .collect();
    let q = q.trim();
    if q.is_empty() {
        return Ok(Json(SearchDto {
            spheres: Vec::new(),
            people: Vec::new(),
            posts: Vec::new(),
        }));
    }
    let (org, me, viewer) = (auth.user.org_id, auth.user.id, auth.viewer());
    let spheres = state.db.search_spheres(org, me, q).await?;
    let people = state.db.search_people(org, q).await?;
    let posts = state.db.search_posts(org, me, q).await?;
    Ok(Json(SearchDto {
        spheres: spheres
            .into_iter()
            .map(|s| SphereDto::for_viewer(s, viewer))
            .collect(),
        people: list::<_, PersonDto>(people),
        posts: list::<_, PostDto>(posts),
    }))
}
