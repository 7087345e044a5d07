//! Webhook subscriptions of the organization (managers), their delivery log, redelivery and
//! test pings.
use super::docs::{Forbidden, Invalid, NotFound, Unauthorized};
use super::extract::{ApiAuth, ApiJson, ApiPath};
use crate::error::ApiResult;
use crate::service::webhooks;
use crate::state::{AppState, WebState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use embarq_domain::Id;
use embarq_store::{Webhook, WebhookAttempt, WebhookDelivery};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(delete_webhook))
        .routes(routes!(list_deliveries))
        .routes(routes!(get_delivery))
        .routes(routes!(pause_webhook))
        .routes(routes!(resume_webhook))
        .routes(routes!(ping_webhook))
        .routes(routes!(redeliver))
}

#[derive(Serialize, ToSchema)]
pub struct WebhookDto {
    id: uuid::Uuid,
    url: String,
    /// Subscribed event types.
    events: Vec<String>,
    /// false while paused: no new event is queued; queued deliveries wait for resume.
    active: bool,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    created_at: i64,
}

impl From<Webhook> for WebhookDto {
    fn from(w: Webhook) -> Self {
        WebhookDto {
            id: w.id,
            url: w.url,
            events: w.events.split(',').map(str::to_string).collect(),
            active: w.active == 1,
            created_at: w.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct NewWebhookDto {
    #[serde(flatten)]
    webhook: WebhookDto,
    /// The signing secret, in this answer only.
    secret: String,
}

#[derive(Deserialize, ToSchema)]
pub struct NewWebhook {
    /// https URL (http only when the server allows private addresses).
    #[serde(default)]
    #[schema(
        required = true,
        min_length = 1,
        max_length = 2000,
        pattern = r"^\s*[Hh][Tt][Tt][Pp][Ss]?://"
    )]
    url: String,
    /// Event types: member.invited, member.activated, post.created, event.created,
    /// suggestion.created, rollout.plan_changed, rollout.phase_changed.
    #[serde(default)]
    #[schema(value_type = Vec<super::docs::WebhookEvent>, inline, required = true, min_items = 1)]
    events: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryDto {
    id: uuid::Uuid,
    event_type: String,
    /// pending, delivered or failed.
    status: String,
    attempts: i64,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    next_attempt_at: i64,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    created_at: i64,
    #[serde(with = "super::time::opt_ms")]
    #[schema(value_type = Option<super::time::Instant>)]
    delivered_at: Option<i64>,
    last_status_code: Option<i64>,
    last_duration_ms: Option<i64>,
    last_error: Option<String>,
    /// The JSON body sent.
    payload: String,
}

impl From<WebhookDelivery> for DeliveryDto {
    fn from(d: WebhookDelivery) -> Self {
        DeliveryDto {
            id: d.id,
            event_type: d.event_type,
            status: d.status,
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at,
            created_at: d.created_at,
            delivered_at: d.delivered_at,
            last_status_code: d.last_status_code,
            last_duration_ms: d.last_duration_ms,
            last_error: d.last_error,
            payload: d.payload,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AttemptDto {
    /// 1 for the first attempt.
    attempt: i64,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    at: i64,
    /// The receiver's HTTP status (none when it could not be reached).
    status_code: Option<i64>,
    duration_ms: i64,
    /// What went wrong (none when delivered).
    error: Option<String>,
    /// When the next try was scheduled after this attempt (none: delivered or given up).
    #[serde(with = "super::time::opt_ms")]
    #[schema(value_type = Option<super::time::Instant>)]
    next_attempt_at: Option<i64>,
}

impl From<WebhookAttempt> for AttemptDto {
    fn from(a: WebhookAttempt) -> Self {
        AttemptDto {
            attempt: a.attempt,
            at: a.at,
            status_code: a.status_code,
            duration_ms: a.duration_ms,
            error: a.error,
            next_attempt_at: a.next_attempt_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryDetailDto {
    #[serde(flatten)]
    delivery: DeliveryDto,
    /// Every attempt, first first.
    attempts_log: Vec<AttemptDto>,
}

#[derive(Serialize, ToSchema)]
pub struct QueuedDto {
    /// The queued delivery.
    delivery_id: uuid::Uuid,
}

/// The organization's webhook subscriptions (managers).
#[utoipa::path(get, path = "/webhooks", tag = "webhooks",
    responses((status = 200, description = "Subscriptions", body = Vec<WebhookDto>), Unauthorized, Forbidden))]
async fn list_webhooks(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
) -> ApiResult<Json<Vec<WebhookDto>>> {
    Ok(Json(
        webhooks::list(&state, &auth)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Subscribes a URL to events; the signing secret is in this answer only.
#[utoipa::path(post, path = "/webhooks", tag = "webhooks", request_body = NewWebhook,
    responses((status = 201, description = "The subscription and its secret", body = NewWebhookDto), Unauthorized, Forbidden, Invalid))]
async fn create_webhook(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiJson(body): ApiJson<NewWebhook>,
) -> ApiResult<(StatusCode, Json<NewWebhookDto>)> {
    let (w, secret) = webhooks::create(&state, &auth, &body.url, &body.events).await?;
    Ok((
        StatusCode::CREATED,
        Json(NewWebhookDto {
            webhook: w.into(),
            secret,
        }),
    ))
}

/// Removes a subscription and its delivery log.
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "webhooks", params(("id" = uuid::Uuid, Path, description = "Subscription id")),
    responses((status = 204, description = "Removed"), Unauthorized, Forbidden, NotFound))]
async fn delete_webhook(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<StatusCode> {
    webhooks::delete(&state, &auth, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The delivery log of a subscription (latest 50, newest first).
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", tag = "webhooks", params(("id" = uuid::Uuid, Path, description = "Subscription id")),
    responses((status = 200, description = "Deliveries", body = Vec<DeliveryDto>), Unauthorized, Forbidden, NotFound))]
async fn list_deliveries(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<Json<Vec<DeliveryDto>>> {
    Ok(Json(
        webhooks::deliveries(&state, &auth, id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Queues a test ping (type `ping`) to a subscription.
#[utoipa::path(post, path = "/webhooks/{id}/ping", tag = "webhooks", params(("id" = uuid::Uuid, Path, description = "Subscription id")),
    responses((status = 202, description = "Queued", body = QueuedDto), Unauthorized, Forbidden, NotFound))]
async fn ping_webhook(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<(StatusCode, Json<QueuedDto>)> {
    let delivery_id = webhooks::ping(&state, &auth, id).await?;
    Ok((StatusCode::ACCEPTED, Json(QueuedDto { delivery_id })))
}

/// Queues a delivery again, at once (whatever its state).
#[utoipa::path(post, path = "/webhooks/deliveries/{id}/redeliver", tag = "webhooks", params(("id" = uuid::Uuid, Path, description = "Delivery id")),
    responses((status = 202, description = "Queued"), Unauthorized, Forbidden, NotFound))]
async fn redeliver(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<StatusCode> {
    webhooks::redeliver(&state, &auth, id).await?;
    Ok(StatusCode::ACCEPTED)
}

/// One delivery of a subscription with every attempt (time, status code, duration, error,
/// next retry).
#[utoipa::path(get, path = "/webhooks/{id}/deliveries/{delivery_id}", tag = "webhooks",
    params(("id" = uuid::Uuid, Path, description = "Subscription id"), ("delivery_id" = uuid::Uuid, Path, description = "Delivery id")),
    responses((status = 200, description = "The delivery and its attempts", body = DeliveryDetailDto), Unauthorized, Forbidden, NotFound))]
async fn get_delivery(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath((id, delivery_id)): ApiPath<(Id, Id)>,
) -> ApiResult<Json<DeliveryDetailDto>> {
    let (d, attempts) = webhooks::delivery(&state, &auth, id, delivery_id).await?;
    Ok(Json(DeliveryDetailDto {
        delivery: d.into(),
        attempts_log: attempts.into_iter().map(Into::into).collect(),
    }))
}

/// Pauses a subscription: no new event is queued for it, and deliveries already queued
/// (retries, pings, redeliveries) wait until it is resumed. Idempotent.
#[utoipa::path(post, path = "/webhooks/{id}/pause", tag = "webhooks", params(("id" = uuid::Uuid, Path, description = "Subscription id")),
    responses((status = 200, description = "Paused", body = WebhookDto), Unauthorized, Forbidden, NotFound))]
async fn pause_webhook(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<Json<WebhookDto>> {
    Ok(Json(
        webhooks::set_active(&state, &auth, id, false).await?.into(),
    ))
}

/// Resumes a paused subscription: waiting deliveries go out at the next pass. Idempotent.
#[utoipa::path(post, path = "/webhooks/{id}/resume", tag = "webhooks", params(("id" = uuid::Uuid, Path, description = "Subscription id")),
    responses((status = 200, description = "Active", body = WebhookDto), Unauthorized, Forbidden, NotFound))]
async fn resume_webhook(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<Json<WebhookDto>> {
    Ok(Json(
        webhooks::set_active(&state, &auth, id, true).await?.into(),
    ))
}
