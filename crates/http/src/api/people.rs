//! People offered as someone types a name: to mention in a publication or comment, to
//! start a conversation with, or to assign a task to.
use super::docs::{Invalid, NotFound, OptId, Unauthorized};
use super::extract::{ApiAuth, ApiQuery};
use crate::error::ApiResult;
use crate::service::mentions::{self, Among};
use crate::state::{AppState, WebState};
use axum::Json;
use axum::extract::State;
use embarq_domain::validate::FieldError;
use embarq_domain::{SphereId, avatar, markdown, parse_as};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new().routes(routes!(suggest_people))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestQuery {
    /// What was typed so far ("Cla", "hélène"): names match by word prefix, accents aside.
    #[param(max_length = 200)]
    q: Option<String>,
    /// The sphere written in: only people who may read it are offered (its members, or
    /// the whole organization for an open sphere).
    #[param(value_type = Option<OptId>, inline)]
    sphere: Option<String>,
    /// With `sphere`: only its members (a task's assignees).
    members: Option<bool>,
}

/// A person offered.
#[derive(Serialize, ToSchema)]
pub struct PersonSuggestionDto {
    id: Uuid,
    display_name: String,
    title: Option<String>,
    department: Option<String>,
    site: Option<String>,
    /// Their photo (`/people/{id}/photo`), if they uploaded one.
    photo_url: Option<String>,
    /// Up to two letters and a colour (0 to 7) for a face without a photo.
    initials: String,
    colour: u8,
    /// The Markdown that mentions them in a publication or comment: a link to their
    /// profile, which the server names again with their real name when it stores the text.
    #[schema(example = "[@Claire Martin](/people/0190f1c2-0000-7000-8000-000000000001)")]
    mention: String,
}

/// Up to 8 active people of the organization matching what was typed, the caller aside,
/// best first. Empty for an empty query.
#[utoipa::path(get, path = "/people/suggest", tag = "members", params(SuggestQuery),
    responses((status = 200, description = "People offered", body = Vec<PersonSuggestionDto>), Unauthorized, Invalid, NotFound))]
async fn suggest_people(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiQuery(query): ApiQuery<SuggestQuery>,
) -> ApiResult<Json<Vec<PersonSuggestionDto>>> {
    let sphere = match query.sphere.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            parse_as::<SphereId>(s).ok_or_else(|| FieldError::new("sphere", "invalid_choice"))?,
        ),
    };
    let among = match (sphere, query.members.unwrap_or(false)) {
        (None, _) => Among::Organization,
        (Some(s), false) => Among::Readers(s),
        (Some(s), true) => Among::Members(s),
    };
    let hits = mentions::suggest(&state, &auth, query.q.as_deref().unwrap_or(""), among).await?;
    Ok(Json(
        hits.into_iter()
            .map(|h| PersonSuggestionDto {
                id: h.id.0,
                photo_url: h.has_photo.then(|| format!("/people/{}/photo", h.id)),
                initials: avatar::initials(&h.display_name),
                colour: avatar::colour(h.id),
                mention: markdown::person_mention(h.id.0, &h.display_name),
                display_name: h.display_name,
                title: h.title,
                department: h.department,
                site: h.site,
            })
            .collect(),
    ))
}
