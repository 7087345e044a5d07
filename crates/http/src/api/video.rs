//! Video meetings: the room of a sphere or an event (opened on demand) and the organization's
//! provider. Same service as the /video pages.
use super::docs::{Forbidden, Invalid, NotFound, Unauthorized};
use super::extract::{ApiAuth, ApiJson, ApiPath};
use crate::error::ApiResult;
use crate::service::video::{self as svc, IceServer, Opened, SettingsInput};
use crate::state::{AppState, WebState};
use axum::Json;
use axum::extract::State;
use embarq_domain::video::{MAX_PARTICIPANTS, Provider};
use embarq_domain::{Id, SphereId};
use embarq_store::{RoomOwner, now_ms};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(sphere_video_room))
        .routes(routes!(event_video_room))
        .routes(routes!(get_video_settings, put_video_settings))
}

/// Where to meet. With the built-in provider, open `url` in a browser (the page connects to
/// `websocket_url`); with an external provider, `url` is the meeting on that service.
#[derive(Serialize, ToSchema)]
pub struct VideoRoomDto {
    pub room_id: uuid::Uuid,
    /// `builtin` or `external`.
    pub provider: String,
    /// The meeting's address for the caller (absolute).
    pub url: String,
    /// Built-in rooms only: the signalling WebSocket (same origin, session cookie).
    pub websocket_url: Option<String>,
    /// Built-in rooms only: the most participants at once.
    pub max_participants: Option<i64>,
    /// Built-in rooms only: participants now.
    pub participants: Option<i64>,
    /// Built-in rooms only: ICE servers for `RTCPeerConnection` (empty: host candidates only).
    pub ice_servers: Vec<IceServer>,
}

async fn room_dto(
    state: &AppState,
    auth: &crate::auth::Auth,
    owner: RoomOwner,
    page: String,
) -> ApiResult<VideoRoomDto> {
    let o: Opened = svc::open(state, auth, owner).await?;
    let base = state.config.base_url.trim_end_matches('/');
    Ok(match (o.provider, o.external_url) {
        (Provider::External, Some(url)) => VideoRoomDto {
            room_id: o.room.id,
            provider: Provider::External.as_str().into(),
            url,
            websocket_url: None,
            max_participants: None,
            participants: None,
            ice_servers: Vec::new(),
        },
        _ => {
            let ws_base = if let Some(rest) = base.strip_prefix("https://") {
                format!("wss://{rest}")
            } else {
                format!("ws://{}", base.trim_start_matches("http://"))
            };
            VideoRoomDto {
                room_id: o.room.id,
                provider: Provider::Builtin.as_str().into(),
                url: format!("{base}{page}"),
                websocket_url: Some(format!("{ws_base}/video/rooms/{}/ws", o.room.id)),
                max_participants: Some(MAX_PARTICIPANTS),
                participants: Some(svc::participant_count(state, o.room.id).await?),
                ice_servers: svc::ice_servers(&state.config.ice, auth.user.id, now_ms() / 1000),
            }
        }
    })
}

/// The video room of a sphere the caller reads (opened on first use). Secret spheres answer
/// 404 to non-members; closed spheres 403 to non-members.
#[utoipa::path(get, path = "/video/spheres/{sphere_id}", tag = "video",
    params(("sphere_id" = uuid::Uuid, Path, description = "Sphere id")),
    responses((status = 200, description = "The room", body = VideoRoomDto), Unauthorized, Forbidden, NotFound))]
async fn sphere_video_room(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<SphereId>,
) -> ApiResult<Json<VideoRoomDto>> {
    let page = format!("/video/sphere/{id}");
    Ok(Json(
        room_dto(&state, &auth, RoomOwner::Sphere(id), page).await?,
    ))
}

/// The video room of an event the caller sees (opened on first use).
#[utoipa::path(get, path = "/video/events/{event_id}", tag = "video",
    params(("event_id" = uuid::Uuid, Path, description = "Event id")),
    responses((status = 200, description = "The room", body = VideoRoomDto), Unauthorized, NotFound))]
async fn event_video_room(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<Json<VideoRoomDto>> {
    let page = format!("/video/event/{id}");
    Ok(Json(
        room_dto(&state, &auth, RoomOwner::Event(id), page).await?,
    ))
}

/// The organization's video provider.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct VideoSettingsDto {
    /// `builtin` (browser WebRTC, up to 8 people) or `external`.
    #[schema(value_type = super::docs::VideoProviderChoice, inline)]
    pub provider: String,
    /// For `external`: an https:// URL containing `{room}`, optionally `{name}` and `{email}`
    /// (replaced URL-encoded), e.g. `https://meet.jit.si/embarq-{room}`.
    #[serde(default)]
    #[schema(value_type = Option<super::docs::VideoTemplate>, inline)]
    pub url_template: Option<String>,
}

/// The organization's provider (managers only).
#[utoipa::path(get, path = "/video/settings", tag = "video",
    responses((status = 200, description = "The provider", body = VideoSettingsDto), Unauthorized, Forbidden))]
async fn get_video_settings(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
) -> ApiResult<Json<VideoSettingsDto>> {
    let s = svc::settings_to_configure(&state, &auth).await?;
    Ok(Json(VideoSettingsDto {
        provider: s.provider.as_str().into(),
        url_template: s.url_template,
    }))
}

/// Chooses the provider (managers only); an external provider needs a valid template.
#[utoipa::path(put, path = "/video/settings", tag = "video", request_body = VideoSettingsDto,
    responses((status = 200, description = "Saved", body = VideoSettingsDto), Unauthorized, Forbidden, Invalid))]
async fn put_video_settings(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiJson(b): ApiJson<VideoSettingsDto>,
) -> ApiResult<Json<VideoSettingsDto>> {
    let input = SettingsInput {
        provider: b.provider,
        url_template: b.url_template.unwrap_or_default(),
    };
    svc::save_settings(&state, &auth, &input).await?;
    let s = svc::settings(&state, auth.user.org_id).await?;
    Ok(Json(VideoSettingsDto {
        provider: s.provider.as_str().into(),
        url_template: s.url_template,
    }))
}
