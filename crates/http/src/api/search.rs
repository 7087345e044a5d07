//! Full-text search over publications, comments, spheres, members and file names, with
//! the visibility rules of the feeds (same service as the web UI's search page).
use super::docs::{Invalid, OptId, SearchKindChoice, SearchPage, SearchText, Unauthorized};
use super::extract::{ApiAuth, ApiQuery};
use crate::error::ApiResult;
use crate::service::search::{self, Request, Results};
use crate::state::{AppState, WebState};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new().routes(routes!(search_all))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words to look for (1 to 200 characters). Every character that is not a letter or a
    /// digit separates words: quotes, `AND`/`OR`/`NOT`/`NEAR`, `*`, `-`, `:` and
    /// parentheses are plain text, never search syntax. All words must match; French and
    /// English forms of a word match each other ("réunions" finds "réunion", "meetings"
    /// finds "meeting"), accents are ignored.
    #[param(value_type = SearchText, inline, required = true)]
    q: Option<String>,
    /// One kind of result, paged 20 at a time: `posts`, `comments`, `spheres`, `members`
    /// or `files`. Without it (or `all`), the 5 best of each kind.
    #[serde(rename = "type")]
    #[param(rename = "type", value_type = Option<SearchKindChoice>, inline)]
    kind: Option<String>,
    /// Only this sphere's publications, comments, files and members (a sphere the caller
    /// may read).
    #[param(value_type = Option<OptId>, inline)]
    sphere: Option<String>,
    /// Page (1 to 10) of the chosen kind.
    #[param(value_type = Option<SearchPage>, inline)]
    page: Option<String>,
}

/// Searches what the caller may see: publications and comments of open spheres and of
/// the caller's spheres (never pending or hidden ones), spheres (secret ones only for
/// their members), active members and files. Publications and comments are ranked by
/// relevance (bm25 on SQLite, ts_rank on PostgreSQL) combined with recency, among the 200
/// most recent matches (`truncated` tells when there were more). `title_html` and
/// `snippet_html` are escaped HTML whose only tags are `<mark>` around matched words.
#[utoipa::path(get, path = "/search", tag = "search", params(SearchQuery),
    responses((status = 200, description = "Results grouped by kind", body = Results), Unauthorized, Invalid))]
async fn search_all(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> ApiResult<Json<Results>> {
    let req = Request {
        q: query.q.unwrap_or_default(),
        kind: query.kind,
        sphere: query.sphere,
        page: query.page,
    };
    Ok(Json(search::search(&state, &auth, &req).await?))
}
