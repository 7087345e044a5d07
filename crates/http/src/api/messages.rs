//! Private conversations between members of one organization.
use super::docs::{Invalid, NotFound, Unauthorized};
use super::dto::{BodyInput, ConversationDto, IdDto, MessageDto, list};
use super::extract::{ApiAuth, ApiJson, ApiPath};
use crate::error::ApiResult;
use crate::service::messages;
use crate::state::{AppState, WebState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use embarq_domain::Id;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list_conversations, start_conversation))
        .routes(routes!(list_messages, send_message))
}

/// The caller's conversations, most recent first (100 at most).
#[utoipa::path(get, path = "/conversations", tag = "messages", responses((status = 200, description = "Conversations, most recent first", body = Vec<ConversationDto>), Unauthorized))]
async fn list_conversations(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
) -> ApiResult<Json<Vec<ConversationDto>>> {
    Ok(Json(list(state.db.conversations_of(auth.user.id).await?)))
}

#[derive(Deserialize, ToSchema)]
pub struct NewConversation {
    /// Other members of the organization (the caller is added); 1 to 20.
    #[serde(default)]
    #[schema(required = true, min_items = 1, max_items = 20)]
    #[schema(value_type = Vec<uuid::Uuid>)]
    members: Vec<embarq_domain::UserId>,
}

/// Starts a conversation; with a single other member, their existing conversation is reused.
#[utoipa::path(post, path = "/conversations", tag = "messages", request_body = NewConversation,
    responses((status = 201, description = "The conversation (new, or the existing one-to-one)", body = IdDto), Unauthorized, NotFound, Invalid))]
async fn start_conversation(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiJson(b): ApiJson<NewConversation>,
) -> ApiResult<(StatusCode, Json<IdDto>)> {
    let id = messages::start(&state, &auth, &b.members).await?;
    Ok((StatusCode::CREATED, Json(IdDto { id })))
}

/// The messages of a conversation, oldest first; marks it read.
#[utoipa::path(get, path = "/conversations/{id}/messages", tag = "messages",
    params(("id" = uuid::Uuid, Path, description = "Conversation id")),
    responses((status = 200, description = "Messages, oldest first", body = Vec<MessageDto>), Unauthorized, NotFound))]
async fn list_messages(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<Json<Vec<MessageDto>>> {
    Ok(Json(list(messages::read(&state, &auth, id).await?)))
}

/// Sends a message to a conversation the caller takes part in.
#[utoipa::path(post, path = "/conversations/{id}/messages", tag = "messages",
    params(("id" = uuid::Uuid, Path, description = "Conversation id")),
    request_body = BodyInput,
    responses((status = 201, description = "The message", body = MessageDto), Unauthorized, NotFound, Invalid))]
async fn send_message(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
    ApiJson(b): ApiJson<BodyInput>,
) -> ApiResult<(StatusCode, Json<MessageDto>)> {
    let m = messages::send(&state, &auth, id, &b.body).await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}
