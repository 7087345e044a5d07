//! Push notifications to the caller's devices (Web Push): the server's public key to
//! subscribe with, and the devices that receive, each with what it announces.
use super::docs::PushTopicName;
use super::docs::{Invalid, NotFound, Unauthorized};
use super::extract::{ApiAuth, ApiJson, ApiPath};
use crate::error::ApiResult;
use crate::service::push::{self, NewDevice};
use crate::state::{AppState, WebState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use embarq_domain::Id;
use embarq_domain::push::PushTopic;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(push_key))
        .routes(routes!(list_devices, add_device))
        .routes(routes!(update_device, remove_device))
}

/// A device as its owner sees it.
#[derive(Serialize, ToSchema)]
pub struct PushDeviceDto {
    id: uuid::Uuid,
    /// The push service this device is reached through (its host only).
    service: String,
    /// The browser as it described itself.
    device: Option<String>,
    #[schema(value_type = Vec<PushTopicName>)]
    topics: Vec<PushTopic>,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    created_at: i64,
    /// When a push last reached the push service.
    #[serde(with = "super::time::opt_ms")]
    #[schema(value_type = Option<super::time::Instant>)]
    last_sent_at: Option<i64>,
}

impl From<embarq_store::PushDevice> for PushDeviceDto {
    fn from(d: embarq_store::PushDevice) -> Self {
        Self {
            id: d.id,
            service: url::Url::parse(&d.endpoint)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_default(),
            device: d.device,
            topics: embarq_domain::push::stored_topics(&d.topics),
            created_at: d.created_at,
            last_sent_at: d.last_sent_at,
        }
    }
}

/// What a browser's `PushSubscription.toJSON()` gives, with the topics to announce.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscribeInput {
    /// The push service URL the browser was given (https).
    #[schema(max_length = 2000)]
    endpoint: String,
    keys: SubscriptionKeys,
    /// Ignored (part of `toJSON()`).
    #[serde(rename = "expirationTime", default)]
    #[schema(value_type = Option<i64>)]
    expiration_time: Option<serde_json::Value>,
    /// What this device announces; all topics when absent.
    #[serde(default)]
    #[schema(value_type = Option<Vec<PushTopicName>>)]
    topics: Option<Vec<PushTopic>>,
    /// How the device names itself (e.g. "Chrome on Android"), kept to 120 characters.
    #[serde(default)]
    #[schema(max_length = 120)]
    device: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionKeys {
    /// The browser's P-256 public key, base64url.
    p256dh: String,
    /// The 16-byte authentication secret, base64url.
    auth: String,
}

#[derive(Serialize, ToSchema)]
pub struct PushKeyDto {
    /// The server's VAPID public key (RFC 8292), base64url: the `applicationServerKey` of
    /// `pushManager.subscribe`.
    public_key: String,
}

/// The key a browser subscribes to this server's pushes with.
#[utoipa::path(get, path = "/push/key", tag = "account",
    responses((status = 200, description = "The public key", body = PushKeyDto), Unauthorized))]
async fn push_key(
    State(state): State<AppState>,
    ApiAuth(_auth): ApiAuth,
) -> ApiResult<Json<PushKeyDto>> {
    Ok(Json(PushKeyDto {
        public_key: push::public_key(&state).await?,
    }))
}

/// The caller's devices that receive pushes, the most recent first.
#[utoipa::path(get, path = "/push/devices", tag = "account",
    responses((status = 200, description = "The devices", body = Vec<PushDeviceDto>), Unauthorized))]
async fn list_devices(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
) -> ApiResult<Json<Vec<PushDeviceDto>>> {
    let devices = push::devices(&state, &auth).await?;
    Ok(Json(devices.into_iter().map(Into::into).collect()))
}

/// Turns pushes on for the device that subscribed: the body is its
/// `PushSubscription.toJSON()`, with the topics it announces (all when absent). The same
/// endpoint again updates the device.
#[utoipa::path(post, path = "/push/devices", tag = "account", request_body = SubscribeInput,
    responses((status = 201, description = "The device", body = PushDeviceDto), Unauthorized, Invalid))]
async fn add_device(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiJson(input): ApiJson<SubscribeInput>,
) -> ApiResult<(StatusCode, Json<PushDeviceDto>)> {
    let _ = input.expiration_time;
    let device = NewDevice {
        endpoint: input.endpoint,
        p256dh: input.keys.p256dh,
        auth: input.keys.auth,
        topics: input.topics,
        device: input.device,
    };
    let d = push::subscribe(&state, &auth, &device).await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceTopics {
    /// What the device announces from now on (none: it stays registered but silent).
    #[schema(value_type = Vec<PushTopicName>)]
    topics: Vec<PushTopic>,
}

/// Chooses what one of the caller's devices announces.
#[utoipa::path(patch, path = "/push/devices/{id}", tag = "account",
    params(("id" = Uuid, Path, description = "Device id")), request_body = DeviceTopics,
    responses((status = 200, description = "The device", body = PushDeviceDto), Unauthorized, NotFound, Invalid))]
async fn update_device(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
    ApiJson(b): ApiJson<DeviceTopics>,
) -> ApiResult<Json<PushDeviceDto>> {
    Ok(Json(
        push::set_topics(&state, &auth, id, &b.topics).await?.into(),
    ))
}

/// Turns pushes off for one of the caller's devices.
#[utoipa::path(delete, path = "/push/devices/{id}", tag = "account",
    params(("id" = Uuid, Path, description = "Device id")),
    responses((status = 204, description = "Removed"), Unauthorized, NotFound))]
async fn remove_device(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<StatusCode> {
    push::remove(&state, &auth, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
