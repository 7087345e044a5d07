//! The signed-in person: profile, pending invitations, notifications, personal access
//! tokens.
use super::docs::{BirthYear, Invalid, LocaleChoice, Name, NotFound, ShortText, Unauthorized};
use super::dto::{MemberDto, NewTokenDto, NotificationListDto, RequestDto, TokenDto, list};
use super::extract::{ApiAuth, ApiJson, ApiPath};
use crate::error::{ApiResult, AppError};
use crate::service::{accounts, members};
use crate::state::{AppState, WebState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use embarq_domain::Id;
use serde::{Deserialize, Deserializer};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(get_me, update_me))
        .routes(routes!(put_photo))
        .routes(routes!(my_invitations))
        .routes(routes!(list_notifications))
        .routes(routes!(mark_notifications_read))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(delete_token))
}

/// The signed-in person.
#[utoipa::path(get, path = "/me", tag = "account", responses((status = 200, description = "The signed-in person", body = MemberDto), Unauthorized))]
async fn get_me(ApiAuth(auth): ApiAuth) -> Json<MemberDto> {
    Json(auth.user.into())
}

/// Distinguishes an absent field (keep) from `null` (clear).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Fields to change; absent fields keep their value, `null` or "" clears an optional one.
#[derive(Deserialize, ToSchema)]
pub struct ProfilePatch {
    #[schema(value_type = Option<Name>, inline)]
    display_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<ShortText>, inline)]
    title: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<ShortText>, inline)]
    department: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<ShortText>, inline)]
    site: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<BirthYear>, inline)]
    birth_year: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<ShortText>, inline)]
    level: Option<Option<String>>,
    /// `fr` or `en`; null or "" to follow the browser.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<LocaleChoice>, inline)]
    locale: Option<Option<String>>,
    /// An IANA time zone such as `Europe/Paris`; null or "" to follow the browser, then the
    /// organization.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, inline, max_length = 64, example = "Europe/Paris")]
    time_zone: Option<Option<String>>,
}

fn merged(patch: Option<Option<String>>, current: Option<String>) -> String {
    patch.unwrap_or(current).unwrap_or_default()
}

/// Updates the signed-in person's profile.
#[utoipa::path(patch, path = "/me", tag = "account", request_body = ProfilePatch,
    responses((status = 200, description = "The updated profile", body = MemberDto), Unauthorized, Invalid))]
async fn update_me(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiJson(p): ApiJson<ProfilePatch>,
) -> ApiResult<Json<MemberDto>> {
    let u = auth.user.clone();
    let input = members::ProfileInput {
        display_name: p.display_name.unwrap_or(u.display_name),
        title: merged(p.title, u.title),
        department: merged(p.department, u.department),
        site: merged(p.site, u.site),
        birth_year: p
            .birth_year
            .unwrap_or(u.birth_year)
            .map(|y| y.to_string())
            .unwrap_or_default(),
        level: merged(p.level, u.level),
        locale: merged(p.locale, u.locale),
        time_zone: merged(p.time_zone, u.time_zone),
    };
    members::update_profile(&state, &auth, &input).await?;
    Ok(Json(
        members::profile(&state, &auth, auth.user.id).await?.into(),
    ))
}

/// Sets the signed-in person's profile photo: the request body is the image itself, PNG,
/// JPEG or WebP (recognized from its bytes), at most 2 MiB. 422 `not_an_image` or
/// `file_too_large` on the `photo` field.
#[utoipa::path(put, path = "/me/photo", tag = "account",
    request_body(content = super::docs::Binary, content_type = "image/*"),
    responses((status = 200, description = "The updated profile", body = MemberDto), Unauthorized, Invalid))]
async fn put_photo(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<MemberDto>> {
    let bytes = body.map_err(|_| {
        embarq_domain::validate::FieldError::with_limit(
            "photo",
            "file_too_large",
            (members::PHOTO_MAX / 1024 / 1024) as i64,
        )
    })?;
    members::set_photo(&state, &auth, &bytes).await?;
    Ok(Json(
        members::profile(&state, &auth, auth.user.id).await?.into(),
    ))
}

/// Sphere invitations waiting for the signed-in person (accept or decline them with /requests/{id}).
#[utoipa::path(get, path = "/me/invitations", tag = "account", responses((status = 200, description = "Pending invitations, newest first", body = Vec<RequestDto>), Unauthorized))]
async fn my_invitations(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
) -> ApiResult<Json<Vec<RequestDto>>> {
    Ok(Json(list(state.db.invitations_for(auth.user.id).await?)))
}

/// The latest 100 notifications and the unread count.
#[utoipa::path(get, path = "/notifications", tag = "account", responses((status = 200, description = "Notifications, newest first", body = NotificationListDto), Unauthorized))]
async fn list_notifications(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
) -> ApiResult<Json<NotificationListDto>> {
    let items = state.db.notifications(auth.user.id, 100).await?;
    let unread = state.db.unread_count(auth.user.id).await?;
    Ok(Json(NotificationListDto {
        items: list(items),
        unread,
    }))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct MarkRead {
    /// One notification; all of them when absent.
    id: Option<uuid::Uuid>,
}

/// Marks one notification, or all of them, as read. The body may be omitted.
#[utoipa::path(post, path = "/notifications/read", tag = "account", request_body(content = Option<MarkRead>),
    responses((status = 204, description = "Marked as read"), Unauthorized, Invalid))]
async fn mark_notifications_read(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    body: Option<ApiJson<Option<MarkRead>>>,
) -> ApiResult<StatusCode> {
    let only: Option<Id> = body.and_then(|ApiJson(b)| b).and_then(|b| b.id);
    state.db.mark_notifications_read(auth.user.id, only).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in person's personal access tokens.
#[utoipa::path(get, path = "/tokens", tag = "account", responses((status = 200, description = "Tokens, newest first", body = Vec<TokenDto>), Unauthorized))]
async fn list_tokens(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
) -> ApiResult<Json<Vec<TokenDto>>> {
    Ok(Json(list(state.db.api_tokens_of(auth.user.id).await?)))
}

#[derive(Deserialize, ToSchema)]
pub struct NewToken {
    /// What the token is for, to recognize it later.
    #[serde(default)]
    #[schema(value_type = Name, inline, required = true)]
    name: String,
}

/// Creates a personal access token; its secret is in this answer only.
#[utoipa::path(post, path = "/tokens", tag = "account", request_body = NewToken,
    responses((status = 201, description = "The token and its secret", body = NewTokenDto), Unauthorized, Invalid))]
async fn create_token(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiJson(body): ApiJson<NewToken>,
) -> ApiResult<(StatusCode, Json<NewTokenDto>)> {
    let (t, token) = accounts::create_api_token(&state, &auth, &body.name).await?;
    let dto = NewTokenDto {
        token,
        id: t.id,
        name: t.name,
        created_at: t.created_at,
        last_used_at: t.last_used_at,
    };
    Ok((StatusCode::CREATED, Json(dto)))
}

/// Revokes one of the signed-in person's tokens.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "account", params(("id" = uuid::Uuid, Path, description = "Token id")),
    responses((status = 204, description = "Revoked"), Unauthorized, NotFound))]
async fn delete_token(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<StatusCode> {
    if crate::service::accounts::revoke_api_token(&state, &auth, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound.into())
    }
}
